// The README's settings table is derived from src/config.ts: every setting appears with its flag, variable and help.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SETTINGS } from '../src/config.ts';

const readme = readFileSync(join(import.meta.dirname, '../README.md'), 'utf8');

describe('README', () => {
  it.each(Object.values(SETTINGS).map((s) => [s.name, s] as const))('documents the %s setting', (_n, s) => {
    const flag = `--${s.name.replaceAll('_', '-')}`;
    const row = readme.split('\n').find((l) => l.startsWith(`| \`${flag}\``));
    expect(row, `README settings table has no row for ${flag}`).toBeDefined();
    expect(row).toContain(`\`${s.env}\``);
  });
  it('shows the two commands', () => {
    expect(readme).toContain('npm install && npm start');
    expect(readme).toContain('npm test');
  });
});
