import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import BatchLedgerModule from "./BatchLedger";

const DAY = 24 * 60 * 60;

/**
 * The custom device order book, wired to the batch ledger through its constructor (held immutable; the alliance
 * registry and the product catalog are the ledger's own).
 *
 * Parameters (DeviceOrderBook): complianceWindow — seconds a regulator has, after a custom device is produced, to rule
 * on its compliance in time (default 30 days); past it the ordering hospital may cancel, and until it does a late
 * ruling is still accepted.
 *
 * The book only reads the ledger: it is not a ledger module and needs no `setModule`. Listing it in the registry's
 * directory ("DeviceOrderBook") is a governance step, like the other contracts.
 */
export default buildModule("DeviceOrderBook", (m) => {
  const { ledger } = m.useModule(BatchLedgerModule);
  const complianceWindow = m.getParameter<number>("complianceWindow", 30 * DAY);
  const deviceOrders = m.contract("DeviceOrderBook", [ledger, complianceWindow]);
  return { deviceOrders };
});
