#!/usr/bin/env node
// Fails when contract coverage falls below the project's thresholds: every line, and 95% of branches.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const THRESHOLDS = { lines: 100, branches: 95 };
const summaryPath = path.join(__dirname, "..", "coverage", "coverage-summary.json");

if (!fs.existsSync(summaryPath)) {
  console.error(`No coverage summary at ${summaryPath}: run "npx hardhat coverage" first.`);
  process.exit(1);
}
const summary = JSON.parse(fs.readFileSync(summaryPath, "utf8"));
let failed = false;
for (const [metric, minimum] of Object.entries(THRESHOLDS)) {
  const { pct, covered, total } = summary.total[metric];
  const ok = pct >= minimum;
  console.log(`${ok ? "ok  " : "FAIL"} ${metric}: ${pct}% (${covered}/${total}), required ${minimum}%`);
  if (!ok) failed = true;
}
for (const [file, metrics] of Object.entries(summary)) {
  if (file === "total") continue;
  if (metrics.lines.pct < THRESHOLDS.lines) {
    console.log(`FAIL ${path.relative(process.cwd(), file)}: lines ${metrics.lines.pct}%`);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
