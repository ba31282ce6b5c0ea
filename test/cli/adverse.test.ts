import { expect } from "chai";
import hre from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { sendClient } from "../../scripts/client/task";
import { documentHash } from "../../scripts/lib/alliance";
import { ReportStatus, Severity, patientRef, reportRequest } from "../../scripts/lib/adverse";
import { DAY } from "../../scripts/lib/formation";
import { BatchStatus } from "../../scripts/lib/trace";
import { MASK_LOT, MASK_TEXT, json, useCliDeployments } from "../helpers/cliFixture";
import { printed } from "../helpers/tasks";
import { refused } from "./serialsFixture";
import { KNEE_LOT, KNEE_TEXT, PATIENT, SALT, ordersFixture, reportedFixture } from "./adverseFixture";

const MASKS = `${MASK_TEXT}/${MASK_LOT}`;
const KNEE = `${KNEE_TEXT}/${KNEE_LOT}`;
const HOSPITAL = "City General Hospital";
const REGULATOR = "1";

const REPORT = {
  from: HOSPITAL,
  batch: MASKS,
  severity: "life-threatening",
  patient: PATIENT,
  description: "anaphylaxis after fitting",
};

describe("CLI adverse: adverse:report, adverse:triage, adverse:flag-overdue, adverse:reports", function () {
  useCliDeployments();

  describe("adverse:report", () => {
    it("files a report with a salted patient reference and prints the salt to keep", async () => {
      const f = await loadFixture(reportedFixture);
      const out = await printed("adverse:report", { ...REPORT, unit: "7" });
      expect(out).to.contain(`Report 2 filed by ${HOSPITAL} against batch ${MASKS} (unit 7): LifeThreatening.`);
      expect(out).to.match(
        /A regulator triages it by \d{4}-\d\d-\d\d \d\d:\d\d UTC; after that it counts as overdue\./,
      );
      const salt = /Keep this patient salt with the patient's record, never publish it: (0x[0-9a-f]{64})/.exec(out)![1];
      const view = await f.adverse.reportOf(2n);
      expect([Number(view.severity), Number(view.status), view.reporterOrgId]).to.deep.equal([
        Severity.LifeThreatening,
        ReportStatus.Open,
        f.orgIds.hospital,
      ]);
      const [event] = await f.adverse.queryFilter(f.adverse.filters.AdverseEventReported(2n));
      expect(event.args.request.patientRef).to.equal(patientRef(salt, PATIENT));

      const doc = await json<Record<string, unknown>>("adverse:report", {
        ...REPORT,
        severity: "NonSerious",
        salt: SALT,
      });
      expect(doc).to.deep.include({
        reportId: 3,
        batchId: f.maskBatch,
        unitIndex: null,
        orderId: null,
        severity: "NonSerious",
        reporterOrgId: Number(f.orgIds.hospital),
        patientRef: patientRef(SALT, PATIENT),
        salt: SALT,
        descriptionHash: documentHash("anaphylaxis after fitting"),
      });
      expect(doc.triageDeadline).to.equal(Number((await f.adverse.reportOf(3n)).triageDeadline));
      expect(await f.adverse.reportCount()).to.equal(3n);
    });

    it("files a report naming a produced custom device order: it concerns the order's unit", async () => {
      const f = await loadFixture(ordersFixture);
      const doc = await json<Record<string, unknown>>("adverse:report", { ...REPORT, batch: KNEE, order: "1" });
      expect(doc).to.deep.include({ reportId: 2, orderId: 1, unitIndex: 0, severity: "LifeThreatening" });
      expect(await f.adverse.reportsOfOrder(1n)).to.equal(1n);
    });

    it("refuses a bad severity, patient, salt, unit or order, and a maker reporting on another's batch", async () => {
      const f = await loadFixture(ordersFixture);
      await refused(
        "adverse:report",
        { ...REPORT, severity: "mild" },
        /^severity "mild" is not one of NonSerious, Serious/,
      );
      await refused("adverse:report", { ...REPORT, patient: " " }, /^--patient is required/);
      await refused(
        "adverse:report",
        { ...REPORT, salt: "0x12" },
        `--salt "0x12" is not a 32-byte id (0x and 64 hex digits)`,
      );
      await refused(
        "adverse:report",
        { ...REPORT, description: undefined },
        /^--description \(a file, a text or a 0x hash\) is required$/,
      );
      await refused(
        "adverse:report",
        { ...REPORT, unit: "10000" },
        `unit 10000 is not a unit of batch ${MASKS}: its units are 0 to 9,999`,
      );
      await refused(
        "adverse:report",
        { ...REPORT, from: "MediTech Implants" },
        `MediTech Implants reports only against its own batches as a maker: batch ${MASKS} was made by Northwind Masks`,
      );
      await refused("adverse:report", { ...REPORT, order: "9" }, "Order 9 does not exist");
      await refused(
        "adverse:report",
        { ...REPORT, batch: KNEE, order: String(f.placedId) },
        `Order 2 is Placed: only an order whose device was produced (Produced, Approved or Installed) can be named`,
      );
      await refused("adverse:report", { ...REPORT, order: "1" }, `Order 1's device is of batch ${KNEE}, not ${MASKS}`);
      await refused(
        "adverse:report",
        { ...REPORT, batch: KNEE, order: "1", unit: "1" },
        "Order 1's device is unit 0 of the batch, not unit 1",
      );
    });

    it("refuses a carrier and an account of no organisation", async () => {
      await loadFixture(reportedFixture);
      await refused(
        "adverse:report",
        { ...REPORT, from: "Swift Cold Chain" },
        "Swift Cold Chain is not admitted as Supplier, Manufacturer, Distributor, Hospital or Retailer: it may not act on adverse event reports",
      );
      await refused(
        "adverse:report",
        { ...REPORT, from: REGULATOR },
        /^account 0x[0-9a-fA-F]{40} belongs to no organisation/,
      );
    });

    it("explains the registry's refusal of a report without a severity", async () => {
      const f = await loadFixture(reportedFixture);
      const client = await sendClient(hre, { json: false, from: HOSPITAL });
      const request = reportRequest({
        batchId: f.maskBatch,
        severity: Severity.None,
        descriptionHash: documentHash("x"),
        descriptionURI: "",
        patientRef: patientRef(SALT, PATIENT),
      });
      await expect(client.send("file the report", () => client.adverse.report(request))).to.be.rejectedWith(
        "Could not file the report: A report must name a severity (NonSerious to Fatal) (severity None).",
      );
    });
  });

  describe("adverse:triage", () => {
    it("dismisses a report", async () => {
      const f = await loadFixture(reportedFixture);
      const out = await printed("adverse:triage", {
        from: REGULATOR,
        report: "1",
        decision: "dismiss",
        reason: "not related to the product",
      });
      expect(out).to.contain(`Report 1 against batch ${MASKS} dismissed.`);
      expect(out).to.not.contain("late");
      expect(Number(await f.adverse.statusOf(1n))).to.equal(ReportStatus.Dismissed);
    });

    it("confirms naming the responsible organisation, and confirms late with a recall", async () => {
      const f = await loadFixture(reportedFixture);
      const doc = await json<Record<string, unknown>>("adverse:triage", {
        from: REGULATOR,
        report: "#1",
        decision: "confirm",
        responsible: "swift",
        reason: "cold chain broken",
      });
      expect(doc).to.deep.include({
        reportId: 1,
        decision: "confirm",
        status: "Confirmed",
        responsibleOrgId: Number(f.orgIds.carrier),
        recallClass: null,
        late: false,
      });
      expect((await f.adverse.responsibleCounters(f.orgIds.carrier)).confirmed).to.equal(1n);

      await printed("adverse:report", REPORT);
      await time.increase(8n * DAY);
      const out = await printed("adverse:triage", {
        from: REGULATOR,
        report: "2",
        decision: "confirm",
        responsible: "Northwind Masks",
        recallClass: "2",
        reason: "defective filter layer",
      });
      expect(out).to.contain(`Report 2 against batch ${MASKS} confirmed: Northwind Masks is responsible.`);
      expect(out).to.contain(`Batch ${MASKS} is recalled (class 2) in the same transaction.`);
      expect(out).to.match(/Triaged late: the deadline was \d{4}-\d\d-\d\d \d\d:\d\d UTC\./);
      expect(Number(await f.ledger.batchStatus(f.maskBatch))).to.equal(BatchStatus.Recalled);
      expect((await f.adverse.makerCounters(f.orgIds.maker)).recalls).to.equal(1n);
    });

    it("refuses a member, an unknown or triaged report, and inconsistent options", async () => {
      const f = await loadFixture(reportedFixture);
      const base = { from: REGULATOR, report: "1", decision: "confirm", responsible: "Northwind", reason: "r" };
      await refused(
        "adverse:triage",
        { ...base, from: HOSPITAL },
        /^Account 0x[0-9a-fA-F]{40} is not a regulator: only regulators triage adverse event reports$/,
      );
      await refused(
        "adverse:triage",
        { ...base, report: "5" },
        "Report 5 does not exist: the registry holds reports 1 to 1",
      );
      await refused("adverse:triage", { ...base, report: "x" }, `report "x" is not a report number (1, 2, …)`);
      await refused("adverse:triage", { ...base, decision: "maybe" }, `--decision "maybe" is not dismiss or confirm`);
      await refused(
        "adverse:triage",
        { ...base, decision: "dismiss" },
        "--responsible and --recall-class go with --decision confirm",
      );
      await refused("adverse:triage", { ...base, responsible: undefined }, /^--responsible is required to confirm/);
      await refused(
        "adverse:triage",
        { ...base, responsible: "Nobody Ltd" },
        `--responsible "Nobody Ltd": no organisation of the alliance has that name or id`,
      );
      await refused("adverse:triage", { ...base, recallClass: "4" }, `--recall-class "4" is not 1, 2 or 3`);
      await (await f.ledger.connect(f.regulator).recall(f.maskBatch, 1, documentHash("recall"))).wait();
      await refused(
        "adverse:triage",
        { ...base, recallClass: "1" },
        `Batch ${MASKS} is already recalled: confirm report 1 without --recall-class`,
      );
      await printed("adverse:triage", base);
      await refused("adverse:triage", base, /^Report 1 was already confirmed on \d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
    });

    it("explains the registry's refusal of an unregistered responsible organisation", async () => {
      await loadFixture(reportedFixture);
      const client = await sendClient(hre, { json: false, from: REGULATOR });
      await expect(
        client.send("confirm report 1", () => client.adverse.confirm(1n, 99n, documentHash("r"))),
      ).to.be.rejectedWith(
        "Could not confirm report 1: The organisation is not registered in the alliance registry (org organisation 99).",
      );
    });
  });

  describe("adverse:flag-overdue", () => {
    it("refuses within the window, flags after it, and refuses a second flag or a triaged report", async () => {
      const f = await loadFixture(reportedFixture);
      await refused(
        "adverse:flag-overdue",
        { from: HOSPITAL, report: "1" },
        /^Report 1 is within its triage window until \d{4}-\d\d-\d\d \d\d:\d\d UTC: it can be flagged after that$/,
      );
      await time.increase(7n * DAY + 1n);
      const doc = await json<Record<string, unknown>>("adverse:flag-overdue", { from: "Corner Pharmacy", report: "1" });
      expect(doc).to.deep.include({
        reportId: 1,
        status: "Overdue",
        makerOrgId: Number(f.orgIds.maker),
        makerOverdue: 1,
        makerOpenOverdue: 1,
      });
      expect(Number(await f.adverse.statusOf(1n))).to.equal(ReportStatus.Overdue);
      await refused(
        "adverse:flag-overdue",
        { from: HOSPITAL, report: "1" },
        "Report 1 was already flagged overdue: it is counted once",
      );
      await printed("adverse:report", REPORT);
      await printed("adverse:triage", { from: REGULATOR, report: "2", decision: "dismiss", reason: "r" });
      await refused("adverse:flag-overdue", { from: HOSPITAL, report: "2" }, /^Report 2 was already dismissed on /);
      await refused("adverse:flag-overdue", { from: HOSPITAL, report: "3" }, /^Report 3 does not exist/);
    });

    it("prints the maker's public overdue counters", async () => {
      await loadFixture(reportedFixture);
      await time.increase(8n * DAY);
      const out = await printed("adverse:flag-overdue", { from: REGULATOR, report: "1" });
      expect(out).to.contain("Reports against Northwind Masks's batches not triaged in time: 1 (1 still open).");
    });

    it("explains the registry's refusal to flag a report within its window", async () => {
      await loadFixture(reportedFixture);
      const client = await sendClient(hre, { json: false, from: HOSPITAL });
      await expect(client.send("flag report 1", () => client.adverse.flagOverdue(1n))).to.be.rejectedWith(
        /^Could not flag report 1: The report's triage window has not passed yet: it cannot be flagged overdue \(report 1, triage deadline \d{4}-\d\d-\d\d \d\d:\d\d UTC\)\.$/,
      );
    });
  });

  describe("adverse:reports", () => {
    it("lists reports by batch, maker and status, with the maker's counters", async () => {
      const f = await loadFixture(ordersFixture);
      await printed("adverse:report", { ...REPORT, batch: KNEE, order: "1" });
      const all = await json<{ reports: Record<string, unknown>[] }>("adverse:reports", {});
      expect(all.reports.map((r) => r.reportId)).to.deep.equal([1, 2]);
      expect(all.reports[0]).to.deep.include({
        batchId: f.maskBatch,
        batch: MASKS,
        unitIndex: 3,
        orderId: null,
        severity: "Serious",
        status: "Open",
        overdue: false,
        reporterOrgId: Number(f.orgIds.hospital),
        makerOrgId: Number(f.orgIds.maker),
        responsibleOrgId: null,
      });
      const knee = await json<{ reports: Record<string, unknown>[] }>("adverse:reports", { batch: KNEE });
      expect(knee.reports.map((r) => [r.reportId, r.orderId, r.unitIndex])).to.deep.equal([[2, 1, 0]]);
      const byMaker = await json<{ reports: unknown[]; makerCounters: Record<string, number> }>("adverse:reports", {
        maker: "Northwind Masks",
      });
      expect(byMaker.reports).to.have.length(1);
      expect(byMaker.makerCounters).to.deep.include({ reported: 1, serious: 1, confirmed: 0 });

      await time.increase(8n * DAY);
      const overdue = await json<{ reports: Record<string, unknown>[] }>("adverse:reports", { status: "overdue" });
      expect(overdue.reports.map((r) => r.reportId)).to.deep.equal([1, 2]);
      const out = await printed("adverse:reports", { maker: "Northwind Masks" });
      expect(out).to.match(/^report +batch +unit +severity +status/);
      expect(out).to.contain(`${MASKS}`);
      expect(out).to.contain("Open (overdue)");
      expect(out).to.contain("Reports against Northwind Masks's batches: reported 1, serious 1, confirmed 0");
      expect(await printed("adverse:reports", { status: "Dismissed" })).to.equal("No adverse event report matches.");
      await refused(
        "adverse:reports",
        { status: "Lost" },
        '--status "Lost" is not one of Open, Overdue, Confirmed, Dismissed',
      );
    });
  });
});
