// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// Test code: assertion and outcome messages are longer than 32 bytes on purpose.
// solhint-disable gas-small-strings

import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";

import {AllianceRegistry} from "../../../contracts/alliance/AllianceRegistry.sol";
import {
    AccountKind,
    BusinessRole,
    MotionStatus,
    OrganisationStatus,
    Roles
} from "../../../contracts/alliance/AllianceTypes.sol";
import {IAllianceRegistry} from "../../../contracts/alliance/IAllianceRegistry.sol";
import {OutcomeRecorder} from "../utils/OutcomeRecorder.sol";
import {Vm} from "../utils/Vm.sol";

/// @notice The only target of the registry's invariant campaign. Each action picks its caller (the governor, a
/// guardian, a regulator, an organisation's admin, an invited account, or a stranger) and bounded arguments from
/// small pools, so that organisations, prefixes and accounts collide often. Before each call it predicts from the
/// registry's views whether the call must succeed (an oracle written from the interface's NatSpec); any
/// disagreement is recorded and fails `invariant_handlerSawOnlyExpectedOutcomes`. Ghost variables keep what
/// the views cannot tell: every account ever seated as a regulator, every motion, every invitation, and who
/// should own each company prefix.
contract AllianceHandler is OutcomeRecorder {
    /// @notice An application the handler submitted (the prefixes are needed to approve it).
    struct Application {
        bytes32 id;
        uint32 orgId;
        uint64[] prefixes;
    }

    /// @notice An invitation the handler sent or a quorum issued; it may since have been accepted or cancelled.
    struct Invitation {
        uint32 orgId;
        address account;
    }

    /// @notice Accounts every role is drawn from (regulators and organisation accounts alike, so they collide).
    uint256 public constant ACTOR_COUNT = 16;
    /// @notice Registrations stop here, to keep each invariant check cheap.
    uint256 public constant MAX_ORGANISATIONS = 12;

    AllianceRegistry public immutable registry;
    address public immutable governor;
    address public immutable guardian;
    bytes32 private immutable _regulatorRole;
    bytes32 private constant _EPOCH_ADVANCED = keccak256("ApprovalEpochAdvanced(uint256)");

    address[] private _actors;
    uint64[] private _prefixPool;
    Application[] private _applications;
    Invitation[] private _invitations;
    bytes32[] private _motionIds;
    mapping(bytes32 motionId => bool) private _motionTracked;
    address[] private _everRegulators;
    uint256 private _throwaways;
    mapping(address account => bool) private _wasRegulator;

    /// @notice Ghost: who should own each prefix, set when an application listing it is admitted first.
    mapping(uint64 prefix => uint32 orgId) public expectedPrefixOwner;
    /// @notice Ghost: successful registrations (the registry's count must equal it).
    uint256 public organisationsRegistered;
    /// @notice Ghost: the registry's organisation count seen after the previous action.
    uint256 public lastOrganisationCount;
    /// @notice Ghost: handler actions called (by the campaign or the seeding).
    uint256 public actionCalls;
    /// @notice Ghost: successful calls into the registry (and time warps).
    uint256 public successfulCalls;
    /// @notice Ghost: successful calls per handler action, keyed by the action's selector.
    mapping(bytes4 action => uint256) public successes;
    /// @notice Ghost: approval epochs started (every regulator slot used, a freed one reused).
    uint256 public epochsAdvanced;
    /// @notice Ghost: times an action found at least one organisation Expired (licences do run out).
    uint256 public expiredSightings;

    constructor(AllianceRegistry registry_, address governor_, address guardian_) {
        registry = registry_;
        governor = governor_;
        guardian = guardian_;
        _regulatorRole = registry_.REGULATOR_ROLE();
        for (uint256 i; i < ACTOR_COUNT; ++i) {
            _actors.push(makeAddr(string.concat("actor", Strings.toString(i))));
        }
        // Valid encoded prefixes (10**digits + value) of several lengths; two share leading digits.
        _prefixPool.push(1_234_567); // "234567", 6 digits
        _prefixPool.push(10_614_141); // "0614141", 7 digits
        _prefixPool.push(19_521_234); // "9521234", 7 digits
        _prefixPool.push(106_141_410); // "06141410", 8 digits
        _prefixPool.push(1_000_000_000_001); // "000000000001", 12 digits
        _prefixPool.push(1_999_999_999_999); // "999999999999", 12 digits
    }

    /// @dev Every action counts the approval epochs it started and ends by checking that the organisation count
    /// never went down.
    modifier recorded() {
        ++actionCalls;
        vm.recordLogs();
        _;
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i; i < logs.length; ++i) {
            Vm.Log memory entry = logs[i];
            if (entry.emitter == address(registry) && entry.topics.length != 0 && entry.topics[0] == _EPOCH_ADVANCED) {
                ++epochsAdvanced;
            }
        }
        uint256 count = registry.organisationCount();
        if (count < lastOrganisationCount) _unexpected("organisationCount went down");
        lastOrganisationCount = count;
    }

    // ================================================================== governance

    /// @notice The governor appoints an account from the pool as a regulator.
    function appointRegulator(uint256 actorSeed) external recorded {
        address account = _actor(actorSeed);
        bool wasRegulator = registry.hasRole(_regulatorRole, account);
        (uint32 orgId, ) = registry.membershipOf(account);
        bool expected = wasRegulator || orgId == 0;
        vm.prank(governor);
        try registry.grantRole(_regulatorRole, account) {
            _outcome(true, expected, "grantRole(REGULATOR_ROLE)", "");
            if (!_wasRegulator[account]) {
                _wasRegulator[account] = true;
                _everRegulators.push(account);
            }
        } catch (bytes memory reason) {
            _outcome(false, expected, "grantRole(REGULATOR_ROLE)", reason);
        }
    }

    /// @notice The governor removes a regulator, or a regulator renounces; refused when the quorum would become
    /// unreachable.
    function removeRegulator(uint256 regulatorSeed, bool renounce) external recorded {
        address[] memory seated = registry.regulators();
        if (seated.length == 0) return;
        address regulator = seated[regulatorSeed % seated.length];
        bool expected = seated.length - 1 >= registry.quorum();
        if (renounce) {
            vm.prank(regulator);
            try registry.renounceRole(_regulatorRole, regulator) {
                _outcome(true, expected, "renounceRole(REGULATOR_ROLE)", "");
            } catch (bytes memory reason) {
                _outcome(false, expected, "renounceRole(REGULATOR_ROLE)", reason);
            }
        } else {
            vm.prank(governor);
            try registry.revokeRole(_regulatorRole, regulator) {
                _outcome(true, expected, "revokeRole(REGULATOR_ROLE)", "");
            } catch (bytes memory reason) {
                _outcome(false, expected, "revokeRole(REGULATOR_ROLE)", reason);
            }
        }
    }

    /// @notice The governor seats and at once removes 16 throwaway regulators, using up slots: once all 64 have been
    /// used, the next appointment reuses a freed slot and starts a new approval epoch (pending approvals restart).
    function churnRegulatorSlots() external recorded {
        for (uint256 i; i < 16; ++i) {
            address throwaway = address(uint160(uint256(keccak256(abi.encode("throwaway", _throwaways++)))));
            vm.prank(governor);
            try registry.grantRole(_regulatorRole, throwaway) {
                _outcome(true, true, "grantRole(throwaway)", "");
            } catch (bytes memory reason) {
                _outcome(false, true, "grantRole(throwaway)", reason);
                return;
            }
            vm.prank(governor);
            try registry.revokeRole(_regulatorRole, throwaway) {
                _outcome(true, true, "revokeRole(throwaway)", "");
            } catch (bytes memory reason) {
                _outcome(false, true, "revokeRole(throwaway)", reason);
            }
        }
    }

    /// @notice The governor sets the quorum, sometimes to 0 or above the regulator count.
    function setQuorum(uint256 quorumSeed) external recorded {
        uint256 count = registry.regulatorCount();
        uint256 newQuorum = bound(quorumSeed, 0, count + 1);
        bool expected = newQuorum >= 1 && newQuorum <= count;
        vm.prank(governor);
        try registry.setQuorum(uint8(newQuorum)) {
            _outcome(true, expected, "setQuorum", "");
        } catch (bytes memory reason) {
            _outcome(false, expected, "setQuorum", reason);
        }
    }

    /// @notice The governor unpauses, or (one time in four) the guardian pauses; pauses stay short so that
    /// registrations and applications get through most of the time.
    function togglePause(uint256 seed) external recorded {
        if (registry.paused()) {
            vm.prank(governor);
            try registry.unpause() {
                _outcome(true, true, "unpause", "");
            } catch (bytes memory reason) {
                _outcome(false, true, "unpause", reason);
            }
        } else if (seed % 4 == 0) {
            vm.prank(guardian);
            try registry.pause() {
                _outcome(true, true, "pause", "");
            } catch (bytes memory reason) {
                _outcome(false, true, "pause", reason);
            }
        }
    }

    /// @notice Time passes (licences expire).
    function warp(uint256 secondsSeed) external recorded {
        vm.warp(block.timestamp + bound(secondsSeed, 1 hours, 90 days));
        _success();
        uint256 count = registry.organisationCount();
        for (uint32 orgId = 1; orgId <= count; ++orgId) {
            if (registry.organisationStatus(orgId) == OrganisationStatus.Expired) {
                ++expiredSightings;
                break;
            }
        }
    }

    // ================================================================== organisations and admission

    /// @notice A pool account registers an organisation and applies for its first role.
    function registerOrganisation(
        uint256 actorSeed,
        uint256 roleSeed,
        uint256 prefixSeed,
        uint256 expirySeed
    ) external recorded {
        if (registry.organisationCount() >= MAX_ORGANISATIONS) return;
        address account = _actor(actorSeed);
        BusinessRole role = _role(roleSeed);
        uint64[] memory prefixes = _pickPrefixes(prefixSeed, role);
        uint40 expiry = uint40(block.timestamp + bound(expirySeed, 1 days, 180 days));
        (uint32 memberOf, ) = registry.membershipOf(account);
        bool expected =
            !registry.paused() &&
                !registry.hasRole(_regulatorRole, account) &&
                memberOf == 0 &&
                _prefixesAvailable(0, role, prefixes);
        uint256 countBefore = registry.organisationCount();
        vm.prank(account);
        try
            registry.registerOrganisation(
                keccak256(abi.encode(expirySeed)),
                "ipfs://licence",
                expiry,
                "Org",
                role,
                prefixes
            )
        returns (uint32 orgId, bytes32 applicationId) {
            _outcome(true, expected, "registerOrganisation", "");
            if (orgId != countBefore + 1) _unexpected("registerOrganisation: ids do not run from 1");
            ++organisationsRegistered;
            _recordApplication(applicationId, orgId, prefixes);
        } catch (bytes memory reason) {
            _outcome(false, expected, "registerOrganisation", reason);
        }
    }

    /// @notice An organisation's admin applies for a further role.
    function applyForRole(uint256 orgSeed, uint256 roleSeed, uint256 prefixSeed) external recorded {
        uint32 orgId = _organisation(orgSeed);
        if (orgId == 0) return;
        (address admin, bool acts) = _adminCaller(orgId);
        if (admin == address(0)) return;
        IAllianceRegistry.OrganisationView memory org = registry.organisation(orgId);
        BusinessRole role = _role(roleSeed);
        uint64[] memory prefixes = _pickPrefixes(prefixSeed, role);
        bool expected =
            acts &&
                !registry.paused() &&
                (org.status == OrganisationStatus.Registered || org.status == OrganisationStatus.Active) &&
                org.roles & Roles.mask(role) == 0 &&
                _prefixesAvailable(orgId, role, prefixes);
        vm.prank(admin);
        try registry.applyForRole(role, prefixes) returns (bytes32 applicationId) {
            _outcome(true, expected, "applyForRole", "");
            _recordApplication(applicationId, orgId, prefixes);
        } catch (bytes memory reason) {
            _outcome(false, expected, "applyForRole", reason);
        }
    }

    /// @notice A regulator (or, now and then, a stranger) approves an application with the prefixes applied for.
    function approveApplication(uint256 applicationSeed, uint256 callerSeed) external recorded {
        if (_applications.length == 0) return;
        Application memory app = _applications[_pendingApplication(applicationSeed)];
        address caller = _voter(callerSeed, app.id);
        (bool expected, bool expectAdmit) = _predictApproval(app, caller);
        vm.prank(caller);
        try registry.approveApplication(app.id, app.prefixes) returns (bool admitted) {
            _outcome(true, expected, "approveApplication", "");
            if (admitted != expectAdmit) _unexpected("approveApplication: admission disagrees with the quorum");
            if (admitted) {
                for (uint256 i; i < app.prefixes.length; ++i) {
                    if (expectedPrefixOwner[app.prefixes[i]] == 0) expectedPrefixOwner[app.prefixes[i]] = app.orgId;
                }
                if (registry.motion(app.id).status != MotionStatus.Executed) {
                    _unexpected("approveApplication: admitted but the motion is not executed");
                }
            }
        } catch (bytes memory reason) {
            _outcome(false, expected, "approveApplication", reason);
        }
    }

    /// @notice A regulator (or a stranger) rejects an application.
    function rejectApplication(uint256 applicationSeed, uint256 callerSeed) external recorded {
        if (_applications.length == 0) return;
        bytes32 id = _applications[applicationSeed % _applications.length].id;
        address caller = _regulatorOrStranger(callerSeed);
        bool expected = registry.hasRole(_regulatorRole, caller) && registry.motion(id).status == MotionStatus.Pending;
        vm.prank(caller);
        try registry.rejectApplication(id, keccak256("reasons")) {
            _outcome(true, expected, "rejectApplication", "");
        } catch (bytes memory reason) {
            _outcome(false, expected, "rejectApplication", reason);
        }
    }

    /// @notice The applicant's current admin withdraws an application.
    function withdrawApplication(uint256 applicationSeed) external recorded {
        if (_applications.length == 0) return;
        Application memory app = _applications[applicationSeed % _applications.length];
        (address admin, bool acts) = _adminCaller(app.orgId);
        if (admin == address(0)) return;
        bool expected = acts && registry.motion(app.id).status == MotionStatus.Pending;
        vm.prank(admin);
        try registry.withdrawApplication(app.id) {
            _outcome(true, expected, "withdrawApplication", "");
        } catch (bytes memory reason) {
            _outcome(false, expected, "withdrawApplication", reason);
        }
    }

    /// @notice A regulator (or a stranger) suspends an organisation.
    function suspendOrganisation(uint256 orgSeed, uint256 callerSeed) external recorded {
        uint32 orgId = _organisation(orgSeed);
        if (orgId == 0) return;
        address caller = _regulatorOrStranger(callerSeed);
        OrganisationStatus status = registry.organisationStatus(orgId);
        bool expected =
            registry.hasRole(_regulatorRole, caller) &&
                status != OrganisationStatus.Suspended &&
                status != OrganisationStatus.Revoked;
        vm.prank(caller);
        try registry.suspendOrganisation(orgId, keccak256("reasons")) {
            _outcome(true, expected, "suspendOrganisation", "");
            if (registry.organisationStatus(orgId) != OrganisationStatus.Suspended) {
                _unexpected("suspendOrganisation: status is not Suspended");
            }
        } catch (bytes memory reason) {
            _outcome(false, expected, "suspendOrganisation", reason);
        }
    }

    /// @notice A regulator (or a stranger) lifts a suspension.
    function reinstateOrganisation(uint256 orgSeed, uint256 callerSeed) external recorded {
        uint32 orgId = _organisation(orgSeed);
        if (orgId == 0) return;
        address caller = _regulatorOrStranger(callerSeed);
        bool expected =
            registry.hasRole(_regulatorRole, caller) &&
                registry.organisationStatus(orgId) == OrganisationStatus.Suspended;
        vm.prank(caller);
        try registry.reinstateOrganisation(orgId) {
            _outcome(true, expected, "reinstateOrganisation", "");
        } catch (bytes memory reason) {
            _outcome(false, expected, "reinstateOrganisation", reason);
        }
    }

    /// @notice A regulator (or a stranger) approves revoking an organisation; the quorum revokes it.
    function approveRevocation(uint256 orgSeed, uint256 callerSeed) external recorded {
        uint32 orgId = _organisation(orgSeed);
        if (orgId == 0) return;
        bytes32 motionId = registry.revocationId(orgId);
        address caller = _voter(callerSeed, motionId);
        bool expected;
        bool expectRevoked;
        if (registry.organisationStatus(orgId) != OrganisationStatus.Revoked) {
            (expected, expectRevoked) = _predictVote(motionId, caller);
        }
        vm.prank(caller);
        try registry.approveRevocation(orgId, keccak256("reasons")) returns (bool revoked) {
            _outcome(true, expected, "approveRevocation", "");
            _trackMotion(motionId);
            if (revoked != expectRevoked) _unexpected("approveRevocation: revocation disagrees with the quorum");
            if (revoked && registry.organisationStatus(orgId) != OrganisationStatus.Revoked) {
                _unexpected("approveRevocation: revoked but the status is not Revoked");
            }
        } catch (bytes memory reason) {
            _outcome(false, expected, "approveRevocation", reason);
        }
    }

    /// @notice A regulator (or a stranger) approves replacing an organisation's admin with a pool account.
    function approveAdminReplacement(uint256 orgSeed, uint256 callerSeed, uint256 actorSeed) external recorded {
        uint32 orgId = _organisation(orgSeed);
        if (orgId == 0) return;
        address newAdmin = _adminCandidate(orgId, actorSeed);
        address replaced = registry.organisation(orgId).admin;
        bytes32 motionId = registry.adminReplacementId(orgId, replaced, newAdmin);
        address caller = _voter(callerSeed, motionId);
        bool expected;
        bool expectInvited;
        if (
            registry.organisationStatus(orgId) != OrganisationStatus.Revoked &&
            _invitable(orgId, newAdmin, AccountKind.Admin)
        ) {
            (expected, expectInvited) = _predictVote(motionId, caller);
        }
        vm.prank(caller);
        try registry.approveAdminReplacement(orgId, newAdmin) returns (bool invited) {
            _outcome(true, expected, "approveAdminReplacement", "");
            _trackMotion(motionId);
            if (invited != expectInvited) _unexpected("approveAdminReplacement: invitation disagrees with the quorum");
            if (invited) {
                _invitations.push(Invitation({orgId: orgId, account: newAdmin}));
                (uint32 replacedOrg, ) = registry.membershipOf(replaced);
                if (replacedOrg == orgId)
                    _unexpected("approveAdminReplacement: the replaced admin kept its membership");
            }
        } catch (bytes memory reason) {
            _outcome(false, expected, "approveAdminReplacement", reason);
        }
    }

    // ================================================================== licences

    /// @notice An organisation's admin proposes a renewed licence; one time in eight with a bad hash or expiry.
    function proposeLicenceRenewal(uint256 orgSeed, uint256 expirySeed, uint8 flaw) external recorded {
        uint32 orgId = _organisation(orgSeed);
        if (orgId == 0) return;
        (address admin, bool acts) = _adminCaller(orgId);
        if (admin == address(0)) return;
        bytes32 licenceHash = flaw % 8 == 1 ? bytes32(0) : keccak256(abi.encode("renewal", expirySeed));
        uint40 expiry =
            flaw % 8 == 2
                ? uint40(block.timestamp - bound(expirySeed, 0, block.timestamp))
                : uint40(block.timestamp + bound(expirySeed, 1 days, 365 days));
        bool expected =
            acts &&
                registry.organisationStatus(orgId) != OrganisationStatus.Revoked &&
                licenceHash != bytes32(0) &&
                expiry > block.timestamp;
        vm.prank(admin);
        try registry.proposeLicenceRenewal(licenceHash, "ipfs://renewal", expiry) {
            _outcome(true, expected, "proposeLicenceRenewal", "");
        } catch (bytes memory reason) {
            _outcome(false, expected, "proposeLicenceRenewal", reason);
        }
    }

    /// @notice A regulator (or a stranger) approves the pending renewal, bound to its hash.
    function approveLicenceRenewal(uint256 orgSeed, uint256 callerSeed) external recorded {
        uint32 orgId = _organisation(orgSeed);
        if (orgId == 0) return;
        address caller = _regulatorOrStranger(callerSeed);
        (bytes32 licenceHash, uint40 expiry) = registry.pendingLicenceRenewal(orgId);
        bool expected =
            registry.hasRole(_regulatorRole, caller) &&
                licenceHash != bytes32(0) &&
                registry.organisationStatus(orgId) != OrganisationStatus.Revoked &&
                expiry > block.timestamp;
        vm.prank(caller);
        try registry.approveLicenceRenewal(orgId, licenceHash) {
            _outcome(true, expected, "approveLicenceRenewal", "");
            IAllianceRegistry.OrganisationView memory org = registry.organisation(orgId);
            if (org.licenceExpiry != expiry || org.licenceHash != licenceHash) {
                _unexpected("approveLicenceRenewal: the licence did not become current");
            }
        } catch (bytes memory reason) {
            _outcome(false, expected, "approveLicenceRenewal", reason);
        }
    }

    // ================================================================== accounts

    /// @notice An organisation's admin invites a pool account as an operator, a device or the next admin.
    function inviteAccount(uint256 orgSeed, uint256 actorSeed, uint256 kindSeed) external recorded {
        uint32 orgId = _organisation(orgSeed);
        if (orgId == 0) return;
        (address admin, bool acts) = _adminCaller(orgId);
        if (admin == address(0)) return;
        uint256 pick = kindSeed % 8;
        AccountKind kind =
            pick < 4
                ? AccountKind.Operator
                : pick < 7
                    ? AccountKind.Device
                    : AccountKind.Admin;
        // The next admin is often one of the organisation's own operators (a promotion).
        address account = kind == AccountKind.Admin ? _adminCandidate(orgId, actorSeed) : _actor(actorSeed);
        bool expected =
            acts &&
                registry.organisationStatus(orgId) != OrganisationStatus.Revoked &&
                _invitable(orgId, account, kind);
        vm.prank(admin);
        try registry.inviteAccount(account, kind) {
            _outcome(true, expected, "inviteAccount", "");
            _invitations.push(Invitation({orgId: orgId, account: account}));
        } catch (bytes memory reason) {
            _outcome(false, expected, "inviteAccount", reason);
        }
    }

    /// @notice An invited account accepts (the invitation may since have been used or cancelled).
    function acceptInvitation(uint256 invitationSeed) external recorded {
        if (_invitations.length == 0) return;
        Invitation memory invitation = _invitations[_recent(invitationSeed, _invitations.length)];
        uint32 orgId = invitation.orgId;
        AccountKind kind = registry.invitationOf(orgId, invitation.account);
        address previousAdmin = registry.organisation(orgId).admin;
        (uint32 previousOrg, ) = registry.membershipOf(previousAdmin);
        bool replacing = previousOrg != orgId && kind != AccountKind.Operator && kind != AccountKind.Device;
        if (replacing) {
            // The quorum removed the admin: only its approved replacement may join, as admin, invitation or not.
            kind =
                _replacementApproved(orgId, previousAdmin, invitation.account) ? AccountKind.Admin : AccountKind.None;
        }
        bool expected =
            kind != AccountKind.None &&
                registry.organisationStatus(orgId) != OrganisationStatus.Revoked &&
                _invitable(orgId, invitation.account, kind) &&
                (kind == AccountKind.Admin || registry.accountsOf(orgId).length < registry.MAX_ACCOUNTS());
        vm.prank(invitation.account);
        try registry.acceptInvitation(orgId) {
            _outcome(true, expected, "acceptInvitation", "");
            (uint32 memberOf, AccountKind memberAs) = registry.membershipOf(invitation.account);
            if (memberOf != orgId || memberAs != kind) _unexpected("acceptInvitation: membership not recorded");
            if (kind == AccountKind.Admin) {
                // (The quorum may also reinstate the very key it stripped: then it is both.)
                (uint32 previousOrg, ) = registry.membershipOf(previousAdmin);
                if (previousOrg == orgId && previousAdmin != invitation.account) {
                    _unexpected("acceptInvitation: the previous admin kept its membership");
                }
                if (registry.organisation(orgId).admin != invitation.account) {
                    _unexpected("acceptInvitation: the admin did not change");
                }
            }
        } catch (bytes memory reason) {
            _outcome(false, expected, "acceptInvitation", reason);
        }
    }

    /// @notice An organisation's admin cancels an invitation.
    function cancelInvitation(uint256 invitationSeed) external recorded {
        if (_invitations.length == 0) return;
        Invitation memory invitation = _invitations[invitationSeed % _invitations.length];
        (address admin, bool acts) = _adminCaller(invitation.orgId);
        if (admin == address(0)) return;
        bool expected = acts && registry.invitationOf(invitation.orgId, invitation.account) != AccountKind.None;
        vm.prank(admin);
        try registry.cancelInvitation(invitation.account) {
            _outcome(true, expected, "cancelInvitation", "");
        } catch (bytes memory reason) {
            _outcome(false, expected, "cancelInvitation", reason);
        }
    }

    /// @notice An organisation's admin removes one of its operators or devices.
    function removeAccount(uint256 orgSeed, uint256 indexSeed) external recorded {
        uint32 orgId = _organisation(orgSeed);
        if (orgId == 0) return;
        address[] memory accounts = registry.accountsOf(orgId);
        if (accounts.length == 0) return;
        address account = accounts[indexSeed % accounts.length];
        (address admin, bool acts) = _adminCaller(orgId);
        if (admin == address(0)) return;
        vm.prank(admin);
        try registry.removeAccount(account) {
            _outcome(true, acts, "removeAccount", "");
            (uint32 memberOf, ) = registry.membershipOf(account);
            if (memberOf != 0) _unexpected("removeAccount: the account kept its membership");
        } catch (bytes memory reason) {
            _outcome(false, acts, "removeAccount", reason);
        }
    }

    // ================================================================== ghost views for the invariants

    function actors() external view returns (address[] memory) {
        return _actors;
    }

    function prefixPool() external view returns (uint64[] memory) {
        return _prefixPool;
    }

    function everRegulators() external view returns (address[] memory) {
        return _everRegulators;
    }

    function motionIds() external view returns (bytes32[] memory) {
        return _motionIds;
    }

    function applicationCount() external view returns (uint256) {
        return _applications.length;
    }

    // ================================================================== oracle

    /// @dev Whether `caller` approving `app` must succeed, and whether it must admit.
    function _predictApproval(Application memory app, address caller) private view returns (bool ok, bool admits) {
        if (registry.motion(app.id).status != MotionStatus.Pending) return (false, false);
        (ok, admits) = _predictVote(app.id, caller);
        if (!admits) return (ok, false);
        OrganisationStatus status = registry.organisationStatus(app.orgId);
        if (status == OrganisationStatus.Suspended || status == OrganisationStatus.Revoked) return (false, false);
        for (uint256 i; i < app.prefixes.length; ++i) {
            uint32 owner = registry.companyPrefixOwner(app.prefixes[i]);
            if (owner != 0 && owner != app.orgId) return (false, false);
        }
    }

    /// @dev Quorum arithmetic from the views alone: a vote by a current regulator on a pending (or new) motion
    /// succeeds unless it repeats an approval that does not yet reach the quorum; it reaches the quorum when the
    /// current regulators' approvals, counted one by one through `hasApproved`, reach it.
    function _predictVote(bytes32 motionId, address caller) private view returns (bool ok, bool reaches) {
        if (!registry.hasRole(_regulatorRole, caller)) return (false, false);
        MotionStatus status = registry.motion(motionId).status;
        if (status != MotionStatus.None && status != MotionStatus.Pending) return (false, false);
        uint256 counted = currentApprovals(motionId);
        uint256 needed = registry.quorum();
        if (registry.hasApproved(motionId, caller)) return (counted >= needed, counted >= needed);
        return (true, counted + 1 >= needed);
    }

    /// @notice Approvals of `motionId` by current regulators, counted one by one (reference for the popcount).
    function currentApprovals(bytes32 motionId) public view returns (uint256 counted) {
        address[] memory seated = registry.regulators();
        for (uint256 i; i < seated.length; ++i) {
            if (registry.hasApproved(motionId, seated[i])) ++counted;
        }
    }

    /// @dev Who calls for an organisation's admin: its admin while that account holds the admin membership
    /// (`acts`); after a quorum's replacement stripped it and before the replacement accepts, the stripped key
    /// itself (whose calls must all be refused), unless it has since joined another organisation, for which its
    /// calls would act (then zero: the action is skipped).
    function _adminCaller(uint32 orgId) private view returns (address caller, bool acts) {
        address admin = registry.organisation(orgId).admin;
        (uint32 memberOf, AccountKind kind) = registry.membershipOf(admin);
        if (memberOf == orgId && kind == AccountKind.Admin) return (admin, true);
        if (memberOf == 0) return (admin, false);
        return (address(0), false);
    }

    /// @dev The NatSpec rule for taking over as admin: a hand-over while the previous admin still holds its
    /// membership; after a quorum removed it, only the replacement that quorum approved.
    function _replacementApproved(uint32 orgId, address previousAdmin, address account) private view returns (bool) {
        bytes32 motionId = registry.adminReplacementId(orgId, previousAdmin, account);
        return registry.motion(motionId).status == MotionStatus.Executed;
    }

    /// @dev The NatSpec rule for invitations: non-zero, not a regulator, in no organisation, or for Admin an
    /// operator of this organisation.
    function _invitable(uint32 orgId, address account, AccountKind kind) private view returns (bool) {
        if (account == address(0) || registry.hasRole(_regulatorRole, account)) return false;
        (uint32 memberOf, AccountKind memberAs) = registry.membershipOf(account);
        bool promotion = kind == AccountKind.Admin && memberOf == orgId && memberAs == AccountKind.Operator;
        return memberOf == 0 || promotion;
    }

    function _prefixesAvailable(uint32 orgId, BusinessRole role, uint64[] memory prefixes) private view returns (bool) {
        if (prefixes.length == 0 && Roles.mask(role) & Roles.MAKERS != 0) return false;
        for (uint256 i; i < prefixes.length; ++i) {
            uint32 owner = registry.companyPrefixOwner(prefixes[i]);
            if (owner != 0 && owner != orgId) return false;
        }
        return true;
    }

    // ================================================================== picking and bookkeeping

    function _actor(uint256 seed) private view returns (address) {
        return _actors[seed % ACTOR_COUNT];
    }

    function _organisation(uint256 seed) private view returns (uint32) {
        uint256 count = registry.organisationCount();
        return count == 0 ? 0 : uint32(1 + (seed % count));
    }

    /// @dev Three times in four one of the two newest entries of a list (likely still pending), else any entry.
    function _recent(uint256 seed, uint256 length) private pure returns (uint256) {
        if (seed % 4 == 0) return (seed >> 2) % length;
        return length - 1 - ((seed >> 2) % (length < 2 ? length : 2));
    }

    /// @dev Three times in four a pending application (newest first, then the newest at all), else any one.
    function _pendingApplication(uint256 seed) private view returns (uint256) {
        uint256 length = _applications.length;
        if (seed % 4 == 0) return (seed >> 2) % length;
        for (uint256 i = length; i > 0; --i) {
            if (registry.motion(_applications[i - 1].id).status == MotionStatus.Pending) return i - 1;
        }
        return length - 1;
    }

    function _role(uint256 seed) private pure returns (BusinessRole) {
        return BusinessRole(bound(seed, uint8(BusinessRole.Supplier), uint8(BusinessRole.Agency)));
    }

    /// @dev A current regulator seven times in eight, otherwise any pool account (usually not a regulator).
    function _regulatorOrStranger(uint256 seed) private view returns (address) {
        address[] memory seated = registry.regulators();
        if (seed % 8 == 0 || seated.length == 0) return _actor(seed >> 8);
        return seated[(seed >> 3) % seated.length];
    }

    /// @dev Half the time one of the organisation's operators (if any), otherwise any pool account.
    function _adminCandidate(uint32 orgId, uint256 seed) private view returns (address) {
        if (seed % 2 == 0) {
            address[] memory accounts = registry.accountsOf(orgId);
            for (uint256 i; i < accounts.length; ++i) {
                address account = accounts[(i + (seed >> 1)) % accounts.length];
                (, AccountKind kind) = registry.membershipOf(account);
                if (kind == AccountKind.Operator) return account;
            }
        }
        return _actor(seed >> 1);
    }

    /// @dev For a motion: a stranger one time in eight, any regulator (perhaps repeating its approval) one time in
    /// eight, otherwise a regulator that has not approved yet (so that quorums are reached in a short sequence).
    function _voter(uint256 seed, bytes32 motionId) private view returns (address) {
        if (seed % 8 < 2) return _regulatorOrStranger(seed);
        address[] memory seated = registry.regulators();
        uint256 start = seed >> 3;
        for (uint256 i; i < seated.length; ++i) {
            address regulator = seated[(start + i) % seated.length];
            if (!registry.hasApproved(motionId, regulator)) return regulator;
        }
        return _regulatorOrStranger(seed);
    }

    /// @dev Zero to two prefixes from the pool (a maker sometimes gets none, which must be refused).
    function _pickPrefixes(uint256 seed, BusinessRole role) private view returns (uint64[] memory prefixes) {
        uint256 count = seed % 3;
        if (count == 0 && Roles.mask(role) & Roles.MAKERS != 0 && (seed >> 2) % 4 != 0) count = 1;
        prefixes = new uint64[](count);
        for (uint256 i; i < count; ++i) prefixes[i] = _prefixPool[(seed >> (8 * (i + 1))) % _prefixPool.length];
    }

    function _recordApplication(bytes32 id, uint32 orgId, uint64[] memory prefixes) private {
        Application storage app = _applications.push();
        app.id = id;
        app.orgId = orgId;
        for (uint256 i; i < prefixes.length; ++i) app.prefixes.push(prefixes[i]);
        _trackMotion(id);
    }

    function _trackMotion(bytes32 motionId) private {
        if (_motionTracked[motionId]) return;
        _motionTracked[motionId] = true;
        _motionIds.push(motionId);
    }

    function _success() private {
        ++successfulCalls;
        ++successes[msg.sig];
    }

    /// @dev Compares what happened with what the oracle predicted; `reason` is the revert data, if any.
    function _outcome(bool succeeded, bool expected, string memory action, bytes memory reason) private {
        if (succeeded) _success();
        if (succeeded == expected) return;
        if (succeeded) {
            _unexpected(string.concat(action, " succeeded but should have reverted"));
        } else {
            _unexpected(string.concat(action, " reverted unexpectedly with ", _selectorOf(reason)));
        }
    }
}
