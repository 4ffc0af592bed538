// `duckbird tokens`: an operator lists and creates tokens without reading the data dir, and a running server
// accepts a token created by the command at its first use.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/child.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const PROJECT = join(import.meta.dirname, 'fixtures/scoped');
let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ project: PROJECT, fixtures: false });
});
afterAll(async () => {
  await s?.close();
});

describe('duckbird tokens', () => {
  const flags = () => ['--data', s.dataDir, '--project', PROJECT, '--admin-token', s.token];

  it('lists the admin and datafile tokens', async () => {
    const r = await runCli(['tokens', ...flags()]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => l.split('\t'));
    expect(lines.map(([name, scopes]) => [name, scopes])).toEqual([
      ['admin token', 'ADMIN'],
      ['tracker', 'DATASOURCES:APPEND:events'],
      ['reader', 'DATASOURCES:READ:events'],
      ['dashboard', 'PIPES:READ:by_org PIPES:READ:orgs_count'],
    ]);
    expect(lines[0]![2]).toBe(s.token);
  });

  it('creates a token that the running server accepts', async () => {
    const r = await runCli(['tokens', 'create', 'ops', 'PIPES:READ:by_org', "DATASOURCES:READ:events:org = 'acme'", ...flags()]);
    expect(r.code).toBe(0);
    const token = r.stdout.trim();
    expect(token).toMatch(/^p\.[\w-]+\.[\w-]+$/);
    const res = await fetch(`${s.url}/v0/pipes/by_org.json`, { headers: { Authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
  });

  it.each([
    [['tokens', 'create', 'x'], 'duckbird: tokens create needs a name and at least one scope'],
    [['tokens', 'create', 'y', 'PIPES:READ'], "duckbird: scope 'PIPES:READ' requires a resource"],
    [['tokens', 'create', 'tracker', 'TOKENS'], 'duckbird: Token with name "tracker" already exists'],
    [['tokens', 'frobnicate'], "duckbird: unknown tokens command 'frobnicate'"],
  ])('refuses %j with exit code 2', async (args, message) => {
    const r = await runCli([...args, ...flags()]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });
});
