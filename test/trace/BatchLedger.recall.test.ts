import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { BatchStatus, ShipmentStatus, commission, ship, RecordKind } from "../../scripts/lib/trace";
import { FABRIC, GLOVE, MAKERS, MASK, batchRequest, releasedBatch } from "../helpers/traceFixture";
import {
  CustodyFixture,
  DESTRUCTION,
  PRESCRIPTION,
  RECALL,
  SHIPPED,
  custodyFixture,
  destroyedDataHash,
  expectCustodyRecord,
  hospitalStockFixture,
  outflows,
  recalledDataHash,
  shipToHospital,
  shippedFixture,
} from "../helpers/custodyFixture";

const TOTAL = 10_000n;

/** `custodyFixture` plus two more Northwind batches (a mask batch on hold, a released fabric batch) and a glove batch. */
async function batchesFixture() {
  const f = await custodyFixture();
  const onHoldId = await commission(f.ledger, f.maker, await batchRequest(MASK, "MK-0500"));
  const fabricId = await releasedBatch(f, FABRIC, "MB-0500");
  const gloveId = await commission(f.ledger, f.supplier, await batchRequest(GLOVE, "GL-0500"));
  return { ...f, onHoldId, fabricId, gloveId };
}

async function statuses(f: CustodyFixture, ids: string[]) {
  return Promise.all(ids.map(async (id) => Number(await f.ledger.batchStatus(id)) as BatchStatus));
}

describe("BatchLedger: recall", () => {
  const load = () => loadFixture(custodyFixture);

  describe("recall", () => {
    it("lets a regulator recall a batch: BatchRecalled, a Recalled record, status Recalled", async () => {
      const f = await load();
      const tx = await expectCustodyRecord(
        f.ledger,
        () => f.ledger.connect(f.regulatorA).recall(f.maskId, 1, RECALL),
        f.maskId,
        f.regulatorA.address,
        RecordKind.Recalled,
        recalledDataHash(1, RECALL),
      );
      await expect(tx).to.emit(f.ledger, "BatchRecalled").withArgs(f.maskId, f.regulatorA.address, 1, RECALL);
      expect(await f.ledger.batchStatus(f.maskId)).to.equal(BatchStatus.Recalled);
      expect((await f.ledger.batch(f.maskId)).status).to.equal(BatchStatus.Recalled);
      expect(await f.ledger.holdingOf(f.maskId, f.makerOrgId)).to.equal(TOTAL);
    });

    it("lets the maker recall its own batch, even on hold", async () => {
      const f = await loadFixture(batchesFixture);
      for (const id of [f.maskId, f.onHoldId]) {
        await expectCustodyRecord(
          f.ledger,
          () => f.ledger.connect(f.maker).recall(id, 3, RECALL),
          id,
          f.maker.address,
          RecordKind.Recalled,
          recalledDataHash(3, RECALL),
        );
      }
      expect(await statuses(f, [f.maskId, f.onHoldId])).to.deep.equal([BatchStatus.Recalled, BatchStatus.Recalled]);
    });

    it("refuses another maker, and a member that is no maker", async () => {
      const f = await loadFixture(batchesFixture);
      await expect(f.ledger.connect(f.supplier).recall(f.maskId, 2, RECALL))
        .to.be.revertedWithCustomError(f.ledger, "LedgerRecordNotAllowed")
        .withArgs(f.maskId, RecordKind.Recalled, f.supplier.address);
      await expect(f.ledger.connect(f.maker).recall(f.gloveId, 2, RECALL))
        .to.be.revertedWithCustomError(f.ledger, "LedgerRecordNotAllowed")
        .withArgs(f.gloveId, RecordKind.Recalled, f.maker.address);
      await expect(f.ledger.connect(f.hospital).recall(f.maskId, 2, RECALL))
        .to.be.revertedWithCustomError(f.ledger, "AllianceUnauthorized")
        .withArgs(f.hospital.address, MAKERS);
      expect(await f.ledger.batchStatus(f.maskId)).to.equal(BatchStatus.Released);
    });

    it("refuses class 0 and class 4, an empty reason, an unknown batch", async () => {
      const f = await load();
      for (const recallClass of [0, 4]) {
        // Sent with a gas limit, so that the reverting call is mined (and seen by coverage), not only estimated.
        await expect(f.ledger.connect(f.regulatorA).recall(f.maskId, recallClass, RECALL, { gasLimit: 1_000_000 }))
          .to.be.revertedWithCustomError(f.ledger, "LedgerInvalidRecallClass")
          .withArgs(recallClass);
      }
      await expect(f.ledger.connect(f.regulatorA).recall(f.maskId, 1, ethers.ZeroHash)).to.be.revertedWithCustomError(
        f.ledger,
        "LedgerEmptyHash",
      );
      const unknown = ethers.id("no such batch");
      await expect(f.ledger.connect(f.regulatorA).recall(unknown, 1, RECALL))
        .to.be.revertedWithCustomError(f.ledger, "LedgerUnknownBatch")
        .withArgs(unknown);
      expect(await f.ledger.batchStatus(f.maskId)).to.equal(BatchStatus.Released);
    });

    it("refuses recalling a batch twice", async () => {
      const f = await load();
      await (await f.ledger.connect(f.maker).recall(f.maskId, 2, RECALL)).wait();
      await expect(f.ledger.connect(f.regulatorA).recall(f.maskId, 1, RECALL))
        .to.be.revertedWithCustomError(f.ledger, "LedgerUnexpectedStatus")
        .withArgs(f.maskId, BatchStatus.Recalled);
    });
  });

  describe("after a recall", () => {
    it("refuses ordinary shipping and dispensing", async () => {
      const f = await loadFixture(hospitalStockFixture);
      await (await f.ledger.connect(f.regulatorA).recall(f.maskId, 1, RECALL)).wait();
      await expect(
        ship(f.ledger, f.maker, {
          batchId: f.maskId,
          toOrgId: f.distributorOrgId,
          quantity: 1n,
          carrierOrgId: f.carrierOrgId,
        }),
      )
        .to.be.revertedWithCustomError(f.ledger, "LedgerUnexpectedStatus")
        .withArgs(f.maskId, BatchStatus.Recalled);
      await expect(f.ledger.connect(f.hospital).dispense(f.maskId, 1n, PRESCRIPTION))
        .to.be.revertedWithCustomError(f.ledger, "LedgerUnexpectedStatus")
        .withArgs(f.maskId, BatchStatus.Recalled);
      expect(await outflows(f.ledger, f.maskId)).to.deep.equal([0n, 0n, 0n]);
    });

    it("lets holders ship back to the maker and destroy", async () => {
      const f = await loadFixture(hospitalStockFixture);
      await (await f.ledger.connect(f.regulatorA).recall(f.maskId, 1, RECALL)).wait();
      const back = await ship(f.ledger, f.hospital, {
        batchId: f.maskId,
        toOrgId: f.makerOrgId,
        quantity: 900n,
        carrierOrgId: f.carrierOrgId,
      });
      await (await f.ledger.connect(f.carrier).pickUp(back.shipment)).wait();
      await (await f.ledger.connect(f.carrier).deliver(back.shipment)).wait();
      await (await f.ledger.connect(f.maker).receiveShipment(back.shipment, 900n, true)).wait();
      await expectCustodyRecord(
        f.ledger,
        () => f.ledger.connect(f.hospital).destroy(f.maskId, 100n, DESTRUCTION),
        f.maskId,
        f.hospital.address,
        RecordKind.Destroyed,
        destroyedDataHash(100n, DESTRUCTION),
      );
      await (await f.ledger.connect(f.maker).destroy(f.maskId, TOTAL - 100n, DESTRUCTION)).wait();
      expect(await f.ledger.holdingOf(f.maskId, f.hospitalOrgId)).to.equal(0n);
      expect(await f.ledger.holdingOf(f.maskId, f.makerOrgId)).to.equal(0n);
      expect(await outflows(f.ledger, f.maskId)).to.deep.equal([0n, TOTAL, 0n]);
    });

    it("lets the recipient still receive a shipment that was in transit", async () => {
      const f = await loadFixture(shippedFixture);
      await (await f.ledger.connect(f.regulatorA).recall(f.maskId, 1, RECALL)).wait();
      await (await f.ledger.connect(f.carrier).pickUp(f.shipment)).wait();
      await expect(f.ledger.connect(f.hospital).receiveShipment(f.shipment, SHIPPED, true))
        .to.emit(f.ledger, "Received")
        .withArgs(f.shipmentId, SHIPPED, true);
      const { status } = await f.ledger.shipmentState(f.shipmentId);
      expect(status).to.equal(ShipmentStatus.Received);
      expect(await f.ledger.holdingOf(f.maskId, f.hospitalOrgId)).to.equal(SHIPPED);
      await expect(f.ledger.connect(f.hospital).dispense(f.maskId, 1n, PRESCRIPTION))
        .to.be.revertedWithCustomError(f.ledger, "LedgerUnexpectedStatus")
        .withArgs(f.maskId, BatchStatus.Recalled);
    });
  });

  describe("recallMany", () => {
    it("recalls every batch listed, each with its event and record", async () => {
      const f = await loadFixture(batchesFixture);
      const ids = [f.maskId, f.onHoldId, f.fabricId, f.gloveId];
      const counts = await Promise.all(ids.map(async (id) => (await f.ledger.historyOf(id))[1]));
      const tx = await f.ledger.connect(f.regulatorB).recallMany(ids, 2, RECALL);
      for (const id of ids) {
        await expect(tx).to.emit(f.ledger, "BatchRecalled").withArgs(id, f.regulatorB.address, 2, RECALL);
      }
      expect(await statuses(f, ids)).to.deep.equal(ids.map(() => BatchStatus.Recalled));
      const after = await Promise.all(ids.map(async (id) => (await f.ledger.historyOf(id))[1]));
      expect(after).to.deep.equal(counts.map((c) => c + 1n));
    });

    it("lets the maker recall its own batches at once", async () => {
      const f = await loadFixture(batchesFixture);
      await (await f.ledger.connect(f.maker).recallMany([f.maskId, f.fabricId], 3, RECALL)).wait();
      expect(await statuses(f, [f.maskId, f.fabricId])).to.deep.equal([BatchStatus.Recalled, BatchStatus.Recalled]);
    });

    it("is all or nothing", async () => {
      const f = await loadFixture(batchesFixture);
      await expect(f.ledger.connect(f.maker).recallMany([f.maskId, f.fabricId, f.gloveId], 1, RECALL))
        .to.be.revertedWithCustomError(f.ledger, "LedgerRecordNotAllowed")
        .withArgs(f.gloveId, RecordKind.Recalled, f.maker.address);
      await (await f.ledger.connect(f.regulatorA).recall(f.fabricId, 1, RECALL)).wait();
      await expect(f.ledger.connect(f.regulatorA).recallMany([f.maskId, f.onHoldId, f.fabricId], 1, RECALL))
        .to.be.revertedWithCustomError(f.ledger, "LedgerUnexpectedStatus")
        .withArgs(f.fabricId, BatchStatus.Recalled);
      expect(await statuses(f, [f.maskId, f.onHoldId, f.gloveId])).to.deep.equal([
        BatchStatus.Released,
        BatchStatus.OnHold,
        BatchStatus.OnHold,
      ]);
    });

    it("refuses an empty list and more than 50 batches", async () => {
      const f = await load();
      expect(await f.ledger.MAX_RECALL_BATCHES()).to.equal(50n);
      await expect(f.ledger.connect(f.regulatorA).recallMany([], 1, RECALL))
        .to.be.revertedWithCustomError(f.ledger, "LedgerInvalidBatchCount")
        .withArgs(0n, 50n);
      const many = Array.from({ length: 51 }, () => f.maskId);
      await expect(f.ledger.connect(f.regulatorA).recallMany(many, 1, RECALL))
        .to.be.revertedWithCustomError(f.ledger, "LedgerInvalidBatchCount")
        .withArgs(51n, 50n);
    });

    it("refuses a member that is no maker and anyone outside the alliance", async () => {
      const f = await load();
      for (const who of [f.hospital, f.freeAccounts[0]]) {
        await expect(f.ledger.connect(who).recallMany([f.maskId], 1, RECALL))
          .to.be.revertedWithCustomError(f.ledger, "AllianceUnauthorized")
          .withArgs(who.address, MAKERS);
      }
    });
  });

  it("lets a shipment refused after a recall go back to the maker", async () => {
    const f = await load();
    const out = await shipToHospital(f, 10n);
    await (await f.ledger.connect(f.maker).recall(f.maskId, 1, RECALL)).wait();
    await (await f.ledger.connect(f.hospital).refuse(out.shipment, RECALL)).wait();
    await (await f.ledger.connect(f.carrier).recordReturn(out.shipment)).wait();
    expect(await f.ledger.holdingOf(f.maskId, f.makerOrgId)).to.equal(TOTAL);
  });
});
