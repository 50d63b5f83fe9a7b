import { cookies } from 'next/headers';
import type { ReactNode } from 'react';
import { SiteFooter } from '@/components/store/site-footer';
import { SiteHeader } from '@/components/store/site-header';
import { TrackingConsent } from '@/components/store/tracking-consent';
import { env } from '@/lib/env';
import { klaviyoScriptUrl } from '@/lib/klaviyo-next/onsite/script-url';
import { listCategories } from '@/lib/store/catalog';
import { consentFromCookie, TRACKING_CONSENT_COOKIE } from '@/lib/store/tracking-consent';
import { getCart, getShopper } from './_lib/session';
import { saveTrackingConsent } from './consent/actions';
import './store.css';

/**
 * The storefront shell: announcement, header with the live bag count, footer, and the Klaviyo provider
 * fed by the cookie banner's answer. Every store page reads the shopper's cookies, so all are dynamic.
 */
export default async function StoreLayout({ children }: { children: ReactNode }) {
  const { klaviyo } = env();
  const [jar, shopper, cart] = await Promise.all([cookies(), getShopper(), getCart()]);
  const categories = listCategories();
  return (
    <div className="shop">
      <TrackingConsent
        initial={consentFromCookie(jar.get(TRACKING_CONSENT_COOKIE)?.value)}
        save={saveTrackingConsent}
        companyId={klaviyo.companyId}
        scriptSrc={klaviyoScriptUrl({
          companyId: klaviyo.companyId,
          apiUrl: klaviyo.apiUrl,
          live: klaviyo.live,
        })}
        relayUrl="/api/klaviyo/track"
        shopperEmail={shopper?.email}
      >
        <div className="shop__page">
          <a href="#main" className="skip-link">
            Skip to content
          </a>
          <p className="announcement">Free shipping on orders over $100 · Free 30-day returns</p>
          <SiteHeader
            categories={categories}
            bagCount={cart?.itemCount ?? 0}
            shopperName={shopper?.hasAccount ? shopper.firstName : undefined}
            signedIn={shopper?.hasAccount ?? false}
          />
          <main id="main" className="shop__main">
            {children}
          </main>
          <SiteFooter
            categories={categories}
            klaviyoMode={
              klaviyo.live ? 'Live Klaviyo account' : 'Local Klaviyo emulator (seeded demo account)'
            }
          />
        </div>
      </TrackingConsent>
    </div>
  );
}
