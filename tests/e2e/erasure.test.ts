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
 * Erasure in the browser, over the production build: a signed-in shopper erases her own data from
 * her account (a wrong confirmation is refused; afterwards she is signed out and cannot sign in),
 * and the merchant erases another shopper from the admin's Customers page; the emulator receives a
 * request_profile_deletion for each.
 */
const ADA = {
  email: 'ada.erase@example.com',
  password: 'analytical engine 1843',
  first: 'Ada',
  last: 'Erase',
};
const MARIE = {
  email: 'marie.erase@example.com',
  password: 'radium and polonium 1898',
  first: 'Marie',
  last: 'Erase',
};

describeWithChromium('erasure pages', { shuffle: false }, () => {
  let stack: AdminStack;
  let emu: TestEmulator;
  let app: RunningApp;
  let browser: Browser;
  let shopper: Page;
  let merchant: Page;
  let mailFile: string;
  const pageErrors: string[] = [];
  const url = (path: string) => `${app.url}${path}`;
  const shot = (page: Page, name: string) =>
    page.screenshot({ path: join(SCREENSHOTS, `erasure-${name}.png`), fullPage: true });

  /** The identifiers the emulator was asked to delete, after a drain. */
  const deletionsAtKlaviyo = async () => {
    await stack.drain();
    const inspected = await emu.inspect();
    return (inspected.log as { operation: string; payload: Record<string, unknown> }[])
      .filter((l) => l.operation === 'request_profile_deletion')
      .map((l) => l.payload.email ?? l.payload.phone_number);
  };

  const signUp = (who: typeof ADA) => signUpByMailedLink(shopper, { url: app.url, mailFile }, who);

  beforeAll(async () => {
    mailFile = newMailFile();
    stack = await startAdminStack({ STORE_MAIL_FILE: mailFile });
    ({ emu, app } = stack);
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
    shopper = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    merchant = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
    for (const page of [shopper, merchant]) page.on('pageerror', (error) => pageErrors.push(String(error)));
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    expect(emu?.specViolations).toEqual([]);
    await stack?.stop();
  });

  it('a signed-in shopper erases her own data from her account, and is signed out for good', async () => {
    await shopper.goto(url('/'));
    await shopper.getByRole('button', { name: 'Decline' }).click();
    await signUp(ADA);
    await shopper.getByRole('link', { name: 'Erase my data' }).click();
    await shopper.waitForURL('**/account/erase');
    await shot(shopper, 'account-erase');

    await shopper.getByLabel('Type erase to confirm').fill('ERASE');
    // The field's pattern stops the form in the browser; the server checks it again.
    await shopper.evaluate(() => document.querySelector('input[name=confirm]')?.removeAttribute('pattern'));
    await shopper.getByRole('button', { name: 'Erase my data' }).click();
    // (Not getByRole('alert'): Next's route announcer is one too.)
    await shopper.getByText('Type erase in the box to confirm.').waitFor();

    await shopper.getByLabel('Type erase to confirm').fill('erase');
    await shopper.getByRole('button', { name: 'Erase my data' }).click();
    await shopper.waitForURL('**/account/erase/done');
    await shot(shopper, 'account-erased');

    await shopper.goto(url('/account'));
    await shopper.waitForURL('**/account/sign-in**');
    await shopper.getByLabel('Email', { exact: true }).fill(ADA.email);
    await shopper.getByLabel('Password', { exact: true }).fill(ADA.password);
    await shopper.getByRole('button', { name: 'Sign in' }).click();
    await shopper.locator('.form-alert').waitFor();
    expect(new URL(shopper.url()).pathname).toBe('/account/sign-in');

    await expect.poll(deletionsAtKlaviyo, { timeout: 60_000, interval: 500 }).toContain(ADA.email);
  });

  it('the merchant erases a shopper from Customers', async () => {
    await signUp(MARIE);
    await merchant.goto(url('/admin/customers'));
    await signInMerchant(merchant, url('/admin/customers'));

    await merchant.getByLabel('Search by email').fill('marie');
    await merchant.getByRole('button', { name: 'Search' }).click();
    await merchant.waitForURL('**/admin/customers?q=marie');
    const row = merchant.getByTestId('customers-table').locator('tr', { hasText: MARIE.email });
    await row.getByText('Erase…').click();
    // Without the box ticked the browser will not send it; the server refuses it as well.
    await row.locator('input[name=confirm]').evaluate((box) => box.removeAttribute('required'));
    await row.getByRole('button', { name: 'Erase customer' }).click();
    await merchant.getByText('Tick the box to confirm the erasure.').waitFor();

    await merchant.getByLabel('Search by email').fill('marie');
    await merchant.getByRole('button', { name: 'Search' }).click();
    await merchant.waitForURL('**/admin/customers?q=marie');
    const again = merchant.getByTestId('customers-table').locator('tr', { hasText: MARIE.email });
    await again.getByText('Erase…').click();
    await again.getByRole('checkbox').check();
    await shot(merchant, 'admin-erase');
    await again.getByRole('button', { name: 'Erase customer' }).click();
    await expect(merchant.getByRole('status').innerText()).resolves.toMatch(/^Customer erased/);
    await expect(merchant.getByTestId('customers-table').innerText()).resolves.not.toContain(MARIE.email);
    await shot(merchant, 'admin-erased');

    await expect.poll(deletionsAtKlaviyo, { timeout: 60_000, interval: 500 }).toContain(MARIE.email);
    expect(pageErrors).toEqual([]);
  });
});
