/**
 * `npx tsx --conditions=react-server scripts/charge-subscriptions.ts`: the demo store's billing run.
 * Charges every active subscription whose next charge is due (lib/store/subscriptions/lifecycle.ts,
 * chargeDueSubscriptions): each charge in its own transaction with its Subscription Renewed event and
 * profile write, which the app's drain or `npm run worker` delivers. Run it from cron; run twice, or
 * again after a crash, it charges only what is still due (a charge is made by its number, once).
 */
import { openAppDatabase } from '../lib/app/database';
import { workerEnv } from '../lib/env';
import { OutboxStore } from '../lib/klaviyo-next/outbox/store';
import { chargeDueSubscriptions } from '../lib/store/subscriptions/lifecycle';

const { database } = workerEnv();
const db = await openAppDatabase(database);
try {
  const { charged, refused } = await chargeDueSubscriptions({
    db,
    outbox: new OutboxStore(db),
    now: Date.now,
    // Delivery is the worker's or the app's drain: the messages are in the outbox, committed.
    scheduleDelivery: () => undefined,
  });
  console.log(`[billing] ${charged.length} charge(s) made${charged.length ? `: ${charged.join(', ')}` : ''}`);
  for (const r of refused) console.warn(`[billing] ${r.subscriptionId} not charged: ${r.message}`);
} finally {
  await db.close();
}
