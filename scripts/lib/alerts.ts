/**
 * Alerts for operators: what `npx hardhat watch` raises while it follows the chain. Event rules read the logs of each
 * new block range (in pages); time rules look at open needs, reports, orders, agreements and licences against the
 * chain's time and fire once per subject. The state (last block processed, time-rule keys already fired, members
 * already below their safety stock) lives in a small JSON file, so a restart resumes where the last run stopped.
 *
 * Rules (name, severity):
 * - `quantity-discrepancy` (warning): a receipt, or a regulator's settlement, short of the quantity shipped;
 * - `clone-report` (critical): a unit's code reported seen again;
 * - `cold-chain-excursion` (critical when it held the shipment, else warning);
 * - `recall` (critical);
 * - `licence-expiring` (warning; critical once expired): within `licenceExpiryDays`, once per organisation and expiry;
 * - `safety-stock` (warning): a member's usable stock of a category fell below its safety stock (again after it was
 *   back at or above it);
 * - `need-underfunded` (warning): an open need within `needDeadlineHours` of its deadline with less than
 *   `needFundedBelow` of its target raised;
 * - `agreement-overdue` (warning): an active agreement past its hand-over deadline without everything delivered;
 * - `regulator-window` (warning; critical once lapsed): a need's verification window, an adverse event report's
 *   triage window or a custom device order's compliance window within `regulatorWindowHours` of lapsing.
 */
import fs from "node:fs";
import path from "node:path";
import { ethers, type Block, type Log, type LogDescription } from "ethers";
import type { MedAllianceClient } from "../client/client";
import { formatMoney } from "../client/client";
import { formatTime, shortId } from "../client/codes";
import { ClientError, InputError } from "../client/failures";
import { AgreementStatus, type PlainTerms } from "./agreements";
import { OrganisationStatus } from "./alliance";
import { NeedStatus } from "./donations";
import { formatGtin } from "./gs1";
import { OrderStatus } from "./orders";
import { celsius } from "./readings";
import { ReportStatus, Severity } from "./adverse";
import { safetyStockOf, type CategoryName, type Thresholds } from "./thresholds";
import { BatchStatus, Category, RecordKind, ShipmentStatus } from "./trace";

// ------------------------------------------------------------------------------------------------ alerts

export type AlertRule =
  | "quantity-discrepancy"
  | "clone-report"
  | "cold-chain-excursion"
  | "recall"
  | "licence-expiring"
  | "safety-stock"
  | "need-underfunded"
  | "agreement-overdue"
  | "regulator-window";

export type AlertSeverity = "critical" | "warning";

/** One alert, as printed with --json (one object per line) and posted to the webhook. */
export interface Alert {
  rule: AlertRule;
  severity: AlertSeverity;
  /** The block of the event, or the block at which a time rule was checked. */
  block: number;
  /** The transaction of an event rule's event (time rules have none). */
  transaction?: string;
  /** The block's time, ISO 8601 UTC. */
  time: string;
  /** The ids the alert is about (decimal strings or 0x hex): batchId, shipmentId, orgId, needId, reportId… */
  subjects: Record<string, string>;
  /** A plain sentence, with organisations by name and batches as GTIN/lot. */
  message: string;
}

/** An alert as a line for people: `[severity] rule — message`. */
export function formatAlert(alert: Alert): string {
  return `[${alert.severity}] ${alert.rule} — ${alert.message}`;
}

/** An alert as one line of JSON. */
export function alertJson(alert: Alert): string {
  return JSON.stringify(alert);
}

// ------------------------------------------------------------------------------------------------ state

/** What the watch remembers between runs. */
export interface WatchState {
  /** The chain and registry the state belongs to. */
  chainId: string;
  registry: string;
  /** The last block whose logs were processed; -1 when none yet. */
  lastBlock: number;
  /** Keys of the time rules already fired (and of members known below their safety stock). */
  fired: string[];
}

/** Where the state is kept unless --state says: MEDALLIANCE_WATCH_STATE, else .medalliance/watch-<chainId>.json. */
export function defaultStateFile(chainId: bigint): string {
  return process.env.MEDALLIANCE_WATCH_STATE || path.join(".medalliance", `watch-${chainId}.json`);
}

/** The state in `file`; undefined when there is no such file; refused when it cannot be read or is not a state. */
export function readState(file: string): WatchState | undefined {
  if (!fs.existsSync(file)) return undefined;
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    throw new InputError(`state file ${file} cannot be read: ${(error as Error).message}`);
  }
  let state: Partial<WatchState>;
  try {
    state = JSON.parse(text) as Partial<WatchState>;
  } catch {
    throw new InputError(`state file ${file} is not JSON: delete it or pass another --state`);
  }
  if (
    state === null ||
    typeof state !== "object" ||
    typeof state.chainId !== "string" ||
    typeof state.registry !== "string" ||
    !Number.isInteger(state.lastBlock) ||
    !Array.isArray(state.fired) ||
    !state.fired.every((key) => typeof key === "string")
  ) {
    throw new InputError(`state file ${file} is not a watch state (chainId, registry, lastBlock, fired)`);
  }
  return state as WatchState;
}

/** Writes the state atomically (a temporary file renamed over the old one), creating its folder. */
export function writeState(file: string, state: WatchState): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, JSON.stringify(state, null, 2) + "\n");
  fs.renameSync(temporary, file);
}

// ------------------------------------------------------------------------------------------------ webhook

export interface WebhookOptions {
  attempts?: number;
  /** Delay before the second attempt, doubled for each further one. */
  delayMs?: number;
  timeoutMs?: number;
}

/** POSTs the alert as JSON, retrying; returns undefined when delivered, else why it failed after the last attempt. */
export async function postAlert(url: string, alert: Alert, options: WebhookOptions = {}): Promise<string | undefined> {
  const attempts = options.attempts ?? 3;
  let delay = options.delayMs ?? 250;
  let problem = "";
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: alertJson(alert),
        signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      });
      if (response.ok) return undefined;
      problem = `HTTP ${response.status} ${response.statusText}`.trim();
    } catch (error) {
      const cause = (error as { cause?: { message?: string } }).cause?.message;
      problem = cause ?? (error as Error).message;
    }
    if (attempt < attempts) {
      await sleep(delay);
      delay *= 2;
    }
  }
  return `${problem} (${attempts} attempt${attempts === 1 ? "" : "s"})`;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// ------------------------------------------------------------------------------------------------ the rules

/** A shipment's fields as the ledger's `Shipped` event gave them. */
interface Shipment {
  batchId: string;
  fromOrgId: bigint;
  toOrgId: bigint;
  carrierOrgId: bigint;
  quantity: bigint;
}

interface BatchInfo {
  gtin: bigint;
  lot: string;
  makerOrgId: bigint;
}

const CATEGORY_WORDS: Record<CategoryName, string> = {
  Drug: "drugs",
  Device: "devices",
  ProtectiveEquipment: "protective equipment",
  Consumable: "consumables",
  RawMaterial: "raw materials",
};

const HOUR = 3600;
const DAY = 86_400;
const n = (value: bigint | number) => BigInt(value).toLocaleString("en-US");
const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

/** "in 5 hours" / "3 days ago": whole days from two days on, else whole hours, else whole minutes (rounded down). */
function relative(seconds: number): string {
  const span = Math.abs(seconds);
  const [unit, word] =
    span >= 2 * DAY ? [DAY, "day"] : span >= HOUR ? [HOUR, "hour"] : span >= 60 ? [60, "minute"] : [1, "second"];
  const count = Math.floor(span / unit);
  const words = `${count.toLocaleString("en-US")} ${word}${count === 1 ? "" : "s"}`;
  return seconds >= 0 ? `in ${words}` : `${words} ago`;
}

/**
 * Reads a network's logs and state and turns them into alerts. One instance serves a whole watch: it caches batches,
 * shipments and agreement terms as it reads them.
 */
export class AlertEngine {
  private readonly batches = new Map<string, BatchInfo>();
  private readonly categories = new Map<bigint, Category>();
  private readonly shipments = new Map<string, Shipment>();
  private readonly terms = new Map<bigint, PlainTerms>();
  private readonly interfaces = new Map<string, ethers.Interface>();
  private readonly addresses: string[];

  constructor(
    readonly client: MedAllianceClient,
    readonly thresholds: Thresholds,
    readonly pageSize = 2_000,
  ) {
    // The registry and the ledger are always there; a network may run without some of the other modules.
    const contracts = [
      client.registry,
      client.ledger,
      this.optional(() => client.serials),
      this.optional(() => client.readings),
      this.optional(() => client.escrow),
      this.optional(() => client.agreements),
      this.optional(() => client.adverse),
      this.optional(() => client.orders),
    ];
    for (const contract of contracts) {
      if (contract !== undefined) this.interfaces.set(String(contract.target).toLowerCase(), contract.interface);
    }
    this.addresses = [...this.interfaces.keys()];
  }

  /** A module of the system, or undefined when the registry's directory does not list it. */
  private optional<T>(module: () => T): T | undefined {
    try {
      return module();
    } catch {
      return undefined;
    }
  }

  /** Reads, from the deployment up to `beforeBlock`, the batches and agreements later alerts name. */
  async load(beforeBlock: number): Promise<void> {
    const ledger = this.client.ledger;
    const agreements = this.optional(() => this.client.agreements);
    const topics = [ledger.interface.getEvent("BatchCommissioned")!.topicHash];
    const addresses = [String(ledger.target)];
    if (agreements !== undefined) {
      topics.push(agreements.interface.getEvent("AgreementProposed")!.topicHash);
      addresses.push(String(agreements.target));
    }
    const from = this.client.system.fromBlock;
    for (const { event } of await this.logs(from, beforeBlock - 1, addresses, [topics])) {
      this.remember(event);
    }
  }

  /** The logs of `addresses` in [from, to], read in pages, decoded, in chain order. */
  private async logs(
    from: number,
    to: number,
    addresses: string[] = this.addresses,
    topics?: (string | string[])[],
  ): Promise<{ log: Log; event: LogDescription }[]> {
    const found: { log: Log; event: LogDescription }[] = [];
    for (let start = from; start <= to; start += this.pageSize) {
      const end = Math.min(to, start + this.pageSize - 1);
      const logs = await this.client.provider.getLogs({ address: addresses, fromBlock: start, toBlock: end, topics });
      for (const log of logs) {
        const event = this.interfaces.get(log.address.toLowerCase())?.parseLog(log);
        if (event) found.push({ log, event });
      }
    }
    return found.sort((a, b) => a.log.blockNumber - b.log.blockNumber || a.log.index - b.log.index);
  }

  private remember(event: LogDescription): void {
    if (event.name === "BatchCommissioned") {
      this.batches.set(event.args.batchId.toLowerCase(), {
        gtin: event.args.gtin,
        lot: ethers.decodeBytes32String(event.args.request.lot),
        makerOrgId: event.args.makerOrgId,
      });
    } else if (event.name === "AgreementProposed") {
      const t = event.args.terms;
      const terms = {} as Record<string, unknown>;
      for (const key of Object.keys(t.toObject())) terms[key] = t[key];
      this.terms.set(event.args.agreementId, terms as unknown as PlainTerms);
    } else if (event.name === "Shipped") {
      this.shipments.set(event.args.shipmentId.toLowerCase(), shipmentOf(event.args.shipment));
    }
  }

  // -------------------------------------------------------------------------------------------- names

  private org(id: bigint | number): string {
    return this.client.orgName(BigInt(id)) ?? `organisation ${id}`;
  }

  private async batch(batchId: string): Promise<BatchInfo> {
    const key = batchId.toLowerCase();
    let info = this.batches.get(key);
    if (info === undefined) {
      const resolved = await this.client.resolveBatch(batchId);
      info = { gtin: resolved.gtin, lot: resolved.lot, makerOrgId: resolved.view.makerOrgId };
      this.batches.set(key, info);
    }
    return info;
  }

  /** A batch as GTIN/lot. */
  private async batchName(batchId: string): Promise<string> {
    const info = await this.batch(batchId);
    return `${formatGtin(info.gtin)}/${info.lot}`;
  }

  private async shipment(shipmentId: string): Promise<Shipment> {
    const key = shipmentId.toLowerCase();
    let shipment = this.shipments.get(key);
    if (shipment === undefined) {
      shipment = shipmentOf(await this.client.findShipment(shipmentId));
      this.shipments.set(key, shipment);
    }
    return shipment;
  }

  private async category(gtin: bigint): Promise<Category> {
    let category = this.categories.get(gtin);
    if (category === undefined) {
      category = Number((await this.client.catalog.product(gtin)).category) as Category;
      this.categories.set(gtin, category);
    }
    return category;
  }

  /** Who an account acts for: its organisation's name, else "a regulator (0x…)" or "account 0x…". */
  private async actor(account: string): Promise<string> {
    const [orgId] = await this.client.registry.membershipOf(account);
    if (orgId !== 0n) return this.org(orgId);
    const regulator = await this.client.registry.hasRole(ethers.id("REGULATOR_ROLE"), account);
    return regulator ? `a regulator (${shortId(account)})` : `account ${shortId(account)}`;
  }

  // -------------------------------------------------------------------------------------------- event rules

  /**
   * The alerts of the events in blocks [from, to]. `fired` holds the members known below their safety stock (keys
   * `stock:<orgId>:<category>`); it is updated.
   */
  async events(from: number, to: number, fired: Set<string>): Promise<Alert[]> {
    const found = await this.logs(from, to);
    if (found.length === 0) return [];
    if (found.some(({ event }) => event.name === "OrganisationRegistered")) await this.client.organisations(true);
    const times = new Map<number, number>();
    const timeOf = async (block: number) => {
      if (!times.has(block)) times.set(block, (await this.client.provider.getBlock(block))!.timestamp);
      return times.get(block)!;
    };
    // What answered each shipment, per transaction: the shortfall is emitted before its receipt or settlement.
    const answers = new Map<string, LogDescription>();
    const settledIn = new Set<string>();
    for (const { log, event } of found) {
      this.remember(event);
      if (event.name === "Received" || event.name === "ShipmentSettled") {
        answers.set(`${log.transactionHash}:${event.args.shipmentId}`, event);
        settledIn.add(log.transactionHash);
      }
    }
    const alerts: Alert[] = [];
    const touched = new Map<string, { batchId: string; orgIds?: bigint[]; log: Log }>();
    const touch = (batchId: string, log: Log, orgId?: bigint) => {
      const key = `${batchId.toLowerCase()}:${orgId ?? "*"}`;
      touched.delete(key);
      touched.set(key, { batchId, orgIds: orgId === undefined ? undefined : [orgId], log });
    };
    for (const { log, event } of found) {
      const alert = async (
        rule: AlertRule,
        severity: AlertSeverity,
        subjects: Record<string, unknown>,
        message: string,
      ): Promise<void> => {
        const strings: Record<string, string> = {};
        for (const [key, value] of Object.entries(subjects)) strings[key] = String(value);
        alerts.push({
          rule,
          severity,
          block: log.blockNumber,
          transaction: log.transactionHash,
          time: iso(await timeOf(log.blockNumber)),
          subjects: strings,
          message,
        });
      };
      const a = event.args;
      switch (event.name) {
        case "BatchCommissioned":
          touch(a.batchId, log, a.makerOrgId);
          for (const input of a.request.inputs) touch(input.batchId, log, a.makerOrgId);
          break;
        case "Shipped":
          touch(a.batchId, log, a.shipment.fromOrgId);
          break;
        case "Received":
        case "ShipmentSettled": {
          if (BigInt(a.quantityReceived) === 0n) break;
          const s = await this.shipment(a.shipmentId);
          touch(s.batchId, log, s.toOrgId);
          break;
        }
        case "ShipmentUpdated": {
          const status = Number(a.status) as ShipmentStatus;
          if (status === ShipmentStatus.Returned || status === ShipmentStatus.Reclaimed) {
            const s = await this.shipment(a.shipmentId);
            touch(s.batchId, log, s.fromOrgId);
          }
          break;
        }
        case "Dispensed":
          touch(a.batchId, log, a.orgId);
          break;
        case "Destroyed":
          // A hold cleared by destroying the goods destroys them in transit: nobody's holding changes.
          if (!settledIn.has(log.transactionHash)) touch(a.batchId, log, a.orgId);
          break;
        case "Recorded": {
          const kind = Number(a.kind) as RecordKind;
          if (kind === RecordKind.Blocked || kind === RecordKind.Unblocked) touch(a.batchId, log);
          break;
        }
        case "ShortfallReported": {
          const s = await this.shipment(a.shipmentId);
          const answer = answers.get(`${log.transactionHash}:${a.shipmentId}`);
          const shipped = s.quantity;
          const received = shipped - BigInt(a.shortfall);
          const batch = await this.batchName(a.batchId);
          const blame = `${n(a.shortfall)} short, attributed to carrier ${this.org(a.carrierOrgId)}`;
          const message =
            answer?.name === "ShipmentSettled"
              ? `${capitalise(await this.actor(answer.args.regulator))} settled the shipment of ${n(shipped)} units of ${batch} ` +
                `from ${this.org(s.fromOrgId)} to ${this.org(s.toOrgId)} at ${n(received)} received: ${blame}.`
              : `${this.org(s.toOrgId)} received ${n(received)} of the ${n(shipped)} units of ${batch} shipped by ` +
                `${this.org(s.fromOrgId)}: ${blame}.`;
          await alert(
            "quantity-discrepancy",
            "warning",
            {
              shipmentId: a.shipmentId,
              batchId: a.batchId,
              fromOrgId: s.fromOrgId,
              toOrgId: s.toOrgId,
              carrierOrgId: a.carrierOrgId,
            },
            message,
          );
          break;
        }
        case "CloneReported": {
          const place = BigInt(a.place);
          const where =
            place > 0n && place < 10n ** 13n
              ? `at GLN ${place.toString().padStart(13, "0")}`
              : `at site reference ${shortId(a.place)}`;
          const who =
            a.reporterOrgId === 0n ? `a member of the public (${shortId(a.reporter)})` : this.org(a.reporterOrgId);
          const serial = ethers.decodeBytes32String(a.serial);
          await alert(
            "clone-report",
            "critical",
            { batchId: a.batchId, unitIndex: a.index, serial, reporterOrgId: a.reporterOrgId, reporter: a.reporter },
            `Unit ${n(a.index)} (serial ${serial}) of ${await this.batchName(a.batchId)} was reported seen again ` +
              `by ${who} ${where}: a possible copy.`,
          );
          break;
        }
        case "ExcursionReported": {
          const s = await this.shipment(a.shipmentId);
          const held = a.held as boolean;
          await alert(
            "cold-chain-excursion",
            held ? "critical" : "warning",
            { shipmentId: a.shipmentId, batchId: s.batchId, device: a.device, toOrgId: s.toOrgId },
            `A reading of ${celsius(a.value)}, outside ${celsius(a.minTemperature)} to ${celsius(a.maxTemperature)}, ` +
              `on the shipment of ${n(s.quantity)} units of ${await this.batchName(s.batchId)} from ` +
              `${this.org(s.fromOrgId)} to ${this.org(s.toOrgId)} carried by ${this.org(s.carrierOrgId)}: ` +
              (held ? "the shipment is held until a regulator clears it." : "the shipment was already held."),
          );
          break;
        }
        case "BatchRecalled": {
          const info = await this.batch(a.batchId);
          await alert(
            "recall",
            "critical",
            { batchId: a.batchId, makerOrgId: info.makerOrgId, actor: a.actor },
            `${await this.batchName(a.batchId)} of ${this.org(info.makerOrgId)} was recalled (class ` +
              `${a.recallClass}) by ${await this.actor(a.actor)}: stop dispensing and shipping it.`,
          );
          touch(a.batchId, log);
          break;
        }
      }
    }
    alerts.push(...(await this.stock([...touched.values()], fired, timeOf)));
    return alerts;
  }

  /** Usable stock (batches neither blocked, recalled nor expired) of the members whose holdings changed. */
  private async stock(
    touched: { batchId: string; orgIds?: bigint[]; log: Log }[],
    fired: Set<string>,
    timeOf: (block: number) => Promise<number>,
  ): Promise<Alert[]> {
    const orgs = await this.client.organisations();
    const latest = new Map<string, { orgId: bigint; category: Category; log: Log }>();
    for (const { batchId, orgIds, log } of touched) {
      const category = await this.category((await this.batch(batchId)).gtin);
      // A status change (block, recall) concerns every member holding some of the batch.
      const holders =
        orgIds ??
        (await asyncFilter([...orgs.keys()], async (id) => (await this.client.ledger.holdingOf(batchId, id)) > 0n));
      for (const orgId of holders) latest.set(`${orgId}:${category}`, { orgId, category, log });
    }
    const alerts: Alert[] = [];
    for (const { orgId, category, log } of latest.values()) {
      const name = Category[category] as CategoryName;
      const org = orgs.get(orgId);
      if (org === undefined || name === undefined) continue;
      const threshold = BigInt(safetyStockOf(this.thresholds, name, orgId, org.name));
      const key = `stock:${orgId}:${name}`;
      let held = 0n;
      for (const [batchId, info] of this.batches) {
        if ((await this.category(info.gtin)) !== category) continue;
        const holding = await this.client.ledger.holdingOf(batchId, orgId);
        if (holding === 0n) continue;
        const status = Number(await this.client.ledger.batchStatus(batchId)) as BatchStatus;
        if (status === BatchStatus.Blocked || status === BatchStatus.Recalled || status === BatchStatus.Expired)
          continue;
        held += holding;
      }
      if (held >= threshold) {
        fired.delete(key);
        continue;
      }
      if (fired.has(key)) continue;
      fired.add(key);
      alerts.push({
        rule: "safety-stock",
        severity: "warning",
        block: log.blockNumber,
        transaction: log.transactionHash,
        time: iso(await timeOf(log.blockNumber)),
        subjects: { orgId: orgId.toString(), category: name },
        message:
          `${org.name} holds ${n(held)} usable units of ${CATEGORY_WORDS[name]}, below its safety stock of ` +
          `${n(threshold)}.`,
      });
    }
    return alerts;
  }

  // -------------------------------------------------------------------------------------------- time rules

  /** The time rules' alerts at `block` (its time is "now"); each fires once per key in `fired`, which is updated. */
  async timeRules(block: Block, fired: Set<string>): Promise<Alert[]> {
    const now = block.timestamp;
    const t = this.thresholds;
    const alerts: Alert[] = [];
    const fire = (
      key: string,
      rule: AlertRule,
      severity: AlertSeverity,
      subjects: Record<string, unknown>,
      message: string,
    ) => {
      if (fired.has(key)) return;
      fired.add(key);
      const strings: Record<string, string> = {};
      for (const [name, value] of Object.entries(subjects)) strings[name] = String(value);
      alerts.push({ rule, severity, block: block.number, time: iso(now), subjects: strings, message });
    };
    const windowHorizon = t.regulatorWindowHours * HOUR;
    const lapses = (deadline: number) =>
      deadline >= now
        ? `lapses on ${formatTime(deadline)}, ${relative(deadline - now)}`
        : `lapsed on ${formatTime(deadline)}, ${relative(deadline - now)}`;

    // Licences.
    const watched = [OrganisationStatus.Active, OrganisationStatus.Suspended, OrganisationStatus.Expired];
    for (const org of (await this.client.organisations(true)).values()) {
      const expiry = Number(org.licenceExpiry);
      if (expiry === 0 || !watched.includes(org.status) || expiry - now > t.licenceExpiryDays * DAY) continue;
      const expired = expiry <= now;
      fire(
        `licence:${org.id}:${expiry}`,
        "licence-expiring",
        expired ? "critical" : "warning",
        { orgId: org.id, licenceExpiry: expiry },
        `The licence of ${org.name} ${expired ? "expired" : "expires"} on ${formatTime(expiry)}, ` +
          `${relative(expiry - now)}` +
          (expired ? ": it may not act until a renewal is approved." : ": a renewal needs a regulator's approval."),
      );
    }

    // Needs: verification windows, and deadlines near with too little raised.
    const escrow = this.optional(() => this.client.escrow);
    const [needCount] = escrow === undefined ? [0n] : await escrow.counts();
    const verificationWindow = Number(needCount > 0n ? await escrow!.verificationWindow() : 0);
    for (let id = 1n; id <= needCount; id++) {
      const need = await escrow!.need(id);
      const status = Number(need.status) as NeedStatus;
      const what = `need #${id} of ${this.org(need.beneficiaryOrgId)} (${n(need.quantity)} units of ${
        need.gtin !== 0n
          ? formatGtin(need.gtin)
          : `any ${CATEGORY_WORDS[Category[Number(need.category)] as CategoryName]}`
      })`;
      if (status === NeedStatus.Posted) {
        const deadline = Number(need.postedAt) + verificationWindow;
        if (deadline - now > windowHorizon) continue;
        fire(
          `verification:${id}`,
          "regulator-window",
          deadline < now ? "critical" : "warning",
          { needId: id, beneficiaryOrgId: need.beneficiaryOrgId, deadline },
          `${capitalise(what)} awaits a regulator's verification: the verification window ${lapses(deadline)}.`,
        );
      } else if (status === NeedStatus.Open) {
        const deadline = Number(need.deadline);
        if (deadline - now > t.needDeadlineHours * HOUR || need.target === 0n) continue;
        const fraction = Number(need.raised) / Number(need.target);
        if (fraction >= t.needFundedBelow) continue;
        const asset = await this.client.assetInfo(need.asset);
        fire(
          `need-deadline:${id}`,
          "need-underfunded",
          "warning",
          { needId: id, beneficiaryOrgId: need.beneficiaryOrgId, deadline },
          `${capitalise(what)}, urgency ${need.urgency}, closes on ${formatTime(deadline)}, ` +
            `${relative(deadline - now)}, with ${formatMoney(need.raised, asset)} raised of ` +
            `${formatMoney(need.target, asset)} (${Math.floor(fraction * 100)}%).`,
        );
      }
    }

    // Adverse event reports awaiting triage.
    const adverse = this.optional(() => this.client.adverse);
    const reportCount = adverse === undefined ? 0n : await adverse.reportCount();
    for (let id = 1n; id <= reportCount; id++) {
      const report = await adverse!.reportOf(id);
      const status = Number(report.status) as ReportStatus;
      if (status !== ReportStatus.Open && status !== ReportStatus.Overdue) continue;
      const deadline = Number(report.triageDeadline);
      if (deadline - now > windowHorizon) continue;
      fire(
        `triage:${id}`,
        "regulator-window",
        deadline < now ? "critical" : "warning",
        { reportId: id, batchId: report.batchId, reporterOrgId: report.reporterOrgId, deadline },
        `Adverse event report #${id} (${Severity[Number(report.severity)]}, on ${await this.batchName(
          report.batchId,
        )} by ${this.org(report.reporterOrgId)}) awaits triage: the triage window ${lapses(deadline)}.`,
      );
    }

    // Custom device orders awaiting a compliance ruling (a revision restarts the clock: a new key).
    const orders = this.optional(() => this.client.orders);
    const orderCount = orders === undefined ? 0n : await orders.orderCount();
    for (let id = 1n; id <= orderCount; id++) {
      const order = await orders!.orderOf(id);
      if ((Number(order.status) as OrderStatus) !== OrderStatus.Produced) continue;
      const deadline = Number(order.complianceDeadline);
      if (deadline - now > windowHorizon) continue;
      fire(
        `compliance:${id}:${order.producedAt}`,
        "regulator-window",
        deadline < now ? "critical" : "warning",
        { orderId: id, hospitalOrgId: order.hospitalOrgId, manufacturerOrgId: order.manufacturerOrgId, deadline },
        `Custom device order #${id} (${formatGtin(order.gtin)} made by ${this.org(order.manufacturerOrgId)} for ` +
          `${this.org(order.hospitalOrgId)}) awaits a compliance ruling: the compliance window ${lapses(deadline)}.`,
      );
    }

    // Active agreements past their hand-over deadline with goods missing.
    const agreements = this.optional(() => this.client.agreements);
    const agreementCount = agreements === undefined ? 0n : await agreements.agreementCount();
    for (let id = 1n; id <= agreementCount; id++) {
      const terms = this.terms.get(id);
      if (terms === undefined || Number(terms.handOverDeadline) >= now) continue;
      const view = await agreements!.agreement(id);
      if ((Number(view.status) as AgreementStatus) !== AgreementStatus.Active) continue;
      if (BigInt(view.delivered) >= BigInt(terms.quantity)) continue;
      const deadline = Number(terms.handOverDeadline);
      fire(
        `agreement-deadline:${id}`,
        "agreement-overdue",
        "warning",
        { agreementId: id, buyerOrgId: terms.buyerOrgId, supplierOrgId: terms.supplierOrgId, deadline },
        `Agreement #${id}: ${this.org(terms.supplierOrgId)} was to hand over ${n(terms.quantity)} units of ` +
          `${formatGtin(BigInt(terms.gtin))} to ${this.org(terms.buyerOrgId)} by ${formatTime(deadline)} ` +
          `(${relative(deadline - now)}); ${n(view.delivered)} delivered so far.`,
      );
    }
    return alerts;
  }
}

function shipmentOf(s: {
  batchId: ethers.BytesLike;
  fromOrgId: ethers.BigNumberish;
  toOrgId: ethers.BigNumberish;
  carrierOrgId: ethers.BigNumberish;
  quantity: ethers.BigNumberish;
}): Shipment {
  return {
    batchId: ethers.hexlify(s.batchId),
    fromOrgId: BigInt(s.fromOrgId),
    toOrgId: BigInt(s.toOrgId),
    carrierOrgId: BigInt(s.carrierOrgId),
    quantity: BigInt(s.quantity),
  };
}

const capitalise = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

async function asyncFilter<T>(items: T[], keep: (item: T) => Promise<boolean>): Promise<T[]> {
  const kept: T[] = [];
  for (const item of items) if (await keep(item)) kept.push(item);
  return kept;
}

// ------------------------------------------------------------------------------------------------ the watch

export interface WatchOptions {
  /** Process up to the current block and return (else poll every `interval` seconds until stopped). */
  once: boolean;
  interval: number;
  stateFile: string;
  /** Where to start: a block number, "latest" (the next block), or undefined (after the state's last block, else
   * the deployment's first block). */
  fromBlock?: number | "latest";
  pageSize: number;
  thresholds: Thresholds;
  webhook?: string;
  webhookOptions?: WebhookOptions;
  /** Prints an alert (a line, or JSON). */
  print: (alert: Alert) => void;
  /** Reports a problem that does not stop the watch (a failed webhook post, an unreachable node while polling). */
  warn: (message: string) => void;
  /** Resolves when the watch should stop (Ctrl-C). */
  stopped?: Promise<void>;
}

/** Follows the chain and raises alerts until stopped (or, with `once`, up to the current block). */
export async function watch(client: MedAllianceClient, options: WatchOptions): Promise<void> {
  const provider = client.provider;
  const chainId = (await provider.getNetwork()).chainId;
  const registry = String(client.system.registry.target);
  const saved = readState(options.stateFile);
  if (
    saved !== undefined &&
    (saved.chainId !== chainId.toString() || saved.registry.toLowerCase() !== registry.toLowerCase())
  ) {
    throw new InputError(
      `state file ${options.stateFile} belongs to registry ${saved.registry} on chain ${saved.chainId}, not ` +
        `${registry} on chain ${chainId}: pass another --state`,
    );
  }
  const state: WatchState = saved ?? { chainId: chainId.toString(), registry, lastBlock: -1, fired: [] };
  const fired = new Set(state.fired);
  let next: number;
  if (options.fromBlock === "latest") next = (await provider.getBlockNumber()) + 1;
  else if (options.fromBlock !== undefined) next = options.fromBlock;
  else next = saved !== undefined ? saved.lastBlock + 1 : client.system.fromBlock;

  const engine = new AlertEngine(client, options.thresholds, options.pageSize);
  await client.organisations(true);
  await engine.load(next);

  const emit = async (alerts: Alert[]) => {
    for (const alert of alerts) {
      options.print(alert);
      if (options.webhook !== undefined) {
        const problem = await postAlert(options.webhook, alert, options.webhookOptions);
        if (problem !== undefined) {
          options.warn(
            `Could not post the ${alert.rule} alert of block ${alert.block} to ${options.webhook}: ${problem}`,
          );
        }
      }
    }
  };
  const save = () => {
    state.fired = [...fired];
    writeState(options.stateFile, state);
  };

  let checkedAt = -1;
  const round = async () => {
    const head = await provider.getBlockNumber();
    for (let from = next; from <= head; from += options.pageSize) {
      const to = Math.min(head, from + options.pageSize - 1);
      await emit(await engine.events(from, to, fired));
      state.lastBlock = to;
      next = to + 1;
      save();
    }
    if (head !== checkedAt) {
      const block = (await provider.getBlock(head))!;
      await emit(await engine.timeRules(block, fired));
      checkedAt = head;
      if (state.lastBlock < next - 1) state.lastBlock = next - 1;
      save();
    }
  };

  if (options.once) return round();
  let stop = false;
  const stopped = (options.stopped ?? new Promise<void>(() => undefined)).then(() => {
    stop = true;
  });
  while (!stop) {
    try {
      await round();
    } catch (error) {
      if (error instanceof InputError) throw error;
      const message = error instanceof ClientError ? error.message : (error as Error).message;
      options.warn(
        `The watch could not read block ${next} and later: ${message}; trying again in ${options.interval} s`,
      );
    }
    await Promise.race([sleep(options.interval * 1000), stopped]);
  }
}
