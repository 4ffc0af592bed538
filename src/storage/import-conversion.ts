// Data Sources API imports (spec §5.1) as DuckDB SELECTs with the shape of the NDJSON row conversion (the columns,
// `__error_column`, `__error`, `__raw_<col>`), so accepted and quarantined rows are stored the same way.
//
// Parquet rows are turned into JSON lines and go through the NDJSON conversion itself: Tinybird applies the
// schema's jsonpaths to Parquet too (spec §5.1 "Setting jsonpaths requires format=ndjson or format=parquet").
// CSV fields are text cast to the column types, with the CSV importer's error wording (spec §2.4 D-quar sample:
// `value '' on column 'abslevel' is not Float32`), columns matched by position, or by name when the first row is
// a header.
import type { ColumnDef } from '../datafiles/types.ts';
import { duckdbType, unwrapType } from '../sql/types.ts';
import { buildNdjsonConversion } from './row-conversion.ts';
import { quoteIdent, quoteLiteral } from './table-layout.ts';

export interface CsvDialect {
  /** One character; default `,`. */
  readonly delimiter: string;
  /** One character used to escape the quote inside quoted fields; default `"` (doubling). */
  readonly escapeChar: string;
  /** `\n` or `\r\n` (DuckDB reads both either way; kept to reject anything else). */
  readonly newLine: string | null;
}

export const DEFAULT_DIALECT: CsvDialect = { delimiter: ',', escapeChar: '"', newLine: null };

export type ImportInput =
  | { readonly format: 'ndjson'; readonly body: string }
  | { readonly format: 'parquet'; readonly file: string }
  | { readonly format: 'csv'; readonly file: string; readonly dialect: CsvDialect; readonly header: readonly string[] | null; readonly fields: number };

/** The NDJSON conversion over the rows of a Parquet file, each as one JSON object. */
export function parquetConversion(columns: readonly ColumnDef[], file: string, translateExpr: (e: string) => string): string {
  const source = `(SELECT CAST(to_json(__t) AS VARCHAR) AS __line, CAST(row_number() OVER () AS BIGINT) AS __n FROM read_parquet(${quoteLiteral(file)}) AS __t)`;
  return buildNdjsonConversion(columns, source, { translateExpr });
}

/** Splits one CSV record (no newlines inside) into fields, honouring quotes. */
export function splitCsvRecord(line: string, dialect: CsvDialect): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === dialect.escapeChar && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === dialect.delimiter) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur.replace(/\r$/, ''));
  return out;
}

/**
 * The first record is a header when every one of its fields names a column of the data source (Tinybird guesses
 * headers by comparing them with the schema); then the fields are mapped by name, else by position.
 */
export function detectCsvHeader(firstRecord: string, dialect: CsvDialect, columns: readonly ColumnDef[]): string[] | null {
  const fields = splitCsvRecord(firstRecord.replace(/^\uFEFF/, ''), dialect).map((f) => f.trim());
  const names = new Set(columns.map((c) => c.name));
  return fields.length > 0 && fields.every((f) => names.has(f)) ? fields : null;
}

const INTEGER = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT)$/;
const TIMESTAMP = /^TIMESTAMP(_S|_MS|_NS)?$/;

/** DuckDB expression converting CSV text `raw` (never NULL here) to the column type, NULL when it does not fit. */
function castText(raw: string, duck: string): string {
  if (INTEGER.test(duck)) return `CASE WHEN regexp_full_match(trim(${raw}), '[-+]?[0-9]+') THEN TRY_CAST(trim(${raw}) AS ${duck}) END`;
  if (TIMESTAMP.test(duck)) {
    // ClickHouse reads DateTime fields best effort: `YYYY-MM-DD hh:mm:ss`, ISO 8601 with T/Z/offsets, unix seconds.
    const t = `trim(${raw})`;
    const value =
      `CASE WHEN regexp_full_match(${t}, '[0-9]{1,10}') THEN timezone('UTC', to_timestamp(CAST(${t} AS BIGINT))) ` +
      `ELSE timezone('UTC', TRY_CAST(${t} AS TIMESTAMPTZ)) END`;
    // DateTime (DuckDB TIMESTAMP) holds whole seconds: ClickHouse drops the fraction.
    return duck === 'TIMESTAMP' ? `CAST(date_trunc('second', ${value}) AS ${duck})` : `CAST(${value} AS ${duck})`;
  }
  if (duck === 'BOOLEAN') return `CASE lower(trim(${raw})) WHEN 'true' THEN true WHEN '1' THEN true WHEN 'false' THEN false WHEN '0' THEN false END`;
  if (duck === 'VARCHAR') return raw;
  return `TRY_CAST(${raw} AS ${duck})`;
}

/**
 * SELECT over `read_csv` of `file` (all fields as text): `fields` columns in the file, `header` = the header
 * record's names (the file's first record is then skipped) or null for positional mapping.
 */
export function csvConversion(
  columns: readonly ColumnDef[],
  file: string,
  dialect: CsvDialect,
  header: readonly string[] | null,
  fields: number,
  translateExpr: (e: string) => string,
): string {
  const width = Math.max(fields, header?.length ?? 0, header ? 0 : columns.length, 1);
  const fileCols = Array.from({ length: width }, (_, i) => `'c${i}': 'VARCHAR'`).join(', ');
  const read =
    `read_csv(${quoteLiteral(file)}, header = ${header ? 'true' : 'false'}, auto_detect = false, delim = ${quoteLiteral(dialect.delimiter)}, ` +
    `quote = '"', escape = ${quoteLiteral(dialect.escapeChar)}, columns = {${fileCols}}, null_padding = true, allow_quoted_nulls = false, strict_mode = false)`;
  const values: string[] = [];
  const errors: string[] = [];
  const raws: string[] = [];
  columns.forEach((c, i) => {
    const at = header ? header.indexOf(c.name) : i;
    const raw = at >= 0 && at < width ? `c${at}` : 'CAST(NULL AS VARCHAR)';
    const duck = duckdbType(c.type);
    const ch = unwrapType(c.type);
    const missing = `(${raw} IS NULL OR ${raw} = '\\N')`;
    const cast = castText(raw, duck);
    const whenMissing = c.nullable
      ? 'NULL'
      : c.defaultExpr !== null
        ? `CAST((${translateExpr(c.defaultExpr)}) AS ${duck})`
        : duck === 'VARCHAR'
          ? "''"
          : 'NULL';
    values.push(`CASE WHEN ${missing} THEN ${whenMissing} ELSE ${cast} END AS ${quoteIdent(c.name)}`);
    const bad = c.nullable || c.defaultExpr !== null || duck === 'VARCHAR' ? `NOT ${missing} AND (${cast}) IS NULL` : `${missing} OR (${cast}) IS NULL`;
    const shown = `CASE WHEN ${missing} THEN '' ELSE ${raw} END`;
    errors.push(`CASE WHEN ${bad} THEN ${quoteLiteral(c.name)} END`);
    errors.push(`CASE WHEN ${bad} THEN 'value ''' || ${shown} || ${quoteLiteral(`' on column '${c.name}' is not ${ch}`)} END`);
    raws.push(`${raw} AS ${quoteIdent(`__raw_${c.name}`)}`);
  });
  const errorColumns = `list_filter([${errors.filter((_, i) => i % 2 === 0).join(', ')}], x -> x IS NOT NULL)`;
  const errorTexts = `list_filter([${errors.filter((_, i) => i % 2 === 1).join(', ')}], x -> x IS NOT NULL)`;
  return `SELECT ${values.join(', ')}, ${errorColumns} AS __error_column, ${errorTexts} AS __error, ${raws.join(', ')} FROM ${read}`;
}
