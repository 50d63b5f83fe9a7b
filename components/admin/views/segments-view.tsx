'use client';

import { useInfiniteQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { formatDate } from '@/lib/admin/format';
import { pagesOf, segmentsQuery } from '../queries';
import { Badge, Card, PageHeader } from '../ui/layout';
import { LoadMore } from '../ui/load-more';
import { EmptyState, ErrorState, SkeletonRows } from '../ui/states';
import ui from '../ui.module.css';
import { CountCell } from './count-cell';

export function SegmentsView() {
  const query = useInfiniteQuery(segmentsQuery());
  const segments = pagesOf(query.data);
  return (
    <>
      <PageHeader
        title="Segments"
        subtitle="Dynamic audiences Klaviyo keeps up to date from their definitions. Counts are cached (15 reads a minute)."
      />
      <Card flush>
        {query.error && !query.data ? (
          <ErrorState error={query.error} onRetry={() => query.refetch()} />
        ) : !query.isPending && segments.length === 0 ? (
          <EmptyState icon="segments" title="No segments yet">
            Segments are defined in Klaviyo; they appear here as soon as one exists.
          </EmptyState>
        ) : (
          <div className={ui.tableWrap}>
            <table className={ui.table} data-testid="segments-table">
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Status</th>
                  <th className={ui.num}>Profiles</th>
                  <th>Created</th>
                  <th>Updated</th>
                </tr>
              </thead>
              <tbody>
                {query.isPending ? (
                  <SkeletonRows columns={5} />
                ) : (
                  segments.map((s) => (
                    <tr key={s.id}>
                      <td>
                        <Link className={ui.rowLink} href={`/admin/segments/${s.id}`}>
                          {s.isStarred ? '★ ' : ''}
                          {s.name}
                        </Link>
                        <div className={`${ui.muted} ${ui.mono}`}>{s.id}</div>
                      </td>
                      <td>
                        {s.isActive === false ? (
                          <Badge tone="gray">Inactive</Badge>
                        ) : (
                          <Badge tone="green">Active</Badge>
                        )}
                      </td>
                      <td className={ui.num}>
                        <CountCell cached={s.profileCount} />
                      </td>
                      <td className={ui.muted}>{formatDate(s.created)}</td>
                      <td className={ui.muted}>{formatDate(s.updated)}</td>
                    </tr>
                  ))
                )}
              </tbody>
            </table>
          </div>
        )}
        {query.data && (
          <LoadMore
            shown={segments.length}
            noun={segments.length === 1 ? 'segment' : 'segments'}
            hasNextPage={query.hasNextPage}
            isFetchingNextPage={query.isFetchingNextPage}
            fetchNextPage={query.fetchNextPage}
          />
        )}
      </Card>
    </>
  );
}
