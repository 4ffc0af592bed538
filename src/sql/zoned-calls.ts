// Date and time functions with a time-zone argument, or applied to a DateTime of a non-UTC zone, translated with
// ClickHouse's meaning (representation: time-zones.ts). Most functions read calendar fields, so they only need
// their argument as the wall clock of the zone asked for; the rest need the instant back.
import type { Token } from './tokenize.ts';
import { duckdbString } from './tokenize.ts';
import type { Node } from './token-tree.ts';
import type { Translator } from './translate-sql.ts';
import { instantSql, isUtcZone, wallClockOf, wallClockSql, zoneArgument, type TimeValue } from './time-zones.ts';
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
const SUB_DAY_UNITS = new Set(['second', 'seconds', 'ss', 's', 'minute', 'minutes', 'mi', 'n', 'hour', 'hours', 'hh', 'h']);

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
      return wallClockOf(sql(first), value(first), zone ?? null, first[0] ?? name);
    case 'toUnixTimestamp':
    case 'toRelativeSecondNum':
    case 'toRelativeMinuteNum': {
      if (!first) return plain;
      const v = value(first);
      // A string is read in the zone given; a DateTime is an instant whatever zone is given.
      if (v.kind === 'string' && zone) return `${fn}(${instantSql(`CAST(${sql(first)} AS TIMESTAMP)`, zone)})`;
      if (v.kind === 'ambiguous' || zoneOfValue(v) !== null) return `${fn}(${wallClockOf(sql(first), v, null, first[0] ?? name)})`;
      if (zone && v.kind !== 'datetime' && v.kind !== 'number') throw unsupported(`${fn} of an expression of unknown type in time zone '${zone}'`, first[0] ?? name);
      return plain;
    }
    case 'toRelativeHourNum': {
      // ClickHouse counts hours from the zone's offset at the epoch, which differs from both the UTC and the
      // wall-clock count in half-hour zones.
      const v = first ? value(first) : null;
      const z = zone ?? (v ? zoneOfValue(v) : null);
      if (z) throw unsupported(`${fn} in time zone '${z}'`, name);
      if (v?.kind === 'ambiguous') throw unsupported(`${fn} of ${v.name} (a name bound to DateTimes of different time zones)`, first![0] ?? name);
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
      return substitute(args, aliases, 0, wallClockOf(sql(first), v, zone, first[0] ?? name), name);
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
    default: {
      // Without a zone, calendar fields of the argument's wall clock are the answer, whatever its zone.
      if (!first || zone === undefined) return plain;
      return substitute(args, aliases, 0, wallClockOf(sql(first), value(first), zone, first[0] ?? name), name);
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
    if (v.kind === 'ambiguous') throw unsupported(`dateDiff of ${v.name} (a name bound to DateTimes of different time zones)`, nodes[0] ?? name);
  const za = zoneOfValue(va);
  const zb = zoneOfValue(vb);
  if (zone === undefined && va.kind === 'datetime' && vb.kind === 'datetime' && za !== zb)
    throw unsupported('dateDiff of DateTimes in different time zones', name);
  const z = zone === undefined ? za ?? zb : zone;
  if (z === null) return { argNodes: args, aliases };
  const unitTok = unitNodes.length === 1 && unitNodes[0]!.kind === 'string' ? (unitNodes[0] as Token) : null;
  if (unitTok === null) throw unsupported(`dateDiff with a computed unit in time zone '${z}'`, unitNodes[0] ?? name);
  const unit = unitTok.text.toLowerCase();
  const sa = tr.expr(a, aliases);
  const sb = tr.expr(b, aliases);
  const at = (nodes: readonly Node[]) => nodes[0] ?? name;
  if (SUB_DAY_UNITS.has(unit)) {
    const ia = wallClockOf(sa, va, null, at(a));
    const ib = wallClockOf(sb, vb, null, at(b));
    if (!unit.startsWith('h')) return `date_diff(${duckdbString(unit)}, ${ia}, ${ib})`;
    const offset = `(${wallClockSql("TIMESTAMP '1970-01-01 00:00:00'", z)} - TIMESTAMP '1970-01-01 00:00:00')`;
    return `date_diff('hour', ${ia} + ${offset}, ${ib} + ${offset})`;
  }
  const withA = substitute(args, aliases, 1, wallClockOf(sa, va, z, at(a)), name);
  return substitute(withA.argNodes, withA.aliases, 2, wallClockOf(sb, vb, z, at(b)), name);
}
