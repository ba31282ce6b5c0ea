#!/usr/bin/env node
// A native-style command-line front for the `solc` npm package, so Foundry's forge compiles offline
// with exactly the compiler Hardhat uses. Answers `--version` like native solc and serves
// `--standard-json` (input on stdin, output on stdout); sources missing from the input are read from disk.
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const solc = require("solc");

const args = process.argv.slice(2);

if (args.includes("--version") || args.includes("-v")) {
  const long = solc.version().replace(/\.Emscripten\.clang$/, "");
  process.stdout.write(`solc, the solidity compiler commandline interface\nVersion: ${long}.Linux.g++\n`);
  process.exit(0);
}

if (!args.includes("--standard-json")) {
  process.stderr.write("tools/solc.js serves only --version and --standard-json\n");
  process.exit(1);
}

const roots = [process.cwd()];
for (let i = 0; i < args.length; i++) {
  if ((args[i] === "--base-path" || args[i] === "--include-path" || args[i] === "--allow-paths") && args[i + 1]) {
    roots.push(...args[i + 1].split(","));
  }
}

function findImports(importPath) {
  for (const root of roots) {
    const candidate = path.resolve(root, importPath);
    if (fs.existsSync(candidate)) return { contents: fs.readFileSync(candidate, "utf8") };
  }
  return { error: `File not found: ${importPath}` };
}

const input = fs.readFileSync(0, "utf8");
process.stdout.write(solc.compile(input, { import: findImports }));
