/**
 * Field readings: a full submission of 100 signed readings from one logger on one shipment (the budgeted case), 100
 * readings from 100 loggers on 100 shipments, and a one-reading submission whose excursion holds a shipment. Every
 * device has had readings accepted before, as in steady operation.
 */
import { ethers } from "hardhat";
import { setBalance, time } from "@nomicfoundation/hardhat-network-helpers";
import type { Wallet } from "ethers";
import { AccountKind, BusinessRole, documentHash } from "../../scripts/lib/alliance";
import { DAY } from "../../scripts/lib/formation";
import { gtin } from "../../scripts/lib/gs1";
import {
  type Reading,
  ReadingKind,
  type SignedReading,
  buildSubmission,
  readingsDomain,
  shipmentIdOf,
  signReading,
} from "../../scripts/lib/readings";
import { Category, type Shipment, approveProduct, deployTrace, productSpec, ship } from "../../scripts/lib/trace";
import { type BenchProfile, type GasFigures, type Scenario, gasOf } from "../harness";
import { NORTHWIND_PREFIX, benchAlliance, inspectedBatches, member } from "./world";

const CARRIERS = 4; // 25 loggers each (an organisation has at most 32 accounts)
const LOGGERS = 100;
const BATCHES = 10; // the 100 shipments come from 10 batches, 10 each

export const readingsScenario: Scenario = {
  name: "readings",
  async run(_profile: BenchProfile): Promise<GasFigures> {
    const [governor, regulator, maker, hospital, ...carrierAdmins] = await ethers.getSigners();
    const alliance = await benchAlliance(governor, regulator);
    const { registry } = alliance;
    await member(alliance, maker, "Northwind Pharma", BusinessRole.Manufacturer, {
      prefixes: [NORTHWIND_PREFIX],
      site: "690123400001",
      siteName: "Northwind plant",
    });
    const hospitalOrg = await member(alliance, hospital, "City General", BusinessRole.Hospital, {
      site: "952000000001",
      siteName: "City General pharmacy",
    });
    const carrierOrgs: bigint[] = [];
    for (let c = 0; c < CARRIERS; c++) {
      carrierOrgs.push(await member(alliance, carrierAdmins[c], `Cold Chain ${c + 1}`, BusinessRole.Logistics));
    }

    const { catalog, ledger } = await deployTrace(registry, governor);
    const vaccine = gtin("0690123400034");
    const spec = productSpec(vaccine, NORTHWIND_PREFIX, Category.Drug, { minTemperature: 20, maxTemperature: 80 });
    await approveProduct(catalog, maker, regulator, spec, 7n * DAY);
    const readings = await (
      await ethers.getContractFactory("FieldReadings", governor)
    ).deploy(await registry.getAddress(), await ledger.getAddress());
    await (await ledger.connect(governor).setModule(readings, true)).wait();
    const { chainId } = await ethers.provider.getNetwork();
    const domain = readingsDomain(chainId, await readings.getAddress());

    const now = BigInt(await time.latest());
    const batches = await inspectedBatches(ledger, maker, vaccine, "VX-", BATCHES, now);
    await time.increase(7n * DAY);

    const loggers: Wallet[] = [];
    for (let d = 0; d < LOGGERS; d++) {
      const wallet = new ethers.Wallet(ethers.id(`bench logger ${d}`), ethers.provider);
      await setBalance(wallet.address, ethers.parseEther("1"));
      const admin = carrierAdmins[Math.floor(d / (LOGGERS / CARRIERS))];
      await (await registry.connect(admin).inviteAccount(wallet.address, AccountKind.Device)).wait();
      const [orgId] = await registry.membershipOf(admin.address);
      await (await registry.connect(wallet).acceptInvitation(orgId)).wait();
      loggers.push(wallet);
    }
    const shipments: Shipment[] = [];
    for (let s = 0; s < LOGGERS; s++) {
      const { shipment } = await ship(ledger, maker, {
        batchId: batches[s % BATCHES],
        toOrgId: hospitalOrg,
        quantity: 1_000n,
        carrierOrgId: carrierOrgs[Math.floor(s / (LOGGERS / CARRIERS))],
        docHash: documentHash(`consignment ${s}`),
      });
      shipments.push(shipment);
    }

    const sequences = new Map<string, bigint>();
    const temperature = async (logger: Wallet, shipment: Shipment, value = 50n): Promise<SignedReading> => {
      const sequence = (sequences.get(logger.address) ?? 0n) + 1n;
      sequences.set(logger.address, sequence);
      const at = BigInt(await time.latest());
      const reading: Reading = {
        shipmentId: shipmentIdOf(shipment),
        kind: ReadingKind.Temperature,
        value: value + (sequence % 7n), // a logger's readings drift a little, within 2.0–8.0 °C
        timestamp: at - 600n + sequence,
        sequence,
        deadline: at + DAY,
      };
      return signReading(logger, reading, domain);
    };
    const submit = async (items: SignedReading[]) => {
      const { shipments: used, readings: structs } = buildSubmission(items, shipments);
      return gasOf(readings.connect(carrierAdmins[0]).submit(used, structs));
    };
    const many = async (count: number, make: (i: number) => Promise<SignedReading>) => {
      const items: SignedReading[] = [];
      for (let i = 0; i < count; i++) items.push(await make(i));
      return items;
    };

    // Steady state: every logger has readings accepted already.
    await submit(await many(LOGGERS, (i) => temperature(loggers[i], shipments[i])));

    // 100 readings of logger 0 on its shipment, in one submission.
    await submit(await many(LOGGERS, () => temperature(loggers[0], shipments[0])));
    const oneDevice = await submit(await many(LOGGERS, () => temperature(loggers[0], shipments[0])));

    // 100 loggers, each on its own shipment.
    const manyDevices = await submit(await many(LOGGERS, (i) => temperature(loggers[i], shipments[i])));

    // One reading at 11.0 °C holds shipment 1.
    const hold = await submit([await temperature(loggers[1], shipments[1], 110n)]);

    return {
      "reading.batched100PerReading": oneDevice / BigInt(LOGGERS),
      "reading.batched100Devices100ShipmentsPerReading": manyDevices / BigInt(LOGGERS),
      "reading.excursionHold": hold,
    };
  },
};
