import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createKlaviyoClient } from '../../lib/klaviyo-next/api/client.js';
import { KlaviyoApiError } from '../../lib/klaviyo-next/api/errors.js';

/**
 * The retry matrix, in the manner of Segment's publisher tests: each row is a sequence of answers,
 * and the call must make exactly the expected attempts, wait exactly the expected times (jitter is
 * pinned to its maximum), and end in the expected outcome.
 */
type Answer = number | { status: number; retryAfter?: string } | 'network' | 'timeout' | 'garbled' | 'cut';

const errorBody = (status: number) =>
  JSON.stringify({
    errors: [
      {
        id: 'x',
        status,
        code: status === 429 ? 'throttled' : 'invalid',
        title: 't',
        detail: `answer ${status}`,
        source: { pointer: '/data/attributes/email' },
      },
    ],
  });

function fakeFetch(answers: Answer[]) {
  const calls: number[] = [];
  const fetch = vi.fn(async (_url: string | URL | Request, init?: RequestInit) => {
    calls.push(Date.now());
    const answer = answers[Math.min(calls.length - 1, answers.length - 1)] as Answer;
    if (answer === 'network') throw new TypeError('fetch failed');
    // A 2xx whose body is a proxy's page, and one whose stream is cut after the headers.
    if (answer === 'garbled') return new Response('<html>502 Bad Gateway</html>', { status: 200 });
    if (answer === 'cut') {
      const body = new ReadableStream({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('{"data":['));
          controller.error(new TypeError('terminated'));
        },
      });
      return new Response(body, { status: 200 });
    }
    if (answer === 'timeout') {
      // Hang until the client's per-attempt timeout aborts the request.
      return new Promise<Response>((_, reject) =>
        init?.signal?.addEventListener('abort', () => reject(init.signal?.reason)),
      );
    }
    const { status, retryAfter } =
      typeof answer === 'number' ? { status: answer, retryAfter: undefined } : answer;
    if (status < 300) return new Response(JSON.stringify({ data: [] }), { status });
    return new Response(errorBody(status), {
      status,
      headers: retryAfter ? { 'retry-after': retryAfter } : {},
    });
  });
  return { fetch, calls };
}

async function run(answers: Answer[], retry = {}) {
  const { fetch, calls } = fakeFetch(answers);
  const client = createKlaviyoClient({
    apiKey: 'pk_test',
    baseUrl: 'https://a.klaviyo.test',
    fetch: fetch as typeof globalThis.fetch,
    governor: null,
    random: () => 0.999_999, // full jitter at its ceiling, so waits are exact
    timeoutMs: 20,
    retry,
  });
  const started = Date.now();
  const outcome = client.call('get_metrics').then(
    () => 'ok' as const,
    (error: unknown) => error,
  );
  let settled = false;
  void outcome.then(() => {
    settled = true;
  });
  while (!settled) {
    await vi.advanceTimersByTimeAsync(50);
    await new Promise((resolve) => queueMicrotask(() => resolve(undefined)));
    if (!settled) await new Promise((resolve) => setImmediate(resolve));
  }
  const waits = calls.slice(1).map((t, i) => t - (calls[i] as number));
  return { result: await outcome, attempts: calls.length, waits, elapsed: Date.now() - started };
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('retry matrix', () => {
  it.each([
    // name, answers, attempts, outcome
    ['success first time', [200], 1, 'ok'],
    ['5xx then success', [500, 503, 200], 3, 'ok'],
    ['network error then success', ['network', 200], 2, 'ok'],
    ['timeout then success', ['timeout', 200], 2, 'ok'],
    ['2xx body not JSON then success', ['garbled', 200], 2, 'ok'],
    ['answer cut mid-body then success', ['cut', 200], 2, 'ok'],
    ['5xx every time: 1 + 4 retries', [502], 5, 502],
    ['400 never retries', [400], 1, 400],
    ['401 never retries', [401], 1, 401],
    ['403 never retries', [403], 1, 403],
    ['404 never retries', [404], 1, 404],
    ['409 never retries', [409], 1, 409],
  ] as [string, Answer[], number, 'ok' | number][])('%s', async (_name, answers, attempts, expected) => {
    const { result, attempts: made } = await run(answers);
    expect(made).toBe(attempts);
    if (expected === 'ok') expect(result).toBe('ok');
    else {
      expect(result).toBeInstanceOf(KlaviyoApiError);
      expect((result as KlaviyoApiError).status).toBe(expected);
      expect((result as KlaviyoApiError).retryable).toBe(expected >= 500);
    }
  });

  it('backs off with full jitter, doubling from 250 ms', async () => {
    const { waits } = await run([500, 500, 500, 500, 200]);
    // random pinned just under 1: waits are floor(0.999999 * min(8000, 250 * 2^n)).
    expect(waits.map((w) => Math.round(w / 50) * 50)).toEqual([250, 500, 1000, 2000]);
  });

  it('waits exactly Retry-After on 429 without spending the retry budget', async () => {
    const throttled = { status: 429, retryAfter: '3' };
    const { result, attempts, waits } = await run([throttled, throttled, throttled, 500, 500, 500, 500, 200]);
    expect(result).toBe('ok');
    expect(attempts).toBe(8); // 3 throttles + 4 retries of 5xx + success: the 429s cost no retries
    expect(waits.slice(0, 3)).toEqual([3000, 3000, 3000]);
  });

  it('gives up on a Retry-After past the cap (a daily limit) at once', async () => {
    const { result, attempts } = await run([{ status: 429, retryAfter: '3600' }]);
    expect(attempts).toBe(1);
    expect(result).toMatchObject({ status: 429, retryAfterMs: 3_600_000, retryable: true });
  });

  it('bounds the number of 429 waits', async () => {
    const { attempts } = await run([{ status: 429, retryAfter: '1' }]);
    expect(attempts).toBe(9); // 1 + maxThrottledRetries (8)
  });

  it('never runs past the total deadline', async () => {
    const { result, attempts, elapsed } = await run([{ status: 429, retryAfter: '2' }], {
      deadlineMs: 5_000,
    });
    expect(result).toMatchObject({ status: 429 });
    expect(attempts).toBe(3); // waits at 2 s and 4 s; a third wait would end past 5 s
    expect(elapsed).toBeLessThanOrEqual(5_000);
  });

  it('carries Klaviyo’s code, detail and pointer on the error', async () => {
    const { result } = await run([400]);
    expect(result).toMatchObject({
      operation: 'get_metrics',
      code: 'invalid',
      detail: 'answer 400',
      pointer: '/data/attributes/email',
    });
  });

  it('reports a 2xx that is never JSON, or always cut, as a typed retryable error', async () => {
    const garbled = await run(['garbled']);
    expect(garbled.attempts).toBe(5);
    expect(garbled.result).toMatchObject({ status: 0, code: 'invalid_response', retryable: true });
    const cut = await run(['cut']);
    expect(cut.attempts).toBe(5);
    expect(cut.result).toMatchObject({ status: 0, code: 'response_interrupted', retryable: true });
  });

  it('reports a timeout as such when every attempt times out', async () => {
    const { result, attempts } = await run(['timeout']);
    expect(attempts).toBe(5);
    expect(result).toMatchObject({ status: 0, code: 'timeout', retryable: true });
  });
});
