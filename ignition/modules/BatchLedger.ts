import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import AllianceRegistryModule from "./AllianceRegistry";
import ProductCatalogModule from "./ProductCatalog";

/**
 * The batch ledger, wired to the registry and the product catalog through its constructor (held immutable).
 *
 * Parameters (BatchLedger): correctionWindow — seconds during which an actor may correct its own last record of a
 * batch (default one hour; later corrections go through a regulator); receiptWindow — seconds a recipient has after
 * delivery before the sender may reclaim (default three days).
 */
export default buildModule("BatchLedger", (m) => {
  const { registry } = m.useModule(AllianceRegistryModule);
  const { catalog } = m.useModule(ProductCatalogModule);
  const correctionWindow = m.getParameter<number>("correctionWindow", 60 * 60);
  const receiptWindow = m.getParameter<number>("receiptWindow", 3 * 24 * 60 * 60);
  const ledger = m.contract("BatchLedger", [registry, catalog, correctionWindow, receiptWindow]);
  return { ledger };
});
