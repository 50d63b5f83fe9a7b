import type { BodyOf, KlaviyoClient } from '../client';
import { bulkEntry, type EventInput, type EventProfile, eventAttributes, eventBody } from './events';
import { chunk } from './lists';

type ProfileBody = BodyOf<'create_client_profile'>['data'];
type SubscriptionProfile = BodyOf<'create_client_subscription'>['data']['attributes']['profile']['data'];
type BackInStock = BodyOf<'create_client_back_in_stock_subscription'>['data'];

export type ClientProfile = ProfileBody['attributes'] & { id?: string; meta?: ProfileBody['meta'] };
/** Identifiers and attributes, plus which consents to grant (default: marketing on the channels given). */
export type ClientSubscriber = SubscriptionProfile['attributes'] & { id?: string };
export interface BackInStockRequest {
  /** Compound catalog variant id, e.g. `$custom:::$default:::SKU-1`. */
  variantId: string;
  channels: BackInStock['attributes']['channels'];
  profile: NonNullable<BackInStock['attributes']['profile']['data']['attributes']> & { id?: string };
}

// bulk_create_client_events: "Accepts a maximum of `1000` events per request."
const CLIENT_EVENTS_PER_CALL = 1000;

/**
 * The /client endpoints, authenticated by the public company id alone (a client created with only
 * `companyId` can use them). For code that must not hold the private key; server code with the
 * private key uses the events, profiles and subscriptions resources instead, as Klaviyo asks.
 * These writes never change an existing profile's identifiers (Klaviyo still answers 202).
 */
export function clientSideResource(client: KlaviyoClient) {
  return {
    async trackEvent(event: EventInput): Promise<void> {
      await client.call('create_client_event', { body: eventBody(event) });
    },

    /** Tracks many events of one profile, at most 1,000 per request. Returns the requests made. */
    async trackEvents(profile: EventProfile, events: Omit<EventInput, 'profile'>[]): Promise<number> {
      const data = events.map((event) => ({
        type: 'event' as const,
        attributes: eventAttributes(event),
      }));
      const slices = chunk(data, CLIENT_EVENTS_PER_CALL);
      for (const slice of slices) {
        await client.call('bulk_create_client_events', { body: { data: bulkEntry(profile, slice) } });
      }
      return slices.length;
    },

    /** Creates the profile or updates its properties, without an event. */
    async identify({ id, meta, ...attributes }: ClientProfile): Promise<void> {
      await client.call('create_client_profile', {
        body: { data: { type: 'profile', id, meta, attributes } },
      });
    },

    /** Consent for the email and/or phone given, and membership of the list (required by the endpoint). */
    async subscribe(listId: string, { id, ...attributes }: ClientSubscriber, customSource?: string) {
      await client.call('create_client_subscription', {
        body: {
          data: {
            type: 'subscription',
            attributes: {
              custom_source: customSource,
              profile: { data: { type: 'profile', id, attributes } },
            },
            relationships: { list: { data: { type: 'list', id: listId } } },
          },
        },
      });
    },

    /** Asks to be told when a catalog variant is back in stock, on the given channels. */
    async subscribeBackInStock({ variantId, channels, profile }: BackInStockRequest): Promise<void> {
      const { id, ...attributes } = profile;
      await client.call('create_client_back_in_stock_subscription', {
        body: {
          data: {
            type: 'back-in-stock-subscription',
            attributes: { channels, profile: { data: { type: 'profile', id, attributes } } },
            relationships: { variant: { data: { type: 'catalog-variant', id: variantId } } },
          },
        },
      });
    },
  };
}
