import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import AllianceRegistryModule from "./AllianceRegistry";
import BatchLedgerModule from "./BatchLedger";

/**
 * Field readings: EIP-712 signed readings from registered devices, relayed in batches by members' gateways, wired to
 * the alliance registry and the batch ledger through its constructor (both held immutable; the product catalog is the
 * ledger's own). It has no parameters: the EIP-712 domain ("MedAlliance FieldReadings", version "1") and the
 * maximum of 100 readings and 100 shipments per submission are fixed in the contract.
 *
 * Readings are recorded and shipments held through the ledger, so the governor must register the contract as a ledger
 * module (`BatchLedger.setModule(fieldReadings, true)`) — a governance step, like the directory listing under
 * "FieldReadings", where gateways find it.
 */
export default buildModule("FieldReadings", (m) => {
  const { registry } = m.useModule(AllianceRegistryModule);
  const { ledger } = m.useModule(BatchLedgerModule);
  const fieldReadings = m.contract("FieldReadings", [registry, ledger]);
  return { fieldReadings };
});
