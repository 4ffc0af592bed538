// The name ClickHouse gives an unaliased select expression (measured with chdb 26.7): operators become function
// calls (`n + 1` is `plus(n, 1)`, `a AND b AND c` is `and(a, b, c)`), calls and literals print as written with
// `, ` between arguments. Returns null where the shape is not one this formatter knows, so the caller keeps
// DuckDB's name rather than inventing one.
import type { Token } from './tokenize.ts';
import { isGroup, isOp, isWord, sourceText, splitCommas, type Node } from './token-tree.ts';

const BINARY: readonly { ops: readonly string[]; words?: boolean; names: Record<string, string> }[] = [
  { ops: ['OR'], words: true, names: { OR: 'or' } },
  { ops: ['AND'], words: true, names: { AND: 'and' } },
  {
    ops: ['=', '==', '!=', '<>', '<', '>', '<=', '>=', 'LIKE', 'ILIKE', 'IN'],
    names: { '=': 'equals', '==': 'equals', '!=': 'notEquals', '<>': 'notEquals', '<': 'less', '>': 'greater', '<=': 'lessOrEquals', '>=': 'greaterOrEquals', LIKE: 'like', ILIKE: 'ilike', IN: 'in' },
  },
  { ops: ['||'], names: { '||': 'concat' } },
  { ops: ['+', '-'], names: { '+': 'plus', '-': 'minus' } },
  { ops: ['*', '/', '%'], names: { '*': 'multiply', '/': 'divide', '%': 'modulo' } },
];

class Unknown extends Error {}

const KEYWORDS = ['AND', 'OR', 'NOT', 'IN', 'IS', 'LIKE', 'ILIKE', 'BETWEEN', 'THEN', 'ELSE', 'WHEN', 'CASE', 'END', 'DISTINCT', 'INTERVAL', 'AS', 'NULL', 'TRUE', 'FALSE'];
const UNITS = ['SECOND', 'MINUTE', 'HOUR', 'DAY', 'WEEK', 'MONTH', 'QUARTER', 'YEAR', 'SECONDS', 'MINUTES', 'HOURS', 'DAYS', 'WEEKS', 'MONTHS', 'QUARTERS', 'YEARS', 'MILLISECOND', 'MICROSECOND'];

/** Whether a select item names itself: `expr AS name` or ClickHouse's bare `expr name`. */
export function hasAlias(item: readonly Node[]): boolean {
  const n = item.length;
  const last = item[n - 1];
  const prev = item[n - 2];
  if (n < 2 || last === undefined || prev === undefined) return false;
  const word = (t: Node, list: readonly string[]) => t.kind === 'word' && list.includes(t.text.toUpperCase());
  if (word(prev, ['AS'])) return true;
  if (!(last.kind === 'quoted' || (last.kind === 'word' && !word(last, [...KEYWORDS, ...UNITS])))) return false;
  return prev.kind === 'group' || prev.kind === 'string' || prev.kind === 'number' || prev.kind === 'quoted' || (prev.kind === 'word' && !word(prev, KEYWORDS));
}

const opOf = (n: Node | undefined): string | null => {
  if (n === undefined || n.kind === 'group') return null;
  if (n.kind === 'op') return n.text;
  if (n.kind === 'word') return n.text.toUpperCase();
  return null;
};

function literal(t: Token): string {
  if (t.kind === 'string') return `'${t.text.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
  if (t.kind === 'number') return /^0x|^0b/i.test(t.text) ? t.text : String(Number(t.text));
  throw new Unknown();
}

function parse(nodes: readonly Node[], level: number): string {
  if (nodes.length === 0) throw new Unknown();
  if (level < BINARY.length) {
    const { ops, names } = BINARY[level]!;
    // Split at the last top-level operator of this level (left-associative); NOT LIKE/NOT IN are one operator.
    for (let i = nodes.length - 1; i > 0; i--) {
      const op = opOf(nodes[i]);
      if (op === null || !ops.includes(op)) continue;
      // A sign after another operator is unary.
      if ((op === '-' || op === '+') && (isOp(nodes[i - 1]) || isWord(nodes[i - 1], ...KEYWORDS))) continue;
      const negated = isWord(nodes[i - 1], 'NOT') && (op === 'LIKE' || op === 'ILIKE' || op === 'IN');
      const left = nodes.slice(0, negated ? i - 1 : i);
      const right = nodes.slice(i + 1);
      let name = names[op]!;
      if (negated) name = { like: 'notLike', ilike: 'notILike', in: 'notIn' }[name]!;
      const l = parse(left, level);
      const r = op === 'IN' ? inList(right) : parse(right, level + 1);
      if ((name === 'and' || name === 'or') && l.startsWith(`${name}(`) && balanced(l)) return `${l.slice(0, -1)}, ${r})`;
      return `${name}(${l}, ${r})`;
    }
    if (level === 2 && isWord(nodes[0], 'NOT')) return `not(${parse(nodes.slice(1), 2)})`;
    return parse(nodes, level + 1);
  }
  return unary(nodes);
}

function balanced(s: string): boolean {
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '(') depth++;
    if (s[i] === ')' && --depth === 0 && i < s.length - 1) return false;
  }
  return true;
}

function inList(nodes: readonly Node[]): string {
  if (nodes.length === 1 && isGroup(nodes[0], '(') && !isWord(nodes[0].items[0], 'SELECT', 'WITH')) {
    const items = splitCommas(nodes[0].items).map((x) => parse(x, 0));
    return items.length === 1 ? items[0]! : `(${items.join(', ')})`;
  }
  return parse(nodes, BINARY.length);
}

function unary(nodes: readonly Node[]): string {
  if (isOp(nodes[0], '-')) {
    if (nodes.length === 2 && nodes[1]!.kind === 'number') return `-${literal(nodes[1] as Token)}`;
    return `negate(${unary(nodes.slice(1))})`;
  }
  return postfix(nodes);
}

function postfix(nodes: readonly Node[]): string {
  const last = nodes[nodes.length - 1]!;
  const cast = nodes.findIndex((n) => isOp(n, '::'));
  if (cast > 0 && isWord(nodes[cast + 1]) && (cast === nodes.length - 2 || (cast === nodes.length - 3 && isGroup(last, '('))))
    return `CAST(${postfix(nodes.slice(0, cast))}, '${sourceText(nodes.slice(cast + 1))}')`;
  if (nodes.length > 1 && isGroup(last, '[')) return `arrayElement(${postfix(nodes.slice(0, -1))}, ${parse(last.items, 0)})`;
  if (nodes.length > 2 && isOp(nodes[nodes.length - 2], '.') && last.kind === 'number') return `tupleElement(${postfix(nodes.slice(0, -2))}, ${last.text})`;
  return primary(nodes);
}

/** `PARTITION BY a ORDER BY b` as ClickHouse prints it (explicit ASC); frames are not named here. */
function windowSpec(items: readonly Node[]): string {
  const order = items.findIndex((n, i) => isWord(n, 'ORDER') && isWord(items[i + 1], 'BY'));
  const partition = isWord(items[0], 'PARTITION') && isWord(items[1], 'BY') ? items.slice(2, order < 0 ? items.length : order) : [];
  if (partition.length === 0 && order !== 0 && items.length > 0) throw new Unknown();
  const parts: string[] = [];
  if (partition.length) parts.push(`PARTITION BY ${splitCommas(partition).map((x) => parse(x, 0)).join(', ')}`);
  if (order >= 0) {
    const keys = splitCommas(items.slice(order + 2)).map((x) => {
      const dir = isWord(x[x.length - 1], 'ASC', 'DESC') ? (x[x.length - 1] as Token).text.toUpperCase() : null;
      return `${parse(dir ? x.slice(0, -1) : x, 0)} ${dir ?? 'ASC'}`;
    });
    parts.push(`ORDER BY ${keys.join(', ')}`);
  }
  return parts.join(' ');
}

function primary(nodes: readonly Node[]): string {
  const [first, second, third] = nodes;
  const unit = nodes[nodes.length - 1];
  if (isWord(first, 'INTERVAL') && nodes.length >= 3 && isWord(unit, ...UNITS)) {
    const u = unit.text.toLowerCase().replace(/s$/, '');
    return `toInterval${u[0]!.toUpperCase()}${u.slice(1)}(${parse(nodes.slice(1, -1), 0)})`;
  }
  if (nodes.length === 4 && isWord(nodes[2], 'OVER') && isGroup(nodes[3], '(')) return `${primary(nodes.slice(0, 2))} OVER (${windowSpec(nodes[3].items)})`;
  if (nodes.length === 1 && first!.kind !== 'group') {
    if (first!.kind === 'word' || first!.kind === 'quoted') return first!.text;
    return literal(first as Token);
  }
  if (nodes.length === 1 && isGroup(first, '[')) return `[${splitCommas(first.items).map((x) => parse(x, 0)).join(', ')}]`;
  if (nodes.length === 1 && isGroup(first, '(') && !isWord(first.items[0], 'SELECT', 'WITH')) {
    const items = splitCommas(first.items).map((x) => parse(x, 0));
    return items.length === 1 ? items[0]! : `(${items.join(', ')})`;
  }
  if (nodes.length === 3 && first!.kind === 'word' && isOp(second, '.') && (third!.kind === 'word' || third!.kind === 'quoted')) return `${first!.text}.${third!.text}`;
  if ((nodes.length === 2 || nodes.length === 3) && (first!.kind === 'word' || first!.kind === 'quoted') && isGroup(second, '(')) {
    const name = first!.text;
    const args = (g: Node) => splitCommas((g as { items: readonly Node[] }).items);
    // `CAST(x AS T)` and `x::T` are both named `CAST(x, 'T')`.
    if (/^CAST$/i.test(name) && nodes.length === 2) {
      const a = args(second!);
      const as = a.length === 1 ? a[0]!.findIndex((n) => isWord(n, 'AS')) : -1;
      if (as > 0) return `CAST(${parse(a[0]!.slice(0, as), 0)}, '${sourceText(a[0]!.slice(as + 1))}')`;
    }
    if (/^(CASE|INTERVAL|EXISTS)$/i.test(name)) throw new Unknown();
    if (nodes.length === 3) {
      if (!isGroup(third, '(')) throw new Unknown();
      return `${name}(${args(second!).map((x) => parse(x, 0)).join(', ')})(${args(third!).map((x) => parse(x, 0)).join(', ')})`;
    }
    const a = args(second!);
    if (/^count$/i.test(name) && a.length === 1 && a[0]!.length === 1 && isOp(a[0]![0], '*')) return `${name}()`;
    if (a.length >= 1 && isWord(a[0]![0], 'DISTINCT')) {
      if (!/^count$/i.test(name)) throw new Unknown();
      return `countDistinct(${[a[0]!.slice(1), ...a.slice(1)].map((x) => parse(x, 0)).join(', ')})`;
    }
    if (a.some((x) => x.some((n) => isOp(n, '->')))) throw new Unknown();
    return `${name}(${a.map((x) => parse(x, 0)).join(', ')})`;
  }
  throw new Unknown();
}

/** ClickHouse's column name for an unaliased select expression, or null when it cannot be derived. */
export function clickhouseColumnName(nodes: readonly Node[]): string | null {
  try {
    return parse(nodes, 0);
  } catch (e) {
    if (e instanceof Unknown) return null;
    throw e;
  }
}
