'use client';

import type { InfiniteData, UseInfiniteQueryResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import type { Member, Page } from '@/lib/admin/contracts';
import { formatDate } from '@/lib/admin/format';
import { pagesOf } from '../queries';
import { Card } from '../ui/layout';
import { LoadMore } from '../ui/load-more';
import { EmptyState, ErrorState, SkeletonRows } from '../ui/states';
import ui from '../ui.module.css';

/** A list's or segment's members, page by page; `rowAction` adds a last column (remove). */
export function MembersTable({
  query,
  title,
  empty,
  rowAction,
  toolbar,
}: {
  query: UseInfiniteQueryResult<InfiniteData<Page<Member>, unknown>>;
  title: string;
  empty: ReactNode;
  rowAction?: (member: Member) => ReactNode;
  toolbar?: ReactNode;
}) {
  const members = pagesOf(query.data);
  const columns = rowAction ? 5 : 4;
  return (
    <Card flush title={title} action={toolbar}>
      <div style={{ height: 12 }} />
      {query.error && !query.data ? (
        <ErrorState error={query.error} onRetry={() => query.refetch()} />
      ) : !query.isPending && members.length === 0 ? (
        <EmptyState title="No members yet">{empty}</EmptyState>
      ) : (
        <div className={ui.tableWrap}>
          <table className={ui.table} data-testid="members-table" data-loading={query.isPending}>
            <thead>
              <tr>
                <th>Email</th>
                <th>Name</th>
                <th>Phone</th>
                <th>Joined</th>
                {rowAction && <th className={ui.num}> </th>}
              </tr>
            </thead>
            <tbody>
              {query.isPending ? (
                <SkeletonRows columns={columns} />
              ) : (
                members.map((m) => (
                  <tr key={m.id} style={m.id.startsWith('pending-') ? { opacity: 0.6 } : undefined}>
                    <td className={ui.strong}>{m.email ?? <span className={ui.muted}>no email</span>}</td>
                    <td>{m.name ?? <span className={ui.muted}>—</span>}</td>
                    <td className={ui.muted}>{m.phoneNumber ?? '—'}</td>
                    <td className={ui.muted}>
                      {m.id.startsWith('pending-') ? 'adding…' : formatDate(m.joinedAt)}
                    </td>
                    {rowAction && <td className={ui.num}>{rowAction(m)}</td>}
                  </tr>
                ))
              )}
            </tbody>
          </table>
        </div>
      )}
      {query.data && (
        <LoadMore
          shown={members.length}
          noun={members.length === 1 ? 'member' : 'members'}
          hasNextPage={query.hasNextPage}
          isFetchingNextPage={query.isFetchingNextPage}
          fetchNextPage={query.fetchNextPage}
        />
      )}
    </Card>
  );
}
