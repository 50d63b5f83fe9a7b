import type { KlaviyoWindow } from '../../lib/klaviyo-next/onsite/types';

/**
 * A window with just what lib/klaviyo-next/onsite touches: a cookie jar that honours `max-age=0` (and
 * records every write, attributes included), storages, a location.
 */
export function fakeKlaviyoWindow(options: { search?: string; hostname?: string; cookies?: string[] } = {}) {
  const jar = new Map<string, string>();
  const writes: string[] = [];
  const document = {
    get cookie() {
      return [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
    },
    set cookie(text: string) {
      writes.push(text);
      const [pair = '', ...attributes] = text.split(';').map((part) => part.trim());
      const at = pair.indexOf('=');
      const name = pair.slice(0, at);
      if (attributes.some((a) => a.toLowerCase() === 'max-age=0')) jar.delete(name);
      else jar.set(name, pair.slice(at + 1));
    },
  };
  for (const cookie of options.cookies ?? []) document.cookie = cookie;
  writes.length = 0;
  const storage = () => {
    const items = new Map<string, string>();
    return {
      items,
      getItem: (k: string) => items.get(k) ?? null,
      setItem: (k: string, v: string) => void items.set(k, v),
      removeItem: (k: string) => void items.delete(k),
    };
  };
  const win = {
    document,
    location: { search: options.search ?? '', hostname: options.hostname ?? 'shop.example.com' },
    localStorage: storage(),
    sessionStorage: storage(),
  } satisfies KlaviyoWindow;
  return { win: win as KlaviyoWindow & typeof win, jar, writes };
}
