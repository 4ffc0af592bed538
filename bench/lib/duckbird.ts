// Starts duckbird exactly as a user would: `node bin/duckbird.js start ...` as a child process.
import type { ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO_DIR, startChild, stopChild, procMemKb } from './child.ts';

export const ADMIN_TOKEN = 'p.bench';

export interface DuckbirdProcess {
  readonly proc: ChildProcess;
  readonly pid: number;
  readonly url: string;
  /** performance.now() when the process was spawned. */
  readonly spawnedAt: number;
  /** performance.now() when it printed its ready line. */
  readonly readyAt: number;
  output(): string;
  peakRssKb(): number;
  rssKb(): number;
  stop(): Promise<void>;
}

/** `fixtures` (default false): load the project's fixtures at start, as a plain `duckbird start` does. */
export async function startDuckbird(project: string, dataDir: string, profileDir?: string, opts: { fixtures?: boolean } = {}): Promise<DuckbirdProcess> {
  const prof = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const c = await startChild(
    [process.execPath, ...prof, join(REPO_DIR, 'bin/duckbird.js'), 'start', '--project', project, '--data', dataDir, '--port', '0', `--fixtures=${opts.fixtures ? 1 : 0}`],
    /duckbird ready at (\S+)/,
    { TB_ADMIN_TOKEN: ADMIN_TOKEN },
  );
  const pid = c.proc.pid!;
  return {
    proc: c.proc,
    pid,
    url: c.match[1]!,
    spawnedAt: c.started,
    readyAt: performance.now(),
    output: c.output,
    peakRssKb: () => procMemKb(pid, 'VmHWM'),
    rssKb: () => procMemKb(pid, 'VmRSS'),
    stop: () => stopChild(c.proc),
  };
}

export interface ManifestPart {
  readonly file: string;
  readonly partition: string;
  readonly rows: number;
  readonly bytes: number;
}

/** The live parts of charging_sessions, from duckbird's `_manifest.json` (empty before the first flush). */
export async function liveParts(dataDir: string): Promise<ManifestPart[]> {
  try {
    const m = JSON.parse(await readFile(join(dataDir, '_manifest.json'), 'utf8')) as { tables: Record<string, { parts: ManifestPart[] }> };
    return m.tables.charging_sessions?.parts ?? [];
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

export function maxPartsPerPartition(parts: readonly ManifestPart[]): number {
  const n = new Map<string, number>();
  for (const p of parts) n.set(p.partition, (n.get(p.partition) ?? 0) + 1);
  return Math.max(0, ...n.values());
}

/** Waits until every expected row is in Parquet and the part list stopped changing (flushes and merges done). */
export async function waitSettled(dataDir: string, expectedRows: number, quietMs = 7000, timeoutMs = 600_000): Promise<ManifestPart[]> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  let since = Date.now();
  for (;;) {
    const parts = await liveParts(dataDir);
    const key = parts.map((p) => p.file).join(',');
    const rows = parts.reduce((a, p) => a + p.rows, 0);
    if (key !== last) {
      last = key;
      since = Date.now();
    }
    if (rows >= expectedRows && Date.now() - since >= quietMs) return parts;
    if (Date.now() > deadline) throw new Error(`duckbird did not settle: ${rows}/${expectedRows} rows in Parquet`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
