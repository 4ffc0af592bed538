// Which names a query binds (`expr AS name`, in SELECT lists and WITH) to DateTimes of a non-UTC zone, so that a
// subquery's column or a WITH name carries its zone to where the instant is needed (time-zones.ts). Bindings are
// collected over the whole query, without scoping: a name bound to different zones, or reusing a declared
// column's name, is ambiguous, and operations that need its zone are refused rather than guessed.
import type { Token } from './tokenize.ts';
import { isGroup, isOp, isWord, type Node } from './token-tree.ts';
import { staticType } from './static-type.ts';
import { timeValueOf, zoneOfType, type TimeValue } from './time-zones.ts';

export interface ZonedNames {
  /** Declared column types plus the zoned names' types (`DateTime('Europe/Madrid')`). */
  readonly types: ReadonlyMap<string, string>;
  readonly ambiguous: ReadonlySet<string>;
  /** Uses of an ambiguous name inside its own definition (`toTimezone(t, 'Z') AS t`): the column, as in ClickHouse. */
  readonly selfRefs: ReadonlySet<Node>;
}

const BOUNDARY = ['SELECT', 'DISTINCT', 'ALL', 'WITH', 'FROM', 'JOIN'];

interface Binding {
  readonly name: string;
  readonly expr: readonly Node[];
}

function collectBindings(seq: readonly Node[], out: Binding[]): void {
  for (let k = 0; k < seq.length; k++) {
    const n = seq[k]!;
    if (isGroup(n)) collectBindings(n.items, out);
    const target = seq[k + 1];
    if (!isWord(n, 'AS') || !(target?.kind === 'word' || target?.kind === 'quoted') || isGroup(seq[k + 2], '(')) continue;
    let j = k - 1;
    while (j >= 0 && !isOp(seq[j], ',') && !isWord(seq[j], ...BOUNDARY)) j--;
    if (j < k - 1) out.push({ name: target.text, expr: seq.slice(j + 1, k) });
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
  // Names bound through other names (WITH x AS a, toStartOfHour(a) AS b) settle in a few passes.
  for (let pass = 0; pass < 4; pass++) {
    const seen = new Map<string, Set<string | null>>();
    for (const b of bindings) {
      const t = staticType(b.expr, types);
      const tainted = isZoned(t) || (t !== null && /^DateTime/.test(t) && namesIn(b.expr, ambiguous, []).some((x) => (x as Token).text !== b.name));
      const key = tainted && !isZoned(t) ? '?' : isZoned(t) ? t : null;
      if (!seen.has(b.name)) seen.set(b.name, new Set());
      seen.get(b.name)!.add(key);
    }
    let changed = false;
    for (const [name, kinds] of seen) {
      const zoned = [...kinds].filter((k): k is string => k !== null);
      if (zoned.length === 0) continue;
      if (zoned.length === 1 && kinds.size === 1 && zoned[0] !== '?' && !declared.has(name)) {
        if (types.get(name) !== zoned[0]) {
          types.set(name, zoned[0]!);
          changed = true;
        }
      } else if (!ambiguous.has(name)) {
        ambiguous.add(name);
        if (!declared.has(name)) types.delete(name);
        changed = true;
      }
    }
    if (!changed) break;
  }
  const selfRefs = new Set<Node>();
  for (const b of bindings) if (ambiguous.has(b.name)) for (const x of namesIn(b.expr, new Set([b.name]), [])) selfRefs.add(x);
  return { types, ambiguous, selfRefs };
}

/** What `nodes` are as far as time zones go, given the query's zoned names. */
export function timeValueIn(nodes: readonly Node[], zones: ZonedNames): TimeValue {
  const uses = namesIn(nodes, zones.ambiguous, []).filter((x) => !zones.selfRefs.has(x));
  const v = timeValueOf(nodes, staticType(nodes, zones.types));
  if (uses.length > 0 && (v.kind === 'datetime' || v.kind === 'unknown')) return { kind: 'ambiguous', name: (uses[0] as Token).text };
  return v;
}
