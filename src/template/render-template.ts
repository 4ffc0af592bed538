import { CustomTemplateError, TemplateError, TemplateUserError, type HttpStatus } from '../errors.ts';
import { BUILTINS, EXCEPTION_NAMES, PYTHON_BUILTIN_NAMES, exceptionMatches } from './builtins.ts';
import { MAX_ITERATIONS, assign, binaryOp, evaluate, lookup, targetNames, type Scope } from './evaluate.ts';
import { REQUIRED_PARAM_NOT_DEFINED, expressionWrapper, templateFunctions, type RenderState } from './functions.ts';
import { parseTemplate, type Chunk, type Clause, type ParsedTemplate } from './parse-template.ts';
import { parseLiteral } from './py-parser.ts';
import { collectParameters, type ParamMeta } from './template-parameters.ts';
import { CustomErrorSignal, SqlTemplateError, UserErrorSignal } from './template-errors.ts';
import { templateVariables } from './template-variables.ts';
import { RESERVED_PARAM_NAMES, reservedNameWarning } from './params.ts';
import {
  PyDict, PyError, PyFunction, Placeholder, intOf, isInt, pyIter, pyStr, toJs, truthy, type PyValue,
} from './values.ts';

/** What HTTP and JWT give a template: strings (arrays for repeated keys), or JSON values from fixed_params. */
export type TemplateValue = string | number | bigint | boolean | null | readonly TemplateValue[] | { readonly [k: string]: TemplateValue };

export interface RenderOptions {
  /** Placeholder values for every parameter (spec §8.2): used to check templates when the project loads. */
  testMode?: boolean;
  /** Secret/variable lookup for tb_secret()/tb_var() (TB_SECRET_<NAME> environment variables). */
  secrets?: (name: string) => string | undefined;
  nodeName?: string;
  pipeName?: string;
  /**
   * Tinybird's `split_to_array_escape` feature flag (off by default there): lists in `{{ }}` render as
   * `['a','b']` with `''` quote doubling instead of Python's repr `['a', 'b']`.
   */
  escapeArrays?: boolean;
}

export interface RenderResult {
  /** ClickHouse SQL as Tinybird renders it, without the leading `%`. */
  sql: string;
  /** max_threads (number), backend_hint, activate, disable. */
  settings: Record<string, string | number>;
  cacheTtl?: string;
  /** tb_secret() values, referenced in `sql` as ClickHouse query parameters `{name: String}`. */
  queryParams: Record<string, string>;
  /** X-Tb-Warning entries: reserved names used as variables (spec §3.3). */
  warnings: string[];
}

/** spec §8.1: a template is SQL whose first non-blank character is `%`. */
export function isTemplate(sql: string): boolean {
  return /^\s*%/.test(sql);
}


function toPy(v: TemplateValue): PyValue {
  if (v === null || typeof v === 'string' || typeof v === 'boolean' || typeof v === 'bigint') return v;
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v) : v;
  if (Array.isArray(v)) return v.map(toPy);
  const d = new PyDict();
  for (const [k, x] of Object.entries(v as Record<string, TemplateValue>)) d.set(k, toPy(x));
  return d;
}

function joinLast(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

function filterWhitespace(mode: string, text: string): string {
  if (mode === 'single') return text.replace(/[\t ]+/g, ' ').replace(/\s*\n\s*/g, '\n');
  if (mode === 'oneline') return text.replace(/\s+/g, ' ');
  return text;
}

class LoopSignal {
  constructor(readonly kind: 'break' | 'continue') {}
}

interface Run {
  scope: Scope;
  escapeArrays: boolean;
  out: string[];
  line: number;
  iterations: number;
}

function errorType(e: unknown): string {
  if (e instanceof PyError) return e.type;
  if (e instanceof SqlTemplateError || e instanceof UserErrorSignal) return 'ValueError';
  return 'Exception';
}

function exec(chunks: readonly Chunk[], run: Run): LoopSignal | undefined {
  for (const c of chunks) {
    run.line = c.line;
    switch (c.kind) {
      case 'text':
        if (c.value.includes('<pre>')) run.out.push(c.value);
        else run.out.push(filterWhitespace(c.whitespace, c.value));
        break;
      case 'expr': {
        const v = evaluate(c.ast, run.scope);
        run.out.push(pyStr(expressionWrapper(v, c.source, run.escapeArrays)));
        break;
      }
      case 'set': {
        const s = c.stmt;
        if (s.kind === 'Assign') {
          const v = evaluate(s.value, run.scope);
          s.targets.forEach((t) => assign(t, v, run.scope));
        } else if (s.kind === 'AugAssign') {
          assign(s.target, binaryOp(s.op, evaluate(s.target, run.scope), evaluate(s.value, run.scope)), run.scope);
        } else evaluate(s.value, run.scope);
        break;
      }
      case 'break':
      case 'continue':
        return new LoopSignal(c.kind);
      case 'if': {
        const branch = truthy(evaluate(c.test, run.scope))
          ? c.clauses[0]
          : c.clauses.slice(1).find((cl) => cl.kind === 'else' || (cl.kind === 'elif' && (run.line = cl.line, truthy(evaluate(cl.test, run.scope)))));
        if (branch) {
          const sig = exec(branch.body, run);
          if (sig) return sig;
        }
        break;
      }
      case 'for':
      case 'while': {
        let broke = false;
        const step = (): boolean => {
          if (++run.iterations > MAX_ITERATIONS) throw new SqlTemplateError('The template runs too many loop iterations');
          const sig = exec(c.clauses[0]!.body, run);
          if (sig?.kind === 'break') return (broke = true);
          return false;
        };
        if (c.kind === 'for') {
          for (const item of pyIter(evaluate(c.iter, run.scope))) {
            assign(c.target, item, run.scope);
            if (step()) break;
          }
        } else {
          while (truthy(evaluate(c.test, run.scope))) if (step()) break;
        }
        const orelse = c.clauses.find((cl) => cl.kind === 'else');
        if (!broke && orelse) {
          const sig = exec(orelse.body, run);
          if (sig) return sig;
        }
        break;
      }
      case 'try': {
        const sig = execTry(c.clauses, run);
        if (sig) return sig;
        break;
      }
    }
  }
  return undefined;
}

function execTry(clauses: Clause[], run: Run): LoopSignal | undefined {
  const fin = clauses.find((c) => c.kind === 'finally');
  const orelse = clauses.find((c) => c.kind === 'else');
  let sig: LoopSignal | undefined;
  try {
    let failed: unknown;
    try {
      sig = exec(clauses[0]!.body, run);
    } catch (e) {
      if (e instanceof TemplateError) throw e;
      failed = e;
    }
    if (failed === undefined) {
      if (!sig && orelse) sig = exec(orelse.body, run);
    } else {
      const type = errorType(failed);
      const handler = clauses.find((c): c is Extract<Clause, { kind: 'except' }> => {
        if (c.kind !== 'except') return false;
        if (c.type === null) return true;
        const names = c.type.kind === 'Tuple' ? c.type.elts : [c.type];
        return names.some((n) => {
          if (n.kind === 'Name' && EXCEPTION_NAMES.has(n.id) && lookup(n.id, run.scope) instanceof PyFunction) {
            return exceptionMatches(type, n.id);
          }
          throw new PyError('TypeError', 'catching classes that do not inherit from BaseException is not allowed');
        });
      });
      if (!handler) throw failed;
      // The exception is bound as its message (a str), so `{{ e }}` renders as a quoted literal.
      if (handler.name) run.scope.locals.set(handler.name, failed instanceof Error ? failed.message : String(failed));
      sig = exec(handler.body, run);
      if (handler.name) run.scope.locals.delete(handler.name);
    }
  } finally {
    if (fin) {
      const s = exec(fin.body, run);
      if (s) sig = s;
    }
  }
  return sig;
}

function localNamesOf(chunks: readonly Chunk[], out = new Set<string>()): Set<string> {
  for (const c of chunks) {
    if (c.kind === 'set') {
      const s = c.stmt;
      if (s.kind === 'Assign') s.targets.forEach((t) => targetNames(t, out));
      else if (s.kind === 'AugAssign') targetNames(s.target, out);
    } else if (c.kind === 'for' || c.kind === 'if' || c.kind === 'while' || c.kind === 'try') {
      if (c.kind === 'for') targetNames(c.target, out);
      for (const cl of c.clauses) {
        if (cl.kind === 'except' && cl.name) out.add(cl.name);
        localNamesOf(cl.body, out);
      }
    }
  }
  return out;
}

/** ST `preprocess_variables`: values of Array-typed parameters become lists before rendering. */
function preprocess(vars: Map<string, PyValue>, params: ParamMeta[], arrayFn: PyFunction): void {
  for (const [name, value] of vars) {
    const meta = params.find((p) => p.name === name);
    if (!meta || value === null) continue;
    const m = /^Array\((\w+)\)/.exec(meta.type);
    if (!m) continue;
    try {
      const rendered = pyStr(arrayFn.call([value, m[1]!], new Map()));
      const literal = parseLiteral(rendered);
      const py = (x: unknown): PyValue => (Array.isArray(x) ? x.map(py) : (x as PyValue));
      vars.set(name, py(literal));
    } catch {
      continue;
    }
  }
}

/** Python's `re.sub`-free version of Tinybird's strip of the leading `%` (and its line break). */
function stripPercent(sql: string): string {
  const m = /^\s*%(\r?\n)?/.exec(sql);
  return m ? sql.slice(m[0].length) : sql;
}

function toStatus(code: PyValue): HttpStatus {
  const n = isInt(code) ? Number(intOf(code)) : typeof code === 'number' ? code : 400;
  // Tinybird answers with whatever code the template gives; the HTTP layer passes the number through.
  return (Number.isInteger(n) && n >= 100 && n <= 599 ? n : 400) as HttpStatus;
}

export interface Prepared {
  parsed: ParsedTemplate;
  variables: { name: string; line: number }[];
  warnings: string[];
}

/** Parse and run Tinybird's static checks (spec §8.8): syntax, sandbox, `format`/`q` as variable names. */
export function prepareTemplate(sql: string, name = '<string>'): Prepared {
  const parsed = parseTemplate(sql, name);
  const variables = templateVariables(parsed.chunks);
  const warnings: string[] = [];
  for (const v of variables) {
    if (v.name === 'format' || v.name === 'q') {
      throw new TemplateError(`"${v.name}" can not be used as a variable name, line ${v.line}`, v.line);
    }
    if (RESERVED_PARAM_NAMES.includes(v.name) && !warnings.includes(reservedNameWarning(v.name))) {
      warnings.push(reservedNameWarning(v.name));
    }
  }
  return { parsed, variables, warnings };
}

export function renderTemplate(sql: string, vars: Readonly<Record<string, TemplateValue>>, opts: RenderOptions = {}): RenderResult {
  const testMode = opts.testMode ?? false;
  const { parsed, variables, warnings } = prepareTemplate(sql, opts.nodeName ?? '<string>');
  const params = collectParameters(parsed.chunks);
  const state: RenderState = { testMode, secrets: opts.secrets ?? (() => undefined), settings: {}, queryParams: {} };
  const fns = templateFunctions(state);

  const userVars = new Map<string, PyValue>(Object.entries(vars).map(([k, v]) => [k, toPy(v)]));
  preprocess(userVars, params, fns.get('Array') as PyFunction);
  if (params.some((p) => p.name === 'job_timestamp') && !userVars.has('job_timestamp')) {
    userVars.set('job_timestamp', new Date().toISOString().slice(0, 19).replace('T', ' '));
  }

  // ST `generate` namespace order: Tinybird's namespace, then variables, then functions (later wins).
  const globals = new Map<string, PyValue>();
  for (const n of ['__buildins__', '__import__', '__debug__', '__doc__', '__name__', '__package__']) globals.set(n, new PyDict());
  for (const n of ['open', 'close', 'print', 'input', 'id']) globals.set(n, null);
  globals.set('symbol', fns.get('Symbol')!);
  for (const n of ['column', 'error', 'custom_error']) globals.set(n, fns.get(n)!);
  for (const v of variables) globals.set(v.name, testMode ? new Placeholder(v.name, v.line) : null);
  for (const [k, v] of userVars) globals.set(k, v);
  for (const [k, v] of fns) globals.set(k, v);

  const scope: Scope = {
    globals, builtins: BUILTINS, localNames: localNamesOf(parsed.chunks), locals: new Map(), budget: { left: MAX_ITERATIONS },
  };
  const run: Run = { scope, escapeArrays: opts.escapeArrays ?? false, out: [], line: 1, iterations: 0 };
  try {
    exec(parsed.chunks, run);
  } catch (e) {
    throw translateError(e, run, params, globals, testMode);
  }
  return {
    sql: stripPercent(run.out.join('')),
    settings: state.settings,
    ...(state.cacheTtl ? { cacheTtl: state.cacheTtl } : {}),
    queryParams: state.queryParams,
    warnings,
  };
}

const PREFIX = 'Template Syntax Error: ';

/** ST `render_sql_template` / `generate` exception handling: which errors get which text. */
function translateError(e: unknown, run: Run, params: ParamMeta[], globals: Map<string, PyValue>, testMode: boolean): Error {
  const line = run.line;
  if (e instanceof TemplateError) return e;
  if (e instanceof CustomErrorSignal) return new CustomTemplateError(toJs(e.body), toStatus(e.code));
  if (e instanceof PyError && e.type === 'UnboundLocalError') return new TemplateError(PREFIX + e.message, line);
  if (e instanceof PyError && e.type === 'TypeError') {
    let msg = e.message;
    if (msg.includes("not supported between instances of 'Placeholder' and ")) {
      msg += '. If you are using a dynamic parameter, you need to wrap it around a valid Data Type (e.g. Int8(placeholder))';
    }
    return generic(msg, e, line, globals);
  }
  const x = globals.get('x');
  if (testMode && x instanceof Placeholder && x.line !== 'unknown' && !(e instanceof CustomErrorSignal)) {
    return generic(`${e instanceof SqlTemplateError ? e.message : (e as Error).message}, line ${x.line}`, e, line, globals);
  }
  if (e instanceof PyError && e.type === 'NameError') {
    const name = /^name '(.*)' is not defined$/.exec(e.message)?.[1];
    if (name && PYTHON_BUILTIN_NAMES.has(name)) return new TemplateError(`${PREFIX}'${name}' is not supported in duckbird templates`, line);
    return new TemplateError(PREFIX + e.message, line);
  }
  if (e instanceof SqlTemplateError) {
    if (e.requiredParam || e.detail.includes(REQUIRED_PARAM_NOT_DEFINED)) {
      const names: string[] = [];
      for (const p of params) {
        if (p.default === null && p.usedIn === undefined && !names.includes(p.name) && p.name !== 'job_timestamp') names.push(p.name);
      }
      if (names.length) {
        return new TemplateError(`${PREFIX}${REQUIRED_PARAM_NOT_DEFINED}. Check the parameters ${joinLast(names)}. Please provide a value or set a default value in the pipe code.`, line);
      }
    }
    return new TemplateError(e.message, line);
  }
  if (e instanceof PyError && e.type === 'AttributeError') {
    if (e.message.includes("'str' object has no attribute 'get'")) {
      return new TemplateError(`${PREFIX}'str' object has no attribute 'get'. Make sure you're using an object/dictionary where trying to use .get()`, line);
    }
    return new TemplateError(PREFIX + e.message, line);
  }
  if (e instanceof PyError && e.type === 'IndexError') {
    if (e.message.includes('string index out of range')) {
      return new TemplateError(`${PREFIX}String index out of range. Check that string parameters have values before accessing specific characters (e.g., param[0]). Provide default values or add length checks in your template.`, line);
    }
    return new TemplateError(PREFIX + e.message, line);
  }
  if (e instanceof UserErrorSignal) {
    if (globals.has('length') && !truthy(globals.get('length')!)) return generic(e.message, e, line, globals);
    return new TemplateUserError(e.message, toStatus(e.code));
  }
  if (e instanceof PyError) return generic(e.message, e, line, globals);
  return e instanceof Error ? e : new Error(String(e));
}

function generic(msg: string, e: unknown, line: number, globals: Map<string, PyValue>): Error {
  if (globals.has('length') && !truthy(globals.get('length')!)) {
    return new TemplateError(`${PREFIX}length cannot be used as a variable name or as a function inside of a template`, line);
  }
  if (msg.includes('missing 1 required positional argument')) {
    return new TemplateError(`${PREFIX}one of the transform type functions is missing an argument`, line);
  }
  if (msg.includes('not callable') || msg.includes('unhashable type')) {
    return new TemplateError(`${PREFIX}wrong syntax, you might be using a not valid function inside a control block`, line);
  }
  void e;
  return new TemplateError(msg, line);
}

/** spec §8.2/§8.8: render with placeholders so a broken template fails when the project loads, with its line. */
export function validateTemplate(sql: string, opts: Omit<RenderOptions, 'testMode'> = {}): RenderResult {
  return renderTemplate(sql, {}, { ...opts, testMode: true });
}

