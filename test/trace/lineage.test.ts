import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { batchesMadeFrom } from "../../scripts/lib/lineage";
import { commission } from "../../scripts/lib/trace";
import { FABRIC, MASK, batchRequest, releasedBatch, releasedFabricFixture } from "../helpers/traceFixture";

/** Two mask batches from one fabric batch; a third mask batch made from a second fabric batch made of the first. */
async function lineageFixture() {
  const f = await loadFixture(releasedFabricFixture);
  const masksA = await commission(
    f.ledger,
    f.maker,
    await batchRequest(MASK, "SM-A", { inputs: [{ batchId: f.fabricId, quantity: 100n }] }),
  );
  const masksB = await commission(
    f.ledger,
    f.maker,
    await batchRequest(MASK, "SM-B", { inputs: [{ batchId: f.fabricId, quantity: 100n }] }),
  );
  const relaminated = await releasedBatch(f, FABRIC, "MB-RELAM", { inputs: [{ batchId: f.fabricId, quantity: 50n }] });
  const masksC = await commission(
    f.ledger,
    f.maker,
    await batchRequest(MASK, "SM-C", { inputs: [{ batchId: relaminated, quantity: 10n }] }),
  );
  const unrelated = await commission(f.ledger, f.maker, await batchRequest(MASK, "SM-X"));
  return { ...f, masksA, masksB, relaminated, masksC, unrelated };
}

describe("lineage: batches made from a batch, from the logs", () => {
  it("finds every batch made from an input, directly and through intermediate batches", async () => {
    const f = await lineageFixture();
    expect(await batchesMadeFrom(f.ledger, f.fabricId)).to.deep.equal([f.masksA, f.masksB, f.relaminated, f.masksC]);
    expect(await batchesMadeFrom(f.ledger, f.relaminated)).to.deep.equal([f.masksC]);
  });

  it("finds nothing for a batch no other batch was made from", async () => {
    const f = await lineageFixture();
    expect(await batchesMadeFrom(f.ledger, f.unrelated)).to.deep.equal([]);
  });

  it("reads the logs page by page with the same result", async () => {
    const f = await lineageFixture();
    const whole = await batchesMadeFrom(f.ledger, f.fabricId);
    expect(await batchesMadeFrom(f.ledger, f.fabricId, { pageSize: 3 })).to.deep.equal(whole);
  });

  it("refuses a page size below one", async () => {
    const f = await lineageFixture();
    await expect(batchesMadeFrom(f.ledger, f.fabricId, { pageSize: 0 })).to.be.rejectedWith(/pageSize/);
  });
});
