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

/**
 * Reads Klaviyo's exchange id from the `__kla_id` cookie klaviyo.js writes: base64 of a JSON object
 * whose `$exchange_id` is set once the browser is identified (klaviyo-onsite.md §1.6).
 */
export function exchangeIdFromCookie(cookie: string | undefined): string | undefined {
  if (!cookie) return undefined;
  try {
    const json = JSON.parse(atob(decodeURIComponent(cookie))) as { $exchange_id?: unknown };
    return typeof json.$exchange_id === 'string' && json.$exchange_id ? json.$exchange_id : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The exchange id of `__kla_id` when it belongs to this account: an exchange id is
 * `<token>.<company id>`, and klaviyo.js ignores one minted for another account (klaviyo-onsite.md §1.7).
 */
export function accountExchangeId(cookie: string | undefined, companyId: string): string | undefined {
  const exchangeId = exchangeIdFromCookie(cookie);
  return exchangeId?.endsWith(`.${companyId}`) ? exchangeId : undefined;
}
