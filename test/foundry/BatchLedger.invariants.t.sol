// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// Test code: assertion and outcome messages are longer than 32 bytes on purpose.
// solhint-disable gas-small-strings

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";

import {BusinessRole, Roles} from "../../contracts/alliance/AllianceTypes.sol";
import {BatchLedger} from "../../contracts/trace/BatchLedger.sol";
import {IBatchLedger} from "../../contracts/trace/IBatchLedger.sol";
import {ProductCatalog} from "../../contracts/trace/ProductCatalog.sol";
import {BatchStatus, Category, RecordKind, ShipmentStatus} from "../../contracts/trace/TraceTypes.sol";
import {AllianceSetup} from "./utils/AllianceSetup.sol";
import {OutcomeRecorder} from "./utils/OutcomeRecorder.sol";
import {Vm} from "./utils/Vm.sol";

/// @notice The only target of the ledger's invariant campaign. It commissions batches (consuming released batches
/// it holds as inputs), inspects, notes, records in bulk, releases early, blocks and unblocks, corrects and lets
/// time pass, as the maker, a regulator or a hospital. It also drives custody between six members (the maker, a
/// distributor, a LOGISTICS warehouse, a LOGISTICS carrier, two hospitals): ships on allowed and forbidden routes,
/// returns to the maker (recalled or not), pick-ups and deliveries by the carrier, receipts with random shortfalls,
/// refusals and the carrier's returns, reclaims (refused inside the receipt window, accepted past it), regulator
/// settlements, dispensing by hospitals, destruction by any holder, recalls by a regulator or the maker (one batch or
/// several), cold-chain holds (as a registered ledger module) cleared or destroyed by a regulator, and warps past the
/// receipt window. Shipments are rebuilt from the ship call (sequence = the batch's
/// record count before it) and checked against the returned id. Before each call it predicts from the
/// views whether the call must succeed (an oracle from the NatSpec of IBatchLedger); disagreements are recorded
/// and fail `invariant_handlerSawOnlyExpectedOutcomes`. Ghosts keep what the views cannot tell: how much of each
/// batch was consumed as an input, how many records the handler appended to each batch, and the head rebuilt
/// from the Recorded logs alone.
contract BatchLedgerHandler is OutcomeRecorder {
    /// @notice Commissioning stops here, to keep each invariant check cheap.
    uint256 public constant MAX_BATCHES = 24;
    /// @notice The ledger's correction window in this campaign.
    uint256 public constant CORRECTION_WINDOW = 1 hours;
    /// @notice The ledger's receipt window in this campaign.
    uint256 public constant RECEIPT_WINDOW = 2 days;

    /// @dev Shipment statuses as bit masks (1 << status), for picking a shipment in a given state.
    uint256 private constant IN_TRANSIT = 1 << uint8(ShipmentStatus.InTransit);
    uint256 private constant PICKED_UP = 1 << uint8(ShipmentStatus.PickedUp);
    uint256 private constant DELIVERED = 1 << uint8(ShipmentStatus.Delivered);
    uint256 private constant HELD = 1 << uint8(ShipmentStatus.Held);
    uint256 private constant REFUSED = 1 << uint8(ShipmentStatus.Refused);
    uint256 private constant ARRIVING = IN_TRANSIT | PICKED_UP | DELIVERED;
    uint256 private constant OPEN = ARRIVING | HELD | REFUSED;

    BatchLedger public immutable ledger;
    address public immutable maker;
    uint32 public immutable makerOrgId;
    address public immutable regulator;
    address public immutable hospital;
    uint32 public immutable hospitalOrgId;
    uint64 private immutable _fabric;
    uint64 private immutable _mask;

    bytes32[] private _batchIds;
    uint256 private _lots;

    /// @notice Ghost: quantity commissioned per batch, as requested.
    mapping(bytes32 batchId => uint256) public commissioned;
    /// @notice Ghost: quantity of each batch consumed as an input into other batches.
    mapping(bytes32 batchId => uint256) public consumedAsInput;
    /// @notice Ghost: records the handler's successful calls appended to each batch (counted from the calls made).
    mapping(bytes32 batchId => uint256) public appended;
    /// @notice Ghost: Recorded logs seen per batch.
    mapping(bytes32 batchId => uint256) public logged;
    /// @notice Ghost: the head rebuilt from the Recorded logs alone.
    mapping(bytes32 batchId => bytes32) public rebuiltHead;
    /// @notice Ghost: the record count seen after the previous action.
    mapping(bytes32 batchId => uint256) public lastSeenCount;
    /// @dev The last record of each batch, as logged (what `correct` takes).
    mapping(bytes32 batchId => IBatchLedger.HistoryRecord) private _lastRecord;

    /// @notice Ghost: successful calls into the ledger, per action selector and in all.
    mapping(bytes4 action => uint256) public successes;
    uint256 public successfulCalls;
    /// @notice Ghost: inputs consumed in all (to prove lineage was exercised).
    uint256 public inputsConsumed;

    /// @notice The members taking part in custody (the maker first), their accounts and their roles.
    uint32[] private _members;
    mapping(uint32 orgId => address) public accountOf;
    mapping(uint32 orgId => uint16) public rolesOf;
    mapping(uint32 orgId => uint64) public glnOf;
    /// @notice The two LOGISTICS members that carry shipments (the warehouse also holds stock).
    uint32 public carrierOrgId;
    uint32 public warehouseOrgId;
    /// @notice The hospitals, which dispense.
    uint32[] private _hospitals;

    /// @notice Every shipment made, as rebuilt from the ship call, with its id; and each batch's shipments.
    IBatchLedger.Shipment[] private _shipments;
    bytes32[] private _shipmentIds;
    mapping(bytes32 batchId => uint256[] indices) private _shipmentsOfBatch;
    /// @notice Ghost: the state a shipment was first seen concluded in (None while open), and its delivery time.
    mapping(bytes32 shipmentId => ShipmentStatus) public concludedAs;
    mapping(bytes32 shipmentId => uint256) public concludedDeliveredAt;

    /// @notice Ghost: outflows per batch as the handler's successful calls caused them.
    mapping(bytes32 batchId => uint256) public dispensedGhost;
    mapping(bytes32 batchId => uint256) public destroyedGhost;
    mapping(bytes32 batchId => uint256) public lostGhost;
    /// @notice Ghost: batches recalled by the handler.
    mapping(bytes32 batchId => bool) public recalled;
    /// @notice Ghost: shipments that lost something in transit (shortfalls on receipt or settlement).
    uint256 public shortfalls;

    constructor(
        BatchLedger ledger_,
        address maker_,
        uint32 makerOrgId_,
        address regulator_,
        address hospital_,
        uint32 hospitalOrgId_,
        uint64 fabric,
        uint64 mask
    ) {
        ledger = ledger_;
        maker = maker_;
        makerOrgId = makerOrgId_;
        regulator = regulator_;
        hospital = hospital_;
        hospitalOrgId = hospitalOrgId_;
        _fabric = fabric;
        _mask = mask;
    }

    /// @dev Every action absorbs the Recorded logs it caused and checks that no record count went down.
    modifier observed() {
        vm.recordLogs();
        _;
        _absorb(vm.getRecordedLogs());
        for (uint256 i; i < _batchIds.length; ++i) {
            bytes32 batchId = _batchIds[i];
            (, uint256 count) = ledger.historyOf(batchId);
            if (count < lastSeenCount[batchId]) _unexpected("a batch's recordCount went down");
            lastSeenCount[batchId] = count;
        }
    }

    // ================================================================== commissioning

    /// @notice The maker commissions a fabric or mask batch from up to three released batches it holds.
    function commission(
        uint256 productSeed,
        uint256 quantitySeed,
        uint256 expirySeed,
        uint256 inputSeed
    ) external observed {
        if (_batchIds.length >= MAX_BATCHES) return;
        IBatchLedger.CommissionRequest memory request = _request(productSeed, quantitySeed, expirySeed);
        request.inputs = _usableInputs(inputSeed);
        bytes32 expectedId = keccak256(abi.encode(request.gtin, request.lot));

        vm.prank(maker);
        try ledger.commission(request) returns (bytes32 batchId) {
            if (batchId != expectedId) _unexpected("commission: batchId is not keccak256(abi.encode(gtin, lot))");
            _batchIds.push(batchId);
            commissioned[batchId] = request.quantity;
            ++appended[batchId];
            for (uint256 i; i < request.inputs.length; ++i) {
                consumedAsInput[request.inputs[i].batchId] += request.inputs[i].quantity;
                ++appended[request.inputs[i].batchId];
                ++inputsConsumed;
            }
            _succeeded(this.commission.selector);
        } catch (bytes memory reason) {
            _unexpected(string.concat("commission of released, held inputs failed: ", _selectorOf(reason)));
        }
    }

    /// @notice The maker asks for one more unit of a batch than it holds (or for a batch not released): refused,
    /// and nothing changes.
    function overdraw(uint256 batchSeed, uint256 productSeed) external observed {
        if (_batchIds.length == 0) return;
        bytes32 inputId = _pick(batchSeed);
        IBatchLedger.CommissionRequest memory request = _request(productSeed, 1, 0);
        request.inputs = new IBatchLedger.InputUse[](1);
        request.inputs[0] = IBatchLedger.InputUse(inputId, ledger.holdingOf(inputId, makerOrgId) + 1);
        bytes4 expected =
            ledger.batchStatus(inputId) == BatchStatus.Released
                ? IBatchLedger.LedgerInsufficientHolding.selector
                : IBatchLedger.LedgerInputNotUsable.selector;

        vm.prank(maker);
        try ledger.commission(request) returns (bytes32) {
            _unexpected("commission consumed more than the maker held");
        } catch (bytes memory reason) {
            if (bytes4(reason) != expected) _unexpected(string.concat("overdraw: ", _selectorOf(reason)));
        }
    }

    // ================================================================== records

    /// @notice The maker or a regulator records an inspection; both may, on any batch.
    function inspect(uint256 batchSeed, bool passed, bool byRegulator) external observed {
        if (_batchIds.length == 0) return;
        bytes32 batchId = _pick(batchSeed);
        RecordKind kind = passed ? RecordKind.InspectionPassed : RecordKind.InspectionFailed;
        vm.prank(byRegulator ? regulator : maker);
        try ledger.record(IBatchLedger.RecordRequest(batchId, kind, keccak256(abi.encode("report", _lots)))) {
            ++appended[batchId];
            _succeeded(this.inspect.selector);
        } catch (bytes memory reason) {
            _unexpected(string.concat("inspection by the maker or a regulator failed: ", _selectorOf(reason)));
        }
    }

    /// @notice A note by the maker, a regulator, or a hospital that holds none of the batch (refused).
    function note(uint256 batchSeed, uint256 actorSeed) external observed {
        if (_batchIds.length == 0) return;
        bytes32 batchId = _pick(batchSeed);
        uint256 who = actorSeed % 3;
        address actor =
            who == 0
                ? maker
                : who == 1
                    ? regulator
                    : hospital;
        bool expected = actor != hospital || ledger.holdingOf(batchId, hospitalOrgId) != 0;
        vm.prank(actor);
        try
            ledger.record(
                IBatchLedger.RecordRequest(batchId, RecordKind.Note, keccak256(abi.encode("note", actorSeed)))
            )
        {
            if (!expected) _unexpected("record: a member that neither made nor holds the batch wrote a note");
            ++appended[batchId];
            _succeeded(this.note.selector);
        } catch (bytes memory reason) {
            if (expected) _unexpected(string.concat("note failed: ", _selectorOf(reason)));
            else if (bytes4(reason) != IBatchLedger.LedgerRecordNotAllowed.selector) {
                _unexpected(string.concat("note refused with the wrong error: ", _selectorOf(reason)));
            }
        }
    }

    /// @notice The maker records 1 to 8 notes and inspections across batches in one call.
    function recordMany(uint256 seed, uint256 countSeed) external observed {
        if (_batchIds.length == 0) return;
        uint256 count = bound(countSeed, 1, 8);
        IBatchLedger.RecordRequest[] memory requests = new IBatchLedger.RecordRequest[](count);
        for (uint256 i; i < count; ++i) {
            uint256 draw = uint256(keccak256(abi.encode(seed, i)));
            RecordKind kind =
                draw % 3 == 0
                    ? RecordKind.Note
                    : (draw % 3 == 1 ? RecordKind.InspectionPassed : RecordKind.InspectionFailed);
            requests[i] = IBatchLedger.RecordRequest(_pick(draw >> 8), kind, bytes32(draw | 1));
        }
        vm.prank(maker);
        try ledger.recordMany(requests) {
            for (uint256 i; i < count; ++i) ++appended[requests[i].batchId];
            _succeeded(this.recordMany.selector);
        } catch (bytes memory reason) {
            _unexpected(string.concat("recordMany by the maker failed: ", _selectorOf(reason)));
        }
    }

    /// @notice The maker or a regulator corrects the batch's last record.
    function correct(uint256 batchSeed, bool byRegulator) external observed {
        if (_batchIds.length == 0) return;
        bytes32 batchId = _pick(batchSeed);
        IBatchLedger.HistoryRecord memory last = _lastRecord[batchId];
        bool expected =
            last.kind != RecordKind.Correction &&
                (byRegulator ||
                    (last.actor == maker && block.timestamp <= uint256(last.timestamp) + CORRECTION_WINDOW));
        vm.prank(byRegulator ? regulator : maker);
        try ledger.correct(batchId, last, keccak256(abi.encode("reasons", batchSeed))) {
            if (!expected) _unexpected("correct: accepted a correction the rules refuse");
            ++appended[batchId];
            _succeeded(this.correct.selector);
        } catch (bytes memory reason) {
            if (expected) _unexpected(string.concat("correct failed: ", _selectorOf(reason)));
        }
    }

    // ================================================================== regulators

    /// @notice A regulator releases a batch early; only a batch on hold may be.
    function releaseEarly(uint256 batchSeed) external observed {
        if (_batchIds.length == 0) return;
        bytes32 batchId = _pick(batchSeed);
        bool expected = ledger.batchStatus(batchId) == BatchStatus.OnHold;
        vm.prank(regulator);
        try ledger.releaseEarly(batchId, keccak256("early release")) {
            if (!expected) _unexpected("releaseEarly: released a batch that was not on hold");
            ++appended[batchId];
            _succeeded(this.releaseEarly.selector);
            if (ledger.batchStatus(batchId) != BatchStatus.Released) _unexpected("releaseEarly: not Released");
        } catch (bytes memory reason) {
            if (expected) _unexpected(string.concat("releaseEarly failed: ", _selectorOf(reason)));
        }
    }

    /// @notice A regulator blocks the batch, or unblocks it when blocked.
    function toggleBlock(uint256 batchSeed) external observed {
        if (_batchIds.length == 0) return;
        bytes32 batchId = _pick(batchSeed);
        bool blocked = ledger.batch(batchId).blocked;
        vm.prank(regulator);
        if (blocked) {
            try ledger.unblockBatch(batchId, keccak256("unblock")) {
                ++appended[batchId];
                _succeeded(this.toggleBlock.selector);
            } catch (bytes memory reason) {
                _unexpected(string.concat("unblockBatch failed: ", _selectorOf(reason)));
            }
        } else {
            try ledger.blockBatch(batchId, keccak256("block")) {
                ++appended[batchId];
                _succeeded(this.toggleBlock.selector);
                BatchStatus expected = recalled[batchId] ? BatchStatus.Recalled : BatchStatus.Blocked;
                if (ledger.batchStatus(batchId) != expected) _unexpected("blockBatch: not Blocked (or Recalled)");
            } catch (bytes memory reason) {
                _unexpected(string.concat("blockBatch failed: ", _selectorOf(reason)));
            }
        }
    }

    /// @notice Time passes: one minute to twenty days (holds end, corrections windows close, batches expire).
    function warp(uint256 secondsSeed) external observed {
        vm.warp(block.timestamp + bound(secondsSeed, 1 minutes, 20 days));
        ++successfulCalls;
    }

    // ================================================================== members (set up only)

    /// @notice Registers a member taking part in custody (called by the test's setUp, never fuzzed).
    function addMember(uint32 orgId, address account, uint16 roles, uint64 gln) external {
        _members.push(orgId);
        accountOf[orgId] = account;
        rolesOf[orgId] = roles;
        glnOf[orgId] = gln;
        if (roles & Roles.HOSPITAL != 0) _hospitals.push(orgId);
    }

    /// @notice Names the two LOGISTICS members (called by the test's setUp, never fuzzed).
    function setCarriers(uint32 carrier, uint32 warehouse) external {
        carrierOrgId = carrier;
        warehouseOrgId = warehouse;
    }

    // ================================================================== custody

    /// @notice A member holding some of a batch ships part of it to any member (route and status decide), carried
    /// by the carrier or by the warehouse. Returns to the maker are always allowed.
    function ship(
        uint256 batchSeed,
        uint256 fromSeed,
        uint256 toSeed,
        uint256 quantitySeed,
        bool byWarehouse
    ) external observed {
        if (_batchIds.length == 0) return;
        bytes32 batchId = batchSeed % 4 == 0 ? _pick(batchSeed >> 2) : _pickHeldReleased(batchSeed >> 2, false);
        (bool found, uint32 from) = _holderOf(batchId, fromSeed, false);
        if (!found) return;
        uint32 to = _members[toSeed % _members.length];
        uint256 quantity = bound(quantitySeed, 1, ledger.holdingOf(batchId, from));
        bool expected =
            to != from &&
                (to == makerOrgId ||
                    (ledger.batchStatus(batchId) == BatchStatus.Released && _routeAllows(rolesOf[from], rolesOf[to])));
        _ship(batchId, from, to, quantity, byWarehouse ? warehouseOrgId : carrierOrgId, expected);
    }

    /// @notice A member other than the maker ships part of its holding back to the maker, whatever the batch's
    /// status (recalled, blocked, expired or on hold included).
    function returnToMaker(uint256 batchSeed, uint256 fromSeed, uint256 quantitySeed) external observed {
        if (_batchIds.length == 0) return;
        bytes32 batchId = _pick(batchSeed);
        (bool found, uint32 from) = _holderOf(batchId, fromSeed, true);
        if (!found) return;
        uint256 quantity = bound(quantitySeed, 1, ledger.holdingOf(batchId, from));
        _ship(batchId, from, makerOrgId, quantity, carrierOrgId, true);
    }

    /// @notice The carrier picks up a shipment in transit.
    function pickUp(uint256 shipmentSeed) external observed {
        (bool found, uint256 index) = _findShipment(shipmentSeed, IN_TRANSIT);
        if (!found) return;
        IBatchLedger.Shipment memory s = _shipments[index];
        vm.prank(accountOf[s.carrierOrgId]);
        try ledger.pickUp(s) {
            _advanced(index, ShipmentStatus.PickedUp, this.pickUp.selector);
        } catch (bytes memory reason) {
            _unexpected(string.concat("pickUp by the carrier failed: ", _selectorOf(reason)));
        }
    }

    /// @notice The carrier delivers a shipment it picked up.
    function deliver(uint256 shipmentSeed) external observed {
        (bool found, uint256 index) = _findShipment(shipmentSeed, PICKED_UP);
        if (!found) return;
        IBatchLedger.Shipment memory s = _shipments[index];
        vm.prank(accountOf[s.carrierOrgId]);
        try ledger.deliver(s) {
            _advanced(index, ShipmentStatus.Delivered, this.deliver.selector);
            uint256 deliveredAt = ledger.shipmentState(_shipmentIds[index]).deliveredAt;
            if (deliveredAt != block.timestamp) _unexpected("deliver: deliveredAt is not the delivery time");
        } catch (bytes memory reason) {
            _unexpected(string.concat("deliver by the carrier failed: ", _selectorOf(reason)));
        }
    }

    /// @notice The recipient receives an arriving shipment: all of it, a random part (the shortfall is lost), or
    /// one unit more than shipped (refused).
    function receiveShipment(uint256 shipmentSeed, uint256 quantitySeed, bool goodCondition) external observed {
        (bool found, uint256 index) = _findShipment(shipmentSeed, ARRIVING);
        if (!found) return;
        IBatchLedger.Shipment memory s = _shipments[index];
        uint256 mode = quantitySeed % 8;
        uint256 received =
            mode < 4 ? s.quantity : (mode < 7 ? bound(quantitySeed >> 3, 0, s.quantity) : s.quantity + 1);
        bool expected = received <= s.quantity;
        vm.prank(accountOf[s.toOrgId]);
        try ledger.receiveShipment(s, received, goodCondition) {
            if (!expected) _unexpected("receiveShipment: received more than was shipped");
            _lose(s.batchId, s.quantity - received);
            _advanced(index, ShipmentStatus.Received, this.receiveShipment.selector);
            if (ledger.shipmentState(_shipmentIds[index]).received != received) {
                _unexpected("receiveShipment: the received quantity is not recorded");
            }
        } catch (bytes memory reason) {
            if (expected) _unexpected(string.concat("receiveShipment failed: ", _selectorOf(reason)));
            else if (bytes4(reason) != IBatchLedger.LedgerReceivedTooMuch.selector) {
                _unexpected(string.concat("receiveShipment refused with the wrong error: ", _selectorOf(reason)));
            }
        }
    }

    /// @notice The recipient refuses an arriving shipment.
    function refuse(uint256 shipmentSeed) external observed {
        (bool found, uint256 index) = _findShipment(shipmentSeed, ARRIVING);
        if (!found) return;
        IBatchLedger.Shipment memory s = _shipments[index];
        vm.prank(accountOf[s.toOrgId]);
        try ledger.refuse(s, keccak256(abi.encode("refused", shipmentSeed))) {
            _advanced(index, ShipmentStatus.Refused, this.refuse.selector);
        } catch (bytes memory reason) {
            _unexpected(string.concat("refuse by the recipient failed: ", _selectorOf(reason)));
        }
    }

    /// @notice The carrier brings refused goods back to the sender.
    function recordReturn(uint256 shipmentSeed) external observed {
        (bool found, uint256 index) = _findShipment(shipmentSeed, REFUSED);
        if (!found) return;
        IBatchLedger.Shipment memory s = _shipments[index];
        uint256 before = ledger.holdingOf(s.batchId, s.fromOrgId);
        vm.prank(accountOf[s.carrierOrgId]);
        try ledger.recordReturn(s) {
            _advanced(index, ShipmentStatus.Returned, this.recordReturn.selector);
            if (ledger.holdingOf(s.batchId, s.fromOrgId) != before + s.quantity) {
                _unexpected("recordReturn: the sender did not regain the quantity");
            }
        } catch (bytes memory reason) {
            _unexpected(string.concat("recordReturn by the carrier failed: ", _selectorOf(reason)));
        }
    }

    /// @notice The sender reclaims an open shipment: allowed only once delivered (or refused) and past the
    /// receipt window (every member stays Active here), never while it is held.
    function reclaim(uint256 shipmentSeed) external observed {
        (bool found, uint256 index) = _findShipment(shipmentSeed, OPEN);
        if (!found) return;
        IBatchLedger.Shipment memory s = _shipments[index];
        IBatchLedger.ShipmentRecord memory state = ledger.shipmentState(_shipmentIds[index]);
        bool held = state.status == ShipmentStatus.Held;
        // The receipt window runs from a refusal, else from the delivery record.
        uint256 windowFrom = state.status == ShipmentStatus.Refused ? state.answeredAt : state.deliveredAt;
        bool expected = !held && windowFrom != 0 && block.timestamp > windowFrom + RECEIPT_WINDOW;
        bytes4 refusal =
            held ? IBatchLedger.LedgerUnexpectedShipmentStatus.selector : IBatchLedger.LedgerReceiptWindowOpen.selector;
        vm.prank(accountOf[s.fromOrgId]);
        try ledger.reclaim(s) {
            if (!expected) _unexpected("reclaim: accepted while the receipt window was open or the shipment held");
            _advanced(index, ShipmentStatus.Reclaimed, this.reclaim.selector);
        } catch (bytes memory reason) {
            if (expected) _unexpected(string.concat("reclaim failed: ", _selectorOf(reason)));
            else if (bytes4(reason) != refusal) {
                _unexpected(string.concat("reclaim refused with the wrong error: ", _selectorOf(reason)));
            }
        }
    }

    /// @notice As the field-readings module (the handler is a registered ledger module): a device's excursion holds
    /// a moving shipment.
    function hold(uint256 shipmentSeed) external observed {
        (bool found, uint256 index) = _findShipment(shipmentSeed, ARRIVING);
        if (!found) return;
        try ledger.holdFor(address(0xD1CE), _shipments[index], keccak256(abi.encode("reading", shipmentSeed))) {
            _advanced(index, ShipmentStatus.Held, this.hold.selector);
        } catch (bytes memory reason) {
            _unexpected(string.concat("holdFor a moving shipment failed: ", _selectorOf(reason)));
        }
    }

    /// @notice A regulator clears a held shipment: it resumes where it was, or its goods are destroyed.
    function clearHold(uint256 shipmentSeed, bool destroyGoods) external observed {
        (bool found, uint256 index) = _findShipment(shipmentSeed, HELD);
        if (!found) return;
        IBatchLedger.Shipment memory s = _shipments[index];
        IBatchLedger.ShipmentRecord memory state = ledger.shipmentState(_shipmentIds[index]);
        ShipmentStatus resumed =
            destroyGoods
                ? ShipmentStatus.Settled
                : state.deliveredAt != 0
                    ? ShipmentStatus.Delivered
                    : (state.pickedUpAt != 0 ? ShipmentStatus.PickedUp : ShipmentStatus.InTransit);
        vm.prank(regulator);
        try ledger.clearHold(s, destroyGoods, keccak256(abi.encode("cleared", shipmentSeed))) {
            if (destroyGoods) {
                destroyedGhost[s.batchId] += s.quantity;
                ++appended[s.batchId]; // HoldCleared, then Destroyed (counted by _advanced)
            }
            _advanced(index, resumed, this.clearHold.selector);
        } catch (bytes memory reason) {
            _unexpected(string.concat("clearHold by a regulator failed: ", _selectorOf(reason)));
        }
    }

    /// @notice A regulator settles an open shipment that is not held, stating what arrived; the rest is lost.
    function settle(uint256 shipmentSeed, uint256 quantitySeed) external observed {
        (bool found, uint256 index) = _findShipment(shipmentSeed, ARRIVING | REFUSED);
        if (!found) return;
        IBatchLedger.Shipment memory s = _shipments[index];
        uint256 received = quantitySeed % 2 == 0 ? s.quantity : bound(quantitySeed >> 1, 0, s.quantity);
        vm.prank(regulator);
        try ledger.settle(s, received, keccak256(abi.encode("settled", shipmentSeed))) {
            _lose(s.batchId, s.quantity - received);
            _advanced(index, ShipmentStatus.Settled, this.settle.selector);
            if (ledger.shipmentState(_shipmentIds[index]).received != received) {
                _unexpected("settle: the stated quantity is not recorded");
            }
        } catch (bytes memory reason) {
            _unexpected(string.concat("settle by a regulator failed: ", _selectorOf(reason)));
        }
    }

    /// @notice A hospital holding some of a batch dispenses part of it; only a Released batch may be dispensed.
    function dispense(uint256 batchSeed, uint256 hospitalSeed, uint256 quantitySeed) external observed {
        if (_batchIds.length == 0) return;
        bytes32 batchId = batchSeed % 4 == 0 ? _pick(batchSeed >> 2) : _pickHeldReleased(batchSeed >> 2, true);
        uint32 hospitalId;
        uint256 holding;
        for (uint256 k; k < _hospitals.length && holding == 0; ++k) {
            hospitalId = _hospitals[((hospitalSeed % _hospitals.length) + k) % _hospitals.length];
            holding = ledger.holdingOf(batchId, hospitalId);
        }
        if (holding == 0) return;
        uint256 quantity = bound(quantitySeed, 1, holding);
        bool expected = ledger.batchStatus(batchId) == BatchStatus.Released;
        vm.prank(accountOf[hospitalId]);
        try ledger.dispense(batchId, quantity, keccak256(abi.encode("prescription", quantitySeed))) {
            if (!expected) _unexpected("dispense: dispensed a batch that was not Released");
            dispensedGhost[batchId] += quantity;
            ++appended[batchId];
            _succeeded(this.dispense.selector);
        } catch (bytes memory reason) {
            if (expected) _unexpected(string.concat("dispense failed: ", _selectorOf(reason)));
            else if (bytes4(reason) != IBatchLedger.LedgerUnexpectedStatus.selector) {
                _unexpected(string.concat("dispense refused with the wrong error: ", _selectorOf(reason)));
            }
        }
    }

    /// @notice Any member holding some of a batch destroys part of it, whatever the batch's status.
    function destroy(uint256 batchSeed, uint256 holderSeed, uint256 quantitySeed) external observed {
        if (_batchIds.length == 0) return;
        bytes32 batchId = _pick(batchSeed);
        (bool found, uint32 holder) = _holderOf(batchId, holderSeed, false);
        if (!found) return;
        uint256 holding = ledger.holdingOf(batchId, holder);
        uint256 quantity = bound(quantitySeed >> 2, 1, quantitySeed % 4 == 0 ? holding : holding / 10 + 1);
        vm.prank(accountOf[holder]);
        try ledger.destroy(batchId, quantity, keccak256(abi.encode("destroyed", quantitySeed))) {
            destroyedGhost[batchId] += quantity;
            ++appended[batchId];
            _succeeded(this.destroy.selector);
        } catch (bytes memory reason) {
            _unexpected(string.concat("destroy by a holder failed: ", _selectorOf(reason)));
        }
    }

    /// @notice A regulator or the maker recalls one batch ({recall}) or up to three ({recallMany}); a batch already
    /// recalled is refused (all or nothing).
    function recall(uint256 batchSeed, uint256 countSeed, bool byMaker) external observed {
        uint256 n = _batchIds.length;
        if (n == 0 || (countSeed >> 24) % 3 != 0) return; // one call in three, so that stock keeps moving
        uint256 count = Math.min((countSeed % 3) + 1, n);
        bytes32[] memory ids = new bytes32[](count);
        bool expected = true;
        for (uint256 i; i < count; ++i) {
            ids[i] = _batchIds[((batchSeed % n) + i) % n];
            if (recalled[ids[i]]) expected = false;
        }
        bool single = count == 1 && (countSeed >> 8) % 2 == 0;
        uint8 recallClass = uint8((countSeed >> 16) % 3) + 1;
        bytes32 reasonHash = keccak256(abi.encode("recall", batchSeed));
        // forge's recorded logs keep the events of a call that later reverted (a recallMany that recalls its first
        // batches, then meets a recalled one): absorb what came before, and drop what a refused call logged.
        _absorb(vm.getRecordedLogs());
        vm.prank(byMaker ? maker : regulator);
        bool ok;
        bytes memory reason;
        if (single) {
            try ledger.recall(ids[0], recallClass, reasonHash) {
                ok = true;
            } catch (bytes memory r) {
                reason = r;
            }
        } else {
            try ledger.recallMany(ids, recallClass, reasonHash) {
                ok = true;
            } catch (bytes memory r) {
                reason = r;
            }
        }
        if (ok) {
            if (!expected) _unexpected("recall: recalled a batch twice");
            for (uint256 i; i < count; ++i) {
                recalled[ids[i]] = true;
                ++appended[ids[i]];
                if (ledger.batchStatus(ids[i]) != BatchStatus.Recalled) _unexpected("recall: not Recalled");
            }
            _succeeded(this.recall.selector);
        } else {
            vm.getRecordedLogs();
            if (expected) _unexpected(string.concat("recall failed: ", _selectorOf(reason)));
            else if (bytes4(reason) != IBatchLedger.LedgerUnexpectedStatus.selector) {
                _unexpected(string.concat("recall refused with the wrong error: ", _selectorOf(reason)));
            }
        }
    }

    /// @notice Time passes beyond the receipt window (up to one more day).
    function warpPastReceiptWindow(uint256 secondsSeed) external observed {
        vm.warp(block.timestamp + RECEIPT_WINDOW + bound(secondsSeed, 1, 1 days));
        ++successfulCalls;
        ++successes[this.warpPastReceiptWindow.selector];
    }

    // ================================================================== views for the invariants

    function batchIds() external view returns (bytes32[] memory) {
        return _batchIds;
    }

    function members() external view returns (uint32[] memory) {
        return _members;
    }

    function shipmentCount() external view returns (uint256) {
        return _shipmentIds.length;
    }

    function shipmentIdAt(uint256 index) external view returns (bytes32) {
        return _shipmentIds[index];
    }

    /// @notice The shipments of a batch, with their ids.
    function shipmentsOf(
        bytes32 batchId
    ) external view returns (IBatchLedger.Shipment[] memory shipments, bytes32[] memory ids) {
        uint256[] storage indices = _shipmentsOfBatch[batchId];
        shipments = new IBatchLedger.Shipment[](indices.length);
        ids = new bytes32[](indices.length);
        for (uint256 i; i < indices.length; ++i) {
            shipments[i] = _shipments[indices[i]];
            ids[i] = _shipmentIds[indices[i]];
        }
    }

    // ================================================================== internals

    function _ship(bytes32 batchId, uint32 from, uint32 to, uint256 quantity, uint32 carrier, bool expected) private {
        (, uint256 sequence) = ledger.historyOf(batchId);
        bytes32 ref = keccak256(abi.encode("ref", sequence));
        vm.prank(accountOf[from]);
        try ledger.ship(batchId, to, quantity, carrier, ref, keccak256("waybill"), 0, 0) returns (bytes32 id) {
            if (!expected) _unexpected("ship: accepted a shipment the route or status forbids");
            IBatchLedger.Shipment memory s = IBatchLedger.Shipment({
                batchId: batchId,
                fromOrgId: from,
                toOrgId: to,
                carrierOrgId: carrier,
                fromGln: glnOf[from],
                toGln: glnOf[to],
                quantity: quantity,
                ref: ref,
                sequence: sequence
            });
            if (id != keccak256(abi.encode(s))) _unexpected("ship: the id is not the hash of the rebuilt fields");
            if (id != ledger.shipmentIdOf(s)) _unexpected("ship: shipmentIdOf disagrees with the returned id");
            _shipmentsOfBatch[batchId].push(_shipmentIds.length);
            _shipments.push(s);
            _shipmentIds.push(id);
            ++appended[batchId];
            IBatchLedger.ShipmentRecord memory state = ledger.shipmentState(id);
            if (state.status != ShipmentStatus.InTransit || state.shippedAt != block.timestamp) {
                _unexpected("ship: not InTransit since now");
            }
            _succeeded(to == makerOrgId ? this.returnToMaker.selector : this.ship.selector);
        } catch (bytes memory reason) {
            if (expected) _unexpected(string.concat("ship failed: ", _selectorOf(reason)));
            else {
                bytes4 selector = bytes4(reason);
                if (
                    selector != IBatchLedger.LedgerRouteNotAllowed.selector &&
                    selector != IBatchLedger.LedgerUnexpectedStatus.selector
                ) _unexpected(string.concat("ship refused with the wrong error: ", _selectorOf(reason)));
            }
        }
    }

    /// @dev After a successful step: the shipment is in `status`, one record was appended.
    function _advanced(uint256 index, ShipmentStatus status, bytes4 action) private {
        bytes32 id = _shipmentIds[index];
        IBatchLedger.ShipmentRecord memory state = ledger.shipmentState(id);
        if (state.status != status) _unexpected("a shipment step did not reach the documented state");
        if (_isConcluded(state.status)) {
            // Only these calls conclude a shipment; invariant_concludedShipmentsNeverChange watches it from now on.
            concludedAs[id] = state.status;
            concludedDeliveredAt[id] = state.deliveredAt;
        }
        ++appended[_shipments[index].batchId];
        _succeeded(action);
    }

    function _lose(bytes32 batchId, uint256 shortfall) private {
        if (shortfall == 0) return;
        lostGhost[batchId] += shortfall;
        ++shortfalls;
    }

    /// @dev The first shipment from `seed` on whose ledger state is in `mask` (bits 1 << status).
    function _findShipment(uint256 seed, uint256 mask) private view returns (bool found, uint256 index) {
        uint256 n = _shipmentIds.length;
        for (uint256 k; k < n; ++k) {
            index = ((seed % n) + k) % n;
            ShipmentStatus status = ledger.shipmentState(_shipmentIds[index]).status;
            if (mask & (1 << uint8(status)) != 0) return (true, index);
        }
    }

    /// @dev The first member from `seed` on holding some of the batch (other than the maker when asked).
    function _holderOf(bytes32 batchId, uint256 seed, bool notMaker) private view returns (bool found, uint32 orgId) {
        uint256 n = _members.length;
        for (uint256 k; k < n; ++k) {
            orgId = _members[((seed % n) + k) % n];
            if (notMaker && orgId == makerOrgId) continue;
            if (ledger.holdingOf(batchId, orgId) != 0) return (true, orgId);
        }
    }

    /// @dev The route table (IBatchLedger.ship): makers and LOGISTICS to makers, trade and care; distributors and
    /// agencies to trade and care; hospitals to hospitals and agencies.
    function _routeAllows(uint16 fromRoles, uint16 toRoles) private pure returns (bool) {
        uint16 care = Roles.AGENCY | Roles.HOSPITAL | Roles.RETAILER;
        uint16 trade = Roles.DISTRIBUTOR | Roles.LOGISTICS | care;
        uint16 allowed;
        if (fromRoles & Roles.SUPPLIER != 0) allowed |= Roles.MAKERS | Roles.DISTRIBUTOR | Roles.LOGISTICS;
        if (fromRoles & (Roles.MANUFACTURER | Roles.LOGISTICS) != 0) allowed |= Roles.MANUFACTURER | trade;
        if (fromRoles & (Roles.DISTRIBUTOR | Roles.AGENCY) != 0) allowed |= trade;
        if (fromRoles & Roles.HOSPITAL != 0) allowed |= Roles.HOSPITAL | Roles.AGENCY;
        return toRoles & allowed != 0;
    }

    function _isConcluded(ShipmentStatus status) private pure returns (bool) {
        return
            status == ShipmentStatus.Received ||
            status == ShipmentStatus.Returned ||
            status == ShipmentStatus.Reclaimed ||
            status == ShipmentStatus.Settled;
    }

    function _request(
        uint256 productSeed,
        uint256 quantitySeed,
        uint256 expirySeed
    ) private returns (IBatchLedger.CommissionRequest memory request) {
        ++_lots;
        request.gtin = productSeed % 2 == 0 ? _fabric : _mask;
        request.lot = bytes32(abi.encodePacked("L-", Strings.toString(_lots)));
        request.quantity = bound(quantitySeed, 1, 1e12);
        request.producedAt = uint40(block.timestamp);
        request.expiresAt = uint40(block.timestamp + bound(expirySeed, 1 days, 400 days));
        request.docHash = keccak256(abi.encode("batch record", _lots));
        request.docURI = "ipfs://batch-record";
    }

    /// @dev Up to three distinct batches that are Released and that the maker holds, with a quantity each.
    function _usableInputs(uint256 seed) private view returns (IBatchLedger.InputUse[] memory inputs) {
        uint256 wanted = seed % 4;
        IBatchLedger.InputUse[] memory found = new IBatchLedger.InputUse[](wanted);
        uint256 count;
        uint256 n = _batchIds.length;
        for (uint256 k; k < n && count < wanted; ++k) {
            bytes32 candidate = _batchIds[(uint256(seed >> 8) + k) % n];
            if (ledger.batchStatus(candidate) != BatchStatus.Released) continue;
            uint256 holding = ledger.holdingOf(candidate, makerOrgId);
            if (holding == 0) continue;
            uint256 quantity = bound(uint256(keccak256(abi.encode(seed, k))), 1, holding);
            found[count++] = IBatchLedger.InputUse(candidate, quantity);
        }
        inputs = new IBatchLedger.InputUse[](count);
        for (uint256 i; i < count; ++i) inputs[i] = found[i];
    }

    /// @dev The first batch from `seed` on that is Released and held by a member (a hospital when asked); else the
    /// batch at `seed`.
    function _pickHeldReleased(uint256 seed, bool byHospital) private view returns (bytes32) {
        uint256 n = _batchIds.length;
        for (uint256 k; k < n; ++k) {
            bytes32 batchId = _batchIds[((seed % n) + k) % n];
            if (ledger.batchStatus(batchId) != BatchStatus.Released) continue;
            if (!byHospital) {
                (bool held, ) = _holderOf(batchId, 0, false);
                if (held) return batchId;
            } else {
                for (uint256 h; h < _hospitals.length; ++h) {
                    if (ledger.holdingOf(batchId, _hospitals[h]) != 0) return batchId;
                }
            }
        }
        return _pick(seed);
    }

    function _pick(uint256 seed) private view returns (bytes32) {
        return _batchIds[seed % _batchIds.length];
    }

    /// @dev Rebuilds each touched batch's head from its Recorded logs and keeps its last record.
    function _absorb(Vm.Log[] memory logs) private {
        for (uint256 i; i < logs.length; ++i) {
            Vm.Log memory log = logs[i];
            if (log.emitter != address(ledger) || log.topics[0] != IBatchLedger.Recorded.selector) continue;
            bytes32 batchId = log.topics[1];
            address actor = address(uint160(uint256(log.topics[2])));
            (bytes32 prevHead, RecordKind kind, uint64 timestamp, bytes32 dataHash) = abi.decode(
                log.data,
                (bytes32, RecordKind, uint64, bytes32)
            );
            if (prevHead != rebuiltHead[batchId]) _unexpected("Recorded: prevHead is not the previous record's head");
            rebuiltHead[batchId] = keccak256(abi.encode(prevHead, kind, actor, timestamp, dataHash));
            _lastRecord[batchId] = IBatchLedger.HistoryRecord(prevHead, kind, actor, timestamp, dataHash);
            ++logged[batchId];
        }
    }

    function _succeeded(bytes4 action) private {
        ++successes[action];
        ++successfulCalls;
    }
}

/// @notice Handler-driven invariants of the batch ledger: conservation of quantity per batch and the integrity of
/// each batch's hash-chained history. One maker (Northwind) makes meltblown fabric and masks from it; a regulator
/// inspects, releases, blocks, corrects, settles and recalls; a distributor, a warehouse, a carrier and two hospitals
/// move, receive, refuse, dispense and destroy stock.
contract BatchLedgerInvariants is AllianceSetup {
    uint64 internal constant FABRIC = 614_141_000_012; // 0061414100001 + check digit
    uint64 internal constant MASK = 614_141_000_029; // 0061414100002 + check digit
    uint64 internal constant SITE = 614_141_000_012; // GLN 061414100001 + check digit

    ProductCatalog internal catalog;
    BatchLedger internal ledger;
    BatchLedgerHandler internal handler;
    uint32 internal makerOrgId;
    uint32 internal hospitalOrgId;

    function setUp() public {
        address governor = makeAddr("governor");
        address regulator = makeAddr("regulator");
        address maker = makeAddr("maker");
        address hospital = makeAddr("hospital");
        _deployRegistry(governor, regulator);
        makerOrgId = _admit(maker, regulator, "Northwind Masks", BusinessRole.Manufacturer, _makerPrefixes());
        hospitalOrgId = _admit(hospital, regulator, "City General", BusinessRole.Hospital);
        vm.prank(maker);
        registry.registerSite(SITE, "plant");

        (catalog, ledger) = _deployTrace();
        _approve(maker, regulator, FABRIC, Category.RawMaterial, 2 days);
        _approve(maker, regulator, MASK, Category.ProtectiveEquipment, 14 days);

        handler = new BatchLedgerHandler(ledger, maker, makerOrgId, regulator, hospital, hospitalOrgId, FABRIC, MASK);
        assertEq(handler.CORRECTION_WINDOW(), ledger.correctionWindow(), "the handler knows the correction window");
        assertEq(handler.RECEIPT_WINDOW(), ledger.receiptWindow(), "the handler knows the receipt window");

        // Custody: the maker, a distributor, a warehouse and a carrier (LOGISTICS), and two hospitals, one site each.
        handler.addMember(makerOrgId, maker, Roles.MANUFACTURER, SITE);
        _member(regulator, "Harbour Distribution", BusinessRole.Distributor, Roles.DISTRIBUTOR, 1);
        uint32 warehouse = _member(regulator, "Dockside Warehouse", BusinessRole.Logistics, Roles.LOGISTICS, 2);
        uint32 carrier = _member(regulator, "Swift Carriers", BusinessRole.Logistics, Roles.LOGISTICS, 3);
        handler.setCarriers(carrier, warehouse);
        vm.prank(hospital);
        registry.registerSite(_gln(4), "pharmacy");
        handler.addMember(hospitalOrgId, hospital, Roles.HOSPITAL, _gln(4));
        _member(regulator, "St Mary's", BusinessRole.Hospital, Roles.HOSPITAL, 5);

        // Seed: a fabric batch released early and a mask batch made from it, so that lineage has material at once,
        // and a first shipment of fabric to the distributor.
        handler.commission(0, 1e9, 365 days, 0);
        handler.releaseEarly(0);
        handler.commission(1, 1e6, 365 days, 1);
        handler.ship(0, 0, 1, 1e6, false);
        assertEq(handler.unexpectedOutcomes(), 0, "seeding went as predicted");
        assertEq(handler.inputsConsumed(), 1, "the seeded mask batch consumed the seeded fabric");
        assertEq(handler.shipmentCount(), 1, "the seeded shipment was made");

        targetContract(address(handler));
        vm.prank(governor);
        ledger.setModule(address(handler), true);
        bytes4[] memory selectors = new bytes4[](25);
        selectors[0] = BatchLedgerHandler.commission.selector;
        selectors[1] = BatchLedgerHandler.overdraw.selector;
        selectors[2] = BatchLedgerHandler.inspect.selector;
        selectors[3] = BatchLedgerHandler.note.selector;
        selectors[4] = BatchLedgerHandler.recordMany.selector;
        selectors[5] = BatchLedgerHandler.correct.selector;
        selectors[6] = BatchLedgerHandler.releaseEarly.selector;
        selectors[7] = BatchLedgerHandler.toggleBlock.selector;
        selectors[8] = BatchLedgerHandler.warp.selector;
        selectors[9] = BatchLedgerHandler.ship.selector;
        selectors[10] = BatchLedgerHandler.returnToMaker.selector;
        selectors[11] = BatchLedgerHandler.pickUp.selector;
        selectors[12] = BatchLedgerHandler.deliver.selector;
        selectors[13] = BatchLedgerHandler.receiveShipment.selector;
        selectors[14] = BatchLedgerHandler.refuse.selector;
        selectors[15] = BatchLedgerHandler.recordReturn.selector;
        selectors[16] = BatchLedgerHandler.reclaim.selector;
        selectors[17] = BatchLedgerHandler.settle.selector;
        selectors[18] = BatchLedgerHandler.dispense.selector;
        selectors[19] = BatchLedgerHandler.destroy.selector;
        selectors[20] = BatchLedgerHandler.recall.selector;
        selectors[21] = BatchLedgerHandler.warpPastReceiptWindow.selector;
        selectors[22] = BatchLedgerHandler.ship.selector; // shipping twice as often: it feeds every other step
        selectors[23] = BatchLedgerHandler.hold.selector;
        selectors[24] = BatchLedgerHandler.clearHold.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    // ================================================================== quantity

    /// @notice Protects DESIGN "Conservation": per batch, what was commissioned is exactly what the members hold,
    /// plus the quantity of its open shipments (InTransit, PickedUp, Delivered, Held, Refused), plus what was
    /// dispensed, destroyed and lost in transit (read from `outflowsOf`), plus what was consumed as an input into
    /// other batches; the commissioned quantity never changes.
    function invariant_quantityIsConservedPerBatch() public view {
        bytes32[] memory ids = handler.batchIds();
        uint32[] memory members = handler.members();
        for (uint256 i; i < ids.length; ++i) {
            uint256 commissioned = ledger.batch(ids[i]).commissioned;
            assertEq(commissioned, handler.commissioned(ids[i]), "commissioned as requested, never changed");
            uint256 held;
            for (uint256 m; m < members.length; ++m) held += ledger.holdingOf(ids[i], members[m]);
            IBatchLedger.Outflows memory out = ledger.outflowsOf(ids[i]);
            assertEq(
                commissioned,
                held +
                    _openQuantity(ids[i]) +
                    out.dispensed +
                    out.destroyed +
                    out.lost +
                    handler.consumedAsInput(ids[i]),
                "commissioned == holdings + open shipments + dispensed + destroyed + lost + consumed"
            );
        }
    }

    /// @notice Protects the outflow counters: they are exactly what the handler's dispensing, destruction and
    /// shortfalls (on receipt and on settlement) added up to.
    /// @dev Half the runs in the default profile (time budget); the deep profile keeps its own.
    /// forge-config: default.invariant.runs = 128
    function invariant_outflowsMatchTheirCauses() public view {
        bytes32[] memory ids = handler.batchIds();
        for (uint256 i; i < ids.length; ++i) {
            IBatchLedger.Outflows memory out = ledger.outflowsOf(ids[i]);
            assertEq(out.dispensed, handler.dispensedGhost(ids[i]), "dispensed == what hospitals dispensed");
            assertEq(out.destroyed, handler.destroyedGhost(ids[i]), "destroyed == what holders destroyed");
            assertEq(out.lost, handler.lostGhost(ids[i]), "lost == shortfalls on receipt and settlement");
        }
    }

    /// @notice Protects the cold-chain warning: a batch's open excursions are exactly its shipments held right now.
    /// forge-config: default.invariant.runs = 128
    function invariant_openExcursionsCountHeldShipments() public view {
        bytes32[] memory ids = handler.batchIds();
        for (uint256 i; i < ids.length; ++i) {
            (, bytes32[] memory shipmentIds) = handler.shipmentsOf(ids[i]);
            uint256 held;
            for (uint256 j; j < shipmentIds.length; ++j) {
                if (ledger.shipmentState(shipmentIds[j]).status == ShipmentStatus.Held) ++held;
            }
            assertEq(ledger.openExcursionsOf(ids[i]), held, "open excursions == shipments held");
        }
    }

    /// @notice Protects the holdings: no member ever holds more of a batch than was commissioned.
    /// @dev Half the runs in the default profile (time budget); the deep profile keeps its own.
    /// forge-config: default.invariant.runs = 128
    function invariant_noHoldingAboveCommissioned() public view {
        bytes32[] memory ids = handler.batchIds();
        uint32[] memory members = handler.members();
        for (uint256 i; i < ids.length; ++i) {
            uint256 commissioned = ledger.batch(ids[i]).commissioned;
            for (uint256 m; m < members.length; ++m) {
                assertLe(ledger.holdingOf(ids[i], members[m]), commissioned, "holding <= commissioned");
            }
        }
    }

    // ================================================================== shipments

    /// @notice Protects finality: a shipment once Received, Returned, Reclaimed or Settled keeps that state and
    /// its delivery time (the handler notes the state when its call concludes the shipment).
    /// @dev Half the runs in the default profile (time budget); the deep profile keeps its own.
    /// forge-config: default.invariant.runs = 128
    function invariant_concludedShipmentsNeverChange() public view {
        uint256 n = handler.shipmentCount();
        for (uint256 i; i < n; ++i) {
            bytes32 id = handler.shipmentIdAt(i);
            ShipmentStatus concluded = handler.concludedAs(id);
            if (concluded == ShipmentStatus.None) continue;
            IBatchLedger.ShipmentRecord memory state = ledger.shipmentState(id);
            assertTrue(state.status == concluded, "a concluded shipment keeps its state");
            assertEq(
                state.deliveredAt,
                handler.concludedDeliveredAt(id),
                "a concluded shipment keeps its delivery time"
            );
        }
    }

    // ================================================================== history

    /// @notice Protects the history's completeness: a batch's record count equals the records the handler's
    /// successful calls appended (and the Recorded logs seen), and never went down (checked after every action).
    function invariant_recordCountEqualsRecordsAppended() public view {
        bytes32[] memory ids = handler.batchIds();
        for (uint256 i; i < ids.length; ++i) {
            (, uint256 count) = ledger.historyOf(ids[i]);
            assertEq(count, handler.appended(ids[i]), "recordCount == records appended");
            assertEq(count, handler.logged(ids[i]), "recordCount == Recorded logs");
            assertEq(count, ledger.batch(ids[i]).recordCount, "historyOf and batch agree");
        }
    }

    /// @notice Protects append-only history: no batch's record count is below the highest count seen after any
    /// action (the handler flags a decrease as an unexpected outcome at once).
    /// @dev Half the runs in the default profile (time budget); the deep profile keeps its own.
    /// forge-config: default.invariant.runs = 128
    function invariant_recordCountsOnlyGrow() public view {
        bytes32[] memory ids = handler.batchIds();
        for (uint256 i; i < ids.length; ++i) {
            (, uint256 count) = ledger.historyOf(ids[i]);
            assertGe(count, handler.lastSeenCount(ids[i]), "recordCount >= the last count seen");
        }
    }

    /// @notice Protects verifiability: the head stored on chain is the one anyone rebuilds from the Recorded logs.
    function invariant_headIsRebuiltFromTheLogs() public view {
        bytes32[] memory ids = handler.batchIds();
        for (uint256 i; i < ids.length; ++i) {
            (bytes32 head, ) = ledger.historyOf(ids[i]);
            assertEq(head, handler.rebuiltHead(ids[i]), "head == chain of the logged records");
        }
    }

    /// @notice Protects the documented rules of each function, as the handler's oracle predicts them.
    function invariant_handlerSawOnlyExpectedOutcomes() public view {
        if (handler.unexpectedOutcomes() != 0) fail(handler.firstUnexpectedOutcome());
    }

    /// @notice Proves the campaign really drives the handler.
    function afterInvariant() public {
        emit log_named_uint("successful calls in this run", handler.successfulCalls());
        emit log_named_uint("batches", handler.batchIds().length);
        emit log_named_uint("inputs consumed", handler.inputsConsumed());
        emit log_named_uint("shipments", handler.shipmentCount());
        emit log_named_uint("shortfalls", handler.shortfalls());
        bytes4[16] memory actions = [
            BatchLedgerHandler.ship.selector,
            BatchLedgerHandler.returnToMaker.selector,
            BatchLedgerHandler.pickUp.selector,
            BatchLedgerHandler.deliver.selector,
            BatchLedgerHandler.receiveShipment.selector,
            BatchLedgerHandler.refuse.selector,
            BatchLedgerHandler.recordReturn.selector,
            BatchLedgerHandler.reclaim.selector,
            BatchLedgerHandler.settle.selector,
            BatchLedgerHandler.dispense.selector,
            BatchLedgerHandler.destroy.selector,
            BatchLedgerHandler.recall.selector,
            BatchLedgerHandler.warpPastReceiptWindow.selector,
            BatchLedgerHandler.commission.selector,
            BatchLedgerHandler.hold.selector,
            BatchLedgerHandler.clearHold.selector
        ];
        string[16] memory names = [
            "ship",
            "returnToMaker",
            "pickUp",
            "deliver",
            "receiveShipment",
            "refuse",
            "recordReturn",
            "reclaim",
            "settle",
            "dispense",
            "destroy",
            "recall",
            "warpPastReceiptWindow",
            "commission",
            "hold",
            "clearHold"
        ];
        for (uint256 i; i < actions.length; ++i) emit log_named_uint(names[i], handler.successes(actions[i]));
        assertGt(handler.successfulCalls(), 0, "the handler made successful calls");
        assertGt(handler.successes(BatchLedgerHandler.ship.selector), 0, "at least the seeded shipment was made");
    }

    /// @dev The quantity of a batch's shipments that are still open, by the ledger's own state.
    function _openQuantity(bytes32 batchId) private view returns (uint256 open) {
        (IBatchLedger.Shipment[] memory shipments, bytes32[] memory ids) = handler.shipmentsOf(batchId);
        for (uint256 i; i < ids.length; ++i) {
            ShipmentStatus status = ledger.shipmentState(ids[i]).status;
            if (
                status == ShipmentStatus.InTransit ||
                status == ShipmentStatus.PickedUp ||
                status == ShipmentStatus.Delivered ||
                status == ShipmentStatus.Held ||
                status == ShipmentStatus.Refused
            ) open += shipments[i].quantity;
        }
    }

    // ================================================================== helpers

    /// @dev Admits a member, registers its one site and tells the handler.
    function _member(
        address regulator,
        string memory name,
        BusinessRole role,
        uint16 roles,
        uint64 siteNumber
    ) private returns (uint32 orgId) {
        address admin = makeAddr(name);
        orgId = _admit(admin, regulator, name, role);
        uint64 gln = _gln(siteNumber);
        vm.prank(admin);
        registry.registerSite(gln, name);
        handler.addMember(orgId, admin, roles, gln);
    }

    /// @dev GLN 0614141 + five digits of `siteNumber` (offset past the plant's) + the GS1 mod-10 check digit.
    function _gln(uint64 siteNumber) private pure returns (uint64) {
        return _withCheckDigit(61_414_110_000 + siteNumber); // 12 digits with the leading zero
    }

    function _approve(address maker, address regulator, uint64 gtin, Category category, uint32 holdPeriod) private {
        bytes32 specHash = keccak256(abi.encode("spec", gtin));
        bytes32 certificate = keccak256(abi.encode("certificate", gtin));
        _approveProduct(catalog, maker, regulator, gtin, category, holdPeriod, specHash, certificate);
    }
}
