/**
 * Alliance tasks: who takes part (`org`, `alliance:members`) and every action an organisation or a regulator takes
 * in the registry — registering, applying for roles, admission by quorum, suspension, revocation, licences, sites and
 * accounts. Governor- and guardian-only functions (pause, quorum, directory, network guests) are governance's tasks.
 *
 * Modules are loaded inside the actions: Hardhat reads this file before the contracts' bindings exist.
 */
import fs from "node:fs";
import { task, types } from "hardhat/config";
import type { ConfigurableTaskDefinition, HardhatRuntimeEnvironment } from "hardhat/types";
import type { ContractTransactionReceipt } from "ethers";
import type { MedAllianceClient, Organisation } from "../scripts/client/client";

/** The libraries the tasks use, loaded when a task runs. */
export async function loadLibs() {
  const [ethers, codes, taskLib, output, alliance, gs1, report, trace] = await Promise.all([
    import("ethers"),
    import("../scripts/client/codes"),
    import("../scripts/client/task"),
    import("../scripts/client/output"),
    import("../scripts/lib/alliance"),
    import("../scripts/lib/gs1"),
    import("../scripts/lib/report"),
    import("../scripts/lib/trace"),
  ]);
  return { ethers: ethers.ethers, codes, taskLib, output, alliance, gs1, report, trace };
}

export type Libs = Awaited<ReturnType<typeof loadLibs>>;
let L: Libs;

export interface Common {
  registry?: string;
  json: boolean;
  from?: string;
}

/** Most company prefixes one application may list (the registry's MAX_PREFIXES_PER_APPLICATION). */
const MAX_PREFIXES = 8;
/** Most sites per organisation (MAX_SITES). */
const MAX_SITES = 64;
/** Most operator and device accounts per organisation (MAX_ACCOUNTS). */
const MAX_ACCOUNTS = 32;
/** Role bits of the makers (Supplier, Manufacturer), who must name a company prefix. */
const MAKER_ROLES = [1, 2];

/**
 * Runs a task's body with a client — signing as `--from` when `signs` — and the libraries loaded; bad input and
 * refusals become one line and exit code 1.
 */
export function runTask<A extends Common>(
  signs: boolean,
  body: (args: A, client: MedAllianceClient, libs: Libs, hre: HardhatRuntimeEnvironment) => Promise<void>,
) {
  return async (args: A, hre: HardhatRuntimeEnvironment) => {
    L = await loadLibs();
    await L.taskLib.action<A>(async (a, h) => {
      const client = signs ? await L.taskLib.sendClient(h, a) : await L.taskLib.readClient(h, a);
      await client.organisations();
      await body(a, client, L, h);
    })(args, hre);
  };
}

/** A task with `--registry` and `--json`, and `--from` when it signs. */
export function cliTask(name: string, description: string, signs: boolean): ConfigurableTaskDefinition {
  const definition = task(name, description)
    .addOptionalParam(
      "registry",
      "Address of the AllianceRegistry (default: the network's MedAlliance deployment)",
      undefined,
      types.string,
    )
    .addFlag("json", "Print one JSON document for scripts instead of sentences and tables");
  if (!signs) return definition;
  return definition.addOptionalParam(
    "from",
    "The signing account: an address, an account index, or an organisation whose admin key the network holds",
    undefined,
    types.string,
  );
}

function fail(message: string): never {
  throw new L.codes.InputError(message);
}

/** A required parameter, or a sentence saying it is missing. */
export function required(value: string | undefined, label: string): string {
  if (value === undefined || value.trim() === "") fail(`${label} is required`);
  return value.trim();
}

/**
 * A document as its hash: a 0x hash as given, the bytes of an existing file, or the text itself (reasons and
 * references written on the command line). Documents never go on chain.
 */
export function documentHashArg(text: string | undefined, label: string): string {
  const value = required(text, `${label} (a file, a text or a 0x hash)`);
  if (/^0x[0-9a-fA-F]{64}$/.test(value)) {
    if (/^0x0{64}$/.test(value)) fail(`${label} may not be the zero hash`);
    return value.toLowerCase();
  }
  if (fs.existsSync(value) && fs.statSync(value).isFile()) return L.ethers.keccak256(fs.readFileSync(value));
  return L.alliance.documentHash(value);
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

/** The signer's address, refused unless it is a regulator: only regulators `what`. */
export async function requireRegulator(client: MedAllianceClient, what: string): Promise<string> {
  const account = await client.sender.getAddress();
  if (!(await client.registry.hasRole(L.alliance.REGULATOR_ROLE, account))) {
    fail(`Account ${account} is not a regulator: only regulators ${what}`);
  }
  return account;
}

/** The organisation whose admin signs, refused when the signer is not an admin: only an organisation's admin `what`. */
async function requireAdmin(client: MedAllianceClient, what: string): Promise<Organisation> {
  const account = await client.sender.getAddress();
  const [orgId, kind] = await client.registry.membershipOf(account);
  if (orgId === 0n) fail(`Account ${account} belongs to no organisation: only an organisation's admin may ${what}`);
  const org = await client.resolveOrg(orgId);
  if (Number(kind) !== L.alliance.AccountKind.Admin) {
    const kindName = L.alliance.AccountKind[Number(kind)].toLowerCase();
    fail(`Account ${account} is ${article(kindName)} ${kindName} of ${org.name}: only its admin may ${what}`);
  }
  return org;
}

function article(word: string): string {
  return /^[aeiou]/i.test(word) ? "an" : "a";
}

/** A business role by name, case-insensitive ("manufacturer"). */
function parseRole(text: string | undefined): number {
  const value = required(text, "--role").toLowerCase();
  const role = L.alliance.BUSINESS_ROLES.find((r) => L.alliance.BusinessRole[r].toLowerCase() === value);
  if (role === undefined) {
    const names = L.alliance.BUSINESS_ROLES.map((r) => L.alliance.BusinessRole[r]).join(", ");
    fail(`role "${text}" is not a business role: use one of ${names}`);
  }
  return role;
}

const roleName = (role: number | bigint) => L.alliance.BusinessRole[Number(role)];

/** GS1 company prefixes as printed ("0614141, 4012345"): 6 to 12 digits each, at most 8, each listed once. */
function parsePrefixes(text: string | undefined): bigint[] {
  if (text === undefined || text.trim() === "") return [];
  const parts = text
    .split(/[\s,;]+/)
    .map((part) => part.trim())
    .filter((part) => part !== "");
  for (const part of parts) {
    if (!/^\d{6,12}$/.test(part)) fail(`company prefix "${part}" is not a GS1 company prefix: it has 6 to 12 digits`);
  }
  if (new Set(parts).size !== parts.length) fail("a company prefix is listed twice");
  if (parts.length > MAX_PREFIXES)
    fail(`${parts.length} company prefixes: an application lists at most ${MAX_PREFIXES}`);
  return parts.map((part) => L.gs1.companyPrefix(part));
}

/** Refuses prefixes that already belong to an organisation, and makers' applications without one. */
async function checkPrefixes(client: MedAllianceClient, role: number, prefixes: bigint[]): Promise<void> {
  if (MAKER_ROLES.includes(role) && prefixes.length === 0) {
    fail(`A ${roleName(role)} must name at least one GS1 company prefix (--prefixes)`);
  }
  for (const prefix of prefixes) {
    const owner = await client.registry.companyPrefixOwner(prefix);
    if (owner !== 0n) {
      fail(`Company prefix ${L.gs1.companyPrefixDigits(prefix)} already belongs to ${orgLabel(client, owner)}`);
    }
  }
}

function orgLabel(client: MedAllianceClient, id: bigint | number): string {
  return client.orgName(BigInt(id)) ?? `organisation ${id}`;
}

async function refuseWhenPaused(client: MedAllianceClient): Promise<void> {
  if (await client.registry.paused()) {
    fail("The alliance is paused: no new applications until the governor resumes it");
  }
}

/** A licence expiry that must lie ahead of the chain's clock. */
async function expiryArg(client: MedAllianceClient, text: string | undefined): Promise<number> {
  const expiry = L.codes.parseTime(required(text, "--expiry"), await client.now(), {
    label: "licence expiry",
    future: true,
  });
  if (expiry >= 2 ** 40) fail(`licence expiry ${text} is too far in the future`);
  return expiry;
}

/** An organisation's current standing, fresh from the registry. */
async function standingOf(client: MedAllianceClient, orgId: bigint): Promise<{ status: number; roles: number }> {
  const [status, roles] = await client.registry.standing(orgId);
  return { status: Number(status), roles: Number(roles) };
}

const statusName = (status: number | bigint) => L.alliance.OrganisationStatus[Number(status)];

/** Refuses an organisation whose standing is among `refused`. */
async function requireStanding(client: MedAllianceClient, org: Organisation, allowed: number[], what: string) {
  const { status } = await standingOf(client, org.id);
  if (!allowed.includes(status)) {
    fail(`${org.name} is ${statusName(status)}: ${what}`);
  }
  return status;
}

function logOf(client: MedAllianceClient, receipt: ContractTransactionReceipt, event: string) {
  for (const log of receipt.logs) {
    try {
      const parsed = client.registry.interface.parseLog(log);
      if (parsed?.name === event) return parsed;
    } catch {
      // Another contract's log.
    }
  }
  throw new Error(`the transaction emitted no ${event}`);
}

// ------------------------------------------------------------------ applications

interface Application {
  id: string;
  orgId: bigint;
  role: number;
  prefixes: bigint[];
  status: number;
  kind: number;
  approvals: bigint;
  quorum: bigint;
}

/**
 * An application named by its id (`--application 0x…`) or by organisation and role (`--org`, `--role`: its latest
 * pending application, found in the registry's events). `defaultOrg` stands in for a missing `--org`.
 */
async function findApplication(
  client: MedAllianceClient,
  args: { application?: string; org?: string; role?: string },
  defaultOrg?: Organisation,
): Promise<Application> {
  const registry = client.registry;
  const from = client.system.fromBlock;
  let events;
  if (args.application !== undefined) {
    const id = L.codes.parseBytes32(args.application, "application");
    events = await registry.queryFilter(registry.filters.ApplicationSubmitted(id), from);
    if (events.length === 0) fail(`application ${args.application}: the registry has no application with this id`);
  } else {
    if (args.org === undefined && defaultOrg === undefined) {
      fail("name the application: --application <id>, or --org and --role");
    }
    const org = args.org === undefined ? defaultOrg! : await client.resolveOrg(args.org);
    const role = parseRole(args.role);
    const all = await registry.queryFilter(registry.filters.ApplicationSubmitted(undefined, org.id, role), from);
    events = [];
    for (const event of all.reverse()) {
      const motion = await registry.motion(event.args.applicationId);
      if (Number(motion.status) === L.alliance.MotionStatus.Pending) {
        events.push(event);
        break;
      }
    }
    if (events.length === 0) fail(`${org.name} has no pending application for ${roleName(role)}`);
  }
  const event = events[0];
  const motion = await registry.motion(event.args.applicationId);
  return {
    id: event.args.applicationId,
    orgId: event.args.orgId,
    role: Number(event.args.role),
    prefixes: [...event.args.companyPrefixes],
    status: Number(motion.status),
    kind: Number(motion.kind),
    approvals: motion.approvals,
    quorum: motion.quorum,
  };
}

function requirePending(app: Application, what: string): void {
  if (app.status !== L.alliance.MotionStatus.Pending) {
    fail(`Application ${app.id} is ${L.alliance.MotionStatus[app.status]}: only pending applications can be ${what}`);
  }
}

function describeApplication(client: MedAllianceClient, app: Application): string {
  return `${orgLabel(client, app.orgId)}'s application for ${roleName(app.role)}`;
}

// ------------------------------------------------------------------ the read-only view

async function orgDetail(client: MedAllianceClient, org: Organisation) {
  const registry = client.registry;
  const from = client.system.fromBlock;
  const view = await registry.organisation(org.id);
  const uris = new Map<string, string>();
  for (const e of await registry.queryFilter(registry.filters.OrganisationRegistered(org.id), from)) {
    uris.set(e.args.licenceHash, e.args.licenceURI);
  }
  for (const e of await registry.queryFilter(registry.filters.LicenceRenewalProposed(org.id), from)) {
    uris.set(e.args.licenceHash, e.args.licenceURI);
  }
  const siteNames = new Map<bigint, string>();
  for (const e of await registry.queryFilter(registry.filters.SiteRegistered(org.id), from)) {
    siteNames.set(e.args.siteIndex, e.args.name);
  }
  const sites = (await registry.sitesOf(org.id)).map((gln, index) => ({
    index,
    gln: gln.toString().padStart(13, "0"),
    name: siteNames.get(BigInt(index)) ?? "",
  }));
  const accounts = [{ address: view.admin, kind: "Admin" }];
  for (const address of await registry.accountsOf(org.id)) {
    const [, kind] = await registry.membershipOf(address);
    accounts.push({ address, kind: L.alliance.AccountKind[Number(kind)] });
  }
  const applications = [];
  for (const e of await registry.queryFilter(registry.filters.ApplicationSubmitted(undefined, org.id), from)) {
    const motion = await registry.motion(e.args.applicationId);
    applications.push({
      applicationId: e.args.applicationId,
      role: roleName(e.args.role),
      companyPrefixes: e.args.companyPrefixes.map((p) => L.gs1.companyPrefixDigits(p)),
      status: L.alliance.MotionStatus[Number(motion.status)],
      approvals: Number(motion.approvals),
      quorum: Number(motion.quorum),
    });
  }
  const [pendingHash, pendingExpiry] = await registry.pendingLicenceRenewal(org.id);
  return {
    id: Number(org.id),
    name: org.name,
    status: statusName(view.status),
    roles: L.alliance.roleNames(view.roles),
    admin: view.admin,
    licenceHash: view.licenceHash,
    licenceURI: uris.get(view.licenceHash) ?? null,
    licenceExpiry: Number(view.licenceExpiry),
    licenceExpiryUtc: L.codes.formatTime(view.licenceExpiry),
    pendingLicence:
      pendingHash === L.ethers.ZeroHash
        ? null
        : {
            licenceHash: pendingHash,
            licenceURI: uris.get(pendingHash) ?? null,
            licenceExpiry: Number(pendingExpiry),
            licenceExpiryUtc: L.codes.formatTime(pendingExpiry),
          },
    sites,
    accounts,
    applications,
  };
}

cliTask("org", "Shows one organisation (by id or name) or, without one, every organisation of the alliance", false)
  .addOptionalPositionalParam("org", "The organisation: its id or name (a unique beginning is enough)")
  .setAction(
    runTask<Common & { org?: string }>(false, async (args, client) => {
      if (args.org === undefined) {
        const names = new Map([...(await client.organisations()).values()].map((o) => [o.id, o.name]));
        const rows = await L.report.memberRows(client.registry, names);
        if (args.json) L.output.printJson(rows);
        else L.output.printTable(rows as never, "The alliance has no organisations yet.");
        return;
      }
      const detail = await orgDetail(client, await client.resolveOrg(args.org));
      if (args.json) return L.output.printJson(detail);
      console.log(`${detail.name} (organisation ${detail.id}): ${detail.status}`);
      console.log(`Roles: ${detail.roles.join(", ") || "none admitted yet"}`);
      console.log(
        `Licence: expires ${detail.licenceExpiryUtc}, document ${detail.licenceHash}` +
          (detail.licenceURI === null ? "" : ` at ${detail.licenceURI}`),
      );
      if (detail.pendingLicence !== null) {
        console.log(
          `Licence renewal awaiting a regulator: expires ${detail.pendingLicence.licenceExpiryUtc}, document ` +
            detail.pendingLicence.licenceHash,
        );
      }
      console.log("\nSites:");
      L.output.printTable(detail.sites, "No sites registered.");
      console.log("\nAccounts:");
      L.output.printTable(detail.accounts);
      console.log("\nApplications:");
      L.output.printTable(
        detail.applications.map((a) => ({
          application: a.applicationId,
          role: a.role,
          prefixes: a.companyPrefixes.join(", ") || "—",
          status: a.status,
          approvals: `${a.approvals} of ${a.quorum}`,
        })),
        "No applications.",
      );
    }),
  );

task("alliance:members", "Lists the alliance's organisations: standing, roles, licence expiry and accounts")
  .addOptionalParam(
    "registry",
    "Address of the AllianceRegistry (default: the network's MedAlliance deployment)",
    undefined,
    types.string,
  )
  .addFlag("json", "Print JSON for scripts instead of a table")
  .setAction(async (args: { registry?: string; json: boolean }, hre) => {
    const { resolveSystem } = await import("../scripts/lib/deployment");
    const { memberRows } = await import("../scripts/lib/report");
    const { registry, fromBlock } = await resolveSystem(hre.ethers.provider, hre.network.name, args.registry);
    const names = new Map<bigint, string>();
    for (const event of await registry.queryFilter(registry.filters.OrganisationRegistered(), fromBlock)) {
      names.set(event.args.orgId, event.args.name);
    }
    const rows = await memberRows(registry, names);
    if (args.json) console.log(JSON.stringify(rows, null, 2));
    else if (rows.length === 0) console.log("The alliance has no organisations yet.");
    else console.table(rows);
  });

// ------------------------------------------------------------------ registering and applying

interface RegisterArgs extends Common {
  name?: string;
  role?: string;
  licence?: string;
  licenceUri?: string;
  expiry?: string;
  prefixes?: string;
}

cliTask(
  "alliance:register",
  "Registers the signer's organisation with its licence and applies for its first role",
  true,
)
  .addOptionalParam("name", "The organisation's name")
  .addOptionalParam("role", "The business role applied for (Supplier, Manufacturer, Logistics, Distributor, ...)")
  .addOptionalParam("licence", "The business licence: a file, its text, or its 0x hash")
  .addOptionalParam("licenceUri", "Where the licence document can be fetched", "")
  .addOptionalParam("expiry", 'Licence expiry: "2028-12-31" or "+365d"')
  .addOptionalParam("prefixes", 'GS1 company prefixes as printed, comma-separated ("0614141,4012345")')
  .setAction(
    runTask<RegisterArgs>(true, async (args, client) => {
      const name = required(args.name, "--name");
      const role = parseRole(args.role);
      const licenceHash = documentHashArg(args.licence, "--licence");
      const expiry = await expiryArg(client, args.expiry);
      const prefixes = parsePrefixes(args.prefixes);
      const account = await client.sender.getAddress();
      const [memberOf] = await client.registry.membershipOf(account);
      if (memberOf !== 0n) fail(`Account ${account} already belongs to ${orgLabel(client, memberOf)}`);
      if (await client.registry.hasRole(L.alliance.REGULATOR_ROLE, account)) {
        fail(`Account ${account} is a regulator: regulators cannot register an organisation`);
      }
      const same = [...(await client.organisations()).values()].find(
        (o) => o.name.toLowerCase() === name.toLowerCase(),
      );
      if (same !== undefined)
        fail(`An organisation named "${same.name}" is already registered (organisation ${same.id})`);
      await refuseWhenPaused(client);
      await checkPrefixes(client, role, prefixes);
      const receipt = await client.send(`register ${name}`, () =>
        client.registry.registerOrganisation(licenceHash, args.licenceUri ?? "", expiry, name, role, prefixes),
      );
      const registered = logOf(client, receipt, "OrganisationRegistered");
      const applied = logOf(client, receipt, "ApplicationSubmitted");
      const result = {
        orgId: Number(registered.args.orgId),
        name,
        role: roleName(role),
        applicationId: applied.args.applicationId as string,
        licenceHash,
        licenceExpiry: expiry,
        companyPrefixes: prefixes.map((p) => L.gs1.companyPrefixDigits(p)),
        transaction: receipt.hash,
      };
      if (args.json) return L.output.printJson(result);
      console.log(
        `Registered ${name} as organisation ${result.orgId}, licence valid until ${L.codes.formatTime(expiry)}.`,
      );
      console.log(
        `Its application for ${result.role} is ${result.applicationId}: it awaits ${await client.registry.quorum()} ` +
          "regulators' approvals.",
      );
    }),
  );

cliTask("alliance:apply", "The signer's organisation applies for a further business role", true)
  .addOptionalParam("role", "The business role applied for")
  .addOptionalParam("prefixes", 'GS1 company prefixes as printed, comma-separated ("0614141")')
  .setAction(
    runTask<Common & { role?: string; prefixes?: string }>(true, async (args, client) => {
      const role = parseRole(args.role);
      const prefixes = parsePrefixes(args.prefixes);
      const org = await requireAdmin(client, "apply for a role");
      const { Registered, Active } = L.alliance.OrganisationStatus;
      const { roles } = await standingOf(client, org.id);
      await requireStanding(client, org, [Registered, Active], "only Registered or Active organisations apply");
      if ((roles >> role) & 1) fail(`${org.name} is already admitted as ${roleName(role)}`);
      await refuseWhenPaused(client);
      await checkPrefixes(client, role, prefixes);
      const receipt = await client.send(`apply for ${roleName(role)}`, () =>
        client.registry.applyForRole(role, prefixes),
      );
      const applied = logOf(client, receipt, "ApplicationSubmitted");
      const result = {
        orgId: Number(org.id),
        role: roleName(role),
        applicationId: applied.args.applicationId as string,
        companyPrefixes: prefixes.map((p) => L.gs1.companyPrefixDigits(p)),
        transaction: receipt.hash,
      };
      if (args.json) return L.output.printJson(result);
      console.log(`${org.name} applied for ${result.role}: application ${result.applicationId} awaits the regulators.`);
    }),
  );

interface ApplicationArgs extends Common {
  application?: string;
  org?: string;
  role?: string;
  reason?: string;
}

/** A task naming an application by id, or by organisation and role. */
function applicationTask(name: string, description: string): ConfigurableTaskDefinition {
  return cliTask(name, description, true)
    .addOptionalParam("application", "The application's id (0x…)")
    .addOptionalParam("org", "Instead of --application: the applicant (id or name), with --role")
    .addOptionalParam("role", "Instead of --application: the role applied for, with --org");
}

applicationTask("alliance:withdraw-application", "The applicant withdraws its pending application").setAction(
  runTask<ApplicationArgs>(true, async (args, client) => {
    const org = await requireAdmin(client, "withdraw an application");
    const app = await findApplication(client, args, org);
    if (app.orgId !== org.id) fail(`Application ${app.id} is ${describeApplication(client, app)}, not ${org.name}'s`);
    requirePending(app, "withdrawn");
    const receipt = await client.send("withdraw the application", () => client.registry.withdrawApplication(app.id));
    const result = {
      applicationId: app.id,
      orgId: Number(app.orgId),
      role: roleName(app.role),
      transaction: receipt.hash,
    };
    if (args.json) return L.output.printJson(result);
    console.log(`${org.name} withdrew its application for ${result.role} (${app.id}).`);
  }),
);

applicationTask(
  "alliance:approve",
  "A regulator approves an application; at the quorum the organisation is admitted to the role",
).setAction(
  runTask<ApplicationArgs>(true, async (args, client) => {
    const regulator = await requireRegulator(client, "approve applications");
    const app = await findApplication(client, args);
    requirePending(app, "approved");
    const { Suspended, Revoked } = L.alliance.OrganisationStatus;
    const { status } = await standingOf(client, app.orgId);
    if (status === Suspended || status === Revoked) {
      fail(`${orgLabel(client, app.orgId)} is ${statusName(status)}: it cannot be admitted to a role`);
    }
    for (const prefix of app.prefixes) {
      const owner = await client.registry.companyPrefixOwner(prefix);
      if (owner !== 0n) {
        fail(`Company prefix ${L.gs1.companyPrefixDigits(prefix)} already belongs to ${orgLabel(client, owner)}`);
      }
    }
    if ((await client.registry.hasApproved(app.id, regulator)) && app.approvals < app.quorum) {
      fail(`Account ${regulator} has already approved ${describeApplication(client, app)}`);
    }
    const receipt = await client.send(`approve ${describeApplication(client, app)}`, () =>
      client.registry.approveApplication(app.id, app.prefixes),
    );
    const motion = await client.registry.motion(app.id);
    const admitted = Number(motion.status) === L.alliance.MotionStatus.Executed;
    const result = {
      applicationId: app.id,
      orgId: Number(app.orgId),
      role: roleName(app.role),
      approvals: Number(motion.approvals),
      quorum: Number(motion.quorum),
      admitted,
      transaction: receipt.hash,
    };
    if (args.json) return L.output.printJson(result);
    const who = orgLabel(client, app.orgId);
    console.log(
      admitted
        ? `Approved: ${who} is admitted as ${result.role}.`
        : `Approved ${who}'s application for ${result.role}: ${result.approvals} of ${result.quorum} approvals.`,
    );
  }),
);

applicationTask("alliance:reject", "A regulator rejects a pending application, with written reasons")
  .addOptionalParam("reason", "The reasons: a file, a text or a 0x hash")
  .setAction(
    runTask<ApplicationArgs>(true, async (args, client) => {
      await requireRegulator(client, "reject applications");
      const reasonHash = documentHashArg(args.reason, "--reason");
      const app = await findApplication(client, args);
      requirePending(app, "rejected");
      const receipt = await client.send(`reject ${describeApplication(client, app)}`, () =>
        client.registry.rejectApplication(app.id, reasonHash),
      );
      const result = {
        applicationId: app.id,
        orgId: Number(app.orgId),
        role: roleName(app.role),
        reasonHash,
        transaction: receipt.hash,
      };
      if (args.json) return L.output.printJson(result);
      console.log(`Rejected ${describeApplication(client, app)} (${app.id}).`);
    }),
  );

// ------------------------------------------------------------------ regulators' actions on organisations

interface OrgArgs extends Common {
  org?: string;
  reason?: string;
}

function orgTask(name: string, description: string): ConfigurableTaskDefinition {
  return cliTask(name, description, true).addOptionalParam("org", "The organisation: id or name");
}

orgTask("alliance:suspend", "A regulator suspends an organisation at once: none of its accounts may act")
  .addOptionalParam("reason", "The reasons: a file, a text or a 0x hash")
  .setAction(
    runTask<OrgArgs>(true, async (args, client) => {
      await requireRegulator(client, "suspend organisations");
      const org = await client.resolveOrg(required(args.org, "--org"));
      const reasonHash = documentHashArg(args.reason, "--reason");
      const { Registered, Active, Expired } = L.alliance.OrganisationStatus;
      await requireStanding(client, org, [Registered, Active, Expired], "it cannot be suspended");
      const receipt = await client.send(`suspend ${org.name}`, () =>
        client.registry.suspendOrganisation(org.id, reasonHash),
      );
      const result = { orgId: Number(org.id), status: "Suspended", reasonHash, transaction: receipt.hash };
      if (args.json) return L.output.printJson(result);
      console.log(`Suspended ${org.name}: none of its accounts may act until a regulator reinstates it.`);
    }),
  );

orgTask("alliance:reinstate", "A regulator lifts an organisation's suspension").setAction(
  runTask<OrgArgs>(true, async (args, client) => {
    await requireRegulator(client, "reinstate organisations");
    const org = await client.resolveOrg(required(args.org, "--org"));
    await requireStanding(
      client,
      org,
      [L.alliance.OrganisationStatus.Suspended],
      "only a suspended organisation can be reinstated",
    );
    const receipt = await client.send(`reinstate ${org.name}`, () => client.registry.reinstateOrganisation(org.id));
    const status = statusName((await standingOf(client, org.id)).status);
    const result = { orgId: Number(org.id), status, transaction: receipt.hash };
    if (args.json) return L.output.printJson(result);
    console.log(`Reinstated ${org.name}: it is ${status} again.`);
  }),
);

orgTask("alliance:revoke", "A regulator approves revoking an organisation; the quorum revokes it for good")
  .addOptionalParam("reason", "The reasons: a file, a text or a 0x hash")
  .setAction(
    runTask<OrgArgs>(true, async (args, client) => {
      const regulator = await requireRegulator(client, "revoke organisations");
      const org = await client.resolveOrg(required(args.org, "--org"));
      const reasonHash = documentHashArg(args.reason, "--reason");
      const { Revoked } = L.alliance.OrganisationStatus;
      if ((await standingOf(client, org.id)).status === Revoked) fail(`${org.name} is already Revoked`);
      const motionId = await client.registry.revocationId(org.id);
      if (await client.registry.hasApproved(motionId, regulator)) {
        fail(`Account ${regulator} has already approved revoking ${org.name}`);
      }
      const receipt = await client.send(`approve revoking ${org.name}`, () =>
        client.registry.approveRevocation(org.id, reasonHash),
      );
      const motion = await client.registry.motion(motionId);
      const revoked = (await standingOf(client, org.id)).status === Revoked;
      const result = {
        orgId: Number(org.id),
        motionId,
        approvals: Number(motion.approvals),
        quorum: Number(motion.quorum),
        revoked,
        reasonHash,
        transaction: receipt.hash,
      };
      if (args.json) return L.output.printJson(result);
      console.log(
        revoked
          ? `Revoked ${org.name} for good.`
          : `Approved revoking ${org.name}: ${result.approvals} of ${result.quorum} approvals.`,
      );
    }),
  );

orgTask("alliance:replace-admin", "A regulator approves replacing an organisation's lost admin account (quorum)")
  .addOptionalParam("newAdmin", "The replacement admin account")
  .setAction(
    runTask<OrgArgs & { newAdmin?: string }>(true, async (args, client) => {
      const regulator = await requireRegulator(client, "replace an organisation's admin");
      const org = await client.resolveOrg(required(args.org, "--org"));
      const newAdmin = L.codes.parseAddress(required(args.newAdmin, "--new-admin"), "--new-admin");
      const { Revoked } = L.alliance.OrganisationStatus;
      if ((await standingOf(client, org.id)).status === Revoked) fail(`${org.name} is Revoked: its admin stays`);
      if (await client.registry.hasRole(L.alliance.REGULATOR_ROLE, newAdmin)) {
        fail(`Account ${newAdmin} is a regulator: it cannot be an organisation's admin`);
      }
      const [memberOf] = await client.registry.membershipOf(newAdmin);
      if (memberOf !== 0n && memberOf !== org.id) {
        fail(`Account ${newAdmin} already belongs to ${orgLabel(client, memberOf)}`);
      }
      const currentAdmin = (await client.registry.organisation(org.id)).admin;
      const motionId = await client.registry.adminReplacementId(org.id, currentAdmin, newAdmin);
      if (await client.registry.hasApproved(motionId, regulator)) {
        fail(`Account ${regulator} has already approved replacing ${org.name}'s admin with ${newAdmin}`);
      }
      const receipt = await client.send(`approve replacing ${org.name}'s admin`, () =>
        client.registry.approveAdminReplacement(org.id, newAdmin),
      );
      const motion = await client.registry.motion(motionId);
      const invited = Number(motion.status) === L.alliance.MotionStatus.Executed;
      const result = {
        orgId: Number(org.id),
        motionId,
        previousAdmin: currentAdmin,
        newAdmin,
        approvals: Number(motion.approvals),
        quorum: Number(motion.quorum),
        invited,
        transaction: receipt.hash,
      };
      if (args.json) return L.output.printJson(result);
      console.log(
        invited
          ? `Replaced ${org.name}'s admin: ${currentAdmin} lost its membership; ${newAdmin} takes over by ` +
              `accepting (alliance:accept-invitation --org ${org.id}).`
          : `Approved replacing ${org.name}'s admin with ${newAdmin}: ${result.approvals} of ${result.quorum} approvals.`,
      );
    }),
  );

// ------------------------------------------------------------------ licences

cliTask("alliance:renew-licence", "The signer's organisation proposes its renewed licence to the regulators", true)
  .addOptionalParam("licence", "The new licence: a file, its text, or its 0x hash")
  .addOptionalParam("licenceUri", "Where the new licence document can be fetched", "")
  .addOptionalParam("expiry", 'The new licence\'s expiry: "2029-12-31" or "+365d"')
  .setAction(
    runTask<RegisterArgs>(true, async (args, client) => {
      const org = await requireAdmin(client, "renew its licence");
      const licenceHash = documentHashArg(args.licence, "--licence");
      const expiry = await expiryArg(client, args.expiry);
      const { Revoked } = L.alliance.OrganisationStatus;
      if ((await standingOf(client, org.id)).status === Revoked) fail(`${org.name} is Revoked: it cannot renew`);
      const receipt = await client.send("propose the renewed licence", () =>
        client.registry.proposeLicenceRenewal(licenceHash, args.licenceUri ?? "", expiry),
      );
      const result = { orgId: Number(org.id), licenceHash, licenceExpiry: expiry, transaction: receipt.hash };
      if (args.json) return L.output.printJson(result);
      console.log(
        `${org.name} proposed its renewed licence (valid until ${L.codes.formatTime(expiry)}); ` +
          "a regulator approves it with alliance:approve-licence.",
      );
    }),
  );

orgTask("alliance:approve-licence", "A regulator approves an organisation's proposed licence; it becomes current")
  .addOptionalParam(
    "licence",
    "The proposed licence (file, text or 0x hash) to check against; default: the one pending",
  )
  .setAction(
    runTask<OrgArgs & { licence?: string }>(true, async (args, client) => {
      await requireRegulator(client, "approve licences");
      const org = await client.resolveOrg(required(args.org, "--org"));
      const [pending, expiry] = await client.registry.pendingLicenceRenewal(org.id);
      if (pending === L.ethers.ZeroHash) fail(`${org.name} has no licence renewal waiting for approval`);
      if (args.licence !== undefined) {
        const given = documentHashArg(args.licence, "--licence");
        if (given !== pending) fail(`The licence given (${given}) is not the one ${org.name} proposed (${pending})`);
      }
      const { Revoked } = L.alliance.OrganisationStatus;
      if ((await standingOf(client, org.id)).status === Revoked) fail(`${org.name} is Revoked: its licence stays`);
      const receipt = await client.send(`approve ${org.name}'s licence`, () =>
        client.registry.approveLicenceRenewal(org.id, pending),
      );
      const status = statusName((await standingOf(client, org.id)).status);
      const result = {
        orgId: Number(org.id),
        licenceHash: pending,
        licenceExpiry: Number(expiry),
        status,
        transaction: receipt.hash,
      };
      if (args.json) return L.output.printJson(result);
      console.log(`Approved ${org.name}'s licence: valid until ${L.codes.formatTime(expiry)}; it is ${status}.`);
    }),
  );

// ------------------------------------------------------------------ sites and accounts

cliTask("alliance:add-site", "The signer's organisation registers a site by its GLN", true)
  .addOptionalParam("gln", "The site's GLN as printed (13 digits)")
  .addOptionalParam("name", "The site's name")
  .setAction(
    runTask<Common & { gln?: string; name?: string }>(true, async (args, client) => {
      const gln = L.codes.parseGln(required(args.gln, "--gln"));
      const name = required(args.name, "--name");
      const org = await requireAdmin(client, "register sites");
      const { Revoked } = L.alliance.OrganisationStatus;
      if ((await standingOf(client, org.id)).status === Revoked) fail(`${org.name} is Revoked: it cannot add sites`);
      const owner = await client.registry.glnOwner(gln);
      if (owner !== 0n) fail(`GLN ${args.gln} is already a site of ${orgLabel(client, owner)}`);
      const sites = (await client.registry.sitesOf(org.id)).length;
      if (sites >= MAX_SITES) fail(`${org.name} already has ${MAX_SITES} sites, the most an organisation may have`);
      const receipt = await client.send(`register site ${args.gln}`, () => client.registry.registerSite(gln, name));
      const event = logOf(client, receipt, "SiteRegistered");
      const result = {
        orgId: Number(org.id),
        siteIndex: Number(event.args.siteIndex),
        gln: gln.toString().padStart(13, "0"),
        name,
        transaction: receipt.hash,
      };
      if (args.json) return L.output.printJson(result);
      console.log(`${org.name} registered site ${result.siteIndex}: ${name}, GLN ${result.gln}.`);
    }),
  );

const KINDS = ["admin", "operator", "device"];

interface AccountArgs extends Common {
  account?: string;
  kind?: string;
  org?: string;
}

cliTask("alliance:invite", "The signer's organisation invites an account as operator, device key or next admin", true)
  .addOptionalParam("account", "The invited account's address")
  .addOptionalParam("kind", "operator, device or admin", "operator")
  .setAction(
    runTask<AccountArgs>(true, async (args, client) => {
      const account = L.codes.parseAddress(required(args.account, "--account"), "--account");
      const kindText = (args.kind ?? "operator").toLowerCase();
      if (!KINDS.includes(kindText)) fail(`kind "${args.kind}" is not an account kind: use operator, device or admin`);
      const kind = KINDS.indexOf(kindText) + 1;
      const org = await requireAdmin(client, "invite accounts");
      const { Revoked } = L.alliance.OrganisationStatus;
      if ((await standingOf(client, org.id)).status === Revoked) fail(`${org.name} is Revoked: it cannot invite`);
      if (await client.registry.hasRole(L.alliance.REGULATOR_ROLE, account)) {
        fail(`Account ${account} is a regulator: regulators belong to no organisation`);
      }
      const [memberOf, memberKind] = await client.registry.membershipOf(account);
      const ownOperator =
        memberOf === org.id && Number(memberKind) === L.alliance.AccountKind.Operator && kindText === "admin";
      if (memberOf !== 0n && !ownOperator) fail(`Account ${account} already belongs to ${orgLabel(client, memberOf)}`);
      if (kindText !== "admin" && (await client.registry.accountsOf(org.id)).length >= MAX_ACCOUNTS) {
        fail(`${org.name} already has ${MAX_ACCOUNTS} operator and device accounts, the most allowed`);
      }
      const receipt = await client.send(`invite ${account}`, () => client.registry.inviteAccount(account, kind));
      const result = { orgId: Number(org.id), account, kind: L.alliance.AccountKind[kind], transaction: receipt.hash };
      if (args.json) return L.output.printJson(result);
      console.log(
        `${org.name} invited ${account} as ${kindText}; it joins with alliance:accept-invitation --org ${org.id}.`,
      );
    }),
  );

cliTask("alliance:accept-invitation", "The signer accepts an organisation's invitation and joins it", true)
  .addOptionalParam("org", "The inviting organisation: id or name")
  .setAction(
    runTask<AccountArgs>(true, async (args, client) => {
      const org = await client.resolveOrg(required(args.org, "--org"));
      const account = await client.sender.getAddress();
      let kind = Number(await client.registry.invitationOf(org.id, account));
      const { None, Admin, Operator, Device } = L.alliance.AccountKind;
      const previousAdmin = (await client.registry.organisation(org.id)).admin;
      if ((await client.registry.membershipOf(previousAdmin))[0] !== org.id && ![Operator, Device].includes(kind)) {
        // The quorum replaced a lost admin: only the replacement it approved takes over.
        const motionId = await client.registry.adminReplacementId(org.id, previousAdmin, account);
        const executed = Number((await client.registry.motion(motionId)).status) === L.alliance.MotionStatus.Executed;
        kind = executed ? Admin : None;
      }
      if (kind === None) fail(`Account ${account} has no pending invitation from ${org.name}`);
      const { Revoked } = L.alliance.OrganisationStatus;
      if ((await standingOf(client, org.id)).status === Revoked) fail(`${org.name} is Revoked: nobody can join it`);
      const [memberOf] = await client.registry.membershipOf(account);
      if (memberOf !== 0n && !(memberOf === org.id && kind === L.alliance.AccountKind.Admin)) {
        fail(`Account ${account} already belongs to ${orgLabel(client, memberOf)}`);
      }
      const receipt = await client.send(`join ${org.name}`, () => client.registry.acceptInvitation(org.id));
      const kindName = L.alliance.AccountKind[kind];
      const result = { orgId: Number(org.id), account, kind: kindName, transaction: receipt.hash };
      if (args.json) return L.output.printJson(result);
      console.log(
        kind === L.alliance.AccountKind.Admin
          ? `${account} is now the admin of ${org.name}.`
          : `${account} joined ${org.name} as ${kindName.toLowerCase()}.`,
      );
    }),
  );

cliTask("alliance:cancel-invitation", "The signer's organisation cancels a pending invitation", true)
  .addOptionalParam("account", "The invited account's address")
  .setAction(
    runTask<AccountArgs>(true, async (args, client) => {
      const account = L.codes.parseAddress(required(args.account, "--account"), "--account");
      const org = await requireAdmin(client, "cancel invitations");
      if (Number(await client.registry.invitationOf(org.id, account)) === L.alliance.AccountKind.None) {
        fail(`${org.name} has no pending invitation for ${account}`);
      }
      const receipt = await client.send(`cancel the invitation of ${account}`, () =>
        client.registry.cancelInvitation(account),
      );
      const result = { orgId: Number(org.id), account, transaction: receipt.hash };
      if (args.json) return L.output.printJson(result);
      console.log(`${org.name} cancelled its invitation of ${account}.`);
    }),
  );

cliTask("alliance:remove-account", "The signer's organisation removes one of its operator or device accounts", true)
  .addOptionalParam("account", "The account's address")
  .setAction(
    runTask<AccountArgs>(true, async (args, client) => {
      const account = L.codes.parseAddress(required(args.account, "--account"), "--account");
      const org = await requireAdmin(client, "remove accounts");
      const [memberOf, kind] = await client.registry.membershipOf(account);
      const { Operator, Device } = L.alliance.AccountKind;
      if (memberOf !== org.id || ![Operator, Device].includes(Number(kind))) {
        fail(`Account ${account} is not an operator or device of ${org.name}`);
      }
      const receipt = await client.send(`remove ${account}`, () => client.registry.removeAccount(account));
      const result = {
        orgId: Number(org.id),
        account,
        kind: L.alliance.AccountKind[Number(kind)],
        transaction: receipt.hash,
      };
      if (args.json) return L.output.printJson(result);
      console.log(`${org.name} removed its ${result.kind.toLowerCase()} account ${account}.`);
    }),
  );
