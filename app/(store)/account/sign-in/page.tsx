import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { SignInForm } from '@/components/store/account-forms';
import { getShopper } from '../../_lib/session';
import { signIn } from '../actions';
import { nextPath } from '../next-path';

export const metadata: Metadata = { title: 'Sign in' };

export default async function SignInPage({ searchParams }: { searchParams: Promise<{ next?: string }> }) {
  const next = nextPath((await searchParams).next);
  if ((await getShopper())?.hasAccount) redirect(next ?? '/account');
  return (
    <div className="page auth">
      <div className="auth__card">
        <h1 className="page-title">Sign in</h1>
        <p className="page-lead">Check out faster and see your orders.</p>
        <SignInForm action={signIn} next={next} />
      </div>
    </div>
  );
}
