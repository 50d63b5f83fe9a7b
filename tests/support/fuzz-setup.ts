import { afterAll, beforeAll, vi } from 'vitest';
import { relayRoutes } from '../../lib/klaviyo-next/relay/routes.js';
import { setTestStore } from './app-under-test.js';
import { freshSqlite } from './databases.js';
import { onReplay } from './fuzz-harness.js';
import { buildFuzzWorld, type FuzzWorld, STOCKED, withoutLimits } from './fuzz-world.js';
import { testRelayDeps } from './relay-fixtures.js';
import { cartWith } from './store-fixtures.js';

export interface FuzzSetup {
  world: FuzzWorld;
  relay: ReturnType<typeof testRelayDeps>;
  /** The relay's route handlers over `relay`, as createKlaviyoNext mounts them. */
  routes: ReturnType<typeof relayRoutes>;
  /** Cart ids with revisions that exist, so cart events and actions get past the lookup. */
  carts: string[];
}

/**
 * The route handlers and actions of one test file wired to a fresh database with the seeded customers
 * and carts, without rate limits (the fuzzer is one client; limits have tests of their own). Built
 * again before a failing input is replayed, so the shrunk counterexample runs on a clean world.
 */
export function withFuzzWorld(): FuzzSetup {
  const setup = { carts: [] } as unknown as FuzzSetup;
  async function fresh(): Promise<void> {
    await setup.relay?.db.close();
    setup.relay = withoutLimits(testRelayDeps(await freshSqlite()));
    withoutLimits(setup.relay.store);
    setup.routes = relayRoutes(setup.relay);
    // The store's server actions run on the app under test (a test file mocks lib/app with it).
    setTestStore(setup.relay.store);
    setup.world = await buildFuzzWorld(setup.relay.store);
    setup.carts.length = 0;
    for (let i = 0; i < 4; i++)
      setup.carts.push(await cartWith(setup.relay.store, [[STOCKED[i % STOCKED.length] as string, 1]]));
  }
  beforeAll(async () => {
    await fresh();
    onReplay(fresh);
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await setup.relay?.db.close();
  });
  return setup;
}
