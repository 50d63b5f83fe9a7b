import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { OutboxStore } from '../../lib/klaviyo-next/outbox/store.js';
import { openSqlite } from '../../lib/klaviyo-next/sql/sqlite.js';
import { orderEvents } from '../support/order-events.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH, describeWithChromium } from '../support/requirements.js';
import { ADMIN, type AdminStack, SCREENSHOTS, startAdminStack } from './admin-app.js';

/**
 * The merchant dashboard as a merchant uses it: a production build against the seeded emulator,
 * driven in Chromium. Every page is visited with the demo account's data and photographed into
 * artifacts/screenshots (kept by CI, never committed).
 */
describeWithChromium('merchant admin dashboard', { shuffle: false }, () => {
  let stack: AdminStack;
  let browser: Browser;
  let page: Page;
  const url = (path: string) => `${stack.app.url}${path}`;
  /** Waits until every row's profile count (column `column` of the table) has been read from Klaviyo. */
  const countsShown = (table: string, column: number) =>
    page.waitForFunction(
      ([t, c]) => {
        const cells = [...document.querySelectorAll(`[data-testid=${t}] tbody tr td:nth-child(${c})`)];
        return cells.length > 0 && cells.every((td) => /^[\d,]+$/.test(td.textContent ?? ''));
      },
      [table, column] as const,
      { timeout: 30_000 },
    );
  const shot = (name: string) =>
    page.screenshot({ path: join(SCREENSHOTS, `admin-${name}.png`), fullPage: true });

  beforeAll(async () => {
    stack = await startAdminStack();
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
    page = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('sends a visitor to sign-in, refuses a wrong password and signs the merchant in', async () => {
    await page.goto(url('/admin/campaigns'));
    expect(new URL(page.url()).pathname).toBe('/admin/sign-in');
    await page.fill('input[name=email]', ADMIN.email);
    await page.fill('input[name=password]', 'not the password');
    await page.click('button[type=submit]');
    await expect(page.getByTestId('sign-in-error').textContent()).resolves.toContain('do not match');
    expect(new URL(page.url()).pathname).toBe('/admin/sign-in');
    await shot('sign-in');
    await page.fill('input[name=password]', ADMIN.password);
    await page.click('button[type=submit]');
    await page.waitForURL(url('/admin/campaigns'));
  });

  it('shows revenue attributed to campaigns and flows, deliveries per hour and outbox health', async () => {
    // A few orders from the store reach Klaviyo first, so the delivery chart has something to show.
    const db = openSqlite(stack.app.sqlitePath);
    const outbox = new OutboxStore(db);
    const orders = ['a', 'b', 'c'].flatMap((n) =>
      orderEvents(`E2E-ORDER-${n}-${Date.now()}`, `${n}.shopper@example.com`, new Date().toISOString()),
    );
    await db.transaction((tx) => outbox.enqueue(tx, orders));
    expect((await stack.drain()).status).toBe(200);
    await expect(outbox.counts()).resolves.toMatchObject({ delivered: orders.length });
    await db.close();

    await page.goto(url('/admin'));
    await page.getByTestId('stat-delivered').getByText(String(orders.length)).waitFor();
    await page
      .getByTestId('stat-total-revenue')
      .getByText(/\$[\d,]+/)
      .waitFor({ timeout: 60_000 });
    // Klaviyo allows 2 report calls a minute (x-klaviyo-ratelimit of query_flow_values): on a busy
    // machine the flow report can land in the next minute's budget.
    await page.getByTestId('top-flows').getByText('Welcome Series').waitFor({ timeout: 150_000 });
    await expect(page.getByTestId('top-campaigns').textContent()).resolves.toMatch(/\$[\d,]+/);
    await expect(page.getByTestId('outbox-health').textContent()).resolves.toContain('Dead-lettered');
    await expect(page.getByTestId('freshness').first().textContent()).resolves.toMatch(
      /updated (just now|\d+ minutes? ago)/,
    );
    await shot('overview');
  }, 240_000);

  it('creates a list and adds a member to it', async () => {
    await page.goto(url('/admin/lists'));
    await page.getByRole('link', { name: 'Newsletter' }).waitFor();
    await countsShown('lists-table', 2);
    await shot('lists');
    const name = `E2E VIPs ${Date.now()}`;
    await page.fill('input[name=name]', name);
    await page.click('button:has-text("Create list")');
    const link = page.getByRole('link', { name });
    await link.waitFor({ timeout: 30_000 });
    await link.click();
    await page.waitForURL(/\/admin\/lists\/\w+$/);
    const listId = new URL(page.url()).pathname.split('/').at(-1) as string;
    await page.getByText('No members yet').waitFor();
    await page.fill('input[name=email]', 'e2e.vip@example.com');
    await page.click('button:has-text("Add member")');
    const row = page.locator('[data-testid=members-table] tbody tr', { hasText: 'e2e.vip@example.com' });
    await row.getByRole('button', { name: /Remove/ }).waitFor({ timeout: 30_000 });
    // The count was cached as 0 when the list was made; the change makes the next view recount it.
    await page.getByTestId('stat-profiles').getByText(/^1$/).waitFor({ timeout: 30_000 });
    const members = await stack.emu.api(`/api/lists/${listId}/profiles`);
    expect(members.body.data.map((p: { attributes: { email: string } }) => p.attributes.email)).toEqual([
      'e2e.vip@example.com',
    ]);
    await shot('list-detail');
  });

  it('browses segments and a segment’s members', async () => {
    await page.goto(url('/admin/segments'));
    const first = page.locator('[data-testid=segments-table] tbody tr a').first();
    await first.waitFor();
    await countsShown('segments-table', 3);
    await shot('segments');
    const name = ((await first.textContent()) ?? '').replace('★ ', '');
    await first.click();
    await page.waitForURL(/\/admin\/segments\/\w+$/);
    await page.getByRole('heading', { name }).waitFor();
    await page
      .locator('[data-testid=members-table][data-loading=false], [data-testid=empty-state]')
      .first()
      .waitFor();
    await shot('segment-detail');
  });

  it('filters campaigns by channel and status, with recipients, open and click rates and revenue', async () => {
    await page.goto(url('/admin/campaigns'));
    await page.locator('[data-testid=campaigns-table] tbody tr').first().waitFor();
    await page.selectOption('[data-testid=status-filter]', 'Sent');
    await page.waitForFunction(
      () => {
        const rows = [...document.querySelectorAll('[data-testid=campaigns-table] tbody tr')];
        return (
          rows.length > 0 &&
          rows.every((r) => r.textContent?.includes('Sent') && /\d+\.\d%/.test(r.textContent))
        );
      },
      undefined,
      { timeout: 60_000 },
    );
    await shot('campaigns');
    await page.getByRole('tab', { name: 'SMS' }).click();
    await page.getByText('VIP Early Access').waitFor();
    expect(new URL(page.url()).search).toContain('channel=sms');
  });

  it('lists flows with status, trigger, actions and revenue', async () => {
    await page.goto(url('/admin/flows'));
    const table = page.getByTestId('flows-table');
    await table.getByText('Abandoned Cart').waitFor();
    await table
      .getByText(/\d+ emails?/)
      .first()
      .waitFor({ timeout: 30_000 });
    await table
      .getByText(/\$[\d,]+/)
      .first()
      .waitFor({ timeout: 60_000 });
    await expect(table.locator('tbody tr').count()).resolves.toBe(6);
    await shot('flows');
  });

  it('shows a dead-lettered event with Klaviyo’s error and replays it until it is delivered', async () => {
    // Klaviyo refuses every event for now: the drain dead-letters the order's Placed Order.
    await stack.emu.setFaults({
      errorRates: { '400': 1 },
      operations: ['create_event', 'bulk_create_events'],
    });
    const db = openSqlite(stack.app.sqlitePath);
    const outbox = new OutboxStore(db);
    const [placed] = orderEvents(`E2E-${Date.now()}`, 'dead.letter@example.com', new Date().toISOString());
    if (placed?.kind !== 'event') throw new Error('orderEvents returns the Placed Order first');
    await db.transaction((tx) => outbox.enqueue(tx, [placed]));
    expect((await stack.drain()).status).toBe(200);
    const [dead] = await outbox.list({ state: 'dead' });
    await db.close();
    expect(dead?.key).toBe(placed.key);

    await page.goto(url('/admin/delivery?state=dead'));
    const row = page.getByTestId(`delivery-row-${dead?.id}`);
    await row.waitFor();
    await expect(row.textContent()).resolves.toMatch(/400.*Injected 400 error/);
    await row.getByRole('button', { name: /Placed Order/ }).click();
    await page.getByText('"dead.letter@example.com"').waitFor();
    await shot('delivery-dead-letter');

    // The cause is fixed; the merchant replays and watches it go through.
    await stack.emu.clearFaults();
    await page.getByTestId(`replay-${dead?.id}`).click();
    await page.getByRole('tab', { name: /^All/ }).click();
    await page
      .locator(`[data-testid=delivery-row-${dead?.id}][data-state=delivered]`)
      .waitFor({ timeout: 30_000 });
    const recorded = await stack.emu.inspect('?events=full&metric=Placed%20Order');
    expect(
      recorded.events.filter((e: { uniqueId: string }) => e.uniqueId === placed.payload.uniqueId),
    ).toHaveLength(1);
    await page.getByRole('tab', { name: /Dead-lettered/ }).click();
    await page.getByText('No dead letters').waitFor();
    await page.getByRole('tab', { name: /^All/ }).click();
    await shot('delivery');
  });

  it('shows the key, its scopes, the pinned revision, the mode and webhook registration', async () => {
    await page.goto(url('/admin/settings'));
    await page.getByTestId('key-card').getByText('Valid').waitFor({ timeout: 30_000 });
    await page
      .getByTestId('scopes-card')
      .getByText(/\d+ of \d+ granted/)
      .waitFor({ timeout: 30_000 });
    await expect(page.getByTestId('revision').textContent()).resolves.toBe('2026-07-15');
    await expect(page.getByTestId('connection-card').textContent()).resolves.toContain('Local emulator');
    await page
      .getByTestId('webhooks-card')
      .getByText(/Not registered|Enabled|Disabled/)
      .first()
      .waitFor();
    await shot('settings');
  });
});
