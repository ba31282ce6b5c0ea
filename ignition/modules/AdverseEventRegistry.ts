import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import BatchLedgerModule from "./BatchLedger";
import DeviceOrderBookModule from "./DeviceOrderBook";

const DAY = 24 * 60 * 60;

/**
 * The adverse event registry, wired to the batch ledger and to the custom device order book (on the same ledger) through
 * its constructor (both held immutable; the alliance registry is the ledger's own). Reports may name a device order;
 * the registry reads the book, never the other way round.
 *
 * Parameters (AdverseEventRegistry): triageWindow — seconds a regulator has, after a report is filed, to triage it in
 * time (default 7 days, the shortest expedited-reporting timeline of pharmacovigilance); later triage is allowed but
 * counted publicly as overdue.
 *
 * Confirmations with a recall act through the ledger, so the governor must register the registry as a ledger module
 * (`BatchLedger.setModule(adverseEvents, true)`) — a governance step, like the directory listing.
 */
export default buildModule("AdverseEventRegistry", (m) => {
  const { ledger } = m.useModule(BatchLedgerModule);
  const { deviceOrders } = m.useModule(DeviceOrderBookModule);
  const triageWindow = m.getParameter<number>("triageWindow", 7 * DAY);
  const adverseEvents = m.contract("AdverseEventRegistry", [ledger, deviceOrders, triageWindow]);
  return { adverseEvents };
});
