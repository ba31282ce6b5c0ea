/**
 * Unit serials: the Merkle tree a maker commits with `SerialRegistry.commitSerials`, and one small proof file per unit
 * for the public verification page.
 *
 * Leaves are exactly those of `@openzeppelin/merkle-tree`'s `StandardMerkleTree.of(values, ["bytes32", "uint256",
 * "bytes32"])` for the values `(batchId, index, serial)`: keccak256(keccak256(abi.encode(values))), leaves sorted by
 * hash, sorted pairs up the tree. `SerialTree.build` computes the same root and proofs as the library (the tests
 * compare them) on flat byte buffers, so a million-unit batch builds in seconds (`bench/serialTree.ts` measures it).
 *
 * Proof files. One JSON file per unit ({@link UnitProofFile}), never one dump per batch, at
 *
 *     <root>/<gtin14>/<lot>/<shard>/<serial>.json
 *
 * - `gtin14`: the GTIN-14's 14 digits, leading zeros kept;
 * - `lot`, `serial`: the text as printed, with every character other than `A-Z a-z 0-9 _ -` (and `.` past the first
 *   character) written `~` followed by its two upper-case hex digits (`A/B` is `A~2FB`, `~` itself is `~7E`), so paths
 *   are safe in file systems and URLs;
 * - `shard`: the first byte of keccak256(serial as bytes32), two lower-case hex digits (256 folders, about 4,000 files
 *   each for a million units).
 *
 * `proofPath(gtin, lot, serial)` computes it; the verification page fetches `<baseURL>/<proofPath>`. Paths differ
 * only by case for serials that differ only by case: keep proof folders on case-sensitive storage (web servers,
 * object stores, Linux); writing refuses to overwrite, so a case-insensitive disk fails loudly instead of mixing
 * units up.
 */
import fs from "node:fs";
import path from "node:path";
import { ethers } from "ethers";
// ethers' own keccak-256 (ethers 6 depends on exactly this package): raw bytes in and out, without hex round trips.
import { keccak_256 } from "@noble/hashes/sha3";
import { batchIdOf, lot as lotBytes } from "./trace";
import { formatGtin } from "./gs1";

/** The leaf encoding of `StandardMerkleTree`: `(batchId, index, serial)`. */
export const UNIT_LEAF_ENCODING = ["bytes32", "uint256", "bytes32"];

/** The `format` of a proof file. */
export const PROOF_FORMAT = "medalliance-unit-proof-v1";

/** Mirrors `UnitStatus` in contracts/units/ISerialRegistry.sol. */
export enum UnitStatus {
  Unknown,
  OnHold,
  Released,
  Blocked,
  Recalled,
  Expired,
  Dispensed,
  NotInBatch,
}

/** A unit as `SerialRegistry` takes it (`ISerialRegistry.Unit`). */
export interface UnitArgs {
  batchId: string;
  root: string;
  count: bigint;
  index: bigint;
  serial: string;
}

/** One unit's proof file: everything the verification page needs to call `SerialRegistry.unitStatus`. */
export interface UnitProofFile {
  format: typeof PROOF_FORMAT;
  gtin: string; // 14 digits
  lot: string; // as printed
  serial: string; // as printed
  batchId: string; // keccak256(abi.encode(gtin, lot))
  index: number; // the unit's index: the contract's bitmap position
  serialBytes32: string; // the serial as the contract takes it (GS1 AI 21, right-padded with zero bytes)
  leaf: string;
  root: string; // the batch's committed root
  count: number; // the batch's unit count
  proof: string[];
}

const SERIAL_PATTERN = /^[\x21-\x7e]{1,20}$/;

/** A serial as the contract takes it (GS1 AI 21): 1 to 20 printable ASCII characters, right-padded with zero bytes. */
export function serial(text: string): string {
  if (!SERIAL_PATTERN.test(text)) throw new Error(`a serial is 1 to 20 printable ASCII characters: "${text}"`);
  return ethers.encodeBytes32String(text);
}

/** The `Unit` argument of `dispense`, `unitStatus` and clone reports, from a proof file. */
export function unitOf(file: UnitProofFile): UnitArgs {
  return {
    batchId: file.batchId,
    root: file.root,
    count: BigInt(file.count),
    index: BigInt(file.index),
    serial: file.serialBytes32,
  };
}

/** The hash `SerialRegistry` stores and the ledger records for a batch's serials: keccak256(abi.encode(root, count)). */
export function commitmentOf(root: string, count: bigint | number): string {
  return ethers.keccak256(ethers.AbiCoder.defaultAbiCoder().encode(["bytes32", "uint256"], [root, count]));
}

/** Throws a clear error unless every serial is valid and none repeats. */
export function validateSerials(serials: readonly string[]): void {
  if (serials.length === 0) throw new Error("a batch needs at least one serial");
  const seen = new Map<string, number>();
  serials.forEach((text, index) => {
    if (typeof text !== "string" || !SERIAL_PATTERN.test(text)) {
      throw new Error(`serial #${index} is not 1 to 20 printable ASCII characters: ${JSON.stringify(text)}`);
    }
    const first = seen.get(text);
    if (first !== undefined) throw new Error(`serial "${text}" appears twice in the batch (#${first} and #${index})`);
    seen.set(text, index);
  });
}

/** The leaf of a unit, as `StandardMerkleTree` and `SerialRegistry.leafOf` compute it. */
export function unitLeaf(batchId: string, index: bigint | number, serialBytes32: string): string {
  const encoded = ethers.AbiCoder.defaultAbiCoder().encode(UNIT_LEAF_ENCODING, [batchId, index, serialBytes32]);
  return ethers.keccak256(ethers.keccak256(encoded));
}

/** A lot or serial written as a path segment (see the module comment). */
export function pathSegment(text: string): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    const keep = /[A-Za-z0-9_-]/.test(c) || (c === "." && i > 0);
    out += keep ? c : "~" + c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

/** The shard folder of a serial: the first byte of keccak256(serial as bytes32), two hex digits. */
export function shardOf(serialText: string): string {
  return ethers.keccak256(serial(serialText)).slice(2, 4);
}

/** A unit's proof file path relative to the proof root, with `/` separators (also its URL path). */
export function proofPath(gtin: bigint, lotText: string, serialText: string): string {
  lotBytes(lotText); // validates
  return [formatGtin(gtin), pathSegment(lotText), shardOf(serialText), `${pathSegment(serialText)}.json`].join("/");
}

// ------------------------------------------------------------------------------------------------ the tree

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

function hexOf(bytes: Uint8Array, offset: number): string {
  let out = "0x";
  for (let i = offset; i < offset + 32; i++) out += HEX[bytes[i]];
  return out;
}

/** -1, 0 or 1 comparing the 32-byte words at `a` and `b` of `bytes`, as unsigned big-endian numbers. */
function compareWords(bytes: Uint8Array, a: number, b: number): number {
  for (let i = 0; i < 32; i++) {
    const d = bytes[a + i] - bytes[b + i];
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

/** The Merkle tree of a batch's unit serials. */
export class SerialTree {
  /** GTIN-14 of the batch. */
  readonly gtin: bigint;
  /** The lot as printed. */
  readonly lot: string;
  /** keccak256(abi.encode(gtin, lot)). */
  readonly batchId: string;
  /** The root to commit. */
  readonly root: string;
  /** The unit count to commit. */
  readonly count: number;

  private readonly serials: readonly string[];
  private readonly nodes: Uint8Array; // 32 bytes per node, StandardMerkleTree's array layout (root first)
  private readonly treeIndex: Uint32Array; // unit index -> node index of its leaf
  private readonly indexBySerial: Map<string, number>;

  private constructor(gtin: bigint, lotText: string, serials: readonly string[]) {
    validateSerials(serials);
    this.gtin = gtin;
    this.lot = lotText;
    this.batchId = batchIdOf(gtin, lotBytes(lotText));
    this.serials = serials;
    this.count = serials.length;
    this.indexBySerial = new Map(serials.map((text, index) => [text, index]));

    const n = serials.length;
    const leaves = new Uint8Array(n * 32);
    const encoded = new Uint8Array(96); // abi.encode(bytes32 batchId, uint256 index, bytes32 serial)
    encoded.set(ethers.getBytes(this.batchId), 0);
    const view = new DataView(encoded.buffer);
    const text = new TextEncoder();
    for (let i = 0; i < n; i++) {
      view.setUint32(60, i); // index < 2**32, big-endian in the last four bytes of its word
      encoded.fill(0, 64);
      text.encodeInto(serials[i], encoded.subarray(64));
      leaves.set(keccak_256(keccak_256(encoded)), i * 32);
    }

    // StandardMerkleTree sorts the leaves by hash, then fills the array tree from its end.
    const order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    const prefix = new Uint32Array(n);
    const leafView = new DataView(leaves.buffer);
    for (let i = 0; i < n; i++) prefix[i] = leafView.getUint32(i * 32);
    order.sort((a, b) => prefix[a] - prefix[b] || compareWords(leaves, a * 32, b * 32));

    const size = 2 * n - 1;
    const nodes = new Uint8Array(size * 32);
    const treeIndex = new Uint32Array(n);
    for (let k = 0; k < n; k++) {
      const node = size - 1 - k;
      nodes.set(leaves.subarray(order[k] * 32, order[k] * 32 + 32), node * 32);
      treeIndex[order[k]] = node;
    }
    const pair = new Uint8Array(64);
    for (let i = size - 1 - n; i >= 0; i--) {
      const left = (2 * i + 1) * 32;
      const right = left + 32;
      const [low, high] = compareWords(nodes, left, right) <= 0 ? [left, right] : [right, left];
      pair.set(nodes.subarray(low, low + 32), 0);
      pair.set(nodes.subarray(high, high + 32), 32);
      nodes.set(keccak_256(pair), i * 32);
    }
    this.nodes = nodes;
    this.treeIndex = treeIndex;
    this.root = hexOf(nodes, 0);
  }

  /**
   * Builds the tree of a batch's serials, given as printed, in index order (serial `i` is unit `i`).
   * Throws unless every serial is 1 to 20 printable ASCII characters and none repeats.
   */
  static build(gtin: bigint, lotText: string, serials: readonly string[]): SerialTree {
    return new SerialTree(gtin, lotText, serials);
  }

  /** The unit index of a serial, or throws when the batch has no such serial. */
  indexOf(serialText: string): number {
    const index = this.indexBySerial.get(serialText);
    if (index === undefined) throw new Error(`serial "${serialText}" is not in batch ${this.lot}`);
    return index;
  }

  /** The serial of unit `index`. */
  serialAt(index: number): string {
    const text = this.serials[index];
    if (text === undefined) throw new Error(`batch ${this.lot} has no unit ${index} (${this.count} units)`);
    return text;
  }

  /** The Merkle proof of unit `index` (leaf to root). */
  proofAt(index: number): string[] {
    this.serialAt(index);
    const proof: string[] = [];
    let node = this.treeIndex[index];
    while (node > 0) {
      proof.push(hexOf(this.nodes, (node % 2 === 1 ? node + 1 : node - 1) * 32));
      node = (node - 1) >> 1;
    }
    return proof;
  }

  /** The proof file of a serial ("proof for serial X"). */
  proofOf(serialText: string): UnitProofFile {
    return this.proofFileAt(this.indexOf(serialText));
  }

  /** The proof file of unit `index`. */
  proofFileAt(index: number): UnitProofFile {
    const text = this.serialAt(index);
    return {
      format: PROOF_FORMAT,
      gtin: formatGtin(this.gtin),
      lot: this.lot,
      serial: text,
      batchId: this.batchId,
      index,
      serialBytes32: serial(text),
      leaf: hexOf(this.nodes, this.treeIndex[index] * 32),
      root: this.root,
      count: this.count,
      proof: this.proofAt(index),
    };
  }

  /** A unit's proof file path relative to the proof root (see the module comment). */
  pathOf(serialText: string): string {
    return proofPath(this.gtin, this.lot, serialText);
  }
}

// ------------------------------------------------------------------------------------------------ proof files

/** Files written by `writeProofFiles`. */
export interface ProofFilesWritten {
  /** The batch's folder: `<root>/<gtin14>/<lot>`. */
  folder: string;
  files: number;
  bytes: number;
}

/**
 * Writes one proof file per unit under `rootDir` (see the module comment for the layout). Refuses when the batch's
 * folder exists already and never overwrites a file. `concurrency` bounds the writes in flight.
 */
export async function writeProofFiles(
  tree: SerialTree,
  rootDir: string,
  options: { concurrency?: number } = {},
): Promise<ProofFilesWritten> {
  const folder = path.join(rootDir, formatGtin(tree.gtin), pathSegment(tree.lot));
  if (fs.existsSync(folder)) throw new Error(`proof files of batch ${tree.lot} exist already in ${folder}`);
  for (const shard of HEX) fs.mkdirSync(path.join(folder, shard), { recursive: true });
  let next = 0;
  let bytes = 0;
  const worker = async () => {
    while (next < tree.count) {
      const index = next++;
      const file = tree.proofFileAt(index);
      const body = JSON.stringify(file);
      bytes += body.length;
      await fs.promises.writeFile(path.join(rootDir, tree.pathOf(file.serial)), body, { flag: "wx" });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 64) }, worker));
  return { folder, files: tree.count, bytes };
}

/** Reads the proof file of a unit from a proof folder ("proof for serial X"); throws when there is none. */
export function readProofFile(rootDir: string, gtin: bigint, lotText: string, serialText: string): UnitProofFile {
  const file = path.join(rootDir, proofPath(gtin, lotText, serialText));
  if (!fs.existsSync(file)) throw new Error(`no proof file for serial "${serialText}" of lot ${lotText}: ${file}`);
  const proof = JSON.parse(fs.readFileSync(file, "utf8")) as UnitProofFile;
  if (proof.format !== PROOF_FORMAT) throw new Error(`${file} is not a ${PROOF_FORMAT} file`);
  return proof;
}

/**
 * Checks a proof file off chain: its batch id, serial encoding and leaf follow from its fields, and its proof leads
 * from the leaf to its root. (Whether root and count are the committed ones is the chain's to say:
 * `commitmentOf(batchId)` equals `commitmentOf(root, count)` here.)
 */
export function verifyProofFile(file: UnitProofFile): boolean {
  if (batchIdOf(BigInt(file.gtin), lotBytes(file.lot)) !== file.batchId) return false;
  if (serial(file.serial) !== file.serialBytes32) return false;
  if (!(file.index >= 0 && file.index < file.count)) return false;
  const leaf = unitLeaf(file.batchId, file.index, file.serialBytes32);
  if (leaf !== file.leaf) return false;
  const computed = file.proof.reduce((node, sibling) => {
    const [a, b] = BigInt(node) <= BigInt(sibling) ? [node, sibling] : [sibling, node];
    return ethers.keccak256(ethers.concat([a, b]));
  }, leaf);
  return computed === file.root;
}
