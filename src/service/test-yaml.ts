// The YAML of Tinybird test files (`tests/<pipe>.yaml`, as `tb test create` writes them): a list of mappings whose
// values are plain, single- or double-quoted scalars or `|` / `>` block scalars. That subset is all the format
// uses, so it is read here rather than through a YAML dependency; anything else is an error naming the line.
import { BadRequestError } from '../errors.ts';

export type YamlScalar = string | number | boolean | null;
export type YamlMapping = Record<string, YamlScalar>;

export class YamlError extends BadRequestError {}

const fail = (file: string, line: number, message: string): never => {
  throw new YamlError(`${file}:${line}: ${message}`);
};

/** A plain scalar: YAML 1.2 core schema numbers, booleans and nulls; everything else a string. */
function plainValue(raw: string): YamlScalar {
  if (raw === '' || raw === '~' || raw === 'null' || raw === 'Null' || raw === 'NULL') return null;
  if (/^(true|True|TRUE)$/.test(raw)) return true;
  if (/^(false|False|FALSE)$/.test(raw)) return false;
  if (/^[-+]?[0-9]+$/.test(raw)) return Number(raw);
  if (/^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/.test(raw)) return Number(raw);
  return raw;
}

function stripComment(raw: string): string {
  const m = /\s#/.exec(raw);
  return (m ? raw.slice(0, m.index) : raw).trim();
}

function quoted(raw: string, file: string, line: number): string {
  const text = raw.trim();
  if (text.startsWith("'")) {
    const m = /^'((?:[^']|'')*)'\s*(#.*)?$/.exec(text);
    if (!m) fail(file, line, 'unterminated single-quoted string');
    return m![1]!.replaceAll("''", "'");
  }
  const m = /^("(?:[^"\\]|\\.)*")\s*(#.*)?$/.exec(text);
  if (!m) fail(file, line, 'unterminated double-quoted string');
  try {
    return JSON.parse(m![1]!) as string;
  } catch {
    return fail(file, line, 'unsupported escape in double-quoted string');
  }
}

/** Parses a test file: a sequence of flat mappings. */
export function parseTestYaml(text: string, file: string): YamlMapping[] {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const items: YamlMapping[] = [];
  let current: YamlMapping | undefined;
  let keyIndent = -1;
  let i = 0;
  while (i < lines.length) {
    const lineNo = i + 1;
    const raw = lines[i]!;
    if (/^\s*(#.*)?$/.test(raw) || raw === '---') {
      i++;
      continue;
    }
    let body = raw;
    let indent = raw.length - raw.trimStart().length;
    const dash = /^(\s*)- (.*)$/.exec(raw) ?? /^(\s*)-$/.exec(raw);
    if (dash) {
      if (dash[1]!.length !== 0) fail(file, lineNo, 'nested lists are not supported in test files');
      current = {};
      items.push(current);
      body = dash[2] ?? '';
      indent = 2;
      keyIndent = 2;
      if (body.trim() === '') {
        i++;
        keyIndent = -1;
        continue;
      }
    } else {
      if (!current) fail(file, lineNo, 'expected a list of tests (lines starting with "- ")');
      if (keyIndent === -1) keyIndent = indent;
      if (indent !== keyIndent) fail(file, lineNo, `unexpected indentation (expected ${keyIndent} spaces)`);
      body = raw.trimStart();
    }
    const kv = /^([A-Za-z_][A-Za-z0-9_]*)\s*:(?:\s+(.*))?$/.exec(body.trimStart()) ?? /^([A-Za-z_][A-Za-z0-9_]*):$/.exec(body.trimStart());
    if (!kv) fail(file, lineNo, `expected "key: value", found ${JSON.stringify(body.trim())}`);
    const key = kv![1]!;
    const rest = (kv![2] ?? '').trim();
    i++;
    const block = /^([|>])([-+]?)([1-9]?)\s*(#.*)?$/.exec(rest);
    if (block) {
      const [, style, chomp, explicit] = block;
      const blockLines: string[] = [];
      let blockIndent = explicit ? indent + Number(explicit) : -1;
      while (i < lines.length) {
        const l = lines[i]!;
        if (l.trim() === '') {
          blockLines.push('');
          i++;
          continue;
        }
        const ind = l.length - l.trimStart().length;
        if (blockIndent === -1) blockIndent = ind;
        if (ind < blockIndent || ind <= indent) break;
        blockLines.push(l.slice(blockIndent));
        i++;
      }
      while (blockLines.length > 0 && blockLines.at(-1) === '' && chomp !== '+') blockLines.pop();
      let value = style === '|' ? blockLines.join('\n') : foldLines(blockLines);
      if (chomp !== '-' && value !== '') value += '\n';
      current![key] = value;
    } else if (rest.startsWith("'") || rest.startsWith('"')) {
      current![key] = quoted(rest, file, lineNo);
    } else if (/^[[{&*!%@`]/.test(rest)) {
      fail(file, lineNo, `unsupported YAML value for ${key} (use a plain, quoted or | block value)`);
    } else {
      current![key] = plainValue(stripComment(rest));
    }
  }
  return items;
}

/** `>` folding: single newlines between non-empty lines become spaces; empty lines stay newlines. */
function foldLines(lines: readonly string[]): string {
  let out = '';
  for (let k = 0; k < lines.length; k++) {
    const l = lines[k]!;
    if (k === 0) out = l;
    else if (l === '') out += '\n';
    else out += out.endsWith('\n') || out === '' ? l : ` ${l}`;
  }
  return out;
}

const PLAIN_SAFE = /^[A-Za-z0-9_/(][^\n]*$/;

/** A scalar as YAML text that reads back as the same value. */
export function yamlScalar(v: YamlScalar, indent: string): string {
  if (v === null) return '~';
  if (typeof v !== 'string') return String(v);
  if (v.includes('\n') && !/^ /.test(v) && !/[^\n]\n\n+$/.test(v)) {
    const body = v.endsWith('\n') ? v.slice(0, -1) : v;
    const lines = body.split('\n').map((l) => (l === '' ? '' : `${indent}${l}`));
    return `${v.endsWith('\n') ? '|' : '|-'}\n${lines.join('\n')}`;
  }
  const plainSafe = PLAIN_SAFE.test(v) && !/: |\s#|\s$/.test(v) && typeof plainValue(v) === 'string' && !v.includes('\t');
  return plainSafe ? v : JSON.stringify(v);
}

/** The inverse of parseTestYaml for `items`, keys in the given order. */
export function formatTestYaml(items: readonly YamlMapping[]): string {
  return items
    .map((item) =>
      Object.entries(item)
        .map(([k, v], idx) => `${idx === 0 ? '- ' : '  '}${k}:${v === null ? '' : ` ${yamlScalar(v, '    ')}`}`)
        .join('\n'),
    )
    .join('\n\n')
    .concat('\n');
}
