import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import sql from 'sql-template-tag';
import { signWebhook } from '../../emulator/webhooks/delivery.js';
import { createKlaviyoNext } from '../../lib/klaviyo-next/create.js';
import type { SqlDatabase } from '../../lib/klaviyo-next/sql/types.js';
import type { ConsentChange } from '../../lib/klaviyo-next/webhooks/types.js';
import type { TestEmulator } from './emulator.js';
import { emulatorEnv } from './ops-fixtures.js';

export const WEBHOOK_SECRET = 'whsec_test_current_0123456789abcdef';
export const PREVIOUS_SECRET = 'whsec_test_previous_0123456789abcdef';

/** One delivery as the emulator recorded it (inspect's webhookDeliveries). */
export interface RecordedDelivery {
  webhookId: string;
  url: string;
  status: number | 'error';
  body: string;
  headers: Record<string, string>;
}

type Handler = (request: Request) => Promise<Response>;

/**
 * Serves a route handler over HTTP on a loopback port, as Next.js would mount it: the emulator POSTs to
 * it. `stop()` closes the port (the app is down: connections are refused); `start()` opens the same
 * port again.
 */
export async function serveRoute(handler: Handler) {
  let server: Server | undefined;
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const s = createServer(async (req, res) => {
        const chunks: Buffer[] = [];
        for await (const chunk of req) chunks.push(chunk as Buffer);
        const headers = new Headers();
        for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
        const response = await handler(
          new Request(`http://127.0.0.1:${port}${req.url}`, {
            method: req.method,
            headers,
            body: chunks.length ? Buffer.concat(chunks) : undefined,
          }),
        );
        res.writeHead(response.status, { 'content-type': 'application/json' });
        res.end(Buffer.from(await response.arrayBuffer()));
      });
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => {
        port = (s.address() as AddressInfo).port;
        server = s;
        resolve();
      });
    });
  await listen();
  return {
    get url() {
      return `http://127.0.0.1:${port}/api/klaviyo/webhooks`;
    },
    start: listen,
    stop: () =>
      new Promise<void>((resolve) => {
        const s = server;
        server = undefined;
        if (!s) return resolve();
        s.closeAllConnections();
        s.close(() => resolve());
      }),
  };
}

/** A host's sink that keeps what it was given, and can be told to fail (its store is down). */
export function recordingSink() {
  const state = { failing: false, calls: 0, applied: [] as ConsentChange[] };
  const sink = async (change: ConsentChange) => {
    state.calls++;
    if (state.failing) throw new Error('store is down');
    state.applied.push(change);
  };
  return { state, sink };
}

/** A plugin instance on `db` with the receiver configured, its clock offset adjustable. */
export function receiverInstance(
  emu: TestEmulator,
  db: SqlDatabase,
  sink: (change: ConsentChange) => Promise<void>,
  secrets: { secret: string; previousSecret?: string } = { secret: WEBHOOK_SECRET },
) {
  const clock = { offset: 0 };
  const logs: { event: string; fields?: Record<string, unknown> }[] = [];
  const klaviyo = createKlaviyoNext({
    env: emulatorEnv(emu),
    sql: db,
    now: () => Date.now() + clock.offset,
    log: (event, fields) => logs.push({ event, ...(fields ? { fields } : {}) }),
    webhooks: { ...secrets, onConsentChange: sink },
  });
  return { klaviyo, clock, logs };
}

/** Registers a webhook at the emulator (as the Settings button does) and returns its id. */
export async function registerWebhook(
  emu: TestEmulator,
  url: string,
  topics: string[],
  secret = WEBHOOK_SECRET,
) {
  const res = await emu.api('/api/webhooks', {
    method: 'POST',
    body: {
      data: {
        type: 'webhook',
        attributes: { name: 'Store consent', endpoint_url: url, secret_key: secret },
        relationships: { 'webhook-topics': { data: topics.map((id) => ({ type: 'webhook-topic', id })) } },
      },
    },
  });
  if (res.status !== 201)
    throw new Error(`create_webhook answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body.data.id as string;
}

export async function deliveriesOf(emu: TestEmulator, webhookId: string): Promise<RecordedDelivery[]> {
  return ((await emu.inspect()).webhookDeliveries as RecordedDelivery[]).filter(
    (d) => d.webhookId === webhookId,
  );
}

/** Polls until `check` holds (each test's own timeout bounds it); returns its last value. */
export async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean): Promise<T> {
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Posts a body with headers to the receiver as any caller could (an attacker, a replayer). */
export async function postDelivery(url: string, body: string, headers: Record<string, string>) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  return { status: response.status, body: (await response.json()) as any };
}

/** Headers signing `body` as Klaviyo would (the emulator's own signer) at `timestamp`. */
export function signedHeaders(webhookId: string, body: string, timestamp: string, secret = WEBHOOK_SECRET) {
  return {
    'Klaviyo-Webhook-Id': webhookId,
    'Klaviyo-Timestamp': timestamp,
    'Klaviyo-Signature': signWebhook(secret, body, timestamp),
  };
}

/** The email consent at the emulator's API, so a test can create a subscribed profile there. */
export async function subscribeAtKlaviyo(emu: TestEmulator, who: { email?: string; phone?: string }) {
  const subscriptions = {
    ...(who.email ? { email: { marketing: { consent: 'SUBSCRIBED' } } } : {}),
    ...(who.phone ? { sms: { marketing: { consent: 'SUBSCRIBED' } } } : {}),
  };
  const res = await emu.api('/api/profile-subscription-bulk-create-jobs', {
    method: 'POST',
    body: {
      data: {
        type: 'profile-subscription-bulk-create-job',
        attributes: {
          profiles: {
            data: [
              {
                type: 'profile',
                attributes: {
                  ...(who.email ? { email: who.email } : {}),
                  ...(who.phone ? { phone_number: who.phone } : {}),
                  subscriptions,
                },
              },
            ],
          },
        },
      },
    },
  });
  if (res.status !== 202)
    throw new Error(`bulk_subscribe_profiles answered ${res.status}: ${JSON.stringify(res.body)}`);
}

/** A shopper acting at Klaviyo (the emulator's consent control hook). */
export async function shopperAtKlaviyo(
  emu: TestEmulator,
  action: string,
  who: { email?: string; phoneNumber?: string },
) {
  return emu.control(`/accounts/${emu.account.id}/consent`, 'POST', { action, ...who });
}

/** Inbox rows by state. */
export async function inboxRows(db: SqlDatabase) {
  return db.query<{ external_id: string; state: string; attempts: number | string; topic: string }>(
    sql`SELECT external_id, state, attempts, topic FROM klaviyo_webhook_inbox ORDER BY external_id`,
  );
}
