/**
 * The deployment path against real JSON-RPC nodes: a `hardhat node` and a gas-free Anvil node run as child processes on
 * free loopback ports; `scripts/deploy.ts` (what `npm run deploy:local` runs) deploys through Ignition over HTTP into
 * a temporary deployments folder; a task then finds every address itself. The nodes are stopped whatever happens.
 */
import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import hre from "hardhat";
import { ethers } from "ethers";
import MedAllianceModule from "../../ignition/modules/MedAlliance";
import { AllianceNodes__factory, AllianceRegistry__factory, BatchLedger__factory } from "../../typechain-types";
import { LEDGER_MODULES } from "../../scripts/lib/governance";
import { BusinessRole, GUARDIAN_ROLE, directoryName, documentHash } from "../../scripts/lib/alliance";
import { enodeHashOf, enodeUrl, nodePublicKey } from "../../scripts/lib/nodes";
import { type LocalNode, type NodeKind, ROOT, runHardhat, startNode } from "../helpers/localNodes";

const KINDS: NodeKind[] = ["hardhat node", "anvil"];
const REGISTRY = "AllianceRegistry#AllianceRegistry";
const NODES = "AllianceNodes#AllianceNodes";
const PARAMETERS_FILE = path.join(ROOT, "ignition", "parameters", "localhost.json");
const PARAMETERS = JSON.parse(fs.readFileSync(PARAMETERS_FILE, "utf8")) as {
  MedAlliance: { governor: string; regulators: string[]; guardians: string[]; quorum: number };
};
const { governor, regulators, guardians, quorum } = PARAMETERS.MedAlliance;
const DEPLOY = ["run", "--no-compile", "--network", "localhost", "scripts/deploy.ts"];
/** Every contract of the system module: Ignition future id and contract name (listed in the directory under it). */
const SYSTEM = Object.values(MedAllianceModule.results).map((future) => ({ id: future.id, name: future.contractName }));
const LISTED = SYSTEM.filter((c) => c.id !== REGISTRY);
const MODULES = LISTED.filter((c) => LEDGER_MODULES.includes(c.name));
/** Seat each regulator and guardian, set the quorum, list each contract, register the ledger modules, begin the
 * hand-over. */
const GOVERNANCE_STEPS = regulators.length + guardians.length + 1 + LISTED.length + MODULES.length + 1;

interface Context {
  node: LocalNode;
  provider: ethers.JsonRpcProvider;
  deployments: string;
}

describe("Deployment to real nodes over JSON-RPC", function () {
  this.timeout(60_000);
  const contexts = new Map<NodeKind, Context>();

  before(async function () {
    // Coverage instruments the contracts beyond the size limit; this suite proves the deployment path instead.
    if ((hre as unknown as { __SOLIDITY_COVERAGE_RUNNING?: boolean }).__SOLIDITY_COVERAGE_RUNNING) this.skip();
    const started = await Promise.allSettled(KINDS.map((kind) => startNode(kind)));
    for (const result of started) {
      if (result.status !== "fulfilled") continue;
      const node = result.value;
      const deployments = fs.mkdtempSync(path.join(os.tmpdir(), "medalliance-deployments-"));
      contexts.set(node.kind, { node, provider: new ethers.JsonRpcProvider(node.url), deployments });
    }
    const failed = started.find((result) => result.status === "rejected");
    if (failed) throw (failed as PromiseRejectedResult).reason;
  });

  after(async () => {
    for (const { node, provider, deployments } of contexts.values()) {
      provider.destroy();
      await node.stop();
      fs.rmSync(deployments, { recursive: true, force: true });
    }
  });

  const env = (c: Context) => ({
    LOCALHOST_RPC_URL: c.node.url,
    MEDALLIANCE_DEPLOYMENTS_DIR: c.deployments,
    MEDALLIANCE_PARAMETERS: PARAMETERS_FILE,
  });
  const addressesFile = (c: Context) => path.join(c.deployments, "chain-31337", "deployed_addresses.json");
  const deployed = (c: Context) => JSON.parse(fs.readFileSync(addressesFile(c), "utf8")) as Record<string, string>;

  for (const kind of KINDS) {
    describe(kind, () => {
      const ctx = () => contexts.get(kind)!;

      it("deploys through Ignition: the contracts, their wiring, every directory entry and the governance set-up", async () => {
        const c = ctx();
        const [deployer] = await c.provider.send("eth_accounts", []);
        const balance = await c.provider.getBalance(deployer);
        const run = await runHardhat(DEPLOY, env(c));
        expect(run.code, run.output).to.equal(0);
        expect(run.stdout).to.contain(`Governance: ${GOVERNANCE_STEPS} steps done.`);
        // On the gas-free chain every transaction, Ignition's and the governance steps', was sent at zero fee.
        if (kind === "anvil") expect(await c.provider.getBalance(deployer)).to.equal(balance);
        else expect(await c.provider.getBalance(deployer)).to.be.lessThan(balance);

        const addresses = deployed(c);
        expect(Object.keys(addresses).sort()).to.deep.equal(SYSTEM.map((c) => c.id).sort());
        const registry = AllianceRegistry__factory.connect(addresses[REGISTRY], c.provider);
        const nodes = AllianceNodes__factory.connect(addresses[NODES], c.provider);
        expect(await c.provider.getCode(addresses[NODES])).to.not.equal("0x");
        expect(await nodes.alliance()).to.equal(addresses[REGISTRY]);
        expect(await registry.directoryNames()).to.deep.equal(LISTED.map((c) => directoryName(c.name)));
        for (const { id, name } of LISTED) {
          expect(await c.provider.getCode(addresses[id]), id).to.not.equal("0x");
          expect(await registry.directory(directoryName(name)), name).to.equal(addresses[id]);
        }

        expect(await registry.governor()).to.equal(ethers.getAddress(deployer));
        expect((await registry.pendingDefaultAdmin())[0]).to.equal(governor);
        expect(await registry.regulators()).to.deep.equal(regulators);
        for (const guardian of guardians) expect(await registry.hasRole(GUARDIAN_ROLE, guardian)).to.equal(true);
        expect(await registry.quorum()).to.equal(BigInt(quorum));
        const ledger = BatchLedger__factory.connect(
          addresses[LISTED.find((c) => c.name === "BatchLedger")!.id],
          c.provider,
        );
        expect(MODULES.map((m) => m.name)).to.have.members(LEDGER_MODULES);
        for (const { id } of MODULES) expect(await ledger.isModule(addresses[id]), id).to.equal(true);
      });

      it("answers the permission question, and the allowlist task finds every address itself", async () => {
        const c = ctx();
        const addresses = deployed(c);
        const registry = AllianceRegistry__factory.connect(addresses[REGISTRY], c.provider);
        const nodes = AllianceNodes__factory.connect(addresses[NODES], c.provider);
        const member = await c.provider.getSigner(5);
        const stranger = await c.provider.getSigner(6);
        const [regulatorA, regulatorB] = await Promise.all(regulators.slice(0, 2).map((r) => c.provider.getSigner(r)));

        const { timestamp } = (await c.provider.getBlock("latest"))!;
        const args = [
          documentHash("Coastal Clinic licence"),
          "ipfs://licences/coastal-clinic",
          timestamp + 365 * 24 * 3600,
          "Coastal Clinic",
          BusinessRole.Hospital,
          [] as bigint[],
        ] as const;
        const [, applicationId] = await registry.connect(member).registerOrganisation.staticCall(...args);
        await (await registry.connect(member).registerOrganisation(...args)).wait();
        expect(await registry.isPermitted(member.address, BusinessRole.Hospital)).to.equal(false);
        for (const regulator of [regulatorA, regulatorB]) {
          await (await registry.connect(regulator).approveApplication(applicationId, [])).wait();
        }
        expect(await registry.isPermitted(member.address, BusinessRole.Hospital)).to.equal(true);
        expect(await registry.isPermitted(member.address, BusinessRole.Manufacturer)).to.equal(false);
        expect(await registry.isPermitted(stranger.address, BusinessRole.Hospital)).to.equal(false);

        const enode = { publicKey: nodePublicKey(ethers.id(`${kind} validator`)), host: "192.0.2.10", port: 30303 };
        await (await nodes.connect(member).proposeNode(enode.publicKey, enode.host, enode.port)).wait();
        await (
          await nodes.connect(regulatorA).approveNode(ethers.keccak256(enode.publicKey), enodeHashOf(enode))
        ).wait();

        const run = await runHardhat(["--network", "localhost", "network:allowlist", "--json"], env(c));
        expect(run.code, run.output).to.equal(0);
        const allowlist = JSON.parse(run.stdout) as {
          registry: string;
          accounts: { address: string; reasons: string[] }[];
          nodes: { enode: string }[];
        };
        expect(allowlist.registry).to.equal(addresses[REGISTRY]);
        expect(allowlist.accounts).to.deep.include({
          address: member.address.toLowerCase(),
          reasons: ["organisation 1 admin"],
        });
        expect(allowlist.accounts.map((a) => a.address)).to.not.include(stranger.address.toLowerCase());
        expect(allowlist.nodes.map((n) => n.enode)).to.deep.equal([enodeUrl(enode)]);
      });

      it("redeploys idempotently: Ignition resumes, no transaction is sent, the addresses stay", async () => {
        const c = ctx();
        const before = fs.readFileSync(addressesFile(c), "utf8");
        const block = await c.provider.getBlockNumber();
        const [deployer] = await c.provider.send("eth_accounts", []);
        const nonce = await c.provider.getTransactionCount(deployer);

        const run = await runHardhat(DEPLOY, env(c));
        expect(run.code, run.output).to.equal(0);
        expect(run.stdout).to.contain("Governance: every step already done.");
        expect(fs.readFileSync(addressesFile(c), "utf8")).to.equal(before);
        expect(await c.provider.getTransactionCount(deployer)).to.equal(nonce);
        expect(await c.provider.getBlockNumber()).to.equal(block);
      });
    });
  }

  describe("a restarted local node", () => {
    it("makes the deployment start afresh when its folder is stale (anvil restarted)", async () => {
      const c = contexts.get("anvil")!;
      const { [REGISTRY]: previous } = deployed(c);
      await c.node.stop();
      c.provider.destroy();
      c.node = await startNode("anvil");
      c.provider = new ethers.JsonRpcProvider(c.node.url);
      expect(await c.provider.getCode(previous)).to.equal("0x");

      const run = await runHardhat(DEPLOY, env(c));
      expect(run.code, run.output).to.equal(0);
      expect(run.stdout).to.contain("belongs to an earlier run of the local node");
      const registry = AllianceRegistry__factory.connect(deployed(c)[REGISTRY], c.provider);
      expect(await registry.directory(directoryName("AllianceNodes"))).to.equal(deployed(c)[NODES]);
    });
  });
});
