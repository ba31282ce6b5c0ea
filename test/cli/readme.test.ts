import { expect } from "chai";
import fs from "node:fs";
import path from "node:path";
import hre from "hardhat";
import { taskArguments, words } from "../helpers/commandLine";

const README = fs.readFileSync(path.join(__dirname, "..", "..", "README.md"), "utf8");

/** The project's own tasks: the domain-prefixed ones and the read-only views. */
const OWN =
  /^(alliance|catalog|ledger|serials|readings|adverse|orders|donations|pool|agreements|network|epcis|qr)(:|$)/;
const VIEWS = ["org", "product", "trace", "unit", "need", "gift", "agreement", "balance", "order", "report", "watch"];

describe("README: the command line's task table", () => {
  const tasks = Object.keys(hre.tasks).filter((name) => OWN.test(name) || VIEWS.includes(name));

  it("lists every task with one example", () => {
    expect(tasks.length).to.be.greaterThan(100);
    const missing = tasks.filter((name) => !README.includes(`| \`${name}\` |`));
    expect(missing, "tasks without a README row").to.deep.equal([]);
  });

  it("gives examples whose parameters each task really takes", () => {
    const rows = README.split("\n").filter((line) => /^\| `[a-z:-]+` \|/.test(line));
    let checked = 0;
    for (const row of rows) {
      const name = /^\| `([a-z:-]+)`/.exec(row)![1];
      if (!tasks.includes(name)) continue;
      const example = /`(npx hardhat [^`]+)`\s*\|?\s*$/.exec(row)?.[1];
      expect(example, `${name}: its row has an example command`).to.not.equal(undefined);
      const argv = words(example!.replace(/0x…|0x<[^>]+>/g, "0x" + "11".repeat(32))).slice(2);
      const network = argv.indexOf("--network");
      if (network >= 0) argv.splice(network, 2);
      expect(argv[0], row).to.equal(name);
      expect(() => taskArguments(name, argv.slice(1)), example).to.not.throw();
      checked++;
    }
    expect(checked).to.be.at.least(tasks.length);
  });
});
