/**
 * `npm run dev`'s catalogue step: once the emulator answers, runs `npm run catalog:sync`, so the
 * emulator's account (whose catalogue starts empty, as a real account's does) holds the store's
 * products, variants and stock, and back-in-stock requests name variants Klaviyo knows. Against a
 * live account it does nothing: a full resync of a real account is the merchant's to start.
 *
 * It always exits 0, saying what went wrong if the sync failed: `npm run dev` stops everything when
 * a process fails, and the storefront is still worth having without a synced catalogue.
 */

import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { catalogSyncEnv } from '../lib/env';

/** How long the emulator may take to answer (its seed runs first). */
const EMULATOR_WAIT_MS = 120_000;

async function emulatorAnswers(apiUrl: string): Promise<boolean> {
  const deadline = Date.now() + EMULATOR_WAIT_MS;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${apiUrl}/__emulator/health`)).ok) return true;
    } catch {
      // Not listening yet.
    }
    await sleep(500);
  }
  return false;
}

const { klaviyo } = catalogSyncEnv();
if (klaviyo.live) {
  console.log('catalog: a live Klaviyo account; run `npm run catalog:sync` yourself to send the catalogue.');
} else if (!(await emulatorAnswers(klaviyo.apiUrl))) {
  console.error(`catalog: the emulator at ${klaviyo.apiUrl} did not answer; the catalogue was not synced.`);
} else {
  const code = await new Promise<number | null>((resolve) =>
    spawn('npm', ['run', '--silent', 'catalog:sync'], { stdio: 'inherit' }).on('exit', resolve),
  );
  if (code === 0) console.log('catalog: the emulator holds the store’s catalogue.');
  else
    console.error(
      `catalog: the sync failed (exit ${code}); back in stock needs it: run \`npm run catalog:sync\` again.`,
    );
}
