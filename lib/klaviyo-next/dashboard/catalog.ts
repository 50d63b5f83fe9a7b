import 'server-only';
import sql from 'sql-template-tag';
import { listFailures } from '../catalog/state';
import type { GuardDecision, MerchantGuard } from '../ports';
import type { SqlExecutor } from '../sql/types';
import type { CatalogObjectKind, CatalogOverview } from './catalog-contracts';

export type CatalogDashboard =
  | { ok: true; overview: CatalogOverview }
  | Extract<GuardDecision, { ok: false }>;

/** What the Catalog page shows: the sync's state and every object Klaviyo refused. */
export async function catalogOverview(db: SqlExecutor): Promise<CatalogOverview> {
  const synced: Record<CatalogObjectKind, number> = { item: 0, variant: 0, category: 0 };
  const rows = await db.query<{ object_type: CatalogObjectKind; n: number | string }>(
    sql`SELECT object_type, COUNT(*) AS n FROM klaviyo_catalog_synced WHERE hash IS NOT NULL GROUP BY object_type`,
  );
  for (const r of rows) synced[r.object_type] = Number(r.n);
  const [waiting] = await db.query<{ n: number | string }>(
    sql`SELECT COUNT(*) AS n FROM klaviyo_outbox WHERE kind = 'catalog' AND state IN ('pending', 'retrying')`,
  );
  const [jobs] = await db.query<{ n: number | string }>(sql`SELECT COUNT(*) AS n FROM klaviyo_catalog_jobs`);
  return {
    synced,
    waiting: Number(waiting?.n ?? 0),
    openJobs: Number(jobs?.n ?? 0),
    failures: await listFailures(db),
  };
}

/**
 * The Catalog page's data behind the merchant guard: asked here, not only by the page, so nothing
 * that reaches this function without a merchant's session (another page, a stray import) reads it.
 * Without a guard it refuses everyone, as the dashboard's routes do.
 */
export async function catalogDashboard(
  db: SqlExecutor,
  guard: MerchantGuard | undefined,
): Promise<CatalogDashboard> {
  const decision: GuardDecision = guard
    ? await guard()
    : { ok: false, status: 403, message: 'The dashboard has no merchant guard configured.' };
  if (!decision.ok) return decision;
  return { ok: true, overview: await catalogOverview(db) };
}
