/**
 * Supply agreement tasks: one agreement in plain words (`agreement`), an organisation's agreements by status
 * (`agreements:list`), and every step of an agreement's life on SupplyAgreements — propose, sign, retract, fund,
 * cancel, flag a missed pick-up, record deliveries and returns, claims and rulings, force majeure, termination and
 * settlement. Credits are withdrawn with `donations:withdraw --vault agreements`.
 *
 * Every call after the proposal needs the agreement's terms back: the tasks read them from the AgreementProposed
 * event. Modules are loaded inside the actions: Hardhat reads this file before the contracts' bindings exist.
 */
import fs from "node:fs";
import { task } from "hardhat/config";
import type { ConfigurableTaskDefinition, HardhatRuntimeEnvironment } from "hardhat/types";
import type { ContractTransactionReceipt, ContractTransactionResponse, LogDescription } from "ethers";
import type { MedAllianceClient, Organisation } from "../scripts/client/client";
import type { PlainTerms } from "../scripts/lib/agreements";
import type { ISupplyAgreements } from "../typechain-types";

async function loadLibs() {
  const [ethers, codes, taskLib, output, agreements, alliance, trace, gs1] = await Promise.all([
    import("ethers"),
    import("../scripts/client/codes"),
    import("../scripts/client/task"),
    import("../scripts/client/output"),
    import("../scripts/lib/agreements"),
    import("../scripts/lib/alliance"),
    import("../scripts/lib/trace"),
    import("../scripts/lib/gs1"),
  ]);
  return { ethers: ethers.ethers, codes, taskLib, output, agreements, alliance, trace, gs1 };
}

type Libs = Awaited<ReturnType<typeof loadLibs>>;
let L: Libs;

interface Common {
  registry?: string;
  json: boolean;
  from?: string;
}

interface IdArgs extends Common {
  id: string;
}

/** Role bits (contracts/alliance/AllianceTypes.sol `Roles`) of the three sides of an agreement. */
const MANUFACTURER = 1 << 2;
const LOGISTICS = 1 << 3;
const DISTRIBUTOR = 1 << 4;
const HOSPITAL = 1 << 5;
const AGENCY = 1 << 7;
const BUYERS = HOSPITAL | AGENCY;
const SUPPLIERS = MANUFACTURER | DISTRIBUTOR;
const MAX_QUANTITY = 2 ** 40 - 1;
const MAX_TIME = 2n ** 32n - 1n;
const MAX_UINT128 = 2n ** 128n - 1n;

const ERC20_ABI = [
  "function decimals() view returns (uint8)",
  "function balanceOf(address account) view returns (uint256)",
  "function symbol() view returns (string)",
  "function allowance(address owner, address spender) view returns (uint256)",
  "function approve(address spender, uint256 amount) returns (bool)",
];

/** An agreement task: `--registry` and `--json`, and `--from` when it signs. */
function agreementTask(name: string, description: string, signs: boolean): ConfigurableTaskDefinition {
  const definition = task(name, description)
    .addOptionalParam("registry", "AllianceRegistry address (default: this network's deployment)", undefined)
    .addFlag("json", "Print one JSON document for scripts");
  if (!signs) return definition;
  return definition.addOptionalParam(
    "from",
    "Who signs: address, account index, or organisation name (default: account 0)",
    undefined,
  );
}

/** Runs a task's body with a client (signing when `signs`), turning bad input and refusals into one line. */
function run<A extends Common>(
  signs: boolean,
  body: (args: A, client: MedAllianceClient, hre: HardhatRuntimeEnvironment) => Promise<void>,
) {
  return async (args: A, hre: HardhatRuntimeEnvironment) => {
    L = await loadLibs();
    await L.taskLib.action<A>(async (a, h) => {
      const client = signs ? await L.taskLib.sendClient(h, a) : await L.taskLib.readClient(h, a);
      await client.organisations();
      await body(a, client, h);
    })(args, hre);
  };
}

// ------------------------------------------------------------------ small helpers

function fail(message: string): never {
  throw new L.codes.InputError(message);
}

const n = (value: bigint | number) => BigInt(value).toLocaleString("en-US");

function orgName(client: MedAllianceClient, id: bigint | number): string {
  return client.orgName(BigInt(id)) ?? `organisation ${id}`;
}

/** Prints `value` as JSON, or the sentences. */
function report(args: Common, value: unknown, lines: string[]): void {
  if (args.json) L.output.printJson(value);
  else for (const line of lines) console.log(line);
}

/** A document as its hash: a 0x hash as given, the bytes of an existing file, or else the text itself. */
function documentArg(text: string | undefined, label: string): string {
  if (text === undefined || text.trim() === "") fail(`${label} is required: a file, a text or a 0x hash`);
  if (/^0x[0-9a-fA-F]{64}$/.test(text)) {
    if (/^0x0{64}$/.test(text)) fail(`${label} may not be the zero hash`);
    return text.toLowerCase();
  }
  if (fs.existsSync(text) && fs.statSync(text).isFile()) return L.ethers.keccak256(fs.readFileSync(text));
  return L.alliance.documentHash(text);
}

/** An asset: its address (zero for ETH), symbol and decimals. */
interface Asset {
  address: string;
  symbol: string;
  decimals: number;
}

async function assetOf(client: MedAllianceClient, address: string): Promise<Asset> {
  if (address === L.ethers.ZeroAddress) return { address, symbol: "ETH", decimals: 18 };
  const token = new L.ethers.Contract(address, ERC20_ABI, client.provider);
  const [symbol, decimals] = await Promise.all([
    client.read(`read the symbol of token ${address}`, () => token.symbol() as Promise<string>),
    client.read(`read the decimals of token ${address}`, () => token.decimals() as Promise<bigint>),
  ]);
  return { address, symbol, decimals: Number(decimals) };
}

function money(value: bigint, asset: Asset): string {
  return `${L.codes.formatAmount(value, asset.decimals)} ${asset.symbol}`;
}

/** Basis points as a percentage ("1%", "0.25%"). */
function percent(bps: bigint): string {
  const whole = bps / 100n;
  const rest = (bps % 100n).toString().padStart(2, "0").replace(/0+$/, "");
  return rest === "" ? `${whole}%` : `${whole}.${rest}%`;
}

const SPANS: [bigint, string][] = [
  [604_800n, "week"],
  [86_400n, "day"],
  [3_600n, "hour"],
  [60n, "minute"],
  [1n, "second"],
];

/** A span of seconds in words ("2 days", "1 week"). */
function span(seconds: bigint): string {
  if (seconds === 0n) return "none";
  const [size, word] = SPANS.find(([size]) => seconds % size === 0n)!;
  const count = seconds / size;
  return `${n(count)} ${word}${count === 1n ? "" : "s"}`;
}

/** A penalty period as it follows "per started": "day", "12 hours". */
function period(seconds: bigint): string {
  const words = span(seconds);
  return words.startsWith("1 ") ? words.slice(2) : words;
}

function statusName(value: bigint | number): string {
  return L.agreements.AgreementStatus[Number(value)];
}

// ------------------------------------------------------------------ parsing terms as people write them

/** A rate in percent or basis points ("1%", "0.5%", "150bps"), at most 100%. */
function rateArg(text: string, label: string): bigint {
  const match = /^\s*(\d+(?:\.\d{1,2})?)\s*(%|bps)\s*$/i.exec(text);
  if (!match) fail(`${label} "${text}" is not a rate: write 1%, 0.5% or 150bps`);
  const bps = match[2] === "%" ? BigInt(Math.round(Number(match[1]) * 100)) : BigInt(match[1].split(".")[0]);
  if (match[2].toLowerCase() === "bps" && match[1].includes(".")) fail(`${label} "${text}": basis points are whole`);
  if (bps > L.agreements.BPS) fail(`${label} ${text} is above 100%`);
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
    fail(`--late-penalty "${text}" is not a penalty rate: write 1%/day, 0.5%/12h or 50bps/week`);
  }
  const count = match[2] === "" ? 1n : BigInt(match[2]);
  if (count === 0n) fail(`--late-penalty "${text}": the period must be longer than zero`);
  return { bps: rateArg(match[1], "--late-penalty"), period: count * unit };
}

function durationArg(text: string, label: string, positive = false): bigint {
  const seconds = BigInt(L.codes.parseDuration(text, label));
  if (positive && seconds === 0n) fail(`${label} must be longer than zero`);
  if (seconds > MAX_TIME) fail(`${label} ${text} is too long (at most 136 years)`);
  return seconds;
}

/** An amount in whole units; "0" allowed when `zero`. */
function amountArg(text: string, asset: Asset, label: string, zero = false): bigint {
  if (zero && /^\s*0+(\.0*)?\s*$/.test(text)) return 0n;
  const value = L.codes.parseAmount(text, asset.decimals, label);
  if (value > MAX_UINT128) fail(`${label} ${text} is too large`);
  return value;
}

function quantityArg(text: string | undefined, label: string): bigint {
  if (text === undefined) fail(`${label} is required`);
  return BigInt(L.codes.parseQuantity(text, label, MAX_QUANTITY));
}

function idArg(text: string): bigint {
  const id = text.trim().replace(/^#/, "");
  if (!/^\d+$/.test(id) || BigInt(id) === 0n) fail(`--id "${text}" is not an agreement number`);
  return BigInt(id);
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
  const id = idArg(text);
  const [found] = await proposals(client, id);
  if (found === undefined) {
    fail(`Agreement ${id} does not exist (${n(await client.agreements.agreementCount())} proposed so far)`);
  }
  const view = await client.agreements.agreement(id);
  const block = await client.provider.getBlock(found.block);
  return {
    id,
    terms: found.terms,
    view,
    status: statusName(view.status),
    asset: await assetOf(client, found.terms.asset),
    buyer: orgName(client, found.terms.buyerOrgId),
    supplier: orgName(client, found.terms.supplierOrgId),
    carrier: orgName(client, found.terms.carrierOrgId),
    proposedAt: BigInt(block?.timestamp ?? 0),
  };
}

function requireStatus(a: Loaded, allowed: number[], what: string): void {
  if (!allowed.includes(Number(a.view.status))) fail(`Agreement ${a.id} is ${a.status}: ${what}`);
}

/** The organisation the sender acts for in one of the roles of `mask`, or a sentence saying why it may not. */
async function actingOrg(client: MedAllianceClient, mask: number, what: string): Promise<Organisation> {
  const account = await client.sender.getAddress();
  const org = await client.senderOrg();
  const [orgId] = await client.registry.permittedOrganisation(account, mask);
  if (orgId !== 0n) return org;
  if (org.status !== L.alliance.OrganisationStatus.Active)
    fail(`${org.name} is ${org.statusName.toLowerCase()}: ${what}`);
  fail(`${org.name} is not admitted as ${L.alliance.roleNames(mask).join(" or ")}: ${what}`);
}

/** The buyer's organisation acting for agreement `a`. */
async function asBuyer(client: MedAllianceClient, a: Loaded, what: string): Promise<Organisation> {
  const org = await actingOrg(client, BUYERS, `only the buyer ${what}`);
  if (org.id !== a.terms.buyerOrgId) fail(`${org.name} is not the buyer of agreement ${a.id} (${a.buyer} is)`);
  return org;
}

/** Which of the supplier and the carrier the sender acts for (as the contract decides it). */
async function asSignatory(client: MedAllianceClient, a: Loaded, what: string) {
  const account = await client.sender.getAddress();
  const org = await actingOrg(client, SUPPLIERS | LOGISTICS, `only the supplier or the carrier ${what}`);
  const [, roles] = await client.registry.permittedOrganisation(account, SUPPLIERS | LOGISTICS);
  if (org.id === a.terms.supplierOrgId && (Number(roles) & SUPPLIERS) !== 0) {
    return { org, party: L.agreements.AgreementParty.Supplier, word: "supplier" as const };
  }
  if (org.id === a.terms.carrierOrgId && (Number(roles) & LOGISTICS) !== 0) {
    return { org, party: L.agreements.AgreementParty.Carrier, word: "carrier" as const };
  }
  fail(`${org.name} is neither the supplier (${a.supplier}) nor the carrier (${a.carrier}) of agreement ${a.id}`);
}

async function requireRegulator(client: MedAllianceClient, what: string): Promise<string> {
  const account = await client.sender.getAddress();
  if (!(await client.registry.hasRole(L.alliance.REGULATOR_ROLE, account))) {
    fail(`Account ${account} is not a regulator: only regulators ${what}`);
  }
  return account;
}

async function requireNotPaused(client: MedAllianceClient, what: string): Promise<void> {
  if (await client.registry.paused()) fail(`The alliance is paused: no one may ${what} until it resumes`);
}

/** The parties' party name ("Supplier"). */
function partyName(party: bigint | number): string {
  return L.agreements.AgreementParty[Number(party)];
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

/** Pays `amount` in the agreement's asset: ETH with the call, or a token allowance it approves first when short. */
async function payWith(
  client: MedAllianceClient,
  a: Loaded,
  amount: bigint,
  what: string,
  call: (value: bigint) => Promise<ContractTransactionResponse>,
): Promise<ContractTransactionReceipt> {
  const owner = await client.sender.getAddress();
  const eth = a.asset.address === L.ethers.ZeroAddress;
  const token = new L.ethers.Contract(a.asset.address, ERC20_ABI, client.sender);
  const balance: bigint = eth ? await client.provider.getBalance(owner) : await token.balanceOf(owner);
  if (balance < amount) {
    fail(`Account ${owner} holds ${money(balance, a.asset)}; ${money(amount, a.asset)} is needed to ${what}`);
  }
  if (eth) return client.send(what, () => call(amount));
  const spender = await client.agreements.getAddress();
  if (amount > 0n && ((await token.allowance(owner, spender)) as bigint) < amount) {
    await client.send(`approve ${money(amount, a.asset)} for the agreements contract`, () =>
      token.approve(spender, amount),
    );
  }
  return client.send(what, () => call(0n));
}

// ------------------------------------------------------------------ money: what each party gets

/** The parties' shares as settlement computes them (contracts/money/SupplyAgreements.sol `_payout`). */
function payout(a: Loaded) {
  const t = a.terms;
  const v = a.view;
  const supplierDefect = L.agreements.defectPenalty(t, v.supplierDefects);
  const carrierDefect = L.agreements.defectPenalty(t, v.carrierDefects);
  const supplierPenalty = (v.supplierExcused ? 0n : v.supplierLatePenalty) + supplierDefect;
  const carrierPenalty = (v.carrierExcused ? 0n : v.carrierLatePenalty) + carrierDefect;
  return {
    supplierDefect,
    carrierDefect,
    supplierPenalty,
    carrierPenalty,
    supplierCredit: L.agreements.valueOf(t, v.delivered - v.returned) + t.supplierCollateral - supplierPenalty,
    carrierCredit: (t.carrierFee * v.delivered) / t.quantity + t.carrierCollateral - carrierPenalty,
  };
}

/** How late a hand-over was, in started penalty periods ("3 started days"), or "on time". */
function lateBy(handedOverAt: bigint, t: PlainTerms): string {
  const periods = L.agreements.startedPeriods(handedOverAt - t.handOverDeadline, t.penaltyPeriod);
  if (periods === 0n) return "on time";
  const unit = period(t.penaltyPeriod);
  if (unit.includes(" ")) return `${n(periods)} started period${periods === 1n ? "" : "s"} of ${unit}`;
  return `${n(periods)} started ${unit}${periods === 1n ? "" : "s"}`;
}

// ------------------------------------------------------------------ read-only: agreement, agreements:list

agreementTask(
  "agreement",
  "One supply agreement: parties, terms, deliveries, penalties and what each party gets",
  false,
)
  .addParam("id", "The agreement's number")
  .setAction(
    run<IdArgs>(false, async (args, client) => {
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
      const value = L.agreements.valueOf(t);
      const lateCap = L.agreements.lateCap(t);
      const m = (x: bigint) => money(x, a.asset);
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
      const status = Number(v.status);
      const S = L.agreements.AgreementStatus;
      const funded = status === S.Active || status === S.Terminated || status === S.Settled;
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
      const undeliveredHeld = status === S.Active ? L.agreements.valueOf(t, t.quantity - v.delivered) : 0n;
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
          collateral: t.supplierCollateral,
        }),
        carrier: party(t.carrierOrgId, a.carrier, signer(v.carrierSigned, v.carrier), {
          signed: v.carrierSigned,
          collateral: t.carrierCollateral,
        }),
        gtin: L.gs1.formatGtin(t.gtin),
        specHash: t.specHash,
        quantity: t.quantity,
        asset: a.asset,
        unitPrice: t.unitPrice,
        value,
        carrierFee: t.carrierFee,
        handOverDeadline: t.handOverDeadline,
        transitAllowance: t.transitAllowance,
        latePenalty: { bps: t.penaltyBps, periodSeconds: t.penaltyPeriod, capBps: t.penaltyCapBps, cap: lateCap },
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
          ...rulings.map((e) => ({ ruling: L.agreements.Ruling[Number(e.args.ruling)], quantity: e.args.quantity })),
          ...lapses.map((e) => ({ ruling: "Lapsed", quantity: e.args.quantity })),
        ],
        returns: returns.map((e) => ({
          shipmentId: e.args.shipmentId,
          quantity: e.args.quantity,
          refund: e.args.refund,
        })),
        forceMajeureClaims: fm.map((e) => {
          const ruled = fmRuled.find((r) => r.args.party === e.args.party);
          return {
            party: partyName(e.args.party),
            evidenceHash: e.args.evidenceHash,
            ruling: ruled === undefined ? null : ruled.args.accepted ? "Accepted" : "Rejected",
          };
        }),
        deliveries,
        penalties: {
          supplierLate: v.supplierLatePenalty,
          carrierLate: v.carrierLatePenalty,
          supplierDefect: p.supplierDefect,
          carrierDefect: p.carrierDefect,
          supplierExcused: v.supplierExcused,
          carrierExcused: v.carrierExcused,
          supplierTotal: supplierPenalty,
          carrierTotal: carrierPenalty,
        },
        shares: { ...shares, final, undeliveredHeld },
        signatures: signed.map((e) => ({ party: partyName(e.args.party), account: e.args.account })),
      };
      if (args.json) return L.output.printJson(json);

      const lines = [
        `Agreement ${a.id}: ${a.status}`,
        `${a.buyer} buys ${n(t.quantity)} units of ${L.gs1.formatGtin(t.gtin)} from ${a.supplier}, carried by ${a.carrier}.`,
        `Price: ${m(t.unitPrice)} a unit, ${m(value)} in all; carrier's fee ${m(t.carrierFee)}.`,
        `Hand-over deadline: ${L.codes.formatTime(t.handOverDeadline)}; transit allowance ${span(t.transitAllowance)}.`,
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
              (status === S.Settled
                ? `${n(v.pendingReturn)} rejected but not returned in time (counted as accepted)`
                : `${n(v.pendingReturn)} awaiting return (by ${L.codes.formatTime(v.returnBy)})`)
            : "") +
          (v.claimed > 0n ? `; a claim for ${n(v.claimed)} is open since ${L.codes.formatTime(v.claimFiledAt)}` : "") +
          ".",
      ];
      const rulingWords: Record<string, string> = {
        SupplierAtFault: `${a.supplier} at fault`,
        CarrierAtFault: `${a.carrier} at fault`,
        Rejected: "claim rejected",
      };
      const claimLines = [
        ...rulings.map(
          (e) => `${n(e.args.quantity)} units: ${rulingWords[L.agreements.Ruling[Number(e.args.ruling)]]}`,
        ),
        ...lapses.map((e) => `${n(e.args.quantity)} units: lapsed unruled (returned without penalty)`),
      ];
      if (claimLines.length > 0) lines.push(`Claims ruled: ${claimLines.join("; ")}.`);
      for (const e of fm) {
        const ruled = fmRuled.find((r) => r.args.party === e.args.party);
        const who = Number(e.args.party) === L.agreements.AgreementParty.Supplier ? a.supplier : a.carrier;
        const outcome = ruled === undefined ? "awaiting a ruling" : ruled.args.accepted ? "accepted" : "rejected";
        lines.push(`Force majeure claimed by ${who}: ${outcome}.`);
      }
      for (const line of lines) console.log(line);
      if (deliveries.length > 0) {
        console.log("");
        L.output.printTable(
          deliveries.map((d) => ({
            shipment: L.codes.shortId(d.shipmentId),
            quantity: d.quantity,
            "handed over": L.codes.formatTime(d.handedOverAt),
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
          ? status === S.Active && v.delivered < t.quantity
            ? `If settled on what is recorded now (${m(undeliveredHeld)} of undelivered value still held)`
            : "At settlement, on what is recorded now"
          : status === S.Cancelled
            ? "Cancelled: collateral credited back"
            : "Not funded yet: collateral posted so far";
      console.log(`${heading}:`);
      L.output.printTable([
        { party: a.buyer, role: "buyer", gets: m(shares.buyer) },
        { party: a.supplier, role: "supplier", gets: m(shares.supplier) },
        { party: a.carrier, role: "carrier", gets: m(shares.carrier) },
      ]);
      if (final || status === S.Cancelled || status === S.Terminated) {
        console.log("Each party withdraws its credit with `npx hardhat donations:withdraw --vault agreements`.");
      }
    }),
  );

interface ListArgs extends Common {
  org: string;
  status?: string;
}

agreementTask("agreements:list", "An organisation's supply agreements, by status", false)
  .addParam("org", "The organisation, by id or name")
  .addOptionalParam("status", "Only this status: Proposed, Active, Terminated, Settled or Cancelled", undefined)
  .setAction(
    run<ListArgs>(false, async (args, client) => {
      const org = await client.resolveOrg(args.org, "--org");
      const S = L.agreements.AgreementStatus;
      let wanted: number | undefined;
      if (args.status !== undefined) {
        const names = [S.Proposed, S.Active, S.Terminated, S.Settled, S.Cancelled].map((s) => S[s]);
        const match = names.find((name) => name.toLowerCase() === args.status!.trim().toLowerCase());
        if (match === undefined) fail(`--status "${args.status}" is not one of ${names.join(", ")}`);
        wanted = S[match as keyof typeof S];
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
        if (wanted !== undefined && Number(view.status) !== wanted) continue;
        const asset = await assetOf(client, t.asset);
        rows.push({ id: found.id, terms: t, view, role, asset });
      }
      rows.sort((x, y) => Number(x.view.status) - Number(y.view.status) || Number(x.id - y.id));
      if (args.json) {
        return L.output.printJson({
          orgId: org.id,
          name: org.name,
          agreements: rows.map((r) => ({
            agreementId: r.id,
            status: statusName(r.view.status),
            role: r.role,
            buyerOrgId: r.terms.buyerOrgId,
            supplierOrgId: r.terms.supplierOrgId,
            carrierOrgId: r.terms.carrierOrgId,
            gtin: L.gs1.formatGtin(r.terms.gtin),
            quantity: r.terms.quantity,
            delivered: r.view.delivered,
            value: L.agreements.valueOf(r.terms),
            asset: r.asset.address,
            handOverDeadline: r.terms.handOverDeadline,
          })),
        });
      }
      const filter = wanted === undefined ? "" : ` ${S[wanted]}`;
      console.log(`Supply agreements of ${org.name}${filter === "" ? "" : ` (${S[wanted!]})`}:`);
      L.output.printTable(
        rows.map((r) => ({
          id: r.id,
          status: statusName(r.view.status),
          role: r.role,
          buyer: orgName(client, r.terms.buyerOrgId),
          supplier: orgName(client, r.terms.supplierOrgId),
          carrier: orgName(client, r.terms.carrierOrgId),
          GTIN: L.gs1.formatGtin(r.terms.gtin),
          delivered: `${n(r.view.delivered)} of ${n(r.terms.quantity)}`,
          value: money(L.agreements.valueOf(r.terms), r.asset),
          deadline: L.codes.formatTime(r.terms.handOverDeadline),
        })),
        `${org.name} has no${filter} supply agreements.`,
      );
    }),
  );

// ------------------------------------------------------------------ formation: propose, sign, retract, fund, cancel

interface ProposeArgs extends Common {
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

agreementTask("agreements:propose", "The buyer (HOSPITAL or AGENCY) proposes a supply agreement's terms", true)
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
  .addOptionalParam("spec", "The specification: a file, a text or a 0x hash (default: the product's)", undefined)
  .setAction(
    run<ProposeArgs>(true, async (args, client) => {
      const buyer = await actingOrg(client, BUYERS, "only hospitals and agencies propose supply agreements");
      await requireNotPaused(client, "propose agreements");
      const supplier = await client.resolveOrg(args.supplier, "--supplier");
      const carrier = await client.resolveOrg(args.carrier, "--carrier");
      if (supplier.id === buyer.id) fail(`${buyer.name} cannot be its own supplier`);
      if (carrier.id === buyer.id) fail(`${buyer.name} cannot be its own carrier`);
      if (supplier.id === carrier.id) fail(`${supplier.name} cannot be both the supplier and the carrier`);
      for (const [org, mask, word] of [
        [supplier, SUPPLIERS, "supplier"],
        [carrier, LOGISTICS, "carrier"],
      ] as const) {
        const [status, roles] = await client.registry.standing(org.id);
        if (Number(status) !== L.alliance.OrganisationStatus.Active) {
          fail(`${org.name} is ${org.statusName.toLowerCase()}: it cannot be the ${word}`);
        }
        if ((Number(roles) & mask) === 0) {
          fail(`${org.name} is not admitted as ${L.alliance.roleNames(mask).join(" or ")}: it cannot be the ${word}`);
        }
      }
      const gtin = L.codes.parseGtin(args.gtin, "--gtin");
      const [makerOrgId, productStatus] = await client.catalog.productTerms(gtin);
      if (Number(productStatus) !== L.trace.ProductStatus.Approved) {
        fail(
          `Product ${L.gs1.formatGtin(gtin)} is ` +
            (makerOrgId === 0n ? "not in the catalogue" : L.trace.ProductStatus[Number(productStatus)]) +
            ": agreements are for approved products",
        );
      }
      const product = await client.catalog.product(gtin);
      const quantity = quantityArg(args.quantity, "--quantity");
      const assetAddress =
        args.asset.trim().toUpperCase() === "ETH" ? L.ethers.ZeroAddress : L.codes.parseAddress(args.asset, "--asset");
      if (!(await client.agreements.isAssetApproved(assetAddress))) {
        fail(`Token ${assetAddress} is not approved by the governor for agreements: use ETH or an approved token`);
      }
      const asset = await assetOf(client, assetAddress);
      const unitPrice = amountArg(args.unitPrice, asset, "--unit-price");
      const carrierFee = amountArg(args.fee, asset, "--fee", true);
      if (quantity * unitPrice + carrierFee > MAX_UINT128) fail("The value and the fee are too large to be paid in");
      const now = await client.now();
      const deadline = BigInt(L.codes.parseTime(args.deadline, now, { label: "--deadline", future: true }));
      if (deadline > MAX_TIME) fail(`--deadline ${args.deadline} is beyond 2106`);
      const late = latePenaltyArg(args.latePenalty);
      const terms: PlainTerms = {
        buyerOrgId: buyer.id,
        supplierOrgId: supplier.id,
        carrierOrgId: carrier.id,
        gtin,
        specHash: args.spec === undefined ? product.specHash : documentArg(args.spec, "--spec"),
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
      const minimum = L.agreements.minimumCollateral(terms);
      const why =
        `the ${percent(terms.penaltyCapBps)} late cap plus the ${percent(terms.defectBps)} defect penalty on the ` +
        `value of ${money(L.agreements.valueOf(terms), asset)}`;
      for (const [key, text, label] of [
        ["supplierCollateral", args.supplierCollateral, "--supplier-collateral"],
        ["carrierCollateral", args.carrierCollateral, "--carrier-collateral"],
      ] as const) {
        const amount = text === undefined ? minimum : amountArg(text, asset, label, true);
        if (amount < minimum) {
          fail(`${label} ${money(amount, asset)} is below the minimum of ${money(minimum, asset)} (${why})`);
        }
        terms[key] = amount;
      }
      const receipt = await client.send(`propose an agreement for ${n(quantity)} units`, () =>
        client.agreements.propose(terms),
      );
      const [event] = events(client, receipt, "AgreementProposed");
      const id: bigint = event.args.agreementId;
      const termsHash: string = event.args.termsHash;
      const m = (x: bigint) => money(x, asset);
      report(
        args,
        {
          transaction: receipt.hash,
          agreementId: id,
          termsHash,
          reference: L.agreements.agreementRef(await client.agreements.getAddress(), id),
          terms,
          value: L.agreements.valueOf(terms),
          funding: L.agreements.fundingOf(terms),
          minimumCollateral: minimum,
        },
        [
          `${buyer.name} proposed agreement ${id}: ${n(quantity)} units of ${L.gs1.formatGtin(gtin)} from ` +
            `${supplier.name} at ${m(unitPrice)} a unit (${m(L.agreements.valueOf(terms))}), carried by ` +
            `${carrier.name} for ${m(carrierFee)}, handed over by ${L.codes.formatTime(deadline)}.`,
          `Late penalty ${percent(terms.penaltyBps)} per started ${period(terms.penaltyPeriod)}, capped at ` +
            `${percent(terms.penaltyCapBps)}; defect penalty ${percent(terms.defectBps)}. Collateral: ` +
            `${supplier.name} ${m(terms.supplierCollateral)}, ${carrier.name} ${m(terms.carrierCollateral)}.`,
          `Terms hash ${termsHash}: next, the supplier and the carrier run agreements:sign --id ${id}.`,
          `Transaction ${receipt.hash}`,
        ],
      );
    }),
  );

agreementTask("agreements:sign", "The supplier or the carrier signs the terms and posts its collateral", true)
  .addParam("id", "The agreement's number")
  .setAction(
    run<IdArgs>(true, async (args, client) => {
      const a = await load(client, args.id);
      requireStatus(a, [L.agreements.AgreementStatus.Proposed], "only proposed agreements are signed");
      const me = await asSignatory(client, a, "signs");
      const signedAlready = me.word === "supplier" ? a.view.supplierSigned : a.view.carrierSigned;
      if (signedAlready) {
        fail(`${me.org.name} has already signed agreement ${a.id} as ${me.word}`);
      }
      await requireNotPaused(client, "sign agreements");
      const collateral = me.word === "supplier" ? a.terms.supplierCollateral : a.terms.carrierCollateral;
      const termsHash = L.agreements.hashTerms(a.terms);
      const receipt = await payWith(client, a, collateral, `sign agreement ${a.id}`, (value) =>
        client.agreements.sign(a.id, termsHash, a.terms, { value }),
      );
      const view = await client.agreements.agreement(a.id);
      const waiting = [
        view.supplierSigned ? undefined : `${a.supplier} (supplier)`,
        view.carrierSigned ? undefined : `${a.carrier} (carrier)`,
      ].filter((x) => x !== undefined);
      report(
        args,
        {
          transaction: receipt.hash,
          agreementId: a.id,
          party: partyName(me.party),
          orgId: me.org.id,
          account: await client.sender.getAddress(),
          termsHash,
          collateral,
        },
        [
          `${me.org.name} signed agreement ${a.id} as ${me.word} and posted ${money(collateral, a.asset)} of collateral.`,
          waiting.length > 0
            ? `Waiting for ${waiting.join(" and ")} to sign.`
            : `Both signed: ${a.buyer} funds it with agreements:fund --id ${a.id} ` +
              `(${money(L.agreements.fundingOf(a.terms), a.asset)}).`,
          `Transaction ${receipt.hash}`,
        ],
      );
    }),
  );

agreementTask(
  "agreements:retract",
  "A signer takes back its signature before funding; its collateral is credited",
  true,
)
  .addParam("id", "The agreement's number")
  .setAction(
    run<IdArgs>(true, async (args, client) => {
      const a = await load(client, args.id);
      requireStatus(a, [L.agreements.AgreementStatus.Proposed], "signatures are retracted only before funding");
      const me = await asSignatory(client, a, "retract a signature");
      const signedAlready = me.word === "supplier" ? a.view.supplierSigned : a.view.carrierSigned;
      if (!signedAlready) fail(`${me.org.name} has not signed agreement ${a.id}: there is nothing to retract`);
      const collateral = me.word === "supplier" ? a.terms.supplierCollateral : a.terms.carrierCollateral;
      const account = me.word === "supplier" ? a.view.supplier : a.view.carrier;
      const receipt = await client.send(`retract the signature on agreement ${a.id}`, () =>
        client.agreements.retract(a.id, a.terms),
      );
      report(
        args,
        { transaction: receipt.hash, agreementId: a.id, party: partyName(me.party), account, credited: collateral },
        [
          `${me.org.name} retracted its signature on agreement ${a.id}; ${money(collateral, a.asset)} of collateral ` +
            `is credited to ${account}.`,
          "Withdraw it with `npx hardhat donations:withdraw --vault agreements`.",
          `Transaction ${receipt.hash}`,
        ],
      );
    }),
  );

agreementTask("agreements:fund", "The buyer pays in the price and the carrier's fee: the agreement is active", true)
  .addParam("id", "The agreement's number")
  .setAction(
    run<IdArgs>(true, async (args, client) => {
      const a = await load(client, args.id);
      requireStatus(a, [L.agreements.AgreementStatus.Proposed], "only proposed agreements are funded");
      await asBuyer(client, a, "funds the agreement");
      const missing = [
        a.view.supplierSigned ? undefined : `${a.supplier} (supplier)`,
        a.view.carrierSigned ? undefined : `${a.carrier} (carrier)`,
      ].filter((x) => x !== undefined);
      if (missing.length > 0) fail(`Agreement ${a.id} is not signed yet by ${missing.join(" and ")}`);
      await requireNotPaused(client, "fund agreements");
      const amount = L.agreements.fundingOf(a.terms);
      const receipt = await payWith(client, a, amount, `fund agreement ${a.id}`, (value) =>
        client.agreements.fund(a.id, a.terms, { value }),
      );
      const reference = await client.agreements.agreementRef(a.id);
      report(args, { transaction: receipt.hash, agreementId: a.id, amount, reference }, [
        `${a.buyer} paid in ${money(amount, a.asset)}: agreement ${a.id} is Active.`,
        `${a.supplier} ships to ${a.buyer} with ${a.carrier} by ${L.codes.formatTime(a.terms.handOverDeadline)}, ` +
          `with ledger:ship --ref ${reference}`,
        `Transaction ${receipt.hash}`,
      ]);
    }),
  );

agreementTask(
  "agreements:cancel",
  "Cancels an unfunded agreement: the buyer at any time, the supplier or carrier after the deadline",
  true,
)
  .addParam("id", "The agreement's number")
  .setAction(
    run<IdArgs>(true, async (args, client) => {
      const a = await load(client, args.id);
      requireStatus(a, [L.agreements.AgreementStatus.Proposed], "only unfunded (Proposed) agreements are cancelled");
      const org = await actingOrg(client, BUYERS | SUPPLIERS | LOGISTICS, "only the parties cancel");
      const t = a.terms;
      if (org.id !== t.buyerOrgId) {
        if (org.id !== t.supplierOrgId && org.id !== t.carrierOrgId) {
          fail(`${org.name} is not a party to agreement ${a.id}`);
        }
        const now = await client.now();
        if (BigInt(now) <= t.handOverDeadline) {
          fail(
            `${org.name} may cancel agreement ${a.id} only after its hand-over deadline, ` +
              `${L.codes.formatTime(t.handOverDeadline)} (the buyer may cancel at any time)`,
          );
        }
      }
      const receipt = await client.send(`cancel agreement ${a.id}`, () => client.agreements.cancel(a.id, t));
      const credits = [
        a.view.supplierSigned
          ? { account: a.view.supplier, amount: t.supplierCollateral, name: a.supplier }
          : undefined,
        a.view.carrierSigned ? { account: a.view.carrier, amount: t.carrierCollateral, name: a.carrier } : undefined,
      ].filter((x) => x !== undefined);
      report(
        args,
        {
          transaction: receipt.hash,
          agreementId: a.id,
          credited: credits.map((c) => ({ account: c.account, amount: c.amount })),
        },
        [
          `${org.name} cancelled agreement ${a.id}.`,
          credits.length === 0
            ? "No collateral was posted."
            : `Collateral credited back: ${credits.map((c) => `${c.name} ${money(c.amount, a.asset)}`).join(", ")} ` +
              "(withdraw with `npx hardhat donations:withdraw --vault agreements`).",
          `Transaction ${receipt.hash}`,
        ],
      );
    }),
  );

// ------------------------------------------------------------------ deliveries and returns

interface ShipmentArgs extends IdArgs {
  shipment: string;
}

/** A shipment of the agreement: its fields, state and batch. */
async function agreementShipment(client: MedAllianceClient, a: Loaded, text: string) {
  const shipmentId = L.codes.parseBytes32(text, "--shipment");
  const shipment = await client.findShipment(text);
  const state = await client.ledger.shipmentState(shipmentId);
  const batch = await client.ledger.batch(shipment.batchId);
  const reference = await client.agreements.agreementRef(a.id);
  if (shipment.ref !== reference) {
    fail(`Shipment ${L.codes.shortId(shipmentId)} does not carry agreement ${a.id}'s reference ${reference}`);
  }
  const use = Number(await client.agreements.shipmentUse(shipmentId));
  return { shipmentId, shipment, state, batch, use, status: L.trace.ShipmentStatus[Number(state.status)] };
}

type AgreementShipment = Awaited<ReturnType<typeof agreementShipment>>;

/** Refuses a delivery shipment whose parties are not the agreement's. */
function requireDeliveryParties(client: MedAllianceClient, a: Loaded, s: AgreementShipment): void {
  const short = L.codes.shortId(s.shipmentId);
  const f = s.shipment;
  if (BigInt(f.fromOrgId) !== a.terms.supplierOrgId || BigInt(f.toOrgId) !== a.terms.buyerOrgId) {
    fail(
      `Shipment ${short} goes from ${orgName(client, BigInt(f.fromOrgId))} to ${orgName(client, BigInt(f.toOrgId))}: ` +
        `deliveries under agreement ${a.id} go from ${a.supplier} to ${a.buyer}`,
    );
  }
  if (BigInt(f.carrierOrgId) !== a.terms.carrierOrgId) {
    fail(
      `Shipment ${short} is carried by ${orgName(client, BigInt(f.carrierOrgId))}, not by the agreement's carrier ` +
        `${a.carrier}`,
    );
  }
}

agreementTask(
  "agreements:flag-pickup",
  "The supplier flags a delivery its carrier has not picked up within a day of the hand-over",
  true,
)
  .addParam("id", "The agreement's number")
  .addParam("shipment", "The shipment's id (0x…)")
  .setAction(
    run<ShipmentArgs>(true, async (args, client) => {
      const a = await load(client, args.id);
      requireStatus(a, [L.agreements.AgreementStatus.Active], "missed pick-ups are flagged on active agreements");
      const org = await actingOrg(client, SUPPLIERS, "only the supplier flags a missed pick-up");
      if (org.id !== a.terms.supplierOrgId)
        fail(`${org.name} is not the supplier of agreement ${a.id} (${a.supplier} is)`);
      const s = await agreementShipment(client, a, args.shipment);
      requireDeliveryParties(client, a, s);
      const short = L.codes.shortId(s.shipmentId);
      if (s.use !== 0) fail(`Shipment ${short} was already ${s.use === 1 ? "flagged" : "recorded"}`);
      if (Number(s.state.status) !== L.trace.ShipmentStatus.InTransit) {
        fail(`Shipment ${short} is ${s.status}: only a shipment still waiting for pick-up (InTransit) is flagged`);
      }
      const windowEnds = s.state.shippedAt + L.agreements.PICK_UP_WINDOW;
      if (BigInt(await client.now()) <= windowEnds) {
        fail(`The carrier has until ${L.codes.formatTime(windowEnds)} to pick up shipment ${short}`);
      }
      const receipt = await client.send(`flag shipment ${short}`, () =>
        client.agreements.flagMissedPickUp(a.id, a.terms, s.shipment),
      );
      report(args, { transaction: receipt.hash, agreementId: a.id, shipmentId: s.shipmentId }, [
        `${org.name} flagged shipment ${short}: ${a.carrier} did not pick it up by ${L.codes.formatTime(windowEnds)}; ` +
          "its transit clock runs from then.",
        `Transaction ${receipt.hash}`,
      ]);
    }),
  );

agreementTask(
  "agreements:record-delivery",
  "Anyone records a delivery of the agreement once the buyer received it (or its receipt window passed)",
  true,
)
  .addParam("id", "The agreement's number")
  .addParam("shipment", "The shipment's id (0x…)")
  .setAction(
    run<ShipmentArgs>(true, async (args, client) => {
      const a = await load(client, args.id);
      requireStatus(a, [L.agreements.AgreementStatus.Active], "deliveries are recorded on active agreements");
      const s = await agreementShipment(client, a, args.shipment);
      requireDeliveryParties(client, a, s);
      const short = L.codes.shortId(s.shipmentId);
      if (s.use === L.agreements.ShipmentUse.Recorded) fail(`Shipment ${short} was already recorded`);
      const ST = L.trace.ShipmentStatus;
      const status = Number(s.state.status);
      const now = BigInt(await client.now());
      let quantity: bigint;
      if (status === ST.Received || status === ST.Settled) {
        quantity = s.state.received;
      } else if (status === ST.Delivered) {
        const windowEnds = s.state.deliveredAt + (await client.ledger.receiptWindow());
        if (now <= windowEnds) {
          fail(
            `Shipment ${short} is Delivered: it counts once ${a.buyer} receives it, or after its receipt window ends ` +
              `at ${L.codes.formatTime(windowEnds)}`,
          );
        }
        quantity = BigInt(s.shipment.quantity);
      } else {
        fail(`Shipment ${short} is ${s.status}: only a received or delivered shipment counts as a delivery`);
      }
      if (s.batch.gtin !== a.terms.gtin) {
        fail(`Shipment ${short} is of ${L.gs1.formatGtin(s.batch.gtin)}, not the agreement's product`);
      }
      const required = s.state.shippedAt + a.terms.minShelfLife;
      if (s.batch.expiresAt < required) {
        fail(
          `Shipment ${short}'s batch expires ${L.codes.formatTime(s.batch.expiresAt)}: the agreement requires ` +
            `${span(a.terms.minShelfLife)} of shelf life at hand-over (until ${L.codes.formatTime(required)})`,
        );
      }
      const allowed = a.terms.quantity - a.view.delivered;
      if (quantity > allowed) {
        fail(`Shipment ${short} brings ${n(quantity)} units; agreement ${a.id} allows ${n(allowed)} more`);
      }
      const receipt = await client.send(`record the delivery of shipment ${short}`, () =>
        client.agreements.recordDelivery(a.id, a.terms, s.shipment),
      );
      const [event] = events(client, receipt, "DeliveryRecorded");
      const supplierPenalty: bigint = event.args.supplierPenalty;
      const carrierPenalty: bigint = event.args.carrierPenalty;
      const view = await client.agreements.agreement(a.id);
      const late = [
        supplierPenalty > 0n ? `${a.supplier} handed over late: ${money(supplierPenalty, a.asset)}` : undefined,
        carrierPenalty > 0n ? `${a.carrier} carried it late: ${money(carrierPenalty, a.asset)}` : undefined,
      ].filter((x) => x !== undefined);
      report(
        args,
        {
          transaction: receipt.hash,
          agreementId: a.id,
          shipmentId: s.shipmentId,
          quantity: event.args.quantity,
          supplierPenalty,
          carrierPenalty,
          delivered: view.delivered,
          supplierLatePenalty: view.supplierLatePenalty,
          carrierLatePenalty: view.carrierLatePenalty,
        },
        [
          `Delivery of ${n(event.args.quantity)} units recorded under agreement ${a.id} ` +
            `(${n(view.delivered)} of ${n(a.terms.quantity)} delivered).`,
          late.length === 0 ? "On time: no penalty." : `Late penalties (before the cap): ${late.join("; ")}.`,
          `Transaction ${receipt.hash}`,
        ],
      );
    }),
  );

agreementTask(
  "agreements:record-return",
  "Anyone records rejected goods back with the supplier (or maker): their value is refunded to the buyer",
  true,
)
  .addParam("id", "The agreement's number")
  .addParam("shipment", "The return shipment's id (0x…)")
  .setAction(
    run<ShipmentArgs>(true, async (args, client) => {
      const a = await load(client, args.id);
      const S = L.agreements.AgreementStatus;
      requireStatus(a, [S.Active, S.Terminated], "returns are recorded on active or terminated agreements");
      const s = await agreementShipment(client, a, args.shipment);
      const short = L.codes.shortId(s.shipmentId);
      const to = BigInt(s.shipment.toOrgId);
      if (
        BigInt(s.shipment.fromOrgId) !== a.terms.buyerOrgId ||
        (to !== a.terms.supplierOrgId && to !== s.batch.makerOrgId)
      ) {
        fail(`Shipment ${short} is not a return from ${a.buyer} to ${a.supplier} or the batch's maker`);
      }
      if (s.batch.gtin !== a.terms.gtin)
        fail(`Shipment ${short} is of ${L.gs1.formatGtin(s.batch.gtin)}, not the agreement's product`);
      if (s.use !== 0) fail(`Shipment ${short} was already recorded`);
      if (a.view.pendingReturn === 0n) fail(`Agreement ${a.id} has no rejected goods awaiting return`);
      const ST = L.trace.ShipmentStatus;
      const status = Number(s.state.status);
      if (status === ST.Delivered) {
        const windowEnds = s.state.deliveredAt + (await client.ledger.receiptWindow());
        if (BigInt(await client.now()) <= windowEnds) {
          fail(
            `Return ${short} is Delivered: it counts once ${orgName(client, to)} receives it, or after its receipt ` +
              `window ends at ${L.codes.formatTime(windowEnds)}`,
          );
        }
      } else if (status !== ST.Received && status !== ST.Settled) {
        fail(`Return ${short} is ${s.status}: only a return its recipient has counts`);
      }
      const receipt = await client.send(`record the return of shipment ${short}`, () =>
        client.agreements.recordReturn(a.id, a.terms, s.shipment),
      );
      const [event] = events(client, receipt, "ReturnRecorded");
      report(
        args,
        {
          transaction: receipt.hash,
          agreementId: a.id,
          shipmentId: s.shipmentId,
          quantity: event.args.quantity,
          refund: event.args.refund,
        },
        [
          `Return of ${n(event.args.quantity)} units recorded under agreement ${a.id}: ${a.buyer} is credited ` +
            `${money(event.args.refund, a.asset)}.`,
          `Transaction ${receipt.hash}`,
        ],
      );
    }),
  );

// ------------------------------------------------------------------ claims and force majeure

interface ClaimArgs extends IdArgs {
  quantity: string;
  evidence: string;
}

agreementTask("agreements:claim", "The buyer claims non-conformance of delivered goods, with evidence", true)
  .addParam("id", "The agreement's number")
  .addParam("quantity", "Quantity claimed non-conforming")
  .addParam("evidence", "The inspection report: a file, a text or a 0x hash")
  .setAction(
    run<ClaimArgs>(true, async (args, client) => {
      const a = await load(client, args.id);
      const S = L.agreements.AgreementStatus;
      requireStatus(a, [S.Active, S.Terminated], "claims are filed on active or terminated agreements");
      await asBuyer(client, a, "claims non-conformance");
      if (a.view.claimed !== 0n) fail(`Agreement ${a.id} already has an open claim for ${n(a.view.claimed)} units`);
      const quantity = quantityArg(args.quantity, "--quantity");
      const evidence = documentArg(args.evidence, "--evidence");
      const allowed = a.view.delivered - a.view.returned - a.view.pendingReturn;
      if (quantity > allowed) {
        fail(`--quantity ${n(quantity)} is more than the ${n(allowed)} units delivered and not already rejected`);
      }
      const deadline = a.view.lastReceiptAt + a.terms.inspectionWindow;
      if (BigInt(await client.now()) > deadline) {
        fail(`The inspection window of agreement ${a.id} closed at ${L.codes.formatTime(deadline)}`);
      }
      const receipt = await client.send(`file a claim for ${n(quantity)} units`, () =>
        client.agreements.fileClaim(a.id, a.terms, quantity, evidence),
      );
      const rulingBy = BigInt((await receipt.getBlock()).timestamp) + a.terms.rulingWindow;
      report(args, { transaction: receipt.hash, agreementId: a.id, quantity, evidenceHash: evidence, rulingBy }, [
        `${a.buyer} claimed ${n(quantity)} units under agreement ${a.id} non-conforming.`,
        `A regulator rules by ${L.codes.formatTime(rulingBy)} (agreements:rule); unruled, the claim lapses and the ` +
          "goods are returned and refunded without penalty.",
        `Transaction ${receipt.hash}`,
      ]);
    }),
  );

interface RuleArgs extends IdArgs {
  ruling: string;
  reason: string;
}

const RULINGS: Record<string, number> = { supplier: 1, carrier: 2, rejected: 3 };

agreementTask(
  "agreements:rule",
  "A regulator rules the open claim: supplier at fault, carrier at fault, or rejected",
  true,
)
  .addParam("id", "The agreement's number")
  .addParam("ruling", "supplier (at fault), carrier (at fault) or rejected")
  .addParam("reason", "The written reasons: a file, a text or a 0x hash")
  .setAction(
    run<RuleArgs>(true, async (args, client) => {
      const ruling = RULINGS[args.ruling.trim().toLowerCase()];
      if (ruling === undefined) fail(`--ruling "${args.ruling}" is not supplier, carrier or rejected`);
      const a = await load(client, args.id);
      await requireRegulator(client, "rule claims");
      if (a.view.claimed === 0n) fail(`Agreement ${a.id} has no open claim`);
      const deadline = a.view.claimFiledAt + a.terms.rulingWindow;
      if (BigInt(await client.now()) > deadline) {
        fail(`The ruling window closed at ${L.codes.formatTime(deadline)}: the claim lapses (agreements:lapse-claim)`);
      }
      const reason = documentArg(args.reason, "--reason");
      const receipt = await client.send(`rule the claim on agreement ${a.id}`, () =>
        client.agreements.ruleClaim(a.id, a.terms, ruling, reason),
      );
      const quantity = a.view.claimed;
      const atFault = ruling === 1 ? a.supplier : ruling === 2 ? a.carrier : undefined;
      const view = await client.agreements.agreement(a.id);
      report(
        args,
        {
          transaction: receipt.hash,
          agreementId: a.id,
          ruling: L.agreements.Ruling[ruling],
          quantity,
          reasonHash: reason,
          defectPenalty: atFault === undefined ? 0n : L.agreements.defectPenalty(a.terms, quantity),
          returnBy: view.returnBy,
        },
        [
          atFault === undefined
            ? `The claim for ${n(quantity)} units under agreement ${a.id} is rejected: the goods count as accepted.`
            : `${atFault} is at fault for ${n(quantity)} units under agreement ${a.id}: defect penalty ` +
              `${money(L.agreements.defectPenalty(a.terms, quantity), a.asset)}. ${a.buyer} returns the goods by ` +
              `${L.codes.formatTime(view.returnBy)} to be refunded.`,
          `Transaction ${receipt.hash}`,
        ],
      );
    }),
  );

agreementTask(
  "agreements:lapse-claim",
  "Anyone lapses a claim nobody ruled in time: return and refund, no penalty",
  true,
)
  .addParam("id", "The agreement's number")
  .setAction(
    run<IdArgs>(true, async (args, client) => {
      const a = await load(client, args.id);
      if (a.view.claimed === 0n) fail(`Agreement ${a.id} has no open claim`);
      const deadline = a.view.claimFiledAt + a.terms.rulingWindow;
      if (BigInt(await client.now()) <= deadline) {
        fail(`A regulator may rule the claim until ${L.codes.formatTime(deadline)}: it lapses only after`);
      }
      const receipt = await client.send(`lapse the claim on agreement ${a.id}`, () =>
        client.agreements.lapseClaim(a.id, a.terms),
      );
      const view = await client.agreements.agreement(a.id);
      report(
        args,
        { transaction: receipt.hash, agreementId: a.id, quantity: a.view.claimed, returnBy: view.returnBy },
        [
          `The claim for ${n(a.view.claimed)} units under agreement ${a.id} lapsed unruled: ${a.buyer} returns them by ` +
            `${L.codes.formatTime(view.returnBy)} to be refunded, without penalty.`,
          `Transaction ${receipt.hash}`,
        ],
      );
    }),
  );

interface EvidenceArgs extends IdArgs {
  evidence: string;
}

agreementTask("agreements:force-majeure", "The supplier or the carrier claims force majeure, with evidence", true)
  .addParam("id", "The agreement's number")
  .addParam("evidence", "The evidence: a file, a text or a 0x hash")
  .setAction(
    run<EvidenceArgs>(true, async (args, client) => {
      const a = await load(client, args.id);
      requireStatus(a, [L.agreements.AgreementStatus.Active], "force majeure is claimed on active agreements");
      if (!a.terms.forceMajeure) fail(`Agreement ${a.id} excludes force majeure`);
      const me = await asSignatory(client, a, "claim force majeure");
      const events_ = await client.agreements.queryFilter(
        client.agreements.filters.ForceMajeureClaimed(a.id, me.party),
        client.system.fromBlock,
      );
      if (events_.length > 0) fail(`${me.org.name} has already claimed force majeure under agreement ${a.id}`);
      const evidence = documentArg(args.evidence, "--evidence");
      const receipt = await client.send(`claim force majeure on agreement ${a.id}`, () =>
        client.agreements.claimForceMajeure(a.id, a.terms, evidence),
      );
      const rulingBy = BigInt((await receipt.getBlock()).timestamp) + a.terms.rulingWindow;
      report(
        args,
        {
          transaction: receipt.hash,
          agreementId: a.id,
          party: partyName(me.party),
          evidenceHash: evidence,
          rulingBy,
        },
        [
          `${me.org.name} (${me.word}) claimed force majeure under agreement ${a.id}; a regulator rules by ` +
            `${L.codes.formatTime(rulingBy)} (unruled, the claim is rejected).`,
          `Transaction ${receipt.hash}`,
        ],
      );
    }),
  );

interface RuleFmArgs extends IdArgs {
  party: string;
  accept: boolean;
  reject: boolean;
  reason: string;
}

agreementTask("agreements:rule-force-majeure", "A regulator accepts or rejects a force-majeure claim", true)
  .addParam("id", "The agreement's number")
  .addParam("party", "supplier or carrier")
  .addFlag("accept", "Accept: the party's late penalties are waived")
  .addFlag("reject", "Reject: the penalties stand")
  .addParam("reason", "The written reasons: a file, a text or a 0x hash")
  .setAction(
    run<RuleFmArgs>(true, async (args, client) => {
      const word = args.party.trim().toLowerCase();
      if (word !== "supplier" && word !== "carrier") fail(`--party "${args.party}" is not supplier or carrier`);
      if (args.accept === args.reject) fail("Give exactly one of --accept and --reject");
      const a = await load(client, args.id);
      await requireRegulator(client, "rule force majeure");
      const party = word === "supplier" ? L.agreements.AgreementParty.Supplier : L.agreements.AgreementParty.Carrier;
      const name = word === "supplier" ? a.supplier : a.carrier;
      const filedAt = word === "supplier" ? a.view.supplierForceMajeureAt : a.view.carrierForceMajeureAt;
      if (filedAt === 0n)
        fail(`${name} (${word}) has no force-majeure claim awaiting a ruling under agreement ${a.id}`);
      const deadline = filedAt + a.terms.rulingWindow;
      if (BigInt(await client.now()) > deadline) {
        fail(`The ruling window closed at ${L.codes.formatTime(deadline)}: the claim lapsed as rejected`);
      }
      const reason = documentArg(args.reason, "--reason");
      const receipt = await client.send(`rule the force-majeure claim on agreement ${a.id}`, () =>
        client.agreements.ruleForceMajeure(a.id, a.terms, party, args.accept, reason),
      );
      report(
        args,
        {
          transaction: receipt.hash,
          agreementId: a.id,
          party: partyName(party),
          accepted: args.accept,
          reasonHash: reason,
        },
        [
          args.accept
            ? `Force majeure accepted for ${name} under agreement ${a.id}: its late penalties are waived.`
            : `Force majeure rejected for ${name} under agreement ${a.id}: its penalties stand.`,
          `Transaction ${receipt.hash}`,
        ],
      );
    }),
  );

// ------------------------------------------------------------------ ending: terminate, settle

agreementTask(
  "agreements:terminate",
  "Terminates an active agreement not fully delivered, past the termination delay (the buyer; later anyone)",
  true,
)
  .addParam("id", "The agreement's number")
  .setAction(
    run<IdArgs>(true, async (args, client) => {
      const a = await load(client, args.id);
      requireStatus(a, [L.agreements.AgreementStatus.Active], "only active agreements are terminated");
      const t = a.terms;
      if (a.view.delivered === t.quantity) {
        fail(`Agreement ${a.id} is fully delivered: settle it instead (agreements:settle)`);
      }
      const opensAt = t.handOverDeadline + t.transitAllowance + t.terminationDelay;
      const now = BigInt(await client.now());
      if (now <= opensAt) fail(`Agreement ${a.id} may be terminated only after ${L.codes.formatTime(opensAt)}`);
      if (now <= opensAt + t.terminationDelay) {
        await asBuyer(
          client,
          a,
          `terminates until ${L.codes.formatTime(opensAt + t.terminationDelay)}; anyone may after`,
        );
      }
      const receipt = await client.send(`terminate agreement ${a.id}`, () => client.agreements.terminate(a.id, t));
      const [event] = events(client, receipt, "AgreementTerminated");
      report(
        args,
        {
          transaction: receipt.hash,
          agreementId: a.id,
          undelivered: event.args.undelivered,
          refund: event.args.refund,
        },
        [
          `Agreement ${a.id} is terminated with ${n(event.args.undelivered)} units undelivered: ${a.buyer} is ` +
            `credited ${money(event.args.refund, a.asset)}.`,
          `Settle it once the inspection window has passed (agreements:settle --id ${a.id}).`,
          `Transaction ${receipt.hash}`,
        ],
      );
    }),
  );

agreementTask(
  "agreements:settle",
  "Anyone settles a fully delivered or terminated agreement: everyone is credited",
  true,
)
  .addParam("id", "The agreement's number")
  .setAction(
    run<IdArgs>(true, async (args, client) => {
      const a = await load(client, args.id);
      const S = L.agreements.AgreementStatus;
      const t = a.terms;
      const v = a.view;
      requireStatus(a, [S.Active, S.Terminated], "only active or terminated agreements are settled");
      if (Number(v.status) === S.Active && v.delivered !== t.quantity) {
        fail(`Agreement ${a.id} has ${n(v.delivered)} of ${n(t.quantity)} units delivered: it settles once all are`);
      }
      if (v.claimed !== 0n)
        fail(`Agreement ${a.id} has an open claim for ${n(v.claimed)} units: it must be ruled first`);
      const now = BigInt(await client.now());
      for (const [filedAt, name] of [
        [v.supplierForceMajeureAt, a.supplier],
        [v.carrierForceMajeureAt, a.carrier],
      ] as const) {
        if (filedAt !== 0n && now <= filedAt + t.rulingWindow) {
          fail(`${name}'s force-majeure claim awaits a ruling until ${L.codes.formatTime(filedAt + t.rulingWindow)}`);
        }
      }
      const inspectionEnds = v.lastReceiptAt + t.inspectionWindow;
      if (now <= inspectionEnds) {
        fail(`The inspection window of agreement ${a.id} runs until ${L.codes.formatTime(inspectionEnds)}`);
      }
      if (v.pendingReturn !== 0n && now <= v.returnBy) {
        fail(`${n(v.pendingReturn)} rejected units may come back until ${L.codes.formatTime(v.returnBy)}`);
      }
      const receipt = await client.send(`settle agreement ${a.id}`, () => client.agreements.settle(a.id, t));
      const [event] = events(client, receipt, "AgreementSettled");
      const penalties: bigint = event.args.supplierPenalty + event.args.carrierPenalty;
      const m = (x: bigint) => money(x, a.asset);
      report(
        args,
        {
          transaction: receipt.hash,
          agreementId: a.id,
          supplierPenalty: event.args.supplierPenalty,
          carrierPenalty: event.args.carrierPenalty,
          buyerCredit: penalties,
          supplierCredit: event.args.supplierCredit,
          carrierCredit: event.args.carrierCredit,
        },
        [
          `Agreement ${a.id} is settled. Credited: ${a.buyer} ${m(penalties)} in penalties, ${a.supplier} ` +
            `${m(event.args.supplierCredit)}, ${a.carrier} ${m(event.args.carrierCredit)}.`,
          "Each party withdraws with `npx hardhat donations:withdraw --vault agreements`.",
          `Transaction ${receipt.hash}`,
        ],
      );
    }),
  );
