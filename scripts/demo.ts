/**
 * `npm run demo`: a pandemic emergency on the embedded Hardhat network, told as a story.
 * The alliance forms: regulators admit members by quorum and refuse a forger; a hospital brings its pharmacist on
 * board; masks are made from meltblown fabric, held, inspected and released, with a history anyone can verify;
 * a licence lapses and is renewed; a lost key is replaced; a scare pauses new commitments but not safety. Then the
 * services join the ledger: a rural clinic's urgent need is funded by donors and paid on proof of delivery; a
 * pre-signed supply agreement penalises a late delivery and a defect; a pharmacist verifies a serialised pack and a
 * copy is caught at a second pharmacy; a vaccine's logger reports 11 °C and the shipment is held; a custom knee implant
 * goes from prescription to installation; a nurse's report of a reaction is confirmed with a recall.
 */
import path from "node:path";
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { AccountKind, BusinessRole, OrganisationStatus, documentHash } from "./lib/alliance";
import { DAY, YEAR, admit, approve, deployAlliance, register } from "./lib/formation";
import { companyPrefix, formatGtin, gln, gtin } from "./lib/gs1";
import { proveHistory } from "./lib/history";
import { batchesMadeFrom } from "./lib/lineage";
import { memberRows, whoMayDoWhat } from "./lib/report";
import { buildReport, writeReport } from "./lib/reports";
import { type Services, deployServices } from "./lib/services";
import type { AllianceRegistry, BatchLedger } from "../typechain-types";
import { adverseEventChapter } from "./demo/adverse";
import { agreementsChapter } from "./demo/agreements";
import { donationsChapter } from "./demo/donations";
import { customImplantChapter } from "./demo/orders";
import { coldChainChapter } from "./demo/readings";
import { serialsChapter } from "./demo/serials";
import {
  BatchStatus,
  Category,
  RecordKind,
  approveProduct,
  commission,
  deployTrace,
  lot,
  ship,
  unit,
  productSpec,
} from "./lib/trace";

/** A quantity as people read it (400,000). */
function n(quantity: bigint): string {
  return quantity.toLocaleString("en-US");
}

/** The revert data carried by an error thrown by ethers. */
function revertData(error: unknown): string {
  return (error as { data?: string }).data ?? "0x";
}

function say(text: string): void {
  console.log(`  ${text}`);
}

function chapter(title: string): void {
  console.log(`\n== ${title} ==`);
}

async function main(): Promise<void> {
  const [
    secretariat,
    drugAgency,
    deviceAgency,
    provincialAuthority,
    guardian,
    maskMaker,
    carrier,
    hospital,
    ...people
  ] = await ethers.getSigners();
  const [pharmacist, shadyTrader, replacementKey, fabricMaker, lateComer, ...newcomers] = people;
  const [cornerChemist, riversideChemist, agencyDesk, clinicDesk, ...more] = newcomers;
  const [donorA, donorB, donorC, wholesaler, implantWorks, vaccineWorks, nurse] = more;
  const names = new Map<bigint, string>();

  chapter("Chapter 1 — the alliance forms");
  say("The alliance secretariat deploys the registry and seats three regulators and a guardian.");
  const registry = await deployAlliance({
    governor: secretariat,
    regulators: [drugAgency, deviceAgency, provincialAuthority],
    guardians: [guardian],
    quorum: 2,
  });
  say(`Registry at ${await registry.getAddress()}; any 2 of the 3 regulators admit a member.`);

  const now = BigInt(await time.latest());
  const quorum = [drugAgency, deviceAgency];
  const maskPrefix = companyPrefix("6901234");
  const northwind = await admit(
    registry,
    maskMaker,
    {
      name: "Northwind Masks",
      role: BusinessRole.Manufacturer,
      companyPrefixes: [maskPrefix],
      licenceExpiry: now + YEAR,
    },
    quorum,
  );
  names.set(northwind.orgId, "Northwind Masks");
  say("Northwind Masks applies as a MANUFACTURER with GS1 prefix 6901234; the drug and device agencies approve.");

  const swift = await admit(
    registry,
    carrier,
    { name: "Swift Cold Chain", role: BusinessRole.Logistics, licenceExpiry: now + 30n * DAY },
    quorum,
  );
  names.set(swift.orgId, "Swift Cold Chain");
  say("Swift Cold Chain, a carrier whose licence runs out in 30 days, is admitted for LOGISTICS.");

  const cityGeneral = await register(registry, hospital, {
    name: "City General Hospital",
    role: BusinessRole.Hospital,
    licenceExpiry: now + YEAR,
  });
  names.set(cityGeneral.orgId, "City General Hospital");
  await approve(registry, cityGeneral.applicationId, [], [drugAgency]);
  const waiting = await registry.motion(cityGeneral.applicationId);
  say(`City General Hospital applies as a HOSPITAL: ${waiting.approvals} of ${waiting.quorum} approvals so far.`);
  await approve(registry, cityGeneral.applicationId, [], [provincialAuthority]);
  say("The provincial health authority adds the second approval: City General is admitted.");

  const shady = await register(registry, shadyTrader, {
    name: "QuickProfit Trading",
    role: BusinessRole.Distributor,
    licenceExpiry: now + YEAR,
  });
  names.set(shady.orgId, "QuickProfit Trading");
  await (
    await registry
      .connect(deviceAgency)
      .rejectApplication(shady.applicationId, documentHash("licence number does not exist in the national register"))
  ).wait();
  say("QuickProfit Trading applies as a DISTRIBUTOR; the device agency finds its licence is forged and rejects it.");

  chapter("Chapter 2 — sites and people");
  await (await registry.connect(maskMaker).registerSite(gln("690123400001"), "Northwind plant, Riverside")).wait();
  await (await registry.connect(hospital).registerSite(gln("952000000001"), "City General central pharmacy")).wait();
  say("Northwind registers its plant and City General its central pharmacy by GLN (check digits verified).");
  await (await registry.connect(hospital).inviteAccount(pharmacist.address, AccountKind.Operator)).wait();
  say("City General's admin invites the chief pharmacist's account as an operator...");
  say(`  before accepting, may the pharmacist act for the hospital? ${await isHospital(pharmacist.address)}`);
  await (await registry.connect(pharmacist).acceptInvitation(cityGeneral.orgId)).wait();
  say(`  after accepting: ${await isHospital(pharmacist.address)}`);

  chapter("Chapter 3 — masks on the line");
  const { catalog, ledger } = await deployTrace(registry, secretariat);
  say("The secretariat deploys the product catalog and the batch ledger and lists them in the registry's directory.");
  const status = async (batchId: string) => BatchStatus[Number(await ledger.batchStatus(batchId))];
  const fabricPrefix = companyPrefix("4012345");
  const meltblown = await admit(
    registry,
    fabricMaker,
    {
      name: "Meltblown Fabrics",
      role: BusinessRole.Supplier,
      companyPrefixes: [fabricPrefix],
      licenceExpiry: now + YEAR,
    },
    quorum,
  );
  names.set(meltblown.orgId, "Meltblown Fabrics");
  await (await registry.connect(fabricMaker).registerSite(gln("401234500001"), "Meltblown mill")).wait();
  await (await registry.connect(carrier).registerSite(gln("952000000005"), "Swift central warehouse")).wait();
  say("Meltblown Fabrics joins as a SUPPLIER; Swift registers its central warehouse.");

  const fabricGtin = gtin("0401234500010");
  const maskGtin = gtin("0690123400027");
  await approveProduct(
    catalog,
    fabricMaker,
    drugAgency,
    productSpec(fabricGtin, fabricPrefix, Category.RawMaterial, { unitOfMeasure: unit("MTR"), packSize: 1 }),
    2n * DAY,
  );
  await approveProduct(
    catalog,
    maskMaker,
    deviceAgency,
    productSpec(maskGtin, maskPrefix, Category.ProtectiveEquipment),
    14n * DAY,
  );
  say(`Meltblown registers its fabric (GTIN ${formatGtin(fabricGtin)}), Northwind its surgical masks`);
  say(`(GTIN ${formatGtin(maskGtin)}); the agencies approve: fabric held 2 days, masks the 14-day floor.`);

  const today = BigInt(await time.latest());
  const fabricBatch = await commission(ledger, fabricMaker, {
    gtin: fabricGtin,
    lot: lot("MB-2611-01"),
    quantity: 20_000n,
    producedAt: today,
    expiresAt: today + 3n * YEAR,
    site: 0,
    docHash: documentHash("fabric batch record MB-2611-01"),
    docURI: "ipfs://batches/MB-2611-01",
    inputs: [],
  });
  await time.increase(2n * DAY);
  await (
    await ledger
      .connect(fabricMaker)
      .record({ batchId: fabricBatch, kind: RecordKind.InspectionPassed, dataHash: documentHash("BFE test 99.2%") })
  ).wait();
  say(
    `Meltblown makes 20,000 m of fabric, lot MB-2611-01; after 2 days and a passed test it is ${await status(fabricBatch)}.`,
  );

  const toNorthwind = await ship(ledger, fabricMaker, {
    batchId: fabricBatch,
    toOrgId: northwind.orgId,
    quantity: 8_000n,
    carrierOrgId: swift.orgId,
  });
  await (await ledger.connect(carrier).pickUp(toNorthwind.shipment)).wait();
  await (await ledger.connect(carrier).deliver(toNorthwind.shipment)).wait();
  await (await ledger.connect(maskMaker).receiveShipment(toNorthwind.shipment, 8_000n, true)).wait();
  say("It ships 8,000 m to Northwind's plant with Swift; Swift picks up and delivers; Northwind receives it all.");

  const maskToday = BigInt(await time.latest());
  const maskBatch = await commission(ledger, maskMaker, {
    gtin: maskGtin,
    lot: lot("SM-2611-A"),
    quantity: 400_000n,
    producedAt: maskToday,
    expiresAt: maskToday + 3n * YEAR,
    site: 0,
    docHash: documentHash("mask batch record SM-2611-A"),
    docURI: "ipfs://batches/SM-2611-A",
    inputs: [{ batchId: fabricBatch, quantity: 8_000n }],
  });
  await (
    await ledger
      .connect(maskMaker)
      .record({ batchId: maskBatch, kind: RecordKind.InspectionPassed, dataHash: documentHash("mask QA report") })
  ).wait();
  say("Northwind makes 400,000 masks, lot SM-2611-A, from that fabric; the fabric's history records the use.");
  say(`The masks pass QA at once, but the 14-day hold keeps them ${await status(maskBatch)}...`);
  await time.increase(14n * DAY);
  say(`...and fourteen days later, with no transaction, they are ${await status(maskBatch)}.`);

  chapter("Chapter 4 — from factory to ward");
  const toWarehouse = await ship(ledger, maskMaker, {
    batchId: maskBatch,
    toOrgId: swift.orgId,
    quantity: 100_000n,
    carrierOrgId: swift.orgId,
  });
  await (await ledger.connect(carrier).receiveShipment(toWarehouse.shipment, 100_000n, true)).wait();
  say("Northwind ships 100,000 masks to Swift's warehouse, which receives them.");
  const toWard = await ship(ledger, carrier, {
    batchId: maskBatch,
    toOrgId: cityGeneral.orgId,
    quantity: 20_000n,
    carrierOrgId: swift.orgId,
  });
  await (await ledger.connect(carrier).pickUp(toWard.shipment)).wait();
  await (await ledger.connect(carrier).deliver(toWard.shipment)).wait();
  const shortTx = await (await ledger.connect(pharmacist).receiveShipment(toWard.shipment, 19_500n, true)).wait();
  const alarm = shortTx!.logs
    .map((log) => ledger.interface.parseLog(log))
    .find((parsed) => parsed?.name === "ShortfallReported");
  say("Swift sends 20,000 to City General; the chief pharmacist counts 19,500 on arrival.");
  say(
    `  BROKEN CHAIN ALARM: ${n(alarm!.args.shortfall)} masks lost in transit, attributed to ${names.get(alarm!.args.carrierOrgId)}.`,
  );
  await (await ledger.connect(pharmacist).dispense(maskBatch, 1_200n, documentHash("ward 4B, 24 November"))).wait();
  say("The pharmacy dispenses 1,200 masks to the wards.");

  chapter("Chapter 5 — a recall through the lineage");
  await (
    await ledger.connect(drugAgency).recall(fabricBatch, 2, documentHash("fabric lot MB-2611-01: bacterial load"))
  ).wait();
  const madeFromFabric = await batchesMadeFrom(ledger, fabricBatch);
  await (
    await ledger.connect(drugAgency).recallMany(madeFromFabric, 2, documentHash("made from recalled fabric MB-2611-01"))
  ).wait();
  say("A lab finds bacteria in fabric lot MB-2611-01: the drug agency recalls it, finds from the lineage the");
  say(
    `${madeFromFabric.length} batch made from it (masks SM-2611-A) and recalls that too: ${await status(maskBatch)}.`,
  );
  try {
    await ledger.connect(pharmacist).dispense.staticCall(maskBatch, 1n, documentHash("ward 2A"));
  } catch (error) {
    say(`  the pharmacy can no longer dispense them (${ledger.interface.parseError(revertData(error))?.name}).`);
  }
  const back = await ship(ledger, pharmacist, {
    batchId: maskBatch,
    toOrgId: northwind.orgId,
    quantity: 18_300n,
    carrierOrgId: swift.orgId,
  });
  await (await ledger.connect(carrier).pickUp(back.shipment)).wait();
  await (await ledger.connect(carrier).deliver(back.shipment)).wait();
  await (await ledger.connect(maskMaker).receiveShipment(back.shipment, 18_300n, true)).wait();
  say("City General returns its remaining 18,300 masks to Northwind: returns to the maker still move under a recall.");
  const outflows = await ledger.outflowsOf(maskBatch);
  const held = await Promise.all(
    [northwind.orgId, swift.orgId, cityGeneral.orgId].map((orgId) => ledger.holdingOf(maskBatch, orgId)),
  );
  say(
    `Every mask is accounted for: ${n(held.reduce((a, b) => a + b, 0n))} held + ${n(outflows.dispensed)} dispensed + ` +
      `${n(outflows.lost)} lost = ${n((await ledger.batch(maskBatch)).commissioned)} made.`,
  );
  const proof = await proveHistory(ledger, maskBatch);
  say(
    `Anyone can rebuild the masks' ${proof.count}-record history from the logs: proof ${proof.valid ? "holds" : "FAILS"}.`,
  );

  chapter("Chapter 6 — a licence lapses");
  await time.increase(31n * DAY);
  say("A month passes. Nobody sends a transaction, yet...");
  say(`  Swift Cold Chain's status: ${OrganisationStatus[Number(await registry.organisationStatus(swift.orgId))]}`);
  say(`  may its dispatcher carry shipments? ${await registry.isPermitted(carrier.address, BusinessRole.Logistics)}`);
  const renewed = BigInt(await time.latest()) + 2n * YEAR;
  const renewal = documentHash("Swift Cold Chain transport licence, renewed");
  await (await registry.connect(carrier).proposeLicenceRenewal(renewal, "ipfs://licences/swift-2", renewed)).wait();
  await (await registry.connect(drugAgency).approveLicenceRenewal(swift.orgId, renewal)).wait();
  say("Swift files its renewed licence; the drug agency checks and approves it.");
  say(`  status now: ${OrganisationStatus[Number(await registry.organisationStatus(swift.orgId))]}`);

  chapter("Chapter 7 — a lost key");
  await (await registry.connect(drugAgency).approveAdminReplacement(northwind.orgId, replacementKey.address)).wait();
  await (
    await registry.connect(provincialAuthority).approveAdminReplacement(northwind.orgId, replacementKey.address)
  ).wait();
  await (await registry.connect(replacementKey).acceptInvitation(northwind.orgId)).wait();
  say("Northwind's admin key is lost in a flood; two regulators approve a replacement, which accepts.");
  say(`  may the lost key still act? ${await registry.isPermitted(maskMaker.address, BusinessRole.Manufacturer)}`);

  chapter("Chapter 8 — a scare");
  await (await registry.connect(guardian).pause()).wait();
  say("Reports of counterfeit masks: the guardian pauses new commitments alliance-wide.");
  try {
    await registry
      .connect(lateComer)
      .registerOrganisation.staticCall(
        documentHash("Late Comer licence"),
        "ipfs://licences/late",
        BigInt(await time.latest()) + YEAR,
        "Late Comer Ltd",
        BusinessRole.Retailer,
        [],
      );
    say("  a new application still went through (unexpected)");
  } catch (error) {
    say(
      `  a pharmacy chain's application is refused while paused (${registry.interface.parseError(revertData(error))?.name}).`,
    );
  }
  await (
    await registry.connect(deviceAgency).suspendOrganisation(swift.orgId, documentHash("unlogged cold-chain breach"))
  ).wait();
  say("Safety actions go on: the device agency suspends Swift Cold Chain over an unlogged cold-chain breach.");
  say(`  may Swift carry shipments? ${await registry.isPermitted(carrier.address, BusinessRole.Logistics)}`);
  await (await registry.connect(secretariat).unpause()).wait();
  await (await registry.connect(deviceAgency).reinstateOrganisation(swift.orgId)).wait();
  say("The scare is traced to one street vendor: the secretariat unpauses, and Swift is reinstated after its audit.");

  chapter("Chapter 9 — the services join, and fresh stock for a shortage");
  const services = await deployServices(ledger, secretariat);
  say("The secretariat deploys the services built on the ledger — unit serials, field readings, device orders,");
  say("adverse events, the donation escrow and supply agreements — lists them in the directory, and registers those");
  say("that act on the ledger for members (serials, readings, adverse events) as its modules.");
  const longLicence = BigInt(await time.latest()) + 2n * YEAR;
  const join = async (
    account: typeof secretariat,
    name: string,
    role: BusinessRole,
    site: string,
    prefix?: bigint,
  ): Promise<bigint> => {
    const companyPrefixes = prefix === undefined ? [] : [prefix];
    const { orgId } = await admit(
      registry,
      account,
      { name, role, companyPrefixes, licenceExpiry: longLicence },
      quorum,
    );
    await (await registry.connect(account).registerSite(gln(site), `${name}, main site`)).wait();
    names.set(orgId, name);
    return orgId;
  };
  const implantPrefix = companyPrefix("7612345");
  const vaccinePrefix = companyPrefix("5412345");
  await join(cornerChemist, "Corner Pharmacy", BusinessRole.Retailer, "952000000011");
  await join(riversideChemist, "Riverside Pharmacy", BusinessRole.Retailer, "952000000012");
  await join(agencyDesk, "National Health Agency", BusinessRole.Agency, "952000000013");
  await join(clinicDesk, "Hill Valley Rural Clinic", BusinessRole.Hospital, "952000000014");
  await join(wholesaler, "MedSupply Distribution", BusinessRole.Distributor, "952000000015");
  await join(implantWorks, "Helix Orthopaedics", BusinessRole.Manufacturer, "761234500001", implantPrefix);
  await join(vaccineWorks, "Polar Biologics", BusinessRole.Manufacturer, "541234500001", vaccinePrefix);
  say("Two pharmacies, the national health agency, a rural clinic, a distributor, an implant maker and a vaccine");
  say("maker are admitted by the quorum and register their sites.");

  const freshLot = async (text: string, quantity: bigint): Promise<string> => {
    const made = BigInt(await time.latest());
    const batchId = await commission(ledger, replacementKey, {
      gtin: maskGtin,
      lot: lot(text),
      quantity,
      producedAt: made,
      expiresAt: made + 3n * YEAR,
      site: 0,
      docHash: documentHash(`mask batch record ${text}`),
      docURI: `ipfs://batches/${text}`,
      inputs: [],
    });
    await (
      await ledger
        .connect(replacementKey)
        .record({ batchId, kind: RecordKind.InspectionPassed, dataHash: documentHash(`mask QA report ${text}`) })
    ).wait();
    await (await ledger.connect(drugAgency).releaseEarly(batchId, documentHash("shortage: emergency release"))).wait();
    return batchId;
  };
  const reliefBatch = await freshLot("SM-2612-B", 200_000n);
  const serialBatch = "SM-2612-C";
  await freshLot(serialBatch, 10_000n);
  say("Northwind makes two new lots, SM-2612-B (200,000 masks) and SM-2612-C (10,000 serialised packs); both pass");
  say(`QA and, with masks short everywhere, the drug agency releases them early: ${await status(reliefBatch)}.`);

  chapter("Chapter 10 — a rural clinic's urgent need");
  await donationsChapter({
    contracts: { registry, ledger, escrow: services.escrow },
    signers: {
      clinic: clinicDesk,
      regulator: drugAgency,
      donors: [donorA, donorB, donorC],
      maker: replacementKey,
      distributor: wholesaler,
    },
    batchId: reliefBatch,
    carrierOrgId: swift.orgId,
    names,
    say,
  });

  chapter("Chapter 11 — a pre-signed agreement delivers, late and short");
  await agreementsChapter({
    contracts: { registry, ledger, agreements: services.agreements },
    signers: { agency: agencyDesk, maker: replacementKey, carrier, regulator: drugAgency },
    batchId: reliefBatch,
    names,
    say,
  });

  chapter("Chapter 12 — a box at the pharmacy, and a copy");
  await serialsChapter({
    contracts: { registry, ledger, serials: services.serials },
    signers: {
      maker: replacementKey,
      carrier,
      pharmacy: cornerChemist,
      secondPharmacy: riversideChemist,
      regulator: deviceAgency,
    },
    batch: { gtin: maskGtin, lot: serialBatch },
    names,
    say,
  });

  chapter("Chapter 13 — a vaccine gets warm");
  await coldChainChapter({
    contracts: { registry, catalog, ledger, readings: services.readings },
    signers: { maker: vaccineWorks, carrier, hospital, regulator: drugAgency },
    companyPrefix: vaccinePrefix,
    vaccineGtin: gtin("0541234500017"),
    names,
    say,
  });

  chapter("Chapter 14 — a knee made for one patient");
  const kneeOrder = await customImplantChapter({
    contracts: { registry, catalog, ledger, orders: services.orders },
    signers: { implantMaker: implantWorks, hospital, carrier, regulator: deviceAgency },
    implantPrefix,
    names,
    say,
  });

  chapter("Chapter 15 — a reaction on the ward");
  await adverseEventChapter({
    contracts: { registry, ledger, adverse: services.adverse },
    signers: { hospitalAdmin: hospital, nurse, regulator: drugAgency },
    batchId: reliefBatch,
    implantOrderId: kneeOrder,
    names,
    say,
  });

  chapter("The alliance today");
  console.table(await memberRows(registry, names));
  console.table(
    await whoMayDoWhat(registry, [
      { label: "Northwind admin (new key)", address: replacementKey.address },
      { label: "Northwind admin (lost key)", address: maskMaker.address },
      { label: "Swift Cold Chain dispatcher", address: carrier.address },
      { label: "City General admin", address: hospital.address },
      { label: "City General chief pharmacist", address: pharmacist.address },
      { label: "QuickProfit Trading", address: shadyTrader.address },
      { label: "Drug agency (regulator)", address: drugAgency.address },
    ]),
  );

  chapter("Every history, proven");
  const proofs = await proveEveryBatch(ledger, names);
  console.table(proofs.rows);
  say(
    proofs.rows.every((row) => row.proven === "yes")
      ? `All ${proofs.rows.length} batch histories (${n(BigInt(proofs.records))} records) rebuild their heads on the ledger.`
      : "Some batch histories do NOT rebuild their heads: see the table above.",
  );
  console.table(await summary(ledger, services, registry, proofs.records));
  if (proofs.rows.some((row) => row.proven !== "yes")) process.exitCode = 1;

  chapter("The regulator's report");
  const report = await buildReport(
    { ledger, catalog, escrow: services.escrow, agreements: services.agreements, adverse: services.adverse },
    { orgName: (id) => names.get(id) },
  );
  const folder = path.join(__dirname, "..", "reports", "demo");
  const files = writeReport(report, folder);
  const bytes = files.reduce((sum, file) => sum + file.bytes, 0);
  const { summary: s } = report;
  say(
    `Rebuilt from the logs and proven: ${s.proven} of ${s.batches} batches; ${n(BigInt(s.unitsHeld))} usable units held.`,
  );
  say(
    `${s.belowSafetyStock} member stocks below their safety level; ${s.openNeeds} open need(s); ` +
      `${s.penalisedAgreements} of ${s.agreements} agreement(s) penalised; adverse events this year ${s.adverseThisYear}.`,
  );
  say(
    `Written to ${path.relative(process.cwd(), folder)}: ${files.length} files, ${n(BigInt(bytes))} bytes (CSV, JSON, SVG).`,
  );

  async function isHospital(account: string): Promise<boolean> {
    return registry.isPermitted(account, BusinessRole.Hospital);
  }
}

/** Every batch the ledger commissioned, its history rebuilt from the logs and proven against the ledger's head. */
async function proveEveryBatch(
  ledger: BatchLedger,
  names: Map<bigint, string>,
): Promise<{
  rows: { batch: string; maker: string; status: string; records: number; proven: string }[];
  records: number;
}> {
  const rows = [];
  let records = 0;
  for (const event of await ledger.queryFilter(ledger.filters.BatchCommissioned())) {
    const { batchId, gtin: code, makerOrgId, request } = event.args;
    const proof = await proveHistory(ledger, batchId);
    records += proof.count;
    rows.push({
      batch: `${formatGtin(code)}/${ethers.decodeBytes32String(request.lot)}`,
      maker: names.get(makerOrgId) ?? `organisation ${makerOrgId}`,
      status: BatchStatus[Number(await ledger.batchStatus(batchId))],
      records: proof.count,
      proven: proof.valid ? "yes" : `NO: ${proof.problem}`,
    });
  }
  return { rows, records };
}

/** The emergency in figures, counted from the contracts' events. */
async function summary(ledger: BatchLedger, services: Services, registry: AllianceRegistry, records: number) {
  const count = async (contract: { queryFilter(event: string): Promise<unknown[]> }, event: string) =>
    (await contract.queryFilter(event)).length;
  const { escrow, agreements, serials, readings, orders, adverse } = services;
  return [
    { what: "organisations registered", count: Number(await registry.organisationCount()) },
    { what: "batches commissioned", count: await count(ledger, "BatchCommissioned") },
    { what: "history records, all proven", count: records },
    { what: "shipments", count: await count(ledger, "Shipped") },
    { what: "needs posted / gifts", count: `${await count(escrow, "NeedPosted")} / ${await count(escrow, "Donated")}` },
    { what: "payments released on receipt", count: await count(escrow, "Released") },
    { what: "agreements settled", count: await count(agreements, "AgreementSettled") },
    {
      what: "units dispensed by serial / clones caught",
      count: `${await count(serials, "UnitDispensed")} / ${await count(serials, "CloneReported")}`,
    },
    {
      what: "field readings accepted / excursions",
      count: `${await count(readings, "ReadingAccepted")} / ${await count(readings, "ExcursionReported")}`,
    },
    { what: "custom devices installed", count: await count(orders, "OrderInstalled") },
    {
      what: "adverse events reported / confirmed",
      count: `${await count(adverse, "AdverseEventReported")} / ${await count(adverse, "AdverseReportConfirmed")}`,
    },
  ];
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
