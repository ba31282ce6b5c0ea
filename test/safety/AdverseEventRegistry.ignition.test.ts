import { expect } from "chai";
import { ethers, ignition } from "hardhat";
import { BatchLedger__factory, DeviceOrderBook__factory } from "../../typechain-types";
import AdverseEventRegistryModule from "../../ignition/modules/AdverseEventRegistry";
import { DEFAULT_TRIAGE_WINDOW } from "../../scripts/lib/adverse";

describe("Ignition: AdverseEventRegistry module", () => {
  it("deploys the registry on the ledger and the order book, sharing the alliance registry, with a 7-day window", async () => {
    const { adverseEvents } = await ignition.deploy(AdverseEventRegistryModule);
    const ledger = BatchLedger__factory.connect(await adverseEvents.ledger(), ethers.provider);
    expect(await ledger.version()).to.equal("1.0.0");
    expect(await adverseEvents.alliance()).to.equal(await ledger.alliance());
    expect(await adverseEvents.triageWindow()).to.equal(DEFAULT_TRIAGE_WINDOW);
    // The order book comes from the DeviceOrderBook module, on the same ledger.
    const book = DeviceOrderBook__factory.connect(await adverseEvents.orderBook(), ethers.provider);
    expect(await book.version()).to.equal("1.0.0");
    expect(await book.ledger()).to.equal(await ledger.getAddress());
    // Module rights are a governance step: until the governor registers it, the ledger does not know it.
    expect(await ledger.isModule(adverseEvents)).to.equal(false);
  });

  it("takes the triage window as a parameter", async () => {
    const { adverseEvents } = await ignition.deploy(AdverseEventRegistryModule, {
      parameters: { AdverseEventRegistry: { triageWindow: 3600 } },
    });
    expect(await adverseEvents.triageWindow()).to.equal(3600n);
    expect(await adverseEvents.version()).to.equal("1.0.0");
  });
});
