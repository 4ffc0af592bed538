// The command line: the only module that reads process.env/argv and exits the process.
import { ConfigError, parseFlags, resolveConfig, settingsHelp } from './config.ts';
import { Duckbird } from './service/duckbird.ts';
import { startServer } from './http/server.ts';

const USAGE = `Usage: duckbird start [--project DIR] [--data DIR] [--port N] [--host H] [options]

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

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE);
    return;
  }
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
