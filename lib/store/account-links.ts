import 'server-only';
import { randomBytes } from 'node:crypto';
import type { Env } from '../env';
import { allMailers, consoleMailer, fileMailer, type Mailer, noMailer } from './mailer';

/** What the store needs to email an account link: the key that signs links and a way to send mail. */
export interface AccountLinks {
  secret: string;
  mailer: Mailer;
}

// On globalThis: Next.js may load this module once per route bundle, and the page that mails a link
// and the one that follows it must agree on the key.
const DEV_SECRET = Symbol.for('northwind-store.dev-link-secret');

/**
 * Development only: a random key per process. A restart invalidates links already sent, which costs
 * a developer one more click and means no key in the source can ever forge a link.
 */
function developmentSecret(): string {
  const holder = globalThis as { [DEV_SECRET]?: string };
  holder[DEV_SECRET] ??= randomBytes(32).toString('base64url');
  return holder[DEV_SECRET];
}

/** The link secret and mailer these settings call for (the app's, built once in lib/app). */
export function linksFromSettings(config: Pick<Env, 'nodeEnv' | 'storeAccounts'>): AccountLinks {
  const production = config.nodeEnv === 'production';
  const { linkSecret, mailFile } = config.storeAccounts;
  if (production && !linkSecret) {
    throw new Error(
      'STORE_LINK_SECRET is required in production: it signs the account links the store emails (openssl rand -base64 32).',
    );
  }
  const mailers: Mailer[] = [];
  if (mailFile) mailers.push(fileMailer(mailFile));
  if (!production) mailers.push(consoleMailer());
  return {
    secret: linkSecret ?? developmentSecret(),
    mailer: mailers.length > 0 ? allMailers(mailers) : noMailer,
  };
}
