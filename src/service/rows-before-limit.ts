// `rows_before_limit_at_least` (spec §3.5, §3.7) is only in the answer when the query has a LIMIT; ClickHouse
// counts the rows the outermost LIMIT saw. DuckDB does not report that, so duckbird counts the query without its
// outermost ORDER BY / LIMIT / OFFSET in a second query run beside the first.

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
