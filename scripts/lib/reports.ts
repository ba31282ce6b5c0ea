/**
 * The regulator's report: the alliance's state rebuilt from the public logs and views, in seven tables — batch
 * provenance (each history proved against its on-chain head), holdings by member, safety stock against the thresholds,
 * days of cover from a smoothed demand forecast, needs and gifts, agreements and penalties, adverse events with their
 * year-on-year growth — written as one CSV file per table, a report.json with every table and a summary, and a
 * headline chart (report.svg).
 *
 * Logs are read in block ranges of at most `pageSize` blocks, so the report works on long chains and on nodes that
 * bound eth_getLogs.
 */
import fs from "node:fs";
import path from "node:path";
import { ethers, type LogDescription } from "ethers";
import { queryInPages } from "./logs";
import type {
  AdverseEventRegistry,
  BatchLedger,
  DonationEscrow,
  ProductCatalog,
  SupplyAgreements,
} from "../../typechain-types";
import { wholeUnits } from "../client/codes";
import { AgreementStatus, defectPenalty, valueOf, type PlainTerms } from "./agreements";
import { renderChart, type Chart } from "./chart";
import { NeedStatus } from "./donations";
import { formatGtin } from "./gs1";
import { decodeRecord, fetchHistory, proveChain, proveHistory, type HistoryEntry, type HistoryProof } from "./history";
import { loadThresholds, safetyStockOf, type CategoryName, type Thresholds } from "./thresholds";
import { BatchStatus, Category, RecordKind } from "./trace";

const DAY_SECONDS = 86_400;

/** The contracts a report reads. */
export interface ReportContracts {
  ledger: BatchLedger;
  catalog: ProductCatalog;
  escrow: DonationEscrow;
  agreements: SupplyAgreements;
  adverse: AdverseEventRegistry;
}

/** A payment asset as tables print it. */
export interface AssetInfo {
  symbol: string;
  decimals: number;
}

export interface ReportOptions {
  /** First block to read logs from (the deployment's block). */
  fromBlock?: number;
  /** Last block to read (default: the latest); the report's time is this block's. */
  toBlock?: number;
  /** Blocks per eth_getLogs call (default 1,000). */
  pageSize?: number;
  /** The thresholds to judge by (default: loadThresholds()). */
  thresholds?: Thresholds;
  /** Organisation names for the tables (default "organisation <id>"). */
  orgName?: (id: bigint) => string | undefined;
  /** Every organisation's id, to find members the thresholds file names (default: those the report meets). */
  orgIds?: bigint[];
  /** Symbol and decimals of a payment asset (default: ETH for the zero address, raw units for tokens). */
  assetInfo?: (address: string) => Promise<AssetInfo>;
}

// ------------------------------------------------------------------------------------------------ the tables

export interface ProvenanceRow {
  batchId: string;
  gtin: string;
  lot: string;
  maker: string;
  status: string;
  records: number;
  proven: boolean;
  problem: string;
  head: string;
  holders: string;
}

export interface HoldingRow {
  member: string;
  batchId: string;
  gtin: string;
  lot: string;
  category: string;
  /** The batch's status: only Released stock counts toward safety stock and days of cover. */
  status: string;
  quantity: number;
  expiry: string;
}

export interface SafetyStockRow {
  member: string;
  category: string;
  /** Units of Released batches (usable stock). */
  held: number;
  threshold: number;
  shortfall: number;
  below: boolean;
}

export interface CoverRow {
  member: string;
  category: string;
  held: number;
  /** Days of dispensing history smoothed (from the first dispensing day to the report's day). */
  days: number;
  /** The smoothed daily dispensing, two decimals. */
  dispensingForecast: number;
  /** Open needs' remaining quantities spread over the days to their deadlines, two decimals. */
  needsDaily: number;
  /** Forecast daily demand: the two above, two decimals. */
  dailyDemand: number;
  /** held / dailyDemand, one decimal; null when there is no demand. */
  daysOfCover: number | null;
}

export interface NeedRow {
  need: number;
  hospital: string;
  product: string;
  status: string;
  quantity: number;
  remaining: number;
  asset: string;
  target: string;
  raised: string;
  released: string;
  refunded: string;
  /** raised / target in percent, one decimal. */
  fundedPercent: number;
}

export interface GiftRow {
  donor: string;
  need: number;
  asset: string;
  given: string;
  /** The donor's pro-rata part of what the need released to suppliers. */
  spent: string;
  refunded: string;
  redirected: string;
}

export interface AgreementRow {
  agreement: number;
  buyer: string;
  supplier: string;
  carrier: string;
  gtin: string;
  quantity: number;
  delivered: number;
  asset: string;
  value: string;
  status: string;
  supplierLate: string;
  supplierDefect: string;
  carrierLate: string;
  carrierDefect: string;
  penalties: string;
  /** Each party's share of the agreement's penalties, percent, one decimal (0 when there are none). */
  supplierShare: number;
  carrierShare: number;
}

export interface AdverseRow {
  /** The product's GTIN (by product) or the maker's name (by maker). */
  key: string;
  thisYear: number;
  lastYear: number;
  total: number;
  /** (this − last) / last in percent, one decimal; null when last year had none. */
  growthPercent: number | null;
  /** "+50.0%", "-25.0%", "new" (none last year), "—" (none either year). */
  growth: string;
}

export interface ReportTables {
  provenance: ProvenanceRow[];
  holdings: HoldingRow[];
  safetyStock: SafetyStockRow[];
  cover: CoverRow[];
  needs: NeedRow[];
  gifts: GiftRow[];
  agreements: AgreementRow[];
  adverseByProduct: AdverseRow[];
  adverseByMaker: AdverseRow[];
}

export interface ReportSummary {
  /** The report's time: the last block read, as a Unix time and in words. */
  asOf: number;
  asOfText: string;
  block: number;
  batches: number;
  proven: number;
  unproven: string[];
  unitsHeld: number;
  belowSafetyStock: number;
  lowestCover: { member: string; category: string; daysOfCover: number } | null;
  openNeeds: number;
  agreements: number;
  penalisedAgreements: number;
  adverseThisYear: number;
  adverseLastYear: number;
  adverseGrowth: string;
  forecastSmoothing: number;
}

export interface Report {
  summary: ReportSummary;
  tables: ReportTables;
}

/** The CSV file of each table. */
export const TABLE_FILES: Record<keyof ReportTables, string> = {
  provenance: "provenance.csv",
  holdings: "holdings.csv",
  safetyStock: "safety-stock.csv",
  cover: "days-of-cover.csv",
  needs: "needs.csv",
  gifts: "gifts.csv",
  agreements: "agreements.csv",
  adverseByProduct: "adverse-by-product.csv",
  adverseByMaker: "adverse-by-maker.csv",
};

// ------------------------------------------------------------------------------------------------ reading logs

/** A block range read in pages. */
export interface PagedRange {
  fromBlock: number;
  toBlock: number;
  pageSize: number;
}

/** Runs `query` over `range` in pages of at most `pageSize` blocks and concatenates the results in order. */
export async function paged<T>(range: PagedRange, query: (from: number, to: number) => Promise<T[]>): Promise<T[]> {
  return queryInPages(undefined, range, query);
}

// ------------------------------------------------------------------------------------------------ demand forecast

/**
 * Simple exponential smoothing: s₀ = x₀, sₜ = α·xₜ + (1 − α)·sₜ₋₁; the forecast is the last s (0 for no data).
 */
export function smooth(series: number[], alpha: number): number {
  if (series.length === 0) return 0;
  let s = series[0];
  for (const x of series.slice(1)) s = alpha * x + (1 - alpha) * s;
  return s;
}

/** Daily quantities from (time, quantity) pairs: one entry per UTC day from the first one's day to `until`'s day. */
export function dailySeries(events: { time: number; quantity: number }[], until: number): number[] {
  if (events.length === 0) return [];
  const day = (t: number) => Math.floor(t / DAY_SECONDS);
  const first = Math.min(...events.map((e) => day(e.time)));
  const series = new Array<number>(Math.max(0, day(until) - first) + 1).fill(0);
  for (const e of events) series[day(e.time) - first] += e.quantity;
  return series;
}

/** Year-on-year growth as a percentage (one decimal) and as printed. */
export function growth(thisYear: number, lastYear: number): { growthPercent: number | null; growth: string } {
  if (lastYear === 0) return { growthPercent: null, growth: thisYear === 0 ? "—" : "new" };
  const percent = round(((thisYear - lastYear) / lastYear) * 100, 1);
  return { growthPercent: percent, growth: `${percent > 0 ? "+" : ""}${percent.toFixed(1)}%` };
}

const round = (value: number, places: number) => Math.round(value * 10 ** places) / 10 ** places;
const percentOf = (part: bigint, whole: bigint) => (whole === 0n ? 0 : Number((part * 10_000n) / whole) / 100);

// ------------------------------------------------------------------------------------------------ provenance

interface BatchInfo {
  batchId: string;
  gtin: bigint;
  lot: string;
  makerOrgId: bigint;
  category: Category;
  expiresAt: number;
  status: BatchStatus;
  /** Holdings per organisation, above zero. */
  holdings: Map<bigint, number>;
  history: HistoryEntry[];
  proof: HistoryProof;
}

/** What a provenance row says about a batch besides its proof. */
export interface BatchFacts {
  batchId: string;
  gtin: bigint;
  lot: string;
  maker: string;
  status: BatchStatus;
  holders: string;
}

/**
 * A batch's provenance row from its history records (as rebuilt from the logs, or any list to check) proved against
 * the head and count the ledger stores: a missing, altered or reordered record makes it unproven, with the reason.
 */
export async function provenanceRow(
  ledger: BatchLedger,
  batch: BatchFacts,
  entries: HistoryEntry[],
): Promise<ProvenanceRow> {
  const proof = await proveHistory(ledger, batch.batchId, entries);
  return rowOfProof(batch, proof);
}

function rowOfProof(batch: BatchFacts, proof: HistoryProof): ProvenanceRow {
  return {
    batchId: batch.batchId,
    gtin: formatGtin(batch.gtin),
    lot: batch.lot,
    maker: batch.maker,
    status: BatchStatus[batch.status],
    records: proof.onChainCount,
    proven: proof.valid,
    problem: proof.problem ?? "",
    head: proof.onChainHead,
    holders: batch.holders,
  };
}

// ------------------------------------------------------------------------------------------------ the report

/** What every table reads: the contracts, the block range and block, names, assets and categories. */
interface Context {
  contracts: ReportContracts;
  range: PagedRange;
  /** Views are read at the report's block, so the tables are one consistent picture of the chain. */
  at: { blockTag: number };
  now: number;
  thresholds: Thresholds;
  name: (id: bigint) => string;
  assetInfo: (address: string) => Promise<AssetInfo>;
  money: (value: bigint, asset: string) => Promise<string>;
  categoryOf: (gtin: bigint) => Promise<Category>;
}

/** Demand and stock per (member, category), keyed "orgId:category". */
type PerMember<T> = Map<string, T>;
const key = (orgId: bigint, category: Category) => `${orgId}:${category}`;
const addTo = (map: PerMember<number>, k: string, value: number) => map.set(k, (map.get(k) ?? 0) + value);

/** Builds every table of the report from the chain. */
export async function buildReport(contracts: ReportContracts, options: ReportOptions = {}): Promise<Report> {
  const provider = contracts.ledger.runner?.provider;
  if (!provider) throw new Error("the ledger has no provider to read with");
  const toBlock = options.toBlock ?? (await provider.getBlockNumber());
  const range: PagedRange = { fromBlock: options.fromBlock ?? 0, toBlock, pageSize: options.pageSize ?? 1000 };
  if (!Number.isInteger(range.pageSize) || range.pageSize < 1) {
    throw new Error(`pageSize must be a whole number of blocks, at least 1: ${range.pageSize}`);
  }
  const at = { blockTag: toBlock };
  const assetInfo = options.assetInfo ?? defaultAssetInfo;
  const categories = new Map<bigint, Category>();
  const ctx: Context = {
    contracts,
    range,
    at,
    now: (await provider.getBlock(toBlock))!.timestamp,
    thresholds: options.thresholds ?? loadThresholds(),
    name: (id) => options.orgName?.(id) ?? `organisation ${id}`,
    assetInfo,
    money: async (value, asset) => wholeUnits(value, (await assetInfo(asset)).decimals),
    categoryOf: async (gtin) => {
      if (!categories.has(gtin)) {
        categories.set(gtin, Number((await contracts.catalog.product(gtin, at)).category) as Category);
      }
      return categories.get(gtin)!;
    },
  };
  const batches = await readBatches(ctx);
  const needs = await needTables(ctx);
  const stock = stockTables(ctx, batches, await dispensingOf(ctx, batches), needs.demand, options.orgIds ?? []);
  const tables: ReportTables = {
    provenance: batches.map((b) =>
      rowOfProof({ ...b, maker: ctx.name(b.makerOrgId), holders: holdersText(ctx, b) }, b.proof),
    ),
    holdings: holdingRows(ctx, batches),
    ...stock,
    needs: needs.rows,
    gifts: await giftRows(ctx, needs.info),
    agreements: await agreementRows(ctx),
    ...(await adverseTables(ctx)),
  };
  return {
    summary: summarise(tables, { now: ctx.now, block: toBlock, alpha: ctx.thresholds.forecastSmoothing }),
    tables,
  };
}

/** Every commissioned batch with its holders (the maker and every recipient of a shipment) and its proved history. */
async function readBatches(ctx: Context): Promise<BatchInfo[]> {
  const { ledger } = ctx.contracts;
  const commissioned = await paged(ctx.range, (a, b) => ledger.queryFilter(ledger.filters.BatchCommissioned(), a, b));
  const shipped = await paged(ctx.range, (a, b) => ledger.queryFilter(ledger.filters.Shipped(), a, b));
  const batches: BatchInfo[] = [];
  for (const event of commissioned) {
    const batchId = event.args.batchId;
    const view = await ledger.batch(batchId, ctx.at);
    const candidates = new Set<bigint>([view.makerOrgId]);
    for (const s of shipped) if (s.args.batchId === batchId) candidates.add(s.args.toOrgId);
    const holdings = new Map<bigint, number>();
    for (const orgId of [...candidates].sort((a, b) => Number(a - b))) {
      const held = Number(await ledger.holdingOf(batchId, orgId, ctx.at));
      if (held > 0) holdings.set(orgId, held);
    }
    const history = await fetchHistory(ledger, batchId, { ...ctx.range });
    const [head, count] = await ledger.historyOf(batchId, ctx.at);
    batches.push({
      batchId,
      gtin: view.gtin,
      lot: ethers.decodeBytes32String(event.args.request.lot),
      makerOrgId: view.makerOrgId,
      category: await ctx.categoryOf(view.gtin),
      expiresAt: Number(view.expiresAt),
      status: Number(view.status) as BatchStatus,
      holdings,
      history,
      proof: proveChain(history, { head, count }, "the ledger"),
    });
  }
  return batches;
}

function holdersText(ctx: Context, b: BatchInfo): string {
  return [...b.holdings]
    .map(([orgId, quantity]) => `${ctx.name(orgId)}: ${quantity.toLocaleString("en-US")}`)
    .sort()
    .join("; ");
}

function holdingRows(ctx: Context, batches: BatchInfo[]): HoldingRow[] {
  return batches
    .flatMap((b) =>
      [...b.holdings].map(([orgId, quantity]) => ({
        member: ctx.name(orgId),
        batchId: b.batchId,
        gtin: formatGtin(b.gtin),
        lot: b.lot,
        category: Category[b.category],
        status: BatchStatus[b.status],
        quantity,
        expiry: new Date(b.expiresAt * 1000).toISOString().slice(0, 10),
      })),
    )
    .sort((a, b) => a.member.localeCompare(b.member) || a.gtin.localeCompare(b.gtin) || a.lot.localeCompare(b.lot));
}

/** Every Dispensed record of the batches' histories (bulk and unit dispensing), decoded with its transaction's event. */
async function dispensingOf(
  ctx: Context,
  batches: BatchInfo[],
): Promise<PerMember<{ time: number; quantity: number }[]>> {
  const { ledger } = ctx.contracts;
  const eventsByTx = new Map<string, LogDescription[]>();
  for (const log of await paged(ctx.range, (a, b) => ledger.queryFilter(ledger.filters.Dispensed(), a, b))) {
    const parsed = ledger.interface.parseLog(log);
    if (parsed !== null) eventsByTx.set(log.transactionHash, [...(eventsByTx.get(log.transactionHash) ?? []), parsed]);
  }
  const dispensing: PerMember<{ time: number; quantity: number }[]> = new Map();
  for (const b of batches) {
    for (const entry of b.history.filter((e) => e.kind === RecordKind.Dispensed)) {
      const meaning = decodeRecord(b.batchId, entry, eventsByTx.get(entry.transactionHash) ?? []);
      if (meaning.orgId === undefined || meaning.quantity === undefined) continue;
      const k = key(meaning.orgId, b.category);
      dispensing.set(k, [
        ...(dispensing.get(k) ?? []),
        { time: Number(entry.timestamp), quantity: Number(meaning.quantity) },
      ]);
    }
  }
  return dispensing;
}

interface NeedMoney {
  raised: bigint;
  released: bigint;
  asset: string;
}

/** The needs table, what each need raised and released, and open needs' remaining quantities per day to deadline. */
async function needTables(
  ctx: Context,
): Promise<{ rows: NeedRow[]; demand: PerMember<number>; info: Map<bigint, NeedMoney> }> {
  const { escrow } = ctx.contracts;
  const releasedLogs = await paged(ctx.range, (a, b) => escrow.queryFilter(escrow.filters.Released(), a, b));
  const [needCount] = await escrow.counts(ctx.at);
  const rows: NeedRow[] = [];
  const demand: PerMember<number> = new Map();
  const info = new Map<bigint, NeedMoney>();
  for (let needId = 1n; needId <= needCount; needId++) {
    const n = await escrow.need(needId, ctx.at);
    const delivered = releasedLogs
      .filter((e) => e.args.needId === needId)
      .reduce((s, e) => s + Number(e.args.quantity), 0);
    const remaining = Math.max(0, Number(n.quantity) - Number(n.inKind) - delivered);
    const status = Number(n.status) as NeedStatus;
    const category = n.gtin === 0n ? (Number(n.category) as Category) : await ctx.categoryOf(n.gtin);
    if (status === NeedStatus.Open && remaining > 0) {
      const daysLeft = Math.max(1, Math.ceil((Number(n.deadline) - ctx.now) / DAY_SECONDS));
      addTo(demand, key(n.beneficiaryOrgId, category), remaining / daysLeft);
    }
    info.set(needId, { raised: n.raised, released: n.released, asset: n.asset });
    rows.push({
      need: Number(needId),
      hospital: ctx.name(n.beneficiaryOrgId),
      product: n.gtin === 0n ? `any ${Category[category]}` : formatGtin(n.gtin),
      status: NeedStatus[status],
      quantity: Number(n.quantity),
      remaining,
      asset: (await ctx.assetInfo(n.asset)).symbol,
      target: await ctx.money(n.target, n.asset),
      raised: await ctx.money(n.raised, n.asset),
      released: await ctx.money(n.released, n.asset),
      refunded: await ctx.money(n.returned, n.asset),
      fundedPercent: percentOf(n.raised, n.target),
    });
  }
  return { rows, demand, info };
}

/**
 * Safety stock and days of cover per member and category: wherever a member holds, dispenses or needs the category,
 * or has a threshold of its own for it. Only Released stock is usable: stock on hold, blocked, recalled or expired is
 * listed in holdings and counted here as 0.
 */
function stockTables(
  ctx: Context,
  batches: BatchInfo[],
  dispensing: PerMember<{ time: number; quantity: number }[]>,
  needDemand: PerMember<number>,
  orgIds: bigint[],
): { safetyStock: SafetyStockRow[]; cover: CoverRow[] } {
  const held: PerMember<number> = new Map();
  const holders = new Set<string>();
  for (const b of batches) {
    for (const [orgId, quantity] of b.holdings) {
      holders.add(key(orgId, b.category));
      if (b.status === BatchStatus.Released) addTo(held, key(orgId, b.category), quantity);
    }
  }
  const pairs = new Set<string>([...holders, ...dispensing.keys(), ...needDemand.keys()]);
  const known = new Set<bigint>([...orgIds, ...[...pairs].map((p) => BigInt(p.split(":")[0]))]);
  for (const [member, overrides] of Object.entries(ctx.thresholds.members)) {
    const ids = /^\d+$/.test(member) ? [BigInt(member)] : [...known].filter((id) => ctx.name(id) === member);
    for (const id of ids) {
      for (const category of Object.keys(overrides)) pairs.add(key(id, Category[category as CategoryName]));
    }
  }
  const ordered = [...pairs]
    .map((p) => ({ orgId: BigInt(p.split(":")[0]), category: Number(p.split(":")[1]) as Category, k: p }))
    .sort((a, b) => ctx.name(a.orgId).localeCompare(ctx.name(b.orgId)) || a.category - b.category);
  const safetyStock: SafetyStockRow[] = [];
  const cover: CoverRow[] = [];
  for (const { orgId, category, k } of ordered) {
    const member = ctx.name(orgId);
    const units = held.get(k) ?? 0;
    const threshold = safetyStockOf(ctx.thresholds, Category[category] as CategoryName, orgId, member);
    safetyStock.push({
      member,
      category: Category[category],
      held: units,
      threshold,
      shortfall: Math.max(0, threshold - units),
      below: units < threshold,
    });
    const series = dailySeries(dispensing.get(k) ?? [], ctx.now);
    const forecast = smooth(series, ctx.thresholds.forecastSmoothing);
    const needsDaily = needDemand.get(k) ?? 0;
    const demand = forecast + needsDaily;
    cover.push({
      member,
      category: Category[category],
      held: units,
      days: series.length,
      dispensingForecast: round(forecast, 2),
      needsDaily: round(needsDaily, 2),
      dailyDemand: round(demand, 2),
      daysOfCover: demand > 0 ? round(units / demand, 1) : null,
    });
  }
  return { safetyStock, cover };
}

/** Agreements with each party's late and defect penalties (late ones waived for a party excused by force majeure). */
async function agreementRows(ctx: Context): Promise<AgreementRow[]> {
  const { agreements } = ctx.contracts;
  const proposed = await paged(ctx.range, (a, b) =>
    agreements.queryFilter(agreements.filters.AgreementProposed(), a, b),
  );
  const rows: AgreementRow[] = [];
  for (const event of proposed) {
    const id = event.args.agreementId;
    const t = (event.args.terms as unknown as ethers.Result).toObject() as unknown as PlainTerms;
    const a = await agreements.agreement(id, ctx.at);
    const supplierLate = a.supplierExcused ? 0n : a.supplierLatePenalty;
    const carrierLate = a.carrierExcused ? 0n : a.carrierLatePenalty;
    const supplierDefect = defectPenalty(t, a.supplierDefects);
    const carrierDefect = defectPenalty(t, a.carrierDefects);
    const total = supplierLate + supplierDefect + carrierLate + carrierDefect;
    const money = (value: bigint) => ctx.money(value, t.asset);
    rows.push({
      agreement: Number(id),
      buyer: ctx.name(t.buyerOrgId),
      supplier: ctx.name(t.supplierOrgId),
      carrier: ctx.name(t.carrierOrgId),
      gtin: formatGtin(t.gtin),
      quantity: Number(t.quantity),
      delivered: Number(a.delivered),
      asset: (await ctx.assetInfo(t.asset)).symbol,
      value: await money(valueOf(t)),
      status: AgreementStatus[Number(a.status)],
      supplierLate: await money(supplierLate),
      supplierDefect: await money(supplierDefect),
      carrierLate: await money(carrierLate),
      carrierDefect: await money(carrierDefect),
      penalties: await money(total),
      supplierShare: percentOf(supplierLate + supplierDefect, total),
      carrierShare: percentOf(carrierLate + carrierDefect, total),
    });
  }
  return rows;
}

/** Adverse events by product and by maker: this calendar year (UTC) against last, by filing time. */
async function adverseTables(ctx: Context): Promise<Pick<ReportTables, "adverseByProduct" | "adverseByMaker">> {
  const { adverse } = ctx.contracts;
  const year = new Date(ctx.now * 1000).getUTCFullYear();
  const byProduct = new Map<string, [number, number, number]>();
  const byMaker = new Map<string, [number, number, number]>();
  const count = (map: Map<string, [number, number, number]>, k: string, filed: number) => {
    const counts = map.get(k) ?? [0, 0, 0];
    if (filed === year) counts[0]++;
    if (filed === year - 1) counts[1]++;
    counts[2]++;
    map.set(k, counts);
  };
  const reportCount = await adverse.reportCount(ctx.at);
  for (let id = 1n; id <= reportCount; id++) {
    const r = await adverse.reportOf(id, ctx.at);
    const filed = new Date(Number(r.filedAt) * 1000).getUTCFullYear();
    count(byProduct, formatGtin(r.gtin), filed);
    count(byMaker, ctx.name(r.makerOrgId), filed);
  }
  const rows = (map: Map<string, [number, number, number]>) =>
    [...map]
      .sort((a, b) => a[0].localeCompare(b[0]))
      .map(([k, [thisYear, lastYear, total]]) => ({
        key: k,
        thisYear,
        lastYear,
        total,
        ...growth(thisYear, lastYear),
      }));
  return { adverseByProduct: rows(byProduct), adverseByMaker: rows(byMaker) };
}
async function defaultAssetInfo(address: string): Promise<AssetInfo> {
  return address === ethers.ZeroAddress ? { symbol: "ETH", decimals: 18 } : { symbol: address, decimals: 0 };
}

async function giftRows(ctx: Context, needs: Map<bigint, NeedMoney>): Promise<GiftRow[]> {
  const { escrow } = ctx.contracts;
  const range = ctx.range;
  const { money, assetInfo } = ctx;
  const rows = new Map<
    string,
    { donor: string; needId: bigint; given: bigint; refunded: bigint; redirected: bigint }
  >();
  const row = (donor: string, needId: bigint) => {
    const k = `${donor}:${needId}`;
    if (!rows.has(k)) rows.set(k, { donor, needId, given: 0n, refunded: 0n, redirected: 0n });
    return rows.get(k)!;
  };
  for (const e of await paged(range, (a, b) => escrow.queryFilter(escrow.filters.Donated(), a, b))) {
    row(e.args.donor, e.args.needId).given += e.args.accepted;
  }
  for (const e of await paged(range, (a, b) => escrow.queryFilter(escrow.filters.PoolAllocated(), a, b))) {
    row(`pool ${e.args.poolId}`, e.args.needId).given += e.args.amount;
  }
  for (const e of await paged(range, (a, b) => escrow.queryFilter(escrow.filters.Refunded(), a, b))) {
    row(e.args.donor, e.args.needId).refunded += e.args.amount;
  }
  for (const e of await paged(range, (a, b) => escrow.queryFilter(escrow.filters.Redirected(), a, b))) {
    row(e.args.donor, e.args.fromNeedId).redirected += e.args.amount;
  }
  const result: GiftRow[] = [];
  for (const r of [...rows.values()].sort((a, b) => a.donor.localeCompare(b.donor) || Number(a.needId - b.needId))) {
    const n = needs.get(r.needId)!;
    result.push({
      donor: r.donor,
      need: Number(r.needId),
      asset: (await assetInfo(n.asset)).symbol,
      given: await money(r.given, n.asset),
      spent: await money(n.raised === 0n ? 0n : (n.released * r.given) / n.raised, n.asset),
      refunded: await money(r.refunded, n.asset),
      redirected: await money(r.redirected, n.asset),
    });
  }
  return result;
}

function summarise(t: ReportTables, at: { now: number; block: number; alpha: number }): ReportSummary {
  const covered = t.cover.filter((c) => c.daysOfCover !== null);
  const lowest = covered.sort((a, b) => a.daysOfCover! - b.daysOfCover!)[0];
  const thisYear = t.adverseByProduct.reduce((s, r) => s + r.thisYear, 0);
  const lastYear = t.adverseByProduct.reduce((s, r) => s + r.lastYear, 0);
  return {
    asOf: at.now,
    asOfText: new Date(at.now * 1000)
      .toISOString()
      .replace(/:\d{2}\.\d{3}Z$/, " UTC")
      .replace("T", " "),
    block: at.block,
    batches: t.provenance.length,
    proven: t.provenance.filter((p) => p.proven).length,
    unproven: t.provenance.filter((p) => !p.proven).map((p) => `${p.gtin}/${p.lot}: ${p.problem}`),
    unitsHeld: t.holdings.reduce((s, h) => s + h.quantity, 0),
    belowSafetyStock: t.safetyStock.filter((s) => s.below).length,
    lowestCover:
      lowest === undefined
        ? null
        : { member: lowest.member, category: lowest.category, daysOfCover: lowest.daysOfCover! },
    openNeeds: t.needs.filter((n) => n.status === NeedStatus[NeedStatus.Open]).length,
    agreements: t.agreements.length,
    penalisedAgreements: t.agreements.filter((a) => Number(a.penalties) > 0).length,
    adverseThisYear: thisYear,
    adverseLastYear: lastYear,
    adverseGrowth: growth(thisYear, lastYear).growth,
    forecastSmoothing: at.alpha,
  };
}

// ------------------------------------------------------------------------------------------------ files

/** A CSV cell: quoted when it holds a comma, a quote or a line break; booleans as yes/no; null as —. */
export function csvCell(value: unknown): string {
  const text =
    value === null || value === undefined ? "—" : typeof value === "boolean" ? (value ? "yes" : "no") : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Rows as CSV: a header of `columns`, one line per row, CRLF line ends (RFC 4180). */
export function toCsv(columns: string[], rows: object[]): string {
  const lines = [
    columns.join(","),
    ...rows.map((r) => columns.map((c) => csvCell((r as Record<string, unknown>)[c])).join(",")),
  ];
  return lines.join("\r\n") + "\r\n";
}

/** The columns of each table, in order (the CSV headers). */
export const TABLE_COLUMNS: { [K in keyof ReportTables]: (keyof ReportTables[K][number])[] } = {
  provenance: ["batchId", "gtin", "lot", "maker", "status", "records", "proven", "problem", "head", "holders"],
  holdings: ["member", "batchId", "gtin", "lot", "category", "status", "quantity", "expiry"],
  safetyStock: ["member", "category", "held", "threshold", "shortfall", "below"],
  cover: ["member", "category", "held", "days", "dispensingForecast", "needsDaily", "dailyDemand", "daysOfCover"],
  needs: [
    "need",
    "hospital",
    "product",
    "status",
    "quantity",
    "remaining",
    "asset",
    "target",
    "raised",
    "released",
    "refunded",
    "fundedPercent",
  ],
  gifts: ["donor", "need", "asset", "given", "spent", "refunded", "redirected"],
  agreements: [
    "agreement",
    "buyer",
    "supplier",
    "carrier",
    "gtin",
    "quantity",
    "delivered",
    "asset",
    "value",
    "status",
    "supplierLate",
    "supplierDefect",
    "carrierLate",
    "carrierDefect",
    "penalties",
    "supplierShare",
    "carrierShare",
  ],
  adverseByProduct: ["key", "thisYear", "lastYear", "total", "growthPercent", "growth"],
  adverseByMaker: ["key", "thisYear", "lastYear", "total", "growthPercent", "growth"],
};

/** The headline chart: stock against safety stock, days of cover, needs funded, adverse events this year and last. */
export function headlineChart(report: Report): Chart {
  const { tables, summary } = report;
  const byCategory = new Map<string, { held: number; threshold: number; demand: number }>();
  for (const s of tables.safetyStock) {
    const c = byCategory.get(s.category) ?? { held: 0, threshold: 0, demand: 0 };
    c.held += s.held;
    c.threshold += s.threshold;
    byCategory.set(s.category, c);
  }
  for (const c of tables.cover) byCategory.get(c.category)!.demand += c.dailyDemand;
  const categories = [...byCategory].sort((a, b) => a[0].localeCompare(b[0]));
  return {
    title: "MedAlliance — headline figures",
    subtitle: `As of ${summary.asOfText} (block ${summary.block.toLocaleString("en-US")}); ${summary.proven} of ${summary.batches} batch histories proven`,
    panels: [
      {
        title: "Stock held against safety stock, by category",
        note: "Usable (Released) units held by all members; grey: the safety stock they should hold together",
        groups: categories.map(([category, c]) => ({
          label: category,
          bars: [
            { label: "held", value: c.held, tone: c.held < c.threshold ? "alert" : "figure" },
            { label: "safety stock", value: c.threshold, tone: "reference" },
          ],
        })),
      },
      {
        title: "Days of cover, by category",
        note: "Units held ÷ forecast daily demand (smoothed dispensing plus open needs)",
        empty: "No demand recorded: no category is being used up.",
        groups: categories
          .filter(([, c]) => c.demand > 0)
          .map(([category, c]) => {
            const days = round(c.held / c.demand, 1);
            return {
              label: category,
              bars: [{ label: "days", value: days, text: `${days} days`, tone: days < 7 ? "alert" : "figure" }],
            };
          }),
      },
      {
        title: "Needs funded",
        note: "Raised as a share of each need's target",
        empty: "No needs posted.",
        groups: tables.needs.map((n) => ({
          label: `Need ${n.need} (${n.hospital})`,
          bars: [{ label: n.status, value: n.fundedPercent, text: `${n.fundedPercent}%` }],
        })),
      },
      {
        title: "Adverse events, this year against last, by product",
        empty: "No adverse event reported.",
        groups: tables.adverseByProduct.map((a) => ({
          label: a.key,
          bars: [
            {
              label: "this year",
              value: a.thisYear,
              text: `${a.thisYear} (${a.growth})`,
              tone: a.thisYear > a.lastYear ? "alert" : "figure",
            },
            { label: "last year", value: a.lastYear, tone: "reference" },
          ],
        })),
      },
    ],
  };
}

/** What `writeReport` wrote: each file's name and size. */
export interface WrittenFile {
  file: string;
  bytes: number;
}

/** Writes one CSV per table, report.json (summary and tables) and report.svg into `folder` (created if missing). */
export function writeReport(report: Report, folder: string): WrittenFile[] {
  fs.mkdirSync(folder, { recursive: true });
  const contents: [string, string][] = (Object.keys(TABLE_FILES) as (keyof ReportTables)[]).map((table) => [
    TABLE_FILES[table],
    toCsv(TABLE_COLUMNS[table] as string[], report.tables[table]),
  ]);
  contents.push(["report.json", JSON.stringify(report, null, 2) + "\n"]);
  contents.push(["report.svg", renderChart(headlineChart(report))]);
  return contents.map(([file, text]) => {
    fs.writeFileSync(path.join(folder, file), text);
    return { file, bytes: Buffer.byteLength(text) };
  });
}
