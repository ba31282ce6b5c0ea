/**
 * The exports suites' world, on top of `cliFixture`: the Released mask batch "MK-2026-001" travels and is used —
 * 1,000 masks shipped to City General Hospital with Swift Cold Chain, logged by the carrier's device (5.3 °C, 45.5 %
 * humidity, then 45.0 °C, which holds the shipment until a regulator clears it), picked up, delivered, received
 * (990 in good condition: 10 lost), 100 dispensed and 5 destroyed there; 200 masks shipped to Harbour Distribution
 * and received damaged; a note the maker corrects; a gown batch "GW-2026-001" made from 300 of the masks, inspected;
 * and finally the mask batch recalled (class 2).
 */
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { FieldReadings__factory } from "../../typechain-types";
import { documentHash } from "../../scripts/lib/alliance";
import { DAY, YEAR } from "../../scripts/lib/formation";
import { gtin } from "../../scripts/lib/gs1";
import { fetchHistory } from "../../scripts/lib/history";
import { ReadingKind, buildSubmission, readingsDomain, signReading, type Reading } from "../../scripts/lib/readings";
import { Category, RecordKind, approveProduct, commission, lot, productSpec, ship } from "../../scripts/lib/trace";
import { registeredDevice } from "../field/readingsFixture";
import { PREFIX_NORTHWIND, cliFixture } from "../helpers/cliFixture";

export const GOWN_GTIN = gtin("0061414100003");
export const GOWN_LOT = "GW-2026-001";
export const SHIPPED_TO_HOSPITAL = 1_000n;
export const RECEIVED_BY_HOSPITAL = 990n;
export const DISPENSED = 100n;
export const DESTROYED = 5n;
export const SHIPPED_TO_DISTRIBUTOR = 200n;
export const USED_FOR_GOWNS = 300n;
export const GOWNS = 400n;

export async function exportsFixture() {
  const f = await loadFixture(cliFixture);
  const { ledger, registry, catalog, orgIds, maskBatch, account } = f;
  const [regulator] = f.regulators;
  const maker = account("maker");
  const carrier = account("carrier");
  const hospital = account("hospital");
  const distributor = account("distributor");
  const readings = FieldReadings__factory.connect(f.address("FieldReadings"), f.governor);

  // To the hospital, with the carrier's logger recording the trip.
  const toHospital = await ship(ledger, maker, {
    batchId: maskBatch,
    toOrgId: orgIds.hospital,
    quantity: SHIPPED_TO_HOSPITAL,
    carrierOrgId: orgIds.carrier,
    docHash: documentHash("consignment note 1"),
  });
  const logger = await registeredDevice(registry, carrier, "exports logger");
  const { chainId } = await ethers.provider.getNetwork();
  const domain = readingsDomain(chainId, await readings.getAddress());
  const now = BigInt(await time.latest());
  const reading = (kind: ReadingKind, value: bigint, sequence: bigint, at: bigint): Reading => ({
    shipmentId: toHospital.shipmentId,
    kind,
    value,
    timestamp: at,
    sequence,
    deadline: now + DAY,
  });
  const calm = [
    await signReading(logger, reading(ReadingKind.Temperature, 53n, 1n, now - 120n), domain),
    await signReading(logger, reading(ReadingKind.Humidity, 455n, 2n, now - 60n), domain),
  ];
  let submission = buildSubmission(calm, [toHospital.shipment]);
  await (await readings.connect(carrier).submit(submission.shipments, submission.readings)).wait();
  const hot = await signReading(logger, reading(ReadingKind.Temperature, 450n, 3n, now), domain);
  submission = buildSubmission([hot], [toHospital.shipment]);
  await (await readings.connect(carrier).submit(submission.shipments, submission.readings)).wait();
  await (
    await ledger.connect(regulator).clearHold(toHospital.shipment, false, documentHash("logger left in the sun"))
  ).wait();
  await (await ledger.connect(carrier).pickUp(toHospital.shipment)).wait();
  await (await ledger.connect(carrier).deliver(toHospital.shipment)).wait();
  await (await ledger.connect(hospital).receiveShipment(toHospital.shipment, RECEIVED_BY_HOSPITAL, true)).wait();
  await (await ledger.connect(hospital).dispense(maskBatch, DISPENSED, documentHash("ward 4 order 17"))).wait();
  await (await ledger.connect(hospital).destroy(maskBatch, DESTROYED, documentHash("dropped on the floor"))).wait();

  // To the distributor, arriving damaged.
  const toDistributor = await ship(ledger, maker, {
    batchId: maskBatch,
    toOrgId: orgIds.distributor,
    quantity: SHIPPED_TO_DISTRIBUTOR,
    carrierOrgId: orgIds.carrier,
  });
  await (
    await ledger.connect(distributor).receiveShipment(toDistributor.shipment, SHIPPED_TO_DISTRIBUTOR, false)
  ).wait();

  // A note the maker corrects.
  await (
    await ledger.connect(maker).record({ batchId: maskBatch, kind: RecordKind.Note, dataHash: documentHash("note") })
  ).wait();
  const [last] = (await fetchHistory(ledger, maskBatch)).slice(-1);
  await (
    await ledger.connect(maker).correct(
      maskBatch,
      {
        prevHead: last.prevHead,
        kind: last.kind,
        actor: last.actor,
        timestamp: last.timestamp,
        dataHash: last.dataHash,
      },
      documentHash("wrong document attached"),
    )
  ).wait();

  // Gowns made from masks, then inspected.
  const gownSpec = productSpec(GOWN_GTIN, PREFIX_NORTHWIND, Category.ProtectiveEquipment);
  await approveProduct(catalog, maker, regulator, gownSpec, 14n * DAY);
  const later = BigInt(await time.latest());
  const gownBatch = await commission(ledger, maker, {
    gtin: GOWN_GTIN,
    lot: lot(GOWN_LOT),
    quantity: GOWNS,
    producedAt: later - DAY,
    expiresAt: later + 2n * YEAR,
    site: 0n,
    docHash: documentHash("batch record GW-2026-001"),
    docURI: "ipfs://batch-records/GW-2026-001",
    inputs: [{ batchId: maskBatch, quantity: USED_FOR_GOWNS }],
  });
  await (
    await ledger
      .connect(maker)
      .record({ batchId: gownBatch, kind: RecordKind.InspectionPassed, dataHash: documentHash("gown inspection") })
  ).wait();

  // The masks are recalled.
  await (await ledger.connect(maker).recall(maskBatch, 2, documentHash("ear loops tear"))).wait();

  return { ...f, readings, logger, toHospital, toDistributor, gownBatch, chainId };
}

export type ExportsFixture = Awaited<ReturnType<typeof exportsFixture>>;
