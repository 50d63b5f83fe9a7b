'use client';

import type { ReactNode } from 'react';
import { useFormStatus } from 'react-dom';

/** A form's submit button that says it is working while its form's action runs. */
export function SubmitButton({
  children,
  pendingLabel,
  className = 'button button--primary',
}: {
  children: ReactNode;
  pendingLabel: string;
  className?: string;
}) {
  const { pending } = useFormStatus();
  return (
    <button type="submit" className={className} disabled={pending} aria-disabled={pending}>
      {pending ? pendingLabel : children}
    </button>
  );
}
