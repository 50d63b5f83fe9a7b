import 'server-only';
import { createHash, timingSafeEqual } from 'node:crypto';
import { env } from '../../env';
import type { FieldError } from '../http/field-error';
import type { RoundResult } from './dispatcher';
import { drainSoon } from './runtime';

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
  budgetMs: number,
): Promise<DrainOutcome> {
  const secret = env().outbox.drainSecret;
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
  const result = await drainSoon(budgetMs);
  return { status: 200, result: result ?? { alreadyRunning: true } };
}
