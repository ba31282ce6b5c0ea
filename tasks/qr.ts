/**
 * QR tasks: codes carrying the GS1 Digital Link URI of a batch or a unit (`qr`), and a printable sheet of a batch's
 * unit codes (`qr:sheet`), pointing at the verification page (--base, or MEDALLIANCE_VERIFY_URL, or the default).
 */
import fs from "node:fs";
import path from "node:path";
import { types } from "hardhat/config";
import type { ConfigurableTaskDefinition } from "hardhat/types";
import type { ResolvedBatch } from "../scripts/client/client";
import { parseOutFile, parseSerial } from "../scripts/client/codes";
import { InputError } from "../scripts/client/failures";
import { printJson } from "../scripts/client/output";
import { readTask, run, type SendArgs } from "../scripts/client/task";
import { formatGtin } from "../scripts/lib/gs1";
import * as qr from "../scripts/lib/qr";

interface CodeArgs extends SendArgs {
  batch: string;
  base?: string;
}

interface QrArgs extends CodeArgs {
  serial?: string;
  out?: string;
  format?: string;
  size: number;
}

interface SheetArgs extends CodeArgs {
  serials: string;
  out: string;
  columns: number;
}

/** The base URL, or a sentence saying what is wrong with it and where it came from. */
function baseArg(base: string | undefined): string {
  try {
    return qr.verifyBase(base);
  } catch (error) {
    const source = base?.trim() ? "--base" : process.env[qr.VERIFY_URL_ENV]?.trim() ? qr.VERIFY_URL_ENV : "default";
    throw new InputError(`${source}: ${(error as Error).message}`);
  }
}

/** The batch's fields every code task prints as JSON. */
function batchFields(batch: ResolvedBatch) {
  return { batchId: batch.batchId, gtin: formatGtin(batch.gtin), lot: batch.lot };
}

const batchName = (batch: ResolvedBatch) => `${formatGtin(batch.gtin)}/${batch.lot}`;

/** The serials of `--serials`: a comma-separated list, or a file of serials separated by commas or new lines. */
function serialsArg(text: string, max: number): string[] {
  const source = text.trim();
  if (source === "") throw new InputError("--serials is empty: give serials separated by commas, or a file");
  const content = fs.existsSync(source) && fs.statSync(source).isFile() ? fs.readFileSync(source, "utf8") : source;
  const serials = content
    .split(/[,\r\n]+/)
    .map((s) => s.trim())
    .filter((s) => s !== "" && !s.startsWith("#"));
  if (serials.length === 0) throw new InputError(`--serials ${source} names no serial`);
  if (serials.length > max) {
    throw new InputError(
      `--serials names ${serials.length.toLocaleString("en-US")} serials: a sheet holds at most ${max.toLocaleString("en-US")}`,
    );
  }
  const seen = new Set<string>();
  for (const serial of serials) {
    parseSerial(serial);
    if (seen.has(serial)) throw new InputError(`serial "${serial}" is listed twice`);
    seen.add(serial);
  }
  return serials;
}

/** A code task: `--batch` and `--base`. */
function codeTask(name: string, description: string): ConfigurableTaskDefinition {
  return readTask(name, description)
    .addParam("batch", 'The batch: "<GTIN>/<lot>", a Digital Link URI, or its 0x id', undefined, types.string)
    .addOptionalParam(
      "base",
      "The verification page's base URL (default: MEDALLIANCE_VERIFY_URL, else https://verify.medalliance.example)",
      undefined,
      types.string,
    );
}

codeTask("qr", "A QR code (PNG or SVG) carrying the GS1 Digital Link URI of a batch or of one unit")
  .addOptionalParam("serial", "A unit's serial number (GS1 AI 21): the code names that unit", undefined, types.string)
  .addOptionalParam("out", "The file to write (.png or .svg); an SVG is printed when omitted", undefined, types.string)
  .addOptionalParam("format", "png or svg (default: from --out's extension)", undefined, types.string)
  .addOptionalParam("size", "Pixels per module of a PNG (an SVG is drawn 32 times this wide)", 8, types.int)
  .setAction(
    run<QrArgs>(false, async (args, client) => {
      const base = baseArg(args.base);
      const out = args.out?.trim() || undefined;
      const extension = (out === undefined ? "" : path.extname(out).slice(1).toLowerCase()) || undefined;
      const format = (args.format?.trim().toLowerCase() || extension || "svg") as string;
      if (format !== "png" && format !== "svg") {
        throw new InputError(`format "${format}" is not png or svg (give --format, or --out ending in .png or .svg)`);
      }
      if (extension !== undefined && extension !== format)
        throw new InputError(`--out ${out} does not end in .${format}`);
      if (format === "png" && out === undefined) throw new InputError("a PNG needs --out: the file to write");
      if (!Number.isInteger(args.size) || args.size < 1 || args.size > 64) {
        throw new InputError(`--size must be a whole number of pixels per module from 1 to 64, not ${args.size}`);
      }
      if (out !== undefined) parseOutFile(out, `code.${format}`);
      const serial = args.serial === undefined ? undefined : parseSerial(args.serial.trim());
      const batch = await client.resolveBatch(args.batch);
      const subject = { gtin: batch.gtin, lot: batch.lot, serial };
      const uri = qr.codeUri(base, subject);
      if (out === undefined) {
        console.log(qr.qrSvg(uri, { size: args.size * 32 }).trimEnd());
        return;
      }
      if (format === "png") fs.writeFileSync(out, await qr.qrPng(uri, { scale: args.size }));
      else fs.writeFileSync(out, qr.qrSvg(uri, { size: args.size * 32 }));
      if (args.json) return printJson({ ...batchFields(batch), serial: serial ?? null, uri, format, out });
      const what = serial === undefined ? `batch ${batchName(batch)}` : `unit ${serial} of batch ${batchName(batch)}`;
      console.log(`Wrote the QR code of ${what} to ${out} (${format.toUpperCase()}).`);
      console.log(`  ${uri}`);
      console.log(`  ${qr.humanReadable(subject)}`);
    }),
  );

codeTask("qr:sheet", "A printable sheet (SVG or HTML) of QR codes for units of a batch, labelled GTIN/lot/serial")
  .addParam("serials", "The units' serials: comma-separated, or a file of serials (one a line or comma-separated)")
  .addParam("out", "The sheet to write: a .svg or .html file", undefined, types.string)
  .addOptionalParam("columns", "Codes per row", 4, types.int)
  .setAction(
    run<SheetArgs>(false, async (args, client) => {
      const base = baseArg(args.base);
      const out = args.out.trim();
      const format = path.extname(out).slice(1).toLowerCase();
      if (format !== "svg" && format !== "html") throw new InputError(`--out ${out} must end in .svg or .html`);
      if (!Number.isInteger(args.columns) || args.columns < 1 || args.columns > 20) {
        throw new InputError(`--columns must be a whole number from 1 to 20, not ${args.columns}`);
      }
      parseOutFile(out, "sheet.svg");
      const serials = serialsArg(args.serials, qr.MAX_SHEET_CODES);
      const batch = await client.resolveBatch(args.batch);
      const codes = qr.sheetCodes(
        base,
        serials.map((serial) => ({ gtin: batch.gtin, lot: batch.lot, serial })),
      );
      const options = { columns: args.columns, title: `Batch ${batchName(batch)}` };
      fs.writeFileSync(out, format === "svg" ? qr.sheetSvg(codes, options) : qr.sheetHtml(codes, options));
      if (args.json) {
        const listed = codes.map((code, i) => ({ serial: serials[i], uri: code.uri }));
        return printJson({ ...batchFields(batch), format, out, codes: listed });
      }
      console.log(
        `Wrote a sheet of ${codes.length.toLocaleString("en-US")} QR code${codes.length === 1 ? "" : "s"} for batch ` +
          `${batchName(batch)} to ${out} (${format.toUpperCase()}, ${Math.min(args.columns, codes.length)} a row).`,
      );
      console.log(`  first: ${codes[0].uri}`);
    }),
  );
