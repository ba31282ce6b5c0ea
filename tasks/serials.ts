/**
 * Unit serial tasks: `unit` tells anyone — a pharmacist at the counter, a patient — whether one pack is genuine and
 * may be dispensed, from its Digital Link code and the maker's proof folder; the maker commits a batch's serials and
 * writes the proof files (`serials:commit`); hospitals and pharmacies dispense unit by unit (`serials:dispense`);
 * anyone reports a code seen twice, and a regulator may block the batch in the same step (`serials:report-clone`).
 *
 * The small helpers every member task of this file, tasks/adverse.ts and tasks/readings.ts share are exported from
 * here (`cli`). Modules are loaded inside the actions: Hardhat reads this file before the contracts' bindings exist.
 */
import fs from "node:fs";
import path from "node:path";
import { task } from "hardhat/config";
import type { ConfigurableTaskDefinition, HardhatRuntimeEnvironment } from "hardhat/types";
import type { BaseContract, ContractTransactionReceipt, LogDescription } from "ethers";
import type { MedAllianceClient, Organisation, ResolvedBatch } from "../scripts/client/client";
import type { SerialTree, UnitProofFile } from "../scripts/lib/serials";

async function loadLibs() {
  const [ethers, codes, taskLib, output, trace, alliance, gs1, errors, serials] = await Promise.all([
    import("ethers"),
    import("../scripts/client/codes"),
    import("../scripts/client/task"),
    import("../scripts/client/output"),
    import("../scripts/lib/trace"),
    import("../scripts/lib/alliance"),
    import("../scripts/lib/gs1"),
    import("../scripts/client/errors"),
    import("../scripts/lib/serials"),
  ]);
  return { ethers: ethers.ethers, codes, taskLib, output, trace, alliance, gs1, errors, serials };
}

export type Libs = Awaited<ReturnType<typeof loadLibs>>;
let L: Libs;

export interface Common {
  registry?: string;
  json: boolean;
  from?: string;
}

/** Role bits as the contracts use them (contracts/alliance/AllianceTypes.sol, `Roles`). */
export const ROLE = {
  SUPPLIER: 1 << 1,
  MANUFACTURER: 1 << 2,
  LOGISTICS: 1 << 3,
  DISTRIBUTOR: 1 << 4,
  HOSPITAL: 1 << 5,
  RETAILER: 1 << 6,
  AGENCY: 1 << 7,
};
export const MAKERS = ROLE.SUPPLIER | ROLE.MANUFACTURER;

/** Refuses bad input before anything is sent: one line, exit code 1. */
export function fail(message: string): never {
  throw new L.codes.InputError(message);
}

/** Helpers shared by the serials, adverse and readings tasks. */
export const cli = {
  /** A task with `--registry` and `--json`, and `--from` when it signs. */
  define(name: string, description: string, signs: boolean): ConfigurableTaskDefinition {
    const definition = task(name, description)
      .addOptionalParam("registry", "AllianceRegistry address (default: this network's deployment)", undefined)
      .addFlag("json", "Print one JSON document for scripts");
    if (!signs) return definition;
    return definition.addOptionalParam(
      "from",
      "Who signs: address, account index, or organisation name (default: account 0)",
      undefined,
    );
  },

  /** Runs a task's body with a client (signing when `signs`); bad input and refusals become one line, exit code 1. */
  run<A extends Common>(
    signs: boolean,
    body: (args: A, client: MedAllianceClient, libs: Libs, hre: HardhatRuntimeEnvironment) => Promise<void>,
  ) {
    return async (args: A, hre: HardhatRuntimeEnvironment) => {
      L = await loadLibs();
      await L.taskLib.action<A>(async (a, h) => {
        const client = signs ? await L.taskLib.sendClient(h, a) : await L.taskLib.readClient(h, a);
        await client.organisations();
        await body(a, client, L, h);
      })(args, hre);
    };
  },

  /** A number with thousands separators. */
  n(value: bigint | number | string): string {
    return BigInt(value).toLocaleString("en-US");
  },

  orgName(client: MedAllianceClient, id: bigint | number | string): string {
    return client.orgName(BigInt(id)) ?? `organisation ${id}`;
  },

  /** "GTIN/lot" of a batch, or its short id when the lot is not known. */
  batchName(batch: { gtin: bigint; lot: string; batchId: string }): string {
    return batch.lot === "" ? L.codes.shortId(batch.batchId) : `${L.gs1.formatGtin(batch.gtin)}/${batch.lot}`;
  },

  /** A batch as people name it; an unknown one is refused in a sentence. */
  async batch(client: MedAllianceClient, text: string | undefined, label = "batch"): Promise<ResolvedBatch> {
    if (text === undefined || text.trim() === "")
      fail(`${label} is required: a Digital Link URI, <GTIN>/<lot> or 0x id`);
    try {
      return await client.resolveBatch(text, label);
    } catch (error) {
      const data = L.errors.revertDataOf(error);
      if (data !== undefined && L.errors.decodeRevertData(data)?.name === "LedgerUnknownBatch") {
        fail(`${label} ${text}: the ledger has no such batch`);
      }
      throw error;
    }
  },

  /**
   * A document as its hash: a 0x hash as given, the bytes of an existing file, or else the text itself (a reason or
   * reference written on the command line). Documents themselves never go on chain.
   */
  document(text: string | undefined, label: string): string {
    if (text === undefined || text.trim() === "") fail(`${label} is required: a file, a text or a 0x hash`);
    if (/^0x[0-9a-fA-F]{64}$/.test(text)) {
      if (/^0x0{64}$/.test(text)) fail(`${label} may not be the zero hash`);
      return text.toLowerCase();
    }
    if (fs.existsSync(text) && fs.statSync(text).isFile()) return L.ethers.keccak256(fs.readFileSync(text));
    return L.alliance.documentHash(text);
  },

  /** The sender's organisation, when its account may act now in one of the roles of `mask`. */
  async acting(client: MedAllianceClient, mask: number, what: string): Promise<Organisation & { mask: number }> {
    const account = await client.sender.getAddress();
    const org = await client.senderOrg();
    const [orgId, roles] = await client.registry.permittedOrganisation(account, mask);
    if (orgId !== 0n) return { ...org, mask: Number(roles) };
    if (org.status !== L.alliance.OrganisationStatus.Active) {
      fail(`${org.name} is ${org.statusName.toLowerCase()}: it may not ${what}`);
    }
    if (org.licenceExpiry <= BigInt(await client.now())) {
      fail(`${org.name}'s licence expired on ${L.codes.formatTime(org.licenceExpiry)}: it may not ${what}`);
    }
    const [, kind] = await client.registry.membershipOf(account);
    if (Number(kind) === L.alliance.AccountKind.Device) {
      fail(`Account ${account} is a device of ${org.name}: devices only sign readings`);
    }
    fail(`${org.name} is not admitted as ${L.alliance.roleNames(mask).join(" or ")}`);
  },

  async isRegulator(client: MedAllianceClient, account: string): Promise<boolean> {
    return client.registry.hasRole(L.alliance.REGULATOR_ROLE, account);
  },

  async requireRegulator(client: MedAllianceClient, what: string): Promise<string> {
    const account = await client.sender.getAddress();
    if (!(await cli.isRegulator(client, account)))
      fail(`Account ${account} is not a regulator: only regulators ${what}`);
    return account;
  },

  /** The events `name` a contract emitted in a transaction. */
  events(receipt: ContractTransactionReceipt, contract: BaseContract, name: string): LogDescription[] {
    const address = String(contract.target).toLowerCase();
    return receipt.logs
      .filter((log) => log.address.toLowerCase() === address)
      .map((log) => contract.interface.parseLog(log))
      .filter((parsed): parsed is LogDescription => parsed?.name === name);
  },

  /** Prints the JSON document or the sentences. */
  show(args: { json: boolean }, document: Record<string, unknown>, lines: string[]): void {
    if (args.json) L.output.printJson(document);
    else for (const line of lines) console.log(line);
  },
};

const { n } = cli;

// ------------------------------------------------------------------ units and their proof files

interface UnitArgs extends Common {
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
  let gtin: bigint;
  let lotText: string;
  let serialText: string;
  if (args.unit !== undefined) {
    if (args.batch !== undefined || args.serial !== undefined) {
      fail("name the unit either by its Digital Link URI (--unit) or by --batch and --serial, not both");
    }
    const link = L.codes.parseDigitalLink(args.unit);
    if (link.lot === undefined || link.serial === undefined) {
      fail(`"${args.unit}" names no unit: a unit's Digital Link has /01/<GTIN>/10/<lot>/21/<serial>`);
    }
    [gtin, lotText, serialText] = [link.gtin, link.lot, link.serial];
  } else {
    if (args.batch === undefined || args.serial === undefined) {
      fail(
        "name the unit by its Digital Link URI (--unit https://…/01/<GTIN>/10/<lot>/21/<serial>) or --batch and --serial",
      );
    }
    serialText = L.codes.parseSerial(args.serial);
    if (/^0x[0-9a-fA-F]{64}$/.test(args.batch.trim())) {
      const batch = await cli.batch(client, args.batch);
      if (batch.lot === "") fail(`batch ${args.batch}: its lot cannot be read from the ledger; give <GTIN>/<lot>`);
      [gtin, lotText] = [batch.gtin, batch.lot];
    } else if (/^[a-z]+:\/\//i.test(args.batch.trim())) {
      const link = L.codes.parseDigitalLink(args.batch.trim());
      if (link.lot === undefined) fail(`batch "${args.batch}" names a product but no lot (/10/<lot>)`);
      [gtin, lotText] = [link.gtin, link.lot];
    } else {
      const slash = args.batch.indexOf("/");
      if (slash < 0) fail(`batch "${args.batch}": give a Digital Link URI, <GTIN>/<lot> or a 0x batch id`);
      gtin = L.codes.parseGtin(args.batch.slice(0, slash), "batch GTIN");
      lotText = args.batch.slice(slash + 1);
    }
  }
  const batchId = L.trace.batchIdOf(gtin, L.codes.parseLot(lotText));
  return {
    gtin,
    lot: lotText,
    serial: serialText,
    batchId,
    label: `serial ${serialText} of batch ${L.gs1.formatGtin(gtin)}/${lotText}`,
  };
}

/**
 * The unit's proof file in the folder `--proofs` (the layout `writeProofFiles` writes); undefined when the batch's
 * folder is there but holds no file for this serial — the maker published no such unit.
 */
function proofFor(dir: string | undefined, ref: UnitRef): UnitProofFile | undefined {
  if (dir === undefined || dir.trim() === "") fail("--proofs is required: the folder of the maker's proof files");
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) fail(`proof folder ${dir} does not exist`);
  const batchFolder = path.join(dir, L.gs1.formatGtin(ref.gtin), L.serials.pathSegment(ref.lot));
  if (!fs.existsSync(batchFolder)) {
    fail(`proof folder ${dir} holds no proof files of batch ${L.gs1.formatGtin(ref.gtin)}/${ref.lot}`);
  }
  const file = path.join(dir, L.serials.proofPath(ref.gtin, ref.lot, ref.serial));
  if (!fs.existsSync(file)) return undefined;
  let proof: UnitProofFile;
  try {
    proof = L.serials.readProofFile(dir, ref.gtin, ref.lot, ref.serial);
  } catch (error) {
    fail(`proof file ${file} cannot be read: ${(error as Error).message}`);
  }
  if (proof.batchId.toLowerCase() !== ref.batchId || proof.serial !== ref.serial) {
    fail(`proof file ${file} is not the proof of ${ref.label}: it names serial ${proof.serial} of another batch`);
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
  if (Number(await client.ledger.batchStatus(ref.batchId)) === L.trace.BatchStatus.Unknown) {
    return { status: "Unknown", dispensed: false };
  }
  const view = await client.ledger.batch(ref.batchId);
  const proof = proofFor(proofs, ref);
  if (proof === undefined) return { status: "NotInBatch", dispensed: false, view };
  const unit = L.serials.unitOf(proof);
  const status = await client.read("read the unit's status", () => client.serials.unitStatus(unit, proof.proof));
  const dispensed = await client.serials.isDispensed(ref.batchId, unit.index);
  return { status: L.serials.UnitStatus[Number(status)] as UnitStatusName, dispensed, proof, view };
}

/** A pharmacist's sentence for a unit's status. */
function verdict(client: MedAllianceClient, ref: UnitRef, found: UnitFinding): string {
  const what = `Serial ${ref.serial} of batch ${L.gs1.formatGtin(ref.gtin)}/${ref.lot}`;
  const maker = found.view === undefined ? "" : cli.orgName(client, found.view.makerOrgId);
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
        `${maker}, released for use until ${L.codes.formatTime(found.view!.expiresAt)}. It may be dispensed.`
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
      return `${what} is genuine, but its batch expired on ${L.codes.formatTime(found.view!.expiresAt)}. Do not dispense it.${sold}`;
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
    gtin: L.gs1.formatGtin(ref.gtin),
    lot: ref.lot,
    serial: ref.serial,
    batchId: ref.batchId,
    index: proof?.index ?? null,
  };
}

unitParams(cli.define("unit", "Tells whether one pack (unit serial) is genuine and may be dispensed", false))
  .addOptionalPositionalParam("code", "The unit's Digital Link URI, as an alternative to --unit")
  .setAction(
    cli.run<UnitArgs & { code?: string }>(false, async (args, client) => {
      if (args.code !== undefined && args.unit !== undefined)
        fail("give the unit's Digital Link once: as --unit or alone");
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
      cli.show(
        args,
        {
          ...unitJson(ref, found.proof),
          status: found.status,
          genuine: !["Unknown", "NotInBatch"].includes(found.status),
          mayDispense: found.status === "Released",
          dispensed: found.dispensed,
          maker: found.view === undefined ? null : cli.orgName(client, found.view.makerOrgId),
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

interface CommitArgs extends Common {
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
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) fail(`serials file ${file} does not exist`);
  const lines = fs
    .readFileSync(file, "utf8")
    .split(/\r?\n/)
    .filter((line) => line.trim() !== "" && !line.trim().startsWith("#"));
  if (column === undefined) {
    if (/\.(csv|tsv)$/i.test(file)) fail(`${file} is a table: name the serials' column with --column`);
    return lines.map((line) => line.trim());
  }
  if (lines.length === 0) fail(`serials file ${file} holds no serials`);
  const delimiter = [",", ";", "\t"].find((d) => lines[0].includes(d)) ?? ",";
  const split = (line: string) => line.split(delimiter).map(cell);
  let at: number;
  let rows = lines;
  if (/^\d+$/.test(column.trim())) {
    at = Number(column) - 1;
    if (at < 0) fail(`--column ${column}: columns are numbered from 1`);
  } else {
    const header = split(lines[0]);
    at = header.findIndex((name) => name.toLowerCase() === column.trim().toLowerCase());
    if (at < 0) fail(`${file} has no column "${column}" (its columns: ${header.join(", ")})`);
    rows = lines.slice(1);
  }
  return rows.map((line, i) => {
    const value = split(line)[at];
    if (value === undefined) fail(`${file}: row ${i + 1} has no column ${column}`);
    return value;
  });
}

cli
  .define("serials:commit", "The batch's maker commits its unit serials and writes one proof file per unit", true)
  .addOptionalParam("batch", "The batch: <GTIN>/<lot>, a Digital Link URI or 0x id")
  .addOptionalParam("file", "The serials in unit order: a text file (one per line) or a CSV file with --column")
  .addOptionalParam("column", "The CSV column holding the serials: its header name, or its number from 1 (no header)")
  .addOptionalParam("out", "The folder to write the proof files into (the batch's folder must not exist yet)")
  .setAction(
    cli.run<CommitArgs>(true, async (args, client) => {
      const batch = await cli.batch(client, args.batch);
      if (batch.lot === "") fail(`batch ${args.batch}: its lot cannot be read from the ledger; give <GTIN>/<lot>`);
      if (args.file === undefined) fail("--file is required: the serials, one per line or a CSV column");
      if (args.out === undefined || args.out.trim() === "") fail("--out is required: the folder for the proof files");
      const org = await cli.acting(client, MAKERS, "commit serials");
      if (BigInt(batch.view.makerOrgId) !== org.id) {
        fail(
          `${org.name} is not the maker of batch ${cli.batchName(batch)}: ${cli.orgName(client, batch.view.makerOrgId)} is`,
        );
      }
      const committed = await client.serials.commitmentOf(batch.batchId);
      if (committed !== L.ethers.ZeroHash || batch.view.serialised) {
        fail(`Batch ${cli.batchName(batch)} already has committed serials: they are committed once`);
      }
      if (await client.registry.paused()) {
        fail("The alliance is paused: serials are committed again once the guardians or the governor resume it");
      }
      const serials = readSerials(args.file, args.column);
      let tree: SerialTree;
      try {
        tree = L.serials.SerialTree.build(batch.gtin, batch.lot, serials);
      } catch (error) {
        fail(`${args.file}: ${(error as Error).message}`);
      }
      const folder = path.join(args.out, L.gs1.formatGtin(batch.gtin), L.serials.pathSegment(batch.lot));
      if (fs.existsSync(folder)) fail(`proof files of batch ${cli.batchName(batch)} exist already in ${folder}`);

      const receipt = await client.send(`commit ${n(tree.count)} serials of batch ${cli.batchName(batch)}`, () =>
        client.serials.commitSerials(batch.batchId, tree.root, tree.count),
      );
      const written = await L.serials.writeProofFiles(tree, args.out);
      const lines = [
        `Committed ${n(tree.count)} unit serials of batch ${cli.batchName(batch)} for ${org.name} (root ${tree.root}).`,
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
      cli.show(
        args,
        {
          transaction: receipt.hash,
          batchId: batch.batchId,
          gtin: L.gs1.formatGtin(batch.gtin),
          lot: batch.lot,
          root: tree.root,
          count: tree.count,
          commitment: L.serials.commitmentOf(tree.root, tree.count),
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
  if (found.status === "Unknown") fail(`${ref.label}: the ledger has no such batch — ${what}`);
  if (found.proof === undefined) {
    fail(`${ref.label} has no proof file in the proof folder: the maker published no such unit — ${what}`);
  }
  if (found.status === "NotInBatch")
    fail(`${ref.label} is not a unit of its batch (its proof does not verify) — ${what}`);
  return found.proof;
}

interface DispenseArgs extends UnitArgs {
  reference?: string;
}

unitParams(cli.define("serials:dispense", "A hospital or pharmacy dispenses one unit of a serialised batch", true))
  .addOptionalParam(
    "reference",
    "The prescription or sale reference: a file, a text or a 0x hash (never personal data)",
  )
  .setAction(
    cli.run<DispenseArgs>(true, async (args, client) => {
      const ref = await unitRef(client, args);
      const referenceHash = cli.document(args.reference, "--reference");
      const found = await findUnit(client, ref, args.proofs);
      const proof = requireGenuine(ref, found, "do not dispense this pack: it may be counterfeit");
      if (found.status === "Dispensed") {
        fail(
          `${ref.label} was already dispensed: this pack is a copy or was scanned twice — do not dispense it, report it with serials:report-clone`,
        );
      }
      if (found.status !== "Released") {
        fail(`${ref.label}: its batch is ${found.status}, so its units may not be dispensed`);
      }
      const org = await cli.acting(client, ROLE.HOSPITAL | ROLE.RETAILER, "dispense");
      const holding = await client.ledger.holdingOf(ref.batchId, org.id);
      if (holding === 0n) {
        fail(
          `${org.name} holds no units of batch ${L.gs1.formatGtin(ref.gtin)}/${ref.lot}: it can only dispense what it holds`,
        );
      }
      const receipt = await client.send(`dispense ${ref.label}`, () =>
        client.serials.dispense(L.serials.unitOf(proof), referenceHash, proof.proof),
      );
      cli.show(
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
  cli.define(
    "serials:report-clone",
    "Anyone reports a unit code seen twice; a regulator may block the batch too",
    true,
  ),
)
  .addOptionalParam("place", "Where it was seen: the site's GLN (13 digits) or a free-form site reference")
  .addOptionalParam("evidence", "The evidence (photos, receipts): a file, a text or a 0x hash; never personal data")
  .addFlag("block", "Regulators only: block the batch as suspect in the same transaction (needs --reason)")
  .addOptionalParam("reason", "With --block: the regulator's written reasons (a file, a text or a 0x hash)")
  .setAction(
    cli.run<CloneArgs>(true, async (args, client) => {
      const ref = await unitRef(client, args);
      if (args.place === undefined || args.place.trim() === "") {
        fail("--place is required: the GLN of the site where the code was seen, or a site reference");
      }
      const place = /^\d{13}$/.test(args.place.trim())
        ? L.ethers.zeroPadValue(L.ethers.toBeHex(L.codes.parseGln(args.place, "--place")), 32)
        : L.alliance.documentHash(args.place.trim());
      const evidenceHash = cli.document(args.evidence, "--evidence");
      if (!args.block && args.reason !== undefined) fail("--reason goes with --block (regulators blocking the batch)");
      const reasonHash = args.block ? cli.document(args.reason, "--reason") : undefined;
      const found = await findUnit(client, ref, args.proofs);
      const proof = requireGenuine(
        ref,
        found,
        "only a genuine code can be reported as cloned; tell the regulator about a suspect counterfeit",
      );
      const report = { unit: L.serials.unitOf(proof), place, evidenceHash };
      let receipt;
      if (args.block) {
        await cli.requireRegulator(client, "block a batch");
        if (found.view!.blocked)
          fail(`Batch ${L.gs1.formatGtin(ref.gtin)}/${ref.lot} is blocked already: report without --block`);
        receipt = await client.send(`report ${ref.label} as cloned and block its batch`, () =>
          client.serials.reportCloneAndBlock(report, proof.proof, reasonHash!),
        );
      } else {
        receipt = await client.send(`report ${ref.label} as cloned`, () =>
          client.serials.reportClone(report, proof.proof),
        );
      }
      const event = cli.events(receipt, client.serials, "CloneReported")[0];
      const [reports, fromMembers] = await client.serials.cloneReportsOf(ref.batchId);
      const lines = [
        `Reported ${ref.label} (unit ${n(proof.index)}) as seen twice${event.args.reporterOrgId > 0n ? ` for ${cli.orgName(client, event.args.reporterOrgId)}` : ""}.`,
        `The batch now has ${n(reports)} clone report${reports === 1n ? "" : "s"} (${n(fromMembers)} by members).`,
      ];
      if (args.block) lines.push(`The batch is now blocked as suspect: none of its units may be dispensed or shipped.`);
      lines.push(`Transaction ${receipt.hash}.`);
      cli.show(
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
