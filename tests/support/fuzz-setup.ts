import { afterAll, beforeAll, vi } from 'vitest';
import { overrideRelayDeps } from '../../lib/klaviyo-next/relay/deps.js';
import { overrideStoreDeps } from '../../lib/store/deps.js';
import { freshSqlite } from './databases.js';
import { onReplay } from './fuzz-harness.js';
import { buildFuzzWorld, type FuzzWorld, STOCKED, withoutLimits } from './fuzz-world.js';
import { testRelayDeps } from './relay-fixtures.js';
import { cartWith } from './store-fixtures.js';

export interface FuzzSetup {
  world: FuzzWorld;
  relay: ReturnType<typeof testRelayDeps>;
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
    overrideRelayDeps(setup.relay);
    overrideStoreDeps(setup.relay.store);
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
    overrideRelayDeps(undefined);
    overrideStoreDeps(undefined);
    vi.unstubAllEnvs();
    await setup.relay?.db.close();
  });
  return setup;
}
