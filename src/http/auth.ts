// Authentication as Tinybird's BaseHandler (spec §1.1): the token is the `token` query/form argument, else
// `Authorization: Bearer`. `p.` tokens (and whatever the store holds) are static; anything else is a JWT, accepted
// only by the handlers that say so. JWT `limits.rps` is enforced here with X-RateLimit-* headers (spec §1.4).
import type { Request, Response } from 'express';
import type { Duckbird } from '../service/duckbird.ts';
import { AppError, AuthError } from '../errors.ts';
import { verifyJwt } from '../service/jwt.ts';
import { principalOf } from '../service/tokens.ts';
import { hasScope, type Principal } from '../service/scopes.ts';
import { RateLimiter } from '../service/rate-limit.ts';

export function requestToken(req: Request): string | undefined {
  return tokenOf(req.query, req.body, req.headers.authorization);
}

/** requestToken over an already parsed query string (the Events fast path parses it once). */
export function tokenOf(query: Record<string, unknown>, body: unknown, authorization: string | undefined): string | undefined {
  const q = query.token;
  if (typeof q === 'string' && q) return q;
  if (Array.isArray(q) && typeof q[0] === 'string') return q[0];
  if (body && typeof body === 'object' && !Buffer.isBuffer(body) && typeof (body as Record<string, unknown>).token === 'string') {
    return (body as Record<string, string>).token;
  }
  if (authorization) {
    const parts = authorization.split(' ');
    if (parts.length === 2 && parts[0] === 'Bearer') return parts[1];
  }
  return undefined;
}

export interface AuthOptions {
  /** Handler name used in `Handler X does not support JWT tokens`; JWTs are refused unless `jwt` is true. */
  readonly handler: string;
  readonly jwt?: boolean;
}

export async function authenticate(app: Duckbird, req: Request, opts: AuthOptions): Promise<Principal> {
  return principalOfToken(app, requestToken(req), opts);
}

export async function principalOfToken(app: Duckbird, token: string | undefined, opts: AuthOptions): Promise<Principal> {
  if (!token) throw new AuthError();
  const stored = await app.tokens.byValue(token);
  if (stored) return principalOf(stored);
  if (token.startsWith('p.')) throw new AuthError();
  if (!opts.jwt) throw new AuthError(`Handler ${opts.handler} does not support JWT tokens`);
  return verifyJwt(token, app.adminToken, Date.now() / 1000);
}

export class ScopeRequiredError extends AuthError {}

/** 403 `token needs scope X` unless the principal is ADMIN or has one of `types`. */
export function requireScope(p: Principal, ...types: Parameters<typeof hasScope>[1][]): void {
  if (!types.some((t) => hasScope(p, t))) throw new ScopeRequiredError(`token needs scope ${types.join(' or ')}`);
}

export class RateLimitError extends AppError {
  constructor(message: string) {
    super(429, message, { documentation: 'https://docs.tinybird.co/api-reference/api-reference.html#limits' });
  }
}

const limiters = new WeakMap<Duckbird, RateLimiter>();

/** Counts a request of a JWT with `limits.rps` against `resource`; throws 429 with Retry-After when over. */
export function enforceRate(app: Duckbird, res: Response, p: Principal, resource: string): void {
  if (p.rps === undefined) return;
  let limiter = limiters.get(app);
  if (!limiter) limiters.set(app, (limiter = new RateLimiter()));
  const d = limiter.hit(`${p.name}\u0000${resource}`, p.rps, Date.now());
  res.setHeader('X-RateLimit-Limit', String(d.limit));
  res.setHeader('X-RateLimit-Remaining', String(d.remaining));
  res.setHeader('X-RateLimit-Reset', String(d.reset));
  if (!d.allowed) {
    res.setHeader('Retry-After', String(d.reset));
    throw new RateLimitError(`Too many requests: the token '${p.name}' allows ${p.rps} requests per second for '${resource}'. Retry after ${d.reset} second`);
  }
}
