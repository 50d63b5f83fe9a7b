import ui from '@/components/klaviyo-admin/ui.module.css';
import { Notice } from '../notice';
import { eraseCustomerFormAction } from './erase-action';

/**
 * The form's action. It answers refusals (no merchant session, not a form) by value like every admin
 * action and otherwise redirects back to the page; a `<form action>` ignores that value, hence the type.
 */
const eraseForm = eraseCustomerFormAction as (form: FormData) => Promise<unknown> as (
  form: FormData,
) => Promise<void>;

/**
 * "Erase" for one customer on the customers page: folded away, and the form asks for a ticked box,
 * because it cannot be undone. Works without JavaScript.
 */
export function EraseControl({ customerId, erased }: { customerId: string; erased?: boolean }) {
  if (erased) return <span className={ui.muted}>erased</span>;
  return (
    <details>
      <summary className={ui.small}>Erase…</summary>
      <form action={eraseForm} style={{ marginTop: 6 }}>
        <input type="hidden" name="customerId" value={customerId} />
        <label className={ui.small} style={{ display: 'block', marginBottom: 6 }}>
          <input type="checkbox" name="confirm" value="yes" required /> Delete her personal data here and at
          Klaviyo. Orders keep their amounts and lines. This cannot be undone.
        </label>
        <button type="submit" className={`${ui.button} ${ui.danger}`}>
          Erase customer
        </button>
      </form>
    </details>
  );
}

const NOTICES: Record<string, { role: 'status' | 'alert'; text: string }> = {
  done: {
    role: 'status',
    text: 'Customer erased. Her personal data is gone from the store, and Klaviyo is asked to delete her profile through the outbox.',
  },
  already: { role: 'status', text: 'That customer had already been erased.' },
  unconfirmed: { role: 'alert', text: 'Tick the box to confirm the erasure.' },
  failed: { role: 'alert', text: 'That customer could not be erased.' },
};

/** The outcome of the last erasure, from the page's `erase` search parameter. */
export function EraseNotice({ outcome }: { outcome: string | undefined }) {
  const notice = outcome ? NOTICES[outcome] : undefined;
  if (!notice) return null;
  return <Notice role={notice.role}>{notice.text}</Notice>;
}
