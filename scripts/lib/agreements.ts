/** Enums, types and helpers for supply agreements (contracts/money/SupplyAgreements.sol). */
import { ethers, type Signer } from "ethers";
import { SupplyAgreements__factory, type SupplyAgreements } from "../../typechain-types";
import type { ISupplyAgreements } from "../../typechain-types/contracts/money/SupplyAgreements";
import { DAY } from "./formation";

/** Mirrors `AgreementStatus` in contracts/money/ISupplyAgreements.sol. */
export enum AgreementStatus {
  None,
  Proposed,
  Active,
  Terminated,
  Settled,
  Cancelled,
}

/** Mirrors `AgreementParty`. */
export enum AgreementParty {
  None,
  Supplier,
  Carrier,
}

/** Mirrors `Ruling`. */
export enum Ruling {
  None,
  SupplierAtFault,
  CarrierAtFault,
  Rejected,
}

/** Mirrors `TermsDefect`. */
export enum TermsDefect {
  None,
  Parties,
  Quantity,
  Price,
  Deadline,
  Periods,
  BasisPoints,
  SupplierCollateral,
  CarrierCollateral,
}

/** Mirrors the contract's shipment-use marks (`shipmentUse`). */
export enum ShipmentUse {
  None,
  Flagged,
  Recorded,
}

/** The terms of an agreement, as the contract takes them. */
export type Terms = ISupplyAgreements.TermsStruct;
/** Plain terms with every number a bigint (what the builders below return). */
export interface PlainTerms {
  buyerOrgId: bigint;
  supplierOrgId: bigint;
  carrierOrgId: bigint;
  gtin: bigint;
  specHash: string;
  quantity: bigint;
  unitPrice: bigint;
  carrierFee: bigint;
  asset: string;
  handOverDeadline: bigint;
  transitAllowance: bigint;
  penaltyPeriod: bigint;
  penaltyBps: bigint;
  penaltyCapBps: bigint;
  terminationDelay: bigint;
  defectBps: bigint;
  minShelfLife: bigint;
  inspectionWindow: bigint;
  rulingWindow: bigint;
  forceMajeure: boolean;
  supplierCollateral: bigint;
  carrierCollateral: bigint;
}

/** Seconds the carrier has after hand-over to record its pick-up before the supplier may flag it (`PICK_UP_WINDOW`). */
export const PICK_UP_WINDOW = DAY;
/** Basis points in one whole. */
export const BPS = 10_000n;

/** The ABI tuple of `Terms`, in field order. */
export const TERMS_TUPLE =
  "tuple(uint32 buyerOrgId,uint32 supplierOrgId,uint32 carrierOrgId,uint64 gtin,bytes32 specHash,uint40 quantity," +
  "uint128 unitPrice,uint128 carrierFee,address asset,uint32 handOverDeadline,uint32 transitAllowance," +
  "uint32 penaltyPeriod,uint16 penaltyBps,uint16 penaltyCapBps,uint32 terminationDelay,uint16 defectBps," +
  "uint32 minShelfLife,uint32 inspectionWindow,uint32 rulingWindow,bool forceMajeure,uint128 supplierCollateral," +
  "uint128 carrierCollateral)";

const coder = ethers.AbiCoder.defaultAbiCoder();

/** The hash every party signs: keccak256(abi.encode(terms)). */
export function hashTerms(terms: PlainTerms): string {
  return ethers.keccak256(coder.encode([TERMS_TUPLE], [terms]));
}

/** The `ref` a shipment under the agreement carries: keccak256(abi.encode(agreementsAddress, agreementId)). */
export function agreementRef(agreements: string, agreementId: bigint): string {
  return ethers.keccak256(coder.encode(["address", "uint256"], [agreements, agreementId]));
}

/** The agreement's value: quantity times unit price. */
export const valueOf = (t: PlainTerms, quantity = t.quantity) => quantity * t.unitPrice;

/** The least collateral the supplier and the carrier each post: the late cap plus the defect penalty on everything. */
export function minimumCollateral(t: PlainTerms): bigint {
  const value = valueOf(t);
  return (value * t.penaltyCapBps) / BPS + (value * t.defectBps) / BPS;
}

/** Every started period counts in full. */
export function startedPeriods(secondsLate: bigint, period: bigint): bigint {
  return secondsLate <= 0n ? 0n : (secondsLate + period - 1n) / period;
}

/** The late penalty on `quantity` units `secondsLate` seconds late, before the cap. */
export function latePenalty(t: PlainTerms, quantity: bigint, secondsLate: bigint): bigint {
  return (valueOf(t, quantity) * startedPeriods(secondsLate, t.penaltyPeriod) * t.penaltyBps) / BPS;
}

/** The cap on one party's late penalties. */
export const lateCap = (t: PlainTerms) => (valueOf(t) * t.penaltyCapBps) / BPS;

/** The defect penalty on `quantity` rejected units. */
export const defectPenalty = (t: PlainTerms, quantity: bigint) => (valueOf(t, quantity) * t.defectBps) / BPS;

/** What the buyer pays in when funding: the value plus the carrier's fee. */
export const fundingOf = (t: PlainTerms) => valueOf(t) + t.carrierFee;

/**
 * Terms with sensible defaults (one-day penalty periods at 1 % each, capped at 10 %; a 10 % defect penalty; two days of
 * transit; seven days before termination; seven days of inspection and of ruling; 180 days of shelf life) and the
 * collateral each party must post at least. Override any field; collateral is recomputed unless given.
 */
export function buildTerms(
  base: Pick<PlainTerms, "buyerOrgId" | "supplierOrgId" | "carrierOrgId" | "gtin" | "handOverDeadline">,
  overrides: Partial<PlainTerms> = {},
): PlainTerms {
  const terms: PlainTerms = {
    specHash: ethers.id("specification: EN 14683 type IIR surgical mask"),
    quantity: 1_000n,
    unitPrice: 500_000_000_000_000n, // 0.0005 ETH
    carrierFee: 50_000_000_000_000_000n, // 0.05 ETH
    asset: ethers.ZeroAddress,
    transitAllowance: 2n * DAY,
    penaltyPeriod: DAY,
    penaltyBps: 100n,
    penaltyCapBps: 1_000n,
    terminationDelay: 7n * DAY,
    defectBps: 1_000n,
    minShelfLife: 180n * DAY,
    inspectionWindow: 7n * DAY,
    rulingWindow: 7n * DAY,
    forceMajeure: true,
    supplierCollateral: 0n,
    carrierCollateral: 0n,
    ...base,
    ...overrides,
  };
  const minimum = minimumCollateral(terms);
  if (overrides.supplierCollateral === undefined) terms.supplierCollateral = minimum;
  if (overrides.carrierCollateral === undefined) terms.carrierCollateral = minimum;
  return terms;
}

/** Deploys SupplyAgreements on the registry and ledger. */
export async function deployAgreements(deployer: Signer, registry: string, ledger: string): Promise<SupplyAgreements> {
  const agreements = await new SupplyAgreements__factory(deployer).deploy(registry, ledger);
  await agreements.waitForDeployment();
  return agreements;
}

/** Proposes `terms` as `buyer` and returns the new agreement's id. */
export async function propose(agreements: SupplyAgreements, buyer: Signer, terms: PlainTerms): Promise<bigint> {
  const id = await agreements.connect(buyer).propose.staticCall(terms);
  await (await agreements.connect(buyer).propose(terms)).wait();
  return id;
}

/** Signs as supplier or carrier, posting `collateral` (sent as ETH when the asset is ETH). */
export async function sign(
  agreements: SupplyAgreements,
  signer: Signer,
  agreementId: bigint,
  terms: PlainTerms,
  collateral: bigint,
) {
  const value = terms.asset === ethers.ZeroAddress ? collateral : 0n;
  return agreements.connect(signer).sign(agreementId, hashTerms(terms), terms, { value });
}

/** Funds as the buyer (sent as ETH when the asset is ETH). */
export async function fund(agreements: SupplyAgreements, buyer: Signer, agreementId: bigint, terms: PlainTerms) {
  const value = terms.asset === ethers.ZeroAddress ? fundingOf(terms) : 0n;
  return agreements.connect(buyer).fund(agreementId, terms, { value });
}

/** The terms' fields in ABI order (how events decode them). */
export function termsArgs(t: PlainTerms): unknown[] {
  return [
    t.buyerOrgId,
    t.supplierOrgId,
    t.carrierOrgId,
    t.gtin,
    t.specHash,
    t.quantity,
    t.unitPrice,
    t.carrierFee,
    t.asset,
    t.handOverDeadline,
    t.transitAllowance,
    t.penaltyPeriod,
    t.penaltyBps,
    t.penaltyCapBps,
    t.terminationDelay,
    t.defectBps,
    t.minShelfLife,
    t.inspectionWindow,
    t.rulingWindow,
    t.forceMajeure,
    t.supplierCollateral,
    t.carrierCollateral,
  ];
}
