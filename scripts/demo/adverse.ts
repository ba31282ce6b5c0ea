/**
 * Demo chapter: an adverse event. A ward nurse at the hospital reports a skin rash caused by masks of a batch; a
 * regulator confirms it, names the maker responsible and recalls the batch through the ledger in the same
 * transaction; anyone reads the public counters. Optionally, the hospital then reports a complication of a custom
 * implant, naming its device order: the registry checks the order with the order book.
 */
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { DeviceOrderBook__factory } from "../../typechain-types";
import type { AdverseEventRegistry, AllianceRegistry, BatchLedger } from "../../typechain-types";
import { AccountKind, documentHash } from "../lib/alliance";
import { ReportStatus, Severity, countersRow, fileReport, reportRequest, saltedPatientRef } from "../lib/adverse";
import { formatGtin } from "../lib/gs1";
import { OrderStatus } from "../lib/orders";
import { BatchStatus } from "../lib/trace";

export interface AdverseChapter {
  contracts: {
    registry: AllianceRegistry;
    ledger: BatchLedger;
    /** Deployed and registered as a ledger module (scripts/lib/adverse.ts `deployAdverse`). */
    adverse: AdverseEventRegistry;
  };
  signers: {
    /** The admin of the hospital (Active as HOSPITAL). */
    hospitalAdmin: HardhatEthersSigner;
    /** The ward nurse: joins the hospital as an operator here unless she already belongs to it. */
    nurse: HardhatEthersSigner;
    /** The regulator who triages the report. */
    regulator: HardhatEthersSigner;
  };
  /** The mask batch the nurse's patient wore (any status; if already recalled, the regulator confirms without one). */
  batchId: string;
  /**
   * Optional: a custom device order of the registry's order book whose device was produced (Produced, Approved or,
   * typically, Installed — e.g. the knee of the custom implant chapter). The chapter then ends with the hospital's
   * report of a complication of that implant, naming the order.
   */
  implantOrderId?: bigint;
  /** Organisation names for the story (the registry keeps names in events only). */
  names?: ReadonlyMap<bigint, string>;
  say: (text: string) => void;
}

/** Runs the chapter; returns the report's id. */
export async function adverseEventChapter({
  contracts,
  signers,
  batchId,
  implantOrderId,
  names,
  say,
}: AdverseChapter): Promise<bigint> {
  const { registry, ledger, adverse } = contracts;
  const { hospitalAdmin, nurse, regulator } = signers;
  const name = (orgId: bigint) => names?.get(orgId) ?? `organisation #${orgId}`;
  const status = async () => BatchStatus[Number(await ledger.batchStatus(batchId))];

  const [hospitalOrgId] = await registry.membershipOf(hospitalAdmin.address);
  const [nurseOrgId] = await registry.membershipOf(nurse.address);
  if (nurseOrgId === 0n) {
    await (await registry.connect(hospitalAdmin).inviteAccount(nurse.address, AccountKind.Operator)).wait();
    await (await registry.connect(nurse).acceptInvitation(hospitalOrgId)).wait();
    say(`${name(hospitalOrgId)} brings a ward nurse on board as an operator (she accepts the invitation).`);
  } else if (nurseOrgId !== hospitalOrgId) {
    throw new Error("the nurse belongs to another organisation");
  }

  const batch = await ledger.batch(batchId);
  const days = Number(await adverse.triageWindow()) / 86_400;
  say(`A patient on ward 4 develops a rash where the ear loops of a surgical mask touched the skin`);
  say(`(GTIN ${formatGtin(batch.gtin)}, made by ${name(batch.makerOrgId)}); it needs treatment and an extra night.`);

  // The hospital keeps the salt with the patient's record; only the salted hash goes on chain.
  const { patientRef } = saltedPatientRef("MRN-2611-0417");
  const reportId = await fileReport(
    adverse,
    nurse,
    reportRequest({
      batchId,
      severity: Severity.Serious,
      descriptionHash: documentHash("contact dermatitis, ear-loop area, 6 h of wear; hospitalisation prolonged 1 day"),
      descriptionURI: "https://pv.city-general.example/cases/2611-0417",
      patientRef,
    }),
  );
  say(`The nurse files report #${reportId}: severity Serious (it prolonged a hospital stay), the case notes' hash`);
  say("and link, and the patient only as a salted hash: the salt stays in the hospital's records, and destroying");
  say(`it erases the link for good. The batch is ${await status()}; a regulator has ${days} days to triage.`);

  const reasons = documentHash("ear-loop adhesive contains a sensitiser outside the specification; class 2 recall");
  if ((await ledger.batchStatus(batchId)) === BigInt(BatchStatus.Recalled)) {
    await (await adverse.connect(regulator).confirm(reportId, batch.makerOrgId, reasons)).wait();
    say(`The regulator confirms it and names ${name(batch.makerOrgId)} responsible; the batch was already recalled.`);
  } else {
    await (await adverse.connect(regulator).confirmWithRecall(reportId, batch.makerOrgId, 2, reasons)).wait();
    say(`The regulator confirms it, names ${name(batch.makerOrgId)} responsible and, in the same transaction,`);
    say(`orders a class 2 recall through the ledger: the batch is now ${await status()}.`);
    const [head, count] = await ledger.historyOf(batchId);
    say(`  Its history's record ${count.toLocaleString("en-US")} (head ${head.slice(0, 10)}…) names the regulator as`);
    say("  the recall's actor, not the registry that relayed it.");
  }
  const report = await adverse.reportOf(reportId);
  const inTime = report.triagedAt <= report.triageDeadline;
  say(
    `Report #${reportId} is ${ReportStatus[Number(report.status)]}, triaged ${inTime ? "within" : "after"} its window.`,
  );

  say("Anyone can read the public counters and compute trends from the chain:");
  console.table({
    [`GTIN ${formatGtin(batch.gtin)}`]: countersRow(await adverse.productCounters(batch.gtin)),
    [`${name(batch.makerOrgId)} as maker`]: countersRow(await adverse.makerCounters(batch.makerOrgId)),
  });
  const responsible = await adverse.responsibleCounters(batch.makerOrgId);
  say(
    `${name(batch.makerOrgId)} as the responsible organisation: ${responsible.confirmed.toLocaleString("en-US")} ` +
      `confirmed, ${responsible.recalls.toLocaleString("en-US")} recall(s).`,
  );
  if (implantOrderId !== undefined) await implantReport(adverse, hospitalAdmin, implantOrderId, name, say);
  return reportId;
}

/** The hospital reports a complication of a custom implant, naming its device order. */
async function implantReport(
  adverse: AdverseEventRegistry,
  reporter: HardhatEthersSigner,
  orderId: bigint,
  name: (orgId: bigint) => string,
  say: (text: string) => void,
): Promise<void> {
  const book = DeviceOrderBook__factory.connect(await adverse.orderBook(), reporter);
  const order = await book.orderOf(orderId);
  say(`Fourteen months after surgery, the patient with the custom implant of order #${orderId} (made by`);
  say(`${name(order.manufacturerOrgId)}, GTIN ${formatGtin(order.gtin)}) returns with pain: the femoral component has`);
  say("loosened and must be replaced in a revision operation.");
  const { patientRef } = saltedPatientRef("MRN-2611-0733");
  const reportId = await fileReport(
    adverse,
    reporter,
    reportRequest({
      batchId: order.batchId,
      orderId,
      severity: Severity.Serious,
      descriptionHash: documentHash("aseptic loosening of the femoral component at 14 months; revision surgery"),
      descriptionURI: "https://pv.city-general.example/cases/2611-0733",
      patientRef,
    }),
  );
  say(`${name(order.hospitalOrgId)} files report #${reportId} naming order #${orderId} and no unit. The registry asks`);
  say(`the order book: the order exists, its device was made (the order is ${OrderStatus[Number(order.status)]}) and`);
  say(`belongs to the batch reported against, so the report concerns the order's own unit, #${order.unitIndex}.`);
  const count = await adverse.reportsOfOrder(orderId);
  say(
    `Reports naming order #${orderId} so far: ${count.toLocaleString("en-US")}. A regulator triages it as any other.`,
  );
}
