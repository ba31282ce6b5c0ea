/** Field-readings tasks: a member's gateway relays devices' signed readings to FieldReadings in batches. */
import fs from "node:fs";
import { task, types } from "hardhat/config";
import { HardhatPluginError } from "hardhat/plugins";

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
