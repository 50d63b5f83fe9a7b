import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { refreshReports } from '../../app/(admin)/admin/(dashboard)/actions.js';
import {
  replayAllDeadLetters,
  replayDeadLetter,
} from '../../app/(admin)/admin/(dashboard)/delivery/actions.js';
import {
  addListMember,
  createList,
  removeListMember,
} from '../../app/(admin)/admin/(dashboard)/lists/actions.js';
import { recheckConnection } from '../../app/(admin)/admin/(dashboard)/settings/actions.js';
import { freshSqlite } from '../support/databases.js';
import { ADMIN_ROUTES, adminRequest } from '../support/fuzz-admin-routes.js';
import {
  anyValue,
  COOKIE_NAMES,
  type CookieValue,
  cookiesArb,
  emailArb,
  headerJunk,
  isRef,
  junk,
  shaped,
} from '../support/fuzz-arbitraries.js';
import {
  FUZZ_TEST_TIMEOUT,
  fuzz,
  outcome,
  runsFor,
  summary,
  type Violation,
} from '../support/fuzz-harness.js';
import { startRequest } from '../support/fuzz-request.js';
import { buildFuzzWorld, type FuzzWorld } from '../support/fuzz-world.js';
import { testStoreDeps } from '../support/store-fixtures.js';

/**
 * The merchant admin's server actions and /api/admin/* routes, called by anyone: generated cookies
 * (junk, a shopper's session, a next-auth session signed with the secret the source once published)
 * and arguments. None of them is a merchant, so every call must be refused with 401/403 and change
 * nothing; and never a 5xx or a throw.
 */

vi.mock('next/headers', async () => (await import('../support/fuzz-request.js')).nextHeaders);
vi.setConfig({ testTimeout: FUZZ_TEST_TIMEOUT });
vi.mock('next/navigation', async () => (await import('../support/fuzz-request.js')).nextNavigation);
// Should a call get through, it finds a closed port and a database of its own, never the app's.
vi.stubEnv('KLAVIYO_API_URL', 'http://127.0.0.1:9');
vi.stubEnv('OUTBOX_SQLITE_PATH', join(mkdtempSync(join(tmpdir(), 'fuzz-admin-')), 'app.db'));

let world: FuzzWorld;

beforeAll(async () => {
  world = await buildFuzzWorld(testStoreDeps(await freshSqlite()));
});
// next-auth logs every session cookie it cannot decrypt; thousands of refusals are the expected outcome.
beforeEach(() => {
  vi.spyOn(console, 'error').mockImplementation(() => undefined);
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await world?.deps.db.close();
});

interface Caller {
  cookies: [string, CookieValue][];
  headers: Record<string, string>;
}

/** Cookies with a next-auth session (forged, or junk) most of the time. */
const callerArb: fc.Arbitrary<Caller> = fc.record({
  cookies: fc
    .tuple(
      cookiesArb,
      fc.constantFrom<[string, CookieValue][]>(
        [[COOKIE_NAMES.nextAuth, { ref: 'forged-admin-jwt' }]],
        [[COOKIE_NAMES.nextAuthSecure, { ref: 'forged-admin-jwt' }]],
        [],
      ),
    )
    .map(([a, b]) => [...b, ...a]),
  headers: fc.record(
    {
      'x-forwarded-for': headerJunk,
      host: fc.constantFrom('shop.test', 'localhost:3000'),
      authorization: headerJunk,
    },
    { requiredKeys: [] },
  ) as fc.Arbitrary<Record<string, string>>,
});

const forged = (caller: Caller) => caller.cookies.some(([, v]) => isRef(v) && v.ref === 'forged-admin-jwt');
const refusedName = (caller: Caller) =>
  forged(caller) ? 'forged merchant session accepted' : 'admin reached without a merchant session';

async function asCaller<T>(caller: Caller, call: () => Promise<T>): Promise<T> {
  startRequest(
    caller.cookies.map(([k, v]) => [k, world.resolve(v)]),
    caller.headers,
  );
  return call();
}

// ---- server actions ---------------------------------------------------------------------------------

const idArb = fc.oneof(fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/), junk);
const actions: [string, (input: never) => Promise<unknown>, fc.Arbitrary<unknown>][] = [
  ['refreshReports', refreshReports, shaped({ period: fc.constantFrom('last_7_days', 'last_30_days', 'x') })],
  ['replayDeadLetter', replayDeadLetter, shaped({ id: fc.oneof(fc.integer(), fc.nat().map(String)) })],
  ['replayAllDeadLetters', replayAllDeadLetters, fc.oneof(fc.constant({}), anyValue)],
  ['createList', createList, shaped({ name: fc.oneof(fc.constantFrom('VIP'), junk) })],
  ['addListMember', addListMember, shaped({ listId: idArb, email: emailArb })],
  ['removeListMember', removeListMember, shaped({ listId: idArb, profileId: idArb })],
  ['recheckConnection', recheckConnection, fc.oneof(fc.constant({}), anyValue)],
];

describe('fuzz: admin actions without a merchant session', () => {
  for (const [name, action, input] of actions) {
    it(name, async () => {
      const report = await fuzz(
        `admin action ${name}`,
        fc.record({
          caller: callerArb,
          input: fc.oneof({ weight: 4, arbitrary: input }, { weight: 1, arbitrary: anyValue }),
        }),
        async ({ caller, input: arg }): Promise<Violation[]> => {
          const result = (await asCaller(caller, () => action(arg as never))) as {
            ok?: boolean;
            error?: { code?: string };
          };
          outcome(result?.ok ? 'ok' : `refused ${result?.error?.code ?? ''}`);
          const code = result?.error?.code;
          if (result?.ok === false && (code === 'unauthenticated' || code === 'forbidden')) return [];
          return [{ name: refusedName(caller), detail: JSON.stringify(result).slice(0, 300) }];
        },
        runsFor(150),
      );
      expect(report.failures, summary(report)).toEqual({});
    });
  }
});

// ---- /api/admin/* -----------------------------------------------------------------------------------

const routes = ADMIN_ROUTES;

const queryArb = fc.dictionary(
  fc.constantFrom('cursor', 'period', 'state', 'kind', 'limit', 'page[cursor]', 'filter'),
  fc.oneof(fc.string({ maxLength: 30 }), junk),
  { maxKeys: 3 },
);

describe('fuzz: /api/admin/* without a merchant session', () => {
  for (const [path, handler] of routes) {
    it(`GET ${path}`, async () => {
      const report = await fuzz(
        `GET ${path}`,
        fc.record({ caller: callerArb, query: queryArb, id: idArb }),
        async ({ caller, query, id }): Promise<Violation[]> => {
          const request = adminRequest(path, id, query);
          if (!request) {
            outcome('not a URL a client can send');
            return [];
          }
          const response = await asCaller(caller, () =>
            handler(request, { params: Promise.resolve({ id }) }),
          );
          outcome(String(response.status));
          if (response.status === 401 || response.status === 403) return [];
          return [
            {
              name: response.status >= 500 ? '5xx' : refusedName(caller),
              detail: `status ${response.status}`,
            },
          ];
        },
        runsFor(150),
      );
      expect(report.failures, summary(report)).toEqual({});
    });
  }
});
