// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IBatchLedger} from "../trace/IBatchLedger.sol";

/// @notice Test-only ledger module: relays a caller's call to the ledger's module functions as that caller.
contract RecordRelay {
    IBatchLedger private immutable _ledger;

    constructor(IBatchLedger ledger) {
        _ledger = ledger;
    }

    /// @notice Appends `request` on the ledger on behalf of the caller.
    function relay(IBatchLedger.RecordRequest calldata request) external {
        _ledger.recordFor(msg.sender, request);
    }

    /// @notice Marks a batch serialised on behalf of the caller.
    function serialise(bytes32 batchId, bytes32 dataHash) external {
        _ledger.serialiseFor(msg.sender, batchId, dataHash);
    }

    /// @notice Dispenses on behalf of the caller.
    function dispense(bytes32 batchId, uint256 quantity, bytes32 referenceHash) external {
        _ledger.dispenseFor(msg.sender, batchId, quantity, referenceHash);
    }

    /// @notice Blocks a batch on behalf of the caller.
    function blockBatch(bytes32 batchId, bytes32 reasonHash) external {
        _ledger.blockFor(msg.sender, batchId, reasonHash);
    }

    /// @notice Appends readings as the module that vetted them.
    function recordReadings(IBatchLedger.ReadingRecord[] calldata readings) external {
        _ledger.recordReadingsFor(readings);
    }

    /// @notice Holds a shipment for `device` as the module that vetted its reading.
    function hold(address device, IBatchLedger.Shipment calldata shipment, bytes32 readingHash) external {
        _ledger.holdFor(device, shipment, readingHash);
    }

    /// @notice Recalls a batch on behalf of the caller.
    function recall(bytes32 batchId, uint8 recallClass, bytes32 reasonHash) external {
        _ledger.recallFor(msg.sender, batchId, recallClass, reasonHash);
    }
}
