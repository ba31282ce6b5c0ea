/**
 * The million-unit batch: builds the serial tree of 1,000,000 units (`SerialTree.build`), writes one proof file per
 * unit to a temporary folder, answers a few "proof for serial X" questions from the tree and from the folder, removes
 * the folder, and prints the times and the peak resident memory.
 *
 *   npx ts-node bench/serialTree.ts            # 1,000,000 units
 *   UNITS=100000 npx ts-node bench/serialTree.ts
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { gtin } from "../scripts/lib/gs1";
import { SerialTree, readProofFile, verifyProofFile, writeProofFiles } from "../scripts/lib/serials";

const UNITS = Number(process.env.UNITS ?? 1_000_000);

function seconds(since: bigint): string {
  return `${(Number(process.hrtime.bigint() - since) / 1e9).toFixed(2)} s`;
}

function megabytes(bytes: number): string {
  return `${Math.round(bytes / 2 ** 20).toLocaleString("en-US")} MB`;
}

async function main(): Promise<void> {
  const mask = gtin("0690123400027");
  const lotText = "SM-2611-A";
  // Serials as a printer issues them: 12 characters, unique, in print order.
  const serials = Array.from({ length: UNITS }, (_, i) => `SN${i.toString().padStart(10, "0")}`);

  let started = process.hrtime.bigint();
  const tree = SerialTree.build(mask, lotText, serials);
  const buildTime = seconds(started);
  const afterBuild = process.memoryUsage().rss;

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "medalliance-serial-bench-"));
  try {
    started = process.hrtime.bigint();
    const written = await writeProofFiles(tree, dir);
    const writeTime = seconds(started);

    started = process.hrtime.bigint();
    const probes = [0, 1, Math.floor(UNITS / 2), UNITS - 1].map((i) => serials[i]);
    for (const text of probes) {
      const fromTree = tree.proofOf(text);
      const fromFolder = readProofFile(dir, mask, lotText, text);
      if (JSON.stringify(fromTree) !== JSON.stringify(fromFolder) || !verifyProofFile(fromFolder)) {
        throw new Error(`proof of ${text} does not check`);
      }
    }
    const lookupTime = seconds(started);

    console.log(`Serial tree of ${UNITS.toLocaleString("en-US")} units (lot ${lotText})`);
    console.table({
      "build the tree": buildTime,
      "write the proof files": `${writeTime} (${written.files.toLocaleString("en-US")} files, ${megabytes(written.bytes)})`,
      "4 lookups (tree and folder), verified": lookupTime,
      "proof depth": `${tree.proofAt(0).length}`,
      "resident memory after the build": megabytes(afterBuild),
      "peak resident memory": megabytes(process.resourceUsage().maxRSS * 1024),
    });
    console.log(`root ${tree.root}`);
  } finally {
    started = process.hrtime.bigint();
    fs.rmSync(dir, { recursive: true, force: true });
    console.log(`removed the proof files in ${seconds(started)}`);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
