/**
 * Demo chapter: a custom knee implant, from prescription to installation. City General's orthopaedic surgeon prescribes
 * a patient-specific knee; the hospital orders it from an implant maker; the maker designs it and prints it from a
 * batch of titanium alloy powder; a regulator approves its compliance; it ships through the ledger, is received and
 * installed; the maker files the first service record. The order's own history is then proved from the logs.
 */
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { AllianceRegistry, BatchLedger, DeviceOrderBook, ProductCatalog } from "../../typechain-types";
import { documentHash } from "../lib/alliance";
import { saltedPatientRef } from "../lib/adverse";
import { DAY, YEAR } from "../lib/formation";
import { companyPrefixDigits, formatGtin, gtin } from "../lib/gs1";
import {
  OrderStatus,
  fetchOrderHistory,
  historyRows,
  orderShipmentRef,
  placeOrder,
  proveOrderHistory,
} from "../lib/orders";
import {
  BatchStatus,
  Category,
  DeviceClass,
  approveProduct,
  commission,
  lot,
  productSpec,
  ship,
  unit,
} from "../lib/trace";

export interface OrdersChapter {
  contracts: {
    registry: AllianceRegistry;
    catalog: ProductCatalog;
    ledger: BatchLedger;
    /** Deployed on the ledger (scripts/lib/orders.ts `deployOrders`). */
    orders: DeviceOrderBook;
  };
  signers: {
    /** The admin of an implant maker: Active as MANUFACTURER, owning `implantPrefix`, with a registered site 0. */
    implantMaker: HardhatEthersSigner;
    /** The admin (or an operator) of the hospital: Active as HOSPITAL, with a registered site 0. */
    hospital: HardhatEthersSigner;
    /** The admin of a carrier, Active as LOGISTICS. */
    carrier: HardhatEthersSigner;
    /** The device regulator: approves the products and rules on the implant's compliance. */
    regulator: HardhatEthersSigner;
    /** The maker of the titanium powder (SUPPLIER or MANUFACTURER owning `powderPrefix`, site 0); by default the
     * implant maker atomises its own powder. */
    powderMaker?: HardhatEthersSigner;
  };
  /** The implant maker's GS1 company prefix (encoded as scripts/lib/gs1.ts `companyPrefix`). */
  implantPrefix: bigint;
  /** The powder maker's prefix; defaults to `implantPrefix`. */
  powderPrefix?: bigint;
  /** Organisation names for the story (the registry keeps names in events only). */
  names?: ReadonlyMap<bigint, string>;
  say: (text: string) => void;
}

/** A GTIN-14 under an encoded company prefix: indicator 0, the prefix, the item reference zero-padded. */
function gtinUnder(prefix: bigint, itemReference: number): bigint {
  const digits = companyPrefixDigits(prefix);
  return gtin("0" + digits + String(itemReference).padStart(12 - digits.length, "0"));
}

/** Runs the chapter; returns the order's id. */
export async function customImplantChapter({
  contracts,
  signers,
  implantPrefix,
  powderPrefix,
  names,
  say,
}: OrdersChapter): Promise<bigint> {
  const { registry, catalog, ledger, orders } = contracts;
  const { implantMaker, hospital, carrier, regulator } = signers;
  const powderMaker = signers.powderMaker ?? implantMaker;
  const name = (orgId: bigint) => names?.get(orgId) ?? `organisation #${orgId}`;
  const [makerOrgId] = await registry.membershipOf(implantMaker.address);
  const [hospitalOrgId] = await registry.membershipOf(hospital.address);
  const [carrierOrgId] = await registry.membershipOf(carrier.address);
  const [powderOrgId] = await registry.membershipOf(powderMaker.address);
  const status = async (orderId: bigint) => OrderStatus[Number(await orders.statusOf(orderId))];

  // Products: a class III patient-specific knee (held 7 days, the device floor) and the powder it is printed from.
  const knee = gtinUnder(implantPrefix, 42);
  const powder = gtinUnder(powderPrefix ?? implantPrefix, 43);
  const kneeSpec = productSpec(knee, implantPrefix, Category.Device, {
    deviceClass: DeviceClass.III,
    packSize: 1,
    minTemperature: 0,
    maxTemperature: 300,
    proposedHoldPeriod: 7n * DAY,
  });
  await approveProduct(catalog, implantMaker, regulator, kneeSpec, 7n * DAY);
  const powderSpec = productSpec(powder, powderPrefix ?? implantPrefix, Category.RawMaterial, {
    unitOfMeasure: unit("KGM"),
    packSize: 1,
    proposedHoldPeriod: 2n * DAY,
  });
  await approveProduct(catalog, powderMaker, regulator, powderSpec, 2n * DAY);
  say(`${name(makerOrgId)} registers a patient-specific knee implant (GTIN ${formatGtin(knee)}, a class III device)`);
  say(
    `and ${name(powderOrgId)} its Ti-6Al-4V titanium powder (GTIN ${formatGtin(powder)}); the regulator approves both.`,
  );

  const today = BigInt(await time.latest());
  const powderBatch = await commission(ledger, powderMaker, {
    gtin: powder,
    lot: lot("TI64-2611-07"),
    quantity: 250n,
    producedAt: today,
    expiresAt: today + 5n * YEAR,
    site: 0,
    docHash: documentHash("powder certificate TI64-2611-07: ASTM F3001, O 0.11 %"),
    docURI: "ipfs://batches/TI64-2611-07",
    inputs: [],
  });
  say("A 250 kg batch of powder, lot TI64-2611-07, goes on the ledger with its certificate of analysis.");

  // The prescription: the patient appears only as a salted hash; the salt stays in the hospital's records.
  const { patientRef } = saltedPatientRef("MRN-2611-0733");
  const orderId = await placeOrder(orders, hospital, {
    manufacturerOrgId: makerOrgId,
    gtin: knee,
    patientRef,
    requirementsHash: documentHash("prescription: left knee, CT series 2611-0733, femoral size 6, varus 4 deg"),
    requirementsURI: "https://orthopaedics.city-general.example/orders/2611-0733",
  });
  say(`${name(hospitalOrgId)}'s surgeon prescribes a custom left knee from CT images.`);
  say(`The hospital places order #${orderId} with ${name(makerOrgId)}: the product, the prescription's hash and link,`);
  say("and the patient only as a salted hash; destroying the salt would erase the link to the patient for good.");

  await (
    await orders.connect(implantMaker).design(orderId, {
      designHash: documentHash("design parameters: femoral size 6, posterior slope 3 deg, lattice 600 um"),
      designURI: "ipfs://designs/2611-0733-v1",
      rawMaterials: [powderBatch],
    })
  ).wait();
  say(
    `${name(makerOrgId)} records the design parameters' hash and the powder lot it will print from (${await status(orderId)}).`,
  );

  const printedAt = BigInt(await time.latest());
  const kneeBatch = await commission(ledger, implantMaker, {
    gtin: knee,
    lot: lot("KN-2611-0733"),
    quantity: 1n,
    producedAt: printedAt,
    expiresAt: printedAt + 10n * YEAR,
    site: 0,
    docHash: documentHash("device history record KN-2611-0733"),
    docURI: "ipfs://batches/KN-2611-0733",
    inputs: [],
  });
  await (await orders.connect(implantMaker).completeProduction(orderId, kneeBatch, 0n)).wait();
  const produced = await orders.orderOf(orderId);
  const windowDays = Number(await orders.complianceWindow()) / 86_400;
  say(`The knee is printed, finished and commissioned as a batch of one, lot KN-2611-0733; production is linked to`);
  say(`the order (${await status(orderId)}). The regulator has ${windowDays} days, until`);
  say(
    `${new Date(Number(produced.complianceDeadline) * 1000).toUTCString()}, to rule; after that the hospital may cancel.`,
  );

  await (
    await orders
      .connect(regulator)
      .approveCompliance(orderId, documentHash("statement for a custom-made device: conforms; class III, Annex XIII"))
  ).wait();
  await (
    await ledger
      .connect(regulator)
      .releaseEarly(kneeBatch, documentHash(`custom-made device approved under order #${orderId}`))
  ).wait();
  say(`The regulator finds it compliant (${await status(orderId)}) and releases the one-unit batch without the`);
  say(`7-day hold: it is ${BatchStatus[Number(await ledger.batchStatus(kneeBatch))]}.`);

  const { shipment } = await ship(ledger, implantMaker, {
    batchId: kneeBatch,
    toOrgId: hospitalOrgId,
    quantity: 1n,
    carrierOrgId,
    ref: orderShipmentRef(await orders.getAddress(), orderId),
    docHash: documentHash("delivery note KN-2611-0733, sterile"),
  });
  await (await ledger.connect(carrier).pickUp(shipment)).wait();
  await (await ledger.connect(carrier).deliver(shipment)).wait();
  await (await ledger.connect(hospital).receiveShipment(shipment, 1n, true)).wait();
  say(`It ships through the ledger with ${name(carrierOrgId)}, the shipment's reference naming order #${orderId};`);
  say("the carrier picks it up and delivers it, and the hospital receives it.");

  await (
    await orders
      .connect(hospital)
      .confirmInstallation(
        orderId,
        shipment,
        documentHash("operative report: total knee arthroplasty, left, implant seated, no complications"),
        "https://orthopaedics.city-general.example/op/2611-0733",
      )
  ).wait();
  say(`The operation goes well; the hospital records the installation (${await status(orderId)}).`);
  await (
    await orders
      .connect(implantMaker)
      .recordService(
        orderId,
        documentHash("6-week follow-up: radiograph, stable fixation"),
        "ipfs://service/2611-0733-1",
      )
  ).wait();
  say(`${name(makerOrgId)} files its first service record, the post-operative check of fit and fixation; more follow`);
  say("over the implant's life, from the maker or the hospital.");

  const entries = await fetchOrderHistory(orders, orderId);
  console.table(historyRows(entries));
  const proof = await proveOrderHistory(orders, orderId);
  say(
    `Anyone rebuilds the order's ${proof.count.toLocaleString("en-US")} records from the logs: head ` +
      `${proof.head.slice(0, 10)}… ${proof.valid ? "matches" : "does NOT match"} the one the order book stores.`,
  );
  return orderId;
}
