/**
 * The alliance and catalog CLI suites' world, on top of `cliFixture`: a newcomer "Acme Gloves" (account 20) whose
 * application as Manufacturer (prefix 0885000) awaits the regulators, an operator (account 22) of Northwind Masks,
 * and a surgical gown (GTIN 00614141000036) Northwind proposed.
 */
import { expect } from "chai";
import hre from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { MedAllianceClient } from "../../scripts/client/client";
import { AccountKind, BusinessRole, documentHash } from "../../scripts/lib/alliance";
import { YEAR } from "../../scripts/lib/formation";
import { companyPrefix, gtin } from "../../scripts/lib/gs1";
import { Category, productSpec } from "../../scripts/lib/trace";
import { cliFixture, PREFIX_NORTHWIND } from "../helpers/cliFixture";

export const NEWCOMER = { name: "Acme Gloves", account: 20, prefix: "0885000" };
export const OPERATOR_ACCOUNT = 22;
export const GOWN_GTIN = gtin("0061414100003");

export async function allianceFixture() {
  const f = await loadFixture(cliFixture);
  const newcomer = f.signers[NEWCOMER.account];
  const operator = f.signers[OPERATOR_ACCOUNT];
  const licenceExpiry = BigInt(await time.latest()) + YEAR;
  const registry = f.registry.connect(newcomer);
  const prefixes = [companyPrefix(NEWCOMER.prefix)];
  await (
    await registry.registerOrganisation(
      documentHash("Acme licence"),
      "ipfs://licences/acme",
      licenceExpiry,
      NEWCOMER.name,
      BusinessRole.Manufacturer,
      prefixes,
    )
  ).wait();
  const newcomerId = await f.registry.organisationCount();
  const applicationId = await f.registry.applicationId(newcomerId, BusinessRole.Manufacturer, 0, prefixes);
  const maker = f.account("maker");
  await (await f.registry.connect(maker).inviteAccount(operator, AccountKind.Operator)).wait();
  await (await f.registry.connect(operator).acceptInvitation(f.orgIds.maker)).wait();
  await (
    await f.catalog
      .connect(maker)
      .proposeProduct(productSpec(GOWN_GTIN, PREFIX_NORTHWIND, Category.ProtectiveEquipment, { packSize: 10 }))
  ).wait();
  return { ...f, newcomer, newcomerId, applicationId, operator, licenceExpiry, prefixes };
}

export type AllianceFixture = Awaited<ReturnType<typeof allianceFixture>>;

/** Runs a task expecting it to be refused with `message`. */
export async function refused(name: string, args: Record<string, unknown>, message: RegExp): Promise<void> {
  await expect(hre.run(name, args)).to.be.rejectedWith(message);
}

/** `refused` for one task, each call's arguments laid over `base`. */
export function refuser(name: string, base: Record<string, unknown>) {
  return (changes: Record<string, unknown>, message: RegExp) => refused(name, { ...base, ...changes }, message);
}

/** A client signing as account `index`, with the organisations loaded. */
export async function clientAs(f: AllianceFixture, index: number): Promise<MedAllianceClient> {
  const client = await MedAllianceClient.connect({
    provider: hre.ethers.provider,
    networkName: hre.network.name,
    signer: f.signers[index],
  });
  await client.organisations();
  return client;
}
