import 'server-only';
import { errorFromAnswer, KlaviyoApiError } from './errors';
import type { operations } from './generated/api';
import { OPERATIONS } from './generated/operations';
import { RateGovernor } from './governor';
import { DEFAULT_RETRY_POLICY, nextDelay, type RetryPolicy, type RetryState } from './retry';
import { KLAVIYO_REVISION } from './revision';
import type { UsedOperation } from './used-operations';

type Op<O extends UsedOperation> = operations[O];
type Content<R> = R extends { content: { 'application/vnd.api+json': infer C } } ? C : undefined;
type QueryOf<O extends UsedOperation> = Op<O>['parameters'] extends { query?: infer Q }
  ? Omit<NonNullable<Q>, 'company_id'>
  : never;
type PathOf<O extends UsedOperation> = Op<O>['parameters'] extends { path: infer P } ? P : never;
export type BodyOf<O extends UsedOperation> =
  Op<O> extends { requestBody?: infer B } ? Content<NonNullable<B>> : never;
type Responses<O extends UsedOperation> = Op<O>['responses'];
/** The success document of an operation (undefined for 202/204 answers without a body). */
export type ResponseOf<O extends UsedOperation> = Content<
  Responses<O>[Extract<keyof Responses<O>, 200 | 201 | 202 | 204>]
>;

export interface CallArgs<O extends UsedOperation> {
  path?: PathOf<O>;
  query?: QueryOf<O>;
  body?: BodyOf<O>;
  /**
   * Cancels the call: a wait for rate budget or before a retry ends at once, a request in flight is
   * aborted, and the call fails with code `aborted` (status 0). Klaviyo may still have received an
   * aborted request, so only a write that is safe to send again should be retried after one.
   */
  signal?: AbortSignal;
  /**
   * An instant (the client's clock) the call must not wait past, e.g. a delivery round's deadline: a
   * wait for rate budget that would pass it fails at once with code `deadline` (status 0, nothing
   * sent), and a retry whose backoff would pass it is not made (the last answer is thrown).
   */
  deadlineMs?: number;
  /** Told of each 429 Klaviyo answers this call, including ones the call then waits out and retries. */
  onThrottled?: (error: KlaviyoApiError) => void;
}

export interface KlaviyoClientOptions {
  /** Private API key for /api; not needed by a client that only calls /client endpoints. */
  apiKey?: string;
  /** Public key (site id) for the /client endpoints. */
  companyId?: string;
  baseUrl: string;
  revision?: string;
  /** Per attempt. */
  timeoutMs?: number;
  fetch?: typeof fetch;
  /** Paces calls under the published limits; null turns pacing off. */
  governor?: RateGovernor | null;
  retry?: Partial<RetryPolicy>;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

const USER_AGENT = 'klaviyo-next/0.1';

/** A whole answer: the response, its body text, and for a 2xx the parsed document. */
interface Answer {
  response: Response;
  text: string;
  document?: unknown;
}

/** What a cancelled call fails with (CallArgs.signal). */
export const abortedCall = (operation: string) =>
  new KlaviyoApiError(operation, {
    status: 0,
    code: 'aborted',
    detail: 'The call was cancelled before an answer arrived; Klaviyo may or may not have received it.',
  });

/** What a call fails with when its wait for rate budget would pass its `deadlineMs`. */
export const pastDeadline = (operation: string, waitMs: number) =>
  new KlaviyoApiError(operation, {
    status: 0,
    code: 'deadline',
    detail: `Not sent: the rate budget frees in ${Math.ceil(waitMs / 1000)} s, after the call's deadline.`,
  });

/** `sleep(ms)`, ended early by `signal` (then it rejects with `aborted()`). */
function sleepUnless(
  sleep: (ms: number) => Promise<void>,
  ms: number,
  signal: AbortSignal | undefined,
  aborted: () => Error,
): Promise<void> {
  if (!signal) return sleep(ms);
  if (signal.aborted) return Promise.reject(aborted());
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => reject(aborted());
    signal.addEventListener('abort', onAbort, { once: true });
    sleep(ms).then(
      () => {
        signal.removeEventListener('abort', onAbort);
        if (signal.aborted) reject(aborted());
        else resolve();
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** fetch reports a lost connection as `TypeError: fetch failed` with the socket's error as its cause. */
function describeFailure(error: unknown): string {
  const e = error as { message?: unknown; cause?: { message?: unknown; code?: unknown } } | undefined;
  const message = typeof e?.message === 'string' ? e.message : String(error);
  const cause = e?.cause && typeof e.cause.message === 'string' ? e.cause.message : undefined;
  const code = e?.cause && typeof e.cause.code === 'string' ? ` ${e.cause.code}` : '';
  return cause ? `${message}: ${cause}${code}` : message;
}

function serializeQuery(query: Record<string, unknown> | undefined, companyId: string | undefined): string {
  const params = new URLSearchParams();
  if (companyId) params.set('company_id', companyId);
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === undefined || value === null) continue;
    // JSON:API list parameters (fields[...], include, additional-fields[...]) are comma-separated.
    params.set(key, Array.isArray(value) ? value.join(',') : String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

function fillPath(template: string, path: Record<string, unknown> | undefined): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = path?.[name];
    if (value === undefined) throw new TypeError(`Missing path parameter '${name}' for ${template}`);
    return encodeURIComponent(String(value));
  });
}

type Meta = (typeof OPERATIONS)[UsedOperation];

/**
 * The budget a call spends: the operation's own, or the stricter one the spec states for a parameter
 * in use (get_list with additional-fields[list]=profile_count is 1/s, 15/m instead of 75/s, 750/m).
 */
function budgetFor(operation: UsedOperation, meta: Meta, query: Record<string, unknown> | undefined) {
  for (const c of meta.conditionalRateLimits as readonly {
    param: string;
    value: string;
    perSecond: number;
    perMinute: number;
  }[]) {
    const raw = query?.[c.param];
    const values = (Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',') : []).map(String);
    // The spec names `include=list` and `include=segment` for get_profile's `lists`/`segments`.
    if (values.some((v) => v === c.value || (c.param === 'include' && v.startsWith(c.value)))) {
      return { key: `${operation}?${c.param}=${c.value}`, limit: c };
    }
  }
  return { key: operation as string, limit: meta.rateLimit };
}

/**
 * The one HTTP client for Klaviyo. Every call is typed from the official spec, pinned to one
 * revision, paced under the published rate limits, retried the way Klaviyo asks, and bounded by a
 * deadline. Failures are `KlaviyoApiError`s.
 */
export function createKlaviyoClient(options: KlaviyoClientOptions) {
  const baseUrl = options.baseUrl.replace(/\/$/, '');
  const doFetch = options.fetch ?? globalThis.fetch;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = options.random ?? Math.random;
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  const governor =
    options.governor === null ? undefined : (options.governor ?? new RateGovernor({ now, sleep }));
  const timeoutMs = options.timeoutMs ?? 10_000;
  const revision = options.revision ?? KLAVIYO_REVISION;

  function headersFor(client: boolean, hasBody: boolean): Record<string, string> {
    const headers: Record<string, string> = {
      accept: 'application/vnd.api+json',
      revision,
      'user-agent': USER_AGENT,
    };
    if (hasBody) headers['content-type'] = 'application/vnd.api+json';
    if (!client) {
      if (!options.apiKey) throw new TypeError('This Klaviyo client has no private API key for /api calls.');
      headers.authorization = `Klaviyo-API-Key ${options.apiKey}`;
    }
    return headers;
  }

  /**
   * One request, read to the end of its body under the per-attempt timeout. Whatever goes wrong on
   * the way (no connection, a stream cut mid-body, a 2xx whose body is not JSON) comes back as a
   * retryable `KlaviyoApiError` with status 0, never as another kind of exception: callers that settle
   * delivery records depend on every failure being typed.
   */
  async function attempt(
    operation: UsedOperation,
    url: string,
    init: RequestInit,
    signal?: AbortSignal,
  ): Promise<Answer | KlaviyoApiError> {
    // A timer of our own rather than AbortSignal.timeout, so the timeout follows the injected clock.
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), timeoutMs);
    const failed = (code: string, detail: string) =>
      new KlaviyoApiError(operation, { status: 0, code, detail });
    const why = (error: unknown) =>
      timeout.signal.aborted ? `no answer within ${timeoutMs} ms` : describeFailure(error);
    try {
      let response: Response;
      try {
        response = await doFetch(url, {
          ...init,
          signal: signal ? AbortSignal.any([signal, timeout.signal]) : timeout.signal,
        });
      } catch (error) {
        if (signal?.aborted) throw error;
        return timeout.signal.aborted
          ? failed('timeout', `No answer within ${timeoutMs} ms.`)
          : failed('network_error', describeFailure(error));
      }
      let text: string;
      try {
        text = await response.text();
      } catch (error) {
        if (signal?.aborted) throw error;
        return failed(
          'response_interrupted',
          `The ${response.status} answer was cut off before its end (${why(error)}).`,
        );
      }
      if (!response.ok) return { response, text };
      try {
        return { response, text, document: text ? JSON.parse(text) : undefined };
      } catch {
        // Klaviyo answers JSON:API; anything else (a proxy's or CDN's page) says nothing about whether
        // the request took effect, so it is retried like a lost answer.
        const type = response.headers.get('content-type') ?? 'no content type';
        return failed(
          'invalid_response',
          `A ${response.status} answer whose body is not JSON (${type}): ${text.slice(0, 80)}`,
        );
      }
    } finally {
      clearTimeout(timer);
    }
  }

  /** Calls one operation and returns its success status, headers and document. */
  async function send<O extends UsedOperation>(
    operation: O,
    args: CallArgs<O> = {},
  ): Promise<{ status: number; headers: Headers; body: ResponseOf<O> }> {
    const meta = OPERATIONS[operation];
    const client = meta.path.startsWith('/client/');
    if (client && !options.companyId) throw new TypeError(`${operation} needs the public company id.`);
    const url =
      baseUrl +
      fillPath(meta.path, args.path as Record<string, unknown> | undefined) +
      serializeQuery(
        args.query as Record<string, unknown> | undefined,
        client ? options.companyId : undefined,
      );
    const body = args.body === undefined ? undefined : JSON.stringify(args.body);
    const init: RequestInit = { method: meta.method, headers: headersFor(client, body !== undefined), body };
    const state: RetryState = { retries: 0, throttled: 0, startedAtMs: now() };
    const budget = budgetFor(operation, meta, args.query as Record<string, unknown> | undefined);
    const { signal } = args;
    const aborted = () => abortedCall(operation);
    for (;;) {
      let outcome: Answer | KlaviyoApiError;
      const callDeadline = state.startedAtMs + policy.deadlineMs;
      const waitUntil = Math.min(callDeadline, args.deadlineMs ?? Number.POSITIVE_INFINITY);
      try {
        await governor?.acquire(budget.key, budget.limit, waitUntil, signal);
        outcome = await attempt(operation, url, init, signal);
      } catch (thrown) {
        // Both throw for `signal` (attempt() only for it), whatever reason it was aborted with.
        if (signal?.aborted) throw aborted();
        const exhausted = thrown instanceof KlaviyoApiError && thrown.code === 'rate_budget_exhausted';
        if (exhausted && waitUntil < callDeadline) throw pastDeadline(operation, thrown.retryAfterMs ?? 0);
        throw thrown;
      }
      let error: KlaviyoApiError;
      if (outcome instanceof KlaviyoApiError) {
        error = outcome;
      } else if (outcome.response.ok) {
        await governor?.observe(budget.key, outcome.response.headers);
        return {
          status: outcome.response.status,
          headers: outcome.response.headers,
          body: outcome.document as ResponseOf<O>,
        };
      } else {
        error = errorFromAnswer(operation, outcome.response, outcome.text, now());
        if (error.status === 429) {
          args.onThrottled?.(error);
          await governor?.throttled(budget.key, error.retryAfterMs ?? 1_000);
        }
      }
      const delay = nextDelay(policy, state, error, now(), random);
      if (delay === undefined || now() + delay > (args.deadlineMs ?? Number.POSITIVE_INFINITY)) throw error;
      await sleepUnless(sleep, delay, signal, aborted);
    }
  }

  /** Calls one operation and returns its success document. */
  async function call<O extends UsedOperation>(operation: O, args: CallArgs<O> = {}): Promise<ResponseOf<O>> {
    return (await send(operation, args)).body;
  }

  return { call, send, baseUrl, revision };
}

export type KlaviyoClient = ReturnType<typeof createKlaviyoClient>;
