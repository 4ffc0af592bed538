import { describe, expect, it } from 'vitest';
import { splitLine, unquote } from '../../src/datafiles/split-line.ts';
import { substituteVars } from '../../src/datafiles/substitute-vars.ts';

describe('splitLine (shlex, non-POSIX, whitespace_split)', () => {
  it.each<[string, string[] | null]>([
    ['ENGINE MergeTree', ['ENGINE', 'MergeTree']],
    ['ENGINE "MergeTree"', ['ENGINE', '"MergeTree"']],
    ['ENGINE_SORTING_KEY "a, b"', ['ENGINE_SORTING_KEY', '"a, b"']],
    ['ENGINE_SORTING_KEY a,   b', ['ENGINE_SORTING_KEY', 'a,', 'b']],
    ['TOKEN "read api" READ', ['TOKEN', '"read api"', 'READ']],
    ["TOKEN 'x y' APPEND", ['TOKEN', "'x y'", 'APPEND']],
    ['ENGINE MergeTree # trailing comment', ['ENGINE', 'MergeTree']],
    ['ENGINE Merge#Tree', ['ENGINE', 'Merge']],
    ['   # only a comment', []],
    ['', []],
    ['\t  ', []],
    ['SQL >', ['SQL', '>']],
    ['A "b"c', ['A', '"b"', 'c']],
    ['A k="v w"', ['A', 'k="v', 'w"']],
    ['TOKEN "#hash" READ', ['TOKEN', '"#hash"', 'READ']],
    ["WHERE x = 'it", null],
  ])('%j', (line, words) => {
    expect(splitLine(line)).toEqual(words);
  });

  it.each([
    ['"a"', 'a'],
    ["'a'", 'a'],
    ['"a\'', 'a'],
    ['a', 'a'],
    ['"a', '"a'],
    ['""', ''],
  ])('unquote(%s) = %s', (v, out) => {
    expect(unquote(v)).toBe(out);
  });
});

describe('substituteVars (Python Template.safe_substitute)', () => {
  const env = { DB: 'prod', _x1: 'y', EMPTY: '' };
  it.each([
    ['$DB', 'prod'],
    ['${DB}_events', 'prod_events'],
    ['$DB_events', '$DB_events'],
    ['a$_x1b', 'a$_x1b'],
    ['a${_x1}b', 'ayb'],
    ['$$DB', '$DB'],
    ['$MISSING and ${MISSING}', '$MISSING and ${MISSING}'],
    ['$EMPTY.', '.'],
    ['cost $5', 'cost $5'],
    ['${ DB }', '${ DB }'],
  ])('%s → %s', (text, out) => {
    expect(substituteVars(text, env)).toBe(out);
  });
});
