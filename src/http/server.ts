// Starts the HTTP server and closes it with the application: accepted rows are flushed before the process ends.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duckbird } from '../service/duckbird.ts';
import { createApp } from './app.ts';

export interface RunningServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export async function startServer(app: Duckbird, port: number, host: string, log?: (msg: string) => void): Promise<RunningServer> {
  const server: Server = await new Promise((resolve, reject) => {
    const s = createApp(app, log).listen(port, host);
    s.once('listening', () => resolve(s));
    s.once('error', reject);
  });
  server.keepAliveTimeout = 5000;
  const addr = server.address() as AddressInfo;
  const shownHost = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${shownHost}:${addr.port}`,
    port: addr.port,
    close() {
      closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
        });
        await app.close();
      })();
      return closing;
    },
  };
}
