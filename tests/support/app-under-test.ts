import { afterAll, beforeAll } from 'vitest';
import type { App } from '../../lib/app/index.js';
import { createKlaviyoNext } from '../../lib/klaviyo-next/create.js';
import type { SqlDatabase } from '../../lib/klaviyo-next/sql/types.js';
import { CONSENT_DISCLOSURES } from '../../lib/store/consent-disclosures.js';
import { demoStorefront } from '../../lib/store/storefront.js';
import { SUBSCRIBE_SOURCES } from '../../lib/store/subscribe-sources.js';
import { freshSqlite } from './databases.js';

/**
 * The demo's composition root (lib/app) for tests of its server actions and pages: the same parts,
 * built by the same factories, over a fresh test database and the test's store dependencies (its
 * clock, its log, its delivery counter). A test file swaps the real module for this one with
 *   vi.mock('../../lib/app/index.js', async () => (await import('../support/app-under-test.js')).appModule);
 * and calls `withTestApp` to build it.
 */
let current: App | undefined;

export const appModule = {
  get app(): App {
    if (!current)
      throw new Error('The app under test is built in beforeAll: call withTestApp() in the file.');
    return current;
  },
};

/** The app over `db` with these store dependencies, wired as lib/app wires the real one. */
export function testApp(db: SqlDatabase, store: App['store']): App {
  const klaviyo = createKlaviyoNext({
    env: { NODE_ENV: 'test' },
    sql: db,
    storefront: demoStorefront(store),
    consentTexts: CONSENT_DISCLOSURES,
    subscribeSources: SUBSCRIBE_SOURCES,
    log: store.log,
    deliverSoon: store.scheduleDelivery,
  });
  return { db, klaviyo, store };
}

/**
 * Builds the app under test over a fresh SQLite before the file's tests (`make` gives the store's
 * dependencies; `onStart` receives them), and closes the database afterwards.
 */
export function withTestApp<D extends App['store']>(
  make: (db: SqlDatabase) => D,
  onStart: (deps: D) => void,
): void {
  let deps: D | undefined;
  beforeAll(async () => {
    deps = make(await freshSqlite());
    current = testApp(deps.db, deps);
    onStart(deps);
  });
  afterAll(async () => {
    current = undefined;
    await deps?.db.close();
  });
}

/** Points the app under test at other store dependencies (a fuzz run's fresh world). */
export function setTestStore(store: App['store']): void {
  current = testApp(store.db, store);
}
