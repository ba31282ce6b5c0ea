/**
 * Adverse event tasks: hospitals, pharmacies, distributors and makers report a bad outcome against a batch
 * (`adverse:report`, the patient only as a salted hash); a regulator triages each report — dismisses it, or confirms it
 * naming the organisation responsible, optionally recalling the batch (`adverse:triage`); anyone flags a report left
 * untriaged past its window (`adverse:flag-overdue`); `adverse:reports` lists reports and the public counters.
 */
import type { MedAllianceClient } from "../scripts/client/client";
import type { IAdverseEventRegistry } from "../typechain-types";
import { type Common, type Libs, ROLE, MAKERS, cli, fail } from "./serials";

type ReportView = IAdverseEventRegistry.ReportViewStructOutput;

/** The roles that file reports (`report` in IAdverseEventRegistry). */
const REPORTERS = ROLE.HOSPITAL | ROLE.RETAILER | ROLE.DISTRIBUTOR | MAKERS;
const SEVERITIES = ["NonSerious", "Serious", "LifeThreatening", "Fatal"];
const STATUSES = ["Open", "Overdue", "Confirmed", "Dismissed"];
const { n } = cli;

async function libs() {
  const [adverse, orders, gs1, codes, alliance, trace, output, ethers] = await Promise.all([
    import("../scripts/lib/adverse"),
    import("../scripts/lib/orders"),
    import("../scripts/lib/gs1"),
    import("../scripts/client/codes"),
    import("../scripts/lib/alliance"),
    import("../scripts/lib/trace"),
    import("../scripts/client/output"),
    import("ethers"),
  ]);
  return { adverse, orders, gs1, codes, alliance, trace, output, ethers: ethers.ethers };
}
let A: Awaited<ReturnType<typeof libs>>;

/** Runs a body with this file's libraries loaded too. */
function run<T extends Common>(signs: boolean, body: (args: T, client: MedAllianceClient, l: Libs) => Promise<void>) {
  return cli.run<T>(signs, async (args, client, l) => {
    A = await libs();
    await body(args, client, l);
  });
}

/** A severity by name, case and spaces aside ("serious", "life-threatening", "Non serious"). */
function severityArg(text: string | undefined): number {
  const names = SEVERITIES.join(", ");
  if (text === undefined) fail(`--severity is required: ${names}`);
  const wanted = text.replace(/[^a-z]/gi, "").toLowerCase();
  const at = SEVERITIES.findIndex((s) => s.toLowerCase() === wanted);
  if (at < 0) fail(`severity "${text}" is not one of ${names}`);
  return at + 1;
}

function numberArg(text: string | undefined, label: string): bigint {
  if (text === undefined || !/^#?\d{1,18}$/.test(text.trim()))
    fail(`${label} "${text ?? ""}" is not a number (1, 2, …)`);
  return BigInt(text.trim().replace("#", ""));
}

/** "GTIN/lot" of a batch from its commissioning event, or its short id. */
async function batchLabel(client: MedAllianceClient, batchId: string): Promise<string> {
  const ledger = client.ledger;
  const [event] = await ledger.queryFilter(ledger.filters.BatchCommissioned(batchId), client.system.fromBlock);
  if (event === undefined) return A.codes.shortId(batchId);
  return `${A.gs1.formatGtin(event.args.request.gtin)}/${A.ethers.decodeBytes32String(event.args.request.lot)}`;
}

/** A report by number, refused when the registry has none. */
async function reportArg(
  client: MedAllianceClient,
  text: string | undefined,
): Promise<{ id: bigint; view: ReportView }> {
  const id = numberArg(text, "--report");
  const view = await client.adverse.reportOf(id);
  if (Number(view.status) === A.adverse.ReportStatus.None) {
    const count = await client.adverse.reportCount();
    fail(
      count === 0n
        ? `Report ${id} does not exist: no report was filed yet`
        : `Report ${id} does not exist: the registry holds reports 1 to ${count}`,
    );
  }
  return { id, view };
}

function statusName(view: ReportView): string {
  return A.adverse.ReportStatus[Number(view.status)];
}

/** Refuses triage or flagging of a report already triaged (or, for flagging, already flagged). */
function requireUntriaged(id: bigint, view: ReportView, flagging: boolean): void {
  const status = Number(view.status);
  const { Confirmed, Dismissed, Overdue } = A.adverse.ReportStatus;
  if (status === Confirmed || status === Dismissed) {
    fail(`Report ${id} was already ${statusName(view).toLowerCase()} on ${A.codes.formatTime(view.triagedAt)}`);
  }
  if (flagging && status === Overdue) fail(`Report ${id} was already flagged overdue: it is counted once`);
}

// ------------------------------------------------------------------ adverse:report

interface ReportArgs extends Common {
  batch?: string;
  unit?: string;
  severity?: string;
  patient?: string;
  salt?: string;
  description?: string;
  descriptionUri?: string;
  order?: string;
}

cli
  .define("adverse:report", "A hospital, pharmacy, distributor or maker reports an adverse event against a batch", true)
  .addOptionalParam("batch", "The batch: <GTIN>/<lot>, a Digital Link URI or 0x id")
  .addOptionalParam("unit", "The unit's index in the batch (from 0); none when no particular unit is concerned")
  .addOptionalParam("severity", "NonSerious, Serious, LifeThreatening or Fatal (the worst outcome met)")
  .addOptionalParam("patient", "Your own patient identifier (e.g. the record number): only its salted hash is filed")
  .addOptionalParam("salt", "The patient's 32-byte salt (0x…) you keep; default: a new one, printed for your records")
  .addOptionalParam("description", "The case description: a file, a text or a 0x hash (only the hash is filed)")
  .addOptionalParam("descriptionUri", "Where those entitled to it can fetch the description", "")
  .addOptionalParam("order", "The custom device order the report concerns, if any")
  .setAction(
    run<ReportArgs>(true, async (args, client) => {
      const batch = await cli.batch(client, args.batch);
      const severity = severityArg(args.severity);
      if (args.patient === undefined || args.patient.trim() === "") {
        fail("--patient is required: your own patient identifier (only its salted hash is filed)");
      }
      if (args.salt !== undefined && !/^0x[0-9a-fA-F]{64}$/.test(args.salt)) {
        fail(`--salt "${args.salt}" is not 32 bytes (0x and 64 hex digits)`);
      }
      const salt = args.salt ?? A.adverse.newPatientSalt();
      const patientRef = A.adverse.patientRef(salt, args.patient.trim());
      const descriptionHash = cli.document(args.description, "--description");
      let unitIndex = A.adverse.NO_UNIT;
      if (args.unit !== undefined) {
        if (!/^\d{1,15}$/.test(args.unit.trim())) fail(`--unit "${args.unit}" is not a unit index (0, 1, …)`);
        unitIndex = BigInt(args.unit.trim());
        if (unitIndex >= batch.view.commissioned) {
          fail(
            `unit ${unitIndex} is not a unit of batch ${cli.batchName(batch)}: its units are 0 to ${n(batch.view.commissioned - 1n)}`,
          );
        }
      }
      const org = await cli.acting(client, REPORTERS, "file adverse event reports");
      const careOrTrade = ROLE.HOSPITAL | ROLE.RETAILER | ROLE.DISTRIBUTOR;
      if ((org.mask & careOrTrade) === 0 && BigInt(batch.view.makerOrgId) !== org.id) {
        fail(
          `${org.name} reports only against its own batches as a maker: batch ${cli.batchName(batch)} was made by ${cli.orgName(client, batch.view.makerOrgId)}`,
        );
      }
      let orderId = A.adverse.NO_ORDER;
      if (args.order !== undefined) {
        orderId = numberArg(args.order, "--order");
        const order = await client.orders.orderOf(orderId);
        const status = Number(order.status);
        const { None, Produced, Approved, Installed } = A.orders.OrderStatus;
        if (status === None) fail(`Order ${orderId} does not exist`);
        if (![Produced, Approved, Installed].includes(status)) {
          fail(
            `Order ${orderId} is ${A.orders.OrderStatus[status]}: only an order whose device was produced (Produced, Approved or Installed) can be named`,
          );
        }
        if (order.batchId.toLowerCase() !== batch.batchId) {
          fail(
            `Order ${orderId}'s device is of batch ${await batchLabel(client, order.batchId)}, not ${cli.batchName(batch)}`,
          );
        }
        if (unitIndex !== A.adverse.NO_UNIT && unitIndex !== order.unitIndex) {
          fail(`Order ${orderId}'s device is unit ${order.unitIndex} of the batch, not unit ${unitIndex}`);
        }
      }
      const request = A.adverse.reportRequest({
        batchId: batch.batchId,
        severity,
        descriptionHash,
        descriptionURI: args.descriptionUri ?? "",
        patientRef,
        unitIndex,
        orderId,
      });
      const receipt = await client.send(`file the report against batch ${cli.batchName(batch)}`, () =>
        client.adverse.report(request),
      );
      const reportId = cli.events(receipt, client.adverse, "AdverseEventReported")[0].args.reportId as bigint;
      const view = await client.adverse.reportOf(reportId);
      const linked = cli.events(receipt, client.adverse, "AdverseReportLinkedToOrder")[0];
      const unitConcerned = linked === undefined ? unitIndex : (linked.args.unitIndex as bigint);
      const lines = [
        `Report ${reportId} filed by ${org.name} against batch ${cli.batchName(batch)}` +
          `${unitConcerned === A.adverse.NO_UNIT ? "" : ` (unit ${unitConcerned})`}` +
          `${orderId === 0n ? "" : ` for order ${orderId}`}: ${SEVERITIES[severity - 1]}.`,
        `A regulator triages it by ${A.codes.formatTime(view.triageDeadline)}; after that it counts as overdue.`,
      ];
      if (args.salt === undefined) {
        lines.push(
          `Keep this patient salt with the patient's record, never publish it: ${salt}`,
          `With it you can show a regulator which patient report ${reportId} concerns; destroying it erases the link for good.`,
        );
      }
      lines.push(`Transaction ${receipt.hash}.`);
      cli.show(
        args,
        {
          transaction: receipt.hash,
          reportId: Number(reportId),
          batchId: batch.batchId,
          unitIndex: unitConcerned === A.adverse.NO_UNIT ? null : Number(unitConcerned),
          orderId: orderId === 0n ? null : Number(orderId),
          severity: SEVERITIES[severity - 1],
          reporterOrgId: Number(org.id),
          patientRef,
          salt,
          descriptionHash,
          triageDeadline: Number(view.triageDeadline),
        },
        lines,
      );
    }),
  );

// ------------------------------------------------------------------ adverse:triage

interface TriageArgs extends Common {
  report?: string;
  decision?: string;
  responsible?: string;
  recallClass?: string;
  reason?: string;
}

cli
  .define(
    "adverse:triage",
    "A regulator dismisses a report, or confirms it naming who is responsible (and recalls)",
    true,
  )
  .addOptionalParam("report", "The report's number")
  .addOptionalParam("decision", "dismiss or confirm")
  .addOptionalParam("responsible", "With confirm: the organisation responsible (id or name; any registered)")
  .addOptionalParam("recallClass", "With confirm: recall the batch too, class 1 (most serious) to 3")
  .addOptionalParam("reason", "The written reasons: a file, a text or a 0x hash")
  .setAction(
    run<TriageArgs>(true, async (args, client) => {
      const decision = args.decision?.trim().toLowerCase();
      if (decision !== "dismiss" && decision !== "confirm") {
        fail(`--decision "${args.decision ?? ""}" is not dismiss or confirm`);
      }
      const { id, view } = await reportArg(client, args.report);
      const reasonHash = cli.document(args.reason, "--reason");
      if (decision === "dismiss" && (args.responsible !== undefined || args.recallClass !== undefined)) {
        fail("--responsible and --recall-class go with --decision confirm");
      }
      let responsible: Awaited<ReturnType<MedAllianceClient["resolveOrg"]>> | undefined;
      let recallClass = 0;
      if (decision === "confirm") {
        if (args.responsible === undefined) fail("--responsible is required to confirm: the organisation responsible");
        responsible = await client.resolveOrg(args.responsible, "--responsible");
        if (args.recallClass !== undefined) {
          if (!/^[123]$/.test(args.recallClass.trim())) fail(`--recall-class "${args.recallClass}" is not 1, 2 or 3`);
          recallClass = Number(args.recallClass);
        }
      }
      await cli.requireRegulator(client, "triage adverse event reports");
      requireUntriaged(id, view, false);
      const batch = await batchLabel(client, view.batchId);
      if (recallClass > 0) {
        const status = Number(await client.ledger.batchStatus(view.batchId));
        if (status === A.trace.BatchStatus.Recalled) {
          fail(`Batch ${batch} is already recalled: confirm report ${id} without --recall-class`);
        }
        if (!(await client.ledger.isModule(await client.adverse.getAddress()))) {
          fail("The adverse event registry is not a ledger module: it cannot recall; confirm without --recall-class");
        }
      }
      const late = BigInt(await client.now()) >= view.triageDeadline;
      const receipt =
        decision === "dismiss"
          ? await client.send(`dismiss report ${id}`, () => client.adverse.dismiss(id, reasonHash))
          : recallClass === 0
            ? await client.send(`confirm report ${id}`, () => client.adverse.confirm(id, responsible!.id, reasonHash))
            : await client.send(`confirm report ${id} and recall batch ${batch}`, () =>
                client.adverse.confirmWithRecall(id, responsible!.id, recallClass, reasonHash),
              );
      const eventName = decision === "dismiss" ? "AdverseReportDismissed" : "AdverseReportConfirmed";
      const wasLate = Boolean(cli.events(receipt, client.adverse, eventName)[0]?.args.late ?? late);
      const lines =
        decision === "dismiss"
          ? [`Report ${id} against batch ${batch} dismissed.`]
          : [
              `Report ${id} against batch ${batch} confirmed: ${responsible!.name} is responsible.`,
              ...(recallClass > 0
                ? [`Batch ${batch} is recalled (class ${recallClass}) in the same transaction.`]
                : []),
            ];
      if (wasLate) lines.push(`Triaged late: the deadline was ${A.codes.formatTime(view.triageDeadline)}.`);
      lines.push(`Transaction ${receipt.hash}.`);
      cli.show(
        args,
        {
          transaction: receipt.hash,
          reportId: Number(id),
          decision,
          status: decision === "dismiss" ? "Dismissed" : "Confirmed",
          responsibleOrgId: responsible === undefined ? null : Number(responsible.id),
          recallClass: recallClass === 0 ? null : recallClass,
          late: wasLate,
          reasonHash,
        },
        lines,
      );
    }),
  );

// ------------------------------------------------------------------ adverse:flag-overdue

interface FlagArgs extends Common {
  report?: string;
}

cli
  .define("adverse:flag-overdue", "Anyone flags a report left untriaged past its window: it counts publicly", true)
  .addOptionalParam("report", "The report's number")
  .setAction(
    run<FlagArgs>(true, async (args, client) => {
      const { id, view } = await reportArg(client, args.report);
      requireUntriaged(id, view, true);
      const now = BigInt(await client.now());
      if (now < view.triageDeadline) {
        fail(
          `Report ${id} is within its triage window until ${A.codes.formatTime(view.triageDeadline)}: it can be flagged after that`,
        );
      }
      const receipt = await client.send(`flag report ${id} overdue`, () => client.adverse.flagOverdue(id));
      const maker = await client.adverse.makerCounters(view.makerOrgId);
      const makerName = cli.orgName(client, view.makerOrgId);
      cli.show(
        args,
        {
          transaction: receipt.hash,
          reportId: Number(id),
          status: "Overdue",
          triageDeadline: Number(view.triageDeadline),
          makerOrgId: Number(view.makerOrgId),
          makerOverdue: Number(maker.overdue),
          makerOpenOverdue: Number(maker.openOverdue),
        },
        [
          `Report ${id} flagged overdue: its triage deadline ${A.codes.formatTime(view.triageDeadline)} has passed.`,
          `Reports against ${makerName}'s batches not triaged in time: ${n(maker.overdue)} (${n(maker.openOverdue)} still open).`,
          `Transaction ${receipt.hash}.`,
        ],
      );
    }),
  );

// ------------------------------------------------------------------ adverse:reports

interface ListArgs extends Common {
  batch?: string;
  maker?: string;
  reporter?: string;
  status?: string;
}

cli
  .define(
    "adverse:reports",
    "Lists adverse event reports by batch, maker, reporter or status, with the counters",
    false,
  )
  .addOptionalParam("batch", "Only reports against this batch")
  .addOptionalParam("maker", "Only reports against batches this organisation made (and its counters)")
  .addOptionalParam("reporter", "Only reports this organisation filed")
  .addOptionalParam(
    "status",
    "Only reports in this status: Open, Overdue (flagged or past the deadline), Confirmed, Dismissed",
  )
  .setAction(
    run<ListArgs>(false, async (args, client) => {
      const batch = args.batch === undefined ? undefined : await cli.batch(client, args.batch);
      const maker = args.maker === undefined ? undefined : await client.resolveOrg(args.maker, "--maker");
      const reporter = args.reporter === undefined ? undefined : await client.resolveOrg(args.reporter, "--reporter");
      const status =
        args.status === undefined
          ? undefined
          : STATUSES.find((s) => s.toLowerCase() === args.status!.trim().toLowerCase());
      if (args.status !== undefined && status === undefined) {
        fail(`--status "${args.status}" is not one of ${STATUSES.join(", ")}`);
      }
      const adverse = client.adverse;
      const events = await adverse.queryFilter(
        adverse.filters.AdverseEventReported(undefined, batch?.batchId, reporter?.id),
        client.system.fromBlock,
      );
      const linked = new Map<bigint, bigint>();
      for (const link of await adverse.queryFilter(
        adverse.filters.AdverseReportLinkedToOrder(),
        client.system.fromBlock,
      )) {
        linked.set(link.args.reportId, link.args.unitIndex);
      }
      const reports = [];
      for (const event of events) {
        if (maker !== undefined && BigInt(event.args.makerOrgId) !== maker.id) continue;
        const view = await adverse.reportOf(event.args.reportId);
        const current = statusName(view);
        if (
          status === "Overdue" ? !view.overdue && current !== "Overdue" : status !== undefined && current !== status
        ) {
          continue;
        }
        const unit = linked.get(event.args.reportId) ?? event.args.request.unitIndex;
        reports.push({
          reportId: Number(event.args.reportId),
          batchId: view.batchId,
          batch: await batchLabel(client, view.batchId),
          unitIndex: unit === A.adverse.NO_UNIT ? null : Number(unit),
          orderId: event.args.request.orderId === 0n ? null : Number(event.args.request.orderId),
          severity: SEVERITIES[Number(view.severity) - 1],
          status: current,
          overdue: view.overdue,
          reporterOrgId: Number(view.reporterOrgId),
          makerOrgId: Number(view.makerOrgId),
          responsibleOrgId: Number(view.responsibleOrgId) === 0 ? null : Number(view.responsibleOrgId),
          recallClass: Number(view.recallClass) === 0 ? null : Number(view.recallClass),
          filedAt: Number(view.filedAt),
          triageDeadline: Number(view.triageDeadline),
          triagedAt: Number(view.triagedAt) === 0 ? null : Number(view.triagedAt),
        });
      }
      const counters = maker === undefined ? undefined : A.adverse.countersRow(await adverse.makerCounters(maker.id));
      if (args.json) {
        A.output.printJson({ reports, ...(counters === undefined ? {} : { makerCounters: counters }) });
        return;
      }
      A.output.printTable(
        reports.map((r) => ({
          report: r.reportId,
          batch: r.batch,
          unit: r.unitIndex ?? undefined,
          severity: r.severity,
          status: r.overdue && r.status === "Open" ? "Open (overdue)" : r.status,
          reporter: cli.orgName(client, r.reporterOrgId),
          filed: A.codes.formatTime(r.filedAt),
          deadline: A.codes.formatTime(r.triageDeadline),
          responsible: r.responsibleOrgId === null ? undefined : cli.orgName(client, r.responsibleOrgId),
        })),
        "No adverse event report matches.",
      );
      if (counters !== undefined) {
        console.log(
          `\nReports against ${maker!.name}'s batches: ${Object.entries(counters)
            .map(([k, v]) => `${k} ${n(v)}`)
            .join(", ")}.`,
        );
      }
    }),
  );
