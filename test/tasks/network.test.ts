import { expect } from "chai";
import { printed } from "../helpers/tasks";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import hre, { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { Signer } from "ethers";
import type { AllianceRegistry } from "../../typechain-types";
import { AccountKind, BusinessRole, GUARDIAN_ROLE, documentHash } from "../../scripts/lib/alliance";
import { buildAllowlist, renderPermissionsToml } from "../../scripts/lib/allowlist";
import { resolveSystem } from "../../scripts/lib/deployment";
import { admit } from "../../scripts/lib/formation";
import { type Enode, enodeUrl } from "../../scripts/lib/nodes";
import { startBesuStub } from "../helpers/besuStub";
import { withDeployments } from "../helpers/deployments";
import { allianceFixture } from "../helpers/fixtures";
import { nodesFixture, propose, proposeAndApprove, testNode } from "../helpers/nodes";

const REASON = documentHash("written reasons");

/** `admin` invites `account` as `kind` and `account` accepts. */
async function join(registry: AllianceRegistry, admin: Signer, account: Signer, kind: AccountKind): Promise<void> {
  const [orgId] = await registry.membershipOf(await admin.getAddress());
  await (await registry.connect(admin).inviteAccount(await account.getAddress(), kind)).wait();
  await (await registry.connect(account).acceptInvitation(orgId)).wait();
}

/**
 * A registry in every state the export distinguishes. Accounts: organisations Active (maker, with an operator, a
 * device, a pending and a cancelled invitation), Suspended (carrier), Revoked (hospital, with an operator and a
 * pending invitation), Registered (applicant), Expired (a distributor); guardians granted, revoked and re-granted;
 * guests granted and withdrawn; a hand-over in progress. Nodes: approved, proposed, rejected, removed, moved and
 * re-approved, IPv6, and approved nodes of organisations that are not Active.
 */
async function allowlistFixture() {
  const f = await nodesFixture();
  const [operator, device, invitee, cancelled, hospitalOperator, hospitalInvitee, distributor, ...rest] = f.others;
  const [exGuardian, reGuardian, guest, exGuest] = rest;
  const incomingGovernor = ethers.computeAddress(ethers.id("the consortium's multisig"));
  const { nodes, registry, regulatorA, regulatorB } = f;

  await join(registry, f.maker, operator, AccountKind.Operator);
  await join(registry, f.maker, device, AccountKind.Device);
  await (await registry.connect(f.maker).inviteAccount(invitee.address, AccountKind.Operator)).wait();
  await (await registry.connect(f.maker).inviteAccount(cancelled.address, AccountKind.Operator)).wait();
  await (await registry.connect(f.maker).cancelInvitation(cancelled.address)).wait();
  await join(registry, f.hospital, hospitalOperator, AccountKind.Operator);
  await (await registry.connect(f.hospital).inviteAccount(hospitalInvitee.address, AccountKind.Device)).wait();
  const shortLicence = BigInt(await time.latest()) + 3600n;
  const { orgId: distributorOrgId } = await admit(
    registry,
    distributor,
    { name: "Harbour Distribution", role: BusinessRole.Distributor, licenceExpiry: shortLicence },
    [regulatorA, regulatorB],
  );

  // Nodes, proposed while every organisation could still propose.
  const moved: Enode = testNode(5, "10.0.5.5", 30304);
  const ipv6: Enode = testNode(6, "[fd00::6]");
  await proposeAndApprove(nodes, f.maker, regulatorA, testNode(1));
  await propose(nodes, f.maker, testNode(2));
  await (await nodes.connect(regulatorA).rejectNode(await propose(nodes, f.maker, testNode(3)), REASON)).wait();
  await (
    await nodes.connect(f.maker).removeNode(await proposeAndApprove(nodes, f.maker, regulatorA, testNode(4)))
  ).wait();
  await (
    await nodes.connect(regulatorB).removeNode(await proposeAndApprove(nodes, f.maker, regulatorA, testNode(5)))
  ).wait();
  await proposeAndApprove(nodes, f.maker, regulatorA, moved);
  await proposeAndApprove(nodes, f.maker, regulatorA, ipv6);
  await proposeAndApprove(nodes, f.carrier, regulatorA, testNode(7));
  await proposeAndApprove(nodes, f.hospital, regulatorA, testNode(8));
  await proposeAndApprove(nodes, f.applicant, regulatorA, testNode(9));
  await proposeAndApprove(nodes, distributor, regulatorA, testNode(10));

  // Standing changes.
  await (await registry.connect(regulatorA).suspendOrganisation(f.carrierOrgId, REASON)).wait();
  for (const regulator of [regulatorA, regulatorB]) {
    await (await registry.connect(regulator).approveRevocation(f.hospitalOrgId, REASON)).wait();
  }
  await time.increaseTo(shortLicence);

  // Governance and guests.
  await (await registry.connect(f.governor).grantRole(GUARDIAN_ROLE, exGuardian.address)).wait();
  await (await registry.connect(f.governor).revokeRole(GUARDIAN_ROLE, exGuardian.address)).wait();
  await (await registry.connect(f.governor).grantRole(GUARDIAN_ROLE, reGuardian.address)).wait();
  await (await registry.connect(f.governor).revokeRole(GUARDIAN_ROLE, reGuardian.address)).wait();
  await (await registry.connect(f.governor).grantRole(GUARDIAN_ROLE, reGuardian.address)).wait();
  await (await registry.connect(regulatorA).grantNetworkAccess(guest.address, REASON)).wait();
  await (await registry.connect(regulatorA).grantNetworkAccess(exGuest.address, REASON)).wait();
  await (await registry.connect(regulatorB).withdrawNetworkAccess(exGuest.address)).wait();
  await (await registry.connect(f.governor).beginDefaultAdminTransfer(incomingGovernor)).wait();

  const expected = {
    accounts: new Map<string, string[]>([
      [f.governor.address, ["governor"]],
      [incomingGovernor, ["incoming governor"]],
      [f.regulatorA.address, ["regulator"]],
      [f.regulatorB.address, ["regulator"]],
      [f.regulatorC.address, ["regulator"]],
      [f.guardian.address, ["guardian"]],
      [reGuardian.address, ["guardian"]],
      [f.maker.address, [`organisation ${f.makerOrgId} admin`]],
      [operator.address, [`organisation ${f.makerOrgId} operator`]],
      [device.address, [`organisation ${f.makerOrgId} device`]],
      [invitee.address, [`invited to organisation ${f.makerOrgId} as operator`]],
      [f.carrier.address, [`organisation ${f.carrierOrgId} admin`]],
      [f.applicant.address, [`organisation ${f.applicantOrgId} admin`]],
      [distributor.address, [`organisation ${distributorOrgId} admin`]],
      [guest.address, ["network guest"]],
    ]),
    excluded: [exGuardian, exGuest, cancelled, hospitalOperator, hospitalInvitee, f.hospital].map((s) => s.address),
    nodes: [testNode(1), moved, ipv6].map(enodeUrl).sort(),
  };
  return { ...f, expected, invitee, incomingGovernor };
}

/** The expected file, built from the fixture's named accounts and nodes rather than from the registry. */
function expectedToml(registry: string, accounts: string[], nodes: string[]): string {
  return [
    `# Besu local permissioning, exported from the MedAlliance registry ${registry} (chain 31337).`,
    "# Accounts: organisations not revoked (admins, operators, devices, pending invitations), governance, network guests.",
    "# Nodes: approved nodes of Active organisations. Regenerate with `npx hardhat network:allowlist`.",
    `accounts-allowlist=[${accounts
      .map((a) => `"${a.toLowerCase()}"`)
      .sort()
      .join(",")}]`,
    `nodes-allowlist=[${nodes.map((n) => `"${n}"`).join(",")}]`,
    "",
  ].join("\n");
}

describe("task network:allowlist", () => {
  let tmp: string;
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "medalliance-allowlist-"));
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  describe("export", () => {
    it("lists exactly the accounts the registry admits, each with its reason, and the nodes of Active members", async () => {
      const f = await loadFixture(allowlistFixture);
      const out = JSON.parse(
        await printed("network:allowlist", { registry: await f.registry.getAddress(), json: true }),
      ) as {
        accounts: { address: string; reasons: string[] }[];
        nodes: { enode: string; orgId: number }[];
        block: number;
      };
      const expectedAccounts = [...f.expected.accounts]
        .map(([address, reasons]) => ({ address: address.toLowerCase(), reasons }))
        .sort((a, b) => a.address.localeCompare(b.address));
      expect(out.accounts).to.deep.equal(expectedAccounts);
      expect(out.nodes.map((n) => n.enode)).to.deep.equal(f.expected.nodes);
      expect(out.nodes.every((n) => BigInt(n.orgId) === f.makerOrgId)).to.equal(true);
      expect(out.block).to.equal(await ethers.provider.getBlockNumber());
    });

    it("agrees with the registry's own isAllowedOnNetwork, except for accounts that must send an acceptance", async () => {
      const f = await loadFixture(allowlistFixture);
      const system = await resolveSystem(ethers.provider, "hardhat", await f.registry.getAddress());
      const allowlist = await buildAllowlist(system, ethers.provider);
      const exported = new Set(allowlist.accounts.map((a) => a.address));
      const mustAccept = new Set([f.invitee.address, f.incomingGovernor].map((a) => a.toLowerCase()));
      const signers = await ethers.getSigners();
      for (const signer of signers) {
        const address = signer.address.toLowerCase();
        const allowed = await f.registry.isAllowedOnNetwork(signer.address);
        expect(exported.has(address), signer.address).to.equal(allowed || mustAccept.has(address));
      }
      for (const address of f.expected.excluded) expect(exported.has(address.toLowerCase()), address).to.equal(false);
    });

    it("drops a replaced admin key at the quorum and admits the approved replacement until it accepts", async () => {
      const f = await loadFixture(allowlistFixture);
      const replacement = ethers.Wallet.createRandom().address;
      for (const regulator of [f.regulatorA, f.regulatorB]) {
        await (await f.registry.connect(regulator).approveAdminReplacement(f.makerOrgId, replacement)).wait();
      }
      const system = await resolveSystem(ethers.provider, "hardhat", await f.registry.getAddress());
      const reasons = new Map(
        (await buildAllowlist(system, ethers.provider)).accounts.map((a) => [a.address, a.reasons]),
      );
      expect(reasons.has(f.maker.address.toLowerCase())).to.equal(false);
      expect(reasons.get(replacement.toLowerCase())).to.deep.equal([
        `replacement admin approved for organisation ${f.makerOrgId}`,
      ]);
    });

    it("writes Besu's permissions_config.toml with both allowlists", async () => {
      const f = await loadFixture(allowlistFixture);
      const file = path.join(tmp, "permissions_config.toml");
      const registry = await f.registry.getAddress();
      const output = await printed("network:allowlist", { registry, out: file });
      expect(fs.readFileSync(file, "utf8")).to.equal(
        expectedToml(registry, [...f.expected.accounts.keys()], f.expected.nodes),
      );
      expect(output).to.contain(
        "accounts-allowlist: 15 accounts (1 governor, 1 incoming governor, 3 regulators, 2 guardians,",
      );
      expect(output).to.contain(
        "4 organisation admins, 1 organisation operator, 1 organisation device, 1 pending invitation, 1 network guest)",
      );
      expect(output).to.contain("nodes-allowlist: 3 approved nodes of Active organisations");
      expect(output).to.contain(`Wrote ${path.relative(process.cwd(), file)}`);
    });

    it("prints the file when no --out is given", async () => {
      const f = await loadFixture(allowlistFixture);
      const registry = await f.registry.getAddress();
      const output = await printed("network:allowlist", { registry });
      expect(output).to.contain(expectedToml(registry, [...f.expected.accounts.keys()], f.expected.nodes));
    });

    it("renders empty lists as empty TOML arrays", async () => {
      const toml = renderPermissionsToml({
        chainId: "1337",
        registry: ethers.ZeroAddress,
        nodeRegistry: ethers.ZeroAddress,
        block: 0,
        accounts: [],
        nodes: [],
      });
      expect(toml.split("\n").slice(3)).to.deep.equal(["accounts-allowlist=[]", "nodes-allowlist=[]", ""]);
    });

    it("reads events in chunks when the node bounds the eth_getLogs range, with the same result", async () => {
      const f = await loadFixture(allowlistFixture);
      const system = await resolveSystem(ethers.provider, "hardhat", await f.registry.getAddress());
      const direct = await buildAllowlist(system, ethers.provider);
      const ranges: number[] = [];
      const bounded = new Proxy(ethers.provider, {
        get(target, property, receiver) {
          if (property !== "getLogs") return Reflect.get(target, property, receiver);
          return async (filter: { fromBlock: number; toBlock: number }) => {
            const range = filter.toBlock - filter.fromBlock + 1;
            ranges.push(range);
            if (range > 10) throw new Error("exceeds the maximum range of 10 blocks");
            return target.getLogs(filter);
          };
        },
      });
      const chunked = await buildAllowlist({ ...system }, bounded, { logsRange: 10 });
      expect(chunked).to.deep.equal(direct);
      expect(ranges.filter((r) => r > 10)).to.have.length(4); // one refused whole-range request per event kind
      expect(ranges.filter((r) => r <= 10).length).to.be.greaterThan(4 * Math.floor(direct.block / 10));
    });

    it("finds the registry in the network's Ignition deployment folder when no --registry is given", async () => {
      const f = await loadFixture(allowlistFixture);
      const out = await withDeployments(
        { "AllianceRegistry#AllianceRegistry": await f.registry.getAddress() },
        async () => JSON.parse(await printed("network:allowlist", { json: true })),
      );
      expect(out.registry).to.equal(await f.registry.getAddress());
      expect(out.nodes).to.have.length(3);
    });

    it("refuses a registry whose directory has no AllianceNodes, naming what it lists", async () => {
      const f = await loadFixture(allianceFixture);
      await expect(
        hre.run("network:allowlist", { registry: await f.registry.getAddress(), json: true }),
      ).to.be.rejectedWith(/no "AllianceNodes" in its directory/);
    });

    it("refuses an --out folder that does not exist and a --dry-run without --push", async () => {
      const f = await loadFixture(allowlistFixture);
      const registry = await f.registry.getAddress();
      await expect(
        hre.run("network:allowlist", { registry, out: path.join(tmp, "missing", "permissions_config.toml") }),
      ).to.be.rejectedWith(/--out: the folder .* does not exist/);
      await expect(hre.run("network:allowlist", { registry, dryRun: true })).to.be.rejectedWith(
        /--dry-run needs --push/,
      );
      await expect(hre.run("network:allowlist", { registry, logsRange: 0 })).to.be.rejectedWith(/--logs-range must be/);
    });
  });

  describe("push to a Besu node", () => {
    const STALE_ACCOUNT = "0x000000000000000000000000000000000000dEaD";
    const STALE_NODE = enodeUrl(testNode(99, "10.9.9.9"));
    const VALIDATOR = testNode(98, "10.8.8.8");
    const VALIDATOR_ADDRESS = ethers.computeAddress(`0x04${VALIDATOR.publicKey.slice(2)}`);

    async function withStub(
      initial: { accounts: string[]; nodes: string[]; validators?: string[] },
      run: (stub: Awaited<ReturnType<typeof startBesuStub>>) => Promise<void>,
      refuse?: { method: string; code: number; message: string },
    ) {
      const stub = await startBesuStub(initial, { refuse });
      try {
        await run(stub);
      } finally {
        await stub.close();
      }
    }

    it("sends only the difference: adds what is missing, then removes what the registry no longer admits", async () => {
      const f = await loadFixture(allowlistFixture);
      const registry = await f.registry.getAddress();
      const node1 = enodeUrl(testNode(1));
      // Besu may spell entries differently: checksummed addresses, upper-case keys, an explicit discovery port.
      const besuNode1 = `${node1.replace(/enode:\/\/([0-9a-f]+)/, (_, key: string) => `enode://${key.toUpperCase()}`)}?discport=30303`;
      const initial = {
        accounts: [f.governor.address, f.maker.address, STALE_ACCOUNT],
        nodes: [besuNode1, STALE_NODE],
        validators: [VALIDATOR_ADDRESS],
      };
      await withStub(initial, async (stub) => {
        const out = JSON.parse(await printed("network:allowlist", { registry, push: stub.url, json: true })) as {
          push: { accounts: { added: string[]; removed: string[] }; nodes: { added: string[]; removed: string[] } };
        };
        const wantedAccounts = [...f.expected.accounts.keys()].map((a) => a.toLowerCase()).sort();
        const missingAccounts = wantedAccounts.filter(
          (a) => a !== f.governor.address.toLowerCase() && a !== f.maker.address.toLowerCase(),
        );
        const missingNodes = f.expected.nodes.filter((n) => n !== node1);
        expect(stub.calls).to.deep.equal([
          { method: "perm_getAccountsAllowlist", params: [] },
          { method: "perm_getNodesAllowlist", params: [] },
          { method: "qbft_getValidatorsByBlockNumber", params: ["latest"] },
          { method: "perm_addAccountsToAllowlist", params: [missingAccounts] },
          { method: "perm_addNodesToAllowlist", params: [missingNodes] },
          { method: "perm_removeAccountsFromAllowlist", params: [[STALE_ACCOUNT]] },
          { method: "perm_removeNodesFromAllowlist", params: [[STALE_NODE]] },
        ]);
        expect(out.push.accounts).to.deep.equal({ added: missingAccounts, removed: [STALE_ACCOUNT] });
        expect(out.push.nodes).to.deep.equal({ added: missingNodes, removed: [STALE_NODE] });
        expect(stub.accounts.map((a) => a.toLowerCase()).sort()).to.deep.equal(wantedAccounts);
        expect(stub.nodes.sort()).to.deep.equal([besuNode1, ...missingNodes].sort());

        // In sync now: a second push only reads.
        stub.calls.length = 0;
        const again = await printed("network:allowlist", { registry, push: stub.url });
        expect(stub.calls.map((c) => c.method)).to.deep.equal(["perm_getAccountsAllowlist", "perm_getNodesAllowlist"]);
        expect(again).to.contain(`Pushed to ${stub.url}: accounts +0 -0, nodes +0 -0`);
      });
    });

    it("never removes the node of a current QBFT validator, and reports it", async () => {
      const f = await loadFixture(allowlistFixture);
      const registry = await f.registry.getAddress();
      const validatorNode = enodeUrl(VALIDATOR);
      const initial = { accounts: [], nodes: [validatorNode, STALE_NODE], validators: [VALIDATOR_ADDRESS] };
      await withStub(initial, async (stub) => {
        const output = await printed("network:allowlist", { registry, push: stub.url });
        expect(stub.calls.find((c) => c.method === "perm_removeNodesFromAllowlist")?.params).to.deep.equal([
          [STALE_NODE],
        ]);
        expect(stub.nodes).to.include(validatorNode);
        expect(output).to.contain(`Pushed to ${stub.url}: accounts +15 -0, nodes +3 -1`);
        expect(output).to.contain(`kept ${validatorNode}: a current validator the registry does not admit`);
      });
    });

    it("refuses to remove nodes when the node cannot say which are validators (no QBFT API)", async () => {
      const f = await loadFixture(allowlistFixture);
      await withStub({ accounts: [], nodes: [STALE_NODE] }, async (stub) => {
        await expect(
          hre.run("network:allowlist", { registry: await f.registry.getAddress(), push: stub.url }),
        ).to.be.rejectedWith(/refused qbft_getValidatorsByBlockNumber: Method not found \(enable the QBFT API/);
        expect(stub.calls.map((c) => c.method)).to.not.include("perm_addAccountsToAllowlist");
      });
    });

    it("with --dry-run reports the difference and changes nothing", async () => {
      const f = await loadFixture(allowlistFixture);
      await withStub({ accounts: [STALE_ACCOUNT], nodes: [] }, async (stub) => {
        const output = await printed("network:allowlist", {
          registry: await f.registry.getAddress(),
          push: stub.url,
          dryRun: true,
        });
        expect(stub.calls.map((c) => c.method)).to.deep.equal(["perm_getAccountsAllowlist", "perm_getNodesAllowlist"]);
        expect(stub.accounts).to.deep.equal([STALE_ACCOUNT]);
        expect(output).to.contain(`Would change ${stub.url}: accounts +15 -1, nodes +3 -0`);
        expect(output).to.contain(`  - ${STALE_ACCOUNT}`);
        expect(output).to.contain(`  + ${f.expected.nodes[0]}`);
      });
    });

    it("reports a node without the PERM API, and one that refuses a change", async () => {
      const f = await loadFixture(allowlistFixture);
      const registry = await f.registry.getAddress();
      await withStub(
        { accounts: [], nodes: [] },
        async (stub) => {
          await expect(hre.run("network:allowlist", { registry, push: stub.url })).to.be.rejectedWith(
            /refused perm_getAccountsAllowlist: Method not found \(enable the PERM API/,
          );
        },
        { method: "perm_getAccountsAllowlist", code: -32601, message: "Method not found" },
      );
      await withStub(
        { accounts: [], nodes: [] },
        async (stub) => {
          await expect(hre.run("network:allowlist", { registry, push: stub.url })).to.be.rejectedWith(
            /refused perm_addNodesToAllowlist: Invalid enode URL/,
          );
        },
        { method: "perm_addNodesToAllowlist", code: -32000, message: "Invalid enode URL" },
      );
    });

    it("reports an unreachable node and refuses a URL that is not http(s)", async () => {
      const f = await loadFixture(allowlistFixture);
      const registry = await f.registry.getAddress();
      const stub = await startBesuStub({ accounts: [], nodes: [] });
      const closedUrl = stub.url;
      await stub.close();
      await expect(hre.run("network:allowlist", { registry, push: closedUrl })).to.be.rejectedWith(
        new RegExp(`cannot reach the Besu node at ${closedUrl}`),
      );
      await expect(hre.run("network:allowlist", { registry, push: "not a url" })).to.be.rejectedWith(
        /--push is not a URL/,
      );
      await expect(hre.run("network:allowlist", { registry, push: "ws://127.0.0.1:8546" })).to.be.rejectedWith(
        /--push must be an http\(s\) JSON-RPC URL/,
      );
    });
  });
});
