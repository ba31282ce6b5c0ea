/**
 * The `report` task: the regulator's report — batch provenance (histories rebuilt from the logs and proved), holdings,
 * safety stock, days of cover, needs and gifts, agreements and penalties, adverse events — written as CSV files, a
 * report.json and a headline chart (report.svg) into a folder (scripts/lib/reports.ts does the work).
 */
import fs from "node:fs";
import path from "node:path";
import { types } from "hardhat/config";
import { InputError } from "../scripts/client/failures";
import { printJson, printTable } from "../scripts/client/output";
import { readTask, run, type ReadArgs } from "../scripts/client/task";

interface ReportArgs extends ReadArgs {
  out?: string;
  logsRange: string;
  thresholds?: string;
}

/** The most blocks one eth_getLogs call may span. */
const MAX_LOGS_RANGE = 1_000_000;

readTask("report", "Writes the regulator's report (CSV per table, report.json, report.svg) into a folder")
  .addParam("out", "The folder to write the report into (created if missing)", undefined, types.string)
  .addOptionalParam("logsRange", "Blocks per log query (nodes often bound eth_getLogs)", "1000", types.string)
  .addOptionalParam("thresholds", "A thresholds file overriding config/thresholds.json", undefined, types.string)
  .setAction(
    run<ReportArgs>(false, async (args, client) => {
      const folder = outFolder(args.out);
      const pageSize = logsRange(args.logsRange);
      const [{ buildReport, writeReport }, { loadThresholds }] = await Promise.all([
        import("../scripts/lib/reports"),
        import("../scripts/lib/thresholds"),
      ]);
      let thresholds;
      try {
        thresholds = loadThresholds(args.thresholds?.trim() || undefined);
      } catch (error) {
        throw new InputError(`--thresholds: ${(error as Error).message}`);
      }
      const report = await buildReport(
        {
          ledger: client.ledger,
          catalog: client.catalog,
          escrow: client.escrow,
          agreements: client.agreements,
          adverse: client.adverse,
        },
        {
          fromBlock: client.system.fromBlock,
          pageSize,
          thresholds,
          orgName: (id) => client.orgName(id),
          orgIds: [...(await client.organisations()).keys()],
          assetInfo: (address) => client.assetInfo(address),
        },
      );
      const files = writeReport(report, folder);
      const bytes = files.reduce((sum, f) => sum + f.bytes, 0);
      if (args.json) {
        printJson({ folder, bytes, files, summary: report.summary });
        return;
      }
      const s = report.summary;
      const cover = s.lowestCover;
      console.log(`Report as of ${s.asOfText} (block ${s.block.toLocaleString("en-US")}).`);
      console.log(
        `Batches: ${s.batches}, histories proven: ${s.proven}` +
          (s.unproven.length > 0 ? `; NOT proven: ${s.unproven.join("; ")}` : "") +
          `. Units held: ${s.unitsHeld.toLocaleString("en-US")}.`,
      );
      console.log(
        `Below safety stock: ${s.belowSafetyStock} (member, category) pairs. Lowest days of cover: ` +
          (cover === null ? "— (no demand)" : `${cover.daysOfCover} days (${cover.member}, ${cover.category})`) +
          `, forecast smoothing α = ${s.forecastSmoothing}.`,
      );
      console.log(
        `Open needs: ${s.openNeeds}. Agreements: ${s.agreements}, with penalties: ${s.penalisedAgreements}. ` +
          `Adverse events this year: ${s.adverseThisYear}, last year: ${s.adverseLastYear} (${s.adverseGrowth}).`,
      );
      console.log(`Written to ${folder} (${bytes.toLocaleString("en-US")} bytes):`);
      printTable(files.map((f) => ({ file: f.file, bytes: f.bytes })));
    }),
  );

/** The output folder: not empty, not an existing file, and creatable. */
function outFolder(text: string | undefined): string {
  const out = text?.trim() ?? "";
  if (out === "") throw new InputError("--out is empty: give a folder such as reports/2027-01");
  const folder = path.resolve(out);
  if (fs.existsSync(folder) && !fs.statSync(folder).isDirectory()) {
    throw new InputError(`--out ${out} is a file, not a folder: give a folder to write the report into`);
  }
  let parent = path.dirname(folder);
  while (!fs.existsSync(parent)) parent = path.dirname(parent);
  if (!fs.statSync(parent).isDirectory()) {
    throw new InputError(`--out ${out}: ${parent} is a file, so the folder cannot be created`);
  }
  return folder;
}

/** Blocks per log query: a whole number from 1 to MAX_LOGS_RANGE. */
function logsRange(text: string): number {
  const value = Number(text.trim().replace(/[,_]/g, ""));
  if (!/^\d[\d,_]*$/.test(text.trim()) || !Number.isSafeInteger(value) || value < 1 || value > MAX_LOGS_RANGE) {
    throw new InputError(
      `--logs-range must be a whole number of blocks from 1 to ${MAX_LOGS_RANGE.toLocaleString("en-US")}, not "${text}"`,
    );
  }
  return value;
}
