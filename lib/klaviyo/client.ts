import 'server-only';
import { errorFromResponse, KlaviyoApiError } from './errors';
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
  signal?: AbortSignal;
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

  async function attempt(operation: UsedOperation, url: string, init: RequestInit, signal?: AbortSignal) {
    // A timer of our own rather than AbortSignal.timeout, so the timeout follows the injected clock.
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), timeoutMs);
    try {
      return await doFetch(url, {
        ...init,
        signal: signal ? AbortSignal.any([signal, timeout.signal]) : timeout.signal,
      });
    } catch (error) {
      if (signal?.aborted) throw error;
      const timedOut = timeout.signal.aborted;
      return new KlaviyoApiError(operation, {
        status: 0,
        code: timedOut ? 'timeout' : 'network_error',
        detail: timedOut ? `No answer within ${timeoutMs} ms.` : String((error as Error).message ?? error),
      });
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
    for (;;) {
      await governor?.acquire(budget.key, budget.limit, state.startedAtMs + policy.deadlineMs);
      const outcome = await attempt(operation, url, init, args.signal);
      let error: KlaviyoApiError;
      if (outcome instanceof KlaviyoApiError) {
        error = outcome;
      } else if (outcome.ok) {
        await governor?.observe(budget.key, outcome.headers);
        const text = await outcome.text();
        return {
          status: outcome.status,
          headers: outcome.headers,
          body: (text ? JSON.parse(text) : undefined) as ResponseOf<O>,
        };
      } else {
        error = await errorFromResponse(operation, outcome, now());
        if (error.status === 429) await governor?.throttled(budget.key, error.retryAfterMs ?? 1_000);
      }
      const delay = nextDelay(policy, state, error, now(), random);
      if (delay === undefined) throw error;
      await sleep(delay);
    }
  }

  /** Calls one operation and returns its success document. */
  async function call<O extends UsedOperation>(operation: O, args: CallArgs<O> = {}): Promise<ResponseOf<O>> {
    return (await send(operation, args)).body;
  }

  return { call, send, baseUrl, revision };
}

export type KlaviyoClient = ReturnType<typeof createKlaviyoClient>;
