/** adverse tasks. */
export {};
