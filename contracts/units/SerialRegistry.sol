// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

import {AllianceGated} from "../alliance/AllianceGated.sol";
import {Roles} from "../alliance/AllianceTypes.sol";
import {IAllianceGated} from "../alliance/IAllianceGated.sol";
import {IAllianceRegistry} from "../alliance/IAllianceRegistry.sol";
import {IBatchLedger} from "../trace/IBatchLedger.sol";
import {BatchStatus} from "../trace/TraceTypes.sol";
import {ISerialRegistry, UnitStatus} from "./ISerialRegistry.sol";

/// @title SerialRegistry
/// @notice Merkle roots of unit serials, unit verification, one-time unit dispensing and clone reports.
/// @dev A ledger module: permissions (the maker commits, a holding hospital or retailer dispenses, a regulator
/// blocks) are checked by the ledger's `…For` functions, which record the real actor; this contract checks only what
/// it owns (the root, the count, the proof, the bitmap). Dispensing touches one storage word here (a bit of the
/// batch's dispensed bitmap, 256 units per word) and is otherwise the ledger's own dispensing of one unit.
contract SerialRegistry is ISerialRegistry, AllianceGated {
    /// @notice Most units one batch may have (the ledger's quantities are 40-bit).
    uint256 public constant MAX_UNITS = type(uint40).max;
    /// @notice Longest proof accepted: the depth of a complete tree of MAX_UNITS leaves.
    uint256 public constant MAX_PROOF_LENGTH = 40;

    /// @dev A batch's clone report counters.
    struct CloneCounts {
        uint128 reports; // every report
        uint128 fromMembers; // reports by accounts acting for Active member organisations
    }

    IBatchLedger private immutable _ledger;

    /// @dev keccak256(abi.encode(root, count)) of each batch's committed serials; zero: none.
    mapping(bytes32 batchId => bytes32 commitment) private _commitments;
    mapping(bytes32 batchId => mapping(uint256 word => uint256 bits)) private _dispensed;
    mapping(bytes32 batchId => CloneCounts) private _cloneCounts;
    /// @dev Reports filed, keyed by keccak256(abi.encode(reporter, batchId, index)).
    mapping(bytes32 reportKey => bool reported) private _reported;

    /// @param ledger_ The batch ledger; this registry uses the ledger's alliance registry.
    constructor(IBatchLedger ledger_) AllianceGated(_allianceOf(ledger_)) {
        _ledger = ledger_;
    }

    // ------------------------------------------------------------------ maker

    /// @inheritdoc ISerialRegistry
    function commitSerials(bytes32 batchId, bytes32 root, uint256 count) external whenAllianceNotPaused {
        if (root == bytes32(0) || count == 0 || count > MAX_UNITS) revert SerialInvalidCommitment(root, count);
        if (_commitments[batchId] != bytes32(0)) revert SerialAlreadyCommitted(batchId);
        bytes32 commitment = keccak256(abi.encode(root, count));
        _commitments[batchId] = commitment;
        emit SerialsCommitted(batchId, root, count);
        _ledger.serialiseFor(msg.sender, batchId, commitment);
    }

    // ------------------------------------------------------------------ hospitals and retailers

    /// @inheritdoc ISerialRegistry
    function dispense(Unit calldata unit, bytes32 referenceHash, bytes32[] calldata proof) external {
        _requireUnit(unit, proof);
        bytes32 batchId = unit.batchId;
        uint256 index = unit.index;
        uint256 mask = 1 << (index & 0xff);
        mapping(uint256 word => uint256 bits) storage bitmap = _dispensed[batchId];
        uint256 bits = bitmap[index >> 8];
        if (bits & mask != 0) revert SerialAlreadyDispensed(batchId, index);
        bitmap[index >> 8] = bits | mask;
        emit UnitDispensed(batchId, index, unit.serial);
        _ledger.dispenseFor(msg.sender, batchId, 1, referenceHash);
    }

    // ------------------------------------------------------------------ anyone

    /// @inheritdoc ISerialRegistry
    function reportClone(CloneReport calldata report, bytes32[] calldata proof) external {
        _report(report, proof);
    }

    /// @inheritdoc ISerialRegistry
    function reportCloneAndBlock(CloneReport calldata report, bytes32[] calldata proof, bytes32 reasonHash) external {
        _report(report, proof);
        _ledger.blockFor(msg.sender, report.unit.batchId, reasonHash);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc ISerialRegistry
    function unitStatus(Unit calldata unit, bytes32[] calldata proof) external view returns (UnitStatus) {
        BatchStatus status = _ledger.batchStatus(unit.batchId);
        if (status == BatchStatus.Unknown) return UnitStatus.Unknown;
        bytes32 commitment = _commitments[unit.batchId];
        if (
            commitment == bytes32(0) ||
            commitment != keccak256(abi.encode(unit.root, unit.count)) ||
            unit.index >= unit.count ||
            proof.length > MAX_PROOF_LENGTH ||
            !MerkleProof.verifyCalldata(proof, unit.root, leafOf(unit.batchId, unit.index, unit.serial))
        ) return UnitStatus.NotInBatch;
        if (status == BatchStatus.Released && isDispensed(unit.batchId, unit.index)) return UnitStatus.Dispensed;
        return UnitStatus(uint8(status)); // the first six values mirror BatchStatus
    }

    /// @inheritdoc ISerialRegistry
    function isDispensed(bytes32 batchId, uint256 index) public view returns (bool) {
        return _dispensed[batchId][index >> 8] & (1 << (index & 0xff)) != 0;
    }

    /// @inheritdoc ISerialRegistry
    function commitmentOf(bytes32 batchId) external view returns (bytes32) {
        return _commitments[batchId];
    }

    /// @inheritdoc ISerialRegistry
    function cloneReportsOf(bytes32 batchId) external view returns (uint256 reports, uint256 fromMembers) {
        CloneCounts storage counts = _cloneCounts[batchId];
        return (counts.reports, counts.fromMembers);
    }

    /// @inheritdoc ISerialRegistry
    function leafOf(bytes32 batchId, uint256 index, bytes32 serial) public pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(batchId, index, serial))));
    }

    /// @inheritdoc ISerialRegistry
    function ledger() external view returns (IBatchLedger) {
        return _ledger;
    }

    /// @inheritdoc ISerialRegistry
    function version() external pure returns (string memory) {
        return "1.0.0";
    }

    // ------------------------------------------------------------------ internals

    /// @dev Reverts unless the unit's root and count are its batch's committed ones and `proof` proves the unit.
    function _requireUnit(Unit calldata unit, bytes32[] calldata proof) private view {
        bytes32 commitment = _commitments[unit.batchId];
        if (commitment == bytes32(0)) revert SerialNotCommitted(unit.batchId);
        if (commitment != keccak256(abi.encode(unit.root, unit.count))) {
            revert SerialCommitmentMismatch(unit.batchId, unit.root, unit.count);
        }
        if (unit.index >= unit.count) revert SerialIndexOutOfRange(unit.batchId, unit.index, unit.count);
        if (proof.length > MAX_PROOF_LENGTH) revert SerialProofTooLong(proof.length, MAX_PROOF_LENGTH);
        if (!MerkleProof.verifyCalldata(proof, unit.root, leafOf(unit.batchId, unit.index, unit.serial))) {
            revert SerialInvalidProof(unit.batchId, unit.index, unit.serial);
        }
    }

    /// @dev Files a clone report of a proven unit, once per reporter and unit, and counts it.
    function _report(CloneReport calldata report, bytes32[] calldata proof) private {
        Unit calldata unit = report.unit;
        _requireUnit(unit, proof);
        bytes32 batchId = unit.batchId;
        bytes32 key = keccak256(abi.encode(msg.sender, batchId, unit.index));
        if (_reported[key]) revert SerialAlreadyReported(msg.sender, batchId, unit.index);
        _reported[key] = true;
        (uint32 orgId, ) = alliance().permittedOrganisation(msg.sender, Roles.ALL);
        CloneCounts storage counts = _cloneCounts[batchId];
        // Counters cannot reach 2**128: each report is a transaction.
        unchecked {
            ++counts.reports;
            if (orgId != 0) ++counts.fromMembers;
        }
        emit CloneReported(batchId, msg.sender, orgId, unit.index, unit.serial, report.place, report.evidenceHash);
    }

    /// @dev The ledger's alliance registry, for the constructor.
    function _allianceOf(IBatchLedger ledger_) private view returns (IAllianceRegistry) {
        if (address(ledger_) == address(0)) revert SerialZeroAddress();
        return IAllianceGated(address(ledger_)).alliance();
    }
}
