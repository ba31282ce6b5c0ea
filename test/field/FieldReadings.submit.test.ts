import { expect } from "chai";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { ContractTransactionResponse } from "ethers";
import { BusinessRole, roleMask } from "../../scripts/lib/alliance";
import { RecordKind, type Shipment } from "../../scripts/lib/trace";
import {
  MAX_READINGS,
  READING_TYPES,
  ReadingKind,
  ReadingOutcome,
  type SignedReading,
  buildSubmission,
  packFields,
  readingFromEvent,
  readingHash,
  unpackFields,
  recoverDevice,
  toStruct,
} from "../../scripts/lib/readings";
import { type GateContext, shouldBehaveLikeAllianceGated } from "../helpers/behaviours";
import { suspend } from "../helpers/registry";
import { expectRecorded, recordsOf, timestampOf } from "../helpers/traceFixture";
import {
  READING_TYPEHASH,
  type ReadingsFixture,
  expectedEventFields,
  expectedReadingHash,
  reading,
  readingsFixture,
  registeredDevice,
  signed,
  submit,
} from "./readingsFixture";

/** `Roles.ALL`: any business role may run a gateway. */
const ALL = roleMask(
  BusinessRole.Supplier,
  BusinessRole.Manufacturer,
  BusinessRole.Logistics,
  BusinessRole.Distributor,
  BusinessRole.Hospital,
  BusinessRole.Retailer,
  BusinessRole.Agency,
);

const load = () => loadFixture(readingsFixture);

/** The ReadingAccepted event's arguments for a signed reading. */
function acceptedArgs(s: SignedReading) {
  return [s.reading.shipmentId, s.device, expectedEventFields(s.reading)] as const;
}

/** Asserts the ReadingSkipped event of reading `index`. */
async function expectSkipped(
  f: ReadingsFixture,
  tx: ContractTransactionResponse,
  index: number,
  shipmentId: string,
  device: string,
  sequence: bigint,
  reason: ReadingOutcome,
) {
  await expect(tx).to.emit(f.readings, "ReadingSkipped").withArgs(shipmentId, device, index, sequence, reason);
}

/** The Reading records of a batch's history, as (actor, dataHash) pairs. */
async function readingRecords(f: ReadingsFixture, batchId = f.vaccineId) {
  return (await recordsOf(f.ledger, batchId))
    .filter((r) => r.kind === RecordKind.Reading)
    .map((r) => [r.actor, r.dataHash]);
}

describe("FieldReadings: deployment and views", () => {
  it("reports its version, ledger, EIP-712 domain and an unknown device's sequence", async () => {
    const f = await load();
    expect(await f.readings.version()).to.equal("1.0.0");
    expect(await f.readings.ledger()).to.equal(await f.ledger.getAddress());
    expect(await f.readings.alliance()).to.equal(await f.registry.getAddress());
    expect(await f.readings.MAX_READINGS()).to.equal(100n);
    expect(await f.readings.MAX_SHIPMENTS()).to.equal(100n);
    expect(await f.readings.lastSequenceOf(f.carrierLogger.address)).to.equal(0n);
    const domain = await f.readings.eip712Domain();
    expect([domain.name, domain.version, domain.chainId, domain.verifyingContract]).to.deep.equal([
      "MedAlliance FieldReadings",
      "1",
      f.domain.chainId,
      await f.readings.getAddress(),
    ]);
    expect(await f.readings.domainSeparator()).to.equal(ethers.TypedDataEncoder.hashDomain(f.domain));
  });

  it("hashes a reading as EIP-712 hashStruct, the same in the contract, the library and by hand", async () => {
    const f = await load();
    const r = await reading(f, { value: -15n, sequence: 7n });
    const byHand = expectedReadingHash(r);
    expect(READING_TYPEHASH).to.equal(ethers.id(ethers.TypedDataEncoder.from(READING_TYPES).encodeType("Reading")));
    expect(readingHash(r)).to.equal(byHand);
    expect(await f.readings.readingHash(r.shipmentId, r.kind, r.value, r.timestamp, r.sequence, r.deadline)).to.equal(
      byHand,
    );
  });

  it("unpacks packed fields, negative values included, as the library packs them", async () => {
    const f = await load();
    const r = await reading(f, { value: -273n, sequence: 2n ** 63n, kind: ReadingKind.Humidity });
    const packed = packFields(r, 7);
    expect(await f.readings.unpackFields(packed)).to.deep.equal([7n, 2n, -273n, r.timestamp, r.sequence, r.deadline]);
    expect(unpackFields(packed)).to.deep.equal({
      shipment: 7,
      kind: ReadingKind.Humidity,
      value: -273n,
      timestamp: r.timestamp,
      sequence: r.sequence,
      deadline: r.deadline,
    });
    expect(packed - 7n).to.equal(expectedEventFields(r));
    expect(() => packFields({ ...r, deadline: 2n ** 40n })).to.throw(/deadline .* is not a uint40/);
    expect(() => packFields(r, 256)).to.throw(/shipment index 256/);
  });

  it("signs readings the device's key recovers from", async () => {
    const f = await load();
    const s = await signed(f, f.carrierLogger);
    expect(recoverDevice(s, f.domain)).to.equal(f.carrierLogger.address);
  });

  it("refuses a zero ledger or a zero registry at deployment", async () => {
    const f = await load();
    const factory = await ethers.getContractFactory("FieldReadings");
    await expect(factory.deploy(await f.registry.getAddress(), ethers.ZeroAddress)).to.be.revertedWithCustomError(
      f.readings,
      "FieldReadingsZeroAddress",
    );
    await expect(factory.deploy(ethers.ZeroAddress, await f.ledger.getAddress())).to.be.revertedWithCustomError(
      f.readings,
      "AllianceRegistryMissing",
    );
  });
});

describe("FieldReadings: submit", () => {
  it("accepts a carrier logger's reading: history record, event, sequence, counts", async () => {
    const f = await load();
    const s = await signed(f, f.carrierLogger, { sequence: 3n });
    const hash = expectedReadingHash(s.reading);
    const { shipments, readings } = buildSubmission([s], [f.shipment]);
    expect(await f.readings.connect(f.distributor).submit.staticCall(shipments, readings)).to.equal(1n);
    const tx = await expectRecorded(
      f.ledger,
      () => f.readings.connect(f.distributor).submit(shipments, readings),
      f.vaccineId,
      f.carrierLogger.address,
      RecordKind.Reading,
      hash,
    );
    await expect(tx)
      .to.emit(f.readings, "ReadingAccepted")
      .withArgs(...acceptedArgs(s));
    await expect(tx).to.emit(f.readings, "ReadingsSubmitted").withArgs(f.distributor.address, f.distributorOrgId, 1, 0);
    await expect(tx).not.to.emit(f.readings, "ReadingSkipped");
    await expect(tx).not.to.emit(f.readings, "ExcursionReported");
    expect(await f.readings.lastSequenceOf(f.carrierLogger.address)).to.equal(3n);
    // Anyone rebuilds the reading from the event and proves it against the ledger record.
    const [event] = await f.readings.queryFilter(f.readings.filters.ReadingAccepted(f.shipmentId));
    expect(readingHash(readingFromEvent(event.args.shipmentId, event.args.fields))).to.equal(hash);
  });

  it("accepts devices of the sender, the carrier and the recipient in one submission, in order", async () => {
    const f = await load();
    const items = [
      await signed(f, f.makerLogger, { kind: ReadingKind.Scan, value: 614141000012n }),
      await signed(f, f.carrierLogger, { kind: ReadingKind.Location, value: 123456789n }),
      await signed(f, f.hospitalLogger, { kind: ReadingKind.Humidity, value: 455n }),
    ];
    const tx = await submit(f, f.hospital, items);
    for (const s of items) {
      await expect(tx)
        .to.emit(f.readings, "ReadingAccepted")
        .withArgs(...acceptedArgs(s));
    }
    expect(await readingRecords(f)).to.deep.equal(items.map((s) => [s.device, readingHash(s.reading)]));
    for (const s of items) expect(await f.readings.lastSequenceOf(s.device)).to.equal(1n);
  });

  it("skips each bad reading with its reason and records the rest of the batch", async () => {
    const f = await load();
    // The hospital is suspended: its logger's readings are skipped, though the carrier (the gateway) goes on.
    await suspend(f.registry, f.regulatorA, f.hospitalOrgId);
    const now = BigInt(await time.latest());
    const unknown: Shipment = { ...f.shipment, quantity: 499n };
    const unknownId = (await f.ledger.shipmentIdOf(unknown)) as string;
    const items: SignedReading[] = [
      await signed(f, f.carrierLogger, { sequence: 10n }), // 0 accepted
      // 1: signed by a stray key but claiming to be the carrier's logger: the signature recovers the stray key
      { ...(await signed(f, f.strayKey, { sequence: 11n })), device: f.carrierLogger.address },
      await signed(f, f.unrelatedLogger, { sequence: 1n }), // 2: a device of an unrelated organisation
      await signed(f, f.carrierOperator, { sequence: 1n }), // 3: an operator key, not a device
      await signed(f, f.hospitalLogger, { sequence: 1n }), // 4: suspended organisation
      await signed(f, f.carrierLogger, { sequence: 10n }), // 5: replayed sequence
      await signed(f, f.carrierLogger, { sequence: 9n }), // 6: lower sequence
      await signed(f, f.carrierLogger, { sequence: 12n, deadline: now }), // 7: past its deadline when mined
      await signed(f, f.carrierLogger, { sequence: 13n, shipmentId: unknownId }), // 8: unknown shipment
      await signed(f, f.makerLogger, { sequence: 2n }), // 9 accepted
    ];
    const { shipments, readings } = buildSubmission(items, [f.shipment, unknown]);
    const tx = await f.readings.connect(f.carrier).submit(shipments, readings);
    const id = f.shipmentId;
    await expect(tx)
      .to.emit(f.readings, "ReadingAccepted")
      .withArgs(...acceptedArgs(items[0]));
    await expectSkipped(f, tx, 1, id, f.strayKey.address, 11n, ReadingOutcome.NotDevice);
    await expectSkipped(f, tx, 2, id, f.unrelatedLogger.address, 1n, ReadingOutcome.NotShipmentParty);
    await expectSkipped(f, tx, 3, id, f.carrierOperator.address, 1n, ReadingOutcome.NotDevice);
    await expectSkipped(f, tx, 4, id, f.hospitalLogger.address, 1n, ReadingOutcome.DeviceInactive);
    await expectSkipped(f, tx, 5, id, f.carrierLogger.address, 10n, ReadingOutcome.StaleSequence);
    await expectSkipped(f, tx, 6, id, f.carrierLogger.address, 9n, ReadingOutcome.StaleSequence);
    await expectSkipped(f, tx, 7, id, ethers.ZeroAddress, 12n, ReadingOutcome.Expired);
    await expectSkipped(f, tx, 8, unknownId, ethers.ZeroAddress, 13n, ReadingOutcome.UnknownShipment);
    await expect(tx)
      .to.emit(f.readings, "ReadingAccepted")
      .withArgs(...acceptedArgs(items[9]));
    await expect(tx).to.emit(f.readings, "ReadingsSubmitted").withArgs(f.carrier.address, f.carrierOrgId, 2, 8);
    const receipt = await tx.wait();
    const skipped = receipt!.logs.filter((l) => f.readings.interface.parseLog(l)?.name === "ReadingSkipped");
    expect(skipped).to.have.length(8);
    expect(await readingRecords(f)).to.deep.equal([
      [f.carrierLogger.address, readingHash(items[0].reading)],
      [f.makerLogger.address, readingHash(items[9].reading)],
    ]);
    expect(await f.readings.lastSequenceOf(f.carrierLogger.address)).to.equal(10n);
    expect(await f.readings.lastSequenceOf(f.makerLogger.address)).to.equal(2n);
    expect(await f.readings.lastSequenceOf(f.hospitalLogger.address)).to.equal(0n);
  });

  it("skips a reading whose signature is for other fields or another shipment (the recovered key is no device)", async () => {
    const f = await load();
    const good = await signed(f, f.carrierLogger, { value: 50n });
    const tampered: SignedReading = { ...good, reading: { ...good.reading, value: 120n } };
    const tx = await submit(f, f.carrier, [tampered]);
    const recovered = recoverDevice(tampered, f.domain);
    expect(recovered).to.not.equal(f.carrierLogger.address);
    await expectSkipped(f, tx, 0, f.shipmentId, recovered, 1n, ReadingOutcome.NotDevice);
    expect(await readingRecords(f)).to.deep.equal([]);
  });

  it("skips a malformed signature (high s, or r zero) as InvalidSignature", async () => {
    const f = await load();
    const s = await signed(f, f.carrierLogger);
    // s = 2**255 - 1 is above half the curve order (and fits the 255 bits EIP-2098 leaves for s).
    const highS = ethers.toBeHex((1n << 255n) - 1n, 32);
    const { shipments, readings } = buildSubmission([s], [f.shipment]);
    const bad = [
      { ...readings[0], vs: highS },
      { ...readings[0], r: ethers.ZeroHash },
    ];
    const tx = await f.readings.connect(f.carrier).submit(shipments, bad);
    await expectSkipped(f, tx, 0, f.shipmentId, ethers.ZeroAddress, 1n, ReadingOutcome.InvalidSignature);
    await expectSkipped(f, tx, 1, f.shipmentId, ethers.ZeroAddress, 1n, ReadingOutcome.InvalidSignature);
    await expect(tx).to.emit(f.readings, "ReadingsSubmitted").withArgs(f.carrier.address, f.carrierOrgId, 0, 2);
    expect(await f.readings.lastSequenceOf(f.carrierLogger.address)).to.equal(0n);
  });

  it("skips a kind that is None or out of range, and a shipment index beyond the shipments given", async () => {
    const f = await load();
    const none = await signed(f, f.carrierLogger, { kind: ReadingKind.None, sequence: 1n });
    const five = await signed(f, f.carrierLogger, { kind: 5 as ReadingKind, sequence: 2n });
    const ok = await signed(f, f.carrierLogger, { sequence: 3n });
    const structs = [toStruct(none, 0), toStruct(five, 0), toStruct(ok, 1), toStruct(ok, 0)];
    const tx = await f.readings.connect(f.carrier).submit([f.shipment], structs);
    await expectSkipped(f, tx, 0, f.shipmentId, ethers.ZeroAddress, 1n, ReadingOutcome.InvalidKind);
    await expectSkipped(f, tx, 1, f.shipmentId, ethers.ZeroAddress, 2n, ReadingOutcome.InvalidKind);
    await expectSkipped(f, tx, 2, ethers.ZeroHash, ethers.ZeroAddress, 3n, ReadingOutcome.UnknownShipment);
    await expect(tx)
      .to.emit(f.readings, "ReadingAccepted")
      .withArgs(...acceptedArgs(ok));
  });

  it("accepts a reading mined exactly at its deadline and skips it one second later (the deadline is inclusive)", async () => {
    const f = await load();
    const deadline = BigInt(await time.latest()) + 100n;
    const first = await signed(f, f.carrierLogger, { sequence: 1n, deadline });
    const second = await signed(f, f.carrierLogger, { sequence: 2n, deadline });
    await time.setNextBlockTimestamp(deadline);
    const atDeadline = await submit(f, f.carrier, [first]);
    expect(await timestampOf(atDeadline)).to.equal(deadline);
    await expect(atDeadline)
      .to.emit(f.readings, "ReadingAccepted")
      .withArgs(...acceptedArgs(first));
    await time.setNextBlockTimestamp(deadline + 1n);
    const late = await submit(f, f.carrier, [second]);
    await expectSkipped(f, late, 0, f.shipmentId, ethers.ZeroAddress, 2n, ReadingOutcome.Expired);
  });

  it("keeps sequences strictly increasing within a submission and across interleaved devices", async () => {
    const f = await load();
    const items = [
      await signed(f, f.carrierLogger, { sequence: 5n }), // accepted
      await signed(f, f.makerLogger, { sequence: 1n }), // accepted (switches device, writes the carrier's 5)
      await signed(f, f.carrierLogger, { sequence: 5n }), // stale within the submission
      await signed(f, f.carrierLogger, { sequence: 4n }), // stale
      await signed(f, f.carrierLogger, { sequence: 6n }), // accepted
      await signed(f, f.makerLogger, { sequence: 1n }), // stale
    ];
    const tx = await submit(f, f.carrier, items);
    await expectSkipped(f, tx, 2, f.shipmentId, f.carrierLogger.address, 5n, ReadingOutcome.StaleSequence);
    await expectSkipped(f, tx, 3, f.shipmentId, f.carrierLogger.address, 4n, ReadingOutcome.StaleSequence);
    await expectSkipped(f, tx, 5, f.shipmentId, f.makerLogger.address, 1n, ReadingOutcome.StaleSequence);
    expect(await f.readings.lastSequenceOf(f.carrierLogger.address)).to.equal(6n);
    expect(await f.readings.lastSequenceOf(f.makerLogger.address)).to.equal(1n);
    expect(await readingRecords(f)).to.deep.equal(
      [items[0], items[1], items[4]].map((s) => [s.device, readingHash(s.reading)]),
    );
    // A replay of the whole submission is skipped entirely, and nothing reaches the ledger.
    const [, countBefore] = await f.ledger.historyOf(f.vaccineId);
    const replay = await submit(f, f.carrier, items);
    await expect(replay).to.emit(f.readings, "ReadingsSubmitted").withArgs(f.carrier.address, f.carrierOrgId, 0, 6);
    await expect(replay).not.to.emit(f.ledger, "Recorded");
    expect((await f.ledger.historyOf(f.vaccineId))[1]).to.equal(countBefore);
  });

  it("skips the devices of an organisation whose licence expired, and of a removed device key", async () => {
    const f = await load();
    const { licenceExpiry } = await f.registry.organisation(f.carrierOrgId);
    const removed = await registeredDevice(f.registry, f.maker, "retired logger");
    await (await f.registry.connect(f.maker).removeAccount(removed.address)).wait();
    const late = await signed(f, f.carrierLogger, { deadline: licenceExpiry + 10n });
    const fromRemoved = await signed(f, removed, { deadline: licenceExpiry + 10n });
    await time.setNextBlockTimestamp(licenceExpiry);
    // The distributor's licence runs a year longer: its gateway still submits.
    const tx = await submit(f, f.distributor, [late, fromRemoved]);
    await expectSkipped(f, tx, 0, f.shipmentId, f.carrierLogger.address, 1n, ReadingOutcome.DeviceInactive);
    await expectSkipped(f, tx, 1, f.shipmentId, removed.address, 1n, ReadingOutcome.NotDevice);
  });

  it("accepts a device of a shipment party's organisation admitted after the shipment left", async () => {
    const f = await load();
    const newLogger = await registeredDevice(f.registry, f.hospital, "second hospital logger");
    const tx = await submit(f, f.hospital, [await signed(f, newLogger, { sequence: 42n })]);
    await expect(tx).to.emit(f.readings, "ReadingsSubmitted").withArgs(f.hospital.address, f.hospitalOrgId, 1, 0);
    expect(await f.readings.lastSequenceOf(newLogger.address)).to.equal(42n);
  });

  it("accepts the documented maximum of 100 readings and refuses 101 or none", async () => {
    const f = await load();
    const items: SignedReading[] = [];
    for (let i = 1; i <= MAX_READINGS + 1; i++) items.push(await signed(f, f.carrierLogger, { sequence: BigInt(i) }));
    const structs = items.map((s) => toStruct(s, 0));
    await expect(f.readings.connect(f.carrier).submit([f.shipment], structs))
      .to.be.revertedWithCustomError(f.readings, "FieldReadingsInvalidCount")
      .withArgs(101, 100);
    await expect(f.readings.connect(f.carrier).submit([f.shipment], []))
      .to.be.revertedWithCustomError(f.readings, "FieldReadingsInvalidCount")
      .withArgs(0, 100);
    const tx = await f.readings.connect(f.carrier).submit([f.shipment], structs.slice(0, 100));
    await expect(tx).to.emit(f.readings, "ReadingsSubmitted").withArgs(f.carrier.address, f.carrierOrgId, 100, 0);
    expect(await readingRecords(f)).to.have.length(100);
    expect(await f.readings.lastSequenceOf(f.carrierLogger.address)).to.equal(100n);
  });

  it("refuses more than 100 shipments in one submission", async () => {
    const f = await load();
    const s = toStruct(await signed(f, f.carrierLogger), 0);
    const shipments = Array.from({ length: 101 }, (_, i) => ({ ...f.shipment, sequence: BigInt(i) }));
    await expect(f.readings.connect(f.carrier).submit(shipments, [s]))
      .to.be.revertedWithCustomError(f.readings, "FieldReadingsTooManyShipments")
      .withArgs(101, 100);
  });

  it("refuses a gateway that is not a member, a suspended member, a device key and a regulator", async () => {
    const f = await load();
    const items = [await signed(f, f.carrierLogger)];
    const refused = async (signer: { address: string }) =>
      expect(submit(f, signer as never, items))
        .to.be.revertedWithCustomError(f.readings, "AllianceUnauthorized")
        .withArgs(signer.address, ALL);
    await refused(f.freeAccounts[0]);
    await refused(f.carrierLogger);
    await refused(f.regulatorA);
    await suspend(f.registry, f.regulatorA, f.distributorOrgId);
    await refused(f.distributor);
    expect(await f.readings.lastSequenceOf(f.carrierLogger.address)).to.equal(0n);
  });

  it("goes on while the alliance is paused (readings are performance and safety, not new commitments)", async () => {
    const f = await load();
    await (await f.registry.connect(f.guardian).pause()).wait();
    expect(await f.registry.paused()).to.equal(true);
    const tx = await submit(f, f.carrier, [await signed(f, f.carrierLogger)]);
    await expect(tx).to.emit(f.readings, "ReadingsSubmitted").withArgs(f.carrier.address, f.carrierOrgId, 1, 0);
  });

  shouldBehaveLikeAllianceGated<ReadingsFixture>({
    load,
    context: (f): GateContext => ({
      registry: f.registry,
      regulators: [f.regulatorA, f.regulatorB],
      member: f.distributor,
      // Every role may run a gateway: an organisation with no admitted role is the only "other roles" case.
      outsider: f.applicant,
      applicant: f.applicant,
      freeAccounts: f.freeAccounts,
    }),
    gate: (f) => f.readings,
    roleMask: ALL,
    send: async (f, signer) => submit(f, signer, [await signed(f, f.carrierLogger, { deadline: 2n ** 40n - 1n })]),
    whenAccepted: async (f, signer, tx) => {
      const [orgId] = await f.registry.membershipOf(signer.address);
      await expect(tx).to.emit(f.readings, "ReadingsSubmitted").withArgs(signer.address, orgId, anyValue, anyValue);
    },
  });
});
