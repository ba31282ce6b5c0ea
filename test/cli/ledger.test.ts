import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import hre, { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { HardhatPluginError } from "hardhat/plugins";
import { ClientError } from "../../scripts/client/client";
import { formatTime } from "../../scripts/client/codes";
import { sendClient } from "../../scripts/client/task";
import { documentHash } from "../../scripts/lib/alliance";
import { fetchHistory } from "../../scripts/lib/history";
import { BatchStatus, RecordKind, ShipmentStatus, batchIdOf, lot } from "../../scripts/lib/trace";
import { SerialRegistry__factory } from "../../typechain-types";
import { GOWN_TEXT, MASK_GTIN, MASK_LOT, MASK_TEXT, cliFixture, json, useCliDeployments } from "../helpers/cliFixture";
import { runCommandLine } from "../helpers/commandLine";
import { printed } from "../helpers/tasks";
import {
  KIT_LOT,
  PAST_RECEIPT_WINDOW,
  SHIPPED,
  deliveredFixture,
  heldFixture,
  hospitalStockFixture,
  shippedFixture,
} from "./ledgerFixture";

const MASKS = `${MASK_TEXT}/${MASK_LOT}`;
const KIT = `${MASK_TEXT}/${KIT_LOT}`;
const MAKER = "Northwind Masks";
const CARRIER = "Swift Cold Chain";
const HOSPITAL = "City General Hospital";
const REGULATOR = "1";
const NOT_A_CARRIER = "City General Hospital is not admitted as Logistics: it may not act on the ledger";

const short = (id: string) => `${id.slice(0, 6)}…${id.slice(-4)}`;
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const exact = (text: string) => new RegExp(`^${escape(text)}$`);

/** The task is refused with exactly this sentence, as one plugin error. */
async function refused(name: string, args: Record<string, unknown>, message: string | RegExp): Promise<void> {
  await expect(hre.run(name, args)).to.be.rejectedWith(
    HardhatPluginError,
    typeof message === "string" ? exact(message) : message,
  );
}

/** Each case (arguments laid over `base`, and its sentence) is refused. */
async function refusedEach(
  name: string,
  base: Record<string, unknown>,
  cases: [Record<string, unknown>, string | RegExp][],
): Promise<void> {
  for (const [args, message] of cases) await refused(name, { ...base, ...args }, message);
}

/** Record kinds of a batch's history on chain, by name. */
async function kinds(f: { ledger: import("../../typechain-types").BatchLedger }, batchId: string): Promise<string[]> {
  return (await fetchHistory(f.ledger, batchId)).map((e) => RecordKind[e.kind]);
}

interface Trace {
  batchId: string;
  gtin: string;
  lot: string;
  status: string;
  holdings: { orgId: string; organisation: string; quantity: string }[];
  records: Record<string, unknown>[];
  inputs: { batchId: string; quantity: string; batch: string }[];
  madeInto: { batchId: string; batch: string; status: string }[];
  outflows: { dispensed: string; destroyed: string; lost: string };
  inTransit: string;
  consumed: string;
  proven: boolean;
  head: string;
  recordCount: number;
}

interface Action {
  transaction: string;
  [key: string]: unknown;
}

describe("CLI ledger tasks", () => {
  useCliDeployments();

  describe("trace", () => {
    it("prints a batch's timeline, holdings and lineage, and proves its history against the head", async () => {
      const f = await loadFixture(hospitalStockFixture);
      const out = await printed("trace", { batch: MASKS });
      const [head, count] = await f.ledger.historyOf(f.maskBatch);
      expect(count).to.equal(8n);
      expect(out).to.include(`Batch ${MASKS} (${f.maskBatch})`);
      expect(out).to.match(/made by Northwind Masks: 10,000 units, expires \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
      expect(out).to.include("status Released; latest inspection None");
      const commissionedAt = formatTime((await fetchHistory(f.ledger, f.maskBatch))[0].timestamp);
      expect(out).to.match(
        new RegExp(`0  ${escape(commissionedAt)}  Commissioned +Northwind Masks +10,000 units at site 0614141000012`),
      );
      expect(out).to.match(/Released +regulator 0x7099…79C8 +released early by a regulator/);
      expect(out).to.match(/ConsumedAsInput +Northwind Masks +300 units used to make 00614141000029\/KIT-2026-001/);
      expect(out).to.include(
        `Shipped          Northwind Masks        500 units Northwind Masks → City General Hospital, carrier Swift Cold ` +
          `Chain, site 0614141000012 → 9520000000011; shipment ${f.shipmentId}`,
      );
      expect(out).to.match(/PickedUp +Swift Cold Chain +shipment 0x\w{4}…\w{4}: 500 units Northwind Masks → City/);
      expect(out).to.match(
        /Received +City General Hospital +480 of 500 units received in good condition, 20 lost in transit/,
      );
      expect(out).to.match(/Dispensed +City General Hospital +30 units dispensed at City General Hospital/);
      expect(out).to.match(/Northwind Masks +9,200\nCity General Hospital +450/);
      expect(out).to.include("In transit 0; dispensed 30, destroyed 0, lost in transit 20, used as input 300.");
      expect(out).to.include("Made from:\nNo input batches.");
      expect(out).to.match(new RegExp(`00614141000029/KIT-2026-001 +OnHold +${f.kitBatch}`));
      expect(out.trimEnd().split("\n").pop()).to.equal(`PROVEN: the 8 records rebuild the ledger's head ${head}.`);
    });

    it("--json: every record in order, holdings, lineage and the proof, by Digital Link URI or id", async () => {
      const f = await loadFixture(hospitalStockFixture);
      const trace = await json<Trace>("trace", { batch: `https://id.example.org/01/${MASK_TEXT}/10/${MASK_LOT}` });
      const [head, count] = await f.ledger.historyOf(f.maskBatch);
      expect(trace).to.include({ batchId: f.maskBatch, gtin: MASK_TEXT, lot: MASK_LOT, status: "Released" });
      expect(trace).to.include({ proven: true, head, recordCount: Number(count), consumed: "300", inTransit: "0" });
      expect(trace.records.map((r) => r.kind)).to.deep.equal(await kinds(f, f.maskBatch));
      expect(trace.records.map((r) => r.kind)).to.deep.equal([
        "Commissioned",
        "Released",
        "ConsumedAsInput",
        "Shipped",
        "PickedUp",
        "Delivered",
        "Received",
        "Dispensed",
      ]);
      const history = await fetchHistory(f.ledger, f.maskBatch);
      trace.records.forEach((r, i) => {
        expect(r.timestamp).to.equal(Number(history[i].timestamp));
        expect(r.dataHash).to.equal(history[i].dataHash);
        expect(r.actor).to.equal(history[i].actor);
      });
      expect(trace.records[3]).to.include({
        shipmentId: f.shipmentId,
        quantity: "500",
        organisation: "Northwind Masks",
      });
      expect(trace.records[6]).to.include({ shipmentId: f.shipmentId, quantityReceived: "480", goodCondition: true });
      expect(trace.records[2]).to.include({ outputBatchId: f.kitBatch, quantity: "300" });
      expect(trace.holdings).to.deep.equal([
        { orgId: String(f.orgIds.maker), organisation: "Northwind Masks", quantity: "9200" },
        { orgId: String(f.orgIds.hospital), organisation: HOSPITAL, quantity: "450" },
      ]);
      expect(await f.ledger.holdingOf(f.maskBatch, f.orgIds.hospital)).to.equal(450n);
      expect(trace.outflows).to.deep.equal({ dispensed: "30", destroyed: "0", lost: "20" });
      expect(trace.madeInto).to.deep.equal([{ batchId: f.kitBatch, batch: KIT, status: "OnHold" }]);

      const kit = await json<Trace>("trace", { batch: f.kitBatch });
      expect(kit).to.include({ lot: KIT_LOT, status: "OnHold", proven: true });
      expect(kit.inputs).to.deep.equal([{ batchId: f.maskBatch, batch: MASKS, status: "Released", quantity: "300" }]);
      await refusedEach("trace", {}, [
        [{ batch: `${MASK_TEXT}/NOPE` }, `batch ${MASK_TEXT}/NOPE: the ledger has no such batch`],
        [
          { batch: "00614141000028/X" },
          'batch GTIN "00614141000028" has a wrong check digit: it ends in 8, the check digit is 9',
        ],
      ]);
    });
  });

  describe("incoming and holdings", () => {
    it("lists shipments waiting for a recipient, those a carrier must move, and what an organisation holds", async () => {
      const f = await loadFixture(shippedFixture);
      const out = await printed("ledger:incoming", { org: "city general" });
      expect(out).to.include("Shipments waiting for City General Hospital: 1");
      expect(out).to.match(
        new RegExp(`${f.shipmentId}  ${escape(MASKS)} +500  Northwind Masks +Swift Cold Chain +InTransit`),
      );
      const incoming = await json<{ shipments: Record<string, unknown>[] }>("ledger:incoming", { org: HOSPITAL });
      expect(incoming.shipments).to.have.length(1);
      expect(incoming.shipments[0]).to.include({
        shipmentId: f.shipmentId,
        batchId: f.maskBatch,
        quantity: "500",
        status: "InTransit",
        toGln: "9520000000011",
      });
      const carrying = await json<{ shipments: Record<string, unknown>[] }>("ledger:incoming", {
        org: CARRIER,
        carrying: true,
      });
      expect(carrying.shipments.map((s) => [s.shipmentId, s.next])).to.deep.equal([[f.shipmentId, "pick up"]]);
      expect(await printed("ledger:incoming", { org: "Harbour" })).to.include(
        "Shipments waiting for Harbour Distribution: 0\nNone.",
      );

      const holdings = await printed("ledger:holdings", { org: MAKER });
      expect(holdings).to.include("Northwind Masks holds 2 batches:");
      expect(holdings).to.match(new RegExp(`${escape(MASKS)} +9,200  Released`));
      expect(holdings).to.match(new RegExp(`${escape(KIT)} +100  OnHold`));
      const held = await json<{ holdings: Record<string, unknown>[] }>("ledger:holdings", { org: MAKER });
      expect(held.holdings.map((h) => [h.batchId, h.quantity])).to.deep.equal([
        [f.maskBatch, String(await f.ledger.holdingOf(f.maskBatch, f.orgIds.maker))],
        [f.kitBatch, "100"],
      ]);
      expect(await printed("ledger:holdings", { org: HOSPITAL })).to.include("City General Hospital holds 0 batches:");
      await refused(
        "ledger:holdings",
        { org: "Nobody" },
        '--org "Nobody": no organisation of the alliance has that name or id',
      );
      await refused("ledger:incoming", { org: "99" }, "--org 99: the alliance has no organisation 99");
    });
  });

  describe("ledger:commission", () => {
    it("commissions a batch from input batches, on hold, held by its maker", async () => {
      const f = await loadFixture(cliFixture);
      const out = await runCommandLine(
        `npx hardhat ledger:commission --gtin ${MASK_TEXT} --lot MK-2026-002 --quantity 2,000 --expires +104w ` +
          `--doc "batch record MK-2026-002" --doc-uri ipfs://batch-records/MK-2026-002 --inputs ${MASKS}:250 ` +
          `--from "${MAKER}" --network localhost`,
      );
      const batchId = batchIdOf(MASK_GTIN, lot("MK-2026-002"));
      const view = await f.ledger.batch(batchId);
      expect(out).to.include(
        `Northwind Masks commissioned batch ${MASK_TEXT}/MK-2026-002: 2,000 units at site 0614141000012, expiring ` +
          `${formatTime(view.expiresAt)}, from 250 of ${MASKS}.`,
      );
      expect(out).to.include(`Batch id ${batchId}; it is OnHold until ${formatTime(view.holdUntil)}`);
      expect(view.commissioned).to.equal(2_000n);
      expect(await f.ledger.holdingOf(f.maskBatch, f.orgIds.maker)).to.equal(9_750n);

      const now = await time.latest();
      const produced = new Date((now - 2 * 86_400) * 1000).toISOString().slice(0, 10);
      const doc = path.join(os.tmpdir(), `medalliance-ledger-${process.pid}.txt`);
      fs.writeFileSync(doc, "batch record MK-2026-003\n");
      const result = await json<Action>("ledger:commission", {
        from: MAKER,
        gtin: "614141000029",
        lot: "MK-2026-003",
        quantity: "1500",
        produced,
        expires: "2029-06-30",
        site: "0614141000012",
        doc,
        docUri: "ipfs://batch-records/MK-2026-003",
      });
      fs.rmSync(doc);
      const id = batchIdOf(MASK_GTIN, lot("MK-2026-003"));
      expect(result).to.include({
        batchId: id,
        gtin: MASK_TEXT,
        lot: "MK-2026-003",
        quantity: "1500",
        status: "OnHold",
      });
      expect(result.docHash).to.equal(ethers.keccak256(ethers.toUtf8Bytes("batch record MK-2026-003\n")));
      expect(result.expiresAt).to.equal(Date.UTC(2029, 5, 30) / 1000);
      expect(result.producedAt).to.equal(Date.parse(`${produced}T00:00:00Z`) / 1000);
      expect(result.inputs).to.deep.equal([]);
      expect(await f.ledger.holdingOf(id, f.orgIds.maker)).to.equal(1_500n);
      expect(await f.ledger.batchStatus(id)).to.equal(BigInt(BatchStatus.OnHold));
      const [commissioned] = await f.ledger.queryFilter(f.ledger.filters.BatchCommissioned(id));
      expect(commissioned.args.request.docURI).to.equal("ipfs://batch-records/MK-2026-003");
      expect(commissioned.transactionHash).to.equal(result.transaction);
    });

    it("refuses a wrong role, another maker's or an unknown product, a used lot, bad dates, sites and inputs", async () => {
      const f = await loadFixture(shippedFixture);
      const base = {
        from: MAKER,
        gtin: MASK_TEXT,
        lot: "MK-2026-009",
        quantity: "1000",
        expires: "+52w",
        doc: "record",
      };
      await refusedEach("ledger:commission", base, [
        [
          { from: "Corner Pharmacy" },
          "Corner Pharmacy is not admitted as Supplier or Manufacturer: it may not act on the ledger",
        ],
        [{ from: "MediTech Implants" }, "Product 00614141000029 is made by Northwind Masks, not MediTech Implants"],
        [{ gtin: GOWN_TEXT }, `--gtin ${GOWN_TEXT}: no product has this GTIN in the catalog`],
        [
          { gtin: "00614141000028" },
          '--gtin "00614141000028" has a wrong check digit: it ends in 8, the check digit is 9',
        ],
        [{ lot: MASK_LOT }, `Batch ${MASKS} already exists: a lot is used once per GTIN`],
        [{ lot: "lot with spaces" }, /^lot "lot with spaces" must be 1 to 20 GS1 characters/],
        [{ quantity: "0" }, "--quantity must be a whole number above zero, not 0"],
        [{ produced: "+2d" }, /^--produced .* UTC is in the future \(now is .* UTC\)$/],
        [{ expires: "2020-01-01" }, /^--expires 2020-01-01 00:00 UTC is in the past \(now is/],
        [{ site: "3" }, "--site 3: Northwind Masks has 1 site (0 to 0)"],
        [{ site: "9520000000011" }, "--site 9520000000011 is not a site of Northwind Masks"],
        [{ inputs: `${KIT}:10` }, `Input ${KIT} is OnHold: only Released batches are used as inputs`],
        [
          { inputs: `${MASKS}:9000,${f.maskBatch}:500` },
          `Batch ${short(f.maskBatch)} holds 9,200 units at Northwind Masks; 9,500 requested`,
        ],
        [{ inputs: MASKS }, `--inputs "${MASKS}" is not "<batch>:<quantity>"`],
        [{ inputs: Array(17).fill(`${MASKS}:1`).join(",") }, "--inputs lists 17 batches: at most 16"],
        [{ from: "14" }, `account ${f.donors[0].address} belongs to no organisation of the alliance`],
        [{ doc: " " }, "--doc (a file, a text or a 0x hash) is required"],
        [{ doc: ethers.ZeroHash }, "--doc may not be the zero hash"],
      ]);
    });

    it("explains the chain's refusal when the alliance is paused", async () => {
      const f = await loadFixture(cliFixture);
      await (await f.registry.connect(f.guardian).pause()).wait();
      await refused(
        "ledger:commission",
        { from: MAKER, gtin: MASK_TEXT, lot: "MK-2026-009", quantity: "1000", expires: "+52w", doc: "record" },
        "Could not commission 1,000 units of 00614141000029/MK-2026-009: The alliance is paused: no new " +
          "commitments until the guardians or the governor resume it.",
      );
    });
  });

  describe("quality: inspections, early release, blocks, notes, corrections", () => {
    it("records inspections by the maker or a regulator; a failed one puts the batch back on hold", async () => {
      const f = await loadFixture(shippedFixture);
      const out = await printed("ledger:inspect", { from: MAKER, batch: KIT, result: "pass", report: "lab report 17" });
      expect(out).to.include(`Northwind Masks recorded a passed inspection of batch ${KIT}; it is now OnHold.`);
      expect((await f.ledger.batch(f.kitBatch)).inspection).to.equal(1n);
      await time.increase(15 * 86_400);
      expect(await f.ledger.batchStatus(f.kitBatch)).to.equal(BigInt(BatchStatus.Released));

      const failed = await json<Action>("ledger:inspect", {
        from: REGULATOR,
        batch: MASKS,
        result: "FAIL",
        report: "filtration 91 %",
      });
      expect(failed).to.include({ batchId: f.maskBatch, kind: "InspectionFailed", status: "OnHold", result: "failed" });
      expect(failed.dataHash).to.equal(documentHash("filtration 91 %"));
      expect(await f.ledger.batchStatus(f.maskBatch)).to.equal(BigInt(BatchStatus.OnHold));
      expect((await kinds(f, f.maskBatch)).pop()).to.equal("InspectionFailed");

      await refusedEach("ledger:inspect", {}, [
        [
          { from: "Harbour Distribution", batch: MASKS, result: "pass", report: "r" },
          `Harbour Distribution did not make batch ${MASKS}: only its maker or a regulator records its inspections`,
        ],
        [{ from: MAKER, batch: MASKS, result: "maybe", report: "r" }, '--result "maybe" is "pass" or "fail"'],
        [
          { from: "14", batch: MASKS, result: "pass", report: "r" },
          `account ${f.donors[0].address} belongs to no organisation of the alliance`,
        ],
      ]);
    });

    it("lets a regulator release a batch early, block and unblock it, and refuses anyone else", async () => {
      const f = await loadFixture(shippedFixture);
      const maker = f.account("maker").address;
      await refused(
        "ledger:release-early",
        { from: MAKER, batch: KIT, reason: "shortage" },
        `Account ${maker} is not a regulator: only regulators release batches early`,
      );
      expect(await printed("ledger:release-early", { from: REGULATOR, batch: KIT, reason: "shortage" })).to.include(
        `A regulator released early batch ${KIT}: it is now Released.`,
      );
      expect(await f.ledger.batchStatus(f.kitBatch)).to.equal(BigInt(BatchStatus.Released));
      await refused(
        "ledger:release-early",
        { from: REGULATOR, batch: KIT, reason: "again" },
        `Batch ${KIT} is Released: only a batch on hold is released early`,
      );

      const blocked = await json<Action>("ledger:block", { from: "2", batch: MASKS, reason: "suspect clones" });
      expect(blocked).to.include({
        batchId: f.maskBatch,
        status: "Blocked",
        reasonHash: documentHash("suspect clones"),
      });
      expect(await f.ledger.batchStatus(f.maskBatch)).to.equal(BigInt(BatchStatus.Blocked));
      await refused(
        "ledger:block",
        { from: REGULATOR, batch: MASKS, reason: "x" },
        `Batch ${MASKS} is already blocked`,
      );
      await refused(
        "ledger:unblock",
        { from: MAKER, batch: MASKS, reason: "x" },
        `Account ${maker} is not a regulator: only regulators unblock batches`,
      );
      expect(await printed("ledger:unblock", { from: REGULATOR, batch: MASKS, reason: "cleared" })).to.include(
        `A regulator unblocked batch ${MASKS}: it is now Released.`,
      );
      await refused(
        "ledger:unblock",
        { from: REGULATOR, batch: MASKS, reason: "x" },
        `Batch ${MASKS} is not blocked (it is Released)`,
      );
      await refused(
        "ledger:block",
        { from: HOSPITAL, batch: MASKS, reason: "x" },
        `Account ${f.account("hospital").address} is not a regulator: only regulators block batches`,
      );
      expect((await kinds(f, f.maskBatch)).slice(-2)).to.deep.equal(["Blocked", "Unblocked"]);
    });

    it("takes notes from the maker, a holder or a regulator, as text, file or hash", async () => {
      const f = await loadFixture(hospitalStockFixture);
      expect(await printed("ledger:note", { from: HOSPITAL, batch: MASKS, doc: "ward 4 stock count" })).to.include(
        `City General Hospital added a note to batch ${MASKS}.`,
      );
      const file = path.join(os.tmpdir(), `medalliance-note-${process.pid}.pdf`);
      fs.writeFileSync(file, Buffer.from([1, 2, 3, 250]));
      const note = await json<Action>("ledger:note", { from: REGULATOR, batch: MASKS, doc: file });
      fs.rmSync(file);
      expect(note).to.include({ kind: "Note", dataHash: ethers.keccak256(new Uint8Array([1, 2, 3, 250])) });
      const given = ethers.id("any document");
      expect(await json<Action>("ledger:note", { from: MAKER, batch: f.maskBatch, doc: given })).to.include({
        dataHash: given,
      });
      const history = await fetchHistory(f.ledger, f.maskBatch);
      expect(history.slice(-3).map((e) => [RecordKind[e.kind], e.dataHash])).to.deep.equal([
        ["Note", documentHash("ward 4 stock count")],
        ["Note", note.dataHash],
        ["Note", given],
      ]);
      await refused(
        "ledger:note",
        { from: "Harbour Distribution", batch: MASKS, doc: "x" },
        `Harbour Distribution neither made nor holds batch ${MASKS}: only its maker, a holder or a regulator add notes to it`,
      );
    });

    it("corrects the last record: its own account within the window, then only a regulator", async () => {
      const f = await loadFixture(shippedFixture);
      const last = (await fetchHistory(f.ledger, f.maskBatch)).pop()!;
      const lastText = `the last record of batch ${MASKS} (Shipped, ${formatTime(last.timestamp)})`;
      await refused(
        "ledger:correct",
        { from: HOSPITAL, batch: MASKS, reason: "typo" },
        `Account ${f.account("hospital").address} did not write ${lastText}: only its own account ` +
          `(${f.account("maker").address}) or a regulator corrects it`,
      );
      const corrected = await json<Action>("ledger:correct", { from: MAKER, batch: MASKS, reason: "wrong quantity" });
      expect(corrected).to.deep.include({ batchId: f.maskBatch, corrected: { index: 3, kind: "Shipped" } });
      const history = await fetchHistory(f.ledger, f.maskBatch);
      expect(RecordKind[history[history.length - 1].kind]).to.equal("Correction");
      const correction = history[history.length - 1];
      expect(correction.dataHash).to.equal(
        ethers.keccak256(
          ethers.AbiCoder.defaultAbiCoder().encode(
            ["bytes32", "bytes32"],
            [correction.prevHead, documentHash("wrong quantity")],
          ),
        ),
      );
      await refused(
        "ledger:correct",
        { from: REGULATOR, batch: MASKS, reason: "x" },
        `The last record of batch ${MASKS} (Correction, ${formatTime(correction.timestamp)}) is a correction: a correction is not corrected`,
      );

      // The kit's last record is the maker's commissioning: past the window only a regulator corrects it.
      await time.increase(2 * 3600);
      const kitLast = (await fetchHistory(f.ledger, f.kitBatch)).pop()!;
      await refused(
        "ledger:correct",
        { from: MAKER, batch: KIT, reason: "x" },
        `The correction window for the last record of batch ${KIT} (Commissioned, ${formatTime(kitLast.timestamp)}) ` +
          `closed at ${formatTime(Number(kitLast.timestamp) + 3600)}: a regulator must correct it`,
      );
      expect(await printed("ledger:correct", { from: REGULATOR, batch: KIT, reason: "wrong expiry" })).to.include(
        `Corrected the last record of batch ${KIT} (Commissioned, ${formatTime(kitLast.timestamp)}); batch ${KIT} is OnHold.`,
      );
    });
  });

  describe("ledger:ship", () => {
    it("ships part of a holding to another member, and returns the shipment id", async () => {
      const f = await loadFixture(cliFixture);
      const sent = { from: MAKER, batch: MASKS, to: "city general", quantity: "1,200" };
      const out = await printed("ledger:ship", { ...sent, carrier: "Swift", doc: "delivery note 7" });
      const [event] = await f.ledger.queryFilter(f.ledger.filters.Shipped());
      const shipmentId = event.args.shipmentId;
      expect(out).to.include(
        `Northwind Masks shipped 1,200 units of ${MASKS} from site 0614141000012 to City General Hospital ` +
          "(site 9520000000011), carried by Swift Cold Chain.",
      );
      expect(out).to.include(`Shipment ${shipmentId}`);
      expect(event.args.docHash).to.equal(documentHash("delivery note 7"));

      const ref = ethers.id("escrow need 4");
      const shipped = await json<Action>("ledger:ship", {
        from: MAKER,
        batch: f.maskBatch,
        to: "Harbour Distribution",
        quantity: "300",
        carrier: CARRIER,
        ref,
        site: "0",
        toSite: "9520000000028",
      });
      const state = await f.ledger.shipmentState(shipped.shipmentId as string);
      expect(state.status).to.equal(BigInt(ShipmentStatus.InTransit));
      const client = await sendClient(hre, { json: false });
      const fields = await client.findShipment(shipped.shipmentId as string);
      expect(fields).to.include({ toOrgId: f.orgIds.distributor, quantity: 300n, ref, toGln: 9520000000028n });
      expect(shipped).to.include({
        batchId: f.maskBatch,
        quantity: "300",
        toOrgId: String(f.orgIds.distributor),
        carrierOrgId: String(f.orgIds.carrier),
        fromGln: "0614141000012",
        toGln: "9520000000028",
        ref,
        docHash: ethers.ZeroHash,
      });
      expect(await f.ledger.holdingOf(f.maskBatch, f.orgIds.maker)).to.equal(8_500n);
    });

    it("refuses more than the holding, unknown or wrong recipients, routes, carriers, statuses and sites", async () => {
      const f = await loadFixture(hospitalStockFixture);
      const base = { from: MAKER, batch: MASKS, to: HOSPITAL, quantity: "100", carrier: CARRIER };
      await refusedEach("ledger:ship", base, [
        [{ quantity: "20000" }, `Batch ${short(f.maskBatch)} holds 9,200 units at Northwind Masks; 20,000 requested`],
        [
          { from: HOSPITAL, to: "Hillside", quantity: "500" },
          `Batch ${short(f.maskBatch)} holds 450 units at City General Hospital; 500 requested`,
        ],
        [{ to: "Nobody" }, '--to "Nobody": no organisation of the alliance has that name or id'],
        [{ to: MAKER }, "Northwind Masks cannot ship to itself"],
        [
          { from: HOSPITAL, to: "Harbour Distribution" },
          "City General Hospital (Hospital) may not ship to Harbour Distribution (Distributor): it ships to Hospital, Agency",
        ],
        [
          { carrier: "Harbour Distribution" },
          "Harbour Distribution is not an Active LOGISTICS member: it cannot carry shipments",
        ],
        [{ carrier: "Northwind" }, "Northwind Masks is not an Active LOGISTICS member: it cannot carry shipments"],
        [{ toSite: "9520000000028" }, "--to-site 9520000000028 is not a site of City General Hospital"],
        [{ site: "1" }, "--site 1: Northwind Masks has 1 site (0 to 0)"],
        [{ ref: "0x12" }, '--ref "0x12" is not a 32-byte id (0x and 64 hex digits)'],
        [{ quantity: "-5" }, "--quantity must be a whole number above zero, not -5"],
        [{ from: "14" }, `account ${f.donors[0].address} belongs to no organisation of the alliance`],
      ]);

      const [regulator] = f.regulators;
      await (await f.registry.connect(regulator).suspendOrganisation(f.orgIds.clinic, documentHash("audit"))).wait();
      await refused(
        "ledger:ship",
        { ...base, to: "Hillside" },
        "Hillside Rural Clinic is suspended: it cannot receive shipments",
      );

      await (await f.ledger.connect(regulator).blockBatch(f.maskBatch, documentHash("suspect"))).wait();
      await refused(
        "ledger:ship",
        base,
        `Batch ${MASKS} is Blocked: only Released batches are shipped, except back to their maker`,
      );
      // Returns to the maker go on whatever the batch's status.
      const back = await json<Action>("ledger:ship", { ...base, from: HOSPITAL, to: MAKER, quantity: "50" });
      expect((await f.ledger.shipmentState(back.shipmentId as string)).status).to.equal(
        BigInt(ShipmentStatus.InTransit),
      );
      expect(await f.ledger.holdingOf(f.maskBatch, f.orgIds.hospital)).to.equal(400n);
    });

    it("explains the ledger's refusal in words when a shipment gets past no pre-check", async () => {
      const f = await loadFixture(hospitalStockFixture);
      const hospital = await sendClient(hre, { json: false, from: HOSPITAL });
      const message = await hospital
        .send("ship 10 units", () =>
          hospital.ledger.ship(
            f.maskBatch,
            f.orgIds.distributor,
            10n,
            f.orgIds.carrier,
            ethers.ZeroHash,
            ethers.ZeroHash,
            0n,
            0n,
          ),
        )
        .then(
          () => "sent",
          (error: Error) => (error instanceof ClientError ? error.message : `not a ClientError: ${error.message}`),
        );
      expect(message).to.equal(
        "Could not ship 10 units: The recipient is not Active in a role that holds stock, or the route is not " +
          `allowed (see the README) (batch ${short(f.maskBatch)}, from org organisation ${f.orgIds.hospital} (City ` +
          `General Hospital), to org organisation ${f.orgIds.distributor} (Harbour Distribution)).`,
      );
    });
  });

  describe("carrier steps, receipt, refusal, return, reclaim, settlement, holds", () => {
    it("lets the carrier pick up and deliver, in order, and refuses anyone else", async () => {
      const f = await loadFixture(shippedFixture);
      const id = f.shipmentId;
      await refused("ledger:pick-up", { from: HOSPITAL, shipment: id }, NOT_A_CARRIER);
      await refused(
        "ledger:deliver",
        { from: CARRIER, shipment: id },
        `Shipment ${short(id)} is InTransit: only a shipment picked up is delivered`,
      );
      const out = await printed("ledger:pick-up", { from: CARRIER, shipment: id });
      expect(out).to.include(
        `Swift Cold Chain picked up 500 units of ${MASKS} from Northwind Masks to City General Hospital.`,
      );
      expect(out).to.include(`Shipment ${id} is now PickedUp.`);
      const delivered = await json<Action>("ledger:deliver", { from: CARRIER, shipment: id });
      expect(delivered).to.include({ shipmentId: id, batchId: f.maskBatch, status: "Delivered" });
      const state = await f.ledger.shipmentState(id);
      expect(state.status).to.equal(BigInt(ShipmentStatus.Delivered));
      expect(state.deliveredAt).to.equal(BigInt(await time.latest()));
      await refused(
        "ledger:pick-up",
        { from: CARRIER, shipment: id },
        `Shipment ${short(id)} is Delivered: only a shipment in transit is picked up`,
      );
      const unknown = `0x${"0".repeat(63)}1`;
      await refused(
        "ledger:pick-up",
        { from: CARRIER, shipment: unknown },
        `shipment ${unknown}: the ledger has no shipment with this id`,
      );
    });

    it("receives what arrived: a shortfall is lost in transit; only the recipient receives, once", async () => {
      const f = await loadFixture(deliveredFixture);
      const id = f.shipmentId;
      await refusedEach("ledger:receive", {}, [
        [
          { from: MAKER, shipment: id },
          `Northwind Masks is not the recipient of shipment ${short(id)} (City General Hospital is)`,
        ],
        [
          { from: HOSPITAL, shipment: id, quantity: "600" },
          `Shipment ${short(id)} carried 500 units: 600 cannot have arrived`,
        ],
      ]);
      const received = await json<Action>("ledger:receive", {
        from: HOSPITAL,
        shipment: id,
        quantity: "490",
        damaged: true,
      });
      expect(received).to.include({ quantityReceived: "490", shortfall: "10", goodCondition: false, holding: "490" });
      expect(await f.ledger.holdingOf(f.maskBatch, f.orgIds.hospital)).to.equal(490n);
      expect((await f.ledger.outflowsOf(f.maskBatch)).lost).to.equal(10n);
      expect((await f.ledger.shipmentState(id)).received).to.equal(490n);
      await refused(
        "ledger:receive",
        { from: HOSPITAL, shipment: id },
        `Shipment ${short(id)} is Received: only a shipment on its way or delivered is received`,
      );
      const trace = await json<Trace>("trace", { batch: MASKS });
      expect(trace.records.pop()).to.include({ kind: "Received", quantityReceived: "490", goodCondition: false });
    });

    it("receives all that was shipped by default, even before delivery is recorded", async () => {
      const f = await loadFixture(shippedFixture);
      const out = await printed("ledger:receive", { from: HOSPITAL, shipment: f.shipmentId });
      expect(out).to.include(
        `City General Hospital received 500 of 500 units of ${MASKS} (shipment ${short(f.shipmentId)}).`,
      );
      expect(out).not.to.include("lost in transit");
      expect(await f.ledger.holdingOf(f.maskBatch, f.orgIds.hospital)).to.equal(SHIPPED);
    });

    it("refuses a shipment, records its return to the sender, and shows both in the trace", async () => {
      const f = await loadFixture(deliveredFixture);
      const id = f.shipmentId;
      await refused(
        "ledger:refuse",
        { from: MAKER, shipment: id, reason: "x" },
        `Northwind Masks is not the recipient of shipment ${short(id)} (City General Hospital is)`,
      );
      expect(await printed("ledger:refuse", { from: HOSPITAL, shipment: id, reason: "cartons crushed" })).to.include(
        `City General Hospital refused 500 units of ${MASKS} from Northwind Masks to City General Hospital; ` +
          "Swift Cold Chain brings it back.",
      );
      expect((await f.ledger.shipmentState(id)).status).to.equal(BigInt(ShipmentStatus.Refused));
      const answeredAt = (await f.ledger.shipmentState(id)).answeredAt;
      await refused(
        "ledger:reclaim",
        { from: MAKER, shipment: id },
        `Shipment ${short(id)} was refused: its carrier records the return, or Northwind Masks reclaims it after ` +
          formatTime(answeredAt + 3n * 86_400n),
      );
      await refused(
        "ledger:refuse",
        { from: HOSPITAL, shipment: id, reason: "again" },
        `Shipment ${short(id)} is Refused: only a shipment on its way or delivered is refused`,
      );
      await refused("ledger:return", { from: HOSPITAL, shipment: id }, NOT_A_CARRIER);
      const returned = await json<Action>("ledger:return", { from: CARRIER, shipment: id });
      expect(returned).to.include({ shipmentId: id, status: "Returned" });
      expect(await f.ledger.holdingOf(f.maskBatch, f.orgIds.maker)).to.equal(9_700n);
      await refused(
        "ledger:return",
        { from: CARRIER, shipment: id },
        `Shipment ${short(id)} is Returned: only a shipment refused is returned`,
      );
      const trace = await json<Trace>("trace", { batch: MASKS });
      expect(trace.records.slice(-2).map((r) => [r.kind, r.shipmentId])).to.deep.equal([
        ["Refused", id],
        ["Returned", id],
      ]);
      expect(trace.inTransit).to.equal("0");
    });

    it("reclaims an unanswered shipment once the receipt window has passed, for the sender only", async () => {
      const f = await loadFixture(deliveredFixture);
      const id = f.shipmentId;
      const deliveredAt = (await f.ledger.shipmentState(id)).deliveredAt;
      await refused(
        "ledger:reclaim",
        { from: MAKER, shipment: id },
        `City General Hospital may answer shipment ${short(id)} until ${formatTime(deliveredAt + 3n * 86_400n)}: ` +
          "reclaim it after that",
      );
      await refused(
        "ledger:reclaim",
        { from: HOSPITAL, shipment: id },
        `City General Hospital is not the sender of shipment ${short(id)} (Northwind Masks is)`,
      );
      await time.increase(PAST_RECEIPT_WINDOW);
      const reclaimed = await json<Action>("ledger:reclaim", { from: MAKER, shipment: id });
      expect(reclaimed).to.include({ shipmentId: id, quantity: "500", holding: "9700" });
      expect((await f.ledger.shipmentState(id)).status).to.equal(BigInt(ShipmentStatus.Reclaimed));
      await refused(
        "ledger:reclaim",
        { from: MAKER, shipment: id },
        `Shipment ${short(id)} is Reclaimed: only an open shipment that is not held is reclaimed`,
      );
    });

    it("refuses to reclaim a shipment not yet delivered while its recipient can act", async () => {
      const f = await loadFixture(shippedFixture);
      await refused(
        "ledger:reclaim",
        { from: MAKER, shipment: f.shipmentId },
        `Shipment ${short(f.shipmentId)} is InTransit: it is reclaimed once delivered (or refused) and left ` +
          "unanswered past the receipt window",
      );
      // Once the recipient can no longer act, the sender takes it back at once.
      await (
        await f.registry.connect(f.regulators[0]).suspendOrganisation(f.orgIds.hospital, documentHash("audit"))
      ).wait();
      expect(await printed("ledger:reclaim", { from: MAKER, shipment: f.shipmentId })).to.include(
        `Northwind Masks reclaimed 500 units of ${MASKS} from Northwind Masks to City General Hospital.`,
      );
    });

    it("lets a regulator settle an open shipment, stating what arrived", async () => {
      const f = await loadFixture(deliveredFixture);
      const id = f.shipmentId;
      await refusedEach("ledger:settle", {}, [
        [
          { from: MAKER, shipment: id, received: "450", reason: "x" },
          `Account ${f.account("maker").address} is not a regulator: only regulators settle shipments`,
        ],
        [
          { from: REGULATOR, shipment: id, received: "501", reason: "x" },
          `Shipment ${short(id)} carried 500 units: 501 cannot have arrived`,
        ],
      ]);
      const settled = await json<Action>("ledger:settle", {
        from: REGULATOR,
        shipment: id,
        received: "450",
        reason: "carrier's loss report",
      });
      expect(settled).to.include({ quantityReceived: "450", shortfall: "50" });
      const state = await f.ledger.shipmentState(id);
      expect([state.status, state.received]).to.deep.equal([BigInt(ShipmentStatus.Settled), 450n]);
      expect(await f.ledger.holdingOf(f.maskBatch, f.orgIds.hospital)).to.equal(450n);
      await refused(
        "ledger:settle",
        { from: REGULATOR, shipment: id, received: "0", reason: "x" },
        `Shipment ${short(id)} is Settled: only an open shipment that is not held is settled`,
      );
      const trace = await json<Trace>("trace", { batch: MASKS });
      expect(trace.records.pop()).to.include({ kind: "Settled", shipmentId: id, quantityReceived: "450" });
    });

    it("lets a regulator clear a cold-chain hold, the goods fit or destroyed", async () => {
      const f = await loadFixture(heldFixture);
      const id = f.shipmentId;
      await refused(
        "ledger:receive",
        { from: HOSPITAL, shipment: id },
        `Shipment ${short(id)} is Held: only a shipment on its way or delivered is received`,
      );
      await refused(
        "ledger:settle",
        { from: REGULATOR, shipment: id, received: "0", reason: "x" },
        `Shipment ${short(id)} is Held: only an open shipment that is not held is settled`,
      );
      const incoming = await json<{ shipments: Record<string, unknown>[] }>("ledger:incoming", { org: HOSPITAL });
      expect(incoming.shipments.map((s) => s.status)).to.deep.equal(["Held"]);
      await refused(
        "ledger:clear-hold",
        { from: MAKER, shipment: id, reason: "x" },
        `Account ${f.account("maker").address} is not a regulator: only regulators clear holds`,
      );
      expect(await printed("ledger:clear-hold", { from: REGULATOR, shipment: id, reason: "probe faulty" })).to.include(
        `A regulator cleared the hold on 500 units of ${MASKS} from Northwind Masks to City General Hospital: the ` +
          "goods are fit and the shipment is Delivered again.",
      );
      expect((await f.ledger.shipmentState(id)).status).to.equal(BigInt(ShipmentStatus.Delivered));
      await refused(
        "ledger:clear-hold",
        { from: REGULATOR, shipment: id, reason: "x" },
        `Shipment ${short(id)} is Delivered: only a held shipment is cleared`,
      );

      const g = await loadFixture(heldFixture);
      const destroyed = await json<Action>("ledger:clear-hold", {
        from: REGULATOR,
        shipment: id,
        destroy: true,
        reason: "31.5 °C for six hours",
      });
      expect(destroyed).to.include({ destroyed: true, status: "Settled" });
      expect((await g.ledger.outflowsOf(g.maskBatch)).destroyed).to.equal(SHIPPED);
      const trace = await json<Trace>("trace", { batch: MASKS });
      expect(trace.records.slice(-3).map((r) => [r.kind, r.details])).to.deep.equal([
        ["Held", `shipment ${short(id)} held after a cold-chain excursion`],
        ["HoldCleared", `hold on shipment ${short(id)} cleared: goods destroyed`],
        ["Destroyed", "500 units destroyed at Swift Cold Chain"],
      ]);
      expect(trace.records[trace.records.length - 3].organisation).to.match(/^account 0x\w{4}…\w{4}$/);
    });
  });

  describe("dispensing, destruction and recalls", () => {
    it("dispenses from a hospital's holding of a Released, non-serialised batch", async () => {
      const f = await loadFixture(hospitalStockFixture);
      const base = { from: HOSPITAL, batch: MASKS, quantity: "1", reference: "r" };
      const out = await printed("ledger:dispense", { ...base, quantity: "20", reference: "ward 4 order 18" });
      expect(out).to.include(`City General Hospital dispensed 20 units of ${MASKS}; it holds 430 more.`);
      const dispensed = await json<Action>("ledger:dispense", { ...base, quantity: "5", reference: "ward 4 order 19" });
      expect(dispensed).to.include({ quantity: "5", holding: "425", referenceHash: documentHash("ward 4 order 19") });
      expect((await f.ledger.outflowsOf(f.maskBatch)).dispensed).to.equal(55n);
      await refusedEach("ledger:dispense", base, [
        [{ from: MAKER }, "Northwind Masks is not admitted as Hospital or Retailer: it may not act on the ledger"],
        [{ quantity: "426" }, `Batch ${short(f.maskBatch)} holds 425 units at City General Hospital; 426 requested`],
        [{ from: "Corner Pharmacy" }, `Batch ${short(f.maskBatch)} holds 0 units at Corner Pharmacy; 1 requested`],
      ]);
      const serials = SerialRegistry__factory.connect(f.address("SerialRegistry"), f.account("maker"));
      await (await serials.commitSerials(f.maskBatch, ethers.id("root"), 10_000n)).wait();
      await refused(
        "ledger:dispense",
        base,
        `Batch ${MASKS} has unit serials: it is dispensed unit by unit, by each unit's code`,
      );
      await (await f.ledger.connect(f.regulators[0]).recall(f.maskBatch, 1, documentHash("recall"))).wait();
      await refused("ledger:dispense", base, `Batch ${MASKS} is Recalled: only Released batches are dispensed`);
    });

    it("destroys part of any holder's holding, whatever the batch's status", async () => {
      const f = await loadFixture(hospitalStockFixture);
      const base = { from: HOSPITAL, batch: MASKS, quantity: "1", reason: "x" };
      await (await f.ledger.connect(f.regulators[0]).recall(f.maskBatch, 2, documentHash("recall"))).wait();
      const out = await printed("ledger:destroy", { ...base, quantity: "50", reason: "incinerated" });
      expect(out).to.include(`City General Hospital destroyed 50 units of ${MASKS}; it holds 400 more.`);
      const destroyed = await json<Action>("ledger:destroy", {
        ...base,
        from: MAKER,
        quantity: "9200",
        reason: "pulped",
      });
      expect(destroyed).to.include({ quantity: "9200", holding: "0", reasonHash: documentHash("pulped") });
      expect((await f.ledger.outflowsOf(f.maskBatch)).destroyed).to.equal(9_250n);
      await refusedEach("ledger:destroy", base, [
        [{ from: MAKER }, `Batch ${short(f.maskBatch)} holds 0 units at Northwind Masks; 1 requested`],
        [{ from: "14" }, `account ${f.donors[0].address} belongs to no organisation of the alliance`],
        [{ reason: "" }, "--reason (a file, a text or a 0x hash) is required"],
      ]);
      await (
        await f.registry.connect(f.regulators[1]).suspendOrganisation(f.orgIds.hospital, documentHash("audit"))
      ).wait();
      await refused("ledger:destroy", base, "City General Hospital is suspended: it may not act on the ledger");
    });

    it("recalls: the maker its own batch, a regulator several at once; as typed on the command line", async () => {
      const f = await loadFixture(shippedFixture);
      await refusedEach("ledger:recall", {}, [
        [
          { from: "MediTech Implants", batches: [MASKS], class: "2", reason: "x" },
          `MediTech Implants did not make batch ${MASKS} (Northwind Masks did): a maker recalls only its own batches`,
        ],
        [
          { from: HOSPITAL, batches: [MASKS], class: "2", reason: "x" },
          "City General Hospital is not admitted as Supplier or Manufacturer: it may not act on the ledger",
        ],
        [{ from: MAKER, batches: [MASKS], class: "4", reason: "x" }, "--class 4: a recall class is 1, 2 or 3"],
        [{ from: MAKER, batches: [MASKS, f.maskBatch], class: "2", reason: "x" }, `Batch ${MASKS} is named twice`],
        [
          { from: REGULATOR, batches: Array(51).fill(MASKS), class: "1", reason: "x" },
          "51 batches named: at most 50 are recalled at once",
        ],
      ]);
      const out = await runCommandLine(
        `npx hardhat ledger:recall --class 2 --reason "filtration below EN 14683" --from "${MAKER}" ${MASKS} --network localhost`,
      );
      expect(out).to.include(`Northwind Masks recalled (class 2): ${MASKS}.`);
      expect(await f.ledger.batchStatus(f.maskBatch)).to.equal(BigInt(BatchStatus.Recalled));
      const [event] = await f.ledger.queryFilter(f.ledger.filters.BatchRecalled(f.maskBatch));
      expect([event.args.recallClass, event.args.reasonHash]).to.deep.equal([
        2n,
        documentHash("filtration below EN 14683"),
      ]);
      await refused(
        "ledger:recall",
        { from: REGULATOR, batches: [MASKS], class: "1", reason: "x" },
        `Batch ${MASKS} is already recalled`,
      );

      const g = await loadFixture(shippedFixture);
      const many = await json<Action>("ledger:recall", {
        from: REGULATOR,
        batches: [MASKS, g.kitBatch],
        class: "1",
        reason: "contaminated meltblown",
      });
      expect(many.batchIds).to.deep.equal([g.maskBatch, g.kitBatch]);
      expect(many.recallClass).to.equal(1);
      expect(await g.ledger.batchStatus(g.kitBatch)).to.equal(BigInt(BatchStatus.Recalled));
      expect(await g.ledger.batchStatus(g.maskBatch)).to.equal(BigInt(BatchStatus.Recalled));
      const trace = await json<Trace>("trace", { batch: KIT });
      expect(trace.records.pop()).to.include({
        kind: "Recalled",
        recallClass: 1,
        organisation: "regulator 0x7099…79C8",
      });
    });
  });
});
