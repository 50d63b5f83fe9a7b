import 'server-only';
import type { Backoff, RateDecision, RateLimiter } from '../klaviyo-next/http/rate-limit';

/**
 * Password guessing is braked twice, in the app's database so every instance counts together:
 *
 * - per address (the trusted proxies' report, lib/klaviyo-next/http/client-address.ts), strictly: 5 attempts, then
 *   each further one waits twice as long as the last (1 s, 2 s, 4 s...), up to 30 minutes. One address
 *   gets about 16 guesses in its first 35 minutes and 2 an hour after that, whatever account it names.
 * - per account, loosely: 20 attempts, then each waits up to a minute; forgotten after 15 quiet
 *   minutes. It only ever slows, never locks. One address never reaches it (16 attempts, then 30
 *   minutes apart, which the account forgets), so a stranger guessing from their own address cannot
 *   keep the merchant out of theirs; a spread-out attack can slow the account to one attempt a
 *   minute, no further.
 *
 * An attempt is counted before the password is checked (so a burst of concurrent guesses cannot pass
 * the gate before any has failed), and a success clears both counts. Without a trusted address
 * (TRUSTED_PROXY_HOPS=0) only the per-account brake applies: a shared address key would let one
 * stranger lock everyone out.
 */
export const ADDRESS_BACKOFF: Backoff = { free: 5, baseMs: 1_000, maxMs: 30 * 60_000, forgetMs: 60 * 60_000 };
export const ACCOUNT_BACKOFF: Backoff = { free: 20, baseMs: 1_000, maxMs: 60_000, forgetMs: 15 * 60_000 };

export interface SignInThrottle {
  /** Counts one attempt; refused (with the wait) when the address or the account must wait. */
  attempt(account: string, address: string | undefined): Promise<RateDecision>;
  succeed(account: string, address: string | undefined): Promise<void>;
}

export function signInThrottle(limiter: RateLimiter): SignInThrottle {
  const addressKey = (address: string) => `signin:address:${address}`;
  const accountKey = (account: string) => `signin:account:${account}`;
  return {
    async attempt(account, address) {
      if (address) {
        const byAddress = await limiter.attempt(addressKey(address), ADDRESS_BACKOFF);
        if (!byAddress.ok) return byAddress;
      }
      return limiter.attempt(accountKey(account), ACCOUNT_BACKOFF);
    },
    async succeed(account, address) {
      if (address) await limiter.succeed(addressKey(address));
      await limiter.succeed(accountKey(account));
    },
  };
}
