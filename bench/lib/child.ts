// Child processes of the benchmark: each reference path runs in its own process so its memory is its own.
// A child reports by printing one line `RESULT <json>` on stdout.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const BENCH_DIR = join(import.meta.dirname, '..');
export const REPO_DIR = join(BENCH_DIR, '..');

/** `VmHWM` / `VmRSS` of a live process in KiB (Linux), or NaN when unreadable. */
export function procMemKb(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : NaN;
  } catch {
    return NaN;
  }
}

/** Runs `node --import tsx bench/children/<script> ...args` to completion and returns its RESULT. */
export function runChild<T>(script: string, args: readonly string[], opts: { env?: Record<string, string>; log?: (s: string) => void } = {}): Promise<T> {
  const proc = spawn(process.execPath, ['--import', 'tsx', join(BENCH_DIR, 'children', script), ...args], {
    cwd: REPO_DIR,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    proc.once('exit', (code) => {
      const m = /^RESULT (.*)$/m.exec(out);
      if (code === 0 && m) resolve(JSON.parse(m[1]!) as T);
      else reject(new Error(`${script} exited with ${code}:\n${out}\n${err}`));
    });
  });
}

/** Starts a long-running child and resolves when a stdout line matches `ready`. */
export function startChild(cmd: string[], ready: RegExp, env: Record<string, string> = {}): Promise<{ proc: ChildProcess; match: RegExpExecArray; output: () => string; started: number }> {
  const started = performance.now();
  const proc = spawn(cmd[0]!, cmd.slice(1), { cwd: REPO_DIR, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = ready.exec(out);
      if (m) {
        proc.stdout!.off('data', onData);
        proc.stdout!.on('data', (x: Buffer) => (out += x.toString()));
        resolve({ proc, match: m, output: () => out, started });
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    proc.once('exit', (code) => reject(new Error(`${cmd.join(' ')} exited with ${code} before it was ready:\n${out}`)));
  });
}

export async function stopChild(proc: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 60_000): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  proc.kill(signal);
  const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
  await exited;
  clearTimeout(timer);
}

export function reportResult(value: unknown): void {
  process.stdout.write(`RESULT ${JSON.stringify({ ...(value as object), maxRssKb: process.resourceUsage().maxRSS })}\n`);
}
