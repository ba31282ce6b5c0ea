import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { gtin } from "../../scripts/lib/gs1";
import { ShipmentStatus } from "../../scripts/lib/trace";
import { coldChainChapter } from "../../scripts/demo/readings";
import { PREFIX_MAKER } from "../helpers/fixtures";
import { readingsFixture } from "./readingsFixture";

describe("demo chapter: a cold-chain break", () => {
  it("holds the vaccine shipment on 11.0 °C, refuses the hospital's receipt, and the regulator clears it", async () => {
    const f = await loadFixture(readingsFixture);
    const lines: string[] = [];
    const result = await coldChainChapter({
      contracts: { registry: f.registry, catalog: f.catalog, ledger: f.ledger, readings: f.readings },
      signers: { maker: f.maker, carrier: f.carrier, hospital: f.hospital, regulator: f.regulatorA },
      companyPrefix: PREFIX_MAKER,
      vaccineGtin: gtin("0061414100016"),
      names: new Map([
        [f.makerOrgId, "Northwind"],
        [f.carrierOrgId, "Swift Cold Chain"],
        [f.hospitalOrgId, "City General"],
      ]),
      say: (text) => lines.push(text),
    });
    const story = lines.join("\n");
    expect(story).to.contain("the shipment is now Held, and the batch counts 1 open excursion");
    expect(story).to.contain("City General tries to receive the vials and is refused");
    expect(story).to.contain("the shipment is back to PickedUp");
    expect(story).to.contain("open excursions: 0.");
    expect(Number((await f.ledger.shipmentState(result.shipmentId)).status)).to.equal(ShipmentStatus.Received);
    expect(await f.ledger.holdingOf(result.batchId, f.hospitalOrgId)).to.equal(500n);
    expect(await f.readings.lastSequenceOf(result.logger)).to.equal(1_043n);
  });
});
