import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadProject } from '../../src/datafiles/load-project.ts';
import type { Project } from '../../src/datafiles/types.ts';

const FILES: Record<string, string> = {
  'datasources/events.datasource': 'SCHEMA >\n    `ts` DateTime `json:$.ts`,\n    `tenant` String `json:$.tenant`\n\nENGINE_SORTING_KEY tenant, ts\n',
  'datasources/events_mv.datasource': 'SCHEMA >\n    tenant String,\n    hits AggregateFunction(count)\n\nENGINE AggregatingMergeTree\nENGINE_SORTING_KEY tenant\n',
  'materializations/events_mv_pipe.pipe': 'NODE m\nSQL >\n    SELECT tenant, countState() AS hits FROM events GROUP BY tenant\nTYPE materialized\nDATASOURCE $MV_TARGET\n',
  'endpoints/top/top_tenants.pipe': 'INCLUDE "../../includes/limit.incl" n=10\nTYPE endpoint\n',
  'includes/limit.incl': 'NODE endpoint\nSQL >\n    SELECT tenant FROM events_mv LIMIT $n\n',
  'flat.pipe': 'NODE a\nSQL >\n    SELECT 1\n',
  'pipes/broken.pipe': 'NODE a\nSQL >\n    SELECT 1\nTYPE endpoint\nNODE b\nSQL >\n    SELECT 2\nTYPE copy\nTARGET_DATASOURCE events\n',
  'datasources/bad.datasource': 'SCHEMA >\n    a Int32,\n    b Boolean\n',
  'copies/flat.datasource': 'SCHEMA >\n    a String\n',
  'fixtures/events.ndjson': '{"ts":"2024-01-01 00:00:00","tenant":"a"}\n',
  'fixtures/events_mv.csv': 'a,1\n',
  'fixtures/readme.md': 'not a fixture',
  'materializations/events_mv.pipe': 'NODE a\nSQL >\n    SELECT 1\n',
  'node_modules/pkg/x.pipe': 'garbage',
  '.tinyb/hidden.datasource': 'garbage',
  'notes.txt': 'SCHEMA',
};

describe('loadProject', () => {
  let dir: string;
  let project: Project;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'duckbird-project-'));
    for (const [rel, text] of Object.entries(FILES)) {
      await mkdir(dirname(join(dir, rel)), { recursive: true });
      await writeFile(join(dir, rel), text);
    }
    project = await loadProject(dir, { MV_TARGET: 'events_mv' });
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('finds datafiles in nested folders, skipping node_modules and dot-folders', () => {
    expect(project.dir).toBe(dir);
    expect(project.datasources.map((d) => [d.name, d.path])).toEqual([
      ['flat', 'copies/flat.datasource'],
      ['events', 'datasources/events.datasource'],
      ['events_mv', 'datasources/events_mv.datasource'],
    ]);
    expect(project.pipes.map((p) => [p.name, p.path, p.type])).toEqual([
      ['top_tenants', 'endpoints/top/top_tenants.pipe', 'endpoint'],
      ['events_mv_pipe', 'materializations/events_mv_pipe.pipe', 'materialized'],
    ]);
  });

  it('applies env and includes (relative to the datafile)', () => {
    const mv = project.pipes.find((p) => p.path === 'materializations/events_mv_pipe.pipe');
    expect(mv?.materializedDatasource).toBe('events_mv');
    const top = project.pipes.find((p) => p.name === 'top_tenants');
    expect(top?.nodes.map((n) => n.sql)).toEqual(['SELECT tenant FROM events_mv LIMIT 10']);
  });

  it('reports bad files and duplicate names as file:line: message, loading the rest', () => {
    expect(project.errors).toEqual([
      'datasources/bad.datasource:3: Boolean type is not supported. Hint: use Bool or UInt8 instead.',
      'flat.pipe:1: Duplicate name flat: already defined in copies/flat.datasource',
      'materializations/events_mv.pipe:1: Duplicate name events_mv: already defined in datasources/events_mv.datasource',
      'pipes/broken.pipe:8: Multiple non-standard nodes in pipe. There can only be one',
    ]);
  });

  it('lists fixtures/<ds>.ndjson|csv', () => {
    expect(project.fixtures).toEqual([
      { datasource: 'events', path: join(dir, 'fixtures/events.ndjson'), format: 'ndjson' },
      { datasource: 'events_mv', path: join(dir, 'fixtures/events_mv.csv'), format: 'csv' },
    ]);
  });

  it('an empty directory is an empty project', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'duckbird-empty-'));
    try {
      expect(await loadProject(empty)).toEqual({ dir: empty, datasources: [], pipes: [], fixtures: [], errors: [] });
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});
