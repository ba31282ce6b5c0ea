/**
 * The typed fixture of the traceability suites (ProductCatalog, BatchLedger), built on `allianceFixture`, and the
 * small oracles those suites share: request builders, the history hash chain computed off chain, record readers.
 *
 * The oracles here are deliberately written from DESIGN "History" and the NatSpec of `RecordKind`, not taken from
 * scripts/lib/history.ts: that library is itself a product that rebuilds histories, so the tests do not lean on it.
 */
import { expect } from "chai";
import { artifacts, ethers } from "hardhat";
import { setStorageAt, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { ContractTransactionReceipt, ContractTransactionResponse } from "ethers";
import type { BatchLedger, RecordRelay } from "../../typechain-types";
import { BusinessRole, documentHash, roleMask } from "../../scripts/lib/alliance";
import { DAY, YEAR, admit } from "../../scripts/lib/formation";
import { companyPrefix, gln, gtin } from "../../scripts/lib/gs1";
import {
  Category,
  DEFAULT_CORRECTION_WINDOW,
  DEFAULT_HOLD_FLOORS,
  DeviceClass,
  RecordKind,
  type CommissionRequest,
  type HistoryRecord,
  type ProductSpec,
  approveProduct,
  commission,
  deployTrace,
  lot,
  unit,
} from "../../scripts/lib/trace";
import { PREFIX_MAKER, SITE_MAKER, allianceFixture } from "./fixtures";

// ------------------------------------------------------------------------------------------------ constants

/** `Roles.MAKERS`: the mask products and batches are gated to. */
export const MAKERS = roleMask(BusinessRole.Supplier, BusinessRole.Manufacturer);
/** `Roles.HOLDERS`: the mask the ledger reports when someone who is neither a member nor a regulator records. */
export const HOLDERS = roleMask(
  BusinessRole.Supplier,
  BusinessRole.Manufacturer,
  BusinessRole.Logistics,
  BusinessRole.Distributor,
  BusinessRole.Hospital,
  BusinessRole.Retailer,
  BusinessRole.Agency,
);

/** A second maker: a raw-material and consumables supplier with its own prefix and site. */
export const PREFIX_SUPPLIER = companyPrefix("4012345");
export const SITE_SUPPLIER = gln("401234500001");

/** Northwind's products (indicator 0, prefix 0614141, item reference). */
export const FABRIC = gtin("0061414100001"); // meltblown fabric, raw material, approved (2-day hold)
export const MASK = gtin("0061414100002"); // surgical mask, protective equipment, approved (14-day hold)
export const GOWN = gtin("0061414100003"); // free: never proposed in the fixture
/** The supplier's approved product (consumable, 3-day hold). */
export const GLOVE = gtin("0401234500001");

export const FABRIC_HOLD = 2n * DAY;
export const MASK_HOLD = 14n * DAY;
export const GLOVE_HOLD = 3n * DAY;

/** Hashes of documents the suites pass around. */
export const REPORT = documentHash("QA report: bacterial filtration efficiency 99.2 %");
export const FAILED_REPORT = documentHash("QA report: bacterial filtration efficiency 91.0 %, below EN 14683");
export const NOTE = documentHash("note: storage room humidity logged");
export const REASONS = documentHash("regulator's written reasons");

const coder = ethers.AbiCoder.defaultAbiCoder();

// ------------------------------------------------------------------------------------------------ builders

/** A product specification under Northwind's prefix; override any field. */
export function productSpec(code: bigint, category: Category, overrides: Partial<ProductSpec> = {}): ProductSpec {
  return {
    gtin: code,
    companyPrefix: PREFIX_MAKER,
    category,
    deviceClass: DeviceClass.None,
    unitOfMeasure: unit(category === Category.RawMaterial ? "MTR" : "EA"),
    packSize: category === Category.RawMaterial ? 1000 : 50,
    minTemperature: -200, // -20.0 °C
    maxTemperature: 400, // 40.0 °C
    proposedHoldPeriod: 14n * DAY,
    specHash: documentHash(`specification of GTIN ${code}`),
    specURI: `ipfs://specs/${code}`,
    ...overrides,
  };
}

/**
 * A commission request for `code` with lot `lotText`, produced a day ago, expiring in two years (after the makers'
 * licences, so time travel within a year never expires the batch), at site 0, with no inputs; override any field.
 */
export async function batchRequest(
  code: bigint,
  lotText: string,
  overrides: Partial<CommissionRequest> = {},
): Promise<CommissionRequest> {
  const now = BigInt(await time.latest());
  return {
    gtin: code,
    lot: lot(lotText),
    quantity: 10_000n,
    producedAt: now - DAY,
    expiresAt: now + 2n * YEAR,
    site: 0n,
    docHash: documentHash(`batch record ${lotText}`),
    docURI: `ipfs://batch-records/${lotText}`,
    inputs: [],
    ...overrides,
  };
}

/** A record request. */
export function recordRequest(batchId: string, kind: RecordKind, dataHash: string) {
  return { batchId, kind, dataHash };
}

export const passed = (batchId: string, report = REPORT) => recordRequest(batchId, RecordKind.InspectionPassed, report);
export const failed = (batchId: string, report = FAILED_REPORT) =>
  recordRequest(batchId, RecordKind.InspectionFailed, report);
export const note = (batchId: string, text = "note") => recordRequest(batchId, RecordKind.Note, documentHash(text));

// ------------------------------------------------------------------------------------------------ oracles

/** DESIGN "History": head = keccak256(abi.encode(prevHead, kind, actor, timestamp, dataHash)). */
export function chain(prevHead: string, kind: RecordKind, actor: string, timestamp: bigint, dataHash: string): string {
  return ethers.keccak256(
    coder.encode(["bytes32", "uint8", "address", "uint64", "bytes32"], [prevHead, kind, actor, timestamp, dataHash]),
  );
}

/** The head of a history whose records are `records`, from zero. */
export function headOf(records: { kind: RecordKind; actor: string; timestamp: bigint; dataHash: string }[]): string {
  return records.reduce((head, r) => chain(head, r.kind, r.actor, r.timestamp, r.dataHash), ethers.ZeroHash);
}

/** The Commissioned record's data hash (RecordKind NatSpec). */
export function commissionDataHash(request: CommissionRequest, siteGln: bigint): string {
  return ethers.keccak256(
    coder.encode(
      ["uint64", "bytes32", "uint256", "uint40", "uint40", "uint64", "bytes32", "tuple(bytes32,uint256)[]"],
      [
        request.gtin,
        request.lot,
        request.quantity,
        request.producedAt,
        request.expiresAt,
        siteGln,
        request.docHash,
        request.inputs.map((input) => [input.batchId, input.quantity]),
      ],
    ),
  );
}

/** The ConsumedAsInput record's data hash on the input batch. */
export function consumedDataHash(outputBatchId: string, quantity: bigint): string {
  return ethers.keccak256(coder.encode(["bytes32", "uint256"], [outputBatchId, quantity]));
}

/** The Correction record's data hash. */
export function correctionDataHash(correctedHead: string, reasonHash: string): string {
  return ethers.keccak256(coder.encode(["bytes32", "bytes32"], [correctedHead, reasonHash]));
}

/** The request as the BatchCommissioned event decodes it (ethers decodes structs as arrays). */
export function requestAsEventArg(request: CommissionRequest): unknown[] {
  return [
    request.gtin,
    request.lot,
    request.quantity,
    request.producedAt,
    request.expiresAt,
    request.site,
    request.docHash,
    request.docURI,
    request.inputs.map((input) => [input.batchId, input.quantity]),
  ];
}

// ------------------------------------------------------------------------------------------------ readers

/** One history record with its hash fields, as a `correct` call takes it. */
export interface EmittedRecord {
  prevHead: string;
  kind: RecordKind;
  actor: string;
  timestamp: bigint;
  dataHash: string;
}

/** A batch's history records, in order, read from the ledger's Recorded logs. */
export async function recordsOf(ledger: BatchLedger, batchId: string): Promise<EmittedRecord[]> {
  const logs = await ledger.queryFilter(ledger.filters.Recorded(batchId));
  return logs.map((log) => ({
    prevHead: log.args.prevHead,
    kind: Number(log.args.kind) as RecordKind,
    actor: log.args.actor,
    timestamp: log.args.timestamp,
    dataHash: log.args.dataHash,
  }));
}

/** The batch's last record, as `correct` takes it. */
export async function lastRecordOf(ledger: BatchLedger, batchId: string): Promise<HistoryRecord & EmittedRecord> {
  const records = await recordsOf(ledger, batchId);
  return records[records.length - 1];
}

/** The timestamp of the block a transaction was mined in. */
export async function timestampOf(
  tx: ContractTransactionResponse | ContractTransactionReceipt | null,
): Promise<bigint> {
  const receipt = tx && "wait" in tx ? await tx.wait() : tx;
  const block = await ethers.provider.getBlock(receipt!.blockNumber);
  return BigInt(block!.timestamp);
}

/**
 * Sends `send()` and asserts it appended exactly one record to `batchId`'s history: the Recorded event with the
 * previous head, `kind`, `actor`, the block's timestamp and `dataHash`, and the new head and count read back.
 */
export async function expectRecorded(
  ledger: BatchLedger,
  send: () => Promise<ContractTransactionResponse>,
  batchId: string,
  actor: string,
  kind: RecordKind,
  dataHash: string,
): Promise<ContractTransactionResponse> {
  const [prevHead, count] = await ledger.historyOf(batchId);
  const tx = await send();
  const timestamp = await timestampOf(tx);
  await expect(tx).to.emit(ledger, "Recorded").withArgs(batchId, actor, prevHead, kind, timestamp, dataHash);
  expect(await ledger.historyOf(batchId)).to.deep.equal([
    chain(prevHead, kind, actor, timestamp, dataHash),
    count + 1n,
  ]);
  return tx;
}

// ------------------------------------------------------------------------------------------------ custody stand-in

let holdingsSlot: bigint | undefined;

/** The storage slot of `BatchLedger._holdings`, read from the compiler's storage layout. */
async function holdingsMappingSlot(): Promise<bigint> {
  if (holdingsSlot === undefined) {
    const info = await artifacts.getBuildInfo("contracts/trace/BatchLedger.sol:BatchLedger");
    const layout = (
      info?.output.contracts["contracts/trace/BatchLedger.sol"]?.BatchLedger as {
        storageLayout?: { storage: { label: string; slot: string }[] };
      }
    )?.storageLayout;
    const entry = layout?.storage.find((s) => s.label === "_holdings");
    holdingsSlot = BigInt(entry?.slot ?? 2); // 2 when the layout is not in the build output (coverage builds)
  }
  return holdingsSlot;
}

/**
 * Gives `orgId` a holding of `quantity` of a batch it did not make, as a received shipment would.
 *
 * The ledger keeps every non-maker holding in `_holdings[batchId][orgId]` and nothing else writes it until shipping
 * lands, so the suites plant it in storage to exercise what holders may do (notes, but not inspections) and how a
 * non-maker's holding is consumed. The planted value is read back through `holdingOf` to prove the slot is right.
 */
export async function seedHolding(ledger: BatchLedger, batchId: string, orgId: bigint, quantity: bigint) {
  const outer = ethers.keccak256(coder.encode(["bytes32", "uint256"], [batchId, await holdingsMappingSlot()]));
  const slot = ethers.keccak256(coder.encode(["uint32", "bytes32"], [orgId, outer]));
  await setStorageAt(await ledger.getAddress(), slot, quantity);
  const readBack = await ledger.holdingOf(batchId, orgId);
  if (readBack !== quantity) throw new Error(`seedHolding: wrote ${quantity}, holdingOf reads ${readBack}`);
}

// ------------------------------------------------------------------------------------------------ fixtures

/**
 * The alliance fixture plus the traceability stack: catalog and ledger (default hold floors and correction window),
 * a test ledger module (not registered), Northwind (the manufacturer) with site 0 and approved fabric and mask, and a
 * second maker (a supplier with its own prefix, site and approved gloves).
 */
export async function traceFixture() {
  const f = await allianceFixture();
  const { registry, governor, maker, regulatorA, regulatorB } = f;
  const supplier = f.others[f.others.length - 1];
  const freeAccounts = f.others.slice(0, -1);

  const supplierOrg = await admit(
    registry,
    supplier,
    {
      name: "Meltblown Supplies",
      role: BusinessRole.Supplier,
      companyPrefixes: [PREFIX_SUPPLIER],
      licenceExpiry: f.licenceExpiry,
    },
    [regulatorA, regulatorB],
  );
  await (await registry.connect(maker).registerSite(SITE_MAKER, "Northwind mask plant")).wait();
  await (await registry.connect(supplier).registerSite(SITE_SUPPLIER, "Meltblown line 1")).wait();

  const { catalog, ledger } = await deployTrace(registry, governor);
  const relay: RecordRelay = await (await ethers.getContractFactory("RecordRelay")).deploy(await ledger.getAddress());

  const fabricSpec = productSpec(FABRIC, Category.RawMaterial, { proposedHoldPeriod: FABRIC_HOLD });
  const maskSpec = productSpec(MASK, Category.ProtectiveEquipment, { proposedHoldPeriod: MASK_HOLD });
  const gloveSpec = productSpec(GLOVE, Category.Consumable, {
    companyPrefix: PREFIX_SUPPLIER,
    proposedHoldPeriod: GLOVE_HOLD,
  });
  await approveProduct(catalog, maker, regulatorA, fabricSpec, FABRIC_HOLD);
  await approveProduct(catalog, maker, regulatorA, maskSpec, MASK_HOLD);
  await approveProduct(catalog, supplier, regulatorA, gloveSpec, GLOVE_HOLD);

  return {
    ...f,
    catalog,
    ledger,
    relay,
    supplier,
    supplierOrgId: supplierOrg.orgId,
    freeAccounts: freeAccounts as HardhatEthersSigner[],
    fabricSpec,
    maskSpec,
    gloveSpec,
    holdFloors: DEFAULT_HOLD_FLOORS,
    correctionWindow: DEFAULT_CORRECTION_WINDOW,
  };
}

export type TraceFixture = Awaited<ReturnType<typeof traceFixture>>;

/**
 * `traceFixture` plus a mask batch (lot "MK-0001", 10,000 masks) just commissioned by Northwind: on hold for 14 days,
 * with its request and commissioning time.
 */
export async function maskBatchFixture() {
  const f = await traceFixture();
  const maskRequest = await batchRequest(MASK, "MK-0001");
  const tx = await f.ledger.connect(f.maker).commission(maskRequest);
  const commissionedAt = await timestampOf(tx);
  return { ...f, maskRequest, maskId: await commissionOf(f.ledger, tx), commissionedAt };
}

export type MaskBatchFixture = Awaited<ReturnType<typeof maskBatchFixture>>;

/**
 * `traceFixture` plus a meltblown-fabric batch (lot "MB-0001", 10,000 m) that Northwind commissioned, inspected
 * (passed) and held past its 2-day hold: Released, in Northwind's holding, usable as an input.
 */
export async function releasedFabricFixture() {
  const f = await traceFixture();
  const fabricId = await releasedBatch(f, FABRIC, "MB-0001");
  return { ...f, fabricId };
}

export type ReleasedFabricFixture = Awaited<ReturnType<typeof releasedFabricFixture>>;

/** The id of the batch a mined `commission` transaction created (its BatchCommissioned log). */
async function commissionOf(ledger: BatchLedger, tx: ContractTransactionResponse): Promise<string> {
  const receipt = await tx.wait();
  for (const log of receipt!.logs) {
    const parsed = ledger.interface.parseLog(log);
    if (parsed?.name === "BatchCommissioned") return parsed.args.batchId as string;
  }
  throw new Error("no BatchCommissioned log");
}

/** Commissions a batch of `code` by its maker, records a passed inspection, and waits out the hold: Released. */
export async function releasedBatch(
  f: TraceFixture,
  code: bigint,
  lotText: string,
  overrides: Partial<CommissionRequest> = {},
  makerAccount: HardhatEthersSigner = code === GLOVE ? f.supplier : f.maker,
): Promise<string> {
  const batchId = await commission(f.ledger, makerAccount, await batchRequest(code, lotText, overrides));
  await (await f.ledger.connect(makerAccount).record(passed(batchId))).wait();
  const { holdUntil } = await f.ledger.batch(batchId);
  if (BigInt(await time.latest()) < holdUntil) await time.increaseTo(holdUntil);
  return batchId;
}
