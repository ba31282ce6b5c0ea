import { expect } from "chai";
import hre from "hardhat";
import { ethers } from "ethers";
import { buildCatalogue } from "../../scripts/client/catalogue";
import { decodeRevertData, describeError, enumName, explain, revertDataOf } from "../../scripts/client/errors";
import catalogue from "../../scripts/client/error-catalogue.json";

const coder = ethers.AbiCoder.defaultAbiCoder();

/** Revert data for an error of the catalogue with the given values. */
function revert(signature: string, values: unknown[]): string {
  const types = signature.slice(signature.indexOf("(") + 1, -1);
  const selector = ethers.id(signature).slice(0, 10);
  return types === "" ? selector : selector + coder.encode(types.split(","), values).slice(2);
}

/** A value of each ABI type, for rendering every error. */
function sample(type: string): unknown {
  if (type === "address") return "0x00000000000000000000000000000000000000aa";
  if (type === "bool") return true;
  if (type === "string") return "text";
  if (type.startsWith("bytes")) return ethers.zeroPadValue("0x01", Number(type.slice(5)) || 32);
  if (type.endsWith("[]")) return [];
  return 1n;
}

describe("CLI errors: every custom error as a sentence", () => {
  it("keeps the catalogue equal to what the compiler says (run scripts/write-error-catalogue.ts after a change)", async () => {
    expect(await buildCatalogue(hre)).to.deep.equal(catalogue);
  });

  it("tells every error of the catalogue as a sentence with its values, never as a selector", () => {
    const errors = Object.entries(catalogue.errors);
    expect(errors.length).to.be.greaterThan(150);
    for (const [signature, entry] of errors) {
      const data = revert(
        signature,
        entry.params.map((p) => sample(p.type)),
      );
      const decoded = decodeRevertData(data);
      expect(decoded?.name, signature).to.equal(entry.name);
      const sentence = describeError(decoded!);
      expect(sentence, signature).to.match(/^[A-Z`].*\.$/s);
      expect(sentence, signature).not.to.include(data.slice(0, 10));
      expect(sentence, signature).not.to.include(entry.name);
    }
  });

  it("names organisations, statuses, holdings and roles in the errors members meet most", () => {
    const orgName = (id: bigint) => (id === 7n ? "City General Hospital" : undefined);
    const holding = revert("LedgerInsufficientHolding(bytes32,uint32,uint256,uint256)", [
      ethers.id("batch"),
      7,
      40,
      50,
    ]);
    expect(explain({ data: holding }, { orgName })).to.equal(
      `Batch ${ethers.id("batch").slice(0, 6)}…${ethers.id("batch").slice(-4)} holds 40 units at organisation 7 ` +
        "(City General Hospital); 50 requested.",
    );
    const suspended = revert("AllianceUnexpectedOrganisationStatus(uint32,uint8)", [7, 4]);
    expect(explain({ error: { data: suspended } }, { orgName })).to.equal(
      `Organisation 7 (City General Hospital) is ${enumName("OrganisationStatus", 4).toLowerCase()}: ` +
        "its standing does not allow this.",
    );
    const unauthorized = revert("AllianceUnauthorized(address,uint16)", [ethers.ZeroAddress, (1 << 1) | (1 << 2)]);
    expect(explain({ info: { error: { data: unauthorized } } })).to.match(/admitted as Supplier or Manufacturer$|\.$/);
    const role = revert("AccessControlUnauthorizedAccount(address,bytes32)", [
      ethers.ZeroAddress,
      ethers.id("REGULATOR_ROLE"),
    ]);
    expect(explain({ data: role })).to.equal(`Account ${ethers.ZeroAddress} lacks the regulator role this needs.`);
  });

  it("falls back to the notice and the values in words, with times in UTC and GTINs in 14 digits", () => {
    const dates = revert("LedgerInvalidDates(uint40,uint40,uint256)", [1_800_000_000, 1_700_000_000, 1_790_000_000]);
    expect(explain({ data: dates })).to.equal(
      "Production in the future, expiry not after production, or expiry not in the future " +
        "(produced at 2027-01-15 08:00 UTC, expires at 2023-11-14 22:13 UTC, timestamp 2026-09-21 14:13 UTC).",
    );
    const gtin = revert("CatalogUnknownProduct(uint64)", [614141000029n]);
    expect(explain({ data: gtin })).to.equal("There is no product 00614141000029 in the catalog.");
  });

  it("tells plain reasons, panics, unknown errors and provider failures without noise", () => {
    const reason = "0x08c379a0" + coder.encode(["string"], ["not allowed"]).slice(2);
    expect(explain({ data: reason })).to.equal("Refused: not allowed.");
    const panic = "0x4e487b71" + coder.encode(["uint256"], [0x11]).slice(2);
    expect(explain({ data: panic })).to.equal("The contract stopped on a panic (code 17).");
    expect(explain({ data: "0xdeadbeef" })).to.equal(
      "The contract refused with an error this client does not know (data 0xdeadbeef).",
    );
    expect(explain({ code: "INSUFFICIENT_FUNDS" })).to.equal("The sending account has not enough ETH to pay for gas.");
    expect(explain(new Error("connect ECONNREFUSED 127.0.0.1:8545"))).to.match(/does not answer/);
    expect(explain({ shortMessage: "nonce too low", message: "long\ntext" })).to.equal("nonce too low");
    expect(revertDataOf({ cause: { data: "0x1234" } })).to.equal(undefined);
  });
});
