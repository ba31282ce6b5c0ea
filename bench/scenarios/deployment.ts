/** Deployment: the gas of deploying each system contract (constructor included). */
import { ethers } from "hardhat";
import { DEFAULT_GOVERNOR_TRANSFER_DELAY } from "../../scripts/lib/formation";
import { DEFAULT_CORRECTION_WINDOW, DEFAULT_HOLD_FLOORS, DEFAULT_RECEIPT_WINDOW } from "../../scripts/lib/trace";
import { type GasFigures, type Scenario } from "../harness";

async function deploymentGas(name: string, args: unknown[]): Promise<{ gas: bigint; address: string }> {
  const contract = await (await ethers.getContractFactory(name)).deploy(...args);
  const receipt = await contract.deploymentTransaction()!.wait();
  return { gas: receipt!.gasUsed, address: await contract.getAddress() };
}

export const deploymentScenario: Scenario = {
  name: "deploy",
  async run(): Promise<GasFigures> {
    const [governor] = await ethers.getSigners();
    const registry = await deploymentGas("AllianceRegistry", [governor.address, DEFAULT_GOVERNOR_TRANSFER_DELAY]);
    const nodes = await deploymentGas("AllianceNodes", [registry.address]);
    const catalog = await deploymentGas("ProductCatalog", [registry.address, DEFAULT_HOLD_FLOORS]);
    const ledger = await deploymentGas("BatchLedger", [
      registry.address,
      catalog.address,
      DEFAULT_CORRECTION_WINDOW,
      DEFAULT_RECEIPT_WINDOW,
    ]);
    return {
      "deploy.AllianceRegistry": registry.gas,
      "deploy.AllianceNodes": nodes.gas,
      "deploy.ProductCatalog": catalog.gas,
      "deploy.BatchLedger": ledger.gas,
    };
  },
};
