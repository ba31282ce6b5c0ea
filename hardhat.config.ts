import "dotenv/config";
import path from "node:path";
import { subtask } from "hardhat/config";
import { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD } from "hardhat/builtin-tasks/task-names";
import type { HardhatUserConfig } from "hardhat/config";
import "@nomicfoundation/hardhat-toolbox";
import "./tasks/adverse";
import "./tasks/agreements";
import "./tasks/alliance";
import "./tasks/catalog";
import "./tasks/donations";
import "./tasks/epcis";
import "./tasks/ledger";
import "./tasks/network";
import "./tasks/orders";
import "./tasks/qr";
import "./tasks/readings";
import "./tasks/report";
import "./tasks/serials";
import "./tasks/watch";

/** The one compiler version every deployable contract pins; the `solc` npm package ships exactly it. */
export const SOLC_VERSION = "0.8.28";
const SOLC_LONG_VERSION = "0.8.28+commit.7893614a";

// Compile offline: serve the compiler from the `solc` npm package instead of downloading a build.
subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD, async (args: { solcVersion: string }, _hre, runSuper) => {
  if (args.solcVersion !== SOLC_VERSION) return runSuper(args);
  return {
    compilerPath: path.join(__dirname, "node_modules", "solc", "soljson.js"),
    isSolcJs: true,
    version: SOLC_VERSION,
    longVersion: SOLC_LONG_VERSION,
  };
});

const HARDFORK = "cancun";

/** Every compiler setting, explicit; contracts differ only in optimizer runs and pipeline. */
function compilerSettings(runs: number, viaIR = false) {
  return {
    optimizer: { enabled: true, runs },
    evmVersion: HARDFORK,
    viaIR,
    metadata: { bytecodeHash: "ipfs" },
    outputSelection: {
      "*": {
        "*": ["abi", "evm.bytecode", "evm.deployedBytecode", "evm.methodIdentifiers", "metadata", "storageLayout"],
      },
    },
  };
}

/** The alliance network's signing keys: the deployer's, then members' (comma-separated ALLIANCE_MEMBER_KEYS). */
const allianceAccounts = [
  process.env.ALLIANCE_DEPLOYER_KEY ?? "",
  ...(process.env.ALLIANCE_MEMBER_KEYS ?? "").split(","),
]
  .map((key) => key.trim())
  .filter((key) => key !== "");

const config: HardhatUserConfig = {
  solidity: {
    compilers: [{ version: SOLC_VERSION, settings: compilerSettings(200) }],
    overrides: {
      // The ledger runs on every custody and quality event: the IR pipeline keeps its records within the gas budgets
      // (bench/budgets.json); 2,000 runs keep it under the 24,576-byte limit (10,000 would save ~130 gas a record).
      "contracts/trace/BatchLedger.sol": { version: SOLC_VERSION, settings: compilerSettings(2_000, true) },
      // The registry carries the whole membership model: fewer optimizer runs keep it under the 24,576-byte limit.
      "contracts/alliance/AllianceRegistry.sol": { version: SOLC_VERSION, settings: compilerSettings(50) },
    },
  },
  networks: {
    // Thirty funded accounts: the demo's cast is larger than Hardhat's default twenty.
    hardhat: { hardfork: HARDFORK, accounts: { count: 30 } },
    localhost: { url: process.env.LOCALHOST_RPC_URL ?? "http://127.0.0.1:8545" },
    alliance: {
      url: process.env.ALLIANCE_RPC_URL ?? "http://127.0.0.1:8545",
      chainId: process.env.ALLIANCE_CHAIN_ID ? Number(process.env.ALLIANCE_CHAIN_ID) : undefined,
      accounts: allianceAccounts,
    },
  },
  paths: { sources: "./contracts", tests: "./test", cache: "./cache", artifacts: "./artifacts" },
  typechain: { outDir: "typechain-types", target: "ethers-v6" },
  gasReporter: {
    enabled: process.env.REPORT_GAS === "true",
    currency: "USD",
    offline: true,
    outputFile: process.env.GAS_REPORT_FILE,
    noColors: process.env.GAS_REPORT_FILE !== undefined,
  },
  mocha: { timeout: 120_000 },
  // QBFT (the alliance network) finalises each block, so Ignition need not wait for more confirmations.
  ignition: { requiredConfirmations: 1 },
};

export default config;
