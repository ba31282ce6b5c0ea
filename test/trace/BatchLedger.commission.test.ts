import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import {
  GateContext,
  PauseContext,
  shouldBehaveLikeAllianceGated,
  shouldRespectAlliancePause,
} from "../helpers/behaviours";
import { expectNoStateChange, joinOrganisation } from "../helpers/registry";
import { SITE_MAKER } from "../helpers/fixtures";
import {
  FABRIC,
  FABRIC_HOLD,
  GLOVE,
  GOWN,
  MAKERS,
  MASK,
  MASK_HOLD,
  REASONS,
  REPORT,
  SITE_SUPPLIER,
  TraceFixture,
  batchRequest,
  commissionDataHash,
  consumedDataHash,
  headOf,
  lastRecordOf,
  maskBatchFixture,
  note,
  passed,
  productSpec,
  releasedBatch,
  releasedFabricFixture,
  requestAsEventArg,
  seedHolding,
  timestampOf,
  traceFixture,
} from "../helpers/traceFixture";
import { AccountKind } from "../../scripts/lib/alliance";
import { DAY } from "../../scripts/lib/formation";
import { gln, gtin } from "../../scripts/lib/gs1";
import {
  BatchStatus,
  Category,
  Inspection,
  ProductStatus,
  RecordKind,
  batchIdOf,
  commission,
  lot,
} from "../../scripts/lib/trace";

const load = () => loadFixture(traceFixture);
const loadFabric = () => loadFixture(releasedFabricFixture);

const CAP = gtin("0061414100004"); // never proposed
const MAX_UINT40 = 2n ** 40n - 1n;
const MAX_UINT32 = 2n ** 32n - 1n;

/** A bytes32 lot from raw bytes (for lots the `lot()` helper rightly refuses to build). */
function rawLot(bytes: number[]): string {
  const padded = new Uint8Array(32);
  padded.set(bytes);
  return ethers.hexlify(padded);
}
const ascii = (text: string) => Array.from(text, (c) => c.charCodeAt(0));

const makerGate = (f: TraceFixture): GateContext => ({
  registry: f.registry,
  regulators: f.regulators,
  member: f.maker,
  outsider: f.hospital,
  applicant: f.applicant,
  freeAccounts: f.freeAccounts,
});

/** `traceFixture` with Northwind's gown proposed and not yet approved. */
async function productStatesFixture() {
  const f = await traceFixture();
  await (await f.catalog.connect(f.maker).proposeProduct(productSpec(GOWN, Category.ProtectiveEquipment))).wait();
  return f;
}

/** What the ledger says about a batch, as plain values. */
async function batchSnapshot(f: TraceFixture, batchId: string) {
  const [head, recordCount] = await f.ledger.historyOf(batchId);
  return {
    status: await f.ledger.batchStatus(batchId),
    makerHolding: await f.ledger.holdingOf(batchId, f.makerOrgId),
    supplierHolding: await f.ledger.holdingOf(batchId, f.supplierOrgId),
    head,
    recordCount,
  };
}

describe("BatchLedger: commissioning and lineage", () => {
  describe("commission", () => {
    it("creates the batch at batchIdOf(gtin, lot), held in full by the maker and on hold for the product's hold period", async () => {
      const f = await load();
      const request = await batchRequest(MASK, "MK-0001", { quantity: 120_000n });
      const expectedId = batchIdOf(MASK, lot("MK-0001"));
      expect(await f.ledger.batchIdOf(MASK, lot("MK-0001"))).to.equal(expectedId);
      expect(await f.ledger.connect(f.maker).commission.staticCall(request)).to.equal(expectedId);

      const tx = await f.ledger.connect(f.maker).commission(request);
      const at = await timestampOf(tx);
      const dataHash = commissionDataHash(request, SITE_MAKER);
      await expect(tx)
        .to.emit(f.ledger, "BatchCommissioned")
        .withArgs(expectedId, MASK, f.makerOrgId, SITE_MAKER, requestAsEventArg(request));
      await expect(tx)
        .to.emit(f.ledger, "Recorded")
        .withArgs(expectedId, f.maker.address, ethers.ZeroHash, RecordKind.Commissioned, at, dataHash);

      const b = await f.ledger.batch(expectedId);
      expect(b.gtin).to.equal(MASK);
      expect(b.makerOrgId).to.equal(f.makerOrgId);
      expect(b.commissioned).to.equal(120_000n);
      expect(b.expiresAt).to.equal(request.expiresAt);
      expect(b.holdUntil).to.equal(at + MASK_HOLD);
      expect(b.inspection).to.equal(Inspection.None);
      expect(b.status).to.equal(BatchStatus.OnHold);
      expect(await f.ledger.holdingOf(expectedId, f.makerOrgId)).to.equal(120_000n);
      expect(await f.ledger.batchStatus(expectedId)).to.equal(BatchStatus.OnHold);
      const head = headOf([{ kind: RecordKind.Commissioned, actor: f.maker.address, timestamp: at, dataHash }]);
      expect(await f.ledger.historyOf(expectedId)).to.deep.equal([head, 1n]);
    });

    it("emits BatchCommissioned, then the batch's Recorded, in that order", async () => {
      const f = await load();
      const receipt = await (await f.ledger.connect(f.maker).commission(await batchRequest(MASK, "MK-0001"))).wait();
      const names = receipt!.logs.map((log) => f.ledger.interface.parseLog(log)?.name);
      expect(names).to.deep.equal(["BatchCommissioned", "Recorded"]);
    });

    it("records an operator as the actor and its organisation as the maker", async () => {
      const f = await load();
      const operator = f.freeAccounts[0];
      await joinOrganisation(f.registry, f.maker, operator, AccountKind.Operator);
      const request = await batchRequest(MASK, "MK-0001");
      const batchId = batchIdOf(MASK, request.lot as string);
      const tx = await f.ledger.connect(operator).commission(request);
      await expect(tx)
        .to.emit(f.ledger, "Recorded")
        .withArgs(
          batchId,
          operator.address,
          ethers.ZeroHash,
          RecordKind.Commissioned,
          await timestampOf(tx),
          commissionDataHash(request, SITE_MAKER),
        );
      expect((await f.ledger.batch(batchId)).makerOrgId).to.equal(f.makerOrgId);
      expect(await f.ledger.holdingOf(batchId, f.makerOrgId)).to.equal(10_000n);
    });

    it("names the site by its index among the organisation's registered GLNs", async () => {
      const f = await load();
      const secondSite = gln("061414100002");
      await (await f.registry.connect(f.maker).registerSite(secondSite, "Northwind warehouse")).wait();
      const request = await batchRequest(MASK, "MK-0001", { site: 1n });
      const tx = await f.ledger.connect(f.maker).commission(request);
      await expect(tx)
        .to.emit(f.ledger, "BatchCommissioned")
        .withArgs(batchIdOf(MASK, request.lot as string), MASK, f.makerOrgId, secondSite, requestAsEventArg(request));
      const record = await lastRecordOf(f.ledger, batchIdOf(MASK, request.lot as string));
      expect(record.dataHash).to.equal(commissionDataHash(request, secondSite));
    });

    it("lets a supplier commission its own product at its own site", async () => {
      const f = await load();
      const request = await batchRequest(GLOVE, "GL-0001");
      const batchId = batchIdOf(GLOVE, request.lot as string);
      await expect(f.ledger.connect(f.supplier).commission(request))
        .to.emit(f.ledger, "BatchCommissioned")
        .withArgs(batchId, GLOVE, f.supplierOrgId, SITE_SUPPLIER, requestAsEventArg(request));
      expect(await f.ledger.holdingOf(batchId, f.supplierOrgId)).to.equal(10_000n);
      expect(await f.ledger.holdingOf(batchId, f.makerOrgId)).to.equal(0n);
    });

    it("accepts the edges: a 20-character lot from '!' to '~', quantity 2**40-1, produced this second, expiry 2**32-1", async () => {
      const f = await load();
      const at = BigInt(await time.latest()) + 10n;
      const edgeLot = lot("!0123456789ABCDEFGH~");
      const request = await batchRequest(MASK, "X", {
        lot: edgeLot,
        quantity: MAX_UINT40,
        producedAt: at,
        expiresAt: MAX_UINT32,
      });
      await time.setNextBlockTimestamp(at); // (a staticCall would run at the latest block's time, before `at`)
      await expect(f.ledger.connect(f.maker).commission(request)).to.emit(f.ledger, "BatchCommissioned");
      const batchId = batchIdOf(MASK, edgeLot);
      const b = await f.ledger.batch(batchId);
      expect([b.commissioned, b.expiresAt, b.status]).to.deep.equal([MAX_UINT40, MAX_UINT32, BatchStatus.OnHold]);
      expect(await f.ledger.holdingOf(batchId, f.makerOrgId)).to.equal(MAX_UINT40);
    });

    it("accepts an expiry one second after the commissioning block", async () => {
      const f = await load();
      const at = BigInt(await time.latest()) + 10n;
      const request = await batchRequest(MASK, "MK-SHORT", { producedAt: at, expiresAt: at + 1n });
      await time.setNextBlockTimestamp(at);
      await (await f.ledger.connect(f.maker).commission(request)).wait();
      const batchId = batchIdOf(MASK, lot("MK-SHORT"));
      expect(await f.ledger.batchStatus(batchId)).to.equal(BatchStatus.OnHold);
      await time.increase(1);
      expect(await f.ledger.batchStatus(batchId)).to.equal(BatchStatus.Expired);
    });

    it("never reuses a lot for a GTIN (LedgerBatchExists), while the same lot text may name another product's batch", async () => {
      const f = await load();
      const first = await commission(f.ledger, f.maker, await batchRequest(MASK, "LOT-42"));
      const again = await batchRequest(MASK, "LOT-42", { quantity: 1n, docHash: REPORT });
      await expect(f.ledger.connect(f.maker).commission(again))
        .to.be.revertedWithCustomError(f.ledger, "LedgerBatchExists")
        .withArgs(first);
      const other = await commission(f.ledger, f.maker, await batchRequest(FABRIC, "LOT-42"));
      expect(other).to.equal(batchIdOf(FABRIC, lot("LOT-42")));
      expect(other).not.to.equal(first);
      expect(await f.ledger.holdingOf(first, f.makerOrgId)).to.equal(10_000n);
    });

    it("still refuses the lot once the first batch has expired or been blocked", async () => {
      const f = await load();
      const at = BigInt(await time.latest());
      const first = await commission(f.ledger, f.maker, await batchRequest(MASK, "LOT-7", { expiresAt: at + DAY }));
      await (await f.ledger.connect(f.regulatorA).blockBatch(first, REASONS)).wait();
      await time.increase(2n * DAY);
      await expect(f.ledger.connect(f.maker).commission(await batchRequest(MASK, "LOT-7")))
        .to.be.revertedWithCustomError(f.ledger, "LedgerBatchExists")
        .withArgs(first);
    });

    describe("refusals", () => {
      it("refuses an unknown, proposed, rejected or withdrawn product with LedgerProductNotApproved", async () => {
        const f = await loadFixture(productStatesFixture);
        const rejected = gtin("0061414100006");
        await (await f.catalog.connect(f.maker).proposeProduct(productSpec(rejected, Category.Drug))).wait();
        await (await f.catalog.connect(f.regulatorA).rejectProduct(rejected, REASONS)).wait();
        await (await f.catalog.connect(f.regulatorA).withdrawProduct(FABRIC, REASONS)).wait();
        for (const [code, status] of [
          [CAP, ProductStatus.None],
          [GOWN, ProductStatus.Proposed],
          [rejected, ProductStatus.Rejected],
          [FABRIC, ProductStatus.Withdrawn],
        ]) {
          await expect(f.ledger.connect(f.maker).commission(await batchRequest(BigInt(code), "L-1")))
            .to.be.revertedWithCustomError(f.ledger, "LedgerProductNotApproved")
            .withArgs(code, status);
        }
      });

      it("refuses another maker's product with LedgerNotProductMaker", async () => {
        const f = await load();
        await expect(f.ledger.connect(f.supplier).commission(await batchRequest(MASK, "L-1")))
          .to.be.revertedWithCustomError(f.ledger, "LedgerNotProductMaker")
          .withArgs(MASK, f.supplierOrgId);
        await expect(f.ledger.connect(f.maker).commission(await batchRequest(GLOVE, "L-1")))
          .to.be.revertedWithCustomError(f.ledger, "LedgerNotProductMaker")
          .withArgs(GLOVE, f.makerOrgId);
      });

      const badLots: [string, string][] = [
        ["an empty lot", ethers.ZeroHash],
        ["a lot of 21 characters", ethers.encodeBytes32String("A".repeat(21))],
        ["a lot of 31 characters", ethers.encodeBytes32String("B".repeat(31))],
        ["a lot with a stray byte after the 20th position", rawLot([...ascii("MK1"), ...Array(22).fill(0), 0x41])],
        ["a lot containing a space", rawLot(ascii("MK 0001"))],
        ["a lot containing a control character", rawLot([...ascii("MK"), 0x0a, ...ascii("01")])],
        ["a lot containing DEL (0x7f)", rawLot([...ascii("MK"), 0x7f])],
        ["a lot containing a non-ASCII byte", ethers.encodeBytes32String("MK-é")],
        ["a lot with a gap (characters after a zero byte)", rawLot([...ascii("MK"), 0, ...ascii("01")])],
        ["a lot starting with a zero byte", rawLot([0, ...ascii("MK01")])],
      ];
      for (const [title, badLot] of badLots) {
        it(`refuses ${title} with LedgerInvalidLot`, async () => {
          const f = await load();
          await expect(f.ledger.connect(f.maker).commission(await batchRequest(MASK, "X", { lot: badLot })))
            .to.be.revertedWithCustomError(f.ledger, "LedgerInvalidLot")
            .withArgs(badLot);
        });
      }

      it("refuses a quantity of zero or above 2**40-1 with LedgerInvalidQuantity", async () => {
        const f = await load();
        for (const quantity of [0n, MAX_UINT40 + 1n, ethers.MaxUint256]) {
          await expect(f.ledger.connect(f.maker).commission(await batchRequest(MASK, "L-1", { quantity })))
            .to.be.revertedWithCustomError(f.ledger, "LedgerInvalidQuantity")
            .withArgs(quantity);
        }
      });

      /** Sends `commission` in a block at a known time and expects LedgerInvalidDates with that time. */
      async function expectInvalidDates(f: TraceFixture, dates: (now: bigint) => [bigint, bigint]) {
        const now = BigInt(await time.latest()) + 100n;
        const [producedAt, expiresAt] = dates(now);
        await time.setNextBlockTimestamp(now);
        await expect(f.ledger.connect(f.maker).commission(await batchRequest(MASK, "L-1", { producedAt, expiresAt })))
          .to.be.revertedWithCustomError(f.ledger, "LedgerInvalidDates")
          .withArgs(producedAt, expiresAt, now);
      }

      it("refuses a production date in the future with LedgerInvalidDates", async () => {
        const f = await load();
        await expectInvalidDates(f, (now) => [now + 1n, now + 365n * DAY]);
      });

      it("refuses an expiry in the past, or this very second, with LedgerInvalidDates", async () => {
        const f = await load();
        await expectInvalidDates(f, (now) => [now - 10n * DAY, now - 1n]);
        await expectInvalidDates(f, (now) => [now - 10n * DAY, now]);
      });

      it("refuses an expiry before the production date with LedgerInvalidDates", async () => {
        const f = await load();
        await expectInvalidDates(f, (now) => [now - DAY, now - 2n * DAY]);
        await expectInvalidDates(f, (now) => [now + 2n * DAY, now + DAY]);
      });

      it("refuses an expiry beyond 2**32-1 (year 2106) with LedgerInvalidDates", async () => {
        const f = await load();
        await expectInvalidDates(f, (now) => [now - DAY, MAX_UINT32 + 1n]);
        await expectInvalidDates(f, (now) => [now - DAY, 2n ** 40n - 1n]);
      });

      it("refuses a site index the organisation has not registered with LedgerUnknownSite", async () => {
        const f = await load();
        for (const site of [1n, 2n ** 255n]) {
          await expect(f.ledger.connect(f.maker).commission(await batchRequest(MASK, "L-1", { site })))
            .to.be.revertedWithCustomError(f.ledger, "LedgerUnknownSite")
            .withArgs(f.makerOrgId, site);
        }
      });

      it("refuses more than MAX_INPUTS (16) inputs with LedgerTooManyInputs", async () => {
        const f = await load();
        expect(await f.ledger.MAX_INPUTS()).to.equal(16n);
        const inputs = Array.from({ length: 17 }, (_, i) => ({ batchId: ethers.id(`input ${i}`), quantity: 1n }));
        await expect(f.ledger.connect(f.maker).commission(await batchRequest(MASK, "L-1", { inputs })))
          .to.be.revertedWithCustomError(f.ledger, "LedgerTooManyInputs")
          .withArgs(17, 16);
      });

      it("refuses an unknown input batch with LedgerUnknownBatch", async () => {
        const f = await load();
        const unknown = batchIdOf(FABRIC, lot("NEVER-MADE"));
        const inputs = [{ batchId: unknown, quantity: 1n }];
        await expect(f.ledger.connect(f.maker).commission(await batchRequest(MASK, "L-1", { inputs })))
          .to.be.revertedWithCustomError(f.ledger, "LedgerUnknownBatch")
          .withArgs(unknown);
      });

      it("refuses an input still on hold with LedgerInputNotUsable", async () => {
        const f = await load();
        const fabricId = await commission(f.ledger, f.maker, await batchRequest(FABRIC, "MB-0001"));
        await (await f.ledger.connect(f.maker).record(passed(fabricId))).wait(); // hold not yet passed
        const inputs = [{ batchId: fabricId, quantity: 1n }];
        await expect(f.ledger.connect(f.maker).commission(await batchRequest(MASK, "L-1", { inputs })))
          .to.be.revertedWithCustomError(f.ledger, "LedgerInputNotUsable")
          .withArgs(fabricId, BatchStatus.OnHold);
      });

      it("refuses the batch being commissioned as its own input with LedgerInputNotUsable (it is on hold)", async () => {
        const f = await load();
        const own = batchIdOf(MASK, lot("L-1"));
        const inputs = [{ batchId: own, quantity: 1n }];
        await expect(f.ledger.connect(f.maker).commission(await batchRequest(MASK, "L-1", { inputs })))
          .to.be.revertedWithCustomError(f.ledger, "LedgerInputNotUsable")
          .withArgs(own, BatchStatus.OnHold);
      });

      it("refuses a blocked input with LedgerInputNotUsable", async () => {
        const f = await loadFabric();
        await (await f.ledger.connect(f.regulatorA).blockBatch(f.fabricId, REASONS)).wait();
        const inputs = [{ batchId: f.fabricId, quantity: 1n }];
        await expect(f.ledger.connect(f.maker).commission(await batchRequest(MASK, "L-1", { inputs })))
          .to.be.revertedWithCustomError(f.ledger, "LedgerInputNotUsable")
          .withArgs(f.fabricId, BatchStatus.Blocked);
      });

      it("refuses an expired input with LedgerInputNotUsable", async () => {
        const f = await load();
        const expiresAt = BigInt(await time.latest()) + 3n * DAY;
        const fabricId = await releasedBatch(f, FABRIC, "MB-SHORT", { expiresAt });
        expect(await f.ledger.batchStatus(fabricId)).to.equal(BatchStatus.Released);
        await time.increaseTo(expiresAt);
        const inputs = [{ batchId: fabricId, quantity: 1n }];
        await expect(f.ledger.connect(f.maker).commission(await batchRequest(MASK, "L-1", { inputs })))
          .to.be.revertedWithCustomError(f.ledger, "LedgerInputNotUsable")
          .withArgs(fabricId, BatchStatus.Expired);
      });

      it("refuses an input quantity of zero with LedgerInvalidQuantity", async () => {
        const f = await loadFabric();
        const inputs = [{ batchId: f.fabricId, quantity: 0n }];
        await expect(f.ledger.connect(f.maker).commission(await batchRequest(MASK, "L-1", { inputs })))
          .to.be.revertedWithCustomError(f.ledger, "LedgerInvalidQuantity")
          .withArgs(0);
      });

      it("refuses more of an input than the maker holds with LedgerInsufficientHolding", async () => {
        const f = await loadFabric();
        const inputs = [{ batchId: f.fabricId, quantity: 10_001n }];
        await expect(f.ledger.connect(f.maker).commission(await batchRequest(MASK, "L-1", { inputs })))
          .to.be.revertedWithCustomError(f.ledger, "LedgerInsufficientHolding")
          .withArgs(f.fabricId, f.makerOrgId, 10_000n, 10_001n);
      });

      it("refuses an input listed twice once the two uses exceed the holding", async () => {
        const f = await loadFabric();
        const inputs = [
          { batchId: f.fabricId, quantity: 6_000n },
          { batchId: f.fabricId, quantity: 4_001n },
        ];
        await expect(f.ledger.connect(f.maker).commission(await batchRequest(MASK, "L-1", { inputs })))
          .to.be.revertedWithCustomError(f.ledger, "LedgerInsufficientHolding")
          .withArgs(f.fabricId, f.makerOrgId, 4_000n, 4_001n);
      });

      it("refuses a released input that the commissioning organisation does not hold", async () => {
        const f = await loadFabric();
        const inputs = [{ batchId: f.fabricId, quantity: 1n }];
        await expect(f.ledger.connect(f.supplier).commission(await batchRequest(GLOVE, "GL-1", { inputs })))
          .to.be.revertedWithCustomError(f.ledger, "LedgerInsufficientHolding")
          .withArgs(f.fabricId, f.supplierOrgId, 0n, 1n);
      });

      it("leaves no trace when an input fails: no batch, holdings and histories unchanged", async () => {
        const f = await loadFabric();
        const second = await releasedBatch(f, FABRIC, "MB-0002");
        const request = await batchRequest(MASK, "L-1", {
          inputs: [
            { batchId: f.fabricId, quantity: 100n },
            { batchId: second, quantity: 10_001n },
          ],
        });
        const state = async () => ({
          fabric: await batchSnapshot(f, f.fabricId),
          second: await batchSnapshot(f, second),
          output: await f.ledger.batchStatus(batchIdOf(MASK, lot("L-1"))),
        });
        await expectNoStateChange(state, async () => {
          await expect(f.ledger.connect(f.maker).commission(request)).to.be.revertedWithCustomError(
            f.ledger,
            "LedgerInsufficientHolding",
          );
        });
        expect((await state()).output).to.equal(BatchStatus.Unknown);
      });
    });
  });

  describe("lineage", () => {
    it("consumes a released fabric batch from the maker's holding and appends ConsumedAsInput to its history", async () => {
      const f = await loadFabric();
      const fabricBefore = await lastRecordOf(f.ledger, f.fabricId);
      const [fabricHeadBefore, fabricCountBefore] = await f.ledger.historyOf(f.fabricId);
      const request = await batchRequest(MASK, "MK-0001", { inputs: [{ batchId: f.fabricId, quantity: 2_500n }] });
      const maskId = batchIdOf(MASK, lot("MK-0001"));

      const tx = await f.ledger.connect(f.maker).commission(request);
      const at = await timestampOf(tx);
      const consumed = consumedDataHash(maskId, 2_500n);
      await expect(tx)
        .to.emit(f.ledger, "Recorded")
        .withArgs(f.fabricId, f.maker.address, fabricHeadBefore, RecordKind.ConsumedAsInput, at, consumed);
      await expect(tx)
        .to.emit(f.ledger, "BatchCommissioned")
        .withArgs(maskId, MASK, f.makerOrgId, SITE_MAKER, requestAsEventArg(request));
      await expect(tx)
        .to.emit(f.ledger, "Recorded")
        .withArgs(
          maskId,
          f.maker.address,
          ethers.ZeroHash,
          RecordKind.Commissioned,
          at,
          commissionDataHash(request, SITE_MAKER),
        );

      expect(await f.ledger.holdingOf(f.fabricId, f.makerOrgId)).to.equal(7_500n);
      expect((await f.ledger.batch(f.fabricId)).commissioned).to.equal(10_000n); // conservation: 7,500 + 2,500
      expect(await f.ledger.holdingOf(maskId, f.makerOrgId)).to.equal(10_000n);
      expect(fabricBefore.kind).to.equal(RecordKind.InspectionPassed);
      const expectedFabricHead = ethers.keccak256(
        ethers.AbiCoder.defaultAbiCoder().encode(
          ["bytes32", "uint8", "address", "uint64", "bytes32"],
          [fabricHeadBefore, RecordKind.ConsumedAsInput, f.maker.address, at, consumed],
        ),
      );
      expect(await f.ledger.historyOf(f.fabricId)).to.deep.equal([expectedFabricHead, fabricCountBefore + 1n]);
    });

    it("emits the output's records before each input's, in input order", async () => {
      const f = await loadFabric();
      const second = await releasedBatch(f, FABRIC, "MB-0002");
      const request = await batchRequest(MASK, "MK-0001", {
        inputs: [
          { batchId: second, quantity: 10n },
          { batchId: f.fabricId, quantity: 20n },
        ],
      });
      const receipt = await (await f.ledger.connect(f.maker).commission(request)).wait();
      const logs = receipt!.logs.map((log) => f.ledger.interface.parseLog(log)!);
      const maskId = batchIdOf(MASK, lot("MK-0001"));
      expect(logs.map((l) => [l.name, l.args.batchId])).to.deep.equal([
        ["BatchCommissioned", maskId],
        ["Recorded", maskId],
        ["Recorded", second],
        ["Recorded", f.fabricId],
      ]);
    });

    it("consumes MAX_INPUTS distinct inputs in one commission", async () => {
      const f = await load();
      const fabricIds: string[] = [];
      for (let i = 0; i < 16; i++) {
        fabricIds.push(await commission(f.ledger, f.maker, await batchRequest(FABRIC, `MB-${i}`)));
      }
      await (await f.ledger.connect(f.maker).recordMany(fabricIds.map((id) => passed(id)))).wait();
      await time.increase(FABRIC_HOLD);
      const inputs = fabricIds.map((batchId, i) => ({ batchId, quantity: BigInt(i + 1) }));
      const tx = await f.ledger.connect(f.maker).commission(await batchRequest(MASK, "MK-0001", { inputs }));
      const maskId = batchIdOf(MASK, lot("MK-0001"));
      for (const [i, batchId] of fabricIds.entries()) {
        expect(await f.ledger.holdingOf(batchId, f.makerOrgId)).to.equal(10_000n - BigInt(i + 1));
        const last = await lastRecordOf(f.ledger, batchId);
        expect([last.kind, last.dataHash]).to.deep.equal([
          RecordKind.ConsumedAsInput,
          consumedDataHash(maskId, BigInt(i + 1)),
        ]);
      }
      expect((await tx.wait())!.logs.length).to.equal(2 + 16);
    });

    it("consumes an input's whole holding, after which nothing is left to consume", async () => {
      const f = await loadFabric();
      const all = [{ batchId: f.fabricId, quantity: 10_000n }];
      await commission(f.ledger, f.maker, await batchRequest(MASK, "MK-0001", { inputs: all }));
      expect(await f.ledger.holdingOf(f.fabricId, f.makerOrgId)).to.equal(0n);
      expect(await f.ledger.batchStatus(f.fabricId)).to.equal(BatchStatus.Released);
      const more = [{ batchId: f.fabricId, quantity: 1n }];
      await expect(f.ledger.connect(f.maker).commission(await batchRequest(MASK, "MK-0002", { inputs: more })))
        .to.be.revertedWithCustomError(f.ledger, "LedgerInsufficientHolding")
        .withArgs(f.fabricId, f.makerOrgId, 0n, 1n);
    });

    it("consumes an input listed twice twice, recording each use", async () => {
      const f = await loadFabric();
      const inputs = [
        { batchId: f.fabricId, quantity: 100n },
        { batchId: f.fabricId, quantity: 200n },
      ];
      const maskId = await commission(f.ledger, f.maker, await batchRequest(MASK, "MK-0001", { inputs }));
      expect(await f.ledger.holdingOf(f.fabricId, f.makerOrgId)).to.equal(9_700n);
      const records = (await f.ledger.queryFilter(f.ledger.filters.Recorded(f.fabricId))).slice(-2);
      expect(records.map((r) => r.args.dataHash)).to.deep.equal([
        consumedDataHash(maskId, 100n),
        consumedDataHash(maskId, 200n),
      ]);
    });

    it("consumes an input another organisation's maker made, from the commissioning organisation's own holding", async () => {
      const f = await loadFabric();
      // The supplier holds 500 m of Northwind's fabric, as if shipped to it.
      await seedHolding(f.ledger, f.fabricId, f.supplierOrgId, 500n);
      const inputs = [{ batchId: f.fabricId, quantity: 200n }];
      const request = await batchRequest(GLOVE, "GL-0001", { inputs });
      const gloveId = batchIdOf(GLOVE, request.lot as string);
      const [headBefore] = await f.ledger.historyOf(f.fabricId);
      const tx = await f.ledger.connect(f.supplier).commission(request);
      await expect(tx)
        .to.emit(f.ledger, "Recorded")
        .withArgs(
          f.fabricId,
          f.supplier.address,
          headBefore,
          RecordKind.ConsumedAsInput,
          await timestampOf(tx),
          consumedDataHash(gloveId, 200n),
        );
      expect(await f.ledger.holdingOf(f.fabricId, f.supplierOrgId)).to.equal(300n);
      expect(await f.ledger.holdingOf(f.fabricId, f.makerOrgId)).to.equal(10_000n);
    });

    it("lets an operator commission from inputs, recorded with the operator as actor on both histories", async () => {
      const f = await loadFabric();
      const operator = f.freeAccounts[0];
      await joinOrganisation(f.registry, f.maker, operator, AccountKind.Operator);
      const inputs = [{ batchId: f.fabricId, quantity: 1n }];
      const maskId = await commission(f.ledger, operator, await batchRequest(MASK, "MK-0001", { inputs }));
      expect((await lastRecordOf(f.ledger, maskId)).actor).to.equal(operator.address);
      expect((await lastRecordOf(f.ledger, f.fabricId)).actor).to.equal(operator.address);
    });
  });

  describe("gate", () => {
    shouldBehaveLikeAllianceGated({
      load,
      context: makerGate,
      gate: (f) => f.ledger,
      roleMask: MAKERS,
      send: async (f, signer) => f.ledger.connect(signer).commission(await batchRequest(MASK, "GATE-1")),
      whenAccepted: async (f, signer, tx) => {
        const batchId = batchIdOf(MASK, lot("GATE-1"));
        await expect(tx).to.emit(f.ledger, "BatchCommissioned");
        expect((await lastRecordOf(f.ledger, batchId)).actor).to.equal(signer.address);
        expect((await f.ledger.batch(batchId)).makerOrgId).to.equal(f.makerOrgId);
      },
    });

    shouldRespectAlliancePause({
      load: () => loadFixture(maskBatchFixture),
      context: (f): PauseContext => f,
      gate: (f) => f.ledger,
      actor: (f) => f.maker,
      commit: async (f, signer) => f.ledger.connect(signer).commission(await batchRequest(MASK, "MK-0002")),
      goesOn: [
        {
          title: "lets the maker record an inspection",
          send: (f) => f.ledger.connect(f.maker).record(passed(f.maskId)),
        },
        { title: "lets the maker record a note", send: (f) => f.ledger.connect(f.maker).record(note(f.maskId)) },
        {
          title: "lets the maker correct its last record",
          send: async (f) =>
            f.ledger.connect(f.maker).correct(f.maskId, await lastRecordOf(f.ledger, f.maskId), REASONS),
        },
        {
          title: "lets a regulator release a batch early",
          send: (f) => f.ledger.connect(f.regulatorA).releaseEarly(f.maskId, REASONS),
        },
        {
          title: "lets a regulator block a batch",
          send: (f) => f.ledger.connect(f.regulatorA).blockBatch(f.maskId, REASONS),
        },
      ],
    });
  });
});
