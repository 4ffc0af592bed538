// Summarises a V8 .cpuprofile (duckbird started with --cpu-prof): self time per function on the main thread.
// DuckDB's own work runs on its threads, so it shows here as "(idle)"/"(program)" time of the main thread.
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { REPO_DIR } from './child.ts';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

export interface ProfileSummary {
  readonly totalMs: number;
  readonly top: readonly { readonly fn: string; readonly ms: number; readonly pct: number }[];
  /** Self time grouped by where the code lives: duckbird's src/ folders, node_modules packages, node internals. */
  readonly byArea: readonly { readonly area: string; readonly ms: number; readonly pct: number }[];
}

function area(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native)';
  const path = url.replace(/^file:\/\//, '');
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (nm) return nm[1]!;
  const rel = relative(REPO_DIR, path);
  if (!rel.startsWith('..')) return rel.split('/').slice(0, 2).join('/');
  return url.startsWith('node:') ? 'node internals' : 'other';
}

export async function summariseProfiles(dir: string, top = 15): Promise<ProfileSummary | null> {
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.cpuprofile'));
  if (files.length === 0) return null;
  const self = new Map<string, number>();
  const areas = new Map<string, number>();
  let total = 0;
  for (const f of files) {
    const p = JSON.parse(await readFile(join(dir, f), 'utf8')) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
    const byId = new Map(p.nodes.map((n) => [n.id, n]));
    p.samples.forEach((id, i) => {
      const n = byId.get(id)!;
      const us = p.timeDeltas[i] ?? 0;
      const { functionName, url, lineNumber } = n.callFrame;
      const where = url ? `${relative(REPO_DIR, url.replace(/^file:\/\//, ''))}:${lineNumber + 1}` : '';
      const key = `${functionName || '(anonymous)'}${where ? ` ${where}` : ''}`;
      self.set(key, (self.get(key) ?? 0) + us);
      const a = area(url, functionName);
      areas.set(a, (areas.get(a) ?? 0) + us);
      total += us;
    });
  }
  const toRows = <K extends string>(m: Map<string, number>, k: K) =>
    [...m].sort((x, y) => y[1] - x[1]).map(([name, us]) => ({ [k]: name, ms: us / 1000, pct: (100 * us) / total }) as { [P in K]: string } & { ms: number; pct: number });
  return { totalMs: total / 1000, top: toRows(self, 'fn').slice(0, top), byArea: toRows(areas, 'area').slice(0, 12) };
}
