import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Serves the klaviyo.js stand-in where Klaviyo serves the real script: `/onsite/js/<company id>/klaviyo.js`
 * and the older `/onsite/js/klaviyo.js?company_id=<id>` (docs/klaviyo-notes.md#script-url). Like Klaviyo's
 * loader, which is made for one company, the file is templated per request: with the emulator's own origin as
 * the API base, so the browser posts its /client/* calls back to this emulator.
 */
const PATH = /^\/onsite\/js\/(?:([A-Za-z0-9]{6})\/)?klaviyo\.js$/;
const PLACEHOLDER = /\/\*@standin-config\*\/\s*\{\}/;

let source: string | undefined;
const standin = () => {
  source ??= readFileSync(new URL('./klaviyo-standin.js', import.meta.url), 'utf8');
  return source;
};

/** Answers a request for the script and returns true, or returns false when it is not one. */
export function serveOnsiteScript(req: IncomingMessage, res: ServerResponse, url: URL): boolean {
  const match = PATH.exec(url.pathname);
  if (!match || (req.method !== 'GET' && req.method !== 'HEAD')) return false;
  const companyId = match[1] ?? url.searchParams.get('company_id') ?? '';
  if (!/^[A-Za-z0-9]{6}$/.test(companyId)) {
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end('A company id (six letters and digits) is required: /onsite/js/<company id>/klaviyo.js');
    return true;
  }
  const config = { apiBase: `http://${req.headers.host ?? '127.0.0.1'}` };
  const body = standin().replace(PLACEHOLDER, `/*@standin-config*/ ${JSON.stringify(config)}`);
  res.writeHead(200, {
    'Content-Type': 'application/javascript; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(body)),
    // Always the current file in development; the real script is short-lived in caches too.
    'Cache-Control': 'no-cache',
    // Loadable cross-origin, with or without crossorigin="anonymous".
    'Access-Control-Allow-Origin': '*',
    'Cross-Origin-Resource-Policy': 'cross-origin',
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(req.method === 'HEAD' ? undefined : body);
  return true;
}
