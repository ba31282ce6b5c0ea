import { expect } from "chai";
import { ethers } from "hardhat";
import { Interface, ZeroHash } from "ethers";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { PREFIX_MAKER_2, allianceFixture } from "../helpers/fixtures";
import {
  REASON,
  expectedAdminReplacementId,
  expectedApplicationId,
  expectedRevocationId,
  randomAddresses,
  revoke,
  suspend,
} from "../helpers/registry";
import {
  AccountKind,
  BusinessRole,
  GUARDIAN_ROLE,
  MotionStatus,
  OrganisationStatus,
  REGULATOR_ROLE,
  documentHash,
  roleMask,
  statusMask,
} from "../../scripts/lib/alliance";
import {
  IAccessControlDefaultAdminRules__factory,
  IAccessControl__factory,
  IAllianceRegistry__factory,
  IERC165__factory,
} from "../../typechain-types";

const load = () => loadFixture(allianceFixture);

/** ERC-165 id of the functions `iface` declares itself (the XOR of their selectors, inherited ones left out). */
function interfaceId(iface: Interface, ...inherited: Interface[]): string {
  const own = new Set<string>();
  iface.forEachFunction((fn) => own.add(fn.selector));
  for (const parent of inherited) parent.forEachFunction((fn) => own.delete(fn.selector));
  let id = 0n;
  for (const selector of own) id ^= BigInt(selector);
  return ethers.toBeHex(id, 4);
}

/**
 * The fixture's organisations plus: 5 Registered, 6 Suspended manufacturer, 7 Revoked hospital; 1 to 4 as in the
 * fixture (1 manufacturer, 2 logistics, 3 hospital, all Active; 4 Registered supplier applicant).
 */
async function sevenOrganisationsFixture() {
  const f = await allianceFixture();
  const [a5, a6, a7] = f.others.slice(-3);
  const quorum = [f.regulatorA, f.regulatorB];
  const hash = ethers.id("licence");
  await f.registry.connect(a5).registerOrganisation(hash, "", f.licenceExpiry, "Five", BusinessRole.Retailer, []);
  const prefix6 = 10777777n;
  await f.registry
    .connect(a6)
    .registerOrganisation(hash, "", f.licenceExpiry, "Six", BusinessRole.Manufacturer, [prefix6]);
  const app6 = expectedApplicationId(6n, BusinessRole.Manufacturer, 0, [prefix6]);
  for (const r of quorum) await f.registry.connect(r).approveApplication(app6, [prefix6]);
  await suspend(f.registry, f.regulatorA, 6n);
  await f.registry.connect(a7).registerOrganisation(hash, "", f.licenceExpiry, "Seven", BusinessRole.Hospital, []);
  const app7 = expectedApplicationId(7n, BusinessRole.Hospital, 0, []);
  for (const r of quorum) await f.registry.connect(r).approveApplication(app7, []);
  await revoke(f.registry, f.regulators, 7n);
  return f;
}

/** A registry with nobody in it. */
async function emptyRegistryFixture() {
  const [governor] = await ethers.getSigners();
  const registry = await (await ethers.getContractFactory("AllianceRegistry")).deploy(governor.address, 0);
  return { registry };
}

async function list(
  f: Awaited<ReturnType<typeof allianceFixture>>,
  roles: number,
  statuses: number,
  cursor: number,
  limit: number,
): Promise<[bigint[], bigint]> {
  const [ids, next] = await f.registry.listOrganisations(roles, statuses, cursor, limit);
  return [[...ids], next];
}

describe("AllianceRegistry: views", () => {
  describe("listOrganisations", () => {
    const seven = () => loadFixture(sevenOrganisationsFixture);

    it("lists every organisation from cursor 0 or 1 alike", async () => {
      const f = await seven();
      const all: [bigint[], bigint] = [[1n, 2n, 3n, 4n, 5n, 6n, 7n], 0n];
      expect(await list(f, 0, 0, 0, 100)).to.deep.equal(all);
      expect(await list(f, 0, 0, 1, 100)).to.deep.equal(all);
    });

    it("pages through the ids, ending with cursor 0 exactly at the last page boundary", async () => {
      const f = await seven();
      expect(await list(f, 0, 0, 1, 3)).to.deep.equal([[1n, 2n, 3n], 4n]);
      expect(await list(f, 0, 0, 4, 3)).to.deep.equal([[4n, 5n, 6n], 7n]);
      expect(await list(f, 0, 0, 7, 3)).to.deep.equal([[7n], 0n]);
      expect(await list(f, 0, 0, 1, 7)).to.deep.equal([[1n, 2n, 3n, 4n, 5n, 6n, 7n], 0n]);
      expect(await list(f, 0, 0, 1, 6)).to.deep.equal([[1n, 2n, 3n, 4n, 5n, 6n], 7n]);
      expect(await list(f, 0, 0, 7, 1)).to.deep.equal([[7n], 0n]);
    });

    it("returns nothing and the same cursor for limit 0", async () => {
      const f = await seven();
      expect(await list(f, 0, 0, 3, 0)).to.deep.equal([[], 3n]);
      expect(await list(f, 0, 0, 0, 0)).to.deep.equal([[], 1n]);
    });

    it("returns nothing and cursor 0 for a cursor past the end", async () => {
      const f = await seven();
      expect(await list(f, 0, 0, 8, 5)).to.deep.equal([[], 0n]);
      expect(await list(f, 0, 0, 1000, 0)).to.deep.equal([[], 0n]);
    });

    it("accepts the largest limit without overflowing", async () => {
      const f = await seven();
      expect(await list(f, 0, 0, 3, Number.MAX_SAFE_INTEGER)).to.deep.equal([[3n, 4n, 5n, 6n, 7n], 0n]);
      const [ids, next] = await f.registry.listOrganisations(0, 0, 7, ethers.MaxUint256);
      expect([[...ids], next]).to.deep.equal([[7n], 0n]);
    });

    it("returns an empty list and cursor 0 when there is no organisation", async () => {
      const { registry } = await loadFixture(emptyRegistryFixture);
      const [ids, next] = await registry.listOrganisations(0, 0, 0, 10);
      expect([[...ids], next]).to.deep.equal([[], 0n]);
    });

    it("filters by role: organisations admitted to any role of the mask", async () => {
      const f = await seven();
      expect(await list(f, roleMask(BusinessRole.Manufacturer), 0, 1, 100)).to.deep.equal([[1n, 6n], 0n]);
      expect(await list(f, roleMask(BusinessRole.Hospital, BusinessRole.Logistics), 0, 1, 100)).to.deep.equal([
        [2n, 3n, 7n],
        0n,
      ]);
      // Applicants are not admitted yet, so a role filter leaves them out.
      expect(await list(f, roleMask(BusinessRole.Supplier, BusinessRole.Retailer), 0, 1, 100)).to.deep.equal([[], 0n]);
    });

    it("filters by status", async () => {
      const f = await seven();
      expect(await list(f, 0, statusMask(OrganisationStatus.Registered), 1, 100)).to.deep.equal([[4n, 5n], 0n]);
      expect(await list(f, 0, statusMask(OrganisationStatus.Active), 1, 100)).to.deep.equal([[1n, 2n, 3n], 0n]);
      expect(
        await list(f, 0, statusMask(OrganisationStatus.Suspended, OrganisationStatus.Revoked), 1, 100),
      ).to.deep.equal([[6n, 7n], 0n]);
      expect(await list(f, 0, statusMask(OrganisationStatus.Unknown), 1, 100)).to.deep.equal([[], 0n]);
      await time.increaseTo(f.licenceExpiry);
      expect(await list(f, 0, statusMask(OrganisationStatus.Expired), 1, 100)).to.deep.equal([
        [1n, 2n, 3n, 4n, 5n],
        0n,
      ]);
    });

    it("combines role and status filters, and pages over ids looked at rather than ids found", async () => {
      const f = await seven();
      const manufacturers = roleMask(BusinessRole.Manufacturer);
      const active = statusMask(OrganisationStatus.Active);
      expect(await list(f, manufacturers, active, 1, 100)).to.deep.equal([[1n], 0n]);
      expect(await list(f, manufacturers, 0, 2, 3)).to.deep.equal([[], 5n]);
      expect(await list(f, manufacturers, 0, 5, 3)).to.deep.equal([[6n], 0n]);
    });
  });

  describe("listNetworkGuests", () => {
    async function guestsFixture() {
      const f = await allianceFixture();
      const guests = randomAddresses(5);
      for (const guest of guests) await f.registry.connect(f.regulatorA).grantNetworkAccess(guest, REASON);
      await f.registry.connect(f.regulatorA).withdrawNetworkAccess(guests[1]);
      await f.registry.connect(f.regulatorA).withdrawNetworkAccess(guests[3]);
      return { ...f, guests };
    }

    async function page(cursor: number, limit: number): Promise<[string[], bigint]> {
      const f = await loadFixture(guestsFixture);
      const [guests, next] = await f.registry.listNetworkGuests(cursor, limit);
      return [[...guests], next];
    }

    it("lists current guests in order of first grant, skipping withdrawn ones", async () => {
      const { guests } = await loadFixture(guestsFixture);
      expect(await page(0, 10)).to.deep.equal([[guests[0], guests[2], guests[4]], 0n]);
    });

    it("pages by positions looked at, ending with cursor 0 exactly at the last page boundary", async () => {
      const { guests } = await loadFixture(guestsFixture);
      expect(await page(0, 2)).to.deep.equal([[guests[0]], 2n]);
      expect(await page(2, 2)).to.deep.equal([[guests[2]], 4n]);
      expect(await page(4, 2)).to.deep.equal([[guests[4]], 0n]);
      expect(await page(0, 5)).to.deep.equal([[guests[0], guests[2], guests[4]], 0n]);
      expect(await page(1, 1)).to.deep.equal([[], 2n]);
      expect(await page(3, 2)).to.deep.equal([[guests[4]], 0n]);
    });

    it("returns nothing and the same cursor for limit 0 inside the list", async () => {
      await loadFixture(guestsFixture);
      expect(await page(2, 0)).to.deep.equal([[], 2n]);
    });

    it("returns nothing and cursor 0 at or past the end", async () => {
      await loadFixture(guestsFixture);
      expect(await page(5, 3)).to.deep.equal([[], 0n]);
      expect(await page(9, 3)).to.deep.equal([[], 0n]);
    });

    it("accepts the largest cursor and limit without overflowing", async () => {
      const { registry, guests } = await loadFixture(guestsFixture);
      const [all, next] = await registry.listNetworkGuests(0, ethers.MaxUint256);
      expect([[...all], next]).to.deep.equal([[guests[0], guests[2], guests[4]], 0n]);
      const [none, end] = await registry.listNetworkGuests(ethers.MaxUint256, ethers.MaxUint256);
      expect([[...none], end]).to.deep.equal([[], 0n]);
    });
  });

  describe("organisations, memberships and motions", () => {
    it("refuses an unknown organisation id with AllianceUnknownOrganisation", async () => {
      const f = await load();
      for (const orgId of [0n, 5n, 2n ** 32n - 1n]) {
        await expect(f.registry.organisation(orgId))
          .to.be.revertedWithCustomError(f.registry, "AllianceUnknownOrganisation")
          .withArgs(orgId);
        expect(await f.registry.organisationStatus(orgId)).to.equal(OrganisationStatus.Unknown);
      }
    });

    it("gives an organisation's standing and admitted roles in one call, whatever the standing", async () => {
      const f = await load();
      expect([...(await f.registry.standing(f.makerOrgId))]).to.deep.equal([
        BigInt(OrganisationStatus.Active),
        BigInt(roleMask(BusinessRole.Manufacturer)),
      ]);
      expect([...(await f.registry.standing(f.applicantOrgId))]).to.deep.equal([
        BigInt(OrganisationStatus.Registered),
        0n,
      ]);
      await f.registry.connect(f.regulatorA).suspendOrganisation(f.carrierOrgId, documentHash("audit"));
      expect([...(await f.registry.standing(f.carrierOrgId))]).to.deep.equal([
        BigInt(OrganisationStatus.Suspended),
        BigInt(roleMask(BusinessRole.Logistics)),
      ]);
      expect([...(await f.registry.standing(99))]).to.deep.equal([BigInt(OrganisationStatus.Unknown), 0n]);
    });

    it("reports each derived status, most severe first", async () => {
      const f = await load();
      expect(await f.registry.organisationStatus(f.applicantOrgId)).to.equal(OrganisationStatus.Registered);
      expect(await f.registry.organisationStatus(f.makerOrgId)).to.equal(OrganisationStatus.Active);
      await suspend(f.registry, f.regulatorA, f.makerOrgId);
      await time.increaseTo(f.licenceExpiry);
      expect(await f.registry.organisationStatus(f.makerOrgId)).to.equal(OrganisationStatus.Suspended);
      expect(await f.registry.organisationStatus(f.hospitalOrgId)).to.equal(OrganisationStatus.Expired);
      expect(await f.registry.organisationStatus(f.applicantOrgId)).to.equal(OrganisationStatus.Expired);
      await revoke(f.registry, f.regulators, f.makerOrgId);
      expect(await f.registry.organisationStatus(f.makerOrgId)).to.equal(OrganisationStatus.Revoked);
    });

    it("reports no membership and no invitation for a stranger", async () => {
      const f = await load();
      expect([...(await f.registry.membershipOf(f.others[0].address))]).to.deep.equal([0n, BigInt(AccountKind.None)]);
      expect(await f.registry.invitationOf(f.makerOrgId, f.others[0].address)).to.equal(AccountKind.None);
      expect(await f.registry.accountsOf(99)).to.deep.equal([]);
      expect(await f.registry.sitesOf(99)).to.deep.equal([]);
    });

    it("answers isPermitted per role", async () => {
      const f = await load();
      expect(await f.registry.isPermitted(f.maker.address, BusinessRole.Manufacturer)).to.equal(true);
      expect(await f.registry.isPermitted(f.maker.address, BusinessRole.Supplier)).to.equal(false);
      expect(await f.registry.isPermitted(f.maker.address, BusinessRole.None)).to.equal(false);
      expect(await f.registry.isPermitted(f.carrier.address, BusinessRole.Logistics)).to.equal(true);
      expect(await f.registry.isPermitted(f.regulatorA.address, BusinessRole.Hospital)).to.equal(false);
    });

    it("shows an unknown motion as None with the current quorum", async () => {
      const f = await load();
      const m = await f.registry.motion(ZeroHash);
      expect([m.kind, m.status, m.orgId, m.approvals, m.quorum]).to.deep.equal([0n, 0n, 0n, 0n, 2n]);
      expect(await f.registry.hasApproved(ZeroHash, f.regulatorA.address)).to.equal(false);
    });

    it("answers hasApproved false for an account that is not a regulator", async () => {
      const f = await load();
      await f.registry.connect(f.regulatorA).approveApplication(f.pendingApplicationId, [PREFIX_MAKER_2]);
      expect(await f.registry.hasApproved(f.pendingApplicationId, f.governor.address)).to.equal(false);
      expect(await f.registry.hasApproved(f.pendingApplicationId, f.regulatorA.address)).to.equal(true);
    });

    it("derives motion ids from their content exactly as documented", async () => {
      const f = await load();
      const prefixes = [10614141n, 19521234n];
      expect(await f.registry.applicationId(7, BusinessRole.Agency, 3, prefixes)).to.equal(
        expectedApplicationId(7n, BusinessRole.Agency, 3, prefixes),
      );
      expect(await f.registry.revocationId(7)).to.equal(expectedRevocationId(7n));
      const [current, next] = randomAddresses(2);
      expect(await f.registry.adminReplacementId(7, current, next)).to.equal(
        expectedAdminReplacementId(7n, current, next),
      );
      // Distinct content, distinct ids.
      expect(await f.registry.applicationId(7, BusinessRole.Agency, 4, prefixes)).not.to.equal(
        await f.registry.applicationId(7, BusinessRole.Agency, 3, prefixes),
      );
      expect((await f.registry.motion(f.pendingApplicationId)).status).to.equal(MotionStatus.Pending);
    });
  });

  describe("constants and introspection", () => {
    it("exposes its limits, role ids and version", async () => {
      const f = await load();
      expect(await f.registry.MAX_REGULATORS()).to.equal(64n);
      expect(await f.registry.MAX_PREFIXES_PER_APPLICATION()).to.equal(8n);
      expect(await f.registry.MAX_SITES()).to.equal(64n);
      expect(await f.registry.MAX_ACCOUNTS()).to.equal(32n);
      expect(await f.registry.REGULATOR_ROLE()).to.equal(REGULATOR_ROLE);
      expect(await f.registry.GUARDIAN_ROLE()).to.equal(GUARDIAN_ROLE);
      expect(await f.registry.version()).to.equal("1.0.0");
    });

    it("supports ERC-165 for its own interface and OpenZeppelin's access-control interfaces", async () => {
      const f = await load();
      const accessControl = IAccessControl__factory.createInterface();
      const ids = [
        interfaceId(IAllianceRegistry__factory.createInterface(), accessControl),
        interfaceId(accessControl),
        interfaceId(IAccessControlDefaultAdminRules__factory.createInterface(), accessControl),
        interfaceId(IERC165__factory.createInterface()),
      ];
      expect(ids[1]).to.equal("0x7965db0b");
      expect(ids[3]).to.equal("0x01ffc9a7");
      for (const id of ids) expect(await f.registry.supportsInterface(id), id).to.equal(true);
      expect(await f.registry.supportsInterface("0xffffffff")).to.equal(false);
      expect(await f.registry.supportsInterface("0x12345678")).to.equal(false);
    });

    it("lists regulators in slot order", async () => {
      const f = await load();
      expect(await f.registry.regulators()).to.deep.equal(f.regulators.map((r) => r.address));
      expect(await f.registry.regulatorCount()).to.equal(3n);
    });
  });
});
