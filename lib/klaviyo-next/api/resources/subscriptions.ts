import type { BodyOf, KlaviyoClient } from '../client';
import { chunk } from './lists';

type SubscribeProfile = BodyOf<'bulk_subscribe_profiles'>['data']['attributes']['profiles']['data'][number];
type UnsubscribeProfile =
  BodyOf<'bulk_unsubscribe_profiles'>['data']['attributes']['profiles']['data'][number];

export interface SubscribeTarget {
  /** Looks the profile up by id; the identifiers below are then set on it. */
  id?: string;
  email?: string;
  phone_number?: string;
  /** Which consents to grant; default: email and SMS marketing for the identifiers given. */
  subscriptions?: SubscribeProfile['attributes']['subscriptions'];
}

export interface UnsubscribeTarget {
  email?: string;
  phone_number?: string;
  /** Which consents to revoke; default: email and SMS marketing for the identifiers given. */
  subscriptions?: UnsubscribeProfile['attributes']['subscriptions'];
}

/** Exactly one identifier: request_profile_deletion returns an error for more than one. */
export type DeletionIdentifier = { id: string } | { email: string } | { phone_number: string };

// bulk_subscribe_profiles: "Maximum number of profiles can be submitted for subscription: 1000".
export const SUBSCRIBE_PER_JOB = 1000;
// bulk_unsubscribe_profiles: "Maximum number of profiles per call: 100".
export const UNSUBSCRIBE_PER_CALL = 100;

/** Marketing consent on the channel of each identifier given: email for an email, SMS for a phone. */
function marketing<C extends 'SUBSCRIBED' | 'UNSUBSCRIBED'>(consent: C, email?: string, phone?: string) {
  return {
    ...(email ? { email: { marketing: { consent } } } : {}),
    ...(phone ? { sms: { marketing: { consent } } } : {}),
  };
}

const listRelationship = (listId: string | undefined) =>
  listId ? { relationships: { list: { data: { type: 'list' as const, id: listId } } } } : {};

/** Consent (email, SMS) and data-privacy deletion. Each call is queued by Klaviyo (202) and applied later. */
export function subscriptionsResource(client: KlaviyoClient) {
  return {
    /**
     * Grants consent and, with `listId`, adds the profiles to that list (a double opt-in list first
     * asks each email to confirm). Sent as bulk subscribe jobs of at most 1,000 profiles.
     */
    async subscribe(
      profiles: SubscribeTarget[],
      options: {
        listId?: string;
        customSource?: string;
        historicalImport?: boolean;
        signal?: AbortSignal;
      } = {},
    ): Promise<void> {
      const data = profiles.map(({ id, email, phone_number, subscriptions }) => ({
        type: 'profile' as const,
        id,
        attributes: {
          email,
          phone_number,
          subscriptions: subscriptions ?? marketing('SUBSCRIBED', email, phone_number),
        },
      }));
      for (const slice of chunk(data, SUBSCRIBE_PER_JOB)) {
        await client.call('bulk_subscribe_profiles', {
          body: {
            data: {
              type: 'profile-subscription-bulk-create-job',
              attributes: {
                custom_source: options.customSource,
                historical_import: options.historicalImport ?? false,
                profiles: { data: slice },
              },
              ...listRelationship(options.listId),
            },
          },
          signal: options.signal,
        });
      }
    },

    /**
     * Revokes consent, at most 100 profiles per call. With `listId`, members of that list are
     * unsubscribed from it; "Profiles not in the specified list will be globally unsubscribed"
     * (bulk_unsubscribe_profiles), as is everyone when no list is given.
     */
    async unsubscribe(
      profiles: UnsubscribeTarget[],
      options: { listId?: string; signal?: AbortSignal } = {},
    ): Promise<void> {
      const data = profiles.map(({ email, phone_number, subscriptions }) => ({
        type: 'profile' as const,
        attributes: {
          email,
          phone_number,
          subscriptions: subscriptions ?? marketing('UNSUBSCRIBED', email, phone_number),
        },
      }));
      for (const slice of chunk(data, UNSUBSCRIBE_PER_CALL)) {
        await client.call('bulk_unsubscribe_profiles', {
          body: {
            data: {
              type: 'profile-subscription-bulk-delete-job',
              attributes: { profiles: { data: slice } },
              ...listRelationship(options.listId),
            },
          },
          signal: options.signal,
        });
      }
    },

    /**
     * Asks Klaviyo to delete every profile matching the one identifier (GDPR/CCPA). The deletion is
     * asynchronous. An empty value or a second identifier is refused here, before any request.
     */
    async requestProfileDeletion(identifier: DeletionIdentifier): Promise<void> {
      const given = Object.entries(identifier).filter(([, value]) => typeof value === 'string' && value);
      if (given.length !== 1) throw new TypeError('Give exactly one of id, email or phone_number.');
      // Empty values are left out, so exactly one identifier is sent.
      const { id, email, phone_number } = identifier as Partial<
        Record<'id' | 'email' | 'phone_number', string>
      >;
      const attributes = { email: email || undefined, phone_number: phone_number || undefined };
      await client.call('request_profile_deletion', {
        body: {
          data: {
            type: 'data-privacy-deletion-job',
            attributes: { profile: { data: { type: 'profile', id: id || undefined, attributes } } },
          },
        },
      });
    },
  };
}
