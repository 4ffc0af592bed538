// One error type per kind of failure; the HTTP layer turns them into Tinybird's bodies (spec §1.2).
export type HttpStatus = 400 | 403 | 404 | 405 | 408 | 409 | 411 | 413 | 422 | 429 | 500 | 503;

export class AppError extends Error {
  readonly status: HttpStatus;
  /** Extra fields merged into the JSON error body. */
  readonly extra: Record<string, unknown>;
  constructor(status: HttpStatus, message: string, extra: Record<string, unknown> = {}) {
    super(message);
    this.name = new.target.name;
    this.status = status;
    this.extra = extra;
  }
}

/** A datafile that cannot be parsed; message is `file:line: message`. */
export class DatafileError extends AppError {
  readonly file: string;
  readonly line: number;
  readonly detail: string;
  constructor(file: string, line: number, detail: string) {
    super(400, `${file}:${line}: ${detail}`);
    this.file = file;
    this.line = line;
    this.detail = detail;
  }
}

/** Template syntax/validation errors: always prefixed `Template Syntax Error: ` at the edge (spec §8.9). */
export class TemplateError extends AppError {
  constructor(message: string, readonly line?: number) {
    super(400, message, { documentation: 'https://docs.tinybird.co/cli/advanced-templates.html' });
  }
}

/** `custom_error({...}, code)` in a template: answers `code` with the object as the body (spec §8.4). */
export class CustomTemplateError extends AppError {
  constructor(readonly body: unknown, status: HttpStatus) {
    super(status, typeof body === 'string' ? body : JSON.stringify(body));
  }
}

/** ClickHouse SQL that cannot be translated to DuckDB with the same meaning, or is not valid. */
export class SqlError extends AppError {
  constructor(message: string) {
    super(400, message);
  }
}

export class AuthError extends AppError {
  constructor(message = 'invalid authentication token') {
    super(403, message, { documentation: 'https://docs.tinybird.co/api-reference/overview#authentication' });
  }
}

export class NotFoundError extends AppError {
  constructor(message: string) {
    super(404, message);
  }
}

export class BadRequestError extends AppError {
  constructor(message: string, extra: Record<string, unknown> = {}) {
    super(400, message, extra);
  }
}

export class TimeoutError extends AppError {
  constructor(message: string) {
    super(408, message, { documentation: 'https://docs.tinybird.co/api-reference/api-reference.html#limits' });
  }
}

/** `error(message, code)` in a template (spec §8.4): the message is the body's `error`, `code` the status. */
export class TemplateUserError extends AppError {
  constructor(message: string, status: HttpStatus) {
    super(status, message, { documentation: 'https://docs.tinybird.co/cli/advanced-templates.html' });
  }
}
