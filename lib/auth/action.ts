import 'server-only';
import type { Session } from 'next-auth';
import type { z } from 'zod';
import { describeFailure } from '../klaviyo-next/dashboard/errors';
import type { ActionResult } from '../klaviyo-next/http/action-result';
import { fieldErrorOf } from '../klaviyo-next/http/field-error';
import { auth, checkMerchant } from './index';

/**
 * Builds an admin server action. Server actions are public POST endpoints that any client can call
 * with any arguments, so the wrapper (a) reads the session inside the action, (b) requires the
 * merchant role, (c) zod-parses the input and (d) answers `{ ok, data } | { ok: false, error }`
 * rather than throwing, for useActionState and react-query alike.
 */
export function merchantAction<S extends z.ZodType, T>(
  schema: S,
  run: (input: z.output<S>, session: Session) => Promise<T>,
  getSession: () => Promise<Session | null> = auth,
): (input: z.input<S>) => Promise<ActionResult<T>> {
  return async (input) => {
    const check = await checkMerchant(getSession);
    if (!check.ok) return { ok: false, error: { code: check.code, message: check.message } };
    const parsed = schema.safeParse(input);
    // The same field error as every other action and route: the first problem, named by its field.
    if (!parsed.success) return { ok: false, error: { code: 'invalid', ...fieldErrorOf(parsed.error) } };
    try {
      return { ok: true, data: await run(parsed.data, check.session) };
    } catch (error) {
      return { ok: false, error: describeFailure(error) };
    }
  };
}
