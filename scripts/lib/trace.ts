/** Enums and helpers for the product catalog and the batch ledger. */
import { ethers, type Signer } from "ethers";
import {
  BatchLedger__factory,
  ProductCatalog__factory,
  type AllianceRegistry,
  type BatchLedger,
  type ProductCatalog,
} from "../../typechain-types";
import type { IProductCatalog } from "../../typechain-types/contracts/trace/ProductCatalog";
import type { IBatchLedger } from "../../typechain-types/contracts/trace/BatchLedger";
import { documentHash } from "./alliance";
import { DAY } from "./formation";

/** Mirrors `Category` in contracts/trace/TraceTypes.sol. */
export enum Category {
  None,
  Drug,
  Device,
  ProtectiveEquipment,
  Consumable,
  RawMaterial,
}

/** Mirrors `DeviceClass`. */
export enum DeviceClass {
  None,
  I,
  IIa,
  IIb,
  III,
}

/** Mirrors `ProductStatus`. */
export enum ProductStatus {
  None,
  Proposed,
  Approved,
  Rejected,
  Withdrawn,
}

/** Mirrors `BatchStatus`. */
export enum BatchStatus {
  Unknown,
  OnHold,
  Released,
  Blocked,
  Recalled,
  Expired,
}

/** Mirrors `Inspection`. */
export enum Inspection {
  None,
  Passed,
  Failed,
}

/** Mirrors `RecordKind`. */
export enum RecordKind {
  None,
  Commissioned,
  ConsumedAsInput,
  InspectionPassed,
  InspectionFailed,
  Released,
  Blocked,
  Unblocked,
  Note,
  Correction,
  Shipped,
  PickedUp,
  Delivered,
  Received,
  Refused,
  Returned,
  Reclaimed,
  Settled,
  Dispensed,
  Destroyed,
  Recalled,
  SerialsCommitted,
  Reading,
  Held,
  HoldCleared,
}

/** Hold-period floors per category (drug, device, protective equipment, consumable, raw material), seconds. */
export const DEFAULT_HOLD_FLOORS: [bigint, bigint, bigint, bigint, bigint] = [
  7n * DAY,
  7n * DAY,
  14n * DAY,
  3n * DAY,
  2n * DAY,
];

/** Seconds during which an actor may correct its own last record, unless a deployment says otherwise. */
export const DEFAULT_CORRECTION_WINDOW = 60n * 60n;

/** Seconds a recipient has after delivery before the sender may reclaim, unless a deployment says otherwise. */
export const DEFAULT_RECEIPT_WINDOW = 3n * DAY;

export type ProductSpec = IProductCatalog.ProductSpecStruct;
export type CommissionRequest = IBatchLedger.CommissionRequestStruct;
export type HistoryRecord = IBatchLedger.HistoryRecordStruct;

/**
 * A product as its maker proposes it: by default sold by the unit ("EA") in packs of 50, stored between -20.0 and
 * 40.0 °C, with a 14-day proposed hold, and a specification document named after the GTIN.
 */
export function productSpec(
  code: bigint,
  companyPrefix: bigint,
  category: Category,
  overrides: Partial<ProductSpec> = {},
): ProductSpec {
  return {
    gtin: code,
    companyPrefix,
    category,
    deviceClass: DeviceClass.None,
    unitOfMeasure: unit("EA"),
    packSize: 50,
    minTemperature: -200,
    maxTemperature: 400,
    proposedHoldPeriod: 14n * DAY,
    specHash: documentHash(`specification of GTIN ${code}`),
    specURI: `ipfs://specs/${code}`,
    ...overrides,
  };
}

/** A lot as the ledger takes it (GS1 AI 10): ASCII, at most 20 characters, right-padded with zero bytes. */
export function lot(text: string): string {
  if (!/^[\x21-\x7e]{1,20}$/.test(text)) throw new Error(`a lot is 1 to 20 printable ASCII characters: "${text}"`);
  return ethers.encodeBytes32String(text);
}

/** A unit of measure code (UN/ECE Recommendation 20) as bytes8. */
export function unit(code: string): string {
  const bytes = ethers.toUtf8Bytes(code);
  if (bytes.length === 0 || bytes.length > 8) throw new Error(`a unit code has 1 to 8 characters: "${code}"`);
  return ethers.zeroPadBytes(bytes, 8);
}

/** The batch id of a GTIN and lot, as the ledger computes it. */
export function batchIdOf(gtin: bigint, lotBytes: string): string {
  return ethers.keccak256(ethers.AbiCoder.defaultAbiCoder().encode(["uint64", "bytes32"], [gtin, lotBytes]));
}

export interface TraceContracts {
  catalog: ProductCatalog;
  ledger: BatchLedger;
}

/** Deploys the catalog and the ledger on top of `registry` and records both in its directory. */
export async function deployTrace(
  registry: AllianceRegistry,
  governor: Signer,
  options: { holdFloors?: bigint[]; correctionWindow?: bigint; receiptWindow?: bigint } = {},
): Promise<TraceContracts> {
  const registryAddress = await registry.getAddress();
  const floors = (options.holdFloors ?? DEFAULT_HOLD_FLOORS) as [bigint, bigint, bigint, bigint, bigint];
  const catalog = await new ProductCatalog__factory(governor).deploy(registryAddress, floors);
  await catalog.waitForDeployment();
  const ledger = await new BatchLedger__factory(governor).deploy(
    registryAddress,
    await catalog.getAddress(),
    options.correctionWindow ?? DEFAULT_CORRECTION_WINDOW,
    options.receiptWindow ?? DEFAULT_RECEIPT_WINDOW,
  );
  await ledger.waitForDeployment();
  const asGovernor = registry.connect(governor);
  await (await asGovernor.setDirectoryEntry(ethers.encodeBytes32String("ProductCatalog"), catalog)).wait();
  await (await asGovernor.setDirectoryEntry(ethers.encodeBytes32String("BatchLedger"), ledger)).wait();
  return { catalog, ledger };
}

/** A maker proposes `spec` and a regulator approves it with the given hold period. */
export async function approveProduct(
  catalog: ProductCatalog,
  maker: Signer,
  regulator: Signer,
  spec: ProductSpec,
  holdPeriod: bigint,
): Promise<void> {
  await (await catalog.connect(maker).proposeProduct(spec)).wait();
  const certificate = documentHash(`registration certificate for GTIN ${spec.gtin}`);
  await (await catalog.connect(regulator).approveProduct(spec.gtin, certificate, holdPeriod)).wait();
}

/** The maker commissions a batch; returns its id. */
export async function commission(ledger: BatchLedger, maker: Signer, request: CommissionRequest): Promise<string> {
  const batchId = await ledger.connect(maker).commission.staticCall(request);
  await (await ledger.connect(maker).commission(request)).wait();
  return batchId;
}

export type Shipment = IBatchLedger.ShipmentStruct;

/** Mirrors `ShipmentStatus`. */
export enum ShipmentStatus {
  None,
  InTransit,
  PickedUp,
  Delivered,
  Held,
  Received,
  Refused,
  Returned,
  Reclaimed,
  Settled,
}

export interface ShipmentOrder {
  batchId: string;
  toOrgId: bigint;
  quantity: bigint;
  carrierOrgId: bigint;
  ref?: string;
  docHash?: string;
  site?: bigint;
  toSite?: bigint;
}

/** A shipment's fields as the ledger takes them back, from a `Shipped` event's decoded struct. */
export function shipmentOf(s: Shipment): Shipment {
  return {
    batchId: s.batchId,
    fromOrgId: s.fromOrgId,
    toOrgId: s.toOrgId,
    carrierOrgId: s.carrierOrgId,
    fromGln: s.fromGln,
    toGln: s.toGln,
    quantity: s.quantity,
    ref: s.ref,
    sequence: s.sequence,
  };
}

/** Ships as `sender` and returns the shipment's id and the fields later calls pass back. */
export async function ship(
  ledger: BatchLedger,
  sender: Signer,
  order: ShipmentOrder,
): Promise<{ shipmentId: string; shipment: Shipment }> {
  const receipt = await (
    await ledger
      .connect(sender)
      .ship(
        order.batchId,
        order.toOrgId,
        order.quantity,
        order.carrierOrgId,
        order.ref ?? ethers.ZeroHash,
        order.docHash ?? ethers.ZeroHash,
        order.site ?? 0n,
        order.toSite ?? 0n,
      )
  ).wait();
  for (const log of receipt!.logs) {
    const parsed = ledger.interface.parseLog(log);
    if (parsed?.name === "Shipped") {
      return { shipmentId: parsed.args.shipmentId, shipment: shipmentOf(parsed.args.shipment) };
    }
  }
  throw new Error("the ship transaction emitted no Shipped event");
}
