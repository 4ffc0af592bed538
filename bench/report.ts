// Turns one run's results into the Markdown that goes into BENCHMARKS.md: every figure beside its target.
import type { QueryMeasurements } from './lib/measure.ts';
import { QUERIES, ENDPOINTS } from './lib/queries.ts';
import type { ProfileSummary } from './lib/profile.ts';
import { fmt, geomean, latencyStats, type LatencyStats } from './lib/stats.ts';

export interface IngestFigure {
  rows: number;
  requests: number;
  seconds: number;
  rowsPerSec: number;
  mbPerSec: number;
  reqPerSec: number;
  peakRssMb: number;
  errors: number;
  firstError?: string;
  secondsToParquet?: number;
  optimizeSeconds?: number;
}

type Startup = { ms: number; idleRssMb: number };

export interface Results {
  meta: {
    date: string;
    command: string;
    machine: { cpu: string; cores: number; memoryGb: number; os: string };
    versions: { node: string; duckdb: string; chdb: string; express: string; duckbird: string };
    options: Record<string, unknown>;
    seconds: number;
    dataBytes?: Record<string, number>;
  };
  ingest?: Partial<Record<'duckdbCopy' | 'chdb' | 'batch10k' | 'batch10kWait' | 'rows100' | 'rows1' | 'express1', IngestFigure>>;
  queries?: {
    scale: number;
    files: number;
    partitions: number;
    http: QueryMeasurements;
    duckdb: QueryMeasurements;
    chdb?: QueryMeasurements;
    httpCounts: Record<string, number>;
    duckdbCounts: Record<string, number>;
  }[];
  profiles?: ({ name: string } & ProfileSummary)[];
  startup?: { scale: number; query: string; reps: number; empty: Startup; loaded: Startup; bareEmpty: Startup; bareLoaded: Startup };
  /** `duckbird start` on the seed project with an empty data dir, fixtures loaded: ms from spawn, one per start. */
  ready?: { query: string; reps: number; toReady: number[]; toFirstAnswer: number[] };
  sustained?: {
    scale: number;
    seconds: number;
    rate: number;
    requests: number;
    skipped: number;
    errors: number;
    timeline: { t: number; maxFilesPerPartition: number; files: number }[];
    maxFilesPerPartition: number;
    finalFiles: number;
    finalMaxFilesPerPartition: number;
    compactedFiles: number;
    live: Record<string, LatencyStats>;
    compacted: Record<string, LatencyStats>;
    httpDuring: Record<string, LatencyStats>;
  };
}

const n = (x: number) => Math.round(x).toLocaleString('en-US');
const pass = (ok: boolean | undefined) => (ok === undefined ? 'not measured' : ok ? '**pass**' : '**FAIL**');
const ms = (x: number | undefined) => (x === undefined ? 'n/a' : `${fmt(x, x < 10 ? 2 : 1)} ms`);

interface TargetRow {
  what: string;
  target: string;
  measured: string;
  ok: boolean | undefined;
}

export function targets(r: Results): TargetRow[] {
  const rows: TargetRow[] = [];
  const i = r.ingest ?? {};
  if (i.batch10k && i.duckdbCopy) {
    const ratio = i.batch10k.rowsPerSec / i.duckdbCopy.rowsPerSec;
    rows.push({ what: 'batched HTTP ingest (10,000-row requests, `wait=false`)', target: '≥ 50% of DuckDB NDJSON → monthly Parquet', measured: `${n(i.batch10k.rowsPerSec)} vs ${n(i.duckdbCopy.rowsPerSec)} rows/s = ${fmt(ratio * 100, 0)}%`, ok: ratio >= 0.5 && i.batch10k.errors === 0 });
  }
  if (i.batch10k && i.batch10kWait) {
    const ratio = i.batch10kWait.rowsPerSec / i.batch10k.rowsPerSec;
    rows.push({ what: 'durable ingest (`wait=true`)', target: '≥ 50% of the batched rate', measured: `${n(i.batch10kWait.rowsPerSec)} vs ${n(i.batch10k.rowsPerSec)} rows/s = ${fmt(ratio * 100, 0)}%`, ok: ratio >= 0.5 && i.batch10kWait.errors === 0 });
  }
  if (i.rows1 && i.express1) {
    const ratio = i.rows1.reqPerSec / i.express1.reqPerSec;
    rows.push({ what: '1-row requests', target: '≥ 50% of a bare Express 5 server', measured: `${n(i.rows1.reqPerSec)} vs ${n(i.express1.reqPerSec)} req/s = ${fmt(ratio * 100, 0)}%`, ok: ratio >= 0.5 && i.rows1.errors === 0 });
  }
  if (i.batch10k && i.duckdbCopy) {
    const ratio = i.batch10k.peakRssMb / i.duckdbCopy.peakRssMb;
    rows.push({ what: `peak RSS while bulk-ingesting ${n(i.batch10k.rows)} rows`, target: '≤ 1.5× DuckDB COPY of the same data', measured: `${n(i.batch10k.peakRssMb)} vs ${n(i.duckdbCopy.peakRssMb)} MB = ${fmt(ratio)}×`, ok: ratio <= 1.5 });
  }
  for (const s of r.queries ?? []) {
    let worst = { id: '', excess: -Infinity, http: 0, duck: 0 };
    for (const q of QUERIES) {
      const h = s.http.serial[q.id]!.p50;
      const d = s.duckdb.serial[q.id]!.p50;
      const excess = h - (1.2 * d + 3);
      if (excess > worst.excess) worst = { id: q.id, excess, http: h, duck: d };
    }
    const failing = QUERIES.filter((q) => s.http.serial[q.id]!.p50 > 1.2 * s.duckdb.serial[q.id]!.p50 + 3).length;
    rows.push({ what: `endpoint latency over HTTP (p50), ${n(s.scale)} rows`, target: '≤ 1.2× DuckDB over the live files + 3 ms, every parameter set', measured: `${QUERIES.length - failing}/${QUERIES.length} within; tightest ${worst.id}: ${ms(worst.http)} vs limit ${ms(1.2 * worst.duck + 3)}`, ok: failing === 0 });
  }
  const top = r.queries?.[r.queries.length - 1];
  if (top?.chdb) {
    const per = ENDPOINTS.map((e) => geomean(QUERIES.filter((q) => q.endpoint === e).map((q) => top.http.serial[q.id]!.p50 / top.chdb!.serial[q.id]!.p50)));
    const g = geomean(per);
    rows.push({ what: `endpoint latency vs ClickHouse (chDB), ${n(top.scale)} rows`, target: 'geomean over endpoints ≤ 1.0×, none above 2×', measured: `geomean ${fmt(g)}×; ${ENDPOINTS.map((e, k) => `${e} ${fmt(per[k]!)}×`).join(', ')}`, ok: g <= 1 && per.every((x) => x <= 2) });
  }
  const su = r.sustained;
  if (su) {
    const ratios = QUERIES.map((q) => su.live[q.id]!.p50 / su.compacted[q.id]!.p50);
    const g = geomean(ratios);
    const worst = Math.max(...ratios);
    rows.push({ what: 'live files per partition under sustained small batches', target: '≤ 10, and query latency within 1.25× of fully compacted', measured: `max ${su.maxFilesPerPartition} files/partition; latency geomean ${fmt(g)}× (worst query ${fmt(worst)}×)`, ok: su.maxFilesPerPartition <= 10 && g <= 1.25 });
  }
  const rd = r.ready;
  if (rd) {
    const toReady = latencyStats(rd.toReady);
    rows.push({ what: 'start to ready, seed project, empty data dir (spawn to the ready line)', target: 'well under a second (< 1 s at p50)', measured: `p50 ${ms(toReady.p50)}, max ${ms(Math.max(...rd.toReady))}; first answer p50 ${ms(latencyStats(rd.toFirstAnswer).p50)}`, ok: toReady.p50 < 1000 });
  }
  const st = r.startup;
  if (st) {
    rows.push({ what: `start to first answer with ${n(st.scale)} rows`, target: '≤ 1.5× bare Node + DuckDB running the same query', measured: `${ms(st.loaded.ms)} vs ${ms(st.bareLoaded.ms)} = ${fmt(st.loaded.ms / st.bareLoaded.ms)}×`, ok: st.loaded.ms <= 1.5 * st.bareLoaded.ms });
    rows.push({ what: `idle RSS with ${n(st.scale)} rows`, target: '≤ 1.5× that bare DuckDB process', measured: `${n(st.loaded.idleRssMb)} vs ${n(st.bareLoaded.idleRssMb)} MB = ${fmt(st.loaded.idleRssMb / st.bareLoaded.idleRssMb)}×`, ok: st.loaded.idleRssMb <= 1.5 * st.bareLoaded.idleRssMb });
  }
  return rows;
}

function table(head: string[], body: (string | number)[][]): string {
  return [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...body.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

export function renderReport(r: Results): string {
  const out: string[] = [];
  const m = r.meta;
  out.push(`### Run of ${m.date.slice(0, 16).replace('T', ' ')} UTC`);
  out.push('');
  out.push(`- Command: \`${m.command}\` (${fmt(m.seconds, 0)} s)`);
  out.push(`- Machine: ${m.machine.cpu}, ${m.machine.cores} cores, ${m.machine.memoryGb} GB, ${m.machine.os}`);
  out.push(`- Versions: duckbird ${m.versions.duckbird}, Node ${m.versions.node}, @duckdb/node-api ${m.versions.duckdb}, chdb ${m.versions.chdb}, Express ${m.versions.express}`);
  const o = m.options as Record<string, unknown>;
  out.push(`- Options: ${n(o.rows as number)} rows for ingest, query scales ${(o.scales as number[]).map(n).join(' and ')}, seed ${String(o.seed)}, ${String(o.reps)} serial repetitions after ${String(o.warmup)} warm-up calls, ${String(o.clients)} concurrent query clients for ${String(o.concurrentSeconds)} s per endpoint`);
  out.push('');
  out.push('#### Targets');
  out.push('');
  out.push(table(['what', 'target', 'measured (duckbird vs reference)', 'result'], targets(r).map((t) => [t.what, t.target, t.measured, pass(t.ok)])));
  const i = r.ingest;
  if (i) {
    out.push('');
    out.push('#### Ingest');
    out.push('');
    const line = (name: string, f: IngestFigure | undefined) =>
      f ? [name, n(f.rows), fmt(f.seconds), n(f.rowsPerSec), fmt(f.mbPerSec, 1), f.requests ? n(f.reqPerSec) : '', n(f.peakRssMb), f.secondsToParquet !== undefined ? fmt(f.secondsToParquet) : '', f.errors ? `${f.errors} (${f.firstError ?? ''})` : '0'] : [name, 'skipped', '', '', '', '', '', '', ''];
    out.push(
      table(['path', 'rows', 's', 'rows/s', 'MB/s', 'req/s', 'peak RSS MB', 's until all in Parquet', 'errors'], [
        line('DuckDB `read_json` → monthly Parquet (COPY … PARTITION_BY)', i.duckdbCopy),
        line(`ClickHouse (chDB) INSERT … FROM file() into MergeTree${i.chdb?.optimizeSeconds ? ` (+${fmt(i.chdb.optimizeSeconds)} s OPTIMIZE FINAL, not counted)` : ''}`, i.chdb),
        line('duckbird, 10,000-row requests, `wait=false`', i.batch10k),
        line('duckbird, 10,000-row requests, `wait=true`', i.batch10kWait),
        line('duckbird, 100-row requests', i.rows100),
        line('duckbird, 1-row requests', i.rows1),
        line('bare Express 5 sink, 1-row requests', i.express1),
      ]),
    );
  }
  for (const s of r.queries ?? []) {
    out.push('');
    out.push(`#### Queries at ${n(s.scale)} rows (duckbird: ${s.files} live files in ${s.partitions} partitions)`);
    out.push('');
    out.push('Serial, warm: p50 / p99 in ms. "limit" is the target 1.2 × DuckDB p50 + 3 ms. "rows" is what duckbird / DuckDB returned.');
    out.push('');
    out.push(
      table(['endpoint', 'parameters', 'rows', 'duckbird HTTP', 'DuckDB direct', 'limit', 'chDB', 'vs chDB'], QUERIES.map((q) => {
        const h = s.http.serial[q.id]!;
        const d = s.duckdb.serial[q.id]!;
        const c = s.chdb?.serial[q.id];
        return [q.endpoint, q.label, `${s.httpCounts[q.id] ?? '?'} / ${s.duckdbCounts[q.id] ?? '?'}`, `${fmt(h.p50)} / ${fmt(h.p99)}`, `${fmt(d.p50)} / ${fmt(d.p99)}`, `${fmt(1.2 * d.p50 + 3)}${h.p50 > 1.2 * d.p50 + 3 ? ' ✗' : ''}`, c ? `${fmt(c.p50)} / ${fmt(c.p99)}` : 'n/a', c ? `${fmt(h.p50 / c.p50)}×` : ''];
      })),
    );
    out.push('');
    out.push(`${String((r.meta.options as { clients: number }).clients)} concurrent clients per endpoint (cycling through its parameter sets): p50 / p99 ms, queries/s.`);
    out.push('');
    out.push(
      table(['endpoint', 'duckbird HTTP', 'DuckDB direct', 'chDB'], ENDPOINTS.map((e) => {
        const cell = (x: QueryMeasurements | undefined) => {
          const c = x?.concurrent[e];
          return c ? `${fmt(c.p50)} / ${fmt(c.p99)}, ${fmt(c.qps, 1)} q/s` : 'n/a';
        };
        return [e, cell(s.http), cell(s.duckdb), cell(s.chdb)];
      })),
    );
  }
  const rd = r.ready;
  if (rd) {
    out.push('');
    out.push(`#### Start to ready (\`duckbird start\` on sql/ with its fixtures, empty data dir; ${rd.reps} starts)`);
    out.push('');
    out.push(
      table(['from spawn to', 'p50', 'min', 'max'], ([['the ready line (`duckbird ready at …`)', rd.toReady], [`the first answered \`${rd.query}\``, rd.toFirstAnswer]] as const).map(([what, xs]) => [what, ms(latencyStats(xs).p50), ms(Math.min(...xs)), ms(Math.max(...xs))])),
    );
  }
  const st = r.startup;
  if (st) {
    out.push('');
    out.push(`#### Start-up (process spawn to first answered \`${st.query}\`; median of ${st.reps}; page cache warm)`);
    out.push('');
    out.push(
      table(['process', 'to first answer', 'idle RSS MB (2 s after)'], [
        ['duckbird, empty data dir', ms(st.empty.ms), n(st.empty.idleRssMb)],
        [`duckbird, ${n(st.scale)} rows`, ms(st.loaded.ms), n(st.loaded.idleRssMb)],
        ['bare Node + DuckDB, `SELECT 1`', ms(st.bareEmpty.ms), n(st.bareEmpty.idleRssMb)],
        [`bare Node + DuckDB, same query over the same ${n(st.scale)} rows`, ms(st.bareLoaded.ms), n(st.bareLoaded.idleRssMb)],
      ]),
    );
  }
  const su = r.sustained;
  if (su) {
    out.push('');
    out.push(`#### Sustained small batches (${su.rate} requests/s × 100 rows for ${su.seconds} s on top of ${n(su.scale)} rows, one client querying meanwhile)`);
    out.push('');
    out.push(`Sent ${n(su.requests)} requests (${su.skipped} ticks skipped because 32 were in flight, ${su.errors} errors). Live files: max ${su.maxFilesPerPartition} per partition during the run; at the end ${su.finalFiles} files (max ${su.finalMaxFilesPerPartition} per partition) vs ${su.compactedFiles} when compacted.`);
    const step = Math.max(1, Math.ceil(su.timeline.length / 12));
    out.push('');
    out.push(`Files over time (s: max per partition / total): ${su.timeline.filter((_, k) => k % step === 0 || k === su.timeline.length - 1).map((x) => `${fmt(x.t, 0)}: ${x.maxFilesPerPartition}/${x.files}`).join(', ')}`);
    out.push('');
    out.push('Query p50 ms: DuckDB over the live files at the end of the run vs the same rows compacted (one sorted file a month), and duckbird over HTTP during the run.');
    out.push('');
    out.push(
      table(['endpoint', 'parameters', 'live files', 'compacted', 'ratio', 'HTTP during ingest (p50 / p99)'], QUERIES.map((q) => {
        const l = su.live[q.id]!.p50;
        const c = su.compacted[q.id]!.p50;
        const h = su.httpDuring[q.id];
        return [q.endpoint, q.label, fmt(l), fmt(c), `${fmt(l / c)}×`, h ? `${fmt(h.p50)} / ${fmt(h.p99)}` : 'n/a'];
      })),
    );
  }
  for (const p of r.profiles ?? []) {
    out.push('');
    out.push(`#### Profile: ${p.name} (main thread, ${n(p.totalMs)} ms sampled)`);
    out.push('');
    out.push(`By area: ${p.byArea.map((x) => `${x.area} ${fmt(x.pct, 1)}%`).join(', ')}`);
    out.push('');
    out.push(table(['self time', '%', 'function'], p.top.map((x) => [`${n(x.ms)} ms`, fmt(x.pct, 1), `\`${x.fn}\``])));
  }
  return out.join('\n');
}
