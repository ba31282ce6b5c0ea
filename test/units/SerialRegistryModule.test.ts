import { expect } from "chai";
import { ethers, ignition } from "hardhat";
import SerialRegistryModule from "../../ignition/modules/SerialRegistry";
import { BatchLedger__factory } from "../../typechain-types";

describe("Ignition: SerialRegistry module", () => {
  it("deploys the registry on the ledger, sharing the ledger's alliance registry; the governor registers it", async () => {
    const [deployer] = await ethers.getSigners();
    const { serials } = await ignition.deploy(SerialRegistryModule);
    const ledger = BatchLedger__factory.connect(await serials.ledger(), deployer);
    expect(await ledger.version()).to.equal("1.0.0");
    expect(await serials.alliance()).to.equal(await ledger.alliance());
    expect(await ledger.alliance()).to.not.equal(ethers.ZeroAddress);
    expect(await serials.version()).to.equal("1.0.0");
    // Registering the module is a governance step, not part of the deployment.
    expect(await ledger.isModule(await serials.getAddress())).to.equal(false);
    await (await ledger.connect(deployer).setModule(await serials.getAddress(), true)).wait();
    expect(await ledger.isModule(await serials.getAddress())).to.equal(true);
  });
});
