/**
 * Adverse event tasks: hospitals, pharmacies, distributors and makers report a bad outcome against a batch
 * (`adverse:report`, the patient only as a salted hash); a regulator triages each report — dismisses it, or confirms it
 * naming the organisation responsible, optionally recalling the batch (`adverse:triage`); anyone flags a report left
 * untriaged past its window (`adverse:flag-overdue`); `adverse:reports` lists reports and the public counters.
 */
import type { MedAllianceClient, Organisation, ResolvedBatch } from "../scripts/client/client";
import { formatTime, parseBytes32, parseDocument, parseId, required, shortId } from "../scripts/client/codes";
import { enumName } from "../scripts/client/errors";
import { InputError } from "../scripts/client/failures";
import { printJson, printTable } from "../scripts/client/output";
import { memberTask, readTask, run, type SendArgs } from "../scripts/client/task";
import { BusinessRole, roleMask } from "../scripts/lib/alliance";
import { formatGtin } from "../scripts/lib/gs1";
import type { IAdverseEventRegistry } from "../typechain-types";

type ReportView = IAdverseEventRegistry.ReportViewStructOutput;

/** The adverse event library (it loads the contracts' bindings, so it is imported inside the actions). */
let A: typeof import("../scripts/lib/adverse");
async function loadAdverse(): Promise<void> {
  A = await import("../scripts/lib/adverse");
}

const { Supplier, Manufacturer, Distributor, Hospital, Retailer } = BusinessRole;
/** The roles that file reports (`report` in IAdverseEventRegistry); all but makers report on any batch. */
const REPORTERS = roleMask(Supplier, Manufacturer, Distributor, Hospital, Retailer);
const CARE_OR_TRADE = roleMask(Distributor, Hospital, Retailer);
const WHERE = "on adverse event reports";
const SEVERITIES = [1, 2, 3, 4].map((value) => enumName("Severity", value));
const STATUSES = [1, 2, 3, 4].map((value) => enumName("ReportStatus", value));
const n = (value: bigint | number) => BigInt(value).toLocaleString("en-US");
const nameOf = (client: MedAllianceClient, id: bigint | number | string) =>
  client.orgName(BigInt(id)) ?? `organisation ${id}`;
const batchName = (batch: ResolvedBatch) =>
  batch.lot === "" ? shortId(batch.batchId) : `${formatGtin(batch.gtin)}/${batch.lot}`;
const show = (args: SendArgs, document: object, lines: string[]) =>
  args.json ? printJson(document) : console.log(lines.join("\n"));

/** A severity by name, case and spaces aside ("serious", "life-threatening", "Non serious"). */
function severityArg(text: string | undefined): number {
  const names = SEVERITIES.join(", ");
  const wanted = required(text, `--severity (${names})`)
    .replace(/[^a-z]/gi, "")
    .toLowerCase();
  const at = SEVERITIES.findIndex((s) => s.toLowerCase() === wanted);
  if (at < 0) throw new InputError(`severity "${text}" is not one of ${names}`);
  return at + 1;
}

/** "GTIN/lot" of a batch id (its short id when the lot cannot be read). */
async function batchLabel(client: MedAllianceClient, batchId: string): Promise<string> {
  return batchName(await client.resolveBatch(batchId));
}

/** A report by number, refused when the registry has none. */
async function reportArg(
  client: MedAllianceClient,
  text: string | undefined,
): Promise<{ id: bigint; view: ReportView }> {
  const id = parseId(text, "report");
  const view = await client.adverse.reportOf(id);
  if (view.status !== 0n) return { id, view };
  const count = await client.adverse.reportCount();
  const held = count === 0n ? "no report was filed yet" : `the registry holds reports 1 to ${count}`;
  throw new InputError(`Report ${id} does not exist: ${held}`);
}

function statusName(view: ReportView): string {
  return enumName("ReportStatus", view.status);
}

/** Refuses triage or flagging of a report already triaged (or, for flagging, already flagged). */
function requireUntriaged(id: bigint, view: ReportView, flagging: boolean): void {
  const status = statusName(view);
  if (status === "Confirmed" || status === "Dismissed") {
    throw new InputError(`Report ${id} was already ${status.toLowerCase()} on ${formatTime(view.triagedAt)}`);
  }
  if (flagging && status === "Overdue")
    throw new InputError(`Report ${id} was already flagged overdue: it is counted once`);
}

// ------------------------------------------------------------------ adverse:report

interface ReportArgs extends SendArgs {
  batch?: string;
  unit?: string;
  severity?: string;
  patient?: string;
  salt?: string;
  description?: string;
  descriptionUri?: string;
  order?: string;
}

memberTask("adverse:report", "A hospital, pharmacy, distributor or maker reports an adverse event against a batch")
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
      await loadAdverse();
      const batch = await client.resolveBatch(required(args.batch, "--batch"));
      const severity = severityArg(args.severity);
      if (args.patient === undefined || args.patient.trim() === "") {
        throw new InputError("--patient is required: your own patient identifier (only its salted hash is filed)");
      }
      const salt = args.salt === undefined ? A.newPatientSalt() : parseBytes32(args.salt, "--salt");
      const patientRef = A.patientRef(salt, args.patient.trim());
      const descriptionHash = parseDocument(args.description, "--description");
      let unitIndex = A.NO_UNIT;
      if (args.unit !== undefined) {
        if (!/^\d{1,15}$/.test(args.unit.trim()))
          throw new InputError(`--unit "${args.unit}" is not a unit index (0, 1, …)`);
        unitIndex = BigInt(args.unit.trim());
        if (unitIndex >= batch.view.commissioned) {
          throw new InputError(
            `unit ${unitIndex} is not a unit of batch ${batchName(batch)}: its units are 0 to ${n(batch.view.commissioned - 1n)}`,
          );
        }
      }
      const org = await client.actingOrg(REPORTERS, WHERE);
      const [, roles] = await client.registry.standing(org.id);
      if ((Number(roles) & CARE_OR_TRADE) === 0 && BigInt(batch.view.makerOrgId) !== org.id) {
        throw new InputError(
          `${org.name} reports only against its own batches as a maker: batch ${batchName(batch)} was made by ${nameOf(client, batch.view.makerOrgId)}`,
        );
      }
      let orderId = A.NO_ORDER;
      if (args.order !== undefined) {
        orderId = parseId(args.order, "order");
        const order = await client.orders.orderOf(orderId);
        const status = enumName("OrderStatus", order.status);
        if (status === "None") throw new InputError(`Order ${orderId} does not exist`);
        if (!["Produced", "Approved", "Installed"].includes(status)) {
          throw new InputError(
            `Order ${orderId} is ${status}: only an order whose device was produced (Produced, Approved or Installed) can be named`,
          );
        }
        if (order.batchId.toLowerCase() !== batch.batchId) {
          throw new InputError(
            `Order ${orderId}'s device is of batch ${await batchLabel(client, order.batchId)}, not ${batchName(batch)}`,
          );
        }
        if (unitIndex !== A.NO_UNIT && unitIndex !== order.unitIndex) {
          throw new InputError(
            `Order ${orderId}'s device is unit ${order.unitIndex} of the batch, not unit ${unitIndex}`,
          );
        }
      }
      const request = A.reportRequest({
        batchId: batch.batchId,
        severity,
        descriptionHash,
        descriptionURI: args.descriptionUri ?? "",
        patientRef,
        unitIndex,
        orderId,
      });
      const receipt = await client.send(`file the report against batch ${batchName(batch)}`, () =>
        client.adverse.report(request),
      );
      const adverse = client.adverse;
      const [filed] = await adverse.queryFilter(adverse.filters.AdverseEventReported(), receipt.blockNumber);
      const reportId = filed.args.reportId;
      const view = await adverse.reportOf(reportId);
      const [linked] = await adverse.queryFilter(
        adverse.filters.AdverseReportLinkedToOrder(reportId),
        receipt.blockNumber,
      );
      const unitConcerned = linked === undefined ? unitIndex : linked.args.unitIndex;
      const lines = [
        `Report ${reportId} filed by ${org.name} against batch ${batchName(batch)}` +
          `${unitConcerned === A.NO_UNIT ? "" : ` (unit ${unitConcerned})`}` +
          `${orderId === 0n ? "" : ` for order ${orderId}`}: ${SEVERITIES[severity - 1]}.`,
        `A regulator triages it by ${formatTime(view.triageDeadline)}; after that it counts as overdue.`,
      ];
      if (args.salt === undefined) {
        lines.push(
          `Keep this patient salt with the patient's record, never publish it: ${salt}`,
          `With it you can show a regulator which patient report ${reportId} concerns; destroying it erases the link for good.`,
        );
      }
      lines.push(`Transaction ${receipt.hash}.`);
      show(
        args,
        {
          transaction: receipt.hash,
          reportId: Number(reportId),
          batchId: batch.batchId,
          unitIndex: unitConcerned === A.NO_UNIT ? null : Number(unitConcerned),
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

interface TriageArgs extends SendArgs {
  report?: string;
  decision?: string;
  responsible?: string;
  recallClass?: string;
  reason?: string;
}

memberTask("adverse:triage", "A regulator dismisses a report, or confirms it naming who is responsible (and recalls)")
  .addOptionalParam("report", "The report's number")
  .addOptionalParam("decision", "dismiss or confirm")
  .addOptionalParam("responsible", "With confirm: the organisation responsible (id or name; any registered)")
  .addOptionalParam("recallClass", "With confirm: recall the batch too, class 1 (most serious) to 3")
  .addOptionalParam("reason", "The written reasons: a file, a text or a 0x hash")
  .setAction(
    run<TriageArgs>(true, async (args, client) => {
      const decision = args.decision?.trim().toLowerCase();
      if (decision !== "dismiss" && decision !== "confirm") {
        throw new InputError(`--decision "${args.decision ?? ""}" is not dismiss or confirm`);
      }
      const { id, view } = await reportArg(client, args.report);
      const reasonHash = parseDocument(args.reason, "--reason");
      if (decision === "dismiss" && (args.responsible !== undefined || args.recallClass !== undefined)) {
        throw new InputError("--responsible and --recall-class go with --decision confirm");
      }
      let responsible: Organisation | undefined;
      let recallClass = 0;
      if (decision === "confirm") {
        if (args.responsible === undefined)
          throw new InputError("--responsible is required to confirm: the organisation responsible");
        responsible = await client.resolveOrg(args.responsible, "--responsible");
        if (args.recallClass !== undefined) {
          if (!/^[123]$/.test(args.recallClass.trim()))
            throw new InputError(`--recall-class "${args.recallClass}" is not 1, 2 or 3`);
          recallClass = Number(args.recallClass);
        }
      }
      await client.requireRegulator("triage adverse event reports");
      requireUntriaged(id, view, false);
      const batch = await batchLabel(client, view.batchId);
      if (recallClass > 0) {
        if (enumName("BatchStatus", await client.ledger.batchStatus(view.batchId)) === "Recalled") {
          throw new InputError(`Batch ${batch} is already recalled: confirm report ${id} without --recall-class`);
        }
        if (!(await client.ledger.isModule(await client.adverse.getAddress()))) {
          throw new InputError(
            "The adverse event registry is not a ledger module: it cannot recall; confirm without --recall-class",
          );
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
      const adverse = client.adverse;
      const [ruled] =
        decision === "dismiss"
          ? await adverse.queryFilter(adverse.filters.AdverseReportDismissed(id), receipt.blockNumber)
          : await adverse.queryFilter(adverse.filters.AdverseReportConfirmed(id), receipt.blockNumber);
      const wasLate = Boolean(ruled?.args.late ?? late);
      const lines =
        decision === "dismiss"
          ? [`Report ${id} against batch ${batch} dismissed.`]
          : [
              `Report ${id} against batch ${batch} confirmed: ${responsible!.name} is responsible.`,
              ...(recallClass > 0
                ? [`Batch ${batch} is recalled (class ${recallClass}) in the same transaction.`]
                : []),
            ];
      if (wasLate) lines.push(`Triaged late: the deadline was ${formatTime(view.triageDeadline)}.`);
      lines.push(`Transaction ${receipt.hash}.`);
      show(
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

interface FlagArgs extends SendArgs {
  report?: string;
}

memberTask("adverse:flag-overdue", "Anyone flags a report left untriaged past its window: it counts publicly")
  .addOptionalParam("report", "The report's number")
  .setAction(
    run<FlagArgs>(true, async (args, client) => {
      const { id, view } = await reportArg(client, args.report);
      requireUntriaged(id, view, true);
      const now = BigInt(await client.now());
      if (now < view.triageDeadline) {
        throw new InputError(
          `Report ${id} is within its triage window until ${formatTime(view.triageDeadline)}: it can be flagged after that`,
        );
      }
      const receipt = await client.send(`flag report ${id} overdue`, () => client.adverse.flagOverdue(id));
      const maker = await client.adverse.makerCounters(view.makerOrgId);
      const makerName = nameOf(client, view.makerOrgId);
      show(
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
          `Report ${id} flagged overdue: its triage deadline ${formatTime(view.triageDeadline)} has passed.`,
          `Reports against ${makerName}'s batches not triaged in time: ${n(maker.overdue)} (${n(maker.openOverdue)} still open).`,
          `Transaction ${receipt.hash}.`,
        ],
      );
    }),
  );

// ------------------------------------------------------------------ adverse:reports

interface ListArgs extends SendArgs {
  batch?: string;
  maker?: string;
  reporter?: string;
  status?: string;
}

readTask("adverse:reports", "Lists adverse event reports by batch, maker, reporter or status, with the counters")
  .addOptionalParam("batch", "Only reports against this batch")
  .addOptionalParam("maker", "Only reports against batches this organisation made (and its counters)")
  .addOptionalParam("reporter", "Only reports this organisation filed")
  .addOptionalParam(
    "status",
    "Only reports in this status: Open, Overdue (flagged or past the deadline), Confirmed, Dismissed",
  )
  .setAction(
    run<ListArgs>(false, async (args, client) => {
      await loadAdverse();
      const batch = args.batch === undefined ? undefined : await client.resolveBatch(args.batch);
      const maker = args.maker === undefined ? undefined : await client.resolveOrg(args.maker, "--maker");
      const reporter = args.reporter === undefined ? undefined : await client.resolveOrg(args.reporter, "--reporter");
      const status =
        args.status === undefined
          ? undefined
          : STATUSES.find((s) => s.toLowerCase() === args.status!.trim().toLowerCase());
      if (args.status !== undefined && status === undefined) {
        throw new InputError(`--status "${args.status}" is not one of ${STATUSES.join(", ")}`);
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
          unitIndex: unit === A.NO_UNIT ? null : Number(unit),
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
      const counters = maker === undefined ? undefined : A.countersRow(await adverse.makerCounters(maker.id));
      if (args.json) {
        printJson({ reports, ...(counters === undefined ? {} : { makerCounters: counters }) });
        return;
      }
      printTable(
        reports.map((r) => ({
          report: r.reportId,
          batch: r.batch,
          unit: r.unitIndex ?? undefined,
          severity: r.severity,
          status: r.overdue && r.status === "Open" ? "Open (overdue)" : r.status,
          reporter: nameOf(client, r.reporterOrgId),
          filed: formatTime(r.filedAt),
          deadline: formatTime(r.triageDeadline),
          responsible: r.responsibleOrgId === null ? undefined : nameOf(client, r.responsibleOrgId),
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
