import type { Metadata } from 'next';
import Link from 'next/link';
import { TrackSubmittedSearch } from '@/components/klaviyo/track-browse';
import { SearchIcon } from '@/components/store/icons';
import { ProductGrid } from '@/components/store/product-grid';
import { app } from '@/lib/app';
import { storeSearch } from '@/lib/store/storefront';
import { productCards } from '../_lib/cards';

export const metadata: Metadata = { title: 'Search' };

const SUGGESTIONS = ['linen', 'merino', 'cotton', 'jacket', 'mug'];

/**
 * Search over titles, descriptions and categories (lib/store/products/current.ts `searchProducts`); Submitted
 * Search for a term, with the count the store's search found (the relay counts the same way).
 */
export default async function SearchPage({
  searchParams,
}: {
  searchParams: Promise<{ q?: string | string[] }>;
}) {
  const raw = (await searchParams).q;
  const { search, products } = await storeSearch(app.store, (Array.isArray(raw) ? raw[0] : raw) ?? '');
  const query = search.term;
  const cards = query ? await productCards(products) : [];
  return (
    <div className="page">
      {query ? <TrackSubmittedSearch search={search} /> : null}
      <header className="page-head">
        <h1 className="page-title">{query ? `Results for “${query}”` : 'Search'}</h1>
        <search>
          <form action="/search" className="search-form">
            <label htmlFor="search-q" className="visually-hidden">
              Search the shop
            </label>
            <input
              id="search-q"
              name="q"
              type="search"
              defaultValue={query}
              placeholder="Linen, merino, mugs…"
              className="input"
            />
            <button type="submit" className="button button--primary">
              <SearchIcon /> Search
            </button>
          </form>
        </search>
      </header>
      {query ? (
        <p className="result-count result-count--spaced" role="status">
          {cards.length} {cards.length === 1 ? 'product' : 'products'}
        </p>
      ) : null}
      {cards.length > 0 ? (
        <ProductGrid products={cards} label={`Results for ${query}`} />
      ) : (
        <div className="empty">
          {query ? (
            <p>Nothing matches “{query}”. Try another word, or one of these:</p>
          ) : (
            <p>Try one of these:</p>
          )}
          <ul className="chips">
            {SUGGESTIONS.map((s) => (
              <li key={s}>
                <Link href={`/search?q=${s}`} className="chip">
                  {s}
                </Link>
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}
