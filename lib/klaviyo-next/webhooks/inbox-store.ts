import 'server-only';
import sql, { empty, join } from 'sql-template-tag';
import type { SqlDatabase, SqlExecutor } from '../sql/types';
import type { InboxItem } from './consent-items';
import type { ConsentChange } from './types';

export type InboxState = 'pending' | 'done' | 'ignored' | 'dead';

export interface ClaimedItem {
  externalId: string;
  change: ConsentChange;
  attempts: number;
}

/** Rows per INSERT statement: a Klaviyo batch holds up to 1000 items (docs/klaviyo-notes.md#webhook-delivery). */
const INSERT_CHUNK = 100;

const chunks = <T>(items: readonly T[], size: number): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
};

/**
 * The webhook inbox table (schema.ts). Inserting is idempotent per `external_id`; working a row
 * leases it first, so two processes (or two drains of one process) never hand the same item to the
 * sink at once, and a process that dies mid-item leaves a lease that runs out.
 */
export class InboxStore {
  constructor(readonly db: SqlDatabase) {}

  /**
   * Stores the delivery's items in one transaction; an item whose `external_id` is there already (a
   * redelivery, or the same batch arriving twice at once) is skipped. Returns the ids that were new.
   */
  async insert(webhookId: string, items: readonly InboxItem[], now: number): Promise<string[]> {
    if (items.length === 0) return [];
    return this.db.transaction(async (tx) => {
      const added: string[] = [];
      for (const chunk of chunks(items, INSERT_CHUNK)) {
        const values = chunk.map(
          (item) =>
            sql`(${item.externalId}, ${webhookId}, ${item.topic}, ${item.identity ?? null}, ${item.eventAt},
              ${item.change ? JSON.stringify(item.change) : null}, ${item.change ? 'pending' : 'ignored'}, 0, ${now}, ${now})`,
        );
        const rows = await tx.query<{ external_id: string }>(
          sql`INSERT INTO klaviyo_webhook_inbox
            (external_id, webhook_id, topic, identity, event_at, change, state, attempts, available_at, received_at)
            VALUES ${join(values)} ON CONFLICT (external_id) DO NOTHING RETURNING external_id`,
        );
        added.push(...rows.map((r) => r.external_id));
      }
      return added;
    });
  }

  /**
   * Leases up to `limit` due pending items, each the oldest pending change of its person (by `event_at`,
   * then `external_id`), so one person's changes reach the sink in the order they happened.
   */
  async claim(owner: string, limit: number, leaseMs: number, now: number): Promise<ClaimedItem[]> {
    const free = sql`state = 'pending' AND available_at <= ${now} AND (lease_until IS NULL OR lease_until < ${now})`;
    const lock = this.db.dialect === 'postgres' ? sql`FOR UPDATE SKIP LOCKED` : empty;
    const candidates = sql`SELECT external_id FROM klaviyo_webhook_inbox item WHERE ${free}
      AND NOT EXISTS (SELECT 1 FROM klaviyo_webhook_inbox older WHERE older.identity = item.identity
        AND older.state = 'pending' AND (older.event_at < item.event_at
          OR (older.event_at = item.event_at AND older.external_id < item.external_id)))
      ORDER BY event_at, external_id LIMIT ${limit} ${lock}`;
    return this.db.transaction(async (tx) => {
      // The free-row test is repeated on the UPDATE itself: on Postgres a row another claimer leased
      // meanwhile is re-checked after its lock is released and no longer matches.
      const rows = await tx.query<{ external_id: string; change: string; attempts: number | string }>(
        sql`UPDATE klaviyo_webhook_inbox SET lease_owner = ${owner}, lease_until = ${now + leaseMs}
          WHERE external_id IN (SELECT external_id FROM (${candidates}) claimable) AND ${free}
          RETURNING external_id, change, attempts`,
      );
      return rows
        .map((r) => ({
          externalId: r.external_id,
          change: JSON.parse(r.change) as ConsentChange,
          attempts: Number(r.attempts),
        }))
        .sort((a, b) => a.change.at.localeCompare(b.change.at) || a.externalId.localeCompare(b.externalId));
    });
  }

  /** The sink took the item; only the holder of the lease may say so. */
  async markDone(owner: string, externalId: string, now: number): Promise<boolean> {
    const rows = await this.db.query(
      sql`UPDATE klaviyo_webhook_inbox SET state = 'done', processed_at = ${now}, attempts = attempts + 1,
        lease_owner = NULL, lease_until = NULL, last_error = NULL
        WHERE external_id = ${externalId} AND lease_owner = ${owner} AND state = 'pending' RETURNING external_id`,
    );
    return rows.length > 0;
  }

  /** Gives back items leased but not worked (a drain out of time): due again at once, for anyone. */
  async release(owner: string, externalIds: readonly string[]): Promise<void> {
    if (externalIds.length === 0) return;
    await this.db.query(
      sql`UPDATE klaviyo_webhook_inbox SET lease_owner = NULL, lease_until = NULL
        WHERE lease_owner = ${owner} AND state = 'pending' AND external_id IN (${join(externalIds)})`,
    );
  }

  /** The sink threw: due again at `retryAt`, or dead (kept, never dropped) when `dead`. */
  async markFailed(
    owner: string,
    externalId: string,
    error: string,
    retryAt: number,
    dead: boolean,
  ): Promise<void> {
    await this.db.query(
      sql`UPDATE klaviyo_webhook_inbox SET state = ${dead ? 'dead' : 'pending'}, attempts = attempts + 1,
        available_at = ${retryAt}, last_error = ${error.slice(0, 1000)}, lease_owner = NULL, lease_until = NULL
        WHERE external_id = ${externalId} AND lease_owner = ${owner} AND state = 'pending'`,
    );
  }

  /**
   * Deletes items applied or ignored before `before` (received_at), up to `limit`; returns how many.
   * Their change (an email or phone) is kept no longer than the outbox keeps delivered messages, and
   * Klaviyo's redeliveries come within hours, so dedup loses nothing it needs.
   */
  async prune(before: number, limit = 1000): Promise<number> {
    const rows = await this.db.query(
      sql`DELETE FROM klaviyo_webhook_inbox WHERE external_id IN (SELECT external_id FROM klaviyo_webhook_inbox
        WHERE state IN ('done', 'ignored') AND received_at < ${before} LIMIT ${limit}) RETURNING external_id`,
    );
    return rows.length;
  }

  /** Rows by state, for the dashboard and tests. */
  async counts(executor: SqlExecutor = this.db): Promise<Record<InboxState, number>> {
    const rows = await executor.query<{ state: InboxState; n: number | string }>(
      sql`SELECT state, COUNT(*) AS n FROM klaviyo_webhook_inbox GROUP BY state`,
    );
    const counts: Record<InboxState, number> = { pending: 0, done: 0, ignored: 0, dead: 0 };
    for (const row of rows) counts[row.state] = Number(row.n);
    return counts;
  }

  /** When the next pending item is due, or undefined when none waits. */
  async nextDueAt(): Promise<number | undefined> {
    const [row] = await this.db.query<{ at: number | string | null }>(
      sql`SELECT MIN(available_at) AS at FROM klaviyo_webhook_inbox WHERE state = 'pending'`,
    );
    return row?.at == null ? undefined : Number(row.at);
  }
}
