/** Lineage from the ledger's logs: which batches were made from a batch, directly or through other batches. */
import type { BatchLedger } from "../../typechain-types";
import { type LogRange, queryInPages } from "./logs";

/**
 * Every batch commissioned, directly or transitively, with `inputBatchId` among its inputs, in the order found
 * (breadth first). Reads `BatchCommissioned` logs in block ranges of at most `pageSize` blocks.
 */
export async function batchesMadeFrom(
  ledger: BatchLedger,
  inputBatchId: string,
  options: LogRange = {},
): Promise<string[]> {
  const madeFrom = new Map<string, string[]>(); // input batch → batches made from it
  const logs = await queryInPages(ledger.runner?.provider, options, (from, to) =>
    ledger.queryFilter(ledger.filters.BatchCommissioned(), from, to),
  );
  for (const log of logs) {
    for (const input of log.args.request.inputs) {
      const outputs = madeFrom.get(input.batchId) ?? [];
      outputs.push(log.args.batchId);
      madeFrom.set(input.batchId, outputs);
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
