// Cron expressions of `COPY_SCHEDULE` (spec §9.3), evaluated in UTC as Tinybird's scheduler does. The syntax is
// croniter's, which the Tinybird CLI validates with: 5 fields (minute hour day-of-month month day-of-week), or 6
// with seconds last; `*`, numbers, `a-b` ranges, `/n` steps, `,` lists, month and weekday names, 7 = Sunday, and
// the `@hourly`-style macros. Like Vixie cron, when both day fields are restricted a day matches if either does.
import { BadRequestError } from '../errors.ts';

export interface CronSchedule {
  readonly seconds: ReadonlySet<number>;
  readonly minutes: ReadonlySet<number>;
  readonly hours: ReadonlySet<number>;
  readonly days: ReadonlySet<number>;
  readonly months: ReadonlySet<number>;
  /** 0 = Sunday. */
  readonly weekdays: ReadonlySet<number>;
  /** Both day fields restricted: a day matches when either matches (else both must, one being `*`). */
  readonly eitherDay: boolean;
}

const MACROS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

interface FieldSpec {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
  /** Value of the first name (months count from 1). */
  readonly nameBase?: number;
}

const FIELDS: Record<string, FieldSpec> = {
  second: { name: 'second', min: 0, max: 59 },
  minute: { name: 'minute', min: 0, max: 59 },
  hour: { name: 'hour', min: 0, max: 23 },
  day: { name: 'day of month', min: 1, max: 31 },
  month: { name: 'month', min: 1, max: 12, names: MONTHS, nameBase: 1 },
  // 7 is Sunday too; folded to 0 after parsing.
  weekday: { name: 'day of week', min: 0, max: 7, names: WEEKDAYS, nameBase: 0 },
};

function invalid(expr: string, why: string): BadRequestError {
  return new BadRequestError(`"${expr}" is not a valid cron expression: ${why}`);
}

function parseValue(expr: string, text: string, spec: FieldSpec): number {
  const lower = text.toLowerCase();
  const named = spec.names?.indexOf(lower) ?? -1;
  if (named >= 0) return named + spec.nameBase!;
  if (!/^\d+$/.test(text)) throw invalid(expr, `'${text}' is not a ${spec.name}`);
  const n = Number(text);
  if (n < spec.min || n > spec.max) throw invalid(expr, `${spec.name} ${n} is out of range ${spec.min}-${spec.max}`);
  return n;
}

/** One field: the set of values it allows and whether it was `*` (unrestricted). */
function parseField(expr: string, text: string, spec: FieldSpec): { values: Set<number>; star: boolean } {
  const values = new Set<number>();
  let star = false;
  for (const part of text.split(',')) {
    const m = /^([^/]+)(?:\/(\d+))?$/.exec(part);
    if (!m) throw invalid(expr, `'${part}' is not a valid ${spec.name} field`);
    const [, range, stepText] = m;
    const step = stepText === undefined ? 1 : Number(stepText);
    if (step < 1) throw invalid(expr, `step 0 in '${part}'`);
    let lo: number;
    let hi: number;
    if (range === '*') {
      [lo, hi] = [spec.min, spec.max === 7 ? 6 : spec.max];
      if (stepText === undefined) star = true;
    } else if (range!.includes('-')) {
      const [a, b, extra] = range!.split('-');
      if (extra !== undefined || !a || !b) throw invalid(expr, `'${range}' is not a valid range`);
      lo = parseValue(expr, a, spec);
      hi = parseValue(expr, b, spec);
      if (lo > hi) throw invalid(expr, `range '${range}' goes backwards`);
    } else {
      lo = parseValue(expr, range!, spec);
      // croniter reads `5/15` as "from 5 to the end, every 15".
      hi = stepText === undefined ? lo : spec.max;
    }
    for (let v = lo; v <= hi; v += step) values.add(spec.max === 7 && v === 7 ? 0 : v);
  }
  return { values, star };
}

export function parseCron(expr: string): CronSchedule {
  const text = MACROS[expr.trim().toLowerCase()] ?? expr.trim();
  const fields = text.split(/\s+/);
  if (fields.length !== 5 && fields.length !== 6) throw invalid(expr, `expected 5 fields (minute hour day month weekday), found ${fields.length}`);
  const minute = parseField(expr, fields[0]!, FIELDS.minute!);
  const hour = parseField(expr, fields[1]!, FIELDS.hour!);
  const day = parseField(expr, fields[2]!, FIELDS.day!);
  const month = parseField(expr, fields[3]!, FIELDS.month!);
  const weekday = parseField(expr, fields[4]!, FIELDS.weekday!);
  const second = fields.length === 6 ? parseField(expr, fields[5]!, FIELDS.second!) : { values: new Set([0]), star: false };
  return {
    seconds: second.values,
    minutes: minute.values,
    hours: hour.values,
    days: day.values,
    months: month.values,
    weekdays: weekday.values,
    eitherDay: !day.star && !weekday.star,
  };
}

function dayMatches(s: CronSchedule, d: Date): boolean {
  const dom = s.days.has(d.getUTCDate());
  const dow = s.weekdays.has(d.getUTCDay());
  return s.eitherDay ? dom || dow : dom && dow;
}

/** Far enough for any valid schedule (Feb 29 on a given weekday recurs within 28 years). */
const HORIZON_MS = 30 * 366 * 24 * 3600 * 1000;

/** The first instant strictly after `after` that the schedule fires at (UTC, whole seconds). */
export function nextRun(expr: string | CronSchedule, after: Date): Date {
  const s = typeof expr === 'string' ? parseCron(expr) : expr;
  const t = new Date(Math.floor(after.getTime() / 1000) * 1000 + 1000);
  const limit = after.getTime() + HORIZON_MS;
  // Each step jumps to the start of the next unit that could match, so a year takes a few hundred steps at most.
  while (t.getTime() <= limit) {
    if (!s.months.has(t.getUTCMonth() + 1)) {
      t.setUTCMonth(t.getUTCMonth() + 1, 1);
      t.setUTCHours(0, 0, 0, 0);
    } else if (!dayMatches(s, t)) {
      t.setUTCDate(t.getUTCDate() + 1);
      t.setUTCHours(0, 0, 0, 0);
    } else if (!s.hours.has(t.getUTCHours())) {
      t.setUTCHours(t.getUTCHours() + 1, 0, 0, 0);
    } else if (!s.minutes.has(t.getUTCMinutes())) {
      t.setUTCMinutes(t.getUTCMinutes() + 1, 0, 0);
    } else if (!s.seconds.has(t.getUTCSeconds())) {
      t.setUTCSeconds(t.getUTCSeconds() + 1, 0);
    } else return t;
  }
  throw new BadRequestError(`"${typeof expr === 'string' ? expr : 'schedule'}" never fires`);
}
