import 'server-only';
import type { NextAuthOptions } from 'next-auth';
import CredentialsProvider from 'next-auth/providers/credentials';
import GoogleProvider from 'next-auth/providers/google';
import { env } from '../env';
import { clientAddress } from '../klaviyo-next/http/client-address';
import { MERCHANT_ROLE, verifyAdminCredentials } from './credentials';
import { gitHubProvider, oauthSignInAllowed } from './oauth';
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
  if (auth.github) providers.push(gitHubProvider(auth.github));
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
       * provider-verified email on the allow-list (lib/auth/oauth.ts): anyone can own a GitHub or
       * Google account, and type any address into it.
       */
      signIn({ user, account, profile }) {
        if (account?.provider === 'credentials') return user.role === MERCHANT_ROLE;
        return oauthSignInAllowed(account?.provider, profile, auth.oauthEmails);
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
