// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IBatchLedger} from "../trace/IBatchLedger.sol";

/// @notice What a field reading measures; the unit of its `value` is documented per kind.
enum ReadingKind {
    None,
    Temperature, // tenths of a degree Celsius (e.g. 53 = 5.3 °C); checked against the product's range
    Humidity, // tenths of a percent of relative humidity
    Location, // a 12-character geohash as a 60-bit number, 5 bits per character, the first the most significant
    Scan // the GLN of the site where the package was scanned
}

/// @notice Why a reading of a submission was skipped (`Accepted` for one that was recorded).
enum ReadingOutcome {
    Accepted,
    UnknownShipment, // the index names no shipment of the submission, or the ledger knows no such shipment
    InvalidKind, // kind None or out of range
    Expired, // the block's time is past the reading's deadline
    InvalidSignature, // a malformed signature (no signer can be recovered, or a high-s or invalid-v signature)
    NotDevice, // the signer is not a device key of any organisation (e.g. the reading was signed by another key, or
    // for other fields or another shipment, which recovers an unrelated address)
    DeviceInactive, // the device's organisation is not Active (suspended, revoked or its licence expired)
    NotShipmentParty, // the device's organisation is not the shipment's sender, carrier or recipient
    StaleSequence // the sequence number is not above the device's last accepted one
}

/// @title Signed field readings
/// @notice Temperature, humidity, location and scan readings signed by registered device keys (EIP-712) and relayed
/// in batches by any member's gateway. Each accepted reading extends its batch's history on the ledger, attributed
/// to the device; a temperature outside the product's range holds the shipment until a regulator clears it.
/// @dev A reading is the EIP-712 struct `Reading(bytes32 shipmentId,uint8 kind,int64 value,uint40 timestamp,uint64
/// sequence,uint40 deadline)` in the domain ("MedAlliance FieldReadings", "1", chain id, this contract). Its struct
/// hash is the `dataHash` of the ledger's Reading record. A bad reading never reverts a submission: it is skipped
/// and announced by {ReadingSkipped}.
interface IFieldReadings {
    /// @notice One signed reading as a gateway submits it: its fields packed into one word (calldata is most of what
    /// a reading costs) and its EIP-2098 compact signature.
    struct SignedReading {
        // bits 0-7: index of the reading's shipment among the submission's shipments; 8-15: kind (a ReadingKind);
        // 16-79: value (int64, two's complement); 80-119: device timestamp (uint40, unix seconds); 120-183: sequence
        // (uint64); 184-223: deadline (uint40, unix seconds, inclusive); 224-255: ignored
        uint256 fields;
        bytes32 r; // EIP-2098 compact signature: r
        bytes32 vs; // EIP-2098 compact signature: s, with v - 27 in the top bit
    }

    /// @notice A reading was accepted and appended to its batch's history. `fields` carries its kind, value, device
    /// timestamp, sequence and deadline in the layout of {SignedReading} (bits 0-7 and 224-255 zero; see
    /// {unpackFields}): with the shipment id they rebuild the reading's EIP-712 hash, the ledger record's `dataHash`.
    event ReadingAccepted(bytes32 indexed shipmentId, address indexed device, uint256 fields);
    /// @notice A reading was skipped for `reason`; `index` is its position in the submission, `shipmentId` the id of
    /// the shipment it names (zero when the index names none), `device` the key recovered from its signature (zero
    /// when it was skipped before its signature was checked, or the signature is malformed).
    event ReadingSkipped(
        bytes32 indexed shipmentId,
        address indexed device,
        uint256 index,
        uint64 sequence,
        ReadingOutcome reason
    );
    /// @notice An accepted temperature was outside the product's range; `held` tells whether it held the shipment
    /// (false when the shipment was no longer moving or was already held).
    event ExcursionReported(
        bytes32 indexed shipmentId,
        address indexed device,
        bytes32 readingHash,
        int64 value,
        int16 minTemperature,
        int16 maxTemperature,
        bool held
    );
    /// @notice A gateway submitted readings: how many were accepted and skipped.
    event ReadingsSubmitted(address indexed gateway, uint32 indexed orgId, uint256 accepted, uint256 skipped);

    /// @notice No readings, or more than MAX_READINGS.
    error FieldReadingsInvalidCount(uint256 count, uint256 max);
    /// @notice More shipments than MAX_SHIPMENTS.
    error FieldReadingsTooManyShipments(uint256 count, uint256 max);
    /// @notice The ledger address given at deployment was zero.
    error FieldReadingsZeroAddress();

    /// @notice A member's gateway submits up to MAX_READINGS signed readings about up to MAX_SHIPMENTS shipments.
    /// Each reading is checked on its own, in this order: its shipment is known (UnknownShipment), its kind is real
    /// (InvalidKind), `block.timestamp <= deadline` (Expired), the signature is well formed (InvalidSignature), and
    /// the key it recovers over the reading with its shipment's id is a Device account (NotDevice) of an Active
    /// organisation (DeviceInactive; a suspended, revoked or expired licence stops its devices) that is the
    /// shipment's sender, carrier or recipient (NotShipmentParty), and its sequence is above the device's last
    /// accepted one (StaleSequence). A bad reading is skipped with {ReadingSkipped}; the others are appended to
    /// their batches' histories in one ledger call, in submission order, and each emits {ReadingAccepted}. An
    /// accepted temperature outside the product's range then holds its shipment when it is InTransit, PickedUp or
    /// Delivered and not yet held (at most one hold per shipment per submission), and emits {ExcursionReported}.
    /// Works while the alliance is paused (performance and safety).
    /// @dev Requirements: the caller may act for its organisation in any business role; 1 to MAX_READINGS readings;
    /// at most MAX_SHIPMENTS shipments. Emits {ReadingAccepted} / {ReadingSkipped} per reading, {ExcursionReported}
    /// per excursion, then {ReadingsSubmitted}.
    /// @param shipments The shipments the readings refer to, each given once, as the ledger emitted them.
    /// @param readings The readings.
    /// @return accepted How many readings were accepted.
    function submit(
        IBatchLedger.Shipment[] calldata shipments,
        SignedReading[] calldata readings
    ) external returns (uint256 accepted);

    /// @notice The last sequence number accepted from a device (0 before its first reading).
    /// @param device The device key.
    function lastSequenceOf(address device) external view returns (uint64);

    /// @notice The EIP-712 struct hash of a reading (the `dataHash` of its ledger record).
    /// @param shipmentId The shipment's id.
    /// @param kind The kind.
    /// @param value The value.
    /// @param timestamp The device's time.
    /// @param sequence The sequence number.
    /// @param deadline The deadline.
    function readingHash(
        bytes32 shipmentId,
        ReadingKind kind,
        int64 value,
        uint40 timestamp,
        uint64 sequence,
        uint40 deadline
    ) external pure returns (bytes32);

    /// @notice The fields packed in a {SignedReading} or a {ReadingAccepted} event.
    /// @param fields The packed word.
    /// @return shipment The shipment index (zero in events).
    /// @return kind The kind (its raw number: a ReadingKind when valid).
    /// @return value The value.
    /// @return timestamp The device's time.
    /// @return sequence The sequence number.
    /// @return deadline The deadline.
    function unpackFields(
        uint256 fields
    )
        external
        pure
        returns (uint8 shipment, uint8 kind, int64 value, uint40 timestamp, uint64 sequence, uint40 deadline);

    /// @notice The EIP-712 domain separator readings are signed under.
    function domainSeparator() external view returns (bytes32);

    /// @notice The batch ledger readings are recorded on.
    function ledger() external view returns (IBatchLedger);

    /// @notice The contract's version.
    function version() external pure returns (string memory);
}
