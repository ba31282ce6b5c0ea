/**
 * Shared behaviour suites for role gating and the pause, in the manner of OpenZeppelin's `shouldBehaveLikeAccessControl`.
 *
 * Every MedAlliance contract built on `AllianceGated` reuses `shouldBehaveLikeAllianceGated` for each gated function and
 * `shouldRespectAlliancePause` for each new commitment. The registry's own governance restrictions use
 * `shouldBeRestrictedTo`.
 *
 * Each suite takes a `load` function (wrap `loadFixture` so every test starts from the same snapshot), a `context`
 * mapping the suite's fixture to the accounts the behaviour needs, and a `send` that performs the call from a signer.
 * `send` must send exactly one transaction (some tests pin its block timestamp) and may be called twice in a test
 * when a refusal is followed by its remedy, so it should not rely on state it changes itself.
 */
import { expect } from "chai";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { BaseContract, ContractTransactionResponse } from "ethers";
import type { AllianceRegistry } from "../../typechain-types";
import {
  AccountKind,
  DEFAULT_ADMIN_ROLE,
  GUARDIAN_ROLE,
  REGULATOR_ROLE,
  documentHash,
  roleNames,
} from "../../scripts/lib/alliance";
import { YEAR } from "../../scripts/lib/formation";
import { REASON, joinOrganisation, orgIdOf, revoke, suspend } from "./registry";

type Sender = HardhatEthersSigner;
type Send<F> = (f: F, signer: Sender) => Promise<ContractTransactionResponse>;

// ------------------------------------------------------------------------------------------------ assertions

/** Asserts that `tx` reverted with the gate's `AllianceUnauthorized(account, roleMask)`. */
export async function expectAllianceUnauthorized(
  tx: Promise<unknown>,
  gate: BaseContract,
  account: string,
  roleMask: number | bigint,
): Promise<void> {
  await expect(tx).to.be.revertedWithCustomError(gate, "AllianceUnauthorized").withArgs(account, roleMask);
}

/** Asserts that `tx` reverted with OpenZeppelin's `AccessControlUnauthorizedAccount(account, role)`. */
export async function expectMissingRole(
  tx: Promise<unknown>,
  contract: BaseContract,
  account: string,
  role: string,
): Promise<void> {
  await expect(tx).to.be.revertedWithCustomError(contract, "AccessControlUnauthorizedAccount").withArgs(account, role);
}

/** Asserts that `tx` reverted with `AllianceNotOrganisationAdmin(account)`. */
export async function expectNotOrganisationAdmin(
  tx: Promise<unknown>,
  registry: AllianceRegistry,
  account: string,
): Promise<void> {
  await expect(tx).to.be.revertedWithCustomError(registry, "AllianceNotOrganisationAdmin").withArgs(account);
}

// ------------------------------------------------------------------------------------------------ the alliance gate

/** The accounts `shouldBehaveLikeAllianceGated` needs, taken from the suite's fixture. */
export interface GateContext {
  registry: AllianceRegistry;
  /** At least a quorum of regulators. */
  regulators: Sender[];
  /** The admin of an organisation admitted to a role of the mask (Active, licence valid). */
  member: Sender;
  /** The admin of an Active organisation admitted to no role of the mask. */
  outsider: Sender;
  /** The admin of a registered organisation whose application is still pending (optional). */
  applicant?: Sender;
  /** At least three accounts that belong to no organisation and hold no governance role. */
  freeAccounts: Sender[];
}

export interface GatedCallSpec<F> {
  /** Loads the suite's fixture (wrap `loadFixture`). */
  load: () => Promise<F>;
  context: (f: F) => GateContext;
  /** The contract whose ABI declares `AllianceUnauthorized` (the gated contract). */
  gate: (f: F) => BaseContract;
  /** The role mask the call demands, as the error reports it. */
  roleMask: number;
  /** Sends the gated call from `signer`. */
  send: Send<F>;
  /** Extra assertions on an accepted call (by default: it did not revert). */
  whenAccepted?: (f: F, signer: Sender, tx: ContractTransactionResponse) => Promise<void>;
}

/**
 * The permission rule of DESIGN section 1, for one gated call: an account acts only as the admin or an operator of an
 * organisation admitted to one of the roles, neither suspended nor revoked, with an unexpired licence. Everyone else
 * is refused with `AllianceUnauthorized(account, roleMask)`.
 */
export function shouldBehaveLikeAllianceGated<F>(spec: GatedCallSpec<F>): void {
  const mask = spec.roleMask;
  const roles = roleNames(mask).join(" or ") || "no role";

  async function accepted(f: F, signer: Sender): Promise<void> {
    const tx = spec.send(f, signer);
    await expect(tx).not.to.be.reverted;
    if (spec.whenAccepted) await spec.whenAccepted(f, signer, await tx);
  }

  async function refused(f: F, signer: Sender): Promise<void> {
    await expectAllianceUnauthorized(spec.send(f, signer), spec.gate(f), signer.address, mask);
  }

  async function renewLicence(ctx: GateContext): Promise<void> {
    const { registry, member, regulators } = ctx;
    const licenceHash = documentHash(`renewed licence of ${member.address}`);
    const expiry = BigInt(await time.latest()) + YEAR;
    await (await registry.connect(member).proposeLicenceRenewal(licenceHash, "ipfs://renewed", expiry)).wait();
    await (
      await registry.connect(regulators[0]).approveLicenceRenewal(await orgIdOf(registry, member), licenceHash)
    ).wait();
  }

  describe(`gated to ${roles} (mask ${mask})`, () => {
    it("accepts the admin of an organisation admitted to the role", async () => {
      const f = await spec.load();
      await accepted(f, spec.context(f).member);
    });

    it("accepts an operator of an organisation admitted to the role", async () => {
      const f = await spec.load();
      const { registry, member, freeAccounts } = spec.context(f);
      const operator = freeAccounts[0];
      await joinOrganisation(registry, member, operator, AccountKind.Operator);
      await accepted(f, operator);
    });

    it("refuses an account that belongs to no organisation", async () => {
      const f = await spec.load();
      await refused(f, spec.context(f).freeAccounts[0]);
    });

    it("refuses a regulator, who never acts for an organisation", async () => {
      const f = await spec.load();
      await refused(f, spec.context(f).regulators[0]);
    });

    it("refuses a device key of an organisation admitted to the role", async () => {
      const f = await spec.load();
      const { registry, member, freeAccounts } = spec.context(f);
      const device = freeAccounts[1];
      await joinOrganisation(registry, member, device, AccountKind.Device);
      await refused(f, device);
    });

    it("refuses an operator once the admin has removed it", async () => {
      const f = await spec.load();
      const { registry, member, freeAccounts } = spec.context(f);
      const operator = freeAccounts[0];
      await joinOrganisation(registry, member, operator, AccountKind.Operator);
      await (await registry.connect(member).removeAccount(operator.address)).wait();
      await refused(f, operator);
    });

    it("refuses an invited account that has not accepted yet", async () => {
      const f = await spec.load();
      const { registry, member, freeAccounts } = spec.context(f);
      await (await registry.connect(member).inviteAccount(freeAccounts[2].address, AccountKind.Operator)).wait();
      await refused(f, freeAccounts[2]);
    });

    it("refuses the admin of an organisation admitted to other roles only", async () => {
      const f = await spec.load();
      await refused(f, spec.context(f).outsider);
    });

    it("refuses an operator of an organisation admitted to other roles only", async () => {
      const f = await spec.load();
      const { registry, outsider, freeAccounts } = spec.context(f);
      await joinOrganisation(registry, outsider, freeAccounts[0], AccountKind.Operator);
      await refused(f, freeAccounts[0]);
    });

    it("refuses the admin of an organisation whose application is still pending", async function () {
      const f = await spec.load();
      const { applicant } = spec.context(f);
      if (!applicant) this.skip();
      await refused(f, applicant!);
    });

    it("refuses a suspended organisation's admin and operator, and accepts them once reinstated", async () => {
      const f = await spec.load();
      const { registry, member, regulators, freeAccounts } = spec.context(f);
      const operator = freeAccounts[0];
      await joinOrganisation(registry, member, operator, AccountKind.Operator);
      const orgId = await orgIdOf(registry, member);
      await suspend(registry, regulators[0], orgId);
      await refused(f, member);
      await refused(f, operator);
      await (await registry.connect(regulators[0]).reinstateOrganisation(orgId)).wait();
      await accepted(f, member);
    });

    it("refuses a revoked organisation's admin and operator", async () => {
      const f = await spec.load();
      const { registry, member, regulators, freeAccounts } = spec.context(f);
      const operator = freeAccounts[0];
      await joinOrganisation(registry, member, operator, AccountKind.Operator);
      await revoke(registry, regulators, await orgIdOf(registry, member));
      await refused(f, member);
      await refused(f, operator);
    });

    it("accepts the organisation in the last second of its licence", async () => {
      const f = await spec.load();
      const { registry, member } = spec.context(f);
      const { licenceExpiry } = await registry.organisation(await orgIdOf(registry, member));
      await time.setNextBlockTimestamp(licenceExpiry - 1n);
      await accepted(f, member);
    });

    it("refuses the organisation from the second its licence expires, with no transaction needed", async () => {
      const f = await spec.load();
      const { registry, member } = spec.context(f);
      const { licenceExpiry } = await registry.organisation(await orgIdOf(registry, member));
      await time.setNextBlockTimestamp(licenceExpiry);
      await refused(f, member);
    });

    it("refuses an organisation with an expired licence until a regulator approves its renewal", async () => {
      const f = await spec.load();
      const ctx = spec.context(f);
      const { licenceExpiry } = await ctx.registry.organisation(await orgIdOf(ctx.registry, ctx.member));
      await time.increaseTo(licenceExpiry + 1n);
      await refused(f, ctx.member);
      await renewLicence(ctx);
      await accepted(f, ctx.member);
    });

    it("refuses the previous admin once the organisation is handed over", async () => {
      const f = await spec.load();
      const { registry, member, freeAccounts } = spec.context(f);
      const successor = freeAccounts[2];
      await joinOrganisation(registry, member, successor, AccountKind.Admin);
      await refused(f, member);
      await accepted(f, successor);
    });
  });
}

// ------------------------------------------------------------------------------------------------ the pause

export interface PauseContext {
  registry: AllianceRegistry;
  governor: Sender;
  guardian: Sender;
}

export interface PausedCommitmentSpec<F> {
  load: () => Promise<F>;
  context: (f: F) => PauseContext;
  /** The contract whose ABI declares `AlliancePaused`. */
  gate: (f: F) => BaseContract;
  /** An account permitted to make the commitment. */
  actor: (f: F) => Sender;
  /** Makes a new commitment from `signer`. */
  commit: Send<F>;
  /** Calls that must go on while paused: performance of existing commitments, safety actions, withdrawals. */
  goesOn?: { title: string; send: (f: F) => Promise<ContractTransactionResponse> }[];
}

/** DESIGN "Pause": a pause stops new commitments only, and only the governor lifts it. */
export function shouldRespectAlliancePause<F>(spec: PausedCommitmentSpec<F>): void {
  async function pause(f: F): Promise<void> {
    const { registry, guardian } = spec.context(f);
    await (await registry.connect(guardian).pause()).wait();
  }

  describe("alliance pause", () => {
    it("refuses a new commitment with AlliancePaused while the alliance is paused", async () => {
      const f = await spec.load();
      await pause(f);
      await expect(spec.commit(f, spec.actor(f))).to.be.revertedWithCustomError(spec.gate(f), "AlliancePaused");
    });

    it("accepts new commitments again once the governor unpauses", async () => {
      const f = await spec.load();
      const { registry, governor } = spec.context(f);
      await pause(f);
      await expect(spec.commit(f, spec.actor(f))).to.be.revertedWithCustomError(spec.gate(f), "AlliancePaused");
      await (await registry.connect(governor).unpause()).wait();
      await expect(spec.commit(f, spec.actor(f))).not.to.be.reverted;
    });

    for (const { title, send } of spec.goesOn ?? []) {
      it(`${title} while the alliance is paused`, async () => {
        const f = await spec.load();
        await pause(f);
        expect(await spec.context(f).registry.paused()).to.equal(true);
        await expect(send(f)).not.to.be.reverted;
      });
    }
  });
}

// ------------------------------------------------------------------------------------------------ registry restrictions

/** The accounts `shouldBeRestrictedTo` needs, taken from the suite's fixture. */
export interface RegistryRolesContext {
  registry: AllianceRegistry;
  governor: Sender;
  guardian: Sender;
  /** Current regulators; when there are more than the quorum, the last one is removed to test a former regulator. */
  regulators: Sender[];
  /** The admin of an admitted organisation. */
  admin: Sender;
  /** At least two accounts that belong to no organisation and hold no governance role. */
  freeAccounts: Sender[];
}

export type Restriction = "governor" | "guardian" | "regulator" | "organisation admin";

export interface RestrictedCallSpec<F> {
  load: () => Promise<F>;
  context: (f: F) => RegistryRolesContext;
  send: Send<F>;
  /**
   * The contract whose ABI declares the error (default: the registry). Gated contracts that use
   * `onlyRegulator` / `onlyGovernor` answer with the same `AccessControlUnauthorizedAccount(account, role)`.
   */
  errorsFrom?: (f: F) => BaseContract;
}

interface Refusal {
  label: string;
  /** Prepares and returns the refused account. */
  who: (ctx: RegistryRolesContext) => Promise<Sender>;
}

const ROLE_OF: Record<Exclude<Restriction, "organisation admin">, string> = {
  governor: DEFAULT_ADMIN_ROLE,
  guardian: GUARDIAN_ROLE,
  regulator: REGULATOR_ROLE,
};

const stranger: Refusal = { label: "an account with no role", who: async (c) => c.freeAccounts[0] };
const orgAdmin: Refusal = { label: "an organisation's admin", who: async (c) => c.admin };
const governorRefusal: Refusal = { label: "the governor", who: async (c) => c.governor };
const guardianRefusal: Refusal = { label: "a guardian", who: async (c) => c.guardian };
const regulatorRefusal: Refusal = { label: "a regulator", who: async (c) => c.regulators[0] };
const operatorRefusal: Refusal = {
  label: "an operator of the organisation",
  who: async (c) => {
    await joinOrganisation(c.registry, c.admin, c.freeAccounts[1], AccountKind.Operator);
    return c.freeAccounts[1];
  },
};
const deviceRefusal: Refusal = {
  label: "a device key of the organisation",
  who: async (c) => {
    await joinOrganisation(c.registry, c.admin, c.freeAccounts[1], AccountKind.Device);
    return c.freeAccounts[1];
  },
};
const formerAdminRefusal: Refusal = {
  label: "the previous admin once the organisation is handed over",
  who: async (c) => {
    await joinOrganisation(c.registry, c.admin, c.freeAccounts[1], AccountKind.Admin);
    return c.admin;
  },
};
const formerRegulatorRefusal: Refusal = {
  label: "a regulator the governor has removed",
  who: async (c) => {
    const former = c.regulators[c.regulators.length - 1];
    await (await c.registry.connect(c.governor).revokeRole(REGULATOR_ROLE, former.address)).wait();
    return former;
  },
};

const REFUSED: Record<Restriction, Refusal[]> = {
  governor: [stranger, orgAdmin, regulatorRefusal, guardianRefusal],
  guardian: [stranger, orgAdmin, regulatorRefusal, governorRefusal],
  regulator: [stranger, orgAdmin, governorRefusal, guardianRefusal, formerRegulatorRefusal],
  "organisation admin": [
    stranger,
    operatorRefusal,
    deviceRefusal,
    formerAdminRefusal,
    regulatorRefusal,
    governorRefusal,
  ],
};

/**
 * A function restricted to one kind of account refuses every other kind: governance roles with
 * `AccessControlUnauthorizedAccount(account, role)` (the registry's own functions, and gated contracts'
 * `onlyRegulator` / `onlyGovernor`), organisation-admin functions with `AllianceNotOrganisationAdmin(account)`.
 */
export function shouldBeRestrictedTo<F>(restriction: Restriction, spec: RestrictedCallSpec<F>): void {
  describe(`restricted to the ${restriction}`, () => {
    for (const refusal of REFUSED[restriction]) {
      it(`refuses ${refusal.label}`, async () => {
        const f = await spec.load();
        const ctx = spec.context(f);
        if (refusal === formerRegulatorRefusal && ctx.regulators.length <= Number(await ctx.registry.quorum())) {
          throw new Error("shouldBeRestrictedTo: give more regulators than the quorum");
        }
        const signer = await refusal.who(ctx);
        const tx = spec.send(f, signer);
        const errors = spec.errorsFrom ? spec.errorsFrom(f) : ctx.registry;
        if (restriction === "organisation admin") {
          await expect(tx)
            .to.be.revertedWithCustomError(errors, "AllianceNotOrganisationAdmin")
            .withArgs(signer.address);
        } else {
          await expectMissingRole(tx, errors, signer.address, ROLE_OF[restriction]);
        }
      });
    }
  });
}

export { REASON };
