// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// solhint-disable-next-line max-line-length
import {AccessControlDefaultAdminRules} from "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {GS1} from "../libraries/GS1.sol";
import {AccountKind, BusinessRole, MotionKind, MotionStatus, OrganisationStatus, Roles} from "./AllianceTypes.sol";
import {IAllianceRegistry} from "./IAllianceRegistry.sol";

/// @title AllianceRegistry
/// @notice The permissioned alliance: organisations, admission by a quorum of regulators, suspension, revocation,
/// licences, sites, accounts, network guests, governance, pause and the directory of system contracts.
/// @dev Governance accounts use OpenZeppelin access control: the governor is the single default admin (two-step
/// hand-over with a delay), regulators and guardians are roles it grants. Each regulator sits in one of
/// `MAX_REGULATORS` slots; a motion stores its approvals as a bitmap of slots, and only the slots of current
/// regulators count, so a removed regulator's approvals stop counting at once. A freed slot is reused only after
/// every slot has been used; reuse starts a new epoch in which earlier approvals of pending motions are void.
contract AllianceRegistry is IAllianceRegistry, AccessControlDefaultAdminRules, Pausable {
    /// @notice Guardians pause; only the governor unpauses.
    bytes32 public constant GUARDIAN_ROLE = keccak256("GUARDIAN_ROLE");
    /// @notice Regulators admit, suspend, revoke and approve licences.
    bytes32 public constant REGULATOR_ROLE = keccak256("REGULATOR_ROLE");

    /// @notice Most regulators at once (one bit each in a motion's approvals).
    uint256 public constant MAX_REGULATORS = 64;
    /// @notice Most company prefixes in one application.
    uint256 public constant MAX_PREFIXES_PER_APPLICATION = 8;
    /// @notice Most sites per organisation.
    uint256 public constant MAX_SITES = 64;
    /// @notice Most operator and device accounts per organisation (its admin not counted).
    uint256 public constant MAX_ACCOUNTS = 32;

    struct Organisation {
        address admin; // never zero once registered
        uint40 licenceExpiry; // licence valid while block.timestamp < licenceExpiry
        uint16 roles; // bit `1 << role` per admitted role
        uint16 applicationNonce; // applications submitted so far
        bool suspended; // by a regulator, until reinstated
        bool revoked; // by the quorum, for good
        uint8 siteCount; // sites registered, at most MAX_SITES
    }

    struct Membership {
        uint32 orgId; // 0: no organisation
        AccountKind kind;
        uint8 index; // operators and devices: position in the organisation's account list
    }

    struct Motion {
        uint64 approvals; // bitmap of regulator slots that approved during `epoch`
        uint32 orgId; // the organisation concerned
        uint16 epoch; // regulator-slot epoch of `approvals`
        uint16 nonce; // applications: the applicant's application number
        MotionKind kind;
        MotionStatus status;
        BusinessRole role; // applications: the role applied for
        uint40 createdAt; // submission (applications) or first approval
    }

    struct RegulatorSet {
        uint64 active; // slots of current regulators
        uint64 used; // slots used during this epoch (current or since removed)
        uint16 epoch; // advances when a freed slot is reused
        uint8 quorum; // approvals a motion needs; 1 <= quorum <= popcount(active) once a regulator is seated
    }

    struct LicenceRenewal {
        bytes32 licenceHash; // zero: nothing pending
        uint40 licenceExpiry;
    }

    struct Guest {
        bool current; // admitted to the network now
        bool listed; // already in `_guestList`
    }

    struct DirectoryEntry {
        address target; // zero: no entry
        bool listed; // already in `_directoryNames`
    }

    RegulatorSet private _regulatorSet;
    uint32 private _organisationCount;

    mapping(uint32 orgId => Organisation) private _organisations;
    mapping(uint32 orgId => bytes32 licenceHash) private _licenceHashes;
    mapping(uint32 orgId => LicenceRenewal) private _renewals;
    mapping(uint32 orgId => mapping(uint256 siteIndex => uint64 gln)) private _sites; // GLNs are never zero
    mapping(uint32 orgId => address[] accounts) private _accounts;
    mapping(uint32 orgId => mapping(address account => AccountKind kind)) private _invitations;
    mapping(address account => Membership) private _memberships;
    mapping(uint64 prefix => uint32 orgId) private _prefixOwners;
    mapping(uint64 gln => uint32 orgId) private _glnOwners;
    mapping(bytes32 motionId => Motion) private _motions;
    mapping(address regulator => uint8 slotPlusOne) private _regulatorSlots;
    mapping(uint256 slot => address regulator) private _seatedRegulators;
    mapping(address account => Guest) private _guests;
    address[] private _guestList;
    mapping(bytes32 name => DirectoryEntry) private _directory;
    bytes32[] private _directoryNames;

    /// @param initialGovernor The first governor (hand it over to the consortium's multisig after set-up).
    /// @param governorTransferDelay Seconds a governor hand-over must wait between proposal and acceptance.
    constructor(
        address initialGovernor,
        uint48 governorTransferDelay
    ) AccessControlDefaultAdminRules(governorTransferDelay, initialGovernor) {
        _regulatorSet.quorum = 1;
    }

    // ------------------------------------------------------------------ organisations and admission

    /// @inheritdoc IAllianceRegistry
    function registerOrganisation(
        bytes32 licenceHash,
        string calldata licenceURI,
        uint40 licenceExpiry,
        string calldata name,
        BusinessRole role,
        uint64[] calldata companyPrefixes
    ) external whenNotPaused returns (uint32 orgId, bytes32 applicationId_) {
        orgId = _createOrganisation(licenceHash, licenceURI, licenceExpiry, name);
        applicationId_ = _submitApplication(orgId, _organisations[orgId], role, companyPrefixes);
    }

    /// @inheritdoc IAllianceRegistry
    function applyForRole(
        BusinessRole role,
        uint64[] calldata companyPrefixes
    ) external whenNotPaused returns (bytes32 applicationId_) {
        (uint32 orgId, Organisation storage org) = _adminOrganisation(msg.sender);
        OrganisationStatus status = _status(org);
        if (status != OrganisationStatus.Registered && status != OrganisationStatus.Active) {
            revert AllianceUnexpectedOrganisationStatus(orgId, status);
        }
        if (org.roles & Roles.mask(role) != 0) revert AllianceRoleAlreadyAdmitted(orgId, role);
        applicationId_ = _submitApplication(orgId, org, role, companyPrefixes);
    }

    /// @inheritdoc IAllianceRegistry
    function withdrawApplication(bytes32 applicationId_) external {
        Motion storage m = _pendingMotion(applicationId_, MotionKind.Application);
        if (_memberships[msg.sender].kind != AccountKind.Admin || _memberships[msg.sender].orgId != m.orgId) {
            revert AllianceNotOrganisationAdmin(msg.sender);
        }
        m.status = MotionStatus.Withdrawn;
        emit ApplicationWithdrawn(applicationId_);
    }

    /// @inheritdoc IAllianceRegistry
    function approveApplication(
        bytes32 applicationId_,
        uint64[] calldata companyPrefixes
    ) external returns (bool admitted) {
        uint256 slot = _regulatorSlot(msg.sender);
        Motion storage m = _pendingMotion(applicationId_, MotionKind.Application);
        uint32 orgId = m.orgId;
        BusinessRole role = m.role;
        if (applicationId(orgId, role, m.nonce, companyPrefixes) != applicationId_) {
            revert AllianceApplicationMismatch(applicationId_);
        }
        if (!_approve(applicationId_, m, slot)) return false;

        Organisation storage org = _organisations[orgId];
        if (org.suspended || org.revoked) revert AllianceUnexpectedOrganisationStatus(orgId, _status(org));
        for (uint256 i; i < companyPrefixes.length; ++i) {
            uint64 prefix = companyPrefixes[i];
            uint32 owner = _prefixOwners[prefix];
            if (owner == 0) _prefixOwners[prefix] = orgId;
            else if (owner != orgId) revert AlliancePrefixTaken(prefix, owner);
        }
        org.roles |= Roles.mask(role);
        m.status = MotionStatus.Executed;
        emit RoleAdmitted(orgId, role, applicationId_);
        return true;
    }

    /// @inheritdoc IAllianceRegistry
    function rejectApplication(bytes32 applicationId_, bytes32 reasonHash) external onlyRole(REGULATOR_ROLE) {
        Motion storage m = _pendingMotion(applicationId_, MotionKind.Application);
        if (reasonHash == bytes32(0)) revert AllianceEmptyHash();
        m.status = MotionStatus.Rejected;
        emit ApplicationRejected(applicationId_, msg.sender, reasonHash);
    }

    /// @inheritdoc IAllianceRegistry
    function suspendOrganisation(uint32 orgId, bytes32 reasonHash) external onlyRole(REGULATOR_ROLE) {
        Organisation storage org = _existingOrganisation(orgId);
        if (org.suspended || org.revoked) revert AllianceUnexpectedOrganisationStatus(orgId, _status(org));
        if (reasonHash == bytes32(0)) revert AllianceEmptyHash();
        org.suspended = true;
        emit OrganisationSuspended(orgId, msg.sender, reasonHash);
    }

    /// @inheritdoc IAllianceRegistry
    function reinstateOrganisation(uint32 orgId) external onlyRole(REGULATOR_ROLE) {
        Organisation storage org = _existingOrganisation(orgId);
        if (!org.suspended || org.revoked) revert AllianceUnexpectedOrganisationStatus(orgId, _status(org));
        org.suspended = false;
        emit OrganisationReinstated(orgId, msg.sender);
    }

    /// @inheritdoc IAllianceRegistry
    function approveRevocation(uint32 orgId, bytes32 reasonHash) external returns (bool revoked) {
        uint256 slot = _regulatorSlot(msg.sender);
        Organisation storage org = _existingOrganisation(orgId);
        if (org.revoked) revert AllianceUnexpectedOrganisationStatus(orgId, OrganisationStatus.Revoked);
        if (reasonHash == bytes32(0)) revert AllianceEmptyHash();
        bytes32 motionId = revocationId(orgId);
        Motion storage m = _openMotion(motionId, MotionKind.Revocation, orgId);
        if (!_approve(motionId, m, slot)) return false;
        org.revoked = true;
        m.status = MotionStatus.Executed;
        emit OrganisationRevoked(orgId, motionId);
        return true;
    }

    /// @inheritdoc IAllianceRegistry
    function approveAdminReplacement(uint32 orgId, address newAdmin) external returns (bool invited) {
        uint256 slot = _regulatorSlot(msg.sender);
        Organisation storage org = _existingOrganisation(orgId);
        if (org.revoked) revert AllianceUnexpectedOrganisationStatus(orgId, OrganisationStatus.Revoked);
        _requireInvitable(orgId, newAdmin, AccountKind.Admin);
        bytes32 motionId = adminReplacementId(orgId, org.admin, newAdmin);
        Motion storage m = _openMotion(motionId, MotionKind.AdminReplacement, orgId);
        if (!_approve(motionId, m, slot)) return false;
        m.status = MotionStatus.Executed;
        address replaced = org.admin;
        if (_memberships[replaced].orgId == orgId) {
            // The replaced key loses its powers now, so that a stolen key cannot block or race the replacement.
            delete _memberships[replaced];
            emit AccountRemoved(orgId, replaced);
        }
        // No stored invitation: the executed motion itself lets `newAdmin` accept, and only while it is pending.
        emit AccountInvited(orgId, newAdmin, AccountKind.Admin);
        return true;
    }

    // ------------------------------------------------------------------ licences

    /// @inheritdoc IAllianceRegistry
    function proposeLicenceRenewal(bytes32 licenceHash, string calldata licenceURI, uint40 licenceExpiry) external {
        (uint32 orgId, Organisation storage org) = _adminOrganisation(msg.sender);
        if (org.revoked) revert AllianceUnexpectedOrganisationStatus(orgId, OrganisationStatus.Revoked);
        _requireLicence(licenceHash, licenceExpiry);
        _renewals[orgId] = LicenceRenewal({licenceHash: licenceHash, licenceExpiry: licenceExpiry});
        emit LicenceRenewalProposed(orgId, licenceHash, licenceURI, licenceExpiry);
    }

    /// @inheritdoc IAllianceRegistry
    function approveLicenceRenewal(uint32 orgId, bytes32 licenceHash) external onlyRole(REGULATOR_ROLE) {
        LicenceRenewal memory renewal = _renewals[orgId];
        if (renewal.licenceHash == bytes32(0) || renewal.licenceHash != licenceHash) {
            revert AllianceNoPendingRenewal(orgId, licenceHash);
        }
        Organisation storage org = _organisations[orgId];
        if (org.revoked) revert AllianceUnexpectedOrganisationStatus(orgId, OrganisationStatus.Revoked);
        if (renewal.licenceExpiry <= block.timestamp) {
            revert AllianceExpiryInPast(renewal.licenceExpiry, block.timestamp);
        }
        delete _renewals[orgId];
        org.licenceExpiry = renewal.licenceExpiry;
        _licenceHashes[orgId] = licenceHash;
        emit LicenceRenewed(orgId, msg.sender, licenceHash, renewal.licenceExpiry);
    }

    // ------------------------------------------------------------------ sites and accounts

    /// @inheritdoc IAllianceRegistry
    function registerSite(uint64 gln, string calldata name) external returns (uint256 siteIndex) {
        (uint32 orgId, Organisation storage org) = _adminOrganisation(msg.sender);
        if (org.revoked) revert AllianceUnexpectedOrganisationStatus(orgId, OrganisationStatus.Revoked);
        if (!GS1.isValidGln(gln)) revert AllianceInvalidGln(gln);
        uint32 owner = _glnOwners[gln];
        if (owner != 0) revert AllianceGlnTaken(gln, owner);
        siteIndex = org.siteCount;
        if (siteIndex == MAX_SITES) revert AllianceTooManySites(orgId, MAX_SITES);
        _sites[orgId][siteIndex] = gln;
        org.siteCount = uint8(siteIndex + 1); // at most MAX_SITES (64)
        _glnOwners[gln] = orgId;
        emit SiteRegistered(orgId, siteIndex, gln, name);
    }

    /// @inheritdoc IAllianceRegistry
    function inviteAccount(address account, AccountKind kind) external {
        (uint32 orgId, Organisation storage org) = _adminOrganisation(msg.sender);
        if (org.revoked) revert AllianceUnexpectedOrganisationStatus(orgId, OrganisationStatus.Revoked);
        if (kind == AccountKind.None) revert AllianceInvalidAccountKind(kind);
        _requireInvitable(orgId, account, kind);
        _invitations[orgId][account] = kind;
        emit AccountInvited(orgId, account, kind);
    }

    /// @inheritdoc IAllianceRegistry
    function cancelInvitation(address account) external {
        (uint32 orgId, ) = _adminOrganisation(msg.sender);
        if (_invitations[orgId][account] == AccountKind.None) revert AllianceNoInvitation(orgId, account);
        delete _invitations[orgId][account];
        emit InvitationCancelled(orgId, account);
    }

    /// @inheritdoc IAllianceRegistry
    function acceptInvitation(uint32 orgId) external {
        AccountKind kind = _invitations[orgId][msg.sender];
        Organisation storage org = _organisations[orgId];
        address previousAdmin = org.admin;
        if (_memberships[previousAdmin].orgId != orgId && kind != AccountKind.Operator && kind != AccountKind.Device) {
            // No admin holds the organisation (or it is unknown): the quorum removed the previous admin, and only the
            // replacement it approved may take over; earlier admin invitations are void.
            if (_motions[adminReplacementId(orgId, previousAdmin, msg.sender)].status != MotionStatus.Executed) {
                revert AllianceNoInvitation(orgId, msg.sender);
            }
            kind = AccountKind.Admin;
        } else if (kind == AccountKind.None) {
            revert AllianceNoInvitation(orgId, msg.sender);
        }
        if (org.revoked) revert AllianceUnexpectedOrganisationStatus(orgId, OrganisationStatus.Revoked);
        _requireInvitable(orgId, msg.sender, kind);
        delete _invitations[orgId][msg.sender];

        if (kind == AccountKind.Admin) {
            if (_memberships[previousAdmin].orgId == orgId) delete _memberships[previousAdmin]; // a hand-over
            if (_memberships[msg.sender].orgId == orgId) _removeFromAccounts(orgId, msg.sender);
            org.admin = msg.sender;
            _memberships[msg.sender] = Membership({orgId: orgId, kind: AccountKind.Admin, index: 0});
            emit AccountJoined(orgId, msg.sender, kind);
            emit AdminChanged(orgId, previousAdmin, msg.sender);
        } else {
            address[] storage accounts = _accounts[orgId];
            uint256 count = accounts.length;
            if (count == MAX_ACCOUNTS) revert AllianceTooManyAccounts(orgId, MAX_ACCOUNTS);
            // count < MAX_ACCOUNTS (32) fits a uint8.
            _memberships[msg.sender] = Membership({orgId: orgId, kind: kind, index: uint8(count)});
            accounts.push(msg.sender);
            emit AccountJoined(orgId, msg.sender, kind);
        }
    }

    /// @inheritdoc IAllianceRegistry
    function removeAccount(address account) external {
        (uint32 orgId, ) = _adminOrganisation(msg.sender);
        Membership memory membership = _memberships[account];
        if (membership.orgId != orgId || membership.kind == AccountKind.Admin) {
            revert AllianceNotOrganisationAccount(orgId, account);
        }
        _removeFromAccounts(orgId, account);
        delete _memberships[account];
        emit AccountRemoved(orgId, account);
    }

    // ------------------------------------------------------------------ network guests

    /// @inheritdoc IAllianceRegistry
    function grantNetworkAccess(address account, bytes32 reasonHash) external onlyRole(REGULATOR_ROLE) {
        if (account == address(0)) revert AllianceZeroAddress();
        if (reasonHash == bytes32(0)) revert AllianceEmptyHash();
        if (isAllowedOnNetwork(account)) revert AllianceAlreadyOnNetwork(account);
        Guest storage guest = _guests[account];
        if (!guest.listed) {
            guest.listed = true;
            _guestList.push(account);
        }
        guest.current = true;
        emit NetworkAccessGranted(account, msg.sender, reasonHash);
    }

    /// @inheritdoc IAllianceRegistry
    function withdrawNetworkAccess(address account) external onlyRole(REGULATOR_ROLE) {
        Guest storage guest = _guests[account];
        if (!guest.current) revert AllianceNotNetworkGuest(account);
        guest.current = false;
        emit NetworkAccessWithdrawn(account, msg.sender);
    }

    // ------------------------------------------------------------------ governance

    /// @inheritdoc IAllianceRegistry
    function setQuorum(uint8 newQuorum) external onlyRole(DEFAULT_ADMIN_ROLE) {
        uint256 count = regulatorCount();
        if (newQuorum == 0 || newQuorum > count) revert AllianceInvalidQuorum(newQuorum, count);
        uint8 previousQuorum = _regulatorSet.quorum;
        _regulatorSet.quorum = newQuorum;
        emit QuorumChanged(previousQuorum, newQuorum);
    }

    /// @inheritdoc IAllianceRegistry
    function pause() external onlyRole(GUARDIAN_ROLE) {
        _pause();
    }

    /// @inheritdoc IAllianceRegistry
    function unpause() external onlyRole(DEFAULT_ADMIN_ROLE) {
        _unpause();
    }

    /// @inheritdoc IAllianceRegistry
    function setDirectoryEntry(bytes32 name, address target) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (name == bytes32(0)) revert AllianceEmptyName();
        DirectoryEntry storage entry = _directory[name];
        address previous = entry.target;
        if (!entry.listed) {
            entry.listed = true;
            _directoryNames.push(name);
        }
        entry.target = target;
        emit DirectoryEntrySet(name, previous, target);
    }

    // ------------------------------------------------------------------ the permission question

    /// @inheritdoc IAllianceRegistry
    function isPermitted(address account, BusinessRole role) external view returns (bool) {
        (uint32 orgId, ) = permittedOrganisation(account, Roles.mask(role));
        return orgId != 0;
    }

    /// @inheritdoc IAllianceRegistry
    function permittedOrganisation(address account, uint16 roleMask) public view returns (uint32 orgId, uint16 roles) {
        Membership memory membership = _memberships[account];
        if (membership.kind != AccountKind.Admin && membership.kind != AccountKind.Operator) return (0, 0);
        Organisation memory org = _organisations[membership.orgId];
        roles = org.roles & roleMask;
        if (roles == 0 || org.suspended || org.revoked || block.timestamp >= org.licenceExpiry) return (0, 0);
        return (membership.orgId, roles);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IAllianceRegistry
    function paused() public view override(IAllianceRegistry, Pausable) returns (bool) {
        return super.paused();
    }

    /// @inheritdoc IAllianceRegistry
    function governor() external view returns (address) {
        return defaultAdmin();
    }

    /// @inheritdoc IAllianceRegistry
    function regulatorCount() public view returns (uint256) {
        return _popcount(_regulatorSet.active);
    }

    /// @inheritdoc IAllianceRegistry
    function regulators() external view returns (address[] memory accounts) {
        uint64 active = _regulatorSet.active;
        accounts = new address[](_popcount(active));
        uint256 found;
        for (uint256 slot; active >> slot != 0; ++slot) {
            if ((active >> slot) & 1 == 1) accounts[found++] = _seatedRegulators[slot];
        }
    }

    /// @inheritdoc IAllianceRegistry
    function quorum() external view returns (uint256) {
        return _regulatorSet.quorum;
    }

    /// @inheritdoc IAllianceRegistry
    function organisationCount() external view returns (uint256) {
        return _organisationCount;
    }

    /// @inheritdoc IAllianceRegistry
    function organisation(uint32 orgId) external view returns (OrganisationView memory) {
        Organisation storage org = _existingOrganisation(orgId);
        return
            OrganisationView({
                id: orgId,
                admin: org.admin,
                licenceHash: _licenceHashes[orgId],
                licenceExpiry: org.licenceExpiry,
                roles: org.roles,
                status: _status(org),
                siteCount: org.siteCount,
                accountCount: _accounts[orgId].length
            });
    }

    /// @inheritdoc IAllianceRegistry
    function organisationStatus(uint32 orgId) external view returns (OrganisationStatus) {
        return _status(_organisations[orgId]);
    }

    /// @inheritdoc IAllianceRegistry
    function standing(uint32 orgId) external view returns (OrganisationStatus status, uint16 roles) {
        Organisation storage org = _organisations[orgId];
        return (_status(org), org.roles);
    }

    /// @inheritdoc IAllianceRegistry
    function membershipOf(address account) external view returns (uint32 orgId, AccountKind kind) {
        Membership memory membership = _memberships[account];
        return (membership.orgId, membership.kind);
    }

    /// @inheritdoc IAllianceRegistry
    function invitationOf(uint32 orgId, address account) external view returns (AccountKind) {
        return _invitations[orgId][account];
    }

    /// @inheritdoc IAllianceRegistry
    function listOrganisations(
        uint16 roleMask,
        uint16 statusMask,
        uint256 cursor,
        uint256 limit
    ) external view returns (uint32[] memory ids, uint256 nextCursor) {
        uint256 count = _organisationCount;
        uint256 first = cursor == 0 ? 1 : cursor;
        if (first > count) return (new uint32[](0), 0);
        if (limit == 0) return (new uint32[](0), first);
        uint256 last = limit > count - first ? count : first + limit - 1;
        ids = new uint32[](last + 1 - first);
        uint256 found;
        for (uint256 id = first; id <= last; ++id) {
            Organisation storage org = _organisations[uint32(id)];
            bool roleMatches = roleMask == 0 || org.roles & roleMask != 0;
            bool statusMatches = statusMask == 0 || (statusMask >> uint8(_status(org))) & 1 == 1;
            if (roleMatches && statusMatches) ids[found++] = uint32(id);
        }
        _shrink(ids, found);
        nextCursor = last < count ? last + 1 : 0;
    }

    /// @inheritdoc IAllianceRegistry
    function accountsOf(uint32 orgId) external view returns (address[] memory) {
        return _accounts[orgId];
    }

    /// @inheritdoc IAllianceRegistry
    function sitesOf(uint32 orgId) external view returns (uint64[] memory glns) {
        glns = new uint64[](_organisations[orgId].siteCount);
        for (uint256 i; i < glns.length; ++i) glns[i] = _sites[orgId][i];
    }

    /// @inheritdoc IAllianceRegistry
    function siteGln(uint32 orgId, uint256 siteIndex) external view returns (uint64 gln) {
        gln = _sites[orgId][siteIndex];
        if (gln == 0) revert AllianceInvalidGln(0);
    }

    /// @inheritdoc IAllianceRegistry
    function companyPrefixOwner(uint64 prefix) external view returns (uint32) {
        return _prefixOwners[prefix];
    }

    /// @inheritdoc IAllianceRegistry
    function glnOwner(uint64 gln) external view returns (uint32) {
        return _glnOwners[gln];
    }

    /// @inheritdoc IAllianceRegistry
    function motion(bytes32 motionId) external view returns (MotionView memory) {
        Motion memory m = _motions[motionId];
        RegulatorSet memory set = _regulatorSet;
        return
            MotionView({
                kind: m.kind,
                status: m.status,
                orgId: m.orgId,
                role: m.role,
                createdAt: m.createdAt,
                approvals: _popcount(_currentApprovals(m, set) & set.active),
                quorum: set.quorum
            });
    }

    /// @inheritdoc IAllianceRegistry
    function hasApproved(bytes32 motionId, address regulator) external view returns (bool) {
        uint256 slotPlusOne = _regulatorSlots[regulator];
        if (slotPlusOne == 0) return false;
        return (_currentApprovals(_motions[motionId], _regulatorSet) >> (slotPlusOne - 1)) & 1 == 1;
    }

    /// @inheritdoc IAllianceRegistry
    function applicationId(
        uint32 orgId,
        BusinessRole role,
        uint16 nonce,
        uint64[] calldata companyPrefixes
    ) public pure returns (bytes32) {
        return keccak256(abi.encode(MotionKind.Application, orgId, role, nonce, companyPrefixes));
    }

    /// @inheritdoc IAllianceRegistry
    function revocationId(uint32 orgId) public pure returns (bytes32) {
        return keccak256(abi.encode(MotionKind.Revocation, orgId));
    }

    /// @inheritdoc IAllianceRegistry
    function adminReplacementId(uint32 orgId, address currentAdmin, address newAdmin) public pure returns (bytes32) {
        return keccak256(abi.encode(MotionKind.AdminReplacement, orgId, currentAdmin, newAdmin));
    }

    /// @inheritdoc IAllianceRegistry
    function pendingLicenceRenewal(uint32 orgId) external view returns (bytes32 licenceHash, uint40 licenceExpiry) {
        LicenceRenewal memory renewal = _renewals[orgId];
        return (renewal.licenceHash, renewal.licenceExpiry);
    }

    /// @inheritdoc IAllianceRegistry
    function isNetworkGuest(address account) external view returns (bool) {
        return _guests[account].current;
    }

    /// @inheritdoc IAllianceRegistry
    function isAllowedOnNetwork(address account) public view returns (bool) {
        if (_guests[account].current) return true;
        if (hasRole(DEFAULT_ADMIN_ROLE, account) || hasRole(REGULATOR_ROLE, account) || hasRole(GUARDIAN_ROLE, account))
            return true;
        uint32 orgId = _memberships[account].orgId;
        return orgId != 0 && !_organisations[orgId].revoked;
    }

    /// @inheritdoc IAllianceRegistry
    function listNetworkGuests(
        uint256 cursor,
        uint256 limit
    ) external view returns (address[] memory guests, uint256 nextCursor) {
        uint256 length = _guestList.length;
        if (cursor >= length) return (new address[](0), 0);
        uint256 end = limit > length - cursor ? length : cursor + limit;
        guests = new address[](end - cursor);
        uint256 found;
        for (uint256 i = cursor; i < end; ++i) {
            address account = _guestList[i];
            if (_guests[account].current) guests[found++] = account;
        }
        _shrink(guests, found);
        nextCursor = end < length ? end : 0;
    }

    /// @inheritdoc IAllianceRegistry
    function directory(bytes32 name) external view returns (address) {
        return _directory[name].target;
    }

    /// @inheritdoc IAllianceRegistry
    function directoryNames() external view returns (bytes32[] memory) {
        return _directoryNames;
    }

    /// @inheritdoc IAllianceRegistry
    function version() external pure returns (string memory) {
        return "1.0.0";
    }

    /// @inheritdoc AccessControlDefaultAdminRules
    function supportsInterface(bytes4 interfaceId) public view override returns (bool) {
        return interfaceId == type(IAllianceRegistry).interfaceId || super.supportsInterface(interfaceId);
    }

    // ------------------------------------------------------------------ regulator seats

    /// @dev Seats a new regulator in a slot (see the contract's notes) before granting the role.
    function _grantRole(bytes32 role, address account) internal override returns (bool) {
        if (role == REGULATOR_ROLE && !hasRole(role, account)) _seatRegulator(account);
        return super._grantRole(role, account);
    }

    /// @dev Frees a leaving regulator's slot, refusing when fewer regulators than the quorum would remain.
    function _revokeRole(bytes32 role, address account) internal override returns (bool) {
        if (role == REGULATOR_ROLE && hasRole(role, account)) _unseatRegulator(account);
        return super._revokeRole(role, account);
    }

    function _seatRegulator(address account) private {
        if (account == address(0)) revert AllianceZeroAddress();
        uint32 orgId = _memberships[account].orgId;
        if (orgId != 0) revert AllianceRegulatorAccount(account);
        RegulatorSet memory set = _regulatorSet;
        uint64 free = ~(set.active | set.used);
        if (free == 0) {
            free = ~set.active;
            if (free == 0) revert AllianceTooManyRegulators(MAX_REGULATORS);
            set.used = set.active;
            ++set.epoch;
            emit ApprovalEpochAdvanced(set.epoch);
        }
        // The lowest set bit of `free` (free & -free) is a power of two; its log2 is the slot.
        uint64 bit;
        unchecked {
            bit = free & (0 - free); // two's-complement negation in uint64 cannot overflow
        }
        set.active |= bit;
        set.used |= bit;
        _regulatorSet = set;
        // log2 of a uint64 power of two is below 64, so slot + 1 fits a uint8.
        uint256 slot = Math.log2(bit);
        _regulatorSlots[account] = uint8(slot + 1);
        _seatedRegulators[slot] = account;
    }

    function _unseatRegulator(address account) private {
        RegulatorSet memory set = _regulatorSet;
        uint256 remaining = _popcount(set.active) - 1;
        if (remaining < set.quorum) revert AllianceQuorumUnreachable(set.quorum, remaining);
        uint8 slot = _regulatorSlots[account] - 1;
        _regulatorSet.active = set.active & ~(uint64(1) << slot);
        delete _regulatorSlots[account];
        delete _seatedRegulators[slot];
    }

    function _regulatorSlot(address account) private view returns (uint256) {
        uint256 slotPlusOne = _regulatorSlots[account];
        if (slotPlusOne == 0) revert AccessControlUnauthorizedAccount(account, REGULATOR_ROLE);
        return slotPlusOne - 1;
    }

    // ------------------------------------------------------------------ motions

    /// @dev Registers the caller's organisation with the caller as its admin.
    function _createOrganisation(
        bytes32 licenceHash,
        string calldata licenceURI,
        uint40 licenceExpiry,
        string calldata name
    ) private returns (uint32 orgId) {
        _requireFreeAccount(msg.sender);
        _requireLicence(licenceHash, licenceExpiry);
        orgId = ++_organisationCount;
        Organisation storage org = _organisations[orgId];
        org.admin = msg.sender;
        org.licenceExpiry = licenceExpiry;
        _licenceHashes[orgId] = licenceHash;
        _memberships[msg.sender] = Membership({orgId: orgId, kind: AccountKind.Admin, index: 0});
        emit OrganisationRegistered(orgId, msg.sender, name, licenceHash, licenceURI, licenceExpiry);
    }

    function _submitApplication(
        uint32 orgId,
        Organisation storage org,
        BusinessRole role,
        uint64[] calldata companyPrefixes
    ) private returns (bytes32 id) {
        if (role == BusinessRole.None) revert AllianceInvalidRole(role);
        uint256 count = companyPrefixes.length;
        if (count > MAX_PREFIXES_PER_APPLICATION) revert AllianceTooManyPrefixes(count, MAX_PREFIXES_PER_APPLICATION);
        if (count == 0 && Roles.mask(role) & Roles.MAKERS != 0) revert AllianceMissingCompanyPrefix(role);
        for (uint256 i; i < count; ++i) {
            uint64 prefix = companyPrefixes[i];
            if (GS1.companyPrefixDigits(prefix) == 0) revert AllianceInvalidCompanyPrefix(prefix);
            uint32 owner = _prefixOwners[prefix];
            if (owner != 0 && owner != orgId) revert AlliancePrefixTaken(prefix, owner);
        }
        uint16 nonce = org.applicationNonce++;
        id = applicationId(orgId, role, nonce, companyPrefixes);
        _motions[id] = Motion({
            approvals: 0,
            orgId: orgId,
            epoch: 0,
            nonce: nonce,
            kind: MotionKind.Application,
            status: MotionStatus.Pending,
            role: role,
            createdAt: uint40(block.timestamp)
        });
        emit ApplicationSubmitted(id, orgId, role, nonce, companyPrefixes);
    }

    /// @dev A regulator-initiated motion: created by its first approval, otherwise it must be pending.
    function _openMotion(bytes32 motionId, MotionKind kind, uint32 orgId) private returns (Motion storage m) {
        m = _motions[motionId];
        if (m.status == MotionStatus.None) {
            m.kind = kind;
            m.status = MotionStatus.Pending;
            m.orgId = orgId;
            m.createdAt = uint40(block.timestamp);
        } else if (m.status != MotionStatus.Pending) {
            revert AllianceUnexpectedMotion(motionId, m.kind, m.status);
        }
    }

    function _pendingMotion(bytes32 motionId, MotionKind kind) private view returns (Motion storage m) {
        m = _motions[motionId];
        if (m.status == MotionStatus.None) revert AllianceUnknownMotion(motionId);
        if (m.kind != kind || m.status != MotionStatus.Pending) {
            revert AllianceUnexpectedMotion(motionId, m.kind, m.status);
        }
    }

    /// @dev Records the approval of the regulator in `slot` and tells whether current approvals reach the quorum.
    /// A regulator who already approved is refused unless the quorum is reached (after it was lowered).
    function _approve(bytes32 motionId, Motion storage m, uint256 slot) private returns (bool reached) {
        RegulatorSet memory set = _regulatorSet;
        uint64 approvals = _currentApprovals(m, set);
        uint64 bit = uint64(1) << uint8(slot);
        if (approvals & bit == 0) {
            approvals |= bit;
            m.approvals = approvals;
            m.epoch = set.epoch;
            uint256 counted = _popcount(approvals & set.active);
            emit MotionApproved(motionId, msg.sender, counted, set.quorum);
            return counted >= set.quorum;
        }
        if (_popcount(approvals & set.active) < set.quorum) revert AllianceAlreadyApproved(motionId, msg.sender);
        return true;
    }

    /// @dev A motion's approvals that belong to the current epoch (still including removed regulators' slots).
    function _currentApprovals(Motion memory m, RegulatorSet memory set) private pure returns (uint64) {
        return m.epoch == set.epoch ? m.approvals : 0;
    }

    // ------------------------------------------------------------------ organisations and accounts

    function _status(Organisation storage org) private view returns (OrganisationStatus) {
        if (org.admin == address(0)) return OrganisationStatus.Unknown;
        if (org.revoked) return OrganisationStatus.Revoked;
        if (org.suspended) return OrganisationStatus.Suspended;
        if (block.timestamp >= org.licenceExpiry) return OrganisationStatus.Expired;
        return org.roles == 0 ? OrganisationStatus.Registered : OrganisationStatus.Active;
    }

    function _existingOrganisation(uint32 orgId) private view returns (Organisation storage org) {
        org = _organisations[orgId];
        if (org.admin == address(0)) revert AllianceUnknownOrganisation(orgId);
    }

    function _adminOrganisation(address account) private view returns (uint32 orgId, Organisation storage org) {
        Membership memory membership = _memberships[account];
        if (membership.kind != AccountKind.Admin) revert AllianceNotOrganisationAdmin(account);
        return (membership.orgId, _organisations[membership.orgId]);
    }

    function _requireLicence(bytes32 licenceHash, uint40 licenceExpiry) private view {
        if (licenceHash == bytes32(0)) revert AllianceEmptyHash();
        if (licenceExpiry <= block.timestamp) revert AllianceExpiryInPast(licenceExpiry, block.timestamp);
    }

    function _requireFreeAccount(address account) private view {
        if (hasRole(REGULATOR_ROLE, account)) revert AllianceRegulatorAccount(account);
        uint32 orgId = _memberships[account].orgId;
        if (orgId != 0) revert AllianceAccountTaken(account, orgId);
    }

    /// @dev `account` may be invited into `orgId` as `kind`: a free account, or for Admin this organisation's operator.
    function _requireInvitable(uint32 orgId, address account, AccountKind kind) private view {
        if (account == address(0)) revert AllianceZeroAddress();
        if (hasRole(REGULATOR_ROLE, account)) revert AllianceRegulatorAccount(account);
        Membership memory membership = _memberships[account];
        bool promotion =
            kind == AccountKind.Admin && membership.orgId == orgId && membership.kind == AccountKind.Operator;
        if (membership.orgId != 0 && !promotion) revert AllianceAccountTaken(account, membership.orgId);
    }

    /// @dev Swap-and-pop from the organisation's bounded account list, keeping indices in memberships right.
    function _removeFromAccounts(uint32 orgId, address account) private {
        address[] storage accounts = _accounts[orgId];
        uint256 index = _memberships[account].index;
        address last = accounts[accounts.length - 1];
        accounts[index] = last;
        _memberships[last].index = uint8(index);
        accounts.pop();
    }

    // ------------------------------------------------------------------ helpers

    /// @dev Bits set in a 64-bit word (SWAR population count).
    function _popcount(uint64 x) private pure returns (uint256) {
        unchecked {
            // Each step adds neighbouring bit fields that cannot carry into each other; nothing overflows 64 bits
            // except the final multiplication, whose top byte is the count by design.
            x = x - ((x >> 1) & 0x5555555555555555);
            x = (x & 0x3333333333333333) + ((x >> 2) & 0x3333333333333333);
            x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0f;
            return uint256((x * 0x0101010101010101) >> 56);
        }
    }

    /// @dev Shortens a memory array to its first `length` entries (its memory stays allocated).
    function _shrink(uint32[] memory array, uint256 length) private pure {
        assembly ("memory-safe") {
            mstore(array, length)
        }
    }

    /// @dev Shortens a memory array to its first `length` entries (its memory stays allocated).
    function _shrink(address[] memory array, uint256 length) private pure {
        assembly ("memory-safe") {
            mstore(array, length)
        }
    }
}
