import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import hre, { ethers } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { MedAllianceClient } from "../../scripts/client/client";
import { formatTime } from "../../scripts/client/codes";
import { documentHash } from "../../scripts/lib/alliance";
import { designedDataHash, placeOrder, producedDataHash, OrderStatus } from "../../scripts/lib/orders";
import { Category, DeviceClass, ShipmentStatus, productSpec, ship } from "../../scripts/lib/trace";
import { formatGtin, gtin } from "../../scripts/lib/gs1";
import { printed } from "../helpers/tasks";
import { MASK_TEXT, MEMBERS, PREFIX_MEDITECH, json, useCliDeployments } from "../helpers/cliFixture";
import {
  COMPLIANCE_WINDOW,
  KNEE_GTIN,
  KNEE_LOT,
  KNEE_TEXT,
  PATIENT,
  PATIENT_REF,
  POWDER_LOT,
  POWDER_TEXT,
  SALT,
  approvedFixture,
  designedFixture,
  devicesFixture,
  installedFixture,
  kneeOrder,
  placedFixture,
  producedFixture,
  receivedFixture,
  rejectedFixture,
  shippedFixture,
} from "./ordersFixture";

const KNEE_BATCH = `${KNEE_TEXT}/${KNEE_LOT}`;
const POWDER_BATCH = `${POWDER_TEXT}/${POWDER_LOT}`;
const HOSPITAL = MEMBERS.hospital.name;
const MEDITECH = MEMBERS.deviceMaker.name;

/** Expects the task to be refused with a message containing `text`. */
async function refused(name: string, args: Record<string, unknown>, text: string): Promise<void> {
  await expect(hre.run(name, args)).to.be.rejectedWith(text);
}

/** A client signing as `signer`, to send what the tasks' checks would stop (so the chain's own refusal shows). */
async function clientAs(signer: HardhatEthersSigner): Promise<MedAllianceClient> {
  return MedAllianceClient.connect({ provider: hre.ethers.provider, networkName: hre.network.name, signer });
}

describe("CLI orders: custom device orders", () => {
  useCliDeployments();

  describe("orders:place", () => {
    const place = {
      from: HOSPITAL,
      maker: "MediTech",
      product: KNEE_TEXT,
      patient: PATIENT,
      salt: SALT,
      requirements: "prescription: left knee",
    };

    it("places an order with the manufacturer by name and prints the order and the salt to keep", async () => {
      const f = await loadFixture(devicesFixture);
      const out = await printed("orders:place", place);
      expect(out).to.contain(`${HOSPITAL} placed order 1 with ${MEDITECH} for a custom device, GTIN ${KNEE_TEXT}.`);
      expect(out).to.contain(`Patient reference ${PATIENT_REF}`);
      expect(out).to.contain(`Keep this salt in the patient's record, never on chain: ${SALT}`);
      const order = await f.orders.orderOf(1n);
      expect(order.status).to.equal(OrderStatus.Placed);
      expect(order.hospitalOrgId).to.equal(f.orgIds.hospital);
      expect(order.manufacturerOrgId).to.equal(f.orgIds.deviceMaker);
      expect(order.gtin).to.equal(KNEE_GTIN);
    });

    it("--json: the order id, parties, hashes and transaction, matching the chain", async () => {
      const f = await loadFixture(devicesFixture);
      const out = await json<Record<string, any>>("orders:place", { ...place, requirementsUri: "https://cg/1" });
      expect(out.orderId).to.equal("1");
      expect(out.status).to.equal("Placed");
      expect(out.hospital).to.deep.equal({ id: f.orgIds.hospital.toString(), name: HOSPITAL });
      expect(out.manufacturer).to.deep.equal({ id: f.orgIds.deviceMaker.toString(), name: MEDITECH });
      expect(out.gtin).to.equal(KNEE_TEXT);
      expect(out.patientRef).to.equal(PATIENT_REF);
      expect(out.salt).to.equal(SALT);
      expect(out.requirementsHash).to.equal(documentHash("prescription: left knee"));
      const [event] = await f.orders.queryFilter(f.orders.filters.OrderPlaced(1n));
      expect(event.transactionHash).to.equal(out.transaction);
      expect(event.args.request.patientRef).to.equal(PATIENT_REF);
      expect(event.args.request.requirementsHash).to.equal(out.requirementsHash);
      expect(event.args.request.requirementsURI).to.equal("https://cg/1");
    });

    it("takes a patient reference as given, and a prescription file by its bytes' hash", async () => {
      const f = await loadFixture(devicesFixture);
      const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "orders-")), "prescription.txt");
      fs.writeFileSync(file, "CT series 2611-0733, femoral size 6");
      const ref = ethers.keccak256(ethers.toUtf8Bytes("someone"));
      const out = await json<Record<string, any>>("orders:place", {
        from: String(MEMBERS.hospital.account),
        maker: String(f.orgIds.deviceMaker),
        product: KNEE_TEXT,
        patientRef: ref,
        requirements: file,
      });
      expect(out.salt).to.equal(null);
      expect(out.patientRef).to.equal(ref);
      expect(out.requirementsHash).to.equal(ethers.keccak256(fs.readFileSync(file)));
      expect((await f.orders.orderOf(1n)).status).to.equal(OrderStatus.Placed);
    });

    it("draws a fresh salt when none is given", async () => {
      await loadFixture(devicesFixture);
      const { salt, patientRef } = await json<Record<string, string>>("orders:place", { ...place, salt: undefined });
      expect(salt).to.match(/^0x[0-9a-f]{64}$/);
      expect(salt).to.not.equal(SALT);
      expect(patientRef).to.not.equal(PATIENT_REF);
    });

    it("refuses members that are not hospitals", async () => {
      await loadFixture(devicesFixture);
      await refused(
        "orders:place",
        { ...place, from: MEMBERS.pharmacy.name },
        "Corner Pharmacy is not admitted as Hospital",
      );
      await refused("orders:place", { ...place, from: "1" }, "belongs to no organisation of the alliance");
    });

    it("refuses a hospital whose licence expired", async () => {
      const f = await loadFixture(devicesFixture);
      const { licenceExpiry } = await f.registry.organisation(f.orgIds.hospital);
      await time.increaseTo(licenceExpiry);
      await refused("orders:place", place, `${HOSPITAL} is expired: it may not act on device orders`);
    });

    it("refuses makers that are not manufacturers and products it cannot order", async () => {
      const f = await loadFixture(devicesFixture);
      await refused(
        "orders:place",
        { ...place, maker: MEMBERS.distributor.name },
        "Harbour Distribution is not an Active manufacturer: it cannot take device orders",
      );
      await refused("orders:place", { ...place, maker: "Nobody Ltd" }, `--maker "Nobody Ltd": no organisation`);
      await refused(
        "orders:place",
        { ...place, product: "04012345000428" },
        `--product "04012345000428" has a wrong check digit: it ends in 8, the check digit is 9`,
      );
      const unknown = formatGtin(gtin("0401234500099"));
      await refused("orders:place", { ...place, product: unknown }, `Product ${unknown} is not in the catalog`);
      await refused(
        "orders:place",
        { ...place, product: POWDER_TEXT },
        `Product ${POWDER_TEXT} is RawMaterial, not a device: only devices are ordered`,
      );
      await refused(
        "orders:place",
        { ...place, maker: "Northwind" },
        `Product ${KNEE_TEXT} is made by ${MEDITECH}, not by Northwind Masks`,
      );
      await refused(
        "orders:place",
        { ...place, maker: "Northwind", product: MASK_TEXT },
        `Product ${MASK_TEXT} is ProtectiveEquipment, not a device: only devices are ordered`,
      );
      const hip = gtin("0401234500044");
      await (
        await f.catalog
          .connect(f.meditech)
          .proposeProduct(productSpec(hip, PREFIX_MEDITECH, Category.Device, { deviceClass: DeviceClass.III }))
      ).wait();
      await refused(
        "orders:place",
        { ...place, product: formatGtin(hip) },
        `Product ${formatGtin(hip)} is Proposed: only approved devices are ordered`,
      );
    });

    it("refuses a missing or doubly given patient and an empty prescription", async () => {
      await loadFixture(devicesFixture);
      await refused("orders:place", { ...place, patient: undefined }, "the patient is required: give --patient");
      await refused(
        "orders:place",
        { ...place, patientRef: PATIENT_REF },
        "give either --patient (with an optional --salt) or --patient-ref, not both",
      );
      await refused("orders:place", { ...place, salt: "0x12" }, `--salt "0x12" is not a 32-byte id`);
      await refused(
        "orders:place",
        { ...place, patient: undefined, salt: undefined, patientRef: ethers.ZeroHash },
        "--patient-ref is the zero hash",
      );
      await refused(
        "orders:place",
        { ...place, requirements: ethers.ZeroHash },
        "--requirements may not be the zero hash",
      );
      await refused(
        "orders:place",
        { ...place, requirements: "  " },
        "--requirements (a file, a text or a 0x hash) is required",
      );
    });

    it("refuses while the alliance is paused, and the chain's refusal reads as a sentence", async () => {
      const f = await loadFixture(devicesFixture);
      await (await f.registry.connect(f.guardian).pause()).wait();
      await refused("orders:place", place, "The alliance is paused: nobody may place device orders until it resumes");
      const client = await clientAs(f.hospital);
      await expect(
        client.send("place the order", () =>
          client.orders.place(kneeOrder(f, { requirementsHash: documentHash("x"), requirementsURI: "" })),
        ),
      ).to.be.rejectedWith("Could not place the order: The alliance is paused");
    });

    it("decodes the book's refusal of a product it cannot order", async () => {
      const f = await loadFixture(devicesFixture);
      const client = await clientAs(f.hospital);
      await expect(
        client.send("place the order", () =>
          client.orders.place(kneeOrder(f, { manufacturerOrgId: f.orgIds.maker, requirementsHash: documentHash("x") })),
        ),
      ).to.be.rejectedWith(
        "Could not place the order: The product is not an Approved product of category Device made by the manufacturer",
      );
    });
  });

  describe("orders:design", () => {
    const design = { from: MEDITECH, order: "1", design: "design v1", materials: POWDER_BATCH };

    it("records the design and its raw materials", async () => {
      const f = await loadFixture(placedFixture);
      const out = await printed("orders:design", { ...design, designUri: "ipfs://d/1" });
      expect(out).to.contain(`${MEDITECH} recorded the design of order 1, made from ${POWDER_BATCH}.`);
      expect(await f.orders.statusOf(1n)).to.equal(OrderStatus.Designed);
      const [event] = await f.orders.queryFilter(f.orders.filters.OrderDesigned(1n));
      expect(event.args.design.designURI).to.equal("ipfs://d/1");
    });

    it("--json: the design hash and materials; a design after a rejection is a revision", async () => {
      const f = await loadFixture(rejectedFixture);
      const out = await json<Record<string, any>>("orders:design", { ...design, materials: ` ${f.powderBatch} , ` });
      expect(out.status).to.equal("Designed");
      expect(out.revision).to.equal(true);
      expect(out.rawMaterials).to.deep.equal([f.powderBatch]);
      expect(out.designHash).to.equal(documentHash("design v1"));
      const records = await f.orders.queryFilter(f.orders.filters.OrderRecorded(1n));
      expect(records.at(-1)!.args.dataHash).to.equal(
        designedDataHash({ designHash: out.designHash, designURI: "", rawMaterials: [f.powderBatch] }),
      );
      expect(records.at(-1)!.transactionHash).to.equal(out.transaction);
      expect(await f.orders.statusOf(1n)).to.equal(OrderStatus.Designed);
    });

    it("refuses unknown orders, wrong statuses, other manufacturers and non-manufacturers", async () => {
      await loadFixture(designedFixture);
      await refused(
        "orders:design",
        { ...design, order: "9" },
        "Order 9 does not exist: the order book holds orders 1 to 1",
      );
      await refused("orders:design", { ...design, order: "one" }, `order "one" is not an order number (1, 2, …)`);
      await refused("orders:design", design, "Order 1 is Designed: only a Placed or Rejected order can be designed");
    });

    it("refuses other parties, too many or unknown materials", async () => {
      await loadFixture(placedFixture);
      await refused(
        "orders:design",
        { ...design, from: "Northwind Masks" },
        `Northwind Masks is not the manufacturer of order 1: ${MEDITECH} is`,
      );
      await refused("orders:design", { ...design, from: HOSPITAL }, `${HOSPITAL} is not admitted as Manufacturer`);
      await refused(
        "orders:design",
        { ...design, materials: Array(17).fill(POWDER_BATCH).join(",") },
        "--materials lists 17 batches: a design lists 1 to 16",
      );
      await refused("orders:design", { ...design, materials: " , " }, "--materials lists 0 batches");
      await refused(
        "orders:design",
        { ...design, materials: `${POWDER_TEXT}/NOPE` },
        `raw material ${POWDER_TEXT}/NOPE: the ledger has no such batch`,
      );
    });

    it("decodes the book's refusal of another manufacturer", async () => {
      const f = await loadFixture(placedFixture);
      const client = await clientAs(f.account("maker"));
      await expect(
        client.send("record the design", () =>
          client.orders.design(1n, { designHash: documentHash("d"), designURI: "", rawMaterials: [f.powderBatch] }),
        ),
      ).to.be.rejectedWith("The caller acts in the step's role, but not for this order's hospital or manufacturer");
    });
  });

  describe("orders:produce", () => {
    const produce = { from: MEDITECH, order: "1", batch: KNEE_BATCH };

    it("links the unit and prints the compliance deadline", async () => {
      const f = await loadFixture(designedFixture);
      const out = await printed("orders:produce", produce);
      const order = await f.orders.orderOf(1n);
      expect(order.status).to.equal(OrderStatus.Produced);
      expect(order.batchId).to.equal(f.kneeBatch);
      expect(order.complianceDeadline).to.equal(order.producedAt + COMPLIANCE_WINDOW);
      expect(out).to.contain(`${MEDITECH} made the device of order 1: unit 0 of batch ${KNEE_BATCH}.`);
      expect(out).to.contain(`A regulator rules on its compliance by ${formatTime(order.complianceDeadline)}`);
    });

    it("--json: batch, unit and deadline as the book stores them", async () => {
      const f = await loadFixture(designedFixture);
      const out = await json<Record<string, any>>("orders:produce", { ...produce, unit: "1" });
      const order = await f.orders.orderOf(1n);
      expect(out).to.include({ orderId: "1", status: "Produced", batchId: f.kneeBatch, unitIndex: "1" });
      expect(out.complianceDeadline).to.equal(order.complianceDeadline.toString());
      expect(await f.orders.orderOfUnit(f.kneeBatch, 1n)).to.equal(1n);
      const records = await f.orders.queryFilter(f.orders.filters.OrderRecorded(1n));
      expect(records.at(-1)!.args.dataHash).to.equal(producedDataHash(f.kneeBatch, 1n));
    });

    it("refuses a wrong status, batch, unit index or party", async () => {
      await loadFixture(placedFixture);
      await refused("orders:produce", produce, "Order 1 is Placed: only a Designed order can be produced");
      await loadFixture(designedFixture);
      await refused(
        "orders:produce",
        { ...produce, batch: POWDER_BATCH },
        `Batch ${POWDER_BATCH} is not of the ordered product ${KNEE_TEXT}`,
      );
      await refused(
        "orders:produce",
        { ...produce, unit: "2" },
        `Unit 2 is not in batch ${KNEE_BATCH}: it has 2 units (0 to 1)`,
      );
      await refused("orders:produce", { ...produce, unit: "-1" }, `--unit "-1" is not a unit index`);
      await refused(
        "orders:produce",
        { ...produce, batch: `${KNEE_TEXT}/NOPE` },
        `batch ${KNEE_TEXT}/NOPE: the ledger has no such batch`,
      );
      await refused(
        "orders:produce",
        { ...produce, from: MEMBERS.maker.name },
        `Northwind Masks is not the manufacturer of order 1: ${MEDITECH} is`,
      );
      await refused("orders:produce", { ...produce, from: "2" }, "belongs to no organisation of the alliance");
    });

    it("refuses a unit that is already another order's device; the chain says the same", async () => {
      const f = await loadFixture(producedFixture);
      const second = await placeOrder(
        f.orders,
        f.hospital,
        kneeOrder(f, { requirementsHash: documentHash("right knee"), requirementsURI: "" }),
      );
      await (
        await f.orders
          .connect(f.meditech)
          .design(second, { designHash: documentHash("d2"), designURI: "", rawMaterials: [f.powderBatch] })
      ).wait();
      await refused(
        "orders:produce",
        { ...produce, order: "2" },
        `Unit 0 of batch ${KNEE_BATCH} is already the device of order 1`,
      );
      const client = await clientAs(f.meditech);
      await expect(
        client.send("link the device", () => client.orders.completeProduction(second, f.kneeBatch, 0n)),
      ).to.be.rejectedWith("Could not link the device: The unit is already the device of another order");
    });
  });

  describe("orders:approve and orders:reject", () => {
    it("a regulator approves the device", async () => {
      const f = await loadFixture(producedFixture);
      const out = await printed("orders:approve", { from: "1", order: "1", certificate: "conforms, Annex XIII" });
      expect(out).to.contain(`Order 1's device was found compliant: ${MEDITECH} may ship it.`);
      expect(out).to.not.contain("after the compliance deadline");
      expect(await f.orders.statusOf(1n)).to.equal(OrderStatus.Approved);
    });

    it("--json: a late ruling is flagged", async () => {
      const f = await loadFixture(producedFixture);
      await time.increase(COMPLIANCE_WINDOW + 1n);
      const out = await json<Record<string, any>>("orders:approve", { from: "2", order: "1", certificate: "ok" });
      expect(out).to.include({ orderId: "1", status: "Approved", late: true, documentHash: documentHash("ok") });
      const [event] = await f.orders.queryFilter(f.orders.filters.OrderRuled(1n));
      expect(event.args.late).to.equal(true);
      expect(event.transactionHash).to.equal(out.transaction);
    });

    it("a late ruling reads as such", async () => {
      await loadFixture(producedFixture);
      await time.increase(COMPLIANCE_WINDOW + 1n);
      const out = await printed("orders:reject", { from: "1", order: "1", reason: "porosity" });
      expect(out).to.contain("The ruling came after the compliance deadline");
    });

    it("a regulator rejects the device: the manufacturer may revise or the hospital cancel", async () => {
      const f = await loadFixture(producedFixture);
      const out = await printed("orders:reject", { from: "1", order: "1", reason: "porosity too high" });
      expect(out).to.contain(
        `Order 1's device was found not compliant: ${MEDITECH} may revise the design, or ${HOSPITAL} may cancel.`,
      );
      expect(await f.orders.statusOf(1n)).to.equal(OrderStatus.Rejected);
      const reject = await json<Record<string, any>>("orders:design", {
        from: MEDITECH,
        order: "1",
        design: "v2",
        materials: POWDER_BATCH,
      });
      expect(reject.revision).to.equal(true);
    });

    it("refuses members and orders not produced", async () => {
      const f = await loadFixture(designedFixture);
      await refused(
        "orders:approve",
        { from: MEDITECH, order: "1", certificate: "ok" },
        `Account ${f.meditech.address} is not a regulator: only regulators approve a device's compliance`,
      );
      await refused(
        "orders:reject",
        { from: HOSPITAL, order: "1", reason: "no" },
        `Account ${f.hospital.address} is not a regulator: only regulators reject a device's compliance`,
      );
      await refused(
        "orders:approve",
        { from: "1", order: "1", certificate: "ok" },
        "Order 1 is Designed: only a Produced order can be approved",
      );
      await refused("orders:reject", { from: "1", order: "1", reason: "no" }, "only a Produced order can be rejected");
    });

    it("decodes the book's refusal of a non-regulator", async () => {
      const f = await loadFixture(producedFixture);
      const client = await clientAs(f.meditech);
      await expect(
        client.send("approve", () => client.orders.approveCompliance(1n, documentHash("ok"))),
      ).to.be.rejectedWith("lacks the regulator role");
    });
  });

  describe("orders:ship", () => {
    const shipArgs = { from: MEDITECH, order: "1", carrier: "Swift Cold Chain", doc: "delivery note" };

    it("ships the device to the hospital with the order's reference", async () => {
      const f = await loadFixture(approvedFixture);
      const out = await printed("orders:ship", shipArgs);
      expect(out).to.contain(
        `${MEDITECH} shipped the device of order 1 (batch ${KNEE_BATCH}) to ${HOSPITAL}, carried by Swift Cold Chain.`,
      );
      const [event] = await f.ledger.queryFilter(f.ledger.filters.Shipped(undefined, f.kneeBatch));
      expect(out).to.contain(`Shipment ${event.args.shipmentId}`);
      expect(event.args.shipment.ref).to.equal(await f.orders.shipmentRefOf(1n));
      expect(event.args.shipment.toOrgId).to.equal(f.orgIds.hospital);
      expect(event.args.shipment.quantity).to.equal(1n);
    });

    it("--json: the shipment id, reference and parties", async () => {
      const f = await loadFixture(approvedFixture);
      const out = await json<Record<string, any>>("orders:ship", shipArgs);
      expect(out.ref).to.equal(await f.orders.shipmentRefOf(1n));
      expect(out.docHash).to.equal(documentHash("delivery note"));
      expect(out.carrier).to.deep.equal({ id: f.orgIds.carrier.toString(), name: "Swift Cold Chain" });
      expect((await f.ledger.shipmentState(out.shipmentId)).status).to.equal(ShipmentStatus.InTransit);
      expect(await f.ledger.holdingOf(f.kneeBatch, f.orgIds.deviceMaker)).to.equal(1n);
    });

    it("refuses orders not approved, batches on hold, other parties, bad carriers and sites", async () => {
      const f = await loadFixture(producedFixture);
      await refused("orders:ship", shipArgs, "Order 1 is Produced: only an Approved order can be shipped");
      await (await f.orders.connect(f.regulator).approveCompliance(1n, documentHash("ok"))).wait();
      await refused(
        "orders:ship",
        shipArgs,
        `Batch ${KNEE_BATCH} is OnHold: the device ships once its batch is Released (a regulator may release it early)`,
      );
      await loadFixture(approvedFixture);
      await refused("orders:ship", { ...shipArgs, from: HOSPITAL }, `${HOSPITAL} is not admitted as Manufacturer`);
      await refused(
        "orders:ship",
        { ...shipArgs, carrier: "Harbour" },
        "Harbour Distribution is not an Active LOGISTICS member: it cannot carry shipments",
      );
      await refused("orders:ship", { ...shipArgs, toSite: "3" }, `--to-site 3: ${HOSPITAL} has 1 site`);
      await refused("orders:ship", { ...shipArgs, site: "x" }, `--site "x" is not a site index`);
    });

    it("refuses when the manufacturer no longer holds the batch", async () => {
      await loadFixture(approvedFixture);
      await printed("orders:ship", shipArgs);
      await printed("orders:ship", shipArgs);
      await refused(
        "orders:ship",
        shipArgs,
        `${MEDITECH} holds no unit of batch ${KNEE_BATCH}: the device has already left`,
      );
    });
  });

  describe("orders:install", () => {
    const install = { from: HOSPITAL, order: "1", report: "operative report", reportUri: "https://op/1" };

    it("records the installation, finding the received shipment", async () => {
      const f = await loadFixture(receivedFixture);
      const out = await printed("orders:install", install);
      expect(out).to.contain(`${HOSPITAL} installed the device of order 1.`);
      expect(await f.orders.statusOf(1n)).to.equal(OrderStatus.Installed);
      const [event] = await f.orders.queryFilter(f.orders.filters.OrderInstalled(1n));
      expect(event.args.shipmentId).to.equal(f.shipmentId);
      expect(event.args.reportURI).to.equal("https://op/1");
    });

    it("--json: with the shipment given", async () => {
      const f = await loadFixture(receivedFixture);
      const out = await json<Record<string, any>>("orders:install", { ...install, shipment: f.shipmentId });
      expect(out).to.include({ orderId: "1", status: "Installed", shipmentId: f.shipmentId });
      expect(out.reportHash).to.equal(documentHash("operative report"));
      const [event] = await f.orders.queryFilter(f.orders.filters.OrderInstalled(1n));
      expect(event.transactionHash).to.equal(out.transaction);
    });

    it("refuses before the device was shipped or received", async () => {
      await loadFixture(approvedFixture);
      await refused(
        "orders:install",
        install,
        `No shipment of order 1's device to ${HOSPITAL} is on the ledger: the maker ships it first`,
      );
      const f = await loadFixture(shippedFixture);
      await refused(
        "orders:install",
        install,
        `Shipment ${f.shipmentId} is InTransit: ${HOSPITAL} receives the device on the ledger before recording its installation`,
      );
      const client = await clientAs(f.hospital);
      await expect(
        client.send("record the installation", () =>
          client.orders.confirmInstallation(1n, f.shipment, documentHash("r"), ""),
        ),
      ).to.be.rejectedWith("The shipment was not received");
    });

    it("refuses other shipments, other hospitals and orders not approved", async () => {
      const f = await loadFixture(receivedFixture);
      const { shipmentId } = await ship(f.ledger, f.account("maker"), {
        batchId: f.maskBatch,
        toOrgId: f.orgIds.hospital,
        quantity: 5n,
        carrierOrgId: f.orgIds.carrier,
      });
      await refused(
        "orders:install",
        { ...install, shipment: shipmentId },
        `Shipment ${shipmentId} does not carry order 1's device from its maker to ${HOSPITAL}`,
      );
      await refused(
        "orders:install",
        { ...install, shipment: ethers.ZeroHash.replace(/0$/, "1") },
        "the ledger has no shipment with this id",
      );
      await refused(
        "orders:install",
        { ...install, from: MEMBERS.clinic.name },
        `Hillside Rural Clinic is not the hospital of order 1: ${HOSPITAL} is`,
      );
      await refused("orders:install", { ...install, from: MEDITECH }, `${MEDITECH} is not admitted as Hospital`);
      await loadFixture(installedFixture);
      await refused("orders:install", install, "Order 1 is Installed: only an Approved order can be installed");
    });
  });

  describe("orders:service", () => {
    const service = { order: "1", report: "6-week follow-up", reportUri: "ipfs://s/1" };

    it("the manufacturer and the hospital add service records", async () => {
      const f = await loadFixture(installedFixture);
      const out = await printed("orders:service", { ...service, from: MEDITECH });
      expect(out).to.contain(`${MEDITECH} added a service record to order 1.`);
      const second = await json<Record<string, any>>("orders:service", { ...service, from: HOSPITAL });
      expect(second.recordCount).to.equal("7");
      expect(second.reportHash).to.equal(documentHash("6-week follow-up"));
      const events = await f.orders.queryFilter(f.orders.filters.OrderServiced(1n));
      expect(events.map((e) => e.args.actor)).to.deep.equal([f.meditech.address, f.hospital.address]);
      expect(events[1].transactionHash).to.equal(second.transaction);
      expect((await f.orders.historyOf(1n))[1]).to.equal(7n);
    });

    it("refuses orders not installed and members not party to the order", async () => {
      await loadFixture(receivedFixture);
      await refused(
        "orders:service",
        { ...service, from: MEDITECH },
        "Order 1 is Approved: only an Installed order can be serviced",
      );
      await loadFixture(installedFixture);
      await refused(
        "orders:service",
        { ...service, from: "Northwind Masks" },
        `Northwind Masks is neither the hospital nor the manufacturer of order 1: ${HOSPITAL} and ${MEDITECH} are`,
      );
      await refused(
        "orders:service",
        { ...service, from: MEMBERS.pharmacy.name },
        "Corner Pharmacy is not admitted as Manufacturer or Hospital",
      );
      await refused(
        "orders:service",
        { ...service, from: MEDITECH, report: "" },
        "--report (a file, a text or a 0x hash) is required",
      );
    });
  });

  describe("orders:cancel", () => {
    const cancel = { from: HOSPITAL, order: "1", reason: "patient moved" };

    it("the hospital cancels a placed order", async () => {
      const f = await loadFixture(placedFixture);
      const out = await printed("orders:cancel", cancel);
      expect(out).to.contain(`${HOSPITAL} cancelled order 1 (it was Placed).`);
      expect(await f.orders.statusOf(1n)).to.equal(OrderStatus.Cancelled);
    });

    it("--json: a produced order once its compliance deadline passed", async () => {
      const f = await loadFixture(producedFixture);
      const deadline = (await f.orders.orderOf(1n)).complianceDeadline;
      await refused(
        "orders:cancel",
        cancel,
        `Order 1 awaits a compliance ruling until ${formatTime(deadline)}: the hospital may cancel only after that`,
      );
      await time.increaseTo(deadline);
      const out = await json<Record<string, any>>("orders:cancel", cancel);
      expect(out).to.include({ orderId: "1", status: "Cancelled", previousStatus: "Produced" });
      expect(out.reasonHash).to.equal(documentHash("patient moved"));
      const [event] = await f.orders.queryFilter(f.orders.filters.OrderCancelled(1n));
      expect(event.args.previousStatus).to.equal(OrderStatus.Produced);
      expect(event.transactionHash).to.equal(out.transaction);
    });

    it("decodes the book's refusal inside the compliance window", async () => {
      const f = await loadFixture(producedFixture);
      const client = await clientAs(f.hospital);
      await expect(client.send("cancel order 1", () => client.orders.cancel(1n, documentHash("x")))).to.be.rejectedWith(
        "Could not cancel order 1: The produced order's compliance window has not passed",
      );
    });

    it("refuses approved orders, other hospitals and non-hospitals", async () => {
      await loadFixture(approvedFixture);
      await refused(
        "orders:cancel",
        cancel,
        "Order 1 is Approved: only a Placed, Designed, Produced or Rejected order can be cancelled",
      );
      await loadFixture(rejectedFixture);
      await refused(
        "orders:cancel",
        { ...cancel, from: MEMBERS.clinic.name },
        `Hillside Rural Clinic is not the hospital of order 1: ${HOSPITAL} is`,
      );
      await refused("orders:cancel", { ...cancel, from: MEDITECH }, `${MEDITECH} is not admitted as Hospital`);
      await refused("orders:cancel", { ...cancel, reason: ethers.ZeroHash }, "--reason may not be the zero hash");
      expect(await json<Record<string, any>>("orders:cancel", cancel)).to.include({ previousStatus: "Rejected" });
    });
  });

  describe("order", () => {
    it("shows an order's parties, deadlines and its history proved against the book", async () => {
      const f = await loadFixture(installedFixture);
      const view = await f.orders.orderOf(1n);
      const [head] = await f.orders.historyOf(1n);
      const out = await printed("order", { order: "1" });
      expect(out).to.contain("Order 1");
      expect(out).to.match(/Status\s+Installed/);
      expect(out).to.match(new RegExp(`Hospital\\s+${HOSPITAL}`));
      expect(out).to.match(new RegExp(`Manufacturer\\s+${MEDITECH}`));
      expect(out).to.contain(`unit 0 of batch ${KNEE_BATCH}`);
      expect(out).to.match(new RegExp(`Compliance deadline\\s+${formatTime(view.complianceDeadline)}\\n`));
      expect(out).to.match(/4\s+Approved\s+regulator 0x70997970C51812dc3A010C7d01b50e0d17dc79C8/);
      expect(out).to.match(new RegExp(`5\\s+Installed\\s+${HOSPITAL}`));
      expect(out).to.contain(`History proved: 5 records rebuild the head ${head} the order book stores.`);
    });

    it("a produced order shows whether its compliance window is open or passed", async () => {
      await loadFixture(producedFixture);
      expect(await printed("order", { order: "1" })).to.match(/Compliance deadline\s+.* \(open\)/);
      await time.increase(COMPLIANCE_WINDOW + 1n);
      expect(await printed("order", { order: "#1" })).to.contain("(passed: the hospital may cancel)");
    });

    it("--json: the order, its records and the proof", async () => {
      const f = await loadFixture(installedFixture);
      const view = await f.orders.orderOf(1n);
      const out = await json<Record<string, any>>("order", { order: "1" });
      expect(out).to.include({
        orderId: "1",
        status: "Installed",
        gtin: KNEE_TEXT,
        batchId: f.kneeBatch,
        unitIndex: "0",
      });
      expect(out.hospital).to.deep.equal({ id: f.orgIds.hospital.toString(), name: HOSPITAL });
      expect(out.complianceDeadline).to.equal(view.complianceDeadline.toString());
      expect(out.head).to.equal(view.head);
      expect(out.shipmentRef).to.equal(await f.orders.shipmentRefOf(1n));
      expect(out.history.map((h: any) => h.kind)).to.deep.equal([
        "Placed",
        "Designed",
        "Produced",
        "Approved",
        "Installed",
      ]);
      expect(out.history[0].actor).to.equal(f.hospital.address);
      expect(out.proof).to.include({ valid: true, head: view.head, onChainHead: view.head, count: 5, onChainCount: 5 });
    });

    it("a placed order has no device yet; unknown orders are refused", async () => {
      await loadFixture(devicesFixture);
      await refused("order", { order: "1" }, "Order 1 does not exist: no order was placed yet");
      await loadFixture(placedFixture);
      const out = await json<Record<string, any>>("order", { order: "1" });
      expect(out).to.include({ status: "Placed", batchId: null, unitIndex: null, complianceDeadline: "0" });
      expect(await printed("order", { order: "1" })).to.not.contain("Device");
      await refused("order", { order: "2" }, "Order 2 does not exist: the order book holds orders 1 to 1");
    });
  });

  describe("orders:list", () => {
    it("lists an organisation's orders, by status", async () => {
      const f = await loadFixture(producedFixture);
      await placeOrder(f.orders, f.account("clinic"), kneeOrder(f, { requirementsHash: documentHash("hip") }));
      const all = await printed("orders:list", { org: MEDITECH });
      expect(all).to.match(new RegExp(`1\\s+Produced\\s+${KNEE_TEXT}\\s+${HOSPITAL}\\s+${MEDITECH}`));
      expect(all).to.match(new RegExp(`2\\s+Placed\\s+${KNEE_TEXT}\\s+Hillside Rural Clinic`));
      const hospital = await printed("orders:list", { org: HOSPITAL });
      expect(hospital).to.not.contain("Hillside");
      const placed = await json<Record<string, any>>("orders:list", { org: MEDITECH, status: "placed" });
      expect(placed.status).to.equal("Placed");
      expect(placed.orders.map((o: any) => o.orderId)).to.deep.equal(["2"]);
      expect(placed.orders[0].hospital).to.deep.equal({
        id: f.orgIds.clinic.toString(),
        name: "Hillside Rural Clinic",
      });
      expect(placed.orders[0].placedAt).to.equal((await f.orders.orderOf(2n)).placedAt.toString());
      const every = await json<Record<string, any>>("orders:list", {});
      expect(every.org).to.equal(null);
      expect(every.orders).to.have.length(2);
    });

    it("says when there is nothing, and refuses unknown statuses", async () => {
      await loadFixture(placedFixture);
      expect(await printed("orders:list", { org: "Northwind", status: "Approved" })).to.equal(
        "No Approved device orders of Northwind Masks.",
      );
      await refused(
        "orders:list",
        { status: "Shipped" },
        `--status "Shipped" is not an order status: Placed, Designed, Produced, Approved, Rejected, Installed, Cancelled`,
      );
    });
  });
});
