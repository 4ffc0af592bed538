// Data Sources API (spec §5) and Jobs API (spec §5.7). `POST /v0/datasources` takes its data as a raw body or as
// a multipart upload with any part name (the TS SDK names it `csv` whatever the format, spec §5.1 REC); parameters
// come from the query string, a urlencoded form, or the multipart's non-file fields.
import express, { type Request, type Router } from 'express';
import type { Duckbird } from '../../service/duckbird.ts';
import { gunzipSync } from 'node:zlib';
import { AppError, BadRequestError } from '../../errors.ts';
import { authenticate } from '../auth.ts';
import { hasScope, mayAppend } from '../../service/scopes.ts';
import {
  createDatasource,
  ForbiddenError,
  datafileText,
  datasourceJson,
  deleteRows,
  describeDatasource,
  dropDatasource,
  getJob,
  importData,
  importJson,
  listDatasources,
  listJobs,
  truncateDatasource,
  type ImportBody,
  type Params,
  alterDatasource,
} from '../../service/datasources.ts';

const HANDLER = 'APIDatasourcesHandler';

function queryParams(req: Request): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.query)) {
    if (typeof v === 'string') out[k] = v;
    else if (Array.isArray(v) && typeof v[0] === 'string') out[k] = v[0];
  }
  return out;
}

/** Splits the request into parameters and the data: form fields are parameters, a file part (or the body) is data. */
async function readRequest(req: Request): Promise<{ params: Record<string, string>; body: ImportBody }> {
  const params = queryParams(req);
  const type = String(req.headers['content-type'] ?? '').toLowerCase();
  const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  if (type.startsWith('application/x-www-form-urlencoded')) {
    for (const [k, v] of new URLSearchParams(raw.toString('utf8'))) params[k] ??= v;
    // authenticate() reads a form `token` from req.body.
    req.body = { ...params };
    return { params, body: { data: Buffer.alloc(0) } };
  }
  if (type.startsWith('multipart/form-data')) {
    let form: FormData;
    try {
      form = await new Response(new Uint8Array(raw), { headers: { 'content-type': String(req.headers['content-type']) } }).formData();
    } catch {
      throw new BadRequestError('The multipart body could not be parsed');
    }
    let file: ImportBody | null = null;
    const fields: [string, string][] = [];
    for (const [name, value] of form.entries()) {
      if (typeof value === 'string') fields.push([name, value]);
      else file ??= { data: Buffer.from(await value.arrayBuffer()), partName: name };
    }
    // A part without a filename that is not a known parameter is the data too (curl -F "csv=<file.csv").
    if (!file) {
      const data = fields.find(([n]) => !['name', 'mode', 'format', 'token', 'schema'].includes(n) && !n.startsWith('engine') && !n.startsWith('dialect_'));
      if (data) file = { data: Buffer.from(data[1], 'utf8'), partName: data[0] };
    }
    for (const [k, v] of fields) if (file?.partName !== k) params[k] ??= v;
    req.body = { ...params };
    return { params, body: file ?? { data: Buffer.alloc(0) } };
  }
  return { params, body: { data: raw } };
}

/** `url=` imports (spec §5.1): fetched synchronously (the job is done when the request answers), size-capped. */
async function download(url: string, maxBytes: number): Promise<Buffer> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new BadRequestError('Invalid url');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new BadRequestError('Invalid url');
  const res = await fetch(u).catch((e: unknown) => {
    throw new BadRequestError(`Could not fetch ${url}: ${(e as Error).message}`);
  });
  if (!res.ok || !res.body) throw new BadRequestError(`Could not fetch ${url}: HTTP ${res.status}`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body) {
    size += chunk.length;
    if (size > maxBytes) throw new AppError(413, 'The file at url is too large (controlled by the max_body_mb setting)');
    chunks.push(Buffer.from(chunk));
  }
  const data = Buffer.concat(chunks);
  return u.pathname.endsWith('.gz') ? gunzipSync(data, { maxOutputLength: maxBytes }) : data;
}

const flag = (v: string | undefined) => v !== undefined && ['true', '1'].includes(v.toLowerCase());

export function datasourcesRouter(app: Duckbird, bodyLimit: string): Router {
  const router = express.Router();
  const maxBytes = app.config.max_body_mb * 1024 * 1024;
  // Content-Encoding: gzip is inflated by body-parser; the limit applies to what is read (413 before reading more).
  const raw = express.raw({ type: () => true, limit: bodyLimit, inflate: true });
  const form = [express.urlencoded({ extended: false, limit: bodyLimit }), express.json({ limit: bodyLimit })];

  router.post('/v0/datasources', raw, async (req, res) => {
    const { params, body: sent } = await readRequest(req);
    const principal = await authenticate(app, req, { handler: HANDLER });
    // Fetched only for an authenticated caller, and only once the parameters are known to be valid.
    const fetchUrl = async () => {
      if (params.url === undefined || sent.data.length > 0) return sent;
      if (!hasScope(principal, 'DATASOURCES:CREATE') && !mayAppend(principal, params.name ?? '')) {
        throw new ForbiddenError(`Token does not have DATASOURCES:APPEND scope for Data Source "${params.name ?? ''}"`);
      }
      return { data: await download(params.url, maxBytes) };
    };
    const mode = params.mode ?? 'create';
    if (!['create', 'append', 'replace'].includes(mode)) {
      throw new BadRequestError(`Invalid mode "${mode}", valid modes are create, append, replace`);
    }
    if (params.format !== undefined && !['csv', 'ndjson', 'parquet'].includes(params.format)) throw new BadRequestError(`Invalid format ${params.format}.`);
    if (params.schema !== undefined && mode !== 'create') throw new BadRequestError('Schema creation is only compatible with mode=create');
    if (mode === 'create') {
      const created = await createDatasource(app, principal, params);
      const body = await fetchUrl();
      if (body.data.length === 0) {
        res.json({ datasource: datasourceJson(app, created) });
        return;
      }
      const r = await importData(app, principal, { ...params, mode: 'append' } satisfies Params, decoded(body, maxBytes));
      res.json(importJson(app, r));
      return;
    }
    const r = await importData(app, principal, params, decoded(await fetchUrl(), maxBytes));
    res.json(importJson(app, r));
  });

  router.get('/v0/datasources', async (req, res) => {
    const principal = await authenticate(app, req, { handler: HANDLER });
    const attrs = typeof req.query.attrs === 'string' ? req.query.attrs.split(',').map((a) => a.trim()).filter(Boolean) : undefined;
    res.json({ datasources: listDatasources(app, principal, attrs) });
  });

  router.get('/v0/datasources/:name', async (req, res) => {
    const principal = await authenticate(app, req, { handler: HANDLER });
    let name = String(req.params.name);
    const asFile = name.endsWith('.datasource') || req.query.format === 'datasource';
    if (name.endsWith('.datasource')) name = name.slice(0, -'.datasource'.length);
    const ds = describeDatasource(app, principal, name);
    if (asFile) res.type('text/plain').send(datafileText(ds));
    else res.json(datasourceJson(app, ds));
  });

  router.post('/v0/datasources/:name/truncate', ...form, async (req, res) => {
    const principal = await authenticate(app, req, { handler: HANDLER });
    await truncateDatasource(app, principal, String(req.params.name));
    res.status(205).end();
  });

  router.post('/v0/datasources/:name/delete', ...form, async (req, res) => {
    const principal = await authenticate(app, req, { handler: HANDLER });
    const p = { ...queryParams(req), ...((req.body ?? {}) as Record<string, string>) };
    const dryRun = flag(p.dry_run);
    const out = await deleteRows(app, principal, String(req.params.name), p.delete_condition, dryRun);
    res.status(dryRun ? 200 : 201).json(out);
  });

  router.post('/v0/datasources/:name/alter', ...form, async (req, res) => {
    const principal = await authenticate(app, req, { handler: HANDLER });
    const p = { ...queryParams(req), ...((req.body ?? {}) as Record<string, string>) };
    res.json(await alterDatasource(app, principal, String(req.params.name), p, flag(p.dry)));
  });

  router.delete('/v0/datasources/:name', async (req, res) => {
    const principal = await authenticate(app, req, { handler: HANDLER });
    await dropDatasource(app, principal, String(req.params.name));
    res.status(204).end();
  });

  router.get('/v0/jobs', async (req, res) => {
    const principal = await authenticate(app, req, { handler: 'JobsHandler' });
    const q = queryParams(req);
    res.json({ jobs: listJobs(app, principal, { status: q.status, kind: q.kind }) });
  });

  router.get('/v0/jobs/:id', async (req, res) => {
    const principal = await authenticate(app, req, { handler: 'JobsHandler' });
    res.json(getJob(app, principal, String(req.params.id)));
  });

  return router;
}

/** Gzip is accepted by its magic bytes too (spec §5.1), also inside a multipart part. */
function decoded(body: ImportBody, maxBytes: number): ImportBody {
  const d = body.data;
  if (d.length < 2 || d[0] !== 0x1f || d[1] !== 0x8b) return body;
  try {
    return { ...body, data: gunzipSync(d, { maxOutputLength: maxBytes }) };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw new AppError(413, 'The request body is too large (controlled by the max_body_mb setting)');
    throw new BadRequestError('Invalid gzip body');
  }
}
