// `TOKEN "name" READ|APPEND` (spec §6.3), with the CLI's `add_token` messages.
import { DatafileError } from '../errors.ts';
import type { Command } from './read-commands.ts';
import { unquote } from './split-line.ts';
import type { TokenDecl } from './types.ts';

export function parseToken(path: string, c: Command): TokenDecl {
  if (c.block) throw new DatafileError(path, c.line, 'TOKEN does not support multiline arguments');
  if (c.args.length < 2) {
    throw new DatafileError(path, c.line, 'TOKEN takes two params: token name and permission e.g TOKEN "read api token" READ');
  }
  if (c.args.length > 2) {
    throw new DatafileError(
      path,
      c.line,
      `Invalid number of arguments for TOKEN command: ${c.args.length}. Expected 2 arguments: token name and permission`,
    );
  }
  const permission = c.args[1]!.toUpperCase();
  if (permission !== 'READ' && permission !== 'APPEND') {
    throw new DatafileError(path, c.line, `Invalid permission: ${c.args[1]}. Only READ and APPEND are supported`);
  }
  return { name: unquote(c.args[0]!), scope: permission };
}
