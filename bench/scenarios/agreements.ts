/**
 * Supply agreements: one agreement in a tokenised-fiat coin from proposal to every withdrawal, with one delivery,
 * beside members that already have agreements behind them (one settled, one active), and a claim ruled by a regulator.
 */
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { BusinessRole, documentHash } from "../../scripts/lib/alliance";
import { DAY } from "../../scripts/lib/formation";
import { deployTrace } from "../../scripts/lib/trace";
import {
  type PlainTerms,
  Ruling,
  agreementRef,
  buildTerms,
  deployAgreements,
  hashTerms,
} from "../../scripts/lib/agreements";
import { type BenchProfile, type GasFigures, type Scenario, gasOf } from "../harness";
import { MASK, approveMask, benchAlliance, member, northwindMasks, releasedMaskBatch, shipAndReceive } from "./world";

export const agreementsScenario: Scenario = {
  name: "agreements",
  async run(profile: BenchProfile): Promise<GasFigures> {
    const [governor, regulator, maker, carrier, hospital] = await ethers.getSigners();
    const alliance = await benchAlliance(governor, regulator);
    const { registry } = alliance;
    const makerOrg = await northwindMasks(alliance, maker);
    const carrierOrg = await member(alliance, carrier, "Swift Cold Chain", BusinessRole.Logistics);
    const hospitalOrg = await member(alliance, hospital, "City General", BusinessRole.Hospital, {
      site: "952000000001",
    });
    const { catalog, ledger } = await deployTrace(registry, governor);
    await approveMask(catalog, maker, regulator);
    const batchId = await releasedMaskBatch(ledger, maker, "SM-1", {
      quantity: 10_000_000n,
      record: "batch",
      uri: "ipfs://batch",
      report: "QA",
    });

    const agreements = await deployAgreements(governor, await registry.getAddress(), await ledger.getAddress());
    const coin = await (await ethers.getContractFactory("TestToken")).deploy("Health Dollar", "HUSD", 6);
    const asset = await coin.getAddress();
    await (await agreements.connect(governor).setAssetApproved(asset, true)).wait();
    for (const account of [maker, carrier, hospital]) {
      await (await coin.mint(await account.getAddress(), 10n ** 15n)).wait();
      await (await coin.connect(account).approve(await agreements.getAddress(), ethers.MaxUint256)).wait();
    }

    const g: GasFigures = {};
    let sequence = 0n;
    const newTerms = async (): Promise<PlainTerms> =>
      buildTerms(
        {
          buyerOrgId: hospitalOrg,
          supplierOrgId: makerOrg,
          carrierOrgId: carrierOrg,
          gtin: MASK,
          handOverDeadline: BigInt(await time.latest()) + 10n * DAY,
        },
        {
          asset,
          quantity: 100_000n,
          unitPrice: 250_000n,
          carrierFee: 1_500_000_000n,
          specHash: ethers.id(`${sequence++}`),
        },
      );

    /** One agreement from proposal to settlement, returning each step's gas. */
    const lifecycle = async () => {
      const terms = await newTerms();
      const steps: GasFigures = {};
      const id = await agreements.connect(hospital).propose.staticCall(terms);
      steps.propose = await gasOf(agreements.connect(hospital).propose(terms));
      steps.signSupplier = await gasOf(agreements.connect(maker).sign(id, hashTerms(terms), terms));
      steps.signCarrier = await gasOf(agreements.connect(carrier).sign(id, hashTerms(terms), terms));
      steps.fund = await gasOf(agreements.connect(hospital).fund(id, terms));
      const order = {
        batchId,
        toOrgId: hospitalOrg,
        quantity: terms.quantity,
        carrierOrgId: carrierOrg,
        ref: agreementRef(await agreements.getAddress(), id),
        docHash: documentHash("delivery note"),
      };
      const shipment = await shipAndReceive(ledger, maker, hospital, order, { carrier, delivers: true });
      steps.recordDelivery = await gasOf(agreements.connect(hospital).recordDelivery(id, terms, shipment));
      await time.increase(terms.inspectionWindow + 1n);
      steps.settle = await gasOf(agreements.connect(hospital).settle(id, terms));
      return { id, terms, shipment, steps };
    };

    // History: one agreement settled and withdrawn, one active.
    const earlier = profile === "full" ? 5 : 1;
    for (let i = 0; i < earlier; i++) {
      await lifecycle();
      for (const account of [maker, carrier]) await (await agreements.connect(account).withdraw(asset)).wait();
    }
    const active = await newTerms();
    const activeId = await agreements.connect(hospital).propose.staticCall(active);
    await (await agreements.connect(hospital).propose(active)).wait();
    await (await agreements.connect(maker).sign(activeId, hashTerms(active), active)).wait();
    await (await agreements.connect(carrier).sign(activeId, hashTerms(active), active)).wait();
    await (await agreements.connect(hospital).fund(activeId, active)).wait();

    // The measured agreement.
    const { steps } = await lifecycle();
    steps.withdrawSupplier = await gasOf(agreements.connect(maker).withdraw(asset));
    steps.withdrawCarrier = await gasOf(agreements.connect(carrier).withdraw(asset));
    g["agreement.propose"] = steps.propose;
    g["agreement.sign"] = steps.signSupplier;
    g["agreement.signCarrier"] = steps.signCarrier;
    g["agreement.fund"] = steps.fund;
    g["agreement.recordDelivery"] = steps.recordDelivery;
    g["agreement.settle"] = steps.settle;
    g["agreement.withdraw"] = steps.withdrawSupplier;
    g["agreement.lifecycleTotal"] = Object.values(steps).reduce((a, b) => a + b, 0n);

    // A claim on the active agreement's delivery, ruled against the supplier.
    const shipment = await shipAndReceive(ledger, maker, hospital, {
      batchId,
      toOrgId: hospitalOrg,
      quantity: active.quantity,
      carrierOrgId: carrierOrg,
      ref: agreementRef(await agreements.getAddress(), activeId),
    });
    await (await agreements.connect(hospital).recordDelivery(activeId, active, shipment)).wait();
    g["agreement.fileClaim"] = await gasOf(
      agreements.connect(hospital).fileClaim(activeId, active, 400n, documentHash("inspection report")),
    );
    g["agreement.rule"] = await gasOf(
      agreements.connect(regulator).ruleClaim(activeId, active, Ruling.SupplierAtFault, documentHash("ruling")),
    );
    return g;
  },
};
