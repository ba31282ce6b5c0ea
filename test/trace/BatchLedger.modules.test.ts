import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { suspend } from "../helpers/registry";
import { rolesContext } from "../helpers/fixtures";
import { shouldBeRestrictedTo } from "../helpers/behaviours";
import { documentHash } from "../../scripts/lib/alliance";
import { BatchStatus, RecordKind, ShipmentStatus } from "../../scripts/lib/trace";
import { MAKERS, MASK, REASONS, recordsOf, releasedBatch, timestampOf } from "../helpers/traceFixture";
import {
  DISPENSERS,
  PRESCRIPTION,
  RECALL,
  SHIPPED,
  destroyedDataHash,
  dispensedDataHash,
  expectCustodyRecord,
  hospitalStockFixture,
  outflows,
  recalledDataHash,
  shipToHospital,
  shipmentRecord,
  shipmentRecordOf,
} from "../helpers/custodyFixture";

/** What a serial module commits: keccak256(abi.encode(merkleRoot, unitCount)). */
const SERIALS = ethers.keccak256(
  ethers.AbiCoder.defaultAbiCoder().encode(["bytes32", "uint256"], [documentHash("merkle root"), 10_000n]),
);
const UNKNOWN_BATCH = documentHash("no such batch");
const READING = documentHash("reading: 11.0 °C at 2026-11-22T03:00:00Z, sequence 7");
const coder = ethers.AbiCoder.defaultAbiCoder();
const heldDataHash = (shipmentId: string, readingHash: string) =>
  ethers.keccak256(coder.encode(["bytes32", "bytes32"], [shipmentId, readingHash]));
const clearedDataHash = heldDataHash; // keccak256(abi.encode(shipmentId, reasonHash))

/** The hospital holds 1,000 masks of a Released batch; the relay mock is a registered ledger module. */
async function moduleFixture() {
  const f = await hospitalStockFixture();
  await (await f.ledger.connect(f.governor).setModule(f.relay, true)).wait();
  return f;
}
const load = () => loadFixture(moduleFixture);

/** `moduleFixture` with the mask batch's serials committed by its maker. */
async function serialisedFixture() {
  const f = await moduleFixture();
  await (await f.relay.connect(f.maker).serialise(f.maskId, SERIALS)).wait();
  return f;
}

/** A second released mask batch of Northwind's. */
async function commissionSecondBatch(f: Awaited<ReturnType<typeof moduleFixture>>) {
  return releasedBatch(f, MASK, "MK-0200");
}

/** `moduleFixture` plus a second shipment of 1,000 masks to the hospital, in transit, and a device key. */
async function moduleShippedFixture() {
  const f = await moduleFixture();
  const { shipment, shipmentId } = await shipToHospital(f);
  const shippedAt = BigInt(await time.latest());
  return { ...f, shipment, shipmentId, shippedAt, device: f.freeAccounts[0] };
}

/** `moduleShippedFixture` with the shipment held after an excursion. */
async function shippedHeldFixture() {
  const f = await moduleShippedFixture();
  await (await f.relay.hold(f.device.address, f.shipment, READING)).wait();
  return f;
}

/** Suspends the hospital: its shipments could otherwise be reclaimed at once. */
async function suspendRecipient(f: Awaited<ReturnType<typeof moduleShippedFixture>>) {
  await suspend(f.registry, f.regulatorA, f.hospitalOrgId);
}

describe("BatchLedger — modules acting for members", () => {
  describe("serialiseFor", () => {
    it("marks the batch serialised for its maker and records the maker as the actor", async () => {
      const f = await load();
      expect((await f.ledger.batch(f.maskId)).serialised).to.equal(false);
      await expectCustodyRecord(
        f.ledger,
        () => f.relay.connect(f.maker).serialise(f.maskId, SERIALS),
        f.maskId,
        f.maker.address,
        RecordKind.SerialsCommitted,
        SERIALS,
      );
      expect((await f.ledger.batch(f.maskId)).serialised).to.equal(true);
      expect(await f.ledger.batchStatus(f.maskId)).to.equal(BatchStatus.Released);
    });

    it("refuses a second commitment", async () => {
      const f = await loadFixture(serialisedFixture);
      await expect(f.relay.connect(f.maker).serialise(f.maskId, SERIALS))
        .to.be.revertedWithCustomError(f.ledger, "LedgerSerialisedBatch")
        .withArgs(f.maskId);
    });

    it("refuses another maker, a non-maker, an unknown batch and an empty hash", async () => {
      const f = await load();
      await expect(f.relay.connect(f.supplier).serialise(f.maskId, SERIALS))
        .to.be.revertedWithCustomError(f.ledger, "LedgerRecordNotAllowed")
        .withArgs(f.maskId, RecordKind.SerialsCommitted, f.supplier.address);
      await expect(f.relay.connect(f.hospital).serialise(f.maskId, SERIALS))
        .to.be.revertedWithCustomError(f.ledger, "AllianceUnauthorized")
        .withArgs(f.hospital.address, MAKERS);
      await expect(f.relay.connect(f.maker).serialise(UNKNOWN_BATCH, SERIALS))
        .to.be.revertedWithCustomError(f.ledger, "LedgerUnknownBatch")
        .withArgs(UNKNOWN_BATCH);
      await expect(f.relay.connect(f.maker).serialise(f.maskId, ethers.ZeroHash)).to.be.revertedWithCustomError(
        f.ledger,
        "LedgerEmptyHash",
      );
    });
  });

  describe("dispenseFor, and dispense of a serialised batch", () => {
    it("dispenses for the hospital, which the history names, and counts the outflow", async () => {
      const f = await loadFixture(serialisedFixture);
      const tx = await expectCustodyRecord(
        f.ledger,
        () => f.relay.connect(f.hospital).dispense(f.maskId, 1n, PRESCRIPTION),
        f.maskId,
        f.hospital.address,
        RecordKind.Dispensed,
        dispensedDataHash(1n, PRESCRIPTION),
      );
      await expect(tx).to.emit(f.ledger, "Dispensed").withArgs(f.maskId, f.hospitalOrgId, 1n, PRESCRIPTION);
      expect(await f.ledger.holdingOf(f.maskId, f.hospitalOrgId)).to.equal(SHIPPED - 1n);
      expect(await outflows(f.ledger, f.maskId)).to.deep.equal([1n, 0n, 0n]);
    });

    it("refuses ordinary dispensing once serials are committed", async () => {
      const f = await loadFixture(serialisedFixture);
      await expect(f.ledger.connect(f.hospital).dispense(f.maskId, 1n, PRESCRIPTION))
        .to.be.revertedWithCustomError(f.ledger, "LedgerSerialisedBatch")
        .withArgs(f.maskId);
      await expect(f.ledger.connect(f.hospital).dispense(UNKNOWN_BATCH, 1n, PRESCRIPTION))
        .to.be.revertedWithCustomError(f.ledger, "LedgerUnknownBatch")
        .withArgs(UNKNOWN_BATCH);
    });

    it("re-checks the actor: role, batch status, holding, reference", async () => {
      const f = await loadFixture(serialisedFixture);
      await expect(f.relay.connect(f.maker).dispense(f.maskId, 1n, PRESCRIPTION))
        .to.be.revertedWithCustomError(f.ledger, "AllianceUnauthorized")
        .withArgs(f.maker.address, DISPENSERS);
      await expect(f.relay.connect(f.hospital).dispense(f.maskId, SHIPPED + 1n, PRESCRIPTION))
        .to.be.revertedWithCustomError(f.ledger, "LedgerInsufficientHolding")
        .withArgs(f.maskId, f.hospitalOrgId, SHIPPED, SHIPPED + 1n);
      await expect(f.relay.connect(f.hospital).dispense(f.maskId, 1n, ethers.ZeroHash)).to.be.revertedWithCustomError(
        f.ledger,
        "LedgerEmptyHash",
      );
      await expect(f.relay.connect(f.hospital).dispense(UNKNOWN_BATCH, 1n, PRESCRIPTION))
        .to.be.revertedWithCustomError(f.ledger, "LedgerUnknownBatch")
        .withArgs(UNKNOWN_BATCH);
      await (await f.ledger.connect(f.regulatorA).recall(f.maskId, 2, RECALL)).wait();
      await expect(f.relay.connect(f.hospital).dispense(f.maskId, 1n, PRESCRIPTION))
        .to.be.revertedWithCustomError(f.ledger, "LedgerUnexpectedStatus")
        .withArgs(f.maskId, BatchStatus.Recalled);
    });
  });

  describe("blockFor", () => {
    it("blocks for a regulator, which the history names", async () => {
      const f = await load();
      await expectCustodyRecord(
        f.ledger,
        () => f.relay.connect(f.regulatorB).blockBatch(f.maskId, REASONS),
        f.maskId,
        f.regulatorB.address,
        RecordKind.Blocked,
        REASONS,
      );
      expect(await f.ledger.batchStatus(f.maskId)).to.equal(BatchStatus.Blocked);
      await expect(f.relay.connect(f.regulatorA).blockBatch(f.maskId, REASONS))
        .to.be.revertedWithCustomError(f.ledger, "LedgerUnexpectedStatus")
        .withArgs(f.maskId, BatchStatus.Blocked);
    });

    it("refuses an empty reason and an unknown batch", async () => {
      const f = await load();
      await expect(f.relay.connect(f.regulatorA).blockBatch(f.maskId, ethers.ZeroHash)).to.be.revertedWithCustomError(
        f.ledger,
        "LedgerEmptyHash",
      );
      await expect(f.relay.connect(f.regulatorA).blockBatch(UNKNOWN_BATCH, REASONS))
        .to.be.revertedWithCustomError(f.ledger, "LedgerUnknownBatch")
        .withArgs(UNKNOWN_BATCH);
    });

    shouldBeRestrictedTo("regulator", {
      load,
      context: rolesContext,
      errorsFrom: (f) => f.ledger,
      send: (f, signer) => f.relay.connect(signer).blockBatch(f.maskId, REASONS),
    });
  });

  describe("recallFor", () => {
    it("recalls for a regulator, and for the batch's maker", async () => {
      const f = await load();
      const tx = await expectCustodyRecord(
        f.ledger,
        () => f.relay.connect(f.regulatorA).recall(f.maskId, 1, RECALL),
        f.maskId,
        f.regulatorA.address,
        RecordKind.Recalled,
        recalledDataHash(1, RECALL),
      );
      await expect(tx).to.emit(f.ledger, "BatchRecalled").withArgs(f.maskId, f.regulatorA.address, 1, RECALL);
      expect(await f.ledger.batchStatus(f.maskId)).to.equal(BatchStatus.Recalled);

      const g = await load();
      await expect(g.relay.connect(g.maker).recall(g.maskId, 3, RECALL))
        .to.emit(g.ledger, "BatchRecalled")
        .withArgs(g.maskId, g.maker.address, 3, RECALL);
    });

    it("refuses another maker, a non-maker, and what recall refuses", async () => {
      const f = await load();
      await expect(f.relay.connect(f.supplier).recall(f.maskId, 1, RECALL))
        .to.be.revertedWithCustomError(f.ledger, "LedgerRecordNotAllowed")
        .withArgs(f.maskId, RecordKind.Recalled, f.supplier.address);
      await expect(f.relay.connect(f.hospital).recall(f.maskId, 1, RECALL))
        .to.be.revertedWithCustomError(f.ledger, "AllianceUnauthorized")
        .withArgs(f.hospital.address, MAKERS);
      await expect(f.relay.connect(f.regulatorA).recall(f.maskId, 4, RECALL))
        .to.be.revertedWithCustomError(f.ledger, "LedgerInvalidRecallClass")
        .withArgs(4);
    });
  });

  describe("recordReadingsFor", () => {
    it("appends one Reading record per reading, each attributed to its device", async () => {
      const f = await load();
      const [sensorA, sensorB] = f.freeAccounts;
      const second = await commissionSecondBatch(f);
      const readings = [
        { batchId: f.maskId, device: sensorA.address, readingHash: READING },
        { batchId: second, device: sensorB.address, readingHash: documentHash("reading 2") },
        { batchId: f.maskId, device: sensorB.address, readingHash: documentHash("reading 3") },
      ];
      const before = (await f.ledger.historyOf(f.maskId))[1];
      await (await f.relay.recordReadings(readings)).wait();
      const records = (await recordsOf(f.ledger, f.maskId)).slice(Number(before));
      expect(records.map((r) => [r.kind, r.actor, r.dataHash])).to.deep.equal([
        [RecordKind.Reading, sensorA.address, READING],
        [RecordKind.Reading, sensorB.address, documentHash("reading 3")],
      ]);
      const last = (await recordsOf(f.ledger, second)).at(-1)!;
      expect([last.kind, last.actor, last.dataHash]).to.deep.equal([
        RecordKind.Reading,
        sensorB.address,
        documentHash("reading 2"),
      ]);
    });

    it("refuses no readings, more than 100, an unknown batch and an empty hash", async () => {
      const f = await load();
      const device = f.freeAccounts[0].address;
      const one = { batchId: f.maskId, device, readingHash: READING };
      await expect(f.relay.recordReadings([]))
        .to.be.revertedWithCustomError(f.ledger, "LedgerInvalidReadingCount")
        .withArgs(0, 100);
      await expect(f.relay.recordReadings(Array(101).fill(one)))
        .to.be.revertedWithCustomError(f.ledger, "LedgerInvalidReadingCount")
        .withArgs(101, 100);
      await expect(f.relay.recordReadings([one, { ...one, batchId: UNKNOWN_BATCH }]))
        .to.be.revertedWithCustomError(f.ledger, "LedgerUnknownBatch")
        .withArgs(UNKNOWN_BATCH);
      await expect(f.relay.recordReadings([{ ...one, readingHash: ethers.ZeroHash }])).to.be.revertedWithCustomError(
        f.ledger,
        "LedgerEmptyHash",
      );
    });
  });

  describe("holdFor and clearHold", () => {
    it("holds a moving shipment: no receipt, refusal, carriage, reclaim or settlement until cleared", async () => {
      const f = await loadFixture(shippedHeldFixture);
      const { ledger, shipment, shipmentId } = f;
      expect(await shipmentRecordOf(ledger, shipmentId)).to.deep.equal(
        shipmentRecord(ShipmentStatus.Held, { shippedAt: f.shippedAt }),
      );
      expect(await ledger.openExcursionsOf(f.maskId)).to.equal(1n);
      const held = (call: Promise<unknown>) =>
        expect(call)
          .to.be.revertedWithCustomError(ledger, "LedgerUnexpectedShipmentStatus")
          .withArgs(shipmentId, ShipmentStatus.Held);
      await held(ledger.connect(f.hospital).receiveShipment(shipment, SHIPPED, true));
      await held(ledger.connect(f.hospital).refuse(shipment, REASONS));
      await held(ledger.connect(f.carrier).pickUp(shipment));
      await held(ledger.connect(f.carrier).deliver(shipment));
      await held(ledger.connect(f.regulatorA).settle(shipment, SHIPPED, REASONS));
      await held(f.relay.hold(f.device.address, shipment, READING));
      await suspendRecipient(f);
      await held(ledger.connect(f.maker).reclaim(shipment));
    });

    it("records the hold by the device that reported it", async () => {
      const f = await loadFixture(moduleShippedFixture);
      const tx = await expectCustodyRecord(
        f.ledger,
        () => f.relay.hold(f.device.address, f.shipment, READING),
        f.maskId,
        f.device.address,
        RecordKind.Held,
        heldDataHash(f.shipmentId, READING),
      );
      await expect(tx)
        .to.emit(f.ledger, "ShipmentUpdated")
        .withArgs(f.shipmentId, ShipmentStatus.Held, f.device.address);
    });

    it("refuses to hold a concluded or unknown shipment, or without a reading", async () => {
      const f = await loadFixture(moduleShippedFixture);
      await expect(f.relay.hold(f.device.address, f.shipment, ethers.ZeroHash)).to.be.revertedWithCustomError(
        f.ledger,
        "LedgerEmptyHash",
      );
      const unknown = { ...f.shipment, quantity: BigInt(f.shipment.quantity) + 1n };
      await expect(f.relay.hold(f.device.address, unknown, READING)).to.be.revertedWithCustomError(
        f.ledger,
        "LedgerUnknownShipment",
      );
      await (await f.ledger.connect(f.hospital).receiveShipment(f.shipment, SHIPPED, true)).wait();
      await expect(f.relay.hold(f.device.address, f.shipment, READING))
        .to.be.revertedWithCustomError(f.ledger, "LedgerUnexpectedShipmentStatus")
        .withArgs(f.shipmentId, ShipmentStatus.Received);
    });

    for (const [label, steps, resumed] of [
      ["in transit", 0, ShipmentStatus.InTransit],
      ["picked up", 1, ShipmentStatus.PickedUp],
      ["delivered", 2, ShipmentStatus.Delivered],
    ] as const) {
      it(`resumes a shipment held while ${label} once a regulator clears it`, async () => {
        const f = await loadFixture(moduleShippedFixture);
        if (steps > 0) await (await f.ledger.connect(f.carrier).pickUp(f.shipment)).wait();
        if (steps > 1) await (await f.ledger.connect(f.carrier).deliver(f.shipment)).wait();
        await (await f.relay.hold(f.device.address, f.shipment, READING)).wait();
        const tx = await expectCustodyRecord(
          f.ledger,
          () => f.ledger.connect(f.regulatorB).clearHold(f.shipment, false, REASONS),
          f.maskId,
          f.regulatorB.address,
          RecordKind.HoldCleared,
          clearedDataHash(f.shipmentId, REASONS),
        );
        await expect(tx).to.emit(f.ledger, "ShipmentUpdated").withArgs(f.shipmentId, resumed, f.regulatorB.address);
        expect((await shipmentRecordOf(f.ledger, f.shipmentId)).status).to.equal(resumed);
        expect(await f.ledger.openExcursionsOf(f.maskId)).to.equal(0n);
        await (await f.ledger.connect(f.hospital).receiveShipment(f.shipment, SHIPPED, true)).wait();
        expect(await f.ledger.holdingOf(f.maskId, f.hospitalOrgId)).to.equal(2n * SHIPPED);
      });
    }

    it("settles a held shipment as destroyed when the regulator says so", async () => {
      const f = await loadFixture(shippedHeldFixture);
      const tx = await f.ledger.connect(f.regulatorA).clearHold(f.shipment, true, REASONS);
      await expect(tx).to.emit(f.ledger, "ShipmentSettled").withArgs(f.shipmentId, f.regulatorA.address, 0n, REASONS);
      await expect(tx).to.emit(f.ledger, "Destroyed").withArgs(f.maskId, f.carrierOrgId, SHIPPED, REASONS);
      await expect(tx).not.to.emit(f.ledger, "ShipmentUpdated");
      const records = (await recordsOf(f.ledger, f.maskId)).slice(-2);
      expect(records.map((r) => [r.kind, r.actor, r.dataHash])).to.deep.equal([
        [RecordKind.HoldCleared, f.regulatorA.address, clearedDataHash(f.shipmentId, REASONS)],
        [RecordKind.Destroyed, f.regulatorA.address, destroyedDataHash(SHIPPED, REASONS)],
      ]);
      expect(await shipmentRecordOf(f.ledger, f.shipmentId)).to.deep.equal(
        shipmentRecord(ShipmentStatus.Settled, { shippedAt: f.shippedAt, answeredAt: await timestampOf(tx) }),
      );
      expect(await outflows(f.ledger, f.maskId)).to.deep.equal([0n, SHIPPED, 0n]);
      expect(await f.ledger.openExcursionsOf(f.maskId)).to.equal(0n);
    });

    it("refuses to clear a shipment that is not held, or without reasons", async () => {
      const f = await loadFixture(moduleShippedFixture);
      await expect(f.ledger.connect(f.regulatorA).clearHold(f.shipment, false, REASONS))
        .to.be.revertedWithCustomError(f.ledger, "LedgerUnexpectedShipmentStatus")
        .withArgs(f.shipmentId, ShipmentStatus.InTransit);
      await (await f.relay.hold(f.device.address, f.shipment, READING)).wait();
      await expect(
        f.ledger.connect(f.regulatorA).clearHold(f.shipment, false, ethers.ZeroHash),
      ).to.be.revertedWithCustomError(f.ledger, "LedgerEmptyHash");
    });

    shouldBeRestrictedTo("regulator", {
      load: () => loadFixture(shippedHeldFixture),
      context: rolesContext,
      errorsFrom: (f) => f.ledger,
      send: (f, signer) => f.ledger.connect(signer).clearHold(f.shipment, false, REASONS),
    });
  });

  describe("only registered modules", () => {
    it("refuses every module call from a contract that is not, or no longer, a module", async () => {
      const f = await load();
      await (await f.ledger.connect(f.governor).setModule(f.relay, false)).wait();
      const relay = await f.relay.getAddress();
      const calls = [
        f.relay.connect(f.maker).serialise(f.maskId, SERIALS),
        f.relay.connect(f.hospital).dispense(f.maskId, 1n, PRESCRIPTION),
        f.relay.connect(f.regulatorA).blockBatch(f.maskId, REASONS),
        f.relay.connect(f.regulatorA).recall(f.maskId, 1, RECALL),
        f.relay.recordReadings([{ batchId: f.maskId, device: f.maker.address, readingHash: READING }]),
      ];
      for (const call of calls) {
        await expect(call).to.be.revertedWithCustomError(f.ledger, "LedgerNotModule").withArgs(relay);
      }
      await expect(f.ledger.connect(f.regulatorA).blockFor(f.regulatorA, f.maskId, REASONS))
        .to.be.revertedWithCustomError(f.ledger, "LedgerNotModule")
        .withArgs(f.regulatorA.address);
    });
  });
});
