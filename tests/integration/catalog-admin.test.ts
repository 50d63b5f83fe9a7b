import type { Session } from 'next-auth';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CatalogFailures } from '../../components/klaviyo-admin/catalog-failures.js';
import { merchantGuard } from '../../lib/auth/index.js';
import { recordFailure } from '../../lib/klaviyo-next/catalog/state.js';
import { createKlaviyoNext } from '../../lib/klaviyo-next/create.js';
import type { MerchantGuard } from '../../lib/klaviyo-next/ports.js';
import type { SqlDatabase } from '../../lib/klaviyo-next/sql/types.js';
import { dropPostgres, freshPostgres, freshSqlite } from '../support/databases.js';
import { describeWithPostgres } from '../support/requirements.js';

/**
 * The admin's Catalog page reads its data through `klaviyo.catalog.dashboard()`, which asks the
 * merchant guard itself: no session, a signed-in shopper or a made-up session get nothing; a merchant
 * sees each refused object with Klaviyo's code, detail and pointer.
 */
describe('the Catalog page data', () => {
  let db: SqlDatabase;
  const merchant = { user: { id: 'admin:1', email: 'a@b.co', role: 'merchant' }, expires: '' } as Session;
  const shopper = { user: { id: 'shop:2', email: 'c@d.co' }, expires: '' } as Session;
  // A forged session: the right email, a role the credentials provider never issues.
  const forged = {
    user: { id: 'admin:1', email: 'a@b.co', role: 'Merchant ' },
    expires: '',
  } as unknown as Session;

  beforeAll(async () => {
    db = await freshSqlite();
    await recordFailure(
      db,
      { type: 'item', id: 'p1', action: 'create', hash: 'h', at: 1, outboxId: 7 },
      {
        index: 0,
        code: 'invalid',
        detail: 'The price is not a valid amount.',
        pointer: '/data/attributes/items/data/0',
      },
      'job-1',
      Date.parse('2026-07-15T12:00:00Z'),
    );
  });
  afterAll(async () => {
    await db.close();
  });

  const withGuard = (guard: MerchantGuard | undefined) =>
    createKlaviyoNext({
      env: {
        KLAVIYO_API_URL: 'http://127.0.0.1:9',
        KLAVIYO_PRIVATE_KEY: 'pk_test',
        KLAVIYO_PUBLIC_KEY: 'ABC123',
      },
      sql: db,
      deliverSoon: () => undefined,
      ...(guard ? { merchantGuard: guard } : {}),
    }).catalog.dashboard();

  it('refuses a request without a session (401) and a signed-in non-merchant (403)', async () => {
    const none = await withGuard(merchantGuard(async () => null));
    expect(none).toEqual({ ok: false, status: 401, message: expect.any(String) });
    expect(JSON.stringify(none)).not.toContain('p1');
    const notMerchant = await withGuard(merchantGuard(async () => shopper));
    expect(notMerchant).toMatchObject({ ok: false, status: 403 });
    expect(await withGuard(merchantGuard(async () => forged))).toMatchObject({ ok: false, status: 403 });
  });

  it('refuses everyone when the host configured no guard', async () => {
    expect(await withGuard(undefined)).toMatchObject({ ok: false, status: 403 });
  });

  it('two requests at once, a merchant and a stranger, each get only their own answer', async () => {
    const [stranger, owner] = await Promise.all([
      withGuard(merchantGuard(async () => null)),
      withGuard(merchantGuard(async () => merchant)),
    ]);
    expect(stranger.ok).toBe(false);
    expect(owner.ok).toBe(true);
  });

  it("shows a merchant each refused object with Klaviyo's error", async () => {
    const page = await withGuard(merchantGuard(async () => merchant));
    if (!page.ok) throw new Error(page.message);
    expect(page.overview.failures).toEqual([
      {
        type: 'item',
        id: 'p1',
        action: 'create',
        code: 'invalid',
        detail: 'The price is not a valid amount.',
        pointer: '/data/attributes/items/data/0',
        jobId: 'job-1',
        outboxId: 7,
        failedAt: Date.parse('2026-07-15T12:00:00Z'),
      },
    ]);
    const html = renderToStaticMarkup(createElement(CatalogFailures, { failures: page.overview.failures }));
    expect(html).toContain('The price is not a valid amount.');
    expect(html).toContain('/data/attributes/items/data/0');
    expect(html).toContain('p1');
  });
});

describeWithPostgres('the Catalog page data on Postgres', () => {
  let db: SqlDatabase & { schema: string };
  const merchant = { user: { id: 'admin:1', email: 'a@b.co', role: 'merchant' }, expires: '' } as Session;
  beforeAll(async () => {
    db = await freshPostgres();
  });
  afterAll(async () => {
    await dropPostgres(db);
  });

  it('counts what is synced and lists failures; a stranger gets neither', async () => {
    const entry = {
      type: 'variant' as const,
      id: 'v1',
      action: 'update' as const,
      hash: 'h',
      at: 1,
      outboxId: 3,
    };
    await recordFailure(db, entry, { index: 2, code: 'invalid', detail: 'No.' }, 'job-2', 5);
    const open = (guard: MerchantGuard) =>
      createKlaviyoNext({
        env: {
          KLAVIYO_API_URL: 'http://127.0.0.1:9',
          KLAVIYO_PRIVATE_KEY: 'pk_test',
          KLAVIYO_PUBLIC_KEY: 'ABC123',
        },
        sql: db,
        deliverSoon: () => undefined,
        merchantGuard: guard,
      }).catalog.dashboard();
    expect(await open(merchantGuard(async () => null))).toMatchObject({ ok: false, status: 401 });
    const page = await open(merchantGuard(async () => merchant));
    if (!page.ok) throw new Error(page.message);
    expect(page.overview).toMatchObject({
      synced: { item: 0, variant: 0, category: 0 },
      waiting: 0,
      openJobs: 0,
    });
    expect(page.overview.failures).toEqual([
      expect.objectContaining({
        type: 'variant',
        id: 'v1',
        code: 'invalid',
        detail: 'No.',
        outboxId: 3,
        failedAt: 5,
      }),
    ]);
  });
});
