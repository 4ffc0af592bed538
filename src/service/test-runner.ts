// `duckbird test`: runs a project's Tinybird test files (`tests/<pipe>.yaml`) against a running instance. Each case
// requests `/v0/pipes/<pipe>.ndjson?<parameters>` and compares the status and the rows with the expectation, as
// `tb test run` does: row order matters and values are compared as JSON. `update` rewrites the expectations from
// the current answers (`tb test update`).
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { formatTestYaml, parseTestYaml, type YamlMapping } from './test-yaml.ts';

export interface TestCase {
  readonly name: string;
  readonly description: string | null;
  readonly parameters: string;
  readonly expectedResult: string;
  readonly expectedHttpStatus: number;
}

export interface CaseResult {
  readonly file: string;
  readonly pipe: string;
  readonly name: string;
  readonly passed: boolean;
  /** Empty when passed; otherwise what differs, one line each. */
  readonly diff: readonly string[];
  readonly status: number;
  readonly body: string;
}

export interface TestRun {
  readonly results: readonly CaseResult[];
  /** Problems with the test files themselves (`file:line: message`). */
  readonly errors: readonly string[];
  /** Files rewritten by `update`. */
  readonly updated: readonly string[];
}

function toCase(m: YamlMapping, file: string, index: number): TestCase {
  const name = m.name;
  if (typeof name !== 'string' || name === '') throw new Error(`${file}: test #${index + 1} has no name`);
  const status = m.expected_http_status ?? 200;
  if (typeof status !== 'number') throw new Error(`${file}: test ${name}: expected_http_status must be a number`);
  const params = m.parameters ?? '';
  return {
    name,
    description: m.description === undefined || m.description === null ? null : String(m.description),
    parameters: String(params).replace(/^\?/, ''),
    expectedResult: m.expected_result === undefined || m.expected_result === null ? '' : String(m.expected_result),
    expectedHttpStatus: status,
  };
}

/** NDJSON text → one JSON value per non-empty line; a line that is not JSON stays text. */
function rowsOf(text: string): unknown[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      try {
        return JSON.parse(l) as unknown;
      } catch {
        return l.trim();
      }
    });
}

function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => k in b && jsonEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

const show = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

/** Row-by-row differences between expected and actual rows, `row N` numbered from 1. */
export function diffRows(expected: readonly unknown[], actual: readonly unknown[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < Math.max(expected.length, actual.length); i++) {
    if (i < expected.length && i < actual.length && jsonEqual(expected[i], actual[i])) continue;
    if (i < expected.length) out.push(`row ${i + 1} - expected ${show(expected[i])}`);
    if (i < actual.length) out.push(`row ${i + 1} + actual   ${show(actual[i])}`);
  }
  return out;
}

async function testFiles(projectDir: string): Promise<string[]> {
  const dir = join(projectDir, 'tests');
  const entries = await readdir(dir, { withFileTypes: true }).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return [];
    throw e;
  });
  return entries
    .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name))
    .map((e) => join(dir, e.name))
    .sort();
}

export interface RunOptions {
  readonly update?: boolean;
  /** Called after each case, for progress output. */
  readonly onResult?: (r: CaseResult) => void;
}

export async function runTests(baseUrl: string, token: string, projectDir: string, opts: RunOptions = {}): Promise<TestRun> {
  const results: CaseResult[] = [];
  const errors: string[] = [];
  const updated: string[] = [];
  for (const path of await testFiles(projectDir)) {
    const file = relative(projectDir, path);
    const pipe = basename(path).replace(/\.ya?ml$/, '');
    let mappings: YamlMapping[];
    let cases: TestCase[];
    try {
      mappings = parseTestYaml(await readFile(path, 'utf8'), file);
      cases = mappings.map((m, i) => toCase(m, file, i));
    } catch (e) {
      errors.push(e instanceof Error ? e.message : String(e));
      continue;
    }
    const rewritten: YamlMapping[] = [];
    for (const [i, c] of cases.entries()) {
      const url = `${baseUrl}/v0/pipes/${encodeURIComponent(pipe)}.ndjson${c.parameters ? `?${c.parameters}` : ''}`;
      const res = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
      const body = await res.text();
      const diff: string[] = [];
      if (res.status !== c.expectedHttpStatus) diff.push(`status - expected ${c.expectedHttpStatus}\nstatus + actual   ${res.status}`);
      diff.push(...diffRows(rowsOf(c.expectedResult), rowsOf(body)));
      const result: CaseResult = { file, pipe, name: c.name, passed: diff.length === 0, diff, status: res.status, body };
      results.push(result);
      opts.onResult?.(result);
      rewritten.push({ ...mappings[i]!, expected_result: body, expected_http_status: res.status });
    }
    // Files whose cases all pass keep their text (comments, quoting); the others are written out again.
    if (opts.update && results.some((r) => r.file === file && !r.passed)) {
      await writeFile(path, formatTestYaml(rewritten));
      updated.push(file);
    }
  }
  return { results, errors, updated };
}
