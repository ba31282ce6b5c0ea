import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import hre from "hardhat";
import jsQR from "jsqr";
import { PNG } from "pngjs";
import {
  DEFAULT_VERIFY_URL,
  VERIFY_URL_ENV,
  codeUri,
  humanReadable,
  qrPath,
  qrPng,
  qrSvg,
  sheetCodes,
  sheetHtml,
  sheetSvg,
  verifyBase,
} from "../../scripts/lib/qr";
import { MASK_GTIN, MASK_LOT, MASK_TEXT, cliFixture, json, useCliDeployments } from "../helpers/cliFixture";
import { printed } from "../helpers/tasks";

/** The text a PNG QR code carries. */
function decodePng(bytes: Buffer): string | undefined {
  const png = PNG.sync.read(bytes);
  return jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data;
}

/** Rasterises an SVG path of 1×1 module squares ("M<x> <y>h1v1h-1z…") over a `side`-module square and decodes it. */
function decodePath(d: string, side: number, scale = 4): string | undefined {
  const width = side * scale;
  const data = new Uint8ClampedArray(width * width * 4).fill(255);
  const squares = [...d.matchAll(/M(\d+) (\d+)h1v1h-1z/g)];
  expect(squares.length, "modules drawn").to.be.greaterThan(0);
  expect(squares.map((m) => m[0]).join(""), "the path is only module squares").to.equal(d);
  for (const [, x, y] of squares) {
    for (let dy = 0; dy < scale; dy++) {
      for (let dx = 0; dx < scale; dx++) {
        const at = ((Number(y) * scale + dy) * width + Number(x) * scale + dx) * 4;
        data[at] = data[at + 1] = data[at + 2] = 0;
      }
    }
  }
  return jsQR(data, width, width)?.data;
}

/** Every code of an SVG or HTML document: the URI in its <title>, the text it decodes to, and its label. */
function codesIn(markup: string): { title: string; decoded?: string; label?: string }[] {
  const found = [];
  const pattern =
    /<svg[^>]*viewBox="0 0 (\d+) \1"[^>]*>\s*(?:<title>([^<]*)<\/title>)?\s*(?:<rect[^>]*\/>\s*)?<path fill="#000" d="([^"]+)"\/>\s*<\/svg>(?:\s*<text[^>]*>([^<]*)<\/text>|<figcaption>([^<]*)<\/figcaption>)?/g;
  for (const m of markup.matchAll(pattern)) {
    found.push({ title: m[2], decoded: decodePath(m[3], Number(m[1])), label: m[4] ?? m[5] });
  }
  return found;
}

const folders: string[] = [];
const tmp = () => {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), "medalliance-qr-"));
  folders.push(folder);
  return folder;
};
const BATCH = `${MASK_TEXT}/${MASK_LOT}`;
const MASK_URI = `${DEFAULT_VERIFY_URL}/01/${MASK_TEXT}/10/${MASK_LOT}`;

describe("QR codes of Digital Link URIs", () => {
  useCliDeployments();
  after(() => folders.splice(0).forEach((folder) => fs.rmSync(folder, { recursive: true, force: true })));
  let saved: string | undefined;
  beforeEach(() => {
    saved = process.env[VERIFY_URL_ENV];
    delete process.env[VERIFY_URL_ENV];
  });
  afterEach(() => {
    if (saved === undefined) delete process.env[VERIFY_URL_ENV];
    else process.env[VERIFY_URL_ENV] = saved;
  });

  describe("library", () => {
    it("takes the base URL from the option, else the environment, else the default, and refuses what is not one", () => {
      expect(verifyBase()).to.equal(DEFAULT_VERIFY_URL);
      expect(verifyBase(undefined, { [VERIFY_URL_ENV]: "https://scan.example.org/" })).to.equal(
        "https://scan.example.org",
      );
      expect(verifyBase("http://localhost:5173/v//", { [VERIFY_URL_ENV]: "https://x.example" })).to.equal(
        "http://localhost:5173/v",
      );
      expect(() => verifyBase("verify.example")).to.throw(/base URL "verify.example" is not a URL/);
      expect(() => verifyBase("ftp://verify.example")).to.throw(/must start with https:\/\//);
      expect(() => verifyBase("https://verify.example/?a=1")).to.throw(/must have no \?query or #fragment/);
    });

    it("encodes a batch's and a unit's Digital Link in a PNG that decodes back to the same URI", async () => {
      const unit = { gtin: MASK_GTIN, lot: MASK_LOT, serial: "SN/0001" };
      const uri = codeUri(DEFAULT_VERIFY_URL, unit);
      expect(uri).to.equal(`${MASK_URI}/21/SN%2F0001`);
      expect(humanReadable(unit)).to.equal(`(01) ${MASK_TEXT} (10) ${MASK_LOT} (21) SN/0001`);
      const png = await qrPng(uri);
      expect(png.subarray(0, 8).toString("hex")).to.equal("89504e470d0a1a0a");
      expect(decodePng(png)).to.equal(uri);
      expect(decodePng(await qrPng(MASK_URI, { scale: 3, errorCorrection: "H" }))).to.equal(MASK_URI);
    });

    it("draws an SVG whose modules decode back to the URI, with the URI as its title", () => {
      const svg = qrSvg(MASK_URI, { size: 300 });
      expect(svg).to.match(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
      expect(svg).to.include('width="300" height="300"');
      const [code] = codesIn(svg);
      expect(code).to.include({ title: MASK_URI, decoded: MASK_URI });
      const { side } = qrPath(MASK_URI);
      expect(svg).to.include(`viewBox="0 0 ${side} ${side}"`);
    });

    it("lays out a sheet (SVG or HTML) of codes with the GS1 human-readable line under each", () => {
      const units = ["A-1", "A-2", "A&3"].map((serial) => ({ gtin: MASK_GTIN, lot: MASK_LOT, serial }));
      const codes = sheetCodes(DEFAULT_VERIFY_URL, units);
      const svg = sheetSvg(codes, { columns: 2, title: "Masks <lot>" });
      expect(svg).to.include("Masks &lt;lot&gt;");
      const found = codesIn(svg);
      expect(found).to.have.length(3);
      found.forEach((code, i) => {
        expect(code.decoded).to.equal(codes[i].uri);
        expect(code.title).to.equal(codes[i].uri.replace("&", "&amp;"));
        expect(code.label).to.equal(humanReadable(units[i]).replace("&", "&amp;"));
      });
      // Two columns: the third code starts a second row.
      const positions = [...svg.matchAll(/<svg x="(\d+)" y="(\d+)"/g)].map((m) => [Number(m[1]), Number(m[2])]);
      expect(positions[0][1]).to.equal(positions[1][1]);
      expect(positions[2][0]).to.equal(positions[0][0]);
      expect(positions[2][1]).to.be.greaterThan(positions[0][1]);

      const html = sheetHtml(codes, { columns: 3 });
      expect(html).to.match(/^<!DOCTYPE html>/);
      expect(html).to.include("grid-template-columns:repeat(3,160px)");
      expect(codesIn(html).map((c) => c.decoded)).to.deep.equal(codes.map((c) => c.uri));
      expect(() => sheetCodes(DEFAULT_VERIFY_URL, [])).to.throw(/a sheet holds 1 to 1,000 codes, not 0/);
    });
  });

  describe("qr", () => {
    it("writes a batch's code as PNG (decoding to its Digital Link) and says where", async () => {
      await loadFixture(cliFixture);
      const out = path.join(tmp(), "batch.png");
      const text = await printed("qr", { batch: BATCH, out, size: 8 });
      expect(decodePng(fs.readFileSync(out))).to.equal(MASK_URI);
      expect(text).to.equal(
        [
          `Wrote the QR code of batch ${BATCH} to ${out} (PNG).`,
          `  ${MASK_URI}`,
          `  (01) ${MASK_TEXT} (10) ${MASK_LOT}`,
        ].join("\n"),
      );
    });

    it("names a unit with --serial, under --base or MEDALLIANCE_VERIFY_URL, and reports it as JSON", async () => {
      const f = await loadFixture(cliFixture);
      const out = path.join(tmp(), "unit.svg");
      const report = await json<Record<string, unknown>>("qr", {
        batch: f.maskBatch,
        serial: "U-0042",
        base: "https://scan.example.org/v/",
        out,
        size: 8,
      });
      const uri = `https://scan.example.org/v/01/${MASK_TEXT}/10/${MASK_LOT}/21/U-0042`;
      expect(report).to.deep.equal({
        batchId: f.maskBatch,
        gtin: MASK_TEXT,
        lot: MASK_LOT,
        serial: "U-0042",
        uri,
        format: "svg",
        out,
      });
      expect(codesIn(fs.readFileSync(out, "utf8"))[0]).to.include({ title: uri, decoded: uri });

      process.env[VERIFY_URL_ENV] = "https://verify.alliance.example";
      const png = path.join(tmp(), "unit.png");
      await printed("qr", { batch: `https://elsewhere.example/01/${MASK_TEXT}/10/${MASK_LOT}`, out: png, size: 4 });
      expect(decodePng(fs.readFileSync(png))).to.equal(
        `https://verify.alliance.example/01/${MASK_TEXT}/10/${MASK_LOT}`,
      );
    });

    it("prints an SVG when no --out is given", async () => {
      await loadFixture(cliFixture);
      const svg = await printed("qr", { batch: BATCH, size: 4 });
      expect(svg).to.include('width="128" height="128"');
      expect(codesIn(svg)[0]).to.include({ title: MASK_URI, decoded: MASK_URI });
    });

    it("refuses a bad base URL, format, size, serial, output path and an unknown batch", async () => {
      await loadFixture(cliFixture);
      const dir = tmp();
      const run = (args: Record<string, unknown>) => hre.run("qr", { batch: BATCH, size: 8, ...args });
      await expect(run({ base: "verify.example" })).to.be.rejectedWith(
        /--base: base URL "verify.example" is not a URL: write it like https:\/\/verify.medalliance.example/,
      );
      process.env[VERIFY_URL_ENV] = "ftp://verify.example";
      await expect(run({})).to.be.rejectedWith(/MEDALLIANCE_VERIFY_URL: base URL "ftp:\/\/verify.example" must start/);
      delete process.env[VERIFY_URL_ENV];
      await expect(run({ out: path.join(dir, "x.gif") })).to.be.rejectedWith(/format "gif" is not png or svg/);
      await expect(run({ out: path.join(dir, "x.svg"), format: "png" })).to.be.rejectedWith(/does not end in \.png/);
      await expect(run({ format: "png" })).to.be.rejectedWith("a PNG needs --out: the file to write");
      await expect(run({ size: 0 })).to.be.rejectedWith(
        /--size must be a whole number of pixels per module from 1 to 64, not 0/,
      );
      await expect(run({ serial: "has space" })).to.be.rejectedWith(
        /serial "has space" must be 1 to 20 GS1 characters/,
      );
      await expect(run({ out: path.join(dir, "missing", "x.png") })).to.be.rejectedWith(
        /the folder .*missing does not exist/,
      );
      await expect(run({ out: dir, format: "png" })).to.be.rejectedWith(/is a folder/);
      await expect(run({ batch: `${MASK_TEXT}/NOPE` })).to.be.rejectedWith(
        `batch ${MASK_TEXT}/NOPE: the ledger has no such batch`,
      );
      expect(fs.readdirSync(dir)).to.deep.equal([]);
    });
  });

  describe("qr:sheet", () => {
    it("writes an SVG sheet of the units listed, each code decoding to its unit's Digital Link", async () => {
      await loadFixture(cliFixture);
      const out = path.join(tmp(), "sheet.svg");
      const text = await printed("qr:sheet", { batch: BATCH, serials: "S1, S2,S3,S4,S5", out, columns: 4 });
      const found = codesIn(fs.readFileSync(out, "utf8"));
      expect(found.map((c) => c.decoded)).to.deep.equal(
        ["S1", "S2", "S3", "S4", "S5"].map((s) => `${MASK_URI}/21/${s}`),
      );
      expect(found[4].label).to.equal(`(01) ${MASK_TEXT} (10) ${MASK_LOT} (21) S5`);
      expect(fs.readFileSync(out, "utf8")).to.include(`Batch ${BATCH}`);
      expect(text).to.equal(
        `Wrote a sheet of 5 QR codes for batch ${BATCH} to ${out} (SVG, 4 a row).\n  first: ${MASK_URI}/21/S1`,
      );
    });

    it("reads serials from a file, writes HTML, and reports the codes as JSON", async () => {
      const f = await loadFixture(cliFixture);
      const dir = tmp();
      const list = path.join(dir, "serials.csv");
      fs.writeFileSync(list, "# serials\nA-1\nA-2,A-3\n\n");
      const out = path.join(dir, "sheet.html");
      const report = await json<Record<string, unknown>>("qr:sheet", {
        batch: BATCH,
        serials: list,
        out,
        columns: 2,
        base: "https://scan.example.org",
      });
      const uris = ["A-1", "A-2", "A-3"].map((s) => `https://scan.example.org/01/${MASK_TEXT}/10/${MASK_LOT}/21/${s}`);
      expect(report).to.deep.equal({
        batchId: f.maskBatch,
        gtin: MASK_TEXT,
        lot: MASK_LOT,
        format: "html",
        out,
        codes: ["A-1", "A-2", "A-3"].map((serial, i) => ({ serial, uri: uris[i] })),
      });
      const html = fs.readFileSync(out, "utf8");
      expect(codesIn(html).map((c) => c.decoded)).to.deep.equal(uris);
      expect(codesIn(html).map((c) => c.label)).to.deep.equal(
        ["A-1", "A-2", "A-3"].map((s) => `(01) ${MASK_TEXT} (10) ${MASK_LOT} (21) ${s}`),
      );
    });

    it("refuses a bad extension, column count, an empty or repeated or bad serial, and too many serials", async () => {
      await loadFixture(cliFixture);
      const dir = tmp();
      const out = path.join(dir, "sheet.svg");
      const run = (args: Record<string, unknown>) =>
        hre.run("qr:sheet", { batch: BATCH, serials: "S1", out, columns: 4, ...args });
      await expect(run({ out: path.join(dir, "sheet.pdf") })).to.be.rejectedWith(/must end in \.svg or \.html/);
      await expect(run({ columns: 0 })).to.be.rejectedWith(/--columns must be a whole number from 1 to 20, not 0/);
      await expect(run({ serials: " " })).to.be.rejectedWith(/--serials is empty/);
      await expect(run({ serials: ",," })).to.be.rejectedWith(/--serials ,, names no serial/);
      await expect(run({ serials: "S1,S2,S1" })).to.be.rejectedWith(`serial "S1" is listed twice`);
      await expect(run({ serials: "S1,bad serial" })).to.be.rejectedWith(/serial "bad serial" must be 1 to 20/);
      const many = Array.from({ length: 1001 }, (_, i) => `S${i}`).join(",");
      await expect(run({ serials: many })).to.be.rejectedWith(/names 1,001 serials: a sheet holds at most 1,000/);
      await expect(run({ batch: "0x" + "ab".repeat(32) })).to.be.rejectedWith(/the ledger has no such batch/);
      expect(fs.readdirSync(dir)).to.deep.equal([]);
    });
  });
});
