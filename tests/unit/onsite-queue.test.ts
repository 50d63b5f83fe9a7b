import { describe, expect, it } from 'vitest';
import { installQueue } from '../../lib/klaviyo-next/onsite/queue';
import { fakeKlaviyoWindow } from '../support/fake-klaviyo-window';

describe('installQueue (the pre-load klaviyo object, docs/klaviyo-notes.md#pre-load-queue)', () => {
  it('queues method calls as [method, ...args, resolver] and settles them when klaviyo.js calls back', async () => {
    const { win } = fakeKlaviyoWindow();
    installQueue(win);
    const identified = win.klaviyo?.identify({ $email: 'ann@example.com' });
    const tracked = win.klaviyo?.track('Viewed Product', { ProductID: 'tee' });
    const queue = win._klOnsite ?? [];
    expect(queue.map((entry) => entry.slice(0, -1))).toEqual([
      ['identify', { $email: 'ann@example.com' }],
      ['track', 'Viewed Product', { ProductID: 'tee' }],
    ]);
    // What klaviyo.js does when it drains the queue: call the trailing function with the result.
    for (const entry of queue) (entry.at(-1) as (value: unknown) => void)(entry[0] === 'track' ? true : {});
    await expect(identified).resolves.toEqual({});
    await expect(tracked).resolves.toBe(true);
  });

  it('passes a trailing callback the same value the promise resolves to', async () => {
    const { win } = fakeKlaviyoWindow();
    installQueue(win);
    const seen: unknown[] = [];
    const klaviyo = win.klaviyo as unknown as { isIdentified(cb: (v: unknown) => void): Promise<unknown> };
    const result = klaviyo.isIdentified((v) => seen.push(v));
    const entry = win._klOnsite?.[0] ?? [];
    expect(entry).toHaveLength(2); // the user's callback is replaced by one resolver
    (entry[1] as (value: unknown) => void)(false);
    await expect(result).resolves.toBe(false);
    expect(seen).toEqual([false]);
  });

  it('push() queues entries as they are, on whatever queue window._klOnsite is at call time', () => {
    const { win } = fakeKlaviyoWindow();
    installQueue(win);
    win.klaviyo?.push(['openForm', 'ABC123']);
    const takenOver: unknown[] = [];
    win._klOnsite = Object.assign([], { push: (...entries: unknown[]) => takenOver.push(...entries) });
    win.klaviyo?.push(['track', 'Later']);
    expect(takenOver).toEqual([['track', 'Later']]);
  });

  it('leaves an existing klaviyo object (the real one, or a first install) alone', () => {
    const { win } = fakeKlaviyoWindow();
    installQueue(win);
    const first = win.klaviyo;
    win.klaviyo?.track('Once');
    installQueue(win);
    expect(win.klaviyo).toBe(first);
    expect(win._klOnsite).toHaveLength(1);
  });
});
