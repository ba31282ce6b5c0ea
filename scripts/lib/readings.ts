/**
 * Field readings: the EIP-712 types and domain devices sign under, signing, grouping signed readings with the
 * shipments they name into submissions, and parsing a JSON-lines file of readings for the gateway task.
 */
import { ethers } from "ethers";
import type { IBatchLedger, IFieldReadings } from "../../typechain-types";

/** Mirrors `ReadingKind` in contracts/field/IFieldReadings.sol. */
export enum ReadingKind {
  None,
  Temperature, // tenths of a degree Celsius
  Humidity, // tenths of a percent of relative humidity
  Location, // a 12-character geohash as a 60-bit number
  Scan, // the GLN of the site where the package was scanned
}

/** Mirrors `ReadingOutcome`: why a reading was skipped (`Accepted` when it was not). */
export enum ReadingOutcome {
  Accepted,
  UnknownShipment,
  InvalidKind,
  Expired,
  InvalidSignature,
  NotDevice,
  DeviceInactive,
  NotShipmentParty,
  StaleSequence,
}

/** Plain-language reasons, by outcome. */
export const OUTCOME_TEXT: Record<ReadingOutcome, string> = {
  [ReadingOutcome.Accepted]: "accepted",
  [ReadingOutcome.UnknownShipment]: "unknown shipment",
  [ReadingOutcome.InvalidKind]: "invalid kind",
  [ReadingOutcome.Expired]: "deadline passed",
  [ReadingOutcome.InvalidSignature]: "signature is not the device's",
  [ReadingOutcome.NotDevice]: "signer is not a registered device",
  [ReadingOutcome.DeviceInactive]: "device's organisation is not active",
  [ReadingOutcome.NotShipmentParty]: "device's organisation is not the shipment's sender, carrier or recipient",
  [ReadingOutcome.StaleSequence]: "sequence number not above the device's last accepted one",
};

/** Most readings one submission carries (`FieldReadings.MAX_READINGS`). */
export const MAX_READINGS = 100;
/** Most shipments one submission refers to (`FieldReadings.MAX_SHIPMENTS`). */
export const MAX_SHIPMENTS = 100;

/** The EIP-712 domain name and version of FieldReadings. */
export const READINGS_DOMAIN_NAME = "MedAlliance FieldReadings";
export const READINGS_DOMAIN_VERSION = "1";

/** The EIP-712 type of a reading. */
export const READING_TYPES: Record<string, ethers.TypedDataField[]> = {
  Reading: [
    { name: "shipmentId", type: "bytes32" },
    { name: "kind", type: "uint8" },
    { name: "value", type: "int64" },
    { name: "timestamp", type: "uint40" },
    { name: "sequence", type: "uint64" },
    { name: "deadline", type: "uint40" },
  ],
};

/** A reading as a device signs it. */
export interface Reading {
  shipmentId: string;
  kind: ReadingKind;
  value: bigint;
  timestamp: bigint; // the device's clock, unix seconds (uint40)
  sequence: bigint; // strictly increasing per device, from 1 (uint64)
  deadline: bigint; // last second it may be accepted, inclusive (uint40)
}

/** A reading with its device and EIP-2098 compact signature. */
export interface SignedReading {
  reading: Reading;
  device: string;
  r: string;
  vs: string;
}

export type Shipment = IBatchLedger.ShipmentStruct;
export type SignedReadingStruct = IFieldReadings.SignedReadingStruct;

/** One `submit` call's arguments. */
export interface Submission {
  shipments: Shipment[];
  readings: SignedReadingStruct[];
}

/** The domain readings are signed under, for a FieldReadings contract on `chainId`. */
export function readingsDomain(chainId: bigint, verifyingContract: string): ethers.TypedDataDomain {
  return { name: READINGS_DOMAIN_NAME, version: READINGS_DOMAIN_VERSION, chainId, verifyingContract };
}

/** The domain of a deployed FieldReadings contract. */
export async function readingsDomainOf(contract: { getAddress(): Promise<string>; runner: unknown }) {
  const runner = contract.runner as { provider?: ethers.Provider | null } | null;
  const provider = runner?.provider ?? (runner as ethers.Provider | null);
  if (!provider || typeof (provider as ethers.Provider).getNetwork !== "function") {
    throw new Error("readingsDomainOf: the contract has no provider");
  }
  const { chainId } = await (provider as ethers.Provider).getNetwork();
  return readingsDomain(chainId, await contract.getAddress());
}

/** A shipment's id, as the ledger computes it: keccak256(abi.encode(shipment)). */
export function shipmentIdOf(s: Shipment): string {
  return ethers.keccak256(
    ethers.AbiCoder.defaultAbiCoder().encode(
      ["tuple(bytes32,uint32,uint32,uint32,uint64,uint64,uint256,bytes32,uint256)"],
      [[s.batchId, s.fromOrgId, s.toOrgId, s.carrierOrgId, s.fromGln, s.toGln, s.quantity, s.ref, s.sequence]],
    ),
  );
}

/** The reading's EIP-712 struct hash: the `dataHash` of its ledger record. */
export function readingHash(reading: Reading): string {
  return ethers.TypedDataEncoder.hashStruct("Reading", READING_TYPES, reading);
}

/** The digest a device signs. */
export function readingDigest(reading: Reading, domain: ethers.TypedDataDomain): string {
  return ethers.TypedDataEncoder.hash(domain, READING_TYPES, reading);
}

/** Anything that signs EIP-712 typed data (a Wallet, a Hardhat signer). */
export interface TypedDataSigner {
  getAddress(): Promise<string>;
  signTypedData(
    domain: ethers.TypedDataDomain,
    types: Record<string, ethers.TypedDataField[]>,
    value: Record<string, unknown>,
  ): Promise<string>;
}

/** The device signs the reading (ethers v6 `signTypedData`); the signature is split into EIP-2098 (r, vs). */
export async function signReading(
  deviceWallet: TypedDataSigner,
  reading: Reading,
  domain: ethers.TypedDataDomain,
): Promise<SignedReading> {
  const signature = await deviceWallet.signTypedData(domain, READING_TYPES, { ...reading });
  return withSignature(reading, await deviceWallet.getAddress(), signature);
}

/** A reading with a 65-byte (or 64-byte compact) signature, split into (r, vs). */
export function withSignature(reading: Reading, device: string, signature: string): SignedReading {
  const sig = ethers.Signature.from(signature);
  return { reading, device: ethers.getAddress(device), r: sig.r, vs: sig.yParityAndS };
}

/** The device that signed a reading, recovered off chain. */
export function recoverDevice(signed: SignedReading, domain: ethers.TypedDataDomain): string {
  const signature = ethers.Signature.from({ r: signed.r, yParityAndS: signed.vs });
  return ethers.recoverAddress(readingDigest(signed.reading, domain), signature);
}

/**
 * Groups signed readings with the shipments they name into one submission: each shipment once (in order of first
 * use), each reading pointing at it by index. `shipments` may hold more than are used; a reading whose shipment id is
 * not among them throws. At most MAX_READINGS readings and MAX_SHIPMENTS shipments.
 */
export function buildSubmission(signed: SignedReading[], shipments: Shipment[]): Submission {
  if (signed.length === 0 || signed.length > MAX_READINGS) {
    throw new Error(`a submission carries 1 to ${MAX_READINGS} readings, not ${signed.length}`);
  }
  const known = new Map(shipments.map((s) => [shipmentIdOf(s), s]));
  const used: Shipment[] = [];
  const indexOf = new Map<string, number>();
  const readings = signed.map((item, i) => {
    const id = item.reading.shipmentId.toLowerCase();
    let index = indexOf.get(id);
    if (index === undefined) {
      const shipment = known.get(id) ?? known.get(ethers.hexlify(item.reading.shipmentId));
      if (shipment === undefined) throw new Error(`reading ${i} names shipment ${id}, whose fields were not given`);
      index = used.length;
      used.push(shipment);
      indexOf.set(id, index);
    }
    return toStruct(item, index);
  });
  if (used.length > MAX_SHIPMENTS) {
    throw new Error(`a submission refers to at most ${MAX_SHIPMENTS} shipments, not ${used.length}`);
  }
  return { shipments: used, readings };
}

/** Splits readings into submissions of at most `max` readings (and MAX_SHIPMENTS shipments) each, in order. */
export function buildSubmissions(signed: SignedReading[], shipments: Shipment[], max = MAX_READINGS): Submission[] {
  if (!Number.isInteger(max) || max < 1 || max > MAX_READINGS) {
    throw new Error(`a batch size is 1 to ${MAX_READINGS}, not ${max}`);
  }
  const submissions: Submission[] = [];
  let current: SignedReading[] = [];
  let ids = new Set<string>();
  for (const item of signed) {
    const id = item.reading.shipmentId.toLowerCase();
    const newShipment = !ids.has(id);
    if (current.length === max || (newShipment && ids.size === MAX_SHIPMENTS)) {
      submissions.push(buildSubmission(current, shipments));
      current = [];
      ids = new Set();
    }
    current.push(item);
    ids.add(id);
  }
  if (current.length > 0) submissions.push(buildSubmission(current, shipments));
  return submissions;
}

/** The calldata struct of one signed reading, pointing at shipment `index` of its submission. */
export function toStruct(signed: SignedReading, index: number): SignedReadingStruct {
  return { fields: packFields(signed.reading, index), r: signed.r, vs: signed.vs };
}

const UINT40 = (1n << 40n) - 1n;
const UINT64 = (1n << 64n) - 1n;

/**
 * A reading's fields packed as `SignedReading.fields`: bits 0-7 shipment index, 8-15 kind, 16-79 value (int64, two's
 * complement), 80-119 timestamp (uint40), 120-183 sequence (uint64), 184-223 deadline (uint40).
 */
export function packFields(r: Omit<Reading, "shipmentId">, index = 0): bigint {
  const check = (ok: boolean, what: string) => {
    if (!ok) throw new Error(`cannot pack the reading: ${what}`);
  };
  check(Number.isInteger(index) && index >= 0 && index < 256, `shipment index ${index} is not 0 to 255`);
  const kind = BigInt(r.kind);
  check(kind >= 0n && kind < 256n, `kind ${r.kind} is not a uint8`);
  check(r.value >= -(1n << 63n) && r.value < 1n << 63n, `value ${r.value} is not an int64`);
  check(r.timestamp >= 0n && r.timestamp <= UINT40, `timestamp ${r.timestamp} is not a uint40`);
  check(r.sequence >= 0n && r.sequence <= UINT64, `sequence ${r.sequence} is not a uint64`);
  check(r.deadline >= 0n && r.deadline <= UINT40, `deadline ${r.deadline} is not a uint40`);
  return (
    BigInt(index) |
    (kind << 8n) |
    (BigInt.asUintN(64, r.value) << 16n) |
    (r.timestamp << 80n) |
    (r.sequence << 120n) |
    (r.deadline << 184n)
  );
}

/** The fields of a packed word (a `SignedReading.fields`, or the `fields` of a ReadingAccepted event). */
export function unpackFields(fields: bigint) {
  return {
    shipment: Number(fields & 0xffn),
    kind: Number((fields >> 8n) & 0xffn) as ReadingKind,
    value: BigInt.asIntN(64, fields >> 16n),
    timestamp: (fields >> 80n) & UINT40,
    sequence: (fields >> 120n) & UINT64,
    deadline: (fields >> 184n) & UINT40,
  };
}

/** Rebuilds a reading from a ReadingAccepted event's shipment id and fields. */
export function readingFromEvent(shipmentId: string, fields: bigint): Reading {
  const { kind, value, timestamp, sequence, deadline } = unpackFields(fields);
  return { shipmentId, kind, value, timestamp, sequence, deadline };
}

// ------------------------------------------------------------------------------------------------ geohash

const GEOHASH_ALPHABET = "0123456789bcdefghjkmnpqrstuvwxyz";

/** A 12-character geohash as the 60-bit number a Location reading carries (5 bits a character, first highest). */
export function geohashValue(geohash: string): bigint {
  if (!/^[0-9b-hjkmnp-z]{12}$/.test(geohash)) throw new Error(`a geohash here has 12 base-32 characters: "${geohash}"`);
  return [...geohash].reduce((acc, c) => (acc << 5n) | BigInt(GEOHASH_ALPHABET.indexOf(c)), 0n);
}

/** The 12-character geohash of a Location reading's value. */
export function geohashOf(value: bigint): string {
  if (value < 0n || value >= 1n << 60n) throw new Error(`not a 60-bit geohash value: ${value}`);
  let text = "";
  for (let i = 11; i >= 0; i--) text += GEOHASH_ALPHABET[Number((value >> BigInt(5 * i)) & 31n)];
  return text;
}

// ------------------------------------------------------------------------------------------------ JSON lines

/** One line of a readings file, validated: signed (device and signature) or to be signed by the gateway's key. */
export interface ReadingLine {
  line: number; // 1-based line number in the file
  reading: Reading;
  device?: string; // the signer the line names (required with a signature)
  signature?: string;
}

const KIND_NAMES: Record<string, ReadingKind> = {
  temperature: ReadingKind.Temperature,
  humidity: ReadingKind.Humidity,
  location: ReadingKind.Location,
  scan: ReadingKind.Scan,
};

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;
const UINT64_MAX = (1n << 64n) - 1n;
const UINT40_MAX = (1n << 40n) - 1n;

/** A readings file failed validation; `problems` lists each line's problem. */
export class ReadingsFileError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `the readings file has ${problems.length} problem${problems.length === 1 ? "" : "s"}:\n  ` +
        problems.slice(0, 20).join("\n  ") +
        (problems.length > 20 ? `\n  … and ${problems.length - 20} more` : ""),
    );
    this.name = "ReadingsFileError";
  }
}

function integer(value: unknown, field: string, min: bigint, max: bigint): bigint {
  let n: bigint;
  if (typeof value === "number" && Number.isSafeInteger(value)) n = BigInt(value);
  else if (typeof value === "string" && /^-?\d+$/.test(value)) n = BigInt(value);
  else throw new Error(`"${field}" must be an integer (a number or a decimal string)`);
  if (n < min || n > max) throw new Error(`"${field}" is out of range (${min} to ${max}): ${n}`);
  return n;
}

/** Parses one JSON object of a readings file; throws a plain message naming the bad field. */
function parseLine(text: string, line: number): ReadingLine {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new Error("not valid JSON");
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) throw new Error("not a JSON object");
  const o = raw as Record<string, unknown>;
  const allowed = ["shipmentId", "kind", "value", "timestamp", "sequence", "deadline", "device", "signature"];
  const unknown = Object.keys(o).filter((key) => !allowed.includes(key));
  if (unknown.length > 0) throw new Error(`unknown field${unknown.length > 1 ? "s" : ""} ${unknown.join(", ")}`);
  if (typeof o.shipmentId !== "string" || !ethers.isHexString(o.shipmentId, 32)) {
    throw new Error(`"shipmentId" must be a 32-byte hex string`);
  }
  let kind: ReadingKind;
  if (typeof o.kind === "string" && o.kind.toLowerCase() in KIND_NAMES) kind = KIND_NAMES[o.kind.toLowerCase()];
  else if (typeof o.kind === "number" && o.kind >= 1 && o.kind <= 4 && Number.isInteger(o.kind)) kind = o.kind;
  else throw new Error(`"kind" must be one of temperature, humidity, location, scan (or 1 to 4)`);
  const reading: Reading = {
    shipmentId: o.shipmentId.toLowerCase(),
    kind,
    value: integer(o.value, "value", INT64_MIN, INT64_MAX),
    timestamp: integer(o.timestamp, "timestamp", 0n, UINT40_MAX),
    sequence: integer(o.sequence, "sequence", 1n, UINT64_MAX),
    deadline: integer(o.deadline, "deadline", 0n, UINT40_MAX),
  };
  const result: ReadingLine = { line, reading };
  if (o.device !== undefined) {
    if (typeof o.device !== "string" || !ethers.isAddress(o.device)) throw new Error(`"device" must be an address`);
    result.device = ethers.getAddress(o.device);
  }
  if (o.signature !== undefined) {
    if (
      typeof o.signature !== "string" ||
      !ethers.isHexString(o.signature) ||
      ![64, 65].includes((o.signature.length - 2) / 2)
    ) {
      throw new Error(`"signature" must be a 65-byte (or 64-byte compact) hex signature`);
    }
    if (result.device === undefined) throw new Error(`a signed line names its "device"`);
    result.signature = o.signature;
  }
  return result;
}

/**
 * Parses a JSON-lines file of readings: one object per line (blank lines and lines starting with `#` ignored) with
 * `shipmentId`, `kind` (temperature, humidity, location, scan), `value`, `timestamp`, `sequence`, `deadline`, and
 * either `device` + `signature` (signed by the device) or neither (signed by the gateway with a device key).
 * Throws a {@link ReadingsFileError} listing every bad line.
 */
export function parseReadingsJsonl(text: string): ReadingLine[] {
  const lines: ReadingLine[] = [];
  const problems: string[] = [];
  text.split(/\r?\n/).forEach((content, i) => {
    const trimmed = content.trim();
    if (trimmed === "" || trimmed.startsWith("#")) return;
    try {
      lines.push(parseLine(trimmed, i + 1));
    } catch (error) {
      problems.push(`line ${i + 1}: ${(error as Error).message}`);
    }
  });
  if (problems.length > 0) throw new ReadingsFileError(problems);
  if (lines.length === 0) throw new ReadingsFileError(["the file holds no readings"]);
  return lines;
}

/**
 * Turns parsed lines into signed readings: signed lines as they are, unsigned ones signed with `deviceKey` (a device's
 * private key; required when any line is unsigned, and matching the line's `device` when it names one).
 */
export async function signLines(
  lines: ReadingLine[],
  domain: ethers.TypedDataDomain,
  deviceKey?: string,
): Promise<SignedReading[]> {
  const wallet = deviceKey === undefined ? undefined : new ethers.Wallet(deviceKey);
  const problems: string[] = [];
  const out: SignedReading[] = [];
  for (const line of lines) {
    if (line.signature !== undefined) {
      out.push(withSignature(line.reading, line.device!, line.signature));
    } else if (wallet === undefined) {
      problems.push(`line ${line.line}: unsigned, and no device key was given to sign it`);
    } else if (line.device !== undefined && line.device !== wallet.address) {
      problems.push(`line ${line.line}: names device ${line.device} but the device key is ${wallet.address}'s`);
    } else {
      out.push(await signReading(wallet, line.reading, domain));
    }
  }
  if (problems.length > 0) throw new ReadingsFileError(problems);
  return out;
}

/** One line of a readings file as a signed JSON object (what a device or logger would upload). */
export function readingLineJson(signed: SignedReading): string {
  const r = signed.reading;
  const kind = Object.keys(KIND_NAMES).find((name) => KIND_NAMES[name] === r.kind) ?? Number(r.kind);
  const signature = ethers.Signature.from({ r: signed.r, yParityAndS: signed.vs }).serialized;
  return JSON.stringify({
    shipmentId: r.shipmentId,
    kind,
    value: Number(r.value),
    timestamp: Number(r.timestamp),
    sequence: Number(r.sequence),
    deadline: Number(r.deadline),
    device: signed.device,
    signature,
  });
}

/** A temperature in tenths of a degree as text ("5.3 °C"). */
export function celsius(tenths: bigint | number): string {
  const n = Number(tenths);
  return `${(n / 10).toFixed(1)} °C`;
}
