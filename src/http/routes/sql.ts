// Query API (spec §4): ClickHouse SQL from `q` or the body; JSON when no FORMAT is given (spec §4.2 REC, what the
// SDK's `sql()` needs); the FORMAT values Tinybird allows.
import express, { type Request, type Response, type Router } from 'express';
import type { Duckbird } from '../../service/duckbird.ts';
import { AppError, BadRequestError } from '../../errors.ts';
import { authenticate } from '../auth.ts';
import { firstValue, requestParams, zeroOrOne } from '../params.ts';
import { sendQuery } from '../send-result.ts';
import type { OutputFormat } from '../../service/format-result.ts';
import { sqlVars, sqlWarnings } from '../../service/template-vars.ts';

const ALLOWED: readonly OutputFormat[] = ['JSON', 'CSV', 'CSVWithNames', 'TSV', 'TSVWithNames', 'PrettyCompact', 'JSONEachRow', 'Parquet', 'JSONStrings', 'Prometheus'];

class InvalidFormatError extends AppError {
  constructor() {
    super(403, `invalid format, available ones: ${ALLOWED.join(', ')}`);
  }
}

const isTrue = (v: string | undefined): boolean => v !== undefined && ['true', '1'].includes(v.toLowerCase());

function sqlFromRequest(req: Request): string {
  if (req.method === 'GET') {
    const q = firstValue(requestParams(req), 'q');
    if (q === undefined || q.trim() === '') throw new BadRequestError('missing q parameter. example q=select%201');
    return q;
  }
  const body = req.body as unknown;
  const q = typeof body === 'string' ? body : firstValue(requestParams(req), 'q');
  if (q === undefined || q.trim() === '') throw new BadRequestError('The request body should contain a query');
  return q;
}

export function sqlRouter(app: Duckbird, bodyLimit: string): Router {
  const router = express.Router();
  const handler = async (req: Request, res: Response) => {
    // JWTs with DATASOURCES:READ / PIPES:READ scopes are accepted here too (spec §6.5, §11.2 REC).
    const principal = await authenticate(app, req, { handler: 'APIQueryHandler', jwt: true });
    const raw = sqlFromRequest(req);
    const params = requestParams(req);
    const vars = sqlVars(params);
    const tp = firstValue(params, 'template_parameters');
    if (tp !== undefined) {
      try {
        Object.assign(vars, JSON.parse(tp));
      } catch {
        throw new BadRequestError('template_parameters must be a well-formed JSON');
      }
    }
    res.setHeader('X-Tb-Warning', JSON.stringify(sqlWarnings(raw)));
    const { sql, totals, format, types } = app.prepareSql(raw, vars, firstValue(params, 'pipeline'), principal);
    const fmt = format === null ? 'JSON' : ALLOWED.find((f) => f.toLowerCase() === format.toLowerCase());
    if (!fmt) throw new InvalidFormatError();
    if (isTrue(firstValue(params, 'explain'))) {
      // spec §4.1 names `explain=true` without its answer; ours is the translated SQL and DuckDB's plan (README).
      res.json({ query: sql, explain: await app.explain(sql) });
      return;
    }
    const opts = { quote64bitIntegers: zeroOrOne(params, 'output_format_json_quote_64bit_integers'), quoteDenormals: zeroOrOne(params, 'output_format_json_quote_denormals') };
    await sendQuery(app, res, sql, fmt, { ...opts, types }, totals);
  };
  const isForm = (req: Request) => req.is('application/x-www-form-urlencoded') !== false && req.is('application/x-www-form-urlencoded') !== null;
  const isJson = (req: Request) => req.is('application/json') !== false && req.is('application/json') !== null;
  router.get('/v0/sql', handler);
  router.post(
    '/v0/sql',
    express.urlencoded({ extended: false, limit: bodyLimit }),
    express.json({ limit: bodyLimit }),
    express.text({ type: (req) => !isForm(req as Request) && !isJson(req as Request), limit: bodyLimit }),
    handler,
  );
  return router;
}
