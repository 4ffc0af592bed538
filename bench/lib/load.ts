// Closed-loop ingest load: `clients` senders each posting the next body as soon as the previous answer arrived.
import type { HttpClient } from './http.ts';

export interface LoadResult {
  readonly requests: number;
  readonly rows: number;
  readonly bytes: number;
  readonly seconds: number;
  readonly errors: number;
  readonly firstError?: string;
}

/** Sends every body from `source` (shared by all clients) and returns when all are answered. */
export async function sendAll(client: HttpClient, path: string, source: AsyncIterator<{ body: Buffer; rows: number }>, clients: number): Promise<LoadResult> {
  let requests = 0, rows = 0, bytes = 0, errors = 0;
  let firstError: string | undefined;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (;;) {
        const next = await source.next();
        if (next.done) return;
        const r = await client.request('POST', path, next.value.body);
        requests++;
        if (r.status >= 200 && r.status < 300) {
          rows += next.value.rows;
          bytes += next.value.body.length;
        } else {
          errors++;
          firstError ??= `HTTP ${r.status}: ${r.body.slice(0, 200)}`;
        }
      }
    }),
  );
  return { requests, rows, bytes, seconds: (performance.now() - t0) / 1000, errors, firstError };
}

/** Posts bodies cycling through `bodies` for `ms` milliseconds. */
export async function sendFor(client: HttpClient, path: string, bodies: readonly Buffer[], rowsPerBody: number, clients: number, ms: number): Promise<LoadResult> {
  let requests = 0, rows = 0, bytes = 0, errors = 0, i = 0;
  let firstError: string | undefined;
  const t0 = performance.now();
  const deadline = t0 + ms;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < deadline) {
        const body = bodies[i++ % bodies.length]!;
        const r = await client.request('POST', path, body);
        requests++;
        if (r.status >= 200 && r.status < 300) {
          rows += rowsPerBody;
          bytes += body.length;
        } else {
          errors++;
          firstError ??= `HTTP ${r.status}: ${r.body.slice(0, 200)}`;
        }
      }
    }),
  );
  return { requests, rows, bytes, seconds: (performance.now() - t0) / 1000, errors, firstError };
}
