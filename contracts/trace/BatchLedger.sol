// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {AllianceGated} from "../alliance/AllianceGated.sol";
import {GovernanceRoles, Roles} from "../alliance/AllianceTypes.sol";
import {IAllianceRegistry} from "../alliance/IAllianceRegistry.sol";
import {IBatchLedger} from "./IBatchLedger.sol";
import {IProductCatalog} from "./IProductCatalog.sol";
import {OrganisationStatus} from "../alliance/AllianceTypes.sol";
import {BatchStatus, Inspection, ProductStatus, RecordKind, ShipmentStatus} from "./TraceTypes.sol";

/// @title BatchLedger
/// @notice Batches, lineage, holdings, quality release and the hash-chained history of every batch.
/// @dev A batch is one storage slot plus its history head; appending a record reads and writes both and nothing
/// else, so the 10,000th record costs what the first did. The maker's own holding of a batch lives in the batch's
/// slot (most stock starts there, and the slot is written with every record anyway); every other organisation's
/// holding lives in `_holdings`. `_holdingOf` and `_setHolding` are the only way to either.
contract BatchLedger is IBatchLedger, AllianceGated {
    /// @notice Most input batches one commission may consume.
    uint256 public constant MAX_INPUTS = 16;
    /// @notice Most records one {recordMany} call may append.
    uint256 public constant MAX_RECORDS_PER_CALL = 100;
    /// @notice Most batches one {recallMany} call may recall.
    uint256 public constant MAX_RECALL_BATCHES = 50;

    uint8 private constant INSPECTION = 3; // bits 0-1 of `flags`: the latest Inspection
    uint8 private constant RELEASED_EARLY = 4; // a regulator released the batch
    uint8 private constant BLOCKED = 8; // a regulator blocked the batch
    uint8 private constant RECALLED = 16; // a regulator or the maker recalled the batch
    uint8 private constant SERIALISED = 32; // unit serials committed: dispensed per unit only, through a module

    struct Batch {
        uint48 gtin; // GTIN-14 (< 10**14 < 2**47); zero: no batch
        uint32 makerOrgId;
        uint32 expiresAt; // unix seconds (dates up to 2106)
        uint32 holdUntil; // commissioning time plus the product's hold period
        uint40 commissioned; // quantity, in the product's unit of measure
        uint40 makerHolding; // quantity the maker holds
        uint8 flags; // INSPECTION | RELEASED_EARLY | BLOCKED | RECALLED | SERIALISED
        uint24 recordCount; // history length
    }

    /// @dev Who is appending records: a member organisation with its permitted roles, or a regulator.
    struct Standing {
        uint32 orgId; // 0 when not acting as a member
        uint16 roles; // the organisation's permitted roles among Roles.HOLDERS
        bool regulator;
    }

    struct Totals {
        uint64 dispensed;
        uint64 destroyed;
        uint64 lost;
        uint32 openExcursions; // shipments held after a cold-chain excursion, not yet cleared
    }

    IProductCatalog private immutable _catalog;
    uint32 private immutable _correctionWindow;
    uint32 private immutable _receiptWindow;

    mapping(bytes32 batchId => Batch) private _batches;
    mapping(bytes32 batchId => bytes32 head) private _heads;
    mapping(bytes32 batchId => mapping(uint32 orgId => uint256 quantity)) private _holdings;
    mapping(address module => bool registered) private _modules;
    mapping(bytes32 shipmentId => ShipmentRecord) private _shipments;
    mapping(bytes32 batchId => Totals) private _totals;

    /// @param registry The alliance registry.
    /// @param catalog_ The product catalog.
    /// @param correctionWindow_ Seconds during which an actor may correct its own last record.
    /// @param receiptWindow_ Seconds a recipient has after delivery before the sender may reclaim.
    constructor(
        IAllianceRegistry registry,
        IProductCatalog catalog_,
        uint32 correctionWindow_,
        uint32 receiptWindow_
    ) AllianceGated(registry) {
        if (address(catalog_) == address(0)) revert LedgerZeroAddress();
        _catalog = catalog_;
        _correctionWindow = correctionWindow_;
        _receiptWindow = receiptWindow_;
    }

    modifier onlyModule() {
        if (!_modules[msg.sender]) revert LedgerNotModule(msg.sender);
        _;
    }

    // ------------------------------------------------------------------ commissioning

    /// @inheritdoc IBatchLedger
    function commission(CommissionRequest calldata request) external whenAllianceNotPaused returns (bytes32 batchId) {
        (uint32 orgId, ) = _requirePermitted(msg.sender, Roles.MAKERS);
        uint32 holdPeriod = _requireOwnApprovedProduct(request.gtin, orgId);
        _requireValidRequest(request);
        uint64 gln = _siteGln(orgId, request.site);
        batchId = _createBatch(request, orgId, holdPeriod);
        emit BatchCommissioned(batchId, request.gtin, orgId, gln, request);
        _append(batchId, _batches[batchId], RecordKind.Commissioned, msg.sender, _commissionHash(request, gln));
        for (uint256 i; i < request.inputs.length; ++i) _consume(request.inputs[i], batchId, orgId);
    }

    // ------------------------------------------------------------------ records

    /// @inheritdoc IBatchLedger
    function record(RecordRequest calldata request) external {
        _record(_standing(msg.sender), msg.sender, request);
    }

    /// @inheritdoc IBatchLedger
    function recordMany(RecordRequest[] calldata requests) external {
        uint256 count = requests.length;
        if (count == 0 || count > MAX_RECORDS_PER_CALL) revert LedgerInvalidRecordCount(count, MAX_RECORDS_PER_CALL);
        Standing memory standing = _standing(msg.sender);
        for (uint256 i; i < count; ++i) _record(standing, msg.sender, requests[i]);
    }

    /// @inheritdoc IBatchLedger
    function recordFor(address actor, RecordRequest calldata request) external onlyModule {
        _record(_standing(actor), actor, request);
    }

    /// @inheritdoc IBatchLedger
    function correct(bytes32 batchId, HistoryRecord calldata last, bytes32 reasonHash) external {
        Batch storage b = _existingBatch(batchId);
        if (reasonHash == bytes32(0)) revert LedgerEmptyHash();
        bytes32 head = _heads[batchId];
        if (_hashRecord(last) != head) revert LedgerNotLastRecord(batchId);
        if (last.kind == RecordKind.Correction)
            revert LedgerRecordNotAllowed(batchId, RecordKind.Correction, msg.sender);
        if (!_isRegulator(msg.sender)) {
            if (msg.sender != last.actor) revert LedgerRecordNotAllowed(batchId, RecordKind.Correction, msg.sender);
            _requirePermitted(msg.sender, Roles.HOLDERS);
            uint256 deadline = uint256(last.timestamp) + _correctionWindow;
            if (block.timestamp > deadline) revert LedgerCorrectionWindowClosed(batchId, deadline);
        }
        if (last.kind == RecordKind.InspectionPassed || last.kind == RecordKind.InspectionFailed) {
            b.flags &= ~INSPECTION; // back to Inspection.None
        }
        _append(batchId, b, RecordKind.Correction, msg.sender, keccak256(abi.encode(head, reasonHash)));
    }

    // ------------------------------------------------------------------ custody

    /// @inheritdoc IBatchLedger
    function ship(
        bytes32 batchId,
        uint32 toOrgId,
        uint256 quantity,
        uint32 carrierOrgId,
        bytes32 ref,
        bytes32 docHash,
        uint256 site,
        uint256 toSite
    ) external returns (bytes32 shipmentId) {
        (uint32 fromOrgId, uint16 roles) = _requirePermitted(msg.sender, Roles.HOLDERS);
        Batch storage b = _existingBatch(batchId);
        _requireRoute(batchId, b, fromOrgId, roles, toOrgId);
        _requireCarrier(carrierOrgId);
        _take(batchId, b, fromOrgId, quantity);
        // Field by field, so that the function also compiles without the IR pipeline (fewer stack slots).
        Shipment memory shipment;
        shipment.batchId = batchId;
        shipment.fromOrgId = fromOrgId;
        shipment.toOrgId = toOrgId;
        shipment.carrierOrgId = carrierOrgId;
        shipment.fromGln = _siteGln(fromOrgId, site);
        shipment.toGln = _siteGln(toOrgId, toSite);
        shipment.quantity = quantity;
        shipment.ref = ref;
        shipment.sequence = b.recordCount;
        shipmentId = keccak256(abi.encode(shipment));
        ShipmentRecord storage state = _shipments[shipmentId];
        state.status = ShipmentStatus.InTransit;
        state.shippedAt = uint32(block.timestamp);
        emit Shipped(shipmentId, batchId, toOrgId, shipment, docHash);
        _append(batchId, b, RecordKind.Shipped, msg.sender, shipmentId);
    }

    /// @inheritdoc IBatchLedger
    function pickUp(Shipment calldata shipment) external {
        ShipmentRecord storage state = _carrierStep(
            shipment,
            ShipmentStatus.InTransit,
            ShipmentStatus.PickedUp,
            RecordKind.PickedUp
        );
        state.pickedUpAt = uint32(block.timestamp);
    }

    /// @inheritdoc IBatchLedger
    function deliver(Shipment calldata shipment) external {
        ShipmentRecord storage state = _carrierStep(
            shipment,
            ShipmentStatus.PickedUp,
            ShipmentStatus.Delivered,
            RecordKind.Delivered
        );
        state.deliveredAt = uint32(block.timestamp);
    }

    /// @inheritdoc IBatchLedger
    function receiveShipment(Shipment calldata shipment, uint256 quantityReceived, bool goodCondition) external {
        (bytes32 shipmentId, ShipmentRecord storage state) = _partyStep(shipment, shipment.toOrgId);
        _requireArriving(shipmentId, state.status);
        if (quantityReceived > shipment.quantity) {
            revert LedgerReceivedTooMuch(shipmentId, quantityReceived, shipment.quantity);
        }
        state.status = ShipmentStatus.Received;
        Batch storage b = _batches[shipment.batchId];
        _conclude(shipmentId, shipment, state, b, quantityReceived);
        emit Received(shipmentId, quantityReceived, goodCondition);
        bytes32 dataHash = keccak256(abi.encode(shipmentId, quantityReceived, goodCondition));
        _append(shipment.batchId, b, RecordKind.Received, msg.sender, dataHash);
    }

    /// @inheritdoc IBatchLedger
    function refuse(Shipment calldata shipment, bytes32 reasonHash) external {
        (bytes32 shipmentId, ShipmentRecord storage state) = _partyStep(shipment, shipment.toOrgId);
        _requireArriving(shipmentId, state.status);
        if (reasonHash == bytes32(0)) revert LedgerEmptyHash();
        state.status = ShipmentStatus.Refused;
        state.answeredAt = uint32(block.timestamp);
        emit ShipmentUpdated(shipmentId, ShipmentStatus.Refused, msg.sender);
        bytes32 dataHash = keccak256(abi.encode(shipmentId, reasonHash));
        _append(shipment.batchId, _batches[shipment.batchId], RecordKind.Refused, msg.sender, dataHash);
    }

    /// @inheritdoc IBatchLedger
    function recordReturn(Shipment calldata shipment) external {
        _carrierStep(shipment, ShipmentStatus.Refused, ShipmentStatus.Returned, RecordKind.Returned);
        _give(shipment.batchId, _batches[shipment.batchId], shipment.fromOrgId, shipment.quantity);
    }

    /// @inheritdoc IBatchLedger
    function reclaim(Shipment calldata shipment) external {
        (bytes32 shipmentId, ShipmentRecord storage state) = _partyStep(shipment, shipment.fromOrgId);
        _requireOpen(shipmentId, state.status);
        // The window runs from the refusal of refused goods that never came back, else from the delivery record.
        uint256 windowFrom = state.status == ShipmentStatus.Refused ? state.answeredAt : state.deliveredAt;
        uint256 windowEnds = windowFrom == 0 ? 0 : windowFrom + _receiptWindow;
        (OrganisationStatus recipient, ) = alliance().standing(shipment.toOrgId);
        if (recipient == OrganisationStatus.Active && (windowEnds == 0 || block.timestamp <= windowEnds)) {
            revert LedgerReceiptWindowOpen(shipmentId, windowEnds);
        }
        state.status = ShipmentStatus.Reclaimed;
        emit ShipmentUpdated(shipmentId, ShipmentStatus.Reclaimed, msg.sender);
        Batch storage b = _batches[shipment.batchId];
        _give(shipment.batchId, b, shipment.fromOrgId, shipment.quantity);
        _append(shipment.batchId, b, RecordKind.Reclaimed, msg.sender, shipmentId);
    }

    /// @inheritdoc IBatchLedger
    function settle(Shipment calldata shipment, uint256 quantityReceived, bytes32 reasonHash) external onlyRegulator {
        (bytes32 shipmentId, ShipmentRecord storage state) = _existingShipment(shipment);
        _requireOpen(shipmentId, state.status);
        if (quantityReceived > shipment.quantity) {
            revert LedgerReceivedTooMuch(shipmentId, quantityReceived, shipment.quantity);
        }
        if (reasonHash == bytes32(0)) revert LedgerEmptyHash();
        state.status = ShipmentStatus.Settled;
        Batch storage b = _batches[shipment.batchId];
        _conclude(shipmentId, shipment, state, b, quantityReceived);
        emit ShipmentSettled(shipmentId, msg.sender, quantityReceived, reasonHash);
        bytes32 dataHash = keccak256(abi.encode(shipmentId, quantityReceived, reasonHash));
        _append(shipment.batchId, b, RecordKind.Settled, msg.sender, dataHash);
    }

    /// @inheritdoc IBatchLedger
    function dispense(bytes32 batchId, uint256 quantity, bytes32 referenceHash) external {
        Batch storage b = _existingBatch(batchId);
        if (b.flags & SERIALISED != 0) revert LedgerSerialisedBatch(batchId);
        _dispense(msg.sender, batchId, b, quantity, referenceHash);
    }

    /// @inheritdoc IBatchLedger
    function destroy(bytes32 batchId, uint256 quantity, bytes32 reasonHash) external {
        (uint32 orgId, ) = _requirePermitted(msg.sender, Roles.HOLDERS);
        Batch storage b = _existingBatch(batchId);
        if (reasonHash == bytes32(0)) revert LedgerEmptyHash();
        _take(batchId, b, orgId, quantity);
        _totals[batchId].destroyed += uint64(quantity); // at most the uint40 commissioned quantity
        emit Destroyed(batchId, orgId, quantity, reasonHash);
        _append(batchId, b, RecordKind.Destroyed, msg.sender, keccak256(abi.encode(quantity, reasonHash)));
    }

    /// @inheritdoc IBatchLedger
    function recall(bytes32 batchId, uint8 recallClass, bytes32 reasonHash) external {
        (bool regulator, uint32 orgId) = _recaller(msg.sender);
        _recall(msg.sender, batchId, recallClass, reasonHash, regulator, orgId);
    }

    /// @inheritdoc IBatchLedger
    function recallMany(bytes32[] calldata batchIds, uint8 recallClass, bytes32 reasonHash) external {
        uint256 count = batchIds.length;
        if (count == 0 || count > MAX_RECALL_BATCHES) revert LedgerInvalidBatchCount(count, MAX_RECALL_BATCHES);
        (bool regulator, uint32 orgId) = _recaller(msg.sender);
        for (uint256 i; i < count; ++i) _recall(msg.sender, batchIds[i], recallClass, reasonHash, regulator, orgId);
    }

    // ------------------------------------------------------------------ modules

    /// @inheritdoc IBatchLedger
    function serialiseFor(address actor, bytes32 batchId, bytes32 dataHash) external onlyModule {
        (uint32 orgId, ) = _requirePermitted(actor, Roles.MAKERS);
        Batch storage b = _existingBatch(batchId);
        if (b.makerOrgId != orgId) revert LedgerRecordNotAllowed(batchId, RecordKind.SerialsCommitted, actor);
        if (b.flags & SERIALISED != 0) revert LedgerSerialisedBatch(batchId);
        if (dataHash == bytes32(0)) revert LedgerEmptyHash();
        b.flags |= SERIALISED;
        _append(batchId, b, RecordKind.SerialsCommitted, actor, dataHash);
    }

    /// @inheritdoc IBatchLedger
    function dispenseFor(address actor, bytes32 batchId, uint256 quantity, bytes32 referenceHash) external onlyModule {
        _dispense(actor, batchId, _existingBatch(batchId), quantity, referenceHash);
    }

    /// @inheritdoc IBatchLedger
    function blockFor(address actor, bytes32 batchId, bytes32 reasonHash) external onlyModule {
        _requireGovernanceRole(GovernanceRoles.REGULATOR, actor);
        _block(actor, batchId, reasonHash);
    }

    /// @inheritdoc IBatchLedger
    function recordReadingsFor(ReadingRecord[] calldata readings) external onlyModule {
        uint256 count = readings.length;
        if (count == 0 || count > MAX_RECORDS_PER_CALL) revert LedgerInvalidReadingCount(count, MAX_RECORDS_PER_CALL);
        for (uint256 i; i < count; ++i) {
            ReadingRecord calldata reading = readings[i];
            Batch storage b = _existingBatch(reading.batchId);
            if (reading.readingHash == bytes32(0)) revert LedgerEmptyHash();
            _append(reading.batchId, b, RecordKind.Reading, reading.device, reading.readingHash);
        }
    }

    /// @inheritdoc IBatchLedger
    function holdFor(address device, Shipment calldata shipment, bytes32 readingHash) external onlyModule {
        (bytes32 shipmentId, ShipmentRecord storage state) = _existingShipment(shipment);
        _requireArriving(shipmentId, state.status);
        if (readingHash == bytes32(0)) revert LedgerEmptyHash();
        state.status = ShipmentStatus.Held;
        ++_totals[shipment.batchId].openExcursions; // at most one per shipment, far below 2**32
        emit ShipmentUpdated(shipmentId, ShipmentStatus.Held, device);
        bytes32 dataHash = keccak256(abi.encode(shipmentId, readingHash));
        _append(shipment.batchId, _batches[shipment.batchId], RecordKind.Held, device, dataHash);
    }

    /// @inheritdoc IBatchLedger
    function recallFor(address actor, bytes32 batchId, uint8 recallClass, bytes32 reasonHash) external onlyModule {
        (bool regulator, uint32 orgId) = _recaller(actor);
        _recall(actor, batchId, recallClass, reasonHash, regulator, orgId);
    }

    // ------------------------------------------------------------------ regulators

    /// @inheritdoc IBatchLedger
    function releaseEarly(bytes32 batchId, bytes32 reasonHash) external onlyRegulator {
        Batch storage b = _regulatedBatch(batchId, reasonHash);
        BatchStatus status = _status(b);
        if (status != BatchStatus.OnHold) revert LedgerUnexpectedStatus(batchId, status);
        b.flags |= RELEASED_EARLY;
        _append(batchId, b, RecordKind.Released, msg.sender, reasonHash);
    }

    /// @inheritdoc IBatchLedger
    function blockBatch(bytes32 batchId, bytes32 reasonHash) external onlyRegulator {
        _block(msg.sender, batchId, reasonHash);
    }

    /// @inheritdoc IBatchLedger
    function unblockBatch(bytes32 batchId, bytes32 reasonHash) external onlyRegulator {
        Batch storage b = _regulatedBatch(batchId, reasonHash);
        if (b.flags & BLOCKED == 0) revert LedgerUnexpectedStatus(batchId, _status(b));
        b.flags &= ~BLOCKED;
        _append(batchId, b, RecordKind.Unblocked, msg.sender, reasonHash);
    }

    /// @inheritdoc IBatchLedger
    function clearHold(Shipment calldata shipment, bool destroyGoods, bytes32 reasonHash) external onlyRegulator {
        (bytes32 shipmentId, ShipmentRecord storage state) = _existingShipment(shipment);
        if (state.status != ShipmentStatus.Held) revert LedgerUnexpectedShipmentStatus(shipmentId, state.status);
        if (reasonHash == bytes32(0)) revert LedgerEmptyHash();
        bytes32 batchId = shipment.batchId;
        Totals storage totals = _totals[batchId];
        --totals.openExcursions;
        Batch storage b = _batches[batchId];
        _append(batchId, b, RecordKind.HoldCleared, msg.sender, keccak256(abi.encode(shipmentId, reasonHash)));
        if (destroyGoods) {
            uint256 quantity = shipment.quantity;
            state.status = ShipmentStatus.Settled;
            state.answeredAt = uint32(block.timestamp);
            totals.destroyed += uint64(quantity); // at most the uint40 commissioned quantity
            emit ShipmentSettled(shipmentId, msg.sender, 0, reasonHash);
            emit Destroyed(batchId, shipment.carrierOrgId, quantity, reasonHash);
            _append(batchId, b, RecordKind.Destroyed, msg.sender, keccak256(abi.encode(quantity, reasonHash)));
        } else {
            ShipmentStatus resumed =
                state.deliveredAt != 0
                    ? ShipmentStatus.Delivered
                    : (state.pickedUpAt != 0 ? ShipmentStatus.PickedUp : ShipmentStatus.InTransit);
            state.status = resumed;
            emit ShipmentUpdated(shipmentId, resumed, msg.sender);
        }
    }

    // ------------------------------------------------------------------ governance

    /// @inheritdoc IBatchLedger
    function setModule(address module, bool registered) external onlyGovernor {
        if (module == address(0)) revert LedgerZeroAddress();
        _modules[module] = registered;
        emit ModuleSet(module, registered);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IBatchLedger
    function batch(bytes32 batchId) external view returns (BatchView memory) {
        Batch storage b = _existingBatch(batchId);
        return
            BatchView({
                gtin: b.gtin,
                makerOrgId: b.makerOrgId,
                commissioned: b.commissioned,
                expiresAt: b.expiresAt,
                holdUntil: b.holdUntil,
                inspection: Inspection(b.flags & INSPECTION),
                releasedEarly: b.flags & RELEASED_EARLY != 0,
                blocked: b.flags & BLOCKED != 0,
                serialised: b.flags & SERIALISED != 0,
                status: _status(b),
                head: _heads[batchId],
                recordCount: b.recordCount
            });
    }

    /// @inheritdoc IBatchLedger
    function batchStatus(bytes32 batchId) external view returns (BatchStatus) {
        return _status(_batches[batchId]);
    }

    /// @inheritdoc IBatchLedger
    function holdingOf(bytes32 batchId, uint32 orgId) external view returns (uint256) {
        return _holdingOf(batchId, _batches[batchId], orgId);
    }

    /// @inheritdoc IBatchLedger
    function historyOf(bytes32 batchId) external view returns (bytes32 head, uint256 recordCount) {
        return (_heads[batchId], _batches[batchId].recordCount);
    }

    /// @inheritdoc IBatchLedger
    function batchIdOf(uint64 gtin, bytes32 lot) public pure returns (bytes32) {
        return keccak256(abi.encode(gtin, lot));
    }

    /// @inheritdoc IBatchLedger
    function shipmentState(bytes32 shipmentId) external view returns (ShipmentRecord memory) {
        return _shipments[shipmentId];
    }

    /// @inheritdoc IBatchLedger
    function shipmentIdOf(Shipment calldata shipment) public pure returns (bytes32) {
        return keccak256(abi.encode(shipment));
    }

    /// @inheritdoc IBatchLedger
    function openExcursionsOf(bytes32 batchId) external view returns (uint256) {
        return _totals[batchId].openExcursions;
    }

    /// @inheritdoc IBatchLedger
    function outflowsOf(bytes32 batchId) external view returns (Outflows memory) {
        Totals storage totals = _totals[batchId];
        return Outflows({dispensed: totals.dispensed, destroyed: totals.destroyed, lost: totals.lost});
    }

    /// @inheritdoc IBatchLedger
    function receiptWindow() external view returns (uint32) {
        return _receiptWindow;
    }

    /// @inheritdoc IBatchLedger
    function isModule(address module) external view returns (bool) {
        return _modules[module];
    }

    /// @inheritdoc IBatchLedger
    function correctionWindow() external view returns (uint32) {
        return _correctionWindow;
    }

    /// @inheritdoc IBatchLedger
    function catalog() external view returns (IProductCatalog) {
        return _catalog;
    }

    /// @inheritdoc IBatchLedger
    function version() external pure returns (string memory) {
        return "1.0.0";
    }

    // ------------------------------------------------------------------ internals

    /// @dev Ordinary shipments need a Released batch and a route the sender's roles allow; returns to the maker need
    /// neither. The recipient must be another organisation, Active in a holding role.
    function _requireRoute(
        bytes32 batchId,
        Batch storage b,
        uint32 fromOrgId,
        uint16 roles,
        uint32 toOrgId
    ) private view {
        (OrganisationStatus status, uint16 toRoles) = alliance().standing(toOrgId);
        uint16 allowed = Roles.HOLDERS;
        if (toOrgId != b.makerOrgId) {
            BatchStatus current = _status(b);
            if (current != BatchStatus.Released) revert LedgerUnexpectedStatus(batchId, current);
            allowed = _routes(roles);
        }
        if (toOrgId == fromOrgId || status != OrganisationStatus.Active || toRoles & allowed == 0) {
            revert LedgerRouteNotAllowed(batchId, fromOrgId, toOrgId);
        }
    }

    function _requireCarrier(uint32 carrierOrgId) private view {
        (OrganisationStatus status, uint16 roles) = alliance().standing(carrierOrgId);
        if (status != OrganisationStatus.Active || roles & Roles.LOGISTICS == 0)
            revert LedgerInvalidCarrier(carrierOrgId);
    }

    /// @dev The recipient roles a sender holding `roles` may ship to (the README's route table).
    function _routes(uint16 roles) private pure returns (uint16 allowed) {
        uint16 care = Roles.AGENCY | Roles.HOSPITAL | Roles.RETAILER;
        uint16 trade = Roles.DISTRIBUTOR | Roles.LOGISTICS | care;
        if (roles & Roles.SUPPLIER != 0) allowed |= Roles.MAKERS | Roles.DISTRIBUTOR | Roles.LOGISTICS;
        if (roles & (Roles.MANUFACTURER | Roles.LOGISTICS) != 0) allowed |= Roles.MANUFACTURER | trade;
        if (roles & (Roles.DISTRIBUTOR | Roles.AGENCY) != 0) allowed |= trade;
        if (roles & Roles.HOSPITAL != 0) allowed |= Roles.HOSPITAL | Roles.AGENCY;
    }

    /// @dev A carrier's step on its shipment, from `from` to `to`.
    function _carrierStep(
        Shipment calldata shipment,
        ShipmentStatus from,
        ShipmentStatus to,
        RecordKind kind
    ) private returns (ShipmentRecord storage state) {
        (uint32 orgId, ) = _requirePermitted(msg.sender, Roles.LOGISTICS);
        bytes32 shipmentId;
        (shipmentId, state) = _existingShipment(shipment);
        if (orgId != shipment.carrierOrgId) revert LedgerNotShipmentParty(shipmentId, msg.sender);
        if (state.status != from) revert LedgerUnexpectedShipmentStatus(shipmentId, state.status);
        state.status = to;
        emit ShipmentUpdated(shipmentId, to, msg.sender);
        _append(shipment.batchId, _batches[shipment.batchId], kind, msg.sender, shipmentId);
    }

    /// @dev The shipment, when the caller acts in a holding role for `party` (its sender or recipient).
    function _partyStep(
        Shipment calldata shipment,
        uint32 party
    ) private view returns (bytes32 shipmentId, ShipmentRecord storage state) {
        (uint32 orgId, ) = _requirePermitted(msg.sender, Roles.HOLDERS);
        (shipmentId, state) = _existingShipment(shipment);
        if (orgId != party) revert LedgerNotShipmentParty(shipmentId, msg.sender);
    }

    function _existingShipment(
        Shipment calldata shipment
    ) private view returns (bytes32 shipmentId, ShipmentRecord storage state) {
        shipmentId = shipmentIdOf(shipment);
        state = _shipments[shipmentId];
        if (state.status == ShipmentStatus.None) revert LedgerUnknownShipment(shipmentId);
    }

    /// @dev Goods still on their way to the recipient: it may receive or refuse them.
    function _requireArriving(bytes32 shipmentId, ShipmentStatus status) private pure {
        if (
            status != ShipmentStatus.InTransit &&
            status != ShipmentStatus.PickedUp &&
            status != ShipmentStatus.Delivered
        ) {
            revert LedgerUnexpectedShipmentStatus(shipmentId, status);
        }
    }

    /// @dev A shipment not yet concluded (received, returned, reclaimed or settled) and not held.
    function _requireOpen(bytes32 shipmentId, ShipmentStatus status) private pure {
        if (
            status == ShipmentStatus.Held ||
            status == ShipmentStatus.Received ||
            status == ShipmentStatus.Returned ||
            status == ShipmentStatus.Reclaimed ||
            status == ShipmentStatus.Settled
        ) revert LedgerUnexpectedShipmentStatus(shipmentId, status);
    }

    /// @dev The recipient gains what it received; a shortfall is lost in transit, attributed to the carrier.
    function _conclude(
        bytes32 shipmentId,
        Shipment calldata shipment,
        ShipmentRecord storage state,
        Batch storage b,
        uint256 quantityReceived
    ) private {
        state.answeredAt = uint32(block.timestamp);
        state.received = uint40(quantityReceived); // at most the quantity shipped, itself at most the commissioned
        if (quantityReceived != 0) _give(shipment.batchId, b, shipment.toOrgId, quantityReceived);
        uint256 shortfall = shipment.quantity - quantityReceived;
        if (shortfall != 0) {
            _totals[shipment.batchId].lost += uint64(shortfall); // at most the uint40 commissioned quantity
            emit ShortfallReported(shipmentId, shipment.batchId, shipment.carrierOrgId, shortfall);
        }
    }

    /// @dev Moves `quantity` out of an organisation's holding.
    function _take(bytes32 batchId, Batch storage b, uint32 orgId, uint256 quantity) private {
        if (quantity == 0) revert LedgerInvalidQuantity(quantity);
        uint256 holding = _holdingOf(batchId, b, orgId);
        if (holding < quantity) revert LedgerInsufficientHolding(batchId, orgId, holding, quantity);
        unchecked {
            _setHolding(batchId, b, orgId, holding - quantity); // holding >= quantity, checked above
        }
    }

    /// @dev Moves `quantity` into an organisation's holding.
    function _give(bytes32 batchId, Batch storage b, uint32 orgId, uint256 quantity) private {
        _setHolding(batchId, b, orgId, _holdingOf(batchId, b, orgId) + quantity);
    }

    /// @dev `actor` dispenses units of a Released batch its organisation holds, as a hospital or retailer.
    function _dispense(
        address actor,
        bytes32 batchId,
        Batch storage b,
        uint256 quantity,
        bytes32 referenceHash
    ) private {
        (uint32 orgId, ) = _requirePermitted(actor, Roles.HOSPITAL | Roles.RETAILER);
        BatchStatus status = _status(b);
        if (status != BatchStatus.Released) revert LedgerUnexpectedStatus(batchId, status);
        if (referenceHash == bytes32(0)) revert LedgerEmptyHash();
        _take(batchId, b, orgId, quantity);
        _totals[batchId].dispensed += uint64(quantity); // at most the uint40 commissioned quantity
        emit Dispensed(batchId, orgId, quantity, referenceHash);
        _append(batchId, b, RecordKind.Dispensed, actor, keccak256(abi.encode(quantity, referenceHash)));
    }

    /// @dev A regulator's block (the caller checked `actor`).
    function _block(address actor, bytes32 batchId, bytes32 reasonHash) private {
        Batch storage b = _regulatedBatch(batchId, reasonHash);
        if (b.flags & BLOCKED != 0) revert LedgerUnexpectedStatus(batchId, BatchStatus.Blocked);
        b.flags |= BLOCKED;
        _append(batchId, b, RecordKind.Blocked, actor, reasonHash);
    }

    /// @dev A regulator, or else an account acting for a maker (which may recall only its own batches).
    function _recaller(address actor) private view returns (bool regulator, uint32 orgId) {
        if (_isRegulator(actor)) return (true, 0);
        (orgId, ) = _requirePermitted(actor, Roles.MAKERS);
    }

    function _recall(
        address actor,
        bytes32 batchId,
        uint8 recallClass,
        bytes32 reasonHash,
        bool regulator,
        uint32 orgId
    ) private {
        Batch storage b = _existingBatch(batchId);
        if (!regulator && b.makerOrgId != orgId) revert LedgerRecordNotAllowed(batchId, RecordKind.Recalled, actor);
        if (recallClass == 0 || recallClass > 3) revert LedgerInvalidRecallClass(recallClass);
        if (reasonHash == bytes32(0)) revert LedgerEmptyHash();
        if (b.flags & RECALLED != 0) revert LedgerUnexpectedStatus(batchId, BatchStatus.Recalled);
        b.flags |= RECALLED;
        emit BatchRecalled(batchId, actor, recallClass, reasonHash);
        _append(batchId, b, RecordKind.Recalled, actor, keccak256(abi.encode(recallClass, reasonHash)));
    }

    /// @dev The product's hold period, once it is approved and made by `orgId`.
    function _requireOwnApprovedProduct(uint64 gtin, uint32 orgId) private view returns (uint32 holdPeriod) {
        (uint32 makerOrgId, ProductStatus productStatus, uint32 period) = _catalog.productTerms(gtin);
        if (productStatus != ProductStatus.Approved) revert LedgerProductNotApproved(gtin, productStatus);
        if (makerOrgId != orgId) revert LedgerNotProductMaker(gtin, orgId);
        return period;
    }

    function _requireValidRequest(CommissionRequest calldata request) private view {
        if (!_isValidLot(request.lot)) revert LedgerInvalidLot(request.lot);
        if (request.quantity == 0 || request.quantity > type(uint40).max)
            revert LedgerInvalidQuantity(request.quantity);
        // Production no later than now and expiry after now put expiry after production.
        if (
            request.producedAt > block.timestamp ||
            request.expiresAt <= block.timestamp ||
            request.expiresAt > type(uint32).max
        ) revert LedgerInvalidDates(request.producedAt, request.expiresAt, block.timestamp);
        if (request.inputs.length > MAX_INPUTS) revert LedgerTooManyInputs(request.inputs.length, MAX_INPUTS);
    }

    /// @dev Stores a new batch held in full by its maker; reverts when the lot was used for the GTIN before.
    function _createBatch(
        CommissionRequest calldata request,
        uint32 orgId,
        uint32 holdPeriod
    ) private returns (bytes32 batchId) {
        batchId = batchIdOf(request.gtin, request.lot);
        if (_batches[batchId].gtin != 0) revert LedgerBatchExists(batchId);
        // The catalog approved the GTIN (< 10**14, fits 48 bits); the quantity was checked against uint40 and the
        // expiry against uint32; a hold reaching past 2106 is clamped there (it never ends before expiry anyway).
        _batches[batchId] = Batch({
            gtin: uint48(request.gtin),
            makerOrgId: orgId,
            expiresAt: uint32(request.expiresAt),
            holdUntil: uint32(Math.min(block.timestamp + holdPeriod, type(uint32).max)),
            commissioned: uint40(request.quantity),
            makerHolding: uint40(request.quantity),
            flags: 0,
            recordCount: 0
        });
    }

    /// @dev The Commissioned record's data hash (see RecordKind).
    function _commissionHash(CommissionRequest calldata request, uint64 gln) private pure returns (bytes32) {
        return
            keccak256(
                abi.encode(
                    request.gtin,
                    request.lot,
                    request.quantity,
                    request.producedAt,
                    request.expiresAt,
                    gln,
                    request.docHash,
                    request.inputs
                )
            );
    }

    /// @dev Consumes an input batch from the maker's holding and records it on the input's history.
    function _consume(InputUse calldata input, bytes32 outputBatchId, uint32 orgId) private {
        bytes32 inputId = input.batchId;
        Batch storage b = _existingBatch(inputId);
        BatchStatus status = _status(b);
        if (status != BatchStatus.Released) revert LedgerInputNotUsable(inputId, status);
        uint256 quantity = input.quantity;
        if (quantity == 0) revert LedgerInvalidQuantity(quantity);
        uint256 holding = _holdingOf(inputId, b, orgId);
        if (holding < quantity) revert LedgerInsufficientHolding(inputId, orgId, holding, quantity);
        unchecked {
            _setHolding(inputId, b, orgId, holding - quantity); // holding >= quantity, checked above
        }
        _append(inputId, b, RecordKind.ConsumedAsInput, msg.sender, keccak256(abi.encode(outputBatchId, quantity)));
    }

    /// @dev Appends an inspection or a note for `actor`, whose standing was established by the caller.
    function _record(Standing memory standing, address actor, RecordRequest calldata request) private {
        bytes32 batchId = request.batchId;
        RecordKind kind = request.kind;
        Batch storage b = _existingBatch(batchId);
        if (request.dataHash == bytes32(0)) revert LedgerEmptyHash();
        bool inspection = kind == RecordKind.InspectionPassed || kind == RecordKind.InspectionFailed;
        if (!inspection && kind != RecordKind.Note) revert LedgerRecordNotAllowed(batchId, kind, actor);
        if (!standing.regulator) {
            bool isMaker = standing.orgId == b.makerOrgId && standing.roles & Roles.MAKERS != 0;
            bool allowed = inspection ? isMaker : isMaker || _holdingOf(batchId, b, standing.orgId) != 0;
            if (!allowed) revert LedgerRecordNotAllowed(batchId, kind, actor);
        }
        if (kind == RecordKind.InspectionPassed) {
            b.flags = (b.flags & ~INSPECTION) | uint8(Inspection.Passed);
        } else if (kind == RecordKind.InspectionFailed) {
            b.flags = (b.flags & ~(INSPECTION | RELEASED_EARLY)) | uint8(Inspection.Failed);
        }
        _append(batchId, b, kind, actor, request.dataHash);
    }

    /// @dev Extends the batch's hash chain by one record and emits it.
    function _append(bytes32 batchId, Batch storage b, RecordKind kind, address actor, bytes32 dataHash) private {
        bytes32 prevHead = _heads[batchId];
        uint64 timestamp = uint64(block.timestamp);
        _heads[batchId] = _chain(prevHead, kind, actor, timestamp, dataHash);
        ++b.recordCount;
        emit Recorded(batchId, actor, prevHead, kind, timestamp, dataHash);
    }

    /// @dev A member acting in a holding role, or else a regulator; reverts for anyone else.
    function _standing(address actor) private view returns (Standing memory standing) {
        (standing.orgId, standing.roles) = alliance().permittedOrganisation(actor, Roles.HOLDERS);
        if (standing.orgId != 0) return standing;
        if (!_isRegulator(actor)) revert AllianceUnauthorized(actor, Roles.HOLDERS);
        standing.regulator = true;
    }

    function _regulatedBatch(bytes32 batchId, bytes32 reasonHash) private view returns (Batch storage b) {
        b = _existingBatch(batchId);
        if (reasonHash == bytes32(0)) revert LedgerEmptyHash();
    }

    function _existingBatch(bytes32 batchId) private view returns (Batch storage b) {
        b = _batches[batchId];
        if (b.gtin == 0) revert LedgerUnknownBatch(batchId);
    }

    function _status(Batch storage b) private view returns (BatchStatus) {
        if (b.gtin == 0) return BatchStatus.Unknown;
        uint8 flags = b.flags;
        if (flags & RECALLED != 0) return BatchStatus.Recalled;
        if (flags & BLOCKED != 0) return BatchStatus.Blocked;
        if (block.timestamp >= b.expiresAt) return BatchStatus.Expired;
        bool passed = flags & INSPECTION == uint8(Inspection.Passed);
        if (flags & RELEASED_EARLY != 0 || (block.timestamp >= b.holdUntil && passed)) {
            return BatchStatus.Released;
        }
        return BatchStatus.OnHold;
    }

    function _holdingOf(bytes32 batchId, Batch storage b, uint32 orgId) private view returns (uint256) {
        return orgId == b.makerOrgId ? b.makerHolding : _holdings[batchId][orgId];
    }

    /// @dev `quantity` never exceeds what was commissioned (conservation), so it fits the maker's uint40.
    function _setHolding(bytes32 batchId, Batch storage b, uint32 orgId, uint256 quantity) private {
        if (orgId == b.makerOrgId) b.makerHolding = uint40(quantity);
        else _holdings[batchId][orgId] = quantity;
    }

    function _siteGln(uint32 orgId, uint256 site) private view returns (uint64 gln) {
        try alliance().siteGln(orgId, site) returns (uint64 found) {
            return found;
        } catch {
            revert LedgerUnknownSite(orgId, site);
        }
    }

    function _hashRecord(HistoryRecord calldata r) private pure returns (bytes32) {
        return _chain(r.prevHead, r.kind, r.actor, r.timestamp, r.dataHash);
    }

    /// @dev keccak256(abi.encode(prevHead, kind, actor, timestamp, dataHash)), hashed in scratch memory past the
    /// free-memory pointer so that appending many records in one call does not keep growing memory.
    function _chain(
        bytes32 prevHead,
        RecordKind kind,
        address actor,
        uint64 time,
        bytes32 dataHash
    ) private pure returns (bytes32 head) {
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, prevHead)
            mstore(add(ptr, 0x20), kind)
            mstore(add(ptr, 0x40), actor)
            mstore(add(ptr, 0x60), time)
            mstore(add(ptr, 0x80), dataHash)
            head := keccak256(ptr, 0xa0)
        }
    }

    /// @dev GS1 AI 10: 1 to 20 printable ASCII characters (0x21 to 0x7E), then zero bytes to the end.
    function _isValidLot(bytes32 lot) private pure returns (bool) {
        if (lot[0] == 0 || uint256(lot) & type(uint96).max != 0) return false; // bytes 20..31 must be zero
        bool ended;
        for (uint256 i; i < 20; ++i) {
            bytes1 c = lot[i];
            if (c == 0) ended = true;
            else if (ended || c < 0x21 || c > 0x7e) return false;
        }
        return true;
    }
}
