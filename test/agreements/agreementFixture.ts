/**
 * Fixtures and oracles of the supply-agreement suites, built on `custodyFixture`: City General Hospital buys masks
 * from Northwind (the maker, MANUFACTURER), carried by Swift Cold Chain (LOGISTICS). A public-health agency is admitted
 * too. The penalty oracles are written from the README's rules (scripts/lib/agreements.ts mirrors them).
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { ContractTransactionResponse } from "ethers";
import type { FeeOnTransferToken, SupplyAgreements, TestToken } from "../../typechain-types";
import { BusinessRole, documentHash } from "../../scripts/lib/alliance";
import { DAY, admit } from "../../scripts/lib/formation";
import { type Shipment, ship } from "../../scripts/lib/trace";
import {
  type PlainTerms,
  agreementRef,
  buildTerms,
  deployAgreements,
  fund,
  hashTerms,
  propose,
  sign,
} from "../../scripts/lib/agreements";
import { custodyFixture, DOC } from "../helpers/custodyFixture";
import { MASK } from "../helpers/traceFixture";

export const EVIDENCE = documentHash("inspection report: ear loops detached on 40 masks");
export const RULING_REASONS = documentHash("regulator's ruling: the supplier's seams");
export const FM_EVIDENCE = documentHash("port closure order");
export const TOKEN_UNIT = 10n ** 18n;

/** The deployed stack and its named parties; terms default to ETH with a hand-over deadline ten days out. */
export async function agreementFixture() {
  const f = await custodyFixture();
  const agencyAccount = f.freeAccounts[5];
  const agencyOrg = await admit(
    f.registry,
    agencyAccount,
    { name: "National Health Reserve", role: BusinessRole.Agency, licenceExpiry: f.licenceExpiry },
    [f.regulatorA, f.regulatorB],
  );
  const agreements: SupplyAgreements = await deployAgreements(
    f.governor,
    await f.registry.getAddress(),
    await f.ledger.getAddress(),
  );
  const token: TestToken = await (await ethers.getContractFactory("TestToken")).deploy("Health Dollar", "HUSD", 18);
  const feeToken: FeeOnTransferToken = await (await ethers.getContractFactory("FeeOnTransferToken")).deploy(100);
  await (await agreements.connect(f.governor).setAssetApproved(await token.getAddress(), true)).wait();
  await (await agreements.connect(f.governor).setAssetApproved(await feeToken.getAddress(), true)).wait();
  for (const account of [f.hospital, f.maker, f.carrier, agencyAccount]) {
    for (const t of [token, feeToken]) {
      await (await t.mint(account.address, 1_000_000n * TOKEN_UNIT)).wait();
      await (await t.connect(account).approve(await agreements.getAddress(), ethers.MaxUint256)).wait();
    }
  }
  const deadline = BigInt(await time.latest()) + 10n * DAY;
  const terms = buildTerms({
    buyerOrgId: f.hospitalOrgId,
    supplierOrgId: f.makerOrgId,
    carrierOrgId: f.carrierOrgId,
    gtin: MASK,
    handOverDeadline: deadline,
  });
  return {
    ...f,
    freeAccounts: f.freeAccounts.slice(0, 5),
    agency: agencyAccount,
    agencyOrgId: agencyOrg.orgId,
    agreements,
    token,
    feeToken,
    terms,
    deadline,
  };
}

export type AgreementFixture = Awaited<ReturnType<typeof agreementFixture>>;

/** The fixture's terms, proposed by the hospital: agreement 1. */
export async function proposedFixture() {
  const f = await agreementFixture();
  const id = await propose(f.agreements, f.hospital, f.terms);
  return { ...f, id };
}

export type ProposedFixture = Awaited<ReturnType<typeof proposedFixture>>;

/** Signed by the supplier and the carrier, not funded. */
export async function signedFixture() {
  const f = await proposedFixture();
  await (await sign(f.agreements, f.maker, f.id, f.terms, f.terms.supplierCollateral)).wait();
  await (await sign(f.agreements, f.carrier, f.id, f.terms, f.terms.carrierCollateral)).wait();
  return f;
}

/** Funded: the agreement is Active. */
export async function activeFixture() {
  const f = await signedFixture();
  await (await fund(f.agreements, f.hospital, f.id, f.terms)).wait();
  return f;
}

export type ActiveFixture = Awaited<ReturnType<typeof activeFixture>>;

/** Proposes, signs and funds `terms` on an existing fixture; returns the new id. */
export async function activate(f: AgreementFixture, terms: PlainTerms, buyer = f.hospital): Promise<bigint> {
  const id = await propose(f.agreements, buyer, terms);
  await (await sign(f.agreements, f.maker, id, terms, terms.supplierCollateral)).wait();
  await (await sign(f.agreements, f.carrier, id, terms, terms.carrierCollateral)).wait();
  await (await fund(f.agreements, buyer, id, terms)).wait();
  return id;
}

/** Runs `send` in a block mined at exactly `at` (when given). */
export async function at<T>(when: bigint | undefined, send: () => Promise<T>): Promise<T> {
  if (when !== undefined) await time.setNextBlockTimestamp(when);
  return send();
}

/** The time of the block that mined `tx`. */
export async function timeOf(tx: ContractTransactionResponse): Promise<bigint> {
  const receipt = await tx.wait();
  return BigInt((await ethers.provider.getBlock(receipt!.blockNumber))!.timestamp);
}

export interface DeliveryPlan {
  quantity?: bigint;
  /** Hand-over (ship) time. */
  shipAt?: bigint;
  /** Pick-up time; `null` for no pick-up record. */
  pickUpAt?: bigint | null;
  /** Delivery record time; `null` for none. */
  deliverAt?: bigint | null;
  /** Receipt time; `null` for no receipt. */
  receiveAt?: bigint | null;
  /** Quantity received (default: all). */
  received?: bigint;
  /** Which agreement the shipment names (default `f.id`). */
  agreementId?: bigint;
  batchId?: string;
}

/** Ships under the agreement, picks up, delivers and receives at the planned times; returns the shipment. */
export async function deliver(
  f: ProposedFixture,
  plan: DeliveryPlan = {},
): Promise<{ shipment: Shipment; shipmentId: string }> {
  const quantity = plan.quantity ?? f.terms.quantity;
  const ref = agreementRef(await f.agreements.getAddress(), plan.agreementId ?? f.id);
  const shipped = await at(plan.shipAt, () =>
    ship(f.ledger, f.maker, {
      batchId: plan.batchId ?? f.maskId,
      toOrgId: f.hospitalOrgId,
      quantity,
      carrierOrgId: f.carrierOrgId,
      ref,
      docHash: DOC,
    }),
  );
  if (plan.pickUpAt !== null) {
    await at(plan.pickUpAt, async () => (await f.ledger.connect(f.carrier).pickUp(shipped.shipment)).wait());
  }
  if (plan.deliverAt !== null && plan.pickUpAt !== null) {
    await at(plan.deliverAt, async () => (await f.ledger.connect(f.carrier).deliver(shipped.shipment)).wait());
  }
  if (plan.receiveAt !== null) {
    await at(plan.receiveAt, async () =>
      (await f.ledger.connect(f.hospital).receiveShipment(shipped.shipment, plan.received ?? quantity, true)).wait(),
    );
  }
  return shipped;
}

/** Delivers and records the delivery with the agreement. */
export async function deliverAndRecord(f: ProposedFixture, plan: DeliveryPlan = {}, terms = f.terms) {
  const shipped = await deliver(f, plan);
  const tx = await f.agreements.recordDelivery(plan.agreementId ?? f.id, terms, shipped.shipment);
  return { ...shipped, tx };
}

/** The agreement's view as a plain object. */
export async function viewOf(f: AgreementFixture, id: bigint) {
  return f.agreements.agreement(id);
}

/** Asserts the custom error with its arguments. */
export async function expectError(
  f: AgreementFixture,
  tx: Promise<unknown>,
  name: string,
  ...args: unknown[]
): Promise<void> {
  if (args.length === 0) await expect(tx).to.be.revertedWithCustomError(f.agreements, name);
  else
    await expect(tx)
      .to.be.revertedWithCustomError(f.agreements, name)
      .withArgs(...args);
}

export { hashTerms, DAY };

/** Active, with the whole quantity handed over on time, delivered and received; `receivedAt` starts inspection. */
export async function deliveredFixture() {
  const f = await activeFixture();
  const D = f.deadline;
  const recorded = await deliverAndRecord(f, {
    shipAt: D - 2n * DAY,
    pickUpAt: D - DAY,
    deliverAt: D,
    receiveAt: D + 3600n,
  });
  return { ...f, ...recorded, receivedAt: D + 3600n };
}

export type DeliveredFixture = Awaited<ReturnType<typeof deliveredFixture>>;

/** Delivered, with a claim for 40 masks filed a minute after receipt; `filedAt` starts the ruling window. */
export async function claimedFixture() {
  const f = await deliveredFixture();
  const filedAt = f.receivedAt + 60n;
  await at(filedAt, async () =>
    (await f.agreements.connect(f.hospital).fileClaim(f.id, f.terms, 40n, EVIDENCE)).wait(),
  );
  return { ...f, filedAt };
}

export type ClaimedFixture = Awaited<ReturnType<typeof claimedFixture>>;

/** Claimed and ruled against the supplier; the buyer owes a return of 40 masks. */
export async function rejectedFixture() {
  const f = await claimedFixture();
  const ruledAt = await timeOf(await f.agreements.connect(f.regulatorA).ruleClaim(f.id, f.terms, 1, RULING_REASONS));
  return { ...f, ruledAt };
}

/** The hospital ships `quantity` masks back to Northwind under the agreement's reference. */
export async function shipBack(f: ProposedFixture, quantity: bigint, toOrgId?: bigint, agreementId?: bigint) {
  return ship(f.ledger, f.hospital, {
    batchId: f.maskId,
    toOrgId: toOrgId ?? f.makerOrgId,
    quantity,
    carrierOrgId: f.carrierOrgId,
    ref: agreementRef(await f.agreements.getAddress(), agreementId ?? f.id),
    docHash: DOC,
  });
}

/**
 * The hospital ships `quantity` masks back to Northwind and Northwind receives `received` of them (default: all):
 * a return the supplier has, ready to record.
 */
export async function returnReceived(f: ProposedFixture, quantity: bigint, received = quantity) {
  const shipped = await shipBack(f, quantity);
  await (await f.ledger.connect(f.maker).receiveShipment(shipped.shipment, received, true)).wait();
  return shipped;
}

/** When rejected goods ruled (or lapsed) at `at` must be back: the inspection window plus the receipt window. */
export async function returnByOf(f: ProposedFixture, at: bigint, terms = f.terms): Promise<bigint> {
  return at + terms.inspectionWindow + (await f.ledger.receiptWindow());
}
