import { describe, expect, it } from 'vitest';
import { parseDatasource, type ParseOptions } from '../../src/datafiles/parse-datasource.ts';
import type { DatasourceFile, EngineDef } from '../../src/datafiles/types.ts';
import { DatafileError } from '../../src/errors.ts';

const errorOf = (text: string, options: ParseOptions = {}): string => {
  try {
    parseDatasource(text, 'datasources/ds.datasource', options);
  } catch (e) {
    expect(e).toBeInstanceOf(DatafileError);
    return (e as Error).message;
  }
  throw new Error('expected a DatafileError');
};

const engine = (e: Partial<EngineDef> = {}): EngineDef => ({
  engine: 'MergeTree',
  partitionKey: null,
  sortingKey: null,
  primaryKey: null,
  samplingKey: null,
  ttl: null,
  ver: null,
  isDeleted: null,
  sign: null,
  version: null,
  summingColumns: null,
  settings: null,
  ...e,
});

const col = (name: string, type: string, jsonpath: string | null = null) => ({
  name,
  type,
  nullable: false,
  jsonpath,
  defaultExpr: null,
  codec: null,
});

// Exactly as written in seed/ev-charging-tinybird-tutorial.md.
const EV_CHARGING = `DESCRIPTION >
    Raw data for EV charging sessions

SCHEMA >
    \`session_id\` String \`json:$.session_id\`,
    \`station_id\` String \`json:$.station_id\`,
    \`user_id\` String \`json:$.user_id\`,
    \`start_time\` DateTime \`json:$.start_time\`,
    \`end_time\` DateTime \`json:$.end_time\`,
    \`energy_consumed\` Float64 \`json:$.energy_consumed\`,
    \`amount_paid\` Float64 \`json:$.amount_paid\`,
    \`charging_type\` String \`json:$.charging_type\`,
    \`location\` String \`json:$.location\`,
    \`timestamp\` DateTime \`json:$.timestamp\`

ENGINE "MergeTree"
ENGINE_PARTITION_KEY "toYYYYMM(timestamp)"
ENGINE_SORTING_KEY "station_id, start_time, session_id"
`;

// spec §9.2 (WASK tinybird/datasources/analytics_events.datasource).
const WASK_EVENTS = `DESCRIPTION >
    Analytics events landing data source

TOKEN "tracker" APPEND

SCHEMA >
    \`timestamp\` DateTime \`json:$.timestamp\`,
    \`session_id\` Nullable(String) \`json:$.session_id\`,
    \`action\` LowCardinality(String) \`json:$.action\`,
    \`payload\` String \`json:$.payload\`,
    \`tenant_id\` String \`json:$.tenant_id\` DEFAULT '',
    \`value\` Float64 \`json:$.value\` DEFAULT 0 CODEC(ZSTD(1))

ENGINE MergeTree
ENGINE_PARTITION_KEY toYYYYMM(timestamp)
ENGINE_SORTING_KEY tenant_id, domain, timestamp
ENGINE_TTL timestamp + INTERVAL 90 DAY
ENGINE_SETTINGS index_granularity=8192
`;

describe('parseDatasource: real files', () => {
  it('EV charging tutorial datasource', () => {
    const ds = parseDatasource(EV_CHARGING, 'datasources/charging_sessions.datasource');
    expect(ds).toEqual<DatasourceFile>({
      kind: 'datasource',
      name: 'charging_sessions',
      path: 'datasources/charging_sessions.datasource',
      description: 'Raw data for EV charging sessions',
      columns: [
        col('session_id', 'String', '$.session_id'),
        col('station_id', 'String', '$.station_id'),
        col('user_id', 'String', '$.user_id'),
        col('start_time', 'DateTime', '$.start_time'),
        col('end_time', 'DateTime', '$.end_time'),
        col('energy_consumed', 'Float64', '$.energy_consumed'),
        col('amount_paid', 'Float64', '$.amount_paid'),
        col('charging_type', 'String', '$.charging_type'),
        col('location', 'String', '$.location'),
        col('timestamp', 'DateTime', '$.timestamp'),
      ],
      engine: engine({ partitionKey: 'toYYYYMM(timestamp)', sortingKey: 'station_id, start_time, session_id' }),
      tokens: [],
      forwardQuery: null,
      indexes: null,
      text: EV_CHARGING,
    });
  });

  it('WASK analytics_events (spec §9.2)', () => {
    const ds = parseDatasource(WASK_EVENTS, 'analytics_events.datasource');
    expect(ds.description).toBe('Analytics events landing data source');
    expect(ds.tokens).toEqual([{ name: 'tracker', scope: 'APPEND' }]);
    expect(ds.columns).toEqual([
      col('timestamp', 'DateTime', '$.timestamp'),
      { ...col('session_id', 'Nullable(String)', '$.session_id'), nullable: true },
      col('action', 'LowCardinality(String)', '$.action'),
      col('payload', 'String', '$.payload'),
      { ...col('tenant_id', 'String', '$.tenant_id'), defaultExpr: "''" },
      { ...col('value', 'Float64', '$.value'), defaultExpr: '0', codec: 'CODEC(ZSTD(1))' },
    ]);
    expect(ds.engine).toEqual(
      engine({
        partitionKey: 'toYYYYMM(timestamp)',
        sortingKey: 'tenant_id, domain, timestamp',
        ttl: 'timestamp + INTERVAL 90 DAY',
        settings: 'index_granularity=8192',
      }),
    );
  });

  it('WASK analytics_pages_mv: AggregatingMergeTree with AggregateFunction columns, no jsonpaths', () => {
    const ds = parseDatasource(
      `SCHEMA >
    \`date\` Date,
    \`tenant_id\` String,
    \`pathname\` String,
    \`visits\` AggregateFunction(uniq, String),
    \`hits\` AggregateFunction(count)

ENGINE AggregatingMergeTree
ENGINE_PARTITION_KEY toYYYYMM(date)
ENGINE_SORTING_KEY tenant_id, date, pathname
`,
      'analytics_pages_mv.datasource',
    );
    expect(ds.columns.map((c) => [c.name, c.type, c.jsonpath])).toEqual([
      ['date', 'Date', null],
      ['tenant_id', 'String', null],
      ['pathname', 'String', null],
      ['visits', 'AggregateFunction(uniq, String)', null],
      ['hits', 'AggregateFunction(count)', null],
    ]);
    expect(ds.engine).toEqual(
      engine({ engine: 'AggregatingMergeTree', partitionKey: 'toYYYYMM(date)', sortingKey: 'tenant_id, date, pathname' }),
    );
  });
});

const SCHEMA = 'SCHEMA >\n    id String,\n    ts DateTime,\n    v Int64,\n    sign Int8,\n    n Nullable(String),\n    s AggregateFunction(sum, Int64)\n\n';

describe('ENGINE settings', () => {
  it.each<[string, string, Partial<EngineDef>]>([
    ['no ENGINE → MergeTree', '', {}],
    ['quoted values', 'ENGINE "ReplacingMergeTree"\nENGINE_SORTING_KEY "id, ts"\nENGINE_VER "v"', { engine: 'ReplacingMergeTree', sortingKey: 'id, ts', ver: 'v' }],
    ["single-quoted values", "ENGINE 'MergeTree'\nENGINE_SORTING_KEY 'id'", { sortingKey: 'id' }],
    ['engine name is case-insensitive', 'ENGINE mergetree', {}],
    ['commands are case-insensitive', 'engine MergeTree\nEngine_Sorting_Key id', { sortingKey: 'id' }],
    ['is_deleted', 'ENGINE ReplacingMergeTree\nENGINE_SORTING_KEY id\nENGINE_VER v\nENGINE_IS_DELETED sign', { engine: 'ReplacingMergeTree', sortingKey: 'id', ver: 'v', isDeleted: 'sign' }],
    ['ENGINE_COLUMNS', 'ENGINE SummingMergeTree\nENGINE_COLUMNS v, sign', { engine: 'SummingMergeTree', summingColumns: 'v, sign' }],
    ['ENGINE_SUMMING_COLUMNS alias', 'ENGINE SummingMergeTree\nENGINE_SUMMING_COLUMNS "v"', { engine: 'SummingMergeTree', summingColumns: 'v' }],
    ['CollapsingMergeTree', 'ENGINE CollapsingMergeTree\nENGINE_SIGN sign\nENGINE_SORTING_KEY id', { engine: 'CollapsingMergeTree', sign: 'sign', sortingKey: 'id' }],
    ['VersionedCollapsingMergeTree', 'ENGINE VersionedCollapsingMergeTree\nENGINE_SIGN sign\nENGINE_VERSION v', { engine: 'VersionedCollapsingMergeTree', sign: 'sign', version: 'v' }],
    ['Null engine ignores options', 'ENGINE Null\nENGINE_SORTING_KEY id', { engine: 'Null' }],
    ['primary and sampling key', 'ENGINE_SORTING_KEY id, ts\nENGINE_PRIMARY_KEY id\nENGINE_SAMPLING_KEY cityHash64(id)', { sortingKey: 'id, ts', primaryKey: 'id', samplingKey: 'cityHash64(id)' }],
    ['settings with spaces', 'ENGINE_SETTINGS "index_granularity = 32, index_granularity_bytes = 2048"', { settings: 'index_granularity = 32, index_granularity_bytes = 2048' }],
    ['empty ENGINE_TTL means none', 'ENGINE_TTL ""', {}],
    ['legacy keys', 'PARTITION_KEY toYYYYMM(ts)\nSORTING_KEY id\nTTL ts + INTERVAL 1 DAY', { partitionKey: 'toYYYYMM(ts)', sortingKey: 'id', ttl: 'ts + INTERVAL 1 DAY' }],
    ['ENGINE_* wins over legacy', 'SORTING_KEY id\nENGINE_SORTING_KEY ts', { sortingKey: 'ts' }],
    ['multiline ENGINE_SORTING_KEY', 'ENGINE_SORTING_KEY >\n    id,\n    ts\nENGINE MergeTree', { sortingKey: 'id,\n    ts' }],
    ['a comment after a value', 'ENGINE_SORTING_KEY id # the tenant', { sortingKey: 'id' }],
    ['env substitution', 'ENGINE $ENGINE\nENGINE_SORTING_KEY ${KEY}, ts\nENGINE_TTL ts + INTERVAL $DAYS DAY', { engine: 'ReplacingMergeTree', sortingKey: 'id, ts', ttl: 'ts + INTERVAL $DAYS DAY' }],
  ])('%s', (_name, lines, expected) => {
    const env = { ENGINE: 'ReplacingMergeTree', KEY: 'id' };
    expect(parseDatasource(SCHEMA + lines, 'ds.datasource', { env }).engine).toEqual(engine(expected));
  });

  it.each([
    ['ENGINE wadus', "datasources/ds.datasource:9: Engine wadus is not supported, supported engines include: MergeTree, ReplacingMergeTree, SummingMergeTree, AggregatingMergeTree, CollapsingMergeTree, VersionedCollapsingMergeTree, Null"],
    ['ENGINE ReplacingMergeTree', "datasources/ds.datasource:9: Missing required option 'sorting_key'"],
    ['ENGINE ReplacingMergeTree\nENGINE_SORTING_KEY tuple()', "datasources/ds.datasource:10: Invalid value 'tuple()' for option 'engine_sorting_key', reason: 'tuple()' is not a valid sorting key"],
    ['ENGINE ReplacingMergeTree\nENGINE_SORTING_KEY id\nENGINE_VER other', "datasources/ds.datasource:11: Invalid value 'other' for parameter 'engine_ver', reason: 'other' column is not present in schema"],
    ['ENGINE ReplacingMergeTree\nENGINE_SORTING_KEY id, v\nENGINE_VER v', "datasources/ds.datasource:10: ENGINE_VER column 'v' cannot be included in the sorting key for ReplacingMergeTree. Including the version column in the sorting key prevents deduplication because rows with different versions will have different sorting keys and won't be considered duplicates. The sorting key should define the record identity (what makes it unique), while ENGINE_VER tracks which version to keep."],
    ['ENGINE CollapsingMergeTree\nENGINE_SORTING_KEY id', "datasources/ds.datasource:9: Missing required parameter 'sign'"],
    ['ENGINE SummingMergeTree\nENGINE_COLUMNS v, nope', "datasources/ds.datasource:10: Invalid value 'v, nope' for parameter 'engine_columns', reason: 'nope' column is not present in schema"],
    ['ENGINE_SORTING_KEY id, n', "datasources/ds.datasource:9: Sorting key contains nullable column 'n'. Nullable columns cannot be used in sorting keys."],
    ['ENGINE_SORTING_KEY s', "datasources/ds.datasource:9: Sorting key contains column 's' with AggregateFunction type. AggregateFunction columns cannot be used in sorting keys."],
    ['ENGINE_SORTING_KEY id, uniq(ts)', "datasources/ds.datasource:9: Sorting key contains aggregate function expression 'uniq(ts)'. Aggregate function expressions cannot be used in sorting keys."],
    ['ENGINE', 'datasources/ds.datasource:9: Missing value for ENGINE'],
  ])('%j', (lines, message) => {
    expect(errorOf(SCHEMA + lines)).toBe(message);
  });
});

describe('other datasource commands', () => {
  it('DESCRIPTION forms, TOKENs, INDEXES, FORWARD_QUERY, ignored connector settings', () => {
    const ds = parseDatasource(
      `# a comment
description >
    First line
    second line

    third line
TOKEN "read api" READ
TOKEN 'ingest' append
SCHEMA >
    id String \`json:$.id\`
INDEXES >
    idx_bf mapValues(d) TYPE bloom_filter(0.001) GRANULARITY 16,
    INDEX idx_set id TYPE set(100)
FORWARD_QUERY >
    SELECT id
    FROM old
KAFKA_CONNECTION_NAME kafka
KAFKA_TOPIC events
KAFKA_GROUP_ID g
IMPORT_SCHEDULE @auto
TAGS "stats, billing"
VERSION 3
BACKFILL skip
SHARED_WITH >
    other_ws
`,
      'x.datasource',
    );
    expect(ds.description).toBe('First line\n    second line\n    third line');
    expect(ds.tokens).toEqual([
      { name: 'read api', scope: 'READ' },
      { name: 'ingest', scope: 'APPEND' },
    ]);
    expect(ds.indexes).toBe('idx_bf mapValues(d) TYPE bloom_filter(0.001) GRANULARITY 16\nidx_set id TYPE set(100)');
    expect(ds.forwardQuery).toBe('SELECT id\nFROM old');
    expect(ds.columns).toEqual([col('id', 'String', '$.id')]);
  });

  it('one-line DESCRIPTION keeps the words as written', () => {
    expect(parseDatasource('DESCRIPTION Raw   events\nSCHEMA >\n    a String', 'x.datasource').description).toBe('Raw events');
  });

  it('CRLF line endings', () => {
    const ds = parseDatasource('SCHEMA >\r\n    a String,\r\n    b Int8\r\nENGINE_SORTING_KEY a\r\n', 'x.datasource');
    expect(ds.columns.map((c) => c.name)).toEqual(['a', 'b']);
    expect(ds.engine.sortingKey).toBe('a');
  });

  it.each([
    ['DESCRIPTION >\n    x\n', 'datasources/ds.datasource:1: SCHEMA is mandatory'],
    ['ENGINE MergeTree\nWADUS 1\nSCHEMA >\n    a String', 'datasources/ds.datasource:2: WADUS is not a valid option in datasource files.'],
    ['node n\nSCHEMA >\n    a String', 'datasources/ds.datasource:1: NODE is not a valid option in datasource files.'],
    ['wadus >\n    x\nSCHEMA >\n    a String', 'datasources/ds.datasource:1: WADUS is not a valid option in datasource files.'],
    // Inside an open block a line is a command only if it starts at column 0 with a known command (spec §9.1).
    ['SCHEMA >\n    a String\nWADUS 1', "datasources/ds.datasource:3: Unexpected 'WADUS 1' after the column type"],
    ['SCHEMA >\n    a String\n  ENGINE wadus', "datasources/ds.datasource:3: Unexpected 'ENGINE wadus' after the column type"],
    ['ENGINE_SETTINGS x=1\nSETTINGS a=1\nSCHEMA >\n    a String', 'datasources/ds.datasource:2: SETTINGS option is not allowed, use ENGINE_SETTINGS instead. See https://www.tinybird.co/docs/cli/datafiles#data-source for more information.'],
    ['SCHEMA >\n    a String\nTOKEN "t"', 'datasources/ds.datasource:3: TOKEN takes two params: token name and permission e.g TOKEN "read api token" READ'],
    ['SCHEMA >\n    a String\nTOKEN t READ x', 'datasources/ds.datasource:3: Invalid number of arguments for TOKEN command: 3. Expected 2 arguments: token name and permission'],
    ['SCHEMA >\n    a String\nTOKEN t WRITE', 'datasources/ds.datasource:3: Invalid permission: WRITE. Only READ and APPEND are supported'],
    ['TOKEN >\n    t READ\nSCHEMA >\n    a String', 'datasources/ds.datasource:1: TOKEN does not support multiline arguments'],
    ['SCHEMA >\n    a String\nKAFKA_TOPIC >\n    t', 'datasources/ds.datasource:3: KAFKA_TOPIC does not support multiline arguments'],
    ['SCHEMA >\n    a String\nSOURCE x', 'datasources/ds.datasource:3: SOURCE has been deprecated'],
    ['SCHEMA >\n    a String\nBACKFILL all', "datasources/ds.datasource:3: all is not an allowed value for BACKFILL. Use one of: {'skip'}"],
    ['SCHEMA >\n    a String\nFORWARD_QUERY SELECT 1', 'datasources/ds.datasource:3: SQL must be multiline. Use > to start a multiline SQL block.'],
    ['SCHEMA >\n    a String\nINDEXES >\n    idx a\n', 'datasources/ds.datasource:4: Invalid INDEX syntax. Usage: `[INDEX] name expr TYPE type_full GRANULARITY granularity`.'],
    ['ENGINE_TTL "x\nSCHEMA >\n    a String', 'datasources/ds.datasource:1: No closing quotation'],
    // Like the CLI, a line that does not split is no command, so it stays in the open SCHEMA block.
    ['SCHEMA >\n    a String\nENGINE_TTL "x', 'datasources/ds.datasource:3: Expected closing "'],
    ['\n\nSCHEMA >\n    a String,\n\n    b#x String', "datasources/ds.datasource:6: Column name contains invalid character '#'. Hint: use backticks."],
    ['\n\nSCHEMA >\n    a String,\n\n    b Strin#g', "datasources/ds.datasource:6: Invalid character '#'"],
  ])('%j', (text, message) => {
    expect(errorOf(text)).toBe(message);
  });
});

describe('INCLUDE (classic CLI)', () => {
  const files: Record<string, string> = {
    'engine.datasource.incl': 'ENGINE MergeTree\nENGINE_SORTING_KEY $key\nENGINE_TTL $col + INTERVAL ${days} DAY\n',
    'cols.incl': 'SCHEMA >\n    a String,\n    b Int32',
    'nested.incl': 'INCLUDE "engine.datasource.incl" key=b col=b days=7',
  };
  const readInclude = (p: string): string => {
    const text = files[p];
    if (text === undefined) throw new Error(`ENOENT ${p}`);
    return text;
  };

  it('replaces the line with the file, substituting $k', () => {
    const ds = parseDatasource('SCHEMA >\n    a String,\n    b DateTime\n\nINCLUDE "engine.datasource.incl" key=a "col=b" days=30\n', 'x.datasource', { readInclude });
    expect(ds.engine).toEqual(engine({ sortingKey: 'a', ttl: 'b + INTERVAL 30 DAY' }));
  });

  it('an included SCHEMA and nested includes', () => {
    const ds = parseDatasource('INCLUDE cols.incl\nINCLUDE nested.incl\n', 'x.datasource', { readInclude });
    expect(ds.columns).toEqual([col('a', 'String'), col('b', 'Int32')]);
    expect(ds.engine.sortingKey).toBe('b');
    expect(ds.engine.ttl).toBe('b + INTERVAL 7 DAY');
  });

  it('the include path takes env variables', () => {
    const ds = parseDatasource('SCHEMA >\n    a String\nINCLUDE "$NAME.incl"', 'x.datasource', {
      readInclude: (p) => (p === 'eng.incl' ? 'ENGINE_SORTING_KEY a' : ''),
      env: { NAME: 'eng' },
    });
    expect(ds.engine.sortingKey).toBe('a');
  });

  it.each([
    ['SCHEMA >\n    a String\nINCLUDE "missing.incl"', { readInclude }, 'datasources/ds.datasource:3: Included file missing.incl not found'],
    ['SCHEMA >\n    a String\nINCLUDE "cols.incl" novalue', { readInclude }, 'datasources/ds.datasource:3: Invalid INCLUDE argument novalue, expected key=value'],
    ['SCHEMA >\n    a String\nINCLUDE "cols.incl"', {}, 'datasources/ds.datasource:3: INCLUDE is not supported yet'],
    ['SCHEMA >\n    a String\nINCLUDE "self.incl"', { readInclude: () => 'INCLUDE "self.incl"' }, 'datasources/ds.datasource:3: Too many INCLUDE commands (more than 100)'],
    // Errors inside included text point at the INCLUDE line.
    ['SCHEMA >\n    a String\n\nINCLUDE "bad.incl"', { readInclude: () => 'ENGINE wadus' }, 'datasources/ds.datasource:4: Engine wadus is not supported, supported engines include: MergeTree, ReplacingMergeTree, SummingMergeTree, AggregatingMergeTree, CollapsingMergeTree, VersionedCollapsingMergeTree, Null'],
  ])('%j', (text, options, message) => {
    expect(errorOf(text, options)).toBe(message);
  });
});
