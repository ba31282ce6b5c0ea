/**
 * The field readings CLI suite's world, on top of the serials suite's stock fixture: a data logger registered as a
 * device key of Swift Cold Chain (account 16), 100 masks in transit to City General Hospital, and three readings the
 * logger signed and Swift's gateway submitted — 21.5 °C, 40.0 % humidity, then 45.5 °C, which held the shipment.
 */
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { FieldReadings__factory } from "../../typechain-types";
import { AccountKind, documentHash } from "../../scripts/lib/alliance";
import { ReadingKind, buildSubmission, readingsDomainOf, signReading } from "../../scripts/lib/readings";
import { ship } from "../../scripts/lib/trace";
import { stockFixture } from "./serialsFixture";

export const LOGGER_ACCOUNT = 16;

export async function readingsFixture() {
  const f = await loadFixture(stockFixture);
  const readings = FieldReadings__factory.connect(f.address("FieldReadings"), f.governor);
  const logger = f.signers[LOGGER_ACCOUNT];
  await (await f.registry.connect(f.carrier).inviteAccount(logger.address, AccountKind.Device)).wait();
  await (await f.registry.connect(logger).acceptInvitation(f.orgIds.carrier)).wait();
  const { shipmentId, shipment } = await ship(f.ledger, f.maker, {
    batchId: f.maskBatch,
    toOrgId: f.orgIds.hospital,
    quantity: 100n,
    carrierOrgId: f.orgIds.carrier,
    docHash: documentHash("delivery note 2"),
  });
  const domain = await readingsDomainOf(readings);
  const now = BigInt(await time.latest());
  const signed = [];
  const values: [ReadingKind, bigint][] = [
    [ReadingKind.Temperature, 215n],
    [ReadingKind.Humidity, 400n],
    [ReadingKind.Temperature, 455n],
  ];
  for (const [i, [kind, value]] of values.entries()) {
    const reading = { shipmentId, kind, value, timestamp: now, sequence: BigInt(i + 1), deadline: now + 3600n };
    signed.push(await signReading(logger, reading, domain));
  }
  const submission = buildSubmission(signed, [shipment]);
  await (await readings.connect(f.carrier).submit(submission.shipments, submission.readings)).wait();
  return { ...f, readings, logger, shipmentId, shipment };
}
