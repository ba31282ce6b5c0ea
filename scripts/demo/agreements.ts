/**
 * Demo chapter: a supply agreement. The public-health agency buys 30,000 masks from the mask maker, carried by the
 * carrier, on terms all three signed; one delivery arrives on time, one three days late (the carrier pays from its
 * collateral), and part of the last one is rejected by a regulator against the maker. Settlement pays everyone by pull
 * withdrawal.
 */
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { AllianceRegistry, BatchLedger, SupplyAgreements } from "../../typechain-types";
import { documentHash } from "../lib/alliance";
import { DAY } from "../lib/formation";
import { type Shipment, ship } from "../lib/trace";
import {
  Ruling,
  agreementRef,
  buildTerms,
  defectPenalty,
  fundingOf,
  hashTerms,
  latePenalty,
  valueOf,
} from "../lib/agreements";

export interface AgreementsChapter {
  contracts: {
    registry: AllianceRegistry;
    ledger: BatchLedger;
    /** Deployed on the registry and the ledger (scripts/lib/agreements.ts `deployAgreements`). */
    agreements: SupplyAgreements;
  };
  signers: {
    /** The admin of the agency (Active as AGENCY, with a registered site). */
    agency: HardhatEthersSigner;
    /** The mask maker's admin (Active as MANUFACTURER). */
    maker: HardhatEthersSigner;
    /** The carrier's admin (Active as LOGISTICS). */
    carrier: HardhatEthersSigner;
    /** A regulator. */
    regulator: HardhatEthersSigner;
  };
  /** A Released mask batch the maker holds at least 30,000 of, with a year of shelf life left. */
  batchId: string;
  /** Organisation names for the story. */
  names?: ReadonlyMap<bigint, string>;
  say: (text: string) => void;
}

const eth = (wei: bigint) => `${ethers.formatEther(wei)} ETH`;
const n = (q: bigint) => q.toLocaleString("en-US");

/** Runs the chapter; returns the agreement's id. */
export async function agreementsChapter({
  contracts,
  signers,
  batchId,
  names,
  say,
}: AgreementsChapter): Promise<bigint> {
  const { registry, ledger, agreements } = contracts;
  const { agency, maker, carrier, regulator } = signers;
  const name = (orgId: bigint) => names?.get(orgId) ?? `organisation #${orgId}`;
  const [agencyOrg] = await registry.membershipOf(agency.address);
  const [makerOrg] = await registry.membershipOf(maker.address);
  const [carrierOrg] = await registry.membershipOf(carrier.address);
  const batch = await ledger.batch(batchId);
  const start = BigInt(await time.latest());

  const terms = buildTerms(
    {
      buyerOrgId: agencyOrg,
      supplierOrgId: makerOrg,
      carrierOrgId: carrierOrg,
      gtin: batch.gtin,
      handOverDeadline: start + 10n * DAY,
    },
    {
      quantity: 30_000n,
      unitPrice: ethers.parseEther("0.0002"),
      carrierFee: ethers.parseEther("0.5"),
      minShelfLife: 180n * DAY,
    },
  );
  const termsHash = hashTerms(terms);
  say(
    `${name(agencyOrg)} orders ${n(terms.quantity)} surgical masks from ${name(makerOrg)} at ${eth(terms.unitPrice)}`,
  );
  say(
    `each (${eth(valueOf(terms))}), carried by ${name(carrierOrg)} for ${eth(terms.carrierFee)}: hand-over within ten`,
  );
  say("days, two days of transit, 1 % of the late value per started day (capped at 10 %), 10 % on rejected goods,");
  say("seven days to inspect and seven for a regulator to rule. The three parties reviewed the terms off chain and");
  say(`signed their hash ${termsHash.slice(0, 18)}…; on chain, signing is calling sign() with that hash.`);

  const id = await agreements.connect(agency).propose.staticCall(terms);
  await (await agreements.connect(agency).propose(terms)).wait();
  await (await agreements.connect(maker).sign(id, termsHash, terms, { value: terms.supplierCollateral })).wait();
  await (await agreements.connect(carrier).sign(id, termsHash, terms, { value: terms.carrierCollateral })).wait();
  await (await agreements.connect(agency).fund(id, terms, { value: fundingOf(terms) })).wait();
  say(`Agreement #${id}: the maker and the carrier each post ${eth(terms.supplierCollateral)} of collateral (the most`);
  say(`either could be charged), the agency pays in ${eth(fundingOf(terms))}; the agreement is Active.`);

  const ref = agreementRef(await agreements.getAddress(), id);
  const deliverAt = async (shipAt: bigint, transit: bigint, quantity: bigint): Promise<Shipment> => {
    await time.increaseTo(shipAt);
    const { shipment } = await ship(ledger, maker, {
      batchId,
      toOrgId: agencyOrg,
      quantity,
      carrierOrgId: carrierOrg,
      ref,
      docHash: documentHash(`delivery note ${shipAt}`),
    });
    await time.increaseTo(shipAt + 3600n);
    await (await ledger.connect(carrier).pickUp(shipment)).wait();
    await time.increaseTo(shipAt + 3600n + transit);
    await (await ledger.connect(carrier).deliver(shipment)).wait();
    await (await ledger.connect(agency).receiveShipment(shipment, quantity, true)).wait();
    await (await agreements.recordDelivery(id, terms, shipment)).wait();
    return shipment;
  };

  await deliverAt(start + DAY, DAY, 10_000n);
  say("Day 1: the first 10,000 masks are handed over, carried in a day and received: on time, no penalty.");

  await deliverAt(start + 4n * DAY, 5n * DAY, 10_000n);
  const carrierLate = latePenalty(terms, 10_000n, 3n * DAY);
  say("Day 4: the second 10,000 leave on time, but the truck takes five days: three days beyond the allowance.");
  say(
    `Three started days at 1 % of the late value (${eth(valueOf(terms, 10_000n))}) is ${eth(carrierLate)}, charged to`,
  );
  say("the carrier's collateral; the maker, who handed over on time, pays nothing.");

  await deliverAt(start + 9n * DAY + 3n * 3600n, DAY, 10_000n);
  const evidence = documentHash("inspection: ear loops detached on 500 masks of carton 7");
  await (await agreements.connect(agency).fileClaim(id, terms, 500n, evidence)).wait();
  await (
    await agreements
      .connect(regulator)
      .ruleClaim(id, terms, Ruling.SupplierAtFault, documentHash("ruling: ear-loop welds out of spec"))
  ).wait();
  const back = await ship(ledger, agency, {
    batchId,
    toOrgId: makerOrg,
    quantity: 500n,
    carrierOrgId: carrierOrg,
    ref,
    docHash: documentHash("return note, carton 7"),
  });
  await (await ledger.connect(maker).receiveShipment(back.shipment, 500n, true)).wait();
  await (await agreements.recordReturn(id, terms, back.shipment)).wait();
  const defect = defectPenalty(terms, 500n);
  say("Day 10: the last 10,000 arrive on time, but the agency's inspection finds 500 masks with loose ear loops.");
  say("It files a claim with the inspection report's hash; a regulator rules the maker at fault. The agency ships");
  say(`the 500 back; once the maker has received them the agency is refunded ${eth(valueOf(terms, 500n))}, and the`);
  say(`maker's defect penalty is ${eth(defect)}.`);

  const { lastReceiptAt } = await agreements.agreement(id);
  await time.increaseTo(lastReceiptAt + terms.inspectionWindow + 1n);
  await (await agreements.settle(id, terms)).wait();
  const rows = [
    { party: name(agencyOrg), account: agency.address },
    { party: name(makerOrg), account: maker.address },
    { party: name(carrierOrg), account: carrier.address },
  ];
  const table: Record<string, { credit: string }> = {};
  for (const row of rows) {
    table[row.party] = { credit: eth(await agreements.creditOf(ethers.ZeroAddress, row.account)) };
  }
  say("A week after the last receipt, with no claim open, anyone settles. Credits, each withdrawn by its owner:");
  console.table(table);
  for (const row of [agency, maker, carrier]) await (await agreements.connect(row).withdraw(ethers.ZeroAddress)).wait();
  const maker$ = await agreements.reputationOf(makerOrg);
  const carrier$ = await agreements.reputationOf(carrierOrg);
  say(`Everyone withdrew; the contract owes nothing (${eth(await agreements.owed(ethers.ZeroAddress))}). Reputation:`);
  say(`${name(makerOrg)} ${maker$.defective} defective ruling; ${name(carrierOrg)} ${carrier$.late} late agreement,`);
  say(`${eth(await agreements.penaltiesPaid(carrierOrg, ethers.ZeroAddress))} in penalties paid.`);
  return id;
}
