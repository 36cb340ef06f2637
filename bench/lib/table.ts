/** Plain-text tables for the terminal; the same objects go into the JSON results. */

export type Cell = string | number | null | undefined;

export interface Table {
  title: string;
  columns: string[];
  rows: Cell[][];
  /** Printed under the table: units, how to read it, caveats. */
  notes?: string[];
}

/** Fixed, readable number formatting: 3 significant digits below 100, integers above. */
export function fmt(value: number | null | undefined, digits = 3): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '-';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  const abs = Math.abs(value);
  if (abs >= 100 || Number.isInteger(value)) return Math.round(value).toLocaleString('en-US');
  return Number(value.toPrecision(digits)).toString();
}

/** A signed difference, e.g. `+0.412`. */
export function fmtDelta(value: number | null | undefined, digits = 3): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '-';
  return (value >= 0 ? '+' : '') + fmt(value, digits);
}

const cellText = (cell: Cell) => (cell === null || cell === undefined ? '-' : typeof cell === 'number' ? fmt(cell) : cell);
const numeric = (cell: Cell) => typeof cell === 'number' || (typeof cell === 'string' && /^[+-]?[\d,.]+(?:[a-z%x]*)$/i.test(cell));

export function renderTable(table: Table): string {
  const head = table.columns;
  const body = table.rows.map((row) => head.map((_, i) => cellText(row[i])));
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: string[], raw?: Cell[]) =>
    cells.map((c, i) => (raw && numeric(raw[i]) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  const out = [table.title, line(head), widths.map((w) => '-'.repeat(w)).join('  ')];
  for (const [i, row] of body.entries()) out.push(line(row, table.rows[i]));
  for (const note of table.notes ?? []) out.push(`  ${note}`);
  return out.join('\n');
}
