'use client';

import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { type ReactNode, useState } from 'react';
import { ApiRequestError, type DashboardPaths, setDashboardPaths } from './api';

/** One client per browser tab: 30 s stale time; client errors (4xx) are not retried. */
export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 30_000,
        refetchOnWindowFocus: false,
        retry: (count, error) => !(error instanceof ApiRequestError && error.status < 500) && count < 2,
      },
    },
  });
}

/**
 * The dashboard views' data layer. `paths` says where the host mounted the dashboard's route handlers
 * (`api`, default `/api/admin`) and its sign-in page (`signIn`, default `/admin/sign-in`).
 */
export function QueryProvider({ children, paths }: { children: ReactNode; paths?: Partial<DashboardPaths> }) {
  const [client] = useState(() => {
    if (paths) setDashboardPaths(paths);
    return createQueryClient();
  });
  return <QueryClientProvider client={client}>{children}</QueryClientProvider>;
}
