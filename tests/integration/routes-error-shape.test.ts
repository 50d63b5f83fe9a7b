import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { KlaviyoApiError } from '../../lib/klaviyo-next/api/errors.js';
import { AdminError, failureResponse } from '../../lib/klaviyo-next/dashboard/errors.js';
import { parseId, parseQuery } from '../../lib/klaviyo-next/dashboard/http.js';
import { respond } from '../../lib/klaviyo-next/relay/http.js';

/**
 * Every route handler refuses with one JSON shape, `{ error: { field?, message } }`, and says the
 * kind of refusal with its status alone: a client reads the same two keys from /api/klaviyo/* and
 * /api/admin/*.
 */
async function refusal(response: Response): Promise<{ status: number; body: unknown }> {
  return { status: response.status, body: await response.json() };
}

function expectShape(body: unknown) {
  expect(body).toEqual({ error: expect.any(Object) });
  const error = (body as { error: Record<string, unknown> }).error;
  expect(Object.keys(error).sort()).toEqual('field' in error ? ['field', 'message'] : ['message']);
  expect(typeof error.message).toBe('string');
}

describe('one JSON error shape for route handlers', () => {
  it('admin query refusal names the field and nothing else', async () => {
    const parsed = parseQuery(
      new Request('https://shop.test/api/admin/overview?period=nope'),
      z.object({ period: z.enum(['last_7_days']) }),
    );
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    const { status, body } = await refusal(parsed.response);
    expect(status).toBe(400);
    expectShape(body);
    expect(body).toMatchObject({ error: { field: 'period' } });
  });

  it('admin id refusal names the id', async () => {
    const parsed = await parseId(Promise.resolve({ id: '../etc' }));
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    const { status, body } = await refusal(parsed.response);
    expect(status).toBe(400);
    expectShape(body);
    expect(body).toEqual({ error: { field: 'id', message: 'id: must be a Klaviyo id' } });
  });

  it('admin failures carry their kind in the status, the words in message', async () => {
    const cases: [unknown, number][] = [
      [new AdminError('not_found', 'No such list.'), 404],
      [new AdminError('invalid', 'Give it a name.'), 400],
      [new KlaviyoApiError('get_list', { status: 429, code: 'throttled', detail: 'slow down' }), 429],
    ];
    for (const [error, expected] of cases) {
      const response = failureResponse(error);
      const { status, body } = await refusal(response);
      expect(status).toBe(expected);
      expectShape(body);
    }
    expect(failureResponse(cases[2]?.[0]).headers.get('Retry-After')).toBe('60');
  });

  it('relay refusals keep the same shape and Retry-After', async () => {
    const response = respond({
      status: 429,
      error: { field: 'rate', message: 'Too many requests.' },
      retryAfterSeconds: 7,
    });
    expect(response.headers.get('Retry-After')).toBe('7');
    const { status, body } = await refusal(response);
    expect(status).toBe(429);
    expect(body).toEqual({ error: { field: 'rate', message: 'Too many requests.' } });
  });
});
