// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

import {AllianceGated} from "../alliance/AllianceGated.sol";
import {AccountKind, OrganisationStatus, Roles} from "../alliance/AllianceTypes.sol";
import {IAllianceRegistry} from "../alliance/IAllianceRegistry.sol";
import {IBatchLedger} from "../trace/IBatchLedger.sol";
import {IProductCatalog} from "../trace/IProductCatalog.sol";
import {ShipmentStatus} from "../trace/TraceTypes.sol";
import {IFieldReadings, ReadingKind, ReadingOutcome} from "./IFieldReadings.sol";

/// @title FieldReadings
/// @notice EIP-712 signed readings from registered devices, relayed in batches by members' gateways, recorded in
/// batch histories through the ledger, holding shipments after a cold-chain excursion.
/// @dev A submission costs one ledger call for all its readings. Per-submission state lives in memory: each
/// shipment's id and status are read once (its product's temperature range once a temperature needs it), and the
/// device of the current run of readings is looked up once and its last sequence written back once, when the run
/// ends. Readings travel as one packed word each (see {SignedReading}).
contract FieldReadings is IFieldReadings, AllianceGated, EIP712 {
    /// @notice Most readings one submission may carry (the ledger's MAX_RECORDS_PER_CALL).
    uint256 public constant MAX_READINGS = 100;
    /// @notice Most shipments one submission may refer to.
    uint256 public constant MAX_SHIPMENTS = 100;

    /// @dev EIP-712 type hash; the compiler folds it into a constant, so the long string costs nothing at run time.
    // solhint-disable-next-line gas-small-strings
    bytes32 private constant READING_TYPEHASH = keccak256(
        "Reading(bytes32 shipmentId,uint8 kind,int64 value,uint40 timestamp,uint64 sequence,uint40 deadline)"
    );
    /// @dev The bits of a packed reading that events carry: kind to deadline (8-223).
    uint256 private constant EVENT_FIELDS = ((uint256(1) << 224) - 1) ^ 0xff;

    /// @dev A shipment of the submission, read once.
    struct ShipmentContext {
        bytes32 id; // keccak256(abi.encode(shipment))
        ShipmentStatus status; // as the submission began; None: unknown to the ledger
        bool held; // this submission holds it
        bool rangeLoaded; // the product's temperature range was read
        int16 minTemperature; // tenths of a degree Celsius
        int16 maxTemperature;
    }

    /// @dev The device of the current run of consecutive readings.
    struct DeviceContext {
        address device; // zero before the first run
        uint32 orgId;
        ReadingOutcome standing; // Accepted, NotDevice or DeviceInactive
        bool dirty; // lastSequence must be written back
        uint64 lastSequence;
        uint256 partyOf; // 1 + the index of the last shipment the device was found a party of; 0: none yet
    }

    /// @dev A shipment to hold once the readings are recorded.
    struct Hold {
        uint256 shipment; // index into the submission's shipments
        address device;
        bytes32 readingHash;
        int64 value;
    }

    /// @dev What a submission gathers in memory.
    struct Submission {
        ShipmentContext[] contexts; // one per shipment
        IBatchLedger.ReadingRecord[] records; // the accepted readings, in order
        Hold[] holds; // at most one per shipment
        uint256 holdCount;
        uint256 accepted;
        DeviceContext dev;
    }

    IBatchLedger private immutable _ledger;
    IProductCatalog private immutable _catalog;

    mapping(address device => uint64 sequence) private _lastSequences;

    /// @param registry The alliance registry.
    /// @param ledger_ The batch ledger (its governor registers this contract as a module).
    constructor(
        IAllianceRegistry registry,
        IBatchLedger ledger_
    ) AllianceGated(registry) EIP712("MedAlliance FieldReadings", "1") {
        if (address(ledger_) == address(0)) revert FieldReadingsZeroAddress();
        _ledger = ledger_;
        _catalog = ledger_.catalog();
    }

    /// @inheritdoc IFieldReadings
    function submit(
        IBatchLedger.Shipment[] calldata shipments,
        SignedReading[] calldata readings
    ) external returns (uint256 accepted) {
        (uint32 orgId, ) = _requirePermitted(msg.sender, Roles.ALL);
        uint256 count = readings.length;
        if (count == 0 || count > MAX_READINGS) revert FieldReadingsInvalidCount(count, MAX_READINGS);
        if (shipments.length > MAX_SHIPMENTS) revert FieldReadingsTooManyShipments(shipments.length, MAX_SHIPMENTS);

        Submission memory sub;
        sub.contexts = _loadShipments(shipments);
        sub.records = new IBatchLedger.ReadingRecord[](count);
        sub.holds = new Hold[](shipments.length);
        for (uint256 i; i < count; ++i) _process(sub, shipments, readings[i], i);
        _flush(sub.dev);
        accepted = sub.accepted;
        if (accepted != 0) {
            IBatchLedger.ReadingRecord[] memory records = sub.records;
            // Shrinks the array to the accepted readings: its length word is at `records` and it only gets shorter.
            assembly ("memory-safe") {
                mstore(records, accepted)
            }
            _ledger.recordReadingsFor(records);
        }
        for (uint256 h; h < sub.holdCount; ++h) _hold(shipments, sub.contexts, sub.holds[h]);
        emit ReadingsSubmitted(msg.sender, orgId, accepted, count - accepted);
    }

    /// @inheritdoc IFieldReadings
    function lastSequenceOf(address device) external view returns (uint64) {
        return _lastSequences[device];
    }

    /// @inheritdoc IFieldReadings
    function readingHash(
        bytes32 shipmentId,
        ReadingKind kind,
        int64 value,
        uint40 timestamp,
        uint64 sequence,
        uint40 deadline
    ) external pure returns (bytes32) {
        return keccak256(abi.encode(READING_TYPEHASH, shipmentId, uint8(kind), value, timestamp, sequence, deadline));
    }

    /// @inheritdoc IFieldReadings
    function unpackFields(
        uint256 fields
    )
        external
        pure
        returns (uint8 shipment, uint8 kind, int64 value, uint40 timestamp, uint64 sequence, uint40 deadline)
    {
        return (
            uint8(fields),
            uint8(fields >> 8),
            _value(fields),
            uint40(fields >> 80),
            _sequence(fields),
            _deadline(fields)
        );
    }

    /// @inheritdoc IFieldReadings
    function domainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    /// @inheritdoc IFieldReadings
    function ledger() external view returns (IBatchLedger) {
        return _ledger;
    }

    /// @inheritdoc IFieldReadings
    function version() external pure returns (string memory) {
        return "1.0.0";
    }

    /// @dev Each shipment's id and status as the submission begins.
    function _loadShipments(
        IBatchLedger.Shipment[] calldata shipments
    ) private view returns (ShipmentContext[] memory contexts) {
        contexts = new ShipmentContext[](shipments.length);
        for (uint256 s; s < shipments.length; ++s) {
            bytes32 id = keccak256(abi.encode(shipments[s]));
            contexts[s].id = id;
            contexts[s].status = _ledger.shipmentState(id).status;
        }
    }

    /// @dev Checks one reading, then gathers it for the ledger or announces why it was skipped.
    function _process(
        Submission memory sub,
        IBatchLedger.Shipment[] calldata shipments,
        SignedReading calldata reading,
        uint256 position
    ) private {
        uint256 fields = reading.fields;
        (ReadingOutcome outcome, bytes32 hash, address device) = _check(sub, shipments, reading, fields);
        uint256 index = uint8(fields);
        bytes32 shipmentId = index < sub.contexts.length ? sub.contexts[index].id : bytes32(0);
        if (outcome != ReadingOutcome.Accepted) {
            emit ReadingSkipped(shipmentId, device, position, _sequence(fields), outcome);
            return;
        }
        IBatchLedger.ReadingRecord memory record = sub.records[sub.accepted];
        record.batchId = shipments[index].batchId;
        record.device = device;
        record.readingHash = hash;
        // accepted <= position < MAX_READINGS
        unchecked {
            ++sub.accepted;
        }
        emit ReadingAccepted(shipmentId, device, fields & EVENT_FIELDS);
        if (uint8(fields >> 8) == uint8(ReadingKind.Temperature)) {
            _checkTemperature(sub, shipments[index], index, device, hash, _value(fields));
        }
    }

    /// @dev A reading's outcome, its struct hash and its signer (zero when it failed before its signature). Moves
    /// `sub.dev` to the signer and advances its sequence when accepted.
    function _check(
        Submission memory sub,
        IBatchLedger.Shipment[] calldata shipments,
        SignedReading calldata reading,
        uint256 fields
    ) private returns (ReadingOutcome, bytes32 hash, address signer) {
        uint256 index = uint8(fields);
        if (index >= sub.contexts.length) return (ReadingOutcome.UnknownShipment, hash, signer);
        ShipmentContext memory ctx = sub.contexts[index];
        if (ctx.status == ShipmentStatus.None) return (ReadingOutcome.UnknownShipment, hash, signer);
        uint8 kind = uint8(fields >> 8);
        if (kind == uint8(ReadingKind.None) || kind > uint8(ReadingKind.Scan)) {
            return (ReadingOutcome.InvalidKind, hash, signer);
        }
        if (block.timestamp > _deadline(fields)) return (ReadingOutcome.Expired, hash, signer);
        hash = _hash(ctx.id, fields);
        ECDSA.RecoverError error;
        (signer, error, ) = ECDSA.tryRecover(_hashTypedDataV4(hash), reading.r, reading.vs);
        if (error != ECDSA.RecoverError.NoError) return (ReadingOutcome.InvalidSignature, hash, signer);
        DeviceContext memory dev = sub.dev;
        if (dev.device != signer) _switchDevice(dev, signer);
        if (dev.standing != ReadingOutcome.Accepted) return (dev.standing, hash, signer);
        if (dev.partyOf != index + 1) {
            IBatchLedger.Shipment calldata shipment = shipments[index];
            uint32 orgId = dev.orgId;
            if (orgId != shipment.fromOrgId && orgId != shipment.carrierOrgId && orgId != shipment.toOrgId) {
                return (ReadingOutcome.NotShipmentParty, hash, signer);
            }
            dev.partyOf = index + 1;
        }
        uint64 sequence = _sequence(fields);
        if (sequence <= dev.lastSequence) return (ReadingOutcome.StaleSequence, hash, signer);
        dev.lastSequence = sequence;
        dev.dirty = true;
        return (ReadingOutcome.Accepted, hash, signer);
    }

    /// @dev The reading's EIP-712 struct hash.
    function _hash(bytes32 shipmentId, uint256 fields) private pure returns (bytes32) {
        return
            keccak256(
                abi.encode(
                    READING_TYPEHASH,
                    shipmentId,
                    uint8(fields >> 8),
                    _value(fields),
                    uint40(fields >> 80),
                    _sequence(fields),
                    _deadline(fields)
                )
            );
    }

    /// @dev Writes back the current device's last sequence and looks up the next device.
    function _switchDevice(DeviceContext memory dev, address device) private {
        _flush(dev);
        dev.device = device;
        dev.dirty = false;
        dev.partyOf = 0;
        dev.lastSequence = _lastSequences[device];
        (uint32 orgId, AccountKind kind) = alliance().membershipOf(device);
        dev.orgId = orgId;
        if (kind != AccountKind.Device) {
            dev.standing = ReadingOutcome.NotDevice;
        } else {
            (OrganisationStatus status, ) = alliance().standing(orgId);
            dev.standing =
                status == OrganisationStatus.Active ? ReadingOutcome.Accepted : ReadingOutcome.DeviceInactive;
        }
    }

    /// @dev Writes the current device's last accepted sequence, once per run of its readings.
    function _flush(DeviceContext memory dev) private {
        if (dev.dirty) _lastSequences[dev.device] = dev.lastSequence;
    }

    /// @dev Compares an accepted temperature with its product's range (read once per shipment); an excursion on a
    /// moving shipment not yet held by this submission becomes a hold, any other is only reported.
    function _checkTemperature(
        Submission memory sub,
        IBatchLedger.Shipment calldata shipment,
        uint256 index,
        address device,
        bytes32 hash,
        int64 value
    ) private {
        ShipmentContext memory ctx = sub.contexts[index];
        if (!ctx.rangeLoaded) {
            uint64 gtin = _ledger.batch(shipment.batchId).gtin;
            (ctx.minTemperature, ctx.maxTemperature) = _catalog.temperatureRange(gtin);
            ctx.rangeLoaded = true;
        }
        if (value >= ctx.minTemperature && value <= ctx.maxTemperature) return;
        if (_isMoving(ctx.status) && !ctx.held) {
            ctx.held = true;
            sub.holds[sub.holdCount] = Hold(index, device, hash, value);
            // at most one hold per shipment: holdCount < shipments.length <= MAX_SHIPMENTS
            unchecked {
                ++sub.holdCount;
            }
        } else {
            emit ExcursionReported(ctx.id, device, hash, value, ctx.minTemperature, ctx.maxTemperature, false);
        }
    }

    /// @dev Holds a shipment through the ledger, then announces the excursion.
    function _hold(
        IBatchLedger.Shipment[] calldata shipments,
        ShipmentContext[] memory contexts,
        Hold memory h
    ) private {
        ShipmentContext memory ctx = contexts[h.shipment];
        _ledger.holdFor(h.device, shipments[h.shipment], h.readingHash);
        emit ExcursionReported(ctx.id, h.device, h.readingHash, h.value, ctx.minTemperature, ctx.maxTemperature, true);
    }

    function _isMoving(ShipmentStatus status) private pure returns (bool) {
        return
            status == ShipmentStatus.InTransit ||
            status == ShipmentStatus.PickedUp ||
            status == ShipmentStatus.Delivered;
    }

    function _value(uint256 fields) private pure returns (int64) {
        return int64(uint64(fields >> 16));
    }

    function _sequence(uint256 fields) private pure returns (uint64) {
        return uint64(fields >> 120);
    }

    function _deadline(uint256 fields) private pure returns (uint40) {
        return uint40(fields >> 184);
    }
}
