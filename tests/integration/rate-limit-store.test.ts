import { describe, expect, it } from 'vitest';
import { ACCOUNT_BACKOFF, ADDRESS_BACKOFF, signInThrottle } from '../../lib/auth/throttle.js';
import { clientAddress } from '../../lib/klaviyo-next/http/client-address.js';
import { coalescedLimiter, RateLimiter } from '../../lib/klaviyo-next/http/rate-limit.js';
import { onBothDatabases } from '../support/store-fixtures.js';

/**
 * The shared limiter (klaviyo_rate_limits) on real SQLite and Postgres: two app instances, i.e. two
 * limiter objects on one database, count together; concurrent takes never overspend; and the sign-in
 * throttle brakes a guesser without locking the merchant out.
 */
describe('client address from the trusted proxy hops', () => {
  const xff = (value: string) => new Headers({ 'x-forwarded-for': value });

  it('trusts nothing without a proxy: the header is the client’s own words there', () => {
    expect(clientAddress(xff('198.51.100.1'), 0)).toBeUndefined();
    expect(clientAddress(new Headers(), 1)).toBeUndefined();
    expect(clientAddress(xff(' , '), 1)).toBeUndefined();
  });

  it('takes the hops-th entry from the right; what the client wrote on the left is ignored', () => {
    expect(clientAddress(xff('1.1.1.1, 2.2.2.2, 203.0.113.7'), 1)).toBe('203.0.113.7');
    expect(clientAddress(xff('1.1.1.1, 203.0.113.7, 10.0.0.2'), 2)).toBe('203.0.113.7');
    expect(clientAddress({ 'x-forwarded-for': '9.9.9.9, 203.0.113.7' }, 1)).toBe('203.0.113.7');
    // Fewer entries than hops: the leftmost was still written by a proxy (or by Next.js from the socket).
    expect(clientAddress(xff('203.0.113.7'), 3)).toBe('203.0.113.7');
  });

  it('keys an IPv6 client by its /64, and unwraps IPv4-mapped, bracketed and port forms', () => {
    const a = clientAddress(xff('2001:db8:aa:bb:1:2:3:4'), 1);
    expect(a).toBe('2001:db8:aa:bb::/64');
    expect(clientAddress(xff('2001:0db8:00aa:00bb:ffff::9'), 1)).toBe(a);
    expect(clientAddress(xff('::ffff:203.0.113.7'), 1)).toBe('203.0.113.7');
    expect(clientAddress(xff('[2001:db8:aa:bb::1]:443'), 1)).toBe(a);
    expect(clientAddress(xff('203.0.113.7:5123'), 1)).toBe('203.0.113.7');
    expect(clientAddress(xff(`x${'y'.repeat(500)}`), 1)?.length).toBeLessThanOrEqual(70);
  });
});

onBothDatabases('shared rate limits', (db) => {
  const limit = { capacity: 5, perMinute: 5 };

  it('two app instances on one database share one bucket', async () => {
    const clock = { ms: 1_000_000 };
    const one = new RateLimiter(db(), () => clock.ms);
    const two = new RateLimiter(db(), () => clock.ms);
    const key = `shared:${Math.random()}`;
    const answers = [];
    for (let i = 0; i < 10; i++) answers.push(await (i % 2 ? one : two).take(key, limit));
    expect(answers.filter((a) => a.ok)).toHaveLength(5);
    expect(answers.at(-1)).toEqual({ ok: false, retryAfterSeconds: 12 });
    clock.ms += 12_000; // one token back per 12 s at 5 a minute
    expect(await one.take(key, limit)).toEqual({ ok: true });
    expect((await two.take(key, limit)).ok).toBe(false);
  });

  it('takeEach: one statement for many keys, a key named twice taking twice, decisions in order', async () => {
    const limiter = new RateLimiter(db(), () => 3_000_000);
    const [a, b] = [`each-a:${Math.random()}`, `each-b:${Math.random()}`];
    const keys = [a, b, ...Array.from({ length: 6 }, () => a)];
    const answers = await limiter.takeEach(keys, limit);
    // a: 5 granted of its 7 entries, the first five in order; b: its one.
    expect(answers.map((d) => d.ok)).toEqual([true, true, true, true, true, true, false, false]);
    expect(answers.at(-1)).toEqual({ ok: false, retryAfterSeconds: 12 });
    expect(await limiter.take(b, limit)).toEqual({ ok: true });
  });

  it('interleaving: the relay’s coalesced takes from two instances at once never overspend a bucket', async () => {
    const clock = () => 4_000_000;
    const one = coalescedLimiter(new RateLimiter(db(), clock));
    const two = coalescedLimiter(new RateLimiter(db(), clock));
    const key = `coalesced:${Math.random()}`;
    const other = `coalesced-other:${Math.random()}`;
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) => (i % 2 ? one : two).take(i % 4 === 3 ? other : key, limit)),
    );
    const granted = (k: string) => answers.filter((d, i) => d.ok && (i % 4 === 3 ? other : key) === k).length;
    expect([granted(key), granted(other)]).toEqual([5, 5]);
    expect(answers.filter((d) => !d.ok).every((d) => !d.ok && d.retryAfterSeconds >= 1)).toBe(true);
  });

  it('concurrent takes from two instances never spend more than the bucket holds', async () => {
    const one = new RateLimiter(db(), () => 2_000_000);
    const two = new RateLimiter(db(), () => 2_000_000);
    const key = `race:${Math.random()}`;
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) => (i % 2 ? one : two).take(key, { capacity: 7, perMinute: 1 })),
    );
    expect(answers.filter((a) => a.ok)).toHaveLength(7);
  });

  it('two instances racing for the last token: exactly one gets it, every time', async () => {
    const one = new RateLimiter(db(), () => 3_000_000);
    const two = new RateLimiter(db(), () => 3_000_000);
    const limit = { capacity: 3, perMinute: 1 };
    for (let round = 0; round < 25; round++) {
      const key = `last:${round}:${Math.random()}`;
      expect((await one.take(key, limit)).ok).toBe(true);
      expect((await two.take(key, limit)).ok).toBe(true);
      const [a, b] = await Promise.all([one.take(key, limit), two.take(key, limit)]);
      expect([a.ok, b.ok].filter(Boolean), `round ${round}`).toHaveLength(1);
      expect([a, b].find((d) => !d.ok)).toEqual({ ok: false, retryAfterSeconds: 60 });
    }
  });

  it('concurrent guesses from two instances at the throttle’s edge: no more pass than one after another', async () => {
    const one = new RateLimiter(db(), () => 4_000_000);
    const two = new RateLimiter(db(), () => 4_000_000);
    const key = `edge:${Math.random()}`;
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) => (i % 2 ? one : two).attempt(key, ADDRESS_BACKOFF)),
    );
    // As in sequence (the sign-in throttle tests below): the free attempts, and the one that starts the wait.
    expect(answers.filter((a) => a.ok)).toHaveLength(ADDRESS_BACKOFF.free + 1);
  });

  describe('sign-in throttle', () => {
    let tests = 0;
    /** A clock, a throttle, an account and addresses of this test's own (tests share the database). */
    const setup = () => {
      const clock = { ms: 5_000_000 };
      const throttle = signInThrottle(new RateLimiter(db(), () => clock.ms));
      const net = ++tests;
      const address = (i: number) => `10.${net}.${i >> 8}.${i & 255}`;
      return { clock, throttle, account: `owner.${Math.random()}@shop.test`, address };
    };
    // Thousands of statements each: a busy Postgres needs more than the default 30 s.
    const SLOW = 120_000;
    const guesses = async (n: number, attempt: () => Promise<{ ok: boolean }>) => {
      let passed = 0;
      for (let i = 0; i < n; i++) if ((await attempt()).ok) passed++;
      return passed;
    };

    it(
      '1,000 guesses from one address: a handful reach the password check, the rest wait',
      async () => {
        const { throttle, account, address } = setup();
        const passed = await guesses(1000, () => throttle.attempt(account, address(1)));
        expect(passed).toBe(ADDRESS_BACKOFF.free + 1);
        expect(await throttle.attempt(account, address(1))).toEqual({ ok: false, retryAfterSeconds: 1 });
      },
      SLOW,
    );

    it(
      'a stranger guessing from their address does not lock, or even slow, the merchant at theirs',
      async () => {
        const { clock, throttle, account, address } = setup();
        // One address never reaches the account's brake: its own stops it first, and then spaces its
        // attempts further apart than the account remembers.
        const steps = Math.ceil(Math.log2(ADDRESS_BACKOFF.maxMs / ADDRESS_BACKOFF.baseMs));
        expect(ADDRESS_BACKOFF.free + steps).toBeLessThan(ACCOUNT_BACKOFF.free);
        expect(ADDRESS_BACKOFF.maxMs).toBeGreaterThan(ACCOUNT_BACKOFF.forgetMs);
        // Ten hours of a script guessing every half minute; the merchant tries every 83 minutes (and mistypes).
        for (let tick = 0; tick < 1200; tick++) {
          await throttle.attempt(account, address(1));
          if (tick % 166 === 0) expect(await throttle.attempt(account, address(2))).toEqual({ ok: true });
          clock.ms += 30_000;
        }
        expect((await throttle.attempt(account, address(1))).ok).toBe(false);
        expect(await throttle.attempt(account, address(2))).toEqual({ ok: true });
      },
      SLOW,
    );

    it(
      'many addresses slow the account to one attempt a minute, never lock it',
      async () => {
        const { clock, throttle, account, address } = setup();
        let passed = 0;
        for (let i = 0; i < 500; i++) if ((await throttle.attempt(account, address(i))).ok) passed++;
        expect(passed).toBe(ACCOUNT_BACKOFF.free + 1);
        const waiting = await throttle.attempt(account, address(1000));
        expect(waiting.ok).toBe(false);
        if (!waiting.ok) expect(waiting.retryAfterSeconds).toBeLessThanOrEqual(ACCOUNT_BACKOFF.maxMs / 1000);
        clock.ms += ACCOUNT_BACKOFF.maxMs;
        expect(await throttle.attempt(account, address(1000))).toEqual({ ok: true });
      },
      SLOW,
    );

    it(
      'without a trusted address only the account brake applies, so strangers cannot lock it',
      async () => {
        const { clock, throttle, account } = setup();
        expect(await guesses(10, () => throttle.attempt(account, undefined))).toBe(10);
        expect(await throttle.attempt(account, undefined)).toEqual({ ok: true });
        expect(await guesses(1000, () => throttle.attempt(account, undefined))).toBe(
          ACCOUNT_BACKOFF.free - 10,
        );
        clock.ms += ACCOUNT_BACKOFF.maxMs;
        expect(await throttle.attempt(account, undefined)).toEqual({ ok: true });
      },
      SLOW,
    );

    it(
      'a success clears both counts; a quiet hour forgets them',
      async () => {
        const { clock, throttle, account, address: at } = setup();
        const address = at(7);
        const free = ADDRESS_BACKOFF.free;
        expect(await guesses(free + 1, () => throttle.attempt(account, address))).toBe(free + 1);
        expect((await throttle.attempt(account, address)).ok).toBe(false);
        await throttle.succeed(account, address);
        expect(await guesses(free + 2, () => throttle.attempt(account, address))).toBe(free + 1);
        clock.ms += ADDRESS_BACKOFF.forgetMs + 60_000;
        expect(await guesses(free + 2, () => throttle.attempt(account, address))).toBe(free + 1);
      },
      SLOW,
    );
  });
});
