import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { DeviceOrderBook__factory } from "../../typechain-types";
import { directoryName } from "../../scripts/lib/alliance";
import { OrderRecordKind, OrderStatus } from "../../scripts/lib/orders";
import { Category, ProductStatus } from "../../scripts/lib/trace";
import { shouldBehaveLikeAllianceGated, shouldRespectAlliancePause } from "../helpers/behaviours";
import { suspend } from "../helpers/registry";
import { GLOVE, MASK, REASONS, timestampOf } from "../helpers/traceFixture";
import {
  CANCELLATION,
  CERTIFICATE,
  HIP,
  HOSPITAL,
  INSTALLATION,
  KNEE,
  type OrdersFixture,
  PATIENT,
  REQUIREMENTS,
  SERVICE,
  UNIT,
  WINDOW,
  expectOrderRecord,
  installedFixture,
  kneeDesign,
  kneeOrder,
  orderAsEventArg,
  orderFieldsOf,
  ordersFixture,
  placedData,
  receivedFixture,
} from "./ordersFixture";

describe("DeviceOrderBook: deployment and placing orders", () => {
  const load = () => loadFixture(ordersFixture);

  describe("deployment", () => {
    it("wires the ledger, its registry and catalog, the window, the bound and the version", async () => {
      const f = await load();
      expect(await f.book.ledger()).to.equal(await f.ledger.getAddress());
      expect(await f.book.alliance()).to.equal(await f.registry.getAddress());
      expect(await f.book.catalog()).to.equal(await f.catalog.getAddress());
      expect(await f.book.complianceWindow()).to.equal(WINDOW);
      expect(await f.book.MAX_RAW_MATERIALS()).to.equal(16n);
      expect(await f.book.orderCount()).to.equal(0n);
      expect(await f.book.version()).to.equal("1.0.0");
      expect(await f.registry.directory(directoryName("DeviceOrderBook"))).to.equal(await f.book.getAddress());
      expect(await f.ledger.isModule(f.book)).to.equal(false);
    });

    it("refuses a zero ledger with OrdersZeroAddress", async () => {
      const f = await load();
      const factory = new DeviceOrderBook__factory(f.governor);
      await expect(factory.deploy(ethers.ZeroAddress, WINDOW)).to.be.revertedWithCustomError(
        factory,
        "OrdersZeroAddress",
      );
    });

    it("refuses a zero compliance window with OrdersInvalidComplianceWindow, accepts one second", async () => {
      const f = await load();
      const factory = new DeviceOrderBook__factory(f.governor);
      await expect(factory.deploy(f.ledger, 0))
        .to.be.revertedWithCustomError(factory, "OrdersInvalidComplianceWindow")
        .withArgs(0);
      expect(await (await factory.deploy(f.ledger, 1)).complianceWindow()).to.equal(1n);
    });
  });

  describe("place", () => {
    it("places order 1: returns its id, emits OrderPlaced and the Placed record, stores the order", async () => {
      const f = await load();
      const request = kneeOrder(f.makerOrgId);
      expect(await f.book.connect(f.hospital).place.staticCall(request)).to.equal(1n);
      const tx = await expectOrderRecord(
        f.book,
        () => f.book.connect(f.hospital).place(request),
        1n,
        f.hospital.address,
        OrderRecordKind.Placed,
        placedData(f.hospitalOrgId, request),
      );
      const placedAt = await timestampOf(tx);
      await expect(tx)
        .to.emit(f.book, "OrderPlaced")
        .withArgs(1n, f.hospitalOrgId, f.makerOrgId, f.hospital.address, orderAsEventArg(request));
      const [head, count] = await f.book.historyOf(1n);
      expect(count).to.equal(1n);
      expect(await orderFieldsOf(f.book, 1n)).to.deep.equal({
        gtin: KNEE,
        hospitalOrgId: f.hospitalOrgId,
        manufacturerOrgId: f.makerOrgId,
        status: OrderStatus.Placed,
        placedAt,
        producedAt: 0n,
        complianceDeadline: 0n,
        batchId: ethers.ZeroHash,
        unitIndex: 0n,
        head,
        recordCount: 1n,
      });
      expect(await f.book.orderCount()).to.equal(1n);
      expect(await f.book.exists(1n)).to.equal(true);
      expect(await f.book.statusOf(1n)).to.equal(OrderStatus.Placed);
    });

    it("numbers orders sequentially, also across hospitals", async () => {
      const f = await load();
      await (await f.book.connect(f.hospital).place(kneeOrder(f.makerOrgId))).wait();
      expect(await f.book.connect(f.hospital2).place.staticCall(kneeOrder(f.makerOrgId))).to.equal(2n);
      await (await f.book.connect(f.hospital2).place(kneeOrder(f.makerOrgId))).wait();
      expect((await f.book.orderOf(2n)).hospitalOrgId).to.equal(f.hospital2OrgId);
      expect(await f.book.orderCount()).to.equal(2n);
    });

    it("accepts another manufacturer's own device", async () => {
      const f = await load();
      await (await f.book.connect(f.hospital).place(kneeOrder(f.otherMakerOrgId, { gtin: HIP }))).wait();
      expect((await f.book.orderOf(1n)).manufacturerOrgId).to.equal(f.otherMakerOrgId);
    });

    it("answers an unknown order with zeros and status None, without reverting", async () => {
      const f = await load();
      expect(await f.book.exists(7n)).to.equal(false);
      expect(await f.book.statusOf(7n)).to.equal(OrderStatus.None);
      expect(await f.book.historyOf(7n)).to.deep.equal([ethers.ZeroHash, 0n]);
      expect((await orderFieldsOf(f.book, 7n)).status).to.equal(OrderStatus.None);
      expect(await f.book.orderOfUnit(f.kneeId, 0n)).to.equal(0n);
    });

    it("names the order in its shipment ref: keccak256(abi.encode(book, orderId))", async () => {
      const f = await load();
      const expected = ethers.keccak256(
        ethers.AbiCoder.defaultAbiCoder().encode(["address", "uint256"], [await f.book.getAddress(), 3n]),
      );
      expect(await f.book.shipmentRefOf(3n)).to.equal(expected);
    });

    it("refuses a manufacturer that is not Active as MANUFACTURER with OrdersInvalidManufacturer", async () => {
      const f = await load();
      // The supplier is Active, but as SUPPLIER; 999 is no organisation; the carrier is LOGISTICS.
      for (const orgId of [f.supplierOrgId, 999n, f.carrierOrgId]) {
        await expect(f.book.connect(f.hospital).place(kneeOrder(orgId)))
          .to.be.revertedWithCustomError(f.book, "OrdersInvalidManufacturer")
          .withArgs(orgId);
      }
    });

    it("refuses a suspended manufacturer with OrdersInvalidManufacturer", async () => {
      const f = await load();
      await suspend(f.registry, f.regulatorA, f.makerOrgId);
      await expect(f.book.connect(f.hospital).place(kneeOrder(f.makerOrgId)))
        .to.be.revertedWithCustomError(f.book, "OrdersInvalidManufacturer")
        .withArgs(f.makerOrgId);
    });

    it("refuses a product that is not the manufacturer's approved device with OrdersProductNotOrderable", async () => {
      const f = await load();
      const cases: [bigint, bigint, Category, ProductStatus][] = [
        [MASK, f.makerOrgId, Category.ProtectiveEquipment, ProductStatus.Approved], // not a device
        [HIP, f.otherMakerOrgId, Category.Device, ProductStatus.Approved], // another maker's device
        [GLOVE, f.supplierOrgId, Category.Consumable, ProductStatus.Approved],
      ];
      for (const [code, makerOrgId, category, status] of cases) {
        await expect(f.book.connect(f.hospital).place(kneeOrder(f.makerOrgId, { gtin: code })))
          .to.be.revertedWithCustomError(f.book, "OrdersProductNotOrderable")
          .withArgs(code, f.makerOrgId, makerOrgId, category, status);
      }
    });

    it("refuses a withdrawn device with OrdersProductNotOrderable", async () => {
      const f = await load();
      await (await f.catalog.connect(f.regulatorA).withdrawProduct(KNEE, REASONS)).wait();
      await expect(f.book.connect(f.hospital).place(kneeOrder(f.makerOrgId)))
        .to.be.revertedWithCustomError(f.book, "OrdersProductNotOrderable")
        .withArgs(KNEE, f.makerOrgId, f.makerOrgId, Category.Device, ProductStatus.Withdrawn);
    });

    it("lets an unknown GTIN revert with the catalog's CatalogUnknownProduct", async () => {
      const f = await load();
      const unknown = 61414100027n;
      await expect(f.book.connect(f.hospital).place(kneeOrder(f.makerOrgId, { gtin: unknown })))
        .to.be.revertedWithCustomError(f.catalog, "CatalogUnknownProduct")
        .withArgs(unknown);
    });

    it("refuses a zero patient reference or requirements hash with OrdersEmptyHash", async () => {
      const f = await load();
      for (const overrides of [{ patientRef: ethers.ZeroHash }, { requirementsHash: ethers.ZeroHash }]) {
        await expect(
          f.book.connect(f.hospital).place(kneeOrder(f.makerOrgId, overrides)),
        ).to.be.revertedWithCustomError(f.book, "OrdersEmptyHash");
      }
      expect(PATIENT).not.to.equal(ethers.ZeroHash);
      expect(REQUIREMENTS).not.to.equal(ethers.ZeroHash);
    });
  });

  shouldBehaveLikeAllianceGated<OrdersFixture>({
    load,
    context: (f) => ({
      registry: f.registry,
      regulators: f.regulators,
      member: f.hospital,
      outsider: f.maker,
      applicant: f.applicant,
      freeAccounts: f.freeAccounts,
    }),
    gate: (f) => f.book,
    roleMask: HOSPITAL,
    // Ordered from the manufacturer whose licence outlives the hospital's, so the expiry tests reach the hospital.
    send: (f, signer) => f.book.connect(signer).place(kneeOrder(f.otherMakerOrgId, { gtin: HIP })),
    whenAccepted: async (f, _signer, tx) => {
      await expect(tx).to.emit(f.book, "OrderPlaced");
      expect(await f.book.statusOf(await f.book.orderCount())).to.equal(OrderStatus.Placed);
    },
  });

  describe("pause", () => {
    shouldRespectAlliancePause<OrdersFixture>({
      load,
      context: (f) => ({ registry: f.registry, governor: f.governor, guardian: f.guardian }),
      gate: (f) => f.book,
      actor: (f) => f.hospital,
      commit: (f, signer) => f.book.connect(signer).place(kneeOrder(f.makerOrgId)),
    });

    type Stage = Awaited<ReturnType<typeof receivedFixture>>;
    const during = (title: string, stage: () => Promise<Stage>, send: (f: Stage) => Promise<unknown>) =>
      it(`${title} while the alliance is paused`, async () => {
        const f = await stage();
        await (await f.registry.connect(f.guardian).pause()).wait();
        expect(await f.registry.paused()).to.equal(true);
        await expect(send(f)).not.to.be.reverted;
      });

    const placed = async () => {
      const f = await loadFixture(receivedFixture);
      await (await f.book.connect(f.hospital).place(kneeOrder(f.makerOrgId))).wait();
      return f;
    };
    during("designs, produces and cancels performance of placed orders", placed, async (f) => {
      await (await f.book.connect(f.maker).design(2n, kneeDesign([f.titaniumId]))).wait();
      await (await f.book.connect(f.maker).completeProduction(2n, f.kneeId, UNIT + 1n)).wait();
      return f.book.connect(f.regulatorB).rejectCompliance(2n, REASONS);
    });
    during("cancels an order", placed, (f) => f.book.connect(f.hospital).cancel(2n, CANCELLATION));
    during(
      "approves compliance",
      async () => {
        const f = await placed();
        await (await f.book.connect(f.maker).design(2n, kneeDesign([f.titaniumId]))).wait();
        await (await f.book.connect(f.maker).completeProduction(2n, f.kneeId, UNIT + 1n)).wait();
        return f;
      },
      (f) => f.book.connect(f.regulatorB).approveCompliance(2n, CERTIFICATE),
    );
    during(
      "confirms an installation",
      () => loadFixture(receivedFixture),
      (f) => f.book.connect(f.hospital).confirmInstallation(f.orderId, f.shipment, INSTALLATION, "ipfs://op"),
    );
    during(
      "records a service",
      () => loadFixture(installedFixture),
      (f) => f.book.connect(f.maker).recordService(f.orderId, SERVICE, "ipfs://service"),
    );
  });
});
