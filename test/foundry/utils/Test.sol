// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";

import {Vm} from "./Vm.sol";

/// @notice What handlers and tests share: the cheatcodes, `bound` and named addresses.
abstract contract TestBase {
    /// @notice `bound` was asked for an empty range.
    error BoundInvalidRange(uint256 min, uint256 max);

    // solhint-disable-next-line const-name-snakecase
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    /// @dev Maps any fuzzed `x` into `[min, max]`; values already inside stay as they are, so the fuzzer's
    /// edge cases (0, 1, max) keep their meaning when the range allows them.
    function bound(uint256 x, uint256 min, uint256 max) internal pure returns (uint256) {
        if (min > max) revert BoundInvalidRange(min, max);
        if (x >= min && x <= max) return x;
        // x is outside [min, max], so the range is not the whole uint256 and max - min + 1 cannot overflow.
        return min + (x % (max - min + 1));
    }

    /// @dev A deterministic address named in traces.
    function makeAddr(string memory name) internal returns (address account) {
        account = address(uint160(uint256(keccak256(bytes(name)))));
        vm.label(account, name);
    }
}

/// @notice A tiny stand-in for forge-std's Test: assertions that revert with a clear message, and the target
/// lists forge reads before an invariant campaign (`targetContracts()`, `targetSelectors()`).
abstract contract Test is TestBase {
    /// @notice forge's selector filter: fuzz only `selectors` of `addr`.
    struct FuzzSelector {
        address addr;
        bytes4[] selectors;
    }

    /// @notice An assertion failed; `message` says what and with which values.
    error AssertionFailed(string message);

    /// @notice ds-test style log lines; forge prints them (-vv) and in failing traces.
    event log(string message); // solhint-disable-line event-name-capwords
    event log_named_uint(string key, uint256 value); // solhint-disable-line event-name-capwords

    address[] private _targetedContracts;
    FuzzSelector[] private _targetedSelectors;

    // ------------------------------------------------------------------ invariant targets

    /// @notice Read by forge: the contracts an invariant campaign calls.
    function targetContracts() public view returns (address[] memory) {
        return _targetedContracts;
    }

    /// @notice Read by forge: the functions of target contracts an invariant campaign calls.
    function targetSelectors() public view returns (FuzzSelector[] memory) {
        return _targetedSelectors;
    }

    function targetContract(address target) internal {
        _targetedContracts.push(target);
    }

    function targetSelector(FuzzSelector memory selector) internal {
        FuzzSelector storage entry = _targetedSelectors.push();
        entry.addr = selector.addr;
        for (uint256 i; i < selector.selectors.length; ++i) entry.selectors.push(selector.selectors[i]);
    }

    // ------------------------------------------------------------------ assertions

    function fail(string memory message) internal pure {
        revert AssertionFailed(message);
    }

    function assertTrue(bool condition, string memory message) internal pure {
        if (!condition) fail(message);
    }

    function assertFalse(bool condition, string memory message) internal pure {
        if (condition) fail(message);
    }

    function assertEq(uint256 left, uint256 right, string memory message) internal pure {
        if (left != right) fail(_describe(message, left, " != ", right));
    }

    function assertEq(address left, address right, string memory message) internal pure {
        if (left != right) {
            fail(string.concat(message, ": ", Strings.toHexString(left), " != ", Strings.toHexString(right)));
        }
    }

    function assertEq(bytes32 left, bytes32 right, string memory message) internal pure {
        if (left != right) {
            fail(
                string.concat(
                    message,
                    ": ",
                    Strings.toHexString(uint256(left), 32),
                    " != ",
                    Strings.toHexString(uint256(right), 32)
                )
            );
        }
    }

    function assertEq(bool left, bool right, string memory message) internal pure {
        if (left != right) fail(string.concat(message, left ? ": true != false" : ": false != true"));
    }

    function assertLe(uint256 left, uint256 right, string memory message) internal pure {
        if (left > right) fail(_describe(message, left, " > ", right));
    }

    function assertGe(uint256 left, uint256 right, string memory message) internal pure {
        if (left < right) fail(_describe(message, left, " < ", right));
    }

    function assertGt(uint256 left, uint256 right, string memory message) internal pure {
        if (left <= right) fail(_describe(message, left, " <= ", right));
    }

    function _describe(
        string memory message,
        uint256 left,
        string memory relation,
        uint256 right
    ) private pure returns (string memory) {
        return string.concat(message, ": ", Strings.toString(left), relation, Strings.toString(right));
    }
}
