/**
 * Ledger tasks: a batch's provenance (`trace`), what waits for and what is held by an organisation, and every batch
 * and custody action members and regulators take on the BatchLedger — commissioning, inspections, release, shipping
 * and its steps, dispensing, destruction, recalls, blocks, notes, corrections and cold-chain holds.
 *
 * Modules are loaded inside the actions: Hardhat reads this file before the contracts' bindings exist.
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { ContractTransactionReceipt, LogDescription } from "ethers";
import type { MedAllianceClient, Organisation, ResolvedBatch } from "../scripts/client/client";
import type { IBatchLedger } from "../typechain-types";
import { cliTask, documentHashArg, requireRegulator, runTask, type Common } from "./alliance";

/** The libraries the alliance tasks load, and those of histories and lineage. */
async function loadLibs(shared: import("./alliance").Libs) {
  const [history, lineage, errors] = await Promise.all([
    import("../scripts/lib/history"),
    import("../scripts/lib/lineage"),
    import("../scripts/client/errors"),
  ]);
  return { ...shared, history, lineage, errors };
}

let L: Awaited<ReturnType<typeof loadLibs>>;

type Shipment = IBatchLedger.ShipmentStruct;

/** Role bits as the contracts use them (contracts/alliance/AllianceTypes.sol, `Roles`). */
const ROLE = {
  SUPPLIER: 1 << 1,
  MANUFACTURER: 1 << 2,
  LOGISTICS: 1 << 3,
  DISTRIBUTOR: 1 << 4,
  HOSPITAL: 1 << 5,
  RETAILER: 1 << 6,
  AGENCY: 1 << 7,
};
const MAKERS = ROLE.SUPPLIER | ROLE.MANUFACTURER;
const HOLDERS = MAKERS | ROLE.LOGISTICS | ROLE.DISTRIBUTOR | ROLE.HOSPITAL | ROLE.RETAILER | ROLE.AGENCY;
const MAX_INPUTS = 16;
const MAX_RECALL_BATCHES = 50;
const MAX_QUANTITY = 2 ** 40 - 1;

/** Runs a task's body with a client (signing as `--from` when `signs`); bad input and refusals become one line. */
function run<A extends Common>(
  signs: boolean,
  body: (args: A, client: MedAllianceClient, hre: HardhatRuntimeEnvironment) => Promise<void>,
) {
  return runTask<A>(signs, async (args, client, libs, hre) => {
    L = await loadLibs(libs);
    await body(args, client, hre);
  });
}

// ------------------------------------------------------------------ small helpers

function fail(message: string): never {
  throw new L.codes.InputError(message);
}

const n = (value: bigint | number | string) => BigInt(value).toLocaleString("en-US");

function batchName(batch: { gtin: bigint; lot: string; batchId: string }): string {
  return batch.lot === "" ? L.codes.shortId(batch.batchId) : `${L.gs1.formatGtin(batch.gtin)}/${batch.lot}`;
}

function statusName(value: bigint | number): string {
  return L.trace.BatchStatus[Number(value)];
}

function shipmentStatusName(value: bigint | number): string {
  return L.trace.ShipmentStatus[Number(value)];
}

function orgName(client: MedAllianceClient, id: bigint | number | string): string {
  return client.orgName(BigInt(id)) ?? `organisation ${id}`;
}

function quantityArg(text: string | undefined, label: string): bigint {
  if (text === undefined) fail(`${label} is required`);
  return BigInt(L.codes.parseQuantity(text, label, MAX_QUANTITY));
}

async function isRegulator(client: MedAllianceClient, account: string): Promise<boolean> {
  return client.registry.hasRole(L.alliance.REGULATOR_ROLE, account);
}

/** The sender's organisation, when its account may act now in one of the roles of `mask`. */
async function actingOrg(client: MedAllianceClient, mask: number): Promise<Organisation & { mask: number }> {
  const account = await client.sender.getAddress();
  const org = await client.senderOrg();
  const [orgId, roles] = await client.registry.permittedOrganisation(account, mask);
  if (orgId !== 0n) return { ...org, mask: Number(roles) };
  if (org.status !== L.alliance.OrganisationStatus.Active) {
    fail(`${org.name} is ${org.statusName.toLowerCase()}: it may not act on the ledger`);
  }
  if (org.licenceExpiry <= BigInt(await client.now())) {
    fail(`${org.name}'s licence expired on ${L.codes.formatTime(org.licenceExpiry)}: it may not act on the ledger`);
  }
  const [, kind] = await client.registry.membershipOf(account);
  if (Number(kind) === L.alliance.AccountKind.Device)
    fail(`Account ${account} is a device of ${org.name}: devices only sign readings`);
  fail(`${org.name} is not admitted as ${L.alliance.roleNames(mask).join(" or ")}`);
}

/** A site of an organisation: its index ("0") or its GLN; the first site by default. */
async function siteArg(
  client: MedAllianceClient,
  org: Organisation,
  text: string | undefined,
  label: string,
): Promise<{ index: bigint; gln: bigint }> {
  const sites = await client.registry.sitesOf(org.id);
  if (sites.length === 0) fail(`${org.name} has no registered site`);
  if (text === undefined || /^\d{1,4}$/.test(text.trim())) {
    const index = Number(text ?? 0);
    if (index >= sites.length) {
      fail(
        `${label} ${index}: ${org.name} has ${sites.length} site${sites.length === 1 ? "" : "s"} (0 to ${sites.length - 1})`,
      );
    }
    return { index: BigInt(index), gln: sites[index] };
  }
  const gln = L.codes.parseGln(text, label);
  const index = sites.indexOf(gln);
  if (index < 0) fail(`${label} ${text} is not a site of ${org.name}`);
  return { index: BigInt(index), gln };
}

/**
 * A batch as people name it (client.resolveBatch); an id the ledger does not know is refused in a sentence, as any
 * other unknown batch.
 */
async function findBatch(client: MedAllianceClient, text: string, label = "batch"): Promise<ResolvedBatch> {
  try {
    return await client.resolveBatch(text, label);
  } catch (error) {
    const data = L.errors.revertDataOf(error);
    if (data !== undefined && L.errors.decodeRevertData(data)?.name === "LedgerUnknownBatch") {
      fail(`${label} ${text}: the ledger has no such batch`);
    }
    throw error;
  }
}

function gln(value: bigint): string {
  return value.toString().padStart(13, "0");
}

/** The roles a sender holding `roles` may ship to (the README's route table), as the ledger computes them. */
function routes(roles: number): number {
  const care = ROLE.AGENCY | ROLE.HOSPITAL | ROLE.RETAILER;
  const trade = ROLE.DISTRIBUTOR | ROLE.LOGISTICS | care;
  let allowed = 0;
  if (roles & ROLE.SUPPLIER) allowed |= MAKERS | ROLE.DISTRIBUTOR | ROLE.LOGISTICS;
  if (roles & (ROLE.MANUFACTURER | ROLE.LOGISTICS)) allowed |= ROLE.MANUFACTURER | trade;
  if (roles & (ROLE.DISTRIBUTOR | ROLE.AGENCY)) allowed |= trade;
  if (roles & ROLE.HOSPITAL) allowed |= ROLE.HOSPITAL | ROLE.AGENCY;
  return allowed;
}

async function holdingOf(client: MedAllianceClient, batch: ResolvedBatch, org: Organisation): Promise<bigint> {
  return client.ledger.holdingOf(batch.batchId, org.id);
}

async function requireHolding(client: MedAllianceClient, batch: ResolvedBatch, org: Organisation, wanted: bigint) {
  const holding = await holdingOf(client, batch, org);
  if (holding < wanted) {
    fail(`Batch ${L.codes.shortId(batch.batchId)} holds ${n(holding)} units at ${org.name}; ${n(wanted)} requested`);
  }
  return holding;
}

/** A shipment by id: its fields (from the Shipped event) and current state. */
async function shipmentArg(client: MedAllianceClient, text: string) {
  const shipment = await client.findShipment(text);
  const id = L.codes.parseBytes32(text, "shipment");
  const state = await client.ledger.shipmentState(id);
  const batch = await findBatch(client, String(shipment.batchId));
  return { id, shipment, state, batch, status: shipmentStatusName(state.status) };
}

type Found = Awaited<ReturnType<typeof shipmentArg>>;

function requireShipmentStatus(found: Found, allowed: number[], what: string): void {
  if (!allowed.includes(Number(found.state.status))) {
    fail(`Shipment ${L.codes.shortId(found.id)} is ${found.status}: ${what}`);
  }
}

function requireParty(client: MedAllianceClient, found: Found, org: Organisation, side: "from" | "to" | "carrier") {
  const field = side === "from" ? "fromOrgId" : side === "to" ? "toOrgId" : "carrierOrgId";
  const party = BigInt(found.shipment[field]);
  const word = side === "from" ? "sender" : side === "to" ? "recipient" : "carrier";
  if (party !== org.id) {
    fail(`${org.name} is not the ${word} of shipment ${L.codes.shortId(found.id)} (${orgName(client, party)} is)`);
  }
}

function describeShipment(client: MedAllianceClient, found: Found): string {
  const s = found.shipment;
  return (
    `${n(BigInt(s.quantity))} units of ${batchName(found.batch)} from ${orgName(client, s.fromOrgId)} to ` +
    `${orgName(client, s.toOrgId)}`
  );
}

/** The event `name` the ledger emitted in a transaction. */
function ledgerEvents(client: MedAllianceClient, receipt: ContractTransactionReceipt, name: string): LogDescription[] {
  const ledger = client.ledger;
  const found: LogDescription[] = [];
  for (const log of receipt.logs) {
    if (log.address.toLowerCase() !== ledger.target.toString().toLowerCase()) continue;
    const parsed = ledger.interface.parseLog(log);
    if (parsed?.name === name) found.push(parsed);
  }
  return found;
}

/** Prints the JSON document, or the sentences. */
function report(args: Common, document: Record<string, unknown>, lines: string[]): void {
  if (args.json) L.output.printJson(document);
  else for (const line of lines) console.log(line);
}

const ARRIVING = [1, 2, 3]; // InTransit, PickedUp, Delivered
const HELD = 4;
const OPEN_NOT_HELD = [1, 2, 3, 6]; // InTransit, PickedUp, Delivered, Refused

// ------------------------------------------------------------------ read-only

interface TraceArgs extends Common {
  batch: string;
}

cliTask("trace", "A batch's provenance: every history record, holdings, lineage, and the proof of its history", false)
  .addPositionalParam("batch", 'The batch: "<GTIN>/<lot>", a Digital Link URI, or its 0x id')
  .setAction(
    run<TraceArgs>(false, async (args, client) => {
      const batch = await findBatch(client, args.batch);
      const timeline = await readTimeline(client, batch);
      if (args.json) {
        L.output.printJson(timeline);
        return;
      }
      const v = batch.view;
      console.log(`Batch ${batchName(batch)} (${batch.batchId})`);
      console.log(
        `  made by ${orgName(client, v.makerOrgId)}: ${n(v.commissioned)} units, expires ${L.codes.formatTime(v.expiresAt)}`,
      );
      console.log(
        `  status ${timeline.status}` +
          (v.status === BigInt(L.trace.BatchStatus.OnHold) ? ` (hold until ${L.codes.formatTime(v.holdUntil)})` : "") +
          `; latest inspection ${L.trace.Inspection[Number(v.inspection)]}` +
          (v.serialised ? "; unit serials committed" : "") +
          (timeline.openExcursions > 0 ? `; ${timeline.openExcursions} shipment(s) held after an excursion` : ""),
      );
      console.log("\nHistory:");
      L.output.printTable(
        timeline.records.map((r) => ({
          "#": r.index,
          time: L.codes.formatTime(r.timestamp),
          record: r.kind,
          by: r.organisation,
          details: r.details,
        })),
        "No records.",
      );
      console.log("\nHoldings:");
      L.output.printTable(
        timeline.holdings.map((h) => ({ organisation: h.organisation, quantity: BigInt(h.quantity) })),
        "Nobody holds any of this batch.",
      );
      const o = timeline.outflows;
      console.log(
        `In transit ${n(BigInt(timeline.inTransit))}; dispensed ${n(BigInt(o.dispensed))}, destroyed ` +
          `${n(BigInt(o.destroyed))}, lost in transit ${n(BigInt(o.lost))}, used as input ${n(BigInt(timeline.consumed))}.`,
      );
      console.log("\nMade from:");
      L.output.printTable(
        timeline.inputs.map((i) => ({ batch: i.batch, status: i.status, quantity: BigInt(i.quantity), id: i.batchId })),
        "No input batches.",
      );
      console.log("\nBatches made from it:");
      L.output.printTable(
        timeline.madeInto.map((m) => ({ batch: m.batch, status: m.status, id: m.batchId })),
        "None.",
      );
      console.log("");
      console.log(
        timeline.proven
          ? `PROVEN: the ${timeline.records.length} records rebuild the ledger's head ${timeline.head}.`
          : `NOT PROVEN: ${timeline.problem} (ledger head ${timeline.head}).`,
      );
    }),
  );

/** Everything `trace` shows, as its JSON. */
async function readTimeline(client: MedAllianceClient, batch: ResolvedBatch) {
  const ledger = client.ledger;
  const from = client.system.fromBlock;
  const id = batch.batchId;
  const entries = await L.history.fetchHistory(ledger, id, { fromBlock: from });
  const proof = await L.history.proveHistory(ledger, id, entries);

  // Shipments of the batch, by id.
  const shipments = new Map<string, Shipment>();
  for (const event of await ledger.queryFilter(ledger.filters.Shipped(undefined, id), from)) {
    shipments.set(event.args.shipmentId, event.args.shipment);
  }
  // Each transaction's ledger events, to decode what the records' hashes stand for.
  const eventsByTx = new Map<string, LogDescription[]>();
  for (const entry of entries) {
    if (eventsByTx.has(entry.transactionHash)) continue;
    const receipt = await client.provider.getTransactionReceipt(entry.transactionHash);
    const parsed: LogDescription[] = [];
    for (const log of receipt?.logs ?? []) {
      if (log.address.toLowerCase() !== ledger.target.toString().toLowerCase()) continue;
      const p = ledger.interface.parseLog(log);
      if (p !== null) parsed.push(p);
    }
    eventsByTx.set(entry.transactionHash, parsed);
  }
  const actors = new Map<string, { orgId: bigint; name: string }>();
  const actorOf = async (account: string) => {
    let actor = actors.get(account);
    if (actor === undefined) {
      const [orgId, kind] = await client.registry.membershipOf(account);
      const short = `${account.slice(0, 6)}…${account.slice(-4)}`;
      const name =
        orgId !== 0n
          ? orgName(client, orgId) + (Number(kind) === L.alliance.AccountKind.Device ? ` (device ${short})` : "")
          : (await isRegulator(client, account))
            ? `regulator ${short}`
            : `account ${short}`;
      actor = { orgId, name };
      actors.set(account, actor);
    }
    return actor;
  };
  const names = new Map<string, string>();
  const nameOf = async (batchId: string) => {
    let name = names.get(batchId);
    if (name === undefined) {
      const other = await findBatch(client, batchId);
      name = batchName(other);
      names.set(batchId, name);
    }
    return name;
  };

  const records = [];
  let consumed = 0n;
  for (const [index, entry] of entries.entries()) {
    const events = eventsByTx.get(entry.transactionHash) ?? [];
    const decoded = await decodeRecord(client, batch, entry, events, shipments, nameOf);
    if (entry.kind === L.trace.RecordKind.ConsumedAsInput && decoded.quantity !== undefined) {
      consumed += BigInt(decoded.quantity);
    }
    const actor = await actorOf(entry.actor);
    records.push({
      index,
      timestamp: Number(entry.timestamp),
      kind: L.trace.RecordKind[entry.kind],
      actor: entry.actor,
      actorOrgId: actor.orgId === 0n ? undefined : actor.orgId,
      organisation: actor.name,
      dataHash: entry.dataHash,
      transaction: entry.transactionHash,
      block: entry.blockNumber,
      ...decoded.fields,
      details: decoded.text,
    });
  }

  // Holdings: the maker and every organisation the batch was shipped to.
  const holders = new Set<bigint>([batch.view.makerOrgId]);
  let inTransit = 0n;
  for (const [shipmentId, s] of shipments) {
    holders.add(BigInt(s.toOrgId));
    const state = await ledger.shipmentState(shipmentId);
    if (OPEN_NOT_HELD.includes(Number(state.status)) || Number(state.status) === HELD) inTransit += BigInt(s.quantity);
  }
  const holdings = [];
  for (const orgId of holders) {
    const quantity = await ledger.holdingOf(id, orgId);
    if (quantity > 0n) holdings.push({ orgId, organisation: orgName(client, orgId), quantity });
  }

  // Lineage: the inputs it was made from, and every batch made from it (directly or through others).
  const inputs = [];
  const [commissioned] = await ledger.queryFilter(ledger.filters.BatchCommissioned(id), from);
  for (const input of commissioned?.args.request.inputs ?? []) {
    inputs.push({
      batchId: input.batchId,
      batch: await nameOf(input.batchId),
      status: statusName(await ledger.batchStatus(input.batchId)),
      quantity: input.quantity,
    });
  }
  const madeInto = [];
  for (const output of await L.lineage.batchesMadeFrom(ledger, id, { fromBlock: from })) {
    madeInto.push({
      batchId: output,
      batch: await nameOf(output),
      status: statusName(await ledger.batchStatus(output)),
    });
  }
  const outflows = await ledger.outflowsOf(id);
  return {
    batchId: id,
    gtin: L.gs1.formatGtin(batch.gtin),
    lot: batch.lot,
    status: statusName(batch.view.status),
    maker: { orgId: batch.view.makerOrgId, organisation: orgName(client, batch.view.makerOrgId) },
    commissioned: batch.view.commissioned,
    expiresAt: Number(batch.view.expiresAt),
    holdUntil: Number(batch.view.holdUntil),
    inspection: L.trace.Inspection[Number(batch.view.inspection)],
    serialised: batch.view.serialised,
    openExcursions: Number(await ledger.openExcursionsOf(id)),
    holdings,
    inTransit,
    outflows: { dispensed: outflows.dispensed, destroyed: outflows.destroyed, lost: outflows.lost },
    consumed,
    records,
    inputs,
    madeInto,
    proven: proof.valid,
    head: proof.onChainHead,
    recordCount: proof.onChainCount,
    problem: proof.problem,
  };
}

interface Decoded {
  text: string;
  quantity?: bigint;
  fields: Record<string, unknown>;
}

/** What a record's data hash stands for, from the ledger events of its transaction. */
async function decodeRecord(
  client: MedAllianceClient,
  batch: ResolvedBatch,
  entry: import("../scripts/lib/history").HistoryEntry,
  events: LogDescription[],
  shipments: Map<string, Shipment>,
  nameOf: (batchId: string) => Promise<string>,
): Promise<Decoded> {
  const K = L.trace.RecordKind;
  const coder = L.ethers.AbiCoder.defaultAbiCoder();
  const hash = (types: string[], values: unknown[]) => L.ethers.keccak256(coder.encode(types, values));
  const short = L.codes.shortId;
  const route = (s: Shipment) =>
    `${n(BigInt(s.quantity))} units ${orgName(client, s.fromOrgId)} → ${orgName(client, s.toOrgId)}`;
  const byName = (name: string) => events.filter((e) => e.name === name);
  const id = batch.batchId;
  switch (entry.kind) {
    case K.Commissioned: {
      const event = byName("BatchCommissioned").find((e) => e.args.batchId === id);
      if (event === undefined) return { text: "commissioned", fields: {} };
      const r = event.args.request;
      const inputs = r.inputs.length === 0 ? "" : `, from ${r.inputs.length} input batch(es)`;
      return {
        text: `${n(r.quantity)} units at site ${gln(event.args.gln)}, produced ${L.codes.formatTime(r.producedAt)}${inputs}`,
        quantity: r.quantity,
        fields: { quantity: r.quantity, gln: gln(event.args.gln), docURI: r.docURI },
      };
    }
    case K.ConsumedAsInput: {
      for (const event of byName("BatchCommissioned")) {
        for (const input of event.args.request.inputs) {
          if (input.batchId !== id) continue;
          if (hash(["bytes32", "uint256"], [event.args.batchId, input.quantity]) !== entry.dataHash) continue;
          return {
            text: `${n(input.quantity)} units used to make ${await nameOf(event.args.batchId)}`,
            quantity: input.quantity,
            fields: { quantity: input.quantity, outputBatchId: event.args.batchId },
          };
        }
      }
      return { text: "used as an input", fields: {} };
    }
    case K.Shipped: {
      const s = shipments.get(entry.dataHash);
      if (s === undefined) return { text: `shipment ${short(entry.dataHash)}`, fields: { shipmentId: entry.dataHash } };
      return {
        text: `${route(s)}, carrier ${orgName(client, s.carrierOrgId)}, site ${gln(BigInt(s.fromGln))} → ${gln(BigInt(s.toGln))}; shipment ${entry.dataHash}`,
        fields: { shipmentId: entry.dataHash, quantity: s.quantity, toOrgId: s.toOrgId, carrierOrgId: s.carrierOrgId },
      };
    }
    case K.PickedUp:
    case K.Delivered:
    case K.Returned:
    case K.Reclaimed: {
      const s = shipments.get(entry.dataHash);
      const text = `shipment ${short(entry.dataHash)}` + (s === undefined ? "" : `: ${route(s)}`);
      return { text, fields: { shipmentId: entry.dataHash } };
    }
    case K.Received: {
      for (const event of byName("Received")) {
        const { shipmentId, quantityReceived, goodCondition } = event.args;
        if (hash(["bytes32", "uint256", "bool"], [shipmentId, quantityReceived, goodCondition]) !== entry.dataHash) {
          continue;
        }
        const shipped = BigInt(shipments.get(shipmentId)?.quantity ?? quantityReceived);
        const lost = shipped - BigInt(quantityReceived);
        return {
          text:
            `${n(quantityReceived)} of ${n(shipped)} units received ${goodCondition ? "in good condition" : "damaged"}` +
            (lost > 0n ? `, ${n(lost)} lost in transit` : "") +
            `; shipment ${short(shipmentId)}`,
          fields: { shipmentId, quantityReceived, goodCondition },
        };
      }
      return { text: "received", fields: {} };
    }
    case K.Refused:
    case K.Held: {
      const status = entry.kind === K.Refused ? L.trace.ShipmentStatus.Refused : L.trace.ShipmentStatus.Held;
      const event = byName("ShipmentUpdated").find((e) => Number(e.args.status) === status);
      const shipmentId: string | undefined = event?.args.shipmentId;
      const what = entry.kind === K.Refused ? "refused" : "held after a cold-chain excursion";
      return { text: `shipment ${shipmentId === undefined ? "?" : short(shipmentId)} ${what}`, fields: { shipmentId } };
    }
    case K.Settled: {
      const event = byName("ShipmentSettled").find(
        (e) =>
          hash(["bytes32", "uint256", "bytes32"], [e.args.shipmentId, e.args.quantityReceived, e.args.reasonHash]) ===
          entry.dataHash,
      );
      if (event === undefined) return { text: "settled", fields: {} };
      const shipped = BigInt(shipments.get(event.args.shipmentId)?.quantity ?? event.args.quantityReceived);
      return {
        text: `shipment ${short(event.args.shipmentId)} settled: ${n(event.args.quantityReceived)} of ${n(shipped)} units received`,
        fields: { shipmentId: event.args.shipmentId, quantityReceived: event.args.quantityReceived },
      };
    }
    case K.HoldCleared: {
      const settled = byName("ShipmentSettled")[0];
      const updated = byName("ShipmentUpdated")[0];
      const shipmentId: string | undefined = settled?.args.shipmentId ?? updated?.args.shipmentId;
      const outcome =
        settled !== undefined ? "goods destroyed" : `goods fit, ${shipmentStatusName(updated?.args.status ?? 0)} again`;
      return {
        text: `hold on shipment ${shipmentId === undefined ? "?" : short(shipmentId)} cleared: ${outcome}`,
        fields: { shipmentId, destroyed: settled !== undefined },
      };
    }
    case K.Dispensed:
    case K.Destroyed: {
      const name = entry.kind === K.Dispensed ? "Dispensed" : "Destroyed";
      const key = entry.kind === K.Dispensed ? "referenceHash" : "reasonHash";
      const event = byName(name).find(
        (e) => e.args.batchId === id && hash(["uint256", "bytes32"], [e.args.quantity, e.args[key]]) === entry.dataHash,
      );
      if (event === undefined) return { text: name.toLowerCase(), fields: {} };
      return {
        text: `${n(event.args.quantity)} units ${name.toLowerCase()} at ${orgName(client, event.args.orgId)}`,
        quantity: event.args.quantity,
        fields: { quantity: event.args.quantity, orgId: event.args.orgId },
      };
    }
    case K.Recalled: {
      const event = byName("BatchRecalled").find((e) => e.args.batchId === id);
      const recallClass = event === undefined ? undefined : Number(event.args.recallClass);
      return { text: recallClass === undefined ? "recalled" : `class ${recallClass} recall`, fields: { recallClass } };
    }
    case K.InspectionPassed:
    case K.InspectionFailed:
      return { text: `report ${short(entry.dataHash)}`, fields: {} };
    case K.Note:
      return { text: `note ${short(entry.dataHash)}`, fields: {} };
    case K.Released:
      return { text: `released early by a regulator; reasons ${short(entry.dataHash)}`, fields: {} };
    case K.Blocked:
    case K.Unblocked:
      return { text: `reasons ${short(entry.dataHash)}`, fields: {} };
    case K.Correction:
      return { text: "corrects the record before it", fields: {} };
    case K.SerialsCommitted:
      return { text: "unit serials committed", fields: {} };
    case K.Reading:
      return { text: `signed field reading ${short(entry.dataHash)}`, fields: {} };
    default:
      return { text: short(entry.dataHash), fields: {} };
  }
}

interface OrgArgs extends Common {
  org: string;
  carrying: boolean;
}

cliTask("ledger:incoming", "Shipments waiting for an organisation: on their way or delivered to it", false)
  .addParam("org", "The organisation, by id or name")
  .addFlag("carrying", "Instead, shipments the organisation carries that wait for its pick-up, delivery or return")
  .setAction(
    run<OrgArgs>(false, async (args, client) => {
      const org = await client.resolveOrg(args.org, "--org");
      const ledger = client.ledger;
      const filter = args.carrying ? ledger.filters.Shipped() : ledger.filters.Shipped(undefined, undefined, org.id);
      const waiting = args.carrying ? [1, 2, 6] : [1, 2, 3, 4];
      const next: Record<number, string> = { 1: "pick up", 2: "deliver", 6: "return to sender" };
      const shipments = [];
      for (const event of await ledger.queryFilter(filter, client.system.fromBlock)) {
        const s = event.args.shipment;
        if (args.carrying && s.carrierOrgId !== org.id) continue;
        const state = await ledger.shipmentState(event.args.shipmentId);
        if (!waiting.includes(Number(state.status))) continue;
        const batch = await findBatch(client, s.batchId);
        shipments.push({
          shipmentId: event.args.shipmentId,
          batchId: s.batchId,
          batch: batchName(batch),
          quantity: s.quantity,
          fromOrgId: s.fromOrgId,
          from: orgName(client, s.fromOrgId),
          toOrgId: s.toOrgId,
          to: orgName(client, s.toOrgId),
          carrierOrgId: s.carrierOrgId,
          carrier: orgName(client, s.carrierOrgId),
          toGln: gln(s.toGln),
          status: shipmentStatusName(state.status),
          shippedAt: Number(state.shippedAt),
          deliveredAt: Number(state.deliveredAt),
          next: args.carrying ? next[Number(state.status)] : undefined,
        });
      }
      if (args.json) {
        L.output.printJson({ orgId: org.id, organisation: org.name, carrying: args.carrying, shipments });
        return;
      }
      console.log(
        args.carrying
          ? `Shipments ${org.name} carries that wait for it: ${shipments.length}`
          : `Shipments waiting for ${org.name}: ${shipments.length}`,
      );
      L.output.printTable(
        shipments.map((s) => ({
          shipment: s.shipmentId,
          batch: s.batch,
          quantity: BigInt(s.quantity),
          ...(args.carrying ? { from: s.from, to: s.to, next: s.next } : { from: s.from, carrier: s.carrier }),
          status: s.status,
          shipped: L.codes.formatTime(s.shippedAt),
        })),
        "None.",
      );
    }),
  );

cliTask("ledger:holdings", "What an organisation holds: every batch with a holding, its status and expiry", false)
  .addParam("org", "The organisation, by id or name")
  .setAction(
    run<OrgArgs>(false, async (args, client) => {
      const org = await client.resolveOrg(args.org, "--org");
      const ledger = client.ledger;
      const from = client.system.fromBlock;
      const candidates = new Set<string>();
      for (const e of await ledger.queryFilter(ledger.filters.BatchCommissioned(undefined, undefined, org.id), from)) {
        candidates.add(e.args.batchId);
      }
      for (const e of await ledger.queryFilter(ledger.filters.Shipped(undefined, undefined, org.id), from)) {
        candidates.add(e.args.batchId);
      }
      const holdings = [];
      for (const batchId of candidates) {
        const quantity = await ledger.holdingOf(batchId, org.id);
        if (quantity === 0n) continue;
        const batch = await findBatch(client, batchId);
        holdings.push({
          batchId,
          gtin: L.gs1.formatGtin(batch.gtin),
          lot: batch.lot,
          quantity,
          status: statusName(batch.view.status),
          expiresAt: Number(batch.view.expiresAt),
        });
      }
      if (args.json) {
        L.output.printJson({ orgId: org.id, organisation: org.name, holdings });
        return;
      }
      console.log(`${org.name} holds ${holdings.length} batch${holdings.length === 1 ? "" : "es"}:`);
      L.output.printTable(
        holdings.map((h) => ({
          batch: `${h.gtin}/${h.lot}`,
          quantity: BigInt(h.quantity),
          status: h.status,
          expires: L.codes.formatTime(h.expiresAt),
          id: h.batchId,
        })),
        "Nothing.",
      );
    }),
  );

// ------------------------------------------------------------------ batches

interface CommissionArgs extends Common {
  gtin: string;
  lot: string;
  quantity: string;
  produced?: string;
  expires: string;
  site?: string;
  doc: string;
  docUri?: string;
  inputs?: string;
}

cliTask("ledger:commission", "The product's maker commissions a batch (on hold until released)", true)
  .addParam("gtin", "The product's GTIN as printed")
  .addParam("lot", "The lot as printed (1 to 20 characters)")
  .addParam("quantity", "Quantity, in the product's unit")
  .addOptionalParam("produced", "Production date (2026-11-20, or now by default); not in the future", undefined)
  .addParam("expires", 'Expiry date ("2029-11-30" or "+156w"); in the future')
  .addOptionalParam("site", "The maker's site: index or GLN (default: its first site)", undefined)
  .addParam("doc", "The batch record: a file, a text or its 0x hash")
  .addOptionalParam("docUri", "Where the batch record can be read", "")
  .addOptionalParam("inputs", 'Input batches consumed: "<batch>:<quantity>", comma-separated', undefined)
  .setAction(
    run<CommissionArgs>(true, async (args, client) => {
      const org = await actingOrg(client, MAKERS);
      const gtin = L.codes.parseGtin(args.gtin, "--gtin");
      const product = await client.catalog
        .product(gtin)
        .catch(() => fail(`--gtin ${args.gtin}: no product has this GTIN in the catalog`));
      const productStatus = L.trace.ProductStatus[Number(product.status)];
      if (product.makerOrgId !== org.id) {
        fail(`Product ${L.gs1.formatGtin(gtin)} is made by ${orgName(client, product.makerOrgId)}, not ${org.name}`);
      }
      if (Number(product.status) !== L.trace.ProductStatus.Approved) {
        fail(`Product ${L.gs1.formatGtin(gtin)} is ${productStatus}: only approved products are commissioned`);
      }
      const lot = L.codes.parseLot(args.lot);
      const batchId = L.trace.batchIdOf(gtin, lot);
      if (Number(await client.ledger.batchStatus(batchId)) !== L.trace.BatchStatus.Unknown) {
        fail(`Batch ${L.gs1.formatGtin(gtin)}/${args.lot} already exists: a lot is used once per GTIN`);
      }
      const quantity = quantityArg(args.quantity, "--quantity");
      const now = await client.now();
      const producedAt =
        args.produced === undefined ? now : L.codes.parseTime(args.produced, now, { label: "--produced" });
      if (producedAt > now)
        fail(`--produced ${L.codes.formatTime(producedAt)} is in the future (now is ${L.codes.formatTime(now)})`);
      const expiresAt = L.codes.parseTime(args.expires, now, { label: "--expires", future: true });
      const site = await siteArg(client, org, args.site, "--site");
      const docHash = documentHashArg(args.doc, "--doc");
      const inputs: { batchId: string; quantity: bigint; name: string }[] = [];
      const items = args.inputs === undefined || args.inputs.trim() === "" ? [] : args.inputs.split(",");
      if (items.length > MAX_INPUTS) fail(`--inputs lists ${items.length} batches: at most ${MAX_INPUTS}`);
      const wanted = new Map<string, bigint>();
      for (const item of items) {
        const colon = item.lastIndexOf(":");
        if (colon < 0) fail(`--inputs "${item.trim()}" is not "<batch>:<quantity>"`);
        const input = await findBatch(client, item.slice(0, colon).trim(), "input");
        const inputQuantity = quantityArg(item.slice(colon + 1).trim(), `input ${batchName(input)} quantity`);
        const inputStatus = statusName(input.view.status);
        if (inputStatus !== "Released") {
          fail(`Input ${batchName(input)} is ${inputStatus}: only Released batches are used as inputs`);
        }
        const total = (wanted.get(input.batchId) ?? 0n) + inputQuantity;
        wanted.set(input.batchId, total);
        await requireHolding(client, input, org, total);
        inputs.push({ batchId: input.batchId, quantity: inputQuantity, name: batchName(input) });
      }
      const request = {
        gtin,
        lot,
        quantity,
        producedAt,
        expiresAt,
        site: site.index,
        docHash,
        docURI: args.docUri ?? "",
        inputs: inputs.map((i) => ({ batchId: i.batchId, quantity: i.quantity })),
      };
      const what = `commission ${n(quantity)} units of ${L.gs1.formatGtin(gtin)}/${args.lot}`;
      const receipt = await client.send(what, () => client.ledger.commission(request));
      const [event] = ledgerEvents(client, receipt, "BatchCommissioned");
      const created = await findBatch(client, event.args.batchId);
      report(
        args,
        {
          transaction: receipt.hash,
          batchId: created.batchId,
          gtin: L.gs1.formatGtin(gtin),
          lot: args.lot,
          quantity,
          site: gln(site.gln),
          producedAt,
          expiresAt,
          docHash,
          status: statusName(created.view.status),
          holdUntil: Number(created.view.holdUntil),
          inputs: inputs.map((i) => ({ batchId: i.batchId, quantity: i.quantity })),
        },
        [
          `${org.name} commissioned batch ${L.gs1.formatGtin(gtin)}/${args.lot}: ${n(quantity)} units at site ` +
            `${gln(site.gln)}, expiring ${L.codes.formatTime(expiresAt)}` +
            (inputs.length === 0 ? "." : `, from ${inputs.map((i) => `${n(i.quantity)} of ${i.name}`).join(", ")}.`),
          `Batch id ${created.batchId}; it is ${statusName(created.view.status)} until ` +
            `${L.codes.formatTime(created.view.holdUntil)} and a passed inspection, or a regulator's early release.`,
          `Transaction ${receipt.hash}`,
        ],
      );
    }),
  );

interface BatchArgs extends Common {
  batch: string;
}

/** The maker's account (MANUFACTURER or SUPPLIER of the batch's maker) or a regulator, as `record` checks. */
async function makerOrRegulator(
  client: MedAllianceClient,
  batch: ResolvedBatch,
  allowHolder: boolean,
  what: string,
): Promise<string> {
  const account = await client.sender.getAddress();
  if (await isRegulator(client, account)) return "a regulator";
  const org = await actingOrg(client, HOLDERS);
  const maker = BigInt(batch.view.makerOrgId);
  if (org.id === maker && (org.mask & MAKERS) !== 0) return org.name;
  if (allowHolder && (await holdingOf(client, batch, org)) > 0n) return org.name;
  fail(
    `${org.name} ${allowHolder ? "neither made nor holds" : "did not make"} batch ${batchName(batch)}: only ` +
      `${allowHolder ? "its maker, a holder" : "its maker"} or a regulator ${what}`,
  );
}

async function sendRecord(
  args: Common,
  client: MedAllianceClient,
  batch: ResolvedBatch,
  kind: number,
  dataHash: string,
  what: string,
  said: (by: string, status: string) => string,
  by: string,
  extra: Record<string, unknown> = {},
) {
  const receipt = await client.send(what, () => client.ledger.record({ batchId: batch.batchId, kind, dataHash }));
  const status = statusName(await client.ledger.batchStatus(batch.batchId));
  report(
    args,
    { transaction: receipt.hash, batchId: batch.batchId, kind: L.trace.RecordKind[kind], dataHash, status, ...extra },
    [said(by, status), `Transaction ${receipt.hash}`],
  );
}

interface InspectArgs extends BatchArgs {
  result: string;
  report: string;
}

cliTask("ledger:inspect", "The maker or a regulator records an inspection: passed or failed, with its report", true)
  .addParam("batch", 'The batch: "<GTIN>/<lot>", a Digital Link URI, or its 0x id')
  .addParam("result", '"pass" or "fail"')
  .addParam("report", "The inspection report: a file, a text or its 0x hash")
  .setAction(
    run<InspectArgs>(true, async (args, client) => {
      const result = args.result.trim().toLowerCase();
      const passed = ["pass", "passed"].includes(result);
      if (!passed && !["fail", "failed"].includes(result)) fail(`--result "${args.result}" is "pass" or "fail"`);
      const batch = await findBatch(client, args.batch);
      const by = await makerOrRegulator(client, batch, false, "records its inspections");
      const kind = passed ? L.trace.RecordKind.InspectionPassed : L.trace.RecordKind.InspectionFailed;
      await sendRecord(
        args,
        client,
        batch,
        kind,
        documentHashArg(args.report, "--report"),
        `record the inspection of ${batchName(batch)}`,
        (who, status) =>
          `${who === "a regulator" ? "A regulator" : who} recorded a ${passed ? "passed" : "failed"} inspection of ` +
          `batch ${batchName(batch)}; it is now ${status}.`,
        by,
        { result: passed ? "passed" : "failed" },
      );
    }),
  );

interface NoteArgs extends BatchArgs {
  doc: string;
}

cliTask("ledger:note", "The maker, a holder or a regulator appends a note document to a batch's history", true)
  .addParam("batch", 'The batch: "<GTIN>/<lot>", a Digital Link URI, or its 0x id')
  .addParam("doc", "The note: a file, a text or its 0x hash")
  .setAction(
    run<NoteArgs>(true, async (args, client) => {
      const batch = await findBatch(client, args.batch);
      const by = await makerOrRegulator(client, batch, true, "add notes to it");
      await sendRecord(
        args,
        client,
        batch,
        L.trace.RecordKind.Note,
        documentHashArg(args.doc, "--doc"),
        `add a note to ${batchName(batch)}`,
        (who) => `${who === "a regulator" ? "A regulator" : who} added a note to batch ${batchName(batch)}.`,
        by,
      );
    }),
  );

interface ReasonArgs extends BatchArgs {
  reason: string;
}

/** A regulator's decision on a batch (early release, block, unblock). */
function regulatorBatchTask(
  name: string,
  description: string,
  check: (batch: ResolvedBatch) => void,
  call: (
    client: MedAllianceClient,
    batchId: string,
    reason: string,
  ) => Promise<import("ethers").ContractTransactionResponse>,
  words: { verb: string; past: string; rule: string },
) {
  cliTask(name, description, true)
    .addParam("batch", 'The batch: "<GTIN>/<lot>", a Digital Link URI, or its 0x id')
    .addParam("reason", "The written reasons: a file, a text or their 0x hash")
    .setAction(
      run<ReasonArgs>(true, async (args, client) => {
        const batch = await findBatch(client, args.batch);
        await requireRegulator(client, words.rule);
        check(batch);
        const reasonHash = documentHashArg(args.reason, "--reason");
        const receipt = await client.send(`${words.verb} batch ${batchName(batch)}`, () =>
          call(client, batch.batchId, reasonHash),
        );
        const status = statusName(await client.ledger.batchStatus(batch.batchId));
        report(args, { transaction: receipt.hash, batchId: batch.batchId, reasonHash, status }, [
          `A regulator ${words.past} batch ${batchName(batch)}: it is now ${status}.`,
          `Transaction ${receipt.hash}`,
        ]);
      }),
    );
}

regulatorBatchTask(
  "ledger:release-early",
  "A regulator releases a batch on hold before its hold period ends or without an inspection",
  (batch) => {
    const status = statusName(batch.view.status);
    if (status !== "OnHold") fail(`Batch ${batchName(batch)} is ${status}: only a batch on hold is released early`);
  },
  (client, batchId, reason) => client.ledger.releaseEarly(batchId, reason),
  { verb: "release", past: "released early", rule: "release batches early" },
);

regulatorBatchTask(
  "ledger:block",
  "A regulator blocks a batch: it cannot be released, shipped (but back to its maker) or used until unblocked",
  (batch) => {
    if (batch.view.blocked) fail(`Batch ${batchName(batch)} is already blocked`);
  },
  (client, batchId, reason) => client.ledger.blockBatch(batchId, reason),
  { verb: "block", past: "blocked", rule: "block batches" },
);

regulatorBatchTask(
  "ledger:unblock",
  "A regulator lifts a block",
  (batch) => {
    if (!batch.view.blocked) fail(`Batch ${batchName(batch)} is not blocked (it is ${statusName(batch.view.status)})`);
  },
  (client, batchId, reason) => client.ledger.unblockBatch(batchId, reason),
  { verb: "unblock", past: "unblocked", rule: "unblock batches" },
);

interface RecallArgs extends Common {
  batches: string[];
  class: string;
  reason: string;
}

cliTask("ledger:recall", "A regulator, or the maker for its own batches, recalls one or more batches", true)
  .addParam("class", "Recall class: 1 (most serious), 2 or 3")
  .addParam("reason", "The written reasons: a file, a text or their 0x hash")
  .addVariadicPositionalParam("batches", 'The batches: "<GTIN>/<lot>", Digital Link URIs or 0x ids (up to 50)')
  .setAction(
    run<RecallArgs>(true, async (args, client) => {
      if (!/^[123]$/.test(args.class.trim())) fail(`--class ${args.class}: a recall class is 1, 2 or 3`);
      const recallClass = Number(args.class);
      if (args.batches.length > MAX_RECALL_BATCHES) {
        fail(`${args.batches.length} batches named: at most ${MAX_RECALL_BATCHES} are recalled at once`);
      }
      const account = await client.sender.getAddress();
      const regulator = await isRegulator(client, account);
      const org = regulator ? undefined : await actingOrg(client, MAKERS);
      const batches: ResolvedBatch[] = [];
      for (const text of args.batches) {
        const batch = await findBatch(client, text);
        if (batches.some((b) => b.batchId === batch.batchId)) fail(`Batch ${batchName(batch)} is named twice`);
        if (org !== undefined && BigInt(batch.view.makerOrgId) !== org.id) {
          fail(
            `${org.name} did not make batch ${batchName(batch)} (${orgName(client, batch.view.makerOrgId)} did): ` +
              "a maker recalls only its own batches",
          );
        }
        if (Number(batch.view.status) === L.trace.BatchStatus.Recalled)
          fail(`Batch ${batchName(batch)} is already recalled`);
        batches.push(batch);
      }
      const reasonHash = documentHashArg(args.reason, "--reason");
      const ids = batches.map((b) => b.batchId);
      const what = `recall ${batches.length === 1 ? `batch ${batchName(batches[0])}` : `${batches.length} batches`}`;
      const receipt = await client.send(what, () =>
        ids.length === 1
          ? client.ledger.recall(ids[0], recallClass, reasonHash)
          : client.ledger.recallMany(ids, recallClass, reasonHash),
      );
      const by = regulator ? "A regulator" : org!.name;
      report(args, { transaction: receipt.hash, batchIds: ids, recallClass, reasonHash }, [
        `${by} recalled (class ${recallClass}): ${batches.map(batchName).join(", ")}.`,
        `Transaction ${receipt.hash}`,
      ]);
    }),
  );

cliTask(
  "ledger:correct",
  "Corrects a batch's last record: its own account within the correction window, or a regulator at any time",
  true,
)
  .addParam("batch", 'The batch: "<GTIN>/<lot>", a Digital Link URI, or its 0x id')
  .addParam("reason", "The written reasons: a file, a text or their 0x hash")
  .setAction(
    run<ReasonArgs>(true, async (args, client) => {
      const batch = await findBatch(client, args.batch);
      const reasonHash = documentHashArg(args.reason, "--reason");
      const entries = await L.history.fetchHistory(client.ledger, batch.batchId, {
        fromBlock: client.system.fromBlock,
      });
      const last = entries[entries.length - 1];
      const kind = L.trace.RecordKind[last.kind];
      const lastText = `the last record of batch ${batchName(batch)} (${kind}, ${L.codes.formatTime(last.timestamp)})`;
      if (last.kind === L.trace.RecordKind.Correction)
        fail(`${lastText[0].toUpperCase()}${lastText.slice(1)} is a correction: a correction is not corrected`);
      const account = await client.sender.getAddress();
      if (!(await isRegulator(client, account))) {
        if (account.toLowerCase() !== last.actor.toLowerCase()) {
          fail(
            `Account ${account} did not write ${lastText}: only its own account (${last.actor}) or a regulator corrects it`,
          );
        }
        await actingOrg(client, HOLDERS);
        const deadline = Number(last.timestamp) + Number(await client.ledger.correctionWindow());
        if ((await client.now()) >= deadline) {
          fail(
            `The correction window for ${lastText} closed at ${L.codes.formatTime(deadline)}: a regulator must correct it`,
          );
        }
      }
      const record = {
        prevHead: last.prevHead,
        kind: last.kind,
        actor: last.actor,
        timestamp: last.timestamp,
        dataHash: last.dataHash,
      };
      const receipt = await client.send(`correct ${lastText}`, () =>
        client.ledger.correct(batch.batchId, record, reasonHash),
      );
      const status = statusName(await client.ledger.batchStatus(batch.batchId));
      report(
        args,
        {
          transaction: receipt.hash,
          batchId: batch.batchId,
          corrected: { index: entries.length - 1, kind },
          reasonHash,
          status,
        },
        [`Corrected ${lastText}; batch ${batchName(batch)} is ${status}.`, `Transaction ${receipt.hash}`],
      );
    }),
  );

// ------------------------------------------------------------------ custody

interface ShipArgs extends BatchArgs {
  to: string;
  quantity: string;
  carrier: string;
  ref?: string;
  doc?: string;
  site?: string;
  toSite?: string;
}

cliTask("ledger:ship", "A holder ships part of its holding to another member, carried by a logistics member", true)
  .addParam("batch", 'The batch: "<GTIN>/<lot>", a Digital Link URI, or its 0x id')
  .addParam("to", "The recipient organisation, by id or name")
  .addParam("quantity", "Quantity shipped")
  .addParam("carrier", "The carrying organisation (LOGISTICS), by id or name")
  .addOptionalParam("ref", "A 0x reference of the sender's (an escrow need or agreement reference)", undefined)
  .addOptionalParam("doc", "The delivery note: a file, a text or its 0x hash", undefined)
  .addOptionalParam("site", "The sender's site: index or GLN (default: its first)", undefined)
  .addOptionalParam("toSite", "The recipient's site: index or GLN (default: its first)", undefined)
  .setAction(
    run<ShipArgs>(true, async (args, client) => {
      const org = await actingOrg(client, HOLDERS);
      const batch = await findBatch(client, args.batch);
      const to = await client.resolveOrg(args.to, "--to");
      const carrier = await client.resolveOrg(args.carrier, "--carrier");
      const quantity = quantityArg(args.quantity, "--quantity");
      if (to.id === org.id) fail(`${org.name} cannot ship to itself`);
      const toMaker = to.id === BigInt(batch.view.makerOrgId);
      const status = statusName(batch.view.status);
      if (!toMaker && status !== "Released") {
        fail(`Batch ${batchName(batch)} is ${status}: only Released batches are shipped, except back to their maker`);
      }
      const [toStatus, toRoles] = await client.registry.standing(to.id);
      if (Number(toStatus) !== L.alliance.OrganisationStatus.Active) {
        fail(
          `${to.name} is ${L.alliance.OrganisationStatus[Number(toStatus)].toLowerCase()}: it cannot receive shipments`,
        );
      }
      const allowed = toMaker ? HOLDERS : routes(org.mask);
      if ((Number(toRoles) & allowed) === 0) {
        fail(
          `${org.name} (${L.alliance.roleNames(org.mask).join(", ")}) may not ship to ${to.name} ` +
            `(${L.alliance.roleNames(toRoles).join(", ") || "no role"}): ` +
            (allowed === 0
              ? "it returns goods to their maker only"
              : `it ships to ${L.alliance.roleNames(allowed).join(", ")}`),
        );
      }
      const [carrierStatus, carrierRoles] = await client.registry.standing(carrier.id);
      if (
        Number(carrierStatus) !== L.alliance.OrganisationStatus.Active ||
        (Number(carrierRoles) & ROLE.LOGISTICS) === 0
      ) {
        fail(`${carrier.name} is not an Active LOGISTICS member: it cannot carry shipments`);
      }
      await requireHolding(client, batch, org, quantity);
      const site = await siteArg(client, org, args.site, "--site");
      const toSite = await siteArg(client, to, args.toSite, "--to-site");
      const ref = args.ref === undefined ? L.ethers.ZeroHash : L.codes.parseBytes32(args.ref, "--ref");
      const docHash = args.doc === undefined ? L.ethers.ZeroHash : documentHashArg(args.doc, "--doc");
      const receipt = await client.send(`ship ${n(quantity)} units`, () =>
        client.ledger.ship(batch.batchId, to.id, quantity, carrier.id, ref, docHash, site.index, toSite.index),
      );
      const [event] = ledgerEvents(client, receipt, "Shipped");
      const shipmentId: string = event.args.shipmentId;
      report(
        args,
        {
          transaction: receipt.hash,
          shipmentId,
          batchId: batch.batchId,
          fromOrgId: org.id,
          toOrgId: to.id,
          carrierOrgId: carrier.id,
          quantity,
          fromGln: gln(site.gln),
          toGln: gln(toSite.gln),
          ref,
          docHash,
        },
        [
          `${org.name} shipped ${n(quantity)} units of ${batchName(batch)} from site ${gln(site.gln)} to ${to.name} ` +
            `(site ${gln(toSite.gln)}), carried by ${carrier.name}.`,
          `Shipment ${shipmentId}`,
          `Transaction ${receipt.hash}`,
        ],
      );
    }),
  );

interface ShipmentArgs extends Common {
  shipment: string;
}

/** A carrier's step on a shipment: pick-up, delivery, return. */
function carrierTask(
  name: string,
  description: string,
  from: number,
  what: string,
  call: (client: MedAllianceClient, shipment: Shipment) => Promise<import("ethers").ContractTransactionResponse>,
  done: string,
) {
  cliTask(name, description, true)
    .addParam("shipment", "The shipment id (0x…)")
    .setAction(
      run<ShipmentArgs>(true, async (args, client) => {
        const found = await shipmentArg(client, args.shipment);
        const org = await actingOrg(client, ROLE.LOGISTICS);
        requireParty(client, found, org, "carrier");
        requireShipmentStatus(found, [from], `only a shipment ${what}`);
        const receipt = await client.send(`${done.split(" ")[0]} shipment ${L.codes.shortId(found.id)}`, () =>
          call(client, found.shipment),
        );
        const state = await client.ledger.shipmentState(found.id);
        report(
          args,
          {
            transaction: receipt.hash,
            shipmentId: found.id,
            batchId: found.batch.batchId,
            status: shipmentStatusName(state.status),
          },
          [
            `${org.name} ${done} ${describeShipment(client, found)}.`,
            `Shipment ${found.id} is now ${shipmentStatusName(state.status)}.`,
            `Transaction ${receipt.hash}`,
          ],
        );
      }),
    );
}

carrierTask(
  "ledger:pick-up",
  "The carrier records that it picked up a shipment",
  1,
  "in transit is picked up",
  (client, s) => client.ledger.pickUp(s),
  "picked up",
);
carrierTask(
  "ledger:deliver",
  "The carrier records delivery; the recipient's receipt window starts",
  2,
  "picked up is delivered",
  (client, s) => client.ledger.deliver(s),
  "delivered",
);
carrierTask(
  "ledger:return",
  "The carrier records that refused goods are back with the sender",
  6,
  "refused is returned",
  (client, s) => client.ledger.recordReturn(s),
  "returned",
);

interface ReceiveArgs extends ShipmentArgs {
  quantity?: string;
  damaged: boolean;
}

cliTask("ledger:receive", "The recipient receives a shipment: what arrived (a shortfall is lost in transit)", true)
  .addParam("shipment", "The shipment id (0x…)")
  .addOptionalParam("quantity", "Quantity received (default: all that was shipped)", undefined)
  .addFlag("damaged", "The goods arrived damaged")
  .setAction(
    run<ReceiveArgs>(true, async (args, client) => {
      const found = await shipmentArg(client, args.shipment);
      const org = await actingOrg(client, HOLDERS);
      requireParty(client, found, org, "to");
      requireShipmentStatus(found, ARRIVING, "only a shipment on its way or delivered is received");
      const shipped = BigInt(found.shipment.quantity);
      let received = shipped;
      if (args.quantity !== undefined) {
        received = /^0+$/.test(args.quantity.trim()) ? 0n : quantityArg(args.quantity, "--quantity");
      }
      if (received > shipped) {
        fail(`Shipment ${L.codes.shortId(found.id)} carried ${n(shipped)} units: ${n(received)} cannot have arrived`);
      }
      const receipt = await client.send(`receive shipment ${L.codes.shortId(found.id)}`, () =>
        client.ledger.receiveShipment(found.shipment, received, !args.damaged),
      );
      const shortfall = shipped - received;
      report(
        args,
        {
          transaction: receipt.hash,
          shipmentId: found.id,
          batchId: found.batch.batchId,
          quantityReceived: received,
          shortfall,
          goodCondition: !args.damaged,
          holding: await holdingOf(client, found.batch, org),
        },
        [
          `${org.name} received ${n(received)} of ${n(shipped)} units of ${batchName(found.batch)}` +
            `${args.damaged ? ", damaged" : ""} (shipment ${L.codes.shortId(found.id)}).`,
          ...(shortfall > 0n
            ? [
                `${n(shortfall)} units are recorded as lost in transit, attributed to ${orgName(client, found.shipment.carrierOrgId)}.`,
              ]
            : []),
          `Transaction ${receipt.hash}`,
        ],
      );
    }),
  );

interface ShipmentReasonArgs extends ShipmentArgs {
  reason: string;
}

cliTask("ledger:refuse", "The recipient refuses a shipment; the carrier brings it back", true)
  .addParam("shipment", "The shipment id (0x…)")
  .addParam("reason", "The written reasons: a file, a text or their 0x hash")
  .setAction(
    run<ShipmentReasonArgs>(true, async (args, client) => {
      const found = await shipmentArg(client, args.shipment);
      const org = await actingOrg(client, HOLDERS);
      requireParty(client, found, org, "to");
      requireShipmentStatus(found, ARRIVING, "only a shipment on its way or delivered is refused");
      const reasonHash = documentHashArg(args.reason, "--reason");
      const receipt = await client.send(`refuse shipment ${L.codes.shortId(found.id)}`, () =>
        client.ledger.refuse(found.shipment, reasonHash),
      );
      report(
        args,
        {
          transaction: receipt.hash,
          shipmentId: found.id,
          batchId: found.batch.batchId,
          reasonHash,
          status: "Refused",
        },
        [
          `${org.name} refused ${describeShipment(client, found)}; ${orgName(client, found.shipment.carrierOrgId)} brings it back.`,
          `Transaction ${receipt.hash}`,
        ],
      );
    }),
  );

cliTask("ledger:reclaim", "The sender takes back a shipment nobody answered within the receipt window", true)
  .addParam("shipment", "The shipment id (0x…)")
  .setAction(
    run<ShipmentArgs>(true, async (args, client) => {
      const found = await shipmentArg(client, args.shipment);
      const org = await actingOrg(client, HOLDERS);
      requireParty(client, found, org, "from");
      requireShipmentStatus(found, OPEN_NOT_HELD, "only an open shipment that is not held is reclaimed");
      const refused = Number(found.state.status) === L.trace.ShipmentStatus.Refused;
      const windowFrom = Number(refused ? found.state.answeredAt : found.state.deliveredAt);
      const windowEnds = windowFrom === 0 ? 0 : windowFrom + Number(await client.ledger.receiptWindow());
      const [recipientStatus] = await client.registry.standing(found.shipment.toOrgId);
      const recipient = orgName(client, found.shipment.toOrgId);
      if (Number(recipientStatus) === L.alliance.OrganisationStatus.Active) {
        if (windowEnds === 0) {
          fail(
            `Shipment ${L.codes.shortId(found.id)} is ${found.status}: it is reclaimed once delivered (or refused) and left unanswered past the receipt window`,
          );
        }
        if ((await client.now()) < windowEnds) {
          fail(
            refused
              ? `Shipment ${L.codes.shortId(found.id)} was refused: its carrier records the return, or ${org.name} ` +
                  `reclaims it after ${L.codes.formatTime(windowEnds)}`
              : `${recipient} may answer shipment ${L.codes.shortId(found.id)} until ${L.codes.formatTime(windowEnds)}: ` +
                  "reclaim it after that",
          );
        }
      }
      const receipt = await client.send(`reclaim shipment ${L.codes.shortId(found.id)}`, () =>
        client.ledger.reclaim(found.shipment),
      );
      report(
        args,
        {
          transaction: receipt.hash,
          shipmentId: found.id,
          batchId: found.batch.batchId,
          quantity: found.shipment.quantity,
          holding: await holdingOf(client, found.batch, org),
        },
        [`${org.name} reclaimed ${describeShipment(client, found)}.`, `Transaction ${receipt.hash}`],
      );
    }),
  );

interface SettleArgs extends ShipmentReasonArgs {
  received: string;
}

cliTask("ledger:settle", "A regulator settles an open shipment, stating what the recipient received", true)
  .addParam("shipment", "The shipment id (0x…)")
  .addParam("received", "Quantity the recipient received (0 to the quantity shipped)")
  .addParam("reason", "The written reasons: a file, a text or their 0x hash")
  .setAction(
    run<SettleArgs>(true, async (args, client) => {
      const found = await shipmentArg(client, args.shipment);
      await requireRegulator(client, "settle shipments");
      requireShipmentStatus(found, OPEN_NOT_HELD, "only an open shipment that is not held is settled");
      const received = /^0+$/.test(args.received.trim()) ? 0n : quantityArg(args.received, "--received");
      const shipped = BigInt(found.shipment.quantity);
      if (received > shipped) {
        fail(`Shipment ${L.codes.shortId(found.id)} carried ${n(shipped)} units: ${n(received)} cannot have arrived`);
      }
      const reasonHash = documentHashArg(args.reason, "--reason");
      const receipt = await client.send(`settle shipment ${L.codes.shortId(found.id)}`, () =>
        client.ledger.settle(found.shipment, received, reasonHash),
      );
      report(
        args,
        {
          transaction: receipt.hash,
          shipmentId: found.id,
          batchId: found.batch.batchId,
          quantityReceived: received,
          shortfall: shipped - received,
          reasonHash,
        },
        [
          `A regulator settled ${describeShipment(client, found)}: ${n(received)} received, ${n(shipped - received)} lost in transit.`,
          `Transaction ${receipt.hash}`,
        ],
      );
    }),
  );

interface ClearHoldArgs extends ShipmentReasonArgs {
  destroy: boolean;
}

cliTask("ledger:clear-hold", "A regulator clears a shipment held after a cold-chain excursion", true)
  .addParam("shipment", "The shipment id (0x…)")
  .addFlag("destroy", "The goods are destroyed (the shipment is settled with nothing received)")
  .addParam("reason", "The written reasons: a file, a text or their 0x hash")
  .setAction(
    run<ClearHoldArgs>(true, async (args, client) => {
      const found = await shipmentArg(client, args.shipment);
      await requireRegulator(client, "clear holds");
      requireShipmentStatus(found, [HELD], "only a held shipment is cleared");
      const reasonHash = documentHashArg(args.reason, "--reason");
      const receipt = await client.send(`clear the hold on shipment ${L.codes.shortId(found.id)}`, () =>
        client.ledger.clearHold(found.shipment, args.destroy, reasonHash),
      );
      const status = shipmentStatusName((await client.ledger.shipmentState(found.id)).status);
      report(
        args,
        {
          transaction: receipt.hash,
          shipmentId: found.id,
          batchId: found.batch.batchId,
          destroyed: args.destroy,
          status,
          reasonHash,
        },
        [
          args.destroy
            ? `A regulator cleared the hold on ${describeShipment(client, found)}: the goods are destroyed and the shipment is ${status}.`
            : `A regulator cleared the hold on ${describeShipment(client, found)}: the goods are fit and the shipment is ${status} again.`,
          `Transaction ${receipt.hash}`,
        ],
      );
    }),
  );

interface OutflowArgs extends BatchArgs {
  quantity: string;
  reference?: string;
  reason?: string;
}

cliTask("ledger:dispense", "A hospital or retailer dispenses units of a Released batch it holds (non-serialised)", true)
  .addParam("batch", 'The batch: "<GTIN>/<lot>", a Digital Link URI, or its 0x id')
  .addParam("quantity", "Units dispensed")
  .addParam("reference", "The prescription or order reference (a file, text or 0x hash; never personal data)")
  .setAction(
    run<OutflowArgs>(true, async (args, client) => {
      const org = await actingOrg(client, ROLE.HOSPITAL | ROLE.RETAILER);
      const batch = await findBatch(client, args.batch);
      const quantity = quantityArg(args.quantity, "--quantity");
      const status = statusName(batch.view.status);
      if (status !== "Released") fail(`Batch ${batchName(batch)} is ${status}: only Released batches are dispensed`);
      if (batch.view.serialised) {
        fail(`Batch ${batchName(batch)} has unit serials: it is dispensed unit by unit, by each unit's code`);
      }
      await requireHolding(client, batch, org, quantity);
      const referenceHash = documentHashArg(args.reference, "--reference");
      const receipt = await client.send(`dispense ${n(quantity)} units`, () =>
        client.ledger.dispense(batch.batchId, quantity, referenceHash),
      );
      const holding = await holdingOf(client, batch, org);
      report(
        args,
        { transaction: receipt.hash, batchId: batch.batchId, orgId: org.id, quantity, referenceHash, holding },
        [
          `${org.name} dispensed ${n(quantity)} units of ${batchName(batch)}; it holds ${n(holding)} more.`,
          `Transaction ${receipt.hash}`,
        ],
      );
    }),
  );

cliTask("ledger:destroy", "A holder destroys part of its holding, whatever the batch's status", true)
  .addParam("batch", 'The batch: "<GTIN>/<lot>", a Digital Link URI, or its 0x id')
  .addParam("quantity", "Quantity destroyed")
  .addParam("reason", "The written reasons: a file, a text or their 0x hash")
  .setAction(
    run<OutflowArgs>(true, async (args, client) => {
      const org = await actingOrg(client, HOLDERS);
      const batch = await findBatch(client, args.batch);
      const quantity = quantityArg(args.quantity, "--quantity");
      await requireHolding(client, batch, org, quantity);
      const reasonHash = documentHashArg(args.reason, "--reason");
      const receipt = await client.send(`destroy ${n(quantity)} units`, () =>
        client.ledger.destroy(batch.batchId, quantity, reasonHash),
      );
      const holding = await holdingOf(client, batch, org);
      report(
        args,
        { transaction: receipt.hash, batchId: batch.batchId, orgId: org.id, quantity, reasonHash, holding },
        [
          `${org.name} destroyed ${n(quantity)} units of ${batchName(batch)}; it holds ${n(holding)} more.`,
          `Transaction ${receipt.hash}`,
        ],
      );
    }),
  );
