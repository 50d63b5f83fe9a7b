import 'server-only';
import { describeChange } from '../catalog/change';
import type { OutboxRecord } from '../outbox';
import type { DeliveryItem, DeliveryPage, DeliveryState, ReplayAnswer } from './contracts';
import type { AdminDeps } from './deps';

const PAGE_SIZE = 25;

function describe(record: OutboxRecord): string {
  const who = (p: { email?: string; phone_number?: string; external_id?: string }) =>
    p.email ?? p.phone_number ?? p.external_id ?? 'anonymous';
  switch (record.kind) {
    case 'event':
      return `${record.payload.metric} · ${who(record.payload.profile)}`;
    case 'profile':
      return `Profile update · ${who(record.payload.profile)}`;
    case 'consent':
      return `${record.payload.channel.toUpperCase()} ${record.payload.status} · ${who(record.payload.profile)}`;
    case 'catalog':
      return describeChange(record.payload);
    default: {
      const payload = record.payload as { profile?: Parameters<typeof who>[0] };
      return `${record.kind} · ${payload.profile ? who(payload.profile) : record.key}`;
    }
  }
}

export function toDeliveryItem(record: OutboxRecord): DeliveryItem {
  return {
    id: record.id,
    kind: record.kind,
    key: record.key,
    state: record.state,
    attempts: record.attempts,
    summary: describe(record),
    payload: record.payload,
    error: record.lastError ?? null,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    availableAt: record.availableAt,
    deliveredAt: record.deliveredAt ?? null,
  };
}

/** One page of outbox messages, newest first; the cursor is the last id shown. */
export async function listDelivery(
  deps: AdminDeps,
  query: { state?: DeliveryState; cursor?: number },
): Promise<DeliveryPage> {
  const [records, counts] = await Promise.all([
    deps.outbox.list({ state: query.state, beforeId: query.cursor, limit: PAGE_SIZE }),
    deps.outbox.counts(),
  ]);
  const last = records.at(-1);
  return {
    items: records.map(toDeliveryItem),
    nextCursor: records.length === PAGE_SIZE && last ? String(last.id) : null,
    counts,
  };
}

/**
 * Puts dead letters back in the queue (the given ones, or all) and asks for a drain once the answer
 * is sent. A message Klaviyo rejects again returns to the dead letters with the new error. A profile
 * write or consent change that a newer one for the same person has since replaced stays dead, and the
 * answer says which and why (OutboxStore.replay).
 */
export async function replayDeadLetters(deps: AdminDeps, ids?: number[]): Promise<ReplayAnswer> {
  const { replayed, skipped } = await deps.outbox.replay(ids);
  if (replayed.length > 0) deps.deliverSoon();
  return { replayed: replayed.length, skipped };
}
