import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import styles from '@/components/admin/sign-in.module.css';
import { SignInForm } from '@/components/admin/sign-in-form';
import { auth, MERCHANT_ROLE } from '@/lib/auth';
import { env } from '@/lib/env';

export const metadata: Metadata = { title: 'Sign in', robots: { index: false } };

/** Only same-site admin paths: a callbackUrl is user input and must not redirect elsewhere. */
function safeCallback(value: unknown): string {
  return typeof value === 'string' && /^\/admin(\/[\w\-/]*)?(\?[\w=&%-]*)?$/.test(value) ? value : '/admin';
}

export default async function SignInPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const params = await searchParams;
  const callbackUrl = safeCallback(params.callbackUrl);
  const session = await auth();
  if (session?.user.role === MERCHANT_ROLE) redirect(callbackUrl);
  const { auth: config } = env();
  const oauth = [
    ...(config.github ? [{ id: 'github', name: 'GitHub' }] : []),
    ...(config.google ? [{ id: 'google', name: 'Google' }] : []),
  ];
  return (
    <main className={styles.page}>
      <div className={styles.card}>
        <div className={styles.mark}>K</div>
        <h1 className={styles.title}>Sign in to your store admin</h1>
        <p className={styles.subtitle}>Klaviyo lists, campaigns, flows and event delivery, in one place.</p>
        <SignInForm
          callbackUrl={callbackUrl}
          initialError={typeof params.error === 'string' ? params.error : undefined}
          oauth={oauth}
        />
        <p className={styles.foot}>Sessions end after 8 hours.</p>
      </div>
    </main>
  );
}
