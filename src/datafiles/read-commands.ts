// The line layer shared by .datasource and .pipe files (spec §9.1): every line is split into words, the first
// word is a case-insensitive command; `CMD >` opens a block that collects the following lines until a line at
// column 0 whose first word is a known command. INCLUDE lines are replaced by the included text here, so the
// per-kind parsers only ever see commands.
import { DatafileError } from '../errors.ts';
import { splitLine, unquote } from './split-line.ts';
import { substituteVars, type Vars } from './substitute-vars.ts';

export type DatafileKind = 'datasource' | 'pipe';

export interface BlockLine {
  /** The raw line (indentation kept); '' for a line that holds only a `#` comment. */
  readonly text: string;
  /** 1-based line in the datafile (lines that came from an INCLUDE carry the INCLUDE line). */
  readonly line: number;
}

export interface Command {
  /** Lower-cased command word. */
  readonly cmd: string;
  /** Command word as written. */
  readonly word: string;
  /** Words after the command, quotes kept. Empty for a block. */
  readonly args: readonly string[];
  readonly line: number;
  /** Lines of a `CMD >` block, or null for a one-line command. */
  readonly block: readonly BlockLine[] | null;
}

export interface ReadOptions {
  readonly kind: DatafileKind;
  /** Lower-case command words valid in this kind of file. */
  readonly known: ReadonlySet<string>;
  readonly env: Vars;
  /** Returns the text of an INCLUDE file (path as written, relative to the datafile); throws if missing. */
  readonly readInclude?: ((relPath: string) => string) | undefined;
}

// A file that includes itself would otherwise never finish.
const MAX_INCLUDES = 100;

export function readCommands(text: string, path: string, options: ReadOptions): Command[] {
  const { kind, known, env, readInclude } = options;
  const lines: BlockLine[] = text.split(/\r\n|\r|\n/).map((t, i) => ({ text: t, line: i + 1 }));
  const commands: Command[] = [];
  let open: { cmd: string; word: string; line: number; block: BlockLine[] } | null = null;
  let includes = 0;

  for (let k = 0; k < lines.length; k++) {
    const { text: raw, line } = lines[k]!;
    const words = splitLine(raw);
    if (open) {
      const closes = words !== null && words.length > 0 && known.has(words[0]!.toLowerCase()) && !/^[ \t]/.test(raw);
      if (!closes) {
        open.block.push({ text: words !== null && words.length === 0 ? '' : raw, line });
        continue;
      }
      commands.push({ cmd: open.cmd, word: open.word, args: [], line: open.line, block: open.block });
      open = null;
    }
    if (words === null) throw new DatafileError(path, line, 'No closing quotation');
    if (words.length === 0) continue;
    const [word, ...args] = words as [string, ...string[]];
    const cmd = word.toLowerCase();
    if (cmd === 'settings') {
      throw new DatafileError(
        path,
        line,
        'SETTINGS option is not allowed, use ENGINE_SETTINGS instead. See https://www.tinybird.co/docs/cli/datafiles#data-source for more information.',
      );
    }
    if (!known.has(cmd)) throw new DatafileError(path, line, `${word.toUpperCase()} is not a valid option in ${kind} files.`);
    if (args[0] === '>') {
      open = { cmd, word, line, block: [] };
      continue;
    }
    if (cmd === 'include') {
      if (++includes > MAX_INCLUDES) throw new DatafileError(path, line, `Too many INCLUDE commands (more than ${MAX_INCLUDES})`);
      const included = readIncluded(path, line, args, env, readInclude);
      lines.splice(k, 1, ...included.split(/\r\n|\r|\n/).map((t) => ({ text: t, line })));
      k--;
      continue;
    }
    commands.push({ cmd, word, args, line, block: null });
  }
  if (open) commands.push({ cmd: open.cmd, word: open.word, args: [], line: open.line, block: open.block });
  return commands;
}

// Classic CLI: `INCLUDE "file.incl" k=v ...` is replaced by the file with `$k` substituted (spec §9.1).
function readIncluded(
  path: string,
  line: number,
  args: readonly string[],
  env: Vars,
  readInclude: ((relPath: string) => string) | undefined,
): string {
  if (args.length === 0) throw new DatafileError(path, line, 'Missing file name after INCLUDE');
  if (!readInclude) throw new DatafileError(path, line, 'INCLUDE is not supported yet');
  const file = substituteVars(unquote(args[0]!), env);
  const attrs: Record<string, string> = {};
  for (const arg of args.slice(1)) {
    const pair = unquote(arg);
    const eq = pair.indexOf('=');
    if (eq < 0) throw new DatafileError(path, line, `Invalid INCLUDE argument ${arg}, expected key=value`);
    attrs[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  let content: string;
  try {
    content = readInclude(file);
  } catch {
    throw new DatafileError(path, line, `Included file ${file} not found`);
  }
  return substituteVars(content, attrs);
}

/** Value of a one-line command (`assign_var` in the CLI): words joined by one space, unquoted. */
export function lineValue(path: string, c: Command): string {
  if (c.block) throw new DatafileError(path, c.line, `${c.word.toUpperCase()} does not support multiline arguments`);
  return unquote(c.args.join(' ').trim());
}

/** Value of a command that may also be written as a block (ENGINE*, TAGS): the block's text trimmed. */
export function lineOrBlockValue(c: Command): string {
  if (!c.block) return unquote(c.args.join(' ').trim());
  const text = c.block
    .filter((l) => l.text.trim() !== '')
    .map((l) => l.text)
    .join('\n')
    .trim();
  return text === '' ? '' : unquote(text);
}

/** Block lines dedented like Python's `textwrap.dedent`, blank lines kept as ''. */
export function dedentBlock(block: readonly BlockLine[]): string[] {
  let indent: string | null = null;
  for (const { text } of block) {
    if (text.trim() === '') continue;
    const lead = /^[ \t]*/.exec(text)![0];
    if (indent === null) indent = lead;
    else {
      let n = 0;
      while (n < indent.length && n < lead.length && indent[n] === lead[n]) n++;
      indent = indent.slice(0, n);
    }
  }
  const cut = indent?.length ?? 0;
  return block.map(({ text }) => (text.trim() === '' ? '' : text.slice(cut)));
}
