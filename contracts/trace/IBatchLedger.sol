// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {BatchStatus, Inspection, ProductStatus, RecordKind} from "./TraceTypes.sol";
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
