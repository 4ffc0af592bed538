// Seeded generator of EV charging sessions with the seed tutorial's schema (sql/datasources/charging_sessions.datasource):
// ~10k stations, ~100k users, 20 locations, a few charging types, 24 months of timestamps (2023-01 .. 2024-12).
// The same seed and row index always give the same row, so a prefix of a larger file is a smaller data set.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

export const STATIONS = 10_000;
export const USERS = 100_000;
export const LOCATIONS = [
  'Main Street', 'Airport', 'Harbor View', 'San Diego', 'Downtown', 'Central Station', 'University', 'Mall Plaza',
  'Tech Park', 'Old Town', 'Riverside', 'Lakeside', 'Hospital', 'Stadium', 'Business District', 'Beach Road',
  'Industrial Zone', 'North Gate', 'West End', 'Suburbia',
] as const;
export const CHARGING_TYPES = ['AC', 'Standard AC', 'DC Fast', 'Supercharger'] as const;
/** 2023-01-01 00:00:00 UTC to 2025-01-01 00:00:00 UTC: 24 months. */
export const RANGE_START = Date.UTC(2023, 0, 1) / 1000;
export const RANGE_END = Date.UTC(2025, 0, 1) / 1000;

/** mulberry32: tiny, fast, good enough for benchmark data. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pad2 = (n: number) => (n < 10 ? `0${n}` : `${n}`);
// Date formatting dominated generation time; days repeat, so their text is cached.
const dayText = new Map<number, string>();
const hmText: string[] = [];
for (let m = 0; m < 1440; m++) hmText.push(`${pad2(Math.floor(m / 60))}:${pad2(m % 60)}`);
export function formatTime(epochSeconds: number): string {
  const day = Math.floor(epochSeconds / 86400);
  let d = dayText.get(day);
  if (d === undefined) {
    const t = new Date(day * 86400_000);
    d = `${t.getUTCFullYear()}-${pad2(t.getUTCMonth() + 1)}-${pad2(t.getUTCDate())} `;
    dayText.set(day, d);
  }
  const rest = epochSeconds - day * 86400;
  return `${d}${hmText[Math.floor(rest / 60)]!}:${pad2(rest % 60)}`;
}

export interface GenOptions {
  readonly seed: number;
  /** Timestamps are drawn uniformly from [from, to) (epoch seconds). */
  readonly from?: number;
  readonly to?: number;
  /** Prefix of session ids, so sustained-ingest rows never collide with the bulk data. */
  readonly idPrefix?: string;
}

/** Returns a function producing row i as one NDJSON line (with its newline). */
export function sessionGenerator(opts: GenOptions): () => string {
  const r = rng(opts.seed);
  const from = opts.from ?? RANGE_START;
  const span = (opts.to ?? RANGE_END) - from;
  const prefix = opts.idPrefix ?? 'sess_';
  // Each station sits at one location, so station_analytics groups stay (station, location) pairs as in the seed.
  let i = 0;
  return () => {
    i++;
    // Users and stations are skewed (a power of a uniform) so some are busy and most are quiet.
    const station = Math.floor(r() ** 1.5 * STATIONS);
    const user = Math.floor(r() ** 1.3 * USERS);
    const start = from + Math.floor((r() * span) / 60) * 60;
    const type = CHARGING_TYPES[Math.floor(r() * CHARGING_TYPES.length)]!;
    const fast = type === 'DC Fast' || type === 'Supercharger';
    const minutes = fast ? 10 + Math.floor(r() * 50) : 30 + Math.floor(r() * 300);
    const end = start + minutes * 60;
    const energy = Math.round((fast ? 15 + r() * 70 : 3 + r() * 50) * 10) / 10;
    const paid = Math.round(energy * (fast ? 0.55 : 0.35) * 100) / 100;
    const location = LOCATIONS[station % LOCATIONS.length]!;
    const endText = formatTime(end);
    return `{"session_id":"${prefix}${i}","station_id":"station_${station}","user_id":"user_${user}","start_time":"${formatTime(start)}","end_time":"${endText}","energy_consumed":${energy},"amount_paid":${paid},"charging_type":"${type}","location":"${location}","timestamp":"${endText}"}\n`;
  };
}

/**
 * Writes `rows` rows to `path`; each of `prefixes` (row counts smaller than rows) also gets its own file holding the
 * first that many rows, so every scale is a prefix of the same data. Returns the byte size of each file.
 */
export async function writeNdjson(path: string, rows: number, seed: number, prefixes: ReadonlyMap<number, string> = new Map()): Promise<Map<string, number>> {
  const next = sessionGenerator({ seed });
  const outs = [{ path, rows, stream: createWriteStream(path), bytes: 0 }];
  for (const [n, p] of prefixes) if (n < rows) outs.push({ path: p, rows: n, stream: createWriteStream(p), bytes: 0 });
  const CHUNK = 2000;
  for (let done = 0; done < rows; ) {
    const n = Math.min(CHUNK, rows - done);
    let text = '';
    for (let k = 0; k < n; k++) text += next();
    const buf = Buffer.from(text);
    for (const o of outs) {
      if (done >= o.rows) continue;
      // Prefix sizes are multiples of the chunk in practice; cut exactly anyway.
      const take = Math.min(n, o.rows - done);
      const part = take === n ? buf : cutLines(buf, take);
      o.bytes += part.length;
      if (!o.stream.write(part)) await once(o.stream, 'drain');
    }
    done += n;
  }
  await Promise.all(outs.map((o) => new Promise<void>((res, rej) => o.stream.end((e?: Error | null) => (e ? rej(e) : res())))));
  return new Map(outs.map((o) => [o.path, o.bytes]));
}

/** The first `lines` lines of an NDJSON buffer. */
export function cutLines(buf: Buffer, lines: number): Buffer {
  let pos = 0;
  for (let k = 0; k < lines; k++) pos = buf.indexOf(10, pos) + 1;
  return buf.subarray(0, pos);
}
