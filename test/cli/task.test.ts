import { expect } from "chai";
import { spawnSync } from "node:child_process";
import path from "node:path";
import hre, { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { HardhatPluginError } from "hardhat/plugins";
import { ClientError } from "../../scripts/client/client";
import { InputError } from "../../scripts/client/codes";
import { action, readClient, sendClient } from "../../scripts/client/task";
import { MEMBERS, cliFixture, useCliDeployments } from "../helpers/cliFixture";

const ROOT = path.join(__dirname, "..", "..");

describe("CLI tasks: accounts, failures and exit codes", () => {
  useCliDeployments();

  it("signs as --from given by index, address or organisation, and reads without a signer", async () => {
    const f = await loadFixture(cliFixture);
    const reader = await readClient(hre, { json: false });
    expect(reader.signer).to.equal(undefined);
    expect(() => reader.sender).to.throw(InputError, /pick an account with --from/);
    expect(await (await sendClient(hre, { json: false })).sender.getAddress()).to.equal(f.signers[0].address);
    expect(await (await sendClient(hre, { json: false, from: "7" })).sender.getAddress()).to.equal(
      f.signers[7].address,
    );
    const byAddress = await sendClient(hre, { json: false, from: f.signers[12].address.toLowerCase() });
    expect(await byAddress.sender.getAddress()).to.equal(f.signers[12].address);
    const byName = await sendClient(hre, { json: false, from: "corner pharmacy" });
    expect(await byName.sender.getAddress()).to.equal(f.account("pharmacy").address);
    expect((await byName.senderOrg()).id).to.equal(f.orgIds.pharmacy);
    const byId = await sendClient(hre, { json: false, from: `org:${f.orgIds.hospital}` });
    expect(await byId.sender.getAddress()).to.equal(f.account("hospital").address);
  });

  it("refuses an --from it cannot sign as, and an account that belongs to no organisation", async () => {
    const f = await loadFixture(cliFixture);
    await expect(
      sendClient(hre, { json: false, from: "0x000000000000000000000000000000000000dEaD" }),
    ).to.be.rejectedWith(
      InputError,
      /--from 0x000000000000000000000000000000000000dEaD is not one of the 30 accounts network "hardhat" signs with/,
    );
    await expect(sendClient(hre, { json: false, from: "Nobody Ltd" })).to.be.rejectedWith(
      InputError,
      /--from "Nobody Ltd": no organisation of the alliance has that name or id/,
    );
    const donor = await sendClient(hre, { json: false, from: f.donors[0].address });
    await expect(donor.senderOrg()).to.be.rejectedWith(InputError, /belongs to no organisation of the alliance/);
  });

  it("names the candidates when a name could mean several organisations", async () => {
    await loadFixture(cliFixture);
    const client = await readClient(hre, { json: false });
    await expect(client.resolveOrg("h")).to.be.rejectedWith(
      InputError,
      /organisation "h" could be \d+ \(Harbour Distribution\), \d+ \(Hillside Rural Clinic\): give the id/,
    );
    await expect(client.resolveOrg("99")).to.be.rejectedWith(InputError, /the alliance has no organisation 99/);
    expect((await client.resolveOrg(MEMBERS.carrier.name.toUpperCase())).name).to.equal(MEMBERS.carrier.name);
  });

  it("sends, and explains a refusal in words with organisation names", async () => {
    const f = await loadFixture(cliFixture);
    const hospital = await sendClient(hre, { json: false, from: "City General Hospital" });
    const receipt = await hospital.send("register a ward", () =>
      hospital.registry.registerSite(9520000000066n, "Ward 4"),
    );
    expect(receipt.status).to.equal(1);
    const maker = await sendClient(hre, { json: false, from: "Northwind Masks" });
    await expect(
      maker.send("ship 20,000 masks", () =>
        maker.ledger.ship(
          f.maskBatch,
          f.orgIds.hospital,
          20_000n,
          f.orgIds.carrier,
          ethers.ZeroHash,
          ethers.ZeroHash,
          0n,
          0n,
        ),
      ),
    ).to.be.rejectedWith(
      ClientError,
      new RegExp(
        `^Could not ship 20,000 masks: Batch ${f.maskBatch.slice(0, 6)}…${f.maskBatch.slice(-4)} holds 10,000 units ` +
          `at organisation ${f.orgIds.maker} \\(Northwind Masks\\); 20,000 requested\\.$`,
      ),
    );
    await expect(
      maker.read("read a batch", () => maker.ledger.holdingOf.staticCall(f.maskBatch, 1n, { value: 1n })),
    ).to.be.rejectedWith(ClientError, /^Could not read a batch: /);
  });

  it("turns bad input and refusals into one-line plugin errors, and lets other failures through", async () => {
    const failWith = (error: Error) => action(async () => Promise.reject(error));
    await expect(failWith(new InputError("bad GTIN"))({}, hre)).to.be.rejectedWith(HardhatPluginError, /^bad GTIN$/);
    await expect(failWith(new ClientError("refused"))({}, hre)).to.be.rejectedWith(HardhatPluginError, /^refused$/);
    await expect(failWith(new RangeError("bug"))({}, hre)).to.be.rejectedWith(RangeError, /^bug$/);
  });

  it("exits with code 1 and one clear line when a task is refused, and 0 when it succeeds", function () {
    this.timeout(120_000);
    const run = (...args: string[]) =>
      spawnSync("npx", ["hardhat", ...args], {
        cwd: ROOT,
        encoding: "utf8",
        env: { ...process.env, MEDALLIANCE_DEPLOYMENTS_DIR: path.join(ROOT, "test", "cli", "no-deployments") },
      });
    const refused = run("alliance:members", "--registry", "0x1234");
    expect(refused.status).to.equal(1);
    // Colours (and, on CI machines, Hardhat's stack trace) aside, the message is one plain line.
    const stderr = refused.stderr.replace(/\x1b\[[0-9;]*m/g, "");
    expect(stderr).to.match(/^Error in plugin medalliance: --registry is not an address: 0x1234$/m);
    const help = run("help", "alliance:members");
    expect(help.status).to.equal(0);
    expect(help.stdout).to.include("--registry");
  });
});
