import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Account, Profile, User } from 'next-auth';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { getAuthOptions } from '../../lib/auth/config.js';
import { type GitHubEmail, gitHubProvider, oauthSignInAllowed } from '../../lib/auth/oauth.js';

/**
 * OAuth sign-in to the admin: an allow-listed address counts only when the provider verified it.
 * Anyone can open a GitHub account and type the merchant's address into it; GitHub then lists it
 * with `verified: false` until a link in it is followed. Before: GitHub's address was taken as is.
 */
vi.stubEnv('GITHUB_ID', 'gh-client');
vi.stubEnv('GITHUB_SECRET', 'gh-secret');
vi.stubEnv('ADMIN_EMAIL', 'owner@shop.example.com');

const ALLOWED = ['owner@shop.example.com'];
const github = (emails: GitHubEmail[] | undefined, email = 'owner@shop.example.com') =>
  ({ id: 7, login: 'someone', email, ...(emails ? { emails } : {}) }) as unknown as Profile;

/** The app's own signIn callback, as next-auth calls it after an OAuth provider answered. */
function signIn(provider: string, profile: Profile) {
  const user = { id: '7', email: (profile as { email?: string }).email } as User;
  const account = { provider, type: 'oauth', providerAccountId: '7' } as Account;
  return getAuthOptions().callbacks?.signIn?.({ user, account, profile });
}

describe('GitHub sign-in needs a verified primary email', () => {
  it('refuses the allow-listed address when GitHub has not verified it', async () => {
    // What next-auth's own GitHub provider passes on: /user's address, with no word on verification.
    expect(await signIn('github', github(undefined))).toBe(false);
    expect(
      await signIn('github', github([{ email: 'owner@shop.example.com', primary: true, verified: false }])),
    ).toBe(false);
  });

  it('refuses a verified address that is not the primary one, and a primary one not on the list', async () => {
    const emails = [
      { email: 'someone@else.example', primary: true, verified: true },
      { email: 'owner@shop.example.com', primary: false, verified: true },
    ];
    expect(await signIn('github', github(emails))).toBe(false);
    expect(
      oauthSignInAllowed('github', github([{ ...emails[0], primary: true } as GitHubEmail]), ALLOWED),
    ).toBe(false);
  });

  it('accepts a verified primary address on the allow-list, in any case', async () => {
    const emails = [{ email: 'Owner@Shop.Example.com', primary: true, verified: true }];
    expect(await signIn('github', github(emails))).toBe(true);
  });

  it('Google needs email_verified; a provider this app does not know is refused', () => {
    const google = (verified: unknown) =>
      ({ email: 'owner@shop.example.com', email_verified: verified }) as unknown as Profile;
    expect(oauthSignInAllowed('google', google(false), ALLOWED)).toBe(false);
    expect(oauthSignInAllowed('google', google('true'), ALLOWED)).toBe(false);
    expect(oauthSignInAllowed('google', google(true), ALLOWED)).toBe(true);
    expect(oauthSignInAllowed('gitlab', google(true), ALLOWED)).toBe(false);
  });
});

describe('the GitHub provider reads /user/emails', () => {
  let server: Server;
  let api: string;
  let emails: unknown = [];
  const seen: string[] = [];

  beforeAll(async () => {
    // Stands in for api.github.com: GET /user/emails with the user's token.
    server = createServer((request, response) => {
      seen.push(`${request.url} ${request.headers.authorization}`);
      response.writeHead(request.url === '/user/emails' ? 200 : 404, { 'content-type': 'application/json' });
      response.end(JSON.stringify(request.url === '/user/emails' ? emails : { message: 'Not Found' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  async function profileFor(list: unknown) {
    emails = list;
    const provider = gitHubProvider({ clientId: 'id', clientSecret: 'secret' }, api);
    const userinfo = provider.userinfo as unknown as {
      request(context: unknown): Promise<Profile & { emails: GitHubEmail[] }>;
    };
    return userinfo.request({
      client: { userinfo: async () => ({ id: 7, login: 'someone', email: 'owner@shop.example.com' }) },
      tokens: { access_token: 'gho_token' },
    });
  }

  it('puts the list and the primary address on the profile, and signIn judges by them', async () => {
    const unverified = await profileFor([
      { email: 'owner@shop.example.com', primary: true, verified: false },
    ]);
    expect(unverified.email).toBe('owner@shop.example.com');
    expect(seen.at(-1)).toBe('/user/emails Bearer gho_token');
    expect(await signIn('github', unverified)).toBe(false);

    const verified = await profileFor([
      { email: 'public@example.com', primary: false, verified: true },
      { email: 'owner@shop.example.com', primary: true, verified: true },
    ]);
    expect(verified.email).toBe('owner@shop.example.com');
    expect(await signIn('github', verified)).toBe(true);
  });

  it('refuses when GitHub does not list the addresses (an error or nonsense body)', async () => {
    const broken = await profileFor({ message: 'Requires authentication' });
    expect(broken.emails).toEqual([]);
    expect(await signIn('github', broken)).toBe(false);
  });
});
