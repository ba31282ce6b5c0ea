/**
 * Supply agreement tasks: one agreement in plain words (`agreement`), an organisation's agreements by status
 * (`agreements:list`), and every step of an agreement's life on SupplyAgreements — propose, sign, retract, fund,
 * cancel, flag a missed pick-up, record deliveries and returns, claims and rulings, force majeure, termination and
 * settlement. Credits are withdrawn with `donations:withdraw --vault agreements`.
 *
 * Every call after the proposal needs the agreement's terms back: the tasks read them from the AgreementProposed
 * event. Modules are loaded inside the actions: Hardhat reads this file before the contracts' bindings exist.
 */
import { type ContractTransactionReceipt, type ContractTransactionResponse, type LogDescription } from "ethers";
import type { Asset, MedAllianceClient, Organisation } from "../scripts/client/client";
import {
  formatDuration,
  formatTime,
  orList,
  parseAmount,
  parseBytes32,
  parseDocument,
  parseDuration,
  parseGtin,
  parseId,
  parseQuantity,
  parseTime,
  required,
  shortId,
  wholeUnits,
} from "../scripts/client/codes";
import { enumName } from "../scripts/client/errors";
import { InputError } from "../scripts/client/failures";
import { printJson, printTable } from "../scripts/client/output";
import { memberTask, readTask, run, type ReadArgs, type SendArgs } from "../scripts/client/task";
import { BusinessRole, OrganisationStatus, roleMask, roleNames } from "../scripts/lib/alliance";
import { formatGtin } from "../scripts/lib/gs1";
import type { PlainTerms } from "../scripts/lib/agreements";
import type { ISupplyAgreements } from "../typechain-types";

type Bound = typeof import("../scripts/lib/agreements") & {
  money: typeof import("../scripts/client/client").formatMoney;
};
let L: Bound;

/** Loads lib/agreements and formatMoney, which need the contracts' bindings: Hardhat reads this file before they exist. */
async function bound(): Promise<void> {
  if (L !== undefined) return;
  const [{ formatMoney }, lib] = await Promise.all([
    import("../scripts/client/client"),
    import("../scripts/lib/agreements"),
  ]);
  L = { ...lib, money: formatMoney };
}

interface IdArgs extends SendArgs {
  id: string;
}

/** Role masks of the three sides of an agreement. */
const BUYERS = roleMask(BusinessRole.Hospital, BusinessRole.Agency);
const SUPPLIERS = roleMask(BusinessRole.Manufacturer, BusinessRole.Distributor);
const LOGISTICS = roleMask(BusinessRole.Logistics);
const MAX_QUANTITY = 2 ** 40 - 1;
const MAX_TIME = 2n ** 32n - 1n;
const MAX_UINT128 = 2n ** 128n - 1n;
const VAULT = "Withdraw it with `npx hardhat donations:withdraw --vault agreements`.";

// ------------------------------------------------------------------ small helpers

const n = (value: bigint | number) => BigInt(value).toLocaleString("en-US");

function orgName(client: MedAllianceClient, id: bigint | number): string {
  return client.orgName(BigInt(id)) ?? `organisation ${id}`;
}

/** What an action on agreement `agreementId` prints: one JSON document with the transaction's hash, or sentences. */
function report(
  args: ReadArgs,
  receipt: ContractTransactionReceipt,
  agreementId: bigint,
  doc: object,
  lines: string[],
) {
  if (args.json) return printJson({ transaction: receipt.hash, agreementId, ...doc });
  for (const line of [...lines, `Transaction ${receipt.hash}`]) console.log(line);
}

/** Basis points as a percentage ("1%", "0.25%"). */
function percent(bps: bigint): string {
  const whole = bps / 100n;
  const rest = (bps % 100n).toString().padStart(2, "0").replace(/0+$/, "");
  return rest === "" ? `${whole}%` : `${whole}.${rest}%`;
}

/** A span of seconds in words ("2 days"), or "none". */
const span = (seconds: bigint) => (seconds === 0n ? "none" : formatDuration(seconds));

/** A penalty period as it follows "per started": "day", "12 hours". */
function period(seconds: bigint): string {
  const words = span(seconds);
  return words.startsWith("1 ") ? words.slice(2) : words;
}

const partyName = (party: bigint | number) => enumName("AgreementParty", party);

/** An amount for JSON: whole units of `asset` as a decimal string ("0.015"). */
const units = (value: bigint, asset: Asset) => wholeUnits(value, asset.decimals);

// ------------------------------------------------------------------ parsing terms as people write them

/** A rate in percent or basis points ("1%", "0.5%", "150bps"), at most 100%. */
function rateArg(text: string, label: string): bigint {
  const match = /^\s*(\d+(?:\.\d{1,2})?)\s*(%|bps)\s*$/i.exec(text);
  if (!match) throw new InputError(`${label} "${text}" is not a rate: write 1%, 0.5% or 150bps`);
  const bps = match[2] === "%" ? BigInt(Math.round(Number(match[1]) * 100)) : BigInt(match[1].split(".")[0]);
  if (match[2].toLowerCase() === "bps" && match[1].includes("."))
    throw new InputError(`${label} "${text}": basis points are whole`);
  if (bps > L.BPS) throw new InputError(`${label} ${text} is above 100%`);
  return bps;
}

const PERIOD_WORDS: Record<string, bigint> = {
  m: 60n,
  min: 60n,
  minute: 60n,
  h: 3_600n,
  hour: 3_600n,
  d: 86_400n,
  day: 86_400n,
  w: 604_800n,
  week: 604_800n,
};

/** A late penalty as people write it: "1%/day", "0.5% per 12h", "50bps/week". */
function latePenaltyArg(text: string): { bps: bigint; period: bigint } {
  const match = /^\s*([\d.]+\s*(?:%|bps))\s*(?:\/|per)\s*(\d*)\s*([a-z]+?)s?\s*$/i.exec(text);
  const unit = match ? PERIOD_WORDS[match[3].toLowerCase()] : undefined;
  if (!match || unit === undefined) {
    throw new InputError(`--late-penalty "${text}" is not a penalty rate: write 1%/day, 0.5%/12h or 50bps/week`);
  }
  const count = match[2] === "" ? 1n : BigInt(match[2]);
  if (count === 0n) throw new InputError(`--late-penalty "${text}": the period must be longer than zero`);
  return { bps: rateArg(match[1], "--late-penalty"), period: count * unit };
}

function durationArg(text: string, label: string, positive = false): bigint {
  const seconds = BigInt(parseDuration(text, label));
  if (positive && seconds === 0n) throw new InputError(`${label} must be longer than zero`);
  if (seconds > MAX_TIME) throw new InputError(`${label} ${text} is too long (at most 136 years)`);
  return seconds;
}

/** An amount in whole units; "0" allowed when `zero`. */
function amountArg(text: string, asset: Asset, label: string, zero = false): bigint {
  if (zero && /^\s*0+(\.0*)?\s*$/.test(text)) return 0n;
  const value = parseAmount(text, asset.decimals, label);
  if (value > MAX_UINT128) throw new InputError(`${label} ${text} is too large`);
  return value;
}

function quantityArg(text: string | undefined, label: string): bigint {
  return BigInt(parseQuantity(required(text, label), label, MAX_QUANTITY));
}

// ------------------------------------------------------------------ agreements and parties

interface Loaded {
  id: bigint;
  terms: PlainTerms;
  view: ISupplyAgreements.AgreementViewStructOutput;
  status: string;
  asset: Asset;
  buyer: string;
  supplier: string;
  carrier: string;
  proposedAt: bigint;
}

const statusOf = (value: bigint | number) => enumName("AgreementStatus", value);

function plainTerms(t: ISupplyAgreements.TermsStructOutput): PlainTerms {
  return {
    buyerOrgId: t.buyerOrgId,
    supplierOrgId: t.supplierOrgId,
    carrierOrgId: t.carrierOrgId,
    gtin: t.gtin,
    specHash: t.specHash,
    quantity: t.quantity,
    unitPrice: t.unitPrice,
    carrierFee: t.carrierFee,
    asset: t.asset,
    handOverDeadline: t.handOverDeadline,
    transitAllowance: t.transitAllowance,
    penaltyPeriod: t.penaltyPeriod,
    penaltyBps: t.penaltyBps,
    penaltyCapBps: t.penaltyCapBps,
    terminationDelay: t.terminationDelay,
    defectBps: t.defectBps,
    minShelfLife: t.minShelfLife,
    inspectionWindow: t.inspectionWindow,
    rulingWindow: t.rulingWindow,
    forceMajeure: t.forceMajeure,
    supplierCollateral: t.supplierCollateral,
    carrierCollateral: t.carrierCollateral,
  };
}

/** Every proposal, with its terms, from the AgreementProposed events (optionally one agreement's). */
async function proposals(client: MedAllianceClient, id?: bigint) {
  await bound();
  const agreements = client.agreements;
  const events = await agreements.queryFilter(agreements.filters.AgreementProposed(id), client.system.fromBlock);
  return events.map((event) => ({
    id: event.args.agreementId,
    terms: plainTerms(event.args.terms),
    block: event.blockNumber,
  }));
}

/** An agreement by number: its terms (from its proposal), state, asset and parties' names. */
async function load(client: MedAllianceClient, text: string): Promise<Loaded> {
  const id = parseId(text, "agreement", "--id");
  const [found] = await proposals(client, id);
  if (found === undefined) {
    throw new InputError(
      `Agreement ${id} does not exist (${n(await client.agreements.agreementCount())} proposed so far)`,
    );
  }
  const view = await client.agreements.agreement(id);
  const block = await client.provider.getBlock(found.block);
  return {
    id,
    terms: found.terms,
    view,
    status: statusOf(view.status),
    asset: await client.assetInfo(found.terms.asset),
    buyer: orgName(client, found.terms.buyerOrgId),
    supplier: orgName(client, found.terms.supplierOrgId),
    carrier: orgName(client, found.terms.carrierOrgId),
    proposedAt: BigInt(block?.timestamp ?? 0),
  };
}

/** A member task on one agreement (`--id`): loads it, then runs `body`. */
function onAgreement<A extends IdArgs>(
  name: string,
  description: string,
  body: (args: A, client: MedAllianceClient, a: Loaded) => Promise<void>,
) {
  return memberTask(name, description)
    .addParam("id", "The agreement's number")
    .setAction(run<A>(true, async (args, client) => body(args, client, await load(client, args.id))));
}

function requireStatus(a: Loaded, allowed: string[], what: string): void {
  if (!allowed.includes(a.status)) throw new InputError(`Agreement ${a.id} is ${a.status}: ${what}`);
}

/** The buyer's organisation acting for agreement `a`. */
async function asBuyer(client: MedAllianceClient, a: Loaded, where = `as the buyer of agreement ${a.id}`) {
  const org = await client.actingOrg(BUYERS, where);
  if (org.id !== a.terms.buyerOrgId) {
    throw new InputError(`${org.name} is not the buyer of agreement ${a.id} (${a.buyer} is)`);
  }
  return org;
}

/** Whether an organisation holds one of the roles of `mask`. */
const admittedAs = (org: Organisation, mask: number) => roleNames(mask).some((role) => org.roles.includes(role));

/**
 * Which of the supplier and the carrier the sender acts for (as the contract decides it): its organisation, party,
 * whether it signed, the collateral its signature posts and the account that signed.
 */
async function asSignatory(client: MedAllianceClient, a: Loaded) {
  const org = await client.actingOrg(SUPPLIERS | LOGISTICS, `as the supplier or the carrier of agreement ${a.id}`);
  const { terms: t, view: v } = a;
  const side = (word: "supplier" | "carrier") => {
    const supplier = word === "supplier";
    return {
      org,
      word,
      party: supplier ? L.AgreementParty.Supplier : L.AgreementParty.Carrier,
      signed: supplier ? v.supplierSigned : v.carrierSigned,
      collateral: supplier ? t.supplierCollateral : t.carrierCollateral,
      account: supplier ? v.supplier : v.carrier,
    };
  };
  if (org.id === t.supplierOrgId && admittedAs(org, SUPPLIERS)) return side("supplier");
  if (org.id === t.carrierOrgId && admittedAs(org, LOGISTICS)) return side("carrier");
  throw new InputError(
    `${org.name} is neither the supplier (${a.supplier}) nor the carrier (${a.carrier}) of agreement ${a.id}`,
  );
}

/** The signatories who have not signed `view` yet, by name and side. */
function unsigned(a: Loaded, view: ISupplyAgreements.AgreementViewStructOutput): string[] {
  const sides = [
    view.supplierSigned ? "" : `${a.supplier} (supplier)`,
    view.carrierSigned ? "" : `${a.carrier} (carrier)`,
  ];
  return sides.filter((side) => side !== "");
}

/** Pays `amount` of the agreement's asset into SupplyAgreements by `call(value)` (see MedAllianceClient.pay). */
async function payIn(
  client: MedAllianceClient,
  a: Loaded,
  amount: bigint,
  what: string,
  call: (value: bigint) => Promise<ContractTransactionResponse>,
) {
  return client.pay(a.asset, amount, await client.agreements.getAddress(), what, call);
}

/** The agreement's event `name` in a receipt. */
function events(client: MedAllianceClient, receipt: ContractTransactionReceipt, name: string): LogDescription[] {
  const agreements = client.agreements;
  const address = agreements.target.toString().toLowerCase();
  return receipt.logs
    .filter((log) => log.address.toLowerCase() === address)
    .map((log) => agreements.interface.parseLog(log))
    .filter((parsed): parsed is LogDescription => parsed?.name === name);
}

// ------------------------------------------------------------------ money: what each party gets

/** The parties' shares as settlement computes them (contracts/money/SupplyAgreements.sol `_payout`). */
function payout(a: Loaded) {
  const t = a.terms;
  const v = a.view;
  const supplierDefect = L.defectPenalty(t, v.supplierDefects);
  const carrierDefect = L.defectPenalty(t, v.carrierDefects);
  const supplierPenalty = (v.supplierExcused ? 0n : v.supplierLatePenalty) + supplierDefect;
  const carrierPenalty = (v.carrierExcused ? 0n : v.carrierLatePenalty) + carrierDefect;
  return {
    supplierDefect,
    carrierDefect,
    supplierPenalty,
    carrierPenalty,
    supplierCredit: L.valueOf(t, v.delivered - v.returned) + t.supplierCollateral - supplierPenalty,
    carrierCredit: (t.carrierFee * v.delivered) / t.quantity + t.carrierCollateral - carrierPenalty,
  };
}

/** How late a hand-over was, in started penalty periods ("3 started days"), or "on time". */
function lateBy(handedOverAt: bigint, t: PlainTerms): string {
  const periods = L.startedPeriods(handedOverAt - t.handOverDeadline, t.penaltyPeriod);
  if (periods === 0n) return "on time";
  const unit = period(t.penaltyPeriod);
  if (unit.includes(" ")) return `${n(periods)} started period${periods === 1n ? "" : "s"} of ${unit}`;
  return `${n(periods)} started ${unit}${periods === 1n ? "" : "s"}`;
}

// ------------------------------------------------------------------ read-only: agreement, agreements:list

readTask("agreement", "One supply agreement: parties, terms, deliveries, penalties and what each party gets")
  .addParam("id", "The agreement's number")
  .setAction(
    run<ReadArgs & { id: string }>(false, async (args, client) => {
      const a = await load(client, args.id);
      const t = a.terms;
      const v = a.view;
      const contract = client.agreements;
      const from = client.system.fromBlock;
      const [delivered, signed, claims, rulings, lapses, returns, fm, fmRuled, terminated, settled] = await Promise.all(
        [
          contract.queryFilter(contract.filters.DeliveryRecorded(a.id), from),
          contract.queryFilter(contract.filters.AgreementSigned(a.id), from),
          contract.queryFilter(contract.filters.ClaimFiled(a.id), from),
          contract.queryFilter(contract.filters.ClaimRuled(a.id), from),
          contract.queryFilter(contract.filters.ClaimLapsed(a.id), from),
          contract.queryFilter(contract.filters.ReturnRecorded(a.id), from),
          contract.queryFilter(contract.filters.ForceMajeureClaimed(a.id), from),
          contract.queryFilter(contract.filters.ForceMajeureRuled(a.id), from),
          contract.queryFilter(contract.filters.AgreementTerminated(a.id), from),
          contract.queryFilter(contract.filters.AgreementSettled(a.id), from),
        ],
      );
      const ref = await contract.agreementRef(a.id);
      const value = L.valueOf(t);
      const lateCap = L.lateCap(t);
      const m = (x: bigint) => L.money(x, a.asset);
      const u = (x: bigint) => units(x, a.asset);
      const deliveries = await Promise.all(
        delivered.map(async (event) => {
          const block = await event.getBlock();
          const state = await client.ledger.shipmentState(event.args.shipmentId);
          return {
            shipmentId: event.args.shipmentId,
            handedOverAt: state.shippedAt,
            quantity: event.args.quantity,
            supplierPenalty: event.args.supplierPenalty,
            carrierPenalty: event.args.carrierPenalty,
            recordedAt: BigInt(block.timestamp),
          };
        }),
      );
      const p = payout(a);
      const returnedRefunds = returns.reduce((sum, e) => sum + e.args.refund, 0n);
      const terminationRefund = terminated.reduce((sum, e) => sum + e.args.refund, 0n);
      const settledEvent = settled[0];
      const final = settledEvent !== undefined;
      const supplierPenalty = final ? settledEvent.args.supplierPenalty : p.supplierPenalty;
      const carrierPenalty = final ? settledEvent.args.carrierPenalty : p.carrierPenalty;
      const status = a.status;
      const funded = status === "Active" || status === "Terminated" || status === "Settled";
      const shares = funded
        ? {
            buyer: returnedRefunds + terminationRefund + supplierPenalty + carrierPenalty,
            supplier: final ? settledEvent.args.supplierCredit : p.supplierCredit,
            carrier: final ? settledEvent.args.carrierCredit : p.carrierCredit,
          }
        : {
            buyer: 0n,
            supplier: v.supplierSigned ? t.supplierCollateral : 0n,
            carrier: v.carrierSigned ? t.carrierCollateral : 0n,
          };
      const undeliveredHeld = status === "Active" ? L.valueOf(t, t.quantity - v.delivered) : 0n;
      const penaltyWords =
        `${percent(t.penaltyBps)} of the late value per started ${period(t.penaltyPeriod)}, ` +
        `capped at ${percent(t.penaltyCapBps)} of the value (${m(lateCap)}) for each party`;
      const defectWords = `${percent(t.defectBps)} of the rejected value, charged to the party found at fault`;
      const signer = (signedFlag: boolean, account: string) => (signedFlag ? account : undefined);
      const party = (
        orgId: bigint,
        name: string,
        account: string | undefined,
        extra: Record<string, unknown> = {},
      ) => ({
        orgId,
        name,
        account: account ?? null,
        ...extra,
      });
      const json = {
        agreementId: a.id,
        status: a.status,
        termsHash: v.termsHash,
        reference: ref,
        proposedAt: a.proposedAt,
        buyer: party(t.buyerOrgId, a.buyer, v.buyer),
        supplier: party(t.supplierOrgId, a.supplier, signer(v.supplierSigned, v.supplier), {
          signed: v.supplierSigned,
          collateral: u(t.supplierCollateral),
        }),
        carrier: party(t.carrierOrgId, a.carrier, signer(v.carrierSigned, v.carrier), {
          signed: v.carrierSigned,
          collateral: u(t.carrierCollateral),
        }),
        gtin: formatGtin(t.gtin),
        specHash: t.specHash,
        quantity: t.quantity,
        asset: a.asset,
        unitPrice: u(t.unitPrice),
        value: u(value),
        carrierFee: u(t.carrierFee),
        handOverDeadline: t.handOverDeadline,
        transitAllowance: t.transitAllowance,
        latePenalty: { bps: t.penaltyBps, periodSeconds: t.penaltyPeriod, capBps: t.penaltyCapBps, cap: u(lateCap) },
        defectBps: t.defectBps,
        terminationDelay: t.terminationDelay,
        minShelfLife: t.minShelfLife,
        inspectionWindow: t.inspectionWindow,
        rulingWindow: t.rulingWindow,
        forceMajeure: t.forceMajeure,
        delivered: v.delivered,
        returned: v.returned,
        pendingReturn: v.pendingReturn,
        returnBy: v.returnBy,
        lastReceiptAt: v.lastReceiptAt,
        openClaim: v.claimed === 0n ? null : { quantity: v.claimed, filedAt: v.claimFiledAt },
        claims: claims.map((e) => ({ quantity: e.args.quantity, evidenceHash: e.args.evidenceHash })),
        rulings: [
          ...rulings.map((e) => ({ ruling: L.Ruling[Number(e.args.ruling)], quantity: e.args.quantity })),
          ...lapses.map((e) => ({ ruling: "Lapsed", quantity: e.args.quantity })),
        ],
        returns: returns.map((e) => ({
          shipmentId: e.args.shipmentId,
          quantity: e.args.quantity,
          refund: u(e.args.refund),
        })),
        forceMajeureClaims: fm.map((e) => {
          const ruled = fmRuled.find((r) => r.args.party === e.args.party);
          return {
            party: partyName(e.args.party),
            evidenceHash: e.args.evidenceHash,
            ruling: ruled === undefined ? null : ruled.args.accepted ? "Accepted" : "Rejected",
          };
        }),
        deliveries: deliveries.map((d) => ({
          ...d,
          supplierPenalty: u(d.supplierPenalty),
          carrierPenalty: u(d.carrierPenalty),
        })),
        penalties: {
          supplierLate: u(v.supplierLatePenalty),
          carrierLate: u(v.carrierLatePenalty),
          supplierDefect: u(p.supplierDefect),
          carrierDefect: u(p.carrierDefect),
          supplierExcused: v.supplierExcused,
          carrierExcused: v.carrierExcused,
          supplierTotal: u(supplierPenalty),
          carrierTotal: u(carrierPenalty),
        },
        shares: {
          buyer: u(shares.buyer),
          supplier: u(shares.supplier),
          carrier: u(shares.carrier),
          final,
          undeliveredHeld: u(undeliveredHeld),
        },
        signatures: signed.map((e) => ({ party: partyName(e.args.party), account: e.args.account })),
      };
      if (args.json) return printJson(json);

      const lines = [
        `Agreement ${a.id}: ${a.status}`,
        `${a.buyer} buys ${n(t.quantity)} units of ${formatGtin(t.gtin)} from ${a.supplier}, carried by ${a.carrier}.`,
        `Price: ${m(t.unitPrice)} a unit, ${m(value)} in all; carrier's fee ${m(t.carrierFee)}.`,
        `Hand-over deadline: ${formatTime(t.handOverDeadline)}; transit allowance ${span(t.transitAllowance)}.`,
        `Late penalty: ${penaltyWords}.`,
        `Defect penalty: ${defectWords}.`,
        `Inspection window ${span(t.inspectionWindow)}, ruling window ${span(t.rulingWindow)}, termination delay ` +
          `${span(t.terminationDelay)}, minimum shelf life ${span(t.minShelfLife)}; force majeure ` +
          `${t.forceMajeure ? "applies" : "excluded"}.`,
        `Collateral: ${a.supplier} ${m(t.supplierCollateral)} (${v.supplierSigned ? `posted by ${v.supplier}` : "not signed"}), ` +
          `${a.carrier} ${m(t.carrierCollateral)} (${v.carrierSigned ? `posted by ${v.carrier}` : "not signed"}).`,
        `Buyer's account: ${v.buyer}. Shipments under this agreement carry reference ${ref}.`,
        `Delivered ${n(v.delivered)} of ${n(t.quantity)}` +
          (v.returned + v.pendingReturn > 0n
            ? `; ${n(v.returned)} rejected and returned, ` +
              (status === "Settled"
                ? `${n(v.pendingReturn)} rejected but not returned in time (counted as accepted)`
                : `${n(v.pendingReturn)} awaiting return (by ${formatTime(v.returnBy)})`)
            : "") +
          (v.claimed > 0n ? `; a claim for ${n(v.claimed)} is open since ${formatTime(v.claimFiledAt)}` : "") +
          ".",
      ];
      const rulingWords: Record<string, string> = {
        SupplierAtFault: `${a.supplier} at fault`,
        CarrierAtFault: `${a.carrier} at fault`,
        Rejected: "claim rejected",
      };
      const claimLines = [
        ...rulings.map((e) => `${n(e.args.quantity)} units: ${rulingWords[L.Ruling[Number(e.args.ruling)]]}`),
        ...lapses.map((e) => `${n(e.args.quantity)} units: lapsed unruled (returned without penalty)`),
      ];
      if (claimLines.length > 0) lines.push(`Claims ruled: ${claimLines.join("; ")}.`);
      for (const e of fm) {
        const ruled = fmRuled.find((r) => r.args.party === e.args.party);
        const who = Number(e.args.party) === L.AgreementParty.Supplier ? a.supplier : a.carrier;
        const outcome = ruled === undefined ? "awaiting a ruling" : ruled.args.accepted ? "accepted" : "rejected";
        lines.push(`Force majeure claimed by ${who}: ${outcome}.`);
      }
      for (const line of lines) console.log(line);
      if (deliveries.length > 0) {
        console.log("");
        printTable(
          deliveries.map((d) => ({
            shipment: shortId(d.shipmentId),
            quantity: d.quantity,
            "handed over": formatTime(d.handedOverAt),
            "late by": lateBy(d.handedOverAt, t),
            "supplier late": m(d.supplierPenalty),
            "carrier late": m(d.carrierPenalty),
          })),
        );
      }
      console.log("");
      console.log(
        `Penalties: ${a.supplier} ${m(supplierPenalty)}` +
          (v.supplierExcused ? " (late penalty waived: force majeure)" : "") +
          ` (late ${m(v.supplierLatePenalty)}, defects ${m(p.supplierDefect)}); ${a.carrier} ${m(carrierPenalty)}` +
          (v.carrierExcused ? " (late penalty waived: force majeure)" : "") +
          ` (late ${m(v.carrierLatePenalty)}, defects ${m(p.carrierDefect)}).`,
      );
      const heading = final
        ? "Settled: each party was credited"
        : funded
          ? status === "Active" && v.delivered < t.quantity
            ? `If settled on what is recorded now (${m(undeliveredHeld)} of undelivered value still held)`
            : "At settlement, on what is recorded now"
          : status === "Cancelled"
            ? "Cancelled: collateral credited back"
            : "Not funded yet: collateral posted so far";
      console.log(`${heading}:`);
      printTable([
        { party: a.buyer, role: "buyer", gets: m(shares.buyer) },
        { party: a.supplier, role: "supplier", gets: m(shares.supplier) },
        { party: a.carrier, role: "carrier", gets: m(shares.carrier) },
      ]);
      if (final || status === "Cancelled" || status === "Terminated") {
        console.log("Each party withdraws its credit with `npx hardhat donations:withdraw --vault agreements`.");
      }
    }),
  );

interface ListArgs extends ReadArgs {
  org: string;
  status?: string;
}

readTask("agreements:list", "An organisation's supply agreements, by status")
  .addParam("org", "The organisation, by id or name")
  .addOptionalParam("status", "Only this status: Proposed, Active, Terminated, Settled or Cancelled", undefined)
  .setAction(
    run<ListArgs>(false, async (args, client) => {
      const org = await client.resolveOrg(args.org, "--org");
      let wanted: string | undefined;
      if (args.status !== undefined) {
        const names = [1, 2, 3, 4, 5].map(statusOf);
        wanted = names.find((name) => name.toLowerCase() === args.status!.trim().toLowerCase());
        if (wanted === undefined) throw new InputError(`--status "${args.status}" is not one of ${names.join(", ")}`);
      }
      const rows = [];
      for (const found of await proposals(client)) {
        const t = found.terms;
        const role =
          t.buyerOrgId === org.id
            ? "buyer"
            : t.supplierOrgId === org.id
              ? "supplier"
              : t.carrierOrgId === org.id
                ? "carrier"
                : undefined;
        if (role === undefined) continue;
        const view = await client.agreements.agreement(found.id);
        if (wanted !== undefined && statusOf(view.status) !== wanted) continue;
        const asset = await client.assetInfo(t.asset);
        rows.push({ id: found.id, terms: t, view, role, asset });
      }
      rows.sort((x, y) => Number(x.view.status) - Number(y.view.status) || Number(x.id - y.id));
      if (args.json) {
        return printJson({
          orgId: org.id,
          name: org.name,
          agreements: rows.map((r) => ({
            agreementId: r.id,
            status: statusOf(r.view.status),
            role: r.role,
            buyerOrgId: r.terms.buyerOrgId,
            supplierOrgId: r.terms.supplierOrgId,
            carrierOrgId: r.terms.carrierOrgId,
            gtin: formatGtin(r.terms.gtin),
            quantity: r.terms.quantity,
            delivered: r.view.delivered,
            value: units(L.valueOf(r.terms), r.asset),
            asset: r.asset,
            handOverDeadline: r.terms.handOverDeadline,
          })),
        });
      }
      const filter = wanted === undefined ? "" : ` ${wanted}`;
      console.log(`Supply agreements of ${org.name}${wanted === undefined ? "" : ` (${wanted})`}:`);
      printTable(
        rows.map((r) => ({
          id: r.id,
          status: statusOf(r.view.status),
          role: r.role,
          buyer: orgName(client, r.terms.buyerOrgId),
          supplier: orgName(client, r.terms.supplierOrgId),
          carrier: orgName(client, r.terms.carrierOrgId),
          GTIN: formatGtin(r.terms.gtin),
          delivered: `${n(r.view.delivered)} of ${n(r.terms.quantity)}`,
          value: L.money(L.valueOf(r.terms), r.asset),
          deadline: formatTime(r.terms.handOverDeadline),
        })),
        `${org.name} has no${filter} supply agreements.`,
      );
    }),
  );

// ------------------------------------------------------------------ formation: propose, sign, retract, fund, cancel

interface ProposeArgs extends SendArgs {
  supplier: string;
  carrier: string;
  gtin: string;
  quantity: string;
  unitPrice: string;
  fee: string;
  asset: string;
  deadline: string;
  transit: string;
  latePenalty: string;
  lateCap: string;
  defectPenalty: string;
  terminationDelay: string;
  minShelfLife: string;
  inspectionWindow: string;
  rulingWindow: string;
  noForceMajeure: boolean;
  supplierCollateral?: string;
  carrierCollateral?: string;
  spec?: string;
}

memberTask("agreements:propose", "The buyer (HOSPITAL or AGENCY) proposes a supply agreement's terms")
  .setAction(
    run<ProposeArgs>(true, async (args, client) => {
      await bound();
      const buyer = await client.actingOrg(BUYERS, "as the buyer of a supply agreement");
      await client.requireNotPaused("propose agreements");
      const supplier = await client.resolveOrg(args.supplier, "--supplier");
      const carrier = await client.resolveOrg(args.carrier, "--carrier");
      if (supplier.id === buyer.id) throw new InputError(`${buyer.name} cannot be its own supplier`);
      if (carrier.id === buyer.id) throw new InputError(`${buyer.name} cannot be its own carrier`);
      if (supplier.id === carrier.id)
        throw new InputError(`${supplier.name} cannot be both the supplier and the carrier`);
      for (const [org, mask, word] of [
        [supplier, SUPPLIERS, "supplier"],
        [carrier, LOGISTICS, "carrier"],
      ] as const) {
        if (org.status !== OrganisationStatus.Active) {
          throw new InputError(`${org.name} is ${org.statusName.toLowerCase()}: it cannot be the ${word}`);
        }
        if (!admittedAs(org, mask)) {
          throw new InputError(`${org.name} is not admitted as ${orList(roleNames(mask))}: it cannot be the ${word}`);
        }
      }
      const gtin = parseGtin(args.gtin, "--gtin");
      const [makerOrgId, productStatus] = await client.catalog.productTerms(gtin);
      const productState = enumName("ProductStatus", productStatus);
      if (productState !== "Approved") {
        throw new InputError(
          `Product ${formatGtin(gtin)} is ` +
            (makerOrgId === 0n ? "not in the catalogue" : productState) +
            ": agreements are for approved products",
        );
      }
      const product = await client.catalog.product(gtin);
      const quantity = quantityArg(args.quantity, "--quantity");
      const asset = await client.parseAsset(args.asset);
      const assetAddress = asset.address;
      if (!(await client.agreements.isAssetApproved(assetAddress))) {
        throw new InputError(
          `Token ${assetAddress} is not approved by the governor for agreements: use ETH or an approved token`,
        );
      }
      const unitPrice = amountArg(args.unitPrice, asset, "--unit-price");
      const carrierFee = amountArg(args.fee, asset, "--fee", true);
      if (quantity * unitPrice + carrierFee > MAX_UINT128)
        throw new InputError("The value and the fee are too large to be paid in");
      const now = await client.now();
      const deadline = BigInt(parseTime(args.deadline, now, { label: "--deadline", future: true }));
      if (deadline > MAX_TIME) throw new InputError(`--deadline ${args.deadline} is beyond 2106`);
      const late = latePenaltyArg(args.latePenalty);
      const terms: PlainTerms = {
        buyerOrgId: buyer.id,
        supplierOrgId: supplier.id,
        carrierOrgId: carrier.id,
        gtin,
        specHash: args.spec === undefined ? product.specHash : parseDocument(args.spec, "--spec"),
        quantity,
        unitPrice,
        carrierFee,
        asset: assetAddress,
        handOverDeadline: deadline,
        transitAllowance: durationArg(args.transit, "--transit"),
        penaltyPeriod: late.period,
        penaltyBps: late.bps,
        penaltyCapBps: rateArg(args.lateCap, "--late-cap"),
        terminationDelay: durationArg(args.terminationDelay, "--termination-delay"),
        defectBps: rateArg(args.defectPenalty, "--defect-penalty"),
        minShelfLife: durationArg(args.minShelfLife, "--min-shelf-life"),
        inspectionWindow: durationArg(args.inspectionWindow, "--inspection-window", true),
        rulingWindow: durationArg(args.rulingWindow, "--ruling-window", true),
        forceMajeure: !args.noForceMajeure,
        supplierCollateral: 0n,
        carrierCollateral: 0n,
      };
      const minimum = L.minimumCollateral(terms);
      const why =
        `the ${percent(terms.penaltyCapBps)} late cap plus the ${percent(terms.defectBps)} defect penalty on the ` +
        `value of ${L.money(L.valueOf(terms), asset)}`;
      for (const [key, text, label] of [
        ["supplierCollateral", args.supplierCollateral, "--supplier-collateral"],
        ["carrierCollateral", args.carrierCollateral, "--carrier-collateral"],
      ] as const) {
        const amount = text === undefined ? minimum : amountArg(text, asset, label, true);
        if (amount < minimum) {
          throw new InputError(
            `${label} ${L.money(amount, asset)} is below the minimum of ${L.money(minimum, asset)} (${why})`,
          );
        }
        terms[key] = amount;
      }
      const receipt = await client.send(`propose an agreement for ${n(quantity)} units`, () =>
        client.agreements.propose(terms),
      );
      const [event] = events(client, receipt, "AgreementProposed");
      const id: bigint = event.args.agreementId;
      const termsHash: string = event.args.termsHash;
      const m = (x: bigint) => L.money(x, asset);
      report(
        args,
        receipt,
        id,
        {
          termsHash,
          reference: L.agreementRef(await client.agreements.getAddress(), id),
          asset,
          terms: {
            ...terms,
            unitPrice: units(terms.unitPrice, asset),
            carrierFee: units(terms.carrierFee, asset),
            supplierCollateral: units(terms.supplierCollateral, asset),
            carrierCollateral: units(terms.carrierCollateral, asset),
          },
          value: units(L.valueOf(terms), asset),
          funding: units(L.fundingOf(terms), asset),
          minimumCollateral: units(minimum, asset),
        },
        [
          `${buyer.name} proposed agreement ${id}: ${n(quantity)} units of ${formatGtin(gtin)} from ` +
            `${supplier.name} at ${m(unitPrice)} a unit (${m(L.valueOf(terms))}), carried by ` +
            `${carrier.name} for ${m(carrierFee)}, handed over by ${formatTime(deadline)}.`,
          `Late penalty ${percent(terms.penaltyBps)} per started ${period(terms.penaltyPeriod)}, capped at ` +
            `${percent(terms.penaltyCapBps)}; defect penalty ${percent(terms.defectBps)}. Collateral: ` +
            `${supplier.name} ${m(terms.supplierCollateral)}, ${carrier.name} ${m(terms.carrierCollateral)}.`,
          `Terms hash ${termsHash}: next, the supplier and the carrier run agreements:sign --id ${id}.`,
        ],
      );
    }),
  )
  .addParam("supplier", "The supplier (MANUFACTURER or DISTRIBUTOR), by id or name")
  .addParam("carrier", "The carrier (LOGISTICS), by id or name")
  .addParam("gtin", "The product's GTIN as printed")
  .addParam("quantity", "Quantity, in the product's unit of measure")
  .addParam("unitPrice", "Price per unit, in whole units of the asset (e.g. 0.0005)")
  .addOptionalParam("fee", "The carrier's fee for the whole quantity, in whole units of the asset", "0")
  .addOptionalParam("asset", "ETH, or the address of a token the governor approved", "ETH")
  .addParam("deadline", 'Hand-over deadline: "2027-03-31", "2027-03-31T12:00Z" or "+14d"')
  .addOptionalParam("transit", "How long the carrier may take from pick-up to delivery", "2d")
  .addOptionalParam("latePenalty", 'Late penalty per started period: "1%/day", "0.5%/12h", "50bps/week"', "1%/day")
  .addOptionalParam("lateCap", "Cap on each party's late penalties, of the agreement's value", "10%")
  .addOptionalParam("defectPenalty", "Defect penalty, of the rejected value", "10%")
  .addOptionalParam("terminationDelay", "How long past the expected delivery before the buyer may terminate", "7d")
  .addOptionalParam("minShelfLife", "Shelf life the batch must have left at hand-over", "180d")
  .addOptionalParam("inspectionWindow", "Time after each receipt to claim non-conformance", "7d")
  .addOptionalParam("rulingWindow", "How long a regulator has to rule a claim or force majeure", "7d")
  .addFlag("noForceMajeure", "Exclude the force-majeure clause")
  .addOptionalParam("supplierCollateral", "The supplier's collateral (default: the minimum)", undefined)
  .addOptionalParam("carrierCollateral", "The carrier's collateral (default: the minimum)", undefined)
  .addOptionalParam("spec", "The specification: a file, a text or a 0x hash (default: the product's)", undefined);

onAgreement(
  "agreements:sign",
  "The supplier or the carrier signs the terms and posts its collateral",
  async (args, client, a) => {
    requireStatus(a, ["Proposed"], "only proposed agreements are signed");
    const me = await asSignatory(client, a);
    if (me.signed) {
      throw new InputError(`${me.org.name} has already signed agreement ${a.id} as ${me.word}`);
    }
    await client.requireNotPaused("sign agreements");
    const collateral = me.collateral;
    const termsHash = L.hashTerms(a.terms);
    const receipt = await payIn(client, a, collateral, `sign agreement ${a.id}`, (value) =>
      client.agreements.sign(a.id, termsHash, a.terms, { value }),
    );
    const view = await client.agreements.agreement(a.id);
    const waiting = unsigned(a, view);
    report(
      args,
      receipt,
      a.id,
      {
        party: partyName(me.party),
        orgId: me.org.id,
        account: await client.sender.getAddress(),
        termsHash,
        asset: a.asset,
        collateral: units(collateral, a.asset),
      },
      [
        `${me.org.name} signed agreement ${a.id} as ${me.word} and posted ${L.money(collateral, a.asset)} of collateral.`,
        waiting.length > 0
          ? `Waiting for ${waiting.join(" and ")} to sign.`
          : `Both signed: ${a.buyer} funds it with agreements:fund --id ${a.id} ` +
            `(${L.money(L.fundingOf(a.terms), a.asset)}).`,
      ],
    );
  },
);

onAgreement(
  "agreements:retract",
  "A signer takes back its signature before funding; its collateral is credited",
  async (args, client, a) => {
    requireStatus(a, ["Proposed"], "signatures are retracted only before funding");
    const { org, party, signed, collateral, account } = await asSignatory(client, a);
    if (!signed) throw new InputError(`${org.name} has not signed agreement ${a.id}: there is nothing to retract`);
    const receipt = await client.send(`retract the signature on agreement ${a.id}`, () =>
      client.agreements.retract(a.id, a.terms),
    );
    report(
      args,
      receipt,
      a.id,
      { party: partyName(party), account, asset: a.asset, credited: units(collateral, a.asset) },
      [
        `${org.name} retracted its signature on agreement ${a.id}; ${L.money(collateral, a.asset)} of collateral ` +
          `is credited to ${account}.`,
        VAULT,
      ],
    );
  },
);

onAgreement(
  "agreements:fund",
  "The buyer pays in the price and the carrier's fee: the agreement is active",
  async (args, client, a) => {
    requireStatus(a, ["Proposed"], "only proposed agreements are funded");
    await asBuyer(client, a);
    const missing = unsigned(a, a.view);
    if (missing.length > 0) throw new InputError(`Agreement ${a.id} is not signed yet by ${missing.join(" and ")}`);
    await client.requireNotPaused("fund agreements");
    const amount = L.fundingOf(a.terms);
    const receipt = await payIn(client, a, amount, `fund agreement ${a.id}`, (value) =>
      client.agreements.fund(a.id, a.terms, { value }),
    );
    const reference = await client.agreements.agreementRef(a.id);
    report(args, receipt, a.id, { asset: a.asset, amount: units(amount, a.asset), reference }, [
      `${a.buyer} paid in ${L.money(amount, a.asset)}: agreement ${a.id} is Active.`,
      `${a.supplier} ships to ${a.buyer} with ${a.carrier} by ${formatTime(a.terms.handOverDeadline)}, ` +
        `with ledger:ship --ref ${reference}`,
    ]);
  },
);

onAgreement(
  "agreements:cancel",
  "Cancels an unfunded agreement: the buyer at any time, the supplier or carrier after the deadline",
  async (args, client, a) => {
    requireStatus(a, ["Proposed"], "only unfunded (Proposed) agreements are cancelled");
    const org = await client.actingOrg(BUYERS | SUPPLIERS | LOGISTICS, `as a party to agreement ${a.id}`);
    const t = a.terms;
    if (org.id !== t.buyerOrgId) {
      if (org.id !== t.supplierOrgId && org.id !== t.carrierOrgId) {
        throw new InputError(`${org.name} is not a party to agreement ${a.id}`);
      }
      const now = await client.now();
      if (BigInt(now) <= t.handOverDeadline) {
        throw new InputError(
          `${org.name} may cancel agreement ${a.id} only after its hand-over deadline, ` +
            `${formatTime(t.handOverDeadline)} (the buyer may cancel at any time)`,
        );
      }
    }
    const receipt = await client.send(`cancel agreement ${a.id}`, () => client.agreements.cancel(a.id, t));
    const credits = [
      a.view.supplierSigned ? { account: a.view.supplier, amount: t.supplierCollateral, name: a.supplier } : undefined,
      a.view.carrierSigned ? { account: a.view.carrier, amount: t.carrierCollateral, name: a.carrier } : undefined,
    ].filter((x) => x !== undefined);
    const credited = credits.map((c) => ({ account: c.account, amount: units(c.amount, a.asset) }));
    report(args, receipt, a.id, { asset: a.asset, credited }, [
      `${org.name} cancelled agreement ${a.id}.`,
      credits.length === 0
        ? "No collateral was posted."
        : `Collateral credited back: ${credits.map((c) => `${c.name} ${L.money(c.amount, a.asset)}`).join(", ")} ` +
          "(withdraw with `npx hardhat donations:withdraw --vault agreements`).",
    ]);
  },
);

// ------------------------------------------------------------------ deliveries and returns

interface ShipmentArgs extends IdArgs {
  shipment: string;
}

/** A shipment of the agreement: its fields, state and batch. */
async function agreementShipment(client: MedAllianceClient, a: Loaded, text: string) {
  const shipmentId = parseBytes32(text, "--shipment");
  const shipment = await client.findShipment(text);
  const state = await client.ledger.shipmentState(shipmentId);
  const batch = await client.ledger.batch(shipment.batchId);
  const reference = await client.agreements.agreementRef(a.id);
  if (shipment.ref !== reference) {
    throw new InputError(`Shipment ${shortId(shipmentId)} does not carry agreement ${a.id}'s reference ${reference}`);
  }
  const use = Number(await client.agreements.shipmentUse(shipmentId));
  return { shipmentId, shipment, state, batch, use, status: enumName("ShipmentStatus", state.status) };
}

type AgreementShipment = Awaited<ReturnType<typeof agreementShipment>>;

/** Refuses a delivery shipment whose parties are not the agreement's. */
function requireDeliveryParties(client: MedAllianceClient, a: Loaded, s: AgreementShipment): void {
  const short = shortId(s.shipmentId);
  const f = s.shipment;
  if (BigInt(f.fromOrgId) !== a.terms.supplierOrgId || BigInt(f.toOrgId) !== a.terms.buyerOrgId) {
    throw new InputError(
      `Shipment ${short} goes from ${orgName(client, BigInt(f.fromOrgId))} to ${orgName(client, BigInt(f.toOrgId))}: ` +
        `deliveries under agreement ${a.id} go from ${a.supplier} to ${a.buyer}`,
    );
  }
  if (BigInt(f.carrierOrgId) !== a.terms.carrierOrgId) {
    throw new InputError(
      `Shipment ${short} is carried by ${orgName(client, BigInt(f.carrierOrgId))}, not by the agreement's carrier ` +
        `${a.carrier}`,
    );
  }
}

onAgreement<ShipmentArgs>(
  "agreements:flag-pickup",
  "The supplier flags a delivery its carrier has not picked up within a day of the hand-over",
  async (args, client, a) => {
    requireStatus(a, ["Active"], "missed pick-ups are flagged on active agreements");
    const org = await client.actingOrg(SUPPLIERS, `as the supplier of agreement ${a.id}`);
    if (org.id !== a.terms.supplierOrgId)
      throw new InputError(`${org.name} is not the supplier of agreement ${a.id} (${a.supplier} is)`);
    const s = await agreementShipment(client, a, args.shipment);
    requireDeliveryParties(client, a, s);
    const short = shortId(s.shipmentId);
    if (s.use !== 0) throw new InputError(`Shipment ${short} was already ${s.use === 1 ? "flagged" : "recorded"}`);
    if (s.status !== "InTransit") {
      throw new InputError(
        `Shipment ${short} is ${s.status}: only a shipment still waiting for pick-up (InTransit) is flagged`,
      );
    }
    const windowEnds = s.state.shippedAt + L.PICK_UP_WINDOW;
    if (BigInt(await client.now()) <= windowEnds) {
      throw new InputError(`The carrier has until ${formatTime(windowEnds)} to pick up shipment ${short}`);
    }
    const receipt = await client.send(`flag shipment ${short}`, () =>
      client.agreements.flagMissedPickUp(a.id, a.terms, s.shipment),
    );
    report(args, receipt, a.id, { shipmentId: s.shipmentId }, [
      `${org.name} flagged shipment ${short}: ${a.carrier} did not pick it up by ${formatTime(windowEnds)}; ` +
        "its transit clock runs from then.",
    ]);
  },
).addParam("shipment", "The shipment's id (0x…)");

onAgreement<ShipmentArgs>(
  "agreements:record-delivery",
  "Anyone records a delivery of the agreement once the buyer received it (or its receipt window passed)",
  async (args, client, a) => {
    requireStatus(a, ["Active"], "deliveries are recorded on active agreements");
    const s = await agreementShipment(client, a, args.shipment);
    requireDeliveryParties(client, a, s);
    const short = shortId(s.shipmentId);
    if (s.use === L.ShipmentUse.Recorded) throw new InputError(`Shipment ${short} was already recorded`);
    const now = BigInt(await client.now());
    let quantity: bigint;
    if (s.status === "Received" || s.status === "Settled") {
      quantity = s.state.received;
    } else if (s.status === "Delivered") {
      const windowEnds = s.state.deliveredAt + (await client.ledger.receiptWindow());
      if (now <= windowEnds) {
        throw new InputError(
          `Shipment ${short} is Delivered: it counts once ${a.buyer} receives it, or after its receipt window ends ` +
            `at ${formatTime(windowEnds)}`,
        );
      }
      quantity = BigInt(s.shipment.quantity);
    } else {
      throw new InputError(
        `Shipment ${short} is ${s.status}: only a received or delivered shipment counts as a delivery`,
      );
    }
    if (s.batch.gtin !== a.terms.gtin) {
      throw new InputError(`Shipment ${short} is of ${formatGtin(s.batch.gtin)}, not the agreement's product`);
    }
    const required = s.state.shippedAt + a.terms.minShelfLife;
    if (s.batch.expiresAt < required) {
      throw new InputError(
        `Shipment ${short}'s batch expires ${formatTime(s.batch.expiresAt)}: the agreement requires ` +
          `${span(a.terms.minShelfLife)} of shelf life at hand-over (until ${formatTime(required)})`,
      );
    }
    const allowed = a.terms.quantity - a.view.delivered;
    if (quantity > allowed) {
      throw new InputError(
        `Shipment ${short} brings ${n(quantity)} units; agreement ${a.id} allows ${n(allowed)} more`,
      );
    }
    const receipt = await client.send(`record the delivery of shipment ${short}`, () =>
      client.agreements.recordDelivery(a.id, a.terms, s.shipment),
    );
    const [event] = events(client, receipt, "DeliveryRecorded");
    const supplierPenalty: bigint = event.args.supplierPenalty;
    const carrierPenalty: bigint = event.args.carrierPenalty;
    const view = await client.agreements.agreement(a.id);
    const late = [
      supplierPenalty > 0n ? `${a.supplier} handed over late: ${L.money(supplierPenalty, a.asset)}` : undefined,
      carrierPenalty > 0n ? `${a.carrier} carried it late: ${L.money(carrierPenalty, a.asset)}` : undefined,
    ].filter((x) => x !== undefined);
    report(
      args,
      receipt,
      a.id,
      {
        shipmentId: s.shipmentId,
        quantity: event.args.quantity,
        asset: a.asset,
        supplierPenalty: units(supplierPenalty, a.asset),
        carrierPenalty: units(carrierPenalty, a.asset),
        delivered: view.delivered,
        supplierLatePenalty: units(view.supplierLatePenalty, a.asset),
        carrierLatePenalty: units(view.carrierLatePenalty, a.asset),
      },
      [
        `Delivery of ${n(event.args.quantity)} units recorded under agreement ${a.id} ` +
          `(${n(view.delivered)} of ${n(a.terms.quantity)} delivered).`,
        late.length === 0 ? "On time: no penalty." : `Late penalties (before the cap): ${late.join("; ")}.`,
      ],
    );
  },
).addParam("shipment", "The shipment's id (0x…)");

onAgreement<ShipmentArgs>(
  "agreements:record-return",
  "Anyone records rejected goods back with the supplier (or maker): their value is refunded to the buyer",
  async (args, client, a) => {
    requireStatus(a, ["Active", "Terminated"], "returns are recorded on active or terminated agreements");
    const s = await agreementShipment(client, a, args.shipment);
    const short = shortId(s.shipmentId);
    const to = BigInt(s.shipment.toOrgId);
    if (
      BigInt(s.shipment.fromOrgId) !== a.terms.buyerOrgId ||
      (to !== a.terms.supplierOrgId && to !== s.batch.makerOrgId)
    ) {
      throw new InputError(`Shipment ${short} is not a return from ${a.buyer} to ${a.supplier} or the batch's maker`);
    }
    if (s.batch.gtin !== a.terms.gtin)
      throw new InputError(`Shipment ${short} is of ${formatGtin(s.batch.gtin)}, not the agreement's product`);
    if (s.use !== 0) throw new InputError(`Shipment ${short} was already recorded`);
    if (a.view.pendingReturn === 0n) throw new InputError(`Agreement ${a.id} has no rejected goods awaiting return`);
    if (s.status === "Delivered") {
      const windowEnds = s.state.deliveredAt + (await client.ledger.receiptWindow());
      if (BigInt(await client.now()) <= windowEnds) {
        throw new InputError(
          `Return ${short} is Delivered: it counts once ${orgName(client, to)} receives it, or after its receipt ` +
            `window ends at ${formatTime(windowEnds)}`,
        );
      }
    } else if (s.status !== "Received" && s.status !== "Settled") {
      throw new InputError(`Return ${short} is ${s.status}: only a return its recipient has counts`);
    }
    const receipt = await client.send(`record the return of shipment ${short}`, () =>
      client.agreements.recordReturn(a.id, a.terms, s.shipment),
    );
    const [event] = events(client, receipt, "ReturnRecorded");
    report(
      args,
      receipt,
      a.id,
      {
        shipmentId: s.shipmentId,
        quantity: event.args.quantity,
        asset: a.asset,
        refund: units(event.args.refund, a.asset),
      },
      [
        `Return of ${n(event.args.quantity)} units recorded under agreement ${a.id}: ${a.buyer} is credited ` +
          `${L.money(event.args.refund, a.asset)}.`,
      ],
    );
  },
).addParam("shipment", "The return shipment's id (0x…)");

// ------------------------------------------------------------------ claims and force majeure

interface ClaimArgs extends IdArgs {
  quantity: string;
  evidence: string;
}

onAgreement<ClaimArgs>(
  "agreements:claim",
  "The buyer claims non-conformance of delivered goods, with evidence",
  async (args, client, a) => {
    requireStatus(a, ["Active", "Terminated"], "claims are filed on active or terminated agreements");
    await asBuyer(client, a);
    if (a.view.claimed !== 0n)
      throw new InputError(`Agreement ${a.id} already has an open claim for ${n(a.view.claimed)} units`);
    const quantity = quantityArg(args.quantity, "--quantity");
    const evidence = parseDocument(args.evidence, "--evidence");
    const allowed = a.view.delivered - a.view.returned - a.view.pendingReturn;
    if (quantity > allowed) {
      throw new InputError(
        `--quantity ${n(quantity)} is more than the ${n(allowed)} units delivered and not already rejected`,
      );
    }
    const deadline = a.view.lastReceiptAt + a.terms.inspectionWindow;
    if (BigInt(await client.now()) > deadline) {
      throw new InputError(`The inspection window of agreement ${a.id} closed at ${formatTime(deadline)}`);
    }
    const receipt = await client.send(`file a claim for ${n(quantity)} units`, () =>
      client.agreements.fileClaim(a.id, a.terms, quantity, evidence),
    );
    const rulingBy = BigInt((await receipt.getBlock()).timestamp) + a.terms.rulingWindow;
    report(args, receipt, a.id, { quantity, evidenceHash: evidence, rulingBy }, [
      `${a.buyer} claimed ${n(quantity)} units under agreement ${a.id} non-conforming.`,
      `A regulator rules by ${formatTime(rulingBy)} (agreements:rule); unruled, the claim lapses and the ` +
        "goods are returned and refunded without penalty.",
    ]);
  },
)
  .addParam("quantity", "Quantity claimed non-conforming")
  .addParam("evidence", "The inspection report: a file, a text or a 0x hash");

interface RuleArgs extends IdArgs {
  ruling: string;
  reason: string;
}

const RULINGS: Record<string, number> = { supplier: 1, carrier: 2, rejected: 3 };

onAgreement<RuleArgs>(
  "agreements:rule",
  "A regulator rules the open claim: supplier at fault, carrier at fault, or rejected",
  async (args, client, a) => {
    const ruling = RULINGS[args.ruling.trim().toLowerCase()];
    if (ruling === undefined) throw new InputError(`--ruling "${args.ruling}" is not supplier, carrier or rejected`);
    await client.requireRegulator("rule claims");
    if (a.view.claimed === 0n) throw new InputError(`Agreement ${a.id} has no open claim`);
    const deadline = a.view.claimFiledAt + a.terms.rulingWindow;
    if (BigInt(await client.now()) > deadline) {
      throw new InputError(
        `The ruling window closed at ${formatTime(deadline)}: the claim lapses (agreements:lapse-claim)`,
      );
    }
    const reason = parseDocument(args.reason, "--reason");
    const receipt = await client.send(`rule the claim on agreement ${a.id}`, () =>
      client.agreements.ruleClaim(a.id, a.terms, ruling, reason),
    );
    const quantity = a.view.claimed;
    const atFault = ruling === 1 ? a.supplier : ruling === 2 ? a.carrier : undefined;
    const view = await client.agreements.agreement(a.id);
    report(
      args,
      receipt,
      a.id,
      {
        ruling: L.Ruling[ruling],
        quantity,
        reasonHash: reason,
        asset: a.asset,
        defectPenalty: units(atFault === undefined ? 0n : L.defectPenalty(a.terms, quantity), a.asset),
        returnBy: view.returnBy,
      },
      [
        atFault === undefined
          ? `The claim for ${n(quantity)} units under agreement ${a.id} is rejected: the goods count as accepted.`
          : `${atFault} is at fault for ${n(quantity)} units under agreement ${a.id}: defect penalty ` +
            `${L.money(L.defectPenalty(a.terms, quantity), a.asset)}. ${a.buyer} returns the goods by ` +
            `${formatTime(view.returnBy)} to be refunded.`,
      ],
    );
  },
)
  .addParam("ruling", "supplier (at fault), carrier (at fault) or rejected")
  .addParam("reason", "The written reasons: a file, a text or a 0x hash");

onAgreement(
  "agreements:lapse-claim",
  "Anyone lapses a claim nobody ruled in time: return and refund, no penalty",
  async (args, client, a) => {
    if (a.view.claimed === 0n) throw new InputError(`Agreement ${a.id} has no open claim`);
    const deadline = a.view.claimFiledAt + a.terms.rulingWindow;
    if (BigInt(await client.now()) <= deadline) {
      throw new InputError(`A regulator may rule the claim until ${formatTime(deadline)}: it lapses only after`);
    }
    const receipt = await client.send(`lapse the claim on agreement ${a.id}`, () =>
      client.agreements.lapseClaim(a.id, a.terms),
    );
    const view = await client.agreements.agreement(a.id);
    report(args, receipt, a.id, { quantity: a.view.claimed, returnBy: view.returnBy }, [
      `The claim for ${n(a.view.claimed)} units under agreement ${a.id} lapsed unruled: ${a.buyer} returns them by ` +
        `${formatTime(view.returnBy)} to be refunded, without penalty.`,
    ]);
  },
);

interface EvidenceArgs extends IdArgs {
  evidence: string;
}

onAgreement<EvidenceArgs>(
  "agreements:force-majeure",
  "The supplier or the carrier claims force majeure, with evidence",
  async (args, client, a) => {
    requireStatus(a, ["Active"], "force majeure is claimed on active agreements");
    if (!a.terms.forceMajeure) throw new InputError(`Agreement ${a.id} excludes force majeure`);
    const me = await asSignatory(client, a);
    const events_ = await client.agreements.queryFilter(
      client.agreements.filters.ForceMajeureClaimed(a.id, me.party),
      client.system.fromBlock,
    );
    if (events_.length > 0)
      throw new InputError(`${me.org.name} has already claimed force majeure under agreement ${a.id}`);
    const evidence = parseDocument(args.evidence, "--evidence");
    const receipt = await client.send(`claim force majeure on agreement ${a.id}`, () =>
      client.agreements.claimForceMajeure(a.id, a.terms, evidence),
    );
    const rulingBy = BigInt((await receipt.getBlock()).timestamp) + a.terms.rulingWindow;
    report(args, receipt, a.id, { party: partyName(me.party), evidenceHash: evidence, rulingBy }, [
      `${me.org.name} (${me.word}) claimed force majeure under agreement ${a.id}; a regulator rules by ` +
        `${formatTime(rulingBy)} (unruled, the claim is rejected).`,
    ]);
  },
).addParam("evidence", "The evidence: a file, a text or a 0x hash");

interface RuleFmArgs extends IdArgs {
  party: string;
  accept: boolean;
  reject: boolean;
  reason: string;
}

onAgreement<RuleFmArgs>(
  "agreements:rule-force-majeure",
  "A regulator accepts or rejects a force-majeure claim",
  async (args, client, a) => {
    const word = args.party.trim().toLowerCase();
    if (word !== "supplier" && word !== "carrier")
      throw new InputError(`--party "${args.party}" is not supplier or carrier`);
    if (args.accept === args.reject) throw new InputError("Give exactly one of --accept and --reject");
    await client.requireRegulator("rule force majeure");
    const party = word === "supplier" ? L.AgreementParty.Supplier : L.AgreementParty.Carrier;
    const name = word === "supplier" ? a.supplier : a.carrier;
    const filedAt = word === "supplier" ? a.view.supplierForceMajeureAt : a.view.carrierForceMajeureAt;
    if (filedAt === 0n)
      throw new InputError(`${name} (${word}) has no force-majeure claim awaiting a ruling under agreement ${a.id}`);
    const deadline = filedAt + a.terms.rulingWindow;
    if (BigInt(await client.now()) > deadline) {
      throw new InputError(`The ruling window closed at ${formatTime(deadline)}: the claim lapsed as rejected`);
    }
    const reason = parseDocument(args.reason, "--reason");
    const receipt = await client.send(`rule the force-majeure claim on agreement ${a.id}`, () =>
      client.agreements.ruleForceMajeure(a.id, a.terms, party, args.accept, reason),
    );
    report(args, receipt, a.id, { party: partyName(party), accepted: args.accept, reasonHash: reason }, [
      args.accept
        ? `Force majeure accepted for ${name} under agreement ${a.id}: its late penalties are waived.`
        : `Force majeure rejected for ${name} under agreement ${a.id}: its penalties stand.`,
    ]);
  },
)
  .addParam("party", "supplier or carrier")
  .addFlag("accept", "Accept: the party's late penalties are waived")
  .addFlag("reject", "Reject: the penalties stand")
  .addParam("reason", "The written reasons: a file, a text or a 0x hash");

// ------------------------------------------------------------------ ending: terminate, settle

/** When the buyer may terminate: the termination delay after the hand-over deadline and transit allowance. */
const terminationOpens = (t: PlainTerms) => t.handOverDeadline + t.transitAllowance + t.terminationDelay;

onAgreement(
  "agreements:terminate",
  "Terminates an active agreement not fully delivered, past the termination delay (the buyer; later anyone)",
  async (args, client, a) => {
    requireStatus(a, ["Active"], "only active agreements are terminated");
    const t = a.terms;
    if (a.view.delivered === t.quantity) {
      throw new InputError(`Agreement ${a.id} is fully delivered: settle it instead (agreements:settle)`);
    }
    const opensAt = terminationOpens(t);
    const now = BigInt(await client.now());
    if (now <= opensAt) throw new InputError(`Agreement ${a.id} may be terminated only after ${formatTime(opensAt)}`);
    if (now <= opensAt + t.terminationDelay) {
      await asBuyer(
        client,
        a,
        `on agreement ${a.id} until ${formatTime(opensAt + t.terminationDelay)} (anyone may after)`,
      );
    }
    const receipt = await client.send(`terminate agreement ${a.id}`, () => client.agreements.terminate(a.id, t));
    const [event] = events(client, receipt, "AgreementTerminated");
    report(
      args,
      receipt,
      a.id,
      {
        undelivered: event.args.undelivered,
        asset: a.asset,
        refund: units(event.args.refund, a.asset),
      },
      [
        `Agreement ${a.id} is terminated with ${n(event.args.undelivered)} units undelivered: ${a.buyer} is ` +
          `credited ${L.money(event.args.refund, a.asset)}.`,
        `Settle it once the inspection window has passed (agreements:settle --id ${a.id}).`,
      ],
    );
  },
);

onAgreement(
  "agreements:settle",
  "Anyone settles a fully delivered or terminated agreement: everyone is credited",
  async (args, client, a) => {
    const t = a.terms;
    const v = a.view;
    requireStatus(a, ["Active", "Terminated"], "only active or terminated agreements are settled");
    if (a.status === "Active" && v.delivered !== t.quantity) {
      throw new InputError(
        `Agreement ${a.id} has ${n(v.delivered)} of ${n(t.quantity)} units delivered: it settles once all are`,
      );
    }
    if (v.claimed !== 0n)
      throw new InputError(`Agreement ${a.id} has an open claim for ${n(v.claimed)} units: it must be ruled first`);
    const now = BigInt(await client.now());
    for (const [filedAt, name] of [
      [v.supplierForceMajeureAt, a.supplier],
      [v.carrierForceMajeureAt, a.carrier],
    ] as const) {
      if (filedAt !== 0n && now <= filedAt + t.rulingWindow) {
        throw new InputError(
          `${name}'s force-majeure claim awaits a ruling until ${formatTime(filedAt + t.rulingWindow)}`,
        );
      }
    }
    const inspectionEnds = v.lastReceiptAt + t.inspectionWindow;
    if (now <= inspectionEnds) {
      throw new InputError(`The inspection window of agreement ${a.id} runs until ${formatTime(inspectionEnds)}`);
    }
    if (v.pendingReturn !== 0n && now <= v.returnBy) {
      throw new InputError(`${n(v.pendingReturn)} rejected units may come back until ${formatTime(v.returnBy)}`);
    }
    const receipt = await client.send(`settle agreement ${a.id}`, () => client.agreements.settle(a.id, t));
    const [event] = events(client, receipt, "AgreementSettled");
    const penalties: bigint = event.args.supplierPenalty + event.args.carrierPenalty;
    const m = (x: bigint) => L.money(x, a.asset);
    report(
      args,
      receipt,
      a.id,
      {
        asset: a.asset,
        supplierPenalty: units(event.args.supplierPenalty, a.asset),
        carrierPenalty: units(event.args.carrierPenalty, a.asset),
        buyerCredit: units(penalties, a.asset),
        supplierCredit: units(event.args.supplierCredit, a.asset),
        carrierCredit: units(event.args.carrierCredit, a.asset),
      },
      [
        `Agreement ${a.id} is settled. Credited: ${a.buyer} ${m(penalties)} in penalties, ${a.supplier} ` +
          `${m(event.args.supplierCredit)}, ${a.carrier} ${m(event.args.carrierCredit)}.`,
        "Each party withdraws with `npx hardhat donations:withdraw --vault agreements`.",
      ],
    );
  },
);
