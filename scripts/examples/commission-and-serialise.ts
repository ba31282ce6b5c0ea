/**
 * Example: a maker commissions a batch and commits its unit serials.
 *
 * Reads the serials from a CSV file (one serial per line, or a `serial` column under a header line), commissions the
 * batch with as many units as serials (on hold until released), commits the serials' Merkle root and count, and
 * writes one proof file per unit (scripts/lib/serials.ts) for the public verification page. Prints the batch id, the
 * Digital Link URI of the first unit and where the proofs are. Nothing is sent when an input is wrong.
 *
 *   MEDALLIANCE_FROM="Northwind Masks" MEDALLIANCE_GTIN=00614141000029 MEDALLIANCE_LOT=MK-2026-002 \
 *   MEDALLIANCE_EXPIRES=2029-11-30 MEDALLIANCE_SERIALS=serials.csv MEDALLIANCE_BATCH_RECORD=batch-record.pdf \
 *     npx hardhat run scripts/examples/commission-and-serialise.ts --network localhost
 *
 * Settings (environment variables):
 *   MEDALLIANCE_FROM              the maker's account: address, account index or organisation (default: account 0)
 *   MEDALLIANCE_GTIN              the product's GTIN as printed (approved for the maker)
 *   MEDALLIANCE_LOT               the lot as printed (1 to 20 characters, not used before for this GTIN)
 *   MEDALLIANCE_EXPIRES           expiry date: 2029-11-30, or a span from now such as +104w
 *   MEDALLIANCE_SERIALS           the CSV file of serials, in unit order
 *   MEDALLIANCE_BATCH_RECORD      the batch record file (its hash goes on the ledger)
 *   MEDALLIANCE_BATCH_RECORD_URI  optional: where the batch record can be read
 *   MEDALLIANCE_PROOFS            optional: the proof files' folder (default: ./proofs)
 *   MEDALLIANCE_LINK_BASE         optional: the Digital Link host (default: https://id.gs1.org)
 *   MEDALLIANCE_REGISTRY          optional: the AllianceRegistry's address (default: the network's deployment)
 */
import fs from "node:fs";
import path from "node:path";
import { ethers } from "ethers";
import hre from "hardhat";
import type { MedAllianceClient } from "../client/client";
import { InputError, digitalLink, parseGtin, parseLot, parseSerial, parseTime } from "../client/codes";
import { sendClient } from "../client/task";
import { formatGtin } from "../lib/gs1";
import { SerialTree, pathSegment, writeProofFiles } from "../lib/serials";

export interface SerialiseOptions {
  /** A client signing as an account of the product's maker. */
  client: MedAllianceClient;
  gtin: string;
  lot: string;
  expires: string;
  serialsFile: string;
  batchRecordFile: string;
  batchRecordUri?: string;
  proofDir: string;
  linkBase?: string;
  print?: (line: string) => void;
}

/** Serials from a CSV file: one per line, or the `serial` column when the first line names the columns. */
export function readSerials(file: string): string[] {
  if (!fs.existsSync(file)) throw new InputError(`serials file ${file} does not exist`);
  const lines = fs
    .readFileSync(file, "utf8")
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "");
  const column = (lines[0] ?? "")
    .split(",")
    .map((name) => name.trim().toLowerCase())
    .indexOf("serial");
  const values = column < 0 ? lines : lines.slice(1).map((line) => line.split(",")[column] ?? "");
  return values.map((value) => parseSerial(value.trim().replace(/^"(.*)"$/, "$1")));
}

export async function commissionAndSerialise(options: SerialiseOptions) {
  const { client, print = console.log } = options;
  // 1. Check every input before sending anything.
  const gtin = parseGtin(options.gtin);
  const lot = parseLot(options.lot);
  const now = await client.now();
  const expiresAt = parseTime(options.expires, now, { label: "expiry", future: true });
  if (!fs.existsSync(options.batchRecordFile))
    throw new InputError(`batch record ${options.batchRecordFile} not found`);
  const docHash = ethers.keccak256(fs.readFileSync(options.batchRecordFile));
  let tree: SerialTree;
  try {
    tree = SerialTree.build(gtin, options.lot, readSerials(options.serialsFile)); // refuses duplicates, naming them
  } catch (error) {
    throw error instanceof InputError ? error : new InputError(`${options.serialsFile}: ${(error as Error).message}`);
  }
  const folder = path.join(options.proofDir, formatGtin(gtin), pathSegment(options.lot));
  if (fs.existsSync(folder)) throw new InputError(`proof files of lot ${options.lot} exist already in ${folder}`);

  // 2. Commission the batch: one unit per serial, produced now, at the maker's first site.
  const name = `${formatGtin(gtin)}/${options.lot}`;
  const units = tree.count.toLocaleString("en-US");
  const commissioned = await client.send(`commission ${units} units of ${name}`, () =>
    client.ledger.commission({
      gtin,
      lot,
      quantity: tree.count,
      producedAt: now,
      expiresAt,
      site: 0,
      docHash,
      docURI: options.batchRecordUri ?? "",
      inputs: [],
    }),
  );

  // 3. Commit the serials' root and count (the batch id is the ledger's: keccak256 of GTIN and lot).
  const committed = await client.send(`commit the ${units} serials of ${name}`, () =>
    client.serials.commitSerials(tree.batchId, tree.root, tree.count),
  );

  // 4. Write the proof files, one per unit, to publish under the verification page's base URL.
  const written = await writeProofFiles(tree, options.proofDir);
  const firstUnit = digitalLink(options.linkBase ?? "https://id.gs1.org", gtin, options.lot, tree.serialAt(0));
  print(`Commissioned batch ${name} (${units} units): ${tree.batchId}`);
  print(`Committed serial root ${tree.root} for ${units} units.`);
  print(`First unit: ${firstUnit}`);
  print(`Proof files: ${written.files.toLocaleString("en-US")} in ${written.folder}`);
  return {
    batchId: tree.batchId,
    root: tree.root,
    count: tree.count,
    firstUnit,
    proofFolder: written.folder,
    transactions: { commission: commissioned.hash, commit: committed.hash },
  };
}

/** Reads the settings from the environment and runs; a wrong input or a refusal prints one line and exit code 1. */
export async function main(): Promise<void> {
  const env = (name: string): string => {
    const value = process.env[name]?.trim();
    if (value === undefined || value === "") throw new InputError(`set ${name} (see the top of this script)`);
    return value;
  };
  try {
    const e = process.env;
    await commissionAndSerialise({
      client: await sendClient(hre, { from: e.MEDALLIANCE_FROM, registry: e.MEDALLIANCE_REGISTRY, json: false }),
      gtin: env("MEDALLIANCE_GTIN"),
      lot: env("MEDALLIANCE_LOT"),
      expires: env("MEDALLIANCE_EXPIRES"),
      serialsFile: env("MEDALLIANCE_SERIALS"),
      batchRecordFile: env("MEDALLIANCE_BATCH_RECORD"),
      batchRecordUri: e.MEDALLIANCE_BATCH_RECORD_URI,
      proofDir: e.MEDALLIANCE_PROOFS ?? "proofs",
      linkBase: e.MEDALLIANCE_LINK_BASE,
    });
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  }
}

if (require.main === module) void main();
