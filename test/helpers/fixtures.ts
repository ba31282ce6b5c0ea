/** The typed fixture every alliance suite loads with `loadFixture`. */
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { BusinessRole } from "../../scripts/lib/alliance";
import type { RegistryRolesContext } from "./behaviours";
import { companyPrefix, gln } from "../../scripts/lib/gs1";
import { YEAR, admit, deployAlliance, register } from "../../scripts/lib/formation";

export const PREFIX_MAKER = companyPrefix("0614141");
export const PREFIX_MAKER_2 = companyPrefix("9521234");
export const SITE_MAKER = gln("061414100001");
export const SITE_HOSPITAL = gln("952000000001");

/**
 * Governor, three regulators (quorum 2), a guardian; an admitted manufacturer, carrier and hospital; one
 * applicant still pending; and free accounts for invitations.
 */
export async function allianceFixture() {
  const [governor, regulatorA, regulatorB, regulatorC, guardian, maker, carrier, hospital, applicant, ...others] =
    await ethers.getSigners();
  const regulators = [regulatorA, regulatorB, regulatorC];
  const registry = await deployAlliance({ governor, regulators, guardians: [guardian], quorum: 2 });
  const licenceExpiry = BigInt(await time.latest()) + YEAR;
  const quorum = [regulatorA, regulatorB];

  const makerOrg = await admit(
    registry,
    maker,
    { name: "Northwind Masks", role: BusinessRole.Manufacturer, companyPrefixes: [PREFIX_MAKER], licenceExpiry },
    quorum,
  );
  const carrierOrg = await admit(
    registry,
    carrier,
    { name: "Swift Cold Chain", role: BusinessRole.Logistics, licenceExpiry },
    quorum,
  );
  const hospitalOrg = await admit(
    registry,
    hospital,
    { name: "City General Hospital", role: BusinessRole.Hospital, licenceExpiry },
    quorum,
  );
  const pending = await register(registry, applicant, {
    name: "Fresh Pharma",
    role: BusinessRole.Supplier,
    companyPrefixes: [PREFIX_MAKER_2],
    licenceExpiry,
  });

  const probe = await (await ethers.getContractFactory("GatedProbe")).deploy(await registry.getAddress());

  return {
    registry,
    probe,
    governor,
    regulators,
    regulatorA,
    regulatorB,
    regulatorC,
    guardian,
    maker,
    carrier,
    hospital,
    applicant,
    others: others as HardhatEthersSigner[],
    licenceExpiry,
    makerOrgId: makerOrg.orgId,
    carrierOrgId: carrierOrg.orgId,
    hospitalOrgId: hospitalOrg.orgId,
    applicantOrgId: pending.orgId,
    pendingApplicationId: pending.applicationId,
  };
}

export type AllianceFixture = Awaited<ReturnType<typeof allianceFixture>>;

/** The accounts the registry's governance-restriction suite needs, from the alliance fixture. */
export const rolesContext = (f: AllianceFixture): RegistryRolesContext => ({
  registry: f.registry,
  governor: f.governor,
  guardian: f.guardian,
  regulators: f.regulators,
  admin: f.maker,
  freeAccounts: f.others,
});
