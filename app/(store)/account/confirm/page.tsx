import type { Metadata } from 'next';
import { ConfirmLinkForm } from '@/components/store/account-forms';
import { confirmAccount } from '../actions';

export const metadata: Metadata = { title: 'Confirm your email', robots: { index: false } };

/**
 * Where a mailed account link lands. Opening it changes nothing (mail scanners and link previews
 * open links too); the button posts the token, and only then is the link used up.
 */
export default async function ConfirmPage({ searchParams }: { searchParams: Promise<{ token?: string }> }) {
  const { token } = await searchParams;
  return (
    <div className="page auth">
      <div className="auth__card">
        <h1 className="page-title">Confirm your email</h1>
        {typeof token === 'string' && token ? (
          <>
            <p className="page-lead">One click to confirm your email and sign in.</p>
            <ConfirmLinkForm action={confirmAccount} token={token} />
          </>
        ) : (
          <p className="page-lead">This link is incomplete. Open the link from the email again.</p>
        )}
      </div>
    </div>
  );
}
