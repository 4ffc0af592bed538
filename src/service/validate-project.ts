// Checks every node template at load, in Tinybird's test mode (spec §8.2, §8.8), so a broken template is reported at
// start-up as `file:line: message` instead of at the first request.
import type { Project } from '../datafiles/types.ts';
import { AppError } from '../errors.ts';
import { isTemplate, validateTemplate } from '../template/index.ts';

export function validateProject(project: Project): string[] {
  const problems: string[] = [];
  for (const pipe of project.pipes) {
    for (const node of pipe.nodes) {
      if (!isTemplate(node.sql)) continue;
      try {
        validateTemplate(node.sql);
      } catch (e) {
        if (!(e instanceof AppError)) throw e;
        const line = node.sqlLine + ((e as { line?: number }).line ?? 1) - 1;
        problems.push(`${pipe.path}:${line}: ${e.message} (in node '${node.name}' from pipe '${pipe.name}')`);
      }
    }
  }
  return problems;
}
