import { describe, expect, it } from 'vitest';
import { ControllableClock } from '../../emulator/core/clock.js';
import { DEMO_PRODUCTS } from '../../emulator/seed/catalog.js';
import { seedDemoAccount } from '../../emulator/seed/index.js';
import { Account } from '../../emulator/store/account.js';
import { type TestEmulator, withEmulator } from '../support/emulator.js';

/**
 * The demo seed leaves the catalog empty, as on a real account before the store's catalog sync;
 * `seedCatalog` adds it. The rest of the seed (campaigns, flows, months of events) is the same either
 * way, so reports and dashboards show the same numbers with or without a catalog.
 */
let emu: TestEmulator;
withEmulator({ seedCatalog: true }, (started) => {
  emu = started;
});

const at = Date.parse('2026-07-15T12:00:00Z');
function seeded(catalog: boolean): Account {
  const clock = new ControllableClock();
  clock.freeze(at);
  const account = new Account('SEED01', 'Demo Store', clock);
  seedDemoAccount(account, { catalog });
  return account;
}

/** The seeded history without its random ids: metric, person, time and properties of each event. */
function history(account: Account) {
  return [...account.events.values()].map((e) => [
    account.metrics.get(e.metricId)?.name,
    account.profiles.get(e.profileId)?.attributes.email,
    e.timeMs,
    e.properties,
  ]);
}

describe('seed options', () => {
  it('seeds no catalog by default, and the same history with the catalog', () => {
    const bare = seeded(false);
    const full = seeded(true);
    for (const type of ['catalog-item', 'catalog-variant', 'catalog-category']) {
      expect(bare.collection(type).size, type).toBe(0);
    }
    expect(full.collection('catalog-item').size).toBe(DEMO_PRODUCTS.length);
    expect(bare.collection('flow').size).toBe(6);
    expect(bare.events.size).toBeGreaterThan(2000);
    expect(history(bare)).toEqual(history(full));
    // Orders and views name the demo store's products whether or not the catalog holds them.
    const ordered = [...bare.events.values()].find(
      (e) => bare.metrics.get(e.metricId)?.name === 'Ordered Product',
    );
    expect(DEMO_PRODUCTS.map((p) => p.slug)).toContain(ordered?.properties.ProductID);
  });

  it('seeds the catalog alone when asked for it without the demo account', async () => {
    const variants = await emu.api('/api/catalog-variants?page[size]=100');
    expect(variants.status).toBe(200);
    expect(variants.body.data.length).toBeGreaterThan(DEMO_PRODUCTS.length);
    expect((await emu.api('/api/flows')).body.data).toEqual([]);
    expect((await emu.api('/api/profiles')).body.data).toEqual([]);
  });
});
