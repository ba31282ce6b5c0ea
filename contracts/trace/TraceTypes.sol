// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice What a product is; hold-period floors are set per category.
enum Category {
    None,
    Drug,
    Device,
    ProtectiveEquipment, // masks, gowns, gloves
    Consumable,
    RawMaterial // e.g. meltblown fabric
}

/// @notice Medical-device risk class; only devices have one.
enum DeviceClass {
    None,
    I,
    IIa,
    IIb,
    III
}

/// @notice A product's registration.
enum ProductStatus {
    None,
    Proposed, // registered by its maker, awaiting a regulator
    Approved, // batches may be commissioned
    Rejected, // the maker may propose it again
    Withdrawn // approval withdrawn: no new batches; a regulator may approve again
}

/// @notice A batch's status in the vocabulary shared by contracts, command line and verification page.
enum BatchStatus {
    Unknown,
    OnHold,
    Released,
    Blocked,
    Recalled,
    Expired
}

/// @notice The latest quality inspection of a batch.
enum Inspection {
    None,
    Passed,
    Failed
}

/// @notice Kinds of history records. The record's `dataHash` is documented per kind.
enum RecordKind {
    None,
    Commissioned, // dataHash: keccak256(abi.encode(gtin, lot, quantity, producedAt, expiresAt, gln, docHash, inputs))
    ConsumedAsInput, // on the input batch; dataHash: keccak256(abi.encode(outputBatchId, quantity))
    InspectionPassed, // dataHash: the inspection report's hash
    InspectionFailed, // dataHash: the inspection report's hash
    Released, // a regulator's early release; dataHash: the reasons' hash
    Blocked, // dataHash: the reasons' hash
    Unblocked, // dataHash: the reasons' hash
    Note, // dataHash: the note document's hash
    Correction, // dataHash: keccak256(abi.encode(correctedHead, reasonHash))
    Shipped, // on shipping; dataHash: the shipment id
    PickedUp, // the carrier's pick-up; dataHash: the shipment id
    Delivered, // the carrier's delivery; dataHash: the shipment id
    Received, // dataHash: keccak256(abi.encode(shipmentId, quantityReceived, goodCondition))
    Refused, // dataHash: keccak256(abi.encode(shipmentId, reasonHash))
    Returned, // refused goods back with the sender; dataHash: the shipment id
    Reclaimed, // an unanswered shipment taken back by its sender; dataHash: the shipment id
    Settled, // by a regulator; dataHash: keccak256(abi.encode(shipmentId, quantityReceived, reasonHash))
    Dispensed, // dataHash: keccak256(abi.encode(quantity, referenceHash))
    Destroyed, // dataHash: keccak256(abi.encode(quantity, reasonHash))
    Recalled, // dataHash: keccak256(abi.encode(recallClass, reasonHash))
    SerialsCommitted, // the maker committed the unit serials; dataHash: keccak256(abi.encode(merkleRoot, unitCount))
    Reading, // a device's signed field reading; actor: the device key; dataHash: the reading's EIP-712 struct hash
    // A cold-chain excursion held a shipment; actor: the device; dataHash: keccak256(abi.encode(shipmentId, reading))
    Held,
    HoldCleared // a regulator cleared a held shipment; dataHash: keccak256(abi.encode(shipmentId, reasonHash))
}

/// @notice A shipment's state in the vocabulary shared by contracts, command line and verification page.
enum ShipmentStatus {
    None,
    InTransit, // shipped, not yet picked up
    PickedUp,
    Delivered,
    Held, // a cold-chain excursion holds it until a regulator clears it
    Received,
    Refused, // the carrier is bringing it back
    Returned,
    Reclaimed,
    Settled
}
