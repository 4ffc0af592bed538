// Starts a real duckbird (real DuckDB, real HTTP server on port 0) over a project, with a fresh data dir.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from '../../src/config.ts';
import { Duckbird } from '../../src/service/duckbird.ts';
import { startServer, type RunningServer } from '../../src/http/server.ts';

export const SEED_PROJECT = join(import.meta.dirname, '../../sql');

export interface TestServer {
  readonly url: string;
  readonly token: string;
  readonly app: Duckbird;
  readonly dataDir: string;
  /** Stops the server (flushing) and keeps the data dir. */
  stop(): Promise<void>;
  /** Stops the server and removes the data dir. */
  close(): Promise<void>;
}

export async function startTestServer(opts: { project?: string; dataDir?: string; fixtures?: boolean; token?: string } = {}): Promise<TestServer> {
  const dataDir = opts.dataDir ?? (await mkdtemp(join(tmpdir(), 'duckbird-test-')));
  const config = resolveConfig(
    { project: opts.project ?? SEED_PROJECT, data: dataDir, port: '0', fixtures: opts.fixtures === false ? '0' : '1', admin_token: opts.token ?? 'p.test-admin-token' },
    {},
  );
  const app = await Duckbird.open(config, {});
  let server: RunningServer;
  try {
    server = await startServer(app, 0, '127.0.0.1', () => {});
  } catch (e) {
    await app.close();
    throw e;
  }
  return {
    url: server.url,
    token: app.adminToken,
    app,
    dataDir,
    stop: () => server.close(),
    close: async () => {
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
