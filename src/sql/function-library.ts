// DuckDB macros giving ClickHouse's function names ClickHouse's results and result types (measured with chdb
// 26.7: toYYYYMM is UInt32, toStartOfMonth is Date, toYear UInt16, dateDiff Int64, round on floats rounds half to
// even). The engine runs these once at start; DuckDB resolves function names case-insensitively and a macro in
// `main` shadows a built-in of the same name, so bodies never call their own name. Macros that must behave per
// argument type branch on `typeof(x)` and use `cast_to_type` so every branch binds for every type.
const int = (name: string, type: string) => [
  `CREATE OR REPLACE MACRO ${name}(x) AS CAST(trunc(CAST(x AS DECIMAL(38, 6))) AS ${type})`,
  `CREATE OR REPLACE MACRO ${name}OrNull(x) AS TRY_CAST(x AS ${type})`,
  `CREATE OR REPLACE MACRO ${name}OrZero(x) AS coalesce(TRY_CAST(x AS ${type}), 0)`,
];
const INTS: Record<string, string> = {
  toInt8: 'TINYINT', toInt16: 'SMALLINT', toInt32: 'INTEGER', toInt64: 'BIGINT', toInt128: 'HUGEINT',
  toUInt8: 'UTINYINT', toUInt16: 'USMALLINT', toUInt32: 'UINTEGER', toUInt64: 'UBIGINT', toUInt128: 'UHUGEINT',
};
const addUnit = (suffix: string, fn: string) => [
  `CREATE OR REPLACE MACRO add${suffix}(t, n) AS cast_to_type(t + ${fn}(n), t)`,
  `CREATE OR REPLACE MACRO subtract${suffix}(t, n) AS cast_to_type(t - ${fn}(n), t)`,
  `CREATE OR REPLACE MACRO toInterval${suffix.replace(/s$/, '')}(n) AS ${fn}(n)`,
];

/**
 * dateDiff's units that count Monday-based weeks; with any other literal unit the translator calls DuckDB's
 * date_diff directly (scalar-calls.ts), which plans and runs faster than the macro's CASE.
 */
export const WEEK_UNITS: readonly string[] = ['week', 'weeks', 'wk', 'ww'];

export const FUNCTION_LIBRARY: readonly string[] = [
  ...Object.entries(INTS).flatMap(([n, t]) => int(n, t)),
  `CREATE OR REPLACE MACRO toFloat32(x) AS CAST(x AS FLOAT)`,
  `CREATE OR REPLACE MACRO toFloat64(x) AS CAST(x AS DOUBLE)`,
  `CREATE OR REPLACE MACRO toFloat64OrNull(x) AS TRY_CAST(x AS DOUBLE)`,
  `CREATE OR REPLACE MACRO toFloat64OrZero(x) AS coalesce(TRY_CAST(x AS DOUBLE), 0)`,
  `CREATE OR REPLACE MACRO toFloat32OrNull(x) AS TRY_CAST(x AS FLOAT)`,
  `CREATE OR REPLACE MACRO toFloat32OrZero(x) AS coalesce(TRY_CAST(x AS FLOAT), 0)`,
  // ClickHouse prints floats in their shortest form without a trailing `.0` (toString(30.0) = '30').
  `CREATE OR REPLACE MACRO toString(x) AS CASE WHEN typeof(x) IN ('DOUBLE', 'FLOAT') THEN regexp_replace(CAST(x AS VARCHAR), '\\.0$', '') ELSE CAST(x AS VARCHAR) END`,
  // The value a ClickHouse column of x's type holds when nothing is there (out-of-range arrays, lagInFrame).
  `CREATE OR REPLACE MACRO ch_default(x) AS cast_to_type(CASE WHEN typeof(x) LIKE '%[]' THEN '[]' WHEN typeof(x) = 'VARCHAR' THEN '' WHEN typeof(x) = 'DATE' THEN '1970-01-01' WHEN typeof(x) LIKE 'TIMESTAMP%' THEN '1970-01-01 00:00:00' WHEN typeof(x) = 'UUID' THEN '00000000-0000-0000-0000-000000000000' WHEN typeof(x) = 'BOOLEAN' THEN 'false' WHEN typeof(x) IN ('TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'HUGEINT', 'UTINYINT', 'USMALLINT', 'UINTEGER', 'UBIGINT', 'UHUGEINT', 'FLOAT', 'DOUBLE') OR typeof(x) LIKE 'DECIMAL%' THEN '0' END, x)`,
  `CREATE OR REPLACE MACRO ch_round(x, n := 0) AS cast_to_type(CASE WHEN typeof(x) IN ('DOUBLE', 'FLOAT') THEN round_even(x, n) ELSE round(x, n) END, x)`,
  `CREATE OR REPLACE MACRO ch_length(x) AS CAST(CASE WHEN typeof(x) = 'VARCHAR' THEN strlen(CAST(x AS VARCHAR)) ELSE len(x) END AS UBIGINT)`,
  // position() counts bytes; `position` itself is DuckDB syntax (position(a IN b)), hence the name.
  `CREATE OR REPLACE MACRO ch_position(h, n) AS CAST(CASE WHEN strpos(h, n) = 0 THEN 0 ELSE strlen(substr(h, 1, strpos(h, n) - 1)) + 1 END AS UBIGINT)`,
  // substring/left/right count bytes in ClickHouse (the -UTF8 forms count characters). Bytes a..b of s (1-based,
  // inclusive); a character cut by the range is U+FFFD, as ClickHouse's partial bytes read back as UTF-8. ASCII
  // strings (bytes = characters) take DuckDB's substr directly.
  `CREATE OR REPLACE MACRO ch_byte_slice(s, a, b) AS CASE WHEN strlen(s) = length(s) THEN substr(s, greatest(a, 1), greatest(b - greatest(a, 1) + 1, 0)) ELSE array_to_string(list_transform(range(1, length(s) + 1), i -> CASE WHEN strlen(left(s, i - 1)) + 1 >= a AND strlen(left(s, i)) <= b THEN substr(s, i, 1) WHEN strlen(left(s, i)) >= a AND strlen(left(s, i - 1)) + 1 <= b THEN '\uFFFD' ELSE '' END), '') END`,
  `CREATE OR REPLACE MACRO ch_char_slice(s, a, b) AS substr(s, greatest(a, 1), greatest(b - greatest(a, 1) + 1, 0))`,
  // ClickHouse offsets: 0 is an empty result, negative counts from the end; a negative length drops that many
  // units from the end. n is the string's length in the unit sliced.
  `CREATE OR REPLACE MACRO ch_sub_start(off, n) AS CASE WHEN off > 0 THEN off ELSE n + off + 1 END`,
  `CREATE OR REPLACE MACRO ch_sub_end(off, len, n) AS CASE WHEN len IS NULL THEN n WHEN len >= 0 THEN ch_sub_start(off, n) + len - 1 ELSE n + len END`,
  `CREATE OR REPLACE MACRO ch_substring(s, off, len) AS CASE WHEN off = 0 THEN '' ELSE ch_byte_slice(s, ch_sub_start(off, strlen(s)), ch_sub_end(off, len, strlen(s))) END`,
  `CREATE OR REPLACE MACRO ch_substring_utf8(s, off, len) AS CASE WHEN off = 0 THEN '' ELSE ch_char_slice(s, ch_sub_start(off, length(s)), ch_sub_end(off, len, length(s))) END`,
  `CREATE OR REPLACE MACRO ch_left(s, k) AS ch_byte_slice(s, 1, CASE WHEN k >= 0 THEN k ELSE strlen(s) + k END)`,
  `CREATE OR REPLACE MACRO ch_right(s, k) AS ch_byte_slice(s, CASE WHEN k >= 0 THEN strlen(s) - k + 1 ELSE 1 - k END, strlen(s))`,
  `CREATE OR REPLACE MACRO leftUTF8(s, k) AS ch_char_slice(s, 1, CASE WHEN k >= 0 THEN k ELSE length(s) + k END)`,
  `CREATE OR REPLACE MACRO rightUTF8(s, k) AS ch_char_slice(s, CASE WHEN k >= 0 THEN length(s) - k + 1 ELSE 1 - k END, length(s))`,
  // DateTime ± INTERVAL keeps the DateTime type in ClickHouse; DuckDB widens to TIMESTAMP.
  `CREATE OR REPLACE MACRO ch_plus(t, i) AS cast_to_type(t + i, t)`,
  `CREATE OR REPLACE MACRO ch_minus(t, i) AS cast_to_type(t - i, t)`,
  // Sub-day units turn a Date into a DateTime (greatest() only serves as a type witness here: TIMESTAMP_S for a
  // Date, which `meta` reports as DateTime too; the other timestamp types keep theirs).
  `CREATE OR REPLACE MACRO ch_plus_time(t, i) AS cast_to_type(t + i, greatest(t, TIMESTAMP_S '1970-01-01 00:00:00'))`,
  `CREATE OR REPLACE MACRO ch_minus_time(t, i) AS cast_to_type(t - i, greatest(t, TIMESTAMP_S '1970-01-01 00:00:00'))`,
  // JSON: ClickHouse answers the type's default for invalid JSON, missing keys and unconvertible values.
  `CREATE OR REPLACE MACRO ch_json_text(j, p) AS CASE WHEN json_valid(j) THEN json_extract_string(j, p) END`,
  `CREATE OR REPLACE MACRO ch_json_int(j, p) AS coalesce(TRY_CAST(CASE WHEN regexp_full_match(ch_json_text(j, p), '-?[0-9]+') THEN ch_json_text(j, p) END AS BIGINT), TRY_CAST(trunc(TRY_CAST(ch_json_text(j, p) AS DOUBLE)) AS BIGINT), 0)`,
  `CREATE OR REPLACE MACRO ch_json_uint(j, p) AS coalesce(TRY_CAST(CASE WHEN regexp_full_match(ch_json_text(j, p), '[0-9]+') THEN ch_json_text(j, p) END AS UBIGINT), TRY_CAST(trunc(TRY_CAST(ch_json_text(j, p) AS DOUBLE)) AS UBIGINT), 0)`,
  `CREATE OR REPLACE MACRO ch_json_float(j, p) AS coalesce(TRY_CAST(ch_json_text(j, p) AS DOUBLE), 0)`,
  `CREATE OR REPLACE MACRO ch_json_bool(j, p) AS CAST(coalesce(TRY_CAST(ch_json_text(j, p) AS BOOLEAN), false) AS UTINYINT)`,
  `CREATE OR REPLACE MACRO ch_json_array_raw(j, p) AS CASE WHEN json_valid(j) AND json_type(j, p) = 'ARRAY' THEN list_transform(CAST(json_extract(j, p) AS JSON[]), x -> coalesce(CAST(x AS VARCHAR), 'null')) ELSE CAST([] AS VARCHAR[]) END`,
  `CREATE OR REPLACE MACRO ch_json_raw(j, p) AS coalesce(CASE WHEN json_valid(j) THEN CAST(json_extract(j, p) AS VARCHAR) END, '')`,
  `CREATE OR REPLACE MACRO ch_json_has(j, p) AS CAST(CASE WHEN json_valid(j) THEN json_extract(j, p) IS NOT NULL ELSE false END AS UTINYINT)`,
  `CREATE OR REPLACE MACRO toUUID(x) AS CAST(x AS UUID)`,
  `CREATE OR REPLACE MACRO toBool(x) AS CAST(x AS BOOLEAN)`,
  // Dates and times (the engine runs DuckDB with TimeZone=UTC, ClickHouse's server zone in Tinybird). DateTime is
  // a TIMESTAMP holding whole seconds (types.ts): whatever makes one truncates (ClickHouse truncates, where a cast
  // to TIMESTAMP_S would round).
  // Time zones (time-zones.ts): a DateTime in zone z is the naive wall clock of z. ch_wall gives it for a UTC
  // DateTime, ch_wall_of also takes a Date or a string, which already are wall clocks. ch_instant goes back: ICU
  // reads a wall-clock time that occurs twice (clocks going back) as the later instant and one that never occurs
  // (clocks going forward) with the offset before the change; ClickHouse takes the earlier instant, and an hour
  // earlier for a skipped time (measured with chdb: Europe/Madrid '2024-10-27 02:30:00' and '2024-03-31 02:30:00'
  // are both 00:30 UTC).
  `CREATE OR REPLACE MACRO ch_wall(t, z) AS cast_to_type(timezone(z, timezone('UTC', CAST(t AS TIMESTAMP))), t)`,
  `CREATE OR REPLACE MACRO ch_wall_of(t, z) AS CASE WHEN typeof(t) IN ('DATE', 'VARCHAR') THEN CAST(t AS TIMESTAMP) ELSE timezone(z, timezone('UTC', CAST(t AS TIMESTAMP))) END`,
  `CREATE OR REPLACE MACRO ch_icu_instant(w, z) AS timezone('UTC', timezone(z, CAST(w AS TIMESTAMP)))`,
  `CREATE OR REPLACE MACRO ch_instant(w, z) AS cast_to_type(CASE WHEN ch_wall(ch_icu_instant(w, z) - INTERVAL 1 HOUR, z) = w OR ch_wall(ch_icu_instant(w, z), z) <> w THEN ch_icu_instant(w, z) - INTERVAL 1 HOUR ELSE ch_icu_instant(w, z) END, w)`,
  `CREATE OR REPLACE MACRO now() AS date_trunc('second', CAST(current_timestamp AS TIMESTAMP))`,
  `CREATE OR REPLACE MACRO now64() AS CAST(current_timestamp AS TIMESTAMP_MS)`,
  `CREATE OR REPLACE MACRO today() AS current_date`,
  `CREATE OR REPLACE MACRO yesterday() AS CAST(current_date - 1 AS DATE)`,
  `CREATE OR REPLACE MACRO toDate(x) AS CAST(x AS DATE)`,
  // A number is seconds since the epoch; CASE evaluates only the matching branch, so both branches may bind.
  `CREATE OR REPLACE MACRO toDateTime(x) AS CASE WHEN typeof(x) IN ('TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'HUGEINT', 'UTINYINT', 'USMALLINT', 'UINTEGER', 'UBIGINT', 'FLOAT', 'DOUBLE') OR typeof(x) LIKE 'DECIMAL%' THEN date_trunc('second', CAST(to_timestamp(TRY_CAST(x AS DOUBLE)) AS TIMESTAMP)) ELSE date_trunc('second', CAST(CAST(x AS VARCHAR) AS TIMESTAMP)) END`,
  `CREATE OR REPLACE MACRO toDateOrNull(x) AS TRY_CAST(x AS DATE)`,
  `CREATE OR REPLACE MACRO toDateTimeOrNull(x) AS date_trunc('second', TRY_CAST(x AS TIMESTAMP))`,
  // A text with an offset ('...+05:30') names an instant; a cast to TIMESTAMP would drop the offset, one to
  // TIMESTAMPTZ reads offset-less text in the session zone, UTC.
  `CREATE OR REPLACE MACRO parseDateTimeBestEffort(x) AS date_trunc('second', timezone('UTC', CAST(x AS TIMESTAMPTZ)))`,
  `CREATE OR REPLACE MACRO parseDateTimeBestEffortOrNull(x) AS date_trunc('second', timezone('UTC', TRY_CAST(x AS TIMESTAMPTZ)))`,
  `CREATE OR REPLACE MACRO parseDateTimeBestEffortOrZero(x) AS coalesce(date_trunc('second', timezone('UTC', TRY_CAST(x AS TIMESTAMPTZ))), TIMESTAMP '1970-01-01 00:00:00')`,
  `CREATE OR REPLACE MACRO toStartOfDay(t) AS CAST(date_trunc('day', t) AS TIMESTAMP)`,
  `CREATE OR REPLACE MACRO toStartOfHour(t) AS CAST(date_trunc('hour', t) AS TIMESTAMP)`,
  `CREATE OR REPLACE MACRO toStartOfMinute(t) AS CAST(date_trunc('minute', t) AS TIMESTAMP)`,
  `CREATE OR REPLACE MACRO toStartOfSecond(t) AS cast_to_type(date_trunc('second', t), t)`,
  `CREATE OR REPLACE MACRO toStartOfFiveMinutes(t) AS CAST(time_bucket(INTERVAL 5 MINUTE, CAST(t AS TIMESTAMP), TIMESTAMP '1970-01-01') AS TIMESTAMP)`,
  `CREATE OR REPLACE MACRO toStartOfTenMinutes(t) AS CAST(time_bucket(INTERVAL 10 MINUTE, CAST(t AS TIMESTAMP), TIMESTAMP '1970-01-01') AS TIMESTAMP)`,
  `CREATE OR REPLACE MACRO toStartOfFifteenMinutes(t) AS CAST(time_bucket(INTERVAL 15 MINUTE, CAST(t AS TIMESTAMP), TIMESTAMP '1970-01-01') AS TIMESTAMP)`,
  `CREATE OR REPLACE MACRO toStartOfMonth(t) AS CAST(date_trunc('month', t) AS DATE)`,
  `CREATE OR REPLACE MACRO toStartOfQuarter(t) AS CAST(date_trunc('quarter', t) AS DATE)`,
  `CREATE OR REPLACE MACRO toStartOfYear(t) AS CAST(date_trunc('year', t) AS DATE)`,
  `CREATE OR REPLACE MACRO toMonday(t) AS CAST(date_trunc('week', t) AS DATE)`,
  // Mode 0 (the default): weeks start on Sunday; odd modes start on Monday.
  `CREATE OR REPLACE MACRO toStartOfWeek(t, mode := 0) AS CASE WHEN mode % 2 = 1 THEN CAST(date_trunc('week', t) AS DATE) ELSE CAST(CAST(t AS DATE) - CAST(dayofweek(t) AS INTEGER) AS DATE) END`,
  `CREATE OR REPLACE MACRO toYYYYMM(t) AS CAST(year(t) * 100 + month(t) AS UINTEGER)`,
  `CREATE OR REPLACE MACRO toYYYYMMDD(t) AS CAST(year(t) * 10000 + month(t) * 100 + day(t) AS UINTEGER)`,
  `CREATE OR REPLACE MACRO toYear(t) AS CAST(year(t) AS USMALLINT)`,
  `CREATE OR REPLACE MACRO toQuarter(t) AS CAST(quarter(t) AS UTINYINT)`,
  `CREATE OR REPLACE MACRO toMonth(t) AS CAST(month(t) AS UTINYINT)`,
  `CREATE OR REPLACE MACRO toDayOfMonth(t) AS CAST(day(t) AS UTINYINT)`,
  `CREATE OR REPLACE MACRO toDayOfYear(t) AS CAST(dayofyear(t) AS USMALLINT)`,
  // Modes: 0 Monday=1..Sunday=7 (default), 1 Monday=0..Sunday=6, 2 Sunday=0..Saturday=6, 3 Sunday=1..Saturday=7.
  `CREATE OR REPLACE MACRO toDayOfWeek(t, mode := 0) AS CAST(CASE mode % 4 WHEN 0 THEN isodow(t) WHEN 1 THEN isodow(t) - 1 WHEN 2 THEN dayofweek(t) ELSE dayofweek(t) + 1 END AS UTINYINT)`,
  `CREATE OR REPLACE MACRO toHour(t) AS CAST(hour(t) AS UTINYINT)`,
  `CREATE OR REPLACE MACRO toMinute(t) AS CAST(minute(t) AS UTINYINT)`,
  `CREATE OR REPLACE MACRO toSecond(t) AS CAST(second(t) AS UTINYINT)`,
  `CREATE OR REPLACE MACRO toUnixTimestamp(t) AS CAST(epoch(CAST(t AS TIMESTAMP)) AS UINTEGER)`,
  `CREATE OR REPLACE MACRO toUnixTimestamp64Milli(t) AS epoch_ms(CAST(t AS TIMESTAMP))`,
  `CREATE OR REPLACE MACRO fromUnixTimestamp(x) AS make_timestamp(CAST(x AS BIGINT) * 1000000)`,
  `CREATE OR REPLACE MACRO fromUnixTimestamp64Milli(x) AS CAST(make_timestamp(CAST(x AS BIGINT) * 1000) AS TIMESTAMP_MS)`,
  `CREATE OR REPLACE MACRO toRelativeDayNum(t) AS CAST(date_diff('day', DATE '1970-01-01', t) AS UINTEGER)`,
  `CREATE OR REPLACE MACRO toRelativeHourNum(t) AS CAST(date_diff('hour', TIMESTAMP '1970-01-01', t) AS UINTEGER)`,
  `CREATE OR REPLACE MACRO toRelativeMinuteNum(t) AS CAST(date_diff('minute', TIMESTAMP '1970-01-01', t) AS UINTEGER)`,
  `CREATE OR REPLACE MACRO toRelativeSecondNum(t) AS CAST(epoch(CAST(t AS TIMESTAMP)) AS UINTEGER)`,
  // Weeks start on Monday; 1970-01-01 (a Thursday) is in week 0.
  `CREATE OR REPLACE MACRO toRelativeWeekNum(t) AS CAST((date_diff('day', DATE '1970-01-01', CAST(t AS DATE)) + 3) // 7 AS UINTEGER)`,
  `CREATE OR REPLACE MACRO toRelativeQuarterNum(t) AS CAST(year(t) * 4 + quarter(t) - 1 AS UINTEGER)`,
  `CREATE OR REPLACE MACRO toISOWeek(t) AS CAST(week(t) AS UTINYINT)`,
  `CREATE OR REPLACE MACRO toISOYear(t) AS CAST(isoyear(t) AS USMALLINT)`,
  // age counts whole units elapsed, where dateDiff counts boundaries crossed.
  `CREATE OR REPLACE MACRO age(unit, a, b) AS date_sub(unit, a, b)`,
  `CREATE OR REPLACE MACRO toRelativeMonthNum(t) AS CAST(year(t) * 12 + month(t) AS UINTEGER)`,
  `CREATE OR REPLACE MACRO toRelativeYearNum(t) AS CAST(year(t) AS USMALLINT)`,
  // dateDiff counts unit boundaries crossed, as DuckDB's date_diff does, except that ClickHouse's weeks start on
  // Monday (DuckDB's week difference counts whole 7-day spans).
  `CREATE OR REPLACE MACRO dateDiff(unit, a, b) AS CASE WHEN lower(unit) IN (${WEEK_UNITS.map((u) => `'${u}'`).join(', ')}) THEN CAST(toRelativeWeekNum(b) AS BIGINT) - toRelativeWeekNum(a) ELSE date_diff(unit, a, b) END`,
  `CREATE OR REPLACE MACRO timestampAdd(t, i) AS cast_to_type(t + i, t)`,
  `CREATE OR REPLACE MACRO timestampSub(t, i) AS cast_to_type(t - i, t)`,
  `CREATE OR REPLACE MACRO date_add(t, i) AS cast_to_type(t + i, t)`,
  ...addUnit('Seconds', 'to_seconds'),
  ...addUnit('Minutes', 'to_minutes'),
  ...addUnit('Hours', 'to_hours'),
  ...addUnit('Days', 'to_days'),
  ...addUnit('Weeks', 'to_weeks'),
  ...addUnit('Months', 'to_months'),
  ...addUnit('Years', 'to_years'),
  // Numbers.
  // intDiv keeps an integer dividend's type and truncates toward zero (through DOUBLE: exact below 2^53).
  `CREATE OR REPLACE MACRO intDiv(a, b) AS cast_to_type(trunc(a / b), a)`,
  `CREATE OR REPLACE MACRO modulo(a, b) AS a % b`,
  `CREATE OR REPLACE MACRO rand() AS CAST(floor(random() * 4294967296) AS UINTEGER)`,
  `CREATE OR REPLACE MACRO ch_quantile_exact(l, p) AS list_sort(l)[CAST(least(floor(len(l) * p), len(l) - 1) AS BIGINT) + 1]`,
  // Null handling.
  `CREATE OR REPLACE MACRO ifNull(a, b) AS coalesce(a, b)`,
  `CREATE OR REPLACE MACRO assumeNotNull(x) AS x`,
  `CREATE OR REPLACE MACRO toNullable(x) AS x`,
  // Strings.
  `CREATE OR REPLACE MACRO lowerUTF8(s) AS lower(s)`,
  `CREATE OR REPLACE MACRO upperUTF8(s) AS upper(s)`,
  `CREATE OR REPLACE MACRO lengthUTF8(s) AS CAST(len(s) AS UBIGINT)`,
  `CREATE OR REPLACE MACRO empty(x) AS CAST(len(x) = 0 AS UTINYINT)`,
  `CREATE OR REPLACE MACRO notEmpty(x) AS CAST(len(x) > 0 AS UTINYINT)`,
  `CREATE OR REPLACE MACRO startsWith(s, p) AS CAST(starts_with(s, p) AS UTINYINT)`,
  `CREATE OR REPLACE MACRO endsWith(s, p) AS CAST(ends_with(s, p) AS UTINYINT)`,
  `CREATE OR REPLACE MACRO position(h, n) AS CAST(strpos(h, n) AS UBIGINT)`,
  `CREATE OR REPLACE MACRO positionCaseInsensitive(h, n) AS CAST(strpos(lower(h), lower(n)) AS UBIGINT)`,
  `CREATE OR REPLACE MACRO splitByChar(sep, s) AS string_split(s, sep)`,
  `CREATE OR REPLACE MACRO splitByString(sep, s) AS string_split(s, sep)`,
  `CREATE OR REPLACE MACRO arrayStringConcat(a, sep := '') AS array_to_string(a, sep)`,
  `CREATE OR REPLACE MACRO replaceAll(s, a, b) AS replace(s, a, b)`,
  `CREATE OR REPLACE MACRO replaceOne(s, a, b) AS CASE WHEN strpos(s, a) > 0 AND a <> '' THEN substr(s, 1, strpos(s, a) - 1) || b || substr(s, strpos(s, a) + length(a)) ELSE s END`,
  `CREATE OR REPLACE MACRO replaceRegexpOne(s, re, r) AS regexp_replace(s, re, r)`,
  `CREATE OR REPLACE MACRO replaceRegexpAll(s, re, r) AS regexp_replace(s, re, r, 'g')`,
  `CREATE OR REPLACE MACRO match(s, re) AS CAST(regexp_matches(s, re) AS UTINYINT)`,
  `CREATE OR REPLACE MACRO multiSearchAnyCaseInsensitive(s, needles) AS CAST(len(list_filter(needles, n -> strpos(lower(s), lower(n)) > 0)) > 0 AS UTINYINT)`,
  // The smallest i whose needle occurs in s (not the leftmost occurrence), measured with chdb.
  `CREATE OR REPLACE MACRO multiSearchFirstIndex(s, needles) AS CAST(coalesce(list_position(list_transform(needles, n -> strpos(s, n) > 0), true), 0) AS UBIGINT)`,
  `CREATE OR REPLACE MACRO multiSearchFirstIndexUTF8(s, needles) AS multiSearchFirstIndex(s, needles)`,
  `CREATE OR REPLACE MACRO multiSearchFirstIndexCaseInsensitive(s, needles) AS multiSearchFirstIndex(lower(s), list_transform(needles, n -> lower(n)))`,
  `CREATE OR REPLACE MACRO multiSearchFirstIndexCaseInsensitiveUTF8(s, needles) AS multiSearchFirstIndex(lower(s), list_transform(needles, n -> lower(n)))`,
  `CREATE OR REPLACE MACRO multiSearchAnyUTF8(s, needles) AS CAST(len(list_filter(needles, n -> strpos(s, n) > 0)) > 0 AS UTINYINT)`,
  `CREATE OR REPLACE MACRO multiSearchAnyCaseInsensitiveUTF8(s, needles) AS CAST(len(list_filter(needles, n -> strpos(lower(s), lower(n)) > 0)) > 0 AS UTINYINT)`,
  `CREATE OR REPLACE MACRO trimLeft(s) AS ltrim(s)`,
  `CREATE OR REPLACE MACRO trimRight(s) AS rtrim(s)`,
  `CREATE OR REPLACE MACRO trimBoth(s) AS trim(s)`,
  `CREATE OR REPLACE MACRO leftPad(s, n, p := ' ') AS lpad(s, n, p)`,
  `CREATE OR REPLACE MACRO rightPad(s, n, p := ' ') AS rpad(s, n, p)`,
  `CREATE OR REPLACE MACRO base64Encode(s) AS to_base64(encode(s))`,
  `CREATE OR REPLACE MACRO base64Decode(s) AS decode(from_base64(s))`,
  `CREATE OR REPLACE MACRO multiSearchAny(s, needles) AS CAST(len(list_filter(needles, n -> strpos(s, n) > 0)) > 0 AS UTINYINT)`,
  `CREATE OR REPLACE MACRO protocol(u) AS coalesce(regexp_extract(u, '^([A-Za-z][A-Za-z0-9+.-]*):', 1), '')`,
  `CREATE OR REPLACE MACRO domain(u) AS regexp_extract(u, '^(?:[A-Za-z][A-Za-z0-9+.-]*:)?//(?:[^/?#@]*@)?([^/?#:]*)', 1)`,
  `CREATE OR REPLACE MACRO domainWithoutWWW(u) AS regexp_replace(regexp_extract(u, '^(?:[A-Za-z][A-Za-z0-9+.-]*:)?//(?:[^/?#@]*@)?([^/?#:]*)', 1), '^www\\.', '')`,
  `CREATE OR REPLACE MACRO path(u) AS regexp_extract(u, '^(?:[A-Za-z][A-Za-z0-9+.-]*:)?(?://[^/?#]*)?[^/?#]*(/[^?#]*)?', 1)`,
  `CREATE OR REPLACE MACRO queryString(u) AS coalesce(regexp_extract(u, '^[^?#]*\\?([^#]*)', 1), '')`,
  `CREATE OR REPLACE MACRO fragment(u) AS coalesce(regexp_extract(u, '#(.*)$', 1), '')`,
  `CREATE OR REPLACE MACRO cutQueryString(u) AS regexp_replace(u, '\\?[^#]*', '')`,
  `CREATE OR REPLACE MACRO cutFragment(u) AS regexp_replace(u, '#.*$', '')`,
  `CREATE OR REPLACE MACRO cutQueryStringAndFragment(u) AS regexp_replace(u, '[?#].*$', '')`,
  `CREATE OR REPLACE MACRO cutWWW(u) AS regexp_replace(u, '^([A-Za-z][A-Za-z0-9+.-]*://)www\\.', '\\1')`,
  `CREATE OR REPLACE MACRO topLevelDomain(u) AS coalesce(regexp_extract(domain(u), '\\.([^.]+)$', 1), '')`,
  `CREATE OR REPLACE MACRO extractURLParameter(u, name) AS coalesce(list_filter(string_split(queryString(u), '&'), p -> starts_with(p, name || '='))[1][strlen(name) + 2:], '')`,
  // Parameters without '=' are left out, as ClickHouse does.
  `CREATE OR REPLACE MACRO extractURLParameters(u) AS list_filter(string_split(queryString(u), '&'), p -> strpos(p, '=') > 0)`,
  `CREATE OR REPLACE MACRO extractURLParameterNames(u) AS list_transform(extractURLParameters(u), p -> split_part(p, '=', 1))`,
  `CREATE OR REPLACE MACRO port(u) AS CAST(coalesce(nullif(regexp_extract(u, '^(?:[A-Za-z][A-Za-z0-9+.-]*:)?//(?:[^/?#@]*@)?[^/?#:]*:([0-9]+)', 1), ''), '0') AS USMALLINT)`,
  `CREATE OR REPLACE MACRO pathFull(u) AS regexp_extract(u, '^(?:[A-Za-z][A-Za-z0-9+.-]*:)?(?://[^/?#]*)?[^/?#]*([/?#].*)?$', 1)`,
  // The registrable part of the host. ClickHouse consults the public suffix list; this takes the label before a
  // generic second level (co.uk, com.tr, gov.uk...) or before the TLD, so hosted suffixes such as github.io or
  // blogspot.com differ (README: known differences).
  `CREATE OR REPLACE MACRO ch_significant_at(l) AS CASE WHEN len(l) <= 1 THEN 0 WHEN len(l) >= 3 AND list_contains(['com', 'net', 'org', 'co', 'gov', 'edu', 'ac', 'gob'], l[-2]) THEN len(l) - 2 ELSE len(l) - 1 END`,
  `CREATE OR REPLACE MACRO firstSignificantSubdomain(u) AS CASE WHEN ch_significant_at(string_split(domain(u), '.')) = 0 THEN '' ELSE string_split(domain(u), '.')[ch_significant_at(string_split(domain(u), '.'))] END`,
  `CREATE OR REPLACE MACRO cutToFirstSignificantSubdomain(u) AS CASE WHEN ch_significant_at(string_split(domain(u), '.')) = 0 THEN '' ELSE array_to_string(string_split(domain(u), '.')[ch_significant_at(string_split(domain(u), '.')):], '.') END`,
  `CREATE OR REPLACE MACRO encodeURLComponent(s) AS url_encode(s)`,
  `CREATE OR REPLACE MACRO encodeURLFormComponent(s) AS replace(url_encode(s), '%20', '+')`,
  `CREATE OR REPLACE MACRO decodeURLComponent(s) AS url_decode(s)`,
  `CREATE OR REPLACE MACRO decodeURLFormComponent(s) AS url_decode(replace(s, '+', ' '))`,
  // Arrays: ClickHouse arrays are 1-based like DuckDB lists.
  `CREATE OR REPLACE MACRO has(a, x) AS CAST(list_contains(a, x) AS UTINYINT)`,
  `CREATE OR REPLACE MACRO hasAny(a, b) AS CAST(list_has_any(a, b) AS UTINYINT)`,
  `CREATE OR REPLACE MACRO hasAll(a, b) AS CAST(list_has_all(a, b) AS UTINYINT)`,
  `CREATE OR REPLACE MACRO ch_left_array(a) AS CASE WHEN len(coalesce(a, [])) = 0 THEN [ch_default(a[1])] ELSE a END`,
  `CREATE OR REPLACE MACRO arrayElement(a, n) AS coalesce(a[n], ch_default(a[n]))`,
  `CREATE OR REPLACE MACRO indexOf(a, x) AS CAST(coalesce(list_position(a, x), 0) AS UBIGINT)`,
  `CREATE OR REPLACE MACRO arrayIntersect(a, b) AS list_intersect(a, b)`,
  `CREATE OR REPLACE MACRO arrayConcat(a, b) AS list_concat(a, b)`,
  // ClickHouse keeps the first occurrence of each element in order (DuckDB's list_distinct does not).
  `CREATE OR REPLACE MACRO arrayDistinct(a) AS list_filter(a, (x, i) -> x IS NOT NULL AND list_position(a, x) = i)`,
  `CREATE OR REPLACE MACRO arraySlice(a, o, n) AS list_slice(a, o, o + n - 1)`,
  `CREATE OR REPLACE MACRO arrayCount(a) AS CAST(len(list_filter(a, x -> x <> 0)) AS UINTEGER)`,
  // Like sum: Int64 for integers (DuckDB: HUGEINT), 0 for an empty array.
  // Tuples are structs with positional names (tokenize.ts namedStruct); list_zip names fields after its arguments.
  `CREATE OR REPLACE MACRO positionUTF8(h, n) AS CAST(strpos(h, n) AS UBIGINT)`,
  `CREATE OR REPLACE MACRO positionCaseInsensitiveUTF8(h, n) AS CAST(strpos(lower(h), lower(n)) AS UBIGINT)`,
  `CREATE OR REPLACE MACRO splitByRegexp(re, s) AS regexp_split_to_array(s, re)`,
  `CREATE OR REPLACE MACRO bitAnd(a, b) AS (a & b)`,
  `CREATE OR REPLACE MACRO bitOr(a, b) AS (a | b)`,
  `CREATE OR REPLACE MACRO bitXor(a, b) AS xor(a, b)`,
  `CREATE OR REPLACE MACRO bitNot(a) AS (~a)`,
  `CREATE OR REPLACE MACRO arrayFlatten(a) AS flatten(a)`,
  `CREATE OR REPLACE MACRO countEqual(a, v) AS CAST(len(list_filter(a, x -> x = v)) AS UBIGINT)`,
  `CREATE OR REPLACE MACRO arrayMax(a) AS coalesce(list_max(a), ch_default(a[1]))`,
  `CREATE OR REPLACE MACRO arrayMin(a) AS coalesce(list_min(a), ch_default(a[1]))`,
  `CREATE OR REPLACE MACRO truncate(x) AS trunc(x)`,
  `CREATE OR REPLACE MACRO toLastDayOfMonth(t) AS CAST(last_day(t) AS DATE)`,
  `CREATE OR REPLACE MACRO arrayZip(a, b) AS list_transform(generate_series(1, len(a)), i -> {'1': a[i], '2': b[i]})`,
  `CREATE OR REPLACE MACRO arrayAvg(a) AS coalesce(list_avg(a), CAST('nan' AS DOUBLE))`,
  `CREATE OR REPLACE MACRO arraySum(a) AS cast_to_type(coalesce(list_sum(a), 0), list_max(a) + CAST(0 AS BIGINT))`,
  `CREATE OR REPLACE MACRO arrayReverse(a) AS list_reverse(a)`,
  `CREATE OR REPLACE MACRO arrayUniq(a) AS CAST(list_unique(a) AS UINTEGER)`,
  `CREATE OR REPLACE MACRO arrayEnumerate(a) AS list_transform(range(1, len(a) + 1), i -> CAST(i AS UINTEGER))`,
  `CREATE OR REPLACE MACRO arrayPushBack(a, x) AS list_append(a, x)`,
  `CREATE OR REPLACE MACRO arrayPushFront(a, x) AS list_prepend(x, a)`,
  `CREATE OR REPLACE MACRO arrayPopBack(a) AS list_slice(a, 1, len(a) - 1)`,
  `CREATE OR REPLACE MACRO arrayPopFront(a) AS list_slice(a, 2, len(a))`,
  `CREATE OR REPLACE MACRO arrayCompact(a) AS list_filter(a, (x, i) -> i = 1 OR x IS DISTINCT FROM a[i - 1])`,
  `CREATE OR REPLACE MACRO emptyArrayString() AS CAST([] AS VARCHAR[])`,
  `CREATE OR REPLACE MACRO JSONLength(j) AS CAST(coalesce(CASE WHEN json_valid(j) THEN CASE json_type(j) WHEN 'ARRAY' THEN json_array_length(j) WHEN 'OBJECT' THEN len(json_keys(j)) ELSE 0 END END, 0) AS UBIGINT)`,
  `CREATE OR REPLACE MACRO JSONExtractKeys(j) AS coalesce(CASE WHEN json_valid(j) THEN CASE WHEN json_type(j) = 'OBJECT' THEN json_keys(j) END END, CAST([] AS VARCHAR[]))`,
  `CREATE OR REPLACE MACRO concatWithSeparator(sep, a, b) AS concat_ws(sep, a, b)`,
  `CREATE OR REPLACE MACRO roundBankers(x, n := 0) AS cast_to_type(round_even(x, n), x)`,
  `CREATE OR REPLACE MACRO tupleElement(t, n) AS struct_extract_at(t, n)`,
  `CREATE OR REPLACE MACRO generateUUIDv4() AS uuid()`,
];
