/** Deployment: the gas of deploying each system contract (constructor included). */
import { ethers } from "hardhat";
import { DEFAULT_GOVERNOR_TRANSFER_DELAY } from "../../scripts/lib/formation";
import { DEFAULT_CORRECTION_WINDOW, DEFAULT_HOLD_FLOORS, DEFAULT_RECEIPT_WINDOW } from "../../scripts/lib/trace";
import { DEFAULT_TRIAGE_WINDOW } from "../../scripts/lib/adverse";
import { DEFAULT_VERIFICATION_WINDOW } from "../../scripts/lib/donations";
import { DEFAULT_COMPLIANCE_WINDOW } from "../../scripts/lib/orders";
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
    const serials = await deploymentGas("SerialRegistry", [ledger.address]);
    const readings = await deploymentGas("FieldReadings", [registry.address, ledger.address]);
    const orders = await deploymentGas("DeviceOrderBook", [ledger.address, DEFAULT_COMPLIANCE_WINDOW]);
    const adverse = await deploymentGas("AdverseEventRegistry", [
      ledger.address,
      orders.address,
      DEFAULT_TRIAGE_WINDOW,
    ]);
    const escrow = await deploymentGas("DonationEscrow", [
      registry.address,
      ledger.address,
      DEFAULT_VERIFICATION_WINDOW,
    ]);
    const agreements = await deploymentGas("SupplyAgreements", [registry.address, ledger.address]);
    return {
      "deploy.AllianceRegistry": registry.gas,
      "deploy.AllianceNodes": nodes.gas,
      "deploy.ProductCatalog": catalog.gas,
      "deploy.BatchLedger": ledger.gas,
      "deploy.SerialRegistry": serials.gas,
      "deploy.FieldReadings": readings.gas,
      "deploy.DeviceOrderBook": orders.gas,
      "deploy.AdverseEventRegistry": adverse.gas,
      "deploy.DonationEscrow": escrow.gas,
      "deploy.SupplyAgreements": agreements.gas,
    };
  },
};
