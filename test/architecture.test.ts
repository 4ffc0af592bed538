// Keeps the stage boundaries of design.md honest: imports flow one way, only engine/ touches DuckDB, only http/
// touches Express, and only main.ts reads the process environment or exits.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '../src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

const ALLOWED: Record<string, string[]> = {
  datafiles: ['datafiles', 'errors'],
  template: ['template', 'errors'],
  sql: ['sql', 'errors'],
  engine: ['engine', 'errors'],
  storage: ['storage', 'engine', 'sql', 'datafiles', 'errors'],
  service: ['service', 'storage', 'engine', 'sql', 'template', 'datafiles', 'errors', 'config'],
  http: ['http', 'service', 'errors', 'config'],
};

const stageOf = (file: string) => relative(SRC, file).split('/')[0]!.replace(/\.ts$/, '');

describe('architecture', () => {
  const all = files(SRC);
  it.each(all.map((f) => [relative(SRC, f), f]))('%s imports only what its stage may', (_name, file) => {
    const stage = stageOf(file);
    const text = readFileSync(file, 'utf8');
    const imports = [...text.matchAll(/^\s*(?:import|export)[^'"]*from\s+'([^']+)'/gm)].map((m) => m[1]!);
    for (const spec of imports) {
      if (spec.startsWith('.')) {
        const target = stageOf(join(file, '..', spec));
        if (ALLOWED[stage]) expect(ALLOWED[stage], `${relative(SRC, file)} imports ${spec}`).toContain(target);
      } else {
        if (spec.startsWith('@duckdb/')) expect(stage, `${relative(SRC, file)} imports DuckDB`).toBe('engine');
        if (spec === 'express') expect(stage, `${relative(SRC, file)} imports express`).toBe('http');
      }
    }
    if (stage !== 'main') {
      expect(text, 'process.env is read only in main.ts').not.toMatch(/process\.env/);
      expect(text, 'process.exit is called only in main.ts').not.toMatch(/process\.exit/);
    }
    if (['datafiles', 'template', 'sql'].includes(stage) && !file.endsWith('load-project.ts')) {
      expect(text, 'pure stages do no I/O').not.toMatch(/from 'node:(fs|net|http|child_process)/);
    }
  });
});
