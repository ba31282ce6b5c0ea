/** Member nodes: enode URLs and the `AllianceNodes` enums, shared by the tasks, the benchmarks and the tests. */
import { ethers } from "ethers";

/** Mirrors `NodeStatus` in contracts/alliance/IAllianceNodes.sol. */
export enum NodeStatus {
  None,
  Proposed,
  Approved,
  Rejected,
  Removed,
}

/** The status mask (bit `1 << status`) of some statuses, for `listNodes`. */
export function nodeStatusMask(...statuses: NodeStatus[]): number {
  return statuses.reduce((mask, status) => mask | (1 << status), 0);
}

/** A node's endpoint as `proposeNode` takes it. */
export interface Enode {
  /** The 64-byte public key, 0x-prefixed (128 hex digits, no 0x04 prefix). */
  publicKey: string;
  host: string;
  port: number;
}

/** The same host rule as `AllianceNodes._isHost`: a DNS name or IPv4 address, or an IPv6 address in brackets. */
const HOST = /^(?:[0-9A-Za-z.-]{1,253}|\[[0-9A-Fa-f:.]{1,251}\])$/;
const ENODE = /^enode:\/\/([0-9a-fA-F]{128})@([^:/?#]+|\[[0-9A-Fa-f:.]+\]):(\d{1,5})(?:\?discport=(\d{1,5}))?$/;

/** The enode URL Besu's allowlists use: `enode://<128 hex digits>@<host>:<port>`. */
export function enodeUrl(enode: Enode): string {
  const key = ethers.hexlify(enode.publicKey).slice(2).toLowerCase();
  if (key.length !== 128) throw new Error(`an enode public key has 64 bytes, got ${key.length / 2}`);
  if (!HOST.test(enode.host)) throw new Error(`not a host for an enode URL: "${enode.host}"`);
  if (!Number.isInteger(enode.port) || enode.port < 1 || enode.port > 65535) {
    throw new Error(`not a port: ${enode.port}`);
  }
  return `enode://${key}@${enode.host}:${enode.port}`;
}

/** Parses an enode URL (as Besu prints it; `?discport=` is accepted when it equals the port). */
export function parseEnode(url: string): Enode {
  const match = ENODE.exec(url.trim());
  if (!match) throw new Error(`not an enode URL: "${url}"`);
  const [, key, host, port, discport] = match;
  if (discport !== undefined && discport !== port) {
    throw new Error(`enode URL with a separate discovery port is not supported: "${url}"`);
  }
  return { publicKey: `0x${key.toLowerCase()}`, host, port: Number(port) };
}

/** One spelling per node endpoint, for comparing lists: lower-case key and host, no `?discport=` equal to the port. */
export function normaliseEnode(url: string): string {
  const match = ENODE.exec(url.trim());
  if (!match) return url.trim().toLowerCase();
  const [, key, host, port, discport] = match;
  const suffix = discport !== undefined && discport !== port ? `?discport=${discport}` : "";
  return `enode://${key.toLowerCase()}@${host.toLowerCase()}:${Number(port)}${suffix}`;
}

/** The enode public key (64 bytes, 0x-prefixed) of a node's private key, as Besu derives it from its key file. */
export function nodePublicKey(privateKey: string): string {
  return `0x${ethers.SigningKey.computePublicKey(privateKey, false).slice(4)}`;
}

/** `keccak256(publicKey)`, the id `AllianceNodes` knows a node by. */
export function nodeIdOf(publicKey: string): string {
  return ethers.keccak256(publicKey);
}

/** `keccak256(abi.encode(publicKey, host, port))`, the hash a regulator approves. */
export function enodeHashOf(enode: Enode): string {
  return ethers.keccak256(
    ethers.AbiCoder.defaultAbiCoder().encode(["bytes", "string", "uint16"], [enode.publicKey, enode.host, enode.port]),
  );
}
