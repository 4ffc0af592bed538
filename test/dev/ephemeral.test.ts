// `--ephemeral` data folders: removed at a clean exit; after a kill -9 the next start (ephemeral or not) removes
// them once their process is gone, and nothing else. TMPDIR points the children at a folder of this test's own.
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChild } from '../helpers/child.ts';

const PROJECT = join(import.meta.dirname, 'project');

describe('--ephemeral folders', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'duckbird-ephemeral-test-'));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  const ephemeralDirsOf = async (pid: number) => (await readdir(root)).filter((n) => n.startsWith(`duckbird-ephemeral-${pid}-`));

  it('are removed at a clean exit', async () => {
    const child = await startChild(['--ephemeral', '--project', PROJECT, '--port', '0'], { TMPDIR: root });
    const [dir] = await ephemeralDirsOf(child.proc.pid!);
    expect(dir).toMatch(/^duckbird-ephemeral-\d+-[A-Za-z0-9]{6}$/);
    expect(existsSync(join(root, dir!, '_tokens.json'))).toBe(true);
    child.proc.kill('SIGTERM');
    expect(await child.exited).toBe(0);
    expect(await ephemeralDirsOf(child.proc.pid!)).toEqual([]);
  }, 30_000);

  it('left by kill -9 are removed by the next start, which touches nothing else', async () => {
    const killed = await startChild(['--ephemeral', '--project', PROJECT, '--port', '0'], { TMPDIR: root });
    const deadPid = killed.proc.pid!;
    const [stale] = await ephemeralDirsOf(deadPid);
    killed.proc.kill('SIGKILL');
    await killed.exited;
    expect(existsSync(join(root, stale!))).toBe(true);

    // Look-alikes that must stay: a folder of a live process, one without the marker, a plain data dir.
    const live = `duckbird-ephemeral-${process.pid}-aaaaaa`;
    await mkdir(join(root, live));
    await writeFile(join(root, live, '.duckbird-ephemeral'), `${process.pid}\n`);
    const unmarked = `duckbird-ephemeral-${deadPid}-bbbbbb`;
    await mkdir(join(root, unmarked));
    await writeFile(join(root, unmarked, 'keep.txt'), 'not made by duckbird');
    const data = join(root, 'data');

    const next = await startChild(['--project', PROJECT, '--data', data, '--port', '0'], { TMPDIR: root });
    try {
      expect(next.output()).toContain(`removed ${join(root, stale!)}, the ephemeral data folder of process ${deadPid}, which is gone`);
      expect(existsSync(join(root, stale!))).toBe(false);
      // (tsx keeps its cache in TMPDIR too.)
      expect((await readdir(root)).filter((n) => !n.startsWith('tsx-')).sort()).toEqual(['data', live, unmarked].sort());
      expect(existsSync(join(data, '_tokens.json'))).toBe(true);
    } finally {
      next.proc.kill('SIGTERM');
      await next.exited;
    }
    expect(existsSync(join(data, '_tokens.json'))).toBe(true);
  }, 30_000);
});
