/**
 * Codes as people write them, turned into what the contracts take — and refused with a plain sentence when they are
 * wrong: GTINs and GLNs (check digit verified), lots and serials as printed, GS1 Digital Link URIs, dates ("2027-03-31",
 * "2027-03-31T12:00Z", "+14d"), amounts in whole units of an asset ("12.5"), organisations by id or name.
 */
import fs from "node:fs";
import path from "node:path";
import { ethers } from "ethers";
import { checkDigit, formatGtin } from "../lib/gs1";
import { InputError } from "./failures";

export { InputError };

/** A GTIN as printed (8, 12, 13 or 14 digits, spaces allowed), check digit verified; returned as the contracts take it. */
export function parseGtin(text: string, label = "GTIN"): bigint {
  const digits = text.replace(/[\s-]/g, "");
  if (!/^(\d{8}|\d{12,14})$/.test(digits)) {
    throw new InputError(`${label} "${text}" is not a GTIN: it has 8, 12, 13 or 14 digits`);
  }
  const padded = digits.padStart(14, "0");
  const expected = checkDigit(padded.slice(0, 13));
  if (Number(padded[13]) !== expected) {
    throw new InputError(
      `${label} "${text}" has a wrong check digit: it ends in ${padded[13]}, the check digit is ${expected}`,
    );
  }
  return BigInt(padded);
}

/** A 13-digit GLN (a site), check digit verified. */
export function parseGln(text: string, label = "GLN"): bigint {
  const digits = text.replace(/[\s-]/g, "");
  if (!/^\d{13}$/.test(digits)) throw new InputError(`${label} "${text}" is not a GLN: it has 13 digits`);
  const expected = checkDigit(digits.slice(0, 12));
  if (Number(digits[12]) !== expected) {
    throw new InputError(
      `${label} "${text}" has a wrong check digit: it ends in ${digits[12]}, the check digit is ${expected}`,
    );
  }
  return BigInt(digits);
}

/** GS1's character set 82 (AI 10 lot, AI 21 serial): printable ASCII without space, quotes other than ', or #. */
const CSET82 = /^[!"%&'()*+,\-./0-9:;<=>?A-Z_a-z]+$/;

/** A lot (GS1 AI 10) as printed, 1 to 20 characters; returned as the ledger's bytes32. */
export function parseLot(text: string): string {
  if (text.length < 1 || text.length > 20 || !CSET82.test(text)) {
    throw new InputError(`lot "${text}" must be 1 to 20 GS1 characters (letters, digits and !"%&'()*+,-./:;<=>?_)`);
  }
  return ethers.encodeBytes32String(text);
}

/** A serial number (GS1 AI 21) as printed, 1 to 20 characters; kept as text (the serial tree hashes it). */
export function parseSerial(text: string): string {
  if (text.length < 1 || text.length > 20 || !CSET82.test(text)) {
    throw new InputError(`serial "${text}" must be 1 to 20 GS1 characters (letters, digits and !"%&'()*+,-./:;<=>?_)`);
  }
  return text;
}

/** What a GS1 Digital Link URI names: always a GTIN, perhaps a lot and a serial, perhaps an expiry (?17=YYMMDD). */
export interface DigitalLink {
  gtin: bigint;
  lot?: string;
  serial?: string;
  /** Expiry date as a Unix time (end of the day, UTC), from the `17` query attribute. */
  expiry?: number;
}

/** Parses a GS1 Digital Link URI (`https://id.example/01/<gtin>/10/<lot>/21/<serial>?17=YYMMDD`), any host. */
export function parseDigitalLink(uri: string): DigitalLink {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new InputError(`"${uri}" is not a GS1 Digital Link URI (https://<host>/01/<GTIN>/10/<lot>/21/<serial>)`);
  }
  const parts = url.pathname.split("/").filter((part) => part !== "");
  const at = parts.indexOf("01");
  if (at < 0 || at + 1 >= parts.length) throw new InputError(`"${uri}" names no GTIN (a Digital Link has /01/<GTIN>)`);
  const link: DigitalLink = { gtin: parseGtin(decodeURIComponent(parts[at + 1])) };
  for (let i = at + 2; i < parts.length; i += 2) {
    const value = parts[i + 1] === undefined ? undefined : decodeURIComponent(parts[i + 1]);
    if (value === undefined) throw new InputError(`"${uri}": the attribute /${parts[i]}/ has no value`);
    if (parts[i] === "10") {
      parseLot(value);
      link.lot = value;
    } else if (parts[i] === "21") link.serial = parseSerial(value);
    else throw new InputError(`"${uri}": /${parts[i]}/ is not a lot (10) or serial (21) attribute`);
  }
  const expiry = url.searchParams.get("17");
  if (expiry !== null) {
    if (!/^\d{6}$/.test(expiry)) throw new InputError(`"${uri}": expiry ?17= is YYMMDD, not "${expiry}"`);
    const year = 2000 + Number(expiry.slice(0, 2));
    const month = Number(expiry.slice(2, 4));
    const day = Number(expiry.slice(4, 6));
    // GS1: day 00 means the last day of the month.
    const end = day === 0 ? Date.UTC(year, month, 1) : Date.UTC(year, month - 1, day + 1);
    if (month < 1 || month > 12 || Number.isNaN(end)) throw new InputError(`"${uri}": expiry ${expiry} is not a date`);
    link.expiry = end / 1000 - 1;
  }
  return link;
}

/** The Digital Link URI of a GTIN, lot and serial under `base` (no trailing slash needed). */
export function digitalLink(base: string, gtin: bigint, lot?: string, serial?: string): string {
  let uri = `${base.replace(/\/+$/, "")}/01/${formatGtin(gtin)}`;
  if (lot !== undefined) uri += `/10/${encodeURIComponent(lot)}`;
  if (serial !== undefined) uri += `/21/${encodeURIComponent(serial)}`;
  return uri;
}

const UNIT_SECONDS: Record<string, number> = { m: 60, h: 3600, d: 86_400, w: 604_800 };

/**
 * A moment as a Unix time: an ISO date ("2027-03-31" is midnight UTC), an ISO date-time, or a span from `now`
 * ("+90m", "+6h", "+14d", "+2w"). Refused unless after `now` when `future` is set.
 */
export function parseTime(text: string, now: number, options: { label?: string; future?: boolean } = {}): number {
  const label = options.label ?? "date";
  let seconds: number;
  const span = /^\+(\d+)([mhdw])$/.exec(text.trim());
  if (span) {
    seconds = now + Number(span[1]) * UNIT_SECONDS[span[2]];
  } else if (/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2})?(\.\d+)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(text.trim())) {
    const iso = text.trim().length === 10 ? `${text.trim()}T00:00:00Z` : text.trim();
    const ms = Date.parse(/Z|[+-]\d{2}:?\d{2}$/.test(iso) ? iso : `${iso}Z`);
    if (Number.isNaN(ms)) throw new InputError(`${label} "${text}" is not a date`);
    seconds = Math.floor(ms / 1000);
  } else {
    throw new InputError(`${label} "${text}" is not a date: write 2027-03-31, 2027-03-31T14:00Z or +14d (m, h, d, w)`);
  }
  if (options.future && seconds <= now) {
    throw new InputError(`${label} ${formatTime(seconds)} is in the past (now is ${formatTime(now)})`);
  }
  return seconds;
}

/** A span of time ("14d", "6h", "90m", "2w", or plain seconds) in seconds. */
export function parseDuration(text: string, label = "duration"): number {
  const match = /^(\d+)([smhdw]?)$/.exec(text.trim());
  if (!match) throw new InputError(`${label} "${text}" is not a duration: write 14d, 6h, 90m, 2w or seconds`);
  return Number(match[1]) * (match[2] === "" || match[2] === "s" ? 1 : UNIT_SECONDS[match[2]]);
}

/** A Unix time as people read it: UTC, to the minute. */
export function formatTime(seconds: number | bigint): string {
  if (BigInt(seconds) === 0n) return "—";
  return new Date(Number(seconds) * 1000)
    .toISOString()
    .replace(/:\d{2}\.\d{3}Z$/, " UTC")
    .replace("T", " ");
}

/** An amount in whole units of an asset with `decimals` ("12.5" ETH) as its smallest unit; positive. */
export function parseAmount(text: string, decimals: number, label = "amount"): bigint {
  if (!/^\d+(\.\d+)?$/.test(text.trim())) throw new InputError(`${label} "${text}" is not a number like 12 or 0.5`);
  const fraction = text.trim().split(".")[1] ?? "";
  if (fraction.length > decimals) {
    throw new InputError(`${label} ${text} has more than ${decimals} decimal places`);
  }
  const value = ethers.parseUnits(text.trim(), decimals);
  if (value === 0n) throw new InputError(`${label} must be more than zero`);
  return value;
}

/** An amount in an asset's smallest unit, as whole units with thousands separators ("1,250.5"). */
export function formatAmount(value: bigint, decimals: number): string {
  const [whole, fraction = ""] = ethers.formatUnits(value, decimals).split(".");
  const trimmed = fraction.replace(/0+$/, "");
  return BigInt(whole).toLocaleString("en-US") + (trimmed === "" ? "" : `.${trimmed}`);
}

/** A positive whole number (a quantity), at most `max`. */
export function parseQuantity(text: string | number, label = "quantity", max = Number.MAX_SAFE_INTEGER): number {
  const value = typeof text === "number" ? text : Number(String(text).replace(/[,_]/g, ""));
  if (!Number.isSafeInteger(value) || value < 1)
    throw new InputError(`${label} must be a whole number above zero, not ${text}`);
  if (value > max)
    throw new InputError(
      `${label} ${value.toLocaleString("en-US")} is above the maximum of ${max.toLocaleString("en-US")}`,
    );
  return value;
}

/** A 32-byte id (batch, shipment, agreement reference) given as 0x + 64 hex digits. */
export function parseBytes32(text: string, label: string): string {
  if (!/^0x[0-9a-fA-F]{64}$/.test(text))
    throw new InputError(`${label} "${text}" is not a 32-byte id (0x and 64 hex digits)`);
  return text.toLowerCase();
}

/** An account address, checksummed. */
export function parseAddress(text: string, label = "address"): string {
  if (!ethers.isAddress(text)) throw new InputError(`${label} "${text}" is not an account address`);
  return ethers.getAddress(text);
}

/** A 32-byte id shortened for tables and sentences: 0x1234…abcd. */
export function shortId(id: string): string {
  return id.length > 14 ? `${id.slice(0, 6)}…${id.slice(-4)}` : id;
}

/** A required value, or a sentence saying it is missing. */
export function required(value: string | undefined, label: string): string {
  if (value === undefined || value.trim() === "") throw new InputError(`${label} is required`);
  return value.trim();
}

/**
 * A document as its hash: a 0x hash as given, the bytes of an existing file, or the text itself (reasons and references
 * written on the command line). Documents never go on chain; the zero hash is refused.
 */
export function parseDocument(text: string | undefined, label: string): string {
  const value = required(text, `${label} (a file, a text or a 0x hash)`);
  if (/^0x[0-9a-fA-F]{64}$/.test(value)) {
    if (/^0x0{64}$/.test(value)) throw new InputError(`${label} may not be the zero hash`);
    return value.toLowerCase();
  }
  if (fs.existsSync(value) && fs.statSync(value).isFile()) return ethers.keccak256(fs.readFileSync(value));
  return ethers.keccak256(ethers.toUtf8Bytes(value));
}

/** A record number (need, offer, agreement, order…): 1, 2, … written plain or as "#3". */
export function parseId(text: string | undefined, what: string, label = `--${what}`): bigint {
  const value = required(text, label);
  const match = /^#?(\d{1,18})$/.exec(value);
  if (match === null || BigInt(match[1]) === 0n) {
    const article = /^[aeiou]/i.test(what) ? "an" : "a";
    throw new InputError(`${what} "${value}" is not ${article} ${what} number (1, 2, …)`);
  }
  return BigInt(match[1]);
}

/** A span in words: "14 days", "6 hours", "90 minutes", "45 seconds". */
export function formatDuration(seconds: number | bigint): string {
  const s = Number(seconds);
  const unit = (n: number, word: string) => `${n.toLocaleString("en-US")} ${word}${n === 1 ? "" : "s"}`;
  if (s !== 0 && s % 86_400 === 0) return unit(s / 86_400, "day");
  if (s !== 0 && s % 3600 === 0) return unit(s / 3600, "hour");
  if (s !== 0 && s % 60 === 0) return unit(s / 60, "minute");
  return unit(s, "second");
}

/** An amount as whole units in a decimal string without trailing zeros ("0.54", "12"), for JSON. */
export function wholeUnits(value: bigint, decimals: number): string {
  const text = ethers.formatUnits(value, decimals);
  return text.endsWith(".0") ? text.slice(0, -2) : text;
}

/** The file `--out` names, refused when empty, in a missing folder or naming a folder; `example` shows a good one. */
export function parseOutFile(text: string, example: string): string {
  const out = text.trim();
  if (out === "") throw new InputError(`--out is empty: give a file name such as ${example}`);
  const folder = path.dirname(path.resolve(out));
  if (!fs.existsSync(folder) || !fs.statSync(folder).isDirectory()) {
    throw new InputError(`--out ${out}: the folder ${folder} does not exist`);
  }
  if (fs.existsSync(out) && fs.statSync(out).isDirectory()) {
    throw new InputError(`--out ${out} is a folder: give a file name such as ${example}`);
  }
  return out;
}

/** A payment asset: its address (zero for ETH), symbol and decimals. */
export interface Asset {
  address: string;
  symbol: string;
  decimals: number;
}

/** An amount with its asset: "1,250.5 ETH". */
export function formatMoney(value: bigint, asset: Asset): string {
  return `${formatAmount(value, asset.decimals)} ${asset.symbol}`;
}

/** Names as a sentence lists them: "A", "A or B", "A, B or C". */
export function orList(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} or ${items[items.length - 1]}`;
}
