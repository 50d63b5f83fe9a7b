'use server';

import { z } from 'zod';
import { merchantAction } from '@/lib/auth/action';
import { adminDeps } from '@/lib/klaviyo-next/dashboard/deps';
import { klaviyoId } from '@/lib/klaviyo-next/dashboard/http';
import { addMember, createList as create, removeMembers } from '@/lib/klaviyo-next/dashboard/lists';

/** Creates a Klaviyo list (the account's default opt-in process applies). */
export const createList = merchantAction(
  z.object({ name: z.string().trim().min(1, 'Give the list a name.').max(100, 'At most 100 characters.') }),
  async ({ name }) => create(await adminDeps(), name),
);

/** Adds a profile to a list by email, creating the profile if Klaviyo has none with that email. */
export const addListMember = merchantAction(
  z.object({ listId: klaviyoId, email: z.email('Enter an email address.').max(254) }),
  async ({ listId, email }) => addMember(await adminDeps(), listId, email.toLowerCase()),
);

/** Removes a profile from a list; its consent is left as it is. */
export const removeListMember = merchantAction(
  z.object({ listId: klaviyoId, profileId: klaviyoId }),
  async ({ listId, profileId }) => removeMembers(await adminDeps(), listId, [profileId]),
);
