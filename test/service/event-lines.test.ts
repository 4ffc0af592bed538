import { describe, expect, it } from 'vitest';
import { eventLines } from '../../src/service/event-lines.ts';

describe('eventLines', () => {
  const cases: [string, string, string][] = [
    ['NDJSON stays as is', '{"a":1}\n{"a":2}', '{"a":1}\n{"a":2}'],
    ['trailing newline and blank lines stay', '{"a":1}\n\n{"a":2}\n', '{"a":1}\n\n{"a":2}\n'],
    ['a pretty-printed object becomes one line', '{\n  "a": 1,\n  "b": [1,\n 2]\n}', '{   "a": 1,   "b": [1,  2] }'],
    ['two pretty-printed objects become two lines', '{\n"a": 1\n}\n{\n"a": 2\n}', '{ "a": 1 }\n{ "a": 2 }'],
    ['braces inside strings do not count', '{\n"a": "}{["\n}', '{ "a": "}{[" }'],
    ['a JSON array is a list of rows', '[{"a":1},{"a":2}]', '{"a":1}\n{"a":2}'],
    ['a UTF-8 BOM is dropped', '\ufeff{"a":1}', '{"a":1}'],
    ['garbage lines are kept for quarantine', 'not json\n{"a":1}', 'not json\n{"a":1}'],
    ['CRLF inside an object', '{\r\n"a": 1\r\n}', '{  "a": 1  }'],
    ['CRLF NDJSON stays as is', '{"a":1}\r\n{"a":2}\r\n', '{"a":1}\r\n{"a":2}\r\n'],
    ['blank-padded lines stay as they are', ' {"a":1}\t\n\u00a0{"a":2}\r\n\r', ' {"a":1}\t\n\u00a0{"a":2}\r\n\r'],
    ['an array after blanks is a list of rows', ' \n\t[{"a":1},\n{"a":2}]\n', '{"a":1}\n{"a":2}'],
    ['a line that only closes an object joins the one before', '{"a":\n1}\n{"a":2}', '{"a": 1}\n{"a":2}'],
  ];
  it.each(cases)('%s', (_name, input, expected) => {
    expect(eventLines(input)).toBe(expected);
  });
});
