// The Express adapter: default headers and CORS (spec §1.3), the routes, and the one error middleware.
import express, { type Express } from 'express';
import { randomUUID } from 'node:crypto';
import type { Duckbird } from '../service/duckbird.ts';
import { NotFoundError } from '../errors.ts';
import { errorMiddleware } from './error-middleware.ts';
import { eventsFastPath, eventsRouter } from './routes/events.ts';
import { pipesRouter } from './routes/pipes.ts';
import { sqlRouter } from './routes/sql.ts';
import { tokensRouter } from './routes/tokens.ts';
import { localRouter } from './routes/local.ts';
import { datasourcesRouter } from './routes/datasources.ts';
import { gzipResponses } from './gzip.ts';
import { DEFAULT_HEADERS } from './default-headers.ts';

export function createApp(app: Duckbird, log: (msg: string) => void = (m) => console.error(m)): Express {
  const server = express();
  server.disable('x-powered-by');
  server.set('etag', false);
  // Before every other layer: one-row events are the hottest requests (routes/events.ts).
  server.use(eventsFastPath(app));
  server.use(gzipResponses());
  server.use((req, res, next) => {
    res.set(DEFAULT_HEADERS);
    res.setHeader('X-Request-ID', randomUUID());
    if (req.method === 'OPTIONS') {
      // Browser trackers preflight `POST /v0/events` with custom headers (spec §1.3).
      const asked = req.headers['access-control-request-headers'];
      if (asked) res.setHeader('Access-Control-Allow-Headers', `${DEFAULT_HEADERS['Access-Control-Allow-Headers']}, ${asked}`);
      res.status(204).end();
      return;
    }
    next();
  });
  const bodyLimit = `${app.config.max_body_mb}mb`;
  server.get(['/v0/health', '/health'], (_req, res) => {
    res.json({ status: 'ok' });
  });
  server.get('/ping', (_req, res) => {
    res.type('text/plain').send('ok');
  });
  server.use(eventsRouter(app));
  server.use(pipesRouter(app, bodyLimit));
  server.use(sqlRouter(app, bodyLimit));
  server.use(tokensRouter(app, bodyLimit));
  server.use(localRouter(app, bodyLimit));
  server.use(datasourcesRouter(app, bodyLimit));
  server.use((req) => {
    throw new NotFoundError(`Not found: ${req.method} ${req.path}`);
  });
  server.use(errorMiddleware(log));
  return server;
}
