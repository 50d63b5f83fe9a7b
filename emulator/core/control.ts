import type { IncomingMessage } from 'node:http';
import type { Account } from '../store/account.js';
import { shopperConsentAction } from '../webhooks/consent-events.js';
import { ControllableClock } from './clock.js';
import type { Reply } from './context.js';
import { handleCatalogFlowControls } from './control-catalog-flows.js';
import type { Emulator } from './emulator.js';
import { EmulatorError, invalid, notFound } from './errors.js';
import type { FaultConfig } from './faults.js';
import { inspectAccount } from './inspect.js';

async function json(req: IncomingMessage): Promise<any> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return {};
  try {
    return JSON.parse(text);
  } catch {
    throw invalid('The control request body is not valid JSON.');
  }
}

function accountOf(emulator: Emulator, id: string | undefined) {
  const account = id ? emulator.accounts.get(id) : undefined;
  if (!account) throw notFound(`No account '${id}'.`);
  return account;
}

/**
 * Test controls and inspection under /__emulator/ (no auth; never part of Klaviyo's API):
 *   POST   /__emulator/accounts             {name?, scopes?} -> {id, publicKey, privateKey}
 *   POST   /__emulator/accounts/:id/keys    {scopes} -> {privateKey}
 *   GET    /__emulator/accounts/:id         what was recorded, suppressed, throttled, jobs
 *   GET    /__emulator/accounts/:id/tally   counts for a test or bench in another process (tallyAccount)
 *   POST   /__emulator/accounts/:id/consent {action, email? | phoneNumber?}: a shopper acting at Klaviyo
 *          (email-unsubscribe-link, email-resubscribe, email-spam-complaint, sms-stop, sms-start); the
 *          consent metric is recorded and delivered to subscribed webhooks (webhooks/consent-events.ts)
 *   POST   /__emulator/accounts/:id/exchange-ids {email? | profileId?} -> {exchangeId, profileId}:
 *          the `_kx` Klaviyo would put on a link in an email to that profile (store/exchange-ids.ts)
 *   GET    /__emulator/accounts/:id/flow-triggers, /back-in-stock-notifications; POST and DELETE
 *          /__emulator/accounts/:id/catalog-faults (control-catalog-flows.ts)
 *   POST   /__emulator/settle               run every queued bulk job now and wait for webhook deliveries
 *   PUT    /__emulator/faults               {latencyMs?, errorRates?, storm429?, outageUntil?, down?, dropRate?, until?, forMs?, operations?, seed?}
 *          (`forMs` sets `until` that long after now on the emulator's clock; `outageForMs` likewise
 *          sets `outageUntil`)
 *   DELETE /__emulator/faults
 *   PUT    /__emulator/rate-limits          {enabled}
 *   PUT    /__emulator/webhooks             {httpLoopback} test-only: allow http endpoints on loopback
 *   POST   /__emulator/clock                {freezeAt?: ms|iso|true, advanceMs?, release?}
 *   GET    /__emulator/health
 */
export async function handleControl(emulator: Emulator, req: IncomingMessage, url: URL): Promise<Reply> {
  const parts = url.pathname.split('/').filter(Boolean).slice(1);
  const method = req.method ?? 'GET';
  const [head, id, sub] = parts;
  if (head === 'health') return { status: 200, body: { ok: true, revision: emulator.spec.version } };
  if (head === 'accounts' && method === 'POST' && !id) {
    const body = await json(req);
    const { account, publicKey, privateKey } = emulator.createAccount({
      name: body.name,
      scopes: body.scopes,
    });
    return { status: 201, body: { id: account.id, publicKey, privateKey } };
  }
  if (head === 'accounts' && method === 'POST' && sub === 'keys') {
    const account = accountOf(emulator, id);
    const body = await json(req);
    return { status: 201, body: { privateKey: emulator.addKey(account.id, body.scopes) } };
  }
  if (head === 'accounts' && method === 'POST' && sub === 'exchange-ids') {
    const account = accountOf(emulator, id);
    const body = await json(req);
    const profile =
      typeof body.profileId === 'string'
        ? account.profiles.get(body.profileId)
        : typeof body.email === 'string'
          ? account.findProfile({ attributes: { email: body.email } })
          : undefined;
    if (!profile) throw notFound('No profile with that profileId or email.');
    return { status: 201, body: { exchangeId: account.exchangeIdOf(profile), profileId: profile.id } };
  }
  if (head === 'accounts' && method === 'POST' && sub === 'consent') {
    const account = accountOf(emulator, id);
    return { status: 200, body: shopperConsentAction(account, await json(req)) };
  }
  if (head === 'accounts' && id && sub) {
    const reply = await handleCatalogFlowControls(accountOf(emulator, id), method, sub, () => json(req));
    if (reply) return reply;
  }
  if (head === 'accounts' && method === 'GET' && id && sub === 'tally') {
    return { status: 200, body: tallyAccount(emulator, accountOf(emulator, id), url.searchParams) };
  }
  if (head === 'accounts' && method === 'GET' && id) {
    return { status: 200, body: inspectAccount(emulator, accountOf(emulator, id), url.searchParams) };
  }
  if (head === 'settle' && method === 'POST') {
    const ran = emulator.runJobs();
    await emulator.drainWebhooks();
    return { status: 200, body: { ran } };
  }
  if (head === 'faults' && method === 'PUT') {
    const { forMs, outageForMs, ...body } = (await json(req)) as FaultConfig & {
      forMs?: unknown;
      outageForMs?: unknown;
    };
    const now = emulator.clock.now();
    for (const [name, value] of Object.entries({ forMs, outageForMs })) {
      if (value !== undefined && (typeof value !== 'number' || !(value >= 0)))
        throw invalid(`'${name}' must be a number of milliseconds, 0 or more.`);
    }
    if (typeof forMs === 'number') body.until = now + forMs;
    if (typeof outageForMs === 'number') body.outageUntil = now + outageForMs;
    emulator.faults.set(body, () => emulator.clock.now());
    return { status: 200, body: emulator.faults.current() };
  }
  if (head === 'faults' && method === 'DELETE') {
    emulator.faults.clear();
    return { status: 204 };
  }
  if (head === 'faults' && method === 'GET') {
    return { status: 200, body: { config: emulator.faults.current(), served: emulator.faults.served } };
  }
  if (head === 'rate-limits' && method === 'PUT') {
    const body = await json(req);
    emulator.limiter.enabled = Boolean(body.enabled);
    return { status: 200, body: { enabled: emulator.limiter.enabled } };
  }
  if (head === 'webhooks' && method === 'PUT') {
    const body = await json(req);
    if (typeof body.httpLoopback !== 'boolean') throw invalid("'httpLoopback' must be true or false.");
    emulator.settings.httpLoopbackWebhooks = body.httpLoopback;
    return { status: 200, body: { httpLoopback: emulator.settings.httpLoopbackWebhooks } };
  }
  if (head === 'clock' && method === 'POST') {
    const clock = emulator.clock;
    if (!(clock instanceof ControllableClock)) throw invalid('This emulator was started with a fixed clock.');
    const body = await json(req);
    if (body.release) clock.release();
    if (body.freezeAt !== undefined) {
      clock.freeze(
        body.freezeAt === true
          ? undefined
          : typeof body.freezeAt === 'string'
            ? Date.parse(body.freezeAt)
            : body.freezeAt,
      );
    }
    if (typeof body.advanceMs === 'number') clock.advance(body.advanceMs);
    return { status: 200, body: { now: clock.now() } };
  }
  throw new EmulatorError(404, 'not_found', `No control endpoint at ${method} ${url.pathname}.`);
}

const number = (value: string | null): number | undefined =>
  value === null || value === '' || !Number.isFinite(Number(value)) ? undefined : Number(value);

/**
 * What a fault suite or bench in another process counts, without moving every event over the wire:
 * events recorded (optionally those received in [from, to) on the emulator's clock), by metric; how
 * many share a unique_id (Klaviyo keeps one event per profile, metric and unique_id, so a second
 * event with the same unique_id means one order reached two profiles or was not deduplicated);
 * suppressed repeats; 429s served (by the limiter and by injected storms); jobs by type and status.
 * `ids=1` adds every recorded unique_id; `profiles=1` every profile's email, properties and
 * subscriptions, so a test can check the newest values won.
 */
export function tallyAccount(emulator: Emulator, account: Account, search: URLSearchParams) {
  const from = number(search.get('from')) ?? Number.NEGATIVE_INFINITY;
  const to = number(search.get('to')) ?? Number.POSITIVE_INFINITY;
  const inRange = (ms: number) => ms >= from && ms < to;
  const metricNames = new Map([...account.metrics.values()].map((m) => [m.id, m.name]));
  const byMetric: Record<string, number> = {};
  const seen = new Set<string>();
  const duplicated: string[] = [];
  const ids: string[] = [];
  let events = 0;
  let klaviyoEvents = 0;
  for (const e of account.events.values()) {
    if (!inRange(e.receivedMs)) continue;
    // What Klaviyo records itself (consent metrics) is not what an integration sent: counted apart.
    if (e.source === 'klaviyo') {
      klaviyoEvents++;
      continue;
    }
    events++;
    const name = metricNames.get(e.metricId) ?? e.metricId;
    byMetric[name] = (byMetric[name] ?? 0) + 1;
    if (seen.has(e.uniqueId)) duplicated.push(e.uniqueId);
    else seen.add(e.uniqueId);
    ids.push(e.uniqueId);
  }
  const jobs: Record<string, Record<string, number>> = {};
  let eventsInJobs = 0;
  for (const j of account.jobs.values()) {
    if (!inRange(j.createdMs)) continue;
    const status = String(j.attributes.status);
    const byStatus = jobs[j.type] ?? {};
    jobs[j.type] = byStatus;
    byStatus[status] = (byStatus[status] ?? 0) + 1;
    if (j.type === 'event-bulk-create-job') eventsInJobs += Number(j.attributes.total_count ?? 0);
  }
  return {
    now: emulator.clock.now(),
    events,
    klaviyoEvents,
    eventsByMetric: byMetric,
    duplicated: duplicated.length,
    duplicatedIds: duplicated.slice(0, 20),
    suppressed: account.suppressed.filter((s) => inRange(s.receivedMs)).length,
    eventsInJobs,
    jobs,
    throttled: emulator.limiter.throttled,
    faultsServed: { ...emulator.faults.served },
    requests: Object.fromEntries(emulator.requestCounts),
    ...(search.get('ids') === '1' ? { uniqueIds: ids } : {}),
    ...(search.get('profiles') === '1'
      ? {
          profiles: [...account.profiles.values()].map((p) => ({
            id: p.id,
            email: p.attributes.email ?? null,
            properties: p.attributes.properties ?? {},
            location: p.attributes.location ?? null,
            subscriptions: p.subscriptions,
          })),
        }
      : {}),
  };
}
