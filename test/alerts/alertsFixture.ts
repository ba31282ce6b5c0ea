/**
 * The alerts suite's worlds, on top of the CLI world (test/helpers/cliFixture.ts). Each fixture sets up the events or
 * the deadlines one group of rules watches; `start` is the first block after the CLI world, where the suite's watches
 * begin.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import hre, { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import {
  AdverseEventRegistry__factory,
  DeviceOrderBook__factory,
  DonationEscrow__factory,
  FieldReadings__factory,
  SerialRegistry__factory,
  SupplyAgreements__factory,
} from "../../typechain-types";
import { Severity, fileReport, patientRef, reportRequest } from "../../scripts/lib/adverse";
import { buildTerms, fund, propose, sign } from "../../scripts/lib/agreements";
import { AccountKind, BusinessRole, documentHash } from "../../scripts/lib/alliance";
import { needRequest } from "../../scripts/lib/donations";
import { DAY, YEAR, admit } from "../../scripts/lib/formation";
import { gtin } from "../../scripts/lib/gs1";
import { placeOrder } from "../../scripts/lib/orders";
import { ReadingKind, buildSubmission, readingsDomainOf, signReading } from "../../scripts/lib/readings";
import { SerialTree, unitOf } from "../../scripts/lib/serials";
import { Category, DeviceClass, approveProduct, commission, lot, productSpec, ship } from "../../scripts/lib/trace";
import type { Alert } from "../../scripts/lib/alerts";
import { MASK_GTIN, MASK_LOT, MEMBERS, PREFIX_MEDITECH, cliFixture } from "../helpers/cliFixture";

/** The CLI world, and the first block after it. */
export async function baseFixture() {
  const f = await loadFixture(cliFixture);
  const start = (await ethers.provider.getBlockNumber()) + 1;
  return { ...f, start };
}

/**
 * Custody with shortfalls: 500 masks shipped to City General Hospital, 480 received; 300 to Hillside Rural Clinic, all
 * received; 200 to Harbour Distribution, settled by a regulator at 150.
 */
export async function custodyFixture() {
  const f = await loadFixture(baseFixture);
  const maker = f.account("maker");
  const carrier = f.ledger.connect(f.account("carrier"));
  const deliver = async (to: "hospital" | "clinic" | "distributor", quantity: bigint, note: string) => {
    const shipped = await ship(f.ledger, maker, {
      batchId: f.maskBatch,
      toOrgId: f.orgIds[to],
      quantity,
      carrierOrgId: f.orgIds.carrier,
      docHash: documentHash(note),
    });
    await (await carrier.pickUp(shipped.shipment)).wait();
    await (await carrier.deliver(shipped.shipment)).wait();
    return shipped;
  };
  const toHospital = await deliver("hospital", 500n, "delivery note 1");
  await (await f.ledger.connect(f.account("hospital")).receiveShipment(toHospital.shipment, 480n, true)).wait();
  const toClinic = await deliver("clinic", 300n, "delivery note 2");
  await (await f.ledger.connect(f.account("clinic")).receiveShipment(toClinic.shipment, 300n, true)).wait();
  const toDistributor = await deliver("distributor", 200n, "delivery note 3");
  await (await f.ledger.connect(f.regulators[0]).settle(toDistributor.shipment, 150n, documentHash("50 lost"))).wait();
  return { ...f, toHospital, toClinic, toDistributor };
}

export const SERIALS = ["SN-0001", "SN-0002", "SN-0003"];
export const PHARMACY_GLN = BigInt(MEMBERS.pharmacy.site);

/** The mask batch serialised; Corner Pharmacy reports unit SN-0002 seen twice; a regulator recalls the batch. */
export async function unitsFixture() {
  const f = await loadFixture(baseFixture);
  const serials = SerialRegistry__factory.connect(f.address("SerialRegistry"), f.governor);
  const tree = SerialTree.build(MASK_GTIN, MASK_LOT, SERIALS);
  await (await serials.connect(f.account("maker")).commitSerials(f.maskBatch, tree.root, tree.count)).wait();
  const proof = tree.proofOf("SN-0002");
  const report = { unit: unitOf(proof), place: ethers.toBeHex(PHARMACY_GLN, 32), evidenceHash: documentHash("photos") };
  await (await serials.connect(f.account("pharmacy")).reportClone(report, proof.proof)).wait();
  await (await f.ledger.connect(f.regulators[0]).recall(f.maskBatch, 2, documentHash("clones in circulation"))).wait();
  return { ...f, serials };
}

export const LOGGER_ACCOUNT = 16;

/** 100 masks in transit to the hospital; the carrier's logger reads 21.5 °C, then 45.5 °C (held), then 46.0 °C. */
export async function coldChainFixture() {
  const f = await loadFixture(baseFixture);
  const readings = FieldReadings__factory.connect(f.address("FieldReadings"), f.governor);
  const carrier = f.account("carrier");
  const logger = f.signers[LOGGER_ACCOUNT];
  await (await f.registry.connect(carrier).inviteAccount(logger.address, AccountKind.Device)).wait();
  await (await f.registry.connect(logger).acceptInvitation(f.orgIds.carrier)).wait();
  const { shipmentId, shipment } = await ship(f.ledger, f.account("maker"), {
    batchId: f.maskBatch,
    toOrgId: f.orgIds.hospital,
    quantity: 100n,
    carrierOrgId: f.orgIds.carrier,
    docHash: documentHash("delivery note cold"),
  });
  const domain = await readingsDomainOf(readings);
  const now = BigInt(await time.latest());
  const signed = [];
  for (const [i, value] of [215n, 455n, 460n].entries()) {
    const reading = {
      shipmentId,
      kind: ReadingKind.Temperature,
      value,
      timestamp: now,
      sequence: BigInt(i + 1),
      deadline: now + 3600n,
    };
    signed.push(await signReading(logger, reading, domain));
  }
  const submission = buildSubmission(signed, [shipment]);
  await (await readings.connect(carrier).submit(submission.shipments, submission.readings)).wait();
  return { ...f, readings, logger, shipmentId, shipment };
}

export const KNEE_GTIN = gtin("0401234500042");
export const POWDER_GTIN = gtin("0401234500043");
export const NEW_MEMBER = "Bay Medical Supplies";
export const NEW_MEMBER_ACCOUNT = 18;
const ETHER = 10n ** 18n;

/**
 * Deadlines: a new member whose licence expires in 20 days; needs — #1 posted and not verified, #2 verified, closing
 * in 30 hours with 10 % raised, #3 closing in 30 hours with 80 % raised, #4 closing in 10 days with nothing raised;
 * adverse event report #1 filed, untriaged; custom device order #1 produced (compliance window running); agreement #1
 * funded, hand-over due in 2 days, nothing shipped.
 */
export async function deadlinesFixture() {
  const f = await loadFixture(baseFixture);
  const [regulator] = f.regulators;
  const hospital = f.account("hospital");
  const t0 = BigInt(await time.latest());
  const member = await admit(
    f.registry,
    f.signers[NEW_MEMBER_ACCOUNT],
    { name: NEW_MEMBER, role: BusinessRole.Distributor, licenceExpiry: t0 + 20n * DAY },
    [f.regulators[0], f.regulators[1]],
  );
  const licenceExpiry = t0 + 20n * DAY;

  const escrow = DonationEscrow__factory.connect(f.address("DonationEscrow"), f.governor);
  const post = async (hours: bigint, raised: bigint, verify = true) => {
    const request = needRequest({
      gtin: MASK_GTIN,
      quantity: 100n,
      deadline: BigInt(await time.latest()) + hours * 3600n,
      maxUnitPrice: ETHER / 100n, // a target of 1 ETH
    });
    const needId = await escrow.connect(hospital).postNeed.staticCall(request);
    await (await escrow.connect(hospital).postNeed(request)).wait();
    if (verify) await (await escrow.connect(regulator).verifyNeed(needId)).wait();
    if (raised > 0n) await (await escrow.connect(f.donors[0]).donate(needId, raised, { value: raised })).wait();
    return needId;
  };
  const unverified = await post(10n * 24n, 0n, false);
  const underfunded = await post(30n, ETHER / 10n);
  const funded = await post(30n, (ETHER * 8n) / 10n);
  const distant = await post(10n * 24n, 0n);

  const adverse = AdverseEventRegistry__factory.connect(f.address("AdverseEventRegistry"), f.governor);
  const reportId = await fileReport(
    adverse,
    hospital,
    reportRequest({
      batchId: f.maskBatch,
      severity: Severity.Serious,
      descriptionHash: documentHash("skin reaction"),
      descriptionURI: "https://city-general.example/reports/1",
      patientRef: patientRef("0x" + "22".repeat(32), "MRN-1"),
    }),
  );

  const meditech = f.account("deviceMaker");
  const orders = DeviceOrderBook__factory.connect(f.address("DeviceOrderBook"), f.governor);
  const device = { deviceClass: DeviceClass.III, packSize: 1, proposedHoldPeriod: 7n * DAY };
  await approveProduct(
    f.catalog,
    meditech,
    regulator,
    productSpec(KNEE_GTIN, PREFIX_MEDITECH, Category.Device, device),
    7n * DAY,
  );
  await approveProduct(
    f.catalog,
    meditech,
    regulator,
    productSpec(POWDER_GTIN, PREFIX_MEDITECH, Category.RawMaterial, { packSize: 1, proposedHoldPeriod: 2n * DAY }),
    2n * DAY,
  );
  const now = BigInt(await time.latest());
  const base = { producedAt: now, site: 0n, docURI: "ipfs://batches", inputs: [], expiresAt: now + 5n * YEAR };
  const powder = await commission(f.ledger, meditech, {
    ...base,
    gtin: POWDER_GTIN,
    lot: lot("TI64-01"),
    quantity: 250n,
    docHash: documentHash("powder"),
  });
  const knee = await commission(f.ledger, meditech, {
    ...base,
    gtin: KNEE_GTIN,
    lot: lot("KN-01"),
    quantity: 2n,
    docHash: documentHash("knees"),
  });
  const orderId = await placeOrder(orders, hospital, {
    manufacturerOrgId: f.orgIds.deviceMaker,
    gtin: KNEE_GTIN,
    patientRef: patientRef("0x" + "33".repeat(32), "MRN-2"),
    requirementsHash: documentHash("prescription"),
    requirementsURI: "https://city-general.example/orders/1",
  });
  const design = { designHash: documentHash("design"), designURI: "ipfs://design", rawMaterials: [powder] };
  await (await orders.connect(meditech).design(orderId, design)).wait();
  await (await orders.connect(meditech).completeProduction(orderId, knee, 0n)).wait();

  const agreements = SupplyAgreements__factory.connect(f.address("SupplyAgreements"), f.governor);
  const terms = buildTerms({
    buyerOrgId: f.orgIds.hospital,
    supplierOrgId: f.orgIds.maker,
    carrierOrgId: f.orgIds.carrier,
    gtin: MASK_GTIN,
    handOverDeadline: BigInt(await time.latest()) + 2n * DAY,
  });
  const agreementId = await propose(agreements, hospital, terms);
  await (await sign(agreements, f.account("maker"), agreementId, terms, terms.supplierCollateral)).wait();
  await (await sign(agreements, f.account("carrier"), agreementId, terms, terms.carrierCollateral)).wait();
  await (await fund(agreements, hospital, agreementId, terms)).wait();

  return {
    ...f,
    member,
    licenceExpiry,
    escrow,
    needs: { unverified, underfunded, funded, distant },
    adverse,
    reportId,
    orders,
    orderId,
    agreements,
    agreementId,
    terms,
  };
}

// ------------------------------------------------------------------------------------------------ running the watch

/** What a watch run printed: the alerts (its --json lines), and its lines on stderr. */
export interface Run {
  alerts: Alert[];
  lines: string[];
  errors: string[];
}

/** Runs `watch` with the arguments given (plus --once and --json unless told), capturing stdout and stderr. */
export async function runWatch(args: Record<string, unknown>, options: { json?: boolean } = {}): Promise<Run> {
  const log = console.log;
  const error = console.error;
  const lines: string[] = [];
  const errors: string[] = [];
  console.log = (...parts: unknown[]) => lines.push(parts.join(" "));
  console.error = (...parts: unknown[]) => errors.push(parts.join(" "));
  try {
    await hre.run("watch", { once: true, json: options.json ?? true, ...args });
  } finally {
    console.log = log;
    console.error = error;
  }
  const alerts = options.json === false ? [] : lines.map((line) => JSON.parse(line) as Alert);
  return { alerts, lines, errors };
}

/** A fresh state file path in a temporary folder (the file does not exist yet). */
export function freshState(): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), "medalliance-watch-")), "state.json");
}
