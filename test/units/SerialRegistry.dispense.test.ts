import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { type GateContext, shouldBehaveLikeAllianceGated } from "../helpers/behaviours";
import { REASONS, expectRecorded, failed } from "../helpers/traceFixture";
import { DISPENSERS, RECALL, dispensedDataHash, outflows } from "../helpers/custodyFixture";
import { BatchStatus, RecordKind } from "../../scripts/lib/trace";
import { serial } from "../../scripts/lib/serials";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import {
  SALE,
  STOCK,
  type StockedFixture,
  committedFixture,
  dispenseUnit,
  serialRegistryFixture,
  stockedFixture,
  unitAt,
} from "./serialsFixture";

const hospitalGate = (f: StockedFixture): GateContext => ({
  registry: f.registry,
  regulators: f.regulators,
  member: f.hospital,
  outsider: f.maker, // a MANUFACTURER: holds the batch, may not dispense
  applicant: f.applicant,
  freeAccounts: f.freeAccounts,
});

describe("SerialRegistry: dispensing units", () => {
  const load = () => loadFixture(stockedFixture);

  it("dispenses one unit: bitmap, event, the ledger's dispensing and history for the real actor", async () => {
    const f = await load();
    const { serials, ledger, hospital, tree, maskId } = f;
    const { unit } = unitAt(tree, 42);
    expect(await serials.isDispensed(maskId, 42)).to.equal(false);
    const tx = await expectRecorded(
      ledger,
      () => dispenseUnit(serials, tree, hospital, 42),
      maskId,
      hospital.address,
      RecordKind.Dispensed,
      dispensedDataHash(1n, SALE),
    );
    await expect(tx).to.emit(serials, "UnitDispensed").withArgs(maskId, 42n, unit.serial);
    await expect(tx).to.emit(ledger, "Dispensed").withArgs(maskId, f.hospitalOrgId, 1n, SALE);
    expect(await serials.isDispensed(maskId, 42)).to.equal(true);
    expect(await serials.isDispensed(maskId, 41)).to.equal(false);
    expect(await serials.isDispensed(maskId, 43)).to.equal(false);
    expect(await ledger.holdingOf(maskId, f.hospitalOrgId)).to.equal(STOCK - 1n);
    expect(await outflows(ledger, maskId)).to.deep.equal([1n, 0n, 0n]);
  });

  it("keeps each unit's bit apart, across bitmap words, for hospitals and retailers alike", async () => {
    const f = await load();
    const { serials, hospital, retailer, tree, maskId } = f;
    const indexes = [0, 1, 255, 256, 299];
    for (const [n, index] of indexes.entries()) {
      await (await dispenseUnit(serials, tree, n % 2 === 0 ? hospital : retailer, index)).wait();
    }
    for (let i = 0; i < tree.count; i++) expect(await serials.isDispensed(maskId, i)).to.equal(indexes.includes(i));
    expect(await f.ledger.holdingOf(maskId, f.hospitalOrgId)).to.equal(STOCK - 3n);
    expect(await f.ledger.holdingOf(maskId, f.retailerOrgId)).to.equal(STOCK - 2n);
    expect(await serials.isDispensed(maskId, 2n ** 255n)).to.equal(false);
  });

  it("refuses to dispense the same unit twice, whoever scans it", async () => {
    const f = await load();
    await (await dispenseUnit(f.serials, f.tree, f.hospital, 7)).wait();
    for (const signer of [f.hospital, f.retailer]) {
      await expect(dispenseUnit(f.serials, f.tree, signer, 7))
        .to.be.revertedWithCustomError(f.serials, "SerialAlreadyDispensed")
        .withArgs(f.maskId, 7n);
    }
    expect(await outflows(f.ledger, f.maskId)).to.deep.equal([1n, 0n, 0n]);
  });

  it("refuses a batch without committed serials", async () => {
    const f = await loadFixture(serialRegistryFixture);
    await expect(dispenseUnit(f.serials, f.tree, f.hospital, 0))
      .to.be.revertedWithCustomError(f.serials, "SerialNotCommitted")
      .withArgs(f.maskId);
  });

  it("refuses a root or count other than the committed ones", async () => {
    const f = await load();
    const { unit, proof } = unitAt(f.tree, 0);
    const cases = [
      { ...unit, root: proof[0] },
      { ...unit, count: 301n },
      { ...unit, count: 299n },
    ];
    for (const wrong of cases) {
      await expect(f.serials.connect(f.hospital).dispense(wrong, SALE, proof))
        .to.be.revertedWithCustomError(f.serials, "SerialCommitmentMismatch")
        .withArgs(f.maskId, wrong.root, wrong.count);
    }
  });

  it("refuses an index at or past the unit count", async () => {
    const f = await load();
    const { unit, proof } = unitAt(f.tree, 0);
    for (const index of [300n, 2n ** 256n - 1n]) {
      await expect(f.serials.connect(f.hospital).dispense({ ...unit, index }, SALE, proof))
        .to.be.revertedWithCustomError(f.serials, "SerialIndexOutOfRange")
        .withArgs(f.maskId, index, 300n);
    }
  });

  it("refuses a code the proof does not prove: wrong serial, index or proof", async () => {
    const f = await load();
    const { serials, hospital, tree, maskId } = f;
    const u = unitAt(tree, 10);
    const other = unitAt(tree, 11);
    const cases: [bigint, string, string[]][] = [
      [u.unit.index, serial("NW99999999"), u.proof], // a made-up serial
      [u.unit.index, other.unit.serial, u.proof], // another unit's serial
      [other.unit.index, u.unit.serial, u.proof], // another unit's index
      [u.unit.index, u.unit.serial, other.proof], // another unit's proof
      [u.unit.index, u.unit.serial, u.proof.slice(0, -1)], // a truncated proof
      [u.unit.index, u.unit.serial, []],
    ];
    for (const [index, code, proof] of cases) {
      await expect(serials.connect(hospital).dispense({ ...u.unit, index, serial: code }, SALE, proof))
        .to.be.revertedWithCustomError(serials, "SerialInvalidProof")
        .withArgs(maskId, index, code);
    }
  });

  it("refuses a proof longer than MAX_PROOF_LENGTH", async () => {
    const f = await load();
    const { unit, proof } = unitAt(f.tree, 0);
    const long = [...proof, ...Array.from({ length: 41 - proof.length }, (_, i) => ethers.id(`pad ${i}`))];
    await expect(f.serials.connect(f.hospital).dispense(unit, SALE, long))
      .to.be.revertedWithCustomError(f.serials, "SerialProofTooLong")
      .withArgs(41n, 40n);
  });

  it("refuses a zero reference (the ledger's check)", async () => {
    const f = await load();
    await expect(dispenseUnit(f.serials, f.tree, f.hospital, 0, ethers.ZeroHash)).to.be.revertedWithCustomError(
      f.ledger,
      "LedgerEmptyHash",
    );
  });

  it("refuses a hospital that holds none of the batch (the ledger's check)", async () => {
    const f = await load();
    await expect(dispenseUnit(f.serials, f.tree, f.hospital2, 0))
      .to.be.revertedWithCustomError(f.ledger, "LedgerInsufficientHolding")
      .withArgs(f.maskId, f.hospital2OrgId, 0n, 1n);
    expect(await f.serials.isDispensed(f.maskId, 0)).to.equal(false);
  });

  it("refuses units of a batch on hold, blocked or recalled (the ledger's check)", async () => {
    const f = await load();
    const { serials, ledger, tree, hospital, maskId, maker, regulatorA } = f;
    await (await ledger.connect(maker).record(failed(maskId))).wait();
    await expect(dispenseUnit(serials, tree, hospital, 0))
      .to.be.revertedWithCustomError(ledger, "LedgerUnexpectedStatus")
      .withArgs(maskId, BatchStatus.OnHold);
    const g = await load();
    await (await g.ledger.connect(g.regulatorA).blockBatch(g.maskId, REASONS)).wait();
    await expect(dispenseUnit(g.serials, g.tree, g.hospital, 0))
      .to.be.revertedWithCustomError(g.ledger, "LedgerUnexpectedStatus")
      .withArgs(g.maskId, BatchStatus.Blocked);
    const h = await load();
    await (await h.ledger.connect(regulatorA).recall(h.maskId, 1, RECALL)).wait();
    await expect(dispenseUnit(h.serials, h.tree, h.hospital, 0))
      .to.be.revertedWithCustomError(h.ledger, "LedgerUnexpectedStatus")
      .withArgs(h.maskId, BatchStatus.Recalled);
  });

  it("cannot act once the governor removes it from the ledger's modules", async () => {
    const f = await load();
    await (await f.ledger.connect(f.governor).setModule(await f.serials.getAddress(), false)).wait();
    await expect(dispenseUnit(f.serials, f.tree, f.hospital, 0))
      .to.be.revertedWithCustomError(f.ledger, "LedgerNotModule")
      .withArgs(await f.serials.getAddress());
  });

  it("leaves no way around it: members cannot call the ledger's module functions themselves", async () => {
    const f = await loadFixture(committedFixture);
    const { ledger, hospital, maker, regulatorA, maskId } = f;
    await expect(ledger.connect(hospital).dispenseFor(hospital.address, maskId, 1, SALE))
      .to.be.revertedWithCustomError(ledger, "LedgerNotModule")
      .withArgs(hospital.address);
    await expect(ledger.connect(maker).serialiseFor(maker.address, maskId, SALE))
      .to.be.revertedWithCustomError(ledger, "LedgerNotModule")
      .withArgs(maker.address);
    await expect(ledger.connect(regulatorA).blockFor(regulatorA.address, maskId, REASONS))
      .to.be.revertedWithCustomError(ledger, "LedgerNotModule")
      .withArgs(regulatorA.address);
  });

  describe("gating", () => {
    shouldBehaveLikeAllianceGated({
      load,
      context: hospitalGate,
      gate: (f) => f.ledger,
      roleMask: DISPENSERS,
      send: (f, signer) => dispenseUnit(f.serials, f.tree, signer, 3),
      whenAccepted: async (f, signer, tx) => {
        await expect(tx).to.emit(f.serials, "UnitDispensed").withArgs(f.maskId, 3n, unitAt(f.tree, 3).unit.serial);
        await expect(tx).to.emit(f.ledger, "Recorded");
        expect(await f.serials.isDispensed(f.maskId, 3)).to.equal(true);
        await expect(tx)
          .to.emit(f.ledger, "Recorded")
          .withArgs(f.maskId, signer.address, anyValue, RecordKind.Dispensed, anyValue, dispensedDataHash(1n, SALE));
      },
    });
  });
});
