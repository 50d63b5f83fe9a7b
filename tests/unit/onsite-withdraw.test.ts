import { describe, expect, it } from 'vitest';
import { allowTracking, withdrawTracking } from '../../lib/klaviyo-next/onsite/withdraw';
import { fakeKlaviyoWindow } from '../support/fake-klaviyo-window';

describe('withdrawing consent (docs/klaviyo-notes.md#consent)', () => {
  it('sets __kla_off=true and deletes every other __kla cookie, on the host and each parent domain', () => {
    const { win, jar, writes } = fakeKlaviyoWindow({
      hostname: 'shop.example.com',
      cookies: ['__kla_id=eyJjaWQiOiJhYmMifQ==', '__kla_viewed=x', 'nw_cart=keep'],
    });
    withdrawTracking(win);
    expect(Object.fromEntries(jar)).toEqual({ __kla_off: 'true', nw_cart: 'keep' });
    const deletions = writes.filter((w) => w.startsWith('__kla_id=;'));
    expect(deletions).toEqual([
      '__kla_id=; path=/; max-age=0',
      '__kla_id=; path=/; max-age=0; domain=shop.example.com',
      '__kla_id=; path=/; max-age=0; domain=.example.com',
    ]);
    expect(writes[0]).toMatch(/^__kla_off=true; path=\/; max-age=63072000/);
  });

  it('clears the storage keys klaviyo.js and its modules write', () => {
    const { win } = fakeKlaviyoWindow();
    for (const key of [
      '__kla_viewed',
      '$referrer',
      '$last_referrer',
      'kl-post-identification-sync',
      'mine',
    ]) {
      win.localStorage.setItem(key, '1');
    }
    win.sessionStorage.setItem('_kx', 'eA==');
    withdrawTracking(win);
    expect([...win.localStorage.items.keys()]).toEqual(['mine']);
    expect(win.sessionStorage.items.size).toBe(0);
  });

  it('allowTracking lifts the kill switch, and writes nothing when it is not set', () => {
    const { win, jar, writes } = fakeKlaviyoWindow({ cookies: ['__kla_off=true'] });
    allowTracking(win);
    expect(jar.has('__kla_off')).toBe(false);
    writes.length = 0;
    allowTracking(win);
    expect(writes).toEqual([]);
  });
});
