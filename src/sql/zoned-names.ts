// Which names a query binds (`expr AS name`, in SELECT lists and WITH) to DateTimes of a non-UTC zone, so that a
// subquery's column or a WITH name carries its zone to where the instant is needed (time-zones.ts). Bindings are
// collected over the whole query. A name bound to different zones is ambiguous: operations that need its zone are
// refused rather than guessed. A name that reuses a declared column's name (`toTimezone(timestamp, tz) AS
// timestamp`) means the zoned value in the SELECTs around the one binding it, the column inside its own
// definition, and in its own SELECT whatever DuckDB resolves (the column, where ClickHouse takes the alias), so
// date functions and comparisons of it there are refused.
import type { Token } from './tokenize.ts';
import { isGroup, isOp, isWord, type Node } from './token-tree.ts';
import { staticType } from './static-type.ts';
import { timeValueOf, zoneOfType, type TimeValue } from './time-zones.ts';

export interface ZonedNames {
  /** Declared column types plus the zoned names' types (`DateTime('Europe/Madrid')`). */
  readonly types: ReadonlyMap<string, string>;
  readonly ambiguous: ReadonlySet<string>;
  /** Declared column names rebound to one zoned type: that type, and the `AS` nodes binding them. */
  readonly shadowed: ReadonlyMap<string, { readonly type: string; readonly at: readonly Node[] }>;
  /** Uses of a name inside its own definition (`toTimezone(t, 'Z') AS t`): the column, as in ClickHouse. */
  readonly selfRefs: ReadonlySet<Node>;
}

const BOUNDARY = ['SELECT', 'DISTINCT', 'ALL', 'WITH', 'FROM', 'JOIN'];

interface Binding {
  readonly name: string;
  readonly expr: readonly Node[];
  readonly as: Node;
}

function collectBindings(seq: readonly Node[], out: Binding[]): void {
  for (let k = 0; k < seq.length; k++) {
    const n = seq[k]!;
    if (isGroup(n)) collectBindings(n.items, out);
    const target = seq[k + 1];
    if (!isWord(n, 'AS') || !(target?.kind === 'word' || target?.kind === 'quoted') || isGroup(seq[k + 2], '(')) continue;
    let j = k - 1;
    while (j >= 0 && !isOp(seq[j], ',') && !isWord(seq[j], ...BOUNDARY)) j--;
    if (j < k - 1) out.push({ name: target.text, expr: seq.slice(j + 1, k), as: n });
  }
}

function namesIn(nodes: readonly Node[], names: ReadonlySet<string>, found: Node[]): Node[] {
  for (const n of nodes) {
    if (isGroup(n)) namesIn(n.items, names, found);
    else if ((n.kind === 'word' || n.kind === 'quoted') && names.has(n.text)) found.push(n);
  }
  return found;
}

const isZoned = (t: string | null): t is string => t !== null && /^DateTime/.test(t) && zoneOfType(t) !== null;

export function zonedNames(nodes: readonly Node[], columnTypes: ReadonlyMap<string, string> | undefined): ZonedNames {
  const bindings: Binding[] = [];
  collectBindings(nodes, bindings);
  const declared = columnTypes ?? new Map<string, string>();
  const types = new Map(declared);
  const ambiguous = new Set<string>();
  const shadowed = new Map<string, { type: string; at: Node[] }>();
  // Names bound through other names (WITH x AS a, toStartOfHour(a) AS b) settle in a few passes.
  for (let pass = 0; pass < 4; pass++) {
    const seen = new Map<string, Set<string | null>>();
    for (const b of bindings) {
      const t = staticType(b.expr, types);
      const tainted = isZoned(t) || (t !== null && /^DateTime/.test(t) && namesIn(b.expr, new Set([...ambiguous, ...shadowed.keys()]), []).some((x) => (x as Token).text !== b.name));
      const key = tainted && !isZoned(t) ? '?' : isZoned(t) ? t : null;
      if (!seen.has(b.name)) seen.set(b.name, new Set());
      seen.get(b.name)!.add(key);
    }
    let changed = false;
    for (const [name, kinds] of seen) {
      const zoned = [...kinds].filter((k): k is string => k !== null);
      if (zoned.length === 0) continue;
      const single = zoned.length === 1 && zoned[0] !== '?' && [...kinds].every((k) => k === zoned[0] || (k === null && declared.has(name)));
      if (single && !declared.has(name)) {
        if (types.get(name) !== zoned[0]) {
          types.set(name, zoned[0]!);
          changed = true;
        }
      } else if (single) {
        if (shadowed.get(name)?.type !== zoned[0]) {
          const at = bindings.filter((b) => b.name === name && isZoned(staticType(b.expr, types))).map((b) => b.as);
          shadowed.set(name, { type: zoned[0]!, at });
          changed = true;
        }
      } else if (!ambiguous.has(name)) {
        ambiguous.add(name);
        shadowed.delete(name);
        if (!declared.has(name)) types.delete(name);
        changed = true;
      }
    }
    if (!changed) break;
  }
  const selfRefs = new Set<Node>();
  for (const b of bindings) if (ambiguous.has(b.name) || shadowed.has(b.name)) for (const x of namesIn(b.expr, new Set([b.name]), [])) selfRefs.add(x);
  return { types, ambiguous, shadowed, selfRefs };
}

const contains = (nodes: readonly Node[], target: Node): boolean => nodes.some((n) => n === target || (isGroup(n) && contains(n.items, target)));

const DIFFERENT_ZONES = 'a name bound to DateTimes of different time zones';
const OWN_SELECT = "an alias reusing a column's name, read in its own SELECT";

/**
 * What `nodes` are as far as time zones go, given the query's zoned names, read in the SELECT whose nodes are
 * `scope` (null: scoping unknown, so rebound column names are ambiguous).
 */
export function timeValueIn(nodes: readonly Node[], zones: ZonedNames, scope: readonly Node[] | null): TimeValue {
  let types = zones.types;
  for (const x of namesIn(nodes, new Set(zones.shadowed.keys()), [])) {
    if (zones.selfRefs.has(x)) continue;
    const name = (x as Token).text;
    const { type, at } = zones.shadowed.get(name)!;
    const own = scope === null || at.some((as) => scope.includes(as));
    const v = timeValueOf(nodes, staticType(nodes, types));
    if (own && (v.kind === 'datetime' || v.kind === 'unknown')) return { kind: 'ambiguous', name, why: OWN_SELECT, shadowed: true };
    // Bound in a subquery of this SELECT: its column is the zoned value.
    if (!own && at.some((as) => contains(scope!, as))) types = new Map([...types, [name, type]]);
  }
  const uses = namesIn(nodes, zones.ambiguous, []).filter((x) => !zones.selfRefs.has(x));
  const v = timeValueOf(nodes, staticType(nodes, types));
  if (uses.length > 0 && (v.kind === 'datetime' || v.kind === 'unknown')) return { kind: 'ambiguous', name: (uses[0] as Token).text, why: DIFFERENT_ZONES, shadowed: false };
  return v;
}
