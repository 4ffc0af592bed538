// Datafiles hold ClickHouse expressions outside queries (DEFAULT, ENGINE_PARTITION_KEY, ENGINE_SORTING_KEY); the
// translator works on whole queries, so an expression is translated as the select list of one.
import { translateSql } from '../sql/index.ts';

export function translateExpression(expr: string): string {
  const sql = translateSql(`SELECT ${expr}`);
  const m = /^SELECT\s+/i.exec(sql);
  if (!m) throw new Error(`unexpected translation of expression ${expr}: ${sql}`);
  return sql.slice(m[0].length);
}
