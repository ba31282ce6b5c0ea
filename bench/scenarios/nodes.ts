/** Node registry: a member proposes one of its nodes, a regulator approves or rejects, the member removes one. */
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { AllianceNodes__factory } from "../../typechain-types";
import { BusinessRole, documentHash } from "../../scripts/lib/alliance";
import { YEAR, admit, deployAlliance } from "../../scripts/lib/formation";
import { enodeHashOf, nodeIdOf, nodePublicKey } from "../../scripts/lib/nodes";
import { type BenchProfile, type GasFigures, type Scenario, gasOf } from "../harness";

const ROLES = [BusinessRole.Hospital, BusinessRole.Distributor, BusinessRole.Logistics, BusinessRole.Agency];

/** A member's node at a private address, as organisations typically propose them. */
function memberNode(index: number) {
  return {
    publicKey: nodePublicKey(ethers.id(`bench node ${index}`)),
    host: `10.20.${index >> 8}.${index & 255}`,
    port: 30303,
  };
}

export const nodesScenario: Scenario = {
  name: "nodes",
  async run(profile: BenchProfile): Promise<GasFigures> {
    const [governor, regulatorA, regulatorB, ...members] = await ethers.getSigners();
    const quorum = [regulatorA, regulatorB];
    const registry = await deployAlliance({ governor, regulators: quorum, guardians: [], quorum: 2 });
    const nodes = await new AllianceNodes__factory(governor).deploy(await registry.getAddress());
    const licenceExpiry = BigInt(await time.latest()) + YEAR;

    // Realistic state: members already running approved nodes (two each in the full profile).
    const existing = profile === "full" ? 16 : 4;
    const perMember = profile === "full" ? 2 : 1;
    for (let i = 0; i < existing; i++) {
      const role = ROLES[i % ROLES.length];
      await admit(registry, members[i], { name: `Member ${i}`, role, licenceExpiry }, quorum);
      for (let j = 0; j < perMember; j++) {
        const node = memberNode(i * perMember + j);
        await (await nodes.connect(members[i]).proposeNode(node.publicKey, node.host, node.port)).wait();
        await (await nodes.connect(regulatorA).approveNode(nodeIdOf(node.publicKey), enodeHashOf(node))).wait();
      }
    }

    const member = members[existing];
    await admit(registry, member, { name: "Coastal Clinic", role: BusinessRole.Hospital, licenceExpiry }, quorum);
    const validator = memberNode(1000);
    const spare = memberNode(1001);
    const propose = await gasOf(nodes.connect(member).proposeNode(validator.publicKey, validator.host, validator.port));
    const approve = await gasOf(
      nodes.connect(regulatorA).approveNode(nodeIdOf(validator.publicKey), enodeHashOf(validator)),
    );
    await (await nodes.connect(member).proposeNode(spare.publicKey, spare.host, spare.port)).wait();
    const reject = await gasOf(
      nodes.connect(regulatorB).rejectNode(nodeIdOf(spare.publicKey), documentHash("the spare's operator is unknown")),
    );
    const remove = await gasOf(nodes.connect(member).removeNode(nodeIdOf(validator.publicKey)));
    const proposeAgain = await gasOf(
      nodes.connect(member).proposeNode(validator.publicKey, validator.host, validator.port),
    );

    return {
      "nodes.propose": propose,
      "nodes.approve": approve,
      "nodes.reject": reject,
      "nodes.remove": remove,
      "nodes.proposeAgain": proposeAgain,
    };
  },
};
