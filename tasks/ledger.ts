/** ledger tasks. */
export {};
