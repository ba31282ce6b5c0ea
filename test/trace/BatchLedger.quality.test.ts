import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, mine, time } from "@nomicfoundation/hardhat-network-helpers";
import { RegistryRolesContext, expectAllianceUnauthorized, shouldBeRestrictedTo } from "../helpers/behaviours";
import { joinOrganisation } from "../helpers/registry";
import {
  FABRIC,
  FABRIC_HOLD,
  FAILED_REPORT,
  HOLDERS,
  MASK,
  MASK_HOLD,
  MaskBatchFixture,
  REASONS,
  REPORT,
  batchRequest,
  expectRecorded,
  failed,
  maskBatchFixture,
  note,
  passed,
  seedHolding,
  timestampOf,
} from "../helpers/traceFixture";
import { AccountKind, documentHash } from "../../scripts/lib/alliance";
import { DAY } from "../../scripts/lib/formation";
import { BatchStatus, Inspection, RecordKind, batchIdOf, commission, lot } from "../../scripts/lib/trace";

const load = () => loadFixture(maskBatchFixture);

/** `maskBatchFixture` with the mask inspected (passed) and its 14-day hold over: Released. */
async function releasedMaskFixture() {
  const f = await maskBatchFixture();
  await (await f.ledger.connect(f.maker).record(passed(f.maskId))).wait();
  await time.increaseTo(f.commissionedAt + MASK_HOLD);
  return f;
}
const loadReleased = () => loadFixture(releasedMaskFixture);

/** `maskBatchFixture` plus a second mask batch expiring 30 days after commissioning. */
async function shortLivedMaskFixture() {
  const f = await maskBatchFixture();
  const expiresAt = BigInt(await time.latest()) + 30n * DAY;
  const shortId = await commission(f.ledger, f.maker, await batchRequest(MASK, "MK-SHORT", { expiresAt }));
  return { ...f, shortId, expiresAt };
}

const rolesContext = (f: MaskBatchFixture): RegistryRolesContext => ({
  registry: f.registry,
  governor: f.governor,
  guardian: f.guardian,
  regulators: f.regulators,
  admin: f.maker,
  freeAccounts: f.freeAccounts,
});

/** The quality fields of a batch, as plain values. */
async function quality(f: MaskBatchFixture, batchId: string) {
  const b = await f.ledger.batch(batchId);
  expect(await f.ledger.batchStatus(batchId)).to.equal(b.status); // the two views agree
  return {
    status: Number(b.status),
    inspection: Number(b.inspection),
    releasedEarly: b.releasedEarly,
    blocked: b.blocked,
  };
}

const onHold = { status: BatchStatus.OnHold, inspection: Inspection.None, releasedEarly: false, blocked: false };

describe("BatchLedger: quality release", () => {
  describe("release after the hold period and a passed inspection", () => {
    it("starts a new batch on hold, with no inspection and a hold until commissioning plus the product's period", async () => {
      const f = await load();
      expect(await quality(f, f.maskId)).to.deep.equal(onHold);
      expect((await f.ledger.batch(f.maskId)).holdUntil).to.equal(f.commissionedAt + MASK_HOLD);
      const fabricId = await commission(f.ledger, f.maker, await batchRequest(FABRIC, "MB-0001"));
      const fabricAt = BigInt(await time.latest());
      expect((await f.ledger.batch(fabricId)).holdUntil).to.equal(fabricAt + FABRIC_HOLD);
    });

    it("stays on hold once the hold period has passed if there was no inspection", async () => {
      const f = await load();
      await time.increase(MASK_HOLD * 2n);
      expect(await quality(f, f.maskId)).to.deep.equal(onHold);
    });

    it("stays on hold after a passed inspection until the hold ends, then is Released with no transaction", async () => {
      const f = await load();
      await (await f.ledger.connect(f.maker).record(passed(f.maskId))).wait();
      const holdUntil = f.commissionedAt + MASK_HOLD;
      await time.increaseTo(holdUntil - 1n);
      expect(await quality(f, f.maskId)).to.deep.equal({ ...onHold, inspection: Inspection.Passed });
      await mine(); // the next block is at holdUntil
      expect(BigInt(await time.latest())).to.equal(holdUntil);
      expect(await quality(f, f.maskId)).to.deep.equal({
        ...onHold,
        status: BatchStatus.Released,
        inspection: Inspection.Passed,
      });
    });

    it("releases at once when the inspection passes after the hold has ended", async () => {
      const f = await load();
      await time.increase(MASK_HOLD);
      expect(await f.ledger.batchStatus(f.maskId)).to.equal(BatchStatus.OnHold);
      await (await f.ledger.connect(f.maker).record(passed(f.maskId))).wait();
      expect(await f.ledger.batchStatus(f.maskId)).to.equal(BatchStatus.Released);
    });

    it("stays on hold while the latest inspection failed, and releases once a later inspection passes", async () => {
      const f = await load();
      await (await f.ledger.connect(f.maker).record(failed(f.maskId))).wait();
      await time.increase(MASK_HOLD);
      expect(await quality(f, f.maskId)).to.deep.equal({ ...onHold, inspection: Inspection.Failed });
      await (await f.ledger.connect(f.maker).record(passed(f.maskId))).wait();
      expect(await quality(f, f.maskId)).to.deep.equal({
        ...onHold,
        status: BatchStatus.Released,
        inspection: Inspection.Passed,
      });
    });

    it("goes back on hold when a failed inspection follows its release", async () => {
      const f = await loadReleased();
      expect(await f.ledger.batchStatus(f.maskId)).to.equal(BatchStatus.Released);
      await (await f.ledger.connect(f.maker).record(failed(f.maskId))).wait();
      expect(await quality(f, f.maskId)).to.deep.equal({ ...onHold, inspection: Inspection.Failed });
    });
  });

  describe("inspections", () => {
    it("records the maker's inspection with its report hash and sets the latest result", async () => {
      const f = await load();
      const [prevHead] = await f.ledger.historyOf(f.maskId);
      const tx = await f.ledger.connect(f.maker).record(passed(f.maskId));
      await expect(tx)
        .to.emit(f.ledger, "Recorded")
        .withArgs(f.maskId, f.maker.address, prevHead, RecordKind.InspectionPassed, await timestampOf(tx), REPORT);
      expect((await f.ledger.batch(f.maskId)).inspection).to.equal(Inspection.Passed);
      const [, count] = await f.ledger.historyOf(f.maskId);
      expect(count).to.equal(2n);
    });

    it("accepts inspections from the maker's operator and from a regulator", async () => {
      const f = await load();
      const operator = f.freeAccounts[0];
      await joinOrganisation(f.registry, f.maker, operator, AccountKind.Operator);
      const byOperator = () => f.ledger.connect(operator).record(failed(f.maskId));
      await expectRecorded(
        f.ledger,
        byOperator,
        f.maskId,
        operator.address,
        RecordKind.InspectionFailed,
        FAILED_REPORT,
      );
      expect((await f.ledger.batch(f.maskId)).inspection).to.equal(Inspection.Failed);
      const audit = documentHash("authority's audit report");
      const byRegulator = () => f.ledger.connect(f.regulatorB).record(passed(f.maskId, audit));
      await expectRecorded(f.ledger, byRegulator, f.maskId, f.regulatorB.address, RecordKind.InspectionPassed, audit);
      expect((await f.ledger.batch(f.maskId)).inspection).to.equal(Inspection.Passed);
    });

    it("refuses an inspection from a holder that is not the maker, while accepting its note", async () => {
      const f = await load();
      await seedHolding(f.ledger, f.maskId, f.hospitalOrgId, 500n); // as if the hospital had received 500 masks
      await expect(f.ledger.connect(f.hospital).record(passed(f.maskId)))
        .to.be.revertedWithCustomError(f.ledger, "LedgerRecordNotAllowed")
        .withArgs(f.maskId, RecordKind.InspectionPassed, f.hospital.address);
      await expect(f.ledger.connect(f.hospital).record(failed(f.maskId)))
        .to.be.revertedWithCustomError(f.ledger, "LedgerRecordNotAllowed")
        .withArgs(f.maskId, RecordKind.InspectionFailed, f.hospital.address);
      const byHolder = () => f.ledger.connect(f.hospital).record(note(f.maskId, "received 500 masks"));
      const noteHash = documentHash("received 500 masks");
      await expectRecorded(f.ledger, byHolder, f.maskId, f.hospital.address, RecordKind.Note, noteHash);
      expect((await f.ledger.batch(f.maskId)).inspection).to.equal(Inspection.None);
    });

    it("refuses an inspection from another maker with LedgerRecordNotAllowed", async () => {
      const f = await load();
      await expect(f.ledger.connect(f.supplier).record(passed(f.maskId)))
        .to.be.revertedWithCustomError(f.ledger, "LedgerRecordNotAllowed")
        .withArgs(f.maskId, RecordKind.InspectionPassed, f.supplier.address);
    });

    it("refuses an inspection signed by the maker's device key with AllianceUnauthorized", async () => {
      const f = await load();
      const device = f.freeAccounts[1];
      await joinOrganisation(f.registry, f.maker, device, AccountKind.Device);
      await expectAllianceUnauthorized(
        f.ledger.connect(device).record(passed(f.maskId)),
        f.ledger,
        device.address,
        HOLDERS,
      );
    });

    it("records inspections of a blocked batch without releasing it", async () => {
      const f = await load();
      await (await f.ledger.connect(f.regulatorA).blockBatch(f.maskId, REASONS)).wait();
      await time.increase(MASK_HOLD);
      await (await f.ledger.connect(f.maker).record(passed(f.maskId))).wait();
      expect(await quality(f, f.maskId)).to.deep.equal({
        ...onHold,
        status: BatchStatus.Blocked,
        inspection: Inspection.Passed,
        blocked: true,
      });
    });
  });

  describe("releaseEarly", () => {
    it("releases a batch on hold at once and records the regulator's reasons", async () => {
      const f = await load();
      const [prevHead, count] = await f.ledger.historyOf(f.maskId);
      const tx = await f.ledger.connect(f.regulatorA).releaseEarly(f.maskId, REASONS);
      await expect(tx)
        .to.emit(f.ledger, "Recorded")
        .withArgs(f.maskId, f.regulatorA.address, prevHead, RecordKind.Released, await timestampOf(tx), REASONS);
      expect(await quality(f, f.maskId)).to.deep.equal({
        ...onHold,
        status: BatchStatus.Released,
        releasedEarly: true,
      });
      expect((await f.ledger.historyOf(f.maskId))[1]).to.equal(count + 1n);
    });

    it("releases a batch whose latest inspection failed", async () => {
      const f = await load();
      await (await f.ledger.connect(f.maker).record(failed(f.maskId))).wait();
      await (await f.ledger.connect(f.regulatorA).releaseEarly(f.maskId, REASONS)).wait();
      expect(await quality(f, f.maskId)).to.deep.equal({
        ...onHold,
        status: BatchStatus.Released,
        inspection: Inspection.Failed,
        releasedEarly: true,
      });
    });

    it("makes the batch usable as an input at once", async () => {
      const f = await load();
      const fabricId = await commission(f.ledger, f.maker, await batchRequest(FABRIC, "MB-0001"));
      await (await f.ledger.connect(f.regulatorA).releaseEarly(fabricId, REASONS)).wait();
      const inputs = [{ batchId: fabricId, quantity: 10n }];
      await commission(f.ledger, f.maker, await batchRequest(MASK, "MK-0002", { inputs }));
      expect(await f.ledger.holdingOf(fabricId, f.makerOrgId)).to.equal(9_990n);
    });

    it("is cancelled by a later failed inspection, after which a regulator may release early again", async () => {
      const f = await load();
      await (await f.ledger.connect(f.regulatorA).releaseEarly(f.maskId, REASONS)).wait();
      await (await f.ledger.connect(f.maker).record(failed(f.maskId))).wait();
      expect(await quality(f, f.maskId)).to.deep.equal({ ...onHold, inspection: Inspection.Failed });
      await (await f.ledger.connect(f.regulatorB).releaseEarly(f.maskId, REASONS)).wait();
      expect((await quality(f, f.maskId)).status).to.equal(BatchStatus.Released);
    });

    it("survives a later passed inspection", async () => {
      const f = await load();
      await (await f.ledger.connect(f.regulatorA).releaseEarly(f.maskId, REASONS)).wait();
      await (await f.ledger.connect(f.maker).record(passed(f.maskId))).wait();
      expect(await quality(f, f.maskId)).to.deep.equal({
        ...onHold,
        status: BatchStatus.Released,
        inspection: Inspection.Passed,
        releasedEarly: true,
      });
    });

    it("refuses a batch already released (early or after its hold) with LedgerUnexpectedStatus", async () => {
      const f = await loadReleased();
      await expect(f.ledger.connect(f.regulatorA).releaseEarly(f.maskId, REASONS))
        .to.be.revertedWithCustomError(f.ledger, "LedgerUnexpectedStatus")
        .withArgs(f.maskId, BatchStatus.Released);
      const other = await commission(f.ledger, f.maker, await batchRequest(MASK, "MK-0002"));
      await (await f.ledger.connect(f.regulatorA).releaseEarly(other, REASONS)).wait();
      await expect(f.ledger.connect(f.regulatorB).releaseEarly(other, REASONS))
        .to.be.revertedWithCustomError(f.ledger, "LedgerUnexpectedStatus")
        .withArgs(other, BatchStatus.Released);
    });

    it("refuses a blocked or an expired batch with LedgerUnexpectedStatus", async () => {
      const f = await loadFixture(shortLivedMaskFixture);
      await (await f.ledger.connect(f.regulatorA).blockBatch(f.maskId, REASONS)).wait();
      await expect(f.ledger.connect(f.regulatorA).releaseEarly(f.maskId, REASONS))
        .to.be.revertedWithCustomError(f.ledger, "LedgerUnexpectedStatus")
        .withArgs(f.maskId, BatchStatus.Blocked);
      await time.increaseTo(f.expiresAt);
      await expect(f.ledger.connect(f.regulatorA).releaseEarly(f.shortId, REASONS))
        .to.be.revertedWithCustomError(f.ledger, "LedgerUnexpectedStatus")
        .withArgs(f.shortId, BatchStatus.Expired);
    });

    it("refuses empty reasons with LedgerEmptyHash and an unknown batch with LedgerUnknownBatch", async () => {
      const f = await load();
      await expect(
        f.ledger.connect(f.regulatorA).releaseEarly(f.maskId, ethers.ZeroHash),
      ).to.be.revertedWithCustomError(f.ledger, "LedgerEmptyHash");
      const unknown = batchIdOf(MASK, lot("NEVER-MADE"));
      await expect(f.ledger.connect(f.regulatorA).releaseEarly(unknown, REASONS))
        .to.be.revertedWithCustomError(f.ledger, "LedgerUnknownBatch")
        .withArgs(unknown);
    });

    shouldBeRestrictedTo("regulator", {
      load,
      context: rolesContext,
      errorsFrom: (f) => f.ledger,
      send: (f, signer) => f.ledger.connect(signer).releaseEarly(f.maskId, REASONS),
    });
  });

  describe("blockBatch and unblockBatch", () => {
    it("blocks a batch on hold and records the reasons; unblocking returns it to hold", async () => {
      const f = await load();
      const [prevHead] = await f.ledger.historyOf(f.maskId);
      const blocking = await f.ledger.connect(f.regulatorA).blockBatch(f.maskId, REASONS);
      await expect(blocking)
        .to.emit(f.ledger, "Recorded")
        .withArgs(f.maskId, f.regulatorA.address, prevHead, RecordKind.Blocked, await timestampOf(blocking), REASONS);
      expect(await quality(f, f.maskId)).to.deep.equal({ ...onHold, status: BatchStatus.Blocked, blocked: true });

      const lifted = documentHash("block lifted: contamination ruled out");
      const [blockedHead] = await f.ledger.historyOf(f.maskId);
      const unblocking = await f.ledger.connect(f.regulatorB).unblockBatch(f.maskId, lifted);
      await expect(unblocking)
        .to.emit(f.ledger, "Recorded")
        .withArgs(
          f.maskId,
          f.regulatorB.address,
          blockedHead,
          RecordKind.Unblocked,
          await timestampOf(unblocking),
          lifted,
        );
      expect(await quality(f, f.maskId)).to.deep.equal(onHold);
    });

    it("blocks a released batch, which stays blocked after its hold and inspection, and is Released again once unblocked", async () => {
      const f = await loadReleased();
      await (await f.ledger.connect(f.regulatorA).blockBatch(f.maskId, REASONS)).wait();
      expect(await f.ledger.batchStatus(f.maskId)).to.equal(BatchStatus.Blocked);
      await time.increase(DAY);
      expect(await f.ledger.batchStatus(f.maskId)).to.equal(BatchStatus.Blocked);
      await (await f.ledger.connect(f.regulatorA).unblockBatch(f.maskId, REASONS)).wait();
      expect(await quality(f, f.maskId)).to.deep.equal({
        ...onHold,
        status: BatchStatus.Released,
        inspection: Inspection.Passed,
      });
    });

    it("keeps an early release through a block", async () => {
      const f = await load();
      await (await f.ledger.connect(f.regulatorA).releaseEarly(f.maskId, REASONS)).wait();
      await (await f.ledger.connect(f.regulatorA).blockBatch(f.maskId, REASONS)).wait();
      expect(await quality(f, f.maskId)).to.deep.equal({
        ...onHold,
        status: BatchStatus.Blocked,
        releasedEarly: true,
        blocked: true,
      });
      await (await f.ledger.connect(f.regulatorA).unblockBatch(f.maskId, REASONS)).wait();
      expect((await quality(f, f.maskId)).status).to.equal(BatchStatus.Released);
    });

    it("blocks an expired batch, which shows Blocked until unblocked and Expired after", async () => {
      const f = await loadFixture(shortLivedMaskFixture);
      await time.increaseTo(f.expiresAt);
      expect(await f.ledger.batchStatus(f.shortId)).to.equal(BatchStatus.Expired);
      await (await f.ledger.connect(f.regulatorA).blockBatch(f.shortId, REASONS)).wait();
      expect(await f.ledger.batchStatus(f.shortId)).to.equal(BatchStatus.Blocked);
      await (await f.ledger.connect(f.regulatorA).unblockBatch(f.shortId, REASONS)).wait();
      expect(await f.ledger.batchStatus(f.shortId)).to.equal(BatchStatus.Expired);
    });

    it("refuses to block a batch already blocked with LedgerUnexpectedStatus(Blocked)", async () => {
      const f = await load();
      await (await f.ledger.connect(f.regulatorA).blockBatch(f.maskId, REASONS)).wait();
      await expect(f.ledger.connect(f.regulatorB).blockBatch(f.maskId, REASONS))
        .to.be.revertedWithCustomError(f.ledger, "LedgerUnexpectedStatus")
        .withArgs(f.maskId, BatchStatus.Blocked);
    });

    it("refuses to unblock a batch that is not blocked with LedgerUnexpectedStatus and its current status", async () => {
      const f = await loadReleased();
      await expect(f.ledger.connect(f.regulatorA).unblockBatch(f.maskId, REASONS))
        .to.be.revertedWithCustomError(f.ledger, "LedgerUnexpectedStatus")
        .withArgs(f.maskId, BatchStatus.Released);
      const onHoldId = await commission(f.ledger, f.maker, await batchRequest(MASK, "MK-0002"));
      await expect(f.ledger.connect(f.regulatorA).unblockBatch(onHoldId, REASONS))
        .to.be.revertedWithCustomError(f.ledger, "LedgerUnexpectedStatus")
        .withArgs(onHoldId, BatchStatus.OnHold);
    });

    it("refuses empty reasons with LedgerEmptyHash and an unknown batch with LedgerUnknownBatch", async () => {
      const f = await load();
      const unknown = batchIdOf(MASK, lot("NEVER-MADE"));
      await expect(f.ledger.connect(f.regulatorA).blockBatch(f.maskId, ethers.ZeroHash)).to.be.revertedWithCustomError(
        f.ledger,
        "LedgerEmptyHash",
      );
      await expect(f.ledger.connect(f.regulatorA).blockBatch(unknown, REASONS))
        .to.be.revertedWithCustomError(f.ledger, "LedgerUnknownBatch")
        .withArgs(unknown);
      await (await f.ledger.connect(f.regulatorA).blockBatch(f.maskId, REASONS)).wait();
      await expect(
        f.ledger.connect(f.regulatorA).unblockBatch(f.maskId, ethers.ZeroHash),
      ).to.be.revertedWithCustomError(f.ledger, "LedgerEmptyHash");
      await expect(f.ledger.connect(f.regulatorA).unblockBatch(unknown, REASONS))
        .to.be.revertedWithCustomError(f.ledger, "LedgerUnknownBatch")
        .withArgs(unknown);
    });

    describe("blockBatch", () => {
      shouldBeRestrictedTo("regulator", {
        load,
        context: rolesContext,
        errorsFrom: (f) => f.ledger,
        send: (f, signer) => f.ledger.connect(signer).blockBatch(f.maskId, REASONS),
      });
    });

    describe("unblockBatch", () => {
      shouldBeRestrictedTo("regulator", {
        load: () => loadFixture(blockedMaskFixture),
        context: rolesContext,
        errorsFrom: (f) => f.ledger,
        send: (f, signer) => f.ledger.connect(signer).unblockBatch(f.maskId, REASONS),
      });
    });
  });

  describe("expiry", () => {
    it("turns a released batch Expired from its expiry second, with no transaction", async () => {
      const f = await loadFixture(shortLivedMaskFixture);
      await (await f.ledger.connect(f.maker).record(passed(f.shortId))).wait();
      await time.increaseTo(f.expiresAt - 1n);
      expect(await f.ledger.batchStatus(f.shortId)).to.equal(BatchStatus.Released);
      await mine();
      expect(BigInt(await time.latest())).to.equal(f.expiresAt);
      const b = await f.ledger.batch(f.shortId);
      expect([b.status, b.inspection, b.expiresAt]).to.deep.equal([
        BatchStatus.Expired,
        Inspection.Passed,
        f.expiresAt,
      ]);
      expect(await f.ledger.batchStatus(f.shortId)).to.equal(BatchStatus.Expired);
    });

    it("turns a batch on hold or released early Expired as well", async () => {
      const f = await loadFixture(shortLivedMaskFixture);
      const early = await commission(
        f.ledger,
        f.maker,
        await batchRequest(MASK, "MK-EARLY", { expiresAt: f.expiresAt }),
      );
      await (await f.ledger.connect(f.regulatorA).releaseEarly(early, REASONS)).wait();
      await time.increaseTo(f.expiresAt);
      expect(await f.ledger.batchStatus(f.shortId)).to.equal(BatchStatus.Expired);
      expect(await f.ledger.batchStatus(early)).to.equal(BatchStatus.Expired);
    });

    it("still accepts records on an expired batch: its history never closes", async () => {
      const f = await loadFixture(shortLivedMaskFixture);
      await time.increaseTo(f.expiresAt);
      await expect(f.ledger.connect(f.maker).record(note(f.shortId, "destroyed at end of life"))).to.emit(
        f.ledger,
        "Recorded",
      );
      expect(await f.ledger.batchStatus(f.shortId)).to.equal(BatchStatus.Expired);
    });
  });
});

/** `maskBatchFixture` with the mask blocked by a regulator. */
async function blockedMaskFixture() {
  const f = await maskBatchFixture();
  await (await f.ledger.connect(f.regulatorA).blockBatch(f.maskId, REASONS)).wait();
  return f;
}
