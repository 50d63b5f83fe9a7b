'use client';

import {
  type InfiniteData,
  useInfiniteQuery,
  useMutation,
  useQuery,
  useQueryClient,
} from '@tanstack/react-query';
import { useState } from 'react';
import { adminKeys, formatDate, humanize, type Member, type Page } from '@/lib/klaviyo-next/browser';
import { type Action, unwrap } from '../api';
import { listMembersQuery, listQuery } from '../queries';
import { Freshness } from '../ui/freshness';
import { Icon } from '../ui/icons';
import { PageHeader, Stat } from '../ui/layout';
import { SkeletonBlock } from '../ui/states';
import ui from '../ui.module.css';
import { CountCell } from './count-cell';
import { MembersTable } from './members-table';

type Pages = InfiniteData<Page<Member>, unknown>;

export interface ListActions {
  addListMember: Action<{ listId: string; email: string }, Member>;
  removeListMember: Action<{ listId: string; profileId: string }, { removed: number }>;
}

/** Optimistic edits of the cached member pages, with the previous pages kept for a rollback. */
function useMemberEdits(listId: string) {
  const queryClient = useQueryClient();
  const key = adminKeys.listMembers(listId);
  return {
    async apply(edit: (items: Member[], pageIndex: number) => Member[]) {
      await queryClient.cancelQueries({ queryKey: key });
      const previous = queryClient.getQueryData<Pages>(key);
      queryClient.setQueryData<Pages>(key, (old) =>
        old ? { ...old, pages: old.pages.map((p, i) => ({ ...p, items: edit(p.items, i) })) } : old,
      );
      return { previous };
    },
    rollback: (previous: Pages | undefined) => queryClient.setQueryData(key, previous),
    settle: () => queryClient.invalidateQueries({ queryKey: adminKeys.list(listId) }),
  };
}

export function ListDetailView({ listId, actions }: { listId: string; actions: ListActions }) {
  const list = useQuery(listQuery(listId));
  const members = useInfiniteQuery(listMembersQuery(listId));
  const edits = useMemberEdits(listId);
  const [email, setEmail] = useState('');

  const add = useMutation({
    mutationFn: (input: { email: string }) => unwrap(actions.addListMember({ listId, email: input.email })),
    onMutate: async ({ email: added }) => {
      setEmail('');
      const pending: Member = {
        id: `pending-${added}`,
        email: added,
        name: null,
        phoneNumber: null,
        joinedAt: null,
      };
      return edits.apply((items, i) =>
        i === 0 ? [pending, ...items.filter((m) => m.email !== added)] : items,
      );
    },
    onError: (_e, input, context) => {
      edits.rollback(context?.previous);
      setEmail(input.email);
    },
    onSettled: edits.settle,
  });

  const remove = useMutation({
    mutationFn: (member: Member) => unwrap(actions.removeListMember({ listId, profileId: member.id })),
    onMutate: (member) => edits.apply((items) => items.filter((m) => m.id !== member.id)),
    onError: (_e, _m, context) => edits.rollback(context?.previous),
    onSettled: edits.settle,
  });

  const name = list.data?.name ?? (list.isPending ? 'Loading…' : listId);
  return (
    <>
      <PageHeader
        crumbs={[{ href: '/admin/lists', label: 'Lists' }]}
        title={name}
        subtitle={list.error ? list.error.message : `List ${listId}`}
      />
      <div className={ui.stats}>
        <Stat
          testId="stat-profiles"
          label="Profiles"
          value={list.data ? <CountCell cached={list.data.profileCount} /> : <SkeletonBlock height={28} />}
          hint={list.data ? <Freshness cached={list.data.profileCount} label="Counted" /> : ' '}
        />
        <Stat
          label="Opt-in process"
          value={
            <span style={{ fontSize: 18 }}>
              {list.data?.optInProcess ? humanize(list.data.optInProcess) : 'Account default'}
            </span>
          }
        />
        <Stat
          label="Created"
          value={<span style={{ fontSize: 18 }}>{formatDate(list.data?.created)}</span>}
        />
        <Stat
          label="Updated"
          value={<span style={{ fontSize: 18 }}>{formatDate(list.data?.updated)}</span>}
        />
      </div>
      <MembersTable
        query={members}
        title="Members"
        empty="Add a profile by email; Klaviyo creates the profile if it does not exist yet. Joining a list does not subscribe anyone."
        toolbar={
          <form
            className={ui.form}
            onSubmit={(e) => {
              e.preventDefault();
              add.mutate({ email: email.trim() });
            }}
          >
            <div>
              <input
                className={ui.input}
                type="email"
                name="email"
                placeholder="shopper@example.com"
                aria-label="Email of the profile to add"
                value={email}
                onChange={(e) => setEmail(e.target.value)}
                style={{ width: 240 }}
              />
              {(add.error || remove.error) && (
                <div className={ui.fieldError}>{(add.error ?? remove.error)?.message}</div>
              )}
            </div>
            <button
              type="submit"
              className={`${ui.button} ${ui.primary}`}
              disabled={!email.trim() || add.isPending}
            >
              <Icon name="plus" width={15} height={15} /> Add member
            </button>
          </form>
        }
        rowAction={(m) =>
          m.id.startsWith('pending-') ? null : (
            <button
              type="button"
              className={`${ui.button} ${ui['small-button']} ${ui.danger}`}
              onClick={() => remove.mutate(m)}
              aria-label={`Remove ${m.email ?? m.id}`}
            >
              Remove
            </button>
          )
        }
      />
    </>
  );
}
