import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { ReportStatus, Severity } from "../../scripts/lib/adverse";
import { OrderStatus } from "../../scripts/lib/orders";
import {
  CANCELLATION,
  CERTIFICATE,
  DESIGN_V2,
  KNEE,
  REJECTION,
  UNIT,
  kneeDesign,
  kneeOrder,
} from "../orders/ordersFixture";
import {
  FINDING,
  type InstalledKneeFixture,
  counters,
  expectCounters,
  installedKneeFixture,
  looseningReport,
  rashReport,
  reportFieldsOf,
  requestAsEventArg,
} from "./adverseFixture";

describe("AdverseEventRegistry: reports naming a custom device order", () => {
  const load = () => loadFixture(installedKneeFixture);

  /** Places order 2 (a second knee for the same hospital) and takes it to `until`; returns its id. */
  async function secondOrder(f: InstalledKneeFixture, until: OrderStatus, unitIndex = 3n): Promise<bigint> {
    const orderId = 2n;
    await (await f.book.connect(f.hospital).place(kneeOrder(f.makerOrgId))).wait();
    if (until === OrderStatus.Cancelled) {
      await (await f.book.connect(f.hospital).cancel(orderId, CANCELLATION)).wait();
      return orderId;
    }
    if (until === OrderStatus.Placed) return orderId;
    await (await f.book.connect(f.maker).design(orderId, kneeDesign([f.titaniumId]))).wait();
    if (until === OrderStatus.Designed) return orderId;
    await (await f.book.connect(f.maker).completeProduction(orderId, f.kneeId, unitIndex)).wait();
    if (until === OrderStatus.Rejected) {
      await (await f.book.connect(f.regulatorA).rejectCompliance(orderId, REJECTION)).wait();
    } else if (until === OrderStatus.Approved) {
      await (await f.book.connect(f.regulatorA).approveCompliance(orderId, CERTIFICATE)).wait();
    }
    expect(await f.book.statusOf(orderId)).to.equal(until);
    return orderId;
  }

  describe("success", () => {
    it("files a report on the installed knee's order: the order's unit applies, linked and counted per order", async () => {
      const f = await load();
      expect(await f.book.statusOf(f.orderId)).to.equal(OrderStatus.Installed);
      const request = looseningReport(f.kneeId, f.orderId);
      expect(await f.adverse.connect(f.hospital).report.staticCall(request)).to.equal(1n);
      const tx = await f.adverse.connect(f.hospital).report(request);
      await expect(tx)
        .to.emit(f.adverse, "AdverseEventReported")
        .withArgs(1n, f.kneeId, f.hospitalOrgId, f.hospital.address, KNEE, f.makerOrgId, requestAsEventArg(request));
      await expect(tx).to.emit(f.adverse, "AdverseReportLinkedToOrder").withArgs(1n, f.orderId, UNIT);
      expect(await f.adverse.reportsOfOrder(f.orderId)).to.equal(1n);
      const fields = await reportFieldsOf(f.adverse, 1n);
      expect([fields.batchId, fields.gtin, fields.makerOrgId, fields.reporterOrgId]).to.deep.equal([
        f.kneeId,
        KNEE,
        f.makerOrgId,
        f.hospitalOrgId,
      ]);
      expect([fields.severity, fields.status]).to.deep.equal([Severity.Serious, ReportStatus.Open]);
      await expectCounters(f.adverse, KNEE, f.makerOrgId, counters({ reported: 1, serious: 1 }));
      // The order book is only read.
      expect(await f.book.statusOf(f.orderId)).to.equal(OrderStatus.Installed);
    });

    it("accepts the order's own unit, and counts each report naming the order", async () => {
      const f = await load();
      await expect(f.adverse.connect(f.hospital).report(looseningReport(f.kneeId, f.orderId, { unitIndex: UNIT })))
        .to.emit(f.adverse, "AdverseReportLinkedToOrder")
        .withArgs(1n, f.orderId, UNIT);
      await expect(
        f.adverse.connect(f.hospital).report(looseningReport(f.kneeId, f.orderId, { severity: Severity.NonSerious })),
      )
        .to.emit(f.adverse, "AdverseReportLinkedToOrder")
        .withArgs(2n, f.orderId, UNIT);
      expect(await f.adverse.reportsOfOrder(f.orderId)).to.equal(2n);
      await expectCounters(f.adverse, KNEE, f.makerOrgId, counters({ reported: 2, serious: 1 }));
    });

    it("links nothing for a report without an order, even on the device's batch and unit", async () => {
      const f = await load();
      const tx = f.adverse.connect(f.hospital).report(looseningReport(f.kneeId, 0n, { unitIndex: UNIT }));
      await expect(tx).to.emit(f.adverse, "AdverseEventReported");
      await expect(tx).not.to.emit(f.adverse, "AdverseReportLinkedToOrder");
      expect(await f.adverse.reportsOfOrder(f.orderId)).to.equal(0n);
      expect(await f.adverse.reportsOfOrder(0n)).to.equal(0n);
    });

    it("accepts orders whose device is Produced or Approved, not yet installed", async () => {
      const f = await load();
      const orderId = await secondOrder(f, OrderStatus.Produced);
      await expect(f.adverse.connect(f.hospital).report(looseningReport(f.kneeId, orderId)))
        .to.emit(f.adverse, "AdverseReportLinkedToOrder")
        .withArgs(1n, orderId, 3n);
      await (await f.book.connect(f.regulatorA).approveCompliance(orderId, CERTIFICATE)).wait();
      await expect(f.adverse.connect(f.hospital).report(looseningReport(f.kneeId, orderId, { unitIndex: 3n })))
        .to.emit(f.adverse, "AdverseReportLinkedToOrder")
        .withArgs(2n, orderId, 3n);
      expect(await f.adverse.reportsOfOrder(orderId)).to.equal(2n);
      expect(await f.adverse.reportsOfOrder(f.orderId)).to.equal(0n);
    });

    it("accepts the maker on its own order, and goes on while the alliance is paused", async () => {
      const f = await load();
      await expect(f.adverse.connect(f.maker).report(looseningReport(f.kneeId, f.orderId)))
        .to.emit(f.adverse, "AdverseReportLinkedToOrder")
        .withArgs(1n, f.orderId, UNIT);
      await (await f.registry.connect(f.guardian).pause()).wait();
      await expect(f.adverse.connect(f.hospital).report(looseningReport(f.kneeId, f.orderId)))
        .to.emit(f.adverse, "AdverseReportLinkedToOrder")
        .withArgs(2n, f.orderId, UNIT);
      expect(await f.adverse.reportsOfOrder(f.orderId)).to.equal(2n);
    });

    it("triages a report naming an order like any other", async () => {
      const f = await load();
      await (await f.adverse.connect(f.hospital).report(looseningReport(f.kneeId, f.orderId))).wait();
      await expect(f.adverse.connect(f.regulatorA).confirm(1n, f.makerOrgId, FINDING))
        .to.emit(f.adverse, "AdverseReportConfirmed")
        .withArgs(1n, f.regulatorA.address, f.makerOrgId, 0, FINDING, false);
      await expectCounters(f.adverse, KNEE, f.makerOrgId, counters({ reported: 1, serious: 1, confirmed: 1 }), {
        orgId: f.makerOrgId,
        confirmed: 1,
        recalls: 0,
      });
      expect(await f.adverse.reportsOfOrder(f.orderId)).to.equal(1n);
    });
  });

  describe("refusals", () => {
    it("refuses an order the book does not know with AdverseUnknownOrder", async () => {
      const f = await load();
      for (const orderId of [2n, 99n]) {
        await expect(f.adverse.connect(f.hospital).report(looseningReport(f.kneeId, orderId)))
          .to.be.revertedWithCustomError(f.adverse, "AdverseUnknownOrder")
          .withArgs(orderId);
      }
    });

    for (const status of [OrderStatus.Placed, OrderStatus.Designed]) {
      it(`refuses an order not produced yet (${OrderStatus[status]}) with AdverseOrderNotProduced`, async () => {
        const f = await load();
        const orderId = await secondOrder(f, status);
        await expect(f.adverse.connect(f.hospital).report(looseningReport(f.kneeId, orderId)))
          .to.be.revertedWithCustomError(f.adverse, "AdverseOrderNotProduced")
          .withArgs(orderId, status);
        expect(await f.adverse.reportCount()).to.equal(0n);
        expect(await f.adverse.reportsOfOrder(orderId)).to.equal(0n);
      });
    }

    for (const status of [OrderStatus.Rejected, OrderStatus.Cancelled]) {
      it(`refuses an order whose device no patient met (${OrderStatus[status]}) with AdverseOrderNotProduced`, async () => {
        const f = await load();
        const orderId = await secondOrder(f, status);
        await expect(f.adverse.connect(f.hospital).report(looseningReport(f.kneeId, orderId)))
          .to.be.revertedWithCustomError(f.adverse, "AdverseOrderNotProduced")
          .withArgs(orderId, status);
      });
    }

    it("refuses a report on another batch than the order's device with AdverseOrderBatchMismatch", async () => {
      const f = await load();
      await expect(f.adverse.connect(f.hospital).report(rashReport(f.maskId, { orderId: f.orderId })))
        .to.be.revertedWithCustomError(f.adverse, "AdverseOrderBatchMismatch")
        .withArgs(f.orderId, f.maskId, f.kneeId);
    });

    it("refuses another unit of the order's batch with AdverseOrderUnitMismatch", async () => {
      const f = await load();
      for (const unitIndex of [0n, 3n, 4n]) {
        await expect(f.adverse.connect(f.hospital).report(looseningReport(f.kneeId, f.orderId, { unitIndex })))
          .to.be.revertedWithCustomError(f.adverse, "AdverseOrderUnitMismatch")
          .withArgs(f.orderId, unitIndex, UNIT);
      }
      // A unit past the batch is refused first, as for any report.
      await expect(f.adverse.connect(f.hospital).report(looseningReport(f.kneeId, f.orderId, { unitIndex: 5n })))
        .to.be.revertedWithCustomError(f.adverse, "AdverseInvalidUnitIndex")
        .withArgs(f.kneeId, 5n, 5n);
    });

    it("follows a revised order to its new device: the first unit no longer names it", async () => {
      const f = await load();
      const orderId = await secondOrder(f, OrderStatus.Rejected, 3n);
      await (
        await f.book.connect(f.maker).design(orderId, kneeDesign([f.titaniumId], { designHash: DESIGN_V2 }))
      ).wait();
      await (await f.book.connect(f.maker).completeProduction(orderId, f.kneeId, 4n)).wait();
      await expect(f.adverse.connect(f.hospital).report(looseningReport(f.kneeId, orderId, { unitIndex: 3n })))
        .to.be.revertedWithCustomError(f.adverse, "AdverseOrderUnitMismatch")
        .withArgs(orderId, 3n, 4n);
      await expect(f.adverse.connect(f.hospital).report(looseningReport(f.kneeId, orderId)))
        .to.emit(f.adverse, "AdverseReportLinkedToOrder")
        .withArgs(1n, orderId, 4n);
    });

    it("refuses a maker naming an order on another maker's batch with AdverseNotBatchMaker", async () => {
      const f = await load();
      await expect(f.adverse.connect(f.supplier).report(looseningReport(f.kneeId, f.orderId)))
        .to.be.revertedWithCustomError(f.adverse, "AdverseNotBatchMaker")
        .withArgs(f.kneeId, f.supplierOrgId);
    });
  });
});
