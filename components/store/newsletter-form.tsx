'use client';

import { type FormEvent, useState } from 'react';
import { CONSENT_DISCLOSURES } from '@/lib/store/consent-disclosures';
import { CheckIcon } from './icons';

type Status = { state: 'idle' | 'sending' | 'done' } | { state: 'error'; message: string; field?: string };

/**
 * The footer sign-up, posting to the plugin's own route (`POST /api/klaviyo/subscribe`) as a merchant's
 * form would. The disclosure under the field is the text the shopper agrees to by signing up; its
 * version is sent and the server records its own copy of the text. Klaviyo's double opt-in then asks
 * the address to confirm.
 */
export function NewsletterForm({ relayUrl = '/api/klaviyo/subscribe' }: { relayUrl?: string }) {
  const [status, setStatus] = useState<Status>({ state: 'idle' });
  const disclosure = CONSENT_DISCLOSURES.email;

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const email = String(new FormData(event.currentTarget).get('email') ?? '');
    setStatus({ state: 'sending' });
    try {
      const response = await fetch(relayUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, consent: { email: disclosure.version }, source: 'Newsletter footer' }),
      });
      if (response.ok) return setStatus({ state: 'done' });
      if (response.status === 429) {
        return setStatus({
          state: 'error',
          message: 'Too many sign-ups from here. Please try again in a minute.',
        });
      }
      const body = (await response.json().catch(() => ({}))) as {
        error?: { field?: string; message?: string };
      };
      setStatus({
        state: 'error',
        field: body.error?.field,
        message:
          body.error?.field === 'email'
            ? 'Please enter a valid email address.'
            : 'That did not work. Please try again.',
      });
    } catch {
      setStatus({
        state: 'error',
        message: 'We could not reach the shop. Check your connection and try again.',
      });
    }
  }

  if (status.state === 'done') {
    return (
      <p className="newsletter__done" role="status">
        <CheckIcon /> Thanks! Check your inbox to confirm your subscription.
      </p>
    );
  }
  const error = status.state === 'error' ? status.message : undefined;
  return (
    <form className="newsletter" onSubmit={submit} noValidate>
      <label htmlFor="newsletter-email" className="visually-hidden">
        Email address
      </label>
      <div className="newsletter__row">
        <input
          id="newsletter-email"
          name="email"
          type="email"
          autoComplete="email"
          required
          placeholder="Your email address"
          className="input"
          aria-invalid={error ? true : undefined}
          aria-describedby={`newsletter-disclosure${error ? ' newsletter-error' : ''}`}
        />
        <button type="submit" className="button button--primary" disabled={status.state === 'sending'}>
          {status.state === 'sending' ? 'Signing up…' : 'Sign up'}
        </button>
      </div>
      {error ? (
        <p id="newsletter-error" className="field__error" role="alert">
          {error}
        </p>
      ) : null}
      <p id="newsletter-disclosure" className="newsletter__disclosure">
        {disclosure.text}
      </p>
    </form>
  );
}
