import { expect } from "chai";
import { ethers, ignition } from "hardhat";
import AllianceRegistryModule from "../../ignition/modules/AllianceRegistry";

describe("Ignition: AllianceRegistry module", () => {
  it("deploys the registry with the deployer as governor and the configured hand-over delay", async () => {
    const [deployer] = await ethers.getSigners();
    const { registry } = await ignition.deploy(AllianceRegistryModule, {
      parameters: { AllianceRegistry: { governorTransferDelay: 3600 } },
    });
    expect(await registry.governor()).to.equal(deployer.address);
    expect(await registry.defaultAdminDelay()).to.equal(3600n);
    expect(await registry.quorum()).to.equal(1n);
    expect(await registry.regulatorCount()).to.equal(0n);
  });
});
