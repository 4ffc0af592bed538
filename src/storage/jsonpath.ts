// Tinybird's column jsonpaths (spec §2.4, §9.2): `$.a.b`, `$.['dotted.key']`, `$.arr[:]`, `$.arr[:].f`, `$`.
// Parsed the way SRV/ndjson `get_path` does, then addressed in DuckDB with JSON pointers, which need no quoting
// rules for keys holding dots, quotes or brackets (only `~` and `/` are escaped, RFC 6901).
import { SqlError } from '../errors.ts';

export interface JsonPath {
  /** The jsonpath as declared. */
  readonly text: string;
  /** Object keys from the root down to the value, or down to the array when `each` is set. */
  readonly head: readonly string[];
  /** For `$.arr[:].a.b`: the keys read from every element (`[]` for `$.arr[:]`); null without `[:]`. */
  readonly each: readonly string[] | null;
}

function subpaths(simple: string, rest: string): string[] {
  // Splits on dots that are not inside `['...']`, like SRV's `re.split(r"\.(?![^[]*])", ...)`.
  const parts: string[] = [];
  for (const elem of simple.split(/\.(?![^[]*\])/)) {
    if (!elem) continue;
    if (elem.includes("['")) parts.push(elem.slice(2, -2));
    else if (elem.includes('['))
      throw new SqlError(`Invalid JSONPath ${rest}. The path inside brackets should be single quoted.`);
    else parts.push(elem);
  }
  return parts;
}

export function parseJsonPath(jsonpath: string): JsonPath {
  let rest: string;
  if (jsonpath === '$') return { text: jsonpath, head: [], each: null };
  if (jsonpath.startsWith('$.')) rest = jsonpath.slice(2);
  else if (jsonpath.startsWith('$[:]')) rest = jsonpath.slice(1);
  else throw new SqlError(`Invalid JSONPath ${jsonpath}`);
  const arrayParts = rest.split('[:]');
  if (arrayParts.length === 1) return { text: jsonpath, head: subpaths(arrayParts[0]!, rest), each: null };
  if (arrayParts.length === 2)
    return { text: jsonpath, head: subpaths(arrayParts[0]!, rest), each: subpaths(arrayParts[1]!, rest) };
  throw new SqlError(`Nested arrays are not supported. Found ${arrayParts.length} levels of nesting.`);
}

/** RFC 6901 pointer for a key list; DuckDB's json functions accept it wherever they accept `$.` paths. */
export function jsonPointer(keys: readonly string[]): string {
  return keys.map((k) => '/' + k.replaceAll('~', '~0').replaceAll('/', '~1')).join('');
}
