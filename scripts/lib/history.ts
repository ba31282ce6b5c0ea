/**
 * A batch's history, rebuilt from the ledger's logs and proved against the head the ledger stores:
 * head = keccak256(abi.encode(prevHead, kind, actor, timestamp, dataHash)), from zero, one `Recorded` log per record.
 */
import { ethers } from "ethers";
import type { BatchLedger } from "../../typechain-types";
import { RecordKind } from "./trace";

/** One history record as the ledger emitted it, with where it was found. */
export interface HistoryEntry {
  prevHead: string;
  kind: RecordKind;
  actor: string;
  timestamp: bigint;
  dataHash: string;
  blockNumber: number;
  transactionHash: string;
  logIndex: number;
}

/** The outcome of proving a history against the ledger. */
export interface HistoryProof {
  valid: boolean;
  /** The head rebuilt from the records. */
  head: string;
  count: number;
  onChainHead: string;
  onChainCount: number;
  /** Why the proof failed, in a sentence (undefined when valid). */
  problem?: string;
}

const coder = ethers.AbiCoder.defaultAbiCoder();
const RECORD_TYPES = ["bytes32", "uint8", "address", "uint64", "bytes32"];

/** The head after appending `entry` to a history whose head is `prevHead`. */
export function chainHead(
  prevHead: string,
  entry: Omit<HistoryEntry, "prevHead" | "blockNumber" | "transactionHash" | "logIndex">,
): string {
  return ethers.keccak256(
    coder.encode(RECORD_TYPES, [prevHead, entry.kind, entry.actor, entry.timestamp, entry.dataHash]),
  );
}

/** Reads a batch's `Recorded` logs in block ranges of at most `pageSize` blocks, in chain order. */
export async function fetchHistory(
  ledger: BatchLedger,
  batchId: string,
  options: { fromBlock?: number; toBlock?: number; pageSize?: number } = {},
): Promise<HistoryEntry[]> {
  const provider = ledger.runner?.provider;
  if (!provider) throw new Error("the ledger contract has no provider to read logs with");
  const pageSize = options.pageSize ?? 10_000;
  if (pageSize < 1) throw new Error(`pageSize must be at least 1, got ${pageSize}`);
  const last = options.toBlock ?? (await provider.getBlockNumber());
  const filter = ledger.filters.Recorded(batchId);
  const entries: HistoryEntry[] = [];
  for (let from = options.fromBlock ?? 0; from <= last; from += pageSize) {
    const to = Math.min(last, from + pageSize - 1);
    for (const log of await ledger.queryFilter(filter, from, to)) {
      entries.push({
        prevHead: log.args.prevHead,
        kind: Number(log.args.kind) as RecordKind,
        actor: log.args.actor,
        timestamp: log.args.timestamp,
        dataHash: log.args.dataHash,
        blockNumber: log.blockNumber,
        transactionHash: log.transactionHash,
        logIndex: log.index,
      });
    }
  }
  return entries;
}

/** Rebuilds the head from records in order; reports the first record whose `prevHead` breaks the chain. */
export function rebuildHead(entries: HistoryEntry[]): { head: string; problem?: string } {
  let head = ethers.ZeroHash;
  for (const [index, entry] of entries.entries()) {
    if (entry.prevHead !== head) {
      return { head, problem: `record ${index} (block ${entry.blockNumber}) does not follow record ${index - 1}` };
    }
    head = chainHead(head, entry);
  }
  return { head };
}

/** Proves `entries` (by default, the batch's logs) against the head and count stored by the ledger. */
export async function proveHistory(
  ledger: BatchLedger,
  batchId: string,
  entries?: HistoryEntry[],
): Promise<HistoryProof> {
  const records = entries ?? (await fetchHistory(ledger, batchId));
  const [onChainHead, onChainCountRaw] = await ledger.historyOf(batchId);
  const onChainCount = Number(onChainCountRaw);
  const rebuilt = rebuildHead(records);
  const base = { head: rebuilt.head, count: records.length, onChainHead, onChainCount };
  if (rebuilt.problem) return { ...base, valid: false, problem: rebuilt.problem };
  if (records.length !== onChainCount) {
    return { ...base, valid: false, problem: `${records.length} records found, the ledger counts ${onChainCount}` };
  }
  if (rebuilt.head !== onChainHead) {
    return { ...base, valid: false, problem: "the rebuilt head differs from the ledger's head: a record was altered" };
  }
  return { ...base, valid: true };
}
