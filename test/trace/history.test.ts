import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, mine, time } from "@nomicfoundation/hardhat-network-helpers";
import { BusinessRole, documentHash } from "../../scripts/lib/alliance";
import { DAY, YEAR, admit, deployAlliance } from "../../scripts/lib/formation";
import { companyPrefix, gln, gtin } from "../../scripts/lib/gs1";
import { chainHead, fetchHistory, proveHistory, rebuildHead } from "../../scripts/lib/history";
import {
  Category,
  RecordKind,
  approveProduct,
  commission,
  deployTrace,
  lot,
  productSpec,
} from "../../scripts/lib/trace";

const MASK = gtin("0690123400027");

/** A batch with a commission record and four more, spread over several blocks. */
async function historyFixture() {
  const [governor, regulator, maker] = await ethers.getSigners();
  const registry = await deployAlliance({ governor, regulators: [regulator], guardians: [], quorum: 1 });
  const now = BigInt(await time.latest());
  const prefix = companyPrefix("6901234");
  const licenceExpiry = now + YEAR;
  await admit(
    registry,
    maker,
    { name: "Northwind", role: BusinessRole.Manufacturer, companyPrefixes: [prefix], licenceExpiry },
    [regulator],
  );
  await (await registry.connect(maker).registerSite(gln("690123400001"), "plant")).wait();
  const { catalog, ledger } = await deployTrace(registry, governor);
  await approveProduct(catalog, maker, regulator, productSpec(MASK, prefix, Category.ProtectiveEquipment), 14n * DAY);
  const batchId = await commission(ledger, maker, {
    gtin: MASK,
    lot: lot("M-0001"),
    quantity: 10_000n,
    producedAt: now,
    expiresAt: now + 2n * YEAR,
    site: 0,
    docHash: documentHash("batch record"),
    docURI: "ipfs://batch",
    inputs: [],
  });
  for (let i = 0; i < 4; i++) {
    await mine(3);
    const kind = i === 1 ? RecordKind.InspectionPassed : RecordKind.Note;
    const author = i === 2 ? regulator : maker;
    await (await ledger.connect(author).record({ batchId, kind, dataHash: documentHash(`record ${i}`) })).wait();
  }
  return { ledger, batchId, maker, regulator };
}

describe("batch history: rebuild from logs and prove", () => {
  it("rebuilds the five records in order and proves them against the ledger's head", async () => {
    const { ledger, batchId, maker, regulator } = await loadFixture(historyFixture);
    const entries = await fetchHistory(ledger, batchId);
    expect(entries.map((e) => e.kind)).to.deep.equal([
      RecordKind.Commissioned,
      RecordKind.Note,
      RecordKind.InspectionPassed,
      RecordKind.Note,
      RecordKind.Note,
    ]);
    expect(entries[0].actor).to.equal(maker.address);
    expect(entries[3].actor).to.equal(regulator.address);
    const proof = await proveHistory(ledger, batchId);
    expect(proof).to.include({ valid: true, count: 5, onChainCount: 5 });
    expect(proof.head).to.equal(proof.onChainHead);
  });

  it("reads the logs page by page in small block ranges and finds the same records", async () => {
    const { ledger, batchId } = await loadFixture(historyFixture);
    const whole = await fetchHistory(ledger, batchId);
    const paged = await fetchHistory(ledger, batchId, { pageSize: 2 });
    expect(paged).to.deep.equal(whole);
    expect(new Set(paged.map((e) => e.blockNumber)).size).to.equal(5);
  });

  it("computes each head exactly as the ledger does", async () => {
    const { ledger, batchId } = await loadFixture(historyFixture);
    const entries = await fetchHistory(ledger, batchId);
    expect(chainHead(entries[3].prevHead, entries[3])).to.equal(entries[4].prevHead);
    expect(rebuildHead(entries).head).to.equal((await ledger.historyOf(batchId))[0]);
  });

  it("detects a doctored record: an altered data hash no longer proves", async () => {
    const { ledger, batchId } = await loadFixture(historyFixture);
    const doctored = (await fetchHistory(ledger, batchId)).map((e) => ({ ...e }));
    doctored[4].dataHash = documentHash("a friendlier inspection report");
    const proof = await proveHistory(ledger, batchId, doctored);
    expect(proof.valid).to.equal(false);
    expect(proof.problem).to.match(/altered/);
  });

  it("detects a record altered in the middle of the chain", async () => {
    const { ledger, batchId } = await loadFixture(historyFixture);
    const doctored = (await fetchHistory(ledger, batchId)).map((e) => ({ ...e }));
    doctored[2].kind = RecordKind.InspectionFailed;
    const proof = await proveHistory(ledger, batchId, doctored);
    expect(proof.valid).to.equal(false);
    expect(proof.problem).to.match(/record 3 .* does not follow record 2/);
  });

  it("detects a dropped record and records out of order", async () => {
    const { ledger, batchId } = await loadFixture(historyFixture);
    const entries = await fetchHistory(ledger, batchId);
    const dropped = await proveHistory(ledger, batchId, entries.slice(0, 4));
    expect(dropped).to.include({ valid: false, problem: "4 records found, the ledger counts 5" });
    const swapped = [entries[0], entries[2], entries[1], entries[3], entries[4]];
    expect((await proveHistory(ledger, batchId, swapped)).valid).to.equal(false);
  });

  it("refuses a page size below one", async () => {
    const { ledger, batchId } = await loadFixture(historyFixture);
    await expect(fetchHistory(ledger, batchId, { pageSize: 0 })).to.be.rejectedWith(/pageSize must be at least 1/);
  });
});
