/** serials tasks. */
export {};
