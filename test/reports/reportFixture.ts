/**
 * The report suite's world, on top of `cliFixture`, with figures known in advance:
 *
 * - last year (the fixture's own year): City General Hospital reports one adverse event on the masks;
 * - this year, from 5 January at noon (UTC), day D:
 *   - Northwind's gowns (Consumable) are approved and a batch of 200 commissioned (on hold); the hospital reports one
 *     adverse event on them and two more on the masks;
 *   - agreement 1: the hospital buys 1,000 masks (0.0005 ETH each, 1 % per started day late); Northwind hands over two
 *     days and an hour late (three started days: a 0.015 ETH late penalty), delivered and recorded;
 *   - 500 masks go to Corner Pharmacy, and a serialised batch of four masks (lot MK-2027-002), of which the pharmacy
 *     dispenses two units, one by one, on day D+6;
 *   - the hospital dispenses 100 masks on day D+4, 200 on D+5, none on D+6, 150 on D+7;
 *   - on D+8 at noon the hospital posts need 1 (1,000 masks, deadline in ten days, target 0.5 ETH), a regulator
 *     verifies it and donor 0 gives 0.3 ETH — and the report is taken then.
 */
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import {
  AdverseEventRegistry__factory,
  DonationEscrow__factory,
  SerialRegistry__factory,
  SupplyAgreements__factory,
} from "../../typechain-types";
import { fileReport, reportRequest, Severity } from "../../scripts/lib/adverse";
import { agreementRef, buildTerms, fund, propose, sign } from "../../scripts/lib/agreements";
import { documentHash } from "../../scripts/lib/alliance";
import { needRequest } from "../../scripts/lib/donations";
import { DAY } from "../../scripts/lib/formation";
import { SerialTree, unitOf } from "../../scripts/lib/serials";
import { approveProduct, Category, commission, lot, productSpec, ship } from "../../scripts/lib/trace";
import { MASK_GTIN, PREFIX_NORTHWIND, cliFixture, type MemberKey } from "../helpers/cliFixture";

export const GOWN_GTIN = 614141000036n;
export const GOWN_LOT = "GW-2027-001";
/** The hospital's dispensing, one entry per day from D+4 (0: nothing that day). */
export const DISPENSED = [100, 200, 0, 150];
/** A serialised batch of four masks, all shipped to Corner Pharmacy, which dispenses two units on day D+6. */
export const UNIT_LOT = "MK-2027-002";
export const UNIT_SERIALS = ["U-0001", "U-0002", "U-0003", "U-0004"];
export const AGREED = 1_000n;
export const TO_PHARMACY = 500n;
export const NEED_QUANTITY = 1_000n;

export async function reportFixture() {
  const f = await loadFixture(cliFixture);
  const ledger = f.ledger;
  const serials = SerialRegistry__factory.connect(f.address("SerialRegistry"), f.governor);
  const adverse = AdverseEventRegistry__factory.connect(f.address("AdverseEventRegistry"), f.governor);
  const escrow = DonationEscrow__factory.connect(f.address("DonationEscrow"), f.governor);
  const agreements = SupplyAgreements__factory.connect(f.address("SupplyAgreements"), f.governor);
  const hospital = f.account("hospital");
  const maker = f.account("maker");
  const carrier = f.account("carrier");
  const report = async (batchId: string, text: string) =>
    fileReport(
      adverse,
      hospital,
      reportRequest({
        batchId,
        severity: Severity.Serious,
        descriptionHash: documentHash(text),
        descriptionURI: `https://city-general.example/cases/${encodeURIComponent(text)}`,
        patientRef: documentHash(`patient of ${text}`),
      }),
    );
  const deliver = async (to: MemberKey, quantity: bigint, ref = ethers.ZeroHash, batchId = f.maskBatch) => {
    const { shipment } = await ship(ledger, maker, {
      batchId,
      toOrgId: f.orgIds[to],
      quantity,
      carrierOrgId: f.orgIds.carrier,
      ref,
    });
    await (await ledger.connect(carrier).pickUp(shipment)).wait();
    await (await ledger.connect(carrier).deliver(shipment)).wait();
    await (await ledger.connect(f.account(to)).receiveShipment(shipment, quantity, true)).wait();
    return shipment;
  };

  await report(f.maskBatch, "case 1");
  const lastYear = new Date((await time.latest()) * 1000).getUTCFullYear();
  const D = Date.UTC(lastYear + 1, 0, 5, 12) / 1000;
  await time.increaseTo(D);

  await approveProduct(
    f.catalog,
    maker,
    f.regulators[0],
    productSpec(GOWN_GTIN, PREFIX_NORTHWIND, Category.Consumable),
    14n * DAY,
  );
  const now = BigInt(await time.latest());
  const gownBatch = await commission(ledger, maker, {
    gtin: GOWN_GTIN,
    lot: lot(GOWN_LOT),
    quantity: 200n,
    producedAt: now - DAY,
    expiresAt: now + 2n * 365n * DAY,
    site: 0n,
    docHash: documentHash("batch record GW-2027-001"),
    docURI: "ipfs://batch-records/GW-2027-001",
    inputs: [],
  });
  const unitBatch = await commission(ledger, maker, {
    gtin: MASK_GTIN,
    lot: lot(UNIT_LOT),
    quantity: BigInt(UNIT_SERIALS.length),
    producedAt: now - DAY,
    expiresAt: now + 2n * 365n * DAY,
    site: 0n,
    docHash: documentHash(`batch record ${UNIT_LOT}`),
    docURI: `ipfs://batch-records/${UNIT_LOT}`,
    inputs: [],
  });
  const tree = SerialTree.build(MASK_GTIN, UNIT_LOT, UNIT_SERIALS);
  await (await serials.connect(maker).commitSerials(unitBatch, tree.root, tree.count)).wait();
  await (await ledger.connect(f.regulators[0]).releaseEarly(unitBatch, documentHash("serialised release"))).wait();
  await report(gownBatch, "case 2");
  await report(f.maskBatch, "case 3");
  await report(f.maskBatch, "case 4");

  const terms = buildTerms(
    {
      buyerOrgId: f.orgIds.hospital,
      supplierOrgId: f.orgIds.maker,
      carrierOrgId: f.orgIds.carrier,
      gtin: MASK_GTIN,
      handOverDeadline: BigInt(D) + DAY,
    },
    { quantity: AGREED, unitPrice: ethers.parseEther("0.0005"), carrierFee: ethers.parseEther("0.05") },
  );
  const agreementId = await propose(agreements, hospital, terms);
  await (await sign(agreements, maker, agreementId, terms, terms.supplierCollateral)).wait();
  await (await sign(agreements, carrier, agreementId, terms, terms.carrierCollateral)).wait();
  await (await fund(agreements, hospital, agreementId, terms)).wait();
  await time.increaseTo(D + 3 * 86_400 + 3600);
  const shipment = await deliver("hospital", AGREED, agreementRef(await agreements.getAddress(), agreementId));
  await (await agreements.recordDelivery(agreementId, terms, shipment)).wait();
  await deliver("pharmacy", TO_PHARMACY);
  await deliver("pharmacy", BigInt(UNIT_SERIALS.length), ethers.ZeroHash, unitBatch);

  for (const [day, quantity] of DISPENSED.entries()) {
    await time.increaseTo(D + (4 + day) * 86_400);
    if (quantity > 0) {
      await (await ledger.connect(hospital).dispense(f.maskBatch, quantity, documentHash(`ward issue ${day}`))).wait();
      continue;
    }
    // The pharmacy dispenses two serialised units, one by one, on day D+6 (when the hospital dispenses nothing).
    for (const index of [0, 1]) {
      const file = tree.proofFileAt(index);
      const sale = documentHash(`sale of unit ${index}`);
      await (await serials.connect(f.account("pharmacy")).dispense(unitOf(file), sale, file.proof)).wait();
    }
  }

  await time.increaseTo(D + 8 * 86_400);
  const deadline = BigInt(await time.latest()) + 10n * DAY;
  await (
    await escrow.connect(hospital).postNeed(
      needRequest({
        gtin: MASK_GTIN,
        quantity: NEED_QUANTITY,
        urgency: 4,
        deadline,
        maxUnitPrice: ethers.parseEther("0.0005"),
      }),
    )
  ).wait();
  await (await escrow.connect(f.regulators[0]).verifyNeed(1n)).wait();
  await (
    await escrow.connect(f.donors[0]).donate(1n, ethers.parseEther("0.3"), { value: ethers.parseEther("0.3") })
  ).wait();

  return { ...f, adverse, escrow, agreements, serials, gownBatch, unitBatch, agreementId, terms, D };
}

export type ReportFixture = Awaited<ReturnType<typeof reportFixture>>;
