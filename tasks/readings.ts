/** Field-readings tasks: a member's gateway relays devices' signed readings to FieldReadings in batches. */
import fs from "node:fs";
import { task, types } from "hardhat/config";
import { HardhatPluginError } from "hardhat/plugins";
import type { MedAllianceClient } from "../scripts/client/client";
import { type Common, cli, fail } from "./serials";

/** The environment variable holding the device private key that signs a file's unsigned lines. */
export const DEVICE_KEY_ENV = "MEDALLIANCE_DEVICE_KEY";

interface GatewayArgs {
  file: string;
  gateway?: string;
  registry?: string;
  batchSize: number;
  json: boolean;
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

task("readings:gateway", "Submits a JSON-lines file of signed field readings to FieldReadings, in batches")
  .addParam("file", "The readings file: one JSON object per line (see the README's field readings section)")
  .addOptionalParam(
    "gateway",
    "Address of the member account (one of the network's configured signers) that submits; default: the first",
    undefined,
    types.string,
  )
  .addOptionalParam(
    "registry",
    "Address of the AllianceRegistry (default: the network's MedAlliance deployment); FieldReadings is found in its directory",
    undefined,
    types.string,
  )
  .addOptionalParam("batchSize", "Readings per transaction, 1 to 100", 100, types.int)
  .addFlag("json", "Print JSON for scripts instead of a summary")
  .setAction(async (args: GatewayArgs, hre) => {
    const { resolveSystem, directoryAddress } = await import("../scripts/lib/deployment");
    const { BatchLedger__factory, FieldReadings__factory } = await import("../typechain-types");
    const lib = await import("../scripts/lib/readings");
    const { ethers } = hre;

    if (!fs.existsSync(args.file)) throw new HardhatPluginError("medalliance", `no readings file at ${args.file}`);
    if (!Number.isInteger(args.batchSize) || args.batchSize < 1 || args.batchSize > lib.MAX_READINGS) {
      throw new HardhatPluginError("medalliance", `--batch-size is 1 to ${lib.MAX_READINGS}, not ${args.batchSize}`);
    }
    let lines: import("../scripts/lib/readings").ReadingLine[];
    try {
      lines = lib.parseReadingsJsonl(fs.readFileSync(args.file, "utf8"));
    } catch (error) {
      throw new HardhatPluginError("medalliance", `${args.file}: ${(error as Error).message}`);
    }

    const system = await resolveSystem(ethers.provider, hre.network.name, args.registry);
    const signers = await ethers.getSigners();
    const gateway =
      args.gateway === undefined
        ? signers[0]
        : signers.find((s) => s.address.toLowerCase() === args.gateway!.toLowerCase());
    if (gateway === undefined) {
      throw new HardhatPluginError("medalliance", `--gateway ${args.gateway} is not one of the network's accounts`);
    }
    const [gatewayOrg, gatewayKind] = await system.registry.membershipOf(gateway.address);
    if (gatewayOrg === 0n || (gatewayKind !== 1n && gatewayKind !== 2n)) {
      throw new HardhatPluginError(
        "medalliance",
        `the gateway ${gateway.address} is not a member's admin or operator account, so it cannot submit readings`,
      );
    }
    const readings = FieldReadings__factory.connect(directoryAddress(system, "FieldReadings"), gateway);
    const ledger = BatchLedger__factory.connect(await readings.ledger(), ethers.provider);
    const domain = lib.readingsDomain(system.chainId, await readings.getAddress());

    let signed: import("../scripts/lib/readings").SignedReading[];
    try {
      signed = await lib.signLines(lines, domain, process.env[DEVICE_KEY_ENV]);
    } catch (error) {
      throw new HardhatPluginError(
        "medalliance",
        `${args.file}: ${(error as Error).message}` +
          (process.env[DEVICE_KEY_ENV] === undefined ? ` (set ${DEVICE_KEY_ENV} to sign unsigned lines)` : ""),
      );
    }

    // The shipments' fields, from the ledger's Shipped events; readings of unknown shipments are skipped here.
    const shipments = new Map<string, import("../scripts/lib/readings").Shipment>();
    for (const id of new Set(signed.map((s) => s.reading.shipmentId.toLowerCase()))) {
      const [event] = await ledger.queryFilter(ledger.filters.Shipped(id), system.fromBlock);
      if (event === undefined) continue;
      const s = event.args.shipment;
      shipments.set(id, {
        batchId: s.batchId,
        fromOrgId: s.fromOrgId,
        toOrgId: s.toOrgId,
        carrierOrgId: s.carrierOrgId,
        fromGln: s.fromGln,
        toGln: s.toGln,
        quantity: s.quantity,
        ref: s.ref,
        sequence: s.sequence,
      });
    }

    const describe = (i: number): LineResult => {
      const { reading, device } = signed[i];
      return {
        line: lines[i].line,
        device,
        shipmentId: reading.shipmentId,
        kind: lib.ReadingKind[reading.kind] ?? String(reading.kind),
        value: reading.value.toString(),
        sequence: reading.sequence.toString(),
        status: "skipped",
      };
    };
    const results: LineResult[] = signed.map((_, i) => describe(i));
    const sendable: number[] = [];
    signed.forEach((s, i) => {
      if (shipments.has(s.reading.shipmentId.toLowerCase())) sendable.push(i);
      else results[i].reason = "unknown shipment (the ledger has no Shipped event for it)";
    });

    const transactions: string[] = [];
    for (let start = 0; start < sendable.length; start += args.batchSize) {
      const chunk = sendable.slice(start, start + args.batchSize);
      const submission = lib.buildSubmission(
        chunk.map((i) => signed[i]),
        [...shipments.values()],
      );
      let receipt;
      try {
        receipt = await (await readings.submit(submission.shipments, submission.readings)).wait();
      } catch (error) {
        const data = (error as { data?: string }).data;
        const parsed = data ? readings.interface.parseError(data) : null;
        const why = parsed ? `${parsed.name}(${parsed.args.join(", ")})` : (error as Error).message;
        throw new HardhatPluginError(
          "medalliance",
          `the submission of lines ${lines[chunk[0]].line}–${lines[chunk[chunk.length - 1]].line} was refused: ${why}`,
        );
      }
      transactions.push(receipt!.hash);
      let position = 0;
      for (const log of receipt!.logs) {
        const parsed = log.address === (await readings.getAddress()) ? readings.interface.parseLog(log) : null;
        if (parsed === null) continue;
        if (parsed.name === "ReadingAccepted" || parsed.name === "ReadingSkipped") {
          const result = results[chunk[position++]];
          result.transaction = receipt!.hash;
          if (parsed.name === "ReadingAccepted") result.status = "accepted";
          else
            result.reason =
              lib.OUTCOME_TEXT[Number(parsed.args.reason) as import("../scripts/lib/readings").ReadingOutcome];
        } else if (parsed.name === "ExcursionReported" && parsed.args.held) {
          const held = results.find(
            (r, k) => chunk.includes(k) && lib.readingHash(signed[k].reading) === parsed.args.readingHash,
          );
          if (held) held.held = true;
        }
      }
    }

    const accepted = results.filter((r) => r.status === "accepted").length;
    const summary = { readings: results.length, accepted, skipped: results.length - accepted, transactions, results };
    if (args.json) {
      console.log(JSON.stringify(summary, null, 2));
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
  });

// ------------------------------------------------------------------ read-only status tasks

async function readingLibs() {
  const [lib, codes, gs1, output, alliance, trace] = await Promise.all([
    import("../scripts/lib/readings"),
    import("../scripts/client/codes"),
    import("../scripts/lib/gs1"),
    import("../scripts/client/output"),
    import("../scripts/lib/alliance"),
    import("../scripts/lib/trace"),
  ]);
  return { lib, codes, gs1, output, alliance, trace };
}
let R: Awaited<ReturnType<typeof readingLibs>>;

function readRun<T extends Common>(body: (args: T, client: MedAllianceClient) => Promise<void>) {
  return cli.run<T>(false, async (args, client) => {
    R = await readingLibs();
    await body(args, client);
  });
}

/** A reading's value in its kind's unit. */
function valueText(kind: number, value: bigint): string {
  switch (kind) {
    case R.lib.ReadingKind.Temperature:
      return R.lib.celsius(value);
    case R.lib.ReadingKind.Humidity:
      return `${(Number(value) / 10).toFixed(1)} %`;
    case R.lib.ReadingKind.Location:
      return value >= 0n && value < 1n << 60n ? `geohash ${R.lib.geohashOf(value)}` : String(value);
    default:
      return `GLN ${value.toString().padStart(13, "0")}`;
  }
}

/** The shipment's batch as "GTIN/lot", from the client. */
async function batchText(client: MedAllianceClient, batchId: string): Promise<string> {
  const batch = await cli.batch(client, batchId);
  return cli.batchName(batch);
}

async function blockTime(client: MedAllianceClient, blockNumber: number, cache: Map<number, number>): Promise<number> {
  if (!cache.has(blockNumber)) cache.set(blockNumber, (await client.provider.getBlock(blockNumber))!.timestamp);
  return cache.get(blockNumber)!;
}

interface ShipmentArgs extends Common {
  shipment?: string;
}

cli
  .define("readings:shipment", "Lists the field readings accepted for a shipment and whether it is held", false)
  .addOptionalParam("shipment", "The shipment's id (0x…), as the ledger's Shipped event gave it")
  .setAction(
    readRun<ShipmentArgs>(async (args, client) => {
      if (args.shipment === undefined) fail("--shipment is required: the shipment's id (0x…)");
      const shipment = await client.findShipment(args.shipment);
      const id = R.codes.parseBytes32(args.shipment, "shipment");
      const state = await client.ledger.shipmentState(id);
      const readings = client.readings;
      const excursions = new Map<string, boolean>();
      for (const e of await readings.queryFilter(readings.filters.ExcursionReported(id), client.system.fromBlock)) {
        excursions.set(e.args.readingHash, e.args.held);
      }
      const accepted = await readings.queryFilter(readings.filters.ReadingAccepted(id), client.system.fromBlock);
      const rows = [];
      for (const event of accepted) {
        const reading = R.lib.readingFromEvent(id, event.args.fields);
        const [orgId] = await client.registry.membershipOf(event.args.device);
        const hash = R.lib.readingHash(reading);
        rows.push({
          device: event.args.device,
          deviceOrgId: Number(orgId),
          kind: R.lib.ReadingKind[reading.kind],
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
      const status = R.trace.ShipmentStatus[Number(state.status)];
      const batch = await batchText(client, String(shipment.batchId));
      if (args.json) {
        R.output.printJson({ shipmentId: id, batchId: shipment.batchId, batch, status, readings: rows });
        return;
      }
      console.log(
        `Shipment ${R.codes.shortId(id)}: ${cli.n(BigInt(shipment.quantity))} units of ${batch} from ` +
          `${cli.orgName(client, shipment.fromOrgId)} to ${cli.orgName(client, shipment.toOrgId)}, ${status}` +
          `${Number(state.status) === R.trace.ShipmentStatus.Held ? " after a cold-chain excursion: a regulator must clear it (ledger:clear-hold)" : ""}.`,
      );
      R.output.printTable(
        rows.map((r) => ({
          measured: R.codes.formatTime(r.timestamp),
          kind: r.kind.toLowerCase(),
          reading: r.reading + (r.excursion ? (r.held ? "  EXCURSION, held" : "  EXCURSION") : ""),
          device: R.codes.shortId(r.device),
          organisation: cli.orgName(client, r.deviceOrgId),
          sequence: Number(r.sequence),
        })),
        "No readings were accepted for this shipment.",
      );
    }),
  );

interface ExcursionArgs extends Common {
  shipment?: string;
  batch?: string;
}

cli
  .define("readings:excursions", "Lists cold-chain excursions: temperatures outside a product's range", false)
  .addOptionalParam("shipment", "Only this shipment's excursions (0x…)")
  .addOptionalParam("batch", "Only excursions of this batch's shipments: <GTIN>/<lot>, a Digital Link URI or 0x id")
  .setAction(
    readRun<ExcursionArgs>(async (args, client) => {
      if (args.shipment !== undefined && args.batch !== undefined) fail("give --shipment or --batch, not both");
      const shipmentId = args.shipment === undefined ? undefined : R.codes.parseBytes32(args.shipment, "shipment");
      if (shipmentId !== undefined) await client.findShipment(shipmentId);
      const batch = args.batch === undefined ? undefined : await cli.batch(client, args.batch);
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
          shipmentStatus: R.trace.ShipmentStatus[Number(state.status)],
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
        R.output.printJson({ excursions: rows, openExcursions: open });
        return;
      }
      R.output.printTable(
        rows.map((r) => ({
          recorded: R.codes.formatTime(r.recordedAt),
          shipment: R.codes.shortId(r.shipmentId),
          batch: r.batch,
          temperature: R.lib.celsius(r.value),
          range: `${R.lib.celsius(r.minTemperature)} to ${R.lib.celsius(r.maxTemperature)}`,
          held: r.held ? "held it" : "no",
          now: r.shipmentStatus,
          device: `${R.codes.shortId(r.device)} (${cli.orgName(client, r.deviceOrgId)})`,
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

interface DeviceArgs extends Common {
  device?: string;
}

cli
  .define("readings:device", "Tells whether a device key's readings count, and its last accepted sequence", false)
  .addOptionalParam("device", "The device key's address")
  .setAction(
    readRun<DeviceArgs>(async (args, client) => {
      if (args.device === undefined) fail("--device is required: the device key's address");
      const device = R.codes.parseAddress(args.device, "--device");
      const [orgId, kind] = await client.registry.membershipOf(device);
      const isDevice = Number(kind) === R.alliance.AccountKind.Device;
      const org = orgId === 0n ? undefined : await client.resolveOrg(orgId);
      const licenceValid = org !== undefined && org.licenceExpiry > BigInt(await client.now());
      const active = isDevice && org!.status === R.alliance.OrganisationStatus.Active && licenceValid;
      const lastSequence = await client.readings.lastSequenceOf(device);
      const accepted = await client.readings.queryFilter(
        client.readings.filters.ReadingAccepted(undefined, device),
        client.system.fromBlock,
      );
      let message: string;
      if (!isDevice) {
        message =
          `${device} is not a device key${org === undefined ? "" : ` (it is an ${R.alliance.AccountKind[Number(kind)].toLowerCase()} account of ${org.name})`}: ` +
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
      cli.show(
        args,
        {
          device,
          orgId: orgId === 0n ? null : Number(orgId),
          organisation: org?.name ?? null,
          isDevice,
          active,
          lastSequence: lastSequence.toString(),
          accepted: accepted.length,
          message,
        },
        [
          message,
          `Readings accepted: ${cli.n(accepted.length)}; last accepted sequence ${cli.n(lastSequence)} (the next must be higher).`,
        ],
      );
    }),
  );
