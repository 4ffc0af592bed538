// CSV fixtures become the NDJSON events the Events API takes: typed by the schema, placed at each column's jsonpath.
import { describe, expect, it } from 'vitest';
import { csvToNdjson, parseCsv } from '../../src/service/fixtures.ts';
import { parseDatasource } from '../../src/datafiles/parse-datasource.ts';

describe('parseCsv', () => {
  const cases: [string, string, string[][]][] = [
    ['simple', 'a,b\n1,2\n', [['a', 'b'], ['1', '2']]],
    ['quotes, commas, newlines, CRLF', '"x,y","say ""hi""","two\nlines"\r\n3,,\r\n', [['x,y', 'say "hi"', 'two\nlines'], ['3', '', '']]],
    ['no final newline, BOM, blank lines', '\ufeffa\n\nb', [['a'], ['b']]],
  ];
  it.each(cases)('%s', (_n, text, rows) => expect(parseCsv(text)).toEqual(rows));
});

describe('csvToNdjson', () => {
  const ds = parseDatasource(
    'SCHEMA >\n    `id` UInt32 `json:$.id`,\n    `who` String `json:$.user.name`,\n    `score` Nullable(Float64) `json:$.score`,\n    `ok` Bool `json:$.ok`,\n    `tags` Array(String) `json:$.tags[:]`,\n    `note` String\n',
    't.datasource',
  );
  it('types cells by column and nests them at their jsonpath; skips a header row', () => {
    const out = csvToNdjson('id,who,score,ok,tags,note\n1,Ada,2.5,true,"[\'a\',\'b\']",x\n2,Bob,,0,"[""c""]",\n', ds);
    expect(out.split('\n')).toEqual([
      '{"id":1,"user":{"name":"Ada"},"score":2.5,"ok":true,"tags":["a","b"],"note":"x"}',
      '{"id":2,"user":{"name":"Bob"},"score":null,"ok":false,"tags":["c"],"note":""}',
    ]);
  });
  it('keeps a first row that is data, and leaves bad numbers as text for the quarantine', () => {
    expect(csvToNdjson('x,Ada,1,1,[],n\n', ds)).toBe('{"id":"x","user":{"name":"Ada"},"score":1,"ok":true,"tags":[],"note":"n"}');
  });
  it('names the row with the wrong number of columns', () => {
    expect(() => csvToNdjson('1,Ada\n', ds, 'fixtures/t.csv')).toThrow('fixtures/t.csv: row 1: expected 6 columns (id, who, score, ok, tags, note), found 2');
  });
});
