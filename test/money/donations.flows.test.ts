import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { DAY } from "../../scripts/lib/formation";
import { ETH, NeedStatus, needRef, offerRef, recommendAllocation, traceGift } from "../../scripts/lib/donations";
import { printed } from "../helpers/tasks";
import { donationsChapter } from "../../scripts/demo/donations";
import "../../tasks/donations";
import {
  GIFT_A,
  GIFT_B,
  GIFT_C,
  PRICE,
  QUANTITY,
  REASON,
  TARGET,
  acceptedOffer,
  deliverFor,
  escrowFixture,
  fundedNeedFixture,
  give,
  openNeed,
  openNeedFixture,
  pastDeadline,
} from "./donationFixture";

const ether = ethers.parseEther;

describe("Donations: whole flows, tracing and the pool recommendation", () => {
  describe("flows", () => {
    it("funded by three donors, fulfilled by two suppliers, nothing left to refund", async () => {
      const f = await loadFixture(fundedNeedFixture);
      const first = await acceptedOffer(f, f.needId, f.maker, 600n, PRICE);
      const second = await acceptedOffer(f, f.needId, f.distributor, 400n, PRICE);
      const a = await deliverFor(f, first, 600n);
      const b = await deliverFor(f, second, 400n, f.distributor);
      await (await f.escrow.release(first, a.shipment)).wait();
      await (await f.escrow.release(second, b.shipment)).wait();
      await expect(f.escrow.connect(f.maker).collectEarnings(first)).to.changeEtherBalance(f.maker, 600n * PRICE);
      await expect(f.escrow.connect(f.distributor).collectEarnings(second)).to.changeEtherBalance(
        f.distributor,
        400n * PRICE,
      );
      await pastDeadline(f.escrow, f.needId);
      for (const donor of [f.donorA, f.donorB, f.donorC]) {
        await expect(f.escrow.connect(donor).refund(f.needId))
          .to.emit(f.escrow, "Refunded")
          .withArgs(f.needId, donor.address, 0n, true);
      }
      expect(await f.escrow.owed(ETH)).to.equal(0n);
      expect(await ethers.provider.getBalance(f.escrowAddress)).to.equal(0n);

      const trace = await traceGift(f.escrow, f.ledger, f.donorB.address);
      expect(trace).to.have.length(1);
      expect(trace[0].given).to.equal(GIFT_B);
      expect(trace[0].releases.map((r) => [r.offerId, r.supplierOrgId, r.batchId, r.quantityReceived])).to.deep.equal([
        [first, f.makerOrgId, f.maskId, 600n],
        [second, f.distributorOrgId, f.maskId, 400n],
      ]);
      expect(trace[0].spent).to.equal(GIFT_B);
      expect(trace[0].releases[0].fromDonor).to.equal((600n * PRICE * GIFT_B) / TARGET);
    });

    it("redirected: a cancelled need's donors move their money to another need that is then fulfilled", async () => {
      const f = await loadFixture(fundedNeedFixture);
      const other = await openNeed(f, { quantity: 500n, deadline: BigInt(await time.latest()) + 60n * DAY });
      await (await f.escrow.connect(f.hospital).cancelNeed(f.needId, REASON)).wait();
      await (await f.escrow.connect(f.donorA).redirect(f.needId, other)).wait();
      await (await f.escrow.connect(f.donorC).redirect(f.needId, other)).wait();
      expect(await f.escrow.lacks(other)).to.equal(0n);
      await (await f.escrow.connect(f.donorB).refund(f.needId)).wait();
      const offerId = await acceptedOffer(f, other, f.maker, 500n, PRICE);
      const { shipment } = await deliverFor(f, offerId, 500n);
      await (await f.escrow.release(offerId, shipment)).wait();
      const trace = await traceGift(f.escrow, f.ledger, f.donorA.address);
      expect(trace.map((g) => [g.needId, g.given, g.redirected, g.spent])).to.deep.equal([
        [f.needId, GIFT_A, GIFT_A, 0n],
        [other, GIFT_A, 0n, (500n * PRICE * GIFT_A) / (GIFT_A + GIFT_C)],
      ]);
      expect(await f.escrow.needStatus(f.needId)).to.equal(NeedStatus.Cancelled);
    });

    it("pooled: gifts to the pool allocated to the two most urgent needs, the rest going back to the donors", async () => {
      const f = await loadFixture(openNeedFixture);
      const routine = await openNeed(f, { urgency: 1 });
      const deadline = BigInt(await time.latest()) + 40n * DAY;
      await (await f.escrow.connect(f.governor).openPool(ETH, deadline)).wait();
      await (await f.escrow.connect(f.donorA).donateToPool(1n, ether("1.5"), { value: ether("1.5") })).wait();
      await (await f.escrow.connect(f.donorB).donateToPool(1n, ether("0.9"), { value: ether("0.9") })).wait();
      await give(f.escrow, f.donorC, f.needId, ether("0.2"));
      const { allocations } = recommendAllocation(ether("2.4"), [
        { needId: f.needId, urgency: 5, deadline: 0n, lacks: await f.escrow.lacks(f.needId) },
        { needId: routine, urgency: 1, deadline: 0n, lacks: await f.escrow.lacks(routine) },
      ]);
      for (const a of allocations) await (await f.escrow.connect(f.governor).allocate(1n, a.needId, a.amount)).wait();
      expect(allocations).to.deep.equal([
        { needId: f.needId, amount: ether("0.8") },
        { needId: routine, amount: ether("1") },
      ]);
      await time.increaseTo(deadline + 1n);
      await expect(f.escrow.connect(f.donorA).refundFromPool(1n)).to.changeEtherBalance(f.donorA, ether("0.375"));
      await (await f.escrow.returnPoolShare(f.needId, 1n)).wait();
      await (await f.escrow.returnPoolShare(routine, 1n)).wait();
      await expect(f.escrow.connect(f.donorA).refundFromPool(1n)).to.changeEtherBalance(f.donorA, ether("1.125"));
      await expect(f.escrow.connect(f.donorB).refundFromPool(1n)).to.changeEtherBalance(f.donorB, ether("0.9"));
    });
  });

  describe("demo chapter", () => {
    it("tells the rural clinic's story to the end", async () => {
      const f = await loadFixture(escrowFixture);
      const lines: string[] = [];
      const needId = await donationsChapter({
        contracts: { registry: f.registry, ledger: f.ledger, escrow: f.escrow },
        signers: {
          clinic: f.hospital,
          regulator: f.regulatorA,
          donors: [f.donorA, f.donorB, f.donorC],
          maker: f.maker,
          distributor: f.distributor,
        },
        batchId: f.maskId,
        carrierOrgId: f.carrierOrgId,
        say: (text) => lines.push(text),
      });
      expect(await f.escrow.needStatus(needId)).to.equal(NeedStatus.Closed);
      expect((await f.escrow.need(needId)).openDonors).to.equal(0n);
      expect(await f.escrow.owed(ETH)).to.equal(0n);
      expect(lines.join("\n")).to.contain("no receipt, no money");
      expect(lines.join("\n")).to.contain("Donor 2 asks where its money went");
    });
  });

  describe("refs", () => {
    it("names offers, pledges and needs the way the escrow does", async () => {
      const f = await loadFixture(fundedNeedFixture);
      expect(await f.escrow.refOf(3n)).to.equal(offerRef(f.escrowAddress, 3n));
      const coder = ethers.AbiCoder.defaultAbiCoder();
      expect(needRef(f.escrowAddress, 1n)).to.equal(
        ethers.keccak256(coder.encode(["address", "string", "uint256"], [f.escrowAddress, "need", 1n])),
      );
      expect(GIFT_A + GIFT_B + GIFT_C).to.equal(TARGET);
      expect(QUANTITY).to.equal(1_000n);
    });
  });

  describe("recommendAllocation", () => {
    const needs = [
      { needId: 1n, urgency: 3, deadline: 100n, lacks: 50n },
      { needId: 2n, urgency: 5, deadline: 300n, lacks: 40n },
      { needId: 3n, urgency: 5, deadline: 200n, lacks: 30n },
      { needId: 4n, urgency: 5, deadline: 200n, lacks: 0n },
      { needId: 5n, urgency: 1, deadline: 50n, lacks: 90n },
    ];

    it("serves the highest urgency first, then the earliest deadline, never more than a need lacks", () => {
      expect(recommendAllocation(100n, needs)).to.deep.equal({
        allocations: [
          { needId: 3n, amount: 30n },
          { needId: 2n, amount: 40n },
          { needId: 1n, amount: 30n },
        ],
        left: 0n,
      });
    });

    it("leaves what no need lacks in the pool, and refuses a negative pool", () => {
      expect(recommendAllocation(1_000n, needs).left).to.equal(1_000n - 210n);
      expect(recommendAllocation(0n, needs).allocations).to.deep.equal([]);
      expect(() => recommendAllocation(-1n, needs)).to.throw("negative");
    });
  });

  describe("pool:recommend", () => {
    async function taskFixture() {
      const f = await openNeedFixture();
      const later = await openNeed(f, { urgency: 2, quantity: 300n });
      const deadline = BigInt(await time.latest()) + 40n * DAY;
      await (await f.escrow.connect(f.governor).openPool(ETH, deadline)).wait();
      await (await f.escrow.connect(f.donorA).donateToPool(1n, ether("1.1"), { value: ether("1.1") })).wait();
      return { ...f, later };
    }

    it("prints the recommendation for a pool round as JSON", async () => {
      const f = await loadFixture(taskFixture);
      const out = JSON.parse(await printed("pool:recommend", { pool: "1", escrow: f.escrowAddress, json: true }));
      expect(out.available).to.equal(ether("1.1").toString());
      expect(out.allocations.map((a: { need: string; allocate: string }) => [a.need, a.allocate])).to.deep.equal([
        ["1", TARGET.toString()],
        [f.later.toString(), ether("0.1").toString()],
      ]);
      expect(out.left).to.equal("0");
    });

    it("prints sentences and a table for an amount, and says when nothing is needed", async () => {
      const f = await loadFixture(taskFixture);
      const text = await printed("pool:recommend", { amount: "5", escrow: f.escrowAddress, json: false });
      expect(text).to.contain("Of 5 wei available, allocate to 1 need(s), most urgent first:");
      expect(text).to.contain("Left in the pool afterwards: 0 wei.");
      const none = await printed("pool:recommend", {
        amount: "5",
        asset: await f.token.getAddress(),
        escrow: f.escrowAddress,
        json: false,
      });
      expect(none).to.contain("Nothing to recommend");
    });

    it("finds the escrow through the registry's directory, and refuses both or neither of --pool and --amount", async () => {
      const f = await loadFixture(taskFixture);
      const out = JSON.parse(
        await printed("pool:recommend", { amount: "1", registry: await f.registry.getAddress(), json: true }),
      );
      expect(out.allocations).to.have.length(1);
      await expect(printed("pool:recommend", { escrow: f.escrowAddress, json: true })).to.be.rejectedWith(
        "exactly one of --pool and --amount",
      );
    });
  });
});
