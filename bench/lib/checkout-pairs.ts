import type { OutboxStore } from '../../lib/klaviyo-next/outbox/store.js';
import type { SqlDatabase } from '../../lib/klaviyo-next/sql/types.js';
import type { StoreDeps } from '../../lib/store/deps.js';
import { noMailer } from '../../lib/store/mailer.js';
import { placeOrder } from '../../lib/store/orders/place-order.js';
import { loadCart, loadForm } from './checkout-load.js';
import { percentile } from './stats.js';

// What the outbox adds to a checkout, measured as bench/checkout.ts measures it (the store's own
// placeOrder with and without the outbox, alternating, only placeOrder timed, the median of blocks'
// p99 differences), for several databases at once: the backlog bench compares an empty outbox with
// one holding a large backlog, order by order, so drift on the machine hits both alike.

/** The store's dependencies over `db`, with `outbox` in the order's transaction. */
export function checkoutDeps(db: SqlDatabase, outbox: Pick<OutboxStore, 'enqueue'>): StoreDeps {
  let t = Date.parse('2026-07-15T12:00:00Z');
  return {
    db,
    outbox: outbox as OutboxStore,
    now: () => (t += 1_000), // every order its own second, as real ones are
    storeUrl: 'https://shop.test',
    log: () => undefined,
    scheduleDelivery: () => undefined, // after(): runs once the response is sent, so not in the wait
    links: { secret: 'bench-link-secret-never-used-by-checkout', mailer: noMailer },
  };
}

/** No Klaviyo work: the order alone. */
export const noOutbox: Pick<OutboxStore, 'enqueue'> = { enqueue: async () => 0 };

async function timedCheckout(deps: StoreDeps, i: number): Promise<number> {
  const form = loadForm(await loadCart(deps), i, { shoppers: 500 });
  const started = performance.now();
  const result = await placeOrder(deps, form);
  if (!result.ok) throw new Error(result.error.message);
  return performance.now() - started;
}

export interface Condition {
  name: string;
  bare: StoreDeps;
  plugin: StoreDeps;
}

export interface Added {
  /** Median over blocks of (plugin p99 - bare p99). */
  p99: number;
  p50: number;
  blocks: number[];
  bareP99: number;
  pluginP99: number;
}

/**
 * `pairs` orders each way under every condition, after `warmup` unmeasured ones: each step places one
 * bare and one plugin order per condition, the order of conditions and of bare/plugin rotating.
 */
export async function measureAdded(
  conditions: readonly Condition[],
  pairs: number,
  options: { warmup?: number; block?: number } = {},
): Promise<Map<string, Added>> {
  const warmup = options.warmup ?? 100;
  const block = options.block ?? 250;
  const samples = new Map(conditions.map((c) => [c.name, { bare: [] as number[], plugin: [] as number[] }]));
  for (let i = 0; i < warmup + pairs; i++) {
    const rotated = conditions.map((_, k) => conditions[(i + k) % conditions.length] as Condition);
    for (const condition of rotated) {
      const ways = i % 2 === 0 ? (['bare', 'plugin'] as const) : (['plugin', 'bare'] as const);
      for (const way of ways) {
        const wall = await timedCheckout(condition[way], i);
        if (i >= warmup) samples.get(condition.name)?.[way].push(wall);
      }
    }
  }
  const result = new Map<string, Added>();
  for (const [name, { bare, plugin }] of samples) {
    const blocks = Array.from({ length: Math.floor(bare.length / block) }, (_, k) => {
      const [b, p] = [bare, plugin].map((xs) => xs.slice(k * block, (k + 1) * block));
      return {
        p50: percentile(p ?? [], 0.5) - percentile(b ?? [], 0.5),
        p99: percentile(p ?? [], 0.99) - percentile(b ?? [], 0.99),
      };
    });
    result.set(name, {
      p99: percentile(
        blocks.map((x) => x.p99),
        0.5,
      ),
      p50: percentile(
        blocks.map((x) => x.p50),
        0.5,
      ),
      blocks: blocks.map((x) => x.p99),
      bareP99: percentile(bare, 0.99),
      pluginP99: percentile(plugin, 0.99),
    });
  }
  return result;
}
