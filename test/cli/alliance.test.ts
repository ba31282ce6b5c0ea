import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import hre from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { formatTime } from "../../scripts/client/codes";
import { AccountKind, BusinessRole, MotionStatus, OrganisationStatus, documentHash } from "../../scripts/lib/alliance";
import { companyPrefix } from "../../scripts/lib/gs1";
import { json, MEMBERS, useCliDeployments } from "../helpers/cliFixture";
import { printed } from "../helpers/tasks";
import { allianceFixture, clientAs, refused, refuser, NEWCOMER, OPERATOR_ACCOUNT } from "./allianceFixture";

const REG_A = "1";
const REG_B = "2";
const MAKER = "Northwind Masks";
const ACME = NEWCOMER.name;

describe("CLI alliance tasks", () => {
  useCliDeployments();

  describe("org", () => {
    it("lists every organisation as a table and as JSON", async () => {
      await loadFixture(allianceFixture);
      const table = await printed("org", {});
      expect(table).to.match(/Northwind Masks\s+Active\s+Manufacturer/);
      expect(table).to.match(/Acme Gloves\s+Registered\s+—/);
      const rows = await json<{ id: number; name: string; status: string }[]>("org", {});
      expect(rows).to.have.length(9);
      expect(rows[8]).to.include({ id: 9, name: ACME, status: "Registered" });
    });

    it("shows one organisation: standing, roles, licence, sites, accounts and applications", async () => {
      const f = await loadFixture(allianceFixture);
      const view = await f.registry.organisation(f.orgIds.maker);
      const text = await printed("org", { org: "northwind" });
      expect(text).to.include("Northwind Masks (organisation 1): Active");
      expect(text).to.include("Roles: Manufacturer");
      expect(text).to.include(`Licence: expires ${formatTime(view.licenceExpiry)}`);
      expect(text).to.match(/0\s+0614141000012\s+Northwind Masks main site/);
      expect(text).to.match(new RegExp(`${f.signers[OPERATOR_ACCOUNT].address}\\s+Operator`));
      expect(text).to.match(/Manufacturer\s+0614141\s+Executed\s+2 of 2/);
      const detail = await json<{
        id: number;
        status: string;
        roles: string[];
        licenceExpiry: number;
        sites: { gln: string }[];
        accounts: { address: string; kind: string }[];
        applications: { status: string; companyPrefixes: string[] }[];
      }>("org", { org: String(f.newcomerId) });
      expect(detail).to.include({ id: 9, status: "Registered" });
      expect(detail.roles).to.deep.equal([]);
      expect(detail.licenceExpiry).to.equal(Number(f.licenceExpiry));
      expect(detail).to.have.property("licenceURI", "ipfs://licences/acme");
      expect(detail.accounts).to.deep.equal([{ address: f.newcomer.address, kind: "Admin" }]);
      expect(detail.applications).to.deep.equal([
        {
          applicationId: f.applicationId,
          role: "Manufacturer",
          companyPrefixes: ["0885000"],
          status: "Pending",
          approvals: 0,
          quorum: 2,
        },
      ]);
    });

    it("refuses an unknown organisation", async () => {
      await loadFixture(allianceFixture);
      await refused("org", { org: "Nobody Ltd" }, /organisation "Nobody Ltd": no organisation of the alliance/);
      await refused("org", { org: "42" }, /the alliance has no organisation 42/);
    });
  });

  describe("alliance:register", () => {
    const args = {
      name: "Delta Medical",
      role: "supplier",
      licence: "Delta licence 2026",
      licenceUri: "ipfs://licences/delta",
      expiry: "+365d",
      prefixes: "0777000, 07770011",
      from: "21",
    };
    const register = refuser("alliance:register", args);

    it("registers an organisation and applies for its first role (sentences)", async () => {
      const f = await loadFixture(allianceFixture);
      const text = await printed("alliance:register", args);
      expect(text).to.match(/^Registered Delta Medical as organisation 10, licence valid until \d{4}-\d\d-\d\d/);
      expect(text).to.match(/Its application for Supplier is 0x[0-9a-f]{64}: it awaits 2 regulators' approvals/);
      const [orgId, kind] = await f.registry.membershipOf(f.signers[21].address);
      expect([orgId, kind]).to.deep.equal([10n, BigInt(AccountKind.Admin)]);
      expect((await f.registry.organisation(10)).licenceHash).to.equal(documentHash("Delta licence 2026"));
    });

    it("reads the licence from a file and reports the ids as JSON", async () => {
      const f = await loadFixture(allianceFixture);
      const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "licence-")), "licence.pdf");
      fs.writeFileSync(file, "licence bytes");
      const result = await json<Record<string, unknown>>("alliance:register", { ...args, licence: file });
      expect(result).to.include({ orgId: 10, name: "Delta Medical", role: "Supplier" });
      expect(result.companyPrefixes).to.deep.equal(["0777000", "07770011"]);
      expect(result.licenceHash).to.equal(hre.ethers.keccak256(hre.ethers.toUtf8Bytes("licence bytes")));
      const motion = await f.registry.motion(result.applicationId as string);
      expect(motion.status).to.equal(BigInt(MotionStatus.Pending));
      expect(motion.orgId).to.equal(10n);
      expect(result.transaction).to.match(/^0x[0-9a-f]{64}$/);
    });

    it("refuses bad input before sending", async () => {
      await loadFixture(allianceFixture);
      await register({ name: undefined }, /--name is required/);
      await register({ role: "Baker" }, /role "Baker" is not a business role: use one/);
      await register({ licence: undefined }, /--licence \(a file, a text or a 0x hash\)/);
      await register({ expiry: "2020-01-01" }, /licence expiry 2020-01-01 00:00 UTC is in the past/);
      await register({ prefixes: "12345" }, /company prefix "12345" is not a GS1 company prefix/);
      await register({ prefixes: "0777000,0777000" }, /a company prefix is listed twice/);
      await register(
        { prefixes: "100000,100001,100002,100003,100004,100005,100006,100007,100008" },
        /9 company prefixes: an application lists at most 8/,
      );
      await register({ prefixes: "" }, /A Supplier must name at least one GS1 company prefix/);
      await register({ prefixes: "0614141" }, /Company prefix 0614141 already belongs to Northwind Masks/);
      await register(
        { name: "northwind masks" },
        /An organisation named "Northwind Masks" is already registered \(organisation 1\)/,
      );
    });

    it("refuses members and regulators", async () => {
      const f = await loadFixture(allianceFixture);
      await register({ from: "5" }, new RegExp(`Account ${f.signers[5].address} already belongs to Northwind Masks`));
      await register({ from: REG_A }, /is a regulator: regulators cannot register an organisation/);
    });

    it("refuses while the alliance is paused", async () => {
      const f = await loadFixture(allianceFixture);
      await (await f.registry.connect(f.guardian).pause()).wait();
      await register({}, /The alliance is paused: nobody may apply for roles until it resumes/);
    });

    it("tells the chain's refusal in words", async () => {
      const f = await loadFixture(allianceFixture);
      const client = await clientAs(f, 5);
      await expect(
        client.send("register again", () =>
          client.registry.registerOrganisation(
            documentHash("x"),
            "",
            BigInt(f.licenceExpiry),
            "Again",
            BusinessRole.Hospital,
            [],
          ),
        ),
      ).to.be.rejectedWith(
        /Could not register again: The account already belongs to an organisation \(account 0x[0-9a-fA-F]+, org organisation 1 \(Northwind Masks\)\)/,
      );
    });
  });

  describe("alliance:apply", () => {
    it("applies for a further role, as sentences and JSON", async () => {
      const f = await loadFixture(allianceFixture);
      expect(await printed("alliance:apply", { role: "Distributor", from: MAKER })).to.match(
        /^Northwind Masks applied for Distributor: application 0x[0-9a-f]{64} awaits the regulators\.$/,
      );
      const result = await json<{ applicationId: string; role: string; companyPrefixes: string[] }>("alliance:apply", {
        role: "supplier",
        prefixes: "0614142",
        from: MAKER,
      });
      expect(result.role).to.equal("Supplier");
      expect(result.companyPrefixes).to.deep.equal(["0614142"]);
      const motion = await f.registry.motion(result.applicationId);
      expect([motion.orgId, motion.role, motion.status]).to.deep.equal([
        f.orgIds.maker,
        BigInt(BusinessRole.Supplier),
        BigInt(MotionStatus.Pending),
      ]);
    });

    it("refuses a role already admitted, non-admins, operators and suspended organisations", async () => {
      const f = await loadFixture(allianceFixture);
      await refused(
        "alliance:apply",
        { role: "Manufacturer", prefixes: "0614142", from: MAKER },
        /Northwind Masks is already admitted as Manufacturer/,
      );
      await refused(
        "alliance:apply",
        { role: "Hospital", from: "23" },
        /belongs to no organisation: only an organisation's admin may apply for a role/,
      );
      await refused(
        "alliance:apply",
        { role: "Hospital", from: String(OPERATOR_ACCOUNT) },
        /is an operator of Northwind Masks: only its admin may apply for a role/,
      );
      await (
        await f.registry.connect(f.regulators[0]).suspendOrganisation(f.orgIds.maker, documentHash("audit"))
      ).wait();
      await refused(
        "alliance:apply",
        { role: "Hospital", from: MAKER },
        /Northwind Masks is Suspended: only Registered or Active organisations apply/,
      );
    });
  });

  describe("alliance:withdraw-application", () => {
    it("withdraws the pending application named by role, or by id as JSON", async () => {
      const f = await loadFixture(allianceFixture);
      expect(await printed("alliance:withdraw-application", { role: "Manufacturer", from: ACME })).to.equal(
        `Acme Gloves withdrew its application for Manufacturer (${f.applicationId}).`,
      );
      expect((await f.registry.motion(f.applicationId)).status).to.equal(BigInt(MotionStatus.Withdrawn));
      await refused(
        "alliance:withdraw-application",
        { application: f.applicationId, from: ACME },
        /is Withdrawn: only pending applications can be withdrawn/,
      );
      await refused(
        "alliance:withdraw-application",
        { role: "Manufacturer", from: ACME },
        /Acme Gloves has no pending application for Manufacturer/,
      );
    });

    it("reports JSON and refuses another organisation's application", async () => {
      const f = await loadFixture(allianceFixture);
      await refused(
        "alliance:withdraw-application",
        { role: "Manufacturer", from: String(OPERATOR_ACCOUNT) },
        /is an operator of Northwind Masks: only its admin may withdraw an application/,
      );
      await refused(
        "alliance:withdraw-application",
        { application: f.applicationId, from: MAKER },
        /is Acme Gloves's application for Manufacturer, not Northwind Masks's/,
      );
      const result = await json("alliance:withdraw-application", { application: f.applicationId, from: ACME });
      expect(result).to.include({ applicationId: f.applicationId, orgId: 9, role: "Manufacturer" });
      await refused(
        "alliance:withdraw-application",
        { application: "0x12", from: ACME },
        /application "0x12" is not a 32-byte id/,
      );
      await refused(
        "alliance:withdraw-application",
        { application: hre.ethers.ZeroHash, from: ACME },
        /the registry has no application with this id/,
      );
    });
  });

  describe("alliance:approve and alliance:reject", () => {
    it("approves by organisation and role, then admits at the quorum (JSON)", async () => {
      const f = await loadFixture(allianceFixture);
      expect(await printed("alliance:approve", { org: ACME, role: "manufacturer", from: REG_A })).to.equal(
        "Approved Acme Gloves's application for Manufacturer: 1 of 2 approvals.",
      );
      await refused(
        "alliance:approve",
        { application: f.applicationId, from: REG_A },
        /has already approved Acme Gloves's application for Manufacturer/,
      );
      const result = await json("alliance:approve", { application: f.applicationId, from: REG_B });
      expect(result).to.include({ applicationId: f.applicationId, orgId: 9, approvals: 2, quorum: 2, admitted: true });
      expect((await f.registry.standing(f.newcomerId))[0]).to.equal(BigInt(OrganisationStatus.Active));
      expect(await f.registry.companyPrefixOwner(companyPrefix(NEWCOMER.prefix))).to.equal(f.newcomerId);
      await refused(
        "alliance:approve",
        { application: f.applicationId, from: "3" },
        /is Executed: only pending applications can be approved/,
      );
      await refused(
        "alliance:approve",
        { org: ACME, role: "Hospital", from: "3" },
        /Acme Gloves has no pending application for Hospital/,
      );
    });

    it("refuses non-regulators, suspended applicants and prefixes taken meanwhile", async () => {
      const f = await loadFixture(allianceFixture);
      await refused(
        "alliance:approve",
        { application: f.applicationId, from: MAKER },
        /is not a regulator: only regulators approve applications/,
      );
      await refused(
        "alliance:approve",
        { from: REG_A },
        /name the application: --application <id>, or --org and --role/,
      );
      // Another applicant asks for the same prefix and is admitted first.
      await json("alliance:register", {
        name: "Copy Gloves",
        role: "Manufacturer",
        licence: "copy",
        expiry: "+90d",
        prefixes: NEWCOMER.prefix,
        from: "21",
      });
      await json("alliance:approve", { org: "Copy Gloves", role: "Manufacturer", from: REG_A });
      await json("alliance:approve", { org: "Copy Gloves", role: "Manufacturer", from: REG_B });
      await refused(
        "alliance:approve",
        { application: f.applicationId, from: REG_A },
        /Company prefix 0885000 already belongs to Copy Gloves/,
      );
      await (await f.registry.connect(f.regulators[0]).suspendOrganisation(f.newcomerId, documentHash("fraud"))).wait();
      await refused(
        "alliance:approve",
        { application: f.applicationId, from: REG_B },
        /Acme Gloves is Suspended: it cannot be admitted to a role/,
      );
    });

    it("tells a mismatched approval in words", async () => {
      const f = await loadFixture(allianceFixture);
      const client = await clientAs(f, 1);
      await expect(
        client.send("approve", () => client.registry.approveApplication(f.applicationId, [companyPrefix("0999999")])),
      ).to.be.rejectedWith(
        /Could not approve: The company prefixes passed do not hash to the application being approved/,
      );
    });

    it("rejects with reasons (sentences and JSON) and refuses non-regulators", async () => {
      const f = await loadFixture(allianceFixture);
      await refused(
        "alliance:reject",
        { application: f.applicationId, reason: "incomplete", from: MAKER },
        /only regulators reject applications/,
      );
      await refused(
        "alliance:reject",
        { application: f.applicationId, from: REG_A },
        /--reason \(a file, a text or a 0x hash\) is required/,
      );
      await refused(
        "alliance:reject",
        { application: f.applicationId, reason: hre.ethers.ZeroHash, from: REG_A },
        /--reason may not be the zero hash/,
      );
      expect(
        await printed("alliance:reject", { org: ACME, role: "Manufacturer", reason: "incomplete", from: REG_A }),
      ).to.equal(`Rejected Acme Gloves's application for Manufacturer (${f.applicationId}).`);
      expect((await f.registry.motion(f.applicationId)).status).to.equal(BigInt(MotionStatus.Rejected));
      await refused(
        "alliance:reject",
        { application: f.applicationId, reason: "again", from: REG_A },
        /is Rejected: only pending applications can be rejected/,
      );
    });

    it("reports a rejection as JSON", async () => {
      const f = await loadFixture(allianceFixture);
      const result = await json("alliance:reject", { application: f.applicationId, reason: "incomplete", from: REG_A });
      expect(result).to.include({
        applicationId: f.applicationId,
        reasonHash: documentHash("incomplete"),
        role: "Manufacturer",
      });
    });
  });

  describe("alliance:suspend, alliance:reinstate and alliance:revoke", () => {
    const suspend = refuser("alliance:suspend", {});
    const reinstate = refuser("alliance:reinstate", {});
    const revoke = refuser("alliance:revoke", {});
    it("refuses an organisation the alliance does not have", async () => {
      await loadFixture(allianceFixture);
      await suspend(
        { org: "Nobody Ltd", reason: "x", from: REG_A },
        /organisation "Nobody Ltd": no organisation of the alliance has that name or id/,
      );
      await revoke({ org: "99", reason: "x", from: REG_A }, /the alliance has no organisation 99/);
      await suspend({ reason: "x", from: REG_A }, /--org is required/);
    });

    it("suspends and reinstates (sentences, JSON), refusing wrong standings and non-regulators", async () => {
      const f = await loadFixture(allianceFixture);
      await suspend({ org: "City General", reason: "audit", from: "7" }, /only regulators suspend organisations/);
      await reinstate(
        { org: "City General", from: REG_A },
        /City General Hospital is Active: only a suspended organisation can be reinstated/,
      );
      expect(await printed("alliance:suspend", { org: "City General", reason: "audit", from: REG_A })).to.equal(
        "Suspended City General Hospital: none of its accounts may act until a regulator reinstates it.",
      );
      expect((await f.registry.standing(f.orgIds.hospital))[0]).to.equal(BigInt(OrganisationStatus.Suspended));
      await suspend(
        { org: "City General", reason: "again", from: REG_B },
        /City General Hospital is Suspended: it cannot be suspended/,
      );
      await reinstate({ org: "City General", from: "7" }, /only regulators reinstate organisations/);
      const result = await json("alliance:reinstate", { org: "City General", from: REG_B });
      expect(result).to.include({ orgId: Number(f.orgIds.hospital), status: "Active" });
      expect((await f.registry.standing(f.orgIds.hospital))[0]).to.equal(BigInt(OrganisationStatus.Active));
      expect(await printed("alliance:suspend", { org: "3", reason: "audit", from: REG_A, json: true })).to.include(
        '"status": "Suspended"',
      );
      expect(await printed("alliance:reinstate", { org: "3", from: REG_A })).to.equal(
        "Reinstated City General Hospital: it is Active again.",
      );
    });

    it("revokes by quorum (sentences, then JSON) and refuses a second approval or a revoked organisation", async () => {
      const f = await loadFixture(allianceFixture);
      await revoke({ org: "Corner Pharmacy", reason: "fraud", from: "10" }, /only regulators revoke organisations/);
      expect(await printed("alliance:revoke", { org: "Corner Pharmacy", reason: "fraud", from: REG_A })).to.equal(
        "Approved revoking Corner Pharmacy: 1 of 2 approvals.",
      );
      await revoke(
        { org: "Corner Pharmacy", reason: "fraud", from: REG_A },
        /has already approved revoking Corner Pharmacy/,
      );
      const result = await json("alliance:revoke", { org: "Corner Pharmacy", reason: "fraud", from: REG_B });
      expect(result).to.include({ orgId: Number(f.orgIds.pharmacy), approvals: 2, revoked: true });
      expect((await f.registry.standing(f.orgIds.pharmacy))[0]).to.equal(BigInt(OrganisationStatus.Revoked));
      await revoke({ org: "Corner Pharmacy", reason: "fraud", from: "3" }, /Corner Pharmacy is already Revoked/);
      await suspend(
        { org: "Corner Pharmacy", reason: "x", from: "3" },
        /Corner Pharmacy is Revoked: it cannot be suspended/,
      );
    });
  });

  describe("alliance:renew-licence and alliance:approve-licence", () => {
    it("proposes a renewal and a regulator approves it (sentences and JSON)", async () => {
      const f = await loadFixture(allianceFixture);
      await refused(
        "alliance:approve-licence",
        { org: MAKER, from: REG_A },
        /Northwind Masks has no licence renewal waiting for approval/,
      );
      const text = await printed("alliance:renew-licence", {
        licence: "Northwind licence 2030",
        licenceUri: "ipfs://licences/northwind-2030",
        expiry: "2030-06-30",
        from: MAKER,
      });
      expect(text).to.equal(
        "Northwind Masks proposed its renewed licence (valid until 2030-06-30 00:00 UTC); a regulator approves it with alliance:approve-licence.",
      );
      await refused("alliance:approve-licence", { org: MAKER, from: MAKER }, /only regulators approve licences/);
      await refused(
        "alliance:approve-licence",
        { org: MAKER, licence: "other", from: REG_A },
        /is not the one Northwind Masks proposed/,
      );
      const result = await json("alliance:approve-licence", {
        org: MAKER,
        licence: "Northwind licence 2030",
        from: REG_A,
      });
      expect(result).to.include({ licenceHash: documentHash("Northwind licence 2030"), status: "Active" });
      const view = await f.registry.organisation(f.orgIds.maker);
      expect(view.licenceExpiry).to.equal(BigInt(Date.UTC(2030, 5, 30) / 1000));
      const detail = await json<{ licenceURI: string }>("org", { org: MAKER });
      expect(detail.licenceURI).to.equal("ipfs://licences/northwind-2030");
    });

    it("renews an expired licence and reports JSON; refuses past dates and non-admins", async () => {
      const f = await loadFixture(allianceFixture);
      await refused(
        "alliance:renew-licence",
        { licence: "x", expiry: "2020-01-01", from: MAKER },
        /licence expiry 2020-01-01 00:00 UTC is in the past/,
      );
      await refused(
        "alliance:renew-licence",
        { licence: "x", expiry: "+30d", from: String(OPERATOR_ACCOUNT) },
        /only its admin may renew its licence/,
      );
      await time.increaseTo(f.licenceExpiry + 1n);
      const result = await json<{ licenceExpiry: number }>("alliance:renew-licence", {
        licence: "new",
        expiry: "+365d",
        from: ACME,
      });
      expect((await f.registry.pendingLicenceRenewal(f.newcomerId))[1]).to.equal(BigInt(result.licenceExpiry));
      expect(await printed("alliance:approve-licence", { org: ACME, from: REG_A })).to.match(
        /^Approved Acme Gloves's licence: valid until .* UTC; it is Registered\.$/,
      );
    });
  });

  describe("alliance:add-site", () => {
    it("registers a site by GLN (sentences and JSON)", async () => {
      const f = await loadFixture(allianceFixture);
      expect(
        await printed("alliance:add-site", { gln: "0614141000029", name: "North warehouse", from: MAKER }),
      ).to.equal("Northwind Masks registered site 1: North warehouse, GLN 0614141000029.");
      expect(await f.registry.siteGln(f.orgIds.maker, 1)).to.equal(614141000029n);
      const result = await json("alliance:add-site", { gln: "0614141000036", name: "South dock", from: MAKER });
      expect(result).to.include({ siteIndex: 2, gln: "0614141000036", name: "South dock" });
      const detail = await json<{ sites: { index: number; gln: string; name: string }[] }>("org", { org: MAKER });
      expect(detail.sites[2]).to.deep.equal({ index: 2, gln: "0614141000036", name: "South dock" });
    });

    it("refuses bad check digits, taken GLNs and operators", async () => {
      await loadFixture(allianceFixture);
      await refused(
        "alliance:add-site",
        { gln: "0614141000028", name: "x", from: MAKER },
        /GLN "0614141000028" has a wrong check digit: it ends in 8, the check digit is 9/,
      );
      await refused(
        "alliance:add-site",
        { gln: MEMBERS.hospital.site, name: "x", from: MAKER },
        /GLN 9520000000011 is already a site of City General Hospital/,
      );
      await refused("alliance:add-site", { gln: "0614141000029", from: MAKER }, /--name is required/);
      await refused(
        "alliance:add-site",
        { gln: "0614141000029", name: "x", from: String(OPERATOR_ACCOUNT) },
        /only its admin may register sites/,
      );
    });

    it("tells a GLN taken meanwhile in words", async () => {
      const f = await loadFixture(allianceFixture);
      const client = await clientAs(f, 5);
      await expect(
        client.send("register the site", () => client.registry.registerSite(BigInt(MEMBERS.hospital.site), "x")),
      ).to.be.rejectedWith(
        /Could not register the site: The GLN is already another organisation's site \(gln 9520000000011, owner org organisation 3 \(City General Hospital\)\)/,
      );
    });
  });

  describe("accounts: invite, accept, cancel, remove", () => {
    it("invites, accepts and removes an operator (sentences and JSON)", async () => {
      const f = await loadFixture(allianceFixture);
      const newcomer = f.signers[23].address;
      expect(await printed("alliance:invite", { account: newcomer, from: MAKER })).to.equal(
        `Northwind Masks invited ${newcomer} as operator; it joins with alliance:accept-invitation --org 1.`,
      );
      expect(await f.registry.invitationOf(f.orgIds.maker, newcomer)).to.equal(BigInt(AccountKind.Operator));
      const joined = await json("alliance:accept-invitation", { org: MAKER, from: "23" });
      expect(joined).to.include({ orgId: 1, account: newcomer, kind: "Operator" });
      expect((await f.registry.membershipOf(newcomer))[0]).to.equal(f.orgIds.maker);
      expect(await printed("alliance:remove-account", { account: newcomer, from: MAKER })).to.equal(
        `Northwind Masks removed its operator account ${newcomer}.`,
      );
      expect((await f.registry.membershipOf(newcomer))[0]).to.equal(0n);
    });

    it("invites a device key as JSON, accepts in words, cancels and removes as JSON", async () => {
      const f = await loadFixture(allianceFixture);
      const device = f.signers[24].address;
      const invited = await json("alliance:invite", { account: device, kind: "device", from: MAKER });
      expect(invited).to.include({ account: device, kind: "Device" });
      expect(await printed("alliance:accept-invitation", { org: "1", from: "24" })).to.equal(
        `${device} joined Northwind Masks as device.`,
      );
      const removed = await json("alliance:remove-account", { account: device, from: MAKER });
      expect(removed).to.include({ kind: "Device" });
      const other = f.signers[25].address;
      await json("alliance:invite", { account: other, from: MAKER });
      expect(await printed("alliance:cancel-invitation", { account: other, from: MAKER })).to.equal(
        `Northwind Masks cancelled its invitation of ${other}.`,
      );
      expect(await f.registry.invitationOf(f.orgIds.maker, other)).to.equal(0n);
      await json("alliance:invite", { account: other, from: MAKER });
      expect(await json("alliance:cancel-invitation", { account: other, from: MAKER })).to.include({
        account: other,
        orgId: 1,
      });
    });

    it("hands the admin over to an own operator", async () => {
      const f = await loadFixture(allianceFixture);
      const operator = f.signers[OPERATOR_ACCOUNT].address;
      await json("alliance:invite", { account: operator, kind: "admin", from: MAKER });
      expect(await printed("alliance:accept-invitation", { org: MAKER, from: String(OPERATOR_ACCOUNT) })).to.equal(
        `${operator} is now the admin of Northwind Masks.`,
      );
      expect((await f.registry.organisation(f.orgIds.maker)).admin).to.equal(operator);
    });

    it("refuses what the registry would refuse", async () => {
      const f = await loadFixture(allianceFixture);
      const hospitalAdmin = f.signers[7].address;
      await refused(
        "alliance:invite",
        { account: "0x1234", from: MAKER },
        /--account "0x1234" is not an account address/,
      );
      await refused(
        "alliance:invite",
        { account: f.signers[23].address, kind: "boss", from: MAKER },
        /kind "boss" is not an account kind/,
      );
      await refused(
        "alliance:invite",
        { account: f.signers[1].address, from: MAKER },
        /is a regulator: regulators belong to no organisation/,
      );
      await refused(
        "alliance:invite",
        { account: hospitalAdmin, from: MAKER },
        /already belongs to City General Hospital/,
      );
      await refused(
        "alliance:invite",
        { account: f.signers[23].address, from: "23" },
        /belongs to no organisation: only an organisation's admin may invite accounts/,
      );
      await refused(
        "alliance:accept-invitation",
        { org: MAKER, from: "23" },
        /has no pending invitation from Northwind Masks/,
      );
      await refused(
        "alliance:cancel-invitation",
        { account: f.signers[23].address, from: MAKER },
        /Northwind Masks has no pending invitation for/,
      );
      await refused(
        "alliance:remove-account",
        { account: hospitalAdmin, from: MAKER },
        /is not an operator or device of Northwind Masks/,
      );
      await refused(
        "alliance:remove-account",
        { account: f.signers[OPERATOR_ACCOUNT].address, from: "7" },
        /is not an operator or device of City General Hospital/,
      );
    });

    it("tells an account taken meanwhile in words", async () => {
      const f = await loadFixture(allianceFixture);
      const client = await clientAs(f, 5);
      await expect(
        client.send("invite", () => client.registry.inviteAccount(f.signers[7].address, AccountKind.Operator)),
      ).to.be.rejectedWith(/Could not invite: The account already belongs to an organisation .*City General Hospital/);
    });
  });

  describe("alliance:replace-admin", () => {
    it("replaces a lost admin by quorum (sentences, then JSON); the new key accepts", async () => {
      const f = await loadFixture(allianceFixture);
      const fresh = f.signers[26].address;
      const lost = f.signers[7].address;
      expect(await printed("alliance:replace-admin", { org: "City General", newAdmin: fresh, from: REG_A })).to.equal(
        `Approved replacing City General Hospital's admin with ${fresh}: 1 of 2 approvals.`,
      );
      await refused(
        "alliance:replace-admin",
        { org: "City General", newAdmin: fresh, from: REG_A },
        /has already approved replacing City General Hospital's admin/,
      );
      const result = await json("alliance:replace-admin", { org: "City General", newAdmin: fresh, from: REG_B });
      expect(result).to.include({ previousAdmin: lost, newAdmin: fresh, invited: true, approvals: 2 });
      expect((await f.registry.membershipOf(lost))[0]).to.equal(0n);
      expect(await printed("alliance:accept-invitation", { org: "City General", from: "26" })).to.equal(
        `${fresh} is now the admin of City General Hospital.`,
      );
      expect((await f.registry.organisation(f.orgIds.hospital)).admin).to.equal(fresh);
    });

    it("refuses non-regulators, regulator keys and members of other organisations", async () => {
      const f = await loadFixture(allianceFixture);
      await refused(
        "alliance:replace-admin",
        { org: "City General", newAdmin: f.signers[26].address, from: "7" },
        /only regulators replace an organisation's admin/,
      );
      await refused(
        "alliance:replace-admin",
        { org: "City General", newAdmin: f.signers[2].address, from: REG_A },
        /is a regulator: it cannot be an organisation's admin/,
      );
      await refused(
        "alliance:replace-admin",
        { org: "City General", newAdmin: f.signers[5].address, from: REG_A },
        /already belongs to Northwind Masks/,
      );
      await refused("alliance:replace-admin", { org: "City General", from: REG_A }, /--new-admin is required/);
    });
  });

  it("keeps alliance:members working", async () => {
    await loadFixture(allianceFixture);
    const rows = await json<{ name: string }[]>("alliance:members", {});
    expect(rows.map((r) => r.name)).to.include(ACME);
  });
});
