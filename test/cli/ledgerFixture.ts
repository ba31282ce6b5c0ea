/**
 * The ledger CLI suite's world, on top of `cliFixture`: a batch made from the fixture's mask batch (lineage), and a
 * shipment of masks from Northwind to City General Hospital carried by Swift Cold Chain, at each step of its way.
 * Each fixture starts from the snapshot of the one before (loadFixture), so that the system keeps the addresses the
 * deployments folder names.
 */
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { documentHash } from "../../scripts/lib/alliance";
import { DAY, YEAR } from "../../scripts/lib/formation";
import { MASK_GTIN, cliFixture } from "../helpers/cliFixture";
import { commission, lot, ship } from "../../scripts/lib/trace";

/** The kit batch made from 300 masks of the fixture's batch. */
export const KIT_LOT = "KIT-2026-001";
export const KIT_SIZE = 100n;
export const KIT_INPUT = 300n;
/** What the fixtures ship to the hospital. */
export const SHIPPED = 500n;

/** A kit batch made from masks, and 500 masks shipped to the hospital (in transit). */
export async function shippedFixture() {
  const f = await loadFixture(cliFixture);
  const maker = f.account("maker");
  const now = BigInt(await time.latest());
  const kitBatch = await commission(f.ledger, maker, {
    gtin: MASK_GTIN,
    lot: lot(KIT_LOT),
    quantity: KIT_SIZE,
    producedAt: now,
    expiresAt: now + YEAR,
    site: 0n,
    docHash: documentHash("kit batch record"),
    docURI: "ipfs://batch-records/KIT-2026-001",
    inputs: [{ batchId: f.maskBatch, quantity: KIT_INPUT }],
  });
  const { shipmentId, shipment } = await ship(f.ledger, maker, {
    batchId: f.maskBatch,
    toOrgId: f.orgIds.hospital,
    quantity: SHIPPED,
    carrierOrgId: f.orgIds.carrier,
    docHash: documentHash("delivery note 1"),
  });
  return { ...f, kitBatch, shipmentId, shipment };
}

/** The shipment picked up and delivered: the hospital's receipt window runs. */
export async function deliveredFixture() {
  const f = await loadFixture(shippedFixture);
  const carrier = f.account("carrier");
  await (await f.ledger.connect(carrier).pickUp(f.shipment)).wait();
  await (await f.ledger.connect(carrier).deliver(f.shipment)).wait();
  return f;
}

/** The hospital received 480 of the 500 masks (20 lost in transit) and dispensed 30. */
export async function hospitalStockFixture() {
  const f = await loadFixture(deliveredFixture);
  const hospital = f.account("hospital");
  await (await f.ledger.connect(hospital).receiveShipment(f.shipment, 480n, true)).wait();
  await (await f.ledger.connect(hospital).dispense(f.maskBatch, 30n, documentHash("ward 4 order 17"))).wait();
  return f;
}

/** The shipment held after a cold-chain excursion, by a module account the governor registered (account 20). */
export async function heldFixture() {
  const f = await loadFixture(deliveredFixture);
  const module = f.signers[20];
  await (await f.ledger.connect(f.governor).setModule(module.address, true)).wait();
  const device = f.signers[21].address;
  await (await f.ledger.connect(module).holdFor(device, f.shipment, documentHash("reading 41: 31.5 °C"))).wait();
  return f;
}

/** Seconds past the default receipt window (three days). */
export const PAST_RECEIPT_WINDOW = 3n * DAY + 60n;
