// Which parts to merge next, MergeTree style, within one partition: start from the smallest part and take the
// next one while it is at most twice the rows gathered so far (parts under `smallPartRows` count as that size, so
// tiny flushes always merge together). Part sizes then grow geometrically, each row is rewritten O(log n) times,
// and a big part is not rewritten to absorb a tiny one -- unless the partition reached `maxParts`, where the
// smallest parts are merged whatever their sizes. design.md: 10 parts a month cost nothing, 1,000 were 30-68x slower.
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
}

export const DEFAULT_MERGE_POLICY: MergePolicy = { minParts: 4, maxParts: 10, smallPartRows: 65_536, maxMergeRows: 20_000_000 };

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
  const byPartition = new Map<string, PartInfo[]>();
  for (const p of parts) {
    const list = byPartition.get(p.partition);
    if (list) list.push(p);
    else byPartition.set(p.partition, [p]);
  }
  const ordered = [...byPartition.values()].sort((a, b) => b.length - a.length);
  for (const list of ordered) {
    const pick = pickMergeInPartition(list, policy);
    if (pick) return pick;
  }
  return null;
}
