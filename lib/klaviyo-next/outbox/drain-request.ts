import 'server-only';
import { createHash, timingSafeEqual } from 'node:crypto';
import { errorResponse } from '../http/error-response';
import type { FieldError } from '../http/field-error';
import type { RoundResult } from './dispatcher';
import type { PruneResult } from './retention';

/**
 * The drain route's time limit: its route file exports `maxDuration = 60` (seconds), what Vercel
 * allows a function by default on every plan with fluid compute, after which the host stops it.
 */
export const DRAIN_ROUTE_MAX_DURATION_MS = 60_000;
/** Of that: the retention pass after the drain (prune), and what is left for answering. */
const PRUNE_BUDGET_MS = 5_000;
const ANSWER_MARGIN_MS = 5_000;
/**
 * What the drain itself may take: its rounds are cut off at this deadline (less the dispatcher's own
 * second to settle), so it always answers in time and keeps what it delivered; the next cron run
 * continues where it stopped.
 */
export const DRAIN_BUDGET_MS = DRAIN_ROUTE_MAX_DURATION_MS - PRUNE_BUDGET_MS - ANSWER_MARGIN_MS;

/** A drain given its time budget (ms); answers undefined when it joined one already running. */
export type DrainWithin = (budgetMs: number) => Promise<RoundResult | undefined>;
/** A retention pass given its time budget (ms). */
export type PruneWithin = (budgetMs: number) => Promise<PruneResult | undefined>;

/** What a drain call answers: its rounds (or that one was running), and the retention pass after. */
export type DrainResult = (RoundResult | { alreadyRunning: true }) & { pruned?: PruneResult };

export type DrainOutcome = { status: 200; result: DrainResult } | { status: 401 | 404; error: FieldError };

// Digests, not the strings: equal lengths whatever was sent, so no answer time tells the secret's length.
const digest = (text: string) => createHash('sha256').update(text).digest();
const sameSecret = (given: string, expected: string) => timingSafeEqual(digest(given), digest(expected));

/**
 * The cron drain for serverless hosts: `Authorization: Bearer <OUTBOX_DRAIN_SECRET>`. Without a
 * configured secret the route does not exist, so it can never be an open trigger. The drain gets
 * DRAIN_BUDGET_MS of the route's 60 s; after it, `prune` (a retention pass) gets what is left of its
 * share, so a host without a worker still prunes, on the schedule its cron already has.
 */
export async function drainFromRequest(
  authorization: string | null,
  secret: string | undefined,
  drain: DrainWithin,
  prune?: PruneWithin,
  now: () => number = Date.now,
): Promise<DrainOutcome> {
  if (!secret)
    return {
      status: 404,
      error: { message: 'The drain route is off; set OUTBOX_DRAIN_SECRET to enable it.' },
    };
  const given = authorization?.match(/^Bearer (.+)$/)?.[1];
  if (!given || !sameSecret(given, secret))
    return {
      status: 401,
      error: {
        field: 'authorization',
        message: 'A valid Authorization: Bearer <secret> header is required.',
      },
    };
  const started = now();
  const result = await drain(DRAIN_BUDGET_MS);
  // Whatever the drain left of the route's time, less the answer's margin, and never more than its share.
  const left = DRAIN_ROUTE_MAX_DURATION_MS - ANSWER_MARGIN_MS - (now() - started);
  const pruned = left > 0 ? await prune?.(Math.min(PRUNE_BUDGET_MS, left)) : undefined;
  return { status: 200, result: { ...(result ?? { alreadyRunning: true }), ...(pruned ? { pruned } : {}) } };
}

/** The drain route's handlers: Vercel Cron calls with GET; other schedulers usually POST. */
export function drainRoute(secret: string | undefined, drain: DrainWithin, prune?: PruneWithin) {
  const handle = async (request: Request): Promise<Response> => {
    const outcome = await drainFromRequest(request.headers.get('authorization'), secret, drain, prune);
    if (outcome.status !== 200) return errorResponse(outcome.status, outcome.error);
    return Response.json(outcome.result);
  };
  return { GET: handle, POST: handle };
}
