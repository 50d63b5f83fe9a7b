import 'server-only';
import type { Session } from 'next-auth';
import { z } from 'zod';
import type { ActionResult } from '../admin/contracts';
import { describeFailure } from '../admin/errors';
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
    if (!parsed.success) {
      const { fieldErrors } = z.flattenError(parsed.error);
      return {
        ok: false,
        error: {
          code: 'invalid',
          message: parsed.error.issues[0]?.message ?? 'Invalid input.',
          fields: fieldErrors as Record<string, string[]>,
        },
      };
    }
    try {
      return { ok: true, data: await run(parsed.data, check.session) };
    } catch (error) {
      return { ok: false, error: describeFailure(error) };
    }
  };
}
