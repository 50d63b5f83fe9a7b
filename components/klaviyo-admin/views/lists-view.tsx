'use client';

import { type InfiniteData, useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useState } from 'react';
import {
  adminKeys,
  formatDate,
  formatNumber,
  humanize,
  type ListSummary,
  type Page,
} from '@/lib/klaviyo-next/browser';
import { type Action, unwrap } from '../api';
import { listsQuery, pagesOf } from '../queries';
import { Freshness } from '../ui/freshness';
import { Icon } from '../ui/icons';
import { Card, PageHeader } from '../ui/layout';
import { PagedTable } from '../ui/paged-table';
import { EmptyState } from '../ui/states';
import ui from '../ui.module.css';
import { CountCell } from './count-cell';

type Pages = InfiniteData<Page<ListSummary>, unknown>;

function CreateListForm({ createList }: { createList: Action<{ name: string }, ListSummary> }) {
  const [name, setName] = useState('');
  const queryClient = useQueryClient();
  const key = adminKeys.listPages();
  const create = useMutation({
    mutationFn: (input: { name: string }) => unwrap(createList(input)),
    // Optimistic: the new list shows at the top at once, and is rolled back if Klaviyo refuses it.
    onMutate: async ({ name: listName }) => {
      await queryClient.cancelQueries({ queryKey: key });
      const previous = queryClient.getQueryData<Pages>(key);
      const optimistic: ListSummary = {
        id: `pending-${Date.now()}`,
        name: listName,
        created: new Date().toISOString(),
        updated: null,
        optInProcess: null,
        profileCount: { value: 0, fetchedAt: Date.now(), refreshing: false, error: null },
      };
      queryClient.setQueryData<Pages>(key, (old) =>
        old
          ? {
              ...old,
              pages: old.pages.map((p, i) => (i === 0 ? { ...p, items: [optimistic, ...p.items] } : p)),
            }
          : old,
      );
      setName('');
      return { previous };
    },
    onError: (_error, input, context) => {
      queryClient.setQueryData(key, context?.previous);
      setName(input.name);
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: adminKeys.lists() }),
  });
  return (
    <form
      className={ui.form}
      onSubmit={(e) => {
        e.preventDefault();
        create.mutate({ name });
      }}
    >
      <div>
        <input
          className={ui.input}
          name="name"
          placeholder="New list name"
          aria-label="New list name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          maxLength={100}
          style={{ width: 240 }}
        />
        {create.error && <div className={ui.fieldError}>{create.error.message}</div>}
      </div>
      <button
        type="submit"
        className={`${ui.button} ${ui.primary}`}
        disabled={!name.trim() || create.isPending}
      >
        <Icon name="plus" width={15} height={15} /> Create list
      </button>
    </form>
  );
}

export function ListsView({ createList }: { createList: Action<{ name: string }, ListSummary> }) {
  const query = useInfiniteQuery(listsQuery());
  const lists = pagesOf(query.data);
  return (
    <>
      <PageHeader
        title="Lists"
        subtitle="Static audiences in Klaviyo. Profile counts are cached: Klaviyo allows 15 count reads a minute."
        actions={<CreateListForm createList={createList} />}
      />
      <Card flush>
        <PagedTable
          query={query}
          testId="lists-table"
          nouns={['list', 'lists']}
          empty={
            <EmptyState icon="lists" title="No lists yet">
              Create a list to collect newsletter sign-ups or a VIP audience.
            </EmptyState>
          }
          columns={5}
          head={
            <>
              <th>Name</th>
              <th className={ui.num}>Profiles</th>
              <th>Opt-in</th>
              <th>Created</th>
              <th>Updated</th>
            </>
          }
          row={(list) => (
            <tr key={list.id} style={list.id.startsWith('pending-') ? { opacity: 0.6 } : undefined}>
              <td>
                {list.id.startsWith('pending-') ? (
                  <span className={ui.strong}>{list.name}</span>
                ) : (
                  <Link className={ui.rowLink} href={`/admin/lists/${list.id}`}>
                    {list.name}
                  </Link>
                )}
                <div className={`${ui.muted} ${ui.mono}`}>
                  {list.id.startsWith('pending-') ? 'creating…' : list.id}
                </div>
              </td>
              <td className={ui.num}>
                <CountCell cached={list.profileCount} />
              </td>
              <td className={ui.muted}>
                {list.optInProcess ? humanize(list.optInProcess) : 'Account default'}
              </td>
              <td className={ui.muted}>{formatDate(list.created)}</td>
              <td className={ui.muted}>{formatDate(list.updated)}</td>
            </tr>
          )}
        />
      </Card>
      {lists[0] && (
        <p className={`${ui.muted} ${ui.small}`} style={{ marginTop: 12 }}>
          Counts <Freshness cached={lists[0].profileCount} label="updated" /> · {formatNumber(lists.length)}{' '}
          shown
        </p>
      )}
    </>
  );
}
