/**
 * scripts/lib/serials.ts: the unit tree equals `@openzeppelin/merkle-tree`'s StandardMerkleTree (root and every
 * proof), serials are validated, and proof files land one per unit at the documented path and read back.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { ethers } from "ethers";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { gtin } from "../../scripts/lib/gs1";
import { batchIdOf, lot } from "../../scripts/lib/trace";
import {
  PROOF_FORMAT,
  SerialTree,
  UNIT_LEAF_ENCODING,
  pathSegment,
  proofPath,
  readProofFile,
  serial,
  shardOf,
  unitLeaf,
  validateSerials,
  verifyProofFile,
  writeProofFiles,
} from "../../scripts/lib/serials";

const MASK = gtin("0061414100002");
const LOT = "MK-0100";

/** Serials as a printer might issue them, with GS1 punctuation mixed in. */
function serialsOf(count: number, prefix = "SN"): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}${i.toString(36).toUpperCase()}${i % 7 === 0 ? "/A" : ""}`);
}

function libraryTree(tree: SerialTree, serials: string[]) {
  return StandardMerkleTree.of(
    serials.map((text, index) => [tree.batchId, BigInt(index), serial(text)]),
    UNIT_LEAF_ENCODING,
  );
}

describe("serials (scripts/lib/serials.ts)", function () {
  describe("the tree", function () {
    for (const count of [1, 2, 3, 5, 8, 33, 257, 1_000]) {
      it(`builds the root and every proof StandardMerkleTree builds, for ${count} unit(s)`, function () {
        const serials = serialsOf(count);
        const tree = SerialTree.build(MASK, LOT, serials);
        const library = libraryTree(tree, serials);
        expect(tree.root).to.equal(library.root);
        expect(tree.count).to.equal(count);
        for (let i = 0; i < count; i++) {
          expect(tree.proofAt(i)).to.deep.equal(library.getProof(i));
          expect(
            StandardMerkleTree.verify(
              tree.root,
              UNIT_LEAF_ENCODING,
              [tree.batchId, i, serial(serials[i])],
              tree.proofAt(i),
            ),
          ).to.be.true;
        }
      });
    }

    it("uses the ledger's batch id and the contract's leaf", function () {
      const tree = SerialTree.build(MASK, LOT, ["A1", "B2"]);
      expect(tree.batchId).to.equal(batchIdOf(MASK, lot(LOT)));
      const file = tree.proofOf("B2");
      expect(file.leaf).to.equal(unitLeaf(tree.batchId, 1, serial("B2")));
      expect(file.leaf).to.equal(
        ethers.keccak256(
          ethers.keccak256(
            ethers.AbiCoder.defaultAbiCoder().encode(UNIT_LEAF_ENCODING, [tree.batchId, 1, serial("B2")]),
          ),
        ),
      );
    });

    it("answers the proof for a serial, with everything the page needs", function () {
      const serials = serialsOf(100);
      const tree = SerialTree.build(MASK, LOT, serials);
      const file = tree.proofOf(serials[42]);
      expect(file).to.deep.equal({
        format: PROOF_FORMAT,
        gtin: "00614141000029",
        lot: LOT,
        serial: serials[42],
        batchId: tree.batchId,
        index: 42,
        serialBytes32: serial(serials[42]),
        leaf: unitLeaf(tree.batchId, 42, serial(serials[42])),
        root: tree.root,
        count: 100,
        proof: tree.proofAt(42),
      });
      expect(verifyProofFile(file)).to.be.true;
      expect(tree.indexOf(serials[7])).to.equal(7);
      expect(tree.serialAt(7)).to.equal(serials[7]);
    });

    it("refuses serials the batch does not have", function () {
      const tree = SerialTree.build(MASK, LOT, ["A1", "B2"]);
      expect(() => tree.proofOf("C3")).to.throw('serial "C3" is not in batch MK-0100');
      expect(() => tree.proofAt(2)).to.throw("batch MK-0100 has no unit 2 (2 units)");
      expect(() => tree.serialAt(-1)).to.throw("has no unit -1");
    });
  });

  describe("validation", function () {
    it("takes 1 to 20 printable ASCII characters", function () {
      expect(serial("A")).to.equal(ethers.encodeBytes32String("A"));
      expect(serial("!~20-CHARACTERS-LONG")).to.equal(ethers.encodeBytes32String("!~20-CHARACTERS-LONG"));
      for (const bad of ["", "21-CHARACTERS-LONG-XX", "has space", "tab\t", "é", "\x7f"]) {
        expect(() => serial(bad)).to.throw("a serial is 1 to 20 printable ASCII characters");
      }
    });

    it("refuses an empty batch, a bad serial and a duplicate, saying which", function () {
      expect(() => validateSerials([])).to.throw("a batch needs at least one serial");
      expect(() => SerialTree.build(MASK, LOT, ["A1", "B 2"])).to.throw(
        'serial #1 is not 1 to 20 printable ASCII characters: "B 2"',
      );
      expect(() => SerialTree.build(MASK, LOT, ["A1", "B2", "C3", "B2"])).to.throw(
        'serial "B2" appears twice in the batch (#1 and #3)',
      );
      expect(() => SerialTree.build(MASK, "bad lot", ["A1"])).to.throw("a lot is 1 to 20 printable ASCII characters");
    });
  });

  describe("proof files", function () {
    let dir: string;
    beforeEach(function () {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), "medalliance-proofs-"));
    });
    afterEach(function () {
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it("names a unit's file <gtin14>/<lot>/<shard>/<serial>.json, escaping unsafe characters", function () {
      expect(pathSegment("SN-12_ab.C")).to.equal("SN-12_ab.C");
      expect(pathSegment("A/B")).to.equal("A~2FB");
      expect(pathSegment(".hidden")).to.equal("~2Ehidden");
      expect(pathSegment("..")).to.equal("~2E.");
      expect(pathSegment("~%?#")).to.equal("~7E~25~3F~23");
      expect(shardOf("SN1")).to.equal(ethers.keccak256(ethers.encodeBytes32String("SN1")).slice(2, 4));
      expect(proofPath(MASK, "MK/0100", "SN1")).to.equal(`00614141000029/MK~2F0100/${shardOf("SN1")}/SN1.json`);
      expect(() => proofPath(MASK, LOT, "bad serial")).to.throw("a serial is 1 to 20");
    });

    it("writes one small file per unit, each reading back as the tree's proof", async function () {
      const serials = serialsOf(300);
      const tree = SerialTree.build(MASK, LOT, serials);
      const written = await writeProofFiles(tree, dir, { concurrency: 8 });
      expect(written.files).to.equal(300);
      expect(written.folder).to.equal(path.join(dir, "00614141000029", "MK-0100"));
      let files = 0;
      for (const shard of fs.readdirSync(written.folder)) {
        expect(shard).to.match(/^[0-9a-f]{2}$/);
        files += fs.readdirSync(path.join(written.folder, shard)).length;
      }
      expect(files).to.equal(300);
      for (const text of [serials[0], serials[7], serials[299]]) {
        const file = readProofFile(dir, MASK, LOT, text);
        expect(file).to.deep.equal(tree.proofOf(text));
        expect(fs.statSync(path.join(dir, tree.pathOf(text))).size).to.be.below(2_000);
      }
    });

    it("refuses to write a batch twice, and says when a serial has no file", async function () {
      const tree = SerialTree.build(MASK, LOT, ["A1"]);
      await writeProofFiles(tree, dir);
      const error = await writeProofFiles(tree, dir).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(error?.message).to.match(/^proof files of batch MK-0100 exist already/);
      expect(() => readProofFile(dir, MASK, LOT, "Z9")).to.throw('no proof file for serial "Z9" of lot MK-0100');
    });

    it("refuses a file of another format", async function () {
      const tree = SerialTree.build(MASK, LOT, ["A1"]);
      await writeProofFiles(tree, dir);
      const file = path.join(dir, tree.pathOf("A1"));
      fs.writeFileSync(file, JSON.stringify({ ...tree.proofOf("A1"), format: "other" }));
      expect(() => readProofFile(dir, MASK, LOT, "A1")).to.throw(`is not a ${PROOF_FORMAT} file`);
    });
  });

  describe("verifyProofFile", function () {
    const tree = SerialTree.build(MASK, LOT, serialsOf(50));
    const good = tree.proofFileAt(10);

    it("accepts a genuine file and refuses any altered field", function () {
      expect(verifyProofFile(good)).to.be.true;
      const other = tree.proofFileAt(11);
      const altered = [
        { ...good, lot: "MK-0101" },
        { ...good, serialBytes32: serial("SNX") },
        { ...good, serial: other.serial, serialBytes32: other.serialBytes32 },
        { ...good, index: 11 },
        { ...good, index: 50 },
        { ...good, index: -1 },
        { ...good, leaf: other.leaf },
        { ...good, root: other.proof[0] },
        { ...good, proof: other.proof },
      ];
      for (const file of altered) expect(verifyProofFile(file)).to.be.false;
    });
  });
});
