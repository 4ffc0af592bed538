import { SqlError } from '../errors.ts';
import type { Token } from './tokenize.ts';
import { firstToken, type Node } from './token-tree.ts';

/** The one refusal: a construct the translator cannot give DuckDB with the same meaning. */
export function unsupported(construct: string, at: Token | Node | undefined): SqlError {
  const t = at === undefined ? undefined : firstToken(at);
  return new SqlError(`Unsupported ClickHouse syntax: ${construct}${t ? ` at ${t.line}:${t.col}` : ''}`);
}
