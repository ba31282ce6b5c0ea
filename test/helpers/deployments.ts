/** Runs code against a throw-away Ignition deployments folder, so tests never read or write the repository's. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

/**
 * Points MEDALLIANCE_DEPLOYMENTS_DIR at a temporary folder holding `chain-<chainId>/deployed_addresses.json` with
 * `addresses` (or no deployment at all when undefined) while `run` runs, then removes it.
 */
export async function withDeployments<T>(
  addresses: Record<string, string> | undefined,
  run: () => Promise<T>,
  chainId = 31337,
): Promise<T> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "medalliance-deployments-"));
  if (addresses !== undefined) {
    fs.mkdirSync(path.join(root, `chain-${chainId}`));
    fs.writeFileSync(path.join(root, `chain-${chainId}`, "deployed_addresses.json"), JSON.stringify(addresses));
  }
  const previous = process.env.MEDALLIANCE_DEPLOYMENTS_DIR;
  process.env.MEDALLIANCE_DEPLOYMENTS_DIR = root;
  try {
    return await run();
  } finally {
    if (previous === undefined) delete process.env.MEDALLIANCE_DEPLOYMENTS_DIR;
    else process.env.MEDALLIANCE_DEPLOYMENTS_DIR = previous;
    fs.rmSync(root, { recursive: true, force: true });
  }
}
