// Scalar calls whose shape a DuckDB macro cannot express: variadics, lambdas first, type arguments,
// time-zone arguments (zoned-calls.ts), literal format strings. Everything else is passed through to the macros of
// function-library.ts (DuckDB resolves function names case-insensitively).
import type { Token } from './tokenize.ts';
import { duckdbString } from './tokenize.ts';
import { isGroup, isOp, isWord, type Node } from './token-tree.ts';
import type { Translator } from './translate-sql.ts';
import { namedStruct } from './tokenize.ts';
import { datetime64Type, duckdbType } from './types.ts';
import { unsupported } from './unsupported.ts';
import { WEEK_UNITS } from './function-library.ts';
import { translateZonedCall } from './zoned-calls.ts';

const LAMBDA_FUNCTIONS: Record<string, (arr: string, f: string) => string> = {
  arrayMap: (a, f) => `list_transform(${a}, ${f})`,
  arrayFilter: (a, f) => `list_filter(${a}, ${f})`,
  arrayExists: (a, f) => `CAST(coalesce(list_bool_or(list_transform(${a}, ${f})), false) AS UTINYINT)`,
  arrayAll: (a, f) => `CAST(coalesce(list_bool_and(list_transform(${a}, ${f})), true) AS UTINYINT)`,
  arrayCount: (a, f) => `CAST(len(list_filter(${a}, ${f})) AS UINTEGER)`,
  arraySum: (a, f) => `arraySum(list_transform(${a}, ${f}))`,
  // Nothing found is the element type's default in ClickHouse.
  arrayFirst: (a, f) => `arrayElement(list_filter(${a}, ${f}), 1)`,
  arrayLast: (a, f) => `arrayElement(list_filter(${a}, ${f}), -1)`,
  arrayFirstIndex: (a, f) => `CAST(coalesce(list_position(list_transform(${a}, ${f}), true), 0) AS UINTEGER)`,
};

/** ClickHouse formatDateTime directives → strftime (ClickHouse ≥ 23.4: %M is the month name, %i minutes). */
const DATE_FORMAT: Record<string, string> = {
  Y: '%Y', m: '%m', d: '%d', H: '%H', i: '%M', S: '%S', s: '%S', F: '%Y-%m-%d', T: '%H:%M:%S', D: '%m/%d/%y',
  y: '%y', j: '%j', M: '%B', b: '%b', a: '%a', p: '%p', I: '%I', u: '%u', w: '%w', V: '%V', R: '%H:%M', '%': '%%',
  h: '%I', n: '\n', t: '\t', C: '%C', G: '%G', g: '%g', B: '%B', W: '%A', e: '%-d',
};

export const INT_MACROS: Record<string, string> = {
  toInt8: 'TINYINT', toInt16: 'SMALLINT', toInt32: 'INTEGER', toInt64: 'BIGINT', toInt128: 'HUGEINT',
  toUInt8: 'UTINYINT', toUInt16: 'USMALLINT', toUInt32: 'UINTEGER', toUInt64: 'UBIGINT', toUInt128: 'UHUGEINT',
};

/** JSONExtract(j, path..., 'Type'): the value converted to Type, or Type's default (NULL for Nullable). */
function jsonExtractAs(j: string, path: string, typeTok: Token): string {
  const chType = typeTok.text.trim();
  let duck: string;
  try {
    duck = duckdbType(chType);
  } catch {
    throw unsupported(`JSONExtract type ${chType}`, typeTok);
  }
  const nullable = /^Nullable\(/.test(chType);
  const orDefault = (x: string, def: string) => (nullable ? x : `coalesce(${x}, ${def})`);
  const intMacro = Object.entries(INT_MACROS).find(([, t]) => t === duck)?.[0];
  if (intMacro) {
    const v = `CASE WHEN ch_json_text(${j}, ${path}) IS NOT NULL THEN ch_json_${duck.startsWith('U') ? 'uint' : 'int'}(${j}, ${path}) END`;
    return orDefault(`TRY_CAST(${v} AS ${duck})`, '0');
  }
  if (duck === 'DOUBLE' || duck === 'FLOAT') return orDefault(`TRY_CAST(ch_json_text(${j}, ${path}) AS ${duck})`, '0');
  if (duck === 'VARCHAR') return orDefault(`ch_json_text(${j}, ${path})`, "''");
  if (duck === 'BOOLEAN') return orDefault(`TRY_CAST(ch_json_text(${j}, ${path}) AS BOOLEAN)`, 'false');
  if (duck.endsWith('[]')) return `coalesce(TRY_CAST(CASE WHEN json_valid(${j}) THEN json_extract(${j}, ${path}) END AS ${duck}), [])`;
  throw unsupported(`JSONExtract type ${chType}`, typeTok);
}

/** Whether a regular expression has a capturing group: `(` neither escaped nor opening `(?...)`. */
function hasCapturingGroup(re: string): boolean {
  let inClass = false;
  for (let k = 0; k < re.length; k++) {
    const ch = re[k];
    if (ch === '\\') k++;
    else if (inClass) inClass = ch !== ']';
    else if (ch === '[') inClass = true;
    else if (ch === '(' && re[k + 1] !== '?') return true;
  }
  return false;
}

function isLambda(nodes: readonly Node[]): boolean {
  return nodes.some((n) => isOp(n, '->'));
}

export function translateScalarCall(tr: Translator, name: Token, argNodes: Node[][], aliases: ReadonlyMap<string, string>): string {
  const fn = name.text;
  const zoned = translateZonedCall(tr, name, argNodes, aliases);
  if (typeof zoned === 'string') return zoned;
  if (zoned !== null) ({ argNodes, aliases } = zoned);
  const lower = fn.toLowerCase();
  if (lower === 'cast' || lower === 'try_cast') {
    const inner = argNodes.length === 1 ? argNodes[0]! : null;
    const asAt = inner ? inner.findIndex((n) => isWord(n, 'AS')) : -1;
    let value: Node[];
    let type: Node[];
    if (inner && asAt > 0) {
      value = inner.slice(0, asAt);
      type = inner.slice(asAt + 1);
    } else if (argNodes.length === 2 && argNodes[1]!.length === 1 && argNodes[1]![0]!.kind === 'string') {
      value = argNodes[0]!;
      type = argNodes[1]!;
    } else throw unsupported(`${fn}`, name);
    if (lower === 'cast') return tr.castValue(value, tr.expr(value, aliases), type, type[0] ?? name, aliases);
    return `TRY_CAST(${tr.expr(value, aliases)} AS ${tr.chType(type, type[0] ?? name)})`;
  }
  if (LAMBDA_FUNCTIONS[fn] && argNodes.length >= 1 && isLambda(argNodes[0]!)) {
    if (argNodes.length !== 2) throw unsupported(`${fn} over several arrays`, name);
    return LAMBDA_FUNCTIONS[fn](tr.expr(argNodes[1]!, aliases), tr.expr(argNodes[0]!, aliases));
  }
  if (fn === 'arraySort' || fn === 'arrayReverseSort') {
    if (argNodes.length === 1) return `list_sort(${tr.expr(argNodes[0]!, aliases)}${fn === 'arrayReverseSort' ? ", 'DESC'" : ''})`;
    throw unsupported(`${fn} with a lambda`, name);
  }
  const args = () => argNodes.map((a) => tr.expr(a, aliases));
  // SQL-standard names are case-insensitive in ClickHouse.
  const CASELESS: Record<string, string> = { substring: 'substring', substr: 'substr', mid: 'mid', left: 'left', right: 'right', log: 'log', ln: 'log' };
  switch (CASELESS[lower] ?? fn) {
    case 'multiIf': {
      const a = args();
      if (a.length < 3 || a.length % 2 === 0) throw unsupported('multiIf with an even number of arguments', name);
      let s = 'CASE';
      for (let k = 0; k + 1 < a.length; k += 2) s += ` WHEN ${a[k]} THEN ${a[k + 1]}`;
      return `${s} ELSE ${a[a.length - 1]} END`;
    }
    case 'if': {
      const a = args();
      if (a.length !== 3) throw unsupported('if without 3 arguments', name);
      return `CASE WHEN ${a[0]} THEN ${a[1]} ELSE ${a[2]} END`;
    }
    case 'concat': {
      // ClickHouse concat is NULL if any argument is NULL, like `||` (DuckDB's concat skips NULLs).
      const a = argNodes.map((n) => (n.length === 1 && n[0]!.kind === 'string' ? tr.expr(n, aliases) : `toString(${tr.expr(n, aliases)})`));
      return a.length === 0 ? "''" : `(${a.join(' || ')})`;
    }
    case 'tuple':
      return namedStruct(args());
    case 'round':
      return `ch_round(${args().join(', ')})`;
    case 'dateDiff': {
      // The macro's own ELSE branch when the unit is a literal other than a week (function-library.ts).
      const unit = argNodes[0];
      const literal = unit?.length === 1 && unit[0]!.kind === 'string' ? (unit[0] as Token).text.toLowerCase() : null;
      return `${literal !== null && argNodes.length === 3 && !WEEK_UNITS.includes(literal) ? 'date_diff' : 'dateDiff'}(${args().join(', ')})`;
    }
    // Bytes, not characters (function-library.ts ch_byte_slice).
    case 'substring':
    case 'substr':
    case 'mid':
    case 'substringUTF8': {
      const a = args();
      if (a.length !== 2 && a.length !== 3) throw unsupported(`${fn} with ${a.length} arguments`, name);
      return `ch_substring${fn === 'substringUTF8' ? '_utf8' : ''}(${a[0]}, ${a[1]}, ${a[2] ?? 'NULL'})`;
    }
    case 'left':
    case 'right':
      return `ch_${lower}(${args().join(', ')})`;
    // The first capturing group where the pattern has one, else the whole match ('' / [] where nothing matches).
    // `extract(` itself is DuckDB syntax (EXTRACT(part FROM t)), so it must be rewritten.
    case 'extract':
    case 'extractAll':
    case 'regexpExtract': {
      const re = argNodes[1];
      if (argNodes.length !== 2 || re?.length !== 1 || re[0]!.kind !== 'string') throw unsupported(`${fn} with a computed pattern`, name);
      const group = hasCapturingGroup((re[0] as Token).text) ? 1 : 0;
      return `${fn === 'extractAll' ? 'regexp_extract_all' : 'regexp_extract'}(${args().join(', ')}, ${group})`;
    }
    // ClickHouse hashes are binary strings (hex(MD5(s)) is the digest's hex); DuckDB's md5/sha256 give hex text.
    case 'MD5':
    case 'SHA1':
    case 'SHA256':
      return `unhex(${fn.toLowerCase()}(${args().join(', ')}))`;
    // ClickHouse's log is the natural logarithm (DuckDB's log is base 10).
    case 'log':
      return `ln(${args().join(', ')})`;
    case 'isNaN':
    case 'isFinite':
    case 'isInfinite':
      return `CAST(${fn === 'isInfinite' ? 'isinf' : lower}(${args().join(', ')}) AS UTINYINT)`;
    case 'position':
    case 'locate':
      return `ch_position(${args().join(', ')})`;
    case 'array':
      return `[${args().join(', ')}]`;
    case 'map': {
      const a = args();
      if (a.length % 2) throw unsupported('map with an odd number of arguments', name);
      const kv: string[] = [];
      for (let k = 0; k < a.length; k += 2) kv.push(`${a[k]}: ${a[k + 1]}`);
      return `MAP {${kv.join(', ')}}`;
    }
    case 'like':
    case 'notLike':
    case 'ilike':
    case 'notILike': {
      const a = args();
      const op = { like: 'LIKE', notLike: 'NOT LIKE', ilike: 'ILIKE', notILike: 'NOT ILIKE' }[fn];
      return `CAST((${a[0]} ${op} ${a[1]} ESCAPE '\\') AS UTINYINT)`;
    }
    // isNull is a keyword in DuckDB, so it cannot be a macro.
    case 'isNull':
    case 'isNotNull':
      return `CAST((${args()[0]}) IS ${fn === 'isNull' ? '' : 'NOT '}NULL AS UTINYINT)`;
    // ClickHouse length is UInt64 and counts the bytes of a String (DuckDB's length counts characters).
    case 'length':
      return `ch_length(${args().join(', ')})`;
    // Within the default frame lagInFrame sees the same preceding rows as lag; leadInFrame needs an
    // explicit frame in ClickHouse, and DuckDB's lead ignores frames (README: known difference).
    case 'lagInFrame':
    case 'leadInFrame': {
      // Past the frame ClickHouse gives the column type's default, not NULL.
      const a = args();
      return `${fn === 'lagInFrame' ? 'lag' : 'lead'}(${a[0]}, ${a[1] ?? 1}, ${a[2] ?? `ch_default(${a[0]})`})`;
    }
    case 'arrayJoin':
      return `unnest(${args().join(', ')})`;
    case 'toDateTime64': {
      const p = argNodes[1];
      if (!p || p.length !== 1 || p[0]!.kind !== 'number') throw unsupported('toDateTime64 without a literal precision', name);
      const prec = Number((p[0] as Token).text);
      const t = datetime64Type(prec);
      const v = `CAST(${tr.expr(argNodes[0]!, aliases)} AS ${t})`;
      // DateTime64(0) is a TIMESTAMP holding whole seconds, like DateTime (types.ts).
      return t === 'TIMESTAMP' ? `date_trunc('second', ${v})` : v;
    }
    case 'toDecimal32':
    case 'toDecimal64':
    case 'toDecimal128':
    case 'toDecimal256': {
      const s = argNodes[1];
      if (!s || s.length !== 1 || s[0]!.kind !== 'number') throw unsupported(`${fn} without a literal scale`, name);
      const p = { toDecimal32: 9, toDecimal64: 18, toDecimal128: 38, toDecimal256: 38 }[fn];
      return `CAST(${tr.expr(argNodes[0]!, aliases)} AS DECIMAL(${p}, ${(s[0] as Token).text}))`;
    }
    case 'toStartOfInterval': {
      let iv = argNodes[1];
      // toIntervalDay(n) is INTERVAL n DAY.
      const ivCall = iv?.length === 2 && isWord(iv[0]) && /^toInterval[A-Za-z]+$/.test((iv[0] as Token).text) && isGroup(iv[1], '(') ? iv : null;
      if (ivCall) {
        const t = ivCall[0] as Token;
        iv = [{ ...t, text: 'INTERVAL' }, ...(ivCall[1] as { items: readonly Node[] }).items, { ...t, text: t.text.slice('toInterval'.length).toUpperCase() }];
      }
      if (!iv || !isWord(iv[0], 'INTERVAL')) throw unsupported('toStartOfInterval without an INTERVAL literal', name);
      const unit = iv[iv.length - 1];
      // ClickHouse counts intervals from the Unix epoch, weeks from a Monday (1970-01-05), and hours from the
      // start of the day (measured with chdb: 5-hour buckets of 2024-01-02 start at 00:00, not at 23:00 the day
      // before as from the epoch).
      const t = tr.expr(argNodes[0]!, aliases);
      const origin = isWord(unit, 'HOUR', 'HOURS')
        ? `date_trunc('day', CAST(${t} AS TIMESTAMP))`
        : `TIMESTAMP '${isWord(unit, 'WEEK', 'WEEKS') ? '1970-01-05' : '1970-01-01'} 00:00:00'`;
      const bucket = `time_bucket(${tr.expr(iv, aliases)}, CAST(${t} AS TIMESTAMP), ${origin})`;
      // Week and longer buckets are a Date in ClickHouse, shorter ones keep the argument's type.
      if (isWord(unit, 'WEEK', 'WEEKS', 'MONTH', 'MONTHS', 'QUARTER', 'QUARTERS', 'YEAR', 'YEARS')) return `CAST(${bucket} AS DATE)`;
      return `cast_to_type(${bucket}, ${t})`;
    }
    case 'formatDateTime': {
      const f = argNodes[1];
      if (!f || f.length !== 1 || f[0]!.kind !== 'string') throw unsupported('formatDateTime with a computed format', name);
      let out = '';
      const s = (f[0] as Token).text;
      for (let k = 0; k < s.length; k++) {
        if (s[k] !== '%') {
          out += s[k];
          continue;
        }
        const dir = DATE_FORMAT[s[k + 1] ?? ''];
        if (dir === undefined) throw unsupported(`formatDateTime directive %${s[k + 1] ?? ''}`, f[0]);
        out += dir;
        k++;
      }
      return `strftime(${tr.expr(argNodes[0]!, aliases)}, ${duckdbString(out)})`;
    }
    case 'JSONExtractString':
    case 'JSONExtractRaw':
    case 'JSONExtractArrayRaw':
    case 'JSONExtractInt':
    case 'JSONExtractUInt':
    case 'JSONExtractFloat':
    case 'JSONExtractBool':
    case 'JSONHas':
    case 'JSONExtract': {
      let typeArg: Token | null = null;
      if (fn === 'JSONExtract') {
        const last = argNodes[argNodes.length - 1];
        if (argNodes.length < 2 || last!.length !== 1 || last![0]!.kind !== 'string') throw unsupported('JSONExtract without a literal type', name);
        typeArg = last![0] as Token;
        argNodes = argNodes.slice(0, -1);
      }
      const a = args();
      if (a.length < 1) throw unsupported(fn, name);
      const keys = argNodes.slice(1).map((k) => {
        if (k.length !== 1 || (k[0]!.kind !== 'string' && k[0]!.kind !== 'number')) throw unsupported(`${fn} with a computed key`, k[0] ?? name);
        const t = k[0] as Token;
        return t.kind === 'number' ? `[${Number(t.text) > 0 ? Number(t.text) - 1 : `#${t.text}`}]` : `."${t.text.replaceAll('"', '\\"')}"`;
      });
      const path = duckdbString('$' + keys.join(''));
      const j = a[0];
      if (typeArg) return jsonExtractAs(j!, path, typeArg);
      switch (fn) {
        case 'JSONExtractString':
          return `coalesce(ch_json_text(${j}, ${path}), '')`;
        case 'JSONExtractRaw':
          return `ch_json_raw(${j}, ${path})`;
        case 'JSONExtractArrayRaw':
          return `ch_json_array_raw(${j}, ${path})`;
        case 'JSONExtractInt':
          return `ch_json_int(${j}, ${path})`;
        case 'JSONExtractUInt':
          return `ch_json_uint(${j}, ${path})`;
        case 'JSONExtractFloat':
          return `ch_json_float(${j}, ${path})`;
        case 'JSONExtractBool':
          return `ch_json_bool(${j}, ${path})`;
        default:
          return `ch_json_has(${j}, ${path})`;
      }
    }
  }
  if (argNodes.length === 1 && argNodes[0]!.length === 0) return `${fn}()`;
  if (argNodes.some((a) => a.length === 0)) throw unsupported(`empty argument in ${fn}`, name);
  if (argNodes.some((a) => isGroup(a[0], '(') && a.length > 1 && isOp(a[1], '->'))) throw unsupported(`lambda in ${fn}`, name);
  return `${fn}(${args().join(', ')})`;
}
