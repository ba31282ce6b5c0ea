/** The node registry's fixture and test nodes. */
import { ethers } from "hardhat";
import type { Signer } from "ethers";
import type { AllianceNodes } from "../../typechain-types";
import { directoryName } from "../../scripts/lib/alliance";
import { type Enode, enodeHashOf, nodeIdOf, nodePublicKey } from "../../scripts/lib/nodes";
import { allianceFixture } from "./fixtures";

/** A test node: a deterministic key, a private address and the default P2P port. */
export function testNode(index: number, host = `10.0.0.${index}`, port = 30303): Enode {
  return { publicKey: nodePublicKey(ethers.id(`MedAlliance test node ${index}`)), host, port };
}

/** The alliance fixture plus AllianceNodes, listed in the registry's directory as "AllianceNodes". */
export async function nodesFixture() {
  const f = await allianceFixture();
  const nodes = await (await ethers.getContractFactory("AllianceNodes")).deploy(await f.registry.getAddress());
  await (
    await f.registry.connect(f.governor).setDirectoryEntry(directoryName("AllianceNodes"), await nodes.getAddress())
  ).wait();
  return { ...f, nodes };
}

export type NodesFixture = Awaited<ReturnType<typeof nodesFixture>>;

/** `admin` proposes `enode`; returns its node id. */
export async function propose(nodes: AllianceNodes, admin: Signer, enode: Enode): Promise<string> {
  await (await nodes.connect(admin).proposeNode(enode.publicKey, enode.host, enode.port)).wait();
  return nodeIdOf(enode.publicKey);
}

/** `admin` proposes `enode` and `regulator` approves it; returns its node id. */
export async function proposeAndApprove(
  nodes: AllianceNodes,
  admin: Signer,
  regulator: Signer,
  enode: Enode,
): Promise<string> {
  const nodeId = await propose(nodes, admin, enode);
  await (await nodes.connect(regulator).approveNode(nodeId, enodeHashOf(enode))).wait();
  return nodeId;
}
