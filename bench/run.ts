import { existsSync, readdirSync } from 'node:fs';

/**
 * `npm run bench -- NAME` runs bench/NAME.ts. Benchmarks are never part of `npm test`; each prints,
 * as its last line, one JSON object: {bench, unit, ours, baseline, ratio, limit, notes}.
 */
const name = process.argv[2];
const available = readdirSync(import.meta.dirname)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts')
  .map((f) => f.slice(0, -3));
if (!name || !/^[a-z][a-z0-9-]*$/.test(name) || !existsSync(new URL(`./${name}.ts`, import.meta.url))) {
  console.error(`usage: npm run bench -- NAME, where NAME is one of: ${available.join(', ')}`);
  process.exit(2);
}
// The benchmark's own argv, as if it had been started directly.
process.argv.splice(2, 1);
await import(new URL(`./${name}.ts`, import.meta.url).href);
