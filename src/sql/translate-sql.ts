// ClickHouse SELECT → DuckDB SELECT with the same meaning (design.md "ClickHouse SQL on DuckDB"). Functions
// that DuckDB lacks are macros in function-library.ts; this module rewrites only syntax, plus the calls whose
// shape a macro cannot express (aggregates with combinators, parametric aggregates, lambdas first, variadics).
// Whatever it cannot translate faithfully it refuses with `Unsupported ClickHouse syntax: ... at line:col`.
import { SqlError } from '../errors.ts';
import { duckdbIdentifier, duckdbString, type Token } from './tokenize.ts';
import {
  firstToken,
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
import { translateScalarCall } from './scalar-calls.ts';
import { unsupported } from './unsupported.ts';


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

export function translateSql(sql: string): string {
  let nodes = stripSemicolon(parseTree(sql));
  const fmt = FORMATS_TAIL(nodes);
  if (fmt >= 0) nodes = nodes.slice(0, fmt);
  if (nodes.length === 0) throw new SqlError('Syntax error: empty query');
  if (!isWord(nodes[0], 'SELECT', 'WITH') && !isGroup(nodes[0], '('))
    throw unsupported(`statement ${firstToken(nodes[0]!).text}`, nodes[0]);
  return new Translator().query(nodes, new Map());
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

interface Clause {
  readonly key: string;
  readonly at: Node;
  readonly body: Node[];
}

/** Words that take a parenthesised operand but are not function calls. */
const NOT_CALLS = new Set([
  'IN', 'EXISTS', 'AS', 'OVER', 'FILTER', 'VALUES', 'AND', 'OR', 'NOT', 'THEN', 'ELSE', 'WHEN', 'ON', 'USING',
  'FROM', 'SELECT', 'WHERE', 'BY', 'JOIN', 'CASE', 'IS', 'LIKE', 'ILIKE', 'BETWEEN', 'INTERVAL', 'UNION', 'ALL',
  'DISTINCT', 'WITH', 'HAVING', 'EXCEPT', 'INTERSECT', 'END', 'LIMIT', 'OFFSET', 'DESC', 'ASC',
]);

export class Translator {
  private cteCounter = 0;

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
    const clauses: Clause[] = [];
    for (let i = 0; i < nodes.length; i++) {
      const n = nodes[i]!;
      const spec = CLAUSES.find(
        (c) => isWord(n, c[0]!) && (c.length === 1 || isWord(nodes[i + 1], c[1]!)) && !(c[0] === 'WITH' && i > 0),
      );
      if (spec && !(spec[0] === 'OFFSET' && clauses[clauses.length - 1]?.key === 'LIMIT' && false)) {
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
    out.push('SELECT ' + this.selectList(sel.body, aliases));
    const from = get('FROM')[0];
    if (from) out.push('FROM ' + this.fromClause(from.body, aliases));
    const sample = get('SAMPLE')[0];
    if (sample) throw unsupported('SAMPLE', sample.at);
    const conds = [...get('PREWHERE'), ...get('WHERE')].map((c) => this.expr(c.body, aliases));
    if (conds.length === 1) out.push('WHERE ' + conds[0]);
    if (conds.length === 2) out.push(`WHERE (${conds[0]}) AND (${conds[1]})`);
    const group = get('GROUP')[0];
    if (group) {
      const body = group.body;
      const withIdx = body.findIndex((n, i) => isWord(n, 'WITH') && isWord(body[i + 1], 'TOTALS', 'ROLLUP', 'CUBE'));
      if (withIdx >= 0) throw unsupported(`GROUP BY ... WITH ${(body[withIdx + 1] as Token).text.toUpperCase()}`, body[withIdx]);
      out.push('GROUP BY ' + this.exprList(body, aliases));
    }
    const having = get('HAVING')[0];
    if (having) out.push('HAVING ' + this.expr(having.body, aliases));
    const win = get('WINDOW')[0];
    if (win) out.push('WINDOW ' + this.expr(win.body, aliases));
    const order = get('ORDER')[0];
    const orderSql = order ? this.orderList(order.body, aliases) : null;
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

  private orderList(body: readonly Node[], aliases: ReadonlyMap<string, string>): string {
    return splitCommas(body)
      .map((item) => {
        const fill = item.findIndex((n, i) => isWord(n, 'WITH') && isWord(item[i + 1], 'FILL'));
        if (fill >= 0) throw unsupported('ORDER BY ... WITH FILL', item[fill]);
        const coll = item.findIndex((n) => isWord(n, 'COLLATE'));
        if (coll >= 0) throw unsupported('ORDER BY ... COLLATE', item[coll]);
        return this.expr(item, aliases);
      })
      .join(', ');
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
            return `${this.expr(item.slice(0, ex), aliases)} EXCLUDE (${names.join(', ')})`;
          }
          for (const mod of ['APPLY', 'REPLACE']) {
            const m = item.findIndex((n, i) => isWord(n, mod) && isOp(item[i - 1], '*'));
            if (m >= 0) throw unsupported(`* ${mod}`, item[m]);
          }
          const sql = this.expr(item, aliases);
          // A bare reference to a `WITH expr AS name` keeps its name as the column name.
          const only = item[0];
          if (item.length === 1 && only && (only.kind === 'word' || only.kind === 'quoted') && aliases.has(only.text))
            return `${sql} AS ${duckdbIdentifier(only.text)}`;
          return sql;
        })
        .join(', ')
    );
  }

  private fromClause(body: readonly Node[], aliases: ReadonlyMap<string, string>): string {
    const out: string[] = [];
    let i = 0;
    let pending: Token[] = [];
    const JOIN_WORDS = ['GLOBAL', 'LOCAL', 'LEFT', 'RIGHT', 'FULL', 'INNER', 'OUTER', 'CROSS', 'ANY', 'ALL', 'SEMI', 'ANTI', 'ASOF', 'ARRAY', 'PASTE'];
    const flushSource = (start: number): number => {
      // One table source: name, (subquery), table function; optional FINAL and alias.
      let j = start;
      const n = body[j];
      if (n === undefined) throw unsupported('FROM without a table', body[start - 1]);
      let src: string;
      if (isGroup(n, '(')) {
        src = isWord(n.items[0], 'SELECT', 'WITH') || isGroup(n.items[0], '(') ? `(${this.query(n.items, aliases)})` : `(${this.fromClause(n.items, aliases)})`;
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
      // FINAL: tables here are MergeTree-like append-only views with no pending replacements, so FINAL
      // changes nothing (ReplacingMergeTree dedup is the engine's job, documented in the README).
      if (isWord(body[j], 'FINAL')) j++;
      if (isWord(body[j], 'SAMPLE')) throw unsupported('SAMPLE', body[j]);
      if (isWord(body[j], 'AS')) j++;
      const a = body[j];
      if ((a?.kind === 'word' && !isWord(a, 'ON', 'USING', 'FINAL', 'SAMPLE', ...JOIN_WORDS, 'JOIN')) || a?.kind === 'quoted') {
        src += ' AS ' + duckdbIdentifier((a as Token).text);
        j++;
      }
      if (isWord(body[j], 'FINAL')) j++;
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
          i = this.arrayJoin(body, i + 1, words, at, aliases, out);
          continue;
        }
        if (words.includes('ANY')) throw unsupported('ANY JOIN', at);
        if (words.includes('PASTE')) throw unsupported('PASTE JOIN', at);
        let kind = words.join(' ');
        if (words.includes('SEMI') || words.includes('ANTI')) {
          if (words.includes('RIGHT')) throw unsupported(`RIGHT ${words.includes('SEMI') ? 'SEMI' : 'ANTI'} JOIN`, at);
          kind = words.includes('SEMI') ? 'SEMI' : 'ANTI';
        }
        out.push((kind ? kind + ' ' : '') + 'JOIN');
        i = flushSource(i + 1);
        continue;
      }
      if (isWord(n, 'ON')) {
        let end = i + 1;
        while (end < body.length && !isWord(body[end], 'JOIN', ...JOIN_WORDS) && !isOp(body[end], ',')) end++;
        out.push('ON ' + this.expr(body.slice(i + 1, end), aliases));
        i = end;
        continue;
      }
      if (isWord(n, 'USING')) {
        const g = body[i + 1];
        if (isGroup(g, '(')) {
          out.push(`USING (${this.exprList(g.items, aliases)})`);
          i += 2;
        } else {
          let end = i + 1;
          while (end < body.length && !isWord(body[end], 'JOIN', ...JOIN_WORDS)) end++;
          out.push(`USING (${this.exprList(body.slice(i + 1, end), aliases)})`);
          i = end;
        }
        continue;
      }
      throw unsupported(`${sourceText([n])} in FROM`, n);
    }
    return out.join(' ').replaceAll(' ,', ',');
  }

  private arrayJoin(body: readonly Node[], start: number, words: string[], at: Token, aliases: ReadonlyMap<string, string>, out: string[]): number {
    if (words.includes('LEFT')) throw unsupported('LEFT ARRAY JOIN', at);
    let end = start;
    while (end < body.length && !isWord(body[end], 'JOIN', 'LEFT', 'INNER', 'ARRAY', 'CROSS', 'RIGHT', 'FULL', 'GLOBAL')) end++;
    const items = splitCommas(body.slice(start, end)).map((item) => {
      const n = item.length;
      if (n < 3 || !isWord(item[n - 2], 'AS') || !(item[n - 1]!.kind === 'word' || item[n - 1]!.kind === 'quoted'))
        throw unsupported('ARRAY JOIN without an alias', item[0] ?? at);
      return `unnest(${this.expr(item.slice(0, n - 2), aliases)}) AS ${duckdbIdentifier((item[n - 1] as Token).text)}`;
    });
    // Several arrays in one ARRAY JOIN are walked in parallel, as unnest() in one SELECT does.
    out.push(`CROSS JOIN LATERAL (SELECT ${items.join(', ')}) AS "__array_join_${++this.cteCounter}"`);
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

  expr(nodes: readonly Node[], aliases: ReadonlyMap<string, string>): string {
    const out: string[] = [];
    const operandDone = () => {
      const last = out[out.length - 1];
      return last !== undefined && !/^(?:[-+*/%=<>!|,]+|AND|OR|NOT|IN|IS|LIKE|ILIKE|THEN|WHEN|ELSE|CASE|BETWEEN|SELECT|BY|ON|AS)$/i.test(last) && !last.endsWith('(');
    };
    for (let i = 0; i < nodes.length; i++) {
      const n = nodes[i]!;
      if (n.kind === 'group') {
        if (n.open.text === '{') throw unsupported('query parameter {name:Type}', n);
        if (n.open.text === '[') {
          if (operandDone()) out[out.length - 1] += `[${this.expr(n.items, aliases)}]`;
          else out.push(`[${this.exprList(n.items, aliases)}]`);
          continue;
        }
        const inner = isWord(n.items[0], 'SELECT', 'WITH') ? this.query(n.items, aliases) : this.exprList(n.items, aliases);
        out.push(`(${inner})`);
        continue;
      }
      if (n.kind === 'string') {
        out.push(duckdbString(n.text));
        continue;
      }
      if (n.kind === 'number') {
        out.push(n.text);
        continue;
      }
      if (n.kind === 'quoted') {
        out.push(aliases.has(n.text) && !isOp(nodes[i - 1], '.') && !isOp(nodes[i + 1], '.') ? aliases.get(n.text)! : duckdbIdentifier(n.text));
        continue;
      }
      if (n.kind === 'op') {
        if (n.text === '==') out.push('=');
        else if (n.text === '?') throw unsupported('ternary operator ?:', n);
        else if (n.text === '.' && nodes[i + 1]?.kind === 'number') throw unsupported('tuple element access .N', n);
        else if (n.text === '::') {
          const t = nodes[i + 1];
          const args = isGroup(nodes[i + 2], '(') ? nodes[i + 2] : undefined;
          if (!isWord(t)) throw unsupported('::', n);
          out[out.length - 1] = `CAST(${out[out.length - 1]} AS ${this.chType(args ? [t, args] : [t], t)})`;
          i += args ? 2 : 1;
        } else if (n.text === '.') {
          const next = nodes[i + 1] as Node | undefined;
          if (next?.kind === 'op' && next.text === '*') out[out.length - 1] += '.*';
          else if (next?.kind === 'word' || next?.kind === 'quoted') out[out.length - 1] += '.' + duckdbIdentifier(next.text);
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
      if (upper === 'LIKE' || upper === 'ILIKE') {
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
      if (isGroup(next, '(') && !NOT_CALLS.has(upper) && !(upper === 'ANY' && operandDone() === false && isWord(next.items[0], 'SELECT'))) {
        const params = isGroup(nodes[i + 2], '(') ? (nodes[i + 2] as Group) : null;
        const windowed = isWord(nodes[i + (params ? 3 : 2)], 'OVER');
        out.push(params ? this.call(n, params, aliases, next, windowed) : this.call(n, next, aliases, null, windowed));
        i += params ? 2 : 1;
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

  chType(nodes: readonly Node[], at: Node): string {
    const text = nodes.length === 1 && nodes[0]!.kind === 'string' ? (nodes[0] as Token).text : sourceText(nodes);
    try {
      return duckdbType(text);
    } catch {
      throw unsupported(`type ${text}`, at);
    }
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

/** Joins output pieces with single spaces, none inside brackets or before commas. */
function joinSql(parts: readonly string[]): string {
  let s = '';
  for (const p of parts) {
    if (s === '' || p === ',' || s.endsWith('(') || s.endsWith('[')) s += p;
    else s += ' ' + p;
  }
  return s.replaceAll(' ,', ',');
}
