import 'server-only';
import { randomUUID } from 'node:crypto';
import type { KlaviyoClient } from '../api/client';
import { KlaviyoApiError } from '../api/errors';
import { deliverAll, KNOWN_KINDS, roundControl } from './deliver/index';
import type { Outcome, Outcomes } from './deliver/outcome';
import type { OutboxFence, OutboxStore } from './store';
import { type DeliveryError, type OutboxRecord, orderKeyOf } from './types';

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

/** A record a round ended without an outcome for was not delivered: it is retried. */
const NO_OUTCOME: Outcome = {
  kind: 'failed',
  error: new KlaviyoApiError('deliver', {
    status: 0,
    code: 'no_outcome',
    detail: 'The delivery round ended without an answer for this message.',
  }),
};

/** Failures of our own (deliver/outcome.ts asApiError), not answers from Klaviyo. */
const isOurs = (e: KlaviyoApiError) => e.code === 'internal_error' || e.code === 'no_outcome';
const MAX_INTERNAL_ATTEMPTS = 10;

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

  const send = (records: OutboxRecord[]): Promise<Outcomes> =>
    deliverAll(client, records, new Map(), roundControl());

  /** When a failed record is tried again: exponential backoff with jitter, from its attempts so far. */
  const retryAt = (record: OutboxRecord) => {
    const ceiling = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** record.attempts);
    return now() + Math.round(ceiling / 2 + random() * (ceiling / 2));
  };

  async function settle(records: OutboxRecord[], outcomes: Outcomes): Promise<RoundResult> {
    const result: RoundResult = { claimed: records.length, delivered: 0, retrying: 0, dead: 0 };
    const delivered: number[] = [];
    const fences: OutboxFence[] = [];
    const unknown: number[] = [];
    const heldBack: { record: OutboxRecord; because: KlaviyoApiError }[] = [];
    // The soonest retry each stopping error scheduled: what its failure held back goes no earlier.
    const resumeAt = new Map<KlaviyoApiError, number>();
    const resume = (error: KlaviyoApiError, at: number) =>
      resumeAt.set(error, Math.min(resumeAt.get(error) ?? at, at));
    for (const record of records) {
      if (!KNOWN_KINDS.includes(record.kind)) {
        unknown.push(record.id);
        continue;
      }
      const outcome = outcomes.get(record.id) ?? NO_OUTCOME;
      if (outcome.kind === 'delivered') {
        delivered.push(record.id);
        const orderKey = orderKeyOf(record);
        if (outcome.settles && orderKey) fences.push({ orderKey, ...outcome.settles });
        continue;
      }
      if (outcome.kind === 'held') {
        heldBack.push({ record, because: outcome.because });
        continue;
      }
      const { error } = outcome;
      if (error.status === 429) {
        const until = now() + (error.retryAfterMs ?? 1_000);
        await store.pause(account, until);
        await store.markRetry(owner, [record.id], toDeliveryError(error), until, false, now());
        result.pausedUntil = Math.max(result.pausedUntil ?? 0, until);
        resume(error, until);
        result.retrying++;
      } else if (isOurs(error) && record.attempts + 1 >= MAX_INTERNAL_ATTEMPTS) {
        // A failure of our own that keeps coming back will not go away by itself: show it.
        await store.markDead(owner, [record.id], toDeliveryError(error), now());
        result.dead++;
      } else if (error.retryable || isAccountProblem(error)) {
        const at = retryAt(record);
        await store.markRetry(owner, [record.id], toDeliveryError(error), at, true, now());
        resume(error, at);
        result.retrying++;
      } else {
        await store.markDead(owner, [record.id], toDeliveryError(error), now());
        result.dead++;
      }
    }
    // Never sent: released, no attempt counted, due again when the failure that stopped them is.
    const heldUntil = new Map<number, number[]>();
    for (const { record, because } of heldBack) {
      const at = resumeAt.get(because) ?? now() + RETRY_BASE_MS;
      heldUntil.set(at, [...(heldUntil.get(at) ?? []), record.id]);
    }
    for (const [at, ids] of heldUntil) await store.release(owner, ids, at, now());
    result.retrying += heldBack.length;
    // Another worker's kind: handed back untouched (see KNOWN_KINDS).
    await store.release(owner, unknown, undefined, now());
    await store.markDelivered(owner, delivered, now(), fences);
    result.delivered = delivered.length;
    return result;
  }

  /** Claims one batch of due messages this worker knows how to deliver, and delivers it. */
  async function round(): Promise<RoundResult> {
    const pausedUntil = await store.pausedUntil(account);
    if (pausedUntil > now()) return { claimed: 0, delivered: 0, retrying: 0, dead: 0, pausedUntil };
    const records = await store.claim(owner, batchSize, leaseMs, now(), KNOWN_KINDS);
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
      // Nothing claimed, Klaviyo asks us to wait, or nothing this worker could settle (released only).
      if (r.claimed === 0 || r.pausedUntil || r.delivered + r.retrying + r.dead === 0) break;
    }
    return total;
  }

  return { round, drain, owner };
}

export type Dispatcher = ReturnType<typeof createDispatcher>;
