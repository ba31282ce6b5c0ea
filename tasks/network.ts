/** Network tasks: the permissioned network's allowlists, exported from the registry and synced to Besu nodes. */
import fs from "node:fs";
import path from "node:path";
import { task, types } from "hardhat/config";
import { HardhatPluginError } from "hardhat/plugins";

/** Why accounts are admitted, in the order the summary counts them. */
const KINDS = [
  "governor",
  "incoming governor",
  "regulator",
  "guardian",
  "organisation admin",
  "organisation operator",
  "organisation device",
  "pending invitation",
  "network guest",
];

interface AllowlistArgs {
  out?: string;
  push?: string;
  dryRun: boolean;
  registry?: string;
  logsRange: number;
  json: boolean;
}

task(
  "network:allowlist",
  "Exports Besu's permissions_config.toml (accounts and nodes allowlists) from the registry; --push syncs a Besu node",
)
  .addOptionalParam("out", "Write permissions_config.toml to this path", undefined, types.string)
  .addOptionalParam(
    "push",
    "JSON-RPC URL of a Besu node with the PERM API: add and remove the difference",
    undefined,
    types.string,
  )
  .addFlag("dryRun", "With --push: show the difference without changing the node")
  .addOptionalParam(
    "registry",
    "Registry address (default: the network's MedAlliance deployment)",
    undefined,
    types.string,
  )
  .addOptionalParam("logsRange", "Blocks per eth_getLogs request when the node bounds the range", 1000, types.int)
  .addFlag("json", "Print JSON for scripts instead of a summary")
  .setAction(async (args: AllowlistArgs, hre) => {
    const { resolveSystem } = await import("../scripts/lib/deployment");
    const { buildAllowlist, pushAllowlist, renderPermissionsToml } = await import("../scripts/lib/allowlist");
    if (args.dryRun && args.push === undefined) {
      throw new HardhatPluginError("medalliance", "--dry-run needs --push <url>: it shows what a push would change");
    }
    if (!(args.logsRange > 0)) throw new HardhatPluginError("medalliance", "--logs-range must be a positive number");

    const system = await resolveSystem(hre.ethers.provider, hre.network.name, args.registry);
    const allowlist = await buildAllowlist(system, hre.ethers.provider, { logsRange: args.logsRange });
    const toml = renderPermissionsToml(allowlist);
    let out: string | undefined;
    if (args.out !== undefined) {
      out = path.resolve(args.out);
      if (!fs.existsSync(path.dirname(out))) {
        throw new HardhatPluginError("medalliance", `--out: the folder ${path.dirname(out)} does not exist`);
      }
      fs.writeFileSync(out, toml);
    }
    const push =
      args.push === undefined ? undefined : await pushAllowlist(args.push, allowlist, { dryRun: args.dryRun });

    if (args.json) {
      console.log(JSON.stringify({ ...allowlist, toml, out, push }, null, 2));
      return;
    }
    const kinds = new Map<string, number>(KINDS.map((kind) => [kind, 0]));
    for (const account of allowlist.accounts) {
      for (const reason of account.reasons) {
        const kind = reason
          .replace(/^organisation \d+ /, "organisation ")
          .replace(/^invited to .*/, "pending invitation");
        kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
      }
    }
    const counts = [...kinds].filter(([, n]) => n > 0).map(([kind, n]) => `${n} ${kind}${n > 1 ? "s" : ""}`);
    console.log(
      `Allowlists from registry ${allowlist.registry} on network "${hre.network.name}" ` +
        `(chain ${allowlist.chainId}, block ${allowlist.block}):`,
    );
    console.log(`  accounts-allowlist: ${allowlist.accounts.length} accounts ` + `(${counts.join(", ") || "none"})`);
    console.log(`  nodes-allowlist: ${allowlist.nodes.length} approved nodes of Active organisations`);
    if (out !== undefined) console.log(`Wrote ${path.relative(process.cwd(), out) || out}`);
    if (push !== undefined) {
      const verb = push.dryRun ? "Would change" : "Pushed to";
      const change = (c: { added: string[]; removed: string[] }) => `+${c.added.length} -${c.removed.length}`;
      console.log(`${verb} ${push.url}: accounts ${change(push.accounts)}, nodes ${change(push.nodes)}`);
      for (const item of [...push.accounts.added, ...push.nodes.added]) console.log(`  + ${item}`);
      for (const item of [...push.accounts.removed, ...push.nodes.removed]) console.log(`  - ${item}`);
      for (const item of push.keptValidators) {
        console.log(`  kept ${item}: a current validator the registry does not admit (approve it, or vote it out)`);
      }
    }
    if (out === undefined && push === undefined) console.log(`\n${toml}`);
  });

task("network:advance-time", "On a local node only: moves the chain's clock forward (to try deadlines and windows)")
  .addParam("by", 'How far: "15d", "6h", "90m", "2w" or seconds')
  .addFlag("json", "Print JSON for scripts instead of a sentence")
  .setAction(async (args: { by: string; json: boolean }, hre) => {
    const { LOCAL_CHAIN_ID } = await import("../scripts/lib/deployment");
    const { InputError, formatTime, parseDuration } = await import("../scripts/client/codes");
    const { action } = await import("../scripts/client/task");
    await action(async () => {
      const { chainId } = await hre.ethers.provider.getNetwork();
      if (chainId !== LOCAL_CHAIN_ID) {
        throw new InputError(
          `network "${hre.network.name}" (chain ${chainId}) is not a local node: its clock is real time`,
        );
      }
      const seconds = parseDuration(args.by, "--by");
      if (seconds === 0) throw new InputError("--by must be more than zero");
      await hre.network.provider.send("evm_increaseTime", [seconds]);
      await hre.network.provider.send("evm_mine", []);
      const now = (await hre.ethers.provider.getBlock("latest"))!.timestamp;
      if (args.json) console.log(JSON.stringify({ advancedBy: seconds, now }));
      else console.log(`The chain's clock moved ${args.by} forward: it is now ${formatTime(now)}.`);
    })(args, hre);
  });
