/**
 * The donations CLI suite's world, on top of `cliFixture`: City General Hospital's need for 2,000 masks (need 1), a
 * regulator's verification, two donors' gifts, Northwind's accepted offer and a shipment of its masks the hospital
 * received (signed on the ledger directly), and a governor-approved test token.
 */
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { DonationEscrow__factory, SupplyAgreements__factory, TestToken__factory } from "../../typechain-types";
import { documentHash } from "../../scripts/lib/alliance";
import { DAY } from "../../scripts/lib/formation";
import { ETH, needRequest, offerRef } from "../../scripts/lib/donations";
import { ship } from "../../scripts/lib/trace";
import { MASK_GTIN, cliFixture } from "../helpers/cliFixture";

export const ether = (text: string) => ethers.parseEther(text);
/** Need 1: 2,000 masks at most 0.0005 ETH each (target 1 ETH), 180 days of shelf life. */
export const NEED_QUANTITY = 2_000n;
export const MAX_PRICE = ether("0.0005");
/** Northwind's offer 1: 1,200 masks at 0.00045 ETH. */
export const OFFER_QUANTITY = 1_200n;
export const OFFER_PRICE = ether("0.00045");

/** The CLI world with a test token (RUSD, 6 decimals) the governor approved, 1,000 RUSD to each donor. */
export async function tokenFixture() {
  const f = await loadFixture(cliFixture);
  const governorAddress = await f.registry.governor();
  const governor = f.signers.find((s) => s.address === governorAddress)!;
  const escrow = DonationEscrow__factory.connect(f.address("DonationEscrow"), governor);
  const agreements = SupplyAgreements__factory.connect(f.address("SupplyAgreements"), governor);
  const token = await new TestToken__factory(governor).deploy("Relief Dollar", "RUSD", 6);
  await token.waitForDeployment();
  await (await escrow.setAssetApproved(token, true)).wait();
  for (const donor of f.donors) await (await token.mint(donor.address, 1_000_000_000n)).wait();
  return { ...f, governor, escrow, agreements, token };
}

/** Need 1 posted by the hospital (awaiting verification). */
export async function postedFixture() {
  const f = await loadFixture(tokenFixture);
  const { escrow } = f;
  const hospital = f.account("hospital");
  const deadline = BigInt(await time.latest()) + 14n * DAY;
  const request = needRequest({
    gtin: MASK_GTIN,
    quantity: NEED_QUANTITY,
    urgency: 5,
    deadline,
    maxUnitPrice: MAX_PRICE,
    minShelfLife: 180n * DAY,
    detailsHash: documentHash("2,000 masks for the outpatient ward"),
  });
  await (await escrow.connect(hospital).postNeed(request)).wait();
  return { ...f, deadline, needId: 1n };
}

/** Need 1 verified; donor 0 gives 0.6 ETH, donor 1 gives 0.5 ETH (0.1 credited back): fully funded. */
export async function fundedFixture() {
  const f = await loadFixture(postedFixture);
  await (await f.escrow.connect(f.regulators[0]).verifyNeed(1n)).wait();
  await (await f.escrow.connect(f.donors[0]).donate(1n, ether("0.6"), { value: ether("0.6") })).wait();
  await (await f.escrow.connect(f.donors[1]).donate(1n, ether("0.5"), { value: ether("0.5") })).wait();
  return f;
}

/** Northwind offers 1,200 masks at 0.00045 ETH (offer 1); the hospital accepts. */
export async function acceptedFixture() {
  const f = await loadFixture(fundedFixture);
  const maker = f.account("maker");
  await (await f.escrow.connect(maker).makeOffer(1n, OFFER_QUANTITY, OFFER_PRICE, f.deadline)).wait();
  await (await f.escrow.connect(f.account("hospital")).acceptOffer(1n)).wait();
  return f;
}

/**
 * Northwind ships `quantity` masks of its batch to `toOrgId` (the hospital unless named), carried by Swift Cold Chain,
 * with `ref` (none unless given) and a delivery note.
 */
export async function shipMasks(
  f: Awaited<ReturnType<typeof tokenFixture>>,
  quantity: bigint,
  ref?: string,
  toOrgId = f.orgIds.hospital,
) {
  const { maskBatch: batchId, orgIds } = f;
  const note = documentHash(`delivery note: ${quantity} masks`);
  return ship(f.ledger, f.account("maker"), {
    batchId,
    toOrgId,
    quantity,
    carrierOrgId: orgIds.carrier,
    ref,
    docHash: note,
  });
}

/** Northwind ships 1,200 masks naming offer 1, carried by Swift Cold Chain (in transit, not yet received). */
export async function shippedFixture() {
  const f = await loadFixture(acceptedFixture);
  const { shipmentId, shipment } = await shipMasks(f, OFFER_QUANTITY, offerRef(await f.escrow.getAddress(), 1n));
  return { ...f, shipmentId, shipment };
}

/** The carrier picks up and delivers; the hospital records receipt of all 1,200 masks. */
export async function receivedFixture() {
  const f = await loadFixture(shippedFixture);
  const carrier = f.account("carrier");
  await (await f.ledger.connect(carrier).pickUp(f.shipment)).wait();
  await (await f.ledger.connect(carrier).deliver(f.shipment)).wait();
  await (await f.ledger.connect(f.account("hospital")).receiveShipment(f.shipment, OFFER_QUANTITY, true)).wait();
  return f;
}

/** The money released for the received shipment (0.54 ETH earned by Northwind), then past the need's deadline. */
export async function closedFixture() {
  const f = await loadFixture(receivedFixture);
  await (await f.escrow.release(1n, f.shipment)).wait();
  await time.increaseTo(f.deadline + 1n);
  return f;
}

export { ETH };
