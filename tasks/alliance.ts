/** Alliance tasks: what the registry says about the alliance's members, in plain language or JSON. */
import { task, types } from "hardhat/config";

task("alliance:members", "Lists the alliance's organisations: standing, roles, licence expiry and accounts")
  .addOptionalParam(
    "registry",
    "Address of the AllianceRegistry (default: the network's MedAlliance deployment)",
    undefined,
    types.string,
  )
  .addFlag("json", "Print JSON for scripts instead of a table")
  .setAction(async (args: { registry?: string; json: boolean }, hre) => {
    const { resolveSystem } = await import("../scripts/lib/deployment");
    const { memberRows } = await import("../scripts/lib/report");
    const { registry, fromBlock } = await resolveSystem(hre.ethers.provider, hre.network.name, args.registry);
    const names = new Map<bigint, string>();
    for (const event of await registry.queryFilter(registry.filters.OrganisationRegistered(), fromBlock)) {
      names.set(event.args.orgId, event.args.name);
    }
    const rows = await memberRows(registry, names);
    if (args.json) console.log(JSON.stringify(rows, null, 2));
    else if (rows.length === 0) console.log("The alliance has no organisations yet.");
    else console.table(rows);
  });
