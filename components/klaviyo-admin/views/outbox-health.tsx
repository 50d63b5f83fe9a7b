import Link from 'next/link';
import { type DeliveryState, formatNumber, type OutboxHealth, timeAgo } from '@/lib/klaviyo-next/browser';
import charts from '../charts.module.css';
import { Badge, Card } from '../ui/layout';
import { SkeletonBlock } from '../ui/states';
import ui from '../ui.module.css';

export const STATE_META: Record<DeliveryState, { label: string; color: string }> = {
  delivered: { label: 'Delivered', color: '#2f8a6a' },
  pending: { label: 'Pending', color: '#e0a23b' },
  retrying: { label: 'Retrying', color: '#4a86d8' },
  dead: { label: 'Dead-lettered', color: '#d9534a' },
};

/** The outbox at a glance: messages per state, the oldest one waiting, dead letters to look at. */
export function OutboxHealthCard({ health }: { health: OutboxHealth | undefined }) {
  const total = health ? Object.values(health.counts).reduce((a, n) => a + n, 0) : 0;
  const status = !health ? null : health.counts.dead > 0 ? (
    <Badge tone="red">Needs attention</Badge>
  ) : health.counts.retrying > 0 ? (
    <Badge tone="blue">Retrying</Badge>
  ) : (
    <Badge tone="green">Healthy</Badge>
  );
  return (
    <Card title="Outbox health" action={status} testId="outbox-health">
      {!health ? (
        <SkeletonBlock height={160} />
      ) : (
        <div className={ui.grid}>
          <div className={charts.healthBar} role="img" aria-label="Outbox messages by state">
            {(Object.keys(STATE_META) as DeliveryState[]).map((s) =>
              health.counts[s] > 0 ? (
                <span
                  key={s}
                  style={{ width: `${(health.counts[s] / total) * 100}%`, background: STATE_META[s].color }}
                />
              ) : null,
            )}
          </div>
          {total === 0 && (
            <p className={`${ui.muted} ${ui.small}`} style={{ margin: 0 }}>
              No messages yet: events appear as shoppers browse and order.
            </p>
          )}
          <dl className={ui.dl}>
            {(Object.keys(STATE_META) as DeliveryState[]).map((s) => (
              <div key={s} style={{ display: 'contents' }}>
                <dt>
                  <span
                    className={charts.swatch}
                    style={{ display: 'inline-block', background: STATE_META[s].color, marginRight: 8 }}
                  />
                  {STATE_META[s].label}
                </dt>
                <dd className={ui.strong}>{formatNumber(health.counts[s])}</dd>
              </div>
            ))}
            <dt>Oldest waiting</dt>
            <dd>
              {health.oldestPendingAt ? `queued ${timeAgo(health.oldestPendingAt)}` : 'nothing waiting'}
            </dd>
          </dl>
          <Link
            className={ui.button}
            href={health.counts.dead > 0 ? '/admin/delivery?state=dead' : '/admin/delivery'}
          >
            {health.counts.dead > 0
              ? `Review ${health.counts.dead} dead letter${health.counts.dead === 1 ? '' : 's'}`
              : 'Open delivery log'}
          </Link>
        </div>
      )}
    </Card>
  );
}
