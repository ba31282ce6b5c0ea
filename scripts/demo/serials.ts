/**
 * Demo chapter: unit serials. The maker commits one Merkle root for every pack of a Released batch and publishes one
 * proof file per pack; a pharmacist verifies a pack of masks by its code and sells it; a second pharmacy scans a copied
 * code, which is refused as already dispensed, and files a clone report; a regulator reports it too and blocks the
 * batch as suspect in the same call. A code that was never printed reads NotInBatch.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ethers } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { AllianceRegistry, BatchLedger, SerialRegistry } from "../../typechain-types";
import { documentHash } from "../lib/alliance";
import { formatGtin } from "../lib/gs1";
import { BatchStatus, lot as lotBytes, batchIdOf, ship } from "../lib/trace";
import {
  SerialTree,
  UnitStatus,
  readProofFile,
  serial,
  unitOf,
  writeProofFiles,
  type UnitProofFile,
} from "../lib/serials";

export interface SerialsChapter {
  contracts: {
    registry: AllianceRegistry;
    ledger: BatchLedger;
    /** Deployed on the ledger and registered by the governor as a ledger module. */
    serials: SerialRegistry;
  };
  signers: {
    /** An account of the batch's maker, which holds at least `units` of it. */
    maker: HardhatEthersSigner;
    /** An account of an Active LOGISTICS member, to carry stock to the pharmacies. */
    carrier: HardhatEthersSigner;
    /** The admin of an Active RETAILER (or HOSPITAL) with a registered site: the pharmacist who sells the pack. */
    pharmacy: HardhatEthersSigner;
    /** The admin of another Active RETAILER (or HOSPITAL) with a registered site, where the copy turns up. */
    secondPharmacy: HardhatEthersSigner;
    /** A regulator. */
    regulator: HardhatEthersSigner;
  };
  /** A Released batch whose serials are not committed yet, in the maker's holding. */
  batch: { gtin: bigint; lot: string };
  /** Packs that carry a serial (default 10,000; at most the batch's quantity). */
  units?: number;
  /** Packs shipped to each pharmacy (default 200). */
  stock?: bigint;
  /** Organisation names for the story (the registry keeps names in events only). */
  names?: ReadonlyMap<bigint, string>;
  say: (text: string) => void;
}

/** A quantity as people read it (10,000). */
function n(quantity: bigint | number): string {
  return quantity.toLocaleString("en-US");
}

/** Runs the chapter; returns the committed root. */
export async function serialsChapter({
  contracts,
  signers,
  batch,
  units = 10_000,
  stock = 200n,
  names,
  say,
}: SerialsChapter): Promise<string> {
  const { registry, ledger, serials } = contracts;
  const { maker, carrier, pharmacy, secondPharmacy, regulator } = signers;
  const name = (orgId: bigint) => names?.get(orgId) ?? `organisation #${orgId}`;
  const batchId = batchIdOf(batch.gtin, lotBytes(batch.lot));
  const status = (file: UnitProofFile) =>
    serials.unitStatus(unitOf(file), file.proof).then((s) => UnitStatus[Number(s)]);

  // Every pack gets a serial; the maker commits one root for all of them.
  const printed = Array.from({ length: units }, (_, i) => `P${(7_340_000 + i * 37).toString(36).toUpperCase()}`);
  const tree = SerialTree.build(batch.gtin, batch.lot, printed);
  const commit = await (await serials.connect(maker).commitSerials(batchId, tree.root, tree.count)).wait();
  say(`The maker prints a serial on each of ${n(units)} packs of lot ${batch.lot} (GTIN ${formatGtin(batch.gtin)})`);
  say(`and commits one Merkle root for all of them: ${n(commit!.gasUsed)} gas, whatever the number of packs.`);
  say("From now on the ledger dispenses this batch pack by pack only, each code at most once.");

  const proofs = fs.mkdtempSync(path.join(os.tmpdir(), "medalliance-proofs-"));
  try {
    const written = await writeProofFiles(tree, proofs);
    say(
      `One small proof file per pack (${n(Math.round(written.bytes / written.files))} bytes each) goes to the public`,
    );
    say(`verification site, at /<GTIN>/<lot>/<shard>/<serial>.json, e.g. /${tree.pathOf(printed[4_242])}.`);

    const [pharmacyOrgId] = await registry.membershipOf(pharmacy.address);
    const [secondOrgId] = await registry.membershipOf(secondPharmacy.address);
    const [carrierOrgId] = await registry.membershipOf(carrier.address);
    for (const [account, orgId] of [
      [pharmacy, pharmacyOrgId],
      [secondPharmacy, secondOrgId],
    ] as const) {
      const { shipment } = await ship(ledger, maker, { batchId, toOrgId: orgId, quantity: stock, carrierOrgId });
      await (await ledger.connect(carrier).pickUp(shipment)).wait();
      await (await ledger.connect(account).receiveShipment(shipment, stock, true)).wait();
    }
    say(`${name(pharmacyOrgId)} and ${name(secondOrgId)} each receive ${n(stock)} packs.`);

    // The pharmacist scans a pack: the page fetches its proof file and asks the chain.
    const code = printed[4_242];
    const file = readProofFile(proofs, batch.gtin, batch.lot, code);
    say(`At ${name(pharmacyOrgId)} a customer asks for masks; the pharmacist scans pack ${code}:`);
    say(`  the proof file names unit ${n(file.index)} of ${n(file.count)}; the chain says ${await status(file)}.`);
    await (await serials.connect(pharmacy).dispense(unitOf(file), documentHash("sale 2611-0042"), file.proof)).wait();
    const { dispensed } = await ledger.outflowsOf(batchId);
    say(
      `  she sells it: the pack now reads ${await status(file)}, and the ledger counts ${n(dispensed)} unit dispensed.`,
    );

    // A copy of the same code turns up at the second pharmacy.
    say(`At ${name(secondOrgId)} a pack with the very same code ${code} is scanned: it reads ${await status(file)}.`);
    try {
      await serials
        .connect(secondPharmacy)
        .dispense.staticCall(unitOf(file), documentHash("sale 2611-0077"), file.proof);
      say("  the sale went through (unexpected)");
    } catch (error) {
      const data = (error as { data?: string }).data ?? "0x";
      say(`  the sale is refused (${serials.interface.parseError(data)?.name}): the code is a copy.`);
    }
    const site = await registry.siteGln(secondOrgId, 0);
    const report = {
      unit: unitOf(file),
      place: ethers.zeroPadValue(ethers.toBeHex(site), 32),
      evidenceHash: documentHash("photos of the copied pack and its seller's invoice"),
    };
    await (await serials.connect(secondPharmacy).reportClone(report, file.proof)).wait();
    const [reports, fromMembers] = await serials.cloneReportsOf(batchId);
    say(`The pharmacist files a clone report naming her shop (GLN ${site}) and her photos' hash;`);
    say(`  the batch's public counters: ${n(reports)} report, ${n(fromMembers)} of them from members.`);

    await (
      await serials
        .connect(regulator)
        .reportCloneAndBlock(report, file.proof, documentHash("cloned codes in circulation: batch suspect"))
    ).wait();
    const other = tree.proofOf(printed[17]);
    say("A regulator checks the evidence, files the report too and blocks the batch as suspect in the same call:");
    say(`  the batch is ${BatchStatus[Number(await ledger.batchStatus(batchId))]}, and every pack of it reads`);
    say(`  ${await status(other)} — the one already sold too (${await status(file)}), so its buyer can learn of it.`);

    const fake = { ...unitOf(other), serial: serial("PZZZZZZ") };
    const fakeStatus = UnitStatus[Number(await serials.unitStatus(fake, other.proof))];
    say(`A street-market pack with a made-up code PZZZZZZ reads ${fakeStatus}: a counterfeit.`);
  } finally {
    fs.rmSync(proofs, { recursive: true, force: true });
  }
  return tree.root;
}
