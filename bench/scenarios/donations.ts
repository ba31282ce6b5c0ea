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
import { DAY, YEAR, admit, deployAlliance } from "../../scripts/lib/formation";
import { companyPrefix, gln, gtin } from "../../scripts/lib/gs1";
import {
  Category,
  RecordKind,
  approveProduct,
  commission,
  deployTrace,
  lot,
  productSpec,
  ship,
} from "../../scripts/lib/trace";
import { deployEscrow, needRequest, offerRef } from "../../scripts/lib/donations";
import { type BenchProfile, type GasFigures, type Scenario, gasOf } from "../harness";

const PRICE = ethers.parseUnits("0.001", "ether"); // per mask

export const donationsScenario: Scenario = {
  name: "donations",
  async run(profile: BenchProfile): Promise<GasFigures> {
    const [governor, regulator, maker, carrier, hospital, donorA, donorB, donorC] = await ethers.getSigners();
    const registry = await deployAlliance({ governor, regulators: [regulator], guardians: [], quorum: 1 });
    const licenceExpiry = BigInt(await time.latest()) + 5n * YEAR;
    const prefix = companyPrefix("6901234");
    const member = async (signer: typeof maker, name: string, role: BusinessRole, site: string) => {
      const companyPrefixes = role === BusinessRole.Manufacturer ? [prefix] : [];
      const { orgId } = await admit(registry, signer, { name, role, companyPrefixes, licenceExpiry }, [regulator]);
      await (await registry.connect(signer).registerSite(gln(site), `${name} site`)).wait();
      return orgId;
    };
    await member(maker, "Northwind Masks", BusinessRole.Manufacturer, "690123400001");
    const carrierOrg = await member(carrier, "Swift Cold Chain", BusinessRole.Logistics, "952000000009");
    const hospitalOrg = await member(hospital, "Hillside Rural Clinic", BusinessRole.Hospital, "952000000001");
    const { catalog, ledger } = await deployTrace(registry, governor);
    const escrow = await deployEscrow(registry, ledger, governor);
    const mask = gtin("0690123400027");
    await approveProduct(catalog, maker, regulator, productSpec(mask, prefix, Category.ProtectiveEquipment), 14n * DAY);
    const now = BigInt(await time.latest());
    const batchId = await commission(ledger, maker, {
      gtin: mask,
      lot: lot("RC-1"),
      quantity: 1_000_000n,
      producedAt: now,
      expiresAt: now + 3n * YEAR,
      site: 0,
      docHash: documentHash("batch RC-1"),
      docURI: "ipfs://batch/RC-1",
      inputs: [],
    });
    await (
      await ledger.connect(maker).record({ batchId, kind: RecordKind.InspectionPassed, dataHash: documentHash("QA") })
    ).wait();
    await time.increase(14n * DAY);

    const deadline = BigInt(await time.latest()) + 30n * DAY;
    const request = needRequest({
      gtin: mask,
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
    const { shipment } = await ship(ledger, maker, {
      batchId,
      toOrgId: hospitalOrg,
      quantity: 5_000n,
      carrierOrgId: carrierOrg,
      ref: offerRef(await escrow.getAddress(), offerId),
      docHash: documentHash("consignment note"),
    });
    await (await ledger.connect(carrier).pickUp(shipment)).wait();
    await (await ledger.connect(carrier).deliver(shipment)).wait();
    await (await ledger.connect(hospital).receiveShipment(shipment, 5_000n, true)).wait();
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
