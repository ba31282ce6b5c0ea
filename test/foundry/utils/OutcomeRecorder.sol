// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";

import {TestBase} from "./Test.sol";

/// @notice What oracle-checked handlers share: the count of outcomes that contradicted the oracle and the first
/// one described (an invariant fails on them), and a readable name for a revert's selector.
abstract contract OutcomeRecorder is TestBase {
    /// @notice Ghost: outcomes that contradicted the oracle, and the first one described.
    uint256 public unexpectedOutcomes;
    string public firstUnexpectedOutcome;

    /// @dev Records an outcome the oracle did not predict; the first description is kept.
    function _unexpected(string memory description) internal {
        if (unexpectedOutcomes == 0) firstUnexpectedOutcome = description;
        ++unexpectedOutcomes;
    }

    /// @dev The revert's selector as 0x-prefixed hex, or "no data" when the revert carried none.
    function _selectorOf(bytes memory reason) internal pure returns (string memory) {
        if (reason.length < 4) return "no data";
        return Strings.toHexString(uint256(uint32(bytes4(reason))), 4);
    }
}
