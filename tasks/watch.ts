/**
 * `watch`: follows new blocks and raises alerts for operators (scripts/lib/alerts.ts holds the rules). Read-only.
 *
 *   npx hardhat watch --network alliance                     # polls every 15 s until Ctrl-C
 *   npx hardhat watch --once --json --network alliance       # from cron: up to the current block, then exits
 */
import { types } from "hardhat/config";
import { readTask, run, type ReadArgs } from "../scripts/client/task";
import { InputError } from "../scripts/client/failures";

interface WatchArgs extends ReadArgs {
  once: boolean;
  interval: string;
  state?: string;
  fromBlock?: string;
  webhook?: string;
  pageSize: string;
}

readTask("watch", "Follow new blocks and raise alerts (shortfalls, clones, excursions, recalls, deadlines, stock)")
  .addFlag("once", "Process up to the current block, check the time rules once, and exit (for cron)")
  .addOptionalParam("interval", "Seconds between polls for new blocks", "15", types.string)
  .addOptionalParam(
    "state",
    "State file (last block processed, alerts already raised); default MEDALLIANCE_WATCH_STATE or " +
      ".medalliance/watch-<chainId>.json",
    undefined,
    types.string,
  )
  .addOptionalParam(
    "fromBlock",
    "Start at this block (or \"latest\") instead of after the state's last block (default: the deployment's block)",
    undefined,
    types.string,
  )
  .addOptionalParam(
    "webhook",
    "POST each alert as JSON to this URL (default MEDALLIANCE_WEBHOOK_URL)",
    undefined,
    types.string,
  )
  .addOptionalParam("pageSize", "Blocks per log query", "2000", types.string)
  .setAction(
    run<WatchArgs>(false, async (args, client) => {
      const interval = Number(args.interval.trim());
      if (args.interval.trim() === "" || !Number.isFinite(interval) || interval <= 0) {
        throw new InputError(`--interval "${args.interval}" is not a positive number of seconds`);
      }
      const pageSize = Number(args.pageSize.trim());
      if (!/^\d+$/.test(args.pageSize.trim()) || pageSize < 1) {
        throw new InputError(`--page-size "${args.pageSize}" is not a whole number of blocks (1 or more)`);
      }
      let fromBlock: number | "latest" | undefined;
      const from = args.fromBlock?.trim();
      if (from !== undefined && from !== "") {
        if (from === "latest") fromBlock = "latest";
        else if (/^\d+$/.test(from)) fromBlock = Number(from);
        else throw new InputError(`--from-block "${args.fromBlock}" is not a block number or "latest"`);
      }
      const webhook = (args.webhook ?? process.env.MEDALLIANCE_WEBHOOK_URL)?.trim() || undefined;
      if (webhook !== undefined && !/^https?:\/\/\S+$/i.test(webhook)) {
        throw new InputError(`webhook "${webhook}" is not an http(s) URL`);
      }
      const { loadThresholds } = await import("../scripts/lib/thresholds");
      let thresholds;
      try {
        thresholds = loadThresholds();
      } catch (error) {
        throw new InputError(`thresholds: ${(error as Error).message}`);
      }
      const { alertJson, defaultStateFile, formatAlert, watch } = await import("../scripts/lib/alerts");
      const chainId = (await client.provider.getNetwork()).chainId;
      const stateFile = args.state?.trim() || defaultStateFile(chainId);

      let stop: () => void = () => undefined;
      const stopped = new Promise<void>((resolve) => (stop = resolve));
      const onSignal = () => stop();
      if (!args.once) {
        process.once("SIGINT", onSignal);
        process.once("SIGTERM", onSignal);
      }
      try {
        await watch(client, {
          once: args.once,
          interval,
          stateFile,
          fromBlock,
          pageSize,
          thresholds,
          webhook,
          print: (alert) => console.log(args.json ? alertJson(alert) : formatAlert(alert)),
          warn: (message) => console.error(message),
          stopped,
        });
      } finally {
        process.removeListener("SIGINT", onSignal);
        process.removeListener("SIGTERM", onSignal);
      }
    }),
  );
