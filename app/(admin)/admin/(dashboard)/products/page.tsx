import type { Metadata } from 'next';
import { Card, PageHeader } from '@/components/klaviyo-admin/ui/layout';
import ui from '@/components/klaviyo-admin/ui.module.css';
import { app } from '@/lib/app';
import { requireMerchantPage } from '@/lib/auth';
import { stockForProducts } from '@/lib/store/availability';
import { MAX_STOCK } from '@/lib/store/products/changes';
import { allProducts } from '@/lib/store/products/current';
import { Notice } from '../notice';
import { changePriceAction, deleteProductAction, setPublishedAction, setStockAction } from './actions';

export const metadata: Metadata = { title: 'Products' };

/**
 * The forms' actions. They answer refusals (no merchant session) by value like every admin action
 * and otherwise redirect back here; a `<form action>` ignores that value, hence the type.
 */
type FormAction = (form: FormData) => Promise<void>;
const asForm = (action: (input: unknown) => Promise<unknown>) => action as unknown as FormAction;

/** What a refused change was wrong about, by the field the store named. */
const REFUSALS: Record<string, string> = {
  price: 'A price is an amount like 45 or 45.50, at least 0.01.',
  onHand: `Stock is a whole number from 0 to ${MAX_STOCK.toLocaleString('en-US')}.`,
  variantId: 'No such variant.',
  productId: 'That product is no longer in the catalogue.',
  published: 'Publish or unpublish, nothing else.',
};

const centsToInput = (cents: number) => (cents / 100).toFixed(2);

/** A field and its button on one line, right-aligned under the column's number heading. */
const INLINE_FORM = { display: 'flex', gap: 8, justifyContent: 'flex-end', alignItems: 'center' } as const;

/**
 * The store's catalogue: each product's variants with their price and stock, which the merchant can
 * change, and the product's published state and deletion. Every change reaches Klaviyo's catalogue
 * through the outbox; a restock of a sold-out variant is what back-in-stock notifications wait for.
 */
export default async function ProductsPage({
  searchParams,
}: {
  searchParams: Promise<{ done?: string; error?: string }>;
}) {
  await requireMerchantPage('/admin/products');
  const { done, error } = await searchParams;
  const products = await allProducts(app.store.db);
  const stock = await stockForProducts(app.store.db, products);
  const changed = products.find((p) => p.id === done);
  return (
    <>
      <PageHeader
        title="Products"
        subtitle="Prices, stock and what the storefront shows. Every change is sent to Klaviyo's catalogue."
      />
      {done ? (
        <Notice role="status">
          {changed ? `${changed.title} saved` : 'Product deleted'}; Klaviyo's catalogue is updated through the
          outbox.
        </Notice>
      ) : null}
      {error ? <Notice role="alert">{REFUSALS[error] ?? 'That change could not be made.'}</Notice> : null}
      <Card flush testId="products-table">
        <div className={ui.tableWrap}>
          <table className={ui.table}>
            <thead>
              <tr>
                <th>Product</th>
                <th>Variant</th>
                <th className={ui.num}>Price</th>
                <th className={ui.num}>Stock</th>
              </tr>
            </thead>
            <tbody>
              {products.flatMap((product) =>
                product.variants.map((variant, i) => (
                  <tr key={variant.id} data-variant={variant.id}>
                    {i === 0 ? (
                      <td
                        rowSpan={product.variants.length}
                        data-product={product.id}
                        style={{ verticalAlign: 'top' }}
                      >
                        <span className={ui.strong}>{product.title}</span>{' '}
                        <span className={`${ui.badge} ${ui[product.published ? 'tone-green' : 'tone-gray']}`}>
                          {product.published ? 'published' : 'unpublished'}
                        </span>
                        <div className={`${ui.muted} ${ui.small}`}>{product.id}</div>
                        <div className={ui.actions} style={{ marginTop: 6 }}>
                          <form action={asForm(setPublishedAction)}>
                            <input type="hidden" name="productId" value={product.id} />
                            <input type="hidden" name="published" value={String(!product.published)} />
                            <button type="submit" className={ui.button}>
                              {product.published ? 'Unpublish' : 'Publish'}
                            </button>
                          </form>
                          {/* Deleting cannot be undone here: the button is one step further away. */}
                          <details>
                            <summary className={`${ui.button} ${ui.danger}`}>Delete…</summary>
                            <form action={asForm(deleteProductAction)} style={{ marginTop: 6 }}>
                              <input type="hidden" name="productId" value={product.id} />
                              <button type="submit" className={`${ui.button} ${ui.danger}`}>
                                Delete {product.title} for good
                              </button>
                            </form>
                          </details>
                        </div>
                      </td>
                    ) : null}
                    <td>
                      {variant.option}
                      <div className={`${ui.muted} ${ui.small} ${ui.mono}`}>{variant.sku}</div>
                    </td>
                    <td className={ui.num}>
                      <form action={asForm(changePriceAction)} style={INLINE_FORM}>
                        <input type="hidden" name="variantId" value={variant.id} />
                        <input
                          className={ui.input}
                          name="price"
                          inputMode="decimal"
                          defaultValue={centsToInput(variant.priceCents)}
                          aria-label={`Price of ${variant.sku}`}
                          size={8}
                        />
                        <button type="submit" className={ui.button}>
                          Set price
                        </button>
                      </form>
                    </td>
                    <td className={ui.num}>
                      <form action={asForm(setStockAction)} style={INLINE_FORM}>
                        <input type="hidden" name="variantId" value={variant.id} />
                        <input
                          className={ui.input}
                          name="onHand"
                          inputMode="numeric"
                          defaultValue={stock.get(variant.id) ?? 0}
                          aria-label={`Stock of ${variant.sku}`}
                          size={6}
                        />
                        <button type="submit" className={ui.button}>
                          Set stock
                        </button>
                      </form>
                    </td>
                  </tr>
                )),
              )}
            </tbody>
          </table>
        </div>
      </Card>
    </>
  );
}
