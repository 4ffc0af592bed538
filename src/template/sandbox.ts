import { dumpAst, type Expr } from './py-ast.ts';

// TT `VALID_FUNCTION_NAMES` / `VALID_METHOD_NAMES`: the only calls allowed inside `{{ }}` (spec §8.1).
export const VALID_CUSTOM_FUNCTION_NAMES = new Set([
  'defined', 'column', 'columns', 'day_diff', 'date_diff_in_seconds', 'date_diff_in_minutes', 'date_diff_in_hours',
  'date_diff_in_days', 'split_to_array', 'enumerate_with_last', 'sql_and',
]);
export const VALID_FUNCTION_NAMES = new Set([
  'Boolean', 'DateTime', 'DateTime64', 'Date', 'Float32', 'Float64', 'Int8', 'Int16', 'Int32', 'Int64', 'Int128',
  'Int256', 'UInt8', 'UInt16', 'UInt32', 'UInt64', 'UInt128', 'UInt256', 'String', 'Array', 'symbol', 'cache_ttl',
  'error', 'custom_error', 'backend_hint', 'activate', 'disable', 'sql_unescape', 'max_threads', 'tb_secret', 'tb_var',
  'Int', 'table', 'TABLE', 'len', 'list', 'min', 'max', 'Integer', 'int', 'float', 'JSON', ...VALID_CUSTOM_FUNCTION_NAMES,
]);
const VALID_METHOD_NAMES = new Set(['split', 'get', 'join', 'replace']);

/** Tinybird's `SecurityException`: the `{{ }}` expression uses something outside the sandbox. */
export class SecurityError extends Error {}

/** TT `check_valid_expr`: only the top-level shape and positional args are walked, as Tinybird does. */
export function checkValidExpr(e: Expr): void {
  switch (e.kind) {
    case 'Call': {
      const f = e.func;
      if (f.kind === 'Name') {
        if (!VALID_FUNCTION_NAMES.has(f.id)) throw new SecurityError(`Invalid function name: ${f.id}`);
      } else if (f.kind === 'Call') checkValidExpr(f);
      else if (f.kind === 'Attribute') {
        if (!VALID_METHOD_NAMES.has(f.attr)) throw new SecurityError(`Invalid method name: ${f.attr}`);
        checkValidExpr(f.value);
      } else throw new SecurityError(`Invalid function: ${dumpAst(e)}`);
      e.args.forEach(checkValidExpr);
      return;
    }
    case 'Constant': {
      const v = e.value;
      if (v === null || typeof v !== 'object') return;
      throw new SecurityError(`Invalid Constant: ${dumpAst(e)}`);
    }
    case 'Name':
      return;
    case 'UnaryOp':
      if (e.op !== 'USub' && e.op !== 'Not') throw new SecurityError(`Invalid UnaryOp: ${e.op}()`);
      return checkValidExpr(e.operand);
    case 'BinOp':
      if (e.op !== 'Add' && e.op !== 'Mult' && e.op !== 'Sub') throw new SecurityError(`Invalid BinOp: ${e.op}()`);
      checkValidExpr(e.left);
      return checkValidExpr(e.right);
    case 'Subscript': {
      checkValidExpr(e.value);
      const s = e.slice;
      if (s.kind === 'Slice') {
        if (s.lower) checkValidExpr(s.lower);
        if (s.upper) checkValidExpr(s.upper);
      } else if (s.kind === 'Constant' || s.kind === 'Subscript') checkValidExpr(s);
      else throw new SecurityError(`Invalid Slice expression: ${dumpAst(s)}`);
      return;
    }
    case 'Dict':
      e.keys.forEach(checkValidExpr);
      return e.values.forEach(checkValidExpr);
    case 'Tuple':
    case 'List':
    case 'Set':
      return e.elts.forEach(checkValidExpr);
    case 'JoinedStr':
      return e.values.forEach(checkValidExpr);
    case 'FormattedValue':
      return checkValidExpr(e.value);
    case 'IfExp':
      checkValidExpr(e.test);
      checkValidExpr(e.body);
      return checkValidExpr(e.orelse);
    default:
      throw new SecurityError(`Invalid expression type: ${dumpAst(e)}`);
  }
}
