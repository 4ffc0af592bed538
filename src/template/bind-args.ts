import { PyError, type Kwargs, type PyValue } from './values.ts';

const REQUIRED = Symbol('required');
export type Param = string | [string, PyValue];

/** Python's argument binding for `def fn(a, b=..., ...)`, with CPython's TypeError texts. */
export function bindArgs(fn: string, params: readonly Param[], args: PyValue[], kwargs: Kwargs): PyValue[] {
  const names = params.map((p) => (typeof p === 'string' ? p : p[0]));
  const out: (PyValue | typeof REQUIRED)[] = params.map((p) => (typeof p === 'string' ? REQUIRED : p[1]));
  if (args.length > params.length) {
    const min = params.filter((p) => typeof p === 'string').length;
    const range = min === params.length ? `${min}` : `from ${min} to ${params.length}`;
    const s = params.length === 1 ? '' : 's';
    throw new PyError('TypeError', `${fn}() takes ${range} positional argument${s} but ${args.length} ${args.length === 1 ? 'was' : 'were'} given`);
  }
  args.forEach((a, i) => (out[i] = a));
  for (const [k, v] of kwargs) {
    const i = names.indexOf(k);
    if (i < 0) throw new PyError('TypeError', `${fn}() got an unexpected keyword argument '${k}'`);
    if (i < args.length) throw new PyError('TypeError', `${fn}() got multiple values for argument '${k}'`);
    out[i] = v;
  }
  const missing = names.filter((_, i) => out[i] === REQUIRED);
  if (missing.length) {
    const list = missing.map((m) => `'${m}'`);
    const text = list.length === 1 ? list[0] : `${list.slice(0, -1).join(', ')} and ${list[list.length - 1]}`;
    throw new PyError('TypeError', `${fn}() missing ${missing.length} required positional argument${missing.length === 1 ? '' : 's'}: ${text}`);
  }
  return out as PyValue[];
}
