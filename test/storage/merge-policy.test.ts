import { describe, expect, it } from 'vitest';
import type { PartInfo } from '../../src/storage/manifest.ts';
import { pickMerge, pickMergeInPartition, type MergePolicy } from '../../src/storage/merge-policy.ts';

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
