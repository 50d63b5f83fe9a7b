import type { KlaviyoClient, ResponseOf } from '../client';
import { KlaviyoApiError } from '../errors';

export type KlaviyoAccount = ResponseOf<'get_accounts'>['data'][number];

/** What the admin settings page shows about the configured private key. */
export type KeyCheck =
  | { status: 'valid'; account: KlaviyoAccount }
  /** 401: Klaviyo does not know the key (mistyped, revoked). */
  | { status: 'invalid'; detail: string }
  /** 403: the key works but lacks the `accounts:read` scope get_accounts needs. */
  | { status: 'missing_scope'; detail: string };

/** The account a private key belongs to (name, timezone, currency, public key). */
export function accountsResource(client: KlaviyoClient) {
  /**
   * get_accounts "will return 1 account object within the array": the key's own account
   * (get_accounts description).
   */
  async function current(): Promise<KlaviyoAccount> {
    const [account] = (await client.call('get_accounts')).data;
    if (!account) throw new Error('get_accounts answered without an account.');
    return account;
  }

  return {
    current,

    /**
     * Tells whether the key is usable, as Klaviyo suggests: get_accounts is the call to "test if a
     * Private API Key belongs to the correct account". Other failures (network, 5xx) are thrown, as
     * they say nothing about the key.
     */
    async checkKey(): Promise<KeyCheck> {
      try {
        return { status: 'valid', account: await current() };
      } catch (error) {
        if (!(error instanceof KlaviyoApiError)) throw error;
        if (error.status === 401) return { status: 'invalid', detail: error.detail };
        if (error.status === 403) return { status: 'missing_scope', detail: error.detail };
        throw error;
      }
    },
  };
}
