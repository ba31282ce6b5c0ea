/**
 * Ledger tasks: a batch's provenance (`trace`), what waits for and what is held by an organisation, and every batch
 * and custody action members and regulators take on the BatchLedger — commissioning, inspections, release, shipping
 * and its steps, dispensing, destruction, recalls, blocks, notes, corrections and cold-chain holds.
 *
 * Modules that reach the contracts' bindings are loaded inside the actions: Hardhat reads this file before they exist.
 */
import type { ContractTransactionReceipt, ContractTransactionResponse, LogDescription } from "ethers";
import { ethers } from "ethers";
import type { MedAllianceClient, Organisation, ResolvedBatch } from "../scripts/client/client";
import {
  formatTime,
  parseBytes32,
  parseDocument,
  parseGln,
  parseGtin,
  parseLot,
  parseQuantity,
  parseTime,
  shortId,
} from "../scripts/client/codes";
import { enumName } from "../scripts/client/errors";
import { InputError } from "../scripts/client/failures";
import { printJson, printTable } from "../scripts/client/output";
import { memberTask, readTask, run, type ReadArgs, type SendArgs } from "../scripts/client/task";
import {
  AccountKind,
  BusinessRole,
  OrganisationStatus,
  REGULATOR_ROLE,
  roleMask,
  roleNames,
} from "../scripts/lib/alliance";
import { formatGtin } from "../scripts/lib/gs1";
import type { HistoryEntry, RecordMeaning } from "../scripts/lib/history";
import type { IBatchLedger } from "../typechain-types";

type Shipment = IBatchLedger.ShipmentStruct;

/** Role bits as the contracts use them (contracts/alliance/AllianceTypes.sol, `Roles`). */
const ROLE = {
  SUPPLIER: roleMask(BusinessRole.Supplier),
  MANUFACTURER: roleMask(BusinessRole.Manufacturer),
  LOGISTICS: roleMask(BusinessRole.Logistics),
  DISTRIBUTOR: roleMask(BusinessRole.Distributor),
  HOSPITAL: roleMask(BusinessRole.Hospital),
  RETAILER: roleMask(BusinessRole.Retailer),
  AGENCY: roleMask(BusinessRole.Agency),
};
const MAKERS = ROLE.SUPPLIER | ROLE.MANUFACTURER;
const HOLDERS = MAKERS | ROLE.LOGISTICS | ROLE.DISTRIBUTOR | ROLE.HOSPITAL | ROLE.RETAILER | ROLE.AGENCY;
const MAX_INPUTS = 16;
const MAX_RECALL_BATCHES = 50;
const MAX_QUANTITY = 2 ** 40 - 1;

const BATCH = 'The batch: "<GTIN>/<lot>", a Digital Link URI, or its 0x id';
const REASON = "The written reasons: a file, a text or their 0x hash";

/** Shipment statuses, by name, in which the recipient may still answer; and those a sender may reclaim from. */
const ARRIVING = ["InTransit", "PickedUp", "Delivered"];
const OPEN_NOT_HELD = [...ARRIVING, "Refused"];

// ------------------------------------------------------------------ small helpers

const n = (value: bigint | number | string) => BigInt(value).toLocaleString("en-US");
const gln = (value: bigint | number | string) => value.toString().padStart(13, "0");
const batchStatus = (value: bigint | number) => enumName("BatchStatus", value);
const shipmentStatus = (value: bigint | number) => enumName("ShipmentStatus", value);
const orgName = (client: MedAllianceClient, id: bigint | number | string) =>
  client.orgName(BigInt(id)) ?? `organisation ${id}`;

function batchName(batch: { gtin: bigint; lot: string; batchId: string }): string {
  return batch.lot === "" ? shortId(batch.batchId) : `${formatGtin(batch.gtin)}/${batch.lot}`;
}

/** A quantity as typed, at most what the ledger counts. */
function units(text: string, label: string): bigint {
  return BigInt(parseQuantity(text, label, MAX_QUANTITY));
}

async function isRegulator(client: MedAllianceClient, account: string): Promise<boolean> {
  return client.registry.hasRole(REGULATOR_ROLE, account);
}

/** The sender's organisation when it may act on the ledger in a role of `mask`; `mask` narrowed to its roles. */
async function actor(client: MedAllianceClient, mask: number): Promise<Organisation & { mask: number }> {
  const org = await client.actingOrg(mask, "on the ledger");
  const roles = roleMask(...org.roles.map((name) => BusinessRole[name as keyof typeof BusinessRole]));
  return { ...org, mask: mask & roles };
}

/** A site of an organisation: its index ("0") or its GLN; the first site by default. */
async function siteArg(
  client: MedAllianceClient,
  org: Organisation,
  text: string | undefined,
  label: string,
): Promise<{ index: bigint; gln: bigint }> {
  const sites = await client.registry.sitesOf(org.id);
  if (sites.length === 0) throw new InputError(`${org.name} has no registered site`);
  if (text === undefined || /^\d{1,4}$/.test(text.trim())) {
    const index = Number(text ?? 0);
    if (index >= sites.length) {
      const count = `${sites.length} site${sites.length === 1 ? "" : "s"}`;
      throw new InputError(`${label} ${index}: ${org.name} has ${count} (0 to ${sites.length - 1})`);
    }
    return { index: BigInt(index), gln: sites[index] };
  }
  const given = parseGln(text, label);
  const index = sites.indexOf(given);
  if (index < 0) throw new InputError(`${label} ${text} is not a site of ${org.name}`);
  return { index: BigInt(index), gln: given };
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
    throw new InputError(
      `Batch ${shortId(batch.batchId)} holds ${n(holding)} units at ${org.name}; ${n(wanted)} requested`,
    );
  }
}

/** The ledger's events `name` in a transaction. */
async function ledgerEvents(
  client: MedAllianceClient,
  receipt: ContractTransactionReceipt,
  name: string,
): Promise<LogDescription[]> {
  const { eventsIn } = await import("../scripts/lib/history");
  return eventsIn(receipt.logs, client.ledger).filter((event) => event.name === name);
}

/** Prints an action's outcome: one JSON document with its transaction, or its sentences and then the transaction. */
function done(args: ReadArgs, receipt: ContractTransactionReceipt, document: object, lines: string[]): void {
  if (args.json) printJson({ transaction: receipt.hash, ...document });
  else for (const line of [...lines, `Transaction ${receipt.hash}`]) console.log(line);
}

function batchTask(name: string, description: string) {
  return memberTask(name, description).addParam("batch", BATCH);
}

function shipmentTask(name: string, description: string) {
  return memberTask(name, description).addParam("shipment", "The shipment id (0x…)");
}

// ------------------------------------------------------------------ shipments

interface ShipmentArgs extends SendArgs {
  shipment: string;
}

/** A shipment by id: its fields (from the Shipped event), current state and status name, and its batch. */
async function shipmentArg(client: MedAllianceClient, text: string) {
  const shipment = await client.findShipment(text);
  const id = parseBytes32(text, "shipment");
  const state = await client.ledger.shipmentState(id);
  const batch = await client.resolveBatch(String(shipment.batchId));
  return { id, shipment, state, batch, status: shipmentStatus(state.status) };
}

type Found = Awaited<ReturnType<typeof shipmentArg>>;

function requireStatus(found: Found, allowed: string[], what: string): void {
  if (!allowed.includes(found.status))
    throw new InputError(`Shipment ${shortId(found.id)} is ${found.status}: ${what}`);
}

const PARTY = { fromOrgId: "sender", toOrgId: "recipient", carrierOrgId: "carrier" } as const;

/** A party's step on a shipment: the sender's organisation, in a role of `mask`, must be its `side`. */
async function partyStep(
  client: MedAllianceClient,
  args: ShipmentArgs,
  side: keyof typeof PARTY,
  mask: number,
  allowed: string[],
  rule: string,
) {
  const found = await shipmentArg(client, args.shipment);
  const org = await actor(client, mask);
  const party = BigInt(found.shipment[side]);
  if (party !== org.id) {
    throw new InputError(
      `${org.name} is not the ${PARTY[side]} of shipment ${shortId(found.id)} (${orgName(client, party)} is)`,
    );
  }
  requireStatus(found, allowed, rule);
  return { found, org };
}

/** A regulator's step on a shipment: only regulators `what`. */
async function regulatorStep(
  client: MedAllianceClient,
  args: ShipmentArgs,
  what: string,
  allowed: string[],
  rule: string,
) {
  const found = await shipmentArg(client, args.shipment);
  await client.requireRegulator(what);
  requireStatus(found, allowed, rule);
  return found;
}

function describeShipment(client: MedAllianceClient, found: Found): string {
  const s = found.shipment;
  return `${n(s.quantity)} units of ${batchName(found.batch)} from ${orgName(client, s.fromOrgId)} to ${orgName(client, s.toOrgId)}`;
}

/** Prints a shipment step's outcome: the shipment's and batch's ids, then `document`. */
function shipmentDone(
  args: ReadArgs,
  receipt: ContractTransactionReceipt,
  found: Found,
  document: object,
  lines: string[],
): void {
  done(args, receipt, { shipmentId: found.id, batchId: found.batch.batchId, ...document }, lines);
}

/** The quantity that arrived: all that was shipped by default, 0 allowed, never more than was shipped. */
function arrived(found: Found, text: string | undefined, label: string): bigint {
  const shipped = BigInt(found.shipment.quantity);
  const quantity = text === undefined ? shipped : /^0+$/.test(text.trim()) ? 0n : units(text, label);
  if (quantity > shipped) {
    throw new InputError(
      `Shipment ${shortId(found.id)} carried ${n(shipped)} units: ${n(quantity)} cannot have arrived`,
    );
  }
  return quantity;
}

// ------------------------------------------------------------------ read-only

interface TraceArgs extends ReadArgs {
  batch: string;
}

readTask("trace", "A batch's provenance: every history record, holdings, lineage, and the proof of its history")
  .addPositionalParam("batch", BATCH)
  .setAction(
    run<TraceArgs>(false, async (args, client) => {
      const batch = await client.resolveBatch(args.batch);
      const timeline = await readTimeline(client, batch);
      if (args.json) {
        printJson(timeline);
        return;
      }
      const v = batch.view;
      console.log(`Batch ${batchName(batch)} (${batch.batchId})`);
      console.log(
        `  made by ${orgName(client, v.makerOrgId)}: ${n(v.commissioned)} units, expires ${formatTime(v.expiresAt)}`,
      );
      console.log(
        `  status ${timeline.status}` +
          (timeline.status === "OnHold" ? ` (hold until ${formatTime(v.holdUntil)})` : "") +
          `; latest inspection ${timeline.inspection}` +
          (v.serialised ? "; unit serials committed" : "") +
          (timeline.openExcursions > 0 ? `; ${timeline.openExcursions} shipment(s) held after an excursion` : ""),
      );
      const o = timeline.outflows;
      const sections: [string, Record<string, string | number | bigint>[], string][] = [
        [
          "History:",
          timeline.records.map((r) => ({
            "#": r.index,
            time: formatTime(r.timestamp),
            record: r.kind,
            by: r.organisation,
            details: r.details,
          })),
          "No records.",
        ],
        [
          "Holdings:",
          timeline.holdings.map((h) => ({ organisation: h.organisation, quantity: h.quantity })),
          "Nobody holds any of this batch.",
        ],
        [
          `In transit ${n(timeline.inTransit)}; dispensed ${n(o.dispensed)}, destroyed ${n(o.destroyed)}, lost in ` +
            `transit ${n(o.lost)}, used as input ${n(timeline.consumed)}.\n\nMade from:`,
          timeline.inputs.map((i) => ({ batch: i.batch, status: i.status, quantity: i.quantity, id: i.batchId })),
          "No input batches.",
        ],
        [
          "Batches made from it:",
          timeline.madeInto.map((m) => ({ batch: m.batch, status: m.status, id: m.batchId })),
          "None.",
        ],
      ];
      for (const [index, [title, rows, empty]] of sections.entries()) {
        console.log(index === 2 ? title : `\n${title}`);
        printTable(rows, empty);
      }
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
  const [history, lineage, trace] = await Promise.all([
    import("../scripts/lib/history"),
    import("../scripts/lib/lineage"),
    import("../scripts/lib/trace"),
  ]);
  const ledger = client.ledger;
  const from = client.system.fromBlock;
  const id = batch.batchId;
  const entries = await history.fetchHistory(ledger, id, { fromBlock: from });
  const proof = await history.proveHistory(ledger, id, entries);

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
    eventsByTx.set(entry.transactionHash, history.eventsIn(receipt?.logs ?? [], ledger));
  }
  const actors = new Map<string, { orgId: bigint; name: string }>();
  const actorOf = async (account: string) => {
    let found = actors.get(account);
    if (found === undefined) {
      const [orgId, kind] = await client.registry.membershipOf(account);
      const short = shortId(account);
      const device = Number(kind) === AccountKind.Device ? ` (device ${short})` : "";
      const name =
        orgId !== 0n
          ? orgName(client, orgId) + device
          : `${(await isRegulator(client, account)) ? "regulator" : "account"} ${short}`;
      found = { orgId, name };
      actors.set(account, found);
    }
    return found;
  };
  const names = new Map<string, string>();
  const nameOf = async (batchId: string) => {
    let name = names.get(batchId);
    if (name === undefined) {
      name = batchName(await client.resolveBatch(batchId));
      names.set(batchId, name);
    }
    return name;
  };
  const statusOf = async (batchId: string) => batchStatus(await ledger.batchStatus(batchId));

  const records = [];
  let consumed = 0n;
  for (const [index, entry] of entries.entries()) {
    const meaning = history.decodeRecord(id, entry, eventsByTx.get(entry.transactionHash) ?? []);
    const kind = enumName("RecordKind", entry.kind);
    if (kind === "ConsumedAsInput") consumed += meaning.quantity ?? 0n;
    const found = await actorOf(entry.actor);
    records.push({
      index,
      timestamp: Number(entry.timestamp),
      kind,
      actor: entry.actor,
      actorOrgId: found.orgId === 0n ? undefined : found.orgId,
      organisation: found.name,
      dataHash: entry.dataHash,
      transaction: entry.transactionHash,
      block: entry.blockNumber,
      ...recordFields(kind, meaning, shipments.get(meaning.shipmentId ?? "")),
      details: await describeRecord(client, kind, entry, meaning, shipments, nameOf),
    });
  }

  // Holdings: the maker and every organisation the batch was shipped to.
  const holders = new Set<bigint>([batch.view.makerOrgId]);
  let inTransit = 0n;
  for (const [shipmentId, s] of shipments) {
    holders.add(BigInt(s.toOrgId));
    const status = shipmentStatus((await ledger.shipmentState(shipmentId)).status);
    if ([...OPEN_NOT_HELD, "Held"].includes(status)) inTransit += BigInt(s.quantity);
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
    const { batchId, quantity } = input;
    inputs.push({ batchId, batch: await nameOf(batchId), status: await statusOf(batchId), quantity });
  }
  const madeInto = [];
  for (const batchId of await lineage.batchesMadeFrom(ledger, id, { fromBlock: from })) {
    madeInto.push({ batchId, batch: await nameOf(batchId), status: await statusOf(batchId) });
  }
  const outflows = await ledger.outflowsOf(id);
  return {
    batchId: id,
    gtin: formatGtin(batch.gtin),
    lot: batch.lot,
    status: batchStatus(batch.view.status),
    maker: { orgId: batch.view.makerOrgId, organisation: orgName(client, batch.view.makerOrgId) },
    commissioned: batch.view.commissioned,
    expiresAt: Number(batch.view.expiresAt),
    holdUntil: Number(batch.view.holdUntil),
    inspection: trace.Inspection[Number(batch.view.inspection)],
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

/** A record's decoded values as `trace --json` gives them (received quantities as `quantityReceived`). */
function recordFields(kind: string, meaning: RecordMeaning, shipment: Shipment | undefined): Record<string, unknown> {
  const { shipmentId, quantity, outputBatchId, goodCondition, orgId, recallClass, destroyed } = meaning;
  const fields: Record<string, unknown> = { shipmentId, outputBatchId, goodCondition, orgId, recallClass, destroyed };
  fields[kind === "Received" || kind === "Settled" ? "quantityReceived" : "quantity"] = quantity;
  if (kind === "Commissioned" && meaning.event !== undefined) {
    fields.gln = gln(meaning.event.args.gln);
    fields.docURI = meaning.event.args.request.docURI;
  }
  if (kind === "Shipped" && shipment !== undefined) {
    Object.assign(fields, {
      quantity: shipment.quantity,
      toOrgId: shipment.toOrgId,
      carrierOrgId: shipment.carrierOrgId,
    });
  }
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
}

/** What the `details` column says of a record, from its decoded meaning. */
async function describeRecord(
  client: MedAllianceClient,
  kind: string,
  entry: HistoryEntry,
  meaning: RecordMeaning,
  shipments: Map<string, Shipment>,
  nameOf: (batchId: string) => Promise<string>,
): Promise<string> {
  const { event, quantity, shipmentId } = meaning;
  const s = shipmentId === undefined ? undefined : shipments.get(shipmentId);
  const shipment = `shipment ${shipmentId === undefined ? "?" : shortId(shipmentId)}`;
  const route =
    s === undefined ? "" : `${n(s.quantity)} units ${orgName(client, s.fromOrgId)} → ${orgName(client, s.toOrgId)}`;
  const of = (received: bigint) => `${n(received)} of ${n(s?.quantity ?? received)} units`;
  const hash = shortId(entry.dataHash);
  switch (kind) {
    case "Commissioned": {
      if (event === undefined) return "commissioned";
      const r = event.args.request;
      const inputs = r.inputs.length === 0 ? "" : `, from ${r.inputs.length} input batch(es)`;
      return `${n(r.quantity)} units at site ${gln(event.args.gln)}, produced ${formatTime(r.producedAt)}${inputs}`;
    }
    case "ConsumedAsInput":
      if (meaning.outputBatchId === undefined) return "used as an input";
      return `${n(quantity!)} units used to make ${await nameOf(meaning.outputBatchId)}`;
    case "Shipped":
      if (s === undefined) return shipment;
      return (
        `${route}, carrier ${orgName(client, s.carrierOrgId)}, site ${gln(s.fromGln)} → ${gln(s.toGln)}; ` +
        `shipment ${entry.dataHash}`
      );
    case "PickedUp":
    case "Delivered":
    case "Returned":
    case "Reclaimed":
      return shipment + (s === undefined ? "" : `: ${route}`);
    case "Received": {
      if (event === undefined) return "received";
      const lost = BigInt(s?.quantity ?? quantity!) - quantity!;
      return (
        `${of(quantity!)} received ${meaning.goodCondition ? "in good condition" : "damaged"}` +
        (lost > 0n ? `, ${n(lost)} lost in transit` : "") +
        `; ${shipment}`
      );
    }
    case "Refused":
      return `${shipment} refused`;
    case "Held":
      return `${shipment} held after a cold-chain excursion`;
    case "Settled":
      return event === undefined ? "settled" : `${shipment} settled: ${of(quantity!)} received`;
    case "HoldCleared": {
      const outcome = meaning.destroyed
        ? "goods destroyed"
        : `goods fit, ${shipmentStatus(meaning.resumed ?? 0)} again`;
      return `hold on ${shipment} cleared: ${outcome}`;
    }
    case "Dispensed":
    case "Destroyed":
      if (event === undefined) return kind.toLowerCase();
      return `${n(quantity!)} units ${kind.toLowerCase()} at ${orgName(client, meaning.orgId!)}`;
    case "Recalled":
      return meaning.recallClass === undefined ? "recalled" : `class ${meaning.recallClass} recall`;
    case "InspectionPassed":
    case "InspectionFailed":
      return `report ${hash}`;
    case "Note":
      return `note ${hash}`;
    case "Released":
      return `released early by a regulator; reasons ${hash}`;
    case "Blocked":
    case "Unblocked":
      return `reasons ${hash}`;
    case "Correction":
      return "corrects the record before it";
    case "SerialsCommitted":
      return "unit serials committed";
    case "Reading":
      return `signed field reading ${hash}`;
    default:
      return hash;
  }
}

interface OrgArgs extends ReadArgs {
  org: string;
  carrying: boolean;
}

/** What a carrier does next with a shipment in each status it waits in. */
const NEXT: Record<string, string> = { InTransit: "pick up", PickedUp: "deliver", Refused: "return to sender" };

readTask("ledger:incoming", "Shipments waiting for an organisation: on their way or delivered to it")
  .addParam("org", "The organisation, by id or name")
  .addFlag("carrying", "Instead, shipments the organisation carries that wait for its pick-up, delivery or return")
  .setAction(
    run<OrgArgs>(false, async (args, client) => {
      const org = await client.resolveOrg(args.org, "--org");
      const ledger = client.ledger;
      const filter = args.carrying ? ledger.filters.Shipped() : ledger.filters.Shipped(undefined, undefined, org.id);
      const waiting = args.carrying ? Object.keys(NEXT) : [...ARRIVING, "Held"];
      const shipments = [];
      for (const event of await ledger.queryFilter(filter, client.system.fromBlock)) {
        const s = event.args.shipment;
        if (args.carrying && s.carrierOrgId !== org.id) continue;
        const state = await ledger.shipmentState(event.args.shipmentId);
        const status = shipmentStatus(state.status);
        if (!waiting.includes(status)) continue;
        shipments.push({
          shipmentId: event.args.shipmentId,
          batchId: s.batchId,
          batch: batchName(await client.resolveBatch(s.batchId)),
          quantity: s.quantity,
          fromOrgId: s.fromOrgId,
          from: orgName(client, s.fromOrgId),
          toOrgId: s.toOrgId,
          to: orgName(client, s.toOrgId),
          carrierOrgId: s.carrierOrgId,
          carrier: orgName(client, s.carrierOrgId),
          toGln: gln(s.toGln),
          status,
          shippedAt: Number(state.shippedAt),
          deliveredAt: Number(state.deliveredAt),
          next: args.carrying ? NEXT[status] : undefined,
        });
      }
      if (args.json) {
        printJson({ orgId: org.id, organisation: org.name, carrying: args.carrying, shipments });
        return;
      }
      console.log(
        args.carrying
          ? `Shipments ${org.name} carries that wait for it: ${shipments.length}`
          : `Shipments waiting for ${org.name}: ${shipments.length}`,
      );
      printTable(
        shipments.map((s) => ({
          shipment: s.shipmentId,
          batch: s.batch,
          quantity: s.quantity,
          ...(args.carrying ? { from: s.from, to: s.to, next: s.next } : { from: s.from, carrier: s.carrier }),
          status: s.status,
          shipped: formatTime(s.shippedAt),
        })),
        "None.",
      );
    }),
  );

readTask("ledger:holdings", "What an organisation holds: every batch with a holding, its status and expiry")
  .addParam("org", "The organisation, by id or name")
  .setAction(
    run<OrgArgs>(false, async (args, client) => {
      const org = await client.resolveOrg(args.org, "--org");
      const ledger = client.ledger;
      const from = client.system.fromBlock;
      const candidates = new Set<string>();
      for (const filter of [
        ledger.filters.BatchCommissioned(undefined, undefined, org.id),
        ledger.filters.Shipped(undefined, undefined, org.id),
      ]) {
        for (const event of await ledger.queryFilter(filter, from)) candidates.add(event.args.batchId);
      }
      const holdings = [];
      for (const batchId of candidates) {
        const quantity = await ledger.holdingOf(batchId, org.id);
        if (quantity === 0n) continue;
        const batch = await client.resolveBatch(batchId);
        holdings.push({
          batchId,
          gtin: formatGtin(batch.gtin),
          lot: batch.lot,
          quantity,
          status: batchStatus(batch.view.status),
          expiresAt: Number(batch.view.expiresAt),
        });
      }
      if (args.json) {
        printJson({ orgId: org.id, organisation: org.name, holdings });
        return;
      }
      console.log(`${org.name} holds ${holdings.length} batch${holdings.length === 1 ? "" : "es"}:`);
      printTable(
        holdings.map((h) => ({
          batch: `${h.gtin}/${h.lot}`,
          quantity: h.quantity,
          status: h.status,
          expires: formatTime(h.expiresAt),
          id: h.batchId,
        })),
        "Nothing.",
      );
    }),
  );

// ------------------------------------------------------------------ batches

interface CommissionArgs extends SendArgs {
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

memberTask("ledger:commission", "The product's maker commissions a batch (on hold until released)")
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
      const org = await actor(client, MAKERS);
      const gtin = parseGtin(args.gtin, "--gtin");
      const product = await client.catalog.product(gtin).catch(() => {
        throw new InputError(`--gtin ${args.gtin}: no product has this GTIN in the catalog`);
      });
      const name = `${formatGtin(gtin)}/${args.lot}`;
      if (product.makerOrgId !== org.id) {
        throw new InputError(
          `Product ${formatGtin(gtin)} is made by ${orgName(client, product.makerOrgId)}, not ${org.name}`,
        );
      }
      const productStatus = enumName("ProductStatus", product.status);
      if (productStatus !== "Approved") {
        throw new InputError(
          `Product ${formatGtin(gtin)} is ${productStatus}: only approved products are commissioned`,
        );
      }
      const lot = parseLot(args.lot);
      const { batchIdOf } = await import("../scripts/lib/trace");
      const batchId = batchIdOf(gtin, lot);
      if ((await client.ledger.batchStatus(batchId)) !== 0n) {
        throw new InputError(`Batch ${name} already exists: a lot is used once per GTIN`);
      }
      const quantity = units(args.quantity, "--quantity");
      const now = await client.now();
      const producedAt = args.produced === undefined ? now : parseTime(args.produced, now, { label: "--produced" });
      if (producedAt > now) {
        throw new InputError(`--produced ${formatTime(producedAt)} is in the future (now is ${formatTime(now)})`);
      }
      const expiresAt = parseTime(args.expires, now, { label: "--expires", future: true });
      const site = await siteArg(client, org, args.site, "--site");
      const docHash = parseDocument(args.doc, "--doc");
      const inputs = await inputsArg(client, org, args.inputs);
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
      const receipt = await client.send(`commission ${n(quantity)} units of ${name}`, () =>
        client.ledger.commission(request),
      );
      const created = await client.resolveBatch(batchId);
      const status = batchStatus(created.view.status);
      const from = inputs.map((i) => `${n(i.quantity)} of ${i.name}`).join(", ");
      done(
        args,
        receipt,
        {
          batchId,
          gtin: formatGtin(gtin),
          lot: args.lot,
          quantity,
          site: gln(site.gln),
          producedAt,
          expiresAt,
          docHash,
          status,
          holdUntil: Number(created.view.holdUntil),
          inputs: request.inputs,
        },
        [
          `${org.name} commissioned batch ${name}: ${n(quantity)} units at site ${gln(site.gln)}, expiring ` +
            `${formatTime(expiresAt)}${inputs.length === 0 ? "." : `, from ${from}.`}`,
          `Batch id ${batchId}; it is ${status} until ${formatTime(created.view.holdUntil)} and a passed inspection, ` +
            "or a regulator's early release.",
        ],
      );
    }),
  );

/** `--inputs "<batch>:<quantity>,…"`: Released batches the maker holds enough of. */
async function inputsArg(client: MedAllianceClient, org: Organisation, text: string | undefined) {
  const items = text === undefined || text.trim() === "" ? [] : text.split(",");
  if (items.length > MAX_INPUTS) throw new InputError(`--inputs lists ${items.length} batches: at most ${MAX_INPUTS}`);
  const inputs: { batchId: string; quantity: bigint; name: string }[] = [];
  const wanted = new Map<string, bigint>();
  for (const item of items) {
    const colon = item.lastIndexOf(":");
    if (colon < 0) throw new InputError(`--inputs "${item.trim()}" is not "<batch>:<quantity>"`);
    const input = await client.resolveBatch(item.slice(0, colon).trim(), "input");
    const name = batchName(input);
    const quantity = units(item.slice(colon + 1).trim(), `input ${name} quantity`);
    const status = batchStatus(input.view.status);
    if (status !== "Released") {
      throw new InputError(`Input ${name} is ${status}: only Released batches are used as inputs`);
    }
    const total = (wanted.get(input.batchId) ?? 0n) + quantity;
    wanted.set(input.batchId, total);
    await requireHolding(client, input, org, total);
    inputs.push({ batchId: input.batchId, quantity, name });
  }
  return inputs;
}

interface BatchArgs extends SendArgs {
  batch: string;
}

/** Who may write a record on a batch: its maker (or, `allowHolder`, a holder) or a regulator; named for sentences. */
async function makerOrRegulator(
  client: MedAllianceClient,
  batch: ResolvedBatch,
  allowHolder: boolean,
  what: string,
): Promise<string> {
  if (await isRegulator(client, await client.sender.getAddress())) return "A regulator";
  const org = await actor(client, HOLDERS);
  if (org.id === BigInt(batch.view.makerOrgId) && (org.mask & MAKERS) !== 0) return org.name;
  if (allowHolder && (await holdingOf(client, batch, org)) > 0n) return org.name;
  throw new InputError(
    `${org.name} ${allowHolder ? "neither made nor holds" : "did not make"} batch ${batchName(batch)}: only ` +
      `${allowHolder ? "its maker, a holder" : "its maker"} or a regulator ${what}`,
  );
}

/** Appends a document record (inspection, note) to a batch's history and prints what `said` of it. */
async function sendRecord(
  args: BatchArgs,
  client: MedAllianceClient,
  batch: ResolvedBatch,
  kind: "InspectionPassed" | "InspectionFailed" | "Note",
  dataHash: string,
  said: (status: string) => string,
  extra: Record<string, unknown> = {},
) {
  const { RecordKind } = await import("../scripts/lib/trace");
  const receipt = await client.send(
    `${kind === "Note" ? "add a note to" : "record the inspection of"} ${batchName(batch)}`,
    () => client.ledger.record({ batchId: batch.batchId, kind: RecordKind[kind], dataHash }),
  );
  const status = batchStatus(await client.ledger.batchStatus(batch.batchId));
  done(args, receipt, { batchId: batch.batchId, kind, dataHash, status, ...extra }, [said(status)]);
}

interface InspectArgs extends BatchArgs {
  result: string;
  report: string;
}

batchTask("ledger:inspect", "The maker or a regulator records an inspection: passed or failed, with its report")
  .addParam("result", '"pass" or "fail"')
  .addParam("report", "The inspection report: a file, a text or its 0x hash")
  .setAction(
    run<InspectArgs>(true, async (args, client) => {
      const result = args.result.trim().toLowerCase();
      const passed = ["pass", "passed"].includes(result);
      if (!passed && !["fail", "failed"].includes(result)) {
        throw new InputError(`--result "${args.result}" is "pass" or "fail"`);
      }
      const batch = await client.resolveBatch(args.batch);
      const by = await makerOrRegulator(client, batch, false, "records its inspections");
      const outcome = passed ? "passed" : "failed";
      await sendRecord(
        args,
        client,
        batch,
        passed ? "InspectionPassed" : "InspectionFailed",
        parseDocument(args.report, "--report"),
        (status) => `${by} recorded a ${outcome} inspection of batch ${batchName(batch)}; it is now ${status}.`,
        { result: outcome },
      );
    }),
  );

interface NoteArgs extends BatchArgs {
  doc: string;
}

batchTask("ledger:note", "The maker, a holder or a regulator appends a note document to a batch's history")
  .addParam("doc", "The note: a file, a text or its 0x hash")
  .setAction(
    run<NoteArgs>(true, async (args, client) => {
      const batch = await client.resolveBatch(args.batch);
      const by = await makerOrRegulator(client, batch, true, "add notes to it");
      await sendRecord(args, client, batch, "Note", parseDocument(args.doc, "--doc"), () => {
        return `${by} added a note to batch ${batchName(batch)}.`;
      });
    }),
  );

interface ReasonArgs extends BatchArgs {
  reason: string;
}

/** A regulator's decision on a batch (early release, block, unblock). */
function regulatorBatchTask(
  name: string,
  description: string,
  check: (batch: ResolvedBatch) => string | undefined,
  call: (client: MedAllianceClient, batchId: string, reason: string) => Promise<ContractTransactionResponse>,
  words: { verb: string; past: string; rule: string },
) {
  batchTask(name, description)
    .addParam("reason", REASON)
    .setAction(
      run<ReasonArgs>(true, async (args, client) => {
        const batch = await client.resolveBatch(args.batch);
        await client.requireRegulator(words.rule);
        const refusal = check(batch);
        if (refusal !== undefined) throw new InputError(`Batch ${batchName(batch)} ${refusal}`);
        const reasonHash = parseDocument(args.reason, "--reason");
        const receipt = await client.send(`${words.verb} batch ${batchName(batch)}`, () =>
          call(client, batch.batchId, reasonHash),
        );
        const status = batchStatus(await client.ledger.batchStatus(batch.batchId));
        done(args, receipt, { batchId: batch.batchId, reasonHash, status }, [
          `A regulator ${words.past} batch ${batchName(batch)}: it is now ${status}.`,
        ]);
      }),
    );
}

regulatorBatchTask(
  "ledger:release-early",
  "A regulator releases a batch on hold before its hold period ends or without an inspection",
  (batch) => {
    const status = batchStatus(batch.view.status);
    return status === "OnHold" ? undefined : `is ${status}: only a batch on hold is released early`;
  },
  (client, batchId, reason) => client.ledger.releaseEarly(batchId, reason),
  { verb: "release", past: "released early", rule: "release batches early" },
);

regulatorBatchTask(
  "ledger:block",
  "A regulator blocks a batch: it cannot be released, shipped (but back to its maker) or used until unblocked",
  (batch) => (batch.view.blocked ? "is already blocked" : undefined),
  (client, batchId, reason) => client.ledger.blockBatch(batchId, reason),
  { verb: "block", past: "blocked", rule: "block batches" },
);

regulatorBatchTask(
  "ledger:unblock",
  "A regulator lifts a block",
  (batch) => (batch.view.blocked ? undefined : `is not blocked (it is ${batchStatus(batch.view.status)})`),
  (client, batchId, reason) => client.ledger.unblockBatch(batchId, reason),
  { verb: "unblock", past: "unblocked", rule: "unblock batches" },
);

interface RecallArgs extends SendArgs {
  batches: string[];
  class: string;
  reason: string;
}

memberTask("ledger:recall", "A regulator, or the maker for its own batches, recalls one or more batches")
  .addParam("class", "Recall class: 1 (most serious), 2 or 3")
  .addParam("reason", REASON)
  .addVariadicPositionalParam("batches", 'The batches: "<GTIN>/<lot>", Digital Link URIs or 0x ids (up to 50)')
  .setAction(
    run<RecallArgs>(true, async (args, client) => {
      if (!/^[123]$/.test(args.class.trim()))
        throw new InputError(`--class ${args.class}: a recall class is 1, 2 or 3`);
      const recallClass = Number(args.class);
      if (args.batches.length > MAX_RECALL_BATCHES) {
        throw new InputError(
          `${args.batches.length} batches named: at most ${MAX_RECALL_BATCHES} are recalled at once`,
        );
      }
      const regulator = await isRegulator(client, await client.sender.getAddress());
      const org = regulator ? undefined : await actor(client, MAKERS);
      const batches: ResolvedBatch[] = [];
      for (const text of args.batches) {
        const batch = await client.resolveBatch(text);
        const name = batchName(batch);
        if (batches.some((b) => b.batchId === batch.batchId)) throw new InputError(`Batch ${name} is named twice`);
        if (org !== undefined && BigInt(batch.view.makerOrgId) !== org.id) {
          throw new InputError(
            `${org.name} did not make batch ${name} (${orgName(client, batch.view.makerOrgId)} did): ` +
              "a maker recalls only its own batches",
          );
        }
        if (batchStatus(batch.view.status) === "Recalled") throw new InputError(`Batch ${name} is already recalled`);
        batches.push(batch);
      }
      const reasonHash = parseDocument(args.reason, "--reason");
      const ids = batches.map((b) => b.batchId);
      const what = `recall ${batches.length === 1 ? `batch ${batchName(batches[0])}` : `${batches.length} batches`}`;
      const receipt = await client.send(what, () =>
        ids.length === 1
          ? client.ledger.recall(ids[0], recallClass, reasonHash)
          : client.ledger.recallMany(ids, recallClass, reasonHash),
      );
      done(args, receipt, { batchIds: ids, recallClass, reasonHash }, [
        `${org?.name ?? "A regulator"} recalled (class ${recallClass}): ${batches.map(batchName).join(", ")}.`,
      ]);
    }),
  );

batchTask(
  "ledger:correct",
  "Corrects a batch's last record: its own account within the correction window, or a regulator at any time",
)
  .addParam("reason", REASON)
  .setAction(
    run<ReasonArgs>(true, async (args, client) => {
      const batch = await client.resolveBatch(args.batch);
      const reasonHash = parseDocument(args.reason, "--reason");
      const { fetchHistory } = await import("../scripts/lib/history");
      const entries = await fetchHistory(client.ledger, batch.batchId, { fromBlock: client.system.fromBlock });
      const last = entries[entries.length - 1];
      const kind = enumName("RecordKind", last.kind);
      const lastText = `the last record of batch ${batchName(batch)} (${kind}, ${formatTime(last.timestamp)})`;
      if (kind === "Correction") {
        throw new InputError(`T${lastText.slice(1)} is a correction: a correction is not corrected`);
      }
      const account = await client.sender.getAddress();
      if (!(await isRegulator(client, account))) {
        if (account.toLowerCase() !== last.actor.toLowerCase()) {
          throw new InputError(
            `Account ${account} did not write ${lastText}: only its own account (${last.actor}) or a regulator corrects it`,
          );
        }
        await actor(client, HOLDERS);
        const deadline = Number(last.timestamp) + Number(await client.ledger.correctionWindow());
        if ((await client.now()) >= deadline) {
          throw new InputError(
            `The correction window for ${lastText} closed at ${formatTime(deadline)}: a regulator must correct it`,
          );
        }
      }
      const { prevHead, actor: writer, timestamp, dataHash } = last;
      const record = { prevHead, kind: last.kind, actor: writer, timestamp, dataHash };
      const receipt = await client.send(`correct ${lastText}`, () =>
        client.ledger.correct(batch.batchId, record, reasonHash),
      );
      const status = batchStatus(await client.ledger.batchStatus(batch.batchId));
      const corrected = { index: entries.length - 1, kind };
      done(args, receipt, { batchId: batch.batchId, corrected, reasonHash, status }, [
        `Corrected ${lastText}; batch ${batchName(batch)} is ${status}.`,
      ]);
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

batchTask("ledger:ship", "A holder ships part of its holding to another member, carried by a logistics member")
  .addParam("to", "The recipient organisation, by id or name")
  .addParam("quantity", "Quantity shipped")
  .addParam("carrier", "The carrying organisation (LOGISTICS), by id or name")
  .addOptionalParam("ref", "A 0x reference of the sender's (an escrow need or agreement reference)", undefined)
  .addOptionalParam("doc", "The delivery note: a file, a text or its 0x hash", undefined)
  .addOptionalParam("site", "The sender's site: index or GLN (default: its first)", undefined)
  .addOptionalParam("toSite", "The recipient's site: index or GLN (default: its first)", undefined)
  .setAction(
    run<ShipArgs>(true, async (args, client) => {
      const org = await actor(client, HOLDERS);
      const batch = await client.resolveBatch(args.batch);
      const to = await client.resolveOrg(args.to, "--to");
      const carrier = await client.resolveOrg(args.carrier, "--carrier");
      const quantity = units(args.quantity, "--quantity");
      if (to.id === org.id) throw new InputError(`${org.name} cannot ship to itself`);
      const toMaker = to.id === BigInt(batch.view.makerOrgId);
      const status = batchStatus(batch.view.status);
      if (!toMaker && status !== "Released") {
        throw new InputError(
          `Batch ${batchName(batch)} is ${status}: only Released batches are shipped, except back to their maker`,
        );
      }
      const [toStatus, toRoles] = await client.registry.standing(to.id);
      if (Number(toStatus) !== OrganisationStatus.Active) {
        const standing = OrganisationStatus[Number(toStatus)].toLowerCase();
        throw new InputError(`${to.name} is ${standing}: it cannot receive shipments`);
      }
      const allowed = toMaker ? HOLDERS : routes(org.mask);
      if ((Number(toRoles) & allowed) === 0) {
        throw new InputError(
          `${org.name} (${roleNames(org.mask).join(", ")}) may not ship to ${to.name} ` +
            `(${roleNames(toRoles).join(", ") || "no role"}): ` +
            (allowed === 0 ? "it returns goods to their maker only" : `it ships to ${roleNames(allowed).join(", ")}`),
        );
      }
      const [carrierStatus, carrierRoles] = await client.registry.standing(carrier.id);
      if (Number(carrierStatus) !== OrganisationStatus.Active || (Number(carrierRoles) & ROLE.LOGISTICS) === 0) {
        throw new InputError(`${carrier.name} is not an Active LOGISTICS member: it cannot carry shipments`);
      }
      await requireHolding(client, batch, org, quantity);
      const site = await siteArg(client, org, args.site, "--site");
      const toSite = await siteArg(client, to, args.toSite, "--to-site");
      const ref = args.ref === undefined ? ethers.ZeroHash : parseBytes32(args.ref, "--ref");
      const docHash = args.doc === undefined ? ethers.ZeroHash : parseDocument(args.doc, "--doc");
      const receipt = await client.send(`ship ${n(quantity)} units`, () =>
        client.ledger.ship(batch.batchId, to.id, quantity, carrier.id, ref, docHash, site.index, toSite.index),
      );
      const [event] = await ledgerEvents(client, receipt, "Shipped");
      const shipmentId: string = event.args.shipmentId;
      done(
        args,
        receipt,
        {
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
        ],
      );
    }),
  );

/** A carrier's step on a shipment: pick-up, delivery, return. */
function carrierTask(
  name: string,
  description: string,
  from: string,
  what: string,
  call: (client: MedAllianceClient, shipment: Shipment) => Promise<ContractTransactionResponse>,
  past: string,
) {
  shipmentTask(name, description).setAction(
    run<ShipmentArgs>(true, async (args, client) => {
      const rule = `only a shipment ${what}`;
      const { found, org } = await partyStep(client, args, "carrierOrgId", ROLE.LOGISTICS, [from], rule);
      const receipt = await client.send(`${past.split(" ")[0]} shipment ${shortId(found.id)}`, () =>
        call(client, found.shipment),
      );
      const status = shipmentStatus((await client.ledger.shipmentState(found.id)).status);
      shipmentDone(args, receipt, found, { status }, [
        `${org.name} ${past} ${describeShipment(client, found)}.`,
        `Shipment ${found.id} is now ${status}.`,
      ]);
    }),
  );
}

carrierTask(
  "ledger:pick-up",
  "The carrier records that it picked up a shipment",
  "InTransit",
  "in transit is picked up",
  (client, s) => client.ledger.pickUp(s),
  "picked up",
);
carrierTask(
  "ledger:deliver",
  "The carrier records delivery; the recipient's receipt window starts",
  "PickedUp",
  "picked up is delivered",
  (client, s) => client.ledger.deliver(s),
  "delivered",
);
carrierTask(
  "ledger:return",
  "The carrier records that refused goods are back with the sender",
  "Refused",
  "refused is returned",
  (client, s) => client.ledger.recordReturn(s),
  "returned",
);

interface ReceiveArgs extends ShipmentArgs {
  quantity?: string;
  damaged: boolean;
}

shipmentTask("ledger:receive", "The recipient receives a shipment: what arrived (a shortfall is lost in transit)")
  .addOptionalParam("quantity", "Quantity received (default: all that was shipped)", undefined)
  .addFlag("damaged", "The goods arrived damaged")
  .setAction(
    run<ReceiveArgs>(true, async (args, client) => {
      const rule = "only a shipment on its way or delivered is received";
      const { found, org } = await partyStep(client, args, "toOrgId", HOLDERS, ARRIVING, rule);
      const shipped = BigInt(found.shipment.quantity);
      const received = arrived(found, args.quantity, "--quantity");
      const receipt = await client.send(`receive shipment ${shortId(found.id)}`, () =>
        client.ledger.receiveShipment(found.shipment, received, !args.damaged),
      );
      const shortfall = shipped - received;
      const carrier = orgName(client, found.shipment.carrierOrgId);
      shipmentDone(
        args,
        receipt,
        found,
        {
          quantityReceived: received,
          shortfall,
          goodCondition: !args.damaged,
          holding: await holdingOf(client, found.batch, org),
        },
        [
          `${org.name} received ${n(received)} of ${n(shipped)} units of ${batchName(found.batch)}` +
            `${args.damaged ? ", damaged" : ""} (shipment ${shortId(found.id)}).`,
          ...(shortfall > 0n
            ? [`${n(shortfall)} units are recorded as lost in transit, attributed to ${carrier}.`]
            : []),
        ],
      );
    }),
  );

interface ShipmentReasonArgs extends ShipmentArgs {
  reason: string;
}

shipmentTask("ledger:refuse", "The recipient refuses a shipment; the carrier brings it back")
  .addParam("reason", REASON)
  .setAction(
    run<ShipmentReasonArgs>(true, async (args, client) => {
      const rule = "only a shipment on its way or delivered is refused";
      const { found, org } = await partyStep(client, args, "toOrgId", HOLDERS, ARRIVING, rule);
      const reasonHash = parseDocument(args.reason, "--reason");
      const receipt = await client.send(`refuse shipment ${shortId(found.id)}`, () =>
        client.ledger.refuse(found.shipment, reasonHash),
      );
      const carrier = orgName(client, found.shipment.carrierOrgId);
      shipmentDone(args, receipt, found, { reasonHash, status: "Refused" }, [
        `${org.name} refused ${describeShipment(client, found)}; ${carrier} brings it back.`,
      ]);
    }),
  );

shipmentTask("ledger:reclaim", "The sender takes back a shipment nobody answered within the receipt window").setAction(
  run<ShipmentArgs>(true, async (args, client) => {
    const rule = "only an open shipment that is not held is reclaimed";
    const { found, org } = await partyStep(client, args, "fromOrgId", HOLDERS, OPEN_NOT_HELD, rule);
    const refused = found.status === "Refused";
    const windowFrom = Number(refused ? found.state.answeredAt : found.state.deliveredAt);
    const windowEnds = windowFrom === 0 ? 0 : windowFrom + Number(await client.ledger.receiptWindow());
    const [recipientStatus] = await client.registry.standing(found.shipment.toOrgId);
    const id = shortId(found.id);
    if (Number(recipientStatus) === OrganisationStatus.Active) {
      if (windowEnds === 0) {
        throw new InputError(
          `Shipment ${id} is ${found.status}: it is reclaimed once delivered (or refused) and left unanswered past ` +
            "the receipt window",
        );
      }
      if ((await client.now()) < windowEnds) {
        const recipient = orgName(client, found.shipment.toOrgId);
        throw new InputError(
          refused
            ? `Shipment ${id} was refused: its carrier records the return, or ${org.name} reclaims it after ` +
                formatTime(windowEnds)
            : `${recipient} may answer shipment ${id} until ${formatTime(windowEnds)}: reclaim it after that`,
        );
      }
    }
    const receipt = await client.send(`reclaim shipment ${id}`, () => client.ledger.reclaim(found.shipment));
    const holding = await holdingOf(client, found.batch, org);
    shipmentDone(args, receipt, found, { quantity: found.shipment.quantity, holding }, [
      `${org.name} reclaimed ${describeShipment(client, found)}.`,
    ]);
  }),
);

interface SettleArgs extends ShipmentReasonArgs {
  received: string;
}

shipmentTask("ledger:settle", "A regulator settles an open shipment, stating what the recipient received")
  .addParam("received", "Quantity the recipient received (0 to the quantity shipped)")
  .addParam("reason", REASON)
  .setAction(
    run<SettleArgs>(true, async (args, client) => {
      const rule = "only an open shipment that is not held is settled";
      const found = await regulatorStep(client, args, "settle shipments", OPEN_NOT_HELD, rule);
      const received = arrived(found, args.received, "--received");
      const shortfall = BigInt(found.shipment.quantity) - received;
      const reasonHash = parseDocument(args.reason, "--reason");
      const receipt = await client.send(`settle shipment ${shortId(found.id)}`, () =>
        client.ledger.settle(found.shipment, received, reasonHash),
      );
      shipmentDone(args, receipt, found, { quantityReceived: received, shortfall, reasonHash }, [
        `A regulator settled ${describeShipment(client, found)}: ${n(received)} received, ${n(shortfall)} lost in transit.`,
      ]);
    }),
  );

interface ClearHoldArgs extends ShipmentReasonArgs {
  destroy: boolean;
}

shipmentTask("ledger:clear-hold", "A regulator clears a shipment held after a cold-chain excursion")
  .addFlag("destroy", "The goods are destroyed (the shipment is settled with nothing received)")
  .addParam("reason", REASON)
  .setAction(
    run<ClearHoldArgs>(true, async (args, client) => {
      const found = await regulatorStep(client, args, "clear holds", ["Held"], "only a held shipment is cleared");
      const reasonHash = parseDocument(args.reason, "--reason");
      const receipt = await client.send(`clear the hold on shipment ${shortId(found.id)}`, () =>
        client.ledger.clearHold(found.shipment, args.destroy, reasonHash),
      );
      const status = shipmentStatus((await client.ledger.shipmentState(found.id)).status);
      const outcome = args.destroy
        ? `the goods are destroyed and the shipment is ${status}`
        : `the goods are fit and the shipment is ${status} again`;
      shipmentDone(args, receipt, found, { destroyed: args.destroy, status, reasonHash }, [
        `A regulator cleared the hold on ${describeShipment(client, found)}: ${outcome}.`,
      ]);
    }),
  );

interface OutflowArgs extends BatchArgs {
  quantity: string;
  reference?: string;
  reason?: string;
}

/** Units leaving the chain from the sender's holding: dispensed to patients or destroyed. */
function outflowTask(
  name: string,
  description: string,
  o: {
    mask: number;
    document: "reference" | "reason";
    help: string;
    verb: string;
    past: string;
    check?: (batch: ResolvedBatch) => void;
    call: (
      client: MedAllianceClient,
      batchId: string,
      quantity: bigint,
      hash: string,
    ) => Promise<ContractTransactionResponse>;
  },
) {
  batchTask(name, description)
    .addParam("quantity", `Units ${o.past}`)
    .addParam(o.document, o.help)
    .setAction(
      run<OutflowArgs>(true, async (args, client) => {
        const org = await actor(client, o.mask);
        const batch = await client.resolveBatch(args.batch);
        const quantity = units(args.quantity, "--quantity");
        o.check?.(batch);
        await requireHolding(client, batch, org, quantity);
        const hash = parseDocument(args[o.document], `--${o.document}`);
        const receipt = await client.send(`${o.verb} ${n(quantity)} units`, () =>
          o.call(client, batch.batchId, quantity, hash),
        );
        const holding = await holdingOf(client, batch, org);
        done(args, receipt, { batchId: batch.batchId, orgId: org.id, quantity, [`${o.document}Hash`]: hash, holding }, [
          `${org.name} ${o.past} ${n(quantity)} units of ${batchName(batch)}; it holds ${n(holding)} more.`,
        ]);
      }),
    );
}

outflowTask("ledger:dispense", "A hospital or retailer dispenses units of a Released batch it holds (non-serialised)", {
  mask: ROLE.HOSPITAL | ROLE.RETAILER,
  document: "reference",
  help: "The prescription or order reference (a file, text or 0x hash; never personal data)",
  verb: "dispense",
  past: "dispensed",
  check: (batch) => {
    const status = batchStatus(batch.view.status);
    if (status !== "Released") {
      throw new InputError(`Batch ${batchName(batch)} is ${status}: only Released batches are dispensed`);
    }
    if (batch.view.serialised) {
      throw new InputError(
        `Batch ${batchName(batch)} has unit serials: it is dispensed unit by unit, by each unit's code`,
      );
    }
  },
  call: (client, batchId, quantity, hash) => client.ledger.dispense(batchId, quantity, hash),
});

outflowTask("ledger:destroy", "A holder destroys part of its holding, whatever the batch's status", {
  mask: HOLDERS,
  document: "reason",
  help: REASON,
  verb: "destroy",
  past: "destroyed",
  call: (client, batchId, quantity, hash) => client.ledger.destroy(batchId, quantity, hash),
});
