import type { InfiniteData, UseInfiniteQueryResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import type { Page } from '@/lib/klaviyo-next/browser';
import { pagesOf } from '../queries';
import ui from '../ui.module.css';
import { LoadMore } from './load-more';
import { ErrorState, SkeletonRows } from './states';

/**
 * A table over a cursor-paginated query, with its error, empty and loading states and the
 * "Load more" footer. The views differ only in columns, rows and empty text, so they pass just those.
 */
export function PagedTable<T>({
  query,
  testId,
  head,
  columns,
  row,
  empty,
  nouns: [one, many],
  exposeLoading = false,
}: {
  query: UseInfiniteQueryResult<InfiniteData<Page<T>, unknown>>;
  testId: string;
  /** The header cells. */
  head: ReactNode;
  /** How many header cells there are, so the skeleton rows line up with them. */
  columns: number;
  /** One `<tr>`, with its key. */
  row: (item: T) => ReactNode;
  /** Shown instead of the table once the query has loaded nothing. */
  empty: ReactNode;
  /** For the footer: "Showing 1 list", "Showing 2 lists". */
  nouns: [singular: string, plural: string];
  /** Adds `data-loading` to the table, for tests that wait for the first page. */
  exposeLoading?: boolean;
}) {
  const items = pagesOf(query.data);
  return (
    <>
      {query.error && !query.data ? (
        <ErrorState error={query.error} onRetry={() => query.refetch()} />
      ) : !query.isPending && items.length === 0 ? (
        empty
      ) : (
        <div className={ui.tableWrap}>
          <table
            className={ui.table}
            data-testid={testId}
            data-loading={exposeLoading ? query.isPending : undefined}
          >
            <thead>
              <tr>{head}</tr>
            </thead>
            <tbody>
              {query.isPending ? <SkeletonRows columns={columns} /> : items.map((item) => row(item))}
            </tbody>
          </table>
        </div>
      )}
      {query.data && (
        <LoadMore
          shown={items.length}
          noun={items.length === 1 ? one : many}
          hasNextPage={query.hasNextPage}
          isFetchingNextPage={query.isFetchingNextPage}
          fetchNextPage={query.fetchNextPage}
        />
      )}
    </>
  );
}
