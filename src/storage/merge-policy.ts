// Which parts to merge next, MergeTree style, within one partition: start from the smallest part and take the
// next one while it is at most twice the rows gathered so far (parts under `smallPartRows` count as that size, so
// tiny flushes always merge together). Part sizes then grow geometrically, each row is rewritten O(log n) times,
// and a big part is not rewritten to absorb a tiny one -- unless the partition reached `maxParts`, where the
// smallest parts are merged whatever their sizes. design.md: 10 parts a month cost nothing, 1,000 were 30-68x slower.
// Last, a partition that stopped getting parts is merged down to one (`quietMs`), so past months do not keep the
// few parts the rules above leave.
import type { PartInfo } from './manifest.ts';

export interface MergePolicy {
  /** A partition with fewer parts is left alone. */
  readonly minParts: number;
  /** Parts per partition never stay above this: at this count a merge is forced. */
  readonly maxParts: number;
  /** Parts this small are always worth merging with each other. */
  readonly smallPartRows: number;
  /**
   * No merge writes a part above this many rows, and parts that size are never rewritten again (ClickHouse caps a
   * merge's size too): a merge's time and spill space stay bounded however big a partition grows. A partition made
   * only of such parts may then hold more than `maxParts`.
   */
  readonly maxMergeRows?: number;
  /**
   * A partition that got no new part for this long (ms) is merged down to one part, after every other merge
   * (ClickHouse's `min_age_to_force_merge_seconds`): partitions that stopped receiving rows, e.g. past months after
   * a bulk load, would otherwise keep the few parts the rules above leave, and every query opens each of them. Above
   * the flush interval, so a partition that gets rows at every flush is not rewritten at every flush.
   */
  readonly quietMs?: number;
  /**
   * ... and waits at least this long (ms) per million rows such a merge rewrites: a partition that gets a part now
   * and then (just above `quietMs` apart) costs at most a million rows rewritten per this many ms, not a full
   * rewrite of a big partition per trickle.
   */
  readonly quietMsPerMillionRows?: number;
}

export const DEFAULT_MERGE_POLICY: MergePolicy = {
  minParts: 4,
  maxParts: 10,
  // One row group. At 65,536 a bulk load's flushes (8k rows per month for 200k rows over 24 months) all counted as
  // that size, so the part they merged into kept absorbing the next ones: 8.5 rows rewritten per row loaded over 10M
  // rows vs 3.8 now (30M rows: 8.6 vs 5.0), with at most 4 parts a month (6 over 30M; merge-policy.test.ts).
  smallPartRows: 16_384,
  maxMergeRows: 20_000_000,
  quietMs: 15_000,
  quietMsPerMillionRows: 10_000,
};

/** The parts of one partition to merge into one, or null when the partition is fine as it is. */
export function pickMergeInPartition(all: readonly PartInfo[], policy: MergePolicy): PartInfo[] | null {
  const cap = policy.maxMergeRows ?? DEFAULT_MERGE_POLICY.maxMergeRows!;
  const parts = all.filter((p) => p.rows < cap);
  if (parts.length < Math.max(2, policy.minParts) && all.length < policy.maxParts) return null;
  const sorted = [...parts].sort((a, b) => a.rows - b.rows || a.file.localeCompare(b.file));
  const weight = (p: PartInfo) => Math.max(p.rows, policy.smallPartRows);
  // At the limit, enough parts that the partition ends one below it, so the next flush does not force again.
  const forced = all.length >= policy.maxParts ? all.length - policy.maxParts + 2 : 1;
  const chosen: PartInfo[] = [];
  let sum = 0;
  let rows = 0;
  for (const p of sorted) {
    if (chosen.length >= forced && weight(p) > 2 * sum) break;
    if (rows + p.rows > cap) break;
    chosen.push(p);
    sum += weight(p);
    rows += p.rows;
  }
  return chosen.length >= 2 ? chosen : null;
}

/** The next merge over all partitions of a table: the partition with the most parts first. */
export function pickMerge(parts: readonly PartInfo[], policy: MergePolicy): PartInfo[] | null {
  const ordered = [...groupByPartition(parts).values()].sort((a, b) => b.length - a.length);
  for (const list of ordered) {
    const pick = pickMergeInPartition(list, policy);
    if (pick) return pick;
  }
  return null;
}

/**
 * The parts a quiet partition is merged into one, whatever their sizes: the smallest first while the result stays
 * within `maxMergeRows` (so the partition ends as one part, or as few as the cap allows). Null when nothing is left
 * to merge.
 */
export function pickQuietMergeInPartition(all: readonly PartInfo[], policy: MergePolicy): PartInfo[] | null {
  const cap = policy.maxMergeRows ?? DEFAULT_MERGE_POLICY.maxMergeRows!;
  const sorted = all.filter((p) => p.rows < cap).sort((a, b) => a.rows - b.rows || a.file.localeCompare(b.file));
  const chosen: PartInfo[] = [];
  let rows = 0;
  for (const p of sorted) {
    if (rows + p.rows > cap) break;
    chosen.push(p);
    rows += p.rows;
  }
  return chosen.length >= 2 ? chosen : null;
}

/** How long (ms) a partition must have had no new part before `parts` are merged as a quiet partition. */
export function quietDelayMs(parts: readonly PartInfo[], policy: MergePolicy): number {
  const quiet = policy.quietMs ?? DEFAULT_MERGE_POLICY.quietMs!;
  const perMillion = policy.quietMsPerMillionRows ?? DEFAULT_MERGE_POLICY.quietMsPerMillionRows!;
  const rows = parts.reduce((n, p) => n + p.rows, 0);
  return Math.max(quiet, Math.ceil((rows / 1e6) * perMillion));
}

export interface QuietMerge {
  /** Parts to merge now (one partition), or null. */
  readonly parts: PartInfo[] | null;
  /** When (ms, like `now`) the next quiet partition becomes due, or null when none is waiting. */
  readonly dueAt: number | null;
}

/**
 * The quiet-partition merge due at `now` (the partition quiet the longest first), given when each partition last
 * got a new part (`lastNewPart`, ms). Meant to run only when `pickMerge` finds nothing.
 */
export function pickQuietMerge(
  parts: readonly PartInfo[],
  policy: MergePolicy,
  lastNewPart: (partition: string) => number,
  now: number,
): QuietMerge {
  let best: { parts: PartInfo[]; since: number } | null = null;
  let dueAt: number | null = null;
  for (const [partition, list] of groupByPartition(parts)) {
    const pick = pickQuietMergeInPartition(list, policy);
    if (!pick) continue;
    const since = lastNewPart(partition);
    const due = since + quietDelayMs(pick, policy);
    if (due > now) dueAt = dueAt === null ? due : Math.min(dueAt, due);
    else if (!best || since < best.since) best = { parts: pick, since };
  }
  return { parts: best?.parts ?? null, dueAt };
}

/**
 * When each partition last got a new part, learnt by looking at the live parts now and then (after every flush and
 * merge): a partition whose newest part (highest id) changed since the last look got one now. Merged parts count
 * as new too, so a partition is quiet only once its normal merges are done. Not persisted: after a restart every
 * partition counts as just written.
 */
export class PartitionActivity {
  private readonly newest = new Map<string, { file: string; at: number }>();

  observe(table: string, parts: readonly PartInfo[], now: number): void {
    const seen = new Set<string>();
    for (const [partition, list] of groupByPartition(parts)) {
      const key = `${table}\u0000${partition}`;
      seen.add(key);
      // Part files are named by zero-padded increasing ids inside one partition folder.
      const file = list.reduce((a, b) => (b.file > a ? b.file : a), list[0]!.file);
      if (this.newest.get(key)?.file !== file) this.newest.set(key, { file, at: now });
    }
    for (const key of this.newest.keys()) if (key.startsWith(`${table}\u0000`) && !seen.has(key)) this.newest.delete(key);
  }

  /** When `partition` of `table` last got a new part; `now` for one never observed. */
  lastNewPart(table: string, partition: string, now: number): number {
    return this.newest.get(`${table}\u0000${partition}`)?.at ?? now;
  }
}

function groupByPartition(parts: readonly PartInfo[]): Map<string, PartInfo[]> {
  const byPartition = new Map<string, PartInfo[]>();
  for (const p of parts) {
    const list = byPartition.get(p.partition);
    if (list) list.push(p);
    else byPartition.set(p.partition, [p]);
  }
  return byPartition;
}
