import ui from '../ui.module.css';

/** The footer of a cursor-paginated table: how many are shown, and a button for the next page. */
export function LoadMore({
  shown,
  noun,
  hasNextPage,
  isFetchingNextPage,
  fetchNextPage,
}: {
  shown: number;
  noun: string;
  hasNextPage: boolean;
  isFetchingNextPage: boolean;
  fetchNextPage: () => unknown;
}) {
  if (shown === 0) return null;
  return (
    <div className={ui.footer}>
      <span>
        Showing {shown} {noun}
        {hasNextPage ? '' : ' · all loaded'}
      </span>
      {hasNextPage && (
        <button
          type="button"
          className={`${ui.button} ${ui['small-button']}`}
          onClick={() => fetchNextPage()}
          disabled={isFetchingNextPage}
        >
          {isFetchingNextPage ? 'Loading…' : 'Load more'}
        </button>
      )}
    </div>
  );
}
