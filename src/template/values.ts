// The Python values a Tinybird template computes with (spec §8.2). Python semantics differ from JavaScript's
// (int vs float, truthiness of '' / [] / 0, str repetition), so values are modelled explicitly:
// None → null, bool → boolean, int → bigint (arbitrary size), float → number, str → string, list → array.

export class PyTuple {
  constructor(readonly items: readonly PyValue[]) {}
}

/** A dict keyed by Python equality (1 == 1.0 == True share a slot), keeping insertion order. */
export class PyDict {
  private readonly entries = new Map<string, [PyValue, PyValue]>();
  get size(): number {
    return this.entries.size;
  }
  get(key: PyValue): PyValue | undefined {
    return this.entries.get(hashKey(key))?.[1];
  }
  has(key: PyValue): boolean {
    return this.entries.has(hashKey(key));
  }
  set(key: PyValue, value: PyValue): void {
    const h = hashKey(key);
    const old = this.entries.get(h);
    this.entries.set(h, [old ? old[0] : key, value]);
  }
  keys(): PyValue[] {
    return [...this.entries.values()].map((e) => e[0]);
  }
  items(): [PyValue, PyValue][] {
    return [...this.entries.values()];
  }
}

/** Test-mode stand-in for a parameter (sql_template.py `Placeholder`). */
export class Placeholder {
  constructor(
    readonly name = '__no_value__',
    readonly line: number | string = 'unknown',
  ) {}
}

/** SQL text produced by a template function, emitted unquoted (Tinybird `Expression`, a str subclass). */
export class SqlExpression {
  constructor(readonly sql: string) {}
}

/** An identifier (Tinybird `Symbol`), emitted as is. */
export class SqlSymbol {
  constructor(readonly text: string) {}
}

/** A typed int (Tinybird `Integer`): behaves as an int, renders as `toInt32('5')`. */
export class TypedInt {
  constructor(
    readonly value: bigint,
    readonly type: string,
  ) {}
}

/** A typed float (Tinybird `Float`): behaves as a float, renders as `toFloat32('1.0')`. */
export class TypedFloat {
  constructor(
    readonly value: number,
    readonly type: string,
  ) {}
}

/** Test-mode result of error()/custom_error() (Tinybird `Comment`). */
export class SqlComment {
  constructor(readonly text: string) {}
}

export type Kwargs = Map<string, PyValue>;

export class PyFunction {
  constructor(
    readonly name: string,
    readonly call: (args: PyValue[], kwargs: Kwargs) => PyValue,
  ) {}
}

export type PyValue =
  | null
  | boolean
  | bigint
  | number
  | string
  | PyValue[]
  | PyTuple
  | PyDict
  | Placeholder
  | SqlExpression
  | SqlSymbol
  | TypedInt
  | TypedFloat
  | SqlComment
  | PyFunction;

export type PyErrorType =
  | 'TypeError'
  | 'ValueError'
  | 'NameError'
  | 'AttributeError'
  | 'IndexError'
  | 'KeyError'
  | 'UnboundLocalError'
  | 'ZeroDivisionError'
  | 'OverflowError';

/** A Python exception raised while evaluating; `{% try %}` can catch it. */
export class PyError extends Error {
  constructor(
    readonly type: PyErrorType,
    message: string,
  ) {
    super(message);
  }
}

export function typeName(v: PyValue): string {
  if (v === null) return 'NoneType';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'bigint') return 'int';
  if (typeof v === 'number') return 'float';
  if (typeof v === 'string') return 'str';
  if (Array.isArray(v)) return 'list';
  if (v instanceof PyTuple) return 'tuple';
  if (v instanceof PyDict) return 'dict';
  if (v instanceof Placeholder) return 'Placeholder';
  if (v instanceof SqlExpression) return 'Expression';
  if (v instanceof SqlSymbol) return 'Symbol';
  if (v instanceof TypedInt) return 'Integer';
  if (v instanceof TypedFloat) return 'Float';
  if (v instanceof SqlComment) return 'Comment';
  return 'function';
}

export function isStr(v: PyValue): v is string | SqlExpression {
  return typeof v === 'string' || v instanceof SqlExpression;
}
export function strOf(v: string | SqlExpression): string {
  return typeof v === 'string' ? v : v.sql;
}
export function isInt(v: PyValue): v is bigint | boolean | TypedInt {
  return typeof v === 'bigint' || typeof v === 'boolean' || v instanceof TypedInt;
}
export function intOf(v: bigint | boolean | TypedInt): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'boolean') return v ? 1n : 0n;
  return v.value;
}
export function isFloat(v: PyValue): v is number | TypedFloat {
  return typeof v === 'number' || v instanceof TypedFloat;
}
export function floatOf(v: number | TypedFloat): number {
  return typeof v === 'number' ? v : v.value;
}
export function isNumber(v: PyValue): boolean {
  return isInt(v) || isFloat(v);
}
export function toFloat(v: PyValue): number {
  if (isInt(v)) return Number(intOf(v));
  if (isFloat(v)) return floatOf(v);
  throw new PyError('TypeError', `must be real number, not ${typeName(v)}`);
}

export function truthy(v: PyValue): boolean {
  if (v === null) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'bigint') return v !== 0n;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string') return v.length > 0;
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof PyTuple) return v.items.length > 0;
  if (v instanceof PyDict) return v.size > 0;
  if (v instanceof SqlExpression) return v.sql.length > 0;
  if (v instanceof TypedInt) return v.value !== 0n;
  if (v instanceof TypedFloat) return v.value !== 0;
  return true;
}

/** Python `repr(float)`: shortest round-trip digits, exponent outside [1e-4, 1e16). */
export function floatRepr(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (n === Infinity) return 'inf';
  if (n === -Infinity) return '-inf';
  if (n === 0) return Object.is(n, -0) ? '-0.0' : '0.0';
  const [mant, expText] = n.toExponential().split('e');
  const exp = Number(expText);
  const neg = mant!.startsWith('-');
  const digits = mant!.replace('-', '').replace('.', '');
  let out: string;
  if (exp >= -5 + 1 && exp < 16) {
    if (exp >= 0) {
      const intPart = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
      const frac = digits.slice(exp + 1);
      out = `${intPart}.${frac || '0'}`;
    } else {
      out = `0.${'0'.repeat(-exp - 1)}${digits}`;
    }
  } else {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    out = `${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  return neg ? `-${out}` : out;
}

export function strRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += `\\${quote}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (/[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}]/u.test(ch) || (/\p{Zs}/u.test(ch) && ch !== ' ')) {
      out += cp <= 0xff ? `\\x${cp.toString(16).padStart(2, '0')}` : cp <= 0xffff ? `\\u${cp.toString(16).padStart(4, '0')}` : `\\U${cp.toString(16).padStart(8, '0')}`;
    } else out += ch;
  }
  return out + quote;
}

export function pyRepr(v: PyValue): string {
  if (typeof v === 'string') return strRepr(v);
  if (v instanceof SqlExpression) return strRepr(v.sql);
  if (v instanceof TypedInt) return String(v.value);
  if (v instanceof TypedFloat) return floatRepr(v.value);
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  if (v instanceof PyTuple) {
    return v.items.length === 1 ? `(${pyRepr(v.items[0]!)},)` : `(${v.items.map(pyRepr).join(', ')})`;
  }
  if (v instanceof PyDict) return `{${v.items().map(([k, x]) => `${pyRepr(k)}: ${pyRepr(x)}`).join(', ')}}`;
  if (v instanceof Placeholder) return '<Placeholder>';
  if (v instanceof SqlSymbol) return '<Symbol>';
  if (v instanceof SqlComment) return '<Comment>';
  if (v instanceof PyFunction) return `<function ${v.name}>`;
  return pyStr(v);
}

/** Python `str(x)`. */
export function pyStr(v: PyValue): string {
  if (v === null) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return floatRepr(v);
  if (typeof v === 'string') return v;
  if (v instanceof SqlExpression) return v.sql;
  if (v instanceof SqlSymbol) return v.text;
  if (v instanceof TypedInt) return `to${v.type}('${v.value}')`;
  if (v instanceof TypedFloat) return `to${v.type}('${floatRepr(v.value)}')`;
  if (v instanceof Placeholder) return '__no_value__';
  if (v instanceof SqlComment) return v.text;
  return pyRepr(v);
}

function hashKey(k: PyValue): string {
  if (isInt(k)) return `n:${intOf(k)}`;
  if (isFloat(k)) {
    const f = floatOf(k);
    return Number.isInteger(f) ? `n:${BigInt(f)}` : `f:${f}`;
  }
  if (isStr(k)) return `s:${strOf(k)}`;
  if (k === null) return 'None';
  if (k instanceof PyTuple) return `t:(${k.items.map(hashKey).join(',')})`;
  throw new PyError('TypeError', `unhashable type: '${typeName(k)}'`);
}

export function pyEquals(a: PyValue, b: PyValue): boolean {
  if (isNumber(a) && isNumber(b)) {
    if (isInt(a) && isInt(b)) return intOf(a) === intOf(b);
    return toFloat(a) === toFloat(b);
  }
  if (isStr(a) && isStr(b)) return strOf(a) === strOf(b);
  if (a === null || b === null) return a === b;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => pyEquals(x, b[i]!));
  if (a instanceof PyTuple && b instanceof PyTuple) {
    return a.items.length === b.items.length && a.items.every((x, i) => pyEquals(x, b.items[i]!));
  }
  if (a instanceof PyDict && b instanceof PyDict) {
    return a.size === b.size && a.items().every(([k, v]) => b.has(k) && pyEquals(v, b.get(k)!));
  }
  return a === b;
}

/** Python ordering (`<`); TypeError for unorderable pairs. */
export function pyLess(a: PyValue, b: PyValue, op: string): boolean {
  if (isNumber(a) && isNumber(b)) {
    if (isInt(a) && isInt(b)) return intOf(a) < intOf(b);
    return toFloat(a) < toFloat(b);
  }
  if (isStr(a) && isStr(b)) return compareStrings(strOf(a), strOf(b)) < 0;
  const seq = (x: PyValue) => (Array.isArray(x) ? x : x instanceof PyTuple ? x.items : undefined);
  const sa = seq(a);
  const sb = seq(b);
  if (sa && sb && Array.isArray(a) === Array.isArray(b)) {
    for (let i = 0; i < Math.min(sa.length, sb.length); i++) {
      if (!pyEquals(sa[i]!, sb[i]!)) return pyLess(sa[i]!, sb[i]!, op);
    }
    return sa.length < sb.length;
  }
  throw new PyError('TypeError', `'${op}' not supported between instances of '${typeName(a)}' and '${typeName(b)}'`);
}

/** Python compares str by code point; JS `<` compares UTF-16 units. */
function compareStrings(a: string, b: string): number {
  const ca = [...a];
  const cb = [...b];
  for (let i = 0; i < Math.min(ca.length, cb.length); i++) {
    const d = ca[i]!.codePointAt(0)! - cb[i]!.codePointAt(0)!;
    if (d !== 0) return d;
  }
  return ca.length - cb.length;
}

/** Python `for x in v`. Placeholder iterates three times, as its `__getitem__` fails at index 3. */
export function pyIter(v: PyValue): PyValue[] {
  if (Array.isArray(v)) return [...v];
  if (v instanceof PyTuple) return [...v.items];
  if (isStr(v)) return [...strOf(v)];
  if (v instanceof PyDict) return v.keys();
  if (v instanceof Placeholder) return [new Placeholder(), new Placeholder(), new Placeholder()];
  throw new PyError('TypeError', `'${typeName(v)}' object is not iterable`);
}

/** JSON-friendly view of a value (custom_error bodies). */
export function toJs(v: PyValue): unknown {
  if (isInt(v) && typeof v !== 'boolean') {
    const n = intOf(v);
    return Number.isSafeInteger(Number(n)) ? Number(n) : n.toString();
  }
  if (isFloat(v)) return floatOf(v);
  if (isStr(v)) return strOf(v);
  if (Array.isArray(v)) return v.map(toJs);
  if (v instanceof PyTuple) return v.items.map(toJs);
  if (v instanceof PyDict) return Object.fromEntries(v.items().map(([k, x]) => [pyStr(k), toJs(x)]));
  if (v === null || typeof v === 'boolean') return v;
  return pyStr(v);
}
