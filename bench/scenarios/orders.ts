/**
 * Custom device orders: each step of a knee implant's order, from placing to the first service record (informational,
 * no budget). The shipment and receipt in between are ledger operations, measured by the custody scenario.
 */
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { BusinessRole, documentHash } from "../../scripts/lib/alliance";
import { DAY } from "../../scripts/lib/formation";
import { companyPrefix, gtin } from "../../scripts/lib/gs1";
import { patientRef } from "../../scripts/lib/adverse";
import { deployOrders, orderShipmentRef, placeOrder, type OrderRequest } from "../../scripts/lib/orders";
import {
  Category,
  DeviceClass,
  approveProduct,
  commission,
  deployTrace,
  productSpec,
  unit,
} from "../../scripts/lib/trace";
import { type BenchProfile, type GasFigures, type Scenario, gasOf } from "../harness";
import { batchRequest, benchAlliance, inspectedBatch, member, shipAndReceive } from "./world";

export const ordersScenario: Scenario = {
  name: "orders",
  async run(profile: BenchProfile): Promise<GasFigures> {
    const [governor, regulator, maker, supplier, carrier, hospital] = await ethers.getSigners();
    const alliance = await benchAlliance(governor, regulator);
    const makerPrefix = companyPrefix("7012345");
    const supplierPrefix = companyPrefix("4012345");
    const makerOrg = await member(alliance, maker, "Alpine Implants", BusinessRole.Manufacturer, {
      prefixes: [makerPrefix],
      site: "701234500001",
    });
    await member(alliance, supplier, "Titan Powders", BusinessRole.Supplier, {
      prefixes: [supplierPrefix],
      site: "401234500001",
    });
    const carrierOrg = await member(alliance, carrier, "Swift Cold Chain", BusinessRole.Logistics);
    const hospitalOrg = await member(alliance, hospital, "City General", BusinessRole.Hospital, {
      site: "952000000001",
    });

    const { catalog, ledger } = await deployTrace(alliance.registry, governor);
    const knee = gtin("0701234500001");
    const titanium = gtin("0401234500002");
    await approveProduct(
      catalog,
      maker,
      regulator,
      productSpec(knee, makerPrefix, Category.Device, { deviceClass: DeviceClass.III, proposedHoldPeriod: 7n * DAY }),
      7n * DAY,
    );
    await approveProduct(
      catalog,
      supplier,
      regulator,
      productSpec(titanium, supplierPrefix, Category.RawMaterial, {
        unitOfMeasure: unit("KGM"),
        proposedHoldPeriod: 2n * DAY,
      }),
      2n * DAY,
    );
    const book = await deployOrders(ledger, governor);

    const now = BigInt(await time.latest());
    const batch = (signer: typeof maker, code: bigint, lotText: string, quantity: bigint) =>
      commission(ledger, signer, batchRequest(code, lotText, now, { quantity }));
    const powder = [await batch(supplier, titanium, "TI-0001", 500n), await batch(supplier, titanium, "TI-0002", 500n)];
    const kneeBatch = await inspectedBatch(
      ledger,
      maker,
      batchRequest(knee, "KN-0001", now, { quantity: 1_000n }),
      "QA KN-0001",
    );
    await time.increase(7n * DAY);

    const salt = ethers.id("City General salt");
    const request = (n: number): OrderRequest => ({
      manufacturerOrgId: makerOrg,
      gtin: knee,
      patientRef: patientRef(salt, `MRN-${n}`),
      requirementsHash: documentHash(`prescription ${n}`),
      requirementsURI: `https://city-general.example/orthopaedics/orders/${n}`,
    });
    const design = (n: number) => ({
      designHash: documentHash(`design ${n}`),
      designURI: `ipfs://designs/${n}`,
      rawMaterials: powder,
    });

    // Earlier orders (so the counters and the unit index are no longer zero), one of them produced.
    const earlier = profile === "full" ? 100 : 3;
    for (let n = 1; n <= earlier; n++) await placeOrder(book, hospital, request(n));
    await (await book.connect(maker).design(1n, design(1))).wait();
    await (await book.connect(maker).completeProduction(1n, kneeBatch, 0n)).wait();

    // The measured steps of one order: place, design from two powder batches, production, approval, installation of
    // the device received through the ledger, a first service record.
    const n = earlier + 1;
    const orderId = BigInt(n);
    const place = await gasOf(book.connect(hospital).place(request(n)));
    const designGas = await gasOf(book.connect(maker).design(orderId, design(n)));
    const complete = await gasOf(book.connect(maker).completeProduction(orderId, kneeBatch, BigInt(n)));
    const approve = await gasOf(book.connect(regulator).approveCompliance(orderId, documentHash("certificate")));
    const shipment = await shipAndReceive(ledger, maker, hospital, {
      batchId: kneeBatch,
      toOrgId: hospitalOrg,
      quantity: 1n,
      carrierOrgId: carrierOrg,
      ref: orderShipmentRef(await book.getAddress(), orderId),
      docHash: documentHash("delivery note"),
    });
    const install = await gasOf(
      book
        .connect(hospital)
        .confirmInstallation(orderId, shipment, documentHash("operative report"), "https://city-general.example/op"),
    );
    const service = await gasOf(
      book.connect(maker).recordService(orderId, documentHash("6-week follow-up"), "ipfs://service/1"),
    );

    return {
      "order.place": place,
      "order.design": designGas,
      "order.complete": complete,
      "order.approve": approve,
      "order.install": install,
      "order.service": service,
    };
  },
};
