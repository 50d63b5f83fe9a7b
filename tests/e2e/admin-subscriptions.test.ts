// biome-ignore-all lint/performance/useDomNodeTextContent: these are Playwright's Locator.innerText(), which waits for the element; not the DOM property
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunningApp } from '../support/app-server.js';
import type { TestEmulator } from '../support/emulator.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH, describeWithChromium } from '../support/requirements.js';
import { type AdminStack, SCREENSHOTS, startAdminStack } from './admin-app.js';
import { newMailFile, signInMerchant, signUpByMailedLink } from './steps.js';

/**
 * Subscriptions in the browser, over the production build: a shopper makes an account (through the
 * mailed link), subscribes to the quarterly tee plan on the product page; the merchant signs in, finds
 * it under Subscriptions, charges it now (the billing run's stand-in), pauses, resumes and cancels
 * it. Every change's event is checked at the emulator once the app has delivered it, and so is the
 * profile the changes leave (cancelled, no next charge date).
 */
const SHOPPER = { email: 'emmy.noether@example.com', password: 'rings and ideals 1921', first: 'Emmy' };

describeWithChromium('admin subscriptions', { shuffle: false }, () => {
  let stack: AdminStack;
  let emu: TestEmulator;
  let app: RunningApp;
  let browser: Browser;
  let page: Page;
  let mailFile: string;
  let subscriptionId = '';
  const pageErrors: string[] = [];
  const url = (path: string) => `${app.url}${path}`;
  const shot = (name: string) =>
    page.screenshot({ path: join(SCREENSHOTS, `admin-subscriptions-${name}.png`), fullPage: true });
  const drain = () => stack.drain();

  /** The subscription's events at the emulator by unique_id, once `count` have been delivered. */
  const delivered = async (count: number) => {
    let byId: Record<string, { metric: string; properties: Record<string, unknown> }> = {};
    await expect
      .poll(
        async () => {
          await drain();
          const { events } = await emu.inspect('?events=full');
          byId = Object.fromEntries(
            (events as { metric: string; uniqueId: string; properties: Record<string, unknown> }[])
              .filter((e) => e.properties.SubscriptionId === subscriptionId)
              .map((e) => [e.uniqueId, e]),
          );
          return Object.keys(byId).length;
        },
        { timeout: 30_000, interval: 500 },
      )
      .toBe(count);
    return byId;
  };

  beforeAll(async () => {
    mailFile = newMailFile();
    stack = await startAdminStack({ STORE_MAIL_FILE: mailFile });
    ({ emu, app } = stack);
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
    page = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
    page.on('pageerror', (error) => pageErrors.push(String(error)));
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    expect(emu?.specViolations).toEqual([]);
    await stack?.stop();
  });

  it('a signed-in shopper subscribes to a plan on the product page', async () => {
    const shopper = await (await browser.newContext()).newPage();
    shopper.on('pageerror', (error) => pageErrors.push(String(error)));
    // Signed out, the product page offers sign-in instead of the plan form.
    await shopper.goto(url('/products/organic-cotton-tee'));
    await shopper.getByRole('button', { name: 'Decline' }).click();
    const section = shopper.locator('section', {
      has: shopper.getByRole('heading', { name: /Subscribe and save/ }),
    });
    await expect(section.getByRole('link', { name: 'Sign in' }).count()).resolves.toBe(1);

    await signUpByMailedLink(shopper, { url: app.url, mailFile }, { ...SHOPPER, last: 'Noether' });

    await shopper.goto(url('/products/organic-cotton-tee'));
    await section.getByLabel('Plan').selectOption('tee-quarterly');
    await section.getByLabel('Quantity').fill('2');
    await section.getByRole('button', { name: 'Subscribe' }).click();
    const status = section.getByRole('status');
    await expect(status.innerText()).resolves.toMatch(/^Subscribed: SUB-\d+\./);
    subscriptionId = /SUB-\d+/.exec(await status.innerText())?.[0] ?? '';
    // Her account lists it (hers only), with pause and cancel.
    await section.getByRole('link', { name: 'Manage your subscriptions' }).click();
    await shopper.waitForURL('**/account/subscriptions');
    const mine = shopper.getByRole('row', { name: new RegExp(subscriptionId) });
    await expect(mine.innerText()).resolves.toMatch(/Fresh tee every 3 months[\s\S]*active[\s\S]*\$57\.60/);
    await expect(mine.getByRole('button', { name: 'Pause' }).count()).resolves.toBe(1);
    await shopper.context().close();

    const events = await delivered(1);
    expect(events[`subscription-started:${subscriptionId}`]).toMatchObject({
      metric: 'Subscription Started',
      properties: { $value: 57.6, PlanId: 'tee-quarterly', Quantity: 2, Status: 'active' },
    });
  });

  it('signs the merchant in and lists the subscription', async () => {
    await page.goto(url('/admin/subscriptions'));
    expect(new URL(page.url()).pathname).toBe('/admin/sign-in');
    await signInMerchant(page, url('/admin/subscriptions'));
    const row = page.getByTestId(`subscription-${subscriptionId}`);
    await expect(row.innerText()).resolves.toMatch(
      new RegExp(`${SHOPPER.email}[\\s\\S]*Fresh tee every 3 months[\\s\\S]*\\$57\\.60[\\s\\S]*active`),
    );
    await shot('list');
  });

  it('charges now, pauses, resumes and cancels, each recorded once at Klaviyo', async () => {
    const row = page.getByTestId(`subscription-${subscriptionId}`);
    const cell = (n: number) => row.locator('td').nth(n);
    await page.getByTestId(`charge-now-${subscriptionId}`).click();
    await expect.poll(() => cell(7).innerText()).toBe('1');
    await page.getByTestId(`pause-${subscriptionId}`).click();
    await expect.poll(() => cell(5).innerText()).toBe('paused');
    await expect(cell(6).innerText()).resolves.toBe('—');
    await shot('paused');
    await page.getByTestId(`resume-${subscriptionId}`).click();
    await expect.poll(() => cell(5).innerText()).toBe('active');
    await page.getByTestId(`cancel-${subscriptionId}`).click();
    await expect.poll(() => cell(5).innerText()).toBe('cancelled');
    await expect(row.getByRole('button').count()).resolves.toBe(0);
    await shot('cancelled');

    const events = await delivered(5);
    const id = subscriptionId;
    expect(Object.fromEntries(Object.entries(events).map(([k, e]) => [k, e.metric]))).toEqual({
      [`subscription-started:${id}`]: 'Subscription Started',
      [`subscription-renewed:${id}:${id}-C1`]: 'Subscription Renewed',
      [`subscription-paused:${id}:1`]: 'Subscription Paused',
      [`subscription-resumed:${id}:2`]: 'Subscription Resumed',
      [`subscription-cancelled:${id}`]: 'Subscription Cancelled',
    });
    expect(events[`subscription-renewed:${id}:${id}-C1`]?.properties).toMatchObject({
      $value: 57.6,
      ChargeNumber: 1,
    });
    expect(events[`subscription-cancelled:${id}`]?.properties).toMatchObject({
      $value: 57.6,
      Status: 'cancelled',
    });

    // The profile ends where the changes left it: profile writes wait out a fence (a write riding on
    // events settles before the next), so the last may come a little after its event.
    await expect
      .poll(
        async () => {
          await drain();
          const found = await emu.api(
            `/api/profiles?filter=${encodeURIComponent(`equals(email,"${SHOPPER.email}")`)}`,
          );
          return found.body.data[0]?.attributes.properties;
        },
        { timeout: 90_000, interval: 2_000 },
      )
      .toMatchObject({
        'Subscription Status': 'cancelled',
        'Subscription Id': id,
        'Subscription Plan': 'Fresh tee every 3 months',
        'Subscription Recurring Revenue': 57.6,
        'Subscription Next Charge Date': null,
      });
    expect(pageErrors).toEqual([]);
  }, 150_000);
});
