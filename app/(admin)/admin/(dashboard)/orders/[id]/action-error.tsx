import ui from '@/components/klaviyo-admin/ui.module.css';
import type { ActionError } from '@/lib/klaviyo-next/http/action-result';

/** A refused change, in the words of the action (it names the field). */
export function ActionErrorText({ error, testId }: { error?: ActionError; testId: string }) {
  if (!error) return null;
  return (
    <div className={ui.fieldError} role="alert" data-testid={testId} data-field={error.field}>
      {error.message}
    </div>
  );
}
