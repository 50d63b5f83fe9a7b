import type { Metadata } from 'next';
import Link from 'next/link';
import { redirect } from 'next/navigation';
import { getShopper } from '../../_lib/session';
import { eraseMyDataForm } from './actions';

export const metadata: Metadata = { title: 'Erase my data', robots: { index: false } };

const ERRORS: Record<string, string> = {
  confirm: 'Type erase in the box to confirm.',
  failed: 'Your data could not be erased. Sign in again and retry.',
};

/** A signed-in shopper asks for her personal data to be erased, here and at Klaviyo. */
export default async function EraseAccountPage({
  searchParams,
}: {
  searchParams: Promise<{ error?: string }>;
}) {
  const shopper = await getShopper();
  if (!shopper?.hasAccount) redirect('/account/sign-in?next=/account/erase');
  const { error } = await searchParams;
  const message = typeof error === 'string' ? ERRORS[error] : undefined;
  return (
    <div className="page page--narrow">
      <header className="page-head">
        <p className="eyebrow">Your account</p>
        <h1 className="page-title">Erase my data</h1>
        <p className="page-lead">
          This deletes your account, your sign-in and the personal details on your orders ({shopper.email},
          your phone number, names and addresses), and asks Klaviyo, who sends our emails and texts, to delete
          your profile. The orders themselves stay in our books without your details. It cannot be undone.
        </p>
      </header>
      <form action={eraseMyDataForm} className="form">
        {message ? (
          <p role="alert" className="field__error">
            {message}
          </p>
        ) : null}
        <label className="field">
          <span className="field__label">Type erase to confirm</span>
          <input className="input" name="confirm" autoComplete="off" required pattern="erase" />
        </label>
        <button type="submit" className="button button--primary">
          Erase my data
        </button>
        <Link href="/account" className="button button--secondary">
          Keep my account
        </Link>
      </form>
    </div>
  );
}
