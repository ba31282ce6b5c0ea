/**
 * Reverts as sentences. A revert's data is decoded against the error catalogue (error-catalogue.json: every custom error of
 * the MedAlliance contracts, with its NatSpec notice) and told with its values — organisations by name, times in
 * UTC, enums by name, GTINs with all 14 digits — never as a raw selector. The errors members meet most have their
 * own sentence; every other error reads as its notice followed by its values.
 */
import { ethers } from "ethers";
import { roleNames } from "../lib/alliance";
import { formatGtin } from "../lib/gs1";
import { formatTime, orList, shortId } from "./codes";
import catalogueJson from "./error-catalogue.json";
import type { CatalogueParam, ErrorCatalogue } from "./catalogue";

const catalogue = catalogueJson as ErrorCatalogue;

/** A decoded custom error: its name, notice and named values. */
export interface DecodedError {
  name: string;
  notice: string;
  params: CatalogueParam[];
  values: unknown[];
}

/** What the explainer may look up to name things: organisation names by id. */
export interface ExplainContext {
  orgName?: (orgId: bigint) => string | undefined;
}

const iface = new ethers.Interface(
  Object.entries(catalogue.errors).map(
    ([, e]) => `error ${e.name}(${e.params.map((p, i) => `${p.type} ${p.name || `arg${i}`}`).join(", ")})`,
  ),
);

/** Decodes revert data against the catalogue; undefined when it is not a MedAlliance custom error. */
export function decodeRevertData(data: string): DecodedError | undefined {
  let parsed: ethers.ErrorDescription | null = null;
  try {
    parsed = iface.parseError(data);
  } catch {
    return undefined;
  }
  // Error(string) and Panic(uint256) parse too, but are not custom errors.
  const entry = parsed === null ? undefined : catalogue.errors[parsed.signature];
  if (parsed === null || entry === undefined) return undefined;
  return { name: entry.name, notice: entry.notice, params: entry.params, values: [...parsed.args] };
}

/** The revert data inside an ethers or Hardhat error, wherever the provider put it. */
export function revertDataOf(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  for (let e = error as Record<string, unknown> | undefined; e && !seen.has(e);) {
    seen.add(e);
    if (typeof e.data === "string" && /^0x[0-9a-fA-F]{8,}$/.test(e.data)) return e.data;
    const info = e.info as { error?: { data?: unknown } } | undefined;
    if (typeof info?.error?.data === "string" && /^0x[0-9a-fA-F]{8,}$/.test(info.error.data)) return info.error.data;
    e = (e.error ?? e.cause ?? (e.data as Record<string, unknown> | undefined)) as Record<string, unknown> | undefined;
  }
  return undefined;
}

/** The member name of an enum value (e.g. OrganisationStatus 4 is "Suspended"). */
export function enumName(enumName: string, value: bigint | number): string {
  return catalogue.enums[enumName]?.[Number(value)] ?? `${enumName} ${value}`;
}

const TIME_NAME = /(At|deadline|expiry|expiresAt|timestamp|until|notBefore|earliest|latest|Time)$/i;

/** One value as people read it, by what the parameter is called and typed. */
export function formatValue(param: CatalogueParam, value: unknown, context: ExplainContext = {}): string {
  if (param.enum !== undefined) return enumName(param.enum, value as bigint);
  if (typeof value === "bigint") {
    if (/orgId$/i.test(param.name) || /^(owner|maker|holder|carrier)OrgId$/i.test(param.name)) {
      const name = value === 0n ? undefined : context.orgName?.(value);
      return name === undefined ? `organisation ${value}` : `organisation ${value} (${name})`;
    }
    if (/gtin/i.test(param.name)) return formatGtin(value);
    if (/gln/i.test(param.name)) return value.toString().padStart(13, "0");
    if (TIME_NAME.test(param.name) && value > 1_000_000_000n && value < 100_000_000_000n) return formatTime(value);
    if (value === ethers.MaxUint256) return "none";
    return value.toLocaleString("en-US");
  }
  if (typeof value === "string" && param.type === "bytes32") {
    if (/lot|serial/i.test(param.name)) {
      try {
        return `"${ethers.decodeBytes32String(value)}"`;
      } catch {
        return shortId(value);
      }
    }
    return shortId(value);
  }
  if (typeof value === "boolean") return value ? "yes" : "no";
  return String(value);
}

/** A parameter name in words: "batchId" → "batch", "licenceExpiry" → "licence expiry". */
function words(name: string): string {
  return name
    .replace(/Id$/, "")
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .toLowerCase();
}

type Sentence = (v: Record<string, string>, raw: Record<string, unknown>) => string;

/** The errors members meet most, in their own words. `v` holds formatted values, `raw` the decoded ones. */
const SENTENCES: Record<string, Sentence> = {
  AllianceUnauthorized: (v, raw) =>
    `Account ${v.account} may not do this: it is not an account of an Active organisation admitted as ` +
    orList(roleNames(raw.roleMask as bigint)),
  AllianceUnexpectedOrganisationStatus: (v) =>
    `${capital(v.orgId)} is ${v.status.toLowerCase()}: its standing does not allow this`,
  AllianceUnknownOrganisation: (v) => `There is no ${v.orgId} in the alliance`,
  AlliancePaused: () => "The alliance is paused: no new commitments until the guardians or the governor resume it",
  AccessControlUnauthorizedAccount: (v, raw) =>
    `Account ${v.account} lacks the ${roleName(raw.neededRole as string)} role this needs`,
  LedgerInsufficientHolding: (v) => `Batch ${v.batchId} holds ${v.holding} units at ${v.orgId}; ${v.needed} requested`,
  LedgerUnknownBatch: (v) => `There is no batch ${v.batchId} on the ledger`,
  LedgerUnexpectedStatus: (v) => `Batch ${v.batchId} is ${v.status}: its status does not allow this`,
  LedgerUnknownShipment: () => "No shipment has these fields: check the shipment id or file",
  LedgerUnexpectedShipmentStatus: (v) => `Shipment ${v.shipmentId} is ${v.status}: its state does not allow this`,
  LedgerProductNotApproved: (v) => `Product ${v.gtin} is ${v.status}: only approved products are commissioned`,
  LedgerBatchExists: (v) => `Batch ${v.batchId} already exists: this lot was already used for this GTIN`,
  CatalogUnknownProduct: (v) => `There is no product ${v.gtin} in the catalog`,
  CatalogInvalidGtin: (v) => `GTIN ${v.gtin} fails its check digit or length`,
};

const ROLE_NAMES: Record<string, string> = {
  [ethers.ZeroHash]: "governor",
  [ethers.id("REGULATOR_ROLE")]: "regulator",
  [ethers.id("GUARDIAN_ROLE")]: "guardian",
};

function roleName(role: string): string {
  return ROLE_NAMES[role] ?? shortId(role);
}

function capital(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** A decoded error as a sentence with its values. */
export function describeError(decoded: DecodedError, context: ExplainContext = {}): string {
  const formatted: Record<string, string> = {};
  const raw: Record<string, unknown> = {};
  decoded.params.forEach((param, i) => {
    formatted[param.name] = formatValue(param, decoded.values[i], context);
    raw[param.name] = decoded.values[i];
  });
  const own = SENTENCES[decoded.name];
  if (own !== undefined) return `${own(formatted, raw)}.`;
  const notice = (decoded.notice || capital(words(decoded.name))).replace(/\.$/, "");
  const values = decoded.params.map((param) => `${words(param.name)} ${formatted[param.name]}`);
  return values.length === 0 ? `${notice}.` : `${notice} (${values.join(", ")}).`;
}

/**
 * Any failure of a call or transaction as a sentence: a MedAlliance custom error with its values, a plain revert
 * reason, a panic, or the provider's own message (no funds for gas, node unreachable) without the noise.
 */
export function explain(error: unknown, context: ExplainContext = {}): string {
  const data = revertDataOf(error);
  if (data !== undefined) {
    const decoded = decodeRevertData(data);
    if (decoded !== undefined) return describeError(decoded, context);
    try {
      const standard = ethers.AbiCoder.defaultAbiCoder();
      if (data.startsWith("0x08c379a0")) return `Refused: ${standard.decode(["string"], "0x" + data.slice(10))[0]}.`;
      if (data.startsWith("0x4e487b71"))
        return `The contract stopped on a panic (code ${standard.decode(["uint256"], "0x" + data.slice(10))[0]}).`;
    } catch {
      // Not a standard reason: fall through to the provider's message.
    }
    return `The contract refused with an error this client does not know (data ${shortId(data)}).`;
  }
  const e = error as { code?: string; shortMessage?: string; message?: string };
  if (e?.code === "INSUFFICIENT_FUNDS") return "The sending account has not enough ETH to pay for gas.";
  if (e?.code === "ECONNREFUSED" || /ECONNREFUSED|could not detect network/.test(e?.message ?? "")) {
    return "The network's node does not answer: is it running, and is its URL right?";
  }
  return (e?.shortMessage ?? e?.message ?? String(error)).split("\n")[0];
}
