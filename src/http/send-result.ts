// Writes a query outcome in the requested output format with the headers Tinybird sends (spec §3.5, §3.6).
import type { Response } from 'express';
import type { Duckbird } from '../service/duckbird.ts';
import {
  CONTENT_TYPES, formatCsv, formatPrometheus, formatJson, formatJsonEachRow, formatJsonStrings, formatPrettyCompact, formatTsv,
  type FormatOptions, type OutputFormat,
} from '../service/format-result.ts';
import { BadRequestError } from '../errors.ts';

export type PipeFormat = OutputFormat;

/** Runs `sql` and writes its rows in `format`. */
/** Formats that show a totals row: JSON as its `totals` member, CSV and TSV after a blank line (ClickHouse's). */
const WITH_TOTALS: ReadonlySet<OutputFormat> = new Set<OutputFormat>(['JSON', 'CSV', 'CSVWithNames', 'TSV', 'TSVWithNames']);

export async function sendQuery(app: Duckbird, res: Response, sql: string, format: OutputFormat, opts: FormatOptions, totalsSql: string | null = null): Promise<void> {
  if (format === 'Parquet') {
    res.setHeader('Content-Type', CONTENT_TYPES.Parquet);
    res.send(await app.exportParquet(sql));
    return;
  }
  const outcome = await app.execute(sql, format === 'JSON');
  const { result, elapsed } = outcome;
  const stats = { elapsed, rows_read: outcome.rowsRead ?? 0, bytes_read: outcome.bytesRead ?? 0 };
  res.setHeader('X-TB-Statistics', JSON.stringify({ elapsed, rows_read: stats.rows_read, bytes_read: stats.bytes_read }));
  res.setHeader('Content-Type', CONTENT_TYPES[format]);
  // GROUP BY … WITH TOTALS: one more row, from its own query (sql/translate-sql.ts translateSqlWithTotals).
  const totals = totalsSql !== null && WITH_TOTALS.has(format) ? (await app.execute(totalsSql)).result : null;
  switch (format) {
    case 'JSON':
      res.send(formatJson(result, stats, { ...opts, rowsBeforeLimit: outcome.rowsBeforeLimit, totals }));
      return;
    case 'JSONStrings':
      res.send(formatJsonStrings(result, stats));
      return;
    case 'JSONEachRow':
      res.send(formatJsonEachRow(result, opts));
      return;
    case 'CSV':
    case 'CSVWithNames':
      res.send(formatCsv(result, format === 'CSVWithNames') + (totals ? `\n${formatCsv(totals, false)}` : ''));
      return;
    case 'TSV':
    case 'TSVWithNames':
      res.send(formatTsv(result, format === 'TSVWithNames') + (totals ? `\n${formatTsv(totals, false)}` : ''));
      return;
    case 'PrettyCompact':
      res.send(formatPrettyCompact(result));
      return;
    case 'Prometheus':
      res.send(formatPrometheus(result));
      return;
    default:
      throw new BadRequestError(`Format ${format} is not supported yet`);
  }
}
