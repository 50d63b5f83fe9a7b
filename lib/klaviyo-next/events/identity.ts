import { type CountryCode, parsePhoneNumberFromString } from 'libphonenumber-js';
import type { CustomerSnapshot } from './types';

/** Profile identifiers as Klaviyo's event and profile bodies name them. */
export interface ProfileIdentity {
  email?: string;
  phone_number?: string;
  external_id?: string;
  _kx?: string;
  first_name?: string;
  last_name?: string;
}

export interface IdentityResult {
  identity: ProfileIdentity;
  /** Identifiers left out, and why; a bad phone must not cost the whole event. */
  dropped: { field: string; reason: string }[];
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Klaviyo stores phone numbers in E.164 (profile `phone_number`); anything else is rejected. */
export function toE164(phone: string, defaultCountry: CountryCode = 'US'): string | undefined {
  const parsed = parsePhoneNumberFromString(phone.trim(), defaultCountry);
  return parsed?.isValid() ? parsed.number : undefined;
}

/** Builds the identity Klaviyo should resolve a shopper by, dropping (and saying why) what is unusable. */
export function buildIdentity(
  customer: CustomerSnapshot,
  defaultCountry: CountryCode = 'US',
): IdentityResult {
  const identity: ProfileIdentity = {};
  const dropped: IdentityResult['dropped'] = [];
  if (customer.email !== undefined) {
    const email = customer.email.trim().toLowerCase();
    if (EMAIL.test(email)) identity.email = email;
    else dropped.push({ field: 'email', reason: `'${customer.email}' is not an email address` });
  }
  if (customer.phone !== undefined && customer.phone.trim() !== '') {
    const phone = toE164(customer.phone, defaultCountry);
    if (phone) identity.phone_number = phone;
    else dropped.push({ field: 'phone_number', reason: `'${customer.phone}' is not a valid phone number` });
  }
  if (customer.externalId) identity.external_id = customer.externalId;
  if (customer.exchangeId) identity._kx = customer.exchangeId;
  if (customer.firstName) identity.first_name = customer.firstName;
  if (customer.lastName) identity.last_name = customer.lastName;
  return { identity, dropped };
}

/** True when Klaviyo can resolve a profile from the identity. */
export function isIdentified(identity: ProfileIdentity): boolean {
  return Boolean(identity.email || identity.phone_number || identity.external_id || identity._kx);
}

/** klaviyo.js clears a `__kla_id` longer than this (URI-encoded), so a longer one is not its cookie. */
const MAX_COOKIE_LENGTH = 3000;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
/**
 * `<opaque token>.<company id>`: the token is base64 or base64url text (links carry it URL-encoded,
 * e.g. `ABC…==.UHFmv9`), the company id is the six-odd letters and digits of the public API key.
 */
const EXCHANGE_ID = /^[A-Za-z0-9+/=_-]{1,200}\.[A-Za-z0-9]{1,32}$/;

/**
 * Reads Klaviyo's exchange id from the `__kla_id` cookie klaviyo.js writes: base64 of a JSON object
 * whose `$exchange_id` is set once the browser is identified. Anything else (too long, not base64,
 * not a JSON object, an exchange id of another shape) names nobody. Parsing proves only the shape: a
 * browser can write any cookie, so an exchange id is never evidence of who the shopper is.
 */
export function exchangeIdFromCookie(cookie: string | undefined): string | undefined {
  if (!cookie || cookie.length > MAX_COOKIE_LENGTH) return undefined;
  try {
    const encoded = decodeURIComponent(cookie);
    if (!BASE64.test(encoded)) return undefined;
    // klaviyo.js writes UTF-8 through its own base64 encoder; atob gives the bytes back.
    const bytes = Uint8Array.from(atob(encoded), (c) => c.charCodeAt(0));
    const json: unknown = JSON.parse(new TextDecoder().decode(bytes));
    if (typeof json !== 'object' || json === null || Array.isArray(json)) return undefined;
    const exchangeId = (json as { $exchange_id?: unknown }).$exchange_id;
    return typeof exchangeId === 'string' && EXCHANGE_ID.test(exchangeId) ? exchangeId : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The exchange id of `__kla_id` when it belongs to this account: an exchange id is
 * `<token>.<company id>`, and klaviyo.js ignores one minted for another account
 * (docs/klaviyo-notes.md#exchange-ids).
 */
export function accountExchangeId(cookie: string | undefined, companyId: string): string | undefined {
  const exchangeId = exchangeIdFromCookie(cookie);
  return exchangeId?.endsWith(`.${companyId}`) ? exchangeId : undefined;
}
