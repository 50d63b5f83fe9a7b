import { describe, expect, it, vi } from 'vitest';
import { getAuthOptions } from '../../lib/auth/config.js';
import { devAdminPassword } from '../../lib/auth/dev-password.js';
import { migratedSqliteFile } from '../support/databases.js';

/**
 * The admin sign-in's credentials check as next-auth calls it (the provider's `authorize` with the
 * request's headers), on the app's own database, behind one trusted proxy. The attacker rotates what
 * it writes into X-Forwarded-For; the proxy appends the address it saw. Before: the throttle keyed on
 * the first entry, so 1,000 guesses went through unthrottled, and without the header every client
 * shared one key, so 10 bad guesses by anyone locked the merchant out.
 */
vi.stubEnv('OUTBOX_SQLITE_PATH', await migratedSqliteFile('admin-throttle-'));
vi.stubEnv('TRUSTED_PROXY_HOPS', '1');
// The clock stands still, so what the throttle lets through does not depend on the machine's speed.
vi.useFakeTimers({ toFake: ['Date'], now: Date.parse('2026-12-05T07:00:00Z') });

type Authorize = (
  credentials: Record<string, string>,
  request: { headers: Record<string, string> },
) => unknown;

function authorize(): Authorize {
  const provider = getAuthOptions().providers.find((p) => p.id === 'credentials') as unknown as {
    options: { authorize: Authorize };
  };
  return provider.options.authorize;
}

/** What the sign-in answered: the user, a wrong-password null, or the throttle's refusal. */
async function signIn(password: string, forwardedFor?: string): Promise<'user' | 'wrong' | 'wait'> {
  const headers: Record<string, string> = forwardedFor ? { 'x-forwarded-for': forwardedFor } : {};
  try {
    const user = await authorize()({ email: 'admin@example.com', password }, { headers });
    return user ? 'user' : 'wrong';
  } catch (error) {
    if ((error as Error).message === 'TooManyAttempts') return 'wait';
    throw error;
  }
}

describe('admin sign-in throttle, behind one trusted proxy', () => {
  it('1,000 guesses with a rotated X-Forwarded-For from one address: a handful are checked, then even the right password waits', async () => {
    const answers = { user: 0, wrong: 0, wait: 0 };
    for (let i = 0; i < 1000; i++)
      answers[await signIn(`guess-${i}`, `10.9.${i >> 8}.${i & 255}, 198.51.100.200`)]++;
    expect(answers.wrong).toBeLessThanOrEqual(6);
    expect(answers.wait).toBeGreaterThanOrEqual(994);
    expect(await signIn(devAdminPassword() ?? '', '10.0.0.1, 198.51.100.200')).toBe('wait');
  });

  it('a stranger guessing from another address does not lock the merchant out of theirs', async () => {
    for (let i = 0; i < 50; i++) await signIn(`stranger-${i}`, `198.51.100.201`);
    expect(await signIn(`stranger-again`, '198.51.100.201')).toBe('wait');
    expect(await signIn(devAdminPassword() ?? '', '203.0.113.44')).toBe('user');
  });

  it('without an address from the proxy, 10 bad guesses by anyone do not lock the merchant out', async () => {
    for (let i = 0; i < 10; i++) expect(await signIn(`nobody-${i}`)).toBe('wrong');
    expect(await signIn(devAdminPassword() ?? '')).toBe('user');
  });
});
