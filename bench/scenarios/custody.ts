/** Custody: shipping, carrying and receiving, at the first shipment of a batch and after 10,000. */
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { BusinessRole, documentHash } from "../../scripts/lib/alliance";
import { deployTrace, ship } from "../../scripts/lib/trace";
import { type BenchProfile, type GasFigures, type Scenario, gasOf } from "../harness";
import { MASK, MASK_HOLD, approveMask, benchAlliance, inspectedBatches, member, northwindMasks } from "./world";

const EARLIER_SHIPMENTS = 10_000;

export const custodyScenario: Scenario = {
  name: "custody",
  async run(profile: BenchProfile): Promise<GasFigures> {
    const [governor, regulator, maker, carrier, distributor, hospital] = await ethers.getSigners();
    const alliance = await benchAlliance(governor, regulator);
    await northwindMasks(alliance, maker);
    const carrierOrg = await member(alliance, carrier, "Swift Cold Chain", BusinessRole.Logistics);
    const distributorOrg = await member(alliance, distributor, "Harbour Distribution", BusinessRole.Distributor, {
      site: "952000000002",
    });
    const hospitalOrg = await member(alliance, hospital, "City General", BusinessRole.Hospital, {
      site: "952000000001",
    });
    const { catalog, ledger } = await deployTrace(alliance.registry, governor);
    await approveMask(catalog, maker, regulator);
    const now = BigInt(await time.latest());
    const batches = await inspectedBatches(ledger, maker, MASK, "SM-", profile === "full" ? 20 : 3, now);
    await time.increase(MASK_HOLD);
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
