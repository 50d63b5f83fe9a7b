// biome-ignore-all lint/performance/useDomNodeTextContent: these are Playwright's Locator.innerText(), which waits for the element; not the DOM property
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TRACKING_CONSENT_COOKIE } from '../../lib/store/tracking-consent.js';
import { type RunningApp, startApp } from '../support/app-server.js';
import type { TestEmulator } from '../support/emulator.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH, describeWithChromium } from '../support/requirements.js';
import { startE2eEmulator } from './admin-app.js';
import { mailedLink } from './steps.js';

/**
 * Accounts on the production build (`next start`): a shopper signs up, the store mails a link (read
 * here from STORE_MAIL_FILE, one JSON line per mail), she follows it and is signed in. A second
 * browser replaying the link is refused; a guest checkout with her email does not sign anyone in;
 * guessed order numbers answer 404 with no cookie and with another shopper's; and a guest saves her
 * order to an account through the link mailed to the order's email.
 */
const SHOPPER = { email: 'ada.claims@example.com', password: 'a long enough password' };

describeWithChromium('account claiming', () => {
  let emu: TestEmulator;
  let app: RunningApp;
  let browser: Browser;
  let mailFile: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    mailFile = join(mkdtempSync(join(tmpdir(), 'e2e-mail-')), 'mail.jsonl');
    emu = await startE2eEmulator();
    app = await startApp({
      STORE_MAIL_FILE: mailFile,
      STORE_LINK_SECRET: 'e2e-link-secret-e2e-link-secret-0123456789',
    });
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    app?.stop();
    await emu?.close();
  });

  const linkTo = (to: string) => mailedLink(mailFile, app.url, to);

  async function newPage(): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    // Tracking declined up front: the banner would cover the buttons, and tracking is not this test's subject.
    await context.addCookies([{ name: TRACKING_CONSENT_COOKIE, value: 'denied', url: app.url }]);
    const page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(String(error)));
    return { context, page };
  }

  async function guestCheckout(page: Page, email: string): Promise<string> {
    await page.goto(`${app.url}/products/canvas-market-tote`);
    await page.getByRole('button', { name: /^Add to bag/ }).click();
    await page.getByText('Added to your bag.').waitFor();
    await page.goto(`${app.url}/checkout`);
    await page.getByLabel('Email', { exact: true }).fill(email);
    await page.getByLabel('First name').fill('Ada');
    await page.getByLabel('Last name').fill('Lovelace');
    await page.getByLabel('Address', { exact: true }).fill('12 Analytical Row');
    await page.getByLabel('City').fill('Arlington');
    await page.getByLabel(/State/).fill('VA');
    await page.getByLabel('Postal code').fill('22201');
    await page.getByRole('button', { name: /^Place order/ }).click();
    await page.waitForURL('**/orders/NW-*');
    return page.getByTestId('order-number').innerText();
  }

  it('signs up through the mailed link, once; a guest checkout with her email signs no one in', async () => {
    const { page } = await newPage();
    await page.goto(`${app.url}/account/sign-up`);
    await page.getByLabel('First name').fill('Ada');
    await page.getByLabel('Last name').fill('Lovelace');
    await page.getByLabel('Email', { exact: true }).fill(SHOPPER.email);
    await page.getByLabel('Password').fill(SHOPPER.password);
    await page.getByRole('button', { name: 'Create account' }).click();
    await expect(page.getByTestId('link-sent').innerText()).resolves.toContain(SHOPPER.email);
    // Not signed in yet: the account page sends her to sign in.
    await page.goto(`${app.url}/account`);
    await page.waitForURL('**/account/sign-in');

    const link = linkTo(SHOPPER.email);
    // Opening the link uses nothing up (mail scanners open links too); the button does.
    await page.goto(link);
    await page.goto(link);
    await page.getByRole('button', { name: 'Confirm and sign in' }).click();
    await page.waitForURL('**/account');
    await expect(page.getByRole('heading', { level: 1 }).innerText()).resolves.toBe('Hello, Ada');

    // Another browser replaying the same link is refused.
    const other = await newPage();
    await other.page.goto(link);
    await other.page.getByRole('button', { name: 'Confirm and sign in' }).click();
    await expect(other.page.locator('.form-alert').innerText()).resolves.toMatch(/already been used/);
    await other.page.goto(`${app.url}/account`);
    await other.page.waitForURL('**/account/sign-in');

    // That browser checks out as a guest with her email: it sees its own order, nothing of hers.
    const orderId = await guestCheckout(other.page, SHOPPER.email);
    await other.page.goto(`${app.url}/account`);
    await other.page.waitForURL('**/account/sign-in');
    // Her signed-in browser sees the order placed under her email, in her account.
    await page.goto(`${app.url}/account`);
    await expect(page.locator('.orders-table').innerText()).resolves.toContain(orderId);
    expect(pageErrors).toEqual([]);
  }, 180_000);

  it('answers 404 for an order to no cookie, a made-up one and another shopper’s, at any order number', async () => {
    const owner = await newPage();
    const orderId = await guestCheckout(owner.page, 'owner.of.order@example.com');
    const stranger = await newPage();
    await guestCheckout(stranger.page, 'someone.else@example.com');
    const strangerCookies = (await stranger.context.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
    const number = Number(orderId.slice(3));
    for (const guess of [orderId, `NW-${number - 1}`, `NW-${number - 2}`]) {
      for (const cookie of [undefined, `nw_orders=${'A'.repeat(43)}; nw_shopper=${'B'.repeat(43)}`]) {
        const response = await fetch(`${app.url}/orders/${guess}`, cookie ? { headers: { cookie } } : {});
        expect(response.status, `${guess} with ${cookie ?? 'no cookie'}`).toBe(404);
      }
    }
    const own = await fetch(`${app.url}/orders/${orderId}`, { headers: { cookie: strangerCookies } });
    expect(own.status).toBe(404);
    // The owner's browser still sees it.
    const shown = await owner.page.goto(`${app.url}/orders/${orderId}`);
    expect(shown?.status()).toBe(200);
  }, 180_000);

  it('saves a guest order to an account through the link mailed to the order’s email', async () => {
    const email = 'guest.saver@example.com';
    const { page } = await newPage();
    const orderId = await guestCheckout(page, email);
    await page.getByLabel('Choose a password').fill(SHOPPER.password);
    await page.getByRole('button', { name: 'Email me a link' }).click();
    await expect(page.getByTestId('link-sent').innerText()).resolves.toContain(email);
    await page.goto(linkTo(email));
    await page.getByRole('button', { name: 'Confirm and sign in' }).click();
    await page.waitForURL('**/account');
    await expect(page.locator('.orders-table').innerText()).resolves.toContain(orderId);
    expect(pageErrors).toEqual([]);
  }, 180_000);
});
