import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import hre from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { ReadingKind, readingLineJson } from "../../scripts/lib/readings";
import { ShipmentStatus } from "../../scripts/lib/trace";
import { DEVICE_KEY_ENV } from "../../tasks/readings";
import { printed } from "../helpers/tasks";
import { type ReadingsFixture, readingsFixture, signed } from "../field/readingsFixture";

interface Summary {
  readings: number;
  accepted: number;
  skipped: number;
  transactions: string[];
  results: { line: number; device: string; status: string; reason?: string; held?: boolean; sequence: string }[];
}

let dir: string;

function writeFile(name: string, lines: string[]): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, lines.join("\n") + "\n");
  return file;
}

async function gateway(f: ReadingsFixture, file: string, extra: Record<string, unknown> = {}): Promise<Summary> {
  const out = await printed("readings:gateway", {
    file,
    gateway: f.carrier.address,
    registry: await f.registry.getAddress(),
    batchSize: 100,
    json: true,
    ...extra,
  });
  return JSON.parse(out) as Summary;
}

describe("task readings:gateway", () => {
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "readings-"));
  });
  after(() => {
    fs.rmSync(dir, { recursive: true, force: true });
    delete process.env[DEVICE_KEY_ENV];
  });
  afterEach(() => {
    delete process.env[DEVICE_KEY_ENV];
  });

  it("submits signed lines in batches of --batch-size and reports each line, holds included", async () => {
    const f = await loadFixture(readingsFixture);
    const lines = [
      readingLineJson(await signed(f, f.carrierLogger, { sequence: 1n, value: 45n })),
      readingLineJson(await signed(f, f.carrierLogger, { sequence: 2n, value: 110n })), // 11.0 °C: holds
      readingLineJson(await signed(f, f.unrelatedLogger, { sequence: 1n })), // not a party
      readingLineJson(await signed(f, f.carrierLogger, { sequence: 2n })), // replayed sequence
      "# a comment, and a blank line below",
      "",
      readingLineJson(await signed(f, f.hospitalLogger, { sequence: 1n, kind: ReadingKind.Humidity, value: 400n })),
    ];
    const summary = await gateway(f, writeFile("signed.jsonl", lines), { batchSize: 2 });
    expect([summary.readings, summary.accepted, summary.skipped]).to.deep.equal([5, 3, 2]);
    expect(summary.transactions).to.have.length(3);
    expect(summary.results.map((r) => [r.line, r.status, r.reason ?? null, r.held ?? false])).to.deep.equal([
      [1, "accepted", null, false],
      [2, "accepted", null, true],
      [3, "skipped", "device's organisation is not the shipment's sender, carrier or recipient", false],
      [4, "skipped", "sequence number not above the device's last accepted one", false],
      [7, "accepted", null, false],
    ]);
    expect(Number((await f.ledger.shipmentState(f.shipmentId)).status)).to.equal(ShipmentStatus.Held);
  });

  it("signs unsigned lines with the device key from the environment and prints a plain summary", async () => {
    const f = await loadFixture(readingsFixture);
    const r = (await signed(f, f.carrierLogger)).reading;
    const unsigned = JSON.stringify({
      shipmentId: r.shipmentId,
      kind: "temperature",
      value: 52,
      timestamp: Number(r.timestamp),
      sequence: 7,
      deadline: Number(r.deadline),
    });
    process.env[DEVICE_KEY_ENV] = f.carrierLogger.privateKey;
    const out = await printed("readings:gateway", {
      file: writeFile("unsigned.jsonl", [unsigned]),
      gateway: f.carrier.address,
      registry: await f.registry.getAddress(),
      batchSize: 100,
      json: false,
    });
    expect(out).to.contain("1 readings from");
    expect(out).to.contain("1 accepted, 0 skipped, in 1 transaction.");
    expect(out).to.contain(`line 1: temperature 52 from ${f.carrierLogger.address} (sequence 7): accepted`);
    expect(await f.readings.lastSequenceOf(f.carrierLogger.address)).to.equal(7n);
  });

  it("skips lines whose shipment the ledger never shipped, without sending them", async () => {
    const f = await loadFixture(readingsFixture);
    const s = await signed(f, f.carrierLogger, { shipmentId: "0x" + "ab".repeat(32) });
    const summary = await gateway(f, writeFile("unknown.jsonl", [readingLineJson(s)]));
    expect(summary.transactions).to.have.length(0);
    expect(summary.results[0].reason).to.match(/unknown shipment/);
  });

  it("refuses a file with bad lines, naming each line and its problem", async () => {
    const f = await loadFixture(readingsFixture);
    const good = readingLineJson(await signed(f, f.carrierLogger));
    const file = writeFile("bad.jsonl", [
      good,
      "{not json",
      JSON.stringify({ ...JSON.parse(good), kind: "pressure" }),
      JSON.stringify({ ...JSON.parse(good), sequence: 0 }),
      JSON.stringify({ ...JSON.parse(good), colour: "blue" }),
      JSON.stringify({ ...JSON.parse(good), shipmentId: "0x12" }),
    ]);
    await expect(gateway(f, file)).to.be.rejectedWith(
      /5 problems:\n {2}line 2: not valid JSON\n {2}line 3: "kind" must be one of temperature, humidity, location, scan.*\n {2}line 4: "sequence" is out of range.*\n {2}line 5: unknown field colour\n {2}line 6: "shipmentId" must be a 32-byte hex string/,
    );
  });

  it("refuses unsigned lines without a device key, a gateway that is not a member, and a bad batch size", async () => {
    const f = await loadFixture(readingsFixture);
    const r = (await signed(f, f.carrierLogger)).reading;
    const unsigned = writeFile("nokey.jsonl", [
      JSON.stringify({
        shipmentId: r.shipmentId,
        kind: 1,
        value: 50,
        timestamp: Number(r.timestamp),
        sequence: 1,
        deadline: Number(r.deadline),
      }),
    ]);
    await expect(gateway(f, unsigned)).to.be.rejectedWith(
      new RegExp(`line 1: unsigned, and no device key was given to sign it \\(set ${DEVICE_KEY_ENV}`),
    );
    const signedFile = writeFile("ok.jsonl", [readingLineJson(await signed(f, f.carrierLogger))]);
    await expect(gateway(f, signedFile, { gateway: f.governor.address })).to.be.rejectedWith(
      /is not a member's admin or operator account/,
    );
    await expect(gateway(f, signedFile, { batchSize: 101 })).to.be.rejectedWith(/--batch-size is 1 to 100, not 101/);
    await expect(gateway(f, path.join(dir, "missing.jsonl"))).to.be.rejectedWith(/no readings file at/);
  });

  it("explains a refused submission (a suspended gateway organisation) in a sentence", async () => {
    const f = await loadFixture(readingsFixture);
    await (await f.registry.connect(f.regulatorA).suspendOrganisation(f.carrierOrgId, f.shipmentId)).wait();
    const file = writeFile("suspended.jsonl", [readingLineJson(await signed(f, f.carrierLogger))]);
    await expect(gateway(f, file)).to.be.rejectedWith(
      /the submission of lines 1–1 was refused: Account 0x[0-9a-fA-F]{40} may not do this: it is not an account of an Active organisation admitted as Supplier, Manufacturer, Logistics, Distributor, Hospital, Retailer or Agency\.$/,
    );
    expect(hre.network.name).to.equal("hardhat");
  });
});
