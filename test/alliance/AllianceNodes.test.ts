import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { Signer } from "ethers";
import type { AllianceNodes, AllianceRegistry } from "../../typechain-types";
import {
  AccountKind,
  BusinessRole,
  OrganisationStatus,
  REGULATOR_ROLE,
  documentHash,
} from "../../scripts/lib/alliance";
import { admit } from "../../scripts/lib/formation";
import { NodeStatus, enodeHashOf, nodeIdOf, nodeStatusMask } from "../../scripts/lib/nodes";
import { type NodesFixture, nodesFixture, propose, proposeAndApprove, testNode } from "../helpers/nodes";

const REASON = documentHash("the node's operator could not be identified");
const MAX_NODES = 8;

const load = () => loadFixture(nodesFixture);

/** `admin` invites `account` as `kind` and `account` accepts. */
async function join(registry: AllianceRegistry, admin: Signer, account: Signer, kind: AccountKind): Promise<void> {
  const [orgId] = await registry.membershipOf(await admin.getAddress());
  await (await registry.connect(admin).inviteAccount(await account.getAddress(), kind)).wait();
  await (await registry.connect(account).acceptInvitation(orgId)).wait();
}

/** Asserts the gate's refusal of a caller who is not a regulator. */
async function expectNotRegulator(tx: Promise<unknown>, nodes: AllianceNodes, account: string): Promise<void> {
  await expect(tx)
    .to.be.revertedWithCustomError(nodes, "AccessControlUnauthorizedAccount")
    .withArgs(account, REGULATOR_ROLE);
}

/** Every node id the view lists, page by page. */
async function listAll(nodes: AllianceNodes, orgId: bigint, mask: number, pageSize: number): Promise<string[]> {
  const ids: string[] = [];
  let cursor = 0n;
  do {
    const [page, next] = await nodes.listNodes(orgId, mask, cursor, pageSize);
    ids.push(...page);
    cursor = next;
  } while (cursor !== 0n);
  return ids;
}

/** The accounts each kind of refusal uses, prepared on the fixture's state. */
const notRegulators: { label: string; who: (f: NodesFixture) => Promise<HardhatEthersSigner> }[] = [
  { label: "an account with no role", who: async (f) => f.others[0] },
  { label: "an organisation's admin", who: async (f) => f.maker },
  { label: "the governor", who: async (f) => f.governor },
  { label: "a guardian", who: async (f) => f.guardian },
  {
    label: "a regulator the governor has removed",
    who: async (f) => {
      await (await f.registry.connect(f.governor).revokeRole(REGULATOR_ROLE, f.regulatorC.address)).wait();
      return f.regulatorC;
    },
  },
];

describe("AllianceNodes", () => {
  describe("deployment", () => {
    it("refuses a zero registry address with AllianceRegistryMissing", async () => {
      const factory = await ethers.getContractFactory("AllianceNodes");
      await expect(factory.deploy(ethers.ZeroAddress)).to.be.revertedWithCustomError(
        factory,
        "AllianceRegistryMissing",
      );
    });

    it("asks the registry it was given, and starts empty", async () => {
      const f = await load();
      expect(await f.nodes.alliance()).to.equal(await f.registry.getAddress());
      expect(await f.nodes.version()).to.equal("1.0.0");
      expect(await f.nodes.MAX_NODES_PER_ORGANISATION()).to.equal(BigInt(MAX_NODES));
      expect(await f.nodes.MAX_HOST_LENGTH()).to.equal(253n);
      expect(await f.nodes.nodeCount()).to.equal(0n);
      expect(await f.nodes.listNodes(0, 0, 0, 10)).to.deep.equal([[], 0n]);
    });
  });

  describe("proposeNode", () => {
    it("records the proposal of an Active organisation's admin and emits the whole enode", async () => {
      const f = await load();
      const enode = testNode(1);
      const nodeId = nodeIdOf(enode.publicKey);
      const enodeHash = enodeHashOf(enode);
      const nodes = f.nodes.connect(f.maker);
      expect(await nodes.proposeNode.staticCall(enode.publicKey, enode.host, enode.port)).to.equal(nodeId);
      await expect(nodes.proposeNode(enode.publicKey, enode.host, enode.port))
        .to.emit(f.nodes, "NodeProposed")
        .withArgs(nodeId, f.makerOrgId, enodeHash, enode.publicKey, enode.host, enode.port);
      expect(await f.nodes.node(nodeId)).to.deep.equal([
        f.makerOrgId,
        BigInt(NodeStatus.Proposed),
        BigInt(await time.latest()),
        enodeHash,
      ]);
      expect(await f.nodes.nodeCount()).to.equal(1n);
      expect(await f.nodes.liveNodeCount(f.makerOrgId)).to.equal(1n);
      expect(await f.nodes.nodeIdOf(enode.publicKey)).to.equal(nodeId);
      expect(await f.nodes.enodeHashOf(enode.publicKey, enode.host, enode.port)).to.equal(enodeHash);
    });

    it("accepts the admin of a registered organisation whose application is pending", async () => {
      const f = await load();
      const nodeId = await propose(f.nodes, f.applicant, testNode(1));
      expect((await f.nodes.node(nodeId)).orgId).to.equal(f.applicantOrgId);
    });

    for (const [label, host] of [
      ["a DNS name", "validator-1.northwind.example"],
      ["a bracketed IPv6 address", "[fd00:0:0:1::a]"],
      ["an IPv4-mapped IPv6 address", "[::ffff:10.0.0.1]"],
      ["a host of the longest length", "a".repeat(253)],
      ["a one-character host", "h"],
    ]) {
      it(`accepts ${label} as host`, async () => {
        const f = await load();
        const enode = testNode(1, host, 65535);
        await expect(f.nodes.connect(f.maker).proposeNode(enode.publicKey, host, 65535))
          .to.emit(f.nodes, "NodeProposed")
          .withArgs(nodeIdOf(enode.publicKey), f.makerOrgId, enodeHashOf(enode), enode.publicKey, host, 65535);
      });
    }

    it("lets a rejected node be proposed again with another endpoint, keeping one entry in the list", async () => {
      const f = await load();
      const nodeId = await propose(f.nodes, f.maker, testNode(1));
      await (await f.nodes.connect(f.regulatorA).rejectNode(nodeId, REASON)).wait();
      const moved = testNode(1, "10.9.9.9", 30304);
      await propose(f.nodes, f.maker, moved);
      const view = await f.nodes.node(nodeId);
      expect([view.status, view.enodeHash]).to.deep.equal([BigInt(NodeStatus.Proposed), enodeHashOf(moved)]);
      expect(await f.nodes.nodeCount()).to.equal(1n);
      expect(await f.nodes.liveNodeCount(f.makerOrgId)).to.equal(1n);
    });

    it("lets a removed node be proposed again, by another organisation", async () => {
      const f = await load();
      const enode = testNode(1);
      const nodeId = await proposeAndApprove(f.nodes, f.maker, f.regulatorA, enode);
      await (await f.nodes.connect(f.maker).removeNode(nodeId)).wait();
      await propose(f.nodes, f.carrier, enode);
      const view = await f.nodes.node(nodeId);
      expect([view.orgId, view.status]).to.deep.equal([f.carrierOrgId, BigInt(NodeStatus.Proposed)]);
      expect(await f.nodes.liveNodeCount(f.makerOrgId)).to.equal(0n);
      expect(await f.nodes.liveNodeCount(f.carrierOrgId)).to.equal(1n);
      expect(await f.nodes.nodeCount()).to.equal(1n);
    });

    describe("refusals", () => {
      it("refuses an account that belongs to no organisation, a regulator and the governor", async () => {
        const f = await load();
        const enode = testNode(1);
        for (const signer of [f.others[0], f.regulatorA, f.governor]) {
          await expect(f.nodes.connect(signer).proposeNode(enode.publicKey, enode.host, enode.port))
            .to.be.revertedWithCustomError(f.nodes, "AllianceNodesNotOrganisationAdmin")
            .withArgs(signer.address);
        }
      });

      it("refuses an operator and a device key of the organisation", async () => {
        const f = await load();
        const [operator, device] = f.others;
        await join(f.registry, f.maker, operator, AccountKind.Operator);
        await join(f.registry, f.maker, device, AccountKind.Device);
        const enode = testNode(1);
        for (const signer of [operator, device]) {
          await expect(f.nodes.connect(signer).proposeNode(enode.publicKey, enode.host, enode.port))
            .to.be.revertedWithCustomError(f.nodes, "AllianceNodesNotOrganisationAdmin")
            .withArgs(signer.address);
        }
      });

      it("refuses a suspended, a revoked and an expired organisation", async () => {
        const f = await load();
        const enode = testNode(1);
        await (await f.registry.connect(f.regulatorA).suspendOrganisation(f.carrierOrgId, REASON)).wait();
        for (const regulator of [f.regulatorA, f.regulatorB]) {
          await (await f.registry.connect(regulator).approveRevocation(f.hospitalOrgId, REASON)).wait();
        }
        for (const [admin, orgId, status] of [
          [f.carrier, f.carrierOrgId, OrganisationStatus.Suspended],
          [f.hospital, f.hospitalOrgId, OrganisationStatus.Revoked],
        ] as const) {
          await expect(f.nodes.connect(admin).proposeNode(enode.publicKey, enode.host, enode.port))
            .to.be.revertedWithCustomError(f.nodes, "AllianceNodesUnexpectedOrganisationStatus")
            .withArgs(orgId, status);
        }
        await time.increaseTo(f.licenceExpiry);
        await expect(f.nodes.connect(f.maker).proposeNode(enode.publicKey, enode.host, enode.port))
          .to.be.revertedWithCustomError(f.nodes, "AllianceNodesUnexpectedOrganisationStatus")
          .withArgs(f.makerOrgId, OrganisationStatus.Expired);
      });

      it("refuses a public key of the wrong length or off the curve", async () => {
        const f = await load();
        const good = testNode(1).publicKey;
        const P = "fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2f";
        const bad = [
          ethers.dataSlice(good, 0, 63), // one byte short
          ethers.concat(["0x04", good]), // with the uncompressed-point prefix
          "0x",
          ethers.concat([ethers.dataSlice(good, 0, 32), ethers.zeroPadValue("0x01", 32)]), // y off the curve
          ethers.concat([ethers.zeroPadValue("0x", 32), ethers.zeroPadValue("0x", 32)]), // the zero point
          `0x${P}${P}`, // x equal to the field prime
          ethers.concat([ethers.dataSlice(good, 0, 32), `0x${P}`]), // a valid x, y equal to the field prime
        ];
        for (const publicKey of bad) {
          await expect(f.nodes.connect(f.maker).proposeNode(publicKey, "10.0.0.1", 30303))
            .to.be.revertedWithCustomError(f.nodes, "AllianceNodesInvalidPublicKey")
            .withArgs(publicKey);
        }
      });

      for (const [label, host] of [
        ["an empty host", ""],
        ["a host longer than 253 characters", "a".repeat(254)],
        ["a host with a port", "10.0.0.1:30303"],
        ["a host with a user part", "evil@10.0.0.1"],
        ["a host that would break the allowlist file", '10.0.0.1"]\naccounts-allowlist=["0x'],
        ["a host with a space", "node 1"],
        ["an unbracketed IPv6 address", "fd00::1"],
        ["an unclosed IPv6 bracket", "[fd00::1"],
        ["empty brackets", "[]"],
        ["a bracket alone", "["],
        ["a non-hex IPv6 address", "[fd00::g1]"],
        ["a hyphen in brackets", "[fd00-1]"],
      ]) {
        it(`refuses ${label}`, async () => {
          const f = await load();
          const { publicKey } = testNode(1);
          await expect(f.nodes.connect(f.maker).proposeNode(publicKey, host, 30303))
            .to.be.revertedWithCustomError(f.nodes, "AllianceNodesInvalidHost")
            .withArgs(host);
        });
      }

      it("refuses port 0", async () => {
        const f = await load();
        const { publicKey } = testNode(1);
        await expect(f.nodes.connect(f.maker).proposeNode(publicKey, "10.0.0.1", 0))
          .to.be.revertedWithCustomError(f.nodes, "AllianceNodesInvalidPort")
          .withArgs(0);
      });

      it("refuses a node that is already proposed or approved, whoever proposes it", async () => {
        const f = await load();
        const enode = testNode(1);
        const nodeId = await propose(f.nodes, f.maker, enode);
        await expect(f.nodes.connect(f.carrier).proposeNode(enode.publicKey, "10.1.1.1", 30303))
          .to.be.revertedWithCustomError(f.nodes, "AllianceNodesUnexpectedNodeStatus")
          .withArgs(nodeId, NodeStatus.Proposed);
        await (await f.nodes.connect(f.regulatorA).approveNode(nodeId, enodeHashOf(enode))).wait();
        await expect(f.nodes.connect(f.maker).proposeNode(enode.publicKey, enode.host, enode.port))
          .to.be.revertedWithCustomError(f.nodes, "AllianceNodesUnexpectedNodeStatus")
          .withArgs(nodeId, NodeStatus.Approved);
      });

      it(`refuses a node beyond ${MAX_NODES} proposed or approved per organisation, and accepts it once one leaves`, async () => {
        const f = await load();
        const ids: string[] = [];
        for (let i = 1; i <= MAX_NODES; i++) {
          ids.push(
            i % 2 === 0
              ? await proposeAndApprove(f.nodes, f.maker, f.regulatorA, testNode(i))
              : await propose(f.nodes, f.maker, testNode(i)),
          );
        }
        const extra = testNode(MAX_NODES + 1);
        await expect(f.nodes.connect(f.maker).proposeNode(extra.publicKey, extra.host, extra.port))
          .to.be.revertedWithCustomError(f.nodes, "AllianceNodesTooManyNodes")
          .withArgs(f.makerOrgId, MAX_NODES);
        // Another organisation is not affected.
        await propose(f.nodes, f.carrier, testNode(100));
        await (await f.nodes.connect(f.regulatorA).rejectNode(ids[0], REASON)).wait();
        await propose(f.nodes, f.maker, extra);
        expect(await f.nodes.liveNodeCount(f.makerOrgId)).to.equal(BigInt(MAX_NODES));
      });

      it("refuses while the alliance is paused, and accepts once the governor unpauses", async () => {
        const f = await load();
        const enode = testNode(1);
        await (await f.registry.connect(f.guardian).pause()).wait();
        await expect(
          f.nodes.connect(f.maker).proposeNode(enode.publicKey, enode.host, enode.port),
        ).to.be.revertedWithCustomError(f.nodes, "AlliancePaused");
        await (await f.registry.connect(f.governor).unpause()).wait();
        await expect(f.nodes.connect(f.maker).proposeNode(enode.publicKey, enode.host, enode.port)).to.emit(
          f.nodes,
          "NodeProposed",
        );
      });
    });
  });

  describe("approveNode", () => {
    it("approves exactly the proposed endpoint", async () => {
      const f = await load();
      const enode = testNode(1);
      const nodeId = await propose(f.nodes, f.maker, enode);
      await expect(f.nodes.connect(f.regulatorB).approveNode(nodeId, enodeHashOf(enode)))
        .to.emit(f.nodes, "NodeApproved")
        .withArgs(nodeId, f.makerOrgId, f.regulatorB.address);
      const view = await f.nodes.node(nodeId);
      expect([view.status, view.updatedAt]).to.deep.equal([BigInt(NodeStatus.Approved), BigInt(await time.latest())]);
      expect(await f.nodes.liveNodeCount(f.makerOrgId)).to.equal(1n);
    });

    it("refuses the hash of another endpoint than the one proposed", async () => {
      const f = await load();
      const enode = testNode(1);
      const nodeId = await propose(f.nodes, f.maker, enode);
      const other = enodeHashOf({ ...enode, host: "10.6.6.6" });
      await expect(f.nodes.connect(f.regulatorA).approveNode(nodeId, other))
        .to.be.revertedWithCustomError(f.nodes, "AllianceNodesEnodeMismatch")
        .withArgs(nodeId, other);
    });

    it("refuses an unknown, an approved, a rejected and a removed node", async () => {
      const f = await load();
      const unknown = nodeIdOf(testNode(9).publicKey);
      const approved = await proposeAndApprove(f.nodes, f.maker, f.regulatorA, testNode(1));
      const rejected = await propose(f.nodes, f.maker, testNode(2));
      await (await f.nodes.connect(f.regulatorA).rejectNode(rejected, REASON)).wait();
      const removed = await propose(f.nodes, f.maker, testNode(3));
      await (await f.nodes.connect(f.maker).removeNode(removed)).wait();
      for (const [nodeId, status, enode] of [
        [unknown, NodeStatus.None, testNode(9)],
        [approved, NodeStatus.Approved, testNode(1)],
        [rejected, NodeStatus.Rejected, testNode(2)],
        [removed, NodeStatus.Removed, testNode(3)],
      ] as const) {
        await expect(f.nodes.connect(f.regulatorA).approveNode(nodeId, enodeHashOf(enode)))
          .to.be.revertedWithCustomError(f.nodes, "AllianceNodesUnexpectedNodeStatus")
          .withArgs(nodeId, status);
      }
    });

    for (const refusal of notRegulators) {
      it(`refuses ${refusal.label}`, async () => {
        const f = await load();
        const enode = testNode(1);
        const nodeId = await propose(f.nodes, f.maker, enode);
        const signer = await refusal.who(f);
        await expectNotRegulator(
          f.nodes.connect(signer).approveNode(nodeId, enodeHashOf(enode)),
          f.nodes,
          signer.address,
        );
        expect((await f.nodes.node(nodeId)).status).to.equal(BigInt(NodeStatus.Proposed));
      });
    }
  });

  describe("rejectNode", () => {
    it("rejects a proposal with the regulator's reasons and frees its place in the organisation's bound", async () => {
      const f = await load();
      const nodeId = await propose(f.nodes, f.maker, testNode(1));
      await expect(f.nodes.connect(f.regulatorC).rejectNode(nodeId, REASON))
        .to.emit(f.nodes, "NodeRejected")
        .withArgs(nodeId, f.makerOrgId, f.regulatorC.address, REASON);
      expect((await f.nodes.node(nodeId)).status).to.equal(BigInt(NodeStatus.Rejected));
      expect(await f.nodes.liveNodeCount(f.makerOrgId)).to.equal(0n);
    });

    it("refuses a zero reason hash", async () => {
      const f = await load();
      const nodeId = await propose(f.nodes, f.maker, testNode(1));
      await expect(f.nodes.connect(f.regulatorA).rejectNode(nodeId, ethers.ZeroHash)).to.be.revertedWithCustomError(
        f.nodes,
        "AllianceNodesEmptyHash",
      );
    });

    it("refuses an unknown and an approved node (approved nodes are removed, not rejected)", async () => {
      const f = await load();
      const unknown = nodeIdOf(testNode(9).publicKey);
      const approved = await proposeAndApprove(f.nodes, f.maker, f.regulatorA, testNode(1));
      for (const [nodeId, status] of [
        [unknown, NodeStatus.None],
        [approved, NodeStatus.Approved],
      ] as const) {
        await expect(f.nodes.connect(f.regulatorA).rejectNode(nodeId, REASON))
          .to.be.revertedWithCustomError(f.nodes, "AllianceNodesUnexpectedNodeStatus")
          .withArgs(nodeId, status);
      }
    });

    for (const refusal of notRegulators) {
      it(`refuses ${refusal.label}`, async () => {
        const f = await load();
        const nodeId = await propose(f.nodes, f.maker, testNode(1));
        const signer = await refusal.who(f);
        await expectNotRegulator(f.nodes.connect(signer).rejectNode(nodeId, REASON), f.nodes, signer.address);
        expect((await f.nodes.node(nodeId)).status).to.equal(BigInt(NodeStatus.Proposed));
      });
    }
  });

  describe("removeNode", () => {
    it("lets the organisation's admin withdraw a proposal", async () => {
      const f = await load();
      const nodeId = await propose(f.nodes, f.maker, testNode(1));
      await expect(f.nodes.connect(f.maker).removeNode(nodeId))
        .to.emit(f.nodes, "NodeRemoved")
        .withArgs(nodeId, f.makerOrgId, f.maker.address);
      expect((await f.nodes.node(nodeId)).status).to.equal(BigInt(NodeStatus.Removed));
      expect(await f.nodes.liveNodeCount(f.makerOrgId)).to.equal(0n);
    });

    it("lets the organisation's admin remove an approved node", async () => {
      const f = await load();
      const nodeId = await proposeAndApprove(f.nodes, f.maker, f.regulatorA, testNode(1));
      await expect(f.nodes.connect(f.maker).removeNode(nodeId))
        .to.emit(f.nodes, "NodeRemoved")
        .withArgs(nodeId, f.makerOrgId, f.maker.address);
      expect(await f.nodes.liveNodeCount(f.makerOrgId)).to.equal(0n);
    });

    it("lets a regulator remove an approved node", async () => {
      const f = await load();
      const nodeId = await proposeAndApprove(f.nodes, f.maker, f.regulatorA, testNode(1));
      await expect(f.nodes.connect(f.regulatorB).removeNode(nodeId))
        .to.emit(f.nodes, "NodeRemoved")
        .withArgs(nodeId, f.makerOrgId, f.regulatorB.address);
      expect((await f.nodes.node(nodeId)).status).to.equal(BigInt(NodeStatus.Removed));
    });

    it("lets a revoked organisation's admin still withdraw its node", async () => {
      const f = await load();
      const nodeId = await proposeAndApprove(f.nodes, f.hospital, f.regulatorA, testNode(1));
      for (const regulator of [f.regulatorA, f.regulatorB]) {
        await (await f.registry.connect(regulator).approveRevocation(f.hospitalOrgId, REASON)).wait();
      }
      await expect(f.nodes.connect(f.hospital).removeNode(nodeId)).to.emit(f.nodes, "NodeRemoved");
    });

    it("follows the organisation's admin hand-over: the new admin may remove, the previous one may not", async () => {
      const f = await load();
      const nodeId = await proposeAndApprove(f.nodes, f.maker, f.regulatorA, testNode(1));
      const successor = f.others[0];
      await join(f.registry, f.maker, successor, AccountKind.Admin);
      await expect(f.nodes.connect(f.maker).removeNode(nodeId))
        .to.be.revertedWithCustomError(f.nodes, "AllianceNodesNotNodeManager")
        .withArgs(nodeId, f.maker.address);
      await expect(f.nodes.connect(successor).removeNode(nodeId))
        .to.emit(f.nodes, "NodeRemoved")
        .withArgs(nodeId, f.makerOrgId, successor.address);
    });

    it("refuses another organisation's admin, an operator of the organisation, the governor, a guardian and a stranger", async () => {
      const f = await load();
      const nodeId = await proposeAndApprove(f.nodes, f.maker, f.regulatorA, testNode(1));
      const operator = f.others[0];
      await join(f.registry, f.maker, operator, AccountKind.Operator);
      for (const signer of [f.carrier, operator, f.governor, f.guardian, f.others[1]]) {
        await expect(f.nodes.connect(signer).removeNode(nodeId))
          .to.be.revertedWithCustomError(f.nodes, "AllianceNodesNotNodeManager")
          .withArgs(nodeId, signer.address);
      }
      expect((await f.nodes.node(nodeId)).status).to.equal(BigInt(NodeStatus.Approved));
    });

    it("refuses an unknown, a rejected and an already removed node", async () => {
      const f = await load();
      const unknown = nodeIdOf(testNode(9).publicKey);
      const rejected = await propose(f.nodes, f.maker, testNode(1));
      await (await f.nodes.connect(f.regulatorA).rejectNode(rejected, REASON)).wait();
      const removed = await propose(f.nodes, f.maker, testNode(2));
      await (await f.nodes.connect(f.maker).removeNode(removed)).wait();
      for (const [nodeId, status] of [
        [unknown, NodeStatus.None],
        [rejected, NodeStatus.Rejected],
        [removed, NodeStatus.Removed],
      ] as const) {
        await expect(f.nodes.connect(f.regulatorA).removeNode(nodeId))
          .to.be.revertedWithCustomError(f.nodes, "AllianceNodesUnexpectedNodeStatus")
          .withArgs(nodeId, status);
      }
    });
  });

  describe("listNodes", () => {
    /** Maker: approved, proposed, rejected; carrier: approved, removed. */
    async function listed() {
      const f = await load();
      const makerApproved = await proposeAndApprove(f.nodes, f.maker, f.regulatorA, testNode(1));
      const carrierApproved = await proposeAndApprove(f.nodes, f.carrier, f.regulatorA, testNode(2));
      const makerProposed = await propose(f.nodes, f.maker, testNode(3));
      const makerRejected = await propose(f.nodes, f.maker, testNode(4));
      await (await f.nodes.connect(f.regulatorA).rejectNode(makerRejected, REASON)).wait();
      const carrierRemoved = await propose(f.nodes, f.carrier, testNode(5));
      await (await f.nodes.connect(f.carrier).removeNode(carrierRemoved)).wait();
      return { f, makerApproved, carrierApproved, makerProposed, makerRejected, carrierRemoved };
    }

    it("lists every node in order of first proposal when nothing is filtered", async () => {
      const { f, ...ids } = await listed();
      expect(await listAll(f.nodes, 0n, 0, 100)).to.deep.equal([
        ids.makerApproved,
        ids.carrierApproved,
        ids.makerProposed,
        ids.makerRejected,
        ids.carrierRemoved,
      ]);
    });

    it("filters by status, by organisation and by both", async () => {
      const { f, ...ids } = await listed();
      const approved = nodeStatusMask(NodeStatus.Approved);
      expect(await listAll(f.nodes, 0n, approved, 100)).to.deep.equal([ids.makerApproved, ids.carrierApproved]);
      expect(await listAll(f.nodes, f.makerOrgId, 0, 100)).to.deep.equal([
        ids.makerApproved,
        ids.makerProposed,
        ids.makerRejected,
      ]);
      const live = nodeStatusMask(NodeStatus.Proposed, NodeStatus.Approved);
      expect(await listAll(f.nodes, f.makerOrgId, live, 100)).to.deep.equal([ids.makerApproved, ids.makerProposed]);
      expect(await listAll(f.nodes, f.hospitalOrgId, 0, 100)).to.deep.equal([]);
    });

    it("pages through the list with the cursor it returns", async () => {
      const { f, ...ids } = await listed();
      expect(await f.nodes.listNodes(0, 0, 0, 2)).to.deep.equal([[ids.makerApproved, ids.carrierApproved], 2n]);
      expect(await f.nodes.listNodes(0, 0, 2, 2)).to.deep.equal([[ids.makerProposed, ids.makerRejected], 4n]);
      expect(await f.nodes.listNodes(0, 0, 4, 2)).to.deep.equal([[ids.carrierRemoved], 0n]);
      // A page of filtered-out nodes is empty but still moves the cursor on.
      expect(await f.nodes.listNodes(0, nodeStatusMask(NodeStatus.Removed), 0, 2)).to.deep.equal([[], 2n]);
      expect(await listAll(f.nodes, 0n, 0, 1)).to.have.length(5);
    });

    it("answers an empty page past the end and for a zero limit", async () => {
      const { f } = await listed();
      expect(await f.nodes.listNodes(0, 0, 5, 10)).to.deep.equal([[], 0n]);
      expect(await f.nodes.listNodes(0, 0, 99, 10)).to.deep.equal([[], 0n]);
      expect(await f.nodes.listNodes(0, 0, 1, 0)).to.deep.equal([[], 1n]);
    });
  });

  describe("with organisations admitted after deployment", () => {
    it("accepts the admin of an organisation admitted later, through the same registry", async () => {
      const f = await load();
      const [admin] = f.others;
      const { orgId } = await admit(
        f.registry,
        admin,
        { name: "Harbour Distribution", role: BusinessRole.Distributor, licenceExpiry: f.licenceExpiry },
        [f.regulatorA, f.regulatorB],
      );
      const nodeId = await propose(f.nodes, admin, testNode(7));
      expect((await f.nodes.node(nodeId)).orgId).to.equal(orgId);
    });
  });
});
