/**
 * Donation tasks: what a need asks for and who offers (`need`), where a donor's money went (`gift`), what an account
 * or organisation can withdraw (`balance`), every action on the DonationEscrow — posting, verifying, rejecting and
 * cancelling needs, gifts, offers and pledges, acceptance, release on the hospital's receipt, earnings, refunds,
 * redirections, withdrawals, pool rounds — and the pool's recommended split (`pool:recommend`).
 *
 * Amounts are typed and printed in whole units of the need's asset ("0.5" ETH; tokens by their decimals()).
 */
import { ethers, type ContractTransactionReceipt, type ContractTransactionResponse } from "ethers";
import { types } from "hardhat/config";
import type { Asset, MedAllianceClient } from "../scripts/client/client";
import {
  formatTime,
  parseAddress,
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
import { formatTable, printJson, printTable } from "../scripts/client/output";
import { memberTask, readTask, run, type ReadArgs, type SendArgs } from "../scripts/client/task";
import { BusinessRole, OrganisationStatus, roleMask } from "../scripts/lib/alliance";
import { formatGtin } from "../scripts/lib/gs1";
import type { IDonationEscrow } from "../typechain-types";

/** What needs the contracts' bindings, loaded when a task runs: Hardhat reads this file before they exist. */
async function loadBound() {
  const [client, donations] = await Promise.all([
    import("../scripts/client/client"),
    import("../scripts/lib/donations"),
  ]);
  return { money: client.formatMoney, ...donations };
}

let B: Awaited<ReturnType<typeof loadBound>>;

async function bound(): Promise<void> {
  B ??= await loadBound();
}

type NeedView = IDonationEscrow.NeedViewStructOutput;
type OfferView = IDonationEscrow.OfferViewStructOutput;

const { Supplier, Manufacturer, Logistics, Distributor, Hospital, Retailer, Agency } = BusinessRole;
const POSTERS = roleMask(Hospital, Agency);
const OFFERERS = roleMask(Supplier, Manufacturer, Distributor);
const HOLDERS = roleMask(Supplier, Manufacturer, Logistics, Distributor, Hospital, Retailer, Agency);
const ESCROW = "in the donation escrow";
const CATEGORIES = [1, 2, 3, 4, 5].map((value) => enumName("Category", value));
const MAX_UINT32 = 2 ** 32 - 1;
const DAY = 86_400;

/** Prints the JSON document or the sentences. */
function show(args: ReadArgs, document: Record<string, unknown>, lines: string[]): void {
  if (args.json) printJson(document);
  else for (const line of lines) console.log(line);
}

/** What an action prints: its JSON with the transaction's hash first, or its sentences and the hash. */
function sent(args: ReadArgs, receipt: ContractTransactionReceipt, doc: Record<string, unknown>, lines: string[]) {
  show(args, { transaction: receipt.hash, ...doc }, [...lines, `Transaction ${receipt.hash}`]);
}

function nameOf(client: MedAllianceClient, orgId: bigint | number): string {
  return client.orgName(BigInt(orgId)) ?? `organisation ${orgId}`;
}

const count = (value: bigint | number) => BigInt(value).toLocaleString("en-US");
const needStatus = (view: NeedView) => enumName("NeedStatus", view.status);
const offerStatus = (view: OfferView) => enumName("OfferStatus", view.status);
const units = (value: bigint, asset: Asset) => wholeUnits(value, asset.decimals);

// ------------------------------------------------------------------------------------------------ needs, offers, pools

/** A need, offer or pool round number (`counts()[index]` of them exist); refused with the range there is. */
async function numbered(
  client: MedAllianceClient,
  text: string | undefined,
  [what, label, index]: [string, string, number],
  none: string,
  range: string,
): Promise<bigint> {
  await bound();
  const id = parseId(text, what, label);
  const total = (await client.escrow.counts())[index];
  if (id > total) {
    const name = what[0].toUpperCase() + what.slice(1);
    throw new InputError(`${name} ${id} does not exist: ${total === 0n ? none : `${range} 1 to ${total}`}`);
  }
  return id;
}

async function needArg(client: MedAllianceClient, text: string | undefined, label = "--need") {
  const id = await numbered(client, text, ["need", label, 0], "no need was posted yet", "needs run");
  const view = await client.escrow.need(id);
  return { id, view, asset: await client.assetInfo(view.asset) };
}

async function offerArg(client: MedAllianceClient, text: string | undefined) {
  const none = "no offer or pledge was made yet";
  const id = await numbered(client, text, ["offer", "--offer", 1], none, "offers and pledges run");
  const view = await client.escrow.offer(id);
  const need = await client.escrow.need(view.needId);
  return { id, view, need, asset: await client.assetInfo(need.asset), isPledge: view.unitPrice === 0n };
}

async function poolArg(client: MedAllianceClient, text: string | undefined) {
  const id = await numbered(client, text, ["pool round", "--pool", 2], "no round was opened yet", "rounds run");
  const view = await client.escrow.pool(id);
  return { id, view, asset: await client.assetInfo(view.asset) };
}

/**
 * Member tasks on one record named by `param` (`--need`, `--offer`, `--pool`): each finds its record with `find`, then
 * runs its body.
 */
function recordTasks<R>(param: string, about: string, find: (client: MedAllianceClient, text: string) => Promise<R>) {
  return <A extends SendArgs>(
    name: string,
    description: string,
    body: (args: A, client: MedAllianceClient, record: R) => Promise<void>,
  ) =>
    memberTask(name, description)
      .addParam(param, about)
      .setAction(
        run<A>(true, async (args, client) =>
          body(args, client, await find(client, (args as unknown as Record<string, string>)[param])),
        ),
      );
}

const needTask = recordTasks("need", "The need's number", needArg);
const offerTask = recordTasks("offer", "The offer's (or pledge's) number", offerArg);
const poolTask = recordTasks("pool", "The pool round's number", poolArg);
type Need = Awaited<ReturnType<typeof needArg>>;
type Offer = Awaited<ReturnType<typeof offerArg>>;
type Pool = Awaited<ReturnType<typeof poolArg>>;

function product(view: NeedView): string {
  return view.gtin !== 0n
    ? formatGtin(view.gtin)
    : `any ${enumName("Category", view.category)
        .replace(/([a-z])([A-Z])/g, "$1 $2")
        .toLowerCase()}`;
}

function requireNeedStatus(id: bigint, view: NeedView, allowed: string[], what: string): void {
  const status = needStatus(view);
  if (allowed.includes(status)) return;
  const last = allowed[allowed.length - 1];
  const others = allowed.slice(0, -1);
  throw new InputError(
    `Need ${id} is ${status}: ${what} only when it is ${others.length ? `${others.join(", ")} or ` : ""}${last}`,
  );
}

/** Refuses unless the sender acts for the need's poster. */
async function requirePoster(client: MedAllianceClient, needId: bigint, view: NeedView, what: string): Promise<void> {
  const org = await client.actingOrg(POSTERS, ESCROW);
  if (org.id !== view.posterOrgId) {
    throw new InputError(
      `${org.name} did not post need ${needId} (${nameOf(client, view.posterOrgId)} did): only its poster ${what}`,
    );
  }
}

/** Refuses an asset the governor has not approved for donations. */
async function requireApproved(client: MedAllianceClient, asset: Asset): Promise<void> {
  if (!(await client.escrow.isAssetApproved(asset.address))) {
    throw new InputError(`asset ${asset.symbol} (${asset.address}) is not approved by the governor for donations`);
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
function amountArg(text: string | undefined, asset: Asset, label: string): bigint {
  return parseAmount(required(text, label), asset.decimals, label);
}

/** The sender's address and whether it made `view`. */
async function isMaker(client: MedAllianceClient, view: OfferView) {
  const account = await client.sender.getAddress();
  return { account, maker: view.maker.toLowerCase() === account.toLowerCase() };
}

// ------------------------------------------------------------------------------------------------ read-only

interface NeedArgs extends ReadArgs {
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
    status: offerStatus(o),
    maker: o.maker,
    makerOrgId: o.makerOrgId.toString(),
    organisation: nameOf(client, o.makerOrgId),
    unitPrice: units(o.unitPrice, asset),
    remaining: o.remaining.toString(),
    expiresAt: Number(o.expiresAt),
    earned: units(o.earned, asset),
    shipmentRef: B.offerRef(client.escrow.target as string, id),
  };
}

async function needJson(client: MedAllianceClient, id: bigint, n: NeedView, asset: Asset) {
  const lacks = await client.escrow.lacks(id);
  return {
    needId: id.toString(),
    status: needStatus(n),
    hospitalOrgId: n.beneficiaryOrgId.toString(),
    hospital: nameOf(client, n.beneficiaryOrgId),
    posterOrgId: n.posterOrgId.toString(),
    poster: nameOf(client, n.posterOrgId),
    product: product(n),
    gtin: n.gtin === 0n ? null : formatGtin(n.gtin),
    category: enumName("Category", n.category),
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

function offerRow(client: MedAllianceClient, id: bigint, o: OfferView, asset: Asset) {
  return {
    offer: Number(id),
    kind: o.unitPrice === 0n ? "pledge" : "offer",
    status: offerStatus(o),
    from: nameOf(client, o.makerOrgId),
    remaining: o.remaining,
    "unit price": o.unitPrice === 0n ? "in kind" : B.money(o.unitPrice, asset),
    "ship by": formatTime(o.expiresAt),
    earned: B.money(o.earned, asset),
  };
}

readTask("need", "Shows one need (with its offers and pledges) or lists the open needs")
  .addOptionalPositionalParam("id", "The need's number; without it, the open needs", undefined, types.string)
  .addFlag("all", "List every need, whatever its status")
  .setAction(
    run<NeedArgs>(false, async (args, client) => {
      await bound();
      const money = B.money;
      if (args.id !== undefined) {
        const { id, view, asset } = await needArg(client, args.id, "need");
        const offers = await offersOf(client, id);
        const { lacksAmount, ...doc } = await needJson(client, id, view, asset);
        const offerDocs = offers.map((o) => offerJson(client, o.id, o.view, asset));
        const lines = [
          `Need ${id} (${doc.status}): ${doc.hospital} needs ${count(view.quantity)} × ${doc.product}, urgency ` +
            `${doc.urgency} of 5, by ${formatTime(view.deadline)}.`,
          `At most ${money(view.maxUnitPrice, asset)} a unit; at least ${count(view.minShelfLife / BigInt(DAY))} ` +
            `days of shelf life left on arrival; posted by ${doc.poster} on ${formatTime(view.postedAt)}.`,
          `Target ${money(view.target, asset)}, raised ${money(view.raised, asset)}, reserved ` +
            `${money(view.reserved, asset)}, released ${money(view.released, asset)}, returned ` +
            `${money(view.returned, asset)}; it lacks ${money(lacksAmount, asset)}.`,
          `Accepted ${count(view.committed)} units in offers, received ${count(view.inKind)} in kind.`,
        ];
        if (offers.length === 0) lines.push("No offers or pledges yet.");
        else lines.push(formatTable(offers.map((o) => offerRow(client, o.id, o.view, asset))));
        show(args, { ...doc, offers: offerDocs }, lines);
        return;
      }
      const [total] = await client.escrow.counts();
      const docs = [];
      const rows = [];
      for (let id = 1n; id <= total; id++) {
        const view = await client.escrow.need(id);
        if (!args.all && needStatus(view) !== "Open") continue;
        const asset = await client.assetInfo(view.asset);
        const { lacksAmount, ...doc } = await needJson(client, id, view, asset);
        docs.push(doc);
        rows.push({
          need: Number(id),
          status: doc.status,
          hospital: doc.hospital,
          product: doc.product,
          quantity: view.quantity,
          urgency: doc.urgency,
          deadline: formatTime(view.deadline),
          raised: money(view.raised, asset),
          lacks: money(lacksAmount, asset),
        });
      }
      if (args.json) printJson({ needs: docs });
      else printTable(rows, args.all ? "No need was posted yet." : "No need is open.");
    }),
  );

/** The accounts named by `--donor` or `--of`: an address, or every account of an organisation. */
async function accountsArg(client: MedAllianceClient, text: string, flag: string) {
  await bound();
  const value = text.trim();
  if (/^0x/i.test(value)) return { label: parseAddress(value, flag), accounts: [parseAddress(value, flag)] };
  const org = await client.resolveOrg(value, flag);
  const accounts = [...(await client.registry.accountsOf(org.id))];
  if (!accounts.some((a) => a.toLowerCase() === org.admin.toLowerCase())) accounts.unshift(org.admin);
  return { label: org.name, accounts };
}

readTask("gift", "Where a donor's money went: per need, given, released to which supplier for which shipment, refunded")
  .addParam("donor", "The donor: an account address, or an organisation (all its accounts)", undefined, types.string)
  .setAction(
    run<ReadArgs & { donor: string }>(false, async (args, client) => {
      const { label, accounts } = await accountsArg(client, args.donor, "--donor");
      const money = B.money;
      const docs = [];
      const lines: string[] = [];
      for (const account of accounts) {
        const gifts = await B.traceGift(client.escrow, client.ledger, account, client.system.fromBlock);
        for (const g of gifts) {
          const asset = await client.assetInfo(g.asset);
          const view = await client.escrow.need(g.needId);
          const refundable = await client.escrow.refundableOf(g.needId, account);
          const held = g.given - g.spent - g.refunded - g.redirected;
          docs.push({
            donor: account,
            needId: g.needId.toString(),
            hospital: nameOf(client, g.beneficiaryOrgId),
            product: product(view),
            status: needStatus(view),
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
              gtin: formatGtin(r.gtin),
              quantityPaid: r.quantityPaid.toString(),
              quantityReceived: r.quantityReceived.toString(),
              receivedAt: Number(r.receivedAt),
              amount: units(r.amount, asset),
              fromDonor: units(r.fromDonor, asset),
            })),
          });
          lines.push(
            `Need ${g.needId} (${needStatus(view)}, ${nameOf(client, g.beneficiaryOrgId)}, ${product(view)}): ` +
              `${accounts.length > 1 ? `${account} ` : ""}gave ${money(g.given, asset)} of the ${money(g.raised, asset)} raised.`,
          );
          for (const r of g.releases) {
            lines.push(
              `  ${money(r.fromDonor, asset)} of ${money(r.amount, asset)} paid to ${nameOf(client, r.supplierOrgId)} ` +
                `(offer ${r.offerId}) for ${count(r.quantityPaid)} units of shipment ${shortId(r.shipmentId)}, ` +
                `received ${count(r.quantityReceived)} on ${formatTime(r.receivedAt)}.`,
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

readTask("balance", "What an account or organisation can withdraw from the donation escrow and the agreements vault")
  .addParam("of", "An account address, or an organisation (all its accounts)", undefined, types.string)
  .setAction(
    run<ReadArgs & { of: string }>(false, async (args, client) => {
      const { label, accounts } = await accountsArg(client, args.of, "--of");
      const vaults = [
        { key: "escrow", name: "DonationEscrow", contract: client.escrow },
        { key: "agreements", name: "SupplyAgreements", contract: client.agreements },
      ];
      const rows: Record<string, string>[] = [];
      const docs: Record<string, string>[] = [];
      /** One withdrawable amount, as a JSON entry and a table row. */
      const add = (vault: string, account: string, asset: Asset, amount: bigint, source: string, how: string) => {
        const key = vault === "DonationEscrow" ? "escrow" : "agreements";
        const whole = units(amount, asset);
        docs.push({ vault: key, account, asset: asset.address, assetSymbol: asset.symbol, amount: whole, source });
        rows.push({ vault, account, withdraw: B.money(amount, asset), how });
      };
      for (const vault of vaults) {
        const approved = await vault.contract.queryFilter(
          vault.contract.filters.AssetApproved(),
          client.system.fromBlock,
        );
        const assets = [ethers.ZeroAddress, ...new Set(approved.map((e) => ethers.getAddress(e.args.token)))];
        for (const address of assets) {
          const asset = await client.assetInfo(address);
          for (const account of accounts) {
            const credit = await vault.contract.creditOf(address, account);
            if (credit === 0n) continue;
            const how =
              `donations:withdraw --asset ${address === ethers.ZeroAddress ? "ETH" : address}` +
              (vault.key === "agreements" ? " --vault agreements" : "");
            add(vault.name, account, asset, credit, "credit", how);
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
          const asset = await client.assetInfo((await escrow.need(o.needId)).asset);
          const id = e.args.offerId;
          add("DonationEscrow", account, asset, o.earned, `earnings of offer ${id}`, `donations:collect --offer ${id}`);
        }
      }
      if (args.json) printJson({ of: label, accounts, balances: docs });
      else printTable(rows, `${label} has nothing to withdraw.`);
    }),
  );

// ------------------------------------------------------------------------------------------------ needs

interface PostArgs extends SendArgs {
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

/** A GTIN of an approved product, or a category: what a need asks for. */
async function productArg(client: MedAllianceClient, text: string): Promise<{ gtin: bigint; category: number }> {
  if (/^[\d\s-]+$/.test(text)) {
    const gtin = parseGtin(text, "--product");
    const found = await client.catalog.product(gtin).catch(() => undefined);
    if (found === undefined || enumName("ProductStatus", found.status) !== "Approved") {
      throw new InputError(`product ${formatGtin(gtin)} is not an approved product of the catalogue`);
    }
    return { gtin, category: 0 };
  }
  const wanted = text.replace(/[\s_-]/g, "").toLowerCase();
  const match = CATEGORIES.findIndex((name) => name.toLowerCase() === wanted);
  if (match < 0) {
    throw new InputError(`--product "${text}" is neither a GTIN nor a category (${CATEGORIES.join(", ")})`);
  }
  return { gtin: 0n, category: match + 1 };
}

/** A deadline in the future, at most a year ahead. */
async function deadlineArg(client: MedAllianceClient, text: string | undefined): Promise<number> {
  const now = await client.now();
  const deadline = parseTime(required(text, "--deadline"), now, { label: "--deadline", future: true });
  if (deadline > now + 365 * DAY) {
    throw new InputError(
      `--deadline ${formatTime(deadline)} is more than a year ahead (latest ${formatTime(now + 365 * DAY)})`,
    );
  }
  return deadline;
}

memberTask("donations:post-need", "A hospital (or the agency for a hospital) posts a need for goods")
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
      await bound();
      const poster = await client.actingOrg(POSTERS, ESCROW);
      let beneficiary = poster.id;
      if (args.hospital !== undefined) {
        const hospital = await client.resolveOrg(args.hospital, "--hospital");
        if (hospital.id !== poster.id) {
          if (!poster.roles.includes("Agency")) {
            throw new InputError(`${poster.name} may post needs only for itself: it is not the agency`);
          }
          if (hospital.status !== OrganisationStatus.Active || !hospital.roles.includes("Hospital")) {
            throw new InputError(
              `${hospital.name} is not an active hospital: the agency posts needs only for active hospitals`,
            );
          }
        }
        beneficiary = hospital.id;
      } else if (!poster.roles.includes("Hospital")) {
        throw new InputError(`${poster.name} is not a hospital: name the hospital the need is for with --hospital`);
      }
      const { gtin, category } = await productArg(client, required(args.product, "--product"));
      const quantity = parseQuantity(required(args.quantity, "--quantity"), "--quantity", MAX_UINT32);
      const urgency = Number(args.urgency ?? "3");
      if (!/^[1-5]$/.test(String(args.urgency ?? "3"))) {
        throw new InputError(`--urgency is 1 (routine) to 5 (critical), not ${args.urgency}`);
      }
      const deadline = await deadlineArg(client, args.deadline);
      const asset = await client.parseAsset(args.asset);
      await requireApproved(client, asset);
      const maxUnitPrice = amountArg(args.maxPrice, asset, "--max-price");
      const money = B.money;
      if (BigInt(quantity) * maxUnitPrice >= 2n ** 96n) {
        throw new InputError(
          `${count(quantity)} units at ${money(maxUnitPrice, asset)} is more money than one need can hold`,
        );
      }
      const minShelfLife = parseDuration(args.shelfLife ?? "0", "--shelf-life");
      if (minShelfLife > MAX_UINT32) throw new InputError(`--shelf-life ${args.shelfLife} is too long`);
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
        detailsHash: args.details === undefined ? ethers.ZeroHash : parseDocument(args.details, "--details"),
      };
      const receipt = await client.send("post the need", () => client.escrow.postNeed(request));
      const needId = eventOf(client, receipt, "NeedPosted")!.args.needId as bigint;
      const what = gtin !== 0n ? formatGtin(gtin) : `any ${CATEGORIES[category - 1]}`;
      const target = BigInt(quantity) * maxUnitPrice;
      sent(
        args,
        receipt,
        {
          needId: needId.toString(),
          hospitalOrgId: beneficiary.toString(),
          product: what,
          quantity: String(quantity),
          urgency,
          deadline,
          maxUnitPrice: units(maxUnitPrice, asset),
          asset: asset.address,
          target: units(target, asset),
          detailsHash: request.detailsHash,
        },
        [
          `Posted need ${needId} for ${nameOf(client, beneficiary)}: ${count(quantity)} × ${what}, urgency ${urgency}, ` +
            `by ${formatTime(deadline)}, at most ${money(maxUnitPrice, asset)} a unit ` +
            `(target ${money(target, asset)}). A regulator must verify it before it takes gifts.`,
        ],
      );
    }),
  );

needTask(
  "donations:verify-need",
  "A regulator verifies a posted need: it takes gifts and offers until its deadline",
  async (args, client, { id, view, asset }) => {
    await client.requireRegulator("verify needs");
    requireNeedStatus(id, view, ["Posted"], "a regulator verifies it");
    const receipt = await client.send(`verify need ${id}`, () => client.escrow.verifyNeed(id));
    sent(args, receipt, { needId: id.toString(), status: "Open" }, [
      `Verified need ${id} of ${nameOf(client, view.beneficiaryOrgId)}: it takes gifts and offers until ` +
        `${formatTime(view.deadline)} and lacks ${B.money(await client.escrow.lacks(id), asset)}.`,
    ]);
  },
);

needTask<SendArgs & { need: string; reason: string }>(
  "donations:reject-need",
  "A regulator rejects a posted (or lapsed) need, with reasons",
  async (args, client, { id, view }) => {
    await client.requireRegulator("reject needs");
    requireNeedStatus(id, view, ["Posted", "Lapsed"], "a regulator rejects it");
    const reason = parseDocument(args.reason, "--reason");
    const receipt = await client.send(`reject need ${id}`, () => client.escrow.rejectNeed(id, reason));
    sent(args, receipt, { needId: id.toString(), status: "Rejected", reasonHash: reason }, [
      `Rejected need ${id} of ${nameOf(client, view.beneficiaryOrgId)}.`,
    ]);
  },
).addParam("reason", "The written reasons: a file, the text, or its 0x hash");

needTask<SendArgs & { need: string; reason?: string }>(
  "donations:cancel-need",
  "The poster cancels a need; donors may then take their shares back",
  async (args, client, { id, view }) => {
    await requirePoster(client, id, view, "may cancel it");
    requireNeedStatus(id, view, ["Posted", "Lapsed", "Open"], "its poster may cancel it");
    const reason = args.reason === undefined ? ethers.ZeroHash : parseDocument(args.reason, "--reason");
    const receipt = await client.send(`cancel need ${id}`, () => client.escrow.cancelNeed(id, reason));
    sent(args, receipt, { needId: id.toString(), status: "Cancelled" }, [
      `Cancelled need ${id}: gifts stop and donors may take back their shares with donations:refund.`,
    ]);
  },
).addOptionalParam("reason", "The reasons: a file, the text, or its 0x hash", undefined, types.string);

// ------------------------------------------------------------------------------------------------ gifts

/** What a `Donated` event says: how much the need took, and how much was credited back. */
function donated(client: MedAllianceClient, receipt: ContractTransactionReceipt) {
  const event = eventOf(client, receipt, "Donated")!;
  return { accepted: event.args.accepted as bigint, excess: event.args.excess as bigint };
}

needTask<SendArgs & { need: string; amount: string }>(
  "donations:donate",
  "Gives to an open need, in its asset (ETH, or a token: the approval is sent first)",
  async (args, client, { id, view, asset }) => {
    requireNeedStatus(id, view, ["Open"], "it takes gifts");
    const amount = amountArg(args.amount, asset, "--amount");
    const money = B.money;
    const receipt = await client.pay(
      asset,
      amount,
      await client.escrow.getAddress(),
      `give ${money(amount, asset)} to need ${id}`,
      (value) => client.escrow.donate(id, amount, { value }),
    );
    const { accepted, excess } = donated(client, receipt);
    sent(
      args,
      receipt,
      {
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
      ],
    );
  },
).addParam("amount", "The gift, in whole units of the need's asset (0.5)");

needTask(
  "donations:refund",
  "A donor takes back its share of a closed or cancelled need's unspent money",
  async (args, client, { id, view, asset }) => {
    requireNeedStatus(id, view, ["Closed", "Cancelled"], "donors take money back");
    const account = await client.sender.getAddress();
    const gift = await client.escrow.giftOf(id, account);
    if (gift.given === 0n) throw new InputError(`Account ${account} gave nothing to need ${id}`);
    if (gift.settled) throw new InputError(`Account ${account} already took back its whole share of need ${id}`);
    const amount = await client.escrow.refundableOf(id, account);
    if (amount === 0n && view.reserved > 0n) {
      throw new InputError(
        `Nothing to take back from need ${id} now: ${B.money(view.reserved, asset)} is reserved for accepted offers ` +
          "until they are delivered or closed",
      );
    }
    const receipt = await client.send(`take back the share of need ${id}`, () => client.escrow.refund(id));
    const refunded = eventOf(client, receipt, "Refunded")!;
    const paid = refunded.args.amount as bigint;
    sent(
      args,
      receipt,
      { needId: id.toString(), asset: asset.address, refunded: units(paid, asset), settled: refunded.args.settled },
      [
        `Took back ${B.money(paid, asset)} from need ${id}` +
          (refunded.args.settled ? ": your share is settled." : "; more follows as reserved offers close."),
      ],
    );
  },
);

needTask<SendArgs & { need: string; to: string }>(
  "donations:redirect",
  "A donor moves its share of a closed or cancelled need to another open need",
  async (args, client, from) => {
    const to = await needArg(client, args.to, "--to");
    if (from.id === to.id) throw new InputError(`--to is need ${to.id} itself: name another open need`);
    requireNeedStatus(from.id, from.view, ["Closed", "Cancelled"], "donors move money out of it");
    requireNeedStatus(to.id, to.view, ["Open"], "it takes gifts");
    const asset = from.asset;
    if (asset.address !== to.asset.address) {
      throw new InputError(
        `Need ${from.id} is in ${asset.symbol} and need ${to.id} in ${to.asset.symbol}: money moves only within one asset`,
      );
    }
    const account = await client.sender.getAddress();
    const amount = await client.escrow.refundableOf(from.id, account);
    if (amount === 0n) throw new InputError(`Account ${account} has nothing to move from need ${from.id}`);
    const receipt = await client.send(`move the share of need ${from.id} to need ${to.id}`, () =>
      client.escrow.redirect(from.id, to.id),
    );
    const { accepted, excess } = donated(client, receipt);
    const money = B.money;
    sent(
      args,
      receipt,
      {
        fromNeedId: from.id.toString(),
        toNeedId: to.id.toString(),
        asset: asset.address,
        moved: units(accepted + excess, asset),
        accepted: units(accepted, asset),
        credited: units(excess, asset),
      },
      [
        `Moved ${money(accepted + excess, asset)} from need ${from.id} to need ${to.id}: it took ` +
          `${money(accepted, asset)}` +
          (excess > 0n ? `, and ${money(excess, asset)} is credited back to you (donations:withdraw).` : "."),
      ],
    );
  },
).addParam("to", "The open need in the same asset");

memberTask("donations:withdraw", "Withdraws your whole credit of an asset from the escrow (or the agreements vault)")
  .addOptionalParam("asset", "ETH (default) or a token's address", "ETH", types.string)
  .addOptionalParam("vault", "escrow (default) or agreements", "escrow", types.string)
  .setAction(
    run<SendArgs & { asset?: string; vault?: string }>(true, async (args, client) => {
      await bound();
      const key = (args.vault ?? "escrow").trim().toLowerCase();
      if (key !== "escrow" && key !== "agreements") {
        throw new InputError(`--vault is escrow or agreements, not ${args.vault}`);
      }
      const vault = key === "escrow" ? client.escrow : client.agreements;
      const vaultName = key === "escrow" ? "the donation escrow" : "the supply agreements";
      const asset = await client.parseAsset(args.asset);
      const account = await client.sender.getAddress();
      const credit = await vault.creditOf(asset.address, account);
      if (credit === 0n)
        throw new InputError(`Account ${account} has no ${asset.symbol} to withdraw from ${vaultName}`);
      const withdrawn = B.money(credit, asset);
      const receipt = await client.send(`withdraw ${withdrawn}`, () => vault.withdraw(asset.address));
      sent(args, receipt, { vault: key, account, asset: asset.address, withdrawn: units(credit, asset) }, [
        `Withdrew ${withdrawn} from ${vaultName} to ${account}.`,
      ]);
    }),
  );

// ------------------------------------------------------------------------------------------------ offers

/** `--expires` (default: the need's deadline), at most 60 days after it. */
async function expiryArg(client: MedAllianceClient, text: string | undefined, view: NeedView): Promise<number> {
  const now = await client.now();
  const latest = Number(view.deadline) + 60 * DAY;
  if (text === undefined) return Number(view.deadline);
  const expiry = parseTime(text, now, { label: "--expires", future: true });
  if (expiry > latest) {
    throw new InputError(
      `--expires ${formatTime(expiry)} is more than 60 days after the need's deadline (latest ${formatTime(latest)})`,
    );
  }
  return expiry;
}

/** The units a need still needs: its quantity less accepted offers and goods received in kind. */
function availableOf(view: NeedView): bigint {
  const taken = view.committed + view.inKind;
  return view.quantity > taken ? view.quantity - taken : 0n;
}

/** Offers and pledges: the need must be open and still need `--quantity` units. */
function offeredQuantity(need: Need, text: string, kind: string): bigint {
  requireNeedStatus(need.id, need.view, ["Open"], `it takes ${kind}s`);
  const quantity = BigInt(parseQuantity(text, "--quantity", MAX_UINT32));
  const available = availableOf(need.view);
  if (quantity > available) {
    throw new InputError(
      `Need ${need.id} still needs ${count(available)} units: ${kind === "offer" ? "an" : "a"} ${kind} of ${count(quantity)} is too large`,
    );
  }
  return quantity;
}

const EXPIRES = "Goods shipped by (default: the need's deadline): a date or +30d";

/**
 * Sends an offer or a pledge of `quantity` units to `need`, shipped by `--expires`: its id, the reference to ship
 * with, and the JSON fields both share.
 */
async function promiseGoods(
  client: MedAllianceClient,
  need: Need,
  [kind, quantity, expires]: ["offer" | "pledge", bigint, string | undefined],
  call: (expiresAt: number) => Promise<ContractTransactionResponse>,
) {
  const expiresAt = await expiryArg(client, expires, need.view);
  const receipt = await client.send(`${kind} ${count(quantity)} units to need ${need.id}`, () => call(expiresAt));
  const event = eventOf(client, receipt, kind === "offer" ? "OfferMade" : "Pledged")!;
  const id = (kind === "offer" ? event.args.offerId : event.args.pledgeId) as bigint;
  const ref = B.offerRef(await client.escrow.getAddress(), id);
  const doc = { needId: need.id.toString(), quantity: quantity.toString(), expiresAt, shipmentRef: ref };
  return { receipt, id, ref, doc, shipBy: formatTime(expiresAt) };
}

needTask<SendArgs & { need: string; quantity: string; price: string; expires?: string }>(
  "donations:offer",
  "A supplier offers goods to an open need at a unit price",
  async (args, client, need) => {
    const org = await client.actingOrg(OFFERERS, ESCROW);
    const { id, view, asset } = need;
    const quantity = offeredQuantity(need, args.quantity, "offer");
    const price = amountArg(args.price, asset, "--price");
    const money = B.money;
    if (price > view.maxUnitPrice) {
      throw new InputError(
        `--price ${money(price, asset)} is above need ${id}'s maximum of ${money(view.maxUnitPrice, asset)} a unit`,
      );
    }
    const made = await promiseGoods(client, need, ["offer", quantity, args.expires], (expiresAt) =>
      client.escrow.makeOffer(id, quantity, price, expiresAt),
    );
    sent(args, made.receipt, { offerId: made.id.toString(), ...made.doc, unitPrice: units(price, asset) }, [
      `${org.name} offers ${count(quantity)} units to need ${id} at ${money(price, asset)} (offer ${made.id}), ` +
        `shipped by ${made.shipBy}; ${nameOf(client, view.posterOrgId)} must accept it.`,
      `Ship with reference ${made.ref}.`,
    ]);
  },
)
  .addParam("quantity", "Units offered")
  .addParam("price", "Price per unit, in whole units of the need's asset")
  .addOptionalParam("expires", EXPIRES, undefined, types.string);

needTask<SendArgs & { need: string; quantity: string; expires?: string }>(
  "donations:pledge",
  "A member that holds stock pledges goods in kind to an open need",
  async (args, client, need) => {
    const org = await client.actingOrg(HOLDERS, ESCROW);
    const quantity = offeredQuantity(need, args.quantity, "pledge");
    const made = await promiseGoods(client, need, ["pledge", quantity, args.expires], (expiresAt) =>
      client.escrow.pledge(need.id, quantity, expiresAt),
    );
    sent(args, made.receipt, { pledgeId: made.id.toString(), ...made.doc }, [
      `${org.name} pledges ${count(quantity)} units in kind to need ${need.id} (pledge ${made.id}), shipped by ` +
        `${made.shipBy}.`,
      `Ship with reference ${made.ref}; once received, record it with donations:release.`,
    ]);
  },
)
  .addParam("quantity", "Units pledged")
  .addOptionalParam("expires", EXPIRES, undefined, types.string);

offerTask(
  "donations:withdraw-offer",
  "The maker withdraws an offer not yet accepted, or a pledge",
  async (args, client, { id, view, isPledge }) => {
    if (!(await isMaker(client, view)).maker) {
      throw new InputError(
        `Offer ${id} is ${nameOf(client, view.makerOrgId)}'s, made by ${view.maker}: only its maker may withdraw it`,
      );
    }
    const status = offerStatus(view);
    if (!(status === "Proposed" || status === "Expired" || (isPledge && status === "Active"))) {
      throw new InputError(`Offer ${id} is ${status}: only a proposed offer or an active pledge can be withdrawn`);
    }
    const receipt = await client.send(`withdraw offer ${id}`, () => client.escrow.withdrawOffer(id));
    sent(args, receipt, { offerId: id.toString(), status: "Withdrawn" }, [
      `Withdrew ${isPledge ? "pledge" : "offer"} ${id} to need ${view.needId}.`,
    ]);
  },
);

offerTask(
  "donations:accept-offer",
  "The need's poster accepts an offer, reserving its price from the need's money",
  async (args, client, { id, view, need, asset, isPledge }) => {
    if (isPledge) {
      throw new InputError(`Offer ${id} is a pledge: pledges need no acceptance (the hospital's receipt is enough)`);
    }
    await requirePoster(client, view.needId, need, "accepts offers");
    requireNeedStatus(view.needId, need, ["Open"], "its offers can be accepted");
    if (offerStatus(view) !== "Proposed") {
      throw new InputError(`Offer ${id} is ${offerStatus(view)}: only a proposed offer can be accepted`);
    }
    const available = availableOf(need);
    if (view.remaining > available) {
      throw new InputError(
        `Need ${view.needId} still needs ${count(available)} units: offer ${id} of ${count(view.remaining)} is too large`,
      );
    }
    const money = B.money;
    const amount = view.remaining * view.unitPrice;
    const unreserved = need.raised - need.reserved - need.released;
    if (amount > unreserved) {
      throw new InputError(
        `Offer ${id} costs ${money(amount, asset)} but need ${view.needId} has only ${money(unreserved, asset)} unreserved`,
      );
    }
    const receipt = await client.send(`accept offer ${id}`, () => client.escrow.acceptOffer(id));
    sent(
      args,
      receipt,
      {
        offerId: id.toString(),
        needId: view.needId.toString(),
        reserved: units(amount, asset),
        shipmentRef: B.offerRef(await client.escrow.getAddress(), id),
      },
      [
        `Accepted offer ${id} of ${nameOf(client, view.makerOrgId)}: ${count(view.remaining)} units at ` +
          `${money(view.unitPrice, asset)}, ${money(amount, asset)} reserved from need ${view.needId}.`,
      ],
    );
  },
);

offerTask(
  "donations:close-offer",
  "Closes an accepted offer, freeing its undelivered reservation (maker any time, anyone after expiry + 14 days)",
  async (args, client, { id, view, asset, isPledge }) => {
    if (isPledge) throw new InputError(`Offer ${id} is a pledge: withdraw it with donations:withdraw-offer`);
    if (offerStatus(view) !== "Active") {
      throw new InputError(`Offer ${id} is ${offerStatus(view)}: only an accepted offer can be closed`);
    }
    const closableAt = Number(view.expiresAt) + 14 * DAY;
    if (!(await isMaker(client, view)).maker && (await client.now()) <= closableAt) {
      throw new InputError(
        `Offer ${id} is not the sender's: only its maker may close it before ${formatTime(closableAt)}`,
      );
    }
    const receipt = await client.send(`close offer ${id}`, () => client.escrow.closeOffer(id));
    const freed = view.remaining * view.unitPrice;
    sent(
      args,
      receipt,
      {
        offerId: id.toString(),
        needId: view.needId.toString(),
        freedQuantity: view.remaining.toString(),
        freed: units(freed, asset),
      },
      [
        `Closed offer ${id}: ${count(view.remaining)} undelivered units and ${B.money(freed, asset)} go back to need ${view.needId}.`,
      ],
    );
  },
);

/** The received shipment a release counts: it names the offer, went from its maker to the need's hospital, once. */
async function releaseShipment(client: MedAllianceClient, offer: Offer, text: string) {
  const { id, view, need, isPledge } = offer;
  const kind = isPledge ? "pledge" : "offer";
  const shipment = await client.findShipment(text);
  const shipmentId = parseBytes32(text, "shipment");
  const short = shortId(shipmentId);
  const expected = B.offerRef(await client.escrow.getAddress(), id);
  if (String(shipment.ref).toLowerCase() !== expected.toLowerCase()) {
    throw new InputError(
      `Shipment ${short} does not name ${kind} ${id}: it was shipped with reference ${shortId(String(shipment.ref))}, not ${shortId(expected)}`,
    );
  }
  if (BigInt(shipment.fromOrgId) !== view.makerOrgId || BigInt(shipment.toOrgId) !== need.beneficiaryOrgId) {
    throw new InputError(
      `Shipment ${short} went from ${nameOf(client, BigInt(shipment.fromOrgId))} to ` +
        `${nameOf(client, BigInt(shipment.toOrgId))}, not from ${nameOf(client, view.makerOrgId)} to ${nameOf(client, need.beneficiaryOrgId)}`,
    );
  }
  if (await client.escrow.isShipmentUsed(shipmentId)) {
    throw new InputError(`Shipment ${short} already counted for a release`);
  }
  const record = await client.ledger.shipmentState(shipmentId);
  const status = enumName("ShipmentStatus", record.status);
  if ((status !== "Received" && status !== "Settled") || record.received === 0n) {
    throw new InputError(`Shipment ${short} is ${status}, not received: no receipt, no money`);
  }
  if (record.shippedAt > view.expiresAt) {
    throw new InputError(
      `Shipment ${short} was shipped on ${formatTime(record.shippedAt)}, after ${kind} ${id}'s expiry (${formatTime(view.expiresAt)})`,
    );
  }
  return { shipment, shipmentId };
}

offerTask<SendArgs & { offer: string; shipment: string }>(
  "donations:release",
  "Releases money (or records a pledge) for a shipment the hospital received",
  async (args, client, offer) => {
    const { id, view, need, asset, isPledge } = offer;
    if (offerStatus(view) !== "Active") {
      throw new InputError(
        isPledge
          ? `Pledge ${id} is ${offerStatus(view)}: goods in kind are recorded only for an active pledge`
          : `Offer ${id} is ${offerStatus(view)}: money is released only for an accepted offer`,
      );
    }
    const { shipment, shipmentId } = await releaseShipment(client, offer, args.shipment);
    const maker = nameOf(client, view.makerOrgId);
    const ids = { offerId: id.toString(), needId: view.needId.toString(), shipmentId };
    if (isPledge) {
      const receipt = await client.send(`record the pledge's receipt`, () =>
        client.escrow.recordPledgeReceipt(id, shipment),
      );
      const quantity = eventOf(client, receipt, "PledgeReceived")!.args.quantity as bigint;
      sent(args, receipt, { ...ids, quantity: quantity.toString(), amount: "0" }, [
        `Recorded ${count(quantity)} units received in kind from ${maker} for need ${view.needId}.`,
      ]);
      return;
    }
    const receipt = await client.send(`release offer ${id}`, () => client.escrow.release(id, shipment));
    const released = eventOf(client, receipt, "Released")!;
    const amount = released.args.amount as bigint;
    const quantity = released.args.quantity as bigint;
    sent(args, receipt, { ...ids, quantity: quantity.toString(), amount: units(amount, asset) }, [
      `Released ${B.money(amount, asset)} to ${maker} for ${count(quantity)} units received ` +
        `by ${nameOf(client, need.beneficiaryOrgId)}; the supplier collects it with donations:collect --offer ${id}.`,
    ]);
  },
).addParam("shipment", "The received shipment's id (0x…)");

offerTask(
  "donations:collect",
  "A supplier collects the money released on its offer",
  async (args, client, { id, view, asset }) => {
    const { account, maker } = await isMaker(client, view);
    if (!maker) {
      throw new InputError(
        `Offer ${id} is not the sender's: it was made by ${view.maker} of ${nameOf(client, view.makerOrgId)}`,
      );
    }
    if (view.earned === 0n) throw new InputError(`Offer ${id} has no released money to collect`);
    const receipt = await client.send(`collect the earnings of offer ${id}`, () => client.escrow.collectEarnings(id));
    sent(
      args,
      receipt,
      { offerId: id.toString(), account, asset: asset.address, collected: units(view.earned, asset) },
      [`Collected ${B.money(view.earned, asset)} released on offer ${id} to ${account}.`],
    );
  },
);

// ------------------------------------------------------------------------------------------------ pool

memberTask("donations:open-pool", "The governor opens an alliance pool round in an asset, with a deadline")
  .addOptionalParam("asset", "ETH (default) or an approved token's address", "ETH", types.string)
  .addParam("deadline", "Gifts and allocations until: a date or +30d")
  .setAction(
    run<SendArgs & { asset?: string; deadline: string }>(true, async (args, client) => {
      await client.requireGovernor("opens pool rounds");
      const asset = await client.parseAsset(args.asset);
      await requireApproved(client, asset);
      const deadline = await deadlineArg(client, args.deadline);
      const receipt = await client.send("open a pool round", () => client.escrow.openPool(asset.address, deadline));
      const poolId = eventOf(client, receipt, "PoolOpened")!.args.poolId as bigint;
      sent(args, receipt, { poolId: poolId.toString(), asset: asset.address, deadline }, [
        `Opened pool round ${poolId} in ${asset.symbol}, taking gifts until ${formatTime(deadline)}.`,
      ]);
    }),
  );

/** Refuses a pool round past its deadline. */
async function requirePoolOpen(client: MedAllianceClient, pool: Pool, what: string): Promise<void> {
  if ((await client.now()) > Number(pool.view.deadline)) {
    throw new InputError(`Pool round ${pool.id} closed on ${formatTime(pool.view.deadline)}: ${what}`);
  }
}

poolTask<SendArgs & { pool: string; amount: string }>(
  "donations:give-to-pool",
  "Gives to an alliance pool round (ETH, or a token: the approval is sent first)",
  async (args, client, pool) => {
    const { id, asset } = pool;
    await requirePoolOpen(client, pool, "it takes no more gifts");
    const amount = amountArg(args.amount, asset, "--amount");
    const receipt = await client.pay(
      asset,
      amount,
      await client.escrow.getAddress(),
      `give ${B.money(amount, asset)} to pool round ${id}`,
      (value) => client.escrow.donateToPool(id, amount, { value }),
    );
    const received = eventOf(client, receipt, "PoolDonated")!.args.amount as bigint;
    sent(args, receipt, { poolId: id.toString(), asset: asset.address, given: units(received, asset) }, [
      `Gave ${B.money(received, asset)} to pool round ${id}.`,
    ]);
  },
).addParam("amount", "The gift, in whole units of the round's asset");

poolTask<SendArgs & { pool: string; need: string; amount: string }>(
  "donations:allocate",
  "The governor allocates an amount of a pool round to an open need",
  async (args, client, pool) => {
    await client.requireGovernor("allocates pool money");
    const need = await needArg(client, args.need);
    await requirePoolOpen(client, pool, "it allocates no more");
    requireNeedStatus(need.id, need.view, ["Open"], "it takes allocations");
    const asset = pool.asset;
    if (asset.address !== need.asset.address) {
      throw new InputError(`Pool round ${pool.id} is in ${asset.symbol} and need ${need.id} in ${need.asset.symbol}`);
    }
    const amount = amountArg(args.amount, asset, "--amount");
    const lacks = await client.escrow.lacks(need.id);
    const available = pool.view.raised + pool.view.returned - pool.view.allocated;
    const money = B.money;
    if (amount > lacks)
      throw new InputError(`Need ${need.id} lacks only ${money(lacks, asset)}: allocate at most that`);
    if (amount > available) {
      throw new InputError(`Pool round ${pool.id} has only ${money(available, asset)} unallocated`);
    }
    const receipt = await client.send(`allocate ${money(amount, asset)} to need ${need.id}`, () =>
      client.escrow.allocate(pool.id, need.id, amount),
    );
    sent(args, receipt, { poolId: pool.id.toString(), needId: need.id.toString(), allocated: units(amount, asset) }, [
      `Allocated ${money(amount, asset)} of pool round ${pool.id} to need ${need.id}.`,
    ]);
  },
)
  .addParam("need", "The need's number")
  .addParam("amount", "The amount, in whole units of the round's asset");

poolTask<SendArgs & { pool: string; need: string }>(
  "donations:return-pool-share",
  "Returns a pool round's share of a closed or cancelled need to the round",
  async (args, client, pool) => {
    const need = await needArg(client, args.need);
    requireNeedStatus(need.id, need.view, ["Closed", "Cancelled"], "its pool share flows back");
    const share = await client.escrow.poolShareOf(need.id, pool.id);
    if (share.given === 0n || share.settled) {
      throw new InputError(`Pool round ${pool.id} has no share of need ${need.id} to return`);
    }
    const receipt = await client.send(`return pool round ${pool.id}'s share of need ${need.id}`, () =>
      client.escrow.returnPoolShare(need.id, pool.id),
    );
    const amount = eventOf(client, receipt, "PoolShareReturned")!.args.amount as bigint;
    sent(
      args,
      receipt,
      { poolId: pool.id.toString(), needId: need.id.toString(), returned: units(amount, pool.asset) },
      [`Returned ${B.money(amount, pool.asset)} of need ${need.id} to pool round ${pool.id}.`],
    );
  },
).addParam("need", "The closed or cancelled need");

poolTask(
  "donations:pool-refund",
  "A pool donor takes back its share of what a round did not spend, after its deadline",
  async (args, client, pool) => {
    if ((await client.now()) <= Number(pool.view.deadline)) {
      throw new InputError(
        `Pool round ${pool.id} runs until ${formatTime(pool.view.deadline)}: refunds start after it`,
      );
    }
    const account = await client.sender.getAddress();
    const gift = await client.escrow.poolGiftOf(pool.id, account);
    if (gift.given === 0n) throw new InputError(`Account ${account} gave nothing to pool round ${pool.id}`);
    if (gift.settled) {
      throw new InputError(`Account ${account} already took back its whole share of pool round ${pool.id}`);
    }
    const receipt = await client.send(`take back the share of pool round ${pool.id}`, () =>
      client.escrow.refundFromPool(pool.id),
    );
    const event = eventOf(client, receipt, "PoolRefunded")!;
    const amount = event.args.amount as bigint;
    sent(
      args,
      receipt,
      { poolId: pool.id.toString(), refunded: units(amount, pool.asset), settled: event.args.settled as boolean },
      [`Took back ${B.money(amount, pool.asset)} from pool round ${pool.id}.`],
    );
  },
);

// ------------------------------------------------------------------------------------------------ pool:recommend

interface RecommendArgs extends ReadArgs {
  pool?: string;
  amount?: string;
  asset?: string;
  escrow?: string;
}

/** Works without a MedAlliance deployment too (`--escrow`): it reads the escrow alone, with no organisations. */
readTask("pool:recommend", "Recommends how to allocate a pool round: most urgent needs first, then earliest deadline")
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
  .setAction(async (args: RecommendArgs, hre) => {
    const provider = hre.ethers.provider;
    const { DonationEscrow__factory } = await import("../typechain-types");
    const { ETH, openNeedsIn, recommendAllocation } = await import("../scripts/lib/donations");
    if ((args.pool === undefined) === (args.amount === undefined)) {
      throw new Error("pool:recommend needs exactly one of --pool and --amount");
    }
    let escrowAddress = args.escrow;
    if (escrowAddress === undefined) {
      const { resolveSystem } = await import("../scripts/lib/deployment");
      const { registry } = await resolveSystem(provider, hre.network.name, args.registry);
      escrowAddress = await registry.directory(ethers.encodeBytes32String("DonationEscrow"));
      if (escrowAddress === ethers.ZeroAddress) throw new Error("the registry's directory has no DonationEscrow");
    }
    const escrow = DonationEscrow__factory.connect(escrowAddress, provider);
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
      printJson({ asset, available, allocations: rows, left });
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
  });
