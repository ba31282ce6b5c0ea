/** Traceability: commissioning (with lineage), history records one at a time, batched, and at depth. */
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { Signer } from "ethers";
import type { BatchLedger } from "../../typechain-types";
import { BusinessRole, documentHash } from "../../scripts/lib/alliance";
import { DAY } from "../../scripts/lib/formation";
import { gtin } from "../../scripts/lib/gs1";
import {
  Category,
  RecordKind,
  type CommissionRequest,
  approveProduct,
  commission,
  deployTrace,
  productSpec,
} from "../../scripts/lib/trace";
import { type BenchProfile, type GasFigures, type Scenario, gasOf } from "../harness";
import {
  MASK,
  NORTHWIND_PREFIX,
  approveMask,
  batchRequest,
  benchAlliance,
  inspectionPassed,
  member,
  northwindMasks,
} from "./world";

const INPUTS_MEASURED = 8;

export const traceScenario: Scenario = {
  name: "trace",
  async run(profile: BenchProfile): Promise<GasFigures> {
    const [governor, regulator, maker] = await ethers.getSigners();
    const alliance = await benchAlliance(governor, regulator);
    const now = BigInt(await time.latest());
    await northwindMasks(alliance, maker, "plant");
    const { catalog, ledger } = await deployTrace(alliance.registry, governor);

    const fabric = gtin("0690123400010");
    await approveProduct(
      catalog,
      maker,
      regulator,
      productSpec(fabric, NORTHWIND_PREFIX, Category.RawMaterial),
      2n * DAY,
    );
    await approveMask(catalog, maker, regulator);

    let lotNumber = 0;
    const request = (code: bigint, inputs: { batchId: string; quantity: bigint }[] = []): CommissionRequest => {
      const n = ++lotNumber;
      return batchRequest(code, `L${String(n).padStart(6, "0")}`, now, {
        record: `batch record ${n}`,
        uri: `ipfs://batch/${n}`,
        inputs,
      });
    };

    // Realistic state: released fabric batches in the maker's holding, and mask batches already made.
    const fabricBatches: string[] = [];
    const existing = profile === "full" ? 200 : 20;
    for (let i = 0; i < Math.max(existing, INPUTS_MEASURED + 100); i++) {
      fabricBatches.push(await commission(ledger, maker, request(fabric)));
    }
    await time.increase(2n * DAY);
    await (
      await ledger.connect(maker).recordMany(fabricBatches.slice(0, 100).map((batchId) => inspection(batchId)))
    ).wait();
    for (const batchId of fabricBatches.slice(100))
      await (await ledger.connect(maker).record(inspection(batchId))).wait();

    const commissionNoInputs = await gasOf(ledger.connect(maker).commission(request(MASK)));
    const inputs = fabricBatches.slice(0, INPUTS_MEASURED).map((batchId) => ({ batchId, quantity: 1000n }));
    const commissionWithInputs = await gasOf(ledger.connect(maker).commission(request(MASK, inputs)));

    const target = fabricBatches[INPUTS_MEASURED];
    const appendEvent = await gasOf(ledger.connect(maker).record(note(target, 0)));
    const batched = fabricBatches
      .slice(INPUTS_MEASURED, INPUTS_MEASURED + 100)
      .map((batchId, i) => note(batchId, i + 1));
    const batched100 = await gasOf(ledger.connect(maker).recordMany(batched));

    const deep = fabricBatches[INPUTS_MEASURED + 1];
    const appendAt = async (count: number) => {
      await fillHistory(ledger, maker, deep, count - 1);
      return gasOf(ledger.connect(maker).record(note(deep, count)));
    };
    const first = await appendEvent;
    const tenThousandth = await appendAt(10_000);

    return {
      "trace.commission": commissionNoInputs,
      "trace.commissionPerInput": (commissionWithInputs - commissionNoInputs) / BigInt(INPUTS_MEASURED),
      "trace.appendEvent": first,
      "trace.appendEventBatched100PerEvent": batched100 / 100n,
      "trace.appendEvent10000th": tenThousandth,
    };
  },
};

function inspection(batchId: string) {
  return inspectionPassed(batchId, `QA report ${batchId}`);
}

function note(batchId: string, n: number) {
  return { batchId, kind: RecordKind.Note, dataHash: documentHash(`note ${n} on ${batchId}`) };
}

/** Appends notes to `batchId` until its history holds `count` records. */
async function fillHistory(ledger: BatchLedger, maker: Signer, batchId: string, count: number): Promise<void> {
  let [, recorded] = await ledger.historyOf(batchId);
  while (Number(recorded) < count) {
    const size = Math.min(100, count - Number(recorded));
    const requests = Array.from({ length: size }, (_, i) => note(batchId, Number(recorded) + i));
    await (await ledger.connect(maker).recordMany(requests)).wait();
    [, recorded] = await ledger.historyOf(batchId);
  }
}
