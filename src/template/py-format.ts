import { MAX_SEQUENCE } from './evaluate.ts';
import { SqlTemplateError } from './template-errors.ts';
import {
  PyDict, PyError, PyTuple, floatOf, floatRepr, intOf, isFloat, isInt, isStr, pyRepr, pyStr, strOf, typeName, type PyValue,
} from './values.ts';

// Python's two formatting languages as templates use them: `format(x, spec)` / f-string `{x:spec}` (the format
// specification mini-language) and printf-style `'%s-%d' % (a, b)`. Texts of the errors are CPython 3.12's.

const SPEC_RE = /^(?:([^]?)([<>=^]))?([+\- ])?(z)?(#)?(0)?(\d+)?([,_])?(?:\.(\d+))?([bcdeEfFgGnosxX%])?$/u;

interface Spec {
  fill: string;
  align: string | undefined;
  sign: string;
  z: boolean;
  alt: boolean;
  width: number;
  grouping: string;
  precision: number | undefined;
  type: string;
}

function parseSpec(spec: string): Spec {
  const m = SPEC_RE.exec(spec);
  if (!m) throw new PyError('ValueError', 'Invalid format specifier');
  const zero = m[6] !== undefined;
  return {
    fill: m[1] || (zero && !m[2] ? '0' : ' '),
    align: m[2] ?? (zero ? '=' : undefined),
    sign: m[3] ?? '-',
    z: m[4] !== undefined,
    alt: m[5] !== undefined,
    width: m[7] ? Number(m[7]) : 0,
    grouping: m[8] ?? '',
    precision: m[9] !== undefined ? Number(m[9]) : undefined,
    type: m[10] ?? '',
  };
}

function pad(body: string, prefix: string, s: Spec, defaultAlign: string): string {
  if (s.width > MAX_SEQUENCE) throw new SqlTemplateError('The result of the template expression is too large');
  const len = [...prefix].length + [...body].length;
  const n = Math.max(0, s.width - len);
  const fill = s.fill.repeat(n);
  switch (s.align ?? defaultAlign) {
    case '<':
      return prefix + body + fill;
    case '^':
      return s.fill.repeat(Math.floor(n / 2)) + prefix + body + s.fill.repeat(n - Math.floor(n / 2));
    case '=':
      return prefix + fill + body;
    default:
      return fill + prefix + body;
  }
}

function group(digits: string, sep: string, every: number): string {
  if (!sep) return digits;
  let out = '';
  for (let i = digits.length; i > 0; i -= every) out = digits.slice(Math.max(0, i - every), i) + (out ? sep + out : '');
  return out;
}

function signOf(negative: boolean, s: Spec): string {
  return negative ? '-' : s.sign === '+' ? '+' : s.sign === ' ' ? ' ' : '';
}

function formatInt(n: bigint, s: Spec): string {
  if (s.precision !== undefined) throw new PyError('ValueError', 'Precision not allowed in integer format specifier');
  const neg = n < 0n;
  const abs = neg ? -n : n;
  let digits: string;
  let prefix = '';
  switch (s.type) {
    case 'b':
      digits = group(abs.toString(2), s.grouping, 4);
      if (s.alt) prefix = '0b';
      break;
    case 'o':
      digits = group(abs.toString(8), s.grouping, 4);
      if (s.alt) prefix = '0o';
      break;
    case 'x':
    case 'X':
      digits = group(abs.toString(16), s.grouping, 4);
      if (s.type === 'X') digits = digits.toUpperCase();
      if (s.alt) prefix = s.type === 'x' ? '0x' : '0X';
      break;
    case 'c':
      if (s.sign !== '-') throw new PyError('ValueError', "Sign not allowed with integer format specifier 'c'");
      return pad(String.fromCodePoint(Number(n)), '', s, '>');
    default:
      digits = group(abs.toString(), s.grouping, 3);
  }
  return pad(digits, signOf(neg, s) + prefix, s, '>');
}

/**
 * `x.toFixed(p)` with Python's round-half-even on exact ties (JavaScript rounds them up). JavaScript stops at 100
 * decimals; beyond that the digits are zeros (Python would print the rest of the binary fraction's expansion).
 */
function toFixedEven(x: number, p: number): string {
  if (p > MAX_SEQUENCE) throw new SqlTemplateError('The result of the template expression is too large');
  if (p > 100) return x.toFixed(100) + '0'.repeat(p - 100);
  const r = x.toFixed(p);
  if (p > 80 || !Number.isFinite(x)) return r;
  const exact = x.toFixed(Math.min(100, p + 20));
  const rest = exact.slice(exact.length - (Math.min(100, p + 20) - p));
  if (!/^50*$/.test(rest)) return r;
  const down = exact.slice(0, exact.length - rest.length).replace(/\.$/, '');
  const lastDigit = Number(down.replace('.', '').slice(-1));
  return lastDigit % 2 === 0 ? down : r;
}

function expForm(x: number, p: number, upper: boolean): string {
  if (p > MAX_SEQUENCE) throw new SqlTemplateError('The result of the template expression is too large');
  const [m, exp] = x.toExponential(Math.min(p, 100)).split('e') as [string, string];
  const mant = m + '0'.repeat(Math.max(0, p - 100));
  const e = Number(exp);
  const text = `${mant}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  return upper ? text.toUpperCase() : text;
}

/** Python's `g`: fixed or exponent notation by the exponent the rounded value has, trailing zeros dropped. */
function generalForm(x: number, p: number, alt: boolean, upper: boolean): string {
  if (p === 0) p = 1;
  // Past 17 significant digits a double has nothing more to show; `g` drops the zeros anyway.
  if (!alt) p = Math.min(p, 100);
  if (x === 0) return alt ? `0.${'0'.repeat(p - 1)}` : '0';
  const exp = Number(x.toExponential(p - 1).split('e')[1]);
  let text = exp >= -4 && exp < p ? toFixedEven(x, p - 1 - exp) : expForm(x, p - 1, upper);
  if (!alt) text = text.replace(/\.0+(?=e|E|$)|(\.\d*?)0+(?=e|E|$)/, '$1');
  return text;
}

function formatFloat(x: number, s: Spec): string {
  const neg = x < 0 || Object.is(x, -0);
  let a = Math.abs(x);
  const upper = s.type === 'E' || s.type === 'F' || s.type === 'G';
  let body: string;
  if (Number.isNaN(x)) body = upper ? 'NAN' : 'nan';
  else if (!Number.isFinite(x)) body = upper ? 'INF' : 'inf';
  else {
    switch (s.type) {
      case 'f':
      case 'F':
        body = toFixedEven(a, s.precision ?? 6);
        break;
      case 'e':
      case 'E':
        body = expForm(a, s.precision ?? 6, upper);
        break;
      case '%':
        a *= 100;
        body = `${toFixedEven(a, s.precision ?? 6)}%`;
        break;
      case 'g':
      case 'G':
      case 'n':
        body = generalForm(a, s.precision ?? 6, s.alt, upper);
        break;
      default:
        if (s.precision === undefined) body = floatRepr(a);
        else {
          body = generalForm(a, s.precision, s.alt, false);
          if (!/[.e]/.test(body)) body += '.0';
        }
    }
  }
  const negative = neg && !(s.z && /^[0.]*%?$/.test(body.replace(/e.*$/, ''))) && !Number.isNaN(x);
  if (s.grouping) {
    const [int, ...rest] = body.split(/(?=[.e%])/);
    body = group(int!, s.grouping, 3) + rest.join('');
  }
  return pad(body, signOf(negative, s), s, '>');
}

/** Python's `format(value, spec)`, used by f-string fields and the `format` builtin. */
export function formatValue(v: PyValue, spec: string): string {
  if (spec === '') return pyStr(v);
  const s = parseSpec(spec);
  if (isStr(v)) {
    if (s.type !== '' && s.type !== 's') throw new PyError('ValueError', `Unknown format code '${s.type}' for object of type 'str'`);
    if (s.sign !== '-') throw new PyError('ValueError', 'Sign not allowed in string format specifier');
    if (s.align === '=') throw new PyError('ValueError', "'=' alignment not allowed in string format specifier");
    const chars = [...strOf(v)];
    return pad((s.precision !== undefined ? chars.slice(0, s.precision) : chars).join(''), '', s, '<');
  }
  if (isInt(v)) {
    if ('eEfFgG%'.includes(s.type) && s.type !== '') return formatFloat(Number(intOf(v)), s);
    if (!'bcdoxXn'.includes(s.type)) throw new PyError('ValueError', `Unknown format code '${s.type}' for object of type 'int'`);
    return formatInt(intOf(v), s);
  }
  if (isFloat(v)) {
    if (s.type !== '' && !'eEfFgGn%'.includes(s.type)) {
      throw new PyError('ValueError', `Unknown format code '${s.type}' for object of type 'float'`);
    }
    return formatFloat(floatOf(v), s);
  }
  throw new PyError('TypeError', `unsupported format string passed to ${typeName(v)}.__format__`);
}

const PERCENT_RE = /%(?:\(([^)]*)\))?([-+ #0]*)(\*|\d+)?(?:\.(\*|\d+))?[hlL]?(.?)/gsu;

/** printf-style `fmt % args`. */
export function percentFormat(fmt: string, args: PyValue): string {
  const mapping = args instanceof PyDict ? args : null;
  const items = args instanceof PyTuple ? [...args.items] : [args];
  let next = 0;
  const take = (): PyValue => {
    if (next >= items.length) throw new PyError('TypeError', 'not enough arguments for format string');
    return items[next++]!;
  };
  const out = fmt.replace(PERCENT_RE, (whole, key: string | undefined, flags: string, width: string | undefined, prec: string | undefined, conv: string, offset: number) => {
    if (conv === '') throw new PyError('ValueError', 'incomplete format');
    if (conv === '%' && whole === '%%') return '%';
    let v: PyValue;
    const w = width === '*' ? Number(intOf(take() as bigint)) : width ? Number(width) : 0;
    const p = prec === '*' ? Number(intOf(take() as bigint)) : prec !== undefined ? Number(prec) : undefined;
    if (key !== undefined) {
      if (!mapping) throw new PyError('TypeError', 'format requires a mapping');
      if (!mapping.has(key)) throw new PyError('KeyError', pyRepr(key));
      v = mapping.get(key)!;
    } else if (conv === '%') v = null;
    else v = take();
    const left = flags.includes('-');
    const zero = flags.includes('0') && !left;
    const sign = flags.includes('+') ? '+' : flags.includes(' ') ? ' ' : '';
    const align = left ? '<' : '>';
    const widthText = w ? String(w) : '';
    switch (conv) {
      case '%':
        return '%';
      case 's':
      case 'r':
      case 'a': {
        const text = conv === 's' ? pyStr(v) : pyRepr(v);
        return formatValue(text, `${align}${widthText}${p !== undefined ? `.${p}` : ''}`);
      }
      case 'd':
      case 'i':
      case 'u': {
        let n: bigint;
        if (isInt(v)) n = intOf(v);
        else if (isFloat(v) && Number.isFinite(floatOf(v))) n = BigInt(Math.trunc(floatOf(v)));
        else throw new PyError('TypeError', `%${conv} format: a real number is required, not ${typeName(v)}`);
        if (p === undefined) return formatValue(n, `${zero ? '0=' : align}${sign}${widthText}d`);
        const digits = `${n < 0n ? '-' : sign}${(n < 0n ? -n : n).toString().padStart(p, '0')}`;
        return formatValue(digits, `${align}${widthText}`);
      }
      case 'x':
      case 'X':
      case 'o':
      case 'c': {
        if (conv === 'c' && isStr(v)) {
          if ([...strOf(v)].length !== 1) throw new PyError('TypeError', '%c requires an int or a unicode character, not a string of length ' + [...strOf(v)].length);
          return formatValue(strOf(v), `${align}${widthText}`);
        }
        if (!isInt(v)) throw new PyError('TypeError', `%${conv} format: an integer is required, not ${typeName(v)}`);
        return formatValue(intOf(v), `${zero ? '0=' : align}${sign}${flags.includes('#') ? '#' : ''}${widthText}${conv}`);
      }
      case 'f':
      case 'F':
      case 'e':
      case 'E':
      case 'g':
      case 'G': {
        if (!isInt(v) && !isFloat(v)) throw new PyError('TypeError', `must be real number, not ${typeName(v)}`);
        const x = isInt(v) ? Number(intOf(v)) : floatOf(v);
        return formatValue(x, `${zero ? '0=' : align}${sign}${flags.includes('#') ? '#' : ''}${widthText}.${p ?? 6}${conv}`);
      }
      default: {
        const cp = conv.codePointAt(0)!;
        throw new PyError('ValueError', `unsupported format character '${conv}' (0x${cp.toString(16)}) at index ${offset + whole.length - 1}`);
      }
    }
  });
  if (!mapping && next < items.length) throw new PyError('TypeError', 'not all arguments converted during string formatting');
  return out;
}
