// Every setting in one table: CLI flags, environment variables, `--help` and the README's settings table derive from it.
import { z } from 'zod';

export interface Setting<T> {
  /** Setting name, also the CLI flag (`--name`, with `_` as `-`). */
  readonly name: string;
  readonly env: string;
  readonly default: T;
  readonly help: string;
  readonly schema: z.ZodType<T>;
  /** Shown in help instead of the raw default (e.g. for generated values). */
  readonly defaultLabel?: string;
}

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();
const flag = z.union([z.boolean(), z.enum(['1', '0', 'true', 'false']).transform((v) => v === '1' || v === 'true')]);

function setting<T>(s: Setting<T>): Setting<T> {
  return s;
}

export const SETTINGS = {
  project: setting({ name: 'project', env: 'DUCKBIRD_PROJECT', default: './sql', schema: z.string().min(1), help: 'Folder with the Tinybird project (.datasource / .pipe files, searched recursively).' }),
  data: setting({ name: 'data', env: 'DUCKBIRD_DATA', default: './data', schema: z.string().min(1), help: 'Folder where data sources are stored as Parquet, with the write-ahead log, manifest and tokens.' }),
  port: setting({ name: 'port', env: 'DUCKBIRD_PORT', default: 7181, schema: port, help: "HTTP port (7181 is Tinybird Local's, so SDKs in local mode find it; 0 picks a free one)." }),
  host: setting({ name: 'host', env: 'DUCKBIRD_HOST', default: '127.0.0.1', schema: z.string().min(1), help: 'Address to listen on.' }),
  admin_token: setting({ name: 'admin_token', env: 'TB_ADMIN_TOKEN', default: '', defaultLabel: 'generated on first start, kept in <data>/_admin_token', schema: z.string(), help: 'The admin token. Tinybird-style `p.` tokens are recommended so clients detect a static token.' }),
  query_timeout_ms: setting({ name: 'query_timeout_ms', env: 'DUCKBIRD_QUERY_TIMEOUT_MS', default: 10_000, schema: positiveInt, help: 'Queries running longer are cancelled and answer 408.' }),
  max_body_mb: setting({ name: 'max_body_mb', env: 'DUCKBIRD_MAX_BODY_MB', default: 10, schema: positiveInt, help: 'Largest request body accepted (Events API and Data Sources API); larger bodies answer 413.' }),
  ephemeral: setting({ name: 'ephemeral', env: 'DUCKBIRD_EPHEMERAL', default: false, schema: flag, help: 'Keep data in a new temporary folder, removed at exit (--data is ignored): for tests and demos.' }),
  fixtures: setting({ name: 'fixtures', env: 'DUCKBIRD_FIXTURES', default: true, schema: flag, help: 'Load fixtures/<datasource>.ndjson|csv into empty data sources at start.' }),
  classic_endpoints: setting({ name: 'classic_endpoints', env: 'DUCKBIRD_CLASSIC_ENDPOINTS', default: false, schema: flag, help: "Serve the last node of pipes without TYPE endpoint as their endpoint (classic Tinybird projects)." }),
} as const;

export type SettingName = keyof typeof SETTINGS;
export type Config = { -readonly [K in SettingName]: (typeof SETTINGS)[K]['default'] };

export class ConfigError extends Error {}

/**
 * Resolves settings from flags (highest), then the environment, then defaults. `flags` keys are setting names.
 * Throws ConfigError naming the flag/variable on an invalid value.
 */
export function resolveConfig(flags: Readonly<Record<string, string | boolean>>, env: Readonly<Record<string, string | undefined>>): Config {
  const out: Record<string, unknown> = {};
  for (const [key, s] of Object.entries(SETTINGS) as [SettingName, Setting<unknown>][]) {
    let raw: unknown = s.default;
    let source = 'default';
    if (env[s.env] !== undefined && env[s.env] !== '') {
      raw = env[s.env];
      source = `environment variable ${s.env}`;
    }
    if (flags[key] !== undefined) {
      raw = flags[key];
      source = `--${key.replaceAll('_', '-')}`;
    }
    const parsed = s.schema.safeParse(raw);
    if (!parsed.success) throw new ConfigError(`invalid value ${JSON.stringify(raw)} for ${source}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    out[key] = parsed.data;
  }
  return out as Config;
}

/** Parses `--name value`, `--name=value` and boolean `--name` flags; unknown flags are errors. */
export function parseFlags(argv: readonly string[]): Record<string, string | boolean> {
  const flags: Record<string, string | boolean> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const m = /^--([a-z][a-z0-9-]*)(?:=(.*))?$/.exec(arg);
    if (!m) throw new ConfigError(`unexpected argument '${arg}'`);
    const key = m[1]!.replaceAll('-', '_');
    if (!(key in SETTINGS)) throw new ConfigError(`unknown flag '--${m[1]}' (see duckbird --help)`);
    const isFlag = SETTINGS[key as SettingName].default === true || SETTINGS[key as SettingName].default === false;
    if (m[2] !== undefined) flags[key] = m[2];
    else if (isFlag) {
      // `--fixtures`, `--fixtures 0` and `--fixtures=false` all work.
      const next = argv[i + 1];
      if (next !== undefined && /^(0|1|true|false)$/.test(next)) {
        flags[key] = next;
        i++;
      } else flags[key] = true;
    }
    else {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) throw new ConfigError(`flag '--${m[1]}' needs a value`);
      flags[key] = next;
      i++;
    }
  }
  return flags;
}

export function settingsHelp(): string {
  return Object.values(SETTINGS)
    .map((s: Setting<unknown>) => {
      const d = s.defaultLabel ?? JSON.stringify(s.default);
      return `  --${s.name.replaceAll('_', '-').padEnd(20)} ${s.help}\n  ${''.padEnd(22)} env ${s.env}, default ${d}`;
    })
    .join('\n');
}
