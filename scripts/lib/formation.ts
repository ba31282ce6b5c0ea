/** Forming an alliance on any network: deploy the registry, seat governance, admit organisations. */
import type { Signer } from "ethers";
import { AllianceRegistry__factory, type AllianceRegistry } from "../../typechain-types";
import { BusinessRole, GUARDIAN_ROLE, REGULATOR_ROLE, documentHash } from "./alliance";

export const DAY = 24n * 60n * 60n;
export const YEAR = 365n * DAY;

/** Seconds a governor hand-over waits between proposal and acceptance, unless a deployment says otherwise. */
export const DEFAULT_GOVERNOR_TRANSFER_DELAY = 2n * DAY;

export interface GovernanceSetup {
  governor: Signer;
  regulators: Signer[];
  guardians: Signer[];
  quorum: number;
  governorTransferDelay?: bigint;
}

/** Deploys the registry, appoints the regulators and guardians, and sets the quorum. */
export async function deployAlliance(setup: GovernanceSetup): Promise<AllianceRegistry> {
  const factory = new AllianceRegistry__factory(setup.governor);
  const registry = await factory.deploy(
    await setup.governor.getAddress(),
    setup.governorTransferDelay ?? DEFAULT_GOVERNOR_TRANSFER_DELAY,
  );
  await registry.waitForDeployment();
  for (const regulator of setup.regulators) {
    await (await registry.grantRole(REGULATOR_ROLE, await regulator.getAddress())).wait();
  }
  for (const guardian of setup.guardians) {
    await (await registry.grantRole(GUARDIAN_ROLE, await guardian.getAddress())).wait();
  }
  if (setup.quorum !== 1) await (await registry.setQuorum(setup.quorum)).wait();
  return registry;
}

export interface Application {
  name: string;
  role: BusinessRole;
  companyPrefixes?: bigint[];
  licenceExpiry: bigint;
  licence?: string;
}

/** The organisation registered by `admin` and the id of its first application. */
export interface Registration {
  orgId: bigint;
  applicationId: string;
}

/** Registers `admin`'s organisation and its first application (no approvals). */
export async function register(registry: AllianceRegistry, admin: Signer, app: Application): Promise<Registration> {
  const licence = app.licence ?? `${app.name} business licence`;
  const connected = registry.connect(admin);
  const args = [
    documentHash(licence),
    `ipfs://licences/${encodeURIComponent(app.name)}`,
    app.licenceExpiry,
    app.name,
    app.role,
    app.companyPrefixes ?? [],
  ] as const;
  const [orgId, applicationId] = await connected.registerOrganisation.staticCall(...args);
  await (await connected.registerOrganisation(...args)).wait();
  return { orgId, applicationId };
}

/** Has each of `regulators` approve an application, in order. */
export async function approve(
  registry: AllianceRegistry,
  applicationId: string,
  companyPrefixes: bigint[],
  regulators: Signer[],
): Promise<void> {
  for (const regulator of regulators) {
    await (await registry.connect(regulator).approveApplication(applicationId, companyPrefixes)).wait();
  }
}

/** Registers `admin`'s organisation and has `regulators` (a quorum) admit it to its role. */
export async function admit(
  registry: AllianceRegistry,
  admin: Signer,
  app: Application,
  regulators: Signer[],
): Promise<Registration> {
  const registration = await register(registry, admin, app);
  await approve(registry, registration.applicationId, app.companyPrefixes ?? [], regulators);
  return registration;
}
