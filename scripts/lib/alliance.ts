/** Enums and helpers for the alliance registry, shared by the demo, the benchmarks, the tasks and the tests. */
import { ethers } from "ethers";

/** Mirrors `BusinessRole` in contracts/alliance/AllianceTypes.sol. */
export enum BusinessRole {
  None,
  Supplier,
  Manufacturer,
  Logistics,
  Distributor,
  Hospital,
  Retailer,
  Agency,
}

/** Mirrors `AccountKind`. */
export enum AccountKind {
  None,
  Admin,
  Operator,
  Device,
}

/** Mirrors `OrganisationStatus`. */
export enum OrganisationStatus {
  Unknown,
  Registered,
  Active,
  Suspended,
  Revoked,
  Expired,
}

/** Mirrors `MotionKind`. */
export enum MotionKind {
  None,
  Application,
  Revocation,
  AdminReplacement,
}

/** Mirrors `MotionStatus`. */
export enum MotionStatus {
  None,
  Pending,
  Executed,
  Rejected,
  Withdrawn,
}

export const GUARDIAN_ROLE = ethers.id("GUARDIAN_ROLE");
export const REGULATOR_ROLE = ethers.id("REGULATOR_ROLE");
export const DEFAULT_ADMIN_ROLE = ethers.ZeroHash;

/** The role mask (bit `1 << role`) of some roles, as gated contracts take it. */
export function roleMask(...roles: BusinessRole[]): number {
  return roles.reduce((mask, role) => mask | (1 << role), 0);
}

/** Every business role, in enum order. */
export const BUSINESS_ROLES: BusinessRole[] = [1, 2, 3, 4, 5, 6, 7];

/** The roles in a mask, by name. */
export function roleNames(mask: number | bigint): string[] {
  return BUSINESS_ROLES.filter((role) => (Number(mask) >> role) & 1).map((role) => BusinessRole[role]);
}

/** The status mask (bit `1 << status`) of some statuses, for `listOrganisations`. */
export function statusMask(...statuses: OrganisationStatus[]): number {
  return statuses.reduce((mask, status) => mask | (1 << status), 0);
}

/** keccak256 of a document's bytes, as stored on chain for licences and reasons. */
export function documentHash(text: string): string {
  return ethers.keccak256(ethers.toUtf8Bytes(text));
}

/** A directory name as the registry keys it ("ProductCatalog" → bytes32). */
export function directoryName(name: string): string {
  return ethers.encodeBytes32String(name);
}
