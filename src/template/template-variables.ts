import { PYTHON_BUILTIN_NAMES } from './builtins.ts';
import type { Chunk } from './parse-template.ts';
import type { Expr, SetStatement } from './py-ast.ts';
import { targetNames } from './evaluate.ts';

// ST `get_var_names`: every name a chunk's compiled code refers to (CPython `co_names`), minus Tinybird's namespace
// and Python's builtins. These become the template's variables: bound to None (or placeholders in test mode).

/** ST `_namespace` keys. */
export const NAMESPACE_NAMES = new Set([
  'column', 'symbol', 'error', 'custom_error', '_tt_utf8', '_tt_string_types', 'xhtml_escape', 'expression_wrapper',
  '__buildins__', '__import__', '__debug__', '__doc__', '__name__', '__package__', 'open', 'close', 'print', 'input',
]);

/** ST `reserved_vars`: builtins plus Tornado internals, except `format`, `q` and `id` which Tinybird handles itself. */
export const RESERVED_VARS = new Set([...PYTHON_BUILTIN_NAMES, '_tt_tmp', '_tt_append', 'isinstance', 'str', 'error', 'custom_error']);
RESERVED_VARS.delete('format');
RESERVED_VARS.delete('id');

/**
 * Names in CPython bytecode order (close to evaluation order). Python 3.12 inlines list/set/dict comprehensions, so
 * their bodies count but their targets (fast locals, listed in `bound`) do not; generator expressions and lambdas
 * are separate code objects, so only the first iterable and the defaults are the template's names.
 */
export function exprNames(e: Expr | null, out: string[], bound: ReadonlySet<string> = new Set()): void {
  if (!e) return;
  const sub = (x: Expr | null) => exprNames(x, out, bound);
  switch (e.kind) {
    case 'Name':
      if (!bound.has(e.id)) out.push(e.id);
      return;
    case 'ListComp':
    case 'SetComp':
    case 'DictComp': {
      const inner = new Set(bound);
      e.generators.forEach((g, i) => {
        exprNames(g.iter, out, i === 0 ? bound : inner);
        const targets = new Set<string>();
        targetNames(g.target, targets);
        targets.forEach((t) => inner.add(t));
        exprNames(g.target, out, inner);
        g.ifs.forEach((c) => exprNames(c, out, inner));
      });
      if (e.kind === 'DictComp') {
        exprNames(e.key, out, inner);
        exprNames(e.value, out, inner);
      } else exprNames(e.elt, out, inner);
      return;
    }
    case 'GeneratorExp':
      return sub(e.generators[0]!.iter);
    case 'Lambda':
      return e.args.defaults.forEach(sub);
    case 'Attribute':
      sub(e.value);
      out.push(e.attr);
      return;
    case 'Dict':
      e.keys.forEach((k, i) => {
        sub(k);
        sub(e.values[i]!);
      });
      return;
    case 'Call':
      sub(e.func);
      e.args.forEach(sub);
      e.keywords.forEach((k) => sub(k.value));
      return;
    case 'Constant':
      return;
    case 'BinOp':
      sub(e.left);
      sub(e.right);
      return;
    case 'UnaryOp':
      return sub(e.operand);
    case 'BoolOp':
      return e.values.forEach((v) => sub(v));
    case 'Compare':
      sub(e.left);
      return e.comparators.forEach((v) => sub(v));
    case 'IfExp':
      sub(e.test);
      sub(e.body);
      return sub(e.orelse);
    case 'Subscript':
      sub(e.value);
      return sub(e.slice);
    case 'Slice':
      sub(e.lower);
      sub(e.upper);
      return sub(e.step);
    case 'List':
    case 'Tuple':
    case 'Set':
      return e.elts.forEach((v) => sub(v));
    case 'JoinedStr':
      return e.values.forEach((v) => sub(v));
    case 'FormattedValue':
      sub(e.value);
      return sub(e.formatSpec);
    case 'Starred':
      return sub(e.value);
  }
}

export function setStatementNames(s: SetStatement, out: string[]): void {
  if (s.kind === 'Assign') {
    exprNames(s.value, out);
    s.targets.forEach((t) => exprNames(t, out));
  } else if (s.kind === 'AugAssign') {
    exprNames(s.target, out);
    exprNames(s.value, out);
  } else exprNames(s.value, out);
}

export interface TemplateVariable {
  name: string;
  line: number;
}

function push(names: string[], line: number, out: TemplateVariable[]): void {
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) continue;
    seen.add(n);
    if (!NAMESPACE_NAMES.has(n) && !RESERVED_VARS.has(n)) out.push({ name: n, line });
  }
}

export function templateVariables(chunks: readonly Chunk[], out: TemplateVariable[] = []): TemplateVariable[] {
  for (const c of chunks) {
    const names: string[] = [];
    switch (c.kind) {
      case 'expr':
        exprNames(c.ast, names);
        push(names, c.line, out);
        break;
      case 'set':
        if (!c.statement.includes('{{')) {
          setStatementNames(c.stmt, names);
          push(names, c.line, out);
        }
        break;
      case 'if':
      case 'while':
      case 'for':
      case 'try':
        if (c.kind === 'for') {
          exprNames(c.iter, names);
          exprNames(c.target, names);
        } else if (c.kind !== 'try') exprNames(c.test, names);
        push(names, c.line, out);
        for (const clause of c.clauses) {
          const cn: string[] = [];
          if (clause.kind === 'elif') exprNames(clause.test, cn);
          if (clause.kind === 'except') {
            exprNames(clause.type, cn);
            if (clause.name) cn.push(clause.name);
          }
          push(cn, clause.line, out);
          templateVariables(clause.body, out);
        }
        break;
      default:
        break;
    }
  }
  return out;
}
