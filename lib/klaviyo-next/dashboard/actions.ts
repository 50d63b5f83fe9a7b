import 'server-only';
import { z } from 'zod';
import type { ActionResult } from '../http/action-result';
import { fieldErrorOf } from '../http/field-error';
import type { MerchantGuard } from '../ports';
import { refreshCached } from './cache/cached';
import { PERIODS } from './contracts';
import { replayDeadLetters } from './delivery';
import type { AdminDeps } from './deps';
import { describeFailure } from './errors';
import { klaviyoId } from './http';
import { addMember, createList, removeMembers } from './lists';
import { campaignReportSource, flowReportSource, MANUAL_REFRESH_MIN_AGE_MS } from './reports';
import { getSettings, recheckSettings } from './settings';
import { registerStoreWebhook, removeStoreWebhook } from './settings-webhook';

const NO_GUARD = {
  ok: false,
  status: 403,
  message: 'The dashboard has no merchant guard configured.',
} as const;

/**
 * Builds a dashboard server action. Server actions are public POST endpoints that any client can call
 * with any arguments, so each one (a) asks the merchant guard inside the action, (b) zod-parses the
 * input and (c) answers `{ ok, data } | { ok: false, error }` rather than throwing, for useActionState
 * and react-query alike.
 */
export function guardedAction<S extends z.ZodType, T>(
  guard: MerchantGuard | undefined,
  schema: S,
  run: (input: z.output<S>) => Promise<T>,
): (input: z.input<S>) => Promise<ActionResult<T>> {
  return async (input) => {
    const decision = guard ? await guard() : NO_GUARD;
    if (!decision.ok) {
      const code = decision.status === 401 ? 'unauthenticated' : 'forbidden';
      return { ok: false, error: { code, message: decision.message } };
    }
    const parsed = schema.safeParse(input);
    // The same field error as every other action and route: the first problem, named by its field.
    if (!parsed.success) return { ok: false, error: { code: 'invalid', ...fieldErrorOf(parsed.error) } };
    try {
      return { ok: true, data: await run(parsed.data) };
    } catch (error) {
      return { ok: false, error: describeFailure(error) };
    }
  };
}

/**
 * The dashboard's server actions. A host re-exports each from a `'use server'` file of its own
 * (`export const createList = klaviyo.dashboard.actions.createList`... as an async function).
 */
export function dashboardActions(deps: () => AdminDeps, guard: MerchantGuard | undefined) {
  return {
    /** Creates a Klaviyo list (the account's default opt-in process applies). */
    createList: guardedAction(
      guard,
      z.object({
        name: z.string().trim().min(1, 'Give the list a name.').max(100, 'At most 100 characters.'),
      }),
      ({ name }) => createList(deps(), name),
    ),
    /** Adds a profile to a list by email, creating the profile if Klaviyo has none with that email. */
    addListMember: guardedAction(
      guard,
      z.object({ listId: klaviyoId, email: z.email('Enter an email address.').max(254) }),
      ({ listId, email }) => addMember(deps(), listId, email.toLowerCase()),
    ),
    /** Removes a profile from a list; its consent is left as it is. */
    removeListMember: guardedAction(
      guard,
      z.object({ listId: klaviyoId, profileId: klaviyoId }),
      ({ listId, profileId }) => removeMembers(deps(), listId, [profileId]),
    ),
    /**
     * Puts one dead-lettered message back in the queue and asks for delivery, unless a newer change for
     * the same person has replaced it (the answer's `skipped` says so).
     */
    replayDeadLetter: guardedAction(guard, z.object({ id: z.number().int().positive() }), ({ id }) =>
      replayDeadLetters(deps(), [id]),
    ),
    /** Puts every dead-lettered message back in the queue, but those since replaced, and asks for delivery. */
    replayAllDeadLetters: guardedAction(guard, z.object({}), () => replayDeadLetters(deps())),
    /** "Check again": key, scopes and webhooks, each at most once a minute. */
    recheckConnection: guardedAction(guard, z.object({}), () => recheckSettings(deps())),
    /**
     * Settings' "Register webhook": creates (or puts right) the store's webhook at Klaviyo for the consent
     * topics, signed with KLAVIYO_WEBHOOK_SECRET; answers the settings as they are then.
     */
    registerWebhook: guardedAction(guard, z.object({}), async () => {
      await registerStoreWebhook(deps());
      return getSettings(deps());
    }),
    /** Settings' "Remove webhook": deletes the store's webhook at Klaviyo. */
    removeWebhook: guardedAction(guard, z.object({}), async () => {
      await removeStoreWebhook(deps());
      return getSettings(deps());
    }),
    /**
     * "Refresh" on the overview: re-reads the period's campaign and flow reports unless they are younger
     * than two minutes, still within the reporting budget (2/m, 225/day); the answer says what happened.
     */
    refreshReports: guardedAction(guard, z.object({ period: z.enum(PERIODS) }), async ({ period }) => {
      const d = deps();
      const campaigns = await refreshCached(d, campaignReportSource(d, period), MANUAL_REFRESH_MIN_AGE_MS);
      const flows = await refreshCached(d, flowReportSource(d, period), MANUAL_REFRESH_MIN_AGE_MS);
      const deferred = [campaigns, flows].flatMap((o) => (o.status === 'deferred' ? [o.nextAt] : []));
      return {
        campaigns: campaigns.status,
        flows: flows.status,
        nextRefreshAt: deferred.length ? Math.max(...deferred) : null,
      };
    }),
  };
}

export type DashboardActions = ReturnType<typeof dashboardActions>;

/** What a dashboard action takes, for a host's `'use server'` wrapper of it. */
export type DashboardActionInput<K extends keyof DashboardActions> = Parameters<DashboardActions[K]>[0];
