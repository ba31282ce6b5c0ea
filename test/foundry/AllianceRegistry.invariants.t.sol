// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// Foundry finds tests by their `test_`/`invariant_` prefix and names read as sentences (test_subject_behaviour);
// assertion messages are longer than 32 bytes on purpose.
// solhint-disable func-name-mixedcase, gas-small-strings

import {AccountKind, BusinessRole, OrganisationStatus, Roles} from "../../contracts/alliance/AllianceTypes.sol";
import {IAllianceRegistry} from "../../contracts/alliance/IAllianceRegistry.sol";
import {AllianceHandler} from "./handlers/AllianceHandler.sol";
import {AllianceSetup} from "./utils/AllianceSetup.sol";

/// @notice Handler-driven invariants of the alliance registry: governance, membership and the permission check.
/// @dev The handler is the campaign's only target; it calls the registry as the governor, the guardian, regulators,
/// organisation admins, invited accounts and strangers. The registry starts with three regulators (quorum 2) and
/// two organisations so that every action has material from the first call.
contract AllianceRegistryInvariants is AllianceSetup {
    AllianceHandler internal handler;
    uint256 internal seedingCalls;

    function setUp() public {
        address governor = makeAddr("governor");
        address guardian = makeAddr("guardian");
        _deployRegistry(governor);
        handler = new AllianceHandler(registry, governor, guardian);

        bytes32 guardianRole = registry.GUARDIAN_ROLE();
        vm.prank(governor);
        registry.grantRole(guardianRole, guardian);

        // Seed through the handler itself, so that its oracle and ghosts see everything.
        handler.appointRegulator(0);
        handler.appointRegulator(1);
        handler.appointRegulator(2);
        handler.setQuorum(2);
        // actor3 registers a manufacturer with one prefix; regulators actor1 and actor2 admit it (seed 1: the
        // newest application; caller seeds (k << 3) | 1: the k-th seated regulator).
        handler.registerOrganisation(3, uint8(BusinessRole.Manufacturer), 1, 120 days);
        handler.approveApplication(1, (1 << 3) | 1);
        handler.approveApplication(1, (2 << 3) | 1);
        // It takes actor5 as an operator and actor6 as a device key (kind seeds 0 and 4; seed 1: newest invitation).
        handler.inviteAccount(0, 5, 0);
        handler.acceptInvitation(1);
        handler.inviteAccount(0, 6, 4);
        handler.acceptInvitation(1);
        // actor4 registers a hospital and stays pending.
        handler.registerOrganisation(4, uint8(BusinessRole.Hospital), 0, 60 days);
        assertEq(handler.unexpectedOutcomes(), 0, "seeding went as predicted");
        assertEq(
            uint8(registry.organisationStatus(1)),
            uint8(OrganisationStatus.Active),
            "the seeded manufacturer is active"
        );
        assertEq(registry.accountsOf(1).length, 2, "the seeded manufacturer has an operator and a device");

        seedingCalls = handler.actionCalls();
        _targetHandlerActions();
    }

    /// @dev The handler is the only target, and only its actions (not its ghost views) are called.
    function _targetHandlerActions() private {
        targetContract(address(handler));
        bytes4[] memory selectors = new bytes4[](21);
        selectors[0] = AllianceHandler.appointRegulator.selector;
        selectors[1] = AllianceHandler.removeRegulator.selector;
        selectors[2] = AllianceHandler.setQuorum.selector;
        selectors[3] = AllianceHandler.togglePause.selector;
        selectors[4] = AllianceHandler.warp.selector;
        selectors[5] = AllianceHandler.registerOrganisation.selector;
        selectors[6] = AllianceHandler.applyForRole.selector;
        selectors[7] = AllianceHandler.approveApplication.selector;
        selectors[8] = AllianceHandler.rejectApplication.selector;
        selectors[9] = AllianceHandler.withdrawApplication.selector;
        selectors[10] = AllianceHandler.suspendOrganisation.selector;
        selectors[11] = AllianceHandler.reinstateOrganisation.selector;
        selectors[12] = AllianceHandler.approveRevocation.selector;
        selectors[13] = AllianceHandler.approveAdminReplacement.selector;
        selectors[14] = AllianceHandler.proposeLicenceRenewal.selector;
        selectors[15] = AllianceHandler.approveLicenceRenewal.selector;
        selectors[16] = AllianceHandler.inviteAccount.selector;
        selectors[17] = AllianceHandler.acceptInvitation.selector;
        selectors[18] = AllianceHandler.cancelInvitation.selector;
        selectors[19] = AllianceHandler.removeAccount.selector;
        selectors[20] = AllianceHandler.churnRegulatorSlots.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    // ================================================================== governance

    /// @notice Protects admission, revocation and admin replacement from deadlock and from rubber stamps: a
    /// quorum above the number of regulators could never be reached, a quorum of 0 would pass motions unread.
    /// Removals that would leave fewer regulators than the quorum must be refused, so regulators never run out.
    function invariant_quorumNeverExceedsRegulators() public view {
        uint256 quorum = registry.quorum();
        uint256 count = registry.regulatorCount();
        assertGe(quorum, 1, "quorum is at least 1");
        assertGe(count, 1, "a regulator stays seated once one was");
        assertLe(quorum, count, "quorum within the regulator count");
    }

    /// @notice Protects the slot bookkeeping behind the approval bitmaps: the regulator list, the count and the
    /// access-control role agree, and every account ever appointed is listed exactly when it holds the role.
    function invariant_regulatorSeatsMatchTheRole() public view {
        address[] memory seated = registry.regulators();
        assertEq(seated.length, registry.regulatorCount(), "regulators() length equals regulatorCount()");
        bytes32 regulatorRole = registry.REGULATOR_ROLE();
        for (uint256 i; i < seated.length; ++i) {
            assertTrue(registry.hasRole(regulatorRole, seated[i]), "a seated regulator holds the role");
            for (uint256 j; j < i; ++j) assertTrue(seated[i] != seated[j], "a regulator holds one seat");
        }
        address[] memory ever = handler.everRegulators();
        for (uint256 i; i < ever.length; ++i) {
            assertEq(registry.hasRole(regulatorRole, ever[i]), _contains(seated, ever[i]), "seated iff role held");
        }
    }

    /// @notice Protects "only current regulators' approvals count" (DESIGN section 1): an approval given by a
    /// regulator who has since left never shows in `hasApproved`, and `motion().approvals` (documented as the
    /// approvals of current regulators, read by regulators, the CLI and the page) equals the number of seated
    /// regulators whose approval stands. The handler's oracle checks that quorums are reached on this count alone.
    function invariant_removedRegulatorsApprovalsNeverCount() public view {
        bytes32[] memory motions = handler.motionIds();
        address[] memory ever = handler.everRegulators();
        address[] memory seated = registry.regulators();
        bool[] memory isSeated = new bool[](ever.length);
        for (uint256 i; i < ever.length; ++i) isSeated[i] = _contains(seated, ever[i]);
        uint256 quorum = registry.quorum();
        for (uint256 m; m < motions.length; ++m) {
            uint256 standing;
            for (uint256 i; i < ever.length; ++i) {
                bool approved = registry.hasApproved(motions[m], ever[i]);
                if (isSeated[i]) {
                    if (approved) ++standing;
                } else {
                    assertFalse(approved, "a removed regulator has no approval");
                }
            }
            IAllianceRegistry.MotionView memory motion = registry.motion(motions[m]);
            assertEq(motion.approvals, standing, "motion().approvals counts current regulators only");
            assertEq(motion.quorum, quorum, "motion().quorum is the current quorum");
        }
    }

    // ================================================================== membership

    /// @notice Protects attribution: every action is taken on behalf of exactly one organisation. For every account
    /// the handler ever used, `membershipOf` names the only organisation that lists it: as its admin (kind Admin) or
    /// in its `accountsOf` (kind Operator or Device), never in two lists, never in a list of another organisation.
    /// (Whether `organisation().admin` can name a non-member is the next invariant.)
    function invariant_noAccountBelongsToTwoOrganisations() public view {
        uint256 count = registry.organisationCount();
        address[] memory admins = new address[](count + 1);
        address[][] memory accounts = new address[][](count + 1);
        for (uint32 orgId = 1; orgId <= count; ++orgId) {
            admins[orgId] = registry.organisation(orgId).admin;
            accounts[orgId] = registry.accountsOf(orgId);
        }
        address[] memory pool = handler.actors();
        for (uint256 a; a < pool.length; ++a) {
            address account = pool[a];
            (uint32 memberOf, AccountKind kind) = registry.membershipOf(account);
            bool listsAsAccount = kind == AccountKind.Operator || kind == AccountKind.Device;
            uint256 accountListings;
            for (uint256 orgId = 1; orgId <= count; ++orgId) {
                if (!_contains(accounts[orgId], account)) continue;
                ++accountListings;
                assertEq(memberOf, orgId, "membershipOf names the organisation whose accountsOf lists the account");
            }
            assertEq(accountListings, listsAsAccount ? 1 : 0, "an operator or device is in one accountsOf list");
            if (kind == AccountKind.Admin) {
                assertEq(admins[memberOf], account, "an Admin member is its organisation's admin");
            }
            assertEq(kind == AccountKind.None, memberOf == 0, "a membership has a kind");
        }
    }

    /// @notice Protects every reader of `organisation().admin` (the CLI, the Besu allowlist export): the account named
    /// there either holds this organisation's Admin membership, or is a key the quorum replaced, which then holds no
    /// membership of this organisation at all (it stays named until its replacement accepts, and cannot act for it).
    function invariant_organisationAdminHoldsItsAdminMembership() public view {
        uint256 count = registry.organisationCount();
        for (uint32 orgId = 1; orgId <= count; ++orgId) {
            address admin = registry.organisation(orgId).admin;
            (uint32 memberOf, AccountKind kind) = registry.membershipOf(admin);
            if (memberOf == orgId) {
                assertEq(uint8(kind), uint8(AccountKind.Admin), "organisation().admin holds the Admin membership");
            }
            (uint32 permittedFor, ) = registry.permittedOrganisation(admin, Roles.ALL);
            if (memberOf != orgId)
                assertTrue(permittedFor != orgId, "a replaced admin never acts for the organisation");
        }
    }

    /// @notice Protects the separation of powers: the authority that admits and suspends organisations never
    /// acts for one, so a current regulator has no membership.
    function invariant_regulatorsAreNeverOrganisationAccounts() public view {
        address[] memory seated = registry.regulators();
        for (uint256 i; i < seated.length; ++i) {
            (uint32 memberOf, ) = registry.membershipOf(seated[i]);
            assertEq(memberOf, 0, "a regulator belongs to no organisation");
        }
    }

    // ================================================================== the permission question

    /// @notice Protects every gated contract: the one permission check never lets anyone act for a suspended,
    /// revoked or expired organisation (or one with no admitted role): its admin and operators get
    /// `permittedOrganisation(account, 0xFE) == (0, 0)`, and whatever account its views list never acts for it.
    /// Device keys never pass the check, whatever their organisation's standing.
    function invariant_haltedOrganisationsAreNeverPermitted() public view {
        uint256 count = registry.organisationCount();
        for (uint32 orgId = 1; orgId <= count; ++orgId) {
            IAllianceRegistry.OrganisationView memory org = registry.organisation(orgId);
            bool halted = org.status != OrganisationStatus.Active;
            if (halted) _assertNeverActsFor(org.admin, orgId, "the admin of a halted organisation is not permitted");
            address[] memory accounts = registry.accountsOf(orgId);
            for (uint256 i; i < accounts.length; ++i) {
                (, AccountKind kind) = registry.membershipOf(accounts[i]);
                if (kind == AccountKind.Device) {
                    _assertNeverActsFor(accounts[i], orgId, "a device key is never permitted");
                } else if (halted) {
                    _assertNeverActsFor(accounts[i], orgId, "an operator of a halted organisation is not permitted");
                }
            }
        }
    }

    /// @notice Protects the other direction, so the check above is not vacuous: an Active organisation's admin
    /// member and its operators act for it, in exactly its admitted roles.
    function invariant_activeOrganisationsActThroughAdminAndOperators() public view {
        uint256 count = registry.organisationCount();
        for (uint32 orgId = 1; orgId <= count; ++orgId) {
            IAllianceRegistry.OrganisationView memory org = registry.organisation(orgId);
            if (org.status != OrganisationStatus.Active) continue;
            (uint32 adminOf, ) = registry.membershipOf(org.admin);
            if (adminOf == orgId) _assertPermittedFor(org.admin, orgId, org.roles);
            address[] memory accounts = registry.accountsOf(orgId);
            for (uint256 i; i < accounts.length; ++i) {
                (, AccountKind kind) = registry.membershipOf(accounts[i]);
                if (kind == AccountKind.Operator) _assertPermittedFor(accounts[i], orgId, org.roles);
            }
        }
    }

    // ================================================================== bookkeeping

    /// @notice Protects ids: organisations are never deleted or renumbered, so ids other contracts store stay valid;
    /// the count only grows and equals the number of successful registrations.
    function invariant_organisationCountOnlyGrows() public view {
        assertEq(registry.organisationCount(), handler.organisationsRegistered(), "one id per registration");
        assertGe(registry.organisationCount(), handler.lastOrganisationCount(), "the count never went down");
    }

    /// @notice Protects product identity: a company prefix belongs to the first organisation admitted with an
    /// application listing it, and to no one before that (a maker's GTINs must start with its own prefixes).
    function invariant_companyPrefixesBelongToTheirFirstAdmittedApplicant() public view {
        uint64[] memory prefixes = handler.prefixPool();
        for (uint256 i; i < prefixes.length; ++i) {
            assertEq(
                registry.companyPrefixOwner(prefixes[i]),
                handler.expectedPrefixOwner(prefixes[i]),
                "prefix owner"
            );
        }
    }

    /// @notice Protects the documented rules of each function: the handler predicts from the views whether each
    /// call must succeed (and whether a vote reaches the quorum); any disagreement is reported here.
    function invariant_handlerSawOnlyExpectedOutcomes() public view {
        if (handler.unexpectedOutcomes() != 0) fail(handler.firstUnexpectedOutcome());
    }

    /// @notice Proves the campaign really drives the handler (forge honours `targetContracts`/`targetSelectors`):
    /// after each run the handler has been called beyond the seeding; the last run's counters are printed (-vv).
    function afterInvariant() public {
        emit log_named_uint("handler actions called in this run", handler.actionCalls() - seedingCalls);
        emit log_named_uint("successful registry calls (seeding included)", handler.successfulCalls());
        emit log_named_uint("organisations", registry.organisationCount());
        emit log_named_uint("regulators", registry.regulatorCount());
        emit log_named_uint("quorum", registry.quorum());
        emit log_named_uint("actions that saw an expired licence", handler.expiredSightings());
        emit log_named_uint("approval epochs started", handler.epochsAdvanced());
        assertGt(handler.actionCalls(), seedingCalls, "the campaign called the handler");
    }

    // ================================================================== helpers

    /// @dev `account` does not act for `orgId` in any role (mask 0xFE); if it belongs to `orgId` (or is a device
    /// key), it is not permitted at all. `isPermitted` is the same check one role at a time.
    function _assertNeverActsFor(address account, uint32 orgId, string memory message) private view {
        (uint32 permittedFor, uint16 permittedRoles) = registry.permittedOrganisation(account, Roles.ALL);
        assertTrue(permittedFor != orgId, message);
        (uint32 memberOf, AccountKind kind) = registry.membershipOf(account);
        if (memberOf == orgId || kind == AccountKind.Device) {
            assertEq(permittedFor, 0, message);
            assertEq(permittedRoles, 0, message);
        }
    }

    function _assertPermittedFor(address account, uint32 orgId, uint16 roles) private view {
        (uint32 permittedFor, uint16 permittedRoles) = registry.permittedOrganisation(account, Roles.ALL);
        assertEq(permittedFor, orgId, "an active organisation's account acts for it");
        assertEq(permittedRoles, roles & Roles.ALL, "in exactly its admitted roles");
    }

    function _contains(address[] memory list, address account) private pure returns (bool) {
        for (uint256 i; i < list.length; ++i) {
            if (list[i] == account) return true;
        }
        return false;
    }
}
