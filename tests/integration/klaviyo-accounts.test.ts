import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKlaviyoClient } from '../../lib/klaviyo-next/api/client.js';
import { accountsResource } from '../../lib/klaviyo-next/api/resources/accounts.js';
import { startTestEmulator, type TestEmulator } from '../support/emulator.js';
import { klaviyoFor } from '../support/klaviyo.js';

let emu: TestEmulator;

beforeAll(async () => {
  emu = await startTestEmulator();
  await emu.setRateLimits(false); // get_accounts allows 1/s and 15/m
});
afterAll(async () => {
  expect(emu.specViolations).toEqual([]);
  await emu.close();
});

/** The accounts resource over a client that sends `apiKey`. */
const withKey = (apiKey: string) =>
  accountsResource(createKlaviyoClient({ apiKey, baseUrl: emu.url, governor: null }));

describe('accounts resource', () => {
  it("returns the key's own account", async () => {
    const account = await accountsResource(klaviyoFor(emu, { governor: null }).client).current();
    const held = emu.emulator.accounts.get(emu.account.id);
    expect(account.id).toBe(emu.account.id);
    expect(account.attributes.public_api_key).toBe(emu.account.publicKey);
    expect(account.attributes.timezone).toBe(held?.settings.timezone);
    expect(account.attributes.preferred_currency).toBe(held?.settings.currency);
  });

  it('tells a valid key from an unknown one and from one without the scope', async () => {
    const valid = await withKey(emu.account.privateKey).checkKey();
    expect(valid.status).toBe('valid');
    expect(valid.status === 'valid' && valid.account.id).toBe(emu.account.id);

    expect(await withKey('pk_not_a_real_key').checkKey()).toMatchObject({ status: 'invalid' });

    const { privateKey } = await emu.control(`/accounts/${emu.account.id}/keys`, 'POST', {
      scopes: ['profiles:read'],
    });
    expect(await withKey(privateKey).checkKey()).toMatchObject({ status: 'missing_scope' });
  });

  it('throws what says nothing about the key, such as Klaviyo being down', async () => {
    await emu.setFaults({ down: true });
    try {
      const client = createKlaviyoClient({
        apiKey: emu.account.privateKey,
        baseUrl: emu.url,
        governor: null,
        retry: { maxRetries: 0 },
      });
      await expect(accountsResource(client).checkKey()).rejects.toMatchObject({
        status: 503,
        retryable: true,
      });
    } finally {
      await emu.clearFaults();
    }
  });
});
