import type { NextConfig } from 'next';
import { ConfigError, env } from './lib/env';
import { securityHeaders } from './lib/klaviyo-onsite/csp';

// Validate configuration before anything starts, so a bad variable stops `next dev`, `next build`
// and `next start` with a message that names it.
try {
  env();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}

const nextConfig: NextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // The build type-checks the app only; `npm test` type-checks everything, tests and emulator included.
  typescript: { tsconfigPath: 'tsconfig.build.json' },
  // A Content-Security-Policy admitting Klaviyo's documented hosts, and the emulator's when it stands in
  // for Klaviyo (lib/klaviyo-onsite/csp.ts). Computed when the server starts or the app is built.
  async headers() {
    const { nodeEnv, klaviyo } = env();
    const emulatorOrigin = klaviyo.live ? undefined : klaviyo.apiUrl;
    return [
      { source: '/:path*', headers: securityHeaders({ dev: nodeEnv === 'development', emulatorOrigin }) },
    ];
  },
};

export default nextConfig;
