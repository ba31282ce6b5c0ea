import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { allianceFixture } from "../helpers/fixtures";
import { BusinessRole } from "../../scripts/lib/alliance";

describe("smoke", () => {
  it("forms the alliance", async () => {
    const f = await loadFixture(allianceFixture);
    expect(await f.registry.isPermitted(f.maker.address, BusinessRole.Manufacturer)).to.equal(true);
    expect(await f.registry.isPermitted(f.applicant.address, BusinessRole.Supplier)).to.equal(false);
  });
});
