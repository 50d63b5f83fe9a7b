import Link from 'next/link';
import { type CategoryLink, CategoryLinks } from './category-links';
import { BagIcon, SearchIcon, UserIcon } from './icons';

/**
 * The shop's header: wordmark, categories, search, account and bag. A server component: the bag count
 * and the shopper's name come from the server's cookies, and it re-renders after each cart change.
 */
export function SiteHeader({
  categories,
  bagCount,
  shopperName,
  signedIn,
}: {
  categories: readonly CategoryLink[];
  bagCount: number;
  shopperName?: string;
  signedIn: boolean;
}) {
  return (
    <header className="site-header">
      <div className="site-header__bar">
        <Link href="/" className="wordmark" aria-label="Northwind Goods, home">
          Northwind<span className="wordmark__sub">Goods</span>
        </Link>
        <search className="header-search">
          <form action="/search" className="header-search__form">
            <label htmlFor="header-search" className="visually-hidden">
              Search the shop
            </label>
            <input
              id="header-search"
              name="q"
              type="search"
              placeholder="Search"
              className="header-search__input"
            />
            <button type="submit" className="icon-button" aria-label="Search">
              <SearchIcon />
            </button>
          </form>
        </search>
        <nav aria-label="Account and bag" className="site-header__tools">
          <Link href={signedIn ? '/account' : '/account/sign-in'} className="tool-link">
            <UserIcon />
            <span className="tool-link__label">{signedIn ? (shopperName ?? 'Account') : 'Sign in'}</span>
          </Link>
          <Link href="/cart" className="tool-link" data-testid="bag-link">
            <BagIcon />
            <span className="tool-link__label">Bag</span>
            <span className="bag-count">
              {bagCount}
              <span className="visually-hidden"> {bagCount === 1 ? 'item' : 'items'}</span>
            </span>
          </Link>
        </nav>
      </div>
      <nav aria-label="Shop by category" className="category-nav">
        <CategoryLinks categories={categories} allLabel="Shop all" />
      </nav>
    </header>
  );
}
