// The embedding API: `import { startDuckbird } from 'duckbird'` runs an instance inside another project's process
// (its test suite, a dev server). `duckbird start|dev|test` use the same launch().
import { existsSync } from 'node:fs';
import { lstat, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { resolveConfig, type Config } from './config.ts';
import { startServer } from './http/server.ts';
import { DEPLOYMENT_DIR } from './service/deploy.ts';
import { Duckbird } from './service/duckbird.ts';
import { resetData, type FixtureLoad } from './service/fixtures.ts';
import { watchProject, type ProjectWatcher } from './service/project-reload.ts';

export interface DuckbirdInstance {
  /** `http://127.0.0.1:<port>`: the base URL for @tinybirdco/sdk (`baseUrl`), zod-bird or fetch. */
  readonly url: string;
  readonly port: number;
  /** The admin token. */
  readonly token: string;
  /** The data folder (a temporary one when ephemeral). */
  readonly dataDir: string;
  readonly app: Duckbird;
  /** Empties every data source and loads the fixtures again: the state right after start. */
  reset(opts?: { fixtures?: boolean }): Promise<FixtureLoad[]>;
  /** Stops serving, flushes accepted rows, and removes the data folder when ephemeral. */
  close(): Promise<void>;
}

export interface StartOptions {
  /** The Tinybird project folder. Default `./sql`. */
  readonly project?: string;
  /** Data folder to keep. Without it the instance is ephemeral: a new temporary folder, removed by close(). */
  readonly data?: string;
  /** Force a temporary data folder even when `data` is given. */
  readonly ephemeral?: boolean;
  /** Default 0: a free port. */
  readonly port?: number;
  readonly host?: string;
  /** Default: generated (and kept in the data folder). */
  readonly adminToken?: string;
  /** Load `fixtures/<ds>.ndjson|csv` at start (default true). */
  readonly fixtures?: boolean;
  /** Reload datafiles when they change (as `duckbird dev`). */
  readonly watch?: boolean;
  /** Variables for `$VAR` in datafiles and `TB_SECRET_<name>`; the process environment is not read. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Where warnings, reload messages and server errors go. Default: console.error. */
  readonly log?: (line: string) => void;
}

/** Starts an in-process duckbird; resolves when it answers requests with the project loaded and fixtures in. */
export async function startDuckbird(opts: StartOptions = {}): Promise<DuckbirdInstance> {
  const flags: Record<string, string | boolean> = { port: String(opts.port ?? 0), ephemeral: opts.ephemeral ?? opts.data === undefined };
  if (opts.project !== undefined) flags.project = opts.project;
  if (opts.data !== undefined) flags.data = opts.data;
  if (opts.host !== undefined) flags.host = opts.host;
  if (opts.adminToken !== undefined) flags.admin_token = opts.adminToken;
  if (opts.fixtures !== undefined) flags.fixtures = opts.fixtures;
  return launch(resolveConfig(flags, {}), { env: opts.env ?? {}, watch: opts.watch ?? false, log: opts.log ?? ((l) => console.error(l)) });
}

export interface LaunchOptions {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly watch: boolean;
  readonly log: (line: string) => void;
}

/**
 * Opens the project and the data folder and starts the HTTP server. Ephemeral instances get a folder of their own
 * from mkdtemp and remove only that folder; every launch also removes the ephemeral folders that processes killed
 * with SIGKILL left behind. A project deployed with `tinybird deploy` (kept in the data folder) is served instead of
 * the project folder.
 */
export async function launch(config: Config, opts: LaunchOptions): Promise<DuckbirdInstance> {
  // Alongside the start, which it must not slow down; done before the instance is handed out.
  const cleanup = removeStaleEphemeralDirs(tmpdir(), config.ephemeral ? undefined : resolve(config.data), opts.log);
  const tempDir = config.ephemeral ? await makeEphemeralDir(tmpdir()) : undefined;
  const dataDir = resolve(tempDir ?? config.data);
  const projectDir = servedProjectDir(dataDir, config.project);
  const deployed = join(dataDir, DEPLOYMENT_DIR);
  const effective: Config = { ...config, data: dataDir, project: projectDir };
  const removeTemp = () => (tempDir ? rm(tempDir, { recursive: true, force: true }) : Promise.resolve());
  let app: Duckbird;
  try {
    app = await Duckbird.open(effective, opts.env);
  } catch (e) {
    await removeTemp();
    throw e;
  }
  if (projectDir === deployed) opts.log(`serving the project deployed with tinybird deploy, kept in ${deployed} (remove it to serve ${resolve(config.project)})`);
  for (const w of app.warnings) opts.log(`warning: ${w}`);
  let server;
  try {
    server = await startServer(app, config.port, config.host, opts.log);
  } catch (e) {
    await app.close();
    await removeTemp();
    throw e;
  }
  await cleanup;
  let watcher: ProjectWatcher | undefined;
  if (opts.watch) watcher = watchProject(app, projectDir, opts.env, opts.log);
  let closing: Promise<void> | undefined;
  return {
    url: server.url,
    port: server.port,
    token: app.adminToken,
    dataDir,
    app,
    reset: (o) => resetData(app, o),
    close() {
      closing ??= (async () => {
        watcher?.close();
        await server.close();
        await removeTemp();
      })();
      return closing;
    },
  };
}

/** The project a data folder serves: the one deployed with `tinybird deploy` into it, else the project folder. */
export function servedProjectDir(dataDir: string, projectDir: string): string {
  const deployed = join(resolve(dataDir), DEPLOYMENT_DIR);
  return existsSync(deployed) ? deployed : resolve(projectDir);
}

// An ephemeral folder is `<tmp>/duckbird-ephemeral-<pid>-XXXXXX` holding a marker file: a process killed with
// SIGKILL cannot remove its own, so every start removes those whose process is gone. Both the name and the marker
// must match, so a data folder that was not made by makeEphemeralDir is never touched.
const EPHEMERAL_NAME = /^duckbird-ephemeral-(\d+)-[A-Za-z0-9]{6}$/;
const EPHEMERAL_MARKER = '.duckbird-ephemeral';

async function makeEphemeralDir(root: string): Promise<string> {
  const dir = await mkdtemp(join(root, `duckbird-ephemeral-${process.pid}-`));
  await writeFile(join(dir, EPHEMERAL_MARKER), `${process.pid}\n`);
  return dir;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to another user.
    return (e as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

async function removeStaleEphemeralDirs(root: string, keep: string | undefined, log: (line: string) => void): Promise<void> {
  let names: string[];
  try {
    names = await readdir(root);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(EPHEMERAL_NAME.exec(name)?.[1] ?? NaN);
    if (!Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid || processAlive(pid)) continue;
    const dir = join(root, name);
    if (dir === keep) continue;
    try {
      if (!(await lstat(dir)).isDirectory() || !(await lstat(join(dir, EPHEMERAL_MARKER))).isFile()) continue;
      await rm(dir, { recursive: true, force: true });
      log(`removed ${dir}, the ephemeral data folder of process ${pid}, which is gone`);
    } catch {
      // Gone already (another start removed it) or not ours to read.
    }
  }
}
