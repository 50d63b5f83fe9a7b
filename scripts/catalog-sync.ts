/**
 * `npm run catalog:sync`: a full resync of the store's catalogue to Klaviyo (README "Catalog" in
 * lib/klaviyo-next). It reads the store's categories and products and Klaviyo's catalogue, enqueues a
 * change for everything missing or different and a deletion for what the store no longer has, then
 * delivers them through the outbox and waits for Klaviyo's bulk jobs, with a progress bar on stderr.
 * Stopped part way, nothing is lost: the changes are in the outbox and the workers deliver them; run
 * it again and it sends only what still differs.
 *
 * Exit codes: 0 done, 1 failed or some objects were refused (listed), 130 stopped by a signal.
 */
import { openAppDatabase } from '../lib/app/database';
import { catalogSyncEnv, pluginSettingsSource } from '../lib/env';
import { createKlaviyoNext } from '../lib/klaviyo-next';
import { progressBar } from '../lib/klaviyo-next/cli/progress';
import { demoCatalogSource } from '../lib/store/catalog-source';

const settings = catalogSyncEnv();
const stop = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stop.signal.aborted) process.exit(130);
    console.error(`\ncatalog:sync: ${signal}: stopping; what was enqueued is delivered by the workers.`);
    stop.abort();
  });
}

const db = await openAppDatabase(settings.database);
// Delivery is the resync's own drain (and the workers'), never a background one.
const klaviyo = createKlaviyoNext({
  env: pluginSettingsSource(),
  sql: db,
  deliverSoon: () => {},
  catalog: demoCatalogSource({ db, storeUrl: settings.storeUrl }),
});

let code = 0;
const bar = progressBar('Catalog sync');
try {
  const s = await klaviyo.catalog.resync({ signal: stop.signal, onProgress: (p) => bar.update(p) });
  const line = (name: string, c: typeof s.items) =>
    `${name}: ${c.created} created, ${c.updated} updated, ${c.deleted} deleted, ${c.unchanged} unchanged`;
  bar.stop(
    [
      line('Categories', s.categories),
      line('Items', s.items),
      line('Variants', s.variants),
      `${s.messages} changes sent, ${s.delivered} delivered, ${s.failed} refused, ${s.unfinished} left to the workers, in ${(s.durationMs / 1000).toFixed(1)} s.`,
    ].join('\n'),
  );
  for (const bad of s.invalid.slice(0, 20))
    console.log(`  not sent (the store's data is not valid): ${bad.id}: ${bad.problems.join('; ')}`);
  const failures = await klaviyo.catalog.failures();
  for (const f of failures.slice(0, 20))
    console.log(
      `  refused: ${f.type} ${f.id} (${f.action}): ${f.code}: ${f.detail}${f.pointer ? ` at ${f.pointer}` : ''}`,
    );
  if (failures.length > 20)
    console.log(`  ... and ${failures.length - 20} more (the admin's Catalog page lists them).`);
  if (stop.signal.aborted) code = 130;
  else if (s.failed > 0 || s.invalid.length > 0) code = 1;
} catch (error) {
  bar.stop();
  console.error(`catalog:sync failed: ${error instanceof Error ? error.message : String(error)}`);
  code = 1;
} finally {
  klaviyo.ops.close();
  await db.close();
}
process.exit(code);
