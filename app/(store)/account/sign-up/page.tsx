import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { SignUpForm } from '@/components/store/account-forms';
import { MIN_PASSWORD_LENGTH } from '@/lib/store/accounts';
import { getShopper } from '../../_lib/session';
import { signUp } from '../actions';
import { nextPath } from '../next-path';

export const metadata: Metadata = { title: 'Create an account' };

/** Sign-up: the form mails a link to the email; following it creates the account. */
export default async function SignUpPage({ searchParams }: { searchParams: Promise<{ next?: string }> }) {
  const next = nextPath((await searchParams).next);
  if ((await getShopper())?.hasAccount) redirect(next ?? '/account');
  return (
    <div className="page auth">
      <div className="auth__card">
        <h1 className="page-title">Create an account</h1>
        <p className="page-lead">Save your details, follow your orders and hear about restocks first.</p>
        <SignUpForm action={signUp} next={next} minPasswordLength={MIN_PASSWORD_LENGTH} />
      </div>
    </div>
  );
}
