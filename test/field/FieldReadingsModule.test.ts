import { expect } from "chai";
import { ethers, ignition } from "hardhat";
import FieldReadingsModule from "../../ignition/modules/FieldReadings";
import { BatchLedger__factory, FieldReadings__factory } from "../../typechain-types";

describe("Ignition: FieldReadings module", () => {
  it("deploys FieldReadings wired to the same registry as the ledger it records on", async () => {
    const { fieldReadings } = await ignition.deploy(FieldReadingsModule);
    const readings = FieldReadings__factory.connect(await fieldReadings.getAddress(), ethers.provider);
    const ledger = BatchLedger__factory.connect(await readings.ledger(), ethers.provider);
    expect(await ledger.version()).to.equal("1.0.0");
    expect(await readings.alliance()).to.equal(await ledger.alliance());
    expect(await readings.version()).to.equal("1.0.0");
    expect((await readings.eip712Domain()).name).to.equal("MedAlliance FieldReadings");
  });
});
