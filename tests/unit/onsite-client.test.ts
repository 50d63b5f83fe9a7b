import { afterEach, describe, expect, it, vi } from 'vitest';
import { OnsiteClient } from '../../lib/klaviyo-next/onsite/client';
import type { QueueEntry } from '../../lib/klaviyo-next/onsite/types';
import { fakeKlaviyoWindow } from '../support/fake-klaviyo-window';

/** Lets queued promise callbacks run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));
const methods = (queue: QueueEntry[] | undefined) =>
  (queue ?? []).map((entry) => [entry[0], ...entry.slice(1, -1)]);
/** What klaviyo.js does with a queue entry: call its resolver with the result. */
function answer(entry: QueueEntry | undefined, value: unknown): void {
  if (!entry) throw new Error('nothing queued');
  (entry.at(-1) as (v: unknown) => void)(value);
}

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('OnsiteClient (the gate between the page and klaviyo.js)', () => {
  it('without a window (server rendering) resolves every call as not sent', async () => {
    const client = new OnsiteClient('ABC123');
    client.setConsent('granted');
    await expect(client.identify({ $email: 'a@example.com' })).resolves.toEqual({});
    await expect(client.track('Viewed Product')).resolves.toBe(false);
    await expect(client.trackViewedItem({ ItemId: 'x' })).resolves.toBeUndefined();
  });

  it('before consent installs nothing and keeps calls in memory; on consent replays them in order', async () => {
    const { win } = fakeKlaviyoWindow();
    const client = new OnsiteClient('ABC123', undefined, win);
    void client.track('First');
    void client.trackViewedItem({ ItemId: 'tee' });
    void client.track('Second', { n: 2 });
    await settle();
    expect(win.klaviyo).toBeUndefined();
    expect(win._klOnsite).toBeUndefined();
    client.setConsent('granted');
    await settle();
    expect(methods(win._klOnsite)).toEqual([
      ['track', 'First', undefined],
      ['trackViewedItem', { ItemId: 'tee' }],
      ['track', 'Second', { n: 2 }],
    ]);
  });

  it('holds a track back until the identify before it is answered', async () => {
    const { win } = fakeKlaviyoWindow();
    const client = new OnsiteClient('ABC123', undefined, win);
    client.setConsent('granted');
    const identified = client.identify({ $email: 'ann@example.com' });
    const tracked = client.track('Signed In');
    await settle();
    expect(methods(win._klOnsite)).toEqual([['identify', { $email: 'ann@example.com' }]]);
    answer(win._klOnsite?.[0], { $email: 'ann@example.com' });
    await settle();
    expect(methods(win._klOnsite).map((m) => m[0])).toEqual(['identify', 'track']);
    answer(win._klOnsite?.[1], true);
    await expect(identified).resolves.toEqual({ $email: 'ann@example.com' });
    await expect(tracked).resolves.toBe(true);
  });

  it('once klaviyo.js has run, stops waiting for an identify that never answers', async () => {
    vi.useFakeTimers();
    const { win } = fakeKlaviyoWindow();
    const client = new OnsiteClient('ABC123', undefined, win);
    client.setConsent('granted');
    void client.identify({ $email: 'ann@example.com' });
    void client.track('Later');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(win._klOnsite).toHaveLength(1); // klaviyo.js has not arrived: keep waiting
    client.onScriptReady();
    await vi.advanceTimersByTimeAsync(4_999);
    expect(win._klOnsite).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(methods(win._klOnsite).map((m) => m[0])).toEqual(['identify', 'track']);
  });

  it("identifies an email link's _kx for this company before replaying anything", async () => {
    const { win } = fakeKlaviyoWindow({ search: '?_kx=tok%3D%3D.ABC123' });
    const client = new OnsiteClient('ABC123', undefined, win);
    void client.track('Viewed Product');
    client.setConsent('granted');
    await settle();
    expect(methods(win._klOnsite)).toEqual([['identify', { _kx: 'tok==.ABC123' }]]);
    answer(win._klOnsite?.[0], {});
    await settle();
    expect(methods(win._klOnsite).map((m) => m[0])).toEqual(['identify', 'track']);
  });

  it('keeps the link’s _kx when the URL changes before the shopper consents', async () => {
    const { win } = fakeKlaviyoWindow({ search: '?_kx=tok%3D%3D.ABC123' });
    const client = new OnsiteClient('ABC123', undefined, win);
    win.location.search = '?variant=tee-m'; // a variant picked while the cookie banner was open
    client.setConsent('granted');
    await settle();
    expect(methods(win._klOnsite)).toEqual([['identify', { _kx: 'tok==.ABC123' }]]);
  });

  it('on denial drops waiting calls, sets __kla_off, clears cookies and cuts klaviyo.js off the page', async () => {
    const { win, jar } = fakeKlaviyoWindow({ cookies: ['__kla_id=abc'] });
    const client = new OnsiteClient('ABC123', undefined, win);
    client.setConsent('granted');
    const loaded = win.klaviyo;
    client.setConsent('pending');
    const waiting = client.track('Waiting');
    client.setConsent('denied');
    await expect(waiting).resolves.toBe(false);
    expect(Object.fromEntries(jar)).toEqual({ __kla_off: 'true' });
    expect(win.klaviyo).toBeUndefined();
    await expect(client.track('After')).resolves.toBe(false);
    expect(win._klOnsite).toEqual([]);
    client.setConsent('granted');
    expect(win.klaviyo).toBe(loaded);
    expect(jar.has('__kla_off')).toBe(false);
  });

  it('posts relay ids after the identify before them, and never without consent', async () => {
    const fetch = vi.fn(async () => new Response('{}', { status: 202 }));
    vi.stubGlobal('fetch', fetch);
    const { win } = fakeKlaviyoWindow();
    const client = new OnsiteClient('ABC123', '/api/klaviyo/track', win);
    client.setConsent('denied');
    await expect(client.relay({ metric: 'Added to Cart', cartId: 'c', revision: 1 })).resolves.toBe(false);
    client.setConsent('granted');
    void client.identify({ $email: 'ann@example.com' });
    const relayed = client.relay({ metric: 'Added to Cart', cartId: 'c', revision: 2 });
    await settle();
    expect(fetch).not.toHaveBeenCalled();
    answer(win._klOnsite?.[0], {});
    await expect(relayed).resolves.toBe(true);
    expect(fetch).toHaveBeenCalledWith('/api/klaviyo/track', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ metric: 'Added to Cart', cartId: 'c', revision: 2 }),
      keepalive: true,
    });
  });
});
