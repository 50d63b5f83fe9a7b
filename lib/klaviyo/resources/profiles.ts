import type { BodyOf, KlaviyoClient, ResponseOf } from '../client';
import { KlaviyoApiError } from '../errors';
import { buildFilter, equals } from '../filter';

type ProfileAttributes = NonNullable<BodyOf<'create_or_update_profile'>['data']['attributes']>;
export type Profile = ResponseOf<'get_profile'>['data'];
type Identifier = 'email' | 'phone_number' | 'external_id';

/**
 * Profiles: look-ups by identifier, create-or-update, and property updates. A create that collides
 * with another profile's identifier (409 `duplicate_profile`) is merged into that profile.
 */
export function profilesResource(client: KlaviyoClient) {
  async function findOne(field: Identifier, value: string): Promise<Profile | undefined> {
    const page = await client.call('get_profiles', {
      query: { filter: buildFilter(equals(field, value)), 'page[size]': 1 },
    });
    return page.data[0] as Profile | undefined;
  }

  return {
    get: async (id: string) => (await client.call('get_profile', { path: { id } })).data,
    getByEmail: (email: string) => findOne('email', email),
    getByPhone: (phoneNumber: string) => findOne('phone_number', phoneNumber),
    getByExternalId: (externalId: string) => findOne('external_id', externalId),

    /**
     * Creates the profile or updates the one its identifiers resolve to (profile-import), and
     * returns its id. When Klaviyo answers 409 because another profile holds one of the
     * identifiers, the attributes are written to that profile instead, without the contested
     * identifiers, so nothing the caller sent is lost.
     */
    async upsert(attributes: ProfileAttributes): Promise<{ id: string; created: boolean }> {
      try {
        // profile-import answers 201 when it created the profile and 200 when it updated one.
        const result = await client.send('create_or_update_profile', {
          body: { data: { type: 'profile', attributes } },
        });
        return { id: String(result.body.data.id), created: result.status === 201 };
      } catch (error) {
        const existing = error instanceof KlaviyoApiError ? error.duplicateProfileId : undefined;
        if (!existing) throw error;
        const { email: _e, phone_number: _p, external_id: _x, ...rest } = attributes;
        await client.call('update_profile', {
          path: { id: existing },
          body: { data: { type: 'profile', id: existing, attributes: rest } },
        });
        return { id: existing, created: false };
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
