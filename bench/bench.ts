/**
 * `npm run bench`: deploys on the embedded network, performs each scenario's operations on realistic state,
 * prints gas against the budgets, writes bench/results.json and fails on a budget overrun.
 * BENCH_PROFILE=full builds larger state and writes bench/results.full.json (the CI runs the small profile).
 */
import fs from "node:fs";
import path from "node:path";
import { type BenchProfile, type GasFigures, type Scenario } from "./harness";
import { adverseScenario } from "./scenarios/adverse";
import { agreementsScenario } from "./scenarios/agreements";
import { allianceScenario } from "./scenarios/alliance";
import { custodyScenario } from "./scenarios/custody";
import { deploymentScenario } from "./scenarios/deployment";
import { donationsScenario } from "./scenarios/donations";
import { nodesScenario } from "./scenarios/nodes";
import { ordersScenario } from "./scenarios/orders";
import { readingsScenario } from "./scenarios/readings";
import { serialsScenario } from "./scenarios/serials";
import { traceScenario } from "./scenarios/trace";

const SCENARIOS: Scenario[] = [
  allianceScenario,
  traceScenario,
  custodyScenario,
  serialsScenario,
  readingsScenario,
  ordersScenario,
  adverseScenario,
  donationsScenario,
  agreementsScenario,
  nodesScenario,
  deploymentScenario,
];
const BUDGETS: Record<string, number> = JSON.parse(fs.readFileSync(path.join(__dirname, "budgets.json"), "utf8"));

async function main(): Promise<void> {
  const profile = (process.env.BENCH_PROFILE ?? "small") as BenchProfile;
  if (profile !== "small" && profile !== "full") throw new Error(`BENCH_PROFILE must be small or full, not ${profile}`);
  // The small profile's figures are the committed snapshot; the full profile keeps its own, uncommitted.
  const resultsPath = path.join(__dirname, profile === "full" ? "results.full.json" : "results.json");
  const previous: Record<string, number> = fs.existsSync(resultsPath)
    ? JSON.parse(fs.readFileSync(resultsPath, "utf8"))
    : {};

  const figures: GasFigures = {};
  for (const scenario of SCENARIOS) Object.assign(figures, await scenario.run(profile));

  const rows = Object.entries(figures).map(([key, gas]) => {
    const budget = BUDGETS[key];
    const before = previous[key];
    return {
      operation: key,
      gas: Number(gas),
      budget: budget ?? "—",
      headroom: budget === undefined ? "—" : `${(((budget - Number(gas)) / budget) * 100).toFixed(1)}%`,
      "vs snapshot": before === undefined ? "new" : signed(Number(gas) - before),
      status: budget === undefined ? "info" : Number(gas) <= budget ? "ok" : "OVER",
    };
  });
  console.log(`MedAlliance gas benchmark (profile ${profile}; whole-transaction gas, hardfork cancun)`);
  console.table(rows);

  const missing = Object.keys(BUDGETS).filter((key) => !(key in figures));
  const over = rows.filter((row) => row.status === "OVER");
  const record = Object.fromEntries(Object.entries(figures).map(([key, gas]) => [key, Number(gas)]));
  fs.writeFileSync(resultsPath, JSON.stringify(record, null, 2) + "\n");
  console.log(`wrote ${path.relative(process.cwd(), resultsPath)}`);

  if (missing.length > 0) throw new Error(`budgeted operations not measured: ${missing.join(", ")}`);
  if (over.length > 0) throw new Error(`over budget: ${over.map((row) => row.operation).join(", ")}`);
}

function signed(delta: number): string {
  return delta === 0 ? "±0" : delta > 0 ? `+${delta}` : `${delta}`;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
