import 'server-only';
import { randomUUID } from 'node:crypto';
import type { KlaviyoClient } from '../api/client';
import { KlaviyoApiError } from '../api/errors';
import { OPERATIONS } from '../api/generated/operations';
import { reservedWindow } from '../api/governor';
import { type DeliverOptions, deliverAll, KNOWN_KINDS, ROUND_ENDED, roundControl } from './deliver/index';
import type { Outcome, Outcomes } from './deliver/outcome';
import { pollImportJobs } from './import-jobs';
import { causeOf, roundClient, Unfinished } from './round-client';
import type { OutboxFence, OutboxStore } from './store';
import { type DeliveryError, type OutboxRecord, orderKeyOf } from './types';

export interface DispatcherOptions {
  store: OutboxStore;
  client: KlaviyoClient;
  /** The Klaviyo account whose rate limits a 429 pauses. */
  account?: string;
  owner?: string;
  /** The most events a round claims: one bulk job's worth (bulk_create_events takes 1,000). */
  batchSize?: number;
  /**
   * The most messages a round claims, events and the rest (default twice batchSize): a whole order is
   * four events, a profile write and now and then consent (about 1.3 messages an event), so a round
   * fills its events job with whole orders instead of stopping at 1,000 messages (~770 events).
   */
  maxRows?: number;
  /** How long a claim holds its rows; a running round renews it every third of this. */
  leaseMs?: number;
  /** What the deliverers are told (fence windows, trickles); the defaults suit production. */
  deliver?: DeliverOptions;
  /** This host's clock: deadlines and durations. By default also the rows' clock (see storeClock). */
  now?: () => number;
  /**
   * Reads the rows' clock (leases, `available_at`, the pause, fences) from the store once a round:
   * the database's clock on Postgres, so hosts whose clocks differ never steal each other's leases
   * or send early. Default: on unless `now` is given (tests inject one clock for everything).
   */
  storeClock?: boolean;
  random?: () => number;
  /** Told after every round, with how long it took. */
  onRound?: (result: RoundReport) => void;
}

export interface RoundResult {
  claimed: number;
  delivered: number;
  /** Failed and scheduled again, or released unsent (held back, or the round ended first). */
  retrying: number;
  dead: number;
  /** 429s Klaviyo answered during the round (retried ones included). */
  throttled: number;
  pausedUntil?: number;
  /** The failure that stopped the round early (stopsSending), if one did. */
  stoppedBy?: { status: number; code: string };
  /**
   * Writes delivered in earlier rounds that a profile import job's errors dead-lettered when this round
   * polled it (import-jobs.ts); not among `claimed`, so claimed = delivered + retrying + dead holds.
   */
  importDead?: number;
}

/** What onRound is told: the round, how long it took, and `failed` when it threw (database down). */
export type RoundReport = RoundResult & { durationMs: number; failed?: string };

export interface RoundOptions {
  /** When the round must be over, on this host's clock (`now`): a serverless function's budget. */
  deadline?: number;
  /** Ends the round (the worker is stopping): calls in flight are cancelled, what completed is kept. */
  signal?: AbortSignal;
}

// Transient failures back off exponentially to a ceiling, and are retried for as long as it takes:
// an outage delays delivery, it never drops an accepted fact.
const RETRY_BASE_MS = 2_000;
const RETRY_MAX_MS = 10 * 60_000;

/**
 * Kept before a deadline to settle the last outcomes and release the rest: 1 s, or a quarter of a
 * shorter budget (a 1 s drain still sends for 0.75 s). A drain fixes it once for all its rounds.
 */
const SETTLE_MARGIN_MS = 1_000;
const settleMargin = (budgetMs: number) => Math.min(SETTLE_MARGIN_MS, Math.max(0, budgetMs) / 4);
/** Outcomes are written in batches of about this many, or after this long, while a round runs. */
/**
 * The pause between part-filled rounds in a row. Klaviyo allows 150 event bulk jobs a minute
 * (create_event_bulk_create_job's x-klaviyo-ratelimit in the spec: 10/s burst, 150/m steady), one per
 * 400 ms sustained: jobs sent faster only reach that limit sooner, and carry fewer events each.
 */
const TRICKLE_PACE_MS = 400;

/** Resolves after `ms`, or at once when `signal` aborts. */
const pause = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });

const SETTLE_BATCH = 100;
const SETTLE_EVERY_MS = 250;
const MIN_CLAIM = 10;
const MAX_TIMER_MS = 2 ** 31 - 1;
const DEADLINE_LOOK_MS = 50;

/**
 * What one record costs a round before any round has measured it: the slowest kind at its steady
 * rate, a profile write through create_or_update_profile (the spec's `x-klaviyo-ratelimit` steady
 * 750/m, less what the governor keeps back), about 89 ms. After each round the dispatcher uses what
 * records actually cost (a bulk job sends 1,000 events in one call), so the claim follows the mix.
 */
const SLOWEST_MS_PER_RECORD =
  60_000 / reservedWindow(OPERATIONS.create_or_update_profile.rateLimit.perMinute, 60_000, 0).limit;

const toDeliveryError = (e: KlaviyoApiError): DeliveryError => ({
  status: e.status,
  code: e.code,
  detail: e.detail,
  ...(e.pointer ? { pointer: e.pointer } : {}),
});

/** A record a round ended without an outcome for was not delivered: it is retried. */
const NO_OUTCOME: Outcome = {
  kind: 'failed',
  error: new KlaviyoApiError('deliver', {
    status: 0,
    code: 'no_outcome',
    detail: 'The delivery round ended without an answer for this message.',
  }),
};

/** Why a round stopped when a renewal found another worker holding its rows. */
const LEASE_LOST = new KlaviyoApiError('deliver', {
  status: 0,
  code: 'lease_lost',
  detail: 'The round lost its lease (it ran out and another worker claimed the messages).',
});

/** Failures of our own (deliver/outcome.ts asApiError), not answers from Klaviyo. */
const isOurs = (e: KlaviyoApiError) => e.code === 'internal_error' || e.code === 'no_outcome';
const MAX_INTERNAL_ATTEMPTS = 10;

/** An authentication or permission failure is the account's problem, not the message's: keep it. */
const isAccountProblem = (e: KlaviyoApiError) => e.status === 401 || e.status === 403;

const emptyResult = (): RoundResult => ({ claimed: 0, delivered: 0, retrying: 0, dead: 0, throttled: 0 });

export function createDispatcher(options: DispatcherOptions) {
  const { store, client } = options;
  const account = options.account ?? 'default';
  const owner = options.owner ?? `dispatcher-${randomUUID()}`;
  const batchSize = options.batchSize ?? 1000;
  const maxRows = options.maxRows ?? batchSize * 2;
  const leaseMs = options.leaseMs ?? 5 * 60_000;
  const local = options.now ?? Date.now;
  const storeClock = options.storeClock ?? options.now === undefined;
  const random = options.random ?? Math.random;
  let msPerRecord = SLOWEST_MS_PER_RECORD;

  /** The rows' clock for one round: the store's, read once, moved on by this host's. */
  async function rowClock(): Promise<() => number> {
    if (!storeClock) return local;
    const at = await store.now();
    const from = local();
    return () => at + (local() - from);
  }

  /** How many records a round with `budgetMs` to send can finish, from what records have cost. */
  const claimSize = (budgetMs: number) =>
    Math.max(MIN_CLAIM, Math.min(maxRows, Math.floor(budgetMs / msPerRecord)));

  /** Claims one batch of due messages this worker knows how to deliver, and delivers it. */
  async function round(roundOptions: RoundOptions = {}): Promise<RoundResult> {
    const deadline = roundOptions.deadline ?? Number.POSITIVE_INFINITY;
    return roundWithin(roundOptions, settleMargin(deadline - local()));
  }

  async function roundWithin(roundOptions: RoundOptions, marginMs: number): Promise<RoundResult> {
    const started = local();
    const report = (result: RoundResult) => {
      tell({ ...result, durationMs: local() - started });
      return result;
    };
    try {
      return await claimAndDeliver(roundOptions, marginMs, report);
    } catch (error) {
      // The database failed (claim or settle): told as a round that did nothing, then thrown.
      tell({ ...emptyResult(), durationMs: local() - started, failed: String(error) });
      throw error;
    }
  }

  /** onRound, whose own failure must never fail a round. */
  function tell(report: RoundReport) {
    try {
      options.onRound?.(report);
    } catch {
      // The host's hook; delivery goes on.
    }
  }

  async function claimAndDeliver(
    roundOptions: RoundOptions,
    marginMs: number,
    report: (result: RoundResult) => RoundResult,
  ): Promise<RoundResult> {
    const { signal } = roundOptions;
    const endAt = (roundOptions.deadline ?? Number.POSITIVE_INFINITY) - marginMs;
    if (signal?.aborted || local() >= endAt) return report(emptyResult());
    const now = await rowClock();
    const pausedUntil = await store.pausedUntil(account);
    if (pausedUntil > now()) return report({ ...emptyResult(), pausedUntil });
    const importDead = await pollImports(now, signal);
    const withImports = (result: RoundResult) => (importDead > 0 ? { ...result, importDead } : result);
    // A round with a deadline claims what it can send in the time left; the worker's takes a batch.
    const limit = Number.isFinite(endAt) ? claimSize(endAt - local()) : maxRows;
    const records = await store.claim(owner, limit, leaseMs, now(), KNOWN_KINDS, batchSize);
    if (records.length === 0) return report(withImports(emptyResult()));
    return report(withImports(await deliverRound(records, now, endAt, signal)));
  }

  /**
   * Lifts the fences of profile import jobs Klaviyo has finished (import-jobs.ts), before the claim,
   * so the people they held are claimable this round. A failed poll only delays: an unpolled job's
   * fence expires by itself.
   */
  async function pollImports(now: () => number, signal: AbortSignal | undefined): Promise<number> {
    try {
      const polled = await pollImportJobs(store, client, {
        now: now(),
        ...(signal ? { signal } : {}),
        ...(options.deliver?.importFenceMs ? { fenceMs: options.deliver.importFenceMs } : {}),
      });
      return polled.deadLettered;
    } catch {
      // Polled again next round.
      return 0;
    }
  }

  async function deliverRound(
    records: OutboxRecord[],
    now: () => number,
    endAt: number,
    signal: AbortSignal | undefined,
  ): Promise<RoundResult> {
    const result: RoundResult = { ...emptyResult(), claimed: records.length };
    const sendingFrom = local();
    // The deadline ends the round on a timer, and is checked again as each outcome arrives (a clock
    // that skips ahead, as the benches' does, passes it without the timer firing).
    const deadline = new AbortController();
    const parent = signal ? AbortSignal.any([signal, deadline.signal]) : deadline.signal;
    const control = roundControl(parent, now);
    const timers: NodeJS.Timeout[] = [];
    // The timer asks the round's clock when it fires, and waits on if the deadline is not there yet
    // (an injected clock, a test's, need not move with real time). A timer longer than 2^31 - 1 ms
    // would fire at once: such a deadline is no deadline.
    // At least 50 ms between looks, so a clock that stands still just short of the deadline is not
    // asked a thousand times a second (50 ms past a real deadline is well inside the settle margin).
    let deadlineTimer: NodeJS.Timeout | undefined;
    const arm = () => {
      const left = endAt - local();
      if (left <= 0) deadline.abort();
      else if (left < MAX_TIMER_MS) deadlineTimer = setTimeout(arm, Math.max(DEADLINE_LOOK_MS, left));
    };
    arm();

    const settler = createSettler(records, now, result, (error) => control.stop(error));
    const outcomes = settler.outcomes(() => {
      if (local() >= endAt) deadline.abort();
    });
    // Renewed every third of the lease while the round runs; a renewal that finds rows gone (the
    // lease ran out, another worker holds them) stops the round: its outcomes would not be recorded.
    let renewing: Promise<void> = Promise.resolve();
    const renew = setInterval(() => {
      renewing = renewing.then(async () => {
        const asked = settler.leased();
        if (asked.length === 0) return;
        const held = new Set(await store.renew(owner, asked, leaseMs, now()).catch(() => asked));
        if (asked.some((id) => !held.has(id) && settler.isLeased(id))) control.stop(LEASE_LOST);
      });
    }, leaseMs / 3);
    timers.push(renew);
    try {
      await deliverAll(
        roundClient(client, control, endAt, () => result.throttled++),
        records,
        outcomes,
        control,
        { db: store.db, ...options.deliver },
      );
    } finally {
      for (const t of timers) clearTimeout(t);
      clearTimeout(deadlineTimer);
      await renewing;
    }
    const sendingMs = local() - sendingFrom;
    await settler.finish(control.stoppedBy);
    // What a record cost this round (held ones cost nothing). Cheaper is taken at once (a first round
    // of events in one bulk job shows they cost a fraction of a profile write: the next claims a full
    // job, not twice as many, each small job spending one of bulk_create_events' 150 a minute); dearer
    // is averaged in, and the deadline bounds a round that claimed too much meanwhile.
    const sent = result.delivered + result.dead + settler.failedCount();
    const sample = Math.max(0.05, sendingMs / Math.max(1, sent));
    msPerRecord = sample < msPerRecord ? sample : (msPerRecord + sample) / 2;
    const stopped = control.stoppedBy;
    if (stopped && causeOf(stopped) !== ROUND_ENDED)
      result.stoppedBy = { status: stopped.status, code: stopped.code };
    return result;
  }

  /** When a failed record is tried again: exponential backoff with jitter, from its attempts so far. */
  const retryAt = (record: OutboxRecord, now: number) => {
    const ceiling = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** record.attempts);
    return now + Math.round(ceiling / 2 + random() * (ceiling / 2));
  };

  /**
   * Settles a round's outcomes in small batches as they arrive, so a round cut short keeps what it
   * completed. Records held back (never sent, or cancelled when the round stopped) wait for the end:
   * they are released when the failure that stopped the round is due again, or at once when its
   * time ran out.
   */
  function createSettler(
    records: OutboxRecord[],
    now: () => number,
    result: RoundResult,
    abort: (error: KlaviyoApiError) => void,
  ) {
    const byId = new Map(records.map((r) => [r.id, r]));
    const unsettled = new Set(byId.keys());
    const queue: { record: OutboxRecord; outcome: Outcome }[] = [];
    const heldBack: { record: OutboxRecord; because: KlaviyoApiError }[] = [];
    // The soonest retry each stopping error scheduled: what its failure held back goes no earlier.
    const resumeAt = new Map<KlaviyoApiError, number>();
    const resume = (error: KlaviyoApiError, at: number) =>
      resumeAt.set(error, Math.min(resumeAt.get(error) ?? at, at));
    let failedCount = 0;
    let writing: Promise<void> = Promise.resolve();
    let writeError: unknown;
    let timer: NodeJS.Timeout | undefined;

    async function settleFailed(record: OutboxRecord, error: KlaviyoApiError) {
      if (error.status === 429) {
        const until = now() + (error.retryAfterMs ?? 1_000);
        await store.pause(account, until);
        await store.markRetry(owner, [record.id], toDeliveryError(error), until, false, now());
        result.pausedUntil = Math.max(result.pausedUntil ?? 0, until);
        resume(error, until);
        result.retrying++;
      } else if (isOurs(error) && record.attempts + 1 >= MAX_INTERNAL_ATTEMPTS) {
        // A failure of our own that keeps coming back will not go away by itself: show it.
        await store.markDead(owner, [record.id], toDeliveryError(error), now());
        result.dead++;
      } else if (error.retryable || isAccountProblem(error)) {
        const at = retryAt(record, now());
        await store.markRetry(owner, [record.id], toDeliveryError(error), at, true, now());
        resume(error, at);
        result.retrying++;
      } else {
        await store.markDead(owner, [record.id], toDeliveryError(error), now());
        result.dead++;
      }
    }

    async function write(batch: { record: OutboxRecord; outcome: Outcome }[]) {
      const delivered: number[] = [];
      const fences: OutboxFence[] = [];
      for (const { record, outcome } of batch) {
        if (outcome.kind === 'delivered') {
          delivered.push(record.id);
          const orderKey = orderKeyOf(record);
          if (outcome.settles && orderKey) fences.push({ orderKey, ...outcome.settles });
        } else if (outcome.kind === 'held') {
          heldBack.push({ record, because: causeOf(outcome.because) });
        } else if (outcome.error instanceof Unfinished || outcome.error.code === 'aborted') {
          heldBack.push({ record, because: causeOf(outcome.error) });
        } else {
          failedCount++;
          await settleFailed(record, outcome.error);
        }
      }
      await store.markDelivered(owner, delivered, now(), fences);
      result.delivered += delivered.length;
    }

    function flush() {
      if (timer) clearTimeout(timer);
      timer = undefined;
      const batch = queue.splice(0);
      if (batch.length === 0) return writing;
      writing = writing.then(() =>
        write(batch).catch((error: unknown) => {
          // The database failed: stop sending what could not be recorded; the round throws at its end.
          writeError ??= error;
          abort(ROUND_ENDED);
        }),
      );
      return writing;
    }

    /** The Outcomes map handed to the deliverers: every outcome set is queued for the next batch. */
    function outcomes(onOutcome: () => void): Outcomes {
      const map: Outcomes = new Map();
      const set = map.set.bind(map);
      map.set = (id, outcome) => {
        const record = byId.get(id);
        if (record && unsettled.delete(id)) {
          queue.push({ record, outcome });
          if (queue.length >= SETTLE_BATCH) void flush();
          else timer ??= setTimeout(() => void flush(), SETTLE_EVERY_MS);
        }
        onOutcome();
        return set(id, outcome);
      };
      return map;
    }

    async function finish(stoppedBy: KlaviyoApiError | undefined) {
      // A record the deliverers left without an outcome: never sent if the round was stopped first.
      for (const id of [...unsettled]) {
        const record = byId.get(id) as OutboxRecord;
        unsettled.delete(id);
        if (!KNOWN_KINDS.includes(record.kind)) continue;
        queue.push({ record, outcome: stoppedBy ? { kind: 'held', because: stoppedBy } : NO_OUTCOME });
      }
      await flush();
      if (writeError) throw writeError;
      // Never sent: released, no attempt counted, due again when the failure that stopped them is;
      // at once when only the round's time ran out (or its lease went: another worker has them).
      const heldUntil = new Map<number | undefined, number[]>();
      for (const { record, because } of heldBack) {
        const at =
          because === ROUND_ENDED || because === LEASE_LOST
            ? undefined
            : (resumeAt.get(because) ?? now() + RETRY_BASE_MS);
        heldUntil.set(at, [...(heldUntil.get(at) ?? []), record.id]);
      }
      for (const [at, ids] of heldUntil) await store.release(owner, ids, at, now());
      result.retrying += heldBack.length;
      // Another worker's kind: handed back untouched (see KNOWN_KINDS).
      const unknown = records.filter((r) => !KNOWN_KINDS.includes(r.kind)).map((r) => r.id);
      await store.release(owner, unknown, undefined, now());
    }

    return {
      outcomes,
      finish,
      /** Rows the round still holds and has not written: awaiting an outcome, or held back. */
      leased: () => [...unsettled, ...heldBack.map((h) => h.record.id)],
      isLeased: (id: number) => unsettled.has(id) || heldBack.some((h) => h.record.id === id),
      failedCount: () => failedCount,
    };
  }

  /**
   * Delivers until nothing is due, Klaviyo asks us to wait, `deadlineMs` (this host's clock) passes
   * or `signal` aborts. Each round is sized to the time left and cut off at the deadline; what it
   * completed is kept. Returns the totals.
   */
  async function drain(deadlineMs = Number.POSITIVE_INFINITY, signal?: AbortSignal): Promise<RoundResult> {
    const total = emptyResult();
    const marginMs = settleMargin(deadlineMs - local());
    let trickle = false;
    while (local() < deadlineMs && !signal?.aborted) {
      const r = await roundWithin({ deadline: deadlineMs, ...(signal ? { signal } : {}) }, marginMs);
      total.claimed += r.claimed;
      total.delivered += r.delivered;
      total.retrying += r.retrying;
      total.dead += r.dead;
      total.throttled += r.throttled;
      if (r.pausedUntil) total.pausedUntil = r.pausedUntil;
      if (r.stoppedBy) total.stoppedBy = r.stoppedBy;
      if (r.importDead) total.importDead = (total.importDead ?? 0) + r.importDead;
      // Nothing claimed, Klaviyo asks us to wait, or a round that settled nothing for good (all failed,
      // held or released): the next round would claim what is due at once and meet the same, so the
      // drain ends instead of spinning on it; the worker or the next drain comes back to it.
      if (r.claimed === 0 || r.pausedUntil || r.delivered + r.dead === 0) break;
      // A steady trickle (a busy storefront's page views, each asking for a drain): a part-filled round
      // after another waits before the next, so the next bulk job carries what arrived meanwhile
      // instead of a handful, and the per-round statements are paid once for many events.
      const partFilled = r.claimed < batchSize;
      if (partFilled && trickle) {
        if (deadlineMs - local() <= TRICKLE_PACE_MS) break;
        await pause(TRICKLE_PACE_MS, signal);
      }
      trickle = partFilled;
      // Between rounds, timers and I/O get their turn: on SQLite, whose calls are synchronous, a round
      // that made no request would otherwise chain the next on the microtask queue alone.
      await new Promise((resolve) => setImmediate(resolve));
    }
    return total;
  }

  return { round, drain, owner };
}

export type Dispatcher = ReturnType<typeof createDispatcher>;
