import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { ProductDetail, type VariantView } from '@/components/store/product-detail';
import { ProductGrid } from '@/components/store/product-grid';
import { SubscribeAndSave } from '@/components/store/subscribe-and-save';
import { app } from '@/lib/app';
import { stockLevels } from '@/lib/store/availability';
import { type CatalogProduct, productSnapshot } from '@/lib/store/catalog';
import { hasColourOptions, OPTION_COLOURS, productImage } from '@/lib/store/product-art';
import { optionKind } from '@/lib/store/product-view';
import { listProducts, productBySlug } from '@/lib/store/products/current';
import { plansForProduct } from '@/lib/store/subscriptions/plans';
import { productCards } from '../../_lib/cards';
import { getShopper } from '../../_lib/session';
import { notifyWhenBack } from '../../back-in-stock/actions';
import { addToBag } from '../../cart/actions';
import { subscribeToPlan } from '../../subscriptions/actions';

/** At or below this many units the page says how many are left. */
const FEW_LEFT = 5;

const CARE: Record<string, string> = {
  tops: 'Machine wash cold with like colours; dry flat. Knits: wool cycle, then reshape while damp.',
  bottoms: 'Machine wash cold, inside out. Line dry to keep the shape and the colour.',
  outerwear: 'Spot clean. Re-wax canvas once a season; wash shells on a gentle cycle and tumble low.',
  accessories: 'Wipe leather with a damp cloth; hand wash knits cold and dry flat.',
  'bed-bath': 'Machine wash warm, tumble dry low. Softer with every wash.',
  'kitchen-table': 'Dishwasher safe unless wood: wash boards by hand and oil them now and then.',
};

type Props = { params: Promise<{ slug: string }>; searchParams: Promise<{ variant?: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const product = await productBySlug(app.store.db, (await params).slug);
  return product ? { title: product.title, description: product.description } : {};
}

async function related(product: CatalogProduct): Promise<CatalogProduct[]> {
  const category = product.categories[0]?.slug;
  return (await listProducts(app.store.db, { category })).filter((p) => p.slug !== product.slug).slice(0, 4);
}

/** A product: picture, options, price, add to bag or back in stock, details and related products. */
export default async function ProductPage({ params, searchParams }: Props) {
  const [{ slug }, { variant: wanted }] = await Promise.all([params, searchParams]);
  const product = await productBySlug(app.store.db, slug);
  if (!product) notFound();
  const deps = app.store;
  const [levels, shopper, relatedCards] = await Promise.all([
    stockLevels(
      deps.db,
      product.variants.map((v) => v.id),
    ),
    getShopper(),
    related(product).then(productCards),
  ]);
  const colours = hasColourOptions(product.slug);
  const variants: VariantView[] = product.variants.map((v) => {
    const left = levels.get(v.id) ?? 0;
    return {
      id: v.id,
      option: v.option,
      inStock: left > 0,
      ...(left > 0 && left <= FEW_LEFT ? { fewLeft: left } : {}),
      ...(colours && OPTION_COLOURS[v.option] ? { swatch: OPTION_COLOURS[v.option] } : {}),
      priceCents: v.priceCents,
      image: productImage(product.slug, v.option),
      snapshot: productSnapshot(product, v, deps.storeUrl),
    };
  });
  // A shared link names its option; otherwise open on the first one that can be bought.
  const initial =
    variants.find((v) => v.id === wanted) ?? variants.find((v) => v.inStock) ?? (variants[0] as VariantView);
  const category = product.categories[0];
  return (
    <div className="page">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <ol>
          <li>
            <Link href="/">Home</Link>
          </li>
          {category ? (
            <li>
              <Link href={`/collections/${category.slug}`}>{category.name}</Link>
            </li>
          ) : null}
          <li aria-current="page">{product.title}</li>
        </ol>
      </nav>
      <ProductDetail
        title={product.title}
        eyebrow={category?.name}
        optionKind={optionKind(product)}
        variants={variants}
        initialVariantId={initial.id}
        currency="USD"
        addToBag={addToBag}
        notifyWhenBack={notifyWhenBack}
        shopperEmail={shopper?.email}
      >
        <p className="pdp__description">{product.description}</p>
        <ul className="perks">
          <li className="perk">Free shipping on orders over $100</li>
          <li className="perk">Free returns within 30 days</li>
          <li className="perk">Ships in 1–2 business days</li>
        </ul>
        <SubscribeAndSave
          productSlug={product.slug}
          plans={plansForProduct(product.id).map(({ id, name, discountPercent }) => ({
            id,
            name,
            discountPercent,
          }))}
          variants={product.variants.map(({ id, option, priceCents }) => ({ id, option, priceCents }))}
          signedIn={Boolean(shopper)}
          subscribe={subscribeToPlan}
        />
        <div className="accordion">
          <details open>
            <summary>Materials &amp; care</summary>
            <p>{CARE[category?.slug ?? ''] ?? 'Care instructions are on the label.'}</p>
          </details>
          <details>
            <summary>Shipping &amp; returns</summary>
            <p>
              Orders over $100 ship free; otherwise shipping is a flat $8. Return anything unworn or unused
              within 30 days for a full refund.
            </p>
          </details>
        </div>
      </ProductDetail>
      {relatedCards.length > 0 ? (
        <section className="section" aria-labelledby="related-title">
          <div className="section__head">
            <h2 id="related-title" className="section__title">
              You may also like
            </h2>
          </div>
          <ProductGrid products={relatedCards} label="You may also like" />
        </section>
      ) : null}
    </div>
  );
}
