/**
 * The MedAlliance client: one object that finds every contract of a network's system through the registry's
 * directory, knows the alliance's organisations by id and name, and sends transactions whose failures come back as
 * sentences. Tasks are thin layers over it; members' own scripts import it (see scripts/examples/).
 *
 *   const client = await MedAllianceClient.connect({ provider: hre.ethers.provider, networkName: hre.network.name,
 *     signer });
 *   const hospital = await client.resolveOrg("City General Hospital");
 *   await client.send("receive the shipment", () => client.ledger.receiveShipment(shipment, quantity));
 */
import {
  ethers,
  type ContractTransactionReceipt,
  type ContractTransactionResponse,
  type Provider,
  type Signer,
} from "ethers";
import {
  type AdverseEventRegistry,
  AdverseEventRegistry__factory,
  type AllianceRegistry,
  type BatchLedger,
  BatchLedger__factory,
  type DeviceOrderBook,
  DeviceOrderBook__factory,
  type DonationEscrow,
  DonationEscrow__factory,
  type FieldReadings,
  FieldReadings__factory,
  type IBatchLedger,
  type ProductCatalog,
  ProductCatalog__factory,
  type SerialRegistry,
  SerialRegistry__factory,
  type SupplyAgreements,
  SupplyAgreements__factory,
} from "../../typechain-types";
import { AccountKind, OrganisationStatus, REGULATOR_ROLE, roleNames } from "../lib/alliance";
import { directoryAddress, resolveSystem, type System } from "../lib/deployment";
import { queryInPages } from "../lib/logs";
import { batchIdOf, shipmentOf } from "../lib/trace";
import {
  type Asset,
  formatMoney,
  orList,
  parseAddress,
  parseBytes32,
  parseDigitalLink,
  parseGtin,
  parseLot,
  shortId,
} from "./codes";
import { ClientError, InputError } from "./failures";

import { explain } from "./errors";

export { ClientError, formatMoney, type Asset };

const ETH_ASSET: Asset = { address: ethers.ZeroAddress, symbol: "ETH", decimals: 18 };
const TOKEN_ABI = [
  "function symbol() view returns (string)",
  "function decimals() view returns (uint8)",
  "function balanceOf(address) view returns (uint256)",
  "function allowance(address,address) view returns (uint256)",
  "function approve(address,uint256) returns (bool)",
];

/** A batch found by `resolveBatch`: its id, GTIN, lot as printed and the ledger's view of it. */
export interface ResolvedBatch {
  batchId: string;
  gtin: bigint;
  lot: string;
  view: IBatchLedger.BatchViewStructOutput;
}

/** An organisation as the client knows it. */
export interface Organisation {
  id: bigint;
  name: string;
  status: OrganisationStatus;
  statusName: string;
  roles: string[];
  admin: string;
  licenceExpiry: bigint;
}

export interface ConnectOptions {
  provider: Provider;
  /** The network's name, for messages ("localhost", "alliance"). */
  networkName: string;
  /** The account that signs; without one the client only reads. */
  signer?: Signer;
  /** The registry's address when not the network's Ignition deployment. */
  registry?: string;
}

export class MedAllianceClient {
  private _orgs?: Map<bigint, Organisation>;

  private constructor(
    readonly system: System,
    readonly provider: Provider,
    readonly networkName: string,
    readonly signer?: Signer,
  ) {}

  /** Finds the network's MedAlliance system (see scripts/lib/deployment.ts) and reads its directory. */
  static async connect(options: ConnectOptions): Promise<MedAllianceClient> {
    const system = await resolveSystem(options.provider, options.networkName, options.registry);
    return new MedAllianceClient(system, options.provider, options.networkName, options.signer);
  }

  /** The same client signing as another account. */
  as(signer: Signer): MedAllianceClient {
    const client = new MedAllianceClient(this.system, this.provider, this.networkName, signer);
    client._orgs = this._orgs;
    return client;
  }

  /** The signer, or a clear error for read-only clients. */
  get sender(): Signer {
    if (this.signer === undefined) throw new InputError("this action sends a transaction: pick an account with --from");
    return this.signer;
  }

  private get runner(): Signer | Provider {
    return this.signer ?? this.provider;
  }

  get registry(): AllianceRegistry {
    return this.system.registry.connect(this.runner) as AllianceRegistry;
  }
  get catalog(): ProductCatalog {
    return ProductCatalog__factory.connect(directoryAddress(this.system, "ProductCatalog"), this.runner);
  }
  get ledger(): BatchLedger {
    return BatchLedger__factory.connect(directoryAddress(this.system, "BatchLedger"), this.runner);
  }
  get serials(): SerialRegistry {
    return SerialRegistry__factory.connect(directoryAddress(this.system, "SerialRegistry"), this.runner);
  }
  get readings(): FieldReadings {
    return FieldReadings__factory.connect(directoryAddress(this.system, "FieldReadings"), this.runner);
  }
  get orders(): DeviceOrderBook {
    return DeviceOrderBook__factory.connect(directoryAddress(this.system, "DeviceOrderBook"), this.runner);
  }
  get adverse(): AdverseEventRegistry {
    return AdverseEventRegistry__factory.connect(directoryAddress(this.system, "AdverseEventRegistry"), this.runner);
  }
  get escrow(): DonationEscrow {
    return DonationEscrow__factory.connect(directoryAddress(this.system, "DonationEscrow"), this.runner);
  }
  get agreements(): SupplyAgreements {
    return SupplyAgreements__factory.connect(directoryAddress(this.system, "SupplyAgreements"), this.runner);
  }

  /** The block time of the latest block (what the contracts compare deadlines with). */
  async now(): Promise<number> {
    const block = await this.provider.getBlock("latest");
    return block!.timestamp;
  }

  /** Every organisation ever registered, by id, with its name (from the registry's events) and current standing. */
  async organisations(refresh = false): Promise<Map<bigint, Organisation>> {
    if (this._orgs !== undefined && !refresh) return this._orgs;
    const registry = this.system.registry;
    const names = new Map<bigint, string>();
    const registered = await queryInPages(this.provider, { fromBlock: this.system.fromBlock }, (from, to) =>
      registry.queryFilter(registry.filters.OrganisationRegistered(), from, to),
    );
    for (const event of registered) {
      names.set(event.args.orgId, event.args.name);
    }
    const orgs = new Map<bigint, Organisation>();
    const count = await registry.organisationCount();
    for (let id = 1n; id <= count; id++) {
      const view = await registry.organisation(id);
      const status = Number(view.status) as OrganisationStatus;
      orgs.set(id, {
        id,
        name: names.get(id) ?? `organisation ${id}`,
        status,
        statusName: OrganisationStatus[status],
        roles: roleNames(view.roles),
        admin: view.admin,
        licenceExpiry: view.licenceExpiry,
      });
    }
    this._orgs = orgs;
    return orgs;
  }

  /** The name of an organisation already loaded by `organisations()`, for sentences. */
  orgName(id: bigint): string | undefined {
    return this._orgs?.get(id)?.name;
  }

  /**
   * An organisation by id ("7") or by name, case-insensitive ("city general hospital"; a unique beginning such as
   * "City General" works too). Refused with the names it could mean when it matches none or several.
   */
  async resolveOrg(ref: string | number | bigint, label = "organisation"): Promise<Organisation> {
    const orgs = await this.organisations();
    const text = String(ref).trim();
    if (/^\d+$/.test(text)) {
      const org = orgs.get(BigInt(text));
      if (org === undefined) throw new InputError(`${label} ${text}: the alliance has no organisation ${text}`);
      return org;
    }
    const wanted = text.toLowerCase();
    const all = [...orgs.values()];
    const exact = all.filter((org) => org.name.toLowerCase() === wanted);
    const matches = exact.length > 0 ? exact : all.filter((org) => org.name.toLowerCase().startsWith(wanted));
    if (matches.length === 1) return matches[0];
    if (matches.length === 0) {
      throw new InputError(`${label} "${text}": no organisation of the alliance has that name or id`);
    }
    const listed = matches.map((org) => `${org.id} (${org.name})`).join(", ");
    throw new InputError(`${label} "${text}" could be ${listed}: give the id`);
  }

  /** The organisation the signer acts for, or a clear error when the account is no member's. */
  async senderOrg(): Promise<Organisation> {
    const account = await this.sender.getAddress();
    const [orgId] = await this.system.registry.membershipOf(account);
    if (orgId === 0n) throw new InputError(`account ${account} belongs to no organisation of the alliance`);
    return (await this.resolveOrg(orgId)) as Organisation;
  }

  /**
   * A batch named as people name it: its id (0x and 64 hex digits), a GS1 Digital Link URI with a lot
   * (https://…/01/<GTIN>/10/<lot>), or "<GTIN>/<lot>" as printed. Refused when the ledger has no such batch.
   */
  async resolveBatch(text: string, label = "batch"): Promise<ResolvedBatch> {
    const ledger = this.ledger;
    let batchId: string;
    let lotText: string | undefined;
    const trimmed = text.trim();
    if (/^0x[0-9a-fA-F]{64}$/.test(trimmed)) {
      batchId = trimmed.toLowerCase();
    } else {
      let gtin: bigint;
      if (/^[a-z]+:\/\//i.test(trimmed)) {
        const link = parseDigitalLink(trimmed);
        if (link.lot === undefined) throw new InputError(`${label} "${text}" names a product but no lot (/10/<lot>)`);
        gtin = link.gtin;
        lotText = link.lot;
      } else {
        const slash = trimmed.indexOf("/");
        if (slash < 0) {
          throw new InputError(`${label} "${text}": give a batch id (0x…), a Digital Link URI, or <GTIN>/<lot>`);
        }
        gtin = parseGtin(trimmed.slice(0, slash), `${label} GTIN`);
        lotText = trimmed.slice(slash + 1);
      }
      batchId = batchIdOf(gtin, parseLot(lotText));
    }
    if ((await ledger.batchStatus(batchId)) === 0n) {
      throw new InputError(`${label} ${text}: the ledger has no such batch`);
    }
    const view = await ledger.batch(batchId);
    if (lotText === undefined) {
      const [commissioned] = await ledger.queryFilter(ledger.filters.BatchCommissioned(batchId), this.system.fromBlock);
      if (commissioned !== undefined) lotText = ethers.decodeBytes32String(commissioned.args.request.lot);
    }
    return { batchId, gtin: view.gtin, lot: lotText ?? "", view };
  }

  /**
   * A shipment's fields from its id (the ledger's Shipped event), as the ledger's shipment functions take them back.
   * Refused when no shipment has this id.
   */
  async findShipment(shipmentId: string): Promise<IBatchLedger.ShipmentStruct> {
    const ledger = this.ledger;
    const id = parseBytes32(shipmentId, "shipment");
    const [event] = await ledger.queryFilter(ledger.filters.Shipped(id), this.system.fromBlock);
    if (event === undefined) throw new InputError(`shipment ${shipmentId}: the ledger has no shipment with this id`);
    return shipmentOf(event.args.shipment);
  }

  /**
   * The signer's organisation when its standing lets it act in one of the roles of `mask`; otherwise a sentence saying
   * why not (a device key, a suspended or expired organisation, a role it was not admitted to).
   */
  async actingOrg(mask: number, where: string): Promise<Organisation> {
    const account = await this.sender.getAddress();
    const org = await this.senderOrg();
    const [orgId] = await this.system.registry.permittedOrganisation(account, mask);
    if (orgId !== 0n) return org;
    const [, kind] = await this.system.registry.membershipOf(account);
    if (Number(kind) === AccountKind.Device) {
      throw new InputError(`Account ${account} is a device key of ${org.name}: devices only sign readings`);
    }
    if (org.status !== OrganisationStatus.Active) {
      throw new InputError(`${org.name} is ${org.statusName.toLowerCase()}: it may not act ${where}`);
    }
    throw new InputError(`${org.name} is not admitted as ${orList(roleNames(mask))}: it may not act ${where}`);
  }

  /** The signer's address when it is a regulator; otherwise "only regulators <what>". */
  async requireRegulator(what: string): Promise<string> {
    const account = await this.sender.getAddress();
    if (!(await this.system.registry.hasRole(REGULATOR_ROLE, account))) {
      throw new InputError(`Account ${account} is not a regulator: only regulators ${what}`);
    }
    return account;
  }

  /** The signer's address when it is the governor; otherwise "only the governor <what>". */
  async requireGovernor(what: string): Promise<string> {
    const account = await this.sender.getAddress();
    if ((await this.system.registry.governor()).toLowerCase() !== account.toLowerCase()) {
      throw new InputError(`Account ${account} is not the governor: only the governor ${what}`);
    }
    return account;
  }

  /** Refuses new commitments while the alliance is paused. */
  async requireNotPaused(what: string): Promise<void> {
    if (await this.system.registry.paused()) {
      throw new InputError(`The alliance is paused: nobody may ${what} until it resumes`);
    }
  }

  private readonly _assets = new Map<string, Asset>();

  /** ETH (the zero address) or a token, with its symbol and decimals; refused when it is not an ERC-20 token. */
  async assetInfo(address: string): Promise<Asset> {
    if (address === ethers.ZeroAddress) return ETH_ASSET;
    const known = this._assets.get(address.toLowerCase());
    if (known !== undefined) return known;
    const token = new ethers.Contract(address, TOKEN_ABI, this.provider);
    let decimals: number;
    try {
      decimals = Number(await token.decimals());
    } catch {
      throw new InputError(`asset ${address} is not an ERC-20 token (it has no decimals())`);
    }
    const symbol = await token.symbol().then(String, () => shortId(address));
    const info = { address: ethers.getAddress(address), symbol, decimals };
    this._assets.set(address.toLowerCase(), info);
    return info;
  }

  /** An asset as typed: "ETH" (the default) or a token's address. */
  async parseAsset(text: string | undefined): Promise<Asset> {
    const value = text?.trim() || "ETH";
    if (value.toUpperCase() === "ETH") return ETH_ASSET;
    return this.assetInfo(parseAddress(value, "asset"));
  }

  /**
   * Pays `amount` of `asset` into `spender` by `call(value)`: refused when the signer holds too little; for a token,
   * approves the spender first when its allowance is short, then calls with no ETH; for ETH, calls with the amount.
   */
  async pay(
    asset: Asset,
    amount: bigint,
    spender: string,
    what: string,
    call: (value: bigint) => Promise<ContractTransactionResponse>,
  ): Promise<ContractTransactionReceipt> {
    const owner = await this.sender.getAddress();
    const eth = asset.address === ethers.ZeroAddress;
    const token = new ethers.Contract(asset.address, TOKEN_ABI, this.sender);
    const balance: bigint = eth ? await this.provider.getBalance(owner) : await token.balanceOf(owner);
    if (balance < amount) {
      throw new InputError(
        `Account ${owner} holds ${formatMoney(balance, asset)}; ${formatMoney(amount, asset)} is needed to ${what}`,
      );
    }
    if (eth) return this.send(what, () => call(amount));
    if (amount > 0n && ((await token.allowance(owner, spender)) as bigint) < amount) {
      await this.send(`approve ${formatMoney(amount, asset)} for ${spender}`, () => token.approve(spender, amount));
    }
    return this.send(what, () => call(0n));
  }

  /** An organisation as "Name (id)" for sentences. */
  orgLabel(id: bigint): string {
    const name = this.orgName(id);
    return name === undefined ? `organisation ${id}` : `${name} (${id})`;
  }

  /** A failure as a sentence, with organisation names. */
  explain(error: unknown): string {
    return explain(error, { orgName: (id) => this.orgName(id) });
  }

  /**
   * Sends a transaction and waits for it; a revert (at estimation or on chain) becomes a ClientError whose message
   * says, in words, why. `what` names the action for messages ("ship 500 units").
   */
  async send(
    what: string,
    transaction: () => Promise<ContractTransactionResponse>,
  ): Promise<ContractTransactionReceipt> {
    if (this._orgs === undefined) await this.organisations();
    try {
      const response = await transaction();
      const receipt = await response.wait();
      if (receipt === null) throw new ClientError(`${what}: the transaction was dropped`);
      return receipt;
    } catch (error) {
      if (error instanceof ClientError || error instanceof InputError) throw error;
      throw new ClientError(`Could not ${what}: ${this.explain(error)}`, error);
    }
  }

  /** Reads a view; a revert becomes a ClientError with the error in words. */
  async read<T>(what: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (this._orgs === undefined) await this.organisations().catch(() => undefined);
      throw new ClientError(`Could not ${what}: ${this.explain(error)}`, error);
    }
  }
}
