/**
 * Donation tasks: what a need asks for and who offers (`need`), where a donor's money went (`gift`), what an account
 * or organisation can withdraw (`balance`), every action on the DonationEscrow — posting, verifying, rejecting and
 * cancelling needs, gifts, offers and pledges, acceptance, release on the hospital's receipt, earnings, refunds,
 * redirections, withdrawals, pool rounds — and the pool's recommended split (`pool:recommend`).
 *
 * Amounts are typed and printed in whole units of the need's asset ("0.5" ETH; tokens by their decimals()).
 * Modules are loaded inside the actions: Hardhat reads this file before the contracts' bindings exist.
 */
import fs from "node:fs";
import { task, types } from "hardhat/config";
import type { ConfigurableTaskDefinition, HardhatRuntimeEnvironment } from "hardhat/types";
import type { ContractTransactionReceipt } from "ethers";
import type { MedAllianceClient } from "../scripts/client/client";
import type { IDonationEscrow } from "../typechain-types";

async function loadModules() {
  const [ethers, codes, taskLib, output, donations, trace, alliance, gs1] = await Promise.all([
    import("ethers"),
    import("../scripts/client/codes"),
    import("../scripts/client/task"),
    import("../scripts/client/output"),
    import("../scripts/lib/donations"),
    import("../scripts/lib/trace"),
    import("../scripts/lib/alliance"),
    import("../scripts/lib/gs1"),
  ]);
  return { ethers: ethers.ethers, codes, taskLib, output, donations, trace, alliance, gs1 };
}

let M: Awaited<ReturnType<typeof loadModules>>;

interface BaseArgs {
  registry?: string;
  json: boolean;
  from?: string;
}

type NeedView = IDonationEscrow.NeedViewStructOutput;
type OfferView = IDonationEscrow.OfferViewStructOutput;

/** Role bits (contracts/alliance/AllianceTypes.sol `Roles`) the escrow asks for. */
const SUPPLIER = 1 << 1;
const MANUFACTURER = 1 << 2;
const LOGISTICS = 1 << 3;
const DISTRIBUTOR = 1 << 4;
const HOSPITAL = 1 << 5;
const RETAILER = 1 << 6;
const AGENCY = 1 << 7;
const POSTERS = HOSPITAL | AGENCY;
const OFFERERS = SUPPLIER | MANUFACTURER | DISTRIBUTOR;
const HOLDERS = OFFERERS | LOGISTICS | HOSPITAL | RETAILER | AGENCY;
const MAX_UINT32 = 2 ** 32 - 1;
const DAY = 86_400;

/** An asset as people read it. */
interface Asset {
  address: string;
  symbol: string;
  decimals: number;
}

/** What every donations task says about its shared parameters. */
const SHARED = {
  registry: "AllianceRegistry address; default: this network's MedAlliance deployment",
  json: "One JSON document for scripts, instead of sentences and tables",
  from: "Who signs: an address, an account index, or an organisation whose admin key is configured",
};

/** A read-only donations task: `--registry`, `--json`. */
function reader(name: string, description: string): ConfigurableTaskDefinition {
  return task(name, description).addOptionalParam("registry", SHARED.registry).addFlag("json", SHARED.json);
}

/** A donations task that sends a transaction: `--from` as well. */
function sender(name: string, description: string): ConfigurableTaskDefinition {
  return reader(name, description).addOptionalParam("from", SHARED.from);
}

/** Runs `body` with a client (signing when `signs`); bad input and the chain's refusals become one line, exit 1. */
function run<A extends BaseArgs>(signs: boolean, body: (args: A, client: MedAllianceClient) => Promise<void>) {
  return async (args: A, hre: HardhatRuntimeEnvironment): Promise<void> => {
    M ??= await loadModules();
    const connect = signs ? M.taskLib.sendClient : M.taskLib.readClient;
    const wrapped = M.taskLib.action<A>(async (given, env) => {
      const client = await connect(env, given);
      await client.organisations();
      return body(given, client);
    });
    return wrapped(args, hre);
  };
}

function refuse(message: string): never {
  throw new M.codes.InputError(message);
}

function required(value: string | undefined, flag: string): string {
  if (value === undefined || value.trim() === "") refuse(`${flag} is required`);
  return value.trim();
}

/** Prints the JSON document or the sentences. */
function show(args: BaseArgs, document: Record<string, unknown>, lines: string[]): void {
  if (args.json) M.output.printJson(document);
  else for (const line of lines) console.log(line);
}

function nameOf(client: MedAllianceClient, orgId: bigint | number): string {
  return client.orgName(BigInt(orgId)) ?? `organisation ${orgId}`;
}

const count = (value: bigint | number) => BigInt(value).toLocaleString("en-US");

function needStatusName(status: bigint | number): string {
  return M.donations.NeedStatus[Number(status)];
}

function offerStatusName(status: bigint | number): string {
  return M.donations.OfferStatus[Number(status)];
}

/** A document as its hash: a 0x hash as given, a file's bytes, or the words typed. Only the hash goes on chain. */
function hashOf(text: string, label: string): string {
  const value = text.trim();
  if (value === "") refuse(`${label} is empty: give a file, a text or a 0x hash`);
  if (/^0x[0-9a-fA-F]{64}$/.test(value)) return value.toLowerCase();
  if (fs.existsSync(value) && fs.statSync(value).isFile()) return M.ethers.keccak256(fs.readFileSync(value));
  return M.alliance.documentHash(value);
}

// ------------------------------------------------------------------------------------------------ assets

const assetCache = new Map<string, Asset>();

/** ETH or a token's symbol and decimals. */
async function assetInfo(client: MedAllianceClient, address: string): Promise<Asset> {
  if (address === M.ethers.ZeroAddress) return { address, symbol: "ETH", decimals: 18 };
  const key = `${client.networkName}:${address.toLowerCase()}`;
  const known = assetCache.get(key);
  if (known !== undefined) return known;
  const token = new M.ethers.Contract(
    address,
    ["function symbol() view returns (string)", "function decimals() view returns (uint8)"],
    client.provider,
  );
  let symbol: string;
  let decimals: number;
  try {
    decimals = Number(await token.decimals());
  } catch {
    refuse(`asset ${address} is not an ERC-20 token (it has no decimals())`);
  }
  try {
    symbol = String(await token.symbol());
  } catch {
    symbol = M.codes.shortId(address);
  }
  const info = { address, symbol, decimals };
  assetCache.set(key, info);
  return info;
}

/** "ETH" (or nothing) for ETH, else a token address. */
async function assetArg(client: MedAllianceClient, text: string | undefined): Promise<Asset> {
  const value = text?.trim() ?? "ETH";
  if (value.toUpperCase() === "ETH") return assetInfo(client, M.ethers.ZeroAddress);
  return assetInfo(client, M.codes.parseAddress(value, "asset"));
}

function money(value: bigint, asset: Asset): string {
  return `${M.codes.formatAmount(value, asset.decimals)} ${asset.symbol}`;
}

/** Whole units as a decimal string, for JSON. */
function units(value: bigint, asset: Asset): string {
  const text = M.ethers.formatUnits(value, asset.decimals);
  return text.endsWith(".0") ? text.slice(0, -2) : text;
}

// ------------------------------------------------------------------------------------------------ ids and views

function idArg(text: string | undefined, what: string, flag: string): bigint {
  const match = /^#?(\d{1,18})$/.exec(required(text, flag));
  if (match === null || BigInt(match[1]) === 0n) refuse(`${what} "${text}" is not a ${what} number (1, 2, …)`);
  return BigInt(match[1]);
}

async function needArg(client: MedAllianceClient, text: string | undefined, flag = "--need") {
  const id = idArg(text, "need", flag);
  const [needs] = await client.escrow.counts();
  if (id > needs) {
    refuse(
      needs === 0n
        ? `Need ${id} does not exist: no need was posted yet`
        : `Need ${id} does not exist: needs run 1 to ${needs}`,
    );
  }
  const view = await client.escrow.need(id);
  return { id, view, asset: await assetInfo(client, view.asset) };
}

async function offerArg(client: MedAllianceClient, text: string | undefined, flag = "--offer") {
  const id = idArg(text, "offer", flag);
  const [, offers] = await client.escrow.counts();
  if (id > offers) {
    refuse(
      offers === 0n
        ? `Offer ${id} does not exist: no offer or pledge was made yet`
        : `Offer ${id} does not exist: offers and pledges run 1 to ${offers}`,
    );
  }
  const view = await client.escrow.offer(id);
  const need = await client.escrow.need(view.needId);
  return { id, view, need, asset: await assetInfo(client, need.asset), isPledge: view.unitPrice === 0n };
}

async function poolArg(client: MedAllianceClient, text: string | undefined) {
  const id = idArg(text, "pool round", "--pool");
  const [, , pools] = await client.escrow.counts();
  if (id > pools) {
    refuse(
      pools === 0n
        ? `Pool round ${id} does not exist: no round was opened yet`
        : `Pool round ${id} does not exist: rounds run 1 to ${pools}`,
    );
  }
  const view = await client.escrow.pool(id);
  return { id, view, asset: await assetInfo(client, view.asset) };
}

function product(view: NeedView): string {
  return view.gtin !== 0n
    ? M.gs1.formatGtin(view.gtin)
    : `any ${M.trace.Category[Number(view.category)].replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase()}`;
}

function requireNeedStatus(id: bigint, view: NeedView, allowed: number[], what: string): void {
  if (allowed.includes(Number(view.status))) return;
  const wanted = allowed.map(needStatusName);
  const last = wanted.pop()!;
  refuse(
    `Need ${id} is ${needStatusName(view.status)}: ${what} only when it is ${wanted.length ? `${wanted.join(", ")} or ` : ""}${last}`,
  );
}

/** The sender's organisation when it may act now in one of the roles of `mask`; refused naming the roles. */
async function actingOrg(
  client: MedAllianceClient,
  mask: number,
): Promise<{ id: bigint; name: string; roles: number }> {
  const account = await client.sender.getAddress();
  const org = await client.senderOrg();
  const [orgId, roles] = await client.registry.permittedOrganisation(account, mask);
  if (orgId !== 0n) return { id: orgId, name: org.name, roles: Number(roles) };
  if (org.status !== M.alliance.OrganisationStatus.Active) {
    refuse(`${org.name} is ${org.statusName.toLowerCase()}: it may not act in the donation escrow`);
  }
  refuse(`${org.name} is not admitted as ${M.alliance.roleNames(mask).join(" or ")}`);
}

async function requireRegulator(client: MedAllianceClient, what: string): Promise<string> {
  const account = await client.sender.getAddress();
  if (!(await client.registry.hasRole(M.alliance.REGULATOR_ROLE, account))) {
    refuse(`Account ${account} is not a regulator: only regulators ${what}`);
  }
  return account;
}

/** Refuses unless the sender acts for the need's poster. */
async function requirePoster(client: MedAllianceClient, needId: bigint, view: NeedView, what: string): Promise<void> {
  const org = await actingOrg(client, POSTERS);
  if (org.id !== view.posterOrgId) {
    refuse(
      `${org.name} did not post need ${needId} (${nameOf(client, view.posterOrgId)} did): only its poster ${what}`,
    );
  }
}

/** The first event named `name` the escrow emitted in a receipt. */
function eventOf(client: MedAllianceClient, receipt: ContractTransactionReceipt, name: string) {
  const escrow = client.escrow;
  for (const log of receipt.logs) {
    try {
      const parsed = escrow.interface.parseLog(log);
      if (parsed?.name === name) return parsed;
    } catch {
      // another contract's log
    }
  }
  return undefined;
}

/** An amount in whole units of `asset`, checked to be positive and within its decimals. */
function amountArg(text: string | undefined, asset: Asset, flag: string): bigint {
  return M.codes.parseAmount(required(text, flag), asset.decimals, flag);
}

/** Checks the sender holds `amount` of the asset (and ETH for gas); returns whether the escrow needs an approval. */
async function checkFunds(client: MedAllianceClient, asset: Asset, amount: bigint, spender: string): Promise<boolean> {
  const account = await client.sender.getAddress();
  if (asset.address === M.ethers.ZeroAddress) {
    const balance = await client.provider.getBalance(account);
    if (balance < amount) {
      refuse(`Account ${account} holds ${money(balance, asset)}: not enough to give ${money(amount, asset)}`);
    }
    return false;
  }
  const token = new M.ethers.Contract(
    asset.address,
    [
      "function balanceOf(address) view returns (uint256)",
      "function allowance(address,address) view returns (uint256)",
    ],
    client.provider,
  );
  const balance = (await token.balanceOf(account)) as bigint;
  if (balance < amount) {
    refuse(`Account ${account} holds ${money(balance, asset)}: not enough to give ${money(amount, asset)}`);
  }
  return ((await token.allowance(account, spender)) as bigint) < amount;
}

/** Approves the escrow to take `amount` of a token from the sender; returns the approval's hash. */
async function approve(client: MedAllianceClient, asset: Asset, amount: bigint, spender: string): Promise<string> {
  const token = new M.ethers.Contract(
    asset.address,
    ["function approve(address,uint256) returns (bool)"],
    client.sender,
  );
  const receipt = await client.send(`approve ${money(amount, asset)} for the escrow`, () =>
    token.approve(spender, amount),
  );
  return receipt.hash;
}

// ------------------------------------------------------------------------------------------------ read-only

interface NeedArgs extends BaseArgs {
  id?: string;
  all: boolean;
}

async function offersOf(client: MedAllianceClient, needId: bigint) {
  const escrow = client.escrow;
  const from = client.system.fromBlock;
  const ids = [
    ...(await escrow.queryFilter(escrow.filters.OfferMade(undefined, needId), from)).map((e) => e.args.offerId),
    ...(await escrow.queryFilter(escrow.filters.Pledged(undefined, needId), from)).map((e) => e.args.pledgeId),
  ].sort((a, b) => (a < b ? -1 : 1));
  return Promise.all(ids.map(async (id) => ({ id, view: await escrow.offer(id) })));
}

function offerJson(client: MedAllianceClient, id: bigint, o: OfferView, asset: Asset) {
  return {
    offerId: id.toString(),
    kind: o.unitPrice === 0n ? "pledge" : "offer",
    status: offerStatusName(o.status),
    maker: o.maker,
    makerOrgId: o.makerOrgId.toString(),
    organisation: nameOf(client, o.makerOrgId),
    unitPrice: units(o.unitPrice, asset),
    remaining: o.remaining.toString(),
    expiresAt: Number(o.expiresAt),
    earned: units(o.earned, asset),
    shipmentRef: M.donations.offerRef(client.escrow.target as string, id),
  };
}

async function needJson(client: MedAllianceClient, id: bigint, n: NeedView, asset: Asset) {
  const lacks = await client.escrow.lacks(id);
  return {
    needId: id.toString(),
    status: needStatusName(n.status),
    hospitalOrgId: n.beneficiaryOrgId.toString(),
    hospital: nameOf(client, n.beneficiaryOrgId),
    posterOrgId: n.posterOrgId.toString(),
    poster: nameOf(client, n.posterOrgId),
    product: product(n),
    gtin: n.gtin === 0n ? null : M.gs1.formatGtin(n.gtin),
    category: M.trace.Category[Number(n.category)],
    quantity: n.quantity.toString(),
    committed: n.committed.toString(),
    inKind: n.inKind.toString(),
    urgency: Number(n.urgency),
    postedAt: Number(n.postedAt),
    deadline: Number(n.deadline),
    minShelfLifeDays: Number(n.minShelfLife) / DAY,
    asset: asset.address,
    assetSymbol: asset.symbol,
    maxUnitPrice: units(n.maxUnitPrice, asset),
    target: units(n.target, asset),
    raised: units(n.raised, asset),
    reserved: units(n.reserved, asset),
    released: units(n.released, asset),
    returned: units(n.returned, asset),
    lacks: units(lacks, asset),
    lacksAmount: lacks,
  };
}

reader("need", "Shows one need (with its offers and pledges) or lists the open needs")
  .addOptionalPositionalParam("id", "The need's number; without it, the open needs", undefined, types.string)
  .addFlag("all", "List every need, whatever its status")
  .setAction(
    run<NeedArgs>(false, async (args, client) => {
      if (args.id !== undefined) {
        const { id, view, asset } = await needArg(client, args.id, "need");
        const offers = await offersOf(client, id);
        const { lacksAmount, ...doc } = await needJson(client, id, view, asset);
        const offerDocs = offers.map((o) => offerJson(client, o.id, o.view, asset));
        const lines = [
          `Need ${id} (${doc.status}): ${doc.hospital} needs ${count(view.quantity)} × ${doc.product}, urgency ` +
            `${doc.urgency} of 5, by ${M.codes.formatTime(view.deadline)}.`,
          `At most ${money(view.maxUnitPrice, asset)} a unit; at least ${count(view.minShelfLife / BigInt(DAY))} ` +
            `days of shelf life left on arrival; posted by ${doc.poster} on ${M.codes.formatTime(view.postedAt)}.`,
          `Target ${money(view.target, asset)}, raised ${money(view.raised, asset)}, reserved ` +
            `${money(view.reserved, asset)}, released ${money(view.released, asset)}, returned ` +
            `${money(view.returned, asset)}; it lacks ${money(lacksAmount, asset)}.`,
          `Accepted ${count(view.committed)} units in offers, received ${count(view.inKind)} in kind.`,
        ];
        if (offers.length === 0) lines.push("No offers or pledges yet.");
        else lines.push(M.output.formatTable(offers.map((o) => offerRow(client, o.id, o.view, asset))));
        show(args, { ...doc, offers: offerDocs }, lines);
        return;
      }
      const [total] = await client.escrow.counts();
      const needs = [];
      for (let id = 1n; id <= total; id++) {
        const view = await client.escrow.need(id);
        if (!args.all && Number(view.status) !== M.donations.NeedStatus.Open) continue;
        needs.push({ id, view, asset: await assetInfo(client, view.asset) });
      }
      const docs = [];
      const rows = [];
      for (const { id, view, asset } of needs) {
        const { lacksAmount, ...doc } = await needJson(client, id, view, asset);
        docs.push(doc);
        rows.push({
          need: Number(id),
          status: doc.status,
          hospital: doc.hospital,
          product: doc.product,
          quantity: view.quantity,
          urgency: doc.urgency,
          deadline: M.codes.formatTime(view.deadline),
          raised: money(view.raised, asset),
          lacks: money(lacksAmount, asset),
        });
      }
      if (args.json) M.output.printJson({ needs: docs });
      else M.output.printTable(rows, args.all ? "No need was posted yet." : "No need is open.");
    }),
  );

function offerRow(client: MedAllianceClient, id: bigint, o: OfferView, asset: Asset) {
  return {
    offer: Number(id),
    kind: o.unitPrice === 0n ? "pledge" : "offer",
    status: offerStatusName(o.status),
    from: nameOf(client, o.makerOrgId),
    remaining: o.remaining,
    "unit price": o.unitPrice === 0n ? "in kind" : money(o.unitPrice, asset),
    "ship by": M.codes.formatTime(o.expiresAt),
    earned: money(o.earned, asset),
  };
}

/** The accounts named by `--donor` or `--of`: an address, or every account of an organisation. */
async function accountsArg(client: MedAllianceClient, text: string, flag: string) {
  const value = text.trim();
  if (/^0x/i.test(value))
    return { label: M.codes.parseAddress(value, flag), accounts: [M.codes.parseAddress(value, flag)] };
  const org = await client.resolveOrg(value, flag);
  const accounts = [...(await client.registry.accountsOf(org.id))];
  if (!accounts.some((a) => a.toLowerCase() === org.admin.toLowerCase())) accounts.unshift(org.admin);
  return { label: org.name, accounts };
}

reader("gift", "Where a donor's money went: per need, given, released to which supplier for which shipment, refunded")
  .addParam("donor", "The donor: an account address, or an organisation (all its accounts)", undefined, types.string)
  .setAction(
    run<BaseArgs & { donor: string }>(false, async (args, client) => {
      const { label, accounts } = await accountsArg(client, args.donor, "--donor");
      const docs = [];
      const lines: string[] = [];
      for (const account of accounts) {
        const gifts = await M.donations.traceGift(client.escrow, client.ledger, account, client.system.fromBlock);
        for (const g of gifts) {
          const asset = await assetInfo(client, g.asset);
          const view = await client.escrow.need(g.needId);
          const refundable = await client.escrow.refundableOf(g.needId, account);
          const held = g.given - g.spent - g.refunded - g.redirected;
          docs.push({
            donor: account,
            needId: g.needId.toString(),
            hospital: nameOf(client, g.beneficiaryOrgId),
            product: product(view),
            status: needStatusName(view.status),
            asset: asset.address,
            assetSymbol: asset.symbol,
            given: units(g.given, asset),
            raised: units(g.raised, asset),
            spent: units(g.spent, asset),
            refunded: units(g.refunded, asset),
            redirected: units(g.redirected, asset),
            refundable: units(refundable, asset),
            held: units(held < 0n ? 0n : held, asset),
            releases: g.releases.map((r) => ({
              offerId: r.offerId.toString(),
              supplierOrgId: r.supplierOrgId.toString(),
              supplier: nameOf(client, r.supplierOrgId),
              shipmentId: r.shipmentId,
              batchId: r.batchId,
              gtin: M.gs1.formatGtin(r.gtin),
              quantityPaid: r.quantityPaid.toString(),
              quantityReceived: r.quantityReceived.toString(),
              receivedAt: Number(r.receivedAt),
              amount: units(r.amount, asset),
              fromDonor: units(r.fromDonor, asset),
            })),
          });
          lines.push(
            `Need ${g.needId} (${needStatusName(view.status)}, ${nameOf(client, g.beneficiaryOrgId)}, ${product(view)}): ` +
              `${accounts.length > 1 ? `${account} ` : ""}gave ${money(g.given, asset)} of the ${money(g.raised, asset)} raised.`,
          );
          for (const r of g.releases) {
            lines.push(
              `  ${money(r.fromDonor, asset)} of ${money(r.amount, asset)} paid to ${nameOf(client, r.supplierOrgId)} ` +
                `(offer ${r.offerId}) for ${count(r.quantityPaid)} units of shipment ${M.codes.shortId(r.shipmentId)}, ` +
                `received ${count(r.quantityReceived)} on ${M.codes.formatTime(r.receivedAt)}.`,
            );
          }
          lines.push(
            `  Refunded ${money(g.refunded, asset)}, moved to other needs ${money(g.redirected, asset)}, ` +
              `refundable now ${money(refundable, asset)}.`,
          );
        }
      }
      if (docs.length === 0) lines.push(`${label} has given nothing to any need.`);
      show(args, { donor: label, accounts, gifts: docs }, lines);
    }),
  );

reader("balance", "What an account or organisation can withdraw from the donation escrow and the agreements vault")
  .addParam("of", "An account address, or an organisation (all its accounts)", undefined, types.string)
  .setAction(
    run<BaseArgs & { of: string }>(false, async (args, client) => {
      const { label, accounts } = await accountsArg(client, args.of, "--of");
      const vaults = [
        { key: "escrow", name: "DonationEscrow", contract: client.escrow },
        { key: "agreements", name: "SupplyAgreements", contract: client.agreements },
      ];
      const rows = [];
      const docs = [];
      for (const vault of vaults) {
        const approved = await vault.contract.queryFilter(
          vault.contract.filters.AssetApproved(),
          client.system.fromBlock,
        );
        const assets = [M.ethers.ZeroAddress, ...new Set(approved.map((e) => M.ethers.getAddress(e.args.token)))];
        for (const address of assets) {
          const asset = await assetInfo(client, address);
          for (const account of accounts) {
            const credit = await vault.contract.creditOf(address, account);
            if (credit === 0n) continue;
            docs.push({
              vault: vault.key,
              account,
              asset: address,
              assetSymbol: asset.symbol,
              amount: units(credit, asset),
              source: "credit",
            });
            rows.push({
              vault: vault.name,
              account,
              withdraw: money(credit, asset),
              how: `donations:withdraw --asset ${address === M.ethers.ZeroAddress ? "ETH" : address}${vault.key === "agreements" ? " --vault agreements" : ""}`,
            });
          }
        }
      }
      const escrow = client.escrow;
      const offers = await escrow.queryFilter(escrow.filters.OfferMade(), client.system.fromBlock);
      for (const account of accounts) {
        for (const e of offers) {
          if (e.args.maker.toLowerCase() !== account.toLowerCase()) continue;
          const o = await escrow.offer(e.args.offerId);
          if (o.earned === 0n) continue;
          const asset = await assetInfo(client, (await escrow.need(o.needId)).asset);
          docs.push({
            vault: "escrow",
            account,
            asset: asset.address,
            assetSymbol: asset.symbol,
            amount: units(o.earned, asset),
            source: `earnings of offer ${e.args.offerId}`,
          });
          rows.push({
            vault: "DonationEscrow",
            account,
            withdraw: money(o.earned, asset),
            how: `donations:collect --offer ${e.args.offerId}`,
          });
        }
      }
      if (args.json) M.output.printJson({ of: label, accounts, balances: docs });
      else M.output.printTable(rows, `${label} has nothing to withdraw.`);
    }),
  );

// ------------------------------------------------------------------------------------------------ needs

interface PostArgs extends BaseArgs {
  product?: string;
  quantity?: string;
  urgency?: string;
  deadline?: string;
  maxPrice?: string;
  shelfLife?: string;
  asset?: string;
  details?: string;
  hospital?: string;
}

sender("donations:post-need", "A hospital (or the agency for a hospital) posts a need for goods")
  .addParam("product", "A GTIN as printed, or a category: Drug, Device, ProtectiveEquipment, Consumable, RawMaterial")
  .addParam("quantity", "Units needed")
  .addOptionalParam("urgency", "1 (routine) to 5 (critical)", "3", types.string)
  .addParam("deadline", "Gifts and offers until: 2027-03-31, 2027-03-31T14:00Z or +14d")
  .addParam("maxPrice", "The most paid per unit, in whole units of the asset (0.0005)")
  .addOptionalParam("shelfLife", "Shelf life the goods must still have on arrival: 180d, 26w", "0", types.string)
  .addOptionalParam("asset", "ETH (default) or an approved token's address", "ETH", types.string)
  .addOptionalParam("details", "The need's description: a file, the text, or its 0x hash", undefined, types.string)
  .addOptionalParam("hospital", "For the agency: the hospital the need is for", undefined, types.string)
  .setAction(
    run<PostArgs>(true, async (args, client) => {
      const poster = await actingOrg(client, POSTERS);
      let beneficiary = poster.id;
      if (args.hospital !== undefined) {
        const hospital = await client.resolveOrg(args.hospital, "--hospital");
        if (hospital.id !== poster.id) {
          if ((poster.roles & AGENCY) === 0)
            refuse(`${poster.name} may post needs only for itself: it is not the agency`);
          const [status, roles] = await client.registry.standing(hospital.id);
          if (Number(status) !== M.alliance.OrganisationStatus.Active || (Number(roles) & HOSPITAL) === 0) {
            refuse(`${hospital.name} is not an active hospital: the agency posts needs only for active hospitals`);
          }
        }
        beneficiary = hospital.id;
      } else if ((poster.roles & HOSPITAL) === 0) {
        refuse(`${poster.name} is not a hospital: name the hospital the need is for with --hospital`);
      }
      const text = required(args.product, "--product");
      let gtin = 0n;
      let category = 0;
      if (/^[\d\s-]+$/.test(text)) {
        gtin = M.codes.parseGtin(text, "--product");
        const product = await client.catalog.product(gtin).catch(() => undefined);
        if (product === undefined || Number(product.status) !== 2) {
          refuse(`product ${M.gs1.formatGtin(gtin)} is not an approved product of the catalogue`);
        }
      } else {
        const names = Object.keys(M.trace.Category).filter((k) => Number.isNaN(Number(k)) && k !== "None");
        const match = names.find((k) => k.toLowerCase() === text.replace(/[\s_-]/g, "").toLowerCase());
        if (match === undefined) refuse(`--product "${text}" is neither a GTIN nor a category (${names.join(", ")})`);
        category = M.trace.Category[match as keyof typeof M.trace.Category];
      }
      const quantity = M.codes.parseQuantity(required(args.quantity, "--quantity"), "--quantity", MAX_UINT32);
      const urgency = Number(args.urgency ?? "3");
      if (!/^[1-5]$/.test(String(args.urgency ?? "3")))
        refuse(`--urgency is 1 (routine) to 5 (critical), not ${args.urgency}`);
      const now = await client.now();
      const deadline = M.codes.parseTime(required(args.deadline, "--deadline"), now, {
        label: "--deadline",
        future: true,
      });
      if (deadline > now + 365 * DAY) {
        refuse(
          `--deadline ${M.codes.formatTime(deadline)} is more than a year ahead (latest ${M.codes.formatTime(now + 365 * DAY)})`,
        );
      }
      const asset = await assetArg(client, args.asset);
      if (!(await client.escrow.isAssetApproved(asset.address))) {
        refuse(`asset ${asset.symbol} (${asset.address}) is not approved by the governor for donations`);
      }
      const maxUnitPrice = amountArg(args.maxPrice, asset, "--max-price");
      if (BigInt(quantity) * maxUnitPrice >= 2n ** 96n) {
        refuse(`${count(quantity)} units at ${money(maxUnitPrice, asset)} is more money than one need can hold`);
      }
      const minShelfLife = M.codes.parseDuration(args.shelfLife ?? "0", "--shelf-life");
      if (minShelfLife > MAX_UINT32) refuse(`--shelf-life ${args.shelfLife} is too long`);
      const request = {
        beneficiaryOrgId: beneficiary,
        gtin,
        category,
        quantity,
        urgency,
        deadline,
        maxUnitPrice,
        minShelfLife,
        asset: asset.address,
        detailsHash: args.details === undefined ? M.ethers.ZeroHash : hashOf(args.details, "--details"),
      };
      const receipt = await client.send("post the need", () => client.escrow.postNeed(request));
      const needId = eventOf(client, receipt, "NeedPosted")!.args.needId as bigint;
      const what = gtin !== 0n ? M.gs1.formatGtin(gtin) : `any ${M.trace.Category[category]}`;
      show(
        args,
        {
          transaction: receipt.hash,
          needId: needId.toString(),
          hospitalOrgId: beneficiary.toString(),
          product: what,
          quantity: String(quantity),
          urgency,
          deadline,
          maxUnitPrice: units(maxUnitPrice, asset),
          asset: asset.address,
          target: units(BigInt(quantity) * maxUnitPrice, asset),
          detailsHash: request.detailsHash,
        },
        [
          `Posted need ${needId} for ${nameOf(client, beneficiary)}: ${count(quantity)} × ${what}, urgency ${urgency}, ` +
            `by ${M.codes.formatTime(deadline)}, at most ${money(maxUnitPrice, asset)} a unit ` +
            `(target ${money(BigInt(quantity) * maxUnitPrice, asset)}). A regulator must verify it before it takes gifts.`,
          `Transaction ${receipt.hash}`,
        ],
      );
    }),
  );

sender("donations:verify-need", "A regulator verifies a posted need: it takes gifts and offers until its deadline")
  .addParam("need", "The need's number")
  .setAction(
    run<BaseArgs & { need: string }>(true, async (args, client) => {
      await requireRegulator(client, "verify needs");
      const { id, view, asset } = await needArg(client, args.need);
      requireNeedStatus(id, view, [M.donations.NeedStatus.Posted], "a regulator verifies it");
      const receipt = await client.send(`verify need ${id}`, () => client.escrow.verifyNeed(id));
      show(args, { transaction: receipt.hash, needId: id.toString(), status: "Open" }, [
        `Verified need ${id} of ${nameOf(client, view.beneficiaryOrgId)}: it takes gifts and offers until ` +
          `${M.codes.formatTime(view.deadline)} and lacks ${money(await client.escrow.lacks(id), asset)}.`,
        `Transaction ${receipt.hash}`,
      ]);
    }),
  );

sender("donations:reject-need", "A regulator rejects a posted (or lapsed) need, with reasons")
  .addParam("need", "The need's number")
  .addParam("reason", "The written reasons: a file, the text, or its 0x hash")
  .setAction(
    run<BaseArgs & { need: string; reason: string }>(true, async (args, client) => {
      await requireRegulator(client, "reject needs");
      const { id, view } = await needArg(client, args.need);
      requireNeedStatus(
        id,
        view,
        [M.donations.NeedStatus.Posted, M.donations.NeedStatus.Lapsed],
        "a regulator rejects it",
      );
      const reason = hashOf(args.reason, "--reason");
      const receipt = await client.send(`reject need ${id}`, () => client.escrow.rejectNeed(id, reason));
      show(args, { transaction: receipt.hash, needId: id.toString(), status: "Rejected", reasonHash: reason }, [
        `Rejected need ${id} of ${nameOf(client, view.beneficiaryOrgId)}.`,
        `Transaction ${receipt.hash}`,
      ]);
    }),
  );

sender("donations:cancel-need", "The poster cancels a need; donors may then take their shares back")
  .addParam("need", "The need's number")
  .addOptionalParam("reason", "The reasons: a file, the text, or its 0x hash", undefined, types.string)
  .setAction(
    run<BaseArgs & { need: string; reason?: string }>(true, async (args, client) => {
      const { id, view } = await needArg(client, args.need);
      await requirePoster(client, id, view, "may cancel it");
      const { Posted, Lapsed, Open } = M.donations.NeedStatus;
      requireNeedStatus(id, view, [Posted, Lapsed, Open], "its poster may cancel it");
      const reason = args.reason === undefined ? M.ethers.ZeroHash : hashOf(args.reason, "--reason");
      const receipt = await client.send(`cancel need ${id}`, () => client.escrow.cancelNeed(id, reason));
      show(args, { transaction: receipt.hash, needId: id.toString(), status: "Cancelled" }, [
        `Cancelled need ${id}: gifts stop and donors may take back their shares with donations:refund.`,
        `Transaction ${receipt.hash}`,
      ]);
    }),
  );

// ------------------------------------------------------------------------------------------------ gifts

sender("donations:donate", "Gives to an open need, in its asset (ETH, or a token: the approval is sent first)")
  .addParam("need", "The need's number")
  .addParam("amount", "The gift, in whole units of the need's asset (0.5)")
  .setAction(
    run<BaseArgs & { need: string; amount: string }>(true, async (args, client) => {
      const { id, view, asset } = await needArg(client, args.need);
      requireNeedStatus(id, view, [M.donations.NeedStatus.Open], "it takes gifts");
      const amount = amountArg(args.amount, asset, "--amount");
      const escrowAddress = await client.escrow.getAddress();
      const needsApproval = await checkFunds(client, asset, amount, escrowAddress);
      const approval = needsApproval ? await approve(client, asset, amount, escrowAddress) : undefined;
      const isEth = asset.address === M.ethers.ZeroAddress;
      const receipt = await client.send(`give ${money(amount, asset)} to need ${id}`, () =>
        client.escrow.donate(id, amount, { value: isEth ? amount : 0n }),
      );
      const donated = eventOf(client, receipt, "Donated")!;
      const accepted = donated.args.accepted as bigint;
      const excess = donated.args.excess as bigint;
      show(
        args,
        {
          transaction: receipt.hash,
          approval: approval ?? null,
          needId: id.toString(),
          asset: asset.address,
          given: units(amount, asset),
          accepted: units(accepted, asset),
          credited: units(excess, asset),
          lacks: units(await client.escrow.lacks(id), asset),
        },
        [
          `Gave ${money(accepted, asset)} to need ${id} of ${nameOf(client, view.beneficiaryOrgId)}` +
            (excess > 0n
              ? `; it lacked only that much, so ${money(excess, asset)} is credited back (donations:withdraw).`
              : "."),
          `Transaction ${receipt.hash}`,
        ],
      );
    }),
  );

sender("donations:refund", "A donor takes back its share of a closed or cancelled need's unspent money")
  .addParam("need", "The need's number")
  .setAction(
    run<BaseArgs & { need: string }>(true, async (args, client) => {
      const { id, view, asset } = await needArg(client, args.need);
      requireNeedStatus(
        id,
        view,
        [M.donations.NeedStatus.Closed, M.donations.NeedStatus.Cancelled],
        "donors take money back",
      );
      const account = await client.sender.getAddress();
      const gift = await client.escrow.giftOf(id, account);
      if (gift.given === 0n) refuse(`Account ${account} gave nothing to need ${id}`);
      if (gift.settled) refuse(`Account ${account} already took back its whole share of need ${id}`);
      const amount = await client.escrow.refundableOf(id, account);
      if (amount === 0n && view.reserved > 0n) {
        refuse(
          `Nothing to take back from need ${id} now: ${money(view.reserved, asset)} is reserved for accepted offers ` +
            "until they are delivered or closed",
        );
      }
      const receipt = await client.send(`take back the share of need ${id}`, () => client.escrow.refund(id));
      const refunded = eventOf(client, receipt, "Refunded")!;
      const paid = refunded.args.amount as bigint;
      show(
        args,
        {
          transaction: receipt.hash,
          needId: id.toString(),
          asset: asset.address,
          refunded: units(paid, asset),
          settled: refunded.args.settled as boolean,
        },
        [
          `Took back ${money(paid, asset)} from need ${id}` +
            (refunded.args.settled ? ": your share is settled." : "; more follows as reserved offers close."),
          `Transaction ${receipt.hash}`,
        ],
      );
    }),
  );

sender("donations:redirect", "A donor moves its share of a closed or cancelled need to another open need")
  .addParam("need", "The closed or cancelled need")
  .addParam("to", "The open need in the same asset")
  .setAction(
    run<BaseArgs & { need: string; to: string }>(true, async (args, client) => {
      const from = await needArg(client, args.need);
      const to = await needArg(client, args.to, "--to");
      if (from.id === to.id) refuse(`--to is need ${to.id} itself: name another open need`);
      requireNeedStatus(
        from.id,
        from.view,
        [M.donations.NeedStatus.Closed, M.donations.NeedStatus.Cancelled],
        "donors move money out of it",
      );
      requireNeedStatus(to.id, to.view, [M.donations.NeedStatus.Open], "it takes gifts");
      if (from.asset.address !== to.asset.address) {
        refuse(
          `Need ${from.id} is in ${from.asset.symbol} and need ${to.id} in ${to.asset.symbol}: money moves only within one asset`,
        );
      }
      const account = await client.sender.getAddress();
      const amount = await client.escrow.refundableOf(from.id, account);
      if (amount === 0n) refuse(`Account ${account} has nothing to move from need ${from.id}`);
      const receipt = await client.send(`move the share of need ${from.id} to need ${to.id}`, () =>
        client.escrow.redirect(from.id, to.id),
      );
      const donated = eventOf(client, receipt, "Donated")!;
      const accepted = donated.args.accepted as bigint;
      const excess = donated.args.excess as bigint;
      show(
        args,
        {
          transaction: receipt.hash,
          fromNeedId: from.id.toString(),
          toNeedId: to.id.toString(),
          asset: from.asset.address,
          moved: units(accepted + excess, from.asset),
          accepted: units(accepted, from.asset),
          credited: units(excess, from.asset),
        },
        [
          `Moved ${money(accepted + excess, from.asset)} from need ${from.id} to need ${to.id}: it took ` +
            `${money(accepted, from.asset)}` +
            (excess > 0n ? `, and ${money(excess, from.asset)} is credited back to you (donations:withdraw).` : "."),
          `Transaction ${receipt.hash}`,
        ],
      );
    }),
  );

sender("donations:withdraw", "Withdraws your whole credit of an asset from the escrow (or the agreements vault)")
  .addOptionalParam("asset", "ETH (default) or a token's address", "ETH", types.string)
  .addOptionalParam("vault", "escrow (default) or agreements", "escrow", types.string)
  .setAction(
    run<BaseArgs & { asset?: string; vault?: string }>(true, async (args, client) => {
      const key = (args.vault ?? "escrow").trim().toLowerCase();
      if (key !== "escrow" && key !== "agreements") refuse(`--vault is escrow or agreements, not ${args.vault}`);
      const vault = key === "escrow" ? client.escrow : client.agreements;
      const vaultName = key === "escrow" ? "the donation escrow" : "the supply agreements";
      const asset = await assetArg(client, args.asset);
      const account = await client.sender.getAddress();
      const credit = await vault.creditOf(asset.address, account);
      if (credit === 0n) refuse(`Account ${account} has no ${asset.symbol} to withdraw from ${vaultName}`);
      const receipt = await client.send(`withdraw ${money(credit, asset)}`, () => vault.withdraw(asset.address));
      show(
        args,
        { transaction: receipt.hash, vault: key, account, asset: asset.address, withdrawn: units(credit, asset) },
        [`Withdrew ${money(credit, asset)} from ${vaultName} to ${account}.`, `Transaction ${receipt.hash}`],
      );
    }),
  );

// ------------------------------------------------------------------------------------------------ offers

async function expiryArg(client: MedAllianceClient, text: string | undefined, view: NeedView): Promise<number> {
  const now = await client.now();
  const latest = Number(view.deadline) + 60 * DAY;
  if (text === undefined) return Number(view.deadline);
  const expiry = M.codes.parseTime(text, now, { label: "--expires", future: true });
  if (expiry > latest) {
    refuse(
      `--expires ${M.codes.formatTime(expiry)} is more than 60 days after the need's deadline (latest ${M.codes.formatTime(latest)})`,
    );
  }
  return expiry;
}

function availableOf(view: NeedView): bigint {
  const taken = view.committed + view.inKind;
  return view.quantity > taken ? view.quantity - taken : 0n;
}

sender("donations:offer", "A supplier offers goods to an open need at a unit price")
  .addParam("need", "The need's number")
  .addParam("quantity", "Units offered")
  .addParam("price", "Price per unit, in whole units of the need's asset")
  .addOptionalParam(
    "expires",
    "Goods shipped by (default: the need's deadline): a date or +30d",
    undefined,
    types.string,
  )
  .setAction(
    run<BaseArgs & { need: string; quantity: string; price: string; expires?: string }>(true, async (args, client) => {
      const org = await actingOrg(client, OFFERERS);
      const { id, view, asset } = await needArg(client, args.need);
      requireNeedStatus(id, view, [M.donations.NeedStatus.Open], "it takes offers");
      const quantity = BigInt(M.codes.parseQuantity(args.quantity, "--quantity", MAX_UINT32));
      const available = availableOf(view);
      if (quantity > available) {
        refuse(`Need ${id} still needs ${count(available)} units: an offer of ${count(quantity)} is too large`);
      }
      const price = amountArg(args.price, asset, "--price");
      if (price > view.maxUnitPrice) {
        refuse(
          `--price ${money(price, asset)} is above need ${id}'s maximum of ${money(view.maxUnitPrice, asset)} a unit`,
        );
      }
      const expiresAt = await expiryArg(client, args.expires, view);
      const receipt = await client.send(`offer ${count(quantity)} units to need ${id}`, () =>
        client.escrow.makeOffer(id, quantity, price, expiresAt),
      );
      const offerId = eventOf(client, receipt, "OfferMade")!.args.offerId as bigint;
      const ref = M.donations.offerRef(await client.escrow.getAddress(), offerId);
      show(
        args,
        {
          transaction: receipt.hash,
          offerId: offerId.toString(),
          needId: id.toString(),
          quantity: quantity.toString(),
          unitPrice: units(price, asset),
          expiresAt,
          shipmentRef: ref,
        },
        [
          `${org.name} offers ${count(quantity)} units to need ${id} at ${money(price, asset)} (offer ${offerId}), ` +
            `shipped by ${M.codes.formatTime(expiresAt)}; ${nameOf(client, view.posterOrgId)} must accept it.`,
          `Ship with reference ${ref}.`,
          `Transaction ${receipt.hash}`,
        ],
      );
    }),
  );

sender("donations:pledge", "A member that holds stock pledges goods in kind to an open need")
  .addParam("need", "The need's number")
  .addParam("quantity", "Units pledged")
  .addOptionalParam(
    "expires",
    "Goods shipped by (default: the need's deadline): a date or +30d",
    undefined,
    types.string,
  )
  .setAction(
    run<BaseArgs & { need: string; quantity: string; expires?: string }>(true, async (args, client) => {
      const org = await actingOrg(client, HOLDERS);
      const { id, view } = await needArg(client, args.need);
      requireNeedStatus(id, view, [M.donations.NeedStatus.Open], "it takes pledges");
      const quantity = BigInt(M.codes.parseQuantity(args.quantity, "--quantity", MAX_UINT32));
      const available = availableOf(view);
      if (quantity > available) {
        refuse(`Need ${id} still needs ${count(available)} units: a pledge of ${count(quantity)} is too large`);
      }
      const expiresAt = await expiryArg(client, args.expires, view);
      const receipt = await client.send(`pledge ${count(quantity)} units to need ${id}`, () =>
        client.escrow.pledge(id, quantity, expiresAt),
      );
      const pledgeId = eventOf(client, receipt, "Pledged")!.args.pledgeId as bigint;
      const ref = M.donations.pledgeRef(await client.escrow.getAddress(), pledgeId);
      show(
        args,
        {
          transaction: receipt.hash,
          pledgeId: pledgeId.toString(),
          needId: id.toString(),
          quantity: quantity.toString(),
          expiresAt,
          shipmentRef: ref,
        },
        [
          `${org.name} pledges ${count(quantity)} units in kind to need ${id} (pledge ${pledgeId}), shipped by ` +
            `${M.codes.formatTime(expiresAt)}.`,
          `Ship with reference ${ref}; once received, record it with donations:release.`,
          `Transaction ${receipt.hash}`,
        ],
      );
    }),
  );

sender("donations:withdraw-offer", "The maker withdraws an offer not yet accepted, or a pledge")
  .addParam("offer", "The offer's or pledge's number")
  .setAction(
    run<BaseArgs & { offer: string }>(true, async (args, client) => {
      const { id, view, isPledge } = await offerArg(client, args.offer);
      const account = await client.sender.getAddress();
      if (view.maker.toLowerCase() !== account.toLowerCase()) {
        refuse(
          `Offer ${id} is ${nameOf(client, view.makerOrgId)}'s, made by ${view.maker}: only its maker may withdraw it`,
        );
      }
      const { Proposed, Expired, Active } = M.donations.OfferStatus;
      const status = Number(view.status);
      if (!(status === Proposed || status === Expired || (isPledge && status === Active))) {
        refuse(`Offer ${id} is ${offerStatusName(status)}: only a proposed offer or an active pledge can be withdrawn`);
      }
      const receipt = await client.send(`withdraw offer ${id}`, () => client.escrow.withdrawOffer(id));
      show(args, { transaction: receipt.hash, offerId: id.toString(), status: "Withdrawn" }, [
        `Withdrew ${isPledge ? "pledge" : "offer"} ${id} to need ${view.needId}.`,
        `Transaction ${receipt.hash}`,
      ]);
    }),
  );

sender("donations:accept-offer", "The need's poster accepts an offer, reserving its price from the need's money")
  .addParam("offer", "The offer's number")
  .setAction(
    run<BaseArgs & { offer: string }>(true, async (args, client) => {
      const { id, view, need, asset, isPledge } = await offerArg(client, args.offer);
      if (isPledge) refuse(`Offer ${id} is a pledge: pledges need no acceptance (the hospital's receipt is enough)`);
      await requirePoster(client, view.needId, need, "accepts offers");
      requireNeedStatus(view.needId, need, [M.donations.NeedStatus.Open], "its offers can be accepted");
      if (Number(view.status) !== M.donations.OfferStatus.Proposed) {
        refuse(`Offer ${id} is ${offerStatusName(view.status)}: only a proposed offer can be accepted`);
      }
      const available = availableOf(need);
      if (view.remaining > available) {
        refuse(
          `Need ${view.needId} still needs ${count(available)} units: offer ${id} of ${count(view.remaining)} is too large`,
        );
      }
      const amount = view.remaining * view.unitPrice;
      const unreserved = need.raised - need.reserved - need.released;
      if (amount > unreserved) {
        refuse(
          `Offer ${id} costs ${money(amount, asset)} but need ${view.needId} has only ${money(unreserved, asset)} unreserved`,
        );
      }
      const receipt = await client.send(`accept offer ${id}`, () => client.escrow.acceptOffer(id));
      show(
        args,
        {
          transaction: receipt.hash,
          offerId: id.toString(),
          needId: view.needId.toString(),
          reserved: units(amount, asset),
          shipmentRef: M.donations.offerRef(await client.escrow.getAddress(), id),
        },
        [
          `Accepted offer ${id} of ${nameOf(client, view.makerOrgId)}: ${count(view.remaining)} units at ` +
            `${money(view.unitPrice, asset)}, ${money(amount, asset)} reserved from need ${view.needId}.`,
          `Transaction ${receipt.hash}`,
        ],
      );
    }),
  );

sender(
  "donations:close-offer",
  "Closes an accepted offer, freeing its undelivered reservation (maker any time, anyone after expiry + 14 days)",
)
  .addParam("offer", "The offer's number")
  .setAction(
    run<BaseArgs & { offer: string }>(true, async (args, client) => {
      const { id, view, asset, isPledge } = await offerArg(client, args.offer);
      if (isPledge) refuse(`Offer ${id} is a pledge: withdraw it with donations:withdraw-offer`);
      if (Number(view.status) !== M.donations.OfferStatus.Active) {
        refuse(`Offer ${id} is ${offerStatusName(view.status)}: only an accepted offer can be closed`);
      }
      const account = await client.sender.getAddress();
      const closableAt = Number(view.expiresAt) + 14 * DAY;
      if (view.maker.toLowerCase() !== account.toLowerCase() && (await client.now()) <= closableAt) {
        refuse(`Offer ${id} is not the sender's: only its maker may close it before ${M.codes.formatTime(closableAt)}`);
      }
      const receipt = await client.send(`close offer ${id}`, () => client.escrow.closeOffer(id));
      const freed = view.remaining * view.unitPrice;
      show(
        args,
        {
          transaction: receipt.hash,
          offerId: id.toString(),
          needId: view.needId.toString(),
          freedQuantity: view.remaining.toString(),
          freed: units(freed, asset),
        },
        [
          `Closed offer ${id}: ${count(view.remaining)} undelivered units and ${money(freed, asset)} go back to need ${view.needId}.`,
          `Transaction ${receipt.hash}`,
        ],
      );
    }),
  );

sender("donations:release", "Releases money (or records a pledge) for a shipment the hospital received")
  .addParam("offer", "The offer's (or pledge's) number")
  .addParam("shipment", "The received shipment's id (0x…)")
  .setAction(
    run<BaseArgs & { offer: string; shipment: string }>(true, async (args, client) => {
      const { id, view, need, asset, isPledge } = await offerArg(client, args.offer);
      const kind = isPledge ? "Pledge" : "Offer";
      if (Number(view.status) !== M.donations.OfferStatus.Active) {
        refuse(
          isPledge
            ? `Pledge ${id} is ${offerStatusName(view.status)}: goods in kind are recorded only for an active pledge`
            : `Offer ${id} is ${offerStatusName(view.status)}: money is released only for an accepted offer`,
        );
      }
      const shipment = await client.findShipment(args.shipment);
      const shipmentId = M.codes.parseBytes32(args.shipment, "shipment");
      const expected = M.donations.offerRef(await client.escrow.getAddress(), id);
      if (String(shipment.ref).toLowerCase() !== expected.toLowerCase()) {
        refuse(
          `Shipment ${M.codes.shortId(shipmentId)} does not name ${kind.toLowerCase()} ${id}: it was shipped with reference ${M.codes.shortId(String(shipment.ref))}, not ${M.codes.shortId(expected)}`,
        );
      }
      if (BigInt(shipment.fromOrgId) !== view.makerOrgId || BigInt(shipment.toOrgId) !== need.beneficiaryOrgId) {
        refuse(
          `Shipment ${M.codes.shortId(shipmentId)} went from ${nameOf(client, BigInt(shipment.fromOrgId))} to ` +
            `${nameOf(client, BigInt(shipment.toOrgId))}, not from ${nameOf(client, view.makerOrgId)} to ${nameOf(client, need.beneficiaryOrgId)}`,
        );
      }
      if (await client.escrow.isShipmentUsed(shipmentId)) {
        refuse(`Shipment ${M.codes.shortId(shipmentId)} already counted for a release`);
      }
      const record = await client.ledger.shipmentState(shipmentId);
      const status = Number(record.status);
      const { Received, Settled } = M.trace.ShipmentStatus;
      if ((status !== Received && status !== Settled) || record.received === 0n) {
        refuse(
          `Shipment ${M.codes.shortId(shipmentId)} is ${M.trace.ShipmentStatus[status]}, not received: no receipt, no money`,
        );
      }
      if (record.shippedAt > view.expiresAt) {
        refuse(
          `Shipment ${M.codes.shortId(shipmentId)} was shipped on ${M.codes.formatTime(record.shippedAt)}, after ${kind.toLowerCase()} ${id}'s expiry (${M.codes.formatTime(view.expiresAt)})`,
        );
      }
      if (isPledge) {
        const receipt = await client.send(`record the pledge's receipt`, () =>
          client.escrow.recordPledgeReceipt(id, shipment),
        );
        const quantity = eventOf(client, receipt, "PledgeReceived")!.args.quantity as bigint;
        show(
          args,
          {
            transaction: receipt.hash,
            offerId: id.toString(),
            needId: view.needId.toString(),
            shipmentId,
            quantity: quantity.toString(),
            amount: "0",
          },
          [
            `Recorded ${count(quantity)} units received in kind from ${nameOf(client, view.makerOrgId)} for need ${view.needId}.`,
            `Transaction ${receipt.hash}`,
          ],
        );
        return;
      }
      const receipt = await client.send(`release offer ${id}`, () => client.escrow.release(id, shipment));
      const released = eventOf(client, receipt, "Released")!;
      const amount = released.args.amount as bigint;
      const quantity = released.args.quantity as bigint;
      show(
        args,
        {
          transaction: receipt.hash,
          offerId: id.toString(),
          needId: view.needId.toString(),
          shipmentId,
          quantity: quantity.toString(),
          amount: units(amount, asset),
        },
        [
          `Released ${money(amount, asset)} to ${nameOf(client, view.makerOrgId)} for ${count(quantity)} units received ` +
            `by ${nameOf(client, need.beneficiaryOrgId)}; the supplier collects it with donations:collect --offer ${id}.`,
          `Transaction ${receipt.hash}`,
        ],
      );
    }),
  );

sender("donations:collect", "A supplier collects the money released on its offer")
  .addParam("offer", "The offer's number")
  .setAction(
    run<BaseArgs & { offer: string }>(true, async (args, client) => {
      const { id, view, asset } = await offerArg(client, args.offer);
      const account = await client.sender.getAddress();
      if (view.maker.toLowerCase() !== account.toLowerCase()) {
        refuse(`Offer ${id} is not the sender's: it was made by ${view.maker} of ${nameOf(client, view.makerOrgId)}`);
      }
      if (view.earned === 0n) refuse(`Offer ${id} has no released money to collect`);
      const receipt = await client.send(`collect the earnings of offer ${id}`, () => client.escrow.collectEarnings(id));
      show(
        args,
        {
          transaction: receipt.hash,
          offerId: id.toString(),
          account,
          asset: asset.address,
          collected: units(view.earned, asset),
        },
        [
          `Collected ${money(view.earned, asset)} released on offer ${id} to ${account}.`,
          `Transaction ${receipt.hash}`,
        ],
      );
    }),
  );

// ------------------------------------------------------------------------------------------------ pool

async function requireGovernor(client: MedAllianceClient, what: string): Promise<void> {
  const account = await client.sender.getAddress();
  const governor = await client.registry.governor();
  if (governor.toLowerCase() !== account.toLowerCase()) {
    refuse(`Account ${account} is not the governor: only the governor ${what}`);
  }
}

sender("donations:open-pool", "The governor opens an alliance pool round in an asset, with a deadline")
  .addOptionalParam("asset", "ETH (default) or an approved token's address", "ETH", types.string)
  .addParam("deadline", "Gifts and allocations until: a date or +30d")
  .setAction(
    run<BaseArgs & { asset?: string; deadline: string }>(true, async (args, client) => {
      await requireGovernor(client, "opens pool rounds");
      const asset = await assetArg(client, args.asset);
      if (!(await client.escrow.isAssetApproved(asset.address))) {
        refuse(`asset ${asset.symbol} (${asset.address}) is not approved by the governor for donations`);
      }
      const now = await client.now();
      const deadline = M.codes.parseTime(args.deadline, now, { label: "--deadline", future: true });
      if (deadline > now + 365 * DAY) refuse(`--deadline ${M.codes.formatTime(deadline)} is more than a year ahead`);
      const receipt = await client.send("open a pool round", () => client.escrow.openPool(asset.address, deadline));
      const poolId = eventOf(client, receipt, "PoolOpened")!.args.poolId as bigint;
      show(args, { transaction: receipt.hash, poolId: poolId.toString(), asset: asset.address, deadline }, [
        `Opened pool round ${poolId} in ${asset.symbol}, taking gifts until ${M.codes.formatTime(deadline)}.`,
        `Transaction ${receipt.hash}`,
      ]);
    }),
  );

sender("donations:give-to-pool", "Gives to an alliance pool round (ETH, or a token: the approval is sent first)")
  .addParam("pool", "The pool round's number")
  .addParam("amount", "The gift, in whole units of the round's asset")
  .setAction(
    run<BaseArgs & { pool: string; amount: string }>(true, async (args, client) => {
      const { id, view, asset } = await poolArg(client, args.pool);
      if ((await client.now()) > Number(view.deadline)) {
        refuse(`Pool round ${id} closed on ${M.codes.formatTime(view.deadline)}: it takes no more gifts`);
      }
      const amount = amountArg(args.amount, asset, "--amount");
      const escrowAddress = await client.escrow.getAddress();
      const approval = (await checkFunds(client, asset, amount, escrowAddress))
        ? await approve(client, asset, amount, escrowAddress)
        : undefined;
      const isEth = asset.address === M.ethers.ZeroAddress;
      const receipt = await client.send(`give ${money(amount, asset)} to pool round ${id}`, () =>
        client.escrow.donateToPool(id, amount, { value: isEth ? amount : 0n }),
      );
      const received = eventOf(client, receipt, "PoolDonated")!.args.amount as bigint;
      show(
        args,
        {
          transaction: receipt.hash,
          approval: approval ?? null,
          poolId: id.toString(),
          asset: asset.address,
          given: units(received, asset),
        },
        [`Gave ${money(received, asset)} to pool round ${id}.`, `Transaction ${receipt.hash}`],
      );
    }),
  );

sender("donations:allocate", "The governor allocates an amount of a pool round to an open need")
  .addParam("pool", "The pool round's number")
  .addParam("need", "The need's number")
  .addParam("amount", "The amount, in whole units of the round's asset")
  .setAction(
    run<BaseArgs & { pool: string; need: string; amount: string }>(true, async (args, client) => {
      await requireGovernor(client, "allocates pool money");
      const pool = await poolArg(client, args.pool);
      const need = await needArg(client, args.need);
      if ((await client.now()) > Number(pool.view.deadline)) {
        refuse(`Pool round ${pool.id} closed on ${M.codes.formatTime(pool.view.deadline)}: it allocates no more`);
      }
      requireNeedStatus(need.id, need.view, [M.donations.NeedStatus.Open], "it takes allocations");
      if (pool.asset.address !== need.asset.address) {
        refuse(`Pool round ${pool.id} is in ${pool.asset.symbol} and need ${need.id} in ${need.asset.symbol}`);
      }
      const amount = amountArg(args.amount, pool.asset, "--amount");
      const lacks = await client.escrow.lacks(need.id);
      const available = pool.view.raised + pool.view.returned - pool.view.allocated;
      if (amount > lacks) refuse(`Need ${need.id} lacks only ${money(lacks, pool.asset)}: allocate at most that`);
      if (amount > available) refuse(`Pool round ${pool.id} has only ${money(available, pool.asset)} unallocated`);
      const receipt = await client.send(`allocate ${money(amount, pool.asset)} to need ${need.id}`, () =>
        client.escrow.allocate(pool.id, need.id, amount),
      );
      show(
        args,
        {
          transaction: receipt.hash,
          poolId: pool.id.toString(),
          needId: need.id.toString(),
          allocated: units(amount, pool.asset),
        },
        [
          `Allocated ${money(amount, pool.asset)} of pool round ${pool.id} to need ${need.id}.`,
          `Transaction ${receipt.hash}`,
        ],
      );
    }),
  );

sender("donations:return-pool-share", "Returns a pool round's share of a closed or cancelled need to the round")
  .addParam("pool", "The pool round's number")
  .addParam("need", "The closed or cancelled need")
  .setAction(
    run<BaseArgs & { pool: string; need: string }>(true, async (args, client) => {
      const pool = await poolArg(client, args.pool);
      const need = await needArg(client, args.need);
      requireNeedStatus(
        need.id,
        need.view,
        [M.donations.NeedStatus.Closed, M.donations.NeedStatus.Cancelled],
        "its pool share flows back",
      );
      const share = await client.escrow.poolShareOf(need.id, pool.id);
      if (share.given === 0n || share.settled)
        refuse(`Pool round ${pool.id} has no share of need ${need.id} to return`);
      const receipt = await client.send(`return pool round ${pool.id}'s share of need ${need.id}`, () =>
        client.escrow.returnPoolShare(need.id, pool.id),
      );
      const amount = eventOf(client, receipt, "PoolShareReturned")!.args.amount as bigint;
      show(
        args,
        {
          transaction: receipt.hash,
          poolId: pool.id.toString(),
          needId: need.id.toString(),
          returned: units(amount, pool.asset),
        },
        [
          `Returned ${money(amount, pool.asset)} of need ${need.id} to pool round ${pool.id}.`,
          `Transaction ${receipt.hash}`,
        ],
      );
    }),
  );

sender("donations:pool-refund", "A pool donor takes back its share of what a round did not spend, after its deadline")
  .addParam("pool", "The pool round's number")
  .setAction(
    run<BaseArgs & { pool: string }>(true, async (args, client) => {
      const pool = await poolArg(client, args.pool);
      if ((await client.now()) <= Number(pool.view.deadline)) {
        refuse(`Pool round ${pool.id} runs until ${M.codes.formatTime(pool.view.deadline)}: refunds start after it`);
      }
      const account = await client.sender.getAddress();
      const gift = await client.escrow.poolGiftOf(pool.id, account);
      if (gift.given === 0n) refuse(`Account ${account} gave nothing to pool round ${pool.id}`);
      if (gift.settled) refuse(`Account ${account} already took back its whole share of pool round ${pool.id}`);
      const receipt = await client.send(`take back the share of pool round ${pool.id}`, () =>
        client.escrow.refundFromPool(pool.id),
      );
      const event = eventOf(client, receipt, "PoolRefunded")!;
      const amount = event.args.amount as bigint;
      show(
        args,
        {
          transaction: receipt.hash,
          poolId: pool.id.toString(),
          refunded: units(amount, pool.asset),
          settled: event.args.settled as boolean,
        },
        [`Took back ${money(amount, pool.asset)} from pool round ${pool.id}.`, `Transaction ${receipt.hash}`],
      );
    }),
  );

// ------------------------------------------------------------------------------------------------ pool:recommend

task("pool:recommend", "Recommends how to allocate a pool round: most urgent needs first, then earliest deadline")
  .addOptionalParam("pool", "Pool round id: recommend for what it holds unallocated", undefined, types.string)
  .addOptionalParam(
    "amount",
    "Amount to allocate instead, in the asset's smallest unit (with --asset)",
    undefined,
    types.string,
  )
  .addOptionalParam("asset", "Asset of --amount: a token address, or omit for ETH", undefined, types.string)
  .addOptionalParam(
    "escrow",
    "Address of the DonationEscrow (default: the registry's directory entry)",
    undefined,
    types.string,
  )
  .addOptionalParam(
    "registry",
    "Address of the AllianceRegistry (default: the network's deployment)",
    undefined,
    types.string,
  )
  .addFlag("json", "Print JSON for scripts instead of sentences and a table")
  .setAction(
    async (
      args: { pool?: string; amount?: string; asset?: string; escrow?: string; registry?: string; json: boolean },
      hre,
    ) => {
      const { ethers } = hre;
      const { DonationEscrow__factory } = await import("../typechain-types");
      const { ETH, openNeedsIn, recommendAllocation } = await import("../scripts/lib/donations");
      if ((args.pool === undefined) === (args.amount === undefined)) {
        throw new Error("pool:recommend needs exactly one of --pool and --amount");
      }
      let escrowAddress = args.escrow;
      if (escrowAddress === undefined) {
        const { resolveSystem } = await import("../scripts/lib/deployment");
        const { registry } = await resolveSystem(ethers.provider, hre.network.name, args.registry);
        escrowAddress = await registry.directory(ethers.encodeBytes32String("DonationEscrow"));
        if (escrowAddress === ethers.ZeroAddress) throw new Error("the registry's directory has no DonationEscrow");
      }
      const escrow = DonationEscrow__factory.connect(escrowAddress, ethers.provider);
      let asset = args.asset ?? ETH;
      let available: bigint;
      if (args.pool !== undefined) {
        const p = await escrow.pool(BigInt(args.pool));
        asset = p.asset;
        available = p.raised + p.returned - p.allocated;
      } else {
        available = BigInt(args.amount!);
      }
      const needs = await openNeedsIn(escrow, asset);
      const { allocations, left } = recommendAllocation(available, needs);
      const byId = new Map(needs.map((n) => [n.needId, n]));
      const rows = allocations.map((a) => ({
        need: a.needId.toString(),
        urgency: byId.get(a.needId)!.urgency,
        deadline: new Date(Number(byId.get(a.needId)!.deadline) * 1000).toISOString(),
        lacks: byId.get(a.needId)!.lacks.toString(),
        allocate: a.amount.toString(),
      }));
      if (args.json) {
        console.log(
          JSON.stringify({ asset, available: available.toString(), allocations: rows, left: left.toString() }, null, 2),
        );
        return;
      }
      const unit = asset === ETH ? "wei" : `units of ${asset}`;
      if (rows.length === 0) {
        console.log(
          `Nothing to recommend: ${available.toLocaleString("en-US")} ${unit} available, no open need lacks money.`,
        );
        return;
      }
      console.log(
        `Of ${available.toLocaleString("en-US")} ${unit} available, allocate to ${rows.length} need(s), most urgent first:`,
      );
      console.table(rows);
      console.log(`Left in the pool afterwards: ${left.toLocaleString("en-US")} ${unit}.`);
    },
  );
