import { describe, expect, it } from 'vitest';
import type { PartInfo } from '../../src/storage/manifest.ts';
import {
  DEFAULT_MERGE_POLICY,
  PartitionActivity,
  pickMerge,
  pickMergeInPartition,
  pickQuietMerge,
  pickQuietMergeInPartition,
  quietDelayMs,
  type MergePolicy,
} from '../../src/storage/merge-policy.ts';

const policy: MergePolicy = { minParts: 4, maxParts: 10, smallPartRows: 100, maxMergeRows: 1e9 };
const parts = (rows: number[], partition = '202401'): PartInfo[] =>
  rows.map((r, i) => ({ file: `t/partition=${partition}/part-${String(i).padStart(3, '0')}.parquet`, partition, rows: r, bytes: r }));
const rowsOf = (p: PartInfo[] | null) => (p ? p.map((x) => x.rows) : null);

describe('pickMergeInPartition', () => {
  it.each([
    ['below minParts', [1, 1, 1], null],
    ['tiny parts all merge', [1, 1, 1, 1], [1, 1, 1, 1]],
    ['small parts merge, the big one stays', [1_000_000, 5, 3, 1], [1, 3, 5]],
    ['parts under smallPartRows count as that size', [1_000_000, 90, 80, 150], [80, 90, 150]],
    ['a lone small part does not pull in big ones', [1_000_000, 500_000, 300_000, 1], null],
    ['balanced big parts merge', [1000, 1100, 1200, 5000], [1000, 1100, 1200, 5000]],
    ['geometric sizes below maxParts stay', [1000, 3000, 9000, 30000, 100000], null],
    [
      'at maxParts the smallest merge whatever their size',
      [1000, 3000, 9000, 30000, 100000, 300000, 1e6, 3e6, 1e7, 3e7],
      [1000, 3000],
    ],
    [
      'far above maxParts enough merge to get back under it',
      [1e3, 3e3, 1e4, 3e4, 1e5, 3e5, 1e6, 3e6, 1e7, 3e7, 1e8, 3e8],
      [1e3, 3e3, 1e4, 3e4],
    ],
  ])('%s', (_name, rows, expected) => {
    expect(rowsOf(pickMergeInPartition(parts(rows as number[]), policy))).toEqual(expected);
  });

  const capped: MergePolicy = { ...policy, maxMergeRows: 10_000 };
  it.each([
    ['parts at the cap are never merged again', [10_000, 10_000, 10_000, 10_000], null],
    ['small parts merge beside capped ones', [10_000, 10_000, 1, 1, 1, 1], [1, 1, 1, 1]],
    ['a merge stops before it would pass the cap', [4_000, 4_000, 4_000, 4_000], [4_000, 4_000]],
    ['at maxParts the cap still holds', [9_000, 9_000, 9_000, 9_000, 9_000, 9_000, 9_000, 9_000, 9_000, 9_000], null],
    ['at maxParts small parts merge even below minParts', [10_000, 10_000, 10_000, 10_000, 10_000, 10_000, 10_000, 10_000, 5, 5], [5, 5]],
  ])('with maxMergeRows: %s', (_name, rows, expected) => {
    expect(rowsOf(pickMergeInPartition(parts(rows as number[]), capped))).toEqual(expected);
  });
});

describe('pickMerge', () => {
  it('picks the partition with the most parts and never mixes partitions', () => {
    const all = [...parts([1, 1, 1, 1], '202401'), ...parts([2, 2, 2, 2, 2], '202402')];
    const pick = pickMerge(all, policy)!;
    expect(pick.map((p) => p.partition)).toEqual(['202402', '202402', '202402', '202402', '202402']);
  });

  it('returns null when no partition needs a merge', () => {
    expect(pickMerge([...parts([1, 1], 'a'), ...parts([1, 1, 1], 'b')], policy)).toBeNull();
  });
});

describe('pickQuietMergeInPartition', () => {
  const capped: MergePolicy = { ...policy, maxMergeRows: 10_000 };
  it.each([
    ['one part: nothing to do', [5], null],
    ['two parts of any sizes merge into one', [9_000, 1], [1, 9_000]],
    ['every part merges, below minParts too', [300, 100, 200], [100, 200, 300]],
    ['parts at the cap stay; the rest merge', [10_000, 10_000, 4_000, 3_000], [3_000, 4_000]],
    ['the smallest merge as far as the cap allows', [6_000, 3_000, 2_000, 1_000], [1_000, 2_000, 3_000]],
    ['a lone part below the cap beside capped ones stays', [10_000, 10_000, 4_000], null],
    ['two parts whose sum passes the cap stay', [6_000, 5_000], null],
  ])('%s', (_name, rows, expected) => {
    expect(rowsOf(pickQuietMergeInPartition(parts(rows as number[]), capped))).toEqual(expected);
  });
});

describe('quietDelayMs', () => {
  const q: MergePolicy = { ...policy, quietMs: 5_000, quietMsPerMillionRows: 10_000 };
  it.each([
    ['small merges wait quietMs', [1_000, 2_000], 5_000],
    ['big merges wait in proportion to their rows', [1_500_000, 1_500_000], 30_000],
    ['just above the threshold', [250_000, 250_001], 5_001],
  ])('%s', (_name, rows, expected) => {
    expect(quietDelayMs(parts(rows), q)).toBe(expected);
  });
});

describe('pickQuietMerge', () => {
  const q: MergePolicy = { ...policy, quietMs: 1_000, quietMsPerMillionRows: 0 };
  const all = [...parts([10, 20], 'a'), ...parts([30, 40, 50], 'b'), ...parts([60], 'c'), ...parts([5, 5], 'd')];
  const last = (at: Record<string, number>) => (partition: string) => at[partition]!;
  it.each([
    ['nothing quiet yet: the earliest due time', { a: 500, b: 800, c: 0, d: 900 }, 1_200, null, 1_500],
    ['one partition quiet', { a: 100, b: 800, c: 0, d: 900 }, 1_200, ['a', [10, 20]], 1_800],
    ['the one quiet the longest first', { a: 100, b: 50, c: 0, d: 150 }, 1_200, ['b', [30, 40, 50]], null],
    ['exactly due counts as due', { a: 200, b: 900, c: 0, d: 900 }, 1_200, ['a', [10, 20]], 1_900],
    ['a single-part partition is never picked nor waited for', { a: 1_000, b: 1_000, c: -5_000, d: 1_000 }, 1_200, null, 2_000],
  ])('%s', (_name, at, now, expected, dueAt) => {
    const r = pickQuietMerge(all, q, last(at), now);
    expect(r.parts ? [r.parts[0]!.partition, rowsOf(r.parts)] : null).toEqual(expected);
    expect(r.dueAt).toBe(dueAt);
  });
});

describe('PartitionActivity', () => {
  const part = (partition: string, id: number, table = 't'): PartInfo => ({
    file: `${table}/partition=${partition}/part-${String(id).padStart(10, '0')}.parquet`,
    partition,
    rows: 1,
    bytes: 1,
  });
  it('dates a partition by the last look that found a new newest part', () => {
    const a = new PartitionActivity();
    a.observe('t', [part('a', 1), part('b', 2)], 100);
    a.observe('t', [part('a', 1), part('b', 2), part('b', 3)], 200);
    expect([a.lastNewPart('t', 'a', 999), a.lastNewPart('t', 'b', 999)]).toEqual([100, 200]);
    // A merge of b's parts replaces them with a newer one: b counts as written again.
    a.observe('t', [part('a', 1), part('b', 4)], 300);
    // Part 10 sorts after part 9 (zero-padded ids), and removing older parts is no news.
    a.observe('t', [part('a', 9), part('a', 10), part('b', 4)], 400);
    a.observe('t', [part('a', 10), part('b', 4)], 500);
    expect([a.lastNewPart('t', 'a', 999), a.lastNewPart('t', 'b', 999)]).toEqual([400, 300]);
  });

  it('keeps tables apart, forgets partitions that are gone, and treats unseen ones as new', () => {
    const a = new PartitionActivity();
    a.observe('t', [part('a', 1)], 100);
    a.observe('u', [part('a', 1, 'u')], 200);
    expect([a.lastNewPart('t', 'a', 999), a.lastNewPart('u', 'a', 999)]).toEqual([100, 200]);
    a.observe('t', [], 300);
    expect([a.lastNewPart('t', 'a', 999), a.lastNewPart('u', 'a', 999), a.lastNewPart('t', 'zz', 999)]).toEqual([999, 200, 999]);
  });
});

describe('the default policy over a bulk load', () => {
  /** Flushes of `rows` rows into one partition, merging after each as the merge loop does. */
  function load(flushes: number, rows: number) {
    let id = 0;
    let live: PartInfo[] = [];
    let rewritten = 0;
    let most = 0;
    const part = (n: number): PartInfo => ({ file: `t/partition=p/part-${String(id++).padStart(10, '0')}.parquet`, partition: 'p', rows: n, bytes: n });
    for (let f = 0; f < flushes; f++) {
      live.push(part(rows));
      most = Math.max(most, live.length);
      for (let pick = pickMerge(live, DEFAULT_MERGE_POLICY); pick; pick = pickMerge(live, DEFAULT_MERGE_POLICY)) {
        const merged = new Set(pick.map((p) => p.file));
        const n = pick.reduce((a, p) => a + p.rows, 0);
        live = [...live.filter((p) => !merged.has(p.file)), part(n)];
        rewritten += n;
      }
    }
    return { rewrittenPerRow: Math.round((100 * rewritten) / (flushes * rows)) / 100, mostParts: most, partsAtEnd: live.length };
  }

  // flushRows 200k over 24 months: 8,333 rows a month per flush; 10M rows are 50 flushes, 30M 150.
  it.each([
    ['10M rows', 50, { rewrittenPerRow: 3.8, mostParts: 4, partsAtEnd: 3 }],
    ['30M rows', 150, { rewrittenPerRow: 4.98, mostParts: 6, partsAtEnd: 3 }],
  ])('rewrites few rows per row loaded, within maxParts: %s', (_name, flushes, expected) => {
    expect(load(flushes, 8_333)).toEqual(expected);
  });
});
