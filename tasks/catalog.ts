/**
 * Catalog tasks: a product by GTIN or Digital Link (`product`), a maker's proposal, and the regulators' approval,
 * rejection and withdrawal. The governor's hold floors belong to governance.
 *
 * Modules are loaded inside the actions: Hardhat reads this file before the contracts' bindings exist.
 */
import type { MedAllianceClient } from "../scripts/client/client";
import {
  cliTask,
  documentHashArg,
  formatDuration,
  required,
  requireRegulator,
  runTask,
  type Common,
  type Libs,
} from "./alliance";

let L: Libs;

function fail(message: string): never {
  throw new L.codes.InputError(message);
}

/** A product named by its GTIN as printed or by a GS1 Digital Link URI. */
function gtinArg(text: string | undefined): bigint {
  const value = required(text, "--gtin");
  return /^[a-z]+:\/\//i.test(value) ? L.codes.parseDigitalLink(value).gtin : L.codes.parseGtin(value);
}

const gtinText = (gtin: bigint) => L.gs1.formatGtin(gtin);
const statusName = (status: number | bigint) => L.trace.ProductStatus[Number(status)];

/** A category by name: "drug", "device", "protective equipment", "consumable", "raw material". */
function categoryArg(text: string | undefined): number {
  const value = required(text, "--category")
    .toLowerCase()
    .replace(/[^a-z]/g, "");
  const category = [1, 2, 3, 4, 5].find((c) => L.trace.Category[c].toLowerCase() === value);
  if (category === undefined) {
    fail(`category "${text}" is not a category: use drug, device, protective equipment, consumable or raw material`);
  }
  return category;
}

const categoryName = (category: number | bigint) =>
  L.trace.Category[Number(category)].replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();

/** A temperature in °C as people write it ("2", "8", "-20.5") in tenths of a degree, as the catalog keeps it. */
function temperatureArg(text: string | undefined, label: string): number {
  const value = required(text, label);
  if (!/^-?\d+(\.\d)?$/.test(value)) {
    fail(`${label} "${text}" is not a temperature in °C like 2, 8 or -20.5 (one decimal at most)`);
  }
  const tenths = Math.round(Number(value) * 10);
  if (tenths < -32768 || tenths > 32767) fail(`${label} ${value} °C is outside -3276.8 to 3276.7 °C`);
  return tenths;
}

const celsius = (tenths: number | bigint) => `${(Number(tenths) / 10).toLocaleString("en-US")} °C`;

/** A hold period ("14d") in seconds that fits the catalog's uint32. */
function holdArg(text: string, label: string): number {
  const seconds = L.codes.parseDuration(text, label);
  if (seconds >= 2 ** 32) fail(`${label} ${text} is too long`);
  return seconds;
}

/** A product's terms, refused when the catalog has no such product. */
async function knownProduct(client: MedAllianceClient, gtin: bigint) {
  const [makerOrgId, status, holdPeriod] = await client.catalog.productTerms(gtin);
  if (makerOrgId === 0n) fail(`There is no product ${gtinText(gtin)} in the catalog`);
  return { makerOrgId, status: Number(status), holdPeriod };
}

function requireStatus(gtin: bigint, status: number, allowed: number[], what: string): void {
  if (!allowed.includes(status)) fail(`Product ${gtinText(gtin)} is ${statusName(status)}: ${what}`);
}

/** The maker organisation the signer may propose products for, with a sentence for each reason it may not. */
async function makerOrg(client: MedAllianceClient) {
  const account = await client.sender.getAddress();
  const [orgId, kind] = await client.registry.membershipOf(account);
  if (orgId === 0n) fail(`Account ${account} belongs to no organisation: only makers propose products`);
  const org = await client.resolveOrg(orgId);
  if (Number(kind) === L.alliance.AccountKind.Device)
    fail(`Account ${account} is a device key of ${org.name}: it signs readings only`);
  const [status, roles] = await client.registry.standing(orgId);
  if (Number(status) !== L.alliance.OrganisationStatus.Active) {
    fail(`${org.name} is ${L.alliance.OrganisationStatus[Number(status)]}: it may not act`);
  }
  const { Supplier, Manufacturer } = L.alliance.BusinessRole;
  if ((Number(roles) & L.alliance.roleMask(Supplier, Manufacturer)) === 0) {
    fail(`${org.name} is not admitted as Supplier or Manufacturer: only makers propose products`);
  }
  return org;
}

/** The maker's company prefix the GTIN starts with (after its indicator digit), or a sentence naming whose it is. */
async function makerPrefix(client: MedAllianceClient, gtin: bigint, orgId: bigint, orgName: string): Promise<bigint> {
  const digits = gtinText(gtin);
  let other: bigint | undefined;
  for (let length = 6; length <= 12; length++) {
    const prefix = L.gs1.companyPrefix(digits.slice(1, 1 + length));
    const owner = await client.registry.companyPrefixOwner(prefix);
    if (owner === orgId) return prefix;
    if (owner !== 0n) other = owner;
  }
  if (other !== undefined) {
    fail(
      `GTIN ${digits} carries a company prefix of ${client.orgName(other) ?? `organisation ${other}`}, not of ${orgName}`,
    );
  }
  return fail(`GTIN ${digits} does not start with a company prefix of ${orgName}`);
}

// ------------------------------------------------------------------ the read-only view

async function productDetail(client: MedAllianceClient, gtin: bigint) {
  await knownProduct(client, gtin);
  const catalog = client.catalog;
  const view = await catalog.product(gtin);
  const from = client.system.fromBlock;
  const history: { event: string; at: number; by: string; hash: string; order: number }[] = [];
  let specURI: string | null = null;
  const time = async (blockNumber: number) => (await client.provider.getBlock(blockNumber))!.timestamp;
  for (const e of await catalog.queryFilter(catalog.filters.ProductProposed(gtin), from)) {
    specURI = e.args.specURI;
    history.push({
      event: "Proposed",
      at: await time(e.blockNumber),
      order: e.blockNumber * 1e6 + e.index,
      by: client.orgName(e.args.makerOrgId) ?? `organisation ${e.args.makerOrgId}`,
      hash: e.args.specHash,
    });
  }
  const regulatorEvents = [
    ["Approved", catalog.filters.ProductApproved(gtin), "certificateHash"],
    ["Rejected", catalog.filters.ProductRejected(gtin), "reasonHash"],
    ["Withdrawn", catalog.filters.ProductWithdrawn(gtin), "reasonHash"],
  ] as const;
  for (const [name, filter, field] of regulatorEvents) {
    for (const e of await catalog.queryFilter(filter, from)) {
      const args = e.args as unknown as Record<string, string>;
      history.push({
        event: name,
        at: await time(e.blockNumber),
        by: args.regulator,
        hash: args[field],
        order: e.blockNumber * 1e6 + e.index,
      });
    }
  }
  history.sort((a, b) => a.order - b.order);
  return {
    gtin: gtinText(gtin),
    status: statusName(view.status),
    makerOrgId: Number(view.makerOrgId),
    maker: client.orgName(view.makerOrgId) ?? `organisation ${view.makerOrgId}`,
    category: categoryName(view.category),
    deviceClass: Number(view.deviceClass) === 0 ? null : L.trace.DeviceClass[Number(view.deviceClass)],
    unitOfMeasure: unitText(view.unitOfMeasure),
    packSize: Number(view.packSize),
    minTemperature: Number(view.minTemperature) / 10,
    maxTemperature: Number(view.maxTemperature) / 10,
    holdPeriod: Number(view.holdPeriod),
    specHash: view.specHash,
    specURI,
    certificateHash: view.certificateHash === L.ethers.ZeroHash ? null : view.certificateHash,
    history: history.map(({ order: _order, ...h }) => ({ ...h, atUtc: L.codes.formatTime(h.at) })),
  };
}

/** A bytes8 unit code as text ("EA"). */
function unitText(bytes: string): string {
  return L.ethers.toUtf8String(bytes).replace(/\0+$/, "");
}

cliTask("product", "Shows a product of the catalog by GTIN as printed or by GS1 Digital Link URI", false)
  .addPositionalParam("gtin", "The product: a GTIN (8 to 14 digits) or a Digital Link URI")
  .setAction(
    runTask<Common & { gtin?: string }>(false, async (args, client, libs) => {
      L = libs;
      const p = await productDetail(client, gtinArg(args.gtin));
      if (args.json) return L.output.printJson(p);
      console.log(`Product ${p.gtin}: ${p.status}, made by ${p.maker}`);
      console.log(`Category: ${p.category}${p.deviceClass === null ? "" : `, class ${p.deviceClass}`}`);
      console.log(`Pack: ${p.packSize.toLocaleString("en-US")} ${p.unitOfMeasure}`);
      console.log(`Storage: ${celsius(p.minTemperature * 10)} to ${celsius(p.maxTemperature * 10)}`);
      console.log(
        `Hold period: ${formatDuration(p.holdPeriod)}${p.status === "Proposed" ? " (proposed)" : ""} for new batches`,
      );
      console.log(`Specification: ${p.specHash}${p.specURI === null || p.specURI === "" ? "" : ` at ${p.specURI}`}`);
      if (p.certificateHash !== null) console.log(`Registration certificate: ${p.certificateHash}`);
      console.log("\nHistory:");
      L.output.printTable(p.history.map((h) => ({ when: h.atUtc, event: h.event, by: h.by, document: h.hash })));
    }),
  );

// ------------------------------------------------------------------ the maker's proposal

interface ProposeArgs extends Common {
  gtin?: string;
  category?: string;
  deviceClass?: string;
  unit: string;
  pack?: string;
  minTemp?: string;
  maxTemp?: string;
  hold?: string;
  spec?: string;
  specUri: string;
}

cliTask("catalog:propose", "A maker proposes a product under one of its GS1 company prefixes", true)
  .addOptionalParam("gtin", "The product's GTIN as printed")
  .addOptionalParam("category", "drug, device, protective equipment, consumable or raw material")
  .addOptionalParam("deviceClass", "Devices only: I, IIa, IIb or III")
  .addOptionalParam("unit", "Unit of measure (UN/ECE Rec. 20 code: EA, KGM, MTR...)", "EA")
  .addOptionalParam("pack", "Units of measure per pack", "1")
  .addOptionalParam("minTemp", 'Lowest storage temperature in °C ("2", "-20.5")')
  .addOptionalParam("maxTemp", 'Highest storage temperature in °C ("8", "25")')
  .addOptionalParam("hold", 'Proposed hold period for new batches ("14d"; default: the category\'s floor)')
  .addOptionalParam("spec", "The specification document: a file, its text, or its 0x hash")
  .addOptionalParam("specUri", "Where the specification can be fetched", "")
  .setAction(
    runTask<ProposeArgs>(true, async (args, client, libs) => {
      L = libs;
      const gtin = gtinArg(args.gtin);
      const category = categoryArg(args.category);
      let deviceClass = 0;
      if (category === L.trace.Category.Device) {
        const text = required(args.deviceClass, "--device-class (devices have a class: I, IIa, IIb or III)");
        deviceClass = [1, 2, 3, 4].find((c) => L.trace.DeviceClass[c].toLowerCase() === text.toLowerCase()) ?? 0;
        if (deviceClass === 0) fail(`device class "${text}" is not a class: use I, IIa, IIb or III`);
      } else if (args.deviceClass !== undefined) {
        fail(`Only devices have a device class: a ${categoryName(category)} has none`);
      }
      const unit = (args.unit ?? "EA").trim().toUpperCase();
      if (!/^[A-Z0-9]{1,8}$/.test(unit))
        fail(`unit of measure "${args.unit}" is not a UN/ECE code like EA, KGM or MTR`);
      const packSize = L.codes.parseQuantity(args.pack ?? "1", "pack size", 2 ** 32 - 1);
      const minTemperature = temperatureArg(args.minTemp, "--min-temp");
      const maxTemperature = temperatureArg(args.maxTemp, "--max-temp");
      if (minTemperature > maxTemperature) {
        fail(`The lowest temperature ${celsius(minTemperature)} is above the highest ${celsius(maxTemperature)}`);
      }
      const specHash = documentHashArg(args.spec, "--spec");
      const org = await makerOrg(client);
      const companyPrefix = await makerPrefix(client, gtin, org.id, org.name);
      const [, status] = await client.catalog.productTerms(gtin);
      const { None, Rejected } = L.trace.ProductStatus;
      if (![None, Rejected].includes(Number(status))) {
        fail(`Product ${gtinText(gtin)} is already in the catalog (${statusName(status)})`);
      }
      if (await client.registry.paused()) fail("The alliance is paused: no new products until the governor resumes it");
      const floor = Number(await client.catalog.holdFloor(category));
      const hold = args.hold === undefined ? floor : holdArg(args.hold, "--hold");
      const receipt = await client.send(`propose product ${gtinText(gtin)}`, () =>
        client.catalog.proposeProduct({
          gtin,
          companyPrefix,
          category,
          deviceClass,
          unitOfMeasure: L.trace.unit(unit),
          packSize,
          minTemperature,
          maxTemperature,
          proposedHoldPeriod: hold,
          specHash,
          specURI: args.specUri ?? "",
        }),
      );
      const result = {
        gtin: gtinText(gtin),
        makerOrgId: Number(org.id),
        companyPrefix: L.gs1.companyPrefixDigits(companyPrefix),
        category: categoryName(category),
        deviceClass: deviceClass === 0 ? null : L.trace.DeviceClass[deviceClass],
        unitOfMeasure: unit,
        packSize,
        minTemperature: minTemperature / 10,
        maxTemperature: maxTemperature / 10,
        proposedHoldPeriod: hold,
        specHash,
        transaction: receipt.hash,
      };
      if (args.json) return L.output.printJson(result);
      console.log(
        `${org.name} proposed product ${result.gtin} (${result.category}, packs of ${packSize.toLocaleString("en-US")} ` +
          `${unit}, ${celsius(minTemperature)} to ${celsius(maxTemperature)}, hold ${formatDuration(hold)}); ` +
          "it awaits a regulator's approval.",
      );
      if (hold < floor) {
        console.log(
          `Note: the floor for ${result.category} is ${formatDuration(floor)}; a regulator approves at least that.`,
        );
      }
    }),
  );

// ------------------------------------------------------------------ regulators' decisions

interface DecisionArgs extends Common {
  gtin?: string;
  certificate?: string;
  hold?: string;
  reason?: string;
}

cliTask("catalog:approve", "A regulator approves a proposed (or withdrawn) product and sets its hold period", true)
  .addOptionalParam("gtin", "The product: GTIN as printed or Digital Link URI")
  .addOptionalParam("certificate", "The registration certificate: a file, its text, or its 0x hash")
  .addOptionalParam("hold", 'Hold period for new batches ("14d"; default: the one proposed)')
  .setAction(
    runTask<DecisionArgs>(true, async (args, client, libs) => {
      L = libs;
      await requireRegulator(client, "approve products");
      const gtin = gtinArg(args.gtin);
      const certificateHash = documentHashArg(args.certificate, "--certificate");
      const product = await knownProduct(client, gtin);
      const { Proposed, Withdrawn } = L.trace.ProductStatus;
      requireStatus(gtin, product.status, [Proposed, Withdrawn], "only proposed or withdrawn products are approved");
      const hold = args.hold === undefined ? Number(product.holdPeriod) : holdArg(args.hold, "--hold");
      const view = await client.catalog.product(gtin);
      const floor = Number(await client.catalog.holdFloor(view.category));
      if (hold < floor) {
        fail(
          `Hold period ${formatDuration(hold)} is below the floor of ${formatDuration(floor)} for ` +
            categoryName(view.category),
        );
      }
      const receipt = await client.send(`approve product ${gtinText(gtin)}`, () =>
        client.catalog.approveProduct(gtin, certificateHash, hold),
      );
      const result = {
        gtin: gtinText(gtin),
        status: "Approved",
        certificateHash,
        holdPeriod: hold,
        transaction: receipt.hash,
      };
      if (args.json) return L.output.printJson(result);
      console.log(
        `Approved product ${result.gtin} of ${client.orgName(product.makerOrgId)}: new batches stay on hold ` +
          `${formatDuration(hold)}.`,
      );
    }),
  );

/** A regulator's decision with written reasons on a product in one of `allowed` statuses. */
function reasonedDecision(name: string, verb: string, allowed: () => number[], what: string, description: string) {
  cliTask(name, description, true)
    .addOptionalParam("gtin", "The product: GTIN as printed or Digital Link URI")
    .addOptionalParam("reason", "The reasons: a file, a text or a 0x hash")
    .setAction(
      runTask<DecisionArgs>(true, async (args, client, libs) => {
        L = libs;
        await requireRegulator(client, `${verb} products`);
        const gtin = gtinArg(args.gtin);
        const reasonHash = documentHashArg(args.reason, "--reason");
        const product = await knownProduct(client, gtin);
        requireStatus(gtin, product.status, allowed(), what);
        const call = verb === "reject" ? client.catalog.rejectProduct : client.catalog.withdrawProduct;
        const receipt = await client.send(`${verb} product ${gtinText(gtin)}`, () => call(gtin, reasonHash));
        const status = statusName((await client.catalog.productTerms(gtin))[1]);
        const result = { gtin: gtinText(gtin), status, reasonHash, transaction: receipt.hash };
        if (args.json) return L.output.printJson(result);
        console.log(`Product ${result.gtin} of ${client.orgName(product.makerOrgId)} is ${status}.`);
      }),
    );
}

reasonedDecision(
  "catalog:reject",
  "reject",
  () => [L.trace.ProductStatus.Proposed],
  "only proposed products are rejected",
  "A regulator rejects a proposed product (the maker may propose it again)",
);
reasonedDecision(
  "catalog:withdraw",
  "withdraw",
  () => [L.trace.ProductStatus.Approved],
  "only approved products are withdrawn",
  "A regulator withdraws a product's approval: existing batches stay, no new ones",
);
