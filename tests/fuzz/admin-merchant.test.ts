import fc from 'fast-check';
import { encode } from 'next-auth/jwt';
import { beforeEach, describe, expect, it, vi } from 'vitest';
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
import {
  changePriceAction,
  deleteProductAction,
  setPublishedAction,
  setStockAction,
} from '../../app/(admin)/admin/(dashboard)/products/actions.js';
import { env } from '../../lib/env.js';
import { migratedSqliteFile } from '../support/databases.js';
import { withEmulator } from '../support/emulator.js';
import { ADMIN_ROUTES, adminRequest } from '../support/fuzz-admin-routes.js';
import { anyValue, emailArb, headerJunk, junk, shaped } from '../support/fuzz-arbitraries.js';
import {
  FUZZ_TEST_TIMEOUT,
  fuzz,
  outcome,
  runsFor,
  summary,
  type Violation,
} from '../support/fuzz-harness.js';
import { startRequest } from '../support/fuzz-request.js';

/**
 * The admin actions and /api/admin/* routes as the signed-in merchant calls them, with generated
 * arguments, query strings and ids, against the emulator: a bad argument is refused with a 4xx that
 * says what is wrong, never a 5xx ("failed") or a throw.
 */

vi.setConfig({ testTimeout: FUZZ_TEST_TIMEOUT });
vi.mock('next/headers', async () => (await import('../support/fuzz-request.js')).nextHeaders);
vi.mock('next/navigation', async () => (await import('../support/fuzz-request.js')).nextNavigation);
// The Products actions refresh their page's cache, which only a Next.js request has.
vi.mock('next/cache', () => ({ revalidatePath: () => {} }));

let session = '';
withEmulator({}, async (emu) => {
  // Read once by lib/env.ts at the first request, which comes after this.
  vi.stubEnv('KLAVIYO_API_URL', emu.url);
  vi.stubEnv('KLAVIYO_PRIVATE_KEY', emu.account.privateKey);
  vi.stubEnv('OUTBOX_SQLITE_PATH', await migratedSqliteFile('fuzz-merchant-'));
  await emu.setRateLimits(false);
  const { auth } = env();
  session = await encode({
    token: { sub: 'merchant', name: 'Merchant', email: auth.adminEmail, role: 'merchant' },
    secret: auth.secret,
  });
});
beforeEach(() => {
  vi.spyOn(console, 'error').mockImplementation(() => undefined);
});

const asMerchant = <T>(headers: Record<string, string>, call: () => Promise<T>) => {
  startRequest([['next-auth.session-token', session]], headers);
  return call();
};
const headersArb = fc.record({ 'x-forwarded-for': headerJunk }, { requiredKeys: [] }) as fc.Arbitrary<
  Record<string, string>
>;

const idArb = fc.oneof(fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/), junk);
const productArb = fc.oneof(fc.constantFrom('organic-cotton-tee', 'canvas-market-tote'), idArb);
const variantArb = fc.oneof(fc.constantFrom('organic-cotton-tee-m', 'canvas-market-tote-olive'), idArb);
const amountArb = fc.oneof(fc.constantFrom('45', '45.50', '0', '-1', '1e3'), fc.integer(), fc.double(), junk);
const actions: [string, (input: never) => Promise<unknown>, fc.Arbitrary<unknown>, number][] = [
  [
    'refreshReports',
    refreshReports,
    shaped({ period: fc.constantFrom('last_7_days', 'last_30_days', 'x') }),
    50,
  ],
  ['replayDeadLetter', replayDeadLetter, shaped({ id: fc.oneof(fc.integer(), fc.nat().map(String)) }), 100],
  ['replayAllDeadLetters', replayAllDeadLetters, fc.oneof(fc.constant({}), anyValue), 100],
  ['createList', createList, shaped({ name: fc.oneof(fc.constantFrom('VIP'), junk) }), 100],
  ['addListMember', addListMember, shaped({ listId: idArb, email: emailArb }), 100],
  ['removeListMember', removeListMember, shaped({ listId: idArb, profileId: idArb }), 100],
  ['changePriceAction', changePriceAction, shaped({ variantId: variantArb, price: amountArb }), 100],
  ['setStockAction', setStockAction, shaped({ variantId: variantArb, onHand: amountArb }), 100],
  [
    'setPublishedAction',
    setPublishedAction,
    shaped({
      productId: productArb,
      published: fc.oneof(fc.boolean(), fc.constantFrom('true', 'false'), junk),
    }),
    100,
  ],
  ['deleteProductAction', deleteProductAction, shaped({ productId: productArb }), 50],
];

describe('fuzz: admin actions as the merchant', () => {
  for (const [name, action, input, ci] of actions) {
    it(name, async () => {
      const report = await fuzz(
        `merchant action ${name}`,
        fc.record({
          headers: headersArb,
          input: fc.oneof({ weight: 4, arbitrary: input }, { weight: 1, arbitrary: anyValue }),
        }),
        async ({ headers, input: arg }): Promise<Violation[]> => {
          const result = (await asMerchant(headers, () => action(arg as never))) as {
            ok?: boolean;
            error?: { code?: string; message?: string };
          };
          outcome(result?.ok ? 'ok' : `refused ${result?.error?.code ?? ''}`);
          if (result?.ok === true) return [];
          if (
            result?.ok === false &&
            result.error?.code !== 'failed' &&
            typeof result.error?.message === 'string'
          )
            return [];
          return [{ name: 'failed on our side (a 5xx)', detail: JSON.stringify(result).slice(0, 300) }];
        },
        runsFor(ci),
      );
      expect(report.failures, summary(report)).toEqual({});
    });
  }
});

// Overview and settings spend Klaviyo's reporting and key-check budgets on every call; they are
// fuzzed without a session in admin.test.ts.
const routes = ADMIN_ROUTES.filter(
  ([path]) => path !== '/api/admin/overview' && path !== '/api/admin/settings',
);

const queryArb = fc.dictionary(
  fc.constantFrom('cursor', 'period', 'state', 'kind', 'limit', 'page[cursor]', 'filter'),
  fc.oneof(fc.constantFrom('last_7_days', 'dead', 'pending', '1'), fc.string({ maxLength: 30 }), junk),
  { maxKeys: 3 },
);

describe('fuzz: /api/admin/* as the merchant', () => {
  for (const [path, handler] of routes) {
    it(`GET ${path}`, async () => {
      const report = await fuzz(
        `merchant GET ${path}`,
        fc.record({ headers: headersArb, query: queryArb, id: idArb }),
        async ({ headers, query, id }): Promise<Violation[]> => {
          const request = adminRequest(path, id, query);
          if (!request) {
            outcome('not a URL a client can send');
            return [];
          }
          const response = await asMerchant(headers, () =>
            handler(request, { params: Promise.resolve({ id }) }),
          );
          outcome(String(response.status));
          if (response.status < 500) return [];
          return [
            { name: '5xx', detail: `status ${response.status}: ${(await response.text()).slice(0, 200)}` },
          ];
        },
        // Campaign and flow pages read reports, which the emulator computes: slower per run.
        runsFor(/campaigns|flows/.test(path) ? 20 : 60),
      );
      expect(report.failures, summary(report)).toEqual({});
    });
  }
});
