'use client';

import { useInfiniteQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { formatDate } from '@/lib/klaviyo-next/browser';
import { segmentsQuery } from '../queries';
import { Badge, Card, PageHeader } from '../ui/layout';
import { PagedTable } from '../ui/paged-table';
import { EmptyState } from '../ui/states';
import ui from '../ui.module.css';
import { CountCell } from './count-cell';

export function SegmentsView() {
  const query = useInfiniteQuery(segmentsQuery());
  return (
    <>
      <PageHeader
        title="Segments"
        subtitle="Dynamic audiences Klaviyo keeps up to date from their definitions. Counts are cached (15 reads a minute)."
      />
      <Card flush>
        <PagedTable
          query={query}
          testId="segments-table"
          nouns={['segment', 'segments']}
          empty={
            <EmptyState icon="segments" title="No segments yet">
              Segments are defined in Klaviyo; they appear here as soon as one exists.
            </EmptyState>
          }
          columns={5}
          head={
            <>
              <th>Name</th>
              <th>Status</th>
              <th className={ui.num}>Profiles</th>
              <th>Created</th>
              <th>Updated</th>
            </>
          }
          row={(s) => (
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
          )}
        />
      </Card>
    </>
  );
}
