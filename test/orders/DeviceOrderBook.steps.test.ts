import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { ContractTransactionResponse } from "ethers";
import { OrderRecordKind, OrderStatus } from "../../scripts/lib/orders";
import { ShipmentStatus, commission, ship } from "../../scripts/lib/trace";
import { shouldBeRestrictedTo } from "../helpers/behaviours";
import { suspend } from "../helpers/registry";
import { MASK, batchRequest, timestampOf } from "../helpers/traceFixture";
import {
  CANCELLATION,
  CERTIFICATE,
  HOSPITAL,
  INSTALLATION,
  KNEE,
  MANUFACTURER,
  type PlacedFixture,
  REJECTION,
  SERVICE,
  SERVICE_PARTIES,
  UNIT,
  WINDOW,
  approvedFixture,
  designAsEventArg,
  designedData,
  designedFixture,
  expectOrderRecord,
  installedData,
  installedFixture,
  kneeDesign,
  orderFieldsOf,
  placedFixture,
  producedData,
  producedFixture,
  receivedFixture,
  refOf,
  rejectedFixture,
  shipKnee,
  shipmentIdOf,
  shippedFixture,
} from "./ordersFixture";

type Stage = PlacedFixture;
type Send<F> = (f: F, signer: HardhatEthersSigner) => Promise<ContractTransactionResponse>;

/** Who must be refused, and how, for a step taken by the order's hospital or manufacturer (or either, for service). */
function shouldRefuseOtherParties<F extends Stage>(
  party: "hospital" | "manufacturer" | "service",
  load: () => Promise<F>,
  send: Send<F>,
): void {
  const mask = party === "hospital" ? HOSPITAL : party === "manufacturer" ? MANUFACTURER : SERVICE_PARTIES;
  const unauthorized = (f: F, signer: HardhatEthersSigner) =>
    expect(send(f, signer))
      .to.be.revertedWithCustomError(f.book, "AllianceUnauthorized")
      .withArgs(signer.address, mask);
  const notParty = (f: F, signer: HardhatEthersSigner) =>
    expect(send(f, signer))
      .to.be.revertedWithCustomError(f.book, "OrdersNotOrderParty")
      .withArgs(f.orderId, signer.address);

  describe(`refuses everyone but the order's ${party === "service" ? "hospital and manufacturer" : party}`, () => {
    if (party === "manufacturer") {
      it("refuses the order's hospital with AllianceUnauthorized", async () => {
        const f = await load();
        await unauthorized(f, f.hospital);
      });
    } else {
      it("refuses another hospital with OrdersNotOrderParty", async () => {
        const f = await load();
        await notParty(f, f.hospital2);
      });
    }
    if (party === "hospital") {
      it("refuses the order's manufacturer with AllianceUnauthorized", async () => {
        const f = await load();
        await unauthorized(f, f.maker);
      });
    } else {
      it("refuses another manufacturer with OrdersNotOrderParty", async () => {
        const f = await load();
        await notParty(f, f.otherMaker);
      });
    }
    it("refuses a carrier, a supplier, a non-member and a regulator with AllianceUnauthorized", async () => {
      const f = await load();
      for (const signer of [f.carrier, f.supplier, f.freeAccounts[0], f.regulatorA]) await unauthorized(f, signer);
    });
    const suspended =
      party === "hospital" ? ["hospital"] : party === "manufacturer" ? ["maker"] : ["hospital", "maker"];
    for (const who of suspended) {
      it(`refuses the order's ${who === "maker" ? "manufacturer" : who} once suspended, with AllianceUnauthorized`, async () => {
        const f = await load();
        await suspend(f.registry, f.regulatorA, who === "maker" ? f.makerOrgId : f.hospitalOrgId);
        await unauthorized(f, who === "maker" ? f.maker : f.hospital);
      });
    }
  });
}

const roles = (f: Stage) => ({
  registry: f.registry,
  governor: f.governor,
  guardian: f.guardian,
  regulators: f.regulators,
  admin: f.maker,
  freeAccounts: f.freeAccounts,
});

describe("DeviceOrderBook: the steps of an order", () => {
  describe("design", () => {
    const load = () => loadFixture(placedFixture);

    it("records the design: status Designed, OrderDesigned, the Designed record", async () => {
      const f = await load();
      const design = kneeDesign([f.titaniumId, f.maskId]);
      const tx = await expectOrderRecord(
        f.book,
        () => f.book.connect(f.maker).design(f.orderId, design),
        f.orderId,
        f.maker.address,
        OrderRecordKind.Designed,
        designedData(design),
      );
      await expect(tx)
        .to.emit(f.book, "OrderDesigned")
        .withArgs(f.orderId, f.maker.address, false, designAsEventArg(design));
      expect(await f.book.statusOf(f.orderId)).to.equal(OrderStatus.Designed);
    });

    it("accepts sixteen raw materials, the most allowed", async () => {
      const f = await load();
      await (await f.book.connect(f.maker).design(f.orderId, kneeDesign(Array(16).fill(f.titaniumId)))).wait();
      expect(await f.book.statusOf(f.orderId)).to.equal(OrderStatus.Designed);
    });

    it("refuses no raw material or seventeen with OrdersInvalidMaterialCount", async () => {
      const f = await load();
      for (const count of [0, 17]) {
        await expect(f.book.connect(f.maker).design(f.orderId, kneeDesign(Array(count).fill(f.titaniumId))))
          .to.be.revertedWithCustomError(f.book, "OrdersInvalidMaterialCount")
          .withArgs(count, 16);
      }
    });

    it("refuses a raw material that is no ledger batch with OrdersUnknownMaterial", async () => {
      const f = await load();
      const unknown = ethers.id("no such batch");
      await expect(f.book.connect(f.maker).design(f.orderId, kneeDesign([f.titaniumId, unknown])))
        .to.be.revertedWithCustomError(f.book, "OrdersUnknownMaterial")
        .withArgs(1, unknown);
    });

    it("refuses a zero design hash with OrdersEmptyHash", async () => {
      const f = await load();
      await expect(
        f.book.connect(f.maker).design(f.orderId, kneeDesign([f.titaniumId], { designHash: ethers.ZeroHash })),
      ).to.be.revertedWithCustomError(f.book, "OrdersEmptyHash");
    });

    it("refuses an unknown order with OrdersUnexpectedStatus(None)", async () => {
      const f = await load();
      await expect(f.book.connect(f.maker).design(9n, kneeDesign([f.titaniumId])))
        .to.be.revertedWithCustomError(f.book, "OrdersUnexpectedStatus")
        .withArgs(9n, OrderStatus.None);
    });

    shouldRefuseOtherParties("manufacturer", load, (f, signer) =>
      f.book.connect(signer).design(f.orderId, kneeDesign([f.titaniumId])),
    );
  });

  describe("completeProduction", () => {
    const load = () => loadFixture(designedFixture);

    it("links the unit: status Produced, deadline, OrderProduced, the Produced record, the unit's order", async () => {
      const f = await load();
      const tx = await expectOrderRecord(
        f.book,
        () => f.book.connect(f.maker).completeProduction(f.orderId, f.kneeId, UNIT),
        f.orderId,
        f.maker.address,
        OrderRecordKind.Produced,
        producedData(f.kneeId, UNIT),
      );
      const producedAt = await timestampOf(tx);
      await expect(tx)
        .to.emit(f.book, "OrderProduced")
        .withArgs(f.orderId, f.kneeId, UNIT, f.maker.address, producedAt + WINDOW);
      const o = await orderFieldsOf(f.book, f.orderId);
      expect([o.status, o.producedAt, o.complianceDeadline, o.batchId, o.unitIndex]).to.deep.equal([
        OrderStatus.Produced,
        producedAt,
        producedAt + WINDOW,
        f.kneeId,
        UNIT,
      ]);
      expect(await f.book.orderOfUnit(f.kneeId, UNIT)).to.equal(f.orderId);
    });

    it("accepts the last unit of the batch and refuses the one past it with OrdersInvalidUnitIndex", async () => {
      const f = await load();
      await expect(f.book.connect(f.maker).completeProduction(f.orderId, f.kneeId, 5n))
        .to.be.revertedWithCustomError(f.book, "OrdersInvalidUnitIndex")
        .withArgs(f.kneeId, 5n, 5n);
      await (await f.book.connect(f.maker).completeProduction(f.orderId, f.kneeId, 4n)).wait();
      expect((await f.book.orderOf(f.orderId)).unitIndex).to.equal(4n);
    });

    it("refuses a batch of another product with OrdersBatchMismatch", async () => {
      const f = await load();
      await expect(f.book.connect(f.maker).completeProduction(f.orderId, f.maskId, 0n))
        .to.be.revertedWithCustomError(f.book, "OrdersBatchMismatch")
        .withArgs(f.orderId, f.maskId, MASK, f.makerOrgId);
    });

    it("lets an unknown batch revert with the ledger's LedgerUnknownBatch", async () => {
      const f = await load();
      const unknown = ethers.id("no such batch");
      await expect(f.book.connect(f.maker).completeProduction(f.orderId, unknown, 0n))
        .to.be.revertedWithCustomError(f.ledger, "LedgerUnknownBatch")
        .withArgs(unknown);
    });

    it("refuses a unit that is already another order's device with OrdersUnitTaken", async () => {
      const f = await load();
      await (await f.book.connect(f.maker).completeProduction(f.orderId, f.kneeId, UNIT)).wait();
      await (await f.book.connect(f.hospital).place(f.request)).wait();
      await (await f.book.connect(f.maker).design(2n, kneeDesign([f.titaniumId]))).wait();
      await expect(f.book.connect(f.maker).completeProduction(2n, f.kneeId, UNIT))
        .to.be.revertedWithCustomError(f.book, "OrdersUnitTaken")
        .withArgs(f.kneeId, UNIT, f.orderId);
      await (await f.book.connect(f.maker).completeProduction(2n, f.kneeId, UNIT + 1n)).wait();
      expect(await f.book.orderOfUnit(f.kneeId, UNIT + 1n)).to.equal(2n);
    });

    it("accepts a batch still on hold (the ruling comes before release)", async () => {
      const f = await load();
      const onHold = await commission(f.ledger, f.maker, await batchRequest(KNEE, "KN-0002", { quantity: 1n }));
      await (await f.book.connect(f.maker).completeProduction(f.orderId, onHold, 0n)).wait();
      expect((await f.book.orderOf(f.orderId)).batchId).to.equal(onHold);
    });

    shouldRefuseOtherParties("manufacturer", load, (f, signer) =>
      f.book.connect(signer).completeProduction(f.orderId, f.kneeId, UNIT),
    );
  });

  describe("approveCompliance and rejectCompliance", () => {
    const load = () => loadFixture(producedFixture);

    it("approves in time: status Approved, OrderRuled (not late), the Approved record", async () => {
      const f = await load();
      const tx = await expectOrderRecord(
        f.book,
        () => f.book.connect(f.regulatorB).approveCompliance(f.orderId, CERTIFICATE),
        f.orderId,
        f.regulatorB.address,
        OrderRecordKind.Approved,
        CERTIFICATE,
      );
      await expect(tx)
        .to.emit(f.book, "OrderRuled")
        .withArgs(f.orderId, f.regulatorB.address, true, CERTIFICATE, false);
      expect(await f.book.statusOf(f.orderId)).to.equal(OrderStatus.Approved);
    });

    it("rejects in time: status Rejected, OrderRuled (not late), the Rejected record", async () => {
      const f = await load();
      const tx = await expectOrderRecord(
        f.book,
        () => f.book.connect(f.regulatorA).rejectCompliance(f.orderId, REJECTION),
        f.orderId,
        f.regulatorA.address,
        OrderRecordKind.Rejected,
        REJECTION,
      );
      await expect(tx).to.emit(f.book, "OrderRuled").withArgs(f.orderId, f.regulatorA.address, false, REJECTION, false);
      expect(await f.book.statusOf(f.orderId)).to.equal(OrderStatus.Rejected);
    });

    it("refuses a zero certificate or reason with OrdersEmptyHash", async () => {
      const f = await load();
      await expect(
        f.book.connect(f.regulatorA).approveCompliance(f.orderId, ethers.ZeroHash),
      ).to.be.revertedWithCustomError(f.book, "OrdersEmptyHash");
      await expect(
        f.book.connect(f.regulatorA).rejectCompliance(f.orderId, ethers.ZeroHash),
      ).to.be.revertedWithCustomError(f.book, "OrdersEmptyHash");
    });

    const rulings: [string, Send<Stage>][] = [
      ["approveCompliance", (f, s) => f.book.connect(s).approveCompliance(f.orderId, CERTIFICATE)],
      ["rejectCompliance", (f, s) => f.book.connect(s).rejectCompliance(f.orderId, REJECTION)],
    ];
    for (const [name, send] of rulings) {
      describe(name, () => {
        shouldBeRestrictedTo("regulator", { load, context: roles, send, errorsFrom: (f) => f.book });
        it("refuses the order's hospital and manufacturer and a carrier", async () => {
          const f = await load();
          for (const signer of [f.hospital, f.maker, f.carrier]) {
            await expect(send(f, signer)).to.be.revertedWithCustomError(f.book, "AccessControlUnauthorizedAccount");
          }
        });
      });
    }
  });

  describe("confirmInstallation", () => {
    const load = () => loadFixture(receivedFixture);

    it("records the installation: status Installed, OrderInstalled, the Installed record", async () => {
      const f = await load();
      const tx = await expectOrderRecord(
        f.book,
        () => f.book.connect(f.hospital).confirmInstallation(f.orderId, f.shipment, INSTALLATION, "ipfs://op"),
        f.orderId,
        f.hospital.address,
        OrderRecordKind.Installed,
        installedData(f.shipmentId, INSTALLATION),
      );
      await expect(tx)
        .to.emit(f.book, "OrderInstalled")
        .withArgs(f.orderId, f.shipmentId, f.hospital.address, INSTALLATION, "ipfs://op");
      expect(await f.book.statusOf(f.orderId)).to.equal(OrderStatus.Installed);
    });

    it("refuses a shipment not received yet, or refused, with OrdersShipmentNotReceived", async () => {
      const f = await loadFixture(shippedFixture);
      await expect(f.book.connect(f.hospital).confirmInstallation(f.orderId, f.shipment, INSTALLATION, ""))
        .to.be.revertedWithCustomError(f.book, "OrdersShipmentNotReceived")
        .withArgs(f.shipmentId, ShipmentStatus.InTransit, 0n);
      await (await f.ledger.connect(f.hospital).refuse(f.shipment, REJECTION)).wait();
      await expect(f.book.connect(f.hospital).confirmInstallation(f.orderId, f.shipment, INSTALLATION, ""))
        .to.be.revertedWithCustomError(f.book, "OrdersShipmentNotReceived")
        .withArgs(f.shipmentId, ShipmentStatus.Refused, 0n);
    });

    it("refuses a shipment received with nothing arrived with OrdersShipmentNotReceived", async () => {
      const f = await loadFixture(shippedFixture);
      await (await f.ledger.connect(f.hospital).receiveShipment(f.shipment, 0n, false)).wait();
      await expect(f.book.connect(f.hospital).confirmInstallation(f.orderId, f.shipment, INSTALLATION, ""))
        .to.be.revertedWithCustomError(f.book, "OrdersShipmentNotReceived")
        .withArgs(f.shipmentId, ShipmentStatus.Received, 0n);
    });

    it("refuses fields of no shipment (never shipped) with OrdersShipmentNotReceived(None)", async () => {
      const f = await load();
      const forged = { ...f.shipment, sequence: 999n };
      await expect(f.book.connect(f.hospital).confirmInstallation(f.orderId, forged, INSTALLATION, ""))
        .to.be.revertedWithCustomError(f.book, "OrdersShipmentNotReceived")
        .withArgs(shipmentIdOf(forged), ShipmentStatus.None, 0n);
    });

    it("refuses a received shipment of another batch with OrdersShipmentMismatch", async () => {
      const f = await loadFixture(approvedFixture);
      const { shipmentId, shipment } = await shipKnee(f, { batchId: f.maskId });
      await (await f.ledger.connect(f.hospital).receiveShipment(shipment, 1n, true)).wait();
      await expect(f.book.connect(f.hospital).confirmInstallation(f.orderId, shipment, INSTALLATION, ""))
        .to.be.revertedWithCustomError(f.book, "OrdersShipmentMismatch")
        .withArgs(f.orderId, shipmentId);
    });

    it("refuses a received shipment to another recipient with OrdersShipmentMismatch", async () => {
      const f = await loadFixture(approvedFixture);
      const { shipmentId, shipment } = await shipKnee(f, { toOrgId: f.hospital2OrgId });
      await (await f.ledger.connect(f.hospital2).receiveShipment(shipment, 1n, true)).wait();
      await expect(f.book.connect(f.hospital).confirmInstallation(f.orderId, shipment, INSTALLATION, ""))
        .to.be.revertedWithCustomError(f.book, "OrdersShipmentMismatch")
        .withArgs(f.orderId, shipmentId);
    });

    it("refuses a received shipment with a wrong or no ref with OrdersShipmentMismatch", async () => {
      const f = await loadFixture(approvedFixture);
      for (const ref of [refOf(await f.book.getAddress(), 2n), refOf(f.maker.address, 1n), ethers.ZeroHash]) {
        const { shipmentId, shipment } = await shipKnee(f, { ref });
        await (await f.ledger.connect(f.hospital).receiveShipment(shipment, 1n, true)).wait();
        await expect(f.book.connect(f.hospital).confirmInstallation(f.orderId, shipment, INSTALLATION, ""))
          .to.be.revertedWithCustomError(f.book, "OrdersShipmentMismatch")
          .withArgs(f.orderId, shipmentId);
      }
    });

    it("refuses a received shipment from someone other than the manufacturer with OrdersShipmentMismatch", async () => {
      const f = await loadFixture(approvedFixture);
      // The knee goes to the distributor first, which sends it on to the hospital with the order's ref.
      const first = await shipKnee(f, { toOrgId: f.distributorOrgId });
      await (await f.ledger.connect(f.distributor).receiveShipment(first.shipment, 1n, true)).wait();
      const { shipmentId, shipment } = await ship(f.ledger, f.distributor, {
        batchId: f.kneeId,
        toOrgId: f.hospitalOrgId,
        quantity: 1n,
        carrierOrgId: f.carrierOrgId,
        ref: refOf(await f.book.getAddress(), f.orderId),
      });
      await (await f.ledger.connect(f.hospital).receiveShipment(shipment, 1n, true)).wait();
      await expect(f.book.connect(f.hospital).confirmInstallation(f.orderId, shipment, INSTALLATION, ""))
        .to.be.revertedWithCustomError(f.book, "OrdersShipmentMismatch")
        .withArgs(f.orderId, shipmentId);
    });

    it("refuses a zero installation report with OrdersEmptyHash", async () => {
      const f = await load();
      await expect(
        f.book.connect(f.hospital).confirmInstallation(f.orderId, f.shipment, ethers.ZeroHash, ""),
      ).to.be.revertedWithCustomError(f.book, "OrdersEmptyHash");
    });

    shouldRefuseOtherParties("hospital", load, (f, signer) =>
      f.book.connect(signer).confirmInstallation(f.orderId, f.shipment, INSTALLATION, "ipfs://op"),
    );
  });

  describe("recordService", () => {
    const load = () => loadFixture(installedFixture);

    it("accepts any number of service records by the manufacturer and the hospital", async () => {
      const f = await load();
      for (const [i, signer] of [f.maker, f.hospital, f.maker].entries()) {
        const report = ethers.id(`service report ${i}`);
        const tx = await expectOrderRecord(
          f.book,
          () => f.book.connect(signer).recordService(f.orderId, report, `ipfs://service/${i}`),
          f.orderId,
          signer.address,
          OrderRecordKind.Serviced,
          report,
        );
        await expect(tx)
          .to.emit(f.book, "OrderServiced")
          .withArgs(f.orderId, signer.address, report, `ipfs://service/${i}`);
      }
      expect((await f.book.orderOf(f.orderId)).recordCount).to.equal(8n);
      expect(await f.book.statusOf(f.orderId)).to.equal(OrderStatus.Installed);
    });

    it("refuses a zero report with OrdersEmptyHash", async () => {
      const f = await load();
      await expect(f.book.connect(f.maker).recordService(f.orderId, ethers.ZeroHash, "")).to.be.revertedWithCustomError(
        f.book,
        "OrdersEmptyHash",
      );
    });

    shouldRefuseOtherParties("service", load, (f, signer) =>
      f.book.connect(signer).recordService(f.orderId, SERVICE, ""),
    );
  });

  describe("cancel", () => {
    const load = () => loadFixture(placedFixture);
    const stages: [string, () => Promise<Stage>][] = [
      ["a placed order", () => loadFixture(placedFixture)],
      ["a designed order", () => loadFixture(designedFixture)],
      ["a rejected order", () => loadFixture(rejectedFixture)],
    ];

    for (const [label, stage] of stages) {
      it(`cancels ${label}: status Cancelled, OrderCancelled, the Cancelled record`, async () => {
        const f = await stage();
        const before = Number(await f.book.statusOf(f.orderId)) as OrderStatus;
        const tx = await expectOrderRecord(
          f.book,
          () => f.book.connect(f.hospital).cancel(f.orderId, CANCELLATION),
          f.orderId,
          f.hospital.address,
          OrderRecordKind.Cancelled,
          CANCELLATION,
        );
        await expect(tx)
          .to.emit(f.book, "OrderCancelled")
          .withArgs(f.orderId, f.hospital.address, before, CANCELLATION);
        expect(await f.book.statusOf(f.orderId)).to.equal(OrderStatus.Cancelled);
        expect(await f.book.exists(f.orderId)).to.equal(true);
      });
    }

    it("refuses a zero reason with OrdersEmptyHash", async () => {
      const f = await load();
      await expect(f.book.connect(f.hospital).cancel(f.orderId, ethers.ZeroHash)).to.be.revertedWithCustomError(
        f.book,
        "OrdersEmptyHash",
      );
    });

    shouldRefuseOtherParties("hospital", load, (f, signer) => f.book.connect(signer).cancel(f.orderId, CANCELLATION));
  });
});
