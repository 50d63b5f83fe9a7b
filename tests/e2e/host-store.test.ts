// biome-ignore-all lint/performance/useDomNodeTextContent: these are Playwright's Locator.innerText(), which waits for the element; not the DOM property
import { createHmac } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Request as PageRequest } from 'playwright';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type RecordedEvent, startTestEmulator, type TestEmulator } from '../support/emulator.js';
import {
  buildHostStore,
  freshHostDatabase,
  HOST_ADMIN_TOKEN,
  HOST_STORE,
  type HostDatabase,
  hostStoreEnv,
  type RunningHostStore,
  startHostStore,
} from '../support/host-store.js';
import { freePort } from '../support/ports.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH, describeWithChromium } from '../support/requirements.js';

/**
 * The plugin in a store that is not the demo: Harbor Tea (tests/fixtures/host-store), with its own
 * catalogue, its own Postgres tables through Drizzle, its own checkout action, layout and merchant
 * guard, and the plugin folders imported from the repository unedited. Built with `next build`,
 * served with `next start`, browsed with Chromium, and checked against what the emulator recorded.
 */
const COMPANY_ID = 'HARBR1';
const PRIVATE_KEY = 'pk_harbor_tea_emulator_key';
const SHOPPER = 'ada.lovelace@example.com';

describeWithChromium('host store (Harbor Tea)', () => {
  let emu: TestEmulator;
  let db: HostDatabase;
  let shop: RunningHostStore;
  let browser: Browser;
  let shopper: BrowserContext;
  /** The checkout form's server action request, as the browser sent it, for the replay case. */
  let checkoutRequest: { url: string; headers: Record<string, string>; body: Buffer | null } | undefined;
  let orderId = '';
  let orderPage = '';

  beforeAll(async () => {
    emu = await startTestEmulator({
      port: await freePort(),
      account: { id: COMPANY_ID, privateKey: PRIVATE_KEY, name: 'Harbor Tea' },
    });
    db = await freshHostDatabase();
    const env = hostStoreEnv(
      { apiUrl: emu.url, companyId: COMPANY_ID, privateKey: PRIVATE_KEY },
      { DATABASE_URL: db.url },
    );
    buildHostStore(env);
    shop = await startHostStore(env);
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
    shopper = await browser.newContext();
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    shop?.stop();
    await db?.drop();
    expect(emu?.specViolations).toEqual([]);
    await emu?.close();
  });

  const eventsOn = async (profileId: string): Promise<RecordedEvent[]> =>
    (await emu.inspect('?events=full')).events.filter((e: RecordedEvent) => e.profileId === profileId);
  const profilesByEmail = async (email: string): Promise<{ id: string }[]> =>
    (await emu.api(`/api/profiles?filter=${encodeURIComponent(`equals(email,"${email}")`)}`)).body.data;
  const stock = async (id: string) =>
    (await db.query<{ stock: number }>('SELECT stock FROM shop_products WHERE id = $1', [id]))[0]?.stock;

  it('builds from the plugin folders and its own files only: no file of the demo store is reachable', () => {
    // Every module in the server build, from its source maps (client components are rendered on the
    // server too, so they are here as well).
    const repository = resolve(HOST_STORE, '..', '..', '..');
    const sources = new Set<string>();
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (path.endsWith('.js.map')) {
          const map = JSON.parse(readFileSync(path, 'utf8'));
          const all: string[] = [
            ...(map.sources ?? []),
            ...(map.sections ?? []).flatMap((s: { map: { sources?: string[] } }) => s.map.sources ?? []),
          ];
          for (const source of all) if (!source.includes('turbopack:')) sources.add(resolve(dir, source));
        }
      }
    };
    walk(join(HOST_STORE, '.next', 'server'));
    // Map paths are relative to where Turbopack wrote each chunk, which is not always the map's own
    // folder, so a path that names no file is a misplaced copy of another; client components appear
    // once more behind Next.js's server proxy module.
    const files = [
      ...new Set(
        [...sources]
          .map((s) => relative(repository, decodeURIComponent(s)).replace(/\/__nextjs-internal-proxy.*$/, ''))
          .filter(
            (f) => !f.startsWith('..') && !f.includes('node_modules') && existsSync(join(repository, f)),
          ),
      ),
    ];
    expect(files.filter((f) => f.startsWith('tests/fixtures/host-store/')).length).toBeGreaterThan(10);
    expect(files.some((f) => f.startsWith('lib/klaviyo-next/'))).toBe(true);
    expect(files.some((f) => f.startsWith('components/klaviyo/'))).toBe(true);
    expect(files.some((f) => f.startsWith('components/klaviyo-admin/'))).toBe(true);
    const demo = files.filter(
      (f) =>
        !/^(lib\/klaviyo-next|components\/klaviyo|components\/klaviyo-admin|tests\/fixtures\/host-store)\//.test(
          f,
        ),
    );
    expect(demo).toEqual([]);
  });

  it('a product view with consent reaches Klaviyo through the provider, on the profile the link named', async () => {
    await emu.api('/api/profiles', {
      method: 'POST',
      body: { data: { type: 'profile', attributes: { email: SHOPPER } } },
    });
    const [profile] = await profilesByEmail(SHOPPER);
    if (!profile) throw new Error('the shopper was not created');
    const linkToken = await emu.exchangeIdFor({ email: SHOPPER });
    const page = await shopper.newPage();
    const browserRequests: string[] = [];
    page.on('request', (r) => browserRequests.push(r.url()));

    const opened = await page.goto(`${shop.url}/products/ht-sencha?_kx=${encodeURIComponent(linkToken)}`);
    expect(opened?.status(), shop.output.join('')).toBe(200);
    await expect(page.getByRole('heading', { level: 1 }).innerText()).resolves.toBe('Sencha Tin, 100 g');
    // Before the shopper answers the banner, nothing of Klaviyo's is requested.
    await page.waitForLoadState('networkidle');
    expect(browserRequests.filter((url) => url.startsWith(emu.url))).toEqual([]);
    const relayed = page.waitForResponse((r) => r.url().endsWith('/api/klaviyo/track'));
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForFunction(() => 'klaviyoModulesObject' in window); // the stand-in klaviyo.js has run
    // The relay (the plugin's route on Harbor Tea's storefront port) accepted the server's copy.
    const relay = await relayed;
    expect(relay.status()).toBe(202);
    await expect(relay.json()).resolves.toMatchObject({ accepted: true });

    const viewed = async () =>
      (await eventsOn(profile.id))
        .filter((e) => e.metric === 'Viewed Product')
        .map((e) => e.properties.ProductID ?? e.properties.ProductId);
    await expect.poll(viewed, { timeout: 30_000, interval: 500 }).toHaveLength(1);
    const [view] = (await eventsOn(profile.id)).filter((e) => e.metric === 'Viewed Product');
    expect(view?.properties).toMatchObject({ ProductName: 'Sencha Tin, 100 g', Price: 14.5 });
    // klaviyo.js and the relay each sent it, with one unique_id: Klaviyo kept one and suppressed the other.
    const copies = async () =>
      (await emu.inspect()).suppressed.filter(
        (s: { profileId: string; metricName: string; uniqueId: string }) =>
          s.profileId === profile.id && s.metricName === 'Viewed Product' && s.uniqueId === view?.uniqueId,
      ).length;
    await expect.poll(copies, { timeout: 30_000, interval: 500 }).toBe(1);
    await page.close();

    // The relay as Harbor Tea mounted it, called by others: another site (403), a browser that never
    // said yes to the banner (nothing sent), a made-up product (400: the storefront port knows none).
    const track = (origin: string, cookie: string, variantId = 'ht-sencha') =>
      fetch(`${shop.url}/api/klaviyo/track`, {
        method: 'POST',
        headers: { origin, cookie, 'content-type': 'application/json' },
        body: JSON.stringify({ metric: 'Viewed Product', variantId, viewId: 'attacker-view-0001' }),
      });
    const klaId = (await shopper.cookies()).find((c) => c.name === '__kla_id')?.value;
    expect(klaId).toBeTruthy();
    expect((await track('https://evil.example', `harbor_tracking=granted; __kla_id=${klaId}`)).status).toBe(
      403,
    );
    const unconsented = await track(shop.url, `__kla_id=${klaId}`);
    expect(unconsented.status).toBe(202);
    await expect(unconsented.json()).resolves.toMatchObject({ accepted: false, reason: 'no-consent' });
    expect((await track(shop.url, `harbor_tracking=granted; __kla_id=${klaId}`, 'made-up')).status).toBe(400);
    expect((await eventsOn(profile.id)).filter((e) => e.metric === 'Viewed Product')).toHaveLength(1);
  });

  it('its checkout sends Placed Order and one Ordered Product per line, once each, on the right profile', async () => {
    const [profile] = await profilesByEmail(SHOPPER);
    if (!profile) throw new Error('the shopper is missing');
    const page = await shopper.newPage();
    let sent: PageRequest | undefined;
    page.on('request', (r) => {
      if (r.method() === 'POST' && r.headers()['next-action'] && r.url().includes('/checkout')) sent ??= r;
    });
    await page.goto(`${shop.url}/products/ht-sencha`);
    await page.getByRole('link', { name: 'Buy' }).click();
    await page.waitForURL('**/checkout?tea=ht-sencha');
    await page.getByLabel('Email').fill(SHOPPER);
    await page.getByLabel(/Roasted Hojicha/).fill('2');
    await page.getByRole('button', { name: 'Place order' }).click();
    await page.waitForURL('**/orders/*');
    await expect(page.getByRole('heading', { level: 1 }).innerText()).resolves.toBe('Thank you!');
    orderId = await page.getByTestId('order-number').innerText();
    orderPage = page.url();
    expect(orderId).toMatch(/^HT-\d+$/);
    if (sent)
      checkoutRequest = { url: sent.url(), headers: await sent.allHeaders(), body: sent.postDataBuffer() };
    await page.close();

    // Harbor Tea's own rows...
    const lines = await db.query<{ product_id: string; quantity: number }>(
      `SELECT l.product_id, l.quantity FROM shop_order_lines l JOIN shop_orders o ON o.id = l.order_id
        WHERE o.email = $1 ORDER BY l.product_id`,
      [SHOPPER],
    );
    expect(lines).toEqual([
      { product_id: 'ht-hojicha', quantity: 2 },
      { product_id: 'ht-sencha', quantity: 1 },
    ]);
    await expect(stock('ht-sencha')).resolves.toBe(39);

    // ...and Klaviyo hears of it after the response, with no worker and no cron running (after()).
    const ofOrder = async () =>
      (await eventsOn(profile.id))
        .filter((e) => e.properties.OrderId === orderId)
        .map((e) => `${e.metric} ${e.properties.ProductID ?? ''}`)
        .sort();
    await expect
      .poll(ofOrder, { timeout: 30_000, interval: 500 })
      .toEqual(['Ordered Product ht-hojicha', 'Ordered Product ht-sencha', 'Placed Order ']);
    const [placed] = (await eventsOn(profile.id)).filter((e) => e.metric === 'Placed Order');
    expect(placed?.properties).toMatchObject({ OrderId: orderId, ItemNames: expect.any(Array) });
    expect(await profilesByEmail(SHOPPER)).toEqual([expect.objectContaining({ id: profile.id })]);
    // Klaviyo records the events as it accepts them; the outbox marks them delivered on the answer.
    const undelivered = async () =>
      (
        await db.query<{ state: string; n: number }>(
          `SELECT state, count(*)::int AS n FROM klaviyo_outbox GROUP BY state`,
        )
      ).filter((r) => r.state !== 'delivered');
    await expect.poll(undelivered, { timeout: 30_000, interval: 250 }).toEqual([]);
    // The cron drain is off without OUTBOX_DRAIN_SECRET: no stranger can trigger delivery.
    expect((await fetch(`${shop.url}/api/klaviyo/drain`, { method: 'POST' })).status).toBe(404);
  });

  it('a replayed checkout request (twice at once) places nothing more and sends nothing twice', async () => {
    if (!checkoutRequest) throw new Error('the checkout request was not captured');
    const { url, headers, body } = checkoutRequest;
    const replay = () =>
      fetch(url, {
        method: 'POST',
        headers: Object.fromEntries(Object.entries(headers).filter(([name]) => !name.startsWith(':'))),
        body: body ? new Uint8Array(body) : null,
        redirect: 'manual',
      });
    const answers = await Promise.all([replay(), replay()]);
    // Both reached the action, which found the order this checkout id had already made and sent them
    // to it, as it did the first time.
    const confirmation = new URL(orderPage).pathname;
    expect(answers.map((a) => [a.status, a.headers.get('x-action-redirect')?.split(';')[0]])).toEqual([
      [200, confirmation],
      [200, confirmation],
    ]);
    const orders = await db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM shop_orders WHERE email = $1',
      [SHOPPER],
    );
    expect(orders).toEqual([{ n: 1 }]);
    await expect(stock('ht-sencha')).resolves.toBe(39);
    // Nothing was enqueued again, and nothing reached Klaviyo twice (not even a copy it suppressed).
    const queued = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM klaviyo_outbox WHERE payload::text LIKE $1`,
      [`%"${orderId}"%`],
    );
    expect(queued).toEqual([{ n: 3 }]);
    await new Promise((done) => setTimeout(done, 1_000));
    const [profile] = await profilesByEmail(SHOPPER);
    const ofOrder = (await eventsOn(profile?.id ?? '')).filter((e) => e.properties.OrderId === orderId);
    expect(ofOrder).toHaveLength(3);
    const ids = new Set(ofOrder.map((e) => e.uniqueId));
    const resent = (await emu.inspect()).suppressed.filter((s: { uniqueId: string }) => ids.has(s.uniqueId));
    expect(resent).toEqual([]);
  });

  it('a checkout whose transaction rolls back (a teapot sold out after enqueue) sends nothing', async () => {
    const email = 'rolled.back@example.com';
    const page = await shopper.newPage();
    await page.goto(`${shop.url}/checkout?tea=ht-kyusu`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel(/Sencha Tin/).fill('1');
    await page.getByLabel(/Tokoname Kyusu/).fill('3'); // two in stock
    await page.getByRole('button', { name: 'Place order' }).click();
    await page.waitForURL('**/checkout?error=*');
    await expect(page.locator('p[role=alert]').innerText()).resolves.toBe(
      'Not enough Tokoname Kyusu Teapot in stock.',
    );
    await page.close();
    // The order, its lines, the sencha taken before the teapot failed, and the enqueued messages: all
    // rolled back together.
    await expect(db.query('SELECT id FROM shop_orders WHERE email = $1', [email])).resolves.toEqual([]);
    await expect(stock('ht-sencha')).resolves.toBe(39);
    await expect(stock('ht-kyusu')).resolves.toBe(2);
    await expect(
      db.query(`SELECT id FROM klaviyo_outbox WHERE payload::text LIKE $1`, [`%${email}%`]),
    ).resolves.toEqual([]);
    // A later order is delivered, so delivery ran after the rollback too; Klaviyo never heard of it.
    const page2 = await shopper.newPage();
    await page2.goto(`${shop.url}/checkout?tea=ht-kyusu`);
    await page2.getByLabel('Email').fill('second.buyer@example.com');
    await page2.getByRole('button', { name: 'Place order' }).click();
    await page2.waitForURL('**/orders/*');
    await page2.close();
    await expect
      .poll(async () => (await profilesByEmail('second.buyer@example.com')).length, { timeout: 30_000 })
      .toBe(1);
    expect(await profilesByEmail(email)).toEqual([]);
  });

  it('two shoppers racing for the last teapot: one order, one refusal, and Klaviyo hears of one', async () => {
    await expect(stock('ht-kyusu')).resolves.toBe(1);
    const racers = ['first.racer@example.com', 'second.racer@example.com'];
    const pages = await Promise.all(racers.map(() => shopper.newPage()));
    for (const [i, page] of pages.entries()) {
      await page.goto(`${shop.url}/checkout?tea=ht-kyusu`);
      await page.getByLabel('Email').fill(racers[i] ?? '');
    }
    await Promise.all(pages.map((page) => page.getByRole('button', { name: 'Place order' }).click()));
    await Promise.all(pages.map((page) => page.waitForURL(/\/(orders\/|checkout\?error=)/)));
    const outcomes = pages.map((page) => (page.url().includes('/orders/') ? 'placed' : 'refused'));
    expect(outcomes.sort()).toEqual(['placed', 'refused']);
    await Promise.all(pages.map((page) => page.close()));
    await expect(stock('ht-kyusu')).resolves.toBe(0);
    const emails = await db.query<{ email: string }>('SELECT email FROM shop_orders WHERE email = ANY($1)', [
      racers,
    ]);
    expect(emails).toHaveLength(1);
    const [winner] = emails;
    const loser = racers.find((r) => r !== winner?.email) ?? '';
    await expect
      .poll(async () => (await profilesByEmail(winner?.email ?? '')).length, { timeout: 30_000 })
      .toBe(1);
    expect(await profilesByEmail(loser)).toEqual([]);
    await expect(
      db.query(`SELECT id FROM klaviyo_outbox WHERE payload::text LIKE $1`, [`%${loser}%`]),
    ).resolves.toEqual([]);
  });

  it('its dashboard, behind its own guard, lists the Klaviyo lists; strangers and forged cookies are refused', async () => {
    for (const name of ['Harbor Tea Letters', 'Teaware Wait List'])
      expect(
        (
          await emu.api('/api/lists', {
            method: 'POST',
            body: { data: { type: 'list', attributes: { name } } },
          })
        ).status,
      ).toBe(201);

    // No cookie, a made-up one, and one signed with a guessed token: refused by the page, the route
    // handler and the server action alike.
    const expires = Date.now() + 60_000;
    const forged = [
      '',
      `harbor_merchant=${expires}.${'A'.repeat(43)}`,
      `harbor_merchant=${expires}.${createHmac('sha256', 'guessed-token-guessed-token-guessed-00').update(`harbor-merchant:${expires}`).digest('base64url')}`,
    ];
    for (const cookie of forged) {
      const headers = cookie ? { cookie } : undefined;
      const lists = await fetch(`${shop.url}/api/admin/lists`, { headers });
      expect(lists.status).toBe(401);
      const dashboard = await fetch(`${shop.url}/dashboard`, { headers, redirect: 'manual' });
      expect(dashboard.status).toBe(307);
      expect(dashboard.headers.get('location')).toMatch(/\/dashboard\/sign-in$/);
    }

    const merchant = await browser.newContext();
    const page = await merchant.newPage();
    await page.goto(`${shop.url}/dashboard`);
    await page.waitForURL('**/dashboard/sign-in');
    await page.getByLabel('Admin token').fill('not the token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/dashboard/sign-in?error=1');
    await page.getByLabel('Admin token').fill(HOST_ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/dashboard$/);
    await page.getByText('Harbor Tea Letters').waitFor();
    await expect(page.getByText('Teaware Wait List').count()).resolves.toBe(1);

    // The route handler answers the merchant's cookie.
    const session = (await merchant.cookies()).find((c) => c.name === 'harbor_merchant');
    const mine = await fetch(`${shop.url}/api/admin/lists`, {
      headers: { cookie: `harbor_merchant=${session?.value}` },
    });
    expect(mine.status).toBe(200);
    expect((await mine.json()).items.map((l: { name: string }) => l.name).sort()).toEqual([
      'Harbor Tea Letters',
      'Teaware Wait List',
    ]);

    // The plugin's own action, through Harbor Tea's guard: the merchant creates a list.
    const listNames = async (): Promise<string[]> =>
      (await emu.api('/api/lists')).body.data.map((l: { attributes: { name: string } }) => l.attributes.name);
    const action = page.waitForRequest((r) => r.method() === 'POST' && Boolean(r.headers()['next-action']));
    await page.getByLabel('New list name').fill('Kyusu Owners');
    await page.getByRole('button', { name: /Create/ }).click();
    await expect.poll(listNames).toContain('Kyusu Owners');
    const sent = await action;
    const actionHeaders = await sent.allHeaders();
    await merchant.close();

    // The same action request, replayed by someone without the merchant's cookie: refused.
    for (const cookie of forged) {
      const headers = Object.fromEntries(
        Object.entries(actionHeaders).filter(
          ([name]) => !name.startsWith(':') && !['cookie', 'content-length'].includes(name),
        ),
      );
      const answer = await fetch(sent.url(), {
        method: 'POST',
        headers: cookie ? { ...headers, cookie } : headers,
        body: (sent.postData() ?? '').replace('Kyusu Owners', 'Forged List'),
      });
      expect(answer.status).toBe(200);
      expect(await answer.text()).toContain('"unauthenticated"');
    }
    expect(await listNames()).not.toContain('Forged List');
  });
});
