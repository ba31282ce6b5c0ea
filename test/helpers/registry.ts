/** Small actions on the alliance registry that many suites need, and a check that a refused call changed nothing. */
import { expect } from "chai";
import { ethers } from "hardhat";
import { setBalance } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { Signer } from "ethers";
import type { AllianceRegistry } from "../../typechain-types";
import { AccountKind, MotionKind, documentHash } from "../../scripts/lib/alliance";

/** A written reason's hash, as regulators pass it. */
export const REASON = documentHash("written reasons of the regulator");

/** `admin` invites `account` into its organisation as `kind` and `account` accepts. */
export async function joinOrganisation(
  registry: AllianceRegistry,
  admin: Signer,
  account: Signer,
  kind: AccountKind,
): Promise<void> {
  const [orgId] = await registry.membershipOf(await admin.getAddress());
  await (await registry.connect(admin).inviteAccount(await account.getAddress(), kind)).wait();
  await (await registry.connect(account).acceptInvitation(orgId)).wait();
}

/** The organisation `account` belongs to (0 when none). */
export async function orgIdOf(registry: AllianceRegistry, account: Signer | string): Promise<bigint> {
  const address = typeof account === "string" ? account : await account.getAddress();
  const [orgId] = await registry.membershipOf(address);
  return orgId;
}

/** A regulator suspends the organisation. */
export async function suspend(registry: AllianceRegistry, regulator: Signer, orgId: bigint): Promise<void> {
  await (await registry.connect(regulator).suspendOrganisation(orgId, REASON)).wait();
}

/** The first `quorum()` of `regulators` approve revoking the organisation. */
export async function revoke(registry: AllianceRegistry, regulators: Signer[], orgId: bigint): Promise<void> {
  const needed = Number(await registry.quorum());
  for (const regulator of regulators.slice(0, needed)) {
    await (await registry.connect(regulator).approveRevocation(orgId, REASON)).wait();
  }
}

/** `count` funded accounts that belong to nobody (beyond Hardhat's twenty configured signers). */
export async function freshSigners(count: number): Promise<HardhatEthersSigner[]> {
  const signers: HardhatEthersSigner[] = [];
  for (let i = 0; i < count; i++) {
    const address = ethers.Wallet.createRandom().address;
    await setBalance(address, ethers.parseEther("10"));
    signers.push(await ethers.getImpersonatedSigner(address));
  }
  return signers;
}

/** `count` addresses nobody controls (for seats that never sign). */
export function randomAddresses(count: number): string[] {
  return Array.from({ length: count }, () => ethers.Wallet.createRandom().address);
}

/**
 * Reads `state`, runs `refused` (which asserts its own revert), reads `state` again and asserts it is unchanged:
 * a refused call must leave no trace.
 */
export async function expectNoStateChange<T>(state: () => Promise<T>, refused: () => Promise<void>): Promise<void> {
  const before = await state();
  await refused();
  expect(await state()).to.deep.equal(before);
}

/** What a suite usually reads back about an organisation, as plain values (safe for deep equality). */
export async function organisationSnapshot(registry: AllianceRegistry, orgId: bigint) {
  const org = await registry.organisation(orgId);
  return {
    admin: org.admin,
    licenceHash: org.licenceHash,
    licenceExpiry: org.licenceExpiry,
    roles: org.roles,
    status: org.status,
    siteCount: org.siteCount,
    accountCount: org.accountCount,
    accounts: [...(await registry.accountsOf(orgId))],
    sites: [...(await registry.sitesOf(orgId))],
    renewal: [...(await registry.pendingLicenceRenewal(orgId))],
  };
}

const coder = ethers.AbiCoder.defaultAbiCoder();

/** An application's motion id computed off chain: keccak256(abi.encode(MotionKind.Application, orgId, role, nonce, prefixes)). */
export function expectedApplicationId(orgId: bigint, role: number, nonce: number, prefixes: bigint[]): string {
  return ethers.keccak256(
    coder.encode(
      ["uint8", "uint32", "uint8", "uint16", "uint64[]"],
      [MotionKind.Application, orgId, role, nonce, prefixes],
    ),
  );
}

/** The revocation motion id computed off chain. */
export function expectedRevocationId(orgId: bigint): string {
  return ethers.keccak256(coder.encode(["uint8", "uint32"], [MotionKind.Revocation, orgId]));
}

/** The admin-replacement motion id computed off chain. */
export function expectedAdminReplacementId(orgId: bigint, currentAdmin: string, newAdmin: string): string {
  return ethers.keccak256(
    coder.encode(
      ["uint8", "uint32", "address", "address"],
      [MotionKind.AdminReplacement, orgId, currentAdmin, newAdmin],
    ),
  );
}

/** A motion as plain values. */
export async function motionSnapshot(registry: AllianceRegistry, motionId: string) {
  const m = await registry.motion(motionId);
  return {
    kind: m.kind,
    status: m.status,
    orgId: m.orgId,
    role: m.role,
    createdAt: m.createdAt,
    approvals: m.approvals,
    quorum: m.quorum,
  };
}
