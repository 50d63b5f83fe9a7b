import type { ReactNode } from 'react';
import ui from '@/components/klaviyo-admin/ui.module.css';

/** What the last change on an admin page came to: a status, or an alert when it was refused. */
export function Notice({ role, children }: { role: 'status' | 'alert'; children: ReactNode }) {
  return (
    <p role={role} className={role === 'alert' ? ui.fieldError : ui.muted}>
      {children}
    </p>
  );
}
