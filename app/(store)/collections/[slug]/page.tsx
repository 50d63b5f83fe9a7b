import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { Suspense } from 'react';
import { TrackViewedCollection } from '@/components/klaviyo/track-browse';
import { ProductGrid } from '@/components/store/product-grid';
import { SortSelect } from '@/components/store/sort-select';
import { app } from '@/lib/app';
import { listCategories } from '@/lib/store/catalog';
import { SORTS, sortCards, sortKeyOf } from '@/lib/store/product-view';
import { listProducts } from '@/lib/store/products/current';
import { ALL_PRODUCTS as ALL, collectionSnapshot } from '@/lib/store/storefront';
import { productCards } from '../../_lib/cards';

const INTROS: Record<string, string> = {
  all: 'Everything we make, for the wardrobe and the home.',
  tops: 'Tees, shirts and knits in organic cotton, linen and merino.',
  bottoms: 'Chinos, linen trousers and joggers with a little room to move.',
  outerwear: 'Jackets and layers for the weather between seasons.',
  accessories: 'The small things you reach for every day.',
  'bed-bath': 'Stonewashed linen, crisp percale and waffle cotton.',
  'kitchen-table': 'Stoneware, linen and wood for everyday meals.',
};

type Props = { params: Promise<{ slug: string }>; searchParams: Promise<{ sort?: string }> };

const collectionOf = (slug: string) =>
  slug === ALL.slug ? ALL : listCategories().find((c) => c.slug === slug);

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const collection = collectionOf((await params).slug);
  return collection ? { title: collection.name, description: INTROS[collection.slug] } : {};
}

/** A category (or everything) as a sortable product grid; Viewed Collection once it is shown. */
export default async function CollectionPage({ params, searchParams }: Props) {
  const [{ slug }, { sort }] = await Promise.all([params, searchParams]);
  const collection = collectionOf(slug);
  const snapshot = collectionSnapshot(slug, app.store.storeUrl);
  if (!collection || !snapshot) notFound();
  const products = await listProducts(app.store.db, slug === ALL.slug ? {} : { category: slug });
  const sortKey = sortKeyOf(sort);
  const cards = sortCards(await productCards(products), sortKey);
  return (
    <div className="page">
      <TrackViewedCollection collection={snapshot} />
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <ol>
          <li>
            <Link href="/">Home</Link>
          </li>
          <li aria-current="page">{collection.name}</li>
        </ol>
      </nav>
      <header className="page-head">
        <h1 className="page-title">{collection.name}</h1>
        <p className="page-lead">{INTROS[collection.slug]}</p>
      </header>
      <div className="toolbar">
        <ul className="chips" aria-label="Categories">
          {[ALL, ...listCategories()].map((c) => (
            <li key={c.slug}>
              <Link
                href={`/collections/${c.slug}`}
                className={`chip${c.slug === slug ? ' chip--active' : ''}`}
                aria-current={c.slug === slug ? 'page' : undefined}
              >
                {c.slug === ALL.slug ? 'All' : c.name}
              </Link>
            </li>
          ))}
        </ul>
        <div className="toolbar__end">
          <p className="result-count">
            {cards.length} {cards.length === 1 ? 'product' : 'products'}
          </p>
          <Suspense>
            <SortSelect options={SORTS} value={sortKey} />
          </Suspense>
        </div>
      </div>
      <ProductGrid products={cards} label={collection.name} />
    </div>
  );
}
