// Typed records for Tinybird datafiles (spec §9). Produced by the parsers, consumed by every later stage.

export interface ColumnDef {
  /** Column name without backticks. */
  readonly name: string;
  /** ClickHouse type as declared, with Nullable(...) kept, e.g. `Nullable(String)`, `LowCardinality(String)`, `DateTime64(3)`. */
  readonly type: string;
  /** True when the declared type is `Nullable(...)` (or `LowCardinality(Nullable(...))`). */
  readonly nullable: boolean;
  /** JSONPath such as `$.a.b`, `$.arr[:]`, `$` ; null when the schema gave none. */
  readonly jsonpath: string | null;
  /** ClickHouse SQL expression after `DEFAULT`, or null. */
  readonly defaultExpr: string | null;
  /** `CODEC(...)` text, or null. Kept only to print the datafile back. */
  readonly codec: string | null;
}

export interface EngineDef {
  /** `MergeTree`, `ReplacingMergeTree`, ... as declared (default `MergeTree`). */
  readonly engine: string;
  readonly partitionKey: string | null;
  readonly sortingKey: string | null;
  readonly primaryKey: string | null;
  /** ENGINE_SAMPLING_KEY (optional: added by the parser, which always sets it). */
  readonly samplingKey?: string | null;
  readonly ttl: string | null;
  readonly ver: string | null;
  readonly isDeleted: string | null;
  readonly sign: string | null;
  readonly version: string | null;
  /** ENGINE_COLUMNS / ENGINE_SUMMING_COLUMNS. */
  readonly summingColumns: string | null;
  readonly settings: string | null;
}

export interface TokenDecl {
  readonly name: string;
  readonly scope: 'READ' | 'APPEND';
}

export interface DatasourceFile {
  readonly kind: 'datasource';
  /** File name without extension. */
  readonly name: string;
  /** Path of the file as given to the parser (used in `file:line` messages). */
  readonly path: string;
  readonly description: string;
  readonly columns: readonly ColumnDef[];
  readonly engine: EngineDef;
  readonly tokens: readonly TokenDecl[];
  readonly forwardQuery: string | null;
  readonly indexes: string | null;
  /** The original text, for `GET /v0/datasources/<name>.datasource`. */
  readonly text: string;
}

export type NodeType = 'standard' | 'endpoint' | 'materialized' | 'copy' | 'sink' | 'stream';

export interface PipeNode {
  readonly name: string;
  readonly description: string;
  /** The SQL block, dedented; starts with `%` when it is a template. */
  readonly sql: string;
  /** 1-based line in the file of the first line of the SQL block (for error positions). */
  readonly sqlLine: number;
  readonly type: NodeType;
}

export interface PipeFile {
  readonly kind: 'pipe';
  readonly name: string;
  readonly path: string;
  readonly description: string;
  readonly nodes: readonly PipeNode[];
  /** Type of the pipe: the type of its one non-standard node, else `standard`. */
  readonly type: NodeType;
  /** Name of the node that carries the pipe's type (endpoint/materialized/copy/sink), or null. */
  readonly typedNode: string | null;
  /** `DATASOURCE` of a materialized node. */
  readonly materializedDatasource: string | null;
  readonly copyTargetDatasource: string | null;
  readonly copySchedule: string | null;
  readonly copyMode: 'append' | 'replace' | null;
  /** `CACHE <ttl>` after `TYPE endpoint`, in seconds, or null. */
  readonly cacheTtl: number | null;
  readonly tokens: readonly TokenDecl[];
  readonly text: string;
}

export interface Fixture {
  readonly datasource: string;
  readonly path: string;
  readonly format: 'ndjson' | 'csv';
}

export interface Project {
  readonly dir: string;
  readonly datasources: readonly DatasourceFile[];
  readonly pipes: readonly PipeFile[];
  readonly fixtures: readonly Fixture[];
  /** One per bad file, formatted `file:line: message`; the rest of the project still loads. */
  readonly errors: readonly string[];
}
