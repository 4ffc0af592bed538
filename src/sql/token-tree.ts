// Tokens nested by brackets: the translator rewrites clauses and calls over this tree, never over raw text.
import { SqlError } from '../errors.ts';
import { tokenize, type Token } from './tokenize.ts';

export interface Group {
  readonly kind: 'group';
  readonly open: Token;
  readonly items: readonly Node[];
}
export type Node = Token | Group;

const CLOSER: Record<string, string> = { '(': ')', '[': ']', '{': '}' };

export function parseTree(sql: string): Node[] {
  const tokens = tokenize(sql);
  let pos = 0;
  const seq = (closer: string | null, open: Token | null): Node[] => {
    const out: Node[] = [];
    while (pos < tokens.length) {
      const t = tokens[pos]!;
      if (t.kind === 'op' && (t.text === ')' || t.text === ']' || t.text === '}')) {
        if (t.text !== closer) throw new SqlError(`Syntax error: unexpected ${t.text} at ${t.line}:${t.col}`);
        pos++;
        return out;
      }
      pos++;
      if (t.kind === 'op' && CLOSER[t.text]) out.push({ kind: 'group', open: t, items: seq(CLOSER[t.text]!, t) });
      else out.push(t);
    }
    if (closer !== null) throw new SqlError(`Syntax error: unclosed ${open!.text} at ${open!.line}:${open!.col}`);
    return out;
  };
  return seq(null, null);
}

export const isGroup = (n: Node | undefined, open?: string): n is Group =>
  n !== undefined && n.kind === 'group' && (open === undefined || n.open.text === open);

export const isWord = (n: Node | undefined, ...words: string[]): n is Token =>
  n !== undefined &&
  n.kind === 'word' &&
  (words.length === 0 || words.includes(n.text.toUpperCase()));

export const isOp = (n: Node | undefined, ...ops: string[]): n is Token =>
  n !== undefined && n.kind === 'op' && (ops.length === 0 || ops.includes(n.text));

/** Splits at depth-0 commas. */
export function splitCommas(nodes: readonly Node[]): Node[][] {
  const out: Node[][] = [[]];
  for (const n of nodes) {
    if (isOp(n, ',')) out.push([]);
    else out[out.length - 1]!.push(n);
  }
  return nodes.length === 0 ? [] : out;
}

export function firstToken(n: Node): Token {
  return n.kind === 'group' ? n.open : n;
}

/** Source text of a node, for ClickHouse type names and messages. */
export function sourceText(nodes: readonly Node[]): string {
  let s = '';
  for (const n of nodes) {
    if (n.kind === 'group') s += n.open.text + sourceText(n.items) + CLOSER[n.open.text]!;
    else if (n.kind === 'string') s += `'${n.text.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
    else if (n.kind === 'quoted') s += n.text;
    else s += (s && /[\w)'\]]$/.test(s) && /^[\w']/.test(n.text) ? ' ' : '') + (n.text === ',' ? ', ' : n.text);
  }
  return s;
}

const COMPARISONS = new Set(['=', '==', '!=', '<>', '<', '>', '<=', '>=']);
const LOGIC = ['AND', 'OR', 'NOT', 'IN', 'LIKE', 'ILIKE', 'BETWEEN', 'IS', 'EXISTS'];

/** Whether an expression's top level (outside brackets and CASE ... END) is a comparison or logic. */
export function isBooleanExpr(nodes: readonly Node[]): boolean {
  if (nodes.some((n) => isOp(n, '?'))) return false;
  let caseDepth = 0;
  for (const n of nodes) {
    if (n.kind === 'op' && COMPARISONS.has(n.text) && caseDepth === 0) return true;
    if (isWord(n, 'CASE')) caseDepth++;
    else if (isWord(n, 'END')) caseDepth--;
    else if (caseDepth === 0 && isWord(n, ...LOGIC)) return true;
  }
  return false;
}
