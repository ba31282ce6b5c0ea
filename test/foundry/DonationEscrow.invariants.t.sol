// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// Test code: assertion messages are longer than 32 bytes on purpose.
// solhint-disable gas-small-strings

import {BusinessRole} from "../../contracts/alliance/AllianceTypes.sol";
import {DonationEscrow} from "../../contracts/money/DonationEscrow.sol";
import {IDonationEscrow} from "../../contracts/money/IDonationEscrow.sol";
import {IBatchLedger} from "../../contracts/trace/IBatchLedger.sol";
import {TestToken} from "../../contracts/mocks/tokens/TestToken.sol";
import {DonationHandler, LedgerStub} from "./handlers/DonationHandler.sol";
import {AllianceSetup} from "./utils/AllianceSetup.sol";

/// @notice The escrow's money invariants under random needs, gifts, offers, receipts, releases, closings,
/// cancellations, refunds, redirections, withdrawals, collections and time (see DonationHandler).
contract DonationEscrowInvariants is AllianceSetup {
    LedgerStub internal ledger;
    TestToken internal token;
    DonationEscrow internal escrow;
    DonationHandler internal handler;

    function setUp() public {
        address governor = makeAddr("governor");
        address regulator = makeAddr("regulator");
        address hospital = makeAddr("hospital");
        _deployRegistry(governor, regulator);
        uint32 hospitalOrgId = _admit(hospital, regulator, "Hillside Clinic", BusinessRole.Hospital);
        address[2] memory suppliers = [makeAddr("supplier 1"), makeAddr("supplier 2")];
        uint32[2] memory supplierOrgIds = [
            _admit(suppliers[0], regulator, "Harbour Distribution", BusinessRole.Distributor),
            _admit(suppliers[1], regulator, "MedSupply", BusinessRole.Distributor)
        ];

        ledger = new LedgerStub();
        token = new TestToken("Demo Euro", "dEUR", 6);
        escrow = new DonationEscrow(registry, IBatchLedger(address(ledger)), 1 days);
        vm.prank(governor);
        escrow.setAssetApproved(address(token), true);

        handler = new DonationHandler{value: 1e27}(
            escrow,
            ledger,
            token,
            hospital,
            hospitalOrgId,
            regulator,
            suppliers,
            supplierOrgIds
        );
        handler.postNeed(500, 1e12, 10 days, false);
        handler.postNeed(300, 1e3, 20 days, true);

        targetContract(address(handler));
        bytes4[] memory selectors = new bytes4[](14);
        selectors[0] = DonationHandler.postNeed.selector;
        selectors[1] = DonationHandler.cancel.selector;
        selectors[2] = DonationHandler.donate.selector;
        selectors[3] = DonationHandler.offerAndAccept.selector;
        selectors[4] = DonationHandler.shipAndReceive.selector;
        selectors[5] = DonationHandler.release.selector;
        selectors[6] = DonationHandler.closeOffer.selector;
        selectors[7] = DonationHandler.collect.selector;
        selectors[8] = DonationHandler.refund.selector;
        selectors[9] = DonationHandler.redirect.selector;
        selectors[10] = DonationHandler.withdraw.selector;
        selectors[11] = DonationHandler.warp.selector;
        selectors[12] = DonationHandler.donate.selector; // gifts twice as often: they feed everything else
        selectors[13] = DonationHandler.release.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    /// @notice For each asset the escrow holds at least what it owes.
    function invariant_holdsWhatItOwes() public view {
        assertGe(address(escrow).balance, escrow.owed(address(0)), "ETH balance >= owed");
        assertGe(token.balanceOf(address(escrow)), escrow.owed(address(token)), "token balance >= owed");
    }

    /// @notice What is owed is exactly the needs' unspent money, the makers' uncollected earnings and the credits.
    function invariant_owedIsAccountedFor() public view {
        uint256[2] memory books;
        for (uint256 i; i < handler.needCount(); ++i) {
            IDonationEscrow.NeedView memory n = escrow.need(handler.needIds(i));
            books[n.asset == address(0) ? 0 : 1] += uint256(n.raised) - n.released - n.returned;
        }
        for (uint256 i; i < handler.offerCount(); ++i) {
            IDonationEscrow.OfferView memory o = escrow.offer(handler.offerIds(i));
            books[escrow.need(o.needId).asset == address(0) ? 0 : 1] += o.earned;
        }
        for (uint256 d; d < 4; ++d) {
            books[0] += escrow.creditOf(address(0), handler.donorAt(d));
            books[1] += escrow.creditOf(address(token), handler.donorAt(d));
        }
        assertEq(escrow.owed(address(0)), books[0], "owed ETH = needs' unspent + earnings + credits");
        assertEq(escrow.owed(address(token)), books[1], "owed token = needs' unspent + earnings + credits");
    }

    /// @notice No donor takes out more than it paid in, per asset.
    function invariant_donorsTakeOutNoMoreThanTheyPaid() public view {
        for (uint256 d; d < 4; ++d) {
            address donor = handler.donorAt(d);
            assertLe(handler.takenOut(address(0), donor), handler.paidIn(address(0), donor), "donor ETH out <= in");
            assertLe(
                handler.takenOut(address(token), donor),
                handler.paidIn(address(token), donor),
                "donor token out <= in"
            );
        }
    }

    /// @notice No donor gets back more of a need than it gave minus its pro-rata part of what was released (plus at
    /// most one unit of rounding dust per donor of the need, which goes to the last claimant).
    function invariant_donorsShareReleasesProRata() public view {
        for (uint256 i; i < handler.needCount(); ++i) {
            uint256 needId = handler.needIds(i);
            IDonationEscrow.NeedView memory n = escrow.need(needId);
            assertLe(
                uint256(n.reserved) + n.released + n.returned,
                n.raised,
                "reserved + released + returned <= raised"
            );
            if (n.raised == 0) continue;
            for (uint256 d; d < 4; ++d) {
                IDonationEscrow.GiftView memory g = escrow.giftOf(needId, handler.donorAt(d));
                uint256 releasedShare = (uint256(g.given) * n.released) / n.raised;
                assertLe(
                    g.claimed,
                    g.given - releasedShare + handler.donorsOf(needId),
                    "claimed <= given - released share"
                );
            }
        }
    }

    /// @notice No supplier is paid more than received quantity × price, nor more than it was accepted for; each need's
    /// reservation is exactly its active offers' remaining quantity × price.
    function invariant_suppliersArePaidOnlyForReceipts() public view {
        uint256[] memory reservedByNeed = new uint256[](handler.needCount() + 1);
        for (uint256 i; i < handler.offerCount(); ++i) {
            uint256 offerId = handler.offerIds(i);
            IDonationEscrow.OfferView memory o = escrow.offer(offerId);
            uint256 paid = uint256(o.earned) + handler.collected(offerId);
            assertLe(paid, handler.receivedFor(offerId) * o.unitPrice, "paid <= received x price");
            if (o.status == IDonationEscrow.OfferStatus.Active) {
                reservedByNeed[o.needId] += uint256(o.remaining) * o.unitPrice;
            }
        }
        for (uint256 i; i < handler.needCount(); ++i) {
            uint256 needId = handler.needIds(i);
            assertEq(
                escrow.need(needId).reserved,
                reservedByNeed[needId],
                "reserved = active offers' remaining x price"
            );
        }
    }

    /// @notice The handler reaches every action on a plain path (so the campaign exercises them), and the invariants
    /// hold along it.
    function test_handlerReachesEveryAction() public {
        for (uint256 d; d < 4; ++d) handler.donate(d, 0, 2e14);
        handler.offerAndAccept(0, 0, 100, 5e11);
        handler.offerAndAccept(0, 1, 50, 1e12);
        handler.shipAndReceive(0, 80, 0); // received in full
        handler.shipAndReceive(1, 60, 3); // half received
        handler.release(0, 1);
        handler.release(1, 1);
        handler.collect(0);
        handler.closeOffer(1, true);
        handler.warp(20 days);
        handler.redirect(0, 0, 1); // need 1 closed after 10 days; need 2 still open
        handler.refund(1, 0);
        handler.withdraw(3, false);
        handler.cancel(1);
        handler.refund(2, 1);
        bytes4[9] memory reached = [
            DonationHandler.donate.selector,
            DonationHandler.offerAndAccept.selector,
            DonationHandler.shipAndReceive.selector,
            DonationHandler.release.selector,
            DonationHandler.collect.selector,
            DonationHandler.closeOffer.selector,
            DonationHandler.refund.selector,
            DonationHandler.cancel.selector,
            DonationHandler.warp.selector
        ];
        for (uint256 i; i < reached.length; ++i) assertGt(handler.successes(reached[i]), 0, "the action succeeded");
        invariant_holdsWhatItOwes();
        invariant_owedIsAccountedFor();
        invariant_donorsTakeOutNoMoreThanTheyPaid();
        invariant_donorsShareReleasesProRata();
        invariant_suppliersArePaidOnlyForReceipts();
    }

    /// @notice A shipment made under one offer whose reference names the supplier's next offer is a real receipt for
    /// that next offer: the escrow pays it, and the ghost counts it there.
    function test_shipmentNamingTheSuppliersNextOfferPaysThatOffer() public {
        for (uint256 d; d < 4; ++d) handler.donate(d, 0, 2e14);
        for (uint256 i; i < 3; ++i) handler.offerAndAccept(0, 0, 100, 5e11);
        uint256 next = handler.offerIds(1);
        assertEq(next, handler.offerIds(0) + 1, "the supplier's offers are consecutive");
        handler.shipAndReceive(0, 80, 4); // made under the first offer, names the second
        handler.release(0, 4); // offer seed 4 picks the second offer
        assertGt(escrow.offer(next).earned, 0, "the named offer was paid");
        assertEq(handler.receivedFor(next), 80, "the receipt counts for the named offer");
        assertEq(handler.receivedFor(handler.offerIds(0)), 0, "and not for the offer it was made under");
        invariant_suppliersArePaidOnlyForReceipts();
    }

    /// @notice Shows how often each action succeeded (run with -vv).
    function invariant_callSummary() public {
        bytes4[12] memory actions = [
            DonationHandler.postNeed.selector,
            DonationHandler.cancel.selector,
            DonationHandler.donate.selector,
            DonationHandler.offerAndAccept.selector,
            DonationHandler.shipAndReceive.selector,
            DonationHandler.release.selector,
            DonationHandler.closeOffer.selector,
            DonationHandler.collect.selector,
            DonationHandler.refund.selector,
            DonationHandler.redirect.selector,
            DonationHandler.withdraw.selector,
            DonationHandler.warp.selector
        ];
        string[12] memory names = [
            "postNeed",
            "cancel",
            "donate",
            "offerAndAccept",
            "shipAndReceive",
            "release",
            "closeOffer",
            "collect",
            "refund",
            "redirect",
            "withdraw",
            "warp"
        ];
        for (uint256 i; i < actions.length; ++i) emit log_named_uint(names[i], handler.successes(actions[i]));
        assertGe(handler.successes(DonationHandler.postNeed.selector), 2, "the seeded needs were posted");
    }
}
