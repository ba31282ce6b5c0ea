import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { documentHash } from "../../scripts/lib/alliance";
import { DAY } from "../../scripts/lib/formation";
import { companyPrefix, gtin } from "../../scripts/lib/gs1";
import { Category, ProductStatus, productSpec } from "../../scripts/lib/trace";
import { GOWN_TEXT, json, MASK_GTIN, MASK_TEXT, PREFIX_NORTHWIND, useCliDeployments } from "../helpers/cliFixture";
import { printed } from "../helpers/tasks";
import { allianceFixture, clientAs, refused, refuser, GOWN_GTIN, OPERATOR_ACCOUNT } from "./allianceFixture";

const REG_A = "1";
const MAKER = "Northwind Masks";
/** A Northwind product nobody proposed: a cold-chain swab. */
const SWAB_TEXT = "00614141000043";
const SWAB_GTIN = gtin("0061414100004");

const swab = {
  gtin: SWAB_TEXT,
  category: "consumable",
  unit: "ea",
  pack: "100",
  minTemp: "2",
  maxTemp: "8",
  hold: "5d",
  spec: "Swab specification v1",
  specUri: "ipfs://specs/swab",
  from: MAKER,
};
const propose = refuser("catalog:propose", swab);

describe("CLI catalog tasks", () => {
  useCliDeployments();

  describe("product", () => {
    it("shows an approved product by GTIN as printed", async () => {
      await loadFixture(allianceFixture);
      const text = await printed("product", { gtin: MASK_TEXT });
      expect(text).to.include(`Product ${MASK_TEXT}: Approved, made by Northwind Masks`);
      expect(text).to.include("Category: protective equipment");
      expect(text).to.include("Pack: 50 EA");
      expect(text).to.include("Storage: -20 °C to 40 °C");
      expect(text).to.include("Hold period: 14 days for new batches");
      expect(text).to.include(`Specification: ${documentHash(`specification of GTIN ${MASK_GTIN}`)} at ipfs://specs/`);
      expect(text).to.match(/Proposed\s+Northwind Masks/);
      expect(text).to.match(/Approved\s+0x70997970C51812dc3A010C7d01b50e0d17dc79C8/);
    });

    it("reads a product by Digital Link URI as JSON", async () => {
      const f = await loadFixture(allianceFixture);
      const p = await json<Record<string, unknown>>("product", {
        gtin: `https://id.example.org/01/${GOWN_TEXT}/10/LOT1`,
      });
      expect(p).to.include({
        gtin: GOWN_TEXT,
        status: "Proposed",
        makerOrgId: Number(f.orgIds.maker),
        maker: MAKER,
        category: "protective equipment",
        deviceClass: null,
        unitOfMeasure: "EA",
        packSize: 10,
        minTemperature: -20,
        maxTemperature: 40,
        holdPeriod: 14 * 86_400,
        certificateHash: null,
      });
      expect((p.history as unknown[]).length).to.equal(1);
    });

    it("refuses unknown products and bad check digits", async () => {
      await loadFixture(allianceFixture);
      await refused("product", { gtin: SWAB_TEXT }, new RegExp(`There is no product ${SWAB_TEXT} in the catalog`));
      await refused(
        "product",
        { gtin: "00614141000044" },
        /has a wrong check digit: it ends in 4, the check digit is 3/,
      );
    });
  });

  describe("catalog:propose", () => {
    it("proposes a product (sentences) that the catalog then holds", async () => {
      const f = await loadFixture(allianceFixture);
      expect(await printed("catalog:propose", swab)).to.equal(
        `Northwind Masks proposed product ${SWAB_TEXT} (consumable, packs of 100 EA, 2 °C to 8 °C, hold 5 days); ` +
          "it awaits a regulator's approval.",
      );
      const view = await f.catalog.product(SWAB_GTIN);
      expect([view.status, view.category, view.packSize, view.minTemperature, view.maxTemperature]).to.deep.equal([
        BigInt(ProductStatus.Proposed),
        BigInt(Category.Consumable),
        100n,
        20n,
        80n,
      ]);
      expect(view.holdPeriod).to.equal(5n * DAY);
      expect(view.specHash).to.equal(documentHash("Swab specification v1"));
    });

    it("proposes a device with its class from an operator's account as JSON, hold defaulting to the floor", async () => {
      const f = await loadFixture(allianceFixture);
      const result = await json<Record<string, unknown>>("catalog:propose", {
        ...swab,
        category: "Device",
        deviceClass: "iib",
        minTemp: "-20.5",
        maxTemp: "25",
        hold: undefined,
        from: String(OPERATOR_ACCOUNT),
      });
      expect(result).to.include({
        gtin: SWAB_TEXT,
        makerOrgId: 1,
        companyPrefix: "0614141",
        category: "device",
        deviceClass: "IIb",
        minTemperature: -20.5,
        proposedHoldPeriod: 7 * 86_400,
      });
      expect(result.transaction).to.match(/^0x[0-9a-f]{64}$/);
      const view = await f.catalog.product(SWAB_GTIN);
      expect([view.deviceClass, view.minTemperature]).to.deep.equal([3n, -205n]);
    });

    it("notes a proposed hold below the category's floor", async () => {
      await loadFixture(allianceFixture);
      expect(await printed("catalog:propose", { ...swab, hold: "1d" })).to.include(
        "Note: the floor for consumable is 3 days; a regulator approves at least that.",
      );
    });

    it("refuses bad input before sending", async () => {
      await loadFixture(allianceFixture);
      await propose({ gtin: "00614141000044" }, /wrong check digit/);
      await propose({ category: "food" }, /category "food" is not a category/);
      await propose({ category: "device" }, /--device-class \(devices have a class/);
      await propose({ category: "device", deviceClass: "IV" }, /device class "IV" is not a class/);
      await propose({ deviceClass: "I" }, /Only devices have a device class: a consumable has none/);
      await propose({ unit: "each one" }, /unit of measure "each one" is not a UN\/ECE code/);
      await propose({ pack: "0" }, /pack size must be a whole number above zero/);
      await propose({ minTemp: "cold" }, /--min-temp "cold" is not a temperature in °C/);
      await propose({ maxTemp: "4000" }, /--max-temp 4000 °C is outside/);
      await propose({ minTemp: "9" }, /The lowest temperature 9 °C is above the highest 8 °C/);
      await propose({ hold: "soon" }, /--hold "soon" is not a duration/);
      await propose({ spec: undefined }, /--spec \(a file, a text or a 0x hash\) is required/);
    });

    it("refuses another maker's prefix, unknown prefixes and products already in the catalog", async () => {
      await loadFixture(allianceFixture);
      await propose(
        { gtin: "04012345000016" },
        /GTIN 04012345000016 carries a company prefix of MediTech Implants \(\d+\), not of Northwind Masks/,
      );
      await propose(
        { gtin: "00999999000019" },
        /GTIN 00999999000019 does not start with a company prefix of Northwind Masks/,
      );
      await propose({ gtin: MASK_TEXT }, /Product 00614141000029 is already in the catalog \(Approved\)/);
      await propose({ gtin: GOWN_TEXT }, /is already in the catalog \(Proposed\)/);
    });

    it("refuses non-makers, suspended makers, device keys and outsiders", async () => {
      const f = await loadFixture(allianceFixture);
      await propose({ from: "City General" }, /City General Hospital is not admitted as Supplier or Manufacturer/);
      await propose({ from: "27" }, /account 0x[0-9a-fA-F]{40} belongs to no organisation of the alliance/);
      await propose(
        { from: "Acme Gloves" },
        /Acme Gloves is registered: it may not act on the catalog: only makers propose products/,
      );
      await (await f.registry.connect(f.account("maker")).inviteAccount(f.signers[24], 3)).wait();
      await (await f.registry.connect(f.signers[24]).acceptInvitation(f.orgIds.maker)).wait();
      await propose({ from: "24" }, /is a device key of Northwind Masks: it signs readings only/);
      await (
        await f.registry.connect(f.regulators[0]).suspendOrganisation(f.orgIds.maker, documentHash("audit"))
      ).wait();
      await propose({}, /Northwind Masks is suspended: it may not act on the catalog/);
    });

    it("refuses while the alliance is paused", async () => {
      const f = await loadFixture(allianceFixture);
      await (await f.registry.connect(f.guardian).pause()).wait();
      await propose({}, /The alliance is paused: nobody may propose products until it resumes/);
    });

    it("tells the catalog's refusal in words", async () => {
      const f = await loadFixture(allianceFixture);
      const client = await clientAs(f, 5);
      await expect(
        client.send("propose the swab", () =>
          client.catalog.proposeProduct(productSpec(SWAB_GTIN, companyPrefix("4012345"), Category.Consumable)),
        ),
      ).to.be.rejectedWith(
        /Could not propose the swab: The GTIN does not start with the company prefix, or the prefix is not the maker's \(gtin 00614141000043/,
      );
      const hospital = await clientAs(f, 7);
      await expect(
        hospital.send("propose", () =>
          hospital.catalog.proposeProduct(productSpec(SWAB_GTIN, PREFIX_NORTHWIND, Category.Consumable)),
        ),
      ).to.be.rejectedWith(
        /Could not propose: Account 0x[0-9a-fA-F]+ may not do this: .* admitted as Supplier or Manufacturer/,
      );
    });
  });

  describe("catalog:approve", () => {
    it("approves with the proposed hold (sentences), or a longer one (JSON)", async () => {
      const f = await loadFixture(allianceFixture);
      expect(
        await printed("catalog:approve", { gtin: GOWN_TEXT, certificate: "certificate 17", from: REG_A }),
      ).to.equal(`Approved product ${GOWN_TEXT} of Northwind Masks: new batches stay on hold 14 days.`);
      const view = await f.catalog.product(GOWN_GTIN);
      expect([view.status, view.holdPeriod, view.certificateHash]).to.deep.equal([
        BigInt(ProductStatus.Approved),
        14n * DAY,
        documentHash("certificate 17"),
      ]);
    });

    it("re-approves a withdrawn product with a new hold as JSON", async () => {
      const f = await loadFixture(allianceFixture);
      await (await f.catalog.connect(f.regulators[0]).withdrawProduct(MASK_GTIN, documentHash("review"))).wait();
      const result = await json("catalog:approve", {
        gtin: MASK_TEXT,
        certificate: "certificate 2",
        hold: "3w",
        from: "2",
      });
      expect(result).to.include({ gtin: MASK_TEXT, status: "Approved", holdPeriod: 21 * 86_400 });
      expect((await f.catalog.productTerms(MASK_GTIN))[2]).to.equal(21n * DAY);
    });

    it("refuses non-regulators, wrong statuses, holds below the floor and unknown products", async () => {
      await loadFixture(allianceFixture);
      await refused(
        "catalog:approve",
        { gtin: GOWN_TEXT, certificate: "c", from: MAKER },
        /is not a regulator: only regulators approve products/,
      );
      await refused(
        "catalog:approve",
        { gtin: MASK_TEXT, certificate: "c", from: REG_A },
        /Product 00614141000029 is Approved: only proposed or withdrawn products are approved/,
      );
      await refused(
        "catalog:approve",
        { gtin: GOWN_TEXT, certificate: "c", hold: "2d", from: REG_A },
        /Hold period 2 days is below the floor of 14 days for protective equipment/,
      );
      await refused(
        "catalog:approve",
        { gtin: SWAB_TEXT, certificate: "c", from: REG_A },
        /There is no product 00614141000043 in the catalog/,
      );
      await refused(
        "catalog:approve",
        { gtin: GOWN_TEXT, from: REG_A },
        /--certificate \(a file, a text or a 0x hash\) is required/,
      );
    });

    it("tells a hold below the floor in words", async () => {
      const f = await loadFixture(allianceFixture);
      const client = await clientAs(f, 1);
      await expect(
        client.send("approve the gown", () => client.catalog.approveProduct(GOWN_GTIN, documentHash("c"), DAY)),
      ).to.be.rejectedWith(
        /Could not approve the gown: The hold period is below the governor's floor .*\(hold period 86,400, floor 1,209,600\)/,
      );
    });
  });

  describe("catalog:reject and catalog:withdraw", () => {
    it("rejects a proposal (sentences); the maker may propose it again", async () => {
      const f = await loadFixture(allianceFixture);
      expect(await printed("catalog:reject", { gtin: GOWN_TEXT, reason: "incomplete file", from: REG_A })).to.equal(
        `Product ${GOWN_TEXT} of Northwind Masks is Rejected.`,
      );
      expect((await f.catalog.productTerms(GOWN_GTIN))[1]).to.equal(BigInt(ProductStatus.Rejected));
      await refused(
        "catalog:reject",
        { gtin: GOWN_TEXT, reason: "again", from: REG_A },
        /is Rejected: only proposed products are rejected/,
      );
      await json("catalog:propose", { ...swab, gtin: GOWN_TEXT, category: "protective equipment", hold: "14d" });
      expect((await f.catalog.productTerms(GOWN_GTIN))[1]).to.equal(BigInt(ProductStatus.Proposed));
    });

    it("rejects as JSON and refuses non-regulators", async () => {
      await loadFixture(allianceFixture);
      await refused("catalog:reject", { gtin: GOWN_TEXT, reason: "x", from: MAKER }, /only regulators reject products/);
      await refused(
        "catalog:reject",
        { gtin: GOWN_TEXT, from: REG_A },
        /--reason \(a file, a text or a 0x hash\) is required/,
      );
      const result = await json("catalog:reject", { gtin: GOWN_TEXT, reason: "incomplete", from: REG_A });
      expect(result).to.include({ gtin: GOWN_TEXT, status: "Rejected", reasonHash: documentHash("incomplete") });
    });

    it("withdraws an approved product (JSON, then sentences after re-approval) and refuses wrong statuses", async () => {
      const f = await loadFixture(allianceFixture);
      await refused(
        "catalog:withdraw",
        { gtin: MASK_TEXT, reason: "x", from: MAKER },
        /only regulators withdraw products/,
      );
      await refused(
        "catalog:withdraw",
        { gtin: GOWN_TEXT, reason: "x", from: REG_A },
        /is Proposed: only approved products are withdrawn/,
      );
      const result = await json("catalog:withdraw", { gtin: MASK_TEXT, reason: "contamination", from: REG_A });
      expect(result).to.include({ gtin: MASK_TEXT, status: "Withdrawn" });
      expect((await f.catalog.productTerms(MASK_GTIN))[1]).to.equal(BigInt(ProductStatus.Withdrawn));
      await refused(
        "catalog:withdraw",
        { gtin: MASK_TEXT, reason: "x", from: REG_A },
        /is Withdrawn: only approved products are withdrawn/,
      );
      await json("catalog:approve", { gtin: MASK_TEXT, certificate: "c2", from: REG_A });
      expect(await printed("catalog:withdraw", { gtin: MASK_TEXT, reason: "again", from: REG_A })).to.equal(
        `Product ${MASK_TEXT} of Northwind Masks is Withdrawn.`,
      );
      const history = await json<{ history: { event: string }[] }>("product", { gtin: MASK_TEXT });
      expect(history.history.map((h) => h.event)).to.deep.equal([
        "Proposed",
        "Approved",
        "Withdrawn",
        "Approved",
        "Withdrawn",
      ]);
    });
  });
});
