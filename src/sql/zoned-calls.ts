// Date and time functions with a time-zone argument, or applied to a DateTime of a non-UTC zone, translated with
// ClickHouse's meaning (representation: time-zones.ts). Most functions read calendar fields, so they only need
// their argument as the wall clock of the zone asked for; the rest need the instant back.
import type { Token } from './tokenize.ts';
import { duckdbString } from './tokenize.ts';
import { isGroup, isWord, sourceText, splitCommas, type Node } from './token-tree.ts';
import type { Translator } from './translate-sql.ts';
import { instantSql, isSubDayInterval, isUtcZone, wallClockOf, wallClockSql, zoneArgument, type TimeValue } from './time-zones.ts';
import { unsupported } from './unsupported.ts';

/** Index of the optional time-zone argument of ClickHouse date functions (`today()` takes none in ClickHouse). */
const TZ_ARG: Record<string, number> = {
  toDateTime: 1, toDateTime64: 2, toDate: 1, toStartOfDay: 1, toStartOfHour: 1, toStartOfMinute: 1,
  toStartOfFiveMinutes: 1, toStartOfFifteenMinutes: 1, toStartOfTenMinutes: 1, toStartOfMonth: 1,
  toStartOfQuarter: 1, toStartOfYear: 1, toStartOfWeek: 2, toMonday: 1, toStartOfInterval: 2, toYYYYMM: 1,
  toYYYYMMDD: 1, toYear: 1, toMonth: 1, toHour: 1, toMinute: 1, toSecond: 1, toDayOfWeek: 2, toDayOfMonth: 1,
  toQuarter: 1, toDayOfYear: 1, toYYYYMMDDhhmmss: 1, toISOWeek: 1, toISOYear: 1, toStartOfSecond: 1,
  formatDateTime: 2, toUnixTimestamp: 1, parseDateTimeBestEffort: 1, parseDateTimeBestEffortOrNull: 1,
  parseDateTimeBestEffortOrZero: 1, now: 0, dateDiff: 3, date_diff: 3, toTimezone: 1, toTimeZone: 1,
  toRelativeDayNum: 1, toRelativeHourNum: 1, toRelativeMinuteNum: 1, toRelativeMonthNum: 1, toRelativeWeekNum: 1,
  toRelativeYearNum: 1, toRelativeSecondNum: 1, toRelativeQuarterNum: 1,
};

/** dateDiff units counted on the instant (ClickHouse: relative second/minute/hour numbers), not the calendar. */
const SUB_DAY_UNITS: Record<string, string> = {
  second: 'second', seconds: 'second', ss: 'second', s: 'second', minute: 'minute', minutes: 'minute', mi: 'minute',
  n: 'minute', hour: 'hour', hours: 'hour', hh: 'hour', h: 'hour',
};

/** The call with its arguments rewritten, for scalar-calls.ts to translate as a call without a zone. */
export interface ZoneFreeCall {
  readonly argNodes: Node[][];
  readonly aliases: ReadonlyMap<string, string>;
}

let substitutions = 0;

/**
 * `argNodes` with argument `k` replaced by a name that `aliases` maps to `sql`, so the call's ordinary
 * translation (macros, formatDateTime, toStartOfInterval...) reads the converted value.
 */
function substitute(argNodes: readonly Node[][], aliases: ReadonlyMap<string, string>, k: number, sql: string, at: Token): ZoneFreeCall {
  const key = `__zoned_argument_${++substitutions}`;
  const next = new Map(aliases);
  next.set(key, sql);
  const args = [...argNodes];
  args[k] = [{ ...at, kind: 'word', text: key }];
  return { argNodes: args, aliases: next };
}

const zoneOfValue = (v: TimeValue): string | null => (v.kind === 'datetime' ? v.zone : null);

/**
 * SQL for `nodes` as the wall clock of `zone` (null: UTC, i.e. the instant). `toTimezone(x, Z)` only changes how
 * x is shown, so x itself is converted: that keeps the instant of a time that a zone's clock shows twice, which
 * the wall clock alone no longer tells apart.
 */
export function timeIn(tr: Translator, nodes: readonly Node[], aliases: ReadonlyMap<string, string>, zone: string | null): string {
  const [head, group] = nodes;
  if (nodes.length === 1 && isGroup(head, '(') && splitCommas(head.items).length === 1) return timeIn(tr, head.items, aliases, zone);
  if (nodes.length === 2 && isWord(head) && /^toTime[zZ]one$/.test(head.text) && isGroup(group, '(')) {
    const [x, z] = splitCommas(group.items);
    if (x && z?.length === 1 && z[0]!.kind === 'string' && tr.timeValue(x).kind === 'datetime') return timeIn(tr, x, aliases, zone);
  }
  return wallClockOf(tr.expr(nodes, aliases), tr.timeValue(nodes), zone, nodes[0] ?? head!);
}

/**
 * A date function's call with ClickHouse's time-zone meaning: its SQL, or a zone-free call to translate as usual,
 * or null where time zones play no part.
 */
export function translateZonedCall(tr: Translator, name: Token, argNodes: Node[][], aliases: ReadonlyMap<string, string>): string | ZoneFreeCall | null {
  const fn = name.text;
  // Own properties only: `toString` is on every object's prototype.
  const at = Object.hasOwn(TZ_ARG, fn) ? TZ_ARG[fn]! : undefined;
  if (at === undefined) return null;
  const given = zoneArgument(fn, argNodes[at], name);
  const args = argNodes.slice(0, at);
  // The zone asked for: undefined when none is given; null for UTC.
  const zone = given === undefined ? undefined : isUtcZone(given) ? null : given;
  const plain: ZoneFreeCall = { argNodes: args, aliases };
  const first = args[0];
  const value = (nodes: readonly Node[]) => tr.timeValue(nodes);
  const sql = (nodes: readonly Node[]) => tr.expr(nodes, aliases);
  switch (fn) {
    case 'now':
      return zone ? wallClockSql('now()', zone) : plain;
    case 'toTimezone':
    case 'toTimeZone':
      if (!first || given === undefined) throw unsupported(`${fn} without a time zone`, name);
      return timeIn(tr, first, aliases, zone ?? null);
    case 'toUnixTimestamp':
    case 'toRelativeSecondNum':
    case 'toRelativeMinuteNum': {
      if (!first) return plain;
      const v = value(first);
      // A string is read in the zone given; a DateTime is an instant whatever zone is given.
      if (v.kind === 'string' && zone) return `${fn}(${instantSql(`CAST(${sql(first)} AS TIMESTAMP)`, zone)})`;
      if (v.kind === 'ambiguous' || zoneOfValue(v) !== null) return `${fn}(${timeIn(tr, first, aliases, null)})`;
      if (zone && v.kind !== 'datetime' && v.kind !== 'number') throw unsupported(`${fn} of an expression of unknown type in time zone '${zone}'`, first[0] ?? name);
      return plain;
    }
    case 'toRelativeHourNum': {
      // ClickHouse counts hours from the zone's offset at the epoch, which differs from both the UTC and the
      // wall-clock count in half-hour zones.
      const v = first ? value(first) : null;
      const z = zone ?? (v ? zoneOfValue(v) : null);
      if (z) throw unsupported(`${fn} in time zone '${z}'`, name);
      if (v?.kind === 'ambiguous') throw unsupported(`${fn} of ${v.name} (${v.why})`, first![0] ?? name);
      return plain;
    }
    case 'dateDiff':
    case 'date_diff':
      return dateDiff(tr, name, args, aliases, zone);
    case 'toDateTime':
    case 'toDateTime64': {
      if (!first || zone === undefined) return plain;
      const v = value(first);
      if (v.kind === 'date' || zone === null) return plain;
      const call = () => tr.expr([name, { kind: 'group', open: { ...name, kind: 'op', text: '(' }, items: joinArgs(args, name) }], aliases);
      // A time the zone skips reads as ClickHouse reads it (through its instant: function-library.ts ch_instant).
      if (v.kind === 'string') return wallClockSql(instantSql(call(), zone), zone);
      if (v.kind === 'number') return wallClockSql(call(), zone);
      return substitute(args, aliases, 0, timeIn(tr, first, aliases, zone), name);
    }
    case 'parseDateTimeBestEffort':
    case 'parseDateTimeBestEffortOrNull':
    case 'parseDateTimeBestEffortOrZero': {
      if (!first || !zone) return plain;
      // ClickHouse's zero DateTime is the epoch, shown in the zone: not a constant wall clock.
      if (fn === 'parseDateTimeBestEffortOrZero') throw unsupported(`${fn} in time zone '${zone}'`, name);
      // A text with its own offset names an instant; one without is a wall clock of the zone given.
      const s = sql(first);
      const parsed = `${fn}(${s})`;
      return `CASE WHEN regexp_matches(${s}, '[0-9]:[0-9]{2}(:[0-9]{2}(\\.[0-9]*)?)?\\s*(Z|[+-][0-9]{2}(:?[0-9]{2})?)$') THEN ${wallClockSql(parsed, zone)} ELSE ${parsed} END`;
    }
    case 'toStartOfFiveMinutes':
    case 'toStartOfTenMinutes':
    case 'toStartOfFifteenMinutes': {
      // On the instant (checked with chdb: 16:28 in Asia/Kathmandu, UTC+05:45, starts its ten minutes at 16:25).
      const z = zone !== undefined ? zone : first ? zoneOfValue(value(first)) : null;
      if (!first || z === null) return plain;
      return wallClockSql(`${fn}(${timeIn(tr, first, aliases, null)})`, z);
    }
    case 'toStartOfInterval': {
      const iv = args[1];
      const z = zone !== undefined ? zone : first ? zoneOfValue(value(first)) : null;
      if (!first || !iv || z === null || !isSubDayInterval(iv)) return zone === undefined || !first ? plain : substitute(args, aliases, 0, timeIn(tr, first, aliases, zone), name);
      // Measured with chdb: an hour bucket is the start of the day in the zone plus the wall-clock hour rounded
      // down to the interval, added as elapsed hours (2-hour buckets: 03:30 on Europe/Madrid's spring-forward day
      // is in the one starting 2 hours after midnight, shown 03:00; 01:30 on New York's fall-back day, shown
      // twice, in the one at 00:00). Minutes and seconds count on the instant from the epoch (7 minutes in
      // Asia/Kolkata: 08:30 is in the bucket starting at 08:28).
      const instant = timeIn(tr, first, aliases, null);
      const ivSql = tr.expr(iv, aliases);
      if (/hour/i.test(sourceText(iv))) {
        const wall = timeIn(tr, first, aliases, z);
        const dayStart = instantSql(`CAST(date_trunc('day', ${wall}) AS TIMESTAMP)`, z);
        return wallClockSql(`cast_to_type(${dayStart} + to_seconds(CAST(floor(hour(${wall}) * 3600 / epoch(${ivSql})) * epoch(${ivSql}) AS BIGINT)), ${instant})`, z);
      }
      return wallClockSql(`cast_to_type(time_bucket(${ivSql}, CAST(${instant} AS TIMESTAMP), TIMESTAMP '1970-01-01 00:00:00'), ${instant})`, z);
    }
    default: {
      // Without a zone, calendar fields of the argument's wall clock are the answer, whatever its zone; but in
      // its own SELECT a rebound column name reads the column in DuckDB, the zoned alias in ClickHouse.
      if (!first || zone === undefined) {
        const v = first ? value(first) : null;
        if (v?.kind === 'ambiguous' && v.shadowed) throw unsupported(`${fn} of ${v.name} (${v.why})`, first![0] ?? name);
        return plain;
      }
      return substitute(args, aliases, 0, timeIn(tr, first, aliases, zone), name);
    }
  }
}

/** Arguments back into one comma-separated node list. */
function joinArgs(args: readonly Node[][], at: Token): Node[] {
  const out: Node[] = [];
  args.forEach((a, k) => {
    if (k > 0) out.push({ ...at, kind: 'op', text: ',' });
    out.push(...a);
  });
  return out;
}

/**
 * dateDiff in a zone (given, or else the DateTimes' own): calendar units count the zone's calendar boundaries;
 * seconds, minutes and hours count on the instant, hours from the zone's offset at the epoch (measured with chdb:
 * an hour across Europe/Madrid's spring change is 2, from 05:30 to 06:10 in Asia/Kolkata 1).
 */
function dateDiff(tr: Translator, name: Token, args: Node[][], aliases: ReadonlyMap<string, string>, zone: string | null | undefined): string | ZoneFreeCall {
  const [unitNodes, a, b] = args;
  if (!unitNodes || !a || !b || args.length !== 3) return { argNodes: args, aliases };
  const va = tr.timeValue(a);
  const vb = tr.timeValue(b);
  for (const [v, nodes] of [[va, a], [vb, b]] as const)
    if (v.kind === 'ambiguous') throw unsupported(`dateDiff of ${v.name} (${v.why})`, nodes[0] ?? name);
  const za = zoneOfValue(va);
  const zb = zoneOfValue(vb);
  if (zone === undefined && va.kind === 'datetime' && vb.kind === 'datetime' && za !== zb)
    throw unsupported('dateDiff of DateTimes in different time zones', name);
  const z = zone === undefined ? za ?? zb : zone;
  if (z === null) return { argNodes: args, aliases };
  const unitTok = unitNodes.length === 1 && unitNodes[0]!.kind === 'string' ? (unitNodes[0] as Token) : null;
  if (unitTok === null) throw unsupported(`dateDiff with a computed unit in time zone '${z}'`, unitNodes[0] ?? name);
  const unit = unitTok.text.toLowerCase();
  const part = Object.hasOwn(SUB_DAY_UNITS, unit) ? SUB_DAY_UNITS[unit]! : null;
  if (part !== null) {
    const ia = timeIn(tr, a, aliases, null);
    const ib = timeIn(tr, b, aliases, null);
    if (part !== 'hour') return `date_diff(${duckdbString(part)}, ${ia}, ${ib})`;
    const offset = `(${wallClockSql("TIMESTAMP '1970-01-01 00:00:00'", z)} - TIMESTAMP '1970-01-01 00:00:00')`;
    return `date_diff('hour', ${ia} + ${offset}, ${ib} + ${offset})`;
  }
  const withA = substitute(args, aliases, 1, timeIn(tr, a, aliases, z), name);
  return substitute(withA.argNodes, withA.aliases, 2, timeIn(tr, b, aliases, z), name);
}
