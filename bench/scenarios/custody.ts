/** Custody: shipping, carrying and receiving, at the first shipment of a batch and after 10,000. */
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { BusinessRole, documentHash } from "../../scripts/lib/alliance";
import { DAY, YEAR, admit, deployAlliance } from "../../scripts/lib/formation";
import { companyPrefix, gln, gtin } from "../../scripts/lib/gs1";
import {
  Category,
  RecordKind,
  approveProduct,
  commission,
  deployTrace,
  lot,
  ship,
  productSpec,
} from "../../scripts/lib/trace";
import { type BenchProfile, type GasFigures, type Scenario, gasOf } from "../harness";

const EARLIER_SHIPMENTS = 10_000;

export const custodyScenario: Scenario = {
  name: "custody",
  async run(profile: BenchProfile): Promise<GasFigures> {
    const [governor, regulator, maker, carrier, distributor, hospital] = await ethers.getSigners();
    const registry = await deployAlliance({ governor, regulators: [regulator], guardians: [], quorum: 1 });
    const licenceExpiry = BigInt(await time.latest()) + 5n * YEAR;
    const prefix = companyPrefix("6901234");
    const member = async (signer: typeof maker, name: string, role: BusinessRole, site?: string) => {
      const companyPrefixes = role === BusinessRole.Manufacturer ? [prefix] : [];
      const { orgId } = await admit(registry, signer, { name, role, companyPrefixes, licenceExpiry }, [regulator]);
      if (site) await (await registry.connect(signer).registerSite(gln(site), `${name} site`)).wait();
      return orgId;
    };
    await member(maker, "Northwind Masks", BusinessRole.Manufacturer, "690123400001");
    const carrierOrg = await member(carrier, "Swift Cold Chain", BusinessRole.Logistics);
    const distributorOrg = await member(distributor, "Harbour Distribution", BusinessRole.Distributor, "952000000002");
    const hospitalOrg = await member(hospital, "City General", BusinessRole.Hospital, "952000000001");
    const { catalog, ledger } = await deployTrace(registry, governor);
    const mask = gtin("0690123400027");
    await approveProduct(catalog, maker, regulator, productSpec(mask, prefix, Category.ProtectiveEquipment), 14n * DAY);
    const now = BigInt(await time.latest());
    const batches: string[] = [];
    for (let i = 0; i < (profile === "full" ? 20 : 3); i++) {
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
    const [fresh, busy] = batches;
    const order = (batchId: string, toOrgId: bigint, quantity: bigint) => ({
      batchId,
      toOrgId,
      quantity,
      carrierOrgId: carrierOrg,
      ref: ethers.id("order"),
      docHash: documentHash("consignment note"),
    });

    // One earlier shipment of the batch, then the measured one: maker to a distributor that never held it.
    await ship(ledger, maker, order(fresh, hospitalOrg, 10n));
    const shipTx = ledger
      .connect(maker)
      .ship(fresh, distributorOrg, 5_000n, carrierOrg, ethers.id("order"), documentHash("consignment"), 0, 0);
    const shipGas = await gasOf(shipTx);
    const shipped = (await ledger.queryFilter(ledger.filters.Shipped(undefined, fresh, distributorOrg)))[0].args
      .shipment;
    const shipment = {
      batchId: shipped.batchId,
      fromOrgId: shipped.fromOrgId,
      toOrgId: shipped.toOrgId,
      carrierOrgId: shipped.carrierOrgId,
      fromGln: shipped.fromGln,
      toGln: shipped.toGln,
      quantity: shipped.quantity,
      ref: shipped.ref,
      sequence: shipped.sequence,
    };
    const pickUp = await gasOf(ledger.connect(carrier).pickUp(shipment));
    const deliver = await gasOf(ledger.connect(carrier).deliver(shipment));
    const receive = await gasOf(ledger.connect(distributor).receiveShipment(shipment, 5_000n, true));
    const onward = await gasOf(
      ledger.connect(distributor).ship(fresh, hospitalOrg, 1_000n, carrierOrg, ethers.ZeroHash, ethers.ZeroHash, 0, 0),
    );

    // The same shipment after 10,000 earlier shipments of the batch.
    for (let i = 0; i < EARLIER_SHIPMENTS; i++) {
      await ledger.connect(maker).ship(busy, hospitalOrg, 1n, carrierOrg, ethers.ZeroHash, ethers.ZeroHash, 0, 0);
    }
    const shipAfter = await gasOf(
      ledger
        .connect(maker)
        .ship(busy, distributorOrg, 5_000n, carrierOrg, ethers.id("order"), documentHash("consignment"), 0, 0),
    );

    return {
      "trace.ship": shipGas,
      "trace.receive": receive,
      "trace.shipAfter10000Shipments": shipAfter,
      "trace.pickUp": pickUp,
      "trace.deliver": deliver,
      "trace.shipByDistributor": onward,
    };
  },
};
