import 'server-only';
import { randomUUID } from 'node:crypto';
import sql, { join, type Sql } from 'sql-template-tag';
import { dedupKeyHash, type OutboxStore } from '../outbox/store';
import type { OutboxMessage } from '../outbox/types';
import type { SqlExecutor } from '../sql/types';
import { containing, identifierMatcher, normalisedIdentifiers, writtenForms } from './match';
import type { DeletionIdentifier, ErasureSubject, OutboxErasure } from './types';

export interface EraseOptions {
  /** Who asked, in the host's words (`merchant`, `shopper`); kept in the audit record. */
  requestedBy: string;
  now: number;
  /** The erasure's id; by default a random one. A host keeping its own audit row passes its id. */
  erasureId?: string;
}

function chunks<T>(items: readonly T[], size = 500): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** SQL that is true when `column` may contain one of `needles` (a superset; see match.ts). */
function mayContain(column: Sql, needles: readonly string[]): Sql {
  return join(
    needles.map((n) => sql`LOWER(COALESCE(${column}, '')) LIKE ${containing(n.toLowerCase())} ESCAPE '\\'`),
    ' OR ',
  );
}

const deletionMessage = (erasureId: string, n: number, identifier: DeletionIdentifier): OutboxMessage => ({
  kind: 'profile-deletion',
  // No identifier in the key: the key's hash outlives the message (klaviyo_outbox_keys).
  key: `profile-deletion:${erasureId}:${n}`,
  payload: { erasureId, identifier },
});

/**
 * Erases a person from the plugin's tables and asks Klaviyo to delete her, inside the host's
 * transaction `tx` (so it commits with the host's own erasure, or not at all):
 *
 * - every outbox message naming one of her emails or phones (payload, key, order key, last error) is
 *   deleted: waiting ones are dropped unsent (a profile write sent after the deletion would create her
 *   again), delivered ones and dead letters go too. A key hash that named her goes with its message,
 *   so a request she makes later is not taken for a repeat. Delivered counts per hour stay: they
 *   count deliveries, not people;
 * - her fences (order keys `person:<email|phone>`) are deleted;
 * - dashboard cache entries holding her email or phone (list members) are deleted; they are read
 *   again from Klaviyo when next viewed;
 * - one `profile-deletion` message per identifier is enqueued (request_profile_deletion takes exactly
 *   one), due only when every write of hers already on its way has settled: the longest lease on a
 *   message of hers that was in flight (its request may still reach Klaviyo) and the latest of her
 *   fences (a bulk job Klaviyo has not applied yet). They share her order key, so a write of hers
 *   accepted after the erasure waits until the deletion is sent;
 * - webhook inbox items about her keep only their external_id (Klaviyo's idempotency key) and
 *   state; one not yet applied is set `ignored`;
 * - an audit row in `klaviyo_erasures` (counts, no personal data).
 *
 * The deletion messages hold her identifiers until Klaviyo accepts them, then are redacted
 * (redact.ts). Previous `profile-deletion` messages of hers are left as they are.
 */
export async function eraseFromOutbox(
  outbox: OutboxStore,
  tx: SqlExecutor,
  subject: ErasureSubject,
  options: EraseOptions,
): Promise<OutboxErasure> {
  const erasureId = options.erasureId ?? randomUUID();
  const { now } = options;
  const { emails, phones } = normalisedIdentifiers(subject);
  const identifiers = [...emails, ...phones];
  // What SQL narrows with: every written form (match.ts); `matcher` then decides.
  const needles = writtenForms(identifiers);
  const matcher = identifierMatcher(emails, phones);
  const result: OutboxErasure = {
    erasureId,
    deletionRequests: 0,
    droppedWaiting: 0,
    removedDelivered: 0,
    removedDead: 0,
    removedFences: 0,
    removedCacheEntries: 0,
    redactedInboxItems: 0,
    dueAt: now,
  };
  let holdUntil = now;

  if (identifiers.length > 0) {
    // 1. Messages: narrow in SQL, decide exactly here, delete by id.
    const candidates = await tx.query<{
      id: number;
      dedup_key: string;
      order_key: string | null;
      payload: string;
      last_error: string | null;
    }>(sql`SELECT id, dedup_key, order_key, payload, last_error FROM klaviyo_outbox WHERE kind <> 'profile-deletion' AND (
      ${mayContain(sql`payload`, needles)} OR ${mayContain(sql`dedup_key`, needles)}
      OR ${mayContain(sql`order_key`, needles)} OR ${mayContain(sql`last_error`, needles)})`);
    const hers = candidates.filter(
      (c) =>
        matcher.names(c.payload) ||
        matcher.names(c.dedup_key) ||
        matcher.names(c.order_key) ||
        matcher.names(c.last_error),
    );
    const namingKeys: string[] = [];
    for (const chunk of chunks(hers.map((c) => Number(c.id)))) {
      const gone = await tx.query<{ state: string; lease_until: number | string | null; dedup_key: string }>(
        sql`DELETE FROM klaviyo_outbox WHERE id IN (${join(chunk)}) RETURNING state, lease_until, dedup_key`,
      );
      for (const row of gone) {
        if (row.state === 'delivered') result.removedDelivered++;
        else if (row.state === 'dead') result.removedDead++;
        else {
          result.droppedWaiting++;
          // Leased: a worker may be sending it now; the deletion waits for that lease to end.
          if (row.lease_until != null) holdUntil = Math.max(holdUntil, Number(row.lease_until));
        }
        if (matcher.names(row.dedup_key)) namingKeys.push(dedupKeyHash(row.dedup_key));
      }
    }
    for (const chunk of chunks(namingKeys))
      await tx.query(sql`DELETE FROM klaviyo_outbox_keys WHERE key_hash IN (${join(chunk)})`);

    // 2. Fences on her order keys: the deletion goes after the latest of them would have ended.
    const orderKeys = identifiers.map((n) => `person:${n}`);
    const fences = await tx.query<{ until_ms: number | string }>(
      sql`DELETE FROM klaviyo_outbox_fences WHERE order_key IN (${join(orderKeys)}) RETURNING until_ms`,
    );
    result.removedFences = fences.length;
    for (const f of fences) holdUntil = Math.max(holdUntil, Number(f.until_ms));

    // 3. The dashboard's cache: a list's members page holds their emails and phones.
    const cached = await tx.query<{ key: string; value: string | null; error: string | null }>(
      sql`SELECT key, value, error FROM klaviyo_admin_cache WHERE ${mayContain(sql`value`, needles)}
        OR ${mayContain(sql`error`, needles)} OR ${mayContain(sql`key`, needles)}`,
    );
    const stale = cached.filter(
      (c) => matcher.names(c.value) || matcher.names(c.error) || matcher.names(c.key),
    );
    for (const chunk of chunks(stale.map((c) => c.key)))
      await tx.query(sql`DELETE FROM klaviyo_admin_cache WHERE key IN (${join(chunk)})`);
    result.removedCacheEntries = stale.length;

    // 4. The webhook inbox: what Klaviyo told us about her. The row stays (its external_id is what
    // keeps a redelivery from being applied twice) without her identity or the change; one not yet
    // applied never will be: there is no customer left to apply it to.
    const inbox = await tx.query<{
      external_id: string;
      identity: string | null;
      change: string | null;
      last_error: string | null;
    }>(sql`SELECT external_id, identity, change, last_error FROM klaviyo_webhook_inbox
      WHERE ${mayContain(sql`identity`, needles)} OR ${mayContain(sql`change`, needles)} OR ${mayContain(sql`last_error`, needles)}`);
    const items = inbox.filter(
      (i) => matcher.names(i.identity) || matcher.names(i.change) || matcher.names(i.last_error),
    );
    for (const chunk of chunks(items.map((i) => i.external_id)))
      await tx.query(sql`UPDATE klaviyo_webhook_inbox SET identity = NULL, change = NULL, last_error = NULL,
        state = CASE WHEN state IN ('done', 'ignored') THEN state ELSE 'ignored' END, lease_owner = NULL, lease_until = NULL
        WHERE external_id IN (${join(chunk)})`);
    result.redactedInboxItems = items.length;

    // 5. The deletion requests, one identifier each, held until `holdUntil`.
    const deletionIds: DeletionIdentifier[] = [
      ...emails.map((email) => ({ email })),
      ...phones.map((phone_number) => ({ phone_number })),
    ];
    const messages = deletionIds.map((id, n) => deletionMessage(erasureId, n, id));
    result.deletionRequests = await outbox.enqueue(tx, messages, now);
    await tx.query(sql`UPDATE klaviyo_outbox SET available_at = CASE WHEN available_at < CAST(${holdUntil} AS BIGINT) THEN CAST(${holdUntil} AS BIGINT) ELSE available_at END
      WHERE dedup_key IN (${join(messages.map((m) => m.key))})`);
    result.dueAt = holdUntil;
  }

  await tx.query(sql`INSERT INTO klaviyo_erasures (id, requested_at, requested_by, deletion_requests, dropped_waiting,
    removed_delivered, removed_dead, removed_fences, removed_cache_entries, redacted_inbox_items)
    VALUES (${erasureId}, ${now}, ${options.requestedBy}, ${result.deletionRequests}, ${result.droppedWaiting},
      ${result.removedDelivered}, ${result.removedDead}, ${result.removedFences}, ${result.removedCacheEntries}, ${result.redactedInboxItems})`);
  return result;
}
