/**
 * Fixtures and oracles of the SerialRegistry suites, built on `custodyFixture`: the registry deployed and registered as
 * a ledger module, the Released mask batch's 300 unit serials built into a tree (committed or not), and stock of the
 * batch at the hospital and the retailer.
 */
import { ethers } from "hardhat";
import type { ContractTransactionResponse } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { SerialRegistry } from "../../typechain-types";
import { documentHash } from "../../scripts/lib/alliance";
import { RecordKind, commission, ship } from "../../scripts/lib/trace";
import { SerialTree, UnitStatus, type UnitArgs, unitOf } from "../../scripts/lib/serials";
import { MASK, batchRequest } from "../helpers/traceFixture";
import { SITE_RETAILER, custodyFixture } from "../helpers/custodyFixture";

/** Units of the fixture's mask batch that carry a serial (two bitmap words and a bit). */
export const UNITS = 300;
/** The history record kind of a commitment. */
export const SERIALS_COMMITTED = RecordKind.SerialsCommitted;
/** What the fixture ships to the hospital and to the retailer. */
export const STOCK = 100n;

export const SALE = documentHash("pharmacy sale 2611-0042");
export const EVIDENCE = documentHash("photos of both packs and the till receipt");
export const SUSPECT = documentHash("regulator: batch suspect, cloned codes reported");
/** Where the copy was seen: the retailer's GLN as bytes32. */
export const PLACE = ethers.zeroPadValue(ethers.toBeHex(SITE_RETAILER), 32);

/** The serials printed on the fixture's masks, in index order. */
export const MASK_SERIALS = Array.from({ length: UNITS }, (_, i) => `NW${i.toString().padStart(8, "0")}`);

/** A unit's `Unit` argument and proof, from the tree (as its proof file gives them). */
export function unitAt(tree: SerialTree, index: number): { unit: UnitArgs; proof: string[] } {
  const file = tree.proofFileAt(index);
  return { unit: unitOf(file), proof: file.proof };
}

/** Dispenses unit `index` as `signer` with the sale reference. */
export function dispenseUnit(
  registry: SerialRegistry,
  tree: SerialTree,
  signer: HardhatEthersSigner,
  index: number,
  reference = SALE,
): Promise<ContractTransactionResponse> {
  const { unit, proof } = unitAt(tree, index);
  return registry.connect(signer).dispense(unit, reference, proof);
}

/** A unit's status read through the registry. */
export async function statusOf(registry: SerialRegistry, tree: SerialTree, index: number): Promise<UnitStatus> {
  const { unit, proof } = unitAt(tree, index);
  return Number(await registry.unitStatus(unit, proof)) as UnitStatus;
}

/** A clone report of unit `index` seen at the retailer's site. */
export function cloneReport(tree: SerialTree, index: number, evidence = EVIDENCE) {
  return { unit: unitAt(tree, index).unit, place: PLACE, evidenceHash: evidence };
}

// ------------------------------------------------------------------------------------------------ fixtures

/**
 * `custodyFixture` plus the SerialRegistry, registered by the governor as a ledger module, and the tree of the
 * Released mask batch's (lot "MK-0100") 300 serials, not committed yet.
 */
export async function serialRegistryFixture() {
  const f = await custodyFixture();
  const serials = await (await ethers.getContractFactory("SerialRegistry")).deploy(await f.ledger.getAddress());
  await serials.waitForDeployment();
  await (await f.ledger.connect(f.governor).setModule(await serials.getAddress(), true)).wait();
  const tree = SerialTree.build(MASK, "MK-0100", MASK_SERIALS);
  if (tree.batchId !== f.maskId) throw new Error("the tree's batch id is not the fixture's batch");
  return { ...f, serials: serials as unknown as SerialRegistry, tree };
}

export type SerialRegistryFixture = Awaited<ReturnType<typeof serialRegistryFixture>>;

/** `serialRegistryFixture` with Northwind's serials committed. */
export async function committedFixture() {
  const f = await serialRegistryFixture();
  await (await f.serials.connect(f.maker).commitSerials(f.tree.batchId, f.tree.root, f.tree.count)).wait();
  return f;
}

export type CommittedFixture = Awaited<ReturnType<typeof committedFixture>>;

/** `committedFixture` with 100 masks received by the hospital and 100 by the retailer. */
export async function stockedFixture() {
  const f = await committedFixture();
  for (const [account, orgId] of [
    [f.hospital, f.hospitalOrgId],
    [f.retailer, f.retailerOrgId],
  ] as const) {
    const { shipment } = await ship(f.ledger, f.maker, {
      batchId: f.maskId,
      toOrgId: orgId,
      quantity: STOCK,
      carrierOrgId: f.carrierOrgId,
    });
    await (await f.ledger.connect(f.carrier).pickUp(shipment)).wait();
    await (await f.ledger.connect(account).receiveShipment(shipment, STOCK, true)).wait();
  }
  return f;
}

export type StockedFixture = Awaited<ReturnType<typeof stockedFixture>>;

/**
 * `stockedFixture` plus a second mask batch (lot "MK-0300", on hold) whose three serials are built but not committed:
 * committing them is the new commitment the pause stops, while the first batch's units are dispensed and reported.
 */
export async function pauseFixture() {
  const f = await stockedFixture();
  await commission(f.ledger, f.maker, await batchRequest(MASK, "MK-0300"));
  return { ...f, newTree: SerialTree.build(MASK, "MK-0300", ["A1", "A2", "A3"]) };
}
