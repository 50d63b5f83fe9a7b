import 'server-only';
import { isIPv4, isIPv6 } from 'node:net';

/**
 * The client's address as the operator's trusted proxies report it, for rate limits and sign-in
 * throttles; undefined when it cannot be known.
 *
 * Every proxy appends the address it received the request from to `X-Forwarded-For`, so with
 * `hops` trusted proxies in front of the app the client's address is the `hops`-th entry from the
 * right; anything left of it was written by the client and proves nothing. With `hops = 0` (no proxy)
 * the address would be the TCP peer, but a Next.js route handler or server action is never given
 * the socket: `next start` copies the peer into `X-Forwarded-For` only when the request has no such
 * header, so the header there is whatever the client chose. Then no address is trusted (undefined),
 * and callers share one key that the client cannot rotate (see README, "Trusted proxies").
 */
export function clientAddress(
  headers: Headers | Record<string, unknown> | undefined,
  hops: number,
): string | undefined {
  if (hops < 1 || !headers) return undefined;
  // Next.js's headers() is a sealed stand-in for Headers; next-auth passes a plain object.
  const raw =
    typeof headers.get === 'function'
      ? (headers as Headers).get('x-forwarded-for')
      : (headers as Record<string, unknown>)['x-forwarded-for'];
  const value = Array.isArray(raw) ? raw.join(',') : raw;
  if (typeof value !== 'string') return undefined;
  const entries = value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  if (entries.length === 0) return undefined;
  // Fewer entries than hops: the request passed fewer proxies than configured; the leftmost entry
  // was still written by one of them (or by Next.js from the socket), never by the client.
  const entry = entries[Math.max(0, entries.length - hops)] ?? '';
  return normalise(entry);
}

/**
 * One key per client: an IPv4 address as is (an IPv4-mapped IPv6 one unwrapped), and an IPv6 address
 * by its /64 prefix, since one subscriber is usually given a whole /64 to pick addresses from.
 */
function normalise(entry: string): string | undefined {
  const address = entry.replace(/^\[|\](:\d+)?$/g, '').replace(/^::ffff:/i, '');
  if (isIPv4(address)) return address;
  const v4WithPort = /^(\d+\.\d+\.\d+\.\d+):\d+$/.exec(address)?.[1];
  if (v4WithPort && isIPv4(v4WithPort)) return v4WithPort;
  if (isIPv6(address)) return `${expandIPv6(address).slice(0, 4).join(':')}::/64`;
  // Not an address: a misconfigured proxy chain. Still a key, but bounded in length.
  return `other:${address.slice(0, 64)}`;
}

function expandIPv6(address: string): string[] {
  const [head = '', tail] = address.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const missing = Math.max(0, 8 - left.length - right.length);
  return [...left, ...Array<string>(missing).fill('0'), ...right].map((g) =>
    g.toLowerCase().replace(/^0+(?=.)/, ''),
  );
}
