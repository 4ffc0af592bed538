// Renders DuckDB results in ClickHouse's output formats (spec §3.5): the values, the `meta` type names and the
// layout that Tinybird's clients parse.
import type { QueryResult } from '../engine/database.ts';
import { clickhouseType } from '../sql/types.ts';
import { BadRequestError } from '../errors.ts';

export type OutputFormat = 'JSON' | 'JSONEachRow' | 'CSV' | 'CSVWithNames' | 'TSV' | 'TSVWithNames' | 'JSONStrings' | 'PrettyCompact' | 'Parquet' | 'Prometheus';

export const CONTENT_TYPES: Record<OutputFormat, string> = {
  JSON: 'application/json; charset=UTF-8',
  JSONStrings: 'application/json; charset=UTF-8',
  JSONEachRow: 'application/x-ndjson; charset=UTF-8',
  CSV: 'text/csv; charset=UTF-8',
  CSVWithNames: 'text/csv; charset=UTF-8',
  TSV: 'text/tab-separated-values; charset=UTF-8',
  TSVWithNames: 'text/tab-separated-values; charset=UTF-8',
  PrettyCompact: 'text/plain; charset=UTF-8',
  Parquet: 'application/octet-stream',
  Prometheus: 'text/plain; charset=UTF-8',
};

export interface FormatOptions {
  /** `output_format_json_quote_64bit_integers=1`: 64-bit and wider integers as JSON strings. */
  readonly quote64bitIntegers?: boolean;
  /** `output_format_json_quote_denormals=1`: NaN/Inf as "nan"/"inf" instead of null. */
  readonly quoteDenormals?: boolean;
  /** Overrides of the ClickHouse type per column where not null (e.g. `DateTime('Europe/Madrid')`). */
  readonly types?: readonly (string | null)[] | null;
}

export interface Statistics {
  readonly elapsed: number;
  readonly rows_read: number;
  readonly bytes_read: number;
}

const pad = (n: number | bigint, w = 2) => String(n).padStart(w, '0');

function formatEpoch(ms: number, fraction: string): string {
  const d = new Date(ms);
  const date = `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  return `${date} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}${fraction}`;
}

/** Splits an epoch value in `unit` (per second) into whole milliseconds and the fractional digits ClickHouse prints. */
function timestamp(value: bigint, perSecond: bigint, digits: number): string {
  let secs = value / perSecond;
  let frac = value % perSecond;
  if (frac < 0n) {
    frac += perSecond;
    secs -= 1n;
  }
  return formatEpoch(Number(secs) * 1000, digits ? '.' + pad(frac, digits) : '');
}

/** A value as ClickHouse text (the form used inside CSV/TSV and for DateTime in JSON). */
function toText(v: unknown, type: string): string {
  if (v === null || v === undefined) return '\\N';
  return String(toPlain(v, type, true));
}

interface Obj {
  seconds?: bigint;
  millis?: bigint;
  micros?: bigint;
  nanos?: bigint;
  days?: number;
  items?: unknown[];
  entries?: unknown;
  toString(): string;
}

/**
 * Converts a DuckDB JS value into a plain value: strings for dates, numbers/bigints for numbers, arrays, objects.
 * `text` = rendering inside text formats (arrays as ClickHouse literals).
 */
function toPlain(v: unknown, type: string, text = false): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v !== 'object') return v;
  const o = v as Obj;
  const t = type.toUpperCase();
  if (t === 'TIMESTAMP_S') return timestamp(o.seconds!, 1n, 0);
  if (t === 'TIMESTAMP_MS') return timestamp(o.millis!, 1000n, 3);
  // DateTime (sql/types.ts): whole seconds, a fraction that got in anyway is dropped as ClickHouse would.
  if (t === 'TIMESTAMP' || t === 'TIMESTAMP WITH TIME ZONE') return timestamp(o.micros!, 1_000_000n, 0);
  if (t === 'TIMESTAMP_NS') return timestamp(o.nanos!, 1_000_000_000n, 9);
  if (t === 'DATE') return formatEpoch(o.days! * 86_400_000, '').slice(0, 10);
  if (t.startsWith('DECIMAL')) return Number(o.toString());
  if (t.endsWith('[]')) {
    const inner = type.slice(0, -2);
    const items = (o.items ?? []).map((x) => toPlain(x, inner, text));
    return text ? `[${items.map((x) => textLiteral(x)).join(',')}]` : items;
  }
  if (t.startsWith('MAP(')) {
    const out: Record<string, unknown> = {};
    for (const e of (o.entries as { key: unknown; value: unknown }[]) ?? []) out[String(e.key)] = toPlain(e.value, 'VARCHAR');
    return text ? JSON.stringify(out) : out;
  }
  if (t.startsWith('STRUCT(')) {
    const values = Object.values((o.entries as Record<string, unknown>) ?? {});
    return text ? `(${values.map((x) => textLiteral(x)).join(',')})` : values;
  }
  return o.toString();
}

function textLiteral(x: unknown): string {
  if (x === null) return 'NULL';
  if (typeof x === 'string') return `'${x.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
  return String(x);
}

/** Serialises a plain value as JSON, keeping bigints exact (numbers unless quoted by the setting). */
function jsonValue(v: unknown, opts: FormatOptions): string {
  if (v === null || v === undefined) return 'null';
  switch (typeof v) {
    case 'bigint':
      return opts.quote64bitIntegers ? `"${v}"` : v.toString();
    case 'number':
      if (Number.isFinite(v)) return String(v);
      if (!opts.quoteDenormals) return 'null';
      return Number.isNaN(v) ? '"nan"' : v > 0 ? '"inf"' : '"-inf"';
    case 'boolean':
      return v ? 'true' : 'false';
    case 'string':
      return JSON.stringify(v);
    case 'object':
      if (Array.isArray(v)) return `[${v.map((x) => jsonValue(x, opts)).join(',')}]`;
      return `{${Object.entries(v as Record<string, unknown>)
        .map(([k, x]) => `${JSON.stringify(k)}:${jsonValue(x, opts)}`)
        .join(',')}}`;
    default:
      return JSON.stringify(String(v));
  }
}

export function metaTypes(result: QueryResult, opts: FormatOptions = {}): string[] {
  return result.columns.map((c, i) => opts.types?.[i] ?? clickhouseType(c.type));
}

/**
 * ClickHouse renders Int32 and smaller as numbers always, 64-bit and wider per the quote setting; DuckDB gives
 * bigint for BIGINT/UBIGINT/HUGEINT/UHUGEINT only, so the value's JS type already tells which rule applies.
 */
export function formatJson(
  result: QueryResult,
  stats: Statistics,
  opts: FormatOptions & { rowsBeforeLimit?: number; totals?: QueryResult | null } = {},
): string {
  const types = metaTypes(result, opts);
  const meta = result.columns.map((c, i) => `\t\t{\n\t\t\t"name": ${JSON.stringify(c.name)},\n\t\t\t"type": ${JSON.stringify(types[i])}\n\t\t}`);
  const names = result.columns.map((c) => JSON.stringify(c.name));
  const data = result.rows.map(
    (row) => `\t\t{\n${row.map((v, i) => `\t\t\t${names[i]}: ${jsonValue(toPlain(v, result.columns[i]!.type), opts)}`).join(',\n')}\n\t\t}`,
  );
  const parts = [`\t"meta":\n\t[\n${meta.join(',\n')}\n\t]`, `\t"data":\n\t[\n${data.join(',\n')}\n\t]`];
  // GROUP BY … WITH TOTALS: ClickHouse's totals row, between data and rows.
  const totals = opts.totals?.rows[0];
  if (totals) {
    const cols = opts.totals!.columns;
    parts.push(`\t"totals":\n\t{\n${totals.map((v, i) => `\t\t${names[i]}: ${jsonValue(toPlain(v, cols[i]!.type), opts)}`).join(',\n')}\n\t}`);
  }
  parts.push(`\t"rows": ${result.rows.length}`);
  if (opts.rowsBeforeLimit !== undefined) parts.push(`\t"rows_before_limit_at_least": ${opts.rowsBeforeLimit}`);
  parts.push(`\t"statistics":\n\t{\n\t\t"elapsed": ${stats.elapsed},\n\t\t"rows_read": ${stats.rows_read},\n\t\t"bytes_read": ${stats.bytes_read}\n\t}`);
  return `{\n${parts.join(',\n\n')}\n}\n`;
}

export function formatJsonEachRow(result: QueryResult, opts: FormatOptions = {}): string {
  const names = result.columns.map((c) => JSON.stringify(c.name));
  return result.rows
    .map((row) => `{${row.map((v, i) => `${names[i]}:${jsonValue(toPlain(v, result.columns[i]!.type), opts)}`).join(',')}}\n`)
    .join('');
}

function csvField(v: unknown, type: string): string {
  if (v === null || v === undefined) return '\\N';
  const plain = toPlain(v, type, true);
  if (typeof plain === 'string') return `"${plain.replaceAll('"', '""')}"`;
  if (typeof plain === 'number' && !Number.isFinite(plain)) return Number.isNaN(plain) ? 'nan' : plain > 0 ? 'inf' : '-inf';
  if (typeof plain === 'boolean') return plain ? 'true' : 'false';
  return String(plain);
}

export function formatCsv(result: QueryResult, withNames: boolean): string {
  const lines = result.rows.map((row) => row.map((v, i) => csvField(v, result.columns[i]!.type)).join(',') + '\n');
  if (withNames) lines.unshift(result.columns.map((c) => `"${c.name.replaceAll('"', '""')}"`).join(',') + '\n');
  return lines.join('');
}

function tsvField(v: unknown, type: string): string {
  return toText(v, type).replaceAll('\\', '\\\\').replaceAll('\t', '\\t').replaceAll('\n', '\\n').replace(/^\\\\N$/, '\\N');
}

export function formatTsv(result: QueryResult, withNames: boolean): string {
  const lines = result.rows.map((row) => row.map((v, i) => (v === null ? '\\N' : tsvField(v, result.columns[i]!.type))).join('\t') + '\n');
  if (withNames) lines.unshift(result.columns.map((c) => c.name).join('\t') + '\n');
  return lines.join('');
}

/** JSONStrings: like JSON but every value as a string (ClickHouse's text rendering). */
export function formatJsonStrings(result: QueryResult, stats: Statistics): string {
  const asStrings: QueryResult = {
    columns: result.columns,
    rows: result.rows.map((row) => row.map((v, i) => (v === null ? null : toText(v, result.columns[i]!.type)))),
  };
  const types = metaTypes(result);
  return formatJson({ columns: result.columns.map((c) => ({ name: c.name, type: 'VARCHAR' })), rows: asStrings.rows }, stats, { types });
}

export function formatPrettyCompact(result: QueryResult): string {
  const header = result.columns.map((c) => c.name);
  const body = result.rows.map((row) => row.map((v, i) => (v === null ? 'ᴺᵁᴸᴸ' : toText(v, result.columns[i]!.type))));
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const top = `┌${header.map((h, i) => `─${h.padEnd(widths[i]!, '─')}─`).join('┬')}┐\n`;
  const rows = body.map((r) => `│${r.map((c, i) => ` ${c.padEnd(widths[i]!)} `).join('│')}│\n`).join('');
  const bottom = `└${widths.map((w) => '─'.repeat(w + 2)).join('┴')}┘\n`;
  return top + rows + bottom;
}

/**
 * ClickHouse's Prometheus text exposition format (spec §3.1): columns `name` (String) and `value` (number) are
 * required; `help`, `type`, `labels` (Map(String, String)) and `timestamp` are optional. Rows of one metric are
 * grouped under one `# HELP`/`# TYPE` header and groups are separated by a blank line.
 */
export function formatPrometheus(result: QueryResult): string {
  const col = (name: string) => result.columns.findIndex((c) => c.name === name);
  const [iName, iValue, iHelp, iType, iLabels, iTs] = ['name', 'value', 'help', 'type', 'labels', 'timestamp'].map(col) as [number, number, number, number, number, number];
  for (const [i, n] of [[iName, 'name'], [iValue, 'value']] as const) {
    if (i < 0) throw new BadRequestError(`Column '${n}' is required for output format 'Prometheus'`);
  }
  const value = (v: unknown): string => {
    const p = toPlain(v, result.columns[iValue]!.type);
    if (typeof p === 'number') {
      if (Number.isNaN(p)) return 'NaN';
      if (!Number.isFinite(p)) return p > 0 ? '+Inf' : '-Inf';
    }
    if (typeof p === 'boolean') return p ? '1' : '0';
    return String(p);
  };
  const escapeLabel = (s: string) => s.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n');
  const escapeHelp = (s: string) => s.replaceAll('\\', '\\\\').replaceAll('\n', '\\n');
  const groups: string[] = [];
  let current: string | null = null;
  let lines: string[] = [];
  for (const row of result.rows) {
    const name = String(toPlain(row[iName], result.columns[iName]!.type));
    if (name !== current) {
      if (current !== null) groups.push(lines.join(''));
      current = name;
      lines = [];
      const help = iHelp >= 0 ? row[iHelp] : null;
      const type = iType >= 0 ? row[iType] : null;
      if (help !== null && help !== undefined && String(help) !== '') lines.push(`# HELP ${name} ${escapeHelp(String(help))}\n`);
      if (type !== null && type !== undefined && String(type) !== '') lines.push(`# TYPE ${name} ${String(type)}\n`);
    }
    let labels = '';
    if (iLabels >= 0 && row[iLabels] !== null) {
      const map = toPlain(row[iLabels], result.columns[iLabels]!.type) as Record<string, unknown>;
      const entries = Object.entries(map ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      if (entries.length) labels = `{${entries.map(([k, v]) => `${k}="${escapeLabel(String(v))}"`).join(',')}}`;
    }
    const ts = iTs >= 0 && row[iTs] !== null && row[iTs] !== undefined ? ` ${String(toPlain(row[iTs], result.columns[iTs]!.type))}` : '';
    lines.push(`${name}${labels} ${value(row[iValue])}${ts}\n`);
  }
  if (current !== null) groups.push(lines.join(''));
  return groups.join('\n');
}
