// Scopes, JWTs, the rate limiter, Prometheus output and the OpenAPI document, checked without a server; the OpenAPI
// document is validated with @apidevtools/swagger-parser against the OpenAPI 3 schema.
import SwaggerParser from '@apidevtools/swagger-parser';
import { describe, expect, it } from 'vitest';
import { formatScope, parseScope, readFilters, mayAppend, type Principal } from '../../src/service/scopes.ts';
import { signJwt, verifyJwt } from '../../src/service/jwt.ts';
import { RateLimiter } from '../../src/service/rate-limit.ts';
import { formatPrometheus } from '../../src/service/format-result.ts';
import { openApiDocument, paramSchema } from '../../src/service/openapi.ts';
import { loadProject } from '../../src/datafiles/load-project.ts';
import { pipeTemplateInfo } from '../../src/service/template-vars.ts';
import { SEED_PROJECT } from '../helpers/server.ts';

describe('parseScope', () => {
  it.each([
    ['ADMIN', { type: 'ADMIN' }],
    ['TOKENS', { type: 'TOKENS' }],
    ['DATASOURCES:CREATE', { type: 'DATASOURCES:CREATE' }],
    ['DATASOURCES:APPEND:events', { type: 'DATASOURCES:APPEND', resource: 'events' }],
    ['DATASOURCES:READ:test', { type: 'DATASOURCES:READ', resource: 'test' }],
    ["DATASOURCES:READ:test:columna > 'foo:bar'", { type: 'DATASOURCES:READ', resource: 'test', filter: "columna > 'foo:bar'" }],
    ['PIPES:READ:top', { type: 'PIPES:READ', resource: 'top' }],
    ['PIPES:CREATE', { type: 'PIPES:CREATE' }],
  ])('%s', (text, scope) => {
    expect(parseScope(text)).toEqual(scope);
    expect(formatScope(parseScope(text))).toBe(text);
  });
  it.each([
    ['DATASOURCES:DROP', "scope 'DATASOURCES:DROP' requires a resource"],
    ['PIPES:READ', "scope 'PIPES:READ' requires a resource"],
    ['DATASOURCES:APPEND:events:x = 1', "filters can't only be applied to READ scope"],
    ['ADMIN:x', "scope 'ADMIN' does not take a resource"],
    ['WRITE', "Invalid scope 'WRITE'. Valid scopes are: ADMIN, TOKENS, DATASOURCES:CREATE, DATASOURCES:APPEND, DATASOURCES:READ, DATASOURCES:DROP, PIPES:CREATE, PIPES:READ, PIPES:DROP"],
  ])('refuses %s', (text, message) => {
    expect(() => parseScope(text)).toThrow(message);
  });
  it('answers permission questions', () => {
    const p: Principal = { kind: 'static', name: 't', scopes: [parseScope("DATASOURCES:READ:a:x = 1"), parseScope('DATASOURCES:READ:a:y = 2'), parseScope('DATASOURCES:READ:b'), parseScope('DATASOURCES:CREATE')] };
    expect(readFilters(p, 'a')).toEqual(['x = 1', 'y = 2']);
    expect(readFilters(p, 'b')).toEqual([]);
    expect(readFilters(p, 'c')).toBeNull();
    expect(mayAppend(p, 'anything')).toBe(true);
  });
});

describe('JWT', () => {
  const scopes = [{ type: 'PIPES:READ', resource: 'p', fixed_params: { org: 'x' } }, { type: 'DATASOURCES:READ', resource: 'd', filter: 'a = 1' }];
  it('round-trips with node:crypto HS256', () => {
    // Header and payload are base64url JSON; the signature is HMAC-SHA256 over `header.payload` (RFC 7519).
    const t = signJwt({ name: 'n', exp: 2000, scopes, limits: { rps: 5 } }, 'p.secret');
    expect(t.split('.')[0]).toBe('eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9');
    const p = verifyJwt(t, 'p.secret', 1000);
    expect(p).toEqual({ kind: 'jwt', name: 'n', scopes: [{ type: 'PIPES:READ', resource: 'p' }, { type: 'DATASOURCES:READ', resource: 'd', filter: 'a = 1' }], fixedParams: new Map([['p', { org: 'x' }]]), rps: 5 });
  });
  it.each([
    ['expired', signJwt({ name: 'n', exp: 1000, scopes }, 'p.secret'), 'p.secret', 'invalid authentication token. Signature has expired'],
    ['no exp', signJwt({ name: 'n', scopes }, 'p.secret'), 'p.secret', "JWT tokens is missing the 'exp' claim"],
    ['other key', signJwt({ name: 'n', exp: 2000, scopes }, 'p.other'), 'p.secret', 'Signature verification failed'],
    ['bad scope', signJwt({ name: 'n', exp: 2000, scopes: [{ type: 'ADMIN', resource: 'x' }] }, 'p.secret'), 'p.secret', "Invalid scope type 'ADMIN' for a JWT token"],
    ['garbage', 'abc', 'p.secret', "invalid authentication token. Invalid token b'abc': Not enough segments"],
  ])('refuses %s', (_n, token, key, message) => {
    expect(() => verifyJwt(token, key, 1500)).toThrow(message);
  });
});

describe('RateLimiter', () => {
  it('allows rps requests per one-second window and key', () => {
    const l = new RateLimiter();
    expect(l.hit('a', 2, 10_000)).toEqual({ allowed: true, limit: 2, remaining: 1, reset: 1 });
    expect(l.hit('a', 2, 10_500).allowed).toBe(true);
    expect(l.hit('a', 2, 10_999)).toEqual({ allowed: false, limit: 2, remaining: 0, reset: 1 });
    expect(l.hit('b', 2, 10_999).allowed).toBe(true);
    expect(l.hit('a', 2, 11_000).allowed).toBe(true);
  });
});

describe('formatPrometheus', () => {
  const col = (name: string, type: string) => ({ name, type });
  it('groups metrics with HELP/TYPE, labels sorted and escaped, timestamps, NaN and Inf', () => {
    const result = {
      columns: [col('name', 'VARCHAR'), col('value', 'DOUBLE'), col('help', 'VARCHAR'), col('type', 'VARCHAR'), col('timestamp', 'BIGINT')],
      rows: [
        ['a', 1.5, 'A metric', 'gauge', 1000n],
        ['a', Number.NaN, 'A metric', 'gauge', null],
        ['b', Number.POSITIVE_INFINITY, '', '', null],
      ],
    };
    expect(formatPrometheus(result)).toBe('# HELP a A metric\n# TYPE a gauge\na 1.5 1000\na NaN\n\nb +Inf\n');
  });
  it('requires name and value', () => {
    expect(() => formatPrometheus({ columns: [col('name', 'VARCHAR')], rows: [] })).toThrow("Column 'value' is required for output format 'Prometheus'");
  });
});

describe('OpenAPI', () => {
  it.each([
    ['Int32', { type: 'integer', format: 'int32' }],
    ['UInt64', { type: 'integer', format: 'int64', minimum: 0 }],
    ['Float64', { type: 'number', format: 'double' }],
    ['Boolean', { type: 'boolean' }],
    ['Date', { type: 'string', format: 'date' }],
    ['Array(Int32)', { type: 'array', items: { type: 'integer', format: 'int32' } }],
    ['String', { type: 'string' }],
  ])('maps %s', (type, schema) => {
    expect(paramSchema(type)).toEqual(schema);
  });

  it('documents every endpoint of the seed project with typed parameters, and is a valid OpenAPI 3 document', async () => {
    const project = await loadProject(SEED_PROJECT, {});
    const doc = openApiDocument(project.pipes.map((pipe) => ({ pipe, params: pipeTemplateInfo(pipe).params })), 'http://127.0.0.1:7181') as any;
    await SwaggerParser.validate(structuredClone(doc));
    const op = doc.paths['/pipes/station_analytics.json'].get;
    expect(op.parameters).toEqual([
      { name: 'start_date', in: 'query', required: false, schema: { type: 'string', format: 'date-time', description: 'YYYY-MM-DD HH:MM:SS', default: '2024-01-01 00:00:00' }, description: 'Sessions that started at or after this time' },
      { name: 'end_date', in: 'query', required: false, schema: { type: 'string', format: 'date-time', description: 'YYYY-MM-DD HH:MM:SS', default: '2024-12-31 23:59:59' }, description: 'Sessions that started at or before this time' },
      { name: 'location', in: 'query', required: false, schema: { type: 'string' }, description: 'Only this location, e.g. Main Street' },
      { name: 'limit', in: 'query', required: false, schema: { type: 'integer', format: 'int32', default: 100 }, description: 'Number of stations' },
      { name: 'q', in: 'query', required: false, description: 'SQL over the result of the pipe, which is named `_`', schema: { type: 'string' } },
    ]);
    expect(Object.keys(doc.paths).filter((p) => p.endsWith('.json')).sort()).toEqual(['/pipes/get_sessions.json', '/pipes/station_analytics.json', '/pipes/user_usage.json']);
  });

  it('the validator rejects a broken document', async () => {
    await expect(SwaggerParser.validate({ openapi: '3.0.3', info: { title: 't' }, paths: {} } as any)).rejects.toThrow();
  });
});
