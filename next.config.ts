import type { NextConfig } from 'next';
import { ConfigError, env } from './lib/env';

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
};

export default nextConfig;
