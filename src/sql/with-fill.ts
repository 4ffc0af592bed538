// ORDER BY ... WITH FILL as DuckDB SQL over the translated query (design.md: syntax DuckDB lacks is rewritten).
import type { Node } from './token-tree.ts';

/** A parsed `key WITH FILL [FROM a] [TO b] [STEP s]`, its expressions already translated. */
export interface Fill {
  readonly column: string;
  readonly from: string | null;
  readonly to: string | null;
  readonly step: string | null;
  readonly interval: boolean;
  /** `DESC WITH FILL`: the grid runs down from FROM (default: the largest key) by a negative STEP (default -1). */
  readonly descending: boolean;
  readonly at: Node;
}

/**
 * ClickHouse's WITH FILL (measured with chdb): the values FROM (default: the smallest key) + k * STEP up to TO
 * (exclusive; default: the largest key, inclusive) that no row has are added as rows holding the default of
 * every other column; descending, the same from the largest key down. Rows off that grid stay and do not shift it. Dates need an INTERVAL step.
 */
export function withFill(inner: string, fill: Fill, orderSql: string, limit: string | null, q: string): string {
  const c = fill.column;
  const witness = `(SELECT ${c} FROM ${q} LIMIT 1)`;
  const [first, last] = fill.descending ? ['max', 'min'] : ['min', 'max'];
  const lo = fill.from ?? `(SELECT ${first}(${c}) FROM ${q})`;
  const hi = fill.to ?? `(SELECT ${last}(${c}) FROM ${q})`;
  const step = fill.step ?? (fill.descending ? '-1' : '1');
  const series = fill.interval ? `generate_series(CAST(${lo} AS TIMESTAMP), CAST(${hi} AS TIMESTAMP), ${step})` : `generate_series(${lo}, ${hi}, ${step})`;
  const keep = [`v NOT IN (SELECT ${c} FROM ${q} WHERE ${c} IS NOT NULL)`, ...(fill.to ? [`v ${fill.descending ? '>' : '<'} cast_to_type(${fill.to}, ${witness})`] : [])];
  const added = `SELECT v AS ${c}, true AS "__filled" FROM (SELECT cast_to_type(g, ${witness}) AS v FROM unnest(${series}) AS "__series"(g)) WHERE ${keep.join(' AND ')}`;
  const cols = 'COLUMNS(* EXCLUDE ("__filled"))';
  return (
    `WITH ${q} AS (${inner}) SELECT CASE WHEN "__filled" THEN coalesce(${cols}, ch_default(${cols})) ELSE ${cols} END ` +
    `FROM (SELECT *, false AS "__filled" FROM ${q} UNION ALL BY NAME ${added}) ORDER BY ${orderSql}${limit ? ' ' + limit : ''}`
  );
}
