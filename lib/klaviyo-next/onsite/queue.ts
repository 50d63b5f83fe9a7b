import type { KlaviyoWindow, QueueEntry } from './types';

/**
 * Klaviyo's pre-load `klaviyo` object (docs/klaviyo-notes.md#pre-load-queue), bundled instead of inlined so a
 * strict CSP needs no inline-script exception (as Klaviyo's own Next.js skill does).
 * `klaviyo.<method>(...args)` queues `[method, ...args, resolve]` on `window._klOnsite` and returns a Promise
 * that klaviyo.js settles when it drains the queue; `klaviyo.push(entry)` queues the entry as is. The queue
 * is read from `window._klOnsite` on every call, as in the official snippet, so calls made after klaviyo.js
 * takes the queue over go straight to it. Installing twice is harmless. Proxy is in every browser Next.js
 * supports, so the snippet's array fallback is left out.
 */
export function installQueue(win: KlaviyoWindow): void {
  if (win.klaviyo) return;
  win._klOnsite ??= [];
  const enqueue = (...entries: QueueEntry[]) => win._klOnsite?.push(...entries);
  win.klaviyo = new Proxy({} as NonNullable<KlaviyoWindow['klaviyo']>, {
    get: (_target, method) =>
      method === 'push'
        ? enqueue
        : (...args: unknown[]) => {
            const callback = typeof args.at(-1) === 'function' ? (args.pop() as (v: unknown) => void) : null;
            return new Promise((resolve) =>
              enqueue([
                String(method),
                ...args,
                (value: unknown) => {
                  callback?.(value);
                  resolve(value);
                },
              ]),
            );
          },
  });
}
