// The command line: the only module that reads process.env/argv and exits the process.
import { ConfigError, parseFlags, resolveConfig, settingsHelp, type Config } from './config.ts';
import { launch, servedProjectDir, type DuckbirdInstance } from './index.ts';
import { runTests } from './service/test-runner.ts';
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { AppError } from './errors.ts';
import { loadProject } from './datafiles/load-project.ts';
import { resolveAdminToken } from './service/admin-token.ts';
import { TokenStore } from './service/tokens.ts';
import { formatScope, parseScope } from './service/scopes.ts';

const USAGE = `Usage: duckbird start [--project DIR] [--data DIR] [--port N] [--host H] [options]
       duckbird start --ephemeral [options]  data in a temporary folder, removed at exit
       duckbird dev [options]          as start, and reloads datafiles when they change
       duckbird test [--update] [--project DIR]
                                       runs tests/*.yaml against a fresh ephemeral instance with the fixtures
       duckbird tokens [list] [--data DIR] [--project DIR]
       duckbird tokens create NAME SCOPE... [--data DIR]     e.g. SCOPE = PIPES:READ:top_pages

Serves a Tinybird project (.datasource / .pipe files) with Tinybird's HTTP API, on embedded DuckDB.

Options (each also read from the environment variable shown):
${settingsHelp()}
`;

/** Opens and serves the project, turning the expected failures into messages that name the setting to change. */
async function open(config: Config, watch: boolean): Promise<DuckbirdInstance> {
  try {
    return await launch(config, { env: process.env, watch, log: (line) => console.error(line) });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'EADDRINUSE') throw new ConfigError(`port ${config.port} on ${config.host} is already in use (choose another with --port or DUCKBIRD_PORT)`);
    if (err.code === 'EACCES' && err.syscall === 'listen') throw new ConfigError(`cannot listen on ${config.host}:${config.port}: ${err.code}`);
    if (err.code === 'EADDRNOTAVAIL') throw new ConfigError(`cannot listen on ${config.host}:${config.port}: ${err.code}`);
    if (err.code === 'ENOENT' || err.code === 'EACCES' || err.code === 'ENOTDIR') {
      throw new ConfigError(`cannot read ${err.path ?? 'the project or data folder'}: ${err.code} (check --project / --data)`);
    }
    throw e;
  }
}

async function start(argv: string[], watch: boolean): Promise<void> {
  const config = resolveConfig(parseFlags(argv), process.env);
  const instance = await open(config, watch);
  const { datasources, pipes } = instance.app.project;
  // One line, printed only once requests are answered, so scripts can wait for it (and /v0/health is 200 from here).
  console.log(`duckbird ready at ${instance.url} (${datasources.length} data sources, ${pipes.length} pipes${config.ephemeral ? ', ephemeral' : ''}${watch ? ', watching for changes' : ''}) admin token: ${instance.token}`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal} received, flushing and closing`);
    instance.close().then(
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

/** `duckbird test`: a fresh ephemeral instance with the fixtures, every tests/*.yaml case, exit code 1 on failure. */
async function test(argv: string[]): Promise<void> {
  const update = argv.includes('--update');
  const flags = parseFlags(argv.filter((a) => a !== '--update'));
  const config = resolveConfig({ ...flags, ephemeral: true, port: '0' }, process.env);
  const instance = await open(config, false);
  let run;
  try {
    run = await runTests(instance.url, instance.token, resolve(config.project), {
      update,
      onResult: (r) => {
        console.log(`${r.passed ? 'PASS' : 'FAIL'} ${r.pipe} ${r.name}`);
        if (!r.passed && !update) for (const d of r.diff) console.log(d.replace(/^/gm, '     '));
      },
    });
  } finally {
    await instance.close();
  }
  for (const e of run.errors) console.error(e);
  for (const f of run.updated) console.log(`updated ${f}`);
  const failed = run.results.filter((r) => !r.passed).length;
  const passed = run.results.length - failed;
  if (update) {
    console.log(`${run.results.length} tests, ${run.updated.length} files updated`);
    if (run.errors.length > 0) process.exitCode = 1;
    return;
  }
  console.log(`${passed} passed, ${failed} failed${run.errors.length ? `, ${run.errors.length} test files with errors` : ''}`);
  if (failed > 0 || run.errors.length > 0) process.exitCode = 1;
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
  // The datafile tokens of the project the server serves (a deployed one when there is one): they are made to match
  // its TOKEN lines. A missing project folder only means there are none to sync.
  const project = await loadProject(servedProjectDir(dataDir, config.project), process.env).catch(() => undefined);
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
  if (command === 'test') return test(rest);
  if (command === 'start' || command === 'dev') return start(rest, command === 'dev');
  throw new ConfigError(`unknown command '${command}'\n\n${USAGE}`);
}

main(process.argv.slice(2)).catch((e: unknown) => {
  if (e instanceof ConfigError) {
    console.error(`duckbird: ${e.message}`);
    process.exit(2);
  }
  console.error(e);
  process.exit(1);
});
