'use client';

import { useActionState } from 'react';
import type { FormState } from '@/lib/klaviyo-next/http/action-result';
import { TextField } from './field';
import { fieldMessage, formMessage } from './form-errors';
import { CheckIcon } from './icons';
import { SubmitButton } from './submit-button';

export type BackInStockState = FormState<{ done?: { email: string; created: boolean } }>;

export type BackInStockAction = (previous: BackInStockState, form: FormData) => Promise<BackInStockState>;

/** "Email me when it's back" for a sold-out variant: a Klaviyo back-in-stock subscription. */
export function BackInStockForm({
  variantId,
  option,
  defaultEmail,
  action,
}: {
  variantId: string;
  option: string;
  defaultEmail?: string;
  action: BackInStockAction;
}) {
  const [state, submit] = useActionState(action, {});
  if (state.done) {
    return (
      <p className="notice notice--success" role="status">
        <CheckIcon /> We’ll email {state.done.email} as soon as {option} is back in stock.
      </p>
    );
  }
  const alert = formMessage(state.error, ['email']);
  return (
    <form action={submit} className="back-in-stock" noValidate={false}>
      <p className="back-in-stock__lead">
        <strong>{option} is sold out.</strong> Leave your email and we’ll let you know when it’s back.
      </p>
      <input type="hidden" name="variantId" value={variantId} />
      <TextField
        name="email"
        label="Email address"
        type="email"
        autoComplete="email"
        defaultValue={defaultEmail}
        error={fieldMessage(state.error, 'email', 'Email')}
      />
      {alert ? (
        <p className="form-alert" role="alert">
          {alert}
        </p>
      ) : null}
      <SubmitButton pendingLabel="Saving…" className="button button--secondary button--wide">
        Email me when it’s back
      </SubmitButton>
    </form>
  );
}
