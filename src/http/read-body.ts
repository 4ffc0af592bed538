// Reads a request body into one Buffer, as body-parser's `raw` does for the Events API but without its per-request
// machinery (type checks, stream wrappers, on-finished): a one-row event is one small chunk.
import type { IncomingMessage } from 'node:http';
import { AppError, BadRequestError } from '../errors.ts';

/** The Events API's 413 text (spec §2.6); body-parser's `entity.too.large` is answered with the same words. */
export const TOO_LARGE = 'The request body is too large (controlled by the max_body_mb setting)';

const EMPTY = Buffer.alloc(0);

/**
 * The whole body, at most `limit` bytes. Over the limit it is 413, after the rest of the body was read and dropped
 * so the keep-alive connection stays usable for the next request (body-parser does the same).
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = req.headers['content-length'];
    if (declared !== undefined && Number(declared) > limit) {
      discard(req, () => reject(new AppError(413, TOO_LARGE)));
      return;
    }
    let first: Buffer | null = null;
    let more: Buffer[] | null = null;
    let size = 0;
    let settled = false;
    // The listeners stay once the promise is settled: they go with the request, and a flag is cheaper than removing them.
    req.on('data', (chunk: Buffer) => {
      if (settled) return;
      size += chunk.length;
      if (size > limit) {
        settled = true;
        discard(req, () => reject(new AppError(413, TOO_LARGE)));
        return;
      }
      if (first === null) first = chunk;
      else (more ??= [first]).push(chunk);
    });
    req.on('end', () => {
      if (settled) return;
      settled = true;
      resolve(more !== null ? Buffer.concat(more, size) : (first ?? EMPTY));
    });
    const fail = (e: Error) => {
      if (settled) return;
      settled = true;
      reject(e);
    };
    req.on('aborted', () => fail(new BadRequestError('request aborted')));
    req.on('error', fail);
  });
}

function discard(req: IncomingMessage, then: () => void): void {
  if (req.complete) {
    then();
    return;
  }
  let called = false;
  const once = () => {
    if (called) return;
    called = true;
    then();
  };
  req.once('end', once);
  req.once('aborted', once);
  req.resume();
}
