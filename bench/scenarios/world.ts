/**
 * The set-up the benchmark scenarios share: an alliance with one regulator, its members and their sites, the surgical
 * mask product, batches commissioned and inspected, shipments carried and received. Nothing here is measured; it only
 * builds the state the scenarios measure on, with the same transactions (and the same names, lots and documents) each
 * scenario sent when it built that state itself, so the figures do not depend on which helper built it.
 */
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { Signer } from "ethers";
import type { AllianceRegistry, BatchLedger, ProductCatalog } from "../../typechain-types";
import type { IBatchLedger } from "../../typechain-types/contracts/trace/BatchLedger";
import { BusinessRole, documentHash } from "../../scripts/lib/alliance";
import { DAY, YEAR, admit, deployAlliance } from "../../scripts/lib/formation";
import { companyPrefix, gln, gtin } from "../../scripts/lib/gs1";
import {
  Category,
  type CommissionRequest,
  RecordKind,
  type Shipment,
  type ShipmentOrder,
  approveProduct,
  commission,
  lot,
  productSpec,
  ship,
} from "../../scripts/lib/trace";

/** Northwind's GS1 company prefix: the maker of the surgical mask (and, in some scenarios, of other products). */
export const NORTHWIND_PREFIX = companyPrefix("6901234");

/** The surgical mask most scenarios trade: protective equipment, approved with a 14-day hold. */
export const MASK = gtin("0690123400027");
export const MASK_HOLD = 14n * DAY;

/** An alliance as the scenarios set it up: its registry, the regulator that admits members, their licence expiry. */
export interface BenchAlliance {
  registry: AllianceRegistry;
  regulator: Signer;
  licenceExpiry: bigint;
}

/** Deploys an alliance governed by `governor` with `regulator` its only regulator (quorum 1, no guardians). */
export async function benchAlliance(governor: Signer, regulator: Signer): Promise<BenchAlliance> {
  const registry = await deployAlliance({ governor, regulators: [regulator], guardians: [], quorum: 1 });
  const licenceExpiry = BigInt(await time.latest()) + 5n * YEAR;
  return { registry, regulator, licenceExpiry };
}

export interface MemberOptions {
  /** GS1 company prefixes the organisation is admitted with (none unless given). */
  prefixes?: bigint[];
  /** The GLN (12 digits, without check digit) of a site to register once admitted. */
  site?: string;
  /** The site's name; `<name> site` unless given. */
  siteName?: string;
}

/** Admits `admin`'s organisation `name` in `role` (the regulator approves), registers its site if any; its org id. */
export async function member(
  alliance: BenchAlliance,
  admin: Signer,
  name: string,
  role: BusinessRole,
  options: MemberOptions = {},
): Promise<bigint> {
  const { registry, regulator, licenceExpiry } = alliance;
  const companyPrefixes = options.prefixes ?? [];
  const { orgId } = await admit(registry, admin, { name, role, companyPrefixes, licenceExpiry }, [regulator]);
  if (options.site !== undefined) {
    await (await registry.connect(admin).registerSite(gln(options.site), options.siteName ?? `${name} site`)).wait();
  }
  return orgId;
}

/** Admits Northwind Masks (`maker`), the mask manufacturer, with its company prefix and its plant; its org id. */
export async function northwindMasks(alliance: BenchAlliance, maker: Signer, plantName?: string): Promise<bigint> {
  const options = { prefixes: [NORTHWIND_PREFIX], site: "690123400001", siteName: plantName };
  return member(alliance, maker, "Northwind Masks", BusinessRole.Manufacturer, options);
}

/** Northwind proposes the surgical mask and the regulator approves it with its 14-day hold. */
export async function approveMask(catalog: ProductCatalog, maker: Signer, regulator: Signer): Promise<void> {
  await approveProduct(
    catalog,
    maker,
    regulator,
    productSpec(MASK, NORTHWIND_PREFIX, Category.ProtectiveEquipment),
    MASK_HOLD,
  );
}

export interface BatchOptions {
  /** Units made; a million unless given. */
  quantity?: bigint;
  /** The text whose hash is the batch record; `batch <lot>` unless given. */
  record?: string;
  /** Where the batch record lives; `ipfs://batch/<lot>` unless given. */
  uri?: string;
  /** Batches consumed as inputs; none unless given. */
  inputs?: CommissionRequest["inputs"];
}

/** A commissioning request at the maker's first site, produced at `producedAt` and expiring three years later. */
export function batchRequest(
  code: bigint,
  lotText: string,
  producedAt: bigint,
  options: BatchOptions = {},
): CommissionRequest {
  return {
    gtin: code,
    lot: lot(lotText),
    quantity: options.quantity ?? 1_000_000n,
    producedAt,
    expiresAt: producedAt + 3n * YEAR,
    site: 0,
    docHash: documentHash(options.record ?? `batch ${lotText}`),
    docURI: options.uri ?? `ipfs://batch/${lotText}`,
    inputs: options.inputs ?? [],
  };
}

/** The record of a passed quality inspection of `batchId`, its report being `report`. */
export function inspectionPassed(batchId: string, report: string): IBatchLedger.RecordRequestStruct {
  return { batchId, kind: RecordKind.InspectionPassed, dataHash: documentHash(report) };
}

/** The maker commissions `request` and records its passed inspection (`report`); the batch id. Still on hold. */
export async function inspectedBatch(
  ledger: BatchLedger,
  maker: Signer,
  request: CommissionRequest,
  report: string,
): Promise<string> {
  const batchId = await commission(ledger, maker, request);
  await (await ledger.connect(maker).record(inspectionPassed(batchId, report))).wait();
  return batchId;
}

/**
 * `count` inspected batches of `code`, lots `<lotPrefix>0`, `<lotPrefix>1`, … (a million units each, batch record
 * `batch <i>` at `ipfs://batch/<i>`, inspection report `QA <i>`). Still on hold.
 */
export async function inspectedBatches(
  ledger: BatchLedger,
  maker: Signer,
  code: bigint,
  lotPrefix: string,
  count: number,
  producedAt: bigint,
): Promise<string[]> {
  const batches: string[] = [];
  for (let i = 0; i < count; i++) {
    const request = batchRequest(code, `${lotPrefix}${i}`, producedAt, {
      record: `batch ${i}`,
      uri: `ipfs://batch/${i}`,
    });
    batches.push(await inspectedBatch(ledger, maker, request, `QA ${i}`));
  }
  return batches;
}

/** One mask batch, produced now, inspected (`report`) and released: the 14-day hold is waited out. Its batch id. */
export async function releasedMaskBatch(
  ledger: BatchLedger,
  maker: Signer,
  lotText: string,
  options: BatchOptions & { report: string },
): Promise<string> {
  const now = BigInt(await time.latest());
  const batchId = await inspectedBatch(ledger, maker, batchRequest(MASK, lotText, now, options), options.report);
  await time.increase(MASK_HOLD);
  return batchId;
}

/** How a shipment reaches its recipient: straight, or through the carrier (picking up and, with `delivers`, delivering). */
export interface Carriage {
  carrier: Signer;
  delivers: boolean;
}

/** `sender` ships `order`; the carrier (if any) carries it; `recipient` receives all of it in good order. */
export async function shipAndReceive(
  ledger: BatchLedger,
  sender: Signer,
  recipient: Signer,
  order: ShipmentOrder,
  carriage?: Carriage,
): Promise<Shipment> {
  const { shipment } = await ship(ledger, sender, order);
  if (carriage !== undefined) {
    await (await ledger.connect(carriage.carrier).pickUp(shipment)).wait();
    if (carriage.delivers) await (await ledger.connect(carriage.carrier).deliver(shipment)).wait();
  }
  await (await ledger.connect(recipient).receiveShipment(shipment, order.quantity, true)).wait();
  return shipment;
}
