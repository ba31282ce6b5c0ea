/** Alliance registry: joining, admission, suspension, and the permission check seen from another contract. */
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { BusinessRole, documentHash, roleMask } from "../../scripts/lib/alliance";
import { YEAR, admit, deployAlliance } from "../../scripts/lib/formation";
import { companyPrefix } from "../../scripts/lib/gs1";
import { type BenchProfile, type GasFigures, type Scenario, gasOf } from "../harness";

const ROLES = [BusinessRole.Manufacturer, BusinessRole.Distributor, BusinessRole.Hospital, BusinessRole.Logistics];

export const allianceScenario: Scenario = {
  name: "alliance",
  async run(profile: BenchProfile): Promise<GasFigures> {
    const signers = await ethers.getSigners();
    const [governor, guardian, ...rest] = signers;
    const regulators = rest.slice(0, 5);
    const members = rest.slice(5);
    const registry = await deployAlliance({ governor, regulators, guardians: [guardian], quorum: 3 });
    const quorum = regulators.slice(0, 3);
    const licenceExpiry = BigInt(await time.latest()) + YEAR;

    // Realistic state: organisations already admitted (more in the full profile, through fresh wallets).
    const existing = profile === "full" ? 200 : 12;
    for (let i = 0; i < existing; i++) {
      const admin = i < members.length - 2 ? members[i] : await fundedWallet(governor);
      const role = ROLES[i % ROLES.length];
      const prefixes = role === BusinessRole.Manufacturer ? [companyPrefix(String(700000 + i).padStart(7, "0"))] : [];
      await admit(registry, admin, { name: `Member ${i}`, role, companyPrefixes: prefixes, licenceExpiry }, quorum);
    }

    const applicant = await fundedWallet(governor);
    const prefixes = [companyPrefix("0614141")];
    const args = [
      documentHash("Northwind Masks licence"),
      "ipfs://licences/northwind",
      licenceExpiry,
      "Northwind Masks",
      BusinessRole.Manufacturer,
      prefixes,
    ] as const;
    const [orgId, applicationId] = await registry.connect(applicant).registerOrganisation.staticCall(...args);
    const apply = await gasOf(registry.connect(applicant).registerOrganisation(...args));
    const approveFirst = await gasOf(registry.connect(quorum[0]).approveApplication(applicationId, prefixes));
    const approveSecond = await gasOf(registry.connect(quorum[1]).approveApplication(applicationId, prefixes));
    const approve = await gasOf(registry.connect(quorum[2]).approveApplication(applicationId, prefixes));
    const applyForRole = await gasOf(registry.connect(applicant).applyForRole(BusinessRole.Distributor, []));

    const reason = documentHash("inspection found falsified records");
    const suspend = await gasOf(registry.connect(regulators[3]).suspendOrganisation(orgId, reason));
    const reinstate = await gasOf(registry.connect(regulators[3]).reinstateOrganisation(orgId));

    // The permission check as another contract pays for it: a gated call minus the same call ungated.
    const probe = await (await ethers.getContractFactory("GatedProbe")).deploy(await registry.getAddress());
    const mask = roleMask(BusinessRole.Manufacturer);
    const gated = await gasOf(probe.connect(applicant).act(mask));
    const ungated = await gasOf(probe.connect(applicant).collect());

    return {
      "alliance.apply": apply,
      "alliance.approve": approve,
      "alliance.approveFirst": approveFirst,
      "alliance.approveSecond": approveSecond,
      "alliance.applyForRole": applyForRole,
      "alliance.suspend": suspend,
      "alliance.reinstate": reinstate,
      "alliance.permissionCheck": gated - ungated,
    };
  },
};

/** A fresh account with ether for gas, for profiles that need more accounts than the node provides. */
async function fundedWallet(funder: Awaited<ReturnType<typeof ethers.getSigners>>[number]) {
  const wallet = ethers.Wallet.createRandom().connect(ethers.provider);
  await (await funder.sendTransaction({ to: wallet.address, value: ethers.parseEther("10") })).wait();
  return wallet;
}
