import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import hre, { ethers } from "hardhat";
import {
  EPCIS_CONTEXT,
  MEDALLIANCE_NAMESPACE,
  exportBatchHistory,
  lgtinClass,
  pglnUri,
  sglnUri,
  uuidUrn,
  epcEscape,
  type EpcisDocument,
  type EpcisEvent,
} from "../../scripts/lib/epcis";
import { fetchHistory } from "../../scripts/lib/history";
import { gtin } from "../../scripts/lib/gs1";
import { RecordKind } from "../../scripts/lib/trace";
import { MASK_BATCH_SIZE, MASK_LOT, MASK_TEXT, GOWN_TEXT, useCliDeployments, json } from "../helpers/cliFixture";
import { printed } from "../helpers/tasks";
import {
  DESTROYED,
  DISPENSED,
  GOWN_LOT,
  GOWNS,
  RECEIVED_BY_HOSPITAL,
  SHIPPED_TO_DISTRIBUTOR,
  SHIPPED_TO_HOSPITAL,
  USED_FOR_GOWNS,
  exportsFixture,
  type ExportsFixture,
} from "./exportsFixture";

// ------------------------------------------------------------------------------------------------ validation

/** CBV 2.0 business steps (EPCIS 2.0 JSON schema, `bizStep`). */
const CBV_BIZ_STEPS = new Set(
  (
    "accepting arriving assembling collecting commissioning consigning creating_class_instance cycle_counting " +
    "decommissioning departing destroying disassembling dispensing encoding entering_exiting holding inspecting " +
    "installing killing loading other packing picking receiving removing repackaging repairing replacing reserving " +
    "retail_selling shipping staging_outbound stock_taking stocking storing transporting unloading unpacking " +
    "void_shipping sensor_reporting sampling"
  ).split(" "),
);
/** CBV 2.0 dispositions (EPCIS 2.0 JSON schema, `disposition`). */
const CBV_DISPOSITIONS = new Set(
  (
    "active container_closed damaged destroyed dispensed disposed encoded expired in_progress in_transit inactive " +
    "no_pedigree_match non_sellable_other partially_dispensed recalled reserved retail_sold returned " +
    "sellable_accessible sellable_not_accessible stolen unknown available completeness_verified " +
    "completeness_inferred conformant container_open mismatch_instance mismatch_class mismatch_quantity " +
    "needs_replacement non_conformant unavailable"
  ).split(" "),
);
const MEASUREMENT_TYPES = new Set(["Temperature", "RelativeHumidity", "AbsoluteHumidity"]);
const COMMON_FIELDS = [
  "@context",
  "type",
  "eventTime",
  "recordTime",
  "eventTimeZoneOffset",
  "eventID",
  "errorDeclaration",
];
const OBJECT_FIELDS = [
  ...COMMON_FIELDS,
  ...(
    "action epcList quantityList bizStep disposition persistentDisposition readPoint bizLocation bizTransactionList " +
    "sourceList destinationList sensorElementList ilmd"
  ).split(" "),
];
const TRANSFORMATION_FIELDS = [
  ...COMMON_FIELDS,
  ...(
    "inputEPCList inputQuantityList outputEPCList outputQuantityList transformationID bizStep disposition " +
    "persistentDisposition readPoint bizLocation bizTransactionList sourceList destinationList sensorElementList ilmd"
  ).split(" "),
];
/** Prefixes the EPCIS 2.0 context defines. */
const STANDARD_PREFIXES = ["epcis", "cbv", "cbvmda", "gs1", "rdfs", "owl", "xsd", "dcterms"];

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const UUID_URN = /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const LGTIN = /^urn:epc:class:lgtin:(\d{6,12})\.(\d{1,7})\.([!%'()*+,\-.0-9:;=A-Z_a-z]{1,60})$/;
const SGLN = /^urn:epc:id:sgln:(\d{6,12})\.(\d{0,6})\.([!%'()*+,\-.0-9:;=A-Z_a-z]{1,60})$/;
const PGLN = /^urn:epc:id:pgln:(\d{6,12})\.(\d{0,6})$/;

/** Every problem of an EPCIS 2.0 document against the standard's required fields, CBV vocabularies and URN forms. */
function validateEpcis(doc: EpcisDocument): string[] {
  const problems: string[] = [];
  const check = (ok: boolean, problem: string) => {
    if (!ok) problems.push(problem);
  };
  const context = doc["@context"];
  check(Array.isArray(context) && context[0] === EPCIS_CONTEXT, "@context must start with the EPCIS 2.0 context");
  const declared = new Set(STANDARD_PREFIXES);
  for (const entry of context) {
    if (typeof entry === "object") {
      for (const [prefix, uri] of Object.entries(entry)) {
        check(/^https?:\/\/\S+[/#]$/.test(uri), `@context prefix ${prefix} maps to ${uri}, not a namespace URI`);
        declared.add(prefix);
      }
    }
  }
  check(doc.type === "EPCISDocument", "type must be EPCISDocument");
  check(doc.schemaVersion === "2.0", "schemaVersion must be 2.0");
  check(ISO_TIME.test(doc.creationDate), `creationDate ${doc.creationDate} is not an ISO date-time`);
  check(Array.isArray(doc.epcisBody?.eventList), "epcisBody.eventList must be an array");
  const extension = (key: string) => {
    const [prefix, name] = key.split(":");
    return name !== undefined && declared.has(prefix);
  };
  const quantityElement = (q: { epcClass: string; quantity?: number; uom?: string }, where: string) => {
    const match = LGTIN.exec(q.epcClass);
    check(match !== null && match[1].length + match[2].length === 13, `${where}: ${q.epcClass} is not an LGTIN class`);
    if (q.quantity !== undefined) check(typeof q.quantity === "number" && q.quantity >= 0, `${where}: bad quantity`);
    if (q.uom !== undefined) check(/^[A-Z0-9]{2,3}$/.test(q.uom), `${where}: uom ${q.uom} is not a Rec. 20 code`);
    check(
      Object.keys(q).every((k) => ["epcClass", "quantity", "uom"].includes(k)),
      `${where}: unknown quantity fields`,
    );
  };
  const location = (id: string, where: string) => {
    const match = SGLN.exec(id);
    check(match !== null && match[1].length + match[2].length === 12, `${where}: ${id} is not an SGLN`);
  };
  const party = (id: string, where: string) => {
    if (id.startsWith("urn:epc:id:sgln:")) return location(id, where);
    const match = PGLN.exec(id);
    check(match !== null && match[1].length + match[2].length === 12, `${where}: ${id} is not a PGLN`);
  };
  const ids = new Set<string>();
  doc.epcisBody.eventList.forEach((event: EpcisEvent, i) => {
    const where = `event ${i} (${event.type})`;
    check(["ObjectEvent", "TransformationEvent"].includes(event.type), `${where}: unexpected type`);
    check(ISO_TIME.test(event.eventTime), `${where}: eventTime ${event.eventTime} is not ISO`);
    check(event.eventTimeZoneOffset === "+00:00", `${where}: eventTimeZoneOffset must be +00:00`);
    check(UUID_URN.test(event.eventID), `${where}: eventID ${event.eventID} is not a name-based urn:uuid`);
    check(!ids.has(event.eventID), `${where}: eventID repeats`);
    ids.add(event.eventID);
    const allowed = event.type === "ObjectEvent" ? OBJECT_FIELDS : TRANSFORMATION_FIELDS;
    for (const key of Object.keys(event)) {
      check(allowed.includes(key) || extension(key), `${where}: field ${key} is neither standard nor declared`);
    }
    if (event.type === "ObjectEvent") {
      check(["ADD", "OBSERVE", "DELETE"].includes(event.action ?? ""), `${where}: action missing`);
      check((event.quantityList?.length ?? 0) > 0, `${where}: an ObjectEvent names what it is about`);
    } else {
      check(event.action === undefined, `${where}: a TransformationEvent has no action`);
      check((event.inputQuantityList?.length ?? 0) > 0, `${where}: inputs missing`);
      check((event.outputQuantityList?.length ?? 0) > 0, `${where}: outputs missing`);
    }
    for (const list of ["quantityList", "inputQuantityList", "outputQuantityList"] as const) {
      for (const q of event[list] ?? []) quantityElement(q, `${where} ${list}`);
    }
    if (event.bizStep !== undefined) check(CBV_BIZ_STEPS.has(event.bizStep), `${where}: bizStep ${event.bizStep}`);
    if (event.disposition !== undefined) {
      check(CBV_DISPOSITIONS.has(event.disposition), `${where}: disposition ${event.disposition}`);
    }
    if (event.readPoint) location(event.readPoint.id, `${where} readPoint`);
    if (event.bizLocation) location(event.bizLocation.id, `${where} bizLocation`);
    for (const s of event.sourceList ?? []) {
      check(["owning_party", "location"].includes(s.type), `${where}: source type ${s.type}`);
      (s.type === "location" ? location : party)(s.source, `${where} source`);
    }
    for (const d of event.destinationList ?? []) {
      check(["owning_party", "location"].includes(d.type), `${where}: destination type ${d.type}`);
      (d.type === "location" ? location : party)(d.destination, `${where} destination`);
    }
    for (const element of event.sensorElementList ?? []) {
      check(element.sensorReport.length > 0, `${where}: empty sensor report`);
      for (const report of element.sensorReport) {
        check(MEASUREMENT_TYPES.has(report.type) || extension(report.type), `${where}: sensor type ${report.type}`);
        if (report.time !== undefined) check(ISO_TIME.test(report.time), `${where}: sensor time`);
        if (report.type === "Temperature") check(report.uom === "CEL", `${where}: temperature not in CEL`);
      }
    }
    for (const key of Object.keys(event.ilmd ?? {})) check(extension(key), `${where}: ilmd key ${key}`);
    if (event.errorDeclaration !== undefined) {
      const e = event.errorDeclaration;
      check(ISO_TIME.test(e.declarationTime), `${where}: errorDeclaration time`);
      check(["did_not_occur", "incorrect_data"].includes(e.reason), `${where}: errorDeclaration reason`);
    }
  });
  return problems;
}

// ------------------------------------------------------------------------------------------------ helpers

const CREATED = new Date("2026-11-22T12:00:00Z");
const MASK_CLASS = "urn:epc:class:lgtin:0614141.000002.MK-2026-001";
const GOWN_CLASS = "urn:epc:class:lgtin:0614141.000003.GW-2026-001";
const MAKER_SITE = "urn:epc:id:sgln:0614141.00001.0";
const HOSPITAL_SITE = "urn:epc:id:sgln:9520000.00001.0";
const DISTRIBUTOR_SITE = "urn:epc:id:sgln:9520000.00002.0";

async function exported(f: ExportsFixture, batchId: string, withLineage = false) {
  return exportBatchHistory({ ledger: f.ledger, catalog: f.catalog, registry: f.registry }, batchId, {
    withLineage,
    creationDate: CREATED,
    orgName: (id) => ({ 1: "Northwind Masks" })[Number(id)],
  });
}

function byRecord(doc: EpcisDocument, kind: RecordKind, batchId?: string): EpcisEvent[] {
  return doc.epcisBody.eventList.filter(
    (e) =>
      e["medalliance:record"] === RecordKind[kind] && (batchId === undefined || e["medalliance:batch"] === batchId),
  );
}

function only(doc: EpcisDocument, kind: RecordKind, batchId?: string): EpcisEvent {
  const events = byRecord(doc, kind, batchId);
  expect(events, `${RecordKind[kind]} events`).to.have.length(1);
  return events[0];
}

const folders: string[] = [];
const tmp = () => {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), "medalliance-epcis-"));
  folders.push(folder);
  return folder;
};

// ------------------------------------------------------------------------------------------------ tests

describe("EPCIS 2.0 export", () => {
  useCliDeployments();
  after(() => folders.splice(0).forEach((folder) => fs.rmSync(folder, { recursive: true, force: true })));

  describe("identifiers", () => {
    it("builds LGTIN classes, SGLNs and PGLNs from GS1 keys, escaping lots as the EPC tag data standard says", () => {
      expect(lgtinClass(614141000029n, "0614141", "MK-2026-001")).to.equal(MASK_CLASS);
      expect(lgtinClass(gtin("1061414100002"), "0614141", "A/B&C")).to.equal(
        "urn:epc:class:lgtin:0614141.100002.A%2FB%26C",
      );
      expect(() => lgtinClass(614141000029n, "4012345", "X")).to.throw(/does not carry company prefix 4012345/);
      expect(sglnUri(614141000012n, 7)).to.equal(MAKER_SITE);
      expect(sglnUri(9520000000011n, 12)).to.equal("urn:epc:id:sgln:952000000001..0");
      expect(pglnUri(9520000000011n, 7)).to.equal("urn:epc:id:pgln:9520000.00001");
      expect(() => sglnUri(9520000000011n, 5)).to.throw(/6 to 12 digits/);
      expect(epcEscape(`a"%&/<>?b`)).to.equal("a%22%25%26%2F%3C%3E%3Fb");
      expect(uuidUrn("x")).to.equal(uuidUrn("x")).and.match(UUID_URN);
      expect(uuidUrn("x")).to.not.equal(uuidUrn("y"));
    });
  });

  describe("a batch's history as EPCIS events", () => {
    it("proves the history, then exports one event per record, in chain order, valid against EPCIS 2.0 and CBV", async () => {
      const f = await loadFixture(exportsFixture);
      const { document, batches } = await exported(f, f.maskBatch);
      expect(validateEpcis(document)).to.deep.equal([]);
      const entries = await fetchHistory(f.ledger, f.maskBatch);
      const [head, count] = await f.ledger.historyOf(f.maskBatch);
      expect(batches).to.have.length(1);
      expect(batches[0]).to.include({ batchId: f.maskBatch, gtin: MASK_TEXT, lot: MASK_LOT, epcClass: MASK_CLASS });
      expect(batches[0].proof).to.include({ valid: true, onChainHead: head, onChainCount: Number(count) });
      expect(document["@context"]).to.deep.equal([EPCIS_CONTEXT, { medalliance: MEDALLIANCE_NAMESPACE }]);
      expect(document.creationDate).to.equal("2026-11-22T12:00:00.000Z");
      expect(document.epcisHeader["medalliance:proofs"]).to.deep.equal([
        { batch: f.maskBatch, head, recordCount: Number(count), proven: true },
      ]);

      const events = document.epcisBody.eventList;
      expect(events).to.have.length(entries.length);
      // Its use as an input is told by the new batch's TransformationEvent (the same transaction).
      const told = (kind: RecordKind) =>
        RecordKind[kind === RecordKind.ConsumedAsInput ? RecordKind.Commissioned : kind];
      expect(events.map((e) => e["medalliance:record"])).to.deep.equal(entries.map((e) => told(e.kind)));
      expect(events.map((e) => e["medalliance:transaction"])).to.deep.equal(entries.map((e) => e.transactionHash));
      for (const [i, e] of events.entries()) {
        expect(e.eventTimeZoneOffset).to.equal("+00:00");
        if (e["medalliance:record"] !== "Reading") {
          expect(Date.parse(e.eventTime) / 1000).to.equal(Number(entries[i].timestamp));
        }
        const receipt = await ethers.provider.getTransactionReceipt(e["medalliance:transaction"] as string);
        expect(receipt!.blockNumber).to.equal(e["medalliance:block"]);
      }
      // The same history exports to the same event ids.
      const again = await exported(f, f.maskBatch);
      expect(again.document.epcisBody.eventList.map((e) => e.eventID)).to.deep.equal(events.map((e) => e.eventID));
    });

    it("is checked by a validation that catches missing fields, foreign vocabulary and malformed keys", async () => {
      const f = await loadFixture(exportsFixture);
      const { document } = await exported(f, f.maskBatch);
      const broken = JSON.parse(JSON.stringify(document)) as EpcisDocument;
      const [first, second, third] = broken.epcisBody.eventList;
      delete first.action;
      second.bizStep = "teleporting" as never;
      third.quantityList = [{ epcClass: "urn:epc:class:lgtin:0614141.00002.MK", quantity: 1, uom: "each" }];
      third["acme:field"] = 1;
      second.eventID = first.eventID;
      expect(validateEpcis(broken)).to.deep.equal([
        "event 0 (ObjectEvent): action missing",
        "event 1 (ObjectEvent): eventID repeats",
        "event 1 (ObjectEvent): bizStep teleporting",
        "event 2 (ObjectEvent): field acme:field is neither standard nor declared",
        "event 2 (ObjectEvent) quantityList: urn:epc:class:lgtin:0614141.00002.MK is not an LGTIN class",
        "event 2 (ObjectEvent) quantityList: uom each is not a Rec. 20 code",
      ]);
    });

    it("commissions the lot with an ObjectEvent ADD carrying its quantity, unit and expiry (lot master data)", async () => {
      const f = await loadFixture(exportsFixture);
      const { document } = await exported(f, f.maskBatch);
      const event = only(document, RecordKind.Commissioned, f.maskBatch);
      const view = await f.ledger.batch(f.maskBatch);
      const expiry = new Date(Number(view.expiresAt) * 1000).toISOString().slice(0, 10);
      expect(event).to.deep.include({
        type: "ObjectEvent",
        action: "ADD",
        bizStep: "commissioning",
        disposition: "active",
        quantityList: [{ epcClass: MASK_CLASS, quantity: Number(MASK_BATCH_SIZE), uom: "EA" }],
        readPoint: { id: MAKER_SITE },
        bizLocation: { id: MAKER_SITE },
        "medalliance:document": "ipfs://batch-records/MK-2026-001",
        "medalliance:organisation": "Northwind Masks",
      });
      expect(event.ilmd).to.include({ "cbvmda:lotNumber": MASK_LOT, "cbvmda:itemExpirationDate": expiry });
      const [classes] = document.epcisHeader.epcisMasterData.vocabularyList;
      expect(classes.type).to.equal("urn:epcglobal:epcis:vtype:EPCClass");
      expect(classes.vocabularyElementList[0].id).to.equal(MASK_CLASS);
      expect(classes.vocabularyElementList[0].attributes).to.deep.include({
        id: "cbvmda:itemExpirationDate",
        attribute: expiry,
      });
    });

    it("tells custody: shipping, pick-up, delivery, receipt with the shortfall, a damaged receipt", async () => {
      const f = await loadFixture(exportsFixture);
      const { document } = await exported(f, f.maskBatch);
      const [toHospital, toDistributor] = byRecord(document, RecordKind.Shipped);
      expect(toHospital).to.deep.include({
        action: "OBSERVE",
        bizStep: "shipping",
        disposition: "in_transit",
        quantityList: [{ epcClass: MASK_CLASS, quantity: Number(SHIPPED_TO_HOSPITAL), uom: "EA" }],
        readPoint: { id: MAKER_SITE },
        sourceList: [
          { type: "owning_party", source: "urn:epc:id:pgln:0614141.00001" },
          { type: "location", source: MAKER_SITE },
        ],
        destinationList: [
          { type: "owning_party", destination: "urn:epc:id:pgln:9520000.00001" },
          { type: "location", destination: HOSPITAL_SITE },
        ],
        "medalliance:shipment": f.toHospital.shipmentId,
      });
      expect(toDistributor.quantityList![0].quantity).to.equal(Number(SHIPPED_TO_DISTRIBUTOR));
      expect(only(document, RecordKind.PickedUp)).to.deep.include({
        bizStep: "departing",
        disposition: "in_transit",
        readPoint: { id: MAKER_SITE },
      });
      expect(only(document, RecordKind.Delivered)).to.deep.include({
        bizStep: "arriving",
        readPoint: { id: HOSPITAL_SITE },
      });
      const [good, damaged] = byRecord(document, RecordKind.Received);
      expect(good).to.deep.include({
        bizStep: "receiving",
        disposition: "in_progress",
        quantityList: [{ epcClass: MASK_CLASS, quantity: Number(RECEIVED_BY_HOSPITAL), uom: "EA" }],
        bizLocation: { id: HOSPITAL_SITE },
        "medalliance:lostInTransit": Number(SHIPPED_TO_HOSPITAL - RECEIVED_BY_HOSPITAL),
      });
      expect(damaged).to.deep.include({
        bizStep: "receiving",
        disposition: "damaged",
        bizLocation: { id: DISTRIBUTOR_SITE },
        "medalliance:shipment": f.toDistributor.shipmentId,
      });
      expect(damaged).to.not.have.property("medalliance:lostInTransit");
    });

    it("tells use and quality: dispensing, destruction, correction, recall", async () => {
      const f = await loadFixture(exportsFixture);
      const { document } = await exported(f, f.maskBatch);
      expect(only(document, RecordKind.Dispensed)).to.deep.include({
        bizStep: "dispensing",
        disposition: "dispensed",
        quantityList: [{ epcClass: MASK_CLASS, quantity: Number(DISPENSED), uom: "EA" }],
        bizLocation: { id: HOSPITAL_SITE },
      });
      expect(only(document, RecordKind.Destroyed)).to.deep.include({
        bizStep: "destroying",
        disposition: "destroyed",
        quantityList: [{ epcClass: MASK_CLASS, quantity: Number(DESTROYED), uom: "EA" }],
      });
      expect(only(document, RecordKind.Released)).to.deep.include({
        bizStep: "inspecting",
        disposition: "sellable_accessible",
        quantityList: [{ epcClass: MASK_CLASS }],
      });
      expect(only(document, RecordKind.Recalled)).to.deep.include({
        bizStep: "holding",
        disposition: "recalled",
        "medalliance:recallClass": 2,
      });
      const correction = only(document, RecordKind.Correction);
      const note = only(document, RecordKind.Note);
      expect(note.errorDeclaration).to.deep.equal({
        declarationTime: correction.eventTime,
        reason: "incorrect_data",
        correctiveEventIDs: [correction.eventID],
      });
    });

    it("tells the cold chain: readings as sensor elements (°C, %), the excursion hold and its clearing", async () => {
      const f = await loadFixture(exportsFixture);
      const { document } = await exported(f, f.maskBatch);
      const readings = byRecord(document, RecordKind.Reading);
      expect(readings).to.have.length(3);
      const device = `eip155:${f.chainId}:${f.logger.address}`;
      const [temperature, humidity, hot] = readings.map((e) => e.sensorElementList![0].sensorReport[0]);
      expect(readings[0]).to.deep.include({
        bizStep: "sensor_reporting",
        quantityList: [{ epcClass: MASK_CLASS, quantity: Number(SHIPPED_TO_HOSPITAL), uom: "EA" }],
        "medalliance:shipment": f.toHospital.shipmentId,
        "medalliance:actor": device,
      });
      expect(temperature).to.include({ type: "Temperature", value: 5.3, uom: "CEL", deviceID: device });
      expect(temperature.time).to.equal(readings[0].eventTime);
      expect(humidity).to.include({ type: "RelativeHumidity", value: 45.5, uom: "P1" });
      expect(hot).to.include({ type: "Temperature", value: 45 });
      const held = only(document, RecordKind.Held);
      expect(held).to.deep.include({ bizStep: "holding", disposition: "non_sellable_other" });
      expect(held.sensorElementList![0].sensorReport[0]).to.include({
        type: "Temperature",
        value: 45,
        exception: "ALARM_CONDITION",
      });
      expect(only(document, RecordKind.HoldCleared)).to.deep.include({
        bizStep: "inspecting",
        disposition: "in_transit",
        "medalliance:shipment": f.toHospital.shipmentId,
      });
    });

    it("tells lineage as one TransformationEvent from the input lot to the new lot, once with --with-lineage", async () => {
      const f = await loadFixture(exportsFixture);
      const gowns = await exported(f, f.gownBatch);
      expect(validateEpcis(gowns.document)).to.deep.equal([]);
      expect(gowns.batches.map((b) => b.batchId)).to.deep.equal([f.gownBatch]);
      const transformation = only(gowns.document, RecordKind.Commissioned, f.gownBatch);
      expect(transformation).to.deep.include({
        type: "TransformationEvent",
        bizStep: "commissioning",
        disposition: "active",
        inputQuantityList: [{ epcClass: MASK_CLASS, quantity: Number(USED_FOR_GOWNS), uom: "EA" }],
        outputQuantityList: [{ epcClass: GOWN_CLASS, quantity: Number(GOWNS), uom: "EA" }],
      });
      expect(transformation).to.not.have.property("action");
      expect(transformation.ilmd).to.include({ "cbvmda:lotNumber": GOWN_LOT });
      expect(only(gowns.document, RecordKind.InspectionPassed)).to.deep.include({
        bizStep: "inspecting",
        disposition: "conformant",
        readPoint: { id: MAKER_SITE },
      });

      // The input's own export tells the same transformation, with the same id.
      const masks = await exported(f, f.maskBatch);
      const consumed = masks.document.epcisBody.eventList.find((e) => e.type === "TransformationEvent")!;
      expect(consumed.eventID).to.equal(transformation.eventID);

      const both = await exported(f, f.gownBatch, true);
      expect(validateEpcis(both.document)).to.deep.equal([]);
      expect(both.batches.map((b) => b.batchId)).to.deep.equal([f.gownBatch, f.maskBatch]);
      expect(both.batches.every((b) => b.proof.valid)).to.equal(true);
      const list = both.document.epcisBody.eventList;
      expect(list.filter((e) => e.type === "TransformationEvent")).to.have.length(1);
      const [maskCount, gownCount] = await Promise.all([
        f.ledger.historyOf(f.maskBatch).then((h) => Number(h[1])),
        f.ledger.historyOf(f.gownBatch).then((h) => Number(h[1])),
      ]);
      expect(list).to.have.length(maskCount + gownCount - 1); // the shared transformation once
      const blocks = list.map((e) => e["medalliance:block"] as number);
      expect(blocks).to.deep.equal([...blocks].sort((a, b) => a - b));
      expect(
        both.document.epcisHeader.epcisMasterData.vocabularyList[0].vocabularyElementList.map((v) => v.id),
      ).to.deep.equal([GOWN_CLASS, MASK_CLASS]);
    });

    it("exports nothing from a history that does not prove against the ledger's head", async () => {
      const f = await loadFixture(exportsFixture);
      const [head] = await f.ledger.historyOf(f.maskBatch);
      const tampered = new Proxy(f.ledger, {
        get: (target, property, receiver) =>
          property === "historyOf" ? async () => [head, 3n] : Reflect.get(target, property, receiver),
      });
      await expect(
        exportBatchHistory({ ledger: tampered, catalog: f.catalog, registry: f.registry }, f.maskBatch),
      ).to.be.rejectedWith(
        /history of batch 00614141000029\/MK-2026-001 does not prove against the ledger's head: \d+ records found, the ledger counts 3/,
      );
    });
  });

  describe("epcis:export", () => {
    it("writes the document to --out and says how many events and records it proved", async () => {
      const f = await loadFixture(exportsFixture);
      const out = path.join(tmp(), "masks.jsonld");
      const text = await printed("epcis:export", { batch: `${MASK_TEXT}/${MASK_LOT}`, out });
      const document = JSON.parse(fs.readFileSync(out, "utf8")) as EpcisDocument;
      expect(validateEpcis(document)).to.deep.equal([]);
      const [head, count] = await f.ledger.historyOf(f.maskBatch);
      const events = document.epcisBody.eventList.length;
      expect(events).to.equal(Number(count));
      expect(text).to.include(
        `Exported ${events} EPCIS events for batch ${MASK_TEXT}/${MASK_LOT} to ${out} (${count} history records, each history proven against the ledger's head).`,
      );
      expect(text).to.include(`${MASK_TEXT}/${MASK_LOT}: ${count} records, head ${head} (${MASK_CLASS})`);
      expect(document.epcisBody.eventList[0]["medalliance:organisation"]).to.equal("Northwind Masks");
    });

    it("prints the document when no --out is given, and exports the inputs' histories --with-lineage", async () => {
      const f = await loadFixture(exportsFixture);
      const text = await printed("epcis:export", { batch: `${GOWN_TEXT}/${GOWN_LOT}`, withLineage: true });
      const document = JSON.parse(text) as EpcisDocument;
      expect(validateEpcis(document)).to.deep.equal([]);
      const classes = new Set(document.epcisBody.eventList.map((e) => e["medalliance:batch"]));
      expect([...classes].sort()).to.deep.equal([f.gownBatch, f.maskBatch].sort());
    });

    it("--json reports the file, the event count and each batch's proof", async () => {
      const f = await loadFixture(exportsFixture);
      const out = path.join(tmp(), "gowns.jsonld");
      const report = await json<Record<string, unknown>>("epcis:export", {
        batch: f.gownBatch,
        out,
        withLineage: true,
      });
      const [gownHead, gownCount] = await f.ledger.historyOf(f.gownBatch);
      const document = JSON.parse(fs.readFileSync(out, "utf8")) as EpcisDocument;
      expect(report).to.deep.include({
        batchId: f.gownBatch,
        gtin: GOWN_TEXT,
        lot: GOWN_LOT,
        out,
        events: document.epcisBody.eventList.length,
      });
      const batches = report.batches as Record<string, unknown>[];
      expect(batches.map((b) => b.batchId)).to.deep.equal([f.gownBatch, f.maskBatch]);
      expect(batches[0]).to.deep.equal({
        batchId: f.gownBatch,
        gtin: GOWN_TEXT,
        lot: GOWN_LOT,
        epcClass: GOWN_CLASS,
        records: Number(gownCount),
        head: gownHead,
        proven: true,
      });
    });

    it("refuses an unknown batch, a bad batch reference and an --out in a missing folder or naming a folder", async () => {
      await loadFixture(exportsFixture);
      await expect(hre.run("epcis:export", { batch: `${MASK_TEXT}/NOPE-1` })).to.be.rejectedWith(
        `batch ${MASK_TEXT}/NOPE-1: the ledger has no such batch`,
      );
      await expect(hre.run("epcis:export", { batch: "00614141000028/X" })).to.be.rejectedWith(
        /wrong check digit: it ends in 8, the check digit is 9/,
      );
      await expect(hre.run("epcis:export", { batch: "masks" })).to.be.rejectedWith(
        /give a batch id \(0x…\), a Digital Link URI, or <GTIN>\/<lot>/,
      );
      const missing = path.join(tmp(), "no", "such", "x.jsonld");
      await expect(hre.run("epcis:export", { batch: `${MASK_TEXT}/${MASK_LOT}`, out: missing })).to.be.rejectedWith(
        /--out .*x\.jsonld: the folder .* does not exist/,
      );
      const folder = tmp();
      await expect(hre.run("epcis:export", { batch: `${MASK_TEXT}/${MASK_LOT}`, out: folder })).to.be.rejectedWith(
        /is a folder: give a file name such as batch\.jsonld/,
      );
    });
  });
});
