import 'server-only';
import { after } from 'next/server';
import { getDatabase } from '../../app/database';
import { type Klaviyo, klaviyo } from '../../app/klaviyo';
import { getOutbox, type OutboxStore } from '../outbox';
import type { Database } from '../sql/types';

/** What the admin use cases need, injected so tests can pass their own database, client and clock. */
export interface AdminDeps {
  db: Database;
  klaviyo: Klaviyo;
  outbox: OutboxStore;
  now: () => number;
  /** Runs work after the answer has been sent (a cache refresh), without the caller waiting. */
  defer: (task: () => Promise<unknown>) => void;
}

/** Next.js `after()` inside a request; outside one (scripts, tests) the task simply runs. */
export function deferTask(task: () => Promise<unknown>): void {
  const run = () =>
    task().catch((error: unknown) => {
      console.error('[admin] background task failed', error);
    });
  try {
    after(run);
  } catch {
    void run();
  }
}

/** The app's own: its database, Klaviyo client and outbox. */
export async function adminDeps(): Promise<AdminDeps> {
  return {
    db: await getDatabase(),
    klaviyo: klaviyo(),
    outbox: await getOutbox(),
    now: Date.now,
    defer: deferTask,
  };
}
