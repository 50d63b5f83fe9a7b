import { existsSync } from 'node:fs';
import { ensureProductionBuild } from './app-server.js';
import { CHROMIUM_PATH } from './requirements.js';

/**
 * Global setup of the e2e project: one production build for all its files. Skipped where Chromium
 * is missing (those tests skip with their own one-line reason).
 */
export default async function setup(): Promise<void> {
  if (!existsSync(CHROMIUM_PATH) && process.env.REQUIRE_CHROMIUM !== '1') return;
  await ensureProductionBuild(String(process.pid));
}
