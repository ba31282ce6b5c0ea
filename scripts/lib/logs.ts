/**
 * Reading logs over long chains: a block range read in pages, so nodes that bound `eth_getLogs` (Besu, hosted RPC)
 * answer every request. Histories, lineage, reports and the client's organisation names all read through here.
 */
import type { ethers } from "ethers";

/** A block range read in pages of at most `pageSize` blocks (default: from block 0 to the latest, 10,000 a page). */
export interface LogRange {
  fromBlock?: number;
  toBlock?: number;
  pageSize?: number;
}

export const DEFAULT_PAGE_SIZE = 10_000;

/**
 * Runs `query(from, to)` over `range` page by page and returns every result in chain order. `provider` tells the
 * latest block when the range gives no `toBlock`.
 */
export async function queryInPages<T>(
  provider: ethers.Provider | null | undefined,
  range: LogRange,
  query: (fromBlock: number, toBlock: number) => Promise<T[]>,
): Promise<T[]> {
  const pageSize = range.pageSize ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(pageSize) || pageSize < 1) throw new Error(`pageSize must be at least 1, got ${pageSize}`);
  let last = range.toBlock;
  if (last === undefined) {
    if (!provider) throw new Error("no provider to read the latest block with");
    last = await provider.getBlockNumber();
  }
  const all: T[] = [];
  for (let from = range.fromBlock ?? 0; from <= last; from += pageSize) {
    all.push(...(await query(from, Math.min(last, from + pageSize - 1))));
  }
  return all;
}
