/**
 * Demo chapter: a cold-chain break. Northwind ships vaccine vials (a Drug stored at 2.0–8.0 °C) to the hospital with
 * Swift; Swift's data logger signs its readings and the carrier's gateway relays them in one batch. One reading says
 * 11.0 °C: the shipment is held at once, the hospital cannot receive it, and a regulator reviews the logger's data
 * and the stability budget and clears it; the hospital then receives the vials.
 */
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { ethers } from "ethers";
import type { AllianceRegistry, BatchLedger, FieldReadings, ProductCatalog } from "../../typechain-types";
import { AccountKind, documentHash } from "../lib/alliance";
import { formatGtin } from "../lib/gs1";
import {
  OUTCOME_TEXT,
  ReadingKind,
  type ReadingOutcome,
  type SignedReading,
  buildSubmission,
  celsius,
  readingsDomain,
  shipmentIdOf,
  signReading,
} from "../lib/readings";
import { Category, ShipmentStatus, approveProduct, commission, lot, productSpec, ship } from "../lib/trace";

export interface ReadingsChapterParams {
  contracts: {
    registry: AllianceRegistry;
    catalog: ProductCatalog;
    ledger: BatchLedger;
    /** Deployed and registered as a ledger module (`BatchLedger.setModule(readings, true)`). */
    readings: FieldReadings;
  };
  signers: {
    /** The admin of a MANUFACTURER owning `companyPrefix`, with a registered site (index 0). */
    maker: HardhatEthersSigner;
    /** The admin of a LOGISTICS member: it registers the logger and runs the gateway. */
    carrier: HardhatEthersSigner;
    /** The admin of a HOSPITAL with a registered site (index 0). */
    hospital: HardhatEthersSigner;
    /** A regulator: approves the vaccine, releases the lot, clears the hold. */
    regulator: HardhatEthersSigner;
  };
  /** The maker's GS1 company prefix (encoded as the registry takes it). */
  companyPrefix: bigint;
  /** A GTIN-14 under that prefix not registered yet: the vaccine. */
  vaccineGtin: bigint;
  /** Organisation names for the story (the registry keeps names in events only). */
  names?: ReadonlyMap<bigint, string>;
  say: (text: string) => void;
}

/** What the chapter leaves behind, for later chapters. */
export interface ReadingsChapterResult {
  batchId: string;
  shipmentId: string;
  logger: string;
}

const MINUTE = 60n;

/** Runs the chapter. */
export async function coldChainChapter({
  contracts,
  signers,
  companyPrefix,
  vaccineGtin,
  names,
  say,
}: ReadingsChapterParams): Promise<ReadingsChapterResult> {
  const { registry, catalog, ledger, readings } = contracts;
  const { maker, carrier, hospital, regulator } = signers;
  const provider = maker.provider;
  const name = (orgId: bigint) => names?.get(orgId) ?? `organisation #${orgId}`;
  const [makerOrgId] = await registry.membershipOf(maker.address);
  const [carrierOrgId] = await registry.membershipOf(carrier.address);
  const [hospitalOrgId] = await registry.membershipOf(hospital.address);
  const statusOf = async (id: string) => ShipmentStatus[Number((await ledger.shipmentState(id)).status)];

  // The vaccine: a Drug stored between 2.0 and 8.0 °C.
  const drugFloor = await catalog.holdFloor(Category.Drug);
  const spec = productSpec(vaccineGtin, companyPrefix, Category.Drug, {
    minTemperature: 20,
    maxTemperature: 80,
    packSize: 10,
    proposedHoldPeriod: drugFloor,
  });
  await approveProduct(catalog, maker, regulator, spec, drugFloor);
  const now = BigInt((await provider.getBlock("latest"))!.timestamp);
  const batchId = await commission(ledger, maker, {
    gtin: vaccineGtin,
    lot: lot("VX-2611-01"),
    quantity: 2_000n,
    producedAt: now - 2n * 86_400n,
    expiresAt: now + 365n * 86_400n,
    site: 0n,
    docHash: documentHash("lot release protocol VX-2611-01"),
    docURI: "ipfs://lot-release/VX-2611-01",
    inputs: [],
  });
  await (
    await ledger
      .connect(regulator)
      .releaseEarly(batchId, documentHash("emergency release: national lot-release certificate issued"))
  ).wait();
  say(`${name(makerOrgId)} registers a vaccine (GTIN ${formatGtin(vaccineGtin)}), to be kept at 2.0–8.0 °C;`);
  say("the agency approves it and, in the emergency, releases lot VX-2611-01 (2,000 vials) on its certificate.");

  // Swift's data logger: a device key its admin registers and the logger accepts.
  const logger = new ethers.Wallet(ethers.id("demo: Swift reefer logger 17"), provider);
  await (await carrier.sendTransaction({ to: logger.address, value: ethers.parseEther("0.01") })).wait();
  await (await registry.connect(carrier).inviteAccount(logger.address, AccountKind.Device)).wait();
  await (await registry.connect(logger).acceptInvitation(carrierOrgId)).wait();
  say(`${name(carrierOrgId)} registers the data logger of reefer 17 as a device key; the logger accepts.`);

  const { shipmentId, shipment } = await ship(ledger, maker, {
    batchId,
    toOrgId: hospitalOrgId,
    quantity: 500n,
    carrierOrgId,
    docHash: documentHash("consignment note VX-2611-01 / 500 vials"),
  });
  await (await ledger.connect(carrier).pickUp(shipment)).wait();
  say(`${name(makerOrgId)} ships 500 vials to ${name(hospitalOrgId)}; ${name(carrierOrgId)} picks them up.`);

  // The logger measures every 20 minutes; the compressor fails before the third reading.
  const { chainId } = await provider.getNetwork();
  const domain = readingsDomain(chainId, await readings.getAddress());
  const start = BigInt((await provider.getBlock("latest"))!.timestamp);
  const temperatures = [48n, 51n, 110n];
  const signed: SignedReading[] = [];
  for (const [i, value] of temperatures.entries()) {
    const reading = {
      shipmentId: shipmentIdOf(shipment),
      kind: ReadingKind.Temperature,
      value,
      timestamp: start + BigInt(i) * 20n * MINUTE,
      sequence: 1_041n + BigInt(i),
      deadline: start + 24n * 60n * MINUTE,
    };
    signed.push(await signReading(logger, reading, domain));
  }
  say(`The logger signs three readings: ${temperatures.map(celsius).join(", ")} (sequence 1,041 to 1,043).`);

  const submission = buildSubmission(signed, [shipment]);
  const receipt = await (await readings.connect(carrier).submit(submission.shipments, submission.readings)).wait();
  let accepted = 0;
  for (const log of receipt!.logs) {
    const parsed = log.address === (await readings.getAddress()) ? readings.interface.parseLog(log) : null;
    if (parsed?.name === "ReadingAccepted") accepted++;
    if (parsed?.name === "ReadingSkipped")
      say(`  skipped: ${OUTCOME_TEXT[Number(parsed.args.reason) as ReadingOutcome]}`);
  }
  say(`${name(carrierOrgId)}'s gateway relays them in one transaction: ${accepted} accepted into the batch history`);
  say(`(${receipt!.gasUsed.toLocaleString("en-GB")} gas for the three readings and the hold they cause).`);
  say(
    `11.0 °C is outside 2.0–8.0 °C: the shipment is now ${await statusOf(shipmentId)}, and the batch counts ` +
      `${await ledger.openExcursionsOf(batchId)} open excursion.`,
  );

  try {
    await ledger.connect(hospital).receiveShipment.staticCall(shipment, 500n, true);
    throw new Error("the hospital could receive a held shipment");
  } catch (error) {
    const data = (error as { data?: string }).data;
    const parsed = data ? ledger.interface.parseError(data) : null;
    if (parsed?.name !== "LedgerUnexpectedShipmentStatus") throw error;
    say(`${name(hospitalOrgId)} tries to receive the vials and is refused: the shipment is held.`);
  }

  const reasons = documentHash(
    "inspection: 11.0 °C for under 40 minutes, within the product's stability budget; vials released for use",
  );
  await (await ledger.connect(regulator).clearHold(shipment, false, reasons)).wait();
  say("The agency's inspector reads the logger's full trace: 40 minutes at 11.0 °C, within the vaccine's");
  say(`stability budget. She clears the hold; the shipment is back to ${await statusOf(shipmentId)}.`);
  await (await ledger.connect(carrier).deliver(shipment)).wait();
  await (await ledger.connect(hospital).receiveShipment(shipment, 500n, true)).wait();
  say(
    `${name(carrierOrgId)} delivers and ${name(hospitalOrgId)} receives all 500 vials; ` +
      `open excursions: ${await ledger.openExcursionsOf(batchId)}.`,
  );
  return { batchId, shipmentId, logger: logger.address };
}
