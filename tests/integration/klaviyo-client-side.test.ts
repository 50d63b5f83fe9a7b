import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Account } from '../../emulator/store/account.js';
import { createKlaviyoClient } from '../../lib/klaviyo-next/api/client.js';
import { clientSideResource } from '../../lib/klaviyo-next/api/resources/client-side.js';
import { startTestEmulator, type TestEmulator } from '../support/emulator.js';
import { klaviyoFor } from '../support/klaviyo.js';

let emu: TestEmulator;
/** Our server-side client, used only to check what the public-key calls did. */
let k: ReturnType<typeof klaviyoFor>;
let clientSide: ReturnType<typeof clientSideResource>;
let account: Account;

const VARIANT_ID = '$custom:::$default:::tee-m';

beforeAll(async () => {
  emu = await startTestEmulator();
  k = klaviyoFor(emu);
  account = emu.emulator.accounts.get(emu.account.id) as Account;
  // The public company id and nothing else: no private key is available to these calls.
  clientSide = clientSideResource(
    createKlaviyoClient({ companyId: emu.account.publicKey, baseUrl: emu.url }),
  );
  const catalog = { catalog_type: '$default', integration_type: '$custom' as const, published: true };
  await k.client.call('create_catalog_item', {
    body: {
      data: {
        type: 'catalog-item',
        attributes: {
          ...catalog,
          external_id: 'tee',
          title: 'Tee',
          description: 'A tee.',
          url: 'https://shop.example/tee',
        },
      },
    },
  });
  await k.client.call('create_catalog_variant', {
    body: {
      data: {
        type: 'catalog-variant',
        attributes: {
          ...catalog,
          external_id: 'tee-m',
          title: 'Tee - M',
          description: 'A tee.',
          sku: 'TEE-M',
          inventory_policy: 0,
          inventory_quantity: 0,
          price: 32,
          url: 'https://shop.example/tee?size=m',
        },
        relationships: { item: { data: { type: 'catalog-item', id: '$custom:::$default:::tee' } } },
      },
    },
  });
});
afterAll(async () => {
  expect(emu.specViolations).toEqual([]);
  await emu.close();
});

const inspect = () => emu.inspect('?events=full');

describe('client-side resource (public key only)', () => {
  it('tracks one event', async () => {
    await clientSide.trackEvent({
      metric: 'Viewed Product',
      profile: { email: 'browser@example.com' },
      properties: { ProductId: 'tee' },
      value: 32,
      unique_id: 'view-tee-1',
    });
    const seen = (await inspect()).events.filter((e: { uniqueId: string }) => e.uniqueId === 'view-tee-1');
    expect(seen).toMatchObject([
      {
        metric: 'Viewed Product',
        email: 'browser@example.com',
        source: 'client',
        properties: { $value: 32 },
      },
    ]);
  });

  it('tracks 1,500 events of one profile in 2 requests of at most 1,000', async () => {
    const events = Array.from({ length: 1_500 }, (_, i) => ({
      metric: 'Scrolled Page',
      properties: { depth: i },
      unique_id: `scroll-${i}`,
    }));
    const before = (await emu.inspect()).requests.bulk_create_client_events ?? 0;
    expect(await clientSide.trackEvents({ external_id: 'visitor-9' }, events)).toBe(2);
    const after = await inspect();
    expect(after.requests.bulk_create_client_events).toBe(before + 2);
    const seen = after.events.filter((e: { metric: string }) => e.metric === 'Scrolled Page');
    expect(seen).toHaveLength(1_500);
    expect(new Set(seen.map((e: { externalId: string }) => e.externalId))).toEqual(new Set(['visitor-9']));
  });

  it('identifies a profile without an event', async () => {
    await clientSide.identify({ email: 'known@example.com', first_name: 'Kim', properties: { plan: 'pro' } });
    const profile = await k.profiles.getByEmail('known@example.com');
    expect(profile?.attributes).toMatchObject({ first_name: 'Kim', properties: { plan: 'pro' } });
  });

  it('subscribes an email and a phone to a list', async () => {
    const list = await k.client.call('create_list', {
      body: { data: { type: 'list', attributes: { name: 'Footer' } } },
    });
    await clientSide.subscribe(
      list.data.id,
      { email: 'footer@example.com', phone_number: '+14155550142' },
      'Footer form',
    );
    const profile = await k.profiles.getByEmail('footer@example.com');
    expect(account.lists.get(list.data.id)?.members.has(String(profile?.id))).toBe(true);
    const entry = (await emu.inspect()).log.find(
      (l: { operation: string }) => l.operation === 'create_client_subscription',
    );
    expect(entry?.payload).toMatchObject({
      listId: list.data.id,
      profileId: profile?.id,
      consents: ['email.marketing', 'sms.marketing'],
      customSource: 'Footer form',
    });
  });

  it('subscribes a profile to back in stock notifications for a variant', async () => {
    await clientSide.subscribeBackInStock({
      variantId: VARIANT_ID,
      channels: ['EMAIL'],
      profile: { email: 'waiting@example.com' },
    });
    const profile = await k.profiles.getByEmail('waiting@example.com');
    const entry = (await emu.inspect()).log.find(
      (l: { operation: string }) => l.operation === 'create_client_back_in_stock_subscription',
    );
    expect(entry?.payload).toEqual({ variantId: VARIANT_ID, channels: ['EMAIL'], profileId: profile?.id });
  });
});
