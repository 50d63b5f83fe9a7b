import 'server-only';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ProbeAnswer } from './health-routes';

export interface ProbeServerOptions {
  /** 0 picks a free port (tests); the answer's `port` says which. */
  port: number;
  /** Default: every interface, as an orchestrator probes the pod's address. */
  host?: string;
  /** `/healthz`: is the process working (restart it when not). */
  live: () => ProbeAnswer;
  /** `/readyz`: can it do its work now (database, migrations; 503 while stopping). */
  ready: () => Promise<ProbeAnswer>;
}

export interface ProbeServer {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * A small HTTP server for a process without one of its own (the worker): GET or HEAD `/healthz` and
 * `/readyz`, JSON answers, nothing else (404; 405 for other methods). It reads no body and sets no
 * cookie, and its answers name no key, connection string or message.
 */
export async function startProbeServer(options: ProbeServerOptions): Promise<ProbeServer> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    const send = (answer: { status: number; body: Record<string, unknown> }) => {
      response.writeHead(answer.status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      response.end(request.method === 'HEAD' ? undefined : JSON.stringify(answer.body));
    };
    if (path !== '/healthz' && path !== '/readyz')
      return send({ status: 404, body: { error: { message: 'Not found: use /healthz or /readyz.' } } });
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('allow', 'GET, HEAD');
      return send({ status: 405, body: { error: { message: 'Use GET or HEAD.' } } });
    }
    if (path === '/healthz') return send(options.live());
    options
      .ready()
      .then(send, () =>
        send({ status: 503, body: { status: 'not_ready', checks: { probe: 'the readiness check failed' } } }),
      );
  });
  // An orchestrator's probes keep connections open; they must not hold the worker's exit.
  server.keepAliveTimeout = 1_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
