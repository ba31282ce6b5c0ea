import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { RecordKind, ShipmentStatus, ship } from "../../scripts/lib/trace";
import { documentHash } from "../../scripts/lib/alliance";
import { ReadingKind, type SignedReading, readingHash, shipmentIdOf } from "../../scripts/lib/readings";
import { REFUSAL, SHIPPED, shipToHospital } from "../helpers/custodyFixture";
import { recordsOf } from "../helpers/traceFixture";
import {
  INSPECTION,
  type ReadingsFixture,
  VACCINE_MAX,
  VACCINE_MIN,
  VACCINE_SHIPPED,
  heldDataHash,
  readingsFixture,
  signed,
  submit,
} from "./readingsFixture";

const load = () => loadFixture(readingsFixture);

async function status(f: ReadingsFixture, shipmentId = f.shipmentId): Promise<ShipmentStatus> {
  return Number((await f.ledger.shipmentState(shipmentId)).status) as ShipmentStatus;
}

/** The last history records of the vaccine batch, as (kind, actor, dataHash). */
async function lastRecords(f: ReadingsFixture, count: number, batchId = f.vaccineId) {
  const records = await recordsOf(f.ledger, batchId);
  return records.slice(-count).map((r) => [r.kind, r.actor, r.dataHash]);
}

/** Submits one temperature from the carrier's logger and returns the transaction and the signed reading. */
async function temperature(f: ReadingsFixture, value: number, sequence = 1n) {
  const s = await signed(f, f.carrierLogger, { kind: ReadingKind.Temperature, value: BigInt(value), sequence });
  return { tx: await submit(f, f.carrier, [s]), s };
}

describe("FieldReadings: cold-chain excursions", () => {
  for (const [label, value] of [
    ["above", 110], // 11.0 °C
    ["below", 15], // 1.5 °C
  ] as const) {
    it(`holds the shipment on a temperature ${label} the product's range, and the hospital cannot receive it`, async () => {
      const f = await load();
      const { tx, s } = await temperature(f, value);
      const hash = readingHash(s.reading);
      await expect(tx)
        .to.emit(f.readings, "ExcursionReported")
        .withArgs(f.shipmentId, f.carrierLogger.address, hash, value, VACCINE_MIN, VACCINE_MAX, true);
      await expect(tx)
        .to.emit(f.ledger, "ShipmentUpdated")
        .withArgs(f.shipmentId, ShipmentStatus.Held, f.carrierLogger.address);
      expect(await status(f)).to.equal(ShipmentStatus.Held);
      expect(await f.ledger.openExcursionsOf(f.vaccineId)).to.equal(1n);
      // The reading comes first in the history, then the hold it caused.
      expect(await lastRecords(f, 2)).to.deep.equal([
        [RecordKind.Reading, f.carrierLogger.address, hash],
        [RecordKind.Held, f.carrierLogger.address, heldDataHash(f.shipmentId, hash)],
      ]);
      await expect(f.ledger.connect(f.hospital).receiveShipment(f.shipment, VACCINE_SHIPPED, true))
        .to.be.revertedWithCustomError(f.ledger, "LedgerUnexpectedShipmentStatus")
        .withArgs(f.shipmentId, ShipmentStatus.Held);
      await expect(f.ledger.connect(f.hospital).refuse(f.shipment, REFUSAL)).to.be.revertedWithCustomError(
        f.ledger,
        "LedgerUnexpectedShipmentStatus",
      );
    });
  }

  it("does not hold at the range's bounds (2.0 and 8.0 °C are within it)", async () => {
    const f = await load();
    const low = await signed(f, f.carrierLogger, { value: BigInt(VACCINE_MIN), sequence: 1n });
    const high = await signed(f, f.carrierLogger, { value: BigInt(VACCINE_MAX), sequence: 2n });
    const tx = await submit(f, f.carrier, [low, high]);
    await expect(tx).not.to.emit(f.readings, "ExcursionReported");
    await expect(tx).not.to.emit(f.ledger, "ShipmentUpdated");
    expect(await status(f)).to.equal(ShipmentStatus.InTransit);
  });

  it("never holds on other kinds, whatever their value", async () => {
    const f = await load();
    const items = [
      await signed(f, f.carrierLogger, { kind: ReadingKind.Humidity, value: 999n, sequence: 1n }),
      await signed(f, f.carrierLogger, { kind: ReadingKind.Location, value: 110n, sequence: 2n }),
      await signed(f, f.carrierLogger, { kind: ReadingKind.Scan, value: -5n, sequence: 3n }),
    ];
    const tx = await submit(f, f.carrier, items);
    await expect(tx).not.to.emit(f.readings, "ExcursionReported");
    expect(await status(f)).to.equal(ShipmentStatus.InTransit);
  });

  it("holds once per submission: a second excursion on the same shipment is recorded and reported only", async () => {
    const f = await load();
    const first = await signed(f, f.carrierLogger, { value: 110n, sequence: 1n });
    const second = await signed(f, f.hospitalLogger, { value: 120n, sequence: 1n });
    const tx = await submit(f, f.carrier, [first, second]);
    await expect(tx)
      .to.emit(f.readings, "ExcursionReported")
      .withArgs(
        f.shipmentId,
        f.hospitalLogger.address,
        readingHash(second.reading),
        120,
        VACCINE_MIN,
        VACCINE_MAX,
        false,
      );
    await expect(tx)
      .to.emit(f.readings, "ExcursionReported")
      .withArgs(f.shipmentId, f.carrierLogger.address, readingHash(first.reading), 110, VACCINE_MIN, VACCINE_MAX, true);
    expect(await f.ledger.openExcursionsOf(f.vaccineId)).to.equal(1n);
    expect(await lastRecords(f, 3)).to.deep.equal([
      [RecordKind.Reading, f.carrierLogger.address, readingHash(first.reading)],
      [RecordKind.Reading, f.hospitalLogger.address, readingHash(second.reading)],
      [RecordKind.Held, f.carrierLogger.address, heldDataHash(f.shipmentId, readingHash(first.reading))],
    ]);
  });

  it("only records a later excursion on a shipment already held", async () => {
    const f = await load();
    await temperature(f, 110, 1n);
    const { tx, s } = await temperature(f, 130, 2n);
    await expect(tx)
      .to.emit(f.readings, "ExcursionReported")
      .withArgs(f.shipmentId, f.carrierLogger.address, readingHash(s.reading), 130, VACCINE_MIN, VACCINE_MAX, false);
    await expect(tx).not.to.emit(f.ledger, "ShipmentUpdated");
    expect(await f.ledger.openExcursionsOf(f.vaccineId)).to.equal(1n);
    expect(await lastRecords(f, 1)).to.deep.equal([
      [RecordKind.Reading, f.carrierLogger.address, readingHash(s.reading)],
    ]);
  });

  it("only records an excursion reported after the shipment was received", async () => {
    const f = await load();
    await (await f.ledger.connect(f.hospital).receiveShipment(f.shipment, VACCINE_SHIPPED, true)).wait();
    const { tx } = await temperature(f, 110);
    await expect(tx).to.emit(f.readings, "ExcursionReported");
    await expect(tx).not.to.emit(f.ledger, "ShipmentUpdated");
    expect(await status(f)).to.equal(ShipmentStatus.Received);
    expect(await f.ledger.openExcursionsOf(f.vaccineId)).to.equal(0n);
  });

  it("holds picked-up and delivered shipments; a regulator's clearance resumes them and the hospital receives", async () => {
    const f = await load();
    await (await f.ledger.connect(f.carrier).pickUp(f.shipment)).wait();
    await (await f.ledger.connect(f.carrier).deliver(f.shipment)).wait();
    await temperature(f, 110);
    expect(await status(f)).to.equal(ShipmentStatus.Held);
    const clear = await f.ledger.connect(f.regulatorA).clearHold(f.shipment, false, INSPECTION);
    await expect(clear)
      .to.emit(f.ledger, "ShipmentUpdated")
      .withArgs(f.shipmentId, ShipmentStatus.Delivered, f.regulatorA.address);
    expect(await f.ledger.openExcursionsOf(f.vaccineId)).to.equal(0n);
    await (await f.ledger.connect(f.hospital).receiveShipment(f.shipment, VACCINE_SHIPPED, true)).wait();
    expect(await status(f)).to.equal(ShipmentStatus.Received);
    expect(await f.ledger.holdingOf(f.vaccineId, f.hospitalOrgId)).to.equal(VACCINE_SHIPPED);
  });

  it("holds a picked-up shipment; cleared, it resumes as picked up", async () => {
    const f = await load();
    await (await f.ledger.connect(f.carrier).pickUp(f.shipment)).wait();
    await temperature(f, 110);
    expect(await status(f)).to.equal(ShipmentStatus.Held);
    await expect(f.ledger.connect(f.carrier).deliver(f.shipment))
      .to.be.revertedWithCustomError(f.ledger, "LedgerUnexpectedShipmentStatus")
      .withArgs(f.shipmentId, ShipmentStatus.Held);
    await (await f.ledger.connect(f.regulatorA).clearHold(f.shipment, false, INSPECTION)).wait();
    expect(await status(f)).to.equal(ShipmentStatus.PickedUp);
  });

  it("lets a regulator destroy the goods of a held shipment instead", async () => {
    const f = await load();
    await temperature(f, 110);
    const destroy = await f.ledger.connect(f.regulatorA).clearHold(f.shipment, true, INSPECTION);
    await expect(destroy)
      .to.emit(f.ledger, "ShipmentSettled")
      .withArgs(f.shipmentId, f.regulatorA.address, 0, INSPECTION);
    expect(await status(f)).to.equal(ShipmentStatus.Settled);
    expect((await f.ledger.outflowsOf(f.vaccineId)).destroyed).to.equal(VACCINE_SHIPPED);
    expect(await f.ledger.openExcursionsOf(f.vaccineId)).to.equal(0n);
  });

  it("checks each shipment against its own product: 11.0 °C holds the vaccine, not the masks (-20.0 to 40.0 °C)", async () => {
    const f = await load();
    const masks = await shipToHospital(f, SHIPPED);
    const onVaccine = await signed(f, f.carrierLogger, { value: 110n, sequence: 1n });
    const onMasks = await signed(f, f.carrierLogger, { value: 110n, sequence: 2n, shipmentId: masks.shipmentId });
    const onMasksHot = await signed(f, f.carrierLogger, { value: 450n, sequence: 3n, shipmentId: masks.shipmentId });
    const items: SignedReading[] = [onVaccine, onMasks, onMasksHot];
    const tx = await submit(f, f.carrier, items, [f.shipment, masks.shipment]);
    expect(await status(f)).to.equal(ShipmentStatus.Held);
    expect(await status(f, masks.shipmentId)).to.equal(ShipmentStatus.Held);
    await expect(tx)
      .to.emit(f.readings, "ExcursionReported")
      .withArgs(masks.shipmentId, f.carrierLogger.address, readingHash(onMasksHot.reading), 450, -200, 400, true);
    expect(await f.ledger.openExcursionsOf(f.maskId)).to.equal(1n);
    expect(await f.ledger.openExcursionsOf(f.vaccineId)).to.equal(1n);
  });

  it("holds a shipment while the alliance is paused (a safety action)", async () => {
    const f = await load();
    await (await f.registry.connect(f.guardian).pause()).wait();
    await temperature(f, 110);
    expect(await status(f)).to.equal(ShipmentStatus.Held);
  });

  it("holds a second shipment of the same batch independently", async () => {
    const f = await load();
    const second = await ship(f.ledger, f.maker, {
      batchId: f.vaccineId,
      toOrgId: f.hospitalOrgId,
      quantity: 100n,
      carrierOrgId: f.carrierOrgId,
      docHash: documentHash("second consignment"),
    });
    expect(shipmentIdOf(second.shipment)).to.equal(second.shipmentId);
    const s = await signed(f, f.carrierLogger, { value: 110n, shipmentId: second.shipmentId });
    await submit(f, f.carrier, [s], [f.shipment, second.shipment]);
    expect(await status(f)).to.equal(ShipmentStatus.InTransit);
    expect(await status(f, second.shipmentId)).to.equal(ShipmentStatus.Held);
    expect(await f.ledger.openExcursionsOf(f.vaccineId)).to.equal(1n);
  });
});
