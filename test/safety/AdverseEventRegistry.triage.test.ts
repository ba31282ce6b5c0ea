import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { ReportStatus, Severity } from "../../scripts/lib/adverse";
import { BatchStatus, RecordKind } from "../../scripts/lib/trace";
import { shouldBeRestrictedTo } from "../helpers/behaviours";
import { revoke, suspend } from "../helpers/registry";
import { MASK, expectRecorded, lastRecordOf, timestampOf } from "../helpers/traceFixture";
import { recalledDataHash } from "../helpers/custodyFixture";
import {
  DISMISSAL,
  FINDING,
  RECALL_FINDING,
  type ReportedFixture,
  counters,
  expectCounters,
  rashReport,
  reportFieldsOf,
  reportedFixture,
} from "./adverseFixture";

/** The accounts `shouldBeRestrictedTo` needs. */
const roles = (f: ReportedFixture) => ({
  registry: f.registry,
  governor: f.governor,
  guardian: f.guardian,
  regulators: f.regulators,
  admin: f.hospital,
  freeAccounts: f.freeAccounts,
});

describe("AdverseEventRegistry: triage", () => {
  const load = () => loadFixture(reportedFixture);

  describe("dismiss", () => {
    it("dismisses an open report in time: event, status, triage time, counters", async () => {
      const f = await load();
      const tx = await f.adverse.connect(f.regulatorA).dismiss(f.reportId, DISMISSAL);
      const at = await timestampOf(tx);
      await expect(tx)
        .to.emit(f.adverse, "AdverseReportDismissed")
        .withArgs(f.reportId, f.regulatorA.address, DISMISSAL, false);
      expect(await reportFieldsOf(f.adverse, f.reportId)).to.deep.equal({
        batchId: f.maskId,
        gtin: MASK,
        makerOrgId: f.makerOrgId,
        reporterOrgId: f.hospitalOrgId,
        responsibleOrgId: 0n,
        severity: Severity.Serious,
        status: ReportStatus.Dismissed,
        recallClass: 0n,
        filedAt: f.filedAt,
        triagedAt: at,
        triageDeadline: f.deadline,
        overdue: false,
      });
      await expectCounters(f.adverse, MASK, f.makerOrgId, counters({ reported: 1, serious: 1, dismissed: 1 }));
      expect(await f.ledger.batchStatus(f.maskId)).to.equal(BatchStatus.Released);
    });

    it("refuses a zero reason with AdverseEmptyHash", async () => {
      const f = await load();
      await expect(f.adverse.connect(f.regulatorA).dismiss(f.reportId, ethers.ZeroHash)).to.be.revertedWithCustomError(
        f.adverse,
        "AdverseEmptyHash",
      );
    });

    it("refuses an unknown, a dismissed and a confirmed report with AdverseUnexpectedStatus", async () => {
      const f = await load();
      await expect(f.adverse.connect(f.regulatorA).dismiss(2n, DISMISSAL))
        .to.be.revertedWithCustomError(f.adverse, "AdverseUnexpectedStatus")
        .withArgs(2n, ReportStatus.None);
      await (await f.adverse.connect(f.hospital).report(rashReport(f.maskId))).wait();
      await (await f.adverse.connect(f.regulatorA).dismiss(f.reportId, DISMISSAL)).wait();
      await (await f.adverse.connect(f.regulatorA).confirm(2n, f.makerOrgId, FINDING)).wait();
      await expect(f.adverse.connect(f.regulatorB).dismiss(f.reportId, DISMISSAL))
        .to.be.revertedWithCustomError(f.adverse, "AdverseUnexpectedStatus")
        .withArgs(f.reportId, ReportStatus.Dismissed);
      await expect(f.adverse.connect(f.regulatorB).dismiss(2n, DISMISSAL))
        .to.be.revertedWithCustomError(f.adverse, "AdverseUnexpectedStatus")
        .withArgs(2n, ReportStatus.Confirmed);
    });

    it("goes on while the alliance is paused", async () => {
      const f = await load();
      await (await f.registry.connect(f.guardian).pause()).wait();
      await expect(f.adverse.connect(f.regulatorA).dismiss(f.reportId, DISMISSAL)).to.emit(
        f.adverse,
        "AdverseReportDismissed",
      );
    });

    shouldBeRestrictedTo("regulator", {
      load,
      context: roles,
      send: (f, signer) => f.adverse.connect(signer).dismiss(f.reportId, DISMISSAL),
      errorsFrom: (f) => f.adverse,
    });
  });

  describe("confirm", () => {
    it("confirms naming the maker responsible: event, report, product, maker and responsible counters", async () => {
      const f = await load();
      const tx = await f.adverse.connect(f.regulatorB).confirm(f.reportId, f.makerOrgId, FINDING);
      const at = await timestampOf(tx);
      await expect(tx)
        .to.emit(f.adverse, "AdverseReportConfirmed")
        .withArgs(f.reportId, f.regulatorB.address, f.makerOrgId, 0, FINDING, false);
      await expect(tx).not.to.emit(f.ledger, "BatchRecalled");
      const report = await reportFieldsOf(f.adverse, f.reportId);
      expect([report.status, report.responsibleOrgId, report.recallClass, report.triagedAt]).to.deep.equal([
        ReportStatus.Confirmed,
        f.makerOrgId,
        0n,
        at,
      ]);
      await expectCounters(f.adverse, MASK, f.makerOrgId, counters({ reported: 1, serious: 1, confirmed: 1 }), {
        orgId: f.makerOrgId,
        confirmed: 1,
        recalls: 0,
      });
      expect(await f.ledger.batchStatus(f.maskId)).to.equal(BatchStatus.Released);
    });

    it("names another organisation responsible (a carrier): its responsible counters move, not its maker counters", async () => {
      const f = await load();
      await (await f.adverse.connect(f.regulatorA).confirm(f.reportId, f.carrierOrgId, FINDING)).wait();
      await expectCounters(f.adverse, MASK, f.makerOrgId, counters({ reported: 1, serious: 1, confirmed: 1 }), {
        orgId: f.carrierOrgId,
        confirmed: 1,
        recalls: 0,
      });
      await expectCounters(f.adverse, 0n, f.carrierOrgId, counters());
      const maker = await f.adverse.responsibleCounters(f.makerOrgId);
      expect([maker.confirmed, maker.recalls]).to.deep.equal([0n, 0n]);
    });

    it("accepts a suspended or revoked organisation as responsible: it is still registered", async () => {
      const f = await load();
      await (await f.adverse.connect(f.hospital).report(rashReport(f.maskId))).wait();
      await suspend(f.registry, f.regulatorA, f.carrierOrgId);
      await revoke(f.registry, f.regulators, f.retailerOrgId);
      await expect(f.adverse.connect(f.regulatorA).confirm(f.reportId, f.carrierOrgId, FINDING)).to.emit(
        f.adverse,
        "AdverseReportConfirmed",
      );
      await expect(f.adverse.connect(f.regulatorA).confirm(2n, f.retailerOrgId, FINDING)).to.emit(
        f.adverse,
        "AdverseReportConfirmed",
      );
    });

    it("accepts an organisation registered but not yet admitted (the pending applicant)", async () => {
      const f = await load();
      await expect(f.adverse.connect(f.regulatorA).confirm(f.reportId, f.applicantOrgId, FINDING))
        .to.emit(f.adverse, "AdverseReportConfirmed")
        .withArgs(f.reportId, f.regulatorA.address, f.applicantOrgId, 0, FINDING, false);
    });

    it("refuses an unregistered organisation (zero or past the last id) with AdverseUnknownOrganisation", async () => {
      const f = await load();
      const next = (await f.registry.organisationCount()) + 1n;
      for (const orgId of [0n, next]) {
        await expect(f.adverse.connect(f.regulatorA).confirm(f.reportId, orgId, FINDING))
          .to.be.revertedWithCustomError(f.adverse, "AdverseUnknownOrganisation")
          .withArgs(orgId);
      }
    });

    it("refuses a zero reason with AdverseEmptyHash", async () => {
      const f = await load();
      await expect(
        f.adverse.connect(f.regulatorA).confirm(f.reportId, f.makerOrgId, ethers.ZeroHash),
      ).to.be.revertedWithCustomError(f.adverse, "AdverseEmptyHash");
    });

    it("refuses an unknown, a confirmed and a dismissed report with AdverseUnexpectedStatus", async () => {
      const f = await load();
      await expect(f.adverse.connect(f.regulatorA).confirm(7n, f.makerOrgId, FINDING))
        .to.be.revertedWithCustomError(f.adverse, "AdverseUnexpectedStatus")
        .withArgs(7n, ReportStatus.None);
      await (await f.adverse.connect(f.hospital).report(rashReport(f.maskId))).wait();
      await (await f.adverse.connect(f.regulatorA).confirm(f.reportId, f.makerOrgId, FINDING)).wait();
      await (await f.adverse.connect(f.regulatorA).dismiss(2n, DISMISSAL)).wait();
      await expect(f.adverse.connect(f.regulatorB).confirm(f.reportId, f.carrierOrgId, FINDING))
        .to.be.revertedWithCustomError(f.adverse, "AdverseUnexpectedStatus")
        .withArgs(f.reportId, ReportStatus.Confirmed);
      await expect(f.adverse.connect(f.regulatorB).confirm(2n, f.makerOrgId, FINDING))
        .to.be.revertedWithCustomError(f.adverse, "AdverseUnexpectedStatus")
        .withArgs(2n, ReportStatus.Dismissed);
      await expectCounters(
        f.adverse,
        MASK,
        f.makerOrgId,
        counters({ reported: 2, serious: 2, confirmed: 1, dismissed: 1 }),
        { orgId: f.makerOrgId, confirmed: 1, recalls: 0 },
      );
    });

    it("goes on while the alliance is paused", async () => {
      const f = await load();
      await (await f.registry.connect(f.guardian).pause()).wait();
      await expect(f.adverse.connect(f.regulatorA).confirm(f.reportId, f.makerOrgId, FINDING)).to.emit(
        f.adverse,
        "AdverseReportConfirmed",
      );
    });

    shouldBeRestrictedTo("regulator", {
      load,
      context: roles,
      send: (f, signer) => f.adverse.connect(signer).confirm(f.reportId, f.makerOrgId, FINDING),
      errorsFrom: (f) => f.adverse,
    });
  });

  describe("confirmWithRecall", () => {
    it("confirms and recalls the batch through the ledger: Recalled, the regulator is the history's actor", async () => {
      const f = await load();
      const tx = await expectRecorded(
        f.ledger,
        () => f.adverse.connect(f.regulatorA).confirmWithRecall(f.reportId, f.makerOrgId, 2, RECALL_FINDING),
        f.maskId,
        f.regulatorA.address,
        RecordKind.Recalled,
        recalledDataHash(2, RECALL_FINDING),
      );
      await expect(tx)
        .to.emit(f.adverse, "AdverseReportConfirmed")
        .withArgs(f.reportId, f.regulatorA.address, f.makerOrgId, 2, RECALL_FINDING, false);
      await expect(tx).to.emit(f.ledger, "BatchRecalled").withArgs(f.maskId, f.regulatorA.address, 2, RECALL_FINDING);
      expect(await f.ledger.batchStatus(f.maskId)).to.equal(BatchStatus.Recalled);
      const last = await lastRecordOf(f.ledger, f.maskId);
      expect([last.kind, last.actor]).to.deep.equal([RecordKind.Recalled, f.regulatorA.address]);
      expect(last.actor).not.to.equal(await f.adverse.getAddress());
      const report = await reportFieldsOf(f.adverse, f.reportId);
      expect([report.status, report.responsibleOrgId, report.recallClass]).to.deep.equal([
        ReportStatus.Confirmed,
        f.makerOrgId,
        2n,
      ]);
      await expectCounters(
        f.adverse,
        MASK,
        f.makerOrgId,
        counters({ reported: 1, serious: 1, confirmed: 1, recalls: 1 }),
        { orgId: f.makerOrgId, confirmed: 1, recalls: 1 },
      );
    });

    it("recalls with classes 1 and 3 as well, against any maker's batch, and counts every recall", async () => {
      const f = await load();
      const batches = [f.maskId, f.gloveId];
      await (await f.adverse.connect(f.hospital).report(rashReport(f.gloveId))).wait();
      for (const [i, recallClass] of [1, 3].entries()) {
        await expect(
          f.adverse.connect(f.regulatorC).confirmWithRecall(BigInt(i + 1), f.carrierOrgId, recallClass, RECALL_FINDING),
        )
          .to.emit(f.ledger, "BatchRecalled")
          .withArgs(batches[i], f.regulatorC.address, recallClass, RECALL_FINDING);
        expect((await f.adverse.reportOf(BigInt(i + 1))).recallClass).to.equal(recallClass);
      }
      const carrier = await f.adverse.responsibleCounters(f.carrierOrgId);
      expect([carrier.confirmed, carrier.recalls]).to.deep.equal([2n, 2n]);
      const gloves = await f.adverse.makerCounters(f.supplierOrgId);
      expect([gloves.reported, gloves.confirmed, gloves.recalls]).to.deep.equal([1n, 1n, 1n]);
    });

    it("refuses a batch already recalled with the ledger's LedgerUnexpectedStatus; plain confirm still works", async () => {
      const f = await load();
      await (await f.ledger.connect(f.maker).recall(f.maskId, 2, RECALL_FINDING)).wait();
      await expect(f.adverse.connect(f.regulatorA).confirmWithRecall(f.reportId, f.makerOrgId, 2, RECALL_FINDING))
        .to.be.revertedWithCustomError(f.ledger, "LedgerUnexpectedStatus")
        .withArgs(f.maskId, BatchStatus.Recalled);
      // Nothing changed: the report is still open and uncounted.
      expect(await f.adverse.statusOf(f.reportId)).to.equal(ReportStatus.Open);
      await expectCounters(f.adverse, MASK, f.makerOrgId, counters({ reported: 1, serious: 1 }));
      await expect(f.adverse.connect(f.regulatorA).confirm(f.reportId, f.makerOrgId, FINDING))
        .to.emit(f.adverse, "AdverseReportConfirmed")
        .withArgs(f.reportId, f.regulatorA.address, f.makerOrgId, 0, FINDING, false);
    });

    it("refuses a second recall of the same batch from another report", async () => {
      const f = await load();
      await (await f.adverse.connect(f.retailer).report(rashReport(f.maskId))).wait();
      await (
        await f.adverse.connect(f.regulatorA).confirmWithRecall(f.reportId, f.makerOrgId, 2, RECALL_FINDING)
      ).wait();
      await expect(f.adverse.connect(f.regulatorB).confirmWithRecall(2n, f.makerOrgId, 2, RECALL_FINDING))
        .to.be.revertedWithCustomError(f.ledger, "LedgerUnexpectedStatus")
        .withArgs(f.maskId, BatchStatus.Recalled);
    });

    it("refuses a recall class outside 1 to 3 with the ledger's LedgerInvalidRecallClass", async () => {
      const f = await load();
      for (const recallClass of [0, 4]) {
        await expect(
          f.adverse.connect(f.regulatorA).confirmWithRecall(f.reportId, f.makerOrgId, recallClass, RECALL_FINDING),
        )
          .to.be.revertedWithCustomError(f.ledger, "LedgerInvalidRecallClass")
          .withArgs(recallClass);
      }
      expect(await f.adverse.statusOf(f.reportId)).to.equal(ReportStatus.Open);
    });

    it("refuses with the ledger's LedgerNotModule once the governor removes the module", async () => {
      const f = await load();
      await (await f.ledger.connect(f.governor).setModule(f.adverse, false)).wait();
      await expect(f.adverse.connect(f.regulatorA).confirmWithRecall(f.reportId, f.makerOrgId, 2, RECALL_FINDING))
        .to.be.revertedWithCustomError(f.ledger, "LedgerNotModule")
        .withArgs(await f.adverse.getAddress());
      // Plain confirmation needs no module rights.
      await expect(f.adverse.connect(f.regulatorA).confirm(f.reportId, f.makerOrgId, FINDING)).to.emit(
        f.adverse,
        "AdverseReportConfirmed",
      );
    });

    it("refuses an unknown organisation, a zero reason and a triaged report before reaching the ledger", async () => {
      const f = await load();
      await expect(f.adverse.connect(f.regulatorA).confirmWithRecall(f.reportId, 0, 2, RECALL_FINDING))
        .to.be.revertedWithCustomError(f.adverse, "AdverseUnknownOrganisation")
        .withArgs(0);
      await expect(
        f.adverse.connect(f.regulatorA).confirmWithRecall(f.reportId, f.makerOrgId, 2, ethers.ZeroHash),
      ).to.be.revertedWithCustomError(f.adverse, "AdverseEmptyHash");
      await (await f.adverse.connect(f.regulatorA).dismiss(f.reportId, DISMISSAL)).wait();
      await expect(f.adverse.connect(f.regulatorA).confirmWithRecall(f.reportId, f.makerOrgId, 2, RECALL_FINDING))
        .to.be.revertedWithCustomError(f.adverse, "AdverseUnexpectedStatus")
        .withArgs(f.reportId, ReportStatus.Dismissed);
      expect(await f.ledger.batchStatus(f.maskId)).to.equal(BatchStatus.Released);
    });

    it("goes on while the alliance is paused: a recall is a safety action", async () => {
      const f = await load();
      await (await f.registry.connect(f.guardian).pause()).wait();
      await expect(
        f.adverse.connect(f.regulatorA).confirmWithRecall(f.reportId, f.makerOrgId, 1, RECALL_FINDING),
      ).to.emit(f.ledger, "BatchRecalled");
      expect(await f.ledger.batchStatus(f.maskId)).to.equal(BatchStatus.Recalled);
    });

    it("recalls late, past the window, and reports it late", async () => {
      const f = await load();
      await time.setNextBlockTimestamp(f.deadline + 1n);
      await expect(f.adverse.connect(f.regulatorA).confirmWithRecall(f.reportId, f.makerOrgId, 2, RECALL_FINDING))
        .to.emit(f.adverse, "AdverseReportConfirmed")
        .withArgs(f.reportId, f.regulatorA.address, f.makerOrgId, 2, RECALL_FINDING, true);
      await expectCounters(
        f.adverse,
        MASK,
        f.makerOrgId,
        counters({ reported: 1, serious: 1, confirmed: 1, recalls: 1, overdue: 1 }),
      );
    });

    shouldBeRestrictedTo("regulator", {
      load,
      context: roles,
      send: (f, signer) => f.adverse.connect(signer).confirmWithRecall(f.reportId, f.makerOrgId, 2, RECALL_FINDING),
      errorsFrom: (f) => f.adverse,
    });
  });
});
