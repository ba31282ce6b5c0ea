import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import hre, { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { AllianceNodes__factory, AllianceRegistry__factory, BatchLedger__factory } from "../../typechain-types";
import { isContractFuture } from "@nomicfoundation/ignition-core";
import MedAllianceModule from "../../ignition/modules/MedAlliance";
import { GUARDIAN_ROLE, REGULATOR_ROLE, directoryName } from "../../scripts/lib/alliance";
import { LEDGER_MODULES, applyGovernance, governanceParameters, planGovernance } from "../../scripts/lib/governance";
import { deploySystem } from "../../scripts/lib/ignition";

const LOCALHOST = path.join(__dirname, "..", "..", "ignition", "parameters", "localhost.json");
const EXAMPLE = path.join(__dirname, "..", "..", "ignition", "parameters", "alliance.example.json");
const local = JSON.parse(fs.readFileSync(LOCALHOST, "utf8")) as {
  AllianceRegistry: { governorTransferDelay: number };
  MedAlliance: { governor: string; regulators: string[]; guardians: string[]; quorum: number };
};

describe("Ignition: the MedAlliance system module and its governance steps", () => {
  it("composes every contract module, the registry and the node registry among them", () => {
    expect(Object.keys(MedAllianceModule.results)).to.include.members(["registry", "nodes"]);
    expect(Object.values(MedAllianceModule.results).every(isContractFuture)).to.equal(true);
    const ids = [...MedAllianceModule.submodules].map((m) => m.id);
    expect(ids).to.include.members(["AllianceRegistry", "AllianceNodes"]);
  });

  it("deploys with the local parameters: wiring, governance, directory and the hand-over begun", async () => {
    const [deployer] = await ethers.getSigners();
    const report = await deploySystem(hre, { parametersFile: LOCALHOST });
    const registry = AllianceRegistry__factory.connect(report.registry, ethers.provider);
    const nodesAddress = report.contracts.find((c) => c.contractName === "AllianceNodes")!.address;
    const nodes = AllianceNodes__factory.connect(nodesAddress, ethers.provider);

    const listed = report.contracts.filter((c) => c.contractName !== "AllianceRegistry");
    const modules = listed.filter((c) => LEDGER_MODULES.includes(c.contractName));
    const address = (name: string) => report.contracts.find((c) => c.contractName === name)!.address;
    expect(modules.map((c) => c.contractName)).to.have.members(
      LEDGER_MODULES.filter((name) => listed.some((c) => c.contractName === name)),
    );
    expect(report.contracts.map((c) => c.contractName)).to.include.members(["AllianceRegistry", "AllianceNodes"]);
    expect(report.directory).to.deep.equal(listed.map((c) => ({ name: c.contractName, address: c.address })));
    expect(await nodes.alliance()).to.equal(report.registry);
    expect(await registry.directory(directoryName("AllianceNodes"))).to.equal(nodesAddress);
    expect(await registry.directoryNames()).to.deep.equal(listed.map((c) => directoryName(c.contractName)));
    for (const c of listed) expect(await registry.directory(directoryName(c.contractName))).to.equal(c.address);
    expect(await registry.regulators()).to.deep.equal(local.MedAlliance.regulators);
    for (const guardian of local.MedAlliance.guardians)
      expect(await registry.hasRole(GUARDIAN_ROLE, guardian)).to.equal(true);
    expect(await registry.quorum()).to.equal(BigInt(local.MedAlliance.quorum));
    expect(await registry.defaultAdminDelay()).to.equal(BigInt(local.AllianceRegistry.governorTransferDelay));
    expect(await registry.governor()).to.equal(deployer.address);
    expect((await registry.pendingDefaultAdmin())[0]).to.equal(local.MedAlliance.governor);
    expect(report.incomingGovernor?.account).to.equal(local.MedAlliance.governor);
    expect(report.applied.map((s) => s.description)).to.deep.equal([
      ...local.MedAlliance.regulators.map((r) => `seat regulator ${r}`),
      ...local.MedAlliance.guardians.map((g) => `seat guardian ${g}`),
      "set the quorum to 2 (was 1)",
      ...listed.map((c) => `list ${c.contractName} at ${c.address} in the directory`),
      ...modules.map((c) => `register ${c.contractName} at ${c.address} as a module of the BatchLedger`),
      `begin the hand-over of governance to ${local.MedAlliance.governor}`,
    ]);
    const ledger = BatchLedger__factory.connect(address("BatchLedger"), ethers.provider);
    for (const c of modules) expect(await ledger.isModule(c.address)).to.equal(true);
    expect(report.pending).to.deep.equal([]);
    expect(report.deploymentDir).to.equal(undefined); // the embedded network keeps no deployment folder

    // Planned again from the chain's state, nothing is left to do.
    const governance = governanceParameters(local, LOCALHOST);
    expect(await planGovernance(registry, governance, report.directory)).to.deep.equal([]);
  });

  it("once the configured governor has accepted, only reports what is missing, with calldata for the governor", async () => {
    const [deployer] = await ethers.getSigners();
    const report = await deploySystem(hre, { parametersFile: LOCALHOST });
    const newGovernor = await ethers.getSigner(local.MedAlliance.governor);
    const registry = AllianceRegistry__factory.connect(report.registry, deployer);
    await time.increase(local.AllianceRegistry.governorTransferDelay + 1);
    await (await registry.connect(newGovernor).acceptDefaultAdminTransfer()).wait();

    const governance = governanceParameters(local, LOCALHOST);
    const later = { name: "LaterContract", address: ethers.computeAddress(ethers.id("a later contract")) };
    const steps = await planGovernance(registry, governance, [...report.directory, later]);
    expect(steps.map((s) => s.description)).to.deep.equal([`list LaterContract at ${later.address} in the directory`]);
    const { applied, pending } = await applyGovernance(registry, deployer, steps);
    expect(applied).to.deep.equal([]);
    expect(pending).to.deep.equal(steps);
    expect(registry.interface.parseTransaction({ data: pending[0].data })?.args.toArray()).to.deep.equal([
      directoryName("LaterContract"),
      later.address,
    ]);
    expect(await registry.directory(directoryName("LaterContract"))).to.equal(ethers.ZeroAddress);

    // The governor's own decisions are not undone: a regulator it removed is not seated again while it governs.
    await (await registry.connect(newGovernor).setQuorum(1)).wait();
    await (await registry.connect(newGovernor).revokeRole(REGULATOR_ROLE, governance.regulators[2])).wait();
    const again = await applyGovernance(
      registry,
      deployer,
      await planGovernance(registry, governance, report.directory),
    );
    expect(again.applied).to.deep.equal([]);
    expect(again.pending.map((s) => s.description)).to.deep.equal([
      `seat regulator ${governance.regulators[2]}`,
      "set the quorum to 2 (was 1)",
    ]);
    expect(await registry.hasRole(REGULATOR_ROLE, governance.regulators[2])).to.equal(false);
  });

  it("explains a governance step the registry refuses, with the registry's error", async () => {
    const [deployer, , , , , member] = await ethers.getSigners();
    const { registry: address } = await deploySystem(hre, { parametersFile: LOCALHOST });
    const registry = AllianceRegistry__factory.connect(address, deployer);
    // An organisation's account can never be a regulator.
    await (
      await registry
        .connect(member)
        .registerOrganisation(ethers.id("licence"), "ipfs://licence", (await time.latest()) + 3600, "Member", 5, [])
    ).wait();
    const steps = await planGovernance(
      registry,
      { governor: deployer.address, regulators: [member.address], guardians: [], quorum: 1 },
      [],
    );
    await expect(applyGovernance(registry, deployer, steps)).to.be.rejectedWith(
      new RegExp(
        `governance step failed: seat regulator ${member.address}: AllianceRegulatorAccount\\(${member.address}\\)`,
      ),
    );
  });

  describe("parameters", () => {
    const base = local.MedAlliance;
    const check = (section: Record<string, unknown>) => () =>
      governanceParameters({ MedAlliance: { ...base, ...section } }, "params.json");

    it("reads the local and the example files", () => {
      expect(governanceParameters(local, LOCALHOST)).to.deep.equal(base);
      const example = JSON.parse(fs.readFileSync(EXAMPLE, "utf8"));
      expect(governanceParameters(example, EXAMPLE).quorum).to.equal(2);
    });

    it("refuses a file without the MedAlliance section", () => {
      expect(() => governanceParameters({ AllianceRegistry: {} }, "params.json")).to.throw(
        /params.json has no "MedAlliance" section \(governor, regulators, guardians, quorum\)/,
      );
    });

    it("refuses bad addresses, duplicates, an empty regulator list and a quorum out of range", () => {
      expect(check({ governor: "0x1234" })).to.throw(/"MedAlliance".governor is not an address: 0x1234/);
      expect(check({ governor: ethers.ZeroAddress })).to.throw(/"MedAlliance".governor is the zero address/);
      expect(check({ regulators: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8" })).to.throw(
        /regulators must be a list of addresses/,
      );
      expect(check({ regulators: [base.regulators[0], base.regulators[0].toLowerCase()] })).to.throw(
        new RegExp(`regulators lists ${base.regulators[0]} twice`),
      );
      expect(check({ guardians: ["nobody"] })).to.throw(/guardians\[0\] is not an address: nobody/);
      expect(check({ regulators: [], quorum: 1 })).to.throw(/regulators must name at least one regulator/);
      const many = Array.from({ length: 65 }, (_, i) => ethers.computeAddress(ethers.id(`regulator ${i}`)));
      expect(check({ regulators: many })).to.throw(/regulators may name at most 64/);
      expect(check({ quorum: 0 })).to.throw(/quorum must be a whole number from 1 to the 3 regulators, not 0/);
      expect(check({ quorum: 4 })).to.throw(/not 4/);
      expect(check({ quorum: 1.5 })).to.throw(/not 1.5/);
    });

    it("refuses the example file and a missing file before deploying anything", async () => {
      const before = await ethers.provider.getTransactionCount((await ethers.getSigners())[0].address);
      await expect(deploySystem(hre, { parametersFile: EXAMPLE })).to.be.rejectedWith(
        /alliance.example.json is an example: copy it to .*alliance.json and fill in the consortium's addresses/,
      );
      const missing = path.join(os.tmpdir(), "no-such-parameters.json");
      await expect(deploySystem(hre, { parametersFile: missing })).to.be.rejectedWith(
        /no parameter file for network "hardhat" at .*no-such-parameters.json/,
      );
      expect(await ethers.provider.getTransactionCount((await ethers.getSigners())[0].address)).to.equal(before);
    });
  });
});
