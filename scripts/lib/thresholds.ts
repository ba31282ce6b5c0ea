/**
 * The thresholds reports and alerts judge by: safety stock per product category (units a member should hold), with
 * per-member overrides; how early to warn of an expiring licence, a need near its deadline and underfunded, and a
 * regulator's window about to lapse; the smoothing factor of the demand forecast. Defaults in config/thresholds.json;
 * MEDALLIANCE_THRESHOLDS names another file (a partial file overrides only what it names).
 */
import fs from "node:fs";
import path from "node:path";
import { Category } from "./trace";

/** A category's name as the thresholds file writes it (the `Category` enum's member name). */
export type CategoryName = Exclude<keyof typeof Category, "None">;

export interface Thresholds {
  /** Units of a category each member holding it should keep. */
  safetyStock: Record<CategoryName, number>;
  /** Per-member overrides, by organisation name or id: category → units. */
  members: Record<string, Partial<Record<CategoryName, number>>>;
  /** Warn this many days before a licence expires. */
  licenceExpiryDays: number;
  /** Warn of an open need this many hours before its deadline… */
  needDeadlineHours: number;
  /** …when it has raised less than this fraction of its target. */
  needFundedBelow: number;
  /** Warn this many hours before a regulator's window (verification, triage, compliance) lapses. */
  regulatorWindowHours: number;
  /** Exponential smoothing factor (0 < α ≤ 1) of the daily demand forecast. */
  forecastSmoothing: number;
}

export const DEFAULT_THRESHOLDS_FILE = path.join(__dirname, "..", "..", "config", "thresholds.json");

const CATEGORIES: CategoryName[] = ["Drug", "Device", "ProtectiveEquipment", "Consumable", "RawMaterial"];

/** Reads the thresholds: the defaults, overridden by `file` (or MEDALLIANCE_THRESHOLDS) when given; checks them. */
export function loadThresholds(file = process.env.MEDALLIANCE_THRESHOLDS || undefined): Thresholds {
  const defaults = JSON.parse(fs.readFileSync(DEFAULT_THRESHOLDS_FILE, "utf8")) as Thresholds;
  if (file === undefined) return checked(defaults, DEFAULT_THRESHOLDS_FILE);
  if (!fs.existsSync(file)) throw new Error(`no thresholds file at ${file}`);
  let given: Partial<Thresholds>;
  try {
    given = JSON.parse(fs.readFileSync(file, "utf8")) as Partial<Thresholds>;
  } catch (error) {
    throw new Error(`${file} is not JSON: ${(error as Error).message}`);
  }
  return checked({ ...defaults, ...given, safetyStock: { ...defaults.safetyStock, ...given.safetyStock } }, file);
}

/** The safety stock a member should hold of a category: its override, else the category's. */
export function safetyStockOf(t: Thresholds, category: CategoryName, orgId: bigint, orgName: string): number {
  return t.members[orgName]?.[category] ?? t.members[orgId.toString()]?.[category] ?? t.safetyStock[category];
}

function checked(t: Thresholds, file: string): Thresholds {
  const bad = (what: string) => new Error(`${file}: ${what}`);
  for (const [name, units] of Object.entries(t.safetyStock)) {
    if (!CATEGORIES.includes(name as CategoryName)) throw bad(`"${name}" is not a category (${CATEGORIES.join(", ")})`);
    if (!Number.isInteger(units) || units < 0) throw bad(`safetyStock.${name} must be a whole number of units`);
  }
  for (const [member, overrides] of Object.entries(t.members)) {
    for (const [name, units] of Object.entries(overrides)) {
      if (!CATEGORIES.includes(name as CategoryName)) throw bad(`members["${member}"]: "${name}" is not a category`);
      if (!Number.isInteger(units) || (units as number) < 0) throw bad(`members["${member}"].${name} must be units`);
    }
  }
  for (const key of ["licenceExpiryDays", "needDeadlineHours", "regulatorWindowHours"] as const) {
    if (!(t[key] >= 0)) throw bad(`${key} must be zero or more`);
  }
  if (!(t.needFundedBelow >= 0 && t.needFundedBelow <= 1)) throw bad("needFundedBelow is a fraction from 0 to 1");
  if (!(t.forecastSmoothing > 0 && t.forecastSmoothing <= 1)) throw bad("forecastSmoothing is above 0 and at most 1");
  return t;
}
