import 'server-only';
import type { Readiness } from './readiness';

// A probe's answer must be the process's state now, never a cached copy from a CDN or the browser.
const NO_STORE = { 'cache-control': 'no-store' };

/** What a probe answers: the status and a small JSON body. */
export interface ProbeAnswer {
  status: 200 | 503;
  body: Record<string, unknown>;
}

export const probeResponse = (answer: ProbeAnswer): Response =>
  Response.json(answer.body, { status: answer.status, headers: NO_STORE });

/** Liveness of a request-serving process: it answers, so it is alive. Touches nothing. */
export const aliveAnswer = (): ProbeAnswer => ({ status: 200, body: { status: 'ok' } });

/**
 * Readiness as a probe answers it: 200 `{status:'ready', checks}`, or 503 `{status:'not_ready',
 * checks}` naming what is wrong, or 503 `{status:'stopping'}` once the process has been asked to stop
 * (a load balancer then sends it nothing new while it finishes).
 */
export function readinessAnswer(readiness: Readiness | 'stopping'): ProbeAnswer {
  if (readiness === 'stopping') return { status: 503, body: { status: 'stopping' } };
  return readiness.ready
    ? { status: 200, body: { status: 'ready', checks: readiness.checks } }
    : { status: 503, body: { status: 'not_ready', checks: readiness.checks } };
}

/**
 * The app's probes as route handlers (`export const { GET } = klaviyo.routes.health`): `health`
 * answers 200 without touching anything (restart the process only when it stops answering), `ready`
 * checks the database and the plugin's migrations (take the instance out of rotation, never restart
 * it, while they fail). Neither names a key, a connection string or the backlog: anyone can call them.
 */
export function healthRoutes(ready: () => Promise<Readiness>) {
  const live = async (): Promise<Response> => probeResponse(aliveAnswer());
  const check = async (): Promise<Response> => probeResponse(readinessAnswer(await ready()));
  return { health: { GET: live }, ready: { GET: check } };
}
