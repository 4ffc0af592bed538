// The manifest says which Parquet parts are live. It is the only thing that makes a part live: a part file is
// written and fsynced first, then the manifest is replaced atomically, so after a crash any part file not in it
// is an orphan from an interrupted flush or merge and gets deleted at start.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './durable-fs.ts';

export const MANIFEST_FILE = '_manifest.json';

export interface PartInfo {
  /** Path relative to the data dir, `<table>/partition=<value>/part-<id>.parquet`. */
  readonly file: string;
  /** Partition value as text (`202401`), or `all` when the table has no partition key. */
  readonly partition: string;
  readonly rows: number;
  readonly bytes: number;
}

export interface TableState {
  readonly parts: readonly PartInfo[];
  /** WAL records with seq <= this were truncated away and must not be replayed into this table. */
  readonly truncatedSeq: number;
}

export interface Manifest {
  readonly version: 1;
  /** Every WAL record with seq <= walSeq is in the parts below (or was truncated). */
  readonly walSeq: number;
  readonly nextPartId: number;
  /** Keyed by table name: a data source or `<ds>_quarantine`. */
  readonly tables: Readonly<Record<string, TableState>>;
  /**
   * Materialized views by pipe name: the WAL seq they were populated at. WAL records after it replay through the
   * view; rows up to it reached the target when the view was populated.
   */
  readonly views?: Readonly<Record<string, number>>;
}

export const EMPTY_MANIFEST: Manifest = { version: 1, walSeq: 0, nextPartId: 1, tables: {} };

export async function loadManifest(dataDir: string): Promise<Manifest> {
  let text: string;
  try {
    text = await readFile(join(dataDir, MANIFEST_FILE), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return EMPTY_MANIFEST;
    throw e;
  }
  const m = JSON.parse(text) as Manifest;
  if (m.version !== 1) throw new Error(`${MANIFEST_FILE}: unsupported version ${String(m.version)}`);
  return m;
}

export async function saveManifest(dataDir: string, m: Manifest): Promise<void> {
  await writeFileAtomic(join(dataDir, MANIFEST_FILE), `${JSON.stringify(m, null, 1)}\n`);
}

export function tableState(m: Manifest, table: string): TableState {
  return m.tables[table] ?? { parts: [], truncatedSeq: 0 };
}

export function withTable(m: Manifest, table: string, state: TableState): Manifest {
  return { ...m, tables: { ...m.tables, [table]: state } };
}
