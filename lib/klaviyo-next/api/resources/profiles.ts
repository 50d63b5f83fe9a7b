import type { BodyOf, KlaviyoClient, ResponseOf } from '../client';
import { KlaviyoApiError } from '../errors';
import { buildFilter, equals } from '../filter';

type ProfileAttributes = NonNullable<BodyOf<'create_or_update_profile'>['data']['attributes']>;
export type Profile = ResponseOf<'get_profile'>['data'];
type Identifier = 'email' | 'phone_number' | 'external_id';

const IDENTIFIERS: readonly Identifier[] = ['email', 'phone_number', 'external_id'];
const IDENTIFIER_POINTER = /^\/data\/attributes\/(email|phone_number|external_id)$/;

/** Klaviyo keeps emails in lower case; phone numbers (E.164) and external ids compare as they are. */
const same = (key: Identifier, a: unknown, b: unknown) =>
  typeof a === 'string' &&
  typeof b === 'string' &&
  (key === 'email' ? a.toLowerCase() === b.toLowerCase() : a === b);

const identified = (attributes: ProfileAttributes) =>
  IDENTIFIERS.some((key) => typeof attributes[key] === 'string' && attributes[key] !== '');

/**
 * Profiles: look-ups by identifier, create-or-update, and property updates. A create that collides
 * with another profile's identifier (409 `duplicate_profile`) is written without the contested
 * identifiers, to the profile the others resolve to; never to the profile that holds them.
 */
export function profilesResource(client: KlaviyoClient) {
  async function findOne(field: Identifier, value: string): Promise<Profile | undefined> {
    const page = await client.call('get_profiles', {
      query: { filter: buildFilter(equals(field, value)), 'page[size]': 1 },
    });
    return page.data[0] as Profile | undefined;
  }

  /**
   * The identifiers of `attributes` that the profile named by a 409 holds: the error's pointer when it
   * names one, otherwise what that profile's own record shows (get_profile). Empty when that profile
   * is gone or no longer holds any of them.
   */
  async function contested(
    error: KlaviyoApiError,
    duplicateId: string,
    attributes: ProfileAttributes,
    signal?: AbortSignal,
  ) {
    const named = error.errors
      .map((e) => IDENTIFIER_POINTER.exec(e.source?.pointer ?? '')?.[1] as Identifier | undefined)
      .filter((key): key is Identifier => key !== undefined && identified({ [key]: attributes[key] }));
    if (named.length > 0) return named;
    let holder: Profile;
    try {
      holder = (await client.call('get_profile', { path: { id: duplicateId }, signal })).data;
    } catch (lookup) {
      if (lookup instanceof KlaviyoApiError && lookup.status === 404) return [];
      throw lookup;
    }
    return IDENTIFIERS.filter((key) => same(key, holder.attributes[key], attributes[key]));
  }

  return {
    get: async (id: string) => (await client.call('get_profile', { path: { id } })).data,
    getByEmail: (email: string) => findOne('email', email),
    getByPhone: (phoneNumber: string) => findOne('phone_number', phoneNumber),
    getByExternalId: (externalId: string) => findOne('external_id', externalId),

    /**
     * Creates the profile or updates the one its identifiers resolve to (profile-import), and
     * returns its id. When Klaviyo answers 409 `duplicate_profile` because another profile holds
     * some of the identifiers, those are dropped (`dropped`) and the write is sent again, so it lands
     * on the profile the uncontested identifiers resolve to: the names, address and properties of one
     * person never reach the profile of whoever holds the contested phone or email. The exchange id
     * (`_kx`) goes too, since a browser cookie must not tie one profile to another. When no email,
     * phone number or external id is left, nothing is written and a 409 `duplicate_profile` error
     * says why.
     */
    async upsert(
      attributes: ProfileAttributes,
      options: { signal?: AbortSignal } = {},
    ): Promise<{ id: string; created: boolean; dropped?: Identifier[] }> {
      let current = attributes;
      const dropped: Identifier[] = [];
      let retriedAsIs = false;
      for (;;) {
        try {
          // profile-import answers 201 when it created the profile and 200 when it updated one.
          const result = await client.send('create_or_update_profile', {
            body: { data: { type: 'profile', attributes: current } },
            signal: options.signal,
          });
          const id = String(result.body.data.id);
          return { id, created: result.status === 201, ...(dropped.length ? { dropped } : {}) };
        } catch (error) {
          const duplicateId = error instanceof KlaviyoApiError ? error.duplicateProfileId : undefined;
          if (!duplicateId) throw error;
          const keys = await contested(error as KlaviyoApiError, duplicateId, current, options.signal);
          if (keys.length === 0) {
            // The other profile no longer holds any of them (merged or deleted meanwhile): once more.
            if (retriedAsIs) throw error;
            retriedAsIs = true;
            continue;
          }
          const { _kx: _exchangeId, ...rest } = current;
          for (const key of keys) delete rest[key];
          dropped.push(...keys);
          if (!identified(rest)) {
            throw new KlaviyoApiError('create_or_update_profile', {
              status: 409,
              code: 'duplicate_profile',
              detail: `Profile ${duplicateId} holds this write's ${dropped.join(' and ')}, and no other email, phone number or external id is left to write to; nothing was written.`,
              pointer: (error as KlaviyoApiError).pointer,
              errors: (error as KlaviyoApiError).errors,
            });
          }
          current = rest;
        }
      }
    },

    /** Sets custom properties (others are kept) and unsets the named ones. */
    async updateProperties(id: string, properties: Record<string, unknown>, unset: string[] = []) {
      const result = await client.call('update_profile', {
        path: { id },
        body: {
          data: {
            type: 'profile',
            id,
            attributes: { properties },
            ...(unset.length ? { meta: { patch_properties: { unset } } } : {}),
          },
        },
      });
      return result.data;
    },
  };
}
