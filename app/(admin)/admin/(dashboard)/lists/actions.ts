'use server';

import { app } from '@/lib/app';
import type { DashboardActionInput } from '@/lib/klaviyo-next';

/** Creates a Klaviyo list (the account's default opt-in process applies). */
export async function createList(input: DashboardActionInput<'createList'>) {
  return app.klaviyo.dashboard.actions.createList(input);
}

/** Adds a profile to a list by email, creating the profile if Klaviyo has none with that email. */
export async function addListMember(input: DashboardActionInput<'addListMember'>) {
  return app.klaviyo.dashboard.actions.addListMember(input);
}

/** Removes a profile from a list; its consent is left as it is. */
export async function removeListMember(input: DashboardActionInput<'removeListMember'>) {
  return app.klaviyo.dashboard.actions.removeListMember(input);
}
