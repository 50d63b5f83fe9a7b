import 'server-only';
import { randomBytes } from 'node:crypto';
import { env } from '../env';

// On globalThis: Next.js may load this module once per route bundle, and every bundle of one
// process must accept the same password.
const KEY = Symbol.for('klaviyo-next.dev-admin-password');
type Holder = { [KEY]?: { password: string; announced: boolean } };
const holder = globalThis as Holder;

/**
 * Outside production, with no ADMIN_PASSWORD_HASH, the admin password is generated once per process
 * (never stored) and printed at start: a fresh clone can sign in, and no default password exists
 * that could leak into a deployment. Undefined when a hash is configured or in production.
 */
export function devAdminPassword(): string | undefined {
  const { nodeEnv, auth } = env();
  if (nodeEnv === 'production' || auth.adminPasswordHash) return undefined;
  holder[KEY] ??= { password: randomBytes(12).toString('base64url'), announced: false };
  return holder[KEY].password;
}

/** Prints the generated sign-in once per process (called from instrumentation.ts at start). */
export function announceDevAdminLogin(log: (line: string) => void = console.log): void {
  const password = devAdminPassword();
  const state = holder[KEY];
  if (!password || !state || state.announced) return;
  state.announced = true;
  const { adminEmail } = env().auth;
  log(
    [
      '',
      '  Admin dashboard sign-in (development; generated for this run, set ADMIN_PASSWORD_HASH to fix it):',
      `    /admin  email ${adminEmail}  password ${password}`,
      '',
    ].join('\n'),
  );
}
