import 'server-only';
import { after } from 'next/server';
import type { Klaviyo } from '../api';
import type { OutboxStore } from '../outbox/store';
import type { SqlDatabase } from '../sql/types';

/** What the dashboard shows of the plugin's own configuration on its settings page. */
export interface DashboardSettings {
  live: boolean;
  apiUrl: string;
  companyId: string;
  /** Where Klaviyo should deliver this store's webhooks; unknown when the host gave no site URL. */
  webhookUrl?: string;
}

/** What the admin use cases need, injected so tests can pass their own database, client and clock. */
export interface AdminDeps {
  db: SqlDatabase;
  klaviyo: Klaviyo;
  outbox: OutboxStore;
  now: () => number;
  /** Runs work after the answer has been sent (a cache refresh), without the caller waiting. */
  defer: (task: () => Promise<unknown>) => void;
  /** Asks for the outbox to be delivered soon (after a replay). */
  deliverSoon: () => void;
  settings: DashboardSettings;
  /** The webhook receiver's secret (KLAVIYO_WEBHOOK_SECRET), which the Settings button registers. */
  receiver?: { secret?: string | undefined };
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
