import { prepareTemplate } from './render-template.ts';

/** X-Tb-Warning entries for a template: reserved parameter names used as variables (spec §3.3). */
export function templateWarnings(sql: string): string[] {
  return prepareTemplate(sql).warnings;
}
