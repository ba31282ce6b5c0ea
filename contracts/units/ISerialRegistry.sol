// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IBatchLedger} from "../trace/IBatchLedger.sol";

/// @notice A unit's status in the vocabulary shared by contracts, command line and verification page: the batch's
/// status (the first six values mirror `BatchStatus`), or `Dispensed`, or `NotInBatch` (a suspect counterfeit).
enum UnitStatus {
    Unknown, // no batch has this id
    OnHold,
    Released,
    Blocked,
    Recalled,
    Expired,
    Dispensed, // a Released batch's unit that a hospital or retailer already dispensed
    NotInBatch // the batch exists but this code is not one of its units: see {ISerialRegistry-unitStatus}
}

/// @title The MedAlliance serial registry
/// @notice Unit serials of batches, one Merkle root per batch: anyone verifies a unit's code, hospitals and retailers
/// dispense units one at a time (each exactly once), and anyone reports a code seen twice.
/// @dev A unit leaf is built as `@openzeppelin/merkle-tree`'s `StandardMerkleTree` builds the values
/// `["bytes32","uint256","bytes32"]` `(batchId, index, serial)`: `keccak256(bytes.concat(keccak256(abi.encode(batchId,
/// index, serial))))`, with sorted pairs up the tree (OpenZeppelin `MerkleProof`). `serial` holds 1 to 20 printable
/// ASCII characters right-padded with zero bytes (GS1 AI 21); `index` runs from 0 to the unit count minus one and
/// drives the dispensed bitmap. The registry is a ledger module: the ledger checks who may commit, dispense and block,
/// and records the real actor in the batch's history.
interface ISerialRegistry {
    /// @notice A unit as its proof file names it: the batch's committed root and count (which the registry stores
    /// only as their hash, like the ledger's history record), the unit's index and its serial.
    struct Unit {
        bytes32 batchId;
        bytes32 root; // the batch's committed Merkle root
        uint256 count; // the batch's committed unit count
        uint256 index; // the unit's index, below count: its bit in the dispensed bitmap
        bytes32 serial; // GS1 AI 21: 1 to 20 printable ASCII characters, right-padded with zero bytes
    }

    /// @notice A code seen where it should not be (typically a second time, after it was dispensed).
    struct CloneReport {
        Unit unit; // the code seen, proven with its proof
        bytes32 place; // where it was seen: a GLN as bytes32(uint256(gln)), or the keccak256 of a site reference
        bytes32 evidenceHash; // hash of the evidence (photos of both packs, receipts); never personal data
    }

    /// @notice The batch's maker committed the unit serials: proof files carry `root` and `count`.
    event SerialsCommitted(bytes32 indexed batchId, bytes32 root, uint256 count);
    /// @notice A hospital or retailer dispensed one unit (the ledger's {IBatchLedger-Dispensed} and
    /// {IBatchLedger-Recorded} name the organisation and the account).
    event UnitDispensed(bytes32 indexed batchId, uint256 index, bytes32 serial);
    /// @notice Someone reported a code seen twice. `reporterOrgId` is the reporter's organisation when it acts for an
    /// Active member, zero for the public and for regulators.
    event CloneReported(
        bytes32 indexed batchId,
        address indexed reporter,
        uint32 indexed reporterOrgId,
        uint256 index,
        bytes32 serial,
        bytes32 place,
        bytes32 evidenceHash
    );

    /// @notice The ledger address given at deployment was zero.
    error SerialZeroAddress();
    /// @notice A zero root, or a unit count of zero or above MAX_UNITS.
    error SerialInvalidCommitment(bytes32 root, uint256 count);
    /// @notice The batch's serials were committed already.
    error SerialAlreadyCommitted(bytes32 batchId);
    /// @notice The batch has no committed serials.
    error SerialNotCommitted(bytes32 batchId);
    /// @notice The root and count given are not the batch's committed ones.
    error SerialCommitmentMismatch(bytes32 batchId, bytes32 root, uint256 count);
    /// @notice The index is not below the batch's unit count.
    error SerialIndexOutOfRange(bytes32 batchId, uint256 index, uint256 count);
    /// @notice The proof does not prove `(batchId, index, serial)` against the batch's root.
    error SerialInvalidProof(bytes32 batchId, uint256 index, bytes32 serial);
    /// @notice The unit was dispensed already: this code is a copy, or was scanned twice.
    error SerialAlreadyDispensed(bytes32 batchId, uint256 index);
    /// @notice This account already reported this unit.
    error SerialAlreadyReported(address reporter, bytes32 batchId, uint256 index);
    /// @notice A proof longer than MAX_PROOF_LENGTH.
    error SerialProofTooLong(uint256 length, uint256 max);

    /// @notice The batch's maker commits the Merkle root and unit count of the batch's serials, once. From then on
    /// the ledger dispenses the batch per unit only, through {dispense}. The registry stores
    /// `keccak256(abi.encode(root, count))` (one slot, the same hash the ledger records); unit calls pass root and
    /// count back from the unit's proof file.
    /// @dev Requirements: not paused (committing serials is part of creating a batch); root non-zero; count between 1
    /// and MAX_UNITS; not committed before; the ledger's `serialiseFor`: caller acts as SUPPLIER or MANUFACTURER for
    /// the batch's maker, batch exists and is not serialised. Emits {SerialsCommitted}, then the ledger's
    /// {IBatchLedger-Recorded} (kind SerialsCommitted, actor the caller, dataHash the stored commitment).
    /// @param batchId The batch.
    /// @param root The Merkle root of its units.
    /// @param count The number of units.
    function commitSerials(bytes32 batchId, bytes32 root, uint256 count) external;

    /// @notice A hospital or retailer holding the batch dispenses one unit, proven by its code and proof. Each unit is
    /// dispensed once: a second dispensing of the same code is refused (a copy, or a double scan).
    /// @dev Not paused (performance). Requirements: serials committed; the unit's root and count are the committed
    /// ones; index below the count; the proof (at most MAX_PROOF_LENGTH nodes) proves the unit; not dispensed before;
    /// the ledger's `dispenseFor`: caller acts as HOSPITAL or RETAILER, batch Released, the caller's organisation
    /// holds at least one unit, non-zero reference. Emits {UnitDispensed}, then the ledger's {IBatchLedger-Dispensed}
    /// and {IBatchLedger-Recorded} (kind Dispensed, actor the caller).
    /// @param unit The unit, from its proof file.
    /// @param referenceHash Hash of the dispensing reference (a prescription or sale; never personal data).
    /// @param proof The unit's Merkle proof.
    function dispense(Unit calldata unit, bytes32 referenceHash, bytes32[] calldata proof) external;

    /// @notice Anyone reports a code seen twice (or where it should not be). The report counts towards the batch's
    /// public counters; nothing else follows from it automatically. One report per account and unit.
    /// @dev Not paused (safety). Requirements: the unit proven as for {dispense} (only a genuine code can be cloned;
    /// a code that does not verify reads NotInBatch); the caller did not report this unit before. Emits
    /// {CloneReported}.
    /// @param report The report.
    /// @param proof The unit's Merkle proof.
    function reportClone(CloneReport calldata report, bytes32[] calldata proof) external;

    /// @notice A regulator files a clone report and blocks the batch as suspect in the same call.
    /// @dev Not paused (safety). Requirements: those of {reportClone}; the ledger's `blockFor`: caller a regulator,
    /// batch not blocked, non-zero reason. Emits {CloneReported}, then the ledger's {IBatchLedger-Recorded} (kind
    /// Blocked, actor the caller).
    /// @param report The report.
    /// @param proof The unit's Merkle proof.
    /// @param reasonHash Hash of the regulator's written reasons.
    function reportCloneAndBlock(CloneReport calldata report, bytes32[] calldata proof, bytes32 reasonHash) external;

    /// @notice A unit's status: Unknown for an unknown batch; NotInBatch when the batch has no committed serials, the
    /// root and count are not the committed ones, the index is not below the count, or the proof does not prove the
    /// unit; otherwise the batch's status, except that a dispensed unit of a Released batch reads Dispensed (a recall,
    /// block, hold or expiry shows through, so a patient holding a dispensed unit still learns of it; {isDispensed}
    /// tells either way).
    /// @param unit The unit, from its proof file.
    /// @param proof The unit's Merkle proof (any length; longer than MAX_PROOF_LENGTH reads NotInBatch).
    function unitStatus(Unit calldata unit, bytes32[] calldata proof) external view returns (UnitStatus);

    /// @notice Whether the unit at `index` of a batch was dispensed.
    /// @param batchId The batch.
    /// @param index The unit's index.
    function isDispensed(bytes32 batchId, uint256 index) external view returns (bool);

    /// @notice A batch's committed serials as stored: `keccak256(abi.encode(root, count))`, zero when none (root and
    /// count are in the {SerialsCommitted} event and every proof file).
    /// @param batchId The batch.
    function commitmentOf(bytes32 batchId) external view returns (bytes32);

    /// @notice Clone reports filed against a batch: by anyone, and among them by accounts of Active members.
    /// @param batchId The batch.
    /// @return reports All reports.
    /// @return fromMembers Reports by accounts acting for Active member organisations.
    function cloneReportsOf(bytes32 batchId) external view returns (uint256 reports, uint256 fromMembers);

    /// @notice The leaf of a unit: `keccak256(bytes.concat(keccak256(abi.encode(batchId, index, serial))))`.
    /// @param batchId The batch.
    /// @param index The unit's index.
    /// @param serial The unit's serial.
    function leafOf(bytes32 batchId, uint256 index, bytes32 serial) external pure returns (bytes32);

    /// @notice The batch ledger this registry is a module of.
    function ledger() external view returns (IBatchLedger);

    /// @notice The contract's version.
    function version() external pure returns (string memory);
}
