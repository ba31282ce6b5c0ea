/**
 * The README's walkthrough, run line by line as written: what a newcomer types on a local node (admission, product,
 * batch, release, custody, a donated need paid on receipt, an agreement delivered late) must work exactly as shown.
 * The embedded network stands in for the local node; `npm run deploy:local` is the same Ignition deployment.
 */
import { expect } from "chai";
import fs from "node:fs";
import path from "node:path";
import hre from "hardhat";
import { REGISTRY_FUTURE_ID } from "../../scripts/lib/deployment";
import { deploySystem } from "../../scripts/lib/ignition";
import { runCommandLine } from "../helpers/commandLine";
import { withDeployments } from "../helpers/deployments";

const README = path.join(__dirname, "..", "..", "README.md");
const PARAMETERS = path.join(__dirname, "..", "..", "ignition", "parameters", "localhost.json");

/** The shell lines between the walkthrough's markers, without comments and blank lines. */
function walkthroughLines(): string[] {
  const text = fs.readFileSync(README, "utf8");
  const start = text.indexOf("<!-- walkthrough:start -->");
  const end = text.indexOf("<!-- walkthrough:end -->");
  if (start < 0 || end < start) throw new Error("README.md has no walkthrough markers");
  return text
    .slice(start, end)
    .split("\n")
    .filter((line) => !line.startsWith("```") && !line.startsWith("<!--"))
    .map((line) => line.replace(/\s+#.*$/, "").trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
}

/** Runs one walkthrough line; `VAR=$(npx hardhat … --json | json key)` keeps the key's value for later `$VAR`s. */
async function runLine(line: string, vars: Map<string, string>, outputs: string[]): Promise<void> {
  const expanded = line.replace(/\$([A-Z_]+)/g, (_, name: string) => {
    const value = vars.get(name);
    if (value === undefined) throw new Error(`$${name} is used before it is set: ${line}`);
    return value;
  });
  if (/^json\(\) \{/.test(line)) return; // the shell helper that picks a key from --json output
  if (expanded === "npm run node") return; // the embedded network stands in for the node
  if (expanded === "npm run deploy:local") {
    const report = await deploySystem(hre, { parametersFile: PARAMETERS });
    const folder = path.join(process.env.MEDALLIANCE_DEPLOYMENTS_DIR!, "chain-31337");
    fs.mkdirSync(folder, { recursive: true });
    fs.writeFileSync(
      path.join(folder, "deployed_addresses.json"),
      JSON.stringify({ [REGISTRY_FUTURE_ID]: report.registry }),
    );
    return;
  }
  const capture = /^([A-Z_]+)=\$\((.*) \| json ([A-Za-z0-9_.]+)\)$/.exec(expanded);
  if (capture) {
    const document = JSON.parse(await runCommandLine(capture[2])) as Record<string, unknown>;
    const value = capture[3].split(".").reduce<unknown>((v, key) => (v as Record<string, unknown>)?.[key], document);
    if (value === undefined) throw new Error(`the output of "${capture[2]}" has no ${capture[3]}`);
    vars.set(capture[1], String(value));
    return;
  }
  outputs.push(await runCommandLine(expanded));
}

describe("README walkthrough: an emergency from the command line", () => {
  it("runs every line as written: the gift paid on receipt, the late penalty, the batch's history proven", async function () {
    this.timeout(180_000);
    const vars = new Map<string, string>();
    const outputs: string[] = [];
    const lines = walkthroughLines();
    expect(lines.length).to.be.greaterThan(30);
    // A deployments folder of its own: the walkthrough's deployment must not replace the CLI suites' one.
    await withDeployments(undefined, async () => {
      for (const line of lines) {
        try {
          await runLine(line, vars, outputs);
        } catch (error) {
          throw new Error(`walkthrough line failed: ${line}\n${(error as Error).message}`);
        }
      }
    });
    const all = outputs.join("\n");
    // The donors' money reached the maker only for what the hospital received, and the first donor's share shows.
    expect(all).to.include("Released 0.54 ETH to Northwind Masks for 1,200 units received by City General Hospital");
    expect(all).to.match(/0\.3375 ETH of 0\.54 ETH paid to Northwind Masks \(offer 1\) for 1,200 units/);
    // Handed over two days after the deadline: three started days at 1% of the 0.5 ETH value.
    expect(all).to.include("Northwind Masks handed over late: 0.015 ETH");
    expect(all).to.match(/City General Hospital +buyer +0\.015 ETH/);
    expect(all).to.include("Withdrew 0.635 ETH from the supply agreements");
    // The batch's journey: 14 records, proven against the ledger's head, 3,200 masks at the hospital.
    expect(all).to.match(/PROVEN: the 14 records rebuild the ledger's head 0x[0-9a-f]{64}/);
    expect(all).to.match(/City General Hospital +3,200/);
  });
});
