import { bindArgs } from './bind-args.ts';
import { MAX_SEQUENCE, binaryOp, callValue } from './evaluate.ts';
import {
  PyDict, PyError, PyFunction, PyTuple, floatOf, intOf, isFloat, isInt, isStr, pyEquals, pyIter, pyLess,
  pyRepr, pyStr, strOf, toFloat, truthy, typeName, type Kwargs, type PyValue,
} from './values.ts';

/**
 * Python's `int()`/`float()` and `re`'s `\d` take any Unicode decimal digit (`int('١٢')` is 12). Every script's
 * digits are encoded as a run of ten code points from 0 to 9, so a digit's value is its distance from the run's start.
 */
export function asciiDigits(s: string): string {
  return s.replace(/\p{Nd}/gu, (d) => {
    if (d >= '0' && d <= '9') return d;
    let cp = d.codePointAt(0)!;
    let start = cp;
    while (/^\p{Nd}$/u.test(String.fromCodePoint(start - 1))) start--;
    cp = (cp - start) % 10;
    return String(cp);
  });
}

/** Python `float(str)`: surrounding whitespace, `_` between digits, inf/nan spellings, any script's digits. */
export function parsePyFloat(s: string): number | undefined {
  const t = asciiDigits(s.trim());
  if (/^[+-]?(inf|infinity)$/i.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  if (/^[+-]?nan$/i.test(t)) return NaN;
  if (!/^[+-]?((\d(_?\d)*)?\.?\d(_?\d)*|\d(_?\d)*\.)([eE][+-]?\d(_?\d)*)?$/.test(t)) return undefined;
  return Number(t.replace(/_/g, ''));
}

/** Python `int(str)` in base 10 (any script's digits). */
export function parsePyInt(s: string): bigint | undefined {
  const t = asciiDigits(s.trim());
  if (!/^[+-]?\d(_?\d)*$/.test(t)) return undefined;
  return BigInt(t.replace(/_/g, ''));
}

export function pyInt(v: PyValue): bigint {
  if (isInt(v)) return intOf(v);
  if (isFloat(v)) {
    const f = floatOf(v);
    if (Number.isNaN(f)) throw new PyError('ValueError', 'cannot convert float NaN to integer');
    if (!Number.isFinite(f)) throw new PyError('OverflowError', 'cannot convert float infinity to integer');
    return BigInt(Math.trunc(f));
  }
  if (isStr(v)) {
    const n = parsePyInt(strOf(v));
    if (n === undefined) throw new PyError('ValueError', `invalid literal for int() with base 10: ${pyRepr(strOf(v))}`);
    return n;
  }
  throw new PyError('TypeError', `int() argument must be a string, a bytes-like object or a real number, not '${typeName(v)}'`);
}

export function pyFloat(v: PyValue): number {
  if (isInt(v) || isFloat(v)) return toFloat(v);
  if (isStr(v)) {
    const f = parsePyFloat(strOf(v));
    if (f === undefined) throw new PyError('ValueError', `could not convert string to float: ${pyRepr(strOf(v))}`);
    return f;
  }
  throw new PyError('TypeError', `float() argument must be a string or a real number, not '${typeName(v)}'`);
}

/** `key=` functions (lambdas included) are called through the evaluator, like any other callable. */
function keyOf(key: PyValue | undefined): (x: PyValue) => PyValue {
  return key === undefined || key === null ? (x) => x : (x) => callValue(key, [x], new Map());
}

function minMax(name: 'min' | 'max', args: PyValue[], kwargs: Kwargs): PyValue {
  const items = args.length === 1 ? pyIter(args[0]!) : args;
  if (!items.length) {
    if (kwargs.has('default')) return kwargs.get('default') ?? null;
    throw new PyError('ValueError', `${name}() arg is an empty sequence`);
  }
  const key = keyOf(kwargs.get('key'));
  let best: PyValue = items[0] as PyValue;
  let bestKey = key(best);
  for (const x of items.slice(1)) {
    const k = key(x);
    if (name === 'min' ? pyLess(k, bestKey, '<') : pyLess(bestKey, k, '>')) [best, bestKey] = [x, k];
  }
  return best;
}

function range(args: PyValue[]): PyValue[] {
  const n = args.map((a) => {
    if (!isInt(a)) throw new PyError('TypeError', `'${typeName(a)}' object cannot be interpreted as an integer`);
    return intOf(a);
  });
  const [start, stop, step] = n.length === 1 ? [0n, n[0]!, 1n] : [n[0]!, n[1]!, n[2] ?? 1n];
  if (step === 0n) throw new PyError('ValueError', 'range() arg 3 must not be zero');
  const out: PyValue[] = [];
  for (let i = start; step > 0n ? i < stop : i > stop; i += step) {
    if (out.length >= MAX_SEQUENCE) throw new PyError('OverflowError', 'range() is too large for a template');
    out.push(i);
  }
  return out;
}

function roundHalfEven(x: number, digits: number): number {
  const m = 10 ** digits;
  const y = x * m;
  const r = Math.round(y);
  const tie = Math.abs(y % 1) === 0.5;
  return (tie && r % 2 !== 0 ? r - 1 : r) / m;
}

const fns: Record<string, (args: PyValue[], kwargs: Kwargs) => PyValue> = {
  len: (args, kw) => {
    const [x] = bindArgs('len', ['obj'], args, kw);
    if (isStr(x!)) return BigInt([...strOf(x)].length);
    if (Array.isArray(x)) return BigInt(x.length);
    if (x instanceof PyTuple) return BigInt(x.items.length);
    if (x instanceof PyDict) return BigInt(x.size);
    throw new PyError('TypeError', `object of type '${typeName(x!)}' has no len()`);
  },
  list: (args, kw) => pyIter(bindArgs('list', [['iterable', new PyTuple([])]], args, kw)[0]!),
  tuple: (args, kw) => new PyTuple(pyIter(bindArgs('tuple', [['iterable', new PyTuple([])]], args, kw)[0]!)),
  min: (args, kw) => minMax('min', args, kw),
  max: (args, kw) => minMax('max', args, kw),
  int: (args, kw) => (args.length ? pyInt(bindArgs('int', ['x'], args, kw)[0]!) : 0n),
  float: (args, kw) => (args.length ? pyFloat(bindArgs('float', ['x'], args, kw)[0]!) : 0),
  str: (args, kw) => (args.length ? pyStr(bindArgs('str', ['object'], args, kw)[0]!) : ''),
  bool: (args, kw) => (args.length ? truthy(bindArgs('bool', ['x'], args, kw)[0]!) : false),
  repr: (args, kw) => pyRepr(bindArgs('repr', ['obj'], args, kw)[0]!),
  abs: (args, kw) => {
    const [x] = bindArgs('abs', ['x'], args, kw);
    if (isInt(x!)) return intOf(x) < 0n ? -intOf(x) : intOf(x);
    if (isFloat(x!)) return Math.abs(floatOf(x));
    throw new PyError('TypeError', `bad operand type for abs(): '${typeName(x!)}'`);
  },
  round: (args, kw) => {
    const [x, nd] = bindArgs('round', ['number', ['ndigits', null]], args, kw);
    if (isInt(x!)) return intOf(x);
    const f = pyFloat(x!);
    if (nd === null) return BigInt(roundHalfEven(f, 0));
    return roundHalfEven(f, Number(pyInt(nd!)));
  },
  sum: (args, kw) => {
    const [it, start] = bindArgs('sum', ['iterable', ['start', 0n]], args, kw);
    let acc = start!;
    for (const x of pyIter(it!)) {
      if ((isInt(acc) || isFloat(acc)) && (isInt(x) || isFloat(x))) {
        acc = isInt(acc) && isInt(x) ? intOf(acc) + intOf(x) : toFloat(acc) + toFloat(x);
      } else throw new PyError('TypeError', `unsupported operand type(s) for +: '${typeName(acc)}' and '${typeName(x)}'`);
    }
    return acc;
  },
  any: (args, kw) => pyIter(bindArgs('any', ['iterable'], args, kw)[0]!).some(truthy),
  all: (args, kw) => pyIter(bindArgs('all', ['iterable'], args, kw)[0]!).every(truthy),
  range: (args) => range(args),
  enumerate: (args, kw) => {
    const [it, start] = bindArgs('enumerate', ['iterable', ['start', 0n]], args, kw);
    return pyIter(it!).map((x, i) => new PyTuple([intOf(start as bigint) + BigInt(i), x]));
  },
  zip: (args) => {
    const lists = args.map(pyIter);
    const n = lists.length ? Math.min(...lists.map((l) => l.length)) : 0;
    return Array.from({ length: n }, (_, i) => new PyTuple(lists.map((l) => l[i]!)));
  },
  sorted: (args, kw) => {
    const [it, key, reverse] = bindArgs('sorted', ['iterable', ['key', null], ['reverse', false]], args, kw);
    const keyFn = keyOf(key);
    // Python's sort is stable also when reversed: reverse, sort stably, reverse back.
    const items = pyIter(it!).map((x) => ({ x, k: keyFn(x) }));
    if (truthy(reverse!)) items.reverse();
    items.sort((a, b) => (pyLess(a.k, b.k, '<') ? -1 : pyLess(b.k, a.k, '<') ? 1 : 0));
    if (truthy(reverse!)) items.reverse();
    return items.map((i) => i.x);
  },
  map: (args) => {
    if (args.length < 2) throw new PyError('TypeError', 'map() must have at least two arguments.');
    const [f, ...its] = args;
    const lists = its.map(pyIter);
    const n = Math.min(...lists.map((l) => l.length));
    return Array.from({ length: n }, (_, i) => callValue(f!, lists.map((l) => l[i]!), new Map()));
  },
  filter: (args, kw) => {
    const [f, it] = bindArgs('filter', ['function', 'iterable'], args, kw);
    return pyIter(it!).filter((x) => truthy(f === null ? x : callValue(f!, [x], new Map())));
  },
  set: (args, kw) => {
    const out: PyValue[] = [];
    for (const x of pyIter(bindArgs('set', [['iterable', new PyTuple([])]], args, kw)[0]!)) if (!out.some((y) => pyEquals(x, y))) out.push(x);
    return out;
  },
  divmod: (args, kw) => {
    const [a, b] = bindArgs('divmod', ['x', 'y'], args, kw);
    return new PyTuple([binaryOp('FloorDiv', a!, b!), binaryOp('Mod', a!, b!)]);
  },
  pow: (args, kw) => {
    const [a, b] = bindArgs('pow', ['base', 'exp'], args, kw);
    return binaryOp('Pow', a!, b!);
  },
  chr: (args, kw) => {
    const [i] = bindArgs('chr', ['i'], args, kw);
    if (!isInt(i!)) throw new PyError('TypeError', `'${typeName(i!)}' object cannot be interpreted as an integer`);
    const n = intOf(i);
    if (n < 0n || n > 0x10ffffn) throw new PyError('ValueError', 'chr() arg not in range(0x110000)');
    return String.fromCodePoint(Number(n));
  },
  ord: (args, kw) => {
    const [c] = bindArgs('ord', ['c'], args, kw);
    if (!isStr(c!)) throw new PyError('TypeError', `ord() expected string of length 1, but ${typeName(c!)} found`);
    const chars = [...strOf(c)];
    if (chars.length !== 1) throw new PyError('TypeError', `ord() expected a character, but string of length ${chars.length} found`);
    return BigInt(chars[0]!.codePointAt(0)!);
  },
  reversed: (args, kw) => pyIter(bindArgs('reversed', ['sequence'], args, kw)[0]!).reverse(),
  dict: (args, kw) => {
    const d = new PyDict();
    if (args[0] !== undefined) {
      if (args[0] instanceof PyDict) for (const [k, v] of args[0].items()) d.set(k, v);
      else for (const pair of pyIter(args[0])) {
        const kv = pyIter(pair);
        d.set(kv[0]!, kv[1]!);
      }
    }
    for (const [k, v] of kw) d.set(k, v);
    return d;
  },
};

/** Exception classes for `{% except Name %}`: Tinybird's SQLTemplateException is a ValueError. */
export const EXCEPTION_NAMES = new Set([
  'Exception', 'BaseException', 'ValueError', 'TypeError', 'NameError', 'AttributeError', 'IndexError', 'KeyError',
  'LookupError', 'UnboundLocalError', 'ZeroDivisionError', 'ArithmeticError', 'OverflowError',
]);

export const BUILTINS: ReadonlyMap<string, PyValue> = new Map<string, PyValue>([
  ...Object.entries(fns).map(([name, f]) => [name, new PyFunction(name, f)] as [string, PyValue]),
  ...[...EXCEPTION_NAMES].map((n) => [n, new PyFunction(n, () => null)] as [string, PyValue]),
]);

/** Does an exception of this Python type match `except <name>`? */
export function exceptionMatches(errorType: string, name: string): boolean {
  if (name === 'Exception' || name === 'BaseException' || name === errorType) return true;
  if (name === 'LookupError') return errorType === 'IndexError' || errorType === 'KeyError';
  if (name === 'NameError') return errorType === 'UnboundLocalError';
  if (name === 'ArithmeticError') return errorType === 'ZeroDivisionError' || errorType === 'OverflowError';
  return false;
}

/** Names of Python's `builtins` module (Tinybird's `reserved_vars`): never template parameters. */
export const PYTHON_BUILTIN_NAMES = new Set(
  ('ArithmeticError AssertionError AttributeError BaseException BaseExceptionGroup BlockingIOError BrokenPipeError BufferError ' +
    'BytesWarning ChildProcessError ConnectionAbortedError ConnectionError ConnectionRefusedError ConnectionResetError ' +
    'DeprecationWarning EOFError Ellipsis EncodingWarning EnvironmentError Exception ExceptionGroup False FileExistsError ' +
    'FileNotFoundError FloatingPointError FutureWarning GeneratorExit IOError ImportError ImportWarning IndentationError ' +
    'IndexError InterruptedError IsADirectoryError KeyError KeyboardInterrupt LookupError MemoryError ModuleNotFoundError ' +
    'NameError None NotADirectoryError NotImplemented NotImplementedError OSError OverflowError PendingDeprecationWarning ' +
    'PermissionError ProcessLookupError RecursionError ReferenceError ResourceWarning RuntimeError RuntimeWarning ' +
    'StopAsyncIteration StopIteration SyntaxError SyntaxWarning SystemError SystemExit TabError TimeoutError True TypeError ' +
    'UnboundLocalError UnicodeDecodeError UnicodeEncodeError UnicodeError UnicodeTranslateError UnicodeWarning UserWarning ' +
    'ValueError Warning ZeroDivisionError __build_class__ __debug__ __doc__ __import__ __loader__ __name__ __package__ ' +
    '__spec__ abs aiter all anext any ascii bin bool breakpoint bytearray bytes callable chr classmethod compile complex ' +
    'copyright credits delattr dict dir divmod enumerate eval exec exit filter float format frozenset getattr globals ' +
    'hasattr hash help hex id input int isinstance issubclass iter len license list locals map max memoryview min next ' +
    'object oct open ord pow print property quit range repr reversed round set setattr slice sorted staticmethod str sum ' +
    'super tuple type vars zip').split(' '),
);

