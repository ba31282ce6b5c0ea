import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { type GateContext, shouldBehaveLikeAllianceGated, shouldRespectAlliancePause } from "../helpers/behaviours";
import { GLOVE, MAKERS, MASK, batchRequest, expectRecorded, releasedBatch } from "../helpers/traceFixture";
import { PRESCRIPTION } from "../helpers/custodyFixture";
import { commission } from "../../scripts/lib/trace";
import { SerialTree, commitmentOf, unitLeaf } from "../../scripts/lib/serials";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import {
  MASK_SERIALS,
  SERIALS_COMMITTED,
  type SerialRegistryFixture,
  SUSPECT,
  cloneReport,
  committedFixture,
  dispenseUnit,
  pauseFixture,
  serialRegistryFixture,
} from "./serialsFixture";

const MAX_UNITS = 2n ** 40n - 1n;

const makerGate = (f: SerialRegistryFixture): GateContext => ({
  registry: f.registry,
  regulators: f.regulators,
  member: f.maker,
  outsider: f.hospital,
  applicant: f.applicant,
  freeAccounts: f.freeAccounts,
});

function commit(f: SerialRegistryFixture, signer = f.maker, root = f.tree.root, count: bigint | number = f.tree.count) {
  return f.serials.connect(signer).commitSerials(f.tree.batchId, root, count);
}

describe("SerialRegistry: deployment and commitment", () => {
  const load = () => loadFixture(serialRegistryFixture);

  describe("deployment", () => {
    it("is wired to the ledger and its alliance registry, with its limits and version", async () => {
      const f = await load();
      expect(await f.serials.ledger()).to.equal(await f.ledger.getAddress());
      expect(await f.serials.alliance()).to.equal(await f.registry.getAddress());
      expect(await f.serials.MAX_UNITS()).to.equal(MAX_UNITS);
      expect(await f.serials.MAX_PROOF_LENGTH()).to.equal(40n);
      expect(await f.serials.version()).to.equal("1.0.0");
      expect(await f.ledger.isModule(await f.serials.getAddress())).to.equal(true);
    });

    it("refuses a zero ledger", async () => {
      const factory = await ethers.getContractFactory("SerialRegistry");
      await expect(factory.deploy(ethers.ZeroAddress)).to.be.revertedWithCustomError(factory, "SerialZeroAddress");
    });

    it("computes the leaf StandardMerkleTree builds", async () => {
      const f = await load();
      const file = f.tree.proofFileAt(5);
      expect(await f.serials.leafOf(file.batchId, 5, file.serialBytes32)).to.equal(file.leaf);
      expect(file.leaf).to.equal(unitLeaf(file.batchId, 5, file.serialBytes32));
    });
  });

  describe("commitSerials", () => {
    it("stores the root and count, emits, and records SerialsCommitted in the batch's history for the maker", async () => {
      const f = await load();
      const { serials, ledger, maker, tree } = f;
      expect(await serials.commitmentOf(tree.batchId)).to.equal(ethers.ZeroHash);
      const tx = await expectRecorded(
        ledger,
        () => commit(f),
        tree.batchId,
        maker.address,
        SERIALS_COMMITTED,
        commitmentOf(tree.root, tree.count),
      );
      await expect(tx).to.emit(serials, "SerialsCommitted").withArgs(tree.batchId, tree.root, 300n);
      expect(await serials.commitmentOf(tree.batchId)).to.equal(commitmentOf(tree.root, 300n));
      expect((await ledger.batch(tree.batchId)).serialised).to.equal(true);
    });

    it("takes the largest count", async () => {
      const f = await load();
      await expect(commit(f, f.maker, f.tree.root, MAX_UNITS))
        .to.emit(f.serials, "SerialsCommitted")
        .withArgs(f.tree.batchId, f.tree.root, MAX_UNITS);
      expect(await f.serials.commitmentOf(f.tree.batchId)).to.equal(commitmentOf(f.tree.root, MAX_UNITS));
    });

    it("refuses a zero root, a zero count and a count above MAX_UNITS", async () => {
      const f = await load();
      for (const [root, count] of [
        [ethers.ZeroHash, 300n],
        [f.tree.root, 0n],
        [f.tree.root, MAX_UNITS + 1n],
      ] as const) {
        await expect(commit(f, f.maker, root, count))
          .to.be.revertedWithCustomError(f.serials, "SerialInvalidCommitment")
          .withArgs(root, count);
      }
    });

    it("refuses a second commitment", async () => {
      const f = await loadFixture(committedFixture);
      const other = SerialTree.build(MASK, "MK-0100", MASK_SERIALS.slice(0, 10));
      await expect(commit(f, f.maker, other.root, 10))
        .to.be.revertedWithCustomError(f.serials, "SerialAlreadyCommitted")
        .withArgs(f.tree.batchId);
      expect(await f.serials.commitmentOf(f.tree.batchId)).to.equal(commitmentOf(f.tree.root, 300n));
    });

    it("refuses an unknown batch (the ledger's check)", async () => {
      const f = await load();
      const unknown = ethers.id("no such batch");
      await expect(f.serials.connect(f.maker).commitSerials(unknown, f.tree.root, 300))
        .to.be.revertedWithCustomError(f.ledger, "LedgerUnknownBatch")
        .withArgs(unknown);
    });

    it("refuses another maker's account: only the batch's maker commits", async () => {
      const f = await load();
      await expect(commit(f, f.supplier))
        .to.be.revertedWithCustomError(f.ledger, "LedgerRecordNotAllowed")
        .withArgs(f.tree.batchId, SERIALS_COMMITTED, f.supplier.address);
    });

    it("commits another maker's own batch for that maker", async () => {
      const f = await load();
      const gloves = await releasedBatch(f, GLOVE, "GL-0001");
      const tree = SerialTree.build(GLOVE, "GL-0001", ["G1", "G2", "G3"]);
      expect(tree.batchId).to.equal(gloves);
      await expect(f.serials.connect(f.supplier).commitSerials(gloves, tree.root, 3))
        .to.emit(f.serials, "SerialsCommitted")
        .withArgs(gloves, tree.root, 3n);
    });

    it("commits a batch still on hold", async () => {
      const f = await load();
      const onHold = await commission(f.ledger, f.maker, await batchRequest(MASK, "MK-0300"));
      const tree = SerialTree.build(MASK, "MK-0300", ["A", "B"]);
      await expect(f.serials.connect(f.maker).commitSerials(onHold, tree.root, 2)).to.emit(
        f.serials,
        "SerialsCommitted",
      );
    });

    it("cannot act once the governor removes it from the ledger's modules", async () => {
      const f = await load();
      await (await f.ledger.connect(f.governor).setModule(await f.serials.getAddress(), false)).wait();
      await expect(commit(f))
        .to.be.revertedWithCustomError(f.ledger, "LedgerNotModule")
        .withArgs(await f.serials.getAddress());
    });

    it("makes the batch dispensable per unit only: the ledger refuses ordinary dispensing", async () => {
      const f = await loadFixture(committedFixture);
      // The maker cannot dispense anyway; the serialised check comes first for everyone.
      await expect(f.ledger.connect(f.hospital).dispense(f.maskId, 1, PRESCRIPTION))
        .to.be.revertedWithCustomError(f.ledger, "LedgerSerialisedBatch")
        .withArgs(f.maskId);
    });

    describe("gating", () => {
      shouldBehaveLikeAllianceGated({
        load,
        context: makerGate,
        gate: (f) => f.ledger,
        roleMask: MAKERS,
        send: (f, signer) => commit(f, signer),
        whenAccepted: async (f, signer, tx) => {
          await expect(tx).to.emit(f.serials, "SerialsCommitted").withArgs(f.tree.batchId, f.tree.root, 300n);
          await expect(tx)
            .to.emit(f.ledger, "Recorded")
            .withArgs(f.tree.batchId, signer.address, anyValue, SERIALS_COMMITTED, anyValue, anyValue);
        },
      });
    });

    shouldRespectAlliancePause({
      load: () => loadFixture(pauseFixture),
      context: (f) => f,
      gate: (f) => f.serials,
      actor: (f) => f.maker,
      commit: (f, signer) =>
        f.serials.connect(signer).commitSerials(f.newTree.batchId, f.newTree.root, f.newTree.count),
      goesOn: [
        { title: "a hospital still dispenses units", send: (f) => dispenseUnit(f.serials, f.tree, f.hospital, 0) },
        {
          title: "anyone still reports clones",
          send: (f) => f.serials.connect(f.freeAccounts[3]).reportClone(cloneReport(f.tree, 1), f.tree.proofAt(1)),
        },
        {
          title: "a regulator still reports a clone and blocks the batch",
          send: (f) =>
            f.serials.connect(f.regulatorA).reportCloneAndBlock(cloneReport(f.tree, 1), f.tree.proofAt(1), SUSPECT),
        },
      ],
    });
  });
});
