/**
 * Example: a hospital receives every shipment waiting for it.
 *
 * Finds the shipments addressed to the signer's organisation that it may still receive — shipped, picked up or
 * delivered, and not yet received or refused (the ledger lets the recipient receive from the moment goods are
 * shipped; a shipment held after a cold-chain excursion waits for a regulator) — receives each in full and in good
 * condition, and prints one line per shipment and a summary. A shipment the ledger refuses is explained and the
 * others are still received; the exit code is 1 if any failed.
 *
 *   MEDALLIANCE_FROM="City General Hospital" \
 *     npx hardhat run scripts/examples/receive-waiting-shipments.ts --network localhost
 *
 * Settings (environment variables):
 *   MEDALLIANCE_FROM       the receiving account: an address, an account index, or an organisation whose admin key the
 *                          network holds (default: the network's first account)
 *   MEDALLIANCE_SHIPMENTS  optional: receive only these shipment ids, comma-separated (e.g. the delivery notes on the
 *                          dock); default: every waiting shipment
 *   MEDALLIANCE_REGISTRY   optional: the AllianceRegistry's address (default: the network's MedAlliance deployment)
 */
import hre from "hardhat";
import type { MedAllianceClient } from "../client/client";
import { shortId } from "../client/codes";
import { sendClient } from "../client/task";
import { formatGtin } from "../lib/gs1";
import { ShipmentStatus } from "../lib/trace";

/** The states in which the recipient may receive. */
const RECEIVABLE = [ShipmentStatus.InTransit, ShipmentStatus.PickedUp, ShipmentStatus.Delivered];

export interface ReceiveOptions {
  /** A client signing as an account of the receiving organisation. */
  client: MedAllianceClient;
  /** Only these shipments (ids); by default every shipment waiting for the organisation. */
  shipmentIds?: string[];
  /** Where lines go (default: the console). */
  print?: (line: string) => void;
}

export interface ReceiveResult {
  organisation: string;
  received: { shipmentId: string; batchId: string; quantity: bigint }[];
  failed: { shipmentId: string; reason: string }[];
}

/** The ids of the shipments addressed to `orgId` that it may still receive, in the order they were shipped. */
export async function waitingShipments(client: MedAllianceClient, orgId: bigint): Promise<string[]> {
  const ledger = client.ledger;
  const shipped = await ledger.queryFilter(
    ledger.filters.Shipped(undefined, undefined, orgId),
    client.system.fromBlock,
  );
  const waiting: string[] = [];
  for (const event of shipped) {
    const state = await ledger.shipmentState(event.args.shipmentId);
    if (RECEIVABLE.includes(Number(state.status))) waiting.push(event.args.shipmentId);
  }
  return waiting;
}

export async function receiveWaitingShipments(options: ReceiveOptions): Promise<ReceiveResult> {
  const { client, print = console.log } = options;
  const org = await client.senderOrg();
  const ids = options.shipmentIds ?? (await waitingShipments(client, org.id));
  const result: ReceiveResult = { organisation: org.name, received: [], failed: [] };
  print(`${org.name}: ${ids.length} shipment${ids.length === 1 ? "" : "s"} to receive.`);
  for (const shipmentId of ids) {
    try {
      // The ledger takes a shipment's fields back, as its Shipped event told them.
      const shipment = await client.findShipment(shipmentId);
      const quantity = BigInt(shipment.quantity);
      await client.send(`receive shipment ${shortId(shipmentId)}`, () =>
        client.ledger.receiveShipment(shipment, quantity, true),
      );
      const batch = await client.resolveBatch(String(shipment.batchId));
      const sender = client.orgName(BigInt(shipment.fromOrgId));
      print(
        `received  ${shortId(shipmentId)}  ${quantity.toLocaleString("en-US")} units of ` +
          `${formatGtin(batch.gtin)}/${batch.lot} from ${sender}`,
      );
      result.received.push({ shipmentId, batchId: batch.batchId, quantity });
    } catch (error) {
      // One refusal (already received, refused by a colleague, held meanwhile…) does not stop the others.
      const reason = client.explain(error);
      print(`FAILED    ${shortId(shipmentId)}  ${reason}`);
      result.failed.push({ shipmentId, reason });
    }
  }
  print(`Received ${result.received.length} of ${ids.length}; ${result.failed.length} failed.`);
  return result;
}

/** Reads the settings from the environment, runs, and sets exit code 1 when anything failed. */
export async function main(): Promise<void> {
  try {
    const client = await sendClient(hre, {
      from: process.env.MEDALLIANCE_FROM,
      registry: process.env.MEDALLIANCE_REGISTRY,
      json: false,
    });
    const only = process.env.MEDALLIANCE_SHIPMENTS?.split(",").map((id) => id.trim());
    const result = await receiveWaitingShipments({ client, shipmentIds: only?.filter((id) => id !== "") });
    if (result.failed.length > 0) process.exitCode = 1;
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  }
}

if (require.main === module) void main();
