import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import AllianceRegistryModule from "./AllianceRegistry";
import BatchLedgerModule from "./BatchLedger";

const DAY = 24 * 60 * 60;

/**
 * The donation escrow, wired to the registry and the batch ledger through its constructor (held immutable). It only
 * reads shipments, so it needs no ledger-module registration. The governor approves payment tokens afterwards
 * (`setAssetApproved`); ETH is always accepted.
 *
 * Parameters (DonationEscrow): verificationWindow — seconds a regulator has after a need is posted to verify it
 * (default 3 days, at most 90); past it an unverified need lapses: it takes no money and its poster may cancel it.
 */
export default buildModule("DonationEscrow", (m) => {
  const { registry } = m.useModule(AllianceRegistryModule);
  const { ledger } = m.useModule(BatchLedgerModule);
  const verificationWindow = m.getParameter<number>("verificationWindow", 3 * DAY);
  const escrow = m.contract("DonationEscrow", [registry, ledger, verificationWindow]);
  return { escrow };
});
