// `.datasource` text → DatasourceFile (spec §9.1–9.2). Pure: INCLUDE files come through `readInclude`.
import { DatafileError } from '../errors.ts';
import { buildEngine, ENGINE_PARAMS, type EngineParam } from './engine-def.ts';
import { parseSchema } from './parse-schema.ts';
import { dedentBlock, lineOrBlockValue, lineValue, readCommands, type Command } from './read-commands.ts';
import { parseToken } from './parse-token.ts';
import { substituteVars, type Vars } from './substitute-vars.ts';
import type { ColumnDef, DatasourceFile, TokenDecl } from './types.ts';

export interface ParseOptions {
  /** Values for `$VAR` / `${VAR}` where the Tinybird CLI substitutes them. */
  readonly env?: Vars;
  /** Text of an INCLUDE file, path as written in the datafile (relative to it). */
  readonly readInclude?: (relPath: string) => string;
}

const LEGACY_KEYS: readonly EngineParam[] = ['partition_key', 'sorting_key', 'primary_key', 'sampling_key', 'ttl'];

// Connector settings: accepted so real projects load, ignored locally (no Kafka/S3 here).
const IGNORED = [
  'tags', 'version', 'export_service', 'shared_with',
  'kafka_connection_name', 'kafka_topic', 'kafka_group_id', 'kafka_auto_offset_reset', 'kafka_store_raw_value',
  'kafka_store_headers', 'kafka_key_format', 'kafka_value_format', 'kafka_target_partitions',
  'import_connection_name', 'import_schedule', 'import_bucket_uri', 'import_from_timestamp', 'import_service',
  'import_external_datasource', 'import_query', 'import_table_arn', 'import_export_bucket',
];

const DEPRECATED_ERRORS: Record<string, string> = {
  source: 'SOURCE has been deprecated',
  import_strategy: "IMPORT_STRATEGY has been deprecated. It is now fixed to 'append'",
  kafka_store_binary_headers:
    'KAFKA_STORE_BINARY_HEADERS has been deprecated. When KAFKA_STORE_HEADERS is True, __headers is always of type Map(String, String)',
};

const KNOWN = new Set<string>([
  'description', 'token', 'schema', 'indexes', 'engine', 'include', 'forward_query', 'backfill',
  ...LEGACY_KEYS,
  ...ENGINE_PARAMS.map((p) => `engine_${p}`),
  'engine_summing_columns',
  ...IGNORED,
  ...Object.keys(DEPRECATED_ERRORS),
]);

const INDEX_ENTRY = /^(\w+)\s+([\w\s*[\]*(),'"-><.]+)\s+TYPE\s+(\w+)(?:\(([\w\s*.,]+)\))?(?:\s+GRANULARITY\s+(\d+))?/;

export function parseDatasource(text: string, path: string, options: ParseOptions = {}): DatasourceFile {
  const env = options.env ?? {};
  const commands = readCommands(text, path, { kind: 'datasource', known: KNOWN, env, readInclude: options.readInclude });

  let description = '';
  let columns: ColumnDef[] | null = null;
  const tokens: TokenDecl[] = [];
  let forwardQuery: string | null = null;
  let indexes: string | null = null;
  let engine: { value: string; line: number } | null = null;
  const engineParams = new Map<EngineParam, { value: string; line: number }>();
  const legacy = new Map<EngineParam, { value: string; line: number }>();

  for (const c of commands) {
    if (DEPRECATED_ERRORS[c.cmd]) throw new DatafileError(path, c.line, DEPRECATED_ERRORS[c.cmd]!);
    switch (c.cmd) {
      case 'description':
        description = descriptionOf(c);
        break;
      case 'token':
        tokens.push(parseToken(path, c));
        break;
      case 'schema':
        columns = parseSchema(path, c.block ?? [{ text: c.args.join(' '), line: c.line }]);
        break;
      case 'indexes':
        indexes = parseIndexes(path, c);
        break;
      case 'engine': {
        const value = substituteVars(lineOrBlockValue(c), env);
        if (!value) throw new DatafileError(path, c.line, 'Missing value for ENGINE');
        engine = { value, line: c.line };
        break;
      }
      case 'forward_query':
        if (!c.block) throw new DatafileError(path, c.line, 'SQL must be multiline. Use > to start a multiline SQL block.');
        forwardQuery = dedentBlock(c.block).join('\n').trim() || null;
        break;
      case 'backfill': {
        const value = substituteVars(lineValue(path, c), env);
        if (value.toLowerCase() !== 'skip') {
          throw new DatafileError(path, c.line, `${value} is not an allowed value for BACKFILL. Use one of: {'skip'}`);
        }
        break;
      }
      default:
        if (c.cmd.startsWith('engine_')) {
          const param = (c.cmd === 'engine_summing_columns' ? 'columns' : c.cmd.slice('engine_'.length)) as EngineParam;
          const value = substituteVars(lineOrBlockValue(c), env);
          // An empty ENGINE_TTL means "no TTL" in the CLI.
          if (param === 'ttl' && !value) break;
          engineParams.set(param, { value, line: c.line });
        } else if ((LEGACY_KEYS as readonly string[]).includes(c.cmd)) {
          legacy.set(c.cmd as EngineParam, { value: substituteVars(lineValue(path, c), env), line: c.line });
        } else if (c.cmd !== 'tags' && c.cmd !== 'shared_with') {
          // Ignored connector settings still follow the one-line rule of `assign_var`.
          lineValue(path, c);
        }
    }
  }

  if (columns === null) throw new DatafileError(path, 1, 'SCHEMA is mandatory');
  for (const [k, v] of legacy) if (!engineParams.has(k)) engineParams.set(k, v);

  return {
    kind: 'datasource',
    name: baseName(path, '.datasource'),
    path,
    description,
    columns,
    engine: buildEngine(path, { engine, params: engineParams }, columns),
    tokens,
    forwardQuery,
    indexes,
    text,
  };
}

/** DESCRIPTION: the words of the line as written, or the block's text trimmed (not dedented, as in the CLI). */
export function descriptionOf(c: Command): string {
  if (!c.block) return c.args.join(' ').trim();
  return c.block
    .filter((l) => l.text.trim() !== '')
    .map((l) => l.text)
    .join('\n')
    .trim();
}

// INDEXES are not used locally (DuckDB has no skip indexes) but are checked so a bad file fails like in Tinybird.
function parseIndexes(path: string, c: Command): string | null {
  const lines = c.block ?? [{ text: c.args.join(' '), line: c.line }];
  const kept: string[] = [];
  for (const { text, line } of lines) {
    if (!text.trim()) continue;
    const entry = text.trim().replace(/,$/, '').replace(/^INDEX\s+/, '');
    if (entry.split('TYPE').length !== 2 || !INDEX_ENTRY.test(entry)) {
      throw new DatafileError(path, line, 'Invalid INDEX syntax. Usage: `[INDEX] name expr TYPE type_full GRANULARITY granularity`.');
    }
    kept.push(entry);
  }
  return kept.length ? kept.join('\n') : null;
}

export function baseName(path: string, ext: string): string {
  const file = path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
  return file.endsWith(ext) ? file.slice(0, -ext.length) : file;
}
