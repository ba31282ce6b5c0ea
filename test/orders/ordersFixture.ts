/**
 * Fixtures and oracles of the device order book suites, built on `custodyFixture`.
 *
 * The data hashes and the history chain are written from the NatSpec of `OrderRecordKind` and DESIGN "History"
 * (the chain oracle is traceFixture's `chain`), not taken from scripts/lib/orders.ts, which the history suite checks
 * separately.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { ContractTransactionResponse } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { DeviceOrderBook } from "../../typechain-types";
import { BusinessRole, documentHash, roleMask } from "../../scripts/lib/alliance";
import { DAY, YEAR, admit } from "../../scripts/lib/formation";
import { companyPrefix, gln, gtin } from "../../scripts/lib/gs1";
import { patientRef } from "../../scripts/lib/adverse";
import {
  DEFAULT_COMPLIANCE_WINDOW,
  OrderRecordKind,
  OrderStatus,
  type DesignRequest,
  type OrderRequest,
  deployOrders,
} from "../../scripts/lib/orders";
import { Category, DeviceClass, type Shipment, approveProduct, commission, ship } from "../../scripts/lib/trace";
import { PREFIX_SUPPLIER, batchRequest, chain, productSpec, releasedBatch, timestampOf } from "../helpers/traceFixture";
import { custodyFixture } from "../helpers/custodyFixture";

// ------------------------------------------------------------------------------------------------ constants

export const HOSPITAL = roleMask(BusinessRole.Hospital);
export const MANUFACTURER = roleMask(BusinessRole.Manufacturer);
/** `Roles.HOSPITAL | Roles.MANUFACTURER`, the mask of `recordService`. */
export const SERVICE_PARTIES = roleMask(BusinessRole.Manufacturer, BusinessRole.Hospital);

/** The compliance window of the fixture's book. */
export const WINDOW = DEFAULT_COMPLIANCE_WINDOW;

/** Northwind's custom knee implant: a Device of class III (7-day hold, the device floor). */
export const KNEE = gtin("0061414100010");
export const KNEE_HOLD = 7n * DAY;
/** The supplier's titanium alloy powder (Ti-6Al-4V), a raw material (2-day hold). */
export const TITANIUM = gtin("0401234500002");
/** A second manufacturer's device (hip stem), and its prefix and site. */
export const PREFIX_OTHER = companyPrefix("7012345");
export const SITE_OTHER = gln("701234500001");
export const HIP = gtin("0701234500001");

/** The hospital's salt for the patient, and what the order carries. */
export const SALT = ethers.id("salt kept by City General for patient MRN-KN-0042");
export const PATIENT = patientRef(SALT, "MRN-KN-0042");
export const REQUIREMENTS = documentHash("prescription: left knee, CT-based patient-specific femoral component");
export const REQUIREMENTS_URI = "https://city-general.example/orthopaedics/orders/kn-0042";
export const DESIGN = documentHash("design parameters v1: femoral size 6, posterior slope 3 deg");
export const DESIGN_V2 = documentHash("design parameters v2: femoral size 6, posterior slope 5 deg");
export const CERTIFICATE = documentHash("compliance certificate: custom-made device statement, Annex XIII");
export const REJECTION = documentHash("rejected: porosity of the lattice outside the specification");
export const INSTALLATION = documentHash("operative report: total knee arthroplasty, implant seated");
export const SERVICE = documentHash("follow-up: 6-week radiograph, stable fixation");
export const CANCELLATION = documentHash("cancelled: the patient chose another treatment");
export const DOC = documentHash("delivery note: one custom knee implant");

// ------------------------------------------------------------------------------------------------ builders

/** The hospital's order of a knee implant from Northwind; override any field. */
export function kneeOrder(manufacturerOrgId: bigint, overrides: Partial<OrderRequest> = {}): OrderRequest {
  return {
    manufacturerOrgId,
    gtin: KNEE,
    patientRef: PATIENT,
    requirementsHash: REQUIREMENTS,
    requirementsURI: REQUIREMENTS_URI,
    ...overrides,
  };
}

/** Northwind's design from the titanium batch; override any field. */
export function kneeDesign(rawMaterials: string[], overrides: Partial<DesignRequest> = {}): DesignRequest {
  return { designHash: DESIGN, designURI: "ipfs://designs/kn-0042-v1", rawMaterials, ...overrides };
}

/** The request as the OrderPlaced event decodes it (ethers decodes structs as arrays). */
export const orderAsEventArg = (r: OrderRequest) => [
  r.manufacturerOrgId,
  r.gtin,
  r.patientRef,
  r.requirementsHash,
  r.requirementsURI,
];
export const designAsEventArg = (d: DesignRequest) => [d.designHash, d.designURI, d.rawMaterials];

// ------------------------------------------------------------------------------------------------ oracles

const coder = ethers.AbiCoder.defaultAbiCoder();

export const refOf = (book: string, orderId: bigint) =>
  ethers.keccak256(coder.encode(["address", "uint256"], [book, orderId]));
export const placedData = (hospitalOrgId: bigint, r: OrderRequest) =>
  ethers.keccak256(
    coder.encode(
      ["uint32", "uint32", "uint64", "bytes32", "bytes32"],
      [hospitalOrgId, r.manufacturerOrgId, r.gtin, r.patientRef, r.requirementsHash],
    ),
  );
export const designedData = (d: DesignRequest) =>
  ethers.keccak256(coder.encode(["bytes32", "bytes32[]"], [d.designHash, d.rawMaterials]));
export const producedData = (batchId: string, unitIndex: bigint) =>
  ethers.keccak256(coder.encode(["bytes32", "uint256"], [batchId, unitIndex]));
export const installedData = (shipmentId: string, report: string) =>
  ethers.keccak256(coder.encode(["bytes32", "bytes32"], [shipmentId, report]));
export const shipmentIdOf = (s: Shipment) =>
  ethers.keccak256(
    coder.encode(
      ["tuple(bytes32,uint32,uint32,uint32,uint64,uint64,uint256,bytes32,uint256)"],
      [[s.batchId, s.fromOrgId, s.toOrgId, s.carrierOrgId, s.fromGln, s.toGln, s.quantity, s.ref, s.sequence]],
    ),
  );

/**
 * Sends `send()` and asserts it appended exactly one record to the order's history: the OrderRecorded event with the
 * previous head, `kind`, `actor`, the block's timestamp and `dataHash`, and the new head and count read back.
 */
export async function expectOrderRecord(
  book: DeviceOrderBook,
  send: () => Promise<ContractTransactionResponse>,
  orderId: bigint,
  actor: string,
  kind: OrderRecordKind,
  dataHash: string,
): Promise<ContractTransactionResponse> {
  const [prevHead, count] = await book.historyOf(orderId);
  const tx = await send();
  const timestamp = await timestampOf(tx);
  await expect(tx).to.emit(book, "OrderRecorded").withArgs(orderId, actor, prevHead, kind, timestamp, dataHash);
  expect(await book.historyOf(orderId)).to.deep.equal([
    chain(prevHead, kind as number, actor, timestamp, dataHash),
    count + 1n,
  ]);
  return tx;
}

/** An order as `orderOf` returns it, as plain fields. */
export async function orderFieldsOf(book: DeviceOrderBook, orderId: bigint) {
  const o = await book.orderOf(orderId);
  return {
    gtin: o.gtin,
    hospitalOrgId: o.hospitalOrgId,
    manufacturerOrgId: o.manufacturerOrgId,
    status: Number(o.status) as OrderStatus,
    placedAt: o.placedAt,
    producedAt: o.producedAt,
    complianceDeadline: o.complianceDeadline,
    batchId: o.batchId,
    unitIndex: o.unitIndex,
    head: o.head,
    recordCount: o.recordCount,
  };
}

// ------------------------------------------------------------------------------------------------ fixtures

/**
 * `custodyFixture` plus: the order book (30-day compliance window); Northwind's approved knee implant (Device, class
 * III) and a Released batch of 5 knees (lot "KN-0001") in its holding; the supplier's titanium powder and a batch of it
 * ("TI-0001", on hold); a second manufacturer (Other Implants, licensed a year longer) with an approved hip stem. `freeAccounts` keeps five.
 */
export async function ordersFixture() {
  const f = await custodyFixture();
  const otherMaker = f.freeAccounts[5];
  const { orgId: otherMakerOrgId } = await admit(
    f.registry,
    otherMaker,
    {
      name: "Other Implants",
      role: BusinessRole.Manufacturer,
      companyPrefixes: [PREFIX_OTHER],
      licenceExpiry: f.licenceExpiry + YEAR, // outlives the others' licences, as the gate suite needs
    },
    [f.regulatorA, f.regulatorB],
  );
  await (await f.registry.connect(otherMaker).registerSite(SITE_OTHER, "Other Implants plant")).wait();

  const book = await deployOrders(f.ledger, f.governor, { complianceWindow: WINDOW });

  const deviceSpec = { category: Category.Device, deviceClass: DeviceClass.III, proposedHoldPeriod: KNEE_HOLD };
  await approveProduct(f.catalog, f.maker, f.regulatorA, productSpec(KNEE, Category.Device, deviceSpec), KNEE_HOLD);
  await approveProduct(
    f.catalog,
    otherMaker,
    f.regulatorA,
    productSpec(HIP, Category.Device, { ...deviceSpec, companyPrefix: PREFIX_OTHER }),
    KNEE_HOLD,
  );
  await approveProduct(
    f.catalog,
    f.supplier,
    f.regulatorA,
    productSpec(TITANIUM, Category.RawMaterial, { companyPrefix: PREFIX_SUPPLIER, proposedHoldPeriod: 2n * DAY }),
    2n * DAY,
  );
  const titaniumId = await commission(f.ledger, f.supplier, await batchRequest(TITANIUM, "TI-0001"));
  const kneeId = await releasedBatch(f, KNEE, "KN-0001", { quantity: 5n });

  return {
    ...f,
    freeAccounts: f.freeAccounts.slice(0, 5) as HardhatEthersSigner[],
    book,
    otherMaker,
    otherMakerOrgId,
    titaniumId,
    kneeId,
    complianceWindow: WINDOW,
  };
}

export type OrdersFixture = Awaited<ReturnType<typeof ordersFixture>>;

/** `ordersFixture` plus order 1: the hospital ordered a knee from Northwind (Placed), and when. */
export async function placedFixture() {
  const f = await ordersFixture();
  const request = kneeOrder(f.makerOrgId);
  const placedAt = await timestampOf(await f.book.connect(f.hospital).place(request));
  return { ...f, orderId: 1n, request, placedAt };
}

export type PlacedFixture = Awaited<ReturnType<typeof placedFixture>>;

/** `placedFixture` with Northwind's design from the titanium batch (Designed). */
export async function designedFixture() {
  const f = await placedFixture();
  const designRequest = kneeDesign([f.titaniumId]);
  await (await f.book.connect(f.maker).design(f.orderId, designRequest)).wait();
  return { ...f, designRequest };
}

export type DesignedFixture = Awaited<ReturnType<typeof designedFixture>>;

/** The unit of the knee batch the fixtures link. */
export const UNIT = 2n;

/** `designedFixture` with production completed: unit 2 of the knee batch (Produced), its time and deadline. */
export async function producedFixture() {
  const f = await designedFixture();
  const producedAt = await timestampOf(await f.book.connect(f.maker).completeProduction(f.orderId, f.kneeId, UNIT));
  return { ...f, producedAt, deadline: producedAt + WINDOW };
}

export type ProducedFixture = Awaited<ReturnType<typeof producedFixture>>;

/** `producedFixture` with the regulator's rejection (Rejected). */
export async function rejectedFixture() {
  const f = await producedFixture();
  await (await f.book.connect(f.regulatorA).rejectCompliance(f.orderId, REJECTION)).wait();
  return f;
}

/** `producedFixture` with the regulator's approval (Approved), no shipment yet. */
export async function approvedFixture() {
  const f = await producedFixture();
  await (await f.book.connect(f.regulatorA).approveCompliance(f.orderId, CERTIFICATE)).wait();
  return f;
}

export type ApprovedFixture = Awaited<ReturnType<typeof approvedFixture>>;

/** Northwind ships one knee of the batch to the hospital, carried by the carrier, with the order's ref by default. */
export function shipKnee(
  f: OrdersFixture,
  overrides: { ref?: string; batchId?: string; toOrgId?: bigint; quantity?: bigint } = {},
  orderId = 1n,
) {
  return ship(f.ledger, f.maker, {
    batchId: f.kneeId,
    toOrgId: f.hospitalOrgId,
    quantity: 1n,
    carrierOrgId: f.carrierOrgId,
    ref: refOf(f.book.target as string, orderId),
    docHash: DOC,
    ...overrides,
  });
}

/** `approvedFixture` with the knee shipped (InTransit), with its id and fields. */
export async function shippedFixture() {
  const f = await approvedFixture();
  const { shipmentId, shipment } = await shipKnee(f);
  return { ...f, shipmentId, shipment };
}

export type ShippedFixture = Awaited<ReturnType<typeof shippedFixture>>;

/** `shippedFixture` with the knee received in full by the hospital (still Approved: ready to install). */
export async function receivedFixture() {
  const f = await shippedFixture();
  await (await f.ledger.connect(f.hospital).receiveShipment(f.shipment, 1n, true)).wait();
  return f;
}

export type ReceivedFixture = Awaited<ReturnType<typeof receivedFixture>>;

/** `receivedFixture` with the installation confirmed (Installed). */
export async function installedFixture() {
  const f = await receivedFixture();
  await (await f.book.connect(f.hospital).confirmInstallation(f.orderId, f.shipment, INSTALLATION, "ipfs://op")).wait();
  return f;
}

export type InstalledFixture = Awaited<ReturnType<typeof installedFixture>>;

/** `placedFixture` cancelled by the hospital (Cancelled). */
export async function cancelledFixture() {
  const f = await placedFixture();
  await (await f.book.connect(f.hospital).cancel(f.orderId, CANCELLATION)).wait();
  return f;
}

/** Moves time to `timestamp` for the next transaction. */
export const atSecond = (timestamp: bigint) => time.setNextBlockTimestamp(timestamp);
