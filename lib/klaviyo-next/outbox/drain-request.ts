import 'server-only';
import { createHash, timingSafeEqual } from 'node:crypto';
import { errorResponse } from '../http/error-response';
import type { FieldError } from '../http/field-error';
import type { RoundResult } from './dispatcher';
import type { PruneResult } from './retention';

/** What a drain call answers: its rounds (or that one was running), and the retention pass after. */
export type DrainResult = (RoundResult | { alreadyRunning: true }) & { pruned?: PruneResult };

export type DrainOutcome = { status: 200; result: DrainResult } | { status: 401 | 404; error: FieldError };

// Digests, not the strings: equal lengths whatever was sent, so no answer time tells the secret's length.
const digest = (text: string) => createHash('sha256').update(text).digest();
const sameSecret = (given: string, expected: string) => timingSafeEqual(digest(given), digest(expected));

/**
 * The cron drain for serverless hosts: `Authorization: Bearer <OUTBOX_DRAIN_SECRET>`. Without a
 * configured secret the route does not exist, so it can never be an open trigger. After draining it
 * runs `prune` (a retention pass), so a host without a worker still prunes: on the schedule its
 * cron already has.
 */
export async function drainFromRequest(
  authorization: string | null,
  secret: string | undefined,
  drain: () => Promise<RoundResult | undefined>,
  prune?: () => Promise<PruneResult | undefined>,
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
  const result = await drain();
  const pruned = await prune?.();
  return { status: 200, result: { ...(result ?? { alreadyRunning: true }), ...(pruned ? { pruned } : {}) } };
}

/** The drain route's handlers: Vercel Cron calls with GET; other schedulers usually POST. */
export function drainRoute(
  secret: string | undefined,
  drain: () => Promise<RoundResult | undefined>,
  prune?: () => Promise<PruneResult | undefined>,
) {
  const handle = async (request: Request): Promise<Response> => {
    const outcome = await drainFromRequest(request.headers.get('authorization'), secret, drain, prune);
    if (outcome.status !== 200) return errorResponse(outcome.status, outcome.error);
    return Response.json(outcome.result);
  };
  return { GET: handle, POST: handle };
}
