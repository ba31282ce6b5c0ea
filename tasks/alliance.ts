/**
 * Alliance tasks: who takes part (`org`, `alliance:members`) and every action an organisation or a regulator takes
 * in the registry — registering, applying for roles, admission by quorum, suspension, revocation, licences, sites and
 * accounts. Governor- and guardian-only functions (pause, quorum, directory, network guests) are governance's tasks.
 */
import { ethers, type ContractTransactionReceipt } from "ethers";
import type { ConfigurableTaskDefinition } from "hardhat/types";
import type { MedAllianceClient, Organisation } from "../scripts/client/client";
import {
  formatTime,
  parseAddress,
  parseBytes32,
  parseDocument,
  parseGln,
  parseTime,
  required,
} from "../scripts/client/codes";
import { InputError } from "../scripts/client/failures";
import { printJson, printTable } from "../scripts/client/output";
import { memberTask, readTask, run, type ReadArgs, type SendArgs } from "../scripts/client/task";
import {
  AccountKind,
  BUSINESS_ROLES,
  BusinessRole,
  MotionStatus,
  OrganisationStatus,
  REGULATOR_ROLE,
  roleNames,
} from "../scripts/lib/alliance";
import { companyPrefix, companyPrefixDigits } from "../scripts/lib/gs1";
import { memberRows } from "../scripts/lib/report";

/** Most company prefixes one application may list (the registry's MAX_PREFIXES_PER_APPLICATION). */
const MAX_PREFIXES = 8;
/** Most sites per organisation (MAX_SITES). */
const MAX_SITES = 64;
/** Most operator and device accounts per organisation (MAX_ACCOUNTS). */
const MAX_ACCOUNTS = 32;
/** Role bits of the makers (Supplier, Manufacturer), who must name a company prefix. */
const MAKER_ROLES = [BusinessRole.Supplier, BusinessRole.Manufacturer];

/** What every `--reason` takes. */
const REASON = "The reasons: a file, a text or a 0x hash";

const roleName = (role: number | bigint) => BusinessRole[Number(role)];
const statusName = (status: number | bigint) => OrganisationStatus[Number(status)];

/** Prints `result` as JSON with `--json`, else the sentence. */
function report(args: ReadArgs, result: object, sentence: string): void {
  if (args.json) printJson(result);
  else console.log(sentence);
}

/** The organisation whose admin signs, refused when the signer is not an admin: only an organisation's admin `what`. */
async function requireAdmin(client: MedAllianceClient, what: string): Promise<Organisation> {
  const account = await client.sender.getAddress();
  const [orgId, kind] = await client.registry.membershipOf(account);
  if (orgId === 0n) {
    throw new InputError(`Account ${account} belongs to no organisation: only an organisation's admin may ${what}`);
  }
  const org = await client.resolveOrg(orgId);
  if (Number(kind) !== AccountKind.Admin) {
    const kindName = AccountKind[Number(kind)].toLowerCase();
    const article = /^[aeiou]/.test(kindName) ? "an" : "a";
    throw new InputError(`Account ${account} is ${article} ${kindName} of ${org.name}: only its admin may ${what}`);
  }
  return org;
}

/** An account parameter (`--account`, `--new-admin`): required, an address. */
function accountArg(text: string | undefined, label = "--account"): string {
  return parseAddress(required(text, label), label);
}

/** A business role by name, case-insensitive ("manufacturer"). */
function parseRole(text: string | undefined): number {
  const value = required(text, "--role").toLowerCase();
  const role = BUSINESS_ROLES.find((r) => BusinessRole[r].toLowerCase() === value);
  if (role === undefined) {
    const names = BUSINESS_ROLES.map((r) => BusinessRole[r]).join(", ");
    throw new InputError(`role "${text}" is not a business role: use one of ${names}`);
  }
  return role;
}

/** GS1 company prefixes as printed ("0614141, 4012345"): 6 to 12 digits each, at most 8, each listed once. */
function parsePrefixes(text: string | undefined): bigint[] {
  if (text === undefined || text.trim() === "") return [];
  const parts = text
    .split(/[\s,;]+/)
    .map((part) => part.trim())
    .filter((part) => part !== "");
  for (const part of parts) {
    if (!/^\d{6,12}$/.test(part)) {
      throw new InputError(`company prefix "${part}" is not a GS1 company prefix: it has 6 to 12 digits`);
    }
  }
  if (new Set(parts).size !== parts.length) throw new InputError("a company prefix is listed twice");
  if (parts.length > MAX_PREFIXES) {
    throw new InputError(`${parts.length} company prefixes: an application lists at most ${MAX_PREFIXES}`);
  }
  return parts.map((part) => companyPrefix(part));
}

/** Refuses prefixes that already belong to an organisation. */
async function refuseOwnedPrefixes(client: MedAllianceClient, prefixes: bigint[]): Promise<void> {
  for (const prefix of prefixes) {
    const owner = await client.registry.companyPrefixOwner(prefix);
    if (owner !== 0n) {
      throw new InputError(
        `Company prefix ${companyPrefixDigits(prefix)} already belongs to ${client.orgLabel(owner)}`,
      );
    }
  }
}

/** Refuses new applications while paused, makers' applications without a prefix, and prefixes already owned. */
async function checkApplication(client: MedAllianceClient, role: number, prefixes: bigint[]): Promise<void> {
  await client.requireNotPaused("apply for roles");
  if (MAKER_ROLES.includes(role) && prefixes.length === 0) {
    throw new InputError(`A ${roleName(role)} must name at least one GS1 company prefix (--prefixes)`);
  }
  await refuseOwnedPrefixes(client, prefixes);
}

/** Refuses an account that already belongs to an organisation (other than `except`). */
async function refuseMember(client: MedAllianceClient, account: string, except?: bigint): Promise<void> {
  const [memberOf] = await client.registry.membershipOf(account);
  if (memberOf !== 0n && memberOf !== except) {
    throw new InputError(`Account ${account} already belongs to ${client.orgLabel(memberOf)}`);
  }
}

/** A licence expiry that must lie ahead of the chain's clock. */
async function expiryArg(client: MedAllianceClient, text: string | undefined): Promise<number> {
  const expiry = parseTime(required(text, "--expiry"), await client.now(), { label: "licence expiry", future: true });
  if (expiry >= 2 ** 40) throw new InputError(`licence expiry ${text} is too far in the future`);
  return expiry;
}

/** An organisation's current standing, fresh from the registry. */
async function standingOf(client: MedAllianceClient, orgId: bigint): Promise<{ status: number; roles: number }> {
  const [status, roles] = await client.registry.standing(orgId);
  return { status: Number(status), roles: Number(roles) };
}

/** Refuses an organisation whose standing is not among `allowed`: "<name> is <status>: <what>". */
async function requireStanding(client: MedAllianceClient, org: Organisation, allowed: number[], what: string) {
  const { status } = await standingOf(client, org.id);
  if (!allowed.includes(status)) throw new InputError(`${org.name} is ${statusName(status)}: ${what}`);
  return status;
}

/** Refuses a revoked organisation: "<name> is Revoked: <what>". */
async function refuseRevoked(client: MedAllianceClient, org: Organisation, what: string): Promise<void> {
  const { Registered, Active, Suspended, Expired } = OrganisationStatus;
  await requireStanding(client, org, [Registered, Active, Suspended, Expired], what);
}

/** The organisation `--org` names (id or name), required. */
function orgArg(client: MedAllianceClient, args: { org?: string }): Promise<Organisation> {
  return client.resolveOrg(required(args.org, "--org"));
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

/** A motion's progress as JSON fields and as "1 of 2 approvals". */
async function progress(client: MedAllianceClient, motionId: string) {
  const motion = await client.registry.motion(motionId);
  const approvals = Number(motion.approvals);
  const quorum = Number(motion.quorum);
  const executed = Number(motion.status) === MotionStatus.Executed;
  return { approvals, quorum, executed, text: `${approvals} of ${quorum} approvals` };
}

/** A regulator's action: refused unless the signer is a regulator ("only regulators `what`"); `body` gets its address. */
function regulatorAction<A extends SendArgs>(
  what: string,
  body: (args: A, client: MedAllianceClient, regulator: string) => Promise<void>,
) {
  return run<A>(true, async (args, client) => body(args, client, await client.requireRegulator(what)));
}

/** Refuses a regulator's second approval of a motion. */
async function refuseApproved(client: MedAllianceClient, motionId: string, regulator: string, what: string) {
  if (await client.registry.hasApproved(motionId, regulator)) {
    throw new InputError(`Account ${regulator} has already approved ${what}`);
  }
}

// ------------------------------------------------------------------ applications

interface Application {
  id: string;
  orgId: bigint;
  orgName: string;
  role: number;
  prefixes: bigint[];
  status: number;
  approvals: bigint;
  quorum: bigint;
}

interface ApplicationArgs extends SendArgs {
  application?: string;
  org?: string;
  role?: string;
  reason?: string;
}

/**
 * An application named by its id (`--application 0x…`) or by organisation and role (`--org`, `--role`: its latest
 * pending application, found in the registry's events). `defaultOrg` stands in for a missing `--org`.
 */
async function findApplication(
  client: MedAllianceClient,
  args: ApplicationArgs,
  defaultOrg?: Organisation,
): Promise<Application> {
  const registry = client.registry;
  const from = client.system.fromBlock;
  let event;
  if (args.application !== undefined) {
    const id = parseBytes32(args.application, "application");
    [event] = await registry.queryFilter(registry.filters.ApplicationSubmitted(id), from);
    if (event === undefined) {
      throw new InputError(`application ${args.application}: the registry has no application with this id`);
    }
  } else {
    if (args.org === undefined && defaultOrg === undefined) {
      throw new InputError("name the application: --application <id>, or --org and --role");
    }
    const org = args.org === undefined ? defaultOrg! : await client.resolveOrg(args.org);
    const role = parseRole(args.role);
    const all = await registry.queryFilter(registry.filters.ApplicationSubmitted(undefined, org.id, role), from);
    for (const candidate of all.reverse()) {
      if (Number((await registry.motion(candidate.args.applicationId)).status) === MotionStatus.Pending) {
        event = candidate;
        break;
      }
    }
    if (event === undefined) throw new InputError(`${org.name} has no pending application for ${roleName(role)}`);
  }
  const motion = await registry.motion(event.args.applicationId);
  return {
    id: event.args.applicationId,
    orgId: event.args.orgId,
    orgName: (await client.resolveOrg(event.args.orgId)).name,
    role: Number(event.args.role),
    prefixes: [...event.args.companyPrefixes],
    status: Number(motion.status),
    approvals: motion.approvals,
    quorum: motion.quorum,
  };
}

function requirePending(app: Application, what: string): void {
  if (app.status !== MotionStatus.Pending) {
    throw new InputError(
      `Application ${app.id} is ${MotionStatus[app.status]}: only pending applications can be ${what}`,
    );
  }
}

function describeApplication(app: Application): string {
  return `${app.orgName}'s application for ${roleName(app.role)}`;
}

/** An application's fields every application task prints. */
function applicationResult(app: Application) {
  return { applicationId: app.id, orgId: Number(app.orgId), role: roleName(app.role) };
}

// ------------------------------------------------------------------ the read-only views

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
    accounts.push({ address, kind: AccountKind[Number(kind)] });
  }
  const applications = [];
  for (const e of await registry.queryFilter(registry.filters.ApplicationSubmitted(undefined, org.id), from)) {
    const motion = await registry.motion(e.args.applicationId);
    applications.push({
      applicationId: e.args.applicationId,
      role: roleName(e.args.role),
      companyPrefixes: e.args.companyPrefixes.map((p) => companyPrefixDigits(p)),
      status: MotionStatus[Number(motion.status)],
      approvals: Number(motion.approvals),
      quorum: Number(motion.quorum),
    });
  }
  const [pendingHash, pendingExpiry] = await registry.pendingLicenceRenewal(org.id);
  return {
    id: Number(org.id),
    name: org.name,
    status: statusName(view.status),
    roles: roleNames(view.roles),
    admin: view.admin,
    licenceHash: view.licenceHash,
    licenceURI: uris.get(view.licenceHash) ?? null,
    licenceExpiry: Number(view.licenceExpiry),
    licenceExpiryUtc: formatTime(view.licenceExpiry),
    pendingLicence:
      pendingHash === ethers.ZeroHash
        ? null
        : {
            licenceHash: pendingHash,
            licenceURI: uris.get(pendingHash) ?? null,
            licenceExpiry: Number(pendingExpiry),
            licenceExpiryUtc: formatTime(pendingExpiry),
          },
    sites,
    accounts,
    applications,
  };
}

/** Every organisation: standing, roles, licence expiry and accounts, as a table or JSON. */
async function printMembers(client: MedAllianceClient, args: ReadArgs): Promise<void> {
  const names = new Map([...(await client.organisations()).values()].map((o) => [o.id, o.name]));
  const rows = await memberRows(client.registry, names);
  if (args.json) printJson(rows);
  else printTable(rows as never, "The alliance has no organisations yet.");
}

readTask("org", "Shows one organisation (by id or name) or, without one, every organisation of the alliance")
  .addOptionalPositionalParam("org", "The organisation: its id or name (a unique beginning is enough)")
  .setAction(
    run<SendArgs & { org?: string }>(false, async (args, client) => {
      if (args.org === undefined) return printMembers(client, args);
      const detail = await orgDetail(client, await client.resolveOrg(args.org));
      if (args.json) return printJson(detail);
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
      printTable(detail.sites, "No sites registered.");
      console.log("\nAccounts:");
      printTable(detail.accounts);
      console.log("\nApplications:");
      printTable(
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

readTask(
  "alliance:members",
  "Lists the alliance's organisations: standing, roles, licence expiry and accounts",
).setAction(run<SendArgs>(false, async (args, client) => printMembers(client, args)));

// ------------------------------------------------------------------ registering and applying

interface RegisterArgs extends SendArgs {
  name?: string;
  role?: string;
  licence?: string;
  licenceUri?: string;
  expiry?: string;
  prefixes?: string;
}

memberTask("alliance:register", "Registers the signer's organisation with its licence and applies for its first role")
  .addOptionalParam("name", "The organisation's name")
  .addOptionalParam("role", "The business role applied for (Supplier, Manufacturer, Logistics, Distributor, ...)")
  .addOptionalParam("licence", "The business licence: a file, its text, or its 0x hash")
  .addOptionalParam("licenceUri", "Where the licence document can be fetched", "")
  .addOptionalParam("expiry", 'Licence expiry: "2028-12-31" or "+365d"')
  .addOptionalParam("prefixes", 'GS1 company prefixes as printed, comma-separated ("0614141,4012345")')
  .setAction(
    run<RegisterArgs>(true, async (args, client) => {
      const name = required(args.name, "--name");
      const role = parseRole(args.role);
      const licenceHash = parseDocument(args.licence, "--licence");
      const expiry = await expiryArg(client, args.expiry);
      const prefixes = parsePrefixes(args.prefixes);
      const account = await client.sender.getAddress();
      await refuseMember(client, account);
      if (await client.registry.hasRole(REGULATOR_ROLE, account)) {
        throw new InputError(`Account ${account} is a regulator: regulators cannot register an organisation`);
      }
      const same = [...(await client.organisations()).values()].find(
        (o) => o.name.toLowerCase() === name.toLowerCase(),
      );
      if (same !== undefined) {
        throw new InputError(`An organisation named "${same.name}" is already registered (organisation ${same.id})`);
      }
      await checkApplication(client, role, prefixes);
      const receipt = await client.send(`register ${name}`, () =>
        client.registry.registerOrganisation(licenceHash, args.licenceUri ?? "", expiry, name, role, prefixes),
      );
      const result = {
        orgId: Number(logOf(client, receipt, "OrganisationRegistered").args.orgId),
        name,
        role: roleName(role),
        applicationId: logOf(client, receipt, "ApplicationSubmitted").args.applicationId as string,
        licenceHash,
        licenceExpiry: expiry,
        companyPrefixes: prefixes.map((p) => companyPrefixDigits(p)),
        transaction: receipt.hash,
      };
      report(
        args,
        result,
        `Registered ${name} as organisation ${result.orgId}, licence valid until ${formatTime(expiry)}.\n` +
          `Its application for ${result.role} is ${result.applicationId}: it awaits ` +
          `${await client.registry.quorum()} regulators' approvals.`,
      );
    }),
  );

memberTask("alliance:apply", "The signer's organisation applies for a further business role")
  .addOptionalParam("role", "The business role applied for")
  .addOptionalParam("prefixes", 'GS1 company prefixes as printed, comma-separated ("0614141")')
  .setAction(
    run<SendArgs & { role?: string; prefixes?: string }>(true, async (args, client) => {
      const role = parseRole(args.role);
      const prefixes = parsePrefixes(args.prefixes);
      const org = await requireAdmin(client, "apply for a role");
      const { Registered, Active } = OrganisationStatus;
      await requireStanding(client, org, [Registered, Active], "only Registered or Active organisations apply");
      if (((await standingOf(client, org.id)).roles >> role) & 1) {
        throw new InputError(`${org.name} is already admitted as ${roleName(role)}`);
      }
      await checkApplication(client, role, prefixes);
      const receipt = await client.send(`apply for ${roleName(role)}`, () =>
        client.registry.applyForRole(role, prefixes),
      );
      const result = {
        orgId: Number(org.id),
        role: roleName(role),
        applicationId: logOf(client, receipt, "ApplicationSubmitted").args.applicationId as string,
        companyPrefixes: prefixes.map((p) => companyPrefixDigits(p)),
        transaction: receipt.hash,
      };
      report(
        args,
        result,
        `${org.name} applied for ${result.role}: application ${result.applicationId} awaits the regulators.`,
      );
    }),
  );

/** A task naming an application by id, or by organisation and role. */
function applicationTask(name: string, description: string): ConfigurableTaskDefinition {
  return memberTask(name, description)
    .addOptionalParam("application", "The application's id (0x…)")
    .addOptionalParam("org", "Instead of --application: the applicant (id or name), with --role")
    .addOptionalParam("role", "Instead of --application: the role applied for, with --org");
}

applicationTask("alliance:withdraw-application", "The applicant withdraws its pending application").setAction(
  run<ApplicationArgs>(true, async (args, client) => {
    const org = await requireAdmin(client, "withdraw an application");
    const app = await findApplication(client, args, org);
    if (app.orgId !== org.id) {
      throw new InputError(`Application ${app.id} is ${describeApplication(app)}, not ${org.name}'s`);
    }
    requirePending(app, "withdrawn");
    const receipt = await client.send("withdraw the application", () => client.registry.withdrawApplication(app.id));
    const result = { ...applicationResult(app), transaction: receipt.hash };
    report(args, result, `${org.name} withdrew its application for ${result.role} (${app.id}).`);
  }),
);

applicationTask(
  "alliance:approve",
  "A regulator approves an application; at the quorum the organisation is admitted to the role",
).setAction(
  regulatorAction<ApplicationArgs>("approve applications", async (args, client, regulator) => {
    const app = await findApplication(client, args);
    requirePending(app, "approved");
    const { Registered, Active, Expired } = OrganisationStatus;
    const applicant = await client.resolveOrg(app.orgId);
    await requireStanding(client, applicant, [Registered, Active, Expired], "it cannot be admitted to a role");
    await refuseOwnedPrefixes(client, app.prefixes);
    if (app.approvals < app.quorum) await refuseApproved(client, app.id, regulator, describeApplication(app));
    const receipt = await client.send(`approve ${describeApplication(app)}`, () =>
      client.registry.approveApplication(app.id, app.prefixes),
    );
    const { text, executed: admitted, ...counts } = await progress(client, app.id);
    const result = { ...applicationResult(app), ...counts, admitted, transaction: receipt.hash };
    report(
      args,
      result,
      admitted
        ? `Approved: ${app.orgName} is admitted as ${result.role}.`
        : `Approved ${describeApplication(app)}: ${text}.`,
    );
  }),
);

applicationTask("alliance:reject", "A regulator rejects a pending application, with written reasons")
  .addOptionalParam("reason", REASON)
  .setAction(
    regulatorAction<ApplicationArgs>("reject applications", async (args, client) => {
      const reasonHash = parseDocument(args.reason, "--reason");
      const app = await findApplication(client, args);
      requirePending(app, "rejected");
      const receipt = await client.send(`reject ${describeApplication(app)}`, () =>
        client.registry.rejectApplication(app.id, reasonHash),
      );
      const result = { ...applicationResult(app), reasonHash, transaction: receipt.hash };
      report(args, result, `Rejected ${describeApplication(app)} (${app.id}).`);
    }),
  );

// ------------------------------------------------------------------ regulators' actions on organisations

interface OrgArgs extends SendArgs {
  org?: string;
  reason?: string;
}

function orgTask(name: string, description: string): ConfigurableTaskDefinition {
  return memberTask(name, description).addOptionalParam("org", "The organisation: id or name");
}

orgTask("alliance:suspend", "A regulator suspends an organisation at once: none of its accounts may act")
  .addOptionalParam("reason", REASON)
  .setAction(
    regulatorAction<OrgArgs>("suspend organisations", async (args, client) => {
      const org = await orgArg(client, args);
      const reasonHash = parseDocument(args.reason, "--reason");
      const { Registered, Active, Expired } = OrganisationStatus;
      await requireStanding(client, org, [Registered, Active, Expired], "it cannot be suspended");
      const receipt = await client.send(`suspend ${org.name}`, () =>
        client.registry.suspendOrganisation(org.id, reasonHash),
      );
      const result = { orgId: Number(org.id), status: "Suspended", reasonHash, transaction: receipt.hash };
      report(args, result, `Suspended ${org.name}: none of its accounts may act until a regulator reinstates it.`);
    }),
  );

orgTask("alliance:reinstate", "A regulator lifts an organisation's suspension").setAction(
  regulatorAction<OrgArgs>("reinstate organisations", async (args, client) => {
    const org = await orgArg(client, args);
    const { Suspended } = OrganisationStatus;
    await requireStanding(client, org, [Suspended], "only a suspended organisation can be reinstated");
    const receipt = await client.send(`reinstate ${org.name}`, () => client.registry.reinstateOrganisation(org.id));
    const status = statusName((await standingOf(client, org.id)).status);
    report(
      args,
      { orgId: Number(org.id), status, transaction: receipt.hash },
      `Reinstated ${org.name}: it is ${status} again.`,
    );
  }),
);

orgTask("alliance:revoke", "A regulator approves revoking an organisation; the quorum revokes it for good")
  .addOptionalParam("reason", REASON)
  .setAction(
    regulatorAction<OrgArgs>("revoke organisations", async (args, client, regulator) => {
      const org = await orgArg(client, args);
      const reasonHash = parseDocument(args.reason, "--reason");
      const { Revoked } = OrganisationStatus;
      if ((await standingOf(client, org.id)).status === Revoked) throw new InputError(`${org.name} is already Revoked`);
      const motionId = await client.registry.revocationId(org.id);
      await refuseApproved(client, motionId, regulator, `revoking ${org.name}`);
      const receipt = await client.send(`approve revoking ${org.name}`, () =>
        client.registry.approveRevocation(org.id, reasonHash),
      );
      const { approvals, quorum, text } = await progress(client, motionId);
      const revoked = (await standingOf(client, org.id)).status === Revoked;
      const result = {
        orgId: Number(org.id),
        motionId,
        approvals,
        quorum,
        revoked,
        reasonHash,
        transaction: receipt.hash,
      };
      report(args, result, revoked ? `Revoked ${org.name} for good.` : `Approved revoking ${org.name}: ${text}.`);
    }),
  );

orgTask("alliance:replace-admin", "A regulator approves replacing an organisation's lost admin account (quorum)")
  .addOptionalParam("newAdmin", "The replacement admin account")
  .setAction(
    regulatorAction<OrgArgs & { newAdmin?: string }>(
      "replace an organisation's admin",
      async (args, client, regulator) => {
        const org = await orgArg(client, args);
        const newAdmin = accountArg(args.newAdmin, "--new-admin");
        await refuseRevoked(client, org, "its admin stays");
        if (await client.registry.hasRole(REGULATOR_ROLE, newAdmin)) {
          throw new InputError(`Account ${newAdmin} is a regulator: it cannot be an organisation's admin`);
        }
        await refuseMember(client, newAdmin, org.id);
        const currentAdmin = (await client.registry.organisation(org.id)).admin;
        const motionId = await client.registry.adminReplacementId(org.id, currentAdmin, newAdmin);
        await refuseApproved(client, motionId, regulator, `replacing ${org.name}'s admin with ${newAdmin}`);
        const receipt = await client.send(`approve replacing ${org.name}'s admin`, () =>
          client.registry.approveAdminReplacement(org.id, newAdmin),
        );
        const { text, executed: invited, ...counts } = await progress(client, motionId);
        const result = {
          orgId: Number(org.id),
          motionId,
          previousAdmin: currentAdmin,
          newAdmin,
          ...counts,
          invited,
          transaction: receipt.hash,
        };
        report(
          args,
          result,
          invited
            ? `Replaced ${org.name}'s admin: ${currentAdmin} lost its membership; ${newAdmin} takes over by ` +
                `accepting (alliance:accept-invitation --org ${org.id}).`
            : `Approved replacing ${org.name}'s admin with ${newAdmin}: ${text}.`,
        );
      },
    ),
  );

// ------------------------------------------------------------------ licences

memberTask("alliance:renew-licence", "The signer's organisation proposes its renewed licence to the regulators")
  .addOptionalParam("licence", "The new licence: a file, its text, or its 0x hash")
  .addOptionalParam("licenceUri", "Where the new licence document can be fetched", "")
  .addOptionalParam("expiry", 'The new licence\'s expiry: "2029-12-31" or "+365d"')
  .setAction(
    run<RegisterArgs>(true, async (args, client) => {
      const org = await requireAdmin(client, "renew its licence");
      const licenceHash = parseDocument(args.licence, "--licence");
      const expiry = await expiryArg(client, args.expiry);
      await refuseRevoked(client, org, "it cannot renew");
      const receipt = await client.send("propose the renewed licence", () =>
        client.registry.proposeLicenceRenewal(licenceHash, args.licenceUri ?? "", expiry),
      );
      report(
        args,
        { orgId: Number(org.id), licenceHash, licenceExpiry: expiry, transaction: receipt.hash },
        `${org.name} proposed its renewed licence (valid until ${formatTime(expiry)}); ` +
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
    regulatorAction<OrgArgs & { licence?: string }>("approve licences", async (args, client) => {
      const org = await orgArg(client, args);
      const [pending, expiry] = await client.registry.pendingLicenceRenewal(org.id);
      if (pending === ethers.ZeroHash) throw new InputError(`${org.name} has no licence renewal waiting for approval`);
      if (args.licence !== undefined) {
        const given = parseDocument(args.licence, "--licence");
        if (given !== pending) {
          throw new InputError(`The licence given (${given}) is not the one ${org.name} proposed (${pending})`);
        }
      }
      await refuseRevoked(client, org, "its licence stays");
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
      report(args, result, `Approved ${org.name}'s licence: valid until ${formatTime(expiry)}; it is ${status}.`);
    }),
  );

// ------------------------------------------------------------------ sites and accounts

memberTask("alliance:add-site", "The signer's organisation registers a site by its GLN")
  .addOptionalParam("gln", "The site's GLN as printed (13 digits)")
  .addOptionalParam("name", "The site's name")
  .setAction(
    run<SendArgs & { gln?: string; name?: string }>(true, async (args, client) => {
      const gln = parseGln(required(args.gln, "--gln"));
      const name = required(args.name, "--name");
      const org = await requireAdmin(client, "register sites");
      await refuseRevoked(client, org, "it cannot add sites");
      const owner = await client.registry.glnOwner(gln);
      if (owner !== 0n) throw new InputError(`GLN ${args.gln} is already a site of ${client.orgLabel(owner)}`);
      if ((await client.registry.sitesOf(org.id)).length >= MAX_SITES) {
        throw new InputError(`${org.name} already has ${MAX_SITES} sites, the most an organisation may have`);
      }
      const receipt = await client.send(`register site ${args.gln}`, () => client.registry.registerSite(gln, name));
      const result = {
        orgId: Number(org.id),
        siteIndex: Number(logOf(client, receipt, "SiteRegistered").args.siteIndex),
        gln: gln.toString().padStart(13, "0"),
        name,
        transaction: receipt.hash,
      };
      report(args, result, `${org.name} registered site ${result.siteIndex}: ${name}, GLN ${result.gln}.`);
    }),
  );

const KINDS = ["admin", "operator", "device"];

interface AccountArgs extends SendArgs {
  account?: string;
  kind?: string;
  org?: string;
}

/** An admin's task on one account of its organisation: `--account`, checked, then `body`. */
function accountTask(
  name: string,
  description: string,
  what: string,
  body: (args: AccountArgs, client: MedAllianceClient, account: string, org: Organisation) => Promise<void>,
): ConfigurableTaskDefinition {
  return memberTask(name, description)
    .addOptionalParam("account", "The account's address")
    .setAction(
      run<AccountArgs>(true, async (args, client) => {
        const account = accountArg(args.account);
        await body(args, client, account, await requireAdmin(client, what));
      }),
    );
}

accountTask(
  "alliance:invite",
  "The signer's organisation invites an account as operator, device key or next admin",
  "invite accounts",
  async (args, client, account, org) => {
    const kindText = (args.kind ?? "operator").toLowerCase();
    if (!KINDS.includes(kindText)) {
      throw new InputError(`kind "${args.kind}" is not an account kind: use operator, device or admin`);
    }
    const kind = KINDS.indexOf(kindText) + 1;
    await refuseRevoked(client, org, "it cannot invite");
    if (await client.registry.hasRole(REGULATOR_ROLE, account)) {
      throw new InputError(`Account ${account} is a regulator: regulators belong to no organisation`);
    }
    const [, memberKind] = await client.registry.membershipOf(account);
    const ownOperator = Number(memberKind) === AccountKind.Operator && kindText === "admin";
    await refuseMember(client, account, ownOperator ? org.id : undefined);
    if (kindText !== "admin" && (await client.registry.accountsOf(org.id)).length >= MAX_ACCOUNTS) {
      throw new InputError(`${org.name} already has ${MAX_ACCOUNTS} operator and device accounts, the most allowed`);
    }
    const receipt = await client.send(`invite ${account}`, () => client.registry.inviteAccount(account, kind));
    report(
      args,
      { orgId: Number(org.id), account, kind: AccountKind[kind], transaction: receipt.hash },
      `${org.name} invited ${account} as ${kindText}; it joins with alliance:accept-invitation --org ${org.id}.`,
    );
  },
).addOptionalParam("kind", "operator, device or admin", "operator");

memberTask("alliance:accept-invitation", "The signer accepts an organisation's invitation and joins it")
  .addOptionalParam("org", "The inviting organisation: id or name")
  .setAction(
    run<AccountArgs>(true, async (args, client) => {
      const org = await orgArg(client, args);
      const account = await client.sender.getAddress();
      let kind = Number(await client.registry.invitationOf(org.id, account));
      const { None, Admin, Operator, Device } = AccountKind;
      const previousAdmin = (await client.registry.organisation(org.id)).admin;
      if ((await client.registry.membershipOf(previousAdmin))[0] !== org.id && ![Operator, Device].includes(kind)) {
        // The quorum replaced a lost admin: only the replacement it approved takes over.
        const motionId = await client.registry.adminReplacementId(org.id, previousAdmin, account);
        kind = (await progress(client, motionId)).executed ? Admin : None;
      }
      if (kind === None) throw new InputError(`Account ${account} has no pending invitation from ${org.name}`);
      await refuseRevoked(client, org, "nobody can join it");
      await refuseMember(client, account, kind === Admin ? org.id : undefined);
      const receipt = await client.send(`join ${org.name}`, () => client.registry.acceptInvitation(org.id));
      const kindName = AccountKind[kind];
      report(
        args,
        { orgId: Number(org.id), account, kind: kindName, transaction: receipt.hash },
        kind === Admin
          ? `${account} is now the admin of ${org.name}.`
          : `${account} joined ${org.name} as ${kindName.toLowerCase()}.`,
      );
    }),
  );

accountTask(
  "alliance:cancel-invitation",
  "The signer's organisation cancels a pending invitation",
  "cancel invitations",
  async (args, client, account, org) => {
    if (Number(await client.registry.invitationOf(org.id, account)) === AccountKind.None) {
      throw new InputError(`${org.name} has no pending invitation for ${account}`);
    }
    const receipt = await client.send(`cancel the invitation of ${account}`, () =>
      client.registry.cancelInvitation(account),
    );
    report(
      args,
      { orgId: Number(org.id), account, transaction: receipt.hash },
      `${org.name} cancelled its invitation of ${account}.`,
    );
  },
);

accountTask(
  "alliance:remove-account",
  "The signer's organisation removes one of its operator or device accounts",
  "remove accounts",
  async (args, client, account, org) => {
    const [memberOf, kind] = await client.registry.membershipOf(account);
    if (memberOf !== org.id || ![AccountKind.Operator, AccountKind.Device].includes(Number(kind))) {
      throw new InputError(`Account ${account} is not an operator or device of ${org.name}`);
    }
    const receipt = await client.send(`remove ${account}`, () => client.registry.removeAccount(account));
    const result = { orgId: Number(org.id), account, kind: AccountKind[Number(kind)], transaction: receipt.hash };
    report(args, result, `${org.name} removed its ${result.kind.toLowerCase()} account ${account}.`);
  },
);
