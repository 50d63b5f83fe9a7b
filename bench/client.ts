import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { KLAVIYO_OBJECT_SNIPPET } from './lib/klaviyo-snippet.js';

/**
 * `npx tsx bench/client.ts [--no-build]`: what <KlaviyoProvider> adds to a page's first-load JavaScript,
 * measured from a `next build` of bench/client-app. Two prerendered pages differ only by the
 * provider (/bare and /provider); first-load JavaScript is every <script src> in a page's
 * HTML, gzipped as a server sends it (zlib's default level). Baseline: Klaviyo's documented pre-load
 * snippet for the klaviyo object (docs/klaviyo-notes.md#pre-load-queue), inlined in the page, the alternative
 * a merchant would otherwise paste. Limit: 2 KB (the budget).
 */
const LIMIT = 2048;
const app = join(import.meta.dirname, 'client-app');
const out = join(app, '.next');

if (!process.argv.includes('--no-build') || !existsSync(join(out, 'BUILD_ID'))) {
  const build = spawnSync(join(import.meta.dirname, '..', 'node_modules', '.bin', 'next'), ['build'], {
    cwd: app,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (build.status !== 0) throw new Error(`next build failed (${build.status})`);
}

const gzipped = (text: string | Buffer) => gzipSync(text).length;

/** The scripts a prerendered page loads before it is interactive. */
function firstLoad(route: string): Map<string, number> {
  const html = readFileSync(join(out, 'server', 'app', `${route}.html`), 'utf8');
  const sources = [...html.matchAll(/<script[^>]*\ssrc="([^"]+)"/g)].map((m) => m[1] ?? '');
  return new Map(
    sources.map((src) => [src, gzipped(readFileSync(join(out, src.replace(/^\/_next\//, ''))))]),
  );
}

const total = (files: Map<string, number>) => [...files.values()].reduce((a, b) => a + b, 0);
const bare = firstLoad('bare');
const provider = firstLoad('provider');
const product = firstLoad('product');
const barrel = firstLoad('barrel');
const ours = total(provider) - total(bare);
const added = [...provider.keys()].filter((src) => !bare.has(src));
const baseline = gzipped(`<script>${KLAVIYO_OBJECT_SNIPPET}</script>`);

// next/script comes in its own chunk once consent is given (components/klaviyo/provider.tsx).
const chunks = join(out, 'static', 'chunks');
const deferred = [
  ...new Set(spawnSync('grep', ['-l', 'data-nscript', '-r', chunks]).stdout.toString().split('\n')),
]
  .filter((file) => file && !provider.has(`/_next/${file.slice(out.length + 1)}`))
  .reduce((sum, file) => sum + gzipped(readFileSync(file)), 0);

console.log(`first load: bare ${total(bare)} B, with provider ${total(provider)} B (+${added.join(', ')})`);
const notes = [
  `KlaviyoProvider + useKlaviyo + the consent gate, measured as first-load JS of /provider minus /bare from a next build (${added.length} added chunk(s))`,
  `baseline = Klaviyo's pre-load snippet inlined (${baseline} B), which has no consent gate, no identify-before-track ordering and needs a CSP inline-script exception`,
  `next/script is loaded on consent, not at first load (${deferred} B gzip)`,
  `a product page's TrackViewedProduct adds ${total(product) - total(provider)} B more`,
  `importing the components/klaviyo barrel instead of components/klaviyo/provider costs ${total(barrel) - total(bare)} B (no tree shaking of the barrel)`,
  'klaviyo.js itself (third-party, loaded after consent) is not counted',
].join('; ');
console.log(
  JSON.stringify({
    bench: 'client',
    unit: 'bytes gzip',
    ours,
    baseline,
    ratio: Math.round((ours / baseline) * 100) / 100,
    limit: LIMIT,
    notes,
  }),
);
if (ours > LIMIT) process.exitCode = 1;
