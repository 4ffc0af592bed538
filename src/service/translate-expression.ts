// Datafiles hold ClickHouse expressions outside queries (DEFAULT, ENGINE_PARTITION_KEY, ENGINE_SORTING_KEY); the
// translator works on whole queries, so an expression (or a list of them) is translated as the ORDER BY list of a
// query whose select list is a constant — a place where the translator adds no aliases.
import { translateSql } from '../sql/index.ts';

export function translateExpression(expr: string): string {
  const sql = translateSql(`SELECT 1 ORDER BY ${expr}`);
  const at = sql.search(/\bORDER\s+BY\s+/i);
  if (at < 0) throw new Error(`unexpected translation of expression ${expr}: ${sql}`);
  return sql.slice(at).replace(/^ORDER\s+BY\s+/i, '');
}
