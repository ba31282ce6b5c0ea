import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { BusinessRole, REGULATOR_ROLE, roleMask } from "../../scripts/lib/alliance";
import { DAY } from "../../scripts/lib/formation";
import { Category } from "../../scripts/lib/trace";
import { DEFAULT_VERIFICATION_WINDOW, MAX_NEED_DURATION, NeedStatus } from "../../scripts/lib/donations";
import {
  type GateContext,
  type PauseContext,
  expectMissingRole,
  shouldBehaveLikeAllianceGated,
  shouldRespectAlliancePause,
} from "../helpers/behaviours";
import { suspend } from "../helpers/registry";
import { MASK } from "../helpers/traceFixture";
import {
  DETAILS,
  ETH,
  PRICE,
  QUANTITY,
  REASON,
  SHELF_LIFE,
  type EscrowFixture,
  escrowFixture,
  maskNeed,
  openNeed,
  openNeedFixture,
  postNeed,
} from "./donationFixture";

const POSTERS = roleMask(BusinessRole.Hospital, BusinessRole.Agency);

const load = () => loadFixture(escrowFixture);

/** An open need (1) and a need awaiting verification (2). */
async function postedAndOpenFixture() {
  const f = await openNeedFixture();
  return { ...f, posted: await postNeed(f) };
}

function posterGate(f: EscrowFixture): GateContext {
  return {
    registry: f.registry,
    regulators: f.regulators,
    member: f.hospital,
    outsider: f.maker,
    applicant: f.applicant,
    freeAccounts: [f.donorA, f.donorB, f.donorC, f.stranger],
  };
}

describe("DonationEscrow: needs", () => {
  describe("deployment", () => {
    it("wires the registry, the ledger and the verification window, and reports its version", async () => {
      const f = await load();
      expect(await f.escrow.alliance()).to.equal(await f.registry.getAddress());
      expect(await f.escrow.ledger()).to.equal(await f.ledger.getAddress());
      expect(await f.escrow.verificationWindow()).to.equal(DEFAULT_VERIFICATION_WINDOW);
      expect(await f.escrow.version()).to.equal("1.0.0");
      expect(await f.escrow.counts()).to.deep.equal([0n, 0n, 0n]);
      expect(await f.escrow.MAX_NEED_DURATION()).to.equal(MAX_NEED_DURATION);
    });

    it("refuses a zero ledger, a zero verification window and one longer than 90 days", async () => {
      const f = await load();
      const factory = await ethers.getContractFactory("DonationEscrow");
      const registry = await f.registry.getAddress();
      const ledger = await f.ledger.getAddress();
      for (const [l, w] of [
        [ethers.ZeroAddress, 3n * DAY],
        [ledger, 0n],
        [ledger, 90n * DAY + 1n],
      ] as const) {
        await expect(factory.deploy(registry, l, w, { gasLimit: 8_000_000 })).to.be.revertedWithCustomError(
          f.escrow,
          "EscrowInvalidConfiguration",
        );
      }
      await expect(
        factory.deploy(ethers.ZeroAddress, ledger, 3n * DAY, { gasLimit: 8_000_000 }),
      ).to.be.revertedWithCustomError(f.escrow, "AllianceRegistryMissing");
      await expect(factory.deploy(registry, ledger, 90n * DAY)).not.to.be.reverted;
    });
  });

  describe("postNeed", () => {
    it("posts a hospital's need for itself, awaiting verification", async () => {
      const f = await load();
      const request = await maskNeed();
      expect(await f.escrow.connect(f.hospital).postNeed.staticCall(request)).to.equal(1n);
      const tx = await f.escrow.connect(f.hospital).postNeed(request);
      await expect(tx)
        .to.emit(f.escrow, "NeedPosted")
        .withArgs(1n, f.hospitalOrgId, f.hospitalOrgId, [
          0n,
          MASK,
          Category.None,
          QUANTITY,
          5,
          request.deadline,
          PRICE,
          SHELF_LIFE,
          ETH,
          DETAILS,
        ]);
      const postedAt = BigInt(await time.latest());
      const n = await f.escrow.need(1n);
      expect(n.status).to.equal(NeedStatus.Posted);
      expect(n.posterOrgId).to.equal(f.hospitalOrgId);
      expect(n.beneficiaryOrgId).to.equal(f.hospitalOrgId);
      expect(n.gtin).to.equal(MASK);
      expect(n.urgency).to.equal(5);
      expect(n.postedAt).to.equal(postedAt);
      expect(n.deadline).to.equal(request.deadline);
      expect(n.minShelfLife).to.equal(SHELF_LIFE);
      expect(n.asset).to.equal(ETH);
      expect(n.maxUnitPrice).to.equal(PRICE);
      expect(n.quantity).to.equal(QUANTITY);
      expect(n.target).to.equal(QUANTITY * PRICE);
      expect(n.raised).to.equal(0n);
      expect(await f.escrow.lacks(1n)).to.equal(QUANTITY * PRICE);
      expect(await f.escrow.counts()).to.deep.equal([1n, 0n, 0n]);
    });

    it("accepts the hospital naming itself as beneficiary", async () => {
      const f = await load();
      const needId = await postNeed(f, { beneficiaryOrgId: f.hospitalOrgId });
      expect((await f.escrow.need(needId)).beneficiaryOrgId).to.equal(f.hospitalOrgId);
    });

    it("lets the agency post on behalf of an Active hospital", async () => {
      const f = await load();
      const request = await maskNeed({ beneficiaryOrgId: f.hospital2OrgId });
      await expect(f.escrow.connect(f.agency).postNeed(request))
        .to.emit(f.escrow, "NeedPosted")
        .withArgs(1n, f.agencyOrgId, f.hospital2OrgId, (r: unknown[]) => r[0] === f.hospital2OrgId);
      const n = await f.escrow.need(1n);
      expect([n.posterOrgId, n.beneficiaryOrgId]).to.deep.equal([f.agencyOrgId, f.hospital2OrgId]);
    });

    it("posts a category need (any protective equipment)", async () => {
      const f = await load();
      const needId = await postNeed(f, { gtin: 0n, category: Category.ProtectiveEquipment });
      const n = await f.escrow.need(needId);
      expect([n.gtin, n.category]).to.deep.equal([0n, BigInt(Category.ProtectiveEquipment)]);
    });

    it("refuses a hospital naming another organisation, and the agency naming none, a non-hospital or a suspended hospital", async () => {
      const f = await load();
      const refuse = async (poster: typeof f.hospital, beneficiaryOrgId: bigint) =>
        expect(f.escrow.connect(poster).postNeed(await maskNeed({ beneficiaryOrgId })))
          .to.be.revertedWithCustomError(f.escrow, "EscrowInvalidBeneficiary")
          .withArgs(beneficiaryOrgId);
      await refuse(f.hospital, f.hospital2OrgId);
      await refuse(f.agency, 0n);
      await refuse(f.agency, f.distributorOrgId);
      await suspend(f.registry, f.regulatorA, f.hospital2OrgId);
      await refuse(f.agency, f.hospital2OrgId);
    });

    it("refuses a product that is both or neither a GTIN and a category, or a GTIN beyond 48 bits", async () => {
      const f = await load();
      for (const [gtin, category] of [
        [MASK, Category.Drug],
        [0n, Category.None],
        [1n << 48n, Category.None],
      ] as const) {
        await expect(f.escrow.connect(f.hospital).postNeed(await maskNeed({ gtin, category })))
          .to.be.revertedWithCustomError(f.escrow, "EscrowInvalidProduct")
          .withArgs(gtin, category);
      }
    });

    it("refuses zero quantity, urgency outside 1 to 5, a zero price and a target beyond 96 bits", async () => {
      const f = await load();
      const big = (1n << 96n) / QUANTITY + 1n;
      for (const [quantity, urgency, maxUnitPrice] of [
        [0n, 5, PRICE],
        [QUANTITY, 0, PRICE],
        [QUANTITY, 6, PRICE],
        [QUANTITY, 5, 0n],
        [QUANTITY, 5, big],
      ] as const) {
        await expect(f.escrow.connect(f.hospital).postNeed(await maskNeed({ quantity, urgency, maxUnitPrice })))
          .to.be.revertedWithCustomError(f.escrow, "EscrowInvalidTerms")
          .withArgs(quantity, urgency, maxUnitPrice);
      }
      await expect(f.escrow.connect(f.hospital).postNeed(await maskNeed({ maxUnitPrice: big - 1n }))).not.to.be
        .reverted;
    });

    it("refuses a deadline not in the future or beyond a year", async () => {
      const f = await load();
      const post = async (at: bigint, deadline: bigint) => {
        await time.setNextBlockTimestamp(at);
        return f.escrow.connect(f.hospital).postNeed(await maskNeed({ deadline }), { gasLimit: 1_000_000 });
      };
      let at = BigInt(await time.latest()) + 100n;
      await expect(post(at, at))
        .to.be.revertedWithCustomError(f.escrow, "EscrowInvalidDeadline")
        .withArgs(at, at + MAX_NEED_DURATION);
      at = BigInt(await time.latest()) + 100n;
      await expect(post(at, at + MAX_NEED_DURATION + 1n))
        .to.be.revertedWithCustomError(f.escrow, "EscrowInvalidDeadline")
        .withArgs(at + MAX_NEED_DURATION + 1n, at + MAX_NEED_DURATION);
      at = BigInt(await time.latest()) + 100n;
      await expect(post(at, at + MAX_NEED_DURATION)).to.emit(f.escrow, "NeedPosted");
      at = BigInt(await time.latest()) + 100n;
      await expect(post(at, at + 1n)).to.emit(f.escrow, "NeedPosted");
    });

    it("refuses a token the governor has not approved", async () => {
      const f = await load();
      await (await f.escrow.connect(f.governor).setAssetApproved(f.token, false)).wait();
      const asset = await f.token.getAddress();
      await expect(f.escrow.connect(f.hospital).postNeed(await maskNeed({ asset })))
        .to.be.revertedWithCustomError(f.escrow, "VaultAssetNotApproved")
        .withArgs(asset);
    });

    shouldBehaveLikeAllianceGated({
      load,
      context: posterGate,
      gate: (f) => f.escrow,
      roleMask: POSTERS,
      // A deadline that stays valid when the suite pins the call to the last second of the licence.
      send: async (f, signer) => {
        const latest = BigInt(await time.latest()) + 30n * DAY;
        const deadline = latest > f.licenceExpiry ? latest : f.licenceExpiry;
        return f.escrow.connect(signer).postNeed(await maskNeed({ deadline }));
      },
      whenAccepted: async (f, _signer, tx) => {
        await expect(tx).to.emit(f.escrow, "NeedPosted");
      },
    });

    shouldRespectAlliancePause({
      load: () => loadFixture(postedAndOpenFixture),
      context: (f): PauseContext => f,
      gate: (f) => f.escrow,
      actor: (f) => f.hospital,
      commit: async (f, signer) => f.escrow.connect(signer).postNeed(await maskNeed()),
      goesOn: [
        {
          title: "lets a regulator verify a posted need",
          send: (f) => f.escrow.connect(f.regulatorA).verifyNeed(f.posted),
        },
        {
          title: "lets a regulator reject a posted need",
          send: (f) => f.escrow.connect(f.regulatorA).rejectNeed(f.posted, REASON),
        },
        {
          title: "lets the poster cancel a need",
          send: (f) => f.escrow.connect(f.hospital).cancelNeed(f.needId, REASON),
        },
      ],
    });
  });

  describe("verifyNeed", () => {
    it("lets a regulator verify a posted need, which opens it", async () => {
      const f = await load();
      const needId = await postNeed(f);
      await expect(f.escrow.connect(f.regulatorA).verifyNeed(needId))
        .to.emit(f.escrow, "NeedVerified")
        .withArgs(needId, f.regulatorA.address);
      expect(await f.escrow.needStatus(needId)).to.equal(NeedStatus.Open);
    });

    it("verifies at the last second of the window and refuses one second later (the need has lapsed)", async () => {
      const f = await load();
      const first = await postNeed(f);
      const postedAt = BigInt(await time.latest());
      const second = await postNeed(f);
      const secondAt = BigInt(await time.latest());
      await time.setNextBlockTimestamp(postedAt + DEFAULT_VERIFICATION_WINDOW);
      await expect(f.escrow.connect(f.regulatorA).verifyNeed(first)).to.emit(f.escrow, "NeedVerified");
      await time.setNextBlockTimestamp(secondAt + DEFAULT_VERIFICATION_WINDOW + 1n);
      await expect(f.escrow.connect(f.regulatorA).verifyNeed(second))
        .to.be.revertedWithCustomError(f.escrow, "EscrowNeedNotOpen")
        .withArgs(second, NeedStatus.Lapsed);
      expect(await f.escrow.needStatus(second)).to.equal(NeedStatus.Lapsed);
    });

    it("refuses a need that is not awaiting verification, an unknown need and a non-regulator", async () => {
      const f = await loadFixture(openNeedFixture);
      await expect(f.escrow.connect(f.regulatorA).verifyNeed(f.needId))
        .to.be.revertedWithCustomError(f.escrow, "EscrowNeedNotOpen")
        .withArgs(f.needId, NeedStatus.Open);
      await expect(f.escrow.connect(f.regulatorA).verifyNeed(9n))
        .to.be.revertedWithCustomError(f.escrow, "EscrowUnknownNeed")
        .withArgs(9n);
      const needId = await postNeed(f);
      for (const account of [f.hospital, f.governor, f.stranger]) {
        await expectMissingRole(
          f.escrow.connect(account).verifyNeed(needId),
          f.escrow,
          account.address,
          REGULATOR_ROLE,
        );
      }
    });
  });

  describe("rejectNeed", () => {
    it("lets a regulator reject a posted or lapsed need with reasons", async () => {
      const f = await load();
      const posted = await postNeed(f);
      const lapsed = await postNeed(f);
      await expect(f.escrow.connect(f.regulatorB).rejectNeed(posted, REASON))
        .to.emit(f.escrow, "NeedRejected")
        .withArgs(posted, f.regulatorB.address, REASON);
      expect(await f.escrow.needStatus(posted)).to.equal(NeedStatus.Rejected);
      await time.increase(DEFAULT_VERIFICATION_WINDOW + 1n);
      await expect(f.escrow.connect(f.regulatorB).rejectNeed(lapsed, REASON)).to.emit(f.escrow, "NeedRejected");
    });

    it("refuses missing reasons, an open need, an unknown need and a non-regulator", async () => {
      const f = await loadFixture(openNeedFixture);
      const posted = await postNeed(f);
      await expect(f.escrow.connect(f.regulatorB).rejectNeed(posted, ethers.ZeroHash)).to.be.revertedWithCustomError(
        f.escrow,
        "EscrowMissingReason",
      );
      await expect(f.escrow.connect(f.regulatorB).rejectNeed(f.needId, REASON))
        .to.be.revertedWithCustomError(f.escrow, "EscrowNeedNotOpen")
        .withArgs(f.needId, NeedStatus.Open);
      await expect(f.escrow.connect(f.regulatorB).rejectNeed(7n, REASON))
        .to.be.revertedWithCustomError(f.escrow, "EscrowUnknownNeed")
        .withArgs(7n);
      await expectMissingRole(
        f.escrow.connect(f.hospital).rejectNeed(posted, REASON),
        f.escrow,
        f.hospital.address,
        REGULATOR_ROLE,
      );
    });
  });

  describe("cancelNeed", () => {
    it("lets the poster cancel a posted, a lapsed and an open need", async () => {
      const f = await loadFixture(openNeedFixture);
      const posted = await postNeed(f);
      await expect(f.escrow.connect(f.hospital).cancelNeed(posted, REASON))
        .to.emit(f.escrow, "NeedCancelled")
        .withArgs(posted, f.hospital.address, REASON);
      const lapsed = await postNeed(f);
      await time.increase(DEFAULT_VERIFICATION_WINDOW + 1n);
      await expect(f.escrow.connect(f.hospital).cancelNeed(lapsed, ethers.ZeroHash)).to.emit(f.escrow, "NeedCancelled");
      await expect(f.escrow.connect(f.hospital).cancelNeed(f.needId, REASON)).to.emit(f.escrow, "NeedCancelled");
      for (const needId of [posted, lapsed, f.needId]) {
        expect(await f.escrow.needStatus(needId)).to.equal(NeedStatus.Cancelled);
      }
    });

    it("lets the agency cancel the need it posted for a hospital, but not that hospital", async () => {
      const f = await load();
      const needId = await postNeed(f, { beneficiaryOrgId: f.hospital2OrgId }, f.agency);
      await expect(f.escrow.connect(f.hospital2).cancelNeed(needId, REASON))
        .to.be.revertedWithCustomError(f.escrow, "EscrowNotPoster")
        .withArgs(needId, f.hospital2.address);
      await expect(f.escrow.connect(f.agency).cancelNeed(needId, REASON)).to.emit(f.escrow, "NeedCancelled");
    });

    it("refuses anyone not acting for the poster, a closed, rejected or cancelled need, and an unknown need", async () => {
      const f = await loadFixture(openNeedFixture);
      for (const account of [f.stranger, f.hospital2, f.maker, f.regulatorA]) {
        await expect(f.escrow.connect(account).cancelNeed(f.needId, REASON))
          .to.be.revertedWithCustomError(f.escrow, "EscrowNotPoster")
          .withArgs(f.needId, account.address);
      }
      const rejected = await postNeed(f);
      await (await f.escrow.connect(f.regulatorA).rejectNeed(rejected, REASON)).wait();
      await expect(f.escrow.connect(f.hospital).cancelNeed(rejected, REASON))
        .to.be.revertedWithCustomError(f.escrow, "EscrowNeedNotOpen")
        .withArgs(rejected, NeedStatus.Rejected);
      const cancelled = await openNeed(f);
      await (await f.escrow.connect(f.hospital).cancelNeed(cancelled, REASON)).wait();
      await expect(f.escrow.connect(f.hospital).cancelNeed(cancelled, REASON))
        .to.be.revertedWithCustomError(f.escrow, "EscrowNeedNotOpen")
        .withArgs(cancelled, NeedStatus.Cancelled);
      await time.increaseTo((await f.escrow.need(f.needId)).deadline + 1n);
      await expect(f.escrow.connect(f.hospital).cancelNeed(f.needId, REASON))
        .to.be.revertedWithCustomError(f.escrow, "EscrowNeedNotOpen")
        .withArgs(f.needId, NeedStatus.Closed);
      await expect(f.escrow.connect(f.hospital).cancelNeed(99n, REASON))
        .to.be.revertedWithCustomError(f.escrow, "EscrowUnknownNeed")
        .withArgs(99n);
    });
  });

  describe("status and views", () => {
    it("is Open up to and including its deadline and Closed one second after", async () => {
      const f = await loadFixture(openNeedFixture);
      const { deadline } = await f.escrow.need(f.needId);
      await time.increaseTo(deadline);
      expect(await f.escrow.needStatus(f.needId)).to.equal(NeedStatus.Open);
      await time.increaseTo(deadline + 1n);
      expect(await f.escrow.needStatus(f.needId)).to.equal(NeedStatus.Closed);
      expect((await f.escrow.need(f.needId)).status).to.equal(NeedStatus.Closed);
    });

    it("reports None for an unknown need and refuses its views", async () => {
      const f = await load();
      expect(await f.escrow.needStatus(5n)).to.equal(NeedStatus.None);
      await expect(f.escrow.need(5n)).to.be.revertedWithCustomError(f.escrow, "EscrowUnknownNeed").withArgs(5n);
      await expect(f.escrow.lacks(5n)).to.be.revertedWithCustomError(f.escrow, "EscrowUnknownNeed").withArgs(5n);
      await expect(f.escrow.offer(5n)).to.be.revertedWithCustomError(f.escrow, "EscrowUnknownOffer").withArgs(5n);
      await expect(f.escrow.pool(5n)).to.be.revertedWithCustomError(f.escrow, "EscrowUnknownPool").withArgs(5n);
      expect(await f.escrow.refundableOf(5n, f.donorA.address)).to.equal(0n);
    });
  });
});
