// Two more views per table, beside the table's own view (storage.ts createViews: the live parts UNION ALL the
// buffers), for readers that can skip the buffers (service/run-query.ts). Over the UNION ALL, DuckDB gives up
// the late materialization of a top-N (an `ORDER BY … LIMIT` over bare Parquet reads the sort keys first and only
// the page's rows in full) and counts rows by scanning instead of from the Parquet metadata: measured at 1M rows,
// a page of `get_sessions` 72-179 ms through the UNION ALL vs 40-80 ms over the parts alone, `count(*)` 26 vs 9 ms.
// While every buffer of a table is empty its parts hold all its rows, so a reader may read `partsView` instead.
// createViews writes the views together, in the transaction that changes the parts or the buffers' tables; so a
// reader that sees `buffered = 0` in `stateView` and reads `partsView` within one DuckDB transaction (one
// snapshot) reads exactly the rows of the table's view.

/** Where storage.ts keeps buffers and these views (its `INTERNAL` schema). */
const SCHEMA = '_duckbird';

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** The table's live parts alone, with the columns and types of the table's view. */
export function partsView(table: string): string {
  return `${SCHEMA}.${quote(`${table}__parts`)}`;
}

/** One row, one column `buffered`: 1 when any live buffer of the table holds a row, else 0. */
export function stateView(table: string): string {
  return `${SCHEMA}.${quote(`${table}__state`)}`;
}
