// `rows_before_limit_at_least` (spec §3.5, §3.7) is only in the answer when the query has a LIMIT; ClickHouse
// counts the rows the outermost LIMIT saw. DuckDB does not report that. Counting the query again without its
// outermost ORDER BY / LIMIT / OFFSET costs a second scan, so run-query.ts avoids it where the answer is known
// without it: a page shorter than the LIMIT ends the rows (offset + rows), and for a grouped query
// `count(*) OVER ()` in the SELECT list counts the groups at no extra cost (DuckDB evaluates windows after GROUP BY
// and HAVING, before ORDER BY and LIMIT, and the top-N still applies). On a query that is not grouped the window
// would make DuckDB materialise every row and give up the top-N, so those are counted separately.

interface Word {
  readonly text: string;
  readonly start: number;
}

/** Upper-cased keywords at parenthesis depth 0 of DuckDB SQL, skipping strings, identifiers and comments. */
function topLevelWords(sql: string): Word[] {
  const words: Word[] = [];
  let depth = 0;
  for (let i = 0; i < sql.length; ) {
    const c = sql[i]!;
    if (c === "'" || c === '"') {
      const escapes = c === "'" && /[eE]/.test(sql[i - 1] ?? '') && !/[\w]/.test(sql[i - 2] ?? '');
      i++;
      while (i < sql.length) {
        if (escapes && sql[i] === '\\') i += 2;
        else if (sql[i] === c && sql[i + 1] === c) i += 2;
        else if (sql[i] === c) break;
        else i++;
      }
      i++;
    } else if (c === '-' && sql[i + 1] === '-') {
      while (i < sql.length && sql[i] !== '\n') i++;
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? sql.length : end + 2;
    } else if (c === '(' || c === '[' || c === '{') {
      depth++;
      i++;
    } else if (c === ')' || c === ']' || c === '}') {
      depth--;
      i++;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(sql.slice(i, i + 64))!;
      if (depth === 0) words.push({ text: m[0].toUpperCase(), start: i });
      i += m[0].length;
    } else i++;
  }
  return words;
}

/**
 * The query without its outermost ORDER BY / LIMIT / OFFSET, or null when it has no outermost LIMIT
 * (then ClickHouse leaves `rows_before_limit_at_least` out).
 */
export function withoutOuterLimit(sql: string): string | null {
  const words = topLevelWords(sql);
  let lastSelect = -1;
  words.forEach((w, i) => {
    if (w.text === 'SELECT') lastSelect = i;
  });
  const tail = words.slice(lastSelect + 1);
  if (!tail.some((w) => w.text === 'LIMIT')) return null;
  const cut = tail.find((w, i) => (w.text === 'ORDER' && tail[i + 1]?.text === 'BY') || w.text === 'LIMIT' || w.text === 'OFFSET');
  return sql.slice(0, cut!.start).trimEnd();
}

/** How `rows_before_limit_at_least` can be had for a query with an outermost LIMIT (see the top of this file). */
export interface LimitPlan {
  /** The query without its outermost ORDER BY / LIMIT / OFFSET: what `SELECT count(*)` counts. */
  readonly unlimited: string;
  /** The LIMIT when it is a literal (or `toInt32('100')`, how templates render `Int32(limit, 100)`), else null. */
  readonly limit: number | null;
  /** The OFFSET likewise (0 without one), else null. */
  readonly offset: number | null;
  /** A grouped query with `count(*) OVER ()` as an extra last column (WINDOW_COLUMN), else null. */
  readonly windowed: string | null;
}

export const WINDOW_COLUMN = '__rows_before_limit';

/** An integer literal, or one passed through one of ClickHouse's integer conversions. */
function literalCount(expr: string): number | null {
  const m = /^(?:to(?:U?Int(?:8|16|32|64))\(\s*'?\s*(\d+)\s*'?\s*\)|(\d+))$/.exec(expr.trim());
  const n = m ? Number(m[1] ?? m[2]) : NaN;
  return Number.isSafeInteger(n) ? n : null;
}

/** null when the query has no outermost LIMIT (then ClickHouse leaves `rows_before_limit_at_least` out). */
export function planRowsBeforeLimit(sql: string): LimitPlan | null {
  const words = topLevelWords(sql);
  let lastSelect = -1;
  words.forEach((w, i) => {
    if (w.text === 'SELECT') lastSelect = i;
  });
  const tail = words.slice(lastSelect + 1);
  const limitAt = tail.findIndex((w) => w.text === 'LIMIT');
  if (limitAt < 0) return null;
  const cut = tail.find((w, i) => (w.text === 'ORDER' && tail[i + 1]?.text === 'BY') || w.text === 'LIMIT' || w.text === 'OFFSET')!;
  const unlimited = sql.slice(0, cut.start).trimEnd();

  // The text of each clause runs to the next of LIMIT / OFFSET, or to the end.
  const clause = (name: string): string | null => {
    const at = tail.findIndex((w) => w.text === name);
    if (at < 0) return null;
    const next = tail.slice(at + 1).find((w) => w.text === 'LIMIT' || w.text === 'OFFSET');
    return sql.slice(tail[at]!.start + name.length, next ? next.start : sql.length).replace(/;\s*$/, '');
  };
  const limit = literalCount(clause('LIMIT')!);
  const offsetText = clause('OFFSET');
  const offset = offsetText === null ? 0 : literalCount(offsetText);

  let windowed: string | null = null;
  const grouped = tail.some((w, i) => w.text === 'GROUP' && tail[i + 1]?.text === 'BY');
  // DISTINCT and QUALIFY apply after windows; in a set operation the last SELECT is only one branch.
  const unsafe = tail[0]?.text === 'DISTINCT' || tail.some((w) => w.text === 'QUALIFY') || words.some((w) => ['UNION', 'INTERSECT', 'EXCEPT'].includes(w.text));
  const from = tail.find((w) => w.text === 'FROM');
  if (grouped && !unsafe && from) {
    windowed = `${sql.slice(0, from.start).trimEnd()}, count(*) OVER () AS "${WINDOW_COLUMN}" ${sql.slice(from.start)}`;
  }
  return { unlimited, limit, offset, windowed };
}
