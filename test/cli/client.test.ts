import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import hre from "hardhat";
import { MedAllianceClient } from "../../scripts/client/client";
import { cliFixture, useCliDeployments, MEMBERS } from "../helpers/cliFixture";

describe("CLI client: connecting and naming organisations", () => {
  useCliDeployments();

  it("finds every contract through the directory and every organisation by id or name", async () => {
    const f = await loadFixture(cliFixture);
    const client = await MedAllianceClient.connect({ provider: hre.ethers.provider, networkName: "hardhat" });
    expect(await client.ledger.getAddress()).to.equal(f.address("BatchLedger"));
    expect(await client.escrow.getAddress()).to.equal(f.address("DonationEscrow"));
    expect((await client.resolveOrg("city general")).id).to.equal(f.orgIds.hospital);
    expect((await client.resolveOrg(String(f.orgIds.maker))).name).to.equal(MEMBERS.maker.name);
  });
});
