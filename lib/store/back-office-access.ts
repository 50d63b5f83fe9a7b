import 'server-only';
import { env } from '../env';
import type { ActionResult } from './result';

/**
 * Whether the demo back office (fulfil, cancel, refund) may run. Server actions are public POST
 * endpoints, and the app has no merchant sign-in for the store yet, so the back office is open in
 * development and test only and refuses in production: closed by default until a merchant session
 * check replaces this one.
 */
export function backOfficeDenied(): ActionResult<never> | undefined {
  if (env().nodeEnv !== 'production') return undefined;
  return {
    ok: false,
    error: { message: 'The demo back office is disabled in production until merchant sign-in guards it.' },
  };
}
