import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { rolesContext } from "../helpers/fixtures";
import { shouldBeRestrictedTo } from "../helpers/behaviours";
import { documentHash } from "../../scripts/lib/alliance";
import { BatchStatus, RecordKind } from "../../scripts/lib/trace";
import { MAKERS, REASONS } from "../helpers/traceFixture";
import {
  DISPENSERS,
  PRESCRIPTION,
  RECALL,
  SHIPPED,
  dispensedDataHash,
  expectCustodyRecord,
  hospitalStockFixture,
  outflows,
  recalledDataHash,
} from "../helpers/custodyFixture";

/** What a serial module commits: keccak256(abi.encode(merkleRoot, unitCount)). */
const SERIALS = ethers.keccak256(
  ethers.AbiCoder.defaultAbiCoder().encode(["bytes32", "uint256"], [documentHash("merkle root"), 10_000n]),
);
const UNKNOWN_BATCH = documentHash("no such batch");

/** The hospital holds 1,000 masks of a Released batch; the relay mock is a registered ledger module. */
async function moduleFixture() {
  const f = await hospitalStockFixture();
  await (await f.ledger.connect(f.governor).setModule(f.relay, true)).wait();
  return f;
}
const load = () => loadFixture(moduleFixture);

/** `moduleFixture` with the mask batch's serials committed by its maker. */
async function serialisedFixture() {
  const f = await moduleFixture();
  await (await f.relay.connect(f.maker).serialise(f.maskId, SERIALS)).wait();
  return f;
}

describe("BatchLedger — modules acting for members", () => {
  describe("serialiseFor", () => {
    it("marks the batch serialised for its maker and records the maker as the actor", async () => {
      const f = await load();
      expect((await f.ledger.batch(f.maskId)).serialised).to.equal(false);
      await expectCustodyRecord(
        f.ledger,
        () => f.relay.connect(f.maker).serialise(f.maskId, SERIALS),
        f.maskId,
        f.maker.address,
        RecordKind.SerialsCommitted,
        SERIALS,
      );
      expect((await f.ledger.batch(f.maskId)).serialised).to.equal(true);
      expect(await f.ledger.batchStatus(f.maskId)).to.equal(BatchStatus.Released);
    });

    it("refuses a second commitment", async () => {
      const f = await loadFixture(serialisedFixture);
      await expect(f.relay.connect(f.maker).serialise(f.maskId, SERIALS))
        .to.be.revertedWithCustomError(f.ledger, "LedgerSerialisedBatch")
        .withArgs(f.maskId);
    });

    it("refuses another maker, a non-maker, an unknown batch and an empty hash", async () => {
      const f = await load();
      await expect(f.relay.connect(f.supplier).serialise(f.maskId, SERIALS))
        .to.be.revertedWithCustomError(f.ledger, "LedgerRecordNotAllowed")
        .withArgs(f.maskId, RecordKind.SerialsCommitted, f.supplier.address);
      await expect(f.relay.connect(f.hospital).serialise(f.maskId, SERIALS))
        .to.be.revertedWithCustomError(f.ledger, "AllianceUnauthorized")
        .withArgs(f.hospital.address, MAKERS);
      await expect(f.relay.connect(f.maker).serialise(UNKNOWN_BATCH, SERIALS))
        .to.be.revertedWithCustomError(f.ledger, "LedgerUnknownBatch")
        .withArgs(UNKNOWN_BATCH);
      await expect(f.relay.connect(f.maker).serialise(f.maskId, ethers.ZeroHash)).to.be.revertedWithCustomError(
        f.ledger,
        "LedgerEmptyHash",
      );
    });
  });

  describe("dispenseFor, and dispense of a serialised batch", () => {
    it("dispenses for the hospital, which the history names, and counts the outflow", async () => {
      const f = await loadFixture(serialisedFixture);
      const tx = await expectCustodyRecord(
        f.ledger,
        () => f.relay.connect(f.hospital).dispense(f.maskId, 1n, PRESCRIPTION),
        f.maskId,
        f.hospital.address,
        RecordKind.Dispensed,
        dispensedDataHash(1n, PRESCRIPTION),
      );
      await expect(tx).to.emit(f.ledger, "Dispensed").withArgs(f.maskId, f.hospitalOrgId, 1n, PRESCRIPTION);
      expect(await f.ledger.holdingOf(f.maskId, f.hospitalOrgId)).to.equal(SHIPPED - 1n);
      expect(await outflows(f.ledger, f.maskId)).to.deep.equal([1n, 0n, 0n]);
    });

    it("refuses ordinary dispensing once serials are committed", async () => {
      const f = await loadFixture(serialisedFixture);
      await expect(f.ledger.connect(f.hospital).dispense(f.maskId, 1n, PRESCRIPTION))
        .to.be.revertedWithCustomError(f.ledger, "LedgerSerialisedBatch")
        .withArgs(f.maskId);
      await expect(f.ledger.connect(f.hospital).dispense(UNKNOWN_BATCH, 1n, PRESCRIPTION))
        .to.be.revertedWithCustomError(f.ledger, "LedgerUnknownBatch")
        .withArgs(UNKNOWN_BATCH);
    });

    it("re-checks the actor: role, batch status, holding, reference", async () => {
      const f = await loadFixture(serialisedFixture);
      await expect(f.relay.connect(f.maker).dispense(f.maskId, 1n, PRESCRIPTION))
        .to.be.revertedWithCustomError(f.ledger, "AllianceUnauthorized")
        .withArgs(f.maker.address, DISPENSERS);
      await expect(f.relay.connect(f.hospital).dispense(f.maskId, SHIPPED + 1n, PRESCRIPTION))
        .to.be.revertedWithCustomError(f.ledger, "LedgerInsufficientHolding")
        .withArgs(f.maskId, f.hospitalOrgId, SHIPPED, SHIPPED + 1n);
      await expect(f.relay.connect(f.hospital).dispense(f.maskId, 1n, ethers.ZeroHash)).to.be.revertedWithCustomError(
        f.ledger,
        "LedgerEmptyHash",
      );
      await expect(f.relay.connect(f.hospital).dispense(UNKNOWN_BATCH, 1n, PRESCRIPTION))
        .to.be.revertedWithCustomError(f.ledger, "LedgerUnknownBatch")
        .withArgs(UNKNOWN_BATCH);
      await (await f.ledger.connect(f.regulatorA).recall(f.maskId, 2, RECALL)).wait();
      await expect(f.relay.connect(f.hospital).dispense(f.maskId, 1n, PRESCRIPTION))
        .to.be.revertedWithCustomError(f.ledger, "LedgerUnexpectedStatus")
        .withArgs(f.maskId, BatchStatus.Recalled);
    });
  });

  describe("blockFor", () => {
    it("blocks for a regulator, which the history names", async () => {
      const f = await load();
      await expectCustodyRecord(
        f.ledger,
        () => f.relay.connect(f.regulatorB).blockBatch(f.maskId, REASONS),
        f.maskId,
        f.regulatorB.address,
        RecordKind.Blocked,
        REASONS,
      );
      expect(await f.ledger.batchStatus(f.maskId)).to.equal(BatchStatus.Blocked);
      await expect(f.relay.connect(f.regulatorA).blockBatch(f.maskId, REASONS))
        .to.be.revertedWithCustomError(f.ledger, "LedgerUnexpectedStatus")
        .withArgs(f.maskId, BatchStatus.Blocked);
    });

    it("refuses an empty reason and an unknown batch", async () => {
      const f = await load();
      await expect(f.relay.connect(f.regulatorA).blockBatch(f.maskId, ethers.ZeroHash)).to.be.revertedWithCustomError(
        f.ledger,
        "LedgerEmptyHash",
      );
      await expect(f.relay.connect(f.regulatorA).blockBatch(UNKNOWN_BATCH, REASONS))
        .to.be.revertedWithCustomError(f.ledger, "LedgerUnknownBatch")
        .withArgs(UNKNOWN_BATCH);
    });

    shouldBeRestrictedTo("regulator", {
      load,
      context: rolesContext,
      errorsFrom: (f) => f.ledger,
      send: (f, signer) => f.relay.connect(signer).blockBatch(f.maskId, REASONS),
    });
  });

  describe("recallFor", () => {
    it("recalls for a regulator, and for the batch's maker", async () => {
      const f = await load();
      const tx = await expectCustodyRecord(
        f.ledger,
        () => f.relay.connect(f.regulatorA).recall(f.maskId, 1, RECALL),
        f.maskId,
        f.regulatorA.address,
        RecordKind.Recalled,
        recalledDataHash(1, RECALL),
      );
      await expect(tx).to.emit(f.ledger, "BatchRecalled").withArgs(f.maskId, f.regulatorA.address, 1, RECALL);
      expect(await f.ledger.batchStatus(f.maskId)).to.equal(BatchStatus.Recalled);

      const g = await load();
      await expect(g.relay.connect(g.maker).recall(g.maskId, 3, RECALL))
        .to.emit(g.ledger, "BatchRecalled")
        .withArgs(g.maskId, g.maker.address, 3, RECALL);
    });

    it("refuses another maker, a non-maker, and what recall refuses", async () => {
      const f = await load();
      await expect(f.relay.connect(f.supplier).recall(f.maskId, 1, RECALL))
        .to.be.revertedWithCustomError(f.ledger, "LedgerRecordNotAllowed")
        .withArgs(f.maskId, RecordKind.Recalled, f.supplier.address);
      await expect(f.relay.connect(f.hospital).recall(f.maskId, 1, RECALL))
        .to.be.revertedWithCustomError(f.ledger, "AllianceUnauthorized")
        .withArgs(f.hospital.address, MAKERS);
      await expect(f.relay.connect(f.regulatorA).recall(f.maskId, 4, RECALL))
        .to.be.revertedWithCustomError(f.ledger, "LedgerInvalidRecallClass")
        .withArgs(4);
    });
  });

  describe("only registered modules", () => {
    it("refuses every module call from a contract that is not, or no longer, a module", async () => {
      const f = await load();
      await (await f.ledger.connect(f.governor).setModule(f.relay, false)).wait();
      const relay = await f.relay.getAddress();
      const calls = [
        f.relay.connect(f.maker).serialise(f.maskId, SERIALS),
        f.relay.connect(f.hospital).dispense(f.maskId, 1n, PRESCRIPTION),
        f.relay.connect(f.regulatorA).blockBatch(f.maskId, REASONS),
        f.relay.connect(f.regulatorA).recall(f.maskId, 1, RECALL),
      ];
      for (const call of calls) {
        await expect(call).to.be.revertedWithCustomError(f.ledger, "LedgerNotModule").withArgs(relay);
      }
      await expect(f.ledger.connect(f.regulatorA).blockFor(f.regulatorA, f.maskId, REASONS))
        .to.be.revertedWithCustomError(f.ledger, "LedgerNotModule")
        .withArgs(f.regulatorA.address);
    });
  });
});
