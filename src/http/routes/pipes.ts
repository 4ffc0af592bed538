// Pipes API (spec §3): `/v0/pipes/<name>.<json|csv|ndjson|parquet>` with parameters from the query string or body.
import express, { type Request, type Response, type Router } from 'express';
import type { Duckbird } from '../../service/duckbird.ts';
import { AuthError, BadRequestError } from '../../errors.ts';
import { requestToken, sameToken } from '../auth.ts';
import { firstValue, requestParams, zeroOrOne } from '../params.ts';
import { sendQuery, type PipeFormat } from '../send-result.ts';
import { requirePipe } from '../../service/pipe-sql.ts';
import { pipeVars } from '../../service/template-vars.ts';

const FORMATS: Record<string, PipeFormat> = { json: 'JSON', csv: 'CSVWithNames', ndjson: 'JSONEachRow', parquet: 'Parquet' };
const MAX_SQL = 8 * 1024;

export function pipesRouter(app: Duckbird, bodyLimit: string): Router {
  const router = express.Router();
  const handler = async (req: Request, res: Response) => {
    const file = String(req.params.file);
    const dot = file.lastIndexOf('.');
    const name = dot > 0 ? file.slice(0, dot) : file;
    const ext = dot > 0 ? file.slice(dot + 1) : '';
    if (!sameToken(requestToken(req), app.adminToken)) throw new AuthError();
    const format = FORMATS[ext];
    if (!format) throw new BadRequestError(`Format '${ext}' not supported, it must be one of csv, json, ndjson, parquet, prometheus`);
    requirePipe(app.project, name);
    const params = requestParams(req);
    const q = firstValue(params, 'q');
    if (q !== undefined) {
      if (q.trimStart().startsWith('%')) throw new BadRequestError("'q' parameter doesn't support templates");
      if (Buffer.byteLength(q) > MAX_SQL) throw new BadRequestError('The maximum size for a SQL query is 8KB.');
    }
    const opts = { quote64bitIntegers: zeroOrOne(params, 'output_format_json_quote_64bit_integers'), quoteDenormals: zeroOrOne(params, 'output_format_json_quote_denormals') };
    const info = app.pipeTemplateInfo(name);
    res.setHeader('X-Tb-Warning', JSON.stringify(info.warnings));
    await sendQuery(app, res, app.pipeSql(name, pipeVars(params, info), q), format, opts);
  };
  const bodies = [express.urlencoded({ extended: false, limit: bodyLimit }), express.json({ limit: bodyLimit })];
  router.get('/v0/pipes/:file', handler);
  router.post('/v0/pipes/:file', ...bodies, handler);
  return router;
}
