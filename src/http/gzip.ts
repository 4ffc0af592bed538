// gzip responses when the client asks (spec §3.6 "gzip when Accept-Encoding: gzip"). Every response here is
// written whole by res.send/res.end, so the body is compressed at `end` when it is worth it.
import type { RequestHandler } from 'express';
import { gzipSync } from 'node:zlib';

/** Smaller bodies are sent as they are: gzip's header would eat the gain. */
const MIN_BYTES = 1024;

function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  return header.split(',').some((part) => {
    const [coding, ...params] = part.trim().split(';');
    if (coding!.trim().toLowerCase() !== 'gzip') return false;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

export function gzipResponses(): RequestHandler {
  return (req, res, next) => {
    if (!acceptsGzip(req.headers['accept-encoding'])) return next();
    const end = res.end.bind(res) as (...args: unknown[]) => typeof res;
    res.end = ((chunk?: unknown, encoding?: unknown, cb?: unknown) => {
      if (typeof chunk === 'function') return end(chunk);
      const body = typeof chunk === 'string' ? Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8') : chunk;
      if (
        Buffer.isBuffer(body) &&
        body.length >= MIN_BYTES &&
        !res.headersSent &&
        !res.getHeader('Content-Encoding') &&
        req.method !== 'HEAD' &&
        res.statusCode !== 204 &&
        res.statusCode !== 304
      ) {
        const zipped = gzipSync(body);
        res.setHeader('Content-Encoding', 'gzip');
        res.setHeader('Content-Length', String(zipped.length));
        res.setHeader('Vary', 'Accept-Encoding');
        return end(zipped, typeof encoding === 'function' ? encoding : cb);
      }
      return end(chunk, encoding, cb);
    }) as typeof res.end;
    next();
  };
}
