/**
 * A batch's history, rebuilt from the ledger's logs and proved against the head the ledger stores:
 * head = keccak256(abi.encode(prevHead, kind, actor, timestamp, dataHash)), from zero, one `Recorded` log per record.
 * Device orders keep their histories the same way (scripts/lib/orders.ts): the paging, rebuilding and proving here
 * serve both, whatever the record kinds.
 */
import { ethers, type LogDescription } from "ethers";
import type { BatchLedger } from "../../typechain-types";
import { RecordKind, ShipmentStatus } from "./trace";
import { type LogRange, queryInPages } from "./logs";

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
export type { LogRange };

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
  const logs = await queryInPages(provider, options, query);
  return logs.map((log) => ({
    prevHead: log.args.prevHead,
    kind: Number(log.args.kind) as Kind,
    actor: log.args.actor,
    timestamp: log.args.timestamp,
    dataHash: log.args.dataHash,
    blockNumber: log.blockNumber,
    transactionHash: log.transactionHash,
    logIndex: log.index,
  }));
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

// ------------------------------------------------------------------------------------------------ record meanings

/**
 * What a batch record's data hash stands for, found among the ledger events of the transaction that wrote it. Fields
 * are set only where the record kind carries them and the event was found; `event` is the event matched.
 */
export interface RecordMeaning {
  event?: LogDescription;
  /** The shipment the record is about (Shipped, PickedUp, Delivered, Received, Refused, Returned, Reclaimed,
   * Settled, Held, HoldCleared). */
  shipmentId?: string;
  /** Units the record counts: commissioned, used as input, received (Received, Settled), dispensed or destroyed. */
  quantity?: bigint;
  /** ConsumedAsInput: the batch made from it. */
  outputBatchId?: string;
  /** Received: whether the goods arrived in good condition. */
  goodCondition?: boolean;
  /** Dispensed, Destroyed: the organisation whose holding it came from. */
  orgId?: bigint;
  /** Recalled: the recall class (1 to 3). */
  recallClass?: number;
  /** HoldCleared: the goods were destroyed (else the shipment resumed as `resumed`). */
  destroyed?: boolean;
  resumed?: ShipmentStatus;
}

const hashOf = (types: string[], values: unknown[]) => ethers.keccak256(coder.encode(types, values));
const same = (a: unknown, b: string) => String(a).toLowerCase() === b.toLowerCase();

/**
 * Decodes a record of batch `batchId` from `events`, the ledger's events of the transaction that wrote it (a
 * transaction may carry records of several batches). Records whose data hash is a plain document hash (inspections,
 * notes, releases, blocks, readings…) have no event to decode: the result is empty for them, as when nothing matches.
 */
export function decodeRecord(batchId: string, entry: HistoryEntry, events: LogDescription[]): RecordMeaning {
  const K = RecordKind;
  const named = (name: string) => events.filter((e) => e.name === name);
  switch (entry.kind) {
    case K.Commissioned: {
      const event = named("BatchCommissioned").find((e) => same(e.args.batchId, batchId));
      return event === undefined ? {} : { event, quantity: event.args.request.quantity };
    }
    case K.ConsumedAsInput:
      for (const event of named("BatchCommissioned")) {
        for (const input of event.args.request.inputs) {
          if (!same(input.batchId, batchId)) continue;
          if (hashOf(["bytes32", "uint256"], [event.args.batchId, input.quantity]) !== entry.dataHash) continue;
          return { event, quantity: input.quantity, outputBatchId: event.args.batchId };
        }
      }
      return {};
    case K.Shipped:
    case K.PickedUp:
    case K.Delivered:
    case K.Returned:
    case K.Reclaimed:
      return { shipmentId: entry.dataHash };
    case K.Received: {
      const event = named("Received").find(
        (e) =>
          hashOf(["bytes32", "uint256", "bool"], [e.args.shipmentId, e.args.quantityReceived, e.args.goodCondition]) ===
          entry.dataHash,
      );
      if (event === undefined) return {};
      const { shipmentId, quantityReceived, goodCondition } = event.args;
      return { event, shipmentId, quantity: quantityReceived, goodCondition };
    }
    case K.Refused:
    case K.Held: {
      const status = entry.kind === K.Refused ? ShipmentStatus.Refused : ShipmentStatus.Held;
      const event = named("ShipmentUpdated").find((e) => Number(e.args.status) === status);
      return event === undefined ? {} : { event, shipmentId: event.args.shipmentId };
    }
    case K.Settled: {
      const event = named("ShipmentSettled").find(
        (e) =>
          hashOf(["bytes32", "uint256", "bytes32"], [e.args.shipmentId, e.args.quantityReceived, e.args.reasonHash]) ===
          entry.dataHash,
      );
      return event === undefined
        ? {}
        : { event, shipmentId: event.args.shipmentId, quantity: event.args.quantityReceived };
    }
    case K.HoldCleared: {
      // The hold is cleared first in its transaction: a settlement (goods destroyed) or an update (goods fit) follows.
      const event = named("ShipmentSettled")[0] ?? named("ShipmentUpdated")[0];
      if (event === undefined) return {};
      const destroyed = event.name === "ShipmentSettled";
      return {
        event,
        shipmentId: event.args.shipmentId,
        destroyed,
        ...(destroyed ? {} : { resumed: Number(event.args.status) as ShipmentStatus }),
      };
    }
    case K.Dispensed:
    case K.Destroyed: {
      const dispensed = entry.kind === K.Dispensed;
      const key = dispensed ? "referenceHash" : "reasonHash";
      const event = named(dispensed ? "Dispensed" : "Destroyed").find(
        (e) =>
          same(e.args.batchId, batchId) &&
          hashOf(["uint256", "bytes32"], [e.args.quantity, e.args[key]]) === entry.dataHash,
      );
      return event === undefined ? {} : { event, quantity: event.args.quantity, orgId: event.args.orgId };
    }
    case K.Recalled: {
      const event = named("BatchRecalled").find(
        (e) =>
          same(e.args.batchId, batchId) &&
          hashOf(["uint8", "bytes32"], [e.args.recallClass, e.args.reasonHash]) === entry.dataHash,
      );
      return event === undefined ? {} : { event, recallClass: Number(event.args.recallClass) };
    }
    default:
      return {};
  }
}

/**
 * The events a transaction's logs carry from `contract` (the ledger) and, decoded by `others`' interfaces, from any
 * other contract (the field-readings module): what {@link decodeRecord} reads.
 */
export function eventsIn(
  logs: readonly { address: string; topics: readonly string[]; data: string }[],
  contract: { target: unknown; interface: ethers.Interface },
  others: ethers.Interface[] = [],
): LogDescription[] {
  const address = String(contract.target).toLowerCase();
  const parsed: LogDescription[] = [];
  for (const log of logs) {
    const from = log.address.toLowerCase() === address ? [contract.interface] : others;
    for (const iface of from) {
      const description = iface.parseLog(log);
      if (description !== null) {
        parsed.push(description);
        break;
      }
    }
  }
  return parsed;
}
