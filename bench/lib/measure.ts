// One measuring routine for every side (duckbird over HTTP, DuckDB, chDB), so the numbers are comparable:
// serial latency with warm caches per parameter set, then per endpoint a closed loop of N concurrent clients.
import type { BenchQuery } from './queries.ts';
import { latencyStats, type LatencyStats } from './stats.ts';

export interface MeasureOptions {
  readonly warmup: number;
  readonly reps: number;
  readonly clients: number;
  /** How long the concurrent loop runs per endpoint (ms). */
  readonly concurrentMs: number;
}

export interface QueryMeasurements {
  readonly serial: Record<string, LatencyStats>;
  readonly concurrent: Record<string, LatencyStats & { readonly qps: number }>;
}

export async function measureQueries(run: (q: BenchQuery) => Promise<unknown>, queries: readonly BenchQuery[], o: MeasureOptions): Promise<QueryMeasurements> {
  const serial: Record<string, LatencyStats> = {};
  for (const q of queries) {
    for (let i = 0; i < o.warmup; i++) await run(q);
    const lat: number[] = [];
    for (let i = 0; i < o.reps; i++) {
      const t = performance.now();
      await run(q);
      lat.push(performance.now() - t);
    }
    serial[q.id] = latencyStats(lat);
  }
  const concurrent: Record<string, LatencyStats & { qps: number }> = {};
  for (const endpoint of [...new Set(queries.map((q) => q.endpoint))]) {
    const qs = queries.filter((q) => q.endpoint === endpoint);
    const lat: number[] = [];
    const t0 = performance.now();
    const deadline = t0 + o.concurrentMs;
    await Promise.all(
      Array.from({ length: o.clients }, async (_, c) => {
        for (let i = c; performance.now() < deadline; i++) {
          const t = performance.now();
          await run(qs[i % qs.length]!);
          lat.push(performance.now() - t);
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    concurrent[endpoint] = { ...latencyStats(lat), qps: lat.length / seconds };
  }
  return { serial, concurrent };
}
