import 'server-only';
import { createKlaviyoNext, type Storefront } from '@/lib/klaviyo-next';
import { openPostgres } from '@/lib/klaviyo-next/sql/postgres';

/** The cookie the bench's shoppers carry once they granted tracking. */
export const CONSENT_COOKIE = 'bench_consent';

/** One product, as a catalogue lookup would answer it (the relay rebuilds Viewed Product from it). */
const storefront: Storefront = {
  // Signed-in shoppers: the session token names the shopper (a store would look it up). An exchange
  // id would not do: Klaviyo (and the emulator) refuse one it did not issue.
  sessionCookie: 'bench_session',
  product: async (variantId) =>
    variantId === 'tee-m'
      ? {
          productId: 'tee',
          variantId: 'tee-m',
          sku: 'TEE-M',
          name: 'Organic Cotton Tee',
          brand: 'Bench',
          categories: ['Tops'],
          url: 'https://shop.test/products/tee',
          priceCents: 2_800,
        }
      : undefined,
  cart: async () => undefined,
  shopperEmail: async (token) => (/^\w{1,40}$/.test(token) ? `${token}@shoppers.example.com` : undefined),
  trackingConsent: (cookies) => cookies.get(CONSENT_COOKIE) === 'granted',
};

/**
 * The plugin as a host mounts it, on Postgres (the production backend) in the schema the bench made
 * and migrated (BENCH_SCHEMA). `afterDrain`: delivery after each response, as by default; without it,
 * delivery is left to a worker (`deliverSoon` does nothing), as a host running `npm run worker` may
 * choose. Built on the first request, not at import: `next build` imports the routes without the
 * settings it validates.
 */
function create(afterDrain: boolean) {
  return createKlaviyoNext({
    env: process.env,
    sql: openPostgres(process.env.DATABASE_URL ?? '', { schema: process.env.BENCH_SCHEMA }),
    storefront,
    consentTexts: {
      email: { version: 'bench-1', text: 'Email me.' },
      sms: { version: 'bench-1', text: 'Text me.' },
    },
    ...(afterDrain ? {} : { deliverSoon: () => undefined }),
  });
}

const instances = new Map<boolean, ReturnType<typeof create>>();
export const klaviyo = (afterDrain = true) => {
  let instance = instances.get(afterDrain);
  if (!instance) {
    instance = create(afterDrain);
    instances.set(afterDrain, instance);
  }
  return instance;
};
