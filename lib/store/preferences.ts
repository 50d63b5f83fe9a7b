import 'server-only';
import { z } from 'zod';
import { toE164 } from '../klaviyo-next/events/identity';
import { fieldErrorOf } from '../klaviyo-next/http/field-error';
import { CONSENT_DISCLOSURES } from './consent-disclosures';
import { type ConsentRecord, consentOf } from './customer-consent';
import { changeConsentInStore, consentAddress } from './customer-consent-change';
import type { StoreDeps } from './deps';
import { formInput } from './form-input';
import { type ActionResult, asResult, StoreError } from './result';
import { retryOnConflict } from './retry-conflict';
import { shopperCustomer } from './shopper-session';

/**
 * A signed-in shopper's "Email and SMS preferences": her own consent records, and changes to them
 * that reach Klaviyo through the outbox. Only the session's customer is ever read or changed: the
 * form names a channel, never a customer or an email. A subscribe is an explicit consent, so it
 * carries the version of the text the page showed (`marketing.<channel>`, as at checkout); an SMS subscribe names the phone
 * typed, alone (a typed phone proves nothing, so it is never joined to her email at Klaviyo).
 */
const consentVersion = (channel: 'email' | 'sms') =>
  z.preprocess(
    (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
    z
      .literal(CONSENT_DISCLOSURES[channel].version, {
        error: 'Tick the box to agree to the text shown (it may have changed since the page loaded).',
      })
      .optional(),
  );

export const preferencesInput = z.discriminatedUnion('action', [
  z.strictObject({
    action: z.literal('subscribe'),
    channel: z.enum(['email', 'sms']),
    marketing: z.strictObject({ email: consentVersion('email'), sms: consentVersion('sms') }).default({}),
    // An SMS subscribe's number (required there, checked below); an email subscribe ignores it.
    phone: z.string().trim().max(40).optional(),
  }),
  z.strictObject({ action: z.literal('unsubscribe'), channel: z.enum(['email', 'sms']) }),
]);

export interface ShopperPreferences {
  email: string;
  phone?: string;
  consent: Partial<Record<'email' | 'sms', ConsentRecord>>;
}

const SIGN_IN = 'Sign in to change your preferences.';

/** Her preferences, for the page; undefined without a live session of a verified account. */
export async function preferencesOf(
  deps: Pick<StoreDeps, 'db' | 'now'>,
  token: string | undefined,
): Promise<ShopperPreferences | undefined> {
  if (!token) return undefined;
  const customer = await shopperCustomer(deps.db, token, deps.now());
  if (!customer) return undefined;
  const consent = await consentOf(deps.db, customer.id);
  const phone = consent.sms?.address ?? (await consentAddress(deps.db, customer.id, 'sms'));
  return { email: customer.email, ...(phone ? { phone } : {}), consent };
}

/**
 * One change from the preferences page, for the shopper the session token names. The session is
 * checked inside the transaction that records the change, so a session signed out meanwhile changes
 * nothing.
 */
export async function changePreferences(
  deps: StoreDeps,
  token: string | undefined,
  input: unknown,
): Promise<ActionResult<{ channel: 'email' | 'sms'; status: 'subscribed' | 'unsubscribed' }>> {
  const parsed = preferencesInput.safeParse(formInput(input));
  if (!parsed.success) return { ok: false, error: fieldErrorOf(parsed.error) };
  const form = parsed.data;
  let phone: string | undefined;
  if (form.action === 'subscribe') {
    if (!form.marketing[form.channel])
      return {
        ok: false,
        error: { field: `marketing.${form.channel}`, message: 'Tick the box to agree to the text shown.' },
      };
    if (form.channel === 'sms') {
      phone = form.phone ? toE164(form.phone, 'US') : undefined;
      if (!phone)
        return { ok: false, error: { field: 'phone', message: 'phone: is not a valid phone number' } };
    }
  }

  if (!token) return { ok: false, error: { message: SIGN_IN } };
  const result = await asResult(() =>
    retryOnConflict(() =>
      deps.db.transaction(async (tx) => {
        const now = deps.now();
        const customer = await shopperCustomer(tx, token, now);
        if (!customer) throw new StoreError(SIGN_IN);
        const address =
          form.channel === 'email'
            ? customer.email
            : (phone ?? (await consentAddress(tx, customer.id, 'sms')));
        if (!address)
          throw new StoreError('There is no phone number on your record to unsubscribe.', 'phone');
        const status = form.action === 'subscribe' ? 'subscribed' : 'unsubscribed';
        await changeConsentInStore(
          tx,
          deps,
          {
            customerId: customer.id,
            channel: form.channel,
            status,
            source: 'preferences',
            address,
            ...(status === 'subscribed' ? { disclosure: CONSENT_DISCLOSURES[form.channel] } : {}),
          },
          now,
        );
        return { channel: form.channel, status } as const;
      }),
    ),
  );
  if (result.ok) deps.scheduleDelivery();
  return result;
}
