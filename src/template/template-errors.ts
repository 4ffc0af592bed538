import type { PyValue } from './values.ts';

/** Tinybird's `SQLTemplateException` (a ValueError): shown as `Template Syntax Error: <message>` (spec §8.9). */
export class SqlTemplateError extends Error {
  /** True for "Required parameter is not defined": the renderer lists every parameter without a default. */
  constructor(
    readonly detail: string,
    readonly requiredParam = false,
  ) {
    super(`Template Syntax Error: ${detail}`);
  }
}

/** `custom_error(body, code)`: aborts rendering with that body and status (spec §8.4). */
export class CustomErrorSignal extends Error {
  constructor(
    readonly body: PyValue,
    readonly code: PyValue,
  ) {
    super('custom_error');
  }
}

/** `error(message, code)`: aborts rendering; Tinybird raises a plain ValueError with the message. */
export class UserErrorSignal extends Error {
  constructor(
    message: string,
    readonly code: PyValue,
  ) {
    super(message);
  }
}
