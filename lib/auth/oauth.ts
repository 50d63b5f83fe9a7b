import 'server-only';
import GitHubProvider, { type GithubProfile } from 'next-auth/providers/github';

/** One entry of GitHub's `GET /user/emails` (needs the `user:email` scope next-auth asks for). */
export interface GitHubEmail {
  email: string;
  primary: boolean;
  verified: boolean;
  visibility?: string | null;
}

/** The GitHub profile as this app reads it: `/user` plus the account's addresses from `/user/emails`. */
export type GitHubProfileWithEmails = GithubProfile & { emails?: GitHubEmail[] };

export const GITHUB_API = 'https://api.github.com';

/**
 * The account's addresses with their `primary` and `verified` flags. `/user` alone gives only the
 * public address, with no word on whether GitHub ever verified it; `/user/emails` says, per address.
 * Empty when GitHub does not answer: the sign-in is then refused, not guessed.
 */
export async function fetchGitHubEmails(accessToken: string, api = GITHUB_API): Promise<GitHubEmail[]> {
  const response = await fetch(`${api}/user/emails`, {
    headers: { Authorization: `Bearer ${accessToken}`, Accept: 'application/vnd.github+json' },
  });
  if (!response.ok) return [];
  const body = (await response.json()) as unknown;
  if (!Array.isArray(body)) return [];
  return body.filter(
    (e): e is GitHubEmail =>
      typeof e === 'object' && e !== null && typeof (e as GitHubEmail).email === 'string',
  );
}

/**
 * next-auth's GitHub provider, except that the profile always carries `/user/emails` and its `email`
 * is the primary address (next-auth's own falls back to the public one, or the first of the list,
 * verified or not).
 */
export function gitHubProvider(client: { clientId: string; clientSecret: string }, api = GITHUB_API) {
  const base = GitHubProvider(client);
  return {
    ...base,
    userinfo: {
      url: `${api}/user`,
      async request({
        client: oauth,
        tokens,
      }: {
        client: { userinfo(token: string): Promise<Record<string, unknown>> };
        tokens: { access_token?: string };
      }) {
        const token = tokens.access_token ?? '';
        const profile = (await oauth.userinfo(token)) as GitHubProfileWithEmails;
        const emails = await fetchGitHubEmails(token, api);
        const primary = emails.find((e) => e.primary);
        return { ...profile, emails, email: primary?.email ?? null };
      },
    },
  } as typeof base;
}

/**
 * Whether an OAuth sign-in is a merchant: an address on the allow-list (ADMIN_EMAIL,
 * ADMIN_OAUTH_EMAILS) that the provider says it verified. Anyone can open a GitHub or Google account
 * and type any address into it; only a verified one proves its owner signed in.
 *
 * - GitHub: the account's primary address from `/user/emails`, with `verified: true`.
 * - Google: the OpenID Connect `email` with `email_verified: true`.
 * - Any other provider: refused until its own proof of the address is checked here.
 */
export function oauthSignInAllowed(
  provider: string | undefined,
  profile: unknown,
  allowList: readonly string[],
): boolean {
  const allowed = (email: unknown) =>
    typeof email === 'string' && email !== '' && allowList.includes(email.trim().toLowerCase());
  if (provider === 'github') {
    const emails = (profile as GitHubProfileWithEmails | undefined)?.emails;
    const primary = Array.isArray(emails) ? emails.find((e) => e.primary === true) : undefined;
    return primary?.verified === true && allowed(primary.email);
  }
  if (provider === 'google') {
    const google = profile as { email?: unknown; email_verified?: unknown } | undefined;
    return google?.email_verified === true && allowed(google.email);
  }
  return false;
}
