/**
 * Besu's local permissioning allowlists, derived from the registry and the node registry at one block, rendered as
 * `permissions_config.toml`, and pushed to a running Besu node through its PERM JSON-RPC API.
 */
import { ethers } from "ethers";
import { HardhatPluginError } from "hardhat/plugins";
import { AllianceNodes__factory } from "../../typechain-types";
import { AccountKind, GUARDIAN_ROLE, OrganisationStatus, statusMask } from "./alliance";
import type { System } from "./deployment";
import { NodeStatus, enodeHashOf, enodeUrl, nodeStatusMask, normaliseEnode, parseEnode } from "./nodes";

const PLUGIN = "medalliance";
const PAGE = 100;

/**
 * Blocks per `eth_getLogs` request when a node refuses to scan the whole history at once (Besu bounds the range
 * with `--rpc-max-logs-range`).
 */
export const DEFAULT_LOGS_RANGE = 1000;

/** An allowlisted account and why the registry admits it. */
export interface AllowlistAccount {
  address: string;
  reasons: string[];
}

/** An allowlisted node. */
export interface AllowlistNode {
  enode: string;
  nodeId: string;
  orgId: number;
}

/** Both allowlists, as read at `block`. */
export interface Allowlist {
  chainId: string;
  registry: string;
  nodeRegistry: string;
  block: number;
  /** Sorted by address (lower case). */
  accounts: AllowlistAccount[];
  /** Sorted by enode URL. */
  nodes: AllowlistNode[];
}

/**
 * Reads the allowlists at the latest block:
 * - accounts: every admin, operator and device of each organisation that is not revoked (suspended and expired ones
 *   must still renew and withdraw) and every account such an organisation has invited and that has not accepted yet
 *   (it must send its acceptance); the governor and an incoming governor; regulators; guardians; network guests;
 * - nodes: the approved nodes of Active organisations.
 */
export async function buildAllowlist(
  system: System,
  provider: ethers.Provider,
  options: { logsRange?: number } = {},
): Promise<Allowlist> {
  const nodesAddress = system.directory.get("AllianceNodes");
  if (nodesAddress === undefined) {
    throw new HardhatPluginError(
      PLUGIN,
      `the registry at ${system.registryAddress} has no "AllianceNodes" in its directory: deploy the node registry`,
    );
  }
  const block = await provider.getBlockNumber();
  const at = { blockTag: block };
  const range = options.logsRange ?? DEFAULT_LOGS_RANGE;
  const registry = system.registry;
  const nodes = AllianceNodes__factory.connect(nodesAddress, provider);

  const accounts = new Map<string, AllowlistAccount>();
  const admit = (address: string, reason: string) => {
    const key = address.toLowerCase();
    const entry = accounts.get(key) ?? { address: key, reasons: [] };
    if (!entry.reasons.includes(reason)) entry.reasons.push(reason);
    accounts.set(key, entry);
  };

  // Governance: the governor (and one being handed over to, so it can accept), regulators, guardians.
  const governor = await registry.governor(at);
  if (governor !== ethers.ZeroAddress) admit(governor, "governor");
  const [incoming] = await registry.pendingDefaultAdmin(at);
  if (incoming !== ethers.ZeroAddress) admit(incoming, "incoming governor");
  for (const regulator of await registry.regulators(at)) admit(regulator, "regulator");
  for (const guardian of await guardians(system, provider, block, range)) admit(guardian, "guardian");

  // Organisations that are not revoked: their admin, operators and devices.
  const standing = new Map<bigint, OrganisationStatus>();
  const awaitingReplacement = new Set<bigint>(); // the quorum replaced the admin; the replacement has not accepted
  const notRevoked = statusMask(
    OrganisationStatus.Registered,
    OrganisationStatus.Active,
    OrganisationStatus.Suspended,
    OrganisationStatus.Expired,
  );
  let cursor = 1n;
  do {
    const [ids, next] = await registry.listOrganisations(0, notRevoked, cursor, PAGE, at);
    for (const orgId of ids) {
      const org = await registry.organisation(orgId, at);
      standing.set(orgId, Number(org.status));
      const [adminOf] = await registry.membershipOf(org.admin, at);
      if (adminOf === orgId) admit(org.admin, `organisation ${orgId} admin`);
      else awaitingReplacement.add(orgId); // the quorum replaced this key; its replacement has not accepted yet
      for (const account of await registry.accountsOf(orgId, at)) {
        const [, kind] = await registry.membershipOf(account, at);
        admit(account, `organisation ${orgId} ${AccountKind[Number(kind)].toLowerCase()}`);
      }
    }
    cursor = next;
  } while (cursor !== 0n);

  // Pending invitations of those organisations: the invited account must be able to send its acceptance.
  const invited = await scan(provider, registry, registry.filters.AccountInvited(), system.fromBlock, block, range);
  for (const log of invited) {
    const args = registry.interface.parseLog(log)!.args as unknown as { orgId: bigint; account: string; kind: bigint };
    const { orgId, account } = args;
    if (!standing.has(orgId)) continue;
    const kind = Number(await registry.invitationOf(orgId, account, at));
    if (kind !== AccountKind.None) {
      admit(account, `invited to organisation ${orgId} as ${AccountKind[kind].toLowerCase()}`);
    } else if (awaitingReplacement.has(orgId) && Number(args.kind) === AccountKind.Admin) {
      // A replacement the quorum approved holds no stored invitation: its acceptance must reach the chain.
      admit(account, `replacement admin approved for organisation ${orgId}`);
    }
  }

  // Network guests granted by regulators.
  let guestCursor = 0n;
  do {
    const [guests, next] = await registry.listNetworkGuests(guestCursor, PAGE, at);
    for (const guest of guests) admit(guest, "network guest");
    guestCursor = next;
  } while (guestCursor !== 0n);

  // Nodes: approved, of Active organisations, with the endpoint of the proposal that was approved.
  const proposals = new Map<string, { publicKey: string; host: string; port: number }[]>();
  for (const log of await scan(provider, nodes, nodes.filters.NodeProposed(), system.fromBlock, block, range)) {
    const { nodeId, publicKey, host, port } = nodes.interface.parseLog(log)!.args as unknown as {
      nodeId: string;
      publicKey: string;
      host: string;
      port: bigint;
    };
    proposals.set(nodeId, [...(proposals.get(nodeId) ?? []), { publicKey, host, port: Number(port) }]);
  }
  const allowedNodes: AllowlistNode[] = [];
  let nodeCursor = 0n;
  do {
    const [ids, next] = await nodes.listNodes(0, nodeStatusMask(NodeStatus.Approved), nodeCursor, PAGE, at);
    for (const nodeId of ids) {
      const view = await nodes.node(nodeId, at);
      if (standing.get(view.orgId) !== OrganisationStatus.Active) continue;
      const proposal = (proposals.get(nodeId) ?? []).find((p) => enodeHashOf(p) === view.enodeHash);
      if (proposal === undefined) {
        throw new HardhatPluginError(PLUGIN, `no NodeProposed event matches approved node ${nodeId}`);
      }
      allowedNodes.push({ enode: enodeUrl(proposal), nodeId, orgId: Number(view.orgId) });
    }
    nodeCursor = next;
  } while (nodeCursor !== 0n);

  return {
    chainId: system.chainId.toString(),
    registry: system.registryAddress,
    nodeRegistry: nodesAddress,
    block,
    accounts: [...accounts.values()].sort((a, b) => a.address.localeCompare(b.address)),
    nodes: allowedNodes.sort((a, b) => a.enode.localeCompare(b.enode)),
  };
}

/** Current guardians: the registry keeps no list, so replay GUARDIAN_ROLE grants and revocations, then confirm. */
async function guardians(system: System, provider: ethers.Provider, block: number, range: number): Promise<string[]> {
  const registry = system.registry;
  const granted = await scan(
    provider,
    registry,
    registry.filters.RoleGranted(GUARDIAN_ROLE),
    system.fromBlock,
    block,
    range,
  );
  const revoked = await scan(
    provider,
    registry,
    registry.filters.RoleRevoked(GUARDIAN_ROLE),
    system.fromBlock,
    block,
    range,
  );
  const events = [...granted.map((log) => ({ log, holds: true })), ...revoked.map((log) => ({ log, holds: false }))];
  events.sort((a, b) => a.log.blockNumber - b.log.blockNumber || a.log.index - b.log.index);
  const current = new Set<string>();
  for (const { log, holds } of events) {
    const account = ethers.getAddress(ethers.dataSlice(log.topics[2], 12));
    if (holds) current.add(account);
    else current.delete(account);
  }
  const confirmed: string[] = [];
  for (const account of current) {
    if (await registry.hasRole(GUARDIAN_ROLE, account, { blockTag: block })) confirmed.push(account);
  }
  return confirmed;
}

/** A contract's logs matching a filter, in one request or, when the node refuses the range, in chunks of `range`. */
async function scan(
  provider: ethers.Provider,
  contract: ethers.BaseContract,
  filter: { getTopicFilter(): Promise<ethers.TopicFilter> },
  fromBlock: number,
  toBlock: number,
  range: number,
): Promise<ethers.Log[]> {
  const base = { address: await contract.getAddress(), topics: await filter.getTopicFilter() };
  try {
    return await provider.getLogs({ ...base, fromBlock, toBlock });
  } catch (error) {
    if (toBlock - fromBlock < range) throw error;
  }
  const logs: ethers.Log[] = [];
  for (let start = fromBlock; start <= toBlock; start += range) {
    logs.push(
      ...(await provider.getLogs({ ...base, fromBlock: start, toBlock: Math.min(toBlock, start + range - 1) })),
    );
  }
  return logs;
}

/** Besu's permissions configuration file (`permissions_config.toml`) holding both allowlists. */
export function renderPermissionsToml(allowlist: Allowlist): string {
  const list = (items: string[]) => `[${items.map((item) => JSON.stringify(item)).join(",")}]`;
  return [
    `# Besu local permissioning, exported from the MedAlliance registry ${allowlist.registry} (chain ${allowlist.chainId}).`,
    "# Accounts: organisations not revoked (admins, operators, devices, pending invitations), governance, network guests.",
    "# Nodes: approved nodes of Active organisations. Regenerate with `npx hardhat network:allowlist`.",
    `accounts-allowlist=${list(allowlist.accounts.map((a) => a.address))}`,
    `nodes-allowlist=${list(allowlist.nodes.map((n) => n.enode))}`,
    "",
  ].join("\n");
}

/** What a push added to and removed from one of a node's allowlists. */
export interface ListChange {
  added: string[];
  removed: string[];
}

export interface PushResult {
  url: string;
  dryRun: boolean;
  accounts: ListChange;
  nodes: ListChange;
  /** Nodes the registry does not admit that were kept because they are current QBFT validators. */
  keptValidators: string[];
}

/**
 * Brings a Besu node's allowlists to `allowlist`: reads them (`perm_getAccountsAllowlist`, `perm_getNodesAllowlist`),
 * adds what is missing, then removes what the registry no longer admits. Only the difference is sent. A node that is
 * a current QBFT validator (`qbft_getValidatorsByBlockNumber`) is never removed, since disconnecting validators can
 * stall the chain: it is kept and reported until it is approved in the registry or voted out.
 */
export async function pushAllowlist(
  url: string,
  allowlist: Allowlist,
  options: { dryRun?: boolean } = {},
): Promise<PushResult> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new HardhatPluginError(PLUGIN, `--push is not a URL: ${url}`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new HardhatPluginError(PLUGIN, `--push must be an http(s) JSON-RPC URL, not ${url}`);
  }
  if (allowlist.accounts.length === 0) {
    throw new HardhatPluginError(
      PLUGIN,
      "refusing to push an empty accounts allowlist: it would lock every account out",
    );
  }
  const rpc = new BesuClient(url);
  const currentAccounts = await rpc.list("perm_getAccountsAllowlist");
  const currentNodes = await rpc.list("perm_getNodesAllowlist");

  const accounts = difference(
    currentAccounts,
    allowlist.accounts.map((a) => a.address),
    (address) => address.toLowerCase(),
  );
  const nodes = difference(
    currentNodes,
    allowlist.nodes.map((n) => n.enode),
    normaliseEnode,
  );
  const keptValidators: string[] = [];
  if (nodes.removed.length > 0) {
    const validators = new Set(
      (await rpc.list("qbft_getValidatorsByBlockNumber", ["latest"])).map((a) => a.toLowerCase()),
    );
    nodes.removed = nodes.removed.filter((enode) => {
      const validator = validators.has(enodeAddress(enode));
      if (validator) keptValidators.push(enode);
      return !validator;
    });
  }
  if (!options.dryRun) {
    if (accounts.added.length > 0) await rpc.call("perm_addAccountsToAllowlist", [accounts.added]);
    if (nodes.added.length > 0) await rpc.call("perm_addNodesToAllowlist", [nodes.added]);
    if (accounts.removed.length > 0) await rpc.call("perm_removeAccountsFromAllowlist", [accounts.removed]);
    if (nodes.removed.length > 0) await rpc.call("perm_removeNodesFromAllowlist", [nodes.removed]);
  }
  return { url, dryRun: options.dryRun ?? false, accounts, nodes, keptValidators };
}

/** The account address of an enode's key (a validator's address), lower case; empty for an unreadable URL. */
function enodeAddress(url: string): string {
  try {
    return ethers.computeAddress(`0x04${parseEnode(url).publicKey.slice(2)}`).toLowerCase();
  } catch {
    return "";
  }
}

/** What to add (as wanted) and remove (as the node spells it), comparing by `key`. */
function difference(current: string[], wanted: string[], key: (item: string) => string): ListChange {
  const have = new Set(current.map(key));
  const want = new Set(wanted.map(key));
  return {
    added: wanted.filter((item) => !have.has(key(item))),
    removed: current.filter((item) => !want.has(key(item))),
  };
}

/** A minimal JSON-RPC client for Besu's PERM methods, with errors that say what to fix. */
class BesuClient {
  private id = 0;

  constructor(private readonly url: string) {}

  async list(method: string, params: unknown[] = []): Promise<string[]> {
    const result = await this.call(method, params);
    if (!Array.isArray(result) || result.some((item) => typeof item !== "string")) {
      throw new HardhatPluginError(PLUGIN, `${this.url} answered ${method} with something other than a list`);
    }
    return result as string[];
  }

  async call(method: string, params: unknown[]): Promise<unknown> {
    let response: Response;
    try {
      response = await fetch(this.url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: ++this.id, method, params }),
      });
    } catch (error) {
      const cause = error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : error;
      throw new HardhatPluginError(PLUGIN, `cannot reach the Besu node at ${this.url}: ${cause}`);
    }
    let body: { result?: unknown; error?: { code?: number; message?: string } };
    try {
      body = (await response.json()) as typeof body;
    } catch {
      throw new HardhatPluginError(PLUGIN, `${this.url} answered ${method} with HTTP ${response.status}, not JSON-RPC`);
    }
    if (body.error) {
      const api = method.split("_")[0].toUpperCase();
      const hint = body.error.code === -32601 ? ` (enable the ${api} API: --rpc-http-api=...,${api})` : "";
      throw new HardhatPluginError(
        PLUGIN,
        `the Besu node at ${this.url} refused ${method}: ${body.error.message ?? "unknown error"}${hint}`,
      );
    }
    return body.result;
  }
}
