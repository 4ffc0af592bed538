// Events API (spec §2): NDJSON in, `{"successful_rows","quarantined_rows"}` out; errors as plain text (spec §2.3).
//
// One-row events are the hottest request there is, so `POST /v0/events` has a fast path that runs as the first
// Express layer: it parses the query string once, reads the body itself and writes the answer with one writeHead,
// instead of going through the default-headers middleware, the gzip wrapper, body-parser and res.json. Requests
// it does not take (a Content-Encoding to decode, or a path spelled other than `/v0/events`, which Express's
// case-insensitive, trailing-slash-tolerant routing also accepts) go down the generic stack to `eventsRouter`.
// Both end in `answerEvents`, and both send their errors to the one error middleware.
import express, { type NextFunction, type Request, type RequestHandler, type Response, type Router } from 'express';
import { randomUUID } from 'node:crypto';
import { parse as parseQuery, type ParsedUrlQuery } from 'node:querystring';
import { gunzipSync } from 'node:zlib';
import type { Duckbird } from '../../service/duckbird.ts';
import { AppError, BadRequestError } from '../../errors.ts';
import { enforceRate, principalOfToken, RateLimitError, tokenOf } from '../auth.ts';
import { hasScope, mayAppend, type Principal } from '../../service/scopes.ts';
import { principalOf } from '../../service/tokens.ts';
import { PLAIN_TEXT_ERRORS } from '../error-middleware.ts';
import { DEFAULT_HEADERS, DEFAULT_HEADER_LIST } from '../default-headers.ts';
import { gzipResponses } from '../gzip.ts';
import { readBody, TOO_LARGE } from '../read-body.ts';

class EventsError extends AppError {}

/** Bodies whose first bytes are gzip's magic are gunzipped even without Content-Encoding (spec §2.1). */
function decodeBody(body: unknown, maxBytes: number): string {
  if (!Buffer.isBuffer(body)) return '';
  let buf = body;
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      buf = gunzipSync(buf, { maxOutputLength: maxBytes });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw new EventsError(413, TOO_LARGE);
      throw new BadRequestError('Invalid gzip body');
    }
  }
  return buf.toString('utf8');
}

const JSON_TYPE = 'application/json; charset=utf-8';
const EVENTS_AUTH = { handler: 'EventsHandler', jwt: true } as const;

/** spec §2.2: 202, or 200 with `wait=true`, and the counts; the same bytes and headers res.json wrote. */
function sendCounts(res: Response, status: number, requestId: string | null, successful: number, quarantined: number): void {
  const body = successful === 1 && quarantined === 0 ? ONE_ROW : `{"successful_rows":${successful},"quarantined_rows":${quarantined}}`;
  let headers: string[];
  if (requestId === null) headers = ['Content-Type', JSON_TYPE, 'Content-Length', String(body.length)];
  else {
    headers = DEFAULT_HEADER_LIST.slice();
    headers.push('X-Request-ID', requestId, 'Content-Type', JSON_TYPE, 'Content-Length', String(body.length));
  }
  res.writeHead(status, headers);
  // A latin1 string is sent in the same write as the headers (the body is ASCII).
  res.end(body, 'latin1');
}

const ONE_ROW = '{"successful_rows":1,"quarantined_rows":0}';

/**
 * The Events API after the body was read: checks in Tinybird's order (spec §2.3), appends, answers.
 * `requestId` is null when the generic middleware already set the default headers.
 */
async function answerEvents(app: Duckbird, req: Request, res: Response, query: ParsedUrlQuery, body: unknown, limit: number, requestId: string | null): Promise<void> {
  const rawName = query.name;
  const name = typeof rawName === 'string' ? rawName.trim() : '';
  if (!name) throw new BadRequestError("Missing 'name' parameter");
  let principal: Principal;
  try {
    const token = tokenOf(query, body, req.headers.authorization);
    // Stored tokens without a promise (TokenStore.byValue's first look); JWTs and reloads take the async way.
    const stored = token ? app.tokens.loadedByValue(token) : undefined;
    principal = stored ? principalOf(stored) : await principalOfToken(app, token, EVENTS_AUTH);
  } catch {
    throw new EventsError(403, 'Invalid token');
  }
  if (!app.datasource(name)) {
    if (!hasScope(principal, 'DATASOURCES:CREATE')) throw new EventsError(403, 'Invalid token for DS autocreation');
    // Tinybird infers a schema and creates the data source for tokens with DATASOURCES:CREATE; duckbird does not
    // (README, known differences), so it says what to do instead.
    throw new EventsError(404, `Data Source '${name}' does not exist. duckbird does not create data sources from events: declare it in a .datasource file`);
  }
  if (!mayAppend(principal, name)) throw new EventsError(403, 'Invalid token');
  try {
    enforceRate(app, res, principal, name);
  } catch (e) {
    if (e instanceof RateLimitError) throw new EventsError(429, 'Too many requests');
    throw e;
  }
  const rawWait = query.wait;
  const wait = typeof rawWait === 'string' && rawWait.toLowerCase() === 'true';
  const result = await app.ingest(name, decodeBody(body, limit), wait);
  sendCounts(res, wait ? 200 : 202, requestId, result.successfulRows, result.quarantinedRows);
}

function markPlainText(req: Request): void {
  (req as unknown as Record<symbol, boolean>)[PLAIN_TEXT_ERRORS] = true;
}

/** `/v0/events` exactly, with or without a query string (a `#` makes parseurl fall back to url.parse: not here). */
function isEventsUrl(url: string): boolean {
  return url.startsWith('/v0/events') && (url.length === 10 || url.charCodeAt(10) === 0x3f) && !url.includes('#');
}

const gzipErrors = gzipResponses();
const ignore = (): void => {};

/** The first Express layer: takes the plain `POST /v0/events` requests, passes every other request on. */
export function eventsFastPath(app: Duckbird): RequestHandler {
  const limit = app.config.max_body_mb * 1024 * 1024;
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'POST' || !isEventsUrl(req.url)) return next();
    const encoding = req.headers['content-encoding'];
    if (encoding !== undefined && encoding !== '') return next();
    const requestId = randomUUID();
    const url = req.url;
    const q = url.indexOf('?');
    const query = q === -1 ? {} : parseQuery(url.slice(q + 1));
    readBody(req, limit)
      .then((body) => answerEvents(app, req, res, query, body, limit, requestId))
      .catch((e: unknown) => {
        // Errors are answered by the error middleware, with the headers the skipped middlewares would have set.
        markPlainText(req);
        if (!res.headersSent) {
          res.set(DEFAULT_HEADERS);
          res.setHeader('X-Request-ID', requestId);
          gzipErrors(req, res, ignore);
        }
        next(e);
      });
  };
}

/** The generic route, behind the default headers, the gzip wrapper and body-parser (which decodes Content-Encoding). */
export function eventsRouter(app: Duckbird): Router {
  const router = express.Router();
  const limit = app.config.max_body_mb * 1024 * 1024;
  router.post(
    '/v0/events',
    (req, _res, next) => {
      markPlainText(req);
      next();
    },
    express.raw({ type: () => true, limit, inflate: true }),
    async (req: Request, res) => {
      await answerEvents(app, req, res, req.query as ParsedUrlQuery, req.body, limit, null);
    },
  );
  return router;
}
