// `.pipe` text → PipeFile (spec §9.1, §9.3). Pure: INCLUDE files come through `readInclude`.
import { DatafileError } from '../errors.ts';
import { baseName, descriptionOf, type ParseOptions } from './parse-datasource.ts';
import { parseToken } from './parse-token.ts';
import { dedentBlock, lineValue, readCommands, type Command } from './read-commands.ts';
import { substituteVars } from './substitute-vars.ts';
import type { NodeType, PipeFile, PipeNode, TokenDecl } from './types.ts';

// Node settings of the CLI's parser (`assign_node_var`), keyed by the name the CLI stores them under.
const NODE_SETTINGS: Record<string, string> = {
  datasource: 'datasource',
  target_datasource: 'target_datasource',
  copy_schedule: 'copy_schedule',
  copy_mode: 'mode',
  mode: 'mode',
  filter: 'filter',
  deployment_method: 'deployment_method',
  export_connection_name: 'export_connection_name',
  export_schedule: 'export_schedule',
  export_bucket_uri: 'export_bucket_uri',
  export_file_template: 'export_file_template',
  export_format: 'export_format',
  export_strategy: 'export_strategy',
  export_compression: 'export_compression',
  export_write_strategy: 'export_write_strategy',
  export_kafka_topic: 'export_kafka_topic',
};

const KNOWN = new Set<string>([
  'node', 'scope', 'sql', 'description', 'type', 'cache', 'token', 'tags', 'include', 'version',
  ...Object.keys(NODE_SETTINGS),
]);

const NODE_TYPES: ReadonlySet<string> = new Set(['standard', '', 'endpoint', 'materialized', 'copy', 'sink', 'stream']);

// The attributes each node type may carry (CLI `PipeParameters`, `MaterializedParameters`, `CopyParameters`).
const ATTRIBUTES: Record<string, ReadonlySet<string>> = {
  standard: new Set([]),
  materialized: new Set(['datasource', 'deployment_method']),
  copy: new Set(['target_datasource', 'copy_schedule', 'mode']),
};

interface NodeDraft {
  name: string;
  line: number;
  description: string;
  sql: string | null;
  sqlLine: number;
  type: string | null;
  typeLine: number;
  cache: number | null;
  /** Node settings in the order written: CLI name → value. */
  settings: Map<string, string>;
}

export function parsePipe(text: string, path: string, options: ParseOptions = {}): PipeFile {
  const env = options.env ?? {};
  const commands = readCommands(text, path, { kind: 'pipe', known: KNOWN, env, readInclude: options.readInclude });
  let description = '';
  const nodes: NodeDraft[] = [];
  const tokens: { decl: TokenDecl; line: number }[] = [];
  let current: NodeDraft | null = null;

  const needNode = (c: Command, what: string): NodeDraft => {
    if (!current) throw new DatafileError(path, c.line, `${what} must be called after a NODE command`);
    return current;
  };

  for (const c of commands) {
    switch (c.cmd) {
      case 'node':
      case 'scope': {
        if (c.block) throw new DatafileError(path, c.line, `${c.word.toUpperCase()} does not support multiline arguments`);
        if (c.args.length === 0) throw new DatafileError(path, c.line, 'Missing node name for pipe creation after the NODE label');
        const name = substituteVars(lineValue(path, { ...c, args: [c.args[0]!] }), env);
        current = { name, line: c.line, description: '', sql: null, sqlLine: c.line, type: null, typeLine: c.line, cache: null, settings: new Map() };
        nodes.push(current);
        break;
      }
      case 'description':
        if (current) current.description = descriptionOf(c);
        else description = descriptionOf(c);
        break;
      case 'sql': {
        if (!c.block) throw new DatafileError(path, c.line, 'SQL must be multiline. Use > to start a multiline SQL block.');
        const node = needNode(c, 'SQL');
        const lines = dedentBlock(c.block);
        const first = lines.findIndex((l) => l.trim() !== '');
        if (first < 0) throw new DatafileError(path, c.line, 'Missing sql query for pipe creation after the SQL label');
        let last = lines.length - 1;
        while (lines[last]!.trim() === '') last--;
        node.sql = lines.slice(first, last + 1).join('\n').trimEnd();
        node.sqlLine = c.block[first]!.line;
        break;
      }
      case 'type': {
        const node = needNode(c, 'type');
        node.type = substituteVars(lineValue(path, c), env).toLowerCase();
        node.typeLine = c.line;
        break;
      }
      case 'cache': {
        // Written by the TS SDK after `TYPE endpoint` (spec §9.3); seconds.
        const node = needNode(c, 'cache');
        const value = lineValue(path, c);
        if (node.type !== 'endpoint') throw new DatafileError(path, c.line, 'CACHE must follow TYPE endpoint');
        if (!/^\d+$/.test(value)) throw new DatafileError(path, c.line, `Invalid CACHE value ${value}, expected a number of seconds`);
        node.cache = Number(value);
        break;
      }
      case 'token':
        tokens.push({ decl: parseToken(path, c), line: c.line });
        break;
      case 'tags':
      case 'version':
        break;
      default: {
        const key = NODE_SETTINGS[c.cmd]!;
        const node = needNode(c, key);
        const value = substituteVars(lineValue(path, c), env);
        if (!value && c.cmd === 'datasource') {
          throw new DatafileError(path, c.line, 'Missing datasource name for pipe creation after the DATASOURCE label');
        }
        if (c.cmd === 'deployment_method' && value.toLowerCase() !== 'alter') {
          throw new DatafileError(path, c.line, `${value} is not an allowed value for DEPLOYMENT_METHOD. Use one of: {'alter'}`);
        }
        node.settings.set(key, value);
      }
    }
  }

  return validatePipe(path, text, description, nodes, tokens);
}

const CRON_FIELD = /^(\*|\d+(-\d+)?)(\/\d+)?(,(\*|\d+(-\d+)?)(\/\d+)?)*$/;
const CRON_MACROS = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);
const validCron = (s: string): boolean => {
  if (CRON_MACROS.has(s.toLowerCase())) return true;
  const fields = s.trim().split(/\s+/);
  return (fields.length === 5 || fields.length === 6) && fields.every((f) => CRON_FIELD.test(f) || /^[a-z]{3}(-[a-z]{3})?$/i.test(f));
};

// Datafile.validate of the CLI, in its order (spec §9.3).
function validatePipe(
  path: string,
  text: string,
  description: string,
  drafts: readonly NodeDraft[],
  tokens: readonly { decl: TokenDecl; line: number }[],
): PipeFile {
  if (drafts.length === 0) throw new DatafileError(path, 1, 'Pipe data file must have at least one node');
  let typed: NodeDraft | null = null;
  for (const node of drafts) {
    const type = node.type ?? '';
    const label = `'${node.name}'`;
    if (type !== 'standard' && type !== '') {
      if (typed) throw new DatafileError(path, node.typeLine, 'Multiple non-standard nodes in pipe. There can only be one');
      typed = node;
    }
    const attrs = [...node.settings.keys()];
    const requireSettings = (kind: string, required: string[]) => {
      const m = required.filter((r) => !node.settings.has(r));
      if (m.length) {
        throw new DatafileError(
          path,
          node.typeLine,
          `Some ${kind} node params have been provided, but the following required ones are missing: [${m.map((x) => `'${x}'`).join(', ')}]`,
        );
      }
    };
    const invalid = (kind: string, allowed: ReadonlySet<string>) => {
      const bad = attrs.find((a) => !allowed.has(a));
      if (bad !== undefined) {
        throw new DatafileError(path, node.line, `${kind} node ${label} has an invalid attribute (${bad === 'mode' ? 'copy_mode' : bad})`);
      }
    };
    if (type === 'materialized') {
      requireSettings('materialized', ['datasource']);
      invalid('Materialized', ATTRIBUTES.materialized!);
    }
    if (type === 'copy') {
      requireSettings('copy', ['target_datasource']);
      const mode = node.settings.get('mode');
      if (mode && mode !== 'append' && mode !== 'replace') {
        throw new DatafileError(path, node.typeLine, 'COPY node mode must be append or replace');
      }
      const schedule = node.settings.get('copy_schedule');
      if (schedule && schedule !== '@on-demand' && !validCron(schedule)) {
        throw new DatafileError(path, node.typeLine, 'COPY node schedule must be @on-demand or a valid cron expression.');
      }
      invalid('Copy', ATTRIBUTES.copy!);
    }
    if (type === 'sink' && !node.settings.get('export_connection_name')) {
      throw new DatafileError(path, node.typeLine, `Sink node ${label} is missing required parameter 'export_connection_name'`);
    }
    if (type === 'standard' || type === '') invalid('Standard', ATTRIBUTES.standard!);
    if (!NODE_TYPES.has(type)) {
      throw new DatafileError(
        path,
        node.typeLine,
        `Invalid node '${label}' of type (${type}). Allowed node types: {'materialized', 'copy', 'endpoint', 'sink'}`,
      );
    }
    if (node.sql === null) throw new DatafileError(path, node.line, `Missing SQL for node ${node.name}`);
  }
  for (const t of tokens) {
    if (t.decl.scope !== 'READ') {
      throw new DatafileError(path, t.line, `Invalid permission ${t.decl.scope} for token ${t.decl.name}. Only READ is allowed for pipes`);
    }
  }

  const nodes: PipeNode[] = drafts.map((d) => ({
    name: d.name,
    description: d.description,
    sql: d.sql!,
    sqlLine: d.sqlLine,
    type: (d.type || 'standard') as NodeType,
  }));
  const mode = typed?.type === 'copy' ? typed.settings.get('mode') : undefined;
  return {
    kind: 'pipe',
    name: baseName(path, '.pipe'),
    path,
    description,
    nodes,
    type: (typed?.type as NodeType | undefined) ?? 'standard',
    typedNode: typed?.name ?? null,
    materializedDatasource: typed?.type === 'materialized' ? typed.settings.get('datasource')! : null,
    copyTargetDatasource: typed?.type === 'copy' ? typed.settings.get('target_datasource')! : null,
    copySchedule: typed?.type === 'copy' ? (typed.settings.get('copy_schedule') ?? null) : null,
    copyMode: mode === 'append' || mode === 'replace' ? mode : null,
    cacheTtl: typed?.type === 'endpoint' ? typed.cache : null,
    tokens: tokens.map((t) => t.decl),
    text,
  };
}
