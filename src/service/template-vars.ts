// Which request parameters reach templates, and in what shape (spec §3.3, §4.1): API parameters such as `token`,
// `q` or `from=ts-sdk` never do; parameters a template declares as Array() take repeated keys, JSON arrays or
// comma-separated strings.
import type { PipeFile } from '../datafiles/types.ts';
import { isTemplate, templateParameters, templateVariablesFromParams, templateWarnings, type ParamMeta, type TemplateValue } from '../template/index.ts';

export type Vars = Record<string, TemplateValue>;

/** Parameters and X-Tb-Warning texts of every template node of a pipe; computed once per pipe at load. */
export interface PipeTemplateInfo {
  readonly params: readonly ParamMeta[];
  readonly warnings: readonly string[];
}

export function pipeTemplateInfo(pipe: PipeFile): PipeTemplateInfo {
  const params = new Map<string, ParamMeta>();
  const warnings = new Set<string>();
  for (const node of pipe.nodes) {
    if (!isTemplate(node.sql)) continue;
    try {
      for (const p of templateParameters(node.sql)) if (!params.has(p.name)) params.set(p.name, p);
      for (const w of templateWarnings(node.sql)) warnings.add(w);
    } catch {
      // A template that does not parse is reported at load (validate-project) and answers its error per request.
    }
  }
  return { params: [...params.values()], warnings: [...warnings] };
}

export function pipeVars(raw: Readonly<Record<string, string | string[]>>, info: PipeTemplateInfo): Vars {
  return templateVariablesFromParams(raw, { api: 'pipe', params: info.params });
}

export function sqlVars(raw: Readonly<Record<string, string | string[]>>): Vars {
  return templateVariablesFromParams(raw, { api: 'sql' });
}

/** X-Tb-Warning texts for `/v0/sql`: only a `%` template can use reserved names as variables. */
export function sqlWarnings(sql: string): string[] {
  return isTemplate(sql) ? templateWarnings(sql) : [];
}
