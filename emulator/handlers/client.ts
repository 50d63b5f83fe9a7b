import { accepted, type Context, type HandlerTable, type Reply } from '../core/context.js';
import { invalid } from '../core/errors.js';
import { isoTime } from '../core/ids.js';
import type { Account, ProfileInput } from '../store/account.js';
import type { Attributes, ProfileRecord } from '../store/types.js';
import { subscribeBackInStock } from './catalog-back-in-stock.js';
import { MAX_BULK_EVENTS, toEventInput } from './events.js';

/**
 * The `/client/*` writes a storefront makes with its public key (docs/klaviyo-notes.md#client-endpoints).
 * Each answers 202 with no body (but see onsiteAnswer for klaviyo.js's profile writes). The pipeline has
 * already resolved the account from `company_id`, refused any Authorization header and validated the body
 * against the spec's request schema.
 */

const IDENTIFIERS = ['email', 'phone_number', 'external_id'] as const;

/**
 * The profile part of a client write, minus identifiers another profile already holds. "To update a
 * profile's existing identifiers ... you must use a server-side endpoint ... the identifier field(s)
 * will not be updated" (create_client_event / create_client_profile descriptions), so a client write
 * must not take an identifier from one profile and give it to another either.
 */
function clientProfile(account: Account, profile: ProfileInput): ProfileInput {
  const target = account.findProfile(profile);
  if (!target || !profile.attributes) return profile;
  const attributes: Attributes = { ...profile.attributes };
  for (const key of IDENTIFIERS) {
    if (account.identifierOwner({ [key]: attributes[key] }, target.id)) delete attributes[key];
  }
  return { ...profile, attributes };
}

/** Client writes resolve or create the profile but never change its identifiers. */
function upsertClientProfile(account: Account, profile: ProfileInput): ProfileRecord {
  return account.upsertProfile(clientProfile(account, profile), { keepIdentifiers: true });
}

const PROFILE_KEYS = [...IDENTIFIERS, 'anonymous_id', '_kx'];

/** The profile must name someone; a `_kx` the account never issued names no one (exchange-ids.ts). */
function requireIdentifier(account: Account, profile: ProfileInput): void {
  if (profile.id || account.identifies(profile.attributes)) return;
  throw (
    account.unissuedExchangeId(profile.attributes, '/data/attributes') ??
    invalid(`The profile needs an id or one of: ${PROFILE_KEYS.join(', ')}.`, {
      pointer: '/data/attributes',
    })
  );
}

/**
 * The answer to a /client/profiles write. The API reference documents 202 with no body, and that is
 * what API callers get. klaviyo.js (which marks its requests `X-Klaviyo-Onsite: 1`) reads
 * `{"meta":{"exchange_id":…,"should_clear_cookie":…}}` from it and keeps the exchange id in its
 * `__kla_id` cookie (docs/klaviyo-notes.md#exchange-ids): that is how a browser gets the `_kx` Klaviyo issued
 * for the profile it was just identified as (exchange-ids.ts).
 */
function onsiteAnswer(ctx: Context, profile: ProfileRecord): Reply {
  if (ctx.headers['x-klaviyo-onsite'] !== '1') return accepted();
  const exchangeId = ctx.account.exchangeIdOf(profile);
  return { status: 202, body: { meta: { exchange_id: exchangeId, should_clear_cookie: false } } };
}

/** A profile named by id must exist; the pointer is where the id sits in this request. */
function requireKnownProfile(account: Account, id: string | null | undefined, pointer: string): void {
  if (id && !account.profiles.has(id)) throw invalid(`Profile '${id}' does not exist.`, { pointer });
}

/** The identifier a consent channel is delivered to (push goes to a token, which is not modelled). */
const CHANNEL_IDENTIFIER: Record<string, string> = {
  email: 'email',
  sms: 'phone_number',
  whatsapp: 'phone_number',
};

/** A channel needs its identifier on the request or on the profile it resolves to. */
function requireChannelIdentifier(account: Account, profile: ProfileInput, channel: string, pointer: string) {
  const key = CHANNEL_IDENTIFIER[channel];
  if (!key) return;
  const existing = account.findProfile(profile);
  if (profile.attributes?.[key] || existing?.attributes[key]) return;
  throw invalid(`The '${channel}' channel needs the profile's ${key}.`, { pointer });
}

interface Consent {
  channel: string;
  type: string;
  consentedAt?: string;
}

/**
 * What create_client_subscription consents to: "If you include a subscriptions object, only channels
 * in that object will be subscribed ... If a subscriptions object is not provided, subscriptions are
 * defaulted to MARKETING" for the email and phone given (spec description).
 */
function requestedConsents(attributes: Attributes): Consent[] {
  const subscriptions = attributes.subscriptions;
  if (!subscriptions) {
    return [
      ...(attributes.email ? [{ channel: 'email', type: 'marketing' }] : []),
      ...(attributes.phone_number ? [{ channel: 'sms', type: 'marketing' }] : []),
    ];
  }
  const consents: Consent[] = [];
  for (const [channel, types] of Object.entries<Attributes | null>(subscriptions)) {
    for (const [type, value] of Object.entries<any>(types ?? {})) {
      if (value?.consent === 'SUBSCRIBED') {
        consents.push({ channel, type, consentedAt: value.consented_at ?? undefined });
      }
    }
  }
  return consents;
}

/**
 * Stores consent where profiles.ts `subscriptionsOf` reads it, so it shows under
 * `additional-fields[profile]=subscriptions`. The method value is the emulator's choice: the spec
 * documents the field, not the value Klaviyo records for this endpoint.
 */
function recordConsent(account: Account, profile: ProfileRecord, consent: Consent, customSource: unknown) {
  const now = isoTime(account.now());
  profile.subscriptions[consent.channel] ??= {};
  const channel = profile.subscriptions[consent.channel];
  channel[consent.type] = {
    ...channel[consent.type],
    consent: 'SUBSCRIBED',
    consent_timestamp: consent.consentedAt ?? now,
    last_updated: now,
    method: 'API',
    method_detail: '',
    ...(consent.channel === 'email' && consent.type === 'marketing'
      ? { custom_method_detail: customSource ?? null, double_optin: false }
      : {}),
  };
}

export const clientHandlers: HandlerTable = {
  /** Same body as create_event (EventCreateQueryV2); the profile upsert keeps identifiers. */
  create_client_event: (ctx) => {
    const a = ctx.body.data.attributes;
    const profile = clientProfile(ctx.account, a.profile.data);
    ctx.account.recordEvent(toEventInput(ctx.account, a, profile, '/data/attributes', 'client'));
    return accepted();
  },

  /**
   * One profile and its events; "Accepts a maximum of 1000 events per request" (spec description).
   * Every event is checked before any is recorded, so a bad one rejects the request.
   */
  bulk_create_client_events: (ctx) => {
    const attributes = ctx.body.data.attributes;
    const events: any[] = attributes.events.data;
    if (events.length > MAX_BULK_EVENTS) {
      throw invalid(`At most ${MAX_BULK_EVENTS} events per request; this one has ${events.length}.`, {
        pointer: '/data/attributes/events/data',
      });
    }
    requireKnownProfile(ctx.account, attributes.profile.data.id, '/data/attributes/profile/data/id');
    const profile = clientProfile(ctx.account, attributes.profile.data);
    const inputs = events.map((event, i) => {
      const input = toEventInput(
        ctx.account,
        event.attributes,
        profile,
        `/data/attributes/events/data/${i}/attributes`,
        'client',
      );
      input.backfill ??= attributes.backfill ?? undefined;
      return input;
    });
    for (const input of inputs) ctx.account.recordEvent(input);
    return accepted();
  },

  /** "Create or update properties about a profile without tracking an associated event." */
  create_client_profile: (ctx) => {
    const data = ctx.body.data;
    const input: ProfileInput = { id: data.id ?? undefined, attributes: data.attributes, meta: data.meta };
    requireIdentifier(ctx.account, input);
    const profile = upsertClientProfile(ctx.account, input);
    return onsiteAnswer(ctx, profile);
  },

  /**
   * Consent for email and/or SMS plus list membership. `relationships.list` is required by the spec
   * and must name an existing list; "One of either email or phone_number must be provided".
   */
  create_client_subscription: (ctx) => {
    const { attributes, relationships } = ctx.body.data;
    const listId: string | undefined = relationships.list.data?.id;
    const list = listId ? ctx.account.lists.get(listId) : undefined;
    if (!list) {
      throw invalid(listId ? `List '${listId}' does not exist.` : 'A list is required.', {
        pointer: '/data/relationships/list/data/id',
      });
    }
    const data = attributes.profile.data;
    const { subscriptions: _subscriptions, meta, ...profileAttributes } = data.attributes;
    const input: ProfileInput = { id: data.id ?? undefined, attributes: profileAttributes, meta };
    requireKnownProfile(ctx.account, data.id, '/data/attributes/profile/data/id');
    const pointer = '/data/attributes/profile/data/attributes';
    if (!profileAttributes.email && !profileAttributes.phone_number) {
      throw invalid('One of email or phone_number must be provided.', { pointer });
    }
    const consents = requestedConsents(data.attributes);
    for (const c of consents)
      requireChannelIdentifier(ctx.account, input, c.channel, `${pointer}/subscriptions`);
    const profile = upsertClientProfile(ctx.account, input);
    for (const consent of consents) recordConsent(ctx.account, profile, consent, attributes.custom_source);
    // "Open-tracking consent is recorded on the profile only; it does not by itself add the profile to
    // a list" (spec, EmailSubscriptionParameters.open_tracking).
    if (consents.some((c) => c.type !== 'open_tracking')) ctx.account.joinList(list, profile.id);
    ctx.account.log.push({
      operation: 'create_client_subscription',
      atMs: ctx.account.now(),
      payload: {
        listId: list.id,
        profileId: profile.id,
        consents: consents.map((c) => `${c.channel}.${c.type}`),
        customSource: attributes.custom_source ?? null,
      },
    });
    return accepted();
  },

  /**
   * The server-side create_back_in_stock_subscription logic (catalog-back-in-stock.ts): the variant
   * must exist and the subscription is logged as `{variantId, channels, profileId}`. Here the schema
   * makes the profile required (ClientBISSubscriptionCreateQuery, docs/klaviyo-notes.md#client-endpoints).
   */
  create_client_back_in_stock_subscription: (ctx) => {
    subscribeBackInStock(ctx.account, ctx.body.data, {
      operation: 'create_client_back_in_stock_subscription',
    });
    return accepted();
  },
};
