import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import AdverseEventRegistryModule from "./AdverseEventRegistry";
import AllianceNodesModule from "./AllianceNodes";
import AllianceRegistryModule from "./AllianceRegistry";
import BatchLedgerModule from "./BatchLedger";
import DeviceOrderBookModule from "./DeviceOrderBook";
import DonationEscrowModule from "./DonationEscrow";
import FieldReadingsModule from "./FieldReadings";
import ProductCatalogModule from "./ProductCatalog";
import SerialRegistryModule from "./SerialRegistry";
import SupplyAgreementsModule from "./SupplyAgreements";

/**
 * The whole MedAlliance system: every contract module, composed. `npm run deploy:local` / `deploy:alliance` deploy it
 * with the network's parameter file (ignition/parameters/<network>.json), then run the governance steps of
 * scripts/lib/governance.ts: seat the regulators and guardians and set the quorum from the "MedAlliance" parameters,
 * list every contract of this module other than the registry in the registry's directory under its contract name,
 * register the contracts named in `LEDGER_MODULES` as modules of the batch ledger, and begin the hand-over to the
 * configured governor.
 *
 * Adding a contract takes two lines: import its module (one file in this folder, named after its id, taking the
 * registry from `m.useModule(AllianceRegistryModule)` and its policy values from `m.getParameter`) and spread
 * `m.useModule(ThatModule)` into the results below, e.g.
 *
 *   import ProductCatalogModule from "./ProductCatalog";
import SerialRegistryModule from "./SerialRegistry";
import SupplyAgreementsModule from "./SupplyAgreements";
 *   ...m.useModule(ProductCatalogModule),
 *
 * Result keys must stay unique; each contract future in them gets a directory entry.
 */
export default buildModule("MedAlliance", (m) => ({
  ...m.useModule(AllianceRegistryModule),
  ...m.useModule(AllianceNodesModule),
  ...m.useModule(ProductCatalogModule),
  ...m.useModule(BatchLedgerModule),
  ...m.useModule(SerialRegistryModule),
  ...m.useModule(FieldReadingsModule),
  ...m.useModule(DeviceOrderBookModule),
  ...m.useModule(AdverseEventRegistryModule),
  ...m.useModule(DonationEscrowModule),
  ...m.useModule(SupplyAgreementsModule),
}));
