/** watch tasks. */
export {};
