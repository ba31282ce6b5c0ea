import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import AllianceRegistryModule from "./AllianceRegistry";

const DAY = 24 * 60 * 60;

/**
 * The product catalog, wired to the alliance registry through its constructor (held immutable).
 *
 * Parameters (ProductCatalog): holdFloors — the minimum hold periods regulators may approve, in seconds, for drugs,
 * devices, protective equipment (masks: 14 days), consumables and raw materials, in that order. The governor can
 * change each later with `setHoldFloor`.
 */
export default buildModule("ProductCatalog", (m) => {
  const { registry } = m.useModule(AllianceRegistryModule);
  const holdFloors = m.getParameter<number[]>("holdFloors", [7 * DAY, 7 * DAY, 14 * DAY, 3 * DAY, 2 * DAY]);
  const catalog = m.contract("ProductCatalog", [registry, holdFloors]);
  return { catalog };
});
