'use client';

import { signOut } from 'next-auth/react';
import { Icon } from '../../klaviyo-admin/ui/icons';
import ui from '../../klaviyo-admin/ui.module.css';

export function SignOutButton() {
  return (
    <button
      type="button"
      className={`${ui.button} ${ui['small-button']}`}
      onClick={() => signOut({ callbackUrl: '/admin/sign-in' })}
    >
      <Icon name="logout" width={15} height={15} /> Sign out
    </button>
  );
}
