import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Account } from '../store/account.js';
import type { Context, Reply } from './context.js';
import type { Emulator } from './emulator.js';
import { EmulatorError, invalid } from './errors.js';
import { parseQuery } from './query.js';
import type { Operation, RateLimit } from './spec.js';

const REVISION = /^\d{4}-\d{2}-\d{2}(\.[a-z]+)?$/;
const JSON_TYPES = ['application/json', 'application/vnd.api+json'];

function route(emulator: Emulator, method: string, path: string) {
  let pathMatched = false;
  for (const op of emulator.spec.operations) {
    const m = op.pattern.exec(path);
    if (!m) continue;
    pathMatched = true;
    if (op.method !== method) continue;
    const params: Record<string, string> = {};
    op.pathParams.forEach((name, i) => {
      params[name] = decodeURIComponent(m[i + 1] ?? '');
    });
    return { op, params };
  }
  if (pathMatched) throw new EmulatorError(405, 'method_not_allowed', `Method "${method}" not allowed.`);
  throw new EmulatorError(404, 'not_found', `No endpoint at ${method} ${path}.`);
}

function checkRevision(emulator: Emulator, header: string | string[] | undefined): void {
  const revision = Array.isArray(header) ? header[0] : header;
  if (!revision) {
    throw invalid("The 'revision' header is required, e.g. revision: 2026-07-15.", { parameter: 'revision' });
  }
  if (!REVISION.test(revision)) {
    throw invalid(`'${revision}' is not a valid revision; use the form YYYY-MM-DD.`, {
      parameter: 'revision',
    });
  }
  if (revision.slice(0, 10) > emulator.spec.version) {
    throw invalid(`Revision '${revision}' is not supported; the latest is ${emulator.spec.version}.`, {
      parameter: 'revision',
    });
  }
}

function authenticate(emulator: Emulator, op: Operation, req: IncomingMessage, url: URL): Account {
  const authorization = req.headers.authorization;
  if (op.client) {
    if (authorization) {
      throw new EmulatorError(
        401,
        'authentication_failed',
        'Client endpoints take the public API key in company_id and no Authorization header; never send a private key.',
      );
    }
    const companyId = url.searchParams.get('company_id');
    if (!companyId) throw invalid("'company_id' is a required query parameter.", { parameter: 'company_id' });
    const account = emulator.accounts.get(companyId);
    if (!account) throw invalid(`'${companyId}' is not a valid public API key.`, { parameter: 'company_id' });
    return account;
  }
  if (!authorization) {
    throw new EmulatorError(401, 'not_authenticated', 'Authentication credentials were not provided.');
  }
  const match = /^Klaviyo-API-Key\s+(\S+)$/.exec(authorization);
  const key = match?.[1];
  if (key && emulator.accounts.has(key)) {
    throw new EmulatorError(
      401,
      'authentication_failed',
      'A public API key (site id) cannot authenticate /api requests; use a private API key.',
    );
  }
  const entry = key ? emulator.privateKeys.get(key) : undefined;
  const account = entry && emulator.accounts.get(entry.accountId);
  if (!entry || !account) {
    throw new EmulatorError(401, 'authentication_failed', 'Incorrect authentication credentials.');
  }
  if (entry.scopes !== 'all') {
    const scopes = entry.scopes;
    const missing = op.scopes.filter((s) => !scopes.has(s));
    if (missing.length > 0) {
      throw new EmulatorError(
        403,
        'permission_denied',
        `This API key is missing required scopes: ${missing.join(', ')}.`,
      );
    }
  }
  return account;
}

/** The operation's limit, or the stricter one its description sets for a parameter in use. */
function limitFor(op: Operation, url: URL): { bucket: string; limit: RateLimit } {
  for (const c of op.conditionalRateLimits) {
    const values = (url.searchParams.get(c.param) ?? '').split(',');
    if (values.some((v) => v === c.value || (c.param === 'include' && v.startsWith(c.value)))) {
      return { bucket: `${op.id}?${c.param}=${c.value}`, limit: c.limit };
    }
  }
  return { bucket: op.id, limit: op.rateLimit };
}

async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      throw new EmulatorError(413, 'payload_too_large', `The request body exceeds the ${limit} byte limit.`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function parseBody(emulator: Emulator, op: Operation, req: IncomingMessage): Promise<unknown> {
  const text = await readBody(req, op.maxPayloadBytes);
  if (!op.requestSchemaRef) return text ? safeJson(text) : undefined;
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';
  if (!JSON_TYPES.includes(type)) {
    throw new EmulatorError(415, 'unsupported_media_type', `Unsupported media type "${type}" in request.`);
  }
  const body = safeJson(text);
  emulator.validator.assertValid(op.requestSchemaRef, body);
  return body;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw invalid('The request body is not valid JSON.', { pointer: '/' });
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs one Klaviyo API request through the same checks, in the same order, as Klaviyo. */
export async function handleApi(emulator: Emulator, req: IncomingMessage, res: ServerResponse, url: URL) {
  const method = req.method ?? 'GET';
  let opId = 'unknown';
  let reply: Reply;
  let rateHeaders: Record<string, string> = {};
  try {
    const { op, params } = route(emulator, method, url.pathname);
    opId = op.id;
    emulator.requestCounts.set(op.id, (emulator.requestCounts.get(op.id) ?? 0) + 1);
    const latency = emulator.faults.latencyFor(op.id);
    if (latency > 0) await sleep(latency);
    const fault = emulator.faults.decide(op.id, emulator.clock.now());
    if (fault.kind === 'drop') {
      req.socket.destroy();
      return;
    }
    if (fault.kind === 'error') throw fault.error;
    if (op.params.revision?.required) checkRevision(emulator, req.headers.revision);
    const account = authenticate(emulator, op, req, url);
    const { bucket, limit } = limitFor(op, url);
    rateHeaders = emulator.limiter.take(account.id, bucket, limit);
    const query = parseQuery(op, url.searchParams);
    const body: any = await parseBody(emulator, op, req);
    if (
      method === 'PATCH' &&
      params.id !== undefined &&
      body?.data?.id !== undefined &&
      body.data.id !== params.id
    ) {
      throw invalid(`'/data/id' (${body.data.id}) must match the id in the URL (${params.id}).`, {
        pointer: '/data/id',
      });
    }
    const handler = emulator.handlers[op.id];
    if (!handler) {
      throw new EmulatorError(
        501,
        'not_implemented',
        `The emulator does not implement ${op.id} (${method} ${op.path}).`,
      );
    }
    const host = req.headers.host ?? '127.0.0.1';
    const ctx: Context = {
      op,
      account,
      params,
      query,
      body,
      headers: req.headers,
      baseUrl: `http://${host}`,
      url,
      settings: emulator.settings,
    };
    reply = await handler(ctx);
  } catch (error) {
    if (!(error instanceof EmulatorError)) {
      console.error('[emulator] handler failed', error);
    }
    const e =
      error instanceof EmulatorError
        ? error
        : new EmulatorError(500, 'server_error', 'A server error occurred.');
    reply = { status: e.status, body: { errors: [e.toObject()] }, headers: e.headers };
    // A 429 carries Retry-After instead of the RateLimit-* headers.
    if (e.status === 429) rateHeaders = {};
  }
  send(res, reply, rateHeaders);
  for (const observe of emulator.responseObservers) {
    observe({ operationId: opId, method, path: url.pathname, status: reply.status, body: reply.body });
  }
}

export function send(res: ServerResponse, reply: Reply, extraHeaders: Record<string, string> = {}): void {
  const headers: Record<string, string> = { ...extraHeaders, ...reply.headers };
  if (reply.body === undefined || reply.status === 204) {
    res.writeHead(reply.status, headers);
    res.end();
    return;
  }
  const text = JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    'Content-Type': 'application/vnd.api+json',
    'Content-Length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}
