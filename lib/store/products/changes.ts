import 'server-only';
import sql from 'sql-template-tag';
import { z } from 'zod';
import { fieldErrorOf } from '../../klaviyo-next/http/field-error';
import type { OutboxMessage } from '../../klaviyo-next/outbox/types';
import type { SqlExecutor } from '../../klaviyo-next/sql/types';
import type { CatalogProduct } from '../catalog';
import type { StoreDeps } from '../deps';
import { formInput } from '../form-input';
import { lockVariants, setStock } from '../inventory';
import { type ActionResult, asResult, StoreError } from '../result';
import { retryOnConflict } from '../retry-conflict';
import { productById, shippedProduct, shippedProductOf } from './current';
import { productMessages } from './messages';

/*
 * The merchant's catalogue changes (the admin's Products page): a variant's price, its stock (a
 * restock), and a product's published state or deletion. Each runs in one transaction that locks
 * the product's inventory rows first (the lock checkout and cancellations take, lib/store/inventory.ts),
 * writes the change, and enqueues the product's catalogue messages with the state it committed, so
 * Klaviyo's catalogue hears of every change once, in commit order, and an order is priced either
 * wholly before a price change or wholly after it.
 */

// Demo-store bounds: a price a person would type, a shelf a person would count.
const MAX_PRICE_CENTS = 10_000_000;
export const MAX_STOCK = 100_000;

const id = z.string().trim().min(1).max(120);

/** "45", "45.5" or "45.50" dollars, read as cents without floating-point rounding. */
const price = z.preprocess(
  (v) => (typeof v === 'number' ? String(v) : v),
  z
    .string()
    .trim()
    .regex(/^\d{1,7}(\.\d{1,2})?$/, 'must be an amount like 45 or 45.50')
    .transform((s) => {
      const [whole = '0', fraction = ''] = s.split('.');
      return Number(whole) * 100 + Number(fraction.padEnd(2, '0'));
    })
    .pipe(
      z
        .number()
        .min(1, 'must be at least 0.01')
        .max(MAX_PRICE_CENTS, `must be at most ${MAX_PRICE_CENTS / 100}`),
    ),
);

const onHand = z.preprocess(
  (v) => (typeof v === 'string' && v.trim() !== '' ? Number(v) : v),
  z.number().int('must be a whole number').min(0, 'must be 0 or more').max(MAX_STOCK),
);

const priceInput = z.strictObject({ variantId: id, price });
const stockInput = z.strictObject({ variantId: id, onHand });
const publishInput = z.strictObject({
  productId: id,
  published: z.preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean()),
});
const deleteInput = z.strictObject({ productId: id });

export interface ProductChanged {
  productId: string;
}

/**
 * Runs `change` on a product the store still has, under its inventory rows' locks, then enqueues the
 * messages `messagesFor` builds from what it committed; schedules delivery once it committed.
 */
async function changeProduct(
  deps: StoreDeps,
  productId: string,
  change: (tx: SqlExecutor, product: CatalogProduct, now: number) => Promise<void>,
  messagesFor: (tx: SqlExecutor, stock: Map<string, number>) => Promise<OutboxMessage[]>,
): Promise<ActionResult<ProductChanged>> {
  const shipped = shippedProduct(productId);
  if (!shipped) return { ok: false, error: { field: 'productId', message: 'No such product.' } };
  const result = await asResult(() =>
    retryOnConflict(() =>
      deps.db.transaction(async (tx) => {
        const now = deps.now();
        const stock = await lockVariants(
          tx,
          shipped.variants.map((v) => v.id),
          now,
        );
        const product = await productById(tx, productId);
        if (!product) throw new StoreError('This product was deleted.', 'productId');
        await change(tx, product, now);
        const messages = await messagesFor(tx, stock);
        await deps.outbox.enqueue(tx, messages, now);
        // Marked too: a stock flush that read the product before this change is then followed by
        // one after it, so the change is never overtaken by an older read (catalog/stock-marks.ts).
        await deps.catalog?.stockChanged(
          tx,
          shipped.variants.map((v) => ({ productId, variantId: v.id })),
        );
        return { productId, queued: messages.length };
      }),
    ),
  );
  if (!result.ok) return result;
  if (result.data.queued > 0) deps.scheduleDelivery();
  return { ok: true, data: { productId } };
}

/** The product's state as committed, as Klaviyo's catalogue should hold it. */
const currentState =
  (deps: StoreDeps, productId: string) => async (tx: SqlExecutor, stock: Map<string, number>) => {
    const product = await productById(tx, productId);
    return product ? productMessages(deps.catalog, product, stock, deps.storeUrl) : [];
  };

const noSuchVariant = { ok: false, error: { field: 'variantId', message: 'No such variant.' } } as const;

/** Sets a variant's price (`price` in dollars, as typed); checkout charges it from the next order. */
export async function changePrice(deps: StoreDeps, input: unknown): Promise<ActionResult<ProductChanged>> {
  const parsed = priceInput.safeParse(formInput(input));
  if (!parsed.success) return { ok: false, error: fieldErrorOf(parsed.error) };
  const { variantId, price: cents } = parsed.data;
  const product = shippedProductOf(variantId);
  if (!product) return noSuchVariant;
  return changeProduct(
    deps,
    product.id,
    async (tx, _product, now) => {
      await tx.query(
        sql`INSERT INTO store_variant_prices (variant_id, price_cents, updated_at) VALUES (${variantId}, ${cents}, ${now})
          ON CONFLICT (variant_id) DO UPDATE SET price_cents = excluded.price_cents, updated_at = excluded.updated_at`,
      );
    },
    currentState(deps, product.id),
  );
}

/**
 * Sets a variant's units on hand after a stock take or a delivery. Raising a sold-out variant above
 * zero is what Klaviyo's back-in-stock flow listens for: the message carries the new quantity.
 */
export async function setVariantStock(
  deps: StoreDeps,
  input: unknown,
): Promise<ActionResult<ProductChanged>> {
  const parsed = stockInput.safeParse(formInput(input));
  if (!parsed.success) return { ok: false, error: fieldErrorOf(parsed.error) };
  const { variantId, onHand: units } = parsed.data;
  const product = shippedProductOf(variantId);
  if (!product) return noSuchVariant;
  return changeProduct(
    deps,
    product.id,
    async (tx, _product, now) => {
      await setStock(tx, variantId, units, now);
    },
    (tx, stock) => currentState(deps, product.id)(tx, new Map(stock).set(variantId, units)),
  );
}

/** Publishes or unpublishes a product: an unpublished one leaves the storefront and its feeds. */
export async function setProductPublished(
  deps: StoreDeps,
  input: unknown,
): Promise<ActionResult<ProductChanged>> {
  const parsed = publishInput.safeParse(formInput(input));
  if (!parsed.success) return { ok: false, error: fieldErrorOf(parsed.error) };
  const { productId, published } = parsed.data;
  return changeProduct(
    deps,
    productId,
    async (tx, _product, now) => {
      await tx.query(
        sql`INSERT INTO store_product_states (product_id, published, deleted_at, updated_at) VALUES (${productId}, ${published ? 1 : 0}, NULL, ${now})
          ON CONFLICT (product_id) DO UPDATE SET published = excluded.published, updated_at = excluded.updated_at`,
      );
    },
    currentState(deps, productId),
  );
}

/**
 * Deletes a product: it leaves the storefront, carts holding it cannot check out, and Klaviyo's
 * catalogue drops the item and its variants. Orders that bought it keep their lines.
 */
export async function deleteProduct(deps: StoreDeps, input: unknown): Promise<ActionResult<ProductChanged>> {
  const parsed = deleteInput.safeParse(formInput(input));
  if (!parsed.success) return { ok: false, error: fieldErrorOf(parsed.error) };
  const { productId } = parsed.data;
  return changeProduct(
    deps,
    productId,
    async (tx, product, now) => {
      await tx.query(
        sql`INSERT INTO store_product_states (product_id, published, deleted_at, updated_at) VALUES (${productId}, ${product.published ? 1 : 0}, ${now}, ${now})
          ON CONFLICT (product_id) DO UPDATE SET deleted_at = excluded.deleted_at, updated_at = excluded.updated_at`,
      );
    },
    async () =>
      deps.catalog?.productDeleted(
        productId,
        (shippedProduct(productId)?.variants ?? []).map((v) => v.id),
      ) ?? [],
  );
}
