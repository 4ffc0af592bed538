// Which request parameters reach templates: everything but Tinybird's API parameters (spec §3.3 RESERVED_PARAM_NAMES,
// §4.1 SQL_API_PARAMS), so `from=ts-sdk`, `token` or `q` never become template variables.
import type { TemplateValue } from '../template/index.ts';

export const API_PARAMS: ReadonlySet<string> = new Set([
  'q', 'format', 'token', 'from', 'pipeline', 'debug', 'explain', 'tag', 'query_id', 'finalize_aggregations',
  'release_replacements', '__tb__semver', '__tb__deployment', 'cli_version', 'max_threads', 'playground', 'semver',
  'time', 'test', 'template_parameters', 'output_format_json_quote_64bit_integers', 'output_format_json_quote_denormals',
  'output_format_parquet_string_as_string',
]);

export function templateVars(params: Readonly<Record<string, string | string[]>>): { vars: Record<string, TemplateValue>; warnings: string[] } {
  const vars: Record<string, TemplateValue> = {};
  for (const [k, v] of Object.entries(params)) if (!API_PARAMS.has(k)) vars[k] = v;
  return { vars, warnings: [] };
}
