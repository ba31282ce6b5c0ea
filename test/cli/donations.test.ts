import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import hre, { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { HardhatPluginError } from "hardhat/plugins";
import { formatTime } from "../../scripts/client/codes";
import { sendClient } from "../../scripts/client/task";
import { DAY } from "../../scripts/lib/formation";
import { NeedStatus, OfferStatus, needRequest, offerRef, pledgeRef } from "../../scripts/lib/donations";
import { ShipmentStatus } from "../../scripts/lib/trace";
import { documentHash } from "../../scripts/lib/alliance";
import { MASK_GTIN, MASK_TEXT, json, useCliDeployments } from "../helpers/cliFixture";
import { printed } from "../helpers/tasks";
import { runCommandLine } from "../helpers/commandLine";
import {
  ETH,
  MAX_PRICE,
  NEED_QUANTITY,
  OFFER_PRICE,
  OFFER_QUANTITY,
  acceptedFixture,
  closedFixture,
  ether,
  fundedFixture,
  postedFixture,
  receivedFixture,
  shipMasks,
  shippedFixture,
  tokenFixture,
} from "./donationsFixture";

const HOSPITAL = "7";
const MAKER = "5";
const DISTRIBUTOR = "8";
const PHARMACY = "10";
const CLINIC = "12";
const AGENCY = "13";
const REGULATOR = "1";
const DONOR_A = "14";
const DONOR_B = "15";
const DONOR_C = "16";

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const exact = (text: string) => new RegExp(`^${escape(text)}$`);
const short = (id: string) => `${id.slice(0, 6)}…${id.slice(-4)}`;

/** The task is refused with exactly this sentence (or matching this pattern), as one plugin error. */
async function refused(name: string, args: Record<string, unknown>, message: string | RegExp): Promise<void> {
  await expect(hre.run(name, { json: false, ...args })).to.be.rejectedWith(
    HardhatPluginError,
    typeof message === "string" ? exact(message) : message,
  );
}

describe("CLI: donations", function () {
  this.timeout(120_000);
  useCliDeployments();

  let GOVERNOR = "0";
  before(async () => {
    const f = await loadFixture(postedFixture);
    GOVERNOR = String(f.signers.findIndex((s) => s.address === f.governor.address));
  });

  describe("need", () => {
    it("shows one need with its figures in whole units and its offers; JSON matches the chain", async () => {
      const f = await loadFixture(receivedFixture);
      const text = await printed("need", { id: "1", json: false, all: false });
      expect(text).to.contain(
        `Need 1 (Open): City General Hospital needs 2,000 × ${MASK_TEXT}, urgency 5 of 5, by ${formatTime(f.deadline)}.`,
      );
      expect(text).to.contain("At most 0.0005 ETH a unit; at least 180 days of shelf life left on arrival");
      expect(text).to.contain(
        "Target 1 ETH, raised 1 ETH, reserved 0.54 ETH, released 0 ETH, returned 0 ETH; it lacks 0 ETH.",
      );
      expect(text).to.match(/1 {2}offer {2}Active {2}Northwind Masks +1,200 {2}0\.00045 ETH/);
      const doc = await json<Record<string, unknown> & { offers: Record<string, string>[] }>("need", { id: "1" });
      const view = await f.escrow.need(1n);
      expect(doc).to.include({
        needId: "1",
        status: "Open",
        hospital: "City General Hospital",
        hospitalOrgId: f.orgIds.hospital.toString(),
        gtin: MASK_TEXT,
        quantity: "2000",
        urgency: 5,
        deadline: Number(view.deadline),
        minShelfLifeDays: 180,
        asset: ETH,
        target: "1",
        raised: "1",
        reserved: ethers.formatEther(view.reserved),
        released: "0",
        lacks: "0",
      });
      expect(doc.offers).to.have.length(1);
      expect(doc.offers[0]).to.include({
        offerId: "1",
        kind: "offer",
        status: "Active",
        organisation: "Northwind Masks",
        unitPrice: "0.00045",
        remaining: "1200",
        shipmentRef: offerRef(await f.escrow.getAddress(), 1n),
      });
    });

    it("lists the open needs, or all with --all, and says when none is open", async () => {
      const f = await loadFixture(postedFixture);
      expect(await printed("need", { json: false, all: false })).to.equal("No need is open.");
      const all = await printed("need", { json: false, all: true });
      expect(all).to.match(/1 {2}Posted {2}City General Hospital {2}00614141000029 +2,000 +5 {2}/);
      await (await f.escrow.connect(f.regulators[0]).verifyNeed(1n)).wait();
      const doc = await json<{ needs: { needId: string; status: string; lacks: string }[] }>("need", { all: false });
      expect(await f.escrow.lacks(1n)).to.equal(ether("1"));
      expect(doc.needs).to.deep.equal([{ ...doc.needs[0], needId: "1", status: "Open", lacks: "1" }]);
    });

    it("refuses an unknown or malformed need", async () => {
      await loadFixture(postedFixture);
      await refused("need", { id: "9", all: false }, "Need 9 does not exist: needs run 1 to 1");
      await refused("need", { id: "x", all: false }, 'need "x" is not a need number (1, 2, …)');
    });
  });

  describe("gift", () => {
    it("traces a donor's money to the supplier, the shipment and the receipt, and what came back", async () => {
      const f = await loadFixture(closedFixture);
      const donor = f.donors[0].address;
      await (await f.escrow.connect(f.donors[0]).refund(1n)).wait();
      const text = await printed("gift", { donor, json: false });
      expect(text).to.contain(
        "Need 1 (Closed, City General Hospital, 00614141000029): gave 0.6 ETH of the 1 ETH raised.",
      );
      expect(text).to.contain(
        `0.324 ETH of 0.54 ETH paid to Northwind Masks (offer 1) for 1,200 units of shipment ${short(f.shipmentId)}, received 1,200 on`,
      );
      expect(text).to.contain("Refunded 0.276 ETH, moved to other needs 0 ETH, refundable now 0 ETH.");
      const doc = await json<{ gifts: Record<string, unknown>[] }>("gift", { donor });
      expect(doc.gifts).to.have.length(1);
      expect(doc.gifts[0]).to.include({ needId: "1", given: "0.6", spent: "0.324", refunded: "0.276", held: "0" });
      const releases = doc.gifts[0].releases as Record<string, unknown>[];
      const record = await f.ledger.shipmentState(f.shipmentId);
      expect(releases[0]).to.include({
        offerId: "1",
        supplier: "Northwind Masks",
        shipmentId: f.shipmentId,
        batchId: f.maskBatch,
        quantityPaid: "1200",
        quantityReceived: record.received.toString(),
        receivedAt: Number(record.answeredAt),
        amount: "0.54",
        fromDonor: "0.324",
      });
    });

    it("says when a donor gave nothing, and refuses an unknown organisation", async () => {
      const f = await loadFixture(fundedFixture);
      expect(await printed("gift", { donor: f.donors[3].address, json: false })).to.equal(
        `${f.donors[3].address} has given nothing to any need.`,
      );
      expect(await printed("gift", { donor: "Corner Pharmacy", json: false })).to.equal(
        "Corner Pharmacy has given nothing to any need.",
      );
      await refused(
        "gift",
        { donor: "Nobody Inc" },
        '--donor "Nobody Inc": no organisation of the alliance has that name or id',
      );
    });
  });

  describe("balance", () => {
    it("shows a donor's credit and a supplier's earnings; JSON matches the vaults", async () => {
      const f = await loadFixture(closedFixture);
      const donor = f.donors[1].address;
      const text = await printed("balance", { of: donor, json: false });
      expect(text).to.contain(`DonationEscrow  ${donor}  0.1 ETH   donations:withdraw --asset ETH`);
      const doc = await json<{ balances: Record<string, string>[] }>("balance", { of: donor });
      expect(doc.balances).to.deep.equal([
        { vault: "escrow", account: donor, asset: ETH, assetSymbol: "ETH", amount: "0.1", source: "credit" },
      ]);
      expect(await f.escrow.creditOf(ETH, donor)).to.equal(ether("0.1"));
      const maker = await json<{ balances: Record<string, string>[] }>("balance", { of: "Northwind Masks" });
      expect(maker.balances).to.deep.equal([
        {
          vault: "escrow",
          account: f.account("maker").address,
          asset: ETH,
          assetSymbol: "ETH",
          amount: "0.54",
          source: "earnings of offer 1",
        },
      ]);
    });

    it("reads the agreements vault too, per asset, and says when nothing is withdrawable", async () => {
      const f = await loadFixture(postedFixture);
      expect(await printed("balance", { of: "City General Hospital", json: false })).to.equal(
        "City General Hospital has nothing to withdraw.",
      );
      await (await f.agreements.setAssetApproved(f.token, true)).wait();
      const doc = await json<{ balances: unknown[]; accounts: string[] }>("balance", { of: "City General Hospital" });
      expect(doc.balances).to.deep.equal([]);
      expect(doc.accounts).to.deep.equal([f.account("hospital").address]);
    });
  });

  describe("donations:post-need", () => {
    it("posts a hospital's need from printed codes; JSON matches the chain", async () => {
      const f = await loadFixture(postedFixture);
      const text = await printed("donations:post-need", {
        from: HOSPITAL,
        product: MASK_TEXT,
        quantity: "500",
        urgency: "4",
        deadline: "+14d",
        maxPrice: "0.001",
        shelfLife: "180d",
        details: "500 masks for ward 3",
        json: false,
      });
      expect(text).to.match(
        /^Posted need 2 for City General Hospital: 500 × 00614141000029, urgency 4, by .* UTC, at most 0\.001 ETH a unit \(target 0\.5 ETH\)\./,
      );
      const view = await f.escrow.need(2n);
      expect(view.quantity).to.equal(500n);
      expect(view.minShelfLife).to.equal(180n * DAY);
      expect(view.maxUnitPrice).to.equal(ether("0.001"));
      const doc = await json<Record<string, string>>("donations:post-need", {
        from: AGENCY,
        hospital: "Hillside Rural Clinic",
        product: "protective equipment",
        quantity: "1,000",
        deadline: "+30d",
        maxPrice: "2.5",
        asset: await f.token.getAddress(),
      });
      expect(doc.needId).to.equal("3");
      expect(doc.transaction).to.match(/^0x[0-9a-f]{64}$/);
      const agencyNeed = await f.escrow.need(3n);
      expect(agencyNeed.beneficiaryOrgId).to.equal(f.orgIds.clinic);
      expect(agencyNeed.posterOrgId).to.equal(f.orgIds.agency);
      expect(agencyNeed.maxUnitPrice).to.equal(2_500_000n);
      expect(agencyNeed.gtin).to.equal(0n);
      expect(doc.target).to.equal("2500");
    });

    it("refuses bad input before sending", async () => {
      const f = await loadFixture(postedFixture);
      const base = { from: HOSPITAL, product: MASK_TEXT, quantity: "10", deadline: "+3d", maxPrice: "0.01" };
      await refused(
        "donations:post-need",
        { ...base, deadline: "2020-01-01" },
        /^--deadline 2020-01-01 00:00 UTC is in the past/,
      );
      await refused("donations:post-need", { ...base, deadline: "+400d" }, /^--deadline .* is more than a year ahead/);
      await refused(
        "donations:post-need",
        { ...base, product: "00614141000028" },
        '--product "00614141000028" has a wrong check digit: it ends in 8, the check digit is 9',
      );
      await refused(
        "donations:post-need",
        { ...base, product: "00614141000036" },
        "product 00614141000036 is not an approved product of the catalogue",
      );
      await refused(
        "donations:post-need",
        { ...base, product: "Food" },
        /^--product "Food" is neither a GTIN nor a category/,
      );
      await refused(
        "donations:post-need",
        { ...base, urgency: "6" },
        "--urgency is 1 (routine) to 5 (critical), not 6",
      );
      await refused(
        "donations:post-need",
        { ...base, maxPrice: "0.5.1" },
        '--max-price "0.5.1" is not a number like 12 or 0.5',
      );
      await refused("donations:post-need", { ...base, maxPrice: "0" }, "--max-price must be more than zero");
      await refused("donations:post-need", { ...base, shelfLife: "soon" }, /^--shelf-life "soon" is not a duration/);
      await refused(
        "donations:post-need",
        { ...base, asset: f.address("BatchLedger") },
        `asset ${f.address("BatchLedger")} is not an ERC-20 token (it has no decimals())`,
      );
      await (await f.escrow.setAssetApproved(f.token, false)).wait();
      await refused(
        "donations:post-need",
        { ...base, asset: await f.token.getAddress() },
        `asset RUSD (${await f.token.getAddress()}) is not approved by the governor for donations`,
      );
      await refused(
        "donations:post-need",
        { ...base, hospital: "Hillside Rural Clinic" },
        "City General Hospital may post needs only for itself: it is not the agency",
      );
      await refused(
        "donations:post-need",
        { ...base, from: AGENCY },
        "Relief Agency is not a hospital: name the hospital the need is for with --hospital",
      );
      await refused(
        "donations:post-need",
        { ...base, from: AGENCY, hospital: "Corner Pharmacy" },
        "Corner Pharmacy is not an active hospital: the agency posts needs only for active hospitals",
      );
    });

    it("refuses members that are neither hospital nor agency, and tells the chain's refusal as a sentence", async () => {
      const f = await loadFixture(postedFixture);
      const base = { product: MASK_TEXT, quantity: "10", deadline: "+3d", maxPrice: "0.01" };
      await refused(
        "donations:post-need",
        { ...base, from: PHARMACY },
        "Corner Pharmacy is not admitted as Hospital or Agency: it may not act in the donation escrow",
      );
      await (await f.registry.connect(f.guardian).pause()).wait();
      await refused(
        "donations:post-need",
        { ...base, from: HOSPITAL },
        "Could not post the need: The alliance is paused: no new commitments until the guardians or the governor resume it.",
      );
    });
  });

  describe("donations:verify-need and donations:reject-need", () => {
    it("a regulator verifies a posted need", async () => {
      const f = await loadFixture(postedFixture);
      await refused(
        "donations:verify-need",
        { from: HOSPITAL, need: "1" },
        `Account ${f.account("hospital").address} is not a regulator: only regulators verify needs`,
      );
      const text = await printed("donations:verify-need", { from: REGULATOR, need: "1", json: false });
      expect(text).to.contain(
        `Verified need 1 of City General Hospital: it takes gifts and offers until ${formatTime(f.deadline)} and lacks 1 ETH.`,
      );
      expect(await f.escrow.needStatus(1n)).to.equal(NeedStatus.Open);
      await refused(
        "donations:verify-need",
        { from: REGULATOR, need: "1" },
        "Need 1 is Open: a regulator verifies it only when it is Posted",
      );
      await refused("donations:verify-need", { from: REGULATOR, need: "2" }, "Need 2 does not exist: needs run 1 to 1");
    });

    it("tells a lapsed need's refusal from the chain, and rejects it with reasons", async () => {
      const f = await loadFixture(postedFixture);
      await time.increase(3n * DAY + 60n);
      await refused(
        "donations:verify-need",
        { from: REGULATOR, need: "1" },
        "Need 1 is Lapsed: a regulator verifies it only when it is Posted",
      );
      const client = await sendClient(hre, { from: REGULATOR, json: false });
      await expect(client.send("verify need 1", () => client.escrow.verifyNeed(1n))).to.be.rejectedWith(
        /^Could not verify need 1: .*Lapsed/,
      );
      const doc = await json<Record<string, string>>("donations:reject-need", {
        from: REGULATOR,
        need: "1",
        reason: "no stock figures given",
      });
      expect(doc).to.include({ needId: "1", status: "Rejected", reasonHash: documentHash("no stock figures given") });
      expect(await f.escrow.needStatus(1n)).to.equal(NeedStatus.Rejected);
      await refused(
        "donations:reject-need",
        { from: REGULATOR, need: "1", reason: "x" },
        "Need 1 is Rejected: a regulator rejects it only when it is Posted or Lapsed",
      );
      await refused(
        "donations:reject-need",
        { from: HOSPITAL, need: "1", reason: "x" },
        /is not a regulator: only regulators reject needs$/,
      );
    });
  });

  describe("donations:cancel-need", () => {
    it("the poster cancels; others and a second cancel are refused", async () => {
      const f = await loadFixture(fundedFixture);
      await refused(
        "donations:cancel-need",
        { from: CLINIC, need: "1" },
        "Hillside Rural Clinic did not post need 1 (City General Hospital did): only its poster may cancel it",
      );
      await refused(
        "donations:cancel-need",
        { from: MAKER, need: "1" },
        "Northwind Masks is not admitted as Hospital or Agency: it may not act in the donation escrow",
      );
      const doc = await json<Record<string, string>>("donations:cancel-need", {
        from: HOSPITAL,
        need: "1",
        reason: "stock arrived",
      });
      expect(doc).to.include({ needId: "1", status: "Cancelled" });
      expect(await f.escrow.needStatus(1n)).to.equal(NeedStatus.Cancelled);
      await refused(
        "donations:cancel-need",
        { from: HOSPITAL, need: "1" },
        "Need 1 is Cancelled: its poster may cancel it only when it is Posted, Lapsed or Open",
      );
    });
  });

  describe("donations:donate", () => {
    it("gives ETH, crediting back what the need does not lack", async () => {
      const f = await loadFixture(postedFixture);
      await (await f.escrow.connect(f.regulators[0]).verifyNeed(1n)).wait();
      const text = await printed("donations:donate", { from: DONOR_A, need: "1", amount: "0.25", json: false });
      expect(text).to.contain("Gave 0.25 ETH to need 1 of City General Hospital.");
      const doc = await json<Record<string, string | null>>("donations:donate", {
        from: DONOR_B,
        need: "1",
        amount: "1",
      });
      expect(doc).to.include({
        needId: "1",
        given: "1",
        accepted: "0.75",
        credited: "0.25",
        lacks: "0",
      });
      expect((await f.escrow.giftOf(1n, f.donors[1].address)).given).to.equal(ether("0.75"));
      expect(await f.escrow.creditOf(ETH, f.donors[1].address)).to.equal(ether("0.25"));
    });

    it("gives a token, sending the approval first", async () => {
      const f = await loadFixture(postedFixture);
      await (
        await f.escrow.connect(f.account("hospital")).postNeed(
          needRequest({
            gtin: MASK_GTIN,
            quantity: 100n,
            deadline: f.deadline,
            maxUnitPrice: 2_000_000n,
            asset: await f.token.getAddress(),
          }),
        )
      ).wait();
      await (await f.escrow.connect(f.regulators[0]).verifyNeed(2n)).wait();
      const doc = await json<Record<string, string>>("donations:donate", { from: DONOR_C, need: "2", amount: "12.5" });
      expect(doc.transaction).to.match(/^0x[0-9a-f]{64}$/);
      expect(doc).to.include({ accepted: "12.5", credited: "0" });
      expect((await f.escrow.giftOf(2n, f.donors[2].address)).given).to.equal(12_500_000n);
      expect(await f.token.balanceOf(f.donors[2].address)).to.equal(1_000_000_000n - 12_500_000n);
      const more = await json<Record<string, string>>("donations:donate", { from: DONOR_C, need: "2", amount: "250" });
      expect(more).to.include({ accepted: "187.5", credited: "62.5", lacks: "0" });
      const token = await f.token.getAddress();
      const balance = await json<{ balances: Record<string, string>[] }>("balance", { of: f.donors[2].address });
      expect(balance.balances).to.deep.equal([
        {
          vault: "escrow",
          account: f.donors[2].address,
          asset: token,
          assetSymbol: "RUSD",
          amount: "62.5",
          source: "credit",
        },
      ]);
      expect(await printed("balance", { of: f.donors[2].address, json: false })).to.contain(
        `DonationEscrow  ${f.donors[2].address}  62.5 RUSD  donations:withdraw --asset ${token}`,
      );
      const withdrawn = await json<Record<string, string>>("donations:withdraw", { from: DONOR_C, asset: token });
      expect(withdrawn).to.include({ vault: "escrow", withdrawn: "62.5", asset: token });
      expect(await f.token.balanceOf(f.donors[2].address)).to.equal(1_000_000_000n - 200_000_000n);
      await refused(
        "donations:donate",
        { from: DONOR_C, need: "2", amount: "1.1234567" },
        "--amount 1.1234567 has more than 6 decimal places",
      );
      await refused(
        "donations:donate",
        { from: DONOR_C, need: "2", amount: "5000" },
        `Account ${f.donors[2].address} holds 800 RUSD; 5,000 RUSD is needed to give 5,000 RUSD to need 2`,
      );
    });

    it("refuses a need that is not open, a bad amount, and tells a paused alliance's refusal", async () => {
      const f = await loadFixture(postedFixture);
      await refused(
        "donations:donate",
        { from: DONOR_A, need: "1", amount: "0.1" },
        "Need 1 is Posted: it takes gifts only when it is Open",
      );
      await (await f.escrow.connect(f.regulators[0]).verifyNeed(1n)).wait();
      await refused(
        "donations:donate",
        { from: DONOR_A, need: "1", amount: "-1" },
        '--amount "-1" is not a number like 12 or 0.5',
      );
      await refused("donations:donate", { from: DONOR_A, need: "1", amount: "0" }, "--amount must be more than zero");
      await (await f.registry.connect(f.guardian).pause()).wait();
      await refused(
        "donations:donate",
        { from: DONOR_A, need: "1", amount: "0.1" },
        "Could not give 0.1 ETH to need 1: The alliance is paused: no new commitments until the guardians or the governor resume it.",
      );
    });
  });

  describe("donations:offer, donations:accept-offer, donations:withdraw-offer", () => {
    it("a supplier offers, the hospital accepts; JSON matches the chain", async () => {
      const f = await loadFixture(fundedFixture);
      const text = await printed("donations:offer", {
        from: MAKER,
        need: "1",
        quantity: "1,200",
        price: "0.00045",
        json: false,
      });
      expect(text).to.contain(
        `Northwind Masks offers 1,200 units to need 1 at 0.00045 ETH (offer 1), shipped by ${formatTime(f.deadline)}; City General Hospital must accept it.`,
      );
      expect(text).to.contain(`Ship with reference ${offerRef(await f.escrow.getAddress(), 1n)}.`);
      await refused(
        "donations:accept-offer",
        { from: CLINIC, offer: "1" },
        "Hillside Rural Clinic did not post need 1 (City General Hospital did): only its poster accepts offers",
      );
      const doc = await json<Record<string, string>>("donations:accept-offer", { from: HOSPITAL, offer: "1" });
      expect(doc).to.include({ offerId: "1", needId: "1", reserved: "0.54" });
      const offer = await f.escrow.offer(1n);
      expect(offer.status).to.equal(OfferStatus.Active);
      expect((await f.escrow.need(1n)).reserved).to.equal(OFFER_QUANTITY * OFFER_PRICE);
      await refused(
        "donations:accept-offer",
        { from: HOSPITAL, offer: "1" },
        "Offer 1 is Active: only a proposed offer can be accepted",
      );
      const second = await json<Record<string, string | number>>("donations:offer", {
        from: DISTRIBUTOR,
        need: "1",
        quantity: "800",
        price: "0.0005",
        expires: "+20d",
      });
      expect(second).to.include({ offerId: "2", needId: "1", quantity: "800", unitPrice: "0.0005" });
      const made = await f.escrow.offer(2n);
      expect(made.makerOrgId).to.equal(f.orgIds.distributor);
      expect(made.expiresAt).to.equal(BigInt(second.expiresAt));
      expect(made.status).to.equal(OfferStatus.Proposed);
      await refused(
        "donations:release",
        { offer: "2", shipment: ethers.ZeroHash },
        "Offer 2 is Proposed: money is released only for an accepted offer",
      );
      await refused(
        "donations:accept-offer",
        { from: HOSPITAL, offer: "7" },
        "Offer 7 does not exist: offers and pledges run 1 to 2",
      );
    });

    it("refuses offers the need cannot take and members that may not offer", async () => {
      const f = await loadFixture(fundedFixture);
      await refused(
        "donations:offer",
        { from: PHARMACY, need: "1", quantity: "10", price: "0.0001" },
        "Corner Pharmacy is not admitted as Supplier, Manufacturer or Distributor: it may not act in the donation escrow",
      );
      await refused(
        "donations:offer",
        { from: MAKER, need: "1", quantity: "2,001", price: "0.0001" },
        "Need 1 still needs 2,000 units: an offer of 2,001 is too large",
      );
      await refused(
        "donations:offer",
        { from: MAKER, need: "1", quantity: "10", price: "0.001" },
        "--price 0.001 ETH is above need 1's maximum of 0.0005 ETH a unit",
      );
      await refused(
        "donations:offer",
        { from: MAKER, need: "1", quantity: "10", price: "0.0001", expires: "+90d" },
        /^--expires .* is more than 60 days after the need's deadline/,
      );
      await refused(
        "donations:offer",
        { from: MAKER, need: "1", quantity: "10", price: "0.0001", expires: "2020-01-01" },
        /is in the past/,
      );
      await time.increaseTo(f.deadline + 1n);
      await refused(
        "donations:offer",
        { from: MAKER, need: "1", quantity: "10", price: "0.0001" },
        "Need 1 is Closed: it takes offers only when it is Open",
      );
    });

    it("refuses an acceptance the need's money cannot cover; the maker withdraws its offer", async () => {
      const f = await loadFixture(postedFixture);
      await (await f.escrow.connect(f.regulators[0]).verifyNeed(1n)).wait();
      await (await f.escrow.connect(f.donors[0]).donate(1n, ether("0.1"), { value: ether("0.1") })).wait();
      await (await f.escrow.connect(f.account("maker")).makeOffer(1n, 1_000n, MAX_PRICE, f.deadline)).wait();
      await refused(
        "donations:accept-offer",
        { from: HOSPITAL, offer: "1" },
        "Offer 1 costs 0.5 ETH but need 1 has only 0.1 ETH unreserved",
      );
      await refused(
        "donations:withdraw-offer",
        { from: HOSPITAL, offer: "1" },
        `Offer 1 is Northwind Masks's, made by ${f.account("maker").address}: only its maker may withdraw it`,
      );
      const doc = await json<Record<string, string>>("donations:withdraw-offer", { from: MAKER, offer: "1" });
      expect(doc).to.include({ offerId: "1", status: "Withdrawn" });
      expect((await f.escrow.offer(1n)).status).to.equal(OfferStatus.Withdrawn);
      await refused(
        "donations:withdraw-offer",
        { from: MAKER, offer: "1" },
        "Offer 1 is Withdrawn: only a proposed offer or an active pledge can be withdrawn",
      );
    });
  });

  describe("donations:release and donations:collect", () => {
    it("refuses a shipment not yet received, then releases on the hospital's receipt", async () => {
      const f = await loadFixture(shippedFixture);
      await refused(
        "donations:release",
        { offer: "1", shipment: f.shipmentId },
        `Shipment ${short(f.shipmentId)} is InTransit, not received: no receipt, no money`,
      );
      await (await f.ledger.connect(f.account("hospital")).receiveShipment(f.shipment, 1_000n, true)).wait();
      expect((await f.ledger.shipmentState(f.shipmentId)).status).to.equal(ShipmentStatus.Received);
      const text = await printed("donations:release", {
        from: DONOR_A,
        offer: "1",
        shipment: f.shipmentId,
        json: false,
      });
      expect(text).to.contain(
        "Released 0.45 ETH to Northwind Masks for 1,000 units received by City General Hospital; the supplier collects it with donations:collect --offer 1.",
      );
      expect((await f.escrow.offer(1n)).earned).to.equal(ether("0.45"));
      expect((await f.escrow.offer(1n)).remaining).to.equal(200n);
      await refused(
        "donations:release",
        { offer: "1", shipment: f.shipmentId },
        `Shipment ${short(f.shipmentId)} already counted for a release`,
      );
    });

    it("refuses a shipment for another offer, or between other parties, or unknown", async () => {
      const f = await loadFixture(receivedFixture);
      const other = await shipMasks(f, 10n, offerRef(await f.escrow.getAddress(), 1n), f.orgIds.clinic);
      await refused(
        "donations:release",
        { offer: "1", shipment: other.shipmentId },
        `Shipment ${short(other.shipmentId)} went from Northwind Masks to Hillside Rural Clinic, not from Northwind Masks to City General Hospital`,
      );
      const plain = await shipMasks(f, 10n);
      await refused(
        "donations:release",
        { offer: "1", shipment: plain.shipmentId },
        /^Shipment 0x.* does not name offer 1: it was shipped with reference 0x0000…0000/,
      );
      await refused(
        "donations:release",
        { offer: "1", shipment: ethers.ZeroHash.replace(/0$/, "1") },
        /the ledger has no shipment with this id$/,
      );
      const doc = await json<Record<string, string>>("donations:release", { offer: "1", shipment: f.shipmentId });
      expect(doc).to.include({ offerId: "1", needId: "1", shipmentId: f.shipmentId, quantity: "1200", amount: "0.54" });
    });

    it("tells the chain's refusal of short-dated goods as a sentence", async () => {
      const f = await loadFixture(fundedFixture);
      const hospital = f.account("hospital");
      await (
        await f.escrow.connect(hospital).postNeed(
          needRequest({
            gtin: MASK_GTIN,
            quantity: 10n,
            deadline: f.deadline,
            maxUnitPrice: MAX_PRICE,
            minShelfLife: 1_200n * DAY,
          }),
        )
      ).wait();
      await (await f.escrow.connect(f.regulators[0]).verifyNeed(2n)).wait();
      await (await f.escrow.connect(f.donors[0]).donate(2n, ether("0.005"), { value: ether("0.005") })).wait();
      await (await f.escrow.connect(f.account("maker")).makeOffer(2n, 10n, MAX_PRICE, f.deadline)).wait();
      await (await f.escrow.connect(hospital).acceptOffer(1n)).wait();
      const shipped = await shipMasks(f, 10n, offerRef(await f.escrow.getAddress(), 1n));
      await (await f.ledger.connect(hospital).receiveShipment(shipped.shipment, 10n, true)).wait();
      await refused(
        "donations:release",
        { offer: "1", shipment: shipped.shipmentId },
        /^Could not release offer 1: The batch expires before receipt time plus the need's minimum shelf life/,
      );
    });

    it("the supplier collects its earnings; others and empty offers are refused", async () => {
      const f = await loadFixture(closedFixture);
      await refused(
        "donations:collect",
        { from: HOSPITAL, offer: "1" },
        `Offer 1 is not the sender's: it was made by ${f.account("maker").address} of Northwind Masks`,
      );
      const maker = f.account("maker").address;
      const before = await ethers.provider.getBalance(maker);
      const doc = await json<Record<string, string>>("donations:collect", { from: MAKER, offer: "1" });
      expect(doc).to.include({ offerId: "1", account: maker, collected: "0.54" });
      const receipt = await ethers.provider.getTransactionReceipt(doc.transaction);
      expect(await ethers.provider.getBalance(maker)).to.equal(
        before + ether("0.54") - receipt!.gasUsed * receipt!.gasPrice,
      );
      await refused("donations:collect", { from: MAKER, offer: "1" }, "Offer 1 has no released money to collect");
    });
  });

  describe("donations:close-offer", () => {
    it("only the maker closes before expiry + 14 days; then anyone; the reservation goes back", async () => {
      const f = await loadFixture(acceptedFixture);
      await refused(
        "donations:close-offer",
        { from: HOSPITAL, offer: "1" },
        `Offer 1 is not the sender's: only its maker may close it before ${formatTime(f.deadline + 14n * DAY)}`,
      );
      await time.increaseTo(f.deadline + 14n * DAY + 1n);
      const text = await printed("donations:close-offer", { from: HOSPITAL, offer: "1", json: false });
      expect(text).to.contain("Closed offer 1: 1,200 undelivered units and 0.54 ETH go back to need 1.");
      expect((await f.escrow.need(1n)).reserved).to.equal(0n);
      await refused(
        "donations:close-offer",
        { from: MAKER, offer: "1" },
        "Offer 1 is Closed: only an accepted offer can be closed",
      );
    });

    it("the maker closes at any time (JSON)", async () => {
      const f = await loadFixture(acceptedFixture);
      const doc = await json<Record<string, string>>("donations:close-offer", { from: MAKER, offer: "1" });
      expect(doc).to.include({ offerId: "1", needId: "1", freedQuantity: "1200", freed: "0.54" });
      expect((await f.escrow.offer(1n)).status).to.equal(OfferStatus.Closed);
    });
  });

  describe("donations:pledge", () => {
    it("a holder pledges goods; their receipt counts in kind", async () => {
      const f = await loadFixture(fundedFixture);
      await refused(
        "donations:pledge",
        { from: DONOR_A, need: "1", quantity: "10" },
        `account ${f.donors[0].address} belongs to no organisation of the alliance`,
      );
      const doc = await json<Record<string, string>>("donations:pledge", { from: MAKER, need: "1", quantity: "300" });
      expect(doc).to.include({
        pledgeId: "1",
        needId: "1",
        quantity: "300",
        shipmentRef: pledgeRef(await f.escrow.getAddress(), 1n),
      });
      await refused(
        "donations:accept-offer",
        { from: HOSPITAL, offer: "1" },
        "Offer 1 is a pledge: pledges need no acceptance (the hospital's receipt is enough)",
      );
      const shipped = await shipMasks(f, 300n, doc.shipmentRef);
      await (await f.ledger.connect(f.account("hospital")).receiveShipment(shipped.shipment, 300n, true)).wait();
      const text = await printed("donations:release", { offer: "1", shipment: shipped.shipmentId, json: false });
      expect(text).to.contain("Recorded 300 units received in kind from Northwind Masks for need 1.");
      expect((await f.escrow.need(1n)).inKind).to.equal(300n);
      expect(await f.escrow.inKindGivenBy(f.orgIds.maker)).to.equal(300n);
    });
  });

  describe("donations:refund, donations:redirect, donations:withdraw", () => {
    it("a donor takes back its share after the deadline; before, or twice, is refused", async () => {
      const f = await loadFixture(closedFixture);
      await refused(
        "donations:refund",
        { from: DONOR_C, need: "1" },
        `Account ${f.donors[2].address} gave nothing to need 1`,
      );
      const text = await printed("donations:refund", { from: DONOR_A, need: "1", json: false });
      expect(text).to.contain("Took back 0.276 ETH from need 1: your share is settled.");
      expect((await f.escrow.giftOf(1n, f.donors[0].address)).claimed).to.equal(ether("0.276"));
      await refused(
        "donations:refund",
        { from: DONOR_A, need: "1" },
        `Account ${f.donors[0].address} already took back its whole share of need 1`,
      );
      const doc = await json<Record<string, unknown>>("donations:refund", { from: DONOR_B, need: "1" });
      expect(doc).to.include({ refunded: "0.184", settled: true });
    });

    it("refuses a refund while the need is open or all its money is reserved; tells the chain's refusal", async () => {
      const f = await loadFixture(postedFixture);
      await (await f.escrow.connect(f.regulators[0]).verifyNeed(1n)).wait();
      await (await f.escrow.connect(f.donors[0]).donate(1n, ether("1"), { value: ether("1") })).wait();
      await refused(
        "donations:refund",
        { from: DONOR_A, need: "1" },
        "Need 1 is Open: donors take money back only when it is Closed or Cancelled",
      );
      await (await f.escrow.connect(f.account("maker")).makeOffer(1n, NEED_QUANTITY, MAX_PRICE, f.deadline)).wait();
      await (await f.escrow.connect(f.account("hospital")).acceptOffer(1n)).wait();
      await time.increaseTo(f.deadline + 1n);
      await refused(
        "donations:refund",
        { from: DONOR_A, need: "1" },
        "Nothing to take back from need 1 now: 1 ETH is reserved for accepted offers until they are delivered or closed",
      );
      const client = await sendClient(hre, { from: DONOR_A, json: false });
      await expect(client.send("take back the share of need 1", () => client.escrow.refund(1n))).to.be.rejectedWith(
        `Could not take back the share of need 1: \`account\` has nothing to take back from this need or pool now (\`account\` zero: a pool's share) (id 1, account ${f.donors[0].address}).`,
      );
    });

    it("moves a share of a cancelled need to another open need; refuses another asset", async () => {
      const f = await loadFixture(fundedFixture);
      const hospital = f.account("hospital");
      await (
        await f.escrow
          .connect(hospital)
          .postNeed(needRequest({ gtin: MASK_GTIN, quantity: 1_000n, deadline: f.deadline, maxUnitPrice: MAX_PRICE }))
      ).wait();
      await (
        await f.escrow.connect(hospital).postNeed(
          needRequest({
            gtin: MASK_GTIN,
            quantity: 10n,
            deadline: f.deadline,
            maxUnitPrice: 1n,
            asset: await f.token.getAddress(),
          }),
        )
      ).wait();
      await (await f.escrow.connect(f.regulators[0]).verifyNeed(2n)).wait();
      const verified = await json<Record<string, string>>("donations:verify-need", { from: REGULATOR, need: "3" });
      expect(verified).to.include({ needId: "3", status: "Open" });
      expect(verified.transaction).to.match(/^0x[0-9a-f]{64}$/);
      expect(await f.escrow.needStatus(3n)).to.equal(NeedStatus.Open);
      await refused(
        "donations:redirect",
        { from: DONOR_A, need: "1", to: "2" },
        "Need 1 is Open: donors move money out of it only when it is Closed or Cancelled",
      );
      await (await f.escrow.connect(hospital).cancelNeed(1n, ethers.ZeroHash)).wait();
      await refused(
        "donations:redirect",
        { from: DONOR_A, need: "1", to: "3" },
        "Need 1 is in ETH and need 3 in RUSD: money moves only within one asset",
      );
      await refused(
        "donations:redirect",
        { from: DONOR_A, need: "1", to: "1" },
        "--to is need 1 itself: name another open need",
      );
      await refused(
        "donations:redirect",
        { from: DONOR_C, need: "1", to: "2" },
        `Account ${f.donors[2].address} has nothing to move from need 1`,
      );
      const doc = await json<Record<string, string>>("donations:redirect", { from: DONOR_A, need: "1", to: "2" });
      expect(doc).to.include({ fromNeedId: "1", toNeedId: "2", moved: "0.6", accepted: "0.5", credited: "0.1" });
      expect((await f.escrow.giftOf(2n, f.donors[0].address)).given).to.equal(ether("0.5"));
    });

    it("withdraws a credit from the escrow; nothing to withdraw, or a bad vault, is refused", async () => {
      const f = await loadFixture(fundedFixture);
      const donor = f.donors[1].address;
      const text = await printed("donations:withdraw", { from: DONOR_B, json: false });
      expect(text).to.contain(`Withdrew 0.1 ETH from the donation escrow to ${donor}.`);
      expect(await f.escrow.creditOf(ETH, donor)).to.equal(0n);
      await refused(
        "donations:withdraw",
        { from: DONOR_B },
        `Account ${donor} has no ETH to withdraw from the donation escrow`,
      );
      await refused(
        "donations:withdraw",
        { from: DONOR_B, vault: "agreements" },
        `Account ${donor} has no ETH to withdraw from the supply agreements`,
      );
      await refused(
        "donations:withdraw",
        { from: DONOR_B, vault: "bank" },
        "--vault is escrow or agreements, not bank",
      );
      await refused("donations:withdraw", { from: DONOR_B, asset: "RUSD" }, 'asset "RUSD" is not an account address');
    });
  });

  describe("pool rounds", () => {
    it("the governor opens a round, donors give, the governor allocates, donors take back after the deadline", async () => {
      const f = await loadFixture(fundedFixture);
      const hospital = f.account("hospital");
      await (
        await f.escrow
          .connect(hospital)
          .postNeed(needRequest({ gtin: MASK_GTIN, quantity: 1_000n, deadline: f.deadline, maxUnitPrice: MAX_PRICE }))
      ).wait();
      await (await f.escrow.connect(f.regulators[0]).verifyNeed(2n)).wait();
      await refused(
        "donations:open-pool",
        { from: DONOR_A, deadline: "+7d" },
        `Account ${f.donors[0].address} is not the governor: only the governor opens pool rounds`,
      );
      const opened = await json<Record<string, string>>("donations:open-pool", { from: GOVERNOR, deadline: "+7d" });
      expect(opened.poolId).to.equal("1");
      const gave = await printed("donations:give-to-pool", { from: DONOR_C, pool: "1", amount: "0.8", json: false });
      expect(gave).to.contain("Gave 0.8 ETH to pool round 1.");
      const gaveMore = await json<Record<string, string>>("donations:give-to-pool", {
        from: DONOR_C,
        pool: "1",
        amount: "0.2",
      });
      expect(gaveMore).to.include({ poolId: "1", given: "0.2" });
      expect((await f.escrow.poolGiftOf(1n, f.donors[2].address)).given).to.equal(ether("1"));
      await refused(
        "donations:allocate",
        { from: GOVERNOR, pool: "1", need: "2", amount: "0.7" },
        "Need 2 lacks only 0.5 ETH: allocate at most that",
      );
      await refused(
        "donations:allocate",
        { from: DONOR_A, pool: "1", need: "2", amount: "0.1" },
        /is not the governor: only the governor allocates pool money$/,
      );
      const rec = await json<{ allocations: { need: string; allocate: string }[] }>("pool:recommend", { pool: "1" });
      expect(rec.allocations).to.deep.equal([{ ...rec.allocations[0], need: "2", allocate: ether("0.5").toString() }]);
      const alloc = await json<Record<string, string>>("donations:allocate", {
        from: GOVERNOR,
        pool: "1",
        need: "2",
        amount: "0.5",
      });
      expect(alloc).to.include({ poolId: "1", needId: "2", allocated: "0.5" });
      expect((await f.escrow.poolShareOf(2n, 1n)).given).to.equal(ether("0.5"));
      await refused(
        "donations:pool-refund",
        { from: DONOR_C, pool: "1" },
        /^Pool round 1 runs until .* UTC: refunds start after it$/,
      );
      await (await f.escrow.connect(hospital).cancelNeed(2n, ethers.ZeroHash)).wait();
      const back = await json<Record<string, string>>("donations:return-pool-share", {
        from: DONOR_A,
        pool: "1",
        need: "2",
      });
      expect(back.returned).to.equal("0.5");
      await refused(
        "donations:return-pool-share",
        { pool: "1", need: "2" },
        "Pool round 1 has no share of need 2 to return",
      );
      await time.increase(8n * DAY);
      await refused(
        "donations:give-to-pool",
        { from: DONOR_C, pool: "1", amount: "0.1" },
        /^Pool round 1 closed on .*: it takes no more gifts$/,
      );
      await refused(
        "donations:pool-refund",
        { from: DONOR_A, pool: "1" },
        `Account ${f.donors[0].address} gave nothing to pool round 1`,
      );
      const refund = await json<Record<string, unknown>>("donations:pool-refund", { from: DONOR_C, pool: "1" });
      expect(refund).to.include({ refunded: "1", settled: true });
    });

    it("keeps pool:recommend working through the directory", async () => {
      await loadFixture(fundedFixture);
      const out = await json<{ allocations: unknown[]; left: string }>("pool:recommend", { amount: "5" });
      expect(out).to.deep.include({ allocations: [], left: "5" });
      expect(await printed("pool:recommend", { amount: "5", json: false })).to.contain("Nothing to recommend");
    });
  });
  describe("command lines as typed", () => {
    it("runs the README's examples in one story: post, verify, give, pool, offer, accept, release, collect, refund", async () => {
      const f = await loadFixture(tokenFixture);
      const run = (line: string) => runCommandLine(`npx hardhat ${line} --network localhost`);
      expect(GOVERNOR).to.equal("0");
      expect(
        await run(
          'donations:post-need --product 00614141000029 --quantity 2000 --urgency 5 --deadline +14d --max-price 0.0005 --shelf-life 180d --details "2,000 masks for the outpatient ward" --from "City General Hospital"',
        ),
      ).to.match(/^Posted need 1 for City General Hospital: 2,000 × 00614141000029, urgency 5/);
      expect(await run("donations:verify-need --need 1 --from 1")).to.contain("Verified need 1");
      expect(await run("donations:donate --need 1 --amount 0.5 --from 14")).to.contain("Gave 0.5 ETH to need 1");
      expect(await run("donations:open-pool --asset ETH --deadline +30d --from 0")).to.contain(
        "Opened pool round 1 in ETH",
      );
      expect(await run("donations:give-to-pool --pool 1 --amount 2 --from 16")).to.contain(
        "Gave 2 ETH to pool round 1.",
      );
      expect(await run("pool:recommend --pool 1")).to.contain("allocate to 1 need(s)");
      expect(await run("donations:allocate --pool 1 --need 1 --amount 0.5 --from 0")).to.contain(
        "Allocated 0.5 ETH of pool round 1 to need 1.",
      );
      expect(await run("donations:donate --need 1 --amount 0.1 --from 15")).to.contain("0.1 ETH is credited back");
      expect(await run("donations:withdraw --asset ETH --from 15")).to.contain(
        "Withdrew 0.1 ETH from the donation escrow",
      );
      expect(await run('donations:offer --need 1 --quantity 1200 --price 0.00045 --from "Northwind Masks"')).to.contain(
        "(offer 1)",
      );
      await run('donations:offer --need 1 --quantity 100 --price 0.0005 --from "Northwind Masks"');
      expect(await run('donations:withdraw-offer --offer 2 --from "Northwind Masks"')).to.contain("Withdrew offer 2");
      expect(await run('donations:accept-offer --offer 1 --from "City General Hospital"')).to.contain(
        "Accepted offer 1",
      );
      expect(await run('donations:pledge --need 1 --quantity 300 --from "Harbour Distribution"')).to.contain(
        "(pledge 3)",
      );
      const { shipmentId, shipment } = await shipMasks(f, OFFER_QUANTITY, offerRef(await f.escrow.getAddress(), 1n));
      await (await f.ledger.connect(f.account("hospital")).receiveShipment(shipment, OFFER_QUANTITY, true)).wait();
      expect(await run(`donations:release --offer 1 --shipment ${shipmentId}`)).to.contain(
        "Released 0.54 ETH to Northwind Masks",
      );
      expect(await run('balance --of "Northwind Masks"')).to.contain("0.54 ETH");
      expect(await run('donations:collect --offer 1 --from "Northwind Masks"')).to.contain("Collected 0.54 ETH");
      expect(await run('donations:close-offer --offer 1 --from "Northwind Masks"')).to.contain("Closed offer 1");
      expect(await run("need 1")).to.contain("released 0.54 ETH");
      expect(await run(`gift --donor ${f.donors[0].address}`)).to.contain(
        "0.27 ETH of 0.54 ETH paid to Northwind Masks",
      );
      expect(
        await run('donations:cancel-need --need 1 --reason "stock arrived" --from "City General Hospital"'),
      ).to.contain("Cancelled need 1");
      expect(await run("donations:refund --need 1 --from 14")).to.contain("Took back 0.23 ETH from need 1");
      expect(await run("donations:return-pool-share --pool 1 --need 1")).to.contain(
        "Returned 0.23 ETH of need 1 to pool round 1.",
      );
      expect(await f.escrow.needStatus(1n)).to.equal(NeedStatus.Cancelled);
    });
  });
});
