// A subset of Python's `ast` module: the node kinds and field order follow CPython, so the sandbox's error texts
// (`ast.dump`) and the parameter scan (`ast.iter_child_nodes` order) come out as Tinybird's.

export type BinOpName = 'Add' | 'Sub' | 'Mult' | 'Div' | 'FloorDiv' | 'Mod' | 'Pow' | 'BitOr' | 'BitAnd' | 'BitXor' | 'LShift' | 'RShift' | 'MatMult';
export type CmpOpName = 'Eq' | 'NotEq' | 'Lt' | 'LtE' | 'Gt' | 'GtE' | 'In' | 'NotIn' | 'Is' | 'IsNot';
export type UnaryOpName = 'USub' | 'UAdd' | 'Not' | 'Invert';

export type ConstantValue = null | boolean | bigint | number | string | { bytes: string } | { ellipsis: true };

export type Expr =
  | { kind: 'Name'; id: string }
  | { kind: 'Constant'; value: ConstantValue }
  | { kind: 'BinOp'; left: Expr; op: BinOpName; right: Expr }
  | { kind: 'UnaryOp'; op: UnaryOpName; operand: Expr }
  | { kind: 'BoolOp'; op: 'And' | 'Or'; values: Expr[] }
  | { kind: 'Compare'; left: Expr; ops: CmpOpName[]; comparators: Expr[] }
  | { kind: 'Call'; func: Expr; args: Expr[]; keywords: Keyword[] }
  | { kind: 'Attribute'; value: Expr; attr: string }
  | { kind: 'Subscript'; value: Expr; slice: Expr }
  | { kind: 'Slice'; lower: Expr | null; upper: Expr | null; step: Expr | null }
  | { kind: 'List'; elts: Expr[] }
  | { kind: 'Tuple'; elts: Expr[] }
  | { kind: 'Set'; elts: Expr[] }
  | { kind: 'Dict'; keys: Expr[]; values: Expr[] }
  | { kind: 'IfExp'; test: Expr; body: Expr; orelse: Expr }
  | { kind: 'JoinedStr'; values: Expr[] }
  | { kind: 'FormattedValue'; value: Expr; conversion: number; formatSpec: Expr | null }
  | { kind: 'Starred'; value: Expr }
  | { kind: 'ListComp'; elt: Expr; generators: Comprehension[] }
  | { kind: 'SetComp'; elt: Expr; generators: Comprehension[] }
  | { kind: 'GeneratorExp'; elt: Expr; generators: Comprehension[] }
  | { kind: 'DictComp'; key: Expr; value: Expr; generators: Comprehension[] }
  | { kind: 'Lambda'; args: LambdaArgs; body: Expr };

/** One `for target in iter if cond...` clause of a comprehension. */
export type Comprehension = { target: Expr; iter: Expr; ifs: Expr[] };

/** Positional parameters of a lambda; `defaults` belong to the last parameters, as in CPython's `arguments`. */
export type LambdaArgs = { names: string[]; defaults: Expr[] };

export type Keyword = { arg: string | null; value: Expr };

/** Assignment targets: a name, a subscript, or a (nested) tuple of them. */
export type Target = Expr;

export type SetStatement =
  | { kind: 'Assign'; targets: Target[]; value: Expr }
  | { kind: 'AugAssign'; target: Target; op: BinOpName; value: Expr }
  | { kind: 'ExprStmt'; value: Expr };

/** Python's `ast.dump` (3.9–3.12 style: optional fields that are None are left out). */
export function dumpAst(e: Expr, ctx: 'Load' | 'Store' = 'Load'): string {
  const list = (xs: Expr[]) => `[${xs.map((x) => dumpAst(x)).join(', ')}]`;
  const gens = (gs: Comprehension[]) =>
    `[${gs.map((g) => `comprehension(target=${dumpAst(g.target, 'Store')}, iter=${dumpAst(g.iter)}, ifs=${list(g.ifs)}, is_async=0)`).join(', ')}]`;
  switch (e.kind) {
    case 'Name':
      return `Name(id=${reprStr(e.id)}, ctx=${ctx}())`;
    case 'Constant':
      return `Constant(value=${constantRepr(e.value)})`;
    case 'BinOp':
      return `BinOp(left=${dumpAst(e.left)}, op=${e.op}(), right=${dumpAst(e.right)})`;
    case 'UnaryOp':
      return `UnaryOp(op=${e.op}(), operand=${dumpAst(e.operand)})`;
    case 'BoolOp':
      return `BoolOp(op=${e.op}(), values=${list(e.values)})`;
    case 'Compare':
      return `Compare(left=${dumpAst(e.left)}, ops=[${e.ops.map((o) => `${o}()`).join(', ')}], comparators=${list(e.comparators)})`;
    case 'Call': {
      const kws = e.keywords.map((k) => (k.arg === null ? `keyword(value=${dumpAst(k.value)})` : `keyword(arg=${reprStr(k.arg)}, value=${dumpAst(k.value)})`));
      return `Call(func=${dumpAst(e.func)}, args=${list(e.args)}, keywords=[${kws.join(', ')}])`;
    }
    case 'Attribute':
      return `Attribute(value=${dumpAst(e.value)}, attr=${reprStr(e.attr)}, ctx=${ctx}())`;
    case 'Subscript':
      return `Subscript(value=${dumpAst(e.value)}, slice=${dumpAst(e.slice)}, ctx=${ctx}())`;
    case 'Slice': {
      const parts = (['lower', 'upper', 'step'] as const).filter((k) => e[k] !== null).map((k) => `${k}=${dumpAst(e[k]!)}`);
      return `Slice(${parts.join(', ')})`;
    }
    case 'List':
      return `List(elts=[${e.elts.map((x) => dumpAst(x, ctx)).join(', ')}], ctx=${ctx}())`;
    case 'Tuple':
      return `Tuple(elts=[${e.elts.map((x) => dumpAst(x, ctx)).join(', ')}], ctx=${ctx}())`;
    case 'Set':
      return `Set(elts=${list(e.elts)})`;
    case 'Dict':
      return `Dict(keys=${list(e.keys)}, values=${list(e.values)})`;
    case 'IfExp':
      return `IfExp(test=${dumpAst(e.test)}, body=${dumpAst(e.body)}, orelse=${dumpAst(e.orelse)})`;
    case 'JoinedStr':
      return `JoinedStr(values=${list(e.values)})`;
    case 'FormattedValue':
      return `FormattedValue(value=${dumpAst(e.value)}, conversion=${e.conversion}${e.formatSpec ? `, format_spec=${dumpAst(e.formatSpec)}` : ''})`;
    case 'Starred':
      return `Starred(value=${dumpAst(e.value, ctx)}, ctx=${ctx}())`;
    case 'ListComp':
    case 'SetComp':
    case 'GeneratorExp':
      return `${e.kind}(elt=${dumpAst(e.elt)}, generators=${gens(e.generators)})`;
    case 'DictComp':
      return `DictComp(key=${dumpAst(e.key)}, value=${dumpAst(e.value)}, generators=${gens(e.generators)})`;
    case 'Lambda': {
      const args = e.args.names.map((n) => `arg(arg=${reprStr(n)})`).join(', ');
      return `Lambda(args=arguments(posonlyargs=[], args=[${args}], kwonlyargs=[], kw_defaults=[], defaults=${list(e.args.defaults)}), body=${dumpAst(e.body)})`;
    }
  }
}

function reprStr(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  return q + s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(new RegExp(q, 'g'), `\\${q}`) + q;
}

function constantRepr(v: ConstantValue): string {
  if (v === null) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return String(v).includes('.') || !Number.isFinite(v) ? String(v) : `${v}.0`;
  if (typeof v === 'string') return reprStr(v);
  if ('bytes' in v) return `b${reprStr(v.bytes)}`;
  return 'Ellipsis';
}

/** Children in `ast.iter_child_nodes` order; CPython's `comprehension` and `arguments` helper nodes are flattened in. */
export function childNodes(e: Expr): Expr[] {
  switch (e.kind) {
    case 'Name':
    case 'Constant':
      return [];
    case 'BinOp':
      return [e.left, e.right];
    case 'UnaryOp':
      return [e.operand];
    case 'BoolOp':
      return e.values;
    case 'Compare':
      return [e.left, ...e.comparators];
    case 'Call':
      return [e.func, ...e.args, ...e.keywords.map((k) => k.value)];
    case 'Attribute':
      return [e.value];
    case 'Subscript':
      return [e.value, e.slice];
    case 'Slice':
      return [e.lower, e.upper, e.step].filter((x): x is Expr => x !== null);
    case 'List':
    case 'Tuple':
    case 'Set':
      return e.elts;
    case 'Dict':
      return [...e.keys, ...e.values];
    case 'IfExp':
      return [e.test, e.body, e.orelse];
    case 'JoinedStr':
      return e.values;
    case 'FormattedValue':
      return e.formatSpec ? [e.value, e.formatSpec] : [e.value];
    case 'Starred':
      return [e.value];
    case 'ListComp':
    case 'SetComp':
    case 'GeneratorExp':
      return [e.elt, ...e.generators.flatMap((g) => [g.target, g.iter, ...g.ifs])];
    case 'DictComp':
      return [e.key, e.value, ...e.generators.flatMap((g) => [g.target, g.iter, ...g.ifs])];
    case 'Lambda':
      return [...e.args.defaults, e.body];
  }
}
