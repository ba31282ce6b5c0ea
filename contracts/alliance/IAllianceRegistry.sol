// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";

import {AccountKind, BusinessRole, MotionKind, MotionStatus, OrganisationStatus} from "./AllianceTypes.sol";

/// @title The MedAlliance registry
/// @notice Who may take part, in which role, with which licence: organisations, their admission by a quorum of
/// regulators, suspension and revocation, licences, sites, accounts, network guests, governance and the directory
/// of system contracts. Every other contract asks it one question: may `account` act in `role` now?
interface IAllianceRegistry is IAccessControl {
    /// @notice An organisation as the views return it.
    struct OrganisationView {
        uint32 id; // organisation id, from 1
        address admin; // manages accounts and sites; a key the quorum replaced stays here, without membership, until
        // its replacement accepts
        bytes32 licenceHash; // hash of the current business licence document
        uint40 licenceExpiry; // licence valid while block.timestamp < licenceExpiry
        uint16 roles; // bit `1 << role` per admitted BusinessRole
        OrganisationStatus status; // derived standing
        uint256 siteCount; // registered sites (GLNs)
        uint256 accountCount; // operators and devices, the admin not included
    }

    /// @notice A quorum motion as the views return it.
    struct MotionView {
        MotionKind kind;
        MotionStatus status;
        uint32 orgId; // organisation concerned
        BusinessRole role; // applications: the role applied for
        uint40 createdAt; // when the motion was submitted or first approved
        uint256 approvals; // approvals of current regulators
        uint256 quorum; // approvals needed now
    }

    // ------------------------------------------------------------------ events

    /// @notice An organisation registered; `name` and the licence URI live only in this event.
    event OrganisationRegistered(
        uint32 indexed orgId,
        address indexed admin,
        string name,
        bytes32 licenceHash,
        string licenceURI,
        uint40 licenceExpiry
    );
    /// @notice An organisation applied for `role` with the company prefixes it asks to be granted.
    event ApplicationSubmitted(
        bytes32 indexed applicationId,
        uint32 indexed orgId,
        BusinessRole indexed role,
        uint16 nonce,
        uint64[] companyPrefixes
    );
    /// @notice A regulator approved a quorum motion; `approvals` counts current regulators only.
    event MotionApproved(bytes32 indexed motionId, address indexed regulator, uint256 approvals, uint256 quorum);
    /// @notice The quorum admitted an organisation to `role`; the application's prefixes are now its own.
    event RoleAdmitted(uint32 indexed orgId, BusinessRole indexed role, bytes32 indexed applicationId);
    /// @notice A regulator rejected an application.
    event ApplicationRejected(bytes32 indexed applicationId, address indexed regulator, bytes32 reasonHash);
    /// @notice The applicant withdrew its pending application.
    event ApplicationWithdrawn(bytes32 indexed applicationId);
    /// @notice A regulator suspended an organisation: none of its accounts may act until reinstated.
    event OrganisationSuspended(uint32 indexed orgId, address indexed regulator, bytes32 reasonHash);
    /// @notice A regulator lifted a suspension.
    event OrganisationReinstated(uint32 indexed orgId, address indexed regulator);
    /// @notice The quorum revoked an organisation; final.
    event OrganisationRevoked(uint32 indexed orgId, bytes32 indexed motionId);
    /// @notice An organisation submitted a new licence for a regulator's approval.
    event LicenceRenewalProposed(uint32 indexed orgId, bytes32 licenceHash, string licenceURI, uint40 licenceExpiry);
    /// @notice A regulator approved the proposed licence; it is now current.
    event LicenceRenewed(uint32 indexed orgId, address indexed regulator, bytes32 licenceHash, uint40 licenceExpiry);
    /// @notice An organisation registered a site; `siteIndex` is how other contracts name it.
    event SiteRegistered(uint32 indexed orgId, uint256 indexed siteIndex, uint64 indexed gln, string name);
    /// @notice An account was invited to join an organisation as `kind`.
    event AccountInvited(uint32 indexed orgId, address indexed account, AccountKind kind);
    /// @notice A pending invitation was cancelled by the organisation's admin.
    event InvitationCancelled(uint32 indexed orgId, address indexed account);
    /// @notice An account accepted its invitation and joined.
    event AccountJoined(uint32 indexed orgId, address indexed account, AccountKind kind);
    /// @notice The admin removed an operator or device account.
    event AccountRemoved(uint32 indexed orgId, address indexed account);
    /// @notice The organisation's admin account changed (hand-over or replacement by quorum).
    event AdminChanged(uint32 indexed orgId, address indexed previousAdmin, address indexed newAdmin);
    /// @notice A regulator admitted a non-member account to the permissioned network.
    event NetworkAccessGranted(address indexed account, address indexed regulator, bytes32 reasonHash);
    /// @notice A regulator withdrew a network guest's access.
    event NetworkAccessWithdrawn(address indexed account, address indexed regulator);
    /// @notice The governor changed the number of regulators' approvals a motion needs.
    event QuorumChanged(uint256 previousQuorum, uint256 newQuorum);
    /// @notice Every regulator slot had been used, so a new epoch began: approvals of pending motions restart.
    event ApprovalEpochAdvanced(uint256 epoch);
    /// @notice The governor pointed a directory name at a contract address.
    event DirectoryEntrySet(bytes32 indexed name, address previous, address current);

    // ------------------------------------------------------------------ errors

    /// @notice An address argument was the zero address.
    error AllianceZeroAddress();
    /// @notice A document hash argument was zero.
    error AllianceEmptyHash();
    /// @notice A licence expiry is not in the future.
    error AllianceExpiryInPast(uint40 expiry, uint256 timestamp);
    /// @notice `BusinessRole.None` is not a role one can apply for.
    error AllianceInvalidRole(BusinessRole role);
    /// @notice A company prefix is not encoded as `10**digits + value` with 6 to 12 digits.
    error AllianceInvalidCompanyPrefix(uint64 prefix);
    /// @notice An application lists more company prefixes than allowed.
    error AllianceTooManyPrefixes(uint256 count, uint256 max);
    /// @notice A maker's application must name at least one company prefix.
    error AllianceMissingCompanyPrefix(BusinessRole role);
    /// @notice The company prefix already belongs to another organisation.
    error AlliancePrefixTaken(uint64 prefix, uint32 ownerOrgId);
    /// @notice A GLN fails its check digit or length.
    error AllianceInvalidGln(uint64 gln);
    /// @notice The GLN is already another organisation's site.
    error AllianceGlnTaken(uint64 gln, uint32 ownerOrgId);
    /// @notice The organisation already has the maximum number of sites.
    error AllianceTooManySites(uint32 orgId, uint256 max);
    /// @notice The account already belongs to an organisation.
    error AllianceAccountTaken(address account, uint32 orgId);
    /// @notice Regulator accounts and organisation accounts are kept apart.
    error AllianceRegulatorAccount(address account);
    /// @notice The caller is not the admin of an organisation (or of this one).
    error AllianceNotOrganisationAdmin(address account);
    /// @notice No organisation has this id.
    error AllianceUnknownOrganisation(uint32 orgId);
    /// @notice The organisation's standing does not allow this.
    error AllianceUnexpectedOrganisationStatus(uint32 orgId, OrganisationStatus status);
    /// @notice The organisation is already admitted to this role.
    error AllianceRoleAlreadyAdmitted(uint32 orgId, BusinessRole role);
    /// @notice No motion has this id.
    error AllianceUnknownMotion(bytes32 motionId);
    /// @notice The motion is not pending (or not of the kind this function handles).
    error AllianceUnexpectedMotion(bytes32 motionId, MotionKind kind, MotionStatus status);
    /// @notice The company prefixes passed do not hash to the application being approved.
    error AllianceApplicationMismatch(bytes32 applicationId);
    /// @notice This regulator has already approved the motion (and the quorum is still not reached).
    error AllianceAlreadyApproved(bytes32 motionId, address regulator);
    /// @notice A quorum must be at least 1 and at most the number of regulators.
    error AllianceInvalidQuorum(uint256 quorum, uint256 regulatorCount);
    /// @notice Removing this regulator would leave fewer regulators than the quorum.
    error AllianceQuorumUnreachable(uint256 quorum, uint256 regulatorsLeft);
    /// @notice Every regulator slot is taken.
    error AllianceTooManyRegulators(uint256 max);
    /// @notice The account has no pending invitation from the organisation.
    error AllianceNoInvitation(uint32 orgId, address account);
    /// @notice The organisation already has the maximum number of operator and device accounts.
    error AllianceTooManyAccounts(uint32 orgId, uint256 max);
    /// @notice The account is not an operator or device of the organisation.
    error AllianceNotOrganisationAccount(uint32 orgId, address account);
    /// @notice Invitations are for an admin, an operator or a device.
    error AllianceInvalidAccountKind(AccountKind kind);
    /// @notice No licence renewal with this hash is waiting for approval.
    error AllianceNoPendingRenewal(uint32 orgId, bytes32 licenceHash);
    /// @notice The account is already a network guest, or an account that the network admits anyway.
    error AllianceAlreadyOnNetwork(address account);
    /// @notice The account is not a network guest.
    error AllianceNotNetworkGuest(address account);
    /// @notice A directory name must not be empty.
    error AllianceEmptyName();

    // ------------------------------------------------------------------ organisations and admission

    /// @notice Registers the caller's organisation with its business licence and applies for its first role.
    /// @dev Requirements: not paused; caller in no organisation and not a regulator; non-zero licence hash;
    /// expiry in the future; a real role; valid, unowned prefixes (at least one for a maker, at most
    /// `MAX_PREFIXES_PER_APPLICATION`). The caller becomes the admin.
    /// Emits {OrganisationRegistered}, {ApplicationSubmitted}.
    /// @param licenceHash Hash of the business licence document.
    /// @param licenceURI Where the licence document can be fetched (emitted, not stored).
    /// @param licenceExpiry Licence expiry (unix seconds).
    /// @param name The organisation's name (emitted, not stored).
    /// @param role The business role applied for.
    /// @param companyPrefixes GS1 company prefixes to be granted with the role.
    /// @return orgId The new organisation's id.
    /// @return applicationId The id regulators approve.
    function registerOrganisation(
        bytes32 licenceHash,
        string calldata licenceURI,
        uint40 licenceExpiry,
        string calldata name,
        BusinessRole role,
        uint64[] calldata companyPrefixes
    ) external returns (uint32 orgId, bytes32 applicationId);

    /// @notice Applies for a further business role (with further company prefixes) for the caller's organisation.
    /// @dev Requirements: not paused; caller is an admin; organisation Registered or Active; role not yet admitted;
    /// prefixes as for {registerOrganisation}. Emits {ApplicationSubmitted}.
    /// @param role The business role applied for.
    /// @param companyPrefixes GS1 company prefixes to be granted with the role.
    /// @return applicationId The id regulators approve.
    function applyForRole(
        BusinessRole role,
        uint64[] calldata companyPrefixes
    ) external returns (bytes32 applicationId);

    /// @notice Withdraws one of the caller's organisation's pending applications.
    /// @dev Requirements: caller is the applicant's admin; application pending. Emits {ApplicationWithdrawn}.
    /// @param applicationId The application.
    function withdrawApplication(bytes32 applicationId) external;

    /// @notice A regulator approves exactly this application: `companyPrefixes` must be the ones applied for.
    /// When current regulators' approvals reach the quorum, the organisation is admitted to the role and owns
    /// the prefixes. A regulator who already approved may call again to execute an application that reached
    /// the quorum after it was lowered (that call emits only {RoleAdmitted}).
    /// @dev Requirements: caller is a regulator; application pending; prefixes hash to the application;
    /// organisation neither suspended nor revoked when admitted; prefixes still unowned.
    /// Emits {MotionApproved}; on admission also {RoleAdmitted}.
    /// @param applicationId The application.
    /// @param companyPrefixes The prefixes the application listed.
    /// @return admitted Whether this call admitted the organisation.
    function approveApplication(
        bytes32 applicationId,
        uint64[] calldata companyPrefixes
    ) external returns (bool admitted);

    /// @notice A regulator rejects a pending application.
    /// @dev Requirements: caller is a regulator; application pending; non-zero reason hash.
    /// Emits {ApplicationRejected}.
    /// @param applicationId The application.
    /// @param reasonHash Hash of the written reasons.
    function rejectApplication(bytes32 applicationId, bytes32 reasonHash) external;

    /// @notice A regulator suspends an organisation at once (fast safety action; works while paused).
    /// @dev Requirements: caller is a regulator; organisation exists, not suspended, not revoked; non-zero reason.
    /// Emits {OrganisationSuspended}.
    /// @param orgId The organisation.
    /// @param reasonHash Hash of the written reasons.
    function suspendOrganisation(uint32 orgId, bytes32 reasonHash) external;

    /// @notice A regulator lifts an organisation's suspension.
    /// @dev Requirements: caller is a regulator; organisation suspended and not revoked.
    /// Emits {OrganisationReinstated}.
    /// @param orgId The organisation.
    function reinstateOrganisation(uint32 orgId) external;

    /// @notice A regulator approves revoking an organisation; the quorum revokes it for good.
    /// @dev Requirements: caller is a regulator; organisation exists and is not revoked; non-zero reason.
    /// Emits {MotionApproved}; at the quorum also {OrganisationRevoked}.
    /// @param orgId The organisation.
    /// @param reasonHash Hash of this regulator's written reasons.
    /// @return revoked Whether this call revoked the organisation.
    function approveRevocation(uint32 orgId, bytes32 reasonHash) external returns (bool revoked);

    /// @notice A regulator approves replacing the organisation's lost or stolen admin account with `newAdmin`. At the
    /// quorum the replaced account loses its membership at once (it can neither act nor cancel or race the
    /// replacement), and `newAdmin` may take over by calling {acceptInvitation}; until it does, no other account can
    /// become admin (earlier admin invitations are void); {organisation} still names the replaced key, which holds
    /// no membership.
    /// @dev Requirements: caller is a regulator; organisation not revoked; `newAdmin` non-zero, not a regulator,
    /// in no other organisation. Emits {MotionApproved}; at the quorum also {AccountRemoved} and {AccountInvited}.
    /// @param orgId The organisation.
    /// @param newAdmin The replacement admin account.
    /// @return invited Whether this call reached the quorum.
    function approveAdminReplacement(uint32 orgId, address newAdmin) external returns (bool invited);

    // ------------------------------------------------------------------ licences

    /// @notice Proposes the organisation's renewed licence; works when expired or suspended too.
    /// @dev Requirements: caller is an admin; organisation not revoked; non-zero hash; expiry in the future.
    /// Replaces any earlier proposal. Emits {LicenceRenewalProposed}.
    /// @param licenceHash Hash of the new licence document.
    /// @param licenceURI Where it can be fetched (emitted, not stored).
    /// @param licenceExpiry Its expiry (unix seconds).
    function proposeLicenceRenewal(bytes32 licenceHash, string calldata licenceURI, uint40 licenceExpiry) external;

    /// @notice A regulator approves the proposed licence, bound to its hash; it becomes current.
    /// @dev Requirements: caller is a regulator; a proposal with this hash is pending; organisation not revoked.
    /// Emits {LicenceRenewed}.
    /// @param orgId The organisation.
    /// @param licenceHash The proposed licence's hash.
    function approveLicenceRenewal(uint32 orgId, bytes32 licenceHash) external;

    // ------------------------------------------------------------------ sites and accounts

    /// @notice Registers a site of the caller's organisation by its GLN.
    /// @dev Requirements: caller is an admin; organisation not revoked; GLN valid and unowned; fewer than
    /// `MAX_SITES` sites. Emits {SiteRegistered}.
    /// @param gln The site's Global Location Number.
    /// @param name The site's name (emitted, not stored).
    /// @return siteIndex The index other contracts use to name the site.
    function registerSite(uint64 gln, string calldata name) external returns (uint256 siteIndex);

    /// @notice Invites `account` into the caller's organisation as an operator, a device key, or as the next admin.
    /// @dev Requirements: caller is an admin; organisation not revoked; kind Admin, Operator or Device; account
    /// non-zero, not a regulator, in no organisation (an Admin invitation may go to the organisation's own
    /// operator). Replaces any earlier invitation of the account by this organisation. Emits {AccountInvited}.
    /// @param account The invited account.
    /// @param kind What it will be.
    function inviteAccount(address account, AccountKind kind) external;

    /// @notice Cancels a pending invitation of the caller's organisation.
    /// @dev Requirements: caller is an admin; invitation pending. Emits {InvitationCancelled}.
    /// @param account The invited account.
    function cancelInvitation(address account) external;

    /// @notice The caller accepts its invitation to `orgId`. Accepting an admin invitation hands the organisation
    /// over: the previous admin account leaves. After the quorum replaced a lost admin, only the replacement it
    /// approved can accept an admin invitation.
    /// @dev Requirements: invitation pending; caller not a regulator; caller in no organisation (or, for Admin,
    /// an operator of this one); organisation not revoked; room for one more account.
    /// Emits {AccountJoined}; for Admin also {AdminChanged}.
    /// @param orgId The inviting organisation.
    function acceptInvitation(uint32 orgId) external;

    /// @notice Removes an operator or device account from the caller's organisation.
    /// @dev Requirements: caller is an admin; account is an operator or device of its organisation.
    /// Emits {AccountRemoved}.
    /// @param account The account.
    function removeAccount(address account) external;

    // ------------------------------------------------------------------ network guests

    /// @notice A regulator admits a non-member account (an applicant being onboarded, a public gateway) to the
    /// permissioned network's allowlist.
    /// @dev Requirements: caller is a regulator; account non-zero and not already admitted to the network.
    /// Emits {NetworkAccessGranted}.
    /// @param account The guest account.
    /// @param reasonHash Hash of the written reasons.
    function grantNetworkAccess(address account, bytes32 reasonHash) external;

    /// @notice A regulator withdraws a network guest's access.
    /// @dev Requirements: caller is a regulator; account is a guest. Emits {NetworkAccessWithdrawn}.
    /// @param account The guest account.
    function withdrawNetworkAccess(address account) external;

    // ------------------------------------------------------------------ governance

    /// @notice The governor sets how many current regulators' approvals a quorum motion needs.
    /// @dev Requirements: caller is the governor; 1 <= quorum <= regulator count. Emits {QuorumChanged}.
    /// @param newQuorum The quorum.
    function setQuorum(uint8 newQuorum) external;

    /// @notice A guardian pauses new commitments alliance-wide (applications here; products, batches, needs,
    /// gifts, offers and agreements in gated contracts). Performance, safety actions and withdrawals go on.
    /// @dev Requirements: caller is a guardian; not paused. Emits {Paused}.
    function pause() external;

    /// @notice The governor lifts the pause.
    /// @dev Requirements: caller is the governor; paused. Emits {Unpaused}.
    function unpause() external;

    /// @notice The governor records the current address of a system contract under `name`.
    /// @dev Requirements: caller is the governor; non-zero name. A zero address removes the entry.
    /// Emits {DirectoryEntrySet}.
    /// @param name The directory name (e.g. "ProductCatalog").
    /// @param target The contract's address.
    function setDirectoryEntry(bytes32 name, address target) external;

    // ------------------------------------------------------------------ the permission question

    /// @notice May `account` act in `role` now? True when it is the admin or an operator (never a device) of an
    /// organisation admitted to `role`, neither suspended nor revoked, with an unexpired licence.
    /// @param account The account.
    /// @param role The business role.
    /// @return Whether it may.
    function isPermitted(address account, BusinessRole role) external view returns (bool);

    /// @notice The organisation on whose behalf `account` may act in any role of `roleMask` now, or 0.
    /// @param account The account.
    /// @param roleMask Bits `1 << role` of acceptable roles.
    /// @return orgId The organisation, or 0 when not permitted.
    /// @return roles The organisation's admitted roles that are in `roleMask`.
    function permittedOrganisation(address account, uint16 roleMask) external view returns (uint32 orgId, uint16 roles);

    // ------------------------------------------------------------------ views

    /// @notice Whether new commitments are paused alliance-wide.
    function paused() external view returns (bool);

    /// @notice The governor (the default admin of the access control).
    function governor() external view returns (address);

    /// @notice The number of current regulators.
    function regulatorCount() external view returns (uint256);

    /// @notice The current regulators, in slot order.
    function regulators() external view returns (address[] memory);

    /// @notice The number of approvals a quorum motion needs.
    function quorum() external view returns (uint256);

    /// @notice Number of registered organisations; ids run from 1 to this number.
    function organisationCount() external view returns (uint256);

    /// @notice An organisation. Reverts with {AllianceUnknownOrganisation} for an unknown id.
    /// @param orgId The organisation.
    function organisation(uint32 orgId) external view returns (OrganisationView memory);

    /// @notice An organisation's derived standing (Unknown for an unknown id).
    /// @param orgId The organisation.
    function organisationStatus(uint32 orgId) external view returns (OrganisationStatus);

    /// @notice An organisation's standing and admitted roles in one storage read, for contracts that check a
    /// counterparty (a shipment's recipient or carrier) rather than the caller.
    /// @param orgId The organisation.
    /// @return status Its derived standing (Unknown for an unknown id).
    /// @return roles Bit `1 << role` per admitted role (admitted, whatever its standing).
    function standing(uint32 orgId) external view returns (OrganisationStatus status, uint16 roles);

    /// @notice The organisation an account belongs to and how (0 and None when it belongs to none).
    /// @param account The account.
    function membershipOf(address account) external view returns (uint32 orgId, AccountKind kind);

    /// @notice The invitation `orgId` has pending for `account` (None when none).
    /// @param orgId The organisation.
    /// @param account The account.
    function invitationOf(uint32 orgId, address account) external view returns (AccountKind);

    /// @notice Organisations filtered by role and status, in id order, one page at a time.
    /// @param roleMask Keep organisations admitted to any of these roles (0: any, including none).
    /// @param statusMask Keep organisations whose status bit `1 << status` is set (0: any).
    /// @param cursor The first id to look at (1 for the first page).
    /// @param limit Ids to look at, at most.
    /// @return ids The matching organisations among those looked at.
    /// @return nextCursor Where the next page starts, or 0 when the list is exhausted.
    function listOrganisations(
        uint16 roleMask,
        uint16 statusMask,
        uint256 cursor,
        uint256 limit
    ) external view returns (uint32[] memory ids, uint256 nextCursor);

    /// @notice The operator and device accounts of an organisation (the admin is in {organisation}).
    /// @param orgId The organisation.
    function accountsOf(uint32 orgId) external view returns (address[] memory);

    /// @notice The GLNs of an organisation's sites, by site index.
    /// @param orgId The organisation.
    function sitesOf(uint32 orgId) external view returns (uint64[] memory);

    /// @notice The GLN of one site, in one storage read. Reverts with {AllianceInvalidGln} (0) when there is no
    /// such site.
    /// @param orgId The organisation.
    /// @param siteIndex The site index.
    function siteGln(uint32 orgId, uint256 siteIndex) external view returns (uint64);

    /// @notice The organisation that owns a company prefix (0: none).
    /// @param prefix The encoded company prefix.
    function companyPrefixOwner(uint64 prefix) external view returns (uint32);

    /// @notice The organisation that registered a GLN as its site (0: none).
    /// @param gln The GLN.
    function glnOwner(uint64 gln) external view returns (uint32);

    /// @notice A quorum motion (applications included).
    /// @param motionId The motion.
    function motion(bytes32 motionId) external view returns (MotionView memory);

    /// @notice Whether `regulator` has an approval that currently counts on `motionId`.
    /// @param motionId The motion.
    /// @param regulator The regulator.
    function hasApproved(bytes32 motionId, address regulator) external view returns (bool);

    /// @notice The id of an application's motion, from its content.
    /// @param orgId The applicant.
    /// @param role The role applied for.
    /// @param nonce The applicant's application number.
    /// @param companyPrefixes The prefixes applied for.
    function applicationId(
        uint32 orgId,
        BusinessRole role,
        uint16 nonce,
        uint64[] calldata companyPrefixes
    ) external pure returns (bytes32);

    /// @notice The id of the motion to revoke `orgId`.
    /// @param orgId The organisation.
    function revocationId(uint32 orgId) external pure returns (bytes32);

    /// @notice The id of the motion to replace `orgId`'s admin `currentAdmin` with `newAdmin`.
    /// @param orgId The organisation.
    /// @param currentAdmin The admin being replaced.
    /// @param newAdmin The replacement.
    function adminReplacementId(uint32 orgId, address currentAdmin, address newAdmin) external pure returns (bytes32);

    /// @notice The licence renewal waiting for approval (zero hash when none).
    /// @param orgId The organisation.
    function pendingLicenceRenewal(uint32 orgId) external view returns (bytes32 licenceHash, uint40 licenceExpiry);

    /// @notice Whether a regulator granted `account` network access as a guest.
    /// @param account The account.
    function isNetworkGuest(address account) external view returns (bool);

    /// @notice Whether the permissioned network should admit `account`: accounts of organisations not revoked
    /// (suspended and expired ones must still renew and withdraw), governance accounts and network guests.
    /// @param account The account.
    function isAllowedOnNetwork(address account) external view returns (bool);

    /// @notice Current network guests, one page at a time.
    /// @param cursor First position to look at (0 for the first page).
    /// @param limit Positions to look at, at most.
    /// @return guests The current guests among those looked at.
    /// @return nextCursor Where the next page starts, or 0 when the list is exhausted.
    function listNetworkGuests(
        uint256 cursor,
        uint256 limit
    ) external view returns (address[] memory guests, uint256 nextCursor);

    /// @notice The address recorded under a directory name (zero when none).
    /// @param name The directory name.
    function directory(bytes32 name) external view returns (address);

    /// @notice Every directory name ever set, in order of first use (entries may since be removed).
    function directoryNames() external view returns (bytes32[] memory);

    /// @notice The contract's version.
    function version() external pure returns (string memory);
}
