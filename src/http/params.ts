// Request parameters as Tinybird collects them (spec §3.3, §4.1): query string arguments merged with a form or JSON
// object body. Repeated keys keep every value (templates' Array() reads them); API parameters are removed by the caller.
import type { Request } from 'express';
import { BadRequestError } from '../errors.ts';

export type RawParams = Record<string, string | string[]>;

export function requestParams(req: Request): RawParams {
  const out: RawParams = {};
  const add = (k: string, v: unknown) => {
    if (v === undefined || v === null) return;
    if (Array.isArray(v)) out[k] = v.map((x) => (typeof x === 'string' ? x : JSON.stringify(x)));
    else out[k] = typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);
  };
  for (const [k, v] of Object.entries(req.query)) add(k, v);
  const body = req.body as unknown;
  if (body && typeof body === 'object' && !Buffer.isBuffer(body)) for (const [k, v] of Object.entries(body)) add(k, v);
  return out;
}

export function firstValue(p: RawParams, key: string): string | undefined {
  const v = p[key];
  return Array.isArray(v) ? v[0] : v;
}

/** `0|1` settings such as output_format_json_quote_64bit_integers (spec §3.3). */
export function zeroOrOne(p: RawParams, key: string): boolean {
  const v = firstValue(p, key);
  if (v === undefined || v === '') return false;
  if (v !== '0' && v !== '1') throw new BadRequestError(`${key} must be 0 or 1`);
  return v === '1';
}
