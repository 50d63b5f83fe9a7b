import type { IncomingMessage } from 'node:http';
import { ControllableClock } from './clock.js';
import type { Reply } from './context.js';
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
 *   POST   /__emulator/accounts/:id/exchange-ids {email? | profileId?} -> {exchangeId, profileId}:
 *          the `_kx` Klaviyo would put on a link in an email to that profile (store/exchange-ids.ts)
 *   POST   /__emulator/settle               run every queued bulk job now and wait for webhook deliveries
 *   PUT    /__emulator/faults               {latencyMs?, errorRates?, storm429?, outageUntil?, down?, dropRate?, operations?, seed?}
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
  if (head === 'accounts' && method === 'GET' && id) {
    return { status: 200, body: inspectAccount(emulator, accountOf(emulator, id), url.searchParams) };
  }
  if (head === 'settle' && method === 'POST') {
    const ran = emulator.runJobs();
    await emulator.drainWebhooks();
    return { status: 200, body: { ran } };
  }
  if (head === 'faults' && method === 'PUT') {
    const body = (await json(req)) as FaultConfig;
    emulator.faults.set(body);
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
