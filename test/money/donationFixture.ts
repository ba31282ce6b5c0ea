/**
 * Fixtures and helpers of the donation escrow suites, built on `custodyFixture`: the escrow (three-day verification
 * window), an AGENCY member, donors, test tokens (a plain one, one without return values, one taking a 1 % fee),
 * and a verified mask need of the hospital at every stage of its life.
 */
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { DonationEscrow, FeeOnTransferToken, NoReturnToken, TestToken } from "../../typechain-types";
import { BusinessRole, documentHash } from "../../scripts/lib/alliance";
import { DAY, admit } from "../../scripts/lib/formation";
import { gln } from "../../scripts/lib/gs1";
import { type Shipment, ship } from "../../scripts/lib/trace";
import {
  DEFAULT_VERIFICATION_WINDOW,
  ETH,
  type NeedRequest,
  deployEscrow,
  offerRef,
} from "../../scripts/lib/donations";
import { DOC, SITE_DISTRIBUTOR, custodyFixture } from "../helpers/custodyFixture";
import { FABRIC, MASK, releasedBatch } from "../helpers/traceFixture";

export { ETH };

/** The need's maximum price per mask: 0.001 ETH. */
export const PRICE = ethers.parseEther("0.001");
/** Masks the fixture's need asks for. */
export const QUANTITY = 1_000n;
/** What the fixture's need can take: 1,000 × 0.001 ETH. */
export const TARGET = QUANTITY * PRICE;
/** The fixture need's minimum shelf life at receipt: 180 days. */
export const SHELF_LIFE = 180n * DAY;
export const DETAILS = documentHash("urgent: surgical masks for the rural outpatient clinic");
export const REASON = documentHash("reasons: duplicate of an earlier need");
export const SITE_AGENCY = gln("952000000006");

/**
 * `custodyFixture` plus the escrow, an AGENCY member (the public-health agency), four donors and a stranger, three
 * approved tokens minted to the donors, and 2,000 masks in the distributor's holding (received from Northwind).
 */
export async function escrowFixture() {
  const f = await custodyFixture();
  const [agency, donorA, donorB, donorC, donorD, stranger] = f.freeAccounts;
  const { orgId: agencyOrgId } = await admit(
    f.registry,
    agency,
    { name: "Public Health Agency", role: BusinessRole.Agency, licenceExpiry: f.licenceExpiry },
    [f.regulatorA, f.regulatorB],
  );
  const escrow = await deployEscrow(f.registry, f.ledger, f.governor, DEFAULT_VERIFICATION_WINDOW);
  const escrowAddress = await escrow.getAddress();

  const token: TestToken = await (await ethers.getContractFactory("TestToken")).deploy("Demo Euro", "dEUR", 6);
  const noReturn: NoReturnToken = await (await ethers.getContractFactory("NoReturnToken")).deploy();
  const feeToken: FeeOnTransferToken = await (await ethers.getContractFactory("FeeOnTransferToken")).deploy(100);
  for (const t of [token, noReturn, feeToken]) {
    await (await escrow.connect(f.governor).setAssetApproved(t, true)).wait();
    for (const donor of [donorA, donorB, donorC, donorD]) {
      await (await t.mint(donor.address, 1_000_000_000n)).wait();
      await (await t.connect(donor).approve(escrowAddress, ethers.MaxUint256)).wait();
    }
  }

  // Stock for the distributor, so it can fulfil offers too.
  const { shipment: stock } = await ship(f.ledger, f.maker, {
    batchId: f.maskId,
    toOrgId: f.distributorOrgId,
    quantity: 2_000n,
    carrierOrgId: f.carrierOrgId,
    docHash: DOC,
  });
  await (await f.ledger.connect(f.distributor).receiveShipment(stock, 2_000n, true)).wait();
  // A released fabric batch of Northwind: another product, for refusals.
  const fabricId = await releasedBatch(f, FABRIC, "MB-0100");

  return {
    ...f,
    escrow,
    escrowAddress,
    agency,
    agencyOrgId,
    donorA,
    donorB,
    donorC,
    donorD,
    stranger,
    token,
    noReturn,
    feeToken,
    siteDistributor: SITE_DISTRIBUTOR,
    fabricId,
  };
}

export type EscrowFixture = Awaited<ReturnType<typeof escrowFixture>>;

/** The fixture's mask need for the hospital, deadline 30 days ahead; override any field. */
export async function maskNeed(overrides: Partial<NeedRequest> = {}): Promise<NeedRequest> {
  return {
    beneficiaryOrgId: 0n,
    gtin: MASK,
    category: 0,
    quantity: QUANTITY,
    urgency: 5,
    deadline: BigInt(await time.latest()) + 30n * DAY,
    maxUnitPrice: PRICE,
    minShelfLife: SHELF_LIFE,
    asset: ETH,
    detailsHash: DETAILS,
    ...overrides,
  };
}

/** Posts a need as `poster` (the hospital by default) and returns its id. */
export async function postNeed(
  f: EscrowFixture,
  overrides: Partial<NeedRequest> = {},
  poster: HardhatEthersSigner = f.hospital,
): Promise<bigint> {
  const request = await maskNeed(overrides);
  const needId = await f.escrow.connect(poster).postNeed.staticCall(request);
  await (await f.escrow.connect(poster).postNeed(request)).wait();
  return needId;
}

/** Posts and verifies a need; returns its id. */
export async function openNeed(f: EscrowFixture, overrides: Partial<NeedRequest> = {}): Promise<bigint> {
  const needId = await postNeed(f, overrides);
  await (await f.escrow.connect(f.regulatorA).verifyNeed(needId)).wait();
  return needId;
}

/** `donor` gives `amount` of ETH to a need. */
export async function give(escrow: DonationEscrow, donor: HardhatEthersSigner, needId: bigint, amount: bigint) {
  await (await escrow.connect(donor).donate(needId, amount, { value: amount })).wait();
}

/** `maker` offers `quantity` at `price` (expiring at the need's deadline by default) and the hospital accepts it. */
export async function acceptedOffer(
  f: EscrowFixture,
  needId: bigint,
  maker: HardhatEthersSigner,
  quantity: bigint,
  price: bigint,
  expiresAt?: bigint,
): Promise<bigint> {
  const expiry = expiresAt ?? (await f.escrow.need(needId)).deadline;
  const offerId = await f.escrow.connect(maker).makeOffer.staticCall(needId, quantity, price, expiry);
  await (await f.escrow.connect(maker).makeOffer(needId, quantity, price, expiry)).wait();
  await (await f.escrow.connect(f.hospital).acceptOffer(offerId)).wait();
  return offerId;
}

/** `sender` ships `quantity` masks to the hospital naming offer (or pledge) `offerId`; returns the shipment. */
export async function shipFor(
  f: EscrowFixture,
  offerId: bigint,
  quantity: bigint,
  sender: HardhatEthersSigner = f.maker,
  overrides: { batchId?: string; toOrgId?: bigint; ref?: string } = {},
): Promise<{ shipmentId: string; shipment: Shipment }> {
  return ship(f.ledger, sender, {
    batchId: overrides.batchId ?? f.maskId,
    toOrgId: overrides.toOrgId ?? f.hospitalOrgId,
    quantity,
    carrierOrgId: f.carrierOrgId,
    ref: overrides.ref ?? offerRef(f.escrowAddress, offerId),
    docHash: DOC,
  });
}

/** Ships for an offer and has the hospital receive `received` (all by default); returns the shipment. */
export async function deliverFor(
  f: EscrowFixture,
  offerId: bigint,
  quantity: bigint,
  sender: HardhatEthersSigner = f.maker,
  received: bigint = quantity,
): Promise<{ shipmentId: string; shipment: Shipment }> {
  const shipped = await shipFor(f, offerId, quantity, sender);
  await (await f.ledger.connect(f.hospital).receiveShipment(shipped.shipment, received, true)).wait();
  return shipped;
}

/** `escrowFixture` plus an open (verified) ETH mask need, id 1. */
export async function openNeedFixture() {
  const f = await escrowFixture();
  const needId = await openNeed(f);
  return { ...f, needId };
}

export type OpenNeedFixture = Awaited<ReturnType<typeof openNeedFixture>>;

/** Gifts of the funded fixture: 0.3, 0.5 and 0.2 ETH, the need's whole target. */
export const GIFT_A = ethers.parseEther("0.3");
export const GIFT_B = ethers.parseEther("0.5");
export const GIFT_C = ethers.parseEther("0.2");

/** `openNeedFixture` funded in full by three donors. */
export async function fundedNeedFixture() {
  const f = await openNeedFixture();
  await give(f.escrow, f.donorA, f.needId, GIFT_A);
  await give(f.escrow, f.donorB, f.needId, GIFT_B);
  await give(f.escrow, f.donorC, f.needId, GIFT_C);
  return f;
}

/** Offer of the accepted-offer fixture: Northwind, 600 masks at 0.0008 ETH (0.48 ETH reserved). */
export const OFFER_QUANTITY = 600n;
export const OFFER_PRICE = ethers.parseEther("0.0008");

/** `fundedNeedFixture` plus Northwind's accepted offer (id 1). */
export async function acceptedOfferFixture() {
  const f = await fundedNeedFixture();
  const offerId = await acceptedOffer(f, f.needId, f.maker, OFFER_QUANTITY, OFFER_PRICE);
  return { ...f, offerId };
}

export type AcceptedOfferFixture = Awaited<ReturnType<typeof acceptedOfferFixture>>;

/** `acceptedOfferFixture` plus the offer's 600 masks shipped and received in full by the hospital. */
export async function receivedFixture() {
  const f = await acceptedOfferFixture();
  const { shipmentId, shipment } = await deliverFor(f, f.offerId, OFFER_QUANTITY);
  return { ...f, shipmentId, shipment };
}

export type ReceivedFixture = Awaited<ReturnType<typeof receivedFixture>>;

/** Moves time to just past a need's deadline. */
export async function pastDeadline(escrow: DonationEscrow, needId: bigint): Promise<void> {
  await time.increaseTo((await escrow.need(needId)).deadline + 1n);
}
