/**
 * `npm run deploy:local` (a `hardhat node` or Anvil at LOCALHOST_RPC_URL) and `npm run deploy:alliance` (the
 * consortium's network from .env): deploys the MedAlliance system module through Ignition with the network's
 * parameter file, ignition/parameters/<network>.json, then performs the governance steps. Running it again resumes
 * and only does what is missing. MEDALLIANCE_PARAMETERS names another parameter file.
 */
import path from "node:path";
import hre from "hardhat";
import { ethers } from "ethers";
import { deploySystem } from "./lib/ignition";

async function main(): Promise<void> {
  const network = hre.network.name;
  if (network === "alliance") {
    const missing = ["ALLIANCE_RPC_URL", "ALLIANCE_CHAIN_ID", "ALLIANCE_DEPLOYER_KEY"].filter(
      (key) => !process.env[key],
    );
    if (missing.length > 0) throw new Error(`set ${missing.join(", ")} in .env to deploy to the alliance network`);
  }
  // The embedded network has the same accounts as a local node, so it uses the local parameters.
  const parametersFile =
    process.env.MEDALLIANCE_PARAMETERS ||
    path.join(__dirname, "..", "ignition", "parameters", `${network === "hardhat" ? "localhost" : network}.json`);

  const report = await deploySystem(hre, {
    parametersFile,
    displayUi: process.stdout.isTTY,
    log: (line) => console.log(line),
  });

  console.log(`\nMedAlliance on "${report.network}" (chain ${report.chainId})`);
  if (report.deploymentDir) console.log(`Ignition deployment: ${path.relative(process.cwd(), report.deploymentDir)}`);
  console.table(
    report.contracts.map((c) => ({
      contract: c.contractName,
      address: c.address,
      "deployment gas": c.gasUsed === undefined ? "—" : Number(c.gasUsed).toLocaleString("en-GB"),
      directory: report.directory.some((d) => d.address === c.address) ? `"${c.contractName}"` : "(the registry)",
    })),
  );
  if (report.applied.length === 0 && report.pending.length === 0) console.log("Governance: every step already done.");
  if (report.applied.length > 0) console.log(`Governance: ${report.applied.length} steps done.`);
  if (report.pending.length > 0) {
    console.log(`Governance: the governor ${report.governor} must make these calls (the deployer no longer governs):`);
    for (const step of report.pending) console.log(`  ${step.description}\n    to ${step.to}\n    data ${step.data}`);
  }
  console.log(`Governor: ${report.governor}`);
  if (report.incomingGovernor) {
    const from = new Date(Number(report.incomingGovernor.acceptFrom) * 1000).toISOString();
    console.log(
      `Hand-over pending: ${report.incomingGovernor.account} may call acceptDefaultAdminTransfer() from ${from}`,
    );
  }
  if (report.governor !== ethers.ZeroAddress && report.governor === report.deployer && !report.incomingGovernor) {
    console.log("The deploying account remains the governor (the parameters name it).");
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
