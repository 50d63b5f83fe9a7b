import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Clock } from './core/clock.js';
import { handleControl } from './core/control.js';
import { Emulator } from './core/emulator.js';
import { EmulatorError } from './core/errors.js';
import { handleApi, send } from './core/http.js';
import { allHandlers } from './handlers/index.js';
import { applyClientCors } from './onsite/client-cors.js';
import { serveOnsiteScript } from './onsite/script-route.js';

export interface StartOptions {
  port?: number;
  host?: string;
  clock?: Clock;
  rateLimits?: boolean;
  /** Fills the account with the demo store (lists, campaigns, flows, profiles, events). */
  seed?: boolean;
  /**
   * Also fills the account's catalog with the demo store's products, variants and categories. Off by
   * default: on a real account the catalog holds only what the store's catalog sync sent.
   */
  seedCatalog?: boolean;
  /**
   * Test-only: accept `http://` webhook endpoints on loopback hosts, so a test can receive deliveries
   * on a local server. Klaviyo (and the emulator by default) accepts https only.
   */
  httpLoopbackWebhooks?: boolean;
  /** Fixed keys for the seeded account, so `npm run dev` and .env.example agree. */
  account?: { id?: string; privateKey?: string; name?: string };
}

export interface RunningEmulator {
  emulator: Emulator;
  server: Server;
  url: string;
  account: { id: string; publicKey: string; privateKey: string };
  close(): Promise<void>;
}

/** Starts an emulator on its own HTTP server; the app reaches it only over HTTP. */
export async function startEmulator(options: StartOptions = {}): Promise<RunningEmulator> {
  const emulator = new Emulator({
    clock: options.clock,
    rateLimits: options.rateLimits,
    httpLoopbackWebhooks: options.httpLoopbackWebhooks,
  });
  emulator.register(allHandlers);
  const { account, publicKey, privateKey } = emulator.createAccount({
    id: options.account?.id,
    privateKey: options.account?.privateKey,
    name: options.account?.name,
  });
  if (options.seed) {
    const { seedDemoAccount } = await import('./seed/index.js');
    seedDemoAccount(account, { catalog: options.seedCatalog ?? false });
  } else if (options.seedCatalog) {
    const { seedCatalog } = await import('./seed/catalog.js');
    const { seededRandom } = await import('./seed/random.js');
    seedCatalog(account, seededRandom(20260715));
  }
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://emulator');
    if (url.pathname.startsWith('/__emulator/')) {
      handleControl(emulator, req, url)
        .then((reply) => send(res, reply))
        .catch((error: unknown) => {
          const e =
            error instanceof EmulatorError ? error : new EmulatorError(500, 'server_error', String(error));
          send(res, { status: e.status, body: { errors: [e.toObject()] } });
        });
      return;
    }
    // The klaviyo.js stand-in, and CORS for the browser's /client/* calls (emulator/onsite/).
    if (serveOnsiteScript(req, res, url) || applyClientCors(req, res, url)) return;
    void handleApi(emulator, req, res, url);
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve) =>
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve),
  );
  const { port } = server.address() as AddressInfo;
  return {
    emulator,
    server,
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    account: { id: account.id, publicKey, privateKey },
    close: async () => {
      emulator.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
