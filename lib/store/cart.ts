import 'server-only';
import { randomUUID } from 'node:crypto';
import sql from 'sql-template-tag';
import { z } from 'zod';
import { fieldErrorOf } from '../klaviyo-next/http/field-error';
import type { SqlExecutor } from '../klaviyo-next/sql/types';
import type { StoreDeps } from './deps';
import { stockOf } from './inventory';
import { sellableVariant } from './products/current';
import { type ActionResult, asResult, StoreError } from './result';

/** A cart as stored: quantities only. Prices are read from the catalog whenever they are needed. */
export interface Cart {
  id: string;
  revision: number;
  currency: string;
  status: 'open' | 'ordered';
  orderId?: string;
  lines: { variantId: string; quantity: number }[];
}

/** What a cart change returns: the revision the Added to Cart event is keyed on. */
export interface CartChange {
  cartId: string;
  revision: number;
}

// Demo-store limits: enough for real baskets, small enough that a scripted client cannot bloat a row.
export const MAX_LINE_QUANTITY = 10;
export const MAX_CART_LINES = 20;

const lineRef = { cartId: z.uuid(), variantId: z.string().min(1).max(120) };
const quantity = z.number().int().max(MAX_LINE_QUANTITY);
const addInput = z.strictObject({ ...lineRef, quantity: quantity.min(1).default(1) });
const updateInput = z.strictObject({ ...lineRef, quantity: quantity.min(0) });
const removeInput = z.strictObject(lineRef);

type CartRow = {
  id: string;
  revision: number;
  currency: string;
  status: Cart['status'];
  order_id: string | null;
};

export async function loadCart(q: SqlExecutor, id: string): Promise<Cart | undefined> {
  const [row] = await q.query<CartRow>(sql`SELECT * FROM store_carts WHERE id = ${id}`);
  if (!row) return undefined;
  const lines = await q.query<{ variant_id: string; quantity: number }>(
    sql`SELECT variant_id, quantity FROM store_cart_lines WHERE cart_id = ${id} ORDER BY added_at, variant_id`,
  );
  return {
    id: row.id,
    revision: row.revision,
    currency: row.currency,
    status: row.status,
    ...(row.order_id ? { orderId: row.order_id } : {}),
    lines: lines.map((l) => ({ variantId: l.variant_id, quantity: l.quantity })),
  };
}

export async function createCart(deps: Pick<StoreDeps, 'db' | 'now'>, currency = 'USD'): Promise<Cart> {
  const id = randomUUID();
  const now = deps.now();
  await deps.db.query(
    sql`INSERT INTO store_carts (id, revision, currency, status, created_at, updated_at) VALUES (${id}, 0, ${currency}, ${'open'}, ${now}, ${now})`,
  );
  return { id, revision: 0, currency, status: 'open', lines: [] };
}

/**
 * Sets a line's quantity (0 removes it) as one numbered change. The revision bump comes first: it
 * locks the cart row, so concurrent changes get consecutive revisions, each its own Added to Cart.
 */
async function changeLine(
  deps: Pick<StoreDeps, 'db' | 'now'>,
  parsed: z.ZodSafeParseResult<{ cartId: string; variantId: string }>,
  quantityFor: (current: number) => number,
): Promise<ActionResult<CartChange>> {
  if (!parsed.success) return { ok: false, error: fieldErrorOf(parsed.error) };
  const { cartId: id, variantId } = parsed.data;
  if (!(await sellableVariant(deps.db, variantId)))
    return { ok: false, error: { field: 'variantId', message: 'No such product.' } };
  return asResult(() =>
    deps.db.transaction(async (tx) => {
      const now = deps.now();
      const [bumped] = await tx.query<{ revision: number }>(
        sql`UPDATE store_carts SET revision = revision + 1, updated_at = ${now} WHERE id = ${id} AND status = 'open' RETURNING revision`,
      );
      if (!bumped) throw new StoreError('This cart is not open any more; start a new one.', 'cartId');
      const cart = (await loadCart(tx, id)) as Cart;
      const current = cart.lines.find((l) => l.variantId === variantId)?.quantity ?? 0;
      const next = quantityFor(current);
      if (next > MAX_LINE_QUANTITY)
        throw new StoreError(`At most ${MAX_LINE_QUANTITY} of one item.`, 'quantity');
      if (current === 0 && next > 0 && cart.lines.length >= MAX_CART_LINES) {
        throw new StoreError(`A cart holds at most ${MAX_CART_LINES} different items.`, 'variantId');
      }
      const onHand = await stockOf(tx, variantId);
      if (next > current && next > onHand) {
        throw new StoreError(onHand === 0 ? 'Sold out.' : `Only ${onHand} left.`, 'quantity');
      }
      if (next === 0) {
        await tx.query(sql`DELETE FROM store_cart_lines WHERE cart_id = ${id} AND variant_id = ${variantId}`);
      } else {
        await tx.query(sql`INSERT INTO store_cart_lines (cart_id, variant_id, quantity, added_at) VALUES (${id}, ${variantId}, ${next}, ${now})
           ON CONFLICT (cart_id, variant_id) DO UPDATE SET quantity = excluded.quantity`);
      }
      const kind = next > current ? 'add' : next === 0 ? 'remove' : 'update';
      await tx.query(
        sql`INSERT INTO store_cart_changes (cart_id, revision, kind, variant_id, quantity, at) VALUES (${id}, ${bumped.revision}, ${kind}, ${variantId}, ${kind === 'add' ? next - current : next}, ${now})`,
      );
      return { cartId: id, revision: bumped.revision };
    }),
  );
}

/** Adds `quantity` (default 1) of a variant. */
export function addToCart(deps: Pick<StoreDeps, 'db' | 'now'>, input: unknown) {
  const parsed = addInput.safeParse(input);
  return changeLine(deps, parsed, (current) => current + (parsed.data?.quantity ?? 0));
}

/** Sets a line to `quantity`; 0 removes it. */
export function updateCartLine(deps: Pick<StoreDeps, 'db' | 'now'>, input: unknown) {
  const parsed = updateInput.safeParse(input);
  return changeLine(deps, parsed, () => parsed.data?.quantity ?? 0);
}

/** Removes a line. */
export const removeFromCart = (deps: Pick<StoreDeps, 'db' | 'now'>, input: unknown) =>
  changeLine(deps, removeInput.safeParse(input), () => 0);
