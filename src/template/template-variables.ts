import { PYTHON_BUILTIN_NAMES } from './builtins.ts';
import type { Chunk } from './parse-template.ts';
import type { Expr, SetStatement } from './py-ast.ts';

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

/** Names in CPython bytecode order (close to evaluation order). */
export function exprNames(e: Expr | null, out: string[]): void {
  if (!e) return;
  switch (e.kind) {
    case 'Name':
      out.push(e.id);
      return;
    case 'Attribute':
      exprNames(e.value, out);
      out.push(e.attr);
      return;
    case 'Dict':
      e.keys.forEach((k, i) => {
        exprNames(k, out);
        exprNames(e.values[i]!, out);
      });
      return;
    case 'Call':
      exprNames(e.func, out);
      e.args.forEach((a) => exprNames(a, out));
      e.keywords.forEach((k) => exprNames(k.value, out));
      return;
    case 'Constant':
      return;
    case 'BinOp':
      exprNames(e.left, out);
      exprNames(e.right, out);
      return;
    case 'UnaryOp':
      return exprNames(e.operand, out);
    case 'BoolOp':
      return e.values.forEach((v) => exprNames(v, out));
    case 'Compare':
      exprNames(e.left, out);
      return e.comparators.forEach((v) => exprNames(v, out));
    case 'IfExp':
      exprNames(e.test, out);
      exprNames(e.body, out);
      return exprNames(e.orelse, out);
    case 'Subscript':
      exprNames(e.value, out);
      return exprNames(e.slice, out);
    case 'Slice':
      exprNames(e.lower, out);
      exprNames(e.upper, out);
      return exprNames(e.step, out);
    case 'List':
    case 'Tuple':
    case 'Set':
      return e.elts.forEach((v) => exprNames(v, out));
    case 'JoinedStr':
      return e.values.forEach((v) => exprNames(v, out));
    case 'FormattedValue':
      exprNames(e.value, out);
      return exprNames(e.formatSpec, out);
    case 'Starred':
      return exprNames(e.value, out);
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
