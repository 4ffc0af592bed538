import { TemplateError } from '../errors.ts';
import type { Expr, SetStatement, Target } from './py-ast.ts';
import { parseExcept, parseExpression, parseFor, parseSetStatement, PySyntaxError } from './py-parser.ts';
import { checkValidExpr, SecurityError } from './sandbox.ts';

// Tornado's template reader as Tinybird ships it (TT `_parse`): same directive rules, same error texts and lines.

export type WhitespaceMode = 'all' | 'single' | 'oneline';

export type Chunk =
  | { kind: 'text'; value: string; line: number; whitespace: WhitespaceMode }
  | { kind: 'expr'; source: string; line: number; ast: Expr }
  | { kind: 'if' | 'while'; statement: string; line: number; test: Expr; clauses: Clause[] }
  | { kind: 'for'; statement: string; line: number; target: Target; iter: Expr; clauses: Clause[] }
  | { kind: 'try'; statement: string; line: number; clauses: Clause[] }
  | { kind: 'set'; statement: string; line: number; stmt: SetStatement }
  | { kind: 'break' | 'continue'; statement: string; line: number };

/** The body of a block split at its intermediate tags: the block's own body comes first (`kind` = the block). */
export type Clause =
  | { kind: 'body' | 'else' | 'finally'; statement: string; line: number; body: Chunk[] }
  | { kind: 'elif'; statement: string; line: number; test: Expr; body: Chunk[] }
  | { kind: 'except'; statement: string; line: number; type: Expr | null; name: string | null; body: Chunk[] };

export interface ParsedTemplate {
  readonly chunks: Chunk[];
}

const INTERMEDIATE: Record<string, string[]> = {
  else: ['if', 'for', 'while', 'try'],
  elif: ['if'],
  except: ['try'],
  finally: ['try'],
};

function pySet(xs: string[]): string {
  return `{${xs.map((x) => `'${x}'`).join(', ')}}`;
}

class Reader {
  line = 1;
  pos = 0;
  whitespace: WhitespaceMode = 'all';
  /** CPython only compiles `{% %}` statements after the whole template is read: their syntax errors come last. */
  deferred: TemplateError | undefined;
  constructor(
    readonly name: string,
    readonly text: string,
  ) {}
  find(needle: string, start = 0): number {
    const i = this.text.indexOf(needle, this.pos + start);
    return i === -1 ? -1 : i - this.pos;
  }
  consume(count = this.text.length - this.pos): string {
    const s = this.text.slice(this.pos, this.pos + count);
    for (const ch of s) if (ch === '\n') this.line++;
    this.pos += count;
    return s;
  }
  remaining(): number {
    return this.text.length - this.pos;
  }
  at(i: number): string {
    return this.text[this.pos + i] ?? '';
  }
  fail(msg: string): never {
    throw new TemplateError(`${msg} at ${this.name}:${this.line}`, this.line);
  }
  defer(line: number, f: () => void): void {
    try {
      f();
    } catch (e) {
      if (!(e instanceof PySyntaxError)) throw e;
      this.deferred ??= new TemplateError(`${e.message} at ${this.name}:${line}`, line);
    }
  }
}

/** TT `UnClosedIfError` text: the node name is only shown when the template has one. */
function unclosed(reader: Reader): never {
  const msg =
    reader.name !== '<string>'
      ? `Missing {% end %} block for if in the node ${reader.name} at line ${reader.line} of the SQL: ${reader.text}`
      : `Missing {% end %} block for if at line ${reader.line}`;
  throw new TemplateError(msg, reader.line);
}

export function parseTemplate(text: string, name = '<string>'): ParsedTemplate {
  const reader = new Reader(name, text);
  const chunks = parseBody(reader, undefined, false) as Chunk[];
  if (reader.deferred) throw reader.deferred;
  return { chunks };
}

type Raw = Chunk | { kind: 'intermediate'; op: string; statement: string; suffix: string; line: number };

function parseBody(reader: Reader, inBlock: string | undefined, inLoop: boolean): Raw[] {
  const body: Raw[] = [];
  for (;;) {
    let curly = 0;
    for (;;) {
      curly = reader.find('{', curly);
      if (curly === -1 || curly + 1 === reader.remaining()) {
        if (inBlock) unclosed(reader);
        const line = reader.line;
        body.push({ kind: 'text', value: reader.consume(), line, whitespace: reader.whitespace });
        return body;
      }
      const n = reader.at(curly + 1);
      if (n !== '{' && n !== '%' && n !== '#') {
        curly++;
        continue;
      }
      // With more than two curlies in a row the innermost pair is the directive.
      if (curly + 2 < reader.remaining() && n === '{' && reader.at(curly + 2) === '{') {
        curly++;
        continue;
      }
      break;
    }
    if (curly > 0) {
      const line = reader.line;
      body.push({ kind: 'text', value: reader.consume(curly), line, whitespace: reader.whitespace });
    }
    const startBrace = reader.consume(2);
    const line = reader.line;
    if (reader.remaining() && reader.at(0) === '!') {
      reader.consume(1);
      body.push({ kind: 'text', value: startBrace, line, whitespace: reader.whitespace });
      continue;
    }
    if (startBrace === '{#') {
      const end = reader.find('#}');
      if (end === -1) reader.fail('Missing end comment #}');
      reader.consume(end);
      reader.consume(2);
      continue;
    }
    if (startBrace === '{{') {
      const end = reader.find('}}');
      if (end === -1) reader.fail('Missing end expression }}');
      const contents = reader.consume(end).trim();
      reader.consume(2);
      if (!contents) reader.fail('Empty expression');
      let ast: Expr;
      try {
        ast = parseExpression(contents);
      } catch (e) {
        if (!(e instanceof PySyntaxError)) throw e;
        const operator = contents.split(' ')[0]!;
        if (operator.includes('from')) reader.fail('"from" is a forbidden word');
        throw new TemplateError(`${e.message} at ${reader.name}:${line}`, line);
      }
      try {
        checkValidExpr(ast);
      } catch (e) {
        if (e instanceof SecurityError) throw new TemplateError(`Template Syntax Error: ${e.message}`, line);
        throw e;
      }
      body.push({ kind: 'expr', source: contents, line, ast });
      continue;
    }
    const end = reader.find('%}');
    if (end === -1) reader.fail('Missing end block %}');
    const contents = reader.consume(end).trim();
    reader.consume(2);
    if (!contents) reader.fail('Empty block tag ({% %})');
    const sp = contents.indexOf(' ');
    const operator = sp === -1 ? contents : contents.slice(0, sp);
    const suffix = sp === -1 ? '' : contents.slice(sp + 1).trim();

    const allowed = INTERMEDIATE[operator];
    if (allowed) {
      if (!inBlock) reader.fail(`${operator} outside ${pySet(allowed)} block`);
      if (!allowed.includes(inBlock)) reader.fail(`${operator} block cannot be attached to ${inBlock} block`);
      body.push({ kind: 'intermediate', op: operator, statement: contents, suffix, line });
      continue;
    }
    if (operator === 'end') {
      if (!inBlock) reader.fail('Extra {% end %} block');
      return body;
    }
    switch (operator) {
      case 'comment':
        continue;
      case 'extends':
      case 'include':
      case 'autoescape':
      case 'raw':
      case 'module':
        reader.fail(`${operator} is forbidden`);
      case 'import':
      case 'from':
        reader.fail('import is forbidden');
      case 'set': {
        if (!suffix) reader.fail('set missing statement');
        const chunk = { kind: 'set' as const, statement: suffix, line, stmt: { kind: 'ExprStmt', value: { kind: 'Constant', value: null } } as SetStatement };
        reader.defer(line, () => (chunk.stmt = parseSetStatement(suffix)));
        body.push(chunk);
        continue;
      }
      case 'whitespace': {
        if (suffix !== 'all' && suffix !== 'single' && suffix !== 'oneline') {
          throw new TemplateError(`invalid whitespace mode ${suffix}`, line);
        }
        reader.whitespace = suffix;
        continue;
      }
      case 'apply':
      case 'block':
      case 'try':
      case 'if':
      case 'for':
      case 'while': {
        if (operator === 'apply') {
          parseBody(reader, operator, inLoop);
          reader.fail('apply is forbidden');
        }
        const loop = operator === 'for' || operator === 'while';
        const inner = parseBody(reader, operator, loop || inLoop);
        if (operator === 'block') reader.fail('block is forbidden');
        body.push(buildBlock(reader, operator as 'if' | 'for' | 'while' | 'try', contents, suffix, line, inner));
        continue;
      }
      case 'break':
      case 'continue': {
        if (!inLoop) reader.fail(`${operator} outside ${pySet(['for', 'while'])} block`);
        reader.defer(line, () => {
          if (contents !== operator) throw new PySyntaxError('invalid syntax');
        });
        body.push({ kind: operator, statement: contents, line });
        continue;
      }
      default:
        reader.fail(`unknown operator: ${pyReprStr(operator)}`);
    }
  }
}

function pyReprStr(s: string): string {
  return s.includes("'") && !s.includes('"') ? `"${s}"` : `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

const NULL_EXPR: Expr = { kind: 'Constant', value: null };

function buildBlock(reader: Reader, op: 'if' | 'for' | 'while' | 'try', statement: string, suffix: string, line: number, inner: Raw[]): Chunk {
  const clauses: Clause[] = [];
  let current: Clause = { kind: 'body', statement, line, body: [] };
  clauses.push(current);
  for (const raw of inner) {
    if (raw.kind !== 'intermediate') {
      current.body.push(raw);
      continue;
    }
    const l = raw.line;
    if (raw.op === 'elif') {
      const c: Clause = { kind: 'elif', statement: raw.statement, line: l, test: NULL_EXPR, body: [] };
      reader.defer(l, () => (c.test = parseExpression(raw.suffix)));
      current = c;
    } else if (raw.op === 'except') {
      const c: Clause = { kind: 'except', statement: raw.statement, line: l, type: null, name: null, body: [] };
      reader.defer(l, () => Object.assign(c, parseExcept(raw.suffix)));
      current = c;
    } else {
      current = { kind: raw.op as 'else' | 'finally', statement: raw.statement, line: l, body: [] };
      reader.defer(l, () => {
        if (raw.suffix) throw new PySyntaxError('invalid syntax');
      });
    }
    clauses.push(current);
  }
  reader.defer(line, () => checkClauseOrder(op, clauses));
  if (op === 'if' || op === 'while') {
    const c = { kind: op, statement, line, test: NULL_EXPR, clauses } as Chunk & { test: Expr };
    reader.defer(line, () => (c.test = parseExpression(suffix)));
    return c;
  }
  if (op === 'for') {
    const c = { kind: 'for' as const, statement, line, target: NULL_EXPR, iter: NULL_EXPR, clauses };
    reader.defer(line, () => Object.assign(c, parseFor(suffix)));
    return c;
  }
  reader.defer(line, () => {
    if (suffix) throw new PySyntaxError('invalid syntax');
  });
  return { kind: 'try', statement, line, clauses };
}

/** The clause sequences CPython accepts for each compound statement. */
function checkClauseOrder(op: string, clauses: Clause[]): void {
  const kinds = clauses.slice(1).map((c) => c.kind).join(' ');
  const ok =
    op === 'if' ? /^(elif ?)*(else)?$/.test(kinds.replace(/ $/, '')) && !/else .*elif/.test(kinds)
    : op === 'try' ? /^(except ?)+(else ?)?(finally)?$|^finally$/.test(kinds.trim())
    : /^(else)?$/.test(kinds);
  if (!ok) throw new PySyntaxError('invalid syntax');
  if (op === 'try') {
    const bare = clauses.findIndex((c) => c.kind === 'except' && c.type === null);
    if (bare !== -1 && clauses.slice(bare + 1).some((c) => c.kind === 'except')) throw new PySyntaxError("default 'except:' must be last");
  }
}
