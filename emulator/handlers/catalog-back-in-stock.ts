import { accepted, type HandlerTable } from '../core/context.js';
import { invalid } from '../core/errors.js';
import type { Account, ProfileInput } from '../store/account.js';
import { VARIANT } from './catalog-model.js';

const IDENTIFIERS = ['email', 'phone_number', 'external_id'] as const;
// A channel can only notify a profile that has its address: email for EMAIL, a phone number for SMS
// and WHATSAPP. PUSH needs a push token, which the emulator does not model, so it is not checked.
const CHANNEL_ADDRESS: Record<string, 'email' | 'phone_number' | undefined> = {
  EMAIL: 'email',
  SMS: 'phone_number',
  WHATSAPP: 'phone_number',
};

/** The `data` of ServerBISSubscriptionCreateQuery or ClientBISSubscriptionCreateQuery. */
export interface BackInStockData {
  attributes: {
    channels: string[];
    profile?: { data: { id?: string | null; attributes?: Record<string, string | null | undefined> } } | null;
  };
  relationships: { variant: { data: { id: string } } };
}

export interface BackInStockSubscription {
  variantId: string;
  channels: string[];
  profileId: string;
}

/** The profile identifiers a subscription names; the server schema makes `profile` optional. */
function profileInput(data: BackInStockData, pointer: string): ProfileInput {
  const profile = data.attributes.profile?.data;
  const attributes: Record<string, string> = {};
  for (const key of IDENTIFIERS) {
    const value = profile?.attributes?.[key];
    if (typeof value === 'string' && value !== '') attributes[key] = value;
  }
  if (!profile?.id && Object.keys(attributes).length === 0) {
    throw invalid(
      'A back in stock subscription needs a profile with an id, email, phone_number or external_id.',
      {
        pointer: `${pointer}/attributes/profile`,
      },
    );
  }
  return { ...(profile?.id ? { id: profile.id } : {}), attributes };
}

function checkChannels(account: Account, channels: string[], input: ProfileInput, pointer: string): void {
  if (channels.length === 0) {
    throw invalid('channels must name at least one of EMAIL, SMS, PUSH or WHATSAPP.', {
      pointer: `${pointer}/attributes/channels`,
    });
  }
  const known = account.findProfile(input)?.attributes ?? {};
  for (const channel of channels) {
    const address = CHANNEL_ADDRESS[channel];
    if (address && !input.attributes?.[address] && !known[address]) {
      throw invalid(`The ${channel} channel needs a profile with a ${address}.`, {
        pointer: `${pointer}/attributes/profile/data/attributes/${address}`,
      });
    }
  }
}

/**
 * Subscribes a profile to back in stock notifications for a variant: the variant must exist, the
 * profile is found or created from its identifiers (as create_event does), and the subscription is
 * appended to `account.log` as `{ variantId, channels, profileId }` (there is no endpoint to read
 * subscriptions back) and the profile waits for the variant's restock (store/back-in-stock.ts).
 * Everything is checked before the profile is touched. Shared by
 * create_back_in_stock_subscription and create_client_back_in_stock_subscription; `pointer` is where
 * `data` sits in the request, `operation` the log entry's name.
 */
export function subscribeBackInStock(
  account: Account,
  data: BackInStockData,
  options: { pointer?: string; operation?: string } = {},
): BackInStockSubscription {
  const pointer = options.pointer ?? '/data';
  const variantId = data.relationships.variant.data.id;
  if (!account.collection(VARIANT).has(variantId)) {
    throw invalid(`Catalog variant '${variantId}' does not exist.`, {
      pointer: `${pointer}/relationships/variant/data/id`,
    });
  }
  const input = profileInput(data, pointer);
  if (input.id && !account.profiles.has(input.id)) {
    throw invalid(`Profile '${input.id}' does not exist.`, {
      pointer: `${pointer}/attributes/profile/data/id`,
    });
  }
  const channels = [...new Set(data.attributes.channels)];
  checkChannels(account, channels, input, pointer);
  const profile = account.upsertProfile(input);
  const subscription = { variantId, channels, profileId: profile.id };
  account.backInStock.subscribe(variantId, profile.id, channels);
  account.log.push({
    operation: options.operation ?? 'create_back_in_stock_subscription',
    atMs: account.now(),
    payload: subscription,
  });
  return subscription;
}

export const backInStockHandlers: HandlerTable = {
  // 202 with no body (spec responses).
  create_back_in_stock_subscription: (ctx) => {
    subscribeBackInStock(ctx.account, ctx.body.data);
    return accepted();
  },
};
