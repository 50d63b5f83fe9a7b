import 'server-only';
import { after } from 'next/server';
import { drainSoon } from './runtime';

/**
 * Asks for the outbox to be drained once the response has been sent (Next.js `after()`), so the
 * caller never waits for Klaviyo. Outside a request (scripts, tests) it drains in the background.
 * A failed drain loses nothing: the messages stay in the outbox for the worker or the cron drain.
 */
export function scheduleDelivery(): void {
  const run = () =>
    drainSoon().catch((error: unknown) => {
      console.error('[outbox] drain failed; the worker or cron drain will retry', error);
    });
  try {
    after(run);
  } catch {
    setImmediate(run);
  }
}
