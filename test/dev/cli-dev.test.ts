// `duckbird test` (pass, fail with a diff, --update) and readiness of `duckbird start`, run as the real command.
import { spawn } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, runCli } from '../helpers/child.ts';

const PROJECT = join(import.meta.dirname, 'project');
const temps: string[] = [];
afterEach(async () => {
  for (const t of temps.splice(0)) await rm(t, { recursive: true, force: true });
});

async function projectCopy(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'duckbird-project-'));
  temps.push(dir);
  await cp(PROJECT, dir, { recursive: true });
  return dir;
}

describe('duckbird test', () => {
  it('passes the project tests with the fixtures loaded', async () => {
    const r = await runCli(['test', '--project', PROJECT]);
    expect(r.stdout).toBe(
      ['PASS top_pages all_pages', 'PASS top_pages one_user', 'PASS top_pages bad_limit', 'PASS user_list csv_fixture_rows', '4 passed, 0 failed', ''].join('\n'),
    );
    expect(r.code).toBe(0);
  });

  it('fails with exit code 1 and a row diff; --update rewrites the expectations', async () => {
    const dir = await projectCopy();
    const file = join(dir, 'tests/top_pages.yaml');
    const original = await readFile(file, 'utf8');
    await writeFile(file, original.replace('{"page":"/pricing","views":1}', '{"page":"/pricing","views":7}').replace('user=u2&limit=5', 'user=u1&limit=5'));
    const r = await runCli(['test', '--project', dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(
      [
        'FAIL top_pages all_pages',
        '     row 2 - expected {"page":"/pricing","views":7}',
        '     row 2 + actual   {"page":"/pricing","views":1}',
        'FAIL top_pages one_user',
        '     row 2 + actual   {"page":"/pricing","views":1}',
        'PASS top_pages bad_limit',
        'PASS user_list csv_fixture_rows',
        '2 passed, 2 failed',
        '',
      ].join('\n'),
    );

    const u = await runCli(['test', '--update', '--project', dir]);
    expect(u.code).toBe(0);
    expect(u.stdout).toContain('updated tests/top_pages.yaml\n4 tests, 1 files updated\n');
    const updated = await readFile(file, 'utf8');
    expect(updated).toContain('- name: one_user\n  description: only u2\'s views\n  parameters: user=u1&limit=5\n  expected_result: |\n    {"page":"/home","views":1}\n    {"page":"/pricing","views":1}\n  expected_http_status: 200\n');
    expect(updated).toContain('  expected_result: |\n    {"page":"/home","views":2}\n    {"page":"/pricing","views":1}\n');
    const again = await runCli(['test', '--project', dir]);
    expect(again.stdout).toContain('4 passed, 0 failed');
    expect(again.code).toBe(0);
  });

  it('reports a broken test file with its line and fails', async () => {
    const dir = await projectCopy();
    await writeFile(join(dir, 'tests/user_list.yaml'), '- name: x\n    bad: indent\n');
    const r = await runCli(['test', '--project', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('tests/user_list.yaml:2: unexpected indentation (expected 2 spaces)');
    expect(r.stdout).toContain('3 passed, 0 failed, 1 test files with errors');
  });
});

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

describe('readiness', () => {
  it('answers /v0/health only once the project and fixtures are loaded, and prints one ready line', async () => {
    const port = await freePort();
    const proc = spawn(process.execPath, [BIN, 'start', '--project', PROJECT, '--ephemeral', '--port', String(port), '--admin-token', 'p.ready'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    try {
      const started = Date.now();
      let status = 0;
      while (Date.now() - started < 20_000) {
        status = await fetch(`http://127.0.0.1:${port}/v0/health`).then((r) => r.status, () => 0);
        if (status !== 0) break;
        await new Promise((r) => setTimeout(r, 10));
      }
      expect(status).toBe(200);
      // The first answer already sees the fixture rows.
      const res = await fetch(`http://127.0.0.1:${port}/v0/pipes/top_pages.json?token=p.ready`);
      expect(((await res.json()) as { data: unknown[] }).data).toEqual([{ page: '/home', views: 2 }, { page: '/pricing', views: 1 }]);
      expect(out).toMatch(new RegExp(`^duckbird ready at http://127\\.0\\.0\\.1:${port} \\(2 data sources, 2 pipes, ephemeral\\) admin token: p\\.ready\\n$`));
    } finally {
      proc.kill('SIGTERM');
      await exited;
    }
  });
});
