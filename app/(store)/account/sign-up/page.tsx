import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { SignUpForm } from '@/components/store/account-forms';
import { MIN_PASSWORD_LENGTH } from '@/lib/store/accounts';
import { getShopper } from '../../_lib/session';
import { signUp } from '../actions';
import { nextPath } from '../next-path';

export const metadata: Metadata = { title: 'Create an account' };

/** Sign-up; after a guest checkout the form starts with the details from the order. */
export default async function SignUpPage({ searchParams }: { searchParams: Promise<{ next?: string }> }) {
  const next = nextPath((await searchParams).next);
  const shopper = await getShopper();
  if (shopper?.hasAccount) redirect(next ?? '/account');
  return (
    <div className="page auth">
      <div className="auth__card">
        <h1 className="page-title">Create an account</h1>
        <p className="page-lead">Save your details, follow your orders and hear about restocks first.</p>
        <SignUpForm
          action={signUp}
          next={next}
          minPasswordLength={MIN_PASSWORD_LENGTH}
          defaults={
            shopper
              ? { email: shopper.email, firstName: shopper.firstName, lastName: shopper.lastName }
              : undefined
          }
        />
      </div>
    </div>
  );
}
