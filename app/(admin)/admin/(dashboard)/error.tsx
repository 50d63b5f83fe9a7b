'use client';

import { Card } from '@/components/klaviyo-admin/ui/layout';
import { ErrorState } from '@/components/klaviyo-admin/ui/states';

/** A failure while rendering an admin page: said plainly, with a retry, inside the dashboard frame. */
export default function AdminError({
  error,
  reset,
}: {
  error: Error & { digest?: string };
  reset: () => void;
}) {
  return (
    <Card>
      <ErrorState
        error={
          new Error(error.digest ? `The page failed to load (reference ${error.digest}).` : error.message)
        }
        onRetry={reset}
      />
    </Card>
  );
}
