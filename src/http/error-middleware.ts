// The one place errors become responses: Tinybird's JSON error body (spec §1.2), or the Events API's plain text
// (spec §2.3). Unknown errors are logged and answered as a generic 500 without leaking details.
import type { ErrorRequestHandler, Request } from 'express';
import { randomUUID } from 'node:crypto';
import { AppError, CustomTemplateError } from '../errors.ts';
import { QueryError } from '../service/run-query.ts';

const DOCS = 'https://docs.tinybird.co';

/** `documentation` per status and route, as Tinybird's BaseHandler picks it. */
export function documentationFor(status: number, path: string): string {
  if (status === 403) return `${DOCS}/api-reference/overview#authentication`;
  if ([408, 411, 413, 429].includes(status)) return `${DOCS}/api-reference/api-reference.html#limits`;
  if (path.startsWith('/v0/pipes')) return `${DOCS}/api-reference/pipe-api.html`;
  if (path.startsWith('/v0/sql')) return `${DOCS}/api-reference/query-api.html`;
  if (path.startsWith('/v0/datasources')) return `${DOCS}/api-reference/datasource-api.html`;
  if (path.startsWith('/v0/tokens')) return `${DOCS}/api-reference/token-api.html`;
  return `${DOCS}/api-reference/overview`;
}

/** Marks a route whose errors are plain text (the Events API). */
export const PLAIN_TEXT_ERRORS = Symbol('plainTextErrors');

export function usesPlainText(req: Request): boolean {
  return (req as unknown as Record<symbol, boolean>)[PLAIN_TEXT_ERRORS] === true;
}

interface BodyParserError {
  type?: string;
  status?: number;
  expose?: boolean;
}

export function errorMiddleware(log: (msg: string) => void): ErrorRequestHandler {
  return (err, req, res, _next) => {
    let status: number;
    let message: string;
    let extra: Record<string, unknown> = {};
    const bp = err as BodyParserError;
    if (err instanceof CustomTemplateError) {
      res.status(err.status);
      if (typeof err.body === 'string') res.type('text/plain').send(err.body);
      else res.json(err.body);
      return;
    }
    if (err instanceof AppError) {
      status = err.status;
      message = err.message;
      extra = err.extra;
      if (err instanceof QueryError && err.dbCode !== undefined && !res.headersSent) res.setHeader('X-DB-Exception-Code', String(err.dbCode));
    } else if (bp.type === 'entity.too.large') {
      status = 413;
      message = 'The request body is too large (controlled by the max_body_mb setting)';
    } else if (typeof bp.status === 'number' && bp.status >= 400 && bp.status < 500 && bp.expose) {
      // body-parser's own 4xx: a body that does not parse, or a Content-Encoding whose data does not decode.
      status = bp.status;
      message = (err as { code?: string }).code?.startsWith('Z_') ? 'Invalid gzip body' : (err as Error).message;
    } else {
      const id = randomUUID();
      log(`request ${id} ${req.method} ${req.originalUrl} failed: ${(err as Error)?.stack ?? String(err)}`);
      status = 500;
      message = `Unexpected error, contact support@tinybird.co, request id: ${id}`;
    }
    if (res.headersSent) {
      res.end();
      return;
    }
    res.status(status);
    if (usesPlainText(req)) {
      res.type('text/plain').send(message.endsWith('\n') ? message : `${message}\n`);
      return;
    }
    res.type('application/json').send(JSON.stringify({ error: message, documentation: documentationFor(status, req.path), ...extra }));
  };
}
