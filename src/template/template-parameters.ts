import { parseTemplate, type Chunk } from './parse-template.ts';
import { childNodes, type Expr } from './py-ast.ts';
import { parseExcept, parseExpression, parseFor, parseSetStatement } from './py-parser.ts';
import { VALID_CUSTOM_FUNCTION_NAMES } from './sandbox.ts';
import { NAMESPACE_NAMES, RESERVED_VARS } from './template-variables.ts';

// ST `get_var_names_and_types` / `get_var_data`: parameter metadata read statically from the template (spec §8.7).

export const PARAMETER_TYPES = [
  'String', 'Boolean', 'DateTime64', 'DateTime', 'Date', 'Float32', 'Float64', 'Int8', 'Int16', 'Int32', 'Int64', 'Int128',
  'Int256', 'UInt8', 'UInt16', 'UInt32', 'UInt64', 'UInt128', 'UInt256', 'Array', 'JSON',
];

const FUNCTION_LIST = new Set([
  'columns', 'table', 'TABLE', 'error', 'custom_error', 'sql_and', 'defined', 'column', 'enumerate_with_last',
  'split_to_array', 'day_diff', 'date_diff_in_days', 'date_diff_in_hours', 'date_diff_in_minutes', 'date_diff_in_seconds',
  'sql_unescape', 'JSON',
]);

export type MetaValue = string | number | boolean | null | MetaValue[];

/** One parameter as Tinybird describes it: `type` is e.g. `Int32` or `Array(Int32)`. */
export interface ParamMeta {
  name: string;
  type: string;
  default: MetaValue;
  required?: MetaValue;
  description?: MetaValue;
  enum?: MetaValue;
  example?: MetaValue;
  format?: MetaValue;
  defined?: MetaValue;
  /** `function_call` when only seen as `defined(x)` and the like: no type, never reported as missing. */
  usedIn?: 'function_call';
}

/** CPython's helper nodes that are not expressions but sit between them in `ast.iter_child_nodes`. */
type Node =
  | Expr
  | { kind: 'keyword'; arg: string | null; value: Expr }
  | { kind: 'comprehension'; children: Expr[] }
  | { kind: 'arguments'; children: Expr[] };

function metaValue(v: unknown): MetaValue {
  if (typeof v === 'bigint') {
    // ST `check_default_value` stringifies ints JavaScript cannot hold exactly.
    return v > 9007199254740991n ? v.toString() : Number(v);
  }
  if (Array.isArray(v)) return v.map(metaValue);
  if (v === undefined || (typeof v === 'object' && v !== null)) return null;
  return v as MetaValue;
}

function nodeToValue(x: Expr): unknown {
  switch (x.kind) {
    case 'Constant':
      return typeof x.value === 'object' && x.value !== null ? null : x.value;
    case 'Name':
      return x.id;
    case 'List': {
      const first = x.elts[0];
      if (!first) return [];
      if (first.kind === 'Constant') {
        return x.elts.map((e) => {
          if (e.kind !== 'Constant') throw new Error('not a constant');
          return e.value;
        });
      }
      if (first.kind === 'Name') {
        return x.elts.map((e) => {
          if (e.kind !== 'Name') throw new Error('not a name');
          return e.id;
        });
      }
      return [];
    }
    case 'BinOp': {
      const r = nodeToValue(x.left);
      return r ? r : nodeToValue(x.right);
    }
    case 'UnaryOp':
      if (x.operand.kind === 'Constant') {
        const v = x.operand.value;
        if (x.op !== 'USub') return v;
        if (typeof v === 'bigint') return -v;
        if (typeof v === 'number') return -v;
        if (typeof v === 'boolean') return v ? -1n : 0n;
        if (typeof v === 'string') return '';
        return v;
      }
      return null;
    default:
      return null;
  }
}

function truthyMeta(v: unknown): boolean {
  if (Array.isArray(v)) return v.length > 0;
  return Boolean(v) && v !== 0n;
}

type Entry = Omit<ParamMeta, 'name'> & Record<string, unknown>;

/** ST `get_var_data`: a breadth-first walk; a later definition of the same name replaces the earlier one. */
function varData(roots: Expr[]): Map<string, Entry> {
  const vars = new Map<string, Entry>();
  const queue: { node: Node; parent: Node | null }[] = roots.map((node) => ({ node, parent: null }));
  while (queue.length) {
    const { node, parent } = queue.shift()!;
    if (node.kind === 'keyword') {
      queue.push({ node: node.value, parent: node });
      continue;
    }
    if (node.kind === 'comprehension' || node.kind === 'arguments') {
      for (const child of node.children) queue.push({ node: child, parent: node });
      continue;
    }
    if (node.kind === 'Call' && node.func.kind === 'Name') {
      try {
        const func = node.func.id;
        const args = node.args.filter((a) => a.kind !== 'Call').map(nodeToValue);
        const kwargs: Record<string, unknown> = {};
        for (const k of node.keywords) if (k.arg !== null) kwargs[k.arg] = nodeToValue(k.value);
        const key = (v: unknown) => String(v);
        if (VALID_CUSTOM_FUNCTION_NAMES.has(func)) {
          if (args.length && !vars.has(key(args[0])) && truthyMeta(args[0])) {
            vars.set(key(args[0]), { type: 'String', default: null, usedIn: 'function_call' });
          }
        } else if (func === 'Array') {
          if (!('default' in kwargs)) kwargs.default = args.length > 2 && truthyMeta(args[2]) ? args[2] : null;
          if (args.length) {
            vars.set(key(args[0]), { type: args.length > 1 ? `Array(${String(args[1])})` : 'Array(String)', ...metaKwargs(kwargs) } as Entry);
          }
        } else if (PARAMETER_TYPES.includes(func)) {
          if (args.length && args[0] !== null) {
            if (!('default' in kwargs)) kwargs.default = args.length > 1 ? args[1] : null;
            vars.set(key(args[0]), { type: func, ...metaKwargs(kwargs) } as Entry);
          }
        }
      } catch {
        // Tinybird logs and keeps scanning when one call cannot be read.
      }
    } else if (node.kind === 'Name') {
      const reserved = RESERVED_VARS.has(node.id) || FUNCTION_LIST.has(node.id) || NAMESPACE_NAMES.has(node.id);
      if (parent?.kind !== 'Call' && !reserved) vars.set(node.id, { type: 'String', default: null });
    }
    for (const child of children(node)) queue.push({ node: child, parent: node });
  }
  return vars;
}

function metaKwargs(kwargs: Record<string, unknown>): Record<string, MetaValue> {
  return Object.fromEntries(Object.entries(kwargs).map(([k, v]) => [k, metaValue(v)]));
}

function children(e: Expr): Node[] {
  // Keyword arguments stay visible as nodes: `Int32(x, description='...')` is read through them.
  if (e.kind === 'Call') return [e.func, ...e.args, ...e.keywords.map((k) => ({ kind: 'keyword' as const, arg: k.arg, value: k.value }))];
  const gens = (c: Extract<Expr, { generators: unknown }>) =>
    c.generators.map((g) => ({ kind: 'comprehension' as const, children: [g.target, g.iter, ...g.ifs] }));
  if (e.kind === 'ListComp' || e.kind === 'SetComp' || e.kind === 'GeneratorExp') return [e.elt, ...gens(e)];
  if (e.kind === 'DictComp') return [e.key, e.value, ...gens(e)];
  // Lambda parameters are `arg` nodes, not names: only the defaults can mention parameters.
  if (e.kind === 'Lambda') return [{ kind: 'arguments', children: e.args.defaults }, e.body];
  return childNodes(e);
}

const EMBEDDED = /\{\{(.*?)\}\}/g;

/** Roots of a `{% %}` statement's AST, in CPython field order. */
function statementRoots(operator: string, suffix: string): Expr[] {
  switch (operator) {
    case 'if':
    case 'elif':
    case 'while':
      return [parseExpression(suffix)];
    case 'for': {
      const f = parseFor(suffix);
      return [f.target, f.iter];
    }
    case 'except': {
      const x = parseExcept(suffix);
      return x.type ? [x.type] : [];
    }
    default: {
      const s = parseSetStatement(suffix);
      if (s.kind === 'Assign') return [...s.targets, s.value];
      if (s.kind === 'AugAssign') return [s.target, s.value];
      return [s.value];
    }
  }
}

export function collectParameters(chunks: readonly Chunk[]): ParamMeta[] {
  const typed = new Set<string>();
  const out: ParamMeta[] = [];
  const emit = (vars: Map<string, Entry>, skip: Set<string> | null) => {
    for (const [name, v] of vars) if (!skip?.has(name)) out.push({ name, ...v } as ParamMeta);
  };
  const statement = (operator: string, suffix: string) => {
    const exprNames = new Set<string>();
    if (suffix.includes('{{') && suffix.includes('}}')) {
      for (const m of suffix.matchAll(EMBEDDED)) {
        const src = m[1]!.trim();
        if (!src) continue;
        try {
          const vars = varData([parseExpression(src)]);
          for (const [name, v] of vars) {
            if (typed.has(name)) continue;
            exprNames.add(name);
            out.push({ name, ...v } as ParamMeta);
          }
        } catch {
          continue;
        }
      }
      suffix = suffix.replace(EMBEDDED, 'None');
    }
    try {
      emit(varData(statementRoots(operator, suffix)), new Set([...typed, ...exprNames]));
    } catch {
      // A statement Tinybird cannot parse adds no parameters.
    }
  };
  const walk = (cs: readonly Chunk[]) => {
    for (const c of cs) {
      if (c.kind === 'expr') {
        const vars = varData([c.ast]);
        for (const name of vars.keys()) typed.add(name);
        emit(vars, null);
      } else if (c.kind === 'if' || c.kind === 'for' || c.kind === 'while' || c.kind === 'try') {
        c.clauses.forEach((clause, i) => {
          if (i > 0 && (clause.kind === 'elif' || clause.kind === 'except')) {
            statement(clause.kind, clause.statement.slice(clause.kind.length).trim());
          }
          walk(clause.body);
        });
        if (c.kind !== 'try') statement(c.kind, c.statement.slice(c.kind.length).trim());
      } else if (c.kind === 'set' && !c.statement.includes('{{')) statement('set', c.statement);
    }
  };
  walk(chunks);
  return out;
}

/**
 * Parameters of a template for the pipe metadata API and OpenAPI (spec §8.7), one entry per name: the first
 * typed definition wins over untyped mentions such as `defined(x)`.
 */
export function templateParameters(sql: string): ParamMeta[] {
  const all = collectParameters(parseTemplate(sql).chunks);
  const byName = new Map<string, ParamMeta>();
  for (const p of all) {
    const seen = byName.get(p.name);
    const untyped = (m: ParamMeta) => m.type === 'String' && m.default === null && m.description === undefined;
    if (!seen || (untyped(seen) && !untyped(p))) byName.set(p.name, p);
  }
  return [...byName.values()];
}
