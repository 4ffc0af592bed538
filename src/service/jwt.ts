// JWTs (spec §6.5): HS256, signed with the workspace admin token string; `exp` required and enforced. Only the three
// scope types Tinybird documents for JWTs are accepted, each with its extra field (`fixed_params`, `filter`).
import { createHmac, timingSafeEqual } from 'node:crypto';
import { AuthError, BadRequestError } from '../errors.ts';
import { makeScope, type Principal, type Scope } from './scopes.ts';

const JWT_SCOPES = ['PIPES:READ', 'DATASOURCES:READ', 'DATASOURCES:APPEND'];

export interface JwtScope {
  readonly type: string;
  readonly resource: string;
  readonly fixed_params?: Record<string, unknown>;
  readonly filter?: string;
}

export interface JwtPayload {
  readonly workspace_id?: string;
  readonly name: string;
  readonly exp: number;
  readonly scopes: readonly JwtScope[];
  readonly limits?: { readonly rps?: number };
  readonly [k: string]: unknown;
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

export function signJwt(payload: Readonly<Record<string, unknown>>, secret: string): string {
  const head = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const body = b64url(JSON.stringify(payload));
  const sig = b64url(createHmac('sha256', secret).update(`${head}.${body}`).digest());
  return `${head}.${body}.${sig}`;
}

/** The JWT's scopes as Scopes; throws BadRequestError for what Tinybird refuses when minting. */
export function jwtScopes(scopes: unknown): { scopes: Scope[]; fixedParams: Map<string, Record<string, unknown>> } {
  if (!Array.isArray(scopes) || scopes.length === 0) throw new BadRequestError('JWT tokens need at least one scope');
  const out: Scope[] = [];
  const fixedParams = new Map<string, Record<string, unknown>>();
  for (const s of scopes as unknown[]) {
    if (!s || typeof s !== 'object') throw new BadRequestError('Invalid scope: each scope must be an object with type and resource');
    const { type, resource, fixed_params: fixed, filter } = s as Record<string, unknown>;
    if (typeof type !== 'string' || !JWT_SCOPES.includes(type)) {
      throw new BadRequestError(`Invalid scope type '${String(type)}' for a JWT token. Valid types are: ${JWT_SCOPES.join(', ')}`);
    }
    if (typeof resource !== 'string' || !resource) throw new BadRequestError(`scope '${type}' requires a resource`);
    if (filter !== undefined && typeof filter !== 'string') throw new BadRequestError('filter must be a string');
    out.push(makeScope(type, resource, type === 'DATASOURCES:READ' ? (filter as string | undefined) : undefined));
    if (fixed !== undefined) {
      if (type !== 'PIPES:READ' || !fixed || typeof fixed !== 'object' || Array.isArray(fixed)) throw new BadRequestError('fixed_params must be an object in a PIPES:READ scope');
      fixedParams.set(resource, { ...(fixedParams.get(resource) ?? {}), ...(fixed as Record<string, unknown>) });
    }
  }
  return { scopes: out, fixedParams };
}

/** Verifies `token` against `secret` at `now` (unix seconds) and returns who it is; AuthError (403) otherwise. */
export function verifyJwt(token: string, secret: string, now: number): Principal {
  const parts = token.split('.');
  const invalid = (why: string) => new AuthError(`invalid authentication token. Invalid token b'${token}': ${why}`);
  if (parts.length !== 3) throw invalid('Not enough segments');
  let header: Record<string, unknown>;
  let payload: JwtPayload;
  try {
    header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')) as Record<string, unknown>;
    payload = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as JwtPayload;
  } catch {
    throw invalid('Invalid header padding');
  }
  if (header.alg !== 'HS256') throw invalid('The specified alg value is not allowed');
  const expected = createHmac('sha256', secret).update(`${parts[0]}.${parts[1]}`).digest();
  const given = Buffer.from(parts[2]!, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid('Signature verification failed');
  if (!payload || typeof payload !== 'object') throw invalid('Invalid payload');
  if (payload.exp === undefined) throw new AuthError("JWT tokens is missing the 'exp' claim");
  if (typeof payload.exp !== 'number') throw invalid('Expiration Time claim (exp) must be a number.');
  if (payload.exp <= now) throw new AuthError('invalid authentication token. Signature has expired');
  let parsed: ReturnType<typeof jwtScopes>;
  try {
    parsed = jwtScopes(payload.scopes);
  } catch (e) {
    throw invalid((e as Error).message);
  }
  const rps = payload.limits?.rps;
  return {
    kind: 'jwt',
    name: typeof payload.name === 'string' ? payload.name : '',
    scopes: parsed.scopes,
    fixedParams: parsed.fixedParams,
    ...(typeof rps === 'number' && rps > 0 ? { rps } : {}),
  };
}
