import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import AllianceRegistryModule from "./AllianceRegistry";
import BatchLedgerModule from "./BatchLedger";

/**
 * Supply agreements, wired to the registry and the batch ledger through its constructor (held immutable). It needs no
 * ledger-module registration: it only reads shipments. The governor approves payment tokens afterwards
 * (`setAssetApproved`); ETH is always accepted. No parameters: every window and rate is part of each agreement's terms,
 * and the carrier's pick-up window is the contract's constant `PICK_UP_WINDOW` (one day).
 */
export default buildModule("SupplyAgreements", (m) => {
  const { registry } = m.useModule(AllianceRegistryModule);
  const { ledger } = m.useModule(BatchLedgerModule);
  const agreements = m.contract("SupplyAgreements", [registry, ledger]);
  return { agreements };
});
