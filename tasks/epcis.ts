/**
 * EPCIS tasks: a batch's history, proved against the ledger's head, exported as a GS1 EPCIS 2.0 JSON-LD document
 * (scripts/lib/epcis.ts) for trading partners' and regulators' EPCIS repositories.
 */
import fs from "node:fs";
import { types } from "hardhat/config";
import { parseOutFile } from "../scripts/client/codes";
import { InputError } from "../scripts/client/failures";
import { printJson } from "../scripts/client/output";
import { readTask, run, type SendArgs } from "../scripts/client/task";
import { formatGtin } from "../scripts/lib/gs1";

interface ExportArgs extends SendArgs {
  batch: string;
  out?: string;
  withLineage: boolean;
}

readTask(
  "epcis:export",
  "Exports a batch's proven history as a GS1 EPCIS 2.0 JSON-LD document (to --out, or printed when none)",
)
  .addParam("batch", 'The batch: "<GTIN>/<lot>", a Digital Link URI, or its 0x id', undefined, types.string)
  .addOptionalParam("out", "The file to write the document to (e.g. batch.jsonld); printed when omitted")
  .addFlag("withLineage", "Include the histories of the batches it was made from, through every level of inputs")
  .setAction(
    run<ExportArgs>(false, async (args, client) => {
      // Loaded here: the export reads the contracts through their bindings.
      const epcis = await import("../scripts/lib/epcis");
      const out = args.out === undefined ? undefined : parseOutFile(args.out, "batch.jsonld");
      const batch = await client.resolveBatch(args.batch);
      let result: Awaited<ReturnType<typeof epcis.exportBatchHistory>>;
      try {
        result = await epcis.exportBatchHistory(
          { ledger: client.ledger, catalog: client.catalog, registry: client.registry },
          batch.batchId,
          {
            fromBlock: client.system.fromBlock,
            withLineage: args.withLineage,
            orgName: (id) => client.orgName(id),
          },
        );
      } catch (error) {
        if (error instanceof epcis.HistoryNotProvenError) throw new InputError(`Nothing exported: ${error.message}`);
        throw error;
      }
      const text = JSON.stringify(result.document, null, 2) + "\n";
      const events = result.document.epcisBody.eventList.length;
      if (out === undefined) {
        // The document itself is the output (it is JSON already, with or without --json).
        console.log(text.trimEnd());
        return;
      }
      fs.writeFileSync(out, text);
      if (args.json) {
        printJson({
          batchId: batch.batchId,
          gtin: formatGtin(batch.gtin),
          lot: batch.lot,
          out,
          events,
          batches: result.batches.map((b) => ({
            batchId: b.batchId,
            gtin: b.gtin,
            lot: b.lot,
            epcClass: b.epcClass,
            records: b.records,
            head: b.proof.onChainHead,
            proven: b.proof.valid,
          })),
        });
        return;
      }
      const records = result.batches.reduce((sum, b) => sum + b.records, 0);
      const lineage =
        result.batches.length > 1
          ? ` and ${result.batches.length - 1} batch${result.batches.length === 2 ? "" : "es"} it was made from`
          : "";
      console.log(
        `Exported ${events.toLocaleString("en-US")} EPCIS events for batch ${formatGtin(batch.gtin)}/${batch.lot}` +
          `${lineage} to ${out} (${records.toLocaleString("en-US")} history records, each history proven against ` +
          "the ledger's head).",
      );
      for (const b of result.batches) {
        console.log(`  ${b.gtin}/${b.lot}: ${b.records} records, head ${b.proof.onChainHead} (${b.epcClass})`);
      }
    }),
  );
