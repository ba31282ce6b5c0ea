/**
 * Where a network's MedAlliance lives: the registry from Ignition's deployment folder for the network's chain
 * (`ignition/deployments/chain-<chainId>/deployed_addresses.json`), every other contract from the registry's
 * directory. Tasks and scripts use this; nobody pastes addresses.
 */
import fs from "node:fs";
import path from "node:path";
import { ethers } from "ethers";
import { HardhatPluginError } from "hardhat/plugins";
import { AllianceRegistry__factory, type AllianceRegistry } from "../../typechain-types";

/** Ignition's id of the registry's deployment (module `AllianceRegistry`, contract `AllianceRegistry`). */
export const REGISTRY_FUTURE_ID = "AllianceRegistry#AllianceRegistry";

/** Chain id of the embedded network, `hardhat node` and Anvil: deployments there are disposable. */
export const LOCAL_CHAIN_ID = 31337n;

const PLUGIN = "medalliance";

/** The folder holding one Ignition deployment folder per chain (MEDALLIANCE_DEPLOYMENTS_DIR, for tests). */
export function deploymentsRoot(): string {
  const fromEnv = process.env.MEDALLIANCE_DEPLOYMENTS_DIR;
  if (fromEnv) return path.resolve(fromEnv);
  return path.join(__dirname, "..", "..", "ignition", "deployments");
}

/** Ignition's deployment folder for a chain, as `hardhat ignition deploy` names it by default. */
export function deploymentDir(chainId: bigint): string {
  return path.join(deploymentsRoot(), `chain-${chainId}`);
}

/** The addresses Ignition recorded for a chain (future id → address), or undefined when it has none. */
export function readDeployedAddresses(chainId: bigint): Record<string, string> | undefined {
  const file = path.join(deploymentDir(chainId), "deployed_addresses.json");
  if (!fs.existsSync(file)) return undefined;
  return JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, string>;
}

/**
 * The block in which Ignition saw a future's transaction confirmed, from its journal (0 when unknown): where event
 * scans start, so nodes with a bounded `eth_getLogs` range are not asked about blocks before the deployment.
 */
export function deploymentBlock(chainId: bigint, futureId: string): number {
  const journal = path.join(deploymentDir(chainId), "journal.jsonl");
  if (!fs.existsSync(journal)) return 0;
  for (const line of fs.readFileSync(journal, "utf8").split("\n")) {
    if (!line.includes(futureId) || !line.includes("TRANSACTION_CONFIRM")) continue;
    const entry = JSON.parse(line) as { futureId?: string; type?: string; receipt?: { blockNumber?: number } };
    if (entry.futureId === futureId && entry.type === "TRANSACTION_CONFIRM" && entry.receipt?.blockNumber) {
      return entry.receipt.blockNumber;
    }
  }
  return 0;
}

/** A MedAlliance system as clients see it. */
export interface System {
  chainId: bigint;
  /** Where the registry's address came from. */
  source: "ignition" | "override";
  registry: AllianceRegistry;
  registryAddress: string;
  /** The registry's directory: contract name → address (removed entries left out). */
  directory: Map<string, string>;
  /** The first block worth scanning for the system's events. */
  fromBlock: number;
}

/**
 * Finds the system on the network `provider` is connected to: the registry from `registryOverride` when given,
 * else from the network's Ignition deployment; then the registry's directory.
 */
export async function resolveSystem(
  provider: ethers.Provider,
  networkName: string,
  registryOverride?: string,
): Promise<System> {
  const { chainId } = await provider.getNetwork();
  let registryAddress: string;
  let source: System["source"];
  let fromBlock = 0;
  if (registryOverride !== undefined) {
    if (!ethers.isAddress(registryOverride)) {
      throw new HardhatPluginError(PLUGIN, `--registry is not an address: ${registryOverride}`);
    }
    registryAddress = ethers.getAddress(registryOverride);
    source = "override";
  } else {
    const addresses = readDeployedAddresses(chainId);
    const found = addresses?.[REGISTRY_FUTURE_ID];
    if (found === undefined) {
      throw new HardhatPluginError(
        PLUGIN,
        `no MedAlliance deployment for chain ${chainId} (network "${networkName}") in ${deploymentDir(chainId)}: ` +
          `deploy it first (npm run deploy:local, npm run deploy:alliance) or pass --registry`,
      );
    }
    registryAddress = ethers.getAddress(found);
    source = "ignition";
    fromBlock = deploymentBlock(chainId, REGISTRY_FUTURE_ID);
  }
  if ((await provider.getCode(registryAddress)) === "0x") {
    const hint =
      source === "ignition" ? `: ${deploymentDir(chainId)} is stale (was the node restarted?); deploy again` : "";
    throw new HardhatPluginError(PLUGIN, `no contract at ${registryAddress} on network "${networkName}"${hint}`);
  }
  const registry = AllianceRegistry__factory.connect(registryAddress, provider);
  const directory = new Map<string, string>();
  for (const name of await registry.directoryNames()) {
    const target = await registry.directory(name);
    if (target !== ethers.ZeroAddress) directory.set(ethers.decodeBytes32String(name), target);
  }
  return { chainId, source, registry, registryAddress, directory, fromBlock };
}

/** The address the registry's directory holds for `name`, or a clear error naming what is listed. */
export function directoryAddress(system: System, name: string): string {
  const address = system.directory.get(name);
  if (address === undefined) {
    const listed = [...system.directory.keys()].join(", ") || "nothing";
    throw new HardhatPluginError(
      PLUGIN,
      `the registry at ${system.registryAddress} has no "${name}" in its directory (it lists ${listed})`,
    );
  }
  return address;
}
