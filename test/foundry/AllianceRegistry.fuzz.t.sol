// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// Foundry finds tests by their `test_`/`invariant_` prefix and names read as sentences (test_subject_behaviour);
// assertion messages are longer than 32 bytes on purpose.
// solhint-disable func-name-mixedcase, gas-small-strings

import {AllianceRegistry} from "../../contracts/alliance/AllianceRegistry.sol";
import {
    AccountKind,
    BusinessRole,
    MotionKind,
    MotionStatus,
    OrganisationStatus,
    Roles
} from "../../contracts/alliance/AllianceTypes.sol";
import {IAllianceRegistry} from "../../contracts/alliance/IAllianceRegistry.sol";
import {GS1} from "../../contracts/libraries/GS1.sol";
import {Test} from "./utils/Test.sol";

/// @notice Fuzz tests of the registry's rules one function at a time: licence validation, quorum arithmetic,
/// regulator seats and epochs, and the permission check at the licence's edge.
contract AllianceRegistryFuzzTest is Test {
    uint64 private constant PREFIX = 10_614_141; // "0614141"
    uint40 private constant START = 1_700_000_000;
    uint256 private constant YEAR = 365 days;

    AllianceRegistry internal registry;
    address internal governor;
    address internal applicant;
    address[] internal seated;

    function setUp() public {
        governor = makeAddr("governor");
        applicant = makeAddr("applicant");
        vm.warp(START);
        registry = new AllianceRegistry(governor, 1 days);
    }

    // ================================================================== licences

    /// @notice A licence expiring now or earlier is refused with the values involved, and nothing changes: no
    /// organisation, no membership for the caller.
    function test_registerOrganisation_refusesExpiryNotInTheFuture(uint40 expiry, uint40 timestamp) public {
        (uint32 existing, , ) = _register(makeAddr("existing"), BusinessRole.Hospital);
        timestamp = uint40(bound(timestamp, START, type(uint40).max));
        vm.warp(timestamp);
        expiry = uint40(bound(expiry, 0, timestamp));

        vm.expectRevert(
            abi.encodeWithSelector(IAllianceRegistry.AllianceExpiryInPast.selector, expiry, uint256(timestamp))
        );
        vm.prank(applicant);
        registry.registerOrganisation(
            keccak256("licence"),
            "ipfs://licence",
            expiry,
            "Org",
            BusinessRole.Hospital,
            _none()
        );

        assertEq(registry.organisationCount(), existing, "no organisation was added");
        (uint32 memberOf, ) = registry.membershipOf(applicant);
        assertEq(memberOf, 0, "the caller joined nothing");
    }

    /// @notice An empty licence hash is refused whatever the expiry.
    function test_registerOrganisation_refusesEmptyLicenceHash(uint40 expiry) public {
        vm.expectRevert(IAllianceRegistry.AllianceEmptyHash.selector);
        vm.prank(applicant);
        registry.registerOrganisation(bytes32(0), "ipfs://licence", expiry, "Org", BusinessRole.Hospital, _none());
        assertEq(registry.organisationCount(), 0, "no organisation was added");
    }

    /// @notice A renewal with an empty hash or an expiry not in the future is refused, and the renewal already
    /// pending and the current licence stay as they were.
    function test_proposeLicenceRenewal_refusesBadLicenceAndKeepsThePendingOne(
        bool emptyHash,
        bytes32 licenceHash,
        uint40 expiry,
        uint32 elapsed
    ) public {
        (uint32 orgId, , ) = _admit(applicant, BusinessRole.Hospital);
        IAllianceRegistry.OrganisationView memory before = registry.organisation(orgId);
        vm.prank(applicant);
        registry.proposeLicenceRenewal(keccak256("renewal"), "ipfs://renewal", START + uint40(2 * YEAR));

        vm.warp(block.timestamp + elapsed);
        if (emptyHash) {
            licenceHash = bytes32(0);
            vm.expectRevert(IAllianceRegistry.AllianceEmptyHash.selector);
        } else {
            vm.assume(licenceHash != bytes32(0));
            expiry = uint40(bound(expiry, 0, block.timestamp));
            vm.expectRevert(
                abi.encodeWithSelector(IAllianceRegistry.AllianceExpiryInPast.selector, expiry, block.timestamp)
            );
        }
        vm.prank(applicant);
        registry.proposeLicenceRenewal(licenceHash, "ipfs://bad", expiry);

        (bytes32 pendingHash, uint40 pendingExpiry) = registry.pendingLicenceRenewal(orgId);
        assertEq(pendingHash, keccak256("renewal"), "the pending renewal is kept");
        assertEq(pendingExpiry, START + 2 * YEAR, "its expiry is kept");
        IAllianceRegistry.OrganisationView memory afterwards = registry.organisation(orgId);
        assertEq(afterwards.licenceHash, before.licenceHash, "the current licence is kept");
        assertEq(afterwards.licenceExpiry, before.licenceExpiry, "the current expiry is kept");
    }

    /// @notice A regulator's approval binds to the proposed licence's hash: any other hash is refused.
    function test_approveLicenceRenewal_refusesAnyOtherHash(bytes32 otherHash) public {
        vm.assume(otherHash != keccak256("renewal"));
        (uint32 orgId, , ) = _admit(applicant, BusinessRole.Hospital);
        vm.prank(applicant);
        registry.proposeLicenceRenewal(keccak256("renewal"), "ipfs://renewal", START + uint40(2 * YEAR));

        vm.expectRevert(abi.encodeWithSelector(IAllianceRegistry.AllianceNoPendingRenewal.selector, orgId, otherHash));
        vm.prank(seated[0]);
        registry.approveLicenceRenewal(orgId, otherHash);
        assertEq(registry.organisation(orgId).licenceExpiry, START + YEAR, "the licence did not change");
    }

    /// @notice An organisation acts until the second its licence expires, and not from then on (its status turns
    /// Expired at the same second).
    function test_permittedOrganisation_endsExactlyAtLicenceExpiry(
        uint32 lifetime,
        uint64 elapsed,
        uint8 roleSeed
    ) public {
        BusinessRole role = BusinessRole(bound(roleSeed, uint8(BusinessRole.Supplier), uint8(BusinessRole.Agency)));
        uint40 expiry = uint40(START + bound(lifetime, 1, 10 * YEAR));
        (uint32 orgId, , ) = _admitWithExpiry(applicant, role, expiry);
        uint256 timestamp = START + bound(elapsed, 0, 20 * YEAR);
        vm.warp(timestamp);

        bool valid = timestamp < expiry;
        (uint32 permittedFor, uint16 roles) = registry.permittedOrganisation(applicant, Roles.ALL);
        assertEq(permittedFor, valid ? orgId : 0, "permitted while the licence is valid");
        assertEq(roles, valid ? Roles.mask(role) : 0, "in the admitted role only");
        assertEq(registry.isPermitted(applicant, role), valid, "isPermitted agrees");
        OrganisationStatus status = registry.organisationStatus(orgId);
        assertEq(uint8(status), uint8(valid ? OrganisationStatus.Active : OrganisationStatus.Expired), "status");
    }

    // ================================================================== the permission question

    /// @notice Device keys only sign field readings: whatever the mask, they never pass the permission check,
    /// while their organisation's admin does.
    function test_permittedOrganisation_neverAdmitsDeviceKeys(uint16 roleMask) public {
        (uint32 orgId, , ) = _admit(applicant, BusinessRole.Manufacturer);
        address device = makeAddr("device");
        vm.prank(applicant);
        registry.inviteAccount(device, AccountKind.Device);
        vm.prank(device);
        registry.acceptInvitation(orgId);

        (uint32 deviceOrg, uint16 deviceRoles) = registry.permittedOrganisation(device, roleMask);
        assertEq(deviceOrg, 0, "a device key is not permitted");
        assertEq(deviceRoles, 0, "a device key has no roles");
        bool adminMayAct = roleMask & Roles.MANUFACTURER != 0;
        (uint32 adminOrg, ) = registry.permittedOrganisation(applicant, roleMask);
        assertEq(adminOrg, adminMayAct ? orgId : 0, "the admin acts in the admitted role");
    }

    /// @notice A suspended or revoked organisation's admin and operators are refused in every role; reinstating
    /// restores a suspended one.
    function test_permittedOrganisation_refusesSuspendedAndRevoked(bool revoke, uint16 roleMask) public {
        (uint32 orgId, , ) = _admit(applicant, BusinessRole.Distributor);
        address operator = makeAddr("operator");
        vm.prank(applicant);
        registry.inviteAccount(operator, AccountKind.Operator);
        vm.prank(operator);
        registry.acceptInvitation(orgId);

        vm.prank(seated[0]);
        if (revoke) registry.approveRevocation(orgId, keccak256("reasons"));
        else registry.suspendOrganisation(orgId, keccak256("reasons"));

        (uint32 adminOrg, ) = registry.permittedOrganisation(applicant, roleMask);
        (uint32 operatorOrg, ) = registry.permittedOrganisation(operator, roleMask);
        assertEq(adminOrg, 0, "the admin is refused");
        assertEq(operatorOrg, 0, "the operator is refused");
        if (!revoke) {
            vm.prank(seated[0]);
            registry.reinstateOrganisation(orgId);
            (operatorOrg, ) = registry.permittedOrganisation(operator, roleMask);
            assertEq(operatorOrg, roleMask & Roles.DISTRIBUTOR != 0 ? orgId : 0, "reinstated");
        }
    }

    // ================================================================== quorum arithmetic

    /// @notice Approvals from any subset of regulators admit exactly when the subset's size reaches the quorum: the
    /// approval that reaches it admits (and grants the prefixes), earlier ones do not, later ones find the motion
    /// executed.
    function test_approveApplication_admitsIffSubsetReachesQuorum(uint8 count, uint8 quorum, uint64 subset) public {
        uint256 n = bound(count, 1, 16);
        uint256 q = bound(quorum, 1, n);
        _seat(n);
        _setQuorum(q);
        (uint32 orgId, bytes32 id, uint64[] memory prefixes) = _register(applicant, BusinessRole.Manufacturer);

        uint256 approvals;
        for (uint256 i; i < n; ++i) {
            if ((subset >> i) & 1 == 0) continue;
            ++approvals;
            if (approvals > q) {
                vm.expectRevert(
                    abi.encodeWithSelector(
                        IAllianceRegistry.AllianceUnexpectedMotion.selector,
                        id,
                        MotionKind.Application,
                        MotionStatus.Executed
                    )
                );
            }
            vm.prank(seated[i]);
            bool admitted = registry.approveApplication(id, prefixes);
            if (approvals <= q) {
                assertEq(admitted, approvals == q, "admits exactly at the quorum");
                assertEq(registry.motion(id).approvals, approvals, "approvals counted");
            }
        }
        bool reached = approvals >= q;
        assertEq(registry.organisation(orgId).roles & Roles.MANUFACTURER != 0, reached, "admitted iff quorum reached");
        assertEq(registry.companyPrefixOwner(PREFIX), reached ? orgId : 0, "prefix granted with admission");
        MotionStatus status = registry.motion(id).status;
        assertEq(uint8(status), uint8(reached ? MotionStatus.Executed : MotionStatus.Pending), "motion status");
    }

    /// @notice The same for revocation: a subset of regulators revokes exactly when its size reaches the quorum.
    function test_approveRevocation_revokesIffSubsetReachesQuorum(uint8 count, uint8 quorum, uint64 subset) public {
        uint256 n = bound(count, 1, 16);
        uint256 q = bound(quorum, 1, n);
        _seat(n);
        _setQuorum(q);
        (uint32 orgId, , ) = _register(applicant, BusinessRole.Hospital);

        uint256 approvals;
        for (uint256 i; i < n && approvals < q; ++i) {
            if ((subset >> i) & 1 == 0) continue;
            ++approvals;
            vm.prank(seated[i]);
            assertEq(registry.approveRevocation(orgId, keccak256("reasons")), approvals == q, "revokes at the quorum");
        }
        bool revoked = registry.organisationStatus(orgId) == OrganisationStatus.Revoked;
        assertEq(revoked, approvals >= q, "revoked iff quorum reached");
    }

    /// @notice Only current regulators' approvals count: after some approvers leave, the motion shows and counts
    /// only the approvals of those still seated, and the quorum is reached (or not) on that count alone.
    function test_approveApplication_countsOnlyCurrentRegulators(
        uint8 count,
        uint64 approverMask,
        uint64 removalMask,
        uint8 newQuorum
    ) public {
        uint256 n = bound(count, 2, 12);
        uint64 everyone = uint64((1 << n) - 1);
        uint64 approvers = approverMask & everyone;
        if (approvers == everyone) approvers &= everyone - 1; // one short of the quorum of n
        uint64 removed = removalMask & everyone;
        if (removed == everyone) removed &= everyone >> 1; // someone stays
        _seat(n);
        _setQuorum(n);
        (uint32 orgId, bytes32 id, uint64[] memory prefixes) = _register(applicant, BusinessRole.Manufacturer);
        for (uint256 i; i < n; ++i) {
            if ((approvers >> i) & 1 == 0) continue;
            vm.prank(seated[i]);
            assertFalse(registry.approveApplication(id, prefixes), "no admission below a quorum of all");
        }

        _setQuorum(1);
        bytes32 regulatorRole = registry.REGULATOR_ROLE();
        for (uint256 i; i < n; ++i) {
            if ((removed >> i) & 1 == 0) continue;
            vm.prank(governor);
            registry.revokeRole(regulatorRole, seated[i]);
        }
        uint256 remaining = n - _popcount(removed);
        uint256 standing = _popcount(approvers & ~removed);
        assertEq(registry.motion(id).approvals, standing, "motion().approvals counts current regulators only");
        address voter;
        for (uint256 i; i < n; ++i) {
            bool stands = (approvers >> i) & 1 == 1 && (removed >> i) & 1 == 0;
            assertEq(registry.hasApproved(id, seated[i]), stands, "hasApproved only for seated approvers");
            if ((removed >> i) & 1 == 0 && (voter == address(0) || !stands)) voter = seated[i];
        }

        // A remaining regulator votes under a new quorum: preferably one that has not approved yet.
        uint256 q = bound(newQuorum, 1, remaining);
        _setQuorum(q);
        bool voterApproved = registry.hasApproved(id, voter);
        uint256 counted = voterApproved ? standing : standing + 1;
        if (voterApproved && standing < q) {
            vm.expectRevert(abi.encodeWithSelector(IAllianceRegistry.AllianceAlreadyApproved.selector, id, voter));
        }
        vm.prank(voter);
        bool admitted = registry.approveApplication(id, prefixes);
        assertEq(admitted, counted >= q, "admits iff the current regulators' approvals reach the quorum");
        assertEq(registry.organisation(orgId).roles != 0, counted >= q, "admission recorded");
    }

    /// @notice When every regulator slot has been used, seating a new regulator reuses a freed slot and starts a new
    /// epoch: the slot's former holder's approval does not pass to the newcomer, and earlier approvals of pending
    /// motions are void (as documented).
    function test_grantRole_reusedSlotVoidsEarlierApprovals(uint8 leaverIndex, uint8 stayerIndex) public {
        uint256 max = registry.MAX_REGULATORS();
        _seat(max);
        _setQuorum(2);
        uint256 leaver = bound(leaverIndex, 0, max - 1);
        uint256 stayer = bound(stayerIndex, 0, max - 2);
        if (stayer >= leaver) ++stayer;
        (uint32 orgId, bytes32 id, uint64[] memory prefixes) = _register(applicant, BusinessRole.Manufacturer);
        vm.prank(seated[leaver]);
        registry.approveApplication(id, prefixes);
        // A seated regulator's approval of another pending motion, from before the new epoch.
        (uint32 otherOrg, , ) = _register(makeAddr("other"), BusinessRole.Hospital);
        vm.prank(seated[stayer]);
        registry.approveRevocation(otherOrg, keccak256("reasons"));
        assertTrue(registry.hasApproved(registry.revocationId(otherOrg), seated[stayer]), "approved before");

        vm.startPrank(governor);
        registry.revokeRole(registry.REGULATOR_ROLE(), seated[leaver]);
        address newcomer = makeAddr("newcomer");
        registry.grantRole(registry.REGULATOR_ROLE(), newcomer);
        vm.stopPrank();

        assertEq(registry.regulators()[leaver], newcomer, "the newcomer takes the freed slot");
        assertFalse(registry.hasApproved(id, newcomer), "the newcomer inherits no approval");
        assertFalse(registry.hasApproved(id, seated[leaver]), "the leaver's approval is gone");
        assertEq(registry.motion(id).approvals, 0, "nothing counts");
        assertFalse(registry.hasApproved(registry.revocationId(otherOrg), seated[stayer]), "the new epoch voids it");
        assertEq(registry.motion(registry.revocationId(otherOrg)).approvals, 0, "the other motion restarts");

        vm.prank(newcomer);
        assertFalse(registry.approveApplication(id, prefixes), "one approval of two");
        vm.prank(seated[stayer]);
        assertTrue(registry.approveApplication(id, prefixes), "two approvals admit");
        assertEq(registry.organisation(orgId).roles, Roles.MANUFACTURER, "admitted");
    }

    // ================================================================== regulators and the quorum

    /// @notice The governor may set the quorum to any value from 1 to the number of regulators, and nothing else.
    function test_setQuorum_acceptsOnlyOneToRegulatorCount(uint8 count, uint8 newQuorum) public {
        uint256 n = bound(count, 0, 12);
        _seat(n);
        bool valid = newQuorum >= 1 && newQuorum <= n;
        if (!valid) {
            vm.expectRevert(abi.encodeWithSelector(IAllianceRegistry.AllianceInvalidQuorum.selector, newQuorum, n));
        }
        vm.prank(governor);
        registry.setQuorum(newQuorum);
        assertEq(registry.quorum(), valid ? newQuorum : 1, "quorum");
    }

    /// @notice Removing (or renouncing) a regulator is refused when fewer regulators than the quorum would remain.
    function test_revokeRole_refusesToLeaveFewerRegulatorsThanQuorum(
        uint8 count,
        uint8 quorum,
        uint8 index,
        bool renounce
    ) public {
        uint256 n = bound(count, 1, 12);
        uint256 q = bound(quorum, 1, n);
        _seat(n);
        _setQuorum(q);
        address leaver = seated[bound(index, 0, n - 1)];
        bytes32 regulatorRole = registry.REGULATOR_ROLE();
        bool allowed = n - 1 >= q;
        if (!allowed) {
            vm.expectRevert(abi.encodeWithSelector(IAllianceRegistry.AllianceQuorumUnreachable.selector, q, n - 1));
        }
        if (renounce) {
            vm.prank(leaver);
            registry.renounceRole(regulatorRole, leaver);
        } else {
            vm.prank(governor);
            registry.revokeRole(regulatorRole, leaver);
        }
        assertEq(registry.regulatorCount(), allowed ? n - 1 : n, "regulator count");
        assertEq(registry.hasRole(regulatorRole, leaver), !allowed, "role held iff refused");
    }

    /// @notice An organisation's admin, operator or device key can never be appointed regulator.
    function test_grantRole_refusesOrganisationAccounts(uint8 kindSeed) public {
        AccountKind kind = AccountKind(bound(kindSeed, uint8(AccountKind.Admin), uint8(AccountKind.Device)));
        (uint32 orgId, , ) = _admit(applicant, BusinessRole.Hospital);
        address account = applicant;
        if (kind != AccountKind.Admin) {
            account = makeAddr("member");
            vm.prank(applicant);
            registry.inviteAccount(account, kind);
            vm.prank(account);
            registry.acceptInvitation(orgId);
        }
        bytes32 regulatorRole = registry.REGULATOR_ROLE();
        vm.expectRevert(abi.encodeWithSelector(IAllianceRegistry.AllianceRegulatorAccount.selector, account));
        vm.prank(governor);
        registry.grantRole(regulatorRole, account);
    }

    // ================================================================== admin replacement

    /// @notice At the quorum, a replaced (lost or stolen) admin key loses its powers at once: it can neither act nor
    /// cancel the replacement's invitation, it leaves the network allowlist, and no view presents it as the
    /// organisation's admin any more (the Besu allowlist export admits `organisation().admin`).
    function test_approveAdminReplacement_stripsTheReplacedKey(uint8 quorum) public {
        _seat(3);
        uint256 q = bound(quorum, 1, 3);
        _setQuorum(q);
        (uint32 orgId, bytes32 id, uint64[] memory prefixes) = _register(applicant, BusinessRole.Manufacturer);
        for (uint256 i; i < q; ++i) {
            vm.prank(seated[i]);
            registry.approveApplication(id, prefixes);
        }
        address replacement = makeAddr("replacement");
        for (uint256 i; i < q; ++i) {
            vm.prank(seated[i]);
            assertEq(registry.approveAdminReplacement(orgId, replacement), i + 1 == q, "invited at the quorum");
        }

        (uint32 memberOf, ) = registry.membershipOf(applicant);
        assertEq(memberOf, 0, "the replaced key has no membership");
        (uint32 permittedFor, ) = registry.permittedOrganisation(applicant, Roles.ALL);
        assertEq(permittedFor, 0, "the replaced key is not permitted");
        assertFalse(registry.isAllowedOnNetwork(applicant), "the replaced key leaves the network");
        vm.expectRevert(abi.encodeWithSelector(IAllianceRegistry.AllianceNotOrganisationAdmin.selector, applicant));
        vm.prank(applicant);
        registry.cancelInvitation(replacement);
        assertEq(
            uint8(registry.invitationOf(orgId, replacement)),
            uint8(AccountKind.None),
            "the motion, not an invitation"
        );
        assertEq(
            registry.organisation(orgId).admin,
            applicant,
            "the replaced key stays named until the replacement accepts"
        );
        vm.prank(replacement);
        registry.acceptInvitation(orgId);
        assertEq(registry.organisation(orgId).admin, replacement, "the replacement took over");
    }

    /// @notice After the quorum replaced an admin, only the replacement it approved can take over; when it accepts
    /// it becomes the admin member and the organisation acts again through it.
    function test_acceptInvitation_onlyTheApprovedReplacementTakesOver(bool promoteOperator) public {
        (uint32 orgId, , ) = _admit(applicant, BusinessRole.Hospital);
        address intruder = makeAddr("intruder");
        vm.prank(applicant); // the stolen key invites an accomplice as the next admin, too late to matter
        registry.inviteAccount(intruder, AccountKind.Admin);
        address replacement = makeAddr("replacement");
        if (promoteOperator) {
            vm.prank(applicant);
            registry.inviteAccount(replacement, AccountKind.Operator);
            vm.prank(replacement);
            registry.acceptInvitation(orgId);
        }
        vm.prank(seated[0]);
        assertTrue(registry.approveAdminReplacement(orgId, replacement), "a quorum of one invites");

        vm.expectRevert(abi.encodeWithSelector(IAllianceRegistry.AllianceNoInvitation.selector, orgId, intruder));
        vm.prank(intruder);
        registry.acceptInvitation(orgId);
        vm.prank(replacement);
        registry.acceptInvitation(orgId);

        (uint32 memberOf, AccountKind kind) = registry.membershipOf(replacement);
        assertEq(memberOf, orgId, "the replacement belongs to the organisation");
        assertEq(uint8(kind), uint8(AccountKind.Admin), "as its admin");
        assertEq(registry.organisation(orgId).admin, replacement, "organisation().admin names it");
        assertEq(registry.accountsOf(orgId).length, 0, "a promoted operator leaves the account list");
        assertTrue(registry.isPermitted(replacement, BusinessRole.Hospital), "the organisation acts again");
    }

    // ================================================================== applications

    /// @notice Company prefixes are validated at application: exactly the valid encodings are accepted.
    function test_registerOrganisation_acceptsOnlyEncodedCompanyPrefixes(uint64 prefix) public {
        uint64[] memory prefixes = new uint64[](1);
        prefixes[0] = prefix;
        bool valid = GS1.companyPrefixDigits(prefix) != 0;
        if (!valid) {
            vm.expectRevert(abi.encodeWithSelector(IAllianceRegistry.AllianceInvalidCompanyPrefix.selector, prefix));
        }
        vm.prank(applicant);
        registry.registerOrganisation(
            keccak256("licence"),
            "ipfs://licence",
            START + uint40(YEAR),
            "Org",
            BusinessRole.Supplier,
            prefixes
        );
        assertEq(registry.organisationCount(), valid ? 1 : 0, "registered iff the prefix is valid");
        assertEq(registry.companyPrefixOwner(prefix), 0, "a prefix is owned only after admission");
    }

    /// @notice Approvals bind to what was applied for: any other list of prefixes is refused.
    function test_approveApplication_refusesOtherPrefixes(uint64[] memory otherPrefixes) public {
        vm.assume(otherPrefixes.length != 1 || otherPrefixes[0] != PREFIX);
        _seat(1);
        (, bytes32 id, ) = _register(applicant, BusinessRole.Manufacturer);
        vm.expectRevert(abi.encodeWithSelector(IAllianceRegistry.AllianceApplicationMismatch.selector, id));
        vm.prank(seated[0]);
        registry.approveApplication(id, otherPrefixes);
    }

    // ================================================================== helpers

    function _seat(uint256 n) private {
        bytes32 regulatorRole = registry.REGULATOR_ROLE();
        vm.startPrank(governor);
        for (uint256 i; i < n; ++i) {
            address regulator = address(uint160(0xA11CE0000 + i));
            registry.grantRole(regulatorRole, regulator);
            seated.push(regulator);
        }
        vm.stopPrank();
    }

    function _setQuorum(uint256 q) private {
        vm.prank(governor);
        registry.setQuorum(uint8(q));
    }

    /// @dev Registers `admin`'s organisation applying for `role` (makers with `PREFIX`), licence valid one year.
    function _register(
        address admin,
        BusinessRole role
    ) private returns (uint32 orgId, bytes32 id, uint64[] memory prefixes) {
        return _registerWithExpiry(admin, role, uint40(block.timestamp + YEAR));
    }

    function _registerWithExpiry(
        address admin,
        BusinessRole role,
        uint40 expiry
    ) private returns (uint32 orgId, bytes32 id, uint64[] memory prefixes) {
        prefixes = _none();
        if (Roles.mask(role) & Roles.MAKERS != 0) {
            prefixes = new uint64[](1);
            prefixes[0] = PREFIX;
        }
        vm.prank(admin);
        (orgId, id) = registry.registerOrganisation(
            keccak256("licence"),
            "ipfs://licence",
            expiry,
            "Org",
            role,
            prefixes
        );
    }

    /// @dev Registers and admits with a single regulator (seated on first use) and quorum 1.
    function _admit(address admin, BusinessRole role) private returns (uint32 orgId, bytes32 id, uint64[] memory) {
        return _admitWithExpiry(admin, role, uint40(block.timestamp + YEAR));
    }

    function _admitWithExpiry(
        address admin,
        BusinessRole role,
        uint40 expiry
    ) private returns (uint32 orgId, bytes32 id, uint64[] memory prefixes) {
        if (seated.length == 0) _seat(1);
        (orgId, id, prefixes) = _registerWithExpiry(admin, role, expiry);
        vm.prank(seated[0]);
        assertTrue(registry.approveApplication(id, prefixes), "admitted by a quorum of one");
    }

    function _none() private pure returns (uint64[] memory) {
        return new uint64[](0);
    }

    function _popcount(uint64 bits) private pure returns (uint256 count) {
        for (; bits != 0; bits &= bits - 1) ++count;
    }
}
