// Pipe metadata (spec §3.8): `GET /v0/pipes` and `GET /v0/pipes/<name>` in the shape the TS SDK and the CLI read,
// with each node's parameters (spec §8.7) taken from its template.
import { createHash } from 'node:crypto';
import type { PipeFile, PipeNode, Project } from '../datafiles/types.ts';
import { isTemplate, templateParameters, type ParamMeta } from '../template/index.ts';
import { endpointNode } from './pipe-sql.ts';

/** Stable Tinybird-looking ids (`t_<hex>`) derived from names, so they survive restarts. */
export function resourceId(kind: 'pipe' | 'node', name: string): string {
  return `t_${createHash('sha256').update(`${kind}:${name}`).digest('hex').slice(0, 32)}`;
}

/** The pipe named `nameOrId`, by name or by the id `GET /v0/pipes` gives (spec §3.1 `<name|id>`). */
export function findPipeByNameOrId(project: Project, nameOrId: string): PipeFile | undefined {
  return project.pipes.find((p) => p.name === nameOrId) ?? project.pipes.find((p) => resourceId('pipe', p.name) === nameOrId);
}

/** Parameter metadata as Tinybird's `get_var_names_and_types` gives it: only typed parameters. */
export function paramJson(p: ParamMeta): Record<string, unknown> {
  const out: Record<string, unknown> = { name: p.name, type: p.type, default: p.default ?? null, required: p.required === true };
  for (const k of ['description', 'enum', 'example', 'format'] as const) if (p[k] !== undefined && p[k] !== null) out[k] = p[k];
  return out;
}

export function nodeParams(node: PipeNode): ParamMeta[] {
  if (!isTemplate(node.sql)) return [];
  try {
    return templateParameters(node.sql).filter((p) => p.usedIn !== 'function_call' && p.type);
  } catch {
    return [];
  }
}

function nodeJson(pipe: PipeFile, node: PipeNode, endpoint: PipeNode | null, columns: PipeJsonOptions['columns']): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: resourceId('node', `${pipe.name}.${node.name}`),
    name: node.name,
    sql: node.sql,
    description: node.description || null,
    materialized: null,
    cluster: null,
    tags: {},
    // Tinybird's server (`tinybird/pipe.py` Pipe.set_nodes) marks the node serving the endpoint `endpoint` and every
    // untyped node `standard`; a classic pipe's last node is its endpoint.
    node_type: node === endpoint ? 'endpoint' : node.type,
    params: nodeParams(node).map(paramJson),
    dependencies: [],
  };
  if (columns) out.columns = columns.get(node.name) ?? [];
  return out;
}

export interface PipeJsonOptions {
  readonly baseUrl: string;
  readonly classicEndpoints: boolean;
  /** Output columns per node name (`GET /v0/pipes/<name>` only; the list leaves them out, as Tinybird's). */
  readonly columns?: ReadonlyMap<string, readonly { readonly name: string; readonly type: string }[]>;
}

export function pipeJson(pipe: PipeFile, opts: PipeJsonOptions): Record<string, unknown> {
  const endpoint = endpointNode(pipe, opts.classicEndpoints);
  return {
    id: resourceId('pipe', pipe.name),
    name: pipe.name,
    description: pipe.description || null,
    // `tinybird/pipe.py` Pipe.pipe_type: the typed node's type, or `default` for a pipe without one.
    type: endpoint ? 'endpoint' : pipe.type === 'standard' ? 'default' : pipe.type,
    endpoint: endpoint ? resourceId('node', `${pipe.name}.${endpoint.name}`) : null,
    parent: null,
    copy_target_datasource: pipe.copyTargetDatasource,
    copy_schedule: pipe.copySchedule,
    copy_mode: pipe.copyMode,
    materialized_datasource: pipe.materializedDatasource,
    nodes: pipe.nodes.map((n) => nodeJson(pipe, n, endpoint, opts.columns)),
    url: `${opts.baseUrl}/v0/pipes/${pipe.name}.json`,
  };
}
