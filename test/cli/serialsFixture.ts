/**
 * The unit serial, adverse event and field reading CLI suites' world, on top of `cliFixture`: the fixture's mask
 * batch serialised (five units, proof files in a folder that outlives the snapshots), 500 masks received by City
 * General Hospital, and a second, unserialised mask batch on hold.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import hre from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { HardhatPluginError } from "hardhat/plugins";
import { SerialRegistry__factory } from "../../typechain-types";
import { documentHash } from "../../scripts/lib/alliance";
import { YEAR } from "../../scripts/lib/formation";
import { SerialTree, unitOf, writeProofFiles } from "../../scripts/lib/serials";
import { commission, lot, ship } from "../../scripts/lib/trace";
import { MASK_GTIN, MASK_LOT, cliFixture } from "../helpers/cliFixture";

/** The mask batch's unit serials, in unit order. */
export const SERIALS = ["SN-0001", "SN-0002", "SN-0003", "SN-0004", "SN-0005"];
/** A second batch of masks, on hold and without serials. */
export const SPARE_LOT = "MK-2026-002";
export const RECEIVED = 500n;

let proofRoot: string | undefined;

/** The folder the fixture's proof files live in (written once per test process). */
export function proofFolder(): string {
  proofRoot ??= fs.mkdtempSync(path.join(os.tmpdir(), "medalliance-proofs-"));
  return proofRoot;
}

/** The CLI world with a second mask batch (on hold) and 500 masks received by the hospital. */
export async function stockFixture() {
  const f = await loadFixture(cliFixture);
  const maker = f.account("maker");
  const hospital = f.account("hospital");
  const carrier = f.account("carrier");
  const serials = SerialRegistry__factory.connect(f.address("SerialRegistry"), f.governor);
  const now = BigInt(await time.latest());
  const spareBatch = await commission(f.ledger, maker, {
    gtin: MASK_GTIN,
    lot: lot(SPARE_LOT),
    quantity: 1_000n,
    producedAt: now,
    expiresAt: now + YEAR,
    site: 0n,
    docHash: documentHash("batch record MK-2026-002"),
    docURI: "ipfs://batch-records/MK-2026-002",
    inputs: [],
  });
  const { shipment } = await ship(f.ledger, maker, {
    batchId: f.maskBatch,
    toOrgId: f.orgIds.hospital,
    quantity: RECEIVED,
    carrierOrgId: f.orgIds.carrier,
    docHash: documentHash("delivery note 1"),
  });
  await (await f.ledger.connect(carrier).pickUp(shipment)).wait();
  await (await f.ledger.connect(carrier).deliver(shipment)).wait();
  await (await f.ledger.connect(hospital).receiveShipment(shipment, RECEIVED, true)).wait();
  return { ...f, serials, spareBatch, maker, hospital, carrier };
}

/** The mask batch serialised by Northwind (five units), its proof files written to `proofFolder()`. */
export async function serialisedFixture() {
  const f = await loadFixture(stockFixture);
  const tree = SerialTree.build(MASK_GTIN, MASK_LOT, SERIALS);
  await (await f.serials.connect(f.maker).commitSerials(f.maskBatch, tree.root, tree.count)).wait();
  const proofs = proofFolder();
  if (!fs.existsSync(path.join(proofs, "00614141000029"))) await writeProofFiles(tree, proofs);
  return { ...f, tree, proofs };
}

/** Unit SN-0002 dispensed by the hospital. */
export async function dispensedFixture() {
  const f = await loadFixture(serialisedFixture);
  const proof = f.tree.proofOf("SN-0002");
  await (await f.serials.connect(f.hospital).dispense(unitOf(proof), documentHash("sale 1"), proof.proof)).wait();
  return f;
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The task is refused, as one plugin error, with exactly this sentence (or one matching the pattern). */
export async function refused(name: string, args: Record<string, unknown>, message: string | RegExp): Promise<void> {
  await expect(hre.run(name, args)).to.be.rejectedWith(
    HardhatPluginError,
    typeof message === "string" ? new RegExp(`^${escape(message)}$`) : message,
  );
}
