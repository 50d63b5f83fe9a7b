'use client';

import { type InfiniteData, useQueryClient } from '@tanstack/react-query';
import { adminKeys, type DeliveryItem, type DeliveryPage, formatDateTime } from '@/lib/klaviyo-next/browser';
import ui from '../ui.module.css';

export type Pages = InfiniteData<DeliveryPage, unknown>;

/** One message opened: its payload, attempts, times, and Klaviyo's error with its pointer. */
export function ItemDetail({ item }: { item: DeliveryItem }) {
  return (
    <div className={ui.halves} style={{ margin: 0, padding: '4px 0 8px' }}>
      <div>
        <div className={`${ui.muted} ${ui.small}`} style={{ marginBottom: 6 }}>
          Payload ({item.kind}, key <span className={ui.mono}>{item.key}</span>)
        </div>
        <pre className={ui.pre}>{JSON.stringify(item.payload, null, 2)}</pre>
      </div>
      <dl className={ui.dl} style={{ alignContent: 'start' }}>
        <dt>Attempts</dt>
        <dd>{item.attempts}</dd>
        <dt>Queued</dt>
        <dd>{formatDateTime(item.createdAt)}</dd>
        <dt>{item.state === 'delivered' ? 'Delivered' : 'Next attempt'}</dt>
        <dd>
          {formatDateTime(
            item.state === 'delivered' ? item.deliveredAt : item.state === 'dead' ? null : item.availableAt,
          )}
        </dd>
        {item.error && (
          <>
            <dt>Klaviyo said</dt>
            <dd>
              <strong>
                {item.error.status || 'no answer'} {item.error.code}
              </strong>
              <div>{item.error.detail}</div>
            </dd>
            <dt>Pointer</dt>
            <dd className={ui.mono}>{item.error.pointer ?? '—'}</dd>
          </>
        )}
      </dl>
    </div>
  );
}

/** Marks replayed rows pending in every cached delivery page, so the table moves at once. */
export function useOptimisticReplay() {
  const queryClient = useQueryClient();
  return async (ids: number[] | 'all') => {
    await queryClient.cancelQueries({ queryKey: adminKeys.deliveryAll() });
    const snapshot = queryClient.getQueriesData<Pages>({ queryKey: adminKeys.deliveryAll() });
    queryClient.setQueriesData<Pages>(
      { queryKey: adminKeys.deliveryAll() },
      (old) =>
        old && {
          ...old,
          pages: old.pages.map((p) => ({
            ...p,
            items: p.items.map((i) =>
              i.state === 'dead' && (ids === 'all' || ids.includes(i.id))
                ? { ...i, state: 'pending' as const }
                : i,
            ),
          })),
        },
    );
    return { snapshot };
  };
}
