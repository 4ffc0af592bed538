// COPY_SCHEDULE cron expressions (spec §9.3): the next UTC run after an instant, and the errors for bad expressions.
import { describe, expect, it } from 'vitest';
import { nextRun, parseCron } from '../../src/service/cron.ts';

const at = (s: string) => new Date(`${s}Z`);
const iso = (d: Date) => d.toISOString().replace('.000Z', '');

describe('nextRun', () => {
  const cases: [string, string, string][] = [
    // expression, after (UTC), next run (UTC)
    ['* * * * *', '2024-01-01T10:00:00', '2024-01-01T10:01:00'],
    ['* * * * *', '2024-01-01T10:00:30.500', '2024-01-01T10:01:00'],
    ['* * * * *', '2024-12-31T23:59:59', '2025-01-01T00:00:00'],
    ['*/5 * * * *', '2024-01-01T10:02:00', '2024-01-01T10:05:00'],
    ['*/5 * * * *', '2024-01-01T10:05:00', '2024-01-01T10:10:00'],
    ['*/5 * * * *', '2024-01-01T10:57:00', '2024-01-01T11:00:00'],
    ['0 * * * *', '2024-01-01T10:00:00', '2024-01-01T11:00:00'],
    ['0 * * * *', '2024-01-01T10:59:59', '2024-01-01T11:00:00'],
    ['@hourly', '2024-01-01T10:15:00', '2024-01-01T11:00:00'],
    ['@daily', '2024-01-01T10:15:00', '2024-01-02T00:00:00'],
    ['@midnight', '2024-02-28T23:00:00', '2024-02-29T00:00:00'],
    ['@weekly', '2024-01-01T00:00:00', '2024-01-07T00:00:00'],
    ['@monthly', '2024-01-15T00:00:00', '2024-02-01T00:00:00'],
    ['@yearly', '2024-06-01T00:00:00', '2025-01-01T00:00:00'],
    ['@annually', '2024-06-01T00:00:00', '2025-01-01T00:00:00'],
    ['30 9-17 * * *', '2024-01-01T17:30:00', '2024-01-02T09:30:00'],
    ['30 9-17 * * *', '2024-01-01T12:31:00', '2024-01-01T13:30:00'],
    ['0,15,45 * * * *', '2024-01-01T10:16:00', '2024-01-01T10:45:00'],
    ['10-20/5 * * * *', '2024-01-01T10:16:00', '2024-01-01T10:20:00'],
    ['10-20/5 * * * *', '2024-01-01T10:21:00', '2024-01-01T11:10:00'],
    ['5/20 * * * *', '2024-01-01T10:26:00', '2024-01-01T10:45:00'],
    ['0 0 1 * *', '2024-01-31T12:00:00', '2024-02-01T00:00:00'],
    ['0 0 31 * *', '2024-02-01T00:00:00', '2024-03-31T00:00:00'],
    ['0 0 29 2 *', '2024-03-01T00:00:00', '2028-02-29T00:00:00'],
    ['0 12 * * 1-5', '2024-01-05T12:00:00', '2024-01-08T12:00:00'],
    ['0 12 * * mon-fri', '2024-01-06T00:00:00', '2024-01-08T12:00:00'],
    ['0 0 * * 7', '2024-01-01T00:00:00', '2024-01-07T00:00:00'],
    ['0 0 * * SUN', '2024-01-01T00:00:00', '2024-01-07T00:00:00'],
    ['0 0 1 jan,jul *', '2024-02-01T00:00:00', '2024-07-01T00:00:00'],
    // Both day fields restricted: either matches (the 13th or any Friday).
    ['0 0 13 * 5', '2024-01-01T00:00:00', '2024-01-05T00:00:00'],
    ['0 0 13 * 5', '2024-01-12T00:00:00', '2024-01-13T00:00:00'],
    // A sixth field is seconds (croniter).
    ['* * * * * */15', '2024-01-01T10:00:14', '2024-01-01T10:00:15'],
    ['0 0 * * * 30', '2024-01-01T00:00:00', '2024-01-01T00:00:30'],
  ];
  it.each(cases)('%s after %s → %s', (expr, after, next) => {
    expect(iso(nextRun(expr, at(after)))).toBe(next);
  });

  it('is always in the future and on the schedule', () => {
    let t = at('2024-01-01T00:00:00');
    const runs: string[] = [];
    for (let i = 0; i < 4; i++) runs.push(iso((t = nextRun('*/20 8 * * *', t))));
    expect(runs).toEqual(['2024-01-01T08:00:00', '2024-01-01T08:20:00', '2024-01-01T08:40:00', '2024-01-02T08:00:00']);
  });
});

describe('parseCron errors', () => {
  const cases: [string, string][] = [
    ['* * * *', '"* * * *" is not a valid cron expression: expected 5 fields (minute hour day month weekday), found 4'],
    ['60 * * * *', '"60 * * * *" is not a valid cron expression: minute 60 is out of range 0-59'],
    ['* 24 * * *', '"* 24 * * *" is not a valid cron expression: hour 24 is out of range 0-23'],
    ['* * 0 * *', '"* * 0 * *" is not a valid cron expression: day of month 0 is out of range 1-31'],
    ['* * * 13 *', '"* * * 13 *" is not a valid cron expression: month 13 is out of range 1-12'],
    ['* * * * 8', '"* * * * 8" is not a valid cron expression: day of week 8 is out of range 0-7'],
    ['*/0 * * * *', '"*/0 * * * *" is not a valid cron expression: step 0 in \'*/0\''],
    ['5-1 * * * *', '"5-1 * * * *" is not a valid cron expression: range \'5-1\' goes backwards'],
    ['x * * * *', '"x * * * *" is not a valid cron expression: \'x\' is not a minute'],
    ['@often', '"@often" is not a valid cron expression: expected 5 fields (minute hour day month weekday), found 1'],
  ];
  it.each(cases)('%s', (expr, message) => {
    expect(() => parseCron(expr)).toThrow(message);
  });

  it('reports a schedule that never fires', () => {
    expect(() => nextRun('0 0 31 2 *', at('2024-01-01T00:00:00'))).toThrow('"0 0 31 2 *" never fires');
  });
});
