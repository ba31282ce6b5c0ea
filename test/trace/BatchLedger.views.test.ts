import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { SITE_MAKER } from "../helpers/fixtures";
import {
  GOWN,
  MASK,
  MASK_HOLD,
  REASONS,
  batchRequest,
  commissionDataHash,
  headOf,
  maskBatchFixture,
  passed,
  productSpec,
  recordsOf,
  releasedFabricFixture,
  timestampOf,
  traceFixture,
} from "../helpers/traceFixture";
import { documentHash } from "../../scripts/lib/alliance";
import { DAY } from "../../scripts/lib/formation";
import {
  BatchStatus,
  Category,
  DEFAULT_CORRECTION_WINDOW,
  Inspection,
  RecordKind,
  batchIdOf,
  commission,
  deployTrace,
  lot,
} from "../../scripts/lib/trace";

const load = () => loadFixture(maskBatchFixture);
const UNKNOWN = batchIdOf(MASK, lot("NEVER-MADE"));
const MAX_UINT32 = 2n ** 32n - 1n;

describe("BatchLedger: deployment and views", () => {
  describe("deployment", () => {
    it("wires the registry, the catalog and the correction window given", async () => {
      const f = await loadFixture(traceFixture);
      expect(await f.ledger.alliance()).to.equal(await f.registry.getAddress());
      expect(await f.ledger.catalog()).to.equal(await f.catalog.getAddress());
      expect(await f.ledger.correctionWindow()).to.equal(DEFAULT_CORRECTION_WINDOW);
      expect(await f.ledger.version()).to.equal("1.0.0");
      expect(await f.ledger.MAX_INPUTS()).to.equal(16n);
      expect(await f.ledger.MAX_RECORDS_PER_CALL()).to.equal(100n);
    });

    it("takes its correction window from the deployment", async () => {
      const f = await loadFixture(traceFixture);
      const { ledger } = await deployTrace(f.registry, f.governor, { correctionWindow: 2n * DAY });
      expect(await ledger.correctionWindow()).to.equal(2n * DAY);
    });

    it("refuses a zero catalog with LedgerZeroAddress and a zero registry with AllianceRegistryMissing", async () => {
      const f = await loadFixture(traceFixture);
      const factory = await ethers.getContractFactory("BatchLedger");
      // An explicit gas limit sends the deployment instead of failing its gas estimate, so the reverting
      // constructor really runs in a mined transaction (which is also where coverage tools see it).
      await expect(
        factory.deploy(f.registry, ethers.ZeroAddress, 3600, 86400, { gasLimit: 5_000_000 }),
      ).to.be.revertedWithCustomError(factory, "LedgerZeroAddress");
      await expect(factory.deploy(ethers.ZeroAddress, f.catalog, 3600, 86400)).to.be.revertedWithCustomError(
        factory,
        "AllianceRegistryMissing",
      );
    });
  });

  describe("batch", () => {
    it("returns every field of a batch", async () => {
      const f = await load();
      await (await f.ledger.connect(f.maker).record(passed(f.maskId))).wait();
      const b = await f.ledger.batch(f.maskId);
      const records = await recordsOf(f.ledger, f.maskId);
      const fields = {
        gtin: b.gtin,
        makerOrgId: b.makerOrgId,
        commissioned: b.commissioned,
        expiresAt: b.expiresAt,
        holdUntil: b.holdUntil,
        inspection: b.inspection,
        releasedEarly: b.releasedEarly,
        blocked: b.blocked,
        serialised: b.serialised,
        status: b.status,
        head: b.head,
        recordCount: b.recordCount,
      };
      expect(b.length).to.equal(Object.keys(fields).length); // no field left unchecked
      expect(fields).to.deep.equal({
        gtin: MASK,
        makerOrgId: f.makerOrgId,
        commissioned: 10_000n,
        expiresAt: BigInt(f.maskRequest.expiresAt),
        holdUntil: f.commissionedAt + MASK_HOLD,
        inspection: BigInt(Inspection.Passed),
        releasedEarly: false,
        blocked: false,
        serialised: false,
        status: BigInt(BatchStatus.OnHold),
        head: headOf(records),
        recordCount: 2n,
      });
      expect(records[0].dataHash).to.equal(commissionDataHash(f.maskRequest, SITE_MAKER));
    });

    it("reports the flags a regulator set", async () => {
      const f = await load();
      await (await f.ledger.connect(f.regulatorA).releaseEarly(f.maskId, REASONS)).wait();
      await (await f.ledger.connect(f.regulatorA).blockBatch(f.maskId, REASONS)).wait();
      const b = await f.ledger.batch(f.maskId);
      expect([b.releasedEarly, b.blocked, b.status, b.recordCount]).to.deep.equal([
        true,
        true,
        BigInt(BatchStatus.Blocked),
        3n,
      ]);
    });

    it("refuses an unknown batch with LedgerUnknownBatch", async () => {
      const f = await load();
      for (const batchId of [UNKNOWN, ethers.ZeroHash]) {
        await expect(f.ledger.batch(batchId))
          .to.be.revertedWithCustomError(f.ledger, "LedgerUnknownBatch")
          .withArgs(batchId);
      }
    });

    it("clamps the end of a hold that would pass 2**32-1 (year 2106) to 2**32-1", async () => {
      const f = await load();
      const spec = productSpec(GOWN, Category.ProtectiveEquipment, { proposedHoldPeriod: MAX_UINT32 });
      await (await f.catalog.connect(f.maker).proposeProduct(spec)).wait();
      await (await f.catalog.connect(f.regulatorA).approveProduct(GOWN, REASONS, MAX_UINT32)).wait();
      const gownId = await commission(
        f.ledger,
        f.maker,
        await batchRequest(GOWN, "GW-0001", { expiresAt: MAX_UINT32 }),
      );
      const b = await f.ledger.batch(gownId);
      expect([b.holdUntil, b.status]).to.deep.equal([MAX_UINT32, BigInt(BatchStatus.OnHold)]);
    });
  });

  describe("batchStatus", () => {
    it("answers Unknown for an unknown id instead of reverting", async () => {
      const f = await load();
      expect(await f.ledger.batchStatus(UNKNOWN)).to.equal(BatchStatus.Unknown);
      expect(await f.ledger.batchStatus(ethers.ZeroHash)).to.equal(BatchStatus.Unknown);
    });

    it("answers the derived status of a known batch", async () => {
      const f = await load();
      expect(await f.ledger.batchStatus(f.maskId)).to.equal(BatchStatus.OnHold);
      await (await f.ledger.connect(f.regulatorA).releaseEarly(f.maskId, REASONS)).wait();
      expect(await f.ledger.batchStatus(f.maskId)).to.equal(BatchStatus.Released);
    });
  });

  describe("holdingOf", () => {
    it("answers the maker's holding, and zero for other organisations, unknown organisations and unknown batches", async () => {
      const f = await load();
      expect(await f.ledger.holdingOf(f.maskId, f.makerOrgId)).to.equal(10_000n);
      for (const orgId of [f.hospitalOrgId, f.supplierOrgId, 0n, 999n]) {
        expect(await f.ledger.holdingOf(f.maskId, orgId)).to.equal(0n);
      }
      for (const orgId of [f.makerOrgId, 0n]) expect(await f.ledger.holdingOf(UNKNOWN, orgId)).to.equal(0n);
    });

    it("follows consumption of the batch as an input", async () => {
      const f = await loadFixture(releasedFabricFixture);
      const inputs = [{ batchId: f.fabricId, quantity: 1_234n }];
      await commission(f.ledger, f.maker, await batchRequest(MASK, "MK-0001", { inputs }));
      expect(await f.ledger.holdingOf(f.fabricId, f.makerOrgId)).to.equal(10_000n - 1_234n);
    });
  });

  describe("historyOf", () => {
    it("answers a zero head and no records for an unknown batch", async () => {
      const f = await load();
      expect(await f.ledger.historyOf(UNKNOWN)).to.deep.equal([ethers.ZeroHash, 0n]);
    });

    it("answers the head and count that batch() reports", async () => {
      const f = await load();
      const tx = await f.ledger.connect(f.maker).record(passed(f.maskId));
      const at = await timestampOf(tx);
      const expectedHead = headOf([
        {
          kind: RecordKind.Commissioned,
          actor: f.maker.address,
          timestamp: f.commissionedAt,
          dataHash: commissionDataHash(f.maskRequest, SITE_MAKER),
        },
        {
          kind: RecordKind.InspectionPassed,
          actor: f.maker.address,
          timestamp: at,
          dataHash: documentHash("QA report: bacterial filtration efficiency 99.2 %"),
        },
      ]);
      const b = await f.ledger.batch(f.maskId);
      expect(await f.ledger.historyOf(f.maskId)).to.deep.equal([expectedHead, 2n]);
      expect([b.head, b.recordCount]).to.deep.equal([expectedHead, 2n]);
    });
  });

  describe("batchIdOf", () => {
    it("equals keccak256(abi.encode(gtin, lot)) as computed off chain", async () => {
      const f = await load();
      const cases: [bigint, string][] = [
        [MASK, lot("MK-0001")],
        [1n, lot("A")],
        [99_999_999_999_999n, lot("~".repeat(20))],
        [0n, ethers.ZeroHash],
      ];
      for (const [code, lotBytes] of cases)
        expect(await f.ledger.batchIdOf(code, lotBytes)).to.equal(batchIdOf(code, lotBytes));
      expect(await f.ledger.batchIdOf(MASK, f.maskRequest.lot)).to.equal(f.maskId);
    });
  });

  describe("isModule", () => {
    it("answers false for any address until the governor registers it", async () => {
      const f = await load();
      for (const account of [await f.relay.getAddress(), f.maker.address, ethers.ZeroAddress]) {
        expect(await f.ledger.isModule(account)).to.equal(false);
      }
      await (await f.ledger.connect(f.governor).setModule(f.relay, true)).wait();
      expect(await f.ledger.isModule(f.relay)).to.equal(true);
      expect(await f.ledger.isModule(f.maker.address)).to.equal(false);
    });
  });

  describe("time", () => {
    it("derives statuses from the latest block's time, with no transaction needed", async () => {
      const f = await load();
      await (await f.ledger.connect(f.maker).record(passed(f.maskId))).wait();
      expect(await f.ledger.batchStatus(f.maskId)).to.equal(BatchStatus.OnHold);
      await time.increaseTo(f.commissionedAt + MASK_HOLD);
      expect(await f.ledger.batchStatus(f.maskId)).to.equal(BatchStatus.Released);
      await time.increaseTo(f.maskRequest.expiresAt);
      expect(await f.ledger.batchStatus(f.maskId)).to.equal(BatchStatus.Expired);
    });
  });
});
