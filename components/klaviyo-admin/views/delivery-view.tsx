'use client';

import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { Fragment, useState } from 'react';
import {
  adminKeys,
  type DeliveryState,
  formatDateTime,
  type ReplayAnswer,
  timeAgo,
} from '@/lib/klaviyo-next/browser';
import { type Action, unwrap } from '../api';
import { deliveryQuery } from '../queries';
import { Icon } from '../ui/icons';
import { Badge, Card, PageHeader, toneOf } from '../ui/layout';
import { PagedTable } from '../ui/paged-table';
import { replaceSearchParam } from '../ui/period-select';
import { EmptyState } from '../ui/states';
import ui from '../ui.module.css';
import { ItemDetail, type Pages, useOptimisticReplay } from './delivery-parts';
import { STATE_META } from './outbox-health';

type Filter = DeliveryState | 'all';
const FILTERS: Filter[] = ['all', 'dead', 'retrying', 'pending', 'delivered'];

export interface DeliveryActions {
  replayDeadLetter: Action<{ id: number }, ReplayAnswer>;
  replayAllDeadLetters: Action<Record<string, never>, ReplayAnswer>;
}

export function DeliveryView({ initialState, actions }: { initialState: Filter; actions: DeliveryActions }) {
  const [filter, setFilter] = useState<Filter>(initialState);
  const [open, setOpen] = useState<number | null>(null);
  // What the last replay left dead, and why (a newer change for the same person replaced it).
  const [skipped, setSkipped] = useState<ReplayAnswer['skipped']>([]);
  const queryClient = useQueryClient();
  const query = useInfiniteQuery(deliveryQuery(filter));
  const counts = query.data?.pages[0]?.counts;
  const optimistic = useOptimisticReplay();
  const settle = () => queryClient.invalidateQueries({ queryKey: adminKeys.deliveryAll() });
  const rollback = (context?: { snapshot: [readonly unknown[], Pages | undefined][] }) => {
    for (const [key, data] of context?.snapshot ?? []) queryClient.setQueryData(key, data);
  };

  const replayOne = useMutation({
    mutationFn: (id: number) => unwrap(actions.replayDeadLetter({ id })),
    onMutate: (id) => optimistic([id]),
    onSuccess: (answer) => setSkipped(answer.skipped),
    onError: (_e, _id, context) => rollback(context),
    onSettled: settle,
  });
  const replayAll = useMutation({
    mutationFn: () => unwrap(actions.replayAllDeadLetters({})),
    onMutate: () => optimistic('all'),
    onSuccess: (answer) => setSkipped(answer.skipped),
    onError: (_e, _v, context) => rollback(context),
    onSettled: settle,
  });
  const error = replayOne.error ?? replayAll.error;

  return (
    <>
      <PageHeader
        title="Delivery"
        subtitle="Every event, profile update and consent change on its way to Klaviyo. Dead letters are what Klaviyo refused; fix the cause, then replay."
        actions={
          <button
            type="button"
            className={`${ui.button} ${ui.primary}`}
            disabled={!counts?.dead || replayAll.isPending}
            onClick={() => replayAll.mutate()}
            data-testid="replay-all"
          >
            <Icon name="refresh" width={15} height={15} /> Replay all dead letters
            {counts?.dead ? ` (${counts.dead})` : ''}
          </button>
        }
      />
      {error && (
        <div className={ui.errorBox} style={{ marginBottom: 16 }}>
          {error.message}
        </div>
      )}
      {skipped.length > 0 && (
        <div
          className={`${ui.card} ${ui.small}`}
          style={{ marginBottom: 16, padding: '10px 12px' }}
          data-testid="replay-skipped"
        >
          <strong>Left dead, not replayed:</strong>
          <ul style={{ margin: '6px 0 0', paddingLeft: 18 }}>
            {skipped.map((s) => (
              <li key={s.id}>
                #{s.id}: {s.detail}
              </li>
            ))}
          </ul>
        </div>
      )}
      <Card flush>
        <div className={ui.toolbar}>
          <div className={ui.tabs} role="tablist" aria-label="State">
            {FILTERS.map((f) => (
              <button
                key={f}
                type="button"
                role="tab"
                aria-selected={filter === f}
                className={`${ui.tab} ${filter === f ? ui.tabActive : ''}`}
                onClick={() => {
                  setFilter(f);
                  replaceSearchParam('state', f === 'all' ? undefined : f);
                }}
              >
                {f === 'all' ? 'All' : STATE_META[f].label}
                {counts && f !== 'all' && <span className={ui.tabCount}>{counts[f]}</span>}
              </button>
            ))}
          </div>
          <span className={`${ui.muted} ${ui.small}`}>Updates live while messages are in flight</span>
        </div>
        <PagedTable
          query={query}
          testId="delivery-table"
          head={
            <>
              <th>#</th>
              <th>Message</th>
              <th>State</th>
              <th className={ui.num}>Attempts</th>
              <th>Klaviyo's error</th>
              <th>Updated</th>
              <th className={ui.num}> </th>
            </>
          }
          columns={7}
          row={(item) => (
            <Fragment key={item.id}>
              <tr data-testid={`delivery-row-${item.id}`} data-state={item.state}>
                <td className={`${ui.mono} ${ui.muted}`}>{item.id}</td>
                <td>
                  <button
                    type="button"
                    className={ui.rowLink}
                    style={{
                      background: 'none',
                      border: 0,
                      padding: 0,
                      cursor: 'pointer',
                      font: 'inherit',
                      textAlign: 'left',
                    }}
                    onClick={() => setOpen(open === item.id ? null : item.id)}
                    aria-expanded={open === item.id}
                  >
                    {item.summary}
                  </button>
                  <div className={`${ui.muted} ${ui.small}`}>{item.kind}</div>
                </td>
                <td>
                  <Badge tone={toneOf(item.state)}>{STATE_META[item.state].label}</Badge>
                </td>
                <td className={ui.num}>{item.attempts}</td>
                <td className={ui.small} style={{ maxWidth: 320 }}>
                  {item.error ? (
                    <>
                      <strong>
                        {item.error.status || '—'} {item.error.code}
                      </strong>{' '}
                      <span className={ui.muted}>{item.error.detail}</span>
                      {item.error.pointer && (
                        <div className={`${ui.mono} ${ui.muted}`}>{item.error.pointer}</div>
                      )}
                    </>
                  ) : (
                    <span className={ui.muted}>—</span>
                  )}
                </td>
                <td className={ui.muted} title={formatDateTime(item.updatedAt)}>
                  {timeAgo(item.updatedAt)}
                </td>
                <td className={ui.num}>
                  {item.state === 'dead' && (
                    <button
                      type="button"
                      className={`${ui.button} ${ui['small-button']}`}
                      onClick={() => replayOne.mutate(item.id)}
                      data-testid={`replay-${item.id}`}
                    >
                      Replay
                    </button>
                  )}
                </td>
              </tr>
              {open === item.id && (
                <tr>
                  <td colSpan={7} style={{ background: '#fbfbf9' }}>
                    <ItemDetail item={item} />
                  </td>
                </tr>
              )}
            </Fragment>
          )}
          empty={
            <EmptyState
              icon={filter === 'dead' ? 'check' : 'delivery'}
              title={filter === 'dead' ? 'No dead letters' : 'Nothing here yet'}
            >
              {filter === 'dead'
                ? 'Klaviyo has accepted everything the store sent.'
                : 'Events from the storefront and checkout appear here as soon as they are recorded.'}
            </EmptyState>
          }
          nouns={['message', 'messages']}
        />
      </Card>
    </>
  );
}
