import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import hre, { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { fetchHistory } from "../../scripts/lib/history";
import {
  buildReport,
  dailySeries,
  growth,
  provenanceRow,
  smooth,
  toCsv,
  type Report,
  type ReportContracts,
} from "../../scripts/lib/reports";
import { escapeXml, renderChart } from "../../scripts/lib/chart";
import { BatchStatus } from "../../scripts/lib/trace";
import { loadThresholds } from "../../scripts/lib/thresholds";
import { MASK_LOT, MEMBERS, json, useCliDeployments } from "../helpers/cliFixture";
import { printed } from "../helpers/tasks";
import { DISPENSED, GOWN_LOT, UNIT_LOT, reportFixture, type ReportFixture } from "./reportFixture";

const MASK = "00614141000029";
const GOWN = "00614141000036";
const HOSPITAL = MEMBERS.hospital.name;
const PHARMACY = MEMBERS.pharmacy.name;
const MAKER = MEMBERS.maker.name;

/** The smoothing done by hand: α = 0.3 over 100, 200, 0, 150 and the report's own day (0). */
const S0 = 100;
const S1 = 0.3 * 200 + 0.7 * S0; // 130
const S2 = 0.3 * 0 + 0.7 * S1; // 91
const S3 = 0.3 * 150 + 0.7 * S2; // 108.7
const S4 = 0.3 * 0 + 0.7 * S3; // 76.09
/** Need 1: 1,000 masks over the ten days to its deadline. */
const NEEDS_DAILY = 1000 / 10;
const HOSPITAL_HELD = 1000 - 450;

const contractsOf = (f: ReportFixture): ReportContracts => ({
  ledger: f.ledger,
  catalog: f.catalog,
  escrow: f.escrow,
  agreements: f.agreements,
  adverse: f.adverse,
});

async function reportOf(f: ReportFixture, pageSize?: number): Promise<Report> {
  const names = new Map(Object.entries(f.orgIds).map(([k, id]) => [id, MEMBERS[k as keyof typeof MEMBERS].name]));
  return buildReport(contractsOf(f), { pageSize, thresholds: loadThresholds(), orgName: (id) => names.get(id) });
}

/** A minimal XML well-formedness check: one root, every tag closed in order, quoted attributes, escaped text. */
function wellFormed(xml: string): boolean {
  const body = xml.replace(/^<\?xml[^?]*\?>\s*/, "");
  const stack: string[] = [];
  let roots = 0;
  for (const token of body.split(/(<[^>]*>)/).filter((t) => t !== "")) {
    if (!token.startsWith("<")) {
      if (/&(?!(amp|lt|gt|quot|apos);)/.test(token) || token.includes(">")) return false;
      if (stack.length === 0 && token.trim() !== "") return false;
      continue;
    }
    const close = /^<\/([\w-]+)>$/.exec(token);
    if (close) {
      if (stack.pop() !== close[1]) return false;
      continue;
    }
    const open = /^<([\w-]+)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>$/.exec(token);
    if (!open) return false;
    if (stack.length === 0) roots++;
    if (open[3] !== "/") stack.push(open[1]);
  }
  return stack.length === 0 && roots === 1;
}

describe("report: the regulator's report", function () {
  useCliDeployments();
  let f: ReportFixture;
  let report: Report;

  before(async function () {
    f = await loadFixture(reportFixture);
    report = await reportOf(f);
  });

  describe("tables (scripts/lib/reports.ts)", function () {
    it("proves each batch's history and lists provenance", async function () {
      const [mask, gown, units] = report.tables.provenance;
      const maskView = await f.ledger.batch(f.maskBatch);
      expect(maskView.recordCount).to.equal(13n);
      expect(mask).to.deep.equal({
        batchId: f.maskBatch,
        gtin: MASK,
        lot: MASK_LOT,
        maker: MAKER,
        status: "Released",
        records: 13,
        proven: true,
        problem: "",
        head: maskView.head,
        holders: `${HOSPITAL}: 550; ${PHARMACY}: 500; ${MAKER}: 8,500`,
      });
      expect(gown).to.include({ gtin: GOWN, lot: GOWN_LOT, status: "OnHold", records: 1, proven: true });
      expect(gown.holders).to.equal(`${MAKER}: 200`);
      expect(units).to.include({ gtin: MASK, lot: UNIT_LOT, status: "Released", records: 9, proven: true });
      expect(units.holders).to.equal(`${PHARMACY}: 2`);
      expect(report.tables.provenance).to.have.length(3);
    });

    it("lists holdings by member", async function () {
      const expiry = async (batch: string) =>
        new Date(Number((await f.ledger.batch(batch)).expiresAt) * 1000).toISOString().slice(0, 10);
      const row = (member: string, batchId: string, gtin: string, lot: string, category: string, quantity: number) => ({
        member,
        batchId,
        gtin,
        lot,
        category,
        status: category === "Consumable" ? "OnHold" : "Released",
        quantity,
      });
      const rows = report.tables.holdings.map(({ expiry: _, ...rest }) => rest);
      expect(rows).to.deep.equal([
        row(HOSPITAL, f.maskBatch, MASK, MASK_LOT, "ProtectiveEquipment", 550),
        row(PHARMACY, f.maskBatch, MASK, MASK_LOT, "ProtectiveEquipment", 500),
        row(PHARMACY, f.unitBatch, MASK, UNIT_LOT, "ProtectiveEquipment", 2),
        row(MAKER, f.maskBatch, MASK, MASK_LOT, "ProtectiveEquipment", 8500),
        row(MAKER, f.gownBatch, GOWN, GOWN_LOT, "Consumable", 200),
      ]);
      expect(report.tables.holdings[0].expiry).to.equal(await expiry(f.maskBatch));
      expect(report.tables.holdings[4].expiry).to.equal(await expiry(f.gownBatch));
    });

    it("judges safety stock per category and member against the thresholds", function () {
      expect(report.tables.safetyStock).to.deep.equal([
        { member: HOSPITAL, category: "ProtectiveEquipment", held: 550, threshold: 2000, shortfall: 1450, below: true },
        { member: PHARMACY, category: "ProtectiveEquipment", held: 502, threshold: 2000, shortfall: 1498, below: true },
        { member: MAKER, category: "ProtectiveEquipment", held: 8500, threshold: 2000, shortfall: 0, below: false },
        { member: MAKER, category: "Consumable", held: 0, threshold: 1000, shortfall: 1000, below: true },
      ]);
    });

    it("takes a member's own threshold over its category's", async function () {
      const thresholds = loadThresholds();
      thresholds.members = {
        [HOSPITAL]: { ProtectiveEquipment: 500 },
        [String(f.orgIds.clinic)]: { Drug: 10 },
        [MEMBERS.agency.name]: { Device: 5 },
      };
      const names = new Map(Object.entries(f.orgIds).map(([k, id]) => [id, MEMBERS[k as keyof typeof MEMBERS].name]));
      const orgIds = [...names.keys()];
      const r = await buildReport(contractsOf(f), { thresholds, orgName: (id) => names.get(id), orgIds });
      // Named by name, a member that holds nothing is found among every organisation's id.
      expect(r.tables.safetyStock).to.deep.include({
        member: MEMBERS.agency.name,
        category: "Device",
        held: 0,
        threshold: 5,
        shortfall: 5,
        below: true,
      });
      expect(r.tables.safetyStock[0]).to.deep.include({ member: HOSPITAL, threshold: 500, shortfall: 0, below: false });
      expect(r.tables.safetyStock).to.deep.include({
        member: MEMBERS.clinic.name,
        category: "Drug",
        held: 0,
        threshold: 10,
        shortfall: 10,
        below: true,
      });
    });

    it("forecasts demand by exponential smoothing plus open needs, and gives days of cover", function () {
      expect(S4).to.be.closeTo(76.09, 1e-9);
      const [hospital, pharmacy, ...others] = report.tables.cover;
      expect(hospital).to.deep.equal({
        member: HOSPITAL,
        category: "ProtectiveEquipment",
        held: HOSPITAL_HELD,
        days: 5,
        dispensingForecast: 76.09,
        needsDaily: 100,
        dailyDemand: 176.09,
        daysOfCover: Math.round((HOSPITAL_HELD / (S4 + NEEDS_DAILY)) * 10) / 10,
      });
      expect(hospital.daysOfCover).to.equal(3.1);
      // Corner Pharmacy dispensed two serialised units on day D+6: 2, 0, 0 smoothed is 0.98 a day.
      expect(pharmacy).to.deep.equal({
        member: PHARMACY,
        category: "ProtectiveEquipment",
        held: 502,
        days: 3,
        dispensingForecast: 0.98,
        needsDaily: 0,
        dailyDemand: 0.98,
        daysOfCover: Math.round((502 / (0.7 * 0.7 * 2)) * 10) / 10,
      });
      expect(pharmacy.daysOfCover).to.equal(512.2);
      for (const row of others) expect(row).to.include({ days: 0, dailyDemand: 0, daysOfCover: null });
      // The gowns are on hold: not usable, so the maker holds none of its Consumable stock for cover.
      expect(others.map((r) => r.held)).to.deep.equal([8500, 0]);
    });

    it("smooths and buckets by UTC day", function () {
      expect(smooth([100, 200, 0, 150, 0], 0.3)).to.be.closeTo(S4, 1e-9);
      expect(smooth([], 0.3)).to.equal(0);
      const day = 86_400 * 20_000;
      expect(
        dailySeries(
          [
            { time: day + 5, quantity: 3 },
            { time: day + 86_399, quantity: 4 },
          ],
          day + 2 * 86_400,
        ),
      ).to.deep.equal([7, 0, 0]);
      expect(DISPENSED.reduce((a, b) => a + b, 0)).to.equal(450);
    });

    it("lists needs and gifts", function () {
      expect(report.tables.needs).to.deep.equal([
        {
          need: 1,
          hospital: HOSPITAL,
          product: MASK,
          status: "Open",
          quantity: 1000,
          remaining: 1000,
          asset: "ETH",
          target: "0.5",
          raised: "0.3",
          released: "0",
          refunded: "0",
          fundedPercent: 60,
        },
      ]);
      expect(report.tables.gifts).to.deep.equal([
        { donor: f.donors[0].address, need: 1, asset: "ETH", given: "0.3", spent: "0", refunded: "0", redirected: "0" },
      ]);
    });

    it("lists agreements with late and defect penalties per party and their shares", function () {
      expect(report.tables.agreements).to.deep.equal([
        {
          agreement: 1,
          buyer: HOSPITAL,
          supplier: MAKER,
          carrier: MEMBERS.carrier.name,
          gtin: MASK,
          quantity: 1000,
          delivered: 1000,
          asset: "ETH",
          value: "0.5",
          status: "Active",
          supplierLate: "0.015", // 0.5 ETH × 1 % × 3 started days
          supplierDefect: "0",
          carrierLate: "0",
          carrierDefect: "0",
          penalties: "0.015",
          supplierShare: 100,
          carrierShare: 0,
        },
      ]);
    });

    it("counts adverse events by product and maker, this year against last", function () {
      expect(report.tables.adverseByProduct).to.deep.equal([
        { key: MASK, thisYear: 2, lastYear: 1, total: 3, growthPercent: 100, growth: "+100.0%" },
        { key: GOWN, thisYear: 1, lastYear: 0, total: 1, growthPercent: null, growth: "new" },
      ]);
      expect(report.tables.adverseByMaker).to.deep.equal([
        { key: MAKER, thisYear: 3, lastYear: 1, total: 4, growthPercent: 200, growth: "+200.0%" },
      ]);
      expect(growth(1, 4)).to.deep.equal({ growthPercent: -75, growth: "-75.0%" });
      expect(growth(0, 0)).to.deep.equal({ growthPercent: null, growth: "—" });
    });

    it("summarises", function () {
      expect(report.summary).to.deep.include({
        batches: 3,
        proven: 3,
        unproven: [],
        unitsHeld: 9752,
        belowSafetyStock: 3,
        lowestCover: { member: HOSPITAL, category: "ProtectiveEquipment", daysOfCover: 3.1 },
        openNeeds: 1,
        agreements: 1,
        penalisedAgreements: 1,
        adverseThisYear: 3,
        adverseLastYear: 1,
        adverseGrowth: "+200.0%",
        forecastSmoothing: 0.3,
      });
    });

    it("gives the same report when logs are read three blocks at a time", async function () {
      expect(await reportOf(f, 3)).to.deep.equal(report);
    });

    it("works on a node that bounds eth_getLogs to ten blocks", async function () {
      const provider = hre.network.provider as unknown as {
        send: (method: string, params?: unknown[]) => Promise<unknown>;
      };
      const send = provider.send.bind(provider);
      const spans: number[] = [];
      provider.send = async (method, params) => {
        if (method === "eth_getLogs") {
          const filter = (params as { fromBlock?: string; toBlock?: string }[])[0];
          const span = Number(filter.toBlock ?? NaN) - Number(filter.fromBlock ?? NaN) + 1;
          if (!(span <= 10)) throw new Error("query exceeds max block range 10");
          spans.push(span);
        }
        return send(method, params);
      };
      try {
        await expect(reportOf(f)).to.be.rejectedWith("query exceeds max block range 10");
        spans.length = 0;
        expect(await reportOf(f, 10)).to.deep.equal(report);
        expect(spans.length).to.be.above(100);
      } finally {
        provider.send = send;
      }
    });

    it("flags a history with a missing or altered record as unproven", async function () {
      const entries = await fetchHistory(f.ledger, f.maskBatch);
      const batch = {
        batchId: f.maskBatch,
        gtin: 614141000029n,
        lot: MASK_LOT,
        maker: MAKER,
        status: BatchStatus.Released,
        holders: "",
      };
      expect((await provenanceRow(f.ledger, batch, entries)).proven).to.equal(true);
      const missingLast = await provenanceRow(f.ledger, batch, entries.slice(0, -1));
      expect(missingLast).to.include({ proven: false, problem: "12 records found, the ledger counts 13" });
      const missingMiddle = await provenanceRow(f.ledger, batch, [...entries.slice(0, 4), ...entries.slice(5)]);
      expect(missingMiddle.proven).to.equal(false);
      expect(missingMiddle.problem).to.match(/^record 4 \(block \d+\) does not follow record 3$/);
      const altered = [...entries.slice(0, -1), { ...entries[entries.length - 1], dataHash: ethers.ZeroHash }];
      expect((await provenanceRow(f.ledger, batch, altered)).problem).to.equal(
        "the rebuilt head differs from the ledger's head: a record was altered",
      );
    });
  });

  describe("files", function () {
    it("writes CSV rows with a header, quoting where needed", function () {
      expect(toCsv(["a", "b", "c"], [{ a: 'say "hi", twice', b: true, c: null }])).to.equal(
        'a,b,c\r\n"say ""hi"", twice",yes,—\r\n',
      );
    });

    it("draws a well-formed chart with escaped labels", function () {
      const svg = renderChart({
        title: "A & B <C>",
        panels: [{ title: "p", groups: [{ label: "x", bars: [{ label: "y", value: 2 }] }] }],
      });
      expect(wellFormed(svg)).to.equal(true);
      expect(svg).to.include(escapeXml("A & B <C>"));
      expect(wellFormed("<svg><g></svg></g>")).to.equal(false);
    });
  });

  describe("the report task", function () {
    let root: string;
    let dir: string;
    let output: string;
    const read = (file: string) => fs.readFileSync(path.join(dir, file), "utf8");

    before(async function () {
      root = fs.mkdtempSync(path.join(os.tmpdir(), "medalliance-report-"));
      dir = path.join(root, "out");
      output = await printed("report", { out: dir, logsRange: "1000" });
    });

    after(function () {
      fs.rmSync(root, { recursive: true, force: true });
    });

    it("prints the summary and where the files are", function () {
      expect(output).to.include("Batches: 3, histories proven: 3. Units held: 9,752.");
      expect(output).to.include(
        `Below safety stock: 3 (member, category) pairs. Lowest days of cover: 3.1 days (${HOSPITAL}, ProtectiveEquipment), forecast smoothing α = 0.3.`,
      );
      expect(output).to.include(
        "Open needs: 1. Agreements: 1, with penalties: 1. Adverse events this year: 3, last year: 1 (+200.0%).",
      );
      expect(output).to.include(`Written to ${dir} (`);
      expect(output).to.match(/report\.svg\s+\d+/);
      const files = fs.readdirSync(dir).sort();
      expect(files).to.deep.equal([
        "adverse-by-maker.csv",
        "adverse-by-product.csv",
        "agreements.csv",
        "days-of-cover.csv",
        "gifts.csv",
        "holdings.csv",
        "needs.csv",
        "provenance.csv",
        "report.json",
        "report.svg",
        "safety-stock.csv",
      ]);
      const bytes = files.reduce((sum, file) => sum + fs.statSync(path.join(dir, file)).size, 0);
      console.log(`      (report folder: ${files.length} files, ${bytes.toLocaleString("en-US")} bytes)`);
    });

    it("writes each table as CSV", function () {
      expect(read("safety-stock.csv")).to.equal(
        [
          "member,category,held,threshold,shortfall,below",
          `${HOSPITAL},ProtectiveEquipment,550,2000,1450,yes`,
          `${PHARMACY},ProtectiveEquipment,502,2000,1498,yes`,
          `${MAKER},ProtectiveEquipment,8500,2000,0,no`,
          `${MAKER},Consumable,0,1000,1000,yes`,
          "",
        ].join("\r\n"),
      );
      expect(read("days-of-cover.csv").split("\r\n").slice(0, 3)).to.deep.equal([
        "member,category,held,days,dispensingForecast,needsDaily,dailyDemand,daysOfCover",
        `${HOSPITAL},ProtectiveEquipment,550,5,76.09,100,176.09,3.1`,
        `${PHARMACY},ProtectiveEquipment,502,3,0.98,0,0.98,512.2`,
      ]);
      expect(read("adverse-by-product.csv")).to.equal(
        `key,thisYear,lastYear,total,growthPercent,growth\r\n${MASK},2,1,3,100,+100.0%\r\n${GOWN},1,0,1,—,new\r\n`,
      );
      expect(read("agreements.csv").split("\r\n")[1]).to.equal(
        `1,${HOSPITAL},${MAKER},${MEMBERS.carrier.name},${MASK},1000,1000,ETH,0.5,Active,0.015,0,0,0,0.015,100,0`,
      );
      expect(read("provenance.csv").split("\r\n")[1]).to.equal(
        `${f.maskBatch},${MASK},${MASK_LOT},${MAKER},Released,13,yes,,${report.tables.provenance[0].head},` +
          `"${HOSPITAL}: 550; ${PHARMACY}: 500; ${MAKER}: 8,500"`,
      );
      expect(read("needs.csv").split("\r\n")[1]).to.equal(`1,${HOSPITAL},${MASK},Open,1000,1000,ETH,0.5,0.3,0,0,60`);
      expect(read("gifts.csv").split("\r\n")[1]).to.equal(`${f.donors[0].address},1,ETH,0.3,0,0,0`);
    });

    it("writes report.json with every table and the summary", function () {
      const written = JSON.parse(read("report.json")) as Report;
      expect(Object.keys(written)).to.deep.equal(["summary", "tables"]);
      expect(Object.keys(written.tables)).to.deep.equal([
        "provenance",
        "holdings",
        "safetyStock",
        "cover",
        "needs",
        "gifts",
        "agreements",
        "adverseByProduct",
        "adverseByMaker",
      ]);
      expect(written).to.deep.equal(JSON.parse(JSON.stringify(report)));
    });

    it("draws the headline figures in report.svg", function () {
      const svg = read("report.svg");
      expect(wellFormed(svg)).to.equal(true);
      const bars = [...svg.matchAll(/data-label="([^"]*)" data-value="([^"]*)"/g)].map((m) => [m[1], Number(m[2])]);
      expect(bars).to.deep.equal([
        ["Consumable — held", 0],
        ["Consumable — safety stock", 1000],
        ["ProtectiveEquipment — held", 9552],
        ["ProtectiveEquipment — safety stock", 6000],
        ["ProtectiveEquipment — days", Math.round((9552 / (176.09 + 0.98)) * 10) / 10],
        [`Need 1 (${HOSPITAL}) — Open`, 60],
        [`${MASK} — this year`, 2],
        [`${MASK} — last year`, 1],
        [`${GOWN} — this year`, 1],
        [`${GOWN} — last year`, 0],
      ]);
      for (const title of [
        "Stock held against safety stock, by category",
        "Days of cover, by category",
        "Needs funded",
      ]) {
        expect(svg).to.include(`data-title="${title}"`);
      }
    });

    it("prints the summary and the files as JSON with --json", async function () {
      const result = await json<{
        folder: string;
        bytes: number;
        files: { file: string; bytes: number }[];
        summary: object;
      }>("report", { out: dir, logsRange: "50" });
      expect(result.folder).to.equal(dir);
      expect(result.files).to.have.length(11);
      expect(result.bytes).to.equal(result.files.reduce((s, x) => s + x.bytes, 0));
      expect(result.summary).to.deep.equal(report.summary);
    });

    it("refuses a bad --out", async function () {
      const file = path.join(dir, "report.json");
      await expect(printed("report", { out: file, logsRange: "1000" })).to.be.rejectedWith(
        `--out ${file} is a file, not a folder: give a folder to write the report into`,
      );
      await expect(printed("report", { out: path.join(file, "sub"), logsRange: "1000" })).to.be.rejectedWith(
        `is a file, so the folder cannot be created`,
      );
      await expect(printed("report", { out: " ", logsRange: "1000" })).to.be.rejectedWith(
        "--out is empty: give a folder such as reports/2027-01",
      );
    });

    it("refuses a bad --logs-range", async function () {
      for (const bad of ["0", "abc", "1.5", "2000000", "-3"]) {
        await expect(printed("report", { out: dir, logsRange: bad })).to.be.rejectedWith(
          `--logs-range must be a whole number of blocks from 1 to 1,000,000, not "${bad}"`,
        );
      }
    });

    it("refuses a missing thresholds file", async function () {
      await expect(
        printed("report", { out: dir, logsRange: "1000", thresholds: "/nonexistent.json" }),
      ).to.be.rejectedWith("--thresholds: no thresholds file at /nonexistent.json");
    });
  });
});
