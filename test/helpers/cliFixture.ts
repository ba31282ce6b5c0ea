/**
 * The CLI suites' world: the whole MedAlliance system deployed by Ignition with the local parameters (as
 * `npm run deploy:local` does) into a throw-away deployments folder, so tasks find it with no --registry; members
 * admitted with a site each; one approved mask product and one Released batch of it at the maker.
 *
 * Accounts follow ignition/parameters/localhost.json: 0 deploys and governs, 1–3 are regulators (quorum 2), 4 is
 * the guardian, 9 is the incoming governor; members' admins are 5–8 and 10–13; 14–17 are donors and spare accounts.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import hre, { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { AllianceRegistry__factory, BatchLedger__factory, ProductCatalog__factory } from "../../typechain-types";
import { BusinessRole, documentHash } from "../../scripts/lib/alliance";
import { DAY, YEAR, admit } from "../../scripts/lib/formation";
import { companyPrefix, gtin } from "../../scripts/lib/gs1";
import { REGISTRY_FUTURE_ID } from "../../scripts/lib/deployment";
import { deploySystem } from "../../scripts/lib/ignition";
import { Category, approveProduct, commission, lot, productSpec } from "../../scripts/lib/trace";
import { printed } from "./tasks";

const LOCALHOST = path.join(__dirname, "..", "..", "ignition", "parameters", "localhost.json");

/** The deployer's nonce before the system is deployed: above anything a test reaches, so addresses never change. */
const DEPLOYER_NONCE = 1_000_000;

/** One deployments folder for the whole test process: fixtures are snapshots, so their deployment must outlive them. */
let root: string | undefined;

/**
 * Mocha hooks pointing MEDALLIANCE_DEPLOYMENTS_DIR at the CLI suites' folder while a `describe` runs, and restoring it
 * afterwards. Call it at the top of every CLI suite.
 */
export function useCliDeployments(): void {
  let previous: string | undefined;
  before(() => {
    root ??= fs.mkdtempSync(path.join(os.tmpdir(), "medalliance-cli-"));
    previous = process.env.MEDALLIANCE_DEPLOYMENTS_DIR;
    process.env.MEDALLIANCE_DEPLOYMENTS_DIR = root;
  });
  after(() => {
    if (previous === undefined) delete process.env.MEDALLIANCE_DEPLOYMENTS_DIR;
    else process.env.MEDALLIANCE_DEPLOYMENTS_DIR = previous;
  });
}

export const PREFIX_NORTHWIND = companyPrefix("0614141");
export const PREFIX_MEDITECH = companyPrefix("4012345");
/** Northwind's surgical mask: GTIN-14 as printed on the box, and as the contracts take it. */
export const MASK_TEXT = "00614141000029";
export const MASK_GTIN = gtin("0061414100002");
/** A second Northwind product nobody proposed yet. */
export const GOWN_TEXT = "00614141000036";
/** The Released batch of masks the fixture commissions, and its size. */
export const MASK_LOT = "MK-2026-001";
export const MASK_BATCH_SIZE = 10_000n;

/** Members: name, role, admin account index, site GLN (13 digits as printed). */
export const MEMBERS = {
  maker: { name: "Northwind Masks", role: BusinessRole.Manufacturer, account: 5, site: "0614141000012" },
  carrier: { name: "Swift Cold Chain", role: BusinessRole.Logistics, account: 6, site: "9520000000103" },
  hospital: { name: "City General Hospital", role: BusinessRole.Hospital, account: 7, site: "9520000000011" },
  distributor: { name: "Harbour Distribution", role: BusinessRole.Distributor, account: 8, site: "9520000000028" },
  pharmacy: { name: "Corner Pharmacy", role: BusinessRole.Retailer, account: 10, site: "9520000000035" },
  deviceMaker: { name: "MediTech Implants", role: BusinessRole.Manufacturer, account: 11, site: "4012345000016" },
  clinic: { name: "Hillside Rural Clinic", role: BusinessRole.Hospital, account: 12, site: "9520000000042" },
  agency: { name: "Relief Agency", role: BusinessRole.Agency, account: 13, site: "9520000000059" },
} as const;

export type MemberKey = keyof typeof MEMBERS;

export async function cliFixture() {
  const signers = await ethers.getSigners();
  const [governor, regulatorA, regulatorB, regulatorC, guardian] = signers;
  // The same addresses on every run: a fixture runs again when an older snapshot is restored, and the deployment
  // file the tasks read must stay true for every snapshot taken since.
  await hre.network.provider.send("hardhat_setNonce", [governor.address, ethers.toQuantity(DEPLOYER_NONCE)]);
  const report = await deploySystem(hre, { parametersFile: LOCALHOST });
  // Ignition keeps no deployment folder for the embedded network: record the registry as a local node's would be.
  const folder = path.join(
    process.env.MEDALLIANCE_DEPLOYMENTS_DIR!,
    `chain-${(await ethers.provider.getNetwork()).chainId}`,
  );
  fs.mkdirSync(folder, { recursive: true });
  fs.writeFileSync(
    path.join(folder, "deployed_addresses.json"),
    JSON.stringify({ [REGISTRY_FUTURE_ID]: report.registry }),
  );
  const registry = AllianceRegistry__factory.connect(report.registry, governor);
  const address = (name: string) => report.contracts.find((c) => c.contractName === name)!.address;
  const catalog = ProductCatalog__factory.connect(address("ProductCatalog"), governor);
  const ledger = BatchLedger__factory.connect(address("BatchLedger"), governor);

  const licenceExpiry = BigInt(await time.latest()) + 2n * YEAR;
  const orgIds = {} as Record<MemberKey, bigint>;
  for (const [key, member] of Object.entries(MEMBERS) as [MemberKey, (typeof MEMBERS)[MemberKey]][]) {
    const admin = signers[member.account];
    const prefixes =
      key === "maker" ? [PREFIX_NORTHWIND] : key === "deviceMaker" ? [PREFIX_MEDITECH] : ([] as bigint[]);
    const { orgId } = await admit(
      registry,
      admin,
      { name: member.name, role: member.role, companyPrefixes: prefixes, licenceExpiry },
      [regulatorA, regulatorB],
    );
    orgIds[key] = orgId;
    await (await registry.connect(admin).registerSite(BigInt(member.site), `${member.name} main site`)).wait();
  }
  const account = (key: MemberKey) => signers[MEMBERS[key].account];

  await approveProduct(
    catalog,
    account("maker"),
    regulatorA,
    productSpec(MASK_GTIN, PREFIX_NORTHWIND, Category.ProtectiveEquipment),
    14n * DAY,
  );
  const now = BigInt(await time.latest());
  const maskBatch = await commission(ledger, account("maker"), {
    gtin: MASK_GTIN,
    lot: lot(MASK_LOT),
    quantity: MASK_BATCH_SIZE,
    producedAt: now - DAY,
    expiresAt: now + 3n * YEAR,
    site: 0n,
    docHash: documentHash("batch record MK-2026-001"),
    docURI: "ipfs://batch-records/MK-2026-001",
    inputs: [],
  });
  await (await ledger.connect(regulatorA).releaseEarly(maskBatch, documentHash("emergency release"))).wait();

  return {
    signers,
    governor,
    regulators: [regulatorA, regulatorB, regulatorC],
    guardian,
    donors: signers.slice(14, 18),
    account,
    orgIds,
    report,
    registry,
    catalog,
    ledger,
    address,
    maskBatch,
  };
}

export type CliFixture = Awaited<ReturnType<typeof cliFixture>>;

/** Runs a task with `--json` and parses what it printed. */
export async function json<T = unknown>(name: string, args: Record<string, unknown>): Promise<T> {
  return JSON.parse(await printed(name, { ...args, json: true })) as T;
}
