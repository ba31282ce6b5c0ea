/**
 * Adverse events: filing (plain, and naming an installed custom knee implant's order), dismissal, confirmation,
 * confirmation with a recall through the ledger, overdue flagging.
 */
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { BusinessRole, documentHash } from "../../scripts/lib/alliance";
import { DAY } from "../../scripts/lib/formation";
import { gln, gtin } from "../../scripts/lib/gs1";
import {
  DEFAULT_TRIAGE_WINDOW,
  Severity,
  deployAdverse,
  fileReport,
  patientRef,
  reportRequest,
} from "../../scripts/lib/adverse";
import { deployOrders, orderShipmentRef, placeOrder } from "../../scripts/lib/orders";
import { Category, DeviceClass, approveProduct, commission, deployTrace, productSpec } from "../../scripts/lib/trace";
import { type BenchProfile, type GasFigures, type Scenario, gasOf } from "../harness";
import {
  MASK,
  MASK_HOLD,
  NORTHWIND_PREFIX,
  approveMask,
  batchRequest,
  benchAlliance,
  inspectedBatch,
  inspectedBatches,
  member,
  shipAndReceive,
} from "./world";

export const adverseScenario: Scenario = {
  name: "adverse",
  async run(profile: BenchProfile): Promise<GasFigures> {
    const [governor, regulator, maker, hospital, carrier] = await ethers.getSigners();
    const alliance = await benchAlliance(governor, regulator);
    const makerOrg = await member(alliance, maker, "Northwind Masks", BusinessRole.Manufacturer, {
      prefixes: [NORTHWIND_PREFIX],
    });
    const hospitalOrg = await member(alliance, hospital, "City General", BusinessRole.Hospital);
    const carrierOrg = await member(alliance, carrier, "Swift Cold Chain", BusinessRole.Logistics);
    const { registry } = alliance;
    await (await registry.connect(maker).registerSite(gln("690123400001"), "Northwind plant")).wait();
    await (await registry.connect(hospital).registerSite(gln("952000000001"), "City General stores")).wait();
    const { catalog, ledger } = await deployTrace(registry, governor);
    await approveMask(catalog, maker, regulator);
    // Northwind also makes custom knee implants (a class III device) from its own titanium powder.
    const knee = gtin("0690123400041");
    const powder = gtin("0690123400058");
    const deviceSpec = { deviceClass: DeviceClass.III, proposedHoldPeriod: 7n * DAY };
    await approveProduct(
      catalog,
      maker,
      regulator,
      productSpec(knee, NORTHWIND_PREFIX, Category.Device, deviceSpec),
      7n * DAY,
    );
    await approveProduct(
      catalog,
      maker,
      regulator,
      productSpec(powder, NORTHWIND_PREFIX, Category.RawMaterial, { proposedHoldPeriod: 2n * DAY }),
      2n * DAY,
    );
    const book = await deployOrders(ledger, governor);
    const adverse = await deployAdverse(ledger, book, governor, { triageWindow: DEFAULT_TRIAGE_WINDOW });

    const now = BigInt(await time.latest());
    const batches = await inspectedBatches(ledger, maker, MASK, "SM-", 3, now);
    const powderBatch = await commission(ledger, maker, batchRequest(powder, "TI-0001", now, { quantity: 500n }));
    const kneeRequest = batchRequest(knee, "KN-0001", now, { quantity: 1_000n });
    const kneeBatch = await inspectedBatch(ledger, maker, kneeRequest, "QA KN-0001");
    await time.increase(MASK_HOLD);
    const [reported, recalled] = batches;

    // A custom knee implant ordered by the hospital, made as unit 7 of the knee batch, approved, delivered through the
    // ledger and installed.
    const salt = ethers.id("hospital salt");
    const orderId = await placeOrder(book, hospital, {
      manufacturerOrgId: makerOrg,
      gtin: knee,
      patientRef: patientRef(salt, "MRN-KN-1"),
      requirementsHash: documentHash("prescription: left knee"),
      requirementsURI: "https://city-general.example/orthopaedics/orders/1",
    });
    const kneeDesign = {
      designHash: documentHash("design"),
      designURI: "ipfs://designs/1",
      rawMaterials: [powderBatch],
    };
    await (await book.connect(maker).design(orderId, kneeDesign)).wait();
    const kneeUnit = 7n;
    await (await book.connect(maker).completeProduction(orderId, kneeBatch, kneeUnit)).wait();
    await (await book.connect(regulator).approveCompliance(orderId, documentHash("certificate"))).wait();
    const shipment = await shipAndReceive(ledger, maker, hospital, {
      batchId: kneeBatch,
      toOrgId: hospitalOrg,
      quantity: 1n,
      carrierOrgId: carrierOrg,
      ref: orderShipmentRef(await book.getAddress(), orderId),
      docHash: documentHash("delivery note"),
    });
    await (
      await book.connect(hospital).confirmInstallation(orderId, shipment, documentHash("operative report"), "ipfs://op")
    ).wait();

    const request = (n: number, batchId = reported) =>
      reportRequest({
        batchId,
        severity: n % 3 === 0 ? Severity.Serious : Severity.NonSerious,
        descriptionHash: documentHash(`case ${n}`),
        descriptionURI: `https://city-general.example/pv/cases/${n}`,
        patientRef: patientRef(salt, `MRN-${n}`),
        unitIndex: BigInt(n),
      });

    // Earlier reports of the product (so its counters are no longer zero), some already triaged.
    const earlier = profile === "full" ? 200 : 5;
    for (let n = 1; n <= earlier; n++) await fileReport(adverse, hospital, request(n));
    await (await adverse.connect(regulator).confirm(1n, makerOrg, documentHash("earlier finding"))).wait();

    // The measured steps: a Serious report on a unit, each verdict, a confirmation that recalls a batch.
    const report = await gasOf(adverse.connect(hospital).report(request(earlier + 3)));
    const reportId = await adverse.reportCount();
    const confirm = await gasOf(adverse.connect(regulator).confirm(reportId, makerOrg, documentHash("finding")));
    const toDismiss = await fileReport(adverse, hospital, request(earlier + 4));
    const dismiss = await gasOf(adverse.connect(regulator).dismiss(toDismiss, documentHash("not related")));
    const toRecall = await fileReport(adverse, hospital, request(earlier + 6, recalled));
    const confirmWithRecall = await gasOf(
      adverse.connect(regulator).confirmWithRecall(toRecall, makerOrg, 2, documentHash("recall: sensitiser")),
    );
    // A report naming the installed knee's order (its unit, Serious): the first report naming the order, on a product
    // already reported against (so the order's own counter is the only new slot).
    await fileReport(adverse, hospital, request(earlier + 10, kneeBatch));
    const reportWithOrder = await gasOf(
      adverse.connect(hospital).report({ ...request(earlier + 12, kneeBatch), unitIndex: kneeUnit, orderId }),
    );
    const toFlag = await fileReport(adverse, hospital, request(earlier + 9));
    await time.increase(DEFAULT_TRIAGE_WINDOW + 1n);
    const flagOverdue = await gasOf(adverse.connect(governor).flagOverdue(toFlag));

    return {
      "adverse.report": report,
      "adverse.reportWithOrder": reportWithOrder,
      "adverse.confirm": confirm,
      "adverse.confirmWithRecall": confirmWithRecall,
      "adverse.dismiss": dismiss,
      "adverse.flagOverdue": flagOverdue,
    };
  },
};
