import 'server-only';
import { randomUUID } from 'node:crypto';
import sql, { join } from 'sql-template-tag';
import type { Log } from '../log';
import type { OutboxStore } from '../outbox/store';
import type { SqlExecutor } from '../sql/types';
import type { CatalogMessages } from './messages';
import type { CatalogSource } from './types';

/**
 * Stock changes reach Klaviyo's catalogue as the product's state, not one message per sale.
 *
 * A checkout or a cancellation only marks the variants it touched (one statement in the order's
 * transaction); delivery later reads each marked product's current state from the host's
 * CatalogSource and enqueues one catalog change for it. A sale of a thousand units of one product in
 * a minute thus sends its stock once or twice, not a thousand times in a row (a product's catalog
 * changes go one after another, each a bulk job to wait for), and checkout adds one small write
 * instead of a snapshot of every product it touched.
 *
 * Nothing is lost between the two steps, and the newest state wins:
 * - A mark carries a version that every new mark of the variant raises, and a flush removes only the
 *   version it read before reading the product. A sale committed after that read leaves its mark for
 *   the next flush, which reads the newer stock. The flush still sends what it read (newer than what
 *   Klaviyo has), so a product selling without pause is sent at every flush.
 * - One flush runs at a time across every process (a lease row): two overlapping flushes could
 *   enqueue an older read after a newer one, and the deliverer takes the later enqueued as newest.
 * - A host that also enqueues a product's change directly (the merchant's price edit) marks the
 *   product in the same transaction, so a flush that read before that edit is followed by one after.
 */

/** A variant whose stock changed in this transaction, and its product. */
export interface StockMark {
  productId: string;
  variantId: string;
}

/**
 * Marks the variants in the caller's transaction. Rows are written in variant id order, so two
 * checkouts marking the same variants lock them in one order (as inventory rows are locked) and
 * never wait on each other in a cycle; a variant's mark is locked only by sales of that variant,
 * which its inventory row already serialises.
 */
export async function markStock(tx: SqlExecutor, marks: readonly StockMark[], now: number): Promise<void> {
  const byVariant = new Map(marks.map((m) => [m.variantId, m.productId]));
  if (byVariant.size === 0) return;
  const rows = [...byVariant].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  await tx.query(
    sql`INSERT INTO klaviyo_catalog_stock_marks (variant_id, product_id, version, marked_at)
      VALUES ${join(rows.map(([variantId, productId]) => sql`(${variantId}, ${productId}, 1, ${now})`))}
      ON CONFLICT (variant_id) DO UPDATE SET version = klaviyo_catalog_stock_marks.version + 1`,
  );
}

export interface FlushDeps {
  outbox: OutboxStore;
  source: CatalogSource;
  messages: CatalogMessages;
  now: () => number;
  log: Log;
}

/** Marks flushed at a time: a page of products read from the host, one transaction to enqueue. */
const FLUSH_PAGE = 100;

interface MarkRow {
  variant_id: string;
  product_id: string;
  version: number | string;
}

/** How long a flush may hold the lease before another process may take it over. */
const LEASE_MS = 30_000;

/** Takes the flush lease for `owner` until `now + LEASE_MS`, or answers false while another holds it. */
async function takeLease(db: SqlExecutor, owner: string, now: number): Promise<boolean> {
  const rows = await db.query(
    sql`UPDATE klaviyo_catalog_flush_lease SET owner = ${owner}, until_ms = ${now + LEASE_MS}
      WHERE id = 1 AND (until_ms < ${now} OR owner = ${owner}) RETURNING id`,
  );
  return rows.length > 0;
}

const releaseLease = (db: SqlExecutor, owner: string) =>
  db.query(
    sql`UPDATE klaviyo_catalog_flush_lease SET owner = NULL, until_ms = 0 WHERE id = 1 AND owner = ${owner}`,
  );

/**
 * Turns the oldest marks into catalog changes, under the flush lease (answers 0 at once while another
 * process flushes): reads the marked products' current state from the host (outside any transaction:
 * the host's own reads), then in one transaction enqueues one change per product and removes the
 * marks still at the version read. Answers how many products were enqueued.
 */
export async function flushStockMarks(deps: FlushDeps, limit = FLUSH_PAGE): Promise<number> {
  const db = deps.outbox.db;
  // Most rounds find nothing marked: one indexed read, no lease.
  const waiting = await db.query(sql`SELECT 1 FROM klaviyo_catalog_stock_marks LIMIT 1`);
  if (waiting.length === 0) return 0;
  const owner = randomUUID();
  // The lease on the outbox's clock (the database's on Postgres), like the outbox's own leases.
  if (!(await takeLease(db, owner, await deps.outbox.now()))) return 0;
  try {
    return await flushPage(deps, limit);
  } finally {
    await releaseLease(db, owner);
  }
}

async function flushPage(deps: FlushDeps, limit: number): Promise<number> {
  const db = deps.outbox.db;
  const marks = await db.query<MarkRow>(
    sql`SELECT variant_id, product_id, version FROM klaviyo_catalog_stock_marks ORDER BY marked_at, variant_id LIMIT ${limit}`,
  );
  if (marks.length === 0) return 0;
  const productIds = [...new Set(marks.map((m) => m.product_id))];
  const products = new Map(
    await Promise.all(productIds.map(async (id) => [id, await deps.source.product(id)] as const)),
  );
  return db.transaction(async (tx) => {
    await tx.query(
      sql`DELETE FROM klaviyo_catalog_stock_marks WHERE ${join(
        marks.map((m) => sql`(variant_id = ${m.variant_id} AND version = ${Number(m.version)})`),
        ' OR ',
      )}`,
    );
    const messages = productIds.flatMap((id) => {
      const product = products.get(id);
      // A product the host no longer has: its deletion went through the host's own change.
      if (!product) return [];
      try {
        return deps.messages.productChanged(product);
      } catch (error) {
        // A product the sync cannot send (CatalogInputError names the field) waits for the merchant's
        // next change of it, which the admin's action refuses until it is fixed; a sale never fails
        // over the catalogue, and one bad product never holds back the others' stock.
        deps.log('catalog.stock_skipped', { productId: id, error: String(error) });
        return [];
      }
    });
    await deps.outbox.enqueue(tx, messages, deps.now());
    return messages.length;
  });
}
