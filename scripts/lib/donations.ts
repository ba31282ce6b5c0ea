/**
 * Enums and helpers for the donation escrow: deployment, shipment refs naming offers and pledges, a gift's trace
 * from the logs (donor → need → offer → shipment → batch → receipt), and the recommended pool allocation.
 */
import { ethers, type Signer } from "ethers";
import {
  DonationEscrow__factory,
  type AllianceRegistry,
  type BatchLedger,
  type DonationEscrow,
} from "../../typechain-types";
import type { IDonationEscrow } from "../../typechain-types/contracts/money/DonationEscrow";
import { DAY } from "./formation";
import { type LogRange, queryInPages } from "./logs";
import { Category } from "./trace";

/** Mirrors `IDonationEscrow.NeedStatus`. */
export enum NeedStatus {
  None,
  Posted,
  Lapsed,
  Rejected,
  Open,
  Closed,
  Cancelled,
}

/** Mirrors `IDonationEscrow.OfferStatus`. */
export enum OfferStatus {
  None,
  Proposed,
  Expired,
  Active,
  Withdrawn,
  Closed,
}

/** ETH, as the escrow names it. */
export const ETH = ethers.ZeroAddress;

/** The default verification window: a regulator has three days to verify a posted need. */
export const DEFAULT_VERIFICATION_WINDOW = 3n * DAY;
/** `MAX_NEED_DURATION`: a need's or pool round's deadline lies at most this far ahead. */
export const MAX_NEED_DURATION = 365n * DAY;
/** `MAX_DELIVERY_TAIL`: an offer or pledge expires at most this long after its need's deadline. */
export const MAX_DELIVERY_TAIL = 60n * DAY;
/** `RELEASE_GRACE`: after an accepted offer's expiry, only its maker may close it for this long. */
export const RELEASE_GRACE = 14n * DAY;

export type NeedRequest = IDonationEscrow.NeedRequestStruct;

/** Deploys the escrow on `registry` and `ledger` and records it in the registry's directory as "DonationEscrow". */
export async function deployEscrow(
  registry: AllianceRegistry,
  ledger: BatchLedger,
  governor: Signer,
  verificationWindow: bigint = DEFAULT_VERIFICATION_WINDOW,
): Promise<DonationEscrow> {
  const escrow = await new DonationEscrow__factory(governor).deploy(registry, ledger, verificationWindow);
  await escrow.waitForDeployment();
  await (
    await registry.connect(governor).setDirectoryEntry(ethers.encodeBytes32String("DonationEscrow"), escrow)
  ).wait();
  return escrow;
}

/** The shipment ref naming an offer or pledge of `escrow`: keccak256(abi.encode(escrow, offerId)). */
export function offerRef(escrow: string, offerId: bigint): string {
  return ethers.keccak256(ethers.AbiCoder.defaultAbiCoder().encode(["address", "uint256"], [escrow, offerId]));
}

/** Pledges share the offers' id sequence and ref rule. */
export const pledgeRef = offerRef;

/** The id of a need's record as other systems may cite it: keccak256(abi.encode(escrow, "need", needId)). */
export function needRef(escrow: string, needId: bigint): string {
  return ethers.keccak256(
    ethers.AbiCoder.defaultAbiCoder().encode(["address", "string", "uint256"], [escrow, "need", needId]),
  );
}

/** A need request with sensible defaults (ETH, urgency 3, no minimum shelf life); override any field. */
export function needRequest(fields: Partial<NeedRequest> & Pick<NeedRequest, "quantity" | "deadline">): NeedRequest {
  return {
    beneficiaryOrgId: 0n,
    gtin: 0n,
    category: Category.None,
    urgency: 3,
    maxUnitPrice: 1n,
    minShelfLife: 0n,
    asset: ETH,
    detailsHash: ethers.ZeroHash,
    ...fields,
  };
}

// ------------------------------------------------------------------------------------------------ pool allocation

/** What the allocation recommendation needs to know about an open need. */
export interface NeedForAllocation {
  needId: bigint;
  urgency: number; // 1 (routine) to 5 (critical)
  deadline: bigint; // unix seconds
  lacks: bigint; // what the need still lacks, in the pool's asset
}

/** One recommended allocation. */
export interface Allocation {
  needId: bigint;
  amount: bigint;
}

/**
 * The recommended split of `pool` among `needs`: highest urgency first, then the earliest deadline (then the lowest
 * id), each need getting what it lacks until the pool runs out; never more than a need lacks. Needs that lack nothing
 * get nothing. Returns the allocations in order and what is left in the pool.
 */
export function recommendAllocation(
  pool: bigint,
  needs: NeedForAllocation[],
): { allocations: Allocation[]; left: bigint } {
  if (pool < 0n) throw new Error("the pool cannot be negative");
  const ordered = [...needs].sort(
    (a, b) =>
      b.urgency - a.urgency ||
      (a.deadline < b.deadline ? -1 : a.deadline > b.deadline ? 1 : 0) ||
      (a.needId < b.needId ? -1 : a.needId > b.needId ? 1 : 0),
  );
  const allocations: Allocation[] = [];
  let left = pool;
  for (const need of ordered) {
    if (left === 0n) break;
    if (need.lacks <= 0n) continue;
    const amount = need.lacks < left ? need.lacks : left;
    allocations.push({ needId: need.needId, amount });
    left -= amount;
  }
  return { allocations, left };
}

/** The open needs of `escrow` in `asset`, with what each lacks (a view per need; for a few hundred needs). */
export async function openNeedsIn(escrow: DonationEscrow, asset: string): Promise<NeedForAllocation[]> {
  const [needCount] = await escrow.counts();
  const open: NeedForAllocation[] = [];
  for (let needId = 1n; needId <= needCount; needId++) {
    const n = await escrow.need(needId);
    if (Number(n.status) !== NeedStatus.Open || n.asset.toLowerCase() !== asset.toLowerCase()) continue;
    open.push({ needId, urgency: Number(n.urgency), deadline: n.deadline, lacks: await escrow.lacks(needId) });
  }
  return open;
}

// ------------------------------------------------------------------------------------------------ tracing a gift

/** One release a donor's money took part in: the donor's pro-rata part of it, and where the goods came from. */
export interface TracedRelease {
  offerId: bigint;
  supplierOrgId: bigint;
  shipmentId: string;
  batchId: string;
  gtin: bigint;
  quantityPaid: bigint; // units this release paid for
  quantityReceived: bigint; // what the hospital received (or a regulator settled)
  receivedAt: bigint; // the block time of the receipt or settlement
  amount: bigint; // the whole release
  fromDonor: bigint; // the donor's pro-rata part of it: amount × given / raised
}

/** A donor's gift to one need and what became of it. */
export interface TracedGift {
  needId: bigint;
  beneficiaryOrgId: bigint;
  asset: string;
  given: bigint; // what the need accepted from the donor (gifts and redirections in)
  raised: bigint; // the need's total
  releases: TracedRelease[];
  spent: bigint; // Σ fromDonor
  refunded: bigint; // taken back by refund
  redirected: bigint; // moved to other needs
}

/**
 * Where each unit of `donor`'s money went, from the logs: donor → need → offer → shipment → batch → receipt.
 * For every need the donor gave to, each release on that need is attributed pro rata (the donor's share of what the
 * need raised), with the supplier, the batch and the hospital's receipt; refunds and redirections say what came back.
 * Pool gifts are traced by need through `poolShareOf` (the pool is one donor of each need it funds). `range` is where
 * to read logs (or just the first block), page by page.
 */
export async function traceGift(
  escrow: DonationEscrow,
  ledger: BatchLedger,
  donor: string,
  range: LogRange | number = 0,
): Promise<TracedGift[]> {
  // Logs are read in pages, so nodes that bound eth_getLogs answer too; a number is the first block.
  const pages: LogRange = typeof range === "number" ? { fromBlock: range } : range;
  const logs = <T>(query: (from: number, to: number) => Promise<T[]>) =>
    queryInPages(escrow.runner?.provider, pages, query);
  const given = new Map<bigint, bigint>();
  for (const e of await logs((a, b) => escrow.queryFilter(escrow.filters.Donated(undefined, donor), a, b))) {
    given.set(e.args.needId, (given.get(e.args.needId) ?? 0n) + e.args.accepted);
  }
  const refunded = new Map<bigint, bigint>();
  for (const e of await logs((a, b) => escrow.queryFilter(escrow.filters.Refunded(undefined, donor), a, b))) {
    refunded.set(e.args.needId, (refunded.get(e.args.needId) ?? 0n) + e.args.amount);
  }
  const redirected = new Map<bigint, bigint>();
  const redirections = await logs((a, b) =>
    escrow.queryFilter(escrow.filters.Redirected(undefined, undefined, donor), a, b),
  );
  for (const e of redirections) {
    redirected.set(e.args.fromNeedId, (redirected.get(e.args.fromNeedId) ?? 0n) + e.args.amount);
  }
  const gifts: TracedGift[] = [];
  for (const [needId, amountGiven] of [...given.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    if (amountGiven === 0n) continue;
    const n = await escrow.need(needId);
    const releases: TracedRelease[] = [];
    for (const e of await logs((a, b) => escrow.queryFilter(escrow.filters.Released(undefined, needId), a, b))) {
      const o = await escrow.offer(e.args.offerId);
      const [shipped] = await logs((a, b) => ledger.queryFilter(ledger.filters.Shipped(e.args.shipmentId), a, b));
      const batchId = shipped.args.batchId;
      const record = await ledger.shipmentState(e.args.shipmentId);
      releases.push({
        offerId: e.args.offerId,
        supplierOrgId: o.makerOrgId,
        shipmentId: e.args.shipmentId,
        batchId,
        gtin: (await ledger.batch(batchId)).gtin,
        quantityPaid: e.args.quantity,
        quantityReceived: record.received,
        receivedAt: record.answeredAt,
        amount: e.args.amount,
        fromDonor: (e.args.amount * amountGiven) / n.raised,
      });
    }
    gifts.push({
      needId,
      beneficiaryOrgId: n.beneficiaryOrgId,
      asset: n.asset,
      given: amountGiven,
      raised: n.raised,
      releases,
      spent: releases.reduce((sum, r) => sum + r.fromDonor, 0n),
      refunded: refunded.get(needId) ?? 0n,
      redirected: redirected.get(needId) ?? 0n,
    });
  }
  return gifts;
}
