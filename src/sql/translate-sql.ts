// ClickHouse SELECT → DuckDB SELECT with the same meaning (design.md "ClickHouse SQL on DuckDB"). Functions
// that DuckDB lacks are macros in function-library.ts; this module rewrites only syntax, plus the calls whose
// shape a macro cannot express (aggregates with combinators, parametric aggregates, lambdas first, variadics).
// Whatever it cannot translate faithfully it refuses with `Unsupported ClickHouse syntax: ... at line:col`.
import { SqlError } from '../errors.ts';
import { duckdbIdentifier, duckdbString, namedStruct, type Token } from './tokenize.ts';
import {
  firstToken,
  isBooleanExpr,
  isGroup,
  isOp,
  isWord,
  parseTree,
  sourceText,
  splitCommas,
  type Group,
  type Node,
} from './token-tree.ts';
import { duckdbType } from './types.ts';
import { translateAggregate, parseAggregateName } from './aggregates.ts';
import { INT_MACROS, translateScalarCall } from './scalar-calls.ts';
import { timeIn } from './zoned-calls.ts';
import { unsupported } from './unsupported.ts';
import { clickhouseColumnName, hasAlias } from './column-name.ts';
import { withFill, type Fill } from './with-fill.ts';
import { isNullableType, literalType, productType, staticType, sumType } from './static-type.ts';
import { instantSql, timeZoneOf, wallClockSql, zoneNameOfType, zoneOfType, type TimeValue } from './time-zones.ts';
import { timeValueIn, zonedNames, type ZonedNames } from './zoned-names.ts';


const FORMATS_TAIL = (nodes: readonly Node[]): number => {
  const n = nodes.length;
  if (n >= 2 && isWord(nodes[n - 2], 'FORMAT') && isWord(nodes[n - 1])) return n - 2;
  return -1;
};

/** Separates a trailing `FORMAT X` (spec §4.2) from the query. */
export function splitFormat(sql: string): { sql: string; format: string | null } {
  const nodes = stripSemicolon(parseTree(sql));
  const at = FORMATS_TAIL(nodes);
  if (at < 0) return { sql, format: null };
  const fmt = nodes[at]! as Token;
  const lines = sql.split('\n');
  const offset = lines.slice(0, fmt.line - 1).reduce((a, l) => a + l.length + 1, 0) + fmt.col - 1;
  return { sql: sql.slice(0, offset).trimEnd(), format: (nodes[at + 1] as Token).text };
}

function stripSemicolon(nodes: Node[]): Node[] {
  let end = nodes.length;
  while (end > 0 && isOp(nodes[end - 1], ';')) end--;
  for (let i = 0; i < end; i++) if (isOp(nodes[i], ';')) throw unsupported('multiple statements', nodes[i]);
  return nodes.slice(0, end);
}

export interface TranslateOptions {
  /** Tables whose `FINAL` reads the engine's deduplicating view `<name>__final` (ReplacingMergeTree and kin). */
  readonly finalViews?: ReadonlySet<string>;
  /** Values of `{name: Type}` query parameters, which Tinybird's `tb_secret`/`tb_var` render (spec §8.4). */
  readonly queryParams?: Readonly<Record<string, string>>;
  /**
   * Declared ClickHouse types of the columns the query reads, by column name (leave out a name two tables declare
   * differently). Aggregates use them for ClickHouse's sum types (UInt64 for unsigned) and Nullable semantics.
   */
  readonly columnTypes?: ReadonlyMap<string, string>;
}

export function translateSql(sql: string, opts: TranslateOptions = {}): string {
  let nodes = stripSemicolon(parseTree(sql));
  const fmt = FORMATS_TAIL(nodes);
  if (fmt >= 0) nodes = nodes.slice(0, fmt);
  if (nodes.length === 0) throw new SqlError('Syntax error: empty query');
  if (!isWord(nodes[0], 'SELECT', 'WITH') && !isGroup(nodes[0], '('))
    throw unsupported(`statement ${firstToken(nodes[0]!).text}`, nodes[0]);
  const tr = new Translator(opts);
  tr.zones = zonedNames(nodes, opts.columnTypes);
  return tr.query(nodes, new Map());
}

/**
 * Like translateSql, and for a query ending its GROUP BY with `WITH TOTALS` also the DuckDB query of ClickHouse's
 * totals row: every aggregate over all grouped rows, the keys at their defaults, with no ORDER BY or LIMIT. In
 * ClickHouse's JSON formats that row is the separate `totals` member (spec §3.5 shape; the caller adds it).
 * `totals` is null when the query has none. Only the outermost SELECT's totals reach the client.
 */
export function translateSqlWithTotals(sql: string, opts: TranslateOptions = {}): { sql: string; totals: string | null } {
  let nodes = stripSemicolon(parseTree(sql));
  const fmt = FORMATS_TAIL(nodes);
  if (fmt >= 0) nodes = nodes.slice(0, fmt);
  // The outermost GROUP BY is at depth 0; its WITH TOTALS is the last `WITH TOTALS` there.
  let at: Node | null = null;
  let inGroup = false;
  for (let i = 0; i < nodes.length; i++) {
    if (isWord(nodes[i], 'GROUP') && isWord(nodes[i + 1], 'BY')) inGroup = true;
    else if (isWord(nodes[i], 'UNION', 'INTERSECT', 'EXCEPT')) return { sql: translateSql(sql, opts), totals: null };
    else if (inGroup && isWord(nodes[i], 'WITH') && isWord(nodes[i + 1], 'TOTALS')) at = nodes[i]!;
  }
  if (at === null) return { sql: translateSql(sql, opts), totals: null };
  const rows = new Translator(opts);
  rows.totals = { at, part: 'rows' };
  rows.zones = zonedNames(nodes, opts.columnTypes);
  const totals = new Translator(opts);
  totals.totals = { at, part: 'totals' };
  totals.zones = rows.zones;
  return { sql: rows.query(nodes, new Map()), totals: totals.query(nodes, new Map()) };
}

/**
 * ClickHouse's `meta` type for each result column that is a DateTime of a named zone (`DateTime('Europe/Madrid')`),
 * null for the others, in SELECT-list order; null for the whole query where its columns cannot be listed
 * statically (`*`, UNION...). DuckDB's result types cannot carry a zone (time-zones.ts), so the service replaces
 * the `DateTime` it derives from them with these.
 */
export function resultTimeZones(sql: string, opts: TranslateOptions = {}): (string | null)[] | null {
  let nodes = stripSemicolon(parseTree(sql));
  const fmt = FORMATS_TAIL(nodes);
  if (fmt >= 0) nodes = nodes.slice(0, fmt);
  if (nodes.some((n) => isWord(n, 'UNION', 'INTERSECT', 'EXCEPT'))) return null;
  const select = nodes.findIndex((n) => isWord(n, 'SELECT'));
  if (select < 0) return null;
  let end = select + 1;
  while (end < nodes.length && !isWord(nodes[end], 'FROM', ...CLAUSE_END)) end++;
  let list = nodes.slice(select + 1, end);
  if (isWord(list[0], 'DISTINCT', 'ALL')) list = list.slice(1);
  const zones = zonedNames(nodes, opts.columnTypes);
  const items = splitCommas(list);
  if (items.some((item) => item.some((n) => isOp(n, '*')) && item.length <= 3)) return null;
  return items.map((item) => {
    const expr = isWord(item[item.length - 2], 'AS') ? item.slice(0, -2) : item;
    if (timeValueIn(expr, zones, nodes).kind !== 'datetime') return null;
    const t = staticType(expr, zones.types);
    return t !== null && zoneNameOfType(t) !== null ? t : null;
  });
}

/** Table names the query reads (not CTE names, not table functions). */
export function referencedTables(sql: string): string[] {
  let nodes = stripSemicolon(parseTree(sql));
  const fmt = FORMATS_TAIL(nodes);
  if (fmt >= 0) nodes = nodes.slice(0, fmt);
  const found: string[] = [];
  const ctes = new Set<string>();
  const name = (n: Node | undefined): string | null =>
    n && (n.kind === 'word' || n.kind === 'quoted') ? n.text : null;
  const walk = (seq: readonly Node[]) => {
    for (let i = 0; i < seq.length; i++) {
      const n = seq[i]!;
      if (n.kind === 'group') {
        walk(n.items);
        continue;
      }
      // `WITH name AS (SELECT ...)` declares a CTE.
      if (isWord(seq[i + 1], 'AS') && isGroup(seq[i + 2], '(') && isWord((seq[i + 2] as Group).items[0], 'SELECT', 'WITH')) {
        const cte = name(n);
        if (cte) ctes.add(cte);
      }
      if (isWord(n, 'FROM', 'JOIN') || (isOp(n, ',') && inFromList(seq, i))) {
        let j = i + 1;
        let full = name(seq[j]);
        while (full !== null && isOp(seq[j + 1], '.') && name(seq[j + 2]) !== null) {
          full += '.' + name(seq[j + 2]);
          j += 2;
        }
        if (full !== null && !isGroup(seq[j + 1], '(')) found.push(full);
      }
    }
  };
  walk(nodes);
  return [...new Set(found.filter((t) => !ctes.has(t)))];
}

const CLAUSE_END = ['WHERE', 'PREWHERE', 'GROUP', 'HAVING', 'ORDER', 'LIMIT', 'SETTINGS', 'UNION', 'WINDOW', 'QUALIFY', 'FORMAT', 'EXCEPT', 'INTERSECT'];
function inFromList(seq: readonly Node[], i: number): boolean {
  for (let k = i - 1; k >= 0; k--) {
    if (isWord(seq[k], 'FROM')) return true;
    if (isWord(seq[k], 'SELECT', ...CLAUSE_END)) return false;
  }
  return false;
}

const CLAUSES: readonly (readonly string[])[] = [
  ['WITH'],
  ['SELECT'],
  ['FROM'],
  ['PREWHERE'],
  ['WHERE'],
  ['GROUP', 'BY'],
  ['HAVING'],
  ['WINDOW'],
  ['QUALIFY'],
  ['ORDER', 'BY'],
  ['LIMIT'],
  ['OFFSET'],
  ['SETTINGS'],
  ['SAMPLE'],
];

interface JoinedSources {
  /** Quoted aliases of sources whose unmatched rows an outer join fills (the right of LEFT, the left of RIGHT, both of FULL). */
  readonly defaulted: Set<string>;
  /** Every source's quoted alias in FROM order (null: one `*` cannot name it). */
  readonly all: (string | null)[];
  /** `JOIN ... USING` keys (quoted), which ClickHouse's `*` lists first, once. */
  readonly using: string[];
}


interface Clause {
  readonly key: string;
  readonly at: Node;
  readonly body: Node[];
}

const COMPARISONS = new Set(['=', '==', '!=', '<>', '<', '>', '<=', '>=']);
/** Words around a comparison's operands (it binds more loosely than arithmetic, more tightly than AND). */
const COMPARISON_BOUNDS = ['AND', 'OR', 'NOT', 'WHEN', 'THEN', 'ELSE', 'END', 'CASE', 'AS', 'ASC', 'DESC', 'BETWEEN', 'IN', 'LIKE', 'ILIKE', 'IS'];

/** Words that take a parenthesised operand but are not function calls. */
const NOT_CALLS = new Set([
  'IN', 'EXISTS', 'AS', 'OVER', 'FILTER', 'VALUES', 'AND', 'OR', 'NOT', 'THEN', 'ELSE', 'WHEN', 'ON', 'USING',
  'FROM', 'SELECT', 'WHERE', 'BY', 'JOIN', 'CASE', 'IS', 'LIKE', 'ILIKE', 'BETWEEN', 'INTERVAL', 'UNION', 'ALL',
  'DISTINCT', 'WITH', 'HAVING', 'EXCEPT', 'INTERSECT', 'END', 'LIMIT', 'OFFSET', 'DESC', 'ASC',
]);

export class Translator {
  constructor(private readonly opts: TranslateOptions = {}) {
    this.zones = zonedNames([], opts.columnTypes);
  }

  /** The outermost SELECT's `WITH` of `WITH TOTALS`, and which part of its answer is being translated. */
  totals: { readonly at: Node; readonly part: 'rows' | 'totals' } | null = null;

  /** The query's names bound to DateTimes of non-UTC zones (zoned-names.ts). */
  zones: ZonedNames;

  private cteCounter = 0;
  /** GROUP BY keys of the SELECT being translated that ROLLUP/CUBE/GROUPING SETS aggregate over (source text). */
  private rolledUpKeys: Set<string> | null = null;
  /**
   * Sources an outer join may leave unmatched in the SELECT being translated (as quoted identifiers). ClickHouse
   * fills their columns with the type's default where nothing matched (join_use_nulls = 0); DuckDB gives NULL, so
   * these sources carry a `__joined` marker and `alias.column` reads become a default where it is false.
   */
  private joined: JoinedSources = { defaulted: new Set(), all: [], using: [] };

  /** A full query: WITH / UNION / parenthesised parts. `aliases` are `WITH expr AS name` substitutions. */
  query(nodes: readonly Node[], aliases: ReadonlyMap<string, string>): string {
    const parts: { nodes: Node[]; op: string | null }[] = [{ nodes: [], op: null }];
    for (let i = 0; i < nodes.length; i++) {
      const n = nodes[i]!;
      if (isWord(n, 'UNION', 'INTERSECT') || (isWord(n, 'EXCEPT') && !isOp(nodes[i - 1], '*') && !isOp(nodes[i - 1], '.'))) {
        let op = n.text.toUpperCase();
        if (isWord(nodes[i + 1], 'ALL', 'DISTINCT')) op += ' ' + (nodes[++i] as Token).text.toUpperCase();
        else if (op === 'UNION') throw unsupported('UNION without ALL or DISTINCT', n);
        parts.push({ nodes: [], op });
      } else parts[parts.length - 1]!.nodes.push(n);
    }
    if (parts.length === 1) return this.core(parts[0]!.nodes, aliases);
    // ClickHouse binds ORDER BY / LIMIT to the SELECT they follow, not to the whole UNION: parenthesise.
    let withPrefix = '';
    const out = parts.map((p, idx) => {
      let ns = p.nodes;
      if (idx === 0 && isWord(ns[0], 'WITH')) {
        const sel = ns.findIndex((n) => isWord(n, 'SELECT'));
        const w = this.withClause(ns.slice(1, sel), aliases);
        aliases = w.aliases;
        withPrefix = w.sql ? w.sql + ' ' : '';
        ns = ns.slice(sel);
      }
      const sql = this.core(ns, aliases);
      const bound = ns.some((n) => isWord(n, 'ORDER', 'LIMIT', 'OFFSET'));
      return (p.op ? p.op + ' ' : '') + (bound && parts.length > 1 ? `(${sql})` : sql);
    });
    return withPrefix + out.join(' ');
  }

  private withClause(body: readonly Node[], outer: ReadonlyMap<string, string>) {
    const aliases = new Map(outer);
    const ctes: string[] = [];
    for (const item of splitCommas(body)) {
      // `name AS (SELECT ...)` is a CTE; `expr AS name` is ClickHouse's named expression.
      if (item.length === 3 && isWord(item[1], 'AS') && isGroup(item[2], '(') && (item[0]!.kind === 'word' || item[0]!.kind === 'quoted')) {
        const sub = item[2].items;
        if (isWord(sub[0], 'SELECT', 'WITH') || isGroup(sub[0], '(')) {
          ctes.push(`${duckdbIdentifier((item[0] as Token).text)} AS (${this.query(sub, aliases)})`);
          continue;
        }
      }
      const as = item.length - 2;
      const nameNode = item[as + 1];
      if (as < 1 || !isWord(item[as], 'AS') || !(nameNode?.kind === 'word' || nameNode?.kind === 'quoted'))
        throw unsupported('WITH item', item[0]);
      aliases.set((nameNode as Token).text, `(${this.expr(item.slice(0, as), aliases)})`);
    }
    return { aliases, sql: ctes.length ? `WITH ${ctes.join(', ')}` : '' };
  }

  /** One SELECT ... without set operators. */
  core(nodes: readonly Node[], outerAliases: ReadonlyMap<string, string>): string {
    if (isGroup(nodes[0], '(') && nodes.length === 1) return `(${this.query(nodes[0].items, outerAliases)})`;
    const outerScope = this.scope;
    this.scope = nodes;
    try {
      return this.coreIn(nodes, outerAliases);
    } finally {
      this.scope = outerScope;
    }
  }

  private coreIn(nodes: readonly Node[], outerAliases: ReadonlyMap<string, string>): string {
    const clauses: Clause[] = [];
    for (let i = 0; i < nodes.length; i++) {
      const n = nodes[i]!;
      const spec = CLAUSES.find(
        (c) => isWord(n, c[0]!) && (c.length === 1 || isWord(nodes[i + 1], c[1]!)) && !(c[0] === 'WITH' && i > 0),
      );
      const last = clauses[clauses.length - 1];
      // `ORDER BY d WITH FILL FROM x`: that FROM belongs to the fill.
      const fillFrom = spec?.[0] === 'FROM' && last?.key === 'ORDER' && last.body.some((b) => isWord(b, 'FILL'));
      if (spec && !fillFrom) {
        clauses.push({ key: spec[0]!, at: n, body: [] });
        i += spec.length - 1;
      } else if (clauses.length === 0) throw unsupported(`query starting with ${sourceText([n])}`, n);
      else clauses[clauses.length - 1]!.body.push(n);
    }
    let aliases = outerAliases;
    const out: string[] = [];
    const get = (k: string) => clauses.filter((c) => c.key === k);
    for (const c of clauses) {
      const dup = get(c.key).length > 1 && c.key !== 'LIMIT';
      if (dup) throw unsupported(`repeated ${c.key}`, c.at);
    }
    const w = get('WITH')[0];
    if (w) {
      const r = this.withClause(w.body, aliases);
      aliases = r.aliases;
      if (r.sql) out.push(r.sql);
    }
    const sel = get('SELECT')[0];
    if (!sel) throw unsupported('query without SELECT', nodes[0]);
    // FROM first: its LEFT JOINs decide how the other clauses read the joined side's columns.
    const from = get('FROM')[0];
    const joined: JoinedSources = { defaulted: new Set(), all: [], using: [] };
    const fromSql = from ? this.fromClause(from.body, aliases, joined) : null;
    const outerJoined = this.joined;
    this.joined = joined;
    try {
      return this.coreClauses(get, out, aliases, sel, fromSql);
    } finally {
      this.joined = outerJoined;
    }
  }

  /** The clauses after FROM, with `this.joined` set for this SELECT. */
  private coreClauses(get: (k: string) => Clause[], out: string[], aliases: ReadonlyMap<string, string>, sel: Clause, fromSql: string | null): string {
    const group = get('GROUP')[0];
    const grouping = group ? this.groupBy(group.body, aliases, sel.body) : null;
    const outerKeys = this.rolledUpKeys;
    this.rolledUpKeys = grouping?.rolledUp ?? null;
    try {
      out.push('SELECT ' + this.selectList(sel.body, aliases));
    } finally {
      this.rolledUpKeys = outerKeys;
    }
    if (fromSql !== null) out.push('FROM ' + fromSql);
    const sample = get('SAMPLE')[0];
    if (sample) throw unsupported('SAMPLE', sample.at);
    const conds = [...get('PREWHERE'), ...get('WHERE')].map((c) => this.expr(c.body, aliases));
    if (conds.length === 1) out.push('WHERE ' + conds[0]);
    if (conds.length === 2) out.push(`WHERE (${conds[0]}) AND (${conds[1]})`);
    if (grouping) out.push('GROUP BY ' + grouping.sql);
    const having = get('HAVING')[0];
    if (grouping?.totalsRow) {
      // Totals with HAVING cover only the groups HAVING keeps (totals_mode = after_having_exclusive).
      if (having) throw unsupported('GROUP BY ... WITH TOTALS with HAVING', having.at);
      out.push(`HAVING ${grouping.totalsRow}`);
      return out.join(' ');
    }
    if (having) out.push('HAVING ' + this.expr(having.body, aliases));
    const win = get('WINDOW')[0];
    if (win) out.push('WINDOW ' + this.expr(win.body, aliases));
    const order = get('ORDER')[0];
    const ordered = order ? this.orderList(order.body, aliases, selectAliases(sel.body)) : null;
    const orderSql = ordered?.sql ?? null;
    // LIMIT n BY x: ClickHouse keeps the first n rows per x in ORDER BY order, before the plain LIMIT.
    const qualify = get('QUALIFY').map((c) => this.expr(c.body, aliases));
    let limitSql: string | null = null;
    for (const l of get('LIMIT')) {
      const by = l.body.findIndex((n) => isWord(n, 'BY'));
      const parsed = this.limitParts(by >= 0 ? l.body.slice(0, by) : l.body, aliases, l.at);
      if (by >= 0) {
        const over = `PARTITION BY ${this.exprList(l.body.slice(by + 1), aliases)}${orderSql ? ` ORDER BY ${orderSql}` : ''}`;
        const rn = `row_number() OVER (${over})`;
        qualify.push(parsed.offset ? `${rn} > ${parsed.offset} AND ${rn} <= ${parsed.offset} + ${parsed.limit}` : `${rn} <= ${parsed.limit}`);
      } else {
        if (limitSql !== null) throw unsupported('repeated LIMIT', l.at);
        limitSql = `LIMIT ${parsed.limit}${parsed.offset ? ` OFFSET ${parsed.offset}` : ''}`;
      }
    }
    if (qualify.length) out.push('QUALIFY ' + qualify.map((q) => (qualify.length > 1 ? `(${q})` : q)).join(' AND '));
    if (ordered?.fill) {
      if (get('OFFSET').length) throw unsupported('WITH FILL with OFFSET', get('OFFSET')[0]!.at);
      if (get('LIMIT').some((l) => l.body.some((n) => isWord(n, 'BY')))) throw unsupported('WITH FILL with LIMIT BY', ordered.fill.at);
      return withFill(out.join(' '), ordered.fill, ordered.sql, limitSql, `"__fill_${++this.cteCounter}"`);
    }
    if (orderSql) out.push('ORDER BY ' + orderSql);
    if (limitSql) out.push(limitSql);
    const offset = get('OFFSET')[0];
    if (offset) {
      const rest = offset.body.filter((n) => !isWord(n, 'ROW', 'ROWS'));
      if (rest.some((n) => isWord(n, 'FETCH'))) throw unsupported('OFFSET ... FETCH', offset.at);
      out.push('OFFSET ' + this.expr(rest, aliases));
    }
    // SETTINGS only tune ClickHouse's execution; they are accepted and dropped.
    return out.join(' ');
  }

  /**
   * GROUP BY keys, with ClickHouse's `WITH ROLLUP` / `WITH CUBE` as DuckDB's ROLLUP / CUBE (which DuckDB writes the
   * way ClickHouse's newer `ROLLUP(...)`, `CUBE(...)` and `GROUPING SETS` are written). `rolledUp` lists the keys
   * (source text) that some rows aggregate over.
   */
  private groupBy(body: readonly Node[], aliases: ReadonlyMap<string, string>, select: readonly Node[]): { sql: string; rolledUp: Set<string> | null; totalsRow?: string } {
    // A key naming a select alias is grouped by the aliased expression: the select item itself becomes a
    // grouping() test, which DuckDB cannot group by.
    const named = selectAliases(select);
    const keyList = (keys: readonly Node[][]) =>
      keys.map((k) => this.expr(k.length === 1 && (k[0]!.kind === 'word' || k[0]!.kind === 'quoted') && named.has((k[0] as Token).text) ? named.get((k[0] as Token).text)! : k, aliases)).join(', ');
    const withIdx = body.findIndex((n, i) => isWord(n, 'WITH') && isWord(body[i + 1], 'TOTALS', 'ROLLUP', 'CUBE'));
    if (withIdx >= 0) {
      const kind = (body[withIdx + 1] as Token).text.toUpperCase();
      const keys = splitCommas(body.slice(0, withIdx));
      const totals = kind === 'TOTALS' && body.length === withIdx + 2 && this.totals?.at === body[withIdx] ? this.totals : null;
      if (totals?.part === 'rows') return { sql: keyList(keys), rolledUp: null };
      // The totals row is the grouping set that rolls every key up.
      if (totals) return { sql: `GROUPING SETS ((${keyList(keys)}), ())`, rolledUp: new Set(keys.map((k) => sourceText(k))), totalsRow: `grouping(${keyList(keys.slice(0, 1))}) = 1` };
      if (kind === 'TOTALS' || body.length > withIdx + 2) throw unsupported(`GROUP BY ... WITH ${kind === 'TOTALS' ? kind : sourceText(body.slice(withIdx + 1))}`, body[withIdx]);
      return { sql: `${kind} (${keyList(keys)})`, rolledUp: new Set(keys.map((k) => sourceText(k))) };
    }
    if (body.length === 2 && isWord(body[0], 'ROLLUP', 'CUBE') && isGroup(body[1], '(')) {
      const keys = splitCommas(body[1].items);
      return { sql: `${(body[0] as Token).text.toUpperCase()} (${keyList(keys)})`, rolledUp: new Set(keys.map((k) => sourceText(k))) };
    }
    if (body.length === 3 && isWord(body[0], 'GROUPING') && isWord(body[1], 'SETS') && isGroup(body[2], '(')) {
      const keys = new Set<string>();
      const sets = splitCommas(body[2].items).map((set) => {
        const items = set.length === 1 && isGroup(set[0], '(') ? splitCommas(set[0].items) : [set];
        for (const k of items) keys.add(sourceText(k));
        return `(${keyList(items)})`;
      });
      return { sql: `GROUPING SETS (${sets.join(', ')})`, rolledUp: keys };
    }
    return { sql: this.exprList(body, aliases), rolledUp: null };
  }

  private limitParts(body: readonly Node[], aliases: ReadonlyMap<string, string>, at: Node) {
    const withTies = body.findIndex((n, i) => isWord(n, 'WITH') && isWord(body[i + 1], 'TIES'));
    if (withTies >= 0) throw unsupported('LIMIT ... WITH TIES', body[withTies]);
    const parts = splitCommas(body);
    if (parts.length === 2) return { offset: this.expr(parts[0]!, aliases), limit: this.expr(parts[1]!, aliases) };
    if (parts.length !== 1) throw unsupported('LIMIT', at);
    const off = body.findIndex((n) => isWord(n, 'OFFSET'));
    if (off >= 0) return { limit: this.expr(body.slice(0, off), aliases), offset: this.expr(body.slice(off + 1), aliases) };
    return { limit: this.expr(body, aliases), offset: null };
  }

  private orderList(body: readonly Node[], aliases: ReadonlyMap<string, string>, selected: ReadonlyMap<string, Node[]>): { sql: string; fill: Fill | null } {
    let fill: Fill | null = null;
    const sql = splitCommas(body)
      .map((item, k) => {
        const coll = item.findIndex((n) => isWord(n, 'COLLATE'));
        if (coll >= 0) throw unsupported('ORDER BY ... COLLATE', item[coll]);
        const f = item.findIndex((n, i) => isWord(n, 'WITH') && isWord(item[i + 1], 'FILL'));
        if (f < 0) return this.expr(item, aliases);
        fill = this.fillSpec(item, f, k, aliases, selected);
        return this.expr(item.slice(0, f), aliases);
      })
      .join(', ');
    return { sql, fill };
  }

  /** `key [ASC] WITH FILL [FROM a] [TO b] [STEP s]` on the first ORDER BY key, an output column. */
  private fillSpec(item: readonly Node[], f: number, position: number, aliases: ReadonlyMap<string, string>, selected: ReadonlyMap<string, Node[]>): Fill {
    const at = item[f]!;
    let key = item.slice(0, f);
    const descending = isWord(key[key.length - 1], 'DESC', 'DESCENDING');
    if (descending || isWord(key[key.length - 1], 'ASC', 'ASCENDING')) key = key.slice(0, -1);
    if (position !== 0) throw unsupported('WITH FILL on a later ORDER BY key', at);
    if (key.length !== 1 || !(key[0]!.kind === 'word' || key[0]!.kind === 'quoted')) throw unsupported('WITH FILL on an expression (name the column)', at);
    const parts: Record<string, Node[]> = {};
    let cur: string | null = null;
    for (const n of item.slice(f + 2)) {
      if (isWord(n, 'FROM', 'TO', 'STEP')) {
        cur = (n as Token).text.toUpperCase();
        if (parts[cur]) throw unsupported(`repeated ${cur} in WITH FILL`, n);
        parts[cur] = [];
      } else if (cur === null || isWord(n, 'STALENESS', 'INTERPOLATE')) throw unsupported(`${sourceText([n])} in WITH FILL`, n);
      else parts[cur]!.push(n);
    }
    const part = (k: string) => (parts[k] ? this.expr(parts[k]!, aliases) : null);
    const step = parts['STEP'];
    let interval = step !== undefined && (isWord(step[0], 'INTERVAL') || (isWord(step[0]) && /^toInterval/i.test((step[0] as Token).text)));
    // A number STEP on a Date counts days, on a DateTime seconds; the key's type comes from its select item or
    // from FROM / TO (static-type.ts).
    const keyName = (key[0] as Token).text;
    const typed = [selected.get(keyName), parts['FROM'], parts['TO']].map((x) => (x ? this.staticType(x)?.replace(/^Nullable\((.*)\)$/, '$1') : null));
    const unit = typed.some((t) => t === 'Date' || t === 'Date32') ? 'DAY' : typed.some((t) => t && /^DateTime/.test(t)) ? 'SECOND' : null;
    let stepSql = part('STEP');
    if (unit && !interval) {
      stepSql = `INTERVAL (${stepSql ?? (descending ? '-1' : '1')}) ${unit}`;
      interval = true;
    }
    // ClickHouse refuses a positive STEP on a descending key (INVALID_WITH_FILL_EXPRESSION).
    if (descending && step?.length === 1 && step[0]!.kind === 'number') throw unsupported('WITH FILL STEP value cannot be positive for sorting in descending direction', step[0]);
    return { column: duckdbIdentifier((key[0] as Token).text), from: part('FROM'), to: part('TO'), step: stepSql, interval, descending, at };
  }

  private selectList(body: readonly Node[], aliases: ReadonlyMap<string, string>): string {
    let prefix = '';
    let items = body;
    if (isWord(items[0], 'DISTINCT')) {
      prefix = 'DISTINCT ';
      items = items.slice(1);
      if (isWord(items[0], 'ON') && isGroup(items[1], '(')) {
        prefix = `DISTINCT ON (${this.exprList(items[1].items, aliases)}) `;
        items = items.slice(2);
      }
    } else if (isWord(items[0], 'ALL')) items = items.slice(1);
    if (isWord(items[0], 'TOP')) throw unsupported('SELECT TOP', items[0]);
    return (
      prefix +
      splitCommas(items)
        .map((item) => {
          const ex = item.findIndex((n, i) => isWord(n, 'EXCEPT') && isOp(item[i - 1], '*'));
          if (ex >= 0) {
            const rest = item.slice(ex + 1);
            const cols = isGroup(rest[0], '(') && rest.length === 1 ? splitCommas(rest[0].items) : splitCommas(rest);
            const names = cols.map((c) => {
              if (c.length !== 1 || !(c[0]!.kind === 'word' || c[0]!.kind === 'quoted')) throw unsupported('EXCEPT column', c[0]);
              return duckdbIdentifier((c[0] as Token).text);
            });
            if (this.joined.defaulted.size) names.push('"__joined"');
            return `${this.expr(item.slice(0, ex), aliases)} EXCLUDE (${names.join(', ')})`;
          }
          for (const mod of ['APPLY', 'REPLACE']) {
            const m = item.findIndex((n, i) => isWord(n, mod) && isOp(item[i - 1], '*'));
            if (m >= 0) throw unsupported(`* ${mod}`, item[m]);
          }
          const owner = item[0];
          if (item.length === 1 && isOp(owner, '*') && (this.joined.defaulted.size > 0 || this.joined.using.length > 0)) {
            // `*` over an outer join: each source's columns in order, the outer-joined ones defaulted where
            // unmatched; USING keys come first (DuckDB's `*` keeps them in the left source's place).
            const { all, using } = this.joined;
            const keys = using.length ? using.join(', ') + ', ' : '';
            if (all.some((a) => a === null) || this.joined.defaulted.size === 0)
              return `${keys}* EXCLUDE (${[...using, ...(this.joined.defaulted.size ? ['"__joined"'] : [])].join(', ')})`;
            return keys + all.map((a) => this.sourceStar(a!, using)).join(', ');
          }
          if (item.length === 3 && isOp(item[1], '.') && isOp(item[2], '*') && (owner?.kind === 'word' || owner?.kind === 'quoted'))
            return this.sourceStar(duckdbIdentifier(owner.text), []);
          // `b.c` read through an outer join's default keeps the column's name, as DuckDB names `b.c`.
          if (item.length === 3 && isOp(item[1], '.') && (owner?.kind === 'word' || owner?.kind === 'quoted') && (item[2]!.kind === 'word' || item[2]!.kind === 'quoted') && this.joined.defaulted.has(duckdbIdentifier(owner.text)))
            return `${this.expr(item, aliases)} AS ${duckdbIdentifier((item[2] as Token).text)}`;
          const rolled = this.rolledUpItem(item, aliases);
          if (rolled !== null) return rolled;
          const typed = this.typedSelectItem(item, aliases);
          if (typed !== null) return typed;
          const sql = this.expr(item, aliases);
          // An unaliased expression is named as ClickHouse names it (`count()`, `plus(n, 1)`), not as DuckDB would
          // name its translation; bare columns keep their own name.
          const single = item[0];
          const bare = (item.length === 1 && (single?.kind === 'word' || single?.kind === 'quoted')) || (item.length === 3 && isOp(item[1], '.') && !isGroup(item[2])) || item.some((n) => isOp(n, '*'));
          const name = bare || hasAlias(item) ? null : clickhouseColumnName(item);
          if (name !== null) return `${sql} AS ${duckdbIdentifier(name)}`;
          // A bare reference to a `WITH expr AS name` keeps its name as the column name.
          const only = item[0];
          if (item.length === 1 && only && (only.kind === 'word' || only.kind === 'quoted') && aliases.has(only.text))
            return `${sql} AS ${duckdbIdentifier(only.text)}`;
          // An unqualified column over an outer join may belong to the unmatched side; which source it reads is
          // not known here, so it reads the default where NULL. Columns of non-Nullable types are never NULL in
          // ClickHouse otherwise; a column declared Nullable (columnTypes) is left as it is.
          if (item.length === 1 && only?.kind !== undefined && (only.kind === 'word' || only.kind === 'quoted') && this.joined.defaulted.size > 0 && !isNullableType(this.opts.columnTypes?.get(only.text) ?? null))
            return `coalesce(${sql}, ch_default(${sql})) AS ${duckdbIdentifier(only.text)}`;
          return sql;
        })
        .join(', ')
    );
  }

  /**
   * A select item that is a rolled-up GROUP BY key: ClickHouse fills it with the type's default in the rows that
   * aggregate over it (group_by_use_nulls = 0); DuckDB gives NULL. A Nullable key stays NULL in ClickHouse too.
   */
  private rolledUpItem(item: readonly Node[], aliases: ReadonlyMap<string, string>): string | null {
    const keys = this.rolledUpKeys;
    if (keys === null) return null;
    let end = item.length;
    if (end >= 3 && isWord(item[end - 2], 'AS') && (item[end - 1]!.kind === 'word' || item[end - 1]!.kind === 'quoted')) end -= 2;
    else if (hasAlias(item)) end -= 1;
    const body = item.slice(0, end);
    const alias = end < item.length ? (item[item.length - 1] as Token).text : null;
    if (!keys.has(sourceText(body)) && !(alias !== null && keys.has(alias))) return null;
    if (isNullableType(this.staticType(body))) return null;
    const name = alias ?? (body.length === 1 || (body.length === 3 && isOp(body[1], '.')) ? (body[body.length - 1] as Token).text : clickhouseColumnName(body));
    if (name === null) return null;
    const e = this.expr(body, aliases);
    return `CASE WHEN grouping(${e}) = 1 THEN ch_default(${e}) ELSE ${e} END AS ${duckdbIdentifier(name)}`;
  }

  /**
   * Select items whose ClickHouse type DuckDB would get wrong: comparisons and logic are UInt8 (DuckDB: BOOLEAN),
   * integer literals take the smallest type that holds them (DuckDB: INTEGER). Deeper in an expression DuckDB's
   * types are kept: a UInt8 there would overflow where ClickHouse widens.
   */
  private typedSelectItem(item: readonly Node[], aliases: ReadonlyMap<string, string>): string | null {
    let end = item.length;
    if (end >= 3 && isWord(item[end - 2], 'AS') && (item[end - 1]!.kind === 'word' || item[end - 1]!.kind === 'quoted')) end -= 2;
    const body = item.slice(0, end);
    const alias = end < item.length ? duckdbIdentifier((item[end + 1] as Token).text) : duckdbIdentifier(clickhouseColumnName(body) ?? sourceText(body));
    const lit = body.length === 2 && isOp(body[0], '-') ? body[1] : body.length === 1 ? body[0] : undefined;
    if (lit?.kind === 'number' && /^\d+$/.test(lit.text)) {
      const v = BigInt(lit.text) * (body.length === 2 ? -1n : 1n);
      const type = v >= 0n
        ? v < 256n ? 'UTINYINT' : v < 65536n ? 'USMALLINT' : v < 4294967296n ? 'UINTEGER' : 'UBIGINT'
        : v >= -128n ? 'TINYINT' : v >= -32768n ? 'SMALLINT' : v >= -2147483648n ? 'INTEGER' : 'BIGINT';
      return `CAST(${v} AS ${type}) AS ${alias}`;
    }
    if (!isBooleanExpr(body)) return null;
    return `CAST(${this.expr(body, aliases)} AS UTINYINT) AS ${alias}`;
  }

  private fromClause(body: readonly Node[], aliases: ReadonlyMap<string, string>, joined: JoinedSources): string {
    const out: string[] = [];
    let i = 0;
    let pending: Token[] = [];
    const JOIN_WORDS = ['GLOBAL', 'LOCAL', 'LEFT', 'RIGHT', 'FULL', 'INNER', 'OUTER', 'CROSS', 'ANY', 'ALL', 'SEMI', 'ANTI', 'ASOF', 'ARRAY', 'PASTE'];
    // Each source as written (base) and the name its columns are qualified with, for ARRAY JOIN and ANY JOIN.
    const sources: { base: string; alias: string | null; at: number }[] = [];
    let anyJoin: { sides: number[]; at: Token } | null = null;
    const flushSource = (start: number): number => {
      // One table source: name, (subquery), table function; optional FINAL and alias.
      let j = start;
      const n = body[j];
      if (n === undefined) throw unsupported('FROM without a table', body[start - 1]);
      let src: string;
      if (isGroup(n, '(')) {
        src = isWord(n.items[0], 'SELECT', 'WITH') || isGroup(n.items[0], '(') ? `(${this.query(n.items, aliases)})` : `(${this.fromClause(n.items, aliases, joined)})`;
        j++;
      } else if ((n.kind === 'word' || n.kind === 'quoted') && isGroup(body[j + 1], '(')) {
        src = this.tableFunction(n as Token, body[j + 1] as Group, aliases);
        j += 2;
      } else if (n.kind === 'word' || n.kind === 'quoted') {
        src = duckdbIdentifier(n.text);
        j++;
        while (isOp(body[j], '.') && (body[j + 1]?.kind === 'word' || body[j + 1]?.kind === 'quoted')) {
          src += '.' + duckdbIdentifier((body[j + 1] as Token).text);
          j += 2;
        }
      } else throw unsupported(`table ${sourceText([n])}`, n);
      // FINAL reads the engine's deduplicating view for ReplacingMergeTree/Summing/Collapsing tables; on plain
      // MergeTree tables (no such view) every row is already final, so FINAL changes nothing.
      const plainTable = n.kind !== 'group' && !isGroup(body[start + 1], '(');
      let final = false;
      if (isWord(body[j], 'FINAL')) {
        final = true;
        j++;
      }
      if (isWord(body[j], 'SAMPLE')) throw unsupported('SAMPLE', body[j]);
      if (isWord(body[j], 'AS')) j++;
      const a = body[j];
      let base = src;
      // A table is qualified by its own (last) name unless aliased; subqueries and table functions by an alias only.
      let alias: string | null = n.kind !== 'group' && !isGroup(body[start + 1], '(') ? src.split('.').pop()! : null;
      if ((a?.kind === 'word' && !isWord(a, 'ON', 'USING', 'FINAL', 'SAMPLE', ...JOIN_WORDS, 'JOIN')) || a?.kind === 'quoted') {
        alias = duckdbIdentifier((a as Token).text);
        src += ' AS ' + alias;
        j++;
      }
      if (isWord(body[j], 'FINAL')) {
        final = true;
        j++;
      }
      const name = plainTable ? (n as Token).text : '';
      if (final && plainTable && !base.includes('.') && this.opts.finalViews?.has(name)) {
        alias ??= duckdbIdentifier(name);
        src = `${duckdbIdentifier(`${name}__final`)} AS ${alias}`;
        base = duckdbIdentifier(`${name}__final`);
      }
      sources.push({ base, alias, at: out.length });
      joined.all.push(alias);
      out.push(src);
      return j;
    };
    i = flushSource(0);
    while (i < body.length) {
      const n = body[i]!;
      if (isOp(n, ',')) {
        out.push(',');
        i = flushSource(i + 1);
        continue;
      }
      if (isWord(n, ...JOIN_WORDS)) {
        pending.push(n as Token);
        i++;
        continue;
      }
      if (isWord(n, 'JOIN')) {
        const words = pending.map((t) => t.text.toUpperCase()).filter((w) => w !== 'GLOBAL' && w !== 'LOCAL' && w !== 'ALL');
        const at = pending[0] ?? n;
        pending = [];
        if (words.includes('ARRAY')) {
          i = this.arrayJoin(body, i + 1, words, at, aliases, out, sources, joined);
          continue;
        }
        if (words.includes('ANY')) {
          // Measured with chdb: ANY LEFT JOIN joins each left row with at most one matching right row, ANY RIGHT
          // JOIN each right row with at most one left row, ANY INNER JOIN keeps one row per key of both sides
          // (each side deduplicated by its join keys); ClickHouse itself refuses ANY FULL JOIN.
          if (words.some((w) => w === 'SEMI' || w === 'ANTI' || w === 'FULL')) throw unsupported(`${words.join(' ')} JOIN`, at);
          words.splice(words.indexOf('ANY'), 1);
          const right = words.includes('RIGHT');
          const inner = !right && !words.includes('LEFT');
          if ((right || inner) && sources.length !== 1) throw unsupported(`${words.includes('RIGHT') ? 'ANY RIGHT' : 'ANY INNER'} JOIN after another join`, at);
          anyJoin = { sides: [...(right ? [] : [sources.length]), ...(right || inner ? [0] : [])], at };
        }
        if (words.includes('PASTE')) throw unsupported('PASTE JOIN', at);
        let kind = words.join(' ');
        if (words.includes('SEMI') || words.includes('ANTI')) {
          if (words.includes('RIGHT')) throw unsupported(`RIGHT ${words.includes('SEMI') ? 'SEMI' : 'ANTI'} JOIN`, at);
          kind = words.includes('SEMI') ? 'SEMI' : 'ANTI';
        }
        out.push((kind ? kind + ' ' : '') + 'JOIN');
        i = flushSource(i + 1);
        const right = sources[sources.length - 1]!;
        if (!words.includes('SEMI') && !words.includes('ANTI')) {
          const mark = (src: (typeof sources)[number]) => {
            if (!src.alias || joined.defaulted.has(src.alias)) return;
            src.base = `(SELECT *, true AS "__joined" FROM ${src.base})`;
            out[src.at] = `${src.base} AS ${src.alias}`;
            joined.defaulted.add(src.alias);
          };
          if (words.includes('LEFT') || words.includes('FULL')) mark(right);
          if (words.includes('RIGHT') || words.includes('FULL')) sources.slice(0, -1).forEach(mark);
        }
        continue;
      }
      if (isWord(n, 'ON')) {
        let end = i + 1;
        while (end < body.length && !isWord(body[end], 'JOIN', ...JOIN_WORDS) && !isOp(body[end], ',')) end++;
        if (anyJoin) for (const side of anyJoin.sides) this.anyJoinSource(sources[side]!, anyJoin.at, out, keysOfOn(body.slice(i + 1, end), sources[side]!.alias));
        anyJoin = null;
        out.push('ON ' + this.expr(body.slice(i + 1, end), aliases));
        i = end;
        continue;
      }
      if (isWord(n, 'USING')) {
        const g = body[i + 1];
        let end = i + 2;
        if (!isGroup(g, '(')) {
          end = i + 1;
          while (end < body.length && !isWord(body[end], 'JOIN', ...JOIN_WORDS)) end++;
        }
        const cols = isGroup(g, '(') ? g.items : body.slice(i + 1, end);
        const usingKeys = splitCommas(cols).map((c) => (c.length === 1 && (c[0]!.kind === 'word' || c[0]!.kind === 'quoted') ? duckdbIdentifier((c[0] as Token).text) : null));
        if (anyJoin) for (const side of anyJoin.sides) this.anyJoinSource(sources[side]!, anyJoin.at, out, usingKeys);
        anyJoin = null;
        for (const c of splitCommas(cols)) {
          const key = c.length === 1 && (c[0]!.kind === 'word' || c[0]!.kind === 'quoted') ? duckdbIdentifier((c[0] as Token).text) : null;
          if (key === null) throw unsupported('USING with an expression', c[0] ?? n);
          if (!joined.using.includes(key)) joined.using.push(key);
        }
        out.push(`USING (${this.exprList(cols, aliases)})`);
        i = end;
        continue;
      }
      throw unsupported(`${sourceText([n])} in FROM`, n);
    }
    if (anyJoin) throw unsupported('ANY JOIN without ON or USING', anyJoin.at);
    return out.join(' ').replaceAll(' ,', ',');
  }

  /** `alias.*`, with the type defaults ClickHouse shows for a LEFT-joined source's unmatched rows. */
  private sourceStar(alias: string, except: readonly string[]): string {
    if (!this.joined.defaulted.has(alias)) return except.length ? `${alias}.* EXCLUDE (${except.join(', ')})` : `${alias}.*`;
    const cols = `COLUMNS(${alias}.* EXCLUDE (${[...except, '"__joined"'].join(', ')}))`;
    return `CASE WHEN ${alias}."__joined" THEN ${cols} ELSE ch_default(${cols}) END`;
  }

  /** Keeps one right row per join key: `keys` are the right side's key columns (null: not a plain column). */
  private anyJoinSource(src: { base: string; alias: string | null; at: number }, at: Token, out: string[], keys: (string | null)[]) {
    if (keys.length === 0 || keys.some((k) => k === null)) throw unsupported('ANY JOIN on anything but column equalities', at);
    out[src.at] = `(SELECT * FROM ${src.base} QUALIFY row_number() OVER (PARTITION BY ${keys.join(', ')}) = 1)${src.alias ? ` AS ${src.alias}` : ''}`;
  }

  private arrayJoin(
    body: readonly Node[],
    start: number,
    words: string[],
    at: Token,
    aliases: ReadonlyMap<string, string>,
    out: string[],
    sources: readonly { base: string; alias: string | null; at: number }[],
    joined: JoinedSources,
  ): number {
    let end = start;
    while (end < body.length && !isWord(body[end], 'JOIN', 'LEFT', 'INNER', 'ARRAY', 'CROSS', 'RIGHT', 'FULL', 'GLOBAL')) end++;
    // LEFT ARRAY JOIN keeps rows whose array is empty, with the element type's default.
    const arr = (sql: string) => (words.includes('LEFT') ? `ch_left_array(${sql})` : sql);
    const items = splitCommas(body.slice(start, end));
    if (items.length === 0) throw unsupported('ARRAY JOIN without arrays', at);
    if (items.every((item) => item.length === 1 && (item[0]!.kind === 'word' || item[0]!.kind === 'quoted'))) {
      // `ARRAY JOIN arr`: from here on `arr` names the element, so the source's column is replaced in place.
      const src = sources[sources.length - 1];
      if (!src || src.at !== out.length - 1 || sources.length !== 1) throw unsupported('ARRAY JOIN without an alias after a JOIN', at);
      const cols = items.map((item) => duckdbIdentifier((item[0] as Token).text));
      const replace = cols.map((c) => `unnest(${arr(c)}) AS ${c}`).join(', ');
      out[src.at] = `(SELECT * REPLACE (${replace}) FROM ${src.base})${src.alias ? ` AS ${src.alias}` : ''}`;
      return end;
    }
    const parts = items.map((item) => {
      const n = item.length;
      if (n < 3 || !isWord(item[n - 2], 'AS') || !(item[n - 1]!.kind === 'word' || item[n - 1]!.kind === 'quoted'))
        throw unsupported('ARRAY JOIN of an expression without an alias', item[0] ?? at);
      return `unnest(${arr(this.expr(item.slice(0, n - 2), aliases))}) AS ${duckdbIdentifier((item[n - 1] as Token).text)}`;
    });
    joined.all.push(null);
    // Several arrays in one ARRAY JOIN are walked in parallel, as unnest() in one SELECT does.
    out.push(`CROSS JOIN LATERAL (SELECT ${parts.join(', ')}) AS "__array_join_${++this.cteCounter}"`);
    return end;
  }

  private tableFunction(name: Token, args: Group, aliases: ReadonlyMap<string, string>): string {
    const a = splitCommas(args.items).map((x) => this.expr(x, aliases));
    switch (name.text) {
      case 'numbers':
      case 'numbers_mt':
        if (a.length === 1) return `(SELECT CAST(range AS UBIGINT) AS number FROM range(${a[0]}))`;
        if (a.length === 2) return `(SELECT CAST(range AS UBIGINT) AS number FROM range(${a[0]}, (${a[0]}) + (${a[1]})))`;
        break;
      case 'zeros':
        if (a.length === 1) return `(SELECT CAST(0 AS UTINYINT) AS zero FROM range(${a[0]}))`;
        break;
    }
    throw unsupported(`table function ${name.text}`, name);
  }

  exprList(nodes: readonly Node[], aliases: ReadonlyMap<string, string>): string {
    return splitCommas(nodes)
      .map((x) => this.expr(x, aliases))
      .join(', ');
  }

  /** Length of the operand starting at i: a literal/name/group with its calls, subscripts, `.x` and `::T`. */
  private operandEnd(nodes: readonly Node[], i: number): number {
    let j = i;
    if (isOp(nodes[j], '-', '+')) j++;
    if (nodes[j] === undefined) return j;
    j++;
    for (;;) {
      if (isGroup(nodes[j], '(') || isGroup(nodes[j], '[')) j++;
      else if (isOp(nodes[j], '.') && nodes[j + 1] !== undefined && !isGroup(nodes[j + 1])) j += 2;
      else if (isOp(nodes[j], '::') && nodes[j + 1] !== undefined) j += isGroup(nodes[j + 2], '(') ? 3 : 2;
      else return j;
    }
  }

  /** `{name: Type}`: the bound value as a typed literal, as ClickHouse substitutes query parameters. */
  private queryParam(g: Group): string {
    const [name, colon, ...type] = g.items;
    if (!name || name.kind !== 'word' || !isOp(colon, ':') || type.length === 0) throw unsupported('query parameter {name:Type}', g);
    const value = this.opts.queryParams?.[(name as Token).text];
    if (value === undefined) throw new SqlError(`Substitution \`${(name as Token).text}\` is not set`);
    return `CAST(${duckdbString(value)} AS ${duckdbType(sourceText(type))})`;
  }

  expr(nodes: readonly Node[], aliases: ReadonlyMap<string, string>): string {
    const ternary = this.ternary(nodes, aliases);
    if (ternary !== null) return ternary;
    const out: string[] = [];
    const operandDone = () => {
      const last = out[out.length - 1];
      return last !== undefined && !/^(?:[-+*/%=<>!|,]+|AND|OR|NOT|IN|IS|LIKE|ILIKE|THEN|WHEN|ELSE|CASE|BETWEEN|SELECT|BY|ON|AS)$/i.test(last) && !last.endsWith('(');
    };
    // Where each node's output starts, for rewriting a whole left operand.
    const outAt: number[] = [];
    for (let i = 0; i < nodes.length; i++) {
      const n = nodes[i]!;
      outAt[i] = out.length;
      if ((n.kind === 'op' && COMPARISONS.has(n.text) && operandDone()) || (isWord(n, 'BETWEEN') && (operandDone() || /^NOT$/i.test(out[out.length - 1] ?? '')))) {
        const end = isWord(n, 'BETWEEN') ? this.zonedBetween(nodes, i, out, outAt, aliases) : this.zonedComparison(nodes, i, out, outAt, aliases);
        if (end >= 0) {
          i = end - 1;
          continue;
        }
      }
      if (n.kind === 'group') {
        if (n.open.text === '{') {
          out.push(this.queryParam(n));
          continue;
        }
        if (n.open.text === '[') {
          // Out-of-range elements and missing map keys are the type's default in ClickHouse, not NULL.
          if (operandDone()) out[out.length - 1] = `arrayElement(${out[out.length - 1]}, ${this.expr(n.items, aliases)})`;
          else out.push(`[${this.exprList(n.items, aliases)}]`);
          continue;
        }
        if (isWord(n.items[0], 'SELECT', 'WITH')) {
          out.push(`(${this.query(n.items, aliases)})`);
          continue;
        }
        const parts = splitCommas(n.items);
        // A tuple literal is a struct with positional names (so its values survive); next to IN it stays a
        // row or a value list, which DuckDB compares column-wise.
        if (parts.length > 1 && !isWord(nodes[i - 1], 'IN') && !isWord(nodes[i + 1], 'IN', 'NOT', 'GLOBAL') && !isOp(nodes[i + 1], '=', '==', '!=', '<>') && !isOp(nodes[i - 1], '=', '==', '!=', '<>')) {
          out.push(namedStruct(parts.map((p) => this.expr(p, aliases))));
          continue;
        }
        out.push(`(${this.exprList(n.items, aliases)})`);
        continue;
      }
      if (n.kind === 'string') {
        out.push(duckdbString(n.text));
        continue;
      }
      if (n.kind === 'number') {
        // ClickHouse reads 1.5 and 1e3 as Float64; DuckDB would make 1.5 a DECIMAL.
        out.push(/^\d*\.\d*$|^[\d.]+e/i.test(n.text) && !/^0x/i.test(n.text) ? `CAST(${n.text} AS DOUBLE)` : n.text);
        continue;
      }
      if (n.kind === 'quoted') {
        out.push(aliases.has(n.text) && !isOp(nodes[i - 1], '.') && !isOp(nodes[i + 1], '.') ? aliases.get(n.text)! : duckdbIdentifier(n.text));
        continue;
      }
      if (n.kind === 'op') {
        const next = nodes[i + 1];
        const intervalCall = isWord(next) && /^toInterval/i.test(next.text) && isGroup(nodes[i + 2], '(');
        if ((n.text === '+' || n.text === '-') && operandDone() && (isWord(next, 'INTERVAL') || intervalCall)) {
          // ClickHouse keeps the DateTime/Date type across `t ± INTERVAL`; DuckDB widens to TIMESTAMP.
          let end: number;
          let unit: string;
          if (intervalCall) {
            end = i + 3;
            unit = (next as Token).text.slice('toInterval'.length);
          } else if (nodes[i + 2]?.kind === 'string' && !isWord(nodes[i + 3])) {
            end = i + 3;
            unit = '';
          } else {
            end = this.operandEnd(nodes, i + 2) + 1;
            unit = isWord(nodes[end - 1]) ? (nodes[end - 1] as Token).text : '';
          }
          const subDay = /^(HOUR|MINUTE|SECOND|MILLISECOND|MICROSECOND)S?$/i.test(unit);
          const fn = `ch_${n.text === '+' ? 'plus' : 'minus'}${subDay ? '_time' : ''}`;
          const shifted = `${fn}(${out[out.length - 1]}, ${this.expr(nodes.slice(i + 1, end), aliases)})`;
          // Hours and less move the instant in ClickHouse, days and more the calendar: a zoned wall clock
          // goes through its instant for the former (time-zones.ts).
          const from = this.operandStart(nodes, i);
          const left = subDay && from >= 0 ? this.timeValue(nodes.slice(from, i)) : null;
          if (left?.kind === 'ambiguous') throw unsupported(`${n.text} INTERVAL on ${left.name} (${left.why})`, n);
          const zone = left?.kind === 'datetime' ? left.zone : null;
          out[out.length - 1] = zone === null ? shifted : wallClockSql(`${fn}(${timeIn(this, nodes.slice(from, i), aliases, null)}, ${this.expr(nodes.slice(i + 1, end), aliases)})`, zone);
          i = end - 1;
        } else if (n.text === '*' && operandDone() && this.widenedProduct(nodes, i, out, aliases)) {
          i = this.operandEnd(nodes, i + 1) - 1;
        } else if (n.text === '==') out.push('=');
        else if (n.text === '?') throw unsupported('ternary operator ?:', n);
        else if (n.text === '.' && next?.kind === 'number' && /^\d+$/.test(next.text) && operandDone()) {
          out[out.length - 1] = `struct_extract_at(${out[out.length - 1]}, ${next.text})`;
          i++;
        } else if (n.text === '.' && next?.kind === 'number') throw unsupported('tuple element access .N', n);
        else if (n.text === '::') {
          const t = nodes[i + 1];
          const args = isGroup(nodes[i + 2], '(') ? nodes[i + 2] : undefined;
          if (!isWord(t)) throw unsupported('::', n);
          const from = this.operandStart(nodes, i);
          out[out.length - 1] = this.castValue(from >= 0 ? nodes.slice(from, i) : null, out[out.length - 1]!, args ? [t, args] : [t], t, aliases);
          i += args ? 2 : 1;
        } else if (n.text === '.') {
          const next = nodes[i + 1] as Node | undefined;
          if (next?.kind === 'op' && next.text === '*') out[out.length - 1] += '.*';
          else if (next?.kind === 'word' || next?.kind === 'quoted') {
            const owner = out[out.length - 1]!;
            const ref = `${owner}.${duckdbIdentifier(next.text)}`;
            const key = /^[A-Za-z_][A-Za-z0-9_]*$/.test(owner) ? duckdbIdentifier(owner) : owner;
            // A Nullable column reads NULL there in ClickHouse too.
            const nullable = isNullableType(this.opts.columnTypes?.get(next.text) ?? null);
            out[out.length - 1] = this.joined.defaulted.has(key) && !nullable ? `CASE WHEN ${owner}."__joined" THEN ${ref} ELSE ch_default(${ref}) END` : ref;
          }
          else throw unsupported('.', n);
          i++;
        } else out.push(n.text);
        continue;
      }
      // Words.
      const upper = n.text.toUpperCase();
      const next = nodes[i + 1];
      if (upper === 'GLOBAL' && isWord(next, 'IN', 'NOT')) continue;
      if (upper === 'IN' && isGroup(next, '[')) {
        const items = this.exprList(next.items, aliases);
        out.push(items ? `IN (${items})` : 'IN (SELECT NULL WHERE false)');
        i++;
        continue;
      }
      if ((upper === 'LIKE' || upper === 'ILIKE') && !(isGroup(next, '(') && !operandDone())) {
        if (nodes.slice(i).some((x) => isWord(x, 'ESCAPE'))) throw unsupported('LIKE ... ESCAPE', n);
        const end = this.operandEnd(nodes, i + 1);
        if (end < nodes.length && !isWord(nodes[end], 'AND', 'OR', 'THEN', 'ELSE', 'END', 'WHEN', 'AS', 'DESC', 'ASC') && !isOp(nodes[end], ','))
          throw unsupported(`${upper} with a computed pattern`, nodes[i + 1]);
        // ClickHouse patterns treat backslash as the escape character; DuckDB's need it said.
        out.push(`${upper} ${this.expr(nodes.slice(i + 1, end), aliases)} ESCAPE '\\'`);
        i = end - 1;
        continue;
      }
      if (upper === 'INTERVAL') {
        const end = this.operandEnd(nodes, i + 1);
        const unit = nodes[end];
        if (end === i + 2 && nodes[i + 1]?.kind === 'string' && !isWord(unit)) {
          out.push(`INTERVAL ${duckdbString((nodes[i + 1] as Token).text)}`);
          i = end - 1;
          continue;
        }
        if (!isWord(unit)) throw unsupported('INTERVAL without a unit', n);
        const u = unit.text.toUpperCase().replace(/S$/, '');
        if (!['SECOND', 'MINUTE', 'HOUR', 'DAY', 'WEEK', 'MONTH', 'QUARTER', 'YEAR', 'MILLISECOND', 'MICROSECOND'].includes(u))
          throw unsupported(`INTERVAL unit ${unit.text}`, unit);
        out.push(`INTERVAL (${this.expr(nodes.slice(i + 1, end), aliases)}) ${u}`);
        i = end;
        continue;
      }
      if (isGroup(next, '(') && (!NOT_CALLS.has(upper) || ((upper === 'LIKE' || upper === 'ILIKE') && !operandDone())) && !(upper === 'ANY' && operandDone() === false && isWord(next.items[0], 'SELECT'))) {
        const params = isGroup(nodes[i + 2], '(') ? (nodes[i + 2] as Group) : null;
        const overAt = i + (params ? 3 : 2);
        const windowed = isWord(nodes[overAt], 'OVER');
        let call = params ? this.call(n, params, aliases, next, windowed) : this.call(n, next, aliases, null, windowed);
        i += params ? 2 : 1;
        if (windowed) {
          const spec = nodes[overAt + 1];
          if (spec === undefined) throw unsupported('OVER without a window', nodes[overAt]);
          call += ` OVER ${isGroup(spec, '(') ? `(${this.exprList(spec.items, aliases)})` : this.expr([spec], aliases)}`;
          // Ranking and counting window functions are UInt64 in ClickHouse (DuckDB: BIGINT).
          if (/^(row_number|rank|dense_rank|count|uniq|uniqExact|countIf)$/i.test(n.text)) call = `CAST(${call} AS UBIGINT)`;
          // A running sum has sum's type (Int64, UInt64, Float64; DuckDB: HUGEINT): by the argument's static type,
          // else 64 bits (a UInt64 argument then stays 128).
          const summed = splitCommas(next.items)[0];
          if (/^sum$/i.test(n.text) && !params && summed?.length) {
            const known = sumType(this.staticType(summed));
            call = known ? `CAST(${call} AS ${known})` : `cast_to_type(${call}, ${this.expr(summed, aliases)} + CAST(0 AS BIGINT))`;
          }
          i += 2;
        }
        out.push(call);
        continue;
      }
      if (aliases.has(n.text) && !isOp(nodes[i - 1], '.') && !isOp(next, '.') && !isWord(nodes[i - 1], 'AS')) {
        out.push(aliases.get(n.text)!);
        continue;
      }
      if (upper === 'FINAL') throw unsupported('FINAL here', n);
      out.push(n.text);
    }
    return joinSql(out);
  }

  /**
   * `a * b` of integers: ClickHouse widens products to twice the wider operand's size (UInt32 × UInt16 is UInt64)
   * where DuckDB keeps the operand type and fails on overflow, as `toUnixTimestamp(t) * 1000` would. Where both
   * types are known statically (literals, typed functions, declared columns: static-type.ts) both sides are cast
   * to ClickHouse's product type. Replaces the left operand in `out`; false leaves the product to DuckDB.
   */
  private widenedProduct(nodes: readonly Node[], i: number, out: string[], aliases: ReadonlyMap<string, string>): boolean {
    const before = out[out.length - 2];
    // `a / b * c` is `(a / b) * c`: the last piece alone is not the left operand.
    if (before === '/' || before === '%' || before === 'DIV') return false;
    const start = this.operandStart(nodes, i);
    const end = this.operandEnd(nodes, i + 1);
    if (start < 0 || end <= i + 1) return false;
    const left = nodes.slice(start, i);
    const right = nodes.slice(i + 1, end);
    const intLiteral = (side: readonly Node[]) => side.length === 1 && side[0]!.kind === 'number' && /^\d+$/.test((side[0] as Token).text);
    if ([...left, ...right].some((x) => x.kind === 'word' && /^(INTERVAL$|toInterval)/i.test(x.text))) return false;
    const typeOf = (side: readonly Node[]) => (intLiteral(side) ? literalType(BigInt((side[0] as Token).text)) : this.staticType(side));
    const product = productType(typeOf(left), typeOf(right));
    const leftSql = out[out.length - 1]!;
    if (product) {
      out[out.length - 1] = `(CAST(${leftSql} AS ${product}) * CAST(${this.expr(right, aliases)} AS ${product}))`;
      return true;
    }
    // Unknown types keep DuckDB's product: widening to BIGINT would turn a UInt64 (count() of a subquery) Int128.
    return false;
  }

  /**
   * `a < b` where a side is a DateTime of a non-UTC zone and the other a DateTime of another zone: ClickHouse
   * compares instants, so both sides become UTC (time-zones.ts). A string or a Date on the other side is read in
   * the DateTime's zone, as the wall clock already is. Returns the end of the right operand, or -1 where nothing
   * changes; `out` then ends with the rewritten comparison.
   */
  private zonedComparison(nodes: readonly Node[], i: number, out: string[], outAt: readonly number[], aliases: ReadonlyMap<string, string>): number {
    const bound = (x: Node | undefined) => isWord(x, ...COMPARISON_BOUNDS) || isOp(x, ',', ...COMPARISONS);
    let start = i;
    while (start > 0 && !bound(nodes[start - 1])) start--;
    let end = i + 1;
    while (end < nodes.length && !bound(nodes[end])) end++;
    const left = nodes.slice(start, i);
    const right = nodes.slice(i + 1, end);
    if (left.length === 0 || right.length === 0) return -1;
    const sides = [this.timeValue(left), this.timeValue(right)] as const;
    const zoned = sides.find((v) => (v.kind === 'datetime' && v.zone !== null) || v.kind === 'ambiguous');
    if (zoned === undefined) return -1;
    const [l, r] = sides;
    if (zoned.kind === 'ambiguous') throw unsupported(`comparison of ${zoned.name} (${zoned.why})`, nodes[i]);
    if (l.kind === 'datetime' && r.kind === 'datetime' && l.zone === r.zone) return -1;
    if (sides.some((v) => v.kind === 'date')) return -1;
    if (sides.some((v) => v.kind === 'string')) {
      // ClickHouse reads the string in the DateTime's zone; a literal goes through the instant so that a time
      // the zone skips reads as ClickHouse reads it (constant, so DuckDB folds it).
      const literal = [left, right].findIndex((side) => side.length === 1 && side[0]!.kind === 'string');
      const other = sides[1 - literal]!;
      if (literal < 0 || other.kind !== 'datetime' || other.zone === null) return -1;
      const text = literal === 0 ? left : right;
      const lit = wallClockSql(instantSql(`CAST(${this.expr(text, aliases)} AS TIMESTAMP)`, other.zone), other.zone);
      if (literal === 0) {
        out.splice(outAt[start]!);
        out.push(lit, (nodes[i] as Token).text === '==' ? '=' : (nodes[i] as Token).text, this.expr(right, aliases));
      } else out.push((nodes[i] as Token).text === '==' ? '=' : (nodes[i] as Token).text, lit);
      return end;
    }
    const named = (v: TimeValue) =>
      v.kind === 'datetime' ? `DateTime${v.zone === null ? '' : `('${v.zone}')`}`
      : v.kind === 'number' ? 'a number'
      : v.kind === 'unknown' ? 'an expression of unknown type'
      : `a value of another type`;
    if (l.kind !== 'datetime' || r.kind !== 'datetime') throw unsupported(`comparison of ${named(l)} with ${named(r)}`, nodes[i]);
    out.splice(outAt[start]!);
    out.push(timeIn(this, left, aliases, null), (nodes[i] as Token).text === '==' ? '=' : (nodes[i] as Token).text, timeIn(this, right, aliases, null));
    return end;
  }

  /** `x [NOT] BETWEEN a AND b` where zones differ: like zonedComparison, on instants. */
  private zonedBetween(nodes: readonly Node[], i: number, out: string[], outAt: readonly number[], aliases: ReadonlyMap<string, string>): number {
    const bound = (x: Node | undefined) => isWord(x, ...COMPARISON_BOUNDS) || isOp(x, ',', ...COMPARISONS);
    const not = isWord(nodes[i - 1], 'NOT');
    let start = not ? i - 1 : i;
    while (start > 0 && !bound(nodes[start - 1])) start--;
    const and = nodes.findIndex((x, k) => k > i && isWord(x, 'AND'));
    let end = and + 1;
    while (end < nodes.length && !bound(nodes[end])) end++;
    const parts = [nodes.slice(start, not ? i - 1 : i), nodes.slice(i + 1, and), nodes.slice(and + 1, end)];
    if (and < 0 || parts.some((p) => p.length === 0)) return -1;
    const values = parts.map((p) => this.timeValue(p));
    const zoned = values.find((v) => (v.kind === 'datetime' && v.zone !== null) || v.kind === 'ambiguous');
    if (zoned === undefined) return -1;
    if (zoned.kind === 'ambiguous') throw unsupported(`BETWEEN on ${zoned.name} (${zoned.why})`, nodes[i]);
    const zone = (zoned as { zone: string }).zone;
    const x = values[0]!;
    // Strings and Dates are read in the DateTime's zone, as the wall clock already is.
    if (values.every((v) => (v.kind === 'datetime' && v.zone === zone) || (x.kind === 'datetime' && (v.kind === 'string' || v.kind === 'date')))) return -1;
    const other = values.find((v) => v.kind !== 'datetime' && v.kind !== 'string');
    if (other !== undefined || x.kind !== 'datetime')
      throw unsupported(`BETWEEN of DateTime('${zone}') and ${other?.kind === 'number' ? 'a number' : 'an expression of unknown type'}`, nodes[i]);
    const instant = (p: readonly Node[], v: TimeValue) => (v.kind === 'string' ? instantSql(`CAST(${this.expr(p, aliases)} AS TIMESTAMP)`, x.zone) : timeIn(this, p, aliases, null));
    out.splice(outAt[start]!);
    out.push(`${instant(parts[0]!, x)} ${not ? 'NOT ' : ''}BETWEEN ${instant(parts[1]!, values[1]!)} AND ${instant(parts[2]!, values[2]!)}`);
    return end;
  }

  /** Start of the operand ending just before `end` (a name, literal or group with its calls, `.x`, `[i]`, `::T`). */
  private operandStart(nodes: readonly Node[], end: number): number {
    let j = end - 1;
    for (;;) {
      const n = nodes[j];
      if (n === undefined) return -1;
      if (isGroup(n, '(') && isWord(nodes[j - 1], 'OVER')) j -= 2;
      else if (isGroup(n) && j > 0 && !isOp(nodes[j - 1]) && !NOT_CALLS.has(isWord(nodes[j - 1]) ? (nodes[j - 1] as Token).text.toUpperCase() : '')) j--;
      else if (isWord(n) && isOp(nodes[j - 1], '::')) j -= 2;
      else if (isGroup(n, '(') && isWord(nodes[j - 1]) && isOp(nodes[j - 2], '::')) j -= 3;
      else if (!isOp(n) && isOp(nodes[j - 1], '.')) j -= 2;
      else return isOp(n) ? -1 : j;
    }
  }

  /** `c ? a : b` (right-associative, lowest precedence but for a trailing `AS alias`), or null. */
  private ternary(nodes: readonly Node[], aliases: ReadonlyMap<string, string>): string | null {
    const q = nodes.findIndex((n) => isOp(n, '?'));
    if (q < 0) return null;
    let depth = 0;
    let colon = -1;
    for (let k = q + 1; k < nodes.length; k++) {
      if (isOp(nodes[k], '?')) depth++;
      else if (isOp(nodes[k], ':') && depth-- === 0) {
        colon = k;
        break;
      }
    }
    if (q === 0 || colon < 0 || colon === q + 1 || colon === nodes.length - 1) throw unsupported('ternary operator ?:', nodes[q]);
    let end = nodes.length;
    const as = nodes.findIndex((n, k) => k > colon && isWord(n, 'AS'));
    if (as >= 0) end = as;
    const sql = `CASE WHEN ${this.expr(nodes.slice(0, q), aliases)} THEN ${this.expr(nodes.slice(q + 1, colon), aliases)} ELSE ${this.expr(nodes.slice(colon + 1, end), aliases)} END`;
    return end < nodes.length ? `${sql} ${this.expr(nodes.slice(end), aliases)}` : sql;
  }

  /** CAST(value AS type) with ClickHouse's conversion: floats to integers truncate (DuckDB rounds), as do DateTimes. */
  cast(value: string, typeNodes: readonly Node[], at: Node): string {
    const duck = this.chType(typeNodes, at);
    const intMacro = Object.entries(INT_MACROS).find(([, t]) => t === duck)?.[0];
    if (intMacro) return `${intMacro}(${value})`;
    // DateTime is a TIMESTAMP of whole seconds (types.ts); ClickHouse drops the fraction.
    return duck === 'TIMESTAMP' ? `date_trunc('second', CAST(${value} AS TIMESTAMP))` : `CAST(${value} AS ${duck})`;
  }

  /**
   * CAST of the expression `value` (its SQL `sql`; null: nodes unknown). A DateTime cast to a DateTime of a named
   * zone keeps its instant and shows it in that zone (checked with chdb; a cast to plain DateTime keeps the zone).
   */
  castValue(value: readonly Node[] | null, sql: string, typeNodes: readonly Node[], at: Node, aliases: ReadonlyMap<string, string>): string {
    const text = typeNodes.length === 1 && typeNodes[0]!.kind === 'string' ? (typeNodes[0] as Token).text : sourceText(typeNodes);
    const named = /^(?:Nullable\()?DateTime(?:64)?\(.*'([^']*)'\s*\)/.exec(text);
    if (named && value) {
      timeZoneOf({ ...firstToken(at), text: named[1]! });
      const v = this.timeValue(value);
      const zone = zoneOfType(text);
      if (v.kind === 'ambiguous' || (v.kind === 'datetime' && v.zone !== zone) || (v.kind === 'unknown' && zone !== null))
        return this.cast(timeIn(this, value, aliases, zone), typeNodes, at);
    }
    return this.cast(sql, typeNodes, at);
  }

  chType(nodes: readonly Node[], at: Node): string {
    const text = nodes.length === 1 && nodes[0]!.kind === 'string' ? (nodes[0] as Token).text : sourceText(nodes);
    try {
      return duckdbType(text);
    } catch {
      throw unsupported(`type ${text}`, at);
    }
  }

  /** What an expression is as far as time zones go: a DateTime's zone, a Date, a string... (time-zones.ts). */
  timeValue(nodes: readonly Node[]): TimeValue {
    return timeValueIn(nodes, this.zones, this.scope);
  }

  /** The nodes of the SELECT being translated (zoned-names.ts reads names by where they are bound). */
  private scope: readonly Node[] | null = null;

  /** The ClickHouse type of an expression where the SQL and the declared column types tell it. */
  staticType(nodes: readonly Node[]): string | null {
    return staticType(nodes, this.opts.columnTypes);
  }

  /** `name(args)` or, with `params`, the parametric form `name(params)(args)`. */
  call(name: Token, args: Group, aliases: ReadonlyMap<string, string>, params: Group | null, windowed: boolean): string {
    const argNodes = splitCommas(args.items);
    const agg = parseAggregateName(name.text);
    if (agg) return translateAggregate(this, agg, name, argNodes, params ? splitCommas(params.items) : [], aliases, windowed);
    if (params) throw unsupported(`parametric function ${name.text}`, name);
    return translateScalarCall(this, name, argNodes, aliases);
  }
}

/** Select items named with `AS`, by name. */
function selectAliases(select: readonly Node[]): Map<string, Node[]> {
  const named = new Map<string, Node[]>();
  for (const item of splitCommas(select)) {
    const n = item.length;
    if (n >= 3 && isWord(item[n - 2], 'AS') && (item[n - 1]!.kind === 'word' || item[n - 1]!.kind === 'quoted')) named.set((item[n - 1] as Token).text, item.slice(0, n - 2));
  }
  return named;
}

/** For `ON l.a = r.b AND ...`: the column of source `alias` in each equality (null where it is not one). */
function keysOfOn(on: readonly Node[], alias: string | null): (string | null)[] {
  const conj: Node[][] = [[]];
  for (const n of on) {
    if (isWord(n, 'AND')) conj.push([]);
    else conj[conj.length - 1]!.push(n);
  }
  const name = (t: Node | undefined) => (t && (t.kind === 'word' || t.kind === 'quoted') ? duckdbIdentifier(t.text) : null);
  return conj.map((c) => {
    const eq = c.findIndex((n) => isOp(n, '=', '=='));
    if (eq < 0) return null;
    for (const side of [c.slice(0, eq), c.slice(eq + 1)]) {
      if (side.length === 3 && isOp(side[1], '.') && name(side[0]) === alias) return name(side[2]);
    }
    return null;
  });
}

/** Joins output pieces with single spaces, none inside brackets or before commas. */
function joinSql(parts: readonly string[]): string {
  let s = '';
  for (const p of parts) {
    if (s === '' || p === ',' || s.endsWith('(') || s.endsWith('[')) s += p;
    else s += ' ' + p;
  }
  return s.replaceAll(' ,', ',');
}
