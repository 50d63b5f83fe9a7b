import Link from 'next/link';
import { type CategoryLink, CategoryLinks } from './category-links';
import { NewsletterForm } from './newsletter-form';
import { CookiePreferencesButton } from './tracking-consent';

/** The shop's footer: newsletter sign-up, links, and which Klaviyo this instance talks to. */
export function SiteFooter({
  categories,
  klaviyoMode,
}: {
  categories: readonly CategoryLink[];
  klaviyoMode: string;
}) {
  return (
    <footer className="site-footer">
      <div className="site-footer__inner">
        <section className="site-footer__newsletter" aria-labelledby="newsletter-title">
          <h2 id="newsletter-title" className="site-footer__heading">
            Letters from Northwind
          </h2>
          <p>
            New arrivals, restocks and the occasional essay on making things well. Twice a month, at most.
          </p>
          <NewsletterForm />
        </section>
        <nav aria-label="Shop" className="site-footer__links">
          <h2 className="site-footer__heading">Shop</h2>
          <CategoryLinks categories={categories} allLabel="All products" />
        </nav>
        <nav aria-label="Help" className="site-footer__links">
          <h2 className="site-footer__heading">Help</h2>
          <ul>
            <li>
              <Link href="/account">Your account</Link>
            </li>
            <li>
              <Link href="/cart">Your bag</Link>
            </li>
            <li>
              <CookiePreferencesButton />
            </li>
          </ul>
          <p className="site-footer__promise">Free shipping over $100. Free returns within 30 days.</p>
        </nav>
      </div>
      <div className="site-footer__base">
        <p>© 2026 Northwind Goods. A demo storefront for Klaviyo on Next.js.</p>
        <p>
          Connected to: <span data-testid="klaviyo-mode">{klaviyoMode}</span>
        </p>
      </div>
    </footer>
  );
}
