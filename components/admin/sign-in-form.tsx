'use client';

import { useRouter } from 'next/navigation';
import { signIn } from 'next-auth/react';
import { useState } from 'react';
import styles from './sign-in.module.css';

const ERRORS: Record<string, string> = {
  CredentialsSignin: 'That email and password do not match.',
  // lib/auth/credentials.ts: the address or the account must wait before the next attempt.
  TooManyAttempts: 'Too many sign-in attempts. Wait a minute, then try again.',
  AccessDenied: 'This account may not use the admin dashboard.',
  SessionRequired: 'Sign in to continue.',
};

/** Email and password (the credentials provider), plus a button per configured OAuth provider. */
export function SignInForm({
  callbackUrl,
  initialError,
  oauth,
}: {
  callbackUrl: string;
  initialError?: string;
  oauth: { id: string; name: string }[];
}) {
  const router = useRouter();
  const [error, setError] = useState(
    initialError ? (ERRORS[initialError] ?? 'Sign-in failed; try again.') : null,
  );
  const [pending, setPending] = useState(false);

  async function submit(form: FormData) {
    setPending(true);
    setError(null);
    const result = await signIn('credentials', {
      email: String(form.get('email') ?? ''),
      password: String(form.get('password') ?? ''),
      redirect: false,
      callbackUrl,
    });
    if (!result || result.error || !result.ok) {
      setPending(false);
      setError(ERRORS[result?.error ?? ''] ?? 'Sign-in failed; try again.');
      return;
    }
    router.replace(callbackUrl);
    router.refresh();
  }

  return (
    <>
      {oauth.length > 0 && (
        <>
          <div className={styles.form}>
            {oauth.map((p) => (
              <button
                key={p.id}
                type="button"
                className={styles.oauth}
                onClick={() => signIn(p.id, { callbackUrl })}
              >
                Continue with {p.name}
              </button>
            ))}
          </div>
          <div className={styles.divider}>or with your admin password</div>
        </>
      )}
      {/* onSubmit, not a form action: React resets a form after its action, and a merchant who
          mistyped the password should keep the email they entered. */}
      <form
        className={styles.form}
        onSubmit={(event) => {
          event.preventDefault();
          void submit(new FormData(event.currentTarget));
        }}
      >
        {error && (
          <div className={styles.error} role="alert" data-testid="sign-in-error">
            {error}
          </div>
        )}
        <label className={styles.label}>
          Email
          <input className={styles.input} name="email" type="email" autoComplete="username" required />
        </label>
        <label className={styles.label}>
          Password
          <input
            className={styles.input}
            name="password"
            type="password"
            autoComplete="current-password"
            required
          />
        </label>
        <button className={styles.submit} type="submit" disabled={pending}>
          {pending ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </>
  );
}
