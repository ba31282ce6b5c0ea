// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IAllianceRegistry} from "./IAllianceRegistry.sol";

/// @title Alliance-gated contracts
/// @notice What every MedAlliance contract that acts on members' behalf exposes about its gate.
interface IAllianceGated {
    /// @notice The caller may not act in any of the roles of `roleMask` now (not a member, a device key, not
    /// admitted to such a role, suspended, revoked or with an expired licence).
    error AllianceUnauthorized(address account, uint16 roleMask);
    /// @notice The caller lacks a governance role (the same error as OpenZeppelin's access control).
    error AccessControlUnauthorizedAccount(address account, bytes32 neededRole);
    /// @notice New commitments are paused alliance-wide.
    error AlliancePaused();
    /// @notice The registry address given at deployment was zero.
    error AllianceRegistryMissing();

    /// @notice The alliance registry this contract asks for permissions and the pause.
    function alliance() external view returns (IAllianceRegistry);
}
