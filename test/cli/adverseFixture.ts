/**
 * The adverse event CLI suite's world, on top of the serials suite's stock fixture: a Serious report filed by City
 * General Hospital against unit 3 of the mask batch, and MediTech Implants' knee implant with order 1 produced (unit 0
 * of a two-unit batch) and order 2 only placed.
 */
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { AdverseEventRegistry__factory, DeviceOrderBook__factory } from "../../typechain-types";
import { documentHash } from "../../scripts/lib/alliance";
import { Severity, fileReport, patientRef, reportRequest } from "../../scripts/lib/adverse";
import { DAY, YEAR } from "../../scripts/lib/formation";
import { customKneeSpec, placeOrder } from "../../scripts/lib/orders";
import { approveProduct, commission, lot } from "../../scripts/lib/trace";
import { PREFIX_MEDITECH } from "../helpers/cliFixture";
import { KNEE_GTIN, kneeOrder } from "./ordersFixture";
import { stockFixture } from "./serialsFixture";

export const SALT = "0x" + "22".repeat(32);
export const PATIENT = "MRN-0042";
export const KNEE_LOT = "KN-2611-0001";
export { KNEE_GTIN, KNEE_TEXT } from "./ordersFixture";

/** Report 1: City General Hospital, Serious, unit 3 of the mask batch. */
export async function reportedFixture() {
  const f = await loadFixture(stockFixture);
  const adverse = AdverseEventRegistry__factory.connect(f.address("AdverseEventRegistry"), f.governor);
  const reportId = await fileReport(
    adverse,
    f.hospital,
    reportRequest({
      batchId: f.maskBatch,
      severity: Severity.Serious,
      descriptionHash: documentHash("rash and breathing difficulty"),
      descriptionURI: "https://city-general.example/cases/1",
      patientRef: patientRef(SALT, PATIENT),
      unitIndex: 3n,
    }),
  );
  return { ...f, adverse, reportId, regulator: f.regulators[0] };
}

/** Order 1 of a knee implant produced as unit 0 of the knee batch; order 2 placed only. */
export async function ordersFixture() {
  const f = await loadFixture(reportedFixture);
  const meditech = f.account("deviceMaker");
  const orders = DeviceOrderBook__factory.connect(f.address("DeviceOrderBook"), f.governor);
  await approveProduct(f.catalog, meditech, f.regulator, customKneeSpec(KNEE_GTIN, PREFIX_MEDITECH), 7n * DAY);
  const producedAt = BigInt(await time.latest());
  const record = { docHash: documentHash("device history record"), docURI: "ipfs://batches/knee", inputs: [] };
  const knee = { gtin: KNEE_GTIN, lot: lot(KNEE_LOT), quantity: 2n, site: 0n };
  const kneeBatch = await commission(f.ledger, meditech, {
    ...knee,
    ...record,
    producedAt,
    expiresAt: producedAt + 10n * YEAR,
  });
  const order = kneeOrder(f, { patientRef: patientRef(SALT, PATIENT), requirementsHash: documentHash("left knee") });
  const orderId = await placeOrder(orders, f.hospital, order);
  await (
    await orders
      .connect(meditech)
      .design(orderId, { designHash: documentHash("design"), designURI: "ipfs://d/1", rawMaterials: [f.maskBatch] })
  ).wait();
  await (await orders.connect(meditech).completeProduction(orderId, kneeBatch, 0n)).wait();
  const placedId = await placeOrder(orders, f.hospital, order);
  return { ...f, orders, meditech, kneeBatch, orderId, placedId };
}
