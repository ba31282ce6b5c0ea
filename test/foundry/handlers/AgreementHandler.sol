// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// Test code: refused calls are skipped on purpose (empty catch blocks).
// solhint-disable no-empty-blocks

import {IBatchLedger} from "../../../contracts/trace/IBatchLedger.sol";
import {ShipmentStatus} from "../../../contracts/trace/TraceTypes.sol";
import {
    AgreementParty,
    AgreementStatus,
    ISupplyAgreements,
    Ruling
} from "../../../contracts/money/ISupplyAgreements.sol";
import {SupplyAgreements} from "../../../contracts/money/SupplyAgreements.sol";
import {TestToken} from "../../../contracts/mocks/tokens/TestToken.sol";
import {TestBase} from "../utils/Test.sol";

/// @notice The only target of the agreements' invariant campaign. It opens agreements with random terms (some left
/// proposed, retracted or cancelled), ships under them through the ledger with random pick-up, delivery and receipt
/// steps (refusals, returns to the sender and reclaims too), records deliveries, files claims that are ruled (any way)
/// or lapse, ships rejected goods back, claims and rules force majeure, terminates, settles, withdraws, and lets time
/// pass. Calls that the contract refuses are simply skipped (try/catch): the invariants are about money, not about
/// which calls succeed. Ghosts count what went into the contract and what came out, and every refunded return the
/// supplier did not have at the time.
contract AgreementHandler is TestBase {
    /// @notice Agreements stop being opened here, to keep each invariant check cheap.
    uint256 public constant MAX_AGREEMENTS = 8;
    /// @notice Shipments stop here.
    uint256 public constant MAX_SHIPMENTS = 48;

    SupplyAgreements public immutable agreements;
    IBatchLedger public immutable ledger;
    TestToken public immutable token;
    bytes32 public immutable batchId;
    uint64 public immutable gtin;
    address public immutable buyer;
    address public immutable supplier;
    address public immutable carrier;
    address public immutable regulator;
    uint32 public immutable buyerOrgId;
    uint32 public immutable supplierOrgId;
    uint32 public immutable carrierOrgId;

    ISupplyAgreements.Terms[] private _terms;
    uint256[] private _ids;
    IBatchLedger.Shipment[] private _shipments;
    uint256[] private _shipmentAgreement; // index into _terms
    bool[] private _isReturn;
    uint256 private _lastClaimed;

    /// @notice The handler rebuilt a shipment whose id differs from the ledger's.
    error ShipmentRebuiltWrongly(bytes32 shipmentId);

    /// @notice Tokens that went into the contract (collateral and funding).
    uint256 public ghostIn;
    /// @notice Tokens that came out (withdrawals).
    uint256 public ghostOut;
    /// @notice Returns refunded for more than the ledger showed the supplier had when recorded: received (or stated
    /// received by a regulator), or the quantity shipped once a silent supplier's receipt window had passed.
    uint256 public ghostUnbackedReturns;
    /// @notice Calls that succeeded, per kind, for the campaign's summary.
    mapping(bytes32 kind => uint256 count) public succeeded;

    struct Wiring {
        SupplyAgreements agreements;
        IBatchLedger ledger;
        TestToken token;
        bytes32 batchId;
        uint64 gtin;
        address buyer;
        address supplier;
        address carrier;
        address regulator;
        uint32 buyerOrgId;
        uint32 supplierOrgId;
        uint32 carrierOrgId;
    }

    constructor(Wiring memory w) {
        agreements = w.agreements;
        ledger = w.ledger;
        token = w.token;
        batchId = w.batchId;
        gtin = w.gtin;
        buyer = w.buyer;
        supplier = w.supplier;
        carrier = w.carrier;
        regulator = w.regulator;
        buyerOrgId = w.buyerOrgId;
        supplierOrgId = w.supplierOrgId;
        carrierOrgId = w.carrierOrgId;
        address[3] memory parties = [w.buyer, w.supplier, w.carrier];
        for (uint256 i; i < 3; ++i) {
            w.token.mint(parties[i], type(uint128).max);
            vm.prank(parties[i]);
            w.token.approve(address(w.agreements), type(uint256).max);
        }
    }

    // ------------------------------------------------------------------ formation

    /// @notice Proposes random terms and takes them to `stage`: 0 proposed, 1 supplier signed, 2 both, 3 active.
    function open(uint256 seed, uint8 stage) external {
        if (_terms.length >= MAX_AGREEMENTS) return;
        ISupplyAgreements.Terms memory t = _randomTerms(seed);
        vm.prank(buyer);
        uint256 id = agreements.propose(t);
        _terms.push(t);
        _ids.push(id);
        stage = uint8(bound(stage, 0, 3));
        if (stage >= 1) _sign(supplier, id, t, t.supplierCollateral);
        if (stage >= 2) _sign(carrier, id, t, t.carrierCollateral);
        if (stage >= 3) {
            uint256 amount = uint256(t.quantity) * t.unitPrice + t.carrierFee;
            vm.prank(buyer);
            agreements.fund(id, t);
            ghostIn += amount;
        }
    }

    /// @notice Signs whatever is missing and funds an agreement still proposed.
    function complete(uint256 index) external {
        if (_terms.length == 0) return;
        (uint256 id, ISupplyAgreements.Terms memory t) = _pick(index);
        ISupplyAgreements.AgreementView memory v = agreements.agreement(id);
        if (v.status != AgreementStatus.Proposed) return;
        if (!v.supplierSigned) _sign(supplier, id, t, t.supplierCollateral);
        if (!v.carrierSigned) _sign(carrier, id, t, t.carrierCollateral);
        vm.prank(buyer);
        try agreements.fund(id, t) {
            ghostIn += uint256(t.quantity) * t.unitPrice + t.carrierFee;
            ++succeeded["fund"];
        } catch {}
    }

    /// @notice The supplier or the carrier retracts; or someone cancels.
    function retractOrCancel(uint256 index, uint8 who) external {
        if (_terms.length == 0) return;
        (uint256 id, ISupplyAgreements.Terms memory t) = _pick(index);
        who = uint8(bound(who, 0, 2));
        address account = who == 0 ? buyer : (who == 1 ? supplier : carrier);
        vm.prank(account);
        if (who == 0) {
            try agreements.cancel(id, t) {
                ++succeeded["cancel"];
            } catch {}
        } else {
            try agreements.retract(id, t) {
                ++succeeded["retract"];
            } catch {}
        }
    }

    // ------------------------------------------------------------------ custody

    /// @notice The supplier ships part of the agreement's quantity to the buyer, or the buyer ships goods back.
    function ship(uint256 index, uint256 quantity, bool back) external {
        if (_terms.length == 0 || _shipments.length >= MAX_SHIPMENTS) return;
        index = bound(index, 0, _terms.length - 1);
        ISupplyAgreements.Terms memory t = _terms[index];
        uint256 most = t.quantity;
        // Goods go back from what the buyer holds: without this cap, most return shipments would be skipped.
        if (back) most = _min(most, ledger.holdingOf(batchId, buyerOrgId));
        if (most == 0) return;
        quantity = bound(quantity, 1, most);
        bytes32 ref = agreements.agreementRef(_ids[index]);
        IBatchLedger.Shipment memory s;
        s.batchId = batchId;
        s.carrierOrgId = carrierOrgId;
        s.quantity = quantity;
        s.ref = ref;
        s.sequence = ledger.batch(batchId).recordCount;
        address sender = back ? buyer : supplier;
        s.fromOrgId = back ? buyerOrgId : supplierOrgId;
        s.toOrgId = back ? supplierOrgId : buyerOrgId;
        if (ledger.holdingOf(batchId, s.fromOrgId) < quantity) return;
        s.fromGln = _gln(sender);
        s.toGln = _gln(back ? supplier : buyer);
        vm.prank(sender);
        bytes32 id = ledger.ship(batchId, s.toOrgId, quantity, carrierOrgId, ref, bytes32("doc"), 0, 0);
        if (id != keccak256(abi.encode(s))) revert ShipmentRebuiltWrongly(id);
        _shipments.push(s);
        _shipmentAgreement.push(index);
        _isReturn.push(back);
    }

    /// @notice Moves a shipment one step: pick-up, delivery, receipt of part or all, a regulator's settlement, the
    /// recipient's refusal, the carrier bringing refused goods back, or the sender's reclaim.
    function step(uint256 index, uint8 action, uint256 received) external {
        if (_shipments.length == 0) return;
        IBatchLedger.Shipment memory s = _shipments[bound(index, 0, _shipments.length - 1)];
        action = uint8(bound(action, 0, 6));
        received = bound(received, 0, s.quantity);
        address recipient = s.toOrgId == buyerOrgId ? buyer : supplier;
        if (action == 4) {
            vm.prank(recipient);
            try ledger.refuse(s, bytes32("refusal")) {} catch {}
        } else if (action == 5) {
            vm.prank(carrier);
            try ledger.recordReturn(s) {} catch {}
        } else if (action == 6) {
            vm.prank(recipient == buyer ? supplier : buyer);
            try ledger.reclaim(s) {} catch {}
        } else if (action == 0) {
            vm.prank(carrier);
            try ledger.pickUp(s) {} catch {}
        } else if (action == 1) {
            vm.prank(carrier);
            try ledger.deliver(s) {} catch {}
        } else if (action == 2) {
            vm.prank(recipient);
            try ledger.receiveShipment(s, received, true) {} catch {}
        } else {
            vm.prank(regulator);
            try ledger.settle(s, received, bytes32("reasons")) {} catch {}
        }
    }

    /// @notice The buyer ships goods awaiting return back to the supplier, which receives part or all, refuses, or
    /// lets the delivery stand; then anyone tries to record the return (later `record` calls may try again).
    function returnGoods(uint256 index, uint256 quantity, uint8 outcome, uint256 received) external {
        if (_terms.length == 0 || _shipments.length >= MAX_SHIPMENTS) return;
        index = bound(index, 0, _terms.length - 1);
        uint256 pending = agreements.agreement(_ids[index]).pendingReturn;
        if (pending == 0) return;
        uint256 last = _shipments.length;
        this.ship(index, bound(quantity, 1, pending), true);
        if (_shipments.length == last) return; // nothing was shipped
        outcome = uint8(bound(outcome, 0, 4));
        if (outcome == 0) {
            this.step(last, 2, received); // received, part or all
        } else if (outcome == 1) {
            this.step(last, 3, received); // settled by a regulator
        } else if (outcome == 2) {
            this.step(last, 4, 0); // refused
        } else if (outcome == 3) {
            this.step(last, 0, 0); // picked up and delivered: the receipt window runs
            this.step(last, 1, 0);
        }
        this.record(last, 0);
    }

    /// @notice Records a delivery, a return, or flags a missed pick-up.
    function record(uint256 index, uint8 action) external {
        if (_shipments.length == 0) return;
        index = bound(index, 0, _shipments.length - 1);
        IBatchLedger.Shipment memory s = _shipments[index];
        (uint256 id, ISupplyAgreements.Terms memory t) = _pick(_shipmentAgreement[index]);
        if (_isReturn[index]) {
            uint256 returnedBefore = agreements.agreement(id).returned;
            try agreements.recordReturn(id, t, s) {
                ++succeeded["return"];
                if (agreements.agreement(id).returned - returnedBefore > _supplierHas(s)) ++ghostUnbackedReturns;
            } catch {}
        } else if (action % 4 == 0) {
            vm.prank(supplier);
            try agreements.flagMissedPickUp(id, t, s) {
                ++succeeded["flag"];
            } catch {}
        } else {
            try agreements.recordDelivery(id, t, s) {
                ++succeeded["delivery"];
            } catch {}
        }
    }

    // ------------------------------------------------------------------ claims and force majeure

    /// @notice The buyer claims, a regulator rules (any way), or anyone lapses the claim.
    function claim(uint256 index, uint40 quantity, uint8 action) external {
        if (_terms.length == 0) return;
        action = uint8(bound(action, 0, 4));
        // Rulings and lapses go to the agreement claimed last (most claims are ruled in time).
        if (action != 0) index = _lastClaimed;
        (uint256 id, ISupplyAgreements.Terms memory t) = _pick(index);
        if (action == 0) {
            ISupplyAgreements.AgreementView memory v = agreements.agreement(id);
            uint256 open = uint256(v.delivered) - v.returned - v.pendingReturn;
            quantity = uint40(bound(quantity, 1, open == 0 ? 1 : open));
            vm.prank(buyer);
            try agreements.fileClaim(id, t, quantity, bytes32("evidence")) {
                _lastClaimed = bound(index, 0, _terms.length - 1);
                ++succeeded["claim"];
            } catch {}
        } else if (action == 4) {
            try agreements.lapseClaim(id, t) {
                ++succeeded["lapse"];
            } catch {}
        } else {
            vm.prank(regulator);
            try agreements.ruleClaim(id, t, Ruling(action), bytes32("reasons")) {
                ++succeeded["ruling"];
            } catch {}
        }
    }

    /// @notice The supplier or the carrier claims force majeure, or a regulator rules one.
    function forceMajeure(uint256 index, uint8 action, bool accepted) external {
        if (_terms.length == 0) return;
        (uint256 id, ISupplyAgreements.Terms memory t) = _pick(index);
        action = uint8(bound(action, 0, 3));
        if (action < 2) {
            vm.prank(action == 0 ? supplier : carrier);
            try agreements.claimForceMajeure(id, t, bytes32("evidence")) {} catch {}
        } else {
            vm.prank(regulator);
            AgreementParty party = action == 2 ? AgreementParty.Supplier : AgreementParty.Carrier;
            try agreements.ruleForceMajeure(id, t, party, accepted, bytes32("reasons")) {} catch {}
        }
    }

    // ------------------------------------------------------------------ ending and money

    /// @notice The buyer (or a stranger) terminates, or anyone settles.
    function finish(uint256 index, bool terminate) external {
        if (_terms.length == 0) return;
        (uint256 id, ISupplyAgreements.Terms memory t) = _pick(index);
        if (terminate) {
            vm.prank(buyer);
            try agreements.terminate(id, t) {
                ++succeeded["terminate"];
            } catch {}
        } else {
            try agreements.settle(id, t) {
                ++succeeded["settle"];
            } catch {}
        }
    }

    /// @notice One of the three parties withdraws its credit.
    function withdraw(uint8 who) external {
        address account = [buyer, supplier, carrier][bound(who, 0, 2)];
        if (agreements.creditOf(address(token), account) == 0) return;
        vm.prank(account);
        ghostOut += agreements.withdraw(address(token));
    }

    /// @notice Time passes: up to 20 days.
    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + bound(seconds_, 1, 20 days));
    }

    // ------------------------------------------------------------------ views for the invariants

    /// @notice Every agreement's id and terms.
    function all() external view returns (uint256[] memory ids, ISupplyAgreements.Terms[] memory terms) {
        return (_ids, _terms);
    }

    /// @notice The credits of the three parties.
    function credits() external view returns (uint256 total) {
        address[3] memory parties = [buyer, supplier, carrier];
        for (uint256 i; i < 3; ++i) total += agreements.creditOf(address(token), parties[i]);
    }

    // ------------------------------------------------------------------ helpers

    function _pick(uint256 index) private view returns (uint256 id, ISupplyAgreements.Terms memory t) {
        index = bound(index, 0, _terms.length - 1);
        return (_ids[index], _terms[index]);
    }

    function _min(uint256 x, uint256 y) private pure returns (uint256) {
        return x < y ? x : y;
    }

    /// @dev What the ledger shows the supplier has of a return shipment now.
    function _supplierHas(IBatchLedger.Shipment memory s) private view returns (uint256) {
        IBatchLedger.ShipmentRecord memory r = ledger.shipmentState(keccak256(abi.encode(s)));
        if (r.status == ShipmentStatus.Received || r.status == ShipmentStatus.Settled) return r.received;
        if (r.status == ShipmentStatus.Delivered && block.timestamp > uint256(r.deliveredAt) + ledger.receiptWindow()) {
            return s.quantity;
        }
        return 0;
    }

    function _sign(address account, uint256 id, ISupplyAgreements.Terms memory t, uint256 collateral) private {
        bytes32 termsHash = keccak256(abi.encode(t));
        vm.prank(account);
        try agreements.sign(id, termsHash, t) {
            ghostIn += collateral;
        } catch {}
    }

    function _randomTerms(uint256 seed) private view returns (ISupplyAgreements.Terms memory t) {
        t.buyerOrgId = buyerOrgId;
        t.supplierOrgId = supplierOrgId;
        t.carrierOrgId = carrierOrgId;
        t.gtin = gtin;
        t.specHash = keccak256(abi.encode("spec", seed));
        t.quantity = uint40(bound(seed % 1000, 1, 999));
        t.unitPrice = uint128(bound(uint256(keccak256(abi.encode(seed, 1))) % 1e18, 1, 1e18));
        t.carrierFee = uint128(uint256(keccak256(abi.encode(seed, 2))) % 1e18);
        t.asset = address(token);
        t.handOverDeadline = uint32(
            block.timestamp + bound(uint256(keccak256(abi.encode(seed, 3))) % 20 days, 1 hours, 20 days)
        );
        t.transitAllowance = uint32(bound(seed % 5 days, 1 hours, 5 days));
        t.penaltyPeriod = uint32(bound((seed >> 8) % 3 days, 1, 3 days));
        t.penaltyBps = uint16((seed >> 16) % 10_001);
        t.penaltyCapBps = uint16((seed >> 32) % 10_001);
        t.terminationDelay = uint32((seed >> 48) % 10 days);
        t.defectBps = uint16((seed >> 64) % 10_001);
        t.minShelfLife = uint32((seed >> 80) % 365 days);
        t.inspectionWindow = uint32(bound((seed >> 96) % 10 days, 1, 10 days));
        t.rulingWindow = uint32(bound((seed >> 112) % 10 days, 1, 10 days));
        t.forceMajeure = (seed >> 128) % 2 == 0;
        uint256 minimum =
            (uint256(t.quantity) * t.unitPrice * t.penaltyCapBps) / 10_000 +
                (uint256(t.quantity) * t.unitPrice * t.defectBps) / 10_000;
        t.supplierCollateral = uint128(minimum + ((seed >> 136) % 1e15));
        t.carrierCollateral = uint128(minimum + ((seed >> 144) % 1e15));
    }

    /// @dev The GLN of an account's organisation's site 0, read from the ledger's shipments is not possible: the
    /// invariant contract tells the handler by naming the site GLNs after the accounts.
    function _gln(address account) private view returns (uint64) {
        return account == buyer ? buyerGln : (account == supplier ? supplierGln : 0);
    }

    uint64 public buyerGln;
    uint64 public supplierGln;

    /// @notice The invariant contract tells the handler the parties' site GLNs.
    function setGlns(uint64 buyerGln_, uint64 supplierGln_) external {
        buyerGln = buyerGln_;
        supplierGln = supplierGln_;
    }
}
