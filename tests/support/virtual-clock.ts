/** A clock that only moves when something sleeps on it: minutes of waiting run in no time. */
export function virtualClock(startMs: number) {
  let now = startMs;
  return {
    now: () => now,
    sleep: async (ms: number) => {
      now += ms;
    },
    /** Moves time forward to `ms` if it is later. */
    advanceTo: (ms: number) => {
      now = Math.max(now, ms);
    },
  };
}
