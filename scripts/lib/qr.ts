/**
 * QR codes carrying GS1 Digital Link URIs (`<base>/01/<GTIN>/10/<lot>/21/<serial>`, scripts/client/codes.ts
 * `digitalLink`) of a batch or a unit: one code as PNG or SVG, or a printable sheet (SVG or HTML) of a batch's units
 * with the human-readable GTIN, lot and serial under each code. Scanning a code opens the verification page at the
 * base URL, which resolves the Digital Link.
 */
import QRCode from "qrcode";
import { digitalLink } from "../client/codes";
import { formatGtin } from "./gs1";

/** The environment variable holding the verification page's base URL. */
export const VERIFY_URL_ENV = "MEDALLIANCE_VERIFY_URL";
/** The base URL when neither `--base` nor the environment names one. */
export const DEFAULT_VERIFY_URL = "https://verify.medalliance.example";
/** Most codes one sheet holds. */
export const MAX_SHEET_CODES = 1_000;

/** Error correction: M (15 %) by default, as GS1 recommends for Digital Link QR codes on packaging. */
export type ErrorCorrection = "L" | "M" | "Q" | "H";

export interface QrOptions {
  /** Quiet zone around the code, in modules (default 4, as the QR standard requires). */
  margin?: number;
  /** Pixels per module in PNG output (default 8). */
  scale?: number;
  errorCorrection?: ErrorCorrection;
}

/** What a code names: a batch (GTIN and lot) or one unit of it (with its serial). */
export interface CodeSubject {
  gtin: bigint;
  lot: string;
  serial?: string;
}

/**
 * The verification base URL: `explicit` (a `--base` option) or else the environment variable, or else the default;
 * an http(s) URL without query or fragment, returned without a trailing slash. Throws a plain Error naming the
 * value when it is not one.
 */
export function verifyBase(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  const given = explicit?.trim() || env[VERIFY_URL_ENV]?.trim() || DEFAULT_VERIFY_URL;
  let url: URL;
  try {
    url = new URL(given);
  } catch {
    throw new Error(`base URL "${given}" is not a URL: write it like ${DEFAULT_VERIFY_URL}`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new Error(`base URL "${given}" must start with https:// (or http://)`);
  }
  if (url.search !== "" || url.hash !== "") throw new Error(`base URL "${given}" must have no ?query or #fragment`);
  return given.replace(/\/+$/, "");
}

/** The Digital Link URI a code carries. */
export function codeUri(base: string, subject: CodeSubject): string {
  return digitalLink(base, subject.gtin, subject.lot, subject.serial);
}

/** The human-readable line printed under a code: GS1 element strings "(01) … (10) … (21) …". */
export function humanReadable(subject: CodeSubject): string {
  return (
    `(01) ${formatGtin(subject.gtin)} (10) ${subject.lot}` +
    (subject.serial === undefined ? "" : ` (21) ${subject.serial}`)
  );
}

/** A QR code as PNG bytes. */
export async function qrPng(uri: string, options: QrOptions = {}): Promise<Buffer> {
  return QRCode.toBuffer(uri, {
    type: "png",
    errorCorrectionLevel: options.errorCorrection ?? "M",
    margin: options.margin ?? 4,
    scale: options.scale ?? 8,
  });
}

/** The modules of a QR code as one SVG path (a 1×1 square per dark module) and its side, quiet zone included. */
export function qrPath(uri: string, options: QrOptions = {}): { side: number; d: string } {
  const margin = options.margin ?? 4;
  const { modules } = QRCode.create(uri, { errorCorrectionLevel: options.errorCorrection ?? "M" });
  const parts: string[] = [];
  for (let row = 0; row < modules.size; row++) {
    for (let col = 0; col < modules.size; col++) {
      if (modules.get(row, col)) parts.push(`M${col + margin} ${row + margin}h1v1h-1z`);
    }
  }
  return { side: modules.size + 2 * margin, d: parts.join("") };
}

const escapeXml = (text: string) =>
  text.replace(/[<>&"']/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;" })[c]!);

/** A QR code as a standalone SVG document of `size` pixels (default 256), its URI in a <title>. */
export function qrSvg(uri: string, options: QrOptions & { size?: number } = {}): string {
  const { side, d } = qrPath(uri, options);
  const size = options.size ?? 256;
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 ${side} ${side}" ` +
    `shape-rendering="crispEdges">\n<title>${escapeXml(uri)}</title>\n` +
    `<rect width="${side}" height="${side}" fill="#fff"/>\n<path fill="#000" d="${d}"/>\n</svg>\n`
  );
}

export interface SheetOptions extends QrOptions {
  /** Codes per row (default 4). */
  columns?: number;
  /** Side of each code on the sheet, in SVG user units / CSS pixels (default 160). */
  cell?: number;
  /** A heading printed above the grid. */
  title?: string;
}

export interface SheetCode {
  uri: string;
  label: string;
}

/** The codes of a sheet: one per subject, with its URI and human-readable line. */
export function sheetCodes(base: string, subjects: CodeSubject[]): SheetCode[] {
  if (subjects.length === 0 || subjects.length > MAX_SHEET_CODES) {
    throw new Error(`a sheet holds 1 to ${MAX_SHEET_CODES.toLocaleString("en-US")} codes, not ${subjects.length}`);
  }
  return subjects.map((subject) => ({ uri: codeUri(base, subject), label: humanReadable(subject) }));
}

function layout(count: number, options: SheetOptions) {
  const columns = Math.max(1, Math.min(options.columns ?? 4, count));
  const cell = options.cell ?? 160;
  const labelHeight = 28;
  const gap = 16;
  const top = options.title === undefined ? gap : gap + 32;
  const rows = Math.ceil(count / columns);
  return {
    columns,
    cell,
    labelHeight,
    gap,
    top,
    width: gap + columns * (cell + gap),
    height: top + rows * (cell + labelHeight + gap),
  };
}

/**
 * A sheet of codes as one SVG document: a grid, each code a nested <svg> (with its URI in a <title>) and its
 * human-readable line in a <text> under it.
 */
export function sheetSvg(codes: SheetCode[], options: SheetOptions = {}): string {
  const l = layout(codes.length, options);
  const parts = [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" width="${l.width}" height="${l.height}" viewBox="0 0 ${l.width} ${l.height}">`,
    `<rect width="${l.width}" height="${l.height}" fill="#fff"/>`,
  ];
  if (options.title !== undefined) {
    parts.push(
      `<text x="${l.gap}" y="${l.gap + 18}" font-family="sans-serif" font-size="16">${escapeXml(options.title)}</text>`,
    );
  }
  codes.forEach((code, i) => {
    const x = l.gap + (i % l.columns) * (l.cell + l.gap);
    const y = l.top + Math.floor(i / l.columns) * (l.cell + l.labelHeight + l.gap);
    const { side, d } = qrPath(code.uri, options);
    parts.push(
      `<g class="code">`,
      `<svg x="${x}" y="${y}" width="${l.cell}" height="${l.cell}" viewBox="0 0 ${side} ${side}" shape-rendering="crispEdges">` +
        `<title>${escapeXml(code.uri)}</title><path fill="#000" d="${d}"/></svg>`,
      `<text x="${x + l.cell / 2}" y="${y + l.cell + 16}" text-anchor="middle" font-family="monospace" font-size="9">` +
        `${escapeXml(code.label)}</text>`,
      `</g>`,
    );
  });
  parts.push(`</svg>`, "");
  return parts.join("\n");
}

/** A sheet of codes as a printable HTML page: a CSS grid of figures, each an inline SVG code and its caption. */
export function sheetHtml(codes: SheetCode[], options: SheetOptions = {}): string {
  const l = layout(codes.length, options);
  const title = escapeXml(options.title ?? "MedAlliance codes");
  const figures = codes.map((code) => {
    const { side, d } = qrPath(code.uri, options);
    return (
      `<figure><svg xmlns="http://www.w3.org/2000/svg" width="${l.cell}" height="${l.cell}" viewBox="0 0 ${side} ${side}" ` +
      `shape-rendering="crispEdges" role="img" aria-label="${escapeXml(code.uri)}"><title>${escapeXml(code.uri)}</title>` +
      `<path fill="#000" d="${d}"/></svg><figcaption>${escapeXml(code.label)}</figcaption></figure>`
    );
  });
  return [
    "<!DOCTYPE html>",
    `<html lang="en"><head><meta charset="utf-8"><title>${title}</title>`,
    "<style>",
    `body{font-family:sans-serif;margin:12mm}` +
      `.sheet{display:grid;grid-template-columns:repeat(${l.columns},${l.cell}px);gap:${l.gap}px}` +
      `figure{margin:0;text-align:center;break-inside:avoid}` +
      `figcaption{font-family:monospace;font-size:9px;margin-top:4px}`,
    "</style></head><body>",
    `<h1>${title}</h1>`,
    `<div class="sheet">`,
    ...figures,
    "</div></body></html>",
    "",
  ].join("\n");
}
