import 'server-only';
import { clientAddress } from '../http/client-address';
import { errorResponse } from '../http/error-response';
import type { FieldError } from '../http/field-error';
import type { RateLimit } from '../http/rate-limit';
import { readLimitedBody } from '../http/read-limited-body';
import type { RelayContext } from './deps';

/** Browser events and profile forms are small; 16 KB is several times the largest valid body. */
export const MAX_BODY_BYTES = 16 * 1024;

/** A use-case's answer, mapped to HTTP by `respond`: 202 accepted into the outbox, or a 4xx naming the field. */
export type RelayResult =
  | { status: 202; body: Record<string, unknown> }
  | { status: 400 | 401 | 403 | 413 | 429; error: FieldError; retryAfterSeconds?: number };

export function respond(result: RelayResult): Response {
  if (result.status === 202) return Response.json(result.body, { status: 202 });
  const headers = result.retryAfterSeconds ? { 'Retry-After': String(result.retryAfterSeconds) } : undefined;
  return errorResponse(result.status, result.error, headers);
}

export function cookiesOf(request: Request): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const pair of (request.headers.get('cookie') ?? '').split(';')) {
    const at = pair.indexOf('=');
    if (at > 0) cookies.set(pair.slice(0, at).trim(), pair.slice(at + 1).trim());
  }
  return cookies;
}

/**
 * Same-origin only: the Origin a browser sends must name this host. Cross-site pages cannot post
 * here, and without CORS headers they cannot read an answer either.
 */
function sameOrigin(request: Request): boolean {
  const origin = request.headers.get('origin');
  const host =
    request.headers.get('x-forwarded-host') ?? request.headers.get('host') ?? new URL(request.url).host;
  if (!origin || origin === 'null') return false;
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

/**
 * Who is asking, for the rate limit: the address the trusted proxies report (lib/klaviyo-next/http/client-address.ts).
 * Never a cookie or a header entry the client wrote: those it can rotate at will. Without a known
 * address every client shares the one key `shared`, which the client cannot rotate either.
 */
export function clientKey(request: Request, trustedProxyHops: number): string {
  const address = clientAddress(request.headers, trustedProxyHops);
  return address ? `ip:${address}` : 'shared';
}

/** The body as UTF-8 text, up to the limit (http/read-limited-body.ts); undefined when it is larger. */
async function readLimited(request: Request): Promise<string | undefined> {
  const bytes = await readLimitedBody(request, MAX_BODY_BYTES);
  // Buffer's decoding, as before: a byte-order mark stays (and is refused as JSON), unlike TextDecoder's.
  return bytes && Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}

/** The 429 of a route's per-address limit. */
export const tooManyRequests = (retryAfterSeconds: number): RelayResult => ({
  status: 429,
  error: { message: 'Too many requests; try again later.' },
  retryAfterSeconds,
});

/**
 * The checks every relay route makes before its use-case, cheapest first: origin (403), rate (429),
 * size (413), JSON (400). Returns the parsed body and cookies, or the failure to send back. Without a
 * `limit` the route takes its rate-limit token itself, in the transaction of its write (track).
 */
export async function acceptJson(
  request: Request,
  deps: Pick<RelayContext, 'limiter' | 'trustedProxyHops'>,
  route: { name: string; limit?: RateLimit },
): Promise<{ body: unknown; cookies: Map<string, string> } | RelayResult> {
  if (!sameOrigin(request)) {
    return {
      status: 403,
      error: { field: 'origin', message: 'Only this storefront may call this endpoint.' },
    };
  }
  const cookies = cookiesOf(request);
  if (route.limit) {
    const decision = await deps.limiter.take(
      `relay:${route.name}:${clientKey(request, deps.trustedProxyHops)}`,
      route.limit,
    );
    if (!decision.ok) return tooManyRequests(decision.retryAfterSeconds);
  }
  const text = await readLimited(request);
  if (text === undefined) {
    return {
      status: 413,
      error: { field: 'body', message: `The body is larger than ${MAX_BODY_BYTES} bytes.` },
    };
  }
  try {
    return { body: JSON.parse(text) as unknown, cookies };
  } catch {
    return { status: 400, error: { field: 'body', message: 'The body is not valid JSON.' } };
  }
}
