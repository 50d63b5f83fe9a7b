// @ts-check
import { tsImport } from 'tsx/esm/api';

/*
 * Next.js loads this file as plain ESM, which cannot import TypeScript. The configuration schema
 * (lib/env.ts) and the Content-Security-Policy (lib/klaviyo-next/onsite/csp.ts) stay the one TypeScript
 * source the app and its tests use; tsx loads them here, scoped to these imports.
 */
/** @type {typeof import('./lib/env')} */
const { ConfigError, env } = await tsImport('./lib/env.ts', import.meta.url);
/** @type {typeof import('./lib/klaviyo-next/onsite/csp')} */
const { securityHeaders } = await tsImport('./lib/klaviyo-next/onsite/csp.ts', import.meta.url);

// Validate configuration before anything starts, so a bad variable stops `next dev`, `next build`
// and `next start` with a message that names it.
try {
  env();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}

/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // The build type-checks the app only; `npm test` type-checks everything, tests and emulator included.
  typescript: { tsconfigPath: 'tsconfig.build.json' },
  // A Content-Security-Policy admitting Klaviyo's documented hosts, and the emulator's when it stands in
  // for Klaviyo (lib/klaviyo-next/onsite/csp.ts). Computed when the server starts or the app is built.
  async headers() {
    const { nodeEnv, klaviyo } = env();
    const emulatorOrigin = klaviyo.live ? undefined : klaviyo.apiUrl;
    return [
      { source: '/:path*', headers: securityHeaders({ dev: nodeEnv === 'development', emulatorOrigin }) },
    ];
  },
};

export default nextConfig;
