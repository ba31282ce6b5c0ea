import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { AccountKind, BusinessRole, roleMask } from "../../scripts/lib/alliance";
import { DAY } from "../../scripts/lib/formation";
import { Category } from "../../scripts/lib/trace";
import { MAX_DELIVERY_TAIL, NeedStatus, OfferStatus, RELEASE_GRACE, offerRef } from "../../scripts/lib/donations";
import {
  type GateContext,
  type PauseContext,
  shouldBehaveLikeAllianceGated,
  shouldRespectAlliancePause,
} from "../helpers/behaviours";
import { suspend } from "../helpers/registry";
import { FABRIC, MASK, releasedBatch } from "../helpers/traceFixture";
import {
  ETH,
  OFFER_PRICE,
  OFFER_QUANTITY,
  PRICE,
  QUANTITY,
  REASON,
  SHELF_LIFE,
  TARGET,
  type EscrowFixture,
  acceptedOffer,
  acceptedOfferFixture,
  deliverFor,
  escrowFixture,
  fundedNeedFixture,
  give,
  openNeed,
  openNeedFixture,
  pastDeadline,
  postNeed,
  receivedFixture,
  shipFor,
} from "./donationFixture";

const OFFERERS = roleMask(BusinessRole.Supplier, BusinessRole.Manufacturer, BusinessRole.Distributor);
const HOLDERS = roleMask(
  BusinessRole.Supplier,
  BusinessRole.Manufacturer,
  BusinessRole.Logistics,
  BusinessRole.Distributor,
  BusinessRole.Hospital,
  BusinessRole.Retailer,
  BusinessRole.Agency,
);
const RECALL_REASON = ethers.id("recall: filtration below standard");

function offererGate(f: EscrowFixture): GateContext {
  return {
    registry: f.registry,
    regulators: f.regulators,
    member: f.maker,
    outsider: f.hospital,
    applicant: f.applicant,
    freeAccounts: [f.donorA, f.donorB, f.donorC, f.stranger],
  };
}

async function deadlineOf(f: EscrowFixture, needId: bigint): Promise<bigint> {
  return (await f.escrow.need(needId)).deadline;
}

/** An open need running a whole year (beyond the members' licences), for the gate suite. */
async function longNeedFixture() {
  const f = await escrowFixture();
  const needId = await openNeed(f, { deadline: BigInt(await time.latest()) + 364n * DAY });
  return { ...f, needId };
}

/** `fundedNeedFixture` plus a Northwind offer (1) awaiting acceptance and a pledge (2) by the distributor. */
async function proposedFixture() {
  const f = await fundedNeedFixture();
  const deadline = await deadlineOf(f, f.needId);
  await (await f.escrow.connect(f.maker).makeOffer(f.needId, OFFER_QUANTITY, OFFER_PRICE, deadline)).wait();
  await (await f.escrow.connect(f.distributor).pledge(f.needId, 300n, deadline)).wait();
  return { ...f, offerId: 1n, pledgeId: 2n, deadline };
}

describe("DonationEscrow: offers, pledges and release on receipt", () => {
  describe("makeOffer", () => {
    it("records a supplier's offer at a price up to the need's maximum", async () => {
      const f = await loadFixture(fundedNeedFixture);
      const expiresAt = await deadlineOf(f, f.needId);
      expect(
        await f.escrow.connect(f.maker).makeOffer.staticCall(f.needId, OFFER_QUANTITY, OFFER_PRICE, expiresAt),
      ).to.equal(1n);
      await expect(f.escrow.connect(f.maker).makeOffer(f.needId, OFFER_QUANTITY, OFFER_PRICE, expiresAt))
        .to.emit(f.escrow, "OfferMade")
        .withArgs(1n, f.needId, f.makerOrgId, f.maker.address, OFFER_QUANTITY, OFFER_PRICE, expiresAt);
      expect(await f.escrow.offer(1n)).to.deep.equal([
        BigInt(OfferStatus.Proposed),
        f.needId,
        f.maker.address,
        f.makerOrgId,
        expiresAt,
        OFFER_PRICE,
        OFFER_QUANTITY,
        0n,
      ]);
      expect(await f.escrow.refOf(1n)).to.equal(offerRef(f.escrowAddress, 1n));
      await expect(f.escrow.connect(f.distributor).makeOffer(f.needId, QUANTITY, PRICE, expiresAt)).to.emit(
        f.escrow,
        "OfferMade",
      );
    });

    it("refuses a zero or too high price, a zero or too large quantity and a bad expiry", async () => {
      const f = await loadFixture(fundedNeedFixture);
      const deadline = await deadlineOf(f, f.needId);
      const offer = (quantity: bigint, price: bigint, expiresAt = deadline) =>
        f.escrow.connect(f.maker).makeOffer(f.needId, quantity, price, expiresAt);
      for (const price of [0n, PRICE + 1n]) {
        await expect(offer(10n, price))
          .to.be.revertedWithCustomError(f.escrow, "EscrowPriceTooHigh")
          .withArgs(price, PRICE);
      }
      for (const quantity of [0n, QUANTITY + 1n]) {
        await expect(offer(quantity, PRICE))
          .to.be.revertedWithCustomError(f.escrow, "EscrowQuantityTooLarge")
          .withArgs(quantity, QUANTITY);
      }
      await expect(offer(10n, PRICE, deadline + MAX_DELIVERY_TAIL + 1n))
        .to.be.revertedWithCustomError(f.escrow, "EscrowInvalidDeadline")
        .withArgs(deadline + MAX_DELIVERY_TAIL + 1n, deadline + MAX_DELIVERY_TAIL);
      await expect(offer(10n, PRICE, 5n)).to.be.revertedWithCustomError(f.escrow, "EscrowInvalidDeadline");
      await expect(offer(10n, PRICE, deadline + MAX_DELIVERY_TAIL)).to.emit(f.escrow, "OfferMade");
    });

    it("refuses a need that is not open", async () => {
      const f = await loadFixture(fundedNeedFixture);
      const posted = await postNeed(f);
      await expect(f.escrow.connect(f.maker).makeOffer(posted, 1n, 1n, await deadlineOf(f, posted)))
        .to.be.revertedWithCustomError(f.escrow, "EscrowNeedNotOpen")
        .withArgs(posted, NeedStatus.Posted);
    });

    shouldBehaveLikeAllianceGated({
      load: () => loadFixture(longNeedFixture),
      context: offererGate,
      gate: (f) => f.escrow,
      roleMask: OFFERERS,
      send: async (f, signer) =>
        f.escrow.connect(signer).makeOffer(f.needId, 10n, PRICE, await deadlineOf(f, f.needId)),
    });

    shouldRespectAlliancePause({
      load: () => loadFixture(receivedFixture),
      context: (f): PauseContext => f,
      gate: (f) => f.escrow,
      actor: (f) => f.maker,
      commit: async (f, signer) =>
        f.escrow.connect(signer).makeOffer(f.needId, 10n, PRICE, await deadlineOf(f, f.needId)),
      goesOn: [
        {
          title: "lets anyone release on receipt",
          send: (f) => f.escrow.connect(f.stranger).release(f.offerId, f.shipment),
        },
        { title: "lets the maker close its offer", send: (f) => f.escrow.connect(f.maker).closeOffer(f.offerId) },
      ],
    });
  });

  describe("acceptOffer", () => {
    it("lets the poster accept an offer, reserving quantity × price of the need's funds", async () => {
      const f = await loadFixture(proposedFixture);
      const reserved = OFFER_QUANTITY * OFFER_PRICE;
      await expect(f.escrow.connect(f.hospital).acceptOffer(f.offerId))
        .to.emit(f.escrow, "OfferAccepted")
        .withArgs(f.offerId, f.needId, f.hospital.address, reserved);
      expect((await f.escrow.offer(f.offerId)).status).to.equal(OfferStatus.Active);
      const n = await f.escrow.need(f.needId);
      expect([n.reserved, n.committed]).to.deep.equal([reserved, OFFER_QUANTITY]);
    });

    it("refuses anyone but the poster, an expired or accepted offer, and a closed need", async () => {
      const f = await loadFixture(proposedFixture);
      for (const account of [f.maker, f.hospital2, f.stranger]) {
        await expect(f.escrow.connect(account).acceptOffer(f.offerId))
          .to.be.revertedWithCustomError(f.escrow, "EscrowNotPoster")
          .withArgs(f.needId, account.address);
      }
      await expect(f.escrow.connect(f.hospital).acceptOffer(f.pledgeId))
        .to.be.revertedWithCustomError(f.escrow, "EscrowOfferNotActive")
        .withArgs(f.pledgeId, OfferStatus.Active);
      const early = await f.escrow.connect(f.maker).makeOffer.staticCall(f.needId, 10n, PRICE, f.deadline - DAY);
      await (await f.escrow.connect(f.maker).makeOffer(f.needId, 10n, PRICE, f.deadline - DAY)).wait();
      await time.increaseTo(f.deadline - DAY + 1n);
      await expect(f.escrow.connect(f.hospital).acceptOffer(early))
        .to.be.revertedWithCustomError(f.escrow, "EscrowOfferNotActive")
        .withArgs(early, OfferStatus.Expired);
      await time.increaseTo(f.deadline + 1n);
      await expect(f.escrow.connect(f.hospital).acceptOffer(f.offerId))
        .to.be.revertedWithCustomError(f.escrow, "EscrowNeedNotOpen")
        .withArgs(f.needId, NeedStatus.Closed);
      await expect(f.escrow.connect(f.hospital).acceptOffer(77n))
        .to.be.revertedWithCustomError(f.escrow, "EscrowUnknownOffer")
        .withArgs(77n);
    });

    it("refuses an offer beyond the quantity still needed or the unreserved funds", async () => {
      const f = await loadFixture(openNeedFixture);
      await give(f.escrow, f.donorA, f.needId, 500n * PRICE);
      const deadline = await deadlineOf(f, f.needId);
      await (await f.escrow.connect(f.maker).makeOffer(f.needId, 600n, PRICE, deadline)).wait();
      await (await f.escrow.connect(f.distributor).makeOffer(f.needId, 500n, PRICE / 2n, deadline)).wait();
      await expect(f.escrow.connect(f.hospital).acceptOffer(1n))
        .to.be.revertedWithCustomError(f.escrow, "EscrowInsufficientFunds")
        .withArgs(600n * PRICE, 500n * PRICE);
      await (await f.escrow.connect(f.hospital).acceptOffer(2n)).wait();
      await give(f.escrow, f.donorB, f.needId, 500n * PRICE);
      await expect(f.escrow.connect(f.hospital).acceptOffer(1n))
        .to.be.revertedWithCustomError(f.escrow, "EscrowQuantityTooLarge")
        .withArgs(600n, 500n);
    });

    shouldRespectAlliancePause({
      load: () => loadFixture(proposedFixture),
      context: (f): PauseContext => f,
      gate: (f) => f.escrow,
      actor: (f) => f.hospital,
      commit: (f, signer) => f.escrow.connect(signer).acceptOffer(f.offerId),
      goesOn: [
        { title: "lets the maker withdraw its offer", send: (f) => f.escrow.connect(f.maker).withdrawOffer(f.offerId) },
      ],
    });
  });

  describe("withdrawOffer and closeOffer", () => {
    it("lets the maker withdraw a proposed or expired offer and a pledge, but not an accepted offer", async () => {
      const f = await loadFixture(proposedFixture);
      await expect(f.escrow.connect(f.maker).withdrawOffer(f.offerId))
        .to.emit(f.escrow, "OfferWithdrawn")
        .withArgs(f.offerId, f.needId);
      expect((await f.escrow.offer(f.offerId)).status).to.equal(OfferStatus.Withdrawn);
      await expect(f.escrow.connect(f.distributor).withdrawOffer(f.pledgeId)).to.emit(f.escrow, "OfferWithdrawn");
      const accepted = await acceptedOffer(f, f.needId, f.maker, 10n, PRICE);
      await expect(f.escrow.connect(f.maker).withdrawOffer(accepted))
        .to.be.revertedWithCustomError(f.escrow, "EscrowOfferNotActive")
        .withArgs(accepted, OfferStatus.Active);
      const late = await f.escrow.connect(f.maker).makeOffer.staticCall(f.needId, 10n, PRICE, f.deadline);
      await (await f.escrow.connect(f.maker).makeOffer(f.needId, 10n, PRICE, f.deadline)).wait();
      await time.increaseTo(f.deadline + 1n);
      await expect(f.escrow.connect(f.maker).withdrawOffer(late)).to.emit(f.escrow, "OfferWithdrawn");
      await expect(f.escrow.connect(f.maker).withdrawOffer(late))
        .to.be.revertedWithCustomError(f.escrow, "EscrowOfferNotActive")
        .withArgs(late, OfferStatus.Withdrawn);
      await expect(f.escrow.connect(f.stranger).withdrawOffer(accepted))
        .to.be.revertedWithCustomError(f.escrow, "EscrowNotOfferMaker")
        .withArgs(accepted, f.stranger.address);
    });

    it("lets the maker close its accepted offer at any time, freeing the rest of its reservation", async () => {
      const f = await loadFixture(receivedFixture);
      const offerId = await acceptedOffer(f, f.needId, f.distributor, 300n, PRICE);
      const { shipment } = await deliverFor(f, offerId, 100n, f.distributor);
      await (await f.escrow.release(offerId, shipment)).wait();
      await expect(f.escrow.connect(f.distributor).closeOffer(offerId))
        .to.emit(f.escrow, "OfferClosed")
        .withArgs(offerId, f.needId, 200n, 200n * PRICE);
      const n = await f.escrow.need(f.needId);
      expect([n.reserved, n.committed]).to.deep.equal([OFFER_QUANTITY * OFFER_PRICE, OFFER_QUANTITY + 100n]);
      expect((await f.escrow.offer(offerId)).status).to.equal(OfferStatus.Closed);
      await expect(f.escrow.connect(f.distributor).closeOffer(offerId))
        .to.be.revertedWithCustomError(f.escrow, "EscrowOfferNotActive")
        .withArgs(offerId, OfferStatus.Closed);
    });

    it("lets anyone close an accepted offer once the release grace after its expiry has passed, not a second before", async () => {
      const f = await loadFixture(acceptedOfferFixture);
      const { expiresAt } = await f.escrow.offer(f.offerId);
      await time.setNextBlockTimestamp(expiresAt + RELEASE_GRACE);
      await expect(f.escrow.connect(f.stranger).closeOffer(f.offerId))
        .to.be.revertedWithCustomError(f.escrow, "EscrowOfferStillRunning")
        .withArgs(f.offerId, expiresAt + RELEASE_GRACE);
      await time.setNextBlockTimestamp(expiresAt + RELEASE_GRACE + 1n);
      await expect(f.escrow.connect(f.stranger).closeOffer(f.offerId))
        .to.emit(f.escrow, "OfferClosed")
        .withArgs(f.offerId, f.needId, OFFER_QUANTITY, OFFER_QUANTITY * OFFER_PRICE);
      expect((await f.escrow.need(f.needId)).reserved).to.equal(0n);
    });

    it("refuses to close a pledge", async () => {
      const f = await loadFixture(proposedFixture);
      await expect(f.escrow.connect(f.distributor).closeOffer(f.pledgeId))
        .to.be.revertedWithCustomError(f.escrow, "EscrowWrongKind")
        .withArgs(f.pledgeId, true);
    });
  });

  describe("release", () => {
    it("releases received quantity × price to the offer's maker on the hospital's receipt, once", async () => {
      const f = await loadFixture(receivedFixture);
      const amount = OFFER_QUANTITY * OFFER_PRICE;
      expect(await f.escrow.connect(f.stranger).release.staticCall(f.offerId, f.shipment)).to.equal(amount);
      await expect(f.escrow.connect(f.stranger).release(f.offerId, f.shipment))
        .to.emit(f.escrow, "Released")
        .withArgs(f.offerId, f.needId, f.shipmentId, OFFER_QUANTITY, amount);
      const o = await f.escrow.offer(f.offerId);
      expect([o.remaining, o.earned]).to.deep.equal([0n, amount]);
      const n = await f.escrow.need(f.needId);
      expect([n.reserved, n.released]).to.deep.equal([0n, amount]);
      expect(await f.escrow.isShipmentUsed(f.shipmentId)).to.equal(true);
      await expect(f.escrow.release(f.offerId, f.shipment))
        .to.be.revertedWithCustomError(f.escrow, "EscrowShipmentUsed")
        .withArgs(f.shipmentId);
    });

    it("pays for what arrived, and no more than the offer's remaining quantity", async () => {
      const f = await loadFixture(acceptedOfferFixture);
      const first = await deliverFor(f, f.offerId, 400n, f.maker, 350n);
      await expect(f.escrow.release(f.offerId, first.shipment))
        .to.emit(f.escrow, "Released")
        .withArgs(f.offerId, f.needId, first.shipmentId, 350n, 350n * OFFER_PRICE);
      const second = await deliverFor(f, f.offerId, 400n);
      await expect(f.escrow.release(f.offerId, second.shipment))
        .to.emit(f.escrow, "Released")
        .withArgs(f.offerId, f.needId, second.shipmentId, 250n, 250n * OFFER_PRICE);
      expect((await f.escrow.offer(f.offerId)).earned).to.equal(OFFER_QUANTITY * OFFER_PRICE);
    });

    it("releases on a regulator's settlement counting what it states as received", async () => {
      const f = await loadFixture(acceptedOfferFixture);
      const { shipment, shipmentId } = await shipFor(f, f.offerId, 200n);
      await (await f.ledger.connect(f.regulatorA).settle(shipment, 150n, REASON)).wait();
      await expect(f.escrow.release(f.offerId, shipment))
        .to.emit(f.escrow, "Released")
        .withArgs(f.offerId, f.needId, shipmentId, 150n, 150n * OFFER_PRICE);
    });

    it("refuses without a receipt: in transit, refused, or settled as nothing received", async () => {
      const f = await loadFixture(acceptedOfferFixture);
      const inTransit = await shipFor(f, f.offerId, 10n);
      await expect(f.escrow.release(f.offerId, inTransit.shipment))
        .to.be.revertedWithCustomError(f.escrow, "EscrowNotReceived")
        .withArgs(inTransit.shipmentId);
      await (await f.ledger.connect(f.hospital).refuse(inTransit.shipment, REASON)).wait();
      await expect(f.escrow.release(f.offerId, inTransit.shipment))
        .to.be.revertedWithCustomError(f.escrow, "EscrowNotReceived")
        .withArgs(inTransit.shipmentId);
      const lost = await shipFor(f, f.offerId, 10n);
      await (await f.ledger.connect(f.regulatorA).settle(lost.shipment, 0n, REASON)).wait();
      await expect(f.escrow.release(f.offerId, lost.shipment))
        .to.be.revertedWithCustomError(f.escrow, "EscrowNotReceived")
        .withArgs(lost.shipmentId);
    });

    it("refuses a shipment whose ref names another record, or none", async () => {
      const f = await loadFixture(acceptedOfferFixture);
      const expected = offerRef(f.escrowAddress, f.offerId);
      for (const ref of [offerRef(f.escrowAddress, 2n), offerRef(f.stranger.address, f.offerId), ethers.ZeroHash]) {
        const { shipment } = await shipFor(f, f.offerId, 10n, f.maker, { ref });
        await (await f.ledger.connect(f.hospital).receiveShipment(shipment, 10n, true)).wait();
        await expect(f.escrow.release(f.offerId, shipment))
          .to.be.revertedWithCustomError(f.escrow, "EscrowWrongRef")
          .withArgs(ref, expected);
      }
    });

    it("refuses a shipment from another organisation or to another than the beneficiary", async () => {
      const f = await loadFixture(acceptedOfferFixture);
      const fromDistributor = await shipFor(f, f.offerId, 10n, f.distributor);
      await expect(f.escrow.release(f.offerId, fromDistributor.shipment))
        .to.be.revertedWithCustomError(f.escrow, "EscrowWrongParties")
        .withArgs(f.distributorOrgId, f.hospitalOrgId);
      const toOther = await shipFor(f, f.offerId, 10n, f.maker, { toOrgId: f.hospital2OrgId });
      await expect(f.escrow.release(f.offerId, toOther.shipment))
        .to.be.revertedWithCustomError(f.escrow, "EscrowWrongParties")
        .withArgs(f.makerOrgId, f.hospital2OrgId);
    });

    it("refuses goods shipped after the offer's expiry", async () => {
      const f = await loadFixture(fundedNeedFixture);
      const expiresAt = BigInt(await time.latest()) + DAY;
      const offerId = await acceptedOffer(f, f.needId, f.maker, 100n, PRICE, expiresAt);
      await time.increaseTo(expiresAt + 1n);
      const { shipment, shipmentId } = await deliverFor(f, offerId, 100n);
      await expect(f.escrow.release(offerId, shipment))
        .to.be.revertedWithCustomError(f.escrow, "EscrowShippedLate")
        .withArgs(shipmentId, expiresAt + 2n, expiresAt);
    });

    it("refuses a recalled or blocked batch", async () => {
      const f = await loadFixture(receivedFixture);
      await (await f.ledger.connect(f.regulatorA).blockBatch(f.maskId, REASON)).wait();
      await expect(f.escrow.release(f.offerId, f.shipment))
        .to.be.revertedWithCustomError(f.escrow, "EscrowBatchUnusable")
        .withArgs(f.maskId);
      await (await f.ledger.connect(f.regulatorA).unblockBatch(f.maskId, REASON)).wait();
      await (await f.ledger.connect(f.regulatorA).recall(f.maskId, 1, RECALL_REASON)).wait();
      await expect(f.escrow.release(f.offerId, f.shipment))
        .to.be.revertedWithCustomError(f.escrow, "EscrowBatchUnusable")
        .withArgs(f.maskId);
    });

    it("refuses short-dated goods, and accepts goods expiring exactly at receipt plus the minimum shelf life", async () => {
      const f = await loadFixture(escrowFixture);
      const start = BigInt(await time.latest());
      const shortId = await releasedBatch(f, MASK, "MK-SHORT", { expiresAt: start + 250n * DAY });
      const edgeId = await releasedBatch(f, MASK, "MK-EDGE", { expiresAt: start + 300n * DAY });
      const needId = await openNeed(f);
      await give(f.escrow, f.donorA, needId, TARGET);
      const offerId = await acceptedOffer(f, needId, f.maker, 200n, PRICE);
      const short = await shipFor(f, offerId, 100n, f.maker, { batchId: shortId });
      const exact = await shipFor(f, offerId, 100n, f.maker, { batchId: edgeId });
      // Received one second too late for the short batch: it expires a second before receipt + shelf life.
      const shortExpiry = (await f.ledger.batch(shortId)).expiresAt;
      await time.setNextBlockTimestamp(shortExpiry - SHELF_LIFE + 1n);
      await (await f.ledger.connect(f.hospital).receiveShipment(short.shipment, 100n, true)).wait();
      await expect(f.escrow.release(offerId, short.shipment))
        .to.be.revertedWithCustomError(f.escrow, "EscrowShortDated")
        .withArgs(shortId, shortExpiry, shortExpiry + 1n);
      const edgeExpiry = (await f.ledger.batch(edgeId)).expiresAt;
      await time.setNextBlockTimestamp(edgeExpiry - SHELF_LIFE);
      await (await f.ledger.connect(f.hospital).receiveShipment(exact.shipment, 100n, true)).wait();
      await expect(f.escrow.release(offerId, exact.shipment)).to.emit(f.escrow, "Released");
    });

    it("checks a category need against the batch's product category", async () => {
      const f = await loadFixture(escrowFixture);
      const needId = await openNeed(f, { gtin: 0n, category: Category.ProtectiveEquipment });
      await give(f.escrow, f.donorA, needId, TARGET);
      const masks = await acceptedOffer(f, needId, f.maker, 100n, PRICE);
      const received = await deliverFor(f, masks, 100n);
      await expect(f.escrow.release(masks, received.shipment)).to.emit(f.escrow, "Released");
      const fabric = await acceptedOffer(f, needId, f.maker, 100n, PRICE);
      const wrong = await shipFor(f, fabric, 100n, f.maker, { batchId: f.fabricId });
      await (await f.ledger.connect(f.hospital).receiveShipment(wrong.shipment, 100n, true)).wait();
      await expect(f.escrow.release(fabric, wrong.shipment))
        .to.be.revertedWithCustomError(f.escrow, "EscrowWrongProduct")
        .withArgs(FABRIC);
    });

    it("refuses another product for a GTIN need, an unknown offer, a proposed offer and a pledge", async () => {
      const f = await loadFixture(proposedFixture);
      await expect(f.escrow.release(9n, (await shipFor(f, 9n, 1n)).shipment))
        .to.be.revertedWithCustomError(f.escrow, "EscrowUnknownOffer")
        .withArgs(9n);
      const proposed = await shipFor(f, f.offerId, 1n);
      await expect(f.escrow.release(f.offerId, proposed.shipment))
        .to.be.revertedWithCustomError(f.escrow, "EscrowOfferNotActive")
        .withArgs(f.offerId, OfferStatus.Proposed);
      await expect(f.escrow.release(f.pledgeId, proposed.shipment))
        .to.be.revertedWithCustomError(f.escrow, "EscrowWrongKind")
        .withArgs(f.pledgeId, true);
      const fabric = await acceptedOffer(f, f.needId, f.maker, 10n, PRICE);
      const wrong = await shipFor(f, fabric, 10n, f.maker, { batchId: f.fabricId });
      await (await f.ledger.connect(f.hospital).receiveShipment(wrong.shipment, 10n, true)).wait();
      await expect(f.escrow.release(fabric, wrong.shipment))
        .to.be.revertedWithCustomError(f.escrow, "EscrowWrongProduct")
        .withArgs(FABRIC);
    });

    it("keeps releasing after the need closed or was cancelled, for offers accepted before", async () => {
      const f = await loadFixture(receivedFixture);
      await (await f.escrow.connect(f.hospital).cancelNeed(f.needId, REASON)).wait();
      await expect(f.escrow.release(f.offerId, f.shipment)).to.emit(f.escrow, "Released");
      await pastDeadline(f.escrow, f.needId);
    });
  });

  describe("collectEarnings", () => {
    it("pays the maker its earnings, also while paused and while its organisation is suspended", async () => {
      const f = await loadFixture(receivedFixture);
      await (await f.escrow.release(f.offerId, f.shipment)).wait();
      await (await f.registry.connect(f.guardian).pause()).wait();
      await suspend(f.registry, f.regulatorA, f.makerOrgId);
      const amount = OFFER_QUANTITY * OFFER_PRICE;
      const tx = f.escrow.connect(f.maker).collectEarnings(f.offerId);
      await expect(tx).to.emit(f.escrow, "EarningsCollected").withArgs(f.offerId, f.maker.address, ETH, amount);
      await expect(tx).to.changeEtherBalances([f.maker, f.escrow], [amount, -amount]);
      expect((await f.escrow.offer(f.offerId)).earned).to.equal(0n);
      await expect(f.escrow.connect(f.maker).collectEarnings(f.offerId))
        .to.be.revertedWithCustomError(f.escrow, "EscrowNothingToCollect")
        .withArgs(f.offerId);
    });

    it("refuses anyone but the maker's account", async () => {
      const f = await loadFixture(receivedFixture);
      await (await f.escrow.release(f.offerId, f.shipment)).wait();
      await expect(f.escrow.connect(f.hospital).collectEarnings(f.offerId))
        .to.be.revertedWithCustomError(f.escrow, "EscrowNotOfferMaker")
        .withArgs(f.offerId, f.hospital.address);
    });

    it("refuses a re-entrant supplier's second collection inside the first", async () => {
      const f = await loadFixture(fundedNeedFixture);
      const supplier = await (await ethers.getContractFactory("ReentrantCaller")).deploy();
      await (await f.registry.connect(f.maker).inviteAccount(supplier, AccountKind.Operator)).wait();
      await (
        await supplier.execute(f.registry, f.registry.interface.encodeFunctionData("acceptInvitation", [f.makerOrgId]))
      ).wait();
      const deadline = await deadlineOf(f, f.needId);
      const makeOffer = f.escrow.interface.encodeFunctionData("makeOffer", [f.needId, 100n, PRICE, deadline]);
      await (await supplier.execute(f.escrow, makeOffer)).wait();
      await (await f.escrow.connect(f.hospital).acceptOffer(1n)).wait();
      const { shipment } = await deliverFor(f, 1n, 100n);
      await (await f.escrow.release(1n, shipment)).wait();
      const collect = f.escrow.interface.encodeFunctionData("collectEarnings", [1n]);
      await (await supplier.arm(f.escrow, collect)).wait();
      await (await supplier.execute(f.escrow, collect)).wait();
      expect(await supplier.reentered()).to.equal(false);
      expect((await supplier.reentryError()).slice(0, 10)).to.equal(
        f.escrow.interface.getError("ReentrancyGuardReentrantCall")!.selector,
      );
      expect(await supplier.totalReceived()).to.equal(100n * PRICE);
    });
  });

  describe("pledges", () => {
    it("lets any holding member pledge goods in kind, active at once", async () => {
      const f = await loadFixture(openNeedFixture);
      const expiresAt = await deadlineOf(f, f.needId);
      await expect(f.escrow.connect(f.distributor).pledge(f.needId, 300n, expiresAt))
        .to.emit(f.escrow, "Pledged")
        .withArgs(1n, f.needId, f.distributorOrgId, f.distributor.address, 300n, expiresAt);
      const p = await f.escrow.offer(1n);
      expect([p.status, p.unitPrice, p.remaining]).to.deep.equal([BigInt(OfferStatus.Active), 0n, 300n]);
      for (const member of [f.maker, f.hospital2, f.retailer, f.agency, f.carrier]) {
        await expect(f.escrow.connect(member).pledge(f.needId, 1n, expiresAt)).to.emit(f.escrow, "Pledged");
      }
    });

    it("refuses non-members and regulators, a zero or excessive quantity, and a need that is not open", async () => {
      const f = await loadFixture(openNeedFixture);
      const expiresAt = await deadlineOf(f, f.needId);
      for (const account of [f.stranger, f.regulatorA]) {
        await expect(f.escrow.connect(account).pledge(f.needId, 1n, expiresAt))
          .to.be.revertedWithCustomError(f.escrow, "AllianceUnauthorized")
          .withArgs(account.address, HOLDERS);
      }
      await expect(f.escrow.connect(f.distributor).pledge(f.needId, 0n, expiresAt))
        .to.be.revertedWithCustomError(f.escrow, "EscrowQuantityTooLarge")
        .withArgs(0n, QUANTITY);
      await expect(f.escrow.connect(f.distributor).pledge(f.needId, QUANTITY + 1n, expiresAt))
        .to.be.revertedWithCustomError(f.escrow, "EscrowQuantityTooLarge")
        .withArgs(QUANTITY + 1n, QUANTITY);
      await (await f.escrow.connect(f.hospital).cancelNeed(f.needId, REASON)).wait();
      await expect(f.escrow.connect(f.distributor).pledge(f.needId, 1n, expiresAt))
        .to.be.revertedWithCustomError(f.escrow, "EscrowNeedNotOpen")
        .withArgs(f.needId, NeedStatus.Cancelled);
    });

    it("counts received pledged goods toward the need, lowering its money target, and credits the pledger", async () => {
      const f = await loadFixture(proposedFixture);
      const { shipment, shipmentId } = await deliverFor(f, f.pledgeId, 300n, f.distributor, 250n);
      expect(await f.escrow.recordPledgeReceipt.staticCall(f.pledgeId, shipment)).to.equal(250n);
      await expect(f.escrow.connect(f.stranger).recordPledgeReceipt(f.pledgeId, shipment))
        .to.emit(f.escrow, "PledgeReceived")
        .withArgs(f.pledgeId, f.needId, shipmentId, f.distributorOrgId, 250n);
      const n = await f.escrow.need(f.needId);
      expect([n.inKind, n.target]).to.deep.equal([250n, (QUANTITY - 250n) * PRICE]);
      expect(await f.escrow.inKindGivenBy(f.distributorOrgId)).to.equal(250n);
      expect(await f.escrow.lacks(f.needId)).to.equal(0n);
      expect((await f.escrow.offer(f.pledgeId)).remaining).to.equal(50n);
      await expect(f.escrow.recordPledgeReceipt(f.pledgeId, shipment))
        .to.be.revertedWithCustomError(f.escrow, "EscrowShipmentUsed")
        .withArgs(shipmentId);
      await expect(f.escrow.recordPledgeReceipt(f.offerId, shipment))
        .to.be.revertedWithCustomError(f.escrow, "EscrowOfferNotActive")
        .withArgs(f.offerId, OfferStatus.Proposed);
      await (await f.escrow.connect(f.hospital).acceptOffer(f.offerId)).wait();
      await expect(f.escrow.recordPledgeReceipt(f.offerId, shipment))
        .to.be.revertedWithCustomError(f.escrow, "EscrowWrongKind")
        .withArgs(f.offerId, false);
    });

    it("brings the money target to zero once in-kind goods cover the whole need", async () => {
      const f = await loadFixture(openNeedFixture);
      const expiresAt = await deadlineOf(f, f.needId);
      await (await f.escrow.connect(f.maker).pledge(f.needId, QUANTITY, expiresAt)).wait();
      const { shipment } = await deliverFor(f, 1n, QUANTITY);
      await (await f.escrow.recordPledgeReceipt(1n, shipment)).wait();
      expect((await f.escrow.need(f.needId)).target).to.equal(0n);
      await expect(f.escrow.connect(f.maker).makeOffer(f.needId, 1n, PRICE, expiresAt))
        .to.be.revertedWithCustomError(f.escrow, "EscrowQuantityTooLarge")
        .withArgs(1n, 0n);
    });

    shouldRespectAlliancePause({
      load: () => loadFixture(openNeedFixture),
      context: (f): PauseContext => f,
      gate: (f) => f.escrow,
      actor: (f) => f.distributor,
      commit: async (f, signer) => f.escrow.connect(signer).pledge(f.needId, 1n, await deadlineOf(f, f.needId)),
    });
  });
});
