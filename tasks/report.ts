/** report tasks. */
export {};
