import type { CatalogFailure, CatalogOverview } from '@/lib/klaviyo-next/dashboard/contracts';
import { Card } from './ui/layout';
import ui from './ui.module.css';

const KIND: Record<CatalogFailure['type'], string> = {
  item: 'Product',
  variant: 'Variant',
  category: 'Category',
};

/** The sync's state: what Klaviyo holds, what waits, the jobs still running. */
export function CatalogSyncState({ overview }: { overview: CatalogOverview }) {
  return (
    <Card title="Sync" testId="catalog-sync-state">
      <dl className={ui.dl}>
        <dt>In Klaviyo's catalogue</dt>
        <dd>
          {overview.synced.item} products, {overview.synced.variant} variants, {overview.synced.category}{' '}
          categories
        </dd>
        <dt>Changes waiting</dt>
        <dd>{overview.waiting}</dd>
        <dt>Bulk jobs running</dt>
        <dd>{overview.openJobs}</dd>
      </dl>
    </Card>
  );
}

/**
 * Every catalogue object Klaviyo refused, with Klaviyo's code, detail and the pointer into the job's
 * body. A failure goes when the object next syncs; the refused change is dead on the Delivery page,
 * where it can be replayed once the cause is fixed.
 */
export function CatalogFailures({ failures }: { failures: CatalogFailure[] }) {
  return (
    <Card title="Refused by Klaviyo" flush testId="catalog-failures">
      <table className={ui.table}>
        <thead>
          <tr>
            <th>Object</th>
            <th>Change</th>
            <th>Klaviyo's error</th>
            <th>When</th>
          </tr>
        </thead>
        <tbody>
          {failures.length === 0 ? (
            <tr>
              <td colSpan={4} className={ui.muted}>
                Nothing refused: every change Klaviyo has answered for was applied.
              </td>
            </tr>
          ) : (
            failures.map((f) => (
              <tr key={`${f.type}:${f.id}`} data-testid="catalog-failure">
                <td>
                  {KIND[f.type]} <span className={ui.mono}>{f.id}</span>
                </td>
                <td>{f.action}</td>
                <td>
                  <span className={ui.strong}>{f.code}</span>: {f.detail}
                  {f.pointer && <div className={`${ui.muted} ${ui.small} ${ui.mono}`}>at {f.pointer}</div>}
                </td>
                <td className={ui.muted}>
                  {new Date(f.failedAt).toISOString().replace('T', ' ').slice(0, 19)} UTC
                </td>
              </tr>
            ))
          )}
        </tbody>
      </table>
    </Card>
  );
}
