// Token lookup as Tinybird's BaseHandler (spec §1.1): `token` query/form argument first, then `Authorization: Bearer`.
import type { Request } from 'express';
import { timingSafeEqual } from 'node:crypto';

export function requestToken(req: Request): string | undefined {
  const q = req.query.token;
  if (typeof q === 'string' && q) return q;
  if (Array.isArray(q) && typeof q[0] === 'string') return q[0];
  const body = req.body as unknown;
  if (body && typeof body === 'object' && !Buffer.isBuffer(body) && typeof (body as Record<string, unknown>).token === 'string') {
    return (body as Record<string, string>).token;
  }
  const header = req.headers.authorization;
  if (header) {
    const parts = header.split(' ');
    if (parts.length === 2 && parts[0] === 'Bearer') return parts[1];
  }
  return undefined;
}

export function sameToken(a: string | undefined, b: string): boolean {
  if (a === undefined) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
