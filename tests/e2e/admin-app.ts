import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  E2E_ADMIN,
  E2E_COMPANY_ID,
  E2E_EMULATOR_PORT,
  E2E_PRIVATE_KEY,
  type RunningApp,
  startApp,
} from '../support/app-server.js';
import { startTestEmulator, type TestEmulator } from '../support/emulator.js';

/**
 * The admin e2e stack over the shared production build (tests/support/e2e-setup.ts): the seeded
 * emulator on the e2e port with the demo account, and `next start` with its own SQLite outbox.
 */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const ADMIN = E2E_ADMIN;
/** Kept as test artifacts (gitignored), one per admin page. */
export const SCREENSHOTS = join(ROOT, 'artifacts/screenshots');
const DRAIN_SECRET = 'admin-e2e-drain-secret-of-at-least-32-chars';

export interface AdminStack {
  emu: TestEmulator;
  app: RunningApp;
  /** Asks the app to deliver its outbox now, through the cron drain route. */
  drain: () => Promise<Response>;
  stop: () => Promise<void>;
}

/** The emulator every e2e test talks to: seeded, on the e2e port, as the demo account. */
export const startE2eEmulator = (): Promise<TestEmulator> =>
  startTestEmulator({
    seed: true,
    port: E2E_EMULATOR_PORT,
    account: { id: E2E_COMPANY_ID, privateKey: E2E_PRIVATE_KEY, name: 'Northwind Goods' },
  });

/** Starts the stack; `env` adds to the app's environment (e.g. STORE_MAIL_FILE, to read mailed links). */
export async function startAdminStack(env: Record<string, string> = {}): Promise<AdminStack> {
  const emu = await startE2eEmulator();
  let app: RunningApp;
  try {
    app = await startApp({ OUTBOX_DRAIN_SECRET: DRAIN_SECRET, ...env });
  } catch (error) {
    await emu.close();
    throw error;
  }
  mkdirSync(SCREENSHOTS, { recursive: true });
  return {
    emu,
    app,
    drain: () =>
      fetch(`${app.url}/api/klaviyo/drain`, {
        method: 'POST',
        headers: { authorization: `Bearer ${DRAIN_SECRET}` },
      }),
    async stop() {
      app.stop();
      await emu.close();
    },
  };
}
