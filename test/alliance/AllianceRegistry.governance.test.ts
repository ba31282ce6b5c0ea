import { expect } from "chai";
import { ethers } from "hardhat";
import { ZeroAddress, ZeroHash } from "ethers";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { AllianceFixture, PREFIX_MAKER_2, SITE_MAKER, allianceFixture, rolesContext } from "../helpers/fixtures";
import { expectMissingRole, shouldBeRestrictedTo } from "../helpers/behaviours";
import { REASON, expectNoStateChange, joinOrganisation, randomAddresses, revoke, suspend } from "../helpers/registry";
import {
  AccountKind,
  BusinessRole,
  DEFAULT_ADMIN_ROLE,
  GUARDIAN_ROLE,
  OrganisationStatus,
  REGULATOR_ROLE,
  directoryName,
  documentHash,
} from "../../scripts/lib/alliance";
import { DAY, DEFAULT_GOVERNOR_TRANSFER_DELAY, YEAR } from "../../scripts/lib/formation";

const load = () => loadFixture(allianceFixture);

/** A registry with a governor and nothing else. */
async function bareRegistryFixture() {
  const [governor, other] = await ethers.getSigners();
  const registry = await (await ethers.getContractFactory("AllianceRegistry")).deploy(governor.address, 3n * DAY);
  return { registry, governor, other };
}

/** Governance state a refused governance call must leave untouched. */
function governanceState(f: AllianceFixture) {
  return async () => ({
    quorum: await f.registry.quorum(),
    regulators: [...(await f.registry.regulators())],
    count: await f.registry.regulatorCount(),
    governor: await f.registry.governor(),
    paused: await f.registry.paused(),
  });
}

describe("AllianceRegistry: governance", () => {
  describe("deployment", () => {
    it("seats the governor as the single default admin, with no regulator and a quorum of one", async () => {
      const { registry, governor } = await loadFixture(bareRegistryFixture);
      expect(await registry.governor()).to.equal(governor.address);
      expect(await registry.defaultAdmin()).to.equal(governor.address);
      expect(await registry.hasRole(DEFAULT_ADMIN_ROLE, governor.address)).to.equal(true);
      expect(await registry.defaultAdminDelay()).to.equal(3n * DAY);
      expect(await registry.regulatorCount()).to.equal(0n);
      expect(await registry.regulators()).to.deep.equal([]);
      expect(await registry.quorum()).to.equal(1n);
      expect(await registry.paused()).to.equal(false);
      expect(await registry.organisationCount()).to.equal(0n);
    });

    it("refuses a zero governor with AccessControlInvalidDefaultAdmin", async () => {
      const factory = await ethers.getContractFactory("AllianceRegistry");
      await expect(factory.deploy(ZeroAddress, DAY))
        .to.be.revertedWithCustomError(factory, "AccessControlInvalidDefaultAdmin")
        .withArgs(ZeroAddress);
    });

    it("cannot set a quorum before any regulator is seated", async () => {
      const { registry, governor } = await loadFixture(bareRegistryFixture);
      await expect(registry.connect(governor).setQuorum(1))
        .to.be.revertedWithCustomError(registry, "AllianceInvalidQuorum")
        .withArgs(1, 0);
    });

    it("never lets the last regulator leave: AllianceQuorumUnreachable", async () => {
      const { registry, governor, other } = await loadFixture(bareRegistryFixture);
      await registry.connect(governor).grantRole(REGULATOR_ROLE, other.address);
      await expect(registry.connect(governor).revokeRole(REGULATOR_ROLE, other.address))
        .to.be.revertedWithCustomError(registry, "AllianceQuorumUnreachable")
        .withArgs(1, 0);
      await expect(registry.connect(other).renounceRole(REGULATOR_ROLE, other.address))
        .to.be.revertedWithCustomError(registry, "AllianceQuorumUnreachable")
        .withArgs(1, 0);
      expect(await registry.regulators()).to.deep.equal([other.address]);
    });
  });

  describe("setQuorum", () => {
    it("sets the quorum between one and the number of regulators", async () => {
      const f = await load();
      await expect(f.registry.connect(f.governor).setQuorum(3)).to.emit(f.registry, "QuorumChanged").withArgs(2, 3);
      expect(await f.registry.quorum()).to.equal(3n);
      await expect(f.registry.connect(f.governor).setQuorum(1)).to.emit(f.registry, "QuorumChanged").withArgs(3, 1);
      expect(await f.registry.quorum()).to.equal(1n);
      expect((await f.registry.motion(f.pendingApplicationId)).quorum).to.equal(1n);
    });

    it("refuses 0 and more than the regulator count with AllianceInvalidQuorum, and changes nothing", async () => {
      const f = await load();
      await expectNoStateChange(governanceState(f), async () => {
        for (const bad of [0, 4, 255]) {
          await expect(f.registry.connect(f.governor).setQuorum(bad))
            .to.be.revertedWithCustomError(f.registry, "AllianceInvalidQuorum")
            .withArgs(bad, 3);
        }
      });
    });

    shouldBeRestrictedTo("governor", {
      load,
      context: rolesContext,
      send: (f, signer) => f.registry.connect(signer).setQuorum(1),
    });
  });

  describe("regulators: grantRole, revokeRole and renounceRole of REGULATOR_ROLE", () => {
    it("refuses to seat the zero address with AllianceZeroAddress, leaving every seat as it was", async () => {
      const f = await load();
      await expect(f.registry.connect(f.governor).grantRole(REGULATOR_ROLE, ZeroAddress)).to.be.revertedWithCustomError(
        f.registry,
        "AllianceZeroAddress",
      );
      expect(await f.registry.regulatorCount()).to.equal(3n);
      expect(await f.registry.hasRole(REGULATOR_ROLE, ZeroAddress)).to.equal(false);
    });

    it("seats a new regulator, whose approvals count at once", async () => {
      const f = await load();
      const newcomer = f.others[0];
      await expect(f.registry.connect(f.governor).grantRole(REGULATOR_ROLE, newcomer.address))
        .to.emit(f.registry, "RoleGranted")
        .withArgs(REGULATOR_ROLE, newcomer.address, f.governor.address);
      expect(await f.registry.regulatorCount()).to.equal(4n);
      expect(await f.registry.regulators()).to.deep.equal([
        f.regulatorA.address,
        f.regulatorB.address,
        f.regulatorC.address,
        newcomer.address,
      ]);
      expect(await f.registry.isAllowedOnNetwork(newcomer.address)).to.equal(true);
      await expect(f.registry.connect(newcomer).approveApplication(f.pendingApplicationId, [PREFIX_MAKER_2]))
        .to.emit(f.registry, "MotionApproved")
        .withArgs(f.pendingApplicationId, newcomer.address, 1, 2);
    });

    it("treats granting the role to a current regulator as a no-op", async () => {
      const f = await load();
      await expect(f.registry.connect(f.governor).grantRole(REGULATOR_ROLE, f.regulatorA.address)).not.to.emit(
        f.registry,
        "RoleGranted",
      );
      expect(await f.registry.regulatorCount()).to.equal(3n);
      expect(await f.registry.regulators()).to.deep.equal(f.regulators.map((r) => r.address));
    });

    it("treats revoking the role from a non-regulator as a no-op", async () => {
      const f = await load();
      await expect(f.registry.connect(f.governor).revokeRole(REGULATOR_ROLE, f.others[0].address)).not.to.emit(
        f.registry,
        "RoleRevoked",
      );
      expect(await f.registry.regulatorCount()).to.equal(3n);
    });

    it("removes a regulator while enough remain for the quorum", async () => {
      const f = await load();
      await expect(f.registry.connect(f.governor).revokeRole(REGULATOR_ROLE, f.regulatorB.address))
        .to.emit(f.registry, "RoleRevoked")
        .withArgs(REGULATOR_ROLE, f.regulatorB.address, f.governor.address);
      expect(await f.registry.regulators()).to.deep.equal([f.regulatorA.address, f.regulatorC.address]);
      expect(await f.registry.regulatorCount()).to.equal(2n);
      expect(await f.registry.isAllowedOnNetwork(f.regulatorB.address)).to.equal(false);
      await expectMissingRole(
        f.registry.connect(f.regulatorB).approveApplication(f.pendingApplicationId, [PREFIX_MAKER_2]),
        f.registry,
        f.regulatorB.address,
        REGULATOR_ROLE,
      );
    });

    it("lets a regulator renounce while enough remain for the quorum", async () => {
      const f = await load();
      await expect(f.registry.connect(f.regulatorC).renounceRole(REGULATOR_ROLE, f.regulatorC.address))
        .to.emit(f.registry, "RoleRevoked")
        .withArgs(REGULATOR_ROLE, f.regulatorC.address, f.regulatorC.address);
      expect(await f.registry.regulatorCount()).to.equal(2n);
    });

    it("refuses a removal that would leave fewer regulators than the quorum with AllianceQuorumUnreachable", async () => {
      const f = await load();
      await f.registry.connect(f.governor).revokeRole(REGULATOR_ROLE, f.regulatorA.address);
      await expectNoStateChange(governanceState(f), async () => {
        await expect(f.registry.connect(f.governor).revokeRole(REGULATOR_ROLE, f.regulatorB.address))
          .to.be.revertedWithCustomError(f.registry, "AllianceQuorumUnreachable")
          .withArgs(2, 1);
        await expect(f.registry.connect(f.regulatorB).renounceRole(REGULATOR_ROLE, f.regulatorB.address))
          .to.be.revertedWithCustomError(f.registry, "AllianceQuorumUnreachable")
          .withArgs(2, 1);
      });
      // Lowering the quorum first makes the removal possible.
      await f.registry.connect(f.governor).setQuorum(1);
      await f.registry.connect(f.governor).revokeRole(REGULATOR_ROLE, f.regulatorB.address);
      expect(await f.registry.regulators()).to.deep.equal([f.regulatorC.address]);
    });

    it("refuses an organisation's account as regulator with AllianceRegulatorAccount (and vice versa)", async () => {
      const f = await load();
      await expectNoStateChange(governanceState(f), async () => {
        await expect(f.registry.connect(f.governor).grantRole(REGULATOR_ROLE, f.carrier.address))
          .to.be.revertedWithCustomError(f.registry, "AllianceRegulatorAccount")
          .withArgs(f.carrier.address);
      });
      await expect(
        f.registry
          .connect(f.regulatorA)
          .registerOrganisation(REASON, "", f.licenceExpiry, "Regulator Co", BusinessRole.Hospital, []),
      )
        .to.be.revertedWithCustomError(f.registry, "AllianceRegulatorAccount")
        .withArgs(f.regulatorA.address);
    });

    it("does not reuse a freed slot before every slot has been used, so earlier approvals keep counting", async () => {
      const f = await load();
      await f.registry.connect(f.regulatorA).approveApplication(f.pendingApplicationId, [PREFIX_MAKER_2]);
      await f.registry.connect(f.governor).revokeRole(REGULATOR_ROLE, f.regulatorB.address);
      const newcomer = f.others[0];
      await expect(f.registry.connect(f.governor).grantRole(REGULATOR_ROLE, newcomer.address)).not.to.emit(
        f.registry,
        "ApprovalEpochAdvanced",
      );
      expect(await f.registry.regulators()).to.deep.equal([
        f.regulatorA.address,
        f.regulatorC.address,
        newcomer.address,
      ]);
      expect((await f.registry.motion(f.pendingApplicationId)).approvals).to.equal(1n);
      expect(await f.registry.hasApproved(f.pendingApplicationId, f.regulatorA.address)).to.equal(true);
      expect(await f.registry.hasApproved(f.pendingApplicationId, newcomer.address)).to.equal(false);
    });

    describe("MAX_REGULATORS = 64 and the approval epoch", () => {
      async function fullBenchFixture() {
        const f = await allianceFixture();
        await f.registry.connect(f.regulatorA).approveApplication(f.pendingApplicationId, [PREFIX_MAKER_2]);
        const seated = randomAddresses(61);
        for (const account of seated) await f.registry.connect(f.governor).grantRole(REGULATOR_ROLE, account);
        return { ...f, seated };
      }

      it("seats 64 regulators and refuses a 65th with AllianceTooManyRegulators", async () => {
        const f = await loadFixture(fullBenchFixture);
        expect(await f.registry.MAX_REGULATORS()).to.equal(64n);
        expect(await f.registry.regulatorCount()).to.equal(64n);
        const all = [...(await f.registry.regulators())];
        expect(all).to.deep.equal([...f.regulators.map((r) => r.address), ...f.seated]);
        await expectNoStateChange(governanceState(f), async () => {
          await expect(f.registry.connect(f.governor).grantRole(REGULATOR_ROLE, f.others[0].address))
            .to.be.revertedWithCustomError(f.registry, "AllianceTooManyRegulators")
            .withArgs(64);
        });
        await f.registry.connect(f.governor).setQuorum(64);
        expect(await f.registry.quorum()).to.equal(64n);
      });

      it("reseating after a removal reuses the freed slot, advances the epoch and voids earlier approvals", async () => {
        const f = await loadFixture(fullBenchFixture);
        const id = f.pendingApplicationId;
        await f.registry.connect(f.governor).revokeRole(REGULATOR_ROLE, f.regulatorC.address);
        // Same epoch: the removal alone leaves the current regulators' approvals counting.
        expect((await f.registry.motion(id)).approvals).to.equal(1n);

        const newcomer = f.others[0];
        await expect(f.registry.connect(f.governor).grantRole(REGULATOR_ROLE, newcomer.address))
          .to.emit(f.registry, "ApprovalEpochAdvanced")
          .withArgs(1);
        const all = [...(await f.registry.regulators())];
        expect(all[2]).to.equal(newcomer.address); // regulator C's slot
        expect(all.length).to.equal(64);

        expect((await f.registry.motion(id)).approvals).to.equal(0n);
        expect(await f.registry.hasApproved(id, f.regulatorA.address)).to.equal(false);
        // Regulator A may approve again, and that approval counts in the new epoch.
        await expect(f.registry.connect(f.regulatorA).approveApplication(id, [PREFIX_MAKER_2]))
          .to.emit(f.registry, "MotionApproved")
          .withArgs(id, f.regulatorA.address, 1, 2);
        await expect(f.registry.connect(newcomer).approveApplication(id, [PREFIX_MAKER_2]))
          .to.emit(f.registry, "RoleAdmitted")
          .withArgs(f.applicantOrgId, BusinessRole.Supplier, id);
      });

      it("advances the epoch again on every later reseat while all slots stay in use", async () => {
        const f = await loadFixture(fullBenchFixture);
        const [first, second] = f.others;
        await f.registry.connect(f.governor).revokeRole(REGULATOR_ROLE, f.seated[10]);
        await expect(f.registry.connect(f.governor).grantRole(REGULATOR_ROLE, first.address))
          .to.emit(f.registry, "ApprovalEpochAdvanced")
          .withArgs(1);
        await f.registry.connect(first).approveRevocation(f.carrierOrgId, REASON);
        expect((await f.registry.motion(await f.registry.revocationId(f.carrierOrgId))).approvals).to.equal(1n);
        await f.registry.connect(f.governor).revokeRole(REGULATOR_ROLE, f.seated[20]);
        await expect(f.registry.connect(f.governor).grantRole(REGULATOR_ROLE, second.address))
          .to.emit(f.registry, "ApprovalEpochAdvanced")
          .withArgs(2);
        expect((await f.registry.motion(await f.registry.revocationId(f.carrierOrgId))).approvals).to.equal(0n);
        expect(await f.registry.hasApproved(await f.registry.revocationId(f.carrierOrgId), first.address)).to.equal(
          false,
        );
      });
    });
  });

  describe("guardians and the pause", () => {
    it("lets a guardian pause and only the governor unpause", async () => {
      const f = await load();
      await expect(f.registry.connect(f.guardian).pause()).to.emit(f.registry, "Paused").withArgs(f.guardian.address);
      expect(await f.registry.paused()).to.equal(true);
      await expect(f.registry.connect(f.governor).unpause())
        .to.emit(f.registry, "Unpaused")
        .withArgs(f.governor.address);
      expect(await f.registry.paused()).to.equal(false);
    });

    it("refuses to pause twice with EnforcedPause and to unpause when not paused with ExpectedPause", async () => {
      const f = await load();
      await expect(f.registry.connect(f.governor).unpause()).to.be.revertedWithCustomError(f.registry, "ExpectedPause");
      await f.registry.connect(f.guardian).pause();
      await expect(f.registry.connect(f.guardian).pause()).to.be.revertedWithCustomError(f.registry, "EnforcedPause");
    });

    it("refuses a guardian the governor has removed", async () => {
      const f = await load();
      await f.registry.connect(f.governor).revokeRole(GUARDIAN_ROLE, f.guardian.address);
      await expectMissingRole(f.registry.connect(f.guardian).pause(), f.registry, f.guardian.address, GUARDIAN_ROLE);
      expect(await f.registry.isAllowedOnNetwork(f.guardian.address)).to.equal(false);
    });

    describe("pause", () => {
      shouldBeRestrictedTo("guardian", {
        load,
        context: rolesContext,
        send: (f, signer) => f.registry.connect(signer).pause(),
      });
    });

    describe("unpause", () => {
      shouldBeRestrictedTo("governor", {
        load: async () => {
          const f = await load();
          await f.registry.connect(f.guardian).pause();
          return f;
        },
        context: rolesContext,
        send: (f, signer) => f.registry.connect(signer).unpause(),
      });
    });

    describe("while paused", () => {
      async function pausedFixture() {
        const f = await allianceFixture();
        await f.registry.connect(f.guardian).pause();
        return f;
      }
      const paused = () => loadFixture(pausedFixture);

      it("refuses registerOrganisation and applyForRole with EnforcedPause", async () => {
        const f = await paused();
        await expect(
          f.registry
            .connect(f.others[0])
            .registerOrganisation(REASON, "", f.licenceExpiry, "Late Co", BusinessRole.Hospital, []),
        ).to.be.revertedWithCustomError(f.registry, "EnforcedPause");
        await expect(
          f.registry.connect(f.maker).applyForRole(BusinessRole.Distributor, []),
        ).to.be.revertedWithCustomError(f.registry, "EnforcedPause");
        expect(await f.registry.organisationCount()).to.equal(4n);
      });

      it("lets regulators approve, reject, suspend, reinstate and revoke", async () => {
        const f = await paused();
        await f.registry.connect(f.regulatorA).approveApplication(f.pendingApplicationId, [PREFIX_MAKER_2]);
        await expect(f.registry.connect(f.regulatorB).approveApplication(f.pendingApplicationId, [PREFIX_MAKER_2]))
          .to.emit(f.registry, "RoleAdmitted")
          .withArgs(f.applicantOrgId, BusinessRole.Supplier, f.pendingApplicationId);
        await suspend(f.registry, f.regulatorA, f.makerOrgId);
        expect(await f.registry.organisationStatus(f.makerOrgId)).to.equal(OrganisationStatus.Suspended);
        await f.registry.connect(f.regulatorA).reinstateOrganisation(f.makerOrgId);
        expect(await f.registry.organisationStatus(f.makerOrgId)).to.equal(OrganisationStatus.Active);
        await revoke(f.registry, f.regulators, f.carrierOrgId);
        expect(await f.registry.organisationStatus(f.carrierOrgId)).to.equal(OrganisationStatus.Revoked);
      });

      it("lets organisations renew licences, register sites and manage accounts", async () => {
        const f = await paused();
        const renewed = documentHash("renewed during the pause");
        const expiry = BigInt(await time.latest()) + YEAR;
        await f.registry.connect(f.maker).proposeLicenceRenewal(renewed, "", expiry);
        await expect(f.registry.connect(f.regulatorA).approveLicenceRenewal(f.makerOrgId, renewed))
          .to.emit(f.registry, "LicenceRenewed")
          .withArgs(f.makerOrgId, f.regulatorA.address, renewed, expiry);
        await expect(f.registry.connect(f.maker).registerSite(SITE_MAKER, "Plant")).to.emit(
          f.registry,
          "SiteRegistered",
        );
        await joinOrganisation(f.registry, f.maker, f.others[0], AccountKind.Operator);
        expect(await f.registry.accountsOf(f.makerOrgId)).to.deep.equal([f.others[0].address]);
        await f.registry.connect(f.applicant).withdrawApplication(f.pendingApplicationId);
      });

      it("lets the governor govern and regulators grant network access", async () => {
        const f = await paused();
        await f.registry.connect(f.governor).setQuorum(3);
        await f.registry.connect(f.governor).setDirectoryEntry(directoryName("ProductCatalog"), f.others[1].address);
        await expect(f.registry.connect(f.regulatorA).grantNetworkAccess(f.others[0].address, REASON)).to.emit(
          f.registry,
          "NetworkAccessGranted",
        );
      });
    });
  });

  describe("directory", () => {
    const CATALOG = directoryName("ProductCatalog");
    const LEDGER = directoryName("BatchLedger");

    it("records, replaces and removes entries, listing each name once", async () => {
      const f = await load();
      const [v1, v2, ledger] = randomAddresses(3);
      await expect(f.registry.connect(f.governor).setDirectoryEntry(CATALOG, v1))
        .to.emit(f.registry, "DirectoryEntrySet")
        .withArgs(CATALOG, ZeroAddress, v1);
      await f.registry.connect(f.governor).setDirectoryEntry(LEDGER, ledger);
      await expect(f.registry.connect(f.governor).setDirectoryEntry(CATALOG, v2))
        .to.emit(f.registry, "DirectoryEntrySet")
        .withArgs(CATALOG, v1, v2);
      expect(await f.registry.directory(CATALOG)).to.equal(v2);
      expect(await f.registry.directory(LEDGER)).to.equal(ledger);
      expect(await f.registry.directoryNames()).to.deep.equal([CATALOG, LEDGER]);

      await expect(f.registry.connect(f.governor).setDirectoryEntry(CATALOG, ZeroAddress))
        .to.emit(f.registry, "DirectoryEntrySet")
        .withArgs(CATALOG, v2, ZeroAddress);
      expect(await f.registry.directory(CATALOG)).to.equal(ZeroAddress);
      // Names stay listed once, even after removal and re-use.
      await f.registry.connect(f.governor).setDirectoryEntry(CATALOG, v1);
      expect(await f.registry.directoryNames()).to.deep.equal([CATALOG, LEDGER]);
    });

    it("answers zero for a name never set", async () => {
      const f = await load();
      expect(await f.registry.directory(directoryName("Nothing"))).to.equal(ZeroAddress);
      expect(await f.registry.directoryNames()).to.deep.equal([]);
    });

    it("refuses an empty name with AllianceEmptyName and changes nothing", async () => {
      const f = await load();
      await expectNoStateChange(
        async () => [...(await f.registry.directoryNames())],
        async () => {
          await expect(
            f.registry.connect(f.governor).setDirectoryEntry(ZeroHash, f.others[0].address),
          ).to.be.revertedWithCustomError(f.registry, "AllianceEmptyName");
        },
      );
      expect(await f.registry.directory(ZeroHash)).to.equal(ZeroAddress);
    });

    shouldBeRestrictedTo("governor", {
      load,
      context: rolesContext,
      send: (f, signer) => f.registry.connect(signer).setDirectoryEntry(CATALOG, f.others[0].address),
    });
  });

  describe("governor hand-over (two steps with a delay)", () => {
    it("hands governance over once the delay has passed and the new governor accepts", async () => {
      const f = await load();
      const successor = f.others[0];
      const tx = await f.registry.connect(f.governor).beginDefaultAdminTransfer(successor.address);
      const schedule = BigInt((await tx.getBlock())!.timestamp) + DEFAULT_GOVERNOR_TRANSFER_DELAY;
      await expect(tx).to.emit(f.registry, "DefaultAdminTransferScheduled").withArgs(successor.address, schedule);
      expect([...(await f.registry.pendingDefaultAdmin())]).to.deep.equal([successor.address, schedule]);
      expect(await f.registry.governor()).to.equal(f.governor.address);

      await time.setNextBlockTimestamp(schedule + 1n);
      await expect(f.registry.connect(successor).acceptDefaultAdminTransfer())
        .to.emit(f.registry, "RoleGranted")
        .withArgs(DEFAULT_ADMIN_ROLE, successor.address, successor.address);
      expect(await f.registry.governor()).to.equal(successor.address);
      expect(await f.registry.hasRole(DEFAULT_ADMIN_ROLE, f.governor.address)).to.equal(false);
      expect(await f.registry.isAllowedOnNetwork(successor.address)).to.equal(true);
      expect(await f.registry.isAllowedOnNetwork(f.governor.address)).to.equal(false);

      await expectMissingRole(
        f.registry.connect(f.governor).setQuorum(1),
        f.registry,
        f.governor.address,
        DEFAULT_ADMIN_ROLE,
      );
      await expect(f.registry.connect(successor).setQuorum(1)).to.emit(f.registry, "QuorumChanged").withArgs(2, 1);
    });

    it("refuses acceptance before the delay has passed with AccessControlEnforcedDefaultAdminDelay", async () => {
      const f = await load();
      const successor = f.others[0];
      const tx = await f.registry.connect(f.governor).beginDefaultAdminTransfer(successor.address);
      const schedule = BigInt((await tx.getBlock())!.timestamp) + DEFAULT_GOVERNOR_TRANSFER_DELAY;
      await time.setNextBlockTimestamp(schedule);
      await expect(f.registry.connect(successor).acceptDefaultAdminTransfer())
        .to.be.revertedWithCustomError(f.registry, "AccessControlEnforcedDefaultAdminDelay")
        .withArgs(schedule);
      expect(await f.registry.governor()).to.equal(f.governor.address);
    });

    it("refuses acceptance by anyone but the proposed governor with AccessControlInvalidDefaultAdmin", async () => {
      const f = await load();
      await f.registry.connect(f.governor).beginDefaultAdminTransfer(f.others[0].address);
      await time.increase(DEFAULT_GOVERNOR_TRANSFER_DELAY + 1n);
      for (const account of [f.others[1], f.regulatorA, f.governor]) {
        await expect(f.registry.connect(account).acceptDefaultAdminTransfer())
          .to.be.revertedWithCustomError(f.registry, "AccessControlInvalidDefaultAdmin")
          .withArgs(account.address);
      }
    });

    it("lets the governor cancel a hand-over", async () => {
      const f = await load();
      await f.registry.connect(f.governor).beginDefaultAdminTransfer(f.others[0].address);
      await expect(f.registry.connect(f.governor).cancelDefaultAdminTransfer()).to.emit(
        f.registry,
        "DefaultAdminTransferCanceled",
      );
      await time.increase(DEFAULT_GOVERNOR_TRANSFER_DELAY + 1n);
      await expect(f.registry.connect(f.others[0]).acceptDefaultAdminTransfer())
        .to.be.revertedWithCustomError(f.registry, "AccessControlInvalidDefaultAdmin")
        .withArgs(f.others[0].address);
    });

    it("refuses granting the governor role directly with AccessControlEnforcedDefaultAdminRules", async () => {
      const f = await load();
      await expect(
        f.registry.connect(f.governor).grantRole(DEFAULT_ADMIN_ROLE, f.others[0].address),
      ).to.be.revertedWithCustomError(f.registry, "AccessControlEnforcedDefaultAdminRules");
    });

    describe("beginDefaultAdminTransfer", () => {
      shouldBeRestrictedTo("governor", {
        load,
        context: rolesContext,
        send: (f, signer) => f.registry.connect(signer).beginDefaultAdminTransfer(signer.address),
      });
    });

    describe("grantRole", () => {
      shouldBeRestrictedTo("governor", {
        load,
        context: rolesContext,
        send: (f, signer) => f.registry.connect(signer).grantRole(REGULATOR_ROLE, f.others[6].address),
      });
    });

    describe("revokeRole", () => {
      shouldBeRestrictedTo("governor", {
        load,
        context: rolesContext,
        send: (f, signer) => f.registry.connect(signer).revokeRole(GUARDIAN_ROLE, f.guardian.address),
      });
    });
  });

  describe("network guests", () => {
    it("grants a guest network access, and withdraws it", async () => {
      const f = await load();
      const guest = f.others[0].address;
      expect(await f.registry.isAllowedOnNetwork(guest)).to.equal(false);
      await expect(f.registry.connect(f.regulatorA).grantNetworkAccess(guest, REASON))
        .to.emit(f.registry, "NetworkAccessGranted")
        .withArgs(guest, f.regulatorA.address, REASON);
      expect(await f.registry.isNetworkGuest(guest)).to.equal(true);
      expect(await f.registry.isAllowedOnNetwork(guest)).to.equal(true);
      const [listed] = await f.registry.listNetworkGuests(0, 10);
      expect([...listed]).to.deep.equal([guest]);

      await expect(f.registry.connect(f.regulatorB).withdrawNetworkAccess(guest))
        .to.emit(f.registry, "NetworkAccessWithdrawn")
        .withArgs(guest, f.regulatorB.address);
      expect(await f.registry.isNetworkGuest(guest)).to.equal(false);
      expect(await f.registry.isAllowedOnNetwork(guest)).to.equal(false);
      const [guests, next] = await f.registry.listNetworkGuests(0, 10);
      expect([[...guests], next]).to.deep.equal([[], 0n]);
    });

    it("grants again after a withdrawal without listing the guest twice", async () => {
      const f = await load();
      const guest = f.others[0].address;
      await f.registry.connect(f.regulatorA).grantNetworkAccess(guest, REASON);
      await f.registry.connect(f.regulatorA).withdrawNetworkAccess(guest);
      await f.registry.connect(f.regulatorA).grantNetworkAccess(guest, REASON);
      const [guests, next] = await f.registry.listNetworkGuests(0, 10);
      expect([[...guests], next]).to.deep.equal([[guest], 0n]);
      const [positions] = await f.registry.listNetworkGuests(1, 10);
      expect([...positions]).to.deep.equal([]);
    });

    it("grants access to a revoked organisation's account, which the network no longer admits", async () => {
      const f = await load();
      await revoke(f.registry, f.regulators, f.makerOrgId);
      expect(await f.registry.isAllowedOnNetwork(f.maker.address)).to.equal(false);
      await f.registry.connect(f.regulatorA).grantNetworkAccess(f.maker.address, REASON);
      expect(await f.registry.isAllowedOnNetwork(f.maker.address)).to.equal(true);
    });

    it("admits on the network members of organisations not revoked, governance accounts and guests only", async () => {
      const f = await load();
      const device = f.others[0];
      await joinOrganisation(f.registry, f.maker, device, AccountKind.Device);
      await suspend(f.registry, f.regulatorA, f.hospitalOrgId);
      await revoke(f.registry, f.regulators, f.carrierOrgId);
      const allowed = async (account: string) => f.registry.isAllowedOnNetwork(account);
      expect(await allowed(f.governor.address)).to.equal(true);
      expect(await allowed(f.regulatorC.address)).to.equal(true);
      expect(await allowed(f.guardian.address)).to.equal(true);
      expect(await allowed(f.maker.address)).to.equal(true);
      expect(await allowed(device.address)).to.equal(true);
      expect(await allowed(f.applicant.address)).to.equal(true); // registered, not yet admitted
      expect(await allowed(f.hospital.address)).to.equal(true); // suspended
      expect(await allowed(f.carrier.address)).to.equal(false); // revoked
      expect(await allowed(f.others[1].address)).to.equal(false);
      expect(await allowed(ZeroAddress)).to.equal(false);
      await time.increaseTo(f.licenceExpiry);
      expect(await allowed(f.maker.address)).to.equal(true); // expired must still renew and withdraw
    });

    it("refuses the zero address and an empty reason", async () => {
      const f = await load();
      await expect(
        f.registry.connect(f.regulatorA).grantNetworkAccess(ZeroAddress, REASON),
      ).to.be.revertedWithCustomError(f.registry, "AllianceZeroAddress");
      await expect(
        f.registry.connect(f.regulatorA).grantNetworkAccess(f.others[0].address, ZeroHash),
      ).to.be.revertedWithCustomError(f.registry, "AllianceEmptyHash");
      expect(await f.registry.isNetworkGuest(f.others[0].address)).to.equal(false);
      const [guests] = await f.registry.listNetworkGuests(0, 10);
      expect([...guests]).to.deep.equal([]);
    });

    it("refuses an account the network admits anyway, or a current guest, with AllianceAlreadyOnNetwork", async () => {
      const f = await load();
      const device = f.others[1];
      await joinOrganisation(f.registry, f.maker, device, AccountKind.Device);
      await f.registry.connect(f.regulatorA).grantNetworkAccess(f.others[0].address, REASON);
      for (const account of [
        f.others[0].address,
        f.maker.address,
        device.address,
        f.governor.address,
        f.guardian.address,
        f.regulatorB.address,
      ]) {
        await expect(f.registry.connect(f.regulatorA).grantNetworkAccess(account, REASON))
          .to.be.revertedWithCustomError(f.registry, "AllianceAlreadyOnNetwork")
          .withArgs(account);
        expect(await f.registry.isNetworkGuest(account)).to.equal(account === f.others[0].address);
      }
    });

    it("refuses withdrawing from an account that is not a guest with AllianceNotNetworkGuest", async () => {
      const f = await load();
      for (const account of [f.others[0].address, f.maker.address]) {
        await expect(f.registry.connect(f.regulatorA).withdrawNetworkAccess(account))
          .to.be.revertedWithCustomError(f.registry, "AllianceNotNetworkGuest")
          .withArgs(account);
      }
    });

    describe("grantNetworkAccess", () => {
      shouldBeRestrictedTo("regulator", {
        load,
        context: rolesContext,
        send: (f, signer) => f.registry.connect(signer).grantNetworkAccess(f.others[6].address, REASON),
      });
    });

    describe("withdrawNetworkAccess", () => {
      shouldBeRestrictedTo("regulator", {
        load: async () => {
          const f = await load();
          await f.registry.connect(f.regulatorA).grantNetworkAccess(f.others[6].address, REASON);
          return f;
        },
        context: rolesContext,
        send: (f, signer) => f.registry.connect(signer).withdrawNetworkAccess(f.others[6].address),
      });
    });
  });
});
