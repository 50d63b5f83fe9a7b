import { type Cached, formatNumber, timeAgo } from '@/lib/klaviyo-next/browser';
import ui from '../ui.module.css';

/** A cached profile count: the number with its age on hover, or a placeholder while it is fetched. */
export function CountCell({ cached }: { cached: Cached<number> }) {
  if (cached.value != null)
    return (
      <span
        title={cached.fetchedAt ? `Counted ${timeAgo(cached.fetchedAt)}` : undefined}
        className={ui.strong}
      >
        {formatNumber(cached.value)}
      </span>
    );
  if (cached.error)
    return (
      <span className={ui.muted} title={cached.error}>
        unavailable
      </span>
    );
  return (
    <span className={ui.muted} title="Counting in Klaviyo">
      <span className={ui.skeleton} style={{ display: 'inline-block', width: 48 }} />
    </span>
  );
}
