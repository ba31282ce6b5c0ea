/**
 * Custom device order tasks: a hospital orders a patient-specific device from a manufacturer (`orders:place`); the
 * manufacturer designs it (`orders:design`), links the unit it made (`orders:produce`) and ships it with the order's
 * reference (`orders:ship`); a regulator rules on compliance (`orders:approve`, `orders:reject`); the hospital records
 * the installation (`orders:install`) or cancels (`orders:cancel`); either party files service records
 * (`orders:service`). `order` shows one order with its proved history, `orders:list` an organisation's orders.
 *
 * Libraries that load the contracts' bindings are imported inside the actions: Hardhat reads this file before the
 * bindings exist.
 */
import fs from "node:fs";
import type { ConfigurableTaskDefinition, HardhatRuntimeEnvironment } from "hardhat/types";
import type { ContractTransactionReceipt, LogDescription } from "ethers";
import type { MedAllianceClient, Organisation } from "../scripts/client/client";
import { InputError } from "../scripts/client/failures";
import { action, memberTask, readClient, readTask, sendClient } from "../scripts/client/task";
import type { IBatchLedger, IDeviceOrderBook } from "../typechain-types";

async function loadModules() {
  const [ethers, codes, output, orders, trace, alliance, gs1, adverse] = await Promise.all([
    import("ethers"),
    import("../scripts/client/codes"),
    import("../scripts/client/output"),
    import("../scripts/lib/orders"),
    import("../scripts/lib/trace"),
    import("../scripts/lib/alliance"),
    import("../scripts/lib/gs1"),
    import("../scripts/lib/adverse"),
  ]);
  return { ethers: ethers.ethers, codes, output, orders, trace, alliance, gs1, adverse };
}

let M: Awaited<ReturnType<typeof loadModules>>;

interface BaseArgs {
  registry?: string;
  json: boolean;
  from?: string;
}

interface OrderArgs extends BaseArgs {
  order: string;
}

type OrderView = IDeviceOrderBook.OrderViewStructOutput;

/** Role bits (contracts/alliance/AllianceTypes.sol `Roles`) the order book asks for. */
const MANUFACTURER = 1 << 2;
const LOGISTICS = 1 << 3;
const HOSPITAL = 1 << 5;

/** An orders task: `--registry` and `--json` always, `--from` when it sends a transaction. */
function define(name: string, description: string, sends: boolean): ConfigurableTaskDefinition {
  return sends ? memberTask(name, description) : readTask(name, description);
}

/** The task's body with a connected client; bad input and refusals become one line and exit code 1. */
function act<A extends BaseArgs>(sends: boolean, body: (args: A, client: MedAllianceClient) => Promise<void>) {
  return action<A>(async (args: A, hre: HardhatRuntimeEnvironment) => {
    M = await loadModules();
    const client = sends ? await sendClient(hre, args) : await readClient(hre, args);
    await client.organisations();
    await body(args, client);
  });
}

function refuse(message: string): never {
  throw new InputError(message);
}

/** Prints the JSON document or the sentences. */
function show(args: BaseArgs, document: Record<string, unknown>, lines: string[]): void {
  if (args.json) M.output.printJson(document);
  else for (const line of lines) console.log(line);
}

function nameOf(client: MedAllianceClient, orgId: bigint | number): string {
  return client.orgName(BigInt(orgId)) ?? `organisation ${orgId}`;
}

function statusName(status: bigint | number): string {
  return M.orders.OrderStatus[Number(status)];
}

/**
 * A document given as its 0x hash, as a file (its bytes are hashed), or as words typed on the command line (their
 * hash). Only the hash goes on chain.
 */
function hashOf(text: string, label: string): string {
  const value = text.trim();
  if (value === "") refuse(`${label} is empty: give a file, a text or a 0x hash`);
  if (/^0x[0-9a-fA-F]{64}$/.test(value)) {
    if (BigInt(value) === 0n) refuse(`${label} is the zero hash: give the document's real hash`);
    return value.toLowerCase();
  }
  if (fs.existsSync(value) && fs.statSync(value).isFile()) return M.ethers.keccak256(fs.readFileSync(value));
  return M.alliance.documentHash(value);
}

/** The order named by `--order` ("12" or "#12"), refused when the book has no such order. */
async function orderArg(client: MedAllianceClient, text: string): Promise<{ id: bigint; view: OrderView }> {
  const match = /^#?(\d{1,18})$/.exec(text.trim());
  if (match === null) refuse(`order "${text}" is not an order number (1, 2, …)`);
  const id = BigInt(match[1]);
  const view = await client.orders.orderOf(id);
  if (Number(view.status) === M.orders.OrderStatus.None) {
    const count = await client.orders.orderCount();
    refuse(
      count === 0n
        ? `Order ${id} does not exist: no order was placed yet`
        : `Order ${id} does not exist: the order book holds orders 1 to ${count}`,
    );
  }
  return { id, view };
}

/** Refuses unless the order is in one of `allowed`; `step` says what was asked ("designed"). */
function requireStatus(id: bigint, view: OrderView, allowed: number[], step: string): void {
  if (allowed.includes(Number(view.status))) return;
  const names = allowed.map((s) => M.orders.OrderStatus[s]);
  const list = names.length === 1 ? names[0] : `${names.slice(0, -1).join(", ")} or ${names.at(-1)}`;
  const article = /^[AEIOU]/.test(list) ? "an" : "a";
  refuse(`Order ${id} is ${statusName(view.status)}: only ${article} ${list} order can be ${step}`);
}

/** The sender's organisation when its account may act now in one of the roles of `mask`. */
async function senderActingAs(client: MedAllianceClient, mask: number): Promise<Organisation> {
  const account = await client.sender.getAddress();
  const org = await client.senderOrg();
  const [orgId] = await client.registry.permittedOrganisation(account, mask);
  if (orgId !== 0n) return org;
  // The registry reports a lapsed licence as the status Expired.
  if (org.status !== M.alliance.OrganisationStatus.Active) {
    refuse(`${org.name} is ${org.statusName.toLowerCase()}: it may not act on device orders`);
  }
  refuse(`${org.name} is not admitted as ${M.alliance.roleNames(mask).join(" or ")}`);
}

/** The sender, when it acts as `role` for the order's `party` (its hospital or manufacturer). */
async function requireParty(
  client: MedAllianceClient,
  id: bigint,
  view: OrderView,
  party: "hospital" | "manufacturer",
): Promise<Organisation> {
  const org = await senderActingAs(client, party === "hospital" ? HOSPITAL : MANUFACTURER);
  const partyId = BigInt(party === "hospital" ? view.hospitalOrgId : view.manufacturerOrgId);
  if (org.id !== partyId) {
    refuse(`${org.name} is not the ${party} of order ${id}: ${nameOf(client, partyId)} is`);
  }
  return org;
}

async function requireRegulator(client: MedAllianceClient, step: string): Promise<string> {
  const account = await client.sender.getAddress();
  if (!(await client.registry.hasRole(M.alliance.REGULATOR_ROLE, account))) {
    refuse(`Account ${account} is not a regulator: only regulators ${step}`);
  }
  return account;
}

/** The order book's (or ledger's) events of one name in a receipt. */
function eventsIn(client: MedAllianceClient, receipt: ContractTransactionReceipt, name: string): LogDescription[] {
  const found: LogDescription[] = [];
  for (const contract of [client.orders, client.ledger]) {
    for (const log of receipt.logs) {
      if (log.address.toLowerCase() !== contract.target.toString().toLowerCase()) continue;
      const parsed = contract.interface.parseLog(log);
      if (parsed?.name === name) found.push(parsed);
    }
  }
  return found;
}

/** "GTIN/lot" of a batch id, from its commissioning event (the id when the lot cannot be read). */
async function batchLabel(client: MedAllianceClient, batchId: string): Promise<string> {
  const ledger = client.ledger;
  const [event] = await ledger.queryFilter(ledger.filters.BatchCommissioned(batchId), client.system.fromBlock);
  if (event === undefined) return M.codes.shortId(batchId);
  return `${M.gs1.formatGtin(event.args.request.gtin)}/${M.ethers.decodeBytes32String(event.args.request.lot)}`;
}

const plural = (count: number, word: string) => `${count.toLocaleString("en-US")} ${word}${count === 1 ? "" : "s"}`;

// ------------------------------------------------------------------------------------------------ place

interface PlaceArgs extends BaseArgs {
  maker: string;
  product: string;
  patient?: string;
  salt?: string;
  patientRef?: string;
  requirements: string;
  requirementsUri: string;
}

define("orders:place", "A hospital orders a custom device for a patient from a device manufacturer", true)
  .addParam("maker", "The manufacturer, by id or name")
  .addParam("product", "The device's GTIN: an approved Device product of the manufacturer")
  .addOptionalParam("patient", "The hospital's own patient id (e.g. the record number); only a salted hash is sent")
  .addOptionalParam("salt", "A 0x 32-byte salt to hash the patient id with (default: a new random one, printed)")
  .addOptionalParam("patientRef", "The salted patient reference itself (0x hash), instead of --patient")
  .addParam("requirements", "The prescription and requirements: a file, a text or its 0x hash")
  .addOptionalParam("requirementsUri", "Where the entitled parties fetch the prescription", "")
  .setAction(
    act<PlaceArgs>(true, async (args, client) => {
      const hospital = await senderActingAs(client, HOSPITAL);
      if (await client.registry.paused()) refuse("The alliance is paused: no new orders until it resumes");
      const maker = await client.resolveOrg(args.maker, "--maker");
      const [makerStatus, makerRoles] = await client.registry.standing(maker.id);
      if (Number(makerStatus) !== M.alliance.OrganisationStatus.Active || (Number(makerRoles) & MANUFACTURER) === 0) {
        refuse(`${maker.name} is not an Active manufacturer: it cannot take device orders`);
      }
      const gtin = M.codes.parseGtin(args.product, "--product");
      const printedGtin = M.gs1.formatGtin(gtin);
      let product;
      try {
        product = await client.catalog.product(gtin);
      } catch (error) {
        if (!/^There is no product/.test(client.explain(error))) throw error;
        refuse(`Product ${printedGtin} is not in the catalog`);
      }
      if (Number(product.category) !== M.trace.Category.Device) {
        refuse(
          `Product ${printedGtin} is ${M.trace.Category[Number(product.category)]}, not a device: only devices are ordered`,
        );
      }
      if (BigInt(product.makerOrgId) !== maker.id) {
        refuse(`Product ${printedGtin} is made by ${nameOf(client, product.makerOrgId)}, not by ${maker.name}`);
      }
      if (Number(product.status) !== M.trace.ProductStatus.Approved) {
        refuse(
          `Product ${printedGtin} is ${M.trace.ProductStatus[Number(product.status)]}: only approved devices are ordered`,
        );
      }
      let salt: string | undefined;
      let patientRef: string;
      if (args.patientRef !== undefined) {
        if (args.patient !== undefined || args.salt !== undefined) {
          refuse("give either --patient (with an optional --salt) or --patient-ref, not both");
        }
        patientRef = M.codes.parseBytes32(args.patientRef, "--patient-ref");
        if (BigInt(patientRef) === 0n) refuse("--patient-ref is the zero hash");
      } else {
        if (args.patient === undefined || args.patient.trim() === "") {
          refuse("the patient is required: give --patient (the hospital's patient id) or --patient-ref");
        }
        salt = args.salt === undefined ? M.adverse.newPatientSalt() : M.codes.parseBytes32(args.salt, "--salt");
        patientRef = M.adverse.patientRef(salt, args.patient.trim());
      }
      const request = {
        manufacturerOrgId: maker.id,
        gtin,
        patientRef,
        requirementsHash: hashOf(args.requirements, "--requirements"),
        requirementsURI: args.requirementsUri,
      };
      const receipt = await client.send(`place the order with ${maker.name}`, () => client.orders.place(request));
      const orderId: bigint = eventsIn(client, receipt, "OrderPlaced")[0].args.orderId;
      const lines = [
        `${hospital.name} placed order ${orderId} with ${maker.name} for a custom device, GTIN ${printedGtin}.`,
        `Patient reference ${patientRef}`,
      ];
      if (salt !== undefined) lines.push(`Keep this salt in the patient's record, never on chain: ${salt}`);
      lines.push(`Transaction ${receipt.hash}`);
      show(
        args,
        {
          transaction: receipt.hash,
          orderId,
          status: "Placed",
          hospital: { id: hospital.id, name: hospital.name },
          manufacturer: { id: maker.id, name: maker.name },
          gtin: printedGtin,
          patientRef,
          salt: salt ?? null,
          requirementsHash: request.requirementsHash,
          requirementsURI: request.requirementsURI,
        },
        lines,
      );
    }),
  );

// ------------------------------------------------------------------------------------------------ manufacturer

interface DesignArgs extends OrderArgs {
  design: string;
  designUri: string;
  materials: string;
}

define(
  "orders:design",
  "The manufacturer records the design and the raw-material batches (or revises a rejection)",
  true,
)
  .addParam("order", "The order number")
  .addParam("design", "The design parameters document: a file, a text or its 0x hash")
  .addOptionalParam("designUri", "Where the entitled parties fetch the design", "")
  .addParam("materials", 'The raw-material batches, comma-separated: "<GTIN>/<lot>", Digital Link URIs or 0x ids')
  .setAction(
    act<DesignArgs>(true, async (args, client) => {
      const { id, view } = await orderArg(client, args.order);
      const { Placed, Rejected } = M.orders.OrderStatus;
      requireStatus(id, view, [Placed, Rejected], "designed");
      const maker = await requireParty(client, id, view, "manufacturer");
      const texts = args.materials
        .split(",")
        .map((t) => t.trim())
        .filter((t) => t !== "");
      if (texts.length === 0 || texts.length > M.orders.MAX_RAW_MATERIALS) {
        refuse(`--materials lists ${texts.length} batches: a design lists 1 to ${M.orders.MAX_RAW_MATERIALS}`);
      }
      const materials = [];
      for (const text of texts) materials.push(await client.resolveBatch(text, "raw material"));
      const request = {
        designHash: hashOf(args.design, "--design"),
        designURI: args.designUri,
        rawMaterials: materials.map((m) => m.batchId),
      };
      const revision = Number(view.status) === Rejected;
      const receipt = await client.send(`record the design of order ${id}`, () => client.orders.design(id, request));
      const names = materials.map((m) => (m.lot === "" ? m.batchId : `${M.gs1.formatGtin(m.gtin)}/${m.lot}`));
      show(
        args,
        {
          transaction: receipt.hash,
          orderId: id,
          status: "Designed",
          revision,
          designHash: request.designHash,
          designURI: request.designURI,
          rawMaterials: request.rawMaterials,
        },
        [
          `${maker.name} recorded the ${revision ? "revised " : ""}design of order ${id}, made from ${names.join(", ")}.`,
          `Transaction ${receipt.hash}`,
        ],
      );
    }),
  );

interface ProduceArgs extends OrderArgs {
  batch: string;
  unit: string;
}

define("orders:produce", "The manufacturer links the device it made (a unit of a ledger batch) to the order", true)
  .addParam("order", "The order number")
  .addParam("batch", 'The device\'s batch: "<GTIN>/<lot>", a Digital Link URI or its 0x id')
  .addOptionalParam("unit", "The device's index in its batch (from 0)", "0")
  .setAction(
    act<ProduceArgs>(true, async (args, client) => {
      const { id, view } = await orderArg(client, args.order);
      requireStatus(id, view, [M.orders.OrderStatus.Designed], "produced");
      const maker = await requireParty(client, id, view, "manufacturer");
      const batch = await client.resolveBatch(args.batch);
      const label = `${M.gs1.formatGtin(batch.gtin)}/${batch.lot}`;
      if (batch.gtin !== BigInt(view.gtin)) {
        refuse(`Batch ${label} is not of the ordered product ${M.gs1.formatGtin(view.gtin)}`);
      }
      if (!/^\d{1,12}$/.test(args.unit.trim())) refuse(`--unit "${args.unit}" is not a unit index (0, 1, …)`);
      const unitIndex = BigInt(args.unit.trim());
      if (unitIndex >= batch.view.commissioned) {
        refuse(
          `Unit ${unitIndex} is not in batch ${label}: it has ${plural(Number(batch.view.commissioned), "unit")} ` +
            `(0 to ${batch.view.commissioned - 1n})`,
        );
      }
      const boundTo = await client.orders.orderOfUnit(batch.batchId, unitIndex);
      if (boundTo !== 0n && boundTo !== id) {
        refuse(`Unit ${unitIndex} of batch ${label} is already the device of order ${boundTo}`);
      }
      const receipt = await client.send(`link the device to order ${id}`, () =>
        client.orders.completeProduction(id, batch.batchId, unitIndex),
      );
      const deadline: bigint = eventsIn(client, receipt, "OrderProduced")[0].args.complianceDeadline;
      show(
        args,
        {
          transaction: receipt.hash,
          orderId: id,
          status: "Produced",
          batchId: batch.batchId,
          unitIndex,
          complianceDeadline: deadline,
        },
        [
          `${maker.name} made the device of order ${id}: unit ${unitIndex} of batch ${label}.`,
          `A regulator rules on its compliance by ${M.codes.formatTime(deadline)}; after that the hospital may cancel.`,
          `Transaction ${receipt.hash}`,
        ],
      );
    }),
  );

interface ShipArgs extends OrderArgs {
  carrier: string;
  doc?: string;
  site: string;
  toSite: string;
}

define("orders:ship", "The manufacturer ships the approved device to the hospital, the shipment naming the order", true)
  .addParam("order", "The order number")
  .addParam("carrier", "The carrying organisation (LOGISTICS), by id or name")
  .addOptionalParam("doc", "The delivery note: a file, a text or its 0x hash")
  .addOptionalParam("site", "The manufacturer's site index", "0")
  .addOptionalParam("toSite", "The hospital's site index", "0")
  .setAction(
    act<ShipArgs>(true, async (args, client) => {
      const { id, view } = await orderArg(client, args.order);
      requireStatus(id, view, [M.orders.OrderStatus.Approved], "shipped");
      const maker = await requireParty(client, id, view, "manufacturer");
      const hospitalId = BigInt(view.hospitalOrgId);
      const label = await batchLabel(client, view.batchId);
      const batchStatus = Number(await client.ledger.batchStatus(view.batchId));
      if (batchStatus !== M.trace.BatchStatus.Released) {
        refuse(
          `Batch ${label} is ${M.trace.BatchStatus[batchStatus]}: the device ships once its batch is Released ` +
            "(a regulator may release it early)",
        );
      }
      if ((await client.ledger.holdingOf(view.batchId, maker.id)) === 0n) {
        refuse(`${maker.name} holds no unit of batch ${label}: the device has already left`);
      }
      const carrier = await client.resolveOrg(args.carrier, "--carrier");
      const [carrierStatus, carrierRoles] = await client.registry.standing(carrier.id);
      if (Number(carrierStatus) !== M.alliance.OrganisationStatus.Active || (Number(carrierRoles) & LOGISTICS) === 0) {
        refuse(`${carrier.name} is not an Active LOGISTICS member: it cannot carry shipments`);
      }
      const site = await siteIndex(client, maker.id, args.site, "--site");
      const toSite = await siteIndex(client, hospitalId, args.toSite, "--to-site");
      const ref = await client.orders.shipmentRefOf(id);
      const docHash = args.doc === undefined ? M.ethers.ZeroHash : hashOf(args.doc, "--doc");
      const receipt = await client.send(`ship the device of order ${id}`, () =>
        client.ledger.ship(view.batchId, hospitalId, 1n, carrier.id, ref, docHash, site, toSite),
      );
      const shipmentId: string = eventsIn(client, receipt, "Shipped")[0].args.shipmentId;
      show(
        args,
        {
          transaction: receipt.hash,
          orderId: id,
          shipmentId,
          batchId: view.batchId,
          hospital: { id: hospitalId, name: nameOf(client, hospitalId) },
          carrier: { id: carrier.id, name: carrier.name },
          ref,
          docHash,
        },
        [
          `${maker.name} shipped the device of order ${id} (batch ${label}) to ${nameOf(client, hospitalId)}, ` +
            `carried by ${carrier.name}.`,
          `Shipment ${shipmentId}`,
          `Transaction ${receipt.hash}`,
        ],
      );
    }),
  );

/** A site index of an organisation, refused when it has no such site. */
async function siteIndex(client: MedAllianceClient, orgId: bigint, text: string, label: string): Promise<bigint> {
  if (!/^\d{1,4}$/.test(text.trim())) refuse(`${label} "${text}" is not a site index (0, 1, …)`);
  const index = BigInt(text.trim());
  const count = BigInt((await client.registry.sitesOf(orgId)).length);
  if (index >= count) {
    refuse(`${label} ${index}: ${nameOf(client, orgId)} has ${plural(Number(count), "site")}`);
  }
  return index;
}

// ------------------------------------------------------------------------------------------------ regulator

interface RuleArgs extends OrderArgs {
  certificate?: string;
  reason?: string;
}

function ruleTask(name: string, approve: boolean): void {
  const verb = approve ? "approve" : "reject";
  define(
    name,
    approve
      ? "A regulator finds a produced device compliant: it may ship and be installed"
      : "A regulator finds a produced device not compliant: the manufacturer may revise the design",
    true,
  )
    .addParam("order", "The order number")
    .addParam(
      approve ? "certificate" : "reason",
      approve
        ? "The compliance certificate: a file, a text or its 0x hash"
        : "The written reasons: a file, a text or a 0x hash",
    )
    .setAction(
      act<RuleArgs>(true, async (args, client) => {
        const { id, view } = await orderArg(client, args.order);
        await requireRegulator(client, `${verb} a device's compliance`);
        requireStatus(id, view, [M.orders.OrderStatus.Produced], approve ? "approved" : "rejected");
        const documentHash = approve ? hashOf(args.certificate!, "--certificate") : hashOf(args.reason!, "--reason");
        const receipt = await client.send(`${verb} the compliance of order ${id}`, () =>
          approve
            ? client.orders.approveCompliance(id, documentHash)
            : client.orders.rejectCompliance(id, documentHash),
        );
        const late: boolean = eventsIn(client, receipt, "OrderRuled")[0].args.late;
        const status = approve ? "Approved" : "Rejected";
        show(args, { transaction: receipt.hash, orderId: id, status, documentHash, late }, [
          approve
            ? `Order ${id}'s device was found compliant: ${nameOf(client, view.manufacturerOrgId)} may ship it.`
            : `Order ${id}'s device was found not compliant: ${nameOf(client, view.manufacturerOrgId)} may revise ` +
              `the design, or ${nameOf(client, view.hospitalOrgId)} may cancel.`,
          ...(late
            ? [`The ruling came after the compliance deadline (${M.codes.formatTime(view.complianceDeadline)}).`]
            : []),
          `Transaction ${receipt.hash}`,
        ]);
      }),
    );
}

ruleTask("orders:approve", true);
ruleTask("orders:reject", false);

// ------------------------------------------------------------------------------------------------ hospital

interface InstallArgs extends OrderArgs {
  shipment?: string;
  report: string;
  reportUri: string;
}

/** The shipments carrying the order's device from its manufacturer to its hospital with the order's reference. */
async function orderShipments(client: MedAllianceClient, id: bigint, view: OrderView) {
  const ledger = client.ledger;
  const ref = await client.orders.shipmentRefOf(id);
  const events = await ledger.queryFilter(
    ledger.filters.Shipped(undefined, view.batchId, view.hospitalOrgId),
    client.system.fromBlock,
  );
  return events
    .filter((e) => e.args.shipment.ref === ref && e.args.shipment.fromOrgId === view.manufacturerOrgId)
    .map((e) => e.args.shipmentId as string);
}

define("orders:install", "The hospital records that it installed the approved device it received", true)
  .addParam("order", "The order number")
  .addOptionalParam("shipment", "The shipment that brought the device (default: the order's received shipment)")
  .addParam("report", "The installation (surgery) report: a file, a text or its 0x hash")
  .addOptionalParam("reportUri", "Where the entitled parties fetch the report", "")
  .setAction(
    act<InstallArgs>(true, async (args, client) => {
      const { id, view } = await orderArg(client, args.order);
      requireStatus(id, view, [M.orders.OrderStatus.Approved], "installed");
      const hospital = await requireParty(client, id, view, "hospital");
      const candidates = await orderShipments(client, id, view);
      let shipmentId: string;
      if (args.shipment !== undefined) {
        shipmentId = M.codes.parseBytes32(args.shipment, "--shipment");
        await client.findShipment(shipmentId);
        if (!candidates.includes(shipmentId)) {
          refuse(`Shipment ${shipmentId} does not carry order ${id}'s device from its maker to ${hospital.name}`);
        }
      } else {
        if (candidates.length === 0) {
          refuse(`No shipment of order ${id}'s device to ${hospital.name} is on the ledger: the maker ships it first`);
        }
        const states = await Promise.all(candidates.map((c) => client.ledger.shipmentState(c)));
        const received = candidates.filter((_, i) => Number(states[i].status) === M.trace.ShipmentStatus.Received);
        shipmentId = received.at(-1) ?? candidates.at(-1)!;
      }
      const state = await client.ledger.shipmentState(shipmentId);
      if (Number(state.status) !== M.trace.ShipmentStatus.Received || state.received === 0n) {
        refuse(
          `Shipment ${shipmentId} is ${M.trace.ShipmentStatus[Number(state.status)]}: ${hospital.name} receives ` +
            "the device on the ledger before recording its installation",
        );
      }
      const shipment: IBatchLedger.ShipmentStruct = await client.findShipment(shipmentId);
      const reportHash = hashOf(args.report, "--report");
      const receipt = await client.send(`record the installation of order ${id}`, () =>
        client.orders.confirmInstallation(id, shipment, reportHash, args.reportUri),
      );
      show(
        args,
        {
          transaction: receipt.hash,
          orderId: id,
          status: "Installed",
          shipmentId,
          reportHash,
          reportURI: args.reportUri,
        },
        [`${hospital.name} installed the device of order ${id}.`, `Transaction ${receipt.hash}`],
      );
    }),
  );

interface ReportArgs extends OrderArgs {
  report: string;
  reportUri: string;
}

define(
  "orders:service",
  "The manufacturer or the hospital adds an after-sales service record to an installed device",
  true,
)
  .addParam("order", "The order number")
  .addParam("report", "The service report: a file, a text or its 0x hash")
  .addOptionalParam("reportUri", "Where the entitled parties fetch the report", "")
  .setAction(
    act<ReportArgs>(true, async (args, client) => {
      const { id, view } = await orderArg(client, args.order);
      requireStatus(id, view, [M.orders.OrderStatus.Installed], "serviced");
      const org = await senderActingAs(client, MANUFACTURER | HOSPITAL);
      if (org.id !== BigInt(view.hospitalOrgId) && org.id !== BigInt(view.manufacturerOrgId)) {
        refuse(
          `${org.name} is neither the hospital nor the manufacturer of order ${id}: ` +
            `${nameOf(client, view.hospitalOrgId)} and ${nameOf(client, view.manufacturerOrgId)} are`,
        );
      }
      const reportHash = hashOf(args.report, "--report");
      const receipt = await client.send(`record a service of order ${id}`, () =>
        client.orders.recordService(id, reportHash, args.reportUri),
      );
      const [, count] = await client.orders.historyOf(id);
      show(
        args,
        { transaction: receipt.hash, orderId: id, reportHash, reportURI: args.reportUri, recordCount: count },
        [`${org.name} added a service record to order ${id}.`, `Transaction ${receipt.hash}`],
      );
    }),
  );

interface CancelArgs extends OrderArgs {
  reason: string;
}

define(
  "orders:cancel",
  "The hospital cancels an order (before production, after a rejection, or past the deadline)",
  true,
)
  .addParam("order", "The order number")
  .addParam("reason", "The written reasons: a file, a text or its 0x hash")
  .setAction(
    act<CancelArgs>(true, async (args, client) => {
      const { id, view } = await orderArg(client, args.order);
      const { Placed, Designed, Produced, Rejected } = M.orders.OrderStatus;
      requireStatus(id, view, [Placed, Designed, Produced, Rejected], "cancelled");
      const hospital = await requireParty(client, id, view, "hospital");
      if (Number(view.status) === Produced && BigInt(await client.now()) + 1n <= view.complianceDeadline) {
        refuse(
          `Order ${id} awaits a compliance ruling until ${M.codes.formatTime(view.complianceDeadline)}: ` +
            "the hospital may cancel only after that",
        );
      }
      const reasonHash = hashOf(args.reason, "--reason");
      const receipt = await client.send(`cancel order ${id}`, () => client.orders.cancel(id, reasonHash));
      show(
        args,
        {
          transaction: receipt.hash,
          orderId: id,
          status: "Cancelled",
          previousStatus: statusName(view.status),
          reasonHash,
        },
        [`${hospital.name} cancelled order ${id} (it was ${statusName(view.status)}).`, `Transaction ${receipt.hash}`],
      );
    }),
  );

// ------------------------------------------------------------------------------------------------ reading

/** Who an account is, for history tables: its organisation's name, or "regulator 0x1234…" / the address. */
async function actorName(client: MedAllianceClient, account: string, cache: Map<string, string>): Promise<string> {
  const known = cache.get(account);
  if (known !== undefined) return known;
  const [orgId] = await client.registry.membershipOf(account);
  let name: string;
  if (orgId !== 0n) name = nameOf(client, orgId);
  else if (await client.registry.hasRole(M.alliance.REGULATOR_ROLE, account)) name = `regulator ${account}`;
  else name = account;
  cache.set(account, name);
  return name;
}

interface ShowArgs extends BaseArgs {
  order: string;
}

define("order", "One custom device order: status, parties, deadlines and its history proved against the chain", false)
  .addPositionalParam("order", "The order number")
  .setAction(
    act<ShowArgs>(false, async (args, client) => {
      const { id, view } = await orderArg(client, args.order);
      const book = client.orders;
      const entries = await M.orders.fetchOrderHistory(book, id, { fromBlock: client.system.fromBlock });
      const proof = await M.orders.proveOrderHistory(book, id, entries);
      const cache = new Map<string, string>();
      const history: {
        kind: string;
        actor: string;
        actorName: string;
        timestamp: bigint;
        time: string;
        dataHash: string;
        transaction: string;
      }[] = [];
      for (const entry of entries) {
        history.push({
          kind: M.orders.OrderRecordKind[entry.kind],
          actor: entry.actor,
          actorName: await actorName(client, entry.actor, cache),
          timestamp: entry.timestamp,
          time: M.codes.formatTime(entry.timestamp),
          dataHash: entry.dataHash,
          transaction: entry.transactionHash,
        });
      }
      const produced = view.producedAt !== 0n;
      const batch = produced ? await batchLabel(client, view.batchId) : undefined;
      const now = BigInt(await client.now());
      const status = statusName(view.status);
      const shipmentRef = await book.shipmentRefOf(id);
      if (args.json) {
        M.output.printJson({
          orderId: id,
          status,
          gtin: M.gs1.formatGtin(view.gtin),
          hospital: { id: view.hospitalOrgId, name: nameOf(client, view.hospitalOrgId) },
          manufacturer: { id: view.manufacturerOrgId, name: nameOf(client, view.manufacturerOrgId) },
          placedAt: view.placedAt,
          producedAt: view.producedAt,
          complianceDeadline: view.complianceDeadline,
          batchId: produced ? view.batchId : null,
          unitIndex: produced ? view.unitIndex : null,
          shipmentRef,
          head: view.head,
          recordCount: view.recordCount,
          history,
          proof: {
            valid: proof.valid,
            head: proof.head,
            count: proof.count,
            onChainHead: proof.onChainHead,
            onChainCount: proof.onChainCount,
            problem: proof.problem ?? null,
          },
        });
        return;
      }
      const rows: [string, string][] = [
        ["Status", status],
        ["Product", M.gs1.formatGtin(view.gtin)],
        ["Hospital", nameOf(client, view.hospitalOrgId)],
        ["Manufacturer", nameOf(client, view.manufacturerOrgId)],
        ["Placed", M.codes.formatTime(view.placedAt)],
      ];
      if (produced) {
        rows.push(["Device", `unit ${view.unitIndex} of batch ${batch}`]);
        rows.push(["Produced", M.codes.formatTime(view.producedAt)]);
        const open = view.complianceDeadline >= now;
        const waiting = Number(view.status) === M.orders.OrderStatus.Produced;
        rows.push([
          "Compliance deadline",
          M.codes.formatTime(view.complianceDeadline) +
            (waiting ? (open ? " (open)" : " (passed: the hospital may cancel)") : ""),
        ]);
      }
      rows.push(["Shipment reference", shipmentRef]);
      const width = Math.max(...rows.map(([label]) => label.length));
      console.log(`Order ${id}`);
      for (const [label, value] of rows) console.log(`  ${label.padEnd(width)}  ${value}`);
      console.log("");
      M.output.printTable(
        history.map((h, i) => ({ "#": i + 1, record: h.kind, by: h.actorName, "time (UTC)": h.time })),
        "No records.",
      );
      console.log("");
      console.log(
        proof.valid
          ? `History proved: ${plural(proof.count, "record")} rebuild the head ${proof.head} the order book stores.`
          : `History NOT proved: ${proof.problem}.`,
      );
    }),
  );

interface ListArgs extends BaseArgs {
  org?: string;
  status?: string;
}

define("orders:list", "Custom device orders of an organisation (as hospital or manufacturer), by status", false)
  .addOptionalParam("org", "The organisation, by id or name (default: every organisation)")
  .addOptionalParam("status", "Only orders in this status (Placed, Designed, Produced, Approved, Rejected, …)")
  .setAction(
    act<ListArgs>(false, async (args, client) => {
      const org = args.org === undefined ? undefined : await client.resolveOrg(args.org, "--org");
      let wanted: number | undefined;
      if (args.status !== undefined) {
        const names = Object.keys(M.orders.OrderStatus).filter((k) => Number.isNaN(Number(k)) && k !== "None");
        const match = names.find((k) => k.toLowerCase() === args.status!.trim().toLowerCase());
        if (match === undefined) refuse(`--status "${args.status}" is not an order status: ${names.join(", ")}`);
        wanted = M.orders.OrderStatus[match as keyof typeof M.orders.OrderStatus];
      }
      const count = await client.orders.orderCount();
      const orders = [];
      for (let id = 1n; id <= count; id++) {
        const view = await client.orders.orderOf(id);
        if (org !== undefined && BigInt(view.hospitalOrgId) !== org.id && BigInt(view.manufacturerOrgId) !== org.id) {
          continue;
        }
        if (wanted !== undefined && Number(view.status) !== wanted) continue;
        orders.push({ id, view });
      }
      if (args.json) {
        M.output.printJson({
          org: org === undefined ? null : { id: org.id, name: org.name },
          status: wanted === undefined ? null : statusName(wanted),
          orders: orders.map(({ id, view }) => ({
            orderId: id,
            status: statusName(view.status),
            gtin: M.gs1.formatGtin(view.gtin),
            hospital: { id: view.hospitalOrgId, name: nameOf(client, view.hospitalOrgId) },
            manufacturer: { id: view.manufacturerOrgId, name: nameOf(client, view.manufacturerOrgId) },
            placedAt: view.placedAt,
            complianceDeadline: view.complianceDeadline,
          })),
        });
        return;
      }
      const whose = org === undefined ? "" : ` of ${org.name}`;
      const which = wanted === undefined ? "" : ` ${statusName(wanted)}`;
      M.output.printTable(
        orders.map(({ id, view }) => ({
          order: id,
          status: statusName(view.status),
          product: M.gs1.formatGtin(view.gtin),
          hospital: nameOf(client, view.hospitalOrgId),
          manufacturer: nameOf(client, view.manufacturerOrgId),
          "placed (UTC)": M.codes.formatTime(view.placedAt),
          "compliance deadline (UTC)": M.codes.formatTime(view.complianceDeadline),
        })),
        `No${which} device orders${whose}.`,
      );
    }),
  );
