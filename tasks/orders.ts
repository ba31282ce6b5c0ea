/**
 * Custom device order tasks: a hospital orders a patient-specific device from a manufacturer (`orders:place`); the
 * manufacturer designs it (`orders:design`), links the unit it made (`orders:produce`) and ships it with the order's
 * reference (`orders:ship`); a regulator rules on compliance (`orders:approve`, `orders:reject`); the hospital records
 * the installation (`orders:install`) or cancels (`orders:cancel`); either party files service records
 * (`orders:service`). `order` shows one order with its proved history, `orders:list` an organisation's orders.
 */
import { ethers } from "ethers";
import type { MedAllianceClient } from "../scripts/client/client";
import { formatTime, parseBytes32, parseDocument, parseGtin, parseId, shortId } from "../scripts/client/codes";
import { enumName } from "../scripts/client/errors";
import { InputError } from "../scripts/client/failures";
import { printJson, printTable } from "../scripts/client/output";
import { memberTask, readTask, run, type SendArgs } from "../scripts/client/task";
import { BusinessRole, OrganisationStatus, REGULATOR_ROLE, roleMask } from "../scripts/lib/alliance";
import { formatGtin } from "../scripts/lib/gs1";
import type { IBatchLedger, IDeviceOrderBook } from "../typechain-types";

/** The order book's library (it loads the contracts' bindings, so it is imported inside the actions). */
let O: typeof import("../scripts/lib/orders");
let A: typeof import("../scripts/lib/adverse");
async function loadOrders(): Promise<void> {
  [O, A] = await Promise.all([import("../scripts/lib/orders"), import("../scripts/lib/adverse")]);
}

interface OrderArgs extends SendArgs {
  order: string;
}

type OrderView = IDeviceOrderBook.OrderViewStructOutput;

const MANUFACTURER = roleMask(BusinessRole.Manufacturer);
const LOGISTICS = roleMask(BusinessRole.Logistics);
const HOSPITAL = roleMask(BusinessRole.Hospital);
const WHERE = "on device orders";
/** The order statuses by name, from Placed on. */
const STATUSES = [1, 2, 3, 4, 5, 6, 7].map((value) => enumName("OrderStatus", value));

const nameOf = (client: MedAllianceClient, id: bigint | number) => client.orgName(BigInt(id)) ?? `organisation ${id}`;
const statusName = (status: bigint | number) => enumName("OrderStatus", status);
const show = (args: SendArgs, document: object, lines: string[]) =>
  args.json ? printJson(document) : console.log(lines.join("\n"));

/** The order named by `--order` ("12" or "#12"), refused when the book has no such order. */
async function orderArg(client: MedAllianceClient, text: string): Promise<{ id: bigint; view: OrderView }> {
  await loadOrders();
  const id = parseId(text, "order");
  const view = await client.orders.orderOf(id);
  if (view.status === 0n) {
    const count = await client.orders.orderCount();
    throw new InputError(
      count === 0n
        ? `Order ${id} does not exist: no order was placed yet`
        : `Order ${id} does not exist: the order book holds orders 1 to ${count}`,
    );
  }
  return { id, view };
}

/** The statuses an order may be in for each step. */
const STEPS: Record<string, string[]> = {
  designed: ["Placed", "Rejected"],
  produced: ["Designed"],
  shipped: ["Approved"],
  approved: ["Produced"],
  rejected: ["Produced"],
  installed: ["Approved"],
  serviced: ["Installed"],
  cancelled: ["Placed", "Designed", "Produced", "Rejected"],
};

/** Refuses unless the order is in a status that allows `step` ("designed"). */
function requireStatus(id: bigint, view: OrderView, step: string): void {
  const allowed = STEPS[step];
  if (allowed.includes(statusName(view.status))) return;
  const list = allowed.length === 1 ? allowed[0] : `${allowed.slice(0, -1).join(", ")} or ${allowed.at(-1)}`;
  const article = /^[AEIOU]/.test(list) ? "an" : "a";
  throw new InputError(`Order ${id} is ${statusName(view.status)}: only ${article} ${list} order can be ${step}`);
}

type Party = "hospital" | "manufacturer" | "party";

/** The sender's organisation, when it acts as the order's `party`: its hospital, its manufacturer, or either. */
async function requireParty(client: MedAllianceClient, id: bigint, view: OrderView, party: Party) {
  const masks = { hospital: HOSPITAL, manufacturer: MANUFACTURER, party: HOSPITAL | MANUFACTURER };
  const org = await client.actingOrg(masks[party], WHERE);
  const hospital = BigInt(view.hospitalOrgId);
  const maker = BigInt(view.manufacturerOrgId);
  if (party === "party" && org.id !== hospital && org.id !== maker) {
    throw new InputError(
      `${org.name} is neither the hospital nor the manufacturer of order ${id}: ` +
        `${nameOf(client, hospital)} and ${nameOf(client, maker)} are`,
    );
  }
  const partyId = party === "hospital" ? hospital : maker;
  if (party !== "party" && org.id !== partyId) {
    throw new InputError(`${org.name} is not the ${party} of order ${id}: ${nameOf(client, partyId)} is`);
  }
  return org;
}

/** The order named by `text` when its status allows `step`, and the sender's organisation acting as its `party`. */
async function orderStep(client: MedAllianceClient, text: string, step: string, party: Party) {
  const { id, view } = await orderArg(client, text);
  requireStatus(id, view, step);
  return { id, view, org: await requireParty(client, id, view, party) };
}

/** "GTIN/lot" of a batch id (its short id when the lot cannot be read). */
async function batchLabel(client: MedAllianceClient, batchId: string): Promise<string> {
  const batch = await client.resolveBatch(batchId);
  return batch.lot === "" ? shortId(batchId) : `${formatGtin(batch.gtin)}/${batch.lot}`;
}

const plural = (count: number, word: string) => `${count.toLocaleString("en-US")} ${word}${count === 1 ? "" : "s"}`;

// ------------------------------------------------------------------------------------------------ place

interface PlaceArgs extends SendArgs {
  maker: string;
  product: string;
  patient?: string;
  salt?: string;
  patientRef?: string;
  requirements: string;
  requirementsUri: string;
}

memberTask("orders:place", "A hospital orders a custom device for a patient from a device manufacturer")
  .addParam("maker", "The manufacturer, by id or name")
  .addParam("product", "The device's GTIN: an approved Device product of the manufacturer")
  .addOptionalParam("patient", "The hospital's own patient id (e.g. the record number); only a salted hash is sent")
  .addOptionalParam("salt", "A 0x 32-byte salt to hash the patient id with (default: a new random one, printed)")
  .addOptionalParam("patientRef", "The salted patient reference itself (0x hash), instead of --patient")
  .addParam("requirements", "The prescription and requirements: a file, a text or its 0x hash")
  .addOptionalParam("requirementsUri", "Where the entitled parties fetch the prescription", "")
  .setAction(
    run<PlaceArgs>(true, async (args, client) => {
      await loadOrders();
      const hospital = await client.actingOrg(HOSPITAL, WHERE);
      await client.requireNotPaused("place device orders");
      const maker = await client.resolveOrg(args.maker, "--maker");
      const [makerStatus, makerRoles] = await client.registry.standing(maker.id);
      if (Number(makerStatus) !== OrganisationStatus.Active || (Number(makerRoles) & MANUFACTURER) === 0) {
        throw new InputError(`${maker.name} is not an Active manufacturer: it cannot take device orders`);
      }
      const gtin = parseGtin(args.product, "--product");
      const printedGtin = formatGtin(gtin);
      let product;
      try {
        product = await client.catalog.product(gtin);
      } catch (error) {
        if (!/^There is no product/.test(client.explain(error))) throw error;
        throw new InputError(`Product ${printedGtin} is not in the catalog`);
      }
      const category = enumName("Category", product.category);
      if (category !== "Device") {
        throw new InputError(`Product ${printedGtin} is ${category}, not a device: only devices are ordered`);
      }
      if (BigInt(product.makerOrgId) !== maker.id) {
        throw new InputError(
          `Product ${printedGtin} is made by ${nameOf(client, product.makerOrgId)}, not by ${maker.name}`,
        );
      }
      const productStatus = enumName("ProductStatus", product.status);
      if (productStatus !== "Approved") {
        throw new InputError(`Product ${printedGtin} is ${productStatus}: only approved devices are ordered`);
      }
      let salt: string | undefined;
      let patientRef: string;
      if (args.patientRef !== undefined) {
        if (args.patient !== undefined || args.salt !== undefined) {
          throw new InputError("give either --patient (with an optional --salt) or --patient-ref, not both");
        }
        patientRef = parseBytes32(args.patientRef, "--patient-ref");
        if (BigInt(patientRef) === 0n) throw new InputError("--patient-ref is the zero hash");
      } else {
        if (args.patient === undefined || args.patient.trim() === "") {
          throw new InputError("the patient is required: give --patient (the hospital's patient id) or --patient-ref");
        }
        salt = args.salt === undefined ? A.newPatientSalt() : parseBytes32(args.salt, "--salt");
        patientRef = A.patientRef(salt, args.patient.trim());
      }
      const request = {
        manufacturerOrgId: maker.id,
        gtin,
        patientRef,
        requirementsHash: parseDocument(args.requirements, "--requirements"),
        requirementsURI: args.requirementsUri,
      };
      const receipt = await client.send(`place the order with ${maker.name}`, () => client.orders.place(request));
      const [placed] = await client.orders.queryFilter(client.orders.filters.OrderPlaced(), receipt.blockNumber);
      const orderId = placed.args.orderId;
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

memberTask("orders:design", "The manufacturer records the design and the raw-material batches (or revises a rejection)")
  .addParam("order", "The order number")
  .addParam("design", "The design parameters document: a file, a text or its 0x hash")
  .addOptionalParam("designUri", "Where the entitled parties fetch the design", "")
  .addParam("materials", 'The raw-material batches, comma-separated: "<GTIN>/<lot>", Digital Link URIs or 0x ids')
  .setAction(
    run<DesignArgs>(true, async (args, client) => {
      const { id, view, org: maker } = await orderStep(client, args.order, "designed", "manufacturer");
      const texts = args.materials
        .split(",")
        .map((t) => t.trim())
        .filter((t) => t !== "");
      if (texts.length === 0 || texts.length > O.MAX_RAW_MATERIALS) {
        throw new InputError(`--materials lists ${texts.length} batches: a design lists 1 to ${O.MAX_RAW_MATERIALS}`);
      }
      const materials = [];
      for (const text of texts) materials.push(await client.resolveBatch(text, "raw material"));
      const request = {
        designHash: parseDocument(args.design, "--design"),
        designURI: args.designUri,
        rawMaterials: materials.map((m) => m.batchId),
      };
      const revision = statusName(view.status) === "Rejected";
      const receipt = await client.send(`record the design of order ${id}`, () => client.orders.design(id, request));
      const names = materials.map((m) => (m.lot === "" ? m.batchId : `${formatGtin(m.gtin)}/${m.lot}`));
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

memberTask("orders:produce", "The manufacturer links the device it made (a unit of a ledger batch) to the order")
  .addParam("order", "The order number")
  .addParam("batch", 'The device\'s batch: "<GTIN>/<lot>", a Digital Link URI or its 0x id')
  .addOptionalParam("unit", "The device's index in its batch (from 0)", "0")
  .setAction(
    run<ProduceArgs>(true, async (args, client) => {
      const { id, view, org: maker } = await orderStep(client, args.order, "produced", "manufacturer");
      const batch = await client.resolveBatch(args.batch);
      const label = `${formatGtin(batch.gtin)}/${batch.lot}`;
      if (batch.gtin !== BigInt(view.gtin)) {
        throw new InputError(`Batch ${label} is not of the ordered product ${formatGtin(view.gtin)}`);
      }
      if (!/^\d{1,12}$/.test(args.unit.trim()))
        throw new InputError(`--unit "${args.unit}" is not a unit index (0, 1, …)`);
      const unitIndex = BigInt(args.unit.trim());
      if (unitIndex >= batch.view.commissioned) {
        throw new InputError(
          `Unit ${unitIndex} is not in batch ${label}: it has ${plural(Number(batch.view.commissioned), "unit")} ` +
            `(0 to ${batch.view.commissioned - 1n})`,
        );
      }
      const boundTo = await client.orders.orderOfUnit(batch.batchId, unitIndex);
      if (boundTo !== 0n && boundTo !== id) {
        throw new InputError(`Unit ${unitIndex} of batch ${label} is already the device of order ${boundTo}`);
      }
      const receipt = await client.send(`link the device to order ${id}`, () =>
        client.orders.completeProduction(id, batch.batchId, unitIndex),
      );
      const [produced] = await client.orders.queryFilter(client.orders.filters.OrderProduced(id), receipt.blockNumber);
      const deadline = produced.args.complianceDeadline;
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
          `A regulator rules on its compliance by ${formatTime(deadline)}; after that the hospital may cancel.`,
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

memberTask("orders:ship", "The manufacturer ships the approved device to the hospital, the shipment naming the order")
  .addParam("order", "The order number")
  .addParam("carrier", "The carrying organisation (LOGISTICS), by id or name")
  .addOptionalParam("doc", "The delivery note: a file, a text or its 0x hash")
  .addOptionalParam("site", "The manufacturer's site index", "0")
  .addOptionalParam("toSite", "The hospital's site index", "0")
  .setAction(
    run<ShipArgs>(true, async (args, client) => {
      const { id, view, org: maker } = await orderStep(client, args.order, "shipped", "manufacturer");
      const hospitalId = BigInt(view.hospitalOrgId);
      const label = await batchLabel(client, view.batchId);
      const batchStatus = enumName("BatchStatus", await client.ledger.batchStatus(view.batchId));
      if (batchStatus !== "Released") {
        throw new InputError(
          `Batch ${label} is ${batchStatus}: the device ships once its batch is Released ` +
            "(a regulator may release it early)",
        );
      }
      if ((await client.ledger.holdingOf(view.batchId, maker.id)) === 0n) {
        throw new InputError(`${maker.name} holds no unit of batch ${label}: the device has already left`);
      }
      const carrier = await client.resolveOrg(args.carrier, "--carrier");
      const [carrierStatus, carrierRoles] = await client.registry.standing(carrier.id);
      if (Number(carrierStatus) !== OrganisationStatus.Active || (Number(carrierRoles) & LOGISTICS) === 0) {
        throw new InputError(`${carrier.name} is not an Active LOGISTICS member: it cannot carry shipments`);
      }
      const site = await siteIndex(client, maker.id, args.site, "--site");
      const toSite = await siteIndex(client, hospitalId, args.toSite, "--to-site");
      const ref = await client.orders.shipmentRefOf(id);
      const docHash = args.doc === undefined ? ethers.ZeroHash : parseDocument(args.doc, "--doc");
      const receipt = await client.send(`ship the device of order ${id}`, () =>
        client.ledger.ship(view.batchId, hospitalId, 1n, carrier.id, ref, docHash, site, toSite),
      );
      const [shipped] = await client.ledger.queryFilter(client.ledger.filters.Shipped(), receipt.blockNumber);
      const shipmentId = shipped.args.shipmentId;
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
  if (!/^\d{1,4}$/.test(text.trim())) throw new InputError(`${label} "${text}" is not a site index (0, 1, …)`);
  const index = BigInt(text.trim());
  const count = BigInt((await client.registry.sitesOf(orgId)).length);
  if (index >= count) {
    throw new InputError(`${label} ${index}: ${nameOf(client, orgId)} has ${plural(Number(count), "site")}`);
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
  memberTask(
    name,
    approve
      ? "A regulator finds a produced device compliant: it may ship and be installed"
      : "A regulator finds a produced device not compliant: the manufacturer may revise the design",
  )
    .addParam("order", "The order number")
    .addParam(
      approve ? "certificate" : "reason",
      approve
        ? "The compliance certificate: a file, a text or its 0x hash"
        : "The written reasons: a file, a text or a 0x hash",
    )
    .setAction(
      run<RuleArgs>(true, async (args, client) => {
        const { id, view } = await orderArg(client, args.order);
        await client.requireRegulator(`${verb} a device's compliance`);
        requireStatus(id, view, approve ? "approved" : "rejected");
        const documentHash = approve
          ? parseDocument(args.certificate!, "--certificate")
          : parseDocument(args.reason!, "--reason");
        const receipt = await client.send(`${verb} the compliance of order ${id}`, () =>
          approve
            ? client.orders.approveCompliance(id, documentHash)
            : client.orders.rejectCompliance(id, documentHash),
        );
        const [ruled] = await client.orders.queryFilter(client.orders.filters.OrderRuled(id), receipt.blockNumber);
        const late = ruled.args.late;
        const status = approve ? "Approved" : "Rejected";
        show(args, { transaction: receipt.hash, orderId: id, status, documentHash, late }, [
          approve
            ? `Order ${id}'s device was found compliant: ${nameOf(client, view.manufacturerOrgId)} may ship it.`
            : `Order ${id}'s device was found not compliant: ${nameOf(client, view.manufacturerOrgId)} may revise ` +
              `the design, or ${nameOf(client, view.hospitalOrgId)} may cancel.`,
          ...(late ? [`The ruling came after the compliance deadline (${formatTime(view.complianceDeadline)}).`] : []),
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

memberTask("orders:install", "The hospital records that it installed the approved device it received")
  .addParam("order", "The order number")
  .addOptionalParam("shipment", "The shipment that brought the device (default: the order's received shipment)")
  .addParam("report", "The installation (surgery) report: a file, a text or its 0x hash")
  .addOptionalParam("reportUri", "Where the entitled parties fetch the report", "")
  .setAction(
    run<InstallArgs>(true, async (args, client) => {
      const { id, view, org: hospital } = await orderStep(client, args.order, "installed", "hospital");
      const candidates = await orderShipments(client, id, view);
      let shipmentId: string;
      if (args.shipment !== undefined) {
        shipmentId = parseBytes32(args.shipment, "--shipment");
        await client.findShipment(shipmentId);
        if (!candidates.includes(shipmentId)) {
          throw new InputError(
            `Shipment ${shipmentId} does not carry order ${id}'s device from its maker to ${hospital.name}`,
          );
        }
      } else {
        if (candidates.length === 0) {
          throw new InputError(
            `No shipment of order ${id}'s device to ${hospital.name} is on the ledger: the maker ships it first`,
          );
        }
        const states = await Promise.all(candidates.map((c) => client.ledger.shipmentState(c)));
        const received = candidates.filter((_, i) => enumName("ShipmentStatus", states[i].status) === "Received");
        shipmentId = received.at(-1) ?? candidates.at(-1)!;
      }
      const state = await client.ledger.shipmentState(shipmentId);
      const shipmentStatus = enumName("ShipmentStatus", state.status);
      if (shipmentStatus !== "Received" || state.received === 0n) {
        throw new InputError(
          `Shipment ${shipmentId} is ${shipmentStatus}: ${hospital.name} receives ` +
            "the device on the ledger before recording its installation",
        );
      }
      const shipment: IBatchLedger.ShipmentStruct = await client.findShipment(shipmentId);
      const reportHash = parseDocument(args.report, "--report");
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

memberTask(
  "orders:service",
  "The manufacturer or the hospital adds an after-sales service record to an installed device",
)
  .addParam("order", "The order number")
  .addParam("report", "The service report: a file, a text or its 0x hash")
  .addOptionalParam("reportUri", "Where the entitled parties fetch the report", "")
  .setAction(
    run<ReportArgs>(true, async (args, client) => {
      const { id, org } = await orderStep(client, args.order, "serviced", "party");
      const reportHash = parseDocument(args.report, "--report");
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

memberTask(
  "orders:cancel",
  "The hospital cancels an order (before production, after a rejection, or past the deadline)",
)
  .addParam("order", "The order number")
  .addParam("reason", "The written reasons: a file, a text or its 0x hash")
  .setAction(
    run<CancelArgs>(true, async (args, client) => {
      const { id, view, org: hospital } = await orderStep(client, args.order, "cancelled", "hospital");
      if (statusName(view.status) === "Produced" && BigInt(await client.now()) + 1n <= view.complianceDeadline) {
        throw new InputError(
          `Order ${id} awaits a compliance ruling until ${formatTime(view.complianceDeadline)}: ` +
            "the hospital may cancel only after that",
        );
      }
      const reasonHash = parseDocument(args.reason, "--reason");
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
  else if (await client.registry.hasRole(REGULATOR_ROLE, account)) name = `regulator ${account}`;
  else name = account;
  cache.set(account, name);
  return name;
}

interface ShowArgs extends SendArgs {
  order: string;
}

readTask("order", "One custom device order: status, parties, deadlines and its history proved against the chain")
  .addPositionalParam("order", "The order number")
  .setAction(
    run<ShowArgs>(false, async (args, client) => {
      const { id, view } = await orderArg(client, args.order);
      const book = client.orders;
      const entries = await O.fetchOrderHistory(book, id, { fromBlock: client.system.fromBlock });
      const proof = await O.proveOrderHistory(book, id, entries);
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
          kind: O.OrderRecordKind[entry.kind],
          actor: entry.actor,
          actorName: await actorName(client, entry.actor, cache),
          timestamp: entry.timestamp,
          time: formatTime(entry.timestamp),
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
        printJson({
          orderId: id,
          status,
          gtin: formatGtin(view.gtin),
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
        ["Product", formatGtin(view.gtin)],
        ["Hospital", nameOf(client, view.hospitalOrgId)],
        ["Manufacturer", nameOf(client, view.manufacturerOrgId)],
        ["Placed", formatTime(view.placedAt)],
      ];
      if (produced) {
        rows.push(["Device", `unit ${view.unitIndex} of batch ${batch}`]);
        rows.push(["Produced", formatTime(view.producedAt)]);
        const open = view.complianceDeadline >= now;
        const waiting = statusName(view.status) === "Produced";
        rows.push([
          "Compliance deadline",
          formatTime(view.complianceDeadline) +
            (waiting ? (open ? " (open)" : " (passed: the hospital may cancel)") : ""),
        ]);
      }
      rows.push(["Shipment reference", shipmentRef]);
      const width = Math.max(...rows.map(([label]) => label.length));
      console.log(`Order ${id}`);
      for (const [label, value] of rows) console.log(`  ${label.padEnd(width)}  ${value}`);
      console.log("");
      printTable(
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

interface ListArgs extends SendArgs {
  org?: string;
  status?: string;
}

readTask("orders:list", "Custom device orders of an organisation (as hospital or manufacturer), by status")
  .addOptionalParam("org", "The organisation, by id or name (default: every organisation)")
  .addOptionalParam("status", "Only orders in this status (Placed, Designed, Produced, Approved, Rejected, …)")
  .setAction(
    run<ListArgs>(false, async (args, client) => {
      const org = args.org === undefined ? undefined : await client.resolveOrg(args.org, "--org");
      let wanted: number | undefined;
      if (args.status !== undefined) {
        const at = STATUSES.findIndex((k) => k.toLowerCase() === args.status!.trim().toLowerCase());
        if (at < 0) throw new InputError(`--status "${args.status}" is not an order status: ${STATUSES.join(", ")}`);
        wanted = at + 1;
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
        printJson({
          org: org === undefined ? null : { id: org.id, name: org.name },
          status: wanted === undefined ? null : statusName(wanted),
          orders: orders.map(({ id, view }) => ({
            orderId: id,
            status: statusName(view.status),
            gtin: formatGtin(view.gtin),
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
      printTable(
        orders.map(({ id, view }) => ({
          order: id,
          status: statusName(view.status),
          product: formatGtin(view.gtin),
          hospital: nameOf(client, view.hospitalOrgId),
          manufacturer: nameOf(client, view.manufacturerOrgId),
          "placed (UTC)": formatTime(view.placedAt),
          "compliance deadline (UTC)": formatTime(view.complianceDeadline),
        })),
        `No${which} device orders${whose}.`,
      );
    }),
  );
