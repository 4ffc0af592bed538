// `type` and `node_type` in GET /v0/pipes and /v0/pipes/<name>, as Tinybird's server computes them
// (`tinybird/pipe.py`: Pipe.pipe_type is the typed node's type or `default`; untyped nodes are `standard`).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.ts';
import { launch, type DuckbirdInstance } from '../../src/index.ts';

const FILES: Record<string, string> = {
  'datasources/events.datasource': 'SCHEMA >\n    `page` String `json:$.page`\n',
  'datasources/counts.datasource': 'SCHEMA >\n    `page` String,\n    `n` UInt64\n\nENGINE "MergeTree"\nENGINE_SORTING_KEY "page"\n',
  'pipes/plain.pipe': 'NODE first\nSQL >\n    SELECT page FROM events\n\nNODE second\nSQL >\n    SELECT count() AS n FROM first\n',
  'endpoints/api.pipe': 'NODE prep\nSQL >\n    SELECT page FROM events\n\nNODE out\nSQL >\n    SELECT page, count() AS n FROM prep GROUP BY page\n\nTYPE endpoint\n',
  'materializations/mv.pipe': 'NODE m\nSQL >\n    SELECT page, count() AS n FROM events GROUP BY page\n\nTYPE materialized\nDATASOURCE counts\n',
  'copies/cp.pipe': 'NODE c\nSQL >\n    SELECT page, count() AS n FROM events GROUP BY page\n\nTYPE copy\nTARGET_DATASOURCE counts\n',
};

interface PipeJson {
  name: string;
  type: string;
  endpoint: string | null;
  nodes: { id: string; name: string; node_type: string }[];
}

/** pipe, its type, the node `endpoint` points at, [node, node_type] of every node. */
type Case = [string, string, string | null, [string, string][]];

describe.each<[string, boolean, Case[]]>([
  [
    'Forward projects',
    false,
    [
      ['plain', 'default', null, [['first', 'standard'], ['second', 'standard']]],
      ['api', 'endpoint', 'out', [['prep', 'standard'], ['out', 'endpoint']]],
      ['mv', 'materialized', null, [['m', 'materialized']]],
      ['cp', 'copy', null, [['c', 'copy']]],
    ],
  ],
  [
    'classic endpoints (the last node of an untyped pipe is its endpoint)',
    true,
    [
      ['plain', 'endpoint', 'second', [['first', 'standard'], ['second', 'endpoint']]],
      ['api', 'endpoint', 'out', [['prep', 'standard'], ['out', 'endpoint']]],
      ['mv', 'materialized', null, [['m', 'materialized']]],
      ['cp', 'copy', null, [['c', 'copy']]],
    ],
  ],
])('pipe and node types: %s', (_name, classic, expected) => {
  let dir: string;
  let db: DuckbirdInstance;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'duckbird-pipetypes-'));
    for (const [f, text] of Object.entries(FILES)) {
      await mkdir(join(dir, f, '..'), { recursive: true });
      await writeFile(join(dir, f), text);
    }
    db = await launch(resolveConfig({ project: dir, port: '0', ephemeral: true, classic_endpoints: classic }, {}), { env: {}, watch: false, log: () => {} });
  });
  afterAll(async () => {
    await db.close();
    await rm(dir, { recursive: true, force: true });
  });

  const get = async <T>(path: string): Promise<T> => (await fetch(`${db.url}${path}`, { headers: { Authorization: `Bearer ${db.token}` } })).json() as Promise<T>;

  it.each(expected)('%s is %s', async (pipe, type, endpointNode, nodes) => {
    for (const p of [await get<PipeJson>(`/v0/pipes/${pipe}`), (await get<{ pipes: PipeJson[] }>('/v0/pipes')).pipes.find((x) => x.name === pipe)!]) {
      expect(p.type).toBe(type);
      expect(p.nodes.map((n) => [n.name, n.node_type])).toEqual(nodes);
      expect(p.endpoint).toBe(endpointNode === null ? null : p.nodes.find((n) => n.name === endpointNode)!.id);
    }
  });
});
