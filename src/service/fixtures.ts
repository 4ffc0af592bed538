// Sample rows from `fixtures/<ds>.ndjson|csv` go in through the same ingest path as events (spec §9.5), only into
// data sources that are still empty, so a restart never loads them twice.
import { readFile } from 'node:fs/promises';
import type { ColumnDef, DatasourceFile, Project } from '../datafiles/types.ts';
import { BadRequestError } from '../errors.ts';
import type { Duckbird } from './duckbird.ts';

export interface FixtureLoad {
  readonly datasource: string;
  readonly file: string;
  readonly rows: number;
  readonly quarantined: number;
}

export async function loadFixtures(app: Duckbird, project: Project = app.project): Promise<FixtureLoad[]> {
  const loaded: FixtureLoad[] = [];
  for (const f of project.fixtures) {
    const ds = project.datasources.find((d) => d.name === f.datasource);
    if (!ds || !app.storage.has(f.datasource) || app.storage.stats(f.datasource).rows > 0) continue;
    const text = await readFile(f.path, 'utf8');
    const ndjson = f.format === 'csv' ? csvToNdjson(text, ds, f.path) : text;
    const r = await app.ingest(f.datasource, ndjson, true);
    loaded.push({ datasource: f.datasource, file: f.path, rows: r.successfulRows, quarantined: r.quarantinedRows });
  }
  return loaded;
}

/**
 * Empties every data source and quarantine table, then loads the fixtures again: the state right after a start
 * on a new data dir. For test suites (`reset()` of the embedding API, `POST /v0/_duckbird/reset`).
 */
export async function resetData(app: Duckbird, opts: { fixtures?: boolean } = {}): Promise<FixtureLoad[]> {
  for (const ds of app.project.datasources) {
    if (!app.storage.has(ds.name)) continue;
    await app.storage.truncate(ds.name);
    if (app.storage.has(`${ds.name}_quarantine`)) await app.storage.truncate(`${ds.name}_quarantine`);
  }
  return (opts.fixtures ?? app.config.fixtures) ? loadFixtures(app) : [];
}

/** RFC 4180 records: quoted fields may hold commas, doubled quotes and newlines; CRLF or LF line ends. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      field = '';
      if (row.length > 1 || row[0] !== '') rows.push(row);
      row = [];
    } else field += c;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

const baseType = (t: string): string => {
  let inner = t.trim();
  for (;;) {
    const m = /^(?:Nullable|LowCardinality)\((.*)\)$/.exec(inner);
    if (!m) return inner;
    inner = m[1]!.trim();
  }
};

/** A CSV cell as the JSON value the Events API expects for the column's type (strict typing, spec §2.4). */
function cellValue(cell: string, col: ColumnDef): unknown {
  const type = baseType(col.type);
  if (cell === '' && col.nullable) return null;
  if (/^U?Int\d+$/.test(type) || /^Float\d+$/.test(type) || /^Decimal/.test(type)) {
    const n = Number(cell);
    return cell.trim() !== '' && Number.isFinite(n) ? n : cell;
  }
  if (type === 'Bool' || type === 'Boolean') return cell === 'true' || cell === '1' ? true : cell === 'false' || cell === '0' ? false : cell;
  if (/^(Array|Map|Tuple)\(/.test(type)) {
    try {
      return JSON.parse(cell);
    } catch {
      try {
        // ClickHouse writes arrays of strings with single quotes: ['a','b'].
        return JSON.parse(cell.replace(/'((?:[^'\\]|\\.)*)'/g, (_m, s: string) => JSON.stringify(s.replace(/\\'/g, "'"))));
      } catch {
        return cell;
      }
    }
  }
  return cell;
}

/** Where a column's value goes in the event object: its `$.a.b` path, else its name. */
function pathOf(col: ColumnDef): string[] {
  const m = col.jsonpath && /^\$((?:\.[A-Za-z_][A-Za-z0-9_]*)+)$/.exec(col.jsonpath);
  return m ? m[1]!.slice(1).split('.') : [col.name];
}

/**
 * CSV rows → NDJSON events: cells map to the schema's columns by position (as Tinybird's CSV import without a
 * header); a first row equal to the column names is a header and skipped.
 */
export function csvToNdjson(text: string, ds: DatasourceFile, file = `${ds.name}.csv`): string {
  const rows = parseCsv(text);
  const names = ds.columns.map((c) => c.name);
  const header = rows[0];
  const start = header && header.length === names.length && header.every((h, i) => h.trim() === names[i]) ? 1 : 0;
  const lines: string[] = [];
  for (let r = start; r < rows.length; r++) {
    const cells = rows[r]!;
    if (cells.length !== names.length) {
      throw new BadRequestError(`${file}: row ${r + 1}: expected ${names.length} columns (${names.join(', ')}), found ${cells.length}`);
    }
    const event: Record<string, unknown> = {};
    ds.columns.forEach((col, i) => {
      const path = pathOf(col);
      let target = event;
      for (const key of path.slice(0, -1)) target = (target[key] ??= {}) as Record<string, unknown>;
      target[path.at(-1)!] = cellValue(cells[i]!, col);
    });
    lines.push(JSON.stringify(event));
  }
  return lines.join('\n');
}
