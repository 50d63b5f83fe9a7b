'use server';

import { revalidatePath } from 'next/cache';
import { cookies } from 'next/headers';
import { redirect } from 'next/navigation';
import { app } from '@/lib/app';
import { SHOPPER_SESSION_COOKIE } from '@/lib/store/cookies';
import { changePreferences } from '@/lib/store/preferences';

/** The page's messages for a refused change, by the field it names; never the shopper's own text. */
const ERROR_CODES: Record<string, string> = {
  'marketing.email': 'consent',
  'marketing.sms': 'consent',
  phone: 'phone',
};

/**
 * One subscribe or unsubscribe from the preferences page, for the signed-in shopper only: the
 * session cookie names her, the form only a channel (lib/store/preferences.ts). Without a session
 * it goes to sign-in and changes nothing.
 */
export async function updatePreferences(form: FormData): Promise<void> {
  const token = (await cookies()).get(SHOPPER_SESSION_COOKIE)?.value;
  const result = await changePreferences(app.store, token, form);
  if (!result.ok) {
    if (!result.error.field) redirect('/account/sign-in?next=/account/preferences');
    // An unsubscribe names no phone: its phone error is that her record has none.
    const code =
      form.get('action') === 'unsubscribe' && result.error.field === 'phone' ? 'no-phone' : undefined;
    redirect(`/account/preferences?error=${code ?? ERROR_CODES[result.error.field] ?? 'invalid'}`);
  }
  revalidatePath('/account/preferences');
  redirect(`/account/preferences?saved=${result.data.channel}`);
}
