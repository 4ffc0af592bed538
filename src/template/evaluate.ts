import type { BinOpName, Comprehension, Expr, Target } from './py-ast.ts';
import { bindArgs } from './bind-args.ts';
import { formatValue, percentFormat } from './py-format.ts';
import {
  PyDict, PyError, PyFunction, PyTuple, Placeholder, floatOf, intOf, isFloat, isInt, isStr,
  pyEquals, pyIter, pyLess, pyRepr, pyStr, strOf, toFloat, truthy, typeName, type Kwargs, type PyValue,
} from './values.ts';
import { SqlTemplateError } from './template-errors.ts';
import { callMethod } from './methods.ts';

/** Big results are refused rather than built: a template must not be able to exhaust memory. */
export const MAX_SEQUENCE = 10_000_000;
/** Loop and comprehension steps one render may take: a template must not be able to hold the CPU. */
export const MAX_ITERATIONS = 1_000_000;

export interface Scope {
  readonly globals: Map<string, PyValue>;
  readonly builtins: ReadonlyMap<string, PyValue>;
  /** Names assigned anywhere in the template: function locals in Tornado's generated code. */
  readonly localNames: ReadonlySet<string>;
  readonly locals: Map<string, PyValue>;
  /** Comprehension and lambda scopes, innermost last: their names shadow the template's. */
  readonly frames?: readonly Map<string, PyValue>[];
  /** Iterations left for comprehensions, shared by the whole render so nesting cannot multiply the work. */
  readonly budget?: { left: number };
}

export function lookup(name: string, scope: Scope): PyValue {
  const frames = scope.frames ?? [];
  for (let i = frames.length - 1; i >= 0; i--) if (frames[i]!.has(name)) return frames[i]!.get(name)!;
  if (scope.localNames.has(name)) {
    if (scope.locals.has(name)) return scope.locals.get(name)!;
    throw new PyError('UnboundLocalError', `cannot access local variable '${name}' where it is not associated with a value`);
  }
  if (scope.globals.has(name)) return scope.globals.get(name)!;
  if (scope.builtins.has(name)) return scope.builtins.get(name)!;
  throw new PyError('NameError', `name '${name}' is not defined`);
}

export function evaluate(e: Expr, scope: Scope): PyValue {
  switch (e.kind) {
    case 'Name':
      return lookup(e.id, scope);
    case 'Constant': {
      const v = e.value;
      if (v !== null && typeof v === 'object') throw new PyError('TypeError', 'bytes and Ellipsis are not supported');
      return v;
    }
    case 'BinOp':
      return binaryOp(e.op, evaluate(e.left, scope), evaluate(e.right, scope));
    case 'UnaryOp': {
      const v = evaluate(e.operand, scope);
      if (e.op === 'Not') return !truthy(v);
      if (isInt(v)) {
        const n = intOf(v);
        return e.op === 'USub' ? -n : e.op === 'UAdd' ? n : ~n;
      }
      if (isFloat(v) && e.op !== 'Invert') return e.op === 'USub' ? -floatOf(v) : floatOf(v);
      const sym = e.op === 'USub' ? '-' : e.op === 'UAdd' ? '+' : '~';
      throw new PyError('TypeError', `bad operand type for unary ${sym}: '${typeName(v)}'`);
    }
    case 'BoolOp': {
      let v: PyValue = null;
      for (const x of e.values) {
        v = evaluate(x, scope);
        if (e.op === 'And' ? !truthy(v) : truthy(v)) return v;
      }
      return v;
    }
    case 'Compare': {
      let left = evaluate(e.left, scope);
      for (let i = 0; i < e.ops.length; i++) {
        const right = evaluate(e.comparators[i]!, scope);
        if (!compare(e.ops[i]!, left, right)) return false;
        left = right;
      }
      return true;
    }
    case 'IfExp':
      return truthy(evaluate(e.test, scope)) ? evaluate(e.body, scope) : evaluate(e.orelse, scope);
    case 'Call': {
      if (e.func.kind === 'Attribute') {
        const obj = evaluate(e.func.value, scope);
        const [args, kwargs] = evalArgs(e, scope);
        return callMethod(obj, e.func.attr, args, kwargs);
      }
      const f = evaluate(e.func, scope);
      const [args, kwargs] = evalArgs(e, scope);
      return callValue(f, args, kwargs);
    }
    case 'Attribute': {
      const obj = evaluate(e.value, scope);
      return new PyFunction(e.attr, (args, kwargs) => callMethod(obj, e.attr, args, kwargs));
    }
    case 'Subscript':
      return subscript(evaluate(e.value, scope), e.slice, scope);
    case 'List':
      return evalElts(e.elts, scope);
    case 'Tuple':
      return new PyTuple(evalElts(e.elts, scope));
    case 'Set': {
      const out: PyValue[] = [];
      for (const v of evalElts(e.elts, scope)) if (!out.some((x) => pyEquals(x, v))) out.push(v);
      return out;
    }
    case 'Dict': {
      const d = new PyDict();
      e.keys.forEach((k, i) => d.set(evaluate(k, scope), evaluate(e.values[i]!, scope)));
      return d;
    }
    case 'JoinedStr':
      return e.values.map((v) => pyStr(evaluate(v, scope))).join('');
    case 'FormattedValue': {
      let v = evaluate(e.value, scope);
      if (e.conversion === 114 || e.conversion === 97) v = pyRepr(v);
      else if (e.conversion === 115) v = pyStr(v);
      return formatValue(v, e.formatSpec ? pyStr(evaluate(e.formatSpec, scope)) : '');
    }
    case 'ListComp':
    case 'GeneratorExp': {
      // Generators are built eagerly: templates only consume them whole (join, list, sum, for loops).
      const out: PyValue[] = [];
      comprehend(e.generators, scope, (inner) => out.push(evaluate(e.elt, inner)));
      return out;
    }
    case 'SetComp': {
      const out: PyValue[] = [];
      comprehend(e.generators, scope, (inner) => {
        const v = evaluate(e.elt, inner);
        if (!out.some((x) => pyEquals(x, v))) out.push(v);
      });
      return out;
    }
    case 'DictComp': {
      const d = new PyDict();
      comprehend(e.generators, scope, (inner) => d.set(evaluate(e.key, inner), evaluate(e.value, inner)));
      return d;
    }
    case 'Lambda':
      return makeLambda(e, scope);
    case 'Slice':
    case 'Starred':
      throw new PyError('TypeError', `${e.kind} is not supported here`);
  }
}

/** Python 3.12 comprehension scoping: the first iterable is read outside, the targets live in their own frame. */
function comprehend(gens: Comprehension[], scope: Scope, emit: (inner: Scope) => void): void {
  const budget = scope.budget ?? { left: MAX_ITERATIONS };
  const inner: Scope = { ...scope, frames: [...(scope.frames ?? []), new Map()], budget };
  const loop = (i: number): void => {
    if (i === gens.length) return emit(inner);
    const g = gens[i]!;
    for (const item of pyIter(evaluate(g.iter, i === 0 ? scope : inner))) {
      if (--budget.left < 0) throw new SqlTemplateError('The template runs too many loop iterations');
      assign(g.target, item, inner);
      if (g.ifs.every((c) => truthy(evaluate(c, inner)))) loop(i + 1);
    }
  };
  loop(0);
}

/** Defaults are evaluated once, where the lambda is written; the body sees the scope it was written in. */
function makeLambda(e: Extract<Expr, { kind: 'Lambda' }>, scope: Scope): PyFunction {
  const { names, defaults } = e.args;
  const dflts = defaults.map((d) => evaluate(d, scope));
  const params = names.map((n, i) => {
    const j = i - (names.length - dflts.length);
    return j >= 0 ? ([n, dflts[j]!] as [string, PyValue]) : n;
  });
  return new PyFunction('<lambda>', (args, kwargs) => {
    const values = bindArgs('<lambda>', params, args, kwargs);
    const frame = new Map<string, PyValue>(names.map((n, i) => [n, values[i]!]));
    return evaluate(e.body, { ...scope, frames: [...(scope.frames ?? []), frame] });
  });
}

function evalElts(elts: Expr[], scope: Scope): PyValue[] {
  const out: PyValue[] = [];
  for (const x of elts) {
    if (x.kind === 'Starred') out.push(...pyIter(evaluate(x.value, scope)));
    else out.push(evaluate(x, scope));
  }
  return out;
}

function evalArgs(e: Extract<Expr, { kind: 'Call' }>, scope: Scope): [PyValue[], Kwargs] {
  const args = evalElts(e.args, scope);
  const kwargs: Kwargs = new Map();
  for (const k of e.keywords) {
    const v = evaluate(k.value, scope);
    if (k.arg !== null) {
      kwargs.set(k.arg, v);
      continue;
    }
    if (!(v instanceof PyDict)) throw new PyError('TypeError', `argument after ** must be a mapping, not ${typeName(v)}`);
    for (const [key, val] of v.items()) kwargs.set(pyStr(key), val);
  }
  return [args, kwargs];
}

export function callValue(f: PyValue, args: PyValue[], kwargs: Kwargs): PyValue {
  if (f instanceof PyFunction) return f.call(args, kwargs);
  if (f instanceof Placeholder) {
    throw new SqlTemplateError(`'${f.name}' is not a valid function, line ${f.line}`);
  }
  throw new PyError('TypeError', `'${typeName(f)}' object is not callable`);
}

function compare(op: string, a: PyValue, b: PyValue): boolean {
  switch (op) {
    case 'Eq':
      return pyEquals(a, b);
    case 'NotEq':
      return !pyEquals(a, b);
    case 'Lt':
      return ordered('<', a, b, () => pyLess(a, b, '<'));
    case 'Gt':
      return ordered('>', a, b, () => pyLess(b, a, '>'));
    case 'LtE':
      return ordered('<=', a, b, () => !pyLess(b, a, '<='));
    case 'GtE':
      return ordered('>=', a, b, () => !pyLess(a, b, '>='));
    case 'In':
      return contains(b, a);
    case 'NotIn':
      return !contains(b, a);
    case 'Is':
      return a === b || (a === null && b === null);
    case 'IsNot':
      return !(a === b || (a === null && b === null));
  }
  return false;
}

/** CPython names the operands in source order whichever side it tried first. */
function ordered(op: string, a: PyValue, b: PyValue, f: () => boolean): boolean {
  try {
    return f();
  } catch (e) {
    if (e instanceof PyError && e.type === 'TypeError' && e.message.includes('not supported between')) {
      throw new PyError('TypeError', `'${op}' not supported between instances of '${typeName(a)}' and '${typeName(b)}'`);
    }
    throw e;
  }
}

function contains(container: PyValue, item: PyValue): boolean {
  if (isStr(container)) {
    if (!isStr(item)) throw new PyError('TypeError', `'in <string>' requires string as left operand, not ${typeName(item)}`);
    return strOf(container).includes(strOf(item));
  }
  if (container instanceof PyDict) return container.has(item);
  if (Array.isArray(container) || container instanceof PyTuple) return pyIter(container).some((x) => pyEquals(x, item));
  if (container instanceof Placeholder) return false;
  throw new PyError('TypeError', `argument of type '${typeName(container)}' is not iterable`);
}

const OP_SYMBOL: Record<BinOpName, string> = {
  Add: '+', Sub: '-', Mult: '*', Div: '/', FloorDiv: '//', Mod: '%', Pow: '** or pow()', BitOr: '|', BitAnd: '&',
  BitXor: '^', LShift: '<<', RShift: '>>', MatMult: '@',
};

function unsupported(op: BinOpName, a: PyValue, b: PyValue): never {
  throw new PyError('TypeError', `unsupported operand type(s) for ${OP_SYMBOL[op]}: '${typeName(a)}' and '${typeName(b)}'`);
}

function repeat<T>(seq: T[] | string, times: bigint): T[] | string {
  const n = times < 0n ? 0 : Number(times);
  if (seq.length * n > MAX_SEQUENCE) throw new SqlTemplateError('The result of the template expression is too large');
  if (typeof seq === 'string') return seq.repeat(n);
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(...seq);
  return out;
}

export function binaryOp(op: BinOpName, a: PyValue, b: PyValue): PyValue {
  if (op === 'Add' && a instanceof Placeholder) return new Placeholder();
  if (isInt(a) && isInt(b)) return intOp(op, intOf(a), intOf(b), a, b);
  if ((isInt(a) || isFloat(a)) && (isInt(b) || isFloat(b))) return floatOp(op, toFloat(a), toFloat(b), a, b);
  if (op === 'Add') {
    if (isStr(a)) {
      if (!isStr(b)) throw new PyError('TypeError', `can only concatenate str (not "${typeName(b)}") to str`);
      const s = strOf(a) + strOf(b);
      if (s.length > MAX_SEQUENCE) throw new SqlTemplateError('The result of the template expression is too large');
      return s;
    }
    if (Array.isArray(a)) {
      if (!Array.isArray(b)) throw new PyError('TypeError', `can only concatenate list (not "${typeName(b)}") to list`);
      return [...a, ...b];
    }
    if (a instanceof PyTuple) {
      if (!(b instanceof PyTuple)) throw new PyError('TypeError', `can only concatenate tuple (not "${typeName(b)}") to tuple`);
      return new PyTuple([...a.items, ...b.items]);
    }
  }
  if (op === 'Mult') {
    const seqTimes = (s: PyValue, n: PyValue): PyValue | undefined => {
      if (!isInt(n)) return undefined;
      if (isStr(s)) return repeat(strOf(s), intOf(n)) as string;
      if (Array.isArray(s)) return repeat(s, intOf(n)) as PyValue[];
      if (s instanceof PyTuple) return new PyTuple(repeat([...s.items], intOf(n)) as PyValue[]);
      return undefined;
    };
    const r = seqTimes(a, b) ?? seqTimes(b, a);
    if (r !== undefined) return r;
    if (isStr(a) || Array.isArray(a) || a instanceof PyTuple) {
      throw new PyError('TypeError', `can't multiply sequence by non-int of type '${typeName(b)}'`);
    }
  }
  if (op === 'Mod' && isStr(a)) return percentFormat(strOf(a), b);
  return unsupported(op, a, b);
}

function floorDiv(x: bigint, y: bigint): bigint {
  const q = x / y;
  return (x % y !== 0n) && ((x < 0n) !== (y < 0n)) ? q - 1n : q;
}

function intOp(op: BinOpName, x: bigint, y: bigint, a: PyValue, b: PyValue): PyValue {
  switch (op) {
    case 'Add':
      return x + y;
    case 'Sub':
      return x - y;
    case 'Mult':
      return x * y;
    case 'Div':
      if (y === 0n) throw new PyError('ZeroDivisionError', 'division by zero');
      return Number(x) / Number(y);
    case 'FloorDiv':
      if (y === 0n) throw new PyError('ZeroDivisionError', 'integer division or modulo by zero');
      return floorDiv(x, y);
    case 'Mod':
      if (y === 0n) throw new PyError('ZeroDivisionError', 'integer modulo by zero');
      return x - floorDiv(x, y) * y;
    case 'Pow':
      if (y < 0n) return Number(x) ** Number(y);
      if (y > 10_000n) throw new SqlTemplateError('The result of the template expression is too large');
      return x ** y;
    case 'BitOr':
      return x | y;
    case 'BitAnd':
      return x & y;
    case 'BitXor':
      return x ^ y;
    case 'LShift':
      if (y > 10_000n) throw new SqlTemplateError('The result of the template expression is too large');
      return x << y;
    case 'RShift':
      return x >> y;
    default:
      return unsupported(op, a, b);
  }
}

function floatOp(op: BinOpName, x: number, y: number, a: PyValue, b: PyValue): PyValue {
  switch (op) {
    case 'Add':
      return x + y;
    case 'Sub':
      return x - y;
    case 'Mult':
      return x * y;
    case 'Div':
      if (y === 0) throw new PyError('ZeroDivisionError', 'float division by zero');
      return x / y;
    case 'FloorDiv':
      if (y === 0) throw new PyError('ZeroDivisionError', 'float floor division by zero');
      return Math.floor(x / y);
    case 'Mod': {
      if (y === 0) throw new PyError('ZeroDivisionError', 'float modulo');
      const m = x % y;
      return m !== 0 && (m < 0) !== (y < 0) ? m + y : m;
    }
    case 'Pow':
      return x ** y;
    default:
      return unsupported(op, a, b);
  }
}

function toIndex(v: PyValue, what: string): bigint {
  if (isInt(v)) return intOf(v);
  throw new PyError('TypeError', what);
}

function subscript(obj: PyValue, sliceExpr: Expr, scope: Scope): PyValue {
  if (sliceExpr.kind === 'Slice') {
    const part = (x: Expr | null) => (x ? evaluate(x, scope) : null);
    const [lo, hi, st] = [part(sliceExpr.lower), part(sliceExpr.upper), part(sliceExpr.step)];
    const seq = isStr(obj) ? [...strOf(obj)] : Array.isArray(obj) ? obj : obj instanceof PyTuple ? [...obj.items] : undefined;
    if (!seq) throw new PyError('TypeError', `'${typeName(obj)}' object is not subscriptable`);
    const msg = 'slice indices must be integers or None or have an __index__ method';
    const step = st === null ? 1 : Number(toIndex(st, msg));
    if (step === 0) throw new PyError('ValueError', 'slice step cannot be zero');
    const len = seq.length;
    const norm = (v: PyValue, dflt: number) => {
      if (v === null) return dflt;
      let i = Number(toIndex(v, msg));
      if (i < 0) i += len;
      return step > 0 ? Math.min(Math.max(i, 0), len) : Math.min(Math.max(i, -1), len - 1);
    };
    const start = norm(lo, step > 0 ? 0 : len - 1);
    const stop = norm(hi, step > 0 ? len : -1);
    const out: PyValue[] = [];
    for (let i = start; step > 0 ? i < stop : i > stop; i += step) out.push(seq[i] as PyValue);
    if (isStr(obj)) return out.join('');
    return obj instanceof PyTuple ? new PyTuple(out) : out;
  }
  const key = evaluate(sliceExpr, scope);
  if (obj instanceof PyDict) {
    if (!obj.has(key)) throw new PyError('KeyError', pyRepr(key));
    return obj.get(key)!;
  }
  if (obj instanceof Placeholder) {
    // sql_template.py Placeholder.__getitem__: `if i > 2: raise IndexError()`.
    if (pyLess(2n, key, '>')) throw new PyError('IndexError', '');
    return new Placeholder();
  }
  const index = (len: number, kind: string, msg: string) => {
    let i = toIndex(key, msg);
    if (i < 0n) i += BigInt(len);
    if (i < 0n || i >= BigInt(len)) throw new PyError('IndexError', `${kind} index out of range`);
    return Number(i);
  };
  if (isStr(obj)) {
    const chars = [...strOf(obj)];
    return chars[index(chars.length, 'string', `string indices must be integers, not '${typeName(key)}'`)]!;
  }
  if (Array.isArray(obj)) return obj[index(obj.length, 'list', `list indices must be integers or slices, not ${typeName(key)}`)]!;
  if (obj instanceof PyTuple) {
    return obj.items[index(obj.items.length, 'tuple', `tuple indices must be integers or slices, not ${typeName(key)}`)]!;
  }
  throw new PyError('TypeError', `'${typeName(obj)}' object is not subscriptable`);
}

export function assign(target: Target, value: PyValue, scope: Scope): void {
  if (target.kind === 'Name') {
    const frames = scope.frames ?? [];
    (frames.length ? frames[frames.length - 1]! : scope.locals).set(target.id, value);
    return;
  }
  if (target.kind === 'Tuple' || target.kind === 'List') {
    const items = pyIter(value);
    const n = target.elts.length;
    if (items.length < n) throw new PyError('ValueError', `not enough values to unpack (expected ${n}, got ${items.length})`);
    if (items.length > n) throw new PyError('ValueError', `too many values to unpack (expected ${n})`);
    target.elts.forEach((t, i) => assign(t, items[i]!, scope));
    return;
  }
  if (target.kind === 'Subscript') {
    const obj = evaluate(target.value, scope);
    const key = evaluate(target.slice, scope);
    if (obj instanceof PyDict) return obj.set(key, value);
    if (Array.isArray(obj)) {
      let i = toIndex(key, `list indices must be integers or slices, not ${typeName(key)}`);
      if (i < 0n) i += BigInt(obj.length);
      if (i < 0n || i >= BigInt(obj.length)) throw new PyError('IndexError', 'list assignment index out of range');
      obj[Number(i)] = value;
      return;
    }
    throw new PyError('TypeError', `'${typeName(obj)}' object does not support item assignment`);
  }
  throw new PyError('AttributeError', `'${typeName(evaluate(target, scope))}' object attribute is read-only`);
}

/** Names a template assigns (`set`, `for`, `except ... as`): Python makes them locals of the whole template. */
export function targetNames(t: Target, out: Set<string>): void {
  if (t.kind === 'Name') out.add(t.id);
  else if (t.kind === 'Tuple' || t.kind === 'List') t.elts.forEach((x) => targetNames(x, out));
}

