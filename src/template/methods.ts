import { MAX_SEQUENCE } from './evaluate.ts';
import {
  PyDict, PyError, PyTuple, Placeholder, intOf, isInt, isStr, pyEquals, pyIter, pyRepr, strOf, typeName, type Kwargs,
  type PyValue,
} from './values.ts';

// Methods of Python's built-in types that templates use. `{{ }}` may only call split/get/join/replace (the sandbox
// refuses the rest); `{% %}` statements are plain Python and commonly use the others.

function argStr(v: PyValue | undefined, method: string): string {
  if (v !== undefined && isStr(v)) return strOf(v);
  throw new PyError('TypeError', `${method}() argument must be str, not ${typeName(v ?? null)}`);
}

function arity(method: string, args: PyValue[], min: number, max: number): void {
  if (args.length < min) throw new PyError('TypeError', `${method}() takes at least ${min} argument${min === 1 ? '' : 's'} (${args.length} given)`);
  if (args.length > max) throw new PyError('TypeError', `${method}() takes at most ${max} argument${max === 1 ? '' : 's'} (${args.length} given)`);
}

function pySplit(s: string, sep: PyValue, maxsplit: number): string[] {
  if (sep === null) {
    const out: string[] = [];
    let rest = s.replace(/^\s+/u, '');
    while (rest) {
      if (maxsplit >= 0 && out.length >= maxsplit) {
        out.push(rest.replace(/\s+$/u, ''));
        break;
      }
      const m = /\s+/u.exec(rest);
      if (!m) {
        out.push(rest);
        break;
      }
      out.push(rest.slice(0, m.index));
      rest = rest.slice(m.index + m[0].length);
    }
    return out;
  }
  const d = argStr(sep, 'split');
  if (d === '') throw new PyError('ValueError', 'empty separator');
  const parts = s.split(d);
  if (maxsplit < 0 || parts.length <= maxsplit + 1) return parts;
  return [...parts.slice(0, maxsplit), parts.slice(maxsplit).join(d)];
}

function strip(s: string, chars: PyValue | undefined, left: boolean, right: boolean): string {
  const set = chars === undefined || chars === null ? null : [...argStr(chars, 'strip')];
  const is = (c: string) => (set ? set.includes(c) : /\s/u.test(c));
  const cs = [...s];
  let a = 0;
  let b = cs.length;
  if (left) while (a < b && is(cs[a]!)) a++;
  if (right) while (b > a && is(cs[b - 1]!)) b--;
  return cs.slice(a, b).join('');
}

export function callMethod(obj: PyValue, name: string, args: PyValue[], kwargs: Kwargs): PyValue {
  if (obj instanceof Placeholder) {
    // sql_template.py Placeholder: only split(ch) and startswith(c) exist.
    if (name === 'split') {
      if (args.length + kwargs.size < 1) throw new PyError('TypeError', "Placeholder.split() missing 1 required positional argument: 'ch'");
      return [new Placeholder(), new Placeholder()];
    }
    if (name === 'startswith') return false;
  }
  if (isStr(obj)) return strMethod(strOf(obj), name, args, kwargs);
  if (Array.isArray(obj)) return listMethod(obj, name, args);
  if (obj instanceof PyDict) return dictMethod(obj, name, args, kwargs);
  if (obj instanceof PyTuple && (name === 'index' || name === 'count')) return listMethod([...obj.items], name, args);
  throw new PyError('AttributeError', `'${typeName(obj)}' object has no attribute '${name}'`);
}

function strMethod(s: string, name: string, args: PyValue[], kwargs: Kwargs): PyValue {
  const a0 = args[0];
  switch (name) {
    case 'split':
    case 'rsplit': {
      const sep = kwargs.get('sep') ?? a0 ?? null;
      const max = kwargs.get('maxsplit') ?? args[1] ?? -1n;
      if (!isInt(max)) throw new PyError('TypeError', `'${typeName(max)}' object cannot be interpreted as an integer`);
      return pySplit(s, sep, Number(intOf(max)));
    }
    case 'join': {
      arity('str.join', args, 1, 1);
      const items = pyIter(a0!);
      const parts = items.map((x, i) => {
        if (!isStr(x)) throw new PyError('TypeError', `sequence item ${i}: expected str instance, ${typeName(x)} found`);
        return strOf(x);
      });
      const out = parts.join(s);
      if (out.length > MAX_SEQUENCE) throw new PyError('OverflowError', 'join() result is too large');
      return out;
    }
    case 'replace': {
      arity('replace', args, 2, 3);
      const old = argStr(a0, 'replace');
      const rep = argStr(args[1], 'replace');
      const count = args[2] === undefined ? -1 : Number(intOf(args[2] as bigint));
      if (old === '') {
        const cs = [...s];
        const n = count < 0 ? cs.length + 1 : Math.min(count, cs.length + 1);
        let out = '';
        for (let i = 0; i < cs.length; i++) out += (i < n ? rep : '') + cs[i];
        return out + (n > cs.length ? rep : '');
      }
      const parts = s.split(old);
      if (count < 0 || parts.length <= count + 1) return parts.join(rep);
      return parts.slice(0, count + 1).join(rep) + old + parts.slice(count + 1).join(old);
    }
    case 'get':
      throw new PyError('AttributeError', "'str' object has no attribute 'get'");
    case 'strip':
      return strip(s, a0, true, true);
    case 'lstrip':
      return strip(s, a0, true, false);
    case 'rstrip':
      return strip(s, a0, false, true);
    case 'lower':
      return s.toLowerCase();
    case 'upper':
      return s.toUpperCase();
    case 'startswith':
    case 'endswith': {
      const opts = a0 instanceof PyTuple ? a0.items : [a0 ?? null];
      return opts.some((o) => (name === 'startswith' ? s.startsWith(argStr(o, name)) : s.endsWith(argStr(o, name))));
    }
    case 'find': {
      const idx = s.indexOf(argStr(a0, 'find'));
      return idx < 0 ? -1n : BigInt([...s.slice(0, idx)].length);
    }
    case 'count':
      return BigInt(argStr(a0, 'count') === '' ? [...s].length + 1 : s.split(argStr(a0, 'count')).length - 1);
    case 'isdigit':
      return s.length > 0 && /^\p{Nd}+$/u.test(s);
    case 'title':
      return s.toLowerCase().replace(/(^|[^\p{L}])(\p{L})/gu, (_, p: string, c: string) => p + c.toUpperCase());
    case 'capitalize':
      return s.slice(0, 1).toUpperCase() + s.slice(1).toLowerCase();
    default:
      throw new PyError('AttributeError', `'str' object has no attribute '${name}'`);
  }
}

function listMethod(list: PyValue[], name: string, args: PyValue[]): PyValue {
  switch (name) {
    case 'append':
      arity('list.append', args, 1, 1);
      list.push(args[0]!);
      return null;
    case 'extend':
      arity('list.extend', args, 1, 1);
      list.push(...pyIter(args[0]!));
      return null;
    case 'pop': {
      if (!list.length) throw new PyError('IndexError', 'pop from empty list');
      let i = args[0] === undefined ? list.length - 1 : Number(intOf(args[0] as bigint));
      if (i < 0) i += list.length;
      if (i < 0 || i >= list.length) throw new PyError('IndexError', 'pop index out of range');
      return list.splice(i, 1)[0]!;
    }
    case 'index': {
      const i = list.findIndex((x) => pyEquals(x, args[0] ?? null));
      if (i < 0) throw new PyError('ValueError', `${pyRepr(args[0] ?? null)} is not in list`);
      return BigInt(i);
    }
    case 'count':
      return BigInt(list.filter((x) => pyEquals(x, args[0] ?? null)).length);
    case 'copy':
      return [...list];
    default:
      throw new PyError('AttributeError', `'list' object has no attribute '${name}'`);
  }
}

function dictMethod(d: PyDict, name: string, args: PyValue[], kwargs: Kwargs): PyValue {
  switch (name) {
    case 'get':
      arity('get', args, 1, 2);
      return d.has(args[0]!) ? d.get(args[0]!)! : (args[1] ?? null);
    case 'keys':
      return d.keys();
    case 'values':
      return d.items().map((e) => e[1]);
    case 'items':
      return d.items().map(([k, v]) => new PyTuple([k, v]));
    default:
      void kwargs;
      throw new PyError('AttributeError', `'dict' object has no attribute '${name}'`);
  }
}
