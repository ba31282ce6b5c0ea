/**
 * The agreements CLI suite's world, on top of `cliFixture`: City General Hospital buys 1,000 masks from Northwind Masks,
 * carried by Swift Cold Chain (0.0005 ETH a mask, 0.05 ETH fee, hand-over within ten days, 1 % per started day capped
 * at 10 %, 10 % defect penalty), at each step of the agreement's life.
 */
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { SupplyAgreements__factory } from "../../typechain-types";
import { documentHash } from "../../scripts/lib/alliance";
import { DAY } from "../../scripts/lib/formation";
import { Ruling, agreementRef, buildTerms, fund, propose, sign } from "../../scripts/lib/agreements";
import { ship } from "../../scripts/lib/trace";
import { MASK_GTIN, cliFixture } from "../helpers/cliFixture";

/** The agreement's quantity, unit price and fee. */
export const QUANTITY = 1_000n;
export const UNIT_PRICE = ethers.parseEther("0.0005");
export const FEE = ethers.parseEther("0.05");
/** How late the supplier hands over in `lateShippedFixture`: two days and an hour, so three started days. */
export const LATENESS = 2n * DAY + 3600n;

/** Agreement 1 proposed by the hospital (nobody signed yet). */
export async function proposedFixture() {
  const f = await loadFixture(cliFixture);
  const agreements = SupplyAgreements__factory.connect(f.address("SupplyAgreements"), f.governor);
  const hospital = f.account("hospital");
  const maker = f.account("maker");
  const carrier = f.account("carrier");
  const deadline = BigInt(await time.latest()) + 10n * DAY;
  const terms = buildTerms(
    {
      buyerOrgId: f.orgIds.hospital,
      supplierOrgId: f.orgIds.maker,
      carrierOrgId: f.orgIds.carrier,
      gtin: MASK_GTIN,
      handOverDeadline: deadline,
    },
    { quantity: QUANTITY, unitPrice: UNIT_PRICE, carrierFee: FEE },
  );
  const id = await propose(agreements, hospital, terms);
  const ref = agreementRef(await agreements.getAddress(), id);
  return { ...f, agreements, hospital, maker, carrier, terms, id, ref, deadline };
}

/** Both the maker and the carrier signed and posted collateral. */
export async function signedFixture() {
  const f = await proposedFixture();
  const signatories = [
    [f.maker, f.terms.supplierCollateral],
    [f.carrier, f.terms.carrierCollateral],
  ] as const;
  for (const [signer, collateral] of signatories)
    await (await sign(f.agreements, signer, f.id, f.terms, collateral)).wait();
  return f;
}

/** The hospital funded: the agreement is Active. */
export async function activeFixture() {
  const f = await signedFixture();
  await (await fund(f.agreements, f.hospital, f.id, f.terms)).wait();
  return f;
}

/** The maker hands over all 1,000 masks `LATENESS` after the deadline; carried in a day and received in full. */
export async function lateShippedFixture() {
  const f = await activeFixture();
  await time.increaseTo(f.deadline + LATENESS);
  const { shipmentId, shipment } = await ship(f.ledger, f.maker, {
    batchId: f.maskBatch,
    toOrgId: f.orgIds.hospital,
    quantity: QUANTITY,
    carrierOrgId: f.orgIds.carrier,
    ref: f.ref,
    docHash: documentHash("delivery note, agreement 1"),
  });
  await (await f.ledger.connect(f.carrier).pickUp(shipment)).wait();
  await time.increase(DAY);
  await (await f.ledger.connect(f.carrier).deliver(shipment)).wait();
  await (await f.ledger.connect(f.hospital).receiveShipment(shipment, QUANTITY, true)).wait();
  return { ...f, shipmentId, shipment };
}

/** The late delivery recorded under the agreement (supplier's penalty: three started days at 1 %). */
export async function deliveredFixture() {
  const f = await lateShippedFixture();
  await (await f.agreements.recordDelivery(f.id, f.terms, f.shipment)).wait();
  return f;
}

/** The hospital claimed 100 of the delivered masks non-conforming. */
export async function claimedFixture() {
  const f = await deliveredFixture();
  await (await f.agreements.connect(f.hospital).fileClaim(f.id, f.terms, 100n, documentHash("ear loops"))).wait();
  return f;
}

/** A regulator ruled the maker at fault: 100 masks await return. */
export async function ruledFixture() {
  const f = await claimedFixture();
  await (
    await f.agreements.connect(f.regulators[0]).ruleClaim(f.id, f.terms, Ruling.SupplierAtFault, documentHash("welds"))
  ).wait();
  return f;
}

/** The maker claimed force majeure on the active agreement. */
export async function forceMajeureFixture() {
  const f = await activeFixture();
  await (await f.agreements.connect(f.maker).claimForceMajeure(f.id, f.terms, documentHash("flooded plant"))).wait();
  return f;
}
