'use client';

import { useEffect, useState } from 'react';
import { type Cached, timeAgo, timeUntil } from '@/lib/klaviyo-next/browser';
import ui from '../ui.module.css';

/** Re-renders every 30 s so "updated N minutes ago" stays true while the page is open. */
function useNow(everyMs = 30_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}

/** How fresh a cached Klaviyo value is: "Updated 4 minutes ago", "Refreshing…", or when it may next be read. */
export function Freshness({
  cached,
  label = 'Updated',
}: {
  cached: Cached<unknown> | undefined;
  label?: string;
}) {
  const now = useNow();
  if (!cached) return null;
  let text: string;
  if (cached.refreshing && cached.fetchedAt == null) text = 'Fetching from Klaviyo…';
  else if (cached.fetchedAt != null)
    text = `${label} ${timeAgo(cached.fetchedAt, now)}${cached.refreshing ? ' · refreshing…' : ''}`;
  else if (cached.nextRefreshAt)
    text = `Queued: Klaviyo's rate limit allows the next read ${timeUntil(cached.nextRefreshAt, now)}`;
  else text = 'Not fetched yet';
  return (
    <span className={ui.freshness} data-testid="freshness" title={cached.error ?? undefined}>
      {cached.refreshing && <span className={ui.spinner} aria-hidden="true" />}
      {text}
      {cached.error && <span style={{ color: 'var(--admin-danger)' }}> · last try failed</span>}
    </span>
  );
}
