// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// Test code: assertion and outcome messages are longer than 32 bytes on purpose.
// solhint-disable gas-small-strings

import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";

import {AllianceRegistry} from "../../contracts/alliance/AllianceRegistry.sol";
import {BusinessRole} from "../../contracts/alliance/AllianceTypes.sol";
import {BatchLedger} from "../../contracts/trace/BatchLedger.sol";
import {IBatchLedger} from "../../contracts/trace/IBatchLedger.sol";
import {IProductCatalog} from "../../contracts/trace/IProductCatalog.sol";
import {ProductCatalog} from "../../contracts/trace/ProductCatalog.sol";
import {BatchStatus, Category, DeviceClass, RecordKind} from "../../contracts/trace/TraceTypes.sol";
import {Test, TestBase} from "./utils/Test.sol";
import {Vm} from "./utils/Vm.sol";

/// @notice The only target of the ledger's invariant campaign. It commissions batches (consuming released batches
/// it holds as inputs), inspects, notes, records in bulk, releases early, blocks and unblocks, corrects and lets
/// time pass, as the maker, a regulator or a hospital that holds nothing. Before each call it predicts from the
/// views whether the call must succeed (an oracle from the NatSpec of IBatchLedger); disagreements are recorded
/// and fail `invariant_handlerSawOnlyExpectedOutcomes`. Ghosts keep what the views cannot tell: how much of each
/// batch was consumed as an input, how many records the handler appended to each batch, and the head rebuilt
/// from the Recorded logs alone.
contract BatchLedgerHandler is TestBase {
    /// @notice Commissioning stops here, to keep each invariant check cheap.
    uint256 public constant MAX_BATCHES = 24;
    /// @notice The ledger's correction window in this campaign.
    uint256 public constant CORRECTION_WINDOW = 1 hours;

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

    /// @notice Ghost: outcomes that contradicted the oracle, and the first one described.
    uint256 public unexpectedOutcomes;
    string public firstUnexpectedOutcome;

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
                if (ledger.batchStatus(batchId) != BatchStatus.Blocked) _unexpected("blockBatch: not Blocked");
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

    // ================================================================== views for the invariants

    function batchIds() external view returns (bytes32[] memory) {
        return _batchIds;
    }

    // ================================================================== internals

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

    function _unexpected(string memory description) private {
        if (unexpectedOutcomes == 0) firstUnexpectedOutcome = description;
        ++unexpectedOutcomes;
    }

    function _selectorOf(bytes memory reason) private pure returns (string memory) {
        if (reason.length < 4) return "no data";
        return Strings.toHexString(uint256(uint32(bytes4(reason))), 4);
    }
}

/// @notice Handler-driven invariants of the batch ledger: conservation of quantity per batch and the integrity of
/// each batch's hash-chained history. One maker (Northwind) makes meltblown fabric and masks from it; a regulator
/// inspects, releases, blocks and corrects; a hospital holds nothing and is refused.
contract BatchLedgerInvariants is Test {
    uint64 internal constant PREFIX = 10_614_141; // "0614141"
    uint64 internal constant FABRIC = 614_141_000_012; // 0061414100001 + check digit
    uint64 internal constant MASK = 614_141_000_029; // 0061414100002 + check digit
    uint64 internal constant SITE = 614_141_000_012; // GLN 061414100001 + check digit

    AllianceRegistry internal registry;
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
        vm.warp(1_700_000_000);

        registry = new AllianceRegistry(governor, 1 days);
        bytes32 regulatorRole = registry.REGULATOR_ROLE();
        vm.prank(governor);
        registry.grantRole(regulatorRole, regulator);
        uint64[] memory prefixes = new uint64[](1);
        prefixes[0] = PREFIX;
        makerOrgId = _admit(maker, regulator, "Northwind Masks", BusinessRole.Manufacturer, prefixes);
        hospitalOrgId = _admit(hospital, regulator, "City General", BusinessRole.Hospital, new uint64[](0));
        vm.prank(maker);
        registry.registerSite(SITE, "plant");

        catalog = new ProductCatalog(registry, [uint32(7 days), 7 days, 14 days, 3 days, 2 days]);
        ledger = new BatchLedger(registry, catalog, uint32(1 hours));
        _approve(maker, regulator, FABRIC, Category.RawMaterial, 2 days);
        _approve(maker, regulator, MASK, Category.ProtectiveEquipment, 14 days);

        handler = new BatchLedgerHandler(ledger, maker, makerOrgId, regulator, hospital, hospitalOrgId, FABRIC, MASK);
        assertEq(handler.CORRECTION_WINDOW(), ledger.correctionWindow(), "the handler knows the correction window");
        // Seed: a fabric batch released early and a mask batch made from it, so that lineage has material at once.
        handler.commission(0, 1e9, 365 days, 0);
        handler.releaseEarly(0);
        handler.commission(1, 1e6, 365 days, 1);
        assertEq(handler.unexpectedOutcomes(), 0, "seeding went as predicted");
        assertEq(handler.inputsConsumed(), 1, "the seeded mask batch consumed the seeded fabric");

        targetContract(address(handler));
        bytes4[] memory selectors = new bytes4[](9);
        selectors[0] = BatchLedgerHandler.commission.selector;
        selectors[1] = BatchLedgerHandler.overdraw.selector;
        selectors[2] = BatchLedgerHandler.inspect.selector;
        selectors[3] = BatchLedgerHandler.note.selector;
        selectors[4] = BatchLedgerHandler.recordMany.selector;
        selectors[5] = BatchLedgerHandler.correct.selector;
        selectors[6] = BatchLedgerHandler.releaseEarly.selector;
        selectors[7] = BatchLedgerHandler.toggleBlock.selector;
        selectors[8] = BatchLedgerHandler.warp.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    // ================================================================== quantity

    /// @notice Protects DESIGN "Conservation": per batch, what was commissioned is exactly what organisations hold
    /// plus what was consumed as an input into other batches (no shipping, dispensing or destruction yet), and the
    /// commissioned quantity never changes.
    function invariant_quantityIsConservedPerBatch() public view {
        bytes32[] memory ids = handler.batchIds();
        for (uint256 i; i < ids.length; ++i) {
            uint256 commissioned = ledger.batch(ids[i]).commissioned;
            assertEq(commissioned, handler.commissioned(ids[i]), "commissioned as requested, never changed");
            uint256 held = ledger.holdingOf(ids[i], makerOrgId) + ledger.holdingOf(ids[i], hospitalOrgId);
            assertEq(commissioned, held + handler.consumedAsInput(ids[i]), "commissioned == holdings + consumed");
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
        assertGt(handler.successfulCalls(), 0, "the handler made successful calls");
    }

    // ================================================================== helpers

    function _admit(
        address admin,
        address regulator,
        string memory name,
        BusinessRole role,
        uint64[] memory prefixes
    ) private returns (uint32 orgId) {
        bytes32 applicationId;
        vm.prank(admin);
        (orgId, applicationId) = registry.registerOrganisation(
            keccak256(bytes(name)),
            "ipfs://licence",
            uint40(block.timestamp + 20 * 365 days),
            name,
            role,
            prefixes
        );
        vm.prank(regulator);
        registry.approveApplication(applicationId, prefixes);
    }

    function _approve(address maker, address regulator, uint64 gtin, Category category, uint32 holdPeriod) private {
        vm.prank(maker);
        catalog.proposeProduct(
            IProductCatalog.ProductSpec({
                gtin: gtin,
                companyPrefix: PREFIX,
                category: category,
                deviceClass: DeviceClass.None,
                unitOfMeasure: "EA",
                packSize: 50,
                minTemperature: -200,
                maxTemperature: 400,
                proposedHoldPeriod: holdPeriod,
                specHash: keccak256(abi.encode("spec", gtin)),
                specURI: "ipfs://spec"
            })
        );
        vm.prank(regulator);
        catalog.approveProduct(gtin, keccak256(abi.encode("certificate", gtin)), holdPeriod);
    }
}
