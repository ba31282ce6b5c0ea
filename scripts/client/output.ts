/** How the CLI prints: aligned tables and plain sentences for people, stable JSON for scripts. */

export type Cell = string | number | bigint | boolean | undefined;

/** Rows as an aligned text table: a header of the keys of the first row, then one line per row. */
export function formatTable(rows: Record<string, Cell>[]): string {
  if (rows.length === 0) return "";
  const columns = Object.keys(rows[0]);
  const text = (cell: Cell) =>
    cell === undefined ? "—" : typeof cell === "bigint" ? cell.toLocaleString("en-US") : String(cell);
  const cells = rows.map((row) => columns.map((column) => text(row[column])));
  const widths = columns.map((column, i) => Math.max(column.length, ...cells.map((row) => row[i].length)));
  const numeric = columns.map((_, i) =>
    rows.every((row) => typeof row[columns[i]] === "number" || typeof row[columns[i]] === "bigint"),
  );
  const line = (values: string[]) =>
    values
      .map((value, i) => (numeric[i] ? value.padStart(widths[i]) : value.padEnd(widths[i])))
      .join("  ")
      .trimEnd();
  return [line(columns), line(widths.map((w) => "-".repeat(w))), ...cells.map(line)].join("\n");
}

/** Prints rows as an aligned table, or `empty` when there are none. */
export function printTable(rows: Record<string, Cell>[], empty = "Nothing to show."): void {
  console.log(rows.length === 0 ? empty : formatTable(rows));
}

/** JSON with big numbers as decimal strings, two-space indented: what `--json` prints. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2);
}

export function printJson(value: unknown): void {
  console.log(toJson(value));
}
