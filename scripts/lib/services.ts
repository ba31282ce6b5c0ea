/**
 * The contracts built on the batch ledger, deployed together outside Ignition (the demo, the benchmarks): unit
 * serials, field readings, device orders, adverse events, the donation escrow and supply agreements. Each is listed
 * in the registry's directory under its contract name, and the ledger modules among them (governance.ts
 * `LEDGER_MODULES`) are registered with the ledger — the same end state as `npm run deploy:local`.
 */
import type { Signer } from "ethers";
import {
  type AdverseEventRegistry,
  AllianceRegistry__factory,
  type BatchLedger,
  type DeviceOrderBook,
  type DonationEscrow,
  type FieldReadings,
  FieldReadings__factory,
  type SerialRegistry,
  SerialRegistry__factory,
  type SupplyAgreements,
  SupplyAgreements__factory,
} from "../../typechain-types";
import { deployAdverse } from "./adverse";
import { directoryName } from "./alliance";
import { deployEscrow } from "./donations";
import { deployOrders } from "./orders";

export interface Services {
  serials: SerialRegistry;
  readings: FieldReadings;
  orders: DeviceOrderBook;
  adverse: AdverseEventRegistry;
  escrow: DonationEscrow;
  agreements: SupplyAgreements;
}

/** Deploys every service on `ledger` (and its registry); `governor` must be the alliance's governor. */
export async function deployServices(ledger: BatchLedger, governor: Signer): Promise<Services> {
  const registry = AllianceRegistry__factory.connect(await ledger.alliance(), governor);
  const asGovernor = ledger.connect(governor);
  const list = async (name: string, contract: { getAddress(): Promise<string> }) =>
    (await registry.setDirectoryEntry(directoryName(name), await contract.getAddress())).wait();

  const serials = await new SerialRegistry__factory(governor).deploy(ledger);
  await serials.waitForDeployment();
  await (await asGovernor.setModule(serials, true)).wait();
  await list("SerialRegistry", serials);

  const readings = await new FieldReadings__factory(governor).deploy(registry, ledger);
  await readings.waitForDeployment();
  await (await asGovernor.setModule(readings, true)).wait();
  await list("FieldReadings", readings);

  const orders = await deployOrders(ledger, governor);
  const adverse = await deployAdverse(ledger, orders, governor);
  const escrow = await deployEscrow(registry, ledger, governor);

  const agreements = await new SupplyAgreements__factory(governor).deploy(registry, ledger);
  await agreements.waitForDeployment();
  await list("SupplyAgreements", agreements);

  return { serials, readings, orders, adverse, escrow, agreements };
}
