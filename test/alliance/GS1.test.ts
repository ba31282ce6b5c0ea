import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { checkDigit, companyPrefix, gln, gtin } from "../../scripts/lib/gs1";

async function gs1Fixture() {
  const harness = await (await ethers.getContractFactory("GS1Harness")).deploy();
  return { harness };
}

/** The same code with its check digit replaced by every wrong one. */
function withWrongCheckDigits(code: bigint): bigint[] {
  const body = code / 10n;
  const right = code % 10n;
  return Array.from({ length: 10 }, (_, d) => BigInt(d))
    .filter((d) => d !== right)
    .map((d) => body * 10n + d);
}

describe("GS1 library (through GS1Harness)", () => {
  describe("isValidGtin", () => {
    it("accepts published GTIN-13, GTIN-12 and GTIN-8 codes left-padded to 14 digits", async () => {
      const { harness } = await loadFixture(gs1Fixture);
      expect(await harness.isValidGtin(4006381333931n)).to.equal(true); // GTIN-13
      expect(await harness.isValidGtin(36000291452n)).to.equal(true); // GTIN-12 (UPC-A 036000291452)
      expect(await harness.isValidGtin(96385074n)).to.equal(true); // GTIN-8
    });

    it("accepts GTIN-14 codes at both ends of the range", async () => {
      const { harness } = await loadFixture(gs1Fixture);
      expect(await harness.isValidGtin(gtin("0000000000001"))).to.equal(true);
      expect(await harness.isValidGtin(gtin("9999999999999"))).to.equal(true);
      expect(gtin("9999999999999")).to.equal(99999999999997n);
      expect(await harness.isValidGtin(gtin("1061414100001"))).to.equal(true);
    });

    it("refuses every wrong check digit", async () => {
      const { harness } = await loadFixture(gs1Fixture);
      const code = gtin("0061414100001");
      expect(await harness.isValidGtin(code)).to.equal(true);
      for (const wrong of withWrongCheckDigits(code)) {
        expect(await harness.isValidGtin(wrong), wrong.toString()).to.equal(false);
      }
    });

    it("refuses zero and numbers of more than 14 digits even when their check digit fits", async () => {
      const { harness } = await loadFixture(gs1Fixture);
      expect(await harness.isValidGtin(0n)).to.equal(false);
      const fifteen = BigInt("10000000000000" + checkDigit("10000000000000"));
      expect(fifteen >= 10n ** 14n).to.equal(true);
      expect(await harness.isValidGtin(fifteen)).to.equal(false);
      expect(await harness.isValidGtin(10n ** 14n)).to.equal(false);
    });
  });

  describe("isValidGln", () => {
    it("accepts a 13-digit GLN with its check digit, leading zero included", async () => {
      const { harness } = await loadFixture(gs1Fixture);
      expect(await harness.isValidGln(gln("061414100001"))).to.equal(true);
      expect(await harness.isValidGln(gln("952000000001"))).to.equal(true);
      expect(await harness.isValidGln(gln("999999999999"))).to.equal(true);
    });

    it("refuses every wrong check digit", async () => {
      const { harness } = await loadFixture(gs1Fixture);
      for (const wrong of withWrongCheckDigits(gln("061414100001"))) {
        expect(await harness.isValidGln(wrong), wrong.toString()).to.equal(false);
      }
    });

    it("refuses zero and a 14-digit number, such as a GTIN-14", async () => {
      const { harness } = await loadFixture(gs1Fixture);
      expect(await harness.isValidGln(0n)).to.equal(false);
      const gtin14 = gtin("1061414100001");
      expect(await harness.isValidGtin(gtin14)).to.equal(true);
      expect(await harness.isValidGln(gtin14)).to.equal(false);
      expect(await harness.isValidGln(10n ** 13n)).to.equal(false);
    });
  });

  describe("companyPrefixDigits", () => {
    it("reads every length from 6 to 12 digits, at both ends of each length", async () => {
      const { harness } = await loadFixture(gs1Fixture);
      for (let digits = 6; digits <= 12; digits++) {
        expect(await harness.companyPrefixDigits(companyPrefix("0".repeat(digits)))).to.equal(digits);
        expect(await harness.companyPrefixDigits(companyPrefix("9".repeat(digits)))).to.equal(digits);
      }
    });

    it("keeps leading zeros: 0614141 has 7 digits, 614141 has 6", async () => {
      const { harness } = await loadFixture(gs1Fixture);
      expect(await harness.companyPrefixDigits(10614141n)).to.equal(7);
      expect(await harness.companyPrefixDigits(1614141n)).to.equal(6);
    });

    it("refuses 5 digits and 13 digits", async () => {
      const { harness } = await loadFixture(gs1Fixture);
      expect(await harness.companyPrefixDigits(100000n)).to.equal(0); // "1" + "00000"
      expect(await harness.companyPrefixDigits(199999n)).to.equal(0); // "1" + "99999"
      expect(await harness.companyPrefixDigits(10n ** 13n)).to.equal(0); // "1" + 13 zeros
      expect(await harness.companyPrefixDigits(2n * 10n ** 13n - 1n)).to.equal(0); // "1" + 13 nines
    });

    it("refuses numbers without the leading 1 of the encoding", async () => {
      const { harness } = await loadFixture(gs1Fixture);
      expect(await harness.companyPrefixDigits(0n)).to.equal(0);
      expect(await harness.companyPrefixDigits(2000000n)).to.equal(0); // 7 digits starting with 2
      expect(await harness.companyPrefixDigits(99999999n)).to.equal(0);
      expect(await harness.companyPrefixDigits(2n * 10n ** 12n)).to.equal(0); // just past 12 digits
      expect(await harness.companyPrefixDigits(2n ** 64n - 1n)).to.equal(0);
    });
  });

  describe("gtinHasPrefix", () => {
    const item = gtin("0061414100001"); // indicator 0, prefix 0614141, item reference 00001

    it("finds the company prefix after the indicator digit", async () => {
      const { harness } = await loadFixture(gs1Fixture);
      expect(await harness.gtinHasPrefix(item, companyPrefix("0614141"))).to.equal(true);
      expect(await harness.gtinHasPrefix(gtin("5061414100001"), companyPrefix("0614141"))).to.equal(true);
    });

    it("takes leading zeros into account", async () => {
      const { harness } = await loadFixture(gs1Fixture);
      expect(await harness.gtinHasPrefix(item, companyPrefix("061414"))).to.equal(true); // a shorter prefix of it
      expect(await harness.gtinHasPrefix(item, companyPrefix("614141"))).to.equal(false);
    });

    it("refuses another organisation's prefix", async () => {
      const { harness } = await loadFixture(gs1Fixture);
      expect(await harness.gtinHasPrefix(item, companyPrefix("9521234"))).to.equal(false);
      expect(await harness.gtinHasPrefix(item, companyPrefix("0614142"))).to.equal(false);
    });

    it("handles the shortest and the longest prefixes", async () => {
      const { harness } = await loadFixture(gs1Fixture);
      const longest = gtin("1123456789012"); // prefix of 12 digits: 123456789012
      expect(await harness.gtinHasPrefix(longest, companyPrefix("123456789012"))).to.equal(true);
      expect(await harness.gtinHasPrefix(longest, companyPrefix("123456789013"))).to.equal(false);
      expect(await harness.gtinHasPrefix(longest, companyPrefix("123456"))).to.equal(true);
      expect(await harness.gtinHasPrefix(longest, companyPrefix("234567"))).to.equal(false);
    });

    it("answers false for an invalid prefix encoding instead of reverting", async () => {
      const { harness } = await loadFixture(gs1Fixture);
      expect(await harness.gtinHasPrefix(item, 0n)).to.equal(false);
      expect(await harness.gtinHasPrefix(item, 161414n)).to.equal(false); // 5 digits
      expect(await harness.gtinHasPrefix(gtin("0000000000001"), 10n ** 13n)).to.equal(false); // 13 zeros
    });
  });
});
