/**
 * Unit serial tasks: `unit` tells anyone — a pharmacist at the counter, a patient — whether one pack is genuine and
 * may be dispensed, from its Digital Link code and the maker's proof folder; the maker commits a batch's serials and
 * writes the proof files (`serials:commit`); hospitals and pharmacies dispense unit by unit (`serials:dispense`);
 * anyone reports a code seen twice, and a regulator may block the batch in the same step (`serials:report-clone`).
 */
import fs from "node:fs";
import path from "node:path";
import { ethers } from "ethers";
import type { ConfigurableTaskDefinition } from "hardhat/types";
import type { MedAllianceClient, ResolvedBatch } from "../scripts/client/client";
import {
  formatTime,
  parseDigitalLink,
  parseDocument,
  parseGln,
  parseGtin,
  parseLot,
  parseSerial,
  required,
  shortId,
} from "../scripts/client/codes";
import { InputError } from "../scripts/client/failures";
import { printJson } from "../scripts/client/output";
import { memberTask, readTask, run, type SendArgs } from "../scripts/client/task";
import { BusinessRole, documentHash, roleMask } from "../scripts/lib/alliance";
import { formatGtin } from "../scripts/lib/gs1";
import type { SerialTree, UnitProofFile } from "../scripts/lib/serials";

/** The serials library (it loads the contracts' bindings, so it is imported inside the actions). */
let S: typeof import("../scripts/lib/serials");
let batchIdOf: typeof import("../scripts/lib/trace").batchIdOf;
async function loadSerials(): Promise<void> {
  S = await import("../scripts/lib/serials");
  ({ batchIdOf } = await import("../scripts/lib/trace"));
}

const WHERE = "on unit serials";
const n = (value: bigint | number) => BigInt(value).toLocaleString("en-US");
const nameOf = (client: MedAllianceClient, id: bigint | number | string) =>
  client.orgName(BigInt(id)) ?? `organisation ${id}`;
const batchName = (batch: ResolvedBatch) =>
  batch.lot === "" ? shortId(batch.batchId) : `${formatGtin(batch.gtin)}/${batch.lot}`;
const resolveBatch = (client: MedAllianceClient, text: string | undefined) =>
  client.resolveBatch(required(text, "--batch (a Digital Link URI, <GTIN>/<lot> or 0x id)"), "batch");
const show = (args: SendArgs, document: object, lines: string[]) =>
  args.json ? printJson(document) : console.log(lines.join("\n"));

// ------------------------------------------------------------------ units and their proof files

interface UnitArgs extends SendArgs {
  unit?: string;
  batch?: string;
  serial?: string;
  proofs?: string;
}

/** A unit named by its Digital Link URI with a serial, or by --batch and --serial. */
interface UnitRef {
  gtin: bigint;
  lot: string;
  serial: string;
  batchId: string;
  /** "GTIN/lot serial S", for sentences. */
  label: string;
}

async function unitRef(client: MedAllianceClient, args: UnitArgs): Promise<UnitRef> {
  await loadSerials();
  let gtin: bigint;
  let lotText: string;
  let serialText: string;
  if (args.unit !== undefined) {
    if (args.batch !== undefined || args.serial !== undefined) {
      throw new InputError(
        "name the unit either by its Digital Link URI (--unit) or by --batch and --serial, not both",
      );
    }
    const link = parseDigitalLink(args.unit);
    if (link.lot === undefined || link.serial === undefined) {
      throw new InputError(`"${args.unit}" names no unit: a unit's Digital Link has /01/<GTIN>/10/<lot>/21/<serial>`);
    }
    [gtin, lotText, serialText] = [link.gtin, link.lot, link.serial];
  } else {
    if (args.batch === undefined || args.serial === undefined) {
      throw new InputError(
        "name the unit by its Digital Link URI (--unit https://…/01/<GTIN>/10/<lot>/21/<serial>) or --batch and --serial",
      );
    }
    serialText = parseSerial(args.serial);
    if (/^0x[0-9a-fA-F]{64}$/.test(args.batch.trim())) {
      const batch = await resolveBatch(client, args.batch);
      if (batch.lot === "")
        throw new InputError(`batch ${args.batch}: its lot cannot be read from the ledger; give <GTIN>/<lot>`);
      [gtin, lotText] = [batch.gtin, batch.lot];
    } else if (/^[a-z]+:\/\//i.test(args.batch.trim())) {
      const link = parseDigitalLink(args.batch.trim());
      if (link.lot === undefined) throw new InputError(`batch "${args.batch}" names a product but no lot (/10/<lot>)`);
      [gtin, lotText] = [link.gtin, link.lot];
    } else {
      const slash = args.batch.indexOf("/");
      if (slash < 0)
        throw new InputError(`batch "${args.batch}": give a Digital Link URI, <GTIN>/<lot> or a 0x batch id`);
      gtin = parseGtin(args.batch.slice(0, slash), "batch GTIN");
      lotText = args.batch.slice(slash + 1);
    }
  }
  const batchId = batchIdOf(gtin, parseLot(lotText));
  return {
    gtin,
    lot: lotText,
    serial: serialText,
    batchId,
    label: `serial ${serialText} of batch ${formatGtin(gtin)}/${lotText}`,
  };
}

/**
 * The unit's proof file in the folder `--proofs` (the layout `writeProofFiles` writes); undefined when the batch's
 * folder is there but holds no file for this serial — the maker published no such unit.
 */
function proofFor(dir: string | undefined, ref: UnitRef): UnitProofFile | undefined {
  if (dir === undefined || dir.trim() === "")
    throw new InputError("--proofs is required: the folder of the maker's proof files");
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory())
    throw new InputError(`proof folder ${dir} does not exist`);
  const batchFolder = path.join(dir, formatGtin(ref.gtin), S.pathSegment(ref.lot));
  if (!fs.existsSync(batchFolder)) {
    throw new InputError(`proof folder ${dir} holds no proof files of batch ${formatGtin(ref.gtin)}/${ref.lot}`);
  }
  const file = path.join(dir, S.proofPath(ref.gtin, ref.lot, ref.serial));
  if (!fs.existsSync(file)) return undefined;
  let proof: UnitProofFile;
  try {
    proof = S.readProofFile(dir, ref.gtin, ref.lot, ref.serial);
  } catch (error) {
    throw new InputError(`proof file ${file} cannot be read: ${(error as Error).message}`);
  }
  if (proof.batchId.toLowerCase() !== ref.batchId || proof.serial !== ref.serial) {
    throw new InputError(
      `proof file ${file} is not the proof of ${ref.label}: it names serial ${proof.serial} of another batch`,
    );
  }
  return proof;
}

type UnitStatusName =
  "Unknown" | "OnHold" | "Released" | "Blocked" | "Recalled" | "Expired" | "Dispensed" | "NotInBatch";

interface UnitFinding {
  status: UnitStatusName;
  dispensed: boolean;
  proof?: UnitProofFile;
  view?: Awaited<ReturnType<MedAllianceClient["ledger"]["batch"]>>;
}

/** The chain's word on a unit, with its proof from the folder. */
async function findUnit(client: MedAllianceClient, ref: UnitRef, proofs: string | undefined): Promise<UnitFinding> {
  if ((await client.ledger.batchStatus(ref.batchId)) === 0n) {
    return { status: "Unknown", dispensed: false };
  }
  const view = await client.ledger.batch(ref.batchId);
  const proof = proofFor(proofs, ref);
  if (proof === undefined) return { status: "NotInBatch", dispensed: false, view };
  const unit = S.unitOf(proof);
  const status = await client.read("read the unit's status", () => client.serials.unitStatus(unit, proof.proof));
  const dispensed = await client.serials.isDispensed(ref.batchId, unit.index);
  return { status: S.UnitStatus[Number(status)] as UnitStatusName, dispensed, proof, view };
}

/** A pharmacist's sentence for a unit's status. */
function verdict(client: MedAllianceClient, ref: UnitRef, found: UnitFinding): string {
  const what = `Serial ${ref.serial} of batch ${formatGtin(ref.gtin)}/${ref.lot}`;
  const maker = found.view === undefined ? "" : nameOf(client, found.view.makerOrgId);
  const sold = found.dispensed ? " This unit was dispensed already." : "";
  switch (found.status) {
    case "Unknown":
      return `${what}: no such batch is on the ledger. Do not dispense this pack: treat it as a suspect counterfeit and tell the regulator.`;
    case "NotInBatch":
      return (
        `${what} is NOT a unit of this batch: ${maker} registered no such code, or its proof does not match. Do not ` +
        `dispense this pack: treat it as a suspect counterfeit and tell the regulator.`
      );
    case "Released":
      return (
        `${what} is genuine and not yet dispensed: unit ${n(found.proof!.index)} of ${n(found.proof!.count)} made by ` +
        `${maker}, released for use until ${formatTime(found.view!.expiresAt)}. It may be dispensed.`
      );
    case "Dispensed":
      return (
        `${what} is genuine but was ALREADY DISPENSED. If this pack is unsold in front of you, it is a copy or was ` +
        `scanned twice: do not dispense it, keep it aside and report it (serials:report-clone).`
      );
    case "OnHold":
      return `${what} is genuine, but its batch is on hold: not yet released for use. Do not dispense it.`;
    case "Blocked":
      return `${what} is genuine, but a regulator has blocked its batch as suspect. Do not dispense it: quarantine the pack.${sold}`;
    case "Recalled":
      return `${what} is genuine, but its batch has been RECALLED. Do not dispense it: return it as the recall notice says.${sold}`;
    case "Expired":
      return `${what} is genuine, but its batch expired on ${formatTime(found.view!.expiresAt)}. Do not dispense it.${sold}`;
  }
}

function unitParams(definition: ConfigurableTaskDefinition): ConfigurableTaskDefinition {
  return definition
    .addOptionalParam("unit", "The unit's GS1 Digital Link URI (https://…/01/<GTIN>/10/<lot>/21/<serial>)")
    .addOptionalParam("batch", "The batch, when not giving --unit: <GTIN>/<lot>, a Digital Link URI or 0x id")
    .addOptionalParam("serial", "The unit's serial as printed, with --batch")
    .addOptionalParam("proofs", "The folder of the maker's proof files (<folder>/<gtin>/<lot>/<shard>/<serial>.json)");
}

function unitJson(ref: UnitRef, proof: UnitProofFile | undefined) {
  return {
    gtin: formatGtin(ref.gtin),
    lot: ref.lot,
    serial: ref.serial,
    batchId: ref.batchId,
    index: proof?.index ?? null,
  };
}

unitParams(readTask("unit", "Tells whether one pack (unit serial) is genuine and may be dispensed"))
  .addOptionalPositionalParam("code", "The unit's Digital Link URI, as an alternative to --unit")
  .setAction(
    run<UnitArgs & { code?: string }>(false, async (args, client) => {
      if (args.code !== undefined && args.unit !== undefined)
        throw new InputError("give the unit's Digital Link once: as --unit or alone");
      const ref = await unitRef(client, { ...args, unit: args.unit ?? args.code });
      const found = await findUnit(client, ref, args.proofs);
      const reports =
        found.view === undefined
          ? [0n, 0n]
          : await client.serials.cloneReportsOf(ref.batchId).then((r) => [r[0], r[1]]);
      const message = verdict(client, ref, found);
      const lines = [message];
      if (reports[0] > 0n) {
        lines.push(
          `Codes of this batch were reported seen twice ${n(reports[0])} times (${n(reports[1])} by members).`,
        );
      }
      show(
        args,
        {
          ...unitJson(ref, found.proof),
          status: found.status,
          genuine: !["Unknown", "NotInBatch"].includes(found.status),
          mayDispense: found.status === "Released",
          dispensed: found.dispensed,
          maker: found.view === undefined ? null : nameOf(client, found.view.makerOrgId),
          expiresAt: found.view === undefined ? null : Number(found.view.expiresAt),
          cloneReports: Number(reports[0]),
          cloneReportsFromMembers: Number(reports[1]),
          message,
        },
        lines,
      );
    }),
  );

// ------------------------------------------------------------------ committing a batch's serials

interface CommitArgs extends SendArgs {
  batch?: string;
  file?: string;
  column?: string;
  out?: string;
}

/** Strips a CSV cell's quotes ("a""b" → a"b). */
function cell(text: string): string {
  const t = text.trim();
  return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1).replace(/""/g, '"') : t;
}

/**
 * The serials of a file, in unit order: one per line, or the column `column` of a CSV file (a column name, the first
 * line being the header, or a number from 1 when the file has no header). Blank lines and lines starting with # are
 * skipped.
 */
function readSerials(file: string, column: string | undefined): string[] {
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) throw new InputError(`serials file ${file} does not exist`);
  const lines = fs
    .readFileSync(file, "utf8")
    .split(/\r?\n/)
    .filter((line) => line.trim() !== "" && !line.trim().startsWith("#"));
  if (column === undefined) {
    if (/\.(csv|tsv)$/i.test(file)) throw new InputError(`${file} is a table: name the serials' column with --column`);
    return lines.map((line) => line.trim());
  }
  if (lines.length === 0) throw new InputError(`serials file ${file} holds no serials`);
  const delimiter = [",", ";", "\t"].find((d) => lines[0].includes(d)) ?? ",";
  const split = (line: string) => line.split(delimiter).map(cell);
  let at: number;
  let rows = lines;
  if (/^\d+$/.test(column.trim())) {
    at = Number(column) - 1;
    if (at < 0) throw new InputError(`--column ${column}: columns are numbered from 1`);
  } else {
    const header = split(lines[0]);
    at = header.findIndex((name) => name.toLowerCase() === column.trim().toLowerCase());
    if (at < 0) throw new InputError(`${file} has no column "${column}" (its columns: ${header.join(", ")})`);
    rows = lines.slice(1);
  }
  return rows.map((line, i) => {
    const value = split(line)[at];
    if (value === undefined) throw new InputError(`${file}: row ${i + 1} has no column ${column}`);
    return value;
  });
}

memberTask("serials:commit", "The batch's maker commits its unit serials and writes one proof file per unit")
  .addOptionalParam("batch", "The batch: <GTIN>/<lot>, a Digital Link URI or 0x id")
  .addOptionalParam("file", "The serials in unit order: a text file (one per line) or a CSV file with --column")
  .addOptionalParam("column", "The CSV column holding the serials: its header name, or its number from 1 (no header)")
  .addOptionalParam("out", "The folder to write the proof files into (the batch's folder must not exist yet)")
  .setAction(
    run<CommitArgs>(true, async (args, client) => {
      await loadSerials();
      const batch = await resolveBatch(client, args.batch);
      if (batch.lot === "")
        throw new InputError(`batch ${args.batch}: its lot cannot be read from the ledger; give <GTIN>/<lot>`);
      if (args.file === undefined)
        throw new InputError("--file is required: the serials, one per line or a CSV column");
      if (args.out === undefined || args.out.trim() === "")
        throw new InputError("--out is required: the folder for the proof files");
      const org = await client.actingOrg(roleMask(BusinessRole.Supplier, BusinessRole.Manufacturer), WHERE);
      if (BigInt(batch.view.makerOrgId) !== org.id) {
        throw new InputError(
          `${org.name} is not the maker of batch ${batchName(batch)}: ${nameOf(client, batch.view.makerOrgId)} is`,
        );
      }
      const committed = await client.serials.commitmentOf(batch.batchId);
      if (committed !== ethers.ZeroHash || batch.view.serialised) {
        throw new InputError(`Batch ${batchName(batch)} already has committed serials: they are committed once`);
      }
      await client.requireNotPaused("commit serials");
      const serials = readSerials(args.file, args.column);
      let tree: SerialTree;
      try {
        tree = S.SerialTree.build(batch.gtin, batch.lot, serials);
      } catch (error) {
        throw new InputError(`${args.file}: ${(error as Error).message}`);
      }
      const folder = path.join(args.out, formatGtin(batch.gtin), S.pathSegment(batch.lot));
      if (fs.existsSync(folder))
        throw new InputError(`proof files of batch ${batchName(batch)} exist already in ${folder}`);

      const receipt = await client.send(`commit ${n(tree.count)} serials of batch ${batchName(batch)}`, () =>
        client.serials.commitSerials(batch.batchId, tree.root, tree.count),
      );
      const written = await S.writeProofFiles(tree, args.out);
      const lines = [
        `Committed ${n(tree.count)} unit serials of batch ${batchName(batch)} for ${org.name} (root ${tree.root}).`,
        `Wrote ${n(written.files)} proof files (${n(written.bytes)} bytes) to ${written.folder}: publish them for the verification page.`,
        `From now on the batch is dispensed unit by unit (serials:dispense). Transaction ${receipt.hash}.`,
      ];
      if (BigInt(tree.count) !== batch.view.commissioned) {
        lines.splice(
          1,
          0,
          `Note: the batch was commissioned with ${n(batch.view.commissioned)} units; ${n(tree.count)} serials were committed.`,
        );
      }
      show(
        args,
        {
          transaction: receipt.hash,
          batchId: batch.batchId,
          gtin: formatGtin(batch.gtin),
          lot: batch.lot,
          root: tree.root,
          count: tree.count,
          commitment: S.commitmentOf(tree.root, tree.count),
          proofFolder: written.folder,
          files: written.files,
          bytes: written.bytes,
        },
        lines,
      );
    }),
  );

// ------------------------------------------------------------------ dispensing and clone reports

/** Refuses unless a genuine unit was found (its proof in the folder and on chain). */
function requireGenuine(ref: UnitRef, found: UnitFinding, what: string): UnitProofFile {
  if (found.status === "Unknown") throw new InputError(`${ref.label}: the ledger has no such batch — ${what}`);
  if (found.proof === undefined) {
    throw new InputError(
      `${ref.label} has no proof file in the proof folder: the maker published no such unit — ${what}`,
    );
  }
  if (found.status === "NotInBatch")
    throw new InputError(`${ref.label} is not a unit of its batch (its proof does not verify) — ${what}`);
  return found.proof;
}

interface DispenseArgs extends UnitArgs {
  reference?: string;
}

unitParams(memberTask("serials:dispense", "A hospital or pharmacy dispenses one unit of a serialised batch"))
  .addOptionalParam(
    "reference",
    "The prescription or sale reference: a file, a text or a 0x hash (never personal data)",
  )
  .setAction(
    run<DispenseArgs>(true, async (args, client) => {
      const ref = await unitRef(client, args);
      const referenceHash = parseDocument(args.reference, "--reference");
      const found = await findUnit(client, ref, args.proofs);
      const proof = requireGenuine(ref, found, "do not dispense this pack: it may be counterfeit");
      if (found.status === "Dispensed") {
        throw new InputError(
          `${ref.label} was already dispensed: this pack is a copy or was scanned twice — do not dispense it, report it with serials:report-clone`,
        );
      }
      if (found.status !== "Released") {
        throw new InputError(`${ref.label}: its batch is ${found.status}, so its units may not be dispensed`);
      }
      const org = await client.actingOrg(roleMask(BusinessRole.Hospital, BusinessRole.Retailer), WHERE);
      const holding = await client.ledger.holdingOf(ref.batchId, org.id);
      if (holding === 0n) {
        throw new InputError(
          `${org.name} holds no units of batch ${formatGtin(ref.gtin)}/${ref.lot}: it can only dispense what it holds`,
        );
      }
      const receipt = await client.send(`dispense ${ref.label}`, () =>
        client.serials.dispense(S.unitOf(proof), referenceHash, proof.proof),
      );
      show(
        args,
        {
          transaction: receipt.hash,
          ...unitJson(ref, proof),
          status: "Dispensed",
          referenceHash,
          holding: Number(holding - 1n),
        },
        [
          `Dispensed ${ref.label} (unit ${n(proof.index)}) by ${org.name}; ${n(holding - 1n)} units of the batch left there.`,
          `Any other pack with this code is now a copy. Transaction ${receipt.hash}.`,
        ],
      );
    }),
  );

interface CloneArgs extends UnitArgs {
  place?: string;
  evidence?: string;
  block: boolean;
  reason?: string;
}

unitParams(
  memberTask("serials:report-clone", "Anyone reports a unit code seen twice; a regulator may block the batch too"),
)
  .addOptionalParam("place", "Where it was seen: the site's GLN (13 digits) or a free-form site reference")
  .addOptionalParam("evidence", "The evidence (photos, receipts): a file, a text or a 0x hash; never personal data")
  .addFlag("block", "Regulators only: block the batch as suspect in the same transaction (needs --reason)")
  .addOptionalParam("reason", "With --block: the regulator's written reasons (a file, a text or a 0x hash)")
  .setAction(
    run<CloneArgs>(true, async (args, client) => {
      const ref = await unitRef(client, args);
      if (args.place === undefined || args.place.trim() === "") {
        throw new InputError("--place is required: the GLN of the site where the code was seen, or a site reference");
      }
      const place = /^\d{13}$/.test(args.place.trim())
        ? ethers.zeroPadValue(ethers.toBeHex(parseGln(args.place, "--place")), 32)
        : documentHash(args.place.trim());
      const evidenceHash = parseDocument(args.evidence, "--evidence");
      if (!args.block && args.reason !== undefined)
        throw new InputError("--reason goes with --block (regulators blocking the batch)");
      const reasonHash = args.block ? parseDocument(args.reason, "--reason") : undefined;
      const found = await findUnit(client, ref, args.proofs);
      const proof = requireGenuine(
        ref,
        found,
        "only a genuine code can be reported as cloned; tell the regulator about a suspect counterfeit",
      );
      const report = { unit: S.unitOf(proof), place, evidenceHash };
      let receipt;
      if (args.block) {
        await client.requireRegulator("block a batch");
        if (found.view!.blocked)
          throw new InputError(`Batch ${formatGtin(ref.gtin)}/${ref.lot} is blocked already: report without --block`);
        receipt = await client.send(`report ${ref.label} as cloned and block its batch`, () =>
          client.serials.reportCloneAndBlock(report, proof.proof, reasonHash!),
        );
      } else {
        receipt = await client.send(`report ${ref.label} as cloned`, () =>
          client.serials.reportClone(report, proof.proof),
        );
      }
      const [event] = await client.serials.queryFilter(client.serials.filters.CloneReported(), receipt.blockNumber);
      const [reports, fromMembers] = await client.serials.cloneReportsOf(ref.batchId);
      const lines = [
        `Reported ${ref.label} (unit ${n(proof.index)}) as seen twice${event.args.reporterOrgId > 0n ? ` for ${nameOf(client, event.args.reporterOrgId)}` : ""}.`,
        `The batch now has ${n(reports)} clone report${reports === 1n ? "" : "s"} (${n(fromMembers)} by members).`,
      ];
      if (args.block) lines.push(`The batch is now blocked as suspect: none of its units may be dispensed or shipped.`);
      lines.push(`Transaction ${receipt.hash}.`);
      show(
        args,
        {
          transaction: receipt.hash,
          ...unitJson(ref, proof),
          place,
          evidenceHash,
          reporterOrgId: Number(event.args.reporterOrgId),
          blocked: args.block,
          cloneReports: Number(reports),
          cloneReportsFromMembers: Number(fromMembers),
        },
        lines,
      );
    }),
  );
