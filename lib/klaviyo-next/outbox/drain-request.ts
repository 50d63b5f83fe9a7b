import 'server-only';
import { createHash, timingSafeEqual } from 'node:crypto';
import { errorResponse } from '../http/error-response';
import type { FieldError } from '../http/field-error';
import type { RoundResult } from './dispatcher';

export type DrainOutcome =
  | { status: 200; result: RoundResult | { alreadyRunning: true } }
  | { status: 401 | 404; error: FieldError };

// Digests, not the strings: equal lengths whatever was sent, so no answer time tells the secret's length.
const digest = (text: string) => createHash('sha256').update(text).digest();
const sameSecret = (given: string, expected: string) => timingSafeEqual(digest(given), digest(expected));

/**
 * The cron drain for serverless hosts: `Authorization: Bearer <OUTBOX_DRAIN_SECRET>`. Without a
 * configured secret the route does not exist, so it can never be an open trigger.
 */
export async function drainFromRequest(
  authorization: string | null,
  secret: string | undefined,
  drain: () => Promise<RoundResult | undefined>,
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
  return { status: 200, result: result ?? { alreadyRunning: true } };
}

/** The drain route's handlers: Vercel Cron calls with GET; other schedulers usually POST. */
export function drainRoute(secret: string | undefined, drain: () => Promise<RoundResult | undefined>) {
  const handle = async (request: Request): Promise<Response> => {
    const outcome = await drainFromRequest(request.headers.get('authorization'), secret, drain);
    if (outcome.status !== 200) return errorResponse(outcome.status, outcome.error);
    return Response.json(outcome.result);
  };
  return { GET: handle, POST: handle };
}
