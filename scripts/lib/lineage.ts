/** Lineage from the ledger's logs: which batches were made from a batch, directly or through other batches. */
import type { BatchLedger } from "../../typechain-types";

/**
 * Every batch commissioned, directly or transitively, with `inputBatchId` among its inputs, in the order found
 * (breadth first). Reads `BatchCommissioned` logs in block ranges of at most `pageSize` blocks.
 */
export async function batchesMadeFrom(
  ledger: BatchLedger,
  inputBatchId: string,
  options: { fromBlock?: number; toBlock?: number; pageSize?: number } = {},
): Promise<string[]> {
  const provider = ledger.runner?.provider;
  if (!provider) throw new Error("the ledger contract has no provider to read logs with");
  const pageSize = options.pageSize ?? 10_000;
  if (pageSize < 1) throw new Error(`pageSize must be at least 1, got ${pageSize}`);
  const last = options.toBlock ?? (await provider.getBlockNumber());

  const madeFrom = new Map<string, string[]>(); // input batch → batches made from it
  for (let from = options.fromBlock ?? 0; from <= last; from += pageSize) {
    const to = Math.min(last, from + pageSize - 1);
    for (const log of await ledger.queryFilter(ledger.filters.BatchCommissioned(), from, to)) {
      for (const input of log.args.request.inputs) {
        const outputs = madeFrom.get(input.batchId) ?? [];
        outputs.push(log.args.batchId);
        madeFrom.set(input.batchId, outputs);
      }
    }
  }

  const found: string[] = [];
  const seen = new Set<string>([inputBatchId]);
  const queue = [inputBatchId];
  while (queue.length > 0) {
    for (const output of madeFrom.get(queue.shift()!) ?? []) {
      if (seen.has(output)) continue;
      seen.add(output);
      found.push(output);
      queue.push(output);
    }
  }
  return found;
}
