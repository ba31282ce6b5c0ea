/**
 * Fixtures and oracles of the custody suites (shipping, receipt, refusal, reclaim, settlement, dispensing,
 * destruction, recall), built on `traceFixture`.
 *
 * The data hashes are written from the NatSpec of `RecordKind` (contracts/trace/TraceTypes.sol), not taken from the
 * contract or from scripts/lib/history.ts.
 */
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { ContractTransactionResponse } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { BatchLedger } from "../../typechain-types";
import { BusinessRole, documentHash, roleMask } from "../../scripts/lib/alliance";
import { YEAR, admit } from "../../scripts/lib/formation";
import { gln } from "../../scripts/lib/gs1";
import { DEFAULT_RECEIPT_WINDOW, RecordKind, type Shipment, ShipmentStatus, ship } from "../../scripts/lib/trace";
import { SITE_HOSPITAL } from "./fixtures";
import { MASK, REASONS, expectRecorded, releasedBatch, timestampOf, traceFixture } from "./traceFixture";

// ------------------------------------------------------------------------------------------------ constants

/** `Roles.LOGISTICS`, the mask of the carrier's steps. */
export const LOGISTICS = roleMask(BusinessRole.Logistics);
/** `Roles.HOSPITAL | Roles.RETAILER`, the mask of `dispense`. */
export const DISPENSERS = roleMask(BusinessRole.Hospital, BusinessRole.Retailer);

export const SITE_DISTRIBUTOR = gln("952000000002");
export const SITE_RETAILER = gln("952000000003");
export const SITE_HOSPITAL_2 = gln("952000000004");
export const SITE_HOSPITAL_WARD = gln("952000000005"); // the hospital's second site

/** Documents the custody suites pass around. */
export const REFUSAL = documentHash("refusal: cartons crushed");
export const PRESCRIPTION = documentHash("dispensing reference: ward 4 order 17");
export const DESTRUCTION = documentHash("destruction certificate: incinerated");
export const RECALL = documentHash("recall notice: filtration below EN 14683");
export const SETTLEMENT = documentHash("settlement: carrier's loss report");
export const DOC = documentHash("delivery note");

/** The quantity the shipment fixtures send from Northwind to the hospital. */
export const SHIPPED = 1_000n;

const coder = ethers.AbiCoder.defaultAbiCoder();

// ------------------------------------------------------------------------------------------------ oracles

/** A shipment's id: keccak256(abi.encode(shipment)). */
export function shipmentIdOf(s: Shipment): string {
  return ethers.keccak256(
    coder.encode(["tuple(bytes32,uint32,uint32,uint32,uint64,uint64,uint256,bytes32,uint256)"], [shipmentArgs(s)]),
  );
}

/** The shipment as the Shipped event decodes it (ethers decodes structs as arrays). */
export function shipmentArgs(s: Shipment): unknown[] {
  return [s.batchId, s.fromOrgId, s.toOrgId, s.carrierOrgId, s.fromGln, s.toGln, s.quantity, s.ref, s.sequence];
}

export const receivedDataHash = (shipmentId: string, quantity: bigint, good: boolean) =>
  ethers.keccak256(coder.encode(["bytes32", "uint256", "bool"], [shipmentId, quantity, good]));
export const refusedDataHash = (shipmentId: string, reason: string) =>
  ethers.keccak256(coder.encode(["bytes32", "bytes32"], [shipmentId, reason]));
export const settledDataHash = (shipmentId: string, quantity: bigint, reason: string) =>
  ethers.keccak256(coder.encode(["bytes32", "uint256", "bytes32"], [shipmentId, quantity, reason]));
export const dispensedDataHash = (quantity: bigint, reference: string) =>
  ethers.keccak256(coder.encode(["uint256", "bytes32"], [quantity, reference]));
export const destroyedDataHash = (quantity: bigint, reason: string) =>
  ethers.keccak256(coder.encode(["uint256", "bytes32"], [quantity, reason]));
export const recalledDataHash = (recallClass: number, reason: string) =>
  ethers.keccak256(coder.encode(["uint8", "bytes32"], [recallClass, reason]));

/** `expectRecorded` for the custody kinds. */
export function expectCustodyRecord(
  ledger: BatchLedger,
  send: () => Promise<ContractTransactionResponse>,
  batchId: string,
  actor: string,
  kind: RecordKind,
  dataHash: string,
): Promise<ContractTransactionResponse> {
  return expectRecorded(ledger, send, batchId, actor, kind as number, dataHash);
}

/** A shipment's state as the ledger stores it; times and quantity default to zero. */
export interface ShipmentRecord {
  status: ShipmentStatus;
  shippedAt: bigint;
  pickedUpAt: bigint;
  deliveredAt: bigint;
  answeredAt: bigint;
  received: bigint;
}

/** The expected state of a shipment: `status` and the fields given, every other field zero. */
export function shipmentRecord(status: ShipmentStatus, fields: Partial<Omit<ShipmentRecord, "status">> = {}) {
  return { status, shippedAt: 0n, pickedUpAt: 0n, deliveredAt: 0n, answeredAt: 0n, received: 0n, ...fields };
}

/** A shipment's state read from the ledger, as plain fields. */
export async function shipmentRecordOf(ledger: BatchLedger, shipmentId: string): Promise<ShipmentRecord> {
  const r = await ledger.shipmentState(shipmentId);
  return {
    status: Number(r.status) as ShipmentStatus,
    shippedAt: r.shippedAt,
    pickedUpAt: r.pickedUpAt,
    deliveredAt: r.deliveredAt,
    answeredAt: r.answeredAt,
    received: r.received,
  };
}

/** The ledger's outflows of a batch as plain numbers [dispensed, destroyed, lost]. */
export async function outflows(ledger: BatchLedger, batchId: string): Promise<bigint[]> {
  const o = await ledger.outflowsOf(batchId);
  return [o.dispensed, o.destroyed, o.lost];
}

// ------------------------------------------------------------------------------------------------ fixtures

/**
 * `traceFixture` plus a distributor, a retailer, a second hospital and a second carrier (the distributor and the
 * second carrier licensed a year longer than everyone else), sites for every recipient (the hospital two), and a
 * Released mask batch (lot "MK-0100", 10,000 masks) in Northwind's holding. `freeAccounts` keeps six free accounts.
 */
export async function custodyFixture() {
  const f = await traceFixture();
  const { registry, regulatorA, regulatorB } = f;
  const [distributor, retailer, hospital2, carrier2] = f.freeAccounts.slice(6, 10);
  const quorum = [regulatorA, regulatorB];
  const longLicence = f.licenceExpiry + YEAR;

  const distributorOrg = await admit(
    registry,
    distributor,
    { name: "MedSupply Distribution", role: BusinessRole.Distributor, licenceExpiry: longLicence },
    quorum,
  );
  const retailerOrg = await admit(
    registry,
    retailer,
    { name: "Corner Pharmacy", role: BusinessRole.Retailer, licenceExpiry: f.licenceExpiry },
    quorum,
  );
  const hospital2Org = await admit(
    registry,
    hospital2,
    { name: "St Mary's Hospital", role: BusinessRole.Hospital, licenceExpiry: f.licenceExpiry },
    quorum,
  );
  const carrier2Org = await admit(
    registry,
    carrier2,
    { name: "Long Haul Freight", role: BusinessRole.Logistics, licenceExpiry: longLicence },
    quorum,
  );

  await (await registry.connect(f.hospital).registerSite(SITE_HOSPITAL, "City General stores")).wait();
  await (await registry.connect(f.hospital).registerSite(SITE_HOSPITAL_WARD, "City General ward 4")).wait();
  await (await registry.connect(distributor).registerSite(SITE_DISTRIBUTOR, "MedSupply hub")).wait();
  await (await registry.connect(retailer).registerSite(SITE_RETAILER, "Corner Pharmacy shop")).wait();
  await (await registry.connect(hospital2).registerSite(SITE_HOSPITAL_2, "St Mary's stores")).wait();

  const maskId = await releasedBatch(f, MASK, "MK-0100");

  return {
    ...f,
    freeAccounts: f.freeAccounts.slice(0, 6) as HardhatEthersSigner[],
    distributor,
    retailer,
    hospital2,
    carrier2,
    distributorOrgId: distributorOrg.orgId,
    retailerOrgId: retailerOrg.orgId,
    hospital2OrgId: hospital2Org.orgId,
    carrier2OrgId: carrier2Org.orgId,
    maskId,
    receiptWindow: DEFAULT_RECEIPT_WINDOW,
  };
}

export type CustodyFixture = Awaited<ReturnType<typeof custodyFixture>>;

/** Northwind ships `quantity` masks of the fixture's batch to the hospital's site 0, carried by the carrier. */
export function shipToHospital(
  f: CustodyFixture,
  quantity = SHIPPED,
  overrides: { ref?: string; toSite?: bigint } = {},
) {
  return ship(f.ledger, f.maker, {
    batchId: f.maskId,
    toOrgId: f.hospitalOrgId,
    quantity,
    carrierOrgId: f.carrierOrgId,
    docHash: DOC,
    ...overrides,
  });
}

/** `custodyFixture` plus a shipment of 1,000 masks from Northwind to the hospital, InTransit, and its hand-over time. */
export async function shippedFixture() {
  const f = await custodyFixture();
  const { shipmentId, shipment } = await shipToHospital(f);
  const shippedAt = BigInt(await time.latest());
  return { ...f, shipmentId, shipment, shippedAt };
}

export type ShippedFixture = Awaited<ReturnType<typeof shippedFixture>>;

/** `shippedFixture` with the shipment picked up by the carrier, and the pick-up time. */
export async function pickedUpFixture() {
  const f = await shippedFixture();
  const pickedUpAt = await timestampOf(await f.ledger.connect(f.carrier).pickUp(f.shipment));
  return { ...f, pickedUpAt };
}

/** `pickedUpFixture` with the shipment delivered, and the delivery time. */
export async function deliveredFixture() {
  const f = await pickedUpFixture();
  const deliveredAt = await timestampOf(await f.ledger.connect(f.carrier).deliver(f.shipment));
  return { ...f, deliveredAt };
}

/** `shippedFixture` with the shipment refused by the hospital, and the refusal time. */
export async function refusedFixture() {
  const f = await shippedFixture();
  const refusedAt = await timestampOf(await f.ledger.connect(f.hospital).refuse(f.shipment, REFUSAL));
  return { ...f, refusedAt };
}

/** `shippedFixture` with the shipment received in full: the hospital holds 1,000 masks of a Released batch. */
export async function hospitalStockFixture() {
  const f = await shippedFixture();
  await (await f.ledger.connect(f.hospital).receiveShipment(f.shipment, SHIPPED, true)).wait();
  return f;
}

export type HospitalStockFixture = Awaited<ReturnType<typeof hospitalStockFixture>>;

export { REASONS };
