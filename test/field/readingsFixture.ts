/**
 * The fixture of the field-readings suites, built on `custodyFixture`: a vaccine (a Drug stored at 2.0–8.0 °C) with
 * a Released batch, FieldReadings registered as a ledger module and in the registry's directory, device keys of the
 * shipment's parties and of an unrelated organisation, and a vaccine shipment from Northwind to the hospital carried
 * by the carrier.
 *
 * The reading hash oracle is written from the EIP-712 specification (typehash of the struct's canonical string), not
 * taken from scripts/lib/readings.ts.
 */
import { ethers } from "hardhat";
import { setBalance, time } from "@nomicfoundation/hardhat-network-helpers";
import type { Signer, Wallet } from "ethers";
import type { FieldReadings } from "../../typechain-types";
import { AccountKind, documentHash } from "../../scripts/lib/alliance";
import { DAY } from "../../scripts/lib/formation";
import { gtin } from "../../scripts/lib/gs1";
import { Category, type Shipment, approveProduct, ship } from "../../scripts/lib/trace";
import {
  type Reading,
  ReadingKind,
  type SignedReading,
  buildSubmission,
  readingsDomain,
  signReading,
} from "../../scripts/lib/readings";
import { joinOrganisation } from "../helpers/registry";
import { custodyFixture } from "../helpers/custodyFixture";
import { productSpec, releasedBatch } from "../helpers/traceFixture";

/** Northwind's vaccine: a Drug stored between 2.0 and 8.0 °C, with a 7-day hold. */
export const VACCINE = gtin("0061414100009");
export const VACCINE_MIN = 20; // 2.0 °C
export const VACCINE_MAX = 80; // 8.0 °C
export const VACCINE_HOLD = 7n * DAY;
export const VACCINE_SHIPPED = 500n;

/** A regulator's written reasons for clearing a hold. */
export const INSPECTION = documentHash("inspection: logger data reviewed, vials within stability budget");

const coder = ethers.AbiCoder.defaultAbiCoder();

/** EIP-712: keccak256 of the struct's canonical type string. */
export const READING_TYPEHASH = ethers.id(
  "Reading(bytes32 shipmentId,uint8 kind,int64 value,uint40 timestamp,uint64 sequence,uint40 deadline)",
);

/** EIP-712 hashStruct(reading), computed by hand. */
export function expectedReadingHash(r: Reading): string {
  return ethers.keccak256(
    coder.encode(
      ["bytes32", "bytes32", "uint8", "int64", "uint40", "uint64", "uint40"],
      [READING_TYPEHASH, r.shipmentId, r.kind, r.value, r.timestamp, r.sequence, r.deadline],
    ),
  );
}

/**
 * The `fields` word a ReadingAccepted event carries, packed by hand from the layout in IFieldReadings: kind at bit 8,
 * value (two's complement) at 16, timestamp at 80, sequence at 120, deadline at 184.
 */
export function expectedEventFields(r: Reading): bigint {
  return (
    (BigInt(r.kind) << 8n) |
    (BigInt.asUintN(64, r.value) << 16n) |
    (r.timestamp << 80n) |
    (r.sequence << 120n) |
    (r.deadline << 184n)
  );
}

/** The Held record's data hash: keccak256(abi.encode(shipmentId, readingHash)). */
export function heldDataHash(shipmentId: string, readingHash: string): string {
  return ethers.keccak256(coder.encode(["bytes32", "bytes32"], [shipmentId, readingHash]));
}

/** A funded wallet with a fixed key (it signs typed data and accepts its registry invitation). */
export async function deviceWallet(label: string): Promise<Wallet> {
  const wallet = new ethers.Wallet(ethers.id(`device key: ${label}`), ethers.provider);
  await setBalance(wallet.address, ethers.parseEther("1"));
  return wallet;
}

/** Registers `label`'s wallet as a device key of `admin`'s organisation. */
export async function registeredDevice(
  registry: Parameters<typeof joinOrganisation>[0],
  admin: Signer,
  label: string,
  kind: AccountKind = AccountKind.Device,
) {
  const wallet = await deviceWallet(label);
  await joinOrganisation(registry, admin, wallet, kind);
  return wallet;
}

/**
 * `custodyFixture` plus the vaccine batch ("VX-0001", 10,000 doses, Released), FieldReadings (module and directory
 * entry), devices — the carrier's logger, Northwind's and the hospital's loggers, the distributor's logger
 * (unrelated to the shipment), the carrier's operator key (not a device) and a key in no organisation — and a
 * shipment of 500 doses from Northwind to the hospital carried by the carrier, InTransit.
 */
export async function readingsFixture() {
  const f = await custodyFixture();
  const { registry, ledger, catalog, governor, maker, carrier, hospital, distributor, regulatorA } = f;

  const vaccineSpec = productSpec(VACCINE, Category.Drug, {
    minTemperature: VACCINE_MIN,
    maxTemperature: VACCINE_MAX,
    proposedHoldPeriod: VACCINE_HOLD,
    packSize: 10,
  });
  await approveProduct(catalog, maker, regulatorA, vaccineSpec, VACCINE_HOLD);
  const vaccineId = await releasedBatch(f, VACCINE, "VX-0001");

  const readings: FieldReadings = await (
    await ethers.getContractFactory("FieldReadings", governor)
  ).deploy(await registry.getAddress(), await ledger.getAddress());
  await readings.waitForDeployment();
  await (await ledger.connect(governor).setModule(readings, true)).wait();
  await (
    await registry.connect(governor).setDirectoryEntry(ethers.encodeBytes32String("FieldReadings"), readings)
  ).wait();

  const carrierLogger = await registeredDevice(registry, carrier, "carrier logger");
  const makerLogger = await registeredDevice(registry, maker, "northwind logger");
  const hospitalLogger = await registeredDevice(registry, hospital, "hospital logger");
  const unrelatedLogger = await registeredDevice(registry, distributor, "distributor logger");
  const carrierOperator = await registeredDevice(registry, carrier, "carrier operator", AccountKind.Operator);
  const strayKey = await deviceWallet("stray key");

  const { shipmentId, shipment } = await ship(ledger, maker, {
    batchId: vaccineId,
    toOrgId: f.hospitalOrgId,
    quantity: VACCINE_SHIPPED,
    carrierOrgId: f.carrierOrgId,
    docHash: documentHash("vaccine consignment note"),
  });
  const { chainId } = await ethers.provider.getNetwork();
  const domain = readingsDomain(chainId, await readings.getAddress());

  return {
    ...f,
    readings,
    vaccineSpec,
    vaccineId,
    carrierLogger,
    makerLogger,
    hospitalLogger,
    unrelatedLogger,
    carrierOperator,
    strayKey,
    shipmentId,
    shipment,
    domain,
  };
}

export type ReadingsFixture = Awaited<ReturnType<typeof readingsFixture>>;

/** A reading of the fixture's shipment taken now, valid for an hour; override any field. */
export async function reading(f: { shipmentId: string }, overrides: Partial<Reading> = {}): Promise<Reading> {
  const now = BigInt(await time.latest());
  return {
    shipmentId: f.shipmentId,
    kind: ReadingKind.Temperature,
    value: 50n, // 5.0 °C
    timestamp: now,
    sequence: 1n,
    deadline: now + 3600n,
    ...overrides,
  };
}

/** `device` signs a reading of the fixture's shipment (see {@link reading}). */
export async function signed(
  f: ReadingsFixture,
  device: Wallet,
  overrides: Partial<Reading> = {},
): Promise<SignedReading> {
  return signReading(device, await reading(f, overrides), f.domain);
}

/** Submits signed readings about the given shipments (by default the fixture's) as `gateway`. */
export function submit(
  f: ReadingsFixture,
  gateway: Signer,
  items: SignedReading[],
  shipments: Shipment[] = [f.shipment],
) {
  const { shipments: used, readings } = buildSubmission(items, shipments);
  return f.readings.connect(gateway).submit(used, readings);
}
