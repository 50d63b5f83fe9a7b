'use client';

import Link from 'next/link';
import { useActionState } from 'react';
import type { FormState } from '@/lib/klaviyo-next/http/action-result';
import { ConsentCheckbox } from './consent-checkbox';
import { TextField } from './field';
import { fieldMessage, formMessage } from './form-errors';
import { SubmitButton } from './submit-button';

export type AccountState = FormState<{
  values?: { email?: string; firstName?: string; lastName?: string };
  /** Set once a link was mailed: the form gives way to "check your email". */
  sentTo?: string;
}>;
type AccountAction = (previous: AccountState, form: FormData) => Promise<AccountState>;

/** What replaces a form once the store has mailed its link. */
function LinkSent({ to }: { to: string }) {
  return (
    <div className="form-stack" role="status" data-testid="link-sent">
      <p>
        We sent a link to <strong>{to}</strong>. Follow it within 30 minutes to confirm your email; it works
        once.
      </p>
    </div>
  );
}

function Alert({ message }: { message?: string }) {
  return message ? (
    <p className="form-alert" role="alert">
      {message}
    </p>
  ) : null;
}

/** A new account's password and the newsletter box, as sign-up and "save this order" both ask. */
function NewPasswordFields({
  label,
  minPasswordLength,
  err,
}: {
  label: string;
  minPasswordLength: number;
  err: AccountState['error'];
}) {
  return (
    <>
      <TextField
        name="password"
        label={label}
        type="password"
        autoComplete="new-password"
        minLength={minPasswordLength}
        hint={`At least ${minPasswordLength} characters.`}
        error={fieldMessage(err, 'password', 'Password')}
      />
      <ConsentCheckbox channel="email" error={fieldMessage(err, 'marketing.email', 'Consent')} />
    </>
  );
}

export function SignInForm({ action, next }: { action: AccountAction; next?: string }) {
  const [state, submit] = useActionState(action, {});
  const err = state.error;
  return (
    <form action={submit} className="form-stack">
      {next ? <input type="hidden" name="next" value={next} /> : null}
      <Alert message={formMessage(err, ['email', 'password'])} />
      <TextField
        name="email"
        label="Email"
        type="email"
        autoComplete="email"
        defaultValue={state.values?.email}
        error={fieldMessage(err, 'email', 'Email')}
      />
      <TextField
        name="password"
        label="Password"
        type="password"
        autoComplete="current-password"
        error={fieldMessage(err, 'password', 'Password')}
      />
      <SubmitButton pendingLabel="Signing in…" className="button button--primary button--wide">
        Sign in
      </SubmitButton>
      <p className="form-aside">
        New here?{' '}
        <Link href={next ? `/account/sign-up?next=${encodeURIComponent(next)}` : '/account/sign-up'}>
          Create an account
        </Link>
      </p>
    </form>
  );
}

export function SignUpForm({
  action,
  next,
  minPasswordLength,
  defaults,
}: {
  action: AccountAction;
  next?: string;
  minPasswordLength: number;
  defaults?: AccountState['values'];
}) {
  const [state, submit] = useActionState(action, {});
  const err = state.error;
  const values = state.values ?? defaults;
  if (state.sentTo) return <LinkSent to={state.sentTo} />;
  return (
    <form action={submit} className="form-stack">
      {next ? <input type="hidden" name="next" value={next} /> : null}
      <Alert message={formMessage(err, ['email', 'password', 'firstName', 'lastName', 'marketing.email'])} />
      <div className="field-row">
        <TextField
          name="firstName"
          label="First name"
          autoComplete="given-name"
          defaultValue={values?.firstName}
          error={fieldMessage(err, 'firstName', 'First name')}
        />
        <TextField
          name="lastName"
          label="Last name"
          autoComplete="family-name"
          defaultValue={values?.lastName}
          error={fieldMessage(err, 'lastName', 'Last name')}
        />
      </div>
      <TextField
        name="email"
        label="Email"
        type="email"
        autoComplete="email"
        defaultValue={values?.email}
        error={fieldMessage(err, 'email', 'Email')}
      />
      <NewPasswordFields label="Password" minPasswordLength={minPasswordLength} err={err} />
      <SubmitButton pendingLabel="Creating your account…" className="button button--primary button--wide">
        Create account
      </SubmitButton>
      <p className="form-aside">
        Already have an account?{' '}
        <Link href={next ? `/account/sign-in?next=${encodeURIComponent(next)}` : '/account/sign-in'}>
          Sign in
        </Link>
      </p>
    </form>
  );
}

/**
 * "Save this order to an account" on a guest order's page: a password, and the link goes to the
 * order's email (the server reads it from the order, never from this form).
 */
export function SaveOrderForm({
  action,
  orderId,
  minPasswordLength,
}: {
  action: AccountAction;
  orderId: string;
  minPasswordLength: number;
}) {
  const [state, submit] = useActionState(action, {});
  const err = state.error;
  if (state.sentTo) return <LinkSent to={state.sentTo} />;
  return (
    <form action={submit} className="form-stack">
      <input type="hidden" name="orderId" value={orderId} />
      <Alert message={formMessage(err, ['password', 'marketing.email'])} />
      <NewPasswordFields label="Choose a password" minPasswordLength={minPasswordLength} err={err} />
      <SubmitButton pendingLabel="Sending…" className="button button--secondary">
        Email me a link
      </SubmitButton>
    </form>
  );
}

/** The one button on the page a mailed link opens; clicking it uses the link up. */
export function ConfirmLinkForm({ action, token }: { action: AccountAction; token: string }) {
  const [state, submit] = useActionState(action, {});
  return (
    <form action={submit} className="form-stack">
      <input type="hidden" name="token" value={token} />
      <Alert message={state.error?.message} />
      <SubmitButton pendingLabel="Confirming…" className="button button--primary button--wide">
        Confirm and sign in
      </SubmitButton>
      <p className="form-aside">
        <Link href="/account/sign-in">Sign in</Link> or{' '}
        <Link href="/account/sign-up">ask for a new link</Link>
      </p>
    </form>
  );
}
