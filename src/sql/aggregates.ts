// ClickHouse aggregates with parameters and combinators (-If, -Distinct, -OrNull, -OrDefault, -State,
// -Merge, -SimpleState) written as DuckDB aggregates with FILTER/DISTINCT. Result types follow ClickHouse:
// count/uniq are UInt64, sum of signed ints Int64, and empty inputs give ClickHouse's 0 / [] where it does.
import type { Token } from './tokenize.ts';
import type { Node } from './token-tree.ts';
import { isWord } from './token-tree.ts';
import type { Translator } from './translate-sql.ts';
import { isBooleanExpr } from './token-tree.ts';
import { unsupported } from './unsupported.ts';

type Combinator = 'If' | 'Distinct' | 'OrNull' | 'OrDefault' | 'State' | 'Merge' | 'SimpleState';
const COMBINATORS: readonly Combinator[] = ['SimpleState', 'OrDefault', 'Distinct', 'OrNull', 'State', 'Merge', 'If'];
const UNSUPPORTED_COMBINATORS = ['Array', 'ForEach', 'Resample', 'ArgMin', 'ArgMax', 'Map'];

export interface AggregateName {
  readonly base: string;
  readonly combinators: readonly Combinator[];
}

interface Call {
  readonly args: string[];
  readonly params: string[];
  readonly distinct: boolean;
  /** Extra FILTER condition from -If, already translated. */
  readonly cond: string | null;
  readonly orNull: boolean;
  readonly windowed: boolean;
  /** Every argument is a comparison or logic expression (UInt8 in ClickHouse). */
  readonly unsignedArgs: boolean;
}

const filter = (c: Call, ...extra: string[]) => {
  const conds = [...extra, ...(c.cond ? [c.cond] : [])];
  return conds.length && !c.windowed ? ` FILTER (WHERE ${conds.map((x) => (conds.length > 1 ? `(${x})` : x)).join(' AND ')})` : '';
};
const d = (c: Call) => (c.distinct ? 'DISTINCT ' : '');
const one = (c: Call) => {
  if (c.args.length !== 1) throw new Error('expects one argument');
  return c.args[0]!;
};
const tupleArg = (c: Call) => (c.args.length === 1 ? c.args[0]! : `row(${c.args.join(', ')})`);

const u64 = (s: string) => `CAST(${s} AS UBIGINT)`;
/**
 * Over no rows (an empty table, or -If matching nothing) ClickHouse answers the type's default, not NULL; for
 * a Nullable column it would answer NULL, which the result type cannot tell apart (README: known difference).
 */
const orDefault = (c: Call, agg: string) => (c.orNull || c.windowed ? agg : `coalesce(${agg}, ch_default(${agg}))`);

/** Plain aggregates: DuckDB SQL for one call. */
const AGGREGATES: Record<string, (c: Call) => string> = {
  count: (c) => {
    const inner = c.args.length === 0 || c.args[0] === '*' ? '*' : d(c) + tupleArg(c);
    return c.windowed ? `count(${inner})` : u64(`count(${inner})${filter(c)}`);
  },
  sum: (c) => {
    const x = one(c);
    const s = `sum(${d(c)}${x})${filter(c)}`;
    if (c.windowed) return s;
    // ClickHouse sums signed ints into Int64 (DuckDB: HUGEINT) and an empty sum is 0 (DuckDB: NULL). No DuckDB
    // expression maps a type to its 64-bit form keeping signedness, so unsigned sums are Int64 unless the
    // argument is known to be a UInt8 condition.
    const total = c.orNull ? s : `coalesce(${s}, 0)`;
    if (c.unsignedArgs) return u64(total);
    return `cast_to_type(${total}, max(${x}) + CAST(0 AS BIGINT))`;
  },
  avg: (c) => `avg(${d(c)}${one(c)})${filter(c)}`,
  min: (c) => orDefault(c, `min(${one(c)})${filter(c)}`),
  max: (c) => orDefault(c, `max(${one(c)})${filter(c)}`),
  any: (c) => orDefault(c, `any_value(${one(c)})${filter(c)}`),
  anyLast: (c) => orDefault(c, `last(${one(c)})${filter(c, `${one(c)} IS NOT NULL`)}`),
  uniqExact: (c) => (c.windowed ? `count(DISTINCT ${tupleArg(c)})` : u64(`count(DISTINCT ${tupleArg(c)})${filter(c)}`)),
  groupArray: (c) => {
    const l = `coalesce(list(${one(c)})${filter(c, `${one(c)} IS NOT NULL`)}, [])`;
    return c.params.length ? `list_slice(${l}, 1, ${c.params[0]})` : l;
  },
  groupUniqArray: (c) => `coalesce(list(DISTINCT ${one(c)})${filter(c, `${one(c)} IS NOT NULL`)}, [])`,
  argMax: (c) => orDefault(c, `arg_max(${c.args.join(', ')})${filter(c)}`),
  argMin: (c) => orDefault(c, `arg_min(${c.args.join(', ')})${filter(c)}`),
  quantile: (c) => `quantile_cont(${one(c)}, ${c.params[0] ?? '0.5'})${filter(c)}`,
  quantiles: (c) => `quantile_cont(${one(c)}, [${c.params.join(', ')}])${filter(c)}`,
  quantileExact: (c) => `ch_quantile_exact(list(${one(c)})${filter(c, `${one(c)} IS NOT NULL`)}, ${c.params[0] ?? '0.5'})`,
  median: (c) => `quantile_cont(${one(c)}, 0.5)${filter(c)}`,
  stddevPop: (c) => `stddev_pop(${one(c)})${filter(c)}`,
  stddevSamp: (c) => `stddev_samp(${one(c)})${filter(c)}`,
  varPop: (c) => `var_pop(${one(c)})${filter(c)}`,
  varSamp: (c) => `var_samp(${one(c)})${filter(c)}`,
  corr: (c) => `corr(${c.args.join(', ')})${filter(c)}`,
  topK: (c) => `coalesce(approx_top_k(${one(c)}, ${c.params[0] ?? '10'})${filter(c)}, [])`,
  groupBitOr: (c) => `bit_or(${one(c)})${filter(c)}`,
  groupBitAnd: (c) => `bit_and(${one(c)})${filter(c)}`,
};
const ALIASES: Record<string, string> = {
  uniq: 'uniqExact',
  uniqCombined: 'uniqExact',
  uniqCombined64: 'uniqExact',
  uniqHLL12: 'uniqExact',
  countDistinct: 'uniqExact',
  groupArrayDistinct: 'groupUniqArray',
  any_value: 'any',
  first_value: 'any',
  last_value: 'anyLast',
  quantileTDigest: 'quantile',
  quantilesTDigest: 'quantiles',
  quantileExactExclusive: 'quantileExact',
  stddev_pop: 'stddevPop',
  stddev_samp: 'stddevSamp',
  arg_max: 'argMax',
  arg_min: 'argMin',
};
// SQL-standard aggregates are case-insensitive in ClickHouse.
const CASE_INSENSITIVE = new Set(['count', 'sum', 'avg', 'min', 'max', 'any', 'stddevPop', 'stddevSamp', 'varPop', 'varSamp', 'corr']);

function baseName(name: string): string | null {
  const n = ALIASES[name] ?? name;
  if (n in AGGREGATES) return n;
  const lower = name.toLowerCase();
  for (const k of CASE_INSENSITIVE) if (k.toLowerCase() === lower) return k;
  return null;
}

export function parseAggregateName(name: string): AggregateName | null {
  const base = baseName(name);
  if (base) return { base, combinators: [] };
  for (const c of COMBINATORS) {
    if (name.length > c.length && name.endsWith(c)) {
      const inner = parseAggregateName(name.slice(0, -c.length));
      if (inner) return { base: inner.base, combinators: [...inner.combinators, c] };
    }
  }
  for (const c of UNSUPPORTED_COMBINATORS) {
    if (name.length > c.length && name.endsWith(c) && parseAggregateName(name.slice(0, -c.length)))
      return { base: name, combinators: [] };
  }
  return null;
}

/**
 * -State values: a representation whose -Merge in the same query gives ClickHouse's result. `mergeState`
 * (-MergeState) combines states into a state; where absent, the merged value is itself a valid state.
 */
const STATE: Record<string, { state: (c: Call) => string; merge: (s: string, c: Call) => string; mergeState?: (s: string, c: Call) => string }> = {
  count: { state: (c) => AGGREGATES.count!(c), merge: (s, c) => u64(`coalesce(sum(${s})${filter(c)}, 0)`) },
  sum: { state: (c) => AGGREGATES.sum!(c), merge: (s, c) => AGGREGATES.sum!({ ...c, args: [s] }) },
  min: { state: (c) => AGGREGATES.min!(c), merge: (s, c) => AGGREGATES.min!({ ...c, args: [s] }) },
  max: { state: (c) => AGGREGATES.max!(c), merge: (s, c) => AGGREGATES.max!({ ...c, args: [s] }) },
  any: { state: (c) => AGGREGATES.any!(c), merge: (s, c) => AGGREGATES.any!({ ...c, args: [s] }) },
  avg: {
    state: (c) => `{'s': sum(${one(c)})${filter(c)}, 'c': count(${one(c)})${filter(c)}}`,
    merge: (s, c) => `sum((${s}).s)${filter(c)} / sum((${s}).c)${filter(c)}`,
    mergeState: (s, c) => `{'s': sum((${s}).s)${filter(c)}, 'c': sum((${s}).c)${filter(c)}}`,
  },
  uniqExact: {
    state: (c) => `coalesce(list(DISTINCT ${tupleArg(c)})${filter(c, `${tupleArg(c)} IS NOT NULL`)}, [])`,
    merge: (s, c) => u64(`len(list_distinct(flatten(coalesce(list(${s})${filter(c)}, []))))`),
    mergeState: (s, c) => `list_distinct(flatten(coalesce(list(${s})${filter(c)}, [])))`,
  },
  argMax: {
    state: (c) => `{'v': arg_max(${c.args.join(', ')})${filter(c)}, 'k': max(${c.args[1]})${filter(c)}}`,
    merge: (s, c) => `arg_max((${s}).v, (${s}).k)${filter(c)}`,
    mergeState: (s, c) => `{'v': arg_max((${s}).v, (${s}).k)${filter(c)}, 'k': max((${s}).k)${filter(c)}}`,
  },
  argMin: {
    state: (c) => `{'v': arg_min(${c.args.join(', ')})${filter(c)}, 'k': min(${c.args[1]})${filter(c)}}`,
    merge: (s, c) => `arg_min((${s}).v, (${s}).k)${filter(c)}`,
    mergeState: (s, c) => `{'v': arg_min((${s}).v, (${s}).k)${filter(c)}, 'k': min((${s}).k)${filter(c)}}`,
  },
  groupArray: {
    state: (c) => AGGREGATES.groupArray!(c),
    merge: (s, c) => `flatten(coalesce(list(${s})${filter(c)}, []))`,
  },
};

export function translateAggregate(
  tr: Translator,
  agg: AggregateName,
  name: Token,
  args: Node[][],
  params: Node[][],
  aliases: ReadonlyMap<string, string>,
  windowed: boolean,
): string {
  const fn = AGGREGATES[agg.base];
  if (!fn) throw unsupported(`aggregate combinator in ${name.text}`, name);
  const combos = new Set(agg.combinators);
  let distinct = combos.has('Distinct');
  let argNodes = args;
  if (argNodes[0] && isWord(argNodes[0][0], 'DISTINCT')) {
    distinct = true;
    argNodes = [argNodes[0].slice(1), ...argNodes.slice(1)];
  }
  let cond: string | null = null;
  // countIfMerge(s) merges states made by countIfState: the condition was applied when the state was built.
  if (combos.has('If') && !combos.has('Merge')) {
    const last = argNodes[argNodes.length - 1];
    if (!last) throw unsupported(`${name.text} without a condition`, name);
    cond = tr.expr(last, aliases);
    argNodes = argNodes.slice(0, -1);
  }
  if (windowed && (cond || combos.has('State') || combos.has('Merge'))) throw unsupported(`${name.text} as a window function`, name);
  const call: Call = {
    // A comparison is a UInt8 in ClickHouse, so sum(x > 0) counts; DuckDB cannot add BOOLEANs.
    args: argNodes.map((a) =>
      a.length === 1 && a[0]!.kind === 'op' && a[0]!.text === '*' ? '*' : isBooleanExpr(a) ? `CAST(${tr.expr(a, aliases)} AS UTINYINT)` : tr.expr(a, aliases),
    ),
    params: params.map((p) => tr.expr(p, aliases)),
    distinct,
    cond,
    orNull: combos.has('OrNull'),
    windowed,
    unsignedArgs: argNodes.length > 0 && argNodes.every((a) => isBooleanExpr(a)),
  };
  try {
    if (combos.has('State') || combos.has('Merge')) {
      const st = STATE[agg.base];
      if (!st) throw unsupported(`${name.text} (no state representation)`, name);
      if (combos.has('State') && combos.has('Merge')) return (st.mergeState ?? st.merge)(one(call), call);
      return combos.has('State') ? st.state(call) : st.merge(one(call), call);
    }
    // -SimpleState values are the plain aggregate's values.
    return fn(call);
  } catch (e) {
    if (e instanceof Error && e.message === 'expects one argument') throw unsupported(`${name.text} with ${call.args.length} arguments`, name);
    throw e;
  }
}
