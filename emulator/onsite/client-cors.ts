import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * CORS for Klaviyo's `/client/*` endpoints, which storefront pages call cross-origin with a public key
 * (docs/klaviyo-notes.md#client-requests: klaviyo.js sends custom headers, so the browser preflights).
 * Allowed request headers are exactly those klaviyo.js sends; `Authorization` is not among them, so a browser
 * can never send a private key here. No credentials: klaviyo.js uses withCredentials=false.
 */
const ALLOWED_HEADERS = ['accept', 'content-type', 'revision', 'x-klaviyo-onsite', 'x-klaviyo-js-url'];

/** Adds the CORS headers to a /client/* request; answers (and returns true for) a preflight. */
export function applyClientCors(req: IncomingMessage, res: ServerResponse, url: URL): boolean {
  if (!url.pathname.startsWith('/client/')) return false;
  res.setHeader('Access-Control-Allow-Origin', '*');
  if (req.method !== 'OPTIONS') return false;
  res.writeHead(204, {
    'Access-Control-Allow-Methods': 'GET, POST',
    'Access-Control-Allow-Headers': ALLOWED_HEADERS.join(', '),
    'Access-Control-Max-Age': '600',
  });
  res.end();
  return true;
}
