/**
 * Field-readings tasks: a member's gateway relays devices' signed readings to FieldReadings in batches
 * (`readings:gateway`); anyone lists a shipment's readings (`readings:shipment`), the cold-chain excursions
 * (`readings:excursions`) and whether a device key's readings count (`readings:device`).
 */
import fs from "node:fs";
import { types } from "hardhat/config";
import type { MedAllianceClient, ResolvedBatch } from "../scripts/client/client";
import { formatTime, parseAddress, parseBytes32, shortId } from "../scripts/client/codes";
import { enumName } from "../scripts/client/errors";
import { InputError } from "../scripts/client/failures";
import { printJson, printTable } from "../scripts/client/output";
import { action, readClient, readTask, run, type ReadArgs } from "../scripts/client/task";
import { AccountKind, OrganisationStatus } from "../scripts/lib/alliance";
import { formatGtin } from "../scripts/lib/gs1";
import {
  MAX_READINGS,
  OUTCOME_TEXT,
  ReadingKind,
  buildSubmission,
  celsius,
  geohashOf,
  parseReadingsJsonl,
  readingFromEvent,
  readingHash,
  readingsDomain,
  signLines,
  type ReadingLine,
  type ReadingOutcome,
  type Shipment,
  type SignedReading,
} from "../scripts/lib/readings";

/** The environment variable holding the device private key that signs a file's unsigned lines. */
export const DEVICE_KEY_ENV = "MEDALLIANCE_DEVICE_KEY";

interface GatewayArgs extends ReadArgs {
  file: string;
  gateway?: string;
  batchSize: number;
}

/** What happened to one line of the file. */
interface LineResult {
  line: number;
  device: string;
  shipmentId: string;
  kind: string;
  value: string;
  sequence: string;
  status: "accepted" | "skipped";
  reason?: string;
  held?: boolean;
  transaction?: string;
}

readTask("readings:gateway", "Submits a JSON-lines file of signed field readings to FieldReadings, in batches")
  .addParam("file", "The readings file: one JSON object per line (see the README's field readings section)")
  .addOptionalParam(
    "gateway",
    "Address of the member account (one of the network's configured signers) that submits; default: the first",
    undefined,
    types.string,
  )
  .addOptionalParam("batchSize", "Readings per transaction, 1 to 100", 100, types.int)
  .setAction(
    action<GatewayArgs>(async (args, hre) => {
      if (!fs.existsSync(args.file)) throw new InputError(`no readings file at ${args.file}`);
      if (!Number.isInteger(args.batchSize) || args.batchSize < 1 || args.batchSize > MAX_READINGS) {
        throw new InputError(`--batch-size is 1 to ${MAX_READINGS}, not ${args.batchSize}`);
      }
      let lines: ReadingLine[];
      try {
        lines = parseReadingsJsonl(fs.readFileSync(args.file, "utf8"));
      } catch (error) {
        throw new InputError(`${args.file}: ${(error as Error).message}`);
      }

      const client = await readClient(hre, args);
      const signers = await hre.ethers.getSigners();
      const gateway =
        args.gateway === undefined
          ? signers[0]
          : signers.find((s) => s.address.toLowerCase() === args.gateway!.toLowerCase());
      if (gateway === undefined) throw new InputError(`--gateway ${args.gateway} is not one of the network's accounts`);
      const [gatewayOrg, gatewayKind] = await client.registry.membershipOf(gateway.address);
      if (gatewayOrg === 0n || (gatewayKind !== 1n && gatewayKind !== 2n)) {
        throw new InputError(
          `the gateway ${gateway.address} is not a member's admin or operator account, so it cannot submit readings`,
        );
      }
      const readings = client.as(gateway).readings;
      const readingsAddress = await readings.getAddress();
      const domain = readingsDomain(client.system.chainId, readingsAddress);

      let signed: SignedReading[];
      try {
        signed = await signLines(lines, domain, process.env[DEVICE_KEY_ENV]);
      } catch (error) {
        throw new InputError(
          `${args.file}: ${(error as Error).message}` +
            (process.env[DEVICE_KEY_ENV] === undefined ? ` (set ${DEVICE_KEY_ENV} to sign unsigned lines)` : ""),
        );
      }

      // The shipments' fields, from the ledger's Shipped events; readings of unknown shipments are skipped here.
      const shipments = new Map<string, Shipment>();
      for (const id of new Set(signed.map((s) => s.reading.shipmentId.toLowerCase()))) {
        const shipment = await client.findShipment(id).catch((error: unknown) => {
          if (error instanceof InputError) return undefined;
          throw error;
        });
        if (shipment !== undefined) shipments.set(id, shipment as Shipment);
      }

      const results: LineResult[] = signed.map(({ reading, device }, i) => ({
        line: lines[i].line,
        device,
        shipmentId: reading.shipmentId,
        kind: ReadingKind[reading.kind] ?? String(reading.kind),
        value: reading.value.toString(),
        sequence: reading.sequence.toString(),
        status: "skipped",
      }));
      const sendable: number[] = [];
      signed.forEach((s, i) => {
        if (shipments.has(s.reading.shipmentId.toLowerCase())) sendable.push(i);
        else results[i].reason = "unknown shipment (the ledger has no Shipped event for it)";
      });

      const transactions: string[] = [];
      for (let start = 0; start < sendable.length; start += args.batchSize) {
        const chunk = sendable.slice(start, start + args.batchSize);
        const submission = buildSubmission(
          chunk.map((i) => signed[i]),
          [...shipments.values()],
        );
        let receipt;
        try {
          receipt = await (await readings.submit(submission.shipments, submission.readings)).wait();
        } catch (error) {
          if (client.orgName(1n) === undefined) await client.organisations().catch(() => undefined);
          const why = client.explain(error);
          throw new InputError(
            `the submission of lines ${lines[chunk[0]].line}–${lines[chunk[chunk.length - 1]].line} was refused: ${why}`,
          );
        }
        transactions.push(receipt!.hash);
        let position = 0;
        for (const log of receipt!.logs) {
          const parsed = log.address === readingsAddress ? readings.interface.parseLog(log) : null;
          if (parsed === null) continue;
          if (parsed.name === "ReadingAccepted" || parsed.name === "ReadingSkipped") {
            const result = results[chunk[position++]];
            result.transaction = receipt!.hash;
            if (parsed.name === "ReadingAccepted") result.status = "accepted";
            else result.reason = OUTCOME_TEXT[Number(parsed.args.reason) as ReadingOutcome];
          } else if (parsed.name === "ExcursionReported" && parsed.args.held) {
            const held = results.find(
              (r, k) => chunk.includes(k) && readingHash(signed[k].reading) === parsed.args.readingHash,
            );
            if (held) held.held = true;
          }
        }
      }

      const accepted = results.filter((r) => r.status === "accepted").length;
      const summary = { readings: results.length, accepted, skipped: results.length - accepted, transactions, results };
      if (args.json) {
        printJson(summary);
        return;
      }
      console.log(
        `${results.length.toLocaleString("en-GB")} readings from ${args.file}: ${accepted.toLocaleString("en-GB")} ` +
          `accepted, ${summary.skipped.toLocaleString("en-GB")} skipped, in ${transactions.length} transaction` +
          `${transactions.length === 1 ? "" : "s"}.`,
      );
      for (const r of results) {
        const what = `line ${r.line}: ${r.kind.toLowerCase()} ${r.value} from ${r.device} (sequence ${r.sequence})`;
        if (r.status === "accepted") console.log(`  ${what}: accepted${r.held ? " — the shipment is now held" : ""}`);
        else console.log(`  ${what}: skipped — ${r.reason}`);
      }
    }),
  );

// ------------------------------------------------------------------ read-only status tasks

const nameOf = (client: MedAllianceClient, id: bigint | number | string) =>
  client.orgName(BigInt(id)) ?? `organisation ${id}`;
const batchName = (batch: ResolvedBatch) =>
  batch.lot === "" ? shortId(batch.batchId) : `${formatGtin(batch.gtin)}/${batch.lot}`;

/** A reading's value in its kind's unit. */
function valueText(kind: number, value: bigint): string {
  switch (kind) {
    case ReadingKind.Temperature:
      return celsius(value);
    case ReadingKind.Humidity:
      return `${(Number(value) / 10).toFixed(1)} %`;
    case ReadingKind.Location:
      return value >= 0n && value < 1n << 60n ? `geohash ${geohashOf(value)}` : String(value);
    default:
      return `GLN ${value.toString().padStart(13, "0")}`;
  }
}

/** The shipment's batch as "GTIN/lot", from the client. */
async function batchText(client: MedAllianceClient, batchId: string): Promise<string> {
  return batchName(await client.resolveBatch(batchId));
}

async function blockTime(client: MedAllianceClient, blockNumber: number, cache: Map<number, number>): Promise<number> {
  if (!cache.has(blockNumber)) cache.set(blockNumber, (await client.provider.getBlock(blockNumber))!.timestamp);
  return cache.get(blockNumber)!;
}

interface ShipmentArgs extends ReadArgs {
  shipment?: string;
}

readTask("readings:shipment", "Lists the field readings accepted for a shipment and whether it is held")
  .addOptionalParam("shipment", "The shipment's id (0x…), as the ledger's Shipped event gave it")
  .setAction(
    run<ShipmentArgs>(false, async (args, client) => {
      if (args.shipment === undefined) throw new InputError("--shipment is required: the shipment's id (0x…)");
      const shipment = await client.findShipment(args.shipment);
      const id = parseBytes32(args.shipment, "shipment");
      const state = await client.ledger.shipmentState(id);
      const readings = client.readings;
      const excursions = new Map<string, boolean>();
      for (const e of await readings.queryFilter(readings.filters.ExcursionReported(id), client.system.fromBlock)) {
        excursions.set(e.args.readingHash, e.args.held);
      }
      const accepted = await readings.queryFilter(readings.filters.ReadingAccepted(id), client.system.fromBlock);
      const rows = [];
      for (const event of accepted) {
        const reading = readingFromEvent(id, event.args.fields);
        const [orgId] = await client.registry.membershipOf(event.args.device);
        const hash = readingHash(reading);
        rows.push({
          device: event.args.device,
          deviceOrgId: Number(orgId),
          kind: ReadingKind[reading.kind],
          value: reading.value.toString(),
          reading: valueText(reading.kind, reading.value),
          timestamp: Number(reading.timestamp),
          sequence: reading.sequence.toString(),
          excursion: excursions.has(hash),
          held: excursions.get(hash) ?? false,
          readingHash: hash,
          transaction: event.transactionHash,
        });
      }
      const status = enumName("ShipmentStatus", state.status);
      const batch = await batchText(client, String(shipment.batchId));
      if (args.json) {
        printJson({ shipmentId: id, batchId: shipment.batchId, batch, status, readings: rows });
        return;
      }
      console.log(
        `Shipment ${shortId(id)}: ${BigInt(shipment.quantity).toLocaleString("en-US")} units of ${batch} from ` +
          `${nameOf(client, shipment.fromOrgId)} to ${nameOf(client, shipment.toOrgId)}, ${status}` +
          `${status === "Held" ? " after a cold-chain excursion: a regulator must clear it (ledger:clear-hold)" : ""}.`,
      );
      printTable(
        rows.map((r) => ({
          measured: formatTime(r.timestamp),
          kind: r.kind.toLowerCase(),
          reading: r.reading + (r.excursion ? (r.held ? "  EXCURSION, held" : "  EXCURSION") : ""),
          device: shortId(r.device),
          organisation: nameOf(client, r.deviceOrgId),
          sequence: Number(r.sequence),
        })),
        "No readings were accepted for this shipment.",
      );
    }),
  );

interface ExcursionArgs extends ReadArgs {
  shipment?: string;
  batch?: string;
}

readTask("readings:excursions", "Lists cold-chain excursions: temperatures outside a product's range")
  .addOptionalParam("shipment", "Only this shipment's excursions (0x…)")
  .addOptionalParam("batch", "Only excursions of this batch's shipments: <GTIN>/<lot>, a Digital Link URI or 0x id")
  .setAction(
    run<ExcursionArgs>(false, async (args, client) => {
      if (args.shipment !== undefined && args.batch !== undefined)
        throw new InputError("give --shipment or --batch, not both");
      const shipmentId = args.shipment === undefined ? undefined : parseBytes32(args.shipment, "shipment");
      if (shipmentId !== undefined) await client.findShipment(shipmentId);
      const batch = args.batch === undefined ? undefined : await client.resolveBatch(args.batch);
      const readings = client.readings;
      const events = await readings.queryFilter(
        readings.filters.ExcursionReported(shipmentId),
        client.system.fromBlock,
      );
      const times = new Map<number, number>();
      const shipments = new Map<string, Awaited<ReturnType<MedAllianceClient["findShipment"]>>>();
      const rows = [];
      for (const e of events) {
        const id = e.args.shipmentId;
        if (!shipments.has(id)) shipments.set(id, await client.findShipment(id));
        const shipment = shipments.get(id)!;
        if (batch !== undefined && String(shipment.batchId).toLowerCase() !== batch.batchId) continue;
        const [orgId] = await client.registry.membershipOf(e.args.device);
        const state = await client.ledger.shipmentState(id);
        rows.push({
          shipmentId: id,
          batchId: String(shipment.batchId),
          batch: await batchText(client, String(shipment.batchId)),
          device: e.args.device,
          deviceOrgId: Number(orgId),
          value: Number(e.args.value),
          minTemperature: Number(e.args.minTemperature),
          maxTemperature: Number(e.args.maxTemperature),
          held: e.args.held,
          shipmentStatus: enumName("ShipmentStatus", state.status),
          readingHash: e.args.readingHash,
          recordedAt: await blockTime(client, e.blockNumber, times),
          transaction: e.transactionHash,
        });
      }
      const open: Record<string, number> = {};
      for (const batchId of new Set(rows.map((r) => r.batchId))) {
        open[batchId] = Number(await client.ledger.openExcursionsOf(batchId));
      }
      if (args.json) {
        printJson({ excursions: rows, openExcursions: open });
        return;
      }
      printTable(
        rows.map((r) => ({
          recorded: formatTime(r.recordedAt),
          shipment: shortId(r.shipmentId),
          batch: r.batch,
          temperature: celsius(r.value),
          range: `${celsius(r.minTemperature)} to ${celsius(r.maxTemperature)}`,
          held: r.held ? "held it" : "no",
          now: r.shipmentStatus,
          device: `${shortId(r.device)} (${nameOf(client, r.deviceOrgId)})`,
        })),
        "No cold-chain excursion was reported.",
      );
      const held = rows.filter((r) => r.shipmentStatus === "Held");
      if (held.length > 0) {
        console.log(
          `\n${new Set(held.map((r) => r.shipmentId)).size} shipment(s) wait for a regulator: ledger:clear-hold --shipment <id>.`,
        );
      }
    }),
  );

readTask("readings:device", "Tells whether a device key's readings count, and its last accepted sequence")
  .addOptionalParam("device", "The device key's address")
  .setAction(
    run<ReadArgs & { device?: string }>(false, async ({ device: text, json }, client) => {
      if (text === undefined) throw new InputError("--device is required: the device key's address");
      const device = parseAddress(text, "--device");
      const [orgId, kind] = await client.registry.membershipOf(device);
      const isDevice = Number(kind) === AccountKind.Device;
      const org = orgId === 0n ? undefined : await client.resolveOrg(orgId);
      const licenceValid = org !== undefined && org.licenceExpiry > BigInt(await client.now());
      const active = isDevice && org!.status === OrganisationStatus.Active && licenceValid;
      const lastSequence = await client.readings.lastSequenceOf(device);
      const accepted = await client.readings.queryFilter(
        client.readings.filters.ReadingAccepted(undefined, device),
        client.system.fromBlock,
      );
      let message: string;
      if (!isDevice) {
        message =
          `${device} is not a device key${org === undefined ? "" : ` (it is an ${AccountKind[Number(kind)].toLowerCase()} account of ${org.name})`}: ` +
          `readings it signs are skipped. An organisation's admin registers one with alliance:invite --kind device.`;
      } else if (!active) {
        message =
          `${device} is a device of ${org!.name}, which is ${licenceValid ? org!.statusName.toLowerCase() : "without a valid licence"}: ` +
          `its readings are skipped until the organisation is Active again.`;
      } else {
        message =
          `${device} is a device of ${org!.name} (Active): its readings count for shipments ${org!.name} sends, ` +
          `carries or receives.`;
      }
      if (json) {
        printJson({
          device,
          orgId: orgId === 0n ? null : Number(orgId),
          organisation: org?.name ?? null,
          isDevice,
          active,
          lastSequence: lastSequence.toString(),
          accepted: accepted.length,
          message,
        });
        return;
      }
      console.log(message);
      console.log(
        `Readings accepted: ${accepted.length.toLocaleString("en-US")}; last accepted sequence ` +
          `${lastSequence.toLocaleString("en-US")} (the next must be higher).`,
      );
    }),
  );
