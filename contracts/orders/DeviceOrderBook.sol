// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AllianceGated} from "../alliance/AllianceGated.sol";
import {OrganisationStatus, Roles} from "../alliance/AllianceTypes.sol";
import {IAllianceGated} from "../alliance/IAllianceGated.sol";
import {IAllianceRegistry} from "../alliance/IAllianceRegistry.sol";
import {IBatchLedger} from "../trace/IBatchLedger.sol";
import {IProductCatalog} from "../trace/IProductCatalog.sol";
import {BatchStatus, Category, ProductStatus, ShipmentStatus} from "../trace/TraceTypes.sol";
import {IDeviceOrderBook, OrderRecordKind, OrderStatus} from "./IDeviceOrderBook.sol";

/// @title DeviceOrderBook
/// @notice Custom device orders from a hospital's prescription to the device's installation and after-sales service,
/// each with its own hash-chained history.
/// @dev An order is three storage slots: one packed slot (parties, status, times, unit, record count), the device's
/// batch id and the history head. Every step reads and writes the packed slot and the head; nothing loops over a
/// growing collection (a design's raw materials are a bounded calldata list). The book only reads the ledger: it is
/// not a ledger module, and shipping and receiving the device happen in the ledger itself.
contract DeviceOrderBook is IDeviceOrderBook, AllianceGated {
    /// @inheritdoc IDeviceOrderBook
    uint256 public constant MAX_RAW_MATERIALS = 16;

    /// @dev The roles that may add service records: the order's hospital or manufacturer.
    uint16 private constant SERVICE_PARTIES = Roles.HOSPITAL | Roles.MANUFACTURER;

    struct Order {
        uint48 gtin; // GTIN-14 (< 10**14 < 2**47), validated by the catalog
        uint32 hospitalOrgId; // the ordering hospital
        uint32 manufacturerOrgId; // the manufacturer making the device
        OrderStatus status;
        uint32 placedAt; // unix seconds (dates up to 2106, as the ledger)
        uint32 producedAt; // the latest production; the compliance clock starts here; zero until produced
        uint40 unitIndex; // the device's unit in its batch (below the batch's uint40 commissioned quantity)
        uint32 recordCount; // history length
        bytes32 batchId; // the device's batch; zero until produced
        bytes32 head; // history head
    }

    IBatchLedger private immutable _ledger;
    IProductCatalog private immutable _catalog;
    uint32 private immutable _complianceWindow;

    uint256 private _orderCount;
    mapping(uint256 orderId => Order) private _orders;
    mapping(bytes32 batchId => mapping(uint256 unitIndex => uint256 orderId)) private _unitOrders;

    /// @param ledger_ The batch ledger; the alliance registry and the product catalog are the ledger's.
    /// @param complianceWindow_ Seconds a regulator has, after production, to rule in time (at least 1).
    constructor(IBatchLedger ledger_, uint32 complianceWindow_) AllianceGated(_registryOf(ledger_)) {
        if (complianceWindow_ == 0) revert OrdersInvalidComplianceWindow(complianceWindow_);
        _ledger = ledger_;
        _catalog = ledger_.catalog();
        _complianceWindow = complianceWindow_;
    }

    // ------------------------------------------------------------------ hospital: a new commitment

    /// @inheritdoc IDeviceOrderBook
    function place(OrderRequest calldata request) external whenAllianceNotPaused returns (uint256 orderId) {
        (uint32 hospitalOrgId, ) = _requirePermitted(msg.sender, Roles.HOSPITAL);
        _requireOrderable(request.manufacturerOrgId, request.gtin);
        if (request.patientRef == bytes32(0) || request.requirementsHash == bytes32(0)) revert OrdersEmptyHash();

        orderId = ++_orderCount;
        Order storage o = _orders[orderId];
        o.gtin = uint48(request.gtin); // the catalog validated it: below 10**14
        o.hospitalOrgId = hospitalOrgId;
        o.manufacturerOrgId = request.manufacturerOrgId;
        o.status = OrderStatus.Placed;
        o.placedAt = uint32(block.timestamp);
        emit OrderPlaced(orderId, hospitalOrgId, request.manufacturerOrgId, msg.sender, request);
        bytes32 dataHash = keccak256(
            abi.encode(
                hospitalOrgId,
                request.manufacturerOrgId,
                request.gtin,
                request.patientRef,
                request.requirementsHash
            )
        );
        _append(orderId, o, OrderRecordKind.Placed, dataHash);
    }

    // ------------------------------------------------------------------ manufacturer: performance

    /// @inheritdoc IDeviceOrderBook
    function design(uint256 orderId, DesignRequest calldata request) external {
        Order storage o = _orders[orderId];
        OrderStatus status = o.status;
        if (status != OrderStatus.Placed && status != OrderStatus.Rejected) {
            revert OrdersUnexpectedStatus(orderId, status);
        }
        _requireParty(orderId, Roles.MANUFACTURER, o.manufacturerOrgId);
        if (request.designHash == bytes32(0)) revert OrdersEmptyHash();
        uint256 count = request.rawMaterials.length;
        if (count == 0 || count > MAX_RAW_MATERIALS) revert OrdersInvalidMaterialCount(count, MAX_RAW_MATERIALS);
        for (uint256 i; i < count; ++i) {
            bytes32 material = request.rawMaterials[i];
            if (_ledger.batchStatus(material) == BatchStatus.Unknown) revert OrdersUnknownMaterial(i, material);
        }

        o.status = OrderStatus.Designed;
        emit OrderDesigned(orderId, msg.sender, status == OrderStatus.Rejected, request);
        _append(orderId, o, OrderRecordKind.Designed, keccak256(abi.encode(request.designHash, request.rawMaterials)));
    }

    /// @inheritdoc IDeviceOrderBook
    function completeProduction(uint256 orderId, bytes32 batchId, uint256 unitIndex) external {
        Order storage o = _orders[orderId];
        _requireStatus(orderId, o.status, OrderStatus.Designed);
        _requireParty(orderId, Roles.MANUFACTURER, o.manufacturerOrgId);
        IBatchLedger.BatchView memory b = _ledger.batch(batchId); // reverts LedgerUnknownBatch
        // The GTIN settles the maker too: the ledger commissions a GTIN's batches only for the product's maker, and
        // placing the order checked that the product's maker is the order's manufacturer.
        if (b.gtin != o.gtin) revert OrdersBatchMismatch(orderId, batchId, b.gtin, b.makerOrgId);
        if (unitIndex >= b.commissioned) revert OrdersInvalidUnitIndex(batchId, unitIndex, b.commissioned);
        uint256 boundTo = _unitOrders[batchId][unitIndex];
        if (boundTo == 0) _unitOrders[batchId][unitIndex] = orderId;
        else if (boundTo != orderId) revert OrdersUnitTaken(batchId, unitIndex, boundTo);

        o.status = OrderStatus.Produced;
        o.producedAt = uint32(block.timestamp);
        o.unitIndex = uint40(unitIndex); // below the ledger's uint40 commissioned quantity
        o.batchId = batchId;
        emit OrderProduced(orderId, batchId, unitIndex, msg.sender, block.timestamp + _complianceWindow);
        _append(orderId, o, OrderRecordKind.Produced, keccak256(abi.encode(batchId, unitIndex)));
    }

    // ------------------------------------------------------------------ regulator: performance

    /// @inheritdoc IDeviceOrderBook
    function approveCompliance(uint256 orderId, bytes32 certificateHash) external onlyRegulator {
        _rule(orderId, true, certificateHash);
    }

    /// @inheritdoc IDeviceOrderBook
    function rejectCompliance(uint256 orderId, bytes32 reasonHash) external onlyRegulator {
        _rule(orderId, false, reasonHash);
    }

    // ------------------------------------------------------------------ hospital: performance

    /// @inheritdoc IDeviceOrderBook
    function confirmInstallation(
        uint256 orderId,
        IBatchLedger.Shipment calldata shipment,
        bytes32 installationReportHash,
        string calldata reportURI
    ) external {
        Order storage o = _orders[orderId];
        _requireStatus(orderId, o.status, OrderStatus.Approved);
        _requireParty(orderId, Roles.HOSPITAL, o.hospitalOrgId);
        if (installationReportHash == bytes32(0)) revert OrdersEmptyHash();
        bytes32 shipmentId = _receivedShipment(orderId, o, shipment);

        o.status = OrderStatus.Installed;
        emit OrderInstalled(orderId, shipmentId, msg.sender, installationReportHash, reportURI);
        _append(orderId, o, OrderRecordKind.Installed, keccak256(abi.encode(shipmentId, installationReportHash)));
    }

    /// @inheritdoc IDeviceOrderBook
    function recordService(uint256 orderId, bytes32 reportHash, string calldata reportURI) external {
        Order storage o = _orders[orderId];
        _requireStatus(orderId, o.status, OrderStatus.Installed);
        (uint32 orgId, ) = _requirePermitted(msg.sender, SERVICE_PARTIES);
        if (orgId != o.hospitalOrgId && orgId != o.manufacturerOrgId) revert OrdersNotOrderParty(orderId, msg.sender);
        if (reportHash == bytes32(0)) revert OrdersEmptyHash();

        emit OrderServiced(orderId, msg.sender, reportHash, reportURI);
        _append(orderId, o, OrderRecordKind.Serviced, reportHash);
    }

    /// @inheritdoc IDeviceOrderBook
    function cancel(uint256 orderId, bytes32 reasonHash) external {
        Order storage o = _orders[orderId];
        OrderStatus status = o.status;
        if (
            status != OrderStatus.Placed &&
            status != OrderStatus.Designed &&
            status != OrderStatus.Rejected &&
            status != OrderStatus.Produced
        ) revert OrdersUnexpectedStatus(orderId, status);
        _requireParty(orderId, Roles.HOSPITAL, o.hospitalOrgId);
        if (status == OrderStatus.Produced) {
            uint256 deadline = _deadline(o);
            if (block.timestamp <= deadline) revert OrdersComplianceWindowOpen(orderId, deadline);
        }
        if (reasonHash == bytes32(0)) revert OrdersEmptyHash();

        o.status = OrderStatus.Cancelled;
        emit OrderCancelled(orderId, msg.sender, status, reasonHash);
        _append(orderId, o, OrderRecordKind.Cancelled, reasonHash);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IDeviceOrderBook
    function orderOf(uint256 orderId) external view returns (OrderView memory view_) {
        Order storage o = _orders[orderId];
        view_.gtin = o.gtin;
        view_.hospitalOrgId = o.hospitalOrgId;
        view_.manufacturerOrgId = o.manufacturerOrgId;
        view_.status = o.status;
        view_.placedAt = o.placedAt;
        view_.producedAt = o.producedAt;
        view_.complianceDeadline = o.producedAt == 0 ? 0 : _deadline(o);
        view_.batchId = o.batchId;
        view_.unitIndex = o.unitIndex;
        view_.head = o.head;
        view_.recordCount = o.recordCount;
    }

    /// @inheritdoc IDeviceOrderBook
    function exists(uint256 orderId) external view returns (bool) {
        return _orders[orderId].status != OrderStatus.None;
    }

    /// @inheritdoc IDeviceOrderBook
    function statusOf(uint256 orderId) external view returns (OrderStatus) {
        return _orders[orderId].status;
    }

    /// @inheritdoc IDeviceOrderBook
    function historyOf(uint256 orderId) external view returns (bytes32 head, uint256 recordCount) {
        Order storage o = _orders[orderId];
        return (o.head, o.recordCount);
    }

    /// @inheritdoc IDeviceOrderBook
    function orderOfUnit(bytes32 batchId, uint256 unitIndex) external view returns (uint256) {
        return _unitOrders[batchId][unitIndex];
    }

    /// @inheritdoc IDeviceOrderBook
    function shipmentRefOf(uint256 orderId) public view returns (bytes32) {
        return keccak256(abi.encode(address(this), orderId));
    }

    /// @inheritdoc IDeviceOrderBook
    function orderCount() external view returns (uint256) {
        return _orderCount;
    }

    /// @inheritdoc IDeviceOrderBook
    function complianceWindow() external view returns (uint32) {
        return _complianceWindow;
    }

    /// @inheritdoc IDeviceOrderBook
    function ledger() external view returns (IBatchLedger) {
        return _ledger;
    }

    /// @inheritdoc IDeviceOrderBook
    function catalog() external view returns (IProductCatalog) {
        return _catalog;
    }

    /// @inheritdoc IDeviceOrderBook
    function version() external pure returns (string memory) {
        return "1.0.0";
    }

    // ------------------------------------------------------------------ internals

    /// @dev The registry of the ledger, which this contract shares (so the two can never disagree).
    function _registryOf(IBatchLedger ledger_) private view returns (IAllianceRegistry) {
        if (address(ledger_) == address(0)) revert OrdersZeroAddress();
        return IAllianceGated(address(ledger_)).alliance();
    }

    /// @dev The manufacturer is Active and admitted as MANUFACTURER, and `gtin` is its Approved device.
    function _requireOrderable(uint32 manufacturerOrgId, uint64 gtin) private view {
        (OrganisationStatus standing, uint16 roles) = alliance().standing(manufacturerOrgId);
        if (standing != OrganisationStatus.Active || roles & Roles.MANUFACTURER == 0) {
            revert OrdersInvalidManufacturer(manufacturerOrgId);
        }
        IProductCatalog.ProductView memory p = _catalog.product(gtin); // reverts CatalogUnknownProduct
        if (p.status != ProductStatus.Approved || p.category != Category.Device || p.makerOrgId != manufacturerOrgId) {
            revert OrdersProductNotOrderable(gtin, manufacturerOrgId, p.makerOrgId, p.category, p.status);
        }
    }

    /// @dev The caller acts in a role of `roleMask` for the organisation `orgId` of the order.
    function _requireParty(uint256 orderId, uint16 roleMask, uint32 orgId) private view {
        (uint32 callerOrgId, ) = _requirePermitted(msg.sender, roleMask);
        if (callerOrgId != orgId) revert OrdersNotOrderParty(orderId, msg.sender);
    }

    /// @dev The shipment names the order, carries its device from its manufacturer to its hospital, and was received.
    function _receivedShipment(
        uint256 orderId,
        Order storage o,
        IBatchLedger.Shipment calldata shipment
    ) private view returns (bytes32 shipmentId) {
        shipmentId = keccak256(abi.encode(shipment)); // the ledger's shipment id
        if (
            shipment.batchId != o.batchId ||
            shipment.fromOrgId != o.manufacturerOrgId ||
            shipment.toOrgId != o.hospitalOrgId ||
            shipment.ref != shipmentRefOf(orderId)
        ) revert OrdersShipmentMismatch(orderId, shipmentId);
        IBatchLedger.ShipmentRecord memory state = _ledger.shipmentState(shipmentId);
        if (state.status != ShipmentStatus.Received || state.received == 0) {
            revert OrdersShipmentNotReceived(shipmentId, state.status, state.received);
        }
    }

    /// @dev A regulator's compliance ruling on a produced order (in time or late).
    function _rule(uint256 orderId, bool approved, bytes32 documentHash) private {
        Order storage o = _orders[orderId];
        _requireStatus(orderId, o.status, OrderStatus.Produced);
        if (documentHash == bytes32(0)) revert OrdersEmptyHash();

        o.status = approved ? OrderStatus.Approved : OrderStatus.Rejected;
        emit OrderRuled(orderId, msg.sender, approved, documentHash, block.timestamp > _deadline(o));
        _append(orderId, o, approved ? OrderRecordKind.Approved : OrderRecordKind.Rejected, documentHash);
    }

    /// @dev Extends the order's hash chain by one record by the caller and emits it.
    function _append(uint256 orderId, Order storage o, OrderRecordKind kind, bytes32 dataHash) private {
        bytes32 prevHead = o.head;
        uint64 timestamp = uint64(block.timestamp);
        o.head = keccak256(abi.encode(prevHead, kind, msg.sender, timestamp, dataHash));
        ++o.recordCount;
        emit OrderRecorded(orderId, msg.sender, prevHead, kind, timestamp, dataHash);
    }

    function _requireStatus(uint256 orderId, OrderStatus status, OrderStatus expected) private pure {
        if (status != expected) revert OrdersUnexpectedStatus(orderId, status);
    }

    /// @dev The compliance deadline of a produced order: rulings at or before it are in time.
    function _deadline(Order storage o) private view returns (uint256) {
        return uint256(o.producedAt) + _complianceWindow;
    }
}
