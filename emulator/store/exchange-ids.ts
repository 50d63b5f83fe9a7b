import { randomBytes } from 'node:crypto';

/**
 * Klaviyo's exchange ids: the `_kx` of profile writes and the `$exchange_id` klaviyo.js keeps in the
 * `__kla_id` cookie. Their form is `<opaque token>.<company id>` and Klaviyo alone mints them: it puts
 * one on the links of the emails and texts it sends ("?_kx=…") and hands one to klaviyo.js in the answer
 * to POST /client/profiles (`meta.exchange_id`; docs/klaviyo-notes.md#exchange-ids). What the emulator does
 * with them, and why:
 *
 * - It issues one per profile, on demand, and remembers which profile it names.
 * - A `_kx` in a write is resolved, never stored. One this account issued reaches exactly its profile;
 *   one it did not issue (made up, another company's, a tampered one) reaches no one and is ignored.
 *   A caller can never tie a `_kx` of its choosing to a profile: the token is Klaviyo's pointer to a
 *   profile, not an attribute a caller sets. (The emulator used to store any `_kx` it was sent on the
 *   profile the write resolved to, so a made-up cookie could claim a stranger's profile.)
 * - Where an unissued `_kx` is the only identifier, the write identifies no one and is refused with
 *   400, like any profile without an identifier; beside an email or phone it changes nothing.
 * - Which schemas take `_kx` at all is the spec's: create_or_update_profile (profile-import), the
 *   profile of an event, bulk profile import, and the /client/* profile writes. create_profile and
 *   update_profile have no `_kx`, so the strict request check refuses it there with 400.
 * - No response schema has a `_kx` attribute, so responses never show one; get_profiles can still find
 *   a profile with `filter=equals(_kx,"…")`, which the spec allows.
 * - Tests get an id as a shopper would, from an email link: POST /__emulator/accounts/:id/exchange-ids.
 */
export class ExchangeIds {
  private readonly profileOf = new Map<string, string>();

  /** Mints a new exchange id naming the profile (Account.exchangeIdOf keeps one per profile). */
  mint(profileId: string, accountId: string): string {
    const token = `${randomBytes(18).toString('base64url')}.${accountId}`;
    this.profileOf.set(token, profileId);
    return token;
  }

  /** The profile id an exchange id names, or undefined when this account did not issue it. */
  resolve(token: unknown): string | undefined {
    return typeof token === 'string' ? this.profileOf.get(token) : undefined;
  }
}
