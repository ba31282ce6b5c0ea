import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import {
  GateContext,
  PauseContext,
  RegistryRolesContext,
  shouldBeRestrictedTo,
  shouldBehaveLikeAllianceGated,
  shouldRespectAlliancePause,
} from "../helpers/behaviours";
import { expectNoStateChange } from "../helpers/registry";
import { PREFIX_MAKER, PREFIX_MAKER_2 } from "../helpers/fixtures";
import {
  FABRIC,
  GLOVE,
  GOWN,
  MAKERS,
  MASK,
  MASK_HOLD,
  PREFIX_SUPPLIER,
  REASONS,
  TraceFixture,
  batchRequest,
  productSpec,
  traceFixture,
} from "../helpers/traceFixture";
import { documentHash } from "../../scripts/lib/alliance";
import { DAY } from "../../scripts/lib/formation";
import { gtin } from "../../scripts/lib/gs1";
import {
  Category,
  DEFAULT_HOLD_FLOORS,
  DeviceClass,
  ProductStatus,
  type ProductSpec,
  commission,
  unit,
} from "../../scripts/lib/trace";
import type { ProductCatalog } from "../../typechain-types";

const load = () => loadFixture(traceFixture);

/** A free GTIN under Northwind's prefix, used by the pause suite. */
const CAP = gtin("0061414100004");
/** A device under Northwind's prefix. */
const THERMOMETER = gtin("0061414100005");
const CERTIFICATE = documentHash("registration certificate MA-2025-0042");
const GOWN_SPEC = productSpec(GOWN, Category.ProtectiveEquipment, { proposedHoldPeriod: 21n * DAY });

/** `traceFixture` plus Northwind's gown, proposed and awaiting a regulator. */
async function proposedGownFixture() {
  const f = await traceFixture();
  await (await f.catalog.connect(f.maker).proposeProduct(GOWN_SPEC)).wait();
  return f;
}
const loadProposed = () => loadFixture(proposedGownFixture);

/** `traceFixture` with the mask's approval withdrawn. */
async function withdrawnMaskFixture() {
  const f = await traceFixture();
  await (await f.catalog.connect(f.regulatorA).withdrawProduct(MASK, REASONS)).wait();
  return f;
}

const makerGate = (f: TraceFixture): GateContext => ({
  registry: f.registry,
  regulators: f.regulators,
  member: f.maker,
  outsider: f.hospital,
  applicant: f.applicant,
  freeAccounts: f.freeAccounts,
});

const rolesContext = (f: TraceFixture): RegistryRolesContext => ({
  registry: f.registry,
  governor: f.governor,
  guardian: f.guardian,
  regulators: f.regulators,
  admin: f.maker,
  freeAccounts: f.freeAccounts,
});

/** A product as plain values, for deep equality. */
async function productOf(catalog: ProductCatalog, code: bigint) {
  const p = await catalog.product(code);
  return {
    gtin: p.gtin,
    makerOrgId: p.makerOrgId,
    category: Number(p.category),
    deviceClass: Number(p.deviceClass),
    status: Number(p.status),
    unitOfMeasure: p.unitOfMeasure,
    packSize: p.packSize,
    minTemperature: p.minTemperature,
    maxTemperature: p.maxTemperature,
    holdPeriod: p.holdPeriod,
    specHash: p.specHash,
    certificateHash: p.certificateHash,
  };
}

/** What the view should return for `spec` as proposed by `makerOrgId`. */
function proposedView(spec: ProductSpec, makerOrgId: bigint) {
  return {
    gtin: BigInt(spec.gtin),
    makerOrgId,
    category: Number(spec.category),
    deviceClass: Number(spec.deviceClass),
    status: ProductStatus.Proposed,
    unitOfMeasure: spec.unitOfMeasure,
    packSize: BigInt(spec.packSize),
    minTemperature: BigInt(spec.minTemperature),
    maxTemperature: BigInt(spec.maxTemperature),
    holdPeriod: BigInt(spec.proposedHoldPeriod),
    specHash: spec.specHash,
    certificateHash: ethers.ZeroHash,
  };
}

async function expectProposedEvent(tx: Promise<unknown>, catalog: ProductCatalog, spec: ProductSpec, orgId: bigint) {
  await expect(tx)
    .to.emit(catalog, "ProductProposed")
    .withArgs(
      spec.gtin,
      orgId,
      spec.category,
      spec.deviceClass,
      spec.unitOfMeasure,
      spec.packSize,
      spec.minTemperature,
      spec.maxTemperature,
      spec.proposedHoldPeriod,
      spec.specHash,
      spec.specURI,
    );
}

/** The same GTIN with a wrong check digit. */
function withWrongCheckDigit(code: bigint): bigint {
  return (code / 10n) * 10n + (((code % 10n) + 1n) % 10n);
}

describe("ProductCatalog", () => {
  describe("deployment", () => {
    it("stores the category floors given and announces each with HoldFloorSet from zero", async () => {
      const f = await load();
      const floors: [bigint, bigint, bigint, bigint, bigint] = [1n * DAY, 2n * DAY, 3n * DAY, 4n * DAY, 5n * DAY];
      const catalog = await (await ethers.getContractFactory("ProductCatalog")).deploy(f.registry, floors);
      const deployment = catalog.deploymentTransaction();
      for (const [i, floor] of floors.entries()) {
        await expect(deployment)
          .to.emit(catalog, "HoldFloorSet")
          .withArgs(i + 1, 0, floor);
        expect(await catalog.holdFloor(i + 1)).to.equal(floor);
      }
      expect(await catalog.holdFloor(Category.None)).to.equal(0n);
    });

    it("refuses a zero registry with AllianceRegistryMissing", async () => {
      const factory = await ethers.getContractFactory("ProductCatalog");
      await expect(factory.deploy(ethers.ZeroAddress, DEFAULT_HOLD_FLOORS)).to.be.revertedWithCustomError(
        factory,
        "AllianceRegistryMissing",
      );
    });

    it("reports its version and the registry it asks", async () => {
      const f = await load();
      expect(await f.catalog.version()).to.equal("1.0.0");
      expect(await f.catalog.alliance()).to.equal(await f.registry.getAddress());
    });
  });

  describe("proposeProduct", () => {
    it("registers the product as Proposed for the maker and emits ProductProposed with every field", async () => {
      const f = await load();
      const tx = f.catalog.connect(f.maker).proposeProduct(GOWN_SPEC);
      await expectProposedEvent(tx, f.catalog, GOWN_SPEC, f.makerOrgId);
      expect(await productOf(f.catalog, GOWN)).to.deep.equal(proposedView(GOWN_SPEC, f.makerOrgId));
      expect(await f.catalog.productTerms(GOWN)).to.deep.equal([f.makerOrgId, ProductStatus.Proposed, 21n * DAY]);
      expect(await f.catalog.temperatureRange(GOWN)).to.deep.equal([-200n, 400n]);
    });

    it("registers a device with its risk class", async () => {
      const f = await load();
      const spec = productSpec(THERMOMETER, Category.Device, { deviceClass: DeviceClass.IIa });
      await expectProposedEvent(f.catalog.connect(f.maker).proposeProduct(spec), f.catalog, spec, f.makerOrgId);
      expect(await productOf(f.catalog, THERMOMETER)).to.deep.equal(proposedView(spec, f.makerOrgId));
    });

    it("registers a supplier's product under the supplier's own prefix", async () => {
      const f = await load();
      const code = gtin("0401234500002");
      const spec = productSpec(code, Category.RawMaterial, { companyPrefix: PREFIX_SUPPLIER });
      await expectProposedEvent(f.catalog.connect(f.supplier).proposeProduct(spec), f.catalog, spec, f.supplierOrgId);
      expect((await f.catalog.product(code)).makerOrgId).to.equal(f.supplierOrgId);
    });

    it("accepts a temperature range of a single value and a pack of one", async () => {
      const f = await load();
      const spec = productSpec(GOWN, Category.Drug, { minTemperature: 50, maxTemperature: 50, packSize: 1 });
      await expectProposedEvent(f.catalog.connect(f.maker).proposeProduct(spec), f.catalog, spec, f.makerOrgId);
      expect(await f.catalog.temperatureRange(GOWN)).to.deep.equal([50n, 50n]);
    });

    it("refuses a GTIN with a wrong check digit, zero, or more than 14 digits with CatalogInvalidGtin", async () => {
      const f = await load();
      for (const code of [withWrongCheckDigit(GOWN), 0n, 100614141000036n]) {
        const spec = productSpec(code, Category.ProtectiveEquipment);
        await expect(f.catalog.connect(f.maker).proposeProduct(spec))
          .to.be.revertedWithCustomError(f.catalog, "CatalogInvalidGtin")
          .withArgs(code);
      }
    });

    it("refuses a company prefix that belongs to another organisation with CatalogPrefixNotOwned", async () => {
      const f = await load();
      const code = gtin("0401234500002"); // the supplier's range
      const spec = productSpec(code, Category.ProtectiveEquipment, { companyPrefix: PREFIX_SUPPLIER });
      await expect(f.catalog.connect(f.maker).proposeProduct(spec))
        .to.be.revertedWithCustomError(f.catalog, "CatalogPrefixNotOwned")
        .withArgs(code, PREFIX_SUPPLIER, f.makerOrgId);
    });

    it("refuses a GTIN that does not start with the maker's prefix with CatalogPrefixNotOwned", async () => {
      const f = await load();
      const code = gtin("0401234500002");
      const spec = productSpec(code, Category.ProtectiveEquipment); // prefix: Northwind's own
      await expect(f.catalog.connect(f.maker).proposeProduct(spec))
        .to.be.revertedWithCustomError(f.catalog, "CatalogPrefixNotOwned")
        .withArgs(code, PREFIX_MAKER, f.makerOrgId);
    });

    it("refuses a prefix nobody owns yet (only applied for) and a badly encoded prefix", async () => {
      const f = await load();
      const pending = gtin("0952123400001"); // PREFIX_MAKER_2 is in a pending application
      const badlyEncoded = 614141n; // the digits without the leading 1
      for (const [code, prefix] of [
        [pending, PREFIX_MAKER_2],
        [GOWN, badlyEncoded],
      ]) {
        const spec = productSpec(code, Category.ProtectiveEquipment, { companyPrefix: prefix });
        await expect(f.catalog.connect(f.maker).proposeProduct(spec))
          .to.be.revertedWithCustomError(f.catalog, "CatalogPrefixNotOwned")
          .withArgs(code, prefix, f.makerOrgId);
      }
    });

    it("refuses a GTIN already proposed, approved or withdrawn with CatalogProductExists", async () => {
      const f = await loadFixture(withdrawnMaskFixture);
      await (await f.catalog.connect(f.maker).proposeProduct(GOWN_SPEC)).wait();
      for (const [code, status] of [
        [GOWN, ProductStatus.Proposed],
        [FABRIC, ProductStatus.Approved],
        [MASK, ProductStatus.Withdrawn],
      ]) {
        const spec = productSpec(BigInt(code), Category.ProtectiveEquipment);
        await expect(f.catalog.connect(f.maker).proposeProduct(spec))
          .to.be.revertedWithCustomError(f.catalog, "CatalogProductExists")
          .withArgs(code, status);
      }
    });

    it("refuses category None with CatalogInvalidClassification", async () => {
      const f = await load();
      const spec = productSpec(GOWN, Category.None);
      await expect(f.catalog.connect(f.maker).proposeProduct(spec))
        .to.be.revertedWithCustomError(f.catalog, "CatalogInvalidClassification")
        .withArgs(Category.None, DeviceClass.None);
    });

    it("refuses a device without a risk class with CatalogInvalidClassification", async () => {
      const f = await load();
      const spec = productSpec(THERMOMETER, Category.Device);
      await expect(f.catalog.connect(f.maker).proposeProduct(spec))
        .to.be.revertedWithCustomError(f.catalog, "CatalogInvalidClassification")
        .withArgs(Category.Device, DeviceClass.None);
    });

    it("refuses a risk class for a product that is not a device with CatalogInvalidClassification", async () => {
      const f = await load();
      const spec = productSpec(GOWN, Category.ProtectiveEquipment, { deviceClass: DeviceClass.I });
      await expect(f.catalog.connect(f.maker).proposeProduct(spec))
        .to.be.revertedWithCustomError(f.catalog, "CatalogInvalidClassification")
        .withArgs(Category.ProtectiveEquipment, DeviceClass.I);
    });

    it("refuses a pack size of zero or an empty unit of measure with CatalogInvalidPackaging", async () => {
      const f = await load();
      const zeroPack = productSpec(GOWN, Category.ProtectiveEquipment, { packSize: 0 });
      await expect(f.catalog.connect(f.maker).proposeProduct(zeroPack))
        .to.be.revertedWithCustomError(f.catalog, "CatalogInvalidPackaging")
        .withArgs(unit("EA"), 0);
      const noUnit = productSpec(GOWN, Category.ProtectiveEquipment, { unitOfMeasure: "0x0000000000000000" });
      await expect(f.catalog.connect(f.maker).proposeProduct(noUnit))
        .to.be.revertedWithCustomError(f.catalog, "CatalogInvalidPackaging")
        .withArgs("0x0000000000000000", 50);
    });

    it("refuses a minimum temperature above the maximum with CatalogInvalidTemperatureRange", async () => {
      const f = await load();
      for (const [min, max] of [
        [81, 80],
        [-100, -200],
      ]) {
        const spec = productSpec(GOWN, Category.Drug, { minTemperature: min, maxTemperature: max });
        await expect(f.catalog.connect(f.maker).proposeProduct(spec))
          .to.be.revertedWithCustomError(f.catalog, "CatalogInvalidTemperatureRange")
          .withArgs(min, max);
      }
    });

    it("refuses an empty specification hash with CatalogEmptyHash", async () => {
      const f = await load();
      const spec = productSpec(GOWN, Category.ProtectiveEquipment, { specHash: ethers.ZeroHash });
      await expect(f.catalog.connect(f.maker).proposeProduct(spec)).to.be.revertedWithCustomError(
        f.catalog,
        "CatalogEmptyHash",
      );
    });

    it("leaves no trace when refused", async () => {
      const f = await load();
      const spec = productSpec(GOWN, Category.ProtectiveEquipment, { specHash: ethers.ZeroHash });
      await expectNoStateChange(
        () => f.catalog.productTerms(GOWN),
        async () => {
          await expect(f.catalog.connect(f.maker).proposeProduct(spec)).to.be.reverted;
        },
      );
      await expect(f.catalog.product(GOWN)).to.be.revertedWithCustomError(f.catalog, "CatalogUnknownProduct");
    });

    it("lets the maker propose a rejected product again, replacing the rejected specification", async () => {
      const f = await loadProposed();
      await (await f.catalog.connect(f.regulatorA).rejectProduct(GOWN, REASONS)).wait();
      const revised = productSpec(GOWN, Category.ProtectiveEquipment, {
        proposedHoldPeriod: 28n * DAY,
        packSize: 10,
        specHash: documentHash("gown specification, revision 2"),
        specURI: "ipfs://specs/gown-r2",
      });
      await expectProposedEvent(f.catalog.connect(f.maker).proposeProduct(revised), f.catalog, revised, f.makerOrgId);
      expect(await productOf(f.catalog, GOWN)).to.deep.equal(proposedView(revised, f.makerOrgId));
    });

    describe("gate", () => {
      shouldBehaveLikeAllianceGated({
        load,
        context: makerGate,
        gate: (f) => f.catalog,
        roleMask: MAKERS,
        send: (f, signer) => f.catalog.connect(signer).proposeProduct(GOWN_SPEC),
        whenAccepted: async (f, _signer, tx) => {
          await expectProposedEvent(Promise.resolve(tx), f.catalog, GOWN_SPEC, f.makerOrgId);
          expect((await f.catalog.product(GOWN)).status).to.equal(ProductStatus.Proposed);
        },
      });

      shouldRespectAlliancePause({
        load: loadProposed,
        context: (f): PauseContext => f,
        gate: (f) => f.catalog,
        actor: (f) => f.maker,
        commit: (f, signer) => f.catalog.connect(signer).proposeProduct(productSpec(CAP, Category.ProtectiveEquipment)),
        goesOn: [
          {
            title: "lets a regulator approve a proposed product",
            send: (f) => f.catalog.connect(f.regulatorA).approveProduct(GOWN, CERTIFICATE, 21n * DAY),
          },
          {
            title: "lets a regulator reject a proposed product",
            send: (f) => f.catalog.connect(f.regulatorA).rejectProduct(GOWN, REASONS),
          },
          {
            title: "lets a regulator withdraw a product (a safety action)",
            send: (f) => f.catalog.connect(f.regulatorA).withdrawProduct(MASK, REASONS),
          },
          {
            title: "lets the governor set a hold floor",
            send: (f) => f.catalog.connect(f.governor).setHoldFloor(Category.Drug, 10n * DAY),
          },
        ],
      });
    });
  });

  describe("approveProduct", () => {
    it("approves a proposed product with the regulator's hold period and stores the certificate", async () => {
      const f = await loadProposed();
      await expect(f.catalog.connect(f.regulatorB).approveProduct(GOWN, CERTIFICATE, 30n * DAY))
        .to.emit(f.catalog, "ProductApproved")
        .withArgs(GOWN, f.regulatorB.address, CERTIFICATE, 30n * DAY);
      expect(await productOf(f.catalog, GOWN)).to.deep.equal({
        ...proposedView(GOWN_SPEC, f.makerOrgId),
        status: ProductStatus.Approved,
        holdPeriod: 30n * DAY,
        certificateHash: CERTIFICATE,
      });
      expect(await f.catalog.productTerms(GOWN)).to.deep.equal([f.makerOrgId, ProductStatus.Approved, 30n * DAY]);
    });

    it("refuses a hold period below the category's floor (masks: 14 days) and accepts the floor itself", async () => {
      const f = await loadProposed();
      expect(await f.catalog.holdFloor(Category.ProtectiveEquipment)).to.equal(14n * DAY);
      await expect(f.catalog.connect(f.regulatorA).approveProduct(GOWN, CERTIFICATE, 14n * DAY - 1n))
        .to.be.revertedWithCustomError(f.catalog, "CatalogHoldBelowFloor")
        .withArgs(14n * DAY - 1n, 14n * DAY);
      await expect(f.catalog.connect(f.regulatorA).approveProduct(GOWN, CERTIFICATE, 14n * DAY))
        .to.emit(f.catalog, "ProductApproved")
        .withArgs(GOWN, f.regulatorA.address, CERTIFICATE, 14n * DAY);
    });

    it("checks the floor in force at approval, as the governor last set it", async () => {
      const f = await loadProposed();
      await (await f.catalog.connect(f.governor).setHoldFloor(Category.ProtectiveEquipment, 28n * DAY)).wait();
      await expect(f.catalog.connect(f.regulatorA).approveProduct(GOWN, CERTIFICATE, 21n * DAY))
        .to.be.revertedWithCustomError(f.catalog, "CatalogHoldBelowFloor")
        .withArgs(21n * DAY, 28n * DAY);
    });

    it("approves a withdrawn product again, with a new certificate and hold period", async () => {
      const f = await loadFixture(withdrawnMaskFixture);
      const renewed = documentHash("registration certificate MA-2025-0042, renewed");
      await expect(f.catalog.connect(f.regulatorC).approveProduct(MASK, renewed, 20n * DAY))
        .to.emit(f.catalog, "ProductApproved")
        .withArgs(MASK, f.regulatorC.address, renewed, 20n * DAY);
      const p = await f.catalog.product(MASK);
      expect([p.status, p.certificateHash, p.holdPeriod]).to.deep.equal([ProductStatus.Approved, renewed, 20n * DAY]);
    });

    it("refuses an approved or rejected product with CatalogUnexpectedStatus", async () => {
      const f = await loadProposed();
      await (await f.catalog.connect(f.regulatorA).rejectProduct(GOWN, REASONS)).wait();
      for (const [code, status] of [
        [MASK, ProductStatus.Approved],
        [GOWN, ProductStatus.Rejected],
      ]) {
        await expect(f.catalog.connect(f.regulatorA).approveProduct(code, CERTIFICATE, MASK_HOLD))
          .to.be.revertedWithCustomError(f.catalog, "CatalogUnexpectedStatus")
          .withArgs(code, status);
      }
    });

    it("refuses an unknown GTIN with CatalogUnknownProduct", async () => {
      const f = await load();
      await expect(f.catalog.connect(f.regulatorA).approveProduct(CAP, CERTIFICATE, MASK_HOLD))
        .to.be.revertedWithCustomError(f.catalog, "CatalogUnknownProduct")
        .withArgs(CAP);
    });

    it("refuses an empty certificate hash with CatalogEmptyHash", async () => {
      const f = await loadProposed();
      await expect(
        f.catalog.connect(f.regulatorA).approveProduct(GOWN, ethers.ZeroHash, 21n * DAY),
      ).to.be.revertedWithCustomError(f.catalog, "CatalogEmptyHash");
    });

    shouldBeRestrictedTo("regulator", {
      load: loadProposed,
      context: rolesContext,
      errorsFrom: (f) => f.catalog,
      send: (f, signer) => f.catalog.connect(signer).approveProduct(GOWN, CERTIFICATE, 21n * DAY),
    });
  });

  describe("rejectProduct", () => {
    it("rejects a proposed product and emits ProductRejected with the reasons", async () => {
      const f = await loadProposed();
      await expect(f.catalog.connect(f.regulatorA).rejectProduct(GOWN, REASONS))
        .to.emit(f.catalog, "ProductRejected")
        .withArgs(GOWN, f.regulatorA.address, REASONS);
      expect(await f.catalog.productTerms(GOWN)).to.deep.equal([f.makerOrgId, ProductStatus.Rejected, 21n * DAY]);
      expect((await f.catalog.product(GOWN)).certificateHash).to.equal(ethers.ZeroHash);
    });

    it("refuses a product that is not Proposed with CatalogUnexpectedStatus", async () => {
      const f = await loadProposed();
      await (await f.catalog.connect(f.regulatorA).rejectProduct(GOWN, REASONS)).wait();
      for (const [code, status] of [
        [MASK, ProductStatus.Approved],
        [GOWN, ProductStatus.Rejected],
      ]) {
        await expect(f.catalog.connect(f.regulatorA).rejectProduct(code, REASONS))
          .to.be.revertedWithCustomError(f.catalog, "CatalogUnexpectedStatus")
          .withArgs(code, status);
      }
    });

    it("refuses an unknown GTIN with CatalogUnknownProduct and empty reasons with CatalogEmptyHash", async () => {
      const f = await loadProposed();
      await expect(f.catalog.connect(f.regulatorA).rejectProduct(CAP, REASONS))
        .to.be.revertedWithCustomError(f.catalog, "CatalogUnknownProduct")
        .withArgs(CAP);
      await expect(f.catalog.connect(f.regulatorA).rejectProduct(GOWN, ethers.ZeroHash)).to.be.revertedWithCustomError(
        f.catalog,
        "CatalogEmptyHash",
      );
    });

    shouldBeRestrictedTo("regulator", {
      load: loadProposed,
      context: rolesContext,
      errorsFrom: (f) => f.catalog,
      send: (f, signer) => f.catalog.connect(signer).rejectProduct(GOWN, REASONS),
    });
  });

  describe("withdrawProduct", () => {
    it("withdraws an approved product and emits ProductWithdrawn with the reasons", async () => {
      const f = await load();
      await expect(f.catalog.connect(f.regulatorB).withdrawProduct(MASK, REASONS))
        .to.emit(f.catalog, "ProductWithdrawn")
        .withArgs(MASK, f.regulatorB.address, REASONS);
      expect(await f.catalog.productTerms(MASK)).to.deep.equal([f.makerOrgId, ProductStatus.Withdrawn, MASK_HOLD]);
    });

    it("stops new batches (LedgerProductNotApproved) while existing batches stay as they were", async () => {
      const f = await load();
      const existing = await commission(f.ledger, f.maker, await batchRequest(MASK, "MK-BEFORE"));
      await (await f.catalog.connect(f.regulatorA).withdrawProduct(MASK, REASONS)).wait();
      await expect(f.ledger.connect(f.maker).commission(await batchRequest(MASK, "MK-AFTER")))
        .to.be.revertedWithCustomError(f.ledger, "LedgerProductNotApproved")
        .withArgs(MASK, ProductStatus.Withdrawn);
      expect(await f.ledger.holdingOf(existing, f.makerOrgId)).to.equal(10_000n);
      expect((await f.ledger.batch(existing)).gtin).to.equal(MASK);
    });

    it("lets batches be commissioned again once a regulator approves the product again", async () => {
      const f = await loadFixture(withdrawnMaskFixture);
      await (await f.catalog.connect(f.regulatorA).approveProduct(MASK, CERTIFICATE, MASK_HOLD)).wait();
      await expect(f.ledger.connect(f.maker).commission(await batchRequest(MASK, "MK-AGAIN"))).to.emit(
        f.ledger,
        "BatchCommissioned",
      );
    });

    it("refuses a product that is not Approved with CatalogUnexpectedStatus", async () => {
      const f = await loadFixture(withdrawnMaskFixture);
      await (await f.catalog.connect(f.maker).proposeProduct(GOWN_SPEC)).wait();
      for (const [code, status] of [
        [GOWN, ProductStatus.Proposed],
        [MASK, ProductStatus.Withdrawn],
      ]) {
        await expect(f.catalog.connect(f.regulatorA).withdrawProduct(code, REASONS))
          .to.be.revertedWithCustomError(f.catalog, "CatalogUnexpectedStatus")
          .withArgs(code, status);
      }
    });

    it("refuses an unknown GTIN with CatalogUnknownProduct and empty reasons with CatalogEmptyHash", async () => {
      const f = await load();
      await expect(f.catalog.connect(f.regulatorA).withdrawProduct(CAP, REASONS))
        .to.be.revertedWithCustomError(f.catalog, "CatalogUnknownProduct")
        .withArgs(CAP);
      await expect(
        f.catalog.connect(f.regulatorA).withdrawProduct(MASK, ethers.ZeroHash),
      ).to.be.revertedWithCustomError(f.catalog, "CatalogEmptyHash");
    });

    shouldBeRestrictedTo("regulator", {
      load,
      context: rolesContext,
      errorsFrom: (f) => f.catalog,
      send: (f, signer) => f.catalog.connect(signer).withdrawProduct(MASK, REASONS),
    });
  });

  describe("setHoldFloor", () => {
    it("sets a category's floor and emits HoldFloorSet with the previous and the new floor", async () => {
      const f = await load();
      await expect(f.catalog.connect(f.governor).setHoldFloor(Category.ProtectiveEquipment, 21n * DAY))
        .to.emit(f.catalog, "HoldFloorSet")
        .withArgs(Category.ProtectiveEquipment, 14n * DAY, 21n * DAY);
      expect(await f.catalog.holdFloor(Category.ProtectiveEquipment)).to.equal(21n * DAY);
      expect(await f.catalog.holdFloor(Category.Drug)).to.equal(DEFAULT_HOLD_FLOORS[0]);
    });

    it("leaves products already approved with their hold period", async () => {
      const f = await load();
      await (await f.catalog.connect(f.governor).setHoldFloor(Category.ProtectiveEquipment, 30n * DAY)).wait();
      expect((await f.catalog.product(MASK)).holdPeriod).to.equal(MASK_HOLD);
    });

    it("lets a lowered floor (even zero) admit a shorter hold period", async () => {
      const f = await loadProposed();
      await expect(f.catalog.connect(f.governor).setHoldFloor(Category.ProtectiveEquipment, 0))
        .to.emit(f.catalog, "HoldFloorSet")
        .withArgs(Category.ProtectiveEquipment, 14n * DAY, 0);
      await expect(f.catalog.connect(f.regulatorA).approveProduct(GOWN, CERTIFICATE, 0))
        .to.emit(f.catalog, "ProductApproved")
        .withArgs(GOWN, f.regulatorA.address, CERTIFICATE, 0);
    });

    it("refuses category None with CatalogInvalidClassification", async () => {
      const f = await load();
      await expect(f.catalog.connect(f.governor).setHoldFloor(Category.None, DAY))
        .to.be.revertedWithCustomError(f.catalog, "CatalogInvalidClassification")
        .withArgs(Category.None, DeviceClass.None);
    });

    shouldBeRestrictedTo("governor", {
      load,
      context: rolesContext,
      errorsFrom: (f) => f.catalog,
      send: (f, signer) => f.catalog.connect(signer).setHoldFloor(Category.Drug, 10n * DAY),
    });
  });

  describe("views", () => {
    it("product and temperatureRange refuse an unknown GTIN with CatalogUnknownProduct", async () => {
      const f = await load();
      await expect(f.catalog.product(CAP))
        .to.be.revertedWithCustomError(f.catalog, "CatalogUnknownProduct")
        .withArgs(CAP);
      await expect(f.catalog.temperatureRange(CAP))
        .to.be.revertedWithCustomError(f.catalog, "CatalogUnknownProduct")
        .withArgs(CAP);
    });

    it("productTerms answers zeros and status None for an unknown GTIN instead of reverting", async () => {
      const f = await load();
      expect(await f.catalog.productTerms(CAP)).to.deep.equal([0n, ProductStatus.None, 0n]);
    });

    it("product returns every field of an approved product", async () => {
      const f = await load();
      const certificate = documentHash(`registration certificate for GTIN ${MASK}`); // as approveProduct() files it
      expect(await productOf(f.catalog, MASK)).to.deep.equal({
        ...proposedView(f.maskSpec, f.makerOrgId),
        status: ProductStatus.Approved,
        certificateHash: certificate,
      });
      expect(await f.catalog.productTerms(GLOVE)).to.deep.equal([f.supplierOrgId, ProductStatus.Approved, 3n * DAY]);
    });

    it("temperatureRange returns the allowed range in tenths of a degree", async () => {
      const f = await load();
      const spec = productSpec(CAP, Category.Drug, { minTemperature: 20, maxTemperature: 80 }); // 2-8 °C
      await (await f.catalog.connect(f.maker).proposeProduct(spec)).wait();
      expect(await f.catalog.temperatureRange(CAP)).to.deep.equal([20n, 80n]);
    });

    it("holdFloor returns the default floor of every category and zero for None", async () => {
      const f = await load();
      for (const [i, floor] of DEFAULT_HOLD_FLOORS.entries()) expect(await f.catalog.holdFloor(i + 1)).to.equal(floor);
      expect(await f.catalog.holdFloor(Category.None)).to.equal(0n);
    });
  });
});
