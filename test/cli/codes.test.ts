import { expect } from "chai";
import { ethers } from "ethers";
import {
  InputError,
  digitalLink,
  formatAmount,
  formatTime,
  parseAmount,
  parseBytes32,
  parseDigitalLink,
  parseDuration,
  parseGln,
  parseGtin,
  parseLot,
  parseQuantity,
  parseSerial,
  parseTime,
  shortId,
} from "../../scripts/client/codes";
import { formatTable, toJson } from "../../scripts/client/output";

const NOW = Date.UTC(2026, 10, 22, 12, 0, 0) / 1000;

describe("CLI codes: what people type, as the contracts take it", () => {
  it("reads GTINs as printed, padding short ones, and refuses a wrong check digit with the right one", () => {
    expect(parseGtin("00614141000029")).to.equal(614141000029n);
    expect(parseGtin("0614141000029")).to.equal(614141000029n); // GTIN-13
    expect(parseGtin("0 0614141 00002 9")).to.equal(614141000029n);
    expect(() => parseGtin("00614141000028")).to.throw(InputError, /ends in 8, the check digit is 9/);
    expect(() => parseGtin("12345")).to.throw(InputError, /"12345" is not a GTIN: it has 8, 12, 13 or 14 digits/);
  });

  it("reads GLNs and refuses a wrong check digit or length", () => {
    expect(parseGln("9520000000011")).to.equal(9520000000011n);
    expect(() => parseGln("9520000000012")).to.throw(InputError, /ends in 2, the check digit is 1/);
    expect(() => parseGln("952")).to.throw(InputError, /is not a GLN: it has 13 digits/);
  });

  it("takes lots and serials in GS1's character set, 1 to 20 characters", () => {
    expect(parseLot("MK-2026-001")).to.equal(ethers.encodeBytes32String("MK-2026-001"));
    expect(parseSerial("SN/0001")).to.equal("SN/0001");
    expect(() => parseLot("has space")).to.throw(InputError, /lot "has space" must be 1 to 20 GS1 characters/);
    expect(() => parseSerial("x".repeat(21))).to.throw(InputError, /serial "x{21}" must be 1 to 20/);
  });

  it("reads GS1 Digital Link URIs on any host, with lot, serial and expiry", () => {
    const link = parseDigitalLink("https://verify.example.org/01/00614141000029/10/MK%2D1/21/SN1?17=270331");
    expect(link).to.deep.equal({
      gtin: 614141000029n,
      lot: "MK-1",
      serial: "SN1",
      expiry: Date.UTC(2027, 2, 31, 23, 59, 59) / 1000,
    });
    expect(parseDigitalLink("https://id.example/01/00614141000029?17=270300").expiry).to.equal(
      Date.UTC(2027, 2, 31, 23, 59, 59) / 1000,
    );
    expect(digitalLink("https://verify.example.org/", 614141000029n, "MK-1", "SN1")).to.equal(
      "https://verify.example.org/01/00614141000029/10/MK-1/21/SN1",
    );
    expect(() => parseDigitalLink("not a uri")).to.throw(InputError, /is not a GS1 Digital Link URI/);
    expect(() => parseDigitalLink("https://x.org/10/LOT")).to.throw(InputError, /names no GTIN/);
    expect(() => parseDigitalLink("https://x.org/01/00614141000029/22/V1")).to.throw(InputError, /\/22\/ is not a lot/);
    expect(() => parseDigitalLink("https://x.org/01/00614141000029/10")).to.throw(InputError, /\/10\/ has no value/);
    expect(() => parseDigitalLink("https://x.org/01/00614141000029?17=2703")).to.throw(InputError, /YYMMDD/);
  });

  it("reads dates as ISO dates, date-times or spans from now, and refuses the past when asked", () => {
    expect(parseTime("+14d", NOW)).to.equal(NOW + 14 * 86_400);
    expect(parseTime("+90m", NOW)).to.equal(NOW + 5_400);
    expect(parseTime("2027-03-31", NOW)).to.equal(Date.UTC(2027, 2, 31) / 1000);
    expect(parseTime("2027-03-31T14:00Z", NOW)).to.equal(Date.UTC(2027, 2, 31, 14) / 1000);
    expect(parseTime("2027-03-31T14:00+02:00", NOW)).to.equal(Date.UTC(2027, 2, 31, 12) / 1000);
    expect(() => parseTime("2026-01-01", NOW, { label: "deadline", future: true })).to.throw(
      InputError,
      /deadline 2026-01-01 00:00 UTC is in the past \(now is 2026-11-22 12:00 UTC\)/,
    );
    expect(() => parseTime("tomorrow", NOW)).to.throw(InputError, /is not a date: write 2027-03-31/);
    expect(parseDuration("14d")).to.equal(14 * 86_400);
    expect(parseDuration("3600")).to.equal(3600);
    expect(() => parseDuration("2 weeks")).to.throw(InputError, /is not a duration/);
    expect(formatTime(0)).to.equal("—");
  });

  it("reads amounts in whole units of the asset and prints them back", () => {
    expect(parseAmount("1.5", 18)).to.equal(1_500_000_000_000_000_000n);
    expect(parseAmount("12", 6)).to.equal(12_000_000n);
    expect(() => parseAmount("0.0000001", 6)).to.throw(InputError, /more than 6 decimal places/);
    expect(() => parseAmount("0", 18)).to.throw(InputError, /must be more than zero/);
    expect(() => parseAmount("1e18", 18)).to.throw(InputError, /is not a number like 12 or 0.5/);
    expect(formatAmount(1_234_500_000n, 6)).to.equal("1,234.5");
    expect(formatAmount(0n, 18)).to.equal("0");
  });

  it("reads quantities and ids, and shortens ids for sentences", () => {
    expect(parseQuantity("1,000")).to.equal(1000);
    expect(() => parseQuantity("0")).to.throw(InputError, /must be a whole number above zero/);
    expect(() => parseQuantity(150, "readings", 100)).to.throw(InputError, /readings 150 is above the maximum of 100/);
    expect(() => parseBytes32("0x12", "shipment")).to.throw(InputError, /shipment "0x12" is not a 32-byte id/);
    expect(shortId(ethers.ZeroHash)).to.equal("0x0000…0000");
  });

  it("prints aligned tables (numbers to the right) and JSON with big numbers as strings", () => {
    expect(
      formatTable([
        { name: "Northwind", held: 10_000n },
        { name: "City General Hospital", held: 5 },
      ]),
    ).to.equal(
      [
        "name                     held",
        "---------------------  ------",
        "Northwind              10,000",
        "City General Hospital       5",
      ].join("\n"),
    );
    expect(formatTable([])).to.equal("");
    expect(JSON.parse(toJson({ amount: 10n ** 30n }))).to.deep.equal({ amount: "1000000000000000000000000000000" });
  });
});
