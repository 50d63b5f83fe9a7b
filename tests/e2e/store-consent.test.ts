// biome-ignore-all lint/performance/useDomNodeTextContent: these are Playwright's Locator.innerText(), which waits for the element; not the DOM property
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CONSENT_DISCLOSURES } from '../../lib/store/consent-disclosures.js';
import type { RunningApp } from '../support/app-server.js';
import type { TestEmulator } from '../support/emulator.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH, describeWithChromium } from '../support/requirements.js';
import { type AdminStack, SCREENSHOTS, startAdminStack } from './admin-app.js';
import { newMailFile, signInMerchant, signUpByMailedLink } from './steps.js';

/**
 * Consent in the browser, over the production build: a shopper makes an account (through the mailed
 * link), opens "Email and SMS preferences" from her account, is refused a subscribe without the box,
 * subscribes with it (Klaviyo, the emulator, then has her subscribed); the merchant finds her on the
 * admin's Customers page and unsubscribes her, and her preferences page says so.
 */
const SHOPPER = {
  email: 'rosalind.franklin@example.com',
  password: 'photo fifty-one 1952',
  first: 'Rosalind',
};

describeWithChromium('store consent pages', { shuffle: false }, () => {
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
    page.screenshot({ path: join(SCREENSHOTS, `store-consent-${name}.png`), fullPage: true });

  const emailConsentAtKlaviyo = async () => {
    await stack.drain();
    await emu.settle();
    const filter = encodeURIComponent(`equals(email,"${SHOPPER.email}")`);
    const { body } = await emu.api(`/api/profiles?filter=${filter}&additional-fields[profile]=subscriptions`);
    return body.data[0]?.attributes.subscriptions?.email?.marketing?.consent as string | undefined;
  };

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

  it('a signed-in shopper subscribes on her preferences page, only with the box ticked', async () => {
    await shopper.goto(url('/account/sign-up'));
    await shopper.getByRole('button', { name: 'Decline' }).click();
    await signUpByMailedLink(shopper, { url: app.url, mailFile }, { ...SHOPPER, last: 'Franklin' });

    await shopper.getByRole('link', { name: 'Email and SMS preferences' }).click();
    await shopper.waitForURL('**/account/preferences');
    const email = shopper.getByRole('region', { name: 'Email' });
    await expect(email.innerText()).resolves.toContain('Not subscribed');

    await email.getByRole('button', { name: 'Subscribe to email' }).click();
    await expect(shopper.locator('p[role="alert"]').innerText()).resolves.toBe(
      'Tick the box to agree to the text shown.',
    );

    await email.getByLabel(CONSENT_DISCLOSURES.email.text).check();
    await email.getByRole('button', { name: 'Subscribe to email' }).click();
    await expect(shopper.locator('p[role="status"]').innerText()).resolves.toBe(
      'Your email preference is saved.',
    );
    await expect(shopper.getByRole('region', { name: 'Email' }).innerText()).resolves.toContain(
      'Subscribed since',
    );
    await shot(shopper, 'preferences-subscribed');

    await expect.poll(emailConsentAtKlaviyo, { timeout: 60_000, interval: 500 }).toBe('SUBSCRIBED');
  });

  it('the merchant finds her on Customers and unsubscribes her; her page says so', async () => {
    await merchant.goto(url('/admin/customers'));
    expect(new URL(merchant.url()).pathname).toBe('/admin/sign-in');
    await signInMerchant(merchant, url('/admin/customers'));
    await merchant.getByRole('link', { name: 'Customers' }).waitFor();

    await merchant.getByLabel('Search by email').fill('rosalind');
    await merchant.getByRole('button', { name: 'Search' }).click();
    await merchant.waitForURL('**/admin/customers?q=rosalind');
    const table = merchant.getByTestId('customers-table');
    const row = table.locator('tr', { hasText: SHOPPER.email });
    await expect(row.innerText()).resolves.toMatch(
      /subscribed[\s\S]*on her preferences page[\s\S]*no record/,
    );
    await shot(merchant, 'admin-customers');

    await row.getByRole('button', { name: 'Unsubscribe email' }).click();
    await expect(merchant.locator('p[role="status"]').innerText()).resolves.toMatch(
      /^Unsubscribed from email/,
    );
    await expect(table.locator('tr', { hasText: SHOPPER.email }).innerText()).resolves.toMatch(
      /unsubscribed[\s\S]*by the store admin/,
    );
    await shot(merchant, 'admin-customers-unsubscribed');

    await shopper.reload();
    await expect(shopper.getByRole('region', { name: 'Email' }).innerText()).resolves.toContain(
      'Unsubscribed since',
    );
    expect(pageErrors).toEqual([]);
  });
});
