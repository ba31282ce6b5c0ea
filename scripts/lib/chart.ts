/**
 * A headline chart as a self-contained SVG document, written by hand (no dependency): panels of horizontal bars, each
 * bar labelled with its figure, for people who would rather look than read. Every bar carries `data-label` and
 * `data-value` attributes and a `<title>` tooltip, so tools (and tests) can read the figures back.
 */

/** How a bar is drawn: the figure itself, a reference it is compared with (a threshold, last year), or an alarm. */
export type Tone = "figure" | "reference" | "alert";

export interface Bar {
  label: string;
  value: number;
  /** The figure as printed beside the bar (default: the value with thousands separators). */
  text?: string;
  tone?: Tone;
}

export interface BarGroup {
  label: string;
  bars: Bar[];
}

export interface Panel {
  title: string;
  /** One line under the title: what the bars mean. */
  note?: string;
  groups: BarGroup[];
  /** Printed when the panel has no group. */
  empty?: string;
}

export interface Chart {
  title: string;
  subtitle?: string;
  panels: Panel[];
}

const WIDTH = 960;
const LABEL_X = 24;
const BAR_X = 300;
const BAR_MAX = 520;
const BAR_HEIGHT = 16;
const COLOURS: Record<Tone, string> = { figure: "#2b6cb0", reference: "#a0aec0", alert: "#c53030" };

/** Text made safe for XML content and attribute values. */
export function escapeXml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

const figure = (value: number) => value.toLocaleString("en-US", { maximumFractionDigits: 1 });

/** The chart as an SVG document (UTF-8 text, starting with the XML declaration). */
export function renderChart(chart: Chart): string {
  const body: string[] = [];
  let y = 40;
  body.push(`<text class="title" x="${LABEL_X}" y="${y}">${escapeXml(chart.title)}</text>`);
  if (chart.subtitle !== undefined) {
    y += 22;
    body.push(`<text class="note" x="${LABEL_X}" y="${y}">${escapeXml(chart.subtitle)}</text>`);
  }
  for (const panel of chart.panels) {
    y += 44;
    body.push(`<g class="panel" data-title="${escapeXml(panel.title)}">`);
    body.push(`<text class="heading" x="${LABEL_X}" y="${y}">${escapeXml(panel.title)}</text>`);
    if (panel.note !== undefined) {
      y += 18;
      body.push(`<text class="note" x="${LABEL_X}" y="${y}">${escapeXml(panel.note)}</text>`);
    }
    if (panel.groups.length === 0) {
      y += 22;
      body.push(`<text class="note" x="${LABEL_X}" y="${y}">${escapeXml(panel.empty ?? "Nothing to show.")}</text>`);
    }
    const max = Math.max(0, ...panel.groups.flatMap((g) => g.bars.map((b) => b.value)));
    for (const group of panel.groups) {
      y += 10;
      group.bars.forEach((bar, i) => {
        y += BAR_HEIGHT + 4;
        const width = max > 0 ? Math.max(bar.value > 0 ? 1 : 0, Math.round((bar.value / max) * BAR_MAX)) : 0;
        const top = y - BAR_HEIGHT + 3;
        const text = escapeXml(bar.text ?? figure(bar.value));
        if (i === 0) body.push(`<text class="label" x="${LABEL_X}" y="${y}">${escapeXml(group.label)}</text>`);
        body.push(
          `<text class="series" x="${BAR_X - 8}" y="${y}" text-anchor="end">${escapeXml(bar.label)}</text>`,
          `<rect class="bar ${bar.tone ?? "figure"}" x="${BAR_X}" y="${top}" width="${width}" height="${BAR_HEIGHT}" ` +
            `fill="${COLOURS[bar.tone ?? "figure"]}" data-label="${escapeXml(`${group.label} — ${bar.label}`)}" ` +
            `data-value="${bar.value}"><title>${escapeXml(`${group.label} — ${bar.label}: ${bar.text ?? figure(bar.value)}`)}</title></rect>`,
          `<text class="value" x="${BAR_X + width + 6}" y="${y}">${text}</text>`,
        );
      });
    }
    body.push("</g>");
  }
  const height = y + 32;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" ` +
      `role="img" aria-label="${escapeXml(chart.title)}">`,
    "<style>text{font-family:Helvetica,Arial,sans-serif;font-size:13px;fill:#1a202c}" +
      ".title{font-size:20px;font-weight:bold}.heading{font-size:15px;font-weight:bold}.note{fill:#4a5568}" +
      ".series{fill:#4a5568;font-size:12px}.value{font-size:12px}</style>",
    `<rect x="0" y="0" width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    ...body,
    "</svg>",
    "",
  ].join("\n");
}
