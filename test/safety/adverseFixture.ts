/**
 * Fixtures and oracles of the adverse event suites, built on the device order book's `ordersFixture` (itself built on
 * `custodyFixture`), so that reports can name custom device orders.
 *
 * The expected counters and report views are written from the NatSpec of IAdverseEventRegistry.sol, not read back from
 * the contract: each test states the whole counter set it expects after a step.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import type { AdverseEventRegistry } from "../../typechain-types";
import type { IAdverseEventRegistry } from "../../typechain-types/contracts/safety/AdverseEventRegistry";
import { BusinessRole, documentHash, roleMask } from "../../scripts/lib/alliance";
import {
  DEFAULT_TRIAGE_WINDOW,
  NO_ORDER,
  NO_UNIT,
  ReportStatus,
  Severity,
  deployAdverse,
  patientRef,
  type ReportRequest,
} from "../../scripts/lib/adverse";
import { commission } from "../../scripts/lib/trace";
import { GLOVE, batchRequest, timestampOf } from "../helpers/traceFixture";
import { PATIENT as KNEE_PATIENT, type OrdersFixture, installedFixture, ordersFixture } from "../orders/ordersFixture";

// ------------------------------------------------------------------------------------------------ constants

/** The mask `report` is gated to: HOSPITAL | RETAILER | DISTRIBUTOR | SUPPLIER | MANUFACTURER. */
export const REPORTERS = roleMask(
  BusinessRole.Supplier,
  BusinessRole.Manufacturer,
  BusinessRole.Distributor,
  BusinessRole.Hospital,
  BusinessRole.Retailer,
);

/** The triage window of the fixture's registry. */
export const WINDOW = DEFAULT_TRIAGE_WINDOW;

/** A hospital's salt for one patient (fixed so the reference is reproducible) and the hospital's own patient id. */
export const SALT = ethers.id("salt kept by City General for patient MRN-004711");
export const PATIENT = patientRef(SALT, "MRN-004711");
export const RASH = documentHash("case: contact dermatitis on the face after 6 h of mask wear, resolved in 3 days");
export const RASH_URI = "https://city-general.example/pv/cases/2611-017";

/** Regulators' written reasons. */
export const DISMISSAL = documentHash("dismissed: the rash followed a new soap, not the mask");
export const FINDING = documentHash("confirmed: ear-loop adhesive outside specification");
export const RECALL_FINDING = documentHash("confirmed: adhesive sensitiser in lot MK-0100; class 2 recall");

// ------------------------------------------------------------------------------------------------ builders

/** A case against a custom knee implant: aseptic loosening requiring revision surgery. */
export const LOOSENING = documentHash(
  "case: aseptic loosening of the femoral component at 14 months, revision surgery",
);
export const LOOSENING_URI = "https://city-general.example/pv/cases/2611-042";

/** A Serious rash report against `batchId` with no unit and no order; override any field. */
export function rashReport(batchId: string, overrides: Partial<ReportRequest> = {}): ReportRequest {
  return {
    batchId,
    unitIndex: NO_UNIT,
    orderId: NO_ORDER,
    severity: Severity.Serious,
    descriptionHash: RASH,
    descriptionURI: RASH_URI,
    patientRef: PATIENT,
    ...overrides,
  };
}

/** The request as the AdverseEventReported event decodes it (ethers decodes structs as arrays). */
export function requestAsEventArg(r: ReportRequest): unknown[] {
  return [r.batchId, r.unitIndex, r.orderId, r.severity, r.descriptionHash, r.descriptionURI, r.patientRef];
}

// ------------------------------------------------------------------------------------------------ oracles

export interface CounterSet {
  reported: bigint;
  serious: bigint;
  confirmed: bigint;
  dismissed: bigint;
  recalls: bigint;
  overdue: bigint;
  openOverdue: bigint;
}

/** The expected counters: the fields given, every other field zero. */
export function counters(fields: Partial<Record<keyof CounterSet, number>> = {}): CounterSet {
  const all = {
    reported: 0,
    serious: 0,
    confirmed: 0,
    dismissed: 0,
    recalls: 0,
    overdue: 0,
    openOverdue: 0,
    ...fields,
  };
  return Object.fromEntries(Object.entries(all).map(([k, v]) => [k, BigInt(v)])) as unknown as CounterSet;
}

function plainCounters(c: IAdverseEventRegistry.CountersStructOutput): CounterSet {
  return {
    reported: c.reported,
    serious: c.serious,
    confirmed: c.confirmed,
    dismissed: c.dismissed,
    recalls: c.recalls,
    overdue: c.overdue,
    openOverdue: c.openOverdue,
  };
}

/**
 * Asserts the public counters of the product `gtin` and of its maker `makerOrgId` (they move together for one maker's
 * product), and optionally an organisation's counters as the responsible organisation.
 */
export async function expectCounters(
  adverse: AdverseEventRegistry,
  gtin: bigint,
  makerOrgId: bigint,
  expected: CounterSet,
  responsible?: { orgId: bigint; confirmed: number; recalls: number },
): Promise<void> {
  expect(plainCounters(await adverse.productCounters(gtin)), "product counters").to.deep.equal(expected);
  expect(plainCounters(await adverse.makerCounters(makerOrgId)), "maker counters").to.deep.equal(expected);
  if (responsible) {
    const r = await adverse.responsibleCounters(responsible.orgId);
    expect([r.confirmed, r.recalls], "responsible counters").to.deep.equal([
      BigInt(responsible.confirmed),
      BigInt(responsible.recalls),
    ]);
  }
}

export interface ReportFields {
  batchId: string;
  gtin: bigint;
  makerOrgId: bigint;
  reporterOrgId: bigint;
  responsibleOrgId: bigint;
  severity: Severity;
  status: ReportStatus;
  recallClass: bigint;
  filedAt: bigint;
  triagedAt: bigint;
  triageDeadline: bigint;
  overdue: boolean;
}

/** A report as `reportOf` returns it, as plain fields. */
export async function reportFieldsOf(adverse: AdverseEventRegistry, reportId: bigint): Promise<ReportFields> {
  const r = await adverse.reportOf(reportId);
  return {
    batchId: r.batchId,
    gtin: r.gtin,
    makerOrgId: r.makerOrgId,
    reporterOrgId: r.reporterOrgId,
    responsibleOrgId: r.responsibleOrgId,
    severity: Number(r.severity) as Severity,
    status: Number(r.status) as ReportStatus,
    recallClass: r.recallClass,
    filedAt: r.filedAt,
    triagedAt: r.triagedAt,
    triageDeadline: r.triageDeadline,
    overdue: r.overdue,
  };
}

// ------------------------------------------------------------------------------------------------ fixtures

/**
 * Adds to an orders fixture the adverse event registry on its ledger and order book, with a 7-day triage window,
 * registered by the governor as a ledger module, and a glove batch (lot "GL-0001", on hold) made by the supplier.
 */
async function withAdverse<F extends OrdersFixture>(f: F) {
  const adverse = await deployAdverse(f.ledger, f.book, f.governor, { triageWindow: WINDOW });
  expect(await f.ledger.isModule(adverse)).to.equal(true);
  const gloveId = await commission(f.ledger, f.supplier, await batchRequest(GLOVE, "GL-0001"));
  return { ...f, adverse, gloveId, triageWindow: WINDOW };
}

/**
 * `ordersFixture` (custodyFixture's Northwind Released mask batch "MK-0100" of 10,000 in its holding, hospital, second
 * hospital, distributor, retailer, carrier, the glove supplier...; the order book, Northwind's knee implant and its
 * Released batch "KN-0001" of 5, no order yet) plus the adverse event registry (`withAdverse`).
 */
export async function adverseFixture() {
  return withAdverse(await ordersFixture());
}

export type AdverseFixture = Awaited<ReturnType<typeof adverseFixture>>;

/** `adverseFixture` plus report 1: the hospital reports a Serious rash against the mask batch; and its filing time. */
export async function reportedFixture() {
  const f = await adverseFixture();
  const request = rashReport(f.maskId);
  const tx = await f.adverse.connect(f.hospital).report(request);
  const filedAt = await timestampOf(tx);
  return { ...f, reportId: 1n, request, filedAt, deadline: filedAt + WINDOW };
}

export type ReportedFixture = Awaited<ReturnType<typeof reportedFixture>>;

/**
 * The orders suite's `installedFixture` (order 1: City General's custom knee from Northwind, unit 2 of the knee batch,
 * approved, shipped, received and Installed) plus the adverse event registry (`withAdverse`).
 */
export async function installedKneeFixture() {
  return withAdverse(await installedFixture());
}

export type InstalledKneeFixture = Awaited<ReturnType<typeof installedKneeFixture>>;

/** A Serious loosening report against the knee batch naming `orderId` and no unit; override any field. */
export function looseningReport(
  kneeId: string,
  orderId: bigint,
  overrides: Partial<ReportRequest> = {},
): ReportRequest {
  return {
    batchId: kneeId,
    unitIndex: NO_UNIT,
    orderId,
    severity: Severity.Serious,
    descriptionHash: LOOSENING,
    descriptionURI: LOOSENING_URI,
    patientRef: KNEE_PATIENT, // the reference the hospital's order carries for the same patient
    ...overrides,
  };
}
