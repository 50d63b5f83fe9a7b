import { afterAll, beforeAll, expect } from 'vitest';
import { type StartOptions, startEmulator } from '../../emulator/server.js';
import { SpecResponseValidator } from './spec-responses.js';

const validator = new SpecResponseValidator();
export const REVISION = '2026-07-15';

/** One event as the emulator's inspect endpoint records it (`?events=full`). */
export interface RecordedEvent {
  metric: string;
  profileId: string;
  uniqueId: string;
  source: string;
  properties: Record<string, unknown>;
}

export type TestEmulator = Awaited<ReturnType<typeof startTestEmulator>>;

/**
 * Starts an emulator for one test file. Every response it sends is checked against the official
 * spec; `specViolations` collects what did not conform, and tests assert it stays empty.
 */
export async function startTestEmulator(options: StartOptions = {}) {
  const running = await startEmulator(options);
  const specViolations: string[] = [];
  running.emulator.responseObservers.push((r) => {
    specViolations.push(...validator.check(r.operationId, r.status, r.body));
  });
  const { url, account } = running;

  /** Calls the emulator as a server-side client with the account's private key. */
  async function api(
    path: string,
    init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
  ) {
    const response = await fetch(`${url}${path}`, {
      method: init.method ?? 'GET',
      headers: {
        ...(path.startsWith('/client/') ? {} : { Authorization: `Klaviyo-API-Key ${account.privateKey}` }),
        revision: REVISION,
        accept: 'application/vnd.api+json',
        ...(init.body !== undefined ? { 'content-type': 'application/vnd.api+json' } : {}),
        ...init.headers,
      },
      body:
        init.body === undefined
          ? undefined
          : typeof init.body === 'string'
            ? init.body
            : JSON.stringify(init.body),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
  }

  async function control(path: string, method = 'GET', body?: unknown) {
    const response = await fetch(`${url}/__emulator${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return text ? JSON.parse(text) : undefined;
  }

  return {
    ...running,
    specViolations,
    api,
    control,
    /** What the emulator recorded for the account (`full` lists every event). */
    inspect: (query = '') => control(`/accounts/${account.id}${query}`),
    settle: () => control('/settle', 'POST'),
    setFaults: (faults: object) => control('/faults', 'PUT', faults),
    clearFaults: () => control('/faults', 'DELETE'),
    clock: (body: object) => control('/clock', 'POST', body),
    setRateLimits: (enabled: boolean) => control('/rate-limits', 'PUT', { enabled }),
    /** The `_kx` Klaviyo would put on a link in an email to this person (their profile must exist). */
    exchangeIdFor: async (who: { email: string } | { profileId: string }): Promise<string> =>
      (await control(`/accounts/${account.id}/exchange-ids`, 'POST', who)).exchangeId,
  };
}

/**
 * The emulator setup nearly every emulator-backed file repeats, registered in one call: starts an
 * emulator before the file's (or the enclosing describe's) tests and hands it to `onStart`, which
 * keeps it and builds clients or fixtures on it; afterwards asserts `specViolations` stayed empty and
 * closes it. Hooks registered after this one run their `afterAll` first (vitest's default order).
 */
export function withEmulator(options: StartOptions, onStart: (emu: TestEmulator) => unknown): void {
  let emu: TestEmulator | undefined;
  beforeAll(async () => {
    emu = await startTestEmulator(options);
    await onStart(emu);
  });
  afterAll(async () => {
    if (!emu) return; // it never started: beforeAll has already failed the file
    expect(emu.specViolations).toEqual([]);
    await emu.close();
  });
}
