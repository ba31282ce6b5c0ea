import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import hre from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { ClientError, MedAllianceClient } from "../../scripts/client/client";
import { InputError } from "../../scripts/client/codes";
import { BatchStatus, ShipmentStatus, batchIdOf, lot, ship } from "../../scripts/lib/trace";
import { UnitStatus, commitmentOf, readProofFile, unitOf, verifyProofFile } from "../../scripts/lib/serials";
import * as receiving from "../../scripts/examples/receive-waiting-shipments";
import * as serialising from "../../scripts/examples/commission-and-serialise";
import { MASK_GTIN, MASK_LOT, MASK_TEXT, cliFixture, useCliDeployments } from "../helpers/cliFixture";

/**
 * Shipments of masks from Northwind: three waiting for City General Hospital (shipped, picked up, delivered), one it
 * already received, one for Hillside Rural Clinic.
 */
async function shipmentsFixture() {
  const f = await loadFixture(cliFixture);
  const maker = f.account("maker");
  const carrier = f.ledger.connect(f.account("carrier"));
  const send = (toOrgId: bigint, quantity: bigint) =>
    ship(f.ledger, maker, { batchId: f.maskBatch, toOrgId, quantity, carrierOrgId: f.orgIds.carrier });
  const shipped = await send(f.orgIds.hospital, 500n);
  const pickedUp = await send(f.orgIds.hospital, 300n);
  const delivered = await send(f.orgIds.hospital, 200n);
  const done = await send(f.orgIds.hospital, 100n);
  const clinics = await send(f.orgIds.clinic, 50n);
  await (await carrier.pickUp(pickedUp.shipment)).wait();
  await (await carrier.pickUp(delivered.shipment)).wait();
  await (await carrier.deliver(delivered.shipment)).wait();
  await (await f.ledger.connect(f.account("hospital")).receiveShipment(done.shipment, 100n, true)).wait();
  const client = await MedAllianceClient.connect({
    provider: hre.ethers.provider,
    networkName: hre.network.name,
    signer: f.account("hospital"),
  });
  const ids = { shipped, pickedUp, delivered, done, clinics };
  return { ...f, client, ids: Object.fromEntries(Object.entries(ids).map(([k, v]) => [k, v.shipmentId])) };
}

/** Runs `fn` with environment variables set and console output captured; restores both. */
async function withEnv(vars: Record<string, string>, fn: () => Promise<void>): Promise<{ out: string; err: string }> {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const [log, error] = [console.log, console.error];
  const out: string[] = [];
  const err: string[] = [];
  Object.assign(process.env, vars);
  console.log = (...parts: unknown[]) => out.push(parts.join(" "));
  console.error = (...parts: unknown[]) => err.push(parts.join(" "));
  try {
    await fn();
  } finally {
    [console.log, console.error] = [log, error];
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
  return { out: out.join("\n"), err: err.join("\n") };
}

/** Runs a script's `main` and returns its output and the exit code it set (then clears it). */
async function runMain(main: () => Promise<void>, vars: Record<string, string>) {
  const output = await withEnv(vars, main);
  const code = process.exitCode;
  process.exitCode = undefined;
  return { ...output, code };
}

describe("CLI examples: scripts members start from", () => {
  useCliDeployments();
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "medalliance-examples-"));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  describe("receive-waiting-shipments", () => {
    it("receives every shipment waiting for the hospital in full, and nothing else", async () => {
      const f = await loadFixture(shipmentsFixture);
      expect(await receiving.waitingShipments(f.client, f.orgIds.hospital)).to.deep.equal([
        f.ids.shipped,
        f.ids.pickedUp,
        f.ids.delivered,
      ]);
      const lines: string[] = [];
      const result = await receiving.receiveWaitingShipments({ client: f.client, print: (l) => lines.push(l) });
      expect(result.failed).to.deep.equal([]);
      expect(result.received.map((r) => [r.shipmentId, r.quantity])).to.deep.equal([
        [f.ids.shipped, 500n],
        [f.ids.pickedUp, 300n],
        [f.ids.delivered, 200n],
      ]);
      expect(await f.ledger.holdingOf(f.maskBatch, f.orgIds.hospital)).to.equal(1_100n);
      for (const id of [f.ids.shipped, f.ids.pickedUp, f.ids.delivered]) {
        expect((await f.ledger.shipmentState(id)).status).to.equal(ShipmentStatus.Received);
      }
      expect((await f.ledger.shipmentState(f.ids.clinics)).status).to.equal(ShipmentStatus.InTransit);
      expect(lines[0]).to.equal("City General Hospital: 3 shipments to receive.");
      expect(lines[1]).to.match(
        new RegExp(`^received  0x[0-9a-f]{4}…[0-9a-f]{4}  500 units of ${MASK_TEXT}/${MASK_LOT} from Northwind Masks$`),
      );
      expect(lines).to.have.length(5);
      expect(lines[4]).to.equal("Received 3 of 3; 0 failed.");
      // Nothing waits any more.
      const again = await receiving.receiveWaitingShipments({ client: f.client, print: () => undefined });
      expect(again.received).to.deep.equal([]);
    });

    it("explains a shipment the ledger refuses and still receives the others; exit code 1", async () => {
      const f = await loadFixture(shipmentsFixture);
      const lines: string[] = [];
      const result = await receiving.receiveWaitingShipments({
        client: f.client,
        shipmentIds: [f.ids.shipped, f.ids.done, f.ids.delivered],
        print: (l) => lines.push(l),
      });
      expect(result.received.map((r) => r.shipmentId)).to.deep.equal([f.ids.shipped, f.ids.delivered]);
      expect(result.failed).to.have.length(1);
      expect(result.failed[0].shipmentId).to.equal(f.ids.done);
      expect(result.failed[0].reason).to.match(/^Shipment 0x\S+ is Received: its state does not allow this\.$/);
      expect(lines[2]).to.equal(
        `FAILED    ${f.ids.done.slice(0, 6)}…${f.ids.done.slice(-4)}  ${result.failed[0].reason}`,
      );
      expect(lines[4]).to.equal("Received 2 of 3; 1 failed.");
      expect(await f.ledger.holdingOf(f.maskBatch, f.orgIds.hospital)).to.equal(100n + 500n + 200n);

      // As a script: settings from the environment; the clinic's shipment is not the hospital's to receive.
      const run = await runMain(receiving.main, {
        MEDALLIANCE_FROM: "City General Hospital",
        MEDALLIANCE_SHIPMENTS: `${f.ids.pickedUp}, ${f.ids.clinics}`,
      });
      expect(run.code).to.equal(1);
      expect(run.out).to.include("Received 1 of 2; 1 failed.");
      expect(run.out).to.match(
        /FAILED .* The caller is not the shipment's sender, recipient or carrier as this step requires/,
      );
      expect(await f.ledger.holdingOf(f.maskBatch, f.orgIds.hospital)).to.equal(1_100n);
      expect((await f.ledger.shipmentState(f.ids.clinics)).status).to.equal(ShipmentStatus.InTransit);
    });

    it("as a script, exits 0 when all were received and 1 with one line for an unknown account", async () => {
      await loadFixture(shipmentsFixture);
      const ok = await runMain(receiving.main, { MEDALLIANCE_FROM: "7" });
      expect(ok.code).to.equal(undefined);
      expect(ok.out).to.include("Received 3 of 3; 0 failed.");
      const bad = await runMain(receiving.main, { MEDALLIANCE_FROM: "Nobody Hospital" });
      expect(bad.code).to.equal(1);
      expect(bad.err).to.equal('--from "Nobody Hospital": no organisation of the alliance has that name or id');
    });
  });

  describe("commission-and-serialise", () => {
    const serials = Array.from({ length: 25 }, (_, i) => `SN${String(i + 1).padStart(5, "0")}`);
    const write = (name: string, text: string) => {
      const file = path.join(dir, name);
      fs.writeFileSync(file, text);
      return file;
    };
    const makerClient = async () => {
      const f = await loadFixture(cliFixture);
      const client = await MedAllianceClient.connect({
        provider: hre.ethers.provider,
        networkName: hre.network.name,
        signer: f.account("maker"),
      });
      return { f, client };
    };

    it("reads serials one per line or from a `serial` column", () => {
      expect(serialising.readSerials(write("plain.csv", "A1\r\nA2\n\n A3 \n"))).to.deep.equal(["A1", "A2", "A3"]);
      const table = 'pack,Serial,line\n1,"B1",x\n2,B2,y\n';
      expect(serialising.readSerials(write("table.csv", table))).to.deep.equal(["B1", "B2"]);
      expect(() => serialising.readSerials(path.join(dir, "missing.csv"))).to.throw(InputError, /does not exist/);
      expect(() => serialising.readSerials(write("bad.csv", "C1\nC 2\n"))).to.throw(
        InputError,
        /serial "C 2" must be 1 to 20 GS1 characters/,
      );
    });

    it("commissions the batch, commits its serials and writes proofs that verify on chain", async () => {
      const { f, client } = await makerClient();
      const lines: string[] = [];
      const proofDir = path.join(dir, "proofs-ok");
      const result = await serialising.commissionAndSerialise({
        client,
        gtin: "0061 4141 0000 29",
        lot: "MK-2026-S/1",
        expires: "+104w",
        serialsFile: write("serials.csv", `serial,note\n${serials.map((s) => `${s},ok`).join("\n")}\n`),
        batchRecordFile: write("record.txt", "batch record MK-2026-S/1"),
        batchRecordUri: "ipfs://batch-records/MK-2026-S1",
        proofDir,
        print: (l) => lines.push(l),
      });
      const batchId = batchIdOf(MASK_GTIN, lot("MK-2026-S/1"));
      expect(result.batchId).to.equal(batchId);
      expect(result.count).to.equal(25);
      const view = await f.ledger.batch(batchId);
      expect(view.commissioned).to.equal(25n);
      expect(view.serialised).to.equal(true);
      expect(await client.serials.commitmentOf(batchId)).to.equal(commitmentOf(result.root, 25));
      const proof = readProofFile(proofDir, MASK_GTIN, "MK-2026-S/1", "SN00007");
      expect(proof.index).to.equal(6);
      expect(verifyProofFile(proof)).to.equal(true);
      expect(await client.serials.unitStatus(unitOf(proof), proof.proof)).to.equal(UnitStatus.OnHold);
      expect(result.firstUnit).to.equal(`https://id.gs1.org/01/${MASK_TEXT}/10/MK-2026-S%2F1/21/SN00001`);
      expect(result.proofFolder).to.equal(path.join(proofDir, MASK_TEXT, "MK-2026-S~2F1"));
      expect(lines).to.deep.equal([
        `Commissioned batch ${MASK_TEXT}/MK-2026-S/1 (25 units): ${batchId}`,
        `Committed serial root ${result.root} for 25 units.`,
        `First unit: ${result.firstUnit}`,
        `Proof files: 25 in ${result.proofFolder}`,
      ]);
    });

    it("refuses bad input with a clear message before sending anything", async () => {
      const { f, client } = await makerClient();
      const base = {
        client,
        gtin: MASK_TEXT,
        lot: "MK-2026-BAD",
        expires: "+104w",
        serialsFile: write("good.csv", serials.join("\n")),
        batchRecordFile: write("record-bad.txt", "batch record"),
        proofDir: path.join(dir, "proofs-bad"),
        print: () => undefined,
      };
      const cases: [Partial<typeof base>, RegExp][] = [
        [
          { gtin: "00614141000028" },
          /^GTIN "00614141000028" has a wrong check digit: it ends in 8, the check digit is 9$/,
        ],
        [{ gtin: "6141410" }, /^GTIN "6141410" is not a GTIN: it has 8, 12, 13 or 14 digits$/],
        [{ lot: "MK 2026" }, /^lot "MK 2026" must be 1 to 20 GS1 characters/],
        [{ expires: "2020-01-01" }, /^expiry 2020-01-01 00:00 UTC is in the past/],
        [
          { serialsFile: write("dup.csv", "D1\nD2\nD1\n") },
          /dup\.csv: serial "D1" appears twice in the batch \(#0 and #2\)$/,
        ],
        [{ serialsFile: write("empty.csv", "serial\n") }, /empty\.csv: a batch needs at least one serial$/],
        [{ batchRecordFile: path.join(dir, "none.pdf") }, /^batch record \S+none\.pdf not found$/],
      ];
      for (const [change, message] of cases) {
        await expect(serialising.commissionAndSerialise({ ...base, ...change })).to.be.rejectedWith(
          InputError,
          message,
        );
      }
      expect(await f.ledger.batchStatus(batchIdOf(MASK_GTIN, lot("MK-2026-BAD")))).to.equal(BatchStatus.Unknown);
      expect(fs.existsSync(base.proofDir)).to.equal(false);

      // A lot already used: the ledger refuses, explained, and no proof files are written.
      await expect(serialising.commissionAndSerialise({ ...base, lot: MASK_LOT })).to.be.rejectedWith(
        ClientError,
        /^Could not commission 25 units of 00614141000029\/MK-2026-001: Batch 0x\S+ already exists/,
      );
      expect(fs.existsSync(base.proofDir)).to.equal(false);

      // As a script: a missing setting, then a full run from the environment.
      const missing = await runMain(serialising.main, { MEDALLIANCE_FROM: "Northwind Masks" });
      expect(missing).to.deep.include({ code: 1, err: "set MEDALLIANCE_GTIN (see the top of this script)" });
      const env = {
        MEDALLIANCE_FROM: "Northwind Masks",
        MEDALLIANCE_GTIN: MASK_TEXT,
        MEDALLIANCE_LOT: "MK-2026-ENV",
        MEDALLIANCE_EXPIRES: "2030-06-30",
        MEDALLIANCE_SERIALS: base.serialsFile,
        MEDALLIANCE_BATCH_RECORD: base.batchRecordFile,
        MEDALLIANCE_PROOFS: base.proofDir,
      };
      const run = await runMain(serialising.main, {
        ...env,
        MEDALLIANCE_LINK_BASE: "https://verify.northwind.example/",
      });
      expect(run.code).to.equal(undefined);
      expect(run.out).to.include(
        `First unit: https://verify.northwind.example/01/${MASK_TEXT}/10/MK-2026-ENV/21/SN00001`,
      );
      expect(await client.serials.commitmentOf(batchIdOf(MASK_GTIN, lot("MK-2026-ENV")))).to.not.equal(
        "0x" + "00".repeat(32),
      );
      // The same lot again: the proof folder exists, so nothing is sent.
      const again = await runMain(serialising.main, env);
      expect(again.code).to.equal(1);
      expect(again.err).to.match(/^proof files of lot MK-2026-ENV exist already in /);
    });
  });
});
