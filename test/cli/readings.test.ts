import { expect } from "chai";
import hre from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { documentHash } from "../../scripts/lib/alliance";
import { ShipmentStatus } from "../../scripts/lib/trace";
import { MASK_LOT, MASK_TEXT, json, useCliDeployments } from "../helpers/cliFixture";
import { printed } from "../helpers/tasks";
import { readingsFixture } from "./readingsFixture";
import { SPARE_LOT, refused } from "./serialsFixture";

const MASKS = `${MASK_TEXT}/${MASK_LOT}`;

describe("CLI readings: readings:shipment, readings:excursions, readings:device", function () {
  useCliDeployments();

  describe("readings:shipment", () => {
    it("lists a shipment's accepted readings, the excursion that held it and its status", async () => {
      const f = await loadFixture(readingsFixture);
      const doc = await json<{ status: string; batch: string; readings: Record<string, unknown>[] }>(
        "readings:shipment",
        { shipment: f.shipmentId },
      );
      expect(doc.status).to.equal(ShipmentStatus[Number((await f.ledger.shipmentState(f.shipmentId)).status)]);
      expect(doc.status).to.equal("Held");
      expect(doc.batch).to.equal(MASKS);
      expect(doc.readings.map((r) => [r.kind, r.value, r.sequence, r.excursion, r.held])).to.deep.equal([
        ["Temperature", "215", "1", false, false],
        ["Humidity", "400", "2", false, false],
        ["Temperature", "455", "3", true, true],
      ]);
      expect(doc.readings[0]).to.deep.include({ device: f.logger.address, deviceOrgId: Number(f.orgIds.carrier) });
      const out = await printed("readings:shipment", { shipment: f.shipmentId });
      expect(out).to.contain(
        `: 100 units of ${MASKS} from Northwind Masks to City General Hospital, Held after a cold-chain excursion: a regulator must clear it (ledger:clear-hold).`,
      );
      expect(out).to.contain("21.5 °C");
      expect(out).to.contain("40.0 %");
      expect(out).to.contain("45.5 °C  EXCURSION, held");
      expect(out).to.contain("Swift Cold Chain");
    });

    it("refuses a missing or unknown shipment", async () => {
      await loadFixture(readingsFixture);
      await refused("readings:shipment", {}, "--shipment is required: the shipment's id (0x…)");
      await refused(
        "readings:shipment",
        { shipment: "0x" + "ab".repeat(32) },
        `shipment 0x${"ab".repeat(32)}: the ledger has no shipment with this id`,
      );
      await refused(
        "readings:shipment",
        { shipment: "0x12" },
        `shipment "0x12" is not a 32-byte id (0x and 64 hex digits)`,
      );
    });
  });

  describe("readings:excursions", () => {
    it("lists excursions with the product's range, whether they held the shipment and the open count", async () => {
      const f = await loadFixture(readingsFixture);
      const doc = await json<{ excursions: Record<string, unknown>[]; openExcursions: Record<string, number> }>(
        "readings:excursions",
        {},
      );
      expect(doc.excursions).to.have.length(1);
      expect(doc.excursions[0]).to.deep.include({
        shipmentId: f.shipmentId,
        batchId: f.maskBatch,
        batch: MASKS,
        device: f.logger.address,
        value: 455,
        minTemperature: -200,
        maxTemperature: 400,
        held: true,
        shipmentStatus: "Held",
      });
      expect(doc.openExcursions[f.maskBatch]).to.equal(Number(await f.ledger.openExcursionsOf(f.maskBatch)));
      expect(doc.openExcursions[f.maskBatch]).to.equal(1);
      const out = await printed("readings:excursions", { batch: MASKS });
      expect(out).to.contain("45.5 °C");
      expect(out).to.contain("-20.0 °C to 40.0 °C");
      expect(out).to.contain("held it");
      expect(out).to.contain("1 shipment(s) wait for a regulator: ledger:clear-hold --shipment <id>.");
      expect(await printed("readings:excursions", { batch: `${MASK_TEXT}/${SPARE_LOT}` })).to.equal(
        "No cold-chain excursion was reported.",
      );
      const one = await json<{ excursions: unknown[] }>("readings:excursions", { shipment: f.shipmentId });
      expect(one.excursions).to.have.length(1);
    });

    it("shows a cleared hold as the shipment's current state", async () => {
      const f = await loadFixture(readingsFixture);
      await (await f.ledger.connect(f.regulators[0]).clearHold(f.shipment, false, documentHash("goods fit"))).wait();
      const doc = await json<{ excursions: Record<string, unknown>[] }>("readings:excursions", {});
      expect(doc.excursions[0]).to.deep.include({ held: true, shipmentStatus: "InTransit" });
      expect(await printed("readings:excursions", {})).to.not.contain("wait for a regulator");
    });

    it("refuses --shipment with --batch", async () => {
      const f = await loadFixture(readingsFixture);
      await refused(
        "readings:excursions",
        { shipment: f.shipmentId, batch: MASKS },
        "give --shipment or --batch, not both",
      );
    });
  });

  describe("readings:device", () => {
    it("tells whether a device's readings count, and its last sequence", async () => {
      const f = await loadFixture(readingsFixture);
      const doc = await json<Record<string, unknown>>("readings:device", { device: f.logger.address });
      expect(doc).to.deep.include({
        device: f.logger.address,
        orgId: Number(f.orgIds.carrier),
        organisation: "Swift Cold Chain",
        isDevice: true,
        active: true,
        lastSequence: (await f.readings.lastSequenceOf(f.logger.address)).toString(),
        accepted: 3,
      });
      const out = await printed("readings:device", { device: f.logger.address });
      expect(out).to.contain(`${f.logger.address} is a device of Swift Cold Chain (Active): its readings count`);
      expect(out).to.contain("Readings accepted: 3; last accepted sequence 3 (the next must be higher).");
      expect(await printed("readings:device", { device: f.carrier.address })).to.contain(
        `${f.carrier.address} is not a device key (it is an admin account of Swift Cold Chain): readings it signs are skipped.`,
      );
      await (
        await f.registry.connect(f.regulators[0]).suspendOrganisation(f.orgIds.carrier, documentHash("audit"))
      ).wait();
      const suspended = await json<Record<string, unknown>>("readings:device", { device: f.logger.address });
      expect(suspended).to.deep.include({ isDevice: true, active: false });
      expect(suspended.message).to.contain("which is suspended: its readings are skipped");
    });

    it("refuses a missing or malformed address", async () => {
      await loadFixture(readingsFixture);
      await refused("readings:device", {}, "--device is required: the device key's address");
      await refused("readings:device", { device: "0x1234" }, `--device "0x1234" is not an account address`);
    });
  });
});
