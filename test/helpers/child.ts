// Runs the real `duckbird` command as a child process (for exit codes, signals and kill -9).
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export const BIN = join(import.meta.dirname, '../../bin/duckbird.js');

export interface Child {
  readonly proc: ChildProcess;
  readonly url: string;
  readonly token: string;
  output(): string;
  exited: Promise<number | null>;
}

/** Starts `duckbird start ...args` and resolves once it printed its ready line. */
export function startChild(args: string[], env: Record<string, string> = {}): Promise<Child> {
  const proc = spawn(process.execPath, [BIN, 'start', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d.toString();
      const ready = /duckbird ready at (\S+)/.exec(out);
      const token = /admin token: (\S+)/.exec(out);
      if (ready && token) resolve({ proc, url: ready[1]!, token: token[1]!, output: () => out, exited });
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    void exited.then((code) => reject(new Error(`duckbird exited with ${code} before it was ready:\n${out}`)));
  });
}

/** Runs `duckbird ...args` to completion. */
export function runCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const proc = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => proc.once('exit', (code) => resolve({ code, stdout, stderr })));
}
