// `npm run bench`: duckbird side by side with raw DuckDB and ClickHouse (chDB) on the same generated data, in one
// run, so every target is a ratio in which the machine's noise cancels. Benchmarks are not tests: nothing here
// fails `npm test`. See BENCHMARKS.md for the targets and the last full run.
//
//   npm run bench                      quick mode (~2 minutes): 200k rows
//   npm run bench -- --full            10M rows; queries at 1M and 10M; 3 minutes of sustained ingest
//   npm run bench -- --rows 2000000 --scales 1000000,2000000 --reps 20 --write
// --write puts the report into BENCHMARKS.md (between the results markers); it is always printed and saved as
// <dir>/report.md and <dir>/results.json.
import { mkdir, readFile, rm, writeFile, copyFile, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
// @ts-expect-error: a plain ES module of the CLI, without types
import { bundleIsCurrent } from '../bin/bundle.js';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { parseArgs } from 'node:util';
import { writeNdjson, sessionGenerator, RANGE_END } from './generate.ts';
import { runChild, REPO_DIR, startChild, stopChild, procMemKb } from './lib/child.ts';
import { startDuckbird, liveParts, waitSettled, maxPartsPerPartition, ADMIN_TOKEN, type DuckbirdProcess } from './lib/duckbird.ts';
import { HttpClient } from './lib/http.ts';
import { batches, firstLines } from './lib/ndjson.ts';
import { sendAll, sendFor, type LoadResult } from './lib/load.ts';
import { measureQueries, type MeasureOptions, type QueryMeasurements } from './lib/measure.ts';
import { QUERIES, pipeUrl, type BenchQuery } from './lib/queries.ts';
import { latencyStats, type LatencyStats } from './lib/stats.ts';
import { summariseProfiles } from './lib/profile.ts';
import { renderReport, type Results, type IngestFigure } from './report.ts';

const { values: a } = parseArgs({
  options: {
    full: { type: 'boolean', default: false },
    rows: { type: 'string' },
    scales: { type: 'string' },
    reps: { type: 'string' },
    warmup: { type: 'string', default: '3' },
    clients: { type: 'string', default: '8' },
    'concurrent-seconds': { type: 'string' },
    'load-seconds': { type: 'string' },
    'sustain-seconds': { type: 'string' },
    'sustain-rate': { type: 'string', default: '50' },
    'batch-clients': { type: 'string', default: '4' },
    'small-clients': { type: 'string', default: '64' },
    seed: { type: 'string', default: '42' },
    dir: { type: 'string', default: join(tmpdir(), 'duckbird-bench') },
    skip: { type: 'string', default: '' },
    write: { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
  },
  allowPositionals: false,
});

const full = a.full!;
const rows = Number(a.rows ?? (full ? 10_000_000 : 200_000));
const scales = (a.scales ?? (full ? `1000000,${rows}` : String(rows))).split(',').map(Number).filter((s) => s <= rows).sort((x, y) => x - y);
const opts = {
  rows,
  scales,
  seed: Number(a.seed),
  reps: Number(a.reps ?? (full ? 30 : 10)),
  warmup: Number(a.warmup),
  clients: Number(a.clients),
  concurrentSeconds: Number(a['concurrent-seconds'] ?? (full ? 10 : 2)),
  startupReps: full ? 3 : 1,
  readyReps: full ? 10 : 5,
  loadSeconds: Number(a['load-seconds'] ?? (full ? 15 : 5)),
  sustainSeconds: Number(a['sustain-seconds'] ?? (full ? 180 : 15)),
  sustainRate: Number(a['sustain-rate']),
  batchClients: Number(a['batch-clients']),
  smallClients: Number(a['small-clients']),
  dir: a.dir!,
  skip: new Set(a.skip!.split(',').filter(Boolean)),
};
const PROJECT = join(REPO_DIR, 'sql');
const EVENTS = '/v0/events?name=charging_sessions';
const started = performance.now();
const log = (s: string) => process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(0).padStart(4)}s] ${s}\n`);
const mb = (bytes: number) => bytes / 1e6;
const dataFile = (n: number) => join(opts.dir, `sessions-s${opts.seed}-${n}.ndjson`);

async function freshDir(name: string): Promise<string> {
  const d = join(opts.dir, name);
  await rm(d, { recursive: true, force: true });
  await mkdir(d, { recursive: true });
  return d;
}

async function generate(): Promise<Map<number, number>> {
  const sizes = new Map<number, number>();
  const missing = [rows, ...scales].some((n) => !existsSync(dataFile(n)));
  if (missing) {
    log(`generating ${rows.toLocaleString()} rows (seed ${opts.seed})`);
    const prefixes = new Map(scales.filter((s) => s < rows).map((s) => [s, dataFile(s)] as const));
    await writeNdjson(`${dataFile(rows)}.tmp`, rows, opts.seed, new Map([...prefixes].map(([n, p]) => [n, `${p}.tmp`])));
    const { rename } = await import('node:fs/promises');
    for (const n of new Set([rows, ...scales])) await rename(`${dataFile(n)}.tmp`, dataFile(n));
  }
  for (const n of new Set([rows, ...scales])) sizes.set(n, (await stat(dataFile(n))).size);
  // Read once so every path starts from the page cache.
  for (const n of new Set([rows, ...scales])) for await (const _ of (await import('node:fs')).createReadStream(dataFile(n), { highWaterMark: 16 << 20 }));
  return sizes;
}

function figure(r: LoadResult, peakRssKb: number, extra: Partial<IngestFigure> = {}): IngestFigure {
  return { rows: r.rows, requests: r.requests, seconds: r.seconds, rowsPerSec: r.rows / r.seconds, mbPerSec: mb(r.bytes) / r.seconds, reqPerSec: r.requests / r.seconds, peakRssMb: peakRssKb / 1024, errors: r.errors, firstError: r.firstError, ...extra };
}

/** Bulk ingest of the whole file through duckbird in `batch`-row requests; leaves the data dir behind. */
async function bulkIngest(file: string, dataDir: string, batch: number, wait: boolean): Promise<{ fig: IngestFigure; db: DuckbirdProcess }> {
  const db = await startDuckbird(PROJECT, dataDir);
  const client = new HttpClient(db.url, 64, ADMIN_TOKEN);
  const r = await sendAll(client, `${EVENTS}${wait ? '&wait=true' : ''}`, batches(file, batch), opts.batchClients);
  client.close();
  const t = performance.now();
  try {
    await waitSettled(dataDir, r.rows, 1000, 120_000 + r.rows / 10);
  } catch (e) {
    await db.stop();
    throw new Error(`${(e as Error).message}\nduckbird's output:\n${db.output().slice(-3000)}`);
  }
  const toParquet = r.seconds + (performance.now() - t) / 1000;
  return { fig: figure(r, db.peakRssKb(), { secondsToParquet: toParquet }), db };
}

async function ingestSection(sizes: Map<number, number>): Promise<Results['ingest']> {
  const file = dataFile(rows);
  const bytes = sizes.get(rows)!;
  const out: Results['ingest'] = {};

  log('ingest: DuckDB read_json -> monthly Parquet');
  const dd = await runChild<{ seconds: number; rows: number; maxRssKb: number }>('duckdb-copy.ts', [file, await freshDir('duckdb-copy')]);
  out.duckdbCopy = { rows: dd.rows, requests: 0, seconds: dd.seconds, rowsPerSec: dd.rows / dd.seconds, mbPerSec: mb(bytes) / dd.seconds, reqPerSec: 0, peakRssMb: dd.maxRssKb / 1024, errors: 0 };
  await rm(join(opts.dir, 'duckdb-copy'), { recursive: true, force: true });

  if (!opts.skip.has('chdb')) {
    log('ingest: chDB INSERT into MergeTree');
    const ch = await runChild<{ seconds: number; rows: number; maxRssKb: number; optimizeSeconds: number }>('chdb-ingest.ts', [file, await freshDir(`chdb-${rows}`), '--optimize']);
    out.chdb = { rows: ch.rows, requests: 0, seconds: ch.seconds, rowsPerSec: ch.rows / ch.seconds, mbPerSec: mb(bytes) / ch.seconds, reqPerSec: 0, peakRssMb: ch.maxRssKb / 1024, errors: 0, optimizeSeconds: ch.optimizeSeconds };
  }

  log('ingest: duckbird, 10,000-row requests, wait=false');
  {
    const { fig, db } = await bulkIngest(file, await freshDir(`duckbird-${rows}`), 10_000, false);
    await db.stop();
    out.batch10k = fig;
  }
  log('ingest: duckbird, 10,000-row requests, wait=true');
  {
    const { fig, db } = await bulkIngest(file, await freshDir('duckbird-wait'), 10_000, true);
    await db.stop();
    out.batch10kWait = fig;
    await rm(join(opts.dir, 'duckbird-wait'), { recursive: true, force: true });
  }
  const lines = await firstLines(file, 200_000);
  {
    log(`ingest: duckbird, 100-row requests, ${opts.clients} clients, ${opts.loadSeconds}s`);
    const bodies: Buffer[] = [];
    for (let i = 0; i + 100 <= lines.length; i += 100) bodies.push(Buffer.concat(lines.slice(i, i + 100)));
    const dir = await freshDir('duckbird-small');
    const db = await startDuckbird(PROJECT, dir);
    const client = new HttpClient(db.url, 256, ADMIN_TOKEN);
    const r = await sendFor(client, EVENTS, bodies, 100, opts.clients, opts.loadSeconds * 1000);
    client.close();
    out.rows100 = figure(r, db.peakRssKb());
    await db.stop();
  }
  {
    log(`ingest: duckbird, 1-row requests, ${opts.smallClients} clients, ${opts.loadSeconds}s`);
    const dir = await freshDir('duckbird-small');
    const db = await startDuckbird(PROJECT, dir);
    const client = new HttpClient(db.url, 256, ADMIN_TOKEN);
    const r = await sendFor(client, EVENTS, lines, 1, opts.smallClients, opts.loadSeconds * 1000);
    client.close();
    out.rows1 = figure(r, db.peakRssKb());
    await db.stop();
    await rm(dir, { recursive: true, force: true });
  }
  {
    log(`ingest: bare Express 5 sink, 1-row requests, ${opts.smallClients} clients, ${opts.loadSeconds}s`);
    const ex = await startChild([process.execPath, '--import', 'tsx', join(REPO_DIR, 'bench/children/express-sink.ts')], /ready (\d+)/);
    const client = new HttpClient(`http://127.0.0.1:${ex.match[1]}`, 256, ADMIN_TOKEN);
    const r = await sendFor(client, EVENTS, lines, 1, opts.smallClients, opts.loadSeconds * 1000);
    client.close();
    out.express1 = figure(r, procMemKb(ex.proc.pid!, 'VmHWM'));
    await stopChild(ex.proc);
  }
  return out;
}

/** A data dir holding the first `scale` rows, settled (flushed and merged). */
async function duckbirdDirFor(scale: number): Promise<string> {
  const dir = join(opts.dir, `duckbird-${scale}`);
  const parts = await liveParts(dir);
  if (parts.reduce((x, p) => x + p.rows, 0) === scale) return dir;
  log(`queries: loading ${scale.toLocaleString()} rows into duckbird`);
  const { db } = await bulkIngest(dataFile(scale), await freshDir(`duckbird-${scale}`), 10_000, false);
  await db.stop();
  return dir;
}

function httpRunner(client: HttpClient, base: string, counts?: Record<string, number>): (q: BenchQuery) => Promise<unknown> {
  return async (q) => {
    const url = new URL(pipeUrl(base, q));
    const body = await client.ok('GET', url.pathname + url.search);
    if (counts && counts[q.id] === undefined) counts[q.id] = (JSON.parse(body) as { rows: number }).rows;
    return body;
  };
}

async function querySection(): Promise<Results['queries']> {
  const out: Results['queries'] = [];
  const mo: MeasureOptions = { warmup: opts.warmup, reps: opts.reps, clients: opts.clients, concurrentMs: opts.concurrentSeconds * 1000 };
  for (const scale of scales) {
    const dir = await duckbirdDirFor(scale);
    const db = await startDuckbird(PROJECT, dir);
    // Settled means merged as far as duckbird goes on its own: a partition that stopped getting parts is merged
    // to one part after 15 s plus 10 s per million rows (merge-policy.ts), so wait longer than that without a
    // change: 20.5 s at 200k rows, 45 s at 10M.
    const parts = await waitSettled(dir, scale, 20_000 + scale / 400);
    log(`queries at ${scale.toLocaleString()} rows: duckbird over HTTP (${parts.length} live files)`);
    const client = new HttpClient(db.url, 64, ADMIN_TOKEN);
    const counts: Record<string, number> = {};
    const http = await measureQueries(httpRunner(client, db.url, counts), QUERIES, mo);
    client.close();
    await db.stop();
    const files = (await liveParts(dir)).map((p) => join(dir, p.file));
    log(`queries at ${scale.toLocaleString()} rows: DuckDB over the same ${files.length} files`);
    const specPath = join(opts.dir, 'spec.json');
    await writeFile(specPath, JSON.stringify({ files, queries: QUERIES, options: mo }));
    const duckdb = await runChild<QueryMeasurements & { rows: number; counts: Record<string, number> }>('duckdb-queries.ts', [specPath]);
    let chdb: (QueryMeasurements & { rows: number }) | undefined;
    if (!opts.skip.has('chdb')) {
      const chDir = join(opts.dir, `chdb-${scale}`);
      if (!existsSync(chDir)) {
        log(`queries: loading ${scale.toLocaleString()} rows into chDB`);
        await runChild('chdb-ingest.ts', [dataFile(scale), chDir, '--optimize']);
      }
      log(`queries at ${scale.toLocaleString()} rows: chDB`);
      await writeFile(specPath, JSON.stringify({ dir: chDir, queries: QUERIES, options: mo }));
      chdb = await runChild<QueryMeasurements & { rows: number }>('chdb-queries.ts', [specPath]);
    }
    out.push({ scale, files: files.length, partitions: new Set((await liveParts(dir)).map((p) => p.partition)).size, http, duckdb, chdb, httpCounts: counts, duckdbCounts: duckdb.counts });
  }
  return out;
}

async function firstAnswer(db: DuckbirdProcess, q: BenchQuery): Promise<number> {
  const client = new HttpClient(db.url, 4, ADMIN_TOKEN);
  const url = new URL(pipeUrl(db.url, q));
  for (;;) {
    const r = await client.request('GET', url.pathname + url.search).catch(() => ({ status: 0, body: '' }));
    if (r.status === 200) break;
    await new Promise((res) => setTimeout(res, 5));
  }
  client.close();
  return performance.now() - db.spawnedAt;
}

/**
 * `duckbird start` on the seed project (sql/, fixtures loaded as a plain start does) with an empty data dir: from
 * spawn to the ready line, and to the first answered endpoint call (issue 10: "start to ready in well under a second
 * for a small project"). Needs no generated data, so `--skip ingest,queries,startup,sustained` runs it alone.
 */
async function readySection(): Promise<Results['ready']> {
  const q = QUERIES.find((x) => x.endpoint === 'get_sessions')!;
  const ready: number[] = [];
  const answer: number[] = [];
  for (let i = 0; i < opts.readyReps; i++) {
    const db = await startDuckbird(PROJECT, await freshDir('duckbird-ready'), undefined, { fixtures: true });
    ready.push(db.readyAt - db.spawnedAt);
    answer.push(await firstAnswer(db, q));
    await db.stop();
  }
  await rm(join(opts.dir, 'duckbird-ready'), { recursive: true, force: true });
  return { query: q.id, reps: opts.readyReps, toReady: ready, toFirstAnswer: answer };
}

async function startupSection(): Promise<Results['startup']> {
  const q = QUERIES.find((x) => x.endpoint === 'get_sessions')!;
  const scale = scales[scales.length - 1]!;
  const loaded = join(opts.dir, `duckbird-${scale}`);
  const files = (await liveParts(loaded)).map((p) => join(loaded, p.file));
  const specPath = join(opts.dir, 'start-spec.json');
  const settle = () => new Promise((r) => setTimeout(r, 2000));
  const measure = async (dataDir: string | null) => {
    const times: number[] = [];
    const rss: number[] = [];
    for (let i = 0; i < opts.startupReps; i++) {
      const dir = dataDir ?? (await freshDir('duckbird-empty'));
      const db = await startDuckbird(PROJECT, dir);
      times.push(await firstAnswer(db, q));
      await settle();
      rss.push(db.rssKb() / 1024);
      await db.stop();
    }
    return { ms: latencyStats(times).p50, idleRssMb: latencyStats(rss).p50 };
  };
  const bare = async (withFiles: string[]) => {
    await writeFile(specPath, JSON.stringify({ files: withFiles, sql: q.duckdb }));
    const times: number[] = [];
    const rss: number[] = [];
    for (let i = 0; i < opts.startupReps; i++) {
      const c = await startChild([process.execPath, '--import', 'tsx', join(REPO_DIR, 'bench/children/bare-start.ts'), specPath], /answered/);
      times.push(performance.now() - c.started);
      await settle();
      rss.push(procMemKb(c.proc.pid!, 'VmRSS') / 1024);
      await stopChild(c.proc);
    }
    return { ms: latencyStats(times).p50, idleRssMb: latencyStats(rss).p50 };
  };
  log('start-up: empty data dir');
  const empty = await measure(null);
  log(`start-up: ${scale.toLocaleString()} rows`);
  const full = await measure(loaded);
  log('start-up: bare Node + DuckDB');
  const bareFull = await bare(files);
  const bareEmpty = await bare([]);
  return { scale, query: q.id, reps: opts.startupReps, empty, loaded: full, bareEmpty, bareLoaded: bareFull };
}

async function sustainedSection(): Promise<Results['sustained']> {
  const scale = scales[0]!;
  const dir = join(opts.dir, `duckbird-${scale}`);
  const db = await startDuckbird(PROJECT, dir);
  await waitSettled(dir, scale, 2000);
  log(`sustained: ${opts.sustainRate} req/s of 100 rows for ${opts.sustainSeconds}s on ${scale.toLocaleString()} rows, one client querying`);
  const client = new HttpClient(db.url, 64, ADMIN_TOKEN);
  const next = sessionGenerator({ seed: opts.seed + 1, from: Date.UTC(2024, 11, 1) / 1000, to: RANGE_END, idPrefix: 'live_' });
  const deadline = performance.now() + opts.sustainSeconds * 1000;
  const inflight = new Set<Promise<unknown>>();
  let sent = 0, skipped = 0, errors = 0;
  const timeline: { t: number; maxFilesPerPartition: number; files: number }[] = [];
  const sampler = setInterval(() => {
    void liveParts(dir).then((p) => timeline.push({ t: (performance.now() - (deadline - opts.sustainSeconds * 1000)) / 1000, maxFilesPerPartition: maxPartsPerPartition(p), files: p.length }), () => undefined);
  }, 1000);
  const sender = (async () => {
    const interval = 1000 / opts.sustainRate;
    let due = performance.now();
    while (performance.now() < deadline) {
      if (inflight.size >= 32) skipped++;
      else {
        let body = '';
        for (let i = 0; i < 100; i++) body += next();
        const p = client.request('POST', EVENTS, Buffer.from(body)).then((r) => {
          if (r.status !== 202 && r.status !== 200) errors++;
        });
        inflight.add(p);
        void p.finally(() => inflight.delete(p));
        sent++;
      }
      due += interval;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    await Promise.all(inflight);
  })();
  const during: Record<string, number[]> = {};
  const run = httpRunner(client, db.url);
  for (let i = 0; performance.now() < deadline; i++) {
    const q = QUERIES[i % QUERIES.length]!;
    const t = performance.now();
    await run(q);
    (during[q.id] ??= []).push(performance.now() - t);
  }
  await sender;
  clearInterval(sampler);
  const fragmented = await liveParts(dir);
  timeline.push({ t: opts.sustainSeconds, maxFilesPerPartition: maxPartsPerPartition(fragmented), files: fragmented.length });
  client.close();
  // Stop right away: the part list stays as sustained ingest left it (plus the final flush).
  await db.stop();
  const parts = await liveParts(dir);
  const files = parts.map((p) => join(dir, p.file));
  const mo: MeasureOptions = { warmup: opts.warmup, reps: opts.reps, clients: 1, concurrentMs: 0 };
  const specPath = join(opts.dir, 'spec.json');
  log(`sustained: DuckDB over the ${files.length} live files vs the same rows compacted`);
  await writeFile(specPath, JSON.stringify({ files, queries: QUERIES, options: mo }));
  const live = await runChild<QueryMeasurements>('duckdb-queries.ts', [specPath]);
  const compactDir = await freshDir('compacted');
  await writeFile(specPath, JSON.stringify({ files, outDir: compactDir }));
  await runChild('compact.ts', [specPath]);
  const { readdir } = await import('node:fs/promises');
  const compactFiles: string[] = [];
  for (const d of await readdir(compactDir)) for (const f of await readdir(join(compactDir, d))) compactFiles.push(join(compactDir, d, f));
  await writeFile(specPath, JSON.stringify({ files: compactFiles, queries: QUERIES, options: mo }));
  const compacted = await runChild<QueryMeasurements>('duckdb-queries.ts', [specPath]);
  const duringStats: Record<string, LatencyStats> = {};
  for (const [k, v] of Object.entries(during)) duringStats[k] = latencyStats(v);
  return {
    scale,
    seconds: opts.sustainSeconds,
    rate: opts.sustainRate,
    requests: sent,
    skipped,
    errors,
    timeline,
    maxFilesPerPartition: Math.max(...timeline.map((x) => x.maxFilesPerPartition)),
    finalFiles: parts.length,
    finalMaxFilesPerPartition: maxPartsPerPartition(parts),
    compactedFiles: compactFiles.length,
    live: live.serial,
    compacted: compacted.serial,
    httpDuring: duringStats,
  };
}

/** Separate, profiled runs (--profile): V8 CPU profiles of duckbird's main thread, to show where the time goes. */
async function profileSection(): Promise<NonNullable<Results['profiles']>> {
  const out: NonNullable<Results['profiles']> = [];
  const profiled = async (name: string, dataDir: string, work: (db: DuckbirdProcess) => Promise<void>) => {
    const profDir = await freshDir(`profile-${name.replace(/\W+/g, '-')}`);
    const db = await startDuckbird(PROJECT, dataDir, profDir);
    await work(db);
    await db.stop();
    const summary = await summariseProfiles(profDir);
    if (summary) out.push({ name, ...summary });
  };
  const n = Math.min(rows, 1_000_000);
  log(`profile: bulk ingest of ${n.toLocaleString()} rows, 10,000-row requests`);
  await profiled(`bulk ingest, ${n.toLocaleString()} rows in 10,000-row requests (wait=false)`, await freshDir('duckbird-profile'), async (db) => {
    const client = new HttpClient(db.url, 64, ADMIN_TOKEN);
    await sendAll(client, EVENTS, batches(dataFile(rows), 10_000, n), opts.batchClients);
    client.close();
  });
  log('profile: 1-row requests');
  const lines = await firstLines(dataFile(rows), 100_000);
  await profiled(`1-row requests, ${opts.smallClients} clients, ${opts.loadSeconds} s`, await freshDir('duckbird-profile'), async (db) => {
    const client = new HttpClient(db.url, 256, ADMIN_TOKEN);
    await sendFor(client, EVENTS, lines, 1, opts.smallClients, opts.loadSeconds * 1000);
    client.close();
  });
  await rm(join(opts.dir, 'duckbird-profile'), { recursive: true, force: true });
  const scale = scales[scales.length - 1]!;
  log(`profile: serial queries at ${scale.toLocaleString()} rows`);
  await profiled(`serial endpoint calls at ${scale.toLocaleString()} rows`, join(opts.dir, `duckbird-${scale}`), async (db) => {
    const client = new HttpClient(db.url, 8, ADMIN_TOKEN);
    await measureQueries(httpRunner(client, db.url), QUERIES, { warmup: opts.warmup, reps: opts.reps, clients: 1, concurrentMs: 0 });
    client.close();
  });
  return out;
}

async function versions(): Promise<Results['meta']['versions']> {
  const pkg = async (name: string) => (JSON.parse(await readFile(join(REPO_DIR, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  const { query } = await import('chdb');
  return {
    node: process.version,
    duckdb: await pkg('@duckdb/node-api'),
    chdb: `${await pkg('chdb')} (ClickHouse ${query('SELECT version()', 'TSV').trim()})`,
    express: await pkg('express'),
    duckbird: (JSON.parse(await readFile(join(REPO_DIR, 'package.json'), 'utf8')) as { version: string }).version,
  };
}

async function machine(): Promise<Results['meta']['machine']> {
  const os = await import('node:os');
  const cpu = os.cpus();
  return { cpu: cpu[0]?.model ?? 'unknown', cores: cpu.length, memoryGb: Math.round(os.totalmem() / 2 ** 30), os: `${os.type()} ${os.release()} ${os.arch()}` };
}

/**
 * duckbird starts from its install-time bundle only while no source is newer (bin/bundle.js); measuring through
 * tsx instead would time the TypeScript compiler, not duckbird (a full run once did: 1.5 s vs 0.75 s to ready).
 */
function ensureBundle(): void {
  if (bundleIsCurrent()) return;
  log('the bundle of src/ is older than the sources: rebuilding it (node bin/build.js)');
  execFileSync(process.execPath, [join(REPO_DIR, 'bin/build.js')], { stdio: 'inherit' });
  if (!bundleIsCurrent()) log('warning: no current bundle; duckbird runs its sources through tsx, so start-up figures include compiling them');
}

async function main(): Promise<void> {
  await mkdir(opts.dir, { recursive: true });
  ensureBundle();
  const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
  const results: Results = { meta: { date: new Date().toISOString(), command, machine: await machine(), versions: await versions(), options: { ...opts, skip: [...opts.skip] }, seconds: 0 } };
  // First, while the machine is quiet; it is the one section that needs no generated data.
  if (!opts.skip.has('ready')) {
    log('start to ready: duckbird start on sql/ with an empty data dir');
    results.ready = await readySection();
  }
  if (a.profile || ['ingest', 'queries', 'startup', 'sustained'].some((s) => !opts.skip.has(s))) {
    const sizes = await generate();
    results.meta.dataBytes = Object.fromEntries(sizes);
    if (!opts.skip.has('ingest')) results.ingest = await ingestSection(sizes);
  }
  if (!opts.skip.has('queries')) results.queries = await querySection();
  if (!opts.skip.has('startup')) results.startup = await startupSection();
  if (a.profile) results.profiles = await profileSection();
  if (!opts.skip.has('sustained')) results.sustained = await sustainedSection();
  results.meta.seconds = (performance.now() - started) / 1000;
  const md = renderReport(results);
  await writeFile(join(opts.dir, 'results.json'), JSON.stringify(results, null, 1));
  await writeFile(join(opts.dir, 'report.md'), md);
  if (a.write) {
    const path = join(REPO_DIR, 'BENCHMARKS.md');
    const text = existsSync(path) ? await readFile(path, 'utf8') : '';
    const [begin, end] = ['<!-- results:begin -->', '<!-- results:end -->'];
    const i = text.indexOf(begin);
    const j = text.indexOf(end);
    const updated = i >= 0 && j > i ? `${text.slice(0, i + begin.length)}\n${md}\n${text.slice(j)}` : `${text}\n${begin}\n${md}\n${end}\n`;
    await writeFile(path, updated);
    await copyFile(join(opts.dir, 'results.json'), join(REPO_DIR, 'bench', 'last-results.json'));
  }
  process.stdout.write(`${md}\n`);
  log(`done in ${results.meta.seconds.toFixed(0)}s; report in ${join(opts.dir, 'report.md')}`);
}

await main();
