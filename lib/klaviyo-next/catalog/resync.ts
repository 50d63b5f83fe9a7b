import 'server-only';
import sql, { join } from 'sql-template-tag';
import type { KlaviyoClient } from '../api/client';
import type { Progress } from '../cli/progress';
import type { OutboxStore } from '../outbox/store';
import type { OutboxMessage } from '../outbox/types';
import { type CatalogObjectType, categoryWrite, itemWrite, variantWrite } from './change';
import { readKlaviyoCatalogue } from './klaviyo-state';
import type { CatalogMessages } from './messages';
import { allSynced, reconcile } from './state';
import type { CatalogProduct, CatalogSource } from './types';
import { CatalogInputError } from './validate';

export type { Progress };

export interface ResyncCounts {
  created: number;
  updated: number;
  deleted: number;
  unchanged: number;
}

export interface ResyncSummary {
  categories: ResyncCounts;
  items: ResyncCounts;
  variants: ResyncCounts;
  /** Outbox messages the resync enqueued (one per product or category that differed). */
  messages: number;
  delivered: number;
  /** Changes Klaviyo refused (shown in the admin's Catalog page with Klaviyo's error). */
  failed: number;
  /**
   * Products and categories of the store's that Klaviyo would refuse (validate.ts), with what is
   * wrong: not sent, and not deleted at Klaviyo either (the store still has them).
   */
  invalid: { id: string; problems: string[] }[];
  /** Messages not settled when the resync stopped (aborted): the outbox still delivers them. */
  unfinished: number;
  durationMs: number;
}

export interface ResyncOptions {
  onProgress?(p: Progress): void;
  signal?: AbortSignal;
}

export interface ResyncDeps {
  source: CatalogSource | undefined;
  client: KlaviyoClient;
  outbox: OutboxStore;
  messages: CatalogMessages;
  /** Delivers due messages for up to `budgetMs` (the plugin's drain). */
  drain(budgetMs: number): Promise<unknown>;
  now: () => number;
}

const counts = (): ResyncCounts => ({ created: 0, updated: 0, deleted: 0, unchanged: 0 });
const ENQUEUE_CHUNK = 500;
const DRAIN_BUDGET_MS = 20_000;

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

/**
 * A full resync: reads the host's catalogue and Klaviyo's (klaviyo-state.ts), tells the synced table
 * what Klaviyo actually holds, and enqueues a change for every product and category that differs
 * (created when missing, updated when different) and a deletion for every object of this
 * integration's that the store no longer has. The changes go through the outbox, so a resync cut
 * short loses nothing: the worker delivers the rest. Then it drains and waits for its own messages,
 * reporting progress as they settle. Two resyncs at once (two instances) are safe: changes to one
 * object go one after another, and one that Klaviyo already matches sends nothing.
 */
export async function resync(deps: ResyncDeps, options: ResyncOptions = {}): Promise<ResyncSummary> {
  const { source, client, outbox, messages, now } = deps;
  if (!source)
    throw new TypeError(
      'catalog.resync: createKlaviyoNext was given no `catalog` (the CatalogSource to read).',
    );
  const { signal, onProgress } = options;
  const started = now();
  const summary: ResyncSummary = {
    categories: counts(),
    items: counts(),
    variants: counts(),
    messages: 0,
    delivered: 0,
    failed: 0,
    invalid: [],
    unfinished: 0,
    durationMs: 0,
  };
  onProgress?.({ done: 0, total: 0, label: 'reading the store and Klaviyo' });

  const categories = await source.categories();
  const products: CatalogProduct[] = [];
  for await (const page of source.products()) products.push(...page);
  const klaviyo = await readKlaviyoCatalogue(client, signal);

  // What Klaviyo holds, for the deliverer to decide create or update (and nothing where equal).
  const observed: { type: CatalogObjectType; id: string; hash: string | null; parentId?: string }[] = [
    ...[...klaviyo.categories].map(([id, hash]) => ({ type: 'category' as const, id, hash })),
    ...[...klaviyo.items].map(([id, hash]) => ({ type: 'item' as const, id, hash })),
    ...[...klaviyo.variants].map(([id, v]) => ({
      type: 'variant' as const,
      id,
      hash: v.hash,
      parentId: v.itemId,
    })),
  ];
  const present = new Set(observed.map((o) => `${o.type}:${o.id}`));
  // What the table believes Klaviyo holds and Klaviyo does not (deleted elsewhere): created again.
  for (const o of await allSynced(outbox.db))
    if (!present.has(`${o.type}:${o.id}`)) observed.push({ ...o, hash: null });
  await reconcile(outbox.db, observed, started, now());

  const out: OutboxMessage[] = [];
  const tally = (c: ResyncCounts, known: string | undefined, hash: string) => {
    if (known === undefined) c.created++;
    else if (known !== hash) c.updated++;
    else c.unchanged++;
    return known !== hash;
  };
  const wantedCategories = new Set(categories.map((c) => c.id));
  /** The messages for one object, or none (reported) when the store's data is not valid. */
  const build = (objectId: string, make: () => OutboxMessage[]): OutboxMessage[] => {
    try {
      return make();
    } catch (error) {
      if (!(error instanceof CatalogInputError)) throw error;
      summary.invalid.push({ id: objectId, problems: error.problems });
      return [];
    }
  };
  for (const category of categories) {
    if (tally(summary.categories, klaviyo.categories.get(category.id), categoryWrite(category).hash))
      out.push(...build(category.id, () => messages.categoryChanged(category)));
  }
  const wantedItems = new Set<string>();
  const wantedVariants = new Set<string>();
  for (const product of products) {
    wantedItems.add(product.id);
    let differs = tally(summary.items, klaviyo.items.get(product.id), itemWrite(product).hash);
    for (const variant of product.variants) {
      wantedVariants.add(variant.id);
      if (
        tally(
          summary.variants,
          klaviyo.variants.get(variant.id)?.hash,
          variantWrite(variant, product.id).hash,
        )
      )
        differs = true;
    }
    // A variant Klaviyo holds under this item that the product no longer has: the product's change
    // deletes it (the deliverer compares with the item's variants it knows).
    for (const [id, v] of klaviyo.variants)
      if (v.itemId === product.id && !product.variants.some((pv) => pv.id === id)) differs = true;
    if (differs) out.push(...build(product.id, () => messages.productChanged(product)));
  }
  const strayVariants = new Map<string, string[]>();
  for (const [id, v] of klaviyo.variants)
    if (!wantedVariants.has(id)) {
      summary.variants.deleted++;
      strayVariants.set(v.itemId, [...(strayVariants.get(v.itemId) ?? []), id]);
    }
  for (const id of klaviyo.items.keys())
    if (!wantedItems.has(id)) {
      summary.items.deleted++;
      out.push(...messages.productDeleted(id, strayVariants.get(id) ?? []));
    }
  // Stray variants of a product the store has go with its change, and those of an item being
  // deleted with its deletion; only those whose item Klaviyo no longer lists need their own.
  for (const [itemId, ids] of strayVariants)
    if (!wantedItems.has(itemId) && !klaviyo.items.has(itemId))
      out.push(...messages.variantsDeleted(itemId, ids));
  for (const id of klaviyo.categories.keys())
    if (!wantedCategories.has(id)) {
      summary.categories.deleted++;
      out.push(...messages.categoryDeleted(id));
    }

  for (let i = 0; i < out.length; i += ENQUEUE_CHUNK) {
    const chunk = out.slice(i, i + ENQUEUE_CHUNK);
    await outbox.db.transaction((tx) => outbox.enqueue(tx, chunk, now()));
  }
  summary.messages = out.length;
  const keys = out.map((m) => m.key);

  // Deliver and wait for this resync's own messages (another worker may deliver some of them).
  for (;;) {
    const states = await statesOf(outbox, keys);
    summary.delivered = states.delivered;
    summary.failed = states.dead;
    summary.unfinished = keys.length - states.delivered - states.dead;
    onProgress?.({ done: states.delivered + states.dead, total: keys.length, label: 'catalog changes' });
    if (summary.unfinished === 0 || signal?.aborted) break;
    const before = states.delivered + states.dead;
    await deps.drain(DRAIN_BUDGET_MS);
    const after = await statesOf(outbox, keys);
    // Nothing settled by our drain: another worker holds them, or they wait for a retry.
    if (after.delivered + after.dead === before) await sleep(500, signal);
  }
  summary.durationMs = now() - started;
  return summary;
}

async function statesOf(outbox: OutboxStore, keys: readonly string[]) {
  const out = { delivered: 0, dead: 0 };
  for (let i = 0; i < keys.length; i += 500) {
    const rows = await outbox.db.query<{ state: string; n: number | string }>(
      sql`SELECT state, COUNT(*) AS n FROM klaviyo_outbox WHERE dedup_key IN (${join(keys.slice(i, i + 500))}) GROUP BY state`,
    );
    for (const r of rows) if (r.state === 'delivered' || r.state === 'dead') out[r.state] += Number(r.n);
  }
  return out;
}
