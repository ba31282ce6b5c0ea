import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { AllianceFixture, allianceFixture, rolesContext } from "../helpers/fixtures";
import {
  GateContext,
  PauseContext,
  expectAllianceUnauthorized,
  expectMissingRole,
  shouldBeRestrictedTo,
  shouldBehaveLikeAllianceGated,
  shouldRespectAlliancePause,
} from "../helpers/behaviours";
import { AccountKind, BusinessRole, DEFAULT_ADMIN_ROLE, REGULATOR_ROLE, roleMask } from "../../scripts/lib/alliance";
import { DEFAULT_GOVERNOR_TRANSFER_DELAY, admit } from "../../scripts/lib/formation";
import { REASON, joinOrganisation, revoke, suspend } from "../helpers/registry";

const MANUFACTURER = roleMask(BusinessRole.Manufacturer);
const MAKERS = roleMask(BusinessRole.Supplier, BusinessRole.Manufacturer);
const CARRY_OR_CARE = roleMask(BusinessRole.Logistics, BusinessRole.Hospital);

const load = () => loadFixture(allianceFixture);
const pauseContext = (f: AllianceFixture): PauseContext => f;

/** The gate seen with the maker as the admitted member and the hospital as an organisation outside the mask. */
const makerGate = (f: AllianceFixture): GateContext => ({
  registry: f.registry,
  regulators: f.regulators,
  member: f.maker,
  outsider: f.hospital,
  applicant: f.applicant,
  freeAccounts: f.others,
});

/** The gate seen with the carrier as the admitted member and the maker outside the mask. */
const carrierGate = (f: AllianceFixture): GateContext => ({
  registry: f.registry,
  regulators: f.regulators,
  member: f.carrier,
  outsider: f.maker,
  applicant: f.applicant,
  freeAccounts: f.others,
});

describe("AllianceGated (through GatedProbe)", () => {
  describe("deployment", () => {
    it("refuses a zero registry address with AllianceRegistryMissing", async () => {
      const factory = await ethers.getContractFactory("GatedProbe");
      await expect(factory.deploy(ethers.ZeroAddress)).to.be.revertedWithCustomError(
        factory,
        "AllianceRegistryMissing",
      );
    });

    it("exposes the registry it asks", async () => {
      const f = await load();
      expect(await f.probe.alliance()).to.equal(await f.registry.getAddress());
    });
  });

  describe("act (performance of an existing commitment), maker role", () => {
    shouldBehaveLikeAllianceGated({
      load,
      context: makerGate,
      gate: (f) => f.probe,
      roleMask: MANUFACTURER,
      send: (f, signer) => f.probe.connect(signer).act(MANUFACTURER),
      whenAccepted: async (f, signer, tx) => {
        await expect(tx).to.emit(f.probe, "Acted").withArgs(signer.address);
      },
    });
  });

  describe("act, any of the makers' roles", () => {
    shouldBehaveLikeAllianceGated({
      load,
      context: (f) => ({ ...makerGate(f), outsider: f.carrier }),
      gate: (f) => f.probe,
      roleMask: MAKERS,
      send: (f, signer) => f.probe.connect(signer).act(MAKERS),
    });
  });

  describe("commit (a new commitment), carrier or hospital roles", () => {
    shouldBehaveLikeAllianceGated({
      load,
      context: carrierGate,
      gate: (f) => f.probe,
      roleMask: CARRY_OR_CARE,
      send: (f, signer) => f.probe.connect(signer).commit(CARRY_OR_CARE),
      whenAccepted: async (f, signer, tx) => {
        await expect(tx).to.emit(f.probe, "Committed").withArgs(signer.address);
      },
    });

    shouldRespectAlliancePause({
      load,
      context: pauseContext,
      gate: (f) => f.probe,
      actor: (f) => f.carrier,
      commit: (f, signer) => f.probe.connect(signer).commit(CARRY_OR_CARE),
      goesOn: [
        {
          title: "lets a member perform an existing commitment",
          send: (f) => f.probe.connect(f.carrier).act(CARRY_OR_CARE),
        },
        { title: "lets anyone collect a withdrawal", send: (f) => f.probe.connect(f.others[0]).collect() },
      ],
    });
  });

  describe("regulate (onlyRegulator)", () => {
    it("accepts a current regulator", async () => {
      const f = await load();
      for (const regulator of f.regulators) {
        await expect(f.probe.connect(regulator).regulate()).to.emit(f.probe, "Regulated").withArgs(regulator.address);
        expect(await f.probe.isRegulator(regulator.address)).to.equal(true);
      }
    });

    it("accepts a newly appointed regulator at once", async () => {
      const f = await load();
      await f.registry.connect(f.governor).grantRole(REGULATOR_ROLE, f.others[0].address);
      expect(await f.probe.isRegulator(f.others[0].address)).to.equal(true);
      await expect(f.probe.connect(f.others[0]).regulate()).to.emit(f.probe, "Regulated");
    });

    it("answers isRegulator false for members and governance accounts that are not regulators", async () => {
      const f = await load();
      for (const account of [f.maker, f.governor, f.guardian, f.others[0]]) {
        expect(await f.probe.isRegulator(account.address)).to.equal(false);
      }
    });

    shouldBeRestrictedTo("regulator", {
      load,
      context: rolesContext,
      errorsFrom: (f) => f.probe,
      send: (f, signer) => f.probe.connect(signer).regulate(),
    });
  });

  describe("govern (onlyGovernor)", () => {
    it("accepts the governor, and follows a governor hand-over", async () => {
      const f = await load();
      await expect(f.probe.connect(f.governor).govern()).to.emit(f.probe, "Governed").withArgs(f.governor.address);
      const successor = f.others[0];
      await f.registry.connect(f.governor).beginDefaultAdminTransfer(successor.address);
      await time.increase(DEFAULT_GOVERNOR_TRANSFER_DELAY + 1n);
      await f.registry.connect(successor).acceptDefaultAdminTransfer();
      await expect(f.probe.connect(successor).govern()).to.emit(f.probe, "Governed").withArgs(successor.address);
      await expectMissingRole(f.probe.connect(f.governor).govern(), f.probe, f.governor.address, DEFAULT_ADMIN_ROLE);
    });

    shouldBeRestrictedTo("governor", {
      load,
      context: rolesContext,
      errorsFrom: (f) => f.probe,
      send: (f, signer) => f.probe.connect(signer).govern(),
    });
  });

  describe("the permission answer", () => {
    it("reports the organisation and the admitted roles within the mask", async () => {
      const f = await load();
      expect(await f.probe.permittedAs(f.maker.address, MAKERS)).to.deep.equal([f.makerOrgId, BigInt(MANUFACTURER)]);
      expect(await f.probe.permittedAs(f.hospital.address, CARRY_OR_CARE)).to.deep.equal([
        f.hospitalOrgId,
        BigInt(roleMask(BusinessRole.Hospital)),
      ]);
    });

    it("reports every role of the mask an organisation holds when it holds several", async () => {
      const f = await load();
      const distributor = roleMask(BusinessRole.Distributor);
      const applicationId = await f.registry.connect(f.maker).applyForRole.staticCall(BusinessRole.Distributor, []);
      await f.registry.connect(f.maker).applyForRole(BusinessRole.Distributor, []);
      await f.registry.connect(f.regulatorA).approveApplication(applicationId, []);
      await f.registry.connect(f.regulatorB).approveApplication(applicationId, []);
      expect(await f.probe.permittedAs(f.maker.address, MANUFACTURER | distributor)).to.deep.equal([
        f.makerOrgId,
        BigInt(MANUFACTURER | distributor),
      ]);
      expect(await f.registry.permittedOrganisation(f.maker.address, distributor)).to.deep.equal([
        f.makerOrgId,
        BigInt(distributor),
      ]);
    });

    it("refuses everyone for an empty mask", async () => {
      const f = await load();
      await expectAllianceUnauthorized(f.probe.connect(f.maker).act(0), f.probe, f.maker.address, 0);
      await expectAllianceUnauthorized(f.probe.permittedAs(f.maker.address, 0), f.probe, f.maker.address, 0);
    });

    it("refuses a device key in the view as in a transaction", async () => {
      const f = await load();
      const device = f.others[0];
      await joinOrganisation(f.registry, f.maker, device, AccountKind.Device);
      await expectAllianceUnauthorized(
        f.probe.permittedAs(device.address, MANUFACTURER),
        f.probe,
        device.address,
        MANUFACTURER,
      );
      expect(await f.registry.permittedOrganisation(device.address, MANUFACTURER)).to.deep.equal([0n, 0n]);
    });
  });

  describe("pause rule order", () => {
    it("answers AlliancePaused before looking at permissions", async () => {
      const f = await load();
      await f.registry.connect(f.guardian).pause();
      await expect(f.probe.connect(f.others[0]).commit(MANUFACTURER)).to.be.revertedWithCustomError(
        f.probe,
        "AlliancePaused",
      );
    });

    it("still refuses a non-member's performance while paused", async () => {
      const f = await load();
      await f.registry.connect(f.guardian).pause();
      await expectAllianceUnauthorized(
        f.probe.connect(f.others[0]).act(MANUFACTURER),
        f.probe,
        f.others[0].address,
        MANUFACTURER,
      );
    });
  });

  describe("collect (a withdrawal)", () => {
    it("needs no permission: a suspended organisation collects", async () => {
      const f = await load();
      await suspend(f.registry, f.regulatorA, f.makerOrgId);
      await expect(f.probe.connect(f.maker).collect()).to.emit(f.probe, "Collected").withArgs(f.maker.address);
    });

    it("needs no permission: a revoked organisation collects while the alliance is paused", async () => {
      const f = await load();
      await revoke(f.registry, f.regulators, f.makerOrgId);
      await f.registry.connect(f.guardian).pause();
      await expect(f.probe.connect(f.maker).collect()).to.emit(f.probe, "Collected").withArgs(f.maker.address);
    });
  });

  describe("a second organisation in the same role", () => {
    it("is accepted independently of the first one's suspension", async () => {
      const f = await load();
      const [admin] = f.others.slice(-1);
      const { orgId } = await admit(
        f.registry,
        admin,
        {
          name: "Second Carrier",
          role: BusinessRole.Logistics,
          licenceExpiry: f.licenceExpiry,
        },
        [f.regulatorA, f.regulatorB],
      );
      await f.registry.connect(f.regulatorA).suspendOrganisation(f.carrierOrgId, REASON);
      await expect(f.probe.connect(admin).act(CARRY_OR_CARE)).to.emit(f.probe, "Acted").withArgs(admin.address);
      expect(await f.probe.permittedAs(admin.address, CARRY_OR_CARE)).to.deep.equal([
        orgId,
        BigInt(roleMask(BusinessRole.Logistics)),
      ]);
      await expectAllianceUnauthorized(
        f.probe.connect(f.carrier).act(CARRY_OR_CARE),
        f.probe,
        f.carrier.address,
        CARRY_OR_CARE,
      );
    });
  });
});
