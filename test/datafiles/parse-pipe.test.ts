import { describe, expect, it } from 'vitest';
import { parsePipe } from '../../src/datafiles/parse-pipe.ts';
import type { ParseOptions } from '../../src/datafiles/parse-datasource.ts';
import type { PipeFile } from '../../src/datafiles/types.ts';
import { DatafileError } from '../../src/errors.ts';

const errorOf = (text: string, options: ParseOptions = {}): string => {
  try {
    parsePipe(text, 'pipes/p.pipe', options);
  } catch (e) {
    expect(e).toBeInstanceOf(DatafileError);
    return (e as Error).message;
  }
  throw new Error('expected a DatafileError');
};

// spec §9.3 (WASK tinybird/endpoints/top_pages.pipe).
const TOP_PAGES = `DESCRIPTION >
    Most visited pages ...

TOKEN "dashboard" READ

NODE date_calculations
DESCRIPTION >
    Calculate current and previous period date ranges
SQL >
    %
    SELECT {% if defined(date_from) %} toDate({{ String(date_from) }}) {% else %} today() - 7 {% end %} AS current_start

NODE endpoint
SQL >
    %
    SELECT pathname, ... FROM analytics_pages_mv
    WHERE date >= (SELECT current_start FROM date_calculations)
    LIMIT {{ Int32(skip, 0) }}, {{ Int32(limit, 50) }}

TYPE endpoint
`;

// seed/ev-charging-tinybird-tutorial.md, user_usage.pipe (templated without a leading %).
const USER_USAGE = `DESCRIPTION >
    Get usage statistics for individual EV charging users

NODE user_usage_node
SQL >
    SELECT
        user_id,
        count() AS total_sessions
    FROM charging_sessions
    WHERE 1=1
    AND user_id = {{String(user_id, '')}}
    GROUP BY user_id
    LIMIT {{Int32(limit, 100)}}

TYPE endpoint
`;

const base = {
  kind: 'pipe' as const,
  description: '',
  type: 'standard' as const,
  typedNode: null,
  materializedDatasource: null,
  copyTargetDatasource: null,
  copySchedule: null,
  copyMode: null,
  cacheTtl: null,
  tokens: [],
};

describe('parsePipe: real files', () => {
  it('WASK top_pages (spec §9.3)', () => {
    expect(parsePipe(TOP_PAGES, 'endpoints/top_pages.pipe')).toEqual<PipeFile>({
      ...base,
      name: 'top_pages',
      path: 'endpoints/top_pages.pipe',
      description: 'Most visited pages ...',
      nodes: [
        {
          name: 'date_calculations',
          description: 'Calculate current and previous period date ranges',
          sql: '%\nSELECT {% if defined(date_from) %} toDate({{ String(date_from) }}) {% else %} today() - 7 {% end %} AS current_start',
          sqlLine: 10,
          type: 'standard',
        },
        {
          name: 'endpoint',
          description: '',
          sql: '%\nSELECT pathname, ... FROM analytics_pages_mv\nWHERE date >= (SELECT current_start FROM date_calculations)\nLIMIT {{ Int32(skip, 0) }}, {{ Int32(limit, 50) }}',
          sqlLine: 15,
          type: 'endpoint',
        },
      ],
      type: 'endpoint',
      typedNode: 'endpoint',
      tokens: [{ name: 'dashboard', scope: 'READ' }],
      text: TOP_PAGES,
    });
  });

  it('EV charging user_usage', () => {
    const pipe = parsePipe(USER_USAGE, 'user_usage.pipe');
    expect(pipe.nodes).toEqual([
      {
        name: 'user_usage_node',
        description: '',
        sql: "SELECT\n    user_id,\n    count() AS total_sessions\nFROM charging_sessions\nWHERE 1=1\nAND user_id = {{String(user_id, '')}}\nGROUP BY user_id\nLIMIT {{Int32(limit, 100)}}",
        sqlLine: 6,
        type: 'endpoint',
      },
    ]);
    expect([pipe.description, pipe.type, pipe.typedNode]).toEqual(['Get usage statistics for individual EV charging users', 'endpoint', 'user_usage_node']);
  });
});

describe('pipe node types and settings', () => {
  it.each<[string, string, Partial<PipeFile>]>([
    ['standard only', 'NODE a\nSQL >\n    SELECT 1', {}],
    ['TYPE standard', 'NODE a\nSQL >\n    SELECT 1\nTYPE standard', {}],
    ['endpoint + CACHE (TS SDK)', 'NODE a\nSQL >\n    SELECT 1\n\nTYPE endpoint\nCACHE 60', { type: 'endpoint', typedNode: 'a', cacheTtl: 60 }],
    ['TYPE is case-insensitive, quoted', 'NODE a\nSQL >\n    SELECT 1\ntype "ENDPOINT"', { type: 'endpoint', typedNode: 'a' }],
    ['materialized', 'NODE mv\nSQL >\n    SELECT 1\nTYPE MATERIALIZED\nDATASOURCE target_ds\nDEPLOYMENT_METHOD alter', { type: 'materialized', typedNode: 'mv', materializedDatasource: 'target_ds' }],
    ['copy', 'NODE c\nSQL >\n    SELECT 1\nTYPE COPY\nTARGET_DATASOURCE t\nCOPY_SCHEDULE 0 * * * *\nCOPY_MODE replace', { type: 'copy', typedNode: 'c', copyTargetDatasource: 't', copySchedule: '0 * * * *', copyMode: 'replace' }],
    ['copy on demand, MODE alias', 'NODE c\nSQL >\n    SELECT 1\nTYPE copy\nTARGET_DATASOURCE t\nCOPY_SCHEDULE @on-demand\nMODE append', { type: 'copy', typedNode: 'c', copyTargetDatasource: 't', copySchedule: '@on-demand', copyMode: 'append' }],
    ['sink', 'NODE s\nSQL >\n    SELECT 1\nTYPE sink\nEXPORT_CONNECTION_NAME conn\nEXPORT_BUCKET_URI s3://b\nEXPORT_FILE_TEMPLATE f\nEXPORT_SCHEDULE @on-demand\nEXPORT_FORMAT csv', { type: 'sink', typedNode: 's' }],
    ['stream', 'NODE s\nSQL >\n    SELECT 1\nTYPE stream', { type: 'stream', typedNode: 's' }],
    ['typed node is the one with TYPE', 'NODE a\nSQL >\n    SELECT 1\nNODE b\nSQL >\n    SELECT * FROM a\nTYPE endpoint\nNODE c\nSQL >\n    SELECT 2', { type: 'endpoint', typedNode: 'b' }],
    ['env in NODE names and settings', 'NODE ${PREFIX}_mv\nSQL >\n    SELECT 1\nTYPE $KIND\nDATASOURCE $TARGET', { type: 'materialized', typedNode: 'x_mv', materializedDatasource: 'events_mv' }],
    ['VERSION, TAGS and comments ignored', '# comment\nVERSION 2\nTAGS "a, b"\nNODE a\nSQL >\n    SELECT 1', {}],
  ])('%s', (_name, text, expected) => {
    const pipe = parsePipe(text, 'p.pipe', { env: { PREFIX: 'x', KIND: 'materialized', TARGET: 'events_mv' } });
    const { nodes: _nodes, name: _n, path: _p, text: _t, ...rest } = pipe;
    expect(rest).toEqual({ ...base, ...expected });
  });

  it('keeps SQL blank lines inside, drops them around, and numbers lines from the file', () => {
    const pipe = parsePipe('NODE a\nSQL >\n\n    %\n    SELECT 1\n\n      # hash comment line\n    FROM t\n\n\nNODE b\nSQL >\n        SELECT 2', 'p.pipe');
    expect(pipe.nodes.map((n) => [n.sql, n.sqlLine])).toEqual([
      ['%\nSELECT 1\n\n\nFROM t', 4],
      ['SELECT 2', 13],
    ]);
  });

  it('a SQL block ends only at a known command at column 0', () => {
    const pipe = parsePipe('NODE a\nSQL >\n    SELECT 1\nFROM t\n  NODE x\nWHERE 1\nTYPE endpoint', 'p.pipe');
    expect(pipe.nodes[0]!.sql).toBe('    SELECT 1\nFROM t\n  NODE x\nWHERE 1');
  });

  it('INCLUDE of a node file with $k substitution', () => {
    const files: Record<string, string> = { 'nodes/filter.incl': 'NODE filtered\nSQL >\n    SELECT * FROM $table WHERE x > $min' };
    const pipe = parsePipe('INCLUDE "nodes/filter.incl" table=events min=3\n\nNODE endpoint\nSQL >\n    SELECT * FROM filtered\nTYPE endpoint', 'p.pipe', {
      readInclude: (p) => files[p]!,
    });
    expect(pipe.nodes.map((n) => [n.name, n.sql, n.sqlLine])).toEqual([
      ['filtered', 'SELECT * FROM events WHERE x > 3', 1],
      ['endpoint', 'SELECT * FROM filtered', 5],
    ]);
  });
});

describe('pipe errors (Tinybird messages, file line)', () => {
  it.each([
    ['DESCRIPTION >\n    nothing\n', 'pipes/p.pipe:1: Pipe data file must have at least one node'],
    ['NODE a\nSQL SELECT 1', 'pipes/p.pipe:2: SQL must be multiline. Use > to start a multiline SQL block.'],
    ['SQL >\n    SELECT 1\nNODE a', 'pipes/p.pipe:1: SQL must be called after a NODE command'],
    ['NODE a\nSQL >\n\nNODE b', 'pipes/p.pipe:2: Missing sql query for pipe creation after the SQL label'],
    ['NODE', 'pipes/p.pipe:1: Missing node name for pipe creation after the NODE label'],
    ['NODE a\nDESCRIPTION x', 'pipes/p.pipe:1: Missing SQL for node a'],
    ['NODE >\n    a', 'pipes/p.pipe:1: NODE does not support multiline arguments'],
    ['TYPE endpoint\nNODE a\nSQL >\n    SELECT 1', 'pipes/p.pipe:1: type must be called after a NODE command'],
    ['NODE a\nSQL >\n    SELECT 1\nTYPE endpoint\nNODE b\nSQL >\n    SELECT 2\nTYPE copy\nTARGET_DATASOURCE t', 'pipes/p.pipe:8: Multiple non-standard nodes in pipe. There can only be one'],
    ['NODE a\nSQL >\n    SELECT 1\nTYPE wadus', "pipes/p.pipe:4: Invalid node ''a'' of type (wadus). Allowed node types: {'materialized', 'copy', 'endpoint', 'sink'}"],
    ['NODE a\nSQL >\n    SELECT 1\nTYPE materialized', "pipes/p.pipe:4: Some materialized node params have been provided, but the following required ones are missing: ['datasource']"],
    ['NODE a\nSQL >\n    SELECT 1\nTYPE materialized\nDATASOURCE d\nTARGET_DATASOURCE t', "pipes/p.pipe:1: Materialized node 'a' has an invalid attribute (target_datasource)"],
    ['NODE a\nSQL >\n    SELECT 1\nTYPE copy', "pipes/p.pipe:4: Some copy node params have been provided, but the following required ones are missing: ['target_datasource']"],
    ['NODE a\nSQL >\n    SELECT 1\nTYPE copy\nTARGET_DATASOURCE t\nCOPY_MODE upsert', 'pipes/p.pipe:4: COPY node mode must be append or replace'],
    ['NODE a\nSQL >\n    SELECT 1\nTYPE copy\nTARGET_DATASOURCE t\nCOPY_SCHEDULE every hour', 'pipes/p.pipe:4: COPY node schedule must be @on-demand or a valid cron expression.'],
    ['NODE a\nSQL >\n    SELECT 1\nTYPE copy\nTARGET_DATASOURCE t\nDATASOURCE d', "pipes/p.pipe:1: Copy node 'a' has an invalid attribute (datasource)"],
    ['NODE a\nSQL >\n    SELECT 1\nCOPY_MODE append', "pipes/p.pipe:1: Standard node 'a' has an invalid attribute (copy_mode)"],
    ['NODE a\nSQL >\n    SELECT 1\nTYPE sink', "pipes/p.pipe:4: Sink node 'a' is missing required parameter 'export_connection_name'"],
    ['NODE a\nSQL >\n    SELECT 1\nTYPE endpoint\nDATASOURCE', 'pipes/p.pipe:5: Missing datasource name for pipe creation after the DATASOURCE label'],
    ['NODE a\nSQL >\n    SELECT 1\nTYPE materialized\nDATASOURCE d\nDEPLOYMENT_METHOD drop', "pipes/p.pipe:6: drop is not an allowed value for DEPLOYMENT_METHOD. Use one of: {'alter'}"],
    ['NODE a\nSQL >\n    SELECT 1\nCACHE 60', 'pipes/p.pipe:4: CACHE must follow TYPE endpoint'],
    ['NODE a\nSQL >\n    SELECT 1\nTYPE endpoint\nCACHE soon', 'pipes/p.pipe:5: Invalid CACHE value soon, expected a number of seconds'],
    ['TOKEN "t" APPEND\nNODE a\nSQL >\n    SELECT 1', 'pipes/p.pipe:1: Invalid permission APPEND for token t. Only READ is allowed for pipes'],
    ['NODE a\nSCHEMA >\n    a String\nSQL >\n    SELECT 1', 'pipes/p.pipe:2: SCHEMA is not a valid option in pipe files.'],
    ['NODE a\nSQL >\n    SELECT 1\nTYPE endpoint\nENGINE MergeTree', 'pipes/p.pipe:5: ENGINE is not a valid option in pipe files.'],
    ['NODE a\nSETTINGS x=1', 'pipes/p.pipe:2: SETTINGS option is not allowed, use ENGINE_SETTINGS instead. See https://www.tinybird.co/docs/cli/datafiles#data-source for more information.'],
  ])('%j', (text, message) => {
    expect(errorOf(text)).toBe(message);
  });
});
