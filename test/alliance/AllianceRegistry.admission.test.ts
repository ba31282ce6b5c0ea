import { expect } from "chai";
import { ZeroHash } from "ethers";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { AllianceFixture, PREFIX_MAKER, PREFIX_MAKER_2, allianceFixture, rolesContext } from "../helpers/fixtures";
import { shouldBeRestrictedTo } from "../helpers/behaviours";
import {
  REASON,
  expectNoStateChange,
  expectedApplicationId,
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
  roleMask,
} from "../../scripts/lib/alliance";
import { companyPrefix } from "../../scripts/lib/gs1";
import { YEAR } from "../../scripts/lib/formation";

const load = () => loadFixture(allianceFixture);

const LICENCE = documentHash("Fresh Clinic business licence");
const PREFIX_3 = companyPrefix("7771234");
const NEW_ORG_ID = 5n; // the fixture registers four organisations

/** Sends `registerOrganisation` from `signer` with sensible defaults. */
function register(
  f: AllianceFixture,
  signer: HardhatEthersSigner,
  over: Partial<{ hash: string; expiry: bigint; role: BusinessRole; prefixes: bigint[] }> = {},
) {
  return f.registry
    .connect(signer)
    .registerOrganisation(
      over.hash ?? LICENCE,
      "ipfs://licences/fresh-clinic",
      over.expiry ?? f.licenceExpiry,
      "Fresh Clinic",
      over.role ?? BusinessRole.Hospital,
      over.prefixes ?? [],
    );
}

/** What a refused registration must leave untouched. */
function registrationState(f: AllianceFixture, signer: HardhatEthersSigner, prefixes: bigint[] = []) {
  return async () => ({
    count: await f.registry.organisationCount(),
    membership: [...(await f.registry.membershipOf(signer.address))],
    owners: await Promise.all(prefixes.map((p) => f.registry.companyPrefixOwner(p))),
    unknownStatus: await f.registry.organisationStatus(NEW_ORG_ID),
  });
}

/** What a refused application must leave untouched. */
function applicationState(f: AllianceFixture, orgId: bigint, prefixes: bigint[] = []) {
  return async () => ({
    org: await organisationSnapshot(f.registry, orgId),
    owners: await Promise.all(prefixes.map((p) => f.registry.companyPrefixOwner(p))),
  });
}

describe("AllianceRegistry: admission", () => {
  describe("registerOrganisation", () => {
    it("returns the new organisation's id and its application id", async () => {
      const f = await load();
      const applicant = f.others[0];
      const prefixes = [PREFIX_3];
      const expectedId = expectedApplicationId(NEW_ORG_ID, BusinessRole.Supplier, 0, prefixes);
      const result = await f.registry
        .connect(applicant)
        .registerOrganisation.staticCall(
          LICENCE,
          "ipfs://x",
          f.licenceExpiry,
          "Fresh",
          BusinessRole.Supplier,
          prefixes,
        );
      expect([...result]).to.deep.equal([NEW_ORG_ID, expectedId]);
      expect(await f.registry.applicationId(NEW_ORG_ID, BusinessRole.Supplier, 0, prefixes)).to.equal(expectedId);
    });

    it("emits OrganisationRegistered and ApplicationSubmitted and records a Registered organisation", async () => {
      const f = await load();
      const applicant = f.others[0];
      const prefixes = [PREFIX_3];
      const expectedId = expectedApplicationId(NEW_ORG_ID, BusinessRole.Supplier, 0, prefixes);
      const tx = register(f, applicant, { role: BusinessRole.Supplier, prefixes });
      await expect(tx)
        .to.emit(f.registry, "OrganisationRegistered")
        .withArgs(
          NEW_ORG_ID,
          applicant.address,
          "Fresh Clinic",
          LICENCE,
          "ipfs://licences/fresh-clinic",
          f.licenceExpiry,
        )
        .and.to.emit(f.registry, "ApplicationSubmitted")
        .withArgs(expectedId, NEW_ORG_ID, BusinessRole.Supplier, 0, prefixes);
      const submittedAt = await time.latest();

      expect(await f.registry.organisationCount()).to.equal(NEW_ORG_ID);
      expect(await organisationSnapshot(f.registry, NEW_ORG_ID)).to.deep.equal({
        admin: applicant.address,
        licenceHash: LICENCE,
        licenceExpiry: f.licenceExpiry,
        roles: 0n,
        status: BigInt(OrganisationStatus.Registered),
        siteCount: 0n,
        accountCount: 0n,
        accounts: [],
        sites: [],
        renewal: [ZeroHash, 0n],
      });
      expect([...(await f.registry.membershipOf(applicant.address))]).to.deep.equal([
        NEW_ORG_ID,
        BigInt(AccountKind.Admin),
      ]);
      expect(await motionSnapshot(f.registry, expectedId)).to.deep.equal({
        kind: BigInt(MotionKind.Application),
        status: BigInt(MotionStatus.Pending),
        orgId: NEW_ORG_ID,
        role: BigInt(BusinessRole.Supplier),
        createdAt: BigInt(submittedAt),
        approvals: 0n,
        quorum: 2n,
      });
      // Prefixes are granted with the role, not on application.
      expect(await f.registry.companyPrefixOwner(PREFIX_3)).to.equal(0n);
      expect(await f.registry.isPermitted(applicant.address, BusinessRole.Supplier)).to.equal(false);
    });

    it("accepts the maximum of eight company prefixes", async () => {
      const f = await load();
      const prefixes = Array.from({ length: 8 }, (_, i) => companyPrefix(`77700${i}`));
      const id = expectedApplicationId(NEW_ORG_ID, BusinessRole.Manufacturer, 0, prefixes);
      await expect(register(f, f.others[0], { role: BusinessRole.Manufacturer, prefixes }))
        .to.emit(f.registry, "ApplicationSubmitted")
        .withArgs(id, NEW_ORG_ID, BusinessRole.Manufacturer, 0, prefixes);
    });

    it("lets a role other than a maker apply without a company prefix", async () => {
      const f = await load();
      for (const [i, role] of [
        BusinessRole.Logistics,
        BusinessRole.Distributor,
        BusinessRole.Retailer,
        BusinessRole.Agency,
      ].entries()) {
        const id = expectedApplicationId(NEW_ORG_ID + BigInt(i), role, 0, []);
        await expect(register(f, f.others[i], { role }))
          .to.emit(f.registry, "ApplicationSubmitted")
          .withArgs(id, NEW_ORG_ID + BigInt(i), role, 0, []);
      }
    });

    it("accepts a prefix that another pending application also claims: ownership is settled at admission", async () => {
      const f = await load();
      await expect(register(f, f.others[0], { role: BusinessRole.Supplier, prefixes: [PREFIX_MAKER_2] })).to.emit(
        f.registry,
        "ApplicationSubmitted",
      );
      expect(await f.registry.companyPrefixOwner(PREFIX_MAKER_2)).to.equal(0n);
    });

    it("refuses while the alliance is paused with EnforcedPause and changes nothing", async () => {
      const f = await load();
      await f.registry.connect(f.guardian).pause();
      await expectNoStateChange(registrationState(f, f.others[0]), async () => {
        await expect(register(f, f.others[0])).to.be.revertedWithCustomError(f.registry, "EnforcedPause");
      });
    });

    it("refuses a regulator's account with AllianceRegulatorAccount and changes nothing", async () => {
      const f = await load();
      await expectNoStateChange(registrationState(f, f.regulatorA), async () => {
        await expect(register(f, f.regulatorA))
          .to.be.revertedWithCustomError(f.registry, "AllianceRegulatorAccount")
          .withArgs(f.regulatorA.address);
      });
    });

    it("refuses an organisation's admin, operator or device with AllianceAccountTaken and changes nothing", async () => {
      const f = await load();
      const [operator, device] = f.others;
      await joinOrganisation(f.registry, f.maker, operator, AccountKind.Operator);
      await joinOrganisation(f.registry, f.maker, device, AccountKind.Device);
      for (const account of [f.maker, operator, device, f.applicant]) {
        const [orgId] = await f.registry.membershipOf(account.address);
        await expectNoStateChange(registrationState(f, account), async () => {
          await expect(register(f, account))
            .to.be.revertedWithCustomError(f.registry, "AllianceAccountTaken")
            .withArgs(account.address, orgId);
        });
      }
    });

    it("refuses an empty licence hash with AllianceEmptyHash and changes nothing", async () => {
      const f = await load();
      await expectNoStateChange(registrationState(f, f.others[0]), async () => {
        await expect(register(f, f.others[0], { hash: ZeroHash })).to.be.revertedWithCustomError(
          f.registry,
          "AllianceEmptyHash",
        );
      });
    });

    it("refuses a licence expiring now or earlier with AllianceExpiryInPast and changes nothing", async () => {
      const f = await load();
      for (const before of [0n, 1n, 1_000_000n]) {
        const now = BigInt(await time.latest()) + 10n;
        const expiry = now - before;
        await expectNoStateChange(registrationState(f, f.others[0]), async () => {
          await time.setNextBlockTimestamp(now);
          await expect(register(f, f.others[0], { expiry }))
            .to.be.revertedWithCustomError(f.registry, "AllianceExpiryInPast")
            .withArgs(expiry, now);
        });
      }
    });

    it("refuses BusinessRole.None with AllianceInvalidRole and changes nothing", async () => {
      const f = await load();
      await expectNoStateChange(registrationState(f, f.others[0]), async () => {
        await expect(register(f, f.others[0], { role: BusinessRole.None }))
          .to.be.revertedWithCustomError(f.registry, "AllianceInvalidRole")
          .withArgs(BusinessRole.None);
      });
    });

    it("refuses a company prefix of 5 or 13 digits, or without its leading 1, with AllianceInvalidCompanyPrefix", async () => {
      const f = await load();
      for (const bad of [112345n, 10n ** 13n + 1234n, 2614141n, 0n]) {
        const prefixes = [PREFIX_3, bad];
        await expectNoStateChange(registrationState(f, f.others[0], prefixes), async () => {
          await expect(register(f, f.others[0], { role: BusinessRole.Supplier, prefixes }))
            .to.be.revertedWithCustomError(f.registry, "AllianceInvalidCompanyPrefix")
            .withArgs(bad);
        });
      }
    });

    it("refuses nine company prefixes with AllianceTooManyPrefixes and changes nothing", async () => {
      const f = await load();
      const prefixes = Array.from({ length: 9 }, (_, i) => companyPrefix(`77700${i}`));
      await expectNoStateChange(registrationState(f, f.others[0], prefixes), async () => {
        await expect(register(f, f.others[0], { role: BusinessRole.Supplier, prefixes }))
          .to.be.revertedWithCustomError(f.registry, "AllianceTooManyPrefixes")
          .withArgs(9, 8);
      });
    });

    it("refuses a maker (supplier or manufacturer) without a company prefix with AllianceMissingCompanyPrefix", async () => {
      const f = await load();
      for (const role of [BusinessRole.Supplier, BusinessRole.Manufacturer]) {
        await expectNoStateChange(registrationState(f, f.others[0]), async () => {
          await expect(register(f, f.others[0], { role, prefixes: [] }))
            .to.be.revertedWithCustomError(f.registry, "AllianceMissingCompanyPrefix")
            .withArgs(role);
        });
      }
    });

    it("refuses another organisation's company prefix with AlliancePrefixTaken and changes nothing", async () => {
      const f = await load();
      const prefixes = [PREFIX_3, PREFIX_MAKER];
      await expectNoStateChange(registrationState(f, f.others[0], prefixes), async () => {
        await expect(register(f, f.others[0], { role: BusinessRole.Manufacturer, prefixes }))
          .to.be.revertedWithCustomError(f.registry, "AlliancePrefixTaken")
          .withArgs(PREFIX_MAKER, f.makerOrgId);
      });
    });
  });

  describe("applyForRole", () => {
    it("lets an Active organisation apply for a further role, numbering its applications", async () => {
      const f = await load();
      const expectedId = expectedApplicationId(f.makerOrgId, BusinessRole.Distributor, 1, []);
      expect(await f.registry.connect(f.maker).applyForRole.staticCall(BusinessRole.Distributor, [])).to.equal(
        expectedId,
      );
      await expect(f.registry.connect(f.maker).applyForRole(BusinessRole.Distributor, []))
        .to.emit(f.registry, "ApplicationSubmitted")
        .withArgs(expectedId, f.makerOrgId, BusinessRole.Distributor, 1, []);
      const m = await f.registry.motion(expectedId);
      expect([m.kind, m.status, m.orgId, m.role]).to.deep.equal([
        BigInt(MotionKind.Application),
        BigInt(MotionStatus.Pending),
        f.makerOrgId,
        BigInt(BusinessRole.Distributor),
      ]);
      const org = await f.registry.organisation(f.makerOrgId);
      expect(org.roles).to.equal(roleMask(BusinessRole.Manufacturer));

      const nextId = expectedApplicationId(f.makerOrgId, BusinessRole.Retailer, 2, []);
      await expect(f.registry.connect(f.maker).applyForRole(BusinessRole.Retailer, []))
        .to.emit(f.registry, "ApplicationSubmitted")
        .withArgs(nextId, f.makerOrgId, BusinessRole.Retailer, 2, []);
    });

    it("lets a Registered organisation apply for a second role while its first application is pending", async () => {
      const f = await load();
      const id = expectedApplicationId(f.applicantOrgId, BusinessRole.Retailer, 1, []);
      await expect(f.registry.connect(f.applicant).applyForRole(BusinessRole.Retailer, []))
        .to.emit(f.registry, "ApplicationSubmitted")
        .withArgs(id, f.applicantOrgId, BusinessRole.Retailer, 1, []);
    });

    it("lets an organisation list a prefix it already owns, and admits it", async () => {
      const f = await load();
      const prefixes = [PREFIX_MAKER, PREFIX_3];
      const id = await f.registry.connect(f.maker).applyForRole.staticCall(BusinessRole.Supplier, prefixes);
      await f.registry.connect(f.maker).applyForRole(BusinessRole.Supplier, prefixes);
      await f.registry.connect(f.regulatorA).approveApplication(id, prefixes);
      await expect(f.registry.connect(f.regulatorB).approveApplication(id, prefixes))
        .to.emit(f.registry, "RoleAdmitted")
        .withArgs(f.makerOrgId, BusinessRole.Supplier, id);
      expect(await f.registry.companyPrefixOwner(PREFIX_MAKER)).to.equal(f.makerOrgId);
      expect(await f.registry.companyPrefixOwner(PREFIX_3)).to.equal(f.makerOrgId);
      expect((await f.registry.organisation(f.makerOrgId)).roles).to.equal(
        roleMask(BusinessRole.Supplier, BusinessRole.Manufacturer),
      );
    });

    shouldBeRestrictedTo("organisation admin", {
      load,
      context: rolesContext,
      send: (f, signer) => f.registry.connect(signer).applyForRole(BusinessRole.Distributor, []),
    });

    it("refuses a role the organisation already holds with AllianceRoleAlreadyAdmitted", async () => {
      const f = await load();
      await expectNoStateChange(applicationState(f, f.makerOrgId), async () => {
        await expect(f.registry.connect(f.maker).applyForRole(BusinessRole.Manufacturer, [PREFIX_3]))
          .to.be.revertedWithCustomError(f.registry, "AllianceRoleAlreadyAdmitted")
          .withArgs(f.makerOrgId, BusinessRole.Manufacturer);
      });
    });

    it("refuses a suspended organisation with AllianceUnexpectedOrganisationStatus", async () => {
      const f = await load();
      await suspend(f.registry, f.regulatorA, f.makerOrgId);
      await expectNoStateChange(applicationState(f, f.makerOrgId), async () => {
        await expect(f.registry.connect(f.maker).applyForRole(BusinessRole.Distributor, []))
          .to.be.revertedWithCustomError(f.registry, "AllianceUnexpectedOrganisationStatus")
          .withArgs(f.makerOrgId, OrganisationStatus.Suspended);
      });
    });

    it("refuses a revoked organisation with AllianceUnexpectedOrganisationStatus", async () => {
      const f = await load();
      await revoke(f.registry, f.regulators, f.makerOrgId);
      await expect(f.registry.connect(f.maker).applyForRole(BusinessRole.Distributor, []))
        .to.be.revertedWithCustomError(f.registry, "AllianceUnexpectedOrganisationStatus")
        .withArgs(f.makerOrgId, OrganisationStatus.Revoked);
    });

    it("refuses an organisation whose licence has expired with AllianceUnexpectedOrganisationStatus", async () => {
      const f = await load();
      await time.increaseTo(f.licenceExpiry);
      await expect(f.registry.connect(f.maker).applyForRole(BusinessRole.Distributor, []))
        .to.be.revertedWithCustomError(f.registry, "AllianceUnexpectedOrganisationStatus")
        .withArgs(f.makerOrgId, OrganisationStatus.Expired);
    });

    it("refuses while the alliance is paused with EnforcedPause", async () => {
      const f = await load();
      await f.registry.connect(f.guardian).pause();
      await expectNoStateChange(applicationState(f, f.makerOrgId), async () => {
        await expect(
          f.registry.connect(f.maker).applyForRole(BusinessRole.Distributor, []),
        ).to.be.revertedWithCustomError(f.registry, "EnforcedPause");
      });
    });

    it("checks roles and prefixes as registration does", async () => {
      const f = await load();
      const maker = f.registry.connect(f.maker);
      await f.registry.connect(f.regulatorA).approveApplication(f.pendingApplicationId, [PREFIX_MAKER_2]);
      await f.registry.connect(f.regulatorB).approveApplication(f.pendingApplicationId, [PREFIX_MAKER_2]);
      await expectNoStateChange(applicationState(f, f.makerOrgId, [PREFIX_3, PREFIX_MAKER_2]), async () => {
        await expect(maker.applyForRole(BusinessRole.None, []))
          .to.be.revertedWithCustomError(f.registry, "AllianceInvalidRole")
          .withArgs(BusinessRole.None);
        await expect(maker.applyForRole(BusinessRole.Supplier, []))
          .to.be.revertedWithCustomError(f.registry, "AllianceMissingCompanyPrefix")
          .withArgs(BusinessRole.Supplier);
        await expect(maker.applyForRole(BusinessRole.Supplier, [123n]))
          .to.be.revertedWithCustomError(f.registry, "AllianceInvalidCompanyPrefix")
          .withArgs(123n);
        const nine = Array.from({ length: 9 }, () => PREFIX_3);
        await expect(maker.applyForRole(BusinessRole.Supplier, nine))
          .to.be.revertedWithCustomError(f.registry, "AllianceTooManyPrefixes")
          .withArgs(9, 8);
        await expect(maker.applyForRole(BusinessRole.Supplier, [PREFIX_3, PREFIX_MAKER_2]))
          .to.be.revertedWithCustomError(f.registry, "AlliancePrefixTaken")
          .withArgs(PREFIX_MAKER_2, f.applicantOrgId);
      });
    });
  });

  describe("withdrawApplication", () => {
    it("lets the applicant's admin withdraw its pending application", async () => {
      const f = await load();
      await expect(f.registry.connect(f.applicant).withdrawApplication(f.pendingApplicationId))
        .to.emit(f.registry, "ApplicationWithdrawn")
        .withArgs(f.pendingApplicationId);
      expect((await f.registry.motion(f.pendingApplicationId)).status).to.equal(MotionStatus.Withdrawn);
      await expect(f.registry.connect(f.regulatorA).approveApplication(f.pendingApplicationId, [PREFIX_MAKER_2]))
        .to.be.revertedWithCustomError(f.registry, "AllianceUnexpectedMotion")
        .withArgs(f.pendingApplicationId, MotionKind.Application, MotionStatus.Withdrawn);
    });

    it("lets the organisation apply again afterwards with the next application number", async () => {
      const f = await load();
      await f.registry.connect(f.applicant).withdrawApplication(f.pendingApplicationId);
      const id = expectedApplicationId(f.applicantOrgId, BusinessRole.Supplier, 1, [PREFIX_MAKER_2]);
      expect(id).not.to.equal(f.pendingApplicationId);
      await expect(f.registry.connect(f.applicant).applyForRole(BusinessRole.Supplier, [PREFIX_MAKER_2]))
        .to.emit(f.registry, "ApplicationSubmitted")
        .withArgs(id, f.applicantOrgId, BusinessRole.Supplier, 1, [PREFIX_MAKER_2]);
    });

    shouldBeRestrictedTo("organisation admin", {
      load,
      context: (f) => ({ ...rolesContext(f), admin: f.applicant }),
      send: (f, signer) => f.registry.connect(signer).withdrawApplication(f.pendingApplicationId),
    });

    it("refuses another organisation's admin with AllianceNotOrganisationAdmin", async () => {
      const f = await load();
      await expectNoStateChange(
        () => motionSnapshot(f.registry, f.pendingApplicationId),
        async () => {
          await expect(f.registry.connect(f.maker).withdrawApplication(f.pendingApplicationId))
            .to.be.revertedWithCustomError(f.registry, "AllianceNotOrganisationAdmin")
            .withArgs(f.maker.address);
        },
      );
    });

    it("refuses an unknown application with AllianceUnknownMotion", async () => {
      const f = await load();
      const unknown = documentHash("no such application");
      await expect(f.registry.connect(f.applicant).withdrawApplication(unknown))
        .to.be.revertedWithCustomError(f.registry, "AllianceUnknownMotion")
        .withArgs(unknown);
    });

    it("refuses an application that is no longer pending with AllianceUnexpectedMotion", async () => {
      const f = await load();
      await f.registry.connect(f.applicant).withdrawApplication(f.pendingApplicationId);
      await expect(f.registry.connect(f.applicant).withdrawApplication(f.pendingApplicationId))
        .to.be.revertedWithCustomError(f.registry, "AllianceUnexpectedMotion")
        .withArgs(f.pendingApplicationId, MotionKind.Application, MotionStatus.Withdrawn);
    });

    it("refuses a motion that is not an application with AllianceUnexpectedMotion", async () => {
      const f = await load();
      await f.registry.connect(f.regulatorA).approveRevocation(f.applicantOrgId, REASON);
      const revocation = expectedRevocationId(f.applicantOrgId);
      await expect(f.registry.connect(f.applicant).withdrawApplication(revocation))
        .to.be.revertedWithCustomError(f.registry, "AllianceUnexpectedMotion")
        .withArgs(revocation, MotionKind.Revocation, MotionStatus.Pending);
    });
  });

  describe("approveApplication", () => {
    it("records a first approval below the quorum and returns false", async () => {
      const f = await load();
      const approve = f.registry.connect(f.regulatorA).approveApplication;
      expect(await approve.staticCall(f.pendingApplicationId, [PREFIX_MAKER_2])).to.equal(false);
      await expect(approve(f.pendingApplicationId, [PREFIX_MAKER_2]))
        .to.emit(f.registry, "MotionApproved")
        .withArgs(f.pendingApplicationId, f.regulatorA.address, 1, 2)
        .and.not.to.emit(f.registry, "RoleAdmitted");
      expect(await f.registry.hasApproved(f.pendingApplicationId, f.regulatorA.address)).to.equal(true);
      expect(await f.registry.hasApproved(f.pendingApplicationId, f.regulatorB.address)).to.equal(false);
      const m = await f.registry.motion(f.pendingApplicationId);
      expect([m.status, m.approvals, m.quorum]).to.deep.equal([BigInt(MotionStatus.Pending), 1n, 2n]);
      expect(await f.registry.organisationStatus(f.applicantOrgId)).to.equal(OrganisationStatus.Registered);
      expect(await f.registry.companyPrefixOwner(PREFIX_MAKER_2)).to.equal(0n);
    });

    it("admits the organisation at the quorum, grants its prefixes and returns true", async () => {
      const f = await load();
      await f.registry.connect(f.regulatorA).approveApplication(f.pendingApplicationId, [PREFIX_MAKER_2]);
      const approve = f.registry.connect(f.regulatorB).approveApplication;
      expect(await approve.staticCall(f.pendingApplicationId, [PREFIX_MAKER_2])).to.equal(true);
      await expect(approve(f.pendingApplicationId, [PREFIX_MAKER_2]))
        .to.emit(f.registry, "MotionApproved")
        .withArgs(f.pendingApplicationId, f.regulatorB.address, 2, 2)
        .and.to.emit(f.registry, "RoleAdmitted")
        .withArgs(f.applicantOrgId, BusinessRole.Supplier, f.pendingApplicationId);

      const org = await f.registry.organisation(f.applicantOrgId);
      expect([org.roles, org.status]).to.deep.equal([
        BigInt(roleMask(BusinessRole.Supplier)),
        BigInt(OrganisationStatus.Active),
      ]);
      expect(await f.registry.companyPrefixOwner(PREFIX_MAKER_2)).to.equal(f.applicantOrgId);
      expect((await f.registry.motion(f.pendingApplicationId)).status).to.equal(MotionStatus.Executed);
      expect(await f.registry.isPermitted(f.applicant.address, BusinessRole.Supplier)).to.equal(true);
      expect(await f.registry.isPermitted(f.applicant.address, BusinessRole.Manufacturer)).to.equal(false);
    });

    it("refuses a further approval once the application is executed with AllianceUnexpectedMotion", async () => {
      const f = await load();
      await f.registry.connect(f.regulatorA).approveApplication(f.pendingApplicationId, [PREFIX_MAKER_2]);
      await f.registry.connect(f.regulatorB).approveApplication(f.pendingApplicationId, [PREFIX_MAKER_2]);
      for (const regulator of f.regulators) {
        await expect(f.registry.connect(regulator).approveApplication(f.pendingApplicationId, [PREFIX_MAKER_2]))
          .to.be.revertedWithCustomError(f.registry, "AllianceUnexpectedMotion")
          .withArgs(f.pendingApplicationId, MotionKind.Application, MotionStatus.Executed);
      }
    });

    it("refuses the same regulator's second approval below the quorum with AllianceAlreadyApproved", async () => {
      const f = await load();
      await f.registry.connect(f.regulatorA).approveApplication(f.pendingApplicationId, [PREFIX_MAKER_2]);
      await expectNoStateChange(
        () => motionSnapshot(f.registry, f.pendingApplicationId),
        async () => {
          await expect(f.registry.connect(f.regulatorA).approveApplication(f.pendingApplicationId, [PREFIX_MAKER_2]))
            .to.be.revertedWithCustomError(f.registry, "AllianceAlreadyApproved")
            .withArgs(f.pendingApplicationId, f.regulatorA.address);
        },
      );
    });

    it("refuses prefixes other than those applied for with AllianceApplicationMismatch and records nothing", async () => {
      const f = await load();
      for (const prefixes of [[], [PREFIX_3], [PREFIX_MAKER_2, PREFIX_MAKER_2], [PREFIX_MAKER_2, PREFIX_3]]) {
        await expectNoStateChange(
          () => motionSnapshot(f.registry, f.pendingApplicationId),
          async () => {
            await expect(f.registry.connect(f.regulatorA).approveApplication(f.pendingApplicationId, prefixes))
              .to.be.revertedWithCustomError(f.registry, "AllianceApplicationMismatch")
              .withArgs(f.pendingApplicationId);
          },
        );
      }
      expect(await f.registry.hasApproved(f.pendingApplicationId, f.regulatorA.address)).to.equal(false);
    });

    it("refuses an unknown application with AllianceUnknownMotion", async () => {
      const f = await load();
      const unknown = documentHash("no such application");
      await expectNoStateChange(
        () => motionSnapshot(f.registry, unknown),
        async () => {
          await expect(f.registry.connect(f.regulatorA).approveApplication(unknown, []))
            .to.be.revertedWithCustomError(f.registry, "AllianceUnknownMotion")
            .withArgs(unknown);
        },
      );
      expect((await f.registry.motion(unknown)).status).to.equal(MotionStatus.None);
    });

    it("refuses a revocation motion's id with AllianceUnexpectedMotion", async () => {
      const f = await load();
      await f.registry.connect(f.regulatorA).approveRevocation(f.applicantOrgId, REASON);
      const revocation = expectedRevocationId(f.applicantOrgId);
      await expect(f.registry.connect(f.regulatorB).approveApplication(revocation, []))
        .to.be.revertedWithCustomError(f.registry, "AllianceUnexpectedMotion")
        .withArgs(revocation, MotionKind.Revocation, MotionStatus.Pending);
    });

    shouldBeRestrictedTo("regulator", {
      load,
      context: rolesContext,
      send: (f, signer) => f.registry.connect(signer).approveApplication(f.pendingApplicationId, [PREFIX_MAKER_2]),
    });

    it("refuses at the quorum a prefix another organisation was admitted with in the meantime (AlliancePrefixTaken)", async () => {
      const f = await load();
      const rival = f.others[0];
      const prefixes = [PREFIX_3, PREFIX_MAKER_2];
      const [rivalOrgId, rivalApplication] = await f.registry
        .connect(rival)
        .registerOrganisation.staticCall(LICENCE, "", f.licenceExpiry, "Rival", BusinessRole.Supplier, prefixes);
      await register(f, rival, { role: BusinessRole.Supplier, prefixes });
      // The fixture's applicant is admitted with PREFIX_MAKER_2 first.
      await f.registry.connect(f.regulatorA).approveApplication(f.pendingApplicationId, [PREFIX_MAKER_2]);
      await f.registry.connect(f.regulatorB).approveApplication(f.pendingApplicationId, [PREFIX_MAKER_2]);
      // Below the quorum nothing is granted, so the rival's first approval goes through.
      expect(await f.registry.connect(f.regulatorA).approveApplication.staticCall(rivalApplication, prefixes)).to.equal(
        false,
      );
      await f.registry.connect(f.regulatorA).approveApplication(rivalApplication, prefixes);

      await expectNoStateChange(
        async () => ({
          org: await organisationSnapshot(f.registry, rivalOrgId),
          motion: await motionSnapshot(f.registry, rivalApplication),
          owners: [await f.registry.companyPrefixOwner(PREFIX_3), await f.registry.companyPrefixOwner(PREFIX_MAKER_2)],
        }),
        async () => {
          await expect(f.registry.connect(f.regulatorB).approveApplication(rivalApplication, prefixes))
            .to.be.revertedWithCustomError(f.registry, "AlliancePrefixTaken")
            .withArgs(PREFIX_MAKER_2, f.applicantOrgId);
        },
      );
      expect(await f.registry.companyPrefixOwner(PREFIX_3)).to.equal(0n);
      expect((await f.registry.motion(rivalApplication)).status).to.equal(MotionStatus.Pending);
    });

    it("refuses to admit a suspended organisation, and admits it once reinstated", async () => {
      const f = await load();
      await suspend(f.registry, f.regulatorC, f.applicantOrgId);
      expect(
        await f.registry.connect(f.regulatorA).approveApplication.staticCall(f.pendingApplicationId, [PREFIX_MAKER_2]),
      ).to.equal(false);
      await f.registry.connect(f.regulatorA).approveApplication(f.pendingApplicationId, [PREFIX_MAKER_2]);
      await expectNoStateChange(applicationState(f, f.applicantOrgId, [PREFIX_MAKER_2]), async () => {
        await expect(f.registry.connect(f.regulatorB).approveApplication(f.pendingApplicationId, [PREFIX_MAKER_2]))
          .to.be.revertedWithCustomError(f.registry, "AllianceUnexpectedOrganisationStatus")
          .withArgs(f.applicantOrgId, OrganisationStatus.Suspended);
      });
      await f.registry.connect(f.regulatorC).reinstateOrganisation(f.applicantOrgId);
      await expect(f.registry.connect(f.regulatorB).approveApplication(f.pendingApplicationId, [PREFIX_MAKER_2]))
        .to.emit(f.registry, "RoleAdmitted")
        .withArgs(f.applicantOrgId, BusinessRole.Supplier, f.pendingApplicationId);
    });

    it("refuses to admit a revoked organisation", async () => {
      const f = await load();
      await revoke(f.registry, f.regulators, f.applicantOrgId);
      await f.registry.connect(f.regulatorC).approveApplication(f.pendingApplicationId, [PREFIX_MAKER_2]);
      await expectNoStateChange(applicationState(f, f.applicantOrgId, [PREFIX_MAKER_2]), async () => {
        await expect(f.registry.connect(f.regulatorA).approveApplication(f.pendingApplicationId, [PREFIX_MAKER_2]))
          .to.be.revertedWithCustomError(f.registry, "AllianceUnexpectedOrganisationStatus")
          .withArgs(f.applicantOrgId, OrganisationStatus.Revoked);
      });
    });

    it("admits an organisation whose licence expired meanwhile; it stays Expired until its licence is renewed", async () => {
      const f = await load();
      await time.increaseTo(f.licenceExpiry);
      await f.registry.connect(f.regulatorA).approveApplication(f.pendingApplicationId, [PREFIX_MAKER_2]);
      await expect(
        f.registry.connect(f.regulatorB).approveApplication(f.pendingApplicationId, [PREFIX_MAKER_2]),
      ).to.emit(f.registry, "RoleAdmitted");
      expect(await f.registry.organisationStatus(f.applicantOrgId)).to.equal(OrganisationStatus.Expired);
      expect(await f.registry.isPermitted(f.applicant.address, BusinessRole.Supplier)).to.equal(false);
      const renewed = documentHash("renewed");
      await f.registry.connect(f.applicant).proposeLicenceRenewal(renewed, "", BigInt(await time.latest()) + YEAR);
      await f.registry.connect(f.regulatorA).approveLicenceRenewal(f.applicantOrgId, renewed);
      expect(await f.registry.organisationStatus(f.applicantOrgId)).to.equal(OrganisationStatus.Active);
      expect(await f.registry.isPermitted(f.applicant.address, BusinessRole.Supplier)).to.equal(true);
    });
  });

  describe("rejectApplication", () => {
    it("rejects a pending application for good", async () => {
      const f = await load();
      await f.registry.connect(f.regulatorA).approveApplication(f.pendingApplicationId, [PREFIX_MAKER_2]);
      await expect(f.registry.connect(f.regulatorC).rejectApplication(f.pendingApplicationId, REASON))
        .to.emit(f.registry, "ApplicationRejected")
        .withArgs(f.pendingApplicationId, f.regulatorC.address, REASON);
      expect((await f.registry.motion(f.pendingApplicationId)).status).to.equal(MotionStatus.Rejected);
      await expect(f.registry.connect(f.regulatorB).approveApplication(f.pendingApplicationId, [PREFIX_MAKER_2]))
        .to.be.revertedWithCustomError(f.registry, "AllianceUnexpectedMotion")
        .withArgs(f.pendingApplicationId, MotionKind.Application, MotionStatus.Rejected);
      expect(await f.registry.organisationStatus(f.applicantOrgId)).to.equal(OrganisationStatus.Registered);
      await expect(f.registry.connect(f.applicant).withdrawApplication(f.pendingApplicationId))
        .to.be.revertedWithCustomError(f.registry, "AllianceUnexpectedMotion")
        .withArgs(f.pendingApplicationId, MotionKind.Application, MotionStatus.Rejected);
    });

    it("refuses an empty reason with AllianceEmptyHash and changes nothing", async () => {
      const f = await load();
      await expectNoStateChange(
        () => motionSnapshot(f.registry, f.pendingApplicationId),
        async () => {
          await expect(
            f.registry.connect(f.regulatorA).rejectApplication(f.pendingApplicationId, ZeroHash),
          ).to.be.revertedWithCustomError(f.registry, "AllianceEmptyHash");
        },
      );
    });

    it("refuses an unknown application with AllianceUnknownMotion", async () => {
      const f = await load();
      const unknown = documentHash("no such application");
      await expect(f.registry.connect(f.regulatorA).rejectApplication(unknown, REASON))
        .to.be.revertedWithCustomError(f.registry, "AllianceUnknownMotion")
        .withArgs(unknown);
      expect((await f.registry.motion(unknown)).status).to.equal(MotionStatus.None);
    });

    it("refuses an application that is no longer pending with AllianceUnexpectedMotion", async () => {
      const f = await load();
      await f.registry.connect(f.regulatorA).rejectApplication(f.pendingApplicationId, REASON);
      await expect(f.registry.connect(f.regulatorB).rejectApplication(f.pendingApplicationId, REASON))
        .to.be.revertedWithCustomError(f.registry, "AllianceUnexpectedMotion")
        .withArgs(f.pendingApplicationId, MotionKind.Application, MotionStatus.Rejected);
    });

    it("refuses a revocation motion's id with AllianceUnexpectedMotion", async () => {
      const f = await load();
      await f.registry.connect(f.regulatorA).approveRevocation(f.makerOrgId, REASON);
      const revocation = expectedRevocationId(f.makerOrgId);
      await expect(f.registry.connect(f.regulatorB).rejectApplication(revocation, REASON))
        .to.be.revertedWithCustomError(f.registry, "AllianceUnexpectedMotion")
        .withArgs(revocation, MotionKind.Revocation, MotionStatus.Pending);
    });

    shouldBeRestrictedTo("regulator", {
      load,
      context: rolesContext,
      send: (f, signer) => f.registry.connect(signer).rejectApplication(f.pendingApplicationId, REASON),
    });
  });

  describe("quorum changes while an application is pending", () => {
    it("a raised quorum needs the extra approval", async () => {
      const f = await load();
      const id = f.pendingApplicationId;
      await f.registry.connect(f.regulatorA).approveApplication(id, [PREFIX_MAKER_2]);
      await f.registry.connect(f.governor).setQuorum(3);
      expect((await f.registry.motion(id)).quorum).to.equal(3n);
      expect(await f.registry.connect(f.regulatorB).approveApplication.staticCall(id, [PREFIX_MAKER_2])).to.equal(
        false,
      );
      await expect(f.registry.connect(f.regulatorB).approveApplication(id, [PREFIX_MAKER_2]))
        .to.emit(f.registry, "MotionApproved")
        .withArgs(id, f.regulatorB.address, 2, 3)
        .and.not.to.emit(f.registry, "RoleAdmitted");
      expect(await f.registry.organisationStatus(f.applicantOrgId)).to.equal(OrganisationStatus.Registered);
      await expect(f.registry.connect(f.regulatorC).approveApplication(id, [PREFIX_MAKER_2]))
        .to.emit(f.registry, "MotionApproved")
        .withArgs(id, f.regulatorC.address, 3, 3)
        .and.to.emit(f.registry, "RoleAdmitted")
        .withArgs(f.applicantOrgId, BusinessRole.Supplier, id);
    });

    it("after the quorum is lowered, a regulator who already approved executes the application by calling again", async () => {
      const f = await load();
      const id = f.pendingApplicationId;
      await f.registry.connect(f.regulatorA).approveApplication(id, [PREFIX_MAKER_2]);
      await f.registry.connect(f.governor).setQuorum(1);
      const m = await f.registry.motion(id);
      expect([m.approvals, m.quorum, m.status]).to.deep.equal([1n, 1n, BigInt(MotionStatus.Pending)]);
      expect(await f.registry.connect(f.regulatorA).approveApplication.staticCall(id, [PREFIX_MAKER_2])).to.equal(true);
      await expect(f.registry.connect(f.regulatorA).approveApplication(id, [PREFIX_MAKER_2]))
        .to.emit(f.registry, "RoleAdmitted")
        .withArgs(f.applicantOrgId, BusinessRole.Supplier, id)
        .and.not.to.emit(f.registry, "MotionApproved");
      expect(await f.registry.organisationStatus(f.applicantOrgId)).to.equal(OrganisationStatus.Active);
      expect(await f.registry.companyPrefixOwner(PREFIX_MAKER_2)).to.equal(f.applicantOrgId);
    });

    it("after the quorum is lowered, another regulator's approval executes the application", async () => {
      const f = await load();
      const id = f.pendingApplicationId;
      await f.registry.connect(f.governor).setQuorum(3);
      await f.registry.connect(f.regulatorA).approveApplication(id, [PREFIX_MAKER_2]);
      await f.registry.connect(f.regulatorB).approveApplication(id, [PREFIX_MAKER_2]);
      await f.registry.connect(f.governor).setQuorum(1);
      await expect(f.registry.connect(f.regulatorC).approveApplication(id, [PREFIX_MAKER_2]))
        .to.emit(f.registry, "MotionApproved")
        .withArgs(id, f.regulatorC.address, 3, 1)
        .and.to.emit(f.registry, "RoleAdmitted");
    });

    it("a removed regulator's approval stops counting at once", async () => {
      const f = await load();
      const id = f.pendingApplicationId;
      await f.registry.connect(f.regulatorA).approveApplication(id, [PREFIX_MAKER_2]);
      expect((await f.registry.motion(id)).approvals).to.equal(1n);
      await f.registry.connect(f.governor).revokeRole(await f.registry.REGULATOR_ROLE(), f.regulatorA.address);

      expect((await f.registry.motion(id)).approvals).to.equal(0n);
      expect(await f.registry.hasApproved(id, f.regulatorA.address)).to.equal(false);
      await expect(f.registry.connect(f.regulatorB).approveApplication(id, [PREFIX_MAKER_2]))
        .to.emit(f.registry, "MotionApproved")
        .withArgs(id, f.regulatorB.address, 1, 2)
        .and.not.to.emit(f.registry, "RoleAdmitted");
      await expect(f.registry.connect(f.regulatorC).approveApplication(id, [PREFIX_MAKER_2]))
        .to.emit(f.registry, "MotionApproved")
        .withArgs(id, f.regulatorC.address, 2, 2)
        .and.to.emit(f.registry, "RoleAdmitted");
    });

    it("a regulator removed and appointed again approves afresh in a new slot", async () => {
      const f = await load();
      const id = f.pendingApplicationId;
      const REGULATOR_ROLE = await f.registry.REGULATOR_ROLE();
      await f.registry.connect(f.regulatorA).approveApplication(id, [PREFIX_MAKER_2]);
      await f.registry.connect(f.governor).revokeRole(REGULATOR_ROLE, f.regulatorA.address);
      await f.registry.connect(f.governor).grantRole(REGULATOR_ROLE, f.regulatorA.address);
      expect(await f.registry.hasApproved(id, f.regulatorA.address)).to.equal(false);
      expect((await f.registry.motion(id)).approvals).to.equal(0n);
      await expect(f.registry.connect(f.regulatorA).approveApplication(id, [PREFIX_MAKER_2]))
        .to.emit(f.registry, "MotionApproved")
        .withArgs(id, f.regulatorA.address, 1, 2);
      expect(await f.registry.hasApproved(id, f.regulatorA.address)).to.equal(true);
    });
  });
});
