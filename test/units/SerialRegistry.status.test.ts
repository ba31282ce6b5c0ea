import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { REASONS, failed } from "../helpers/traceFixture";
import { RECALL } from "../helpers/custodyFixture";
import { UnitStatus, type UnitArgs, serial } from "../../scripts/lib/serials";
import {
  type StockedFixture,
  dispenseUnit,
  serialRegistryFixture,
  statusOf,
  stockedFixture,
  unitAt,
} from "./serialsFixture";

/** The status of a unit as given (not necessarily the tree's). */
async function statusOfUnit(f: StockedFixture, unit: UnitArgs, proof: string[]) {
  return Number(await f.serials.unitStatus(unit, proof)) as UnitStatus;
}

describe("SerialRegistry: unit status", () => {
  const load = () => loadFixture(stockedFixture);

  it("mirrors BatchStatus in its first six values", async () => {
    expect([UnitStatus.Unknown, UnitStatus.OnHold, UnitStatus.Released, UnitStatus.Blocked]).to.deep.equal([
      0, 1, 2, 3,
    ]);
    expect([UnitStatus.Recalled, UnitStatus.Expired, UnitStatus.Dispensed, UnitStatus.NotInBatch]).to.deep.equal([
      4, 5, 6, 7,
    ]);
  });

  it("reads Released for a genuine unit of a Released batch, Dispensed once dispensed", async () => {
    const f = await load();
    expect(await statusOf(f.serials, f.tree, 12)).to.equal(UnitStatus.Released);
    await (await dispenseUnit(f.serials, f.tree, f.retailer, 12)).wait();
    expect(await statusOf(f.serials, f.tree, 12)).to.equal(UnitStatus.Dispensed);
    expect(await statusOf(f.serials, f.tree, 13)).to.equal(UnitStatus.Released);
  });

  it("reads OnHold, Blocked, Recalled and Expired from the batch, dispensed or not", async () => {
    const f = await load();
    await (await dispenseUnit(f.serials, f.tree, f.hospital, 0)).wait();
    const both = async () => [await statusOf(f.serials, f.tree, 0), await statusOf(f.serials, f.tree, 1)];

    await (await f.ledger.connect(f.maker).record(failed(f.maskId))).wait();
    expect(await both()).to.deep.equal([UnitStatus.OnHold, UnitStatus.OnHold]);

    const g = await load();
    await (await dispenseUnit(g.serials, g.tree, g.hospital, 0)).wait();
    await (await g.ledger.connect(g.regulatorA).blockBatch(g.maskId, REASONS)).wait();
    expect([await statusOf(g.serials, g.tree, 0), await statusOf(g.serials, g.tree, 1)]).to.deep.equal([
      UnitStatus.Blocked,
      UnitStatus.Blocked,
    ]);
    await (await g.ledger.connect(g.regulatorA).recall(g.maskId, 1, RECALL)).wait();
    expect(await statusOf(g.serials, g.tree, 0)).to.equal(UnitStatus.Recalled);
    expect(await g.serials.isDispensed(g.maskId, 0)).to.equal(true); // still tells a dispensed unit

    const h = await load();
    await (await dispenseUnit(h.serials, h.tree, h.hospital, 0)).wait();
    await time.increaseTo((await h.ledger.batch(h.maskId)).expiresAt + 1n);
    expect([await statusOf(h.serials, h.tree, 0), await statusOf(h.serials, h.tree, 1)]).to.deep.equal([
      UnitStatus.Expired,
      UnitStatus.Expired,
    ]);
  });

  it("reads Unknown for an unknown batch", async () => {
    const f = await load();
    const { unit, proof } = unitAt(f.tree, 0);
    expect(await statusOfUnit(f, { ...unit, batchId: ethers.id("no such batch") }, proof)).to.equal(UnitStatus.Unknown);
  });

  it("reads NotInBatch for any code of a batch without committed serials", async () => {
    const f = await loadFixture(serialRegistryFixture);
    expect(await statusOf(f.serials, f.tree, 0)).to.equal(UnitStatus.NotInBatch);
  });

  it("reads NotInBatch for a made-up serial, a wrong index, root or count, a bad or too long proof, an index out of range", async () => {
    const f = await load();
    const { unit, proof } = unitAt(f.tree, 20);
    const other = unitAt(f.tree, 21);
    const tooLong = [...proof, ...Array.from({ length: 41 - proof.length }, (_, i) => ethers.id(`pad ${i}`))];
    const cases: [UnitArgs, string[]][] = [
      [{ ...unit, serial: serial("NW99999999") }, proof],
      [{ ...unit, serial: other.unit.serial }, proof],
      [{ ...unit, index: other.unit.index }, proof],
      [{ ...unit, root: proof[0] }, proof],
      [{ ...unit, count: 301n }, proof],
      [unit, other.proof],
      [unit, []],
      [unit, tooLong],
      [{ ...unit, index: 300n }, proof],
      [{ ...unit, index: 2n ** 256n - 1n }, proof],
    ];
    for (const [u, p] of cases) expect(await statusOfUnit(f, u, p)).to.equal(UnitStatus.NotInBatch);
    expect(await statusOfUnit(f, unit, proof)).to.equal(UnitStatus.Released);
  });
});
