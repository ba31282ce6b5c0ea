import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { ReentrantCaller } from "../../typechain-types";
import { DAY } from "../../scripts/lib/formation";
import { NeedStatus, RELEASE_GRACE } from "../../scripts/lib/donations";
import { type PauseContext, shouldRespectAlliancePause } from "../helpers/behaviours";
import {
  ETH,
  GIFT_A,
  GIFT_B,
  GIFT_C,
  OFFER_PRICE,
  OFFER_QUANTITY,
  PRICE,
  REASON,
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
} from "./donationFixture";

const ether = ethers.parseEther;

/** A re-entrant donor contract. */
async function reentrantDonor(): Promise<ReentrantCaller> {
  return (await ethers.getContractFactory("ReentrantCaller")).deploy();
}

describe("DonationEscrow: gifts, refunds, redirection and the pool", () => {
  describe("donate", () => {
    it("takes an ETH gift to an open need and records the donor's share", async () => {
      const f = await loadFixture(openNeedFixture);
      expect(await f.escrow.connect(f.donorA).donate.staticCall(f.needId, GIFT_A, { value: GIFT_A })).to.equal(GIFT_A);
      const tx = f.escrow.connect(f.donorA).donate(f.needId, GIFT_A, { value: GIFT_A });
      await expect(tx).to.emit(f.escrow, "Donated").withArgs(f.needId, f.donorA.address, ETH, GIFT_A, 0n);
      await expect(tx).not.to.emit(f.escrow, "Credited");
      await expect(tx).to.changeEtherBalances([f.donorA, f.escrow], [-GIFT_A, GIFT_A]);
      expect(await f.escrow.giftOf(f.needId, f.donorA.address)).to.deep.equal([GIFT_A, 0n, false]);
      const n = await f.escrow.need(f.needId);
      expect([n.raised, n.openDonors]).to.deep.equal([GIFT_A, 1n]);
      expect(await f.escrow.lacks(f.needId)).to.equal(TARGET - GIFT_A);
      expect(await f.escrow.owed(ETH)).to.equal(GIFT_A);
    });

    it("adds a donor's later gifts to its share without counting it twice", async () => {
      const f = await loadFixture(openNeedFixture);
      await give(f.escrow, f.donorA, f.needId, GIFT_A);
      await give(f.escrow, f.donorA, f.needId, GIFT_C);
      expect((await f.escrow.giftOf(f.needId, f.donorA.address)).given).to.equal(GIFT_A + GIFT_C);
      expect((await f.escrow.need(f.needId)).openDonors).to.equal(1n);
    });

    it("accepts what the need lacks and credits the rest back to the donor, who withdraws it", async () => {
      const f = await loadFixture(openNeedFixture);
      await give(f.escrow, f.donorA, f.needId, ether("0.9"));
      const tx = f.escrow.connect(f.donorB).donate(f.needId, ether("0.5"), { value: ether("0.5") });
      await expect(tx)
        .to.emit(f.escrow, "Donated")
        .withArgs(f.needId, f.donorB.address, ETH, ether("0.1"), ether("0.4"));
      await expect(tx).to.emit(f.escrow, "Credited").withArgs(ETH, f.donorB.address, ether("0.4"));
      expect(await f.escrow.creditOf(ETH, f.donorB.address)).to.equal(ether("0.4"));
      expect(await f.escrow.lacks(f.needId)).to.equal(0n);
      expect(await f.escrow.owed(ETH)).to.equal(ether("1.4"));
      expect(await f.escrow.connect(f.donorB).withdraw.staticCall(ETH)).to.equal(ether("0.4"));
      const w = f.escrow.connect(f.donorB).withdraw(ETH);
      await expect(w).to.emit(f.escrow, "Withdrawn").withArgs(ETH, f.donorB.address, ether("0.4"));
      await expect(w).to.changeEtherBalances([f.donorB, f.escrow], [ether("0.4"), -ether("0.4")]);
      expect(await f.escrow.creditOf(ETH, f.donorB.address)).to.equal(0n);
      expect(await f.escrow.owed(ETH)).to.equal(TARGET);
    });

    it("never refuses a racing donor: a gift to a fully funded need is credited back whole", async () => {
      const f = await loadFixture(fundedNeedFixture);
      await expect(f.escrow.connect(f.donorD).donate(f.needId, 5n, { value: 5n }))
        .to.emit(f.escrow, "Donated")
        .withArgs(f.needId, f.donorD.address, ETH, 0n, 5n);
      expect(await f.escrow.giftOf(f.needId, f.donorD.address)).to.deep.equal([0n, 0n, false]);
      expect((await f.escrow.need(f.needId)).openDonors).to.equal(3n);
      expect(await f.escrow.creditOf(ETH, f.donorD.address)).to.equal(5n);
    });

    it("takes gifts exactly at the deadline and refuses them one second after", async () => {
      const f = await loadFixture(openNeedFixture);
      const { deadline } = await f.escrow.need(f.needId);
      await time.setNextBlockTimestamp(deadline);
      await expect(f.escrow.connect(f.donorA).donate(f.needId, 1n, { value: 1n })).to.emit(f.escrow, "Donated");
      await time.setNextBlockTimestamp(deadline + 1n);
      await expect(f.escrow.connect(f.donorA).donate(f.needId, 1n, { value: 1n }))
        .to.be.revertedWithCustomError(f.escrow, "EscrowNeedNotOpen")
        .withArgs(f.needId, NeedStatus.Closed);
    });

    it("refuses an unverified, cancelled or unknown need, a zero amount and a wrong ETH amount", async () => {
      const f = await loadFixture(openNeedFixture);
      const posted = await postNeed(f);
      await expect(f.escrow.connect(f.donorA).donate(posted, 1n, { value: 1n }))
        .to.be.revertedWithCustomError(f.escrow, "EscrowNeedNotOpen")
        .withArgs(posted, NeedStatus.Posted);
      await expect(f.escrow.connect(f.donorA).donate(9n, 1n, { value: 1n }))
        .to.be.revertedWithCustomError(f.escrow, "EscrowUnknownNeed")
        .withArgs(9n);
      await expect(f.escrow.connect(f.donorA).donate(f.needId, 0n)).to.be.revertedWithCustomError(
        f.escrow,
        "EscrowZeroAmount",
      );
      await expect(f.escrow.connect(f.donorA).donate(f.needId, 2n, { value: 1n }))
        .to.be.revertedWithCustomError(f.escrow, "VaultWrongEthAmount")
        .withArgs(1n, 2n);
      await (await f.escrow.connect(f.hospital).cancelNeed(f.needId, REASON)).wait();
      await expect(f.escrow.connect(f.donorA).donate(f.needId, 1n, { value: 1n }))
        .to.be.revertedWithCustomError(f.escrow, "EscrowNeedNotOpen")
        .withArgs(f.needId, NeedStatus.Cancelled);
    });

    describe("in tokens", () => {
      async function tokenNeed(f: EscrowFixture, asset: string) {
        return openNeed(f, { asset, maxUnitPrice: 1_000n });
      }

      it("takes a plain ERC-20 gift by transferFrom and refuses ETH sent along", async () => {
        const f = await loadFixture(escrowFixture);
        const asset = await f.token.getAddress();
        const needId = await tokenNeed(f, asset);
        await expect(f.escrow.connect(f.donorA).donate(needId, 1_000n, { value: 1n }))
          .to.be.revertedWithCustomError(f.escrow, "VaultWrongEthAmount")
          .withArgs(1n, 0n);
        const tx = f.escrow.connect(f.donorA).donate(needId, 400_000n);
        await expect(tx).to.emit(f.escrow, "Donated").withArgs(needId, f.donorA.address, asset, 400_000n, 0n);
        await expect(tx).to.changeTokenBalances(f.token, [f.donorA, f.escrow], [-400_000n, 400_000n]);
        expect(await f.escrow.owed(asset)).to.equal(400_000n);
      });

      it("works with a token whose transfers return nothing, in and out", async () => {
        const f = await loadFixture(escrowFixture);
        const asset = await f.noReturn.getAddress();
        const needId = await tokenNeed(f, asset);
        await (await f.escrow.connect(f.donorA).donate(needId, 1_200_000n)).wait();
        expect(await f.noReturn.balanceOf(f.escrowAddress)).to.equal(1_200_000n);
        expect(await f.escrow.creditOf(asset, f.donorA.address)).to.equal(200_000n);
        await (await f.escrow.connect(f.donorA).withdraw(asset)).wait();
        expect(await f.noReturn.balanceOf(f.escrowAddress)).to.equal(1_000_000n);
        await (await f.escrow.connect(f.hospital).cancelNeed(needId, REASON)).wait();
        await (await f.escrow.connect(f.donorA).refund(needId)).wait();
        expect(await f.noReturn.balanceOf(f.donorA.address)).to.equal(1_000_000_000n);
      });

      it("counts what a fee-on-transfer token delivers, not what was sent", async () => {
        const f = await loadFixture(escrowFixture);
        const asset = await f.feeToken.getAddress();
        const needId = await tokenNeed(f, asset);
        await expect(f.escrow.connect(f.donorA).donate(needId, 100_000n))
          .to.emit(f.escrow, "Donated")
          .withArgs(needId, f.donorA.address, asset, 99_000n, 0n);
        expect(await f.escrow.owed(asset)).to.equal(99_000n);
        expect(await f.feeToken.balanceOf(f.escrowAddress)).to.equal(99_000n);
        expect((await f.escrow.giftOf(needId, f.donorA.address)).given).to.equal(99_000n);
        await (await f.escrow.connect(f.hospital).cancelNeed(needId, REASON)).wait();
        await expect(f.escrow.connect(f.donorA).refund(needId))
          .to.emit(f.escrow, "Refunded")
          .withArgs(needId, f.donorA.address, 99_000n, true);
        expect(await f.escrow.owed(asset)).to.equal(0n);
        expect(await f.feeToken.balanceOf(f.escrowAddress)).to.equal(0n);
      });
    });

    shouldRespectAlliancePause({
      load: () => loadFixture(cancelledFixture),
      context: (f): PauseContext => f,
      gate: (f) => f.escrow,
      actor: (f) => f.donorD,
      commit: (f, signer) => f.escrow.connect(signer).donate(f.open, 1n, { value: 1n }),
      goesOn: [
        { title: "lets a donor take its refund", send: (f) => f.escrow.connect(f.donorA).refund(f.needId) },
        { title: "lets a donor withdraw its credit", send: (f) => f.escrow.connect(f.donorD).withdraw(ETH) },
      ],
    });
  });

  describe("refund", () => {
    it("gives every donor its whole gift back from a cancelled need, the last settling the need", async () => {
      const f = await loadFixture(fundedNeedFixture);
      await (await f.escrow.connect(f.hospital).cancelNeed(f.needId, REASON)).wait();
      for (const [donor, gift] of [
        [f.donorA, GIFT_A],
        [f.donorB, GIFT_B],
        [f.donorC, GIFT_C],
      ] as const) {
        expect(await f.escrow.refundableOf(f.needId, donor.address)).to.equal(gift);
        const tx = f.escrow.connect(donor).refund(f.needId);
        await expect(tx).to.emit(f.escrow, "Refunded").withArgs(f.needId, donor.address, gift, true);
        await expect(tx).to.changeEtherBalances([donor, f.escrow], [gift, -gift]);
        expect(await f.escrow.giftOf(f.needId, donor.address)).to.deep.equal([gift, gift, true]);
        expect(await f.escrow.refundableOf(f.needId, donor.address)).to.equal(0n);
      }
      const n = await f.escrow.need(f.needId);
      expect([n.returned, n.openDonors]).to.deep.equal([TARGET, 0n]);
      expect(await f.escrow.owed(ETH)).to.equal(0n);
    });

    it("refuses before the deadline (exactly at it) and refunds one second after", async () => {
      const f = await loadFixture(fundedNeedFixture);
      const { deadline } = await f.escrow.need(f.needId);
      await time.setNextBlockTimestamp(deadline);
      await expect(f.escrow.connect(f.donorA).refund(f.needId))
        .to.be.revertedWithCustomError(f.escrow, "EscrowNeedNotOpen")
        .withArgs(f.needId, NeedStatus.Open);
      await time.setNextBlockTimestamp(deadline + 1n);
      await expect(f.escrow.connect(f.donorA).refund(f.needId))
        .to.emit(f.escrow, "Refunded")
        .withArgs(f.needId, f.donorA.address, GIFT_A, true);
    });

    it("after a partial fulfilment refunds the unreleased money pro rata", async () => {
      const f = await loadFixture(receivedFixture);
      await (await f.escrow.release(f.offerId, f.shipment)).wait();
      await pastDeadline(f.escrow, f.needId);
      const left = TARGET - OFFER_QUANTITY * OFFER_PRICE; // 0.52 ETH
      const shares = [
        [f.donorA, (GIFT_A * left) / TARGET],
        [f.donorB, (GIFT_B * left) / TARGET],
        [f.donorC, (GIFT_C * left) / TARGET],
      ] as const;
      for (const [donor, share] of shares) {
        expect(await f.escrow.connect(donor).refund.staticCall(f.needId)).to.equal(share);
        await expect(f.escrow.connect(donor).refund(f.needId)).to.changeEtherBalance(donor, share);
      }
      expect(await f.escrow.owed(ETH)).to.equal(OFFER_QUANTITY * OFFER_PRICE); // the supplier's uncollected earnings
    });

    it("returns the unreserved part first and the reserved part once the offer closes", async () => {
      const f = await loadFixture(acceptedOfferFixture);
      await (await f.escrow.connect(f.hospital).cancelNeed(f.needId, REASON)).wait();
      const reserved = OFFER_QUANTITY * OFFER_PRICE;
      const first = (GIFT_A * (TARGET - reserved)) / TARGET;
      await expect(f.escrow.connect(f.donorA).refund(f.needId))
        .to.emit(f.escrow, "Refunded")
        .withArgs(f.needId, f.donorA.address, first, false);
      await expect(f.escrow.connect(f.donorA).refund(f.needId))
        .to.be.revertedWithCustomError(f.escrow, "EscrowNothingToRefund")
        .withArgs(f.needId, f.donorA.address);
      expect(await f.escrow.refundableOf(f.needId, f.donorA.address)).to.equal(0n);
      const { expiresAt } = await f.escrow.offer(f.offerId);
      await time.increaseTo(expiresAt + RELEASE_GRACE + 1n);
      await (await f.escrow.connect(f.stranger).closeOffer(f.offerId)).wait();
      expect(await f.escrow.refundableOf(f.needId, f.donorA.address)).to.equal(GIFT_A - first);
      await expect(f.escrow.connect(f.donorA).refund(f.needId))
        .to.emit(f.escrow, "Refunded")
        .withArgs(f.needId, f.donorA.address, GIFT_A - first, true);
      await expect(f.escrow.connect(f.donorA).refund(f.needId))
        .to.be.revertedWithCustomError(f.escrow, "EscrowNothingToRefund")
        .withArgs(f.needId, f.donorA.address);
    });

    it("gives the rounding dust to the last donor to settle", async () => {
      const f = await loadFixture(escrowFixture);
      const needId = await openNeed(f, { quantity: 1_000n, maxUnitPrice: 1n });
      await give(f.escrow, f.donorA, needId, 333n);
      await give(f.escrow, f.donorB, needId, 333n);
      await give(f.escrow, f.donorC, needId, 334n);
      const offerId = await acceptedOffer(f, needId, f.maker, 1n, 1n);
      const { shipment } = await deliverFor(f, offerId, 1n);
      await (await f.escrow.release(offerId, shipment)).wait();
      await pastDeadline(f.escrow, needId);
      expect(await f.escrow.refundableOf(needId, f.donorB.address)).to.equal(332n); // 333 × 999 / 1,000
      await expect(f.escrow.connect(f.donorB).refund(needId))
        .to.emit(f.escrow, "Refunded")
        .withArgs(needId, f.donorB.address, 332n, true);
      await expect(f.escrow.connect(f.donorA).refund(needId))
        .to.emit(f.escrow, "Refunded")
        .withArgs(needId, f.donorA.address, 332n, true);
      expect(await f.escrow.refundableOf(needId, f.donorC.address)).to.equal(335n); // 999 - 664
      await expect(f.escrow.connect(f.donorC).refund(needId))
        .to.emit(f.escrow, "Refunded")
        .withArgs(needId, f.donorC.address, 335n, true);
      const n = await f.escrow.need(needId);
      expect(n.returned + n.released).to.equal(n.raised);
    });

    it("settles a donor whose share rounds to nothing once the need is final", async () => {
      const f = await loadFixture(escrowFixture);
      const needId = await openNeed(f, { quantity: 1_000n, maxUnitPrice: 1n });
      await give(f.escrow, f.donorA, needId, 1n);
      await give(f.escrow, f.donorB, needId, 2n);
      const offerId = await acceptedOffer(f, needId, f.maker, 2n, 1n);
      const { shipment } = await deliverFor(f, offerId, 2n);
      await (await f.escrow.release(offerId, shipment)).wait();
      await pastDeadline(f.escrow, needId);
      await expect(f.escrow.connect(f.donorA).refund(needId))
        .to.emit(f.escrow, "Refunded")
        .withArgs(needId, f.donorA.address, 0n, true);
      await expect(f.escrow.connect(f.donorB).refund(needId))
        .to.emit(f.escrow, "Refunded")
        .withArgs(needId, f.donorB.address, 1n, true);
    });

    it("refuses an open or posted need and a caller without a share", async () => {
      const f = await loadFixture(fundedNeedFixture);
      await expect(f.escrow.connect(f.donorA).refund(f.needId))
        .to.be.revertedWithCustomError(f.escrow, "EscrowNeedNotOpen")
        .withArgs(f.needId, NeedStatus.Open);
      await expect(f.escrow.connect(f.donorA).refund(8n)).to.be.revertedWithCustomError(f.escrow, "EscrowUnknownNeed");
      await pastDeadline(f.escrow, f.needId);
      await expect(f.escrow.connect(f.stranger).refund(f.needId))
        .to.be.revertedWithCustomError(f.escrow, "EscrowNothingToRefund")
        .withArgs(f.needId, f.stranger.address);
      expect(await f.escrow.refundableOf(f.needId, f.stranger.address)).to.equal(0n);
    });

    it("refuses a re-entrant donor's second refund inside the first", async () => {
      const f = await loadFixture(openNeedFixture);
      const donor = await reentrantDonor();
      const escrow = f.escrow;
      await (
        await donor.execute(escrow, escrow.interface.encodeFunctionData("donate", [f.needId, GIFT_A]), {
          value: GIFT_A,
        })
      ).wait();
      await (await escrow.connect(f.hospital).cancelNeed(f.needId, REASON)).wait();
      const refundCall = escrow.interface.encodeFunctionData("refund", [f.needId]);
      await (await donor.arm(escrow, refundCall)).wait();
      await (await donor.execute(escrow, refundCall)).wait();
      expect(await donor.attempted()).to.equal(true);
      expect(await donor.reentered()).to.equal(false);
      expect((await donor.reentryError()).slice(0, 10)).to.equal(
        escrow.interface.getError("ReentrancyGuardReentrantCall")!.selector,
      );
      expect(await donor.totalReceived()).to.equal(GIFT_A);
      expect(await escrow.owed(ETH)).to.equal(0n);
    });
  });

  describe("re-entrancy", () => {
    it("refuses re-entry into every function that moves value while the escrow is paying out", async () => {
      const f = await loadFixture(fundedNeedFixture);
      const open = await openNeed(f);
      await (await f.escrow.connect(f.governor).openPool(ETH, BigInt(await time.latest()) + DAY)).wait();
      const caller = await reentrantDonor();
      const escrow = f.escrow;
      const calls = [
        escrow.interface.encodeFunctionData("donate", [open, 1n]),
        escrow.interface.encodeFunctionData("redirect", [f.needId, open]),
        escrow.interface.encodeFunctionData("donateToPool", [1n, 1n]),
        escrow.interface.encodeFunctionData("refundFromPool", [1n]),
        escrow.interface.encodeFunctionData("refund", [f.needId]),
        escrow.interface.encodeFunctionData("collectEarnings", [1n]),
        escrow.interface.encodeFunctionData("sweepSurplus", [ETH, f.stranger.address]),
        escrow.interface.encodeFunctionData("withdraw", [ETH]),
      ];
      const guard = escrow.interface.getError("ReentrancyGuardReentrantCall")!.selector;
      const donate = escrow.interface.encodeFunctionData("donate", [f.needId, 1n]);
      const withdraw = escrow.interface.encodeFunctionData("withdraw", [ETH]);
      for (const call of calls) {
        await (await caller.execute(escrow, donate, { value: 1n })).wait(); // credited back: the need is full
        await (await caller.arm(escrow, call)).wait();
        await (await caller.execute(escrow, withdraw)).wait();
        expect(await caller.attempted()).to.equal(true);
        expect(await caller.reentered()).to.equal(false);
        expect((await caller.reentryError()).slice(0, 10)).to.equal(guard);
      }
      expect(await caller.totalReceived()).to.equal(BigInt(calls.length));
    });
  });

  describe("redirect", () => {
    it("moves a donor's refundable share of a cancelled need to another open need", async () => {
      const f = await loadFixture(fundedNeedFixture);
      const target = await openNeed(f);
      await (await f.escrow.connect(f.hospital).cancelNeed(f.needId, REASON)).wait();
      expect(await f.escrow.connect(f.donorB).redirect.staticCall(f.needId, target)).to.equal(GIFT_B);
      const tx = f.escrow.connect(f.donorB).redirect(f.needId, target);
      await expect(tx).to.emit(f.escrow, "Redirected").withArgs(f.needId, target, f.donorB.address, GIFT_B);
      await expect(tx).to.emit(f.escrow, "Donated").withArgs(target, f.donorB.address, ETH, GIFT_B, 0n);
      await expect(tx).to.changeEtherBalance(f.escrow, 0n);
      expect(await f.escrow.giftOf(f.needId, f.donorB.address)).to.deep.equal([GIFT_B, GIFT_B, true]);
      expect((await f.escrow.giftOf(target, f.donorB.address)).given).to.equal(GIFT_B);
      expect(await f.escrow.owed(ETH)).to.equal(TARGET);
    });

    it("credits back what the target need does not lack", async () => {
      const f = await loadFixture(fundedNeedFixture);
      const target = await openNeed(f, { quantity: 100n });
      await (await f.escrow.connect(f.hospital).cancelNeed(f.needId, REASON)).wait();
      await expect(f.escrow.connect(f.donorB).redirect(f.needId, target))
        .to.emit(f.escrow, "Donated")
        .withArgs(target, f.donorB.address, ETH, 100n * PRICE, GIFT_B - 100n * PRICE);
      expect(await f.escrow.creditOf(ETH, f.donorB.address)).to.equal(GIFT_B - 100n * PRICE);
    });

    it("refuses the same need, another asset, a target that is not open, an open source and nothing to move", async () => {
      const f = await loadFixture(fundedNeedFixture);
      const tokenNeed = await openNeed(f, { asset: await f.token.getAddress() });
      const target = await openNeed(f);
      const posted = await postNeed(f);
      await expect(f.escrow.connect(f.donorA).redirect(target, target))
        .to.be.revertedWithCustomError(f.escrow, "EscrowSameNeed")
        .withArgs(target);
      await expect(f.escrow.connect(f.donorA).redirect(f.needId, target))
        .to.be.revertedWithCustomError(f.escrow, "EscrowNeedNotOpen")
        .withArgs(f.needId, NeedStatus.Open);
      await (await f.escrow.connect(f.hospital).cancelNeed(f.needId, REASON)).wait();
      await expect(f.escrow.connect(f.donorA).redirect(f.needId, tokenNeed))
        .to.be.revertedWithCustomError(f.escrow, "EscrowAssetMismatch")
        .withArgs(await f.token.getAddress(), ETH);
      await expect(f.escrow.connect(f.donorA).redirect(f.needId, posted))
        .to.be.revertedWithCustomError(f.escrow, "EscrowNeedNotOpen")
        .withArgs(posted, NeedStatus.Posted);
      await expect(f.escrow.connect(f.stranger).redirect(f.needId, target))
        .to.be.revertedWithCustomError(f.escrow, "EscrowNothingToRefund")
        .withArgs(f.needId, f.stranger.address);
    });

    it("refuses a move of nothing when everything was spent", async () => {
      const f = await loadFixture(fundedNeedFixture);
      const target = await openNeed(f, { deadline: BigInt(await time.latest()) + 90n * DAY });
      const offerId = await acceptedOffer(f, f.needId, f.maker, 1_000n, PRICE);
      const { shipment } = await deliverFor(f, offerId, 1_000n);
      await (await f.escrow.release(offerId, shipment)).wait();
      await pastDeadline(f.escrow, f.needId);
      await expect(f.escrow.connect(f.donorA).redirect(f.needId, target))
        .to.be.revertedWithCustomError(f.escrow, "EscrowNothingToRefund")
        .withArgs(f.needId, f.donorA.address);
    });

    shouldRespectAlliancePause({
      load: () => loadFixture(cancelledFixture),
      context: (f): PauseContext => f,
      gate: (f) => f.escrow,
      actor: (f) => f.donorA,
      commit: (f, signer) => f.escrow.connect(signer).redirect(f.needId, f.open),
    });
  });

  describe("pool", () => {
    async function poolFixture() {
      const f = await openNeedFixture();
      const deadline = BigInt(await time.latest()) + 60n * DAY;
      await (await f.escrow.connect(f.governor).openPool(ETH, deadline)).wait();
      await (await f.escrow.connect(f.donorA).donateToPool(1n, ether("0.6"), { value: ether("0.6") })).wait();
      await (await f.escrow.connect(f.donorB).donateToPool(1n, ether("0.3"), { value: ether("0.3") })).wait();
      return { ...f, poolId: 1n, poolDeadline: deadline };
    }

    it("lets the governor open a round and anyone give to it", async () => {
      const f = await loadFixture(openNeedFixture);
      const deadline = BigInt(await time.latest()) + 60n * DAY;
      expect(await f.escrow.connect(f.governor).openPool.staticCall(ETH, deadline)).to.equal(1n);
      await expect(f.escrow.connect(f.governor).openPool(ETH, deadline))
        .to.emit(f.escrow, "PoolOpened")
        .withArgs(1n, ETH, deadline);
      await expect(f.escrow.connect(f.donorA).donateToPool(1n, 7n, { value: 7n }))
        .to.emit(f.escrow, "PoolDonated")
        .withArgs(1n, f.donorA.address, 7n);
      await (await f.escrow.connect(f.donorA).donateToPool(1n, 3n, { value: 3n })).wait();
      expect(await f.escrow.poolGiftOf(1n, f.donorA.address)).to.deep.equal([10n, 0n, false]);
      const p = await f.escrow.pool(1n);
      expect([p.asset, p.deadline, p.raised, p.openDonors]).to.deep.equal([ETH, deadline, 10n, 1n]);
      expect(await f.escrow.counts()).to.deep.equal([1n, 0n, 1n]);
    });

    it("refuses a non-governor, an unapproved asset and a bad deadline when opening", async () => {
      const f = await loadFixture(openNeedFixture);
      const deadline = BigInt(await time.latest()) + DAY;
      await expect(f.escrow.connect(f.donorA).openPool(ETH, deadline)).to.be.revertedWithCustomError(
        f.escrow,
        "AccessControlUnauthorizedAccount",
      );
      await expect(f.escrow.connect(f.governor).openPool(f.stranger.address, deadline))
        .to.be.revertedWithCustomError(f.escrow, "VaultAssetNotApproved")
        .withArgs(f.stranger.address);
      await expect(f.escrow.connect(f.governor).openPool(ETH, 1n)).to.be.revertedWithCustomError(
        f.escrow,
        "EscrowInvalidDeadline",
      );
    });

    it("refuses pool gifts to an unknown or past round and of nothing", async () => {
      const f = await loadFixture(poolFixture);
      await expect(f.escrow.connect(f.donorA).donateToPool(2n, 1n, { value: 1n }))
        .to.be.revertedWithCustomError(f.escrow, "EscrowUnknownPool")
        .withArgs(2n);
      await expect(f.escrow.connect(f.donorA).donateToPool(1n, 0n)).to.be.revertedWithCustomError(
        f.escrow,
        "EscrowZeroAmount",
      );
      await time.increaseTo(f.poolDeadline + 1n);
      await expect(f.escrow.connect(f.donorA).donateToPool(1n, 1n, { value: 1n }))
        .to.be.revertedWithCustomError(f.escrow, "EscrowPoolNotOpen")
        .withArgs(1n, f.poolDeadline);
    });

    it("lets the governor allocate explicit amounts, the pool becoming one donor of the need", async () => {
      const f = await loadFixture(poolFixture);
      await expect(f.escrow.connect(f.governor).allocate(f.poolId, f.needId, ether("0.4")))
        .to.emit(f.escrow, "PoolAllocated")
        .withArgs(f.poolId, f.needId, f.governor.address, ether("0.4"));
      await (await f.escrow.connect(f.governor).allocate(f.poolId, f.needId, ether("0.1"))).wait();
      expect(await f.escrow.poolShareOf(f.needId, f.poolId)).to.deep.equal([ether("0.5"), 0n, false]);
      const n = await f.escrow.need(f.needId);
      expect([n.raised, n.openDonors]).to.deep.equal([ether("0.5"), 1n]);
      const p = await f.escrow.pool(f.poolId);
      expect([p.allocated, p.openAllocations]).to.deep.equal([ether("0.5"), 1n]);
    });

    it("refuses allocations beyond what the need lacks or the pool holds, of nothing, across assets, and by others", async () => {
      const f = await loadFixture(poolFixture);
      await give(f.escrow, f.donorC, f.needId, ether("0.5"));
      await expect(f.escrow.connect(f.governor).allocate(f.poolId, f.needId, ether("0.5") + 1n))
        .to.be.revertedWithCustomError(f.escrow, "EscrowAllocationTooLarge")
        .withArgs(ether("0.5") + 1n, ether("0.5"), ether("0.9"));
      const big = await openNeed(f, { quantity: 5_000n });
      await expect(f.escrow.connect(f.governor).allocate(f.poolId, big, ether("0.9") + 1n))
        .to.be.revertedWithCustomError(f.escrow, "EscrowAllocationTooLarge")
        .withArgs(ether("0.9") + 1n, ether("5"), ether("0.9"));
      await expect(f.escrow.connect(f.governor).allocate(f.poolId, big, 0n)).to.be.revertedWithCustomError(
        f.escrow,
        "EscrowAllocationTooLarge",
      );
      const tokenNeed = await openNeed(f, { asset: await f.token.getAddress() });
      await expect(f.escrow.connect(f.governor).allocate(f.poolId, tokenNeed, 1n))
        .to.be.revertedWithCustomError(f.escrow, "EscrowAssetMismatch")
        .withArgs(await f.token.getAddress(), ETH);
      await expect(f.escrow.connect(f.donorA).allocate(f.poolId, big, 1n)).to.be.revertedWithCustomError(
        f.escrow,
        "AccessControlUnauthorizedAccount",
      );
      await expect(f.escrow.connect(f.governor).allocate(f.poolId, 99n, 1n)).to.be.revertedWithCustomError(
        f.escrow,
        "EscrowUnknownNeed",
      );
      await time.increaseTo(f.poolDeadline + 1n);
      await expect(f.escrow.connect(f.governor).allocate(f.poolId, big, 1n))
        .to.be.revertedWithCustomError(f.escrow, "EscrowPoolNotOpen")
        .withArgs(f.poolId, f.poolDeadline);
    });

    it("returns the pool's share of a closed need to the pool, then to the pool's donors pro rata", async () => {
      const f = await loadFixture(poolFixture);
      await (await f.escrow.connect(f.governor).allocate(f.poolId, f.needId, ether("0.6"))).wait();
      await give(f.escrow, f.donorC, f.needId, ether("0.4"));
      const offerId = await acceptedOffer(f, f.needId, f.maker, 500n, PRICE);
      const { shipment } = await deliverFor(f, offerId, 500n);
      await (await f.escrow.release(offerId, shipment)).wait();
      await expect(f.escrow.returnPoolShare(f.needId, f.poolId))
        .to.be.revertedWithCustomError(f.escrow, "EscrowNeedNotOpen")
        .withArgs(f.needId, NeedStatus.Open);
      await pastDeadline(f.escrow, f.needId);
      // 0.5 ETH left of 1 ETH: the pool's share is 0.6 × 0.5 = 0.3 ETH.
      await expect(f.escrow.connect(f.stranger).returnPoolShare(f.needId, f.poolId))
        .to.emit(f.escrow, "PoolShareReturned")
        .withArgs(f.poolId, f.needId, ether("0.3"), true);
      await expect(f.escrow.returnPoolShare(f.needId, f.poolId))
        .to.be.revertedWithCustomError(f.escrow, "EscrowNothingToRefund")
        .withArgs(f.needId, ethers.ZeroAddress);
      const p = await f.escrow.pool(f.poolId);
      expect([p.returned, p.openAllocations]).to.deep.equal([ether("0.3"), 0n]);
      // The pool holds 0.9 - 0.6 + 0.3 = 0.6 ETH for its donors (2/3 and 1/3), after its deadline.
      await expect(f.escrow.connect(f.donorA).refundFromPool(f.poolId))
        .to.be.revertedWithCustomError(f.escrow, "EscrowPoolNotOpen")
        .withArgs(f.poolId, f.poolDeadline);
      await time.increaseTo(f.poolDeadline + 1n);
      await expect(f.escrow.connect(f.donorA).refundFromPool(f.poolId))
        .to.emit(f.escrow, "PoolRefunded")
        .withArgs(f.poolId, f.donorA.address, ether("0.4"), true);
      await expect(f.escrow.connect(f.donorB).refundFromPool(f.poolId)).to.changeEtherBalance(f.donorB, ether("0.2"));
      await expect(f.escrow.connect(f.donorB).refundFromPool(f.poolId))
        .to.be.revertedWithCustomError(f.escrow, "EscrowNothingToRefund")
        .withArgs(f.poolId, f.donorB.address);
      expect((await f.escrow.pool(f.poolId)).paid).to.equal(ether("0.6"));
    });

    it("pays pool donors what is unallocated while allocations are still open, and the rest once they settle", async () => {
      const f = await loadFixture(poolFixture);
      await (await f.escrow.connect(f.governor).allocate(f.poolId, f.needId, ether("0.45"))).wait();
      await time.increaseTo(f.poolDeadline + 1n);
      // Unallocated 0.45 ETH: donor A (2/3) may take 0.3 now; the need is past its deadline but its share not returned.
      await expect(f.escrow.connect(f.donorA).refundFromPool(f.poolId))
        .to.emit(f.escrow, "PoolRefunded")
        .withArgs(f.poolId, f.donorA.address, ether("0.3"), false);
      await expect(f.escrow.connect(f.donorA).refundFromPool(f.poolId))
        .to.be.revertedWithCustomError(f.escrow, "EscrowNothingToRefund")
        .withArgs(f.poolId, f.donorA.address);
      await (await f.escrow.returnPoolShare(f.needId, f.poolId)).wait();
      await expect(f.escrow.connect(f.donorA).refundFromPool(f.poolId))
        .to.emit(f.escrow, "PoolRefunded")
        .withArgs(f.poolId, f.donorA.address, ether("0.3"), true);
      await expect(f.escrow.connect(f.donorB).refundFromPool(f.poolId))
        .to.emit(f.escrow, "PoolRefunded")
        .withArgs(f.poolId, f.donorB.address, ether("0.3"), true);
      await expect(f.escrow.connect(f.stranger).refundFromPool(9n)).to.be.revertedWithCustomError(
        f.escrow,
        "EscrowUnknownPool",
      );
      expect(await f.escrow.owed(ETH)).to.equal(0n);
    });

    it("returns the pool's unreserved share first and the rest once the need's offers close", async () => {
      const f = await loadFixture(poolFixture);
      await (await f.escrow.connect(f.governor).allocate(f.poolId, f.needId, ether("0.5"))).wait();
      await give(f.escrow, f.donorC, f.needId, ether("0.5"));
      const offerId = await acceptedOffer(f, f.needId, f.maker, 400n, PRICE);
      await (await f.escrow.connect(f.hospital).cancelNeed(f.needId, REASON)).wait();
      await expect(f.escrow.returnPoolShare(f.needId, f.poolId))
        .to.emit(f.escrow, "PoolShareReturned")
        .withArgs(f.poolId, f.needId, ether("0.3"), false);
      expect((await f.escrow.pool(f.poolId)).openAllocations).to.equal(1n);
      await (await f.escrow.connect(f.maker).closeOffer(offerId)).wait();
      await expect(f.escrow.returnPoolShare(f.needId, f.poolId))
        .to.emit(f.escrow, "PoolShareReturned")
        .withArgs(f.poolId, f.needId, ether("0.2"), true);
      expect((await f.escrow.pool(f.poolId)).openAllocations).to.equal(0n);
      await expect(f.escrow.returnPoolShare(f.needId, 5n))
        .to.be.revertedWithCustomError(f.escrow, "EscrowUnknownPool")
        .withArgs(5n);
      await time.increaseTo(f.poolDeadline + 1n);
      await expect(f.escrow.connect(f.stranger).refundFromPool(f.poolId))
        .to.be.revertedWithCustomError(f.escrow, "EscrowNothingToRefund")
        .withArgs(f.poolId, f.stranger.address);
    });

    shouldRespectAlliancePause({
      load: () => loadFixture(poolFixture),
      context: (f): PauseContext => f,
      gate: (f) => f.escrow,
      actor: (f) => f.donorC,
      commit: (f, signer) => f.escrow.connect(signer).donateToPool(f.poolId, 1n, { value: 1n }),
    });

    shouldRespectAlliancePause({
      load: () => loadFixture(poolFixture),
      context: (f): PauseContext => f,
      gate: (f) => f.escrow,
      actor: (f) => f.governor,
      commit: (f, signer) => f.escrow.connect(signer).allocate(f.poolId, f.needId, 1n),
    });
  });
});

/** A cancelled funded need (1) with donor D's credit, and an open need (2). */
async function cancelledFixture() {
  const f = await fundedNeedFixture();
  const open = await openNeed(f);
  await (await f.escrow.connect(f.donorD).donate(f.needId, 5n, { value: 5n })).wait();
  await (await f.escrow.connect(f.hospital).cancelNeed(f.needId, REASON)).wait();
  return { ...f, open };
}
