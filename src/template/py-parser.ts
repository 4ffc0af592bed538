import type { BinOpName, CmpOpName, Comprehension, ConstantValue, Expr, Keyword, SetStatement, Target } from './py-ast.ts';

/** Python source that is not valid in the supported subset; reported like CPython's SyntaxError. */
export class PySyntaxError extends Error {}

type Tok =
  | { t: 'name'; v: string; pos: number }
  | { t: 'num'; v: bigint | number; pos: number }
  | { t: 'str'; v: string; prefix: string; raw: string; pos: number }
  | { t: 'op'; v: string; pos: number }
  | { t: 'eof'; pos: number };

const KEYWORDS = new Set([
  'False', 'None', 'True', 'and', 'as', 'assert', 'async', 'await', 'break', 'class', 'continue', 'def', 'del', 'elif',
  'else', 'except', 'finally', 'for', 'from', 'global', 'if', 'import', 'in', 'is', 'lambda', 'nonlocal', 'not', 'or',
  'pass', 'raise', 'return', 'try', 'while', 'with', 'yield',
]);

const OPS = ['**=', '//=', '>>=', '<<=', '...', '**', '//', '==', '!=', '<=', '>=', '->', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '@=', ':=', '<<', '>>',
  '(', ')', '[', ']', '{', '}', ',', ':', '.', ';', '+', '-', '*', '/', '%', '<', '>', '=', '~', '|', '&', '^', '@', '!'];

function tokenize(src: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c) || c === '\\' && src[i + 1] === '\n') {
      i += c === '\\' ? 2 : 1;
      continue;
    }
    if (c === '#') {
      while (i < src.length && src[i] !== '\n') i++;
      continue;
    }
    const strStart = /^([rRbBuUfF]{0,2})('''|"""|'|")/.exec(src.slice(i, i + 5));
    if (strStart && /^(|r|u|b|f|br|rb|fr|rf)$/i.test(strStart[1]!)) {
      const prefix = strStart[1]!.toLowerCase();
      const q = strStart[2]!;
      let j = i + strStart[0].length;
      let raw = '';
      for (;;) {
        if (j >= src.length) throw new PySyntaxError('unterminated string literal');
        if (src.startsWith(q, j)) break;
        if (src[j] === '\n' && q.length === 1) throw new PySyntaxError('unterminated string literal');
        if (src[j] === '\\' && j + 1 < src.length) {
          raw += src.slice(j, j + 2);
          j += 2;
          continue;
        }
        raw += src[j];
        j++;
      }
      toks.push({ t: 'str', v: prefix.includes('r') ? raw : unescapePython(raw, prefix.includes('b')), prefix, raw, pos: i });
      i = j + q.length;
      continue;
    }
    const name = /^[\p{L}_][\p{L}\p{N}_]*/u.exec(src.slice(i));
    if (name) {
      toks.push({ t: 'name', v: name[0], pos: i });
      i += name[0].length;
      continue;
    }
    const num = /^(0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|(\d[\d_]*\.?[\d_]*|\.\d[\d_]*)([eE][+-]?\d[\d_]*)?)[jJ]?/.exec(src.slice(i));
    if (num && (c !== '.' || /\d/.test(src[i + 1] ?? ''))) {
      toks.push({ t: 'num', v: parseNumber(num[0]), pos: i });
      i += num[0].length;
      continue;
    }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (!op) throw new PySyntaxError('invalid syntax');
    toks.push({ t: 'op', v: op, pos: i });
    i += op.length;
  }
  toks.push({ t: 'eof', pos: src.length });
  return toks;
}

function parseNumber(text: string): bigint | number {
  if (/[jJ]$/.test(text)) throw new PySyntaxError('complex numbers are not supported');
  const t = text.replace(/_/g, '');
  if (/^0[xXoObB]/.test(t)) return BigInt(t);
  if (/^\d+$/.test(t)) {
    if (t.length > 1 && t.startsWith('0') && /[1-9]/.test(t)) {
      throw new PySyntaxError('leading zeros in decimal integer literals are not permitted');
    }
    return BigInt(t);
  }
  return Number(t);
}

/** Python string-literal escapes (also used to read Array() output back, like `ast.literal_eval`). */
export function unescapePython(raw: string, bytes = false): string {
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c !== '\\' || i + 1 >= raw.length) {
      out += c;
      continue;
    }
    const n = raw[++i]!;
    const simple: Record<string, string> = { '\n': '', '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };
    if (n in simple) out += simple[n];
    else if (/[0-7]/.test(n)) {
      const m = /^[0-7]{1,3}/.exec(raw.slice(i))![0];
      out += String.fromCodePoint(parseInt(m, 8));
      i += m.length - 1;
    } else if (n === 'x' || (!bytes && (n === 'u' || n === 'U'))) {
      const len = n === 'x' ? 2 : n === 'u' ? 4 : 8;
      const hex = raw.slice(i + 1, i + 1 + len);
      if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(hex)) throw new PySyntaxError(`(unicode error) truncated \\${n} escape`);
      out += String.fromCodePoint(parseInt(hex, 16));
      i += len;
    } else out += `\\${n}`;
  }
  return out;
}

class Parser {
  private i = 0;
  constructor(private readonly toks: Tok[]) {}

  peek(k = 0): Tok {
    return this.toks[Math.min(this.i + k, this.toks.length - 1)]!;
  }
  next(): Tok {
    return this.toks[this.i++]!;
  }
  isOp(v: string, k = 0): boolean {
    const t = this.peek(k);
    return t.t === 'op' && t.v === v;
  }
  isKw(v: string, k = 0): boolean {
    const t = this.peek(k);
    return t.t === 'name' && t.v === v;
  }
  eatOp(v: string): boolean {
    if (this.isOp(v)) {
      this.i++;
      return true;
    }
    return false;
  }
  eatKw(v: string): boolean {
    if (this.isKw(v)) {
      this.i++;
      return true;
    }
    return false;
  }
  expectOp(v: string): void {
    if (!this.eatOp(v)) throw new PySyntaxError('invalid syntax');
  }
  expectKw(v: string): void {
    if (!this.eatKw(v)) throw new PySyntaxError('invalid syntax');
  }
  atEnd(): boolean {
    return this.peek().t === 'eof';
  }
  expectEnd(): void {
    if (!this.atEnd()) throw new PySyntaxError('invalid syntax');
  }

  /** `a, b` → Tuple; a single expression otherwise. */
  exprList(stopAtIn = false): Expr {
    const first = this.expr(stopAtIn);
    if (!this.isOp(',')) return first;
    const elts = [first];
    while (this.eatOp(',')) {
      if (this.endsList()) break;
      elts.push(this.expr(stopAtIn));
    }
    return { kind: 'Tuple', elts };
  }

  private endsList(): boolean {
    const t = this.peek();
    return t.t === 'eof' || (t.t === 'op' && [')', ']', '}', '=', ':'].includes(t.v)) || this.isKw('in');
  }

  expr(noIn = false): Expr {
    if (this.eatKw('lambda')) return this.lambda(noIn);
    const body = this.orTest(noIn);
    if (this.isKw('if') && !noIn) {
      this.next();
      const test = this.orTest(noIn);
      this.expectKw('else');
      const orelse = this.expr(noIn);
      return { kind: 'IfExp', test, body, orelse };
    }
    return body;
  }

  /** `lambda a, b=1: body` (positional parameters only). */
  private lambda(noIn: boolean): Expr {
    const names: string[] = [];
    const defaults: Expr[] = [];
    while (!this.isOp(':')) {
      const t = this.next();
      if (t.t !== 'name' || KEYWORDS.has(t.v)) throw new PySyntaxError('invalid syntax');
      if (names.includes(t.v)) throw new PySyntaxError(`duplicate argument '${t.v}' in function definition`);
      names.push(t.v);
      if (this.eatOp('=')) defaults.push(this.expr());
      else if (defaults.length) throw new PySyntaxError('parameter without a default follows parameter with a default');
      if (!this.eatOp(',')) break;
    }
    this.expectOp(':');
    return { kind: 'Lambda', args: { names, defaults }, body: this.expr(noIn) };
  }

  /** The `for ... in ... if ...` clauses after a comprehension's element (the `for` not yet consumed). */
  private generators(): Comprehension[] {
    const gens: Comprehension[] = [];
    while (this.eatKw('for')) {
      const target = this.exprList(true);
      checkTarget(target);
      this.expectKw('in');
      const iter = this.orTest(false);
      const ifs: Expr[] = [];
      while (this.eatKw('if')) ifs.push(this.orTest(true));
      gens.push({ target, iter, ifs });
    }
    return gens;
  }

  private orTest(noIn: boolean): Expr {
    const first = this.andTest(noIn);
    if (!this.isKw('or')) return first;
    const values = [first];
    while (this.eatKw('or')) values.push(this.andTest(noIn));
    return { kind: 'BoolOp', op: 'Or', values };
  }

  private andTest(noIn: boolean): Expr {
    const first = this.notTest(noIn);
    if (!this.isKw('and')) return first;
    const values = [first];
    while (this.eatKw('and')) values.push(this.notTest(noIn));
    return { kind: 'BoolOp', op: 'And', values };
  }

  private notTest(noIn: boolean): Expr {
    if (this.eatKw('not')) return { kind: 'UnaryOp', op: 'Not', operand: this.notTest(noIn) };
    return this.comparison(noIn);
  }

  private comparison(noIn: boolean): Expr {
    const left = this.bitOr();
    const ops: CmpOpName[] = [];
    const comparators: Expr[] = [];
    for (;;) {
      const t = this.peek();
      let op: CmpOpName | undefined;
      if (t.t === 'op') {
        op = ({ '==': 'Eq', '!=': 'NotEq', '<': 'Lt', '<=': 'LtE', '>': 'Gt', '>=': 'GtE' } as Record<string, CmpOpName>)[t.v];
        if (op) this.next();
      } else if (this.isKw('in') && !noIn) {
        this.next();
        op = 'In';
      } else if (this.isKw('not') && this.isKw('in', 1)) {
        this.i += 2;
        op = 'NotIn';
      } else if (this.isKw('is')) {
        this.next();
        op = this.eatKw('not') ? 'IsNot' : 'Is';
      }
      if (!op) break;
      ops.push(op);
      comparators.push(this.bitOr());
    }
    return ops.length ? { kind: 'Compare', left, ops, comparators } : left;
  }

  private binary(next: () => Expr, table: Record<string, BinOpName>): Expr {
    let left = next();
    for (;;) {
      const t = this.peek();
      const op = t.t === 'op' ? table[t.v] : undefined;
      if (!op) return left;
      this.next();
      left = { kind: 'BinOp', left, op, right: next() };
    }
  }
  private bitOr = (): Expr => this.binary(this.bitXor, { '|': 'BitOr' });
  private bitXor = (): Expr => this.binary(this.bitAnd, { '^': 'BitXor' });
  private bitAnd = (): Expr => this.binary(this.shift, { '&': 'BitAnd' });
  private shift = (): Expr => this.binary(this.arith, { '<<': 'LShift', '>>': 'RShift' });
  private arith = (): Expr => this.binary(this.term, { '+': 'Add', '-': 'Sub' });
  private term = (): Expr => this.binary(this.factor, { '*': 'Mult', '/': 'Div', '//': 'FloorDiv', '%': 'Mod', '@': 'MatMult' });

  private factor = (): Expr => {
    const t = this.peek();
    if (t.t === 'op' && (t.v === '-' || t.v === '+' || t.v === '~')) {
      this.next();
      return { kind: 'UnaryOp', op: t.v === '-' ? 'USub' : t.v === '+' ? 'UAdd' : 'Invert', operand: this.factor() };
    }
    const base = this.primary();
    if (this.eatOp('**')) return { kind: 'BinOp', left: base, op: 'Pow', right: this.factor() };
    return base;
  };

  private primary(): Expr {
    let e = this.atom();
    for (;;) {
      if (this.eatOp('(')) e = this.call(e);
      else if (this.eatOp('[')) {
        const slice = this.subscript();
        this.expectOp(']');
        e = { kind: 'Subscript', value: e, slice };
      } else if (this.eatOp('.')) {
        const n = this.next();
        if (n.t !== 'name') throw new PySyntaxError('invalid syntax');
        e = { kind: 'Attribute', value: e, attr: n.v };
      } else return e;
    }
  }

  private call(func: Expr): Expr {
    const args: Expr[] = [];
    const keywords: Keyword[] = [];
    while (!this.isOp(')')) {
      if (this.eatOp('**')) keywords.push({ arg: null, value: this.expr() });
      else if (this.eatOp('*')) args.push({ kind: 'Starred', value: this.expr() });
      else if (this.peek().t === 'name' && this.isOp('=', 1)) {
        const name = (this.next() as { v: string }).v;
        this.next();
        if (keywords.some((k) => k.arg === name)) throw new PySyntaxError(`keyword argument repeated: ${name}`);
        keywords.push({ arg: name, value: this.expr() });
      } else {
        if (keywords.length) throw new PySyntaxError('positional argument follows keyword argument');
        const arg = this.expr();
        if (this.isKw('for')) {
          const genexp: Expr = { kind: 'GeneratorExp', elt: arg, generators: this.generators() };
          if (args.length || keywords.length || this.isOp(',')) throw new PySyntaxError('Generator expression must be parenthesized');
          args.push(genexp);
        } else args.push(arg);
      }
      if (!this.eatOp(',')) break;
    }
    this.expectOp(')');
    return { kind: 'Call', func, args, keywords };
  }

  private subscript(): Expr {
    const part = (): Expr | null => (this.isOp(':') || this.isOp(']') ? null : this.expr());
    const lower = part();
    if (!this.isOp(':')) {
      if (!lower) throw new PySyntaxError('invalid syntax');
      if (this.isOp(',')) {
        const elts = [lower];
        while (this.eatOp(',') && !this.isOp(']')) elts.push(this.expr());
        return { kind: 'Tuple', elts };
      }
      return lower;
    }
    this.next();
    const upper = part();
    let step: Expr | null = null;
    if (this.eatOp(':')) step = part();
    return { kind: 'Slice', lower, upper, step };
  }

  private atom(): Expr {
    const t = this.next();
    if (t.t === 'num') return { kind: 'Constant', value: t.v };
    if (t.t === 'str') return this.strings(t);
    if (t.t === 'name') {
      if (t.v === 'None') return { kind: 'Constant', value: null };
      if (t.v === 'True') return { kind: 'Constant', value: true };
      if (t.v === 'False') return { kind: 'Constant', value: false };
      if (KEYWORDS.has(t.v)) throw new PySyntaxError('invalid syntax');
      return { kind: 'Name', id: t.v };
    }
    if (t.t === 'op') {
      if (t.v === '...') return { kind: 'Constant', value: { ellipsis: true } };
      if (t.v === '(') {
        if (this.eatOp(')')) return { kind: 'Tuple', elts: [] };
        const first = this.expr();
        if (this.isKw('for')) {
          const generators = this.generators();
          this.expectOp(')');
          return { kind: 'GeneratorExp', elt: first, generators };
        }
        if (this.eatOp(')')) return first;
        const elts = [first];
        while (this.eatOp(',')) {
          if (this.isOp(')')) break;
          elts.push(this.expr());
        }
        this.expectOp(')');
        return { kind: 'Tuple', elts };
      }
      if (t.v === '[') {
        const elts: Expr[] = [];
        while (!this.isOp(']')) {
          elts.push(this.isOp('*') ? (this.next(), { kind: 'Starred', value: this.expr() }) : this.expr());
          if (this.isKw('for') && elts.length === 1 && elts[0]!.kind !== 'Starred') {
            const generators = this.generators();
            this.expectOp(']');
            return { kind: 'ListComp', elt: elts[0]!, generators };
          }
          if (!this.eatOp(',')) break;
        }
        this.expectOp(']');
        return { kind: 'List', elts };
      }
      if (t.v === '{') {
        if (this.eatOp('}')) return { kind: 'Dict', keys: [], values: [] };
        const first = this.expr();
        if (this.isKw('for')) {
          const generators = this.generators();
          this.expectOp('}');
          return { kind: 'SetComp', elt: first, generators };
        }
        if (this.eatOp(':')) {
          const keys = [first];
          const values = [this.expr()];
          if (this.isKw('for')) {
            const generators = this.generators();
            this.expectOp('}');
            return { kind: 'DictComp', key: first, value: values[0]!, generators };
          }
          while (this.eatOp(',') && !this.isOp('}')) {
            keys.push(this.expr());
            this.expectOp(':');
            values.push(this.expr());
          }
          this.expectOp('}');
          return { kind: 'Dict', keys, values };
        }
        const elts = [first];
        while (this.eatOp(',') && !this.isOp('}')) elts.push(this.expr());
        this.expectOp('}');
        return { kind: 'Set', elts };
      }
    }
    throw new PySyntaxError('invalid syntax');
  }

  /** Adjacent literals concatenate; f-strings become JoinedStr. */
  private strings(first: Extract<Tok, { t: 'str' }>): Expr {
    const parts = [first];
    while (this.peek().t === 'str') parts.push(this.next() as Extract<Tok, { t: 'str' }>);
    const isBytes = parts.map((p) => p.prefix.includes('b'));
    if (isBytes.some((b) => b !== isBytes[0])) throw new PySyntaxError('cannot mix bytes and nonbytes literals');
    if (isBytes[0]) return { kind: 'Constant', value: { bytes: parts.map((p) => p.v).join('') } };
    if (!parts.some((p) => p.prefix.includes('f'))) return { kind: 'Constant', value: parts.map((p) => p.v).join('') };
    const values: Expr[] = [];
    const pushText = (s: string) => {
      if (!s) return;
      const last = values[values.length - 1];
      if (last?.kind === 'Constant' && typeof last.value === 'string') values[values.length - 1] = { kind: 'Constant', value: last.value + s };
      else values.push({ kind: 'Constant', value: s });
    };
    for (const p of parts) {
      if (p.prefix.includes('f')) parseFString(p.raw, p.prefix.includes('r'), pushText, (e) => values.push(e));
      else pushText(p.v);
    }
    return { kind: 'JoinedStr', values };
  }
}

/** Literal text goes to `pushText`, replacement fields to `pushField`, in source order. */
function parseFString(raw: string, isRaw: boolean, pushText: (s: string) => void, pushField: (e: Expr) => void): void {
  let text = '';
  const flush = () => {
    if (text) pushText(isRaw ? text : unescapePython(text));
    text = '';
  };
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === '{' && raw[i + 1] === '{') {
      text += '{';
      i++;
    } else if (c === '}' && raw[i + 1] === '}') {
      text += '}';
      i++;
    } else if (c === '{') {
      flush();
      let depth = 0;
      let j = i + 1;
      let quote = '';
      for (; j < raw.length; j++) {
        const d = raw[j]!;
        if (quote) {
          if (d === quote) quote = '';
        } else if (d === "'" || d === '"') quote = d;
        else if (d === '[' || d === '(' || d === '{') depth++;
        else if (d === ']' || d === ')' || (d === '}' && depth > 0)) depth--;
        else if (depth === 0 && (d === '}' || d === '!' || d === ':') && raw[j + 1] !== '=') break;
      }
      const exprSrc = raw.slice(i + 1, j);
      let conversion = -1;
      let k = j;
      if (raw[k] === '!') {
        conversion = raw.charCodeAt(k + 1);
        if (!'sra'.includes(raw[k + 1] ?? '')) throw new PySyntaxError("f-string: invalid conversion character: expected 's', 'r', or 'a'");
        k += 2;
      }
      let formatSpec: Expr | null = null;
      if (raw[k] === ':') {
        // The spec may hold nested replacement fields (`{x:>{width}}`), so find the `}` that closes this field.
        let end = k + 1;
        for (let depth = 0; end < raw.length && (raw[end] !== '}' || depth > 0); end++) {
          if (raw[end] === '{') depth++;
          else if (raw[end] === '}') depth--;
        }
        if (end >= raw.length) throw new PySyntaxError("f-string: expecting '}'");
        const specParts: Expr[] = [];
        const pushSpec = (t: string) => specParts.push({ kind: 'Constant', value: t });
        parseFString(raw.slice(k + 1, end), true, pushSpec, (e) => specParts.push(e));
        formatSpec = { kind: 'JoinedStr', values: specParts };
        k = end;
      }
      if (raw[k] !== '}') throw new PySyntaxError("f-string: expecting '}'");
      if (!exprSrc.trim()) throw new PySyntaxError('f-string: empty expression not allowed');
      pushField({ kind: 'FormattedValue', value: parseExpression(exprSrc), conversion, formatSpec });
      i = k;
    } else if (c === '}') throw new PySyntaxError("f-string: single '}' is not allowed");
    else text += c;
  }
  flush();
}

function run<T>(src: string, f: (p: Parser) => T): T {
  const p = new Parser(tokenize(src));
  const r = f(p);
  p.expectEnd();
  return r;
}

/** A `{{ }}` body or an `if`/`while` condition: an expression, or a bare tuple `a, b`. */
export function parseExpression(src: string): Expr {
  return run(src, (p) => p.exprList());
}

/** `{% for <targets> in <iterable> %}`. */
export function parseFor(src: string): { target: Target; iter: Expr } {
  return run(src, (p) => {
    const target = p.exprList(true);
    checkTarget(target);
    p.expectKw('in');
    return { target, iter: p.exprList() };
  });
}

/** `{% except %}`, `{% except E %}`, `{% except E as e %}`. */
export function parseExcept(src: string): { type: Expr | null; name: string | null } {
  return run(src, (p) => {
    if (p.atEnd()) return { type: null, name: null };
    const type = p.expr();
    let name: string | null = null;
    if (p.eatKw('as')) {
      const t = p.next();
      if (t.t !== 'name' || KEYWORDS.has(t.v)) throw new PySyntaxError('invalid syntax');
      name = t.v;
    }
    return { type, name };
  });
}

/** The statement after `{% set %}`: `x = expr`, `a, b = expr`, `x += expr`, or an expression. */
export function parseSetStatement(src: string): SetStatement {
  return run(src, (p) => {
    const first = p.exprList();
    const aug = ['+=', '-=', '*=', '/=', '//=', '%=', '**='].find((o) => p.isOp(o));
    if (aug) {
      p.next();
      checkTarget(first);
      if (first.kind === 'Tuple') throw new PySyntaxError("'tuple' is an illegal expression for augmented assignment");
      const op = ({ '+=': 'Add', '-=': 'Sub', '*=': 'Mult', '/=': 'Div', '//=': 'FloorDiv', '%=': 'Mod', '**=': 'Pow' } as const)[aug as '+='];
      return { kind: 'AugAssign', target: first, op, value: p.exprList() };
    }
    if (!p.isOp('=')) return { kind: 'ExprStmt', value: first };
    const targets = [first];
    let value = first;
    while (p.eatOp('=')) {
      value = p.exprList();
      targets.push(value);
    }
    targets.pop();
    targets.forEach(checkTarget);
    return { kind: 'Assign', targets, value };
  });
}

function checkTarget(t: Expr): void {
  if (t.kind === 'Name' || t.kind === 'Subscript' || t.kind === 'Attribute') return;
  if (t.kind === 'Tuple' || t.kind === 'List') return t.elts.forEach(checkTarget);
  throw new PySyntaxError('cannot assign to expression');
}

/** Literal values only, like `ast.literal_eval` (used to read Array() output back, spec §8.2 preprocess). */
export function parseLiteral(src: string): ConstantValue | unknown[] {
  const e = parseExpression(src.trim());
  const lit = (x: Expr): unknown => {
    if (x.kind === 'Constant') return x.value;
    if (x.kind === 'List') return x.elts.map(lit);
    if (x.kind === 'UnaryOp' && (x.op === 'USub' || x.op === 'UAdd') && x.operand.kind === 'Constant') {
      const v = x.operand.value;
      if (typeof v === 'bigint') return x.op === 'USub' ? -v : v;
      if (typeof v === 'number') return x.op === 'USub' ? -v : v;
    }
    throw new PySyntaxError('malformed node or string');
  };
  return lit(e) as ConstantValue | unknown[];
}
