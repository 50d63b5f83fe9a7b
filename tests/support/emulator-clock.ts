export interface EmulatorClock {
  now(): number;
  /** Waits `ms` of virtual time: returns at once, with the clock (and the emulator's) moved on. */
  sleep(ms: number): Promise<void>;
  /** Moves time forward by `ms` (an outage lasting, a backoff passing). */
  advance(ms: number): Promise<void>;
  /** Moves time forward to `atMs` if that is later. */
  advanceTo(atMs: number): Promise<void>;
}

/** The emulator's clock control (`POST /__emulator/clock`); a TestEmulator is one. */
export interface ClockControl {
  clock(body: { freezeAt: number }): Promise<unknown>;
}

/**
 * A virtual clock shared with the emulator: our client, its rate governor and the dispatcher read it,
 * and so do the emulator's fixed-window limiter and job timestamps, so minutes of rate-limited traffic
 * run in seconds against the real limiter (as tests/integration/klaviyo-governor.test.ts does).
 *
 * Unlike the plain virtual clock (virtual-clock.ts), concurrent sleepers overlap rather than add up:
 * eight parallel calls each waiting 1 s take 1 s, not 8. The emulator is moved with absolute instants
 * sent one after another, so it never steps back.
 */
export async function emulatorClock(emu: ClockControl, startMs: number): Promise<EmulatorClock> {
  let now = startMs;
  let synced = startMs;
  let chain: Promise<unknown> = emu.clock({ freezeAt: startMs });
  await chain;
  const sync = () => {
    chain = chain.then(async () => {
      if (synced === now) return;
      synced = now;
      await emu.clock({ freezeAt: synced });
    });
    return chain.then(() => undefined);
  };
  const advanceTo = async (atMs: number) => {
    now = Math.max(now, atMs);
    await sync();
  };
  return {
    now: () => now,
    sleep: async (ms) => {
      const until = now + Math.max(0, ms);
      // Let every caller that starts waiting in this same tick register first, then move once.
      await Promise.resolve();
      await advanceTo(until);
    },
    advance: (ms) => advanceTo(now + ms),
    advanceTo,
  };
}
