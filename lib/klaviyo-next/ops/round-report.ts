/**
 * What the ops hooks read of a delivery round (outbox/dispatcher.ts `RoundReport`, given to
 * `onRound` after every round). Declared here, read-only and with what may be missing optional, so
 * metrics and alerts depend on the facts they use and not on the dispatcher's module.
 */
export interface RoundFacts {
  readonly claimed: number;
  readonly delivered: number;
  readonly retrying: number;
  readonly dead: number;
  /** Records dead-lettered by the import-job poll before the claim (Klaviyo's import errors). */
  readonly importDead?: number;
  /** 429s Klaviyo answered during the round. */
  readonly throttled?: number;
  /** Set when the account is paused (Klaviyo's Retry-After), on the rows' clock. */
  readonly pausedUntil?: number;
  /** The failure that stopped the round early (a retryable answer from Klaviyo, or 401/403). */
  readonly stoppedBy?: { readonly status: number; readonly code: string };
  readonly durationMs?: number;
  /** The round threw (the database failed while claiming or settling). */
  readonly failed?: string;
}

/** Why a round that sent something failed, or undefined when it did not fail. */
export type RoundFailure = 'database' | 'key_refused' | 'klaviyo_unavailable';

/**
 * A round fails when it threw, or when Klaviyo stopped it with anything but a 429 (a throttle, not a
 * failure: the pause handles it) or our own lease bookkeeping (`lease_lost`). 401 and 403 are the
 * account's key (revoked, or missing a scope); other statuses, and 0 (timeout, connection), are
 * Klaviyo or the network failing.
 */
export function failureOf(round: RoundFacts): RoundFailure | undefined {
  if (round.failed !== undefined) return 'database';
  const stopped = round.stoppedBy;
  if (!stopped || stopped.status === 429 || stopped.code === 'lease_lost') return undefined;
  return stopped.status === 401 || stopped.status === 403 ? 'key_refused' : 'klaviyo_unavailable';
}

/** Every message a round dead-lettered: its own records and those its import-job poll did. */
export const deadLettered = (round: RoundFacts): number => round.dead + (round.importDead ?? 0);
