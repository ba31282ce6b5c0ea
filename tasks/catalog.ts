/**
 * Catalog tasks: a product by GTIN or Digital Link (`product`), a maker's proposal, and the regulators' approval,
 * rejection and withdrawal. The governor's hold floors belong to governance.
 */
import { ethers } from "ethers";
import type { MedAllianceClient } from "../scripts/client/client";
import {
  formatDuration,
  formatTime,
  parseDigitalLink,
  parseDocument,
  parseDuration,
  parseGtin,
  parseQuantity,
  required,
} from "../scripts/client/codes";
import { enumName } from "../scripts/client/errors";
import { InputError } from "../scripts/client/failures";
import { printJson, printTable } from "../scripts/client/output";
import { memberTask, readTask, run, type SendArgs } from "../scripts/client/task";
import { AccountKind, BusinessRole, roleMask } from "../scripts/lib/alliance";
import { companyPrefix, companyPrefixDigits, formatGtin } from "../scripts/lib/gs1";

/** A product named by its GTIN as printed or by a GS1 Digital Link URI. */
function gtinArg(text: string | undefined): bigint {
  const value = required(text, "--gtin");
  return /^[a-z]+:\/\//i.test(value) ? parseDigitalLink(value).gtin : parseGtin(value);
}

const statusName = (status: number | bigint) => enumName("ProductStatus", status);
const CATEGORIES = [1, 2, 3, 4, 5];
const DEVICE_CLASSES = [1, 2, 3, 4];
const deviceClassName = (deviceClass: number | bigint) =>
  Number(deviceClass) === 0 ? null : enumName("DeviceClass", deviceClass);

/** A category by name: "drug", "device", "protective equipment", "consumable", "raw material". */
function categoryArg(text: string | undefined): number {
  const value = required(text, "--category")
    .toLowerCase()
    .replace(/[^a-z]/g, "");
  const category = CATEGORIES.find((c) => enumName("Category", c).toLowerCase() === value);
  if (category === undefined) {
    throw new InputError(
      `category "${text}" is not a category: use drug, device, protective equipment, consumable or raw material`,
    );
  }
  return category;
}

const categoryName = (category: number | bigint) =>
  enumName("Category", category)
    .replace(/([a-z])([A-Z])/g, "$1 $2")
    .toLowerCase();

/** A device's class ("IIa"), required for devices and refused for anything else; 0 when none. */
function deviceClassArg(text: string | undefined, category: number): number {
  if (enumName("Category", category) !== "Device") {
    if (text !== undefined)
      throw new InputError(`Only devices have a device class: a ${categoryName(category)} has none`);
    return 0;
  }
  const value = required(text, "--device-class (devices have a class: I, IIa, IIb or III)");
  const deviceClass = DEVICE_CLASSES.find((c) => deviceClassName(c)!.toLowerCase() === value.toLowerCase());
  if (deviceClass === undefined) throw new InputError(`device class "${value}" is not a class: use I, IIa, IIb or III`);
  return deviceClass;
}

/** A temperature in °C as people write it ("2", "8", "-20.5") in tenths of a degree, as the catalog keeps it. */
function temperatureArg(text: string | undefined, label: string): number {
  const value = required(text, label);
  if (!/^-?\d+(\.\d)?$/.test(value)) {
    throw new InputError(`${label} "${text}" is not a temperature in °C like 2, 8 or -20.5 (one decimal at most)`);
  }
  const tenths = Math.round(Number(value) * 10);
  if (tenths < -32768 || tenths > 32767) throw new InputError(`${label} ${value} °C is outside -3276.8 to 3276.7 °C`);
  return tenths;
}

const celsius = (tenths: number | bigint) => `${(Number(tenths) / 10).toLocaleString("en-US")} °C`;

/** A hold period ("14d") in seconds that fits the catalog's uint32; `otherwise` when not given. */
function holdArg(text: string | undefined, otherwise: number): number {
  if (text === undefined) return otherwise;
  const seconds = parseDuration(text, "--hold");
  if (seconds >= 2 ** 32) throw new InputError(`--hold ${text} is too long`);
  return seconds;
}

/** A product's terms, refused when the catalog has no such product or its status is not among `allowed`. */
async function knownProduct(client: MedAllianceClient, gtin: bigint, allowed?: string[], what?: string) {
  const [makerOrgId, status, holdPeriod] = await client.catalog.productTerms(gtin);
  if (makerOrgId === 0n) throw new InputError(`There is no product ${formatGtin(gtin)} in the catalog`);
  if (allowed !== undefined && !allowed.includes(statusName(status))) {
    throw new InputError(`Product ${formatGtin(gtin)} is ${statusName(status)}: ${what}`);
  }
  const maker = client.orgName(makerOrgId) ?? client.orgLabel(makerOrgId);
  return { makerOrgId, status: Number(status), holdPeriod, maker };
}

/** The maker organisation the signer may propose products for; a device key signs readings only. */
async function makerOrg(client: MedAllianceClient) {
  const account = await client.sender.getAddress();
  const [orgId, kind] = await client.registry.membershipOf(account);
  if (Number(kind) === AccountKind.Device) {
    throw new InputError(`Account ${account} is a device key of ${client.orgName(orgId)}: it signs readings only`);
  }
  const { Supplier, Manufacturer } = BusinessRole;
  return client.actingOrg(roleMask(Supplier, Manufacturer), "on the catalog: only makers propose products");
}

/** The maker's company prefix the GTIN starts with (after its indicator digit), or a sentence naming whose it is. */
async function makerPrefix(client: MedAllianceClient, gtin: bigint, orgId: bigint, orgName: string): Promise<bigint> {
  const digits = formatGtin(gtin);
  let other: bigint | undefined;
  for (let length = 6; length <= 12; length++) {
    const prefix = companyPrefix(digits.slice(1, 1 + length));
    const owner = await client.registry.companyPrefixOwner(prefix);
    if (owner === orgId) return prefix;
    if (owner !== 0n) other = owner;
  }
  if (other !== undefined) {
    throw new InputError(`GTIN ${digits} carries a company prefix of ${client.orgLabel(other)}, not of ${orgName}`);
  }
  throw new InputError(`GTIN ${digits} does not start with a company prefix of ${orgName}`);
}

// ------------------------------------------------------------------ the read-only view

async function productDetail(client: MedAllianceClient, gtin: bigint) {
  const { maker } = await knownProduct(client, gtin);
  const catalog = client.catalog;
  const view = await catalog.product(gtin);
  const from = client.system.fromBlock;
  const history: { event: string; at: number; by: string; hash: string; order: number }[] = [];
  let specURI: string | null = null;
  const entry = async (event: string, e: { blockNumber: number; index: number }, by: string, hash: string) => {
    const at = (await client.provider.getBlock(e.blockNumber))!.timestamp;
    history.push({ event, at, by, hash, order: e.blockNumber * 1e6 + e.index });
  };
  for (const e of await catalog.queryFilter(catalog.filters.ProductProposed(gtin), from)) {
    specURI = e.args.specURI;
    await entry("Proposed", e, maker, e.args.specHash);
  }
  const regulatorEvents = [
    ["Approved", catalog.filters.ProductApproved(gtin), "certificateHash"],
    ["Rejected", catalog.filters.ProductRejected(gtin), "reasonHash"],
    ["Withdrawn", catalog.filters.ProductWithdrawn(gtin), "reasonHash"],
  ] as const;
  for (const [name, filter, field] of regulatorEvents) {
    for (const e of await catalog.queryFilter(filter, from)) {
      const args = e.args as unknown as Record<string, string>;
      await entry(name, e, args.regulator, args[field]);
    }
  }
  history.sort((a, b) => a.order - b.order);
  return {
    gtin: formatGtin(gtin),
    status: statusName(view.status),
    makerOrgId: Number(view.makerOrgId),
    maker,
    category: categoryName(view.category),
    deviceClass: deviceClassName(view.deviceClass),
    unitOfMeasure: ethers.toUtf8String(view.unitOfMeasure).replace(/\0+$/, ""),
    packSize: Number(view.packSize),
    minTemperature: Number(view.minTemperature) / 10,
    maxTemperature: Number(view.maxTemperature) / 10,
    holdPeriod: Number(view.holdPeriod),
    specHash: view.specHash,
    specURI,
    certificateHash: view.certificateHash === ethers.ZeroHash ? null : view.certificateHash,
    history: history.map(({ order: _order, ...h }) => ({ ...h, atUtc: formatTime(h.at) })),
  };
}

readTask("product", "Shows a product of the catalog by GTIN as printed or by GS1 Digital Link URI")
  .addPositionalParam("gtin", "The product: a GTIN (8 to 14 digits) or a Digital Link URI")
  .setAction(
    run<SendArgs & { gtin?: string }>(false, async (args, client) => {
      const p = await productDetail(client, gtinArg(args.gtin));
      if (args.json) return printJson(p);
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
      printTable(p.history.map((h) => ({ when: h.atUtc, event: h.event, by: h.by, document: h.hash })));
    }),
  );

// ------------------------------------------------------------------ the maker's proposal

interface ProposeArgs extends SendArgs {
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

/** catalog:propose's parameters: name, description and default. */
const PROPOSE_PARAMS: [string, string, string?][] = [
  ["gtin", "The product's GTIN as printed"],
  ["category", "drug, device, protective equipment, consumable or raw material"],
  ["deviceClass", "Devices only: I, IIa, IIb or III"],
  ["unit", "Unit of measure (UN/ECE Rec. 20 code: EA, KGM, MTR...)", "EA"],
  ["pack", "Units of measure per pack", "1"],
  ["minTemp", 'Lowest storage temperature in °C ("2", "-20.5")'],
  ["maxTemp", 'Highest storage temperature in °C ("8", "25")'],
  ["hold", 'Proposed hold period for new batches ("14d"; default: the category\'s floor)'],
  ["spec", "The specification document: a file, its text, or its 0x hash"],
  ["specUri", "Where the specification can be fetched", ""],
];

const proposeTask = memberTask("catalog:propose", "A maker proposes a product under one of its GS1 company prefixes");
for (const [name, description, byDefault] of PROPOSE_PARAMS) proposeTask.addOptionalParam(name, description, byDefault);
proposeTask.setAction(
  run<ProposeArgs>(true, async (args, client) => {
    const gtin = gtinArg(args.gtin);
    const category = categoryArg(args.category);
    const deviceClass = deviceClassArg(args.deviceClass, category);
    const unit = (args.unit ?? "EA").trim().toUpperCase();
    if (!/^[A-Z0-9]{1,8}$/.test(unit)) {
      throw new InputError(`unit of measure "${args.unit}" is not a UN/ECE code like EA, KGM or MTR`);
    }
    const packSize = parseQuantity(args.pack ?? "1", "pack size", 2 ** 32 - 1);
    const minTemperature = temperatureArg(args.minTemp, "--min-temp");
    const maxTemperature = temperatureArg(args.maxTemp, "--max-temp");
    if (minTemperature > maxTemperature) {
      throw new InputError(
        `The lowest temperature ${celsius(minTemperature)} is above the highest ${celsius(maxTemperature)}`,
      );
    }
    const specHash = parseDocument(args.spec, "--spec");
    const org = await makerOrg(client);
    const companyPrefix = await makerPrefix(client, gtin, org.id, org.name);
    const [, status] = await client.catalog.productTerms(gtin);
    if (!["None", "Rejected"].includes(statusName(status))) {
      throw new InputError(`Product ${formatGtin(gtin)} is already in the catalog (${statusName(status)})`);
    }
    await client.requireNotPaused("propose products");
    const floor = Number(await client.catalog.holdFloor(category));
    const hold = holdArg(args.hold, floor);
    // Loaded here: the trace library needs the contracts' bindings.
    const { unit: unitCode } = await import("../scripts/lib/trace");
    const receipt = await client.send(`propose product ${formatGtin(gtin)}`, () =>
      client.catalog.proposeProduct({
        gtin,
        companyPrefix,
        category,
        deviceClass,
        unitOfMeasure: unitCode(unit),
        packSize,
        minTemperature,
        maxTemperature,
        proposedHoldPeriod: hold,
        specHash,
        specURI: args.specUri ?? "",
      }),
    );
    const result = {
      gtin: formatGtin(gtin),
      makerOrgId: Number(org.id),
      companyPrefix: companyPrefixDigits(companyPrefix),
      category: categoryName(category),
      deviceClass: deviceClassName(deviceClass),
      unitOfMeasure: unit,
      packSize,
      minTemperature: minTemperature / 10,
      maxTemperature: maxTemperature / 10,
      proposedHoldPeriod: hold,
      specHash,
      transaction: receipt.hash,
    };
    if (args.json) return printJson(result);
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

interface DecisionArgs extends SendArgs {
  gtin?: string;
  certificate?: string;
  hold?: string;
  reason?: string;
}

memberTask("catalog:approve", "A regulator approves a proposed (or withdrawn) product and sets its hold period")
  .addOptionalParam("gtin", "The product: GTIN as printed or Digital Link URI")
  .addOptionalParam("certificate", "The registration certificate: a file, its text, or its 0x hash")
  .addOptionalParam("hold", 'Hold period for new batches ("14d"; default: the one proposed)')
  .setAction(
    run<DecisionArgs>(true, async (args, client) => {
      await client.requireRegulator("approve products");
      const gtin = gtinArg(args.gtin);
      const certificateHash = parseDocument(args.certificate, "--certificate");
      const product = await knownProduct(
        client,
        gtin,
        ["Proposed", "Withdrawn"],
        "only proposed or withdrawn products are approved",
      );
      const hold = holdArg(args.hold, Number(product.holdPeriod));
      const view = await client.catalog.product(gtin);
      const floor = Number(await client.catalog.holdFloor(view.category));
      if (hold < floor) {
        throw new InputError(
          `Hold period ${formatDuration(hold)} is below the floor of ${formatDuration(floor)} for ` +
            categoryName(view.category),
        );
      }
      const receipt = await client.send(`approve product ${formatGtin(gtin)}`, () =>
        client.catalog.approveProduct(gtin, certificateHash, hold),
      );
      const result = {
        gtin: formatGtin(gtin),
        status: "Approved",
        certificateHash,
        holdPeriod: hold,
        transaction: receipt.hash,
      };
      if (args.json) return printJson(result);
      console.log(
        `Approved product ${result.gtin} of ${product.maker}: new batches stay on hold ${formatDuration(hold)}.`,
      );
    }),
  );

/** A regulator's decision with written reasons on a product in one of the `allowed` statuses. */
function reasonedDecision(name: string, verb: "reject" | "withdraw", allowed: string, description: string) {
  memberTask(name, description)
    .addOptionalParam("gtin", "The product: GTIN as printed or Digital Link URI")
    .addOptionalParam("reason", "The reasons: a file, a text or a 0x hash")
    .setAction(
      run<DecisionArgs>(true, async (args, client) => {
        await client.requireRegulator(`${verb} products`);
        const gtin = gtinArg(args.gtin);
        const reasonHash = parseDocument(args.reason, "--reason");
        const done = verb === "reject" ? "rejected" : "withdrawn";
        const product = await knownProduct(
          client,
          gtin,
          [allowed],
          `only ${allowed.toLowerCase()} products are ${done}`,
        );
        const call = verb === "reject" ? client.catalog.rejectProduct : client.catalog.withdrawProduct;
        const receipt = await client.send(`${verb} product ${formatGtin(gtin)}`, () => call(gtin, reasonHash));
        const status = statusName((await client.catalog.productTerms(gtin))[1]);
        const result = { gtin: formatGtin(gtin), status, reasonHash, transaction: receipt.hash };
        if (args.json) return printJson(result);
        console.log(`Product ${result.gtin} of ${product.maker} is ${status}.`);
      }),
    );
}

reasonedDecision(
  "catalog:reject",
  "reject",
  "Proposed",
  "A regulator rejects a proposed product (the maker may propose it again)",
);
reasonedDecision(
  "catalog:withdraw",
  "withdraw",
  "Approved",
  "A regulator withdraws a product's approval: existing batches stay, no new ones",
);
