import { consentChange } from '../events/consent';
import { isIdentified } from '../events/identity';
import { orderMessages } from '../outbox/lifecycle';
import { consentMessage, type OutboxMessage, profileMessage } from '../outbox/types';
import type { HistoricalConsent, HistoricalCustomer, HistoricalOrder, HistoryStream } from './types';

/** A record the backfill cannot send, and why (it is counted and reported, never silently dropped). */
export interface SkippedRecord {
  stream: HistoryStream;
  id: string;
  reason: string;
}

export interface BuiltPage {
  messages: OutboxMessage[];
  skipped: SkippedRecord[];
}

/** The live message, marked as history: events get `backfill` (they trigger no flow). */
function asHistory(message: OutboxMessage): OutboxMessage {
  if (message.kind !== 'event') return message;
  return { ...message, payload: { ...message.payload, backfill: true } };
}

/**
 * A past order's messages: the same builders as live traffic (outbox/lifecycle.ts), so each event has
 * the unique_id and outbox key the live one had. An order the store sent live is therefore skipped
 * by the outbox (its key is known), and Klaviyo dedups an event it already holds.
 */
export function orderHistory(record: HistoricalOrder): OutboxMessage[] {
  const { order, profile } = record;
  const live = [
    ...orderMessages.placed(order, profile),
    ...record.fulfillments.flatMap((f) => [
      ...orderMessages.fulfilled(order, f, profile),
      ...(f.updates ?? []).flatMap((u) => orderMessages.shipment(order, f, u, profile)),
    ]),
    ...(record.cancellation ? orderMessages.cancelled(order, record.cancellation, profile) : []),
    ...record.refunds.flatMap((r) => orderMessages.refunded(order, r, profile)),
  ];
  return live.map(asHistory);
}

/** A past customer's profile write, keyed by the store's customer id. */
export const customerHistory = (record: HistoricalCustomer): OutboxMessage =>
  profileMessage(`backfill:customer:${record.id}`, {
    profile: record.profile,
    ...(record.properties ? { properties: record.properties } : {}),
    ...(record.location ? { location: record.location } : {}),
    backfill: true,
  });

/** Past consent: the live change (same id) sent as a historical import with its original time. */
export const consentHistory = (record: HistoricalConsent): OutboxMessage =>
  consentMessage({ ...consentChange(record), historicalImport: true });

/** A page of any stream as messages; a record that cannot be sent is skipped with its reason. */
export function buildPage(stream: HistoryStream, items: readonly unknown[]): BuiltPage {
  const messages: OutboxMessage[] = [];
  const skipped: SkippedRecord[] = [];
  for (const item of items) {
    if (stream === 'orders') {
      const record = item as HistoricalOrder;
      if (!isIdentified(record.profile)) {
        skipped.push({ stream, id: record.order.orderId, reason: 'no email, phone or external id' });
      } else messages.push(...orderHistory(record));
    } else if (stream === 'customers') {
      const record = item as HistoricalCustomer;
      if (!isIdentified(record.profile)) {
        skipped.push({ stream, id: record.id, reason: 'no email, phone or external id' });
      } else messages.push(customerHistory(record));
    } else {
      const record = item as HistoricalConsent;
      try {
        messages.push(consentHistory(record));
      } catch (error) {
        const id = `${record.channel}:${record.consentedAt}`;
        skipped.push({ stream, id, reason: error instanceof Error ? error.message : String(error) });
      }
    }
  }
  return { messages, skipped };
}
