// The YAML subset of Tinybird test files: what parses to what, which errors name the line, and that formatting reads back.
import { describe, expect, it } from 'vitest';
import { formatTestYaml, parseTestYaml, type YamlMapping } from '../../src/service/test-yaml.ts';

describe('parseTestYaml', () => {
  const cases: [string, string, YamlMapping[]][] = [
    ['plain values and types', '- name: a\n  parameters: x=1&y=2\n  expected_http_status: 200\n', [{ name: 'a', parameters: 'x=1&y=2', expected_http_status: 200 }]],
    ['empty and null values', "- name: a\n  parameters:\n  description: ''\n  other: ~\n", [{ name: 'a', parameters: null, description: '', other: null }]],
    ['quoted strings', `- name: "it's \\"q\\""\n  description: 'don''t'\n`, [{ name: 'it\'s "q"', description: "don't" }]],
    ['comments', '# top\n- name: a # trailing\n  # inside\n  parameters: a=1#b\n', [{ name: 'a', parameters: 'a=1#b' }]],
    ['literal block keeps the final newline', '- name: a\n  expected_result: |\n    {"a":1}\n    {"a":2}\n  expected_http_status: 200\n', [{ name: 'a', expected_result: '{"a":1}\n{"a":2}\n', expected_http_status: 200 }]],
    ['|- strips it', '- name: a\n  expected_result: |-\n    x\n\n    y\n\n', [{ name: 'a', expected_result: 'x\n\ny' }]],
    ['folded block', '- name: a\n  description: >\n    one\n    two\n\n    three\n', [{ name: 'a', description: 'one two\nthree\n' }]],
    ['two items, dash alone', '- name: a\n\n-\n  name: b\n', [{ name: 'a' }, { name: 'b' }]],
    ['booleans and floats', '- a: true\n  b: 1.5\n  c: 1e3\n  d: 01x\n', [{ a: true, b: 1.5, c: 1000, d: '01x' }]],
  ];
  it.each(cases)('%s', (_n, text, expected) => {
    expect(parseTestYaml(text, 't.yaml')).toEqual(expected);
  });

  const errors: [string, string][] = [
    ['name: a\n', 't.yaml:1: expected a list of tests (lines starting with "- ")'],
    ['- name: a\n    x: 1\n', 't.yaml:2: unexpected indentation (expected 2 spaces)'],
    ['- name: [a, b]\n', 't.yaml:1: unsupported YAML value for name (use a plain, quoted or | block value)'],
    ['- name: "open\n', 't.yaml:1: unterminated double-quoted string'],
    ['- just text\n', 't.yaml:1: expected "key: value", found "just text"'],
    ['  - name: a\n', 't.yaml:1: nested lists are not supported in test files'],
  ];
  it.each(errors)('rejects %j', (text, message) => {
    expect(() => parseTestYaml(text, 't.yaml')).toThrow(message);
  });
});

describe('formatTestYaml', () => {
  it('writes blocks, quotes what needs it, and reads back the same values', () => {
    const items: YamlMapping[] = [
      { name: 'a', description: 'x: y', parameters: '', expected_result: '{"a":1}\n{"a":2}\n', expected_http_status: 200 },
      { name: 'b', description: null, parameters: 'limit=abc', expected_result: '{"e":"it\'s"}', expected_http_status: 400 },
      { name: '123', description: ' lead', parameters: 'a=1 #x', expected_result: 'x\n\n\n', expected_http_status: 200 },
    ];
    const text = formatTestYaml(items);
    expect(text).toBe(
      [
        '- name: a',
        '  description: "x: y"',
        '  parameters: ""',
        '  expected_result: |',
        '    {"a":1}',
        '    {"a":2}',
        '  expected_http_status: 200',
        '',
        '- name: b',
        '  description:',
        '  parameters: limit=abc',
        '  expected_result: "{\\"e\\":\\"it\'s\\"}"',
        '  expected_http_status: 400',
        '',
        '- name: "123"',
        '  description: " lead"',
        '  parameters: "a=1 #x"',
        '  expected_result: "x\\n\\n\\n"',
        '  expected_http_status: 200',
        '',
      ].join('\n'),
    );
    expect(parseTestYaml(text, 't.yaml')).toEqual(items);
  });
});
