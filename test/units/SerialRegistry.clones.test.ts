import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { BusinessRole, REGULATOR_ROLE } from "../../scripts/lib/alliance";
import { admit } from "../../scripts/lib/formation";
import { gln } from "../../scripts/lib/gs1";
import { BatchStatus, RecordKind, ship } from "../../scripts/lib/trace";
import { UnitStatus, serial } from "../../scripts/lib/serials";
import { expectRecorded } from "../helpers/traceFixture";
import { expectMissingRole } from "../helpers/behaviours";
import {
  EVIDENCE,
  PLACE,
  SUSPECT,
  cloneReport,
  dispenseUnit,
  serialRegistryFixture,
  statusOf,
  stockedFixture,
  unitAt,
} from "./serialsFixture";

describe("SerialRegistry: clone reports", () => {
  const load = () => loadFixture(stockedFixture);

  describe("reportClone", () => {
    it("lets anyone report a code, counted per batch", async () => {
      const f = await load();
      const patient = f.freeAccounts[4];
      const u = unitAt(f.tree, 9);
      await expect(f.serials.connect(patient).reportClone(cloneReport(f.tree, 9), u.proof))
        .to.emit(f.serials, "CloneReported")
        .withArgs(f.maskId, patient.address, 0n, 9n, u.unit.serial, PLACE, EVIDENCE);
      expect(await f.serials.cloneReportsOf(f.maskId)).to.deep.equal([1n, 0n]);
      expect(await statusOf(f.serials, f.tree, 9)).to.equal(UnitStatus.Released); // a report changes nothing else
    });

    it("counts reports by members' accounts apart, and names their organisation", async () => {
      const f = await load();
      const u = unitAt(f.tree, 9);
      await expect(f.serials.connect(f.retailer).reportClone(cloneReport(f.tree, 9), u.proof))
        .to.emit(f.serials, "CloneReported")
        .withArgs(f.maskId, f.retailer.address, f.retailerOrgId, 9n, u.unit.serial, PLACE, EVIDENCE);
      await (await f.serials.connect(f.hospital).reportClone(cloneReport(f.tree, 9), u.proof)).wait();
      await (await f.serials.connect(f.freeAccounts[4]).reportClone(cloneReport(f.tree, 9), u.proof)).wait();
      expect(await f.serials.cloneReportsOf(f.maskId)).to.deep.equal([3n, 2n]);
      expect(await f.serials.cloneReportsOf(ethers.id("another batch"))).to.deep.equal([0n, 0n]);
    });

    it("counts one report per account and unit", async () => {
      const f = await load();
      const reporter = f.freeAccounts[4];
      await (await f.serials.connect(reporter).reportClone(cloneReport(f.tree, 9), f.tree.proofAt(9))).wait();
      const again = cloneReport(f.tree, 9, ethers.id("more photos"));
      await expect(f.serials.connect(reporter).reportClone(again, f.tree.proofAt(9)))
        .to.be.revertedWithCustomError(f.serials, "SerialAlreadyReported")
        .withArgs(reporter.address, f.maskId, 9n);
      await (await f.serials.connect(reporter).reportClone(cloneReport(f.tree, 10), f.tree.proofAt(10))).wait();
      expect(await f.serials.cloneReportsOf(f.maskId)).to.deep.equal([2n, 0n]);
    });

    it("refuses a batch without committed serials", async () => {
      const f = await loadFixture(serialRegistryFixture);
      await expect(f.serials.reportClone(cloneReport(f.tree, 0), f.tree.proofAt(0)))
        .to.be.revertedWithCustomError(f.serials, "SerialNotCommitted")
        .withArgs(f.maskId);
    });

    it("refuses a code that does not verify: only a genuine code is cloned", async () => {
      const f = await load();
      const report = cloneReport(f.tree, 9);
      const made = { ...report, unit: { ...report.unit, serial: serial("FAKE-1") } };
      await expect(f.serials.reportClone(made, f.tree.proofAt(9)))
        .to.be.revertedWithCustomError(f.serials, "SerialInvalidProof")
        .withArgs(f.maskId, 9n, made.unit.serial);
      const wrongCount = { ...report, unit: { ...report.unit, count: 1n } };
      await expect(f.serials.reportClone(wrongCount, f.tree.proofAt(9)))
        .to.be.revertedWithCustomError(f.serials, "SerialCommitmentMismatch")
        .withArgs(f.maskId, report.unit.root, 1n);
      const outOfRange = { ...report, unit: { ...report.unit, index: 300n } };
      await expect(f.serials.reportClone(outOfRange, f.tree.proofAt(9)))
        .to.be.revertedWithCustomError(f.serials, "SerialIndexOutOfRange")
        .withArgs(f.maskId, 300n, 300n);
      const long = Array.from({ length: 41 }, (_, i) => ethers.id(`pad ${i}`));
      await expect(f.serials.reportClone(cloneReport(f.tree, 9), long))
        .to.be.revertedWithCustomError(f.serials, "SerialProofTooLong")
        .withArgs(41n, 40n);
      expect(await f.serials.cloneReportsOf(f.maskId)).to.deep.equal([0n, 0n]);
    });
  });

  describe("reportCloneAndBlock", () => {
    it("lets a regulator report and block the batch as suspect in one call, recorded for the regulator", async () => {
      const f = await load();
      const { serials, ledger, regulatorA, tree, maskId } = f;
      const u = unitAt(tree, 9);
      const tx = await expectRecorded(
        ledger,
        () => serials.connect(regulatorA).reportCloneAndBlock(cloneReport(tree, 9), u.proof, SUSPECT),
        maskId,
        regulatorA.address,
        RecordKind.Blocked,
        SUSPECT,
      );
      await expect(tx)
        .to.emit(serials, "CloneReported")
        .withArgs(maskId, regulatorA.address, 0n, 9n, u.unit.serial, PLACE, EVIDENCE);
      expect(await ledger.batchStatus(maskId)).to.equal(BatchStatus.Blocked);
      expect(await serials.cloneReportsOf(maskId)).to.deep.equal([1n, 0n]);
      expect(await statusOf(serials, tree, 9)).to.equal(UnitStatus.Blocked);
      await expect(dispenseUnit(serials, tree, f.hospital, 1))
        .to.be.revertedWithCustomError(ledger, "LedgerUnexpectedStatus")
        .withArgs(maskId, BatchStatus.Blocked);
    });

    it("refuses anyone but a regulator (the ledger's check), and counts nothing", async () => {
      const f = await load();
      for (const signer of [f.retailer, f.maker, f.governor, f.freeAccounts[4]]) {
        await expectMissingRole(
          f.serials.connect(signer).reportCloneAndBlock(cloneReport(f.tree, 9), f.tree.proofAt(9), SUSPECT),
          f.ledger,
          signer.address,
          REGULATOR_ROLE,
        );
      }
      expect(await f.serials.cloneReportsOf(f.maskId)).to.deep.equal([0n, 0n]);
    });

    it("refuses a batch already blocked and a zero reason (the ledger's checks)", async () => {
      const f = await load();
      await expect(
        f.serials.connect(f.regulatorA).reportCloneAndBlock(cloneReport(f.tree, 9), f.tree.proofAt(9), ethers.ZeroHash),
      ).to.be.revertedWithCustomError(f.ledger, "LedgerEmptyHash");
      await (
        await f.serials.connect(f.regulatorA).reportCloneAndBlock(cloneReport(f.tree, 9), f.tree.proofAt(9), SUSPECT)
      ).wait();
      await expect(
        f.serials.connect(f.regulatorB).reportCloneAndBlock(cloneReport(f.tree, 9), f.tree.proofAt(9), SUSPECT),
      )
        .to.be.revertedWithCustomError(f.ledger, "LedgerUnexpectedStatus")
        .withArgs(f.maskId, BatchStatus.Blocked);
      // A plain report still counts.
      await (await f.serials.connect(f.regulatorB).reportClone(cloneReport(f.tree, 9), f.tree.proofAt(9))).wait();
      expect(await f.serials.cloneReportsOf(f.maskId)).to.deep.equal([2n, 0n]);
    });
  });

  describe("a cloned code caught at the second pharmacy", () => {
    it("refuses the copy as dispensed, takes the report, and the regulator blocks the batch", async () => {
      const f = await load();
      const { serials, ledger, registry, tree, maskId, retailer, regulatorA } = f;
      // A second pharmacy, stocked with the same batch.
      const pharmacy2 = f.freeAccounts[5];
      const org2 = await admit(
        registry,
        pharmacy2,
        { name: "Harbour Pharmacy", role: BusinessRole.Retailer, licenceExpiry: f.licenceExpiry },
        [f.regulatorA, f.regulatorB],
      );
      await (await registry.connect(pharmacy2).registerSite(gln("952000000009"), "Harbour Pharmacy shop")).wait();
      const { shipment } = await ship(ledger, f.maker, {
        batchId: maskId,
        toOrgId: org2.orgId,
        quantity: 50n,
        carrierOrgId: f.carrierOrgId,
      });
      await (await ledger.connect(f.carrier).pickUp(shipment)).wait();
      await (await ledger.connect(pharmacy2).receiveShipment(shipment, 50n, true)).wait();

      // The genuine box is sold at the first pharmacy.
      expect(await statusOf(serials, tree, 77)).to.equal(UnitStatus.Released);
      await (await dispenseUnit(serials, tree, retailer, 77)).wait();

      // A box with a copied code turns up at the second pharmacy: it reads Dispensed and is refused.
      expect(await statusOf(serials, tree, 77)).to.equal(UnitStatus.Dispensed);
      await expect(dispenseUnit(serials, tree, pharmacy2, 77))
        .to.be.revertedWithCustomError(serials, "SerialAlreadyDispensed")
        .withArgs(maskId, 77n);

      // The pharmacist files a clone report; the regulator confirms and blocks the batch in the same call.
      const site = ethers.zeroPadValue(ethers.toBeHex(gln("952000000009")), 32);
      const report = { ...cloneReport(tree, 77), place: site };
      await expect(serials.connect(pharmacy2).reportClone(report, tree.proofAt(77)))
        .to.emit(serials, "CloneReported")
        .withArgs(maskId, pharmacy2.address, org2.orgId, 77n, report.unit.serial, site, EVIDENCE);
      await expect(serials.connect(regulatorA).reportCloneAndBlock(report, tree.proofAt(77), SUSPECT))
        .to.emit(serials, "CloneReported")
        .withArgs(maskId, regulatorA.address, 0n, 77n, report.unit.serial, site, EVIDENCE);
      expect(await serials.cloneReportsOf(maskId)).to.deep.equal([2n, 1n]);
      expect(await statusOf(serials, tree, 78)).to.equal(UnitStatus.Blocked);
      expect(await ledger.holdingOf(maskId, org2.orgId)).to.equal(50n);
    });
  });
});
