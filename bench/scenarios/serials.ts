/**
 * Unit serials: committing a million-unit batch's root, dispensing units with depth-20 proofs (a fresh bitmap word, a
 * word already touched, and the batch's very first unit), and clone reports.
 *
 * Proofs. The `full` profile builds the real tree of 2^20 units (about half a minute). The `small` profile builds the
 * tree of the first 512 units and lifts its root with 11 random sibling hashes: that is the root of a 2^20-unit tree
 * whose first 512 units are those, so every proof is a genuine depth-20 proof (9 steps + 11) against the committed
 * root, and the contract does exactly the same work.
 */
import { ethers } from "hardhat";
import { BusinessRole, documentHash } from "../../scripts/lib/alliance";
import { gln } from "../../scripts/lib/gs1";
import { SerialTree, serial } from "../../scripts/lib/serials";
import { deployTrace } from "../../scripts/lib/trace";
import { SerialRegistry__factory } from "../../typechain-types";
import { type BenchProfile, type GasFigures, type Scenario, gasOf } from "../harness";
import { MASK, approveMask, benchAlliance, member, northwindMasks, releasedMaskBatch, shipAndReceive } from "./world";

const DEPTH = 20;
const UNITS = 2 ** DEPTH;

/** The committed root, the unit count, and each unit's serial and depth-20 proof. */
interface Units {
  root: string;
  count: number;
  unit(index: number): { serial: string; proof: string[] };
}

function serialText(index: number): string {
  return `SN${index.toString().padStart(10, "0")}`;
}

function realUnits(code: bigint, lotText: string): Units {
  const tree = SerialTree.build(
    code,
    lotText,
    Array.from({ length: UNITS }, (_, i) => serialText(i)),
  );
  return {
    root: tree.root,
    count: tree.count,
    unit: (index) => ({ serial: serial(tree.serialAt(index)), proof: tree.proofAt(index) }),
  };
}

function liftedUnits(code: bigint, lotText: string): Units {
  const inner = SerialTree.build(
    code,
    lotText,
    Array.from({ length: 512 }, (_, i) => serialText(i)),
  );
  const lift = Array.from({ length: DEPTH - 9 }, (_, i) => ethers.id(`sibling subtree ${i}`));
  const root = lift.reduce((node, sibling) => {
    const [a, b] = BigInt(node) <= BigInt(sibling) ? [node, sibling] : [sibling, node];
    return ethers.keccak256(ethers.concat([a, b]));
  }, inner.root);
  return {
    root,
    count: UNITS,
    unit: (index) => ({ serial: serial(inner.serialAt(index)), proof: [...inner.proofAt(index), ...lift] }),
  };
}

export const serialsScenario: Scenario = {
  name: "serials",
  async run(profile: BenchProfile): Promise<GasFigures> {
    const [governor, regulator, maker, carrier, hospital, patient] = await ethers.getSigners();
    const alliance = await benchAlliance(governor, regulator);
    await northwindMasks(alliance, maker);
    const carrierOrg = await member(alliance, carrier, "Swift Cold Chain", BusinessRole.Logistics);
    const hospitalOrg = await member(alliance, hospital, "City General", BusinessRole.Hospital, {
      site: "952000000001",
    });
    const { catalog, ledger } = await deployTrace(alliance.registry, governor);
    const serials = await new SerialRegistry__factory(governor).deploy(await ledger.getAddress());
    await serials.waitForDeployment();
    await (await ledger.connect(governor).setModule(await serials.getAddress(), true)).wait();

    await approveMask(catalog, maker, regulator);
    const lotText = "SM-2611-A";
    const batchId = await releasedMaskBatch(ledger, maker, lotText, {
      quantity: BigInt(UNITS),
      record: "batch record",
      report: "QA",
    });

    const units = profile === "full" ? realUnits(MASK, lotText) : liftedUnits(MASK, lotText);
    const commit = await gasOf(serials.connect(maker).commitSerials(batchId, units.root, units.count));

    const order = { batchId, toOrgId: hospitalOrg, quantity: 10_000n, carrierOrgId: carrierOrg };
    await shipAndReceive(ledger, maker, hospital, order, { carrier, delivers: false });

    const unitOf = (index: number) => {
      const { serial: code, proof } = units.unit(index);
      if (proof.length !== DEPTH) throw new Error(`proof of unit ${index} has depth ${proof.length}`);
      return { unit: { batchId, root: units.root, count: units.count, index, serial: code }, proof };
    };
    const dispense = (index: number) => {
      const { unit, proof } = unitOf(index);
      return gasOf(serials.connect(hospital).dispense(unit, documentHash(`sale ${index}`), proof));
    };
    const firstOfBatch = await dispense(0); // fresh word, and the batch's first dispensing in the ledger
    const touchedWord = await dispense(1); // word 0 already has a bit
    const freshWord = await dispense(256); // word 1: the first unit of a new 256-unit word

    const report = (index: number) => {
      const { unit, proof } = unitOf(index);
      const place = ethers.zeroPadValue(ethers.toBeHex(gln("952000000001")), 32);
      return [{ unit, place, evidenceHash: documentHash("photos") }, proof] as const;
    };
    const reportClone = await gasOf(serials.connect(patient).reportClone(...report(1)));
    const reportCloneAndBlock = await gasOf(
      serials.connect(regulator).reportCloneAndBlock(...report(1), documentHash("suspect batch")),
    );

    return {
      "serial.commit": commit,
      // 255 of every 256 units land in a bitmap word that already holds a dispensed unit; the first of each word
      // pays for a new storage word (20,000 gas), and the batch's very first also starts the ledger's counters.
      "serial.dispense": touchedWord,
      "serial.dispenseFreshWord": freshWord,
      "serial.dispenseFirstOfBatch": firstOfBatch,
      "serial.reportClone": reportClone,
      "serial.reportCloneAndBlock": reportCloneAndBlock,
    };
  },
};
