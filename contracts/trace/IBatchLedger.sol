// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {BatchStatus, Inspection, ProductStatus, RecordKind, ShipmentStatus} from "./TraceTypes.sol";
import {IProductCatalog} from "./IProductCatalog.sol";

/// @title The MedAlliance batch ledger
/// @notice Batches of approved products: commissioning from input batches (lineage), holdings per organisation,
/// quality release, and a hash-chained history per batch that anyone can rebuild from the logs and prove
/// against the head stored here.
/// @dev History: `head = keccak256(abi.encode(prevHead, kind, actor, timestamp, dataHash))`, starting from zero,
/// one {Recorded} event per record carrying exactly those fields. `batchId = keccak256(abi.encode(gtin, lot))`.
interface IBatchLedger {
    /// @notice Quantity of an input batch consumed from the maker's holding.
    struct InputUse {
        bytes32 batchId;
        uint256 quantity;
    }

    /// @notice What a maker commissions.
    struct CommissionRequest {
        uint64 gtin; // an approved product of the caller's organisation
        bytes32 lot; // GS1 AI 10: 1 to 20 printable ASCII characters, right-padded with zero bytes
        uint256 quantity; // in the product's unit of measure
        uint40 producedAt; // not in the future
        uint40 expiresAt; // in the future, after producedAt
        uint256 site; // index of the caller's organisation's registered site
        bytes32 docHash; // batch record / certificate of analysis
        string docURI; // emitted, not stored
        InputUse[] inputs; // at most MAX_INPUTS, each released and unexpired, from the maker's holding
    }

    /// @notice One history record to append (inspections and notes).
    struct RecordRequest {
        bytes32 batchId;
        RecordKind kind; // InspectionPassed, InspectionFailed or Note
        bytes32 dataHash; // the report's or note's hash
    }

    /// @notice A history record exactly as hashed into the head.
    struct HistoryRecord {
        bytes32 prevHead;
        RecordKind kind;
        address actor;
        uint64 timestamp;
        bytes32 dataHash;
    }

    /// @notice A shipment's fields, fixed when shipped: its id is their hash, and later calls pass them back.
    struct Shipment {
        bytes32 batchId;
        uint32 fromOrgId; // the sender
        uint32 toOrgId; // the recipient
        uint32 carrierOrgId; // a LOGISTICS organisation
        uint64 fromGln; // the sender's site
        uint64 toGln; // the recipient's site the goods are addressed to
        uint256 quantity;
        bytes32 ref; // set by the sender, e.g. keccak256(abi.encode(escrowAddress, needId)); zero when none
        uint256 sequence; // the batch's record count when shipped, which makes every shipment's id unique
    }

    /// @notice A field reading a module appends to a batch's history, attributed to the device that signed it.
    struct ReadingRecord {
        bytes32 batchId;
        address device; // the device key that signed the reading
        bytes32 readingHash; // the reading's EIP-712 struct hash
    }

    /// @notice What the ledger counts per batch besides holdings (in transit is the sum of open shipments).
    struct Outflows {
        uint256 dispensed;
        uint256 destroyed;
        uint256 lost; // shortfalls in transit, attributed to carriers
    }

    /// @notice A shipment's state: one storage slot, written as the shipment moves.
    struct ShipmentRecord {
        ShipmentStatus status;
        uint32 shippedAt; // the sender's hand-over
        uint32 pickedUpAt; // the carrier's pick-up; zero until then
        uint32 deliveredAt; // the carrier's delivery record; zero until then (or when received before it)
        uint32 answeredAt; // the recipient's receipt or refusal, or a regulator's settlement; zero until then
        uint40 received; // quantity received, or stated received by a settling regulator
    }

    /// @notice A batch as the views return it.
    struct BatchView {
        uint64 gtin;
        uint32 makerOrgId;
        uint256 commissioned; // quantity commissioned
        uint40 expiresAt;
        uint40 holdUntil; // earliest release without a regulator
        Inspection inspection; // the latest one
        bool releasedEarly; // by a regulator
        bool blocked;
        bool serialised; // unit serials committed: dispensing is per unit only, through the serial module
        BatchStatus status;
        bytes32 head; // history head
        uint256 recordCount; // history length
    }

    /// @notice A maker commissioned a batch at the site `gln`, as requested (lot, quantity, dates, document,
    /// inputs consumed).
    event BatchCommissioned(
        bytes32 indexed batchId,
        uint64 indexed gtin,
        uint32 indexed makerOrgId,
        uint64 gln,
        CommissionRequest request
    );
    /// @notice A record was appended to a batch's history.
    event Recorded(
        bytes32 indexed batchId,
        address indexed actor,
        bytes32 prevHead,
        RecordKind kind,
        uint64 timestamp,
        bytes32 dataHash
    );
    /// @notice A holder shipped part of its holding.
    event Shipped(
        bytes32 indexed shipmentId,
        bytes32 indexed batchId,
        uint32 indexed toOrgId,
        Shipment shipment,
        bytes32 docHash
    );
    /// @notice A shipment moved to a new state (pick-up, delivery, refusal, return, reclaim).
    event ShipmentUpdated(bytes32 indexed shipmentId, ShipmentStatus status, address indexed actor);
    /// @notice The recipient received a shipment (at the shipment's `toGln`).
    event Received(bytes32 indexed shipmentId, uint256 quantityReceived, bool goodCondition);
    /// @notice The "broken chain" alarm: less arrived than was shipped; the difference is lost, attributed to the
    /// carrier.
    event ShortfallReported(
        bytes32 indexed shipmentId,
        bytes32 indexed batchId,
        uint32 indexed carrierOrgId,
        uint256 shortfall
    );
    /// @notice A regulator settled a shipment nobody completed.
    event ShipmentSettled(
        bytes32 indexed shipmentId,
        address indexed regulator,
        uint256 quantityReceived,
        bytes32 reasonHash
    );
    /// @notice A hospital or retailer dispensed units of a batch.
    event Dispensed(bytes32 indexed batchId, uint32 indexed orgId, uint256 quantity, bytes32 referenceHash);
    /// @notice A holder destroyed part of its holding.
    event Destroyed(bytes32 indexed batchId, uint32 indexed orgId, uint256 quantity, bytes32 reasonHash);
    /// @notice A batch was recalled; ordinary movement stops, returns to the maker and destruction go on.
    event BatchRecalled(bytes32 indexed batchId, address indexed actor, uint8 recallClass, bytes32 reasonHash);
    /// @notice The governor registered or removed a ledger module.
    event ModuleSet(address indexed module, bool registered);

    /// @notice The product is not approved (or unknown).
    error LedgerProductNotApproved(uint64 gtin, ProductStatus status);
    /// @notice The caller's organisation is not the product's maker.
    error LedgerNotProductMaker(uint64 gtin, uint32 orgId);
    /// @notice The lot is empty, longer than 20 characters, or not printable ASCII right-padded with zeros.
    error LedgerInvalidLot(bytes32 lot);
    /// @notice A quantity is zero or too large.
    error LedgerInvalidQuantity(uint256 quantity);
    /// @notice Production in the future, expiry not after production, or expiry not in the future.
    error LedgerInvalidDates(uint40 producedAt, uint40 expiresAt, uint256 timestamp);
    /// @notice The organisation has no site with this index.
    error LedgerUnknownSite(uint32 orgId, uint256 site);
    /// @notice More inputs than MAX_INPUTS.
    error LedgerTooManyInputs(uint256 count, uint256 max);
    /// @notice This lot was already used for this GTIN.
    error LedgerBatchExists(bytes32 batchId);
    /// @notice No batch has this id.
    error LedgerUnknownBatch(bytes32 batchId);
    /// @notice An input batch must be Released (not on hold, blocked, recalled or expired).
    error LedgerInputNotUsable(bytes32 batchId, BatchStatus status);
    /// @notice The organisation holds less of the batch than needed.
    error LedgerInsufficientHolding(bytes32 batchId, uint32 orgId, uint256 holding, uint256 needed);
    /// @notice The batch's status does not allow this.
    error LedgerUnexpectedStatus(bytes32 batchId, BatchStatus status);
    /// @notice A document or reason hash was zero.
    error LedgerEmptyHash();
    /// @notice This actor may not append this kind of record to this batch.
    error LedgerRecordNotAllowed(bytes32 batchId, RecordKind kind, address actor);
    /// @notice More records than MAX_RECORDS_PER_CALL, or none.
    error LedgerInvalidRecordCount(uint256 count, uint256 max);
    /// @notice The record passed is not the batch's last record.
    error LedgerNotLastRecord(bytes32 batchId);
    /// @notice The actor's own correction window for that record has closed; a regulator must correct it.
    error LedgerCorrectionWindowClosed(bytes32 batchId, uint256 deadline);
    /// @notice The caller is not a registered ledger module.
    error LedgerNotModule(address account);
    /// @notice A zero address was given.
    error LedgerZeroAddress();
    /// @notice The recipient is not Active in a role that holds stock, or the route is not allowed (see the README).
    error LedgerRouteNotAllowed(bytes32 batchId, uint32 fromOrgId, uint32 toOrgId);
    /// @notice The carrier is not Active as LOGISTICS.
    error LedgerInvalidCarrier(uint32 carrierOrgId);
    /// @notice No shipment has these fields.
    error LedgerUnknownShipment(bytes32 shipmentId);
    /// @notice The shipment's state does not allow this.
    error LedgerUnexpectedShipmentStatus(bytes32 shipmentId, ShipmentStatus status);
    /// @notice The caller is not the shipment's sender, recipient or carrier as this step requires.
    error LedgerNotShipmentParty(bytes32 shipmentId, address account);
    /// @notice More received than shipped.
    error LedgerReceivedTooMuch(bytes32 shipmentId, uint256 quantityReceived, uint256 shipped);
    /// @notice The recipient may still answer: its receipt window has not passed and it can still act.
    error LedgerReceiptWindowOpen(bytes32 shipmentId, uint256 windowEnds);
    /// @notice A recall class is 1, 2 or 3.
    error LedgerInvalidRecallClass(uint8 recallClass);
    /// @notice More batches than MAX_RECALL_BATCHES, or none.
    error LedgerInvalidBatchCount(uint256 count, uint256 max);
    /// @notice The batch's unit serials are committed: it is dispensed per unit only (or they were committed before).
    error LedgerSerialisedBatch(bytes32 batchId);
    /// @notice More readings than MAX_RECORDS_PER_CALL, or none.
    error LedgerInvalidReadingCount(uint256 count, uint256 max);

    /// @notice The product's maker commissions a batch: a new `batchId` from GTIN and lot, on hold for the
    /// product's hold period, held by the maker; the inputs are consumed from the maker's holdings and each input's
    /// history records it.
    /// @dev Requirements: not paused; caller may act as SUPPLIER or MANUFACTURER for the product's maker; product
    /// approved; lot valid and never used for this GTIN; quantity in range; dates consistent; a registered site;
    /// inputs within MAX_INPUTS, Released, held. Emits {BatchCommissioned}, then {Recorded} on the batch and on
    /// each input.
    /// @param request The batch.
    /// @return batchId The new batch's id.
    function commission(CommissionRequest calldata request) external returns (bytes32 batchId);

    /// @notice Appends an inspection result or a note: inspections by the maker's accounts or a regulator, notes by
    /// the maker, a current holder or a regulator. A passed inspection lets the batch release once its hold has
    /// passed; a failed one puts it back on hold, cancelling an early release.
    /// @dev Requirements: kind InspectionPassed, InspectionFailed or Note; non-zero data hash; batch exists; the
    /// caller may append it. Emits {Recorded}.
    /// @param request The record.
    function record(RecordRequest calldata request) external;

    /// @notice {record} for up to MAX_RECORDS_PER_CALL records on any batches, in one call; all or nothing.
    /// @param requests The records.
    function recordMany(RecordRequest[] calldata requests) external;

    /// @notice A registered ledger module appends a record on behalf of `actor`, whose permission is checked
    /// here as if it called {record} itself.
    /// @dev Requirements: caller is a module; as {record} for `actor`. Emits {Recorded}.
    /// @param actor The member or regulator the module acts for.
    /// @param request The record.
    function recordFor(address actor, RecordRequest calldata request) external;

    /// @notice Corrects the batch's last record with a new Correction record (the original stays in the history):
    /// its own actor within the correction window, or a regulator at any time. Correcting an inspection voids it.
    /// @dev Requirements: non-zero reason; `last` hashes to the current head; `last` is not a correction; caller is
    /// a regulator, or `last.actor` still permitted and within `last.timestamp + correctionWindow`.
    /// Emits {Recorded}.
    /// @param batchId The batch.
    /// @param last The batch's last record, as emitted.
    /// @param reasonHash Hash of the written reasons.
    function correct(bytes32 batchId, HistoryRecord calldata last, bytes32 reasonHash) external;

    /// @notice A regulator releases a batch on hold before its hold period ends or without an inspection.
    /// @dev Requirements: caller is a regulator; status OnHold; non-zero reason. Emits {Recorded}.
    /// @param batchId The batch.
    /// @param reasonHash Hash of the written reasons.
    function releaseEarly(bytes32 batchId, bytes32 reasonHash) external;

    /// @notice A regulator blocks a batch: it cannot be released or used as an input until unblocked.
    /// @dev Requirements: caller is a regulator; batch exists and is not blocked; non-zero reason. Emits {Recorded}.
    /// @param batchId The batch.
    /// @param reasonHash Hash of the written reasons.
    function blockBatch(bytes32 batchId, bytes32 reasonHash) external;

    /// @notice A regulator lifts a block.
    /// @dev Requirements: caller is a regulator; batch blocked; non-zero reason. Emits {Recorded}.
    /// @param batchId The batch.
    /// @param reasonHash Hash of the written reasons.
    function unblockBatch(bytes32 batchId, bytes32 reasonHash) external;

    /// @notice A holder ships part of its holding from one of its sites to a site of another member, carried by a
    /// LOGISTICS member. Ordinary shipments need a Released batch and an allowed route (README); returns to the
    /// batch's maker are always allowed, recalled or not.
    /// @dev Requirements: caller may act in a holding role; quantity between 1 and its holding; recipient another
    /// organisation, Active in a holding role the route allows; carrier Active as LOGISTICS; both sites exist.
    /// Emits {Shipped} and {Recorded}.
    /// @param batchId The batch.
    /// @param toOrgId The recipient.
    /// @param quantity The quantity shipped.
    /// @param carrierOrgId The carrier.
    /// @param ref A reference set by the sender (escrow and agreements match it); zero when none.
    /// @param docHash Hash of the shipping document (emitted, not part of the id).
    /// @param site The sender's site index.
    /// @param toSite The recipient's site index the goods are addressed to (its receipt names that site).
    /// @return shipmentId keccak256(abi.encode(shipment)).
    function ship(
        bytes32 batchId,
        uint32 toOrgId,
        uint256 quantity,
        uint32 carrierOrgId,
        bytes32 ref,
        bytes32 docHash,
        uint256 site,
        uint256 toSite
    ) external returns (bytes32 shipmentId);

    /// @notice The carrier records pick-up.
    /// @dev Requirements: caller acts as LOGISTICS for the carrier; shipment InTransit. Emits {ShipmentUpdated},
    /// {Recorded}.
    /// @param shipment The shipment's fields.
    function pickUp(Shipment calldata shipment) external;

    /// @notice The carrier records delivery; the recipient's receipt window starts.
    /// @dev Requirements: caller acts as LOGISTICS for the carrier; shipment PickedUp. Emits {ShipmentUpdated},
    /// {Recorded}.
    /// @param shipment The shipment's fields.
    function deliver(Shipment calldata shipment) external;

    /// @notice The recipient receives what arrived at the site the shipment was addressed to. A shortfall is recorded
    /// as lost in transit, attributed to the carrier, and announced by {ShortfallReported}.
    /// @dev Requirements: caller acts for the recipient in a holding role; shipment InTransit, PickedUp or Delivered;
    /// quantity received at most the quantity shipped. Emits {Received}, {Recorded}.
    /// @param shipment The shipment's fields.
    /// @param quantityReceived What arrived.
    /// @param goodCondition Whether it arrived in good condition.
    function receiveShipment(Shipment calldata shipment, uint256 quantityReceived, bool goodCondition) external;

    /// @notice The recipient refuses a shipment; the carrier brings it back.
    /// @dev Requirements: caller acts for the recipient; shipment InTransit, PickedUp or Delivered; non-zero reason.
    /// Emits {ShipmentUpdated}, {Recorded}.
    /// @param shipment The shipment's fields.
    /// @param reasonHash Hash of the written reasons.
    function refuse(Shipment calldata shipment, bytes32 reasonHash) external;

    /// @notice The carrier records that refused goods are back with the sender, whose holding regains them.
    /// @dev Requirements: caller acts as LOGISTICS for the carrier; shipment Refused. Emits {ShipmentUpdated},
    /// {Recorded}.
    /// @param shipment The shipment's fields.
    function recordReturn(Shipment calldata shipment) external;

    /// @notice The sender takes back a shipment nobody answered: delivered (or refused) and left past the receipt
    /// window, or whose recipient can no longer act.
    /// @dev Requirements: caller acts for the sender in a holding role; shipment open (not Received, Returned,
    /// Reclaimed or Settled) and not Held; the window (from the delivery record, or from a refusal) has passed or the
    /// recipient is not Active. Emits {ShipmentUpdated}, {Recorded}.
    /// @param shipment The shipment's fields.
    function reclaim(Shipment calldata shipment) external;

    /// @notice A regulator settles an open shipment, stating what the recipient received; the rest is lost in
    /// transit, attributed to the carrier. (Refused goods that came back to the sender are reclaimed by the sender
    /// once the receipt window has passed, rather than settled.)
    /// @dev Requirements: caller is a regulator; shipment open and not Held (see {clearHold}); quantity at most the
    /// quantity shipped; non-zero reason. Emits {ShipmentSettled}, {Recorded}; {ShortfallReported} for a shortfall.
    /// @param shipment The shipment's fields.
    /// @param quantityReceived What the recipient received.
    /// @param reasonHash Hash of the written reasons.
    function settle(Shipment calldata shipment, uint256 quantityReceived, bytes32 reasonHash) external;

    /// @notice A hospital or retailer dispenses units of a Released batch it holds.
    /// @dev Requirements: caller acts as HOSPITAL or RETAILER; batch Released and not serialised; quantity between 1
    /// and its holding; non-zero reference. Emits {Dispensed}, {Recorded}.
    /// @param batchId The batch.
    /// @param quantity Units dispensed.
    /// @param referenceHash Hash of the dispensing reference (a prescription or order; never personal data).
    function dispense(bytes32 batchId, uint256 quantity, bytes32 referenceHash) external;

    /// @notice A holder destroys part of its holding, whatever the batch's status.
    /// @dev Requirements: caller acts in a holding role; quantity between 1 and its holding; non-zero reason.
    /// Emits {Destroyed}, {Recorded}.
    /// @param batchId The batch.
    /// @param quantity The quantity destroyed.
    /// @param reasonHash Hash of the written reasons.
    function destroy(bytes32 batchId, uint256 quantity, bytes32 reasonHash) external;

    /// @notice A regulator, or the maker for its own batch, recalls a batch: shipping (but returns to the maker),
    /// dispensing and use as an input stop at once.
    /// @dev Requirements: caller a regulator or the batch's maker; batch exists and is not recalled; class 1 to 3;
    /// non-zero reason. Emits {BatchRecalled}, {Recorded}.
    /// @param batchId The batch.
    /// @param recallClass 1 (most serious) to 3.
    /// @param reasonHash Hash of the written reasons.
    function recall(bytes32 batchId, uint8 recallClass, bytes32 reasonHash) external;

    /// @notice {recall} for up to MAX_RECALL_BATCHES batches at once (e.g. those made from a recalled input, found from
    /// lineage events); all or nothing.
    /// @param batchIds The batches.
    /// @param recallClass 1 (most serious) to 3.
    /// @param reasonHash Hash of the written reasons.
    function recallMany(bytes32[] calldata batchIds, uint8 recallClass, bytes32 reasonHash) external;

    /// @notice A module marks a batch's unit serials committed for `actor`, the batch's maker: from now on the
    /// batch is dispensed per unit only, through {dispenseFor}.
    /// @dev Requirements: caller is a module; `actor` acts as MANUFACTURER or SUPPLIER for the batch's maker; batch
    /// exists and is not serialised yet; non-zero data hash. Emits {Recorded} (kind SerialsCommitted, actor `actor`).
    /// @param actor The maker's account on whose behalf the module acts.
    /// @param batchId The batch.
    /// @param dataHash keccak256(abi.encode(merkleRoot, unitCount)).
    function serialiseFor(address actor, bytes32 batchId, bytes32 dataHash) external;

    /// @notice A module dispenses for `actor` as {dispense} does; the only way to dispense a serialised batch.
    /// @dev Requirements: caller is a module; then those of {dispense} for `actor`. Emits {Dispensed}, {Recorded}.
    /// @param actor The hospital's or retailer's account on whose behalf the module acts.
    /// @param batchId The batch.
    /// @param quantity Units dispensed.
    /// @param referenceHash Hash of the dispensing reference.
    function dispenseFor(address actor, bytes32 batchId, uint256 quantity, bytes32 referenceHash) external;

    /// @notice A module blocks a batch for `actor`, a regulator, as {blockBatch} does.
    /// @dev Requirements: caller is a module; `actor` a regulator; batch exists and is not blocked; non-zero reason.
    /// Emits {Recorded} (kind Blocked, actor `actor`).
    /// @param actor The regulator on whose behalf the module acts.
    /// @param batchId The batch.
    /// @param reasonHash Hash of the written reasons.
    function blockFor(address actor, bytes32 batchId, bytes32 reasonHash) external;

    /// @notice A module recalls a batch for `actor`, as {recall} does.
    /// @dev Requirements: caller is a module; then those of {recall} for `actor`. Emits {BatchRecalled}, {Recorded}.
    /// @param actor The regulator, or the maker's account, on whose behalf the module acts.
    /// @param batchId The batch.
    /// @param recallClass 1 (most serious) to 3.
    /// @param reasonHash Hash of the written reasons.
    function recallFor(address actor, bytes32 batchId, uint8 recallClass, bytes32 reasonHash) external;

    /// @notice A module appends signed field readings to batch histories, each attributed to its device.
    /// @dev The module (FieldReadings) has checked each reading's signature, device and shipment; the ledger trusts the
    /// governor's registration of it for that. Requirements: caller is a module; 1 to MAX_RECORDS_PER_CALL readings;
    /// each batch exists; non-zero hashes. Emits one {Recorded} (kind Reading) per reading.
    /// @param readings The readings.
    function recordReadingsFor(ReadingRecord[] calldata readings) external;

    /// @notice A module holds a moving shipment after a cold-chain excursion its device reported: it can be neither
    /// received, refused, carried on nor reclaimed until a regulator clears it ({clearHold}); the batch counts the
    /// open excursion.
    /// @dev Requirements: caller is a module; shipment InTransit, PickedUp or Delivered; non-zero reading hash.
    /// Emits {ShipmentUpdated} (Held, `device`), {Recorded} (kind Held, actor `device`).
    /// @param device The device key whose reading showed the excursion.
    /// @param shipment The shipment's fields.
    /// @param readingHash The reading's EIP-712 struct hash.
    function holdFor(address device, Shipment calldata shipment, bytes32 readingHash) external;

    /// @notice A regulator clears a held shipment: either the goods are fit and the shipment resumes where it was
    /// (InTransit, PickedUp or Delivered, from its recorded times), or they are destroyed: the shipment is Settled
    /// with nothing received and its quantity counted as destroyed.
    /// @dev Requirements: caller is a regulator; shipment Held; non-zero reason. Emits {ShipmentUpdated} (the
    /// resumed status) and {Recorded} (kind HoldCleared); on destruction {ShipmentSettled} (0 received) and
    /// {Destroyed} (by the carrier's organisation) and a Destroyed record. The receipt window keeps running from the
    /// delivery record.
    /// @param shipment The shipment's fields.
    /// @param destroyGoods Whether the goods are destroyed rather than released.
    /// @param reasonHash Hash of the written reasons.
    function clearHold(Shipment calldata shipment, bool destroyGoods, bytes32 reasonHash) external;

    /// @notice The governor registers or removes a ledger module (a contract acting for members).
    /// @dev Requirements: caller is the governor; non-zero module. Emits {ModuleSet}.
    /// @param module The module contract.
    /// @param registered Whether it may act.
    function setModule(address module, bool registered) external;

    /// @notice A batch. Reverts with {LedgerUnknownBatch} for an unknown id.
    /// @param batchId The batch.
    function batch(bytes32 batchId) external view returns (BatchView memory);

    /// @notice A batch's status (Unknown for an unknown id).
    /// @param batchId The batch.
    function batchStatus(bytes32 batchId) external view returns (BatchStatus);

    /// @notice The quantity of a batch an organisation holds.
    /// @param batchId The batch.
    /// @param orgId The organisation.
    function holdingOf(bytes32 batchId, uint32 orgId) external view returns (uint256);

    /// @notice A batch's history head and record count.
    /// @param batchId The batch.
    function historyOf(bytes32 batchId) external view returns (bytes32 head, uint256 recordCount);

    /// @notice The batch id of a GTIN and lot.
    /// @param gtin The GTIN-14.
    /// @param lot The lot (GS1 AI 10, right-padded with zero bytes).
    function batchIdOf(uint64 gtin, bytes32 lot) external pure returns (bytes32);

    /// @notice A shipment's status, times and received quantity (all zero for an unknown id).
    /// @param shipmentId The shipment.
    function shipmentState(bytes32 shipmentId) external view returns (ShipmentRecord memory);

    /// @notice The id of a shipment's fields.
    /// @param shipment The fields.
    function shipmentIdOf(Shipment calldata shipment) external pure returns (bytes32);

    /// @notice How many of a batch's shipments are held after a cold-chain excursion and not yet cleared.
    /// @param batchId The batch.
    function openExcursionsOf(bytes32 batchId) external view returns (uint256);

    /// @notice What left the holdings of a batch other than by shipping or as an input.
    /// @param batchId The batch.
    function outflowsOf(bytes32 batchId) external view returns (Outflows memory);

    /// @notice Seconds a recipient has, after delivery or refusal, before the sender may reclaim.
    function receiptWindow() external view returns (uint32);

    /// @notice Whether `module` is a registered ledger module.
    /// @param module The contract.
    function isModule(address module) external view returns (bool);

    /// @notice Seconds during which an actor may correct its own last record.
    function correctionWindow() external view returns (uint32);

    /// @notice The product catalog.
    function catalog() external view returns (IProductCatalog);

    /// @notice The contract's version.
    function version() external pure returns (string memory);
}
