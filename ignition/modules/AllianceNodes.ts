import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import AllianceRegistryModule from "./AllianceRegistry";

/**
 * The node registry: the enodes member organisations run, approved by regulators. Wired to the alliance registry
 * through its constructor (held immutable). The deployment's governance steps list it in the registry's directory
 * as "AllianceNodes".
 */
export default buildModule("AllianceNodes", (m) => {
  const { registry } = m.useModule(AllianceRegistryModule);
  const nodes = m.contract("AllianceNodes", [registry]);
  return { nodes };
});
