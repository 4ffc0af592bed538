// Pipes API (spec §3): `/v0/pipes/<name>.<json|csv|ndjson|parquet|prometheus>` with parameters from the query string
// or body, the pipe metadata routes (spec §3.8) and the OpenAPI document.
import express, { type Request, type Response, type Router } from 'express';
import type { Duckbird } from '../../service/duckbird.ts';
import { AppError, BadRequestError, NotFoundError } from '../../errors.ts';
import { authenticate, enforceRate } from '../auth.ts';
import { firstValue, requestParams, zeroOrOne, type RawParams } from '../params.ts';
import { sendQuery, type PipeFormat } from '../send-result.ts';
import { endpointNode } from '../../service/pipe-sql.ts';
import { pipeVars } from '../../service/template-vars.ts';
import { hasScope, isAdmin, mayReadPipe, type Principal } from '../../service/scopes.ts';
import { findPipeByNameOrId, pipeJson } from '../../service/pipe-metadata.ts';
import { openApiDocument } from '../../service/openapi.ts';
import { dropPipe } from '../../service/drop-pipe.ts';
import { ForbiddenResourceError } from '../../service/read-access.ts';
import { changeCopySchedule, runCopyPipe } from '../../service/copy-pipes.ts';

const FORMATS: Record<string, PipeFormat> = { json: 'JSON', csv: 'CSVWithNames', ndjson: 'JSONEachRow', parquet: 'Parquet', prometheus: 'Prometheus' };
const MAX_SQL = 8 * 1024;
const PIPE_DOCS = 'https://docs.tinybird.co/api-reference/pipe-api.html';

/** The URL clients used to reach us, for `url` fields and the OpenAPI `servers`. */
function baseUrl(req: Request): string {
  return `${req.protocol}://${req.get('host') ?? 'localhost'}`;
}

/** JWT `fixed_params` for the pipe replace same-named request parameters (spec §3.3). */
function withFixedParams(params: RawParams, p: Principal, pipe: string): RawParams {
  const fixed = p.fixedParams?.get(pipe);
  if (!fixed) return params;
  const out: RawParams = { ...params };
  for (const [k, v] of Object.entries(fixed)) {
    if (v === null || v === undefined) delete out[k];
    else out[k] = Array.isArray(v) ? v.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))) : typeof v === 'string' ? v : JSON.stringify(v);
  }
  return out;
}

export function pipesRouter(app: Duckbird, bodyLimit: string): Router {
  const router = express.Router();

  const data = async (req: Request, res: Response, name: string, ext: string) => {
    const principal = await authenticate(app, req, { handler: 'APIPipeDataHandler', jwt: true });
    const format = FORMATS[ext];
    if (!format) throw new BadRequestError(`Format '${ext}' not supported, it must be one of csv, json, ndjson, parquet, prometheus`);
    // spec §3.2 order: unknown pipe 404, no access 403, no endpoint 404, then `q` checks.
    const pipe = findPipeByNameOrId(app.project, name);
    if (!pipe) throw new NotFoundError(`The pipe '${name}' does not exist`);
    if (!mayReadPipe(principal, pipe.name)) throw new ForbiddenResourceError("The token you have provided doesn't have access to this resource");
    if (!endpointNode(pipe, app.config.classic_endpoints)) throw new AppError(404, `The pipe '${pipe.name}' does not have an endpoint yet`, { documentation: PIPE_DOCS });
    const params = withFixedParams(requestParams(req), principal, pipe.name);
    const q = firstValue(params, 'q');
    if (q !== undefined) {
      if (q.trimStart().startsWith('%')) throw new BadRequestError("'q' parameter doesn't support templates");
      if (Buffer.byteLength(q) > MAX_SQL) throw new BadRequestError('The maximum size for a SQL query is 8KB.');
    }
    enforceRate(app, res, principal, pipe.name);
    const opts = { quote64bitIntegers: zeroOrOne(params, 'output_format_json_quote_64bit_integers'), quoteDenormals: zeroOrOne(params, 'output_format_json_quote_denormals') };
    const info = app.pipeTemplateInfo(pipe.name);
    res.setHeader('X-Tb-Warning', JSON.stringify(info.warnings));
    const vars = pipeVars(params, info);
    const types = q === undefined ? app.pipeMetaTypes(pipe.name, vars) : null;
    const totals = q === undefined ? app.pipeTotalsSql(pipe.name, vars, principal) : null;
    await sendQuery(app, res, app.pipeSql(pipe.name, vars, q, principal), format, { ...opts, types }, totals);
  };

  const byFile = async (req: Request, res: Response) => {
    const file = String(req.params.file);
    const dot = file.lastIndexOf('.');
    if (dot <= 0) return metadata(req, res, file);
    const name = file.slice(0, dot);
    const ext = file.slice(dot + 1);
    if (ext === 'pipe') return datafile(req, res, name);
    return data(req, res, name, ext);
  };

  const metadata = async (req: Request, res: Response, name: string) => {
    const principal = await authenticate(app, req, { handler: 'APIPipeHandler' });
    const pipe = findPipeByNameOrId(app.project, name);
    if (!pipe) throw new NotFoundError(`Pipe '${name}' not found`);
    if (!mayReadPipe(principal, pipe.name)) throw new ForbiddenResourceError(`token has no READ scope for ${name}`);
    const columns = await app.pipeColumns(pipe.name);
    res.json(pipeJson(pipe, { baseUrl: baseUrl(req), classicEndpoints: app.config.classic_endpoints, columns }));
  };

  const datafile = async (req: Request, res: Response, name: string) => {
    const principal = await authenticate(app, req, { handler: 'APIPipeHandler' });
    const pipe = findPipeByNameOrId(app.project, name);
    if (!pipe) throw new NotFoundError(`Pipe '${name}' not found`);
    if (!hasScope(principal, 'PIPES:CREATE')) throw new ForbiddenResourceError(`token needs at least CREATE scope to retrieve the pipefile representation ${name}`);
    res.type('text/plain').send(pipe.text);
  };

  router.get('/v0/pipes', async (req, res) => {
    const principal = await authenticate(app, req, { handler: 'APIPipeListHandler' });
    const opts = { baseUrl: baseUrl(req), classicEndpoints: app.config.classic_endpoints };
    // Non-admin tokens see only the pipes they may read (spec §3.8).
    const pipes = app.project.pipes.filter((p) => isAdmin(principal) || mayReadPipe(principal, p.name));
    res.json({ pipes: pipes.map((p) => pipeJson(p, opts)) });
  });

  router.get('/v0/pipes/openapi.json', async (req, res) => {
    const principal = await authenticate(app, req, { handler: 'APIPipeListHandler' });
    const pipes = app.project.pipes
      .filter((p) => endpointNode(p, app.config.classic_endpoints) && mayReadPipe(principal, p.name))
      .map((pipe) => ({ pipe, params: app.pipeTemplateInfo(pipe.name).params }));
    res.json(openApiDocument(pipes, baseUrl(req)));
  });

  // Every pipe is a datafile, so dropPipe always refuses (its comment says why); the error middleware answers.
  router.delete('/v0/pipes/:name', async (req) => {
    const principal = await authenticate(app, req, { handler: 'APIPipeHandler' });
    dropPipe(app.project, principal, String(req.params.name));
  });

  const bodies = [express.urlencoded({ extended: false, limit: bodyLimit }), express.json({ limit: bodyLimit })];

  // Copy pipes (spec §3.8, §9.3): parameters come like an endpoint's; the job is done when this answers.
  router.post('/v0/pipes/:name/copy', ...bodies, async (req, res) => {
    const principal = await authenticate(app, req, { handler: 'APIPipeCopyHandler' });
    const { response } = await runCopyPipe(app, String(req.params.name), { principal, params: requestParams(req), baseUrl: baseUrl(req) });
    res.json(response);
  });
  for (const action of ['pause', 'resume', 'cancel'] as const) {
    router.post(`/v0/pipes/:name/copy/${action}`, ...bodies, async (req, res) => {
      const principal = await authenticate(app, req, { handler: 'APIPipeCopyHandler' });
      res.json(changeCopySchedule(app, principal, String(req.params.name), action, baseUrl(req)));
    });
  }

  router.get('/v0/pipes/:file', byFile);
  router.post('/v0/pipes/:file', ...bodies, async (req, res) => {
    const file = String(req.params.file);
    const dot = file.lastIndexOf('.');
    if (dot <= 0) throw new NotFoundError(`Not found: ${req.method} ${req.path}`);
    await data(req, res, file.slice(0, dot), file.slice(dot + 1));
  });
  return router;
}
