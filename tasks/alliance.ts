/** Alliance tasks: what the registry says about the alliance's members, in plain language or JSON. */
import { task, types } from "hardhat/config";
import { HardhatPluginError } from "hardhat/plugins";

task("alliance:members", "Lists the alliance's organisations: standing, roles, licence expiry and accounts")
  .addParam("registry", "Address of the AllianceRegistry", undefined, types.string)
  .addFlag("json", "Print JSON for scripts instead of a table")
  .setAction(async (args: { registry: string; json: boolean }, hre) => {
    const { AllianceRegistry__factory } = await import("../typechain-types");
    const { memberRows } = await import("../scripts/lib/report");
    if (!hre.ethers.isAddress(args.registry))
      throw new HardhatPluginError("medalliance", `--registry is not an address: ${args.registry}`);
    if ((await hre.ethers.provider.getCode(args.registry)) === "0x") {
      throw new HardhatPluginError("medalliance", `no contract at ${args.registry} on network "${hre.network.name}"`);
    }
    const registry = AllianceRegistry__factory.connect(args.registry, hre.ethers.provider);
    const names = new Map<bigint, string>();
    for (const event of await registry.queryFilter(registry.filters.OrganisationRegistered())) {
      names.set(event.args.orgId, event.args.name);
    }
    const rows = await memberRows(registry, names);
    if (args.json) console.log(JSON.stringify(rows, null, 2));
    else if (rows.length === 0) console.log("The alliance has no organisations yet.");
    else console.table(rows);
  });
