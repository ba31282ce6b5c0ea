// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IBatchLedger} from "../trace/IBatchLedger.sol";
import {IProductCatalog} from "../trace/IProductCatalog.sol";
import {Category, ProductStatus, ShipmentStatus} from "../trace/TraceTypes.sol";

/// @notice Where a custom device order stands. Each step is taken by its one role, in this order:
/// Placed (hospital) → Designed (manufacturer) → Produced (manufacturer) → Approved or Rejected (regulator) →
/// Installed (hospital, once the device arrived through the ledger); a Rejected order goes back to Designed when the
/// manufacturer revises it. Cancelled and Installed are final (an installed device keeps receiving service records).
enum OrderStatus {
    None, // no such order
    Placed, // the hospital placed it; awaiting the manufacturer's design
    Designed, // design parameters and raw materials recorded; awaiting production
    Produced, // the device was made (a unit of a ledger batch); awaiting a regulator's compliance ruling
    Approved, // compliant: the device may ship; awaiting the hospital's installation record
    Rejected, // not compliant: the manufacturer may revise it (design again), or the hospital may cancel
    Installed, // installed in the patient; after-sales service records follow
    Cancelled // cancelled by the hospital
}

/// @notice Kinds of order history records. The record's `dataHash` is documented per kind.
enum OrderRecordKind {
    None,
    // The hospital placed the order;
    // dataHash: keccak256(abi.encode(hospitalOrgId, manufacturerOrgId, gtin, patientRef, requirementsHash))
    Placed,
    // The manufacturer recorded (or, after a rejection, revised) the design;
    // dataHash: keccak256(abi.encode(designHash, rawMaterials)) with rawMaterials the bytes32[] of batch ids
    Designed,
    Produced, // the manufacturer linked the device; dataHash: keccak256(abi.encode(batchId, unitIndex))
    Approved, // a regulator found the device compliant; dataHash: the compliance certificate's hash
    Rejected, // a regulator found it not compliant; dataHash: the written reasons' hash
    Installed, // the hospital installed it; dataHash: keccak256(abi.encode(shipmentId, installationReportHash))
    Serviced, // an after-sales service record by the manufacturer or the hospital; dataHash: the service report's hash
    Cancelled // the hospital cancelled the order; dataHash: the written reasons' hash
}

/// @title The MedAlliance custom device order book
/// @notice A hospital orders a custom medical device (an implant made to a patient's measurements) from a
/// manufacturer; the manufacturer designs and produces it from raw-material batches of the ledger; a regulator rules
/// on its compliance; the device ships to the hospital through the ledger and the hospital records its installation;
/// service records follow for the device's life. Every order keeps its own hash-chained history.
/// @dev History: `head = keccak256(abi.encode(prevHead, kind, actor, timestamp, dataHash))`, starting from zero, one
/// {OrderRecorded} event per record carrying exactly those fields, as batch histories in the ledger do.
///
/// No personal data reaches the chain: the patient appears only as `patientRef = keccak256(abi.encodePacked(salt,
/// hospitalPatientId))` with a salt the hospital keeps off chain (destroying it honours erasure); requirements, design
/// and reports stay off chain as hashes (URIs in events only).
///
/// The compliance window: a produced order's ruling is in time up to and including `producedAt + complianceWindow`
/// (its compliance deadline). From the next second on, the hospital may cancel it; until the hospital does, a
/// regulator may still rule (a late ruling, flagged in {OrderRuled}). Orders waiting on the manufacturer (Placed,
/// Designed, Rejected) may be cancelled by the hospital at any time; production cannot be undone by the hospital while
/// the regulator is within its window, and an Approved order cannot be cancelled.
///
/// The device ships through the ledger (`IBatchLedger.ship`) with `ref = keccak256(abi.encode(address(this),
/// orderId))` ({shipmentRefOf}); the order book only reads the ledger (it is not a ledger module). Orders are numbered
/// from 1.
interface IDeviceOrderBook {
    /// @notice What a hospital orders.
    struct OrderRequest {
        uint32 manufacturerOrgId; // Active as MANUFACTURER, the maker of `gtin`
        uint64 gtin; // an Approved product of category Device
        bytes32 patientRef; // keccak256(abi.encodePacked(salt, hospitalPatientId)): non-zero, never personal data
        bytes32 requirementsHash; // hash of the prescription and requirements (measurements, imaging): non-zero
        string requirementsURI; // where the entitled parties fetch it (emitted, not stored)
    }

    /// @notice What a manufacturer records as the design.
    struct DesignRequest {
        bytes32 designHash; // hash of the design parameters document: non-zero
        string designURI; // emitted, not stored
        bytes32[] rawMaterials; // 1 to MAX_RAW_MATERIALS existing ledger batches used to make the device
    }

    /// @notice An order as the views return it.
    struct OrderView {
        uint64 gtin;
        uint32 hospitalOrgId;
        uint32 manufacturerOrgId;
        OrderStatus status;
        uint32 placedAt;
        uint32 producedAt; // the latest production's time (the compliance clock); zero until produced
        uint256 complianceDeadline; // producedAt + complianceWindow; zero until produced
        bytes32 batchId; // the device's batch; zero until produced
        uint256 unitIndex; // the device's unit index in its batch; zero until produced
        bytes32 head; // history head
        uint256 recordCount; // history length
    }

    /// @notice A hospital placed an order.
    /// @param orderId The new order.
    /// @param hospitalOrgId The ordering hospital.
    /// @param manufacturerOrgId The manufacturer.
    /// @param orderedBy The hospital's account that placed it.
    /// @param request The order as placed (product, patient reference, requirements hash and URI).
    event OrderPlaced(
        uint256 indexed orderId,
        uint32 indexed hospitalOrgId,
        uint32 indexed manufacturerOrgId,
        address orderedBy,
        OrderRequest request
    );
    /// @notice The manufacturer recorded the design (a revision when the order was Rejected).
    event OrderDesigned(uint256 indexed orderId, address indexed actor, bool revision, DesignRequest design);
    /// @notice The manufacturer linked the device it made: a unit of a ledger batch of the ordered product.
    event OrderProduced(
        uint256 indexed orderId,
        bytes32 indexed batchId,
        uint256 unitIndex,
        address actor,
        uint256 complianceDeadline
    );
    /// @notice A regulator ruled on compliance.
    /// @param approved Whether the device was found compliant.
    /// @param documentHash The compliance certificate's hash (approval) or the reasons' hash (rejection).
    /// @param late Whether the ruling came after the compliance deadline.
    event OrderRuled(
        uint256 indexed orderId,
        address indexed regulator,
        bool approved,
        bytes32 documentHash,
        bool late
    );
    /// @notice The hospital installed the device it received through the shipment `shipmentId`.
    event OrderInstalled(
        uint256 indexed orderId,
        bytes32 indexed shipmentId,
        address actor,
        bytes32 installationReportHash,
        string reportURI
    );
    /// @notice The manufacturer or the hospital added an after-sales service record.
    event OrderServiced(uint256 indexed orderId, address indexed actor, bytes32 reportHash, string reportURI);
    /// @notice The hospital cancelled an order.
    event OrderCancelled(
        uint256 indexed orderId,
        address indexed actor,
        OrderStatus previousStatus,
        bytes32 reasonHash
    );
    /// @notice A record was appended to an order's history.
    event OrderRecorded(
        uint256 indexed orderId,
        address indexed actor,
        bytes32 prevHead,
        OrderRecordKind kind,
        uint64 timestamp,
        bytes32 dataHash
    );

    /// @notice The order's status does not allow this step (an unknown order has status None).
    error OrdersUnexpectedStatus(uint256 orderId, OrderStatus status);
    /// @notice The caller acts in the step's role, but not for this order's hospital or manufacturer.
    error OrdersNotOrderParty(uint256 orderId, address account);
    /// @notice The manufacturer is not Active as MANUFACTURER.
    error OrdersInvalidManufacturer(uint32 manufacturerOrgId);
    /// @notice The product is not an Approved product of category Device made by the manufacturer (unknown GTINs
    /// revert with the catalog's `CatalogUnknownProduct`).
    error OrdersProductNotOrderable(
        uint64 gtin,
        uint32 manufacturerOrgId,
        uint32 makerOrgId,
        Category category,
        ProductStatus status
    );
    /// @notice A patient reference, requirements, design, report, certificate or reason hash was zero.
    error OrdersEmptyHash();
    /// @notice No raw material, or more than MAX_RAW_MATERIALS.
    error OrdersInvalidMaterialCount(uint256 count, uint256 max);
    /// @notice A raw material is not a batch of the ledger.
    error OrdersUnknownMaterial(uint256 index, bytes32 batchId);
    /// @notice The batch is not of the ordered product (so neither made by the order's manufacturer).
    error OrdersBatchMismatch(uint256 orderId, bytes32 batchId, uint64 gtin, uint32 makerOrgId);
    /// @notice The unit index is not below the batch's commissioned quantity.
    error OrdersInvalidUnitIndex(bytes32 batchId, uint256 unitIndex, uint256 commissioned);
    /// @notice The unit is already the device of another order.
    error OrdersUnitTaken(bytes32 batchId, uint256 unitIndex, uint256 orderId);
    /// @notice The shipment is not of the order's batch, not from its manufacturer to its hospital, or its `ref` does
    /// not name the order.
    error OrdersShipmentMismatch(uint256 orderId, bytes32 shipmentId);
    /// @notice The shipment was not received (status Received with at least one unit).
    error OrdersShipmentNotReceived(bytes32 shipmentId, ShipmentStatus status, uint256 received);
    /// @notice The produced order's compliance window has not passed: the hospital cannot cancel yet.
    error OrdersComplianceWindowOpen(uint256 orderId, uint256 complianceDeadline);
    /// @notice The compliance window must be at least one second.
    error OrdersInvalidComplianceWindow(uint32 complianceWindow);
    /// @notice The ledger address given at deployment was zero.
    error OrdersZeroAddress();

    /// @notice A hospital orders a custom device for a patient from a manufacturer. A new commitment: the alliance
    /// pause stops it.
    /// @dev Requirements: not paused; caller acts as HOSPITAL; the manufacturer Active and admitted as MANUFACTURER;
    /// the GTIN a known product (else the catalog's `CatalogUnknownProduct`), Approved, of category Device, made by
    /// the manufacturer; non-zero patient reference and requirements hash. Emits {OrderPlaced}, {OrderRecorded}
    /// (Placed).
    /// @param request The order.
    /// @return orderId The new order's id (sequential from 1).
    function place(OrderRequest calldata request) external returns (uint256 orderId);

    /// @notice The manufacturer records the design parameters and the raw-material batches used; on a Rejected order
    /// this is the revision, and production and the compliance ruling follow again.
    /// @dev Requirements: caller acts as MANUFACTURER for the order's manufacturer; status Placed or Rejected; non-zero
    /// design hash; 1 to MAX_RAW_MATERIALS raw materials, each an existing ledger batch. Emits {OrderDesigned},
    /// {OrderRecorded} (Designed).
    /// @param orderId The order.
    /// @param request The design.
    function design(uint256 orderId, DesignRequest calldata request) external;

    /// @notice The manufacturer completes production and links the device: unit `unitIndex` of the ledger batch
    /// `batchId`; the compliance window starts.
    /// @dev Requirements: caller acts as MANUFACTURER for the order's manufacturer; status Designed; the batch exists
    /// (else the ledger's `LedgerUnknownBatch`), is of the ordered GTIN and was made by the manufacturer; the unit
    /// index is below the batch's commissioned quantity and not the device of another order (a unit stays bound to
    /// the order that first linked it). Emits {OrderProduced}, {OrderRecorded} (Produced).
    /// @param orderId The order.
    /// @param batchId The device's batch.
    /// @param unitIndex The device's index in the batch (as in its serial Merkle leaf).
    function completeProduction(uint256 orderId, bytes32 batchId, uint256 unitIndex) external;

    /// @notice A regulator finds the produced device compliant: it may ship and be installed.
    /// @dev Requirements: caller is a regulator; status Produced (in time or late, until the hospital cancels);
    /// non-zero certificate hash. Emits {OrderRuled}, {OrderRecorded} (Approved).
    /// @param orderId The order.
    /// @param certificateHash Hash of the compliance certificate.
    function approveCompliance(uint256 orderId, bytes32 certificateHash) external;

    /// @notice A regulator finds the produced device not compliant: the manufacturer may revise the design.
    /// @dev Requirements: caller is a regulator; status Produced (in time or late, until the hospital cancels);
    /// non-zero reason. Emits {OrderRuled}, {OrderRecorded} (Rejected).
    /// @param orderId The order.
    /// @param reasonHash Hash of the written reasons.
    function rejectCompliance(uint256 orderId, bytes32 reasonHash) external;

    /// @notice The hospital confirms it installed the approved device, which it received through the ledger.
    /// @dev Requirements: caller acts as HOSPITAL for the order's hospital; status Approved; the shipment is of the
    /// order's batch, from its manufacturer to its hospital, with `ref` {shipmentRefOf}(orderId); the ledger shows it
    /// Received with at least one unit; non-zero report hash. Emits {OrderInstalled}, {OrderRecorded} (Installed).
    /// @param orderId The order.
    /// @param shipment The shipment's fields, as the ledger's `Shipped` event gave them.
    /// @param installationReportHash Hash of the installation (surgery) report.
    /// @param reportURI Where the entitled parties fetch it (emitted, not stored).
    function confirmInstallation(
        uint256 orderId,
        IBatchLedger.Shipment calldata shipment,
        bytes32 installationReportHash,
        string calldata reportURI
    ) external;

    /// @notice The manufacturer or the hospital adds an after-sales service record to an installed device (any
    /// number of them).
    /// @dev Requirements: caller acts as MANUFACTURER or HOSPITAL for the order's manufacturer or hospital; status
    /// Installed; non-zero report hash. Emits {OrderServiced}, {OrderRecorded} (Serviced).
    /// @param orderId The order.
    /// @param reportHash Hash of the service report.
    /// @param reportURI Where the entitled parties fetch it (emitted, not stored).
    function recordService(uint256 orderId, bytes32 reportHash, string calldata reportURI) external;

    /// @notice The hospital cancels an order: before production (Placed or Designed), after a rejection, or once a
    /// produced order's compliance deadline has passed without a ruling.
    /// @dev Requirements: caller acts as HOSPITAL for the order's hospital; status Placed, Designed or Rejected, or
    /// Produced with the compliance deadline passed (cancelling at the deadline second itself is refused with
    /// {OrdersComplianceWindowOpen}); non-zero reason. Emits {OrderCancelled}, {OrderRecorded} (Cancelled).
    /// @param orderId The order.
    /// @param reasonHash Hash of the written reasons.
    function cancel(uint256 orderId, bytes32 reasonHash) external;

    /// @notice An order (all zero, status None, for an unknown id).
    /// @param orderId The order.
    function orderOf(uint256 orderId) external view returns (OrderView memory);

    /// @notice Whether an order exists (one storage read).
    /// @param orderId The order.
    function exists(uint256 orderId) external view returns (bool);

    /// @notice An order's status (None for an unknown id; one storage read).
    /// @param orderId The order.
    function statusOf(uint256 orderId) external view returns (OrderStatus);

    /// @notice An order's history head and record count.
    /// @param orderId The order.
    function historyOf(uint256 orderId) external view returns (bytes32 head, uint256 recordCount);

    /// @notice The order a batch's unit is the device of (0 when none).
    /// @param batchId The batch.
    /// @param unitIndex The unit's index in the batch.
    function orderOfUnit(bytes32 batchId, uint256 unitIndex) external view returns (uint256);

    /// @notice The `ref` a shipment of the order's device carries: keccak256(abi.encode(address(this), orderId)).
    /// @param orderId The order.
    function shipmentRefOf(uint256 orderId) external view returns (bytes32);

    /// @notice How many orders were placed (the last order's id).
    function orderCount() external view returns (uint256);

    /// @notice Seconds a regulator has, after production, to rule in time; past them the hospital may cancel.
    function complianceWindow() external view returns (uint32);

    /// @notice Most raw-material batches one design may list.
    function MAX_RAW_MATERIALS() external view returns (uint256);

    /// @notice The batch ledger.
    function ledger() external view returns (IBatchLedger);

    /// @notice The product catalog (the ledger's).
    function catalog() external view returns (IProductCatalog);

    /// @notice The contract's version.
    function version() external pure returns (string memory);
}
