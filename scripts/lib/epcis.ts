/**
 * GS1 EPCIS 2.0 export of batch histories: the ledger's records, rebuilt from its logs and proved against the head it
 * stores (scripts/lib/history.ts), told as EPCIS events in a JSON-LD `EPCISDocument` that any EPCIS 2.0 repository
 * can capture. Vocabulary from the GS1 Core Business Vocabulary (CBV 2.0): business steps, dispositions,
 * `urn:epc:class:lgtin` lot classes, `urn:epc:id:sgln` sites, `urn:epc:id:pgln` parties; field readings as sensor
 * elements. What EPCIS has no field for (transaction hash, record kind, actor) travels in extension fields of the
 * MedAlliance namespace, declared in the document's `@context`.
 */
import { createHash } from "node:crypto";
import { ethers, type LogDescription } from "ethers";
import {
  FieldReadings__factory,
  type AllianceRegistry,
  type BatchLedger,
  type IBatchLedger,
  type ProductCatalog,
} from "../../typechain-types";
import { formatGtin } from "./gs1";
import { decodeRecord, eventsIn, fetchHistory, proveHistory, type HistoryEntry, type HistoryProof } from "./history";
import { ReadingKind, geohashOf, readingFromEvent, readingHash, type Reading } from "./readings";
import { RecordKind } from "./trace";

/** The GS1 EPCIS 2.0 JSON-LD context. */
export const EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/epcis-context.jsonld";
/** The prefix and namespace of MedAlliance's extension fields. */
export const MEDALLIANCE_PREFIX = "medalliance";
export const MEDALLIANCE_NAMESPACE = "https://ns.medalliance.example/epcis/";
/** Company-prefix length assumed for a GLN whose prefix no member registered (the most common length). */
export const DEFAULT_PREFIX_LENGTH = 7;

/** CBV 2.0 business steps and dispositions this export uses (bare names, as the EPCIS 2.0 JSON-LD context takes them). */
export type BizStep =
  | "commissioning"
  | "shipping"
  | "departing"
  | "arriving"
  | "receiving"
  | "inspecting"
  | "holding"
  | "dispensing"
  | "destroying"
  | "creating_class_instance"
  | "sensor_reporting";
export type Disposition =
  | "active"
  | "in_transit"
  | "in_progress"
  | "damaged"
  | "returned"
  | "conformant"
  | "non_sellable_other"
  | "sellable_accessible"
  | "recalled"
  | "dispensed"
  | "destroyed";

export interface QuantityElement {
  epcClass: string;
  quantity?: number;
  uom?: string;
}

export interface SensorReport {
  type: string;
  time?: string;
  deviceID?: string;
  value?: number;
  stringValue?: string;
  uom?: string;
  exception?: "ALARM_CONDITION" | "ERROR_CONDITION";
}

export interface SensorElement {
  sensorMetadata?: { time?: string; deviceID?: string };
  sensorReport: SensorReport[];
}

/** One EPCIS event as exported (ObjectEvent or TransformationEvent), with MedAlliance extension fields. */
export interface EpcisEvent {
  type: "ObjectEvent" | "TransformationEvent";
  eventID: string;
  eventTime: string;
  eventTimeZoneOffset: string;
  action?: "ADD" | "OBSERVE" | "DELETE";
  quantityList?: QuantityElement[];
  inputQuantityList?: QuantityElement[];
  outputQuantityList?: QuantityElement[];
  bizStep?: BizStep;
  disposition?: Disposition;
  readPoint?: { id: string };
  bizLocation?: { id: string };
  sourceList?: { type: "owning_party" | "location"; source: string }[];
  destinationList?: { type: "owning_party" | "location"; destination: string }[];
  sensorElementList?: SensorElement[];
  ilmd?: Record<string, string>;
  errorDeclaration?: { declarationTime: string; reason: string; correctiveEventIDs: string[] };
  /** MedAlliance extension fields (`medalliance:…`). */
  [extension: string]: unknown;
}

export interface EpcisDocument {
  "@context": (string | Record<string, string>)[];
  type: "EPCISDocument";
  schemaVersion: "2.0";
  creationDate: string;
  epcisHeader: {
    epcisMasterData: { vocabularyList: { type: string; vocabularyElementList: VocabularyElement[] }[] };
    [extension: string]: unknown;
  };
  epcisBody: { eventList: EpcisEvent[] };
}

interface VocabularyElement {
  id: string;
  attributes: { id: string; attribute: string | number }[];
}

/** The contracts an export reads. */
export interface EpcisSources {
  ledger: BatchLedger;
  catalog: ProductCatalog;
  registry: AllianceRegistry;
}

export interface EpcisOptions {
  /** First block to read logs from (the system's deployment block). */
  fromBlock?: number;
  /** Include the histories of the batches it was made from, through every level of inputs. */
  withLineage?: boolean;
  /** The document's creation date (default: now). */
  creationDate?: Date;
  /** Organisation names, for the master data and the events' `medalliance:organisation`. */
  orgName?: (orgId: bigint) => string | undefined;
}

/** One exported batch and the proof of its history. */
export interface ExportedBatch {
  batchId: string;
  gtin: string;
  lot: string;
  epcClass: string;
  records: number;
  proof: HistoryProof;
}

export interface EpcisExport {
  document: EpcisDocument;
  batches: ExportedBatch[];
}

/** A history that does not prove against the ledger's head: nothing is exported from it. */
export class HistoryNotProvenError extends Error {
  override name = "HistoryNotProvenError";
}

// ------------------------------------------------------------------------------------------------ identifiers

/** GS1 EPC URI escaping of a lot or serial (TDS: `"`, `%`, `&`, `/`, `<`, `>`, `?` are percent-encoded). */
export function epcEscape(text: string): string {
  return text.replace(/["%&/<>?]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** `urn:epc:class:lgtin:<company prefix>.<indicator><item reference>.<lot>` of a GTIN-14 and a lot. */
export function lgtinClass(gtin: bigint, prefixDigits: string, lot: string): string {
  const digits = formatGtin(gtin);
  if (!digits.startsWith(prefixDigits, 1)) {
    throw new Error(`GTIN ${digits} does not carry company prefix ${prefixDigits}`);
  }
  const itemReference = digits[0] + digits.slice(1 + prefixDigits.length, 13);
  return `urn:epc:class:lgtin:${prefixDigits}.${itemReference}.${epcEscape(lot)}`;
}

function glnParts(gln: bigint, prefixLength: number): [string, string] {
  const digits = gln.toString().padStart(13, "0");
  if (prefixLength < 6 || prefixLength > 12)
    throw new Error(`a company prefix has 6 to 12 digits, not ${prefixLength}`);
  return [digits.slice(0, prefixLength), digits.slice(prefixLength, 12)];
}

/** `urn:epc:id:sgln:<company prefix>.<location reference>.0` of a 13-digit GLN. */
export function sglnUri(gln: bigint, prefixLength: number): string {
  const [prefix, reference] = glnParts(gln, prefixLength);
  return `urn:epc:id:sgln:${prefix}.${reference}.0`;
}

/** `urn:epc:id:pgln:<company prefix>.<party reference>` of a 13-digit GLN naming a party. */
export function pglnUri(gln: bigint, prefixLength: number): string {
  const [prefix, reference] = glnParts(gln, prefixLength);
  return `urn:epc:id:pgln:${prefix}.${reference}`;
}

/** A UUID (version 5, RFC 9562) named by `name` in the URL namespace, as `urn:uuid:…`: the same name, the same id. */
export function uuidUrn(name: string): string {
  const namespace = Buffer.from("6ba7b8119dad11d180b400c04fd430c8", "hex");
  const bytes = createHash("sha1").update(namespace).update(name, "utf8").digest().subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x50;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString("hex");
  return `urn:uuid:${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** An account on an EVM chain as a URI (CAIP-10): `eip155:<chain id>:<address>`. */
export function accountUri(chainId: bigint, account: string): string {
  return `eip155:${chainId}:${ethers.getAddress(account)}`;
}

/** A Unix time as EPCIS writes it: ISO 8601 in UTC, to the second. */
export function epcisTime(seconds: number | bigint): string {
  return new Date(Number(seconds) * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** An ISO date (YYYY-MM-DD) of a Unix time, UTC. */
function isoDate(seconds: number | bigint): string {
  return epcisTime(seconds).slice(0, 10);
}

// ------------------------------------------------------------------------------------------------ the export

/** The standard fields in the order the EPCIS 2.0 examples write them; extension fields follow. */
const FIELD_ORDER = [
  "type",
  "eventID",
  "eventTime",
  "eventTimeZoneOffset",
  "errorDeclaration",
  "epcList",
  "quantityList",
  "inputQuantityList",
  "outputQuantityList",
  "action",
  "bizStep",
  "disposition",
  "readPoint",
  "bizLocation",
  "sourceList",
  "destinationList",
  "sensorElementList",
  "ilmd",
];

function ordered(event: EpcisEvent): EpcisEvent {
  const rank = (key: string) => (FIELD_ORDER.includes(key) ? FIELD_ORDER.indexOf(key) : FIELD_ORDER.length);
  const keys = Object.keys(event).sort((a, b) => rank(a) - rank(b));
  return Object.fromEntries(keys.map((key) => [key, event[key]])) as EpcisEvent;
}

const ext = (name: string) => `${MEDALLIANCE_PREFIX}:${name}` as const;
const coder = ethers.AbiCoder.defaultAbiCoder();
const hashOf = (types: string[], values: unknown[]) => ethers.keccak256(coder.encode(types, values));
const readingsInterface = FieldReadings__factory.createInterface();

type Shipment = IBatchLedger.ShipmentStructOutput;

/** The fields every event carries. */
interface EventBase {
  eventID: string;
  eventTime: string;
  eventTimeZoneOffset: string;
  [extension: string]: unknown;
}

/** What the export knows of one batch. */
interface BatchInfo {
  batchId: string;
  gtin: bigint;
  lot: string;
  epcClass: string;
  uom: string;
  makerOrgId: bigint;
  commissioned: LogDescription & { transactionHash: string; blockNumber: number; index: number };
  entries: HistoryEntry[];
}

/**
 * Exports the history of `batchId` (and, `withLineage`, of every batch it was made from) as an EPCIS 2.0 document.
 * Each history is rebuilt from the ledger's logs and proved against the head the ledger stores first; a history that
 * does not prove throws {@link HistoryNotProvenError} and nothing is exported.
 */
export async function exportBatchHistory(
  sources: EpcisSources,
  batchId: string,
  options: EpcisOptions = {},
): Promise<EpcisExport> {
  return new Exporter(sources, options).run(batchId);
}

class Exporter {
  private chainId = 0n;
  private readonly batches = new Map<string, BatchInfo>();
  private readonly prefixLengths = new Map<string, number>();
  private readonly sites = new Map<bigint, bigint | undefined>();
  private readonly orgOfAccount = new Map<string, bigint>();
  private readonly receipts = new Map<string, LogDescription[]>();
  private readonly shipments = new Map<string, Shipment>();

  constructor(
    private readonly sources: EpcisSources,
    private readonly options: EpcisOptions,
  ) {}

  async run(batchId: string): Promise<EpcisExport> {
    const provider = this.sources.ledger.runner?.provider;
    if (!provider) throw new Error("the ledger contract has no provider to read logs with");
    this.chainId = (await provider.getNetwork()).chainId;

    // The batches to export: the one asked for, then (with lineage) its inputs, breadth first.
    const order: string[] = [];
    const queue = [batchId.toLowerCase()];
    const exported: ExportedBatch[] = [];
    const visited = new Set<string>();
    while (queue.length > 0) {
      const id = queue.shift()!;
      if (visited.has(id)) continue;
      visited.add(id);
      const info = await this.loadOutput(id);
      const proof = await proveHistory(this.sources.ledger, id, info.entries);
      if (!proof.valid) {
        throw new HistoryNotProvenError(
          `the history of batch ${formatGtin(info.gtin)}/${info.lot} does not prove against the ledger's head: ${proof.problem}`,
        );
      }
      exported.push({
        batchId: id,
        gtin: formatGtin(info.gtin),
        lot: info.lot,
        epcClass: info.epcClass,
        records: info.entries.length,
        proof,
      });
      order.push(id);
      if (this.options.withLineage) {
        for (const input of info.commissioned.args.request.inputs) queue.push(String(input.batchId).toLowerCase());
      }
    }

    const events: { event: EpcisEvent; block: number; logIndex: number; sub: number }[] = [];
    const seen = new Set<string>();
    for (const id of order) {
      const info = this.batches.get(id)!;
      for (const [index, entry] of info.entries.entries()) {
        const event = await this.eventOf(info, entry, index);
        if (entry.kind === RecordKind.Correction) {
          // A correction names the record before it: that event carries the error declaration.
          const corrected = events.find(
            (e) => e.event[ext("batch")] === id && e.event[ext("recordIndex")] === index - 1,
          );
          if (corrected !== undefined) {
            corrected.event.errorDeclaration = {
              declarationTime: event.eventTime,
              reason: "incorrect_data",
              correctiveEventIDs: [event.eventID],
            };
          }
        }
        if (seen.has(event.eventID)) continue;
        seen.add(event.eventID);
        events.push({ event, block: entry.blockNumber, logIndex: entry.logIndex, sub: events.length });
      }
    }
    events.sort((a, b) => a.block - b.block || a.logIndex - b.logIndex || a.sub - b.sub);

    const document: EpcisDocument = {
      "@context": [EPCIS_CONTEXT, { [MEDALLIANCE_PREFIX]: MEDALLIANCE_NAMESPACE }],
      type: "EPCISDocument",
      schemaVersion: "2.0",
      creationDate: (this.options.creationDate ?? new Date()).toISOString(),
      epcisHeader: {
        epcisMasterData: {
          vocabularyList: [
            {
              type: "urn:epcglobal:epcis:vtype:EPCClass",
              vocabularyElementList: order.map((id) => this.lotMasterData(this.batches.get(id)!)),
            },
          ],
        },
        [ext("chain")]: `eip155:${this.chainId}`,
        [ext("ledger")]: accountUri(this.chainId, await this.sources.ledger.getAddress()),
        [ext("proofs")]: exported.map((b) => ({
          batch: b.batchId,
          head: b.proof.onChainHead,
          recordCount: b.proof.onChainCount,
          proven: b.proof.valid,
        })),
      },
      epcisBody: { eventList: events.map((e) => ordered(e.event)) },
    };
    return { document, batches: exported };
  }

  // ---------------------------------------------------------------------------------------------- loading

  private async loadBatch(batchId: string): Promise<BatchInfo> {
    const { ledger, catalog } = this.sources;
    const from = this.options.fromBlock ?? 0;
    const [commissioned] = await ledger.queryFilter(ledger.filters.BatchCommissioned(batchId), from);
    if (commissioned === undefined) throw new Error(`the ledger has no batch ${batchId}`);
    const request = commissioned.args.request;
    const gtin = BigInt(commissioned.args.gtin);
    const lot = ethers.decodeBytes32String(request.lot);
    const product = await catalog.product(gtin);
    const prefixDigits = await this.productPrefix(gtin);
    const uom = ethers.toUtf8String(ethers.getBytes(product.unitOfMeasure)).replace(/\0+$/, "");
    const entries = await fetchHistory(ledger, batchId, { fromBlock: from });
    for (const event of await ledger.queryFilter(ledger.filters.Shipped(undefined, batchId), from)) {
      this.shipments.set(event.args.shipmentId, event.args.shipment);
    }
    const info: BatchInfo = {
      batchId,
      gtin,
      lot,
      epcClass: lgtinClass(gtin, prefixDigits, lot),
      uom,
      makerOrgId: BigInt(commissioned.args.makerOrgId),
      commissioned: Object.assign(ledger.interface.parseLog(commissioned)!, {
        transactionHash: commissioned.transactionHash,
        blockNumber: commissioned.blockNumber,
        index: commissioned.index,
      }),
      entries,
    };
    this.batches.set(batchId, info);
    return info;
  }

  /** The company prefix (digits) of a GTIN: the one a member registered, else the default length. */
  private async productPrefix(gtin: bigint): Promise<string> {
    const digits = formatGtin(gtin).slice(1);
    return digits.slice(0, await this.prefixLengthOf(digits));
  }

  /** The company-prefix length of a GLN: a prefix some member registered, else the default length. */
  private async prefixLength(gln: bigint): Promise<number> {
    return this.prefixLengthOf(gln.toString().padStart(13, "0"));
  }

  /** The length of the registered company prefix `digits` (a key's digits, prefix first) begins with. */
  private async prefixLengthOf(digits: string): Promise<number> {
    for (const [prefix, length] of this.prefixLengths) if (digits.startsWith(prefix)) return length;
    for (let length = 6; length <= 12; length++) {
      const owner = await this.sources.registry.companyPrefixOwner(BigInt("1" + digits.slice(0, length)));
      if (owner !== 0n) {
        this.prefixLengths.set(digits.slice(0, length), length);
        return length;
      }
    }
    return DEFAULT_PREFIX_LENGTH;
  }

  private async sgln(gln: bigint | number | string): Promise<string> {
    return sglnUri(BigInt(gln), await this.prefixLength(BigInt(gln)));
  }

  /** An organisation's first registered site, the GLN that names it as a party. */
  private async siteOf(orgId: bigint): Promise<bigint | undefined> {
    if (!this.sites.has(orgId)) {
      const sites = await this.sources.registry.sitesOf(orgId);
      this.sites.set(orgId, sites.length > 0 ? BigInt(sites[0]) : undefined);
    }
    return this.sites.get(orgId);
  }

  private async party(orgId: bigint): Promise<string | undefined> {
    const site = await this.siteOf(orgId);
    return site === undefined ? undefined : pglnUri(site, await this.prefixLength(site));
  }

  private async actorOrg(account: string): Promise<bigint> {
    let orgId = this.orgOfAccount.get(account);
    if (orgId === undefined) {
      orgId = BigInt((await this.sources.registry.membershipOf(account))[0]);
      this.orgOfAccount.set(account, orgId);
    }
    return orgId;
  }

  /** The ledger's and the field-readings module's events of a transaction. */
  private async eventsOf(transactionHash: string): Promise<LogDescription[]> {
    let parsed = this.receipts.get(transactionHash);
    if (parsed === undefined) {
      const receipt = await this.sources.ledger.runner!.provider!.getTransactionReceipt(transactionHash);
      parsed = eventsIn(receipt?.logs ?? [], this.sources.ledger, [readingsInterface]);
      this.receipts.set(transactionHash, parsed);
    }
    return parsed;
  }

  // ---------------------------------------------------------------------------------------------- events

  private lotMasterData(info: BatchInfo): VocabularyElement {
    const request = info.commissioned.args.request;
    const attributes: { id: string; attribute: string | number }[] = [
      { id: "cbvmda:lotNumber", attribute: info.lot },
      { id: "cbvmda:itemExpirationDate", attribute: isoDate(request.expiresAt) },
      { id: ext("productionDate"), attribute: isoDate(request.producedAt) },
      { id: ext("batchId"), attribute: info.batchId },
      { id: ext("gtin"), attribute: formatGtin(info.gtin) },
    ];
    const maker = this.options.orgName?.(info.makerOrgId);
    if (maker !== undefined) attributes.push({ id: ext("maker"), attribute: maker });
    return { id: info.epcClass, attributes };
  }

  private quantity(info: BatchInfo, quantity?: bigint | number): QuantityElement[] {
    if (quantity === undefined) return [{ epcClass: info.epcClass }];
    return [{ epcClass: info.epcClass, quantity: Number(quantity), uom: info.uom }];
  }

  /** The fields every event of a record carries. */
  private async base(info: BatchInfo, entry: HistoryEntry, index: number, time?: bigint) {
    const orgId = await this.actorOrg(entry.actor);
    const common: EventBase = {
      eventID: uuidUrn(`${this.chainId}/${entry.transactionHash}/${entry.logIndex}`),
      eventTime: epcisTime(time ?? entry.timestamp),
      eventTimeZoneOffset: "+00:00",
      [ext("batch")]: info.batchId,
      [ext("record")]: RecordKind[entry.kind],
      [ext("recordIndex")]: index,
      [ext("dataHash")]: entry.dataHash,
      [ext("actor")]: accountUri(this.chainId, entry.actor),
      [ext("transaction")]: entry.transactionHash,
      [ext("block")]: entry.blockNumber,
    };
    const name = orgId === 0n ? undefined : this.options.orgName?.(orgId);
    if (name !== undefined) common[ext("organisation")] = name;
    return common;
  }

  private async eventOf(info: BatchInfo, entry: HistoryEntry, index: number): Promise<EpcisEvent> {
    const K = RecordKind;
    const base = await this.base(info, entry, index);
    const object = (fields: Partial<EpcisEvent>): EpcisEvent =>
      ({ type: "ObjectEvent", action: "OBSERVE", ...base, quantityList: this.quantity(info), ...fields }) as EpcisEvent;
    const events = await this.eventsOf(entry.transactionHash);
    const meaning = decodeRecord(info.batchId, entry, events);
    const orgId = await this.actorOrg(entry.actor);

    switch (entry.kind) {
      case K.Commissioned:
        return this.commissioning(info, base);
      case K.ConsumedAsInput: {
        if (meaning.outputBatchId === undefined) return object({});
        const output = await this.loadOutput(meaning.outputBatchId.toLowerCase());
        return this.commissioning(output, await this.base(output, output.entries[0], 0));
      }
      case K.InspectionPassed:
        return object({ bizStep: "inspecting", disposition: "conformant", ...(await this.makerSite(info, orgId)) });
      case K.InspectionFailed:
        return object({
          bizStep: "inspecting",
          disposition: "non_sellable_other",
          ...(await this.makerSite(info, orgId)),
        });
      case K.Released:
        return object({ bizStep: "inspecting", disposition: "sellable_accessible" });
      case K.Blocked:
        return object({ bizStep: "holding", disposition: "non_sellable_other" });
      case K.Unblocked:
        return object({ bizStep: "holding", disposition: "sellable_accessible" });
      case K.Recalled:
        return object({
          bizStep: "holding",
          disposition: "recalled",
          ...(meaning.recallClass === undefined ? {} : { [ext("recallClass")]: meaning.recallClass }),
        });
      case K.SerialsCommitted:
        return object({ bizStep: "creating_class_instance", ...(await this.makerSite(info, orgId)) });
      case K.Note:
      case K.Correction:
        return object({});
      case K.Shipped: {
        const s = this.shipments.get(entry.dataHash);
        if (s === undefined) return object({ bizStep: "shipping", disposition: "in_transit" });
        const isReturn = BigInt(s.toOrgId) === info.makerOrgId && BigInt(s.fromOrgId) !== info.makerOrgId;
        return object({
          bizStep: "shipping",
          disposition: isReturn ? "returned" : "in_transit",
          quantityList: this.quantity(info, s.quantity),
          readPoint: { id: await this.sgln(s.fromGln) },
          ...(await this.route(s)),
          [ext("shipment")]: entry.dataHash,
          [ext("carrier")]: this.options.orgName?.(BigInt(s.carrierOrgId)) ?? Number(s.carrierOrgId),
        });
      }
      case K.PickedUp:
      case K.Delivered: {
        const s = this.shipments.get(entry.dataHash);
        const pickedUp = entry.kind === K.PickedUp;
        return object({
          bizStep: pickedUp ? "departing" : "arriving",
          disposition: "in_transit",
          ...(s === undefined
            ? {}
            : {
                quantityList: this.quantity(info, s.quantity),
                readPoint: { id: await this.sgln(pickedUp ? s.fromGln : s.toGln) },
                ...(await this.route(s)),
              }),
          [ext("shipment")]: entry.dataHash,
        });
      }
      case K.Received: {
        const { shipmentId, quantity, goodCondition } = meaning;
        if (shipmentId === undefined || quantity === undefined) {
          return object({ bizStep: "receiving", disposition: "in_progress" });
        }
        const s = this.shipments.get(shipmentId);
        const lost = s === undefined ? 0n : BigInt(s.quantity) - quantity;
        return object({
          bizStep: "receiving",
          disposition: goodCondition ? "in_progress" : "damaged",
          quantityList: this.quantity(info, quantity),
          ...(s === undefined ? {} : await this.arrival(s)),
          [ext("shipment")]: shipmentId,
          ...(lost > 0n ? { [ext("lostInTransit")]: Number(lost) } : {}),
        });
      }
      case K.Refused: {
        const s = meaning.shipmentId === undefined ? undefined : this.shipments.get(meaning.shipmentId);
        const arrival =
          s === undefined
            ? {}
            : {
                quantityList: this.quantity(info, s.quantity),
                ...(await this.arrival(s)),
                [ext("shipment")]: meaning.shipmentId,
              };
        return object({ bizStep: "receiving", disposition: "returned", ...arrival, [ext("refused")]: true });
      }
      case K.Returned:
      case K.Reclaimed: {
        const s = this.shipments.get(entry.dataHash);
        return object({
          bizStep: "receiving",
          disposition: "in_progress",
          ...(s === undefined
            ? {}
            : {
                quantityList: this.quantity(info, s.quantity),
                readPoint: { id: await this.sgln(s.fromGln) },
                bizLocation: { id: await this.sgln(s.fromGln) },
              }),
          [ext("shipment")]: entry.dataHash,
        });
      }
      case K.Settled: {
        const { shipmentId, quantity } = meaning;
        const s = shipmentId === undefined ? undefined : this.shipments.get(shipmentId);
        return object({
          bizStep: "receiving",
          disposition: "in_progress",
          ...(quantity === undefined ? {} : { quantityList: this.quantity(info, quantity) }),
          ...(s === undefined ? {} : await this.arrival(s)),
          ...(shipmentId === undefined ? {} : { [ext("shipment")]: shipmentId, [ext("settled")]: true }),
        });
      }
      case K.Dispensed:
      case K.Destroyed: {
        const dispensed = entry.kind === K.Dispensed;
        const site = meaning.orgId === undefined ? undefined : await this.siteOf(BigInt(meaning.orgId));
        const location = site === undefined ? {} : { id: await this.sgln(site) };
        return object({
          bizStep: dispensed ? "dispensing" : "destroying",
          disposition: dispensed ? "dispensed" : "destroyed",
          ...(meaning.quantity === undefined ? {} : { quantityList: this.quantity(info, meaning.quantity) }),
          ...(site === undefined
            ? {}
            : { readPoint: location as { id: string }, bizLocation: location as { id: string } }),
        });
      }
      case K.Reading:
        return this.readingEvent(info, entry, index, events);
      case K.Held: {
        for (const reading of this.readingsIn(events)) {
          const s = this.shipments.get(reading.shipmentId);
          if (s === undefined) continue;
          if (hashOf(["bytes32", "bytes32"], [reading.shipmentId, reading.hash]) !== entry.dataHash) continue;
          return object({
            bizStep: "holding",
            disposition: "non_sellable_other",
            quantityList: this.quantity(info, s.quantity),
            sensorElementList: [this.sensorElement(reading.reading, reading.device, true)],
            [ext("shipment")]: reading.shipmentId,
          });
        }
        return object({ bizStep: "holding", disposition: "non_sellable_other" });
      }
      case K.HoldCleared: {
        const shipmentId = meaning.shipmentId;
        const s = shipmentId === undefined ? undefined : this.shipments.get(shipmentId);
        return object({
          bizStep: "inspecting",
          disposition: meaning.destroyed ? "destroyed" : "in_transit",
          ...(s === undefined ? {} : { quantityList: this.quantity(info, s.quantity) }),
          ...(shipmentId === undefined ? {} : { [ext("shipment")]: shipmentId }),
        });
      }
      default:
        return object({});
    }
  }

  /** Commissioning: an ObjectEvent ADD of the new lot, or a TransformationEvent when it was made from input batches. */
  private async commissioning(info: BatchInfo, base: EventBase): Promise<EpcisEvent> {
    const c = info.commissioned;
    const request = c.args.request;
    const site = { id: await this.sgln(c.args.gln) };
    const ilmd = {
      "cbvmda:lotNumber": info.lot,
      "cbvmda:itemExpirationDate": isoDate(request.expiresAt),
      [ext("productionDate")]: isoDate(request.producedAt),
    };
    const common = {
      ...base,
      eventID: uuidUrn(`${this.chainId}/${c.transactionHash}/${c.index}`),
      bizStep: "commissioning" as const,
      disposition: "active" as const,
      readPoint: site,
      bizLocation: site,
      ilmd,
      [ext("transaction")]: c.transactionHash,
      [ext("batch")]: info.batchId,
      [ext("document")]: request.docURI,
    };
    if (request.inputs.length === 0) {
      return {
        type: "ObjectEvent",
        action: "ADD",
        ...common,
        quantityList: this.quantity(info, request.quantity),
      } as EpcisEvent;
    }
    const inputQuantityList: QuantityElement[] = [];
    for (const input of request.inputs) {
      const inputInfo = await this.loadOutput(String(input.batchId).toLowerCase());
      inputQuantityList.push(...this.quantity(inputInfo, input.quantity));
    }
    return {
      type: "TransformationEvent",
      ...common,
      inputQuantityList,
      outputQuantityList: this.quantity(info, request.quantity),
    } as EpcisEvent;
  }

  /** A batch's info, loading it (without proving: proofs are for the batches exported) when not yet known. */
  private async loadOutput(batchId: string): Promise<BatchInfo> {
    return this.batches.get(batchId) ?? (await this.loadBatch(batchId));
  }

  private async route(s: Shipment) {
    const from = await this.party(BigInt(s.fromOrgId));
    const to = await this.party(BigInt(s.toOrgId));
    return {
      sourceList: [
        ...(from === undefined ? [] : [{ type: "owning_party" as const, source: from }]),
        { type: "location" as const, source: await this.sgln(s.fromGln) },
      ],
      destinationList: [
        ...(to === undefined ? [] : [{ type: "owning_party" as const, destination: to }]),
        { type: "location" as const, destination: await this.sgln(s.toGln) },
      ],
    };
  }

  private async arrival(s: Shipment) {
    const site = { id: await this.sgln(s.toGln) };
    return { readPoint: site, bizLocation: site, ...(await this.route(s)) };
  }

  /** The maker's commissioning site, for records the maker's own accounts wrote (inspections, serials). */
  private async makerSite(info: BatchInfo, actorOrgId: bigint) {
    if (actorOrgId !== info.makerOrgId) return {};
    return { readPoint: { id: await this.sgln(info.commissioned.args.gln) } };
  }

  /** The readings a transaction's field-readings module accepted, with their struct hashes. */
  private readingsIn(events: LogDescription[]) {
    return events
      .filter((e) => e.name === "ReadingAccepted")
      .map((e) => {
        const reading = readingFromEvent(e.args.shipmentId, e.args.fields);
        return {
          shipmentId: e.args.shipmentId as string,
          device: e.args.device as string,
          reading,
          hash: readingHash(reading),
        };
      });
  }

  private async readingEvent(
    info: BatchInfo,
    entry: HistoryEntry,
    index: number,
    events: LogDescription[],
  ): Promise<EpcisEvent> {
    const found = this.readingsIn(events).find((r) => r.hash === entry.dataHash);
    const base = await this.base(info, entry, index, found?.reading.timestamp);
    const event = { type: "ObjectEvent", action: "OBSERVE", ...base, quantityList: this.quantity(info) } as EpcisEvent;
    if (found === undefined) return event;
    const s = this.shipments.get(found.shipmentId);
    if (s !== undefined) event.quantityList = this.quantity(info, s.quantity);
    event[ext("shipment")] = found.shipmentId;
    if (found.reading.kind === ReadingKind.Scan) {
      const site = { id: await this.sgln(found.reading.value) };
      return { ...event, bizStep: "arriving", readPoint: site, [ext("reading")]: "Scan" };
    }
    return {
      ...event,
      bizStep: "sensor_reporting",
      sensorElementList: [this.sensorElement(found.reading, found.device)],
    };
  }

  /** A field reading as an EPCIS sensor element; `alarm` marks the reading that caused an excursion hold. */
  private sensorElement(reading: Reading, device: string, alarm = false): SensorElement {
    const time = epcisTime(reading.timestamp);
    const deviceID = accountUri(this.chainId, device);
    let report: SensorReport;
    switch (reading.kind) {
      case ReadingKind.Temperature:
        report = { type: "Temperature", value: Number(reading.value) / 10, uom: "CEL" };
        break;
      case ReadingKind.Humidity:
        report = { type: "RelativeHumidity", value: Number(reading.value) / 10, uom: "P1" };
        break;
      case ReadingKind.Location:
        report = { type: ext("Geohash"), stringValue: geohashOf(reading.value) };
        break;
      default:
        report = { type: ext(ReadingKind[reading.kind] ?? "Reading"), stringValue: reading.value.toString() };
    }
    if (alarm) report.exception = "ALARM_CONDITION";
    return { sensorMetadata: { time, deviceID }, sensorReport: [{ ...report, time, deviceID }] };
  }
}
