/** Adverse events: filing, dismissal, confirmation, confirmation with a recall through the ledger, overdue flagging. */
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { BusinessRole, documentHash } from "../../scripts/lib/alliance";
import { DAY, YEAR, admit, deployAlliance } from "../../scripts/lib/formation";
import { companyPrefix, gln, gtin } from "../../scripts/lib/gs1";
import {
  DEFAULT_TRIAGE_WINDOW,
  Severity,
  deployAdverse,
  fileReport,
  patientRef,
  reportRequest,
} from "../../scripts/lib/adverse";
import {
  Category,
  RecordKind,
  approveProduct,
  commission,
  deployTrace,
  lot,
  productSpec,
} from "../../scripts/lib/trace";
import { type BenchProfile, type GasFigures, type Scenario, gasOf } from "../harness";

export const adverseScenario: Scenario = {
  name: "adverse",
  async run(profile: BenchProfile): Promise<GasFigures> {
    const [governor, regulator, maker, hospital] = await ethers.getSigners();
    const registry = await deployAlliance({ governor, regulators: [regulator], guardians: [], quorum: 1 });
    const licenceExpiry = BigInt(await time.latest()) + 5n * YEAR;
    const prefix = companyPrefix("6901234");
    const { orgId: makerOrg } = await admit(
      registry,
      maker,
      { name: "Northwind Masks", role: BusinessRole.Manufacturer, companyPrefixes: [prefix], licenceExpiry },
      [regulator],
    );
    await admit(registry, hospital, { name: "City General", role: BusinessRole.Hospital, licenceExpiry }, [regulator]);
    await (await registry.connect(maker).registerSite(gln("690123400001"), "Northwind plant")).wait();
    const { catalog, ledger } = await deployTrace(registry, governor);
    const mask = gtin("0690123400027");
    await approveProduct(catalog, maker, regulator, productSpec(mask, prefix, Category.ProtectiveEquipment), 14n * DAY);
    const adverse = await deployAdverse(ledger, governor, { triageWindow: DEFAULT_TRIAGE_WINDOW });

    const now = BigInt(await time.latest());
    const batches: string[] = [];
    for (let i = 0; i < 3; i++) {
      const batchId = await commission(ledger, maker, {
        gtin: mask,
        lot: lot(`SM-${i}`),
        quantity: 1_000_000n,
        producedAt: now,
        expiresAt: now + 3n * YEAR,
        site: 0,
        docHash: documentHash(`batch ${i}`),
        docURI: `ipfs://batch/${i}`,
        inputs: [],
      });
      await (
        await ledger
          .connect(maker)
          .record({ batchId, kind: RecordKind.InspectionPassed, dataHash: documentHash(`QA ${i}`) })
      ).wait();
      batches.push(batchId);
    }
    await time.increase(14n * DAY);
    const [reported, recalled] = batches;

    const salt = ethers.id("hospital salt");
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
    const toFlag = await fileReport(adverse, hospital, request(earlier + 9));
    await time.increase(DEFAULT_TRIAGE_WINDOW + 1n);
    const flagOverdue = await gasOf(adverse.connect(governor).flagOverdue(toFlag));

    return {
      "adverse.report": report,
      "adverse.confirm": confirm,
      "adverse.confirmWithRecall": confirmWithRecall,
      "adverse.dismiss": dismiss,
      "adverse.flagOverdue": flagOverdue,
    };
  },
};
