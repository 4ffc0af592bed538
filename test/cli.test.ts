// The `duckbird` command as users run it: flags, environment, errors with exit codes, and a clean shutdown.
import { mkdtemp, rm, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, startChild, type Child } from './helpers/child.ts';
import { SEED_PROJECT } from './helpers/server.ts';

const dirs: string[] = [];
const children: Child[] = [];
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'duckbird-cli-'));
  dirs.push(d);
  return d;
}
afterEach(async () => {
  for (const c of children.splice(0)) c.proc.kill('SIGKILL');
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

describe('duckbird CLI', () => {
  it('prints help', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: duckbird start [--project DIR] [--data DIR] [--port N] [--host H]');
    expect(r.stdout).toContain('DUCKBIRD_PORT');
  });

  const bad: [string, string[], Record<string, string>, string][] = [
    ['an unknown flag', ['start', '--nope'], {}, "duckbird: unknown flag '--nope' (see duckbird --help)"],
    ['a flag without value', ['start', '--port'], {}, "duckbird: flag '--port' needs a value"],
    ['a bad port', ['start', '--port', 'abc'], {}, 'duckbird: invalid value "abc" for --port'],
    ['a bad port from the environment', ['start'], { DUCKBIRD_PORT: '99999' }, 'duckbird: invalid value "99999" for environment variable DUCKBIRD_PORT'],
    ['an unknown command', ['serve'], {}, "duckbird: unknown command 'serve'"],
  ];
  it.each(bad)('refuses %s with exit code 2', async (_name, args, env, message) => {
    const r = await runCli(args, env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });

  it('refuses a missing project folder', async () => {
    const data = await tempDir();
    const r = await runCli(['start', '--project', join(data, 'missing'), '--data', data, '--port', '0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`duckbird: cannot read ${join(data, 'missing')}`);
  });

  it('refuses a busy port', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    try {
      const r = await runCli(['start', '--project', SEED_PROJECT, '--data', await tempDir(), '--port', String(port)]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`duckbird: port ${port} on 127.0.0.1 is already in use`);
    } finally {
      blocker.close();
    }
  });

  it('generates an admin token once, keeps it, and loses no accepted row on SIGTERM', async () => {
    const data = await tempDir();
    const args = ['--project', SEED_PROJECT, '--data', data, '--port', '0', '--fixtures', '0'];
    const first = await startChild(args, { TB_ADMIN_TOKEN: '' });
    children.push(first);
    expect(first.token).toMatch(/^p\./);
    expect((await readFile(join(data, '_admin_token'), 'utf8')).trim()).toBe(first.token);
    const rows = Array.from({ length: 50 }, (_, i) => JSON.stringify({ session_id: `s${i}`, station_id: 'st', user_id: 'u', start_time: '2024-03-01 10:00:00', end_time: '2024-03-01 11:00:00', energy_consumed: i, amount_paid: 1, charging_type: 'AC', location: 'X', timestamp: '2024-03-01 10:00:00' }));
    for (const row of rows) {
      const res = await fetch(`${first.url}/v0/events?name=charging_sessions&token=${first.token}`, { method: 'POST', body: row });
      expect(res.status).toBe(202);
    }
    first.proc.kill('SIGTERM');
    expect(await first.exited).toBe(0);

    const second = await startChild(args, { TB_ADMIN_TOKEN: '' });
    children.push(second);
    expect(second.token).toBe(first.token);
    const res = await fetch(`${second.url}/v0/sql?q=${encodeURIComponent('SELECT count() AS c, sum(energy_consumed) AS e FROM charging_sessions')}&token=${second.token}`);
    expect(((await res.json()) as { data: unknown }).data).toEqual([{ c: 50, e: (49 * 50) / 2 }]);
  });
});
