/**
 * The custom device order suite's world, on top of the CLI fixture: MediTech Implants' class III knee implant and its
 * titanium powder approved, a powder batch and a two-unit knee batch on the ledger, and fixtures for each stage of
 * order 1 (City General Hospital → MediTech Implants), built with the libraries so every task is tested from the
 * state it needs. Each stage starts from the snapshot of the one before (loadFixture), so the system keeps the
 * addresses its deployment folder records.
 */
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { DeviceOrderBook__factory } from "../../typechain-types";
import { documentHash } from "../../scripts/lib/alliance";
import { patientRef } from "../../scripts/lib/adverse";
import { DAY, YEAR } from "../../scripts/lib/formation";
import { formatGtin, gtin } from "../../scripts/lib/gs1";
import {
  type OrderRequest,
  customKneeSpec,
  orderShipmentRef,
  placeOrder,
  titaniumPowderSpec,
} from "../../scripts/lib/orders";
import { approveProduct, commission, lot, ship } from "../../scripts/lib/trace";
import { PREFIX_MEDITECH, cliFixture } from "../helpers/cliFixture";

/** MediTech's patient-specific knee (class III device) and the titanium powder it prints it from. */
export const KNEE_GTIN = gtin("0401234500042");
export const KNEE_TEXT = formatGtin(KNEE_GTIN);
export const POWDER_GTIN = gtin("0401234500043");
export const POWDER_TEXT = formatGtin(POWDER_GTIN);
export const POWDER_LOT = "TI64-2611-07";
export const KNEE_LOT = "KN-2611-0733";
/** The salt and patient id of order 1's patient (the hospital's record). */
export const SALT = "0x" + "11".repeat(32);
export const PATIENT = "MRN-2611-0733";
export const PATIENT_REF = patientRef(SALT, PATIENT);
export const COMPLIANCE_WINDOW = 30n * DAY;

/** Order 1's request (City General Hospital to MediTech Implants, the knee for PATIENT), with `changes`. */
export function kneeOrder(f: { orgIds: { deviceMaker: bigint } }, changes: Partial<OrderRequest> = {}): OrderRequest {
  return {
    manufacturerOrgId: f.orgIds.deviceMaker,
    gtin: KNEE_GTIN,
    patientRef: PATIENT_REF,
    requirementsHash: documentHash("prescription: left knee"),
    requirementsURI: "https://city-general.example/orders/1",
    ...changes,
  };
}

export async function devicesFixture() {
  const f = await loadFixture(cliFixture);
  const regulator = f.regulators[0];
  const meditech = f.account("deviceMaker");
  const orders = DeviceOrderBook__factory.connect(f.address("DeviceOrderBook"), f.governor);
  await approveProduct(f.catalog, meditech, regulator, customKneeSpec(KNEE_GTIN, PREFIX_MEDITECH), 7n * DAY);
  await approveProduct(f.catalog, meditech, regulator, titaniumPowderSpec(POWDER_GTIN, PREFIX_MEDITECH), 2n * DAY);
  const now = BigInt(await time.latest());
  /** A MediTech batch of `quantity` units of `code`, lot `lotText`, expiring in `years`, with its record `doc`. */
  const made = (code: bigint, lotText: string, quantity: bigint, years: bigint, doc: string) =>
    commission(f.ledger, meditech, {
      gtin: code,
      lot: lot(lotText),
      quantity,
      producedAt: now,
      expiresAt: now + years * YEAR,
      site: 0n,
      docHash: documentHash(doc),
      docURI: "ipfs://batches",
      inputs: [],
    });
  const powderBatch = await made(POWDER_GTIN, POWDER_LOT, 250n, 5n, "powder certificate");
  const kneeBatch = await made(KNEE_GTIN, KNEE_LOT, 2n, 10n, "device history record");
  return { ...f, orders, regulator, meditech, hospital: f.account("hospital"), powderBatch, kneeBatch };
}

/** Order 1, placed by City General Hospital with MediTech Implants. */
export async function placedFixture() {
  const f = await loadFixture(devicesFixture);
  const orderId = await placeOrder(f.orders, f.hospital, kneeOrder(f));
  return { ...f, orderId };
}

export async function designedFixture() {
  const f = await loadFixture(placedFixture);
  await (
    await f.orders.connect(f.meditech).design(f.orderId, {
      designHash: documentHash("design v1"),
      designURI: "ipfs://designs/1",
      rawMaterials: [f.powderBatch],
    })
  ).wait();
  return f;
}

/** Order 1 produced: unit 0 of the knee batch; the compliance window runs. */
export async function producedFixture() {
  const f = await loadFixture(designedFixture);
  await (await f.orders.connect(f.meditech).completeProduction(f.orderId, f.kneeBatch, 0n)).wait();
  return f;
}

/** Order 1 rejected by a regulator: MediTech may revise, the hospital may cancel. */
export async function rejectedFixture() {
  const f = await loadFixture(producedFixture);
  await (await f.orders.connect(f.regulator).rejectCompliance(f.orderId, documentHash("porosity too high"))).wait();
  return f;
}

/** Order 1 approved, and its batch released early by the regulator. */
export async function approvedFixture() {
  const f = await loadFixture(producedFixture);
  await (await f.orders.connect(f.regulator).approveCompliance(f.orderId, documentHash("conforms"))).wait();
  await (await f.ledger.connect(f.regulator).releaseEarly(f.kneeBatch, documentHash("custom device approved"))).wait();
  return f;
}

/** Order 1's device shipped with the order's reference (in transit). */
export async function shippedFixture() {
  const f = await loadFixture(approvedFixture);
  const { shipmentId, shipment } = await ship(f.ledger, f.meditech, {
    batchId: f.kneeBatch,
    toOrgId: f.orgIds.hospital,
    quantity: 1n,
    carrierOrgId: f.orgIds.carrier,
    ref: orderShipmentRef(await f.orders.getAddress(), f.orderId),
  });
  return { ...f, shipmentId, shipment };
}

/** Order 1's device received by the hospital. */
export async function receivedFixture() {
  const f = await loadFixture(shippedFixture);
  const carrier = f.ledger.connect(f.account("carrier"));
  for (const step of [carrier.pickUp, carrier.deliver]) await (await step(f.shipment)).wait();
  await (await f.ledger.connect(f.hospital).receiveShipment(f.shipment, 1n, true)).wait();
  return f;
}

/** Order 1 installed. */
export async function installedFixture() {
  const f = await loadFixture(receivedFixture);
  await (
    await f.orders
      .connect(f.hospital)
      .confirmInstallation(f.orderId, f.shipment, documentHash("operative report"), "https://op/1")
  ).wait();
  return f;
}
