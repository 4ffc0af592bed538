// Tinybird Local's workspace routes and the deploy/build routes of the `tinybird` CLI (clients.md §2.2–2.3, spec
// §7.2–7.3), plus a reset for test suites. duckbird has one workspace: every workspace name the CLI creates
// (it uses the git branch name) is another name of it, with the admin token.
import express, { type Request, type Router } from 'express';
import type { Duckbird } from '../../service/duckbird.ts';
import { AppError, BadRequestError, NotFoundError } from '../../errors.ts';
import { authenticate, ScopeRequiredError } from '../auth.ts';
import { hasScope, isAdmin } from '../../service/scopes.ts';
import { currentDeployment, deployProject, type DeployOutcome, type UploadedFile } from '../../service/deploy.ts';
import { resetData } from '../../service/fixtures.ts';

const WORKSPACE_NAME = 'duckbird';
const ORGANIZATION_ID = 'duckbird-organization';

async function requireAdmin(app: Duckbird, req: Request): Promise<void> {
  const p = await authenticate(app, req, { handler: 'WorkspaceHandler' });
  if (!isAdmin(p)) throw new ScopeRequiredError('token needs scope ADMIN');
}

/** The `data_project://` parts of a multipart body (clients.md §2.1); other parts (`context://`...) are ignored. */
async function uploadedFiles(req: Request): Promise<UploadedFile[]> {
  const type = req.headers['content-type'] ?? '';
  if (!type.startsWith('multipart/form-data') || !Buffer.isBuffer(req.body)) {
    throw new BadRequestError('Send the datafiles as multipart/form-data, one part named "data_project://" per file');
  }
  let form: FormData;
  try {
    form = await new Response(new Uint8Array(req.body), { headers: { 'content-type': type } }).formData();
  } catch {
    throw new BadRequestError('The multipart body could not be parsed');
  }
  const files: UploadedFile[] = [];
  for (const part of form.getAll('data_project://')) {
    if (typeof part === 'string') throw new BadRequestError('Each "data_project://" part needs a filename');
    files.push({ filename: part.name, text: await part.text() });
  }
  return files;
}

const names = (o: DeployOutcome) => ({
  new_datasource_names: o.change.newDatasources,
  changed_datasource_names: o.change.changedDatasources,
  deleted_datasource_names: o.change.deletedDatasources,
  new_pipe_names: o.change.newPipes,
  changed_pipe_names: o.change.changedPipes,
  deleted_pipe_names: o.change.deletedPipes,
  new_data_connector_names: [],
  changed_data_connector_names: [],
  deleted_data_connector_names: [],
});

function deploymentJson(o: DeployOutcome, live: boolean) {
  return {
    id: o.id,
    status: o.result === 'failed' ? 'failed' : 'data_ready',
    live,
    created_at: o.createdAt,
    feedback: o.errors.map((e) => ({ resource: e.filename, level: 'ERROR', message: e.error })),
    ...names(o),
    errors: o.errors,
  };
}

export function localRouter(app: Duckbird, bodyLimit: string): Router {
  const router = express.Router();
  const multipart = express.raw({ type: 'multipart/form-data', limit: bodyLimit });
  const form = express.urlencoded({ extended: false, limit: bodyLimit });
  const aliases = new Set<string>([WORKSPACE_NAME]);
  const workspace = (name: string) => ({ id: app.tokens.workspaceId, name, token: app.adminToken });

  router.get(['/v1/workspace', '/v0/workspace'], async (req, res) => {
    await requireAdmin(app, req);
    res.json({ id: app.tokens.workspaceId, name: WORKSPACE_NAME, user_id: 'duckbird-user', user_email: 'local@duckbird', scope: 'admin', main: null });
  });

  router.get(['/v1/user/workspaces', '/v0/user/workspaces'], async (req, res) => {
    await requireAdmin(app, req);
    res.json({ organization_id: ORGANIZATION_ID, workspaces: [...aliases].map(workspace) });
  });

  router.post('/v1/workspaces', form, async (req, res) => {
    await requireAdmin(app, req);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const name = String(body.name ?? req.query.name ?? '');
    if (!name) throw new BadRequestError('name parameter is required');
    // As the Tinybird Local container (tinybird-sdk-typescript#45).
    if (name === 'main') throw new BadRequestError("'main' is a reserved workspace name");
    aliases.add(name);
    res.json(workspace(name));
  });

  // `tinybird clear --local`: empties the data (the workspace itself, being the only one, stays).
  router.delete('/v1/workspaces/:id', async (req, res) => {
    await requireAdmin(app, req);
    if (req.params.id !== app.tokens.workspaceId) throw new NotFoundError(`Workspace ${req.params.id} not found`);
    if (req.query.hard_delete_confirmation !== 'yes') throw new BadRequestError('hard_delete_confirmation=yes is required');
    await resetData(app, { fixtures: false });
    res.json(workspace(WORKSPACE_NAME));
  });

  router.post('/_duckbird/reset', async (req, res) => {
    await requireAdmin(app, req);
    const fixtures = req.query.fixtures === undefined ? undefined : req.query.fixtures !== '0' && req.query.fixtures !== 'false';
    const loaded = await resetData(app, fixtures === undefined ? {} : { fixtures });
    res.json({ result: 'success', fixtures: loaded.map((l) => ({ datasource: l.datasource, rows: l.rows, quarantined_rows: l.quarantined })) });
  });

  // `tinybird pull` (clients.md §2.3): the data source's datafile text, as `GET /v0/pipes/<name>.pipe` gives a pipe's.
  router.get('/v0/datasources/:name.datasource', async (req, res) => {
    const principal = await authenticate(app, req, { handler: 'APIDataSourceHandler' });
    const name = String(req.params.name);
    const ds = app.datasource(name);
    if (!ds) throw new NotFoundError(`Data Source "${name}" does not exist`);
    if (!hasScope(principal, 'DATASOURCES:CREATE') && !hasScope(principal, 'DATASOURCES:READ', name)) {
      throw new ScopeRequiredError(`token needs DATASOURCES:CREATE or DATASOURCES:READ:${name} scope to retrieve the datafile of ${name}`);
    }
    res.type('text/plain').send(ds.text);
  });

  router.post('/v1/build', multipart, async (req, res) => {
    await requireAdmin(app, req);
    const outcome = await deployProject(app, await uploadedFiles(req), { check: false, destructive: true });
    const status = outcome.result === 'failed' ? 400 : 200;
    res.status(status).json({
      result: outcome.result,
      ...(outcome.result === 'failed' ? { error: outcome.errors.map((e) => e.error).join('\n'), errors: outcome.errors } : {}),
      build: {
        id: outcome.id,
        datasources: app.project.datasources.map((d) => ({ name: d.name })),
        pipes: app.project.pipes.map((p) => ({ name: p.name })),
        ...names(outcome),
      },
    });
  });

  router.post('/v1/deploy', multipart, async (req, res) => {
    await requireAdmin(app, req);
    const check = req.query.check === 'true';
    const destructive = req.query.allow_destructive_operations === 'true';
    const outcome = await deployProject(app, await uploadedFiles(req), { check, destructive });
    if (outcome.result === 'failed') {
      res.status(400).json({ result: 'failed', error: outcome.errors.map((e) => e.error).join('\n'), errors: outcome.errors, deployment: deploymentJson(outcome, false) });
      return;
    }
    res.json({ result: outcome.result, deployment: deploymentJson(outcome, !check) });
  });

  router.get('/v1/deployments', async (req, res) => {
    await requireAdmin(app, req);
    const live = await currentDeployment(app.config.data);
    res.json({ deployments: live ? [{ id: live.id, status: 'live', live: true, created_at: live.created_at }] : [] });
  });

  router.get('/v1/deployments/:id', async (req, res) => {
    await requireAdmin(app, req);
    const live = await currentDeployment(app.config.data);
    if (!live || live.id !== req.params.id) throw new NotFoundError(`Deployment ${req.params.id} not found`);
    res.json({ result: 'success', deployment: { id: live.id, status: 'data_ready', live: true, created_at: live.created_at } });
  });

  // Deployments are live as soon as they are made, so there is never a staged one to promote or discard.
  router.post('/v1/deployments/:id/set-live', async (req, res) => {
    await requireAdmin(app, req);
    const live = await currentDeployment(app.config.data);
    if (!live || live.id !== req.params.id) throw new NotFoundError(`Deployment ${req.params.id} not found`);
    res.json({ result: 'success', deployment: { id: live.id, status: 'live', live: true } });
  });

  router.delete('/v1/deployments/:id', async (req) => {
    await requireAdmin(app, req);
    const live = await currentDeployment(app.config.data);
    if (live && live.id === req.params.id) throw new AppError(400, `Deployment ${live.id} is live and cannot be deleted`);
    throw new NotFoundError(`Deployment ${req.params.id} not found`);
  });

  return router;
}
