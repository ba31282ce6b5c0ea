/**
 * Enums and helpers for the adverse event registry: the salted patient reference, report requests, deployment.
 *
 * A patient never appears on chain. The reporting hospital keeps, per patient (or per report), 32 random bytes of salt
 * off chain and files only `keccak256(salt ‖ hospital's own patient id)`. With the salt the hospital can later show
 * which of its patients a report concerns; destroying the salt is how a patient's erasure is honoured — the hash can
 * then never be linked to anyone again.
 *
 * A report may name a custom device order of the DeviceOrderBook (`orderId`, 0 = none): the order must have a produced
 * device (Produced, Approved or Installed) of the report's batch, and the report concerns that device's unit.
 */
import { ethers, type Signer } from "ethers";
import {
  AdverseEventRegistry__factory,
  AllianceRegistry__factory,
  type AdverseEventRegistry,
  type BatchLedger,
  type DeviceOrderBook,
} from "../../typechain-types";
import type { IAdverseEventRegistry } from "../../typechain-types/contracts/safety/AdverseEventRegistry";
import { directoryName } from "./alliance";
import { DAY } from "./formation";

/** Mirrors `Severity` in contracts/safety/IAdverseEventRegistry.sol (ICH E2A seriousness, worst outcome met). */
export enum Severity {
  None,
  NonSerious,
  Serious,
  LifeThreatening,
  Fatal,
}

/** Mirrors `ReportStatus`. */
export enum ReportStatus {
  None,
  Open,
  Overdue,
  Confirmed,
  Dismissed,
}

/** The unit index meaning "no particular unit" (`NO_UNIT`, type(uint256).max). */
export const NO_UNIT = ethers.MaxUint256;

/** The order id meaning "no custom device order". */
export const NO_ORDER = 0n;

/**
 * Seconds a regulator has to triage a report in time, unless a deployment says otherwise: 7 days, the shortest
 * expedited-reporting timeline of pharmacovigilance (fatal or life-threatening unexpected reactions, ICH E2A).
 */
export const DEFAULT_TRIAGE_WINDOW = 7n * DAY;

export type ReportRequest = IAdverseEventRegistry.ReportRequestStruct;

/** A fresh 32-byte salt for a patient reference, to be kept by the hospital and never published. */
export function newPatientSalt(): string {
  return ethers.hexlify(ethers.randomBytes(32));
}

/**
 * The salted patient reference a report carries: keccak256(abi.encodePacked(salt, hospitalPatientId)), where
 * `hospitalPatientId` is the hospital's own identifier (e.g. its medical record number). Never the patient's data.
 */
export function patientRef(salt: string, hospitalPatientId: string): string {
  if (ethers.dataLength(salt) !== 32) throw new Error("a patient salt is 32 bytes");
  if (hospitalPatientId.length === 0) throw new Error("a hospital patient id is not empty");
  return ethers.keccak256(ethers.solidityPacked(["bytes32", "string"], [salt, hospitalPatientId]));
}

/** A patient reference with a new salt: the salt to keep (off chain) and the reference to file. */
export function saltedPatientRef(hospitalPatientId: string): { salt: string; patientRef: string } {
  const salt = newPatientSalt();
  return { salt, patientRef: patientRef(salt, hospitalPatientId) };
}

/**
 * A report request; `unitIndex` defaults to NO_UNIT and `orderId` to NO_ORDER. With an order and NO_UNIT, the report
 * concerns the order's device.
 */
export function reportRequest(fields: {
  batchId: string;
  severity: Severity;
  descriptionHash: string;
  descriptionURI: string;
  patientRef: string;
  unitIndex?: bigint;
  orderId?: bigint;
}): ReportRequest {
  return { unitIndex: NO_UNIT, orderId: NO_ORDER, ...fields };
}

/** Files a report as `reporter`; returns its id. */
export async function fileReport(
  registry: AdverseEventRegistry,
  reporter: Signer,
  request: ReportRequest,
): Promise<bigint> {
  const reportId = await registry.connect(reporter).report.staticCall(request);
  await (await registry.connect(reporter).report(request)).wait();
  return reportId;
}

/**
 * Deploys the registry on top of `ledger` and the custom device order book `orderBook` (which must sit on the same
 * ledger), registers it as a ledger module (so confirmations can recall) and lists it in the alliance registry's
 * directory; `governor` must be the alliance's governor.
 */
export async function deployAdverse(
  ledger: BatchLedger,
  orderBook: DeviceOrderBook,
  governor: Signer,
  options: { triageWindow?: bigint } = {},
): Promise<AdverseEventRegistry> {
  const adverse = await new AdverseEventRegistry__factory(governor).deploy(
    await ledger.getAddress(),
    await orderBook.getAddress(),
    options.triageWindow ?? DEFAULT_TRIAGE_WINDOW,
  );
  await adverse.waitForDeployment();
  await (await ledger.connect(governor).setModule(adverse, true)).wait();
  const alliance = AllianceRegistry__factory.connect(await ledger.alliance(), governor);
  await (await alliance.setDirectoryEntry(directoryName("AdverseEventRegistry"), adverse)).wait();
  return adverse;
}

/** Counters as plain numbers, for tables. */
export function countersRow(c: IAdverseEventRegistry.CountersStructOutput): Record<string, number> {
  return {
    reported: Number(c.reported),
    serious: Number(c.serious),
    confirmed: Number(c.confirmed),
    dismissed: Number(c.dismissed),
    recalls: Number(c.recalls),
    overdue: Number(c.overdue),
    "open overdue": Number(c.openOverdue),
  };
}
