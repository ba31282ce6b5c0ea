import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, mine, time } from "@nomicfoundation/hardhat-network-helpers";
import { ReportStatus } from "../../scripts/lib/adverse";
import { MASK } from "../helpers/traceFixture";
import {
  DISMISSAL,
  FINDING,
  RECALL_FINDING,
  counters,
  expectCounters,
  rashReport,
  reportFieldsOf,
  reportedFixture,
} from "./adverseFixture";

describe("AdverseEventRegistry: overdue reports", () => {
  const load = () => loadFixture(reportedFixture);

  /** Sets the next block's timestamp; with `mineIt`, mines an empty block at it (for views). */
  async function at(timestamp: bigint, mineIt = false) {
    await time.setNextBlockTimestamp(timestamp);
    if (mineIt) await mine();
  }

  describe("isOverdue and the report view", () => {
    it("is false up to and including the deadline second, true one second after", async () => {
      const f = await load();
      expect(f.deadline).to.equal(f.filedAt + f.triageWindow);
      await at(f.deadline, true);
      expect(await f.adverse.isOverdue(f.reportId)).to.equal(false);
      expect((await f.adverse.reportOf(f.reportId)).overdue).to.equal(false);
      await at(f.deadline + 1n, true);
      expect(await f.adverse.isOverdue(f.reportId)).to.equal(true);
      expect((await f.adverse.reportOf(f.reportId)).overdue).to.equal(true);
      // Being overdue needs no transaction, but only flagging (or a late triage) counts it.
      expect(await f.adverse.statusOf(f.reportId)).to.equal(ReportStatus.Open);
      await expectCounters(f.adverse, MASK, f.makerOrgId, counters({ reported: 1, serious: 1 }));
    });

    it("is false for an unknown report, whose view is all zero", async () => {
      const f = await load();
      expect(await f.adverse.isOverdue(99n)).to.equal(false);
      expect(await reportFieldsOf(f.adverse, 99n)).to.deep.equal({
        batchId: ethers.ZeroHash,
        gtin: 0n,
        makerOrgId: 0n,
        reporterOrgId: 0n,
        responsibleOrgId: 0n,
        severity: 0,
        status: ReportStatus.None,
        recallClass: 0n,
        filedAt: 0n,
        triagedAt: 0n,
        triageDeadline: 0n,
        overdue: false,
      });
    });

    it("is false once triaged, even past the deadline", async () => {
      const f = await load();
      await (await f.adverse.connect(f.regulatorA).dismiss(f.reportId, DISMISSAL)).wait();
      await at(f.deadline + 100n, true);
      expect(await f.adverse.isOverdue(f.reportId)).to.equal(false);
      expect((await f.adverse.reportOf(f.reportId)).triageDeadline).to.equal(f.deadline);
    });
  });

  describe("flagOverdue", () => {
    it("refuses at the deadline second with AdverseTriageWindowOpen", async () => {
      const f = await load();
      await at(f.deadline);
      await expect(f.adverse.connect(f.freeAccounts[0]).flagOverdue(f.reportId))
        .to.be.revertedWithCustomError(f.adverse, "AdverseTriageWindowOpen")
        .withArgs(f.reportId, f.deadline);
    });

    it("refuses right after filing with AdverseTriageWindowOpen", async () => {
      const f = await load();
      await expect(f.adverse.flagOverdue(f.reportId))
        .to.be.revertedWithCustomError(f.adverse, "AdverseTriageWindowOpen")
        .withArgs(f.reportId, f.deadline);
    });

    it("lets anyone flag one second after the deadline: Overdue, event, counted once", async () => {
      const f = await load();
      const anyone = f.freeAccounts[0];
      await at(f.deadline + 1n);
      await expect(f.adverse.connect(anyone).flagOverdue(f.reportId))
        .to.emit(f.adverse, "AdverseReportFlaggedOverdue")
        .withArgs(f.reportId, anyone.address, f.deadline);
      expect(await f.adverse.statusOf(f.reportId)).to.equal(ReportStatus.Overdue);
      expect(await f.adverse.isOverdue(f.reportId)).to.equal(true);
      await expectCounters(
        f.adverse,
        MASK,
        f.makerOrgId,
        counters({ reported: 1, serious: 1, overdue: 1, openOverdue: 1 }),
      );
    });

    it("refuses a second flag with AdverseUnexpectedStatus(Overdue)", async () => {
      const f = await load();
      await at(f.deadline + 1n);
      await (await f.adverse.flagOverdue(f.reportId)).wait();
      await expect(f.adverse.connect(f.carrier).flagOverdue(f.reportId))
        .to.be.revertedWithCustomError(f.adverse, "AdverseUnexpectedStatus")
        .withArgs(f.reportId, ReportStatus.Overdue);
      await expectCounters(
        f.adverse,
        MASK,
        f.makerOrgId,
        counters({ reported: 1, serious: 1, overdue: 1, openOverdue: 1 }),
      );
    });

    it("refuses an unknown or triaged report with AdverseUnexpectedStatus", async () => {
      const f = await load();
      await expect(f.adverse.flagOverdue(5n))
        .to.be.revertedWithCustomError(f.adverse, "AdverseUnexpectedStatus")
        .withArgs(5n, ReportStatus.None);
      await (await f.adverse.connect(f.hospital).report(rashReport(f.maskId))).wait();
      await (await f.adverse.connect(f.regulatorA).dismiss(f.reportId, DISMISSAL)).wait();
      await (await f.adverse.connect(f.regulatorA).confirm(2n, f.makerOrgId, FINDING)).wait();
      await time.increase(f.triageWindow + 1n);
      await expect(f.adverse.flagOverdue(f.reportId))
        .to.be.revertedWithCustomError(f.adverse, "AdverseUnexpectedStatus")
        .withArgs(f.reportId, ReportStatus.Dismissed);
      await expect(f.adverse.flagOverdue(2n))
        .to.be.revertedWithCustomError(f.adverse, "AdverseUnexpectedStatus")
        .withArgs(2n, ReportStatus.Confirmed);
    });

    it("goes on while the alliance is paused", async () => {
      const f = await load();
      await (await f.registry.connect(f.guardian).pause()).wait();
      await at(f.deadline + 1n);
      await expect(f.adverse.flagOverdue(f.reportId)).to.emit(f.adverse, "AdverseReportFlaggedOverdue");
    });

    it("counts several overdue reports one by one, per product and per maker", async () => {
      const f = await load();
      await (await f.adverse.connect(f.retailer).report(rashReport(f.maskId))).wait();
      await (await f.adverse.connect(f.distributor).report(rashReport(f.gloveId))).wait();
      await time.increase(f.triageWindow + 1n);
      for (const id of [1n, 2n, 3n]) await (await f.adverse.flagOverdue(id)).wait();
      await expectCounters(
        f.adverse,
        MASK,
        f.makerOrgId,
        counters({ reported: 2, serious: 2, overdue: 2, openOverdue: 2 }),
      );
      const gloves = await f.adverse.productCounters((await f.adverse.reportOf(3n)).gtin);
      expect([gloves.overdue, gloves.openOverdue]).to.deep.equal([1n, 1n]);
    });
  });

  describe("triage and the overdue counters", () => {
    it("in time at the deadline second: not late, nothing counted overdue", async () => {
      const f = await load();
      await at(f.deadline);
      await expect(f.adverse.connect(f.regulatorA).confirm(f.reportId, f.makerOrgId, FINDING))
        .to.emit(f.adverse, "AdverseReportConfirmed")
        .withArgs(f.reportId, f.regulatorA.address, f.makerOrgId, 0, FINDING, false);
      await expectCounters(f.adverse, MASK, f.makerOrgId, counters({ reported: 1, serious: 1, confirmed: 1 }));
    });

    it("late and flagged: the report leaves openOverdue and stays in overdue", async () => {
      const f = await load();
      await at(f.deadline + 1n);
      await (await f.adverse.flagOverdue(f.reportId)).wait();
      await expect(f.adverse.connect(f.regulatorB).dismiss(f.reportId, DISMISSAL))
        .to.emit(f.adverse, "AdverseReportDismissed")
        .withArgs(f.reportId, f.regulatorB.address, DISMISSAL, true);
      expect(await f.adverse.statusOf(f.reportId)).to.equal(ReportStatus.Dismissed);
      expect(await f.adverse.isOverdue(f.reportId)).to.equal(false);
      await expectCounters(
        f.adverse,
        MASK,
        f.makerOrgId,
        counters({ reported: 1, serious: 1, dismissed: 1, overdue: 1, openOverdue: 0 }),
      );
    });

    it("late and flagged, confirmed with a recall: overdue stays, openOverdue drops, the recall counts", async () => {
      const f = await load();
      await time.increase(30n * 24n * 3600n);
      await (await f.adverse.flagOverdue(f.reportId)).wait();
      await expect(f.adverse.connect(f.regulatorA).confirmWithRecall(f.reportId, f.makerOrgId, 2, RECALL_FINDING))
        .to.emit(f.adverse, "AdverseReportConfirmed")
        .withArgs(f.reportId, f.regulatorA.address, f.makerOrgId, 2, RECALL_FINDING, true);
      await expectCounters(
        f.adverse,
        MASK,
        f.makerOrgId,
        counters({ reported: 1, serious: 1, confirmed: 1, recalls: 1, overdue: 1 }),
        { orgId: f.makerOrgId, confirmed: 1, recalls: 1 },
      );
    });

    it("late and never flagged: counted into overdue at triage, never into openOverdue", async () => {
      const f = await load();
      await at(f.deadline + 1n);
      await expect(f.adverse.connect(f.regulatorA).confirm(f.reportId, f.makerOrgId, FINDING))
        .to.emit(f.adverse, "AdverseReportConfirmed")
        .withArgs(f.reportId, f.regulatorA.address, f.makerOrgId, 0, FINDING, true);
      await expectCounters(
        f.adverse,
        MASK,
        f.makerOrgId,
        counters({ reported: 1, serious: 1, confirmed: 1, overdue: 1 }),
      );
    });

    it("late dismissal never flagged: counted into overdue once", async () => {
      const f = await load();
      await at(f.deadline + 1n);
      await expect(f.adverse.connect(f.regulatorA).dismiss(f.reportId, DISMISSAL))
        .to.emit(f.adverse, "AdverseReportDismissed")
        .withArgs(f.reportId, f.regulatorA.address, DISMISSAL, true);
      await expectCounters(
        f.adverse,
        MASK,
        f.makerOrgId,
        counters({ reported: 1, serious: 1, dismissed: 1, overdue: 1 }),
      );
    });

    it("mixes in-time, flagged and unflagged late triage: each overdue report counted exactly once", async () => {
      const f = await load();
      await (await f.adverse.connect(f.retailer).report(rashReport(f.maskId))).wait(); // 2
      await (await f.adverse.connect(f.distributor).report(rashReport(f.maskId))).wait(); // 3
      await (await f.adverse.connect(f.regulatorA).dismiss(1n, DISMISSAL)).wait(); // in time
      await time.increase(f.triageWindow + 1n);
      await (await f.adverse.flagOverdue(2n)).wait();
      await expectCounters(
        f.adverse,
        MASK,
        f.makerOrgId,
        counters({ reported: 3, serious: 3, dismissed: 1, overdue: 1, openOverdue: 1 }),
      );
      await (await f.adverse.connect(f.regulatorA).confirm(3n, f.makerOrgId, FINDING)).wait(); // late, unflagged
      await expectCounters(
        f.adverse,
        MASK,
        f.makerOrgId,
        counters({ reported: 3, serious: 3, dismissed: 1, confirmed: 1, overdue: 2, openOverdue: 1 }),
      );
      await (await f.adverse.connect(f.regulatorB).confirm(2n, f.carrierOrgId, FINDING)).wait(); // late, flagged
      await expectCounters(
        f.adverse,
        MASK,
        f.makerOrgId,
        counters({ reported: 3, serious: 3, dismissed: 1, confirmed: 2, overdue: 2, openOverdue: 0 }),
        { orgId: f.carrierOrgId, confirmed: 1, recalls: 0 },
      );
      const report2 = await reportFieldsOf(f.adverse, 2n);
      expect(report2.triagedAt > report2.triageDeadline).to.equal(true);
    });
  });
});
