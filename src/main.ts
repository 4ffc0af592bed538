// The command line: the only module that reads process.env/argv and exits the process.
import { ConfigError, parseFlags, resolveConfig, settingsHelp } from './config.ts';
import { Duckbird } from './service/duckbird.ts';
import { startServer } from './http/server.ts';
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { AppError } from './errors.ts';
import { loadProject } from './datafiles/load-project.ts';
import { resolveAdminToken } from './service/admin-token.ts';
import { TokenStore } from './service/tokens.ts';
import { formatScope, parseScope } from './service/scopes.ts';

const USAGE = `Usage: duckbird start [--project DIR] [--data DIR] [--port N] [--host H] [options]
       duckbird tokens [list] [--data DIR] [--project DIR]
       duckbird tokens create NAME SCOPE... [--data DIR]     e.g. SCOPE = PIPES:READ:top_pages

Serves a Tinybird project (.datasource / .pipe files) with Tinybird's HTTP API, on embedded DuckDB.

Options (each also read from the environment variable shown):
${settingsHelp()}
`;

async function start(argv: string[]): Promise<void> {
  const config = resolveConfig(parseFlags(argv), process.env);
  let app: Duckbird;
  try {
    app = await Duckbird.open(config, process.env);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT' || err.code === 'EACCES' || err.code === 'ENOTDIR') {
      throw new ConfigError(`cannot read ${err.path ?? 'the project or data folder'}: ${err.code} (check --project / --data)`);
    }
    throw e;
  }
  for (const w of app.warnings) console.error(`warning: ${w}`);
  let server;
  try {
    server = await startServer(app, config.port, config.host);
  } catch (e) {
    await app.close();
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'EADDRINUSE') throw new ConfigError(`port ${config.port} on ${config.host} is already in use (choose another with --port or DUCKBIRD_PORT)`);
    if (err.code === 'EACCES' || err.code === 'EADDRNOTAVAIL') throw new ConfigError(`cannot listen on ${config.host}:${config.port}: ${err.code}`);
    throw e;
  }
  const { datasources, pipes } = app.project;
  console.log(`duckbird ready at ${server.url} (${datasources.length} data sources, ${pipes.length} pipes)`);
  console.log(`admin token: ${app.adminToken}`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal} received, flushing and closing`);
    server.close().then(
      () => process.exit(0),
      (e: unknown) => {
        console.error(e);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

/**
 * `duckbird tokens`: lists the tokens (name, scopes, token) or creates one, in the data dir a server uses (a
 * running server sees a new token at its first use: the store re-reads a changed file).
 */
async function tokens(argv: string[]): Promise<void> {
  let i = 0;
  const positional: string[] = [];
  while (i < argv.length && !argv[i]!.startsWith('--')) positional.push(argv[i++]!);
  const config = resolveConfig(parseFlags(argv.slice(i)), process.env);
  const dataDir = resolve(config.data);
  await mkdir(dataDir, { recursive: true });
  const { token } = await resolveAdminToken(dataDir, config.admin_token);
  // Datafile tokens exist once the project was loaded; a missing project folder only means there are none to add.
  const project = await loadProject(resolve(config.project), process.env).catch(() => undefined);
  const store = await TokenStore.open(dataDir, token, project);
  const [sub = 'list', ...rest] = positional;
  if (sub === 'list' && rest.length === 0) {
    for (const t of store.list()) console.log(`${t.name}\t${t.scopes.map(formatScope).join(' ')}\t${t.token}`);
    return;
  }
  if (sub === 'create') {
    const [name, ...scopes] = rest;
    if (!name || scopes.length === 0) throw new ConfigError(`tokens create needs a name and at least one scope\n\n${USAGE}`);
    try {
      console.log((await store.create(name, scopes.map(parseScope))).token);
    } catch (e) {
      if (e instanceof AppError) throw new ConfigError(e.message);
      throw e;
    }
    return;
  }
  throw new ConfigError(`unknown tokens command '${positional.join(' ')}'\n\n${USAGE}`);
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE);
    return;
  }
  if (command === 'tokens') return tokens(rest);
  if (command !== 'start') throw new ConfigError(`unknown command '${command}'\n\n${USAGE}`);
  await start(rest);
}

main(process.argv.slice(2)).catch((e: unknown) => {
  if (e instanceof ConfigError) {
    console.error(`duckbird: ${e.message}`);
    process.exit(2);
  }
  console.error(e);
  process.exit(1);
});
