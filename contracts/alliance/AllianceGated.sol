// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {GovernanceRoles} from "./AllianceTypes.sol";
import {IAllianceGated} from "./IAllianceGated.sol";
import {IAllianceRegistry} from "./IAllianceRegistry.sol";

/// @title AllianceGated
/// @notice The one permission check of MedAlliance and the pause rule, for contracts built on the registry.
/// @dev Permissions come only from `onlyPermitted` / `_requirePermitted`; `whenAllianceNotPaused` goes on functions
/// that create new commitments, never on performance of existing ones, safety actions or withdrawals, and
/// withdrawals never ask for `onlyPermitted` (a suspended or expired organisation still collects what it is owed).
abstract contract AllianceGated is IAllianceGated {
    IAllianceRegistry private immutable _alliance;

    /// @param registry The alliance registry.
    constructor(IAllianceRegistry registry) {
        if (address(registry) == address(0)) revert AllianceRegistryMissing();
        _alliance = registry;
    }

    /// @notice Only an account that may act now in one of the roles of `roleMask` (see `Roles`).
    modifier onlyPermitted(uint16 roleMask) {
        _requirePermitted(msg.sender, roleMask);
        _;
    }

    /// @notice Only a current regulator.
    modifier onlyRegulator() {
        _requireGovernanceRole(GovernanceRoles.REGULATOR, msg.sender);
        _;
    }

    /// @notice Only the alliance's governor.
    modifier onlyGovernor() {
        _requireGovernanceRole(GovernanceRoles.GOVERNOR, msg.sender);
        _;
    }

    /// @notice Only while new commitments are not paused alliance-wide.
    modifier whenAllianceNotPaused() {
        if (_alliance.paused()) revert AlliancePaused();
        _;
    }

    /// @inheritdoc IAllianceGated
    function alliance() public view returns (IAllianceRegistry) {
        return _alliance;
    }

    /// @notice The organisation `account` acts for in one of the roles of `roleMask`, and which of them it holds.
    /// @dev Reverts with {AllianceUnauthorized} when the account may not act in any of them now.
    function _requirePermitted(address account, uint16 roleMask) internal view returns (uint32 orgId, uint16 roles) {
        (orgId, roles) = _alliance.permittedOrganisation(account, roleMask);
        if (orgId == 0) revert AllianceUnauthorized(account, roleMask);
    }

    /// @notice Whether `account` is a current regulator.
    function _isRegulator(address account) internal view returns (bool) {
        return _alliance.hasRole(GovernanceRoles.REGULATOR, account);
    }

    /// @dev Reverts with {AccessControlUnauthorizedAccount} unless `account` holds the governance `role`.
    function _requireGovernanceRole(bytes32 role, address account) internal view {
        if (!_alliance.hasRole(role, account)) revert AccessControlUnauthorizedAccount(account, role);
    }
}
