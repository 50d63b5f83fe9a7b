/**
 * `npm run worker`: a long-running delivery process beside the app (several may run; Postgres leases
 * keep them apart). It drains the outbox, sleeps while idle or while Klaviyo asks it to wait, and on
 * SIGTERM finishes its round before exiting. A worker killed mid-round loses nothing: its lease
 * expires and another round sends the batch again, which Klaviyo's unique_id dedup absorbs.
 */
import { getDispatcher } from '../lib/klaviyo-next/outbox/runtime';

const IDLE_MS = 1_000;
let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    stopping = true;
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Waits for the database instead of exiting: a worker started during an outage delivers once it ends. */
async function dispatcherWhenReachable() {
  for (;;) {
    try {
      return await getDispatcher();
    } catch (error) {
      if (stopping) process.exit(0);
      console.error('[worker] cannot open the outbox yet; retrying shortly', error);
      await sleep(IDLE_MS);
    }
  }
}
const dispatcher = await dispatcherWhenReachable();
console.log(`[worker] ${dispatcher.owner} started`);
while (!stopping) {
  const round = await dispatcher.round().catch((error: unknown) => {
    console.error('[worker] round failed; retrying shortly', error);
    return undefined;
  });
  if (round && round.claimed > 0)
    console.log(`[worker] delivered ${round.delivered}, retrying ${round.retrying}, dead ${round.dead}`);
  if (round?.pausedUntil) await sleep(Math.max(0, round.pausedUntil - Date.now()));
  else if (!round || round.claimed === 0) await sleep(IDLE_MS);
}
console.log('[worker] stopped');
process.exit(0);
