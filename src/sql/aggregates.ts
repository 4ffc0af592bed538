// ClickHouse aggregates with parameters and combinators (-If, -Distinct, -OrNull, -OrDefault, -State,
// -Merge, -SimpleState) written as DuckDB aggregates with FILTER/DISTINCT. Result types follow ClickHouse:
// count/uniq are UInt64, sum of signed ints Int64, and empty inputs give ClickHouse's 0 / [] where it does.
import type { Token } from './tokenize.ts';
import type { Node } from './token-tree.ts';
import { isWord } from './token-tree.ts';
import type { Translator } from './translate-sql.ts';
import { isBooleanExpr } from './token-tree.ts';
import { unsupported } from './unsupported.ts';
import { isNullableType, sumType } from './static-type.ts';
import { aggregateStateType, stateFunction } from './aggregate-states.ts';
import { duckdbType, splitTypeArgs } from './types.ts';

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
  /** ClickHouse type of the (first) argument where known statically (static-type.ts). */
  readonly argType?: string | null;
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
const orDefault = (c: Call, agg: string, fallback = `ch_default(${agg})`) =>
  c.orNull || c.windowed || isNullableType(c.argType ?? null) ? agg : `coalesce(${agg}, CASE WHEN ${rowCount(c)} = 0 THEN ${fallback} END)`;
/** Rows the aggregate saw: where there were some and all were NULL, ClickHouse answers NULL (a Nullable argument). */
const rowCount = (c: Call) => `count(*)${filter(c)}`;
/** avg, variances, quantiles and corr of no rows are nan in ClickHouse (DuckDB: NULL); JSON shows both as null. */
const nanIfEmpty = (c: Call, agg: string, nan = "CAST('nan' AS DOUBLE)") =>
  c.orNull || c.windowed ? agg : `CASE WHEN ${rowCount(c)} = 0 THEN ${nan} ELSE ${agg} END`;

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
    // ClickHouse sums signed ints into Int64, unsigned into UInt64, floats into Float64 (DuckDB: HUGEINT, HUGEINT,
    // DOUBLE) and an empty sum is 0 (DuckDB: NULL). No DuckDB expression maps a type to its 64-bit form keeping
    // signedness, so without a statically known argument type (static-type.ts) a sum is Int64.
    const total = orDefault(c, s, '0');
    if (c.unsignedArgs) return u64(total);
    const known = sumType(c.argType ?? null);
    if (known) return `CAST(${total} AS ${known})`;
    return `cast_to_type(${total}, max(${x}) + CAST(0 AS BIGINT))`;
  },
  avg: (c) => nanIfEmpty(c, `avg(${d(c)}${one(c)})${filter(c)}`),
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
  quantile: (c) => nanIfEmpty(c, `quantile_cont(${one(c)}, ${c.params[0] ?? '0.5'})${filter(c)}`),
  quantiles: (c) => nanIfEmpty(c, `quantile_cont(${one(c)}, [${c.params.join(', ')}])${filter(c)}`, `[${c.params.map(() => "CAST('nan' AS DOUBLE)").join(', ')}]`),
  quantileExact: (c) => orDefault(c, `ch_quantile_exact(list(${one(c)})${filter(c, `${one(c)} IS NOT NULL`)}, ${c.params[0] ?? '0.5'})`),
  median: (c) => nanIfEmpty(c, `quantile_cont(${one(c)}, 0.5)${filter(c)}`),
  stddevPop: (c) => nanIfEmpty(c, `stddev_pop(${one(c)})${filter(c)}`),
  stddevSamp: (c) => nanIfEmpty(c, `stddev_samp(${one(c)})${filter(c)}`),
  varPop: (c) => nanIfEmpty(c, `var_pop(${one(c)})${filter(c)}`),
  varSamp: (c) => nanIfEmpty(c, `var_samp(${one(c)})${filter(c)}`),
  corr: (c) => nanIfEmpty(c, `corr(${c.args.join(', ')})${filter(c)}`),
  topK: (c) => `coalesce(approx_top_k(${one(c)}, ${c.params[0] ?? '10'})${filter(c)}, [])`,
  groupBitOr: (c) => orDefault(c, `bit_or(${one(c)})${filter(c)}`),
  // Every bit set is the identity of AND: ClickHouse's groupBitAnd of no rows is -1 (or the unsigned maximum).
  groupBitAnd: (c) => orDefault(c, `bit_and(${one(c)})${filter(c)}`, `~ch_default(bit_and(${one(c)})${filter(c)})`),
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
  // Functions that only appear with -State/-Merge here (quantilesExact, medianTDigest...).
  if (stateFunction(name)?.conditional === false) return name;
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
 * -State / -Merge / -MergeState through the persistent state representation of aggregate-states.ts, so a state
 * built here is the value an AggregateFunction column stores. The -If of fIfState filters the rows; fIfMerge
 * merges fIf's states, which are f's.
 */
function translateState(agg: AggregateName, name: Token, c: Call): string {
  const suffix = agg.combinators.join('');
  const fnName = name.text.slice(0, name.text.length - suffix.length);
  const st = stateFunction(fnName)?.fn;
  if (!st) throw unsupported(`${name.text} (no state representation)`, name);
  if (c.distinct || agg.combinators.some((x) => x !== 'If' && x !== 'State' && x !== 'Merge'))
    throw unsupported(`${name.text} (combinators with -State/-Merge)`, name);
  if (!agg.combinators.includes('Merge')) {
    const args = c.args.length === 1 && c.args[0] === '*' ? [] : c.args;
    if (args.length < st.arity[0] || args.length > st.arity[1]) throw unsupported(`${name.text} with ${args.length} arguments`, name);
    const state = st.state(args, c.params, (...extra) => filter(c, ...extra));
    // A statically known argument type gives the state its stored column's type within one query too, so that
    // sumMerge(sumState(a UInt32 column)) is a UInt64 as in ClickHouse.
    const type = args.length === 1 && c.argType ? storedStateType(fnName, c.argType) : null;
    return type ? `CAST(${state} AS ${type})` : state;
  }
  const s = one(c);
  return agg.combinators.includes('State') ? st.combine(s, c.params) : st.merge(s, c.params, nullableStateArgument(c.argType));
}

function storedStateType(fnName: string, argType: string): string | null {
  try {
    return aggregateStateType(fnName, [duckdbType(argType)]);
  } catch {
    return null;
  }
}

/** A column declared `AggregateFunction(min, Nullable(T))` merges to NULL where it holds no value. */
function nullableStateArgument(chType: string | null | undefined): boolean {
  const m = chType ? /^\s*AggregateFunction\s*\((.*)\)\s*$/s.exec(chType) : null;
  return m !== null && isNullableType(splitTypeArgs(m[1]!)[1] ?? null);
}

export function translateAggregate(
  tr: Translator,
  agg: AggregateName,
  name: Token,
  args: Node[][],
  params: Node[][],
  aliases: ReadonlyMap<string, string>,
  windowed: boolean,
): string {
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
    argType: argNodes[0] ? tr.staticType(argNodes[0]) : null,
  };
  try {
    if (combos.has('State') || combos.has('Merge')) return translateState(agg, name, call);
    const fn = AGGREGATES[agg.base];
    if (!fn) throw unsupported(`aggregate combinator in ${name.text}`, name);
    // -SimpleState values are the plain aggregate's values.
    return fn(call);
  } catch (e) {
    if (e instanceof Error && e.message === 'expects one argument') throw unsupported(`${name.text} with ${call.args.length} arguments`, name);
    throw e;
  }
}
