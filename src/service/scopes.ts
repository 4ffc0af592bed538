// Token scopes (spec §6.1): parsing Tinybird's `TYPE[:resource[:filter]]` strings and the permission questions every
// route asks. A Principal is whoever a request's token turned out to be: a stored static token or a verified JWT.
import { BadRequestError } from '../errors.ts';

export const SCOPE_TYPES = [
  'ADMIN',
  'TOKENS',
  'DATASOURCES:CREATE',
  'DATASOURCES:APPEND',
  'DATASOURCES:READ',
  'DATASOURCES:DROP',
  'PIPES:CREATE',
  'PIPES:READ',
  'PIPES:DROP',
] as const;

export type ScopeType = (typeof SCOPE_TYPES)[number];

/** Scopes that name a resource (spec §6.1 "resource required"). */
const WITH_RESOURCE: ReadonlySet<ScopeType> = new Set(['DATASOURCES:APPEND', 'DATASOURCES:READ', 'DATASOURCES:DROP', 'PIPES:READ', 'PIPES:DROP']);

export interface Scope {
  readonly type: ScopeType;
  readonly resource?: string;
  /** ClickHouse SQL boolean expression: the rows of `resource` this scope may read. */
  readonly filter?: string;
}

export class ScopeError extends BadRequestError {}

/**
 * `"DATASOURCES:READ:test:columna > 'foo:bar'"` → type, resource `test`, filter `columna > 'foo:bar'`: the filter is
 * everything after the resource, colons included (SRV/tok splits at most twice after the type).
 */
export function parseScope(text: string): Scope {
  const s = text.trim();
  const type = SCOPE_TYPES.filter((t) => s === t || s.startsWith(`${t}:`)).sort((a, b) => b.length - a.length)[0];
  if (!type) throw new ScopeError(`Invalid scope '${s}'. Valid scopes are: ${SCOPE_TYPES.join(', ')}`);
  const rest = s.slice(type.length + 1);
  if (!WITH_RESOURCE.has(type)) {
    if (rest !== '') throw new ScopeError(`scope '${type}' does not take a resource`);
    return { type };
  }
  const colon = rest.indexOf(':');
  const resource = (colon < 0 ? rest : rest.slice(0, colon)).trim();
  const filter = colon < 0 ? '' : rest.slice(colon + 1).trim();
  return makeScope(type, resource, filter);
}

/** Validates a scope given as parts (the JSON form used by the Tokens API and JWTs). */
export function makeScope(type: string, resource: string | undefined, filter: string | undefined): Scope {
  const t = SCOPE_TYPES.find((x) => x === type);
  if (!t) throw new ScopeError(`Invalid scope '${type}'. Valid scopes are: ${SCOPE_TYPES.join(', ')}`);
  if (WITH_RESOURCE.has(t) && !resource) throw new ScopeError(`scope '${t}' requires a resource`);
  if (filter && t !== 'DATASOURCES:READ' && t !== 'PIPES:READ') throw new ScopeError("filters can't only be applied to READ scope");
  const out: { type: ScopeType; resource?: string; filter?: string } = { type: t };
  if (WITH_RESOURCE.has(t)) out.resource = resource;
  if (filter) out.filter = filter;
  return out;
}

export function formatScope(s: Scope): string {
  return [s.type, s.resource, s.filter].filter((x) => x !== undefined && x !== '').join(':');
}

export function sameScope(a: Scope, b: Scope): boolean {
  return a.type === b.type && (a.resource ?? '') === (b.resource ?? '') && (a.filter ?? '') === (b.filter ?? '');
}

export interface Principal {
  readonly kind: 'static' | 'jwt';
  readonly name: string;
  readonly scopes: readonly Scope[];
  /** JWT `fixed_params` per pipe name: they override request parameters (spec §3.3). */
  readonly fixedParams?: ReadonlyMap<string, Readonly<Record<string, unknown>>>;
  /** JWT `limits.rps`. */
  readonly rps?: number;
}

export function isAdmin(p: Principal): boolean {
  return p.scopes.some((s) => s.type === 'ADMIN');
}

export function hasScope(p: Principal, type: ScopeType, resource?: string): boolean {
  return isAdmin(p) || p.scopes.some((s) => s.type === type && (resource === undefined || s.resource === resource));
}

/** spec §2.3 `may_append_ds`: ADMIN, DATASOURCES:CREATE, or DATASOURCES:APPEND on that data source. */
export function mayAppend(p: Principal, datasource: string): boolean {
  return hasScope(p, 'DATASOURCES:CREATE') || hasScope(p, 'DATASOURCES:APPEND', datasource);
}

export function mayReadPipe(p: Principal, pipe: string): boolean {
  return hasScope(p, 'PIPES:READ', pipe);
}

/**
 * How `p` may read data source `ds`: `null` when not at all, `[]` with no row filter, else the filters (a row is
 * visible when any of them holds). A READ scope without a filter wins over filtered ones.
 */
export function readFilters(p: Principal, ds: string): string[] | null {
  if (isAdmin(p)) return [];
  const scopes = p.scopes.filter((s) => s.type === 'DATASOURCES:READ' && s.resource === ds);
  if (scopes.length === 0) return null;
  if (scopes.some((s) => !s.filter)) return [];
  return scopes.map((s) => s.filter!);
}
