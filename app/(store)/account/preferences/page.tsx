import type { Metadata } from 'next';
import { cookies } from 'next/headers';
import Link from 'next/link';
import { redirect } from 'next/navigation';
import { ConsentCheckbox } from '@/components/store/consent-checkbox';
import { app } from '@/lib/app';
import { SHOPPER_SESSION_COOKIE } from '@/lib/store/cookies';
import type { ConsentRecord } from '@/lib/store/customer-consent';
import { formatDate } from '@/lib/store/format';
import { preferencesOf } from '@/lib/store/preferences';
import { updatePreferences } from './actions';

export const metadata: Metadata = { title: 'Email and SMS preferences', robots: { index: false } };

const ERRORS: Record<string, string> = {
  consent: 'Tick the box to agree to the text shown.',
  phone: 'That is not a valid phone number.',
  'no-phone': 'There is no phone number on your record to unsubscribe.',
  invalid: 'That change could not be made. Please try again.',
};

function statusLine(record: ConsentRecord | undefined): string {
  if (!record) return 'Not subscribed';
  const when = formatDate(record.at);
  if (record.status === 'subscribed') return `Subscribed since ${when}`;
  if (record.status === 'suppressed') return `Not deliverable (since ${when})`;
  return `Unsubscribed since ${when}`;
}

/** The signed-in shopper's own marketing consent, and the changes she can make to it. */
export default async function PreferencesPage({
  searchParams,
}: {
  searchParams: Promise<{ saved?: string; error?: string }>;
}) {
  const token = (await cookies()).get(SHOPPER_SESSION_COOKIE)?.value;
  const prefs = await preferencesOf(app.store, token);
  if (!prefs) redirect('/account/sign-in?next=/account/preferences');
  const { saved, error } = await searchParams;
  const email = prefs.consent.email;
  const sms = prefs.consent.sms;
  return (
    <div className="page page--narrow">
      <header className="page-head">
        <p className="eyebrow">
          <Link href="/account">Your account</Link>
        </p>
        <h1 className="page-title">Email and SMS preferences</h1>
        <p className="page-lead">{prefs.email}</p>
      </header>
      {saved ? (
        <p className="notice" role="status">
          Your {saved === 'sms' ? 'SMS' : 'email'} preference is saved.
        </p>
      ) : null}
      {error ? (
        <p className="field__error" role="alert">
          {ERRORS[error] ?? ERRORS.invalid}
        </p>
      ) : null}
      <section aria-labelledby="email-title" className="section">
        <h2 id="email-title" className="section__title">
          Email
        </h2>
        <p>{statusLine(email)}</p>
        <form action={updatePreferences}>
          <input type="hidden" name="channel" value="email" />
          {email?.status === 'subscribed' ? (
            <button type="submit" name="action" value="unsubscribe" className="button button--secondary">
              Unsubscribe from email
            </button>
          ) : (
            <>
              <ConsentCheckbox channel="email" />
              <button type="submit" name="action" value="subscribe" className="button button--primary">
                Subscribe to email
              </button>
            </>
          )}
        </form>
      </section>
      <section aria-labelledby="sms-title" className="section">
        <h2 id="sms-title" className="section__title">
          SMS
        </h2>
        <p>
          {statusLine(sms)}
          {sms ? ` (${sms.address})` : ''}
        </p>
        <form action={updatePreferences}>
          <input type="hidden" name="channel" value="sms" />
          {sms?.status === 'subscribed' ? (
            <button type="submit" name="action" value="unsubscribe" className="button button--secondary">
              Unsubscribe from SMS
            </button>
          ) : (
            <>
              <label className="field">
                <span className="field__label">Mobile number</span>
                <input name="phone" type="tel" autoComplete="tel" defaultValue={prefs.phone ?? ''} required />
              </label>
              <ConsentCheckbox channel="sms" />
              <button type="submit" name="action" value="subscribe" className="button button--primary">
                Subscribe to SMS
              </button>
            </>
          )}
        </form>
      </section>
    </div>
  );
}
