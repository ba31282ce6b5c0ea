/** Donation tasks: how the alliance pool should be split among open needs, in plain language or JSON. */
import { task, types } from "hardhat/config";

task("pool:recommend", "Recommends how to allocate a pool round: most urgent needs first, then earliest deadline")
  .addOptionalParam("pool", "Pool round id: recommend for what it holds unallocated", undefined, types.string)
  .addOptionalParam(
    "amount",
    "Amount to allocate instead, in the asset's smallest unit (with --asset)",
    undefined,
    types.string,
  )
  .addOptionalParam("asset", "Asset of --amount: a token address, or omit for ETH", undefined, types.string)
  .addOptionalParam(
    "escrow",
    "Address of the DonationEscrow (default: the registry's directory entry)",
    undefined,
    types.string,
  )
  .addOptionalParam(
    "registry",
    "Address of the AllianceRegistry (default: the network's deployment)",
    undefined,
    types.string,
  )
  .addFlag("json", "Print JSON for scripts instead of sentences and a table")
  .setAction(
    async (
      args: { pool?: string; amount?: string; asset?: string; escrow?: string; registry?: string; json: boolean },
      hre,
    ) => {
      const { ethers } = hre;
      const { DonationEscrow__factory } = await import("../typechain-types");
      const { ETH, openNeedsIn, recommendAllocation } = await import("../scripts/lib/donations");
      if ((args.pool === undefined) === (args.amount === undefined)) {
        throw new Error("pool:recommend needs exactly one of --pool and --amount");
      }
      let escrowAddress = args.escrow;
      if (escrowAddress === undefined) {
        const { resolveSystem } = await import("../scripts/lib/deployment");
        const { registry } = await resolveSystem(ethers.provider, hre.network.name, args.registry);
        escrowAddress = await registry.directory(ethers.encodeBytes32String("DonationEscrow"));
        if (escrowAddress === ethers.ZeroAddress) throw new Error("the registry's directory has no DonationEscrow");
      }
      const escrow = DonationEscrow__factory.connect(escrowAddress, ethers.provider);
      let asset = args.asset ?? ETH;
      let available: bigint;
      if (args.pool !== undefined) {
        const p = await escrow.pool(BigInt(args.pool));
        asset = p.asset;
        available = p.raised + p.returned - p.allocated;
      } else {
        available = BigInt(args.amount!);
      }
      const needs = await openNeedsIn(escrow, asset);
      const { allocations, left } = recommendAllocation(available, needs);
      const byId = new Map(needs.map((n) => [n.needId, n]));
      const rows = allocations.map((a) => ({
        need: a.needId.toString(),
        urgency: byId.get(a.needId)!.urgency,
        deadline: new Date(Number(byId.get(a.needId)!.deadline) * 1000).toISOString(),
        lacks: byId.get(a.needId)!.lacks.toString(),
        allocate: a.amount.toString(),
      }));
      if (args.json) {
        console.log(
          JSON.stringify({ asset, available: available.toString(), allocations: rows, left: left.toString() }, null, 2),
        );
        return;
      }
      const unit = asset === ETH ? "wei" : `units of ${asset}`;
      if (rows.length === 0) {
        console.log(
          `Nothing to recommend: ${available.toLocaleString("en-US")} ${unit} available, no open need lacks money.`,
        );
        return;
      }
      console.log(
        `Of ${available.toLocaleString("en-US")} ${unit} available, allocate to ${rows.length} need(s), most urgent first:`,
      );
      console.table(rows);
      console.log(`Left in the pool afterwards: ${left.toLocaleString("en-US")} ${unit}.`);
    },
  );
