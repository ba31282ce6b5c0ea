import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { BusinessRole, roleMask } from "../../scripts/lib/alliance";
import {
  AgreementParty,
  AgreementStatus,
  Ruling,
  ShipmentUse,
  agreementRef,
  buildTerms,
  fund,
  propose,
  sign,
  valueOf,
} from "../../scripts/lib/agreements";
import { ShipmentStatus, ship } from "../../scripts/lib/trace";
import { REFUSAL } from "../helpers/custodyFixture";
import { shouldBeRestrictedTo } from "../helpers/behaviours";
import { FABRIC, releasedBatch } from "../helpers/traceFixture";
import {
  type ActiveFixture,
  type ClaimedFixture,
  EVIDENCE,
  FM_EVIDENCE,
  RULING_REASONS,
  DAY,
  activate,
  activeFixture,
  agreementFixture,
  claimedFixture,
  deliverAndRecord,
  deliveredFixture,
  expectError,
  proposedFixture,
  rejectedFixture,
  returnByOf,
  returnReceived,
  shipBack,
  timeOf,
} from "./agreementFixture";

const BUYERS = roleMask(BusinessRole.Hospital, BusinessRole.Agency);
const SIGNERS = roleMask(BusinessRole.Manufacturer, BusinessRole.Logistics, BusinessRole.Distributor);

const regulatorContext = (f: ActiveFixture) => ({
  registry: f.registry,
  governor: f.governor,
  guardian: f.guardian,
  regulators: f.regulators,
  admin: f.hospital,
  freeAccounts: f.freeAccounts,
});

describe("SupplyAgreements: claims, returns and force majeure", () => {
  describe("fileClaim", () => {
    it("opens a claim for a quantity with evidence", async () => {
      const f = await loadFixture(deliveredFixture);
      const tx = f.agreements.connect(f.hospital).fileClaim(f.id, f.terms, 40n, EVIDENCE);
      await expect(tx).to.emit(f.agreements, "ClaimFiled").withArgs(f.id, 40n, EVIDENCE);
      const v = await f.agreements.agreement(f.id);
      expect(v.claimed).to.equal(40n);
      expect(v.claimFiledAt).to.equal(await timeOf(await tx));
    });

    it("accepts a claim in the last second of the inspection window and refuses it one second later", async () => {
      const f = await loadFixture(deliveredFixture);
      const end = f.receivedAt + f.terms.inspectionWindow;
      await time.setNextBlockTimestamp(end + 1n);
      await expectError(
        f,
        f.agreements.connect(f.hospital).fileClaim(f.id, f.terms, 1n, EVIDENCE),
        "AgreementTooLate",
        f.id,
        end,
      );
      const g = await loadFixture(deliveredFixture);
      await time.setNextBlockTimestamp(end);
      await expect(g.agreements.connect(g.hospital).fileClaim(g.id, g.terms, 1n, EVIDENCE)).to.emit(
        g.agreements,
        "ClaimFiled",
      );
    });

    it("refuses zero, more than delivered, no evidence, and a second open claim", async () => {
      const f = await loadFixture(deliveredFixture);
      const c = f.agreements.connect(f.hospital);
      await expectError(f, c.fileClaim(f.id, f.terms, 0n, EVIDENCE), "AgreementQuantityExceeded", f.id, 0n, 1_000n);
      await expectError(
        f,
        c.fileClaim(f.id, f.terms, 1_001n, EVIDENCE),
        "AgreementQuantityExceeded",
        f.id,
        1_001n,
        1_000n,
      );
      await expectError(f, c.fileClaim(f.id, f.terms, 1n, ethers.ZeroHash), "AgreementEmptyHash");
      await (await c.fileClaim(f.id, f.terms, 1n, EVIDENCE)).wait();
      await expectError(f, c.fileClaim(f.id, f.terms, 1n, EVIDENCE), "AgreementClaimOpen", f.id);
    });

    it("refuses others than the buyer, and agreements not active or terminated", async () => {
      const f = await loadFixture(deliveredFixture);
      await expectError(
        f,
        f.agreements.connect(f.hospital2).fileClaim(f.id, f.terms, 1n, EVIDENCE),
        "AgreementNotParty",
        f.id,
        f.hospital2.address,
      );
      await expect(f.agreements.connect(f.maker).fileClaim(f.id, f.terms, 1n, EVIDENCE))
        .to.be.revertedWithCustomError(f.agreements, "AllianceUnauthorized")
        .withArgs(f.maker.address, BUYERS);
      const p = await loadFixture(proposedFixture);
      await expectError(
        p,
        p.agreements.connect(p.hospital).fileClaim(p.id, p.terms, 1n, EVIDENCE),
        "AgreementUnexpectedStatus",
        p.id,
        AgreementStatus.Proposed,
      );
    });

    it("excludes quantity already rejected", async () => {
      const f = await loadFixture(rejectedFixture);
      await expectError(
        f,
        f.agreements.connect(f.hospital).fileClaim(f.id, f.terms, 961n, EVIDENCE),
        "AgreementQuantityExceeded",
        f.id,
        961n,
        960n,
      );
    });
  });

  describe("ruleClaim", () => {
    it("rejects the goods against the supplier: defect charged, return awaited, reputation marked", async () => {
      const f = await loadFixture(claimedFixture);
      const tx = f.agreements.connect(f.regulatorA).ruleClaim(f.id, f.terms, Ruling.SupplierAtFault, RULING_REASONS);
      await expect(tx).to.emit(f.agreements, "ClaimRuled").withArgs(f.id, Ruling.SupplierAtFault, 40n, RULING_REASONS);
      const at = await timeOf(await tx);
      const v = await f.agreements.agreement(f.id);
      expect([v.claimed, v.claimFiledAt, v.supplierDefects, v.carrierDefects, v.pendingReturn]).to.deep.equal([
        0n,
        0n,
        40n,
        0n,
        40n,
      ]);
      expect(v.returnBy).to.equal(await returnByOf(f, at));
      expect((await f.agreements.reputationOf(f.makerOrgId)).defective).to.equal(1n);
    });

    it("holds the return deadline at the largest time it can store rather than wrapping", async () => {
      const f = await loadFixture(agreementFixture);
      const terms = buildTerms({ ...f.terms }, { inspectionWindow: 2n ** 32n - 1n });
      const id = await activate(f, terms);
      await deliverAndRecord({ ...f, id, terms }, {}, terms);
      await (await f.agreements.connect(f.hospital).fileClaim(id, terms, 1n, EVIDENCE)).wait();
      await (
        await f.agreements.connect(f.regulatorA).ruleClaim(id, terms, Ruling.SupplierAtFault, RULING_REASONS)
      ).wait();
      expect((await f.agreements.agreement(id)).returnBy).to.equal(2n ** 32n - 1n);
    });

    it("rejects the goods against the carrier", async () => {
      const f = await loadFixture(claimedFixture);
      await (
        await f.agreements.connect(f.regulatorA).ruleClaim(f.id, f.terms, Ruling.CarrierAtFault, RULING_REASONS)
      ).wait();
      const v = await f.agreements.agreement(f.id);
      expect([v.supplierDefects, v.carrierDefects, v.pendingReturn]).to.deep.equal([0n, 40n, 40n]);
      expect((await f.agreements.reputationOf(f.carrierOrgId)).defective).to.equal(1n);
    });

    it("rejects the claim: the goods count as accepted", async () => {
      const f = await loadFixture(claimedFixture);
      await expect(f.agreements.connect(f.regulatorA).ruleClaim(f.id, f.terms, Ruling.Rejected, RULING_REASONS))
        .to.emit(f.agreements, "ClaimRuled")
        .withArgs(f.id, Ruling.Rejected, 40n, RULING_REASONS);
      const v = await f.agreements.agreement(f.id);
      expect([v.claimed, v.pendingReturn, v.supplierDefects, v.carrierDefects]).to.deep.equal([0n, 0n, 0n, 0n]);
    });

    it("rules in the last second of the ruling window, not one second later", async () => {
      const f = await loadFixture(claimedFixture);
      const end = f.filedAt + f.terms.rulingWindow;
      await time.setNextBlockTimestamp(end + 1n);
      await expectError(
        f,
        f.agreements.connect(f.regulatorA).ruleClaim(f.id, f.terms, Ruling.Rejected, RULING_REASONS),
        "AgreementTooLate",
        f.id,
        end,
      );
      const g = await loadFixture(claimedFixture);
      await time.setNextBlockTimestamp(end);
      await expect(
        g.agreements.connect(g.regulatorA).ruleClaim(g.id, g.terms, Ruling.Rejected, RULING_REASONS),
      ).to.emit(g.agreements, "ClaimRuled");
    });

    it("refuses no ruling, no reasons and no open claim", async () => {
      const f = await loadFixture(claimedFixture);
      const r = f.agreements.connect(f.regulatorA);
      await expectError(
        f,
        r.ruleClaim(f.id, f.terms, Ruling.None, RULING_REASONS),
        "AgreementInvalidRuling",
        Ruling.None,
      );
      await expectError(f, r.ruleClaim(f.id, f.terms, Ruling.Rejected, ethers.ZeroHash), "AgreementEmptyHash");
      await (await r.ruleClaim(f.id, f.terms, Ruling.Rejected, RULING_REASONS)).wait();
      await expectError(f, r.ruleClaim(f.id, f.terms, Ruling.Rejected, RULING_REASONS), "AgreementNoClaim", f.id);
    });

    shouldBeRestrictedTo<ClaimedFixture>("regulator", {
      load: () => loadFixture(claimedFixture),
      context: regulatorContext,
      errorsFrom: (f) => f.agreements,
      send: (f, signer) => f.agreements.connect(signer).ruleClaim(f.id, f.terms, Ruling.Rejected, RULING_REASONS),
    });
  });

  describe("lapseClaim", () => {
    it("lets anyone lapse an unruled claim after the window: return and refund, no penalty", async () => {
      const f = await loadFixture(claimedFixture);
      const end = f.filedAt + f.terms.rulingWindow;
      await time.setNextBlockTimestamp(end);
      await expectError(f, f.agreements.lapseClaim(f.id, f.terms), "AgreementTooEarly", f.id, end);
      await time.setNextBlockTimestamp(end + 1n);
      await expect(f.agreements.connect(f.freeAccounts[0]).lapseClaim(f.id, f.terms))
        .to.emit(f.agreements, "ClaimLapsed")
        .withArgs(f.id, 40n);
      const v = await f.agreements.agreement(f.id);
      expect([v.claimed, v.pendingReturn, v.supplierDefects, v.carrierDefects]).to.deep.equal([0n, 40n, 0n, 0n]);
      expect(v.returnBy).to.equal(await returnByOf(f, end + 1n));
    });

    it("refuses without an open claim", async () => {
      const f = await loadFixture(deliveredFixture);
      await expectError(f, f.agreements.lapseClaim(f.id, f.terms), "AgreementNoClaim", f.id);
    });
  });

  describe("recordReturn", () => {
    it("refunds rejected goods once the supplier received them in full; each shipment counts once", async () => {
      const f = await loadFixture(rejectedFixture);
      const { shipment, shipmentId } = await shipBack(f, 40n);
      // Shipped is not returned: the supplier does not have the goods yet.
      await expectError(
        f,
        f.agreements.recordReturn(f.id, f.terms, shipment),
        "AgreementUnexpectedShipmentStatus",
        shipmentId,
        ShipmentStatus.InTransit,
      );
      await (await f.ledger.connect(f.carrier).pickUp(shipment)).wait();
      await expectError(
        f,
        f.agreements.recordReturn(f.id, f.terms, shipment),
        "AgreementUnexpectedShipmentStatus",
        shipmentId,
        ShipmentStatus.PickedUp,
      );
      await (await f.ledger.connect(f.maker).receiveShipment(shipment, 40n, true)).wait();
      const refund = valueOf(f.terms, 40n);
      const tx = f.agreements.connect(f.freeAccounts[0]).recordReturn(f.id, f.terms, shipment);
      await expect(tx).to.emit(f.agreements, "ReturnRecorded").withArgs(f.id, shipmentId, 40n, refund);
      await expect(tx).to.emit(f.agreements, "Credited").withArgs(ethers.ZeroAddress, f.hospital.address, refund);
      const v = await f.agreements.agreement(f.id);
      expect([v.pendingReturn, v.returned]).to.deep.equal([0n, 40n]);
      expect(await f.agreements.creditOf(ethers.ZeroAddress, f.hospital.address)).to.equal(refund);
      expect(await f.agreements.shipmentUse(shipmentId)).to.equal(ShipmentUse.Recorded);
      await expectError(f, f.agreements.recordReturn(f.id, f.terms, shipment), "AgreementShipmentUsed", shipmentId);
    });

    it("refunds only what the supplier received: a shortfall stays awaiting return", async () => {
      const f = await loadFixture(rejectedFixture);
      const first = await returnReceived(f, 40n, 30n);
      await expect(f.agreements.recordReturn(f.id, f.terms, first.shipment))
        .to.emit(f.agreements, "ReturnRecorded")
        .withArgs(f.id, first.shipmentId, 30n, valueOf(f.terms, 30n));
      let v = await f.agreements.agreement(f.id);
      expect([v.pendingReturn, v.returned]).to.deep.equal([10n, 30n]);
      await expectError(
        f,
        f.agreements.recordReturn(f.id, f.terms, first.shipment),
        "AgreementShipmentUsed",
        first.shipmentId,
      );
      // The buyer ships the missing ten again; they count once received.
      const second = await returnReceived(f, 10n);
      await expect(f.agreements.recordReturn(f.id, f.terms, second.shipment))
        .to.emit(f.agreements, "ReturnRecorded")
        .withArgs(f.id, second.shipmentId, 10n, valueOf(f.terms, 10n));
      v = await f.agreements.agreement(f.id);
      expect([v.pendingReturn, v.returned]).to.deep.equal([0n, 40n]);
      expect(await f.agreements.creditOf(ethers.ZeroAddress, f.hospital.address)).to.equal(valueOf(f.terms, 40n));
    });

    it("counts a return a regulator settled on the ledger, for the quantity stated", async () => {
      const f = await loadFixture(rejectedFixture);
      const { shipment, shipmentId } = await shipBack(f, 40n);
      await (await f.ledger.connect(f.maker).refuse(shipment, REFUSAL)).wait();
      // A wrongful refusal: a regulator settles the shipment, stating what the supplier received.
      await (await f.ledger.connect(f.regulatorA).settle(shipment, 35n, RULING_REASONS)).wait();
      await expect(f.agreements.recordReturn(f.id, f.terms, shipment))
        .to.emit(f.agreements, "ReturnRecorded")
        .withArgs(f.id, shipmentId, 35n, valueOf(f.terms, 35n));
      const v = await f.agreements.agreement(f.id);
      expect([v.pendingReturn, v.returned]).to.deep.equal([5n, 35n]);
    });

    it("counts a silent supplier's return once the receipt window after the delivery record has passed", async () => {
      const f = await loadFixture(rejectedFixture);
      const { shipment, shipmentId } = await shipBack(f, 40n);
      await (await f.ledger.connect(f.carrier).pickUp(shipment)).wait();
      const deliveredAt = await timeOf(await f.ledger.connect(f.carrier).deliver(shipment));
      const windowEnds = deliveredAt + (await f.ledger.receiptWindow());
      await time.setNextBlockTimestamp(windowEnds);
      await expectError(f, f.agreements.recordReturn(f.id, f.terms, shipment), "AgreementTooEarly", f.id, windowEnds);
      await time.setNextBlockTimestamp(windowEnds + 1n);
      await expect(f.agreements.recordReturn(f.id, f.terms, shipment))
        .to.emit(f.agreements, "ReturnRecorded")
        .withArgs(f.id, shipmentId, 40n, valueOf(f.terms, 40n));
      const v = await f.agreements.agreement(f.id);
      expect([v.pendingReturn, v.returned]).to.deep.equal([0n, 40n]);
    });

    it("does not refund a return the supplier refused; the buyer may ship again", async () => {
      const f = await loadFixture(rejectedFixture);
      const { shipment, shipmentId } = await shipBack(f, 40n);
      await (await f.ledger.connect(f.carrier).pickUp(shipment)).wait();
      await (await f.ledger.connect(f.carrier).deliver(shipment)).wait();
      await (await f.ledger.connect(f.maker).refuse(shipment, REFUSAL)).wait();
      // Refused within the receipt window: even after it, the refusal stands.
      await time.increase((await f.ledger.receiptWindow()) + 1n);
      await expectError(
        f,
        f.agreements.recordReturn(f.id, f.terms, shipment),
        "AgreementUnexpectedShipmentStatus",
        shipmentId,
        ShipmentStatus.Refused,
      );
      await (await f.ledger.connect(f.carrier).recordReturn(shipment)).wait();
      await expectError(
        f,
        f.agreements.recordReturn(f.id, f.terms, shipment),
        "AgreementUnexpectedShipmentStatus",
        shipmentId,
        ShipmentStatus.Returned,
      );
      let v = await f.agreements.agreement(f.id);
      expect([v.pendingReturn, v.returned]).to.deep.equal([40n, 0n]);
      expect(await f.agreements.creditOf(ethers.ZeroAddress, f.hospital.address)).to.equal(0n);
      expect(await f.agreements.shipmentUse(shipmentId)).to.equal(ShipmentUse.None);
      const again = await returnReceived(f, 40n);
      await expect(f.agreements.recordReturn(f.id, f.terms, again.shipment))
        .to.emit(f.agreements, "ReturnRecorded")
        .withArgs(f.id, again.shipmentId, 40n, valueOf(f.terms, 40n));
      v = await f.agreements.agreement(f.id);
      expect([v.pendingReturn, v.returned]).to.deep.equal([0n, 40n]);
    });

    it("accepts a return to the batch's maker when the supplier is a distributor", async () => {
      const f = await loadFixture(agreementFixture);
      const terms = buildTerms({ ...f.terms, supplierOrgId: f.distributorOrgId }, { quantity: 50n });
      const id = await propose(f.agreements, f.hospital, terms);
      await (await sign(f.agreements, f.distributor, id, terms, terms.supplierCollateral)).wait();
      await (await sign(f.agreements, f.carrier, id, terms, terms.carrierCollateral)).wait();
      await (await fund(f.agreements, f.hospital, id, terms)).wait();
      const stock = await ship(f.ledger, f.maker, {
        batchId: f.maskId,
        toOrgId: f.distributorOrgId,
        quantity: 50n,
        carrierOrgId: f.carrierOrgId,
      });
      await (await f.ledger.connect(f.distributor).receiveShipment(stock.shipment, 50n, true)).wait();
      const ref = agreementRef(await f.agreements.getAddress(), id);
      const delivery = await ship(f.ledger, f.distributor, {
        batchId: f.maskId,
        toOrgId: f.hospitalOrgId,
        quantity: 50n,
        carrierOrgId: f.carrierOrgId,
        ref,
      });
      await (await f.ledger.connect(f.hospital).receiveShipment(delivery.shipment, 50n, true)).wait();
      await (await f.agreements.recordDelivery(id, terms, delivery.shipment)).wait();
      await (await f.agreements.connect(f.hospital).fileClaim(id, terms, 10n, EVIDENCE)).wait();
      await (
        await f.agreements.connect(f.regulatorA).ruleClaim(id, terms, Ruling.SupplierAtFault, RULING_REASONS)
      ).wait();
      const back = await ship(f.ledger, f.hospital, {
        batchId: f.maskId,
        toOrgId: f.makerOrgId,
        quantity: 10n,
        carrierOrgId: f.carrierOrgId,
        ref,
      });
      await (await f.ledger.connect(f.maker).receiveShipment(back.shipment, 10n, true)).wait();
      await expect(f.agreements.recordReturn(id, terms, back.shipment))
        .to.emit(f.agreements, "ReturnRecorded")
        .withArgs(id, back.shipmentId, 10n, valueOf(terms, 10n));
    });

    it("caps the refund at what awaits return, and refuses a return where nothing counts", async () => {
      const f = await loadFixture(rejectedFixture);
      const over = await returnReceived(f, 41n);
      await expect(f.agreements.recordReturn(f.id, f.terms, over.shipment))
        .to.emit(f.agreements, "ReturnRecorded")
        .withArgs(f.id, over.shipmentId, 40n, valueOf(f.terms, 40n));
      const more = await returnReceived(f, 5n);
      await expectError(
        f,
        f.agreements.recordReturn(f.id, f.terms, more.shipment),
        "AgreementQuantityExceeded",
        f.id,
        5n,
        0n,
      );
      expect(await f.agreements.shipmentUse(more.shipmentId)).to.equal(ShipmentUse.None);
    });

    it("refuses a return of which the supplier received nothing", async () => {
      const f = await loadFixture(rejectedFixture);
      const { shipment, shipmentId } = await shipBack(f, 40n);
      await (await f.ledger.connect(f.regulatorA).settle(shipment, 0n, RULING_REASONS)).wait();
      await expectError(
        f,
        f.agreements.recordReturn(f.id, f.terms, shipment),
        "AgreementQuantityExceeded",
        f.id,
        0n,
        40n,
      );
      expect(await f.agreements.shipmentUse(shipmentId)).to.equal(ShipmentUse.None);
    });

    it("refuses foreign shipments: another reference, sender, recipient or product", async () => {
      const f = await loadFixture(rejectedFixture);
      const { shipment } = await shipBack(f, 10n);
      const other = await shipBack(f, 10n, f.hospital2OrgId);
      await expectError(
        f,
        f.agreements.recordReturn(f.id, f.terms, other.shipment),
        "AgreementForeignShipment",
        f.id,
        other.shipmentId,
      );
      const fabric = await releasedBatch(f, FABRIC, "FB-0200");
      for (const change of [{ ref: ethers.ZeroHash }, { fromOrgId: f.hospital2OrgId }, { batchId: fabric }]) {
        const s = { ...shipment, ...change };
        await expectError(
          f,
          f.agreements.recordReturn(f.id, f.terms, s),
          "AgreementForeignShipment",
          f.id,
          await f.ledger.shipmentIdOf(s),
        );
      }
    });

    it("refuses fields no shipment has", async () => {
      const f = await loadFixture(rejectedFixture);
      const { shipment } = await shipBack(f, 10n);
      const ghost = { ...shipment, sequence: 999n };
      await expectError(
        f,
        f.agreements.recordReturn(f.id, f.terms, ghost),
        "AgreementUnexpectedShipmentStatus",
        await f.ledger.shipmentIdOf(ghost),
        ShipmentStatus.None,
      );
    });

    it("refuses a return the buyer reclaimed", async () => {
      const f = await loadFixture(rejectedFixture);
      const { shipment, shipmentId } = await shipBack(f, 10n);
      await (await f.ledger.connect(f.carrier).pickUp(shipment)).wait();
      await (await f.ledger.connect(f.carrier).deliver(shipment)).wait();
      await time.increase((await f.ledger.receiptWindow()) + 1n);
      await (await f.ledger.connect(f.hospital).reclaim(shipment)).wait();
      await expectError(
        f,
        f.agreements.recordReturn(f.id, f.terms, shipment),
        "AgreementUnexpectedShipmentStatus",
        shipmentId,
        ShipmentStatus.Reclaimed,
      );
    });

    it("refuses on an agreement that is not active or terminated", async () => {
      const f = await loadFixture(proposedFixture);
      const any = {
        batchId: f.maskId,
        fromOrgId: f.hospitalOrgId,
        toOrgId: f.makerOrgId,
        carrierOrgId: f.carrierOrgId,
        fromGln: 0n,
        toGln: 0n,
        quantity: 1n,
        ref: ethers.ZeroHash,
        sequence: 0n,
      };
      await expectError(
        f,
        f.agreements.recordReturn(f.id, f.terms, any),
        "AgreementUnexpectedStatus",
        f.id,
        AgreementStatus.Proposed,
      );
    });
  });

  describe("force majeure", () => {
    it("lets the supplier and the carrier each claim once, with evidence", async () => {
      const f = await loadFixture(activeFixture);
      const tx = f.agreements.connect(f.maker).claimForceMajeure(f.id, f.terms, FM_EVIDENCE);
      await expect(tx)
        .to.emit(f.agreements, "ForceMajeureClaimed")
        .withArgs(f.id, AgreementParty.Supplier, FM_EVIDENCE);
      expect((await f.agreements.agreement(f.id)).supplierForceMajeureAt).to.equal(await timeOf(await tx));
      await expect(f.agreements.connect(f.carrier).claimForceMajeure(f.id, f.terms, FM_EVIDENCE))
        .to.emit(f.agreements, "ForceMajeureClaimed")
        .withArgs(f.id, AgreementParty.Carrier, FM_EVIDENCE);
      await expectError(
        f,
        f.agreements.connect(f.maker).claimForceMajeure(f.id, f.terms, FM_EVIDENCE),
        "AgreementAlreadyDone",
        f.id,
        AgreementParty.Supplier,
      );
      await expectError(
        f,
        f.agreements.connect(f.carrier).claimForceMajeure(f.id, f.terms, FM_EVIDENCE),
        "AgreementAlreadyDone",
        f.id,
        AgreementParty.Carrier,
      );
    });

    it("refuses without evidence, from others, before activation, and where the terms exclude it", async () => {
      const f = await loadFixture(activeFixture);
      await expectError(
        f,
        f.agreements.connect(f.maker).claimForceMajeure(f.id, f.terms, ethers.ZeroHash),
        "AgreementEmptyHash",
      );
      await expect(f.agreements.connect(f.hospital).claimForceMajeure(f.id, f.terms, FM_EVIDENCE))
        .to.be.revertedWithCustomError(f.agreements, "AllianceUnauthorized")
        .withArgs(f.hospital.address, SIGNERS);
      await expectError(
        f,
        f.agreements.connect(f.carrier2).claimForceMajeure(f.id, f.terms, FM_EVIDENCE),
        "AgreementNotParty",
        f.id,
        f.carrier2.address,
      );
      const terms = buildTerms({ ...f.terms }, { forceMajeure: false });
      const id = await activate(f, terms);
      await expectError(
        f,
        f.agreements.connect(f.maker).claimForceMajeure(id, terms, FM_EVIDENCE),
        "AgreementForceMajeureExcluded",
        id,
      );
      const p = await loadFixture(proposedFixture);
      await expectError(
        p,
        p.agreements.connect(p.maker).claimForceMajeure(p.id, p.terms, FM_EVIDENCE),
        "AgreementUnexpectedStatus",
        p.id,
        AgreementStatus.Proposed,
      );
    });

    it("accepts or rejects within the ruling window", async () => {
      const f = await loadFixture(activeFixture);
      await (await f.agreements.connect(f.maker).claimForceMajeure(f.id, f.terms, FM_EVIDENCE)).wait();
      const filed = await timeOf(await f.agreements.connect(f.carrier).claimForceMajeure(f.id, f.terms, FM_EVIDENCE));
      const r = f.agreements.connect(f.regulatorA);
      await expect(r.ruleForceMajeure(f.id, f.terms, AgreementParty.Supplier, true, RULING_REASONS))
        .to.emit(f.agreements, "ForceMajeureRuled")
        .withArgs(f.id, AgreementParty.Supplier, true, RULING_REASONS);
      await expectError(
        f,
        r.ruleForceMajeure(f.id, f.terms, AgreementParty.Supplier, true, RULING_REASONS),
        "AgreementNotDone",
        f.id,
        AgreementParty.Supplier,
      );
      await expectError(
        f,
        r.ruleForceMajeure(f.id, f.terms, AgreementParty.None, true, RULING_REASONS),
        "AgreementNotDone",
        f.id,
        AgreementParty.None,
      );
      await expectError(
        f,
        r.ruleForceMajeure(f.id, f.terms, AgreementParty.Carrier, false, ethers.ZeroHash),
        "AgreementEmptyHash",
      );
      const end = filed + f.terms.rulingWindow;
      await time.setNextBlockTimestamp(end + 1n);
      await expectError(
        f,
        r.ruleForceMajeure(f.id, f.terms, AgreementParty.Carrier, false, RULING_REASONS),
        "AgreementTooLate",
        f.id,
        end,
      );
      let v = await f.agreements.agreement(f.id);
      expect([v.supplierExcused, v.carrierExcused, v.supplierForceMajeureAt]).to.deep.equal([true, false, 0n]);
      const g = await loadFixture(activeFixture);
      const t = await timeOf(await g.agreements.connect(g.carrier).claimForceMajeure(g.id, g.terms, FM_EVIDENCE));
      await time.setNextBlockTimestamp(t + g.terms.rulingWindow);
      await (
        await g.agreements
          .connect(g.regulatorA)
          .ruleForceMajeure(g.id, g.terms, AgreementParty.Carrier, true, RULING_REASONS)
      ).wait();
      v = await g.agreements.agreement(g.id);
      expect([v.carrierExcused, v.carrierForceMajeureAt]).to.deep.equal([true, 0n]);
      const h = await loadFixture(activeFixture);
      await (await h.agreements.connect(h.carrier).claimForceMajeure(h.id, h.terms, FM_EVIDENCE)).wait();
      await (
        await h.agreements
          .connect(h.regulatorA)
          .ruleForceMajeure(h.id, h.terms, AgreementParty.Carrier, false, RULING_REASONS)
      ).wait();
      v = await h.agreements.agreement(h.id);
      expect([v.carrierExcused, v.carrierForceMajeureAt]).to.deep.equal([false, 0n]);
    });

    shouldBeRestrictedTo<ActiveFixture>("regulator", {
      load: async () => {
        const f = await loadFixture(activeFixture);
        await (await f.agreements.connect(f.maker).claimForceMajeure(f.id, f.terms, FM_EVIDENCE)).wait();
        return f;
      },
      context: regulatorContext,
      errorsFrom: (f) => f.agreements,
      send: (f, signer) =>
        f.agreements.connect(signer).ruleForceMajeure(f.id, f.terms, AgreementParty.Supplier, true, RULING_REASONS),
    });
  });

  it("fixture sanity: a claim stays open for the ruling window", async () => {
    const f = await loadFixture(claimedFixture);
    expect(f.terms.rulingWindow).to.equal(7n * DAY);
    expect((await f.agreements.agreement(f.id)).claimed).to.equal(40n);
  });
});
