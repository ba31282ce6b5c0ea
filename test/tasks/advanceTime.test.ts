import { expect } from "chai";
import hre from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { printed } from "../helpers/tasks";

describe("task network:advance-time", () => {
  it("moves a local chain's clock forward and says to when", async () => {
    const before = await time.latest();
    const out = JSON.parse(await printed("network:advance-time", { by: "15d", json: true })) as { now: number };
    expect(out.now - before).to.be.within(15 * 86_400, 15 * 86_400 + 60); // plus the seconds the tests took
    expect(await time.latest()).to.equal(out.now);
    expect(await printed("network:advance-time", { by: "1h", json: false })).to.match(
      /^The chain's clock moved 1h forward: it is now \d{4}-\d\d-\d\d \d\d:\d\d UTC\.$/,
    );
  });

  it("refuses a span it cannot read, and zero", async () => {
    await expect(hre.run("network:advance-time", { by: "soon", json: false })).to.be.rejectedWith(
      /--by "soon" is not a duration/,
    );
    await expect(hre.run("network:advance-time", { by: "0", json: false })).to.be.rejectedWith(
      /--by must be more than zero/,
    );
  });
});
