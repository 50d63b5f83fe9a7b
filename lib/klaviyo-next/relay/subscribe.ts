import 'server-only';
import { z } from 'zod';
import { consentChange } from '../events/consent';
import { buildIdentity } from '../events/identity';
import { fieldErrorOf } from '../http/field-error';
import { consentMessage } from '../outbox/types';
import type { RelayContext, RelayDeps } from './deps';
import type { RelayResult } from './http';
import type { Caller } from './identity';

/** A person signs up once; repeated sign-ups from one client are list bombing. */
export const SUBSCRIBE_LIMIT = { capacity: 5, perMinute: 5 };

const version = (expected: string) =>
  z
    .literal(expected, { error: 'The consent text changed since the page loaded; please agree again.' })
    .optional();

const subscribeBody = ({
  disclosures,
  subscribeSources,
}: Pick<RelayDeps, 'disclosures' | 'subscribeSources'>) =>
  z.strictObject({
    email: z.string().trim().max(254).optional(),
    phone: z.string().trim().max(32).optional(),
    // The version of the text shown beside each ticked box; the server records its own copy of it.
    consent: z
      .strictObject({ email: version(disclosures.email.version), sms: version(disclosures.sms.version) })
      .refine((c) => c.email || c.sms, 'Tick at least one kind of message.'),
    // Where the form was, kept as Klaviyo's `custom_source` on the consent record.
    source: z.enum(subscribeSources).default(subscribeSources[0]),
  });

/**
 * Newsletter and SMS sign-up: records consent for each ticked channel with the exact disclosure
 * text, the server's time of agreement and the configured list. Here the email or phone *is* the
 * subject of the request (it is what is being subscribed); double opt-in on the list is Klaviyo's
 * guard against subscribing someone else. Each consent names its own identifier only: the typed email
 * and the typed phone are never joined (a subscription job puts what it is given on one profile, so
 * anyone could otherwise take SMS on a stranger's email profile). The SMS consent of a signed-in
 * shopper carries their verified email beside the phone, never the typed one.
 */
export async function subscribe(deps: RelayContext, body: unknown, caller: Caller): Promise<RelayResult> {
  const parsed = subscribeBody(deps).safeParse(body);
  if (!parsed.success) return { status: 400, error: fieldErrorOf(parsed.error) };
  const { consent, source } = parsed.data;
  const { identity } = buildIdentity({ email: parsed.data.email, phone: parsed.data.phone });
  if (consent.email && !identity.email) {
    return {
      status: 400,
      error: { field: 'email', message: 'email: a valid email address is needed for email.' },
    };
  }
  if (consent.sms && !identity.phone_number) {
    return {
      status: 400,
      error: { field: 'phone', message: 'phone: a valid mobile number is needed for SMS.' },
    };
  }
  const now = deps.now();
  const common = {
    status: 'SUBSCRIBED' as const,
    consentedAt: new Date(now).toISOString(),
    source,
    ...(deps.newsletterListId ? { listId: deps.newsletterListId } : {}),
  };
  const verified = caller.shopperEmail ? { email: caller.shopperEmail } : undefined;
  const messages = [
    ...(consent.email && identity.email
      ? [
          consentChange({
            ...common,
            channel: 'email',
            profile: { email: identity.email },
            disclosure: deps.disclosures.email,
          }),
        ]
      : []),
    ...(consent.sms && identity.phone_number
      ? [
          consentChange({
            ...common,
            channel: 'sms',
            profile: { phone_number: identity.phone_number, ...verified },
            ...(verified ? { emailVerified: true as const } : {}),
            disclosure: deps.disclosures.sms,
          }),
        ]
      : []),
  ].map(consentMessage);
  const enqueued = await deps.writes.enqueue(messages);
  deps.scheduleDelivery();
  return { status: 202, body: { accepted: true, enqueued } };
}
