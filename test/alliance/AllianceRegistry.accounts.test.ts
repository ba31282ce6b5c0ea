import { expect } from "chai";
import { ZeroAddress } from "ethers";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { AllianceFixture, SITE_HOSPITAL, SITE_MAKER, allianceFixture, rolesContext } from "../helpers/fixtures";
import { expectNotOrganisationAdmin, shouldBeRestrictedTo } from "../helpers/behaviours";
import {
  expectNoStateChange,
  expectedAdminReplacementId,
  freshSigners,
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
  REGULATOR_ROLE,
} from "../../scripts/lib/alliance";
import { gln } from "../../scripts/lib/gs1";

const load = () => loadFixture(allianceFixture);

const SITE_2 = gln("061414100002");

/** `count` distinct valid GLNs of the maker's company prefix. */
function makerGlns(count: number): bigint[] {
  return Array.from({ length: count }, (_, i) => gln(`0614141${(10000 + i).toString().padStart(5, "0")}`));
}

/** The maker's organisation and the accounts involved, as plain values. */
function makerState(f: AllianceFixture, ...accounts: string[]) {
  return async () => ({
    org: await organisationSnapshot(f.registry, f.makerOrgId),
    memberships: await Promise.all(accounts.map(async (a) => [...(await f.registry.membershipOf(a))])),
    invitations: await Promise.all(accounts.map((a) => f.registry.invitationOf(f.makerOrgId, a))),
  });
}

describe("AllianceRegistry: sites and accounts", () => {
  describe("registerSite", () => {
    it("registers a site by its GLN and returns its index", async () => {
      const f = await load();
      const maker = f.registry.connect(f.maker);
      expect(await maker.registerSite.staticCall(SITE_MAKER, "Plant 1")).to.equal(0n);
      await expect(maker.registerSite(SITE_MAKER, "Plant 1"))
        .to.emit(f.registry, "SiteRegistered")
        .withArgs(f.makerOrgId, 0, SITE_MAKER, "Plant 1");
      expect(await maker.registerSite.staticCall(SITE_2, "Plant 2")).to.equal(1n);
      await expect(maker.registerSite(SITE_2, "Plant 2"))
        .to.emit(f.registry, "SiteRegistered")
        .withArgs(f.makerOrgId, 1, SITE_2, "Plant 2");

      expect(await f.registry.sitesOf(f.makerOrgId)).to.deep.equal([SITE_MAKER, SITE_2]);
      expect(await f.registry.siteGln(f.makerOrgId, 0)).to.equal(SITE_MAKER);
      expect(await f.registry.siteGln(f.makerOrgId, 1)).to.equal(SITE_2);
      expect(await f.registry.glnOwner(SITE_MAKER)).to.equal(f.makerOrgId);
      expect((await f.registry.organisation(f.makerOrgId)).siteCount).to.equal(2n);
    });

    it("works for a suspended organisation, a registered one and one whose licence has expired", async () => {
      const f = await load();
      await suspend(f.registry, f.regulatorA, f.makerOrgId);
      await expect(f.registry.connect(f.maker).registerSite(SITE_MAKER, "Plant")).to.emit(f.registry, "SiteRegistered");
      await expect(f.registry.connect(f.applicant).registerSite(SITE_HOSPITAL, "Lab"))
        .to.emit(f.registry, "SiteRegistered")
        .withArgs(f.applicantOrgId, 0, SITE_HOSPITAL, "Lab");
      await time.increaseTo(f.licenceExpiry);
      expect(await f.registry.organisationStatus(f.hospitalOrgId)).to.equal(OrganisationStatus.Expired);
      await expect(f.registry.connect(f.hospital).registerSite(gln("952000000002"), "Ward"))
        .to.emit(f.registry, "SiteRegistered")
        .withArgs(f.hospitalOrgId, 0, gln("952000000002"), "Ward");
    });

    it("refuses a GLN with a wrong check digit, zero or too many digits with AllianceInvalidGln", async () => {
      const f = await load();
      const wrongCheckDigit = SITE_MAKER + (SITE_MAKER % 10n === 9n ? -1n : 1n);
      const fourteenDigits = BigInt("1" + SITE_MAKER.toString().padStart(13, "0"));
      for (const bad of [wrongCheckDigit, 0n, fourteenDigits]) {
        await expectNoStateChange(makerState(f), async () => {
          await expect(f.registry.connect(f.maker).registerSite(bad, "Plant"))
            .to.be.revertedWithCustomError(f.registry, "AllianceInvalidGln")
            .withArgs(bad);
        });
      }
    });

    it("refuses a GLN that is already a site, of another organisation or its own, with AllianceGlnTaken", async () => {
      const f = await load();
      await f.registry.connect(f.maker).registerSite(SITE_MAKER, "Plant");
      await expectNoStateChange(
        async () => [await organisationSnapshot(f.registry, f.hospitalOrgId), await makerState(f)()],
        async () => {
          await expect(f.registry.connect(f.hospital).registerSite(SITE_MAKER, "Ward"))
            .to.be.revertedWithCustomError(f.registry, "AllianceGlnTaken")
            .withArgs(SITE_MAKER, f.makerOrgId);
          await expect(f.registry.connect(f.maker).registerSite(SITE_MAKER, "Plant again"))
            .to.be.revertedWithCustomError(f.registry, "AllianceGlnTaken")
            .withArgs(SITE_MAKER, f.makerOrgId);
        },
      );
    });

    it("registers up to MAX_SITES sites and refuses one more with AllianceTooManySites", async () => {
      const f = await load();
      const max = Number(await f.registry.MAX_SITES());
      expect(max).to.equal(64);
      const glns = makerGlns(max + 1);
      for (const [i, site] of glns.slice(0, max).entries()) {
        await f.registry.connect(f.maker).registerSite(site, `Site ${i}`);
      }
      expect(await f.registry.siteGln(f.makerOrgId, max - 1)).to.equal(glns[max - 1]);
      await expectNoStateChange(makerState(f), async () => {
        await expect(f.registry.connect(f.maker).registerSite(glns[max], "One too many"))
          .to.be.revertedWithCustomError(f.registry, "AllianceTooManySites")
          .withArgs(f.makerOrgId, max);
      });
      expect(await f.registry.glnOwner(glns[max])).to.equal(0n);
    });

    it("refuses a revoked organisation with AllianceUnexpectedOrganisationStatus", async () => {
      const f = await load();
      await revoke(f.registry, f.regulators, f.makerOrgId);
      await expect(f.registry.connect(f.maker).registerSite(SITE_MAKER, "Plant"))
        .to.be.revertedWithCustomError(f.registry, "AllianceUnexpectedOrganisationStatus")
        .withArgs(f.makerOrgId, OrganisationStatus.Revoked);
    });

    it("siteGln refuses an index with no site with AllianceInvalidGln(0)", async () => {
      const f = await load();
      await f.registry.connect(f.maker).registerSite(SITE_MAKER, "Plant");
      await expect(f.registry.siteGln(f.makerOrgId, 1))
        .to.be.revertedWithCustomError(f.registry, "AllianceInvalidGln")
        .withArgs(0);
      await expect(f.registry.siteGln(f.hospitalOrgId, 0))
        .to.be.revertedWithCustomError(f.registry, "AllianceInvalidGln")
        .withArgs(0);
    });

    shouldBeRestrictedTo("organisation admin", {
      load,
      context: rolesContext,
      send: (f, signer) => f.registry.connect(signer).registerSite(SITE_MAKER, "Plant"),
    });
  });

  describe("inviteAccount and acceptInvitation", () => {
    for (const kind of [AccountKind.Operator, AccountKind.Device]) {
      it(`lets an account join as ${AccountKind[kind]} only once it accepts`, async () => {
        const f = await load();
        const account = f.others[0];
        await expect(f.registry.connect(f.maker).inviteAccount(account.address, kind))
          .to.emit(f.registry, "AccountInvited")
          .withArgs(f.makerOrgId, account.address, kind);
        expect(await f.registry.invitationOf(f.makerOrgId, account.address)).to.equal(kind);
        expect([...(await f.registry.membershipOf(account.address))]).to.deep.equal([0n, 0n]);

        await expect(f.registry.connect(account).acceptInvitation(f.makerOrgId))
          .to.emit(f.registry, "AccountJoined")
          .withArgs(f.makerOrgId, account.address, kind)
          .and.not.to.emit(f.registry, "AdminChanged");
        expect([...(await f.registry.membershipOf(account.address))]).to.deep.equal([f.makerOrgId, BigInt(kind)]);
        expect(await f.registry.invitationOf(f.makerOrgId, account.address)).to.equal(AccountKind.None);
        expect(await f.registry.accountsOf(f.makerOrgId)).to.deep.equal([account.address]);
        expect((await f.registry.organisation(f.makerOrgId)).accountCount).to.equal(1n);
        expect(await f.registry.isAllowedOnNetwork(account.address)).to.equal(true);
        // Operators act for the organisation; device keys never do.
        expect(await f.registry.isPermitted(account.address, BusinessRole.Manufacturer)).to.equal(
          kind === AccountKind.Operator,
        );
      });
    }

    it("replaces an earlier invitation of the same account", async () => {
      const f = await load();
      const account = f.others[0];
      await f.registry.connect(f.maker).inviteAccount(account.address, AccountKind.Operator);
      await f.registry.connect(f.maker).inviteAccount(account.address, AccountKind.Device);
      expect(await f.registry.invitationOf(f.makerOrgId, account.address)).to.equal(AccountKind.Device);
      await expect(f.registry.connect(account).acceptInvitation(f.makerOrgId))
        .to.emit(f.registry, "AccountJoined")
        .withArgs(f.makerOrgId, account.address, AccountKind.Device);
    });

    it("lets two organisations invite the same account; once it joins one, it cannot join the other", async () => {
      const f = await load();
      const account = f.others[0];
      await f.registry.connect(f.maker).inviteAccount(account.address, AccountKind.Operator);
      await f.registry.connect(f.hospital).inviteAccount(account.address, AccountKind.Operator);
      await f.registry.connect(account).acceptInvitation(f.hospitalOrgId);
      await expectNoStateChange(makerState(f, account.address), async () => {
        await expect(f.registry.connect(account).acceptInvitation(f.makerOrgId))
          .to.be.revertedWithCustomError(f.registry, "AllianceAccountTaken")
          .withArgs(account.address, f.hospitalOrgId);
      });
    });

    it("works while the organisation is suspended", async () => {
      const f = await load();
      await suspend(f.registry, f.regulatorA, f.makerOrgId);
      await joinOrganisation(f.registry, f.maker, f.others[0], AccountKind.Operator);
      expect([...(await f.registry.membershipOf(f.others[0].address))]).to.deep.equal([
        f.makerOrgId,
        BigInt(AccountKind.Operator),
      ]);
    });

    it("refuses AccountKind.None with AllianceInvalidAccountKind", async () => {
      const f = await load();
      await expect(f.registry.connect(f.maker).inviteAccount(f.others[0].address, AccountKind.None))
        .to.be.revertedWithCustomError(f.registry, "AllianceInvalidAccountKind")
        .withArgs(AccountKind.None);
    });

    it("refuses the zero address with AllianceZeroAddress", async () => {
      const f = await load();
      await expectNoStateChange(makerState(f, ZeroAddress), async () => {
        await expect(
          f.registry.connect(f.maker).inviteAccount(ZeroAddress, AccountKind.Operator),
        ).to.be.revertedWithCustomError(f.registry, "AllianceZeroAddress");
      });
    });

    it("refuses a regulator with AllianceRegulatorAccount", async () => {
      const f = await load();
      await expectNoStateChange(makerState(f, f.regulatorA.address), async () => {
        for (const kind of [AccountKind.Admin, AccountKind.Operator, AccountKind.Device]) {
          await expect(f.registry.connect(f.maker).inviteAccount(f.regulatorA.address, kind))
            .to.be.revertedWithCustomError(f.registry, "AllianceRegulatorAccount")
            .withArgs(f.regulatorA.address);
        }
      });
    });

    it("refuses at acceptance an account that became a regulator after its invitation", async () => {
      const f = await load();
      const account = f.others[0];
      await f.registry.connect(f.maker).inviteAccount(account.address, AccountKind.Operator);
      await f.registry.connect(f.governor).grantRole(REGULATOR_ROLE, account.address);
      await expectNoStateChange(makerState(f, account.address), async () => {
        await expect(f.registry.connect(account).acceptInvitation(f.makerOrgId))
          .to.be.revertedWithCustomError(f.registry, "AllianceRegulatorAccount")
          .withArgs(account.address);
      });
    });

    it("refuses an account of any organisation, its own included, with AllianceAccountTaken", async () => {
      const f = await load();
      const [operator, device] = f.others;
      await joinOrganisation(f.registry, f.maker, operator, AccountKind.Operator);
      await joinOrganisation(f.registry, f.maker, device, AccountKind.Device);
      const cases: [string, bigint, AccountKind][] = [
        [f.hospital.address, f.hospitalOrgId, AccountKind.Operator],
        [f.applicant.address, f.applicantOrgId, AccountKind.Admin],
        [operator.address, f.makerOrgId, AccountKind.Operator],
        [operator.address, f.makerOrgId, AccountKind.Device],
        [device.address, f.makerOrgId, AccountKind.Operator],
        [device.address, f.makerOrgId, AccountKind.Admin],
        [f.maker.address, f.makerOrgId, AccountKind.Admin],
      ];
      await expectNoStateChange(makerState(f, operator.address, device.address, f.hospital.address), async () => {
        for (const [account, orgId, kind] of cases) {
          await expect(f.registry.connect(f.maker).inviteAccount(account, kind))
            .to.be.revertedWithCustomError(f.registry, "AllianceAccountTaken")
            .withArgs(account, orgId);
        }
      });
    });

    it("refuses an operator of another organisation as admin with AllianceAccountTaken", async () => {
      const f = await load();
      const operator = f.others[0];
      await joinOrganisation(f.registry, f.hospital, operator, AccountKind.Operator);
      await expect(f.registry.connect(f.maker).inviteAccount(operator.address, AccountKind.Admin))
        .to.be.revertedWithCustomError(f.registry, "AllianceAccountTaken")
        .withArgs(operator.address, f.hospitalOrgId);
    });

    it("refuses inviting for a revoked organisation, and accepting its earlier invitation", async () => {
      const f = await load();
      const account = f.others[0];
      await f.registry.connect(f.maker).inviteAccount(account.address, AccountKind.Operator);
      await revoke(f.registry, f.regulators, f.makerOrgId);
      await expect(f.registry.connect(f.maker).inviteAccount(f.others[1].address, AccountKind.Operator))
        .to.be.revertedWithCustomError(f.registry, "AllianceUnexpectedOrganisationStatus")
        .withArgs(f.makerOrgId, OrganisationStatus.Revoked);
      await expect(f.registry.connect(account).acceptInvitation(f.makerOrgId))
        .to.be.revertedWithCustomError(f.registry, "AllianceUnexpectedOrganisationStatus")
        .withArgs(f.makerOrgId, OrganisationStatus.Revoked);
      expect([...(await f.registry.membershipOf(account.address))]).to.deep.equal([0n, 0n]);
    });

    it("refuses accepting without an invitation with AllianceNoInvitation", async () => {
      const f = await load();
      const account = f.others[0];
      await f.registry.connect(f.maker).inviteAccount(account.address, AccountKind.Operator);
      for (const orgId of [f.hospitalOrgId, 0n, 99n]) {
        await expect(f.registry.connect(account).acceptInvitation(orgId))
          .to.be.revertedWithCustomError(f.registry, "AllianceNoInvitation")
          .withArgs(orgId, account.address);
      }
      await expect(f.registry.connect(f.others[1]).acceptInvitation(f.makerOrgId))
        .to.be.revertedWithCustomError(f.registry, "AllianceNoInvitation")
        .withArgs(f.makerOrgId, f.others[1].address);
    });

    it("admits MAX_ACCOUNTS operators and devices and refuses one more with AllianceTooManyAccounts", async () => {
      const f = await load();
      const max = Number(await f.registry.MAX_ACCOUNTS());
      expect(max).to.equal(32);
      const accounts = await freshSigners(max + 1);
      for (const [i, account] of accounts.entries()) {
        const kind = i % 2 === 0 ? AccountKind.Operator : AccountKind.Device;
        await f.registry.connect(f.maker).inviteAccount(account.address, kind);
      }
      for (const account of accounts.slice(0, max)) await f.registry.connect(account).acceptInvitation(f.makerOrgId);
      expect((await f.registry.organisation(f.makerOrgId)).accountCount).to.equal(BigInt(max));

      const last = accounts[max];
      await expectNoStateChange(makerState(f, last.address), async () => {
        await expect(f.registry.connect(last).acceptInvitation(f.makerOrgId))
          .to.be.revertedWithCustomError(f.registry, "AllianceTooManyAccounts")
          .withArgs(f.makerOrgId, max);
      });

      // Removing one makes room again; the admin never counts.
      await f.registry.connect(f.maker).removeAccount(accounts[0].address);
      await expect(f.registry.connect(last).acceptInvitation(f.makerOrgId))
        .to.emit(f.registry, "AccountJoined")
        .withArgs(f.makerOrgId, last.address, max % 2 === 0 ? AccountKind.Operator : AccountKind.Device);
      expect((await f.registry.organisation(f.makerOrgId)).accountCount).to.equal(BigInt(max));
    });

    shouldBeRestrictedTo("organisation admin", {
      load,
      context: rolesContext,
      send: (f, signer) => f.registry.connect(signer).inviteAccount(f.others[5].address, AccountKind.Operator),
    });
  });

  describe("cancelInvitation", () => {
    it("cancels a pending invitation, which can then not be accepted", async () => {
      const f = await load();
      const account = f.others[0];
      await f.registry.connect(f.maker).inviteAccount(account.address, AccountKind.Operator);
      await expect(f.registry.connect(f.maker).cancelInvitation(account.address))
        .to.emit(f.registry, "InvitationCancelled")
        .withArgs(f.makerOrgId, account.address);
      expect(await f.registry.invitationOf(f.makerOrgId, account.address)).to.equal(AccountKind.None);
      await expect(f.registry.connect(account).acceptInvitation(f.makerOrgId))
        .to.be.revertedWithCustomError(f.registry, "AllianceNoInvitation")
        .withArgs(f.makerOrgId, account.address);
    });

    it("refuses an account with no pending invitation from the caller's organisation with AllianceNoInvitation", async () => {
      const f = await load();
      const account = f.others[0];
      await f.registry.connect(f.hospital).inviteAccount(account.address, AccountKind.Operator);
      await expect(f.registry.connect(f.maker).cancelInvitation(account.address))
        .to.be.revertedWithCustomError(f.registry, "AllianceNoInvitation")
        .withArgs(f.makerOrgId, account.address);
      expect(await f.registry.invitationOf(f.hospitalOrgId, account.address)).to.equal(AccountKind.Operator);
    });

    shouldBeRestrictedTo("organisation admin", {
      load: async () => {
        const f = await load();
        await f.registry.connect(f.maker).inviteAccount(f.others[5].address, AccountKind.Operator);
        return f;
      },
      context: rolesContext,
      send: (f, signer) => f.registry.connect(signer).cancelInvitation(f.others[5].address),
    });
  });

  describe("removeAccount", () => {
    it("removes an operator: it leaves the organisation and may no longer act", async () => {
      const f = await load();
      const operator = f.others[0];
      await joinOrganisation(f.registry, f.maker, operator, AccountKind.Operator);
      await expect(f.registry.connect(f.maker).removeAccount(operator.address))
        .to.emit(f.registry, "AccountRemoved")
        .withArgs(f.makerOrgId, operator.address);
      expect([...(await f.registry.membershipOf(operator.address))]).to.deep.equal([0n, 0n]);
      expect(await f.registry.accountsOf(f.makerOrgId)).to.deep.equal([]);
      expect(await f.registry.isPermitted(operator.address, BusinessRole.Manufacturer)).to.equal(false);
      expect(await f.registry.isAllowedOnNetwork(operator.address)).to.equal(false);
    });

    it("keeps the account list consistent when removing from the middle (swap and pop)", async () => {
      const f = await load();
      const [a, b, c, d] = f.others;
      for (const account of [a, b, c]) await joinOrganisation(f.registry, f.maker, account, AccountKind.Operator);
      await joinOrganisation(f.registry, f.maker, d, AccountKind.Device);
      await f.registry.connect(f.maker).removeAccount(a.address);
      expect(await f.registry.accountsOf(f.makerOrgId)).to.deep.equal([d.address, b.address, c.address]);
      // The moved account must be removable at its new position.
      await f.registry.connect(f.maker).removeAccount(d.address);
      expect(await f.registry.accountsOf(f.makerOrgId)).to.deep.equal([c.address, b.address]);
      await f.registry.connect(f.maker).removeAccount(b.address);
      expect(await f.registry.accountsOf(f.makerOrgId)).to.deep.equal([c.address]);
      await f.registry.connect(f.maker).removeAccount(c.address);
      expect(await f.registry.accountsOf(f.makerOrgId)).to.deep.equal([]);
      for (const account of [a, b, c, d]) {
        expect([...(await f.registry.membershipOf(account.address))]).to.deep.equal([0n, 0n]);
      }
    });

    it("lets a removed account join another organisation", async () => {
      const f = await load();
      const account = f.others[0];
      await joinOrganisation(f.registry, f.maker, account, AccountKind.Device);
      await f.registry.connect(f.maker).removeAccount(account.address);
      await joinOrganisation(f.registry, f.hospital, account, AccountKind.Operator);
      expect([...(await f.registry.membershipOf(account.address))]).to.deep.equal([
        f.hospitalOrgId,
        BigInt(AccountKind.Operator),
      ]);
    });

    it("refuses the admin itself, a stranger and another organisation's account with AllianceNotOrganisationAccount", async () => {
      const f = await load();
      const hospitalOperator = f.others[0];
      await joinOrganisation(f.registry, f.hospital, hospitalOperator, AccountKind.Operator);
      for (const account of [f.maker.address, f.others[1].address, hospitalOperator.address, f.hospital.address]) {
        await expectNoStateChange(makerState(f, account), async () => {
          await expect(f.registry.connect(f.maker).removeAccount(account))
            .to.be.revertedWithCustomError(f.registry, "AllianceNotOrganisationAccount")
            .withArgs(f.makerOrgId, account);
        });
      }
    });

    shouldBeRestrictedTo("organisation admin", {
      load: async () => {
        const f = await load();
        await joinOrganisation(f.registry, f.maker, f.others[5], AccountKind.Operator);
        return f;
      },
      context: rolesContext,
      send: (f, signer) => f.registry.connect(signer).removeAccount(f.others[5].address),
    });
  });

  describe("admin hand-over", () => {
    it("hands the organisation to a free account that accepts an Admin invitation; the previous admin leaves", async () => {
      const f = await load();
      const successor = f.others[0];
      await expect(f.registry.connect(f.maker).inviteAccount(successor.address, AccountKind.Admin))
        .to.emit(f.registry, "AccountInvited")
        .withArgs(f.makerOrgId, successor.address, AccountKind.Admin);
      // Until acceptance nothing changes.
      expect((await f.registry.organisation(f.makerOrgId)).admin).to.equal(f.maker.address);

      await expect(f.registry.connect(successor).acceptInvitation(f.makerOrgId))
        .to.emit(f.registry, "AccountJoined")
        .withArgs(f.makerOrgId, successor.address, AccountKind.Admin)
        .and.to.emit(f.registry, "AdminChanged")
        .withArgs(f.makerOrgId, f.maker.address, successor.address);

      expect((await f.registry.organisation(f.makerOrgId)).admin).to.equal(successor.address);
      expect([...(await f.registry.membershipOf(successor.address))]).to.deep.equal([
        f.makerOrgId,
        BigInt(AccountKind.Admin),
      ]);
      expect([...(await f.registry.membershipOf(f.maker.address))]).to.deep.equal([0n, 0n]);
      expect(await f.registry.isPermitted(f.maker.address, BusinessRole.Manufacturer)).to.equal(false);
      expect(await f.registry.isPermitted(successor.address, BusinessRole.Manufacturer)).to.equal(true);
      expect(await f.registry.isAllowedOnNetwork(f.maker.address)).to.equal(false);
      expect((await f.registry.organisation(f.makerOrgId)).accountCount).to.equal(0n);
      await expectNotOrganisationAdmin(
        f.registry.connect(f.maker).registerSite(SITE_MAKER, "Plant"),
        f.registry,
        f.maker.address,
      );
      await expect(f.registry.connect(successor).registerSite(SITE_MAKER, "Plant")).to.emit(
        f.registry,
        "SiteRegistered",
      );
    });

    it("promotes an operator to admin: it leaves the account list and the other operators stay", async () => {
      const f = await load();
      const [first, promoted, last] = f.others;
      for (const account of [first, promoted, last]) {
        await joinOrganisation(f.registry, f.maker, account, AccountKind.Operator);
      }
      await f.registry.connect(f.maker).inviteAccount(promoted.address, AccountKind.Admin);
      await expect(f.registry.connect(promoted).acceptInvitation(f.makerOrgId))
        .to.emit(f.registry, "AdminChanged")
        .withArgs(f.makerOrgId, f.maker.address, promoted.address);
      expect(await f.registry.accountsOf(f.makerOrgId)).to.deep.equal([first.address, last.address]);
      expect((await f.registry.organisation(f.makerOrgId)).accountCount).to.equal(2n);
      expect([...(await f.registry.membershipOf(promoted.address))]).to.deep.equal([
        f.makerOrgId,
        BigInt(AccountKind.Admin),
      ]);
      // The operator that moved into the freed position is still removable.
      await f.registry.connect(promoted).removeAccount(last.address);
      expect(await f.registry.accountsOf(f.makerOrgId)).to.deep.equal([first.address]);
    });

    it("promotes the last operator of a full organisation", async () => {
      const f = await load();
      const max = Number(await f.registry.MAX_ACCOUNTS());
      const accounts = await freshSigners(max);
      for (const account of accounts) await joinOrganisation(f.registry, f.maker, account, AccountKind.Operator);
      const promoted = accounts[max - 1];
      await joinOrganisation(f.registry, f.maker, promoted, AccountKind.Admin);
      expect((await f.registry.organisation(f.makerOrgId)).admin).to.equal(promoted.address);
      expect((await f.registry.organisation(f.makerOrgId)).accountCount).to.equal(BigInt(max - 1));
    });

    it("lets the former admin accept an Admin invitation of the new one only as a free account", async () => {
      const f = await load();
      const successor = f.others[0];
      await joinOrganisation(f.registry, f.maker, successor, AccountKind.Admin);
      await joinOrganisation(f.registry, successor, f.maker, AccountKind.Admin);
      expect((await f.registry.organisation(f.makerOrgId)).admin).to.equal(f.maker.address);
      expect([...(await f.registry.membershipOf(successor.address))]).to.deep.equal([0n, 0n]);
    });
  });

  describe("approveAdminReplacement", () => {
    const newAdmin = (f: AllianceFixture) => f.others[0];

    it("invites the replacement at the quorum and returns true; it takes over when it accepts", async () => {
      const f = await load();
      const replacement = newAdmin(f).address;
      const motionId = expectedAdminReplacementId(f.makerOrgId, f.maker.address, replacement);
      expect(await f.registry.adminReplacementId(f.makerOrgId, f.maker.address, replacement)).to.equal(motionId);

      const first = f.registry.connect(f.regulatorA).approveAdminReplacement;
      expect(await first.staticCall(f.makerOrgId, replacement)).to.equal(false);
      await expect(first(f.makerOrgId, replacement))
        .to.emit(f.registry, "MotionApproved")
        .withArgs(motionId, f.regulatorA.address, 1, 2)
        .and.not.to.emit(f.registry, "AccountInvited");
      expect(await f.registry.invitationOf(f.makerOrgId, replacement)).to.equal(AccountKind.None);
      const pending = await motionSnapshot(f.registry, motionId);
      expect([pending.kind, pending.status, pending.orgId, pending.approvals]).to.deep.equal([
        BigInt(MotionKind.AdminReplacement),
        BigInt(MotionStatus.Pending),
        f.makerOrgId,
        1n,
      ]);

      const second = f.registry.connect(f.regulatorB).approveAdminReplacement;
      expect(await second.staticCall(f.makerOrgId, replacement)).to.equal(true);
      await expect(second(f.makerOrgId, replacement))
        .to.emit(f.registry, "MotionApproved")
        .withArgs(motionId, f.regulatorB.address, 2, 2)
        .and.to.emit(f.registry, "AccountInvited")
        .withArgs(f.makerOrgId, replacement, AccountKind.Admin);
      expect((await f.registry.motion(motionId)).status).to.equal(MotionStatus.Executed);
      expect((await f.registry.organisation(f.makerOrgId)).admin).to.equal(f.maker.address);
      expect(await f.registry.invitationOf(f.makerOrgId, replacement)).to.equal(AccountKind.None);

      await expect(f.registry.connect(newAdmin(f)).acceptInvitation(f.makerOrgId))
        .to.emit(f.registry, "AdminChanged")
        .withArgs(f.makerOrgId, f.maker.address, replacement);
      expect((await f.registry.organisation(f.makerOrgId)).admin).to.equal(replacement);
      expect([...(await f.registry.membershipOf(f.maker.address))]).to.deep.equal([0n, 0n]);
    });

    it("works for a suspended organisation, and may promote its operator", async () => {
      const f = await load();
      const operator = f.others[0];
      await joinOrganisation(f.registry, f.maker, operator, AccountKind.Operator);
      await suspend(f.registry, f.regulatorA, f.makerOrgId);
      await f.registry.connect(f.regulatorA).approveAdminReplacement(f.makerOrgId, operator.address);
      await f.registry.connect(f.regulatorC).approveAdminReplacement(f.makerOrgId, operator.address);
      await expect(f.registry.connect(operator).acceptInvitation(f.makerOrgId))
        .to.emit(f.registry, "AdminChanged")
        .withArgs(f.makerOrgId, f.maker.address, operator.address);
      expect(await f.registry.accountsOf(f.makerOrgId)).to.deep.equal([]);
    });

    it("refuses a second approval by the same regulator with AllianceAlreadyApproved", async () => {
      const f = await load();
      const replacement = newAdmin(f).address;
      const motionId = expectedAdminReplacementId(f.makerOrgId, f.maker.address, replacement);
      await f.registry.connect(f.regulatorA).approveAdminReplacement(f.makerOrgId, replacement);
      await expect(f.registry.connect(f.regulatorA).approveAdminReplacement(f.makerOrgId, replacement))
        .to.be.revertedWithCustomError(f.registry, "AllianceAlreadyApproved")
        .withArgs(motionId, f.regulatorA.address);
    });

    it("refuses an executed replacement with AllianceUnexpectedMotion", async () => {
      const f = await load();
      const replacement = newAdmin(f).address;
      const motionId = expectedAdminReplacementId(f.makerOrgId, f.maker.address, replacement);
      await f.registry.connect(f.regulatorA).approveAdminReplacement(f.makerOrgId, replacement);
      await f.registry.connect(f.regulatorB).approveAdminReplacement(f.makerOrgId, replacement);
      await expect(f.registry.connect(f.regulatorC).approveAdminReplacement(f.makerOrgId, replacement))
        .to.be.revertedWithCustomError(f.registry, "AllianceUnexpectedMotion")
        .withArgs(motionId, MotionKind.AdminReplacement, MotionStatus.Executed);
    });

    it("binds approvals to the admin being replaced: after a hand-over, earlier approvals do not count", async () => {
      const f = await load();
      const replacement = newAdmin(f).address;
      await f.registry.connect(f.regulatorA).approveAdminReplacement(f.makerOrgId, replacement);
      await joinOrganisation(f.registry, f.maker, f.others[1], AccountKind.Admin);
      const motionId = expectedAdminReplacementId(f.makerOrgId, f.others[1].address, replacement);
      await expect(f.registry.connect(f.regulatorB).approveAdminReplacement(f.makerOrgId, replacement))
        .to.emit(f.registry, "MotionApproved")
        .withArgs(motionId, f.regulatorB.address, 1, 2)
        .and.not.to.emit(f.registry, "AccountInvited");
    });

    it("refuses the zero address, a regulator and another organisation's account, and opens no motion", async () => {
      const f = await load();
      const cases: [string, string, unknown[]][] = [
        [ZeroAddress, "AllianceZeroAddress", []],
        [f.regulatorC.address, "AllianceRegulatorAccount", [f.regulatorC.address]],
        [f.hospital.address, "AllianceAccountTaken", [f.hospital.address, f.hospitalOrgId]],
        [f.maker.address, "AllianceAccountTaken", [f.maker.address, f.makerOrgId]],
      ];
      for (const [account, error, args] of cases) {
        const motionId = expectedAdminReplacementId(f.makerOrgId, f.maker.address, account);
        await expectNoStateChange(
          () => motionSnapshot(f.registry, motionId),
          async () => {
            await expect(f.registry.connect(f.regulatorA).approveAdminReplacement(f.makerOrgId, account))
              .to.be.revertedWithCustomError(f.registry, error)
              .withArgs(...args);
          },
        );
        expect((await f.registry.motion(motionId)).status).to.equal(MotionStatus.None);
      }
    });

    it("refuses an unknown or revoked organisation", async () => {
      const f = await load();
      await expect(f.registry.connect(f.regulatorA).approveAdminReplacement(99, newAdmin(f).address))
        .to.be.revertedWithCustomError(f.registry, "AllianceUnknownOrganisation")
        .withArgs(99);
      await revoke(f.registry, f.regulators, f.makerOrgId);
      await expect(f.registry.connect(f.regulatorA).approveAdminReplacement(f.makerOrgId, newAdmin(f).address))
        .to.be.revertedWithCustomError(f.registry, "AllianceUnexpectedOrganisationStatus")
        .withArgs(f.makerOrgId, OrganisationStatus.Revoked);
    });

    it("takes the replaced key's powers away at the quorum, before the replacement accepts", async () => {
      const f = await load();
      const replacement = newAdmin(f);
      await f.registry.connect(f.regulatorA).approveAdminReplacement(f.makerOrgId, replacement.address);
      await expect(f.registry.connect(f.regulatorB).approveAdminReplacement(f.makerOrgId, replacement.address))
        .to.emit(f.registry, "AccountRemoved")
        .withArgs(f.makerOrgId, f.maker.address);
      expect([...(await f.registry.membershipOf(f.maker.address))]).to.deep.equal([0n, 0n]);
      expect(await f.registry.isPermitted(f.maker.address, BusinessRole.Manufacturer)).to.equal(false);
      await expectNotOrganisationAdmin(
        f.registry.connect(f.maker).cancelInvitation(replacement.address),
        f.registry,
        f.maker.address,
      );
      await expect(f.registry.connect(replacement).acceptInvitation(f.makerOrgId))
        .to.emit(f.registry, "AdminChanged")
        .withArgs(f.makerOrgId, f.maker.address, replacement.address);
    });

    it("lets only the approved replacement take over, not an admin invitation the stolen key sent earlier", async () => {
      const f = await load();
      const [replacement, accomplice] = [newAdmin(f), f.others[1]];
      await f.registry.connect(f.maker).inviteAccount(accomplice.address, AccountKind.Admin);
      await f.registry.connect(f.regulatorA).approveAdminReplacement(f.makerOrgId, replacement.address);
      await f.registry.connect(f.regulatorB).approveAdminReplacement(f.makerOrgId, replacement.address);
      await expect(f.registry.connect(accomplice).acceptInvitation(f.makerOrgId))
        .to.be.revertedWithCustomError(f.registry, "AllianceNoInvitation")
        .withArgs(f.makerOrgId, accomplice.address);
      await f.registry.connect(replacement).acceptInvitation(f.makerOrgId);
      expect((await f.registry.organisation(f.makerOrgId)).admin).to.equal(replacement.address);
    });

    it("voids an approved replacement that never accepted once another replacement has taken over", async () => {
      const f = await load();
      const [first, second] = [newAdmin(f), f.others[1]];
      await f.registry.connect(f.regulatorA).approveAdminReplacement(f.makerOrgId, first.address);
      await f.registry.connect(f.regulatorB).approveAdminReplacement(f.makerOrgId, first.address);
      await f.registry.connect(f.regulatorA).approveAdminReplacement(f.makerOrgId, second.address);
      await f.registry.connect(f.regulatorB).approveAdminReplacement(f.makerOrgId, second.address);
      await f.registry.connect(second).acceptInvitation(f.makerOrgId);
      await expect(f.registry.connect(first).acceptInvitation(f.makerOrgId))
        .to.be.revertedWithCustomError(f.registry, "AllianceNoInvitation")
        .withArgs(f.makerOrgId, first.address);
      expect((await f.registry.organisation(f.makerOrgId)).admin).to.equal(second.address);
    });

    it("lets operators invited before the replacement still join while it is pending", async () => {
      const f = await load();
      const operator = f.others[1];
      await f.registry.connect(f.maker).inviteAccount(operator.address, AccountKind.Operator);
      await f.registry.connect(f.regulatorA).approveAdminReplacement(f.makerOrgId, newAdmin(f).address);
      await f.registry.connect(f.regulatorB).approveAdminReplacement(f.makerOrgId, newAdmin(f).address);
      await expect(f.registry.connect(operator).acceptInvitation(f.makerOrgId))
        .to.emit(f.registry, "AccountJoined")
        .withArgs(f.makerOrgId, operator.address, AccountKind.Operator);
    });

    it("leaves a replaced key that has since joined another organisation in it when the replacement accepts", async () => {
      const f = await load();
      const replacement = newAdmin(f);
      await f.registry.connect(f.regulatorA).approveAdminReplacement(f.makerOrgId, replacement.address);
      await f.registry.connect(f.regulatorB).approveAdminReplacement(f.makerOrgId, replacement.address);
      await joinOrganisation(f.registry, f.hospital, f.maker, AccountKind.Operator);
      await f.registry.connect(replacement).acceptInvitation(f.makerOrgId);
      expect([...(await f.registry.membershipOf(f.maker.address))]).to.deep.equal([
        f.hospitalOrgId,
        BigInt(AccountKind.Operator),
      ]);
    });

    shouldBeRestrictedTo("regulator", {
      load,
      context: rolesContext,
      send: (f, signer) => f.registry.connect(signer).approveAdminReplacement(f.makerOrgId, f.others[6].address),
    });
  });

  describe("regulators and organisations stay apart", () => {
    it("refuses to appoint an organisation's admin, operator or device as regulator with AllianceRegulatorAccount", async () => {
      const f = await load();
      const [operator, device] = f.others;
      await joinOrganisation(f.registry, f.maker, operator, AccountKind.Operator);
      await joinOrganisation(f.registry, f.maker, device, AccountKind.Device);
      for (const account of [f.maker, operator, device, f.applicant]) {
        await expect(f.registry.connect(f.governor).grantRole(REGULATOR_ROLE, account.address))
          .to.be.revertedWithCustomError(f.registry, "AllianceRegulatorAccount")
          .withArgs(account.address);
        expect(await f.registry.hasRole(REGULATOR_ROLE, account.address)).to.equal(false);
      }
      expect(await f.registry.regulatorCount()).to.equal(3n);
    });

    it("lets a removed operator become a regulator, and a removed regulator join an organisation", async () => {
      const f = await load();
      const operator = f.others[0];
      await joinOrganisation(f.registry, f.maker, operator, AccountKind.Operator);
      await f.registry.connect(f.maker).removeAccount(operator.address);
      await f.registry.connect(f.governor).grantRole(REGULATOR_ROLE, operator.address);
      expect(await f.registry.hasRole(REGULATOR_ROLE, operator.address)).to.equal(true);

      await f.registry.connect(f.governor).revokeRole(REGULATOR_ROLE, f.regulatorC.address);
      await joinOrganisation(f.registry, f.maker, f.regulatorC, AccountKind.Operator);
      expect([...(await f.registry.membershipOf(f.regulatorC.address))]).to.deep.equal([
        f.makerOrgId,
        BigInt(AccountKind.Operator),
      ]);
    });
  });
});
