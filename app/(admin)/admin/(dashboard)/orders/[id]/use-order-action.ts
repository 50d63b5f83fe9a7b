'use client';

import { useRouter } from 'next/navigation';
import { useState, useTransition } from 'react';
import type { ActionError, ActionResult } from '@/lib/klaviyo-next/http/action-result';

/**
 * Calls one of the order actions with a plain object (lines are an array, which a FormData cannot
 * carry), keeps its refusal to show beside the form, and re-reads the page after a change.
 */
export function useOrderAction<I>(action: (input: I) => Promise<ActionResult<unknown>>) {
  const router = useRouter();
  const [error, setError] = useState<ActionError>();
  const [pending, start] = useTransition();
  const run = (input: I, onDone?: () => void) =>
    start(async () => {
      const result = await action(input);
      if (!result.ok) return setError(result.error);
      setError(undefined);
      onDone?.();
      router.refresh();
    });
  return { run, error, pending };
}
