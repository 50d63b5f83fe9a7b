import sql from 'sql-template-tag';
import { createDispatcher } from '../../lib/klaviyo-next/outbox/dispatcher.js';
import type { OutboxStore } from '../../lib/klaviyo-next/outbox/store.js';
import type { SqlExecutor } from '../../lib/klaviyo-next/sql/types.js';
import { currentShopper } from '../../lib/store/accounts.js';
import type { StoreDeps } from '../../lib/store/deps.js';
import { subscribe } from '../../lib/store/subscriptions/lifecycle.js';
import { accountThroughLink, type TestLinks } from './account-links.js';
import type { TestEmulator } from './emulator.js';
import type { EmulatorClock } from './emulator-clock.js';
import { clockedClient } from './outbox-fixtures.js';

/** A shopper with a proven account: her session token and customer id. */
export async function subscriber(deps: StoreDeps, email: string, firstName = 'Ada') {
  const token = await accountThroughLink(deps, deps.links as TestLinks, {
    email,
    password: 'correct horse battery staple',
    firstName,
    lastName: 'Lovelace',
  });
  const me = await currentShopper(deps, token);
  if (!me) throw new Error(`no session for ${email}`);
  return { token, customerId: me.customerId, email: me.email };
}

/** A subscription of the tee plan (two tees, $57.60 a quarter) for this customer; returns its id. */
export async function teeSubscription(deps: StoreDeps, customerId: string): Promise<string> {
  const started = await subscribe(deps, customerId, {
    planId: 'tee-quarterly',
    variantId: 'organic-cotton-tee-m',
    quantity: 2,
  });
  if (!started.ok) throw new Error(started.error.message);
  return started.data.subscriptionId;
}

export async function subscriptionRow(q: SqlExecutor, id: string) {
  const [row] = await q.query<{
    status: string;
    charges_count: number;
    revision: number;
    next_charge_at: unknown;
  }>(sql`SELECT status, charges_count, revision, next_charge_at FROM store_subscriptions WHERE id = ${id}`);
  return row && { ...row, charges_count: Number(row.charges_count), revision: Number(row.revision) };
}

/**
 * Delivers the outbox to the emulator until nothing is left, on the emulator's clock: when nothing
 * is due (a profile write's fence, a backoff), the clock moves to when it will be, as a worker
 * polling would reach it.
 */
export async function deliverAll(emu: TestEmulator, clock: EmulatorClock, store: OutboxStore, rounds = 30) {
  const dispatcher = createDispatcher({ store, client: clockedClient(emu, clock), now: clock.now });
  for (let i = 0; i < rounds; i++) {
    const counts = await store.counts();
    if (counts.pending + counts.retrying === 0) return;
    const r = await dispatcher.drain();
    if (r.claimed === 0 || r.pausedUntil) {
      const [row] = await store.db.query<{ at: number | null }>(
        sql`SELECT MAX(available_at) AS at FROM klaviyo_outbox WHERE state IN ('pending', 'retrying')`,
      );
      const [fence] = await store.db.query<{ at: number | null }>(
        sql`SELECT MAX(until_ms) AS at FROM klaviyo_outbox_fences`,
      );
      const due = Math.max(Number(row?.at ?? 0), Number(fence?.at ?? 0), r.pausedUntil ?? 0);
      await clock.advance(Math.max(1, due - clock.now()));
    }
  }
  throw new Error(`the outbox was not empty after ${rounds} rounds`);
}
