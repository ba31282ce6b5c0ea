import { expect } from "chai";
import hre, { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { MedAllianceClient } from "../../scripts/client/client";
import { documentHash } from "../../scripts/lib/alliance";
import { DAY } from "../../scripts/lib/formation";
import { AgreementStatus, buildTerms, fundingOf, hashTerms, type PlainTerms } from "../../scripts/lib/agreements";
import { commission, lot, ship } from "../../scripts/lib/trace";
import { SupplyAgreements__factory } from "../../typechain-types";
import { MASK_GTIN, MEMBERS, cliFixture, json, useCliDeployments } from "../helpers/cliFixture";
import { printed } from "../helpers/tasks";
import {
  FEE,
  QUANTITY,
  UNIT_PRICE,
  activeFixture,
  claimedFixture,
  deliveredFixture,
  forceMajeureFixture,
  lateShippedFixture,
  proposedFixture,
  ruledFixture,
  signedFixture,
} from "./agreementsFixture";

const HOSPITAL = MEMBERS.hospital.name;
const MAKER = MEMBERS.maker.name;
const CARRIER = MEMBERS.carrier.name;
const ETH = ethers.ZeroAddress;
const eth = ethers.parseEther;
/** An amount of ETH as the JSON documents give it: whole units as a decimal string ("0.015"). */
const whole = (wei: bigint) => ethers.formatUnits(wei, 18);
const ETH_ASSET = { address: ETH, symbol: "ETH", decimals: 18 };
const REGULATOR = "1";

/** Runs a task expecting a refusal whose one line matches `message`. */
async function refused(name: string, args: Record<string, unknown>, message: RegExp): Promise<void> {
  await expect(hre.run(name, args)).to.be.rejectedWith(message);
}

/** A client signing as `signer`, for calls the tasks' pre-checks would stop. */
async function clientAs(signer: Awaited<ReturnType<typeof ethers.getSigner>>): Promise<MedAllianceClient> {
  const client = await MedAllianceClient.connect({ provider: ethers.provider, networkName: "hardhat", signer });
  await client.organisations();
  return client;
}

type Fixture = Awaited<ReturnType<typeof proposedFixture>>;

/** Ships `quantity` masks from the maker to the hospital under the agreement (carried by the carrier). */
async function shipUnder(f: Fixture, quantity: bigint, ref = f.ref) {
  return ship(f.ledger, f.maker, {
    batchId: f.maskBatch,
    toOrgId: f.orgIds.hospital,
    quantity,
    carrierOrgId: f.orgIds.carrier,
    ref,
    docHash: documentHash(`delivery ${quantity}`),
  });
}

/** Ships `quantity` masks back from the hospital to the maker under the agreement (a return). */
async function shipBack(f: Fixture, quantity: bigint) {
  const { maskBatch: batchId, orgIds, ref } = f;
  return ship(f.ledger, f.hospital, { batchId, toOrgId: orgIds.maker, quantity, carrierOrgId: orgIds.carrier, ref });
}

const PROPOSE = {
  from: HOSPITAL,
  supplier: MAKER,
  carrier: "swift",
  gtin: "00614141000029",
  quantity: "1,000",
  unitPrice: "0.0005",
  fee: "0.05",
  deadline: "+14d",
  latePenalty: "1%/day",
  lateCap: "20%",
};

describe("CLI: supply agreements", function () {
  useCliDeployments();

  describe("a whole agreement with a late delivery", () => {
    it("is proposed, signed, funded, delivered late, settled, and `agreement` shows the penalty", async () => {
      const f = await loadFixture(cliFixture);
      const agreements = SupplyAgreements__factory.connect(f.address("SupplyAgreements"), f.governor);
      const proposed = await json<{ agreementId: string; terms: Record<string, string>; reference: string }>(
        "agreements:propose",
        PROPOSE,
      );
      const id = BigInt(proposed.agreementId);
      expect(id).to.equal(1n);
      const signedMaker = await printed("agreements:sign", { id: "1", from: MAKER });
      expect(signedMaker).to.contain(
        `${MAKER} signed agreement 1 as supplier and posted 0.15 ETH of collateral.\nWaiting for ${CARRIER} (carrier) to sign.`,
      );
      const signedCarrier = await printed("agreements:sign", { id: "1", from: CARRIER });
      expect(signedCarrier).to.contain(`Both signed: ${HOSPITAL} funds it with agreements:fund --id 1 (0.55 ETH).`);
      const funded = await printed("agreements:fund", { id: "#1", from: HOSPITAL });
      expect(funded).to.contain(`${HOSPITAL} paid in 0.55 ETH: agreement 1 is Active.`);
      expect(funded).to.contain(`ledger:ship --ref ${proposed.reference}`);

      // Custody on the ledger: handed over two days and an hour late, carried within the allowance, received in full.
      const terms = (await agreements.queryFilter(agreements.filters.AgreementProposed(id)))[0].args.terms;
      await time.increaseTo(terms.handOverDeadline + 2n * DAY + 3600n);
      const { shipmentId, shipment } = await ship(f.ledger, f.account("maker"), {
        batchId: f.maskBatch,
        toOrgId: f.orgIds.hospital,
        quantity: 1_000n,
        carrierOrgId: f.orgIds.carrier,
        ref: proposed.reference,
        docHash: documentHash("delivery note"),
      });
      await (await f.ledger.connect(f.account("carrier")).pickUp(shipment)).wait();
      await time.increase(DAY);
      await (await f.ledger.connect(f.account("carrier")).deliver(shipment)).wait();
      await (await f.ledger.connect(f.account("hospital")).receiveShipment(shipment, 1_000n, true)).wait();

      const recorded = await printed("agreements:record-delivery", { id: "1", shipment: shipmentId });
      expect(recorded).to.contain("Delivery of 1,000 units recorded under agreement 1 (1,000 of 1,000 delivered).");
      expect(recorded).to.contain(`Late penalties (before the cap): ${MAKER} handed over late: 0.015 ETH.`);
      expect((await agreements.agreement(id)).supplierLatePenalty).to.equal(eth("0.015"));

      const before = await printed("agreement", { id: "1" });
      expect(before).to.contain("Agreement 1: Active");
      expect(before).to.contain("At settlement, on what is recorded now:");

      await time.increase(8n * DAY);
      const settled = await printed("agreements:settle", { id: "1" });
      expect(settled).to.contain(
        `Agreement 1 is settled. Credited: ${HOSPITAL} 0.015 ETH in penalties, ${MAKER} 0.635 ETH, ${CARRIER} 0.2 ETH.`,
      );
      expect(settled).to.contain("donations:withdraw --vault agreements");

      const shown = await printed("agreement", { id: "1" });
      expect(shown).to.contain("Agreement 1: Settled");
      expect(shown).to.contain(`${HOSPITAL} buys 1,000 units of 00614141000029 from ${MAKER}, carried by ${CARRIER}.`);
      expect(shown).to.contain("Price: 0.0005 ETH a unit, 0.5 ETH in all; carrier's fee 0.05 ETH.");
      expect(shown).to.contain(
        `Hand-over deadline: ${new Date(Number(terms.handOverDeadline) * 1000).toISOString().slice(0, 16).replace("T", " ")} UTC`,
      );
      expect(shown).to.contain(
        "Late penalty: 1% of the late value per started day, capped at 20% of the value (0.1 ETH) for each party.",
      );
      expect(shown).to.contain("Defect penalty: 10% of the rejected value, charged to the party found at fault.");
      expect(shown).to.contain(`Collateral: ${MAKER} 0.15 ETH (posted by ${f.account("maker").address})`);
      expect(shown).to.match(/0x[0-9a-f]{4}…[0-9a-f]{4} +1,000 +\S+ \S+ UTC +3 started days +0\.015 ETH +0 ETH/);
      expect(shown).to.contain(`Penalties: ${MAKER} 0.015 ETH (late 0.015 ETH, defects 0 ETH); ${CARRIER} 0 ETH`);
      expect(shown).to.contain("Settled: each party was credited:");
      expect(shown).to.match(new RegExp(`${HOSPITAL} +buyer +0\\.015 ETH`));
      expect(shown).to.match(new RegExp(`${MAKER} +supplier +0\\.635 ETH`));
      expect(shown).to.match(new RegExp(`${CARRIER} +carrier +0\\.2 ETH`));

      const doc = await json<{
        status: string;
        asset: unknown;
        unitPrice: string;
        value: string;
        carrierFee: string;
        deliveries: { shipmentId: string; quantity: string; supplierPenalty: string; handedOverAt: string }[];
        penalties: { supplierLate: string; supplierTotal: string };
        shares: { buyer: string; supplier: string; carrier: string; final: boolean };
      }>("agreement", { id: "1" });
      expect(doc.status).to.equal("Settled");
      expect(doc.deliveries).to.have.length(1);
      expect(doc.deliveries[0].shipmentId).to.equal(shipmentId);
      expect(doc.deliveries[0].quantity).to.equal("1000");
      expect(doc.deliveries[0].supplierPenalty).to.equal("0.015");
      expect(doc.penalties.supplierLate).to.equal(whole((await agreements.agreement(id)).supplierLatePenalty));
      expect(doc.penalties.supplierTotal).to.equal("0.015");
      expect(doc.asset).to.deep.equal(ETH_ASSET);
      expect([doc.unitPrice, doc.value, doc.carrierFee]).to.deep.equal(["0.0005", "0.5", "0.05"]);
      expect(doc.shares.final).to.equal(true);
      expect(doc.shares).to.include({ buyer: "0.015", supplier: "0.635", carrier: "0.2" });
      expect(doc.shares.buyer).to.equal(whole(await agreements.creditOf(ETH, f.account("hospital").address)));
      expect(doc.shares.supplier).to.equal(whole(await agreements.creditOf(ETH, f.account("maker").address)));
      expect(doc.shares.carrier).to.equal(whole(await agreements.creditOf(ETH, f.account("carrier").address)));
      expect((await agreements.reputationOf(f.orgIds.maker)).late).to.equal(1n);
    });
  });

  describe("agreement", () => {
    it("shows an unsigned proposal and refuses unknown agreements", async () => {
      await loadFixture(proposedFixture);
      const shown = await printed("agreement", { id: "1" });
      expect(shown).to.contain("Agreement 1: Proposed");
      expect(shown).to.contain(`Collateral: ${MAKER} 0.1 ETH (not signed), ${CARRIER} 0.1 ETH (not signed).`);
      expect(shown).to.contain("Not funded yet: collateral posted so far:");
      await refused("agreement", { id: "9" }, /Agreement 9 does not exist \(1 proposed so far\)/);
      await refused("agreement", { id: "abc" }, /agreement "abc" is not an? agreement number/);
    });
  });

  describe("agreements:list", () => {
    it("lists an organisation's agreements by status, as JSON too", async () => {
      const f = await loadFixture(deliveredFixture);
      const text = await printed("agreements:list", { org: "Swift" });
      expect(text).to.contain(`Supply agreements of ${CARRIER}:`);
      expect(text).to.match(/ 1 +Active +carrier +City General Hospital +Northwind Masks +Swift Cold Chain/);
      expect(text).to.contain("1,000 of 1,000");
      const doc = await json<{
        orgId: string;
        agreements: { agreementId: string; status: string; role: string; value: string; asset: unknown }[];
      }>("agreements:list", { org: HOSPITAL, status: "active" });
      expect(doc.orgId).to.equal(f.orgIds.hospital.toString());
      expect(doc.agreements).to.deep.equal([
        {
          ...doc.agreements[0],
          agreementId: "1",
          status: AgreementStatus[Number((await f.agreements.agreement(1n)).status)],
          role: "buyer",
          value: whole(f.terms.quantity * f.terms.unitPrice),
          asset: ETH_ASSET,
        },
      ]);
      expect(doc.agreements[0].value).to.equal("0.5");
      expect(await printed("agreements:list", { org: MAKER, status: "Settled" })).to.contain(
        `${MAKER} has no Settled supply agreements.`,
      );
      expect(await printed("agreements:list", { org: "Corner Pharmacy" })).to.contain(
        "Corner Pharmacy has no supply agreements.",
      );
      await refused(
        "agreements:list",
        { org: MAKER, status: "Done" },
        /--status "Done" is not one of Proposed, Active, Terminated, Settled, Cancelled/,
      );
    });
  });

  describe("agreements:propose", () => {
    it("proposes the terms as written, with the minimum collateral by default", async () => {
      const f = await loadFixture(cliFixture);
      const agreements = SupplyAgreements__factory.connect(f.address("SupplyAgreements"), f.governor);
      const doc = await json<{
        transaction: string;
        agreementId: string;
        termsHash: string;
        asset: unknown;
        terms: Record<string, string | boolean>;
        value: string;
        funding: string;
        minimumCollateral: string;
      }>("agreements:propose", { ...PROPOSE, latePenalty: "0.5% per 12h", defectPenalty: "250bps" });
      expect(doc.transaction).to.match(/^0x[0-9a-f]{64}$/);
      const t = doc.terms;
      expect([t.penaltyBps, t.penaltyPeriod, t.penaltyCapBps, t.defectBps]).to.deep.equal([
        "50",
        "43200",
        "2000",
        "250",
      ]);
      expect(doc.asset).to.deep.equal(ETH_ASSET);
      expect([t.unitPrice, t.carrierFee, doc.value, doc.funding]).to.deep.equal(["0.0005", "0.05", "0.5", "0.55"]);
      expect(t.supplierCollateral).to.equal("0.1125");
      expect(t.carrierCollateral).to.equal("0.1125");
      expect(doc.minimumCollateral).to.equal("0.1125");
      const AMOUNTS = ["unitPrice", "carrierFee", "supplierCollateral", "carrierCollateral"];
      const plain = Object.fromEntries(
        Object.entries(t).map(([k, v]) => [
          k,
          typeof v !== "string" ? v : AMOUNTS.includes(k) ? eth(v) : /^\d+$/.test(v) ? BigInt(v) : v,
        ]),
      ) as unknown as PlainTerms;
      const view = await agreements.agreement(BigInt(doc.agreementId));
      expect(view.termsHash).to.equal(hashTerms(plain)).and.to.equal(doc.termsHash);
      expect(view.buyer).to.equal(f.account("hospital").address);
      const spec = (await f.catalog.product(MASK_GTIN)).specHash;
      expect(t.specHash).to.equal(spec);
      const sinceNow = Number(BigInt(t.handOverDeadline as string) - BigInt(await time.latest()));
      expect(sinceNow).to.be.closeTo(Number(14n * DAY), 60);

      const text = await printed("agreements:propose", { ...PROPOSE, noForceMajeure: true, carrierCollateral: "0.5" });
      expect(text).to.contain(
        `${HOSPITAL} proposed agreement 2: 1,000 units of 00614141000029 from ${MAKER} at 0.0005 ETH a unit ` +
          `(0.5 ETH), carried by ${CARRIER} for 0.05 ETH`,
      );
      expect(text).to.contain(
        `Late penalty 1% per started day, capped at 20%; defect penalty 10%. Collateral: ${MAKER} 0.15 ETH, ${CARRIER} 0.5 ETH.`,
      );
      expect(text).to.contain("next, the supplier and the carrier run agreements:sign --id 2");
    });

    it("refuses terms the contract would reject, and senders that are not buyers", async () => {
      const f = await loadFixture(cliFixture);
      await refused(
        "agreements:propose",
        { ...PROPOSE, from: MAKER },
        /Northwind Masks is not admitted as Hospital or Agency: it may not act as the buyer of a supply agreement/,
      );
      await refused(
        "agreements:propose",
        { ...PROPOSE, deadline: "2020-01-01" },
        /--deadline 2020-01-01 00:00 UTC is in the past/,
      );
      await refused(
        "agreements:propose",
        { ...PROPOSE, supplierCollateral: "0.1" },
        /--supplier-collateral 0.1 ETH is below the minimum of 0.15 ETH \(the 20% late cap plus the 10% defect penalty on the value of 0.5 ETH\)/,
      );
      await refused("agreements:propose", { ...PROPOSE, lateCap: "120%" }, /--late-cap 120% is above 100%/);
      await refused(
        "agreements:propose",
        { ...PROPOSE, latePenalty: "1 a day" },
        /--late-penalty "1 a day" is not a penalty rate: write 1%\/day, 0.5%\/12h or 50bps\/week/,
      );
      await refused(
        "agreements:propose",
        { ...PROPOSE, supplier: "Corner Pharmacy" },
        /Corner Pharmacy is not admitted as Manufacturer or Distributor: it cannot be the supplier/,
      );
      await refused(
        "agreements:propose",
        { ...PROPOSE, carrier: "Harbour Distribution" },
        /Harbour Distribution is not admitted as Logistics: it cannot be the carrier/,
      );
      await refused(
        "agreements:propose",
        { ...PROPOSE, carrier: MAKER },
        /Northwind Masks cannot be both the supplier and the carrier/,
      );
      await refused("agreements:propose", { ...PROPOSE, supplier: "Nobody" }, /--supplier "Nobody": no organisation/);
      await refused(
        "agreements:propose",
        { ...PROPOSE, gtin: "00614141000036" },
        /Product 00614141000036 is not in the catalogue: agreements are for approved products/,
      );
      await refused("agreements:propose", { ...PROPOSE, gtin: "00614141000028" }, /wrong check digit/);
      await refused(
        "agreements:propose",
        { ...PROPOSE, quantity: "0" },
        /--quantity must be a whole number above zero/,
      );
      await refused("agreements:propose", { ...PROPOSE, unitPrice: "0" }, /--unit-price must be more than zero/);
      await refused(
        "agreements:propose",
        { ...PROPOSE, inspectionWindow: "0" },
        /--inspection-window must be longer than zero/,
      );
      await refused(
        "agreements:propose",
        { ...PROPOSE, asset: f.donors[0].address },
        /asset 0x[0-9a-fA-F]{40} is not an ERC-20 token \(it has no decimals\(\)\)/,
      );
      await (await f.registry.connect(f.guardian).pause()).wait();
      await refused("agreements:propose", PROPOSE, /The alliance is paused: nobody may propose agreements/);
    });

    it("refuses a buyer naming itself, deadlines beyond 2106 and rates in fractional basis points", async () => {
      await loadFixture(cliFixture);
      await refused(
        "agreements:propose",
        { ...PROPOSE, supplier: HOSPITAL },
        /City General Hospital cannot be its own supplier/,
      );
      await refused(
        "agreements:propose",
        { ...PROPOSE, carrier: HOSPITAL },
        /City General Hospital cannot be its own carrier/,
      );
      await refused(
        "agreements:propose",
        { ...PROPOSE, deadline: "2200-01-01" },
        /--deadline 2200-01-01 is beyond 2106/,
      );
      await refused(
        "agreements:propose",
        { ...PROPOSE, defectPenalty: "2.5bps" },
        /--defect-penalty "2.5bps": basis points are whole/,
      );
      await refused(
        "agreements:propose",
        { ...PROPOSE, unitPrice: "400000000000000000000" },
        /--unit-price 400000000000000000000 is too large/,
      );
    });

    it("works in an approved token: amounts by its decimals, allowances approved before paying", async () => {
      const f = await loadFixture(cliFixture);
      const agreements = SupplyAgreements__factory.connect(f.address("SupplyAgreements"), f.governor);
      const token = await (await ethers.getContractFactory("TestToken")).deploy("Alliance Dollar", "AUSD", 6);
      await refused(
        "agreements:propose",
        { ...PROPOSE, asset: await token.getAddress() },
        /Token 0x[0-9a-fA-F]{40} is not approved by the governor for agreements/,
      );
      await (await agreements.connect(f.governor).setAssetApproved(await token.getAddress(), true)).wait();
      for (const key of ["maker", "carrier", "hospital"] as const) {
        await (await token.mint(f.account(key).address, 1_000_000_000n)).wait();
      }
      const short = /Account 0x\w{40} holds 1,000 AUSD; 2,600 AUSD is needed to fund agreement 1/;
      const asset = await token.getAddress();
      const doc = await json<{
        agreementId: string;
        asset: unknown;
        terms: { supplierCollateral: string; unitPrice: string; carrierFee: string };
        funding: string;
      }>("agreements:propose", { ...PROPOSE, asset, unitPrice: "2.5", fee: "100" });
      expect(doc.asset).to.deep.equal({ address: asset, symbol: "AUSD", decimals: 6 });
      expect(doc.terms.unitPrice).to.equal("2.5");
      expect(doc.terms.carrierFee).to.equal("100");
      expect(doc.terms.supplierCollateral).to.equal("750"); // 20 % + 10 % of 2,500 AUSD
      expect(doc.funding).to.equal("2600");
      const signed = await printed("agreements:sign", { id: doc.agreementId, from: MAKER });
      expect(signed).to.contain(`${MAKER} signed agreement 1 as supplier and posted 750 AUSD of collateral.`);
      expect(await token.balanceOf(agreements)).to.equal(750_000_000n);
      await printed("agreements:sign", { id: "1", from: CARRIER });
      await refused("agreements:fund", { id: "1", from: HOSPITAL }, short);
      await (await token.mint(f.account("hospital").address, 2_000_000_000n)).wait();
      const funded = await printed("agreements:fund", { id: "1", from: HOSPITAL });
      expect(funded).to.contain(`${HOSPITAL} paid in 2,600 AUSD: agreement 1 is Active.`);
      expect(await agreements.owed(asset)).to.equal(2_600_000_000n + 1_500_000_000n);
      expect(await printed("agreement", { id: "1" })).to.contain("Price: 2.5 AUSD a unit, 2,500 AUSD in all");
    });

    it("tells the contract's refusal in words when the terms reach it", async () => {
      const f = await loadFixture(cliFixture);
      const client = await clientAs(f.account("hospital"));
      const terms = buildTerms({
        buyerOrgId: f.orgIds.clinic,
        supplierOrgId: f.orgIds.maker,
        carrierOrgId: f.orgIds.carrier,
        gtin: MASK_GTIN,
        handOverDeadline: BigInt(await time.latest()) + DAY,
      });
      await expect(client.send("propose", () => client.agreements.propose(terms))).to.be.rejectedWith(
        /Could not propose: The proposed terms are invalid \(defect Parties\)/,
      );
    });
  });

  describe("agreements:sign", () => {
    it("signs for the supplier and the carrier, posting their collateral", async () => {
      const f = await loadFixture(proposedFixture);
      const before = await ethers.provider.getBalance(f.agreements);
      const doc = await json<{ party: string; collateral: string; account: string; termsHash: string; asset: unknown }>(
        "agreements:sign",
        { id: "1", from: CARRIER },
      );
      expect(doc).to.include({ party: "Carrier", collateral: "0.1" });
      expect(doc.collateral).to.equal(whole(f.terms.carrierCollateral));
      expect(doc.asset).to.deep.equal(ETH_ASSET);
      expect(doc.account).to.equal(f.carrier.address);
      expect(doc.termsHash).to.equal(hashTerms(f.terms));
      expect((await f.agreements.agreement(1n)).carrierSigned).to.equal(true);
      expect(await ethers.provider.getBalance(f.agreements)).to.equal(before + f.terms.carrierCollateral);
    });

    it("refuses non-parties, second signatures, other statuses and a paused alliance", async () => {
      const f = await loadFixture(signedFixture);
      await refused(
        "agreements:sign",
        { id: "1", from: HOSPITAL },
        /City General Hospital is not admitted as Manufacturer, Logistics or Distributor: it may not act as the supplier or the carrier of agreement 1/,
      );
      await refused(
        "agreements:sign",
        { id: "1", from: "MediTech Implants" },
        /MediTech Implants is neither the supplier \(Northwind Masks\) nor the carrier \(Swift Cold Chain\) of agreement 1/,
      );
      await refused(
        "agreements:sign",
        { id: "1", from: MAKER },
        /Northwind Masks has already signed agreement 1 as supplier/,
      );
      await refused("agreements:sign", { id: "2", from: MAKER }, /Agreement 2 does not exist \(1 proposed so far\)/);
      await (await f.agreements.connect(f.maker).retract(f.id, f.terms)).wait();
      await (await f.registry.connect(f.guardian).pause()).wait();
      await refused("agreements:sign", { id: "1", from: MAKER }, /The alliance is paused: nobody may sign agreements/);
    });

    it("tells a wrong terms hash in words", async () => {
      const f = await loadFixture(proposedFixture);
      const client = await clientAs(f.maker);
      await expect(
        client.send("sign agreement 1", () =>
          client.agreements.sign(1n, ethers.ZeroHash, f.terms, { value: f.terms.supplierCollateral }),
        ),
      ).to.be.rejectedWith(/Could not sign agreement 1: The hash a party signs is not the agreement's terms hash/);
    });
  });

  describe("agreements:retract", () => {
    it("takes a signature back and credits the collateral", async () => {
      const f = await loadFixture(signedFixture);
      const text = await printed("agreements:retract", { id: "1", from: MAKER });
      expect(text).to.contain(
        `${MAKER} retracted its signature on agreement 1; 0.1 ETH of collateral is credited to ${f.maker.address}.`,
      );
      expect(await f.agreements.creditOf(ETH, f.maker.address)).to.equal(f.terms.supplierCollateral);
      expect((await f.agreements.agreement(1n)).supplierSigned).to.equal(false);
      await refused(
        "agreements:retract",
        { id: "1", from: MAKER },
        /Northwind Masks has not signed agreement 1: there is nothing to retract/,
      );
      const doc = await json<{ party: string; credited: string }>("agreements:retract", { id: "1", from: CARRIER });
      expect(doc).to.include({ party: "Carrier", credited: "0.1" });
      expect(await f.agreements.creditOf(ETH, f.carrier.address)).to.equal(eth(doc.credited));
    });

    it("refuses after funding", async () => {
      await loadFixture(activeFixture);
      await refused(
        "agreements:retract",
        { id: "1", from: MAKER },
        /Agreement 1 is Active: signatures are retracted only before funding/,
      );
    });
  });

  describe("agreements:fund", () => {
    it("pays in the price and the fee as the buyer", async () => {
      const f = await loadFixture(signedFixture);
      const doc = await json<{ amount: string; reference: string }>("agreements:fund", { id: "1", from: HOSPITAL });
      expect(doc.amount).to.equal("0.55");
      expect(doc.amount).to.equal(whole(fundingOf(f.terms)));
      expect(doc.reference).to.equal(f.ref);
      expect((await f.agreements.agreement(1n)).status).to.equal(BigInt(AgreementStatus.Active));
      expect(await f.agreements.owed(ETH)).to.equal(
        fundingOf(f.terms) + f.terms.supplierCollateral + f.terms.carrierCollateral,
      );
      await refused(
        "agreements:fund",
        { id: "1", from: HOSPITAL },
        /Agreement 1 is Active: only proposed agreements are funded/,
      );
    });

    it("refuses before both signed, and anyone but the buyer", async () => {
      const f = await loadFixture(proposedFixture);
      await refused(
        "agreements:fund",
        { id: "1", from: HOSPITAL },
        /Agreement 1 is not signed yet by Northwind Masks \(supplier\) and Swift Cold Chain \(carrier\)/,
      );
      await refused(
        "agreements:fund",
        { id: "1", from: MAKER },
        /Northwind Masks is not admitted as Hospital or Agency: it may not act as the buyer of agreement 1/,
      );
      await refused(
        "agreements:fund",
        { id: "1", from: "Hillside Rural Clinic" },
        /Hillside Rural Clinic is not the buyer of agreement 1 \(City General Hospital is\)/,
      );
      const client = await clientAs(f.hospital);
      await expect(
        client.send("fund agreement 1", () => client.agreements.fund(1n, f.terms, { value: 1n })),
      ).to.be.rejectedWith(/Could not fund agreement 1: .*Supplier/);
    });
  });

  describe("agreements:cancel", () => {
    it("lets the buyer cancel at any time, crediting posted collateral back", async () => {
      const f = await loadFixture(signedFixture);
      const text = await printed("agreements:cancel", { id: "1", from: HOSPITAL });
      expect(text).to.contain(`${HOSPITAL} cancelled agreement 1.`);
      expect(text).to.contain(`Collateral credited back: ${MAKER} 0.1 ETH, ${CARRIER} 0.1 ETH`);
      expect((await f.agreements.agreement(1n)).status).to.equal(BigInt(AgreementStatus.Cancelled));
      expect(await f.agreements.creditOf(ETH, f.carrier.address)).to.equal(f.terms.carrierCollateral);
      const shares = (await json<{ shares: Record<string, string> }>("agreement", { id: "1" })).shares;
      expect(shares).to.include({ buyer: "0", supplier: "0.1", carrier: "0.1" });
      expect(shares.carrier).to.equal(whole(await f.agreements.creditOf(ETH, f.carrier.address)));
      await refused(
        "agreements:cancel",
        { id: "1", from: HOSPITAL },
        /Agreement 1 is Cancelled: only unfunded \(Proposed\) agreements are cancelled/,
      );
    });

    it("lets the supplier or the carrier cancel only after the deadline, and no one else", async () => {
      const f = await loadFixture(proposedFixture);
      await refused(
        "agreements:cancel",
        { id: "1", from: MAKER },
        /Northwind Masks may cancel agreement 1 only after its hand-over deadline, .* UTC \(the buyer may cancel at any time\)/,
      );
      await refused(
        "agreements:cancel",
        { id: "1", from: "Hillside Rural Clinic" },
        /Hillside Rural Clinic is not a party to agreement 1/,
      );
      await refused(
        "agreements:cancel",
        { id: "1", from: "Corner Pharmacy" },
        /Corner Pharmacy is not admitted as Manufacturer, Logistics, Distributor, Hospital or Agency/,
      );
      await time.increaseTo(f.deadline + 1n);
      const doc = await json<{ agreementId: string; credited: unknown[] }>("agreements:cancel", {
        id: "1",
        from: CARRIER,
      });
      expect(doc).to.deep.include({ agreementId: "1", credited: [] });
      expect((await f.agreements.agreement(1n)).status).to.equal(BigInt(AgreementStatus.Cancelled));
    });
  });

  describe("agreements:flag-pickup", () => {
    it("flags a shipment its carrier left waiting for more than a day", async () => {
      const f = await loadFixture(activeFixture);
      const { shipmentId } = await shipUnder(f, 500n);
      await refused(
        "agreements:flag-pickup",
        { id: "1", shipment: shipmentId, from: MAKER },
        /The carrier has until .* UTC to pick up shipment 0x/,
      );
      await refused(
        "agreements:flag-pickup",
        { id: "1", shipment: shipmentId, from: CARRIER },
        /Swift Cold Chain is not admitted as Manufacturer or Distributor: it may not act as the supplier of agreement 1/,
      );
      await time.increase(DAY + 1n);
      const text = await printed("agreements:flag-pickup", { id: "1", shipment: shipmentId, from: MAKER });
      expect(text).to.match(/Northwind Masks flagged shipment 0x\w{4}…\w{4}: Swift Cold Chain did not pick it up by/);
      expect(await f.agreements.shipmentUse(shipmentId)).to.equal(1n);
      await refused(
        "agreements:flag-pickup",
        { id: "1", shipment: shipmentId, from: MAKER },
        /Shipment 0x\w{4}…\w{4} was already flagged/,
      );
    });

    it("refuses shipments of other agreements and shipments already picked up", async () => {
      const f = await loadFixture(activeFixture);
      const foreign = await shipUnder(f, 10n, ethers.ZeroHash);
      await refused(
        "agreements:flag-pickup",
        { id: "1", shipment: foreign.shipmentId, from: MAKER },
        /Shipment 0x\w{4}…\w{4} does not carry agreement 1's reference 0x/,
      );
      const moving = await shipUnder(f, 10n);
      await (await f.ledger.connect(f.carrier).pickUp(moving.shipment)).wait();
      await refused(
        "agreements:flag-pickup",
        { id: "1", shipment: moving.shipmentId, from: MAKER },
        /is PickedUp: only a shipment still waiting for pick-up \(InTransit\) is flagged/,
      );
      await refused(
        "agreements:flag-pickup",
        { id: "1", shipment: "0x1234", from: MAKER },
        /--shipment "0x1234" is not a 32-byte id/,
      );
    });
  });

  describe("agreements:record-delivery", () => {
    it("records a received delivery and its late penalty", async () => {
      const f = await loadFixture(lateShippedFixture);
      const doc = await json<{ shipmentId: string; quantity: string; supplierPenalty: string; delivered: string }>(
        "agreements:record-delivery",
        { id: "1", shipment: f.shipmentId, from: "Corner Pharmacy" },
      );
      expect(doc).to.include({
        shipmentId: f.shipmentId,
        quantity: "1000",
        supplierPenalty: "0.015",
        delivered: "1000",
      });
      await refused(
        "agreements:record-delivery",
        { id: "1", shipment: f.shipmentId },
        /Shipment 0x\w{4}…\w{4} was already recorded/,
      );
      expect((await f.agreements.agreement(1n)).supplierLatePenalty).to.equal(eth(doc.supplierPenalty));
    });

    it("waits for the receipt or the end of the receipt window, and refuses what does not fit", async () => {
      const f = await loadFixture(activeFixture);
      const first = await shipUnder(f, 600n);
      await refused(
        "agreements:record-delivery",
        { id: "1", shipment: first.shipmentId },
        /Shipment 0x\w{4}…\w{4} is InTransit: only a received or delivered shipment counts as a delivery/,
      );
      await (await f.ledger.connect(f.carrier).pickUp(first.shipment)).wait();
      await (await f.ledger.connect(f.carrier).deliver(first.shipment)).wait();
      await refused(
        "agreements:record-delivery",
        { id: "1", shipment: first.shipmentId },
        /is Delivered: it counts once City General Hospital receives it, or after its receipt window ends at .* UTC/,
      );
      const client = await clientAs(f.governor);
      await expect(
        client.send("record the delivery", () => client.agreements.recordDelivery(1n, f.terms, first.shipment)),
      ).to.be.rejectedWith(
        /Could not record the delivery: The shipment's ledger status does not allow this .*Delivered/,
      );
      await time.increase(3n * DAY + 60n);
      const text = await printed("agreements:record-delivery", { id: "1", shipment: first.shipmentId });
      expect(text).to.contain("Delivery of 600 units recorded under agreement 1 (600 of 1,000 delivered).");
      expect(text).to.contain("On time: no penalty.");
      const second = await shipUnder(f, 600n);
      await (await f.ledger.connect(f.hospital).receiveShipment(second.shipment, 600n, true)).wait();
      await refused(
        "agreements:record-delivery",
        { id: "1", shipment: second.shipmentId },
        /Shipment 0x\w{4}…\w{4} brings 600 units; agreement 1 allows 400 more/,
      );
      const back = await shipBack(f, 5n);
      await refused(
        "agreements:record-delivery",
        { id: "1", shipment: back.shipmentId },
        /goes from City General Hospital to Northwind Masks: deliveries under agreement 1 go from Northwind Masks to City General Hospital/,
      );
    });

    it("refuses a batch without the agreed shelf life", async () => {
      const f = await loadFixture(activeFixture);
      const now = BigInt(await time.latest());
      const shortLived = await commission(f.ledger, f.maker, {
        gtin: MASK_GTIN,
        lot: lot("MK-SHORT"),
        quantity: 100n,
        producedAt: now,
        expiresAt: now + 90n * DAY,
        site: 0n,
        docHash: documentHash("short-lived batch"),
        docURI: "ipfs://batch-records/MK-SHORT",
        inputs: [],
      });
      await (await f.ledger.connect(f.regulators[0]).releaseEarly(shortLived, documentHash("release"))).wait();
      const { shipmentId, shipment } = await ship(f.ledger, f.maker, {
        batchId: shortLived,
        toOrgId: f.orgIds.hospital,
        quantity: 100n,
        carrierOrgId: f.orgIds.carrier,
        ref: f.ref,
      });
      await (await f.ledger.connect(f.hospital).receiveShipment(shipment, 100n, true)).wait();
      await refused(
        "agreements:record-delivery",
        { id: "1", shipment: shipmentId },
        /Shipment 0x\w{4}…\w{4}'s batch expires .* UTC: the agreement requires 180 days of shelf life at hand-over/,
      );
    });

    it("refuses agreements not active", async () => {
      const f = await loadFixture(signedFixture);
      await refused(
        "agreements:record-delivery",
        { id: "1", shipment: f.ref },
        /Agreement 1 is Proposed: deliveries are recorded on active agreements/,
      );
    });
  });

  describe("every action in the wrong status", () => {
    it("is refused before sending, naming the status", async () => {
      const f = await loadFixture(proposedFixture);
      const shipment = f.ref;
      const cases: [string, Record<string, unknown>, RegExp][] = [
        [
          "agreements:claim",
          { quantity: "1", evidence: "x", from: HOSPITAL },
          /claims are filed on active or terminated/,
        ],
        ["agreements:force-majeure", { evidence: "x", from: MAKER }, /force majeure is claimed on active agreements/],
        ["agreements:terminate", { from: HOSPITAL }, /only active agreements are terminated/],
        ["agreements:settle", {}, /only active or terminated agreements are settled/],
        ["agreements:record-return", { shipment }, /returns are recorded on active or terminated agreements/],
        ["agreements:flag-pickup", { shipment, from: MAKER }, /missed pick-ups are flagged on active agreements/],
      ];
      for (const [name, args, message] of cases) {
        await refused(name, { id: "1", ...args }, new RegExp(`Agreement 1 is Proposed: ${message.source}`));
      }
    });
  });

  describe("agreements:claim", () => {
    it("files the buyer's claim with its evidence", async () => {
      const f = await loadFixture(deliveredFixture);
      const text = await printed("agreements:claim", {
        id: "1",
        quantity: "100",
        evidence: "ear loops detached",
        from: HOSPITAL,
      });
      expect(text).to.contain(`${HOSPITAL} claimed 100 units under agreement 1 non-conforming.`);
      expect(text).to.match(/A regulator rules by .* UTC \(agreements:rule\)/);
      expect((await f.agreements.agreement(1n)).claimed).to.equal(100n);
      await refused(
        "agreements:claim",
        { id: "1", quantity: "5", evidence: "x", from: HOSPITAL },
        /Agreement 1 already has an open claim for 100 units/,
      );
    });

    it("refuses too much, too late, and anyone but the buyer", async () => {
      await loadFixture(deliveredFixture);
      await refused(
        "agreements:claim",
        { id: "1", quantity: "2000", evidence: "x", from: HOSPITAL },
        /--quantity 2,000 is more than the 1,000 units delivered and not already rejected/,
      );
      await refused(
        "agreements:claim",
        { id: "1", quantity: "1", evidence: "x", from: MAKER },
        /Northwind Masks is not admitted as Hospital or Agency: it may not act as the buyer of agreement 1/,
      );
      await refused(
        "agreements:claim",
        { id: "1", quantity: "1", evidence: ethers.ZeroHash, from: HOSPITAL },
        /--evidence may not be the zero hash/,
      );
      await time.increase(8n * DAY);
      await refused(
        "agreements:claim",
        { id: "1", quantity: "1", evidence: "x", from: HOSPITAL },
        /The inspection window of agreement 1 closed at .* UTC/,
      );
    });
  });

  describe("agreements:rule", () => {
    it("rules the supplier at fault as a regulator", async () => {
      const f = await loadFixture(claimedFixture);
      const text = await printed("agreements:rule", { id: "1", ruling: "supplier", reason: "welds", from: REGULATOR });
      expect(text).to.match(
        /Northwind Masks is at fault for 100 units under agreement 1: defect penalty 0.005 ETH. City General Hospital returns the goods by .* UTC to be refunded./,
      );
      const view = await f.agreements.agreement(1n);
      expect([view.supplierDefects, view.pendingReturn, view.claimed]).to.deep.equal([100n, 100n, 0n]);
      const shown = await printed("agreement", { id: "1" });
      expect(shown).to.contain("Claims ruled: 100 units: Northwind Masks at fault.");
      expect(shown).to.match(/0 rejected and returned, 100 awaiting return \(by .* UTC\)/);
      expect(shown).to.contain(`Penalties: ${MAKER} 0.02 ETH (late 0.015 ETH, defects 0.005 ETH)`);
      const doc = await json<{ penalties: Record<string, string | boolean>; latePenalty: { cap: string } }>(
        "agreement",
        { id: "1" },
      );
      expect(doc.penalties).to.include({ supplierLate: "0.015", supplierDefect: "0.005", supplierTotal: "0.02" });
      expect(doc.penalties.supplierLate).to.equal(whole(view.supplierLatePenalty));
      expect(doc.latePenalty.cap).to.equal("0.05");
      await refused(
        "agreements:rule",
        { id: "1", ruling: "rejected", reason: "x", from: REGULATOR },
        /Agreement 1 has no open claim/,
      );
    });

    it("rejects a claim as JSON, and refuses non-regulators, bad rulings and late rulings", async () => {
      const f = await loadFixture(claimedFixture);
      await refused(
        "agreements:rule",
        { id: "1", ruling: "supplier", reason: "x", from: HOSPITAL },
        new RegExp(`Account ${f.hospital.address} is not a regulator: only regulators rule claims`),
      );
      await refused(
        "agreements:rule",
        { id: "1", ruling: "maybe", reason: "x", from: REGULATOR },
        /--ruling "maybe" is not supplier, carrier or rejected/,
      );
      const doc = await json<{ ruling: string; quantity: string; defectPenalty: string }>("agreements:rule", {
        id: "1",
        ruling: "Rejected",
        reason: "within tolerance",
        from: REGULATOR,
      });
      expect(doc).to.include({ ruling: "Rejected", quantity: "100", defectPenalty: "0" });
      await (await f.agreements.connect(f.hospital).fileClaim(1n, f.terms, 50n, documentHash("again"))).wait();
      await time.increase(7n * DAY + 1n);
      await refused(
        "agreements:rule",
        { id: "1", ruling: "carrier", reason: "x", from: REGULATOR },
        /The ruling window closed at .* UTC: the claim lapses \(agreements:lapse-claim\)/,
      );
    });
  });

  describe("agreements:lapse-claim", () => {
    it("lapses an unruled claim once its ruling window has passed", async () => {
      const f = await loadFixture(claimedFixture);
      await refused(
        "agreements:lapse-claim",
        { id: "1" },
        /A regulator may rule the claim until .* UTC: it lapses only after/,
      );
      await time.increase(7n * DAY + 1n);
      const text = await printed("agreements:lapse-claim", { id: "1" });
      expect(text).to.match(
        /The claim for 100 units under agreement 1 lapsed unruled: City General Hospital returns them by .* UTC to be refunded, without penalty./,
      );
      const view = await f.agreements.agreement(1n);
      expect([view.pendingReturn, view.supplierDefects]).to.deep.equal([100n, 0n]);
      await refused("agreements:lapse-claim", { id: "1" }, /Agreement 1 has no open claim/);
    });
  });

  describe("agreements:record-return", () => {
    it("records rejected goods back with the maker and refunds the buyer", async () => {
      const f = await loadFixture(ruledFixture);
      const back = await shipBack(f, 100n);
      await refused(
        "agreements:record-return",
        { id: "1", shipment: back.shipmentId },
        /Return 0x\w{4}…\w{4} is InTransit: only a return its recipient has counts/,
      );
      await refused(
        "agreements:record-return",
        { id: "1", shipment: f.shipmentId },
        /Shipment 0x\w{4}…\w{4} is not a return from City General Hospital to Northwind Masks or the batch's maker/,
      );
      await (await f.ledger.connect(f.maker).receiveShipment(back.shipment, 100n, true)).wait();
      const text = await printed("agreements:record-return", { id: "1", shipment: back.shipmentId });
      expect(text).to.contain(
        "Return of 100 units recorded under agreement 1: City General Hospital is credited 0.05 ETH.",
      );
      expect(await f.agreements.creditOf(ETH, f.hospital.address)).to.equal(100n * UNIT_PRICE);
      const { returns } = await json<{ returns: { quantity: string; refund: string }[] }>("agreement", { id: "1" });
      expect(returns).to.deep.equal([
        { shipmentId: back.shipmentId, quantity: "100", refund: whole(100n * UNIT_PRICE) },
      ]);
      expect(returns[0].refund).to.equal("0.05");
      await refused(
        "agreements:record-return",
        { id: "1", shipment: back.shipmentId },
        /Shipment 0x\w{4}…\w{4} was already recorded/,
      );
      expect((await f.agreements.agreement(1n)).returned).to.equal(100n);
    });

    it("refuses when nothing awaits return", async () => {
      const f = await loadFixture(deliveredFixture);
      const back = await shipBack(f, 10n);
      await refused(
        "agreements:record-return",
        { id: "1", shipment: back.shipmentId },
        /Agreement 1 has no rejected goods awaiting return/,
      );
    });
  });

  describe("agreements:force-majeure and agreements:rule-force-majeure", () => {
    it("claims force majeure as the supplier; a regulator accepts it", async () => {
      const f = await loadFixture(activeFixture);
      const text = await printed("agreements:force-majeure", { id: "1", evidence: "flooded plant", from: MAKER });
      expect(text).to.match(
        /Northwind Masks \(supplier\) claimed force majeure under agreement 1; a regulator rules by .* UTC/,
      );
      expect((await f.agreements.agreement(1n)).supplierForceMajeureAt).to.not.equal(0n);
      await refused(
        "agreements:force-majeure",
        { id: "1", evidence: "again", from: MAKER },
        /Northwind Masks has already claimed force majeure under agreement 1/,
      );
      await refused(
        "agreements:force-majeure",
        { id: "1", evidence: "x", from: HOSPITAL },
        /City General Hospital is not admitted as Manufacturer, Logistics or Distributor: it may not act as the supplier or the carrier of agreement 1/,
      );
      const doc = await json<{ party: string; accepted: boolean }>("agreements:rule-force-majeure", {
        id: "1",
        party: "supplier",
        accept: true,
        reason: "regional flood",
        from: REGULATOR,
      });
      expect(doc).to.include({ party: "Supplier", accepted: true });
      expect((await f.agreements.agreement(1n)).supplierExcused).to.equal(true);
      expect(await printed("agreement", { id: "1" })).to.contain(`Force majeure claimed by ${MAKER}: accepted.`);
    });

    it("refuses force majeure where the terms exclude it", async () => {
      const f = await loadFixture(activeFixture);
      const terms = buildTerms(
        {
          buyerOrgId: f.orgIds.hospital,
          supplierOrgId: f.orgIds.maker,
          carrierOrgId: f.orgIds.carrier,
          gtin: MASK_GTIN,
          handOverDeadline: f.deadline,
        },
        { quantity: QUANTITY, unitPrice: UNIT_PRICE, carrierFee: FEE, forceMajeure: false },
      );
      await (await f.agreements.connect(f.hospital).propose(terms)).wait();
      await (
        await f.agreements.connect(f.maker).sign(2n, hashTerms(terms), terms, { value: terms.supplierCollateral })
      ).wait();
      await (
        await f.agreements.connect(f.carrier).sign(2n, hashTerms(terms), terms, { value: terms.carrierCollateral })
      ).wait();
      await (await f.agreements.connect(f.hospital).fund(2n, terms, { value: fundingOf(terms) })).wait();
      await refused(
        "agreements:force-majeure",
        { id: "2", evidence: "x", from: MAKER },
        /Agreement 2 excludes force majeure/,
      );
    });

    it("refuses rulings by non-regulators, without a claim, with both or neither answer, or too late", async () => {
      const f = await loadFixture(forceMajeureFixture);
      const base = { id: "1", party: "supplier", reason: "x", from: REGULATOR };
      await refused(
        "agreements:rule-force-majeure",
        { ...base, from: MAKER, reject: true },
        new RegExp(`Account ${f.maker.address} is not a regulator: only regulators rule force majeure`),
      );
      await refused(
        "agreements:rule-force-majeure",
        { ...base, party: "carrier", reject: true },
        /Swift Cold Chain \(carrier\) has no force-majeure claim awaiting a ruling under agreement 1/,
      );
      await refused("agreements:rule-force-majeure", base, /Give exactly one of --accept and --reject/);
      await refused(
        "agreements:rule-force-majeure",
        { ...base, party: "buyer", accept: true },
        /--party "buyer" is not supplier or carrier/,
      );
      await time.increase(7n * DAY + 1n);
      await refused(
        "agreements:rule-force-majeure",
        { ...base, reject: true },
        /The ruling window closed at .* UTC: the claim lapsed as rejected/,
      );
    });
  });

  describe("agreements:terminate", () => {
    it("lets the buyer terminate past the delay, and anyone after twice the delay", async () => {
      const f = await loadFixture(activeFixture);
      await refused(
        "agreements:terminate",
        { id: "1", from: HOSPITAL },
        /Agreement 1 may be terminated only after .* UTC/,
      );
      await time.increaseTo(f.deadline + 9n * DAY + 1n);
      await refused(
        "agreements:terminate",
        { id: "1", from: MAKER },
        /Northwind Masks is not admitted as Hospital or Agency: it may not act on agreement 1 until .* UTC \(anyone may after\)/,
      );
      const text = await printed("agreements:terminate", { id: "1", from: HOSPITAL });
      expect(text).to.contain(
        "Agreement 1 is terminated with 1,000 units undelivered: City General Hospital is credited 0.55 ETH.",
      );
      expect(await f.agreements.creditOf(ETH, f.hospital.address)).to.equal(fundingOf(f.terms));
      expect((await f.agreements.agreement(1n)).status).to.equal(BigInt(AgreementStatus.Terminated));
      await refused(
        "agreements:terminate",
        { id: "1" },
        /Agreement 1 is Terminated: only active agreements are terminated/,
      );
    });

    it("lets anyone terminate an abandoned agreement, and refuses a fully delivered one", async () => {
      const f = await loadFixture(activeFixture);
      await time.increaseTo(f.deadline + 16n * DAY + 1n);
      const doc = await json<{ undelivered: string; refund: string }>("agreements:terminate", { id: "1" });
      expect(doc).to.include({ undelivered: "1000", refund: "0.55" });
      expect(await f.agreements.creditOf(ETH, f.hospital.address)).to.equal(eth(doc.refund));
      await loadFixture(deliveredFixture);
      await refused(
        "agreements:terminate",
        { id: "1", from: HOSPITAL },
        /Agreement 1 is fully delivered: settle it instead \(agreements:settle\)/,
      );
    });
  });

  describe("agreements:settle", () => {
    it("settles once the inspection window has passed, as JSON", async () => {
      const f = await loadFixture(deliveredFixture);
      await refused("agreements:settle", { id: "1" }, /The inspection window of agreement 1 runs until .* UTC/);
      await time.increase(8n * DAY);
      const doc = await json<Record<string, string>>("agreements:settle", { id: "1", from: "Corner Pharmacy" });
      expect(doc).to.include({
        supplierPenalty: "0.015",
        carrierPenalty: "0",
        buyerCredit: "0.015",
        supplierCredit: "0.585",
        carrierCredit: "0.15",
      });
      expect(doc.supplierCredit).to.equal(whole(eth("0.5") + f.terms.supplierCollateral - eth("0.015")));
      expect(doc.carrierCredit).to.equal(whole(FEE + f.terms.carrierCollateral));
      expect(await f.agreements.creditOf(ETH, f.maker.address)).to.equal(eth(doc.supplierCredit));
      expect(await f.agreements.creditOf(ETH, f.carrier.address)).to.equal(eth(doc.carrierCredit));
      expect(await f.agreements.creditOf(ETH, f.hospital.address)).to.equal(eth(doc.buyerCredit));
      await refused(
        "agreements:settle",
        { id: "1" },
        /Agreement 1 is Settled: only active or terminated agreements are settled/,
      );
    });

    it("refuses before everything is delivered, with a claim open, a force-majeure claim pending or goods awaiting return", async () => {
      let f = await loadFixture(activeFixture);
      await refused(
        "agreements:settle",
        { id: "1" },
        /Agreement 1 has 0 of 1,000 units delivered: it settles once all are/,
      );
      await loadFixture(claimedFixture);
      await refused(
        "agreements:settle",
        { id: "1" },
        /Agreement 1 has an open claim for 100 units: it must be ruled first/,
      );
      f = await loadFixture(ruledFixture);
      await time.increase(7n * DAY + 60n);
      await refused("agreements:settle", { id: "1" }, /100 rejected units may come back until .* UTC/);
      f = await loadFixture(deliveredFixture);
      await time.increase(6n * DAY);
      await (await f.agreements.connect(f.carrier).claimForceMajeure(1n, f.terms, documentHash("storm"))).wait();
      await time.increase(2n * DAY);
      await refused(
        "agreements:settle",
        { id: "1" },
        /Swift Cold Chain's force-majeure claim awaits a ruling until .* UTC/,
      );
    });
  });
});
