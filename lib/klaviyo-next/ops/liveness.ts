import type { ProbeAnswer } from './health-routes';
import type { RoundFacts } from './round-report';

/**
 * A round that has not ended within its lease (5 minutes, outbox/dispatcher.ts) has lost its claim to
 * another worker anyway, so a loop silent for longer than that and a minute is stuck.
 */
export const DEFAULT_STALE_AFTER_MS = 6 * 60_000;

/**
 * Whether a worker's delivery loop is turning, from the rounds it reports (onRound). Every round
 * counts, a failed one included: the loop that meets a database outage and tries again is alive, and
 * restarting it would not bring the database back (readiness reports the outage instead). While
 * Klaviyo has paused the account the loop sleeps until the pause ends, which counts as turning.
 */
export function roundWatch(now: () => number) {
  const startedAt = now();
  let last: { at: number; pausedForMs: number } | undefined;
  return {
    onRound(round: RoundFacts): void {
      const at = now();
      // The pause is on the rows' clock (the database's on Postgres): a host clock seconds apart from
      // it moves the allowance by as much, well inside the minute of margin staleAfterMs keeps.
      const pausedForMs = round.pausedUntil === undefined ? 0 : Math.max(0, round.pausedUntil - at);
      last = { at, pausedForMs };
    },
    /**
     * 200 while the loop turns; 503 naming how long it has been silent. `loopFrom`: when the loop
     * began (after start-up waited for the database), so a slow start does not count as silence.
     */
    liveness(staleAfterMs = DEFAULT_STALE_AFTER_MS, loopFrom = startedAt): ProbeAnswer {
      const at = now();
      const since = Math.max(last?.at ?? startedAt, loopFrom);
      const silentMs = at - since;
      const allowedMs = staleAfterMs + (last?.pausedForMs ?? 0);
      const body = {
        lastRoundSecondsAgo: last ? Math.round(silentMs / 1000) : null,
        ...(last && last.pausedForMs > 0 && silentMs < last.pausedForMs ? { paused: true } : {}),
      };
      return silentMs <= allowedMs
        ? { status: 200, body: { status: 'ok', ...body } }
        : {
            status: 503,
            body: { status: 'stalled', ...body, staleAfterSeconds: Math.round(staleAfterMs / 1000) },
          };
    },
  };
}

export type RoundWatch = ReturnType<typeof roundWatch>;
