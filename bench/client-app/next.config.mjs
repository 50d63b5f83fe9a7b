// @ts-check

/**
 * The smallest App Router app that shows what <KlaviyoProvider> adds to a page's first-load
 * JavaScript (bench/client.ts). Four prerendered pages, each under its own root layout so that one
 * page's provider cannot reach another's bundle: /bare (no provider), /provider, /product (plus a
 * product page's event component) and /barrel (the provider imported through the components/klaviyo
 * barrel).
 * @type {import('next').NextConfig}
 */
const config = {
  reactStrictMode: true,
  poweredByHeader: false,
};

export default config;
