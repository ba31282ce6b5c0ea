// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice The business roles an organisation can be admitted to (DESIGN section 1).
enum BusinessRole {
    None,
    Supplier,
    Manufacturer,
    Logistics,
    Distributor,
    Hospital,
    Retailer,
    Agency
}

/// @notice How an account belongs to its organisation. Devices only sign field readings, never act in a role.
enum AccountKind {
    None,
    Admin,
    Operator,
    Device
}

/// @notice An organisation's standing, derived from its flags, admitted roles and licence expiry.
enum OrganisationStatus {
    Unknown,
    Registered, // registered, no role admitted yet
    Active, // at least one role admitted, licence valid
    Suspended, // halted by a regulator; can be reinstated
    Revoked, // removed by the regulators' quorum; final
    Expired // licence past its expiry; renewal restores it
}

/// @notice What a quorum motion decides.
enum MotionKind {
    None,
    Application, // admit an organisation to a role
    Revocation, // revoke an organisation
    AdminReplacement // replace a lost admin account
}

/// @notice Lifecycle of a quorum motion.
enum MotionStatus {
    None,
    Pending,
    Executed,
    Rejected,
    Withdrawn
}

/// @notice Role masks: bit `1 << role` for each `BusinessRole`. Gated contracts accept a mask of roles.
library Roles {
    uint16 internal constant SUPPLIER = uint16(1) << uint8(BusinessRole.Supplier);
    uint16 internal constant MANUFACTURER = uint16(1) << uint8(BusinessRole.Manufacturer);
    uint16 internal constant LOGISTICS = uint16(1) << uint8(BusinessRole.Logistics);
    uint16 internal constant DISTRIBUTOR = uint16(1) << uint8(BusinessRole.Distributor);
    uint16 internal constant HOSPITAL = uint16(1) << uint8(BusinessRole.Hospital);
    uint16 internal constant RETAILER = uint16(1) << uint8(BusinessRole.Retailer);
    uint16 internal constant AGENCY = uint16(1) << uint8(BusinessRole.Agency);

    /// @notice Makers register products and commission batches.
    uint16 internal constant MAKERS = SUPPLIER | MANUFACTURER;
    /// @notice Every role that holds stock and therefore receives and ships.
    uint16 internal constant HOLDERS = MAKERS | LOGISTICS | DISTRIBUTOR | HOSPITAL | RETAILER | AGENCY;
    /// @notice Every business role.
    uint16 internal constant ALL = HOLDERS;

    /// @notice The mask of one role.
    function mask(BusinessRole role) internal pure returns (uint16) {
        return uint16(1) << uint8(role);
    }
}

/// @notice Governance roles of the registry's access control (OpenZeppelin role ids).
library GovernanceRoles {
    /// @notice The governor is the registry's single default admin.
    bytes32 internal constant GOVERNOR = 0x00;
    /// @notice Guardians pause new commitments.
    bytes32 internal constant GUARDIAN = keccak256("GUARDIAN_ROLE");
    /// @notice Regulators admit, suspend, revoke, release, block and recall.
    bytes32 internal constant REGULATOR = keccak256("REGULATOR_ROLE");
}
