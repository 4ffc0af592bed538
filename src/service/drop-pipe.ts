// `DELETE /v0/pipes/<name>` (spec §3.8). Tinybird deletes the pipe; here every pipe is a datafile (the project folder
// or the last deployment), which would bring it back at the next start or reload, so the delete is refused after the
// checks Tinybird makes, as project data sources are (datasources.ts `dropDatasource`).
import { BadRequestError, NotFoundError } from '../errors.ts';
import type { Project } from '../datafiles/types.ts';
import { findPipeByNameOrId } from './pipe-metadata.ts';
import { ForbiddenResourceError } from './read-access.ts';
import { hasScope, type Principal } from './scopes.ts';

export function dropPipe(project: Project, p: Principal, nameOrId: string): never {
  const pipe = findPipeByNameOrId(project, nameOrId);
  if (!pipe) throw new NotFoundError(`Pipe '${nameOrId}' not found`);
  // Worded as the READ check of `GET /v0/pipes/<name>` (spec §3.8).
  if (!hasScope(p, 'PIPES:DROP', pipe.name)) throw new ForbiddenResourceError(`token has no DROP scope for ${nameOrId}`);
  throw new BadRequestError(`Pipe "${pipe.name}" is declared in ${pipe.path}: remove the file from the project (or deploy without it) to delete it`);
}
