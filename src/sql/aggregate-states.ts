// Persistent ClickHouse aggregate states. Materialized views write `fState(x)` into AggregatingMergeTree data
// sources whose columns are `AggregateFunction(f, T...)`, and endpoints read them with `fMerge` (spec §9.2:
// "AggregatingMergeTree columns hold states merged by uniqMerge/countMerge"). duckbird keeps data sources as
// Parquet, so a state is an ordinary DuckDB value: it survives Parquet round trips and restarts, and states of
// the same function combine (storage merging parts with one sorting key, endpoints merging many rows).
//
// Representation. T = the argument's DuckDB type (several arguments: STRUCT("1" T1, "2" T2, ...)); S = the sum
// type: BIGINT for signed ints, UBIGINT for unsigned ints and Bool, DOUBLE for floats, DECIMAL(38, s) for
// decimals, HUGEINT/UHUGEINT for 128/256-bit ints. "-Merge" is the result type of fMerge, as in ClickHouse.
//
// | function                                  | DuckDB state type                | combine (-MergeState)        | -Merge        |
// |-------------------------------------------|----------------------------------|------------------------------|---------------|
// | count, countIf                            | UBIGINT                          | sum                          | UInt64        |
// | sum                                       | S (NULL: no value)               | sum                          | S             |
// | avg                                       | STRUCT("sum" S, "count" UBIGINT) | sum of each field            | Float64       |
// | min, max                                  | T (NULL: no value)               | min, max                     | T             |
// | any, anyLast                              | T (NULL: no value)               | first / last non-NULL        | T             |
// | argMax(a, v), argMin(a, v)                | STRUCT("arg" A, "val" V)         | arg_max / arg_min by "val"   | A             |
// | uniq, uniqExact, uniqCombined(64),        | T[] of distinct values           | union (distinct of concat)   | UInt64        |
// |   uniqHLL12, countDistinct                |                                  |                              |               |
// | groupArray(N)                             | T[]                              | concatenation, first N       | Array(T)      |
// | groupUniqArray(N), groupArrayDistinct     | T[] of distinct values           | union, first N               | Array(T)      |
// | quantile, median, quantiles               | T[] of every non-NULL value      | concatenation                | Float64 (Arr) |
// | quantileExact, medianExact, quantilesExact| T[] of every non-NULL value      | concatenation                | T (Array(T))  |
// | quantileTDigest, medianTDigest, quantiles.| T[] of every non-NULL value      | concatenation                | Float32 (Arr) |
// | topK(N)                                   | T[] of every non-NULL value      | concatenation                | Array(T)      |
// | varPop, varSamp, stddevPop, stddevSamp    | T[] of every non-NULL value      | concatenation                | Float64       |
// | groupBitOr, groupBitAnd, groupBitXor      | T (NULL: no value)               | bit_or, bit_and, bit_xor     | T             |
// | uniqUpTo(N)                               | T[] of up to N + 1 distinct      | union, first N + 1           | UInt64        |
// | SimpleAggregateFunction(f, T)             | T (f's result)                   | f: sum, min, max, any_value, | T             |
// |   f = sum min max any anyLast groupBit*   |                                  |   last non-NULL, bit_*,      |               |
// |   groupArrayArray groupUniqArray(Array)   |                                  |   concat, union              |               |
//
// fIf (countIf, sumIf, argMaxIf...) has f's state: the condition applies when the state is built. NULL stands for
// "no value yet" (-If matching nothing, only NULL arguments) and never wins a combine; the merge answers the type's
// default for it, or NULL when the column is declared with a Nullable argument (`AggregateFunction(min,
// Nullable(Int32))`), as ClickHouse does. States keep values, never hashes (DuckDB's hash functions are not stable
// across versions), so uniq*, quantile* and topK answer exactly, which is within ClickHouse's documented error
// for its approximate ones; the price is size: a uniq state holds each distinct value of its group, a quantile or
// topK state every value. Int128/Int256 sums (HUGEINT) lose precision in Parquet, which stores HUGEINT as DOUBLE.
import { SqlError } from '../errors.ts';

/** Builds ` FILTER (WHERE ...)` from extra conditions and the -If condition; '' when there is none. */
export type Where = (...conds: string[]) => string;

export interface StateFunction {
  /** How many arguments the function takes (the -If condition excluded). */
  readonly arity: readonly [min: number, max: number];
  /** DuckDB type of the state given the arguments' DuckDB types; null: no representation for these types. */
  readonly type: (args: readonly string[]) => string | null;
  /** Aggregate over rows building one state (-State). */
  readonly state: (args: readonly string[], params: readonly string[], where: Where) => string;
  /** Aggregate over states `s` combining them into one state of the same type (-MergeState). */
  readonly combine: (s: string, params: readonly string[]) => string;
  /**
   * Aggregate over states `s` giving the function's result with ClickHouse's type (-Merge). `nullable`: the
   * state's (first) argument is Nullable, so no value gives NULL rather than the type's default.
   */
  readonly merge: (s: string, params: readonly string[], nullable: boolean) => string;
}

const INT_SUM: Record<string, string> = {
  TINYINT: 'BIGINT',
  SMALLINT: 'BIGINT',
  INTEGER: 'BIGINT',
  BIGINT: 'BIGINT',
  UTINYINT: 'UBIGINT',
  USMALLINT: 'UBIGINT',
  UINTEGER: 'UBIGINT',
  UBIGINT: 'UBIGINT',
  BOOLEAN: 'UBIGINT',
  HUGEINT: 'HUGEINT',
  UHUGEINT: 'UHUGEINT',
  FLOAT: 'DOUBLE',
  DOUBLE: 'DOUBLE',
};
/** ClickHouse's sum type: Int64 / UInt64 / Float64 / Decimal128 of the same scale (Int128 stays Int128). */
function sumType(t: string): string | null {
  const dec = /^DECIMAL\(\s*\d+\s*,\s*(\d+)\s*\)$/i.exec(t);
  return dec ? `DECIMAL(38, ${dec[1]})` : (INT_SUM[t.toUpperCase()] ?? null);
}

const u64 = (s: string) => `CAST(${s} AS UBIGINT)`;
const notNull = (args: readonly string[]) => args.map((a) => `${a} IS NOT NULL`);
/**
 * With no value (-If matching nothing, or only NULLs) ClickHouse's min/max/any/argMax answer the type's default,
 * or NULL for a Nullable argument.
 */
const orDefault = (v: string, nullable: boolean) => (nullable ? v : `coalesce(${v}, ch_default(${v}))`);
const one = (args: readonly string[]) => args[0]!;
/** A list argument's elements: several arguments make a tuple, as in uniq(a, b). */
const tupleArg = (args: readonly string[]) => (args.length === 1 ? args[0]! : `row(${args.join(', ')})`);
const tupleType = (args: readonly string[]) => (args.length === 1 ? args[0]! : `STRUCT(${args.map((t, i) => `"${i + 1}" ${t}`).join(', ')})`);
/** ClickHouse parameters are literals: `groupArray(10)`'s 10 is used as SQL text. */
const limited = (l: string, params: readonly string[]) => (params[0] ? `list_slice(${l}, 1, ${params[0]})` : l);
const concatenated = (s: string) => `coalesce(flatten(list(${s})), [])`;
const united = (s: string) => `list_distinct(${concatenated(s)})`;

/** State = the non-NULL values (distinct or not); combining concatenates. */
function valueList(distinct: boolean, finish: (v: string, params: readonly string[], nullable: boolean) => string, maxArgs = 1): StateFunction {
  return {
    arity: [1, maxArgs],
    type: (args) => `${tupleType(args)}[]`,
    state: (args, params, where) =>
      limited(`coalesce(list(${distinct ? 'DISTINCT ' : ''}${tupleArg(args)})${where(...notNull(args))}, [])`, distinct ? params : []),
    combine: (s, params) => (distinct ? limited(united(s), params) : concatenated(s)),
    merge: (s, params, nullable) => finish(distinct ? united(s) : concatenated(s), params, nullable),
  };
}

const level = (params: readonly string[]) => params[0] ?? '0.5';
/**
 * ClickHouse `quantile` interpolates between neighbours, as quantile_cont does. No values give NULL where
 * ClickHouse answers nan (NULL for a Nullable argument); JSON shows both as null.
 */
const interpolated = (v: string, levels: string) => `list_aggregate(${v}, 'quantile_cont', ${levels})`;
/** quantileExact takes the element at floor(level * n) of the sorted values (ch_quantile_exact, function library). */
const exact = (v: string, p: string) => `ch_quantile_exact(${v}, ${p})`;

/** Top N values by count; ties go to the smaller value. */
const topK = (v: string, params: readonly string[]) =>
  `coalesce(list_transform(list_slice(list_sort(list_transform(map_entries(list_aggregate(${v}, 'histogram')), e -> {'n': -CAST(e.value AS BIGINT), 'x': e.key})), 1, ${params[0] ?? '10'}), e -> e.x), [])`;

const extreme = (fn: 'min' | 'max'): StateFunction => ({
  arity: [1, 1],
  type: ([t]) => t!,
  state: (args, _p, where) => `${fn}(${one(args)})${where()}`,
  combine: (s) => `${fn}(${s})`,
  merge: (s, _p, nullable) => orDefault(`${fn}(${s})`, nullable),
});

const argExtreme = (fn: 'arg_max' | 'arg_min', val: 'max' | 'min'): StateFunction => ({
  arity: [2, 2],
  type: ([a, v]) => `STRUCT("arg" ${a}, "val" ${v})`,
  state: (args, _p, where) => `{'arg': ${fn}(${args.join(', ')})${where()}, 'val': ${val}(${args[1]})${where(...notNull(args.slice(0, 1)))}}`,
  combine: (s) => `{'arg': ${fn}((${s}).arg, (${s}).val), 'val': ${val}((${s}).val) FILTER (WHERE (${s}).arg IS NOT NULL)}`,
  merge: (s, _p, nullable) => orDefault(`${fn}((${s}).arg, (${s}).val)`, nullable),
});

const count: StateFunction = {
  arity: [0, Infinity],
  type: () => 'UBIGINT',
  state: (args, _p, where) => u64(`count(${args.length === 0 || args[0] === '*' ? '*' : tupleArg(args)})${where()}`),
  combine: (s) => u64(`coalesce(sum(${s}), 0)`),
  merge: (s) => u64(`coalesce(sum(${s}), 0)`),
};

// The sum is cast to the state's own type: a DuckDB sum of BIGINT is a HUGEINT, ClickHouse's sumMerge an Int64.
// Within one query the argument type decides (max(x) + BIGINT 0: BIGINT for every int narrower than 64 bits).
// NULL is "no value yet": the sum of a Nullable argument with no values is NULL, otherwise 0.
const sum: StateFunction = {
  arity: [1, 1],
  type: ([t]) => sumType(t!),
  state: (args, _p, where) => `cast_to_type(sum(${one(args)})${where()}, max(${one(args)}) + CAST(0 AS BIGINT))`,
  combine: (s) => `cast_to_type(sum(${s}), max(${s}))`,
  merge: (s, _p, nullable) => `cast_to_type(${nullable ? `sum(${s})` : `coalesce(sum(${s}), 0)`}, max(${s}))`,
};

const avg: StateFunction = {
  arity: [1, 1],
  type: ([t]) => {
    const s = sumType(t!);
    return s && `STRUCT("sum" ${s}, "count" UBIGINT)`;
  },
  state: (args, _p, where) => `{'sum': coalesce(sum(${one(args)})${where()}, 0), 'count': ${u64(`count(${one(args)})${where()}`)}}`,
  combine: (s) => `{'sum': coalesce(sum((${s}).sum), 0), 'count': ${u64(`coalesce(sum((${s}).count), 0)`)}}`,
  // ClickHouse answers nan for no rows; so does 0.0 / 0 in DuckDB.
  merge: (s) => `CAST(coalesce(sum((${s}).sum), 0) AS DOUBLE) / coalesce(sum((${s}).count), 0)`,
};

const any: StateFunction = {
  arity: [1, 1],
  type: ([t]) => t!,
  state: (args, _p, where) => `any_value(${one(args)})${where()}`,
  combine: (s) => `any_value(${s})`,
  merge: (s, _p, nullable) => orDefault(`any_value(${s})`, nullable),
};
const anyLast: StateFunction = {
  arity: [1, 1],
  type: ([t]) => t!,
  state: (args, _p, where) => `last(${one(args)})${where(`${one(args)} IS NOT NULL`)}`,
  combine: (s) => `last(${s}) FILTER (WHERE ${s} IS NOT NULL)`,
  merge: (s, _p, nullable) => orDefault(`last(${s}) FILTER (WHERE ${s} IS NOT NULL)`, nullable),
};

const uniq = valueList(true, (v) => u64(`len(${v})`), Infinity);
const quantile = valueList(false, (v, p) => interpolated(v, level(p)));
/** quantiles of no values: nan for each level (ClickHouse), not NULL. */
const levels = (v: string, p: readonly string[]) => `coalesce(${interpolated(v, `[${p.join(', ')}]`)}, [${p.map(() => "CAST('nan' AS DOUBLE)").join(', ')}])`;
const quantiles = valueList(false, (v, p) => levels(v, p));
const quantileExact = valueList(false, (v, p, nullable) => orDefault(exact(v, level(p)), nullable));
// quantilesExact of no values is the type's default for each level, Nullable argument or not.
const quantilesExact = valueList(false, (v, p) => `[${p.map((x) => orDefault(exact(v, x), false)).join(', ')}]`);
// quantileTDigest answers Float32 (ClickHouse: QuantileTDigest's float return type).
const quantileTDigest = valueList(false, (v, p) => `CAST(${interpolated(v, level(p))} AS FLOAT)`);
const quantilesTDigest = valueList(false, (v, p) => `CAST(${levels(v, p)} AS FLOAT[])`);
const median = valueList(false, (v) => interpolated(v, '0.5'));
const groupUniqArray = valueList(true, (v, p) => limited(v, p));

/** Variances keep every value like quantiles: exact, with no float moments to drift as states combine. */
const moment = (fn: string) => valueList(false, (v) => `list_aggregate(${v}, '${fn}')`);

const bitwise = (fn: 'bit_or' | 'bit_and' | 'bit_xor'): StateFunction => ({
  arity: [1, 1],
  type: ([t]) => (/^U?(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT)$/.test(t!) ? t! : null),
  state: (args, _p, where) => `${fn}(${one(args)})${where()}`,
  combine: (s) => `${fn}(${s})`,
  // Every bit set is the identity of AND: groupBitAnd of no values is -1 (or the unsigned maximum).
  merge: (s, _p, nullable) =>
    nullable ? `${fn}(${s})` : fn === 'bit_and' ? `coalesce(${fn}(${s}), ~ch_default(${fn}(${s})))` : orDefault(`${fn}(${s})`, false),
});

/** uniqUpTo(N) counts up to N distinct values and answers N + 1 beyond: the state keeps at most N + 1 of them. */
const upTo = (params: readonly string[]) => `${params[0] ?? '0'} + 1`;
const uniqUpTo: StateFunction = {
  arity: [1, Infinity],
  type: (args) => `${tupleType(args)}[]`,
  state: (args, params, where) => `list_slice(coalesce(list(DISTINCT ${tupleArg(args)})${where(...notNull(args))}, []), 1, ${upTo(params)})`,
  combine: (s, params) => `list_slice(${united(s)}, 1, ${upTo(params)})`,
  merge: (s, params) => u64(`least(len(${united(s)}), ${upTo(params)})`),
};

const STATES: Record<string, StateFunction> = {
  count,
  sum,
  avg,
  min: extreme('min'),
  max: extreme('max'),
  any,
  anyLast,
  argMax: argExtreme('arg_max', 'max'),
  argMin: argExtreme('arg_min', 'min'),
  uniq,
  uniqExact: uniq,
  uniqCombined: uniq,
  uniqCombined64: uniq,
  uniqHLL12: uniq,
  countDistinct: uniq,
  groupArray: {
    arity: [1, 1],
    type: ([t]) => `${t}[]`,
    state: (args, params, where) => limited(`coalesce(list(${one(args)})${where(`${one(args)} IS NOT NULL`)}, [])`, params),
    combine: (s, params) => limited(concatenated(s), params),
    merge: (s, params) => limited(concatenated(s), params),
  },
  groupUniqArray,
  groupArrayDistinct: groupUniqArray,
  quantile,
  quantiles,
  quantileExact,
  quantilesExact,
  quantileTDigest,
  quantilesTDigest,
  median,
  medianExact: valueList(false, (v, _p, nullable) => orDefault(exact(v, '0.5'), nullable)),
  medianTDigest: valueList(false, (v) => `CAST(${interpolated(v, '0.5')} AS FLOAT)`),
  topK: valueList(false, topK),
  varPop: moment('var_pop'),
  varSamp: moment('var_samp'),
  stddevPop: moment('stddev_pop'),
  stddevSamp: moment('stddev_samp'),
  groupBitOr: bitwise('bit_or'),
  groupBitAnd: bitwise('bit_and'),
  groupBitXor: bitwise('bit_xor'),
  uniqUpTo,
};
// SQL-standard aggregates are case-insensitive in ClickHouse.
const CASE_INSENSITIVE = ['count', 'sum', 'avg', 'min', 'max', 'any'];
function lookup<T>(table: Record<string, T>, name: string): T | undefined {
  if (Object.hasOwn(table, name)) return table[name];
  const lower = name.toLowerCase();
  return CASE_INSENSITIVE.includes(lower) && Object.hasOwn(table, lower) ? table[lower] : undefined;
}

/**
 * The state representation of a ClickHouse aggregate named without -State/-Merge (`uniq`, `countIf`, `SUM`):
 * `conditional` says the name ends in -If, whose last argument is the condition. null: no representation.
 */
export function stateFunction(name: string): { fn: StateFunction; conditional: boolean } | null {
  const fn = lookup(STATES, name);
  if (fn) return { fn, conditional: false };
  if (name.endsWith('If')) {
    const inner = stateFunction(name.slice(0, -2));
    if (inner && !inner.conditional) return { fn: inner.fn, conditional: true };
  }
  return null;
}

/** `quantiles(0.5, 0.9)` → name and literal parameters. */
function parseFunctionSpec(spec: string): { name: string; params: string[] } | null {
  const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\(([^()]*)\))?\s*$/.exec(spec);
  if (!m) return null;
  const params = m[2]?.trim() ? m[2].split(',').map((p) => p.trim()) : [];
  return { name: m[1]!, params };
}

/**
 * DuckDB type of the state in an `AggregateFunction(spec, T...)` column, given the function spec (`uniq`,
 * `quantiles(0.5, 0.9)`, `countIf`) and the DuckDB types of its arguments; null when there is no representation.
 */
export function aggregateStateType(spec: string, argTypes: readonly string[]): string | null {
  const f = parseFunctionSpec(spec);
  const st = f && stateFunction(f.name);
  if (!st) return null;
  const args = st.conditional ? argTypes.slice(0, -1) : argTypes;
  if (st.conditional && argTypes.length === 0) return null;
  if (args.length < st.fn.arity[0] || args.length > st.fn.arity[1]) return null;
  return st.fn.type(args);
}

/** SimpleAggregateFunction(f, T) columns hold f's result; combining rows applies f again. */
const SIMPLE: Record<string, (c: string) => string> = {
  sum: (c) => `sum(${c})`,
  min: (c) => `min(${c})`,
  max: (c) => `max(${c})`,
  any: (c) => `any_value(${c})`,
  anyLast: (c) => `last(${c}) FILTER (WHERE ${c} IS NOT NULL)`,
  groupBitOr: (c) => `bit_or(${c})`,
  groupBitAnd: (c) => `bit_and(${c})`,
  groupBitXor: (c) => `bit_xor(${c})`,
  groupArrayArray: concatenated,
  groupUniqArrayArray: united,
  groupUniqArray: united,
};

const COLUMN_TYPE = /^\s*(Simple)?AggregateFunction\s*\(\s*([A-Za-z_][A-Za-z0-9_]*\s*(?:\([^()]*\))?)\s*[,)]/s;

/**
 * For a column of type `AggregateFunction(...)` or `SimpleAggregateFunction(f, T)`, a DuckDB aggregate over
 * `column` (a quoted identifier) combining a group's values into one value of the column's type (the caller
 * casts it to that type). null for any other column type: it has no merge semantics.
 */
export function combineStates(chType: string, column: string): string | null {
  const m = COLUMN_TYPE.exec(chType);
  if (!m) return null;
  const f = parseFunctionSpec(m[2]!)!;
  if (m[1]) {
    const simple = lookup(SIMPLE, f.name);
    if (!simple) throw new SqlError(`Unsupported type ${chType}`);
    return simple(column);
  }
  const st = stateFunction(f.name);
  if (!st) throw new SqlError(`Unsupported type ${chType}`);
  return st.fn.combine(column, f.params);
}
