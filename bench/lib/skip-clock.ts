export interface SkipClock {
  now(): number;
  /** Skips `ms` at once: the time passes for us and for the emulator, without being waited. */
  sleep(ms: number): Promise<void>;
  advanceTo(atMs: number): Promise<void>;
}

/**
 * Real time with the waits taken out, shared with the emulator. Everything that costs time for real
 * (our claims, packing, JSON, SQLite, the emulator's checks of each job) still costs it; only the
 * waits the rate governor or a Retry-After asks for are skipped. Both clocks are the wall clock plus
 * one offset: ours moves it, and the emulator's (`POST /__emulator/clock {advanceMs}`) moves the same
 * amount before the sleep returns, so the emulator's fixed-window limiter sees the same instant.
 */
export async function skipClock(emulatorUrl: string, startMs: number): Promise<SkipClock> {
  const advance = (ms: number) =>
    fetch(`${emulatorUrl}/__emulator/clock`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ advanceMs: ms }),
    }).then((r) => r.json() as Promise<{ now: number }>);
  let offset = 0;
  const emulatorNow = (await advance(0)).now;
  // Line both clocks up on startMs.
  offset = startMs - Date.now();
  await advance(startMs - emulatorNow);
  const now = () => Date.now() + offset;
  const skip = async (ms: number) => {
    if (ms <= 0) return;
    offset += ms;
    await advance(ms);
  };
  return { now, sleep: skip, advanceTo: (atMs) => skip(atMs - now()) };
}
