import Link from 'next/link';
import type { ReactNode } from 'react';
import styles from '../shell.module.css';
import { NavLinks } from './nav-links';
import { SignOutButton } from './sign-out-button';

/** The dashboard frame: navigation, which Klaviyo this is, who is signed in. */
export function AdminShell({
  children,
  email,
  mode,
  accountLabel,
}: {
  children: ReactNode;
  email: string;
  mode: 'live' | 'emulator';
  accountLabel: string;
}) {
  return (
    <div className={styles.shell}>
      <aside className={styles.sidebar}>
        <Link href="/admin" className={styles.brand}>
          <span className={styles.brandMark}>K</span>
          <span>
            <span className={styles.brandName} style={{ display: 'block' }}>
              {accountLabel}
            </span>
            <span className={styles.brandSub}>Klaviyo for Next.js</span>
          </span>
        </Link>
        <NavLinks />
        <div className={styles.sidebarFoot}>
          <span
            className={`${styles.modePill} ${mode === 'live' ? styles.modeLive : styles.modeEmulator}`}
            data-testid="klaviyo-mode"
          >
            ● {mode === 'live' ? 'Live Klaviyo account' : 'Local emulator'}
          </span>
          <div className={styles.user}>
            <span className={styles.avatar}>{email.slice(0, 1).toUpperCase()}</span>
            <span className={styles.userEmail} title={email}>
              {email}
            </span>
          </div>
          <SignOutButton />
        </div>
      </aside>
      <main className={styles.main}>
        <div className={styles.content}>{children}</div>
      </main>
    </div>
  );
}
