import type { FieldError } from './field-error';

/**
 * The one answer shape of every server action (the store's, the admin's): server actions are public
 * POST endpoints, so a refusal is a value the caller reads, never a throw. Plain types only, so
 * browser code imports them too.
 */

/** The kind of refusal, for callers that act on more than the message (the admin sends 401s to sign-in). */
export type ActionErrorCode =
  | 'unauthenticated'
  | 'forbidden'
  | 'invalid'
  | 'not_found'
  | 'rate_limited'
  | 'failed';

/** What is wrong: the field to blame when there is one, the words for it, and its kind when known. */
export interface ActionError extends FieldError {
  code?: ActionErrorCode;
}

export type ActionResult<T> = { ok: true; data: T } | { ok: false; error: ActionError };

/**
 * The state a `useActionState` form action keeps: the last refusal beside what the form shows again
 * (typed values, a "sent" marker). React passes it back as the next call's first argument and starts
 * from `{}`, which an `ActionResult` cannot be; its `error` is the same `ActionError`.
 */
export type FormState<Shown extends object = object> = { error?: ActionError } & Shown;
