/**
 * Klaviyo onsite tracking for App Router pages: a provider, a hook and event components. Import this
 * barrel from client components. A server component should import the module it renders
 * (`@/components/klaviyo/provider`): Next.js sends the browser every client module a server component's
 * imports reach, so the barrel would put all of them on that page.
 */
export type { Consent } from '@/lib/klaviyo-next/browser';
export { KlaviyoProvider, type KlaviyoProviderProps } from './provider';
export { TrackSubmittedSearch, TrackViewedCollection } from './track-browse';
export { TrackStartedCheckout } from './track-started-checkout';
export { TrackViewedProduct } from './track-viewed-product';
export { useCartTracking } from './use-cart-tracking';
export { useKlaviyo } from './use-klaviyo';
