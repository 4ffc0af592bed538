// The endpoint SQL cache: the same answer as rendering afresh, per parameters and per project version.
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadProject } from '../../src/datafiles/load-project.ts';
import type { Project } from '../../src/datafiles/types.ts';
import { pipeQuery, requirePipe, type RenderContext, type Vars } from '../../src/service/pipe-sql.ts';

let project: Project;
beforeAll(async () => {
  project = await loadProject(join(import.meta.dirname, '../../sql'));
});

const ctx = (p: Project, vars: Vars): RenderContext => ({ project: p, vars, secrets: () => undefined, classicEndpoints: false, finalViews: new Set() });

describe('pipeQuery', () => {
  it('answers repeated parameters from the cache with the same SQL, and other parameters with their own', () => {
    const pipe = requirePipe(project, 'get_sessions');
    const a = pipeQuery(ctx(project, { station_id: 'station_1' }), pipe);
    expect(a).toContain("station_id = 'station_1'");
    expect(pipeQuery(ctx(project, { station_id: 'station_1' }), pipe)).toBe(a);
    const b = pipeQuery(ctx(project, { station_id: 'station_2' }), pipe);
    expect(b).toBe(a.replace("'station_1'", "'station_2'"));
    expect(pipeQuery(ctx(project, { limit: '5', offset: '10' }), pipe)).toContain("LIMIT toInt32('5') OFFSET toInt32('10')");
    expect(pipeQuery(ctx(project, {}), pipe)).toContain("LIMIT toInt32('100') OFFSET toInt32('0')");
  });

  it('renders a replaced project afresh', () => {
    const pipe = requirePipe(project, 'get_sessions');
    const before = pipeQuery(ctx(project, { user_id: 'u' }), pipe);
    const node = pipe.nodes[0]!;
    const changed: Project = { ...project, pipes: project.pipes.map((p) => (p === pipe ? { ...p, nodes: [{ ...node, sql: node.sql.replace('ORDER BY start_time DESC', 'ORDER BY start_time ASC') }] } : p)) };
    const after = pipeQuery(ctx(changed, { user_id: 'u' }), requirePipe(changed, 'get_sessions'));
    expect(after).toBe(before.replace('start_time DESC', 'start_time ASC'));
    expect(pipeQuery(ctx(project, { user_id: 'u' }), pipe)).toBe(before);
  });
});
