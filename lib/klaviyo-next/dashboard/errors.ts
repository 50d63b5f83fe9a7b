import 'server-only';
import { KlaviyoApiError } from '../api';
import { errorResponse } from '../http/error-response';
import type { ActionErrorCode } from './contracts';

/** A failure the merchant can act on (not found, bad input), thrown by lib/klaviyo-next/dashboard use cases. */
export class AdminError extends Error {
  override readonly name = 'AdminError';
  constructor(
    readonly code: ActionErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** What went wrong, in words for the merchant: Klaviyo's own detail where it gave one. */
export function describeFailure(error: unknown): { code: ActionErrorCode; message: string } {
  if (error instanceof AdminError) return { code: error.code, message: error.message };
  if (error instanceof KlaviyoApiError) {
    if (error.status === 404) return { code: 'not_found', message: `Klaviyo: ${error.detail}` };
    if (error.status === 429)
      return {
        code: 'rate_limited',
        message: 'Klaviyo is rate limiting this account; try again in a minute.',
      };
    if (error.status === 400) return { code: 'invalid', message: `Klaviyo: ${error.detail}` };
    if (error.status === 0) return { code: 'failed', message: `Could not reach Klaviyo (${error.detail})` };
    return { code: 'failed', message: `Klaviyo answered ${error.status || 'nothing'}: ${error.detail}` };
  }
  console.error('[admin] unexpected failure', error);
  return { code: 'failed', message: 'Something went wrong on our side; try again.' };
}

const STATUS: Record<ActionErrorCode, number> = {
  unauthenticated: 401,
  forbidden: 403,
  invalid: 400,
  not_found: 404,
  rate_limited: 429,
  failed: 502,
};

/** A route handler's JSON error answer for a failure: its kind is the status, its words the message. */
export function failureResponse(error: unknown): Response {
  const failure = describeFailure(error);
  const headers = failure.code === 'rate_limited' ? { 'Retry-After': '60' } : undefined;
  return errorResponse(STATUS[failure.code], failure, headers);
}
