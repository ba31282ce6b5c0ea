// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AllianceGated} from "../alliance/AllianceGated.sol";
import {IAllianceRegistry} from "../alliance/IAllianceRegistry.sol";

/// @notice Test-only contract that exercises AllianceGated the way MedAlliance contracts use it.
contract GatedProbe is AllianceGated {
    event Acted(address indexed account);
    event Committed(address indexed account);
    event Collected(address indexed account);
    event Regulated(address indexed account);
    event Governed(address indexed account);

    constructor(IAllianceRegistry registry) AllianceGated(registry) {}

    /// @notice Performance of an existing commitment: permission only, goes on while paused.
    function act(uint16 roleMask) external onlyPermitted(roleMask) {
        emit Acted(msg.sender);
    }

    /// @notice A new commitment: the pause rule and permission.
    function commit(uint16 roleMask) external whenAllianceNotPaused onlyPermitted(roleMask) {
        emit Committed(msg.sender);
    }

    /// @notice A regulator's action.
    function regulate() external onlyRegulator {
        emit Regulated(msg.sender);
    }

    /// @notice A governor's action.
    function govern() external onlyGovernor {
        emit Governed(msg.sender);
    }

    /// @notice Whether the gate sees `account` as a regulator.
    function isRegulator(address account) external view returns (bool) {
        return _isRegulator(account);
    }

    /// @notice The organisation and roles the gate finds for `account`.
    function permittedAs(address account, uint16 roleMask) external view returns (uint32 orgId, uint16 roles) {
        return _requirePermitted(account, roleMask);
    }

    /// @notice A withdrawal: no permission needed, never paused (and the baseline for measuring the check).
    function collect() external {
        emit Collected(msg.sender);
    }
}
