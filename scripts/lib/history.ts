/**
 * A batch's history, rebuilt from the ledger's logs and proved against the head the ledger stores:
 * head = keccak256(abi.encode(prevHead, kind, actor, timestamp, dataHash)), from zero, one `Recorded` log per record.
 * Device orders keep their histories the same way (scripts/lib/orders.ts): the paging, rebuilding and proving here
 * serve both, whatever the record kinds.
 */
import { ethers } from "ethers";
import type { BatchLedger } from "../../typechain-types";
import { RecordKind } from "./trace";

/** One record of a hash-chained history as its contract emitted it, with where it was found. */
export interface ChainEntry<Kind extends number = number> {
  prevHead: string;
  kind: Kind;
  actor: string;
  timestamp: bigint;
  dataHash: string;
  blockNumber: number;
  transactionHash: string;
  logIndex: number;
}

/** One batch history record as the ledger emitted it. */
export type HistoryEntry = ChainEntry<RecordKind>;

/** Where to look for a history's logs: a block range read in pages of at most `pageSize` blocks. */
export interface LogRange {
  fromBlock?: number;
  toBlock?: number;
  pageSize?: number;
}

/** A history log as ethers decodes it: the record's fields in `args`. */
interface RecordLog {
  args: { prevHead: string; kind: bigint; actor: string; timestamp: bigint; dataHash: string };
  blockNumber: number;
  transactionHash: string;
  index: number;
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
  entry: Pick<ChainEntry, "kind" | "actor" | "timestamp" | "dataHash">,
): string {
  return ethers.keccak256(
    coder.encode(RECORD_TYPES, [prevHead, entry.kind, entry.actor, entry.timestamp, entry.dataHash]),
  );
}

/**
 * Reads a history's logs in block ranges of at most `pageSize` blocks, in chain order: `query(from, to)` returns
 * the logs of one range (a contract's `queryFilter` with the history's filter).
 */
export async function fetchChain<Kind extends number>(
  provider: ethers.Provider | null | undefined,
  query: (fromBlock: number, toBlock: number) => Promise<RecordLog[]>,
  options: LogRange = {},
): Promise<ChainEntry<Kind>[]> {
  if (!provider) throw new Error("the contract has no provider to read logs with");
  const pageSize = options.pageSize ?? 10_000;
  if (pageSize < 1) throw new Error(`pageSize must be at least 1, got ${pageSize}`);
  const last = options.toBlock ?? (await provider.getBlockNumber());
  const entries: ChainEntry<Kind>[] = [];
  for (let from = options.fromBlock ?? 0; from <= last; from += pageSize) {
    const to = Math.min(last, from + pageSize - 1);
    for (const log of await query(from, to)) {
      entries.push({
        prevHead: log.args.prevHead,
        kind: Number(log.args.kind) as Kind,
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

/** Reads a batch's `Recorded` logs in block ranges of at most `pageSize` blocks, in chain order. */
export async function fetchHistory(
  ledger: BatchLedger,
  batchId: string,
  options: LogRange = {},
): Promise<HistoryEntry[]> {
  const filter = ledger.filters.Recorded(batchId);
  return fetchChain<RecordKind>(ledger.runner?.provider, (from, to) => ledger.queryFilter(filter, from, to), options);
}

/** Rebuilds the head from records in order; reports the first record whose `prevHead` breaks the chain. */
export function rebuildHead(entries: ChainEntry[]): { head: string; problem?: string } {
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
  const [head, count] = await ledger.historyOf(batchId);
  return proveChain(records, { head, count }, "the ledger");
}

/** Proves records against the head and count `keeper` (the contract, as named in the problem) stores. */
export function proveChain(
  records: ChainEntry[],
  onChain: { head: string; count: bigint },
  keeper: string,
): HistoryProof {
  const onChainHead = onChain.head;
  const onChainCount = Number(onChain.count);
  const rebuilt = rebuildHead(records);
  const base = { head: rebuilt.head, count: records.length, onChainHead, onChainCount };
  if (rebuilt.problem) return { ...base, valid: false, problem: rebuilt.problem };
  if (records.length !== onChainCount) {
    return { ...base, valid: false, problem: `${records.length} records found, ${keeper} counts ${onChainCount}` };
  }
  if (rebuilt.head !== onChainHead) {
    return { ...base, valid: false, problem: `the rebuilt head differs from ${keeper}'s head: a record was altered` };
  }
  return { ...base, valid: true };
}
