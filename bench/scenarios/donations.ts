/**
 * Donations: posting a need, a donor's first and later gifts, release on the hospital's receipt, a refund.
 *
 * `donation.donateFirst` is a donor's first gift to a need (a new share record); `donation.donateLater` the same
 * donor giving to it again. Earlier needs and gifts exist, so counters and the escrow's owed total are not first
 * writes; the measured need is not the first either.
 */
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { BusinessRole, documentHash } from "../../scripts/lib/alliance";
import { DAY } from "../../scripts/lib/formation";
import { deployTrace } from "../../scripts/lib/trace";
import { deployEscrow, needRequest, offerRef } from "../../scripts/lib/donations";
import { type BenchProfile, type GasFigures, type Scenario, gasOf } from "../harness";
import { MASK, approveMask, benchAlliance, member, northwindMasks, releasedMaskBatch, shipAndReceive } from "./world";

const PRICE = ethers.parseUnits("0.001", "ether"); // per mask

export const donationsScenario: Scenario = {
  name: "donations",
  async run(profile: BenchProfile): Promise<GasFigures> {
    const [governor, regulator, maker, carrier, hospital, donorA, donorB, donorC] = await ethers.getSigners();
    const alliance = await benchAlliance(governor, regulator);
    await northwindMasks(alliance, maker);
    const carrierOrg = await member(alliance, carrier, "Swift Cold Chain", BusinessRole.Logistics, {
      site: "952000000009",
    });
    const hospitalOrg = await member(alliance, hospital, "Hillside Rural Clinic", BusinessRole.Hospital, {
      site: "952000000001",
    });
    const { catalog, ledger } = await deployTrace(alliance.registry, governor);
    const escrow = await deployEscrow(alliance.registry, ledger, governor);
    await approveMask(catalog, maker, regulator);
    const batchId = await releasedMaskBatch(ledger, maker, "RC-1", { report: "QA" });

    const deadline = BigInt(await time.latest()) + 30n * DAY;
    const request = needRequest({
      gtin: MASK,
      quantity: 10_000n,
      urgency: 5,
      deadline,
      maxUnitPrice: PRICE,
      minShelfLife: 180n * DAY,
      detailsHash: documentHash("urgent: surgical masks for the outpatient ward"),
    });
    // Earlier needs and gifts: the measured ones are not the first the escrow sees.
    const earlier = profile === "full" ? 20 : 2;
    for (let i = 0; i < earlier; i++) {
      await (await escrow.connect(hospital).postNeed(request)).wait();
      const needId = BigInt(i + 1);
      await (await escrow.connect(regulator).verifyNeed(needId)).wait();
      await (await escrow.connect(donorC).donate(needId, PRICE, { value: PRICE })).wait();
    }

    const postNeed = await gasOf(escrow.connect(hospital).postNeed(request));
    const needId = BigInt(earlier + 1);
    await (await escrow.connect(regulator).verifyNeed(needId)).wait();
    await (await escrow.connect(donorC).donate(needId, 2n * PRICE, { value: 2n * PRICE })).wait();
    const gift = 3_000n * PRICE;
    const donateFirst = await gasOf(escrow.connect(donorA).donate(needId, gift, { value: gift }));
    const donateLater = await gasOf(escrow.connect(donorA).donate(needId, gift, { value: gift }));
    await (await escrow.connect(donorB).donate(needId, gift, { value: gift })).wait();

    const offerId = await escrow.connect(maker).makeOffer.staticCall(needId, 5_000n, PRICE, deadline);
    await (await escrow.connect(maker).makeOffer(needId, 5_000n, PRICE, deadline)).wait();
    await (await escrow.connect(hospital).acceptOffer(offerId)).wait();
    const order = {
      batchId,
      toOrgId: hospitalOrg,
      quantity: 5_000n,
      carrierOrgId: carrierOrg,
      ref: offerRef(await escrow.getAddress(), offerId),
      docHash: documentHash("consignment note"),
    };
    const shipment = await shipAndReceive(ledger, maker, hospital, order, { carrier, delivers: true });
    const releaseOnReceipt = await gasOf(escrow.connect(maker).release(offerId, shipment));

    await time.increaseTo(deadline + 1n);
    const refund = await gasOf(escrow.connect(donorA).refund(needId));

    return {
      "donation.postNeed": postNeed,
      "donation.donateFirst": donateFirst,
      "donation.donateLater": donateLater,
      "donation.releaseOnReceipt": releaseOnReceipt,
      "donation.refund": refund,
    };
  },
};
