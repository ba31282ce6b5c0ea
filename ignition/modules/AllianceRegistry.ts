import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

const TWO_DAYS = 2 * 24 * 60 * 60;

/**
 * The alliance registry. The deploying account is the first governor: it seats regulators and guardians and
 * sets the quorum, then hands governance over to the consortium's multisig (two-step, after the delay).
 *
 * Parameters (AllianceRegistry): governorTransferDelay — seconds between proposing and accepting a governor
 * hand-over (default two days).
 */
export default buildModule("AllianceRegistry", (m) => {
  const governor = m.getAccount(0);
  const governorTransferDelay = m.getParameter<number>("governorTransferDelay", TWO_DAYS);
  const registry = m.contract("AllianceRegistry", [governor, governorTransferDelay]);
  return { registry };
});
