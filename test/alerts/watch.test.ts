import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import hre, { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { HardhatPluginError } from "hardhat/plugins";
import { readClient } from "../../scripts/client/task";
import { formatTime } from "../../scripts/client/codes";
import { documentHash } from "../../scripts/lib/alliance";
import { type Alert, type WatchState, watch } from "../../scripts/lib/alerts";
import { loadThresholds } from "../../scripts/lib/thresholds";
import { agreementRef } from "../../scripts/lib/agreements";
import { ship } from "../../scripts/lib/trace";
import { useCliDeployments } from "../helpers/cliFixture";
import {
  NEW_MEMBER,
  PHARMACY_GLN,
  baseFixture,
  coldChainFixture,
  custodyFixture,
  deadlinesFixture,
  freshState,
  runWatch,
  unitsFixture,
} from "./alertsFixture";

const HOUR = 3600;
const DAY = 86_400;
const MASKS = "00614141000029/MK-2026-001";
const REGULATOR = "0x7099…79C8";

const ofRule = (alerts: Alert[], rule: string) => alerts.filter((alert) => alert.rule === rule);
const messages = (alerts: Alert[]) => alerts.map((alert) => alert.message);
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

async function refused(args: Record<string, unknown>, message: string): Promise<void> {
  await expect(hre.run("watch", { once: true, ...args })).to.be.rejectedWith(
    HardhatPluginError,
    new RegExp(`^${escape(message)}$`),
  );
}

function readState(file: string): WatchState {
  return JSON.parse(fs.readFileSync(file, "utf8")) as WatchState;
}

/** A local webhook receiver answering every POST with `status`; `bodies` collects what arrived. */
async function webhookServer(status: number) {
  const bodies: string[] = [];
  const server = http.createServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => (body += chunk.toString()));
    request.on("end", () => {
      bodies.push(body);
      response.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/alerts`;
  return { url, bodies, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe("watch: alerts", function () {
  useCliDeployments();

  describe("event rules", function () {
    it("reports a receipt and a settlement short of what was shipped, and nothing for a full receipt", async function () {
      const f = await loadFixture(custodyFixture);
      const { alerts } = await runWatch({ state: freshState(), fromBlock: String(f.start) });
      const discrepancies = ofRule(alerts, "quantity-discrepancy");
      expect(messages(discrepancies)).to.deep.equal([
        `City General Hospital received 480 of the 500 units of ${MASKS} shipped by Northwind Masks: 20 short, ` +
          "attributed to carrier Swift Cold Chain.",
        `A regulator (${REGULATOR}) settled the shipment of 200 units of ${MASKS} from Northwind Masks to Harbour ` +
          "Distribution at 150 received: 50 short, attributed to carrier Swift Cold Chain.",
      ]);
      const [receipt] = discrepancies;
      const receiptTx = await ethers.provider.getTransactionReceipt(receipt.transaction!);
      expect(receipt.severity).to.equal("warning");
      expect(receipt.block).to.equal(receiptTx!.blockNumber);
      const block = await ethers.provider.getBlock(receipt.block);
      expect(receipt.time).to.equal(new Date(block!.timestamp * 1000).toISOString());
      expect(receipt.subjects).to.deep.equal({
        shipmentId: f.toHospital.shipmentId,
        batchId: f.maskBatch,
        fromOrgId: f.orgIds.maker.toString(),
        toOrgId: f.orgIds.hospital.toString(),
        carrierOrgId: f.orgIds.carrier.toString(),
      });
      // The clinic received all 300: no discrepancy names its shipment.
      expect(alerts.some((alert) => alert.subjects.shipmentId === f.toClinic.shipmentId)).to.equal(false);
    });

    it("reports members whose stock fell below their safety stock, not those above it", async function () {
      const f = await loadFixture(custodyFixture);
      const { alerts } = await runWatch({ state: freshState(), fromBlock: String(f.start) });
      const stock = ofRule(alerts, "safety-stock");
      expect(messages(stock)).to.deep.equal([
        "City General Hospital holds 480 usable units of protective equipment, below its safety stock of 2,000.",
        "Hillside Rural Clinic holds 300 usable units of protective equipment, below its safety stock of 2,000.",
        "Harbour Distribution holds 150 usable units of protective equipment, below its safety stock of 2,000.",
      ]);
      expect(stock[0].subjects).to.deep.equal({ orgId: f.orgIds.hospital.toString(), category: "ProtectiveEquipment" });
      // Northwind shipped 1,000 of its 10,000 masks: 9,000 is above 2,000.
      expect(stock.some((alert) => alert.subjects.orgId === f.orgIds.maker.toString())).to.equal(false);
    });

    it("judges a member by its own safety stock when the thresholds file names it", async function () {
      const f = await loadFixture(custodyFixture);
      const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "thresholds-")), "thresholds.json");
      fs.writeFileSync(file, JSON.stringify({ members: { "Hillside Rural Clinic": { ProtectiveEquipment: 300 } } }));
      process.env.MEDALLIANCE_THRESHOLDS = file;
      try {
        const { alerts } = await runWatch({ state: freshState(), fromBlock: String(f.start) });
        const names = messages(ofRule(alerts, "safety-stock")).map((message) => message.split(" holds")[0]);
        expect(names).to.deep.equal(["City General Hospital", "Harbour Distribution"]);
      } finally {
        delete process.env.MEDALLIANCE_THRESHOLDS;
      }
    });

    it("reports a clone report and a recall, and the maker's usable stock gone", async function () {
      const f = await loadFixture(unitsFixture);
      const { alerts } = await runWatch({ state: freshState(), fromBlock: String(f.start) });
      expect(alerts.map((alert) => [alert.severity, alert.rule])).to.deep.equal([
        ["critical", "clone-report"],
        ["critical", "recall"],
        ["warning", "safety-stock"],
      ]);
      expect(messages(alerts)).to.deep.equal([
        `Unit 1 (serial SN-0002) of ${MASKS} was reported seen again by Corner Pharmacy at GLN ` +
          `${PHARMACY_GLN.toString().padStart(13, "0")}: a possible copy.`,
        `${MASKS} of Northwind Masks was recalled (class 2) by a regulator (${REGULATOR}): stop dispensing and ` +
          "shipping it.",
        "Northwind Masks holds 0 usable units of protective equipment, below its safety stock of 2,000.",
      ]);
      expect(alerts[0].subjects).to.include({ batchId: f.maskBatch, unitIndex: "1", serial: "SN-0002" });
      expect(alerts[1].subjects).to.include({ batchId: f.maskBatch, makerOrgId: f.orgIds.maker.toString() });
    });

    it("reports cold-chain excursions (held, then already held), not a reading within range", async function () {
      const f = await loadFixture(coldChainFixture);
      const { alerts } = await runWatch({ state: freshState(), fromBlock: String(f.start) });
      const excursions = ofRule(alerts, "cold-chain-excursion");
      // Three readings, 21.5 °C within range: two alerts.
      expect(excursions).to.have.length(2);
      const trip = `on the shipment of 100 units of ${MASKS} from Northwind Masks to City General Hospital carried by Swift Cold Chain`;
      const held = excursions.find((alert) => alert.severity === "critical")!;
      expect(held.message).to.equal(
        `A reading of 45.5 °C, outside -20.0 °C to 40.0 °C, ${trip}: the shipment is held until a regulator clears it.`,
      );
      const again = excursions.find((alert) => alert.severity === "warning")!;
      expect(again.message).to.equal(
        `A reading of 46.0 °C, outside -20.0 °C to 40.0 °C, ${trip}: the shipment was already held.`,
      );
      expect(held.subjects).to.include({ shipmentId: f.shipmentId, batchId: f.maskBatch, device: f.logger.address });
    });
  });

  describe("time rules", function () {
    it("fire once each as deadlines come near, never for those far away", async function () {
      const f = await loadFixture(deadlinesFixture);
      const state = freshState();
      const need = async (id: bigint) => f.escrow.need(id);

      // Day 0, 24 hours before need #2 closes: the new member's licence (20 days) and need #2 (10 % raised).
      const need2 = await need(f.needs.underfunded);
      const now0 = Number(need2.deadline) - 24 * HOUR;
      await time.increaseTo(now0);
      const stage0 = await runWatch({ state, fromBlock: String(f.start) });
      const timed0 = stage0.alerts.filter((alert) => alert.transaction === undefined);
      const licenceDays = Math.floor((Number(f.licenceExpiry) - now0) / DAY);
      expect(messages(timed0)).to.deep.equal([
        `The licence of ${NEW_MEMBER} expires on ${formatTime(f.licenceExpiry)}, in ${licenceDays} days: a renewal ` +
          "needs a regulator's approval.",
        `Need #${f.needs.underfunded} of City General Hospital (100 units of 00614141000029), urgency 3, closes on ` +
          `${formatTime(need2.deadline)}, in 24 hours, with 0.1 ETH raised of 1 ETH (10%).`,
      ]);
      expect(timed0.map((alert) => alert.rule)).to.deep.equal(["licence-expiring", "need-underfunded"]);
      expect(timed0[0].subjects).to.deep.equal({
        orgId: f.member.orgId.toString(),
        licenceExpiry: f.licenceExpiry.toString(),
      });
      expect(timed0[1].block).to.equal(await ethers.provider.getBlockNumber());

      // 10 hours before need #1's verification window lapses; the agreement's hand-over deadline has passed.
      const need1 = await need(f.needs.unverified);
      const verifyBy = Number(need1.postedAt) + Number(await f.escrow.verificationWindow());
      const now1 = verifyBy - 10 * HOUR;
      await time.increaseTo(now1);
      const stage1 = await runWatch({ state });
      const handOver = Number(f.terms.handOverDeadline);
      expect(stage1.alerts.map((alert) => [alert.severity, alert.rule])).to.deep.equal([
        ["warning", "regulator-window"],
        ["warning", "agreement-overdue"],
      ]);
      expect(messages(stage1.alerts)).to.deep.equal([
        `Need #${f.needs.unverified} of City General Hospital (100 units of 00614141000029) awaits a regulator's ` +
          `verification: the verification window lapses on ${formatTime(verifyBy)}, in 10 hours.`,
        `Agreement #${f.agreementId}: Northwind Masks was to hand over 1,000 units of 00614141000029 to City General ` +
          `Hospital by ${formatTime(handOver)} (${Math.floor((now1 - handOver) / HOUR)} hours ago); 0 delivered so far.`,
      ]);

      // 5 hours before the report's triage window lapses.
      const report = await f.adverse.reportOf(f.reportId);
      const now2 = Number(report.triageDeadline) - 5 * HOUR;
      await time.increaseTo(now2);
      const stage2 = await runWatch({ state });
      expect(messages(stage2.alerts)).to.deep.equal([
        `Adverse event report #${f.reportId} (Serious, on ${MASKS} by City General Hospital) awaits triage: the ` +
          `triage window lapses on ${formatTime(report.triageDeadline)}, in 5 hours.`,
      ]);
      expect(stage2.alerts[0].subjects).to.include({ reportId: f.reportId.toString(), batchId: f.maskBatch });

      // 2 hours after the order's compliance window lapsed (the licence has expired by now: already reported).
      const order = await f.orders.orderOf(f.orderId);
      await time.increaseTo(Number(order.complianceDeadline) + 2 * HOUR);
      const stage3 = await runWatch({ state });
      expect(stage3.alerts.map((alert) => [alert.severity, alert.rule])).to.deep.equal([
        ["critical", "regulator-window"],
      ]);
      expect(stage3.alerts[0].message).to.equal(
        `Custom device order #${f.orderId} (04012345000429 made by MediTech Implants for City General Hospital) ` +
          `awaits a compliance ruling: the compliance window lapsed on ${formatTime(order.complianceDeadline)}, 2 hours ago.`,
      );

      // Nothing fires twice.
      expect((await runWatch({ state })).alerts).to.deep.equal([]);
      expect(readState(state).fired).to.include.members([
        `licence:${f.member.orgId}:${f.licenceExpiry}`,
        `need-deadline:${f.needs.underfunded}`,
        `verification:${f.needs.unverified}`,
        `triage:${f.reportId}`,
        `agreement-deadline:${f.agreementId}`,
      ]);
    });

    it("does not report a need well funded or far from its deadline, nor an agreement before its deadline", async function () {
      const f = await loadFixture(deadlinesFixture);
      const need3 = await f.escrow.need(f.needs.funded);
      await time.increaseTo(Number(need3.deadline) - HOUR);
      const { alerts } = await runWatch({ state: freshState(), fromBlock: String(f.start) });
      const needIds = ofRule(alerts, "need-underfunded").map((alert) => alert.subjects.needId);
      expect(needIds).to.deep.equal([f.needs.underfunded.toString()]); // not #3 (80 %), not #4 (10 days)
      expect(ofRule(alerts, "agreement-overdue")).to.deep.equal([]); // its deadline is a day away
    });

    it("does not report an agreement delivered in full once its hand-over deadline has passed", async function () {
      const f = await loadFixture(deadlinesFixture);
      const ref = agreementRef(await f.agreements.getAddress(), f.agreementId);
      const { shipment } = await ship(f.ledger, f.account("maker"), {
        batchId: f.maskBatch,
        toOrgId: f.orgIds.hospital,
        quantity: 1_000n,
        carrierOrgId: f.orgIds.carrier,
        ref,
        docHash: documentHash("agreement delivery"),
      });
      const carrier = f.ledger.connect(f.account("carrier"));
      for (const step of [carrier.pickUp, carrier.deliver]) await (await step(shipment)).wait();
      await (await f.ledger.connect(f.account("hospital")).receiveShipment(shipment, 1_000n, true)).wait();
      await (await f.agreements.recordDelivery(f.agreementId, f.terms, shipment)).wait();
      expect((await f.agreements.agreement(f.agreementId)).delivered).to.equal(1_000n);
      await time.increaseTo(Number(f.terms.handOverDeadline) + DAY);
      const { alerts } = await runWatch({ state: freshState(), fromBlock: String(f.start) });
      expect(ofRule(alerts, "agreement-overdue")).to.deep.equal([]);
    });
  });

  describe("state", function () {
    it("resumes from the last block processed: no duplicates, only what is new", async function () {
      const f = await loadFixture(custodyFixture);
      const state = freshState();
      const first = await runWatch({ state, fromBlock: String(f.start) });
      expect(first.alerts).to.have.length(5);
      const head = await ethers.provider.getBlockNumber();
      expect(readState(state)).to.deep.include({ lastBlock: head, chainId: "31337" });
      expect(readState(state).fired).to.include(`stock:${f.orgIds.hospital}:ProtectiveEquipment`);

      expect((await runWatch({ state })).alerts).to.deep.equal([]);

      const { shipment, shipmentId } = await ship(f.ledger, f.account("maker"), {
        batchId: f.maskBatch,
        toOrgId: f.orgIds.hospital,
        quantity: 100n,
        carrierOrgId: f.orgIds.carrier,
        docHash: documentHash("delivery note 4"),
      });
      await (await f.ledger.connect(f.account("hospital")).receiveShipment(shipment, 90n, true)).wait();
      const again = await runWatch({ state });
      // The hospital is still below its safety stock (570): already reported, not again.
      expect(again.alerts.map((alert) => alert.rule)).to.deep.equal(["quantity-discrepancy"]);
      expect(again.alerts[0].subjects.shipmentId).to.equal(shipmentId);
      expect(again.alerts[0].block).to.be.greaterThan(head);
      expect(readState(state).lastBlock).to.equal(await ethers.provider.getBlockNumber());
    });

    it("reports a member again once its stock was back up and fell below again", async function () {
      const f = await loadFixture(custodyFixture);
      const state = freshState();
      await runWatch({ state, fromBlock: String(f.start) });
      const hospital = f.account("hospital");
      const { shipment } = await ship(f.ledger, f.account("maker"), {
        batchId: f.maskBatch,
        toOrgId: f.orgIds.hospital,
        quantity: 2_000n,
        carrierOrgId: f.orgIds.carrier,
        docHash: documentHash("delivery note 5"),
      });
      await (await f.ledger.connect(hospital).receiveShipment(shipment, 2_000n, true)).wait();
      expect((await runWatch({ state })).alerts).to.deep.equal([]); // 2,480: back above
      await (await f.ledger.connect(hospital).dispense(f.maskBatch, 600n, documentHash("ward 3"))).wait();
      expect(messages((await runWatch({ state })).alerts)).to.deep.equal([
        "City General Hospital holds 1,880 usable units of protective equipment, below its safety stock of 2,000.",
      ]);
    });

    it("starts at --from-block latest with only the time rules, and keeps state where MEDALLIANCE_WATCH_STATE says", async function () {
      await loadFixture(custodyFixture);
      const file = freshState();
      process.env.MEDALLIANCE_WATCH_STATE = file;
      try {
        const { alerts } = await runWatch({ fromBlock: "latest" });
        expect(alerts).to.deep.equal([]);
      } finally {
        delete process.env.MEDALLIANCE_WATCH_STATE;
      }
      expect(readState(file).lastBlock).to.equal(await ethers.provider.getBlockNumber());
    });

    it("prints lines for people without --json", async function () {
      const f = await loadFixture(unitsFixture);
      const { lines } = await runWatch({ state: freshState(), fromBlock: String(f.start) }, { json: false });
      expect(lines[1]).to.equal(
        `[critical] recall — ${MASKS} of Northwind Masks was recalled (class 2) by a regulator (${REGULATOR}): stop ` +
          "dispensing and shipping it.",
      );
      expect(lines).to.have.length(3);
    });
  });

  describe("webhook", function () {
    it("POSTs each alert as JSON to MEDALLIANCE_WEBHOOK_URL", async function () {
      const f = await loadFixture(unitsFixture);
      const server = await webhookServer(204);
      process.env.MEDALLIANCE_WEBHOOK_URL = server.url;
      try {
        const run = await runWatch({ state: freshState(), fromBlock: String(f.start) });
        expect(run.errors).to.deep.equal([]);
        expect(server.bodies.map((body) => JSON.parse(body))).to.deep.equal(run.alerts);
        expect(server.bodies).to.have.length(3);
      } finally {
        delete process.env.MEDALLIANCE_WEBHOOK_URL;
        await server.close();
      }
    });

    it("retries a failing webhook, reports it on stderr and goes on, losing no alert", async function () {
      const f = await loadFixture(unitsFixture);
      const server = await webhookServer(500);
      const state = freshState();
      try {
        const run = await runWatch({ state, fromBlock: String(f.start), webhook: server.url });
        expect(run.alerts.map((alert) => alert.rule)).to.deep.equal(["clone-report", "recall", "safety-stock"]);
        expect(server.bodies).to.have.length(9); // three attempts each
        expect(run.errors).to.have.length(3);
        expect(run.errors[0]).to.equal(
          `Could not post the clone-report alert of block ${run.alerts[0].block} to ${server.url}: HTTP 500 ` +
            "Internal Server Error (3 attempts)",
        );
        expect(readState(state).lastBlock).to.equal(await ethers.provider.getBlockNumber());
      } finally {
        await server.close();
      }
    });
  });

  describe("following the chain", function () {
    it("polls for new blocks until stopped, through a failing webhook", async function () {
      const f = await loadFixture(baseFixture);
      const client = await readClient(hre, { json: false });
      const state = freshState();
      const printed: Alert[] = [];
      const warnings: string[] = [];
      let stop = () => undefined as void;
      const stopped = new Promise<void>((resolve) => (stop = resolve));
      const until = async (done: () => boolean) => {
        for (let i = 0; i < 200 && !done(); i++) await new Promise((resolve) => setTimeout(resolve, 25));
        expect(done()).to.equal(true);
      };
      const watching = watch(client, {
        once: false,
        interval: 0.05,
        stateFile: state,
        fromBlock: "latest",
        pageSize: 2000,
        thresholds: loadThresholds(),
        webhook: "http://127.0.0.1:9/closed",
        webhookOptions: { attempts: 1 },
        print: (alert) => printed.push(alert),
        warn: (message) => warnings.push(message),
        stopped,
      });
      await until(() => fs.existsSync(state));
      await (await f.ledger.connect(f.regulators[0]).recall(f.maskBatch, 1, documentHash("sterility"))).wait();
      await until(() => printed.some((alert) => alert.rule === "recall"));
      expect(warnings[0]).to.match(
        /^Could not post the recall alert of block \d+ to http:\/\/127\.0\.0\.1:9\/closed: /,
      );
      await hre.network.provider.send("evm_mine");
      const block = await ethers.provider.getBlockNumber();
      await until(() => readState(state).lastBlock >= block);
      stop();
      await watching;
      expect(printed.filter((alert) => alert.rule === "recall")).to.have.length(1);
    });
  });

  describe("bad input", function () {
    it("refuses a bad --interval, --from-block, --page-size or webhook", async function () {
      await loadFixture(baseFixture);
      const state = freshState();
      await refused({ state, interval: "abc" }, '--interval "abc" is not a positive number of seconds');
      await refused({ state, interval: "0" }, '--interval "0" is not a positive number of seconds');
      await refused({ state, fromBlock: "soon" }, '--from-block "soon" is not a block number or "latest"');
      await refused({ state, pageSize: "0" }, '--page-size "0" is not a whole number of blocks (1 or more)');
      await refused({ state, webhook: "ftp://example.org" }, 'webhook "ftp://example.org" is not an http(s) URL');
      expect(fs.existsSync(state)).to.equal(false);
    });

    it("refuses a state file it cannot read, or that is not a watch state of this registry", async function () {
      await loadFixture(baseFixture);
      const folder = fs.mkdtempSync(path.join(os.tmpdir(), "watch-state-"));
      await refused(
        { state: folder },
        `state file ${folder} cannot be read: EISDIR: illegal operation on a directory, read`,
      );
      const garbage = path.join(folder, "garbage.json");
      fs.writeFileSync(garbage, "last block: 12");
      await refused({ state: garbage }, `state file ${garbage} is not JSON: delete it or pass another --state`);
      const other = path.join(folder, "other.json");
      fs.writeFileSync(other, JSON.stringify({ lastBlock: 12 }));
      await refused({ state: other }, `state file ${other} is not a watch state (chainId, registry, lastBlock, fired)`);
      const elsewhere = path.join(folder, "elsewhere.json");
      const registry = "0x000000000000000000000000000000000000dEaD";
      fs.writeFileSync(elsewhere, JSON.stringify({ chainId: "31337", registry, lastBlock: 12, fired: [] }));
      const { registry: ours } = await loadFixture(baseFixture);
      await refused(
        { state: elsewhere },
        `state file ${elsewhere} belongs to registry ${registry} on chain 31337, not ${await ours.getAddress()} on ` +
          "chain 31337: pass another --state",
      );
    });
  });
});
