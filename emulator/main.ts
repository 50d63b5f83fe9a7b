import { parseArgs } from 'node:util';
import { startEmulator } from './server.js';

/**
 * `npm run emulator -- --port 8787 [--no-seed] [--seed-catalog] [--no-rate-limits]`. The demo seed
 * leaves the catalog empty (the store's catalog sync fills it); `--seed-catalog` seeds it too. The emulator is a separate
 * program, not part of the app, so it reads its few settings here rather than through lib/env.ts.
 * The seeded account uses the same demo keys the app defaults to in development. Its private key is
 * always its own demo key, never KLAVIYO_PRIVATE_KEY from the environment: that may be a live
 * Klaviyo key, and the start-up banner below (which ends up in terminals, CI logs and screenshots)
 * must not print it.
 */
const EMULATOR_DEMO_PRIVATE_KEY = 'pk_emulator_demo_private_key';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.EMULATOR_PORT ?? '8787' },
    host: { type: 'string', default: '127.0.0.1' },
    'no-seed': { type: 'boolean', default: false },
    'seed-catalog': { type: 'boolean', default: false },
    'no-rate-limits': { type: 'boolean', default: false },
  },
});

const running = await startEmulator({
  port: Number(values.port),
  host: values.host,
  seed: !values['no-seed'],
  seedCatalog: values['seed-catalog'],
  rateLimits: !values['no-rate-limits'],
  account: {
    // Either name of the public API key, as lib/env.ts accepts them ('' is unset there too).
    id: process.env.KLAVIYO_PUBLIC_KEY || process.env.NEXT_PUBLIC_KLAVIYO_COMPANY_ID || 'DEMO01',
    privateKey: EMULATOR_DEMO_PRIVATE_KEY,
    name: 'Northwind Goods',
  },
});
console.log(`Klaviyo emulator (revision ${running.emulator.spec.version}) listening on ${running.url}`);
console.log(`  company id ${running.account.publicKey}, private key ${running.account.privateKey}`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    void running.close().then(() => process.exit(0));
  });
}
