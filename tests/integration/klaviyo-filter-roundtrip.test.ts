import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKlaviyoClient, type KlaviyoClient } from '../../lib/klaviyo-next/api/client.js';
import { buildFilter, equals } from '../../lib/klaviyo-next/api/filter.js';
import { startTestEmulator, type TestEmulator } from '../support/emulator.js';

let emu: TestEmulator;
let client: KlaviyoClient;

beforeAll(async () => {
  emu = await startTestEmulator({ rateLimits: false });
  client = createKlaviyoClient({ apiKey: emu.account.privateKey, baseUrl: emu.url, governor: null });
});
afterAll(async () => {
  expect(emu.specViolations).toEqual([]);
  await emu.close();
});

describe('built filters over HTTP', () => {
  it('find exactly the profile whose external id is any hostile string', async () => {
    const hostile = fc.oneof(
      fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }),
      fc.constantFrom(
        '"),any(external_id,["',
        "o'brien",
        'back\\slash',
        'a,b)c',
        '[x]',
        '%2C&filter=x',
        '+ plus',
      ),
    );
    await fc.assert(
      fc.asyncProperty(hostile, async (externalId) => {
        fc.pre(externalId.trim() !== '');
        const created = await client.call('create_or_update_profile', {
          body: { data: { type: 'profile', attributes: { external_id: externalId } } },
        });
        const found = await client.call('get_profiles', {
          query: { filter: buildFilter(equals('external_id', externalId)) },
        });
        expect(found.data.map((p) => p.id)).toEqual([created.data.id]);
        expect(found.data[0]?.attributes.external_id).toBe(externalId);
      }),
      { numRuns: 100 },
    );
  });
});
