import 'server-only';
import sql from 'sql-template-tag';
import type { SqlExecutor } from '../klaviyo-next/sql/types';
import { shippedVariant } from './catalog';

/** Creates the variant's inventory row at the catalog's stock the first time it is touched. */
async function ensureRow(tx: SqlExecutor, variantId: string, now: number): Promise<void> {
  const initial = shippedVariant(variantId)?.variant.initialStock ?? 0;
  await tx.query(
    sql`INSERT INTO store_inventory (variant_id, on_hand, updated_at) VALUES (${variantId}, ${initial}, ${now}) ON CONFLICT (variant_id) DO NOTHING`,
  );
}

/** Units on hand now. */
export async function stockOf(db: SqlExecutor, variantId: string): Promise<number> {
  const rows = await db.query<{ on_hand: number }>(
    sql`SELECT on_hand FROM store_inventory WHERE variant_id = ${variantId}`,
  );
  return rows[0]?.on_hand ?? shippedVariant(variantId)?.variant.initialStock ?? 0;
}

/**
 * Takes `quantity` units, or none when fewer are on hand. The conditional UPDATE is the check: on
 * Postgres a concurrent checkout waits on the row and re-reads `on_hand`, so two shoppers cannot
 * both buy the last unit. Returns the units left, or undefined when it took none.
 */
export async function takeStock(tx: SqlExecutor, variantId: string, quantity: number, now: number) {
  await ensureRow(tx, variantId, now);
  const rows = await tx.query<{ on_hand: number }>(
    sql`UPDATE store_inventory SET on_hand = on_hand - ${quantity}, updated_at = ${now} WHERE variant_id = ${variantId} AND on_hand >= ${quantity} RETURNING on_hand`,
  );
  return rows[0] ? Number(rows[0].on_hand) : undefined;
}

/**
 * Locks the variants' inventory rows (in the one lock order) and returns their units on hand. The
 * inventory row is the variant's lock for everything that changes what Klaviyo's catalogue holds for
 * it: checkout, a cancellation, a restock and the merchant's price, publish and delete changes all
 * take it first, so each reads the other's committed change and enqueues its message after it.
 */
export async function lockVariants(
  tx: SqlExecutor,
  variantIds: readonly string[],
  now: number,
): Promise<Map<string, number>> {
  const levels = new Map<string, number>();
  for (const { variantId } of inLockOrder(variantIds.map((variantId) => ({ variantId })))) {
    await ensureRow(tx, variantId, now);
    const [row] = await tx.query<{ on_hand: number }>(
      sql`UPDATE store_inventory SET updated_at = ${now} WHERE variant_id = ${variantId} RETURNING on_hand`,
    );
    levels.set(variantId, Number(row?.on_hand ?? 0));
  }
  return levels;
}

/** Lines in the one order every transaction locks inventory rows in: by variant id. */
const inLockOrder = <L extends { variantId: string }>(lines: readonly L[]) =>
  [...lines].sort((a, b) => (a.variantId < b.variantId ? -1 : a.variantId > b.variantId ? 1 : 0));

/**
 * Takes every line's units in one transaction, or reports the first line that is short (the caller
 * rolls back). Rows are locked in variant id order, never in the order the lines came in: two carts
 * holding the same variants in opposite orders would otherwise each hold one row and wait for the
 * other's, which Postgres ends by failing one checkout with a deadlock (40P01).
 */
export async function takeStockForLines<L extends { variantId: string; quantity: number }>(
  tx: SqlExecutor,
  lines: readonly L[],
  now: number,
): Promise<L | undefined> {
  for (const line of inLockOrder(lines)) {
    if ((await takeStock(tx, line.variantId, line.quantity, now)) === undefined) return line;
  }
  return undefined;
}

/** Puts every line's units back (a cancelled order), locking rows in the same order checkout does. */
export async function returnStockForLines(
  tx: SqlExecutor,
  lines: readonly { variantId: string; quantity: number }[],
  now: number,
): Promise<void> {
  for (const line of inLockOrder(lines)) await returnStock(tx, line.variantId, line.quantity, now);
}

/** Puts units back (a cancelled order); returns the units on hand now. */
export async function returnStock(tx: SqlExecutor, variantId: string, quantity: number, now: number) {
  await ensureRow(tx, variantId, now);
  const [row] = await tx.query<{ on_hand: number }>(
    sql`UPDATE store_inventory SET on_hand = on_hand + ${quantity}, updated_at = ${now} WHERE variant_id = ${variantId} RETURNING on_hand`,
  );
  return Number(row?.on_hand ?? 0);
}

/** Sets the count after a stock take (back office). */
export async function setStock(tx: SqlExecutor, variantId: string, onHand: number, now: number) {
  await ensureRow(tx, variantId, now);
  await tx.query(
    sql`UPDATE store_inventory SET on_hand = ${onHand}, updated_at = ${now} WHERE variant_id = ${variantId}`,
  );
}
