import { expect } from "chai";
import { printed } from "../helpers/tasks";
import hre from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { withDeployments } from "../helpers/deployments";
import { allianceFixture } from "../helpers/fixtures";

describe("task alliance:members", () => {
  it("lists every organisation with its standing and roles as JSON", async () => {
    const f = await loadFixture(allianceFixture);
    const rows = JSON.parse(
      await printed("alliance:members", { registry: await f.registry.getAddress(), json: true }),
    ) as { id: number; name: string; status: string; roles: string }[];
    expect(rows.map((row) => [row.id, row.name, row.status, row.roles])).to.deep.equal([
      [1, "Northwind Masks", "Active", "Manufacturer"],
      [2, "Swift Cold Chain", "Active", "Logistics"],
      [3, "City General Hospital", "Active", "Hospital"],
      [4, "Fresh Pharma", "Registered", "—"],
    ]);
  });

  it("refuses an address with no contract, with a clear message", async () => {
    const f = await loadFixture(allianceFixture);
    await expect(hre.run("alliance:members", { registry: f.governor.address, json: true })).to.be.rejectedWith(
      /no contract at/,
    );
  });

  it("finds the registry in the network's Ignition deployment folder when --registry is omitted", async () => {
    const f = await loadFixture(allianceFixture);
    const rows = await withDeployments(
      { "AllianceRegistry#AllianceRegistry": await f.registry.getAddress() },
      async () => JSON.parse(await printed("alliance:members", { json: true })),
    );
    expect(rows).to.have.length(4);
  });

  it("explains how to deploy when the network has no deployment, and spots a stale deployment folder", async () => {
    const f = await loadFixture(allianceFixture);
    await withDeployments(undefined, async () => {
      await expect(hre.run("alliance:members", { json: true })).to.be.rejectedWith(
        /no MedAlliance deployment for chain 31337 \(network "hardhat"\) in .*chain-31337: deploy it first/,
      );
    });
    await withDeployments({ "AllianceRegistry#AllianceRegistry": f.governor.address }, async () => {
      await expect(hre.run("alliance:members", { json: true })).to.be.rejectedWith(/chain-31337 is stale/);
    });
  });

  it("refuses a --registry that is not an address", async () => {
    await expect(hre.run("alliance:members", { registry: "0x1234", json: true })).to.be.rejectedWith(
      /--registry is not an address: 0x1234/,
    );
  });
});
