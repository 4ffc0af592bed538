// Reading a table's parts alone while its buffers are empty (storage/parts-views.ts says why it is faster and
// when it is exact): a leading CTE named like the table shadows it for the whole query, nested subqueries and
// CTEs included, the way read-access.ts shadows tables with row filters. Only the names the translator writes
// (quoted, unqualified) are redirected; `main."t"` still reads the table's view, which is equally right.
import { partsView } from '../storage/parts-views.ts';

/** Quoted identifiers in `sql` outside string literals and comments, unquoted (`""` → `"`). */
function quotedNames(sql: string): Set<string> {
  const names = new Set<string>();
  for (let i = 0; i < sql.length; ) {
    const c = sql[i]!;
    if (c === "'") {
      const escapes = /[eE]/.test(sql[i - 1] ?? '') && !/\w/.test(sql[i - 2] ?? '');
      for (i++; i < sql.length; i++) {
        if (escapes && sql[i] === '\\') i++;
        else if (sql[i] === "'" && sql[i + 1] === "'") i++;
        else if (sql[i] === "'") break;
      }
      i++;
    } else if (c === '-' && sql[i + 1] === '-') {
      while (i < sql.length && sql[i] !== '\n') i++;
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? sql.length : end + 2;
    } else if (c === '"') {
      const start = i;
      let name = '';
      for (i++; i < sql.length; i++) {
        if (sql[i] === '"' && sql[i + 1] === '"') name += sql[++i];
        else if (sql[i] === '"') break;
        else name += sql[i];
      }
      i++;
      // `x."t"` names something inside x, not the table t.
      if (sql[start - 1] !== '.') names.add(name);
    } else i++;
  }
  return names;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The tables (as `isTable` knows them) `sql` reads by a quoted unqualified name and that a leading CTE may
 * shadow: none unless `sql` is a plain SELECT or a non-recursive WITH, and not a table the query already names a
 * CTE after (a row-filter CTE, or its own).
 */
export function shadowableTables(sql: string, isTable: (name: string) => boolean): string[] {
  if (!/^\s*(?:SELECT\b|WITH\s+(?!RECURSIVE\b)|\()/i.test(sql)) return [];
  return [...quotedNames(sql)].filter(
    (name) => isTable(name) && !new RegExp(`(?:"${escapeRegExp(name.replaceAll('"', '""'))}"|\\b${escapeRegExp(name)}\\b)\\s+AS\\s+(?:NOT\\s+)?(?:MATERIALIZED\\s+)?\\(`, 'i').test(sql),
  );
}

/** `sql` reading the parts-only view of each of `tables` (from shadowableTables) in their place. */
export function withPartsViews(sql: string, tables: readonly string[]): string {
  if (tables.length === 0) return sql;
  const list = tables.map((t) => `"${t.replaceAll('"', '""')}" AS NOT MATERIALIZED (SELECT * FROM ${partsView(t)})`).join(', ');
  const m = /^\s*WITH\s+/i.exec(sql);
  return m ? `WITH ${list}, ${sql.slice(m[0].length)}` : `WITH ${list} ${sql}`;
}
