import type { AccountLinks } from '../../lib/store/account-links.js';
import { confirmAccountLink, signUp } from '../../lib/store/accounts.js';
import type { StoreDeps } from '../../lib/store/deps.js';
import type { Mail } from '../../lib/store/mailer.js';

/** A link secret and a mailer that keeps what it sends, for the account tests. */
export function testLinks(secret = 'test-link-secret-test-link-secret-0123') {
  const sent: Mail[] = [];
  const links: AccountLinks = {
    secret,
    mailer: async (mail) => {
      sent.push(mail);
    },
  };
  /** The token of the newest link mailed to this address, if any. */
  const lastToken = (to: string) => {
    const mail = sent.filter((m) => m.to === to).at(-1);
    return mail?.link ? (new URL(mail.link).searchParams.get('token') ?? undefined) : undefined;
  };
  return Object.assign(links, { sent, lastToken });
}
export type TestLinks = ReturnType<typeof testLinks>;

/** Signs up through the mailed link, as a shopper would; returns the new session token. */
export async function accountThroughLink(
  deps: StoreDeps,
  links: TestLinks,
  form: { email: string; password: string; firstName: string; lastName: string } & Record<string, unknown>,
): Promise<string> {
  const requested = await signUp(deps, form, links);
  if (!requested.ok) throw new Error(requested.error.message);
  const confirmed = await confirmAccountLink(deps, links.lastToken(requested.data.sentTo), links);
  if (!confirmed.ok) throw new Error(confirmed.error.message);
  return confirmed.data.sessionToken;
}
