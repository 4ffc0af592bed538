// Events API (spec §2): NDJSON in, `{"successful_rows","quarantined_rows"}` out; errors as plain text (spec §2.3).
import express, { type Request, type Router } from 'express';
import { gunzipSync } from 'node:zlib';
import type { Duckbird } from '../../service/duckbird.ts';
import { AppError, BadRequestError } from '../../errors.ts';
import { authenticate, enforceRate, RateLimitError } from '../auth.ts';
import { hasScope, mayAppend, type Principal } from '../../service/scopes.ts';
import { PLAIN_TEXT_ERRORS } from '../error-middleware.ts';

class EventsError extends AppError {}

/** Bodies whose first bytes are gzip's magic are gunzipped even without Content-Encoding (spec §2.1). */
function decodeBody(body: unknown, maxBytes: number): string {
  if (!Buffer.isBuffer(body)) return '';
  let buf = body;
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      buf = gunzipSync(buf, { maxOutputLength: maxBytes });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw new EventsError(413, 'The request body is too large (controlled by the max_body_mb setting)');
      throw new BadRequestError('Invalid gzip body');
    }
  }
  return buf.toString('utf8');
}

export function eventsRouter(app: Duckbird): Router {
  const router = express.Router();
  const limit = app.config.max_body_mb * 1024 * 1024;
  router.post(
    '/v0/events',
    (req, _res, next) => {
      (req as unknown as Record<symbol, boolean>)[PLAIN_TEXT_ERRORS] = true;
      next();
    },
    express.raw({ type: () => true, limit, inflate: true }),
    async (req: Request, res) => {
      const name = typeof req.query.name === 'string' ? req.query.name.trim() : '';
      if (!name) throw new BadRequestError("Missing 'name' parameter");
      let principal: Principal;
      try {
        principal = await authenticate(app, req, { handler: 'EventsHandler', jwt: true });
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
      const wait = typeof req.query.wait === 'string' && req.query.wait.toLowerCase() === 'true';
      const result = await app.ingest(name, decodeBody(req.body, limit), wait);
      res.status(wait ? 200 : 202).json({ successful_rows: result.successfulRows, quarantined_rows: result.quarantinedRows });
    },
  );
  return router;
}
