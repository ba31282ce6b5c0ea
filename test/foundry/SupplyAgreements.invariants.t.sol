// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// Test code: assertion messages are longer than 32 bytes on purpose.
// solhint-disable gas-small-strings, func-name-mixedcase, function-max-lines

import {BusinessRole} from "../../contracts/alliance/AllianceTypes.sol";
import {TestToken} from "../../contracts/mocks/tokens/TestToken.sol";
import {AgreementStatus, ISupplyAgreements} from "../../contracts/money/ISupplyAgreements.sol";
import {SupplyAgreements} from "../../contracts/money/SupplyAgreements.sol";
import {BatchLedger} from "../../contracts/trace/BatchLedger.sol";
import {IBatchLedger} from "../../contracts/trace/IBatchLedger.sol";
import {ProductCatalog} from "../../contracts/trace/ProductCatalog.sol";
import {Category} from "../../contracts/trace/TraceTypes.sol";
import {AgreementHandler} from "./handlers/AgreementHandler.sol";
import {AllianceSetup} from "./utils/AllianceSetup.sol";

/// @notice DESIGN "Money": the agreements contract always holds at least what it owes, every unit it took in is
/// either still owed or was withdrawn, and once every agreement has ended nothing is locked: all it owes is
/// withdrawable credit. Driven by random agreements, deliveries, claims, rulings, returns, force majeure,
/// terminations, settlements, withdrawals and time.
contract SupplyAgreementsInvariants is AllianceSetup {
    uint64 internal constant MASK = 614_141_000_029; // 0061414100002 + check digit
    uint64 internal constant SITE_MAKER = 614_141_000_012; // GLN 061414100001 + check digit
    uint64 internal constant SITE_HOSPITAL = 614_141_100_019; // GLN 061414110001 + check digit

    ProductCatalog internal catalog;
    BatchLedger internal ledger;
    SupplyAgreements internal agreements;
    TestToken internal token;
    AgreementHandler internal handler;

    function setUp() public {
        address governor = makeAddr("governor");
        address regulator = makeAddr("regulator");
        address maker = makeAddr("maker");
        address hospital = makeAddr("hospital");
        address carrier = makeAddr("carrier");
        _deployRegistry(governor, regulator);
        uint32 makerOrgId = _admit(maker, regulator, "Northwind Masks", BusinessRole.Manufacturer, _makerPrefixes());
        uint32 hospitalOrgId = _admit(hospital, regulator, "City General", BusinessRole.Hospital);
        uint32 carrierOrgId = _admit(carrier, regulator, "Swift Carriers", BusinessRole.Logistics);
        vm.prank(maker);
        registry.registerSite(SITE_MAKER, "plant");
        vm.prank(hospital);
        registry.registerSite(SITE_HOSPITAL, "stores");

        (catalog, ledger) = _deployTrace();
        _approveProduct(
            catalog,
            maker,
            regulator,
            MASK,
            Category.ProtectiveEquipment,
            14 days,
            keccak256("spec"),
            keccak256("certificate")
        );
        bytes32 batchId = _commission(maker, regulator);

        agreements = new SupplyAgreements(registry, ledger);
        token = new TestToken("Health Dollar", "HUSD", 18);
        vm.prank(governor);
        agreements.setAssetApproved(address(token), true);

        handler = new AgreementHandler(
            AgreementHandler.Wiring({
                agreements: agreements,
                ledger: ledger,
                token: token,
                batchId: batchId,
                gtin: MASK,
                buyer: hospital,
                supplier: maker,
                carrier: carrier,
                regulator: regulator,
                buyerOrgId: hospitalOrgId,
                supplierOrgId: makerOrgId,
                carrierOrgId: carrierOrgId
            })
        );
        handler.setGlns(SITE_HOSPITAL, SITE_MAKER);
        handler.open(12_345, 3);
        handler.ship(0, 10, false);

        targetContract(address(handler));
        bytes4[] memory selectors = new bytes4[](14);
        selectors[0] = AgreementHandler.open.selector;
        selectors[1] = AgreementHandler.complete.selector;
        selectors[2] = AgreementHandler.retractOrCancel.selector;
        selectors[3] = AgreementHandler.ship.selector;
        selectors[4] = AgreementHandler.step.selector;
        selectors[5] = AgreementHandler.record.selector;
        selectors[6] = AgreementHandler.claim.selector;
        selectors[7] = AgreementHandler.forceMajeure.selector;
        selectors[8] = AgreementHandler.finish.selector;
        selectors[9] = AgreementHandler.withdraw.selector;
        selectors[10] = AgreementHandler.warp.selector;
        selectors[11] = AgreementHandler.step.selector; // custody steps twice as often: deliveries feed the rest
        selectors[12] = AgreementHandler.record.selector;
        selectors[13] = AgreementHandler.returnGoods.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    /// @notice The contract's token balance covers everything it owes.
    /// forge-config: default.invariant.depth = 50
    function invariant_holdsAtLeastWhatItOwes() public view {
        assertGe(token.balanceOf(address(agreements)), agreements.owed(address(token)), "balance >= owed");
    }

    /// @notice Every unit taken in is still owed or was withdrawn: owed == collected - withdrawn.
    /// forge-config: default.invariant.depth = 50
    function invariant_owedIsCollectedMinusWithdrawn() public view {
        assertEq(agreements.owed(address(token)), handler.ghostIn() - handler.ghostOut(), "owed == in - out");
        assertEq(token.balanceOf(address(agreements)), handler.ghostIn() - handler.ghostOut(), "no leak, no surplus");
    }

    /// @notice Credits never exceed what is owed; once every agreement has ended, everything owed is credited.
    /// forge-config: default.invariant.depth = 50
    function invariant_nothingLockedOnceEveryAgreementEnded() public view {
        uint256 credited = handler.credits();
        uint256 owed = agreements.owed(address(token));
        assertLe(credited, owed, "credits <= owed");
        (uint256[] memory ids, ) = handler.all();
        for (uint256 i; i < ids.length; ++i) {
            AgreementStatus status = agreements.agreement(ids[i]).status;
            if (status != AgreementStatus.Settled && status != AgreementStatus.Cancelled) return;
        }
        assertEq(credited, owed, "every ended agreement credited all it held");
    }

    /// @notice Accrued late penalties never exceed the cap, and an agreement never counts more delivered than agreed.
    /// forge-config: default.invariant.depth = 50
    function invariant_penaltiesCappedAndDeliveriesBounded() public view {
        (uint256[] memory ids, ISupplyAgreements.Terms[] memory terms) = handler.all();
        for (uint256 i; i < ids.length; ++i) {
            ISupplyAgreements.AgreementView memory v = agreements.agreement(ids[i]);
            uint256 cap = (uint256(terms[i].quantity) * terms[i].unitPrice * terms[i].penaltyCapBps) / 10_000;
            assertLe(v.supplierLatePenalty, cap, "supplier's late penalty within the cap");
            assertLe(v.carrierLatePenalty, cap, "carrier's late penalty within the cap");
            assertLe(v.delivered, terms[i].quantity, "delivered within the quantity");
            assertLe(uint256(v.returned) + v.pendingReturn, v.delivered, "rejected within delivered");
        }
    }

    /// @notice A return is refunded only for what the supplier has: received, settled, or a silent supplier's.
    /// forge-config: default.invariant.depth = 50
    function invariant_refundsOnlyReturnsTheSupplierHas() public view {
        assertEq(handler.ghostUnbackedReturns(), 0, "no refund for a return the supplier does not have");
    }

    /// @notice The handler drives a whole lifecycle: the seeded agreement is delivered, recorded, settled and paid out.
    function test_handlerCompletesALifecycle() public {
        (uint256[] memory ids, ISupplyAgreements.Terms[] memory terms) = handler.all();
        handler.step(0, 0, 0); // pick-up
        handler.step(0, 1, 0); // delivery
        handler.step(0, 2, 10); // receipt in full
        handler.record(0, 1);
        assertEq(handler.succeeded("delivery"), 1, "the delivery was recorded");
        handler.ship(0, terms[0].quantity - 10, false);
        handler.step(1, 2, terms[0].quantity - 10);
        handler.record(1, 1);
        assertEq(agreements.agreement(ids[0]).delivered, terms[0].quantity, "everything delivered");
        handler.warp(20 days);
        handler.finish(0, false);
        assertEq(handler.succeeded("settle"), 1, "settled");
        for (uint8 who; who < 3; ++who) handler.withdraw(who);
        assertEq(agreements.owed(address(token)), 0, "everything withdrawn");
        assertEq(token.balanceOf(address(agreements)), 0, "nothing left behind");
    }

    /// @notice Rejected goods shipped back are refunded only once the supplier received them, and only what it got.
    function test_handlerRefundsOnlyWhatTheSupplierReceived() public {
        (uint256[] memory ids, ) = handler.all();
        handler.step(0, 2, 10); // the seeded delivery, received in full
        handler.record(0, 1);
        handler.claim(0, 10, 0); // the buyer claims all ten
        handler.claim(0, 0, 1); // a regulator rules the supplier at fault
        assertEq(agreements.agreement(ids[0]).pendingReturn, 10, "ten await return");
        handler.ship(0, 10, true); // shipment 1: the ten go back
        handler.record(1, 0);
        assertEq(handler.succeeded("return"), 0, "in transit: not a return yet");
        handler.step(1, 4, 0); // the supplier refuses
        handler.record(1, 0);
        assertEq(handler.succeeded("return"), 0, "refused: not a return");
        handler.step(1, 5, 0); // the carrier brings them back to the buyer
        handler.ship(0, 10, true); // shipment 2: shipped again
        handler.step(2, 2, 6); // the supplier receives six
        handler.record(2, 0);
        handler.record(2, 0); // the same shipment again: refused
        assertEq(handler.succeeded("return"), 1, "recorded once");
        ISupplyAgreements.AgreementView memory v = agreements.agreement(ids[0]);
        assertEq(v.returned, 6, "six returned");
        assertEq(v.pendingReturn, 4, "four still awaited");
        assertEq(handler.ghostUnbackedReturns(), 0, "backed by the ledger");
    }

    /// @notice Whatever happens to a return shipment on the ledger, the refund counts only what the supplier has:
    /// received or settled (the quantity stated), a silent supplier's past the receipt window (all), else nothing.
    function testFuzz_returnRefundsOnlyWhatTheSupplierHas(
        uint256 quantity,
        uint8 outcome,
        uint256 received,
        uint256 wait
    ) public {
        (uint256[] memory ids, ) = handler.all();
        handler.step(0, 2, 10); // the seeded delivery, received in full
        handler.record(0, 1);
        handler.claim(0, 10, 0);
        handler.claim(0, 0, 1); // the supplier at fault: ten await return
        quantity = bound(quantity, 1, 10);
        outcome = uint8(bound(outcome, 0, 4)); // received, settled, refused, delivered, still in transit
        received = bound(received, 0, quantity);
        wait = bound(wait, 1, 4 days);
        handler.returnGoods(0, quantity, outcome, received);
        vm.warp(block.timestamp + wait);
        handler.record(1, 0);
        uint256 expected = outcome < 2 ? received : (outcome == 3 && wait > 2 days ? quantity : 0);
        assertEq(agreements.agreement(ids[0]).returned, expected, "refunded what the supplier has");
        assertEq(agreements.agreement(ids[0]).pendingReturn, 10 - expected, "the rest still awaits return");
        assertEq(handler.ghostUnbackedReturns(), 0, "backed by the ledger");
    }

    // ------------------------------------------------------------------ helpers

    function _commission(address maker, address regulator) private returns (bytes32 batchId) {
        IBatchLedger.CommissionRequest memory request;
        request.gtin = MASK;
        request.lot = bytes32("MK-0001");
        request.quantity = 1e9;
        request.producedAt = uint40(block.timestamp);
        request.expiresAt = uint40(block.timestamp + 10 * 365 days);
        request.docHash = keccak256("batch record");
        request.docURI = "ipfs://batch";
        vm.prank(maker);
        batchId = ledger.commission(request);
        vm.prank(regulator);
        ledger.releaseEarly(batchId, keccak256("reasons"));
    }
}
