/**
 * The governance steps of a deployment, from the "MedAlliance" section of the network's Ignition parameter file:
 * seat the regulators and guardians, set the quorum, list the system's contracts in the registry's directory, register
 * the contracts that act on the batch ledger for members as its modules, and begin the hand-over to the configured
 * governor (a multisig in production). Each step is planned from the chain's
 * state, so running the deployment again only does what is missing.
 *
 * The deploying account performs the steps while it is the governor (it stays the governor until the configured
 * one accepts the hand-over, after the registry's delay). Afterwards the steps are only reported, with their
 * calldata, for the governor to submit: parameters never override decisions the governor has taken since.
 */
import { ethers } from "ethers";
import { HardhatPluginError } from "hardhat/plugins";
import { type AllianceRegistry, BatchLedger__factory } from "../../typechain-types";
import { GUARDIAN_ROLE, REGULATOR_ROLE, directoryName } from "./alliance";

/** The id of the system module, whose parameter section holds the governance set-up. */
export const SYSTEM_MODULE_ID = "MedAlliance";

/**
 * The contracts that act on the batch ledger for members (unit dispensing, blocks after clone reports, recalls after
 * adverse events, readings and cold-chain holds): the governor registers each as a ledger module.
 */
export const LEDGER_MODULES = ["SerialRegistry", "AdverseEventRegistry", "FieldReadings"];

/** Most regulators the registry seats at once (`MAX_REGULATORS`). */
const MAX_REGULATORS = 64;

const PLUGIN = "medalliance";

export interface GovernanceParameters {
  /** The account governance is handed over to (a multisig in production). */
  governor: string;
  regulators: string[];
  guardians: string[];
  /** Regulators' approvals a quorum motion needs. */
  quorum: number;
}

/** A contract the registry's directory lists. */
export interface DirectoryEntry {
  name: string;
  address: string;
}

/** One governance call. */
export interface GovernanceStep {
  description: string;
  to: string;
  data: string;
}

/** Reads and checks the "MedAlliance" section of a parameter file; errors name the file and the value. */
export function governanceParameters(parameters: Record<string, unknown>, file: string): GovernanceParameters {
  const fail = (what: string): never => {
    throw new HardhatPluginError(PLUGIN, `${file}: "${SYSTEM_MODULE_ID}".${what}`);
  };
  const section = parameters[SYSTEM_MODULE_ID];
  if (typeof section !== "object" || section === null) {
    throw new HardhatPluginError(
      PLUGIN,
      `${file} has no "${SYSTEM_MODULE_ID}" section (governor, regulators, guardians, quorum)`,
    );
  }
  const values = section as Record<string, unknown>;
  const address = (value: unknown, where: string): string => {
    if (typeof value !== "string" || !ethers.isAddress(value)) fail(`${where} is not an address: ${String(value)}`);
    const checksummed = ethers.getAddress(value as string);
    if (checksummed === ethers.ZeroAddress) fail(`${where} is the zero address`);
    return checksummed;
  };
  const addresses = (key: string): string[] => {
    const list = values[key];
    if (!Array.isArray(list)) return fail(`${key} must be a list of addresses`);
    const checked = list.map((value, i) => address(value, `${key}[${i}]`));
    const duplicate = checked.find((value, i) => checked.indexOf(value) !== i);
    if (duplicate !== undefined) fail(`${key} lists ${duplicate} twice`);
    return checked;
  };
  const governor = address(values.governor, "governor");
  const regulators = addresses("regulators");
  const guardians = addresses("guardians");
  if (regulators.length === 0) fail("regulators must name at least one regulator");
  if (regulators.length > MAX_REGULATORS) fail(`regulators may name at most ${MAX_REGULATORS}`);
  const quorum = Number(values.quorum);
  if (!Number.isInteger(quorum) || quorum < 1 || quorum > regulators.length) {
    fail(`quorum must be a whole number from 1 to the ${regulators.length} regulators, not ${String(values.quorum)}`);
  }
  return { governor, regulators, guardians, quorum };
}

/** The steps still needed for the registry to match the parameters and list `directory`, in the order to send them. */
export async function planGovernance(
  registry: AllianceRegistry,
  parameters: GovernanceParameters,
  directory: DirectoryEntry[],
): Promise<GovernanceStep[]> {
  const to = await registry.getAddress();
  const step = (description: string, data: string): GovernanceStep => ({ description, to, data });
  const encode = registry.interface;
  const steps: GovernanceStep[] = [];
  for (const regulator of parameters.regulators) {
    if (!(await registry.hasRole(REGULATOR_ROLE, regulator))) {
      steps.push(
        step(`seat regulator ${regulator}`, encode.encodeFunctionData("grantRole", [REGULATOR_ROLE, regulator])),
      );
    }
  }
  for (const guardian of parameters.guardians) {
    if (!(await registry.hasRole(GUARDIAN_ROLE, guardian))) {
      steps.push(step(`seat guardian ${guardian}`, encode.encodeFunctionData("grantRole", [GUARDIAN_ROLE, guardian])));
    }
  }
  const quorum = await registry.quorum();
  if (quorum !== BigInt(parameters.quorum)) {
    steps.push(
      step(
        `set the quorum to ${parameters.quorum} (was ${quorum})`,
        encode.encodeFunctionData("setQuorum", [parameters.quorum]),
      ),
    );
  }
  for (const entry of directory) {
    const name = directoryName(entry.name);
    if ((await registry.directory(name)) !== entry.address) {
      steps.push(
        step(
          `list ${entry.name} at ${entry.address} in the directory`,
          encode.encodeFunctionData("setDirectoryEntry", [name, entry.address]),
        ),
      );
    }
  }
  const ledgerAddress = directory.find((entry) => entry.name === "BatchLedger")?.address;
  if (ledgerAddress !== undefined) {
    const ledger = BatchLedger__factory.connect(ledgerAddress, registry.runner);
    for (const entry of directory.filter((e) => LEDGER_MODULES.includes(e.name))) {
      if (!(await ledger.isModule(entry.address))) {
        steps.push({
          description: `register ${entry.name} at ${entry.address} as a module of the BatchLedger`,
          to: ledgerAddress,
          data: ledger.interface.encodeFunctionData("setModule", [entry.address, true]),
        });
      }
    }
  }
  const [incoming] = await registry.pendingDefaultAdmin();
  if ((await registry.governor()) !== parameters.governor && incoming !== parameters.governor) {
    steps.push(
      step(
        `begin the hand-over of governance to ${parameters.governor}`,
        encode.encodeFunctionData("beginDefaultAdminTransfer", [parameters.governor]),
      ),
    );
  }
  return steps;
}

/**
 * Sends the steps from `signer` when it is the governor (fees set to zero on a zero-base-fee chain such as a
 * gas-free Besu network); otherwise leaves them all pending for the governor.
 */
export async function applyGovernance(
  registry: AllianceRegistry,
  signer: ethers.Signer,
  steps: GovernanceStep[],
  log: (line: string) => void = () => {},
): Promise<{ applied: GovernanceStep[]; pending: GovernanceStep[] }> {
  if (steps.length === 0) return { applied: [], pending: [] };
  if ((await registry.governor()) !== (await signer.getAddress())) return { applied: [], pending: steps };
  const provider = signer.provider;
  if (provider === null) throw new HardhatPluginError(PLUGIN, "the deploying signer has no provider");
  const latest = await provider.getBlock("latest");
  const fees = latest?.baseFeePerGas === 0n ? { maxFeePerGas: 0n, maxPriorityFeePerGas: 0n } : {};
  const applied: GovernanceStep[] = [];
  for (const step of steps) {
    let receipt: ethers.TransactionReceipt | null;
    try {
      receipt = await (await signer.sendTransaction({ to: step.to, data: step.data, ...fees })).wait();
    } catch (error) {
      throw new HardhatPluginError(PLUGIN, `governance step failed: ${step.description}: ${reason(registry, error)}`);
    }
    if (receipt === null || receipt.status !== 1) {
      throw new HardhatPluginError(PLUGIN, `governance step failed: ${step.description}`);
    }
    log(`  done: ${step.description}`);
    applied.push(step);
  }
  return { applied, pending: [] };
}

/** A revert as a sentence: the registry's or ledger's custom error with its values when it decodes, else the message. */
function reason(registry: AllianceRegistry, error: unknown): string {
  const data = findRevertData(error);
  if (data !== undefined) {
    for (const contract of [registry.interface, BatchLedger__factory.createInterface()]) {
      const decoded = contract.parseError(data);
      if (decoded !== null) return `${decoded.name}(${decoded.args.map(String).join(", ")})`;
    }
  }
  return error instanceof Error ? error.message : String(error);
}

function findRevertData(error: unknown): string | undefined {
  for (let e = error as { data?: unknown; error?: unknown; cause?: unknown } | undefined; e;) {
    if (typeof e.data === "string" && e.data.startsWith("0x") && e.data.length >= 10) return e.data;
    e = (e.error ?? e.cause) as typeof e | undefined;
  }
  return undefined;
}
