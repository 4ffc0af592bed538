// The disk refused a write (full, read-only, failing, a path that cannot be created): the rows were not accepted and
// the client is told to retry (issue 6 item 7: a 5xx error, never silent loss), in Tinybird's overload words (§2.3).
import { AppError } from '../errors.ts';

export class WriteFailedError extends AppError {
  constructor(what: string, cause: unknown) {
    const why = cause instanceof Error ? cause.message.split('\n')[0]! : String(cause);
    super(503, `Service temporarily unavailable, no data ingested, please retry again (${what} cannot be written: ${why})`);
  }
}

/** Errors of the file system (Node's errno errors) and of DuckDB writing a file. */
export function isWriteFailure(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  const code = (e as NodeJS.ErrnoException).code;
  return (typeof code === 'string' && /^E[A-Z]+$/.test(code)) || /^IO Error/.test(e.message);
}
