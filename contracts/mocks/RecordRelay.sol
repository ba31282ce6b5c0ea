// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IBatchLedger} from "../trace/IBatchLedger.sol";

/// @notice Test-only ledger module: relays a caller's record to the ledger as that caller.
contract RecordRelay {
    IBatchLedger private immutable _ledger;

    constructor(IBatchLedger ledger) {
        _ledger = ledger;
    }

    /// @notice Appends `request` on the ledger on behalf of the caller.
    function relay(IBatchLedger.RecordRequest calldata request) external {
        _ledger.recordFor(msg.sender, request);
    }
}
