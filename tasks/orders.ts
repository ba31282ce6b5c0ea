/** orders tasks. */
export {};
