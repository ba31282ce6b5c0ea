import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { ContractTransactionResponse } from "ethers";
import { RegistryRolesContext, expectAllianceUnauthorized, shouldBeRestrictedTo } from "../helpers/behaviours";
import { expectNoStateChange, joinOrganisation, revoke, suspend } from "../helpers/registry";
import {
  FAILED_REPORT,
  HOLDERS,
  MASK,
  MASK_HOLD,
  MaskBatchFixture,
  NOTE,
  REASONS,
  REPORT,
  batchRequest,
  chain,
  commissionDataHash,
  correctionDataHash,
  expectRecorded,
  failed,
  headOf,
  lastRecordOf,
  maskBatchFixture,
  note,
  passed,
  recordRequest,
  recordsOf,
  seedHolding,
  timestampOf,
} from "../helpers/traceFixture";
import { SITE_MAKER } from "../helpers/fixtures";
import { AccountKind, REGULATOR_ROLE, documentHash } from "../../scripts/lib/alliance";
import { DAY, YEAR } from "../../scripts/lib/formation";
import { BatchStatus, Inspection, RecordKind, batchIdOf, commission, lot } from "../../scripts/lib/trace";

const load = () => loadFixture(maskBatchFixture);

const CORRECTION_REASON = documentHash("wrong report attached; see corrected report");
const UNKNOWN = batchIdOf(MASK, lot("NEVER-MADE"));

const rolesContext = (f: MaskBatchFixture): RegistryRolesContext => ({
  registry: f.registry,
  governor: f.governor,
  guardian: f.guardian,
  regulators: f.regulators,
  admin: f.maker,
  freeAccounts: f.freeAccounts,
});

/** `maskBatchFixture` with the maker's note as the mask's last record. */
async function notedMaskFixture() {
  const f = await maskBatchFixture();
  await (await f.ledger.connect(f.maker).record(recordRequest(f.maskId, RecordKind.Note, NOTE))).wait();
  return { ...f, noted: await lastRecordOf(f.ledger, f.maskId) };
}
const loadNoted = () => loadFixture(notedMaskFixture);

/** `maskBatchFixture` plus three more mask batches, and the registered relay module. */
async function fourBatchesFixture() {
  const f = await maskBatchFixture();
  const batchIds = [f.maskId];
  for (const text of ["MK-0002", "MK-0003", "MK-0004"]) {
    batchIds.push(await commission(f.ledger, f.maker, await batchRequest(MASK, text)));
  }
  return { ...f, batchIds };
}

/** `maskBatchFixture` with the RecordRelay registered as a ledger module. */
async function moduleFixture() {
  const f = await maskBatchFixture();
  await (await f.ledger.connect(f.governor).setModule(f.relay, true)).wait();
  return f;
}
const loadModule = () => loadFixture(moduleFixture);

/** Heads and counts of some batches, as plain values. */
async function histories(f: MaskBatchFixture, batchIds: string[]) {
  return Promise.all(batchIds.map(async (id) => [...(await f.ledger.historyOf(id))]));
}

/** The accounts refused by `_standing`: neither a member acting in a holding role nor a regulator. */
const outsiders: { label: string; who: (f: MaskBatchFixture) => Promise<HardhatEthersSigner> }[] = [
  { label: "an account that belongs to no organisation", who: async (f) => f.freeAccounts[0] },
  {
    label: "a device key of the maker",
    who: async (f) => {
      await joinOrganisation(f.registry, f.maker, f.freeAccounts[1], AccountKind.Device);
      return f.freeAccounts[1];
    },
  },
  {
    label: "the admin of a suspended maker",
    who: async (f) => {
      await suspend(f.registry, f.regulatorA, f.makerOrgId);
      return f.maker;
    },
  },
  {
    label: "an operator of a suspended maker",
    who: async (f) => {
      await joinOrganisation(f.registry, f.maker, f.freeAccounts[0], AccountKind.Operator);
      await suspend(f.registry, f.regulatorA, f.makerOrgId);
      return f.freeAccounts[0];
    },
  },
  {
    label: "the admin of a revoked maker",
    who: async (f) => {
      await revoke(f.registry, f.regulators, f.makerOrgId);
      return f.maker;
    },
  },
  {
    label: "the admin of a maker whose licence has expired",
    who: async (f) => {
      await time.increaseTo(f.licenceExpiry);
      return f.maker;
    },
  },
  { label: "the admin of an organisation whose application is pending", who: async (f) => f.applicant },
  { label: "the governor (not a regulator)", who: async (f) => f.governor },
  { label: "a guardian (not a regulator)", who: async (f) => f.guardian },
  {
    label: "a regulator the governor has removed",
    who: async (f) => {
      await (await f.registry.connect(f.governor).revokeRole(REGULATOR_ROLE, f.regulatorC.address)).wait();
      return f.regulatorC;
    },
  },
];

describe("BatchLedger: records, corrections, modules and history", () => {
  describe("record", () => {
    it("appends the maker's note to the batch's history", async () => {
      const f = await load();
      const send = () => f.ledger.connect(f.maker).record(recordRequest(f.maskId, RecordKind.Note, NOTE));
      await expectRecorded(f.ledger, send, f.maskId, f.maker.address, RecordKind.Note, NOTE);
      expect((await f.ledger.batch(f.maskId)).inspection).to.equal(Inspection.None);
    });

    it("appends a note by the maker's operator, in the operator's name", async () => {
      const f = await load();
      const operator = f.freeAccounts[0];
      await joinOrganisation(f.registry, f.maker, operator, AccountKind.Operator);
      const send = () => f.ledger.connect(operator).record(recordRequest(f.maskId, RecordKind.Note, NOTE));
      await expectRecorded(f.ledger, send, f.maskId, operator.address, RecordKind.Note, NOTE);
    });

    it("appends a regulator's note", async () => {
      const f = await load();
      const send = () => f.ledger.connect(f.regulatorC).record(recordRequest(f.maskId, RecordKind.Note, NOTE));
      await expectRecorded(f.ledger, send, f.maskId, f.regulatorC.address, RecordKind.Note, NOTE);
    });

    it("appends a note by a current holder that is not the maker", async () => {
      const f = await load();
      await seedHolding(f.ledger, f.maskId, f.hospitalOrgId, 1n);
      const send = () => f.ledger.connect(f.hospital).record(recordRequest(f.maskId, RecordKind.Note, NOTE));
      await expectRecorded(f.ledger, send, f.maskId, f.hospital.address, RecordKind.Note, NOTE);
    });

    it("refuses a member that is neither the maker nor a holder with LedgerRecordNotAllowed", async () => {
      const f = await load();
      for (const member of [f.hospital, f.carrier, f.supplier]) {
        await expect(f.ledger.connect(member).record(note(f.maskId)))
          .to.be.revertedWithCustomError(f.ledger, "LedgerRecordNotAllowed")
          .withArgs(f.maskId, RecordKind.Note, member.address);
      }
    });

    it("refuses a former holder whose holding is now zero", async () => {
      const f = await load();
      await seedHolding(f.ledger, f.maskId, f.hospitalOrgId, 1n);
      await seedHolding(f.ledger, f.maskId, f.hospitalOrgId, 0n);
      await expect(f.ledger.connect(f.hospital).record(note(f.maskId)))
        .to.be.revertedWithCustomError(f.ledger, "LedgerRecordNotAllowed")
        .withArgs(f.maskId, RecordKind.Note, f.hospital.address);
    });

    it("refuses every kind but InspectionPassed, InspectionFailed and Note, from the maker and from a regulator", async () => {
      const f = await load();
      const refused = [
        RecordKind.None,
        RecordKind.Commissioned,
        RecordKind.ConsumedAsInput,
        RecordKind.Released,
        RecordKind.Blocked,
        RecordKind.Unblocked,
        RecordKind.Correction,
      ];
      for (const account of [f.maker, f.regulatorA]) {
        for (const kind of refused) {
          await expect(f.ledger.connect(account).record(recordRequest(f.maskId, kind, NOTE)))
            .to.be.revertedWithCustomError(f.ledger, "LedgerRecordNotAllowed")
            .withArgs(f.maskId, kind, account.address);
        }
      }
    });

    it("refuses a kind outside the enum (the ABI decoder rejects it)", async () => {
      const f = await load();
      await expect(f.ledger.connect(f.maker).record(recordRequest(f.maskId, 10 as RecordKind, NOTE))).to.be.reverted;
    });

    it("refuses an empty data hash with LedgerEmptyHash", async () => {
      const f = await load();
      await expect(
        f.ledger.connect(f.maker).record(recordRequest(f.maskId, RecordKind.Note, ethers.ZeroHash)),
      ).to.be.revertedWithCustomError(f.ledger, "LedgerEmptyHash");
    });

    it("refuses an unknown batch with LedgerUnknownBatch, even from a regulator", async () => {
      const f = await load();
      for (const account of [f.maker, f.regulatorA]) {
        await expect(f.ledger.connect(account).record(note(UNKNOWN)))
          .to.be.revertedWithCustomError(f.ledger, "LedgerUnknownBatch")
          .withArgs(UNKNOWN);
      }
    });

    it("leaves no trace when refused", async () => {
      const f = await load();
      await expectNoStateChange(
        () => histories(f, [f.maskId]),
        async () => {
          await expect(f.ledger.connect(f.hospital).record(passed(f.maskId))).to.be.revertedWithCustomError(
            f.ledger,
            "LedgerRecordNotAllowed",
          );
        },
      );
    });

    describe("refuses with AllianceUnauthorized(account, HOLDERS)", () => {
      for (const { label, who } of outsiders) {
        it(`${label}`, async () => {
          const f = await load();
          const account = await who(f);
          await expectAllianceUnauthorized(
            f.ledger.connect(account).record(note(f.maskId)),
            f.ledger,
            account.address,
            HOLDERS,
          );
        });
      }

      it("and accepts the maker again once reinstated, or once its licence is renewed", async () => {
        const f = await load();
        await suspend(f.registry, f.regulatorA, f.makerOrgId);
        await expectAllianceUnauthorized(
          f.ledger.connect(f.maker).record(note(f.maskId)),
          f.ledger,
          f.maker.address,
          HOLDERS,
        );
        await (await f.registry.connect(f.regulatorA).reinstateOrganisation(f.makerOrgId)).wait();
        await expect(f.ledger.connect(f.maker).record(note(f.maskId))).to.emit(f.ledger, "Recorded");

        await time.increaseTo(f.licenceExpiry);
        await expectAllianceUnauthorized(
          f.ledger.connect(f.maker).record(note(f.maskId)),
          f.ledger,
          f.maker.address,
          HOLDERS,
        );
        const licence = documentHash("Northwind licence, renewed");
        const expiry = BigInt(await time.latest()) + YEAR;
        await (await f.registry.connect(f.maker).proposeLicenceRenewal(licence, "ipfs://renewed", expiry)).wait();
        await (await f.registry.connect(f.regulatorA).approveLicenceRenewal(f.makerOrgId, licence)).wait();
        await expect(f.ledger.connect(f.maker).record(note(f.maskId))).to.emit(f.ledger, "Recorded");
      });
    });
  });

  describe("recordMany", () => {
    it("appends 100 records across four batches in one call, each batch's history chained in request order", async () => {
      const f = await loadFixture(fourBatchesFixture);
      expect(await f.ledger.MAX_RECORDS_PER_CALL()).to.equal(100n);
      const before = await histories(f, f.batchIds);
      const requests = Array.from({ length: 100 }, (_, i) => {
        const batchId = f.batchIds[i % 4];
        if ([1, 2, 7].includes(i % 8)) return passed(batchId, documentHash(`report ${i}`));
        if ([3, 5].includes(i % 8)) return failed(batchId, documentHash(`report ${i}`));
        return recordRequest(batchId, RecordKind.Note, documentHash(`note ${i}`));
      });
      const tx = await f.ledger.connect(f.maker).recordMany(requests);
      const at = await timestampOf(tx);
      const receipt = await tx.wait();
      expect(receipt!.logs.length).to.equal(100);

      for (const [b, batchId] of f.batchIds.entries()) {
        let head = before[b][0] as string;
        for (const r of requests.filter((r) => r.batchId === batchId)) {
          head = chain(head, r.kind, f.maker.address, at, r.dataHash);
        }
        expect(await f.ledger.historyOf(batchId)).to.deep.equal([head, (before[b][1] as bigint) + 25n]);
      }
      // The latest inspection of each batch is the last one requested for it: batch 0 got only notes, the last
      // inspections of batches 1, 2 and 3 are requests 97 (passed), 98 (passed) and 99 (failed).
      const latest = await Promise.all(f.batchIds.map(async (id) => (await f.ledger.batch(id)).inspection));
      expect(latest).to.deep.equal([Inspection.None, Inspection.Passed, Inspection.Passed, Inspection.Failed]);
    });

    it("appends a single record, and accepts a regulator's batch of records", async () => {
      const f = await load();
      const one = () => f.ledger.connect(f.maker).recordMany([passed(f.maskId)]);
      await expectRecorded(f.ledger, one, f.maskId, f.maker.address, RecordKind.InspectionPassed, REPORT);
      const [, count] = await f.ledger.historyOf(f.maskId);
      await (await f.ledger.connect(f.regulatorA).recordMany([note(f.maskId, "a"), failed(f.maskId)])).wait();
      expect((await f.ledger.historyOf(f.maskId))[1]).to.equal(count + 2n);
      expect((await recordsOf(f.ledger, f.maskId)).slice(-2).map((r) => [r.actor, r.kind])).to.deep.equal([
        [f.regulatorA.address, RecordKind.Note],
        [f.regulatorA.address, RecordKind.InspectionFailed],
      ]);
    });

    it("refuses none or more than 100 records with LedgerInvalidRecordCount", async () => {
      const f = await load();
      await expect(f.ledger.connect(f.maker).recordMany([]))
        .to.be.revertedWithCustomError(f.ledger, "LedgerInvalidRecordCount")
        .withArgs(0, 100);
      const tooMany = Array.from({ length: 101 }, (_, i) => note(f.maskId, `note ${i}`));
      await expect(f.ledger.connect(f.maker).recordMany(tooMany))
        .to.be.revertedWithCustomError(f.ledger, "LedgerInvalidRecordCount")
        .withArgs(101, 100);
    });

    const badLast: [string, (f: MaskBatchFixture & { batchIds: string[] }) => ReturnType<typeof note>, string][] = [
      ["an empty data hash", (f) => recordRequest(f.batchIds[2], RecordKind.Note, ethers.ZeroHash), "LedgerEmptyHash"],
      ["an unknown batch", () => note(UNKNOWN), "LedgerUnknownBatch"],
      [
        "a kind one may not record",
        (f) => recordRequest(f.batchIds[2], RecordKind.Released, NOTE),
        "LedgerRecordNotAllowed",
      ],
    ];
    for (const [title, bad, error] of badLast) {
      it(`is all or nothing: ${title} in the last place reverts the whole call with ${error}`, async () => {
        const f = await loadFixture(fourBatchesFixture);
        const requests = [...f.batchIds.map((id) => passed(id)), bad(f)];
        await expectNoStateChange(
          async () => ({
            histories: await histories(f, f.batchIds),
            inspection: (await f.ledger.batch(f.maskId)).inspection,
          }),
          async () => {
            await expect(f.ledger.connect(f.maker).recordMany(requests)).to.be.revertedWithCustomError(f.ledger, error);
          },
        );
      });
    }

    it("is all or nothing: a batch the caller may not write to reverts the whole call", async () => {
      const f = await loadFixture(fourBatchesFixture);
      await seedHolding(f.ledger, f.batchIds[0], f.hospitalOrgId, 10n);
      const requests = [note(f.batchIds[0]), note(f.batchIds[1])]; // the hospital holds only the first
      await expectNoStateChange(
        () => histories(f, f.batchIds),
        async () => {
          await expect(f.ledger.connect(f.hospital).recordMany(requests))
            .to.be.revertedWithCustomError(f.ledger, "LedgerRecordNotAllowed")
            .withArgs(f.batchIds[1], RecordKind.Note, f.hospital.address);
        },
      );
    });

    it("refuses an account that may not act with AllianceUnauthorized", async () => {
      const f = await load();
      const stranger = f.freeAccounts[0];
      await expectAllianceUnauthorized(
        f.ledger.connect(stranger).recordMany([note(f.maskId)]),
        f.ledger,
        stranger.address,
        HOLDERS,
      );
    });
  });

  describe("correct", () => {
    it("lets the actor correct its own last record within the window with a Correction record", async () => {
      const f = await loadNoted();
      const [correctedHead] = await f.ledger.historyOf(f.maskId);
      const send = () => f.ledger.connect(f.maker).correct(f.maskId, f.noted, CORRECTION_REASON);
      const dataHash = correctionDataHash(correctedHead, CORRECTION_REASON);
      await expectRecorded(f.ledger, send, f.maskId, f.maker.address, RecordKind.Correction, dataHash);
      // The corrected record stays in the history; the correction follows it.
      const kinds = (await recordsOf(f.ledger, f.maskId)).map((r) => r.kind);
      expect(kinds).to.deep.equal([RecordKind.Commissioned, RecordKind.Note, RecordKind.Correction]);
    });

    it("accepts a correction in the last second of the window", async () => {
      const f = await loadNoted();
      const deadline = f.noted.timestamp + f.correctionWindow;
      const [head] = await f.ledger.historyOf(f.maskId);
      await time.setNextBlockTimestamp(deadline);
      await expect(f.ledger.connect(f.maker).correct(f.maskId, f.noted, CORRECTION_REASON))
        .to.emit(f.ledger, "Recorded")
        .withArgs(
          f.maskId,
          f.maker.address,
          head,
          RecordKind.Correction,
          deadline,
          correctionDataHash(head, CORRECTION_REASON),
        );
    });

    it("refuses the actor after the window with LedgerCorrectionWindowClosed and the deadline", async () => {
      const f = await loadNoted();
      const deadline = f.noted.timestamp + f.correctionWindow;
      await time.setNextBlockTimestamp(deadline + 1n);
      await expect(f.ledger.connect(f.maker).correct(f.maskId, f.noted, CORRECTION_REASON))
        .to.be.revertedWithCustomError(f.ledger, "LedgerCorrectionWindowClosed")
        .withArgs(f.maskId, deadline);
    });

    it("lets the maker correct its Commissioned record", async () => {
      const f = await load();
      const commissioned = await lastRecordOf(f.ledger, f.maskId);
      expect(commissioned.dataHash).to.equal(commissionDataHash(f.maskRequest, SITE_MAKER));
      const [head] = await f.ledger.historyOf(f.maskId);
      const send = () => f.ledger.connect(f.maker).correct(f.maskId, commissioned, CORRECTION_REASON);
      await expectRecorded(
        f.ledger,
        send,
        f.maskId,
        f.maker.address,
        RecordKind.Correction,
        correctionDataHash(head, CORRECTION_REASON),
      );
    });

    it("voids a corrected passed inspection: the inspection is back to None and a released batch back on hold", async () => {
      const f = await load();
      await time.increase(MASK_HOLD);
      await (await f.ledger.connect(f.maker).record(passed(f.maskId))).wait();
      expect(await f.ledger.batchStatus(f.maskId)).to.equal(BatchStatus.Released);
      await (await f.ledger.connect(f.maker).correct(f.maskId, await lastRecordOf(f.ledger, f.maskId), REASONS)).wait();
      const b = await f.ledger.batch(f.maskId);
      expect([b.inspection, b.status]).to.deep.equal([Inspection.None, BatchStatus.OnHold]);
    });

    it("voids a corrected failed inspection", async () => {
      const f = await load();
      await (await f.ledger.connect(f.maker).record(failed(f.maskId))).wait();
      await (await f.ledger.connect(f.maker).correct(f.maskId, await lastRecordOf(f.ledger, f.maskId), REASONS)).wait();
      expect((await f.ledger.batch(f.maskId)).inspection).to.equal(Inspection.None);
    });

    it("leaves the latest inspection in force when the corrected record is a note", async () => {
      const f = await load();
      await (await f.ledger.connect(f.maker).record(passed(f.maskId))).wait();
      await (await f.ledger.connect(f.maker).record(note(f.maskId))).wait();
      await (await f.ledger.connect(f.maker).correct(f.maskId, await lastRecordOf(f.ledger, f.maskId), REASONS)).wait();
      expect((await f.ledger.batch(f.maskId)).inspection).to.equal(Inspection.Passed);
    });

    it("refuses any other account, even of the same organisation, with LedgerRecordNotAllowed", async () => {
      const f = await loadNoted();
      const operator = f.freeAccounts[0];
      await joinOrganisation(f.registry, f.maker, operator, AccountKind.Operator);
      for (const account of [operator, f.hospital, f.supplier, f.freeAccounts[1]]) {
        await expect(f.ledger.connect(account).correct(f.maskId, f.noted, CORRECTION_REASON))
          .to.be.revertedWithCustomError(f.ledger, "LedgerRecordNotAllowed")
          .withArgs(f.maskId, RecordKind.Correction, account.address);
      }
    });

    it("refuses the actor once its organisation may no longer act, with AllianceUnauthorized", async () => {
      const f = await loadNoted();
      await suspend(f.registry, f.regulatorA, f.makerOrgId);
      await expectAllianceUnauthorized(
        f.ledger.connect(f.maker).correct(f.maskId, f.noted, CORRECTION_REASON),
        f.ledger,
        f.maker.address,
        HOLDERS,
      );
    });

    it("lets a regulator correct anyone's last record at any time", async () => {
      const f = await loadNoted();
      await time.increase(30n * DAY);
      const [head] = await f.ledger.historyOf(f.maskId);
      const send = () => f.ledger.connect(f.regulatorB).correct(f.maskId, f.noted, CORRECTION_REASON);
      const dataHash = correctionDataHash(head, CORRECTION_REASON);
      await expectRecorded(f.ledger, send, f.maskId, f.regulatorB.address, RecordKind.Correction, dataHash);
    });

    it("voids an inspection a regulator corrects", async () => {
      const f = await load();
      await (await f.ledger.connect(f.maker).record(passed(f.maskId))).wait();
      await time.increase(30n * DAY);
      await (
        await f.ledger.connect(f.regulatorA).correct(f.maskId, await lastRecordOf(f.ledger, f.maskId), REASONS)
      ).wait();
      expect((await f.ledger.batch(f.maskId)).inspection).to.equal(Inspection.None);
      expect(await f.ledger.batchStatus(f.maskId)).to.equal(BatchStatus.OnHold);
    });

    it("records a correction of an early release without undoing the release (only inspections are voided)", async () => {
      const f = await load();
      await (await f.ledger.connect(f.regulatorA).releaseEarly(f.maskId, REASONS)).wait();
      await (
        await f.ledger
          .connect(f.regulatorA)
          .correct(f.maskId, await lastRecordOf(f.ledger, f.maskId), CORRECTION_REASON)
      ).wait();
      const b = await f.ledger.batch(f.maskId);
      expect([b.status, b.releasedEarly]).to.deep.equal([BatchStatus.Released, true]);
    });

    it("refuses a record that is not the batch's last with LedgerNotLastRecord", async () => {
      const f = await loadNoted();
      const [commissioned] = await recordsOf(f.ledger, f.maskId);
      await expect(f.ledger.connect(f.regulatorA).correct(f.maskId, commissioned, CORRECTION_REASON))
        .to.be.revertedWithCustomError(f.ledger, "LedgerNotLastRecord")
        .withArgs(f.maskId);
    });

    it("refuses a last record altered in any field with LedgerNotLastRecord", async () => {
      const f = await loadNoted();
      const altered = [
        { ...f.noted, prevHead: ethers.ZeroHash },
        { ...f.noted, kind: RecordKind.InspectionPassed },
        { ...f.noted, actor: f.regulatorA.address },
        { ...f.noted, timestamp: f.noted.timestamp + 1n },
        { ...f.noted, dataHash: REPORT },
      ];
      for (const record of altered) {
        await expect(f.ledger.connect(f.regulatorA).correct(f.maskId, record, CORRECTION_REASON))
          .to.be.revertedWithCustomError(f.ledger, "LedgerNotLastRecord")
          .withArgs(f.maskId);
      }
    });

    it("refuses to correct a correction, even for a regulator, with LedgerRecordNotAllowed", async () => {
      const f = await loadNoted();
      await (await f.ledger.connect(f.maker).correct(f.maskId, f.noted, CORRECTION_REASON)).wait();
      const correction = await lastRecordOf(f.ledger, f.maskId);
      for (const account of [f.maker, f.regulatorA]) {
        await expect(f.ledger.connect(account).correct(f.maskId, correction, REASONS))
          .to.be.revertedWithCustomError(f.ledger, "LedgerRecordNotAllowed")
          .withArgs(f.maskId, RecordKind.Correction, account.address);
      }
    });

    it("refuses empty reasons with LedgerEmptyHash and an unknown batch with LedgerUnknownBatch", async () => {
      const f = await loadNoted();
      await expect(f.ledger.connect(f.maker).correct(f.maskId, f.noted, ethers.ZeroHash)).to.be.revertedWithCustomError(
        f.ledger,
        "LedgerEmptyHash",
      );
      await expect(f.ledger.connect(f.maker).correct(UNKNOWN, f.noted, REASONS))
        .to.be.revertedWithCustomError(f.ledger, "LedgerUnknownBatch")
        .withArgs(UNKNOWN);
    });

    it("lets the actor record again after a correction and correct the new record", async () => {
      const f = await loadNoted();
      await (await f.ledger.connect(f.maker).correct(f.maskId, f.noted, CORRECTION_REASON)).wait();
      await (await f.ledger.connect(f.maker).record(passed(f.maskId))).wait();
      const [head] = await f.ledger.historyOf(f.maskId);
      const send = async () =>
        f.ledger.connect(f.maker).correct(f.maskId, await lastRecordOf(f.ledger, f.maskId), REASONS);
      await expectRecorded(
        f.ledger,
        send,
        f.maskId,
        f.maker.address,
        RecordKind.Correction,
        correctionDataHash(head, REASONS),
      );
    });
  });

  describe("modules", () => {
    describe("setModule", () => {
      it("registers a module and removes it, announcing each with ModuleSet", async () => {
        const f = await load();
        expect(await f.ledger.isModule(f.relay)).to.equal(false);
        await expect(f.ledger.connect(f.governor).setModule(f.relay, true))
          .to.emit(f.ledger, "ModuleSet")
          .withArgs(await f.relay.getAddress(), true);
        expect(await f.ledger.isModule(f.relay)).to.equal(true);
        await expect(f.ledger.connect(f.governor).setModule(f.relay, false))
          .to.emit(f.ledger, "ModuleSet")
          .withArgs(await f.relay.getAddress(), false);
        expect(await f.ledger.isModule(f.relay)).to.equal(false);
      });

      it("refuses the zero address with LedgerZeroAddress", async () => {
        const f = await load();
        await expect(f.ledger.connect(f.governor).setModule(ethers.ZeroAddress, true)).to.be.revertedWithCustomError(
          f.ledger,
          "LedgerZeroAddress",
        );
      });

      shouldBeRestrictedTo("governor", {
        load,
        context: rolesContext,
        errorsFrom: (f) => f.ledger,
        send: (f, signer) => f.ledger.connect(signer).setModule(f.relay, true),
      });
    });

    describe("recordFor", () => {
      it("records the module's caller, not the module, as the actor", async () => {
        const f = await loadModule();
        const send = () => f.relay.connect(f.maker).relay(recordRequest(f.maskId, RecordKind.Note, NOTE));
        await expectRecorded(f.ledger, send, f.maskId, f.maker.address, RecordKind.Note, NOTE);
      });

      it("applies the actor's own rights: a regulator's inspection through the module sets the inspection", async () => {
        const f = await loadModule();
        const send = () => f.relay.connect(f.regulatorA).relay(passed(f.maskId));
        await expectRecorded(f.ledger, send, f.maskId, f.regulatorA.address, RecordKind.InspectionPassed, REPORT);
        expect((await f.ledger.batch(f.maskId)).inspection).to.equal(Inspection.Passed);
      });

      it("re-checks the actor: a member that is neither maker nor holder is refused with LedgerRecordNotAllowed", async () => {
        const f = await loadModule();
        await expect(f.relay.connect(f.hospital).relay(note(f.maskId)))
          .to.be.revertedWithCustomError(f.ledger, "LedgerRecordNotAllowed")
          .withArgs(f.maskId, RecordKind.Note, f.hospital.address);
        await seedHolding(f.ledger, f.maskId, f.hospitalOrgId, 5n);
        await expect(f.relay.connect(f.hospital).relay(passed(f.maskId)))
          .to.be.revertedWithCustomError(f.ledger, "LedgerRecordNotAllowed")
          .withArgs(f.maskId, RecordKind.InspectionPassed, f.hospital.address);
      });

      it("re-checks the actor: an account that may not act is refused with AllianceUnauthorized", async () => {
        const f = await loadModule();
        const stranger = f.freeAccounts[0];
        await expectAllianceUnauthorized(
          f.relay.connect(stranger).relay(note(f.maskId)),
          f.ledger,
          stranger.address,
          HOLDERS,
        );
        await suspend(f.registry, f.regulatorA, f.makerOrgId);
        await expectAllianceUnauthorized(
          f.relay.connect(f.maker).relay(note(f.maskId)),
          f.ledger,
          f.maker.address,
          HOLDERS,
        );
      });

      it("refuses a module that is not registered, or no longer, with LedgerNotModule", async () => {
        const f = await load();
        const relayAddress = await f.relay.getAddress();
        await expect(f.relay.connect(f.maker).relay(note(f.maskId)))
          .to.be.revertedWithCustomError(f.ledger, "LedgerNotModule")
          .withArgs(relayAddress);
        await (await f.ledger.connect(f.governor).setModule(f.relay, true)).wait();
        await (await f.ledger.connect(f.governor).setModule(f.relay, false)).wait();
        await expect(f.relay.connect(f.maker).relay(note(f.maskId)))
          .to.be.revertedWithCustomError(f.ledger, "LedgerNotModule")
          .withArgs(relayAddress);
      });

      it("refuses an account calling recordFor directly, even the actor named, with LedgerNotModule", async () => {
        const f = await loadModule();
        await expect(f.ledger.connect(f.maker).recordFor(f.maker.address, note(f.maskId)))
          .to.be.revertedWithCustomError(f.ledger, "LedgerNotModule")
          .withArgs(f.maker.address);
      });
    });
  });

  describe("history", () => {
    it("keeps a head equal to the chain computed off chain from each record's kind, actor, time and data", async () => {
      const f = await load();
      const operator = f.freeAccounts[0];
      await joinOrganisation(f.registry, f.maker, operator, AccountKind.Operator);
      const expected = [
        {
          kind: RecordKind.Commissioned,
          actor: f.maker.address,
          timestamp: f.commissionedAt,
          dataHash: commissionDataHash(f.maskRequest, SITE_MAKER),
        },
      ];
      const steps: [HardhatEthersSigner, () => Promise<ContractTransactionResponse>, RecordKind, string][] = [
        [f.maker, () => f.ledger.connect(f.maker).record(passed(f.maskId)), RecordKind.InspectionPassed, REPORT],
        [f.regulatorA, () => f.ledger.connect(f.regulatorA).blockBatch(f.maskId, REASONS), RecordKind.Blocked, REASONS],
        [f.regulatorB, () => f.ledger.connect(f.regulatorB).unblockBatch(f.maskId, NOTE), RecordKind.Unblocked, NOTE],
        [
          operator,
          () => f.ledger.connect(operator).record(failed(f.maskId)),
          RecordKind.InspectionFailed,
          FAILED_REPORT,
        ],
        [
          f.regulatorC,
          () => f.ledger.connect(f.regulatorC).releaseEarly(f.maskId, REASONS),
          RecordKind.Released,
          REASONS,
        ],
      ];
      for (const [signer, send, kind, dataHash] of steps) {
        await time.increase(DAY);
        const tx = await send();
        expected.push({ kind, actor: signer.address, timestamp: await timestampOf(tx), dataHash });
      }
      const last = await lastRecordOf(f.ledger, f.maskId);
      const tx = await f.ledger.connect(f.regulatorC).correct(f.maskId, last, CORRECTION_REASON);
      expected.push({
        kind: RecordKind.Correction,
        actor: f.regulatorC.address,
        timestamp: await timestampOf(tx),
        dataHash: correctionDataHash(headOf(expected), CORRECTION_REASON),
      });

      expect(await f.ledger.historyOf(f.maskId)).to.deep.equal([headOf(expected), 7n]);
      expect((await f.ledger.batch(f.maskId)).recordCount).to.equal(7n);
    });

    it("lets anyone rebuild the head from the Recorded logs alone, each log naming the head before it", async () => {
      const f = await load();
      await (
        await f.ledger.connect(f.maker).recordMany([passed(f.maskId), note(f.maskId, "x"), note(f.maskId, "y")])
      ).wait();
      await (await f.ledger.connect(f.regulatorA).blockBatch(f.maskId, REASONS)).wait();
      const records = await recordsOf(f.ledger, f.maskId);
      let head = ethers.ZeroHash;
      for (const r of records) {
        expect(r.prevHead).to.equal(head);
        head = chain(head, r.kind, r.actor, r.timestamp, r.dataHash);
      }
      expect(await f.ledger.historyOf(f.maskId)).to.deep.equal([head, BigInt(records.length)]);
      expect(records.length).to.equal(5);
    });

    it("keeps each batch's history apart", async () => {
      const f = await load();
      const other = await commission(f.ledger, f.maker, await batchRequest(MASK, "MK-0002"));
      const [otherHead, otherCount] = await f.ledger.historyOf(other);
      await (await f.ledger.connect(f.maker).recordMany([note(f.maskId, "1"), note(f.maskId, "2")])).wait();
      expect(await f.ledger.historyOf(other)).to.deep.equal([otherHead, otherCount]);
      expect((await f.ledger.historyOf(f.maskId))[1]).to.equal(3n);
    });
  });
});
