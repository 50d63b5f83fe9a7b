import 'server-only';
import type { NextAuthOptions } from 'next-auth';
import CredentialsProvider from 'next-auth/providers/credentials';
import GitHubProvider from 'next-auth/providers/github';
import GoogleProvider from 'next-auth/providers/google';
import { env } from '../env';
import { clientAddress } from './client-address';
import { MERCHANT_ROLE, verifyAdminCredentials } from './credentials';
import './types';

export const SIGN_IN_PATH = '/admin/sign-in';
// A working day; a stolen cookie is worth less the sooner it ends.
const SESSION_MAX_AGE_S = 8 * 60 * 60;

function buildAuthOptions(): NextAuthOptions {
  const { auth, trustedProxyHops } = env();
  const providers: NextAuthOptions['providers'] = [
    CredentialsProvider({
      id: 'credentials',
      name: 'Email and password',
      credentials: {
        email: { label: 'Email', type: 'email' },
        password: { label: 'Password', type: 'password' },
      },
      // The address only as the trusted proxies report it: X-Forwarded-For's leftmost entries are the client's own words.
      authorize: (credentials, request) =>
        verifyAdminCredentials(credentials ?? {}, clientAddress(request.headers, trustedProxyHops)),
    }),
  ];
  if (auth.github) providers.push(GitHubProvider(auth.github));
  if (auth.google) providers.push(GoogleProvider(auth.google));

  const production = env().nodeEnv === 'production';
  return {
    secret: auth.secret,
    // Outside production NEXTAUTH_URL may be unset (the port varies); production requires it (lib/env.ts).
    logger: {
      warn: (code) => {
        if (production || code !== 'NEXTAUTH_URL') console.warn(`[next-auth] ${code}`);
      },
      error: (code, metadata) => console.error(`[next-auth] ${code}`, metadata),
      debug: () => undefined,
    },
    session: { strategy: 'jwt', maxAge: SESSION_MAX_AGE_S },
    pages: { signIn: SIGN_IN_PATH, error: SIGN_IN_PATH },
    providers,
    callbacks: {
      /**
       * Credentials were checked in `authorize`. An OAuth identity is a merchant only with a
       * verified email on the allow-list (ADMIN_EMAIL, ADMIN_OAUTH_EMAILS): anyone can own a GitHub
       * or Google account.
       */
      signIn({ user, account, profile }) {
        if (account?.provider === 'credentials') return user.role === MERCHANT_ROLE;
        const email = (profile?.email ?? user.email ?? '').toLowerCase();
        const verified =
          account?.provider !== 'google' || (profile as { email_verified?: boolean })?.email_verified;
        return Boolean(email && verified && auth.oauthEmails.includes(email));
      },
      jwt({ token, user }) {
        if (user) token.role = MERCHANT_ROLE;
        return token;
      },
      session({ session, token }) {
        session.user = { ...session.user, id: token.sub ?? '', role: token.role };
        return session;
      },
    },
  };
}

let cached: NextAuthOptions | undefined;

/** next-auth's options, built from lib/env.ts on first use (not at import, so builds stay lazy). */
export function getAuthOptions(): NextAuthOptions {
  cached ??= buildAuthOptions();
  return cached;
}
