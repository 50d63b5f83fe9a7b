import 'server-only';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { ProfileIdentity } from '../events/identity';
import { fieldErrorOf } from '../http/field-error';
import { profileMessage } from '../outbox/types';
import type { RelayContext } from './deps';
import type { RelayResult } from './http';
import type { Caller } from './identity';

/** Sign-ups and account edits are rare; a browser writing a profile many times a minute is a script. */
export const IDENTIFY_LIMIT = { capacity: 10, perMinute: 10 };

const text = (max: number) => z.string().trim().min(1).max(max).optional();

/**
 * Profile fields a shopper may set on their own profile: all of them attributes `create_or_update_profile`
 * accepts (ProfileUpsertQueryResourceObject: first_name, last_name, location, properties). No identifier
 * (email, phone, phone_number, external_id, _kx): an unknown key is refused by name, so a phone typed
 * here can never pick the profile written to. Custom properties are bounded, and the `NW ` prefix is
 * kept for properties only the server sets (like `NW Lifetime Orders`).
 */
const identifyBody = z
  .strictObject({
    firstName: text(80),
    lastName: text(80),
    location: z
      .strictObject({
        address1: text(200),
        address2: text(200),
        city: text(100),
        region: text(100),
        zip: text(20),
        country: text(60),
      })
      .optional(),
    properties: z
      .record(
        z.string().regex(/^(?!NW )[A-Za-z][A-Za-z0-9 _.-]{0,63}$/, 'is not an allowed property name'),
        z.union([z.string().max(256), z.number().finite(), z.boolean()]),
      )
      .refine((p) => Object.keys(p).length <= 20, 'at most 20 properties')
      .optional(),
  })
  .refine((b) => Object.values(b).some((v) => v !== undefined), 'Send at least one field to update.');

/**
 * Syncs the signed-in shopper's profile (sign-up, account edits) through the outbox, to the profile
 * the verified email names and no other. 202 once stored; 202 `{accepted:false, reason:'no-consent'}`
 * (nothing stored) while the shopper has not granted tracking, as track answers; 401 naming `session`
 * without a verified signed-in shopper. An exchange id alone is not enough: a profile write keyed by
 * it would let anyone who writes a `__kla_id` cookie mint profiles or rewrite one they found in a link.
 */
export async function identifyShopper(
  deps: RelayContext,
  body: unknown,
  caller: Caller,
): Promise<RelayResult> {
  const parsed = identifyBody.safeParse(body);
  if (!parsed.success) return { status: 400, error: fieldErrorOf(parsed.error) };
  if (!caller.consented) return { status: 202, body: { accepted: false, reason: 'no-consent' } };
  if (!caller.shopperEmail) {
    return {
      status: 401,
      error: { field: 'session', message: 'Sign in before updating a profile.' },
    };
  }
  const { firstName, lastName, location, properties } = parsed.data;
  const profile: ProfileIdentity = {
    email: caller.shopperEmail,
    ...(firstName ? { first_name: firstName } : {}),
    ...(lastName ? { last_name: lastName } : {}),
  };
  // Profile writes are idempotent in Klaviyo (the same values set twice), so each request is its own message.
  const message = profileMessage(`identify:${randomUUID()}`, {
    profile,
    ...(properties ? { properties } : {}),
    ...(location ? { location } : {}),
  });
  // In a transaction: the key's hash and the row commit together (outbox/store.ts enqueue).
  const enqueued = await deps.writes.enqueue([message]);
  deps.scheduleDelivery();
  return { status: 202, body: { accepted: true, enqueued } };
}
