import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { AdverseEventRegistry__factory, BatchLedger__factory, DeviceOrderBook__factory } from "../../typechain-types";
import { BusinessRole, documentHash } from "../../scripts/lib/alliance";
import { approve } from "../../scripts/lib/formation";
import {
  DEFAULT_TRIAGE_WINDOW,
  NO_UNIT,
  ReportStatus,
  Severity,
  patientRef,
  saltedPatientRef,
} from "../../scripts/lib/adverse";
import { DEFAULT_COMPLIANCE_WINDOW } from "../../scripts/lib/orders";
import { BatchStatus, batchIdOf, lot } from "../../scripts/lib/trace";
import { shouldBehaveLikeAllianceGated } from "../helpers/behaviours";
import { GLOVE, MASK } from "../helpers/traceFixture";
import { RECALL } from "../helpers/custodyFixture";
import {
  type AdverseFixture,
  PATIENT,
  REPORTERS,
  WINDOW,
  adverseFixture,
  counters,
  expectCounters,
  rashReport,
  reportFieldsOf,
  requestAsEventArg,
} from "./adverseFixture";

describe("AdverseEventRegistry: deployment and filing", () => {
  const load = () => loadFixture(adverseFixture);

  describe("deployment", () => {
    it("wires the ledger and its registry, the order book, the triage window and the version", async () => {
      const f = await load();
      expect(await f.adverse.ledger()).to.equal(await f.ledger.getAddress());
      expect(await f.adverse.orderBook()).to.equal(await f.book.getAddress());
      expect(await f.adverse.alliance()).to.equal(await f.registry.getAddress());
      expect(await f.adverse.triageWindow()).to.equal(WINDOW);
      expect(await f.adverse.NO_UNIT()).to.equal(ethers.MaxUint256);
      expect(await f.adverse.reportCount()).to.equal(0n);
      expect(await f.adverse.reportsOfOrder(1n)).to.equal(0n);
      expect(await f.adverse.version()).to.equal("1.0.0");
      expect(WINDOW).to.equal(DEFAULT_TRIAGE_WINDOW);
    });

    it("refuses a zero ledger or a zero order book with AdverseZeroAddress", async () => {
      const f = await load();
      const factory = new AdverseEventRegistry__factory(f.governor);
      await expect(factory.deploy(ethers.ZeroAddress, f.book, WINDOW)).to.be.revertedWithCustomError(
        factory,
        "AdverseZeroAddress",
      );
      await expect(factory.deploy(f.ledger, ethers.ZeroAddress, WINDOW)).to.be.revertedWithCustomError(
        factory,
        "AdverseZeroAddress",
      );
    });

    it("refuses an order book on another ledger with AdverseOrderBookLedgerMismatch", async () => {
      const f = await load();
      // A second ledger on the same registry and catalog, and an order book on it.
      const otherLedger = await new BatchLedger__factory(f.governor).deploy(f.registry, f.catalog, 3_600, 86_400);
      const otherBook = await new DeviceOrderBook__factory(f.governor).deploy(otherLedger, DEFAULT_COMPLIANCE_WINDOW);
      const factory = new AdverseEventRegistry__factory(f.governor);
      await expect(factory.deploy(f.ledger, otherBook, WINDOW))
        .to.be.revertedWithCustomError(factory, "AdverseOrderBookLedgerMismatch")
        .withArgs(await f.ledger.getAddress(), await otherLedger.getAddress());
      // Each sits well on its own ledger.
      const other = await factory.deploy(otherLedger, otherBook, WINDOW);
      expect(await other.orderBook()).to.equal(await otherBook.getAddress());
    });

    it("refuses a zero triage window with AdverseInvalidTriageWindow", async () => {
      const f = await load();
      const factory = new AdverseEventRegistry__factory(f.governor);
      await expect(factory.deploy(f.ledger, f.book, 0))
        .to.be.revertedWithCustomError(factory, "AdverseInvalidTriageWindow")
        .withArgs(0);
    });

    it("accepts a one-second window", async () => {
      const f = await load();
      const adverse = await new AdverseEventRegistry__factory(f.governor).deploy(f.ledger, f.book, 1);
      expect(await adverse.triageWindow()).to.equal(1n);
    });
  });

  describe("report", () => {
    it("files a report: returns id 1, emits AdverseEventReported, stores the report, counts it", async () => {
      const f = await load();
      const request = rashReport(f.maskId);
      expect(await f.adverse.connect(f.hospital).report.staticCall(request)).to.equal(1n);
      const tx = await f.adverse.connect(f.hospital).report(request);
      const filedAt = BigInt(await time.latest());
      await expect(tx)
        .to.emit(f.adverse, "AdverseEventReported")
        .withArgs(1n, f.maskId, f.hospitalOrgId, f.hospital.address, MASK, f.makerOrgId, requestAsEventArg(request));
      expect(await f.adverse.reportCount()).to.equal(1n);
      expect(await f.adverse.statusOf(1n)).to.equal(ReportStatus.Open);
      expect(await f.adverse.isOverdue(1n)).to.equal(false);
      expect(await reportFieldsOf(f.adverse, 1n)).to.deep.equal({
        batchId: f.maskId,
        gtin: MASK,
        makerOrgId: f.makerOrgId,
        reporterOrgId: f.hospitalOrgId,
        responsibleOrgId: 0n,
        severity: Severity.Serious,
        status: ReportStatus.Open,
        recallClass: 0n,
        filedAt,
        triagedAt: 0n,
        triageDeadline: filedAt + WINDOW,
        overdue: false,
      });
      await expectCounters(f.adverse, MASK, f.makerOrgId, counters({ reported: 1, serious: 1 }));
    });

    it("numbers reports from 1 and counts only Serious, LifeThreatening and Fatal ones as serious", async () => {
      const f = await load();
      const severities = [Severity.NonSerious, Severity.Serious, Severity.LifeThreatening, Severity.Fatal];
      for (const [i, severity] of severities.entries()) {
        const request = rashReport(f.maskId, { severity });
        expect(await f.adverse.connect(f.hospital).report.staticCall(request)).to.equal(BigInt(i + 1));
        await (await f.adverse.connect(f.hospital).report(request)).wait();
        expect((await f.adverse.reportOf(BigInt(i + 1))).severity).to.equal(severity);
      }
      expect(await f.adverse.reportCount()).to.equal(4n);
      await expectCounters(f.adverse, MASK, f.makerOrgId, counters({ reported: 4, serious: 3 }));
    });

    it("keeps the counters of different products and makers apart", async () => {
      const f = await load();
      await (await f.adverse.connect(f.hospital).report(rashReport(f.maskId))).wait();
      await (
        await f.adverse.connect(f.hospital).report(rashReport(f.gloveId, { severity: Severity.NonSerious }))
      ).wait();
      await expectCounters(f.adverse, MASK, f.makerOrgId, counters({ reported: 1, serious: 1 }));
      await expectCounters(f.adverse, GLOVE, f.supplierOrgId, counters({ reported: 1 }));
      // The hospital and the carrier made nothing: their maker counters stay zero.
      await expectCounters(f.adverse, 0n, f.hospitalOrgId, counters());
    });

    it("accepts a retailer, a distributor and a second hospital against any batch", async () => {
      const f = await load();
      const reporters: [typeof f.retailer, bigint][] = [
        [f.retailer, f.retailerOrgId],
        [f.distributor, f.distributorOrgId],
        [f.hospital2, f.hospital2OrgId],
      ];
      for (const [signer, orgId] of reporters) {
        const tx = f.adverse.connect(signer).report(rashReport(f.gloveId));
        await expect(tx).to.emit(f.adverse, "AdverseEventReported");
        const reportId = await f.adverse.reportCount();
        expect((await f.adverse.reportOf(reportId)).reporterOrgId).to.equal(orgId);
      }
      await expectCounters(f.adverse, GLOVE, f.supplierOrgId, counters({ reported: 3, serious: 3 }));
    });

    it("accepts a maker (manufacturer or supplier) against its own batch", async () => {
      const f = await load();
      await expect(f.adverse.connect(f.maker).report(rashReport(f.maskId)))
        .to.emit(f.adverse, "AdverseEventReported")
        .withArgs(
          1n,
          f.maskId,
          f.makerOrgId,
          f.maker.address,
          MASK,
          f.makerOrgId,
          requestAsEventArg(rashReport(f.maskId)),
        );
      await expect(f.adverse.connect(f.supplier).report(rashReport(f.gloveId)))
        .to.emit(f.adverse, "AdverseEventReported")
        .withArgs(
          2n,
          f.gloveId,
          f.supplierOrgId,
          f.supplier.address,
          GLOVE,
          f.supplierOrgId,
          requestAsEventArg(rashReport(f.gloveId)),
        );
    });

    it("refuses a maker against another maker's batch with AdverseNotBatchMaker", async () => {
      const f = await load();
      await expect(f.adverse.connect(f.supplier).report(rashReport(f.maskId)))
        .to.be.revertedWithCustomError(f.adverse, "AdverseNotBatchMaker")
        .withArgs(f.maskId, f.supplierOrgId);
      await expect(f.adverse.connect(f.maker).report(rashReport(f.gloveId)))
        .to.be.revertedWithCustomError(f.adverse, "AdverseNotBatchMaker")
        .withArgs(f.gloveId, f.makerOrgId);
      expect(await f.adverse.reportCount()).to.equal(0n);
    });

    it("accepts a maker that is also admitted as DISTRIBUTOR against any maker's batch", async () => {
      const f = await load();
      const applicationId = await f.registry.connect(f.maker).applyForRole.staticCall(BusinessRole.Distributor, []);
      await (await f.registry.connect(f.maker).applyForRole(BusinessRole.Distributor, [])).wait();
      await approve(f.registry, applicationId, [], [f.regulatorA, f.regulatorB]);
      await expect(f.adverse.connect(f.maker).report(rashReport(f.gloveId)))
        .to.emit(f.adverse, "AdverseEventReported")
        .withArgs(
          1n,
          f.gloveId,
          f.makerOrgId,
          f.maker.address,
          GLOVE,
          f.supplierOrgId,
          requestAsEventArg(rashReport(f.gloveId)),
        );
    });

    it("accepts a unit index from 0 to the commissioned quantity minus one, or NO_UNIT", async () => {
      const f = await load();
      for (const unitIndex of [0n, 9_999n, NO_UNIT]) {
        const request = rashReport(f.maskId, { unitIndex });
        await expect(f.adverse.connect(f.hospital).report(request))
          .to.emit(f.adverse, "AdverseEventReported")
          .withArgs(
            anyId(),
            f.maskId,
            f.hospitalOrgId,
            f.hospital.address,
            MASK,
            f.makerOrgId,
            requestAsEventArg(request),
          );
      }
    });

    it("refuses a unit index at or past the commissioned quantity with AdverseInvalidUnitIndex", async () => {
      const f = await load();
      for (const unitIndex of [10_000n, NO_UNIT - 1n]) {
        await expect(f.adverse.connect(f.hospital).report(rashReport(f.maskId, { unitIndex })))
          .to.be.revertedWithCustomError(f.adverse, "AdverseInvalidUnitIndex")
          .withArgs(f.maskId, unitIndex, 10_000n);
      }
    });

    it("refuses severity None with AdverseInvalidSeverity, and a value past Fatal outright", async () => {
      const f = await load();
      await expect(f.adverse.connect(f.hospital).report(rashReport(f.maskId, { severity: Severity.None })))
        .to.be.revertedWithCustomError(f.adverse, "AdverseInvalidSeverity")
        .withArgs(Severity.None);
      await expect(f.adverse.connect(f.hospital).report(rashReport(f.maskId, { severity: 5 }))).to.be.reverted;
    });

    it("refuses a zero description hash or patient reference with AdverseEmptyHash", async () => {
      const f = await load();
      for (const overrides of [{ descriptionHash: ethers.ZeroHash }, { patientRef: ethers.ZeroHash }]) {
        await expect(
          f.adverse.connect(f.hospital).report(rashReport(f.maskId, overrides)),
        ).to.be.revertedWithCustomError(f.adverse, "AdverseEmptyHash");
      }
    });

    it("accepts an empty description URI (it is emitted, never stored)", async () => {
      const f = await load();
      await expect(f.adverse.connect(f.hospital).report(rashReport(f.maskId, { descriptionURI: "" }))).to.emit(
        f.adverse,
        "AdverseEventReported",
      );
    });

    it("refuses an unknown batch with the ledger's LedgerUnknownBatch", async () => {
      const f = await load();
      const unknown = batchIdOf(MASK, lot("NO-SUCH-LOT"));
      await expect(f.adverse.connect(f.hospital).report(rashReport(unknown)))
        .to.be.revertedWithCustomError(f.ledger, "LedgerUnknownBatch")
        .withArgs(unknown);
    });

    it("accepts reports against batches on hold, recalled or expired", async () => {
      const f = await load();
      expect(await f.ledger.batchStatus(f.gloveId)).to.equal(BatchStatus.OnHold);
      await expect(f.adverse.connect(f.hospital).report(rashReport(f.gloveId))).to.emit(
        f.adverse,
        "AdverseEventReported",
      );
      await (await f.ledger.connect(f.regulatorA).recall(f.maskId, 2, RECALL)).wait();
      await expect(f.adverse.connect(f.hospital).report(rashReport(f.maskId))).to.emit(
        f.adverse,
        "AdverseEventReported",
      );
      const { expiresAt } = await f.ledger.batch(f.gloveId);
      // The hospital's licence ends before the batch does: a regulator approves a renewal past the batch's expiry.
      const renewal = documentHash("City General licence, renewed");
      await (
        await f.registry.connect(f.hospital).proposeLicenceRenewal(renewal, "ipfs://l", expiresAt + 10n ** 6n)
      ).wait();
      await (await f.registry.connect(f.regulatorA).approveLicenceRenewal(f.hospitalOrgId, renewal)).wait();
      await time.increaseTo(expiresAt);
      expect(await f.ledger.batchStatus(f.gloveId)).to.equal(BatchStatus.Expired);
      await expect(f.adverse.connect(f.hospital).report(rashReport(f.gloveId))).to.emit(
        f.adverse,
        "AdverseEventReported",
      );
      expect(await f.adverse.reportCount()).to.equal(3n);
    });

    it("keeps no personal data: the patient appears only as the salted hash the hospital computed", async () => {
      const f = await load();
      const salt = ethers.hexlify(ethers.randomBytes(32));
      const ref = patientRef(salt, "MRN-000042");
      expect(ref).to.equal(ethers.keccak256(ethers.concat([salt, ethers.toUtf8Bytes("MRN-000042")])));
      const request = rashReport(f.maskId, { patientRef: ref });
      await expect(f.adverse.connect(f.hospital).report(request))
        .to.emit(f.adverse, "AdverseEventReported")
        .withArgs(1n, f.maskId, f.hospitalOrgId, f.hospital.address, MASK, f.makerOrgId, requestAsEventArg(request));
      // Another salt for the same patient id gives an unrelated reference: without the salt nobody can link them.
      expect(patientRef(ethers.hexlify(ethers.randomBytes(32)), "MRN-000042")).not.to.equal(ref);
      expect(PATIENT).not.to.equal(ref);
    });

    it("goes on while the alliance is paused: filing is a safety action", async () => {
      const f = await load();
      await (await f.registry.connect(f.guardian).pause()).wait();
      expect(await f.registry.paused()).to.equal(true);
      await expect(f.adverse.connect(f.hospital).report(rashReport(f.maskId))).to.emit(
        f.adverse,
        "AdverseEventReported",
      );
      await expectCounters(f.adverse, MASK, f.makerOrgId, counters({ reported: 1, serious: 1 }));
    });

    describe("refused reporters", () => {
      it("refuses a carrier (LOGISTICS only) with AllianceUnauthorized", async () => {
        const f = await load();
        await expect(f.adverse.connect(f.carrier).report(rashReport(f.maskId)))
          .to.be.revertedWithCustomError(f.adverse, "AllianceUnauthorized")
          .withArgs(f.carrier.address, REPORTERS);
      });

      it("refuses a regulator and the governor: they triage, they do not file", async () => {
        const f = await load();
        for (const signer of [f.regulatorA, f.governor, f.guardian]) {
          await expect(f.adverse.connect(signer).report(rashReport(f.maskId)))
            .to.be.revertedWithCustomError(f.adverse, "AllianceUnauthorized")
            .withArgs(signer.address, REPORTERS);
        }
      });

      it("refuses a suspended hospital until it is reinstated", async () => {
        const f = await load();
        await (await f.registry.connect(f.regulatorA).suspendOrganisation(f.hospitalOrgId, RECALL)).wait();
        await expect(f.adverse.connect(f.hospital).report(rashReport(f.maskId)))
          .to.be.revertedWithCustomError(f.adverse, "AllianceUnauthorized")
          .withArgs(f.hospital.address, REPORTERS);
        await (await f.registry.connect(f.regulatorA).reinstateOrganisation(f.hospitalOrgId)).wait();
        await expect(f.adverse.connect(f.hospital).report(rashReport(f.maskId))).to.emit(
          f.adverse,
          "AdverseEventReported",
        );
      });
    });
  });

  describe("salted patient references (scripts/lib/adverse.ts)", () => {
    it("hashes salt and hospital patient id packed, with a fresh 32-byte salt each time", () => {
      const a = saltedPatientRef("MRN-1");
      const b = saltedPatientRef("MRN-1");
      expect(ethers.dataLength(a.salt)).to.equal(32);
      expect(a.salt).not.to.equal(b.salt);
      expect(a.patientRef).to.equal(patientRef(a.salt, "MRN-1"));
      expect(a.patientRef).not.to.equal(b.patientRef);
    });

    it("refuses a salt that is not 32 bytes and an empty patient id", () => {
      expect(() => patientRef("0x1234", "MRN-1")).to.throw("32 bytes");
      expect(() => patientRef(ethers.ZeroHash, "")).to.throw("not empty");
    });
  });

  shouldBehaveLikeAllianceGated<AdverseFixture>({
    load,
    context: (f) => ({
      registry: f.registry,
      regulators: f.regulators,
      member: f.hospital,
      outsider: f.carrier,
      applicant: f.applicant,
      freeAccounts: f.freeAccounts,
    }),
    gate: (f) => f.adverse,
    roleMask: REPORTERS,
    send: (f, signer) => f.adverse.connect(signer).report(rashReport(f.maskId)),
    whenAccepted: async (f, signer, tx) => {
      const reportId = await f.adverse.reportCount();
      await expect(tx)
        .to.emit(f.adverse, "AdverseEventReported")
        .withArgs(
          reportId,
          f.maskId,
          f.hospitalOrgId,
          signer.address,
          MASK,
          f.makerOrgId,
          requestAsEventArg(rashReport(f.maskId)),
        );
    },
  });
});

/** Any report id (the event's first argument) in `withArgs`. */
function anyId() {
  return (value: bigint) => value > 0n;
}
