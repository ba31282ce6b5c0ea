/** catalog tasks. */
export {};
