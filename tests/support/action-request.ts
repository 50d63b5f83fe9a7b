import { encode } from 'next-auth/jwt';
import { env } from '../../lib/env.js';

/**
 * The request a server action runs in, stood in for in integration tests: its cookie jar, its
 * X-Forwarded-For, and redirect(). A test file mocks Next.js's modules with these (vi.mock is hoisted,
 * so the factory imports this module, which the test imports too: one jar for both):
 *
 *   vi.mock('next/headers', async () => (await import('../support/action-request.js')).nextHeaders);
 *   vi.mock('next/navigation', async () => (await import('../support/action-request.js')).nextNavigation);
 *
 * and clears the jar before each test (`beforeEach(() => jar.clear())`).
 */
export const jar = new Map<string, string>();

/** The request as a whole: its jar, and the X-Forwarded-For it arrives with ('' for none). */
export const request = { jar, forwardedFor: '' };

export const nextHeaders = {
  headers: async () => new Headers(request.forwardedFor ? { 'x-forwarded-for': request.forwardedFor } : {}),
  cookies: async () => ({
    get: (name: string) => (jar.has(name) ? { name, value: jar.get(name) } : undefined),
    getAll: () => [...jar].map(([name, value]) => ({ name, value })),
    set: (name: string, value: string) => jar.set(name, value),
    delete: (name: string) => jar.delete(name),
  }),
};

/** What redirect() throws here, so a test can read where the action sent the caller. */
export class Redirect extends Error {
  constructor(readonly url: string) {
    super(`redirect to ${url}`);
  }
}

export const nextNavigation = {
  redirect: (url: string) => {
    throw new Redirect(url);
  },
};

/** Runs an action that ends in redirect(); answers where it redirected. */
export async function redirectOf(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
  } catch (error) {
    if (error instanceof Redirect) return error.url;
    throw error;
  }
  throw new Error('expected a redirect');
}

/** The admin's next-auth session cookie. */
export const NEXT_AUTH_COOKIE = 'next-auth.session-token';

/** The development secret lib/env.ts once published: a session signed with it must not pass. */
export const PUBLISHED_SECRET = 'development-only-nextauth-secret-never-use-in-production';

/** A made-up admin cookie: the shape of a next-auth JWE, signed by nobody. */
export const MADE_UP_ADMIN_COOKIE = 'eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0.forged.forged.forged.forged';

/**
 * A next-auth session token for the admin (`role: 'merchant'` makes a merchant), signed with this
 * process's secret unless another is given; a negative maxAge makes it already expired.
 */
export const adminSession = (
  claims: Record<string, unknown>,
  { secret = env().auth.secret, maxAge }: { secret?: string; maxAge?: number } = {},
) =>
  encode({
    token: { sub: 'admin:admin@example.com', email: 'admin@example.com', ...claims },
    secret,
    maxAge,
  });

/**
 * Callers of an admin action who are not a merchant, as the admin cookie each brings (undefined: no
 * cookie): nobody, a made-up cookie, a merchant session signed with the once-published secret, a
 * signed-in non-merchant, an expired merchant session.
 */
export const notMerchants: [string, () => Promise<string | undefined>][] = [
  ['no cookie', async () => undefined],
  ['a made-up cookie', async () => MADE_UP_ADMIN_COOKIE],
  [
    'a merchant session signed with the once-published secret',
    () => adminSession({ role: 'merchant' }, { secret: PUBLISHED_SECRET }),
  ],
  ['a signed-in session without the merchant role', () => adminSession({})],
  ['an expired merchant session', () => adminSession({ role: 'merchant' }, { maxAge: -60 })],
];
