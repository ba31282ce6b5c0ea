import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { BusinessRole, roleMask } from "../../scripts/lib/alliance";
import {
  AgreementStatus,
  PICK_UP_WINDOW,
  ShipmentUse,
  agreementRef,
  buildTerms,
  lateCap,
  latePenalty,
} from "../../scripts/lib/agreements";
import { ShipmentStatus } from "../../scripts/lib/trace";
import { DOC } from "../helpers/custodyFixture";
import { FABRIC, releasedBatch } from "../helpers/traceFixture";
import {
  type ActiveFixture,
  DAY,
  activate,
  activeFixture,
  deliver,
  deliverAndRecord,
  expectError,
  proposedFixture,
} from "./agreementFixture";

const SUPPLIERS = roleMask(BusinessRole.Manufacturer, BusinessRole.Distributor);
const HOUR = 3600n;

/** Records and expects the delivery's event with the given penalties. */
async function expectDelivery(
  f: ActiveFixture,
  quantity: bigint,
  supplierPenalty: bigint,
  carrierPenalty: bigint,
  plan = {},
) {
  const { shipment, shipmentId } = await deliver(f, plan);
  await expect(f.agreements.recordDelivery(f.id, f.terms, shipment))
    .to.emit(f.agreements, "DeliveryRecorded")
    .withArgs(f.id, shipmentId, quantity, supplierPenalty, carrierPenalty);
  return { shipment, shipmentId };
}

describe("SupplyAgreements: delivery", () => {
  describe("late penalties", () => {
    it("charges nothing for a hand-over exactly at the deadline and transit exactly within the allowance", async () => {
      const f = await loadFixture(activeFixture);
      const D = f.deadline;
      const { shipmentId } = await expectDelivery(f, 1_000n, 0n, 0n, {
        shipAt: D,
        pickUpAt: D + HOUR,
        deliverAt: D + HOUR + f.terms.transitAllowance,
        receiveAt: D + 3n * DAY,
      });
      const v = await f.agreements.agreement(f.id);
      expect(v.delivered).to.equal(1_000n);
      expect(v.lastReceiptAt).to.equal(D + 3n * DAY);
      expect([v.supplierLatePenalty, v.carrierLatePenalty]).to.deep.equal([0n, 0n]);
      expect(await f.agreements.shipmentUse(shipmentId)).to.equal(ShipmentUse.Recorded);
    });

    it("charges the supplier one full period for a hand-over one second late", async () => {
      const f = await loadFixture(activeFixture);
      const D = f.deadline;
      const penalty = latePenalty(f.terms, 1_000n, 1n);
      expect(penalty).to.equal(ethers.parseEther("0.005")); // 1 % of 0.5 ETH
      await expectDelivery(f, 1_000n, penalty, 0n, { shipAt: D + 1n, pickUpAt: D + HOUR, deliverAt: D + DAY });
      expect((await f.agreements.agreement(f.id)).supplierLatePenalty).to.equal(penalty);
    });

    it("charges the carrier one full period for transit one second beyond the allowance", async () => {
      const f = await loadFixture(activeFixture);
      const P = f.deadline - DAY;
      const penalty = latePenalty(f.terms, 1_000n, 1n);
      await expectDelivery(f, 1_000n, 0n, penalty, {
        shipAt: P - HOUR,
        pickUpAt: P,
        deliverAt: P + f.terms.transitAllowance + 1n,
      });
      expect((await f.agreements.agreement(f.id)).carrierLatePenalty).to.equal(penalty);
    });

    it("counts every started period and caps each party's penalties", async () => {
      const f = await loadFixture(activeFixture);
      const D = f.deadline;
      // 14 days and one second late: 15 started periods, 15 %, capped at 10 %.
      const late = 14n * DAY + 1n;
      const penalty = latePenalty(f.terms, 1_000n, late);
      expect(penalty).to.equal(ethers.parseEther("0.075"));
      await expectDelivery(f, 1_000n, penalty, 0n, { shipAt: D + late, pickUpAt: D + late + HOUR });
      expect((await f.agreements.agreement(f.id)).supplierLatePenalty).to.equal(lateCap(f.terms));
    });

    it("charges the late value only, over partial deliveries", async () => {
      const f = await loadFixture(activeFixture);
      const D = f.deadline;
      await expectDelivery(f, 400n, 0n, 0n, { quantity: 400n, shipAt: D - DAY });
      const penalty = latePenalty(f.terms, 600n, 3n * DAY);
      await expectDelivery(f, 600n, penalty, 0n, { quantity: 600n, shipAt: D + 3n * DAY });
      expect(penalty).to.equal(ethers.parseEther("0.009")); // 3 % of 0.3 ETH
      const v = await f.agreements.agreement(f.id);
      expect(v.delivered).to.equal(1_000n);
      expect(v.supplierLatePenalty).to.equal(penalty);
    });

    it("starts the carrier's clock at its pick-up, or at the receipt when it never recorded one", async () => {
      const f = await loadFixture(activeFixture);
      const S = f.deadline - 5n * DAY;
      // Picked up three days after the hand-over, unflagged: transit from the pick-up, one day: on time.
      await expectDelivery(f, 500n, 0n, 0n, {
        quantity: 500n,
        shipAt: S,
        pickUpAt: S + 3n * DAY,
        deliverAt: S + 4n * DAY,
      });
      // No pick-up nor delivery record, received a week later: the carrier's clock never ran.
      await expectDelivery(f, 500n, 0n, 0n, {
        quantity: 500n,
        pickUpAt: null,
        deliverAt: null,
        receiveAt: S + 12n * DAY,
      });
    });
  });

  describe("flagMissedPickUp", () => {
    it("runs a flagged carrier's clock from the end of the pick-up window", async () => {
      const f = await loadFixture(activeFixture);
      const S = f.deadline - 5n * DAY;
      const { shipment, shipmentId } = await deliver(f, { shipAt: S, pickUpAt: null, receiveAt: null });
      await time.setNextBlockTimestamp(S + PICK_UP_WINDOW + 1n);
      await expect(f.agreements.connect(f.maker).flagMissedPickUp(f.id, f.terms, shipment))
        .to.emit(f.agreements, "PickUpFlagged")
        .withArgs(f.id, shipmentId, f.maker.address);
      expect(await f.agreements.shipmentUse(shipmentId)).to.equal(ShipmentUse.Flagged);
      await time.setNextBlockTimestamp(S + 3n * DAY);
      await (await f.ledger.connect(f.carrier).pickUp(shipment)).wait();
      await time.setNextBlockTimestamp(S + 4n * DAY);
      await (await f.ledger.connect(f.carrier).deliver(shipment)).wait();
      await (await f.ledger.connect(f.hospital).receiveShipment(shipment, 1_000n, true)).wait();
      // Transit from S + 1 day to S + 4 days: one day beyond the allowance.
      await expect(f.agreements.recordDelivery(f.id, f.terms, shipment))
        .to.emit(f.agreements, "DeliveryRecorded")
        .withArgs(f.id, shipmentId, 1_000n, 0n, latePenalty(f.terms, 1_000n, DAY));
      expect(await f.agreements.shipmentUse(shipmentId)).to.equal(ShipmentUse.Recorded);
    });

    it("refuses within the window, after pick-up, twice, and from others than the supplier", async () => {
      const f = await loadFixture(activeFixture);
      const S = f.deadline - 5n * DAY;
      const { shipment, shipmentId } = await deliver(f, { shipAt: S, pickUpAt: null, receiveAt: null });
      await time.setNextBlockTimestamp(S + PICK_UP_WINDOW);
      await expectError(
        f,
        f.agreements.connect(f.maker).flagMissedPickUp(f.id, f.terms, shipment),
        "AgreementTooEarly",
        f.id,
        S + PICK_UP_WINDOW,
      );
      await expect(f.agreements.connect(f.carrier).flagMissedPickUp(f.id, f.terms, shipment))
        .to.be.revertedWithCustomError(f.agreements, "AllianceUnauthorized")
        .withArgs(f.carrier.address, SUPPLIERS);
      await expectError(
        f,
        f.agreements.connect(f.distributor).flagMissedPickUp(f.id, f.terms, shipment),
        "AgreementNotParty",
        f.id,
        f.distributor.address,
      );
      await (await f.agreements.connect(f.maker).flagMissedPickUp(f.id, f.terms, shipment)).wait();
      await expectError(
        f,
        f.agreements.connect(f.maker).flagMissedPickUp(f.id, f.terms, shipment),
        "AgreementShipmentUsed",
        shipmentId,
      );
      const other = await deliver(f, { pickUpAt: undefined, deliverAt: null, receiveAt: null, quantity: 10n });
      await time.increase(2n * DAY);
      await expectError(
        f,
        f.agreements.connect(f.maker).flagMissedPickUp(f.id, f.terms, other.shipment),
        "AgreementUnexpectedShipmentStatus",
        other.shipmentId,
        ShipmentStatus.PickedUp,
      );
    });

    it("refuses before the agreement is active", async () => {
      const f = await loadFixture(proposedFixture);
      const { shipment } = await deliver(f, { pickUpAt: null, receiveAt: null });
      await expectError(
        f,
        f.agreements.connect(f.maker).flagMissedPickUp(f.id, f.terms, shipment),
        "AgreementUnexpectedStatus",
        f.id,
        AgreementStatus.Proposed,
      );
    });
  });

  describe("when the delivery counts", () => {
    it("lets the carrier's delivery record stand once the buyer stays silent past the receipt window", async () => {
      const f = await loadFixture(activeFixture);
      const T = f.deadline;
      const { shipment, shipmentId } = await deliver(f, { shipAt: T - DAY, deliverAt: T, receiveAt: null });
      const rw = await f.ledger.receiptWindow();
      await time.setNextBlockTimestamp(T + rw);
      await expectError(
        f,
        f.agreements.recordDelivery(f.id, f.terms, shipment),
        "AgreementUnexpectedShipmentStatus",
        shipmentId,
        ShipmentStatus.Delivered,
      );
      await time.setNextBlockTimestamp(T + rw + 1n);
      await expect(f.agreements.recordDelivery(f.id, f.terms, shipment))
        .to.emit(f.agreements, "DeliveryRecorded")
        .withArgs(f.id, shipmentId, 1_000n, 0n, 0n);
      expect((await f.agreements.agreement(f.id)).lastReceiptAt).to.equal(T + rw);
    });

    it("ends transit at the delivery record even when the buyer receives late, and counts what arrived", async () => {
      const f = await loadFixture(activeFixture);
      const T = f.deadline;
      const rw = await f.ledger.receiptWindow();
      const { shipmentId } = await expectDelivery(f, 900n, 0n, 0n, {
        shipAt: T - DAY,
        deliverAt: T,
        receiveAt: T + rw + DAY,
        received: 900n,
      });
      const v = await f.agreements.agreement(f.id);
      expect([v.delivered, v.lastReceiptAt]).to.deep.equal([900n, T + rw + DAY]);
      expect(shipmentId).to.be.a("string");
    });

    it("counts what a regulator's settlement says arrived, transit ending at the settlement", async () => {
      const f = await loadFixture(activeFixture);
      const P = f.deadline - DAY;
      const { shipment, shipmentId } = await deliver(f, {
        shipAt: P - HOUR,
        pickUpAt: P,
        deliverAt: null,
        receiveAt: null,
      });
      const settledAt = P + 3n * DAY;
      await time.setNextBlockTimestamp(settledAt);
      await (await f.ledger.connect(f.regulatorA).settle(shipment, 800n, DOC)).wait();
      await expect(f.agreements.recordDelivery(f.id, f.terms, shipment))
        .to.emit(f.agreements, "DeliveryRecorded")
        .withArgs(f.id, shipmentId, 800n, 0n, latePenalty(f.terms, 800n, DAY));
      expect((await f.agreements.agreement(f.id)).lastReceiptAt).to.equal(settledAt);
    });

    it("keeps the latest receipt when an earlier one is recorded later", async () => {
      const f = await loadFixture(activeFixture);
      const first = await deliver(f, { quantity: 100n });
      const second = await deliver(f, { quantity: 100n });
      await (await f.agreements.recordDelivery(f.id, f.terms, second.shipment)).wait();
      const latest = (await f.agreements.agreement(f.id)).lastReceiptAt;
      await (await f.agreements.recordDelivery(f.id, f.terms, first.shipment)).wait();
      expect((await f.agreements.agreement(f.id)).lastReceiptAt).to.equal(latest);
    });
  });

  describe("refusals", () => {
    it("refuses a shipment not yet arrived, and fields no shipment has", async () => {
      const f = await loadFixture(activeFixture);
      const { shipment, shipmentId } = await deliver(f, { pickUpAt: null, receiveAt: null });
      await expectError(
        f,
        f.agreements.recordDelivery(f.id, f.terms, shipment),
        "AgreementUnexpectedShipmentStatus",
        shipmentId,
        ShipmentStatus.InTransit,
      );
      const ghost = { ...shipment, sequence: 999n };
      const ghostId = await f.ledger.shipmentIdOf(ghost);
      await expectError(
        f,
        f.agreements.recordDelivery(f.id, f.terms, ghost),
        "AgreementUnexpectedShipmentStatus",
        ghostId,
        ShipmentStatus.None,
      );
    });

    it("refuses a shipment recorded before", async () => {
      const f = await loadFixture(activeFixture);
      const { shipment, shipmentId } = await deliverAndRecord(f, { quantity: 10n });
      await expectError(f, f.agreements.recordDelivery(f.id, f.terms, shipment), "AgreementShipmentUsed", shipmentId);
    });

    it("refuses shipments of another agreement, sender, recipient, carrier or product", async () => {
      const f = await loadFixture(activeFixture);
      const { shipment } = await deliver(f, { quantity: 10n });
      const ref = agreementRef(await f.agreements.getAddress(), 2n);
      for (const change of [
        { ref },
        { fromOrgId: f.distributorOrgId },
        { toOrgId: f.hospital2OrgId },
        { carrierOrgId: f.carrier2OrgId },
      ]) {
        const s = { ...shipment, ...change };
        await expectError(
          f,
          f.agreements.recordDelivery(f.id, f.terms, s),
          "AgreementForeignShipment",
          f.id,
          await f.ledger.shipmentIdOf(s),
        );
      }
      const fabric = await releasedBatch(f, FABRIC, "FB-0100");
      const { shipment: s, shipmentId } = await deliver(f, { batchId: fabric, quantity: 10n });
      await expectError(f, f.agreements.recordDelivery(f.id, f.terms, s), "AgreementForeignShipment", f.id, shipmentId);
    });

    it("refuses a batch with less than the minimum shelf life left at hand-over", async () => {
      const f = await loadFixture(proposedFixture);
      const terms = buildTerms({ ...f.terms }, { minShelfLife: 3n * 365n * DAY });
      const id = await activate(f, terms);
      const { shipment, shipmentId } = await deliver(f, { agreementId: id, quantity: 10n });
      const { shippedAt } = await f.ledger.shipmentState(shipmentId);
      const { expiresAt } = await f.ledger.batch(f.maskId);
      await expectError(
        f,
        f.agreements.recordDelivery(id, terms, shipment),
        "AgreementShelfLifeTooShort",
        shipmentId,
        expiresAt,
        shippedAt + terms.minShelfLife,
      );
    });

    it("refuses more than the quantity still to deliver", async () => {
      const f = await loadFixture(activeFixture);
      await deliverAndRecord(f, { quantity: 600n });
      const { shipment } = await deliver(f, { quantity: 401n });
      await expectError(
        f,
        f.agreements.recordDelivery(f.id, f.terms, shipment),
        "AgreementQuantityExceeded",
        f.id,
        401n,
        400n,
      );
    });

    it("refuses before activation and with other terms", async () => {
      const f = await loadFixture(proposedFixture);
      const { shipment } = await deliver(f, { quantity: 10n });
      await expectError(
        f,
        f.agreements.recordDelivery(f.id, f.terms, shipment),
        "AgreementUnexpectedStatus",
        f.id,
        AgreementStatus.Proposed,
      );
      await expectError(
        f,
        f.agreements.recordDelivery(f.id, { ...f.terms, quantity: 1n }, shipment),
        "AgreementTermsMismatch",
        f.id,
      );
    });

    it("records deliveries while the alliance is paused", async () => {
      const f = await loadFixture(activeFixture);
      const { shipment } = await deliver(f, { quantity: 10n });
      await (await f.registry.connect(f.guardian).pause()).wait();
      await expect(f.agreements.connect(f.freeAccounts[0]).recordDelivery(f.id, f.terms, shipment)).to.emit(
        f.agreements,
        "DeliveryRecorded",
      );
    });
  });
});
