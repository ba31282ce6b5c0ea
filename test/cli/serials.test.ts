import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import hre from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { sendClient } from "../../scripts/client/task";
import { documentHash } from "../../scripts/lib/alliance";
import { commitmentOf, unitOf } from "../../scripts/lib/serials";
import { BatchStatus } from "../../scripts/lib/trace";
import { MASK_LOT, MASK_TEXT, json, useCliDeployments } from "../helpers/cliFixture";
import { printed } from "../helpers/tasks";
import { RECEIVED, SPARE_LOT, dispensedFixture, refused, serialisedFixture, stockFixture } from "./serialsFixture";

const MASKS = `${MASK_TEXT}/${MASK_LOT}`;
const SPARE = `${MASK_TEXT}/${SPARE_LOT}`;
const LINK = (serial: string) => `https://id.northwind.example/01/${MASK_TEXT}/10/${MASK_LOT}/21/${serial}`;
/** A unit named by its Digital Link, as `from` acting with the proof folder `proofs`. */
const unitArgs = (from: string, serial: string, proofs: string) => ({ from, unit: LINK(serial), proofs });
const HOSPITAL = "City General Hospital";
const PHARMACY = "Corner Pharmacy";
const REGULATOR = "1";

let scratch: string;

function file(name: string, text: string): string {
  const p = path.join(scratch, name);
  fs.writeFileSync(p, text);
  return p;
}

describe("CLI serials: unit, serials:commit, serials:dispense, serials:report-clone", function () {
  useCliDeployments();
  before(() => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), "medalliance-serials-cli-"));
  });
  after(() => fs.rmSync(scratch, { recursive: true, force: true }));

  describe("unit", () => {
    it("tells a pharmacist a genuine unsold unit may be dispensed, by URI or by batch and serial", async () => {
      const f = await loadFixture(serialisedFixture);
      const out = await printed("unit", { code: LINK("SN-0003"), proofs: f.proofs });
      expect(out).to.match(
        /^Serial SN-0003 of batch 00614141000029\/MK-2026-001 is genuine and not yet dispensed: unit 2 of 5 made by Northwind Masks, released for use until \d{4}-\d\d-\d\d \d\d:\d\d UTC\. It may be dispensed\.$/,
      );
      const doc = await json<Record<string, unknown>>("unit", { batch: MASKS, serial: "SN-0003", proofs: f.proofs });
      expect(doc).to.deep.include({
        gtin: MASK_TEXT,
        lot: MASK_LOT,
        serial: "SN-0003",
        batchId: f.maskBatch,
        index: 2,
        status: "Released",
        genuine: true,
        mayDispense: true,
        dispensed: false,
        maker: "Northwind Masks",
        cloneReports: 0,
      });
      expect(doc.expiresAt).to.equal(Number((await f.ledger.batch(f.maskBatch)).expiresAt));
    });

    it("warns of a unit dispensed already, a code the maker never made, an unknown batch and a recall", async () => {
      const f = await loadFixture(dispensedFixture);
      expect(await printed("unit", { unit: LINK("SN-0002"), proofs: f.proofs })).to.contain(
        "is genuine but was ALREADY DISPENSED. If this pack is unsold in front of you, it is a copy or was scanned twice",
      );
      const fake = await json<Record<string, unknown>>("unit", { unit: LINK("SN-9999"), proofs: f.proofs });
      expect(fake).to.deep.include({ status: "NotInBatch", genuine: false, mayDispense: false, index: null });
      expect(fake.message).to.contain("is NOT a unit of this batch: Northwind Masks registered no such code");
      const unknown = await json<Record<string, unknown>>("unit", {
        unit: `https://id.example/01/${MASK_TEXT}/10/NOPE-1/21/SN-0001`,
        proofs: f.proofs,
      });
      expect(unknown).to.deep.include({ status: "Unknown", genuine: false, maker: null });
      await (await f.ledger.connect(f.regulators[0]).recall(f.maskBatch, 2, documentHash("particles"))).wait();
      const recalled = await json<Record<string, unknown>>("unit", { unit: LINK("SN-0002"), proofs: f.proofs });
      expect(recalled).to.deep.include({ status: "Recalled", dispensed: true });
      expect(recalled.message).to.contain("its batch has been RECALLED. Do not dispense it");
    });

    it("reads NotInBatch for a proof file whose proof was tampered with", async () => {
      const f = await loadFixture(serialisedFixture);
      const folder = path.join(scratch, "tampered");
      fs.cpSync(f.proofs, folder, { recursive: true });
      const target = path.join(folder, f.tree.pathOf("SN-0004"));
      const proof = JSON.parse(fs.readFileSync(target, "utf8"));
      proof.index = 0;
      fs.writeFileSync(target, JSON.stringify(proof));
      const doc = await json<Record<string, unknown>>("unit", { unit: LINK("SN-0004"), proofs: folder });
      expect(doc).to.deep.include({ status: "NotInBatch", index: 0 });
    });

    it("refuses a unit named badly or a proof folder that is missing", async () => {
      const f = await loadFixture(serialisedFixture);
      await refused(
        "unit",
        { unit: `https://id.example/01/${MASK_TEXT}/10/${MASK_LOT}`, proofs: f.proofs },
        `"https://id.example/01/${MASK_TEXT}/10/${MASK_LOT}" names no unit: a unit's Digital Link has /01/<GTIN>/10/<lot>/21/<serial>`,
      );
      await refused(
        "unit",
        { unit: LINK("SN-0001"), batch: MASKS, proofs: f.proofs },
        "name the unit either by its Digital Link URI (--unit) or by --batch and --serial, not both",
      );
      await refused("unit", { batch: MASKS, proofs: f.proofs }, /^name the unit by its Digital Link URI/);
      await refused(
        "unit",
        { code: LINK("SN-0001"), unit: LINK("SN-0001"), proofs: f.proofs },
        "give the unit's Digital Link once: as --unit or alone",
      );
      await refused("unit", { unit: LINK("SN-0001") }, "--proofs is required: the folder of the maker's proof files");
      await refused(
        "unit",
        { unit: LINK("SN-0001"), proofs: path.join(scratch, "nowhere") },
        `proof folder ${path.join(scratch, "nowhere")} does not exist`,
      );
      await refused(
        "unit",
        { batch: SPARE, serial: "SN-0001", proofs: f.proofs },
        `proof folder ${f.proofs} holds no proof files of batch ${SPARE}`,
      );
      await refused(
        "unit",
        { unit: "https://id.example/01/00614141000020/10/A/21/B", proofs: f.proofs },
        /GTIN "00614141000020" has a wrong check digit/,
      );
    });
  });

  describe("serials:commit", () => {
    it("commits a batch's serials from a CSV column and writes one proof file per unit", async () => {
      const f = await loadFixture(stockFixture);
      const csv = file("spare.csv", 'pack,serial\n1,SP-1\n2,"SP-2"\n3,SP-3\n');
      const out = path.join(scratch, "commit-1");
      const doc = await json<Record<string, unknown>>("serials:commit", {
        from: "Northwind Masks",
        batch: SPARE,
        file: csv,
        column: "serial",
        out,
      });
      expect(doc).to.deep.include({ gtin: MASK_TEXT, lot: SPARE_LOT, batchId: f.spareBatch, count: 3, files: 3 });
      expect(await f.serials.commitmentOf(f.spareBatch)).to.equal(commitmentOf(doc.root as string, 3));
      expect(doc.commitment).to.equal(commitmentOf(doc.root as string, 3));
      expect((await f.ledger.batch(f.spareBatch)).serialised).to.equal(true);
      expect(fs.readdirSync(doc.proofFolder as string)).to.have.length(256);
      const status = await json<Record<string, unknown>>("unit", { batch: SPARE, serial: "SP-2", proofs: out });
      expect(status).to.deep.include({ status: "OnHold", genuine: true, index: 1 });
      expect(doc.transaction).to.match(/^0x[0-9a-f]{64}$/);
    });

    it("prints sentences for a plain list, and notes a count other than the batch's size", async () => {
      const f = await loadFixture(stockFixture);
      const list = file("spare.txt", "# packs of lot 2\nA-1\n\nA-2\n");
      const out = await printed("serials:commit", {
        from: "Northwind Masks",
        batch: SPARE,
        file: list,
        out: path.join(scratch, "commit-2"),
      });
      expect(out).to.contain(`Committed 2 unit serials of batch ${SPARE} for Northwind Masks (root 0x`);
      expect(out).to.contain("Note: the batch was commissioned with 1,000 units; 2 serials were committed.");
      expect(out).to.match(/Wrote 2 proof files \([\d,]+ bytes\) to .*commit-2\/00614141000029\/MK-2026-002/);
      expect(await f.serials.commitmentOf(f.spareBatch)).to.not.equal(hre.ethers.ZeroHash);
    });

    it("refuses another maker, a non-maker, a committed batch, bad serials, a paused alliance", async () => {
      const f = await loadFixture(serialisedFixture);
      const list = file("ok.txt", "X-1\nX-2\n");
      const base = { from: "Northwind Masks", batch: SPARE, file: list, out: path.join(scratch, "never") };
      await refused(
        "serials:commit",
        { ...base, from: "MediTech Implants" },
        `MediTech Implants is not the maker of batch ${SPARE}: Northwind Masks is`,
      );
      await refused(
        "serials:commit",
        { ...base, from: PHARMACY },
        `${PHARMACY} is not admitted as Supplier or Manufacturer: it may not act on unit serials`,
      );
      await refused(
        "serials:commit",
        { ...base, batch: MASKS },
        `Batch ${MASKS} already has committed serials: they are committed once`,
      );
      await refused(
        "serials:commit",
        { ...base, file: file("dup.txt", "X-1\nX-2\nX-1\n") },
        `${path.join(scratch, "dup.txt")}: serial "X-1" appears twice in the batch (#0 and #2)`,
      );
      await refused(
        "serials:commit",
        { ...base, file: file("t.csv", "serial\nX-1\n") },
        `${path.join(scratch, "t.csv")} is a table: name the serials' column with --column`,
      );
      await refused(
        "serials:commit",
        { ...base, file: file("t2.csv", "a,b\n1,2\n"), column: "serial" },
        `${path.join(scratch, "t2.csv")} has no column "serial" (its columns: a, b)`,
      );
      await refused(
        "serials:commit",
        { ...base, file: path.join(scratch, "none.txt") },
        /^serials file .* does not exist$/,
      );
      await refused(
        "serials:commit",
        { ...base, batch: `${MASK_TEXT}/NOPE` },
        `batch ${MASK_TEXT}/NOPE: the ledger has no such batch`,
      );
      fs.mkdirSync(path.join(scratch, "exists", MASK_TEXT, SPARE_LOT), { recursive: true });
      await refused(
        "serials:commit",
        { ...base, out: path.join(scratch, "exists") },
        `proof files of batch ${SPARE} exist already in ${path.join(scratch, "exists", MASK_TEXT, SPARE_LOT)}`,
      );
      await (await f.registry.connect(f.guardian).pause()).wait();
      await refused("serials:commit", base, "The alliance is paused: nobody may commit serials until it resumes");
    });

    it("explains the registry's own refusal in a sentence", async () => {
      const f = await loadFixture(serialisedFixture);
      const client = await sendClient(hre, { json: false, from: "Northwind Masks" });
      await expect(
        client.send("commit serials", () => client.serials.commitSerials(f.maskBatch, f.tree.root, 5n)),
      ).to.be.rejectedWith(/^Could not commit serials: The batch's serials were committed already \(batch 0x/);
    });
  });

  describe("serials:dispense", () => {
    it("dispenses one unit held by the hospital", async () => {
      const f = await loadFixture(serialisedFixture);
      const doc = await json<Record<string, unknown>>("serials:dispense", {
        ...unitArgs(HOSPITAL, "SN-0004", f.proofs),
        reference: "ward 7 sale 12",
      });
      expect(doc).to.deep.include({ serial: "SN-0004", index: 3, status: "Dispensed", holding: Number(RECEIVED) - 1 });
      expect(doc.referenceHash).to.equal(documentHash("ward 7 sale 12"));
      expect(await f.serials.isDispensed(f.maskBatch, 3n)).to.equal(true);
      expect(await f.ledger.holdingOf(f.maskBatch, f.orgIds.hospital)).to.equal(RECEIVED - 1n);
      const out = await printed("serials:dispense", {
        from: HOSPITAL,
        batch: MASKS,
        serial: "SN-0005",
        proofs: f.proofs,
        reference: "sale 13",
      });
      expect(out).to.contain(
        `Dispensed serial SN-0005 of batch ${MASKS} (unit 4) by ${HOSPITAL}; 498 units of the batch left there.`,
      );
    });

    it("refuses a copy, a counterfeit, a recalled batch, a holder without stock and a carrier", async () => {
      const f = await loadFixture(dispensedFixture);
      const base = { from: HOSPITAL, proofs: f.proofs, reference: "sale 2" };
      await refused(
        "serials:dispense",
        { ...base, unit: LINK("SN-0002") },
        `serial SN-0002 of batch ${MASKS} was already dispensed: this pack is a copy or was scanned twice — do not dispense it, report it with serials:report-clone`,
      );
      await refused(
        "serials:dispense",
        { ...base, unit: LINK("SN-0404") },
        `serial SN-0404 of batch ${MASKS} has no proof file in the proof folder: the maker published no such unit — do not dispense this pack: it may be counterfeit`,
      );
      await refused(
        "serials:dispense",
        { ...base, unit: LINK("SN-0001"), reference: undefined },
        /^--reference \(a file, a text or a 0x hash\) is required$/,
      );
      await refused(
        "serials:dispense",
        { ...base, unit: LINK("SN-0001"), from: PHARMACY },
        `${PHARMACY} holds no units of batch ${MASKS}: it can only dispense what it holds`,
      );
      await refused(
        "serials:dispense",
        { ...base, unit: LINK("SN-0001"), from: "Swift Cold Chain" },
        "Swift Cold Chain is not admitted as Hospital or Retailer: it may not act on unit serials",
      );
      await (await f.ledger.connect(f.regulators[0]).recall(f.maskBatch, 1, documentHash("recall"))).wait();
      await refused(
        "serials:dispense",
        { ...base, unit: LINK("SN-0001") },
        `serial SN-0001 of batch ${MASKS}: its batch is Recalled, so its units may not be dispensed`,
      );
    });

    it("explains the registry's refusal of a second dispensing", async () => {
      const f = await loadFixture(dispensedFixture);
      const client = await sendClient(hre, { json: false, from: HOSPITAL });
      const proof = f.tree.proofOf("SN-0002");
      await expect(
        client.send("dispense", () => client.serials.dispense(unitOf(proof), documentHash("again"), proof.proof)),
      ).to.be.rejectedWith(
        /^Could not dispense: The unit was dispensed already: this code is a copy, or was scanned twice \(batch 0x[0-9a-f]{4}…[0-9a-f]{4}, index 1\)\.$/,
      );
    });
  });

  describe("serials:report-clone", () => {
    it("lets a pharmacist report a code seen twice, and a regulator report and block", async () => {
      const f = await loadFixture(dispensedFixture);
      const doc = await json<Record<string, unknown>>("serials:report-clone", {
        ...unitArgs(PHARMACY, "SN-0002", f.proofs),
        place: "9520000000035",
        evidence: "photos of both packs",
      });
      expect(doc).to.deep.include({
        serial: "SN-0002",
        index: 1,
        reporterOrgId: Number(f.orgIds.pharmacy),
        blocked: false,
        cloneReports: 1,
        cloneReportsFromMembers: 1,
      });
      expect(doc.place).to.equal("0x" + BigInt("9520000000035").toString(16).padStart(64, "0"));
      const out = await printed("serials:report-clone", {
        ...unitArgs(REGULATOR, "SN-0002", f.proofs),
        place: "market stall, Harbour Road",
        evidence: "inspection photos",
        block: true,
        reason: "clones found on the market",
      });
      expect(out).to.contain(`Reported serial SN-0002 of batch ${MASKS} (unit 1) as seen twice.`);
      expect(out).to.contain("The batch now has 2 clone reports (1 by members).");
      expect(out).to.contain("The batch is now blocked as suspect");
      expect(Number(await f.ledger.batchStatus(f.maskBatch))).to.equal(BatchStatus.Blocked);
    });

    it("refuses a counterfeit code, --reason without --block, a block by a member and a second report", async () => {
      const f = await loadFixture(dispensedFixture);
      const base = { from: PHARMACY, proofs: f.proofs, place: "9520000000035", evidence: "photos" };
      await refused(
        "serials:report-clone",
        { ...base, unit: LINK("SN-0666") },
        `serial SN-0666 of batch ${MASKS} has no proof file in the proof folder: the maker published no such unit — only a genuine code can be reported as cloned; tell the regulator about a suspect counterfeit`,
      );
      await refused(
        "serials:report-clone",
        { ...base, unit: LINK("SN-0002"), reason: "x" },
        "--reason goes with --block (regulators blocking the batch)",
      );
      await refused(
        "serials:report-clone",
        { ...base, unit: LINK("SN-0002"), place: undefined },
        /^--place is required/,
      );
      await refused(
        "serials:report-clone",
        { ...base, unit: LINK("SN-0002"), block: true, reason: "x" },
        /^Account 0x[0-9a-fA-F]{40} is not a regulator: only regulators block a batch$/,
      );
      await (await f.ledger.connect(f.regulators[1]).blockBatch(f.maskBatch, documentHash("suspect"))).wait();
      await refused(
        "serials:report-clone",
        { ...base, from: REGULATOR, unit: LINK("SN-0002"), block: true, reason: "x" },
        `Batch ${MASKS} is blocked already: report without --block`,
      );
      await printed("serials:report-clone", { ...base, unit: LINK("SN-0002") });
      await refused(
        "serials:report-clone",
        { ...base, unit: LINK("SN-0002") },
        /^Could not report serial SN-0002 of batch 00614141000029\/MK-2026-001 as cloned: This account already reported this unit \(reporter 0x[0-9a-fA-F]{40}, batch 0x[0-9a-f]{4}…[0-9a-f]{4}, index 1\)\.$/,
      );
    });
  });
});
