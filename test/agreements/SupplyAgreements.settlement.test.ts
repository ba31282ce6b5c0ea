import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { BusinessRole, roleMask } from "../../scripts/lib/alliance";
import {
  AgreementParty,
  AgreementStatus,
  Ruling,
  buildTerms,
  defectPenalty,
  fundingOf,
  lateCap,
  latePenalty,
  valueOf,
} from "../../scripts/lib/agreements";
import { REFUSAL } from "../helpers/custodyFixture";
import {
  type AgreementFixture,
  DAY,
  FM_EVIDENCE,
  RULING_REASONS,
  EVIDENCE,
  TOKEN_UNIT,
  activate,
  activeFixture,
  claimedFixture,
  deliver,
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
const ETH = ethers.ZeroAddress;

/** Everyone's credits of `asset` and what the contract owes. */
async function credits(f: AgreementFixture, asset = ETH) {
  return {
    buyer: await f.agreements.creditOf(asset, f.hospital.address),
    supplier: await f.agreements.creditOf(asset, f.maker.address),
    carrier: await f.agreements.creditOf(asset, f.carrier.address),
    owed: await f.agreements.owed(asset),
  };
}

describe("SupplyAgreements: settlement and termination", () => {
  describe("settle", () => {
    it("pays the price, the fee and the collateral back after the inspection window; everyone withdraws", async () => {
      const f = await loadFixture(deliveredFixture);
      const end = f.receivedAt + f.terms.inspectionWindow;
      await time.setNextBlockTimestamp(end);
      await expectError(f, f.agreements.settle(f.id, f.terms), "AgreementTooEarly", f.id, end);
      await time.setNextBlockTimestamp(end + 1n);
      const supplierCredit = valueOf(f.terms) + f.terms.supplierCollateral;
      const carrierCredit = f.terms.carrierFee + f.terms.carrierCollateral;
      await expect(f.agreements.connect(f.freeAccounts[0]).settle(f.id, f.terms))
        .to.emit(f.agreements, "AgreementSettled")
        .withArgs(f.id, 0n, 0n, supplierCredit, carrierCredit);
      expect(await credits(f)).to.deep.equal({
        buyer: 0n,
        supplier: supplierCredit,
        carrier: carrierCredit,
        owed: supplierCredit + carrierCredit,
      });
      expect((await f.agreements.agreement(f.id)).status).to.equal(AgreementStatus.Settled);
      for (const org of [f.makerOrgId, f.carrierOrgId]) {
        const r = await f.agreements.reputationOf(org);
        expect([r.fulfilled, r.late, r.defective]).to.deep.equal([1n, 0n, 0n]);
      }
      await expect(f.agreements.connect(f.maker).withdraw(ETH)).to.changeEtherBalance(f.maker, supplierCredit);
      await expect(f.agreements.connect(f.carrier).withdraw(ETH)).to.changeEtherBalance(f.carrier, carrierCredit);
      expect(await f.agreements.owed(ETH)).to.equal(0n);
      expect(await ethers.provider.getBalance(await f.agreements.getAddress())).to.equal(0n);
      await expectError(
        f,
        f.agreements.settle(f.id, f.terms),
        "AgreementUnexpectedStatus",
        f.id,
        AgreementStatus.Settled,
      );
    });

    it("pays penalties to the buyer from collateral: late supplier, late carrier, defect against the carrier", async () => {
      const f = await loadFixture(proposedFixture);
      const terms = buildTerms({ ...f.terms }, { asset: await f.token.getAddress(), unitPrice: TOKEN_UNIT });
      const id = await activate(f, terms);
      const D = terms.handOverDeadline;
      // Handed over three days late, carried one day beyond the allowance.
      const P = D + 3n * DAY;
      await deliverAndRecord(
        { ...f, id, terms },
        { shipAt: P, pickUpAt: P + 60n, deliverAt: P + 60n + terms.transitAllowance + DAY, receiveAt: P + 4n * DAY },
        terms,
      );
      await (await f.agreements.connect(f.hospital).fileClaim(id, terms, 40n, EVIDENCE)).wait();
      await (
        await f.agreements.connect(f.regulatorA).ruleClaim(id, terms, Ruling.CarrierAtFault, RULING_REASONS)
      ).wait();
      const { shipment } = await shipBack({ ...f, id, terms }, 30n, undefined, id);
      await (await f.ledger.connect(f.maker).receiveShipment(shipment, 30n, true)).wait();
      await (await f.agreements.recordReturn(id, terms, shipment)).wait();
      await time.increaseTo((await f.agreements.agreement(id)).returnBy + 1n);
      const supplierPenalty = latePenalty(terms, 1_000n, 3n * DAY);
      const carrierPenalty = latePenalty(terms, 1_000n, DAY) + defectPenalty(terms, 40n);
      // 30 returned and refunded; 10 rejected but never returned count as accepted.
      const supplierCredit = valueOf(terms, 970n) + terms.supplierCollateral - supplierPenalty;
      const carrierCredit = terms.carrierFee + terms.carrierCollateral - carrierPenalty;
      await expect(f.agreements.settle(id, terms))
        .to.emit(f.agreements, "AgreementSettled")
        .withArgs(id, supplierPenalty, carrierPenalty, supplierCredit, carrierCredit);
      const asset = await f.token.getAddress();
      const c = await credits(f, asset);
      expect(c.buyer).to.equal(valueOf(terms, 30n) + supplierPenalty + carrierPenalty);
      expect(c.buyer + c.supplier + c.carrier).to.equal(
        fundingOf(terms) + terms.supplierCollateral + terms.carrierCollateral,
      );
      expect(c.owed).to.equal(c.buyer + c.supplier + c.carrier);
      expect(await f.agreements.penaltiesPaid(f.makerOrgId, asset)).to.equal(supplierPenalty);
      expect(await f.agreements.penaltiesPaid(f.carrierOrgId, asset)).to.equal(carrierPenalty);
      const s = await f.agreements.reputationOf(f.makerOrgId);
      const k = await f.agreements.reputationOf(f.carrierOrgId);
      expect([s.fulfilled, s.late, s.defective]).to.deep.equal([0n, 1n, 0n]);
      expect([k.fulfilled, k.late, k.defective]).to.deep.equal([0n, 1n, 1n]);
      for (const account of [f.hospital, f.maker, f.carrier]) {
        await (await f.agreements.connect(account).withdraw(asset)).wait();
      }
      expect(await f.token.balanceOf(await f.agreements.getAddress())).to.equal(0n);
    });

    it("counts a defect against an on-time supplier: neither fulfilled nor late", async () => {
      const f = await loadFixture(rejectedFixture);
      await time.increaseTo((await returnByOf(f, f.ruledAt)) + 1n);
      await (await f.agreements.settle(f.id, f.terms)).wait();
      const r = await f.agreements.reputationOf(f.makerOrgId);
      expect([r.fulfilled, r.late, r.defective]).to.deep.equal([0n, 0n, 1n]);
    });

    it("waits for an open claim and for rejected goods within their return window", async () => {
      const f = await loadFixture(claimedFixture);
      await expectError(f, f.agreements.settle(f.id, f.terms), "AgreementClaimOpen", f.id);
      const ruledAt = await timeOf(
        await f.agreements.connect(f.regulatorA).ruleClaim(f.id, f.terms, Ruling.SupplierAtFault, RULING_REASONS),
      );
      const returnBy = await returnByOf(f, ruledAt);
      await time.setNextBlockTimestamp(returnBy);
      await expectError(f, f.agreements.settle(f.id, f.terms), "AgreementTooEarly", f.id, returnBy);
      await time.setNextBlockTimestamp(returnBy + 1n);
      await expect(f.agreements.settle(f.id, f.terms)).to.emit(f.agreements, "AgreementSettled");
    });

    it("settles at once when every rejected unit came back", async () => {
      const f = await loadFixture(rejectedFixture);
      const { shipment } = await returnReceived(f, 40n);
      await (await f.agreements.recordReturn(f.id, f.terms, shipment)).wait();
      const end = f.receivedAt + f.terms.inspectionWindow;
      if (BigInt(await time.latest()) < end) await time.increaseTo(end + 1n);
      await expect(f.agreements.settle(f.id, f.terms)).to.emit(f.agreements, "AgreementSettled");
    });

    it("counts refused rejected goods as accepted once the return deadline passed: paid, no refund", async () => {
      const f = await loadFixture(rejectedFixture);
      const { shipment } = await shipBack(f, 40n);
      await (await f.ledger.connect(f.maker).refuse(shipment, REFUSAL)).wait();
      await (await f.ledger.connect(f.carrier).recordReturn(shipment)).wait();
      const returnBy = await returnByOf(f, f.ruledAt);
      await time.setNextBlockTimestamp(returnBy);
      await expectError(f, f.agreements.settle(f.id, f.terms), "AgreementTooEarly", f.id, returnBy);
      await time.setNextBlockTimestamp(returnBy + 1n);
      const defect = defectPenalty(f.terms, 40n);
      const supplierCredit = valueOf(f.terms) + f.terms.supplierCollateral - defect;
      const carrierCredit = f.terms.carrierFee + f.terms.carrierCollateral;
      await expect(f.agreements.settle(f.id, f.terms))
        .to.emit(f.agreements, "AgreementSettled")
        .withArgs(f.id, defect, 0n, supplierCredit, carrierCredit);
      const c = await credits(f);
      expect([c.buyer, c.supplier, c.carrier]).to.deep.equal([defect, supplierCredit, carrierCredit]);
      expect(c.owed).to.equal(fundingOf(f.terms) + f.terms.supplierCollateral + f.terms.carrierCollateral);
      // The goods stayed with the buyer.
      expect(await f.ledger.holdingOf(f.maskId, f.hospitalOrgId)).to.equal(f.terms.quantity);
    });

    it("still counts a return that arrives after its deadline, until someone settles", async () => {
      const f = await loadFixture(rejectedFixture);
      const { shipment } = await shipBack(f, 40n);
      await time.increaseTo((await returnByOf(f, f.ruledAt)) + 1n);
      await (await f.ledger.connect(f.maker).receiveShipment(shipment, 40n, true)).wait();
      await (await f.agreements.recordReturn(f.id, f.terms, shipment)).wait();
      const defect = defectPenalty(f.terms, 40n);
      await expect(f.agreements.settle(f.id, f.terms))
        .to.emit(f.agreements, "AgreementSettled")
        .withArgs(
          f.id,
          defect,
          0n,
          valueOf(f.terms, f.terms.quantity - 40n) + f.terms.supplierCollateral - defect,
          f.terms.carrierFee + f.terms.carrierCollateral,
        );
      expect((await credits(f)).buyer).to.equal(valueOf(f.terms, 40n) + defect);
    });

    it("waits for force-majeure claims within their ruling window, then treats them as rejected", async () => {
      const f = await loadFixture(activeFixture);
      const D = f.deadline;
      await deliverAndRecord(f, { shipAt: D + 2n * DAY, pickUpAt: D + 2n * DAY + 60n, deliverAt: D + 3n * DAY });
      const receivedAt = (await f.agreements.agreement(f.id)).lastReceiptAt;
      await time.increase(3n * DAY);
      const s = await timeOf(await f.agreements.connect(f.maker).claimForceMajeure(f.id, f.terms, FM_EVIDENCE));
      await (await f.agreements.connect(f.carrier).claimForceMajeure(f.id, f.terms, FM_EVIDENCE)).wait();
      await time.increaseTo(receivedAt + f.terms.inspectionWindow + 1n);
      await expectError(
        f,
        f.agreements.settle(f.id, f.terms),
        "AgreementForceMajeurePending",
        f.id,
        AgreementParty.Supplier,
      );
      await (
        await f.agreements
          .connect(f.regulatorA)
          .ruleForceMajeure(f.id, f.terms, AgreementParty.Supplier, false, RULING_REASONS)
      ).wait();
      await expectError(
        f,
        f.agreements.settle(f.id, f.terms),
        "AgreementForceMajeurePending",
        f.id,
        AgreementParty.Carrier,
      );
      await time.increaseTo(s + f.terms.rulingWindow + 2n);
      const penalty = latePenalty(f.terms, 1_000n, 2n * DAY);
      await expect(f.agreements.settle(f.id, f.terms))
        .to.emit(f.agreements, "AgreementSettled")
        .withArgs(
          f.id,
          penalty,
          0n,
          valueOf(f.terms) + f.terms.supplierCollateral - penalty,
          f.terms.carrierFee + f.terms.carrierCollateral,
        );
    });

    it("waives an excused party's late penalties", async () => {
      const f = await loadFixture(activeFixture);
      const D = f.deadline;
      await (await f.agreements.connect(f.maker).claimForceMajeure(f.id, f.terms, FM_EVIDENCE)).wait();
      await (await f.agreements.connect(f.carrier).claimForceMajeure(f.id, f.terms, FM_EVIDENCE)).wait();
      await (
        await f.agreements
          .connect(f.regulatorA)
          .ruleForceMajeure(f.id, f.terms, AgreementParty.Supplier, true, RULING_REASONS)
      ).wait();
      await (
        await f.agreements
          .connect(f.regulatorA)
          .ruleForceMajeure(f.id, f.terms, AgreementParty.Carrier, true, RULING_REASONS)
      ).wait();
      await deliverAndRecord(f, { shipAt: D + 5n * DAY, pickUpAt: D + 5n * DAY + 60n, deliverAt: D + 9n * DAY });
      await time.increase(f.terms.inspectionWindow + 1n);
      await expect(f.agreements.settle(f.id, f.terms))
        .to.emit(f.agreements, "AgreementSettled")
        .withArgs(
          f.id,
          0n,
          0n,
          valueOf(f.terms) + f.terms.supplierCollateral,
          f.terms.carrierFee + f.terms.carrierCollateral,
        );
      const r = await f.agreements.reputationOf(f.makerOrgId);
      expect([r.fulfilled, r.late]).to.deep.equal([1n, 0n]);
    });

    it("refuses an agreement not fully delivered, not active, or with other terms", async () => {
      const f = await loadFixture(activeFixture);
      await deliverAndRecord(f, { quantity: 600n });
      await expectError(f, f.agreements.settle(f.id, f.terms), "AgreementDeliveryState", f.id, 600n, 1_000n);
      await expectError(f, f.agreements.settle(f.id, { ...f.terms, quantity: 600n }), "AgreementTermsMismatch", f.id);
      const p = await loadFixture(proposedFixture);
      await expectError(
        p,
        p.agreements.settle(p.id, p.terms),
        "AgreementUnexpectedStatus",
        p.id,
        AgreementStatus.Proposed,
      );
    });

    it("settles and pays out while the alliance is paused", async () => {
      const f = await loadFixture(deliveredFixture);
      await time.increase(f.terms.inspectionWindow + 1n);
      await (await f.registry.connect(f.guardian).pause()).wait();
      await expect(f.agreements.settle(f.id, f.terms)).to.emit(f.agreements, "AgreementSettled");
      await expect(f.agreements.connect(f.maker).withdraw(ETH)).to.emit(f.agreements, "Withdrawn");
    });
  });

  describe("terminate", () => {
    it("lets the buyer terminate once the delay has passed: undelivered value and fee back, supplier's penalty capped", async () => {
      const f = await loadFixture(activeFixture);
      const opensAt = f.deadline + f.terms.transitAllowance + f.terms.terminationDelay;
      await time.setNextBlockTimestamp(opensAt);
      await expectError(
        f,
        f.agreements.connect(f.hospital).terminate(f.id, f.terms),
        "AgreementTooEarly",
        f.id,
        opensAt,
      );
      await time.setNextBlockTimestamp(opensAt + 1n);
      const refund = fundingOf(f.terms);
      const tx = f.agreements.connect(f.hospital).terminate(f.id, f.terms);
      await expect(tx).to.emit(f.agreements, "AgreementTerminated").withArgs(f.id, f.hospital.address, 1_000n, refund);
      await expect(tx).to.emit(f.agreements, "Credited").withArgs(ETH, f.hospital.address, refund);
      const v = await f.agreements.agreement(f.id);
      expect(v.status).to.equal(AgreementStatus.Terminated);
      expect(v.supplierLatePenalty).to.equal(lateCap(f.terms));
      // Nothing was received: settlement may follow at once.
      await expect(f.agreements.settle(f.id, f.terms))
        .to.emit(f.agreements, "AgreementSettled")
        .withArgs(f.id, lateCap(f.terms), 0n, f.terms.supplierCollateral - lateCap(f.terms), f.terms.carrierCollateral);
      const c = await credits(f);
      expect(c.buyer).to.equal(refund + lateCap(f.terms));
      expect(c.owed).to.equal(fundingOf(f.terms) + f.terms.supplierCollateral + f.terms.carrierCollateral);
    });

    it("refunds only the undelivered part and the unearned fee, rounding the fee in the buyer's favour", async () => {
      const f = await loadFixture(proposedFixture);
      const terms = buildTerms({ ...f.terms }, { quantity: 3n, carrierFee: 100n, unitPrice: 10n ** 15n });
      const id = await activate(f, terms);
      const g = { ...f, id, terms };
      const opensAt = terms.handOverDeadline + terms.transitAllowance + terms.terminationDelay;
      await time.increaseTo(opensAt - DAY);
      await deliverAndRecord(g, { quantity: 1n }, terms);
      await time.increaseTo(opensAt + 1n);
      const earned = 33n; // 100 * 1 / 3, rounded down
      const tx = f.agreements.connect(f.hospital).terminate(id, terms);
      await expect(tx)
        .to.emit(f.agreements, "AgreementTerminated")
        .withArgs(id, f.hospital.address, 2n, valueOf(terms, 2n) + 100n - earned);
      // Deliveries stop; claims on what was delivered go on.
      await expect(f.agreements.connect(f.hospital).fileClaim(id, terms, 1n, EVIDENCE))
        .to.emit(f.agreements, "ClaimFiled")
        .withArgs(id, 1n, EVIDENCE);
    });

    it("lets anyone terminate once the delay has passed twice, and only the buyer before", async () => {
      const f = await loadFixture(activeFixture);
      const opensAt = f.deadline + f.terms.transitAllowance + f.terms.terminationDelay;
      const anyone = opensAt + f.terms.terminationDelay;
      // A refused transaction is still mined here: each check takes its own second.
      await time.setNextBlockTimestamp(anyone - 1n);
      await expectError(
        f,
        f.agreements.connect(f.hospital2).terminate(f.id, f.terms),
        "AgreementNotParty",
        f.id,
        f.hospital2.address,
      );
      await time.setNextBlockTimestamp(anyone);
      await expect(f.agreements.connect(f.freeAccounts[0]).terminate(f.id, f.terms))
        .to.be.revertedWithCustomError(f.agreements, "AllianceUnauthorized")
        .withArgs(f.freeAccounts[0].address, BUYERS);
      await time.setNextBlockTimestamp(anyone + 1n);
      await expect(f.agreements.connect(f.freeAccounts[0]).terminate(f.id, f.terms))
        .to.emit(f.agreements, "AgreementTerminated")
        .withArgs(f.id, f.freeAccounts[0].address, 1_000n, fundingOf(f.terms));
    });

    it("refuses a fully delivered agreement, an inactive one, and deliveries after termination", async () => {
      const f = await loadFixture(deliveredFixture);
      await time.increase(30n * DAY);
      await expectError(
        f,
        f.agreements.connect(f.hospital).terminate(f.id, f.terms),
        "AgreementDeliveryState",
        f.id,
        1_000n,
        1_000n,
      );
      const g = await loadFixture(activeFixture);
      await time.increase(30n * DAY);
      await (await g.agreements.connect(g.hospital).terminate(g.id, g.terms)).wait();
      await expectError(
        g,
        g.agreements.connect(g.hospital).terminate(g.id, g.terms),
        "AgreementUnexpectedStatus",
        g.id,
        AgreementStatus.Terminated,
      );
      const { shipment } = await deliver(g, { quantity: 10n });
      await expectError(
        g,
        g.agreements.recordDelivery(g.id, g.terms, shipment),
        "AgreementUnexpectedStatus",
        g.id,
        AgreementStatus.Terminated,
      );
    });

    it("terminates while the alliance is paused", async () => {
      const f = await loadFixture(activeFixture);
      await time.increase(30n * DAY);
      await (await f.registry.connect(f.guardian).pause()).wait();
      await expect(f.agreements.connect(f.hospital).terminate(f.id, f.terms)).to.emit(
        f.agreements,
        "AgreementTerminated",
      );
    });
  });
});
