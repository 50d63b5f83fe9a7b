import 'server-only';
import { klaviyo } from '../../app/klaviyo';
import { env } from '../../env';
import { createDispatcher, type Dispatcher, type RoundResult } from './dispatcher';
import { getOutbox } from './index';

let dispatcher: Promise<Dispatcher> | undefined;

/**
 * The app's dispatcher: the app's outbox, delivered through the app's Klaviyo client. A failure to
 * build it (the database down at the first drain) is not kept: the next drain tries again, so
 * delivery resumes when the database does, without a restart.
 */
export function getDispatcher(): Promise<Dispatcher> {
  dispatcher ??= (async () =>
    createDispatcher({
      store: await getOutbox(),
      client: klaviyo().client,
      account: env().klaviyo.companyId,
    }))().catch((error: unknown) => {
    dispatcher = undefined;
    throw error;
  });
  return dispatcher;
}

let running: Promise<RoundResult> | undefined;
let again = false;

/**
 * Drains now unless a drain is already running in this process, in which case that drain goes round
 * once more: many checkouts in a burst share one drain instead of racing for the same rows.
 */
export async function drainSoon(budgetMs = 10_000): Promise<RoundResult | undefined> {
  if (running) {
    again = true;
    return undefined;
  }
  const d = await getDispatcher();
  running = (async () => {
    let result = await d.drain(Date.now() + budgetMs);
    while (again) {
      again = false;
      result = await d.drain(Date.now() + budgetMs);
    }
    return result;
  })();
  try {
    return await running;
  } finally {
    running = undefined;
  }
}
