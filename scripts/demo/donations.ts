/**
 * Demo chapter: donations. A rural clinic posts an urgent need for masks; a regulator verifies it; three donors fund
 * it (the last gift is more than the need lacks, and the rest is credited back); two suppliers offer, the clinic
 * accepts both, ships arrive and the money is released only on the clinic's receipt; after the deadline the donors
 * share what the suppliers' lower prices saved; one donor traces where each unit of its money went.
 */
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { AllianceRegistry, BatchLedger, DonationEscrow } from "../../typechain-types";
import { documentHash } from "../lib/alliance";
import { DAY } from "../lib/formation";
import { ship } from "../lib/trace";
import { ETH, needRequest, offerRef, traceGift } from "../lib/donations";

export interface DonationsChapter {
  contracts: {
    registry: AllianceRegistry;
    ledger: BatchLedger;
    /** Deployed on the registry and the ledger (scripts/lib/donations.ts `deployEscrow`). */
    escrow: DonationEscrow;
  };
  signers: {
    /** The admin of the rural clinic (Active as HOSPITAL, with a registered site). */
    clinic: HardhatEthersSigner;
    /** A regulator, who verifies the need. */
    regulator: HardhatEthersSigner;
    /** Three donors (any accounts with ETH). */
    donors: [HardhatEthersSigner, HardhatEthersSigner, HardhatEthersSigner];
    /** The mask maker (Active as MANUFACTURER), holding at least 3,000 masks of `batchId`. */
    maker: HardhatEthersSigner;
    /** A distributor (Active as DISTRIBUTOR, with a registered site); the maker first sends it 1,000 masks. */
    distributor: HardhatEthersSigner;
  };
  /** A Released mask batch of the maker, expiring at least a year from now. */
  batchId: string;
  /** The carrier's organisation (Active as LOGISTICS). */
  carrierOrgId: bigint;
  /** Organisation names for the story (the registry keeps names in events only). */
  names?: ReadonlyMap<bigint, string>;
  say: (text: string) => void;
}

const PRICE = ethers.parseEther("0.0005"); // the clinic's maximum per mask

/** ETH as people read it (0.35 ETH). */
function eth(wei: bigint): string {
  return `${ethers.formatEther(wei)} ETH`;
}

/** Runs the chapter; returns the need's id. */
export async function donationsChapter({
  contracts,
  signers,
  batchId,
  carrierOrgId,
  names,
  say,
}: DonationsChapter): Promise<bigint> {
  const { registry, ledger, escrow } = contracts;
  const { clinic, regulator, donors, maker, distributor } = signers;
  const name = (orgId: bigint) => names?.get(orgId) ?? `organisation #${orgId}`;
  const escrowAddress = await escrow.getAddress();
  const [clinicOrgId] = await registry.membershipOf(clinic.address);
  const [makerOrgId] = await registry.membershipOf(maker.address);
  const [distributorOrgId] = await registry.membershipOf(distributor.address);
  const { gtin } = await ledger.batch(batchId);

  // The distributor's stock, bought from the maker earlier.
  const stock = await ship(ledger, maker, { batchId, toOrgId: distributorOrgId, quantity: 1_000n, carrierOrgId });
  await (await ledger.connect(distributor).receiveShipment(stock.shipment, 1_000n, true)).wait();

  const deadline = BigInt(await time.latest()) + 14n * DAY;
  const request = needRequest({
    gtin,
    quantity: 2_000n,
    urgency: 5,
    deadline,
    maxUnitPrice: PRICE,
    minShelfLife: 180n * DAY,
    detailsHash: documentHash("2,000 surgical masks for the outpatient ward: stock runs out in nine days"),
  });
  const needId = await escrow.connect(clinic).postNeed.staticCall(request);
  await (await escrow.connect(clinic).postNeed(request)).wait();
  say(
    `${name(clinicOrgId)} posts need #${needId}: 2,000 surgical masks, urgency 5 of 5, within 14 days, ` +
      `at most ${eth(PRICE)} a mask, with at least 180 days of shelf life left on arrival.`,
  );
  await (await escrow.connect(regulator).verifyNeed(needId)).wait();
  say(
    `A regulator verifies it within the three-day window: the need is open and lacks ${eth(await escrow.lacks(needId))}.`,
  );

  const gifts = [ethers.parseEther("0.4"), ethers.parseEther("0.35"), ethers.parseEther("0.3")];
  for (const [i, gift] of gifts.entries()) {
    const tx = await escrow.connect(donors[i]).donate(needId, gift, { value: gift });
    const receipt = await tx.wait();
    const donated = receipt!.logs
      .map((log) => escrow.interface.parseLog(log))
      .find((parsed) => parsed?.name === "Donated")!;
    const excess = donated.args.excess as bigint;
    say(
      `Donor ${i + 1} gives ${eth(gift)}` +
        (excess > 0n
          ? `; the need lacked only ${eth(donated.args.accepted)}, so ${eth(excess)} is credited back.`
          : "."),
    );
  }
  const credit = await escrow.creditOf(ETH, donors[2].address);
  await (await escrow.connect(donors[2]).withdraw(ETH)).wait();
  say(
    `Donor 3 withdraws the ${eth(credit)} credit; the need is fully funded: ${eth((await escrow.need(needId)).raised)}.`,
  );

  const offers: [HardhatEthersSigner, bigint, bigint, bigint][] = [
    [maker, makerOrgId, 1_200n, ethers.parseEther("0.00045")],
    [distributor, distributorOrgId, 800n, PRICE],
  ];
  const offerIds: bigint[] = [];
  for (const [supplier, orgId, quantity, price] of offers) {
    const offerId = await escrow.connect(supplier).makeOffer.staticCall(needId, quantity, price, deadline);
    await (await escrow.connect(supplier).makeOffer(needId, quantity, price, deadline)).wait();
    await (await escrow.connect(clinic).acceptOffer(offerId)).wait();
    offerIds.push(offerId);
    say(
      `${name(orgId)} offers ${quantity.toLocaleString("en-US")} masks at ${eth(price)}; the clinic accepts, ` +
        `reserving ${eth(quantity * price)}.`,
    );
  }

  for (const [i, [supplier, orgId, quantity]] of offers.entries()) {
    const { shipment } = await ship(ledger, supplier, {
      batchId,
      toOrgId: clinicOrgId,
      quantity,
      carrierOrgId,
      ref: offerRef(escrowAddress, offerIds[i]),
      docHash: documentHash(`delivery note for offer ${offerIds[i]}`),
    });
    try {
      await escrow.release.staticCall(offerIds[i], shipment);
    } catch {
      say(`${name(orgId)} has shipped, but nothing can be released yet: no receipt, no money.`);
    }
    await (await ledger.connect(clinic).receiveShipment(shipment, quantity, true)).wait();
    const amount = await escrow.release.staticCall(offerIds[i], shipment);
    await (await escrow.release(offerIds[i], shipment)).wait();
    await (await escrow.connect(supplier).collectEarnings(offerIds[i])).wait();
    say(
      `The clinic records receipt of ${quantity.toLocaleString("en-US")} masks; ${eth(amount)} is released to ` +
        `${name(orgId)}, which collects it.`,
    );
  }

  await time.increaseTo(deadline + 1n);
  for (const [i, donor] of donors.entries()) {
    const back = await escrow.connect(donor).refund.staticCall(needId);
    await (await escrow.connect(donor).refund(needId)).wait();
    say(`After the deadline donor ${i + 1} takes back its share of what the lower price saved: ${eth(back)}.`);
  }

  say("Donor 2 asks where its money went, from the public logs alone:");
  for (const gift of await traceGift(escrow, ledger, donors[1].address)) {
    for (const r of gift.releases) {
      say(
        `  ${eth(r.fromDonor)} → need #${gift.needId} → offer #${r.offerId} of ${name(r.supplierOrgId)} → ` +
          `shipment ${r.shipmentId.slice(0, 10)}… → batch ${r.batchId.slice(0, 10)}… → ` +
          `${r.quantityReceived.toLocaleString("en-US")} masks received`,
      );
    }
    say(`  and ${eth(gift.refunded)} of its ${eth(gift.given)} came back after the deadline.`);
  }
  return needId;
}
