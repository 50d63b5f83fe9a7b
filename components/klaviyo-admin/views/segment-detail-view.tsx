'use client';

import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { formatDate } from '@/lib/klaviyo-next/browser';
import { segmentMembersQuery, segmentQuery } from '../queries';
import { Freshness } from '../ui/freshness';
import { Badge, PageHeader, Stat } from '../ui/layout';
import { SkeletonBlock } from '../ui/states';
import ui from '../ui.module.css';
import { CountCell } from './count-cell';
import { MembersTable } from './members-table';

export function SegmentDetailView({ segmentId }: { segmentId: string }) {
  const segment = useQuery(segmentQuery(segmentId));
  const members = useInfiniteQuery(segmentMembersQuery(segmentId));
  return (
    <>
      <PageHeader
        crumbs={[{ href: '/admin/segments', label: 'Segments' }]}
        title={segment.data?.name ?? (segment.isPending ? 'Loading…' : segmentId)}
        subtitle={
          segment.error
            ? segment.error.message
            : `Segment ${segmentId} · members follow its definition in Klaviyo`
        }
      />
      <div className={ui.stats}>
        <Stat
          label="Profiles"
          value={
            segment.data ? <CountCell cached={segment.data.profileCount} /> : <SkeletonBlock height={28} />
          }
          hint={segment.data ? <Freshness cached={segment.data.profileCount} label="Counted" /> : ' '}
        />
        <Stat
          label="Status"
          value={
            segment.data?.isActive === false ? (
              <Badge tone="gray">Inactive</Badge>
            ) : (
              <Badge tone="green">Active</Badge>
            )
          }
        />
        <Stat
          label="Created"
          value={<span style={{ fontSize: 18 }}>{formatDate(segment.data?.created)}</span>}
        />
        <Stat
          label="Updated"
          value={<span style={{ fontSize: 18 }}>{formatDate(segment.data?.updated)}</span>}
        />
      </div>
      <MembersTable
        query={members}
        title="Members"
        empty="No profile matches this segment's definition right now."
      />
    </>
  );
}
