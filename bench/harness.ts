/** The benchmark harness: scenarios measure whole-transaction gas; the runner prints and records it. */
import type { ContractTransactionResponse } from "ethers";

/** Gas figures of one scenario, keyed like DESIGN section 4 (`domain.operation`). */
export type GasFigures = Record<string, bigint>;

/** How much state a scenario builds before it measures: `small` in CI, `full` on demand. */
export type BenchProfile = "small" | "full";

export interface Scenario {
  /** The domain the keys belong to (`alliance`, `trace`, …). */
  name: string;
  /** Builds realistic state, performs the operations, returns their gas. */
  run(profile: BenchProfile): Promise<GasFigures>;
}

/** The whole-transaction gas (21,000 intrinsic included) of a sent transaction. */
export async function gasOf(pending: Promise<ContractTransactionResponse>): Promise<bigint> {
  const receipt = await (await pending).wait();
  if (receipt === null) throw new Error("transaction was not mined");
  return receipt.gasUsed;
}
