import { expect } from "chai";
import { ZeroHash } from "ethers";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { AllianceFixture, allianceFixture, rolesContext } from "../helpers/fixtures";
import { shouldBeRestrictedTo } from "../helpers/behaviours";
import {
  REASON,
  expectNoStateChange,
  expectedRevocationId,
  joinOrganisation,
  motionSnapshot,
  organisationSnapshot,
  revoke,
  suspend,
} from "../helpers/registry";
import {
  AccountKind,
  BusinessRole,
  MotionKind,
  MotionStatus,
  OrganisationStatus,
  documentHash,
} from "../../scripts/lib/alliance";
import { DAY, YEAR } from "../../scripts/lib/formation";

const load = () => loadFixture(allianceFixture);

const RENEWED = documentHash("Northwind Masks licence, renewed");
const UNKNOWN_ORG = 99n;

async function inAYear(): Promise<bigint> {
  return BigInt(await time.latest()) + YEAR;
}

describe("AllianceRegistry: standing (suspension, revocation, licences)", () => {
  describe("suspendOrganisation", () => {
    it("suspends an organisation at once: none of its accounts may act, and it stays on the network", async () => {
      const f = await load();
      const operator = f.others[0];
      await joinOrganisation(f.registry, f.maker, operator, AccountKind.Operator);
      await expect(f.registry.connect(f.regulatorA).suspendOrganisation(f.makerOrgId, REASON))
        .to.emit(f.registry, "OrganisationSuspended")
        .withArgs(f.makerOrgId, f.regulatorA.address, REASON);
      expect(await f.registry.organisationStatus(f.makerOrgId)).to.equal(OrganisationStatus.Suspended);
      expect((await f.registry.organisation(f.makerOrgId)).status).to.equal(OrganisationStatus.Suspended);
      expect(await f.registry.isPermitted(f.maker.address, BusinessRole.Manufacturer)).to.equal(false);
      expect(await f.registry.isPermitted(operator.address, BusinessRole.Manufacturer)).to.equal(false);
      expect(await f.registry.isAllowedOnNetwork(f.maker.address)).to.equal(true);
      expect(await f.registry.isAllowedOnNetwork(operator.address)).to.equal(true);
      // Other organisations are unaffected.
      expect(await f.registry.isPermitted(f.hospital.address, BusinessRole.Hospital)).to.equal(true);
    });

    it("suspends an organisation that is only registered", async () => {
      const f = await load();
      await suspend(f.registry, f.regulatorB, f.applicantOrgId);
      expect(await f.registry.organisationStatus(f.applicantOrgId)).to.equal(OrganisationStatus.Suspended);
    });

    it("works while the alliance is paused", async () => {
      const f = await load();
      await f.registry.connect(f.guardian).pause();
      await expect(f.registry.connect(f.regulatorA).suspendOrganisation(f.makerOrgId, REASON)).to.emit(
        f.registry,
        "OrganisationSuspended",
      );
    });

    it("refuses an organisation already suspended, or revoked, with AllianceUnexpectedOrganisationStatus", async () => {
      const f = await load();
      await suspend(f.registry, f.regulatorA, f.makerOrgId);
      await expect(f.registry.connect(f.regulatorB).suspendOrganisation(f.makerOrgId, REASON))
        .to.be.revertedWithCustomError(f.registry, "AllianceUnexpectedOrganisationStatus")
        .withArgs(f.makerOrgId, OrganisationStatus.Suspended);
      await revoke(f.registry, f.regulators, f.carrierOrgId);
      await expect(f.registry.connect(f.regulatorB).suspendOrganisation(f.carrierOrgId, REASON))
        .to.be.revertedWithCustomError(f.registry, "AllianceUnexpectedOrganisationStatus")
        .withArgs(f.carrierOrgId, OrganisationStatus.Revoked);
    });

    it("refuses an unknown organisation with AllianceUnknownOrganisation", async () => {
      const f = await load();
      for (const orgId of [0n, UNKNOWN_ORG]) {
        await expect(f.registry.connect(f.regulatorA).suspendOrganisation(orgId, REASON))
          .to.be.revertedWithCustomError(f.registry, "AllianceUnknownOrganisation")
          .withArgs(orgId);
      }
    });

    it("refuses an empty reason with AllianceEmptyHash and changes nothing", async () => {
      const f = await load();
      await expectNoStateChange(
        () => organisationSnapshot(f.registry, f.makerOrgId),
        async () => {
          await expect(
            f.registry.connect(f.regulatorA).suspendOrganisation(f.makerOrgId, ZeroHash),
          ).to.be.revertedWithCustomError(f.registry, "AllianceEmptyHash");
        },
      );
    });

    shouldBeRestrictedTo("regulator", {
      load,
      context: rolesContext,
      send: (f, signer) => f.registry.connect(signer).suspendOrganisation(f.makerOrgId, REASON),
    });
  });

  describe("reinstateOrganisation", () => {
    it("lifts a suspension: the organisation is Active and may act again", async () => {
      const f = await load();
      await suspend(f.registry, f.regulatorA, f.makerOrgId);
      await expect(f.registry.connect(f.regulatorB).reinstateOrganisation(f.makerOrgId))
        .to.emit(f.registry, "OrganisationReinstated")
        .withArgs(f.makerOrgId, f.regulatorB.address);
      expect(await f.registry.organisationStatus(f.makerOrgId)).to.equal(OrganisationStatus.Active);
      expect(await f.registry.isPermitted(f.maker.address, BusinessRole.Manufacturer)).to.equal(true);
    });

    it("returns a reinstated organisation whose licence expired meanwhile to Expired, not Active", async () => {
      const f = await load();
      await suspend(f.registry, f.regulatorA, f.makerOrgId);
      await time.increaseTo(f.licenceExpiry);
      await f.registry.connect(f.regulatorA).reinstateOrganisation(f.makerOrgId);
      expect(await f.registry.organisationStatus(f.makerOrgId)).to.equal(OrganisationStatus.Expired);
    });

    it("refuses an organisation that is not suspended, or revoked, with AllianceUnexpectedOrganisationStatus", async () => {
      const f = await load();
      await expect(f.registry.connect(f.regulatorA).reinstateOrganisation(f.makerOrgId))
        .to.be.revertedWithCustomError(f.registry, "AllianceUnexpectedOrganisationStatus")
        .withArgs(f.makerOrgId, OrganisationStatus.Active);
      await expect(f.registry.connect(f.regulatorA).reinstateOrganisation(f.applicantOrgId))
        .to.be.revertedWithCustomError(f.registry, "AllianceUnexpectedOrganisationStatus")
        .withArgs(f.applicantOrgId, OrganisationStatus.Registered);
      // Suspended, then revoked: revocation is final, no reinstatement.
      await suspend(f.registry, f.regulatorA, f.carrierOrgId);
      await revoke(f.registry, f.regulators, f.carrierOrgId);
      await expectNoStateChange(
        () => organisationSnapshot(f.registry, f.carrierOrgId),
        async () => {
          await expect(f.registry.connect(f.regulatorA).reinstateOrganisation(f.carrierOrgId))
            .to.be.revertedWithCustomError(f.registry, "AllianceUnexpectedOrganisationStatus")
            .withArgs(f.carrierOrgId, OrganisationStatus.Revoked);
        },
      );
    });

    it("refuses an unknown organisation with AllianceUnknownOrganisation", async () => {
      const f = await load();
      await expect(f.registry.connect(f.regulatorA).reinstateOrganisation(UNKNOWN_ORG))
        .to.be.revertedWithCustomError(f.registry, "AllianceUnknownOrganisation")
        .withArgs(UNKNOWN_ORG);
    });

    shouldBeRestrictedTo("regulator", {
      load: async () => {
        const f = await load();
        await suspend(f.registry, f.regulatorA, f.makerOrgId);
        return f;
      },
      context: rolesContext,
      send: (f, signer) => f.registry.connect(signer).reinstateOrganisation(f.makerOrgId),
    });
  });

  describe("approveRevocation", () => {
    it("opens the revocation motion with a first approval and returns false", async () => {
      const f = await load();
      const motionId = expectedRevocationId(f.makerOrgId);
      expect(await f.registry.revocationId(f.makerOrgId)).to.equal(motionId);
      expect(await f.registry.connect(f.regulatorA).approveRevocation.staticCall(f.makerOrgId, REASON)).to.equal(false);
      await expect(f.registry.connect(f.regulatorA).approveRevocation(f.makerOrgId, REASON))
        .to.emit(f.registry, "MotionApproved")
        .withArgs(motionId, f.regulatorA.address, 1, 2)
        .and.not.to.emit(f.registry, "OrganisationRevoked");
      expect(await motionSnapshot(f.registry, motionId)).to.deep.equal({
        kind: BigInt(MotionKind.Revocation),
        status: BigInt(MotionStatus.Pending),
        orgId: f.makerOrgId,
        role: BigInt(BusinessRole.None),
        createdAt: BigInt(await time.latest()),
        approvals: 1n,
        quorum: 2n,
      });
      expect(await f.registry.organisationStatus(f.makerOrgId)).to.equal(OrganisationStatus.Active);
    });

    it("revokes the organisation for good at the quorum and returns true", async () => {
      const f = await load();
      const motionId = expectedRevocationId(f.makerOrgId);
      const opened = await (await f.registry.connect(f.regulatorA).approveRevocation(f.makerOrgId, REASON)).getBlock();
      await time.increase(DAY);
      expect(await f.registry.connect(f.regulatorC).approveRevocation.staticCall(f.makerOrgId, REASON)).to.equal(true);
      await expect(f.registry.connect(f.regulatorC).approveRevocation(f.makerOrgId, REASON))
        .to.emit(f.registry, "MotionApproved")
        .withArgs(motionId, f.regulatorC.address, 2, 2)
        .and.to.emit(f.registry, "OrganisationRevoked")
        .withArgs(f.makerOrgId, motionId);
      const m = await f.registry.motion(motionId);
      expect([m.status, m.createdAt]).to.deep.equal([BigInt(MotionStatus.Executed), BigInt(opened!.timestamp)]);
      expect(await f.registry.organisationStatus(f.makerOrgId)).to.equal(OrganisationStatus.Revoked);
      expect(await f.registry.isPermitted(f.maker.address, BusinessRole.Manufacturer)).to.equal(false);
      expect(await f.registry.isAllowedOnNetwork(f.maker.address)).to.equal(false);
    });

    it("revokes a suspended organisation", async () => {
      const f = await load();
      await suspend(f.registry, f.regulatorA, f.makerOrgId);
      await revoke(f.registry, f.regulators, f.makerOrgId);
      expect(await f.registry.organisationStatus(f.makerOrgId)).to.equal(OrganisationStatus.Revoked);
    });

    it("refuses a revoked organisation with AllianceUnexpectedOrganisationStatus", async () => {
      const f = await load();
      await revoke(f.registry, f.regulators, f.makerOrgId);
      await expect(f.registry.connect(f.regulatorC).approveRevocation(f.makerOrgId, REASON))
        .to.be.revertedWithCustomError(f.registry, "AllianceUnexpectedOrganisationStatus")
        .withArgs(f.makerOrgId, OrganisationStatus.Revoked);
    });

    it("refuses the same regulator twice below the quorum with AllianceAlreadyApproved", async () => {
      const f = await load();
      const motionId = expectedRevocationId(f.makerOrgId);
      await f.registry.connect(f.regulatorA).approveRevocation(f.makerOrgId, REASON);
      await expectNoStateChange(
        () => motionSnapshot(f.registry, motionId),
        async () => {
          await expect(f.registry.connect(f.regulatorA).approveRevocation(f.makerOrgId, REASON))
            .to.be.revertedWithCustomError(f.registry, "AllianceAlreadyApproved")
            .withArgs(motionId, f.regulatorA.address);
        },
      );
    });

    it("revokes when the quorum is lowered and the regulator who already approved calls again", async () => {
      const f = await load();
      await f.registry.connect(f.regulatorA).approveRevocation(f.makerOrgId, REASON);
      await f.registry.connect(f.governor).setQuorum(1);
      expect(await f.registry.connect(f.regulatorA).approveRevocation.staticCall(f.makerOrgId, REASON)).to.equal(true);
      await expect(f.registry.connect(f.regulatorA).approveRevocation(f.makerOrgId, REASON))
        .to.emit(f.registry, "OrganisationRevoked")
        .withArgs(f.makerOrgId, expectedRevocationId(f.makerOrgId));
    });

    it("refuses an unknown organisation with AllianceUnknownOrganisation and opens no motion", async () => {
      const f = await load();
      await expect(f.registry.connect(f.regulatorA).approveRevocation(UNKNOWN_ORG, REASON))
        .to.be.revertedWithCustomError(f.registry, "AllianceUnknownOrganisation")
        .withArgs(UNKNOWN_ORG);
      expect((await f.registry.motion(expectedRevocationId(UNKNOWN_ORG))).status).to.equal(MotionStatus.None);
    });

    it("refuses an empty reason with AllianceEmptyHash and opens no motion", async () => {
      const f = await load();
      const motionId = expectedRevocationId(f.makerOrgId);
      await expectNoStateChange(
        () => motionSnapshot(f.registry, motionId),
        async () => {
          await expect(
            f.registry.connect(f.regulatorA).approveRevocation(f.makerOrgId, ZeroHash),
          ).to.be.revertedWithCustomError(f.registry, "AllianceEmptyHash");
        },
      );
      expect((await f.registry.motion(motionId)).status).to.equal(MotionStatus.None);
    });

    shouldBeRestrictedTo("regulator", {
      load,
      context: rolesContext,
      send: (f, signer) => f.registry.connect(signer).approveRevocation(f.makerOrgId, REASON),
    });

    it("leaves a revoked organisation's admin only what needs no standing", async () => {
      const f = await load();
      const operator = f.others[0];
      await joinOrganisation(f.registry, f.maker, operator, AccountKind.Operator);
      await revoke(f.registry, f.regulators, f.makerOrgId);
      const maker = f.registry.connect(f.maker);
      const revoked = (tx: Promise<unknown>) =>
        expect(tx)
          .to.be.revertedWithCustomError(f.registry, "AllianceUnexpectedOrganisationStatus")
          .withArgs(f.makerOrgId, OrganisationStatus.Revoked);
      await revoked(maker.proposeLicenceRenewal(RENEWED, "", await inAYear()));
      await revoked(maker.registerSite(9520000000019n, "Depot"));
      await revoked(maker.inviteAccount(f.others[1].address, AccountKind.Operator));
      await revoked(maker.applyForRole(BusinessRole.Distributor, []));
      // Housekeeping needs no standing: the admin may still remove its accounts.
      await expect(maker.removeAccount(operator.address))
        .to.emit(f.registry, "AccountRemoved")
        .withArgs(f.makerOrgId, operator.address);
    });
  });

  describe("licences", () => {
    describe("proposeLicenceRenewal", () => {
      it("records the proposal without changing the current licence", async () => {
        const f = await load();
        const expiry = await inAYear();
        await expect(f.registry.connect(f.maker).proposeLicenceRenewal(RENEWED, "ipfs://renewed", expiry))
          .to.emit(f.registry, "LicenceRenewalProposed")
          .withArgs(f.makerOrgId, RENEWED, "ipfs://renewed", expiry);
        expect([...(await f.registry.pendingLicenceRenewal(f.makerOrgId))]).to.deep.equal([RENEWED, expiry]);
        const org = await f.registry.organisation(f.makerOrgId);
        expect([org.licenceHash, org.licenceExpiry]).to.deep.equal([
          documentHash("Northwind Masks business licence"),
          f.licenceExpiry,
        ]);
      });

      it("replaces an earlier proposal", async () => {
        const f = await load();
        const expiry = await inAYear();
        const other = documentHash("a corrected licence");
        await f.registry.connect(f.maker).proposeLicenceRenewal(RENEWED, "", expiry);
        await f.registry.connect(f.maker).proposeLicenceRenewal(other, "", expiry + DAY);
        expect([...(await f.registry.pendingLicenceRenewal(f.makerOrgId))]).to.deep.equal([other, expiry + DAY]);
        await expect(f.registry.connect(f.regulatorA).approveLicenceRenewal(f.makerOrgId, RENEWED))
          .to.be.revertedWithCustomError(f.registry, "AllianceNoPendingRenewal")
          .withArgs(f.makerOrgId, RENEWED);
      });

      it("works when the organisation is suspended or its licence has expired", async () => {
        const f = await load();
        await suspend(f.registry, f.regulatorA, f.makerOrgId);
        await time.increaseTo(f.licenceExpiry);
        await expect(f.registry.connect(f.maker).proposeLicenceRenewal(RENEWED, "", await inAYear())).to.emit(
          f.registry,
          "LicenceRenewalProposed",
        );
      });

      shouldBeRestrictedTo("organisation admin", {
        load,
        context: rolesContext,
        send: async (f, signer) =>
          f.registry.connect(signer).proposeLicenceRenewal(RENEWED, "", f.licenceExpiry + YEAR),
      });

      it("refuses an empty hash, or an expiry not in the future, and changes nothing", async () => {
        const f = await load();
        const state = () => organisationSnapshot(f.registry, f.makerOrgId);
        await expectNoStateChange(state, async () => {
          await expect(
            f.registry.connect(f.maker).proposeLicenceRenewal(ZeroHash, "", await inAYear()),
          ).to.be.revertedWithCustomError(f.registry, "AllianceEmptyHash");
          const now = BigInt(await time.latest()) + 5n;
          await time.setNextBlockTimestamp(now);
          await expect(f.registry.connect(f.maker).proposeLicenceRenewal(RENEWED, "", now))
            .to.be.revertedWithCustomError(f.registry, "AllianceExpiryInPast")
            .withArgs(now, now);
        });
      });
    });

    describe("approveLicenceRenewal", () => {
      it("makes the proposed licence current and clears the proposal", async () => {
        const f = await load();
        const expiry = await inAYear();
        await f.registry.connect(f.maker).proposeLicenceRenewal(RENEWED, "", expiry);
        await expect(f.registry.connect(f.regulatorB).approveLicenceRenewal(f.makerOrgId, RENEWED))
          .to.emit(f.registry, "LicenceRenewed")
          .withArgs(f.makerOrgId, f.regulatorB.address, RENEWED, expiry);
        const org = await f.registry.organisation(f.makerOrgId);
        expect([org.licenceHash, org.licenceExpiry, org.status]).to.deep.equal([
          RENEWED,
          expiry,
          BigInt(OrganisationStatus.Active),
        ]);
        expect([...(await f.registry.pendingLicenceRenewal(f.makerOrgId))]).to.deep.equal([ZeroHash, 0n]);
        await expect(f.registry.connect(f.regulatorB).approveLicenceRenewal(f.makerOrgId, RENEWED))
          .to.be.revertedWithCustomError(f.registry, "AllianceNoPendingRenewal")
          .withArgs(f.makerOrgId, RENEWED);
      });

      it("past expiry the organisation is Expired with no transaction; a renewal restores it", async () => {
        const f = await load();
        expect(await f.registry.organisationStatus(f.makerOrgId)).to.equal(OrganisationStatus.Active);
        await time.increaseTo(f.licenceExpiry);
        expect(await f.registry.organisationStatus(f.makerOrgId)).to.equal(OrganisationStatus.Expired);
        expect(await f.registry.isPermitted(f.maker.address, BusinessRole.Manufacturer)).to.equal(false);
        expect(await f.registry.isAllowedOnNetwork(f.maker.address)).to.equal(true);

        const expiry = await inAYear();
        await f.registry.connect(f.maker).proposeLicenceRenewal(RENEWED, "", expiry);
        await f.registry.connect(f.regulatorA).approveLicenceRenewal(f.makerOrgId, RENEWED);
        expect(await f.registry.organisationStatus(f.makerOrgId)).to.equal(OrganisationStatus.Active);
        expect(await f.registry.isPermitted(f.maker.address, BusinessRole.Manufacturer)).to.equal(true);
      });

      it("works while the organisation is suspended, which it stays", async () => {
        const f = await load();
        const expiry = await inAYear();
        await suspend(f.registry, f.regulatorA, f.makerOrgId);
        await f.registry.connect(f.maker).proposeLicenceRenewal(RENEWED, "", expiry);
        await expect(f.registry.connect(f.regulatorB).approveLicenceRenewal(f.makerOrgId, RENEWED))
          .to.emit(f.registry, "LicenceRenewed")
          .withArgs(f.makerOrgId, f.regulatorB.address, RENEWED, expiry);
        const org = await f.registry.organisation(f.makerOrgId);
        expect([org.licenceExpiry, org.status]).to.deep.equal([expiry, BigInt(OrganisationStatus.Suspended)]);
      });

      it("works while the alliance is paused", async () => {
        const f = await load();
        await f.registry.connect(f.maker).proposeLicenceRenewal(RENEWED, "", await inAYear());
        await f.registry.connect(f.guardian).pause();
        await expect(f.registry.connect(f.regulatorB).approveLicenceRenewal(f.makerOrgId, RENEWED)).to.emit(
          f.registry,
          "LicenceRenewed",
        );
      });

      it("refuses when nothing, or another hash, is pending with AllianceNoPendingRenewal", async () => {
        const f = await load();
        await expect(f.registry.connect(f.regulatorA).approveLicenceRenewal(f.makerOrgId, RENEWED))
          .to.be.revertedWithCustomError(f.registry, "AllianceNoPendingRenewal")
          .withArgs(f.makerOrgId, RENEWED);
        await expect(f.registry.connect(f.regulatorA).approveLicenceRenewal(UNKNOWN_ORG, RENEWED))
          .to.be.revertedWithCustomError(f.registry, "AllianceNoPendingRenewal")
          .withArgs(UNKNOWN_ORG, RENEWED);
        await f.registry.connect(f.maker).proposeLicenceRenewal(RENEWED, "", await inAYear());
        const wrong = documentHash("not the proposed licence");
        await expectNoStateChange(
          () => organisationSnapshot(f.registry, f.makerOrgId),
          async () => {
            await expect(f.registry.connect(f.regulatorA).approveLicenceRenewal(f.makerOrgId, wrong))
              .to.be.revertedWithCustomError(f.registry, "AllianceNoPendingRenewal")
              .withArgs(f.makerOrgId, wrong);
            await expect(f.registry.connect(f.regulatorA).approveLicenceRenewal(f.makerOrgId, ZeroHash))
              .to.be.revertedWithCustomError(f.registry, "AllianceNoPendingRenewal")
              .withArgs(f.makerOrgId, ZeroHash);
          },
        );
      });

      it("refuses a proposal whose expiry has passed meanwhile with AllianceExpiryInPast", async () => {
        const f = await load();
        const expiry = BigInt(await time.latest()) + DAY;
        await f.registry.connect(f.maker).proposeLicenceRenewal(RENEWED, "", expiry);
        await time.setNextBlockTimestamp(expiry);
        await expect(f.registry.connect(f.regulatorA).approveLicenceRenewal(f.makerOrgId, RENEWED))
          .to.be.revertedWithCustomError(f.registry, "AllianceExpiryInPast")
          .withArgs(expiry, expiry);
        expect([...(await f.registry.pendingLicenceRenewal(f.makerOrgId))]).to.deep.equal([RENEWED, expiry]);
      });

      it("refuses an organisation revoked after proposing with AllianceUnexpectedOrganisationStatus", async () => {
        const f = await load();
        await f.registry.connect(f.maker).proposeLicenceRenewal(RENEWED, "", await inAYear());
        await revoke(f.registry, f.regulators, f.makerOrgId);
        await expect(f.registry.connect(f.regulatorA).approveLicenceRenewal(f.makerOrgId, RENEWED))
          .to.be.revertedWithCustomError(f.registry, "AllianceUnexpectedOrganisationStatus")
          .withArgs(f.makerOrgId, OrganisationStatus.Revoked);
      });

      shouldBeRestrictedTo("regulator", {
        load: async () => {
          const f = await load();
          await f.registry.connect(f.maker).proposeLicenceRenewal(RENEWED, "", f.licenceExpiry + YEAR);
          return f;
        },
        context: rolesContext,
        send: (f, signer) => f.registry.connect(signer).approveLicenceRenewal(f.makerOrgId, RENEWED),
      });
    });
  });
});
