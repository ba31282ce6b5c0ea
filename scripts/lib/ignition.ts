/**
 * Deploys the MedAlliance system module through Hardhat Ignition into the network's deployment folder, then performs
 * the governance steps (scripts/lib/governance.ts). Running it again resumes: Ignition skips what its journal
 * records, and the governance steps skip what the chain already shows.
 */
import fs from "node:fs";
import path from "node:path";
import { ethers } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { HardhatPluginError } from "hardhat/plugins";
import {
  DeploymentResultType,
  deploy,
  isContractFuture,
  listTransactions,
  type DeploymentParameters,
} from "@nomicfoundation/ignition-core";
import {
  HardhatArtifactResolver,
  PrettyEventHandler,
  errorDeploymentResultToExceptionMessage,
  readDeploymentParameters,
} from "@nomicfoundation/hardhat-ignition/helpers";
import MedAllianceModule from "../../ignition/modules/MedAlliance";
import { AllianceRegistry__factory } from "../../typechain-types";
import { LOCAL_CHAIN_ID, REGISTRY_FUTURE_ID, deploymentDir, readDeployedAddresses } from "./deployment";
import {
  type DirectoryEntry,
  type GovernanceStep,
  applyGovernance,
  governanceParameters,
  planGovernance,
} from "./governance";

const PLUGIN = "medalliance";

export interface DeployOptions {
  /** The Ignition parameter file (per-module parameters and the "MedAlliance" governance section). */
  parametersFile: string;
  /** Show Ignition's progress display. */
  displayUi?: boolean;
  /** Receives progress lines. */
  log?: (line: string) => void;
}

export interface DeployedContract {
  futureId: string;
  contractName: string;
  address: string;
  /** Gas of its deployment transaction (known when the deployment is kept in a folder). */
  gasUsed?: bigint;
}

export interface DeployReport {
  network: string;
  chainId: bigint;
  /** Ignition's folder for this chain (none on the embedded network). */
  deploymentDir?: string;
  /** The folder recorded contracts a restarted local node no longer had, so the deployment started afresh. */
  reset: boolean;
  deployer: string;
  contracts: DeployedContract[];
  registry: string;
  directory: DirectoryEntry[];
  applied: GovernanceStep[];
  /** Steps the governor must perform (the deployer is no longer the governor). */
  pending: GovernanceStep[];
  governor: string;
  /** The account a hand-over waits for, and from when it may accept (unix seconds). */
  incomingGovernor?: { account: string; acceptFrom: bigint };
}

/** Deploys (or resumes) the system on `hre`'s network and brings governance in line with the parameters. */
export async function deploySystem(hre: HardhatRuntimeEnvironment, options: DeployOptions): Promise<DeployReport> {
  const log = options.log ?? (() => {});
  const provider = hre.network.provider;
  const chainId = BigInt((await provider.request({ method: "eth_chainId" })) as string);

  const file = path.resolve(options.parametersFile);
  if (file.endsWith(".example.json")) {
    throw new HardhatPluginError(
      PLUGIN,
      `${file} is an example: copy it to ${file.replace(/\.example\.json$/, ".json")} and fill in the consortium's addresses`,
    );
  }
  if (!fs.existsSync(file)) {
    const example = file.replace(/\.json$/, ".example.json");
    const hint = fs.existsSync(example)
      ? `: copy ${path.basename(example)} to ${path.basename(file)} and fill it in`
      : "";
    throw new HardhatPluginError(PLUGIN, `no parameter file for network "${hre.network.name}" at ${file}${hint}`);
  }
  const parameters: DeploymentParameters = await readDeploymentParameters(file);
  const governance = governanceParameters(parameters, file);

  const accounts = (await provider.request({ method: "eth_accounts" })) as string[];
  if (accounts.length === 0) {
    throw new HardhatPluginError(
      PLUGIN,
      `network "${hre.network.name}" has no deploying account (ALLIANCE_DEPLOYER_KEY)`,
    );
  }
  const deployer = ethers.getAddress(accounts[0]);

  const dir = hre.network.name === "hardhat" ? undefined : deploymentDir(chainId);
  const reset = dir !== undefined && (await resetIfStale(hre, chainId, dir, log));

  log(`Deploying the MedAlliance system module to "${hre.network.name}" (chain ${chainId}) from ${deployer}`);
  const artifactResolver = new HardhatArtifactResolver(hre);
  const networkIgnition = hre.config.networks[hre.network.name]?.ignition ?? {};
  // Local nodes mine each transaction at once: poll for receipts often rather than once a second.
  const config =
    chainId === LOCAL_CHAIN_ID ? { blockPollingInterval: 100, ...hre.config.ignition } : hre.config.ignition;
  const result = await deploy({
    config,
    provider,
    deploymentDir: dir,
    executionEventListener: options.displayUi ? new PrettyEventHandler() : undefined,
    artifactResolver,
    ignitionModule: MedAllianceModule,
    deploymentParameters: parameters,
    accounts,
    defaultSender: deployer,
    maxFeePerGasLimit: networkIgnition.maxFeePerGasLimit,
    maxPriorityFeePerGas: networkIgnition.maxPriorityFeePerGas,
    maxRetries: hre.config.ignition.maxRetries,
    retryInterval: hre.config.ignition.retryInterval,
  });
  if (result.type !== DeploymentResultType.SUCCESSFUL_DEPLOYMENT) {
    throw new HardhatPluginError(PLUGIN, errorDeploymentResultToExceptionMessage(result));
  }

  const gas = dir === undefined ? new Map<string, bigint>() : await deploymentGas(hre, dir, artifactResolver);
  const contracts: DeployedContract[] = [];
  for (const future of Object.values(MedAllianceModule.results)) {
    if (!isContractFuture(future)) continue;
    const deployed = result.contracts[future.id];
    contracts.push({
      futureId: future.id,
      contractName: deployed.contractName,
      address: ethers.getAddress(deployed.address),
      gasUsed: gas.get(deployed.address.toLowerCase()),
    });
  }
  const registryAddress = contracts.find((c) => c.futureId === REGISTRY_FUTURE_ID)?.address;
  if (registryAddress === undefined) {
    throw new HardhatPluginError(PLUGIN, `the system module has no ${REGISTRY_FUTURE_ID}`);
  }
  const directory = contracts
    .filter((c) => c.futureId !== REGISTRY_FUTURE_ID)
    .map((c) => ({ name: c.contractName, address: c.address }));

  const signer = await hre.ethers.getSigner(deployer);
  const registry = AllianceRegistry__factory.connect(registryAddress, signer);
  const steps = await planGovernance(registry, governance, directory);
  const { applied, pending } = await applyGovernance(registry, signer, steps, log);

  const [incoming, acceptFrom] = await registry.pendingDefaultAdmin();
  return {
    network: hre.network.name,
    chainId,
    deploymentDir: dir,
    reset,
    deployer,
    contracts,
    registry: registryAddress,
    directory,
    applied,
    pending,
    governor: await registry.governor(),
    incomingGovernor: incoming === ethers.ZeroAddress ? undefined : { account: incoming, acceptFrom },
  };
}

/**
 * A folder recording a registry the chain does not have belongs to a previous run of a local node: on the local
 * chain it is removed so the deployment starts afresh; elsewhere it is an error (wrong RPC URL, or a chain reset).
 */
async function resetIfStale(
  hre: HardhatRuntimeEnvironment,
  chainId: bigint,
  dir: string,
  log: (line: string) => void,
): Promise<boolean> {
  const recorded = readDeployedAddresses(chainId)?.[REGISTRY_FUTURE_ID];
  if (recorded === undefined) return false;
  const code = (await hre.network.provider.request({ method: "eth_getCode", params: [recorded, "latest"] })) as string;
  if (code !== "0x") return false;
  if (chainId !== LOCAL_CHAIN_ID) {
    throw new HardhatPluginError(
      PLUGIN,
      `${dir} records a registry at ${recorded} that chain ${chainId} does not have: check the RPC URL, ` +
        `or move the folder away to deploy afresh`,
    );
  }
  log(`${dir} belongs to an earlier run of the local node (no registry at ${recorded}): starting afresh`);
  fs.rmSync(dir, { recursive: true, force: true });
  return true;
}

/** Gas used by each deployment transaction Ignition recorded in `dir`, by deployed address (lower case). */
async function deploymentGas(
  hre: HardhatRuntimeEnvironment,
  dir: string,
  artifactResolver: HardhatArtifactResolver,
): Promise<Map<string, bigint>> {
  const gas = new Map<string, bigint>();
  for (const tx of await listTransactions(dir, artifactResolver)) {
    if (tx.type !== "DEPLOYMENT_EXECUTION_STATE" || tx.address === undefined) continue;
    const receipt = await hre.ethers.provider.getTransactionReceipt(tx.txHash);
    if (receipt !== null) gas.set(tx.address.toLowerCase(), receipt.gasUsed);
  }
  return gas;
}
