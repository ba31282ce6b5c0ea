/**
 * Enums and helpers for the custom device order book: request builders, the shipment `ref` that names an order,
 * deployment, and an order's history rebuilt from the book's logs and proved against the head it stores.
 *
 * An order's history is hashed exactly like a batch's (scripts/lib/history.ts `chainHead`):
 * head = keccak256(abi.encode(prevHead, kind, actor, timestamp, dataHash)), from zero, one `OrderRecorded` log per
 * record. The patient appears only as a salted hash (see scripts/lib/adverse.ts `saltedPatientRef`).
 */
import { ethers, type Signer } from "ethers";
import {
  AllianceRegistry__factory,
  DeviceOrderBook__factory,
  type BatchLedger,
  type DeviceOrderBook,
} from "../../typechain-types";
import type { IDeviceOrderBook } from "../../typechain-types/contracts/orders/DeviceOrderBook";
import { directoryName } from "./alliance";
import { DAY } from "./formation";
import { type ChainEntry, type HistoryProof, type LogRange, fetchChain, proveChain, rebuildHead } from "./history";
import { Category, DeviceClass, type ProductSpec, productSpec, unit } from "./trace";

/** Mirrors `OrderStatus` in contracts/orders/IDeviceOrderBook.sol. */
export enum OrderStatus {
  None,
  Placed,
  Designed,
  Produced,
  Approved,
  Rejected,
  Installed,
  Cancelled,
}

/** Mirrors `OrderRecordKind`. */
export enum OrderRecordKind {
  None,
  Placed,
  Designed,
  Produced,
  Approved,
  Rejected,
  Installed,
  Serviced,
  Cancelled,
}

/**
 * Seconds a regulator has, after production, to rule on a custom device's compliance in time, unless a deployment says
 * otherwise: 30 days. Past it the hospital may cancel; until it does, a late ruling is still accepted.
 */
export const DEFAULT_COMPLIANCE_WINDOW = 30n * DAY;

/** Most raw-material batches one design may list (`MAX_RAW_MATERIALS`). */
export const MAX_RAW_MATERIALS = 16;

/**
 * A patient-specific knee implant as its maker proposes it: a class III device, one per pack, stored between 0 and
 * 30.0 °C, held 7 days (the device floor).
 */
export function customKneeSpec(gtin: bigint, companyPrefix: bigint): ProductSpec {
  return productSpec(gtin, companyPrefix, Category.Device, {
    deviceClass: DeviceClass.III,
    packSize: 1,
    minTemperature: 0,
    maxTemperature: 300,
    proposedHoldPeriod: 7n * DAY,
  });
}

/** The titanium alloy powder custom implants are printed from: a raw material sold by the kilogram, held 2 days. */
export function titaniumPowderSpec(gtin: bigint, companyPrefix: bigint): ProductSpec {
  return productSpec(gtin, companyPrefix, Category.RawMaterial, {
    unitOfMeasure: unit("KGM"),
    packSize: 1,
    proposedHoldPeriod: 2n * DAY,
  });
}

export type OrderRequest = IDeviceOrderBook.OrderRequestStruct;
export type DesignRequest = IDeviceOrderBook.DesignRequestStruct;

const coder = ethers.AbiCoder.defaultAbiCoder();

/** The `ref` a ledger shipment of the order's device must carry: keccak256(abi.encode(orderBook, orderId)). */
export function orderShipmentRef(orderBook: string, orderId: bigint): string {
  return ethers.keccak256(coder.encode(["address", "uint256"], [orderBook, orderId]));
}

/** The Placed record's data hash (`OrderRecordKind` NatSpec). */
export function placedDataHash(hospitalOrgId: bigint, request: OrderRequest): string {
  return ethers.keccak256(
    coder.encode(
      ["uint32", "uint32", "uint64", "bytes32", "bytes32"],
      [hospitalOrgId, request.manufacturerOrgId, request.gtin, request.patientRef, request.requirementsHash],
    ),
  );
}

/** The Designed record's data hash. */
export function designedDataHash(design: DesignRequest): string {
  return ethers.keccak256(coder.encode(["bytes32", "bytes32[]"], [design.designHash, design.rawMaterials]));
}

/** The Produced record's data hash. */
export function producedDataHash(batchId: string, unitIndex: bigint): string {
  return ethers.keccak256(coder.encode(["bytes32", "uint256"], [batchId, unitIndex]));
}

/** The Installed record's data hash. */
export function installedDataHash(shipmentId: string, installationReportHash: string): string {
  return ethers.keccak256(coder.encode(["bytes32", "bytes32"], [shipmentId, installationReportHash]));
}

/** A hospital places an order; returns its id. */
export async function placeOrder(book: DeviceOrderBook, hospital: Signer, request: OrderRequest): Promise<bigint> {
  const orderId = await book.connect(hospital).place.staticCall(request);
  await (await book.connect(hospital).place(request)).wait();
  return orderId;
}

/** Deploys the order book on top of `ledger` and lists it in the alliance registry's directory (`governor` signs). */
export async function deployOrders(
  ledger: BatchLedger,
  governor: Signer,
  options: { complianceWindow?: bigint } = {},
): Promise<DeviceOrderBook> {
  const book = await new DeviceOrderBook__factory(governor).deploy(
    await ledger.getAddress(),
    options.complianceWindow ?? DEFAULT_COMPLIANCE_WINDOW,
  );
  await book.waitForDeployment();
  const alliance = AllianceRegistry__factory.connect(await ledger.alliance(), governor);
  await (await alliance.setDirectoryEntry(directoryName("DeviceOrderBook"), book)).wait();
  return book;
}

// ------------------------------------------------------------------------------------------------ history

/** One order history record as the book emitted it, with where it was found. */
export type OrderHistoryEntry = ChainEntry<OrderRecordKind>;

/** Reads an order's `OrderRecorded` logs in block ranges of at most `pageSize` blocks, in chain order. */
export async function fetchOrderHistory(
  book: DeviceOrderBook,
  orderId: bigint,
  options: LogRange = {},
): Promise<OrderHistoryEntry[]> {
  const filter = book.filters.OrderRecorded(orderId);
  return fetchChain<OrderRecordKind>(book.runner?.provider, (from, to) => book.queryFilter(filter, from, to), options);
}

/** Rebuilds an order's head from records in order (the same chain as batch histories). */
export const rebuildOrderHead = (entries: OrderHistoryEntry[]) => rebuildHead(entries);

/** Proves `entries` (by default, the order's logs) against the head and count stored by the book. */
export async function proveOrderHistory(
  book: DeviceOrderBook,
  orderId: bigint,
  entries?: OrderHistoryEntry[],
): Promise<HistoryProof> {
  const records = entries ?? (await fetchOrderHistory(book, orderId));
  const [head, count] = await book.historyOf(orderId);
  return proveChain(records, { head, count }, "the book");
}

/** An order's history as table rows for people (kind, actor, UTC time, data hash). */
export function historyRows(entries: OrderHistoryEntry[]): Record<string, string>[] {
  return entries.map((e) => ({
    kind: OrderRecordKind[e.kind],
    actor: `${e.actor.slice(0, 8)}…`,
    "time (UTC)": new Date(Number(e.timestamp) * 1000).toISOString().replace(".000Z", "Z"),
    data: `${e.dataHash.slice(0, 10)}…`,
  }));
}
