// DuckDB SQL that renders a JSON value the way Python's `str()` renders what orjson parsed from it. Tinybird's
// quarantine messages and raw quarantine values are f-strings over Python objects (SRV/ndjson), so
// `{"a": [1, true]}` shows as `{'a': [1, True]}` and `1e2` as `100.0`. Only evaluated for quarantined rows.

/** Python `repr(float)` of a JSON number: DuckDB's DOUBLE→VARCHAR already prints Python's shortest form. */
function pyNumber(tok: string): string {
  return `CASE WHEN contains(${tok}, '.') OR contains(${tok}, 'e') OR contains(${tok}, 'E') THEN CAST(CAST(${tok} AS DOUBLE) AS VARCHAR) ELSE ${tok} END`;
}

/**
 * Python `repr(str)`: single quotes unless the text has `'` and no `"`; backslash escapes for the quote, `\\`,
 * `\n`, `\r`, `\t`, and `\xNN` for other C0/C1 controls, DEL, NBSP and soft hyphen (non-printables beyond
 * Latin-1 are not escaped; see README).
 */
export function pyReprString(s: string, depth: number): string {
  const ch = `__ch${depth}`;
  const esc = (quote: string) =>
    `array_to_string(list_transform(string_split(${s}, ''), lambda ${ch}: CASE WHEN ${ch} = '\\' THEN '\\\\'` +
    (quote === "'" ? ` WHEN ${ch} = '''' THEN '\\'''` : '') +
    ` WHEN ${ch} = chr(10) THEN '\\n' WHEN ${ch} = chr(13) THEN '\\r' WHEN ${ch} = chr(9) THEN '\\t'` +
    ` WHEN ord(${ch}) < 32 OR ord(${ch}) BETWEEN 127 AND 160 OR ord(${ch}) = 173 THEN '\\x' || lpad(lower(hex(ord(${ch}))), 2, '0')` +
    ` ELSE ${ch} END), '')`;
  return `CASE WHEN contains(${s}, '''') AND NOT contains(${s}, '"') THEN '"' || ${esc('"')} || '"' ELSE '''' || ${esc("'")} || '''' END`;
}

// Tokens of minified JSON: string literals, punctuation, and runs of anything else (numbers, literals).
const TOKEN_RE = `'"(?:[^"\\\\]|\\\\.)*"|[\\[\\]{}:,]|[^"\\[\\]{}:,]+'`;

/** `str(value)` for minified JSON text of an array or object. */
function pyContainer(x: string, depth: number): string {
  const t = `__tok${depth}`;
  return (
    `array_to_string(list_transform(regexp_extract_all(${x}, ${TOKEN_RE}), lambda ${t}: CASE` +
    ` WHEN ${t}[1] = '"' THEN ${pyReprString(`json_extract_string(${t}, '$')`, depth + 1)}` +
    ` WHEN ${t} = ',' THEN ', ' WHEN ${t} = ':' THEN ': ' WHEN ${t} IN ('[', ']', '{', '}') THEN ${t}` +
    ` WHEN ${t} = 'true' THEN 'True' WHEN ${t} = 'false' THEN 'False' WHEN ${t} = 'null' THEN 'None'` +
    ` ELSE ${pyNumber(t)} END), '')`
  );
}

/** `str(value)` for the JSON text `x` (strings come out raw, as f-strings print them). */
export function pyStr(x: string): string {
  return (
    `CASE ${x}[1] WHEN '"' THEN json_extract_string(${x}, '$') WHEN 'n' THEN 'None' WHEN 't' THEN 'True'` +
    ` WHEN 'f' THEN 'False' ELSE CASE WHEN ${x}[1] IN ('[', '{') THEN ${pyContainer(x, 0)}` +
    ` ELSE ${pyNumber(x)} END END`
  );
}

/** SRV/ndjson `get_type(value)`: `number`, `string`, `list`, `null`, else `str(type(value))`. */
export function pyType(x: string): string {
  return (
    `CASE ${x}[1] WHEN '"' THEN 'string' WHEN '[' THEN 'list' WHEN '{' THEN '<class ''dict''>'` +
    ` WHEN 't' THEN '<class ''bool''>' WHEN 'f' THEN '<class ''bool''>' WHEN 'n' THEN 'null' ELSE 'number' END`
  );
}
