// Request parameters on their way into a template (spec §3.3, §4.1, §10).

/** ST `RESERVED_PARAM_NAMES`: using one as a template variable earns an X-Tb-Warning. */
export const RESERVED_PARAM_NAMES: readonly string[] = [
  '__tb__semver', 'debug_source_tables', 'debug', 'explain', 'finalize_aggregations',
  'output_format_json_quote_64bit_integers', 'output_format_json_quote_denormals',
  'output_format_parquet_string_as_string', 'pipeline', 'playground', 'q', 'query_id', 'release_replacements', 'tag',
  'template_parameters', 'token', 'job_timestamp',
];

/** Request parameters the pipes API consumes itself (SRV/pipes drops `token`; `q`/`format` cannot be variables). */
export const PIPE_API_PARAMS: readonly string[] = ['token', 'q', 'format', 'from'];

/** SRV/utils `SQL_API_PARAMS`: removed from `/v0/sql` template variables (spec §4.1). */
export const SQL_API_PARAMS: readonly string[] = [
  'q', 'token', 'from', 'format', 'max_threads', 'pipeline', 'tag', 'output_format_json_quote_64bit_integers',
  'output_format_parquet_string_as_string', 'output_format_json_quote_denormals', 'semver', 'playground',
  'finalize_aggregations', 'release_replacements', 'time', 'test', '__tb__semver', 'template_parameters',
];

export function reservedNameWarning(name: string): string {
  return `The parameter name "${name}" is a reserved word. Please, choose another name or the pipe will not work as expected.`;
}

export type RawParams = Readonly<Record<string, string | readonly string[] | undefined>>;

/** A JSON array string such as `["a","b"]` (how the TS SDK used to send arrays, spec §10). */
function parseJsonArray(s: string): string[] | undefined {
  if (!/^\s*\[/.test(s)) return undefined;
  try {
    const v: unknown = JSON.parse(s);
    if (Array.isArray(v) && v.every((x) => ['string', 'number', 'boolean'].includes(typeof x))) return v.map(String);
  } catch {
    return undefined;
  }
  return undefined;
}

/**
 * HTTP parameters → template variables (spec §3.3 REC). Parameters a template declares as `Array(...)` take a list
 * from repeated keys, a JSON array string or a comma-separated string; other parameters get repeated keys joined with
 * `,` (so `split_to_array` still sees every value). API parameters (`api`) never reach the template.
 */
export function templateVariablesFromParams(
  raw: RawParams,
  opts: { api: 'pipe' | 'sql'; params?: readonly { name: string; type: string }[] },
): Record<string, string | string[]> {
  const drop = new Set(opts.api === 'pipe' ? PIPE_API_PARAMS : SQL_API_PARAMS);
  const arrays = new Set((opts.params ?? []).filter((p) => p.type.startsWith('Array(')).map((p) => p.name));
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined || drop.has(name)) continue;
    const values = typeof value === 'string' ? [value] : [...value];
    if (!values.length) continue;
    if (arrays.has(name)) {
      const one = values.length === 1 ? parseJsonArray(values[0]!) : undefined;
      out[name] = one ?? (values.length === 1 ? values[0]!.split(',') : values);
    } else out[name] = values.length === 1 ? values[0]! : values.join(',');
  }
  return out;
}
