// @ts-check
import { fileURLToPath } from 'node:url';

// The plugin lives in the repository, two folders up; the app compiles it from there, as a
// merchant's app compiles a copied folder, and finds npm packages in the repository's node_modules.
const repository = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The smallest host the track bench (bench/track.ts) can measure on `next start`: the plugin's relay
 * route POST /api/klaviyo/track mounted through createKlaviyoNext, and beside it, in the same server,
 * a bare route handler answering 202 (POST /api/bare), the baseline.
 * @type {import('next').NextConfig}
 */
const config = {
  reactStrictMode: true,
  poweredByHeader: false,
  turbopack: { root: repository },
  outputFileTracingRoot: repository,
};

export default config;
