// Durability under kill -9 (issue 6): every row acknowledged with wait=true survives, and none is duplicated.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startChild, type Child } from './helpers/child.ts';
import { SEED_PROJECT } from './helpers/server.ts';

const dirs: string[] = [];
const children: Child[] = [];
afterAll(async () => {
  for (const c of children) c.proc.kill('SIGKILL');
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const row = (id: string) =>
  JSON.stringify({ session_id: id, station_id: 'st', user_id: 'u', start_time: '2024-03-01 10:00:00', end_time: '2024-03-01 11:00:00', energy_consumed: 1, amount_paid: 1, charging_type: 'AC', location: 'X', timestamp: '2024-03-01 10:00:00' });

async function count(c: Child): Promise<{ n: number; distinct: number; ids: Set<string> }> {
  const q = encodeURIComponent('SELECT session_id FROM charging_sessions');
  const res = await fetch(`${c.url}/v0/sql?q=${q}&token=${c.token}`);
  const body = (await res.json()) as { data: { session_id: string }[] };
  const ids = new Set(body.data.map((r) => r.session_id));
  return { n: body.data.length, distinct: ids.size, ids };
}

describe('kill -9', () => {
  it('keeps exactly the acknowledged rows across crashes', async () => {
    const data = await mkdtemp(join(tmpdir(), 'duckbird-crash-'));
    dirs.push(data);
    const args = ['--project', SEED_PROJECT, '--data', data, '--port', '0', '--fixtures', '0'];
    const env = { TB_ADMIN_TOKEN: 'p.crash-test' };
    const acked = new Set<string>();
    for (let round = 0; round < 3; round++) {
      const c = await startChild(args, env);
      children.push(c);
      const before = await count(c);
      expect(before.n).toBe(before.distinct);
      for (const id of acked) expect(before.ids.has(id), `acknowledged row ${id} lost`).toBe(true);
      // Four concurrent writers stream batches with wait=true until the process is killed under them.
      let stop = false;
      const writer = async (w: number) => {
        for (let i = 0; !stop; i++) {
          const ids = Array.from({ length: 1 + (i % 7) }, (_, k) => `r${round}-w${w}-${i}-${k}`);
          try {
            const res = await fetch(`${c.url}/v0/events?name=charging_sessions&wait=true&token=${env.TB_ADMIN_TOKEN}`, { method: 'POST', body: ids.map(row).join('\n') });
            if (res.status === 200) for (const id of ids) acked.add(id);
          } catch {
            return; // connection reset by the kill
          }
        }
      };
      const writers = [0, 1, 2, 3].map(writer);
      await new Promise((r) => setTimeout(r, 400 + round * 300));
      c.proc.kill('SIGKILL');
      stop = true;
      await Promise.all(writers);
      await c.exited;
    }
    const last = await startChild(args, env);
    children.push(last);
    const after = await count(last);
    expect(after.n, 'no duplicates').toBe(after.distinct);
    for (const id of acked) expect(after.ids.has(id), `acknowledged row ${id} lost`).toBe(true);
    expect(acked.size).toBeGreaterThan(10);
  });
});
