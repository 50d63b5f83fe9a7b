import type { Account } from '../../emulator/store/account.js';
import { reportsResource } from '../../lib/klaviyo-next/api/resources/reports.js';
import { withEmulator } from './emulator.js';
import { klaviyoFor } from './klaviyo.js';

// The campaign and flow report tests measure the same seeded account at the same frozen instant,
// recording their own attributed events; this is that shared setup.

const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
/**
 * 30 days after the seed's history ends, at 16:00 UTC (11:00 or 12:00 in the account's New York
 * timezone), so every seeded send is outside the timeframes the tests ask about and only their own
 * events count.
 */
export const REPORTS_NOW = Math.floor((Date.now() + 30 * DAY) / DAY) * DAY + 16 * HOUR;

export interface ReportsSetup {
  reports: ReturnType<typeof reportsResource>;
  /** The account in the emulator's store: setup reads ids from it, so a file exercises the reports and nothing else. */
  held: Account;
  /** Records one event the way Klaviyo attributes it: `$message` on sends, `$attributed_message` on orders. */
  record: (
    metric: string,
    email: string,
    minutesAgo: number,
    properties: object,
    value?: number,
  ) => Promise<void>;
}

/**
 * A seeded emulator with rate limits off (reports allow 2/m; these tests ask more often), its clock
 * frozen at REPORTS_NOW, and a client without the governor; `onStart` records the file's events.
 */
export function withReportsEmulator(onStart: (setup: ReportsSetup) => Promise<void>): void {
  withEmulator({ seed: true }, async (emu) => {
    await emu.setRateLimits(false);
    const client = klaviyoFor(emu, { governor: null }).client;
    const reports = reportsResource(client);
    await emu.clock({ freezeAt: REPORTS_NOW });
    const record: ReportsSetup['record'] = async (metric, email, minutesAgo, properties, value) => {
      const attributes = {
        metric: { data: { type: 'metric' as const, attributes: { name: metric } } },
        profile: { data: { type: 'profile' as const, attributes: { email } } },
        properties: properties as Record<string, unknown>,
        time: new Date(REPORTS_NOW - minutesAgo * 60_000).toISOString(),
        unique_id: `${metric}-${email}-${minutesAgo}`,
        backfill: false,
        value,
      };
      await client.call('create_event', { body: { data: { type: 'event', attributes } } });
    };
    await onStart({ reports, held: emu.emulator.accounts.get(emu.account.id) as Account, record });
  });
}
