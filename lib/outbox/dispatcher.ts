import 'server-only';
import { randomUUID } from 'node:crypto';
import type { KlaviyoClient } from '../klaviyo/client';
import type { KlaviyoApiError } from '../klaviyo/errors';
import { deliverBackInStock } from './deliver/back-in-stock';
import { deliverConsent } from './deliver/consent';
import { deliverEvents } from './deliver/events';
import type { Outcomes } from './deliver/outcome';
import { deliverProfiles } from './deliver/profiles';
import type { OutboxStore } from './store';
import type { DeliveryError, OutboxRecord } from './types';

export interface DispatcherOptions {
  store: OutboxStore;
  client: KlaviyoClient;
  /** The Klaviyo account whose rate limits a 429 pauses. */
  account?: string;
  owner?: string;
  /** Claimed per round: one bulk job's worth of events (bulk_create_events takes 1,000). */
  batchSize?: number;
  /** Longer than a round can take, so a live worker never loses its claim. */
  leaseMs?: number;
  now?: () => number;
  random?: () => number;
}

export interface RoundResult {
  claimed: number;
  delivered: number;
  retrying: number;
  dead: number;
  pausedUntil?: number;
}

// Transient failures back off exponentially to a ceiling, and are retried for as long as it takes:
// an outage delays delivery, it never drops an accepted fact.
const RETRY_BASE_MS = 2_000;
const RETRY_MAX_MS = 10 * 60_000;

const toDeliveryError = (e: KlaviyoApiError): DeliveryError => ({
  status: e.status,
  code: e.code,
  detail: e.detail,
  ...(e.pointer ? { pointer: e.pointer } : {}),
});

/** An authentication or permission failure is the account's problem, not the message's: keep it. */
const isAccountProblem = (e: KlaviyoApiError) => e.status === 401 || e.status === 403;

export function createDispatcher(options: DispatcherOptions) {
  const { store, client } = options;
  const account = options.account ?? 'default';
  const owner = options.owner ?? `dispatcher-${randomUUID()}`;
  const batchSize = options.batchSize ?? 1000;
  const leaseMs = options.leaseMs ?? 5 * 60_000;
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;

  async function send(records: OutboxRecord[]): Promise<Outcomes> {
    const of = <K extends OutboxRecord['kind']>(kind: K) =>
      records.filter((r): r is Extract<OutboxRecord, { kind: K }> => r.kind === kind);
    const outcomes: Outcomes = new Map();
    // Profiles first: a profile write carries the browser's exchange id (`_kx`) beside the email, so it
    // joins a new email to the profile the shopper browsed as. Consent next (its job takes only email
    // and phone, which would otherwise start a second profile), then events, which so land on a profile
    // that already carries its consent.
    const parts = [
      await deliverProfiles(client, of('profile')),
      await deliverConsent(client, of('consent')),
      await deliverEvents(client, of('event')),
      await deliverBackInStock(client, of('back-in-stock')),
    ];
    for (const part of parts) {
      for (const [id, outcome] of part) outcomes.set(id, outcome);
    }
    return outcomes;
  }

  async function settle(records: OutboxRecord[], outcomes: Outcomes): Promise<RoundResult> {
    const result: RoundResult = { claimed: records.length, delivered: 0, retrying: 0, dead: 0 };
    const delivered: number[] = [];
    for (const record of records) {
      const error = outcomes.get(record.id);
      if (!error) {
        delivered.push(record.id);
        continue;
      }
      if (error.status === 429) {
        const until = now() + (error.retryAfterMs ?? 1_000);
        await store.pause(account, until);
        await store.markRetry(owner, [record.id], toDeliveryError(error), until, false, now());
        result.pausedUntil = Math.max(result.pausedUntil ?? 0, until);
        result.retrying++;
      } else if (error.retryable || isAccountProblem(error)) {
        const ceiling = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** record.attempts);
        const wait = Math.round(ceiling / 2 + random() * (ceiling / 2));
        await store.markRetry(owner, [record.id], toDeliveryError(error), now() + wait, true, now());
        result.retrying++;
      } else {
        await store.markDead(owner, [record.id], toDeliveryError(error), now());
        result.dead++;
      }
    }
    await store.markDelivered(owner, delivered, now());
    result.delivered = delivered.length;
    return result;
  }

  /** Claims one batch of due messages and delivers it. */
  async function round(): Promise<RoundResult> {
    const pausedUntil = await store.pausedUntil(account);
    if (pausedUntil > now()) return { claimed: 0, delivered: 0, retrying: 0, dead: 0, pausedUntil };
    const records = await store.claim(owner, batchSize, leaseMs, now());
    if (records.length === 0) return { claimed: 0, delivered: 0, retrying: 0, dead: 0 };
    return settle(records, await send(records));
  }

  /**
   * Delivers until nothing is due, Klaviyo asks us to wait, or `deadlineMs` passes (a serverless
   * function's time budget). Returns the totals.
   */
  async function drain(deadlineMs = Number.POSITIVE_INFINITY): Promise<RoundResult> {
    const total: RoundResult = { claimed: 0, delivered: 0, retrying: 0, dead: 0 };
    while (now() < deadlineMs) {
      const r = await round();
      total.claimed += r.claimed;
      total.delivered += r.delivered;
      total.retrying += r.retrying;
      total.dead += r.dead;
      if (r.pausedUntil) total.pausedUntil = r.pausedUntil;
      if (r.claimed === 0 || r.pausedUntil) break;
    }
    return total;
  }

  return { round, drain, owner };
}

export type Dispatcher = ReturnType<typeof createDispatcher>;
