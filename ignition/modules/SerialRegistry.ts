import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import BatchLedgerModule from "./BatchLedger";

/**
 * The serial registry (unit serials: verification, one-time dispensing, clone reports), wired to the batch ledger
 * through its constructor (held immutable; the alliance registry is the ledger's own). It has no parameters.
 *
 * Committing serials, dispensing units and blocking on a clone report act through the ledger, so the governor must
 * register the registry as a ledger module (`BatchLedger.setModule(serials, true)`) — a governance step, like the
 * directory listing (scripts/lib/governance.ts registers the contracts it lists as ledger modules).
 */
export default buildModule("SerialRegistry", (m) => {
  const { ledger } = m.useModule(BatchLedgerModule);
  const serials = m.contract("SerialRegistry", [ledger]);
  return { serials };
});
