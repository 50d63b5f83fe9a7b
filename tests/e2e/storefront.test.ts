// biome-ignore-all lint/performance/useDomNodeTextContent: these are Playwright's Locator.innerText(), which waits for the element; not the DOM property
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type Browser, chromium, type Page } from 'playwright';
import sql from 'sql-template-tag';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openSqlite } from '../../lib/klaviyo-next/sql/sqlite.js';
import { CONSENT_DISCLOSURES } from '../../lib/store/consent-disclosures.js';
import {
  E2E_COMPANY_ID,
  E2E_EMULATOR_URL,
  productionEnv,
  type RunningApp,
  startApp,
} from '../support/app-server.js';
import type { RecordedEvent, TestEmulator } from '../support/emulator.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH, describeWithChromium } from '../support/requirements.js';
import { startE2eEmulator } from './admin-app.js';
import { signInMerchant } from './steps.js';

/** A command run without blocking this process, whose emulator the command talks to. */
const run = promisify(execFile);

/**
 * The demo storefront as a shopper uses it, on the shared production build (`next start`) against the
 * seeded emulator. An SMS subscriber, known to Klaviyo by her phone number only, follows a text
 * message's link (with its `_kx` exchange token) to the shop, accepts cookies, and goes home →
 * collection → product (three sizes seen) → add to bag → bag → checkout with email consent →
 * confirmation as a guest. The test asserts what she sees, that the order and its consent are in the
 * store's database, and then what Klaviyo (the emulator) recorded: the browser's events and the
 * server's, all on her one profile, which now also carries the email she typed, and each event once
 * although both the browser and the server relay sent it. Back in stock runs on a catalogue only the
 * store's sync created (`npm run catalog:sync`), restocked from the admin's Products page.
 */
const SHOTS = join(import.meta.dirname, '..', '..', 'artifacts', 'screenshots');
const SHOPPER = { email: 'grace.hopper@example.com', phone: '+12025550147' };

describeWithChromium('storefront', () => {
  let emu: TestEmulator;
  let app: RunningApp;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  const browserRequests: string[] = [];

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    emu = await startE2eEmulator();
    app = await startApp();
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    page.on('pageerror', (error) => pageErrors.push(String(error)));
    page.on('request', (request) => browserRequests.push(request.url()));
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    app?.stop();
    expect(emu?.specViolations).toEqual([]);
    await emu?.close();
  });

  const shot = (name: string) =>
    page.screenshot({ path: join(SHOTS, `store-e2e-${name}.png`), fullPage: true });
  const bagCount = async () =>
    ((await page.getByTestId('bag-link').locator('.bag-count').textContent()) ?? '')
      .replace(/\s+/g, ' ')
      .trim();

  /** Profiles holding an identifier, through the private API as the merchant's tools would look. */
  const profilesBy = async (field: 'email' | 'phone_number' | '_kx', value: string) => {
    const filter = encodeURIComponent(`equals(${field},"${value}")`);
    const found = await emu.api(`/api/profiles?filter=${filter}`);
    expect(found.status).toBe(200);
    return found.body.data as {
      id: string;
      attributes: { email: string | null; phone_number: string | null };
    }[];
  };
  const eventsOn = async (profileId: string): Promise<RecordedEvent[]> =>
    (await emu.inspect('?events=full')).events.filter((e: RecordedEvent) => e.profileId === profileId);

  it('takes a shopper from a text message link to a confirmed order', async () => {
    // Klaviyo knows her by phone only, and minted the link's exchange id for her when it sent the
    // text (only Klaviyo issues them: the emulator resolves no made-up one).
    expect(await profilesBy('email', SHOPPER.email)).toEqual([]);
    const known = await emu.api('/api/profiles', {
      method: 'POST',
      body: { data: { type: 'profile', attributes: { phone_number: SHOPPER.phone } } },
    });
    expect(known.status).toBe(201);
    const [subscriber] = await profilesBy('phone_number', SHOPPER.phone);
    if (!subscriber) throw new Error('the SMS subscriber was not created');
    const LINK_TOKEN = await emu.exchangeIdFor({ profileId: subscriber.id });

    // Home: the shop, the cookie banner, and which Klaviyo this instance talks to.
    const home = await page.goto(`${app.url}/?_kx=${encodeURIComponent(LINK_TOKEN)}`);
    expect(home?.status(), app.output.join('')).toBe(200);
    await expect(page.getByRole('heading', { level: 1 }).innerText()).resolves.toBe(
      'Everyday things, made to last.',
    );
    await expect(page.getByTestId('klaviyo-mode').innerText()).resolves.toContain('Local Klaviyo emulator');
    // Until she answers the banner, the browser asks nothing of Klaviyo: not even klaviyo.js.
    await page.waitForLoadState('networkidle');
    expect(browserRequests.filter((url) => url.startsWith(E2E_EMULATOR_URL))).toEqual([]);
    await page.getByRole('button', { name: 'Accept' }).click();
    await expect(page.locator('.consent-banner').count()).resolves.toBe(0);
    await page.waitForFunction(() => 'klaviyoModulesObject' in window); // the stand-in has run
    await shot('home');

    // Collection.
    await page
      .getByRole('navigation', { name: 'Shop by category' })
      .getByRole('link', { name: 'Outerwear' })
      .click();
    await page.waitForURL('**/collections/outerwear');
    await expect(page.getByRole('heading', { level: 1 }).innerText()).resolves.toBe('Outerwear');
    await expect(page.locator('.result-count').innerText()).resolves.toBe('4 products');
    await shot('collection');

    // Product: the first size in stock is chosen; M is sold out and offers the back-in-stock form.
    await page.getByRole('link', { name: /Waxed Canvas Jacket/ }).click();
    await page.waitForURL('**/products/waxed-canvas-jacket');
    await expect(page.getByRole('heading', { level: 1 }).innerText()).resolves.toBe('Waxed Canvas Jacket');
    await expect(page.locator('.picker__legend').innerText()).resolves.toBe('Size: S');
    await page.locator('label').filter({ hasText: /^M/ }).click();
    await expect(page.locator('.picker__legend').innerText()).resolves.toBe('Size: M — sold out');
    await expect(page.getByRole('button', { name: 'Email me when it’s back' }).isVisible()).resolves.toBe(
      true,
    );
    await page.locator('label').filter({ hasText: /^L$/ }).click();
    await page.waitForFunction(() => window.location.search === '?variant=waxed-canvas-jacket-l');

    // Add to bag: confirmation in place and the header's count.
    await page.getByRole('button', { name: 'Add to bag — $198' }).click();
    await page.getByText('Added to your bag.').waitFor();
    await expect.poll(bagCount, { timeout: 10_000 }).toBe('1 item');
    await shot('product');

    // Bag.
    await page.getByRole('link', { name: /View bag/ }).click();
    await page.waitForURL('**/cart');
    const line = page.locator('.cart-line');
    await line.first().waitFor(); // past the loading skeleton
    await expect(line.count()).resolves.toBe(1);
    await expect(line.innerText()).resolves.toMatch(/Waxed Canvas Jacket\s+L\s+\$198 each/);
    await expect(page.locator('.totals__total').innerText()).resolves.toMatch(/Total\s+\$198\.00/);
    await expect(page.getByText('You’ve earned free shipping.').isVisible()).resolves.toBe(true);
    await shot('cart');

    // Checkout, with the exact disclosure text beside each consent box.
    await page.getByRole('link', { name: 'Check out' }).click();
    await page.waitForURL('**/checkout');
    const emailConsent = page.getByLabel(CONSENT_DISCLOSURES.email.text, { exact: true });
    await expect(emailConsent.isChecked()).resolves.toBe(false);
    await expect(page.getByLabel(CONSENT_DISCLOSURES.sms.text, { exact: true }).count()).resolves.toBe(1);
    await page.getByLabel('Email', { exact: true }).fill(SHOPPER.email);
    await emailConsent.check();
    await page.getByLabel('First name').fill('Grace');
    await page.getByLabel('Last name').fill('Hopper');
    await page.getByLabel('Address', { exact: true }).fill('1 Compiler Lane');
    await page.getByLabel('City').fill('Arlington');
    await page.getByLabel(/State/).fill('VA');
    await page.getByLabel('Postal code').fill('22201');
    await shot('checkout');
    await page.getByRole('button', { name: 'Place order · $198.00' }).click();

    // Confirmation.
    await page.waitForURL('**/orders/NW-*');
    await expect(page.getByRole('heading', { level: 1 }).innerText()).resolves.toBe('Thank you, Grace!');
    const orderId = await page.getByTestId('order-number').innerText();
    expect(orderId).toMatch(/^NW-\d+$/);
    await expect(page.locator('.summary').innerText()).resolves.toMatch(
      /Waxed Canvas Jacket[\s\S]*\$198\.00/,
    );
    await expect(bagCount()).resolves.toBe('0 items');
    await shot('confirmation');

    // The order exists, with its consent and events in the same database...
    const db = openSqlite(app.sqlitePath);
    try {
      const [order] = await db.query<{ email: string; total_cents: number; status: string }>(
        sql`SELECT email, total_cents, status FROM store_orders WHERE id = ${orderId}`,
      );
      expect(order).toEqual({ email: SHOPPER.email, total_cents: 19800, status: 'placed' });
      const consent = await db.query<{ payload: string }>(
        sql`SELECT payload FROM klaviyo_outbox WHERE kind = 'consent' AND payload LIKE ${`%${SHOPPER.email}%`}`,
      );
      expect(consent.map((c) => JSON.parse(c.payload))).toMatchObject([
        { channel: 'email', source: 'Checkout', disclosure: { text: CONSENT_DISCLOSURES.email.text } },
      ]);
    } finally {
      await db.close();
    }
    // ...and Klaviyo hears of it without the shopper having waited (delivered after the response), on
    // the profile her text message's link identified: the order joined her browsing to her new email.
    const placed = async () =>
      (await eventsOn(subscriber.id))
        .filter((e) => e.metric === 'Placed Order')
        .map((e) => e.properties.OrderId);
    await expect.poll(placed, { timeout: 30_000, interval: 500 }).toEqual([orderId]);
    const [joined, ...others] = await profilesBy('email', SHOPPER.email);
    expect(others).toEqual([]);
    expect(joined).toMatchObject({
      id: subscriber.id,
      attributes: { email: SHOPPER.email, phone_number: SHOPPER.phone },
    });

    // Every browser event reached Klaviyo at least twice, from klaviyo.js and from the server relay
    // (Started Checkout twice more, once her email was typed), always with one unique_id, so one copy
    // is kept: wait for the repeats of all six, then count what her profile holds.
    const browserEvents = ['Viewed Collection', 'Viewed Product', 'Added to Cart', 'Started Checkout'];
    const secondCopies = async () =>
      [
        ...new Set(
          (await emu.inspect()).suppressed
            .filter((s: { profileId: string }) => s.profileId === subscriber.id)
            .map((s: { metricName: string; uniqueId: string }) => `${s.metricName} ${s.uniqueId}`),
        ),
      ].sort();
    await expect.poll(async () => (await secondCopies()).length, { timeout: 30_000, interval: 500 }).toBe(6);
    const events = await eventsOn(subscriber.id);
    const of = (metric: string) => events.filter((e) => e.metric === metric);
    expect(of('Viewed Collection').map((e) => e.properties.CollectionHandle)).toEqual(['outerwear']);
    expect(
      of('Viewed Product')
        .map((e) => e.properties.VariantID)
        .sort(),
    ).toEqual(['waxed-canvas-jacket-l', 'waxed-canvas-jacket-m', 'waxed-canvas-jacket-s']);
    const [added] = of('Added to Cart');
    const [started] = of('Started Checkout');
    expect(of('Added to Cart')).toHaveLength(1);
    expect(of('Started Checkout')).toHaveLength(1);
    expect(added?.properties).toMatchObject({
      AddedItemVariantID: 'waxed-canvas-jacket-l',
      AddedItemPrice: 198,
    });
    expect(started?.properties).toMatchObject({ $value: 198, ItemNames: ['Waxed Canvas Jacket'] });
    expect(await secondCopies()).toEqual(
      events
        .filter((e) => browserEvents.includes(e.metric))
        .map((e) => `${e.metric} ${e.uniqueId}`)
        .sort(),
    );
    // The server's own events: the order and its one line, from the API.
    expect(of('Placed Order').map((e) => [e.source, e.properties.OrderId])).toEqual([['api', orderId]]);
    expect(of('Ordered Product').map((e) => [e.source, e.properties.VariantID])).toEqual([
      ['api', 'waxed-canvas-jacket-l'],
    ]);
    // No copy of any of them went to another profile.
    const ours = new Set(events.map((e) => e.uniqueId));
    const elsewhere = (await emu.inspect('?events=full')).events.filter(
      (e: RecordedEvent) =>
        e.profileId !== subscriber.id && (ours.has(e.uniqueId) || e.properties.OrderId === orderId),
    );
    expect(elsewhere).toEqual([]);
    expect(pageErrors).toEqual([]);
  }, 180_000);

  it('records Viewed Collection and Submitted Search once each, with what the store shows, for an identified shopper', async () => {
    const email = 'browse.metrics@example.com';
    const created = await emu.api('/api/profiles', {
      method: 'POST',
      body: { data: { type: 'profile', attributes: { email } } },
    });
    expect(created.status).toBe(201);
    const id = (created.body.data as { id: string }).id;
    const token = await emu.exchangeIdFor({ profileId: id });
    const context = await browser.newContext();
    const tab = await context.newPage();
    tab.on('pageerror', (error) => pageErrors.push(String(error)));
    await tab.goto(`${app.url}/?_kx=${encodeURIComponent(token)}`);
    // The link's exchange id identifies her once she accepts; klaviyo.js debounces that call, so
    // wait for it before leaving the page.
    const identified = tab.waitForResponse((r) => r.url().includes('/client/profiles') && r.ok());
    await tab.getByRole('button', { name: 'Accept' }).click();
    await identified;

    // The heading is on screen before the page hydrates: wait for the relay's copy before moving on.
    const relayed = (metric: string) =>
      tab.waitForRequest(
        (r) => r.url().endsWith('/api/klaviyo/track') && (r.postData() ?? '').includes(metric),
      );
    const collectionSent = relayed('Viewed Collection');
    await tab.goto(`${app.url}/collections/bed-bath`);
    await expect(tab.getByRole('heading', { level: 1 }).innerText()).resolves.toBe('Bed & Bath');
    expect(JSON.parse((await collectionSent).postData() ?? '')).toEqual({
      metric: 'Viewed Collection',
      collection: 'bed-bath',
      viewId: expect.stringMatching(/^[0-9a-f]{24}$/),
    });
    await tab.goto(`${app.url}/search`);
    const form = tab.locator('main .search-form');
    await form.getByLabel('Search the shop').fill('  linen ');
    await form.getByRole('button', { name: 'Search' }).click();
    await tab.waitForURL('**/search?q=*');
    const shown = Number.parseInt(await tab.locator('.result-count').innerText(), 10);
    expect(shown).toBeGreaterThan(0);

    // Each reached Klaviyo from klaviyo.js and from the relay with one unique_id: one kept, one suppressed.
    const repeats = async () =>
      (await emu.inspect()).suppressed
        .filter(
          (s: { profileId: string; metricName: string }) =>
            s.profileId === id && s.metricName !== '__activity__',
        )
        .map((s: { metricName: string }) => s.metricName)
        .sort();
    await expect
      .poll(repeats, { timeout: 30_000, interval: 250 })
      .toEqual(['Submitted Search', 'Viewed Collection']);
    const events = (await eventsOn(id)).filter((e) => e.metric !== '__activity__');
    expect(events.map((e) => e.metric).sort()).toEqual(['Submitted Search', 'Viewed Collection']);
    const of = (metric: string) => events.find((e) => e.metric === metric)?.properties;
    // Whichever copy was kept (klaviyo.js adds $event_id and its own keys), it carries these.
    expect(of('Viewed Collection')).toMatchObject({
      CollectionID: 'bed-bath',
      CollectionHandle: 'bed-bath',
      CollectionName: 'Bed & Bath',
      URL: expect.stringMatching(/\/collections\/bed-bath$/),
    });
    // The term as the page searched it, and the count the shopper was shown.
    expect(of('Submitted Search')).toMatchObject({
      SearchTerm: 'linen',
      ResultCount: shown,
      URL: expect.stringMatching(/\/search\?q=linen$/),
    });
    // Both are metrics of the account now, as Klaviyo's API lists them.
    const metrics = await emu.api('/api/metrics');
    expect(metrics.status).toBe(200);
    const names = (metrics.body.data as { attributes: { name: string } }[]).map((m) => m.attributes.name);
    expect(names).toEqual(expect.arrayContaining(['Viewed Collection', 'Submitted Search']));
    await context.close();
    expect(pageErrors).toEqual([]);
  }, 120_000);

  it('records Started Checkout for a guest once she types her email, ready for an abandoned-checkout flow', async () => {
    const guest = 'ada.guest@example.com';
    const context = await browser.newContext();
    const tab = await context.newPage();
    tab.on('pageerror', (error) => pageErrors.push(String(error)));
    await tab.goto(`${app.url}/products/organic-cotton-tee`);
    await tab.getByRole('button', { name: 'Accept' }).click();
    await tab.getByRole('button', { name: /^Add to bag/ }).click();
    await tab.getByText('Added to your bag.').waitFor();
    await tab.goto(`${app.url}/checkout`);
    await tab.getByLabel('Email', { exact: true }).fill(guest);
    await tab.getByLabel('First name').focus(); // she moves on, and leaves before paying

    const profile = async () => (await profilesBy('email', guest))[0];
    await expect.poll(profile, { timeout: 15_000, interval: 250 }).toBeDefined();
    const { id } = (await profile()) as { id: string };
    // klaviyo.js and the relay each sent it again once she was known: one kept, one suppressed.
    const repeats = async () =>
      (await emu.inspect()).suppressed.filter(
        (s: { profileId: string; metricName: string }) =>
          s.profileId === id && s.metricName === 'Started Checkout',
      ).length;
    await expect.poll(repeats, { timeout: 15_000, interval: 250 }).toBeGreaterThan(0);
    const events = (await eventsOn(id)).filter((e) => e.metric !== '__activity__');
    // Before her email she was anonymous: her view and Added to Cart had no profile to land on.
    expect(events.map((e) => e.metric)).toEqual(['Started Checkout']);
    expect(events[0]?.properties).toMatchObject({
      $value: 32,
      ItemNames: ['Organic Cotton Tee'],
      CheckoutURL: expect.stringMatching(/\/cart\?restore=[0-9a-f-]{36}$/),
    });
    expect(await profilesBy('email', guest)).toHaveLength(1);
    await context.close();
    expect(pageErrors).toEqual([]);
  }, 120_000);
  it('tells a shopper a sold-out size is back: on a catalogue the store’s sync created, restocked from the admin', async () => {
    const variant = 'waxed-canvas-jacket-m';
    const inKlaviyo = `$custom:::$default:::${variant}`;
    const email = 'back.in.stock@example.com';
    // The emulator's catalogue starts empty, as a real account's does: Klaviyo has never heard of M.
    const variantAtKlaviyo = () => emu.api(`/api/catalog-variants/${encodeURIComponent(inKlaviyo)}`);
    expect((await variantAtKlaviyo()).status).toBe(404);
    // npm run catalog:sync, against this app's database (async: the emulator answers in this process).
    await run('npm', ['run', '--silent', 'catalog:sync'], {
      env: await productionEnv({ OUTBOX_SQLITE_PATH: app.sqlitePath }),
    });
    const synced = await variantAtKlaviyo();
    expect(synced.status).toBe(200);
    expect(synced.body.data.attributes).toMatchObject({ sku: 'WCJ-M', inventory_quantity: 0 });

    // The shopper asks to be told when M is back.
    const shopper = await (await browser.newContext()).newPage();
    shopper.on('pageerror', (error) => pageErrors.push(String(error)));
    await shopper.goto(`${app.url}/products/waxed-canvas-jacket?variant=${variant}`);
    await shopper.getByRole('button', { name: 'Accept' }).click();
    const form = shopper.locator('form.back-in-stock');
    await form.getByLabel('Email address').fill(email);
    await form.getByRole('button', { name: 'Email me when it’s back' }).click();
    await shopper.getByText(`We’ll email ${email} as soon as M is back in stock.`).waitFor();
    const subscriptions = async () =>
      (await emu.inspect()).log.filter(
        (l: { operation: string; payload?: { variantId?: string } }) =>
          l.operation === 'create_back_in_stock_subscription' && l.payload?.variantId === inKlaviyo,
      ).length;
    await expect.poll(subscriptions, { timeout: 30_000, interval: 250 }).toBe(1);
    const [profile] = await profilesBy('email', email);

    // The merchant restocks M on the Products page; Klaviyo notifies the shopper.
    const merchant = await (await browser.newContext()).newPage();
    await merchant.goto(`${app.url}/admin/products`);
    await signInMerchant(merchant, `${app.url}/admin/products`);
    await merchant.getByLabel('Stock of WCJ-M').fill('3');
    await merchant
      .locator(`tr[data-variant="${variant}"]`)
      .getByRole('button', { name: 'Set stock' })
      .click();
    await merchant.getByText('Waxed Canvas Jacket saved').waitFor();
    await merchant.screenshot({ path: join(SHOTS, 'store-e2e-admin-products.png'), fullPage: true });
    const notified = async () =>
      (await fetch(
        `${E2E_EMULATOR_URL}/__emulator/accounts/${E2E_COMPANY_ID}/back-in-stock-notifications`,
      ).then((r) => r.json())) as { data: { variantId: string; profileId: string; channels: string[] }[] };
    await expect
      .poll(async () => (await notified()).data.filter((n) => n.variantId === inKlaviyo), {
        timeout: 30_000,
        interval: 250,
      })
      .toEqual([expect.objectContaining({ profileId: profile?.id, channels: ['EMAIL'] })]);
    expect((await variantAtKlaviyo()).body.data.attributes.inventory_quantity).toBe(3);
    // The storefront sells M again.
    await shopper.goto(`${app.url}/products/waxed-canvas-jacket?variant=${variant}`);
    await expect(shopper.locator('.picker__legend').innerText()).resolves.toBe('Size: M');
    expect(pageErrors).toEqual([]);
  }, 180_000);
});
