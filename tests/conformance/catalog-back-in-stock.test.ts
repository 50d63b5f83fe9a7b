import { describe, expect, it } from 'vitest';
import { type TestEmulator, withEmulator } from '../support/emulator.js';
import { sdkFailure, sdkFor } from '../support/sdk.js';

let emu: TestEmulator;
let sdk: ReturnType<typeof sdkFor>;

const VARIANT_ID = '$custom:::$default:::bis-tee-m';

withEmulator({}, async (started) => {
  emu = started;
  sdk = sdkFor(started);
  await sdk.catalogs.createCatalogItem({
    data: {
      type: 'catalog-item',
      attributes: {
        externalId: 'bis-tee',
        title: 'Tee',
        description: 'A tee.',
        url: 'https://shop.example/tee',
      },
    },
  } as never);
  await sdk.catalogs.createCatalogVariant({
    data: {
      type: 'catalog-variant',
      attributes: {
        externalId: 'bis-tee-m',
        title: 'Tee - M',
        description: 'A tee.',
        sku: 'TEE-M',
        inventoryQuantity: 0,
        price: 32,
        url: 'https://shop.example/tee?variant=TEE-M',
      },
      relationships: { item: { data: { type: 'catalog-item', id: '$custom:::$default:::bis-tee' } } },
    },
  } as never);
});

const subscription = (
  channels: string[],
  profile: Record<string, unknown> | undefined,
  variantId = VARIANT_ID,
) =>
  ({
    data: {
      type: 'back-in-stock-subscription',
      attributes: { channels, ...(profile ? { profile: { data: { type: 'profile', ...profile } } } : {}) },
      relationships: { variant: { data: { type: 'catalog-variant', id: variantId } } },
    },
  }) as never;

const subscriptionsFor = async (profileId: string) =>
  (await emu.inspect()).log.filter(
    (entry: any) =>
      entry.operation === 'create_back_in_stock_subscription' && entry.payload.profileId === profileId,
  );

describe('server-side back in stock subscriptions', () => {
  it('records a subscription for a known variant and creates the profile', async () => {
    const response = await sdk.catalogs.createBackInStockSubscription(
      subscription(['EMAIL', 'SMS'], {
        attributes: { email: 'waiting@example.com', phoneNumber: '+15005550006' },
      }),
    );
    expect(response.response.status).toBe(202);
    expect(response.response.data).toBe('');

    const profiles = await sdk.profiles.getProfiles({ filter: 'equals(email,"waiting@example.com")' });
    const profileId = profiles.body.data[0]?.id ?? '';
    expect(profiles.body.data[0]?.attributes.phoneNumber).toBe('+15005550006');
    expect(await subscriptionsFor(profileId)).toEqual([
      expect.objectContaining({ payload: { variantId: VARIANT_ID, channels: ['EMAIL', 'SMS'], profileId } }),
    ]);
  });

  it('subscribes an existing profile by id', async () => {
    const profile = await sdk.profiles.createProfile({
      data: { type: 'profile', attributes: { email: 'known@example.com' } },
    } as never);
    const profileId = profile.body.data.id ?? '';
    await sdk.catalogs.createBackInStockSubscription(
      subscription(['EMAIL'], { id: profileId, attributes: {} }),
    );
    expect(await subscriptionsFor(profileId)).toHaveLength(1);
  });

  it('rejects an unknown variant with 400 naming it, and records nothing', async () => {
    const before = (await emu.inspect()).counts.profiles;
    const missing = '$custom:::$default:::no-such-variant';
    const error = await sdkFailure(
      sdk.catalogs.createBackInStockSubscription(
        subscription(['EMAIL'], { attributes: { email: 'nobody@example.com' } }, missing),
      ),
    );
    expect(error).toMatchObject({
      status: 400,
      errors: [{ code: 'invalid', source: { pointer: '/data/relationships/variant/data/id' } }],
    });
    expect(error.errors[0].detail).toContain(missing);
    const after = await emu.inspect();
    expect(after.counts.profiles).toBe(before);
    expect(after.log.filter((e: any) => e.payload.variantId === missing)).toEqual([]);
  });

  it('rejects a subscription without a profile, or without an address for its channel', async () => {
    const noProfile = await sdkFailure(
      sdk.catalogs.createBackInStockSubscription(subscription(['EMAIL'], undefined)),
    );
    expect(noProfile).toMatchObject({
      status: 400,
      errors: [{ source: { pointer: '/data/attributes/profile' } }],
    });

    const smsWithoutPhone = await sdkFailure(
      sdk.catalogs.createBackInStockSubscription(
        subscription(['SMS'], { attributes: { email: 'sms-less@example.com' } }),
      ),
    );
    expect(smsWithoutPhone).toMatchObject({
      status: 400,
      errors: [{ source: { pointer: '/data/attributes/profile/data/attributes/phone_number' } }],
    });

    const unknownProfile = await sdkFailure(
      sdk.catalogs.createBackInStockSubscription(
        subscription(['EMAIL'], { id: '01J00000000000000000000000', attributes: {} }),
      ),
    );
    expect(unknownProfile).toMatchObject({
      status: 400,
      errors: [{ source: { pointer: '/data/attributes/profile/data/id' } }],
    });

    const badChannel = await emu.api('/api/back-in-stock-subscriptions', {
      method: 'POST',
      body: subscription(['CARRIER_PIGEON'], { attributes: { email: 'pigeon@example.com' } }),
    });
    expect(badChannel.status).toBe(400);
  });
});
