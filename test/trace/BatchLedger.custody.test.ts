import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { GateContext, shouldBehaveLikeAllianceGated, shouldBeRestrictedTo } from "../helpers/behaviours";
import { suspend } from "../helpers/registry";
import { SITE_HOSPITAL, SITE_MAKER } from "../helpers/fixtures";
import { DAY } from "../../scripts/lib/formation";
import { BatchStatus, ShipmentStatus, type Shipment, ship, RecordKind } from "../../scripts/lib/trace";
import {
  FABRIC,
  GLOVE,
  HOLDERS,
  MASK,
  REASONS,
  SITE_SUPPLIER,
  batchRequest,
  releasedBatch,
  timestampOf,
} from "../helpers/traceFixture";
import {
  CustodyFixture,
  DESTRUCTION,
  DISPENSERS,
  DOC,
  HospitalStockFixture,
  LOGISTICS,
  PRESCRIPTION,
  REFUSAL,
  SETTLEMENT,
  SHIPPED,
  SITE_DISTRIBUTOR,
  SITE_HOSPITAL_WARD,
  ShippedFixture,
  custodyFixture,
  deliveredFixture,
  destroyedDataHash,
  dispensedDataHash,
  expectCustodyRecord,
  hospitalStockFixture,
  outflows,
  pickedUpFixture,
  receivedDataHash,
  refusedDataHash,
  refusedFixture,
  settledDataHash,
  shipToHospital,
  shipmentArgs,
  shipmentIdOf,
  shipmentRecord,
  shipmentRecordOf,
  shippedFixture,
} from "../helpers/custodyFixture";

const TOTAL = 10_000n;

interface Order {
  batchId?: string;
  to: bigint;
  quantity?: bigint;
  carrier?: bigint;
  site?: bigint;
  toSite?: bigint;
}

/** Sends a `ship` transaction of the fixture's mask batch (by default 10 masks, the fixture's carrier). */
function shipTx(f: CustodyFixture, sender: HardhatEthersSigner, o: Order) {
  return f.ledger
    .connect(sender)
    .ship(
      o.batchId ?? f.maskId,
      o.to,
      o.quantity ?? 10n,
      o.carrier ?? f.carrierOrgId,
      ethers.ZeroHash,
      DOC,
      o.site ?? 0n,
      o.toSite ?? 0n,
    );
}

/** A shipment's fields with one changed: no shipment has them. */
const tampered = (s: Shipment): Shipment => ({ ...s, quantity: BigInt(s.quantity) + 1n });

const state = (f: CustodyFixture, shipmentId: string) => shipmentRecordOf(f.ledger, shipmentId);

/** Has `account` receive a shipment in full. */
async function receiveAll(f: CustodyFixture, account: HardhatEthersSigner, s: Shipment) {
  await (await f.ledger.connect(account).receiveShipment(s, s.quantity, true)).wait();
}

/** The gate of `ship` (every holding role): Northwind ships to the distributor, carried by the long-licensed carrier. */
const holderGate = (f: CustodyFixture): GateContext => ({
  registry: f.registry,
  regulators: f.regulators,
  member: f.maker,
  outsider: f.applicant, // no role admitted: every business role is a holding role
  applicant: f.applicant,
  freeAccounts: f.freeAccounts,
});

const carrierGate = (f: CustodyFixture): GateContext => ({
  registry: f.registry,
  regulators: f.regulators,
  member: f.carrier,
  outsider: f.maker,
  applicant: f.applicant,
  freeAccounts: f.freeAccounts,
});

describe("BatchLedger: custody", () => {
  const load = () => loadFixture(custodyFixture);

  // ---------------------------------------------------------------------------------------------- ship

  describe("ship", () => {
    it("moves the quantity from the maker into an InTransit shipment, with Shipped and a Shipped record", async () => {
      const f = await load();
      const [, sequence] = await f.ledger.historyOf(f.maskId);
      const expected: Shipment = {
        batchId: f.maskId,
        fromOrgId: f.makerOrgId,
        toOrgId: f.hospitalOrgId,
        carrierOrgId: f.carrierOrgId,
        fromGln: SITE_MAKER,
        toGln: SITE_HOSPITAL_WARD,
        quantity: 250n,
        ref: REASONS,
        sequence,
      };
      const shipmentId = shipmentIdOf(expected);
      expect(await f.ledger.shipmentIdOf(expected)).to.equal(shipmentId);
      const send = () =>
        f.ledger.connect(f.maker).ship(f.maskId, f.hospitalOrgId, 250n, f.carrierOrgId, REASONS, DOC, 0n, 1n);
      expect(
        await f.ledger
          .connect(f.maker)
          .ship.staticCall(f.maskId, f.hospitalOrgId, 250n, f.carrierOrgId, REASONS, DOC, 0n, 1n),
      ).to.equal(shipmentId);
      const tx = await expectCustodyRecord(f.ledger, send, f.maskId, f.maker.address, RecordKind.Shipped, shipmentId);
      await expect(tx)
        .to.emit(f.ledger, "Shipped")
        .withArgs(shipmentId, f.maskId, f.hospitalOrgId, shipmentArgs(expected), DOC);
      expect(await f.ledger.holdingOf(f.maskId, f.makerOrgId)).to.equal(TOTAL - 250n);
      expect(await f.ledger.holdingOf(f.maskId, f.hospitalOrgId)).to.equal(0n);
      const shippedAt = await timestampOf(tx);
      expect(await state(f, shipmentId)).to.deep.equal(shipmentRecord(ShipmentStatus.InTransit, { shippedAt }));
    });

    it("ships to a distributor, and the helper's fields hash to the id", async () => {
      const f = await load();
      const { shipmentId, shipment } = await ship(f.ledger, f.maker, {
        batchId: f.maskId,
        toOrgId: f.distributorOrgId,
        quantity: 4_000n,
        carrierOrgId: f.carrier2OrgId,
      });
      expect(await f.ledger.shipmentIdOf(shipment)).to.equal(shipmentId);
      expect(shipment.toGln).to.equal(SITE_DISTRIBUTOR);
      expect(await f.ledger.holdingOf(f.maskId, f.makerOrgId)).to.equal(6_000n);
      expect((await state(f, shipmentId)).status).to.equal(ShipmentStatus.InTransit);
    });

    it("gives two identical shipments distinct ids (the sequence differs)", async () => {
      const f = await load();
      const a = await shipToHospital(f, 10n);
      const b = await shipToHospital(f, 10n);
      expect(a.shipmentId).to.not.equal(b.shipmentId);
      expect(BigInt(b.shipment.sequence)).to.equal(BigInt(a.shipment.sequence) + 1n);
    });

    describe("route table", () => {
      it("lets a hospital ship to another hospital and back to the maker, not to a distributor", async () => {
        const f = await loadFixture(hospitalStockFixture);
        await expect(shipTx(f, f.hospital, { to: f.distributorOrgId }))
          .to.be.revertedWithCustomError(f.ledger, "LedgerRouteNotAllowed")
          .withArgs(f.maskId, f.hospitalOrgId, f.distributorOrgId);
        const peer = await ship(f.ledger, f.hospital, {
          batchId: f.maskId,
          toOrgId: f.hospital2OrgId,
          quantity: 100n,
          carrierOrgId: f.carrierOrgId,
        });
        await receiveAll(f, f.hospital2, peer.shipment);
        expect(await f.ledger.holdingOf(f.maskId, f.hospital2OrgId)).to.equal(100n);
        await shipTx(f, f.hospital, { to: f.makerOrgId, quantity: 50n });
        expect(await f.ledger.holdingOf(f.maskId, f.hospitalOrgId)).to.equal(SHIPPED - 150n);
      });

      it("lets a retailer ship only back to the maker", async () => {
        const f = await load();
        const toRetailer = await ship(f.ledger, f.maker, {
          batchId: f.maskId,
          toOrgId: f.retailerOrgId,
          quantity: 100n,
          carrierOrgId: f.carrierOrgId,
        });
        await receiveAll(f, f.retailer, toRetailer.shipment);
        for (const to of [f.hospitalOrgId, f.distributorOrgId, f.hospital2OrgId]) {
          await expect(shipTx(f, f.retailer, { to }))
            .to.be.revertedWithCustomError(f.ledger, "LedgerRouteNotAllowed")
            .withArgs(f.maskId, f.retailerOrgId, to);
        }
        await shipTx(f, f.retailer, { to: f.makerOrgId, quantity: 100n });
        expect(await f.ledger.holdingOf(f.maskId, f.retailerOrgId)).to.equal(0n);
      });

      it("lets a distributor ship on to care (a retailer)", async () => {
        const f = await load();
        const toDistributor = await ship(f.ledger, f.maker, {
          batchId: f.maskId,
          toOrgId: f.distributorOrgId,
          quantity: 100n,
          carrierOrgId: f.carrierOrgId,
        });
        await receiveAll(f, f.distributor, toDistributor.shipment);
        await shipTx(f, f.distributor, { to: f.retailerOrgId, quantity: 60n });
        expect(await f.ledger.holdingOf(f.maskId, f.distributorOrgId)).to.equal(40n);
      });

      it("lets a supplier ship to a manufacturer but not to a hospital", async () => {
        const f = await load();
        const gloveId = await releasedBatch(f, GLOVE, "GL-0001");
        await expect(shipTx(f, f.supplier, { batchId: gloveId, to: f.hospitalOrgId }))
          .to.be.revertedWithCustomError(f.ledger, "LedgerRouteNotAllowed")
          .withArgs(gloveId, f.supplierOrgId, f.hospitalOrgId);
        const { shipment } = await ship(f.ledger, f.supplier, {
          batchId: gloveId,
          toOrgId: f.makerOrgId,
          quantity: 500n,
          carrierOrgId: f.carrierOrgId,
        });
        expect(shipment.fromGln).to.equal(SITE_SUPPLIER);
        expect(shipment.toGln).to.equal(SITE_MAKER);
      });
    });

    describe("recipient", () => {
      it("refuses shipping to oneself, the maker to itself and a hospital to itself", async () => {
        const f = await loadFixture(hospitalStockFixture);
        await expect(shipTx(f, f.maker, { to: f.makerOrgId }))
          .to.be.revertedWithCustomError(f.ledger, "LedgerRouteNotAllowed")
          .withArgs(f.maskId, f.makerOrgId, f.makerOrgId);
        await expect(shipTx(f, f.hospital, { to: f.hospitalOrgId }))
          .to.be.revertedWithCustomError(f.ledger, "LedgerRouteNotAllowed")
          .withArgs(f.maskId, f.hospitalOrgId, f.hospitalOrgId);
      });

      it("refuses a suspended, a registered-only and an unknown recipient", async () => {
        const f = await load();
        await suspend(f.registry, f.regulatorA, f.distributorOrgId);
        for (const to of [f.distributorOrgId, f.applicantOrgId, 999n]) {
          await expect(shipTx(f, f.maker, { to }))
            .to.be.revertedWithCustomError(f.ledger, "LedgerRouteNotAllowed")
            .withArgs(f.maskId, f.makerOrgId, to);
        }
        expect(await f.ledger.holdingOf(f.maskId, f.makerOrgId)).to.equal(TOTAL);
      });
    });

    describe("carrier", () => {
      it("refuses a carrier that is not LOGISTICS", async () => {
        const f = await load();
        await expect(shipTx(f, f.maker, { to: f.distributorOrgId, carrier: f.hospitalOrgId }))
          .to.be.revertedWithCustomError(f.ledger, "LedgerInvalidCarrier")
          .withArgs(f.hospitalOrgId);
      });

      it("refuses a suspended carrier", async () => {
        const f = await load();
        await suspend(f.registry, f.regulatorA, f.carrierOrgId);
        await expect(shipTx(f, f.maker, { to: f.distributorOrgId }))
          .to.be.revertedWithCustomError(f.ledger, "LedgerInvalidCarrier")
          .withArgs(f.carrierOrgId);
      });
    });

    describe("batch status", () => {
      it("refuses a batch on hold", async () => {
        const f = await load();
        const onHold = await f.ledger.connect(f.maker).commission.staticCall(await batchRequest(MASK, "MK-0200"));
        await (await f.ledger.connect(f.maker).commission(await batchRequest(MASK, "MK-0200"))).wait();
        await expect(shipTx(f, f.maker, { batchId: onHold, to: f.hospitalOrgId }))
          .to.be.revertedWithCustomError(f.ledger, "LedgerUnexpectedStatus")
          .withArgs(onHold, BatchStatus.OnHold);
      });

      it("refuses a blocked batch, but lets a holder return it to the maker", async () => {
        const f = await loadFixture(hospitalStockFixture);
        await (await f.ledger.connect(f.regulatorA).blockBatch(f.maskId, REASONS)).wait();
        await expect(shipTx(f, f.maker, { to: f.distributorOrgId }))
          .to.be.revertedWithCustomError(f.ledger, "LedgerUnexpectedStatus")
          .withArgs(f.maskId, BatchStatus.Blocked);
        await expect(shipTx(f, f.hospital, { to: f.makerOrgId })).to.emit(f.ledger, "Shipped");
      });

      it("refuses an expired batch", async () => {
        const f = await load();
        const expiresAt = BigInt(await time.latest()) + 5n * DAY;
        const fabricId = await releasedBatch(f, FABRIC, "MB-0900", { expiresAt });
        await shipTx(f, f.maker, { batchId: fabricId, to: f.distributorOrgId });
        await time.increaseTo(expiresAt);
        await expect(shipTx(f, f.maker, { batchId: fabricId, to: f.distributorOrgId }))
          .to.be.revertedWithCustomError(f.ledger, "LedgerUnexpectedStatus")
          .withArgs(fabricId, BatchStatus.Expired);
      });

      it("refuses a recalled batch, but lets a holder return it to the maker", async () => {
        const f = await loadFixture(hospitalStockFixture);
        await (await f.ledger.connect(f.regulatorA).recall(f.maskId, 1, REASONS)).wait();
        await expect(shipTx(f, f.hospital, { to: f.hospital2OrgId }))
          .to.be.revertedWithCustomError(f.ledger, "LedgerUnexpectedStatus")
          .withArgs(f.maskId, BatchStatus.Recalled);
        const back = await ship(f.ledger, f.hospital, {
          batchId: f.maskId,
          toOrgId: f.makerOrgId,
          quantity: SHIPPED,
          carrierOrgId: f.carrierOrgId,
        });
        await receiveAll(f, f.maker, back.shipment);
        expect(await f.ledger.holdingOf(f.maskId, f.makerOrgId)).to.equal(TOTAL);
      });
    });

    describe("quantity, batch and sites", () => {
      it("refuses a zero quantity", async () => {
        const f = await load();
        await expect(shipTx(f, f.maker, { to: f.hospitalOrgId, quantity: 0n }))
          .to.be.revertedWithCustomError(f.ledger, "LedgerInvalidQuantity")
          .withArgs(0n);
      });

      it("refuses more than the sender holds, maker or not", async () => {
        const f = await loadFixture(hospitalStockFixture);
        const makerHolds = TOTAL - SHIPPED;
        await expect(shipTx(f, f.maker, { to: f.distributorOrgId, quantity: makerHolds + 1n }))
          .to.be.revertedWithCustomError(f.ledger, "LedgerInsufficientHolding")
          .withArgs(f.maskId, f.makerOrgId, makerHolds, makerHolds + 1n);
        await expect(shipTx(f, f.hospital, { to: f.hospital2OrgId, quantity: SHIPPED + 1n }))
          .to.be.revertedWithCustomError(f.ledger, "LedgerInsufficientHolding")
          .withArgs(f.maskId, f.hospitalOrgId, SHIPPED, SHIPPED + 1n);
        await expect(shipTx(f, f.distributor, { to: f.makerOrgId }))
          .to.be.revertedWithCustomError(f.ledger, "LedgerInsufficientHolding")
          .withArgs(f.maskId, f.distributorOrgId, 0n, 10n);
      });

      it("refuses an unknown batch", async () => {
        const f = await load();
        const unknown = ethers.id("no such batch");
        await expect(shipTx(f, f.maker, { batchId: unknown, to: f.hospitalOrgId }))
          .to.be.revertedWithCustomError(f.ledger, "LedgerUnknownBatch")
          .withArgs(unknown);
      });

      it("refuses an unknown sender site or recipient site", async () => {
        const f = await load();
        await expect(shipTx(f, f.maker, { to: f.hospitalOrgId, site: 1n }))
          .to.be.revertedWithCustomError(f.ledger, "LedgerUnknownSite")
          .withArgs(f.makerOrgId, 1n);
        await expect(shipTx(f, f.maker, { to: f.hospitalOrgId, toSite: 2n }))
          .to.be.revertedWithCustomError(f.ledger, "LedgerUnknownSite")
          .withArgs(f.hospitalOrgId, 2n);
      });
    });

    shouldBehaveLikeAllianceGated({
      load,
      context: holderGate,
      gate: (f) => f.ledger,
      roleMask: HOLDERS,
      send: (f, signer) => shipTx(f, signer, { to: f.distributorOrgId, carrier: f.carrier2OrgId }),
      whenAccepted: async (f, _signer, tx) => {
        await expect(tx).to.emit(f.ledger, "Shipped");
        expect(await f.ledger.holdingOf(f.maskId, f.makerOrgId)).to.equal(TOTAL - 10n);
      },
    });
  });

  // ---------------------------------------------------------------------------------------------- carrier steps, receipt

  describe("pickUp, deliver, receiveShipment", () => {
    it("carries a shipment through pick-up and delivery to a receipt in full", async () => {
      const f = await loadFixture(shippedFixture);
      const { ledger, carrier, hospital, shipment, shipmentId, maskId } = f;
      const pick = await expectCustodyRecord(
        ledger,
        () => ledger.connect(carrier).pickUp(shipment),
        maskId,
        carrier.address,
        RecordKind.PickedUp,
        shipmentId,
      );
      await expect(pick)
        .to.emit(ledger, "ShipmentUpdated")
        .withArgs(shipmentId, ShipmentStatus.PickedUp, carrier.address);
      const { shippedAt } = f;
      const pickedUpAt = await timestampOf(pick);
      expect(await state(f, shipmentId)).to.deep.equal(
        shipmentRecord(ShipmentStatus.PickedUp, { shippedAt, pickedUpAt }),
      );

      const drop = await expectCustodyRecord(
        ledger,
        () => ledger.connect(carrier).deliver(shipment),
        maskId,
        carrier.address,
        RecordKind.Delivered,
        shipmentId,
      );
      await expect(drop)
        .to.emit(ledger, "ShipmentUpdated")
        .withArgs(shipmentId, ShipmentStatus.Delivered, carrier.address);
      const deliveredAt = await timestampOf(drop);
      expect(await state(f, shipmentId)).to.deep.equal(
        shipmentRecord(ShipmentStatus.Delivered, { shippedAt, pickedUpAt, deliveredAt }),
      );

      const take = await expectCustodyRecord(
        ledger,
        () => ledger.connect(hospital).receiveShipment(shipment, SHIPPED, true),
        maskId,
        hospital.address,
        RecordKind.Received,
        receivedDataHash(shipmentId, SHIPPED, true),
      );
      await expect(take).to.emit(ledger, "Received").withArgs(shipmentId, SHIPPED, true);
      await expect(take).not.to.emit(ledger, "ShortfallReported");
      const answeredAt = await timestampOf(take);
      expect(await state(f, shipmentId)).to.deep.equal(
        shipmentRecord(ShipmentStatus.Received, { shippedAt, pickedUpAt, deliveredAt, answeredAt, received: SHIPPED }),
      );
      expect(await ledger.holdingOf(maskId, f.hospitalOrgId)).to.equal(SHIPPED);
      expect(await ledger.holdingOf(maskId, f.makerOrgId)).to.equal(TOTAL - SHIPPED);
      expect(await outflows(ledger, maskId)).to.deep.equal([0n, 0n, 0n]);
    });

    it("records a shortfall as lost, attributed to the carrier", async () => {
      const f = await loadFixture(deliveredFixture);
      const tx = await expectCustodyRecord(
        f.ledger,
        () => f.ledger.connect(f.hospital).receiveShipment(f.shipment, 990n, false),
        f.maskId,
        f.hospital.address,
        RecordKind.Received,
        receivedDataHash(f.shipmentId, 990n, false),
      );
      await expect(tx).to.emit(f.ledger, "ShortfallReported").withArgs(f.shipmentId, f.maskId, f.carrierOrgId, 10n);
      await expect(tx).to.emit(f.ledger, "Received").withArgs(f.shipmentId, 990n, false);
      expect(await f.ledger.holdingOf(f.maskId, f.hospitalOrgId)).to.equal(990n);
      expect(await outflows(f.ledger, f.maskId)).to.deep.equal([0n, 0n, 10n]);
    });

    it("records a receipt of nothing as all lost", async () => {
      const f = await loadFixture(shippedFixture);
      await expect(f.ledger.connect(f.hospital).receiveShipment(f.shipment, 0n, false))
        .to.emit(f.ledger, "ShortfallReported")
        .withArgs(f.shipmentId, f.maskId, f.carrierOrgId, SHIPPED);
      expect(await f.ledger.holdingOf(f.maskId, f.hospitalOrgId)).to.equal(0n);
      expect(await outflows(f.ledger, f.maskId)).to.deep.equal([0n, 0n, SHIPPED]);
    });

    it("lets the recipient receive straight from InTransit, and from PickedUp", async () => {
      const f = await loadFixture(shippedFixture);
      const answeredAt = await timestampOf(
        await f.ledger.connect(f.hospital).receiveShipment(f.shipment, SHIPPED, true),
      );
      expect(await state(f, f.shipmentId)).to.deep.equal(
        shipmentRecord(ShipmentStatus.Received, { shippedAt: f.shippedAt, answeredAt, received: SHIPPED }),
      );
      const g = await loadFixture(pickedUpFixture);
      await receiveAll(g, g.hospital, g.shipment);
      expect((await state(g, g.shipmentId)).status).to.equal(ShipmentStatus.Received);
      expect(await g.ledger.holdingOf(g.maskId, g.hospitalOrgId)).to.equal(SHIPPED);
    });

    it("refuses receiving more than was shipped", async () => {
      const f = await loadFixture(shippedFixture);
      await expect(f.ledger.connect(f.hospital).receiveShipment(f.shipment, SHIPPED + 1n, true))
        .to.be.revertedWithCustomError(f.ledger, "LedgerReceivedTooMuch")
        .withArgs(f.shipmentId, SHIPPED + 1n, SHIPPED);
    });

    it("refuses parties other than the recipient and the carrier", async () => {
      const f = await loadFixture(shippedFixture);
      for (const who of [f.maker, f.distributor]) {
        await expect(f.ledger.connect(who).receiveShipment(f.shipment, SHIPPED, true))
          .to.be.revertedWithCustomError(f.ledger, "LedgerNotShipmentParty")
          .withArgs(f.shipmentId, who.address);
        await expect(f.ledger.connect(who).refuse(f.shipment, REFUSAL))
          .to.be.revertedWithCustomError(f.ledger, "LedgerNotShipmentParty")
          .withArgs(f.shipmentId, who.address);
      }
      await expect(f.ledger.connect(f.carrier2).pickUp(f.shipment))
        .to.be.revertedWithCustomError(f.ledger, "LedgerNotShipmentParty")
        .withArgs(f.shipmentId, f.carrier2.address);
      await expect(f.ledger.connect(f.freeAccounts[0]).receiveShipment(f.shipment, SHIPPED, true))
        .to.be.revertedWithCustomError(f.ledger, "AllianceUnauthorized")
        .withArgs(f.freeAccounts[0].address, HOLDERS);
    });

    it("refuses steps out of order", async () => {
      const f = await loadFixture(shippedFixture);
      const { ledger, carrier, hospital, shipment, shipmentId } = f;
      await expect(ledger.connect(carrier).deliver(shipment))
        .to.be.revertedWithCustomError(ledger, "LedgerUnexpectedShipmentStatus")
        .withArgs(shipmentId, ShipmentStatus.InTransit);
      await expect(ledger.connect(carrier).recordReturn(shipment))
        .to.be.revertedWithCustomError(ledger, "LedgerUnexpectedShipmentStatus")
        .withArgs(shipmentId, ShipmentStatus.InTransit);
      await (await ledger.connect(carrier).pickUp(shipment)).wait();
      await expect(ledger.connect(carrier).pickUp(shipment))
        .to.be.revertedWithCustomError(ledger, "LedgerUnexpectedShipmentStatus")
        .withArgs(shipmentId, ShipmentStatus.PickedUp);
      await receiveAll(f, hospital, shipment);
      await expect(ledger.connect(hospital).receiveShipment(shipment, 1n, true))
        .to.be.revertedWithCustomError(ledger, "LedgerUnexpectedShipmentStatus")
        .withArgs(shipmentId, ShipmentStatus.Received);
      await expect(ledger.connect(hospital).refuse(shipment, REFUSAL))
        .to.be.revertedWithCustomError(ledger, "LedgerUnexpectedShipmentStatus")
        .withArgs(shipmentId, ShipmentStatus.Received);
      await expect(ledger.connect(carrier).deliver(shipment))
        .to.be.revertedWithCustomError(ledger, "LedgerUnexpectedShipmentStatus")
        .withArgs(shipmentId, ShipmentStatus.Received);
    });

    it("refuses fields no shipment has, in every step", async () => {
      const f = await loadFixture(shippedFixture);
      const fake = tampered(f.shipment);
      const fakeId = shipmentIdOf(fake);
      const calls = [
        () => f.ledger.connect(f.carrier).pickUp(fake),
        () => f.ledger.connect(f.carrier).deliver(fake),
        () => f.ledger.connect(f.carrier).recordReturn(fake),
        () => f.ledger.connect(f.hospital).receiveShipment(fake, 1n, true),
        () => f.ledger.connect(f.hospital).refuse(fake, REFUSAL),
        () => f.ledger.connect(f.maker).reclaim(fake),
        () => f.ledger.connect(f.regulatorA).settle(fake, 0n, SETTLEMENT),
      ];
      for (const call of calls) {
        await expect(call()).to.be.revertedWithCustomError(f.ledger, "LedgerUnknownShipment").withArgs(fakeId);
      }
    });

    describe("pickUp gating", () => {
      shouldBehaveLikeAllianceGated({
        load: () => loadFixture(shippedFixture),
        context: carrierGate,
        gate: (f) => f.ledger,
        roleMask: LOGISTICS,
        send: (f, signer) => f.ledger.connect(signer).pickUp(f.shipment),
        whenAccepted: async (f) => {
          expect((await state(f, f.shipmentId)).status).to.equal(ShipmentStatus.PickedUp);
        },
      });
    });

    describe("deliver gating", () => {
      shouldBehaveLikeAllianceGated({
        load: () => loadFixture(pickedUpFixture),
        context: carrierGate,
        gate: (f) => f.ledger,
        roleMask: LOGISTICS,
        send: (f, signer) => f.ledger.connect(signer).deliver(f.shipment),
        whenAccepted: async (f) => {
          expect((await state(f, f.shipmentId)).status).to.equal(ShipmentStatus.Delivered);
        },
      });
    });
  });

  // ---------------------------------------------------------------------------------------------- refusal and return

  describe("refuse, recordReturn", () => {
    it("refuses a delivered shipment and returns it to the sender's holding", async () => {
      const f = await loadFixture(deliveredFixture);
      const { ledger, carrier, hospital, shipment, shipmentId, maskId } = f;
      const no = await expectCustodyRecord(
        ledger,
        () => ledger.connect(hospital).refuse(shipment, REFUSAL),
        maskId,
        hospital.address,
        RecordKind.Refused,
        refusedDataHash(shipmentId, REFUSAL),
      );
      await expect(no)
        .to.emit(ledger, "ShipmentUpdated")
        .withArgs(shipmentId, ShipmentStatus.Refused, hospital.address);
      const refusedAt = await timestampOf(no);
      expect(await state(f, shipmentId)).to.deep.equal(
        shipmentRecord(ShipmentStatus.Refused, {
          shippedAt: f.shippedAt,
          pickedUpAt: f.pickedUpAt,
          deliveredAt: f.deliveredAt,
          answeredAt: refusedAt,
        }),
      );
      expect(await ledger.holdingOf(maskId, f.makerOrgId)).to.equal(TOTAL - SHIPPED);

      const back = await expectCustodyRecord(
        ledger,
        () => ledger.connect(carrier).recordReturn(shipment),
        maskId,
        carrier.address,
        RecordKind.Returned,
        shipmentId,
      );
      await expect(back)
        .to.emit(ledger, "ShipmentUpdated")
        .withArgs(shipmentId, ShipmentStatus.Returned, carrier.address);
      expect((await state(f, shipmentId)).status).to.equal(ShipmentStatus.Returned);
      expect(await ledger.holdingOf(maskId, f.makerOrgId)).to.equal(TOTAL);
      expect(await ledger.holdingOf(maskId, f.hospitalOrgId)).to.equal(0n);
      await expect(ledger.connect(carrier).recordReturn(shipment))
        .to.be.revertedWithCustomError(ledger, "LedgerUnexpectedShipmentStatus")
        .withArgs(shipmentId, ShipmentStatus.Returned);
    });

    it("returns a refused shipment to a non-maker sender", async () => {
      const f = await loadFixture(hospitalStockFixture);
      const { shipment } = await ship(f.ledger, f.hospital, {
        batchId: f.maskId,
        toOrgId: f.hospital2OrgId,
        quantity: 300n,
        carrierOrgId: f.carrierOrgId,
      });
      expect(await f.ledger.holdingOf(f.maskId, f.hospitalOrgId)).to.equal(700n);
      await (await f.ledger.connect(f.hospital2).refuse(shipment, REFUSAL)).wait();
      await (await f.ledger.connect(f.carrier).recordReturn(shipment)).wait();
      expect(await f.ledger.holdingOf(f.maskId, f.hospitalOrgId)).to.equal(SHIPPED);
    });

    it("refuses a refusal with an empty reason", async () => {
      const f = await loadFixture(shippedFixture);
      await expect(f.ledger.connect(f.hospital).refuse(f.shipment, ethers.ZeroHash)).to.be.revertedWithCustomError(
        f.ledger,
        "LedgerEmptyHash",
      );
    });

    describe("recordReturn gating", () => {
      shouldBehaveLikeAllianceGated({
        load: () => loadFixture(refusedFixture),
        context: carrierGate,
        gate: (f) => f.ledger,
        roleMask: LOGISTICS,
        send: (f, signer) => f.ledger.connect(signer).recordReturn(f.shipment),
        whenAccepted: async (f) => {
          expect(await f.ledger.holdingOf(f.maskId, f.makerOrgId)).to.equal(TOTAL);
        },
      });
    });
  });

  // ---------------------------------------------------------------------------------------------- reclaim

  describe("reclaim", () => {
    it("refuses while the shipment was never delivered (window end 0)", async () => {
      const f = await loadFixture(pickedUpFixture);
      await time.increase(30n * DAY);
      await expect(f.ledger.connect(f.maker).reclaim(f.shipment))
        .to.be.revertedWithCustomError(f.ledger, "LedgerReceiptWindowOpen")
        .withArgs(f.shipmentId, 0n);
    });

    it("refuses up to the window's last second after delivery, then gives the goods back", async () => {
      const f = await loadFixture(deliveredFixture);
      const windowEnds = f.deliveredAt + f.receiptWindow;
      expect(await f.ledger.receiptWindow()).to.equal(f.receiptWindow);
      await time.setNextBlockTimestamp(windowEnds);
      await expect(f.ledger.connect(f.maker).reclaim(f.shipment))
        .to.be.revertedWithCustomError(f.ledger, "LedgerReceiptWindowOpen")
        .withArgs(f.shipmentId, windowEnds);
      await time.setNextBlockTimestamp(windowEnds + 1n);
      const tx = await expectCustodyRecord(
        f.ledger,
        () => f.ledger.connect(f.maker).reclaim(f.shipment),
        f.maskId,
        f.maker.address,
        RecordKind.Reclaimed,
        f.shipmentId,
      );
      await expect(tx)
        .to.emit(f.ledger, "ShipmentUpdated")
        .withArgs(f.shipmentId, ShipmentStatus.Reclaimed, f.maker.address);
      expect(await state(f, f.shipmentId)).to.deep.equal(
        shipmentRecord(ShipmentStatus.Reclaimed, {
          shippedAt: f.shippedAt,
          pickedUpAt: f.pickedUpAt,
          deliveredAt: f.deliveredAt,
        }),
      );
      expect(await f.ledger.holdingOf(f.maskId, f.makerOrgId)).to.equal(TOTAL);
      await expect(f.ledger.connect(f.maker).reclaim(f.shipment))
        .to.be.revertedWithCustomError(f.ledger, "LedgerUnexpectedShipmentStatus")
        .withArgs(f.shipmentId, ShipmentStatus.Reclaimed);
      await expect(f.ledger.connect(f.hospital).receiveShipment(f.shipment, SHIPPED, true))
        .to.be.revertedWithCustomError(f.ledger, "LedgerUnexpectedShipmentStatus")
        .withArgs(f.shipmentId, ShipmentStatus.Reclaimed);
    });

    it("lets the sender reclaim refused goods the carrier never returned, after the window", async () => {
      const f = await loadFixture(refusedFixture);
      await expect(f.ledger.connect(f.maker).reclaim(f.shipment))
        .to.be.revertedWithCustomError(f.ledger, "LedgerReceiptWindowOpen")
        .withArgs(f.shipmentId, f.refusedAt + f.receiptWindow);
      await time.increaseTo(f.refusedAt + f.receiptWindow + 1n);
      await (await f.ledger.connect(f.maker).reclaim(f.shipment)).wait();
      expect(await f.ledger.holdingOf(f.maskId, f.makerOrgId)).to.equal(TOTAL);
      await expect(f.ledger.connect(f.carrier).recordReturn(f.shipment))
        .to.be.revertedWithCustomError(f.ledger, "LedgerUnexpectedShipmentStatus")
        .withArgs(f.shipmentId, ShipmentStatus.Reclaimed);
    });

    it("lets the sender reclaim at once a shipment to a member suspended while it was in transit", async () => {
      const f = await loadFixture(shippedFixture);
      await suspend(f.registry, f.regulatorA, f.hospitalOrgId);
      await expect(f.ledger.connect(f.hospital).receiveShipment(f.shipment, SHIPPED, true))
        .to.be.revertedWithCustomError(f.ledger, "AllianceUnauthorized")
        .withArgs(f.hospital.address, HOLDERS);
      await expect(f.ledger.connect(f.maker).reclaim(f.shipment))
        .to.emit(f.ledger, "ShipmentUpdated")
        .withArgs(f.shipmentId, ShipmentStatus.Reclaimed, f.maker.address);
      expect(await f.ledger.holdingOf(f.maskId, f.makerOrgId)).to.equal(TOTAL);
    });

    it("refuses anyone but the sender, and concluded shipments", async () => {
      const f = await loadFixture(shippedFixture);
      await suspend(f.registry, f.regulatorA, f.hospitalOrgId);
      await expect(f.ledger.connect(f.distributor).reclaim(f.shipment))
        .to.be.revertedWithCustomError(f.ledger, "LedgerNotShipmentParty")
        .withArgs(f.shipmentId, f.distributor.address);
      const g = await loadFixture(hospitalStockFixture);
      await expect(g.ledger.connect(g.maker).reclaim(g.shipment))
        .to.be.revertedWithCustomError(g.ledger, "LedgerUnexpectedShipmentStatus")
        .withArgs(g.shipmentId, ShipmentStatus.Received);
      const h = await loadFixture(refusedFixture);
      await (await h.ledger.connect(h.carrier).recordReturn(h.shipment)).wait();
      await time.increase(30n * DAY);
      await expect(h.ledger.connect(h.maker).reclaim(h.shipment))
        .to.be.revertedWithCustomError(h.ledger, "LedgerUnexpectedShipmentStatus")
        .withArgs(h.shipmentId, ShipmentStatus.Returned);
    });
  });

  // ---------------------------------------------------------------------------------------------- settle

  describe("settle", () => {
    it("lets a regulator state what arrived; the rest is lost", async () => {
      const f = await loadFixture(deliveredFixture);
      const tx = await expectCustodyRecord(
        f.ledger,
        () => f.ledger.connect(f.regulatorB).settle(f.shipment, 600n, SETTLEMENT),
        f.maskId,
        f.regulatorB.address,
        RecordKind.Settled,
        settledDataHash(f.shipmentId, 600n, SETTLEMENT),
      );
      await expect(tx)
        .to.emit(f.ledger, "ShipmentSettled")
        .withArgs(f.shipmentId, f.regulatorB.address, 600n, SETTLEMENT);
      await expect(tx).to.emit(f.ledger, "ShortfallReported").withArgs(f.shipmentId, f.maskId, f.carrierOrgId, 400n);
      expect(await state(f, f.shipmentId)).to.deep.equal(
        shipmentRecord(ShipmentStatus.Settled, {
          shippedAt: f.shippedAt,
          pickedUpAt: f.pickedUpAt,
          deliveredAt: f.deliveredAt,
          answeredAt: await timestampOf(tx),
          received: 600n,
        }),
      );
      expect(await f.ledger.holdingOf(f.maskId, f.hospitalOrgId)).to.equal(600n);
      expect(await outflows(f.ledger, f.maskId)).to.deep.equal([0n, 0n, 400n]);
      await expect(f.ledger.connect(f.regulatorA).settle(f.shipment, 0n, SETTLEMENT))
        .to.be.revertedWithCustomError(f.ledger, "LedgerUnexpectedShipmentStatus")
        .withArgs(f.shipmentId, ShipmentStatus.Settled);
    });

    it("settles in full without a shortfall, and at nothing as all lost", async () => {
      const f = await loadFixture(shippedFixture);
      await expect(f.ledger.connect(f.regulatorA).settle(f.shipment, SHIPPED, SETTLEMENT)).not.to.emit(
        f.ledger,
        "ShortfallReported",
      );
      expect(await f.ledger.holdingOf(f.maskId, f.hospitalOrgId)).to.equal(SHIPPED);
      const g = await loadFixture(refusedFixture);
      await expect(g.ledger.connect(g.regulatorA).settle(g.shipment, 0n, SETTLEMENT))
        .to.emit(g.ledger, "ShortfallReported")
        .withArgs(g.shipmentId, g.maskId, g.carrierOrgId, SHIPPED);
      expect(await g.ledger.holdingOf(g.maskId, g.hospitalOrgId)).to.equal(0n);
      expect(await outflows(g.ledger, g.maskId)).to.deep.equal([0n, 0n, SHIPPED]);
    });

    it("refuses more than shipped, an empty reason and a concluded shipment", async () => {
      const f = await loadFixture(shippedFixture);
      await expect(f.ledger.connect(f.regulatorA).settle(f.shipment, SHIPPED + 1n, SETTLEMENT))
        .to.be.revertedWithCustomError(f.ledger, "LedgerReceivedTooMuch")
        .withArgs(f.shipmentId, SHIPPED + 1n, SHIPPED);
      await expect(
        f.ledger.connect(f.regulatorA).settle(f.shipment, SHIPPED, ethers.ZeroHash),
      ).to.be.revertedWithCustomError(f.ledger, "LedgerEmptyHash");
      await receiveAll(f, f.hospital, f.shipment);
      await expect(f.ledger.connect(f.regulatorA).settle(f.shipment, SHIPPED, SETTLEMENT))
        .to.be.revertedWithCustomError(f.ledger, "LedgerUnexpectedShipmentStatus")
        .withArgs(f.shipmentId, ShipmentStatus.Received);
    });

    shouldBeRestrictedTo("regulator", {
      load: () => loadFixture(shippedFixture),
      context: (f) => ({
        registry: f.registry,
        governor: f.governor,
        guardian: f.guardian,
        regulators: f.regulators,
        admin: f.maker,
        freeAccounts: f.freeAccounts,
      }),
      send: (f, signer) => f.ledger.connect(signer).settle(f.shipment, 0n, SETTLEMENT),
      errorsFrom: (f) => f.ledger,
    });
  });

  // ---------------------------------------------------------------------------------------------- dispense

  describe("dispense", () => {
    const stock = () => loadFixture(hospitalStockFixture);

    it("dispenses from the hospital's holding, counted as dispensed", async () => {
      const f = await stock();
      const tx = await expectCustodyRecord(
        f.ledger,
        () => f.ledger.connect(f.hospital).dispense(f.maskId, 40n, PRESCRIPTION),
        f.maskId,
        f.hospital.address,
        RecordKind.Dispensed,
        dispensedDataHash(40n, PRESCRIPTION),
      );
      await expect(tx).to.emit(f.ledger, "Dispensed").withArgs(f.maskId, f.hospitalOrgId, 40n, PRESCRIPTION);
      expect(await f.ledger.holdingOf(f.maskId, f.hospitalOrgId)).to.equal(SHIPPED - 40n);
      expect(await outflows(f.ledger, f.maskId)).to.deep.equal([40n, 0n, 0n]);
    });

    it("refuses a batch that is not Released", async () => {
      const f = await stock();
      await (await f.ledger.connect(f.regulatorA).blockBatch(f.maskId, REASONS)).wait();
      await expect(f.ledger.connect(f.hospital).dispense(f.maskId, 1n, PRESCRIPTION))
        .to.be.revertedWithCustomError(f.ledger, "LedgerUnexpectedStatus")
        .withArgs(f.maskId, BatchStatus.Blocked);
    });

    it("refuses an empty reference, a zero quantity, more than held and an unknown batch", async () => {
      const f = await stock();
      await expect(f.ledger.connect(f.hospital).dispense(f.maskId, 1n, ethers.ZeroHash)).to.be.revertedWithCustomError(
        f.ledger,
        "LedgerEmptyHash",
      );
      await expect(f.ledger.connect(f.hospital).dispense(f.maskId, 0n, PRESCRIPTION))
        .to.be.revertedWithCustomError(f.ledger, "LedgerInvalidQuantity")
        .withArgs(0n);
      await expect(f.ledger.connect(f.hospital).dispense(f.maskId, SHIPPED + 1n, PRESCRIPTION))
        .to.be.revertedWithCustomError(f.ledger, "LedgerInsufficientHolding")
        .withArgs(f.maskId, f.hospitalOrgId, SHIPPED, SHIPPED + 1n);
      const unknown = ethers.id("no such batch");
      await expect(f.ledger.connect(f.hospital).dispense(unknown, 1n, PRESCRIPTION))
        .to.be.revertedWithCustomError(f.ledger, "LedgerUnknownBatch")
        .withArgs(unknown);
    });

    shouldBehaveLikeAllianceGated({
      load: stock,
      context: (f: HospitalStockFixture): GateContext => ({
        registry: f.registry,
        regulators: f.regulators,
        member: f.hospital,
        outsider: f.maker,
        applicant: f.applicant,
        freeAccounts: f.freeAccounts,
      }),
      gate: (f) => f.ledger,
      roleMask: DISPENSERS,
      send: (f, signer) => f.ledger.connect(signer).dispense(f.maskId, 1n, PRESCRIPTION),
      whenAccepted: async (f) => {
        expect(await f.ledger.holdingOf(f.maskId, f.hospitalOrgId)).to.equal(SHIPPED - 1n);
      },
    });
  });

  // ---------------------------------------------------------------------------------------------- destroy

  describe("destroy", () => {
    it("lets any holder destroy part of its holding, counted as destroyed", async () => {
      const f = await loadFixture(hospitalStockFixture);
      const tx = await expectCustodyRecord(
        f.ledger,
        () => f.ledger.connect(f.hospital).destroy(f.maskId, 25n, DESTRUCTION),
        f.maskId,
        f.hospital.address,
        RecordKind.Destroyed,
        destroyedDataHash(25n, DESTRUCTION),
      );
      await expect(tx).to.emit(f.ledger, "Destroyed").withArgs(f.maskId, f.hospitalOrgId, 25n, DESTRUCTION);
      await (await f.ledger.connect(f.maker).destroy(f.maskId, 100n, DESTRUCTION)).wait();
      expect(await f.ledger.holdingOf(f.maskId, f.hospitalOrgId)).to.equal(SHIPPED - 25n);
      expect(await f.ledger.holdingOf(f.maskId, f.makerOrgId)).to.equal(TOTAL - SHIPPED - 100n);
      expect(await outflows(f.ledger, f.maskId)).to.deep.equal([0n, 125n, 0n]);
    });

    it("destroys whatever the batch's status: on hold, blocked", async () => {
      const f = await load();
      const request = await batchRequest(MASK, "MK-0300");
      const onHold = await f.ledger.connect(f.maker).commission.staticCall(request);
      await (await f.ledger.connect(f.maker).commission(request)).wait();
      await (await f.ledger.connect(f.maker).destroy(onHold, 10n, DESTRUCTION)).wait();
      await (await f.ledger.connect(f.regulatorA).blockBatch(onHold, REASONS)).wait();
      await (await f.ledger.connect(f.maker).destroy(onHold, 10n, DESTRUCTION)).wait();
      expect(await f.ledger.batchStatus(onHold)).to.equal(BatchStatus.Blocked);
      expect(await outflows(f.ledger, onHold)).to.deep.equal([0n, 20n, 0n]);
    });

    it("refuses an empty reason, a zero quantity, more than held, an unknown batch and a non-member", async () => {
      const f = await loadFixture(hospitalStockFixture);
      await expect(f.ledger.connect(f.hospital).destroy(f.maskId, 1n, ethers.ZeroHash)).to.be.revertedWithCustomError(
        f.ledger,
        "LedgerEmptyHash",
      );
      await expect(f.ledger.connect(f.hospital).destroy(f.maskId, 0n, DESTRUCTION))
        .to.be.revertedWithCustomError(f.ledger, "LedgerInvalidQuantity")
        .withArgs(0n);
      await expect(f.ledger.connect(f.hospital2).destroy(f.maskId, 1n, DESTRUCTION))
        .to.be.revertedWithCustomError(f.ledger, "LedgerInsufficientHolding")
        .withArgs(f.maskId, f.hospital2OrgId, 0n, 1n);
      const unknown = ethers.id("no such batch");
      await expect(f.ledger.connect(f.hospital).destroy(unknown, 1n, DESTRUCTION))
        .to.be.revertedWithCustomError(f.ledger, "LedgerUnknownBatch")
        .withArgs(unknown);
      await expect(f.ledger.connect(f.regulatorA).destroy(f.maskId, 1n, DESTRUCTION))
        .to.be.revertedWithCustomError(f.ledger, "AllianceUnauthorized")
        .withArgs(f.regulatorA.address, HOLDERS);
    });
  });

  // ---------------------------------------------------------------------------------------------- conservation

  describe("conservation", () => {
    it("keeps commissioned == holdings + open shipments + dispensed + destroyed + lost through a busy history", async () => {
      const f = await load();
      const { ledger, maskId } = f;
      const holders = [f.makerOrgId, f.hospitalOrgId, f.hospital2OrgId, f.distributorOrgId, f.retailerOrgId];
      const open = new Map<string, bigint>();
      const check = async () => {
        let sum = 0n;
        for (const org of holders) sum += await ledger.holdingOf(maskId, org);
        for (const [id, quantity] of open) {
          const { status } = await state(f, id);
          if (
            [
              ShipmentStatus.InTransit,
              ShipmentStatus.PickedUp,
              ShipmentStatus.Delivered,
              ShipmentStatus.Refused,
            ].includes(status)
          ) {
            sum += quantity;
          }
        }
        const [dispensed, destroyed, lost] = await outflows(ledger, maskId);
        expect(sum + dispensed + destroyed + lost).to.equal((await ledger.batch(maskId)).commissioned);
      };
      const track = (s: { shipmentId: string; shipment: Shipment }) => {
        open.set(s.shipmentId, BigInt(s.shipment.quantity));
        return s.shipment;
      };

      const toHospital = track(await shipToHospital(f, 2_000n));
      const toDistributor = track(
        await ship(ledger, f.maker, {
          batchId: maskId,
          toOrgId: f.distributorOrgId,
          quantity: 3_000n,
          carrierOrgId: f.carrier2OrgId,
        }),
      );
      await check();
      await (await ledger.connect(f.carrier).pickUp(toHospital)).wait();
      await (await ledger.connect(f.hospital).receiveShipment(toHospital, 1_990n, false)).wait(); // 10 lost
      await (await ledger.connect(f.distributor).receiveShipment(toDistributor, 3_000n, true)).wait();
      await check();
      const toRetailer = track(
        await ship(ledger, f.distributor, {
          batchId: maskId,
          toOrgId: f.retailerOrgId,
          quantity: 500n,
          carrierOrgId: f.carrierOrgId,
        }),
      );
      const toPeer = track(
        await ship(ledger, f.hospital, {
          batchId: maskId,
          toOrgId: f.hospital2OrgId,
          quantity: 300n,
          carrierOrgId: f.carrierOrgId,
        }),
      );
      await check();
      await (await ledger.connect(f.retailer).refuse(toRetailer, REFUSAL)).wait();
      await check();
      await (await ledger.connect(f.carrier).recordReturn(toRetailer)).wait();
      await (await ledger.connect(f.regulatorA).settle(toPeer, 250n, SETTLEMENT)).wait(); // 50 lost
      await (await ledger.connect(f.hospital).dispense(maskId, 700n, PRESCRIPTION)).wait();
      await (await ledger.connect(f.hospital2).destroy(maskId, 20n, DESTRUCTION)).wait();
      await (await ledger.connect(f.maker).destroy(maskId, 5n, DESTRUCTION)).wait();
      await check();
      expect(await outflows(ledger, maskId)).to.deep.equal([700n, 25n, 60n]);
    });
  });
});
