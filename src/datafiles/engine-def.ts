// ENGINE / ENGINE_* of a .datasource (spec §9.2): the engine table of the CLI's `ch_utils/engine.py` and the
// checks Tinybird makes when the datasource is created, so a bad engine fails at load instead of at query time.
import { DatafileError } from '../errors.ts';
import type { ColumnDef, EngineDef } from './types.ts';

/** Engine parameter names accepted as `ENGINE_<NAME>` (`VALID_ENGINE_PARAMS`). */
export const ENGINE_PARAMS = [
  'partition_key',
  'sorting_key',
  'primary_key',
  'sampling_key',
  'ttl',
  'settings',
  'ver',
  'is_deleted',
  'columns',
  'sign',
  'version',
] as const;
export type EngineParam = (typeof ENGINE_PARAMS)[number];

interface EngineSpec {
  readonly name: string;
  /** Engine arguments, in order, and whether each is required. */
  readonly params: readonly { readonly name: EngineParam; readonly required: boolean; readonly columns: 'one' | 'many' }[];
  readonly options: boolean;
  readonly sortingKeyRequired: boolean;
}

const ENGINES: readonly EngineSpec[] = [
  { name: 'MergeTree', params: [], options: true, sortingKeyRequired: false },
  {
    name: 'ReplacingMergeTree',
    params: [
      { name: 'ver', required: false, columns: 'one' },
      { name: 'is_deleted', required: false, columns: 'one' },
    ],
    options: true,
    sortingKeyRequired: true,
  },
  { name: 'SummingMergeTree', params: [{ name: 'columns', required: false, columns: 'many' }], options: true, sortingKeyRequired: false },
  { name: 'AggregatingMergeTree', params: [], options: true, sortingKeyRequired: false },
  { name: 'CollapsingMergeTree', params: [{ name: 'sign', required: true, columns: 'one' }], options: true, sortingKeyRequired: true },
  {
    name: 'VersionedCollapsingMergeTree',
    params: [
      { name: 'sign', required: true, columns: 'one' },
      { name: 'version', required: true, columns: 'one' },
    ],
    options: true,
    sortingKeyRequired: false,
  },
  { name: 'Null', params: [], options: false, sortingKeyRequired: false },
];

export interface EngineInput {
  /** ENGINE as written (env already substituted), or null when absent. */
  readonly engine: { readonly value: string; readonly line: number } | null;
  /** ENGINE_<param> values (and legacy PARTITION_KEY/... values) with their lines. */
  readonly params: ReadonlyMap<EngineParam, { readonly value: string; readonly line: number }>;
}

const stripBackticks = (s: string): string => s.trim().replace(/^`(.*)`$/s, '$1');

export function buildEngine(path: string, input: EngineInput, columns: readonly ColumnDef[]): EngineDef {
  const written = input.engine?.value ?? 'MergeTree';
  const engineLine = input.engine?.line ?? 1;
  const get = (p: EngineParam): string | null => input.params.get(p)?.value ?? null;
  const lineOf = (p: EngineParam): number => input.params.get(p)?.line ?? engineLine;

  checkSortingKey(path, written, get('sorting_key'), get('ver'), lineOf('sorting_key'), columns);

  const spec = ENGINES.find((e) => e.name.toLowerCase() === written.toLowerCase());
  if (!spec) {
    throw new DatafileError(
      path,
      engineLine,
      `Engine ${written} is not supported, supported engines include: ${ENGINES.map((e) => e.name).join(', ')}`,
    );
  }
  const names = new Set(columns.map((c) => c.name));
  for (const p of spec.params) {
    const value = get(p.name);
    if (p.required && value === null) throw new DatafileError(path, engineLine, `Missing required parameter '${p.name}'`);
    if (!value) continue;
    const wanted = p.columns === 'one' ? [value] : value.split(',');
    for (const col of wanted.map(stripBackticks)) {
      if (!names.has(col)) {
        throw new DatafileError(
          path,
          lineOf(p.name),
          `Invalid value '${value}' for parameter 'engine_${p.name}', reason: '${col}' column is not present in schema`,
        );
      }
    }
  }
  if (spec.sortingKeyRequired) {
    const key = get('sorting_key');
    if (key === null) throw new DatafileError(path, engineLine, `Missing required option 'sorting_key'`);
    const reason = key === '' ? 'Sorting key can not be empty' : key === 'tuple()' ? `'${key}' is not a valid sorting key` : null;
    if (reason) {
      throw new DatafileError(path, lineOf('sorting_key'), `Invalid value '${key}' for option 'engine_sorting_key', reason: ${reason}`);
    }
  }
  const option = (p: EngineParam): string | null => (spec.options ? get(p) : null);
  return {
    engine: spec.name,
    partitionKey: option('partition_key'),
    sortingKey: option('sorting_key'),
    primaryKey: option('primary_key'),
    samplingKey: option('sampling_key'),
    ttl: option('ttl'),
    ver: get('ver'),
    isDeleted: get('is_deleted'),
    sign: get('sign'),
    version: get('version'),
    summingColumns: get('columns'),
    settings: option('settings'),
  };
}

const AGGREGATE_FUNCTIONS = new Set([
  'sum', 'count', 'avg', 'min', 'max', 'any', 'grouparray', 'groupuniqarray', 'uniq',
  'summerge', 'countmerge', 'avgmerge', 'minmerge', 'maxmerge', 'anymerge', 'grouparraymerge', 'groupuniqarraymerge', 'uniqmerge',
]);

// Datafile.validate in the CLI (spec §9.2): a sorting key may not use Nullable or AggregateFunction columns,
// aggregate expressions, or a ReplacingMergeTree's version column.
function checkSortingKey(
  path: string,
  engine: string,
  key: string | null,
  ver: string | null,
  line: number,
  columns: readonly ColumnDef[],
): void {
  if (!key || key === 'tuple()') return;
  if (engine === 'ReplacingMergeTree' && ver && key.includes(ver)) {
    throw new DatafileError(
      path,
      line,
      `ENGINE_VER column '${ver}' cannot be included in the sorting key for ReplacingMergeTree. ` +
        'Including the version column in the sorting key prevents deduplication because rows with different ' +
        "versions will have different sorting keys and won't be considered duplicates. The sorting key should " +
        'define the record identity (what makes it unique), while ENGINE_VER tracks which version to keep.',
    );
  }
  const inner = key.startsWith('tuple(') && key.endsWith(')') ? key.slice(6, -1) : key;
  const used: string[] = [];
  for (const raw of inner.split(',')) {
    const part = raw.trim();
    const call = part.includes('(') && part.endsWith(')');
    if (call && AGGREGATE_FUNCTIONS.has(part.slice(0, part.indexOf('(')).trim().toLowerCase())) {
      throw new DatafileError(
        path,
        line,
        `Sorting key contains aggregate function expression '${part}'. Aggregate function expressions cannot be used in sorting keys.`,
      );
    }
    if (call) {
      for (const arg of part.slice(part.indexOf('(') + 1, -1).split(',')) {
        const name = stripBackticks(arg);
        if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) used.push(name);
      }
    } else if (part) {
      used.push(stripBackticks(part));
    }
  }
  const byName = new Map(columns.map((c) => [c.name, c]));
  for (const name of used) {
    const col = byName.get(name);
    if (!col) continue;
    if (col.nullable || col.type.includes('Nullable(')) {
      throw new DatafileError(path, line, `Sorting key contains nullable column '${name}'. Nullable columns cannot be used in sorting keys.`);
    }
    if (col.type.toLowerCase().includes('aggregatefunction')) {
      throw new DatafileError(
        path,
        line,
        `Sorting key contains column '${name}' with AggregateFunction type. AggregateFunction columns cannot be used in sorting keys.`,
      );
    }
  }
}
