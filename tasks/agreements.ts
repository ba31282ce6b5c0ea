/** agreements tasks. */
export {};
