'use client';

import type { InfiniteData, UseInfiniteQueryResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { formatDate, type Member, type Page } from '@/lib/klaviyo-next/browser';
import { Card } from '../ui/layout';
import { PagedTable } from '../ui/paged-table';
import { EmptyState } from '../ui/states';
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
  return (
    <Card flush title={title} action={toolbar}>
      <div style={{ height: 12 }} />
      <PagedTable
        query={query}
        testId="members-table"
        exposeLoading
        nouns={['member', 'members']}
        empty={<EmptyState title="No members yet">{empty}</EmptyState>}
        columns={rowAction ? 5 : 4}
        head={
          <>
            <th>Email</th>
            <th>Name</th>
            <th>Phone</th>
            <th>Joined</th>
            {rowAction && <th className={ui.num}> </th>}
          </>
        }
        row={(m) => (
          <tr key={m.id} style={m.id.startsWith('pending-') ? { opacity: 0.6 } : undefined}>
            <td className={ui.strong}>{m.email ?? <span className={ui.muted}>no email</span>}</td>
            <td>{m.name ?? <span className={ui.muted}>—</span>}</td>
            <td className={ui.muted}>{m.phoneNumber ?? '—'}</td>
            <td className={ui.muted}>{m.id.startsWith('pending-') ? 'adding…' : formatDate(m.joinedAt)}</td>
            {rowAction && <td className={ui.num}>{rowAction(m)}</td>}
          </tr>
        )}
      />
    </Card>
  );
}
