import 'server-only';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { profileMessage } from '../outbox/types';
import { isIdentified, type ProfileIdentity, toE164 } from '../tracking/identity';
import type { RelayDeps } from './deps';
import { fieldErrorOf } from './field-error';
import type { RelayResult } from './http';

/** Sign-ups and account edits are rare; a browser writing a profile many times a minute is a script. */
export const IDENTIFY_LIMIT = { capacity: 10, perMinute: 10 };

const text = (max: number) => z.string().trim().min(1).max(max).optional();

/**
 * Profile fields a shopper may set on their own profile. No email or other identifier: those come
 * from the session, so nobody can write to someone else's profile. Custom properties are bounded,
 * and the `NW ` prefix is kept for properties only the server sets (like `NW Lifetime Orders`).
 */
const identifyBody = z
  .strictObject({
    firstName: text(80),
    lastName: text(80),
    phone: text(32),
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
 * Syncs the signed-in shopper's profile (sign-up, account edits) through the outbox: 202 once the
 * profile write is stored, 401 when the request carries no identity to write to.
 */
export async function identifyShopper(
  deps: RelayDeps,
  body: unknown,
  identity: ProfileIdentity,
): Promise<RelayResult> {
  const parsed = identifyBody.safeParse(body);
  if (!parsed.success) return { status: 400, error: fieldErrorOf(parsed.error) };
  if (!isIdentified(identity)) {
    return {
      status: 401,
      error: { field: 'session', message: 'Sign in (or accept tracking) before updating a profile.' },
    };
  }
  const { firstName, lastName, phone, location, properties } = parsed.data;
  const phoneNumber = phone === undefined ? undefined : toE164(phone);
  if (phone !== undefined && !phoneNumber) {
    return { status: 400, error: { field: 'phone', message: 'phone: is not a valid phone number' } };
  }
  const profile: ProfileIdentity = {
    ...identity,
    ...(firstName ? { first_name: firstName } : {}),
    ...(lastName ? { last_name: lastName } : {}),
    ...(phoneNumber ? { phone_number: phoneNumber } : {}),
  };
  const now = deps.now();
  // Profile writes are idempotent in Klaviyo (the same values set twice), so each request is its own message.
  const message = profileMessage(`identify:${randomUUID()}`, {
    profile,
    ...(properties ? { properties } : {}),
    ...(location ? { location } : {}),
  });
  const enqueued = await deps.db.transaction((tx) => deps.outbox.enqueue(tx, [message], now));
  deps.scheduleDelivery();
  return { status: 202, body: { accepted: true, enqueued } };
}
