/** Plain-language reports on the alliance's state, for the demo and the tasks. */
import type { AllianceRegistry } from "../../typechain-types";
import { AccountKind, BUSINESS_ROLES, BusinessRole, OrganisationStatus, roleNames } from "./alliance";

export interface MemberRow {
  id: number;
  name: string;
  status: string;
  roles: string;
  licenceExpiry: string;
  accounts: string;
}

/** One row per organisation: its standing, roles, licence and accounts, read from the registry. */
export async function memberRows(registry: AllianceRegistry, names: Map<bigint, string>): Promise<MemberRow[]> {
  const rows: MemberRow[] = [];
  let cursor = 1n;
  do {
    const [ids, next] = await registry.listOrganisations(0, 0, cursor, 50);
    for (const id of ids) {
      const org = await registry.organisation(id);
      const accounts = await registry.accountsOf(id);
      const kinds = await Promise.all(
        accounts.map(async (a) => AccountKind[Number((await registry.membershipOf(a))[1])]),
      );
      rows.push({
        id: Number(id),
        name: names.get(id) ?? `organisation ${id}`,
        status: OrganisationStatus[Number(org.status)],
        roles: roleNames(org.roles).join(", ") || "—",
        licenceExpiry: new Date(Number(org.licenceExpiry) * 1000).toISOString().slice(0, 10),
        accounts: ["1 admin", ...countKinds(kinds)].join(", "),
      });
    }
    cursor = next;
  } while (cursor !== 0n);
  return rows;
}

/** For each account named, the roles it may act in right now (the registry's one permission question). */
export async function whoMayDoWhat(
  registry: AllianceRegistry,
  accounts: { label: string; address: string }[],
): Promise<{ account: string; "may act as": string }[]> {
  const rows = [];
  for (const { label, address } of accounts) {
    const permitted: string[] = [];
    for (const role of BUSINESS_ROLES) {
      if (await registry.isPermitted(address, role)) permitted.push(BusinessRole[role]);
    }
    rows.push({ account: label, "may act as": permitted.join(", ") || "nothing" });
  }
  return rows;
}

function countKinds(kinds: string[]): string[] {
  const counts = new Map<string, number>();
  for (const kind of kinds) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return [...counts].map(([kind, n]) => `${n} ${kind.toLowerCase()}${n > 1 ? "s" : ""}`);
}
