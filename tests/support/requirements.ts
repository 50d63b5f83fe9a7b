import { existsSync } from 'node:fs';
import { describe } from 'vitest';

/**
 * Tests that need Chromium or PostgreSQL run wherever those exist. Elsewhere they skip with one line
 * saying what is missing, unless REQUIRE_CHROMIUM / REQUIRE_POSTGRES is set (as .ci/run does), in
 * which case a missing requirement fails the run.
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

function requirement(name: string, flag: string, missing: string | undefined) {
  if (!missing) return describe;
  if (process.env[flag] === '1') throw new Error(`${name} is required (${flag}=1) but ${missing}.`);
  console.warn(`[skip] ${name} tests skipped: ${missing}.`);
  return describe.skip;
}

/** `describe` when Chromium is installed, `describe.skip` (with one line saying why) when not. */
export const describeWithChromium = requirement(
  'Chromium',
  'REQUIRE_CHROMIUM',
  existsSync(CHROMIUM_PATH) ? undefined : `${CHROMIUM_PATH} does not exist (apt-get install -y chromium)`,
);

/** Flags that let root run Chromium headless on a closed network (see the machine notes). */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Where the Postgres tests connect; every machine (and CI) runs one at 127.0.0.1:5432 with trust auth. */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function postgresProblem(): Promise<string | undefined> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (error) {
    return `no PostgreSQL at ${TEST_DATABASE_URL} (${(error as Error).message})`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** `describe` when PostgreSQL answers, `describe.skip` (with one line saying why) when not. */
export const describeWithPostgres = requirement('PostgreSQL', 'REQUIRE_POSTGRES', await postgresProblem());
