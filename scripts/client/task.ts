/**
 * What every CLI task shares: the `--from`, `--registry` and `--json` parameters, connecting a client for the
 * network, choosing the signing account, and turning bad input and refusals into one clear line and exit code 1.
 */
import { task, types } from "hardhat/config";
import { HardhatPluginError } from "hardhat/plugins";
import type { ConfigurableTaskDefinition, HardhatRuntimeEnvironment } from "hardhat/types";
import type { MedAllianceClient } from "./client";
import { ClientError, InputError } from "./failures";

export const PLUGIN = "medalliance";

/** Parameters every read-only task takes. */
export interface ReadArgs {
  registry?: string;
  json: boolean;
}

/** Parameters every task that sends a transaction takes. */
export interface SendArgs extends ReadArgs {
  from?: string;
}

/** A task anyone with an RPC URL may run: it reads, never signs. */
export function readTask(name: string, description: string): ConfigurableTaskDefinition {
  return task(name, description)
    .addOptionalParam(
      "registry",
      "Address of the AllianceRegistry (default: the network's MedAlliance deployment)",
      undefined,
      types.string,
    )
    .addFlag("json", "Print JSON for scripts instead of sentences and tables");
}

/** A task a member runs to act: it signs with `--from`. */
export function memberTask(name: string, description: string): ConfigurableTaskDefinition {
  return readTask(name, description).addOptionalParam(
    "from",
    "The signing account: an address, an index into the network's accounts, or an organisation whose admin key the " +
      "network holds (default: the first account)",
    undefined,
    types.string,
  );
}

/**
 * Wraps a task's action: InputError (bad input) and ClientError (the chain refused) become HardhatPluginError, which
 * Hardhat prints as one line and exits with code 1.
 */
export function action<A>(
  run: (args: A, hre: HardhatRuntimeEnvironment) => Promise<void>,
): (args: A, hre: HardhatRuntimeEnvironment) => Promise<void> {
  return async (args, hre) => {
    try {
      await run(args, hre);
    } catch (error) {
      if (error instanceof InputError || error instanceof ClientError) {
        throw new HardhatPluginError(PLUGIN, error.message);
      }
      throw error;
    }
  };
}

/** A read-only client for the network the task runs on. */
export async function readClient(hre: HardhatRuntimeEnvironment, args: ReadArgs): Promise<MedAllianceClient> {
  // Loaded here, not at the top: Hardhat reads the task files before the contracts' bindings exist.
  const { MedAllianceClient } = await import("./client");
  return MedAllianceClient.connect({
    provider: hre.ethers.provider,
    networkName: hre.network.name,
    registry: args.registry,
  });
}

/** A client signing as `--from`: an address or index among the network's accounts, or an organisation's admin. */
export async function sendClient(hre: HardhatRuntimeEnvironment, args: SendArgs): Promise<MedAllianceClient> {
  const client = await readClient(hre, args);
  const signers = await hre.ethers.getSigners();
  if (signers.length === 0) {
    throw new InputError(
      `network "${hre.network.name}" has no accounts to sign with: set ALLIANCE_MEMBER_KEYS (or ALLIANCE_DEPLOYER_KEY) in .env`,
    );
  }
  const from = args.from?.trim();
  if (from === undefined || from === "") return client.as(signers[0]);
  if (/^\d{1,3}$/.test(from) && Number(from) < signers.length && !/^0x/i.test(from)) {
    // A small number is an account index; organisation ids are given with `--from org:<id>` when they collide.
    return client.as(signers[Number(from)]);
  }
  if (/^0x[0-9a-fA-F]{40}$/.test(from)) {
    const signer = signers.find((s) => s.address.toLowerCase() === from.toLowerCase());
    if (signer === undefined) {
      throw new InputError(
        `--from ${from} is not one of the ${signers.length} accounts network "${hre.network.name}" signs with`,
      );
    }
    return client.as(signer);
  }
  const org = await client.resolveOrg(from.replace(/^org:/, ""), "--from");
  const signer = signers.find((s) => s.address.toLowerCase() === org.admin.toLowerCase());
  if (signer === undefined) {
    throw new InputError(
      `--from ${from}: the admin account of ${org.name} (${org.admin}) is not among network "${hre.network.name}"'s accounts`,
    );
  }
  return client.as(signer);
}

/**
 * A task's action: connects a client (signing as `--from` when `signs`), loads the organisations' names, runs `body`,
 * and turns bad input and refusals into one line and exit code 1.
 */
export function run<A extends SendArgs>(
  signs: boolean,
  body: (args: A, client: MedAllianceClient, hre: HardhatRuntimeEnvironment) => Promise<void>,
): (args: A, hre: HardhatRuntimeEnvironment) => Promise<void> {
  return action<A>(async (args, hre) => {
    const client = signs ? await sendClient(hre, args) : await readClient(hre, args);
    await client.organisations();
    await body(args, client, hre);
  });
}
